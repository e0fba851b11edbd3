import { and, asc, desc, eq, ilike, inArray, isNull, ne, or, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import type { Db } from '../../platform/db/index.js';
import { can, scopeOf, type Principal } from '../../platform/access.js';
import { audit, type AuditContext } from '../../platform/audit.js';
import { emailField, isIsoDate, normaliseDate, optionalText } from '../../platform/http/forms.js';
import type { FieldErrors } from '../../platform/views/components.js';
import type { TableColumn } from '../../platform/tabular.js';
import { jointApproaches, municipalities, organisations, participations, provinces } from '../registry/schema.js';
import { ORGANISATION_KINDS } from '../registry/labels.js';
import { likePattern, MSG as ORG_MSG, organisationResource, uniqueViolation } from '../registry/organisations-service.js';
import { nlDate } from '../registry/ui.js';
import type { ExportTable } from '../registry/exporters.js';
import { coalitionMembers, coalitions, coalitionStages, nationalMembers } from './schema.js';
import { setBranchParent } from './branches-service.js';
import {
  COALITION_SECTOR_LABELS,
  COALITION_SECTORS,
  COALITION_STAGE_LABELS,
  COALITION_STAGES,
  MEMBER_ROLE_LABELS,
  MEMBER_ROLES,
  type CoalitionSector,
  type CoalitionStage,
  type MemberRole,
} from './model.js';

/**
 * Local coalitions (issue 5 point 1): a coalition per municipality or one per joint approach, its
 * stage history and its members (organisation × role × sector, from a start date to an end date).
 *
 * Date rules (the same as the programme figures use):
 * - A stage applies from its from-date until the next stage row.
 * - A membership runs from start_date up to, not including, end_date: on the end date the
 *   organisation is no longer a member. A role change ends the row on the date of the change and
 *   starts a new row on that same date, so on every day exactly one row applies.
 * - Nothing is recorded in the future: stage dates, start, end and role-change dates are at most today.
 * - Stage history stays a clean sequence of changes: a stage row may be dated before the latest
 *   one (to fill in a step that was forgotten), but never on the same date as another row, and
 *   never with the same stage as the row just before or just after it.
 */

export const DATE_MSG = 'Vul een geldige datum in, zoals 31-01-2025 of 2025-01-31.';
export const FUTURE_MSG = 'Deze datum ligt in de toekomst. Vul de datum in waarop het gebeurd is (vandaag of eerder).';

/** A required date (YYYY-MM-DD, or the Dutch D-M-YYYY), with `missing` when empty. */
export const requiredDate = (missing: string) => z.preprocess(normaliseDate, z.string({ message: missing }).min(1, missing).refine(isIsoDate, DATE_MSG));

/** A positive id from a form field; `msg` when empty or not a number. */
export const formId = (msg: string) =>
  z.preprocess((v) => (v === '' || v == null ? undefined : v), z.coerce.number({ message: msg }).int(msg).positive(msg).max(2_147_483_647, msg));

export type SaveResult = { ok: true; id: number } | { ok: false; errors: FieldErrors; duplicate?: DuplicateOrganisation };

export interface DuplicateOrganisation {
  id: number;
  name: string;
  municipalityId: number | null;
  municipalityName: string | null;
  /** Which rule matched. */
  by: 'kvk' | 'name';
}

const hasErrors = (e: FieldErrors) => Object.keys(e).length > 0;
const tx = (t: unknown) => t as Db;

export const stageLabel = (s: string | null | undefined) => (s ? (COALITION_STAGE_LABELS[s as CoalitionStage] ?? s) : 'Geen fase vastgelegd');
export const roleLabel = (r: string) => MEMBER_ROLE_LABELS[r as MemberRole] ?? r;
export const sectorLabel = (s: string) => COALITION_SECTOR_LABELS[s as CoalitionSector] ?? s;

/* ------------------------------------------------------------------------------------------
 * Finding a coalition
 * ---------------------------------------------------------------------------------------- */

export type Coalition = typeof coalitions.$inferSelect;

/**
 * The coalition a municipality belongs to: its own, or else the coalition of the joint approach
 * it takes part in (one coalition for the whole joint approach, shown for each member).
 */
export async function coalitionOfMunicipality(db: Db, municipalityId: number): Promise<Coalition | null> {
  const [own] = await db
    .select()
    .from(coalitions)
    .where(and(eq(coalitions.municipalityId, municipalityId), isNull(coalitions.deletedAt)));
  if (own) return own;
  const [joint] = await db
    .select({ c: coalitions })
    .from(participations)
    .innerJoin(jointApproaches, and(eq(jointApproaches.id, participations.jointApproachId), isNull(jointApproaches.deletedAt)))
    .innerJoin(coalitions, and(eq(coalitions.jointApproachId, jointApproaches.id), isNull(coalitions.deletedAt)))
    .where(and(eq(participations.municipalityId, municipalityId), isNull(participations.deletedAt)))
    .limit(1);
  return joint?.c ?? null;
}

export interface MunicipalityBrief {
  id: number;
  cbsCode: string;
  name: string;
}

/** The municipalities of a coalition: its own, or every member of its joint approach (primary first). */
export async function coalitionMunicipalities(db: Db, c: Pick<Coalition, 'municipalityId' | 'jointApproachId'>): Promise<MunicipalityBrief[]> {
  const cols = { id: municipalities.id, cbsCode: municipalities.cbsCode, name: municipalities.name };
  const [primary] = await db.select(cols).from(municipalities).where(eq(municipalities.id, c.municipalityId));
  if (!c.jointApproachId) return primary ? [primary] : [];
  const others = await db
    .select(cols)
    .from(participations)
    .innerJoin(municipalities, eq(municipalities.id, participations.municipalityId))
    .where(and(eq(participations.jointApproachId, c.jointApproachId), isNull(participations.deletedAt), ne(municipalities.id, c.municipalityId)))
    .orderBy(asc(municipalities.name));
  return [...(primary ? [primary] : []), ...others];
}

/** The joint approach a municipality takes part in (with its primary municipality), or null. */
export async function jointApproachOf(db: Db, municipalityId: number) {
  const primary = alias(municipalities, 'primary_m');
  const [row] = await db
    .select({ id: jointApproaches.id, name: jointApproaches.name, primaryMunicipalityId: jointApproaches.primaryMunicipalityId, primaryName: primary.name })
    .from(participations)
    .innerJoin(jointApproaches, and(eq(jointApproaches.id, participations.jointApproachId), isNull(jointApproaches.deletedAt)))
    .innerJoin(primary, eq(primary.id, jointApproaches.primaryMunicipalityId))
    .where(and(eq(participations.municipalityId, municipalityId), isNull(participations.deletedAt)));
  return row ?? null;
}

/** The stage of a coalition on a date (the latest stage row on or before it), or null. */
export async function coalitionStageAt(db: Db, coalitionId: number, date: string): Promise<CoalitionStage | null> {
  const [row] = await db
    .select({ stage: coalitionStages.stage })
    .from(coalitionStages)
    .where(and(eq(coalitionStages.coalitionId, coalitionId), isNull(coalitionStages.deletedAt), sql`${coalitionStages.fromDate} <= ${date}`))
    .orderBy(desc(coalitionStages.fromDate), desc(coalitionStages.id))
    .limit(1);
  return (row?.stage as CoalitionStage) ?? null;
}

/* ------------------------------------------------------------------------------------------
 * The list of coalitions
 * ---------------------------------------------------------------------------------------- */

export const COALITION_SORTS = ['name', 'municipality', 'province', 'stage', 'members'] as const;

export interface CoalitionFilter {
  q?: string;
  stage?: CoalitionStage;
  province?: string;
  /** Only coalitions without a current kartrekker. */
  noKartrekker?: boolean;
  sort?: string;
  dir?: 'asc' | 'desc';
  page: number;
  /** 0: all rows (exports). */
  pageSize: number;
}

/** Coalitions `p` may see: any of its municipalities (the joint approach's members included) in scope. */
export function coalitionScopeCondition(p: Principal): SQL | undefined {
  const s = scopeOf(p);
  if (s.all) return undefined;
  if (!s.municipalityIds.length) return sql`false`;
  return or(
    inArray(coalitions.municipalityId, s.municipalityIds),
    sql`exists (select 1 from ${participations} where ${participations.jointApproachId} = ${coalitions.jointApproachId} and ${participations.deletedAt} is null and ${inArray(participations.municipalityId, s.municipalityIds)})`,
  );
}

/**
 * A membership row that applies on `day` (start ≤ day < end), of an organisation that was not
 * deleted (as in the programme figures: a deleted organisation was a mistake).
 */
const activeOn = (day: string) =>
  sql`cm.deleted_at is null and cm.start_date <= ${day} and (cm.end_date is null or cm.end_date > ${day})
      and exists (select 1 from ${organisations} mo where mo.id = cm.organisation_id and mo.deleted_at is null)`;

function stageSql(day: string) {
  return sql<string | null>`(select s.stage from ${coalitionStages} s where s.coalition_id = ${coalitions.id} and s.deleted_at is null and s.from_date <= ${day} order by s.from_date desc, s.id desc limit 1)`;
}
function stageSinceSql(day: string) {
  return sql<string | null>`(select s.from_date from ${coalitionStages} s where s.coalition_id = ${coalitions.id} and s.deleted_at is null and s.from_date <= ${day} order by s.from_date desc, s.id desc limit 1)`;
}
const stageOrder = (expr: SQL) => sql`case ${expr} ${sql.join(COALITION_STAGES.map((s, i) => sql`when ${s} then ${i}`), sql` `)} else -1 end`;

export interface KartrekkerRef {
  organisation: string;
  contact: string | null;
}

/** Coalitions in `p`'s scope with their stage, kartrekker(s) and number of members on `today`. */
export async function listCoalitions(db: Db, p: Principal, f: CoalitionFilter, today: string) {
  const day = today;
  const stage = stageSql(day);
  const members = sql<number>`(select count(*)::int from ${coalitionMembers} cm where cm.coalition_id = ${coalitions.id} and ${activeOn(day)})`;
  const kartrekkers = sql<KartrekkerRef[]>`(select coalesce(json_agg(json_build_object('organisation', o.name, 'contact', cm.contact_name) order by o.name), '[]'::json)
      from ${coalitionMembers} cm join ${organisations} o on o.id = cm.organisation_id
     where cm.coalition_id = ${coalitions.id} and cm.role = 'kartrekker' and ${activeOn(day)})`;
  const where: (SQL | undefined)[] = [isNull(coalitions.deletedAt), coalitionScopeCondition(p)];
  if (f.q) {
    const like = likePattern(f.q);
    where.push(or(ilike(coalitions.name, like), ilike(municipalities.name, like), ilike(municipalities.cbsCode, like), ilike(jointApproaches.name, like)));
  }
  if (f.stage === 'none') where.push(sql`coalesce(${stage}, 'none') = 'none'`);
  else if (f.stage) where.push(sql`${stage} = ${f.stage}`);
  if (f.province) where.push(eq(provinces.code, f.province));
  if (f.noKartrekker) {
    where.push(sql`not exists (select 1 from ${coalitionMembers} cm where cm.coalition_id = ${coalitions.id} and cm.role = 'kartrekker' and ${activeOn(day)})`);
  }
  const cond = and(...where);
  const sortCol: SQL =
    f.sort === 'municipality'
      ? sql`${municipalities.name}`
      : f.sort === 'province'
        ? sql`${provinces.name}`
        : f.sort === 'stage'
          ? stageOrder(stage)
          : f.sort === 'members'
            ? members
            : sql`${coalitions.name}`;
  const order = [f.dir === 'desc' ? sql`${sortCol} desc nulls last` : sql`${sortCol} asc nulls last`, asc(coalitions.name), asc(coalitions.id)];
  const base = db
    .select({
      id: coalitions.id,
      name: coalitions.name,
      municipalityId: coalitions.municipalityId,
      cbsCode: municipalities.cbsCode,
      municipalityName: municipalities.name,
      provinceName: provinces.name,
      jointApproachName: jointApproaches.name,
      /** Every municipality of a joint approach's coalition (for links within the viewer's scope). */
      jointMembers: sql<MunicipalityBrief[]>`(select coalesce(json_agg(json_build_object('id', jm.id, 'cbsCode', jm.cbs_code, 'name', jm.name) order by jm.name), '[]'::json)
          from ${participations} jp join ${municipalities} jm on jm.id = jp.municipality_id
         where jp.joint_approach_id = ${coalitions.jointApproachId} and jp.deleted_at is null)`,
      stage,
      stageSince: stageSinceSql(day),
      members,
      kartrekkers,
      total: sql<number>`(count(*) over ())::int`,
    })
    .from(coalitions)
    .innerJoin(municipalities, eq(municipalities.id, coalitions.municipalityId))
    .innerJoin(provinces, eq(provinces.id, municipalities.provinceId))
    .leftJoin(jointApproaches, eq(jointApproaches.id, coalitions.jointApproachId))
    .where(cond)
    .orderBy(...order);
  const rows = await (f.pageSize > 0 ? base.limit(f.pageSize).offset((f.page - 1) * f.pageSize) : base);
  let total = rows[0]?.total ?? 0;
  if (!rows.length && f.page > 1) {
    [{ total }] = await db
      .select({ total: sql<number>`count(*)::int` })
      .from(coalitions)
      .innerJoin(municipalities, eq(municipalities.id, coalitions.municipalityId))
      .innerJoin(provinces, eq(provinces.id, municipalities.provinceId))
      .leftJoin(jointApproaches, eq(jointApproaches.id, coalitions.jointApproachId))
      .where(cond);
  }
  return { rows: rows.map(({ total: _t, ...r }) => ({ ...r, stage: r.stage as CoalitionStage | null })), total };
}

export type CoalitionRow = Awaited<ReturnType<typeof listCoalitions>>['rows'][number];

/**
 * The municipalities in `p`'s scope that have no coalition yet (own or through their joint
 * approach); for the programme team: participating municipalities without one.
 */
export async function municipalitiesWithoutCoalition(db: Db, p: Principal): Promise<MunicipalityBrief[]> {
  const s = scopeOf(p);
  if (!s.all && !s.municipalityIds.length) return [];
  const hasCoalition = sql`exists (select 1 from ${coalitions} c where c.deleted_at is null and (c.municipality_id = ${municipalities.id}
      or c.joint_approach_id = (select pa.joint_approach_id from ${participations} pa where pa.municipality_id = ${municipalities.id} and pa.deleted_at is null limit 1)))`;
  const inScope = s.all
    ? sql`exists (select 1 from ${participations} pa where pa.municipality_id = ${municipalities.id} and pa.deleted_at is null)`
    : inArray(municipalities.id, s.municipalityIds);
  return db
    .select({ id: municipalities.id, cbsCode: municipalities.cbsCode, name: municipalities.name })
    .from(municipalities)
    .where(and(isNull(municipalities.deletedAt), isNull(municipalities.validTo), inScope, sql`not ${hasCoalition}`))
    .orderBy(asc(municipalities.name));
}

export const kartrekkerText = (k: KartrekkerRef[], withContact: boolean) =>
  k.map((x) => (withContact && x.contact ? `${x.organisation} (${x.contact})` : x.organisation)).join('; ') || null;

export const COALITION_EXPORT_COLUMNS: TableColumn<CoalitionRow>[] = [
  { header: 'municipality_code', value: (r) => r.cbsCode },
  { header: 'municipality_name', value: (r) => r.municipalityName },
  { header: 'province', value: (r) => r.provinceName },
  { header: 'coalition_name', value: (r) => r.name },
  { header: 'joint_approach', value: (r) => r.jointApproachName },
  { header: 'stage', value: (r) => r.stage },
  { header: 'stage_label', value: (r) => stageLabel(r.stage) },
  { header: 'stage_since', value: (r) => r.stageSince },
  { header: 'kartrekker_organisations', value: (r) => r.kartrekkers.map((k) => k.organisation).join('; ') || null },
  { header: 'kartrekker_contacts', value: (r) => r.kartrekkers.flatMap((k) => (k.contact ? [k.contact] : [])).join('; ') || null },
  { header: 'current_members', value: (r) => r.members },
];

export async function coalitionExportTable(db: Db, p: Principal, f: Omit<CoalitionFilter, 'page' | 'pageSize'>, today: string): Promise<ExportTable<CoalitionRow>> {
  const { rows } = await listCoalitions(db, p, { ...f, page: 1, pageSize: 0 }, today);
  return { entity: 'coalition', sheetName: 'Lokale coalities', columns: COALITION_EXPORT_COLUMNS, rows };
}

/* ------------------------------------------------------------------------------------------
 * One coalition: stages and members
 * ---------------------------------------------------------------------------------------- */

const parentOrg = alias(organisations, 'parent_org');
const orgMunicipality = alias(municipalities, 'org_municipality');

export async function listMembers(db: Db, coalitionIds: number[]) {
  if (!coalitionIds.length) return [];
  return db
    .select({
      id: coalitionMembers.id,
      coalitionId: coalitionMembers.coalitionId,
      organisationId: coalitionMembers.organisationId,
      organisationName: organisations.name,
      kvkNumber: organisations.kvkNumber,
      organisationMunicipality: orgMunicipality.name,
      parentName: parentOrg.name,
      role: coalitionMembers.role,
      sector: coalitionMembers.sector,
      contactName: coalitionMembers.contactName,
      contactEmail: coalitionMembers.contactEmail,
      startDate: coalitionMembers.startDate,
      endDate: coalitionMembers.endDate,
    })
    .from(coalitionMembers)
    .innerJoin(organisations, eq(organisations.id, coalitionMembers.organisationId))
    .leftJoin(orgMunicipality, eq(orgMunicipality.id, organisations.municipalityId))
    .leftJoin(parentOrg, eq(parentOrg.id, organisations.parentOrganisationId))
    // Memberships of deleted organisations are left out, as in the programme figures (merged ones were moved).
    .where(and(inArray(coalitionMembers.coalitionId, coalitionIds), isNull(coalitionMembers.deletedAt), isNull(organisations.deletedAt)))
    .orderBy(asc(organisations.name), asc(coalitionMembers.startDate), asc(coalitionMembers.id));
}

export type MemberRow = Awaited<ReturnType<typeof listMembers>>[number];

/** True when a membership row applies on `day` or starts later (not ended by then). */
export const isCurrent = (m: { endDate: string | null }, day: string) => m.endDate === null || m.endDate > day;

export async function getCoalitionDetail(db: Db, c: Coalition, today: string) {
  const [munis, stages, members, joint] = await Promise.all([
    coalitionMunicipalities(db, c),
    db
      .select()
      .from(coalitionStages)
      .where(and(eq(coalitionStages.coalitionId, c.id), isNull(coalitionStages.deletedAt)))
      .orderBy(asc(coalitionStages.fromDate), asc(coalitionStages.id)),
    listMembers(db, [c.id]),
    c.jointApproachId ? db.select().from(jointApproaches).where(eq(jointApproaches.id, c.jointApproachId)) : Promise.resolve([]),
  ]);
  const applying = stages.filter((s) => s.fromDate <= today);
  const currentStage = applying[applying.length - 1] ?? null;
  const current = members.filter((m) => isCurrent(m, today));
  const past = members.filter((m) => !isCurrent(m, today)).sort((a, b) => (b.endDate ?? '').localeCompare(a.endDate ?? '') || a.organisationName.localeCompare(b.organisationName));
  const kartrekkers = current.filter((m) => m.role === 'kartrekker' && m.startDate <= today);
  return { coalition: c, municipalities: munis, jointApproach: joint[0] ?? null, stages, currentStage, current, past, kartrekkers };
}

export type CoalitionDetail = Awaited<ReturnType<typeof getCoalitionDetail>>;

/** One membership row of a coalition (not deleted), or null. */
export async function getMember(db: Db, coalitionId: number, memberId: number): Promise<MemberRow | null> {
  const rows = await listMembers(db, [coalitionId]);
  return rows.find((m) => m.id === memberId) ?? null;
}

/* ------------------------------------------------------------------------------------------
 * Validation schemas (forms and API share them)
 * ---------------------------------------------------------------------------------------- */

export const STAGE_MSG = 'Kies een fase.';
export const ROLE_MSG = 'Kies de rol van de organisatie in de coalitie.';
export const SECTOR_MSG = 'Kies de sector van de organisatie.';

const stageField = z.enum(COALITION_STAGES, { message: STAGE_MSG });
const roleField = z.enum(MEMBER_ROLES, { message: ROLE_MSG });
const sectorField = z.enum(COALITION_SECTORS, { message: SECTOR_MSG });
const nameField = (label: string, max = 200) =>
  z.preprocess((v) => (typeof v === 'string' ? v.trim().replace(/\s+/g, ' ') : v), z.string({ message: `Vul ${label} in.` }).min(1, `Vul ${label} in.`).max(max, `Gebruik hoogstens ${max} tekens.`));

export const coalitionCreateSchema = z.object({
  name: nameField('de naam van de coalitie'),
  description: optionalText(2000),
  joint: z.preprocess((v) => v === 'ja' || v === true, z.boolean()),
  stage: stageField,
  fromDate: requiredDate('Vul de datum in vanaf wanneer de coalitie in deze fase is.'),
  note: optionalText(500),
});
export type CoalitionCreateInput = z.infer<typeof coalitionCreateSchema>;

export const coalitionEditSchema = z.object({ name: nameField('de naam van de coalitie'), description: optionalText(2000) });

export const stageSchema = z.object({
  stage: stageField,
  fromDate: requiredDate('Vul de datum in vanaf wanneer de nieuwe fase geldt.'),
  note: optionalText(500, 'Gebruik voor de toelichting hoogstens 500 tekens.'),
});
export type StageInput = z.infer<typeof stageSchema>;

const contactFields = {
  contactName: optionalText(200),
  contactEmail: emailField(false),
};

/** The membership part of the add-member form (the organisation is chosen separately). */
export const memberFieldsSchema = z.object({
  role: roleField,
  sector: sectorField,
  startDate: requiredDate('Vul de startdatum in: vanaf wanneer doet de organisatie mee?'),
  ...contactFields,
});

export const existingOrganisationSchema = z.object({ organisationId: formId('Kies een organisatie uit de lijst.') });

export const newOrganisationSchema = z.object({
  newName: nameField('de naam van de nieuwe organisatie'),
  newKind: z.enum(ORGANISATION_KINDS, { message: 'Kies het soort organisatie.' }),
  newKvk: z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.replace(/\s+/g, '') : v), z.string().regex(/^\d{8}$/, ORG_MSG.kvk).optional()),
  newMunicipalityId: formId('Kies de gemeente van de organisatie.'),
  newParentId: z.preprocess((v) => (v === '' || v == null ? undefined : v), z.coerce.number().int().positive().optional()),
});

export const memberDetailsSchema = z.object({ sector: sectorField, ...contactFields });
export const roleChangeSchema = z.object({ role: roleField, date: requiredDate('Vul de datum in vanaf wanneer de nieuwe rol geldt.') });
export const endSchema = z.object({ endDate: requiredDate('Vul de einddatum in.') });

export interface AddMemberInput {
  organisationId?: number;
  newOrganisation?: { name: string; kind: (typeof ORGANISATION_KINDS)[number]; kvkNumber?: string; municipalityId: number; parentOrganisationId?: number };
  role: MemberRole;
  sector: CoalitionSector;
  startDate: string;
  contactName?: string;
  contactEmail?: string;
}

/* ------------------------------------------------------------------------------------------
 * Changes
 * ---------------------------------------------------------------------------------------- */

/** Locks the coalition row for the rest of the transaction, so concurrent changes queue up. */
async function lockCoalition(t: Db, id: number) {
  const [c] = await t
    .select()
    .from(coalitions)
    .where(and(eq(coalitions.id, id), isNull(coalitions.deletedAt)))
    .for('update');
  return c ?? null;
}

/** Locks the row of the joint approach `municipalityId` takes part in, if any (in the caller's transaction). */
async function lockJointApproachOf(t: Db, municipalityId: number): Promise<void> {
  const j = await jointApproachOf(t, municipalityId);
  if (j) await t.select({ id: jointApproaches.id }).from(jointApproaches).where(eq(jointApproaches.id, j.id)).for('update');
}

/**
 * Whether the coalition of a primary municipality can become the one coalition of its joint
 * approach, and why not (Dutch, for the page). The conversion is for the programme team, which
 * manages joint approaches: it widens the coalition to every member municipality.
 */
export async function jointConversionCheck(db: Db, c: Coalition): Promise<{ ok: true; joint: NonNullable<Awaited<ReturnType<typeof jointApproachOf>>> } | { ok: false; reason: string }> {
  if (c.jointApproachId) return { ok: false, reason: `${c.name} is al de coalitie van een gezamenlijke aanpak.` };
  const j = await jointApproachOf(db, c.municipalityId);
  if (!j) return { ok: false, reason: 'De gemeente van deze coalitie neemt niet deel aan een gezamenlijke aanpak. Leg die eerst vast bij de deelnames.' };
  if (j.primaryMunicipalityId !== c.municipalityId)
    return { ok: false, reason: `Alleen de coalitie van de hoofdgemeente ${j.primaryName} kan de coalitie van de gezamenlijke aanpak "${j.name}" worden.` };
  const [other] = await db
    .select({ name: coalitions.name })
    .from(coalitions)
    .where(and(eq(coalitions.jointApproachId, j.id), isNull(coalitions.deletedAt)));
  if (other) return { ok: false, reason: `De gezamenlijke aanpak "${j.name}" heeft al een coalitie: ${other.name}.` };
  const own = await db
    .select({ name: municipalities.name })
    .from(participations)
    .innerJoin(coalitions, and(eq(coalitions.municipalityId, participations.municipalityId), isNull(coalitions.deletedAt)))
    .innerJoin(municipalities, eq(municipalities.id, participations.municipalityId))
    .where(and(eq(participations.jointApproachId, j.id), isNull(participations.deletedAt), ne(participations.municipalityId, c.municipalityId)))
    .orderBy(asc(municipalities.name));
  if (own.length)
    return {
      ok: false,
      reason: `${own.map((o) => o.name).join(', ')} ${own.length === 1 ? 'heeft' : 'hebben'} nog een eigen lokale coalitie. Een gemeente hoort bij één coalitie: verwijder of beëindig die eerst, of haal de gemeente uit de gezamenlijke aanpak.`,
    };
  return { ok: true, joint: j };
}

/**
 * Turns the coalition of a primary municipality into the coalition of its joint approach
 * (coalitions.joint_approach_id), optionally under a new name. Its stages and members, with
 * their dates, stay as they are: the history is the same coalition's. Audit-logged.
 */
export async function convertToJointCoalition(db: Db, actx: AuditContext, c: Coalition, name: string): Promise<SaveResult> {
  return db.transaction(async (raw): Promise<SaveResult> => {
    const t = tx(raw);
    const [cur] = await t
      .select()
      .from(coalitions)
      .where(and(eq(coalitions.id, c.id), isNull(coalitions.deletedAt)))
      .for('update');
    if (!cur) return { ok: false, errors: { _form: 'Deze coalitie bestaat niet (meer).' } };
    // The joint approach's row serialises this with createCoalition() for any of its municipalities.
    await lockJointApproachOf(t, cur.municipalityId);
    const check = await jointConversionCheck(t, cur);
    if (!check.ok) return { ok: false, errors: { _form: check.reason } };
    await t.update(coalitions).set({ jointApproachId: check.joint.id, name, updatedAt: new Date() }).where(eq(coalitions.id, c.id));
    await audit(t, actx, { action: 'update', entity: 'coalition', entityId: c.id, details: { change: 'joint_approach', jointApproachId: check.joint.id, name, previousName: cur.name } });
    return { ok: true, id: c.id };
  });
}

/**
 * Creates the coalition of a municipality, or (with `joint`) the one coalition of its joint
 * approach, anchored at the approach's primary municipality. The first stage row comes with it.
 */
export async function createCoalition(db: Db, actx: AuditContext, municipalityId: number, input: CoalitionCreateInput, today: string): Promise<SaveResult> {
  const errors: FieldErrors = {};
  if (input.fromDate > today) errors.fromDate = FUTURE_MSG;
  try {
    return await db.transaction(async (raw): Promise<SaveResult> => {
      const t = tx(raw);
      const [m] = await t
        .select()
        .from(municipalities)
        .where(and(eq(municipalities.id, municipalityId), isNull(municipalities.deletedAt)))
        .for('update');
      if (!m) return { ok: false, errors: { _form: 'Deze gemeente bestaat niet (meer).' } };
      // A member of a joint approach: one coalition per approach (see convertToJointCoalition), so lock the approach.
      await lockJointApproachOf(t, m.id);
      if (m.validTo) errors._form = `${m.name} is opgeheven per ${nlDate(m.validTo)}. Leg de coalitie vast bij de huidige gemeente.`;
      if (await coalitionOfMunicipality(t, m.id)) errors._form = `${m.name} heeft al een lokale coalitie.`;
      let anchor = m.id;
      let jointId: number | null = null;
      if (input.joint) {
        const j = await jointApproachOf(t, m.id);
        if (!j) errors.joint = `${m.name} neemt niet deel aan een gezamenlijke aanpak. Haal het vinkje weg.`;
        else {
          const [own] = await t
            .select({ id: coalitions.id })
            .from(coalitions)
            .where(and(eq(coalitions.municipalityId, j.primaryMunicipalityId), isNull(coalitions.deletedAt)));
          if (own && j.primaryMunicipalityId !== m.id)
            errors.joint = `De hoofdgemeente ${j.primaryName} heeft al een eigen coalitie. Vraag het programmateam die om te zetten naar een coalitie van de gezamenlijke aanpak, of haal het vinkje weg.`;
          anchor = j.primaryMunicipalityId;
          jointId = j.id;
        }
      }
      if (hasErrors(errors)) return { ok: false, errors };
      const [c] = await t
        .insert(coalitions)
        .values({ name: input.name, description: input.description ?? null, municipalityId: anchor, jointApproachId: jointId })
        .returning();
      await t.insert(coalitionStages).values({ coalitionId: c.id, stage: input.stage, fromDate: input.fromDate, note: input.note ?? null, createdBy: userId(actx) });
      await audit(t, actx, {
        action: 'create',
        entity: 'coalition',
        entityId: c.id,
        details: { name: c.name, municipality: m.cbsCode, jointApproachId: jointId, stage: input.stage, fromDate: input.fromDate },
      });
      return { ok: true, id: c.id };
    });
  } catch (e) {
    if (uniqueViolation(e) === 'coalitions_municipality_uq') return { ok: false, errors: { _form: 'Deze gemeente heeft al een lokale coalitie (zojuist door iemand anders vastgelegd).' } };
    throw e;
  }
}

const userId = (actx: AuditContext) => (actx.principal?.kind === 'user' ? actx.principal.id : null);

export async function updateCoalition(db: Db, actx: AuditContext, c: Coalition, input: z.infer<typeof coalitionEditSchema>): Promise<SaveResult> {
  const changed = (['name', 'description'] as const).filter((k) => (input[k] ?? null) !== (c[k] ?? null));
  await db.transaction(async (raw) => {
    const t = tx(raw);
    await t
      .update(coalitions)
      .set({ name: input.name, description: input.description ?? null, updatedAt: new Date() })
      .where(eq(coalitions.id, c.id));
    await audit(t, actx, { action: 'update', entity: 'coalition', entityId: c.id, details: { changed } });
  });
  return { ok: true, id: c.id };
}

/** Adds a dated stage row; see the file comment for the ordering rule. */
export async function addStage(db: Db, actx: AuditContext, coalitionId: number, input: StageInput, today: string): Promise<SaveResult> {
  if (input.fromDate > today) return { ok: false, errors: { fromDate: FUTURE_MSG } };
  return db.transaction(async (raw): Promise<SaveResult> => {
    const t = tx(raw);
    if (!(await lockCoalition(t, coalitionId))) return { ok: false, errors: { _form: 'Deze coalitie bestaat niet (meer).' } };
    const rows = await t
      .select()
      .from(coalitionStages)
      .where(and(eq(coalitionStages.coalitionId, coalitionId), isNull(coalitionStages.deletedAt)))
      .orderBy(asc(coalitionStages.fromDate), asc(coalitionStages.id));
    const same = rows.find((r) => r.fromDate === input.fromDate);
    if (same) {
      return {
        ok: false,
        errors: { fromDate: `Op ${nlDate(same.fromDate)} is al een fase vastgelegd (${stageLabel(same.stage)}). Kies een andere datum, of verwijder eerst die regel in de fasegeschiedenis als hij fout is.` },
      };
    }
    const before = rows.filter((r) => r.fromDate < input.fromDate).pop();
    const after = rows.find((r) => r.fromDate > input.fromDate);
    if (before && before.stage === input.stage) {
      return { ok: false, errors: { stage: `Op ${nlDate(input.fromDate)} was de coalitie al "${stageLabel(before.stage)}" (sinds ${nlDate(before.fromDate)}). Kies een andere fase.` } };
    }
    if (after && after.stage === input.stage) {
      return {
        ok: false,
        errors: {
          stage: `Vanaf ${nlDate(after.fromDate)} staat al "${stageLabel(after.stage)}" vastgelegd. Begon die fase eerder? Verwijder dan eerst die regel en voeg hem opnieuw toe met de juiste datum.`,
        },
      };
    }
    const [row] = await t
      .insert(coalitionStages)
      .values({ coalitionId, stage: input.stage, fromDate: input.fromDate, note: input.note ?? null, createdBy: userId(actx) })
      .returning();
    await audit(t, actx, { action: 'create', entity: 'coalition_stage', entityId: row.id, details: { coalitionId, stage: input.stage, fromDate: input.fromDate, backdated: !!after } });
    return { ok: true, id: row.id };
  });
}

/** Soft-deletes a stage row entered by mistake (left out of every figure), with an audit entry. */
export async function deleteStage(db: Db, actx: AuditContext, coalitionId: number, stageId: number): Promise<boolean> {
  return db.transaction(async (raw) => {
    const t = tx(raw);
    const [row] = await t
      .update(coalitionStages)
      .set({ deletedAt: new Date() })
      .where(and(eq(coalitionStages.id, stageId), eq(coalitionStages.coalitionId, coalitionId), isNull(coalitionStages.deletedAt)))
      .returning();
    if (!row) return false;
    await audit(t, actx, { action: 'delete', entity: 'coalition_stage', entityId: row.id, details: { coalitionId, stage: row.stage, fromDate: row.fromDate } });
    return true;
  });
}

/** An organisation with the same KvK number, or the same name (any case) in the same municipality. */
export async function findDuplicateOrganisation(db: Db, input: { name: string; kvkNumber?: string | null; municipalityId: number | null }): Promise<DuplicateOrganisation | null> {
  const cols = { id: organisations.id, name: organisations.name, municipalityId: organisations.municipalityId, municipalityName: municipalities.name };
  const q = () => db.select(cols).from(organisations).leftJoin(municipalities, eq(municipalities.id, organisations.municipalityId));
  if (input.kvkNumber) {
    const [d] = await q()
      .where(and(eq(organisations.kvkNumber, input.kvkNumber), isNull(organisations.deletedAt)))
      .limit(1);
    if (d) return { ...d, by: 'kvk' };
  }
  const [n] = await q()
    .where(
      and(
        sql`lower(${organisations.name}) = lower(${input.name})`,
        sql`coalesce(${organisations.municipalityId}, 0) = ${input.municipalityId ?? 0}`,
        isNull(organisations.deletedAt),
      ),
    )
    .limit(1);
  return n ? { ...n, by: 'name' } : null;
}

/** The message for a duplicate found when creating an organisation. */
export function duplicateMessage(d: DuplicateOrganisation): string {
  const where = d.municipalityName ? ` in ${d.municipalityName}` : ' (landelijk)';
  return d.by === 'kvk'
    ? `Er is al een organisatie met dit KvK-nummer: ${d.name}${where}. Kies die organisatie in plaats van een nieuwe aan te maken.`
    : `Er is al een organisatie met deze naam${where}: ${d.name}. Kies die organisatie in plaats van een nieuwe aan te maken.`;
}

/** Organisations that may be chosen for a coalition of these municipalities (local ones there, and national ones). */
function choosableCondition(municipalityIds: number[]): SQL {
  return or(isNull(organisations.municipalityId), municipalityIds.length ? inArray(organisations.municipalityId, municipalityIds) : sql`false`)!;
}

/** Options for the "existing organisation" select: local organisations of the coalition and national ones, optionally searched. */
export async function memberOrganisationOptions(db: Db, municipalityIds: number[], q?: string, limit = 400) {
  const where = [isNull(organisations.deletedAt), choosableCondition(municipalityIds)];
  if (q) where.push(or(ilike(organisations.name, likePattern(q)), ilike(organisations.kvkNumber, likePattern(q)))!);
  return db
    .select({ id: organisations.id, name: organisations.name, municipalityName: municipalities.name })
    .from(organisations)
    .leftJoin(municipalities, eq(municipalities.id, organisations.municipalityId))
    .where(and(...where))
    .orderBy(sql`${organisations.municipalityId} is null`, asc(organisations.name))
    .limit(limit);
}

/** National Coalition members (current) as options for "branch of" (parent organisation). */
export async function nationalParentOptions(db: Db, today: string) {
  return db
    .select({ id: organisations.id, name: organisations.name })
    .from(nationalMembers)
    .innerJoin(organisations, eq(organisations.id, nationalMembers.organisationId))
    .where(and(isNull(nationalMembers.deletedAt), isNull(organisations.deletedAt), sql`(${nationalMembers.leftOn} is null or ${nationalMembers.leftOn} > ${today})`))
    .orderBy(asc(organisations.name));
}

/**
 * Adds a member: an existing organisation, or a new local organisation created in the same
 * transaction (after the duplicate check of the registry: KvK number, or name within the
 * municipality — a duplicate is returned so the form can offer it instead). An organisation
 * cannot have two overlapping memberships in one coalition.
 */
export async function addMember(
  db: Db,
  actx: AuditContext,
  p: Principal,
  coalitionId: number,
  municipalityIds: number[],
  input: AddMemberInput,
  today: string,
): Promise<SaveResult> {
  const errors: FieldErrors = {};
  if (input.startDate > today) errors.startDate = FUTURE_MSG;
  let duplicate: DuplicateOrganisation | undefined;
  if (input.newOrganisation) {
    const n = input.newOrganisation;
    if (!municipalityIds.includes(n.municipalityId)) errors.newMunicipalityId = 'Kies een gemeente van deze coalitie.';
    const d = await findDuplicateOrganisation(db, { name: n.name, kvkNumber: n.kvkNumber, municipalityId: n.municipalityId });
    if (d) {
      duplicate = d;
      errors[d.by === 'kvk' ? 'newKvk' : 'newName'] = duplicateMessage(d);
    }
    if (n.parentOrganisationId != null) {
      const [parent] = await db
        .select({ id: organisations.id })
        .from(organisations)
        .where(and(eq(organisations.id, n.parentOrganisationId), isNull(organisations.deletedAt), isNull(organisations.municipalityId)));
      if (!parent) errors.newParentId = 'Kies een landelijke organisatie uit de lijst, of laat dit veld leeg.';
    }
  }
  try {
    return await db.transaction(async (raw): Promise<SaveResult> => {
      const t = tx(raw);
      if (!(await lockCoalition(t, coalitionId))) return { ok: false, errors: { _form: 'Deze coalitie bestaat niet (meer).' } };
      let organisationId = input.organisationId;
      let organisationName = '';
      if (organisationId != null) {
        const [o] = await t
          .select({ id: organisations.id, name: organisations.name, municipalityId: organisations.municipalityId })
          .from(organisations)
          .where(and(eq(organisations.id, organisationId), isNull(organisations.deletedAt)));
        // Unknown, deleted, or out of reach (another municipality the user may not see): the same answer.
        const reachable = o && (o.municipalityId == null || municipalityIds.includes(o.municipalityId) || can(p, 'organisation:read', organisationResource(o)));
        if (!reachable) errors.organisationId = 'Deze organisatie bestaat niet (meer) of u kunt haar hier niet kiezen. Kies een organisatie uit de lijst.';
        else {
          organisationName = o.name;
          const [overlap] = await t
            .select()
            .from(coalitionMembers)
            .where(
              and(
                eq(coalitionMembers.coalitionId, coalitionId),
                eq(coalitionMembers.organisationId, o.id),
                isNull(coalitionMembers.deletedAt),
                sql`(${coalitionMembers.endDate} is null or ${coalitionMembers.endDate} > ${input.startDate})`,
              ),
            )
            .orderBy(asc(coalitionMembers.startDate))
            .limit(1);
          if (overlap) {
            errors.organisationId = overlap.endDate
              ? `${o.name} is van ${nlDate(overlap.startDate)} tot ${nlDate(overlap.endDate)} lid (${roleLabel(overlap.role)}); een nieuw lidmaatschap kan pas op of na ${nlDate(overlap.endDate)} beginnen.`
              : `${o.name} is al lid van deze coalitie sinds ${nlDate(overlap.startDate)} (${roleLabel(overlap.role)}). Wijzig daar de rol, of beëindig dat lidmaatschap eerst.`;
          }
        }
      }
      if (hasErrors(errors)) return { ok: false, errors, duplicate };
      if (input.newOrganisation) {
        const n = input.newOrganisation;
        const [m] = await t.select({ name: municipalities.name }).from(municipalities).where(eq(municipalities.id, n.municipalityId));
        const [o] = await t
          .insert(organisations)
          .values({ name: n.name, kind: n.kind, kvkNumber: n.kvkNumber ?? null, municipalityId: n.municipalityId, city: m?.name ?? null })
          .returning({ id: organisations.id });
        organisationId = o.id;
        organisationName = n.name;
        await audit(t, actx, { action: 'create', entity: 'organisation', entityId: o.id, details: { name: n.name, municipalityId: n.municipalityId, via: 'coalition', coalitionId } });
        // A branch created with its membership was a branch when it joined: the link starts then.
        if (n.parentOrganisationId != null) await setBranchParent(t, actx, o.id, n.parentOrganisationId, input.startDate, { via: 'coalition', coalitionId });
      }
      const [row] = await t
        .insert(coalitionMembers)
        .values({
          coalitionId,
          organisationId: organisationId!,
          role: input.role,
          sector: input.sector,
          startDate: input.startDate,
          contactName: input.contactName ?? null,
          contactEmail: input.contactEmail ?? null,
        })
        .returning({ id: coalitionMembers.id });
      await audit(t, actx, {
        action: 'create',
        entity: 'coalition_member',
        entityId: row.id,
        details: { coalitionId, organisationId, organisation: organisationName, role: input.role, sector: input.sector, startDate: input.startDate },
      });
      return { ok: true, id: row.id };
    });
  } catch (e) {
    const c = uniqueViolation(e);
    if (c === 'organisations_kvk_uq') return { ok: false, errors: { newKvk: ORG_MSG.duplicateKvk } };
    if (c === 'organisations_name_municipality_uq') return { ok: false, errors: { newName: ORG_MSG.duplicateName } };
    throw e;
  }
}

/**
 * A change of role: the current row ends on `date` and a new row with the new role starts on
 * that date (sector and contact carried over), so the history shows both.
 */
export async function changeMemberRole(db: Db, actx: AuditContext, coalitionId: number, memberId: number, input: z.infer<typeof roleChangeSchema>, today: string): Promise<SaveResult> {
  return db.transaction(async (raw): Promise<SaveResult> => {
    const t = tx(raw);
    if (!(await lockCoalition(t, coalitionId))) return { ok: false, errors: { _form: 'Deze coalitie bestaat niet (meer).' } };
    const [m] = await t
      .select()
      .from(coalitionMembers)
      .where(and(eq(coalitionMembers.id, memberId), eq(coalitionMembers.coalitionId, coalitionId), isNull(coalitionMembers.deletedAt)));
    if (!m) return { ok: false, errors: { _form: 'Dit lidmaatschap bestaat niet (meer).' } };
    const errors: FieldErrors = {};
    if (input.role === m.role) errors.role = `Kies een andere rol dan de huidige (${roleLabel(m.role)}).`;
    if (input.date > today) errors.date = FUTURE_MSG;
    else if (input.date <= m.startDate)
      errors.date = `De nieuwe rol moet na de startdatum (${nlDate(m.startDate)}) ingaan. Had de organisatie vanaf het begin een andere rol? Verwijder dan deze regel en voeg het lid opnieuw toe.`;
    else if (m.endDate && input.date >= m.endDate) errors.date = `Dit lidmaatschap eindigde op ${nlDate(m.endDate)}; de nieuwe rol moet daarvoor ingaan.`;
    if (hasErrors(errors)) return { ok: false, errors };
    await t.update(coalitionMembers).set({ endDate: input.date, updatedAt: new Date() }).where(eq(coalitionMembers.id, m.id));
    const [row] = await t
      .insert(coalitionMembers)
      .values({
        coalitionId,
        organisationId: m.organisationId,
        role: input.role,
        sector: m.sector,
        contactName: m.contactName,
        contactEmail: m.contactEmail,
        startDate: input.date,
        endDate: m.endDate,
      })
      .returning({ id: coalitionMembers.id });
    await audit(t, actx, {
      action: 'update',
      entity: 'coalition_member',
      entityId: m.id,
      details: { coalitionId, organisationId: m.organisationId, change: 'role', from: m.role, to: input.role, date: input.date, newMemberId: row.id },
    });
    return { ok: true, id: row.id };
  });
}

/** Ends a membership: from `endDate` on the organisation is no longer a member. */
export async function endMember(db: Db, actx: AuditContext, coalitionId: number, memberId: number, endDate: string, today: string): Promise<SaveResult> {
  return db.transaction(async (raw): Promise<SaveResult> => {
    const t = tx(raw);
    const [m] = await t
      .select()
      .from(coalitionMembers)
      .where(and(eq(coalitionMembers.id, memberId), eq(coalitionMembers.coalitionId, coalitionId), isNull(coalitionMembers.deletedAt)))
      .for('update');
    if (!m) return { ok: false, errors: { _form: 'Dit lidmaatschap bestaat niet (meer).' } };
    if (m.endDate) return { ok: false, errors: { endDate: `Dit lidmaatschap is al beëindigd per ${nlDate(m.endDate)}.` } };
    if (endDate < m.startDate) return { ok: false, errors: { endDate: `De einddatum kan niet voor de startdatum (${nlDate(m.startDate)}) liggen.` } };
    if (endDate > today) return { ok: false, errors: { endDate: FUTURE_MSG } };
    await t.update(coalitionMembers).set({ endDate, updatedAt: new Date() }).where(eq(coalitionMembers.id, m.id));
    await audit(t, actx, { action: 'update', entity: 'coalition_member', entityId: m.id, details: { coalitionId, organisationId: m.organisationId, change: 'end', endDate } });
    return { ok: true, id: m.id };
  });
}

/** Corrects the sector or contact person of a membership row (no new history row: a correction). */
export async function updateMemberDetails(db: Db, actx: AuditContext, member: MemberRow, input: z.infer<typeof memberDetailsSchema>): Promise<SaveResult> {
  const next = { sector: input.sector, contactName: input.contactName ?? null, contactEmail: input.contactEmail ?? null };
  const changed = (Object.keys(next) as (keyof typeof next)[]).filter((k) => next[k] !== member[k]);
  await db.transaction(async (raw) => {
    const t = tx(raw);
    await t
      .update(coalitionMembers)
      .set({ ...next, updatedAt: new Date() })
      .where(eq(coalitionMembers.id, member.id));
    // Field names only: the values are personal data.
    await audit(t, actx, { action: 'update', entity: 'coalition_member', entityId: member.id, details: { coalitionId: member.coalitionId, changed } });
  });
  return { ok: true, id: member.id };
}

/** Soft-deletes a membership row entered by mistake: it disappears from lists and figures; the audit log keeps it. */
export async function deleteMember(db: Db, actx: AuditContext, member: MemberRow): Promise<boolean> {
  return db.transaction(async (raw) => {
    const t = tx(raw);
    const [row] = await t
      .update(coalitionMembers)
      .set({ deletedAt: new Date(), updatedAt: new Date() })
      .where(and(eq(coalitionMembers.id, member.id), isNull(coalitionMembers.deletedAt)))
      .returning();
    if (!row) return false;
    await audit(t, actx, {
      action: 'delete',
      entity: 'coalition_member',
      entityId: row.id,
      details: { coalitionId: row.coalitionId, organisationId: row.organisationId, organisation: member.organisationName, role: row.role, startDate: row.startDate, endDate: row.endDate },
    });
    return true;
  });
}

/* ------------------------------------------------------------------------------------------
 * Export of all members (the columns of the coalition-member import)
 * ---------------------------------------------------------------------------------------- */

export type MemberExportRow = MemberRow & { cbsCode: string; municipalityName: string; coalitionName: string };

export const MEMBER_EXPORT_COLUMNS: TableColumn<MemberExportRow>[] = [
  { header: 'municipality_code', value: (r) => r.cbsCode },
  { header: 'municipality_name', value: (r) => r.municipalityName },
  { header: 'coalition_name', value: (r) => r.coalitionName },
  { header: 'organisation_name', value: (r) => r.organisationName },
  { header: 'kvk_number', value: (r) => r.kvkNumber },
  { header: 'branch_of', value: (r) => r.parentName },
  { header: 'role', value: (r) => r.role },
  { header: 'role_label', value: (r) => roleLabel(r.role) },
  { header: 'sector', value: (r) => r.sector },
  { header: 'sector_label', value: (r) => sectorLabel(r.sector) },
  { header: 'start_date', value: (r) => r.startDate },
  { header: 'end_date', value: (r) => r.endDate },
  { header: 'contact_name', value: (r) => r.contactName },
  { header: 'contact_email', value: (r) => r.contactEmail },
];

/** Every membership row (history included) of the coalitions matching the filter in `p`'s scope. */
export async function memberExportTable(db: Db, p: Principal, f: Omit<CoalitionFilter, 'page' | 'pageSize'>, today: string): Promise<ExportTable<MemberExportRow>> {
  const { rows: cs } = await listCoalitions(db, p, { ...f, page: 1, pageSize: 0 }, today);
  const byId = new Map(cs.map((c) => [c.id, c]));
  const members = await listMembers(db, cs.map((c) => c.id));
  const rows = members
    .map((m) => {
      const c = byId.get(m.coalitionId)!;
      return { ...m, cbsCode: c.cbsCode, municipalityName: c.municipalityName, coalitionName: c.name };
    })
    .sort((a, b) => a.municipalityName.localeCompare(b.municipalityName, 'nl') || a.organisationName.localeCompare(b.organisationName, 'nl') || a.startDate.localeCompare(b.startDate));
  return { entity: 'coalition_member', sheetName: 'Coalitieleden', columns: MEMBER_EXPORT_COLUMNS, rows };
}
