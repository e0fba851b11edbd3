import { and, asc, eq, ilike, inArray, isNull, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../platform/db/index.js';
import { audit, type AuditContext } from '../../platform/audit.js';
import { can, roleScope, type Principal } from '../../platform/access.js';
import { emailField, parseForm, type Parsed } from '../../platform/http/forms.js';
import type { FieldErrors } from '../../platform/views/components.js';
import { HttpError } from '../../platform/http/errors.js';
import { municipalities, neighbourhoods, organisations, participations } from '../registry/schema.js';
import { likePattern } from '../registry/organisations-service.js';
import { AGE_GROUPS, AGE_GROUP_LABELS, SIGNALLER_TYPES, SIGNALLER_TYPE_LABELS, normalisePostcode, parseHouseNumber, type AgeGroup, type SignallerType } from './model.js';
import { chooseSignalPoint, loadRouting, resolveArea, type RoutingPoint, type RoutingRule } from './routing.js';
import { signalPoints, signalRoutingRules, signals } from './schema.js';

/**
 * Signal points and routing rules per municipality: reading, validating and changing them.
 * Every change runs in a transaction (where several rows change) and is audit-logged with the
 * changed fields, never with personal data. Callers check `signal:configure` for the municipality.
 */

export const FIRST_CONTACT_DEFAULT = 2;
export const RETENTION_DEFAULT = 6;

/** Age groups a rule can use ('unknown' is what a signal has when nobody knows: no rule for that). */
export const RULE_AGE_GROUPS = AGE_GROUPS.filter((a) => a !== 'unknown') as Exclude<AgeGroup, 'unknown'>[];
export const RULE_SIGNALLER_TYPES: SignallerType[] = [...SIGNALLER_TYPES, 'self'];

/** Who may open the signal-point screens at all (their municipalities are then checked one by one). */
export function mayConfigureSomething(p: Principal): boolean {
  return p.roles.some((g) => g.role === 'programme_admin' || g.role === 'municipality_coordinator');
}

export const isAdmin = (p: Principal) => p.roles.some((g) => g.role === 'programme_admin');

/** The municipality ids a coordinator configures (null: all, for the programme team). */
export function configurableMunicipalityIds(p: Principal): number[] | null {
  if (isAdmin(p)) return null;
  return roleScope(p, 'municipality_coordinator').municipalityIds.filter((id) => can(p, 'signal:configure', { municipalityId: id }));
}

/* ------------------------------------------------------------------------------------------
 * Reading
 * ---------------------------------------------------------------------------------------- */

export type MunicipalityListShow = 'participating' | 'without_default' | 'all';

export interface MunicipalityListFilter {
  q?: string;
  show: MunicipalityListShow;
  page: number;
  pageSize: number;
}

/**
 * The municipalities in scope with their signal points. The programme team sees by default the
 * participating municipalities and every municipality with a signal point.
 */
export async function listMunicipalityConfigs(db: Db, p: Principal, f: MunicipalityListFilter) {
  const ids = configurableMunicipalityIds(p);
  if (ids && !ids.length) return { rows: [], total: 0 };
  const where: SQL[] = [sql`${municipalities.deletedAt} is null`];
  if (ids) where.push(inArray(municipalities.id, ids));
  else where.push(sql`${municipalities.validTo} is null`);
  if (f.q) where.push(or(ilike(municipalities.name, likePattern(f.q)), ilike(municipalities.cbsCode, likePattern(f.q)))!);
  // Qualified by hand: in the select list of a one-table query drizzle writes a bare "id", which
  // inside these subqueries would mean the subquery's own id.
  const M_ID = sql.raw('"municipalities"."id"');
  const hasPoint = sql`exists (select 1 from ${signalPoints} sp where sp.municipality_id = ${M_ID})`;
  const participating = sql`exists (select 1 from ${participations} pa where pa.municipality_id = ${M_ID} and pa.deleted_at is null and pa.status in ('signed', 'active'))`;
  // "Active" as the routing sees it: switched on, and its organisation not deleted.
  const liveOrg = sql`exists (select 1 from ${organisations} o where o.id = sp.organisation_id and o.deleted_at is null)`;
  const hasDefault = sql`exists (select 1 from ${signalPoints} sp where sp.municipality_id = ${M_ID} and sp.is_default and sp.active and ${liveOrg})`;
  if (!ids && f.show !== 'all') where.push(sql`(${hasPoint} or ${participating})`);
  if (f.show === 'without_default') where.push(sql`not ${hasDefault}`);
  const cond = and(...where);
  const [rows, [{ total }]] = await Promise.all([
    db
      .select({
        id: municipalities.id,
        cbsCode: municipalities.cbsCode,
        name: municipalities.name,
        participating: sql<boolean>`${participating}`,
        hasDefault: sql<boolean>`${hasDefault}`,
        activePoints: sql<number>`(select count(*)::int from ${signalPoints} sp where sp.municipality_id = ${M_ID} and sp.active and ${liveOrg})`,
        pointNames: sql<string | null>`(select string_agg(sp.name, ', ' order by sp.is_default desc, sp.name) from ${signalPoints} sp where sp.municipality_id = ${M_ID} and sp.active and ${liveOrg})`,
        rules: sql<number>`(select count(*)::int from ${signalRoutingRules} r where r.municipality_id = ${M_ID})`,
      })
      .from(municipalities)
      .where(cond)
      .orderBy(asc(municipalities.name))
      .limit(f.pageSize)
      .offset((f.page - 1) * f.pageSize),
    db.select({ total: sql<number>`count(*)::int` }).from(municipalities).where(cond),
  ]);
  return { rows, total };
}
export type MunicipalityConfigRow = Awaited<ReturnType<typeof listMunicipalityConfigs>>['rows'][number];

export async function findMunicipality(db: Db, cbsCode: string) {
  if (!/^GM\d{4}$/.test(cbsCode)) return null;
  const [m] = await db
    .select({ id: municipalities.id, cbsCode: municipalities.cbsCode, name: municipalities.name, validTo: municipalities.validTo })
    .from(municipalities)
    .where(and(eq(municipalities.cbsCode, cbsCode), isNull(municipalities.deletedAt)));
  return m ?? null;
}
export type MunicipalityRef = NonNullable<Awaited<ReturnType<typeof findMunicipality>>>;

/** Suffix of the organisation name of a signal point whose organisation was deleted. */
export const DELETED_ORGANISATION_MARK = ' (organisatie verwijderd: krijgt geen signalen)';

/**
 * A point is "active" as the routing sees it (routing.ts): switched on AND its organisation not
 * deleted. A point of a deleted organisation is shown as not active, with the organisation marked,
 * so the screens never present it as a routing target (nor as the default).
 */
const pointLive = sql<boolean>`(${signalPoints.active} and ${organisations.deletedAt} is null)`;

/** A municipality's signal points (with their organisation and number of signals) and rules in order. */
export async function getMunicipalityConfig(db: Db, municipalityId: number) {
  const [points, rules] = await Promise.all([
    db
      .select({
        id: signalPoints.id,
        name: signalPoints.name,
        organisationId: signalPoints.organisationId,
        organisationName: sql<string>`case when ${organisations.deletedAt} is null then ${organisations.name} else ${organisations.name} || ${DELETED_ORGANISATION_MARK} end`,
        organisationDeleted: sql<boolean>`(${organisations.deletedAt} is not null)`,
        isDefault: signalPoints.isDefault,
        firstContactDays: signalPoints.firstContactDays,
        retentionMonths: signalPoints.retentionMonths,
        digestEmail: signalPoints.digestEmail,
        /** Active as the routing sees it (see pointLive). */
        active: pointLive,
        /** The point's own switch (can be on while its organisation is deleted). */
        switchedOn: signalPoints.active,
        signalCount: sql<number>`(select count(*)::int from ${signals} s where s.signal_point_id = ${sql.raw('"signal_points"."id"')})`,
      })
      .from(signalPoints)
      .innerJoin(organisations, eq(organisations.id, signalPoints.organisationId))
      .where(eq(signalPoints.municipalityId, municipalityId))
      .orderBy(sql`${pointLive} desc`, sql`${signalPoints.isDefault} desc`, asc(signalPoints.name)),
    db
      .select({
        id: signalRoutingRules.id,
        position: signalRoutingRules.position,
        signalPointId: signalRoutingRules.signalPointId,
        pointName: signalPoints.name,
        pointActive: pointLive,
        neighbourhoodId: signalRoutingRules.neighbourhoodId,
        neighbourhoodName: neighbourhoods.name,
        neighbourhoodCode: neighbourhoods.code,
        ageGroup: signalRoutingRules.ageGroup,
        signallerType: signalRoutingRules.signallerType,
      })
      .from(signalRoutingRules)
      .innerJoin(signalPoints, eq(signalPoints.id, signalRoutingRules.signalPointId))
      .innerJoin(organisations, eq(organisations.id, signalPoints.organisationId))
      .leftJoin(neighbourhoods, eq(neighbourhoods.id, signalRoutingRules.neighbourhoodId))
      .where(eq(signalRoutingRules.municipalityId, municipalityId))
      .orderBy(asc(signalRoutingRules.position), asc(signalRoutingRules.id)),
  ]);
  return { points, rules };
}
export type PointRow = Awaited<ReturnType<typeof getMunicipalityConfig>>['points'][number];
export type RuleRow = Awaited<ReturnType<typeof getMunicipalityConfig>>['rules'][number];

/** Organisations that may handle the municipality's signals: its own, and national ones. */
export async function organisationChoices(db: Db, municipalityId: number) {
  return db
    .select({ id: organisations.id, name: organisations.name, municipalityId: organisations.municipalityId })
    .from(organisations)
    .where(and(isNull(organisations.deletedAt), or(eq(organisations.municipalityId, municipalityId), isNull(organisations.municipalityId))))
    .orderBy(sql`${organisations.municipalityId} is null`, asc(organisations.name));
}

/** The neighbourhoods (buurten) of a municipality, for rules and postcode corrections. */
export async function neighbourhoodChoices(db: Db, municipalityId: number) {
  return db
    .select({ id: neighbourhoods.id, code: neighbourhoods.code, name: neighbourhoods.name })
    .from(neighbourhoods)
    .where(and(eq(neighbourhoods.municipalityId, municipalityId), eq(neighbourhoods.kind, 'neighbourhood'), isNull(neighbourhoods.deletedAt)))
    .orderBy(asc(neighbourhoods.name), asc(neighbourhoods.code));
}

/* ------------------------------------------------------------------------------------------
 * Validation
 * ---------------------------------------------------------------------------------------- */

const blank = (v: unknown) => (typeof v === 'string' ? (v.trim() === '' ? undefined : v.trim()) : v);
const checked = (v: unknown) => (Array.isArray(v) ? v.length > 0 : v === 'ja' || v === 'on' || v === 'true' || v === true);
const intIn = (min: number, max: number, msg: string, fallback: number) =>
  z.preprocess((v) => (blank(v) === undefined ? fallback : typeof v === 'string' ? Number(v.trim()) : v), z.number({ message: msg }).int(msg).min(min, msg).max(max, msg));
const idField = (msg: string) => z.preprocess((v) => (blank(v) === undefined ? undefined : Number(v)), z.number({ message: msg }).int(msg).positive(msg));
const optionalId = (msg: string) => z.preprocess((v) => (blank(v) === undefined ? null : Number(v)), z.number({ message: msg }).int(msg).positive(msg).nullable());

export const POINT_MSG = {
  name: 'Vul de naam van het signaalpunt in, zoals "Signaalpunt Welzijn Noord".',
  organisation: 'Kies de organisatie die de signalen oppakt.',
  firstContact: 'Vul een aantal werkdagen van 1 tot en met 10 in.',
  retention: 'Vul een aantal maanden van 1 tot en met 24 in.',
};

export const signalPointFormSchema = z.object({
  name: z.preprocess(blank, z.string({ message: POINT_MSG.name }).min(1, POINT_MSG.name).max(120, 'Gebruik hoogstens 120 tekens.')),
  organisationId: idField(POINT_MSG.organisation),
  firstContactDays: intIn(1, 10, POINT_MSG.firstContact, FIRST_CONTACT_DEFAULT),
  retentionMonths: intIn(1, 24, POINT_MSG.retention, RETENTION_DEFAULT),
  digestEmail: emailField(false),
  isDefault: z.preprocess(checked, z.boolean()),
});
export type SignalPointInput = z.infer<typeof signalPointFormSchema>;
export const POINT_FIELD_LABELS: Record<string, string> = {
  name: 'Naam van het signaalpunt',
  organisationId: 'Organisatie die de signalen oppakt',
  firstContactDays: 'Eerste contact binnen (werkdagen)',
  retentionMonths: 'Bewaartermijn na afsluiten (maanden)',
  digestEmail: 'E-mailadres voor het dagelijkse overzicht',
  isDefault: 'Standaard-signaalpunt',
};

export const RULE_MSG = {
  point: 'Kies het signaalpunt waar de signalen heen gaan.',
  neighbourhood: 'Kies een buurt uit de lijst.',
  ageGroup: 'Kies een leeftijdsgroep uit de lijst.',
  signallerType: 'Kies een soort melder uit de lijst.',
  criteria: 'Kies minstens één voorwaarde: een buurt, een leeftijdsgroep of een soort melder.',
};

export const routingRuleFormSchema = z
  .object({
    signalPointId: idField(RULE_MSG.point),
    neighbourhoodId: optionalId(RULE_MSG.neighbourhood),
    ageGroup: z.preprocess((v) => blank(v) ?? null, z.enum(RULE_AGE_GROUPS as [string, ...string[]], { message: RULE_MSG.ageGroup }).nullable()),
    signallerType: z.preprocess((v) => blank(v) ?? null, z.enum(RULE_SIGNALLER_TYPES as [string, ...string[]], { message: RULE_MSG.signallerType }).nullable()),
  })
  .superRefine((v, ctx) => {
    if (v.neighbourhoodId == null && v.ageGroup == null && v.signallerType == null) ctx.addIssue({ code: 'custom', path: ['criteria'], message: RULE_MSG.criteria });
  });
export type RoutingRuleInput = z.infer<typeof routingRuleFormSchema>;
export const RULE_FIELD_LABELS: Record<string, string> = {
  signalPointId: 'Naar signaalpunt',
  criteria: 'Voorwaarden',
  neighbourhoodId: 'Buurt',
  ageGroup: 'Leeftijdsgroep',
  signallerType: 'Soort melder',
};

export type WriteResult = { ok: true; id: number } | { ok: false; errors: FieldErrors };

const numberOrNull = (v: unknown) => (typeof v === 'string' && /^\d{1,9}$/.test(v.trim()) ? Number(v) : null);

/**
 * Validates a signal-point form completely: the zod schema, and (also when that fails, so every
 * problem is shown at once) the organisation and the name against the database.
 */
export async function checkPointForm(db: Db, municipalityId: number, values: Record<string, unknown>, excludeId?: number): Promise<Parsed<SignalPointInput>> {
  const parsed = parseForm(signalPointFormSchema, values);
  const name = typeof values.name === 'string' ? values.name.trim() : '';
  const organisationId = numberOrNull(values.organisationId);
  const dbErrors = await pointErrors(db, municipalityId, { name, organisationId: organisationId ?? 0 }, excludeId);
  if (organisationId === null) delete dbErrors.organisationId;
  if (!name) delete dbErrors.name;
  if (parsed.ok && !Object.keys(dbErrors).length) return parsed;
  return { ok: false, errors: { ...dbErrors, ...(parsed.ok ? {} : parsed.errors) } };
}

/** Validates a routing-rule form completely (schema, and the signal point and neighbourhood of this municipality). */
export async function checkRuleForm(db: Db, municipalityId: number, values: Record<string, unknown>): Promise<Parsed<RoutingRuleInput>> {
  const parsed = parseForm(routingRuleFormSchema, values);
  const signalPointId = numberOrNull(values.signalPointId);
  const neighbourhoodId = numberOrNull(values.neighbourhoodId);
  const dbErrors = await ruleErrors(db, municipalityId, { signalPointId: signalPointId ?? 0, neighbourhoodId, ageGroup: null, signallerType: null });
  if (signalPointId === null) delete dbErrors.signalPointId;
  if (parsed.ok && !Object.keys(dbErrors).length) return parsed;
  return { ok: false, errors: { ...dbErrors, ...(parsed.ok ? {} : parsed.errors) } };
}

/* ------------------------------------------------------------------------------------------
 * Signal points
 * ---------------------------------------------------------------------------------------- */

/** Locks the municipality's signal points, so default switches and renames are serialised. */
async function lockPoints(tx: Db, municipalityId: number) {
  await tx.execute(sql`select id from ${signalPoints} where municipality_id = ${municipalityId} for update`);
}

async function pointErrors(tx: Db, municipalityId: number, input: Pick<SignalPointInput, 'name' | 'organisationId'>, excludeId?: number): Promise<FieldErrors> {
  const errors: FieldErrors = {};
  const orgs = await organisationChoices(tx, municipalityId);
  if (!orgs.some((o) => o.id === input.organisationId)) errors.organisationId = POINT_MSG.organisation;
  const [dup] = await tx
    .select({ id: signalPoints.id })
    .from(signalPoints)
    .where(and(eq(signalPoints.municipalityId, municipalityId), sql`lower(${signalPoints.name}) = lower(${input.name})`, excludeId ? sql`${signalPoints.id} <> ${excludeId}` : undefined));
  if (dup) errors.name = 'Deze gemeente heeft al een signaalpunt met deze naam. Kies een andere naam.';
  return errors;
}

/** Makes `pointId` the municipality's one active default (the others lose it first: partial unique index). */
async function switchDefault(tx: Db, municipalityId: number, pointId: number): Promise<number[]> {
  const cleared = await tx
    .update(signalPoints)
    .set({ isDefault: false, updatedAt: new Date() })
    .where(and(eq(signalPoints.municipalityId, municipalityId), eq(signalPoints.isDefault, true), sql`${signalPoints.id} <> ${pointId}`))
    .returning({ id: signalPoints.id });
  await tx.update(signalPoints).set({ isDefault: true, updatedAt: new Date() }).where(eq(signalPoints.id, pointId));
  return cleared.map((c) => c.id);
}

const auditPoint = (input: Partial<SignalPointInput> & { active?: boolean }) => {
  const { digestEmail, ...rest } = input;
  return { ...rest, ...(digestEmail !== undefined ? { digestEmail: digestEmail ? 'ingesteld' : 'leeg' } : {}) };
};

export async function createSignalPoint(db: Db, actx: AuditContext, municipalityId: number, input: SignalPointInput): Promise<WriteResult> {
  return db.transaction(async (tx) => {
    await lockPoints(tx, municipalityId);
    const errors = await pointErrors(tx, municipalityId, input);
    if (Object.keys(errors).length) return { ok: false, errors };
    const [row] = await tx
      .insert(signalPoints)
      .values({
        municipalityId,
        organisationId: input.organisationId,
        name: input.name,
        isDefault: false,
        firstContactDays: input.firstContactDays,
        retentionMonths: input.retentionMonths,
        digestEmail: input.digestEmail ?? null,
        active: true,
      })
      .returning({ id: signalPoints.id });
    const cleared = input.isDefault ? await switchDefault(tx, municipalityId, row.id) : [];
    await audit(tx, actx, { action: 'create', entity: 'signal_point', entityId: row.id, details: { municipalityId, ...auditPoint(input), ...(cleared.length ? { defaultTakenFrom: cleared } : {}) } });
    return { ok: true, id: row.id };
  });
}

export async function updateSignalPoint(db: Db, actx: AuditContext, point: PointRow & { municipalityId: number }, input: SignalPointInput): Promise<WriteResult> {
  return db.transaction(async (tx) => {
    await lockPoints(tx, point.municipalityId);
    const errors = await pointErrors(tx, point.municipalityId, input, point.id);
    // A point of a deleted organisation that is switched on becomes active again with the new organisation.
    const activeAfter = point.active || (point.organisationDeleted && point.switchedOn);
    if (input.isDefault && !activeAfter) errors.isDefault = 'Een signaalpunt dat niet actief is, kan geen standaard zijn. Activeer het eerst.';
    if (Object.keys(errors).length) return { ok: false, errors };
    const before: Record<string, unknown> = {
      name: point.name,
      organisationId: point.organisationId,
      firstContactDays: point.firstContactDays,
      retentionMonths: point.retentionMonths,
      digestEmail: point.digestEmail ?? undefined,
      isDefault: point.isDefault,
    };
    const after: Record<string, unknown> = { ...input, digestEmail: input.digestEmail ?? undefined };
    const changed = Object.keys(after).filter((k) => (before[k] ?? null) !== (after[k] ?? null));
    await tx
      .update(signalPoints)
      .set({
        name: input.name,
        organisationId: input.organisationId,
        firstContactDays: input.firstContactDays,
        retentionMonths: input.retentionMonths,
        digestEmail: input.digestEmail ?? null,
        updatedAt: new Date(),
        ...(input.isDefault ? {} : { isDefault: false }),
      })
      .where(eq(signalPoints.id, point.id));
    const cleared = input.isDefault && !point.isDefault ? await switchDefault(tx, point.municipalityId, point.id) : [];
    if (changed.length) {
      const details: Record<string, unknown> = { municipalityId: point.municipalityId };
      for (const k of changed) details[k] = k === 'digestEmail' ? 'gewijzigd' : { from: before[k] ?? null, to: after[k] ?? null };
      if (cleared.length) details.defaultTakenFrom = cleared;
      await audit(tx, actx, { action: 'update', entity: 'signal_point', entityId: point.id, details });
    }
    return { ok: true, id: point.id };
  });
}

/** The point's row and whether its organisation is deleted (inside the caller's transaction). */
async function pointWithOrganisation(tx: Db, municipalityId: number, pointId: number) {
  const [row] = await tx
    .select({ p: signalPoints, organisationDeleted: sql<boolean>`(${organisations.deletedAt} is not null)` })
    .from(signalPoints)
    .innerJoin(organisations, eq(organisations.id, signalPoints.organisationId))
    .where(and(eq(signalPoints.id, pointId), eq(signalPoints.municipalityId, municipalityId)));
  return row ?? null;
}

/** Activating a point whose organisation was deleted: refused with this message (409). */
export const DELETED_ORGANISATION_ACTIVATE =
  'De organisatie van dit signaalpunt is verwijderd, dus het signaalpunt kan geen signalen krijgen. Kies eerst via Wijzigen een andere organisatie die de signalen oppakt.';

/** Makes the point the municipality's default, atomically. False when the point is not active (or its organisation is deleted). */
export async function makeDefault(db: Db, actx: AuditContext, municipalityId: number, pointId: number): Promise<boolean> {
  return db.transaction(async (tx) => {
    await lockPoints(tx, municipalityId);
    const row = await pointWithOrganisation(tx, municipalityId, pointId);
    const p = row?.p;
    if (!p || !p.active || row.organisationDeleted) return false;
    if (p.isDefault) return true;
    const cleared = await switchDefault(tx, municipalityId, pointId);
    await audit(tx, actx, { action: 'update', entity: 'signal_point', entityId: pointId, details: { municipalityId, isDefault: { from: false, to: true }, defaultTakenFrom: cleared } });
    return true;
  });
}

/**
 * (De)activates a point. Deactivating also drops its default role: the municipality then has no
 * default. Activating a point of a deleted organisation is refused (HttpError 409): nobody would
 * see its signals.
 */
export async function setPointActive(db: Db, actx: AuditContext, municipalityId: number, pointId: number, active: boolean): Promise<{ wasDefault: boolean }> {
  return db.transaction(async (tx) => {
    await lockPoints(tx, municipalityId);
    const row = await pointWithOrganisation(tx, municipalityId, pointId);
    if (row && active && row.organisationDeleted) throw new HttpError(409, 'organisation_deleted', DELETED_ORGANISATION_ACTIVATE);
    const p = row?.p;
    if (!p || p.active === active) return { wasDefault: false };
    await tx
      .update(signalPoints)
      .set({ active, ...(active ? {} : { isDefault: false }), updatedAt: new Date() })
      .where(eq(signalPoints.id, pointId));
    await audit(tx, actx, {
      action: active ? 'activate' : 'deactivate',
      entity: 'signal_point',
      entityId: pointId,
      details: { municipalityId, active: { from: p.active, to: active }, ...(p.isDefault && !active ? { isDefault: { from: true, to: false } } : {}) },
    });
    return { wasDefault: p.isDefault && !active };
  });
}

/** Why a point cannot be deleted (it has signals, or rules point to it); empty when it can. */
export async function pointDeleteBlockers(db: Db, pointId: number): Promise<string[]> {
  const [{ signalCount, ruleCount }] = (
    await db.execute<{ signalCount: number; ruleCount: number }>(sql`
      select (select count(*)::int from ${signals} where signal_point_id = ${pointId}) as "signalCount",
             (select count(*)::int from ${signalRoutingRules} where signal_point_id = ${pointId}) as "ruleCount"`)
  ).rows as [{ signalCount: number; ruleCount: number }];
  const reasons: string[] = [];
  if (signalCount > 0)
    reasons.push(
      `Er ${signalCount === 1 ? 'is 1 signaal' : `zijn ${signalCount} signalen`} naar dit signaalpunt gegaan. Een signaalpunt met signalen blijft bewaard; zet het op niet actief als er geen nieuwe signalen meer heen mogen.`,
    );
  if (ruleCount > 0) reasons.push(`${ruleCount === 1 ? 'Eén routeringsregel verwijst' : `${ruleCount} routeringsregels verwijzen`} naar dit signaalpunt. Verwijder of wijzig eerst die regels.`);
  return reasons;
}

export async function deleteSignalPoint(db: Db, actx: AuditContext, municipalityId: number, pointId: number): Promise<{ ok: true } | { ok: false; reasons: string[] }> {
  return db.transaction(async (tx) => {
    await lockPoints(tx, municipalityId);
    const reasons = await pointDeleteBlockers(tx, pointId);
    if (reasons.length) return { ok: false, reasons };
    const [gone] = await tx
      .delete(signalPoints)
      .where(and(eq(signalPoints.id, pointId), eq(signalPoints.municipalityId, municipalityId)))
      .returning({ name: signalPoints.name, organisationId: signalPoints.organisationId, isDefault: signalPoints.isDefault });
    if (gone) await audit(tx, actx, { action: 'delete', entity: 'signal_point', entityId: pointId, details: { municipalityId, ...gone } });
    return { ok: true };
  });
}

/* ------------------------------------------------------------------------------------------
 * Routing rules
 * ---------------------------------------------------------------------------------------- */

async function ruleErrors(tx: Db, municipalityId: number, input: RoutingRuleInput): Promise<FieldErrors> {
  const errors: FieldErrors = {};
  const [point] = await tx
    .select({ id: signalPoints.id })
    .from(signalPoints)
    .innerJoin(organisations, and(eq(organisations.id, signalPoints.organisationId), isNull(organisations.deletedAt)))
    .where(and(eq(signalPoints.id, input.signalPointId), eq(signalPoints.municipalityId, municipalityId), eq(signalPoints.active, true)));
  if (!point) errors.signalPointId = RULE_MSG.point;
  if (input.neighbourhoodId != null) {
    const ok = (await neighbourhoodChoices(tx, municipalityId)).some((n) => n.id === input.neighbourhoodId);
    if (!ok) errors.neighbourhoodId = RULE_MSG.neighbourhood;
  }
  return errors;
}

/** Renumbers the municipality's rules 0..n-1 in the given order. */
async function renumber(tx: Db, ids: number[]) {
  for (const [i, id] of ids.entries()) await tx.update(signalRoutingRules).set({ position: i }).where(eq(signalRoutingRules.id, id));
}

async function lockedRuleIds(tx: Db, municipalityId: number): Promise<number[]> {
  const rows = await tx.execute<{ id: number }>(sql`select id from ${signalRoutingRules} where municipality_id = ${municipalityId} order by position, id for update`);
  return rows.rows.map((r) => r.id);
}

const ruleDetails = (r: { signalPointId: number; neighbourhoodId: number | null; ageGroup: string | null; signallerType: string | null }) => ({
  signalPointId: r.signalPointId,
  neighbourhoodId: r.neighbourhoodId,
  ageGroup: r.ageGroup,
  signallerType: r.signallerType,
});

/** Adds a rule at the end of the list (it is tried last). */
export async function createRule(db: Db, actx: AuditContext, municipalityId: number, input: RoutingRuleInput): Promise<WriteResult> {
  return db.transaction(async (tx) => {
    const errors = await ruleErrors(tx, municipalityId, input);
    if (Object.keys(errors).length) return { ok: false, errors };
    const ids = await lockedRuleIds(tx, municipalityId);
    await renumber(tx, ids);
    const [row] = await tx
      .insert(signalRoutingRules)
      .values({ municipalityId, position: ids.length, ...ruleDetails(input) })
      .returning({ id: signalRoutingRules.id });
    await audit(tx, actx, { action: 'create', entity: 'signal_routing_rule', entityId: row.id, details: { municipalityId, position: ids.length + 1, ...ruleDetails(input) } });
    return { ok: true, id: row.id };
  });
}

export async function updateRule(db: Db, actx: AuditContext, rule: RuleRow & { municipalityId: number }, input: RoutingRuleInput): Promise<WriteResult> {
  return db.transaction(async (tx) => {
    const errors = await ruleErrors(tx, rule.municipalityId, input);
    if (Object.keys(errors).length) return { ok: false, errors };
    const before = ruleDetails(rule);
    const after = ruleDetails(input);
    await tx.update(signalRoutingRules).set(after).where(eq(signalRoutingRules.id, rule.id));
    const changed = (Object.keys(after) as (keyof typeof after)[]).filter((k) => before[k] !== after[k]);
    if (changed.length) {
      await audit(tx, actx, {
        action: 'update',
        entity: 'signal_routing_rule',
        entityId: rule.id,
        details: { municipalityId: rule.municipalityId, ...Object.fromEntries(changed.map((k) => [k, { from: before[k], to: after[k] }])) },
      });
    }
    return { ok: true, id: rule.id };
  });
}

export async function deleteRule(db: Db, actx: AuditContext, municipalityId: number, ruleId: number): Promise<boolean> {
  return db.transaction(async (tx) => {
    const ids = await lockedRuleIds(tx, municipalityId);
    if (!ids.includes(ruleId)) return false;
    const [gone] = await tx.delete(signalRoutingRules).where(eq(signalRoutingRules.id, ruleId)).returning();
    await renumber(
      tx,
      ids.filter((id) => id !== ruleId),
    );
    await audit(tx, actx, { action: 'delete', entity: 'signal_routing_rule', entityId: ruleId, details: { municipalityId, position: ids.indexOf(ruleId) + 1, ...ruleDetails(gone) } });
    return true;
  });
}

/** Moves a rule one place up (tried earlier) or down. False when it cannot move further. */
export async function moveRule(db: Db, actx: AuditContext, municipalityId: number, ruleId: number, direction: 'up' | 'down'): Promise<boolean> {
  return db.transaction(async (tx) => {
    const ids = await lockedRuleIds(tx, municipalityId);
    const from = ids.indexOf(ruleId);
    const to = direction === 'up' ? from - 1 : from + 1;
    if (from < 0 || to < 0 || to >= ids.length) return false;
    [ids[from], ids[to]] = [ids[to]!, ids[from]!];
    await renumber(tx, ids);
    await audit(tx, actx, { action: 'update', entity: 'signal_routing_rule', entityId: ruleId, details: { municipalityId, position: { from: from + 1, to: to + 1 } } });
    return true;
  });
}

/* ------------------------------------------------------------------------------------------
 * "Test the routing"
 * ---------------------------------------------------------------------------------------- */

export const ROUTING_TEST_MSG = {
  postcode: 'Vul een postcode in zoals 1234 AB.',
  houseNumber: 'Vul een huisnummer in (alleen cijfers, zoals 12).',
  ageGroup: 'Kies een leeftijdsgroep uit de lijst.',
  signallerType: 'Kies een soort melder uit de lijst.',
};

/** A required Dutch postcode, normalised to 1234AB. */
export const postcodeSchema = z.preprocess(
  (v) => (typeof v === 'string' ? (normalisePostcode(v) ?? '!') : v),
  z.string({ message: ROUTING_TEST_MSG.postcode }).regex(/^\d{4}[A-Z]{2}$/, ROUTING_TEST_MSG.postcode),
);

export const routingTestSchema = z.object({
  postcode: postcodeSchema,
  houseNumber: z.preprocess((v) => (typeof v === 'string' || typeof v === 'number' ? (parseHouseNumber(v) ?? undefined) : undefined), z.number({ message: ROUTING_TEST_MSG.houseNumber })),
  ageGroup: z.preprocess((v) => blank(v) ?? null, z.enum(AGE_GROUPS as unknown as [string, ...string[]], { message: ROUTING_TEST_MSG.ageGroup }).nullable()),
  signallerType: z.preprocess((v) => blank(v) ?? null, z.enum(RULE_SIGNALLER_TYPES as [string, ...string[]], { message: ROUTING_TEST_MSG.signallerType }).nullable()),
});
export type RoutingTestInput = z.infer<typeof routingTestSchema>;
export const ROUTING_TEST_LABELS: Record<string, string> = { postcode: 'Postcode', houseNumber: 'Huisnummer', ageGroup: 'Leeftijdsgroep', signallerType: 'Soort melder' };

export interface RoutingExplanation {
  /** Null: the postcode is not in the table (a signal would go to the unrouted queue, unless PDOK knows the address). */
  area: { municipalityId: number; municipalityName: string; cbsCode: string; neighbourhoodId: number | null; neighbourhoodName: string | null; by: 'address' | 'postcode' | 'pdok' } | null;
  /** False when the address lies in a municipality the user does not configure (then nothing more is shown). */
  inScope: boolean;
  point: { id: number; name: string; organisationName: string } | null;
  /** 'rule': rule number `ruleNumber` (1-based); 'default'; 'none': no rule and no default. */
  reason: 'rule' | 'default' | 'none' | null;
  ruleNumber: number | null;
  /** Rules skipped because their signal point is not active. */
  skippedInactive: number;
}

/** The rule that decides, found with the same function the intake uses (one rule at a time). */
function decidingRule(points: RoutingPoint[], rules: RoutingRule[], facts: Parameters<typeof chooseSignalPoint>[2]): number | null {
  const noDefaults = points.map((p) => ({ ...p, isDefault: false }));
  const ordered = [...rules].sort((a, b) => a.position - b.position);
  for (const [i, r] of ordered.entries()) if (chooseSignalPoint(noDefaults, [r], facts)) return i + 1;
  return null;
}

/**
 * Where a signal for this address would go, and why. Uses resolveArea and chooseSignalPoint
 * (no PDOK look-up: the table decides); nothing is stored.
 */
export async function explainRouting(db: Db, p: Principal, input: RoutingTestInput): Promise<RoutingExplanation> {
  const area = await resolveArea(db, input.postcode, input.houseNumber);
  if (!area) return { area: null, inScope: true, point: null, reason: null, ruleNumber: null, skippedInactive: 0 };
  const [m] = await db.select({ name: municipalities.name, cbsCode: municipalities.cbsCode }).from(municipalities).where(eq(municipalities.id, area.municipalityId));
  const [n] = area.neighbourhoodId ? await db.select({ name: neighbourhoods.name, code: neighbourhoods.code }).from(neighbourhoods).where(eq(neighbourhoods.id, area.neighbourhoodId)) : [];
  const base = {
    area: {
      municipalityId: area.municipalityId,
      municipalityName: m?.name ?? '?',
      cbsCode: m?.cbsCode ?? '?',
      neighbourhoodId: area.neighbourhoodId,
      neighbourhoodName: n ? `${n.name} (${n.code})` : null,
      by: area.routedBy,
    },
  };
  if (!can(p, 'signal:configure', { municipalityId: area.municipalityId })) return { ...base, inScope: false, point: null, reason: null, ruleNumber: null, skippedInactive: 0 };
  const { points, rules } = await loadRouting(db, area.municipalityId);
  // An unknown signaller type ('' never equals a rule's type) makes rules on signaller type not match.
  const facts = { neighbourhoodId: area.neighbourhoodId, ageGroup: (input.ageGroup ?? 'unknown') as AgeGroup, signallerType: (input.signallerType ?? '') as SignallerType };
  const chosen = chooseSignalPoint(points, rules, facts);
  const ruleNumber = chosen ? decidingRule(points, rules, facts) : null;
  const active = new Set(points.map((x) => x.id));
  const skippedInactive = rules.filter((r) => !active.has(r.signalPointId)).length;
  let point: RoutingExplanation['point'] = null;
  if (chosen) {
    const [row] = await db
      .select({ name: signalPoints.name, organisationName: organisations.name })
      .from(signalPoints)
      .innerJoin(organisations, eq(organisations.id, signalPoints.organisationId))
      .where(eq(signalPoints.id, chosen.id));
    point = { id: chosen.id, name: row?.name ?? '?', organisationName: row?.organisationName ?? '?' };
  }
  return { ...base, inScope: true, point, reason: chosen ? (ruleNumber ? 'rule' : 'default') : 'none', ruleNumber, skippedInactive };
}

/** "Buurt Binnenstad, 75 jaar of ouder, melder: Apotheek" for a rule. */
export function describeCriteria(r: { neighbourhoodName?: string | null; neighbourhoodCode?: string | null; ageGroup: string | null; signallerType: string | null }): string {
  const parts: string[] = [];
  if (r.neighbourhoodName) parts.push(`buurt ${r.neighbourhoodName}${r.neighbourhoodCode ? ` (${r.neighbourhoodCode})` : ''}`);
  if (r.ageGroup) parts.push(`leeftijd: ${AGE_GROUP_LABELS[r.ageGroup as AgeGroup]?.toLowerCase() ?? r.ageGroup}`);
  if (r.signallerType) parts.push(`melder: ${SIGNALLER_TYPE_LABELS[r.signallerType as SignallerType]?.toLowerCase() ?? r.signallerType}`);
  const s = parts.join(' én ');
  return s ? s.charAt(0).toUpperCase() + s.slice(1) : '—';
}
