import fs from 'node:fs';
import path from 'node:path';
import { fromRoot } from '../../platform/paths.js';
import { and, asc, eq, ilike, inArray, isNull, ne, or, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import type { Db } from '../../platform/db/index.js';
import { scopeOf, type Principal } from '../../platform/access.js';
import { audit, type AuditContext } from '../../platform/audit.js';
import { isIsoDate, normaliseDate } from '../../platform/http/forms.js';
import { amsterdamDate } from '../../platform/time.js';
import type { RowProblem } from '../../platform/tabular.js';
import { jointApproaches, municipalities, neighbourhoods, organisations, participations, provinces } from './schema.js';
import { PARTICIPATION_STATUSES, PARTICIPATION_STATUS_LABELS, type ParticipationStatus } from './labels.js';

export const DATA_DIR = fromRoot('src/modules/registry/data');

export const CBS_MUNICIPALITY = /^GM\d{4}$/;
export const CBS_PROVINCE = /^PV\d{2}$/;

/**
 * The municipalities a coordinator or advisor acts for: their own, plus all members of a
 * joint approach in which one of them is the primary municipality.
 */
export async function expandMunicipalityScope(db: Db, ids: number[]): Promise<number[]> {
  if (!ids.length) return [];
  const rows = await db
    .select({ id: participations.municipalityId })
    .from(participations)
    .innerJoin(jointApproaches, eq(jointApproaches.id, participations.jointApproachId))
    .where(and(inArray(jointApproaches.primaryMunicipalityId, ids), isNull(participations.deletedAt), isNull(jointApproaches.deletedAt)));
  return [...new Set([...ids, ...rows.map((r) => r.id)])].sort((a, b) => a - b);
}

/** A WHERE condition limiting a municipality id column to the principal's scope. */
export function municipalityScopeCondition(p: Principal, column: SQL | typeof municipalities.id): SQL | undefined {
  const s = scopeOf(p);
  if (s.all) return undefined;
  if (!s.municipalityIds.length) return sql`false`;
  return inArray(column as typeof municipalities.id, s.municipalityIds);
}

export async function registryCounts(db: Db, p: Principal) {
  const s = scopeOf(p);
  if (!s.all && !s.municipalityIds.length && !s.organisationIds.length) return null;
  const mScope = municipalityScopeCondition(p, municipalities.id);
  const [m] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(municipalities)
    .where(and(isNull(municipalities.deletedAt), isNull(municipalities.validTo), mScope));
  const [pa] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(participations)
    .where(and(isNull(participations.deletedAt), municipalityScopeCondition(p, participations.municipalityId as never)));
  const orgScope = s.all
    ? undefined
    : or(
        s.municipalityIds.length ? inArray(organisations.municipalityId, s.municipalityIds) : sql`false`,
        s.organisationIds.length ? inArray(organisations.id, s.organisationIds) : sql`false`,
      );
  const [o] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(organisations)
    .where(and(isNull(organisations.deletedAt), orgScope));
  return { municipalities: m.n, participating: pa.n, organisations: o.n };
}

export async function listProvinces(db: Db) {
  return db.select().from(provinces).orderBy(asc(provinces.name));
}

export interface MunicipalityFilter {
  q?: string;
  province?: string; // PV code
  status?: 'current' | 'ended' | 'all';
  participating?: 'yes' | 'no' | '';
  sort?: string;
  dir?: 'asc' | 'desc';
  page: number;
  pageSize: number;
}

export const MUNICIPALITY_SORTS = ['name', 'cbsCode', 'province', 'signedOn'] as const;

const municipalitySortColumn = (sort?: string) =>
  sort === 'cbsCode' ? municipalities.cbsCode : sort === 'province' ? provinces.name : sort === 'signedOn' ? participations.signedOn : municipalities.name;

function municipalityWhere(p: Principal, f: Omit<MunicipalityFilter, 'page' | 'pageSize'>): SQL | undefined {
  const where: (SQL | undefined)[] = [isNull(municipalities.deletedAt), municipalityScopeCondition(p, municipalities.id)];
  if (f.q) {
    const like = `%${f.q.replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
    where.push(or(ilike(municipalities.name, like), ilike(municipalities.cbsCode, like)));
  }
  if (f.province) where.push(eq(provinces.code, f.province));
  if (f.status !== 'all') where.push(f.status === 'ended' ? sql`${municipalities.validTo} is not null` : isNull(municipalities.validTo));
  if (f.participating === 'yes') where.push(sql`${participations.id} is not null`);
  if (f.participating === 'no') where.push(sql`${participations.id} is null`);
  return and(...where);
}

const successorM = alias(municipalities, 'successor_m');

/** Municipalities visible to `p`, filtered, sorted and paged; joins province and participation. */
export async function listMunicipalities(db: Db, p: Principal, f: MunicipalityFilter) {
  const cond = municipalityWhere(p, f);
  const col = municipalitySortColumn(f.sort);
  const order = f.dir === 'desc' ? [sql`${col} desc nulls last`, asc(municipalities.cbsCode)] : [sql`${col} asc nulls last`, asc(municipalities.cbsCode)];
  const base = () =>
    db
      .select({
        id: municipalities.id,
        cbsCode: municipalities.cbsCode,
        name: municipalities.name,
        provinceCode: provinces.code,
        provinceName: provinces.name,
        validFrom: municipalities.validFrom,
        validTo: municipalities.validTo,
        population: municipalities.population,
        successorCode: successorM.cbsCode,
        successorName: successorM.name,
        participationId: participations.id,
        participationStatus: participations.status,
        signedOn: participations.signedOn,
        stoppedOn: participations.stoppedOn,
        total: sql<number>`(count(*) over ())::int`,
      })
      .from(municipalities)
      .innerJoin(provinces, eq(provinces.id, municipalities.provinceId))
      .leftJoin(successorM, eq(successorM.id, municipalities.successorId))
      .leftJoin(participations, and(eq(participations.municipalityId, municipalities.id), isNull(participations.deletedAt)));
  // One query: the page and, through a window function, the number of matches.
  const withTotal = await base()
    .where(cond)
    .orderBy(...order)
    .limit(f.pageSize)
    .offset((f.page - 1) * f.pageSize);
  let total = withTotal[0]?.total ?? 0;
  if (!withTotal.length && f.page > 1) {
    // Past the last page: the window saw no rows, so count separately.
    [{ total }] = await db
      .select({ total: sql<number>`count(*)::int` })
      .from(municipalities)
      .innerJoin(provinces, eq(provinces.id, municipalities.provinceId))
      .leftJoin(participations, and(eq(participations.municipalityId, municipalities.id), isNull(participations.deletedAt)))
      .where(cond);
  }
  const rows = withTotal.map(({ total: _t, ...r }) => r);
  return { rows, total };
}

export type MunicipalityRow = Awaited<ReturnType<typeof listMunicipalities>>['rows'][number];

export async function getMunicipality(db: Db, id: number) {
  const [m] = await db
    .select({ m: municipalities, province: provinces })
    .from(municipalities)
    .innerJoin(provinces, eq(provinces.id, municipalities.provinceId))
    .where(and(eq(municipalities.id, id), isNull(municipalities.deletedAt)));
  if (!m) return null;
  const successor = m.m.successorId ? (await db.select().from(municipalities).where(eq(municipalities.id, m.m.successorId)))[0] : null;
  const predecessors = await db.select().from(municipalities).where(and(eq(municipalities.successorId, id), isNull(municipalities.deletedAt)));
  return { ...m.m, province: m.province, successor: successor ?? null, predecessors };
}

/**
 * Finds a municipality by CBS code. A code of a merged municipality resolves to the current
 * one by following the chain of successors (`via` lists the codes passed on the way).
 */
export async function resolveMunicipalityCode(db: Db, code: string) {
  const normal = code.trim().toUpperCase();
  const [m] = await db.select().from(municipalities).where(and(eq(municipalities.cbsCode, normal), isNull(municipalities.deletedAt)));
  if (!m) return null;
  let current = m;
  const via: string[] = [];
  for (let hops = 0; current.successorId && hops < 20; hops++) {
    via.push(current.cbsCode);
    const [next] = await db.select().from(municipalities).where(eq(municipalities.id, current.successorId));
    if (!next) break;
    current = next;
  }
  return { municipality: current, requested: m, via };
}

export interface ReferenceMunicipality {
  cbsCode: string;
  name: string;
  provinceCode: string;
  provinceName?: string;
  /** Set when the source has it (CBS "Inwonertal"); undefined leaves the stored value alone. */
  population?: number | null;
}

/** Reads the shipped reference list (data/municipalities.csv). */
export function readShippedMunicipalities(file = path.join(DATA_DIR, 'municipalities.csv')): ReferenceMunicipality[] {
  const rows = parse(fs.readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  return rows.map((r) => ({ cbsCode: r.cbs_code, name: r.name, provinceCode: r.province_code, provinceName: r.province_name }));
}

export function readShippedProvinces(file = path.join(DATA_DIR, 'provinces.csv')): { code: string; name: string }[] {
  const rows = parse(fs.readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  return rows.map((r) => ({ code: r.province_code, name: r.province_name }));
}

export interface ReferenceSyncResult {
  created: number;
  updated: number;
  unchanged: number;
  ended: number;
}

/**
 * Brings the municipality table in line with an official list: new codes are added, changed
 * names or provinces updated. With `complete`, current municipalities missing from the list
 * get `valid_to = asOf` (they were merged away; history is kept). One transaction.
 */
export async function syncReferenceMunicipalities(
  db: Db,
  list: ReferenceMunicipality[],
  opts: { complete: boolean; asOf: string; provinces?: { code: string; name: string }[]; onProgress?: (done: number, total: number) => void },
): Promise<ReferenceSyncResult> {
  return db.transaction(async (tx) => {
    const provinceRows = opts.provinces ?? [...new Map(list.map((m) => [m.provinceCode, { code: m.provinceCode, name: m.provinceName ?? m.provinceCode }])).values()];
    for (const pv of provinceRows) {
      await tx.insert(provinces).values(pv).onConflictDoUpdate({ target: provinces.code, set: { name: sql`excluded.name` } });
    }
    const pvIds = new Map((await tx.select().from(provinces)).map((p) => [p.code, p.id]));
    const existing = new Map((await tx.select().from(municipalities)).map((m) => [m.cbsCode, m]));
    const result: ReferenceSyncResult = { created: 0, updated: 0, unchanged: 0, ended: 0 };
    let done = 0;
    for (const m of list) {
      const provinceId = pvIds.get(m.provinceCode);
      if (!provinceId) throw new Error(`unknown province ${m.provinceCode} for ${m.cbsCode}`);
      const e = existing.get(m.cbsCode);
      const population = m.population === undefined ? {} : { population: m.population };
      if (!e) {
        await tx.insert(municipalities).values({ cbsCode: m.cbsCode, name: m.name, provinceId, validFrom: null, ...population });
        result.created++;
      } else if (
        e.name !== m.name ||
        e.provinceId !== provinceId ||
        e.validTo ||
        e.successorId ||
        e.deletedAt ||
        (m.population !== undefined && m.population !== e.population)
      ) {
        // A municipality on the current official list exists: it is not ended nor merged.
        await tx
          .update(municipalities)
          .set({ name: m.name, provinceId, validTo: null, successorId: null, deletedAt: null, updatedAt: new Date(), ...population })
          .where(eq(municipalities.id, e.id));
        result.updated++;
      } else result.unchanged++;
      opts.onProgress?.(++done, list.length);
    }
    if (opts.complete) {
      const codes = new Set(list.map((m) => m.cbsCode));
      for (const e of existing.values()) {
        if (!codes.has(e.cbsCode) && !e.validTo && !e.deletedAt) {
          await tx.update(municipalities).set({ validTo: opts.asOf, updatedAt: new Date() }).where(eq(municipalities.id, e.id));
          result.ended++;
        }
      }
    }
    return result;
  });
}


// ---------------------------------------------------------------------------------------------
// Shared bits for writes
// ---------------------------------------------------------------------------------------------

/** Field errors of a write that was refused (nothing changed). Keys are form field names. */
export type FieldProblems = Record<string, string>;
export type WriteResult = { ok: true; id: number } | { ok: false; errors: FieldProblems };

const txDb = (tx: unknown) => tx as Db;
const hasErrors = (e: FieldProblems) => Object.keys(e).length > 0;

/** Everything in the registry, for the CLI and other system work (never written to the audit log as actor). */
export const SYSTEM_VIEWER: Principal = { kind: 'user', id: 0, label: 'systeem', roles: [{ role: 'programme_admin' }], municipalityIds: [], organisationIds: [] };

/** A CBS municipality code as people type it: "gm363", "0363" and " GM0363 " all become GM0363. */
export function normaliseCbsCode(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const s = v.trim().toUpperCase();
  if (/^\d{1,4}$/.test(s)) return `GM${s.padStart(4, '0')}`;
  return s;
}

export const CBS_CODE_MESSAGE = 'Een CBS-gemeentecode bestaat uit GM en vier cijfers, zoals GM0363.';

/** Required CBS municipality code (forms and imports). */
export const cbsCodeField = () =>
  z.preprocess(normaliseCbsCode, z.string({ message: 'Vul de CBS-code in.' }).min(1, 'Vul de CBS-code in.').regex(CBS_MUNICIPALITY, CBS_CODE_MESSAGE));

const POPULATION_MESSAGE = 'Vul een heel getal van 0 of meer in, zoals 25243.';
/** Optional number of inhabitants; "25.243" and "25 243" are accepted. '' becomes undefined. */
const populationNumber = () =>
  z.preprocess(
    (v) => (typeof v === 'string' ? v.replace(/[\s.]/g, '') : v),
    z.coerce.number({ message: POPULATION_MESSAGE }).int(POPULATION_MESSAGE).min(0, POPULATION_MESSAGE).max(20_000_000, POPULATION_MESSAGE),
  );
export const populationField = () => z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), populationNumber().optional());

/** Accepts the status code (signed) or its Dutch label (Vijf pijlers ondertekend), any case. */
export function normaliseStatus(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const s = v.trim().toLowerCase();
  const byLabel = PARTICIPATION_STATUSES.find((k) => PARTICIPATION_STATUS_LABELS[k].toLowerCase() === s);
  return byLabel ?? s;
}
export const STATUS_MESSAGE = `Kies een status: ${PARTICIPATION_STATUSES.map((s) => PARTICIPATION_STATUS_LABELS[s]).join(', ')}.`;
export const statusField = () => z.preprocess(normaliseStatus, z.enum(PARTICIPATION_STATUSES, { message: STATUS_MESSAGE }));

/**
 * Statuses that mean the five pillars were signed: they need a signing date. "Stopped" does not:
 * a municipality can stop after showing interest without ever signing.
 */
export const SIGNED_STATUSES: readonly ParticipationStatus[] = ['signed', 'active'];

// ---------------------------------------------------------------------------------------------
// Municipalities: detail, create, update, delete, merger
// ---------------------------------------------------------------------------------------------

export async function findMunicipalityByCode(db: Db, code: string) {
  const [m] = await db.select().from(municipalities).where(and(eq(municipalities.cbsCode, code), isNull(municipalities.deletedAt)));
  return m ?? null;
}

/** The municipality's (non-deleted) participation with its joint approach, or null. */
export async function getParticipationOfMunicipality(db: Db, municipalityId: number) {
  const [row] = await db
    .select({ participation: participations, joint: jointApproaches })
    .from(participations)
    .leftJoin(jointApproaches, and(eq(jointApproaches.id, participations.jointApproachId), isNull(jointApproaches.deletedAt)))
    .where(and(eq(participations.municipalityId, municipalityId), isNull(participations.deletedAt)));
  return row ?? null;
}

export interface MunicipalityInput {
  cbsCode: string;
  name: string;
  provinceCode: string;
  validFrom?: string | null;
  validTo?: string | null;
  population?: number | null;
}

/** Registers a municipality. A code of a soft-deleted municipality brings that record back. */
export async function createMunicipality(db: Db, ctx: AuditContext, input: MunicipalityInput): Promise<WriteResult> {
  return db.transaction(async (tx): Promise<WriteResult> => {
    const t = txDb(tx);
    const errors: FieldProblems = {};
    const [pv] = await t.select().from(provinces).where(eq(provinces.code, input.provinceCode));
    if (!pv) errors.provinceCode = 'Kies een bestaande provincie.';
    const [dup] = await t.select().from(municipalities).where(eq(municipalities.cbsCode, input.cbsCode));
    if (dup && !dup.deletedAt) errors.cbsCode = `Er bestaat al een gemeente met CBS-code ${input.cbsCode}: ${dup.name}.`;
    if (input.validFrom && input.validTo && input.validTo < input.validFrom) errors.validTo = 'De einddatum kan niet vóór de begindatum liggen.';
    if (hasErrors(errors)) return { ok: false, errors };
    const values = {
      cbsCode: input.cbsCode,
      name: input.name,
      provinceId: pv!.id,
      validFrom: input.validFrom ?? null,
      validTo: input.validTo ?? null,
      population: input.population ?? null,
      successorId: null,
      deletedAt: null,
      updatedAt: new Date(),
    };
    const [m] = dup
      ? await t.update(municipalities).set(values).where(eq(municipalities.id, dup.id)).returning()
      : await t.insert(municipalities).values(values).returning();
    await audit(t, ctx, { action: 'create', entity: 'municipality', entityId: m.id, details: { cbsCode: m.cbsCode, name: m.name, restored: dup ? true : undefined } });
    return { ok: true, id: m.id };
  });
}

/**
 * Changes the given fields of a municipality (fields left undefined stay as they are). Ending
 * the validity is done through recordMerger or by setting validTo; clearing validTo also clears
 * the successor (the merger is undone).
 */
export async function updateMunicipality(db: Db, ctx: AuditContext, id: number, patch: Partial<MunicipalityInput>): Promise<WriteResult> {
  return db.transaction(async (tx): Promise<WriteResult> => {
    const t = txDb(tx);
    const [m] = await t.select().from(municipalities).where(and(eq(municipalities.id, id), isNull(municipalities.deletedAt)));
    if (!m) return { ok: false, errors: { _form: 'Deze gemeente bestaat niet (meer).' } };
    const errors: FieldProblems = {};
    const set: Partial<typeof municipalities.$inferInsert> = {};
    if (patch.cbsCode !== undefined && patch.cbsCode !== m.cbsCode) {
      const [dup] = await t.select().from(municipalities).where(and(eq(municipalities.cbsCode, patch.cbsCode), ne(municipalities.id, id)));
      if (dup) errors.cbsCode = `Er bestaat al een gemeente met CBS-code ${patch.cbsCode}: ${dup.name}${dup.deletedAt ? ' (verwijderd)' : ''}.`;
      set.cbsCode = patch.cbsCode;
    }
    if (patch.name !== undefined && patch.name !== m.name) set.name = patch.name;
    if (patch.provinceCode !== undefined) {
      const [pv] = await t.select().from(provinces).where(eq(provinces.code, patch.provinceCode));
      if (!pv) errors.provinceCode = 'Kies een bestaande provincie.';
      else if (pv.id !== m.provinceId) set.provinceId = pv.id;
    }
    if (patch.validFrom !== undefined && patch.validFrom !== m.validFrom) set.validFrom = patch.validFrom;
    if (patch.validTo !== undefined && patch.validTo !== m.validTo) {
      set.validTo = patch.validTo;
      if (patch.validTo === null && m.successorId) set.successorId = null;
    }
    if (patch.population !== undefined && patch.population !== m.population) set.population = patch.population;
    const from = set.validFrom !== undefined ? set.validFrom : m.validFrom;
    const to = set.validTo !== undefined ? set.validTo : m.validTo;
    if (from && to && to < from) errors.validTo = 'De einddatum kan niet vóór de begindatum liggen.';
    if (hasErrors(errors)) return { ok: false, errors };
    if (Object.keys(set).length === 0) return { ok: true, id };
    await t
      .update(municipalities)
      .set({ ...set, updatedAt: new Date() })
      .where(eq(municipalities.id, id));
    await audit(t, ctx, { action: 'update', entity: 'municipality', entityId: id, details: { cbsCode: m.cbsCode, changed: Object.keys(set) } });
    return { ok: true, id };
  });
}

/** Why a municipality cannot be removed, or null when it can. */
export async function municipalityDeleteBlockers(db: Db, id: number): Promise<string[]> {
  const out: string[] = [];
  const count = async (q: Promise<{ n: number }[]>) => (await q)[0].n;
  const n = (table: typeof participations | typeof organisations | typeof neighbourhoods) =>
    count(
      db
        .select({ n: sql<number>`count(*)::int` })
        .from(table)
        .where(and(eq(table.municipalityId, id), isNull(table.deletedAt))),
    );
  if (await n(participations)) out.push('De gemeente heeft een deelname. Verwijder eerst de deelname.');
  const primaries = await count(
    db
      .select({ n: sql<number>`count(*)::int` })
      .from(jointApproaches)
      .where(and(eq(jointApproaches.primaryMunicipalityId, id), isNull(jointApproaches.deletedAt))),
  );
  if (primaries) out.push('De gemeente is hoofdgemeente van een gezamenlijke aanpak.');
  if (await n(organisations)) out.push('Er zijn organisaties aan deze gemeente gekoppeld.');
  if (await n(neighbourhoods)) out.push('Er zijn wijken en buurten van deze gemeente geregistreerd.');
  const preds = await count(
    db
      .select({ n: sql<number>`count(*)::int` })
      .from(municipalities)
      .where(and(eq(municipalities.successorId, id), isNull(municipalities.deletedAt))),
  );
  if (preds) out.push('Andere gemeenten zijn in deze gemeente opgegaan; hun oude CBS-codes verwijzen hiernaar.');
  return out;
}

/** Soft-deletes a municipality (the row stays for history and audit). */
export async function deleteMunicipality(db: Db, ctx: AuditContext, id: number): Promise<{ ok: true } | { ok: false; reasons: string[] }> {
  return db.transaction(async (tx) => {
    const t = txDb(tx);
    const [m] = await t
      .select()
      .from(municipalities)
      .where(and(eq(municipalities.id, id), isNull(municipalities.deletedAt)))
      .for('update');
    if (!m) return { ok: false, reasons: ['Deze gemeente bestaat niet (meer).'] };
    const reasons = await municipalityDeleteBlockers(t, id);
    if (reasons.length) return { ok: false, reasons };
    await t.update(municipalities).set({ deletedAt: new Date(), updatedAt: new Date() }).where(eq(municipalities.id, id));
    await audit(t, ctx, { action: 'delete', entity: 'municipality', entityId: id, details: { cbsCode: m.cbsCode, name: m.name } });
    return { ok: true };
  });
}

/**
 * Records that municipality `id` ended on `validTo` and went up in `successorCode`. The old row
 * is kept, so its code keeps resolving (resolveMunicipalityCode follows the successor).
 */
export async function recordMerger(db: Db, ctx: AuditContext, id: number, input: { successorCode: string; validTo: string }): Promise<WriteResult> {
  return db.transaction(async (tx): Promise<WriteResult> => {
    const t = txDb(tx);
    const [m] = await t.select().from(municipalities).where(and(eq(municipalities.id, id), isNull(municipalities.deletedAt)));
    if (!m) return { ok: false, errors: { _form: 'Deze gemeente bestaat niet (meer).' } };
    const errors: FieldProblems = {};
    const successor = await findMunicipalityByCode(t, input.successorCode);
    if (!successor) errors.successorCode = `Er is geen gemeente met CBS-code ${input.successorCode}.`;
    else if (successor.id === m.id) errors.successorCode = 'Een gemeente kan niet in zichzelf opgaan. Kies de nieuwe gemeente.';
    else if (successor.validTo || successor.successorId)
      errors.successorCode = `${successor.name} (${successor.cbsCode}) is zelf opgeheven. Kies de gemeente die nu bestaat.`;
    if (m.validFrom && input.validTo < m.validFrom) errors.validTo = `De einddatum kan niet vóór de begindatum (${m.validFrom}) liggen.`;
    if (hasErrors(errors)) return { ok: false, errors };
    await t
      .update(municipalities)
      .set({ validTo: input.validTo, successorId: successor!.id, updatedAt: new Date() })
      .where(eq(municipalities.id, id));
    // Earlier predecessors keep pointing here: resolveMunicipalityCode follows the whole chain,
    // so "A went up in B, B went up in C" stays visible as history.
    await audit(t, ctx, {
      action: 'update',
      entity: 'municipality',
      entityId: id,
      details: { merger: true, cbsCode: m.cbsCode, successor: successor!.cbsCode, validTo: input.validTo },
    });
    return { ok: true, id };
  });
}

/** Provinces with the number of current municipalities and participations in the viewer's scope. */
export async function listProvincesWithCounts(db: Db, p: Principal) {
  const scope = municipalityScopeCondition(p, municipalities.id);
  const rows = await db
    .select({
      id: provinces.id,
      code: provinces.code,
      name: provinces.name,
      municipalities: sql<number>`count(${municipalities.id})::int`,
      // Participating today, by the rule of the programme figures (figures-service.ts): signed on or before today, and
      // a stopped one only before its stop date.
      participating: sql<number>`(count(${participations.id}) filter (where ${participations.signedOn} <= (now() at time zone 'Europe/Amsterdam')::date
        and (${participations.status} <> 'stopped' or ${participations.stoppedOn} > (now() at time zone 'Europe/Amsterdam')::date)))::int`,
    })
    .from(provinces)
    .leftJoin(municipalities, and(eq(municipalities.provinceId, provinces.id), isNull(municipalities.deletedAt), isNull(municipalities.validTo), scope))
    .leftJoin(participations, and(eq(participations.municipalityId, municipalities.id), isNull(participations.deletedAt)))
    .groupBy(provinces.id)
    .orderBy(asc(provinces.name));
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Imports (all-or-nothing; see platform/tabular.ts)
// ---------------------------------------------------------------------------------------------

/** An import cell: '' means "clear" (null), a missing column means "leave as it is" (undefined). */
const cell = <T extends z.ZodType>(inner: T) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? null : typeof v === 'string' ? v.trim() : v), inner.nullable().optional());
const dateCell = (msg = 'Geen geldige datum; gebruik JJJJ-MM-DD of DD-MM-JJJJ.') =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? null : normaliseDate(v)), z.string({ message: msg }).refine(isIsoDate, msg).nullable().optional());

export const MUNICIPALITY_IMPORT_COLUMNS = ['cbs_code', 'name', 'province_code', 'valid_from', 'valid_to', 'population', 'successor_code'] as const;

export const municipalityImportSchema = z
  .object({
    cbs_code: cbsCodeField(),
    name: z.string({ message: 'Vul de naam in.' }).trim().min(1, 'Vul de naam in.').max(100, 'Gebruik hoogstens 100 tekens.'),
    province_code: z.preprocess(
      (v) => (typeof v === 'string' ? v.trim().toUpperCase() : v),
      z.string({ message: 'Vul de provinciecode in.' }).regex(CBS_PROVINCE, 'Een provinciecode bestaat uit PV en twee cijfers, zoals PV27.'),
    ),
    valid_from: dateCell(),
    valid_to: dateCell(),
    population: cell(populationNumber()),
    successor_code: cell(z.preprocess(normaliseCbsCode, z.string().regex(CBS_MUNICIPALITY, CBS_CODE_MESSAGE))),
  })
  .superRefine((v, c) => {
    if (v.valid_from && v.valid_to && v.valid_to < v.valid_from) c.addIssue({ code: 'custom', path: ['valid_to'], message: 'De einddatum ligt vóór de begindatum.' });
    if (v.successor_code && v.successor_code === v.cbs_code) c.addIssue({ code: 'custom', path: ['successor_code'], message: 'Een gemeente kan niet in zichzelf opgaan.' });
    if (v.successor_code && !v.valid_to) c.addIssue({ code: 'custom', path: ['valid_to'], message: 'Vul de einddatum in als de gemeente in een andere is opgegaan.' });
  });
export type MunicipalityImportRow = z.infer<typeof municipalityImportSchema>;

/** The per-row check of a municipality import against the database and the rest of the file. */
export async function municipalityImportChecker(db: Db, all: Record<string, string>[]) {
  const pvCodes = new Set((await db.select({ code: provinces.code }).from(provinces)).map((r) => r.code));
  const existing = new Map((await db.select({ code: municipalities.cbsCode, deletedAt: municipalities.deletedAt }).from(municipalities)).map((r) => [r.code, r]));
  const inFile = new Set(all.map((r) => normaliseCbsCode(r.cbs_code ?? '') as string));
  const seen = new Map<string, number>();
  return (row: MunicipalityImportRow, line: number): RowProblem[] => {
    const out: RowProblem[] = [];
    const first = seen.get(row.cbs_code);
    if (first) out.push({ line, field: 'cbs_code', reason: `CBS-code ${row.cbs_code} staat dubbel in het bestand (ook op regel ${first}).` });
    else seen.set(row.cbs_code, line);
    if (!pvCodes.has(row.province_code)) out.push({ line, field: 'province_code', reason: `Onbekende provinciecode ${row.province_code}.` });
    if (row.successor_code) {
      const e = existing.get(row.successor_code);
      if ((!e || e.deletedAt) && !inFile.has(row.successor_code)) out.push({ line, field: 'successor_code', reason: `Onbekende CBS-code ${row.successor_code}: die gemeente bestaat niet.` });
    }
    return out;
  };
}

export interface ImportCounts {
  created: number;
  updated: number;
  unchanged: number;
}

/** Writes validated municipality rows in one transaction: new codes are added, existing ones updated. */
export async function importMunicipalities(db: Db, ctx: AuditContext, rows: MunicipalityImportRow[], meta: { filename: string }): Promise<ImportCounts> {
  return db.transaction(async (tx) => {
    const t = txDb(tx);
    const pvIds = new Map((await t.select().from(provinces)).map((p) => [p.code, p.id]));
    const existing = new Map((await t.select().from(municipalities)).map((m) => [m.cbsCode, m]));
    const counts: ImportCounts = { created: 0, updated: 0, unchanged: 0 };
    const ids = new Map<string, number>();
    for (const r of rows) {
      const e = existing.get(r.cbs_code);
      const set: Partial<typeof municipalities.$inferInsert> = { name: r.name, provinceId: pvIds.get(r.province_code)! };
      if (r.valid_from !== undefined) set.validFrom = r.valid_from;
      if (r.valid_to !== undefined) set.validTo = r.valid_to;
      if (r.population !== undefined) set.population = r.population;
      if (!e) {
        const [m] = await t
          .insert(municipalities)
          .values({ cbsCode: r.cbs_code, name: r.name, provinceId: set.provinceId!, validFrom: set.validFrom ?? null, validTo: set.validTo ?? null, population: set.population ?? null })
          .returning();
        ids.set(r.cbs_code, m.id);
        counts.created++;
        continue;
      }
      ids.set(r.cbs_code, e.id);
      const changed = (Object.keys(set) as (keyof typeof set)[]).some((k) => (e as Record<string, unknown>)[k] !== set[k]) || e.deletedAt !== null;
      if (!changed) {
        counts.unchanged++;
        continue;
      }
      await t
        .update(municipalities)
        .set({ ...set, deletedAt: null, updatedAt: new Date() })
        .where(eq(municipalities.id, e.id));
      counts.updated++;
    }
    // Successors last: they may be rows of the same file.
    for (const r of rows) {
      if (r.successor_code === undefined) continue;
      const successorId = r.successor_code === null ? null : (ids.get(r.successor_code) ?? existing.get(r.successor_code)!.id);
      await t.update(municipalities).set({ successorId }).where(eq(municipalities.id, ids.get(r.cbs_code)!));
    }
    await audit(t, ctx, { action: 'import', entity: 'municipality', details: { filename: meta.filename, rows: rows.length, ...counts } });
    return counts;
  });
}

// ---------------------------------------------------------------------------------------------
// Participations (deelname: signing of the five pillars)
// ---------------------------------------------------------------------------------------------

export interface ParticipationFilter {
  q?: string;
  status?: ParticipationStatus;
  province?: string;
  joint?: 'yes' | 'no' | '';
  sort?: string;
  dir?: 'asc' | 'desc';
  page: number;
  pageSize: number;
}

export const PARTICIPATION_SORTS = ['municipality', 'cbsCode', 'province', 'status', 'signedOn', 'jointApproach'] as const;

const primaryM = alias(municipalities, 'primary_m');

function participationSortColumn(sort?: string): SQL | typeof municipalities.name {
  switch (sort) {
    case 'cbsCode':
      return sql`${municipalities.cbsCode}`;
    case 'province':
      return sql`${provinces.name}`;
    case 'status':
      return sql`array_position(array[${sql.raw(PARTICIPATION_STATUSES.map((s) => `'${s}'`).join(','))}]::text[], ${participations.status})`;
    case 'signedOn':
      return sql`${participations.signedOn}`;
    case 'jointApproach':
      return sql`${jointApproaches.name}`;
    default:
      return municipalities.name;
  }
}

function participationWhere(p: Principal, f: Omit<ParticipationFilter, 'page' | 'pageSize'>): SQL | undefined {
  const where: (SQL | undefined)[] = [isNull(participations.deletedAt), isNull(municipalities.deletedAt), municipalityScopeCondition(p, participations.municipalityId as never)];
  if (f.q) {
    const like = `%${f.q.replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
    where.push(or(ilike(municipalities.name, like), ilike(municipalities.cbsCode, like), ilike(jointApproaches.name, like)));
  }
  if (f.status) where.push(eq(participations.status, f.status));
  if (f.province) where.push(eq(provinces.code, f.province));
  if (f.joint === 'yes') where.push(sql`${jointApproaches.id} is not null`);
  if (f.joint === 'no') where.push(sql`${jointApproaches.id} is null`);
  return and(...where);
}

const participationColumns = {
  id: participations.id,
  municipalityId: participations.municipalityId,
  cbsCode: municipalities.cbsCode,
  municipalityName: municipalities.name,
  municipalityValidTo: municipalities.validTo,
  provinceCode: provinces.code,
  provinceName: provinces.name,
  status: participations.status,
  signedOn: participations.signedOn,
  stoppedOn: participations.stoppedOn,
  contactName: participations.contactName,
  contactEmail: participations.contactEmail,
  notes: participations.notes,
  jointApproachId: jointApproaches.id,
  jointApproachName: jointApproaches.name,
  primaryMunicipalityId: jointApproaches.primaryMunicipalityId,
  primaryCbsCode: primaryM.cbsCode,
  primaryName: primaryM.name,
  updatedAt: participations.updatedAt,
};

function participationQuery(db: Db) {
  return db
    .select(participationColumns)
    .from(participations)
    .innerJoin(municipalities, eq(municipalities.id, participations.municipalityId))
    .innerJoin(provinces, eq(provinces.id, municipalities.provinceId))
    .leftJoin(jointApproaches, and(eq(jointApproaches.id, participations.jointApproachId), isNull(jointApproaches.deletedAt)))
    .leftJoin(primaryM, eq(primaryM.id, jointApproaches.primaryMunicipalityId));
}

/** Participations visible to `p`, filtered, sorted and paged. */
export async function listParticipations(db: Db, p: Principal, f: ParticipationFilter) {
  const cond = participationWhere(p, f);
  const col = participationSortColumn(f.sort);
  const order = [sql`${col} ${sql.raw(f.dir === 'desc' ? 'desc' : 'asc')} nulls last`, asc(municipalities.name)];
  const [rows, [{ total }]] = await Promise.all([
    participationQuery(db)
      .where(cond)
      .orderBy(...order)
      .limit(f.pageSize)
      .offset((f.page - 1) * f.pageSize),
    db
      .select({ total: sql<number>`count(*)::int` })
      .from(participations)
      .innerJoin(municipalities, eq(municipalities.id, participations.municipalityId))
      .innerJoin(provinces, eq(provinces.id, municipalities.provinceId))
      .leftJoin(jointApproaches, and(eq(jointApproaches.id, participations.jointApproachId), isNull(jointApproaches.deletedAt)))
      .where(cond),
  ]);
  return { rows, total };
}

export type ParticipationRow = Awaited<ReturnType<typeof listParticipations>>['rows'][number];

export async function getParticipation(db: Db, id: number): Promise<ParticipationRow | null> {
  const [row] = await participationQuery(db).where(and(eq(participations.id, id), isNull(participations.deletedAt)));
  return row ?? null;
}

/**
 * The participation for a CBS code: the municipality's own, or (for a merged municipality
 * without one) that of the municipality it went up in.
 */
export async function getParticipationByCode(db: Db, code: string) {
  const r = await resolveMunicipalityCode(db, code);
  if (!r) return null;
  for (const m of [r.requested, r.municipality]) {
    const [row] = await participationQuery(db).where(and(eq(participations.municipalityId, m.id), isNull(participations.deletedAt)));
    if (row) return { row, requested: r.requested.cbsCode, resolvedVia: m.id === r.requested.id ? [] : r.via };
  }
  return null;
}

/** Current municipalities without a participation (for the "new participation" form). */
export async function municipalitiesWithoutParticipation(db: Db) {
  return db
    .select({ id: municipalities.id, cbsCode: municipalities.cbsCode, name: municipalities.name })
    .from(municipalities)
    .leftJoin(participations, and(eq(participations.municipalityId, municipalities.id), isNull(participations.deletedAt)))
    .where(and(isNull(municipalities.deletedAt), isNull(municipalities.validTo), isNull(participations.id)))
    .orderBy(asc(municipalities.name));
}

export interface ParticipationInput {
  status: ParticipationStatus;
  signedOn?: string | null;
  /** The day the municipality stopped (status 'stopped' only); it took part up to, not including, this day. */
  stoppedOn?: string | null;
  contactName?: string | null;
  contactEmail?: string | null;
  notes?: string | null;
}

/** The fields the participation rules look at. */
export interface ParticipationRuleValues {
  status?: ParticipationStatus;
  signedOn?: string | null;
  stoppedOn?: string | null;
}

/**
 * Rules on status and dates that hold for forms and imports alike. `today` is the calendar day
 * in Amsterdam (amsterdamDate(now)); `source` only changes how the messages name the stop-date
 * field: the form field "Gestopt op" or the file column stopped_on.
 *
 * The stop date: a municipality takes part from signedOn up to, not including, stoppedOn. The
 * programme figures count a stopped municipality only through its stop date, so a municipality
 * that had signed needs one when it stops; one that rejoins (another status) has its stop date
 * emptied. A stopped municipality that never signed (only showed interest) may go without.
 */
export function participationRuleErrors(v: ParticipationRuleValues, opts: { today?: string; source?: 'form' | 'import' } = {}): FieldProblems {
  const today = opts.today ?? amsterdamDate(new Date());
  const inFile = opts.source === 'import';
  const field = inFile ? 'de cel stopped_on' : 'het veld "Gestopt op"';
  const stoppedLabel = PARTICIPATION_STATUS_LABELS.stopped;
  const errors: FieldProblems = {};
  // A date that is not a date gets its own message from the field check; the rules wait for a real one.
  if ([v.signedOn, v.stoppedOn].some((d) => d && !isIsoDate(d))) return errors;
  if (v.status && SIGNED_STATUSES.includes(v.status) && !v.signedOn) errors.signedOn = 'Vul de datum in waarop de vijf pijlers zijn ondertekend.';
  if (v.signedOn && v.signedOn > today) errors.signedOn = 'De datum van ondertekening kan niet in de toekomst liggen.';
  if (v.stoppedOn && v.status && v.status !== 'stopped') {
    errors.stoppedOn =
      `Een stopdatum hoort alleen bij de status ${stoppedLabel}. Doet de gemeente weer mee? Maak dan ${field} leeg` +
      `${inFile ? ' (voeg de kolom toe als die ontbreekt)' : ' en sla opnieuw op'}; de oude stopdatum blijft bewaard in het auditlog. ` +
      `Is de gemeente wel gestopt? Kies dan de status ${stoppedLabel}.`;
  } else if (v.stoppedOn && v.stoppedOn > today) {
    errors.stoppedOn = `De stopdatum kan niet in de toekomst liggen. Stopt de gemeente binnenkort? Zet de status dan pas op ${stoppedLabel} vanaf de dag waarop zij is gestopt.`;
  } else if (v.stoppedOn && v.signedOn && v.stoppedOn < v.signedOn) {
    errors.stoppedOn =
      `De stopdatum ligt vóór de datum van ondertekening${inFile ? ` (${v.signedOn})` : ''}. ` +
      'Een gemeente kan pas stoppen nadat zij de vijf pijlers heeft ondertekend: controleer beide datums.';
  } else if (v.status === 'stopped' && v.signedOn && !v.stoppedOn) {
    errors.stoppedOn =
      `${inFile ? 'Vul in de kolom stopped_on' : 'Vul'} de datum in waarop de gemeente is gestopt${inFile ? ' (voeg de kolom toe als die ontbreekt)' : ''}. ` +
      'Zonder stopdatum telt de gemeente in de programmacijfers op geen enkele datum mee, ook niet voor de tijd dat zij wel meedeed. ' +
      'Weet u de precieze dag niet? Neem dan de datum van het besluit of de brief waarin de gemeente dat liet weten.';
  }
  return errors;
}

export async function createParticipation(db: Db, ctx: AuditContext, input: ParticipationInput & { municipalityId: number }, now = new Date()): Promise<WriteResult> {
  return db.transaction(async (tx): Promise<WriteResult> => {
    const t = txDb(tx);
    const errors = participationRuleErrors(input, { today: amsterdamDate(now) });
    const [m] = await t
      .select()
      .from(municipalities)
      .where(and(eq(municipalities.id, input.municipalityId), isNull(municipalities.deletedAt)))
      .for('update');
    if (!m) errors.municipalityId = 'Kies een bestaande gemeente.';
    else if (m.validTo) errors.municipalityId = `${m.name} is opgeheven per ${m.validTo}. Kies de huidige gemeente.`;
    else if (await getParticipationOfMunicipality(t, m.id)) errors.municipalityId = `${m.name} neemt al deel. Pas die deelname aan.`;
    if (hasErrors(errors)) return { ok: false, errors };
    const [row] = await t
      .insert(participations)
      .values({
        municipalityId: m!.id,
        status: input.status,
        signedOn: input.signedOn ?? null,
        stoppedOn: input.stoppedOn ?? null,
        contactName: input.contactName ?? null,
        contactEmail: input.contactEmail ?? null,
        notes: input.notes ?? null,
      })
      .returning();
    await audit(t, ctx, { action: 'create', entity: 'participation', entityId: row.id, details: { cbsCode: m!.cbsCode, status: row.status, signedOn: row.signedOn, stoppedOn: row.stoppedOn } });
    return { ok: true, id: row.id };
  });
}

/**
 * Updates the given fields (undefined = unchanged). The audit entry names the changed fields;
 * contact values are not copied into it. The status-and-date rules are checked only when the
 * patch touches status or a date, so a coordinator can still update the contact details of an
 * older stopped record that lacks its stop date.
 */
export async function updateParticipation(db: Db, ctx: AuditContext, id: number, patch: Partial<ParticipationInput>, now = new Date()): Promise<WriteResult> {
  return db.transaction(async (tx): Promise<WriteResult> => {
    const t = txDb(tx);
    const [cur] = await t
      .select()
      .from(participations)
      .where(and(eq(participations.id, id), isNull(participations.deletedAt)))
      .for('update');
    if (!cur) return { ok: false, errors: { _form: 'Deze deelname bestaat niet (meer).' } };
    if (patch.status !== undefined || patch.signedOn !== undefined || patch.stoppedOn !== undefined) {
      const next = {
        status: patch.status ?? (cur.status as ParticipationStatus),
        signedOn: patch.signedOn !== undefined ? patch.signedOn : cur.signedOn,
        stoppedOn: patch.stoppedOn !== undefined ? patch.stoppedOn : cur.stoppedOn,
      };
      const errors = participationRuleErrors(next, { today: amsterdamDate(now) });
      if (hasErrors(errors)) return { ok: false, errors };
    }
    const set: Partial<typeof participations.$inferInsert> = {};
    for (const k of ['status', 'signedOn', 'stoppedOn', 'contactName', 'contactEmail', 'notes'] as const) {
      if (patch[k] !== undefined && patch[k] !== cur[k]) (set as Record<string, unknown>)[k] = patch[k];
    }
    if (!Object.keys(set).length) return { ok: true, id };
    await t
      .update(participations)
      .set({ ...set, updatedAt: new Date() })
      .where(eq(participations.id, id));
    await audit(t, ctx, {
      action: 'update',
      entity: 'participation',
      entityId: id,
      details: { changed: Object.keys(set), status: set.status, signedOn: set.signedOn, stoppedOn: set.stoppedOn },
    });
    return { ok: true, id };
  });
}

export async function deleteParticipation(db: Db, ctx: AuditContext, id: number): Promise<{ ok: true } | { ok: false; reasons: string[] }> {
  return db.transaction(async (tx) => {
    const t = txDb(tx);
    const [cur] = await t
      .select()
      .from(participations)
      .where(and(eq(participations.id, id), isNull(participations.deletedAt)))
      .for('update');
    if (!cur) return { ok: false, reasons: ['Deze deelname bestaat niet (meer).'] };
    if (cur.jointApproachId) {
      const [j] = await t
        .select()
        .from(jointApproaches)
        .where(and(eq(jointApproaches.id, cur.jointApproachId), isNull(jointApproaches.deletedAt)));
      if (j && j.primaryMunicipalityId === cur.municipalityId)
        return { ok: false, reasons: [`Deze gemeente is hoofdgemeente van de gezamenlijke aanpak "${j.name}". Kies eerst een andere hoofdgemeente of verwijder de gezamenlijke aanpak.`] };
    }
    await t.update(participations).set({ deletedAt: new Date(), updatedAt: new Date(), jointApproachId: null }).where(eq(participations.id, id));
    await audit(t, ctx, { action: 'delete', entity: 'participation', entityId: id, details: { municipalityId: cur.municipalityId, jointApproachId: cur.jointApproachId } });
    return { ok: true };
  });
}

export const PARTICIPATION_IMPORT_COLUMNS = ['cbs_code', 'status', 'signed_on', 'stopped_on', 'contact_name', 'contact_email', 'notes', 'joint_approach'] as const;

const IMPORT_RULE_FIELDS: Record<string, string> = { signedOn: 'signed_on', stoppedOn: 'stopped_on' };

/** The participation rules for one import row, with the messages on the file's column names. */
function participationImportRuleProblems(v: ParticipationRuleValues, today?: string): [field: string, reason: string][] {
  return Object.entries(participationRuleErrors(v, { today, source: 'import' })).map(([f, reason]) => [IMPORT_RULE_FIELDS[f] ?? f, reason]);
}

export const participationImportSchema = z
  .object({
    cbs_code: cbsCodeField(),
    status: statusField(),
    signed_on: dateCell(),
    stopped_on: dateCell(),
    contact_name: cell(z.string().max(200, 'Gebruik hoogstens 200 tekens.')),
    contact_email: cell(z.email('Geen geldig e-mailadres.').max(254, 'Dit e-mailadres is te lang.')),
    notes: cell(z.string().max(2000, 'Gebruik hoogstens 2000 tekens.')),
    joint_approach: cell(z.string().max(200, 'Gebruik hoogstens 200 tekens.')),
  })
  .superRefine((v, c) => {
    // A row with both date columns says everything the rules need. Without one of them, the
    // registered value counts ("a missing column leaves the value"): participationImportChecker
    // checks the rules then, against the database.
    if (v.signed_on === undefined || v.stopped_on === undefined) return;
    for (const [field, reason] of participationImportRuleProblems({ status: v.status, signedOn: v.signed_on, stoppedOn: v.stopped_on })) {
      c.addIssue({ code: 'custom', path: [field], message: reason });
    }
  });
export type ParticipationImportRow = z.infer<typeof participationImportSchema>;

/** The per-row check of a participation import against the database and the rest of the file. */
export async function participationImportChecker(db: Db, now = new Date()) {
  const today = amsterdamDate(now);
  const ms = new Map((await db.select().from(municipalities).where(isNull(municipalities.deletedAt))).map((m) => [m.cbsCode, m]));
  const current = new Map((await db.select().from(participations).where(isNull(participations.deletedAt))).map((p) => [p.municipalityId, p]));
  const byId = new Map([...ms.values()].map((m) => [m.id, m]));
  const joints = await db.select().from(jointApproaches).where(isNull(jointApproaches.deletedAt));
  const jointByName = new Map(joints.map((j) => [j.name.toLowerCase(), j]));
  const primaryOf = new Map(joints.map((j) => [j.primaryMunicipalityId, j]));
  const seen = new Map<string, number>();
  return (row: ParticipationImportRow, line: number): RowProblem[] => {
    const out: RowProblem[] = [];
    const m = ms.get(row.cbs_code);
    const first = seen.get(row.cbs_code);
    if (first) out.push({ line, field: 'cbs_code', reason: `CBS-code ${row.cbs_code} staat dubbel in het bestand (ook op regel ${first}).` });
    else seen.set(row.cbs_code, line);
    if (!m) out.push({ line, field: 'cbs_code', reason: `Onbekende CBS-code ${row.cbs_code}: er is geen gemeente met deze code.` });
    else if (m.validTo) {
      const s = m.successorId ? byId.get(m.successorId) : null;
      out.push({ line, field: 'cbs_code', reason: `${m.name} (${m.cbsCode}) is opgeheven per ${m.validTo}${s ? ` en opgegaan in ${s.name} (${s.cbsCode}); gebruik die code` : ''}.` });
    }
    if (row.joint_approach) {
      const j = jointByName.get(row.joint_approach.toLowerCase());
      if (!j) out.push({ line, field: 'joint_approach', reason: `Onbekende gezamenlijke aanpak "${row.joint_approach}". Maak die eerst aan.` });
    }
    if (m && row.joint_approach !== undefined) {
      const own = primaryOf.get(m.id);
      if (own && own.name.toLowerCase() !== (row.joint_approach ?? '').toLowerCase())
        out.push({ line, field: 'joint_approach', reason: `${m.name} is hoofdgemeente van "${own.name}" en moet daar lid van blijven.` });
    }
    if (row.signed_on === undefined || row.stopped_on === undefined) {
      // A date column is missing: the rules apply to the row as it will be saved (file + register).
      const cur = m ? current.get(m.id) : undefined;
      const signedOn = row.signed_on !== undefined ? row.signed_on : (cur?.signedOn ?? null);
      const stoppedOn = row.stopped_on !== undefined ? row.stopped_on : (cur?.stoppedOn ?? null);
      for (const [field, reason] of participationImportRuleProblems({ status: row.status, signedOn, stoppedOn }, today)) {
        const known =
          field === 'stopped_on' && row.stopped_on === undefined && cur?.stoppedOn
            ? `In het register staat stopdatum ${cur.stoppedOn}. `
            : field === 'signed_on' && row.signed_on === undefined && cur?.signedOn
              ? `In het register staat ondertekend op ${cur.signedOn}. `
              : '';
        out.push({ line, field, reason: known + reason });
      }
    }
    return out;
  };
}

/** Writes validated participation rows in one transaction: one participation per municipality, created or updated. */
export async function importParticipations(db: Db, ctx: AuditContext, rows: ParticipationImportRow[], meta: { filename: string }): Promise<ImportCounts> {
  return db.transaction(async (tx) => {
    const t = txDb(tx);
    const ms = new Map((await t.select().from(municipalities).where(isNull(municipalities.deletedAt))).map((m) => [m.cbsCode, m]));
    const joints = new Map((await t.select().from(jointApproaches).where(isNull(jointApproaches.deletedAt))).map((j) => [j.name.toLowerCase(), j]));
    const counts: ImportCounts = { created: 0, updated: 0, unchanged: 0 };
    for (const r of rows) {
      const m = ms.get(r.cbs_code)!;
      const set: Partial<typeof participations.$inferInsert> = { status: r.status };
      if (r.signed_on !== undefined) set.signedOn = r.signed_on;
      if (r.stopped_on !== undefined) set.stoppedOn = r.stopped_on;
      if (r.contact_name !== undefined) set.contactName = r.contact_name;
      if (r.contact_email !== undefined) set.contactEmail = r.contact_email;
      if (r.notes !== undefined) set.notes = r.notes;
      if (r.joint_approach !== undefined) set.jointApproachId = r.joint_approach ? joints.get(r.joint_approach.toLowerCase())!.id : null;
      const existing = await getParticipationOfMunicipality(t, m.id);
      if (!existing) {
        await t.insert(participations).values({ municipalityId: m.id, status: r.status, ...set });
        counts.created++;
        continue;
      }
      const cur = existing.participation as Record<string, unknown>;
      if (!(Object.keys(set) as (keyof typeof set)[]).some((k) => cur[k] !== set[k])) {
        counts.unchanged++;
        continue;
      }
      await t
        .update(participations)
        .set({ ...set, updatedAt: new Date() })
        .where(eq(participations.id, existing.participation.id));
      counts.updated++;
    }
    await audit(t, ctx, { action: 'import', entity: 'participation', details: { filename: meta.filename, rows: rows.length, ...counts } });
    return counts;
  });
}

// ---------------------------------------------------------------------------------------------
// Joint approaches (gezamenlijke aanpak): members are participations with joint_approach_id set;
// the primary municipality is always a member. Only the programme team changes them, because a
// joint approach widens the scope of the primary municipality's coordinators.
// ---------------------------------------------------------------------------------------------

/** Joint approaches with at least one member in the viewer's scope. */
export async function listJointApproaches(db: Db, p: Principal) {
  const scope = municipalityScopeCondition(p, participations.municipalityId as never);
  const rows = await db
    .select({
      id: jointApproaches.id,
      name: jointApproaches.name,
      primaryMunicipalityId: jointApproaches.primaryMunicipalityId,
      primaryName: primaryM.name,
      primaryCbsCode: primaryM.cbsCode,
      members: sql<number>`count(${participations.id})::int`,
      membersInScope: scope ? sql<number>`count(${participations.id}) filter (where ${scope})::int` : sql<number>`count(${participations.id})::int`,
    })
    .from(jointApproaches)
    .innerJoin(primaryM, eq(primaryM.id, jointApproaches.primaryMunicipalityId))
    .leftJoin(participations, and(eq(participations.jointApproachId, jointApproaches.id), isNull(participations.deletedAt)))
    .where(isNull(jointApproaches.deletedAt))
    .groupBy(jointApproaches.id, primaryM.id)
    .orderBy(asc(jointApproaches.name));
  return rows.filter((r) => r.membersInScope > 0);
}

export async function getJointApproach(db: Db, id: number) {
  const [j] = await db
    .select()
    .from(jointApproaches)
    .where(and(eq(jointApproaches.id, id), isNull(jointApproaches.deletedAt)));
  if (!j) return null;
  const members = await db
    .select({
      participationId: participations.id,
      municipalityId: municipalities.id,
      cbsCode: municipalities.cbsCode,
      name: municipalities.name,
      status: participations.status,
      signedOn: participations.signedOn,
    })
    .from(participations)
    .innerJoin(municipalities, eq(municipalities.id, participations.municipalityId))
    .where(and(eq(participations.jointApproachId, id), isNull(participations.deletedAt)))
    .orderBy(asc(municipalities.name));
  const primary = members.find((m) => m.municipalityId === j.primaryMunicipalityId) ?? null;
  return { ...j, members, primary };
}

/** Participations that can join a joint approach (not in one yet), for the forms. */
export async function participationsWithoutJointApproach(db: Db) {
  return db
    .select({ municipalityId: municipalities.id, cbsCode: municipalities.cbsCode, name: municipalities.name })
    .from(participations)
    .innerJoin(municipalities, eq(municipalities.id, participations.municipalityId))
    .leftJoin(jointApproaches, and(eq(jointApproaches.id, participations.jointApproachId), isNull(jointApproaches.deletedAt)))
    // Merged (ended) municipalities cannot join a joint approach any more.
    .where(and(isNull(participations.deletedAt), isNull(jointApproaches.id), isNull(municipalities.deletedAt), isNull(municipalities.validTo)))
    .orderBy(asc(municipalities.name));
}

/** Checks that a municipality's participation can join a joint approach; returns it or a message. */
async function joinableParticipation(t: Db, municipalityId: number, jointId: number | null) {
  const [m] = await t
    .select()
    .from(municipalities)
    .where(and(eq(municipalities.id, municipalityId), isNull(municipalities.deletedAt)));
  if (!m) return { error: 'Kies een bestaande gemeente.' };
  const pa = await getParticipationOfMunicipality(t, m.id);
  if (!pa) return { error: `${m.name} heeft nog geen deelname. Registreer eerst de deelname van deze gemeente.` };
  if (pa.joint && pa.joint.id === jointId) return { error: `${m.name} is al lid van deze gezamenlijke aanpak.` };
  if (pa.joint) return { error: `${m.name} is al lid van de gezamenlijke aanpak "${pa.joint.name}".` };
  return { m, participation: pa.participation };
}

async function jointNameTaken(t: Db, name: string, exceptId?: number) {
  const [row] = await t
    .select({ id: jointApproaches.id })
    .from(jointApproaches)
    .where(and(sql`lower(${jointApproaches.name}) = lower(${name})`, isNull(jointApproaches.deletedAt), exceptId ? ne(jointApproaches.id, exceptId) : undefined));
  return !!row;
}

export async function createJointApproach(db: Db, ctx: AuditContext, input: { name: string; primaryMunicipalityId: number }): Promise<WriteResult> {
  return db.transaction(async (tx): Promise<WriteResult> => {
    const t = txDb(tx);
    const errors: FieldProblems = {};
    if (await jointNameTaken(t, input.name)) errors.name = `Er bestaat al een gezamenlijke aanpak met de naam "${input.name}".`;
    const joinable = await joinableParticipation(t, input.primaryMunicipalityId, null);
    if ('error' in joinable) errors.primaryMunicipalityId = joinable.error!;
    if (hasErrors(errors) || !('m' in joinable)) return { ok: false, errors };
    const [j] = await t.insert(jointApproaches).values({ name: input.name, primaryMunicipalityId: joinable.m!.id }).returning();
    await t.update(participations).set({ jointApproachId: j.id, updatedAt: new Date() }).where(eq(participations.id, joinable.participation!.id));
    await audit(t, ctx, { action: 'create', entity: 'joint_approach', entityId: j.id, details: { name: j.name, primary: joinable.m!.cbsCode } });
    return { ok: true, id: j.id };
  });
}

export async function renameJointApproach(db: Db, ctx: AuditContext, id: number, name: string): Promise<WriteResult> {
  return db.transaction(async (tx): Promise<WriteResult> => {
    const t = txDb(tx);
    if (await jointNameTaken(t, name, id)) return { ok: false, errors: { name: `Er bestaat al een gezamenlijke aanpak met de naam "${name}".` } };
    const r = await t
      .update(jointApproaches)
      .set({ name, updatedAt: new Date() })
      .where(and(eq(jointApproaches.id, id), isNull(jointApproaches.deletedAt)))
      .returning();
    if (!r.length) return { ok: false, errors: { _form: 'Deze gezamenlijke aanpak bestaat niet (meer).' } };
    await audit(t, ctx, { action: 'update', entity: 'joint_approach', entityId: id, details: { name } });
    return { ok: true, id };
  });
}

export async function addJointMember(db: Db, ctx: AuditContext, id: number, municipalityId: number): Promise<WriteResult> {
  return db.transaction(async (tx): Promise<WriteResult> => {
    const t = txDb(tx);
    const joinable = await joinableParticipation(t, municipalityId, id);
    if ('error' in joinable) return { ok: false, errors: { municipalityId: joinable.error! } };
    await t.update(participations).set({ jointApproachId: id, updatedAt: new Date() }).where(eq(participations.id, joinable.participation!.id));
    await audit(t, ctx, { action: 'update', entity: 'joint_approach', entityId: id, details: { added: joinable.m!.cbsCode } });
    return { ok: true, id };
  });
}

export async function removeJointMember(db: Db, ctx: AuditContext, id: number, municipalityId: number): Promise<WriteResult> {
  return db.transaction(async (tx): Promise<WriteResult> => {
    const t = txDb(tx);
    const j = await getJointApproach(t, id);
    const member = j?.members.find((m) => m.municipalityId === municipalityId);
    if (!j || !member) return { ok: false, errors: { municipalityId: 'Deze gemeente is geen lid van de gezamenlijke aanpak.' } };
    if (j.primaryMunicipalityId === municipalityId)
      return { ok: false, errors: { municipalityId: `${member.name} is de hoofdgemeente. Kies eerst een andere hoofdgemeente.` } };
    await t.update(participations).set({ jointApproachId: null, updatedAt: new Date() }).where(eq(participations.id, member.participationId));
    await audit(t, ctx, { action: 'update', entity: 'joint_approach', entityId: id, details: { removed: member.cbsCode } });
    return { ok: true, id };
  });
}

export async function setJointPrimary(db: Db, ctx: AuditContext, id: number, municipalityId: number): Promise<WriteResult> {
  return db.transaction(async (tx): Promise<WriteResult> => {
    const t = txDb(tx);
    const j = await getJointApproach(t, id);
    if (!j) return { ok: false, errors: { _form: 'Deze gezamenlijke aanpak bestaat niet (meer).' } };
    const member = j.members.find((m) => m.municipalityId === municipalityId);
    if (!member) return { ok: false, errors: { primaryMunicipalityId: 'De hoofdgemeente moet lid zijn van de gezamenlijke aanpak.' } };
    if (j.primaryMunicipalityId === municipalityId) return { ok: true, id };
    await t.update(jointApproaches).set({ primaryMunicipalityId: municipalityId, updatedAt: new Date() }).where(eq(jointApproaches.id, id));
    await audit(t, ctx, { action: 'update', entity: 'joint_approach', entityId: id, details: { primary: member.cbsCode, previous: j.primary?.cbsCode } });
    return { ok: true, id };
  });
}

/** Ends a joint approach: the members keep their participation, without the joint approach. */
export async function deleteJointApproach(db: Db, ctx: AuditContext, id: number): Promise<boolean> {
  return db.transaction(async (tx) => {
    const t = txDb(tx);
    const r = await t
      .update(jointApproaches)
      .set({ deletedAt: new Date(), updatedAt: new Date() })
      .where(and(eq(jointApproaches.id, id), isNull(jointApproaches.deletedAt)))
      .returning();
    if (!r.length) return false;
    const members = await t.update(participations).set({ jointApproachId: null, updatedAt: new Date() }).where(eq(participations.jointApproachId, id)).returning({ id: participations.id });
    await audit(t, ctx, { action: 'delete', entity: 'joint_approach', entityId: id, details: { name: r[0].name, members: members.length } });
    return true;
  });
}

/**
 * Of the given ids, those of municipalities and organisations that still exist (not
 * soft-deleted). Role grants and API keys tied to a deleted record stop working through this.
 */
export async function liveScopeIds(db: Db, ids: { municipalityIds: number[]; organisationIds: number[] }) {
  const [ms, os] = await Promise.all([
    ids.municipalityIds.length
      ? db.select({ id: municipalities.id }).from(municipalities).where(and(inArray(municipalities.id, ids.municipalityIds), isNull(municipalities.deletedAt)))
      : [],
    ids.organisationIds.length
      ? db.select({ id: organisations.id }).from(organisations).where(and(inArray(organisations.id, ids.organisationIds), isNull(organisations.deletedAt)))
      : [],
  ]);
  return { municipalityIds: new Set(ms.map((m) => m.id)), organisationIds: new Set(os.map((o) => o.id)) };
}
