import { and, asc, eq, ilike, inArray, isNull, ne, or, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import type { Db } from '../../platform/db/index.js';
import { can, type Principal } from '../../platform/access.js';
import { audit, type AuditContext } from '../../platform/audit.js';
import type { FieldErrors } from '../../platform/views/components.js';
import type { RowProblem, TableColumn } from '../../platform/tabular.js';
import { municipalities, neighbourhoods } from './schema.js';
import { NEIGHBOURHOOD_KIND_LABELS } from './labels.js';
import { municipalityScopeCondition, SYSTEM_VIEWER } from './service.js';
import type { ExportTable } from './exporters.js';
import { likePattern, municipalitiesByCode, municipalityCodeProblem, optional, uniqueViolation } from './organisations-service.js';

export const NEIGHBOURHOOD_KINDS = ['district', 'neighbourhood'] as const;
export type NeighbourhoodKind = (typeof NEIGHBOURHOOD_KINDS)[number];

/**
 * CBS codes: WK + the 4 digits of the municipality + 2 characters, BU + 4 digits + 4 characters.
 * The characters after the municipality are digits almost everywhere, but CBS also uses capital
 * letters (Amsterdam since 2022: WK0363AD, BU0363AD03), so those are accepted too.
 */
export const DISTRICT_CODE = /^WK\d{4}[0-9A-Z]{2}$/;
export const NEIGHBOURHOOD_CODE = /^BU\d{4}[0-9A-Z]{4}$/;

export const NMSG = {
  code: 'Vul de CBS-code in, zoals WK036300 (wijk) of BU03630000 (buurt).',
  anyCode: 'Een code is WK met 6 cijfers (wijk) of BU met 8 cijfers (buurt), zoals WK036300 of BU03630000.',
  districtCode: 'Een wijkcode bestaat uit WK, de 4 cijfers van de gemeente en 2 cijfers of hoofdletters, zoals WK036300.',
  neighbourhoodCode: 'Een buurtcode bestaat uit BU, de 4 cijfers van de gemeente en 4 cijfers of hoofdletters, zoals BU03630000.',
  kind: 'Kies of dit een wijk of een buurt is.',
  name: 'Vul de naam van de wijk of buurt in.',
  municipality: 'Kies een gemeente.',
  municipalityScope: 'U kunt alleen wijken en buurten van uw eigen gemeente(n) beheren.',
  district: 'Kies een wijk van dezelfde gemeente.',
  districtForDistrict: 'Een wijk hoort niet bij een andere wijk; laat dit veld leeg.',
  duplicate: 'Er is al een wijk of buurt met deze code.',
  hasNeighbourhoods: 'Deze wijk heeft nog buurten en kan daarom geen buurt worden.',
} as const;

/** The 4 digits of the municipality in a CBS code: GM0363, WK036300 and BU03630000 all give 0363. */
export const municipalityDigits = (code: string) => code.slice(2, 6);
export const kindOfCode = (code: string): NeighbourhoodKind | null => (DISTRICT_CODE.test(code) ? 'district' : NEIGHBOURHOOD_CODE.test(code) ? 'neighbourhood' : null);
/** The district code a neighbourhood code belongs to by CBS convention (BU03630001 -> WK036300). */
export const conventionalDistrictCode = (code: string) => `WK${code.slice(2, 8)}`;

export function codeMunicipalityProblem(code: string, m: { cbsCode: string; name: string }): string | null {
  const digits = municipalityDigits(m.cbsCode);
  return municipalityDigits(code) === digits ? null : `De cijfers na ${code.slice(0, 2)} moeten beginnen met ${digits}, de code van ${m.name} (${m.cbsCode}).`;
}

const upperCode = z.preprocess((v) => (typeof v === 'string' ? v.trim().toUpperCase() : v), z.string({ message: NMSG.code }).min(1, NMSG.code));

export const neighbourhoodFormSchema = z
  .object({
    kind: z.enum(NEIGHBOURHOOD_KINDS, { message: NMSG.kind }),
    code: upperCode,
    name: z.preprocess((v) => (typeof v === 'string' ? v.trim() : v), z.string({ message: NMSG.name }).min(1, NMSG.name).max(200, 'Gebruik hoogstens 200 tekens.')),
    municipalityId: z.preprocess((v) => (v === '' || v == null ? undefined : Number(v)), z.number({ message: NMSG.municipality }).int(NMSG.municipality).positive(NMSG.municipality)),
    districtId: z.preprocess((v) => (v === '' || v == null ? null : Number(v)), z.number({ message: NMSG.district }).int(NMSG.district).positive(NMSG.district).nullable()),
  })
  .superRefine((v, ctx) => {
    if (v.kind === 'district' && !DISTRICT_CODE.test(v.code)) ctx.addIssue({ code: 'custom', path: ['code'], message: NMSG.districtCode });
    if (v.kind === 'neighbourhood' && !NEIGHBOURHOOD_CODE.test(v.code)) ctx.addIssue({ code: 'custom', path: ['code'], message: NMSG.neighbourhoodCode });
    if (v.kind === 'district' && v.districtId != null) ctx.addIssue({ code: 'custom', path: ['districtId'], message: NMSG.districtForDistrict });
  });
export type NeighbourhoodInput = z.infer<typeof neighbourhoodFormSchema>;
export const NEIGHBOURHOOD_FIELD_LABELS: Record<string, string> = { kind: 'Soort', code: 'CBS-code', name: 'Naam', municipalityId: 'Gemeente', districtId: 'Wijk' };

/* ------------------------------------------------------------------------------------------
 * Lists
 * ---------------------------------------------------------------------------------------- */

export interface NeighbourhoodFilter {
  q?: string;
  kind?: NeighbourhoodKind;
  /** CBS municipality code. */
  municipality?: string;
  /** Only the neighbourhoods of this district. */
  districtId?: number;
  sort?: string;
  dir?: 'asc' | 'desc';
  page: number;
  pageSize: number;
}

export const NEIGHBOURHOOD_SORTS = ['code', 'name', 'kind', 'municipality', 'district'] as const;

const district = alias(neighbourhoods, 'district');

const listColumns = {
  id: neighbourhoods.id,
  code: neighbourhoods.code,
  kind: neighbourhoods.kind,
  name: neighbourhoods.name,
  municipalityId: neighbourhoods.municipalityId,
  municipalityCode: municipalities.cbsCode,
  municipalityName: municipalities.name,
  districtId: neighbourhoods.districtId,
  districtCode: district.code,
  districtName: district.name,
};

function neighbourhoodWhere(p: Principal, f: Omit<NeighbourhoodFilter, 'page' | 'pageSize'>) {
  const where: (SQL | undefined)[] = [isNull(neighbourhoods.deletedAt), municipalityScopeCondition(p, neighbourhoods.municipalityId as never)];
  if (f.q) {
    const like = likePattern(f.q);
    where.push(or(ilike(neighbourhoods.name, like), ilike(neighbourhoods.code, like)));
  }
  if (f.kind) where.push(eq(neighbourhoods.kind, f.kind));
  if (f.municipality) where.push(eq(municipalities.cbsCode, f.municipality));
  if (f.districtId) where.push(eq(neighbourhoods.districtId, f.districtId));
  return and(...where);
}

const sortColumn = (sort?: string) =>
  sort === 'name'
    ? neighbourhoods.name
    : sort === 'kind'
      ? neighbourhoods.kind
      : sort === 'municipality'
        ? municipalities.name
        : sort === 'district'
          ? district.code
          : neighbourhoods.code;

/** Districts and neighbourhoods in `p`'s scope, filtered, sorted and paged (pageSize 0: all). */
export async function listNeighbourhoods(db: Db, p: Principal, f: NeighbourhoodFilter) {
  const cond = neighbourhoodWhere(p, f);
  const col = sortColumn(f.sort);
  const order = [f.dir === 'desc' ? sql`${col} desc nulls last` : sql`${col} asc nulls last`, asc(neighbourhoods.code)];
  const rowsQuery = db
    .select(listColumns)
    .from(neighbourhoods)
    .innerJoin(municipalities, eq(municipalities.id, neighbourhoods.municipalityId))
    .leftJoin(district, and(eq(district.id, neighbourhoods.districtId), isNull(district.deletedAt)))
    .where(cond)
    .orderBy(...order);
  const [rows, [{ total }]] = await Promise.all([
    f.pageSize > 0 ? rowsQuery.limit(f.pageSize).offset((f.page - 1) * f.pageSize) : rowsQuery,
    db
      .select({ total: sql<number>`count(*)::int` })
      .from(neighbourhoods)
      .innerJoin(municipalities, eq(municipalities.id, neighbourhoods.municipalityId))
      .where(cond),
  ]);
  return { rows, total };
}

export type NeighbourhoodRow = Awaited<ReturnType<typeof listNeighbourhoods>>['rows'][number];

export async function getNeighbourhood(db: Db, id: number): Promise<NeighbourhoodRow | null> {
  const [row] = await db
    .select(listColumns)
    .from(neighbourhoods)
    .innerJoin(municipalities, eq(municipalities.id, neighbourhoods.municipalityId))
    .leftJoin(district, and(eq(district.id, neighbourhoods.districtId), isNull(district.deletedAt)))
    .where(and(eq(neighbourhoods.id, id), isNull(neighbourhoods.deletedAt)));
  return row ?? null;
}

/** The districts (wijken) of some municipalities, for the "belongs to" select. */
export async function listDistricts(db: Db, municipalityIds: number[]) {
  if (!municipalityIds.length) return [];
  return db
    .select({ id: neighbourhoods.id, code: neighbourhoods.code, name: neighbourhoods.name, municipalityId: neighbourhoods.municipalityId })
    .from(neighbourhoods)
    .where(and(inArray(neighbourhoods.municipalityId, municipalityIds), eq(neighbourhoods.kind, 'district'), isNull(neighbourhoods.deletedAt)))
    .orderBy(asc(neighbourhoods.code));
}

export async function countChildren(db: Db, districtId: number): Promise<number> {
  const [r] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(neighbourhoods)
    .where(and(eq(neighbourhoods.districtId, districtId), isNull(neighbourhoods.deletedAt)));
  return r.n;
}

/* ------------------------------------------------------------------------------------------
 * Changes
 * ---------------------------------------------------------------------------------------- */

export type NeighbourhoodSaveResult = { ok: true; id: number } | { ok: false; errors: FieldErrors };

async function checkInput(db: Db, p: Principal, input: NeighbourhoodInput, action: 'neighbourhood:create' | 'neighbourhood:update', existing?: NeighbourhoodRow): Promise<FieldErrors> {
  const errors: FieldErrors = {};
  const [m] = await db
    .select({ id: municipalities.id, cbsCode: municipalities.cbsCode, name: municipalities.name, validTo: municipalities.validTo })
    .from(municipalities)
    .where(and(eq(municipalities.id, input.municipalityId), isNull(municipalities.deletedAt)));
  if (!m || (m.validTo && existing?.municipalityId !== m.id)) return { municipalityId: NMSG.municipality };
  if (!can(p, action, { municipalityId: m.id })) return { municipalityId: NMSG.municipalityScope };
  const codeProblem = codeMunicipalityProblem(input.code, m);
  if (codeProblem) errors.code = codeProblem;
  else {
    const [dup] = await db
      .select({ id: neighbourhoods.id, deletedAt: neighbourhoods.deletedAt })
      .from(neighbourhoods)
      .where(and(eq(neighbourhoods.code, input.code), existing ? ne(neighbourhoods.id, existing.id) : undefined));
    // A soft-deleted record with the same code is brought back on create (see createNeighbourhood).
    if (dup && (!dup.deletedAt || existing)) errors.code = dup.deletedAt ? 'Deze code hoort bij een verwijderde wijk of buurt. Voeg die opnieuw toe in plaats van deze code te hergebruiken.' : NMSG.duplicate;
  }
  if (input.districtId != null) {
    const [d] = await db
      .select({ id: neighbourhoods.id })
      .from(neighbourhoods)
      .where(and(eq(neighbourhoods.id, input.districtId), eq(neighbourhoods.kind, 'district'), eq(neighbourhoods.municipalityId, m.id), isNull(neighbourhoods.deletedAt)));
    if (!d) errors.districtId = NMSG.district;
  }
  if (existing?.kind === 'district' && input.kind !== 'district' && (await countChildren(db, existing.id)) > 0) errors.kind = NMSG.hasNeighbourhoods;
  return errors;
}

const valuesOf = (input: NeighbourhoodInput) => ({
  code: input.code,
  kind: input.kind,
  name: input.name,
  municipalityId: input.municipalityId,
  districtId: input.kind === 'neighbourhood' ? input.districtId : null,
});

export async function createNeighbourhood(db: Db, actx: AuditContext, p: Principal, input: NeighbourhoodInput): Promise<NeighbourhoodSaveResult> {
  const errors = await checkInput(db, p, input, 'neighbourhood:create');
  if (Object.keys(errors).length) return { ok: false, errors };
  try {
    const id = await db.transaction(async (tx) => {
      const t = tx as unknown as Db;
      // The code is unique over all rows, deleted ones included: a deleted record comes back.
      const [row] = await t
        .insert(neighbourhoods)
        .values(valuesOf(input))
        .onConflictDoUpdate({ target: neighbourhoods.code, set: { ...valuesOf(input), deletedAt: null, updatedAt: new Date() }, setWhere: sql`${neighbourhoods.deletedAt} is not null` })
        .returning({ id: neighbourhoods.id });
      if (!row) throw Object.assign(new Error('duplicate'), { code: '23505', constraint: 'neighbourhoods_code_uq' });
      await audit(t, actx, { action: 'create', entity: 'neighbourhood', entityId: row.id, details: { code: input.code, name: input.name } });
      return row.id;
    });
    return { ok: true, id };
  } catch (e) {
    if (uniqueViolation(e) !== null) return { ok: false, errors: { code: NMSG.duplicate } };
    throw e;
  }
}

export async function updateNeighbourhood(db: Db, actx: AuditContext, p: Principal, existing: NeighbourhoodRow, input: NeighbourhoodInput): Promise<NeighbourhoodSaveResult> {
  const errors = await checkInput(db, p, input, 'neighbourhood:update', existing);
  if (Object.keys(errors).length) return { ok: false, errors };
  const values = valuesOf(input);
  const changed = (Object.keys(values) as (keyof typeof values)[]).filter((k) => values[k] !== (existing as Record<string, unknown>)[k]);
  try {
    await db.transaction(async (tx) => {
      const t = tx as unknown as Db;
      await t
        .update(neighbourhoods)
        .set({ ...values, updatedAt: new Date() })
        .where(and(eq(neighbourhoods.id, existing.id), isNull(neighbourhoods.deletedAt)));
      await audit(t, actx, { action: 'update', entity: 'neighbourhood', entityId: existing.id, details: { code: input.code, changed } });
    });
    return { ok: true, id: existing.id };
  } catch (e) {
    if (uniqueViolation(e) !== null) return { ok: false, errors: { code: NMSG.duplicate } };
    throw e;
  }
}

/** Soft-deletes a district or neighbourhood; the neighbourhoods of a deleted district no longer belong to one. */
export async function deleteNeighbourhood(db: Db, actx: AuditContext, existing: NeighbourhoodRow): Promise<void> {
  await db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    await t
      .update(neighbourhoods)
      .set({ deletedAt: new Date(), updatedAt: new Date() })
      .where(and(eq(neighbourhoods.id, existing.id), isNull(neighbourhoods.deletedAt)));
    const detached = await t.update(neighbourhoods).set({ districtId: null, updatedAt: new Date() }).where(eq(neighbourhoods.districtId, existing.id)).returning({ id: neighbourhoods.id });
    await audit(t, actx, { action: 'delete', entity: 'neighbourhood', entityId: existing.id, details: { code: existing.code, detachedNeighbourhoods: detached.length } });
  });
}

/* ------------------------------------------------------------------------------------------
 * Bulk writes (file import and CBS import)
 * ---------------------------------------------------------------------------------------- */

export interface NeighbourhoodRecord {
  code: string;
  kind: NeighbourhoodKind;
  name: string;
  municipalityId: number;
  districtCode: string | null;
}

export interface WriteCounts {
  created: number;
  updated: number;
  unchanged: number;
}

/**
 * Inserts or updates (by code, deleted rows included: they come back) a set of districts and
 * neighbourhoods; districts first so neighbourhoods can point to them. Run inside a transaction.
 */
export async function writeNeighbourhoods(t: Db, records: NeighbourhoodRecord[], onProgress?: (done: number, total: number) => void): Promise<WriteCounts> {
  const counts: WriteCounts = { created: 0, updated: 0, unchanged: 0 };
  const codes = [...new Set([...records.map((r) => r.code), ...records.flatMap((r) => (r.districtCode ? [r.districtCode] : []))])];
  const existing = new Map<string, typeof neighbourhoods.$inferSelect>();
  for (let i = 0; i < codes.length; i += 1000) {
    for (const row of await t.select().from(neighbourhoods).where(inArray(neighbourhoods.code, codes.slice(i, i + 1000)))) existing.set(row.code, row);
  }
  const ordered = [...records].sort((a, b) => (a.kind === b.kind ? a.code.localeCompare(b.code) : a.kind === 'district' ? -1 : 1));
  let done = 0;
  for (const r of ordered) {
    const parent = r.districtCode ? existing.get(r.districtCode) : undefined;
    const values = { code: r.code, kind: r.kind, name: r.name, municipalityId: r.municipalityId, districtId: parent && !parent.deletedAt ? parent.id : null };
    const e = existing.get(r.code);
    if (!e) {
      const [row] = await t.insert(neighbourhoods).values(values).returning();
      existing.set(r.code, row);
      counts.created++;
    } else if (e.deletedAt || e.name !== values.name || e.kind !== values.kind || e.municipalityId !== values.municipalityId || e.districtId !== values.districtId) {
      const [row] = await t
        .update(neighbourhoods)
        .set({ ...values, deletedAt: null, updatedAt: new Date() })
        .where(eq(neighbourhoods.id, e.id))
        .returning();
      existing.set(r.code, row);
      counts.updated++;
    } else counts.unchanged++;
    onProgress?.(++done, ordered.length);
  }
  return counts;
}

/* ------------------------------------------------------------------------------------------
 * Import and export
 * ---------------------------------------------------------------------------------------- */

const KIND_WORDS: Record<string, NeighbourhoodKind> = { wijk: 'district', district: 'district', buurt: 'neighbourhood', neighbourhood: 'neighbourhood' };

/** One row of an import file: code, name, kind (optional), municipality_code (optional), district_code. */
export const neighbourhoodImportSchema = z
  .object({
    code: z.preprocess(
      (v) => (typeof v === 'string' ? v.trim().toUpperCase() : v),
      z.string({ message: NMSG.code }).min(1, NMSG.code).refine((c) => DISTRICT_CODE.test(c) || NEIGHBOURHOOD_CODE.test(c), NMSG.anyCode),
    ),
    name: z.preprocess((v) => (typeof v === 'string' ? v.trim() : v), z.string({ message: NMSG.name }).min(1, NMSG.name).max(200, 'Gebruik hoogstens 200 tekens.')),
    kind: optional(
      z
        .string()
        .transform((s) => s.toLowerCase())
        .pipe(z.enum(Object.keys(KIND_WORDS) as [string, ...string[]], { message: 'Vul "wijk" of "buurt" in, of laat het veld leeg.' })),
    ),
    municipality_code: optional(
      z
        .string()
        .transform((s) => s.toUpperCase())
        .pipe(z.string().regex(/^GM\d{4}$/, 'Vul een CBS-gemeentecode in, zoals GM0363, of laat het veld leeg.')),
    ),
    district_code: optional(
      z
        .string()
        .transform((s) => s.toUpperCase())
        .pipe(z.string().regex(DISTRICT_CODE, NMSG.districtCode)),
    ),
  })
  .transform((r) => ({
    code: r.code,
    name: r.name,
    kind: kindOfCode(r.code)!,
    statedKind: r.kind ? KIND_WORDS[r.kind] : undefined,
    municipalityCode: r.municipality_code ?? `GM${municipalityDigits(r.code)}`,
    statedMunicipality: !!r.municipality_code,
    districtCode: r.district_code ?? null,
  }));
export type NeighbourhoodImportRow = z.infer<typeof neighbourhoodImportSchema>;

/**
 * Per-row checks of a district/neighbourhood import (see ui.registerImport, which writes nothing
 * unless every row passes): kind and municipality must fit the code, the municipality must be
 * current and in the importing user's scope, a code may not occur twice (in the file or the
 * database), and a district reference must exist in the database or in the same file.
 */
export async function neighbourhoodImportChecker(db: Db, raw: Record<string, string>[], p: Principal) {
  const byCode = await municipalitiesByCode(db);
  // Which districts the file itself defines (rows further down may be referred to).
  const fileDistricts = new Set(raw.map((r) => (r.code ?? '').trim().toUpperCase()).filter((c) => DISTRICT_CODE.test(c)));
  const refCodes = [...new Set(raw.flatMap((r) => [(r.code ?? '').trim().toUpperCase(), (r.district_code ?? '').trim().toUpperCase()]).filter(Boolean))];
  const inDb = new Map<string, { kind: string; deleted: boolean }>();
  for (let i = 0; i < refCodes.length; i += 1000) {
    const rows = await db
      .select({ code: neighbourhoods.code, kind: neighbourhoods.kind, deletedAt: neighbourhoods.deletedAt })
      .from(neighbourhoods)
      .where(inArray(neighbourhoods.code, refCodes.slice(i, i + 1000)));
    for (const r of rows) inDb.set(r.code, { kind: r.kind, deleted: !!r.deletedAt });
  }
  const seen = new Map<string, number>();
  return (row: NeighbourhoodImportRow, line: number): RowProblem[] => {
    const problems: RowProblem[] = [];
    if (row.statedKind && row.statedKind !== row.kind) {
      problems.push({ line, field: 'kind', reason: `Code ${row.code} is een ${row.kind === 'district' ? 'wijkcode' : 'buurtcode'}; de soort moet "${NEIGHBOURHOOD_KIND_LABELS[row.kind].toLowerCase()}" zijn.` });
    }
    const m = byCode.get(row.municipalityCode);
    const mProblem = municipalityCodeProblem(row.municipalityCode, m);
    if (mProblem) return [...problems, { line, field: 'municipality_code', reason: row.statedMunicipality ? mProblem : `${mProblem} (afgeleid uit de code)` }];
    const codeProblem = codeMunicipalityProblem(row.code, m!);
    if (codeProblem) problems.push({ line, field: 'code', reason: codeProblem });
    if (!can(p, 'neighbourhood:create', { municipalityId: m!.id })) problems.push({ line, field: 'municipality_code', reason: NMSG.municipalityScope });
    const first = seen.get(row.code);
    if (first) problems.push({ line, field: 'code', reason: `Deze code staat ook op regel ${first}.` });
    else {
      seen.set(row.code, line);
      const d = inDb.get(row.code);
      if (d && !d.deleted) problems.push({ line, field: 'code', reason: `Er is al een wijk of buurt met code ${row.code}.` });
    }
    if (row.districtCode) {
      const d = inDb.get(row.districtCode);
      if (row.kind === 'district') problems.push({ line, field: 'district_code', reason: NMSG.districtForDistrict });
      else if (municipalityDigits(row.districtCode) !== municipalityDigits(row.code)) {
        problems.push({ line, field: 'district_code', reason: `Wijk ${row.districtCode} hoort niet bij dezelfde gemeente als buurt ${row.code}.` });
      } else if (!fileDistricts.has(row.districtCode) && !(d && !d.deleted && d.kind === 'district')) {
        problems.push({ line, field: 'district_code', reason: `Wijk ${row.districtCode} bestaat niet en staat ook niet in dit bestand.` });
      }
    }
    return problems;
  };
}

/** Writes the checked rows of an import in one transaction (deleted codes come back), audit-logged. */
export async function writeNeighbourhoodImport(db: Db, actx: AuditContext, rows: NeighbourhoodImportRow[], meta: { filename: string }): Promise<WriteCounts> {
  const byCode = await municipalitiesByCode(db);
  const records = rows.map((r) => ({ code: r.code, kind: r.kind, name: r.name, municipalityId: byCode.get(r.municipalityCode)!.id, districtCode: r.districtCode }));
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    const counts = await writeNeighbourhoods(t, records);
    await audit(t, actx, { action: 'import', entity: 'neighbourhood', details: { file: meta.filename, ...counts } });
    return counts;
  });
}

export const neighbourhoodExportColumns: TableColumn<NeighbourhoodRow>[] = [
  { header: 'code', value: (r) => r.code },
  { header: 'name', value: (r) => r.name },
  { header: 'kind', value: (r) => NEIGHBOURHOOD_KIND_LABELS[r.kind as NeighbourhoodKind]?.toLowerCase() ?? r.kind },
  { header: 'municipality_code', value: (r) => r.municipalityCode },
  { header: 'municipality_name', value: (r) => r.municipalityName },
  { header: 'district_code', value: (r) => r.districtCode },
  { header: 'district_name', value: (r) => r.districtName },
];

/** All districts and neighbourhoods matching the filter in `p`'s scope (default: everything, for the CLI). */
export async function neighbourhoodExportTable(db: Db, p: Principal = SYSTEM_VIEWER, f: Omit<NeighbourhoodFilter, 'page' | 'pageSize'> = {}): Promise<ExportTable<NeighbourhoodRow>> {
  const { rows } = await listNeighbourhoods(db, p, { ...f, page: 1, pageSize: 0 });
  return { entity: 'neighbourhood', sheetName: 'Wijken en buurten', columns: neighbourhoodExportColumns, rows };
}
