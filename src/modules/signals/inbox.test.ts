import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestApp, createUser, seedReference, TestClient, type TestApp } from '../../../test/helpers/app.js';
import { addSignal, setupSignalPoint, signalInput, type SignalPointSetup } from '../../../test/helpers/signals.js';
import { userRoles } from '../../platform/db/schema.js';
import { loadUserPrincipal } from '../../platform/auth/principal.js';
import { neighbourhoods } from '../registry/schema.js';
import { assign, close, listInbox, logAttempt, type HandlingCtx } from './handling-service.js';

/**
 * The inbox: filters proven with data. X gets a fixed set of signals (received in 2025, so their
 * deadlines have passed unless noted), Y one signal that X must never see.
 */

let t: TestApp;
let X: SignalPointSetup;
let Y: SignalPointSetup;
const ids: Record<string, { id: number; reference: string }> = {};
const OLD = new Date('2025-03-03T09:00:00Z'); // a Monday: due end of Wednesday 5 March 2025

async function as(email: string) {
  const c = new TestClient(t.app);
  await c.login(email);
  return c;
}
async function handling(userId: number): Promise<HandlingCtx> {
  const p = (await loadUserPrincipal(t.db, userId))!;
  return { db: t.db, cipher: t.ctx.cipher, jobs: null, helpdeskEmail: 'h@test.example', baseUrl: 'http://localhost:3000', principal: p, audit: { principal: p } };
}
const refsIn = (body: string) => [...body.matchAll(/>(SGN-[2-9A-Z]{4}-[2-9A-Z]{4})</g)].map((m) => m[1]).sort();
const refsOf = (...keys: string[]) => keys.map((k) => ids[k]!.reference).sort();

beforeAll(async () => {
  t = await createTestApp();
  await seedReference(t.db);
  X = await setupSignalPoint(t.db, { cbsCode: 'GM0344', emailPrefix: 'x' });
  Y = await setupSignalPoint(t.db, { cbsCode: 'GM0307', emailPrefix: 'y' });
  const at = (days: number) => new Date(OLD.getTime() + days * 86_400_000);
  // nb0 / nb1: the two neighbourhoods of X's postcodes.
  ids.newOverdue = await addSignal(t.ctx, signalInput(X.postcodes[0], 1), { now: at(0) });
  ids.mineOverdue = await addSignal(t.ctx, signalInput(X.postcodes[1], 2), { now: at(1) });
  ids.mineContacted = await addSignal(t.ctx, signalInput(X.postcodes[1], 3), { now: at(2) });
  ids.colleagueClosed = await addSignal(t.ctx, signalInput(X.postcodes[0], 4), { now: at(3) });
  ids.fresh = await addSignal(t.ctx, signalInput(X.postcodes[0], 5)); // received now: not overdue
  ids.ofY = await addSignal(t.ctx, signalInput(Y.postcodes[0], 6), { now: at(0) });
  const me = await handling(X.handlers[0].id);
  const colleague = await handling(X.handlers[1].id);
  await assign(me, ids.mineOverdue.id, X.handlers[0].id, at(1.1));
  await assign(me, ids.mineContacted.id, X.handlers[0].id, at(2.1));
  // First contact AFTER the deadline: no longer overdue.
  await logAttempt(me, ids.mineContacted.id, { channel: 'phone', result: 'reached' }, at(10));
  await assign(colleague, ids.colleagueClosed.id, X.handlers[1].id, at(3.1));
  await close(colleague, ids.colleagueClosed.id, { outcome: 'declined' }, at(4));
});
afterAll(() => t.close());

describe('the inbox', () => {
  it('lists the organisation\'s open signals, newest first, with no personal data', async () => {
    const c = await as(X.handlers[0].email);
    const res = await c.get('/signalen');
    expect(res.statusCode).toBe(200);
    const body = res.body;
    expect(refsIn(body)).toEqual(refsOf('newOverdue', 'mineOverdue', 'mineContacted', 'fresh'));
    // Newest first.
    expect(body.indexOf(ids.fresh!.reference)).toBeLessThan(body.indexOf(ids.mineContacted!.reference));
    expect(body.indexOf(ids.mineContacted!.reference)).toBeLessThan(body.indexOf(ids.newOverdue!.reference));
    expect(body).toContain(`href="/signalen/${ids.fresh!.id}"`);
    // Nothing about the person or the signaller.
    for (const secret of ['De Vries', 'Dorpsstraat', 'Utrecht</', 'medicijnen', 'Jansen', 'apotheek@', X.postcodes[0], X.postcodes[1]]) expect(body).not.toContain(secret);
    // Columns: neighbourhood, signaller type, status, assignee, overdue as text, signs count.
    expect(body).toContain('Apotheek');
    expect(body).toContain('Binnenstad');
    expect(body).toContain('x-handler1 (u)');
    expect(body).toContain('Te laat');
    expect(body).not.toContain(ids.ofY!.reference);
    // Counts per status above the table.
    expect(body).toContain('Open: 4');
    expect(body).toContain('Nieuw: 2');
    // Finished signals are counted only when asked for (they are the bulk of an inbox).
    expect(body).not.toContain('Afgesloten: ');
    const all = (await c.get('/signalen?status=all')).body;
    expect(all).toContain('Afgesloten: 1');
    expect(all).toContain('Dubbel: 0');
  });

  it('marks exactly the overdue signals: open, no first contact, deadline passed', async () => {
    const r = await listInbox(t.db, X.organisationId, { status: 'open', overdue: true }, 1, 25, new Date());
    expect(r.rows.map((x) => x.reference).sort()).toEqual(refsOf('newOverdue', 'mineOverdue'));
    const c = await as(X.handlers[0].email);
    const res = await c.get('/signalen?te-laat=1');
    expect(refsIn(res.body)).toEqual(refsOf('newOverdue', 'mineOverdue'));
    expect(res.body.match(/class="signal-overdue">Te laat</g)).toHaveLength(2);
    expect(res.body).toContain('<option value="1" selected>Alleen te laat</option>');
  });

  it('filters on status', async () => {
    const c = await as(X.handlers[0].email);
    expect(refsIn((await c.get('/signalen?status=closed')).body)).toEqual(refsOf('colleagueClosed'));
    expect(refsIn((await c.get('/signalen?status=new')).body)).toEqual(refsOf('newOverdue', 'fresh'));
    expect(refsIn((await c.get('/signalen?status=in_contact')).body)).toEqual(refsOf('mineContacted'));
    expect(refsIn((await c.get('/signalen?status=all')).body)).toEqual(refsOf('newOverdue', 'mineOverdue', 'mineContacted', 'colleagueClosed', 'fresh'));
    // Nonsense falls back to open.
    expect(refsIn((await c.get('/signalen?status=%3Cscript%3E')).body)).toEqual(refsOf('newOverdue', 'mineOverdue', 'mineContacted', 'fresh'));
  });

  it('filters on neighbourhood (and on a district: all its neighbourhoods)', async () => {
    const c = await as(X.handlers[0].email);
    const [nb0, nb1] = X.neighbourhoodIds;
    expect(refsIn((await c.get(`/signalen?status=all&wijk=${nb0}`)).body)).toEqual(refsOf('newOverdue', 'colleagueClosed', 'fresh'));
    expect(refsIn((await c.get(`/signalen?status=all&wijk=${nb1}`)).body)).toEqual(refsOf('mineOverdue', 'mineContacted'));
    // A district holding nb1.
    const [district] = await t.db.insert(neighbourhoods).values({ code: 'WK03449901', kind: 'district', name: 'Wijk Noord', municipalityId: X.municipalityId }).returning();
    await t.db.update(neighbourhoods).set({ districtId: district!.id }).where(eq(neighbourhoods.id, nb1));
    const res = await c.get(`/signalen?status=all&wijk=${district!.id}`);
    expect(res.body).toContain('Wijk Noord (alle buurten)');
    expect(refsIn(res.body)).toEqual(refsOf('mineOverdue', 'mineContacted'));
    // A neighbourhood of another municipality is ignored (no filter).
    const [other] = await t.db.select().from(neighbourhoods).where(eq(neighbourhoods.municipalityId, Y.municipalityId));
    expect(refsIn((await c.get(`/signalen?wijk=${other!.id}`)).body)).toEqual(refsOf('newOverdue', 'mineOverdue', 'mineContacted', 'fresh'));
  });

  it('filters on assigned to me / unassigned, and combines filters', async () => {
    const c = await as(X.handlers[0].email);
    expect(refsIn((await c.get('/signalen?toegewezen=mij')).body)).toEqual(refsOf('mineOverdue', 'mineContacted'));
    expect(refsIn((await c.get('/signalen?toegewezen=niemand')).body)).toEqual(refsOf('newOverdue', 'fresh'));
    expect(refsIn((await c.get('/signalen?toegewezen=mij&te-laat=1')).body)).toEqual(refsOf('mineOverdue'));
    const colleague = await as(X.handlers[1].email);
    expect(refsIn((await colleague.get('/signalen?toegewezen=mij&status=all')).body)).toEqual(refsOf('colleagueClosed'));
    const res = await c.get(`/signalen?toegewezen=niemand&wijk=${X.neighbourhoodIds[0]}`);
    expect(refsIn(res.body)).toEqual(refsOf('newOverdue', 'fresh'));
    expect(res.body).toContain('Bij de gekozen buurt, termijn en toewijzing.');
  });

  it('pages through many signals', async () => {
    for (let i = 0; i < 27; i++) await addSignal(t.ctx, signalInput(Y.postcodes[1], 100 + i));
    const c = await as(Y.handlers[0].email);
    const p1 = await c.get('/signalen');
    expect(refsIn(p1.body)).toHaveLength(25);
    expect(p1.body).toContain('1–25 van 28 resultaten');
    expect(p1.body).toContain('href="/signalen?page=2"');
    const p2 = await c.get('/signalen?page=2');
    expect(refsIn(p2.body)).toHaveLength(3);
    expect(refsIn(p2.body)).toContain(ids.ofY!.reference); // the oldest comes last
    // Beyond the last page: the last page.
    expect(refsIn((await c.get('/signalen?page=99')).body)).toHaveLength(3);
  });

  it('refuses users without a signal role (403), lets someone in two organisations switch, and 404s an organisation that is not theirs', async () => {
    await createUser(t.db, 'admin@test.example', [{ role: 'programme_admin' }]);
    await createUser(t.db, 'gemeente@test.example', [{ role: 'municipality_coordinator', municipalityId: X.municipalityId }]);
    for (const email of ['admin@test.example', 'gemeente@test.example']) {
      const res = await (await as(email)).get('/signalen');
      expect(res.statusCode, email).toBe(403);
      expect(res.body).not.toContain(ids.fresh!.reference);
    }
    expect((await new TestClient(t.app).get('/signalen')).statusCode).toBe(302);

    // A handler of X who also coordinates Y.
    const both = await createUser(t.db, 'beide@test.example', [{ role: 'signal_handler', organisationId: X.organisationId }]);
    await t.db.insert(userRoles).values({ userId: both.id, role: 'signal_coordinator', organisationId: Y.organisationId });
    const c = await as('beide@test.example');
    const first = await c.get('/signalen');
    expect(first.body).toContain('name="organisatie"');
    expect(first.body).toContain('Wisselen');
    const inX = await c.get(`/signalen?organisatie=${X.organisationId}`);
    expect(refsIn(inX.body)).toContain(ids.fresh!.reference);
    expect(refsIn(inX.body)).not.toContain(ids.ofY!.reference);
    const inY = await c.get(`/signalen?organisatie=${Y.organisationId}&status=all`);
    expect(refsIn(inY.body)).toHaveLength(25);
    expect(refsIn(inY.body)).not.toContain(ids.fresh!.reference);
    // Pagination links keep the organisation; Y's oldest signal is on page 2.
    expect(inY.body).toContain(`href="/signalen?organisatie=${Y.organisationId}&amp;status=all&amp;page=2"`);
    expect(refsIn((await c.get(`/signalen?organisatie=${Y.organisationId}&status=all&page=2`)).body)).toContain(ids.ofY!.reference);
    // Someone else's organisation: 404; X's handler cannot pick Y.
    const x = await as(X.handlers[0].email);
    expect((await x.get(`/signalen?organisatie=${Y.organisationId}`)).statusCode).toBe(404);
  });
});
