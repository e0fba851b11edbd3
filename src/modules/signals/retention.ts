import { and, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/index.js';
import { audit, type AuditContext } from '../../platform/audit.js';
import { outbox } from '../../platform/db/schema.js';
import { signalEvents, signals } from './schema.js';
import { OPEN_STATUSES } from './model.js';
import { FEEDBACK_MAIL_KIND } from './feedback.js';

/**
 * Retention (DESIGN §7): the personal data of a closed signal is removed a term after closing —
 * the signal point's `retention_months` (default 6), or SIGNAL_RETENTION_MONTHS when the
 * signal has no signal point (any more). What stays are the anonymous columns the statistics
 * use: dates, municipality, neighbourhood, signaller type, signs, age group, kind, channel,
 * status and outcome (its code; the free-text activity goes). The signaller's address also goes
 * from the outbox's copies of the feedback mail. Open signals are never removed; long-open ones
 * are reported instead.
 */

export const RETENTION_JOB = 'signals-retention';
/** Daily at 03:30 Amsterdam time. */
export const RETENTION_CRON = '30 3 * * *';
export const DEFAULT_RETENTION_MONTHS = 6;
/** An open or unrouted signal older than this is reported by the retention run, so someone looks at it. */
export const STALE_OPEN_MONTHS = 12;
/** Signals per transaction: a large backlog never holds locks for long. */
export const RETENTION_BATCH = 500;
/** At most this many signal ids are named in the audit entry of one run (the count is always complete). */
const AUDIT_ID_LIMIT = 1000;

export interface RetentionSummary {
  /** Signals whose personal data was removed in this run. */
  removed: number;
  /** Their ids (at most 1000; `removed` is the full count). */
  signalIds: number[];
  /** Signals still open (routed) received more than STALE_OPEN_MONTHS ago. */
  staleOpen: number;
  /** Signals still in the unrouted queue received more than STALE_OPEN_MONTHS ago. */
  staleUnrouted: number;
}

/** The recipient of a feedback mail in the outbox once the signal's personal data is gone (retention). */
export const RETENTION_REMOVED_ADDRESS = 'verwijderd@bewaartermijn.invalid';
/** The same after an erasure on request (rights request). */
export const ERASED_ADDRESS = 'verwijderd@privacyverzoek.invalid';

/**
 * Replaces the signaller's address in the outbox's copies of the feedback mails of these signals
 * by `address`. A feedback mail names its signal's reference in the subject, "(SGN-…)" (see
 * feedbackMail), which is how they are found. A mail that went out keeps its status (the
 * programme team still sees that it was sent); one not yet delivered is cancelled ('stored' is
 * never sent), as it has no recipient any more. Returns the number of mails changed.
 */
export async function blankFeedbackRecipients(tx: Db, ids: number[], address: string, reason: string): Promise<number> {
  if (!ids.length) return 0;
  const fed = await tx
    .select({ reference: signals.reference })
    .from(signals)
    .where(and(inArray(signals.id, ids), isNotNull(signals.feedbackSentAt)));
  if (!fed.length) return 0;
  const marks = sql.join(
    fed.map((f) => sql`${`(${f.reference})`}`),
    sql`, `,
  );
  const changed = await tx
    .update(outbox)
    .set({
      toAddress: address,
      status: sql`case when ${outbox.status} in ('sent', 'stored') then ${outbox.status} else 'stored' end`,
      lastError: sql`case when ${outbox.status} in ('sent', 'stored') then ${outbox.lastError} else ${`Niet verzonden: ${reason}`} end`,
    })
    .where(
      and(
        eq(outbox.kind, FEEDBACK_MAIL_KIND),
        sql`${outbox.toAddress} not like '%.invalid'`, // blanked before (retention or an erasure)
        sql`exists (select 1 from unnest(array[${marks}]::text[]) m(v) where strpos(${outbox.subject}, m.v) > 0)`,
      ),
    )
    .returning({ id: outbox.id });
  return changed.length;
}

/**
 * Empties every personal field of the given signals (also the free-text activity of the outcome,
 * which may name someone) and the free text of their log, blanks the signaller's address in the
 * outbox's feedback mails, and adds a 'personal_data_removed' event with `code` (why: 'retention',
 * 'erase'). The caller runs it inside a transaction and has locked the rows.
 */
export async function clearSignalPersonalData(tx: Db, ids: number[], now: Date, code: string, userId: number | null = null): Promise<void> {
  if (!ids.length) return;
  await tx
    .update(signals)
    // The request hash is a keyed hash of the signal's content: it goes too (a retry this late is no retry).
    .set({ personEnc: null, signallerEnc: null, storyEnc: null, addressKey: null, signallerKey: null, outcomeActivity: null, requestHash: null, personalDataRemovedAt: now, updatedAt: now })
    .where(inArray(signals.id, ids));
  await blankFeedbackRecipients(
    tx,
    ids,
    code === 'retention' ? RETENTION_REMOVED_ADDRESS : ERASED_ADDRESS,
    code === 'retention' ? 'bewaartermijn verstreken' : 'persoonsgegevens verwijderd op privacyverzoek',
  );
  await tx
    .update(signalEvents)
    .set({ textEnc: null })
    .where(and(inArray(signalEvents.signalId, ids), isNotNull(signalEvents.textEnc)));
  await tx.insert(signalEvents).values(ids.map((signalId) => ({ signalId, at: now, userId, kind: 'personal_data_removed', code })));
}

/**
 * Removes the personal data of every closed or duplicate signal whose term has passed at `now`,
 * in batches of RETENTION_BATCH (each its own transaction, rows locked with SKIP LOCKED so a
 * handler's open transaction is never waited for: such a row is done on the next run).
 * A duplicate's term runs from its closed_at, or from its last change when it has none.
 * Writes one 'retention' audit entry per run, also when nothing was removed (proof the job ran).
 */
export async function removePersonalData(
  db: Db,
  now: Date,
  opts: { defaultMonths?: number; batchSize?: number; audit?: AuditContext } = {},
): Promise<RetentionSummary> {
  const months = opts.defaultMonths ?? DEFAULT_RETENTION_MONTHS;
  const batchSize = opts.batchSize ?? RETENTION_BATCH;
  const ids: number[] = [];
  let removed = 0;
  // Keyset pagination: each batch starts after the last id of the one before, so a large
  // backlog is read once, not rescanned from the start for every batch.
  let lastId = 0;
  for (;;) {
    const batch = await db.transaction(async (tx) => {
      const due = await tx.execute<{ id: string }>(sql`
        select s.id from signals s
        left join signal_points p on p.id = s.signal_point_id
        where s.id > ${lastId}
          and s.status in ('closed', 'duplicate')
          and s.personal_data_removed_at is null
          and coalesce(s.closed_at, s.updated_at) + make_interval(months => coalesce(p.retention_months, ${months}::int)) < ${now.toISOString()}::timestamptz
        order by s.id
        limit ${batchSize}
        for update of s skip locked`);
      const batchIds = due.rows.map((r) => Number(r.id));
      await clearSignalPersonalData(tx, batchIds, now, 'retention');
      return batchIds;
    });
    removed += batch.length;
    if (batch.length) lastId = batch[batch.length - 1]!;
    for (const id of batch) if (ids.length < AUDIT_ID_LIMIT) ids.push(id);
    if (batch.length < batchSize) break;
  }
  const open = OPEN_STATUSES as readonly string[];
  const stale = await db.execute<{ open: number; unrouted: number }>(sql`
    select count(*) filter (where signal_point_id is not null)::int as open,
           count(*) filter (where signal_point_id is null)::int as unrouted
    from signals
    where status in (${sql.join(
      open.map((s) => sql`${s}`),
      sql`, `,
    )})
      and received_at < ${now.toISOString()}::timestamptz - make_interval(months => ${STALE_OPEN_MONTHS}::int)`);
  const summary: RetentionSummary = { removed, signalIds: ids, staleOpen: stale.rows[0]!.open, staleUnrouted: stale.rows[0]!.unrouted };
  await audit(db, opts.audit ?? { label: `taak ${RETENTION_JOB}` }, {
    action: 'retention',
    entity: 'signal',
    details: {
      removed,
      signalIds: ids,
      ...(removed > ids.length ? { signalIdsTruncated: true } : {}),
      defaultMonths: months,
      staleOpen: summary.staleOpen,
      staleUnrouted: summary.staleUnrouted,
      now: now.toISOString(),
    },
  });
  return summary;
}

/** One line for the job log and the CLI (no personal data, no ids). */
export function retentionLine(s: RetentionSummary): string {
  const parts = [`persoonsgegevens verwijderd van ${s.removed} ${s.removed === 1 ? 'signaal' : 'signalen'}`];
  if (s.staleOpen || s.staleUnrouted) {
    parts.push(
      `let op: ${s.staleOpen} ${s.staleOpen === 1 ? 'signaal staat' : 'signalen staan'} langer dan ${STALE_OPEN_MONTHS} maanden open en ${s.staleUnrouted} ${s.staleUnrouted === 1 ? 'wacht' : 'wachten'} langer dan ${STALE_OPEN_MONTHS} maanden op routering: bekijk ze (open signalen worden nooit automatisch verwijderd)`,
    );
  } else parts.push(`geen signalen langer dan ${STALE_OPEN_MONTHS} maanden open of ongerouteerd`);
  return `Bewaartermijn signalen: ${parts.join('; ')}.`;
}
