import { forgetApiKeys } from '../../platform/admin/apikeys-service.js';
import { and, asc, eq, ilike, inArray, isNotNull, isNull, ne, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../platform/db/index.js';
import { can, scopeOf, type Principal } from '../../platform/access.js';
import { audit, type AuditContext } from '../../platform/audit.js';
import { emailField } from '../../platform/http/forms.js';
import type { FieldErrors } from '../../platform/views/components.js';
import type { RowProblem, TableColumn } from '../../platform/tabular.js';
import { HttpError } from '../../platform/http/errors.js';
import { SYSTEM_VIEWER, type ImportCounts } from './service.js';
import type { ExportTable } from './exporters.js';
import { municipalities, organisations, provinces } from './schema.js';
import { signalPoints, signals } from '../signals/schema.js';
import { coalitionMembers, coalitions, nationalMembers } from '../network/schema.js';
import { OPEN_STATUSES } from '../signals/model.js';
import { ORGANISATION_KIND_LABELS, ORGANISATION_KINDS, type OrganisationKind } from './labels.js';

/* ------------------------------------------------------------------------------------------
 * Shared helpers (also used by the neighbourhood service)
 * ---------------------------------------------------------------------------------------- */

/** Escapes a user search term for ILIKE and wraps it in %…%. */
export const likePattern = (q: string) => `%${q.replace(/[%_\\]/g, (c) => `\\${c}`)}%`;

/** The name of the violated unique constraint when `err` (possibly wrapped by drizzle) is one. */
export function uniqueViolation(err: unknown): string | null {
  let e: any = err;
  for (let depth = 0; e && depth < 4; depth++) {
    if (e.code === '23505') return String(e.constraint ?? '');
    e = e.cause;
  }
  return null;
}

/** Trims strings; an empty string becomes undefined so optional fields stay optional. */
const blankToUndefined = (v: unknown) => (typeof v === 'string' ? (v.trim() === '' ? undefined : v.trim()) : v);
export const optional = <T extends z.ZodType>(inner: T) => z.preprocess(blankToUndefined, inner.optional());

/** Current municipalities (for select fields), limited to those the principal may use. */
export async function municipalityOptions(db: Db, ids?: number[]) {
  if (ids && ids.length === 0) return [];
  return db
    .select({ id: municipalities.id, cbsCode: municipalities.cbsCode, name: municipalities.name })
    .from(municipalities)
    .where(and(isNull(municipalities.deletedAt), isNull(municipalities.validTo), ids ? inArray(municipalities.id, ids) : undefined))
    .orderBy(asc(municipalities.name));
}

export interface MunicipalityRef {
  id: number;
  cbsCode: string;
  name: string;
  validTo: string | null;
  successorCode: string | null;
  successorName: string | null;
}

/** All municipalities by CBS code, with their successor (to explain codes of merged ones). */
export async function municipalitiesByCode(db: Db): Promise<Map<string, MunicipalityRef>> {
  const rows = await db
    .select({ id: municipalities.id, cbsCode: municipalities.cbsCode, name: municipalities.name, validTo: municipalities.validTo, successorId: municipalities.successorId })
    .from(municipalities)
    .where(isNull(municipalities.deletedAt));
  const byId = new Map(rows.map((r) => [r.id, r]));
  return new Map(
    rows.map((r) => {
      const s = r.successorId ? byId.get(r.successorId) : undefined;
      return [r.cbsCode, { id: r.id, cbsCode: r.cbsCode, name: r.name, validTo: r.validTo, successorCode: s?.cbsCode ?? null, successorName: s?.name ?? null }];
    }),
  );
}

/** The reason a municipality code cannot be used, or null when it is a current municipality. */
export function municipalityCodeProblem(code: string, m: MunicipalityRef | undefined): string | null {
  if (!m) return `Er is geen gemeente met CBS-code ${code}.`;
  if (m.validTo) {
    return m.successorCode
      ? `De gemeente ${m.name} (${code}) bestaat niet meer; gebruik ${m.successorCode} (${m.successorName}).`
      : `De gemeente ${m.name} (${code}) bestaat niet meer.`;
  }
  return null;
}

/* ------------------------------------------------------------------------------------------
 * Validation
 * ---------------------------------------------------------------------------------------- */

export const MSG = {
  name: 'Vul de naam van de organisatie in.',
  nameLong: 'Gebruik voor de naam hoogstens 200 tekens.',
  kind: 'Kies het soort organisatie.',
  kvk: 'Een KvK-nummer bestaat uit precies 8 cijfers, zoals 41201234.',
  website: 'Vul een volledig webadres in dat begint met http:// of https://, zoals https://www.voorbeeld.nl.',
  postcode: 'Vul een Nederlandse postcode in, zoals 1234 AB.',
  phone: 'Vul een geldig telefoonnummer in, zoals 030 123 45 67 of +31 30 123 45 67.',
  municipality: 'Kies een bestaande gemeente.',
  municipalityScope: 'U kunt alleen organisaties vastleggen in uw eigen gemeente(n).',
  national: 'Alleen het programmateam kan een landelijke organisatie (zonder gemeente) vastleggen. Kies een gemeente.',
  duplicateKvk: 'Er is al een organisatie met dit KvK-nummer geregistreerd.',
  duplicateName: 'Er is al een organisatie met deze naam in deze gemeente.',
  duplicateNational: 'Er is al een landelijke organisatie met deze naam.',
} as const;

const text = (max: number) => optional(z.string().max(max, `Gebruik hoogstens ${max} tekens.`));

export function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && /\.[a-z]{2,}$/i.test(u.hostname) && !/\s/.test(v);
  } catch {
    return false;
  }
}

/** Dutch postcode, normalised to 1234AB. */
export const postcodeField = optional(
  z
    .string()
    .transform((s) => s.replace(/\s+/g, '').toUpperCase())
    .pipe(z.string().regex(/^[1-9]\d{3}[A-Z]{2}$/, MSG.postcode)),
);

/** The fields an organisation has, shared by the form and the import (keys in camelCase). */
const organisationFields = {
  name: z.preprocess((v) => (typeof v === 'string' ? v.trim().replace(/\s+/g, ' ') : v), z.string({ message: MSG.name }).min(1, MSG.name).max(200, MSG.nameLong)),
  kind: z.enum(ORGANISATION_KINDS, { message: MSG.kind }),
  sector: text(100),
  kvkNumber: optional(z.string().regex(/^\d{8}$/, MSG.kvk)),
  street: text(200),
  houseNumber: text(20),
  postcode: postcodeField,
  city: text(100),
  website: optional(z.string().max(300, 'Gebruik hoogstens 300 tekens.').refine(isHttpUrl, MSG.website)),
  contactName: text(200),
  contactEmail: emailField(false),
  contactPhone: optional(z.string().max(30, MSG.phone).regex(/^\+?[0-9][0-9 ()-]{5,}$/, MSG.phone)),
};

/** The admin form. `municipalityId` '' means national (no municipality). */
export const organisationFormSchema = z.object({
  ...organisationFields,
  municipalityId: z.preprocess(
    (v) => (v === '' || v === undefined || v === null ? null : Number(v)),
    z.number({ message: MSG.municipality }).int(MSG.municipality).positive(MSG.municipality).nullable(),
  ),
});
export type OrganisationInput = z.infer<typeof organisationFormSchema>;
export const ORGANISATION_FIELD_LABELS: Record<string, string> = {
  name: 'Naam',
  kind: 'Soort organisatie',
  sector: 'Sector',
  kvkNumber: 'KvK-nummer',
  municipalityId: 'Gemeente',
  street: 'Straat',
  houseNumber: 'Huisnummer',
  postcode: 'Postcode',
  city: 'Plaats',
  website: 'Website',
  contactName: 'Naam contactpersoon',
  contactEmail: 'E-mailadres contactpersoon',
  contactPhone: 'Telefoonnummer contactpersoon',
};

/** Kind from a code or its Dutch label, case-insensitive (for imports). */
export function parseKind(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const t = v.trim().toLowerCase();
  if (!t) return undefined;
  const byCode = ORGANISATION_KINDS.find((k) => k === t);
  if (byCode) return byCode;
  const byLabel = (Object.entries(ORGANISATION_KIND_LABELS) as [OrganisationKind, string][]).find(([, l]) => l.toLowerCase() === t);
  return byLabel ? byLabel[0] : v;
}

/* ------------------------------------------------------------------------------------------
 * Lists
 * ---------------------------------------------------------------------------------------- */

/** Organisations in scope: in one of the principal's municipalities, or their own organisation. */
export function organisationScopeCondition(p: Principal): SQL | undefined {
  const s = scopeOf(p);
  if (s.all) return undefined;
  return or(
    s.municipalityIds.length ? inArray(organisations.municipalityId, s.municipalityIds) : sql`false`,
    s.organisationIds.length ? inArray(organisations.id, s.organisationIds) : sql`false`,
  );
}

export const NATIONAL = 'landelijk';

export interface OrganisationFilter {
  q?: string;
  kind?: OrganisationKind;
  sector?: string;
  /** CBS code, or 'landelijk' for national organisations. */
  municipality?: string;
  province?: string;
  sort?: string;
  dir?: 'asc' | 'desc';
  page: number;
  pageSize: number;
}

export const ORGANISATION_SORTS = ['name', 'kind', 'sector', 'municipality', 'city', 'kvkNumber'] as const;

const kindLabelSql = sql`case ${organisations.kind} ${sql.join(
  Object.entries(ORGANISATION_KIND_LABELS).map(([k, l]) => sql`when ${k} then ${l}`),
  sql` `,
)} end`;

const sortColumn = (sort?: string): SQL | typeof organisations.name => {
  switch (sort) {
    case 'kind':
      return kindLabelSql;
    case 'sector':
      return organisations.sector as never;
    case 'municipality':
      return municipalities.name as never;
    case 'city':
      return organisations.city as never;
    case 'kvkNumber':
      return organisations.kvkNumber as never;
    default:
      return organisations.name;
  }
};

function organisationWhere(p: Principal, f: Omit<OrganisationFilter, 'page' | 'pageSize'>) {
  const where: (SQL | undefined)[] = [isNull(organisations.deletedAt), organisationScopeCondition(p)];
  if (f.q) {
    const like = likePattern(f.q);
    where.push(or(ilike(organisations.name, like), ilike(organisations.kvkNumber, like), ilike(organisations.city, like)));
  }
  if (f.kind) where.push(eq(organisations.kind, f.kind));
  if (f.sector) where.push(eq(organisations.sector, f.sector));
  if (f.municipality === NATIONAL) where.push(isNull(organisations.municipalityId));
  else if (f.municipality) where.push(eq(municipalities.cbsCode, f.municipality));
  if (f.province) where.push(eq(provinces.code, f.province));
  return and(...where);
}

const listColumns = {
  id: organisations.id,
  name: organisations.name,
  kind: organisations.kind,
  sector: organisations.sector,
  kvkNumber: organisations.kvkNumber,
  municipalityId: organisations.municipalityId,
  municipalityCode: municipalities.cbsCode,
  municipalityName: municipalities.name,
  provinceCode: provinces.code,
  provinceName: provinces.name,
  street: organisations.street,
  houseNumber: organisations.houseNumber,
  postcode: organisations.postcode,
  city: organisations.city,
  website: organisations.website,
  contactName: organisations.contactName,
  contactEmail: organisations.contactEmail,
  contactPhone: organisations.contactPhone,
};

/** Organisations visible to `p`, filtered, sorted and paged (pageSize 0: all rows, for exports). */
export async function listOrganisations(db: Db, p: Principal, f: OrganisationFilter) {
  const cond = organisationWhere(p, f);
  const col = sortColumn(f.sort);
  const order = [f.dir === 'desc' ? sql`${col} desc nulls last` : sql`${col} asc nulls last`, asc(organisations.name), asc(organisations.id)];
  const rowsQuery = db
    .select(listColumns)
    .from(organisations)
    .leftJoin(municipalities, eq(municipalities.id, organisations.municipalityId))
    .leftJoin(provinces, eq(provinces.id, municipalities.provinceId))
    .where(cond)
    .orderBy(...order);
  const [rows, [{ total }]] = await Promise.all([
    f.pageSize > 0 ? rowsQuery.limit(f.pageSize).offset((f.page - 1) * f.pageSize) : rowsQuery,
    db
      .select({ total: sql<number>`count(*)::int` })
      .from(organisations)
      .leftJoin(municipalities, eq(municipalities.id, organisations.municipalityId))
      .leftJoin(provinces, eq(provinces.id, municipalities.provinceId))
      .where(cond),
  ]);
  return { rows, total };
}

export type OrganisationRow = Awaited<ReturnType<typeof listOrganisations>>['rows'][number];

/** The sectors in use (free text), for the filter. */
export async function listSectors(db: Db): Promise<string[]> {
  const rows = await db
    .selectDistinct({ sector: organisations.sector })
    .from(organisations)
    .where(and(isNull(organisations.deletedAt), isNotNull(organisations.sector)))
    .orderBy(asc(organisations.sector));
  return rows.map((r) => r.sector!).filter(Boolean);
}

/** One organisation (not deleted) with its municipality; callers check `can(… read …)`. */
export async function getOrganisation(db: Db, id: number): Promise<OrganisationRow | null> {
  const [row] = await db
    .select(listColumns)
    .from(organisations)
    .leftJoin(municipalities, eq(municipalities.id, organisations.municipalityId))
    .leftJoin(provinces, eq(provinces.id, municipalities.provinceId))
    .where(and(eq(organisations.id, id), isNull(organisations.deletedAt)));
  return row ?? null;
}

/** The scope of an organisation record for `can()`. */
export const organisationResource = (o: { id: number; municipalityId: number | null }) => ({ municipalityId: o.municipalityId, organisationId: o.id });

/* ------------------------------------------------------------------------------------------
 * Changes
 * ---------------------------------------------------------------------------------------- */

export type SaveResult = { ok: true; id: number } | { ok: false; errors: FieldErrors };

function uniqueErrors(constraint: string, input: { municipalityId: number | null }): FieldErrors | null {
  if (constraint === 'organisations_kvk_uq') return { kvkNumber: MSG.duplicateKvk };
  if (constraint === 'organisations_name_municipality_uq') return { name: input.municipalityId == null ? MSG.duplicateNational : MSG.duplicateName };
  return null;
}

/** Duplicate checks before saving: same KvK number, or same name (any case) in the same municipality. */
export async function duplicateErrors(db: Db, input: { name: string; kvkNumber?: string | null; municipalityId: number | null }, excludeId?: number): Promise<FieldErrors> {
  const errors: FieldErrors = {};
  const notSelf = excludeId ? ne(organisations.id, excludeId) : undefined;
  if (input.kvkNumber) {
    const [d] = await db
      .select({ id: organisations.id })
      .from(organisations)
      .where(and(eq(organisations.kvkNumber, input.kvkNumber), isNull(organisations.deletedAt), notSelf))
      .limit(1);
    if (d) errors.kvkNumber = MSG.duplicateKvk;
  }
  const [n] = await db
    .select({ id: organisations.id })
    .from(organisations)
    .where(
      and(
        sql`lower(${organisations.name}) = lower(${input.name})`,
        sql`coalesce(${organisations.municipalityId}, 0) = ${input.municipalityId ?? 0}`,
        isNull(organisations.deletedAt),
        notSelf,
      ),
    )
    .limit(1);
  if (n) errors.name = input.municipalityId == null ? MSG.duplicateNational : MSG.duplicateName;
  return errors;
}

/** Whether `p` may place an organisation in this municipality (null: national). */
async function municipalityErrors(db: Db, p: Principal, municipalityId: number | null, action: 'organisation:create' | 'organisation:update', existing?: OrganisationRow): Promise<FieldErrors> {
  if (municipalityId != null) {
    const [m] = await db
      .select({ id: municipalities.id, validTo: municipalities.validTo })
      .from(municipalities)
      .where(and(eq(municipalities.id, municipalityId), isNull(municipalities.deletedAt)));
    // An organisation may stay in an ended municipality it was already in, but not move to one.
    if (!m || (m.validTo && existing?.municipalityId !== municipalityId)) return { municipalityId: MSG.municipality };
  }
  const resource = existing ? { municipalityId, organisationId: existing.id } : { municipalityId };
  if (!can(p, action, resource)) return { municipalityId: municipalityId == null ? MSG.national : MSG.municipalityScope };
  return {};
}

const columnsOf = (input: OrganisationInput) => ({
  name: input.name,
  kind: input.kind,
  sector: input.sector ?? null,
  kvkNumber: input.kvkNumber ?? null,
  municipalityId: input.municipalityId,
  street: input.street ?? null,
  houseNumber: input.houseNumber ?? null,
  postcode: input.postcode ?? null,
  city: input.city ?? null,
  website: input.website ?? null,
  contactName: input.contactName ?? null,
  contactEmail: input.contactEmail ?? null,
  contactPhone: input.contactPhone ?? null,
});

export async function createOrganisation(db: Db, actx: AuditContext, p: Principal, input: OrganisationInput): Promise<SaveResult> {
  const errors = { ...(await municipalityErrors(db, p, input.municipalityId, 'organisation:create')), ...(await duplicateErrors(db, input)) };
  if (Object.keys(errors).length) return { ok: false, errors };
  try {
    const id = await db.transaction(async (tx) => {
      const t = tx as unknown as Db;
      const [row] = await t.insert(organisations).values(columnsOf(input)).returning({ id: organisations.id });
      await audit(t, actx, { action: 'create', entity: 'organisation', entityId: row.id, details: { name: input.name, municipalityId: input.municipalityId } });
      return row.id;
    });
    return { ok: true, id };
  } catch (e) {
    // Someone else saved the same organisation between our check and the insert.
    const c = uniqueViolation(e);
    const mapped = c !== null ? uniqueErrors(c, input) : null;
    if (mapped) return { ok: false, errors: mapped };
    throw e;
  }
}

/**
 * Updates an organisation. Only the programme team and coordinators may move it to another
 * municipality; for partners and providers the municipality stays as it is.
 */
export async function updateOrganisation(db: Db, actx: AuditContext, p: Principal, existing: OrganisationRow, input: OrganisationInput): Promise<SaveResult> {
  const municipalityId = can(p, 'organisation:create') ? input.municipalityId : existing.municipalityId;
  const next = { ...input, municipalityId };
  const errors = {
    ...(municipalityId !== existing.municipalityId ? await municipalityErrors(db, p, municipalityId, 'organisation:update', existing) : {}),
    ...(await duplicateErrors(db, next, existing.id)),
  };
  if (Object.keys(errors).length) return { ok: false, errors };
  const values = columnsOf(next);
  const changed = (Object.keys(values) as (keyof typeof values)[]).filter((k) => (values[k] ?? null) !== ((existing as Record<string, unknown>)[k] ?? null));
  try {
    await db.transaction(async (tx) => {
      const t = tx as unknown as Db;
      await t
        .update(organisations)
        .set({ ...values, updatedAt: new Date() })
        .where(and(eq(organisations.id, existing.id), isNull(organisations.deletedAt)));
      // Field names only: the values may contain personal data (contact person).
      await audit(t, actx, { action: 'update', entity: 'organisation', entityId: existing.id, details: { changed } });
    });
    return { ok: true, id: existing.id };
  } catch (e) {
    const c = uniqueViolation(e);
    const mapped = c !== null ? uniqueErrors(c, next) : null;
    if (mapped) return { ok: false, errors: mapped };
    throw e;
  }
}

/**
 * Why an organisation cannot be deleted (empty when it can): it is the handling organisation of
 * an active signal point (new signals would still be routed to it), or it still has open signals
 * (nobody would see them any more); it is a current member of a local coalition (no end date) or
 * of the National Coalition (not left): a deleted organisation's memberships drop out of the
 * programme figures at every date, so those are ended (or merged) first. Counts and names only:
 * nothing about persons.
 */
export async function organisationDeleteBlockers(db: Db, organisationId: number): Promise<string[]> {
  const [points, [{ open }]] = await Promise.all([
    db
      .select({ name: signalPoints.name, municipality: municipalities.name })
      .from(signalPoints)
      .innerJoin(municipalities, eq(municipalities.id, signalPoints.municipalityId))
      .where(and(eq(signalPoints.organisationId, organisationId), eq(signalPoints.active, true)))
      .orderBy(asc(municipalities.name), asc(signalPoints.name)),
    db
      .select({ open: sql<number>`count(*)::int` })
      .from(signals)
      .where(and(eq(signals.organisationId, organisationId), inArray(signals.status, [...OPEN_STATUSES]))),
  ]);
  const memberOf = await db
    .selectDistinct({ name: coalitions.name })
    .from(coalitionMembers)
    .innerJoin(coalitions, and(eq(coalitions.id, coalitionMembers.coalitionId), isNull(coalitions.deletedAt)))
    .where(and(eq(coalitionMembers.organisationId, organisationId), isNull(coalitionMembers.deletedAt), isNull(coalitionMembers.endDate)))
    .orderBy(asc(coalitions.name));
  const national = await db
    .select({ id: nationalMembers.id })
    .from(nationalMembers)
    .where(and(eq(nationalMembers.organisationId, organisationId), isNull(nationalMembers.deletedAt), isNull(nationalMembers.leftOn)));
  const reasons: string[] = [];
  if (points.length) {
    const names = points.map((p) => `${p.name} (${p.municipality})`).join(', ');
    reasons.push(
      `De organisatie pakt de signalen op van ${points.length === 1 ? 'het actieve signaalpunt' : 'de actieve signaalpunten'} ${names}. Zet ${points.length === 1 ? 'dat signaalpunt' : 'die signaalpunten'} eerst op niet actief bij Signaalpunten (of kies daar een andere organisatie), zodat nieuwe signalen niet meer naar deze organisatie gaan.`,
    );
  }
  if (open > 0) {
    reasons.push(
      `Er ${open === 1 ? 'is nog 1 open signaal' : `zijn nog ${open} open signalen`} bij deze organisatie. Laat de medewerkers van het signaalpunt ${open === 1 ? 'het' : 'ze'} eerst afsluiten of doorsturen naar een andere organisatie; anders ziet niemand ${open === 1 ? 'het' : 'ze'} meer.`,
    );
  }
  if (memberOf.length) {
    const one = memberOf.length === 1;
    reasons.push(
      `De organisatie is nu lid van ${one ? 'de lokale coalitie' : 'de lokale coalities'} ${memberOf.map((c) => c.name).join(', ')}. Heeft zij de coalitie verlaten? Kies dan op de coalitiepagina bij het lid Beëindigen, zodat de geschiedenis in de programmacijfers blijft kloppen. Staat de organisatie dubbel in het register? Vraag het programmateam de twee samen te voegen; de lidmaatschappen gaan dan mee.`,
    );
  }
  if (national.length) {
    reasons.push(
      'De organisatie is lid van de Nationale Coalitie tegen Eenzaamheid. Is zij vertrokken? Leg dat vast bij de Nationale Coalitie (Vertrek vastleggen). Is het lidmaatschap per vergissing ingevoerd? Verwijder dan eerst het lidmaatschap. Staat de organisatie dubbel in het register? Voeg de twee dan samen.',
    );
  }
  return reasons;
}

/**
 * Deletes (soft) an organisation, unless organisationDeleteBlockers gives reasons: then nothing
 * changes. The organisation row is locked while the blockers are checked.
 */
export async function deleteOrganisation(db: Db, actx: AuditContext, existing: OrganisationRow): Promise<{ ok: true } | { ok: false; reasons: string[] }> {
  const result = await db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    await t.execute(sql`select id from ${organisations} where id = ${existing.id} for update`);
    const reasons = await organisationDeleteBlockers(t, existing.id);
    if (reasons.length) return { ok: false as const, reasons };
    await t
      .update(organisations)
      .set({ deletedAt: new Date(), updatedAt: new Date() })
      .where(and(eq(organisations.id, existing.id), isNull(organisations.deletedAt)));
    await audit(t, actx, { action: 'delete', entity: 'organisation', entityId: existing.id, details: { name: existing.name } });
    return { ok: true as const };
  });
  if (!result.ok) return result;
  forgetApiKeys(); // its keys stop working at once
  return result;
}

/* ------------------------------------------------------------------------------------------
 * Import and export
 * ---------------------------------------------------------------------------------------- */

/** One row of an import file (snake_case headers) -> an organisation input with a municipality code. */
export const organisationImportSchema = z
  .object({
    name: organisationFields.name,
    kind: z.preprocess(parseKind, organisationFields.kind),
    sector: organisationFields.sector,
    kvk_number: organisationFields.kvkNumber,
    municipality_code: optional(
      z
        .string()
        .transform((s) => s.toUpperCase())
        .pipe(z.string().regex(/^GM\d{4}$/, 'Vul een CBS-gemeentecode in, zoals GM0363, of laat het veld leeg voor een landelijke organisatie.')),
    ),
    street: organisationFields.street,
    house_number: organisationFields.houseNumber,
    postcode: organisationFields.postcode,
    city: organisationFields.city,
    website: organisationFields.website,
    contact_name: organisationFields.contactName,
    contact_email: organisationFields.contactEmail,
    contact_phone: organisationFields.contactPhone,
  })
  .transform((r) => ({
    name: r.name,
    kind: r.kind,
    sector: r.sector,
    kvkNumber: r.kvk_number,
    municipalityCode: r.municipality_code,
    street: r.street,
    houseNumber: r.house_number,
    postcode: r.postcode,
    city: r.city,
    website: r.website,
    contactName: r.contact_name,
    contactEmail: r.contact_email,
    contactPhone: r.contact_phone,
  }));
export type OrganisationImportRow = z.infer<typeof organisationImportSchema>;

/**
 * Per-row checks of an organisation import (see ui.registerImport, which writes nothing unless
 * every row passes): the municipality code must be a current municipality within the importing
 * user's scope, and neither the KvK number nor the name (per municipality) may occur twice, in
 * the file or in the database.
 */
export async function organisationImportChecker(db: Db, _raw: Record<string, string>[], p: Principal) {
  const byCode = await municipalitiesByCode(db);
  const existing = await db
    .select({ name: organisations.name, kvkNumber: organisations.kvkNumber, municipalityId: organisations.municipalityId })
    .from(organisations)
    .where(isNull(organisations.deletedAt));
  const nameKey = (name: string, municipalityId: number | null) => `${municipalityId ?? 0}\u0000${name.toLowerCase()}`;
  const dbKvk = new Set(existing.map((o) => o.kvkNumber).filter(Boolean));
  const dbNames = new Set(existing.map((o) => nameKey(o.name, o.municipalityId)));
  const fileKvk = new Map<string, number>();
  const fileNames = new Map<string, number>();
  return (row: OrganisationImportRow, line: number): RowProblem[] => {
    const problems: RowProblem[] = [];
    let municipalityId: number | null = null;
    if (row.municipalityCode) {
      const m = byCode.get(row.municipalityCode);
      const problem = municipalityCodeProblem(row.municipalityCode, m);
      if (problem) return [{ line, field: 'municipality_code', reason: problem }];
      municipalityId = m!.id;
    }
    if (!can(p, 'organisation:create', { municipalityId })) {
      problems.push({ line, field: 'municipality_code', reason: municipalityId == null ? MSG.national : MSG.municipalityScope });
    }
    if (row.kvkNumber) {
      const first = fileKvk.get(row.kvkNumber);
      if (first) problems.push({ line, field: 'kvk_number', reason: `Dit KvK-nummer staat ook op regel ${first}.` });
      else if (dbKvk.has(row.kvkNumber)) problems.push({ line, field: 'kvk_number', reason: MSG.duplicateKvk });
      else fileKvk.set(row.kvkNumber, line);
    }
    const key = nameKey(row.name, municipalityId);
    const firstName = fileNames.get(key);
    if (firstName) problems.push({ line, field: 'name', reason: `Deze naam staat voor dezelfde gemeente ook op regel ${firstName}.` });
    else if (dbNames.has(key)) problems.push({ line, field: 'name', reason: municipalityId == null ? MSG.duplicateNational : MSG.duplicateName });
    else fileNames.set(key, line);
    return problems;
  };
}

/** Inserts the checked rows of an import in one transaction, audit-logged. */
export async function writeOrganisationImport(db: Db, actx: AuditContext, rows: OrganisationImportRow[], meta: { filename: string }): Promise<ImportCounts> {
  const byCode = await municipalitiesByCode(db);
  try {
    await db.transaction(async (tx) => {
      const t = tx as unknown as Db;
      const values = rows.map(({ municipalityCode, ...r }) => columnsOf({ ...r, municipalityId: municipalityCode ? byCode.get(municipalityCode)!.id : null }));
      for (let i = 0; i < values.length; i += 500) await t.insert(organisations).values(values.slice(i, i + 500));
      await audit(t, actx, { action: 'import', entity: 'organisation', details: { file: meta.filename, created: values.length } });
    });
  } catch (e) {
    // Someone saved one of these organisations between the check and the insert.
    if (uniqueViolation(e) !== null) throw new HttpError(409, 'conflict', 'Tijdens het importeren is een van deze organisaties door iemand anders vastgelegd. Er is niets opgeslagen; probeer het opnieuw.');
    throw e;
  }
  return { created: rows.length, updated: 0, unchanged: 0 };
}

/** Columns of the export; the first ones match the import so an export can be edited and re-imported. */
export function organisationExportColumns(withContact: boolean): TableColumn<OrganisationRow>[] {
  const cols: TableColumn<OrganisationRow>[] = [
    { header: 'name', value: (r) => r.name },
    { header: 'kind', value: (r) => r.kind },
    { header: 'kind_label', value: (r) => ORGANISATION_KIND_LABELS[r.kind as OrganisationKind] ?? r.kind },
    { header: 'sector', value: (r) => r.sector },
    { header: 'kvk_number', value: (r) => r.kvkNumber },
    { header: 'municipality_code', value: (r) => r.municipalityCode },
    { header: 'municipality_name', value: (r) => r.municipalityName },
    { header: 'province', value: (r) => r.provinceName },
    { header: 'street', value: (r) => r.street },
    { header: 'house_number', value: (r) => r.houseNumber },
    { header: 'postcode', value: (r) => r.postcode },
    { header: 'city', value: (r) => r.city },
    { header: 'website', value: (r) => r.website },
  ];
  if (withContact) {
    cols.push(
      { header: 'contact_name', value: (r) => r.contactName },
      { header: 'contact_email', value: (r) => r.contactEmail },
      { header: 'contact_phone', value: (r) => r.contactPhone },
    );
  }
  return cols;
}

/** All organisations matching the filter in `p`'s scope (default: everything, for the CLI), as an export table. */
export async function organisationExportTable(db: Db, p: Principal = SYSTEM_VIEWER, f: Omit<OrganisationFilter, 'page' | 'pageSize'> = {}): Promise<ExportTable<OrganisationRow>> {
  const { rows } = await listOrganisations(db, p, { ...f, page: 1, pageSize: 0 });
  return { entity: 'organisation', sheetName: 'Organisaties', columns: organisationExportColumns(true), rows };
}
