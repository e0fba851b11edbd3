import { and, asc, desc, eq, inArray, isNull, ne, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../platform/db/index.js';
import type { FieldCipher } from '../../platform/crypto.js';
import type { Jobs } from '../../platform/jobs.js';
import { can, roleScope, type Principal } from '../../platform/access.js';
import { audit, type AuditContext } from '../../platform/audit.js';
import { dispatchMail } from '../../platform/mail/outbox.js';
import { userRoles, users } from '../../platform/db/schema.js';
import { NotFoundError, ValidationError } from '../../platform/http/errors.js';
import { isIsoDate, normaliseDate, optionalText } from '../../platform/http/forms.js';
import { addWorkingDays, amsterdamDate } from '../../platform/time.js';
import { municipalities, neighbourhoods, organisations } from '../registry/schema.js';
import { signalEvents, signalPoints, signals } from './schema.js';
import {
  ATTEMPT_RESULTS,
  ERASED_OUTCOME,
  nextStatus,
  OPEN_STATUSES,
  OUTCOMES,
  STATUSES,
  TransitionError,
  type AttemptResult,
  type Outcome,
  type SignalAction,
  type SignalStatus,
} from './model.js';
import { encryptText } from './personal.js';
import { alertUnrouted } from './intake.js';
import { sendPickupFeedback } from './feedback.js';

/**
 * The handling of a signal by its organisation's staff: every change of a signal's state goes
 * through one of the functions below. Each one
 * - runs in one transaction and locks the signal row first (SELECT … FOR UPDATE), so two
 *   workers cannot both transition the same signal: the second waits and then sees the new status;
 * - checks, under that lock, that the acting principal may handle signals of the signal's CURRENT
 *   organisation (else 404: the signal may just have been forwarded);
 * - checks the step against the transition table of model.ts (nextStatus): a forbidden step
 *   throws a TransitionError with a Dutch message and changes nothing;
 * - writes a signal_event (free text encrypted) and an audit entry ('transition' for the actions
 *   of the transition table, 'update' for a note) whose details never hold personal data;
 * - takes `now` (the simulated clock of tests and the done-when journey).
 *
 * "First contact" (signals.first_contact_at, the measure of the follow-up deadline) is the moment
 * of the FIRST LOGGED CONTACT ATTEMPT, whatever its result: the deadline asks that the signal
 * point tries to reach the person in time. Marking "in contact" or "visit planned" without an
 * attempt logged before also sets it (contact evidently happened by then). A signal with a first
 * contact is never overdue, even when that contact came after the deadline.
 *
 * Validation failures throw ValidationError whose keys are the field names of the forms on the
 * signal page (signal-page.tsx), so they can be shown next to the right field.
 */

export type SignalRow = typeof signals.$inferSelect;

export interface HandlingCtx {
  db: Db;
  cipher: FieldCipher;
  jobs: Jobs | null;
  helpdeskEmail: string;
  baseUrl: string;
  principal: Principal;
  audit: AuditContext;
}

/** How a contact attempt was made. */
export const ATTEMPT_CHANNELS = ['phone', 'visit', 'letter', 'email', 'other'] as const;
export type AttemptChannel = (typeof ATTEMPT_CHANNELS)[number];
export const ATTEMPT_CHANNEL_LABELS: Record<AttemptChannel, string> = {
  phone: 'Telefoon',
  visit: 'Langsgegaan (huisbezoek)',
  letter: 'Brief of kaartje',
  email: 'E-mail',
  other: 'Anders',
};

export const NOTE_MAX = 5000;

// ---------------------------------------------------------------------------------------------
// Form schemas (shared by the signal page; keys are the form field names).

const choice = <T extends readonly [string, ...string[]]>(values: T, msg: string) =>
  z.preprocess((v) => (v === '' ? undefined : v), z.enum(values, { message: msg }));
const requiredNote = (msg: string, max = NOTE_MAX) =>
  z.preprocess((v) => (typeof v === 'string' ? v.trim() : v), z.string({ message: msg }).min(1, msg).max(max, `Gebruik hoogstens ${max} tekens.`));

export const assignSchema = z.object({
  assignee: z.preprocess((v) => (v === '' || v == null ? undefined : Number(v)), z.number({ message: 'Kies een medewerker.' }).int('Kies een medewerker.').positive('Kies een medewerker.')),
});
export const attemptSchema = z.object({
  channel: choice(ATTEMPT_CHANNELS, 'Kies hoe u contact heeft gezocht.'),
  result: choice(ATTEMPT_RESULTS, 'Kies het resultaat van de contactpoging.'),
  attemptNote: optionalText(NOTE_MAX),
});
export const contactSchema = z.object({ contactNote: optionalText(NOTE_MAX) });
export const visitSchema = z.object({
  visitDate: z.preprocess(
    normaliseDate,
    z.string({ message: 'Vul een geldige datum in, zoals 2025-01-31 of 31-01-2025.' }).refine(isIsoDate, 'Vul een geldige datum in, zoals 2025-01-31 of 31-01-2025.').optional(),
  ),
  visitNote: optionalText(NOTE_MAX),
});
export const closeSchema = z.object({
  outcome: choice(OUTCOMES, 'Kies de uitkomst.'),
  outcomeActivity: optionalText(200, 'Gebruik hoogstens 200 tekens.'),
  closeNote: optionalText(NOTE_MAX),
});
export const forwardSchema = z.object({
  targetPoint: z.preprocess((v) => (v === '' || v == null ? undefined : Number(v)), z.number({ message: 'Kies het signaalpunt waar het signaal naartoe gaat.' }).int().positive()),
  forwardReason: requiredNote('Vul in waarom het signaal naar deze organisatie gaat.', 1000),
});
export const notForUsSchema = z.object({ notForUsReason: requiredNote('Vul in waarom dit signaal niet voor uw organisatie is.', 1000) });
export const duplicateSchema = z.object({
  duplicateOf: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim().toUpperCase() : v),
    z.string({ message: 'Vul de referentie van het eerdere signaal in.' }).min(1, 'Vul de referentie van het eerdere signaal in.').regex(/^SGN-[0-9A-Z]{4}-[0-9A-Z]{4}$/, 'Vul een referentie in zoals SGN-7K3M-9QX2.'),
  ),
});
export const reopenSchema = z.object({ reopenNote: optionalText(NOTE_MAX) });
export const noteSchema = z.object({ note: requiredNote('Vul de notitie in.') });

// ---------------------------------------------------------------------------------------------
// Reading

/** The organisations whose signals the principal handles (signal_handler or signal_coordinator), live ones, by name. */
export async function signalOrganisations(db: Db, p: Principal): Promise<{ id: number; name: string }[]> {
  const ids =
    p.kind === 'api_key'
      ? p.apiActions?.includes('signals:handle')
        ? p.organisationIds
        : []
      : [...new Set([...roleScope(p, 'signal_handler').organisationIds, ...roleScope(p, 'signal_coordinator').organisationIds])].filter((id) =>
          can(p, 'signal:handle', { organisationId: id }),
        );
  if (!ids.length) return [];
  return db
    .select({ id: organisations.id, name: organisations.name })
    .from(organisations)
    .where(and(inArray(organisations.id, ids), isNull(organisations.deletedAt)))
    .orderBy(asc(organisations.name), asc(organisations.id));
}

/**
 * A signal the principal may handle, or NotFoundError: signals of another organisation, in the
 * unrouted queue or unknown all answer 404 — and so does every other user (need-to-know).
 */
export async function signalForStaff(db: Db, p: Principal, id: number): Promise<SignalRow> {
  const [s] = await db.select().from(signals).where(eq(signals.id, id));
  if (!s || s.organisationId == null || !can(p, 'signal:handle', { organisationId: s.organisationId })) throw new NotFoundError();
  return s;
}

export async function signalByReference(db: Db, p: Principal, reference: string): Promise<SignalRow> {
  const [s] = await db.select().from(signals).where(eq(signals.reference, reference.trim().toUpperCase()));
  if (!s || s.organisationId == null || !can(p, 'signal:handle', { organisationId: s.organisationId })) throw new NotFoundError();
  return s;
}

/** Overdue: still open, no first contact yet, and the deadline has passed. */
export function isOverdue(s: { status: string; firstContactAt: Date | null; dueAt: Date | null }, now: Date): boolean {
  return (OPEN_STATUSES as readonly string[]).includes(s.status) && !s.firstContactAt && !!s.dueAt && s.dueAt.getTime() < now.getTime();
}

const openStatusSql = sql.join(
  OPEN_STATUSES.map((s) => sql`${s}`),
  sql`, `,
);
/** The SQL form of isOverdue. */
export function overdueSql(now: Date): SQL {
  return sql`(${signals.status} in (${openStatusSql}) and ${signals.firstContactAt} is null and ${signals.dueAt} < ${now})`;
}

export const INBOX_STATUS_FILTERS = ['open', 'all', ...STATUSES] as const;
export type InboxStatusFilter = (typeof INBOX_STATUS_FILTERS)[number];

export interface InboxFilter {
  status: InboxStatusFilter;
  /** A neighbourhood, or a district (then all its neighbourhoods). */
  neighbourhoodId?: number;
  overdue?: boolean;
  /** 'me' needs userId. */
  assigned?: 'me' | 'none';
  userId?: number;
}

export interface InboxRow {
  id: number;
  reference: string;
  kind: string;
  receivedAt: Date;
  status: SignalStatus;
  signallerType: string;
  ageGroup: string;
  signs: string[];
  dueAt: Date | null;
  firstContactAt: Date | null;
  closedAt: Date | null;
  outcome: string | null;
  neighbourhoodId: number | null;
  neighbourhoodCode: string | null;
  neighbourhoodName: string | null;
  assignedUserId: number | null;
  assigneeName: string | null;
}

export interface InboxPage {
  rows: InboxRow[];
  /**
   * Signals matching every filter but the status one, per status. The finished statuses (closed,
   * duplicate) are only counted when the status filter asks for them (null otherwise): they are
   * the bulk of an organisation's signals and counting them on every inbox view would cost more
   * than the rest of the page.
   */
  counts: Record<SignalStatus, number | null>;
  total: number;
  page: number;
  pageSize: number;
}

/**
 * One page of an organisation's signals, newest first, without any personal data (nothing is
 * decrypted). Two queries, run side by side: the page (organisation + status on signals_inbox_idx,
 * or signals_org_received_idx read backwards) and ONE count grouped by status, which gives both
 * the counts above the table and the total for the pagination.
 */
export async function listInbox(db: Db, organisationId: number, f: InboxFilter, page: number, pageSize: number, now: Date): Promise<InboxPage> {
  const base: SQL[] = [eq(signals.organisationId, organisationId)];
  if (f.neighbourhoodId) {
    base.push(
      sql`(${signals.neighbourhoodId} = ${f.neighbourhoodId} or ${signals.neighbourhoodId} in (select ${neighbourhoods.id} from ${neighbourhoods} where ${neighbourhoods.districtId} = ${f.neighbourhoodId}))`,
    );
  }
  if (f.overdue) base.push(overdueSql(now));
  if (f.assigned === 'me') base.push(eq(signals.assignedUserId, f.userId ?? -1));
  if (f.assigned === 'none') base.push(isNull(signals.assignedUserId));
  const statusCond =
    f.status === 'all' ? undefined : f.status === 'open' ? inArray(signals.status, OPEN_STATUSES as SignalStatus[]) : eq(signals.status, f.status);
  const wanted = (s: SignalStatus) => f.status === 'all' || (f.status === 'open' ? OPEN_STATUSES.includes(s) : f.status === s);

  const pageQuery = (p: number) =>
    db
      .select({
        id: signals.id,
        reference: signals.reference,
        kind: signals.kind,
        receivedAt: signals.receivedAt,
        status: signals.status,
        signallerType: signals.signallerType,
        ageGroup: signals.ageGroup,
        signs: signals.signs,
        dueAt: signals.dueAt,
        firstContactAt: signals.firstContactAt,
        closedAt: signals.closedAt,
        outcome: signals.outcome,
        neighbourhoodId: signals.neighbourhoodId,
        neighbourhoodCode: neighbourhoods.code,
        neighbourhoodName: neighbourhoods.name,
        assignedUserId: signals.assignedUserId,
        assigneeName: users.name,
      })
      .from(signals)
      .leftJoin(neighbourhoods, eq(neighbourhoods.id, signals.neighbourhoodId))
      .leftJoin(users, eq(users.id, signals.assignedUserId))
      .where(and(...base, statusCond))
      .orderBy(desc(signals.receivedAt), desc(signals.id))
      .limit(pageSize)
      .offset((p - 1) * pageSize);

  const counted: SignalStatus[] = f.status === 'all' ? [...STATUSES] : [...new Set<SignalStatus>([...OPEN_STATUSES, ...STATUSES.filter(wanted)])];
  const [rows, countRows] = await Promise.all([
    pageQuery(page),
    db
      .select({ status: signals.status, n: sql<number>`count(*)::int` })
      .from(signals)
      .where(and(...base, f.status === 'all' ? undefined : inArray(signals.status, counted)))
      .groupBy(signals.status),
  ]);
  const counts = Object.fromEntries(STATUSES.map((s) => [s, counted.includes(s) ? 0 : null])) as Record<SignalStatus, number | null>;
  for (const c of countRows) if (c.status in counts) counts[c.status as SignalStatus] = c.n;
  const total = STATUSES.filter(wanted).reduce((sum, s) => sum + (counts[s] ?? 0), 0);
  const pages = Math.max(1, Math.ceil(total / pageSize));
  let shown = rows;
  let current = page;
  if (page > pages) {
    current = pages;
    shown = await pageQuery(pages);
  }
  return { rows: shown as InboxRow[], counts, total, page: current, pageSize };
}

/** Neighbourhoods (and districts) of the municipalities an organisation handles signals for. */
export async function organisationNeighbourhoods(db: Db, organisationId: number) {
  const rows = await db.execute<{ id: number; code: string; name: string; kind: string; municipality: string }>(sql`
    select n.id, n.code, n.name, n.kind, m.name as municipality
      from ${neighbourhoods} n
      join ${municipalities} m on m.id = n.municipality_id
     where n.municipality_id in (
             select ${signalPoints.municipalityId} from ${signalPoints} where ${signalPoints.organisationId} = ${organisationId}
             union
             select ${organisations.municipalityId} from ${organisations} where ${organisations.id} = ${organisationId} and ${organisations.municipalityId} is not null)
     order by m.name, n.kind, n.name`);
  return rows.rows;
}

/** Active users with a signal role in the organisation (who a coordinator may assign to), by name. */
export async function organisationStaff(db: Db, organisationId: number): Promise<{ id: number; name: string; coordinator: boolean }[]> {
  const rows = await db
    .select({ id: users.id, name: users.name, role: userRoles.role })
    .from(users)
    .innerJoin(userRoles, eq(userRoles.userId, users.id))
    .where(and(eq(users.active, true), eq(userRoles.organisationId, organisationId), inArray(userRoles.role, ['signal_handler', 'signal_coordinator'])))
    .orderBy(asc(users.name), asc(users.id));
  const out = new Map<number, { id: number; name: string; coordinator: boolean }>();
  for (const r of rows) {
    const u = out.get(r.id) ?? { id: r.id, name: r.name, coordinator: false };
    if (r.role === 'signal_coordinator') u.coordinator = true;
    out.set(r.id, u);
  }
  return [...out.values()];
}

/**
 * Active signal points of OTHER organisations in the signal's municipality. A signal for an
 * address in another municipality is "not for us": it goes back to the programme's unrouted
 * queue, which routes it there (so no organisation sees the signal points of the whole country).
 */
export async function forwardTargets(db: Db, s: Pick<SignalRow, 'organisationId' | 'municipalityId'>) {
  if (s.municipalityId == null) return [];
  const rows = await db
    .select({
      id: signalPoints.id,
      name: signalPoints.name,
      organisationId: signalPoints.organisationId,
      organisationName: organisations.name,
      municipalityId: signalPoints.municipalityId,
      municipalityName: municipalities.name,
    })
    .from(signalPoints)
    .innerJoin(organisations, and(eq(organisations.id, signalPoints.organisationId), isNull(organisations.deletedAt)))
    .innerJoin(municipalities, eq(municipalities.id, signalPoints.municipalityId))
    .where(and(eq(signalPoints.active, true), eq(signalPoints.municipalityId, s.municipalityId), s.organisationId != null ? ne(signalPoints.organisationId, s.organisationId) : undefined))
    .orderBy(asc(signalPoints.name));
  return rows;
}

export interface PossibleDuplicate {
  id: number;
  reference: string;
  receivedAt: Date;
  status: SignalStatus;
  /** Only these may be opened (and chosen as the original). */
  sameOrganisation: boolean;
}

/**
 * Other signals of the same organisation for the same address (same blind index), newest first.
 * Signals of other organisations or in the unrouted queue are not shown, not even as a count:
 * that a person is known elsewhere is itself personal data outside this organisation's need to know.
 */
export async function possibleDuplicates(db: Db, s: Pick<SignalRow, 'id' | 'addressKey' | 'organisationId'>, limit = 20): Promise<PossibleDuplicate[]> {
  if (!s.addressKey || s.organisationId == null) return [];
  const rows = await db
    .select({ id: signals.id, reference: signals.reference, receivedAt: signals.receivedAt, status: signals.status })
    .from(signals)
    .where(and(eq(signals.addressKey, s.addressKey), eq(signals.organisationId, s.organisationId), ne(signals.id, s.id)))
    .orderBy(desc(signals.receivedAt), desc(signals.id))
    .limit(limit);
  return rows.map((r) => ({ id: r.id, reference: r.reference, receivedAt: r.receivedAt, status: r.status as SignalStatus, sameOrganisation: true }));
}

export interface EventView {
  id: number;
  at: Date;
  kind: string;
  fromStatus: string | null;
  toStatus: string | null;
  code: string | null;
  organisationId: number | null;
  userName: string | null;
  /** Decrypted note / reason / attempt remark. */
  text: string | null;
}

/** The log of a signal, oldest first, notes decrypted. Callers must have checked access and audit-log the read. */
export async function signalLog(db: Db, cipher: FieldCipher, signalId: number): Promise<EventView[]> {
  const rows = await db
    .select({
      id: signalEvents.id,
      at: signalEvents.at,
      kind: signalEvents.kind,
      fromStatus: signalEvents.fromStatus,
      toStatus: signalEvents.toStatus,
      code: signalEvents.code,
      organisationId: signalEvents.organisationId,
      userName: users.name,
      textEnc: signalEvents.textEnc,
    })
    .from(signalEvents)
    .leftJoin(users, eq(users.id, signalEvents.userId))
    .where(eq(signalEvents.signalId, signalId))
    .orderBy(asc(signalEvents.at), asc(signalEvents.id));
  return rows.map(({ textEnc, ...r }) => ({ ...r, text: textEnc ? cipher.decrypt(textEnc) : null }));
}

// ---------------------------------------------------------------------------------------------
// Changing

interface Step {
  /** The transaction. */
  tx: Db;
  s: SignalRow;
  /** Outbox ids to hand to the job queue after the commit. */
  mails: number[];
}

/**
 * Runs one change: locks the signal, checks access (404) and that its personal data still exists,
 * then `fn`. Mails queued inside are dispatched after the commit.
 * `alsoLock`: a second signal to lock in the same statement (markDuplicate's original). Both rows
 * are locked in id order, so two changes that lock the same pair can never deadlock.
 */
async function change<T>(h: HandlingCtx, signalId: number, fn: (step: Step) => Promise<T>, opts: { alsoLock?: number | null } = {}): Promise<T> {
  const mails: number[] = [];
  const out = await h.db.transaction(async (tx) => {
    const ids = opts.alsoLock != null && opts.alsoLock !== signalId ? [signalId, opts.alsoLock] : [signalId];
    const locked = await tx.select().from(signals).where(inArray(signals.id, ids)).orderBy(asc(signals.id)).for('update');
    const s = locked.find((r) => r.id === signalId);
    if (!s || s.organisationId == null || !can(h.principal, 'signal:handle', { organisationId: s.organisationId })) throw new NotFoundError();
    if (s.personalDataRemovedAt) {
      throw new TransitionError(
        s.outcome === ERASED_OUTCOME
          ? 'De persoonsgegevens van dit signaal zijn verwijderd op verzoek van de persoon (privacyverzoek). Het signaal kan niet meer worden behandeld.'
          : 'De persoonsgegevens van dit signaal zijn verwijderd omdat de bewaartermijn is verstreken. Het signaal kan niet meer worden behandeld.',
      );
    }
    return fn({ tx, s, mails });
  });
  for (const id of mails) await dispatchMail(h.jobs, id);
  return out;
}

const actorId = (h: HandlingCtx) => (h.principal.kind === 'user' ? h.principal.id : null);

async function logEvent(
  h: HandlingCtx,
  st: Step,
  now: Date,
  e: { kind: string; fromStatus?: string | null; toStatus?: string | null; organisationId?: number | null; code?: string | null; text?: string | null },
) {
  await st.tx.insert(signalEvents).values({
    signalId: st.s.id,
    at: now,
    userId: actorId(h),
    kind: e.kind,
    fromStatus: e.fromStatus ?? null,
    toStatus: e.toStatus ?? null,
    organisationId: e.organisationId ?? st.s.organisationId,
    code: e.code ?? null,
    textEnc: encryptText(h.cipher, e.text),
  });
}

async function logAudit(h: HandlingCtx, st: Step, action: 'transition' | 'update', details: Record<string, unknown>) {
  await audit(st.tx, h.audit, { action, entity: 'signal', entityId: st.s.id, details: { organisationId: st.s.organisationId, ...details } });
}

async function setSignal(st: Step, now: Date, values: Partial<typeof signals.$inferInsert>) {
  await st.tx
    .update(signals)
    .set({ ...values, updatedAt: now })
    .where(eq(signals.id, st.s.id));
}

/** A transition of the table: checks it, updates the status (plus `values`), logs the event and the audit entry. */
async function transition(
  h: HandlingCtx,
  st: Step,
  now: Date,
  action: SignalAction,
  opts: { result?: AttemptResult; values?: Partial<typeof signals.$inferInsert>; event: { kind: string; code?: string | null; text?: string | null; organisationId?: number | null }; details?: Record<string, unknown> },
): Promise<SignalStatus> {
  const from = st.s.status as SignalStatus;
  const to = nextStatus(from, action, { result: opts.result, hasAssignee: st.s.assignedUserId != null });
  await setSignal(st, now, { status: to, ...opts.values });
  await logEvent(h, st, now, { ...opts.event, fromStatus: from, toStatus: to });
  await logAudit(h, st, 'transition', { action, from, to, ...opts.details });
  return to;
}

/**
 * Assigns the signal. A handler may only assign it to themself; a signal coordinator
 * ('signal:coordinate') to any active handler or coordinator of the same organisation. The
 * first assignment is "picked up": the signaller gets the feedback mail when they asked for it.
 */
export async function assign(h: HandlingCtx, signalId: number, assigneeUserId: number, now: Date): Promise<SignalStatus> {
  return change(h, signalId, async (st) => {
    const orgId = st.s.organisationId!;
    nextStatus(st.s.status as SignalStatus, 'assign'); // refuse before looking at the assignee
    const self = h.principal.kind === 'user' && h.principal.id === assigneeUserId;
    if (!self && !can(h.principal, 'signal:coordinate', { organisationId: orgId })) {
      throw new ValidationError({ assignee: 'U kunt een signaal alleen aan uzelf toewijzen. Een coördinator van het signaalpunt kan het aan een collega toewijzen.' });
    }
    const staff = await organisationStaff(st.tx, orgId);
    const who = staff.find((u) => u.id === assigneeUserId);
    if (!who) throw new ValidationError({ assignee: 'Kies een actieve medewerker van het signaalpunt van deze organisatie.' });
    if (st.s.assignedUserId === assigneeUserId) throw new ValidationError({ assignee: `Het signaal is al toegewezen aan ${who.name}.` });
    const to = await transition(h, st, now, 'assign', {
      values: { assignedUserId: assigneeUserId },
      event: { kind: 'assigned', code: String(assigneeUserId) },
      details: { assigneeUserId, previousAssigneeUserId: st.s.assignedUserId },
    });
    const mail = await sendPickupFeedback(st.tx, h, st.s, now);
    if (mail) st.mails.push(mail);
    return to;
  });
}

/** Logs a contact attempt; the first one is the signal's first contact (see the top of this file). */
export async function logAttempt(
  h: HandlingCtx,
  signalId: number,
  input: { channel: AttemptChannel; result: AttemptResult; note?: string | null },
  now: Date,
): Promise<SignalStatus> {
  return change(h, signalId, (st) =>
    transition(h, st, now, 'attempt', {
      result: input.result,
      values: st.s.firstContactAt ? {} : { firstContactAt: now },
      event: { kind: 'attempt', code: `${input.channel}:${input.result}`, text: input.note },
      details: { channel: input.channel, result: input.result, firstContact: !st.s.firstContactAt },
    }),
  );
}

export async function markInContact(h: HandlingCtx, signalId: number, input: { note?: string | null }, now: Date): Promise<SignalStatus> {
  return change(h, signalId, (st) =>
    transition(h, st, now, 'contact', {
      values: st.s.firstContactAt ? {} : { firstContactAt: now },
      event: { kind: 'transition', code: 'contact', text: input.note },
    }),
  );
}

/** A planned visit; `date` (YYYY-MM-DD) is optional and may not lie in the past. */
export async function planVisit(h: HandlingCtx, signalId: number, input: { date?: string | null; note?: string | null }, now: Date): Promise<SignalStatus> {
  if (input.date && input.date < amsterdamDate(now)) throw new ValidationError({ visitDate: 'De datum van het bezoek ligt in het verleden. Kies vandaag of een latere datum.' });
  return change(h, signalId, (st) =>
    transition(h, st, now, 'plan_visit', {
      values: st.s.firstContactAt ? {} : { firstContactAt: now },
      event: { kind: 'transition', code: input.date ? `plan_visit:${input.date}` : 'plan_visit', text: input.note },
      details: { visitDate: input.date ?? null },
    }),
  );
}

/** Closes the signal with an outcome (and optionally a reference to a social-map activity). */
export async function close(
  h: HandlingCtx,
  signalId: number,
  input: { outcome: Outcome; outcomeActivity?: string | null; note?: string | null },
  now: Date,
): Promise<SignalStatus> {
  return change(h, signalId, (st) =>
    transition(h, st, now, 'close', {
      values: { outcome: input.outcome, outcomeActivity: input.outcomeActivity || null, closedAt: now },
      event: { kind: 'transition', code: `close:${input.outcome}`, text: input.note },
      details: { outcome: input.outcome },
    }),
  );
}

/**
 * Forwards the signal to another organisation's active signal point: it leaves this
 * organisation's inbox and starts afresh there (status new, nobody assigned, a new deadline from
 * the target point, no first contact yet — so the new organisation's deadline counts). The
 * municipality follows the point when it lies elsewhere (the neighbourhood is kept only when it
 * lies in that municipality). The feedback mail is not sent again (feedback_sent_at stays).
 */
export async function forward(h: HandlingCtx, signalId: number, input: { targetPointId: number; reason: string }, now: Date) {
  return change(h, signalId, async (st) => {
    nextStatus(st.s.status as SignalStatus, 'forward');
    const [target] = await st.tx
      .select({ id: signalPoints.id, organisationId: signalPoints.organisationId, municipalityId: signalPoints.municipalityId, firstContactDays: signalPoints.firstContactDays, active: signalPoints.active, orgDeleted: organisations.deletedAt, organisationName: organisations.name })
      .from(signalPoints)
      .innerJoin(organisations, eq(organisations.id, signalPoints.organisationId))
      .where(eq(signalPoints.id, input.targetPointId));
    if (!target || !target.active || target.orgDeleted) throw new ValidationError({ targetPoint: 'Kies een actief signaalpunt.' });
    if (target.organisationId === st.s.organisationId) throw new ValidationError({ targetPoint: 'Dit signaalpunt hoort bij uw eigen organisatie. Kies een signaalpunt van een andere organisatie.' });
    if (target.municipalityId !== st.s.municipalityId) {
      throw new ValidationError({ targetPoint: 'Kies een signaalpunt in dezelfde gemeente. Woont de persoon in een andere gemeente? Kies dan "Niet voor ons": het programmateam routeert het signaal.' });
    }
    const fromOrg = st.s.organisationId!;
    let neighbourhoodId = st.s.neighbourhoodId;
    if (target.municipalityId !== st.s.municipalityId && neighbourhoodId != null) {
      const [n] = await st.tx.select({ m: neighbourhoods.municipalityId }).from(neighbourhoods).where(eq(neighbourhoods.id, neighbourhoodId));
      if (n?.m !== target.municipalityId) neighbourhoodId = null;
    }
    await transition(h, st, now, 'forward', {
      values: {
        signalPointId: target.id,
        organisationId: target.organisationId,
        municipalityId: target.municipalityId,
        neighbourhoodId,
        assignedUserId: null,
        firstContactAt: null,
        dueAt: addWorkingDays(now, target.firstContactDays),
        routedBy: 'manual',
        routedAt: now,
      },
      event: { kind: 'forwarded', organisationId: target.organisationId, code: `from:${fromOrg};to:${target.organisationId};point:${target.id}`, text: input.reason },
      details: { fromOrganisationId: fromOrg, toOrganisationId: target.organisationId, toSignalPointId: target.id },
    });
    return { organisationName: target.organisationName };
  });
}

/** "Not for us": back to the programme's unrouted queue (status new, no organisation), and the programme team is alerted. */
export async function notForUs(h: HandlingCtx, signalId: number, input: { reason: string }, now: Date): Promise<SignalStatus> {
  return change(h, signalId, async (st) => {
    const fromOrg = st.s.organisationId!;
    const to = await transition(h, st, now, 'not_for_us', {
      values: { signalPointId: null, organisationId: null, assignedUserId: null, dueAt: null, firstContactAt: null, routedBy: 'none', routedAt: null },
      event: { kind: 'not_for_us', organisationId: fromOrg, code: `from:${fromOrg}`, text: input.reason },
      details: { fromOrganisationId: fromOrg },
    });
    await alertUnrouted(st.tx, { jobs: h.jobs, helpdeskEmail: h.helpdeskEmail, baseUrl: h.baseUrl, now });
    return to;
  });
}

/**
 * Marks the signal as a duplicate of an EARLIER signal of the same organisation (by reference).
 * The duplicate is finished: closed_at is set, so its personal data follows the retention term.
 *
 * Duplicates never form a chain: the original may not be a duplicate itself, and a signal that
 * others are a duplicate of cannot become one. Both signals are locked (in id order) before
 * these checks, so two concurrent markings (A of B while B of C) cannot each pass them: the
 * second waits for the first and then sees its result.
 */
export async function markDuplicate(h: HandlingCtx, signalId: number, input: { ofReference: string }, now: Date): Promise<SignalStatus> {
  const reference = input.ofReference.trim().toUpperCase();
  // The original's id, to lock it together with the signal; its values are read again under the lock.
  const [target] = await h.db.select({ id: signals.id }).from(signals).where(eq(signals.reference, reference));
  return change(h, signalId, async (st) => {
    nextStatus(st.s.status as SignalStatus, 'duplicate');
    const [of] = await st.tx
      .select({ id: signals.id, reference: signals.reference, organisationId: signals.organisationId, receivedAt: signals.receivedAt, status: signals.status, duplicateOfId: signals.duplicateOfId })
      .from(signals)
      .where(eq(signals.reference, reference));
    const field = 'duplicateOf';
    if (!of || of.organisationId !== st.s.organisationId) throw new ValidationError({ [field]: 'Er is geen signaal van uw organisatie met deze referentie.' });
    if (of.id === st.s.id) throw new ValidationError({ [field]: 'Een signaal kan geen dubbel van zichzelf zijn. Vul de referentie van het eerdere signaal in.' });
    if (of.receivedAt.getTime() > st.s.receivedAt.getTime() || (of.receivedAt.getTime() === st.s.receivedAt.getTime() && of.id > st.s.id)) {
      throw new ValidationError({ [field]: 'Dat signaal is later binnengekomen. Markeer het latere signaal als dubbel van het eerdere.' });
    }
    if (of.status === 'duplicate') throw new ValidationError({ [field]: 'Dat signaal is zelf al als dubbel gemarkeerd. Vul de referentie van het oorspronkelijke signaal in.' });
    const [child] = await st.tx
      .select({ reference: signals.reference, organisationId: signals.organisationId })
      .from(signals)
      .where(and(eq(signals.duplicateOfId, st.s.id), eq(signals.status, 'duplicate')))
      .orderBy(asc(signals.id))
      .limit(1);
    if (child) {
      const which = child.organisationId === st.s.organisationId ? `Signaal ${child.reference} is` : 'Een ander signaal is';
      throw new ValidationError({
        [field]: `${which} al als dubbel van dit signaal gemarkeerd, dus dit signaal kan zelf geen dubbel zijn. Heropen eerst dat signaal en markeer het als dubbel van ${of.reference}; markeer daarna dit signaal.`,
      });
    }
    return transition(h, st, now, 'duplicate', {
      values: { duplicateOfId: of.id, closedAt: now },
      event: { kind: 'duplicate', code: String(of.id) },
      details: { duplicateOfId: of.id },
    });
  }, { alsoLock: target?.id });
}

/**
 * Reopens a closed or duplicate signal: back to its assignee (when still an active handler of the
 * organisation), else to new. Outcome, closing time and duplicate link are cleared (the log keeps them).
 */
export async function reopen(h: HandlingCtx, signalId: number, input: { note?: string | null }, now: Date): Promise<SignalStatus> {
  return change(h, signalId, async (st) => {
    let assignee = st.s.assignedUserId;
    if (assignee != null && !(await organisationStaff(st.tx, st.s.organisationId!)).some((u) => u.id === assignee)) assignee = null;
    st.s = { ...st.s, assignedUserId: assignee };
    return transition(h, st, now, 'reopen', {
      values: { assignedUserId: assignee, closedAt: null, outcome: null, outcomeActivity: null, duplicateOfId: null },
      event: { kind: 'reopened', text: input.note },
    });
  });
}

/** A note in the log (encrypted; removed with the personal data). Any status. */
export async function addNote(h: HandlingCtx, signalId: number, text: string, now: Date): Promise<void> {
  const clean = text.trim();
  if (!clean) throw new ValidationError({ note: 'Vul de notitie in.' });
  if (clean.length > NOTE_MAX) throw new ValidationError({ note: `Gebruik hoogstens ${NOTE_MAX} tekens.` });
  await change(h, signalId, async (st) => {
    await logEvent(h, st, now, { kind: 'note', text: clean });
    await setSignal(st, now, {});
    await logAudit(h, st, 'update', { note: true });
  });
}
