import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, desc, eq } from 'drizzle-orm';
import Provider from 'oidc-provider';
import { createTestApp, createUser, TestClient, type TestApp } from '../../../test/helpers/app.js';
import { auditLog, sessions, users } from '../db/schema.js';
import { resetOidcDiscovery } from './oidc.js';

/**
 * OIDC login against a real OpenID provider (`oidc-provider`) on 127.0.0.1: discovery, the
 * authorization-code flow with PKCE, the token endpoint and UserInfo all go over real HTTP.
 * The provider's login step is a small custom interaction that signs in `nextLogin`.
 */

const CLIENT_ID = 'ete-platform';
const CLIENT_SECRET = 'oidc-test-secret-0123456789';
const REDIRECT = 'http://localhost:3000/inloggen/oidc/terug';

let issuer: string;
let server: http.Server;
let t: TestApp;
/** The account the provider signs in on the next authorization request. */
let nextLogin = '';
/** Paths the provider served (to see which endpoints the app used). */
const hits: string[] = [];
const accounts: Record<string, { email: string; email_verified: boolean; name: string }> = {
  'carla-sub': { email: 'carla@gemeente.example', email_verified: true, name: 'Carla' },
  'nobody-sub': { email: 'onbekend@elders.example', email_verified: true, name: 'Onbekend' },
  'unverified-sub': { email: 'carla@gemeente.example', email_verified: false, name: 'Niet geverifieerd' },
  'inactive-sub': { email: 'weg@gemeente.example', email_verified: true, name: 'Weg' },
};

async function startProvider() {
  const jwk = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: [REDIRECT],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    jwks: { keys: [{ ...jwk, kid: 'test-key', use: 'sig', alg: 'RS256' } as never] },
    cookies: { keys: ['cookie-key-for-the-test-provider'] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true, methods: ['S256'] },
    findAccount: async (_ctx, sub) => (accounts[sub] ? { accountId: sub, claims: async () => ({ sub, ...accounts[sub] }) } : undefined),
    // First-party client: consent is implied, as with a government IdP configured for this platform.
    loadExistingGrant: async (ctx) => {
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
  });
  const callback = provider.callback();
  server.on('request', async (req, res) => {
    hits.push(`${req.method} ${req.url?.split('?')[0]}`);
    if (req.url?.startsWith('/interaction/')) {
      // Auto-login: the "user" authenticates as nextLogin.
      await provider.interactionDetails(req, res);
      await provider.interactionFinished(req, res, { login: { accountId: nextLogin } }, { mergeWithLastSubmission: false });
      return;
    }
    callback(req, res);
  });
}

/** Plays the browser at the provider: follows redirects with its own cookie jar until it is sent back to the app. */
async function authorizeAtProvider(authUrl: string): Promise<string> {
  const jar = new Map<string, string>();
  let url = authUrl;
  for (let i = 0; i < 10; i++) {
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const k = pair.slice(0, pair.indexOf('='));
      const v = pair.slice(pair.indexOf('=') + 1);
      if (!v || /expires=Thu, 01 Jan 1970/i.test(c)) jar.delete(k);
      else jar.set(k, v);
    }
    const location = res.headers.get('location');
    if (!location) throw new Error(`provider answered ${res.status} without redirect: ${await res.text()}`);
    const next = new URL(location, url).href;
    if (next.startsWith(REDIRECT)) return next;
    url = next;
  }
  throw new Error('too many redirects at the provider');
}

/** Starts the login in the app, signs in at the provider as `sub`, and returns the app's callback path. */
async function loginAt(c: TestClient, sub: string): Promise<string> {
  nextLogin = sub;
  const start = await c.get('/inloggen/oidc');
  expect(start.statusCode).toBe(302);
  const auth = new URL(start.headers.location as string);
  expect(auth.origin).toBe(issuer);
  expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
  expect(auth.searchParams.get('state')).toBeTruthy();
  const back = new URL(await authorizeAtProvider(auth.href));
  expect(back.searchParams.get('code')).toBeTruthy();
  return back.pathname + back.search;
}

const lastAudit = async () => (await t.db.select().from(auditLog).orderBy(desc(auditLog.id)).limit(1))[0];

beforeAll(async () => {
  await startProvider();
  resetOidcDiscovery();
  t = await createTestApp({ env: { OIDC_ISSUER: issuer, OIDC_CLIENT_ID: CLIENT_ID, OIDC_CLIENT_SECRET: CLIENT_SECRET, OIDC_LABEL: 'Inloggen met uw organisatieaccount' } });
  await createUser(t.db, 'carla@gemeente.example', [{ role: 'programme_admin' }], 'Carla Coördinator');
  const gone = await createUser(t.db, 'weg@gemeente.example', [{ role: 'programme_admin' }], 'Weg');
  await t.db.update(users).set({ active: false }).where(eq(users.id, gone.id));
});
afterAll(async () => {
  await t?.close();
  resetOidcDiscovery();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

describe('OIDC login', () => {
  it('offers the organisation login on the login page', async () => {
    const page = await new TestClient(t.app).get('/inloggen');
    expect(page.body).toContain('href="/inloggen/oidc"');
    expect(page.body).toContain('Inloggen met uw organisatieaccount');
  });

  it('logs in a known, active account by its verified e-mail and starts a session', async () => {
    const c = new TestClient(t.app);
    const callback = await loginAt(c, 'carla-sub');
    hits.length = 0;
    const res = await c.get(callback);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/beheer');
    // Real back-channel calls: the code is exchanged at the token endpoint and, because this
    // provider keeps the e-mail out of the ID token (as the spec prescribes), read from UserInfo.
    expect(hits).toEqual(expect.arrayContaining(['POST /token', 'GET /me']));
    const home = await c.get('/beheer');
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain('Welkom, Carla Coördinator');
    const carla = (await t.db.select().from(users).where(eq(users.email, 'carla@gemeente.example')))[0];
    expect(carla.lastLoginAt).not.toBeNull();
    expect(await t.db.select().from(sessions).where(eq(sessions.userId, carla.id))).toHaveLength(1);
    expect(await lastAudit()).toMatchObject({ action: 'login', entityId: String(carla.id), actorLabel: 'carla@gemeente.example', details: { via: 'oidc' } });
    // The code is single-use: replaying the callback does not log anyone in.
    const replay = new TestClient(t.app);
    replay.cookies = new Map([...c.cookies].filter(([k]) => k !== 'ete_sessie'));
    expect((await replay.get(callback)).headers.location).toBe('/inloggen');
  });

  it('refuses an e-mail without an account, with a message and a login_failed audit entry', async () => {
    const c = new TestClient(t.app);
    const res = await c.get(await loginAt(c, 'nobody-sub'));
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/inloggen');
    expect(res.headers['set-cookie']?.toString()).not.toContain('ete_sessie=');
    const page = await c.get('/inloggen');
    expect(page.body).toContain('Er is geen actief account voor dit e-mailadres');
    expect((await c.get('/beheer')).statusCode).toBe(302);
    expect(await lastAudit()).toMatchObject({ action: 'login_failed', actorLabel: 'onbekend@elders.example', details: { reason: 'oidc_no_account' } });
  });

  it('refuses a deactivated account and an unverified e-mail address', async () => {
    const a = new TestClient(t.app);
    await a.get(await loginAt(a, 'inactive-sub'));
    expect((await a.get('/inloggen')).body).toContain('Er is geen actief account voor dit e-mailadres');
    expect(await lastAudit()).toMatchObject({ action: 'login_failed', actorLabel: 'weg@gemeente.example' });
    expect((await a.get('/beheer')).statusCode).toBe(302);

    const b = new TestClient(t.app);
    await b.get(await loginAt(b, 'unverified-sub'));
    expect((await b.get('/inloggen')).body).toContain('geen (geverifieerd) e-mailadres');
    expect((await b.get('/beheer')).statusCode).toBe(302);
  });

  it('refuses a callback with a wrong state, or without the flow cookie', async () => {
    const before = (await t.db.select().from(sessions)).length;
    const c = new TestClient(t.app);
    const callback = await loginAt(c, 'carla-sub');
    const forged = callback.replace(/state=[^&]+/, 'state=aanvaller');
    const res = await c.get(forged);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/inloggen');
    expect((await c.get('/inloggen')).body).toContain('Inloggen via uw organisatie is niet gelukt');
    expect((await c.get('/beheer')).statusCode).toBe(302);

    // A callback in another browser (no flow cookie, e.g. a link sent to someone): refused.
    const other = new TestClient(t.app);
    const cb2 = await loginAt(new TestClient(t.app), 'carla-sub');
    expect((await other.get(cb2)).headers.location).toBe('/inloggen');
    expect((await other.get('/inloggen')).body).toContain('is verlopen');
    expect((await t.db.select().from(sessions)).length).toBe(before);
    expect(await t.db.select().from(auditLog).where(and(eq(auditLog.action, 'login'), eq(auditLog.actorLabel, 'carla@gemeente.example')))).toHaveLength(1);
  });
});
