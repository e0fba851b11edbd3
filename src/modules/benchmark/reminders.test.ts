import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, eq, inArray, sql } from 'drizzle-orm';
import { createTestApp, seedReference, TestClient, type TestApp } from '../../../test/helpers/app.js';
import { municipalityId } from '../../../test/helpers/registry.js';
import { createSmallEdition } from '../../../test/helpers/benchmark.js';
import { outbox } from '../../platform/db/schema.js';
import type { Db } from '../../platform/db/index.js';
import { benchmarkEditions, benchmarkInvitations } from './schema.js';
import { createResponse, type Edition } from './service.js';
import { invitationLink } from './links.js';
import { addInvitation, mailDeps } from './invitations-service.js';
import { BENCHMARK_REMINDERS_CRON, BENCHMARK_REMINDERS_JOB, minusDays, reminderPoints, reminderPointsText, remindersDue, sendDueReminders, type ReminderCandidate, type ReminderEdition } from './reminders.js';

// ---------------------------------------------------------------------------------------
// The schedule (pure)

const EDITION: ReminderEdition = { status: 'open', opensOn: '2025-10-01', closesOn: '2025-11-30', reminderDays: [14, 7, 2] };
// Points: 2025-11-16, 2025-11-23, 2025-11-28.
const at = (iso: string) => new Date(iso);
const inv = (over: Partial<ReminderCandidate & { id: number }> = {}): ReminderCandidate & { id: number } => ({
  id: 1,
  sentAt: at('2025-10-01T08:00:00Z'),
  remindersSent: 0,
  lastReminderAt: null,
  optedOutAt: null,
  revokedAt: null,
  submitted: false,
  ...over,
});
const due = (i: ReminderCandidate, today: string, e: ReminderEdition = EDITION) => remindersDue(e, [i], today).length === 1;

describe('reminder schedule', () => {
  it('computes the points from the closing date', () => {
    expect(minusDays('2025-03-01', 1)).toBe('2025-02-28');
    expect(minusDays('2024-03-01', 1)).toBe('2024-02-29');
    expect(reminderPoints('2025-11-30', [14, 7, 2])).toEqual(['2025-11-16', '2025-11-23', '2025-11-28']);
    expect(reminderPoints('2025-11-30', [7, 7, 0, -1, 1.5])).toEqual(['2025-11-23', '2025-11-30']);
    expect(reminderPointsText(EDITION)).toBe('14, 7 en 2 dagen voor de sluitdatum: 16 november 2025, 23 november 2025 en 28 november 2025');
    expect(reminderPointsText({ ...EDITION, reminderDays: [] })).toBe('Geen');
  });

  it('is due once a point is reached and fewer reminders were sent than points reached', () => {
    expect(due(inv(), '2025-11-15')).toBe(false);
    expect(due(inv(), '2025-11-16')).toBe(true);
    expect(due(inv(), '2025-11-20')).toBe(true); // the job missed the day itself
    expect(due(inv({ remindersSent: 1, lastReminderAt: at('2025-11-16T08:00:00Z') }), '2025-11-20')).toBe(false);
    expect(due(inv({ remindersSent: 1, lastReminderAt: at('2025-11-16T08:00:00Z') }), '2025-11-23')).toBe(true);
    expect(due(inv({ remindersSent: 2, lastReminderAt: at('2025-11-23T08:00:00Z') }), '2025-11-27')).toBe(false);
    expect(due(inv({ remindersSent: 2, lastReminderAt: at('2025-11-23T08:00:00Z') }), '2025-11-28')).toBe(true);
    expect(due(inv({ remindersSent: 3, lastReminderAt: at('2025-11-28T08:00:00Z') }), '2025-11-30')).toBe(false);
  });

  it('never sends twice on one day (Amsterdam days), nor a burst after missed points', () => {
    expect(due(inv({ remindersSent: 1, lastReminderAt: at('2025-11-23T07:00:00Z') }), '2025-11-23')).toBe(false);
    // 23:30 UTC on the 22nd is 00:30 on the 23rd in Amsterdam: already reminded that day.
    expect(due(inv({ remindersSent: 1, lastReminderAt: at('2025-11-22T23:30:00Z') }), '2025-11-23')).toBe(false);
    // Missed both the 16th and the 23rd: one reminder on the 24th, none on the 25th although 2 points were reached.
    expect(due(inv(), '2025-11-24')).toBe(true);
    expect(due(inv({ remindersSent: 1, lastReminderAt: at('2025-11-24T08:00:00Z') }), '2025-11-25')).toBe(false);
  });

  it('counts a reminder sent with the button, so the next scheduled point is not doubled', () => {
    // Scheduled on the 16th, by hand on the 20th: nothing on the 23rd, the next one on the 28th.
    const i = inv({ remindersSent: 2, lastReminderAt: at('2025-11-20T08:00:00Z') });
    expect(due(i, '2025-11-23')).toBe(false);
    expect(due(i, '2025-11-28')).toBe(true);
  });

  it('counts only points after the day the invitation was sent', () => {
    const late = inv({ sentAt: at('2025-11-20T08:00:00Z') });
    expect(due(late, '2025-11-20')).toBe(false);
    expect(due(late, '2025-11-22')).toBe(false);
    expect(due(late, '2025-11-23')).toBe(true);
    // Sent on a point day (Amsterdam date 16 November, 00:30): not reminded that day.
    expect(due(inv({ sentAt: at('2025-11-15T23:30:00Z') }), '2025-11-16')).toBe(false);
  });

  it('never reminds the finished, opted-out, revoked or never-sent', () => {
    for (const day of ['2025-11-16', '2025-11-23', '2025-11-28']) {
      expect(due(inv({ submitted: true }), day)).toBe(false);
      expect(due(inv({ optedOutAt: at('2025-10-02T08:00:00Z') }), day)).toBe(false);
      expect(due(inv({ revokedAt: at('2025-10-02T08:00:00Z') }), day)).toBe(false);
      expect(due(inv({ sentAt: null }), day)).toBe(false);
    }
  });

  it('sends nothing unless the edition is open that day', () => {
    expect(due(inv(), '2025-11-16', { ...EDITION, status: 'closed' })).toBe(false);
    expect(due(inv(), '2025-11-16', { ...EDITION, status: 'draft' })).toBe(false);
    expect(due(inv(), '2025-11-16', { ...EDITION, opensOn: '2025-11-17' })).toBe(false);
    expect(due(inv(), '2025-12-01', { ...EDITION, reminderDays: [-1] })).toBe(false);
    expect(due(inv(), '2025-12-01')).toBe(false); // after the closing date
    expect(due(inv(), '2025-11-16', { ...EDITION, closesOn: null })).toBe(false);
    expect(due(inv(), '2025-11-16', { ...EDITION, reminderDays: [] })).toBe(false);
    expect(due(inv(), '2025-11-30', { ...EDITION, reminderDays: [0] })).toBe(true);
  });

  it('returns only the due ones of a list', () => {
    const list = [inv({ id: 1 }), inv({ id: 2, submitted: true }), inv({ id: 3, remindersSent: 1, lastReminderAt: at('2025-11-16T08:00:00Z') }), inv({ id: 4 })];
    expect(remindersDue(EDITION, list, '2025-11-17').map((i) => i.id)).toEqual([1, 4]);
  });
});

// ---------------------------------------------------------------------------------------
// The job (real database)

let t: TestApp;
let edition: Edition;
let closed: Edition;
const ids: Record<string, number> = {};

async function invite(e: Edition, code: string, email: string) {
  const r = await addInvitation(t.db, t.ctx.cipher, { label: 'test' }, e.id, { contactEmail: email, codes: [code] });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.id;
}

beforeAll(async () => {
  t = await createTestApp();
  await seedReference(t.db);
  edition = await createSmallEdition(t.db, { year: 2030, opensOn: '2030-10-01', closesOn: '2030-11-30', reminderDays: [14, 7, 2] });
  closed = await createSmallEdition(t.db, { year: 2031, opensOn: '2030-10-01', closesOn: '2030-11-30', reminderDays: [14, 7, 2] });
  ids.plain = await invite(edition, 'GM0363', 'plain@example.nl');
  ids.started = await invite(edition, 'GM0344', 'started@example.nl');
  ids.submitted = await invite(edition, 'GM0599', 'submitted@example.nl');
  ids.optedOut = await invite(edition, 'GM0014', 'optedout@example.nl');
  ids.revoked = await invite(edition, 'GM0080', 'revoked@example.nl');
  ids.unsent = await invite(edition, 'GM0106', 'unsent@example.nl');
  ids.closed = await invite(closed, 'GM0363', 'closed@example.nl');
  const sentAt = new Date('2030-10-01T08:00:00Z');
  await t.db
    .update(benchmarkInvitations)
    .set({ sentAt })
    .where(inArray(benchmarkInvitations.id, [ids.plain, ids.started, ids.submitted, ids.optedOut, ids.revoked, ids.closed]));
  await t.db.update(benchmarkInvitations).set({ optedOutAt: new Date('2030-10-02T08:00:00Z') }).where(eq(benchmarkInvitations.id, ids.optedOut));
  await t.db.update(benchmarkInvitations).set({ revokedAt: new Date('2030-10-02T08:00:00Z') }).where(eq(benchmarkInvitations.id, ids.revoked));
  await t.db.transaction(async (tx) => {
    await createResponse(tx as unknown as Db, { editionId: edition.id, invitationId: ids.started, municipalityIds: [await municipalityId(t.db, 'GM0344')] });
    await createResponse(tx as unknown as Db, { editionId: edition.id, invitationId: ids.submitted, municipalityIds: [await municipalityId(t.db, 'GM0599')], status: 'submitted', submittedAt: new Date() });
  });
  // The second edition closes early: no reminders for it.
  await t.db.update(benchmarkEditions).set({ status: 'closed' }).where(eq(benchmarkEditions.id, closed.id));
});
afterAll(async () => t.close());

const reminders = async () => t.db.select().from(outbox).where(eq(outbox.kind, 'benchmark_reminder')).orderBy(asc(outbox.id));
const runOn = (iso: string) => sendDueReminders(t.db, mailDeps(t.ctx), new Date(iso));

describe('the reminders job', () => {
  it('sends only the due reminders, on the schedule, once per point', async () => {
    expect(await runOn('2030-11-15T08:00:00Z')).toEqual({ sent: 0 });
    expect(await runOn('2030-11-16T08:00:00Z')).toEqual({ sent: 2 });
    let mails = await reminders();
    expect(mails.map((m) => m.toAddress).sort()).toEqual(['plain@example.nl', 'started@example.nl']);
    const plain = mails.find((m) => m.toAddress === 'plain@example.nl')!;
    const [row] = await t.db.select().from(benchmarkInvitations).where(eq(benchmarkInvitations.id, ids.plain));
    expect(plain.textBody).toContain(invitationLink('http://localhost:3000', t.ctx.cipher.decrypt(row!.tokenEncrypted)));
    expect(plain.textBody).toContain('/afmelden');
    expect(plain.textBody).toContain('tot en met 30 november 2030');
    expect(plain.textBody).toContain('helpdesk@eentegeneenzaamheid.example');
    expect(plain.subject).toContain('Herinnering');
    expect(row).toMatchObject({ remindersSent: 1, lastReminderAt: new Date('2030-11-16T08:00:00Z') });
    // The same day again (a retry, a second instance) and the following days: nothing.
    expect(await runOn('2030-11-16T15:00:00Z')).toEqual({ sent: 0 });
    expect(await runOn('2030-11-17T08:00:00Z')).toEqual({ sent: 0 });
    expect(await runOn('2030-11-23T08:00:00Z')).toEqual({ sent: 2 });
    mails = await reminders();
    expect(mails).toHaveLength(4);
    expect(mails.some((m) => /submitted|optedout|revoked|unsent|closed/.test(m.toAddress))).toBe(false);
  });

  it('stops after opting out through the link', async () => {
    const [row] = await t.db.select().from(benchmarkInvitations).where(eq(benchmarkInvitations.id, ids.started));
    const token = t.ctx.cipher.decrypt(row!.tokenEncrypted);
    // The link works for opting out even though the edition's dates lie in the future.
    const c = new TestClient(t.app);
    expect((await c.get(`/vragenlijst/${token}/afmelden`)).statusCode).toBe(200);
    expect((await c.post(`/vragenlijst/${token}/afmelden`)).statusCode).toBe(303);
    expect(await runOn('2030-11-28T08:00:00Z')).toEqual({ sent: 1 });
    const mails = await reminders();
    expect(mails.at(-1)!.toAddress).toBe('plain@example.nl');
    expect(await runOn('2030-12-01T08:00:00Z')).toEqual({ sent: 0 }); // closed by date
  });
});

describe('the job registration', () => {
  it('schedules benchmark-reminders daily at 09:00 Amsterdam time when the runtime starts the jobs', async () => {
    const { openRuntime } = await import('../../runtime.js');
    const { testConfig } = await import('../../../test/helpers/app.js');
    const rt = await openRuntime(testConfig({ DATABASE_URL: t.database.url }), { jobs: true, log: { info: () => undefined, error: () => undefined } });
    try {
      const r = await t.db.execute<{ cron: string; timezone: string }>(sql`select cron, timezone from pgboss.schedule where name = ${BENCHMARK_REMINDERS_JOB}`);
      expect(r.rows).toEqual([{ cron: BENCHMARK_REMINDERS_CRON, timezone: 'Europe/Amsterdam' }]);
      expect(BENCHMARK_REMINDERS_CRON).toBe('0 9 * * *');
    } finally {
      await rt.close();
    }
  });
});
