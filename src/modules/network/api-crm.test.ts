import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { createTestApp, createUser, seedReference, TestClient, type TestApp, signedIn, dayOffset } from '../../../test/helpers/app.js';
import { municipalityId } from '../../../test/helpers/registry.js';
import { createApiKey } from '../../platform/admin/apikeys-service.js';
import { amsterdamDate } from '../../platform/time.js';
import { organisations } from '../registry/schema.js';
import { contactMoments, networkTasks } from './schema.js';

let t: TestApp;
const ids: Record<string, number> = {};
const today = amsterdamDate(new Date());
const shift = (n: number) => dayOffset(today, n);

const client = (email: string) => signedIn(t.app, email);
const cookie = (c: TestClient) => [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
/** A JSON POST with the session cookie and its CSRF token (as a browser script would send it). */
const postJson = (c: TestClient, url: string, body: unknown, csrf = true) =>
  t.app.inject({ method: 'POST', url, payload: JSON.stringify(body), headers: { cookie: cookie(c), 'content-type': 'application/json', ...(csrf ? { 'x-csrf-token': c.csrf ?? '' } : {}) } });
const count = async () => (await t.db.select({ n: sql<number>`count(*)::int` }).from(contactMoments))[0].n;

const body = (over: Record<string, unknown> = {}) => ({
  occurredOn: shift(-2),
  kind: 'visit',
  subject: 'Werkbezoek buurthuis',
  municipality: 'GM0014',
  durationMinutes: 90,
  pillars: ['pillar_3'],
  tags: ['Ouderen', 'ouderen ', 'Signaleren'],
  ...over,
});

beforeAll(async () => {
  t = await createTestApp();
  await seedReference(t.db);
  ids.groningen = await municipalityId(t.db, 'GM0014');
  ids.utrecht = await municipalityId(t.db, 'GM0344');
  ids.org = (await t.db.insert(organisations).values({ name: 'WIJ Groningen', kind: 'welfare', municipalityId: ids.groningen }).returning())[0].id;
  ids.admin = (await createUser(t.db, 'admin@test.example', [{ role: 'programme_admin' }])).id;
  ids.advisorA = (await createUser(t.db, 'adviseur.a@test.example', [{ role: 'advisor', municipalityId: ids.groningen }], 'Adviseur Anna')).id;
  await createUser(t.db, 'coord@test.example', [{ role: 'municipality_coordinator', municipalityId: ids.groningen }]);
});
afterAll(async () => t.close());

describe('POST /api/v1/contact-moments', () => {
  it('logs a contact moment for an assigned municipality (201), advisory by default for the advisor, tags normalised, with a follow-up task', async () => {
    const a = await client('adviseur.a@test.example');
    const res = await postJson(a, '/api/v1/contact-moments', body({ organisationIds: [ids.org], followUp: { title: 'Foto\'s delen', dueDate: shift(5) } }));
    expect(res.statusCode).toBe(201);
    const data = res.json().data;
    expect(data).toMatchObject({
      occurredOn: shift(-2),
      kind: 'visit',
      kindLabel: 'Bezoek',
      municipality: { cbsCode: 'GM0014', name: 'Groningen' },
      organisations: [{ id: ids.org, name: 'WIJ Groningen' }],
      tags: ['ouderen', 'signaleren'],
      durationMinutes: 90,
      advisory: true,
      advisor: 'Adviseur Anna',
      openTasks: 1,
    });
    const [row] = await t.db.select().from(contactMoments).where(eq(contactMoments.id, data.id));
    expect(row).toMatchObject({ advisorId: ids.advisorA, createdBy: ids.advisorA });
    expect(await t.db.select().from(networkTasks).where(eq(networkTasks.contactMomentId, data.id))).toHaveLength(1);
    const advisory = await a.get('/api/v1/municipalities/GM0014/advisory');
    expect(advisory.json().data).toMatchObject({ usedHours: 1.5, leftHours: 62.5, status: 'available', phase: 'guidance', defaultBudget: true });
  });

  it('answers 422 with every bad field (negative duration, future date, unknown municipality, unknown field) and stores nothing', async () => {
    const a = await client('adviseur.a@test.example');
    const before = await count();
    const res = await postJson(a, '/api/v1/contact-moments', body({ durationMinutes: -15, occurredOn: shift(3), municipality: 'GM9999', colour: 'blue', kind: 'fax' }));
    expect(res.statusCode).toBe(422);
    const err = res.json().error;
    expect(err.code).toBe('validation_failed');
    const fields = Object.fromEntries(err.fields.map((f: { field: string; message: string }) => [f.field, f.message]));
    expect(fields.durationMinutes).toMatch(/niet negatief/);
    expect(fields.occurredOn).toMatch(/toekomst/);
    expect(fields.municipality).toMatch(/geen gemeente met deze CBS-code/);
    expect(fields.colour).toBe('Onbekend veld.');
    expect(fields.kind).toBe('Kies het soort contact.');
    const long = await postJson(a, '/api/v1/contact-moments', body({ durationMinutes: 1441, followUp: { title: 'Bellen' } }));
    expect(long.statusCode).toBe(422);
    const longFields = long.json().error.fields.map((f: { field: string }) => f.field);
    expect(longFields).toEqual(expect.arrayContaining(['durationMinutes', 'followUp.dueDate']));
    // The programme team: an unknown code never becomes a national contact.
    const admin = await client('admin@test.example');
    const adminUnknown = await postJson(admin, '/api/v1/contact-moments', body({ municipality: 'GM9999', advisory: false }));
    expect(adminUnknown.statusCode).toBe(422);
    expect((await postJson(a, '/api/v1/contact-moments', [1, 2])).statusCode).toBe(422);
    expect(await count()).toBe(before);
  });

  it('answers 404 to an advisor of Groningen posting for Utrecht, and stores nothing', async () => {
    const a = await client('adviseur.a@test.example');
    const before = await count();
    const res = await postJson(a, '/api/v1/contact-moments', body({ municipality: 'GM0344', subject: 'Niet mijn gemeente' }));
    expect(res.statusCode).toBe(404);
    expect(JSON.stringify(res.json())).not.toContain('Utrecht');
    expect(await count()).toBe(before);
  });

  it('refuses a write without the CSRF token, coordinators (403) and API keys (403)', async () => {
    const a = await client('adviseur.a@test.example');
    const before = await count();
    expect((await postJson(a, '/api/v1/contact-moments', body(), false)).statusCode).toBe(403);
    const c = await client('coord@test.example');
    expect((await postJson(c, '/api/v1/contact-moments', body())).statusCode).toBe(403);
    const key = await createApiKey(t.db, { name: 'CRM-test', organisationId: ids.org, actions: ['registry:read'], createdBy: ids.admin });
    const keyRes = await t.app.inject({ method: 'POST', url: '/api/v1/contact-moments', payload: body(), headers: { authorization: `Bearer ${key.raw}` } });
    expect(keyRes.statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/contact-moments', headers: { authorization: `Bearer ${key.raw}` } })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/municipalities/GM0014/advisory', headers: { authorization: `Bearer ${key.raw}` } })).statusCode).toBe(403);
    expect(await count()).toBe(before);
  });
});

describe('GET /api/v1/contact-moments', () => {
  it("pages a municipality's timeline newest first with totals over all matches", async () => {
    const a = await client('adviseur.a@test.example');
    await t.db.insert(contactMoments).values(
      Array.from({ length: 12 }, (_, i) => ({
        occurredOn: shift(-30 - i),
        kind: 'call',
        subject: `Belronde ${i + 1}`,
        municipalityId: ids.groningen,
        durationMinutes: 30,
        advisory: true,
        advisorId: ids.advisorA,
        createdBy: ids.advisorA,
      })),
    );
    const res = await a.get('/api/v1/contact-moments?municipality=GM0014&pageSize=5&page=1');
    expect(res.statusCode).toBe(200);
    const j = res.json();
    expect(j.total).toBe(13);
    expect(j.totals).toEqual({ hours: 7.5, advisoryHours: 7.5 });
    expect(j.data.map((d: { subject: string }) => d.subject)).toEqual(['Werkbezoek buurthuis', 'Belronde 1', 'Belronde 2', 'Belronde 3', 'Belronde 4']);
    const last = (await a.get('/api/v1/contact-moments?municipality=GM0014&pageSize=5&page=3')).json();
    expect(last.data.map((d: { subject: string }) => d.subject)).toEqual(['Belronde 10', 'Belronde 11', 'Belronde 12']);
    expect((await a.get('/api/v1/contact-moments?municipality=GM0344')).statusCode).toBe(404);
    expect((await a.get('/api/v1/contact-moments?municipality=Groningen')).statusCode).toBe(400);
    const c = await client('coord@test.example');
    expect((await c.get('/api/v1/contact-moments?municipality=GM0014')).statusCode).toBe(403);
  });

  it('documents the endpoints in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    expect(doc.paths['/api/v1/contact-moments'].get.summary).toBeTruthy();
    expect(doc.paths['/api/v1/contact-moments'].post.requestBody).toBeTruthy();
    expect(doc.paths['/api/v1/municipalities/{code}/advisory'].get.responses['200']).toBeTruthy();
  });
});
