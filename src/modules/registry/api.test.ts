import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createUser, seedReference, TestClient, type TestApp } from '../../../test/helpers/app.js';
import { addJointApproach, addParticipation, lastAudit, municipalityByCode, municipalityId } from '../../../test/helpers/registry.js';
import { createApiKey, revokeApiKey } from '../../platform/admin/apikeys-service.js';
import { municipalities, organisations, participations } from './schema.js';

let t: TestApp;
let key: string;
let revokedKey: string;
let noActionKey: string;

beforeAll(async () => {
  t = await createTestApp();
  await seedReference(t.db);
  const admin = await createUser(t.db, 'admin@test.example', [{ role: 'programme_admin' }]);
  const [org] = await t.db.insert(organisations).values({ name: 'Pakketbezorger BV', kind: 'business' }).returning();
  key = (await createApiKey(t.db, { name: 'Bezorgers-app', organisationId: org.id, actions: ['registry:read'], createdBy: admin.id })).raw;
  const revoked = await createApiKey(t.db, { name: 'Oud', organisationId: org.id, actions: ['registry:read'], createdBy: admin.id });
  await revokeApiKey(t.db, revoked.row.id);
  revokedKey = revoked.raw;
  noActionKey = (await createApiKey(t.db, { name: 'Niets', organisationId: org.id, actions: [], createdBy: admin.id })).raw;

  await addParticipation(t.db, 'GM0344', 'signed', '2020-01-15', { contactName: 'U. Trecht', contactEmail: 'ete@utrecht.example.nl' });
  await addParticipation(t.db, 'GM0363', 'active', '2019-03-15');
  await addJointApproach(t.db, 'Samen Drenthe', 'GM0106', ['GM0109']);
  // A municipality that went up in Utrecht: its old code must still resolve.
  const utrecht = await municipalityByCode(t.db, 'GM0344');
  await t.db.insert(municipalities).values({ cbsCode: 'GM9991', name: 'Oud-Utrecht', provinceId: utrecht.provinceId, validFrom: '1900-01-01', validTo: '2000-12-31', successorId: utrecht.id });

  await createUser(t.db, 'coord@test.example', [{ role: 'municipality_coordinator', municipalityId: await municipalityId(t.db, 'GM0344') }]);
  await createUser(t.db, 'partner@test.example', [{ role: 'partner', organisationId: org.id }]);
});
afterAll(async () => t.close());

const api = (url: string, k: string | null = key) => t.app.inject({ method: 'GET', url, headers: k ? { authorization: `Bearer ${k}` } : {} });

describe('API authentication', () => {
  it('answers 401 without a key, with an unknown key and with a revoked key', async () => {
    const none = await api('/api/v1/municipalities', null);
    expect(none.statusCode).toBe(401);
    expect(none.json().error.code).toBe('unauthenticated');
    expect((await api('/api/v1/municipalities', 'ete_unknownkey')).statusCode).toBe(401);
    const revoked = await api('/api/v1/participations', revokedKey);
    expect(revoked.statusCode).toBe(401);
    expect(revoked.json().error.code).toBe('invalid_api_key');
  });

  it('answers 403 to a key without registry:read and to a session user without a registry role', async () => {
    expect((await api('/api/v1/municipalities', noActionKey)).statusCode).toBe(403);
    const c = new TestClient(t.app);
    await c.login('partner@test.example');
    for (const url of ['/api/v1/municipalities', '/api/v1/participations', '/api/v1/provinces']) {
      const res = await c.get(url);
      expect(res.statusCode, url).toBe(403);
      expect(res.json().error.code).toBe('forbidden');
    }
  });
});

describe('municipalities and provinces', () => {
  it('lists, filters, sorts and pages', async () => {
    const all = await api('/api/v1/municipalities?pageSize=10');
    expect(all.statusCode).toBe(200);
    const body = all.json();
    expect(body).toMatchObject({ page: 1, pageSize: 10, total: 342 });
    expect(body.data).toHaveLength(10);
    expect(body.data[0]).toMatchObject({ cbsCode: 'GM0518', name: "'s-Gravenhage", provinceCode: 'PV28', validTo: null, successorCode: null });
    const flevoland = (await api('/api/v1/municipalities?province=PV24&sort=cbsCode&dir=desc')).json();
    expect(flevoland.data.map((m: { cbsCode: string }) => m.cbsCode)).toEqual(['GM0995', 'GM0303', 'GM0184', 'GM0171', 'GM0050', 'GM0034']);
    const participating = (await api('/api/v1/municipalities?participating=yes')).json();
    expect(participating.data.map((m: { name: string }) => m.name)).toEqual(['Amsterdam', 'Assen', 'Coevorden', 'Utrecht']);
    const ended = (await api('/api/v1/municipalities?status=ended')).json();
    expect(ended.data).toEqual([expect.objectContaining({ cbsCode: 'GM9991', validTo: '2000-12-31', successorCode: 'GM0344' })]);
    expect((await api('/api/v1/provinces')).json().data).toHaveLength(12);
  });

  it('rejects a bad query with 400 and names the field', async () => {
    const res = await api('/api/v1/municipalities?province=Utrecht');
    expect(res.statusCode).toBe(400);
    const err = res.json().error;
    expect(err.code).toBe('validation_failed');
    expect(err.issues).toEqual([expect.objectContaining({ field: 'province', message: expect.stringContaining('PV27') })]);
    const page = (await api('/api/v1/municipalities?pageSize=0&sort=evil')).json().error;
    expect(page.issues.map((i: { field: string }) => i.field).sort()).toEqual(['pageSize', 'sort']);
    expect((await api('/api/v1/municipalities/Utrecht')).statusCode).toBe(400);
  });

  it('returns one municipality, 404 for an unknown code, and resolves a merged code', async () => {
    const u = await api('/api/v1/municipalities/gm0344');
    expect(u.statusCode).toBe(200);
    expect(u.json().data).toMatchObject({ cbsCode: 'GM0344', name: 'Utrecht', provinceName: 'Utrecht', requestedCode: 'GM0344', resolvedVia: [] });
    const unknown = await api('/api/v1/municipalities/GM9999');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('not_found');
    const merged = await api('/api/v1/municipalities/GM9991');
    expect(merged.statusCode).toBe(200);
    expect(merged.json().data).toMatchObject({ cbsCode: 'GM0344', requestedCode: 'GM9991', resolvedVia: ['GM9991'] });
  });
});

describe('participations', () => {
  it('lists and filters participations; API keys get no contact details', async () => {
    const res = await api('/api/v1/participations');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.total).toBe(4);
    const utrecht = body.data.find((p: { cbsCode: string }) => p.cbsCode === 'GM0344');
    expect(utrecht).toEqual({
      cbsCode: 'GM0344',
      municipalityName: 'Utrecht',
      provinceCode: 'PV26',
      provinceName: 'Utrecht',
      status: 'signed',
      statusLabel: 'Vijf pijlers ondertekend',
      signedOn: '2020-01-15',
      stoppedOn: null,
      jointApproach: null,
    });
    const joint = (await api('/api/v1/participations?joint=yes')).json().data;
    expect(joint.map((p: { cbsCode: string; jointApproach: { isPrimary: boolean } }) => [p.cbsCode, p.jointApproach.isPrimary])).toEqual([
      ['GM0106', true],
      ['GM0109', false],
    ]);
    expect((await api('/api/v1/participations?status=active&province=PV27')).json().data.map((p: { cbsCode: string }) => p.cbsCode)).toEqual(['GM0363']);
    expect((await api('/api/v1/participations?sort=signedOn&dir=desc&joint=no')).json().data.map((p: { cbsCode: string }) => p.cbsCode)).toEqual(['GM0344', 'GM0363']);
    const bad = await api('/api/v1/participations?status=signing');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.issues[0].field).toBe('status');
  });

  it('returns the participation of one municipality, 404 when there is none, and resolves merged codes', async () => {
    const u = await api('/api/v1/participations/GM0344');
    expect(u.statusCode).toBe(200);
    expect(u.json().data).toMatchObject({ cbsCode: 'GM0344', status: 'signed', requestedCode: 'GM0344', resolvedVia: [] });
    expect(u.json().data.contact).toBeUndefined();
    expect((await api('/api/v1/participations/GM0034')).statusCode).toBe(404);
    expect((await api('/api/v1/participations/GM9999')).statusCode).toBe(404);
    const merged = await api('/api/v1/participations/GM9991');
    expect(merged.statusCode).toBe(200);
    expect(merged.json().data).toMatchObject({ cbsCode: 'GM0344', requestedCode: 'GM9991', resolvedVia: ['GM9991'] });
  });
});

describe('session users', () => {
  it("see only their own scope, with contact details (logged as a read of personal data)", async () => {
    const c = new TestClient(t.app);
    await c.login('coord@test.example');
    const list = (await c.get('/api/v1/municipalities?status=all')).json();
    expect(list.data.map((m: { cbsCode: string }) => m.cbsCode)).toEqual(['GM0344']);
    expect((await c.get('/api/v1/municipalities/GM0363')).statusCode).toBe(404);
    expect((await c.get('/api/v1/participations/GM0363')).statusCode).toBe(404);
    const parts = (await c.get('/api/v1/participations')).json();
    expect(parts.total).toBe(1);
    expect(parts.data[0].contact).toEqual({ name: 'U. Trecht', email: 'ete@utrecht.example.nl' });
    expect(await lastAudit(t.db, 'read_personal')).toMatchObject({ entity: 'participation', actorLabel: 'coord@test.example' });
  });
});

describe('the stop date (stoppedOn)', () => {
  it('is returned for participations and municipalities, null when not stopped or unknown', async () => {
    await t.db.insert(participations).values([
      { municipalityId: await municipalityId(t.db, 'GM0014'), status: 'stopped', signedOn: '2018-10-04', stoppedOn: '2023-04-01' },
      { municipalityId: await municipalityId(t.db, 'GM0080'), status: 'stopped', signedOn: '2020-02-03' },
    ]);
    const one = (await api('/api/v1/participations/GM0014')).json().data;
    expect(one).toMatchObject({ status: 'stopped', signedOn: '2018-10-04', stoppedOn: '2023-04-01' });
    const list = (await api('/api/v1/participations?status=stopped')).json().data;
    expect(list.map((p: { cbsCode: string; stoppedOn: string | null }) => [p.cbsCode, p.stoppedOn])).toEqual([
      ['GM0014', '2023-04-01'],
      ['GM0080', null],
    ]);
    expect((await api('/api/v1/participations/GM0363')).json().data.stoppedOn).toBeNull();
    const ms = (await api('/api/v1/municipalities?q=GM0014')).json().data;
    expect(ms[0]).toMatchObject({ cbsCode: 'GM0014', participationStatus: 'stopped', signedOn: '2018-10-04', stoppedOn: '2023-04-01' });
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    expect(JSON.stringify(doc.paths['/api/v1/participations'].get.responses['200'])).toContain('stoppedOn');
    expect(JSON.stringify(doc.paths['/api/v1/municipalities'].get.responses['200'])).toContain('stoppedOn');
  });
});

describe('OpenAPI document', () => {
  it('describes the registry endpoints with their parameters', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    for (const p of ['/api/v1/provinces', '/api/v1/municipalities', '/api/v1/municipalities/{code}', '/api/v1/participations', '/api/v1/participations/{cbsCode}']) {
      expect(doc.paths[p], p).toBeDefined();
    }
    const params = doc.paths['/api/v1/participations'].get.parameters.map((x: { name: string }) => x.name);
    expect(params).toEqual(expect.arrayContaining(['q', 'status', 'province', 'joint', 'sort', 'dir', 'page', 'pageSize']));
  });
});
