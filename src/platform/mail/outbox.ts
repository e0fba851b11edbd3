import { ne, and, desc, eq, ilike, lt, sql, type SQL } from 'drizzle-orm';
import nodemailer from 'nodemailer';
import type { Db } from '../db/index.js';
import { outbox } from '../db/schema.js';
import type { Jobs } from '../jobs.js';

export const MAIL_JOB = 'mail-deliver';
export const MAIL_SWEEP_JOB = 'mail-sweep';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  kind: string;
}

/**
 * Puts a mail in the outbox and asks the job queue to deliver it.
 *
 * Inside a transaction, pass `null` as `jobs` and call `dispatchMail` after the commit: a job
 * sent during the transaction could be picked up before the row is visible to the worker.
 */
export async function queueMail(db: Db, jobs: Jobs | null, msg: MailMessage, helpdesk: string): Promise<number> {
  const text = `${msg.text.trimEnd()}\n\n--\nVragen? Mail de helpdesk van Eén tegen eenzaamheid: ${helpdesk}\n`;
  const [row] = await db
    .insert(outbox)
    .values({ toAddress: msg.to, subject: msg.subject, textBody: text, kind: msg.kind })
    .returning({ id: outbox.id });
  await dispatchMail(jobs, row.id);
  return row.id;
}

/** Asks the job queue to deliver an outbox row. When the queue is down, the sweep picks it up later. */
export async function dispatchMail(jobs: Jobs | null, id: number): Promise<void> {
  if (jobs) await jobs.send(MAIL_JOB, { id }).catch(() => undefined);
}

/** Replaces the token of invitation, password-reset and personal questionnaire (benchmark) links. */
export function redactOneTimeLinks(text: string): string {
  return text.replace(/\/(uitnodiging|wachtwoord-herstellen|vragenlijst)\/[A-Za-z0-9_-]+/g, '/$1/[link verwijderd na verzending]');
}

export interface Mailer {
  deliver(id: number): Promise<void>;
}

/**
 * Delivers one outbox row. With SMTP configured it is sent through nodemailer; without
 * (demo), it is marked "stored": admins read it in the outbox screen.
 */
export function createMailer(db: Db, opts: { smtpUrl?: string; from: string }): Mailer {
  const transport = opts.smtpUrl ? nodemailer.createTransport(opts.smtpUrl) : null;
  return {
    async deliver(id) {
      // The row is locked while it is sent (FOR UPDATE SKIP LOCKED): a second job for the same
      // mail (the sweep, or another instance) waits its turn or skips it, so it is sent once.
      let failure: Error | null = null;
      await db.transaction(async (tx) => {
        const [m] = await tx.select().from(outbox).where(eq(outbox.id, id)).for('update', { skipLocked: true });
        if (!m || m.status === 'sent' || m.status === 'stored') return;
        if (!transport) {
          await tx.update(outbox).set({ status: 'stored', attempts: m.attempts + 1 }).where(eq(outbox.id, id));
          return;
        }
        try {
          await transport.sendMail({ from: opts.from, to: m.toAddress, subject: m.subject, text: m.textBody });
          // One-time links are secrets: once delivered, the copy in the outbox loses them, so a
          // database dump or an admin reading the outbox cannot take over an account.
          await tx
            .update(outbox)
            .set({ status: 'sent', sentAt: new Date(), attempts: m.attempts + 1, lastError: null, textBody: redactOneTimeLinks(m.textBody) })
            .where(eq(outbox.id, id));
        } catch (e) {
          failure = e as Error;
          await tx
            .update(outbox)
            .set({ status: 'failed', attempts: m.attempts + 1, lastError: String(failure.message).slice(0, 500) })
            .where(eq(outbox.id, id));
        }
      });
      if (failure) throw failure; // pg-boss retries with backoff
    },
  };
}

/** Re-queues mails that never got a job (queue down at the time) or whose last try failed. */
export async function sweepOutbox(db: Db, jobs: Jobs): Promise<number> {
  const stuck = await db
    .select({ id: outbox.id })
    .from(outbox)
    .where(and(sql`${outbox.status} in ('queued','failed')`, lt(outbox.createdAt, new Date(Date.now() - 5 * 60_000)), lt(outbox.attempts, 10)))
    .limit(100);
  for (const s of stuck) await jobs.send(MAIL_JOB, { id: s.id });
  return stuck.length;
}

export async function listOutbox(db: Db, f: { to?: string; status?: string }, page: number, pageSize: number) {
  const where: SQL[] = [];
  // A search by address never finds feedback mails to signallers: whether someone passed on a
  // signal is not the programme team's business (their recipients are masked on screen too).
  if (f.to) where.push(ilike(outbox.toAddress, `%${f.to}%`), ne(outbox.kind, 'signal_feedback'));
  if (f.status) where.push(eq(outbox.status, f.status));
  const cond = where.length ? and(...where) : undefined;
  const [rows, [{ count }]] = await Promise.all([
    db.select().from(outbox).where(cond).orderBy(desc(outbox.id)).limit(pageSize).offset((page - 1) * pageSize),
    db.select({ count: sql<number>`count(*)::int` }).from(outbox).where(cond),
  ]);
  return { rows, total: count };
}

export async function getOutboxMail(db: Db, id: number) {
  const [m] = await db.select().from(outbox).where(eq(outbox.id, id));
  return m ?? null;
}
