import crypto from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { executePrepared, type Db } from '../../platform/db/index.js';
import type { FieldCipher } from '../../platform/crypto.js';
import type { Jobs } from '../../platform/jobs.js';
import { auditRow, type AuditContext } from '../../platform/audit.js';
import { queueMail } from '../../platform/mail/outbox.js';
import { auditLog, systemState, userRoles, users } from '../../platform/db/schema.js';
import { amsterdamDate, workingDayDeadlines } from '../../platform/time.js';
import { signalEvents, signals } from './schema.js';
import type { AgeGroup, PersonKnows, Sign, SignalKind, SignallerType } from './model.js';
import { addressKey, signalSignallerKey, encryptPerson, encryptSignaller, encryptText, type PersonData, type SignallerData } from './personal.js';
import { resolvePdokArea, routingCtes, type PdokArea } from './routing.js';

/** A validated signal, from the public form or the partner API. */
export interface SignalInput {
  kind: SignalKind;
  signallerType: SignallerType;
  ageGroup: AgeGroup;
  signs: Sign[];
  personKnows: PersonKnows;
  /** Only meaningful when the signaller left an e-mail address. */
  feedbackRequested: boolean;
  person: PersonData;
  signaller: SignallerData;
  story: string | null;
}

export interface IntakeOptions {
  channel: 'form' | 'api';
  apiKeyId?: number | null;
  /** The form's one-time submit token or the API's Idempotency-Key header. */
  idempotencyKey?: string | null;
  /** SHA-256 of the API request body: the same key with another body is a conflict. */
  requestHash?: string | null;
  /** The PDOK Locatieserver's answer for the address, when the form got one. */
  pdok?: PdokArea | null;
  now?: Date;
  audit: AuditContext;
  jobs: Jobs | null;
  helpdeskEmail: string;
  baseUrl: string;
}

export interface IntakeResult {
  id: number;
  reference: string;
  /** False when the idempotency key matched an earlier signal (nothing new was stored). */
  created: boolean;
  routed: boolean;
  receivedAt: Date;
}

export class IdempotencyConflictError extends Error {
  constructor() {
    super('This Idempotency-Key was used before with a different request body.');
    this.name = 'IdempotencyConflictError';
  }
}

const REF_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ'; // no 0/O, 1/I

/** A reference for the signaller, e.g. "SGN-7K3M-9QX2" (40 random bits). */
export function newReference(): string {
  const bytes = crypto.randomBytes(8);
  let s = '';
  for (let i = 0; i < 8; i++) s += REF_ALPHABET[bytes[i]! % 32];
  return `SGN-${s.slice(0, 4)}-${s.slice(4)}`;
}

function hashRequest(cipher: FieldCipher, hash: string | null | undefined): string | null {
  return hash ? cipher.blindIndex(`request:${hash}`) : null;
}

async function findByKey(db: Db, opts: IntakeOptions) {
  const [row] = await db
    .select({ id: signals.id, reference: signals.reference, requestHash: signals.requestHash, signalPointId: signals.signalPointId, receivedAt: signals.receivedAt })
    .from(signals)
    .where(
      and(
        eq(signals.channel, opts.channel),
        sql`coalesce(${signals.apiKeyId}, 0) = ${opts.apiKeyId ?? 0}`,
        eq(signals.idempotencyKey, opts.idempotencyKey!),
      ),
    );
  if (!row) return null;
  if (opts.requestHash && row.requestHash && row.requestHash !== opts.requestHash) throw new IdempotencyConflictError();
  return { id: row.id, reference: row.reference, created: false, routed: row.signalPointId != null, receivedAt: row.receivedAt };
}

/** Deadlines for 1..MAX_FIRST_CONTACT_DAYS working days after `now`: the statement picks the routed point's. */
const MAX_FIRST_CONTACT_DAYS = 30;

/**
 * Stores a signal, routed, in ONE SQL statement (so it is atomic without a transaction and costs
 * one round trip — the intake must sustain hundreds of signals per second): the area and signal
 * point (routingCtes), the signal with its encrypted personal data, its 'received' and
 * 'routed'/'unrouted' events and the audit entry. With an idempotency key a repeated or racing
 * request inserts nothing (ON CONFLICT on the unique index) and gets the first signal back.
 * The programme team's "unrouted" alert is sent after the statement.
 */
export async function receiveSignal(db: Db, cipher: FieldCipher, input: SignalInput, opts: IntakeOptions): Promise<IntakeResult> {
  const now = opts.now ?? new Date();
  const pdok = opts.pdok ? await resolvePdokArea(db, opts.pdok) : null;
  const dues = workingDayDeadlines(amsterdamDate(now), MAX_FIRST_CONTACT_DAYS).slice(0, MAX_FIRST_CONTACT_DAYS);
  const reference = newReference();
  // The public form's audit entry names no one: not a signed-in visitor's e-mail, not an IP
  // address (a signaller may stay anonymous, and the audit log is kept for good).
  const auditCtx: AuditContext = opts.channel === 'form' ? { label: 'publiek formulier', requestId: opts.audit.requestId } : opts.audit;
  const audit = auditRow(auditCtx, { action: 'create', entity: 'signal', details: { channel: opts.channel } });
  // Keyed, so a database dump cannot brute-force a short API body (postcode + house number) back from it.
  const requestHash = hashRequest(cipher, opts.requestHash);
  const feedbackRequested = input.feedbackRequested && !!input.signaller.email;
  const rows = await executePrepared<{ id: string | number; reference: string; signal_point_id: number | null; received_at: string | Date }>(db, sql`
    with ${routingCtes({ postcode: input.person.postcode, houseNumber: input.person.houseNumber, pdok, facts: { ageGroup: input.ageGroup, signallerType: input.signallerType } })},
    ins as (
      insert into ${signals} (reference, kind, channel, api_key_id, idempotency_key, request_hash, received_at, signaller_type, age_group, signs,
                              person_knows, feedback_requested, municipality_id, neighbourhood_id, signal_point_id, organisation_id, routed_by,
                              routed_at, status, due_at, person_enc, signaller_enc, story_enc, address_key, signaller_key)
      select ${reference}, ${input.kind}, ${opts.channel}, ${opts.apiKeyId ?? null}::int, ${opts.idempotencyKey ?? null}, ${requestHash}, ${now}::timestamptz,
             ${input.signallerType}, ${input.ageGroup}, array(select jsonb_array_elements_text(${JSON.stringify(input.signs)}::jsonb)),
             ${input.personKnows}, ${feedbackRequested}, area.municipality_id, area.neighbourhood_id, point.id, point.organisation_id,
             case when point.id is null then 'none' else area.by end, case when point.id is null then null else ${now}::timestamptz end, 'new',
             case when point.id is null then null else ((${JSON.stringify(dues)}::jsonb) ->> (least(greatest(point.first_contact_days, 1), ${MAX_FIRST_CONTACT_DAYS}) - 1))::timestamptz end,
             ${encryptPerson(cipher, input.person)}, ${encryptSignaller(cipher, input.signaller)}, ${encryptText(cipher, input.story)},
             ${addressKey(cipher, input.person.postcode, input.person.houseNumber, input.person.houseNumberAddition)},
             ${signalSignallerKey(cipher, input.kind, input.person, input.signaller)}
        from (select 1) one left join area on true left join point on true
      on conflict do nothing
      returning id, reference, signal_point_id, organisation_id, municipality_id, received_at, routed_by
    ),
    ev as (
      insert into ${signalEvents} (signal_id, at, kind, to_status, organisation_id, code)
      select id, ${now}::timestamptz, 'received', 'new', null::int, ${opts.channel}::text from ins
      union all
      select id, ${now}::timestamptz,
             case when signal_point_id is null then 'unrouted' else 'routed' end, null, organisation_id,
             case when signal_point_id is not null then routed_by || ':' || signal_point_id
                  when municipality_id is not null then 'no_signal_point' else 'unknown_postcode' end
        from ins
    ),
    au as (
      insert into ${auditLog} (actor_user_id, actor_api_key_id, actor_label, action, entity, entity_id, details, request_id, ip)
      select ${audit.actorUserId}::int, ${audit.actorApiKeyId}::int, ${audit.actorLabel}, 'create', 'signal', id::text,
             ${JSON.stringify(audit.details)}::jsonb || jsonb_build_object('routed', signal_point_id is not null, 'municipalityId', municipality_id),
             ${audit.requestId}, ${audit.ip}
        from ins
    )
    select id, reference, signal_point_id, received_at from ins`);
  const row = rows[0];
  if (!row) {
    // The idempotency key was used before (or by a racing retry): answer with that signal.
    if (!opts.idempotencyKey) throw new Error('signal insert conflicted without an idempotency key');
    const earlier = await findByKey(db, { ...opts, requestHash });
    if (!earlier) throw new Error('idempotent insert lost its row');
    return earlier;
  }
  const routed = row.signal_point_id != null;
  if (!routed) await db.transaction((tx) => alertUnrouted(tx, { jobs: opts.jobs, helpdeskEmail: opts.helpdeskEmail, baseUrl: opts.baseUrl, now }));
  return { id: Number(row.id), reference: row.reference, created: true, routed, receivedAt: new Date(row.received_at) };
}

const ALERT_STATE_KEY = 'signals.unrouted_alert_at';
/** At most one "signals waiting in the unrouted queue" mail per this many minutes. */
export const UNROUTED_ALERT_INTERVAL_MINUTES = 60;

/**
 * Tells the programme team (every active programme admin) that a signal is waiting in the
 * unrouted queue. Throttled to one mail per hour; the mail holds no personal data, only the
 * number waiting and the link to the queue.
 */
export async function alertUnrouted(db: Db, deps: { jobs: Jobs | null; helpdeskEmail: string; baseUrl: string; now: Date }): Promise<number> {
  const [state] = await db.select({ value: systemState.value }).from(systemState).where(eq(systemState.key, ALERT_STATE_KEY)).for('update');
  const last = state ? new Date(String((state.value as { at?: string }).at)) : null;
  if (last && deps.now.getTime() - last.getTime() < UNROUTED_ALERT_INTERVAL_MINUTES * 60_000) return 0;
  const [{ waiting }] = (await db.execute<{ waiting: number }>(sql`select count(*)::int as waiting from ${signals} where signal_point_id is null and status = 'new'`)).rows as [{ waiting: number }];
  const admins = await db
    .selectDistinct({ email: users.email })
    .from(users)
    .innerJoin(userRoles, eq(userRoles.userId, users.id))
    .where(and(eq(userRoles.role, 'programme_admin'), eq(users.active, true)));
  const link = `${deps.baseUrl.replace(/\/$/, '')}/signalen/niet-gerouteerd`;
  for (const a of admins) {
    await queueMail(
      db,
      deps.jobs,
      {
        to: a.email,
        subject: 'Signaal zonder signaalpunt: routeren nodig',
        kind: 'signal_unrouted',
        text: `Er ${waiting === 1 ? 'wacht 1 signaal' : `wachten ${waiting} signalen`} in de wachtrij "niet gerouteerd": voor de postcode is geen gemeente of geen signaalpunt bekend.\n\nRouteer ${waiting === 1 ? 'het' : 'ze'} zo snel mogelijk naar een signaalpunt, zodat iemand binnen twee werkdagen contact kan opnemen:\n${link}\n\nDeze e-mail bevat bewust geen gegevens over personen.`,
      },
      deps.helpdeskEmail,
    );
  }
  await db
    .insert(systemState)
    .values({ key: ALERT_STATE_KEY, value: { at: deps.now.toISOString() } })
    .onConflictDoUpdate({ target: systemState.key, set: { value: { at: deps.now.toISOString() }, updatedAt: new Date() } });
  return admins.length;
}
