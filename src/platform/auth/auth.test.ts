import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desc, eq, sql } from 'drizzle-orm';
import { createTestApp, createUser, TestClient, TEST_PASSWORD, userByEmail, type TestApp } from '../../../test/helpers/app.js';
import { auditLog, authTokens, outbox, sessions, users } from '../db/schema.js';
import { MAX_FAILED_LOGINS } from './service.js';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
  await createUser(t.db, 'admin@test.example', [{ role: 'programme_admin' }], 'Admin');
  await createUser(t.db, 'lock@test.example', [{ role: 'programme_admin' }], 'Lock');
  await createUser(t.db, 'reset@test.example', [{ role: 'programme_admin' }], 'Reset Person');
});
afterAll(async () => t.close());

const lastMailTo = async (to: string) => (await t.db.select().from(outbox).where(eq(outbox.toAddress, to)).orderBy(desc(outbox.id)).limit(1))[0];

describe('login and sessions', () => {
  it('logs in with the right password, sets a hardened session cookie and stores only the hash', async () => {
    const c = new TestClient(t.app);
    await c.get('/inloggen');
    const res = await c.post('/inloggen', { email: 'ADMIN@test.example ', password: TEST_PASSWORD, terug: '/beheer/gemeenten' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/beheer/gemeenten');
    const cookie = ([] as string[]).concat(res.headers['set-cookie'] as string[]).find((x) => x.startsWith('ete_sessie='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    const raw = decodeURIComponent(cookie.split(';')[0].split('=')[1]).split('.')[0];
    const stored = await t.db.select().from(sessions);
    expect(stored.some((s) => s.idHash === raw)).toBe(false); // not stored in the clear
    const page = await c.get('/beheer');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Welkom, Admin');
    const [entry] = await t.db.select().from(auditLog).where(eq(auditLog.action, 'login')).orderBy(desc(auditLog.id)).limit(1);
    expect(entry.actorLabel).toBe('admin@test.example');
  });

  it('rejects a wrong password with one message that does not reveal whether the account exists', async () => {
    const c = new TestClient(t.app);
    const a = await c.post('/inloggen', { email: 'admin@test.example', password: 'wrong-password-1' });
    const b = await c.post('/inloggen', { email: 'nobody@test.example', password: 'wrong-password-1' });
    expect(a.statusCode).toBe(401);
    expect(b.statusCode).toBe(401);
    expect(a.body).toContain('Het e-mailadres of wachtwoord klopt niet');
    expect(b.body).toContain('Het e-mailadres of wachtwoord klopt niet');
    expect(a.body).toContain('value="admin@test.example"'); // the e-mail stays filled in
    const failed = await t.db.select().from(auditLog).where(eq(auditLog.action, 'login_failed'));
    expect(failed.map((f) => f.actorLabel)).toEqual(expect.arrayContaining(['admin@test.example', 'nobody@test.example']));
  });

  it('shows field errors for an empty form and links them from the error summary', async () => {
    const c = new TestClient(t.app);
    const res = await c.post('/inloggen', { email: 'geen-email', password: '' });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('href="#veld-email"');
    expect(res.body).toContain('Vul een geldig e-mailadres in');
    expect(res.body).toContain('Vul uw wachtwoord in.');
  });

  it('locks the account temporarily after repeated failures, even for the right password', async () => {
    const c = new TestClient(t.app);
    for (let i = 0; i < MAX_FAILED_LOGINS; i++) await c.post('/inloggen', { email: 'lock@test.example', password: `bad-password-${i}` });
    const res = await c.post('/inloggen', { email: 'lock@test.example', password: TEST_PASSWORD });
    expect(res.statusCode).toBe(429);
    expect(res.body).toContain('tijdelijk geblokkeerd');
    const u = await userByEmail(t.db, 'lock@test.example');
    expect(u.lockedUntil!.getTime()).toBeGreaterThan(Date.now());
    // After the lock has passed, the right password works again.
    await t.db.update(users).set({ lockedUntil: new Date(Date.now() - 1000) }).where(eq(users.id, u.id));
    await c.login('lock@test.example');
  });

  it('answers an unknown address with the same lockout message, so lockouts do not reveal accounts', async () => {
    const c = new TestClient(t.app);
    const codes: number[] = [];
    for (let i = 0; i < MAX_FAILED_LOGINS; i++) codes.push((await c.post('/inloggen', { email: 'bestaat-niet@test.example', password: `bad-password-${i}` })).statusCode);
    expect(codes).toEqual([401, 401, 401, 401, 429]);
    const res = await c.post('/inloggen', { email: 'bestaat-niet@test.example', password: 'whatever-password' });
    expect(res.statusCode).toBe(429);
    expect(res.body).toContain('tijdelijk geblokkeerd');
  });

  it('refuses a deactivated user and ends their existing session', async () => {
    const u = await createUser(t.db, 'gone@test.example', [{ role: 'programme_admin' }]);
    const c = new TestClient(t.app);
    await c.login('gone@test.example');
    await t.db.update(users).set({ active: false }).where(eq(users.id, u.id));
    const res = await c.get('/beheer');
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toContain('/inloggen');
    expect((await c.post('/inloggen', { email: 'gone@test.example', password: TEST_PASSWORD })).statusCode).toBe(401);
  });

  it('logs out: the session is deleted server-side, the old cookie no longer works', async () => {
    const c = new TestClient(t.app);
    await c.login('admin@test.example');
    const before = new Map(c.cookies);
    await c.get('/beheer');
    const res = await c.post('/uitloggen');
    expect(res.statusCode).toBe(303);
    const replay = new TestClient(t.app);
    replay.cookies = before;
    expect((await replay.get('/beheer')).statusCode).toBe(302);
  });

  it('expires sessions', async () => {
    const c = new TestClient(t.app);
    await c.login('admin@test.example');
    await t.db.update(sessions).set({ expiresAt: new Date(Date.now() - 1000) });
    expect((await c.get('/beheer')).statusCode).toBe(302);
  });

  it('rejects a POST without a valid CSRF token and changes nothing', async () => {
    const c = new TestClient(t.app);
    const before = await t.db.select({ n: sql<number>`count(*)::int` }).from(sessions);
    const res = await c.post('/inloggen', { email: 'admin@test.example', password: TEST_PASSWORD }, { csrf: 'forged' });
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('Het formulier is verlopen of ongeldig');
    const after = await t.db.select({ n: sql<number>`count(*)::int` }).from(sessions);
    expect(after[0].n).toBe(before[0].n);
  });

  it('does not redirect off-site after login', async () => {
    const c = new TestClient(t.app);
    await c.get('/inloggen');
    const res = await c.post('/inloggen', { email: 'admin@test.example', password: TEST_PASSWORD, terug: '//evil.example/' });
    expect(res.headers.location).toBe('/beheer');
  });
});

describe('password reset by e-mail link', () => {
  it('sends a single-use link through the outbox and sets a new password', async () => {
    const c = new TestClient(t.app);
    const res = await c.post('/wachtwoord-vergeten', { email: 'reset@test.example' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Als dit e-mailadres bij ons bekend is');
    const mail = await lastMailTo('reset@test.example');
    expect(mail.subject).toBe('Nieuw wachtwoord instellen');
    expect(mail.textBody).toContain('helpdesk');
    const link = /http:\/\/localhost:3000(\/wachtwoord-herstellen\/\S+)/.exec(mail.textBody)![1];
    expect((await c.get(link)).statusCode).toBe(200);
    const weak = await c.post(link, { password: 'kort', confirm: 'kort' });
    expect(weak.statusCode).toBe(422);
    expect(weak.body).toContain('minstens 12 tekens');
    const mismatch = await c.post(link, { password: 'een lange zin als wachtwoord', confirm: 'een andere zin als wachtwoord' });
    expect(mismatch.body).toContain('niet gelijk');
    const ok = await c.post(link, { password: 'een lange zin als wachtwoord', confirm: 'een lange zin als wachtwoord' });
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe('/beheer');
    // Used: the same link now shows a clear page with a way to ask for a new one.
    const again = await new TestClient(t.app).get(link);
    expect(again.statusCode).toBe(410);
    expect(again.body).toContain('al gebruikt');
    expect(again.body).toContain('href="/wachtwoord-vergeten"');
    await new TestClient(t.app).login('reset@test.example', 'een lange zin als wachtwoord');
  });

  it('answers the same for an unknown address and sends nothing', async () => {
    const before = await t.db.select({ n: sql<number>`count(*)::int` }).from(outbox);
    const res = await new TestClient(t.app).post('/wachtwoord-vergeten', { email: 'unknown@test.example' });
    expect(res.body).toContain('Als dit e-mailadres bij ons bekend is');
    const after = await t.db.select({ n: sql<number>`count(*)::int` }).from(outbox);
    expect(after[0].n).toBe(before[0].n);
  });

  it('shows an expired link as expired', async () => {
    const c = new TestClient(t.app);
    await c.post('/wachtwoord-vergeten', { email: 'admin@test.example' });
    const link = /(\/wachtwoord-herstellen\/\S+)/.exec((await lastMailTo('admin@test.example')).textBody)![1];
    await t.db.update(authTokens).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(authTokens.purpose, 'password_reset'));
    const res = await c.get(link);
    expect(res.statusCode).toBe(410);
    expect(res.body).toContain('verlopen');
    const post = await c.post(link, { password: 'een lange zin als wachtwoord', confirm: 'een lange zin als wachtwoord' });
    expect(post.statusCode).toBe(410);
  });
});

describe('security headers', () => {
  it('sends a CSP without inline script, frame protection and a request id', async () => {
    const res = await new TestClient(t.app).get('/inloggen');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-request-id']).toBeTruthy();
    expect(res.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline scripts
  });
});

describe('rate limiting', () => {
  it('answers 429 on the login form after too many requests from one address', async () => {
    const limited = await createTestApp({ env: { RATE_LIMIT_PER_MINUTE: '3' }, database: t.database });
    try {
      const c = new TestClient(limited.app);
      const codes: number[] = [];
      for (let i = 0; i < 5; i++) codes.push((await c.post('/inloggen', { email: 'admin@test.example', password: 'wrong-password-x' })).statusCode);
      expect(codes.slice(0, 3)).toEqual([401, 401, 401]);
      expect(codes[4]).toBe(429);
    } finally {
      await limited.app.close();
    }
  });
});
