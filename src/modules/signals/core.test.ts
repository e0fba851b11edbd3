import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { createTestApp, createUser, seedReference, type TestApp } from '../../../test/helpers/app.js';
import { addRule, addSignal, setupSignalPoint, signalInput, signalRow, type SignalPointSetup } from '../../../test/helpers/signals.js';
import { auditLog, outbox } from '../../platform/db/schema.js';
import { addWorkingDays, amsterdamDate, dutchHolidays, easterSunday, isWorkingDay } from '../../platform/time.js';
import { actionsFrom, nextStatus, normaliseAddition, normalisePostcode, parseHouseNumber, TransitionError, TRANSITIONS, STATUSES } from './model.js';
import { chooseSignalPoint } from './routing.js';
import { receiveSignal } from './intake.js';
import { decryptSignal } from './personal.js';
import { signalEvents, signals } from './schema.js';

describe('transition table', () => {
  it('walks the normal path new → assigned → contact attempted → in contact → closed', () => {
    let s = nextStatus('new', 'assign');
    expect(s).toBe('assigned');
    s = nextStatus(s, 'attempt', { result: 'no_answer' });
    expect(s).toBe('contact_attempted');
    s = nextStatus(s, 'attempt', { result: 'reached' });
    expect(s).toBe('in_contact');
    s = nextStatus(s, 'plan_visit');
    expect(s).toBe('visit_planned');
    s = nextStatus(s, 'close');
    expect(s).toBe('closed');
    expect(nextStatus(s, 'reopen', { hasAssignee: true })).toBe('assigned');
    expect(nextStatus(s, 'reopen', { hasAssignee: false })).toBe('new');
  });

  it('refuses forbidden transitions with a message naming the allowed statuses', () => {
    expect(() => nextStatus('new', 'close')).toThrow(TransitionError);
    expect(() => nextStatus('new', 'close')).toThrow(/kan niet bij een signaal met status "nieuw"/);
    expect(() => nextStatus('closed', 'assign')).toThrow(TransitionError);
    expect(() => nextStatus('in_contact', 'not_for_us')).toThrow(TransitionError);
    expect(() => nextStatus('duplicate', 'close')).toThrow(TransitionError);
  });

  it('lists exactly the actions of the table per status', () => {
    for (const s of STATUSES) for (const a of actionsFrom(s)) expect(TRANSITIONS[a].from).toContain(s);
    expect(actionsFrom('closed')).toEqual(['reopen']);
  });
});

describe('input normalisation', () => {
  it('accepts Dutch postcodes in any spacing and case, refuses the rest', () => {
    expect(normalisePostcode(' 3511 ab ')).toBe('3511AB');
    expect(normalisePostcode('0123AB')).toBeNull();
    expect(normalisePostcode('3511SS')).toBeNull();
    expect(normalisePostcode('35111AB')).toBeNull();
    expect(parseHouseNumber('12')).toBe(12);
    expect(parseHouseNumber('0')).toBeNull();
    expect(parseHouseNumber('12a')).toBeNull();
    expect(normaliseAddition(' bis ')).toBe('BIS');
    expect(normaliseAddition('')).toBeNull();
    expect(normaliseAddition('<b>')).toBe(false);
  });
});

describe('working days', () => {
  it('knows Easter and the Dutch public holidays', () => {
    expect(easterSunday(2026)).toBe('2026-04-05');
    expect(easterSunday(2027)).toBe('2027-03-28');
    const h = dutchHolidays(2026);
    expect(h.has('2026-04-06')).toBe(true); // Easter Monday
    expect(h.has('2026-05-14')).toBe(true); // Ascension
    expect(h.has('2026-05-25')).toBe(true); // Whit Monday
    expect(h.has('2026-04-27')).toBe(true); // King's Day (a Monday)
    expect(dutchHolidays(2025).has('2025-04-26')).toBe(true); // the 27th was a Sunday
    expect(isWorkingDay('2026-11-21')).toBe(false); // Saturday
    expect(isWorkingDay('2026-11-23')).toBe(true);
  });

  it('puts the deadline at the end of the n-th working day, skipping weekends and holidays', () => {
    // Friday 20 Nov 2026 15:00 → end of Tuesday 24 Nov.
    const due = addWorkingDays(new Date('2026-11-20T14:00:00Z'), 2);
    expect(amsterdamDate(due)).toBe('2026-11-24');
    expect(due.toISOString()).toBe('2026-11-24T22:59:59.999Z');
    // Thursday 24 Dec 2026 → Christmas and Boxing Day and the weekend are skipped: Tue 29 Dec.
    expect(amsterdamDate(addWorkingDays(new Date('2026-12-24T09:00:00Z'), 2))).toBe('2026-12-29');
    // Summer time: end of day is 21:59:59.999Z.
    expect(addWorkingDays(new Date('2026-06-01T08:00:00Z'), 1).toISOString()).toBe('2026-06-02T21:59:59.999Z');
  });
});

describe('routing decision (pure)', () => {
  const points = [
    { id: 1, organisationId: 10, isDefault: true, firstContactDays: 2 },
    { id: 2, organisationId: 20, isDefault: false, firstContactDays: 2 },
    { id: 3, organisationId: 30, isDefault: false, firstContactDays: 2 },
  ];
  const facts = { neighbourhoodId: 5, ageGroup: 'young' as const, signallerType: 'deliverer' as const };
  it('takes the first matching rule in position order, else the default', () => {
    const rules = [
      { signalPointId: 3, position: 2, neighbourhoodId: 5, ageGroup: null, signallerType: null },
      { signalPointId: 2, position: 1, neighbourhoodId: null, ageGroup: 'young', signallerType: null },
    ];
    expect(chooseSignalPoint(points, rules, facts)?.id).toBe(2);
    expect(chooseSignalPoint(points, rules, { ...facts, ageGroup: 'elderly' })?.id).toBe(3);
    expect(chooseSignalPoint(points, rules, { ...facts, ageGroup: 'elderly', neighbourhoodId: 6 })?.id).toBe(1);
  });
  it('requires all set criteria of a rule, skips rules to inactive points, and has no answer without a default', () => {
    const rules = [{ signalPointId: 2, position: 0, neighbourhoodId: 5, ageGroup: null, signallerType: 'police' }];
    expect(chooseSignalPoint(points, rules, facts)?.id).toBe(1);
    expect(chooseSignalPoint(points.slice(2), [{ signalPointId: 2, position: 0, neighbourhoodId: null, ageGroup: null, signallerType: null }], facts)).toBeNull();
  });
});

describe('intake (real database)', () => {
  let t: TestApp;
  let sp: SignalPointSetup;
  beforeAll(async () => {
    t = await createTestApp();
    await seedReference(t.db);
    sp = await setupSignalPoint(t.db, { cbsCode: 'GM0344' });
    await createUser(t.db, 'admin@test.example', [{ role: 'programme_admin' }]);
  });
  afterAll(() => t.close());

  it('routes on the postcode, encrypts the personal data and logs the receipt', async () => {
    const now = new Date('2026-11-20T14:00:00Z');
    const r = await addSignal(t.ctx, signalInput(sp.postcodes[0], 12), { now });
    expect(r.created).toBe(true);
    expect(r.reference).toMatch(/^SGN-[2-9A-Z]{4}-[2-9A-Z]{4}$/);
    const row = await signalRow(t.db, r.id);
    expect(row).toMatchObject({ signalPointId: sp.signalPointId, organisationId: sp.organisationId, municipalityId: sp.municipalityId, neighbourhoodId: sp.neighbourhoodIds[0], routedBy: 'postcode', status: 'new' });
    expect(row.dueAt!.toISOString()).toBe('2026-11-24T22:59:59.999Z');
    // Nothing personal in plain text anywhere in the row.
    const raw = JSON.stringify(row);
    for (const s of ['De Vries', 'Dorpsstraat', 'Jansen', 'apotheek@test.example', 'medicijnen', sp.postcodes[0]]) expect(raw).not.toContain(s);
    const d = decryptSignal(t.ctx.cipher, row);
    expect(d.person).toMatchObject({ name: 'Mevrouw De Vries', houseNumber: 12, postcode: sp.postcodes[0] });
    expect(d.signaller?.email).toBe('apotheek@test.example');
    expect(d.story).toContain('medicijnen');
    const events = await t.db.select().from(signalEvents).where(eq(signalEvents.signalId, r.id));
    expect(events.map((e) => e.kind).sort()).toEqual(['received', 'routed']);
  });

  it('writes an audit entry for a form signal that names no one: no user, no IP address', async () => {
    const r = await receiveSignal(t.db, t.ctx.cipher, signalInput(sp.postcodes[0], 14), {
      channel: 'form',
      audit: { principal: { kind: 'user', id: 1, label: 'Ingelogd', email: 'ingelogd@test.example', roles: [], municipalityIds: [], organisationIds: [] }, ip: '203.0.113.7', requestId: 'req-1' },
      jobs: null,
      helpdeskEmail: 'h@test.example',
      baseUrl: 'http://localhost:3000',
    });
    const [row] = await t.db.select().from(auditLog).where(and(eq(auditLog.entity, 'signal'), eq(auditLog.entityId, String(r.id))));
    expect(row).toMatchObject({ action: 'create', actorUserId: null, actorLabel: 'publiek formulier', ip: null, requestId: 'req-1' });
  });

  it('stores the API request hash keyed (HMAC), not as a plain hash of the body', async () => {
    const body = JSON.stringify({ signallerType: 'deliverer', postcode: sp.postcodes[0], houseNumber: 15 });
    const plain = crypto.createHash('sha256').update(body).digest('hex');
    const r = await receiveSignal(t.db, t.ctx.cipher, signalInput(sp.postcodes[0], 15), {
      channel: 'api', apiKeyId: 77, idempotencyKey: 'hash-test-0001', requestHash: plain, audit: { label: 'test' }, jobs: null, helpdeskEmail: 'h@test.example', baseUrl: 'http://localhost:3000',
    });
    const row = await signalRow(t.db, r.id);
    expect(row.requestHash).toBeTruthy();
    expect(row.requestHash).not.toBe(plain);
  });

  it('uses a house-number exception before the postcode majority', async () => {
    const r = await addSignal(t.ctx, signalInput(sp.postcodes[0], 99));
    expect(await signalRow(t.db, r.id)).toMatchObject({ neighbourhoodId: sp.neighbourhoodIds[1], routedBy: 'address' });
  });

  it('follows a routing rule by signaller type', async () => {
    const other = await setupSignalPoint(t.db, { cbsCode: 'GM0344', emailPrefix: 'bezorg', isDefault: false });
    await addRule(t.db, { municipalityId: sp.municipalityId, signalPointId: other.signalPointId, signallerType: 'deliverer' });
    const r = await addSignal(t.ctx, signalInput(sp.postcodes[1], 3, { signallerType: 'deliverer' }));
    expect(await signalRow(t.db, r.id)).toMatchObject({ organisationId: other.organisationId, neighbourhoodId: sp.neighbourhoodIds[1] });
  });

  it('puts an unknown postcode in the unrouted queue and alerts the programme team once per hour, without personal data', async () => {
    const now = new Date('2026-11-21T10:00:00Z');
    const a = await addSignal(t.ctx, signalInput('9999ZZ', 1), { now });
    const b = await addSignal(t.ctx, signalInput('9999ZZ', 2), { now: new Date(now.getTime() + 5 * 60_000) });
    expect(a.routed).toBe(false);
    expect(await signalRow(t.db, a.id)).toMatchObject({ signalPointId: null, organisationId: null, municipalityId: null, routedBy: 'none', dueAt: null });
    expect(b.routed).toBe(false);
    const mails = await t.db.select().from(outbox).where(eq(outbox.kind, 'signal_unrouted'));
    expect(mails).toHaveLength(1);
    expect(mails[0].toAddress).toBe('admin@test.example');
    expect(mails[0].textBody).toContain('/signalen/niet-gerouteerd');
    expect(mails[0].textBody).not.toContain('9999');
    expect(mails[0].textBody).not.toContain('De Vries');
  });

  it('falls back to the PDOK answer for a postcode the table does not know', async () => {
    const r = await receiveSignal(t.db, t.ctx.cipher, signalInput('3584CS', 5), {
      channel: 'form',
      pdok: { municipalityCode: '0344' },
      audit: { label: 'test' },
      jobs: null,
      helpdeskEmail: 'h@test.example',
      baseUrl: 'http://localhost:3000',
    });
    expect(await signalRow(t.db, r.id)).toMatchObject({ municipalityId: sp.municipalityId, routedBy: 'pdok', signalPointId: sp.signalPointId });
  });

  it('stores one signal for repeated and for racing submits with the same idempotency key', async () => {
    const before = await t.db.select({ n: sql<number>`count(*)::int` }).from(signals);
    const first = await addSignal(t.ctx, signalInput(sp.postcodes[0], 7), { idempotencyKey: 'form-token-1' });
    const again = await addSignal(t.ctx, signalInput(sp.postcodes[0], 7), { idempotencyKey: 'form-token-1' });
    expect(again).toMatchObject({ id: first.id, reference: first.reference, created: false });
    const racing = await Promise.all([1, 2, 3, 4].map(() => addSignal(t.ctx, signalInput(sp.postcodes[0], 8), { idempotencyKey: 'form-token-2' })));
    expect(new Set(racing.map((r) => r.id)).size).toBe(1);
    const after = await t.db.select({ n: sql<number>`count(*)::int` }).from(signals);
    expect(after[0].n - before[0].n).toBe(2);
  });
});
