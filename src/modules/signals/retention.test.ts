import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, desc, eq } from 'drizzle-orm';
import { createTestApp, createUser, seedReference, type TestApp } from '../../../test/helpers/app.js';
import { captureCli, cliEnv } from '../../../test/helpers/cli.js';
import { addSignal, setupSignalPoint, signalInput, signalRow, type SignalPointSetup } from '../../../test/helpers/signals.js';
import { auditLog, outbox } from '../../platform/db/schema.js';
import { encryptText } from './personal.js';
import { signalEvents, signals } from './schema.js';
import { blankFeedbackRecipients, removePersonalData, RETENTION_REMOVED_ADDRESS, retentionLine } from './retention.js';
import { FEEDBACK_MAIL_KIND, feedbackMail, sendPickupFeedback } from './feedback.js';
import { computeStats } from './stats-service.js';

/**
 * Retention with a simulated clock: closed signals lose their personal data after their signal
 * point's term (6 months by default, 1 month at the second point), open ones never do, and the
 * statistics still count every signal.
 */

let t: TestApp;
let six: SignalPointSetup; // GM0344, 6 months
let one: SignalPointSetup; // GM0363, 1 month

const CLOSED_AT = new Date('2026-01-10T10:00:00Z');

async function closedSignal(sp: SignalPointSetup, houseNumber: number, opts: { status?: 'closed' | 'duplicate'; closedAt?: Date | null } = {}) {
  const r = await addSignal(t.ctx, signalInput(sp.postcodes[0], houseNumber), { now: new Date('2026-01-05T09:00:00Z') });
  await t.db
    .update(signals)
    .set({
      status: opts.status ?? 'closed',
      outcome: (opts.status ?? 'closed') === 'closed' ? 'declined' : null,
      firstContactAt: new Date('2026-01-06T09:00:00Z'),
      closedAt: opts.closedAt === undefined ? CLOSED_AT : opts.closedAt,
      updatedAt: CLOSED_AT,
    })
    .where(eq(signals.id, r.id));
  await t.db.insert(signalEvents).values({ signalId: r.id, at: new Date('2026-01-06T09:00:00Z'), kind: 'note', textEnc: encryptText(t.ctx.cipher, 'Mevrouw belt terug na haar ziekenhuisbezoek') });
  return r.id;
}

async function events(id: number) {
  return t.db.select().from(signalEvents).where(eq(signalEvents.signalId, id));
}

function expectErased(row: typeof signals.$inferSelect) {
  expect(row).toMatchObject({ personEnc: null, signallerEnc: null, storyEnc: null, addressKey: null, signallerKey: null });
  expect(row.personalDataRemovedAt).not.toBeNull();
}

function expectKept(row: typeof signals.$inferSelect) {
  expect(row.personEnc).not.toBeNull();
  expect(row.storyEnc).not.toBeNull();
  expect(row.addressKey).not.toBeNull();
  expect(row.personalDataRemovedAt).toBeNull();
}

beforeAll(async () => {
  t = await createTestApp();
  await seedReference(t.db);
  await createUser(t.db, 'admin@test.example', [{ role: 'programme_admin' }]);
  six = await setupSignalPoint(t.db, { cbsCode: 'GM0344', retentionMonths: 6 });
  one = await setupSignalPoint(t.db, { cbsCode: 'GM0363', retentionMonths: 1 });
});
afterAll(() => t.close());

describe('retention: removePersonalData', () => {
  let a: number;
  let dup: number;
  let dupNoDate: number;
  let shortTerm: number[];
  let open: number;
  let unrouted: number;
  let pointless: number;

  beforeAll(async () => {
    a = await closedSignal(six, 1);
    dup = await closedSignal(six, 2, { status: 'duplicate' });
    await t.db.update(signals).set({ duplicateOfId: a }).where(eq(signals.id, dup));
    dupNoDate = await closedSignal(six, 3, { status: 'duplicate', closedAt: null });
    shortTerm = [];
    for (let i = 10; i < 15; i++) shortTerm.push(await closedSignal(one, i));
    open = (await addSignal(t.ctx, signalInput(six.postcodes[1], 4), { now: new Date('2024-12-01T09:00:00Z') })).id;
    unrouted = (await addSignal(t.ctx, signalInput('9999ZZ', 5), { now: new Date('2024-12-01T09:00:00Z') })).id;
    // A closed signal whose signal point is gone: the default term (6 months) applies.
    pointless = await closedSignal(six, 6);
    await t.db.update(signals).set({ signalPointId: null }).where(eq(signals.id, pointless));
  });

  it('removes nothing before the term', async () => {
    const s = await removePersonalData(t.db, new Date('2026-02-09T12:00:00Z'));
    expect(s.removed).toBe(0);
    for (const id of [a, dup, ...shortTerm, open, pointless]) expectKept(await signalRow(t.db, id));
  });

  it("applies the signal point's own term (1 month), in batches, and keeps the statistics columns", async () => {
    const now = new Date('2026-02-11T12:00:00Z');
    const s = await removePersonalData(t.db, now, { batchSize: 2 });
    expect(s.removed).toBe(5);
    expect(s.signalIds.sort()).toEqual([...shortTerm].sort());
    for (const id of shortTerm) {
      const row = await signalRow(t.db, id);
      expectErased(row);
      expect(row.personalDataRemovedAt!.toISOString()).toBe(now.toISOString());
      // The anonymous columns stay.
      expect(row).toMatchObject({ status: 'closed', outcome: 'declined', municipalityId: one.municipalityId, neighbourhoodId: one.neighbourhoodIds[0], signallerType: 'pharmacy', signs: ['rarely_outside', 'says_lonely'] });
      const ev = await events(id);
      expect(ev.every((e) => e.textEnc === null)).toBe(true);
      expect(ev.filter((e) => e.kind === 'personal_data_removed')).toMatchObject([{ code: 'retention' }]);
    }
    // The 6-month signals are untouched.
    for (const id of [a, dup, pointless]) expectKept(await signalRow(t.db, id));
    const [note] = (await events(a)).filter((e) => e.kind === 'note');
    expect(note!.textEnc).not.toBeNull();
  });

  it('still counts the signals in the statistics after their personal data is gone', async () => {
    const stats = await computeStats(t.db, { kind: 'municipality', value: 'GM0363', label: 'Gemeente Amsterdam', municipalityId: one.municipalityId }, { from: '2026-01', to: '2026-01' }, new Date('2026-02-11T12:00:00Z'));
    expect(stats.received).toEqual({ value: 5, display: '5' });
    expect(stats.byOutcome.rows.find((r) => r.code === 'declined')).toMatchObject({ value: 5, display: '5', percent: 100 });
    expect(stats.firstContact.n.value).toBe(5);
    expect(stats.firstContact.medianHours).toBe(24);
  });

  it('after six months removes the closed and duplicate signals, never the open ones, and reports the long-open ones', async () => {
    const s = await removePersonalData(t.db, new Date('2026-07-11T12:00:00Z'));
    expect(s.signalIds.sort()).toEqual([a, dup, dupNoDate, pointless].sort());
    for (const id of [a, dup, dupNoDate, pointless]) expectErased(await signalRow(t.db, id));
    // The duplicate keeps its link to the earlier signal (nothing personal in it).
    expect((await signalRow(t.db, dup)).duplicateOfId).toBe(a);
    expectKept(await signalRow(t.db, open));
    expectKept(await signalRow(t.db, unrouted));
    expect(s).toMatchObject({ staleOpen: 1, staleUnrouted: 1 });
    expect(retentionLine(s)).toMatch(/4 signalen.*1 signaal staat langer dan 12 maanden open en 1 wacht langer dan 12 maanden op routering/);
    // Nothing is done twice.
    expect((await removePersonalData(t.db, new Date('2026-08-01T12:00:00Z'))).removed).toBe(0);
    expect((await events(a)).filter((e) => e.kind === 'personal_data_removed')).toHaveLength(1);
  });

  it('writes one audit entry per run with the count and signal ids, nothing personal', async () => {
    const entries = await t.db.select().from(auditLog).where(eq(auditLog.action, 'retention')).orderBy(desc(auditLog.id));
    expect(entries.length).toBe(4); // one per run, also when nothing was removed
    const sixMonths = entries.find((e) => (e.details as { removed: number }).removed === 4)!;
    expect(sixMonths).toMatchObject({ entity: 'signal', actorLabel: 'taak signals-retention' });
    expect((sixMonths.details as { signalIds: number[] }).signalIds.sort()).toEqual([a, dup, dupNoDate, pointless].sort());
    const raw = JSON.stringify(entries);
    for (const s of ['De Vries', 'Dorpsstraat', 'apotheek@test.example', 'ziekenhuis']) expect(raw).not.toContain(s);
  });
});

describe('CLI: signals-retention', () => {
  let out = '';
  async function cli(...args: string[]) {
    const r = await captureCli(cliEnv(t.database.name), ...args);
    out = r.out;
    return r.code;
  }

  it('runs with a simulated clock and prints the summary', async () => {
    const id = await closedSignal(one, 40);
    expect(await cli('signals-retention', '--now=2026-02-05')).toBe(0);
    expect(out).toContain('persoonsgegevens verwijderd van 0 signalen');
    expectKept(await signalRow(t.db, id));
    expect(await cli('signals-retention', '--now', '2026-02-10')).toBe(0);
    expect(out).toContain('persoonsgegevens verwijderd van 1 signaal');
    expect(out).toContain(`Signaal-id's: ${id}`);
    expectErased(await signalRow(t.db, id));
    const [entry] = await t.db.select().from(auditLog).where(and(eq(auditLog.action, 'retention'), eq(auditLog.actorLabel, 'CLI'))).orderBy(desc(auditLog.id)).limit(1);
    expect(entry!.details).toMatchObject({ removed: 1 });
  });

  it('refuses a date that is not a date', async () => {
    expect(await cli('signals-retention', '--now=10-02-2026')).toBe(2);
    expect(out).toContain('YYYY-MM-DD');
  });
});

describe('retention: the outbox and the outcome activity', () => {
  it("blanks the signaller's address in the signal's feedback mails (status kept) and clears the outcome activity; other mails stay", async () => {
    const signaller = (email: string) => ({ name: 'Apotheker Jansen', email, organisation: 'Apotheek Centrum' });
    const a = await addSignal(t.ctx, signalInput(six.postcodes[1], 301, { signaller: signaller('melder.a@apotheek.example') }), { now: new Date('2027-01-05T09:00:00Z') });
    const b = await addSignal(t.ctx, signalInput(six.postcodes[1], 302, { signaller: signaller('melder.b@apotheek.example') }), { now: new Date('2027-01-05T09:00:00Z') });
    const fb = { cipher: t.ctx.cipher, helpdeskEmail: 'helpdesk@test.example' };
    for (const id of [a.id, b.id]) expect(await sendPickupFeedback(t.db, fb, await signalRow(t.db, id), new Date('2027-01-06T09:00:00Z'))).not.toBeNull();
    const mailOf = async (reference: string) => (await t.db.select().from(outbox).where(and(eq(outbox.kind, FEEDBACK_MAIL_KIND), eq(outbox.subject, feedbackMail(reference, 'worry').subject))))[0]!;
    await t.db.update(outbox).set({ status: 'sent', sentAt: new Date('2027-01-06T09:01:00Z') }).where(eq(outbox.id, (await mailOf(a.reference)).id));
    // An invitation to the same address is no feedback mail: never touched.
    const [other] = await t.db.insert(outbox).values({ toAddress: 'melder.a@apotheek.example', subject: `Iets anders (${a.reference})`, textBody: 'x', kind: 'invitation' }).returning();
    // a is closed (with an activity that names someone), b stays open.
    await t.db
      .update(signals)
      .set({ status: 'closed', outcome: 'referred_activity', outcomeActivity: 'Koffieochtend bij buurvrouw Ans de Wit', closedAt: new Date('2027-01-10T10:00:00Z') })
      .where(eq(signals.id, a.id));

    await removePersonalData(t.db, new Date('2027-08-01T00:00:00Z'));

    const rowA = await signalRow(t.db, a.id);
    expectErased(rowA);
    expect(rowA.outcomeActivity).toBeNull();
    expect(rowA.outcome).toBe('referred_activity'); // the code stays for the statistics
    const mailA = await mailOf(a.reference);
    expect(mailA).toMatchObject({ toAddress: RETENTION_REMOVED_ADDRESS, status: 'sent', kind: FEEDBACK_MAIL_KIND });
    expect(mailA.sentAt).not.toBeNull();
    expect((await mailOf(b.reference)).toAddress).toBe('melder.b@apotheek.example');
    expect(await signalRow(t.db, b.id)).toMatchObject({ personalDataRemovedAt: null });
    expect((await t.db.select().from(outbox).where(eq(outbox.id, other!.id)))[0]!.toAddress).toBe('melder.a@apotheek.example');
    const left = await t.db.select().from(outbox).where(eq(outbox.toAddress, 'melder.a@apotheek.example'));
    expect(left.map((m) => m.kind)).toEqual(['invitation']);
  });

  it('cancels a feedback mail that was never delivered, and leaves a blanked one alone on the next run', async () => {
    const s = await addSignal(t.ctx, signalInput(six.postcodes[1], 303, { signaller: { email: 'nooit.bezorgd@apotheek.example' } }), {
      now: new Date('2027-02-05T09:00:00Z'),
    });
    await sendPickupFeedback(t.db, { cipher: t.ctx.cipher, helpdeskEmail: 'helpdesk@test.example' }, await signalRow(t.db, s.id), new Date('2027-02-06T09:00:00Z'));
    await t.db.update(signals).set({ status: 'closed', outcome: 'other', closedAt: new Date('2027-02-10T10:00:00Z') }).where(eq(signals.id, s.id));
    await removePersonalData(t.db, new Date('2027-09-01T00:00:00Z'));
    const [mail] = await t.db.select().from(outbox).where(and(eq(outbox.kind, FEEDBACK_MAIL_KIND), eq(outbox.subject, feedbackMail(s.reference, 'worry').subject)));
    expect(mail).toMatchObject({ toAddress: RETENTION_REMOVED_ADDRESS, status: 'stored', lastError: 'Niet verzonden: bewaartermijn verstreken' });
    // Idempotent: nothing more to blank.
    expect(await blankFeedbackRecipients(t.db, [s.id], RETENTION_REMOVED_ADDRESS, 'x')).toBe(0);
  });
});
