import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import { createTestApp, createUser, seedReference, TestClient, type TestApp } from '../../../test/helpers/app.js';
import { municipalityId } from '../../../test/helpers/registry.js';
import { auditLog } from '../../platform/db/schema.js';
import { createApiKey } from '../../platform/admin/apikeys-service.js';
import { amsterdamDate } from '../../platform/time.js';
import { organisations } from '../registry/schema.js';
import { coalitionMembers, coalitions, coalitionStages, nationalMembers } from './schema.js';

let t: TestApp;
const ids: Record<string, number> = {};
let apiKey = '';
let noReadKey = '';
const TODAY = amsterdamDate(new Date());
const TOMORROW = (() => {
  const d = new Date(`${TODAY}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
})();

async function client(email: string) {
  const c = new TestClient(t.app);
  await c.login(email);
  await c.get('/coalities'); // a page, for the CSRF token
  return c;
}

/** A JSON request with the session cookie (and, unless told otherwise, the CSRF token). */
async function json(c: TestClient | null, method: 'GET' | 'POST', url: string, body?: unknown, opts: { csrf?: boolean; bearer?: string } = {}) {
  const headers: Record<string, string> = {};
  if (c) headers.cookie = [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  if (c && opts.csrf !== false) headers['x-csrf-token'] = c.csrf ?? '';
  if (opts.bearer) headers.authorization = `Bearer ${opts.bearer}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await t.app.inject({ method, url, headers, payload: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.statusCode, body: res.json() as any };
}

const memberCount = async () => (await t.db.select({ n: sql<number>`count(*)::int` }).from(coalitionMembers))[0].n;
const utrechtMembers = async () =>
  t.db
    .select()
    .from(coalitionMembers)
    .where(and(eq(coalitionMembers.coalitionId, ids.utrechtCoalition), isNull(coalitionMembers.deletedAt)))
    .orderBy(coalitionMembers.id);

beforeAll(async () => {
  t = await createTestApp();
  await seedReference(t.db);
  ids.utrecht = await municipalityId(t.db, 'GM0344');
  ids.amsterdam = await municipalityId(t.db, 'GM0363');
  const org = async (name: string, municipality: number | null, kind = 'welfare') => (await t.db.insert(organisations).values({ name, kind, municipalityId: municipality }).returning())[0].id;
  ids.welzijn = await org('Welzijn Utrecht', ids.utrecht);
  ids.bieb = await org('Bibliotheek Utrecht', ids.utrecht, 'education');
  ids.amsterdamOrg = await org('Welzijn Amsterdam', ids.amsterdam);
  ids.fonds = await org('Ouderenfonds', null, 'national_partner');
  await t.db.insert(nationalMembers).values({ organisationId: ids.fonds, sector: 'funds', declarationDate: '2018-06-01' });
  const [cu] = await t.db.insert(coalitions).values({ name: 'Utrecht tegen eenzaamheid', municipalityId: ids.utrecht }).returning();
  const [ca] = await t.db.insert(coalitions).values({ name: 'Amsterdam verbindt', municipalityId: ids.amsterdam }).returning();
  ids.utrechtCoalition = cu.id;
  await t.db.insert(coalitionStages).values([
    { coalitionId: cu.id, stage: 'starting', fromDate: '2019-10-01' },
    { coalitionId: cu.id, stage: 'active', fromDate: '2021-03-01' },
    { coalitionId: ca.id, stage: 'starting', fromDate: '2022-01-01' },
  ]);
  await t.db.insert(coalitionMembers).values({
    coalitionId: cu.id,
    organisationId: ids.welzijn,
    role: 'kartrekker',
    sector: 'care_welfare',
    startDate: '2019-10-01',
    contactName: 'Sanne de Boer',
    contactEmail: 'sanne@welzijn.example.nl',
  });
  const admin = await createUser(t.db, 'admin@test.example', [{ role: 'programme_admin' }]);
  await createUser(t.db, 'coord.utrecht@test.example', [{ role: 'municipality_coordinator', municipalityId: ids.utrecht }]);
  await createUser(t.db, 'coord.amsterdam@test.example', [{ role: 'municipality_coordinator', municipalityId: ids.amsterdam }]);
  await createUser(t.db, 'advisor.amsterdam@test.example', [{ role: 'advisor', municipalityId: ids.amsterdam }]);
  apiKey = (await createApiKey(t.db, { name: 'Dashboard', organisationId: ids.fonds, actions: ['registry:read'], createdBy: admin.id })).raw;
  noReadKey = (await createApiKey(t.db, { name: 'Alleen signalen', organisationId: ids.fonds, actions: ['signals:submit'], createdBy: admin.id })).raw;
});
afterAll(async () => t.close());

describe('coalition API: reads', () => {
  it('lists the coalitions in scope for a session user, with the kartrekker person (logged)', async () => {
    const c = await client('coord.utrecht@test.example');
    const res = await json(c, 'GET', '/api/v1/coalitions');
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(1);
    expect(res.body.data[0]).toMatchObject({
      cbsCode: 'GM0344',
      name: 'Utrecht tegen eenzaamheid',
      stage: 'active',
      stageLabel: 'Actief',
      stageSince: '2021-03-01',
      currentMembers: 1,
      kartrekkers: [{ organisation: 'Welzijn Utrecht', contact: 'Sanne de Boer' }],
    });
    const [entry] = await t.db.select().from(auditLog).where(eq(auditLog.action, 'read_personal')).orderBy(desc(auditLog.id)).limit(1);
    expect(entry.entity).toBe('coalition');
  });

  it('gives API keys with registry:read every coalition, without contact persons; other keys get 403', async () => {
    const all = await json(null, 'GET', '/api/v1/coalitions?withoutKartrekker=true', undefined, { bearer: apiKey });
    expect(all.status).toBe(200);
    expect(all.body.data.map((r: any) => r.cbsCode)).toEqual(['GM0363']);
    const detail = await json(null, 'GET', '/api/v1/coalitions/GM0344', undefined, { bearer: apiKey });
    expect(detail.status).toBe(200);
    expect(detail.body.data.stages.map((s: any) => s.stage)).toEqual(['starting', 'active']);
    expect(detail.body.data.members[0]).toMatchObject({ role: 'kartrekker', current: true, organisation: { name: 'Welzijn Utrecht' } });
    expect(detail.body.data.members[0].contact).toBeUndefined();
    expect(JSON.stringify(detail.body)).not.toContain('Sanne');
    expect((await json(null, 'GET', '/api/v1/coalitions', undefined, { bearer: noReadKey })).status).toBe(403);
    const national = await json(null, 'GET', '/api/v1/national-members', undefined, { bearer: apiKey });
    expect(national.status).toBe(200);
    expect(national.body.data[0]).toMatchObject({ organisation: { name: 'Ouderenfonds' }, sector: 'funds', sectorLabel: 'Fondsen', localBranches: 0 });
  });

  it('answers 404 for a coalition out of scope or unknown, and 401 without credentials', async () => {
    const c = await client('coord.amsterdam@test.example');
    const res = await json(c, 'GET', '/api/v1/coalitions/GM0344');
    expect(res.status).toBe(404);
    expect(JSON.stringify(res.body)).not.toContain('Utrecht');
    expect((await json(c, 'GET', '/api/v1/coalitions/GM9999')).status).toBe(404);
    expect((await json(c, 'GET', '/api/v1/coalitions')).body.data.map((r: any) => r.cbsCode)).toEqual(['GM0363']);
    expect((await json(null, 'GET', '/api/v1/coalitions')).status).toBe(401);
  });

  it('is documented in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    for (const p of ['/api/v1/coalitions', '/api/v1/coalitions/{cbsCode}', '/api/v1/coalitions/{cbsCode}/members', '/api/v1/coalitions/{cbsCode}/members/{id}/end', '/api/v1/national-members'])
      expect(Object.keys(doc.paths), p).toContain(p);
    expect(doc.paths['/api/v1/coalitions/{cbsCode}/members'].post.responses['422']).toBeDefined();
  });
});

describe('coalition API: writes', () => {
  it('lets the coordinator add and end a member through the API (audit-logged)', async () => {
    const c = await client('coord.utrecht@test.example');
    const res = await json(c, 'POST', '/api/v1/coalitions/GM0344/members', { organisationId: ids.bieb, role: 'active', sector: 'culture', startDate: '2022-02-01', contactName: 'Balie' });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ organisation: { id: ids.bieb }, role: 'active', sector: 'culture', startDate: '2022-02-01', endDate: null, current: true, contact: { name: 'Balie' } });
    const id = res.body.data.id;
    const [entry] = await t.db.select().from(auditLog).where(and(eq(auditLog.entity, 'coalition_member'), eq(auditLog.action, 'create'))).orderBy(desc(auditLog.id)).limit(1);
    expect(entry.entityId).toBe(String(id));
    const early = await json(c, 'POST', `/api/v1/coalitions/GM0344/members/${id}/end`, { endDate: '2022-01-01' });
    expect(early.status).toBe(422);
    expect(early.body.error.fields).toEqual([{ field: 'endDate', message: 'De einddatum kan niet voor de startdatum (1 februari 2022) liggen.' }]);
    const ended = await json(c, 'POST', `/api/v1/coalitions/GM0344/members/${id}/end`, { endDate: '2024-12-31' });
    expect(ended.status).toBe(200);
    expect(ended.body.data).toMatchObject({ endDate: '2024-12-31', current: false });
    expect((await json(c, 'POST', '/api/v1/coalitions/GM0344/members/999999/end', { endDate: '2024-12-31' })).status).toBe(404);
  });

  it('refuses bad input with 422 and fields, and saves nothing', async () => {
    const c = await client('coord.utrecht@test.example');
    const before = await memberCount();
    const bad = await json(c, 'POST', '/api/v1/coalitions/GM0344/members', { organisationId: 'twee', role: 'baas', sector: 'welzijn', startDate: '2024-02-30', extra: 1 });
    expect(bad.status).toBe(422);
    const fields = bad.body.error.fields.map((f: any) => f.field);
    for (const f of ['organisationId', 'role', 'sector', 'startDate', 'extra']) expect(fields).toContain(f);
    const unknown = await json(c, 'POST', '/api/v1/coalitions/GM0344/members', { organisationId: 999999, role: 'active', sector: 'culture', startDate: '2022-02-01' });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.fields[0].field).toBe('organisationId');
    const otherMunicipality = await json(c, 'POST', '/api/v1/coalitions/GM0344/members', { organisationId: ids.amsterdamOrg, role: 'active', sector: 'culture', startDate: '2022-02-01' });
    expect(otherMunicipality.status).toBe(422);
    const overlap = await json(c, 'POST', '/api/v1/coalitions/GM0344/members', { organisationId: ids.welzijn, role: 'active', sector: 'care_welfare', startDate: '2023-01-01' });
    expect(overlap.status).toBe(422);
    expect(overlap.body.error.fields[0].message).toContain('is al lid van deze coalitie sinds 1 oktober 2019');
    const future = await json(c, 'POST', '/api/v1/coalitions/GM0344/members', { organisationId: ids.bieb, role: 'active', sector: 'culture', startDate: TOMORROW });
    expect(future.status).toBe(422);
    expect(future.body.error.fields[0].field).toBe('startDate');
    expect(await memberCount()).toBe(before);
  });

  it('refuses writes without the CSRF token, with an API key, and out of scope (404, nothing changed)', async () => {
    const body = { organisationId: ids.bieb, role: 'informed', sector: 'culture', startDate: '2025-01-01' };
    const before = await utrechtMembers();
    const own = await client('coord.utrecht@test.example');
    expect((await json(own, 'POST', '/api/v1/coalitions/GM0344/members', body, { csrf: false })).status).toBe(403);
    expect((await json(null, 'POST', '/api/v1/coalitions/GM0344/members', body, { bearer: apiKey })).status).toBe(403);
    const member = before[0];
    for (const email of ['coord.amsterdam@test.example', 'advisor.amsterdam@test.example']) {
      const other = await client(email);
      expect((await json(other, 'POST', '/api/v1/coalitions/GM0344/members', body)).status, email).toBe(404);
      expect((await json(other, 'POST', `/api/v1/coalitions/GM0344/members/${member.id}/end`, { endDate: TODAY })).status, email).toBe(404);
    }
    expect(await utrechtMembers()).toEqual(before);
  });

  it('lets the programme team write anywhere', async () => {
    const c = await client('admin@test.example');
    const res = await json(c, 'POST', '/api/v1/coalitions/GM0363/members', { organisationId: ids.fonds, role: 'informed', sector: 'self_organisations', startDate: '2023-05-01' });
    expect(res.status).toBe(201);
    const national = await json(c, 'GET', '/api/v1/national-members');
    expect(national.body.data[0].presentInLocalCoalitions).toBe(1);
  });
});
