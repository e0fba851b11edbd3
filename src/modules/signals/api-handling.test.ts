import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createTestApp, createUser, seedReference, TestClient, type TestApp } from '../../../test/helpers/app.js';
import { addSignal, setupSignalPoint, signalInput, type SignalPointSetup } from '../../../test/helpers/signals.js';
import { auditLog } from '../../platform/db/schema.js';
import { createApiKey } from '../../platform/admin/apikeys-service.js';
import { loadUserPrincipal } from '../../platform/auth/principal.js';
import { addNote, assign, type HandlingCtx } from './handling-service.js';

let t: TestApp;
let X: SignalPointSetup;
let Y: SignalPointSetup;
let keyX: string;
let keyY: string;
let submitOnly: string;
let sx: { id: number; reference: string };
let sxOld: { id: number; reference: string };
let sy: { id: number; reference: string };

const get = (url: string, key?: string) => t.app.inject({ method: 'GET', url, headers: key ? { authorization: `Bearer ${key}` } : {} });
const readAudits = async (id: number) =>
  t.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.entity, 'signal'), eq(auditLog.entityId, String(id)), eq(auditLog.action, 'read_personal')));

beforeAll(async () => {
  t = await createTestApp();
  await seedReference(t.db);
  X = await setupSignalPoint(t.db, { cbsCode: 'GM0344', emailPrefix: 'x' });
  Y = await setupSignalPoint(t.db, { cbsCode: 'GM0307', emailPrefix: 'y' });
  const admin = await createUser(t.db, 'admin@test.example', [{ role: 'programme_admin' }]);
  keyX = (await createApiKey(t.db, { name: 'Registratiesysteem X', organisationId: X.organisationId, actions: ['signals:handle'], createdBy: admin.id })).raw;
  keyY = (await createApiKey(t.db, { name: 'Registratiesysteem Y', organisationId: Y.organisationId, actions: ['signals:handle'], createdBy: admin.id })).raw;
  submitOnly = (await createApiKey(t.db, { name: 'Bezorgapp', organisationId: X.organisationId, actions: ['signals:submit'], createdBy: admin.id })).raw;
  sxOld = await addSignal(t.ctx, signalInput(X.postcodes[1], 8), { now: new Date('2025-01-06T09:00:00Z') }); // overdue
  sx = await addSignal(t.ctx, signalInput(X.postcodes[0], 7));
  sy = await addSignal(t.ctx, signalInput(Y.postcodes[0], 7));
  const p = (await loadUserPrincipal(t.db, X.handlers[0].id))!;
  const h: HandlingCtx = { db: t.db, cipher: t.ctx.cipher, jobs: null, helpdeskEmail: 'h@test.example', baseUrl: 'http://localhost:3000', principal: p, audit: { principal: p } };
  await assign(h, sx.id, X.handlers[0].id, new Date());
  await addNote(h, sx.id, 'Buurvrouw heeft een sleutel', new Date());
});
afterAll(() => t.close());

describe('handling API', () => {
  it("lists the key's organisation's signals without personal data", async () => {
    const res = await get('/api/v1/handling/signals', keyX);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.data.map((s: { reference: string }) => s.reference).sort()).toEqual([sx.reference, sxOld.reference].sort());
    expect(body.total).toBe(2);
    expect(body.counts).toMatchObject({ new: 1, assigned: 1, closed: null });
    const item = body.data.find((s: { reference: string }) => s.reference === sx.reference);
    expect(item).toMatchObject({ status: 'assigned', statusLabel: 'Toegewezen', signallerType: 'pharmacy', ageGroup: 'elderly', overdue: false, assignee: { id: X.handlers[0].id } });
    expect(item.neighbourhood.code).toMatch(/^BU0344/);
    for (const secret of ['De Vries', 'Dorpsstraat', 'medicijnen', 'Jansen', 'apotheek@', 'sleutel', X.postcodes[0]]) expect(res.body).not.toContain(secret);
    // Y's key sees only Y's.
    const y = (await get('/api/v1/handling/signals?status=all', keyY)).json();
    expect(y.data.map((s: { reference: string }) => s.reference)).toEqual([sy.reference]);
  });

  it('applies the inbox filters', async () => {
    const overdue = (await get('/api/v1/handling/signals?overdue=true', keyX)).json();
    expect(overdue.data.map((s: { reference: string }) => s.reference)).toEqual([sxOld.reference]);
    expect(overdue.data[0].overdue).toBe(true);
    const unassigned = (await get('/api/v1/handling/signals?assigned=none', keyX)).json();
    expect(unassigned.data.map((s: { reference: string }) => s.reference)).toEqual([sxOld.reference]);
    const assigned = (await get('/api/v1/handling/signals?status=assigned', keyX)).json();
    expect(assigned.data.map((s: { reference: string }) => s.reference)).toEqual([sx.reference]);
    const [nb] = (await get('/api/v1/handling/signals', keyX)).json().data.filter((s: { reference: string }) => s.reference === sx.reference).map((s: { neighbourhood: { code: string } }) => s.neighbourhood.code);
    const byNb = (await get(`/api/v1/handling/signals?neighbourhood=${nb}`, keyX)).json();
    expect(byNb.data.map((s: { reference: string }) => s.reference)).toEqual([sx.reference]);
    // Bad input: 400 with a code.
    expect((await get('/api/v1/handling/signals?status=bogus', keyX)).statusCode).toBe(400);
    expect((await get('/api/v1/handling/signals?neighbourhood=BU99999999', keyX)).json().error.code).toBe('unknown_neighbourhood');
    expect((await get('/api/v1/handling/signals?assigned=me', keyX)).json().error.code).toBe('assigned_me_needs_user');
    expect((await get('/api/v1/handling/signals?pageSize=1000', keyX)).statusCode).toBe(400);
  });

  it('returns one signal with personal data and the log, and audit-logs the read', async () => {
    const before = (await readAudits(sx.id)).length;
    const res = await get(`/api/v1/handling/signals/${sx.reference}`, keyX);
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const d = res.json().data;
    expect(d.person).toMatchObject({ name: 'Mevrouw De Vries', street: 'Dorpsstraat', houseNumber: 7, postcode: X.postcodes[0] });
    expect(d.signaller).toMatchObject({ email: 'apotheek@test.example', organisation: 'Apotheek Centrum' });
    expect(d.story).toContain('medicijnen');
    expect(d.events.map((e: { kind: string }) => e.kind)).toEqual(['received', 'routed', 'assigned', 'feedback_sent', 'note']);
    expect(d.events.at(-1)).toMatchObject({ text: 'Buurvrouw heeft een sleutel', by: 'x-handler1' });
    const after = await readAudits(sx.id);
    expect(after.length - before).toBe(1);
    expect(after.at(-1)!.actorLabel).toBe('API-sleutel: Registratiesysteem X');
    // Lower case works too.
    expect((await get(`/api/v1/handling/signals/${sx.reference.toLowerCase()}`, keyX)).statusCode).toBe(200);
  });

  it("answers 404 for another organisation's signal and 403 without the right", async () => {
    const before = (await readAudits(sx.id)).length;
    const res = await get(`/api/v1/handling/signals/${sx.reference}`, keyY);
    expect(res.statusCode).toBe(404);
    expect(res.body).not.toContain('De Vries');
    expect((await get('/api/v1/handling/signals/SGN-2222-2222', keyX)).statusCode).toBe(404);
    expect((await get(`/api/v1/handling/signals?organisation=${X.organisationId}`, keyY)).statusCode).toBe(404);
    expect((await get('/api/v1/handling/signals', submitOnly)).statusCode).toBe(403);
    expect((await get(`/api/v1/handling/signals/${sx.reference}`, submitOnly)).statusCode).toBe(403);
    expect((await get('/api/v1/handling/signals')).statusCode).toBe(401);
    expect((await readAudits(sx.id)).length).toBe(before);
  });

  it('serves logged-in signal staff of the organisation only', async () => {
    const x = new TestClient(t.app);
    await x.login(X.handlers[1].email);
    const list = await x.get('/api/v1/handling/signals?assigned=me');
    expect(list.statusCode).toBe(200);
    expect(list.json().data).toEqual([]);
    expect((await x.get(`/api/v1/handling/signals/${sx.reference}`)).statusCode).toBe(200);
    expect((await x.get(`/api/v1/handling/signals/${sy.reference}`)).statusCode).toBe(404);
    expect((await x.get(`/api/v1/handling/signals?organisation=${Y.organisationId}`)).statusCode).toBe(404);

    const y = new TestClient(t.app);
    await y.login(Y.coordinator.email);
    expect((await y.get(`/api/v1/handling/signals/${sx.reference}`)).statusCode).toBe(404);

    const admin = new TestClient(t.app);
    await admin.login('admin@test.example');
    expect((await admin.get('/api/v1/handling/signals')).statusCode).toBe(403);
    expect((await admin.get(`/api/v1/handling/signals/${sx.reference}`)).statusCode).toBe(403);
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    expect(doc.paths['/api/v1/handling/signals']?.get).toBeTruthy();
    expect(doc.paths['/api/v1/handling/signals/{reference}']?.get).toBeTruthy();
    expect(JSON.stringify(doc.paths['/api/v1/handling/signals'].get.parameters)).toContain('overdue');
  });
});
