import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, TEST_PASSWORD } from '../helpers/app.js';
import { createTestDatabase, databaseUrl, type TestDatabase } from '../helpers/db.js';
import { issueToken } from '../../src/platform/auth/service.js';
import { freePort, serverEnv, spawnCli, waitForOk, type ServerProcess } from '../e2e/process.js';
import { HttpSession } from '../e2e/http.js';

/**
 * The real server's JSON log (pino on stdout) for requests that carry personal data or secrets:
 * none of it may appear in the log, and every request line has a request id.
 */
describe('structured logs', () => {
  let database: TestDatabase;
  let server: ServerProcess;
  const email = 'jantje.geheim@voorbeeld.nl';
  let token: string;
  let resetToken: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    const u = await createUser(database.db, email, [{ role: 'programme_admin' }]);
    token = await issueToken(database.db, u.id, 'invitation');
    resetToken = await issueToken(database.db, u.id, 'password_reset');
    const port = await freePort();
    server = spawnCli(['serve'], serverEnv('/nonexistent-not-used', port, { DATABASE_URL: databaseUrl(database.name), DEMO_MODE: 'false', JOBS: 'false', LOG_LEVEL: 'info' }), port);
    await waitForOk(`${server.baseUrl}/ready`, server, 60_000);
  });

  afterAll(async () => {
    if (server) expect(await server.stop()).toEqual({ code: 0, signal: null });
    await database?.drop();
  });

  it('contain no tokens, e-mail addresses or passwords, and a request id on every request line', async () => {
    const web = new HttpSession(server.baseUrl);
    const invitation = await web.get(`/uitnodiging/${token}`);
    expect(invitation.status).toBe(200);
    expect((await web.get(`/wachtwoord-herstellen/${resetToken}?email=${encodeURIComponent(email)}`)).status).toBe(200);
    // A failed and a successful login (the e-mail and password are in the form body).
    expect((await web.post('/inloggen', { email, password: 'Verkeerd-wachtwoord-1' })).status).toBe(401);
    await web.login(email, TEST_PASSWORD);
    expect((await web.get('/beheer')).status).toBe(200);
    // A request id given by a proxy is used and returned.
    const traced = await web.get('/health', { 'x-request-id': 'trace-1234abcd' });
    expect(traced.headers.get('x-request-id')).toBe('trace-1234abcd');
    // A crafted id (log injection) is replaced by a fresh one.
    const crafted = await web.get('/health', { 'x-request-id': '"}{"level":60,"msg":"injected' });
    expect(crafted.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

    // Give pino a moment to flush.
    await new Promise((r) => setTimeout(r, 300));
    const log = server.stdout();
    const lines = log
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, any>);
    const requestLines = lines.filter((l) => l.req || l.res);
    expect(requestLines.length).toBeGreaterThanOrEqual(12);
    for (const l of requestLines) expect(l.reqId, JSON.stringify(l)).toMatch(/^[\w-]{8,64}$/);
    // The path is logged without the one-time tokens and without the query string.
    const urls = requestLines.filter((l) => l.req).map((l) => l.req.url as string);
    expect(urls).toContain('/uitnodiging/[token]');
    expect(urls).toContain('/wachtwoord-herstellen/[token]');
    expect(lines.some((l) => l.reqId === 'trace-1234abcd')).toBe(true);

    for (const secret of [token, resetToken, email, encodeURIComponent(email), 'jantje', TEST_PASSWORD, 'Verkeerd-wachtwoord-1']) {
      expect(log.includes(secret), `log contains ${secret}`).toBe(false);
    }
    // No cookies or session ids either.
    for (const value of web.cookies.values()) expect(log.includes(value.split('.')[0])).toBe(false);
  });
});
