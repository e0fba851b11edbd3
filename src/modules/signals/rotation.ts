import { and, asc, eq, gt, isNull, or, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Db } from '../../platform/db/index.js';
import type { FieldCipher } from '../../platform/crypto.js';
import { audit, type AuditContext } from '../../platform/audit.js';
import { signals } from './schema.js';
import { addressKey, signalSignallerKey, type PersonData, type SignallerData } from './personal.js';

/**
 * Key rotation: re-encrypts every value encrypted with an old key (ENCRYPTION_KEYS_OLD) under
 * the current ENCRYPTION_KEY, and recomputes the blind indexes that depend on the key.
 *
 * Every FieldCipher column of the platform is listed here — keep this list complete when a
 * module adds one (grep "cipher.encrypt"):
 * - signals.person_enc, signaller_enc, story_enc (+ blind indexes address_key, signaller_key);
 * - signal_events.text_enc (notes, attempt remarks);
 * - benchmark_invitations.token_encrypted (the copy of a questionnaire link's token).
 *
 * Batched (each batch one transaction), idempotent (a value under the current key is left
 * alone, so a second run changes nothing) and resumable (a crashed run is simply run again).
 * Every update is compare-and-set on the old value: a row changed meanwhile (a handler, the
 * retention job) is left to the next run and counted in `remaining`. A value that cannot be
 * decrypted (unknown key, damaged) is reported and left unchanged, never dropped.
 */

export const ROTATION_BATCH = 500;
const REPORT_LIMIT = 100;

/** Single encrypted columns without derived data. Fixed names, never user input. */
const SIMPLE_COLUMNS = [
  { table: 'signal_events', column: 'text_enc' },
  { table: 'benchmark_invitations', column: 'token_encrypted' },
] as const;
const SIGNAL_COLUMNS = ['person_enc', 'signaller_enc', 'story_enc'] as const;

export interface UnreadableValue {
  table: string;
  column: string;
  id: number;
  /** The key id in the value ("?" when it is not an encrypted value at all). */
  keyId: string;
}

export interface RotationReport {
  /** Id of the current key (first 8 hex characters of its SHA-256; not secret). */
  keyId: string;
  /** Values re-encrypted, per "table.column". */
  reencrypted: Record<string, number>;
  /** Signals whose address_key or signaller_key changed. */
  blindIndexes: number;
  /** Values that could not be decrypted (unknown key or damaged): left unchanged. */
  unreadable: number;
  /** The first REPORT_LIMIT of them. */
  unreadableValues: UnreadableValue[];
  /** Rows changed by someone else during the run: left for the next run. */
  changedMeanwhile: number;
  /** Values still not under the current key after the run (0 = the old keys can go). */
  remaining: number;
}

const keyIdOf = (v: string) => {
  const parts = v.split('.');
  return parts[0] === 'v1' && parts.length === 5 ? parts[1]! : '?';
};

/** True when `v` is set and not encrypted with the current key. */
const stale = (cipher: FieldCipher, v: string | null): v is string => v != null && cipher.needsRotation(v);

function staleSql(col: SQLWrapper, keyId: string): SQL {
  return sql`(${col} is not null and split_part(${col}, '.', 2) <> ${keyId})`;
}

/** Values not yet under the current key, over every encrypted column. */
export async function countRemaining(db: Db, cipher: FieldCipher): Promise<number> {
  const k = cipher.currentKeyId;
  const parts = [
    ...SIGNAL_COLUMNS.map((c) => sql`select count(*)::int as n from signals where ${staleSql(sql.identifier(c), k)}`),
    ...SIMPLE_COLUMNS.map((c) => sql`select count(*)::int as n from ${sql.identifier(c.table)} where ${staleSql(sql.identifier(c.column), k)}`),
  ];
  const r = await db.execute<{ n: number }>(sql`select coalesce(sum(n), 0)::int as n from (${sql.join(parts, sql` union all `)}) x`);
  return r.rows[0]!.n;
}

/**
 * Signals whose personal data (and so their blind indexes address_key / signaller_key, which a
 * row always has under the same key: see rotateSignals) are still under an old key: a search by
 * address or e-mail address computes the index with the current key and misses them until
 * `rotate-encryption-key` has run. One count over the key id in the ciphertext ("v1.<keyId>.…").
 */
export async function countSignalsUnderOldKey(db: Db, cipher: FieldCipher): Promise<number> {
  const k = cipher.currentKeyId;
  const r = await db.execute<{ n: number }>(
    sql`select count(*)::int as n from ${signals} where ${or(staleSql(signals.personEnc, k), staleSql(signals.signallerEnc, k))}`,
  );
  return r.rows[0]!.n;
}

export async function rotateEncryption(
  db: Db,
  cipher: FieldCipher,
  opts: { batchSize?: number; audit?: AuditContext; reindexAll?: boolean; onProgress?: (label: string, done: number) => void } = {},
): Promise<RotationReport> {
  const batchSize = opts.batchSize ?? ROTATION_BATCH;
  const report: RotationReport = {
    keyId: cipher.currentKeyId,
    reencrypted: Object.fromEntries([...SIGNAL_COLUMNS.map((c) => `signals.${c}`), ...SIMPLE_COLUMNS.map((c) => `${c.table}.${c.column}`)].map((k) => [k, 0])),
    blindIndexes: 0,
    unreadable: 0,
    unreadableValues: [],
    changedMeanwhile: 0,
    remaining: 0,
  };
  const unreadable = (table: string, column: string, id: number, value: string) => {
    report.unreadable += 1;
    if (report.unreadableValues.length < REPORT_LIMIT) report.unreadableValues.push({ table, column, id, keyId: keyIdOf(value) });
  };
  const tryDecrypt = (table: string, column: string, id: number, value: string | null): { ok: true; plain: string | null } | { ok: false } => {
    if (value == null) return { ok: true, plain: null };
    try {
      return { ok: true, plain: cipher.decrypt(value) };
    } catch {
      unreadable(table, column, id, value);
      return { ok: false };
    }
  };

  await rotateSignals(db, cipher, batchSize, !!opts.reindexAll, report, tryDecrypt, opts.onProgress);
  for (const c of SIMPLE_COLUMNS) await rotateSimple(db, cipher, c, batchSize, report, tryDecrypt, opts.onProgress);

  report.remaining = await countRemaining(db, cipher);
  await audit(db, opts.audit ?? { label: 'sleutelrotatie' }, {
    action: 'key_rotation',
    entity: 'encryption_key',
    entityId: report.keyId,
    details: {
      reencrypted: report.reencrypted,
      blindIndexes: report.blindIndexes,
      unreadable: report.unreadable,
      unreadableValues: report.unreadableValues.map((u) => ({ table: u.table, column: u.column, id: u.id, keyId: u.keyId })),
      changedMeanwhile: report.changedMeanwhile,
      remaining: report.remaining,
      reindexAll: !!opts.reindexAll,
    },
  });
  return report;
}

type TryDecrypt = (table: string, column: string, id: number, value: string | null) => { ok: true; plain: string | null } | { ok: false };

/**
 * Signals: the three personal columns and the blind indexes computed from them. A row is done
 * as a whole (all three values readable) or not at all, so its blind indexes are always under
 * the same key as its personal data — which is what lets a rerun skip rows under the current key.
 */
async function rotateSignals(db: Db, cipher: FieldCipher, batchSize: number, reindexAll: boolean, report: RotationReport, tryDecrypt: TryDecrypt, onProgress?: (label: string, done: number) => void) {
  const k = cipher.currentKeyId;
  const needs = reindexAll
    ? sql`(${signals.personEnc} is not null or ${signals.signallerEnc} is not null or ${signals.storyEnc} is not null)`
    : or(staleSql(signals.personEnc, k), staleSql(signals.signallerEnc, k), staleSql(signals.storyEnc, k))!;
  let lastId = 0;
  let done = 0;
  for (;;) {
    const rows = await db
      .select({
        id: signals.id,
        kind: signals.kind,
        personEnc: signals.personEnc,
        signallerEnc: signals.signallerEnc,
        storyEnc: signals.storyEnc,
        addressKey: signals.addressKey,
        signallerKey: signals.signallerKey,
      })
      .from(signals)
      .where(and(gt(signals.id, lastId), needs))
      .orderBy(asc(signals.id))
      .limit(batchSize);
    if (!rows.length) break;
    lastId = rows[rows.length - 1]!.id;
    await db.transaction(async (tx) => {
      for (const r of rows) {
        const person = tryDecrypt('signals', 'person_enc', r.id, r.personEnc);
        const signaller = tryDecrypt('signals', 'signaller_enc', r.id, r.signallerEnc);
        const story = tryDecrypt('signals', 'story_enc', r.id, r.storyEnc);
        if (!person.ok || !signaller.ok || !story.ok) continue;
        const p = person.plain == null ? null : (JSON.parse(person.plain) as PersonData);
        const s = signaller.plain == null ? null : (JSON.parse(signaller.plain) as SignallerData);
        const next = {
          personEnc: stale(cipher, r.personEnc) ? cipher.encrypt(person.plain!) : r.personEnc,
          signallerEnc: stale(cipher, r.signallerEnc) ? cipher.encrypt(signaller.plain!) : r.signallerEnc,
          storyEnc: stale(cipher, r.storyEnc) ? cipher.encrypt(story.plain!) : r.storyEnc,
          addressKey: p ? addressKey(cipher, p.postcode, p.houseNumber, p.houseNumberAddition) : null,
          signallerKey: signalSignallerKey(cipher, r.kind, p, s),
        };
        const changed = (Object.keys(next) as (keyof typeof next)[]).filter((f) => next[f] !== r[f]);
        if (!changed.length) continue;
        const same = (col: PgColumn, v: string | null) => (v == null ? isNull(col) : eq(col, v));
        const updated = await tx
          .update(signals)
          .set(next)
          .where(and(eq(signals.id, r.id), same(signals.personEnc, r.personEnc), same(signals.signallerEnc, r.signallerEnc), same(signals.storyEnc, r.storyEnc)))
          .returning({ id: signals.id });
        if (!updated.length) {
          report.changedMeanwhile += 1;
          continue;
        }
        if (next.personEnc !== r.personEnc) report.reencrypted['signals.person_enc']! += 1;
        if (next.signallerEnc !== r.signallerEnc) report.reencrypted['signals.signaller_enc']! += 1;
        if (next.storyEnc !== r.storyEnc) report.reencrypted['signals.story_enc']! += 1;
        if (next.addressKey !== r.addressKey || next.signallerKey !== r.signallerKey) report.blindIndexes += 1;
      }
    });
    done += rows.length;
    onProgress?.('signals', done);
    if (rows.length < batchSize) break;
  }
}

async function rotateSimple(
  db: Db,
  cipher: FieldCipher,
  c: (typeof SIMPLE_COLUMNS)[number],
  batchSize: number,
  report: RotationReport,
  tryDecrypt: TryDecrypt,
  onProgress?: (label: string, done: number) => void,
) {
  const table = sql.identifier(c.table);
  const column = sql.identifier(c.column);
  const label = `${c.table}.${c.column}`;
  let lastId = 0;
  let done = 0;
  for (;;) {
    const rows = (
      await db.execute<{ id: string; v: string }>(
        sql`select id, ${column} as v from ${table} where id > ${lastId} and ${staleSql(column, cipher.currentKeyId)} order by id limit ${batchSize}`,
      )
    ).rows.map((r) => ({ id: Number(r.id), v: r.v }));
    if (!rows.length) break;
    lastId = rows[rows.length - 1]!.id;
    await db.transaction(async (tx) => {
      for (const r of rows) {
        const d = tryDecrypt(c.table, c.column, r.id, r.v);
        if (!d.ok) continue;
        const updated = await tx.execute(sql`update ${table} set ${column} = ${cipher.encrypt(d.plain!)} where id = ${r.id} and ${column} = ${r.v}`);
        if (updated.rowCount) report.reencrypted[label]! += 1;
        else report.changedMeanwhile += 1;
      }
    });
    done += rows.length;
    onProgress?.(label, done);
    if (rows.length < batchSize) break;
  }
}
