import { and, asc, eq, ilike, isNotNull, isNull, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../platform/db/index.js';
import { audit, type AuditContext } from '../../platform/audit.js';
import { optionalDate, optionalText } from '../../platform/http/forms.js';
import type { FieldErrors } from '../../platform/views/components.js';
import type { TableColumn } from '../../platform/tabular.js';
import { municipalities, organisations } from '../registry/schema.js';
import { ORGANISATION_KINDS } from '../registry/labels.js';
import { isHttpUrl, likePattern, MSG as ORG_MSG, uniqueViolation } from '../registry/organisations-service.js';
import { nlDate } from '../registry/ui.js';
import type { ExportTable } from '../registry/exporters.js';
import { coalitionMembers, coalitions, nationalMembers } from './schema.js';
import { correctBranchLink, currentLink, setBranchParent } from './branches-service.js';
import { NATIONAL_SECTOR_LABELS, NATIONAL_SECTORS, type NationalSector } from './model.js';
import { duplicateMessage, findDuplicateOrganisation, formId, FUTURE_MSG, requiredDate, roleLabel, type DuplicateOrganisation, type SaveResult } from './coalitions-service.js';

/**
 * The National Coalition against Loneliness (issue 5 point 2): national organisations that signed
 * a declaration of intent (intentieverklaring), with their sector, pledged actions (toezeggingen)
 * and, when they left, the date they left (from that day on they are no longer a member). Their
 * local branches are organisations linked to the member's organisation (branch_links, dated; today's
 * link is organisations.parent_organisation_id, see branches-service.ts);
 * "present in local coalitions" counts the coalitions in which the member itself or one of its
 * branches is a member on the day asked.
 */

const tx = (t: unknown) => t as Db;
const hasErrors = (e: FieldErrors) => Object.keys(e).length > 0;

export const nationalSectorLabel = (s: string) => NATIONAL_SECTOR_LABELS[s as NationalSector] ?? s;

/** Coalitions (distinct) in which `org` or one of its branches is a member on `day`. */
const presenceSql = (day: string) => sql<number>`(select count(distinct cm.coalition_id)::int
    from ${coalitionMembers} cm
    join ${organisations} mo on mo.id = cm.organisation_id and mo.deleted_at is null
    join ${coalitions} c on c.id = cm.coalition_id and c.deleted_at is null
   where (mo.id = ${organisations.id} or mo.parent_organisation_id = ${organisations.id})
     and cm.deleted_at is null and cm.start_date <= ${day} and (cm.end_date is null or cm.end_date > ${day}))`;
const branchesSql = sql<number>`(select count(*)::int from ${organisations} b where b.parent_organisation_id = ${organisations.id} and b.deleted_at is null)`;

/** The columns of a member row (national_members joined with its organisation). */
const memberColumns = (today: string) => ({
  id: nationalMembers.id,
  organisationId: organisations.id,
  name: organisations.name,
  kvkNumber: organisations.kvkNumber,
  website: organisations.website,
  sector: nationalMembers.sector,
  declarationDate: nationalMembers.declarationDate,
  leftOn: nationalMembers.leftOn,
  pledgedActions: nationalMembers.pledgedActions,
  branches: branchesSql,
  presence: presenceSql(today),
});

export const NATIONAL_SORTS = ['name', 'sector', 'declarationDate', 'branches', 'presence'] as const;
export const NATIONAL_STATUSES = ['active', 'left', 'all'] as const;

export interface NationalFilter {
  q?: string;
  sector?: NationalSector;
  status?: (typeof NATIONAL_STATUSES)[number];
  sort?: string;
  dir?: 'asc' | 'desc';
  page: number;
  /** 0: all rows (exports). */
  pageSize: number;
}

/** Members of the National Coalition with their branches and presence in local coalitions on `today`. */
export async function listNationalMembers(db: Db, f: NationalFilter, today: string) {
  const presence = presenceSql(today);
  const where: (SQL | undefined)[] = [isNull(nationalMembers.deletedAt), isNull(organisations.deletedAt)];
  if (f.q) where.push(or(ilike(organisations.name, likePattern(f.q)), ilike(organisations.kvkNumber, likePattern(f.q))));
  if (f.sector) where.push(eq(nationalMembers.sector, f.sector));
  if (f.status === 'active' || f.status === undefined) where.push(sql`(${nationalMembers.leftOn} is null or ${nationalMembers.leftOn} > ${today})`);
  if (f.status === 'left') where.push(sql`${nationalMembers.leftOn} <= ${today}`);
  const cond = and(...where);
  const sortCol: SQL =
    f.sort === 'sector'
      ? sql`${nationalMembers.sector}`
      : f.sort === 'declarationDate'
        ? sql`${nationalMembers.declarationDate}`
        : f.sort === 'branches'
          ? branchesSql
          : f.sort === 'presence'
            ? presence
            : sql`lower(${organisations.name})`;
  const base = db
    .select({ ...memberColumns(today), total: sql<number>`(count(*) over ())::int` })
    .from(nationalMembers)
    .innerJoin(organisations, eq(organisations.id, nationalMembers.organisationId))
    .where(cond)
    .orderBy(f.dir === 'desc' ? sql`${sortCol} desc nulls last` : sql`${sortCol} asc nulls last`, asc(organisations.name), asc(nationalMembers.id));
  const rows = await (f.pageSize > 0 ? base.limit(f.pageSize).offset((f.page - 1) * f.pageSize) : base);
  let total = rows[0]?.total ?? 0;
  if (!rows.length && f.page > 1) {
    [{ total }] = await db
      .select({ total: sql<number>`count(*)::int` })
      .from(nationalMembers)
      .innerJoin(organisations, eq(organisations.id, nationalMembers.organisationId))
      .where(cond);
  }
  return { rows: rows.map(({ total: _t, ...r }) => r), total };
}

export type NationalRow = Awaited<ReturnType<typeof listNationalMembers>>['rows'][number];

export const isActiveMember = (m: { leftOn: string | null }, today: string) => m.leftOn === null || m.leftOn > today;

export const NATIONAL_EXPORT_COLUMNS: TableColumn<NationalRow>[] = [
  { header: 'organisation_name', value: (r) => r.name },
  { header: 'kvk_number', value: (r) => r.kvkNumber },
  { header: 'sector', value: (r) => r.sector },
  { header: 'sector_label', value: (r) => nationalSectorLabel(r.sector) },
  { header: 'declaration_date', value: (r) => r.declarationDate },
  { header: 'left_on', value: (r) => r.leftOn },
  { header: 'pledged_actions', value: (r) => r.pledgedActions },
  { header: 'website', value: (r) => r.website },
  { header: 'local_branches', value: (r) => r.branches },
  { header: 'present_in_local_coalitions', value: (r) => r.presence },
];

export async function nationalExportTable(db: Db, f: Omit<NationalFilter, 'page' | 'pageSize'>, today: string): Promise<ExportTable<NationalRow>> {
  const { rows } = await listNationalMembers(db, { ...f, page: 1, pageSize: 0 }, today);
  return { entity: 'national_member', sheetName: 'Nationale Coalitie', columns: NATIONAL_EXPORT_COLUMNS, rows };
}

/** One member (not deleted) with its organisation. */
export async function getNationalMember(db: Db, id: number, today: string): Promise<NationalRow | null> {
  const [row] = await db
    .select(memberColumns(today))
    .from(nationalMembers)
    .innerJoin(organisations, eq(organisations.id, nationalMembers.organisationId))
    .where(and(eq(nationalMembers.id, id), isNull(nationalMembers.deletedAt), isNull(organisations.deletedAt)));
  return row ?? null;
}

/** The local branches of an organisation. */
export async function listBranches(db: Db, organisationId: number) {
  return db
    .select({ id: organisations.id, name: organisations.name, kind: organisations.kind, cbsCode: municipalities.cbsCode, municipalityName: municipalities.name })
    .from(organisations)
    .leftJoin(municipalities, eq(municipalities.id, organisations.municipalityId))
    .where(and(eq(organisations.parentOrganisationId, organisationId), isNull(organisations.deletedAt)))
    .orderBy(asc(municipalities.name), asc(organisations.name));
}

/** Where the member or its branches take part in local coalitions on `today`. */
export async function listPresence(db: Db, organisationId: number, today: string) {
  const rows = await db.execute<{
    coalition_name: string;
    cbs_code: string;
    municipality_name: string;
    organisation_name: string;
    is_branch: boolean;
    role: string;
    start_date: string;
  }>(sql`
    select c.name as coalition_name, m.cbs_code, m.name as municipality_name, o.name as organisation_name, (o.id <> ${organisationId}) as is_branch, cm.role, cm.start_date
      from ${coalitionMembers} cm
      join ${organisations} o on o.id = cm.organisation_id and o.deleted_at is null
      join ${coalitions} c on c.id = cm.coalition_id and c.deleted_at is null
      join ${municipalities} m on m.id = c.municipality_id
     where (o.id = ${organisationId} or o.parent_organisation_id = ${organisationId})
       and cm.deleted_at is null and cm.start_date <= ${today} and (cm.end_date is null or cm.end_date > ${today})
     order by m.name, o.name`);
  return rows.rows.map((r) => ({
    coalitionName: r.coalition_name,
    cbsCode: r.cbs_code,
    municipalityName: r.municipality_name,
    organisationName: r.organisation_name,
    isBranch: r.is_branch,
    role: r.role,
    roleLabel: roleLabel(r.role),
    startDate: r.start_date,
  }));
}

/* ------------------------------------------------------------------------------------------
 * Forms
 * ---------------------------------------------------------------------------------------- */

const sectorField = z.enum(NATIONAL_SECTORS, { message: 'Kies de sector van de organisatie.' });
const pledgedField = optionalText(4000, 'Gebruik voor de toezeggingen hoogstens 4000 tekens.');
const leftOnField = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
  requiredDate('Vul de datum van vertrek in.').optional(),
);
const trimmedName = (label: string) =>
  z.preprocess((v) => (typeof v === 'string' ? v.trim().replace(/\s+/g, ' ') : v), z.string({ message: `Vul ${label} in.` }).min(1, `Vul ${label} in.`).max(200, 'Gebruik hoogstens 200 tekens.'));
const kvkField = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.replace(/\s+/g, '') : v),
  z.string().regex(/^\d{8}$/, ORG_MSG.kvk).optional(),
);

export const memberFields = {
  sector: sectorField,
  declarationDate: requiredDate('Vul de datum van de intentieverklaring in.'),
  pledgedActions: pledgedField,
};
export const nationalMemberSchema = z.object(memberFields);
export const nationalEditSchema = z.object({ ...memberFields, leftOn: leftOnField });
export const pledgedSchema = z.object({ pledgedActions: pledgedField });
export const leavingSchema = z.object({ leftOn: requiredDate('Vul de datum van vertrek in.') });
export const existingNationalOrgSchema = z.object({ organisationId: formId('Kies een landelijke organisatie uit de lijst.') });
export const newNationalOrgSchema = z.object({
  newName: trimmedName('de naam van de organisatie'),
  newKvk: kvkField,
  newWebsite: z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v), z.string().max(300).refine(isHttpUrl, ORG_MSG.website).optional()),
});
const linkedOnField = requiredDate('Vul de datum in vanaf wanneer de organisatie een vestiging is.');
export const branchLinkSchema = z.object({ organisationId: formId('Kies een organisatie uit de lijst.'), linkedOn: linkedOnField });
export const newBranchSchema = z.object({
  name: trimmedName('de naam van de vestiging'),
  municipalityId: formId('Kies de gemeente van de vestiging.'),
  kind: z.enum(ORGANISATION_KINDS, { message: 'Kies het soort organisatie.' }),
  kvkNumber: kvkField,
  linkedOn: linkedOnField,
});
/** Ending a link: it ended on a date (history kept), or it was a mistake (corrected, never counts). */
export const branchUnlinkSchema = z
  .object({
    outcome: z.enum(['ended', 'mistake'], { message: 'Kies of de vestiging is gestopt of dat de koppeling onjuist was.' }),
    unlinkedOn: optionalDate(),
  })
  .superRefine((v, c) => {
    if (v.outcome === 'ended' && !v.unlinkedOn)
      c.addIssue({ code: 'custom', path: ['unlinkedOn'], message: 'Vul de datum in vanaf wanneer de organisatie geen vestiging meer is.' });
  });
export type BranchUnlink = z.infer<typeof branchUnlinkSchema>;
export const BRANCH_FIELD_LABELS = {
  linkedOn: 'Vestiging sinds',
  outcome: 'Wat is er gebeurd?',
  unlinkedOn: 'Geen vestiging meer vanaf',
} as const;

/** National organisations (no municipality) that are not (yet) a member: choices for a new member. */
export async function nationalOrganisationOptions(db: Db) {
  return db
    .select({ id: organisations.id, name: organisations.name })
    .from(organisations)
    .leftJoin(nationalMembers, and(eq(nationalMembers.organisationId, organisations.id), isNull(nationalMembers.deletedAt)))
    .where(and(isNull(organisations.deletedAt), isNull(organisations.municipalityId), isNull(nationalMembers.id)))
    .orderBy(asc(organisations.name));
}

/** Local organisations that are nobody's branch yet: choices for "link a branch", optionally searched. */
export async function branchCandidates(db: Db, q?: string, limit = 200) {
  const where = [isNull(organisations.deletedAt), isNotNull(organisations.municipalityId), isNull(organisations.parentOrganisationId)];
  if (q) where.push(or(ilike(organisations.name, likePattern(q)), ilike(organisations.kvkNumber, likePattern(q)), ilike(municipalities.name, likePattern(q)))!);
  return db
    .select({ id: organisations.id, name: organisations.name, municipalityName: municipalities.name })
    .from(organisations)
    .leftJoin(municipalities, eq(municipalities.id, organisations.municipalityId))
    .where(and(...where))
    .orderBy(asc(organisations.name), asc(municipalities.name))
    .limit(limit);
}

/* ------------------------------------------------------------------------------------------
 * Changes
 * ---------------------------------------------------------------------------------------- */

export interface NewNationalMemberInput {
  organisationId?: number;
  newOrganisation?: { name: string; kvkNumber?: string; website?: string };
  sector: NationalSector;
  declarationDate: string;
  pledgedActions?: string;
}

/** Adds a member: an existing national organisation, or a new one (after the duplicate check). */
export async function createNationalMember(db: Db, actx: AuditContext, input: NewNationalMemberInput, today: string): Promise<SaveResult> {
  const errors: FieldErrors = {};
  if (input.declarationDate > today) errors.declarationDate = FUTURE_MSG;
  let duplicate: DuplicateOrganisation | undefined;
  if (input.newOrganisation) {
    const d = await findDuplicateOrganisation(db, { name: input.newOrganisation.name, kvkNumber: input.newOrganisation.kvkNumber, municipalityId: null });
    if (d) {
      duplicate = d;
      errors[d.by === 'kvk' ? 'newKvk' : 'newName'] = duplicateMessage(d);
    }
  }
  try {
    return await db.transaction(async (raw): Promise<SaveResult> => {
      const t = tx(raw);
      let organisationId = input.organisationId;
      let name = input.newOrganisation?.name ?? '';
      if (organisationId != null) {
        const [o] = await t
          .select({ id: organisations.id, name: organisations.name, municipalityId: organisations.municipalityId })
          .from(organisations)
          .where(and(eq(organisations.id, organisationId), isNull(organisations.deletedAt)));
        if (!o) errors.organisationId = 'Deze organisatie bestaat niet (meer). Kies een organisatie uit de lijst.';
        else if (o.municipalityId != null)
          errors.organisationId = `${o.name} is een lokale organisatie. Leden van de Nationale Coalitie zijn landelijke organisaties; een lokale vestiging koppelt u aan het landelijke lid.`;
        else {
          name = o.name;
          const [member] = await t
            .select({ id: nationalMembers.id })
            .from(nationalMembers)
            .where(and(eq(nationalMembers.organisationId, o.id), isNull(nationalMembers.deletedAt)));
          if (member) errors.organisationId = `${o.name} is al lid van de Nationale Coalitie.`;
        }
      }
      if (hasErrors(errors)) return { ok: false, errors, duplicate };
      if (input.newOrganisation) {
        const n = input.newOrganisation;
        const [o] = await t
          .insert(organisations)
          .values({ name: n.name, kind: 'national_partner', kvkNumber: n.kvkNumber ?? null, website: n.website ?? null, municipalityId: null })
          .returning({ id: organisations.id });
        organisationId = o.id;
        await audit(t, actx, { action: 'create', entity: 'organisation', entityId: o.id, details: { name: n.name, municipalityId: null, via: 'national_coalition' } });
      }
      const [row] = await t
        .insert(nationalMembers)
        .values({ organisationId: organisationId!, sector: input.sector, declarationDate: input.declarationDate, pledgedActions: input.pledgedActions ?? null })
        .returning({ id: nationalMembers.id });
      await audit(t, actx, {
        action: 'create',
        entity: 'national_member',
        entityId: row.id,
        details: { organisationId, organisation: name, sector: input.sector, declarationDate: input.declarationDate },
      });
      return { ok: true, id: row.id };
    });
  } catch (e) {
    const c = uniqueViolation(e);
    if (c === 'national_members_organisation_uq') return { ok: false, errors: { organisationId: 'Deze organisatie is al lid van de Nationale Coalitie.' } };
    if (c === 'organisations_kvk_uq') return { ok: false, errors: { newKvk: ORG_MSG.duplicateKvk } };
    if (c === 'organisations_name_municipality_uq') return { ok: false, errors: { newName: ORG_MSG.duplicateNational } };
    throw e;
  }
}

function dateRuleErrors(v: { declarationDate: string; leftOn?: string | null }, today: string): FieldErrors {
  const errors: FieldErrors = {};
  if (v.declarationDate > today) errors.declarationDate = FUTURE_MSG;
  if (v.leftOn) {
    if (v.leftOn > today) errors.leftOn = FUTURE_MSG;
    else if (v.leftOn < v.declarationDate) errors.leftOn = `De datum van vertrek kan niet voor de intentieverklaring (${nlDate(v.declarationDate)}) liggen.`;
  }
  return errors;
}

/** The programme team's edit: sector, dates and pledged actions. */
export async function updateNationalMember(db: Db, actx: AuditContext, m: NationalRow, input: z.infer<typeof nationalEditSchema>, today: string): Promise<SaveResult> {
  const errors = dateRuleErrors(input, today);
  if (hasErrors(errors)) return { ok: false, errors };
  const next = { sector: input.sector, declarationDate: input.declarationDate, leftOn: input.leftOn ?? null, pledgedActions: input.pledgedActions ?? null };
  const changed = (Object.keys(next) as (keyof typeof next)[]).filter((k) => next[k] !== m[k]);
  await db.transaction(async (raw) => {
    const t = tx(raw);
    await t
      .update(nationalMembers)
      .set({ ...next, updatedAt: new Date() })
      .where(eq(nationalMembers.id, m.id));
    await audit(t, actx, { action: 'update', entity: 'national_member', entityId: m.id, details: { changed, sector: next.sector, declarationDate: next.declarationDate, leftOn: next.leftOn } });
  });
  return { ok: true, id: m.id };
}

/** A member's own pledged actions (partner of that organisation, or the programme team). */
export async function updatePledgedActions(db: Db, actx: AuditContext, m: NationalRow, pledgedActions: string | undefined): Promise<SaveResult> {
  await db.transaction(async (raw) => {
    const t = tx(raw);
    await t
      .update(nationalMembers)
      .set({ pledgedActions: pledgedActions ?? null, updatedAt: new Date() })
      .where(eq(nationalMembers.id, m.id));
    await audit(t, actx, { action: 'update', entity: 'national_member', entityId: m.id, details: { changed: ['pledgedActions'] } });
  });
  return { ok: true, id: m.id };
}

/** Records that a member left the National Coalition (from `leftOn` on it is no longer a member). */
export async function recordLeaving(db: Db, actx: AuditContext, m: NationalRow, leftOn: string, today: string): Promise<SaveResult> {
  if (m.leftOn) return { ok: false, errors: { leftOn: `Het vertrek is al vastgelegd per ${nlDate(m.leftOn)}. Wijzig de datum via "Gegevens wijzigen".` } };
  const errors = dateRuleErrors({ declarationDate: m.declarationDate, leftOn }, today);
  if (hasErrors(errors)) return { ok: false, errors };
  await db.transaction(async (raw) => {
    const t = tx(raw);
    await t.update(nationalMembers).set({ leftOn, updatedAt: new Date() }).where(eq(nationalMembers.id, m.id));
    await audit(t, actx, { action: 'update', entity: 'national_member', entityId: m.id, details: { change: 'left', leftOn } });
  });
  return { ok: true, id: m.id };
}

/** Soft-deletes a member registered by mistake (left out of lists and figures), with an audit entry. */
export async function deleteNationalMember(db: Db, actx: AuditContext, m: NationalRow): Promise<boolean> {
  return db.transaction(async (raw) => {
    const t = tx(raw);
    const [row] = await t
      .update(nationalMembers)
      .set({ deletedAt: new Date(), updatedAt: new Date() })
      .where(and(eq(nationalMembers.id, m.id), isNull(nationalMembers.deletedAt)))
      .returning();
    if (!row) return false;
    await audit(t, actx, { action: 'delete', entity: 'national_member', entityId: m.id, details: { organisationId: m.organisationId, organisation: m.name, declarationDate: m.declarationDate } });
    return true;
  });
}

/** Makes an existing local organisation a branch of the member's organisation from `linkedOn` on. */
export async function linkBranch(db: Db, actx: AuditContext, m: NationalRow, organisationId: number, linkedOn: string, today: string): Promise<SaveResult> {
  if (linkedOn > today) return { ok: false, errors: { linkedOn: FUTURE_MSG } };
  return db.transaction(async (raw): Promise<SaveResult> => {
    const t = tx(raw);
    const [o] = await t
      .select()
      .from(organisations)
      .where(and(eq(organisations.id, organisationId), isNull(organisations.deletedAt)))
      .for('update');
    if (!o) return { ok: false, errors: { organisationId: 'Deze organisatie bestaat niet (meer). Kies een organisatie uit de lijst.' } };
    if (o.id === m.organisationId || o.municipalityId == null)
      return { ok: false, errors: { organisationId: `${o.name} is geen lokale organisatie. Een vestiging hoort bij een gemeente.` } };
    if (o.parentOrganisationId === m.organisationId) return { ok: false, errors: { organisationId: `${o.name} is al een vestiging van ${m.name}.` } };
    if (o.parentOrganisationId != null) {
      const [other] = await t.select({ name: organisations.name }).from(organisations).where(eq(organisations.id, o.parentOrganisationId));
      return { ok: false, errors: { organisationId: `${o.name} is al een vestiging van ${other?.name ?? 'een andere organisatie'}. Ontkoppel de vestiging daar eerst.` } };
    }
    const r = await setBranchParent(t, actx, o.id, m.organisationId, linkedOn, { nationalMemberId: m.id });
    if (!r.ok) return { ok: false, errors: { linkedOn: r.error } };
    return { ok: true, id: o.id };
  });
}

/**
 * Ends the link between a branch and the member's organisation (the organisation itself stays):
 * on a date (it no longer counts from that day on), or as a correction of a mistaken link (it
 * never counted). Null when the organisation is not a branch of the member (404).
 */
export async function unlinkBranch(db: Db, actx: AuditContext, m: NationalRow, organisationId: number, v: BranchUnlink, today: string): Promise<SaveResult | null> {
  if (v.outcome === 'ended' && v.unlinkedOn! > today) return { ok: false, errors: { unlinkedOn: FUTURE_MSG } };
  return db.transaction(async (raw): Promise<SaveResult | null> => {
    const t = tx(raw);
    const link = await currentLink(t, organisationId, m.organisationId);
    if (!link) return null;
    if (v.outcome === 'mistake') {
      await correctBranchLink(t, actx, link.id, { nationalMemberId: m.id });
      return { ok: true, id: organisationId };
    }
    const r = await setBranchParent(t, actx, organisationId, null, v.unlinkedOn!, { nationalMemberId: m.id });
    if (!r.ok) return { ok: false, errors: { unlinkedOn: r.error } };
    return { ok: true, id: organisationId };
  });
}

/** Creates a new local organisation as a branch of the member (after the duplicate check). */
export async function createBranch(db: Db, actx: AuditContext, m: NationalRow, input: z.infer<typeof newBranchSchema>, today: string): Promise<SaveResult> {
  if (input.linkedOn > today) return { ok: false, errors: { linkedOn: FUTURE_MSG } };
  const [muni] = await db
    .select()
    .from(municipalities)
    .where(and(eq(municipalities.id, input.municipalityId), isNull(municipalities.deletedAt), isNull(municipalities.validTo)));
  if (!muni) return { ok: false, errors: { municipalityId: 'Kies een bestaande gemeente.' } };
  const d = await findDuplicateOrganisation(db, { name: input.name, kvkNumber: input.kvkNumber, municipalityId: muni.id });
  if (d) return { ok: false, errors: { [d.by === 'kvk' ? 'kvkNumber' : 'name']: duplicateMessage(d) }, duplicate: d };
  try {
    return await db.transaction(async (raw): Promise<SaveResult> => {
      const t = tx(raw);
      const [o] = await t
        .insert(organisations)
        .values({ name: input.name, kind: input.kind, kvkNumber: input.kvkNumber ?? null, municipalityId: muni.id, city: muni.name })
        .returning({ id: organisations.id });
      await audit(t, actx, {
        action: 'create',
        entity: 'organisation',
        entityId: o.id,
        details: { name: input.name, municipalityId: muni.id, parentOrganisationId: m.organisationId, via: 'national_coalition_branch' },
      });
      await setBranchParent(t, actx, o.id, m.organisationId, input.linkedOn, { nationalMemberId: m.id });
      return { ok: true, id: o.id };
    });
  } catch (e) {
    const c = uniqueViolation(e);
    if (c === 'organisations_kvk_uq') return { ok: false, errors: { kvkNumber: ORG_MSG.duplicateKvk } };
    if (c === 'organisations_name_municipality_uq') return { ok: false, errors: { name: ORG_MSG.duplicateName } };
    throw e;
  }
}
