import { and, asc, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/index.js';
import { audit, type AuditContext } from '../../platform/audit.js';
import { dispatchMail, queueMail } from '../../platform/mail/outbox.js';
import { benchmarkEditions, benchmarkInvitations, benchmarkResponses } from './schema.js';
import { amsterdamDate } from './links.js';
import { getEdition, type Edition } from './service.js';
import { nlDate } from '../registry/ui.js';
import { InvitationRuleError, joinNames, membersOf, reminderMail, sendingProblem, type MailDeps } from './invitations-service.js';

/**
 * Reminders to those who have not finished the questionnaire.
 *
 * The schedule is `reminder_days` of the edition: days before the closing date (e.g. 14, 7, 2).
 * A point of the schedule counts for an invitation once it is reached (today, Amsterdam time)
 * and lies after the day the invitation was sent (no reminder on the day of the invitation, and
 * an invitation sent late does not collect the points before it). An invitation is due when
 * - the edition is open today (status open, between opening and closing date);
 * - it was sent, is not revoked, not opted out, and its response is not submitted;
 * - it has had fewer reminders than points counted, and none since the latest point counted
 *   (so a job that missed a few days sends one reminder, not one per missed point, and never
 *   two on one day).
 * A reminder sent with the "send now" button counts as one of the reminders.
 */

export const BENCHMARK_REMINDERS_JOB = 'benchmark-reminders';
/** Every day at 09:00 (the job queue schedules in Europe/Amsterdam). */
export const BENCHMARK_REMINDERS_CRON = '0 9 * * *';

export interface ReminderEdition {
  status: string;
  opensOn: string | null;
  closesOn: string | null;
  reminderDays: number[];
}

export interface ReminderCandidate {
  sentAt: Date | null;
  remindersSent: number;
  lastReminderAt: Date | null;
  optedOutAt: Date | null;
  revokedAt: Date | null;
  /** The response was submitted (finished). */
  submitted: boolean;
}

/** YYYY-MM-DD minus a number of days. */
export function minusDays(isoDate: string, days: number): string {
  const d = new Date(`${isoDate}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - days);
  return d.toISOString().slice(0, 10);
}

/** The dates of the schedule, oldest first. */
export function reminderPoints(closesOn: string, days: number[]): string[] {
  return [...new Set(days.filter((d) => Number.isInteger(d) && d >= 0).map((d) => minusDays(closesOn, d)))].sort();
}

/** "14, 7 en 2 dagen voor de sluitdatum (3, 10 en 15 december 2025)", for the admin pages. */
export function reminderPointsText(e: ReminderEdition): string {
  const days = [...new Set(e.reminderDays.filter((d) => Number.isInteger(d) && d >= 0))].sort((a, b) => b - a);
  if (!days.length) return 'Geen';
  const when = joinNames(days.map(String));
  if (!e.closesOn) return `${when} ${days.length === 1 && days[0] === 1 ? 'dag' : 'dagen'} voor de sluitdatum (er is nog geen sluitdatum)`;
  return `${when} ${days.length === 1 && days[0] === 1 ? 'dag' : 'dagen'} voor de sluitdatum: ${joinNames(reminderPoints(e.closesOn, days).map((p) => nlDate(p) ?? p))}`;
}

function editionOpenOn(e: ReminderEdition, today: string): boolean {
  return e.status === 'open' && !!e.closesOn && (!e.opensOn || today >= e.opensOn) && today <= e.closesOn;
}

/** Whether a contact who has not finished may get a reminder at all (the exclusions shared by the schedule and the button). */
export function remindable(inv: ReminderCandidate, today: string): boolean {
  return !!inv.sentAt && !inv.revokedAt && !inv.optedOutAt && !inv.submitted && (!inv.lastReminderAt || amsterdamDate(inv.lastReminderAt) < today);
}

/** The invitations that get a scheduled reminder today (YYYY-MM-DD, Amsterdam). Pure. */
export function remindersDue<T extends ReminderCandidate>(edition: ReminderEdition, invitations: T[], today: string): T[] {
  if (!editionOpenOn(edition, today)) return [];
  const points = reminderPoints(edition.closesOn!, edition.reminderDays).filter((p) => p <= today);
  if (!points.length) return [];
  return invitations.filter((inv) => {
    if (!remindable(inv, today)) return false;
    const sentOn = amsterdamDate(inv.sentAt!);
    const counted = points.filter((p) => p > sentOn);
    if (!counted.length || inv.remindersSent >= counted.length) return false;
    return !inv.lastReminderAt || amsterdamDate(inv.lastReminderAt) < counted.at(-1)!;
  });
}

/** Invitations of an edition that could get a reminder, locked for the sending transaction. */
async function lockCandidates(tx: Db, editionId: number) {
  return tx
    .select({
      id: benchmarkInvitations.id,
      contactName: benchmarkInvitations.contactName,
      contactEmail: benchmarkInvitations.contactEmail,
      tokenEncrypted: benchmarkInvitations.tokenEncrypted,
      sentAt: benchmarkInvitations.sentAt,
      remindersSent: benchmarkInvitations.remindersSent,
      lastReminderAt: benchmarkInvitations.lastReminderAt,
      optedOutAt: benchmarkInvitations.optedOutAt,
      revokedAt: benchmarkInvitations.revokedAt,
      responseStatus: benchmarkResponses.status,
    })
    .from(benchmarkInvitations)
    .leftJoin(benchmarkResponses, eq(benchmarkResponses.invitationId, benchmarkInvitations.id))
    .where(
      and(
        eq(benchmarkInvitations.editionId, editionId),
        isNotNull(benchmarkInvitations.sentAt),
        isNull(benchmarkInvitations.revokedAt),
        isNull(benchmarkInvitations.optedOutAt),
        sql`${benchmarkResponses.status} is distinct from 'submitted'`,
      ),
    )
    .orderBy(asc(benchmarkInvitations.id))
    .for('update', { of: benchmarkInvitations, skipLocked: true })
    .then((rows) => rows.map((r) => ({ ...r, submitted: r.responseStatus === 'submitted' })));
}

/**
 * Sends reminders to the invitations `pick` selects, in one transaction (rows locked, so a
 * second run at the same time skips them), then hands the mails to the job queue.
 */
async function sendReminders(
  db: Db,
  deps: MailDeps,
  ctx: AuditContext,
  edition: Edition,
  pick: (rows: Awaited<ReturnType<typeof lockCandidates>>) => Awaited<ReturnType<typeof lockCandidates>>,
  trigger: 'schedule' | 'manual',
  now: Date,
): Promise<{ sent: number; skipped: number }> {
  const result = await db.transaction(async (t) => {
    const tx = t as unknown as Db;
    const candidates = await lockCandidates(tx, edition.id);
    const chosen = pick(candidates);
    const members = await membersOf(tx, chosen.map((r) => r.id));
    const mailIds: number[] = [];
    for (const r of chosen) {
      const mail = reminderMail(deps, edition, { ...r, municipalities: members.get(r.id) ?? [], started: r.responseStatus != null });
      mailIds.push(await queueMail(tx, null, { to: r.contactEmail, kind: 'benchmark_reminder', ...mail }, deps.helpdeskEmail));
      await tx
        .update(benchmarkInvitations)
        .set({ remindersSent: sql`${benchmarkInvitations.remindersSent} + 1`, lastReminderAt: now })
        .where(eq(benchmarkInvitations.id, r.id));
    }
    if (chosen.length) await audit(tx, ctx, { action: 'invite', entity: 'benchmark_reminder', details: { editionId: edition.id, trigger, sent: chosen.length, ids: chosen.map((r) => r.id) } });
    return { mailIds, skipped: candidates.length - chosen.length };
  });
  for (const id of result.mailIds) await dispatchMail(deps.jobs, id);
  return { sent: result.mailIds.length, skipped: result.skipped };
}

/** The daily job: scheduled reminders of every open edition. */
export async function sendDueReminders(db: Db, deps: MailDeps, now = new Date()): Promise<{ sent: number }> {
  const today = amsterdamDate(now);
  const editions = await db
    .select()
    .from(benchmarkEditions)
    .where(and(eq(benchmarkEditions.status, 'open'), eq(benchmarkEditions.imported, false), isNull(benchmarkEditions.deletedAt)));
  let sent = 0;
  for (const e of editions) {
    if (!editionOpenOn(e, today)) continue;
    const r = await sendReminders(db, deps, { label: 'systeem (herinneringen)' }, e, (rows) => remindersDue(e, rows, today), 'schedule', now);
    sent += r.sent;
  }
  return { sent };
}

/**
 * "Herinnering nu versturen": a reminder to everyone of the edition who has not finished, with
 * the same exclusions as the schedule (revoked, opted out, never sent, submitted) and not to
 * anyone who already had a reminder today.
 */
export async function sendRemindersNow(db: Db, deps: MailDeps, ctx: AuditContext, editionId: number, now = new Date()): Promise<{ sent: number; skipped: number }> {
  const edition = await getEdition(db, editionId);
  if (!edition) throw new InvitationRuleError('Deze meting bestaat niet (meer).');
  const problem = sendingProblem(edition, now);
  if (problem) throw new InvitationRuleError(problem);
  const today = amsterdamDate(now);
  return sendReminders(db, deps, ctx, edition, (rows) => rows.filter((r) => remindable(r, today)), 'manual', now);
}
