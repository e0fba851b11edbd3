import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { and, asc, eq, ilike, inArray, isNull, or, sql, type SQL } from 'drizzle-orm';
import { parse } from 'csv-parse/sync';
import type { Db } from '../../platform/db/index.js';
import { scopeOf, type Principal } from '../../platform/access.js';
import { jointApproaches, municipalities, organisations, participations, provinces } from './schema.js';

export const DATA_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'data');

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
        participationStatus: participations.status,
        signedOn: participations.signedOn,
      })
      .from(municipalities)
      .innerJoin(provinces, eq(provinces.id, municipalities.provinceId))
      .leftJoin(participations, and(eq(participations.municipalityId, municipalities.id), isNull(participations.deletedAt)));
  const [rows, [{ total }]] = await Promise.all([
    base()
      .where(cond)
      .orderBy(...order)
      .limit(f.pageSize)
      .offset((f.page - 1) * f.pageSize),
    db
      .select({ total: sql<number>`count(*)::int` })
      .from(municipalities)
      .innerJoin(provinces, eq(provinces.id, municipalities.provinceId))
      .leftJoin(participations, and(eq(participations.municipalityId, municipalities.id), isNull(participations.deletedAt)))
      .where(cond),
  ]);
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
      if (!e) {
        await tx.insert(municipalities).values({ cbsCode: m.cbsCode, name: m.name, provinceId, validFrom: null });
        result.created++;
      } else if (e.name !== m.name || e.provinceId !== provinceId || e.validTo || e.deletedAt) {
        await tx
          .update(municipalities)
          .set({ name: m.name, provinceId, validTo: null, deletedAt: null, updatedAt: new Date() })
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

