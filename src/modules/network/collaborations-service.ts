import { and, asc, eq, isNull, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../platform/db/index.js';
import { roleScope, scopeOf, type Principal } from '../../platform/access.js';
import { audit, type AuditContext } from '../../platform/audit.js';
import { isIsoDate, normaliseDate } from '../../platform/http/forms.js';
import type { TableColumn } from '../../platform/tabular.js';
import type { FieldErrors } from '../../platform/views/components.js';
import { municipalities, organisations } from '../registry/schema.js';
import { likePattern } from '../registry/organisations-service.js';
import { coalitions, collaborationPartners, collaborations, collaborationStatuses } from './schema.js';
import { COLLABORATION_STATUS_LABELS, COLLABORATION_STATUSES, type CollaborationStatus } from './model.js';

/**
 * Collaborations and pilots between National Coalition members and local coalitions or
 * municipalities (issue 5 point 5). The status is history: every change is a dated row in
 * collaboration_statuses (idea → pilot → project → ended); the current status is the latest
 * row on or before today. Partners are organisations, coalitions or municipalities with a role.
 * Deleting a collaboration, correcting (removing) a mistaken status row and removing a partner
 * are soft deletes (deleted_at) with an audit entry: every read here leaves deleted status and
 * partner rows out, except the "former partners" list that keeps the history visible.
 */

/** The earliest date a status or the collaboration itself may start (the programme began in 2018). */
export const EARLIEST = '2018-01-01';

export const COLLABORATION_FIELD_LABELS: Record<string, string> = {
  title: 'Titel',
  description: 'Omschrijving',
  startDate: 'Startdatum',
  endDate: 'Einddatum',
  status: 'Status',
  statusFrom: 'Status geldt vanaf',
  organisationId: 'Organisatie',
  organisationRole: 'Rol van de organisatie',
  coalitionId: 'Lokale coalitie',
  coalitionRole: 'Rol van de coalitie',
  municipalityId: 'Gemeente',
  municipalityRole: 'Rol van de gemeente',
};

const text = (max: number) =>
  z.preprocess((v) => (typeof v === 'string' ? (v.trim() === '' ? undefined : v.trim()) : v), z.string().max(max, `Gebruik hoogstens ${max} tekens.`).optional());

const DATE_MSG = 'Vul een geldige datum in, zoals 2024-03-01 of 1-3-2024.';
const optionalDate = z.preprocess(normaliseDate, z.string({ message: DATE_MSG }).refine(isIsoDate, DATE_MSG).optional());
const requiredDate = (missing: string) => z.preprocess(normaliseDate, z.string({ message: missing }).refine(isIsoDate, DATE_MSG));
const statusField = z.enum(COLLABORATION_STATUSES, { message: 'Kies een status: idee, pilot, project of beëindigd.' });

export const collaborationSchema = z.object({
  title: z.preprocess((v) => (typeof v === 'string' ? v.trim().replace(/\s+/g, ' ') : v), z.string({ message: 'Vul een titel in.' }).min(1, 'Vul een titel in.').max(200, 'Gebruik hoogstens 200 tekens.')),
  description: text(4000),
  startDate: optionalDate,
  endDate: optionalDate,
});
export type CollaborationInput = z.infer<typeof collaborationSchema>;

export const newCollaborationSchema = collaborationSchema.extend({
  status: statusField,
  statusFrom: requiredDate('Vul de datum in vanaf wanneer deze status geldt.'),
});
export type NewCollaborationInput = z.infer<typeof newCollaborationSchema>;

export const statusSchema = z.object({ status: statusField, statusFrom: requiredDate('Vul de datum in vanaf wanneer deze status geldt.') });

/** Rules across fields that hold for every form: end after start, dates not in the future for statuses. */
export function collaborationRuleErrors(v: { startDate?: string; endDate?: string; statusFrom?: string }, today: string): FieldErrors {
  const errors: FieldErrors = {};
  if (v.startDate && v.startDate < EARLIEST) errors.startDate = 'De startdatum ligt vóór 2018, toen het programma begon. Controleer de datum.';
  if (v.endDate && v.startDate && v.endDate < v.startDate) errors.endDate = 'De einddatum ligt vóór de startdatum. Kies een einddatum op of na de startdatum.';
  if (v.statusFrom !== undefined) Object.assign(errors, statusDateErrors(v.statusFrom, today));
  return errors;
}

function statusDateErrors(from: string, today: string): FieldErrors {
  if (from > today) return { statusFrom: 'Deze datum ligt in de toekomst. Leg een status vast als die is ingegaan; kies vandaag of een eerdere datum.' };
  if (from < EARLIEST) return { statusFrom: 'Deze datum ligt vóór 2018, toen het programma begon. Controleer de datum.' };
  return {};
}

export const statusLabel = (s: string | null | undefined) => (s ? (COLLABORATION_STATUS_LABELS[s as CollaborationStatus] ?? s) : 'Nog geen status');

// ---------------------------------------------------------------------------------------
// Lists

export type PartnerKind = 'organisation' | 'coalition' | 'municipality';
export const PARTNER_KIND_LABELS: Record<PartnerKind, string> = { organisation: 'Organisatie', coalition: 'Lokale coalitie', municipality: 'Gemeente' };

export interface PartnerRef {
  /** collaboration_partners.id */
  partnerId: number;
  kind: PartnerKind;
  /** Id of the organisation, coalition or municipality. */
  id: number;
  name: string;
  role: string | null;
}

export interface CollaborationRow {
  id: number;
  title: string;
  description: string | null;
  startDate: string | null;
  endDate: string | null;
  status: CollaborationStatus | null;
  statusFrom: string | null;
  partners: PartnerRef[];
}

export interface CollaborationFilter {
  q?: string;
  status?: CollaborationStatus | 'none';
  /** 'organisatie-12', 'coalitie-3' or 'gemeente-5'. */
  partner?: string;
  sort?: string;
  dir?: 'asc' | 'desc';
  page: number;
  pageSize: number;
}

export const COLLABORATION_SORTS = ['title', 'status', 'statusFrom', 'startDate', 'endDate'] as const;

const PARTNER_PREFIX: Record<string, PartnerKind> = { organisatie: 'organisation', coalitie: 'coalition', gemeente: 'municipality' };
const PREFIX_OF: Record<PartnerKind, string> = { organisation: 'organisatie', coalition: 'coalitie', municipality: 'gemeente' };
export const partnerKey = (kind: PartnerKind, id: number) => `${PREFIX_OF[kind]}-${id}`;
export function parsePartnerKey(v: unknown): { kind: PartnerKind; id: number } | null {
  const m = typeof v === 'string' ? /^(organisatie|coalitie|gemeente)-(\d{1,9})$/.exec(v) : null;
  return m ? { kind: PARTNER_PREFIX[m[1]], id: Number(m[2]) } : null;
}

/** The current status (latest row on or before today) as a lateral join. */
const currentStatus = (today: string) => sql`left join lateral (
  select st.status, st.from_date from ${collaborationStatuses} st
   where st.collaboration_id = c.id and st.deleted_at is null and st.from_date <= ${today}::date
   order by st.from_date desc, st.id desc limit 1) cur on true`;

/** Partner rows `cp` with what they point at: organisation `o`, coalition `co` (in `cm`) or municipality `m`. */
const partnerRows = sql`${collaborationPartners} cp
  left join ${organisations} o on o.id = cp.organisation_id
  left join ${coalitions} co on co.id = cp.coalition_id
  left join ${municipalities} cm on cm.id = co.municipality_id
  left join ${municipalities} m on m.id = cp.municipality_id`;
const partnerKind = sql`case when cp.organisation_id is not null then 'organisation' when cp.coalition_id is not null then 'coalition' else 'municipality' end`;
const partnerName = sql`coalesce(o.name, co.name || ' (' || cm.name || ')', m.name)`;

/** The current (not removed) partners of collaboration `c` as a JSON array of PartnerRef. */
const partnersJson = sql`(select coalesce(json_agg(json_build_object(
    'partnerId', cp.id,
    'kind', ${partnerKind},
    'id', coalesce(cp.organisation_id, cp.coalition_id, cp.municipality_id),
    'name', ${partnerName},
    'role', cp.role) order by coalesce(o.name, co.name, m.name), cp.id), '[]'::json)
  from ${partnerRows}
  where cp.collaboration_id = c.id and cp.deleted_at is null)`;

function partnerCondition(key: string | undefined): SQL | undefined {
  const p = parsePartnerKey(key);
  if (!p) return undefined;
  const col = p.kind === 'organisation' ? sql`cp.organisation_id` : p.kind === 'coalition' ? sql`cp.coalition_id` : sql`cp.municipality_id`;
  return sql`exists (select 1 from ${collaborationPartners} cp where cp.collaboration_id = c.id and cp.deleted_at is null and ${col} = ${p.id})`;
}

/**
 * "Mine": collaborations a user takes part in — through the organisation of their partner grant
 * or one of its local branches, or through the municipalities of their coordinator or advisor
 * grants: the municipality itself or its coalition as partner. Only the roles that may read
 * collaborations count (a provider grant does not, nor a signal role's organisation).
 * Undefined for the programme team.
 */
export function mineCondition(p: Principal): SQL | undefined {
  if (scopeOf(p).all) return undefined;
  const orgs = p.roles.some((g) => g.role === 'partner') ? roleScope(p, 'partner').organisationIds : [];
  const munis = [
    ...new Set((['municipality_coordinator', 'advisor'] as const).flatMap((role) => (p.roles.some((g) => g.role === role) ? roleScope(p, role).municipalityIds : []))),
  ];
  const parts: SQL[] = [];
  if (orgs.length) {
    parts.push(sql`cp.organisation_id in (${sql.join(orgs.map((id) => sql`${id}`), sql`, `)})`);
    parts.push(sql`cp.organisation_id in (select id from ${organisations} where parent_organisation_id in (${sql.join(orgs.map((id) => sql`${id}`), sql`, `)}))`);
  }
  if (munis.length) {
    const list = sql.join(munis.map((id) => sql`${id}`), sql`, `);
    parts.push(sql`cp.municipality_id in (${list})`);
    parts.push(sql`cp.coalition_id in (select id from ${coalitions} where municipality_id in (${list}) and deleted_at is null)`);
  }
  if (!parts.length) return sql`false`;
  return sql`exists (select 1 from ${collaborationPartners} cp where cp.collaboration_id = c.id and cp.deleted_at is null and (${sql.join(parts, sql` or `)}))`;
}

function whereOf(f: Omit<CollaborationFilter, 'page' | 'pageSize'>, extra?: SQL): SQL {
  const conds: SQL[] = [sql`c.deleted_at is null`];
  if (f.q) conds.push(sql`(c.title ilike ${likePattern(f.q)} or c.description ilike ${likePattern(f.q)})`);
  if (f.status === 'none') conds.push(sql`cur.status is null`);
  else if (f.status) conds.push(sql`cur.status = ${f.status}`);
  const pc = partnerCondition(f.partner);
  if (pc) conds.push(pc);
  if (extra) conds.push(extra);
  return sql.join(conds, sql` and `);
}

const orderOf = (f: Omit<CollaborationFilter, 'page' | 'pageSize'>) => {
  const dir = sql.raw(f.dir === 'desc' ? 'desc' : 'asc');
  const statusOrder = sql`array_position(array[${sql.join(
    COLLABORATION_STATUSES.map((s) => sql`${s}`),
    sql`, `,
  )}]::text[], cur.status)`;
  const col = { status: statusOrder, statusFrom: sql`cur.from_date`, startDate: sql`c.start_date`, endDate: sql`c.end_date` }[f.sort ?? ''] ?? sql`lower(c.title)`;
  return sql`${col} ${dir} nulls last, lower(c.title) asc, c.id asc`;
};

interface RawRow {
  id: number;
  title: string;
  description: string | null;
  start_date: string | null;
  end_date: string | null;
  status: string | null;
  status_from: string | null;
  partners: PartnerRef[];
  [k: string]: unknown;
}

const toRow = (r: RawRow): CollaborationRow => ({
  id: r.id,
  title: r.title,
  description: r.description,
  startDate: r.start_date,
  endDate: r.end_date,
  status: r.status as CollaborationStatus | null,
  statusFrom: r.status_from,
  partners: r.partners,
});

/** Collaborations (not deleted) with their current status and partners, filtered, sorted and paged (pageSize 0: all). */
export async function listCollaborations(db: Db, f: CollaborationFilter, today: string, extra?: SQL): Promise<{ rows: CollaborationRow[]; total: number }> {
  const where = whereOf(f, extra);
  const base = sql`from ${collaborations} c ${currentStatus(today)} where ${where}`;
  const page = f.pageSize > 0 ? sql`limit ${f.pageSize} offset ${(f.page - 1) * f.pageSize}` : sql``;
  const [rows, count] = await Promise.all([
    db.execute<RawRow>(sql`select c.id, c.title, c.description, c.start_date, c.end_date, cur.status, cur.from_date as status_from, ${partnersJson} as partners
      ${base} order by ${orderOf(f)} ${page}`),
    db.execute<{ n: number }>(sql`select count(*)::int as n ${base}`),
  ]);
  return { rows: rows.rows.map(toRow), total: count.rows[0]!.n };
}

/** One collaboration (not deleted) with its current status and partners. */
export async function getCollaboration(db: Db, id: number, today: string): Promise<CollaborationRow | null> {
  const res = await db.execute<RawRow>(sql`select c.id, c.title, c.description, c.start_date, c.end_date, cur.status, cur.from_date as status_from, ${partnersJson} as partners
    from ${collaborations} c ${currentStatus(today)} where c.id = ${id} and c.deleted_at is null`);
  return res.rows[0] ? toRow(res.rows[0]) : null;
}

export interface StatusHistoryRow {
  id: number;
  status: string;
  fromDate: string;
  createdByName: string | null;
}

/** The status history (corrected rows left out), newest first, with who recorded each row. */
export async function statusHistory(db: Db, collaborationId: number): Promise<StatusHistoryRow[]> {
  const res = await db.execute<{ id: number; status: string; from_date: string; created_by_name: string | null }>(sql`
    select st.id, st.status, st.from_date, u.name as created_by_name
      from ${collaborationStatuses} st left join users u on u.id = st.created_by
     where st.collaboration_id = ${collaborationId} and st.deleted_at is null
     order by st.from_date desc, st.id desc`);
  return res.rows.map((r) => ({ id: r.id, status: r.status, fromDate: r.from_date, createdByName: r.created_by_name }));
}

export interface FormerPartner {
  /** collaboration_partners.id */
  partnerId: number;
  kind: PartnerKind;
  name: string;
  role: string | null;
  /** The day (Amsterdam) the partner was removed, YYYY-MM-DD. */
  removedOn: string;
}

/** Partners removed from a collaboration (the history), most recently removed first. */
export async function formerPartners(db: Db, collaborationId: number): Promise<FormerPartner[]> {
  const res = await db.execute<{ id: number; kind: PartnerKind; name: string; role: string | null; removed_on: string }>(sql`
    select cp.id, ${partnerKind} as kind, ${partnerName} as name, cp.role,
           (cp.deleted_at at time zone 'Europe/Amsterdam')::date as removed_on
      from ${partnerRows}
     where cp.collaboration_id = ${collaborationId} and cp.deleted_at is not null
     order by cp.deleted_at desc, cp.id desc`);
  return res.rows.map((r) => ({ partnerId: r.id, kind: r.kind, name: r.name, role: r.role, removedOn: r.removed_on }));
}

/** Partners in use (for the list filter). */
export async function partnerFilterOptions(db: Db): Promise<{ value: string; label: string }[]> {
  const res = await db.execute<{ kind: PartnerKind; id: number; name: string }>(sql`
    select distinct
      ${partnerKind} as kind,
      coalesce(cp.organisation_id, cp.coalition_id, cp.municipality_id) as id,
      coalesce(o.name, co.name, m.name) as name
    from ${collaborationPartners} cp
    join ${collaborations} c on c.id = cp.collaboration_id and c.deleted_at is null
    left join ${organisations} o on o.id = cp.organisation_id
    left join ${coalitions} co on co.id = cp.coalition_id
    left join ${municipalities} m on m.id = cp.municipality_id
   where cp.deleted_at is null
    order by name`);
  return res.rows.map((r) => ({ value: partnerKey(r.kind, r.id), label: `${r.name} (${PARTNER_KIND_LABELS[r.kind].toLowerCase()})` }));
}

/**
 * Organisations that can be a partner: National Coalition members (current or former), national
 * partners and their local branches — not deleted.
 */
export async function organisationPartnerOptions(db: Db) {
  const res = await db.execute<{ id: number; name: string; municipality: string | null }>(sql`
    select o.id, o.name, m.name as municipality
      from ${organisations} o left join ${municipalities} m on m.id = o.municipality_id
     where o.deleted_at is null
       and (o.kind = 'national_partner' or o.parent_organisation_id is not null
            or exists (select 1 from national_members nm where nm.organisation_id = o.id and nm.deleted_at is null))
     order by lower(o.name), o.id`);
  return res.rows.map((r) => ({ value: String(r.id), label: r.municipality ? `${r.name} (${r.municipality})` : r.name }));
}

export async function coalitionPartnerOptions(db: Db) {
  const rows = await db
    .select({ id: coalitions.id, name: coalitions.name, municipality: municipalities.name })
    .from(coalitions)
    .innerJoin(municipalities, eq(municipalities.id, coalitions.municipalityId))
    .where(isNull(coalitions.deletedAt))
    .orderBy(asc(municipalities.name), asc(coalitions.name));
  return rows.map((r) => ({ value: String(r.id), label: `${r.name} (${r.municipality})` }));
}

// ---------------------------------------------------------------------------------------
// Changes

export type SaveResult = { ok: true; id: number } | { ok: false; errors: FieldErrors };

const columnsOf = (v: CollaborationInput) => ({
  title: v.title,
  description: v.description ?? null,
  startDate: v.startDate ?? null,
  endDate: v.endDate ?? null,
});

export async function createCollaboration(db: Db, actx: AuditContext, userId: number | null, v: NewCollaborationInput, today: string): Promise<SaveResult> {
  const errors = collaborationRuleErrors(v, today);
  if (Object.keys(errors).length) return { ok: false, errors };
  const id = await db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    const [row] = await t
      .insert(collaborations)
      .values({ ...columnsOf(v), createdBy: userId })
      .returning({ id: collaborations.id });
    await t.insert(collaborationStatuses).values({ collaborationId: row.id, status: v.status, fromDate: v.statusFrom, createdBy: userId });
    await audit(t, actx, { action: 'create', entity: 'collaboration', entityId: row.id, details: { title: v.title, status: v.status, statusFrom: v.statusFrom } });
    return row.id;
  });
  return { ok: true, id };
}

export async function updateCollaboration(db: Db, actx: AuditContext, existing: CollaborationRow, v: CollaborationInput, today: string): Promise<SaveResult> {
  const errors = collaborationRuleErrors(v, today);
  if (Object.keys(errors).length) return { ok: false, errors };
  const values = columnsOf(v);
  const before: Record<string, unknown> = { title: existing.title, description: existing.description, startDate: existing.startDate, endDate: existing.endDate };
  const changed = (Object.keys(values) as (keyof typeof values)[]).filter((k) => (values[k] ?? null) !== (before[k] ?? null));
  await db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    await t
      .update(collaborations)
      .set({ ...values, updatedAt: new Date() })
      .where(and(eq(collaborations.id, existing.id), isNull(collaborations.deletedAt)));
    await audit(t, actx, { action: 'update', entity: 'collaboration', entityId: existing.id, details: { changed } });
  });
  return { ok: true, id: existing.id };
}

/** A new dated status row; two statuses on the same date would be ambiguous and are refused. */
export async function addStatus(db: Db, actx: AuditContext, userId: number | null, collaborationId: number, v: { status: CollaborationStatus; statusFrom: string }, today: string): Promise<SaveResult> {
  const errors = statusDateErrors(v.statusFrom, today);
  if (Object.keys(errors).length) return { ok: false, errors };
  return db.transaction(async (tx): Promise<SaveResult> => {
    const t = tx as unknown as Db;
    // Serialise status changes of one collaboration (the same-date check below).
    await t.execute(sql`select id from ${collaborations} where id = ${collaborationId} for update`);
    const [same] = await t
      .select({ status: collaborationStatuses.status })
      .from(collaborationStatuses)
      .where(and(eq(collaborationStatuses.collaborationId, collaborationId), eq(collaborationStatuses.fromDate, v.statusFrom), isNull(collaborationStatuses.deletedAt)));
    if (same) return { ok: false, errors: { statusFrom: `Op deze datum is al een status vastgelegd (${statusLabel(same.status)}). Kies een andere datum.` } };
    const [row] = await t
      .insert(collaborationStatuses)
      .values({ collaborationId, status: v.status, fromDate: v.statusFrom, createdBy: userId })
      .returning({ id: collaborationStatuses.id });
    await audit(t, actx, { action: 'status_change', entity: 'collaboration', entityId: collaborationId, details: { status: v.status, from: v.statusFrom, statusRowId: row.id } });
    return { ok: true, id: collaborationId };
  });
}

/** Why a status row cannot be removed: it is the last one (see removeStatus). */
export const LAST_STATUS_MESSAGE =
  'Dit is de enige status van deze samenwerking en die kan niet worden verwijderd: elke samenwerking heeft een status. Is deze status onjuist? Leg dan eerst de juiste status vast met Status wijzigen en verwijder daarna deze.';

export type RemoveStatusResult = { ok: true; status: string; fromDate: string } | { ok: false; reason: 'not_found' | 'last' };

/**
 * Corrects a mistaken status row: a soft delete (deleted_at) with an audit entry; the row then
 * counts nowhere (current status, history, figures). The last remaining row of a collaboration
 * stays: every collaboration has a status. A row of another collaboration, or one already
 * removed, is not found.
 */
export async function removeStatus(db: Db, actx: AuditContext, collaborationId: number, statusRowId: number): Promise<RemoveStatusResult> {
  return db.transaction(async (tx): Promise<RemoveStatusResult> => {
    const t = tx as unknown as Db;
    // Serialise status changes of one collaboration (two removals at once must not leave none).
    await t.execute(sql`select id from ${collaborations} where id = ${collaborationId} for update`);
    const live = await t
      .select({ id: collaborationStatuses.id, status: collaborationStatuses.status, fromDate: collaborationStatuses.fromDate })
      .from(collaborationStatuses)
      .where(and(eq(collaborationStatuses.collaborationId, collaborationId), isNull(collaborationStatuses.deletedAt)));
    const row = live.find((r) => r.id === statusRowId);
    if (!row) return { ok: false, reason: 'not_found' };
    if (live.length <= 1) return { ok: false, reason: 'last' };
    await t
      .update(collaborationStatuses)
      .set({ deletedAt: new Date() })
      .where(and(eq(collaborationStatuses.id, row.id), isNull(collaborationStatuses.deletedAt)));
    await audit(t, actx, {
      action: 'delete',
      entity: 'collaboration_status',
      entityId: row.id,
      details: { collaborationId, status: row.status, fromDate: row.fromDate },
    });
    return { ok: true, status: row.status, fromDate: row.fromDate };
  });
}

export async function deleteCollaboration(db: Db, actx: AuditContext, existing: CollaborationRow): Promise<void> {
  await db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    await t
      .update(collaborations)
      .set({ deletedAt: new Date(), updatedAt: new Date() })
      .where(and(eq(collaborations.id, existing.id), isNull(collaborations.deletedAt)));
    await audit(t, actx, { action: 'delete', entity: 'collaboration', entityId: existing.id, details: { title: existing.title } });
  });
}

const ROLE_MAX = 200;
export const partnerSchemas = {
  organisation: z.object({
    organisationId: z.preprocess((v) => (v === '' ? undefined : Number(v)), z.number({ message: 'Kies een organisatie.' }).int('Kies een organisatie.').positive('Kies een organisatie.')),
    organisationRole: text(ROLE_MAX),
  }),
  coalition: z.object({
    coalitionId: z.preprocess((v) => (v === '' ? undefined : Number(v)), z.number({ message: 'Kies een lokale coalitie.' }).int('Kies een lokale coalitie.').positive('Kies een lokale coalitie.')),
    coalitionRole: text(ROLE_MAX),
  }),
  municipality: z.object({
    municipalityId: z.preprocess((v) => (v === '' ? undefined : Number(v)), z.number({ message: 'Kies een gemeente.' }).int('Kies een gemeente.').positive('Kies een gemeente.')),
    municipalityRole: text(ROLE_MAX),
  }),
} as const;

/** Adds a partner (exactly one of organisation, coalition, municipality); checks it exists and is not a partner yet. */
export async function addPartner(db: Db, actx: AuditContext, existing: CollaborationRow, kind: PartnerKind, targetId: number, role: string | undefined): Promise<SaveResult> {
  const field = kind === 'organisation' ? 'organisationId' : kind === 'coalition' ? 'coalitionId' : 'municipalityId';
  const exists =
    kind === 'organisation'
      ? await db.select({ id: organisations.id }).from(organisations).where(and(eq(organisations.id, targetId), isNull(organisations.deletedAt)))
      : kind === 'coalition'
        ? await db.select({ id: coalitions.id }).from(coalitions).where(and(eq(coalitions.id, targetId), isNull(coalitions.deletedAt)))
        : await db.select({ id: municipalities.id }).from(municipalities).where(and(eq(municipalities.id, targetId), isNull(municipalities.deletedAt)));
  if (!exists.length) return { ok: false, errors: { [field]: `Kies een bestaande ${PARTNER_KIND_LABELS[kind].toLowerCase()}.` } };
  const duplicate: SaveResult = { ok: false, errors: { [field]: `Deze ${PARTNER_KIND_LABELS[kind].toLowerCase()} is al partner in deze samenwerking.` } };
  if (existing.partners.some((p) => p.kind === kind && p.id === targetId)) return duplicate;
  return db.transaction(async (tx): Promise<SaveResult> => {
    const t = tx as unknown as Db;
    // Serialise partner changes of one collaboration, then check again: only current (not removed)
    // partners count, so a partner removed earlier can be added again.
    await t.execute(sql`select id from ${collaborations} where id = ${existing.id} for update`);
    const col = kind === 'organisation' ? collaborationPartners.organisationId : kind === 'coalition' ? collaborationPartners.coalitionId : collaborationPartners.municipalityId;
    const [already] = await t
      .select({ id: collaborationPartners.id })
      .from(collaborationPartners)
      .where(and(eq(collaborationPartners.collaborationId, existing.id), eq(col, targetId), isNull(collaborationPartners.deletedAt)));
    if (already) return duplicate;
    const [row] = await t
      .insert(collaborationPartners)
      .values({ collaborationId: existing.id, [field]: targetId, role: role ?? null })
      .returning({ id: collaborationPartners.id });
    await audit(t, actx, { action: 'update', entity: 'collaboration', entityId: existing.id, details: { partnerAdded: { kind, id: targetId, partnerRowId: row.id } } });
    return { ok: true, id: existing.id };
  });
}

/** Removes a partner: a soft delete (deleted_at), so the history keeps it; with an audit entry. */
export async function removePartner(db: Db, actx: AuditContext, existing: CollaborationRow, partnerRowId: number): Promise<boolean> {
  const partner = existing.partners.find((p) => p.partnerId === partnerRowId);
  if (!partner) return false;
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    const [removed] = await t
      .update(collaborationPartners)
      .set({ deletedAt: new Date() })
      .where(and(eq(collaborationPartners.id, partnerRowId), eq(collaborationPartners.collaborationId, existing.id), isNull(collaborationPartners.deletedAt)))
      .returning({ id: collaborationPartners.id });
    if (!removed) return false;
    await audit(t, actx, {
      action: 'update',
      entity: 'collaboration',
      entityId: existing.id,
      details: { partnerRemoved: { kind: partner.kind, id: partner.id, name: partner.name, role: partner.role, partnerRowId } },
    });
    return true;
  });
}

// ---------------------------------------------------------------------------------------
// Export

export const COLLABORATION_EXPORT_COLUMNS: TableColumn<CollaborationRow>[] = [
  { header: 'id', value: (r) => r.id },
  { header: 'title', value: (r) => r.title },
  { header: 'status', value: (r) => r.status },
  { header: 'status_label', value: (r) => statusLabel(r.status) },
  { header: 'status_from', value: (r) => r.statusFrom },
  { header: 'start_date', value: (r) => r.startDate },
  { header: 'end_date', value: (r) => r.endDate },
  { header: 'partners', value: (r) => r.partners.map((p) => `${p.name}${p.role ? ` (${p.role})` : ''}`).join('; ') },
  { header: 'partner_count', value: (r) => r.partners.length },
  { header: 'description', value: (r) => r.description },
];
