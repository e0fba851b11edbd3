import crypto from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/index.js';
import type { FieldCipher } from '../../platform/crypto.js';
import type { Jobs } from '../../platform/jobs.js';
import { audit, type AuditContext } from '../../platform/audit.js';
import { queueMail } from '../../platform/mail/outbox.js';
import { systemState, userRoles, users } from '../../platform/db/schema.js';
import { addWorkingDays } from '../../platform/time.js';
import { signalEvents, signals } from './schema.js';
import type { AgeGroup, PersonKnows, Sign, SignalKind, SignallerType } from './model.js';
import { addressKey, signalSignallerKey, encryptPerson, encryptSignaller, encryptText, type PersonData, type SignallerData } from './personal.js';
import { resolveArea, routeInMunicipality, type PdokArea } from './routing.js';

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

/**
 * Stores a signal, routed, in one transaction: the signal with its encrypted personal data,
 * its 'received' and 'routed'/'unrouted' events and an audit entry. A repeated idempotency key
 * returns the first signal instead (also when two retries race: the unique index decides).
 * Nothing is stored when any step fails.
 */
export async function receiveSignal(db: Db, cipher: FieldCipher, input: SignalInput, opts: IntakeOptions): Promise<IntakeResult> {
  if (opts.idempotencyKey) {
    const earlier = await findByKey(db, opts);
    if (earlier) return earlier;
  }
  const now = opts.now ?? new Date();
  const area = await resolveArea(db, input.person.postcode, input.person.houseNumber, opts.pdok);
  const point = area
    ? await routeInMunicipality(db, area.municipalityId, { neighbourhoodId: area.neighbourhoodId, ageGroup: input.ageGroup, signallerType: input.signallerType })
    : null;
  const values = {
    reference: newReference(),
    kind: input.kind,
    channel: opts.channel,
    apiKeyId: opts.apiKeyId ?? null,
    idempotencyKey: opts.idempotencyKey ?? null,
    requestHash: opts.requestHash ?? null,
    receivedAt: now,
    signallerType: input.signallerType,
    ageGroup: input.ageGroup,
    signs: input.signs,
    personKnows: input.personKnows,
    feedbackRequested: input.feedbackRequested && !!input.signaller.email,
    municipalityId: area?.municipalityId ?? null,
    neighbourhoodId: area?.neighbourhoodId ?? null,
    signalPointId: point?.id ?? null,
    organisationId: point?.organisationId ?? null,
    routedBy: point ? area!.routedBy : 'none',
    routedAt: point ? now : null,
    status: 'new',
    dueAt: point ? addWorkingDays(now, point.firstContactDays) : null,
    personEnc: encryptPerson(cipher, input.person),
    signallerEnc: encryptSignaller(cipher, input.signaller),
    storyEnc: encryptText(cipher, input.story),
    addressKey: addressKey(cipher, input.person.postcode, input.person.houseNumber, input.person.houseNumberAddition),
    signallerKey: signalSignallerKey(cipher, input.kind, input.person, input.signaller),
  };
  const result = await db.transaction(async (tx) => {
    // With an idempotency key a racing retry hits the unique index and inserts nothing.
    const insert = tx.insert(signals).values(values);
    const inserted = await (opts.idempotencyKey ? insert.onConflictDoNothing() : insert).returning({ id: signals.id, reference: signals.reference });
    if (!inserted.length) return null; // a concurrent retry won: return its signal below
    const id = inserted[0]!.id;
    await tx.insert(signalEvents).values([
      { signalId: id, at: now, kind: 'received', toStatus: 'new', code: opts.channel },
      point
        ? { signalId: id, at: now, kind: 'routed', organisationId: point.organisationId, code: `${area!.routedBy}:${point.id}` }
        : { signalId: id, at: now, kind: 'unrouted', code: area ? 'no_signal_point' : 'unknown_postcode' },
    ]);
    await audit(tx, opts.audit, { action: 'create', entity: 'signal', entityId: id, details: { channel: opts.channel, routed: !!point, municipalityId: area?.municipalityId ?? null } });
    if (!point) await alertUnrouted(tx, { jobs: opts.jobs, helpdeskEmail: opts.helpdeskEmail, baseUrl: opts.baseUrl, now });
    return { id, reference: inserted[0]!.reference, created: true, routed: !!point, receivedAt: now };
  });
  if (result) return result;
  const earlier = await findByKey(db, opts);
  if (!earlier) throw new Error('idempotent insert lost its row');
  return earlier;
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
