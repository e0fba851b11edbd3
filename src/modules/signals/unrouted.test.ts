import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, desc, eq } from 'drizzle-orm';
import { createTestApp, createUser, seedReference, TestClient, type TestApp } from '../../../test/helpers/app.js';
import { municipalityId } from '../../../test/helpers/registry.js';
import { addSignal, setupSignalPoint, signalInput, signalRow, type SignalPointSetup } from '../../../test/helpers/signals.js';
import { auditLog } from '../../platform/db/schema.js';
import { addWorkingDays } from '../../platform/time.js';
import { organisations } from '../registry/schema.js';
import { countUnrouted, routeTargets } from './unrouted.js';
import { postcodeAreas, signalEvents, signalPoints, signals } from './schema.js';

/**
 * The programme's unrouted queue: the list shows PC4 only (never name, house number, story or
 * signaller) and logs that read; manual routing moves a signal into an organisation in one
 * transaction (signal, event, audit); "route again" routes what the configuration now allows.
 */

let t: TestApp;
let sp: SignalPointSetup;
let amsterdam: number;
let adminId: number;
const waiting: Record<string, { id: number; reference: string }> = {};

async function as(email: string) {
  const c = new TestClient(t.app);
  await c.login(email);
  return c;
}
const eventsOf = (id: number) => t.db.select().from(signalEvents).where(eq(signalEvents.signalId, id)).orderBy(signalEvents.id);
const lastAudit = async (action: string) => (await t.db.select().from(auditLog).where(eq(auditLog.action, action)).orderBy(desc(auditLog.id)).limit(1))[0]!;

beforeAll(async () => {
  t = await createTestApp();
  await seedReference(t.db);
  sp = await setupSignalPoint(t.db, { cbsCode: 'GM0344', emailPrefix: 'unr' });
  amsterdam = await municipalityId(t.db, 'GM0363');
  await t.db.insert(postcodeAreas).values({ postcode: '1012AB', municipalityId: amsterdam, source: 'cbs', addressCount: 10 });
  adminId = (await createUser(t.db, 'unr-admin@test.example', [{ role: 'programme_admin' }])).id;
  await createUser(t.db, 'unr-coord@test.example', [{ role: 'municipality_coordinator', municipalityId: sp.municipalityId }]);
  const person = (name: string) => ({ name, street: 'Kalverstraat', city: 'Amsterdam' });
  waiting.unknown = await addSignal(
    t.ctx,
    signalInput('9876ZX', 4711, {
      person: { ...person('Meneer Bakhuizen'), houseNumber: 4711, postcode: '9876ZX' },
      story: 'Hij zit altijd alleen op het bankje bij de vijver.',
      signaller: { name: 'Bezorger Piet', email: 'piet@bezorg.example' },
    }),
    { now: new Date('2026-01-05T09:00:00Z') },
  );
  waiting.noPoint = await addSignal(t.ctx, signalInput('1012AB', 8123, { person: { ...person('Mevrouw Smit'), houseNumber: 8123, postcode: '1012AB' } }), {
    now: new Date('2026-01-06T09:00:00Z'),
  });
});
afterAll(() => t.close());

describe('the unrouted queue', () => {
  it('lists waiting signals with reason, municipality and PC4 only, and logs the read', async () => {
    const c = await as('unr-admin@test.example');
    const res = await c.get('/signalen/niet-gerouteerd');
    expect(res.statusCode).toBe(200);
    const body = res.body;
    expect(body).toContain(waiting.unknown!.reference);
    expect(body).toContain(waiting.noPoint!.reference);
    expect(body).toContain('Postcode onbekend');
    expect(body).toContain('Geen signaalpunt voor de gemeente');
    expect(body).toMatch(/<td class="utrecht-table__cell">Amsterdam<\/td>/);
    expect(body).toMatch(/<td class="utrecht-table__cell">9876<\/td>/);
    expect(body).toMatch(/<td class="utrecht-table__cell">1012<\/td>/);
    expect(body).toMatch(/dagen geleden/);
    // Oldest first.
    expect(body.indexOf(waiting.unknown!.reference)).toBeLessThan(body.indexOf(waiting.noPoint!.reference));
    for (const secret of ['9876ZX', '9876 ZX', '1012AB', '1012 AB', '4711', '8123', 'Bakhuizen', 'Smit', 'Kalverstraat', 'bankje', 'Piet', 'piet@bezorg']) expect(body).not.toContain(secret);
    const a = await lastAudit('read_personal');
    expect(a).toMatchObject({ entity: 'signal', actorLabel: 'unr-admin@test.example' });
    expect((a.details as { signalIds: number[] }).signalIds.sort()).toEqual([waiting.unknown!.id, waiting.noPoint!.id].sort());
    expect(JSON.stringify(a.details)).not.toContain('9876');
    expect(await countUnrouted(t.db)).toBe(2);
    const home = await c.get('/beheer');
    expect(home.body).toMatch(/<dt>Signalen zonder signaalpunt<\/dt><dd><a class="utrecht-link" href="\/signalen\/niet-gerouteerd">2<\/a><\/dd>/);
    expect((await (await as('unr-coord@test.example')).get('/beheer')).body).not.toContain('Signalen zonder signaalpunt');
  });

  it('is for the programme team only', async () => {
    for (const email of ['unr-coord@test.example', sp.coordinator.email, sp.handlers[0].email]) {
      const c = await as(email);
      expect((await c.get('/signalen/niet-gerouteerd')).statusCode).toBe(403);
      expect((await c.get(`/signalen/niet-gerouteerd/${waiting.unknown!.id}/routeren`)).statusCode).toBe(403);
      const before = await signalRow(t.db, waiting.unknown!.id);
      expect((await c.post(`/signalen/niet-gerouteerd/${waiting.unknown!.id}/routeren`, { signalPointId: String(sp.signalPointId) })).statusCode).toBe(403);
      expect((await c.post('/signalen/niet-gerouteerd/opnieuw-routeren')).statusCode).toBe(403);
      expect(await signalRow(t.db, waiting.unknown!.id)).toEqual(before);
    }
  });
});

describe('manual routing', () => {
  it('refuses a missing or inactive signal point and changes nothing', async () => {
    const c = await as('unr-admin@test.example');
    const before = await signalRow(t.db, waiting.unknown!.id);
    const none = await c.post(`/signalen/niet-gerouteerd/${waiting.unknown!.id}/routeren`, { signalPointId: '' });
    expect(none.statusCode).toBe(422);
    expect(none.body).toContain('Kies het signaalpunt waar het signaal heen moet.');
    const [inactive] = await t.db.insert(signalPoints).values({ municipalityId: sp.municipalityId, organisationId: sp.organisationId, name: 'Oud punt', active: false }).returning();
    const res = await c.post(`/signalen/niet-gerouteerd/${waiting.unknown!.id}/routeren`, { signalPointId: String(inactive!.id) });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Kies een actief signaalpunt uit de lijst.');
    expect(await signalRow(t.db, waiting.unknown!.id)).toEqual(before);
  });

  it('neither offers nor accepts the signal point of a deleted organisation', async () => {
    const c = await as('unr-admin@test.example');
    const [gone] = await t.db.insert(organisations).values({ name: 'Opgeheven Welzijn', kind: 'welfare', municipalityId: sp.municipalityId, deletedAt: new Date() }).returning();
    const [point] = await t.db.insert(signalPoints).values({ municipalityId: sp.municipalityId, organisationId: gone!.id, name: 'Punt van opgeheven organisatie', active: true }).returning();
    expect((await routeTargets(t.db, sp.municipalityId)).map((x) => x.id)).not.toContain(point!.id);
    const page = await c.get(`/signalen/niet-gerouteerd/${waiting.unknown!.id}/routeren`);
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('Punt van opgeheven organisatie');
    const before = await signalRow(t.db, waiting.unknown!.id);
    const res = await c.post(`/signalen/niet-gerouteerd/${waiting.unknown!.id}/routeren`, { signalPointId: String(point!.id) });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Kies een actief signaalpunt uit de lijst.');
    expect(await signalRow(t.db, waiting.unknown!.id)).toEqual(before);
    expect(await eventsOf(waiting.unknown!.id)).not.toContainEqual(expect.objectContaining({ kind: 'routed' }));
  });

  it('moves the signal into the organisation: signal row, routed event and audit entry', async () => {
    const c = await as('unr-admin@test.example');
    const page = await c.get(`/signalen/niet-gerouteerd/${waiting.unknown!.id}/routeren`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`Signaalpunt GM0344`);
    expect(page.body).not.toContain('Oud punt');
    expect(page.body).not.toContain('Bakhuizen');
    const before = Date.now();
    const res = await c.post(`/signalen/niet-gerouteerd/${waiting.unknown!.id}/routeren`, { signalPointId: String(sp.signalPointId) });
    expect(res.statusCode).toBe(303);
    const row = await signalRow(t.db, waiting.unknown!.id);
    expect(row).toMatchObject({ signalPointId: sp.signalPointId, organisationId: sp.organisationId, municipalityId: sp.municipalityId, routedBy: 'manual', status: 'new' });
    expect(row.routedAt!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(row.dueAt!.toISOString()).toBe(addWorkingDays(row.routedAt!, 2).toISOString());
    const routed = (await eventsOf(row.id)).filter((e) => e.kind === 'routed');
    expect(routed).toHaveLength(1);
    expect(routed[0]).toMatchObject({ code: `manual:${sp.signalPointId}`, userId: adminId, organisationId: sp.organisationId });
    const a = await lastAudit('route');
    expect(a).toMatchObject({ entity: 'signal', entityId: String(row.id), actorLabel: 'unr-admin@test.example' });
    expect(a.details).toMatchObject({ via: 'manual', signalPointId: sp.signalPointId, organisationId: sp.organisationId, municipalityId: sp.municipalityId });
    // Gone from the queue; routing it again is not possible.
    const after = (await c.get('/signalen/niet-gerouteerd')).body;
    expect(after).toContain(`Signaal ${waiting.unknown!.reference} is gerouteerd.`);
    expect(after).not.toContain(`<td class="utrecht-table__cell">${waiting.unknown!.reference}</td>`);
    expect((await c.post(`/signalen/niet-gerouteerd/${row.id}/routeren`, { signalPointId: String(sp.signalPointId) })).statusCode).toBe(404);
    expect((await eventsOf(row.id)).filter((e) => e.kind === 'routed')).toHaveLength(1);
  });
});

describe('route again', () => {
  it('routes the waiting signals once the municipality has a default signal point, and leaves returned ones alone', async () => {
    const c = await as('unr-admin@test.example');
    // A signal the organisation returned as "not for us" (as the handling screens do).
    const returned = await addSignal(t.ctx, signalInput(sp.postcodes[0], 21));
    await t.db.update(signals).set({ signalPointId: null, organisationId: null, routedBy: 'none', routedAt: null, dueAt: null }).where(eq(signals.id, returned.id));
    await t.db.insert(signalEvents).values({ signalId: returned.id, at: new Date(), kind: 'not_for_us', organisationId: sp.organisationId, code: `from:${sp.organisationId}` });
    const list = await c.get('/signalen/niet-gerouteerd');
    expect(list.body).toMatch(/Teruggestuurd door Welzijn GM0344 \d+: niet voor hen/);

    // Nothing to route yet: Amsterdam has no signal point.
    await c.post('/signalen/niet-gerouteerd/opnieuw-routeren');
    expect((await signalRow(t.db, waiting.noPoint!.id)).signalPointId).toBeNull();

    // Amsterdam gets a default signal point.
    const [org] = await t.db.insert(organisations).values({ name: 'Welzijn Amsterdam', kind: 'welfare', municipalityId: amsterdam }).returning();
    const [point] = await t.db.insert(signalPoints).values({ municipalityId: amsterdam, organisationId: org!.id, name: 'Signaalpunt Amsterdam', isDefault: true, firstContactDays: 3 }).returning();
    const res = await c.post('/signalen/niet-gerouteerd/opnieuw-routeren');
    expect(res.statusCode).toBe(303);
    const flash = await c.get('/signalen/niet-gerouteerd');
    expect(flash.body).toContain('1 signaal is gerouteerd; er wacht nog 1 signaal.');
    expect(flash.body).toContain('terug gaan naar de organisatie die het terugstuurde');
    const row = await signalRow(t.db, waiting.noPoint!.id);
    expect(row).toMatchObject({ signalPointId: point!.id, organisationId: org!.id, municipalityId: amsterdam, routedBy: 'postcode' });
    expect(row.dueAt!.toISOString()).toBe(addWorkingDays(row.routedAt!, 3).toISOString());
    expect((await eventsOf(row.id)).find((e) => e.kind === 'routed')).toMatchObject({ code: `postcode:${point!.id}`, userId: adminId });
    expect(await lastAudit('route')).toMatchObject({ entityId: String(row.id) });
    expect((await lastAudit('route')).details).toMatchObject({ via: 'route_again' });
    // The returned signal would go back to the same organisation: it stays in the queue.
    expect((await signalRow(t.db, returned.id)).signalPointId).toBeNull();
    expect(await countUnrouted(t.db)).toBe(1);
    const read = await t.db.select().from(auditLog).where(and(eq(auditLog.action, 'read_personal'), eq(auditLog.entity, 'signal'))).orderBy(desc(auditLog.id)).limit(2);
    expect(read.some((r) => JSON.stringify(r.details).includes('opnieuw routeren'))).toBe(true);
  });
});
