import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, asc, eq, sql } from 'drizzle-orm';
import { createTestApp, createUser, seedReference, type TestApp } from '../../../test/helpers/app.js';
import { addSignal, setupSignalPoint, signalInput, signalRow, type SignalPointSetup } from '../../../test/helpers/signals.js';
import { auditLog, outbox, users } from '../../platform/db/schema.js';
import { loadUserPrincipal } from '../../platform/auth/principal.js';
import { ValidationError, NotFoundError } from '../../platform/http/errors.js';
import { TransitionError } from './model.js';
import { signalEvents, signals } from './schema.js';
import {
  addNote,
  assign,
  close,
  forward,
  listInbox,
  logAttempt,
  markDuplicate,
  markInContact,
  notForUs,
  planVisit,
  possibleDuplicates,
  reopen,
  type HandlingCtx,
} from './handling-service.js';

let t: TestApp;
let X: SignalPointSetup;
let Y: SignalPointSetup;
let Z: SignalPointSetup; // a second organisation in X's municipality

const NOW = new Date('2026-11-20T13:00:00Z'); // Friday 14:00 in Amsterdam
const later = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000);

async function as(userId: number): Promise<HandlingCtx> {
  const p = await loadUserPrincipal(t.db, userId);
  if (!p) throw new Error('no principal');
  return { db: t.db, cipher: t.ctx.cipher, jobs: null, helpdeskEmail: 'helpdesk@test.example', baseUrl: 'http://localhost:3000', principal: p, audit: { principal: p, requestId: 'test' } };
}
const events = async (id: number) =>
  t.db.select().from(signalEvents).where(eq(signalEvents.signalId, id)).orderBy(asc(signalEvents.at), asc(signalEvents.id));
const audits = async (id: number) =>
  t.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.entity, 'signal'), eq(auditLog.entityId, String(id))))
    .orderBy(asc(auditLog.id));
const feedbackMails = async () => t.db.select().from(outbox).where(eq(outbox.kind, 'signal_feedback')).orderBy(asc(outbox.id));
/** Everything that may change when a step is refused. */
const state = async (id: number) => JSON.stringify([await signalRow(t.db, id), (await events(id)).length, (await audits(id)).length]);

beforeAll(async () => {
  t = await createTestApp();
  await seedReference(t.db);
  X = await setupSignalPoint(t.db, { cbsCode: 'GM0344', emailPrefix: 'x' });
  Y = await setupSignalPoint(t.db, { cbsCode: 'GM0307', emailPrefix: 'y' });
  Z = await setupSignalPoint(t.db, { cbsCode: 'GM0344', emailPrefix: 'z', isDefault: false });
  await createUser(t.db, 'admin@test.example', [{ role: 'programme_admin' }]);
});
afterAll(() => t.close());

describe('the handling path', () => {
  it('new → assigned → attempt (no answer) → attempt (reached) → visit planned → closed, with events, audit and first contact', async () => {
    const r = await addSignal(t.ctx, signalInput(X.postcodes[0], 12), { now: NOW });
    const h = await as(X.handlers[0].id);

    expect(await assign(h, r.id, X.handlers[0].id, later(10))).toBe('assigned');
    expect(await logAttempt(h, r.id, { channel: 'phone', result: 'no_answer', note: 'Telefoon ging over, niemand nam op.' }, later(60))).toBe('contact_attempted');
    let row = await signalRow(t.db, r.id);
    expect(row.firstContactAt?.toISOString()).toBe(later(60).toISOString());
    expect(await logAttempt(h, r.id, { channel: 'visit', result: 'reached' }, later(24 * 60))).toBe('in_contact');
    expect(await planVisit(h, r.id, { date: '2026-11-30', note: 'Samen koffie drinken' }, later(25 * 60))).toBe('visit_planned');
    expect(await close(h, r.id, { outcome: 'referred_activity', outcomeActivity: 'Koffieochtend buurthuis', note: 'Gaat voortaan op dinsdag.' }, later(7 * 24 * 60))).toBe('closed');

    row = await signalRow(t.db, r.id);
    expect(row).toMatchObject({ status: 'closed', assignedUserId: X.handlers[0].id, outcome: 'referred_activity', outcomeActivity: 'Koffieochtend buurthuis' });
    expect(row.firstContactAt?.toISOString()).toBe(later(60).toISOString()); // the FIRST attempt, not the one that reached
    expect(row.closedAt?.toISOString()).toBe(later(7 * 24 * 60).toISOString());

    const ev = await events(r.id);
    expect(ev.map((e) => [e.kind, e.fromStatus, e.toStatus, e.code])).toEqual([
      ['received', null, 'new', 'form'],
      ['routed', null, null, `postcode:${X.signalPointId}`],
      ['assigned', 'new', 'assigned', String(X.handlers[0].id)],
      ['feedback_sent', null, null, null],
      ['attempt', 'assigned', 'contact_attempted', 'phone:no_answer'],
      ['attempt', 'contact_attempted', 'in_contact', 'visit:reached'],
      ['transition', 'in_contact', 'visit_planned', 'plan_visit:2026-11-30'],
      ['transition', 'visit_planned', 'closed', 'close:referred_activity'],
    ]);
    expect(ev.filter((e) => e.kind !== 'received' && e.kind !== 'routed' && e.kind !== 'feedback_sent').every((e) => e.userId === X.handlers[0].id)).toBe(true);
    // Remarks are encrypted in the log.
    const attempt = ev.find((e) => e.code === 'phone:no_answer')!;
    expect(attempt.textEnc).toBeTruthy();
    expect(attempt.textEnc).not.toContain('niemand');
    expect(t.ctx.cipher.decrypt(attempt.textEnc!)).toBe('Telefoon ging over, niemand nam op.');

    const au = await audits(r.id);
    expect(au.filter((a) => a.action === 'transition').map((a) => (a.details as { action: string }).action)).toEqual(['assign', 'attempt', 'attempt', 'plan_visit', 'close']);
    const allDetails = JSON.stringify(au.map((a) => a.details));
    for (const secret of ['De Vries', 'Dorpsstraat', 'medicijnen', 'niemand', 'koffie', 'dinsdag', 'apotheek@', X.postcodes[0]]) expect(allDetails).not.toContain(secret);
  });

  it('refuses forbidden transitions with the table message and changes nothing', async () => {
    const r = await addSignal(t.ctx, signalInput(X.postcodes[0], 14), { now: NOW });
    const h = await as(X.handlers[0].id);
    const before = await state(r.id);
    await expect(close(h, r.id, { outcome: 'declined' }, later(5))).rejects.toThrow(TransitionError);
    await expect(close(h, r.id, { outcome: 'declined' }, later(5))).rejects.toThrow(/"Afsluiten met uitkomst" kan niet bij een signaal met status "nieuw"/);
    await expect(reopen(h, r.id, {}, later(5))).rejects.toThrow(/"Heropenen" kan niet bij een signaal met status "nieuw"/);
    await expect(logAttempt(h, r.id, { channel: 'phone', result: 'reached' }, later(5))).rejects.toThrow(TransitionError);
    await expect(markInContact(h, r.id, {}, later(5))).rejects.toThrow(TransitionError);
    expect(await state(r.id)).toBe(before);

    await assign(h, r.id, X.handlers[0].id, later(6));
    await logAttempt(h, r.id, { channel: 'phone', result: 'reached' }, later(7));
    const open = await state(r.id);
    await expect(reopen(h, r.id, {}, later(8))).rejects.toThrow(/"Heropenen" kan niet bij een signaal met status "in contact"/);
    await expect(notForUs(h, r.id, { reason: 'x' }, later(8))).rejects.toThrow(TransitionError);
    await expect(forward(h, r.id, { targetPointId: Y.signalPointId, reason: 'x' }, later(8))).rejects.toThrow(TransitionError);
    expect(await state(r.id)).toBe(open);
  });

  it('locks the signal: of two simultaneous closes exactly one succeeds', async () => {
    const r = await addSignal(t.ctx, signalInput(X.postcodes[0], 16), { now: NOW });
    const h1 = await as(X.handlers[0].id);
    const h2 = await as(X.handlers[1].id);
    await assign(h1, r.id, X.handlers[0].id, later(1));
    const results = await Promise.allSettled([close(h1, r.id, { outcome: 'declined' }, later(2)), close(h2, r.id, { outcome: 'unreachable' }, later(2))]);
    expect(results.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((x) => x.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(TransitionError);
    expect((await events(r.id)).filter((e) => e.toStatus === 'closed')).toHaveLength(1);
  });
});

describe('assigning', () => {
  it('lets a handler assign only to themself, a coordinator to any colleague, nobody to another organisation', async () => {
    const r = await addSignal(t.ctx, signalInput(X.postcodes[1], 3), { now: NOW });
    const handler = await as(X.handlers[0].id);
    const coordinator = await as(X.coordinator.id);
    const before = await state(r.id);
    const err = await assign(handler, r.id, X.handlers[1].id, later(1)).catch((e) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).fields.assignee).toMatch(/alleen aan uzelf/);
    // Staff of another organisation, a coordinator elsewhere, an unknown user: refused, even for the coordinator.
    for (const id of [Y.handlers[0].id, Y.coordinator.id, 999_999]) {
      const e = await assign(coordinator, r.id, id, later(1)).catch((x) => x);
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as ValidationError).fields.assignee).toMatch(/actieve medewerker/);
    }
    expect(await state(r.id)).toBe(before);

    expect(await assign(coordinator, r.id, X.handlers[1].id, later(2))).toBe('assigned');
    expect((await signalRow(t.db, r.id)).assignedUserId).toBe(X.handlers[1].id);
    // The handler may take it over (assign to themself); the status stays.
    expect(await assign(handler, r.id, X.handlers[0].id, later(3))).toBe('assigned');
    expect((await signalRow(t.db, r.id)).assignedUserId).toBe(X.handlers[0].id);
    // An inactive colleague cannot be chosen.
    await t.db.update(users).set({ active: false }).where(eq(users.id, X.handlers[1].id));
    await expect(assign(coordinator, r.id, X.handlers[1].id, later(4))).rejects.toThrow(ValidationError);
    await t.db.update(users).set({ active: true }).where(eq(users.id, X.handlers[1].id));
  });

  it('staff of another organisation get not-found, for every action', async () => {
    const r = await addSignal(t.ctx, signalInput(X.postcodes[0], 18), { now: NOW });
    const y = await as(Y.coordinator.id);
    const admin = await as((await t.db.select().from(users).where(eq(users.email, 'admin@test.example')))[0]!.id);
    const before = await state(r.id);
    for (const who of [y, admin]) {
      await expect(assign(who, r.id, Y.coordinator.id, later(1))).rejects.toThrow(NotFoundError);
      await expect(addNote(who, r.id, 'kijk', later(1))).rejects.toThrow(NotFoundError);
      await expect(notForUs(who, r.id, { reason: 'x' }, later(1))).rejects.toThrow(NotFoundError);
    }
    expect(await state(r.id)).toBe(before);
  });
});

describe('feedback to the signaller', () => {
  it('sends one mail on the first assignment, only when asked, with the reference and nothing about the person', async () => {
    const before = (await feedbackMails()).length;
    const asked = await addSignal(t.ctx, signalInput(X.postcodes[0], 20), { now: NOW });
    const notAsked = await addSignal(t.ctx, signalInput(X.postcodes[0], 21, { feedbackRequested: false }), { now: NOW });
    const noEmail = await addSignal(t.ctx, signalInput(X.postcodes[0], 22, { signaller: { name: 'Buurman', phone: '0612345678' } }), { now: NOW });
    const h = await as(X.handlers[0].id);
    const c = await as(X.coordinator.id);
    for (const s of [asked, notAsked, noEmail]) await assign(h, s.id, X.handlers[0].id, later(1));
    let mails = await feedbackMails();
    expect(mails.length - before).toBe(1);
    const m = mails.at(-1)!;
    expect(m.toAddress).toBe('apotheek@test.example');
    expect(m.textBody).toContain(`Bedankt voor uw signaal (referentie ${asked.reference}). Het signaalpunt heeft het opgepakt en neemt contact op met de persoon.`);
    for (const personal of ['De Vries', 'Dorpsstraat', '20', 'Utrecht', 'medicijnen', 'Jansen', 'Apotheek Centrum', X.postcodes[0], 'Welzijn']) expect(`${m.subject}\n${m.textBody}`).not.toContain(personal);
    expect((await signalRow(t.db, asked.id)).feedbackSentAt).not.toBeNull();
    expect((await events(asked.id)).filter((e) => e.kind === 'feedback_sent')).toHaveLength(1);
    expect((await signalRow(t.db, notAsked.id)).feedbackSentAt).toBeNull();

    // Re-assigning, closing, reopening, forwarding and picking it up elsewhere: no second mail.
    await assign(c, asked.id, X.handlers[1].id, later(2));
    await forward(await as(X.handlers[1].id), asked.id, { targetPointId: Z.signalPointId, reason: 'Woont bij ons in de wijk' }, later(3));
    await assign(await as(Z.handlers[0].id), asked.id, Z.handlers[0].id, later(4));
    mails = await feedbackMails();
    expect(mails.length - before).toBe(1);
  });
});

describe('forward, not for us, duplicate, reopen, notes', () => {
  it('forwards to another organisation: out of X, into Z (same municipality), afresh; never to another municipality', async () => {
    const r = await addSignal(t.ctx, signalInput(X.postcodes[0], 30), { now: NOW });
    const hx = await as(X.handlers[0].id);
    await assign(hx, r.id, X.handlers[0].id, later(1));
    await logAttempt(hx, r.id, { channel: 'phone', result: 'no_answer' }, later(2));
    const inX = async () => (await listInbox(t.db, X.organisationId, { status: 'all' }, 1, 500, later(5))).rows.some((x) => x.id === r.id);
    const inZ = async () => (await listInbox(t.db, Z.organisationId, { status: 'all' }, 1, 500, later(5))).rows.some((x) => x.id === r.id);
    expect([await inX(), await inZ()]).toEqual([true, false]);

    // Own organisation and unknown points are refused.
    await expect(forward(hx, r.id, { targetPointId: X.signalPointId, reason: 'x' }, later(3))).rejects.toThrow(ValidationError);
    await expect(forward(hx, r.id, { targetPointId: 999_999, reason: 'x' }, later(3))).rejects.toThrow(ValidationError);
    // Another municipality's signal point is refused: that is "not for us" (the programme routes it).
    await expect(forward(hx, r.id, { targetPointId: Y.signalPointId, reason: 'x' }, later(3))).rejects.toMatchObject({ fields: { targetPoint: expect.stringContaining('dezelfde gemeente') } });

    const monday = new Date('2026-11-23T09:00:00Z');
    await forward(hx, r.id, { targetPointId: Z.signalPointId, reason: 'Buurtteam Z volgt dit op' }, monday);
    const row = await signalRow(t.db, r.id);
    expect(row).toMatchObject({
      status: 'new',
      organisationId: Z.organisationId,
      signalPointId: Z.signalPointId,
      municipalityId: X.municipalityId,
      neighbourhoodId: X.neighbourhoodIds[0],
      assignedUserId: null,
      firstContactAt: null,
    });
    expect(row.dueAt!.toISOString()).toBe('2026-11-25T22:59:59.999Z'); // two working days after Monday
    expect([await inX(), await inZ()]).toEqual([false, true]);
    const fwd = (await events(r.id)).find((e) => e.kind === 'forwarded')!;
    expect(fwd).toMatchObject({ organisationId: Z.organisationId, fromStatus: 'contact_attempted', toStatus: 'new', code: `from:${X.organisationId};to:${Z.organisationId};point:${Z.signalPointId}` });
    expect(t.ctx.cipher.decrypt(fwd.textEnc!)).toBe('Buurtteam Z volgt dit op');
    const au = (await audits(r.id)).at(-1)!;
    expect(au.details).toMatchObject({ action: 'forward', fromOrganisationId: X.organisationId, toOrganisationId: Z.organisationId });
    // X can no longer touch it; Z can.
    await expect(addNote(hx, r.id, 'nog iets', later(10))).rejects.toThrow(NotFoundError);
    await addNote(await as(Z.handlers[0].id), r.id, 'Overgenomen', later(10));
  });

  it('keeps the neighbourhood when forwarding within the municipality', async () => {
    const r = await addSignal(t.ctx, signalInput(X.postcodes[1], 31), { now: NOW });
    await forward(await as(X.coordinator.id), r.id, { targetPointId: Z.signalPointId, reason: 'Wijkteam Noord' }, later(1));
    expect(await signalRow(t.db, r.id)).toMatchObject({ organisationId: Z.organisationId, municipalityId: X.municipalityId, neighbourhoodId: X.neighbourhoodIds[1] });
  });

  it('"not for us" puts the signal back in the unrouted queue and alerts the programme team', async () => {
    const r = await addSignal(t.ctx, signalInput(X.postcodes[0], 32), { now: NOW });
    const h = await as(X.handlers[0].id);
    await assign(h, r.id, X.handlers[0].id, later(1));
    const alertsBefore = (await t.db.select().from(outbox).where(eq(outbox.kind, 'signal_unrouted'))).length;
    expect(await notForUs(h, r.id, { reason: 'Adres valt buiten ons werkgebied' }, later(2))).toBe('new');
    const row = await signalRow(t.db, r.id);
    expect(row).toMatchObject({ status: 'new', signalPointId: null, organisationId: null, assignedUserId: null, dueAt: null });
    const unrouted = await t.db.execute<{ id: number }>(sql`select id from signals where signal_point_id is null and status = 'new'`);
    expect(unrouted.rows.map((x) => Number(x.id))).toContain(r.id);
    const ev = (await events(r.id)).at(-1)!;
    expect(ev).toMatchObject({ kind: 'not_for_us', organisationId: X.organisationId, code: `from:${X.organisationId}` });
    const alerts = await t.db.select().from(outbox).where(eq(outbox.kind, 'signal_unrouted'));
    expect(alerts.length - alertsBefore).toBe(1);
    expect(alerts.at(-1)!.textBody).not.toContain('De Vries');
    await expect(addNote(h, r.id, 'x', later(3))).rejects.toThrow(NotFoundError);
  });

  it('links a duplicate to the earlier signal for the same address, and reopens it', async () => {
    const first = await addSignal(t.ctx, signalInput(X.postcodes[1], 40), { now: NOW });
    const second = await addSignal(t.ctx, signalInput(X.postcodes[1], 40, { signallerType: 'neighbour_family' }), { now: later(60) });
    const other = await addSignal(t.ctx, signalInput(X.postcodes[1], 41), { now: later(61) });
    const elsewhere = await addSignal(t.ctx, signalInput(Y.postcodes[0], 40), { now: later(62) });
    const h = await as(X.handlers[0].id);

    const dups = await possibleDuplicates(t.db, await signalRow(t.db, second.id));
    expect(dups.map((d) => [d.reference, d.sameOrganisation])).toEqual([[first.reference, true]]);
    expect(await possibleDuplicates(t.db, await signalRow(t.db, other.id))).toEqual([]);

    const before = await state(second.id);
    const refusals: [string, RegExp][] = [
      [second.reference, /dubbel van zichzelf/],
      [other.reference, /later binnengekomen/],
      [elsewhere.reference, /geen signaal van uw organisatie/],
      ['SGN-ZZZZ-ZZZZ', /geen signaal van uw organisatie/],
    ];
    for (const [ref, msg] of refusals) {
      const e = await markDuplicate(h, second.id, { ofReference: ref }, later(90)).catch((x) => x);
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as ValidationError).fields.duplicateOf).toMatch(msg);
    }
    expect(await state(second.id)).toBe(before);

    expect(await markDuplicate(h, second.id, { ofReference: first.reference.toLowerCase() }, later(90))).toBe('duplicate');
    let row = await signalRow(t.db, second.id);
    expect(row).toMatchObject({ status: 'duplicate', duplicateOfId: first.id });
    expect(row.closedAt).not.toBeNull();
    // A duplicate can only be reopened.
    await expect(close(h, second.id, { outcome: 'other' }, later(91))).rejects.toThrow(TransitionError);
    expect(await reopen(h, second.id, { note: 'Toch een ander persoon' }, later(92))).toBe('new');
    row = await signalRow(t.db, second.id);
    expect(row).toMatchObject({ status: 'new', duplicateOfId: null, closedAt: null });
    expect((await events(second.id)).map((e) => e.kind).slice(-2)).toEqual(['duplicate', 'reopened']);
  });

  it('never makes a chain of duplicates: a signal that others are a duplicate of cannot become one', async () => {
    const h = await as(X.handlers[0].id);
    const c = await addSignal(t.ctx, signalInput(X.postcodes[1], 60), { now: NOW });
    const b = await addSignal(t.ctx, signalInput(X.postcodes[1], 60), { now: later(1) });
    const a = await addSignal(t.ctx, signalInput(X.postcodes[1], 60), { now: later(2) });
    expect(await markDuplicate(h, a.id, { ofReference: b.reference }, later(10))).toBe('duplicate');
    const before = await state(b.id);
    const e = await markDuplicate(h, b.id, { ofReference: c.reference }, later(11)).catch((x) => x);
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as ValidationError).fields.duplicateOf).toBe(
      `Signaal ${a.reference} is al als dubbel van dit signaal gemarkeerd, dus dit signaal kan zelf geen dubbel zijn. Heropen eerst dat signaal en markeer het als dubbel van ${c.reference}; markeer daarna dit signaal.`,
    );
    expect(await state(b.id)).toBe(before);
  });

  it('locks the original too: a marking that runs while the original is being marked waits, then sees it and refuses', async () => {
    const h = await as(X.handlers[0].id);
    const c = await addSignal(t.ctx, signalInput(X.postcodes[1], 61), { now: NOW });
    const b = await addSignal(t.ctx, signalInput(X.postcodes[1], 61), { now: later(1) });
    const a = await addSignal(t.ctx, signalInput(X.postcodes[1], 61), { now: later(2) });
    // Another worker is marking B as a duplicate of C: B is locked and changed, not yet committed.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let lockedB!: () => void;
    const bLocked = new Promise<void>((r) => (lockedB = r));
    const other = t.db.transaction(async (tx) => {
      await tx.execute(sql`select id from signals where id in (${b.id}, ${c.id}) order by id for update`);
      await tx.update(signals).set({ status: 'duplicate', duplicateOfId: c.id, closedAt: later(5) }).where(eq(signals.id, b.id));
      lockedB();
      await held;
    });
    await bLocked;
    const before = await state(a.id);
    let settled = false;
    const marking = markDuplicate(h, a.id, { ofReference: b.reference }, later(6)).then(
      (v) => ((settled = true), v),
      (x) => ((settled = true), x),
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(settled).toBe(false); // waiting for the lock on B, not reading B's old status
    release();
    await other;
    const e = await marking;
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as ValidationError).fields.duplicateOf).toMatch(/zelf al als dubbel gemarkeerd/);
    expect(await state(a.id)).toBe(before);
  });

  it('two concurrent markings A of B and B of C: exactly one wins and there is never a chain', async () => {
    const h1 = await as(X.handlers[0].id);
    const h2 = await as(X.handlers[1].id);
    for (let i = 0; i < 6; i++) {
      const c = await addSignal(t.ctx, signalInput(X.postcodes[1], 70 + i), { now: NOW });
      const b = await addSignal(t.ctx, signalInput(X.postcodes[1], 70 + i), { now: later(1) });
      const a = await addSignal(t.ctx, signalInput(X.postcodes[1], 70 + i), { now: later(2) });
      const results = await Promise.allSettled([markDuplicate(h1, a.id, { ofReference: b.reference }, later(10)), markDuplicate(h2, b.id, { ofReference: c.reference }, later(10))]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(rejected.reason).toBeInstanceOf(ValidationError);
      const [ra, rb] = [await signalRow(t.db, a.id), await signalRow(t.db, b.id)];
      // Never A → B → C.
      expect(ra.status === 'duplicate' && rb.status === 'duplicate').toBe(false);
    }
  });

  it('reopens a closed signal to its assignee, or to new when the assignee left', async () => {
    const r = await addSignal(t.ctx, signalInput(X.postcodes[0], 50), { now: NOW });
    const h = await as(X.handlers[1].id);
    await assign(h, r.id, X.handlers[1].id, later(1));
    await close(h, r.id, { outcome: 'unreachable' }, later(2));
    expect(await reopen(h, r.id, {}, later(3))).toBe('assigned');
    expect(await signalRow(t.db, r.id)).toMatchObject({ status: 'assigned', closedAt: null, outcome: null, assignedUserId: X.handlers[1].id });
    await close(h, r.id, { outcome: 'unreachable' }, later(4));
    await t.db.update(users).set({ active: false }).where(eq(users.id, X.handlers[1].id));
    expect(await reopen(await as(X.coordinator.id), r.id, {}, later(5))).toBe('new');
    expect((await signalRow(t.db, r.id)).assignedUserId).toBeNull();
    await t.db.update(users).set({ active: true }).where(eq(users.id, X.handlers[1].id));
  });

  it('stores notes encrypted, logs an update without the text, and refuses empty or huge notes', async () => {
    const r = await addSignal(t.ctx, signalInput(X.postcodes[0], 60), { now: NOW });
    const h = await as(X.handlers[0].id);
    await addNote(h, r.id, '  Dochter woont in Zwolle, belt wekelijks.  ', later(1));
    const [raw] = (await t.db.execute<{ text_enc: string }>(sql`select text_enc from signal_events where signal_id = ${r.id} and kind = 'note'`)).rows;
    expect(raw!.text_enc).not.toContain('Zwolle');
    expect(t.ctx.cipher.decrypt(raw!.text_enc)).toBe('Dochter woont in Zwolle, belt wekelijks.');
    const au = (await audits(r.id)).at(-1)!;
    expect(au.action).toBe('update');
    expect(JSON.stringify(au.details)).not.toContain('Zwolle');
    await expect(addNote(h, r.id, '   ', later(2))).rejects.toThrow(ValidationError);
    await expect(addNote(h, r.id, 'x'.repeat(5001), later(2))).rejects.toThrow(ValidationError);
    // Notes are fine on a closed signal too, but not once the personal data is gone.
    await t.db.update(signals).set({ personalDataRemovedAt: later(3) }).where(eq(signals.id, r.id));
    await expect(addNote(h, r.id, 'te laat', later(4))).rejects.toThrow(/bewaartermijn/);
  });
});
