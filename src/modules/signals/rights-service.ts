import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/index.js';
import type { FieldCipher } from '../../platform/crypto.js';
import { audit, type AuditContext } from '../../platform/audit.js';
import { outbox } from '../../platform/db/schema.js';
import { municipalities, neighbourhoods, organisations } from '../registry/schema.js';
import { signalEvents, signals } from './schema.js';
import {
  AGE_GROUP_LABELS,
  EVENT_KIND_LABELS,
  ERASED_OUTCOME,
  isOpen,
  outcomeLabel,
  PERSON_KNOWS_LABELS,
  SIGN_LABELS,
  SIGNAL_KIND_LABELS,
  SIGNALLER_TYPE_LABELS,
  STATUS_LABELS,
  type AgeGroup,
  type EventKind,
  type RecordedOutcome,
  type PersonKnows,
  type Sign,
  type SignalKind,
  type SignallerType,
  type SignalStatus,
} from './model.js';
import { addressKey, decryptSignal, decryptText, signallerKey, type PersonData, type SignallerData } from './personal.js';
import { clearSignalPersonalData, ERASED_ADDRESS } from './retention.js';
import { FEEDBACK_MAIL_KIND } from './feedback.js';

/**
 * A data subject's rights request (AVG art. 15 and 17), handled by the programme admin
 * ('signal:privacy'): find the signals of one person, export what is held about them, erase it.
 *
 * A person appears in a signal in one of two roles:
 * - `subject`: the signal is about them — found by their address (blind index address_key),
 *   or for a person who asked for contact for themself (kind 'self') also by their e-mail;
 * - `signaller`: they passed the signal on — found by their e-mail (blind index signaller_key).
 * A reference can be either; the admin says which (a 'self' signal is always the subject's).
 *
 * What each role gets: the subject gets everything about them in the signal — their data, the
 * story, the signs, the handling and the notes — but not who passed it on (only the kind of
 * signaller: a third party's identity is not theirs to have, AVG art. 15(4)). The signaller gets
 * their own contact data and the feedback state only, never anything about the subject.
 *
 * Every search, export and erasure is audit-logged with signal ids and counts only.
 */

export type Role = 'subject' | 'signaller';
export const ROLE_LABELS: Record<Role, string> = { subject: 'Betrokkene (het signaal gaat over deze persoon)', signaller: 'Melder (heeft het signaal doorgegeven)' };

export type RightsQuery =
  | { by: 'address'; postcode: string; houseNumber: number; addition: string | null }
  | { by: 'email'; email: string }
  | { by: 'reference'; reference: string; role: Role };

export interface FoundSignal {
  id: number;
  reference: string;
  receivedAt: Date;
  kind: SignalKind;
  municipality: string | null;
  organisation: string | null;
  status: SignalStatus;
  role: Role;
  personalDataRemovedAt: Date | null;
}

/** At most this many signals per search (far more than one person ever has). */
const FIND_LIMIT = 200;

/** The signals of one person, newest first. Callers audit-log the search (see auditSearch). */
export async function findSignals(db: Db, cipher: FieldCipher, q: RightsQuery): Promise<FoundSignal[]> {
  const where =
    q.by === 'address'
      ? eq(signals.addressKey, addressKey(cipher, q.postcode, q.houseNumber, q.addition))
      : q.by === 'email'
        ? eq(signals.signallerKey, signallerKey(cipher, q.email)!)
        : eq(signals.reference, q.reference);
  const rows = await db
    .select({
      id: signals.id,
      reference: signals.reference,
      receivedAt: signals.receivedAt,
      kind: signals.kind,
      municipality: municipalities.name,
      organisation: organisations.name,
      status: signals.status,
      personalDataRemovedAt: signals.personalDataRemovedAt,
    })
    .from(signals)
    .leftJoin(municipalities, eq(municipalities.id, signals.municipalityId))
    .leftJoin(organisations, eq(organisations.id, signals.organisationId))
    .where(where)
    .orderBy(desc(signals.receivedAt), desc(signals.id))
    .limit(FIND_LIMIT);
  return rows.map((r) => ({
    ...r,
    kind: r.kind as SignalKind,
    status: r.status as SignalStatus,
    // A 'self' signal is always the person's own; an e-mail otherwise finds the signaller.
    role: r.kind === 'self' ? 'subject' : q.by === 'address' ? 'subject' : q.by === 'email' ? 'signaller' : q.role,
  }));
}

/** The audit entry of a search: how it was searched and which signals were found, nothing typed. */
export async function auditSearch(db: Db, ctx: AuditContext, q: RightsQuery, found: FoundSignal[]): Promise<void> {
  await audit(db, ctx, {
    action: 'read_personal',
    entity: 'signal',
    details: { purpose: 'rights_request', searchBy: q.by, found: found.length, signals: found.map((f) => ({ id: f.id, role: f.role })) },
  });
}

/** The found signals among `ids` (what the admin ticked): nothing outside the search can be selected. */
export async function selectSignals(db: Db, cipher: FieldCipher, q: RightsQuery, ids: number[]): Promise<FoundSignal[]> {
  const wanted = new Set(ids);
  return (await findSignals(db, cipher, q)).filter((f) => wanted.has(f.id));
}

// ---------------------------------------------------------------------------------------
// Export

export interface LogEntry {
  at: string;
  kind: EventKind;
  kindLabel: string;
  code: string | null;
  /** The free text of a note or contact attempt, decrypted. */
  text: string | null;
}

export interface SubjectExport {
  role: 'subject';
  reference: string;
  receivedAt: string;
  kind: SignalKind;
  kindLabel: string;
  channel: string;
  municipality: string | null;
  neighbourhood: string | null;
  organisation: string | null;
  status: SignalStatus;
  statusLabel: string;
  outcome: RecordedOutcome | null;
  outcomeLabel: string | null;
  /** The activity of the social map the person was referred to (free text: may name someone). */
  outcomeActivity: string | null;
  closedAt: string | null;
  /** Who passed it on, as a kind only (never the signaller's identity). */
  signallerType: SignallerType;
  signallerTypeLabel: string;
  ageGroup: AgeGroup;
  ageGroupLabel: string;
  signs: { code: Sign; label: string }[];
  personKnows: PersonKnows;
  personKnowsLabel: string;
  person: PersonData | null;
  story: string | null;
  log: LogEntry[];
  personalDataRemovedAt: string | null;
}

export interface SignallerExport {
  role: 'signaller';
  reference: string;
  receivedAt: string;
  channel: string;
  signallerType: SignallerType;
  signallerTypeLabel: string;
  signaller: SignallerData | null;
  feedbackRequested: boolean;
  feedbackSentAt: string | null;
  personalDataRemovedAt: string | null;
}

export interface RightsExport {
  format: 'ete-signal-rights-export/1';
  exportedAt: string;
  controller: string;
  signals: (SubjectExport | SignallerExport)[];
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** Everything held about the person in the selected signals, by role. Decrypts: callers audit it (auditExport). */
export async function buildExport(db: Db, cipher: FieldCipher, selected: FoundSignal[], now: Date): Promise<RightsExport> {
  const ids = selected.map((s) => s.id);
  const rows = ids.length
    ? await db
        .select({ s: signals, municipality: municipalities.name, neighbourhood: neighbourhoods.name, organisation: organisations.name })
        .from(signals)
        .leftJoin(municipalities, eq(municipalities.id, signals.municipalityId))
        .leftJoin(neighbourhoods, eq(neighbourhoods.id, signals.neighbourhoodId))
        .leftJoin(organisations, eq(organisations.id, signals.organisationId))
        .where(inArray(signals.id, ids))
    : [];
  const subjectIds = selected.filter((s) => s.role === 'subject').map((s) => s.id);
  const events = subjectIds.length ? await db.select().from(signalEvents).where(inArray(signalEvents.signalId, subjectIds)).orderBy(asc(signalEvents.at), asc(signalEvents.id)) : [];
  const byId = new Map(rows.map((r) => [r.s.id, r]));
  const out: (SubjectExport | SignallerExport)[] = [];
  for (const f of selected) {
    const r = byId.get(f.id);
    if (!r) continue;
    const s = r.s;
    const type = s.signallerType as SignallerType;
    if (f.role === 'signaller') {
      // Only the signaller's own data: decrypt nothing else.
      const signaller = s.signallerEnc ? (JSON.parse(cipher.decrypt(s.signallerEnc)) as SignallerData) : null;
      out.push({
        role: 'signaller',
        reference: s.reference,
        receivedAt: s.receivedAt.toISOString(),
        channel: s.channel,
        signallerType: type,
        signallerTypeLabel: SIGNALLER_TYPE_LABELS[type] ?? s.signallerType,
        signaller,
        feedbackRequested: s.feedbackRequested,
        feedbackSentAt: iso(s.feedbackSentAt),
        personalDataRemovedAt: iso(s.personalDataRemovedAt),
      });
      continue;
    }
    const d = decryptSignal(cipher, { personEnc: s.personEnc, signallerEnc: null, storyEnc: s.storyEnc });
    const status = s.status as SignalStatus;
    const outcome = s.outcome as RecordedOutcome | null;
    out.push({
      role: 'subject',
      reference: s.reference,
      receivedAt: s.receivedAt.toISOString(),
      kind: s.kind as SignalKind,
      kindLabel: SIGNAL_KIND_LABELS[s.kind as SignalKind] ?? s.kind,
      channel: s.channel,
      municipality: r.municipality,
      neighbourhood: r.neighbourhood,
      organisation: r.organisation,
      status,
      statusLabel: STATUS_LABELS[status] ?? s.status,
      outcome,
      outcomeLabel: outcome ? outcomeLabel(outcome) : null,
      outcomeActivity: s.outcomeActivity,
      closedAt: iso(s.closedAt),
      signallerType: type,
      signallerTypeLabel: SIGNALLER_TYPE_LABELS[type] ?? s.signallerType,
      ageGroup: s.ageGroup as AgeGroup,
      ageGroupLabel: AGE_GROUP_LABELS[s.ageGroup as AgeGroup] ?? s.ageGroup,
      signs: s.signs.map((c) => ({ code: c as Sign, label: SIGN_LABELS[c as Sign] ?? c })),
      personKnows: s.personKnows as PersonKnows,
      personKnowsLabel: PERSON_KNOWS_LABELS[s.personKnows as PersonKnows] ?? s.personKnows,
      person: d.person,
      story: d.story,
      log: events
        .filter((e) => e.signalId === s.id)
        .map((e) => ({
          at: e.at.toISOString(),
          kind: e.kind as EventKind,
          kindLabel: EVENT_KIND_LABELS[e.kind as EventKind] ?? e.kind,
          code: e.code,
          text: decryptText(cipher, e.textEnc),
        })),
      personalDataRemovedAt: iso(s.personalDataRemovedAt),
    });
  }
  return { format: 'ete-signal-rights-export/1', exportedAt: now.toISOString(), controller: 'Ministerie van VWS, programma Eén tegen eenzaamheid', signals: out };
}

export async function auditExport(db: Db, ctx: AuditContext, q: RightsQuery, selected: FoundSignal[], as: 'json' | 'html'): Promise<void> {
  for (const f of selected) {
    await audit(db, ctx, { action: 'export', entity: 'signal', entityId: f.id, details: { purpose: 'rights_request', role: f.role, searchBy: q.by, format: as } });
  }
}

// ---------------------------------------------------------------------------------------
// Erasure

/** Replaces a signaller's address in the outbox's copies of feedback mails after an erasure. */
export { ERASED_ADDRESS };

export interface EraseResult {
  /** Signals whose subject data was removed. */
  subjects: number;
  /** Of those, open signals that were closed with outcome ERASED_OUTCOME ("Gewist op verzoek"). */
  closed: number;
  /** Signals whose signaller data was removed. */
  signallers: number;
}

/**
 * Erases the person's data from the selected signals, in one transaction:
 * - as subject: every personal field of the signal (also the outcome's free-text activity), the
 *   text of its log and the signaller's address in the outbox, like the retention job; an open
 *   signal is first closed with its own outcome ERASED_OUTCOME (not a handler's outcome, so the
 *   outcome statistics are not skewed) and its own event ('personal_data_removed', code
 *   'erased', from its status to closed), so no one keeps working on a signal without a person;
 * - as signaller: only their contact data and blind index, and no feedback any more; their
 *   address is also blanked in the signal point's feedback mails in the outbox.
 * The anonymous columns stay, so the statistics still count the signal.
 */
export async function erasePerson(db: Db, cipher: FieldCipher, selected: FoundSignal[], now: Date, ctx: AuditContext): Promise<EraseResult> {
  const result: EraseResult = { subjects: 0, closed: 0, signallers: 0 };
  const userId = ctx.principal?.kind === 'user' ? ctx.principal.id : null;
  await db.transaction(async (tx) => {
    const ids = selected.map((s) => s.id);
    if (!ids.length) return;
    const rows = await tx
      .select({ id: signals.id, status: signals.status, signallerEnc: signals.signallerEnc, organisationId: signals.organisationId })
      .from(signals)
      .where(inArray(signals.id, ids))
      .for('update');
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const f of selected) {
      const r = byId.get(f.id);
      if (!r) continue;
      if (f.role === 'subject') {
        const wasOpen = isOpen(r.status);
        if (wasOpen) {
          await tx.update(signals).set({ status: 'closed', outcome: ERASED_OUTCOME, closedAt: now, updatedAt: now }).where(eq(signals.id, r.id));
          await tx
            .insert(signalEvents)
            .values({ signalId: r.id, at: now, userId, kind: 'personal_data_removed', fromStatus: r.status, toStatus: 'closed', organisationId: r.organisationId, code: ERASED_OUTCOME });
          result.closed += 1;
        }
        await clearSignalPersonalData(tx, [r.id], now, 'erase', userId);
        result.subjects += 1;
        await audit(tx, ctx, { action: 'erase', entity: 'signal', entityId: r.id, details: { purpose: 'rights_request', role: 'subject', closed: wasOpen, fromStatus: r.status } });
      } else {
        const email = r.signallerEnc ? (JSON.parse(cipher.decrypt(r.signallerEnc)) as SignallerData).email : null;
        await tx.update(signals).set({ signallerEnc: null, signallerKey: null, feedbackRequested: false, updatedAt: now }).where(eq(signals.id, r.id));
        await tx.insert(signalEvents).values({ signalId: r.id, at: now, userId, kind: 'personal_data_removed', code: 'erase_signaller' });
        let mails = 0;
        if (email) {
          // Undelivered ones are cancelled: 'stored' is never sent (see outbox.ts).
          const blanked = await tx
            .update(outbox)
            .set({
              toAddress: ERASED_ADDRESS,
              status: sql`case when ${outbox.status} in ('sent', 'stored') then ${outbox.status} else 'stored' end`,
              lastError: sql`case when ${outbox.status} in ('sent', 'stored') then ${outbox.lastError} else 'Niet verzonden: melder verwijderd op privacyverzoek' end`,
            })
            .where(and(eq(outbox.kind, FEEDBACK_MAIL_KIND), sql`lower(${outbox.toAddress}) = ${email.trim().toLowerCase()}`))
            .returning({ id: outbox.id });
          mails = blanked.length;
        }
        result.signallers += 1;
        await audit(tx, ctx, { action: 'erase', entity: 'signal', entityId: r.id, details: { purpose: 'rights_request', role: 'signaller', outboxMailsBlanked: mails } });
      }
    }
  });
  return result;
}
