import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/index.js';
import type { Jobs } from '../../platform/jobs.js';
import { dispatchMail, queueMail } from '../../platform/mail/outbox.js';
import { systemState, userRoles, users } from '../../platform/db/schema.js';
import { amsterdamDate, endOfAmsterdamDay, isWorkingDay } from '../../platform/time.js';
import { organisations } from '../registry/schema.js';
import { signalPoints, signals } from './schema.js';
import { OPEN_STATUSES } from './model.js';
import { overdueSql } from './handling-service.js';

/**
 * The daily digest of a handling organisation (issue 4, point 4): on working days (no weekends,
 * no Dutch public holidays) every organisation with an active signal point gets one mail with
 * the number of new unassigned signals, overdue signals and signals due today, and a link to the
 * inbox filtered on overdue. It goes to the organisation's active signal coordinators and to the
 * digest address of its signal points. No personal data, no references. Nothing is sent to an
 * organisation whose counts are all 0, and nothing twice on one day (a retried job).
 */

export const SIGNAL_DIGEST_JOB = 'signal-digest';
/** 08:00 Monday to Friday (the job queue schedules in Europe/Amsterdam); holidays are skipped in sendDigests. */
export const SIGNAL_DIGEST_CRON = '0 8 * * 1-5';
export const DIGEST_MAIL_KIND = 'signal_digest';

export interface DigestDeps {
  jobs: Jobs | null;
  helpdeskEmail: string;
  baseUrl: string;
}

export interface DigestCounts {
  unassigned: number;
  overdue: number;
  dueToday: number;
}

export interface DigestResult {
  /** False on a weekend or public holiday. */
  workingDay: boolean;
  /** Organisations mailed today. */
  sent: { organisationId: number; recipients: string[]; counts: DigestCounts }[];
}

/** The counts of one organisation at `now`. */
export async function digestCounts(db: Db, organisationId: number, now: Date): Promise<DigestCounts> {
  const endOfToday = endOfAmsterdamDay(amsterdamDate(now));
  const open = sql.join(
    OPEN_STATUSES.map((s) => sql`${s}`),
    sql`, `,
  );
  const [r] = (
    await db.execute<{ unassigned: number; overdue: number; due_today: number }>(sql`
      select count(*) filter (where ${signals.status} = 'new' and ${signals.assignedUserId} is null)::int as unassigned,
             count(*) filter (where ${overdueSql(now)})::int as overdue,
             count(*) filter (where ${signals.status} in (${open}) and ${signals.firstContactAt} is null
                                and ${signals.dueAt} >= ${now} and ${signals.dueAt} <= ${endOfToday})::int as due_today
        from ${signals}
       where ${signals.organisationId} = ${organisationId} and ${signals.status} in (${open})`)
  ).rows;
  return { unassigned: r?.unassigned ?? 0, overdue: r?.overdue ?? 0, dueToday: r?.due_today ?? 0 };
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** The digest mail's text. Pure. */
export function digestMail(orgName: string, c: DigestCounts, link: string): { subject: string; text: string } {
  return {
    subject: `Signaalpunt ${orgName}: ${plural(c.overdue, 'signaal', 'signalen')} te laat, ${c.unassigned} nieuw`,
    text: [
      `Goedemorgen,`,
      '',
      `Dit is het dagelijkse overzicht van de signalen van ${orgName}:`,
      '',
      `- Nieuw en nog niet toegewezen: ${c.unassigned}`,
      `- Te laat (nog geen eerste contact en de termijn is verstreken): ${c.overdue}`,
      `- Vandaag uiterlijk eerste contact: ${c.dueToday}`,
      '',
      `Bekijk de signalen die te laat zijn:`,
      link,
      '',
      'Deze e-mail bevat bewust geen gegevens over personen.',
    ].join('\n'),
  };
}

const stateKey = (organisationId: number) => `signals.digest.${organisationId}`;

/**
 * Sends today's digests. Organisations are those with an active signal point; recipients are
 * their active signal coordinators and the points' digest addresses (deduplicated, case-insensitive).
 */
export async function sendDigests(db: Db, deps: DigestDeps, now: Date): Promise<DigestResult> {
  const today = amsterdamDate(now);
  if (!isWorkingDay(today)) return { workingDay: false, sent: [] };
  const orgs = await db
    .selectDistinct({ id: organisations.id, name: organisations.name })
    .from(signalPoints)
    .innerJoin(organisations, and(eq(organisations.id, signalPoints.organisationId), isNull(organisations.deletedAt)))
    .where(eq(signalPoints.active, true));
  const sent: DigestResult['sent'] = [];
  for (const org of orgs) {
    const counts = await digestCounts(db, org.id, now);
    if (counts.unassigned + counts.overdue + counts.dueToday === 0) continue;
    const mailed = await db.transaction(async (tx) => {
      // One digest per organisation per day, also when the job runs twice.
      const [state] = await tx.select({ value: systemState.value }).from(systemState).where(eq(systemState.key, stateKey(org.id))).for('update');
      if ((state?.value as { day?: string } | undefined)?.day === today) return null;
      const [coordinators, points] = await Promise.all([
        tx
          .selectDistinct({ email: users.email })
          .from(users)
          .innerJoin(userRoles, eq(userRoles.userId, users.id))
          .where(and(eq(users.active, true), eq(userRoles.role, 'signal_coordinator'), eq(userRoles.organisationId, org.id))),
        tx
          .select({ email: signalPoints.digestEmail })
          .from(signalPoints)
          .where(and(eq(signalPoints.organisationId, org.id), eq(signalPoints.active, true), sql`${signalPoints.digestEmail} is not null`)),
      ]);
      const recipients = new Map<string, string>();
      for (const e of [...coordinators.map((c) => c.email), ...points.map((p) => p.email!)]) {
        const clean = e.trim();
        if (clean) recipients.set(clean.toLowerCase(), clean);
      }
      if (!recipients.size) return null;
      const link = `${deps.baseUrl.replace(/\/$/, '')}/signalen?organisatie=${org.id}&status=open&te-laat=1`;
      const mail = digestMail(org.name, counts, link);
      const ids: number[] = [];
      for (const to of recipients.values()) ids.push(await queueMail(tx, null, { to, subject: mail.subject, text: mail.text, kind: DIGEST_MAIL_KIND }, deps.helpdeskEmail));
      await tx
        .insert(systemState)
        .values({ key: stateKey(org.id), value: { day: today } })
        .onConflictDoUpdate({ target: systemState.key, set: { value: { day: today }, updatedAt: new Date() } });
      return { ids, recipients: [...recipients.values()] };
    });
    if (!mailed) continue;
    for (const id of mailed.ids) await dispatchMail(deps.jobs, id);
    sent.push({ organisationId: org.id, recipients: mailed.recipients, counts });
  }
  return { workingDay: true, sent };
}
