import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desc, eq, sql } from 'drizzle-orm';
import { createTestApp, createUser, TestClient, type TestApp } from '../../../test/helpers/app.js';
import { apiKeys, auditLog, outbox } from '../db/schema.js';
import { municipalities, organisations, provinces } from '../../modules/registry/schema.js';
import { sha256 } from '../crypto.js';

let t: TestApp;
let admin: TestClient;
let orgId: number;
let deletedOrgId: number;

beforeAll(async () => {
  t = await createTestApp();
  const [pv] = await t.db.insert(provinces).values({ code: 'PV20', name: 'Groningen' }).returning();
  const [gm] = await t.db.insert(municipalities).values({ cbsCode: 'GM0014', name: 'Groningen', provinceId: pv.id }).returning();
  orgId = (await t.db.insert(organisations).values({ name: 'PostNL Partner', kind: 'business', municipalityId: gm.id }).returning())[0].id;
  deletedOrgId = (await t.db.insert(organisations).values({ name: 'Opgeheven Stichting', kind: 'welfare', deletedAt: new Date() }).returning())[0].id;
  await createUser(t.db, 'admin@test.example', [{ role: 'programme_admin' }], 'Admin');
  admin = new TestClient(t.app);
  await admin.login('admin@test.example');
});
afterAll(async () => t.close());

const keyCount = async () => (await t.db.select({ n: sql<number>`count(*)::int` }).from(apiKeys))[0].n;
const api = (url: string, key?: string) => t.app.inject({ method: 'GET', url, headers: key ? { authorization: `Bearer ${key}` } : {} });

describe('API keys', () => {
  it('validates the form per field and saves nothing on an error', async () => {
    const form = await admin.get('/beheer/api-sleutels/nieuw');
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('PostNL Partner (Groningen)');
    expect(form.body).not.toContain('Opgeheven Stichting');
    expect(form.body).toContain('value="registry:read"');
    const before = await keyCount();
    const empty = await admin.post('/beheer/api-sleutels/nieuw', { name: '  ', organisationId: '' });
    expect(empty.statusCode).toBe(422);
    expect(empty.body).toContain('Vul een naam in.');
    expect(empty.body).toContain('Kies de organisatie die de sleutel gebruikt.');
    expect(empty.body).toContain('Kies minstens één recht.');
    expect(empty.body).toContain('href="#veld-actions"');
    const bad = await admin.post('/beheer/api-sleutels/nieuw', { name: 'Koppeling', organisationId: String(deletedOrgId), actions: ['registry:write'] });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('Kies alleen rechten uit de lijst.');
    expect(bad.body).toContain('value="Koppeling"');
    const gone = await admin.post('/beheer/api-sleutels/nieuw', { name: 'Koppeling', organisationId: String(deletedOrgId), actions: ['registry:read'] });
    expect(gone.statusCode).toBe(422);
    expect(gone.body).toContain('Deze organisatie bestaat niet (meer)');
    expect(gone.body).toMatch(/value="registry:read" checked/);
    expect(await keyCount()).toBe(before);
  });

  it('creates a key shown once, stores only its hash, lets it call the API, shows last use, and revokes it after confirmation', async () => {
    const res = await admin.post('/beheer/api-sleutels/nieuw', { name: 'Bezorgers-app', organisationId: String(orgId), actions: ['registry:read'] });
    expect(res.statusCode).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toContain('Hij wordt maar één keer getoond');
    const raw = /<code>(ete_[A-Za-z0-9_-]+)<\/code>/.exec(res.body)![1];
    const [row] = await t.db.select().from(apiKeys).orderBy(desc(apiKeys.id)).limit(1);
    expect(row.keyHash).toBe(sha256(raw));
    expect(JSON.stringify(row)).not.toContain(raw);
    expect(row.organisationId).toBe(orgId);
    expect(row.actions).toEqual(['registry:read']);
    const [created] = await t.db.select().from(auditLog).where(eq(auditLog.entity, 'api_key')).orderBy(desc(auditLog.id));
    expect(created.action).toBe('create');
    expect(created.details).not.toHaveProperty('raw');
    expect(JSON.stringify(created.details)).not.toContain(raw);

    // Not shown again anywhere.
    const list = await admin.get('/beheer/api-sleutels');
    expect(list.body).not.toContain(raw);
    expect(list.body).toContain('Bezorgers-app');
    expect(list.body).toContain(`<code>${row.prefix}…</code>`);
    expect(list.body).toContain('Nog nooit');

    const ok = await api('/api/v1/provinces', raw);
    expect(ok.statusCode).toBe(200);
    expect(JSON.parse(ok.body).data).toEqual([{ code: 'PV20', name: 'Groningen' }]);
    expect((await t.db.select().from(apiKeys).where(eq(apiKeys.id, row.id)))[0].lastUsedAt).not.toBeNull();
    expect((await admin.get('/beheer/api-sleutels')).body).not.toContain('Nog nooit');

    const confirm = await admin.get(`/beheer/api-sleutels/${row.id}/intrekken`);
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body).toContain('Ja, sleutel intrekken');
    expect((await api('/api/v1/provinces', raw)).statusCode).toBe(200); // the GET changed nothing
    const revoke = await admin.post(`/beheer/api-sleutels/${row.id}/intrekken`);
    expect(revoke.statusCode).toBe(303);
    expect(revoke.headers.location).toBe('/beheer/api-sleutels');
    expect((await admin.get('/beheer/api-sleutels')).body).toContain('is ingetrokken');
    const denied = await api('/api/v1/provinces', raw);
    expect(denied.statusCode).toBe(401);
    expect(JSON.parse(denied.body).error.code).toBe('invalid_api_key');
    const [revoked] = await t.db.select().from(auditLog).where(eq(auditLog.entity, 'api_key')).orderBy(desc(auditLog.id));
    expect(revoked).toMatchObject({ action: 'revoke', entityId: String(row.id), actorLabel: 'admin@test.example' });

    // Revoking twice: a clear message, no second audit entry; the confirmation page says so.
    await admin.post(`/beheer/api-sleutels/${row.id}/intrekken`);
    expect((await admin.get('/beheer/api-sleutels')).body).toContain('was al ingetrokken');
    expect((await admin.get(`/beheer/api-sleutels/${row.id}/intrekken`)).body).toContain('al ingetrokken op');
    expect(await t.db.select().from(auditLog).where(eq(auditLog.action, 'revoke'))).toHaveLength(1);
    expect((await admin.get('/beheer/api-sleutels/999999/intrekken')).statusCode).toBe(404);
    expect((await admin.post('/beheer/api-sleutels/abc/intrekken')).statusCode).toBe(404);
  });
});

describe('API documentation page', () => {
  it('tells the organisation\'s signal coordinators when a key that reads their signals is created', async () => {
    await createUser(t.db, 'coordinator.sp@test.example', [{ role: 'signal_coordinator', organisationId: orgId }]);
    const res = await admin.post('/beheer/api-sleutels/nieuw', { name: 'Registratiesysteem', organisationId: String(orgId), actions: ['signals:handle'] });
    expect(res.statusCode).toBe(201);
    const mails = await t.db.select().from(outbox).where(eq(outbox.kind, 'apikey_signals_handle'));
    expect(mails.map((m) => m.toAddress)).toEqual(['coordinator.sp@test.example']);
    expect(mails[0].textBody).toContain('Registratiesysteem');
    expect(mails[0].textBody).not.toMatch(/ete_[A-Za-z0-9_-]{20,}/); // never the key itself
  });

  it('lists the endpoints from the OpenAPI document with their parameters and explains API keys, in Dutch, without JavaScript', async () => {
    const res = await new TestClient(t.app).get('/api/docs');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('<html lang="nl">');
    expect(res.body.match(/<h1/g)).toHaveLength(1);
    expect(res.body).toContain('href="/api/openapi.json"');
    expect(res.body).toContain('Authorization: Bearer');
    expect(res.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const spec = JSON.parse((await api('/api/openapi.json')).body) as { paths: Record<string, Record<string, { summary?: string; parameters?: { name: string }[] }>> };
    const paths = Object.keys(spec.paths);
    expect(paths.length).toBeGreaterThan(0);
    for (const p of paths) {
      for (const [method, op] of Object.entries(spec.paths[p])) {
        expect(res.body, `${method} ${p}`).toContain(`${method.toUpperCase()} ${p}`);
        if (op.summary) expect(res.body).toContain(op.summary.replace(/&/g, '&amp;').replace(/</g, '&lt;'));
        for (const prm of op.parameters ?? []) expect(res.body).toContain(`<code>${prm.name}</code>`);
      }
    }
    expect(res.body).toContain('GET /api/v1/municipalities');
    // The docs page itself is not an API endpoint.
    expect(paths).not.toContain('/api/docs');
  });
});
