import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, serverEnv, spawnCli, startServer, tempDir, type ServerProcess } from '../e2e/process.js';
import { HttpSession } from '../e2e/http.js';

const ADMIN = 'beheer@demo.example';
const PASSWORD = 'Demo-wachtwoord-2026';

/** `npm start` as a user runs it: the real process on an embedded PostgreSQL in DATA_DIR. */
describe('server lifecycle on the embedded PostgreSQL', () => {
  const dataDir = tempDir('ete-life-');
  const running: ServerProcess[] = [];
  afterAll(async () => {
    for (const s of running) await s.stop(5000);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('first start, data via HTTP, clean SIGTERM, restart on the same data, second process refused', { timeout: 120_000 }, async () => {
    // First run: creates the cluster, migrates, seeds the demo data, prints the logins.
    const first = await startServer(dataDir);
    running.push(first);
    expect(first.stdout()).toContain(`draait op ${first.baseUrl}`);
    expect(first.stdout()).toContain('DEMO-MODUS');
    expect(first.stdout()).toContain(ADMIN);
    expect(first.output()).toContain('Demodata geladen.');
    expect(fs.existsSync(path.join(dataDir, 'pg', 'PG_VERSION'))).toBe(true);

    // Log in and create something: a session (kept in PostgreSQL) and an invited user.
    const web = new HttpSession(first.baseUrl);
    await web.login(ADMIN, PASSWORD);
    const list = await web.get('/beheer/gemeenten?q=amsterdam');
    expect(list.status).toBe(200);
    expect(list.body).toContain('GM0363');
    const email = `lifecycle.${Date.now()}@voorbeeld.nl`;
    await web.get('/beheer/gebruikers/uitnodigen');
    const invited = await web.post('/beheer/gebruikers/uitnodigen', { name: 'Levens Cyclus', email, role: 'programme_admin', municipalityId: '', organisationId: '' });
    expect(invited.status).toBe(303);
    const usersBefore = await web.get('/beheer/gebruikers?q=demo.example');
    const countBefore = /van (\d+) resultaten/.exec(usersBefore.body)?.[1];
    expect(Number(countBefore)).toBeGreaterThan(5);

    // A second process on the same DATA_DIR is refused while the first runs.
    const port2 = await freePort();
    const second = spawnCli(['serve'], serverEnv(dataDir, port2), port2);
    running.push(second);
    const refused = await Promise.race([second.exited, new Promise<null>((r) => setTimeout(() => r(null), 30_000))]);
    expect(refused, 'second process should exit by itself').not.toBeNull();
    expect(refused!.code).not.toBe(0);
    expect(second.output()).toMatch(/in use by another process \(pid \d+\)/);
    expect((await fetch(`${first.baseUrl}/ready`)).status).toBe(200);

    // SIGTERM: exit 0, database stopped, lock released.
    const stopped = await first.stop();
    expect(stopped).toEqual({ code: 0, signal: null });
    expect(fs.existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
    expect(fs.existsSync(path.join(dataDir, 'app.lock'))).toBe(false);

    // Restart on the same data: everything is still there, the demo data is not seeded again.
    const again = await startServer(dataDir);
    running.push(again);
    expect(again.output()).not.toContain('Demodata geladen.');
    const web2 = new HttpSession(again.baseUrl);
    web2.cookies = new Map(web.cookies); // the session from before the restart still works
    const me = await web2.get('/beheer');
    expect(me.status).toBe(200);
    expect(me.body).toContain('Ingelogd als');
    const found = await web2.get(`/beheer/gebruikers?q=${encodeURIComponent(email)}`);
    expect(found.body).toContain('Levens Cyclus');
    const usersAfter = await web2.get('/beheer/gebruikers?q=demo.example');
    expect(/van (\d+) resultaten/.exec(usersAfter.body)?.[1]).toBe(countBefore);
    expect(await again.stop()).toEqual({ code: 0, signal: null });
    expect(fs.existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
  });
});
