import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../platform/db/index.js';
import { can, type Principal } from '../../platform/access.js';
import { audit, type AuditContext } from '../../platform/audit.js';
import { userRoles, users } from '../../platform/db/schema.js';
import { addGrant, removeGrant } from '../../platform/admin/users-service.js';
import { isIsoDate, normaliseDate, optionalText } from '../../platform/http/forms.js';
import type { FieldErrors } from '../../platform/views/components.js';
import type { TableColumn } from '../../platform/tabular.js';
import { municipalities, participations, provinces } from '../registry/schema.js';
import { advisoryBudgets, contactMoments, municipalityPhases } from './schema.js';
import { DEFAULT_ADVISORY_HOURS, NEAR_END_HOURS, PHASE_LABELS, PHASES, type Phase } from './model.js';

/**
 * Advisory hours and phases (issue 5 point 3). A municipality's budget is its advisory_budgets
 * row or DEFAULT_ADVISORY_HOURS; hours used are the durations of its non-deleted contact moments
 * marked "advisory"; hours left = budget − used and may go negative (an overrun is shown, never
 * clamped). The phase is the latest non-deleted municipality_phases row on or before the day
 * asked; no row means the guidance phase. Advisors are the user_roles rows (role 'advisor').
 */

// ---------------------------------------------------------------------------------------------
// Hours: arithmetic and Dutch formatting

const NL_NUMBER = new Intl.NumberFormat('nl-NL', { maximumFractionDigits: 2, minimumFractionDigits: 0 });

/** Hours rounded to two decimals (0.01 hour precision everywhere on screen and in exports). */
export const roundHours = (h: number) => Math.round(h * 100) / 100;

/** 59.75 -> "59,75", 3.5 -> "3,5", 64 -> "64" (Dutch decimal comma, at most two decimals). */
export const formatNumberNl = (h: number) => NL_NUMBER.format(roundHours(h) === 0 ? 0 : roundHours(h));

/** 59.75 -> "59,75 uur". */
export const formatHours = (h: number) => `${formatNumberNl(h)} uur`;

/** A duration of one contact moment: 45 -> "45 min", 90 -> "1 uur 30 min", 120 -> "2 uur". */
export function formatMinutes(m: number): string {
  const h = Math.floor(m / 60);
  const rest = m % 60;
  if (!h) return `${rest} min`;
  return rest ? `${h} uur ${rest} min` : `${h} uur`;
}

export const BUDGET_STATUSES = ['available', 'near_end', 'used_up', 'overrun'] as const;
export type BudgetStatus = (typeof BUDGET_STATUSES)[number];
export const BUDGET_STATUS_LABELS: Record<BudgetStatus, string> = {
  available: 'Beschikbaar',
  near_end: 'Bijna op',
  used_up: 'Op',
  overrun: 'Overschreden',
};

export interface Hours {
  budgetHours: number;
  /** True when no budget was set: the default of 64 hours applies. */
  defaultBudget: boolean;
  usedMinutes: number;
  usedHours: number;
  /** Budget − used, two decimals; negative when the budget is overrun. */
  leftHours: number;
  status: BudgetStatus;
}

export function hoursOf(budget: string | number | null, usedMinutes: number): Hours {
  const budgetHours = budget == null ? DEFAULT_ADVISORY_HOURS : Number(budget);
  const leftHours = roundHours(budgetHours - usedMinutes / 60);
  const status: BudgetStatus = leftHours < 0 ? 'overrun' : leftHours === 0 ? 'used_up' : leftHours <= NEAR_END_HOURS ? 'near_end' : 'available';
  return { budgetHours, defaultBudget: budget == null, usedMinutes, usedHours: roundHours(usedMinutes / 60), leftHours, status };
}

/** The sentence for what is left: "59,75 uur over", "Budget is precies op", "Budget overschreden met 3,5 uur". */
export function leftText(h: Pick<Hours, 'leftHours'>): string {
  if (h.leftHours < 0) return `Budget overschreden met ${formatHours(-h.leftHours)}`;
  if (h.leftHours === 0) return 'Budget is precies op (0 uur over)';
  return `${formatHours(h.leftHours)} over`;
}

// ---------------------------------------------------------------------------------------------
// One municipality

export interface PhaseRow {
  id: number;
  phase: Phase;
  fromDate: string;
  accountManagerId: number | null;
  accountManagerName: string | null;
  note: string | null;
  createdByName: string | null;
  createdAt: Date;
}

/** The non-deleted phase rows of a municipality, oldest first. */
export async function phaseHistory(db: Db, municipalityId: number): Promise<PhaseRow[]> {
  const rows = await db.execute<{
    id: number;
    phase: string;
    from_date: string;
    account_manager_id: number | null;
    account_manager_name: string | null;
    note: string | null;
    created_by_name: string | null;
    created_at: Date;
  }>(sql`
    select ph.id, ph.phase, ph.from_date::text as from_date, ph.account_manager_id, am.name as account_manager_name, ph.note,
           cb.name as created_by_name, ph.created_at
      from ${municipalityPhases} ph
      left join ${users} am on am.id = ph.account_manager_id
      left join ${users} cb on cb.id = ph.created_by
     where ph.municipality_id = ${municipalityId} and ph.deleted_at is null
     order by ph.from_date asc, ph.id asc`);
  return rows.rows.map((r) => ({
    id: r.id,
    phase: r.phase as Phase,
    fromDate: r.from_date,
    accountManagerId: r.account_manager_id,
    accountManagerName: r.account_manager_name,
    note: r.note,
    createdByName: r.created_by_name,
    createdAt: new Date(r.created_at),
  }));
}

/** The phase on `today`: the latest row from on or before that day; none = guidance since always. */
export function currentPhase(history: PhaseRow[], today: string): { phase: Phase; fromDate: string | null; accountManagerId: number | null; accountManagerName: string | null } {
  const applicable = history.filter((r) => r.fromDate <= today);
  const last = applicable[applicable.length - 1];
  if (!last) return { phase: 'guidance', fromDate: null, accountManagerId: null, accountManagerName: null };
  return { phase: last.phase, fromDate: last.fromDate, accountManagerId: last.accountManagerId, accountManagerName: last.accountManagerName };
}

export interface AssignedAdvisor {
  grantId: number;
  userId: number;
  name: string;
  email: string;
  active: boolean;
}

/** Advisors assigned to the municipality itself (user_roles rows; joint approaches widen their scope elsewhere). */
export async function assignedAdvisors(db: Db, municipalityId: number): Promise<AssignedAdvisor[]> {
  return db
    .select({ grantId: userRoles.id, userId: users.id, name: users.name, email: users.email, active: users.active })
    .from(userRoles)
    .innerJoin(users, eq(users.id, userRoles.userId))
    .where(and(eq(userRoles.role, 'advisor'), eq(userRoles.municipalityId, municipalityId)))
    .orderBy(asc(users.name), asc(userRoles.id));
}

/** Minutes of advisory contact moments of a municipality (non-deleted). */
export async function usedMinutes(db: Db, municipalityId: number): Promise<number> {
  const [r] = await db
    .select({ m: sql<number>`coalesce(sum(${contactMoments.durationMinutes}), 0)::int` })
    .from(contactMoments)
    .where(and(eq(contactMoments.municipalityId, municipalityId), eq(contactMoments.advisory, true), isNull(contactMoments.deletedAt)));
  return r.m;
}

/** Advisory hours of a municipality per advisor who logged them. */
export async function hoursByAdvisorIn(db: Db, municipalityId: number) {
  const rows = await db.execute<{ advisor_id: number | null; name: string | null; minutes: number; moments: number }>(sql`
    select cm.advisor_id, u.name, sum(cm.duration_minutes)::int as minutes, count(*)::int as moments
      from ${contactMoments} cm
      left join ${users} u on u.id = cm.advisor_id
     where cm.municipality_id = ${municipalityId} and cm.advisory and cm.deleted_at is null
     group by cm.advisor_id, u.name
     order by minutes desc`);
  return rows.rows.map((r) => ({ advisorId: r.advisor_id, name: r.name ?? 'Onbekend', minutes: r.minutes, moments: r.moments }));
}

export interface AdvisorySummary {
  municipality: { id: number; cbsCode: string; name: string; provinceName: string; validTo: string | null };
  hours: Hours;
  phase: ReturnType<typeof currentPhase>;
  history: PhaseRow[];
  advisors: AssignedAdvisor[];
  budgetUpdatedAt: Date | null;
  budgetUpdatedByName: string | null;
}

/** Budget, hours, phase (with history) and advisors of one municipality on `today`. */
export async function advisorySummary(db: Db, municipalityId: number, today: string): Promise<AdvisorySummary | null> {
  const [m] = await db
    .select({ id: municipalities.id, cbsCode: municipalities.cbsCode, name: municipalities.name, provinceName: provinces.name, validTo: municipalities.validTo })
    .from(municipalities)
    .innerJoin(provinces, eq(provinces.id, municipalities.provinceId))
    .where(and(eq(municipalities.id, municipalityId), isNull(municipalities.deletedAt)));
  if (!m) return null;
  const [[budget], used, history, advisors] = await Promise.all([
    db
      .select({ hours: advisoryBudgets.hours, updatedAt: advisoryBudgets.updatedAt, updatedByName: users.name })
      .from(advisoryBudgets)
      .leftJoin(users, eq(users.id, advisoryBudgets.updatedBy))
      .where(eq(advisoryBudgets.municipalityId, municipalityId)),
    usedMinutes(db, municipalityId),
    phaseHistory(db, municipalityId),
    assignedAdvisors(db, municipalityId),
  ]);
  return {
    municipality: m,
    hours: hoursOf(budget?.hours ?? null, used),
    phase: currentPhase(history, today),
    history,
    advisors,
    budgetUpdatedAt: budget?.updatedAt ?? null,
    budgetUpdatedByName: budget?.updatedByName ?? null,
  };
}

/** A current or historical (not deleted) municipality by CBS code, case-insensitive. */
export async function municipalityByCode(db: Db, code: string) {
  const normal = code.trim().toUpperCase();
  if (!/^GM\d{4}$/.test(normal)) return null;
  const [m] = await db
    .select({ id: municipalities.id, cbsCode: municipalities.cbsCode, name: municipalities.name })
    .from(municipalities)
    .where(and(eq(municipalities.cbsCode, normal), isNull(municipalities.deletedAt)));
  return m ?? null;
}

// ---------------------------------------------------------------------------------------------
// Overview of all municipalities in scope

export interface OverviewRow {
  municipalityId: number;
  cbsCode: string;
  name: string;
  provinceName: string;
  advisors: { id: number; name: string }[];
  phase: Phase;
  phaseFrom: string | null;
  accountManagerName: string | null;
  hours: Hours;
}

export const OVERVIEW_SORTS = ['name', 'phase', 'budget', 'used', 'left'] as const;
export type OverviewSort = (typeof OVERVIEW_SORTS)[number];

export interface OverviewFilter {
  q?: string;
  phase?: Phase;
  status?: BudgetStatus;
  advisorId?: number;
  sort: OverviewSort;
  dir: 'asc' | 'desc';
}

/**
 * Every municipality in `p`'s advisory scope with budget, hours and phase on `today`. For the
 * programme team: municipalities that take part in the programme (a participation), have an
 * advisor, a budget, a phase or advisory hours. One query; filtering and sorting in memory
 * (a few hundred municipalities at most).
 */
export async function advisoryOverview(db: Db, p: Principal, f: OverviewFilter, today: string): Promise<OverviewRow[]> {
  const all = can(p, 'advisory:manage');
  const ids = all ? null : p.municipalityIds.filter((id) => can(p, 'advisory:read', { municipalityId: id }));
  if (ids && !ids.length) return [];
  const scope = ids
    ? sql`mu.id in (${sql.join(
        ids.map((i) => sql`${i}`),
        sql`, `,
      )})`
    : sql`(exists (select 1 from ${participations} pa where pa.municipality_id = mu.id and pa.deleted_at is null)
        or exists (select 1 from ${userRoles} ur where ur.municipality_id = mu.id and ur.role = 'advisor')
        or exists (select 1 from ${advisoryBudgets} b where b.municipality_id = mu.id)
        or exists (select 1 from ${municipalityPhases} ph where ph.municipality_id = mu.id and ph.deleted_at is null)
        or exists (select 1 from ${contactMoments} cm where cm.municipality_id = mu.id and cm.advisory and cm.deleted_at is null))`;
  const { rows } = await db.execute<{
    id: number;
    cbs_code: string;
    name: string;
    province_name: string;
    budget: string | null;
    used_minutes: number;
    phase: string | null;
    phase_from: string | null;
    account_manager_name: string | null;
    advisors: { id: number; name: string }[] | null;
  }>(sql`
    select mu.id, mu.cbs_code, mu.name, pv.name as province_name, b.hours as budget,
           coalesce(u.minutes, 0)::int as used_minutes, ph.phase, ph.from_date::text as phase_from, am.name as account_manager_name,
           (select json_agg(json_build_object('id', au.id, 'name', au.name) order by au.name)
              from ${userRoles} ur join ${users} au on au.id = ur.user_id
             where ur.municipality_id = mu.id and ur.role = 'advisor') as advisors
      from ${municipalities} mu
      join ${provinces} pv on pv.id = mu.province_id
      left join ${advisoryBudgets} b on b.municipality_id = mu.id
      left join (select municipality_id, sum(duration_minutes) as minutes from ${contactMoments}
                  where advisory and deleted_at is null group by municipality_id) u on u.municipality_id = mu.id
      left join lateral (select phase, from_date, account_manager_id from ${municipalityPhases}
                          where municipality_id = mu.id and deleted_at is null and from_date <= ${today}::date
                          order by from_date desc, id desc limit 1) ph on true
      left join ${users} am on am.id = ph.account_manager_id
     where mu.deleted_at is null and ${scope}`);
  let out: OverviewRow[] = rows.map((r) => ({
    municipalityId: r.id,
    cbsCode: r.cbs_code,
    name: r.name,
    provinceName: r.province_name,
    advisors: r.advisors ?? [],
    phase: (r.phase as Phase | null) ?? 'guidance',
    phaseFrom: r.phase_from,
    accountManagerName: r.account_manager_name,
    hours: hoursOf(r.budget, r.used_minutes),
  }));
  if (f.q) {
    const q = f.q.toLowerCase();
    out = out.filter((r) => r.name.toLowerCase().includes(q) || r.cbsCode.toLowerCase().includes(q));
  }
  if (f.phase) out = out.filter((r) => r.phase === f.phase);
  if (f.status) out = out.filter((r) => r.hours.status === f.status);
  if (f.advisorId) out = out.filter((r) => r.advisors.some((a) => a.id === f.advisorId));
  const key: Record<OverviewSort, (r: OverviewRow) => string | number> = {
    name: (r) => r.name,
    phase: (r) => `${r.phase}|${r.phaseFrom ?? ''}`,
    budget: (r) => r.hours.budgetHours,
    used: (r) => r.hours.usedMinutes,
    left: (r) => r.hours.leftHours,
  };
  const k = key[f.sort];
  const sign = f.dir === 'desc' ? -1 : 1;
  out.sort((a, b) => {
    const x = k(a);
    const y = k(b);
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), 'nl');
    return c !== 0 ? c * sign : a.name.localeCompare(b.name, 'nl');
  });
  return out;
}

export interface AdvisorHoursRow {
  userId: number;
  name: string;
  email: string;
  municipalities: number;
  moments: number;
  minutes: number;
  minutesThisYear: number;
}

/** Advisory hours per advisor (everyone with an advisor role, and whoever logged advisory hours). */
export async function hoursPerAdvisor(db: Db, today: string): Promise<AdvisorHoursRow[]> {
  const yearStart = `${today.slice(0, 4)}-01-01`;
  const { rows } = await db.execute<{ id: number; name: string; email: string; municipalities: number; moments: number; minutes: number; minutes_this_year: number }>(sql`
    select u.id, u.name, u.email,
           (select count(*) from ${userRoles} ur where ur.user_id = u.id and ur.role = 'advisor')::int as municipalities,
           count(cm.id)::int as moments,
           coalesce(sum(cm.duration_minutes), 0)::int as minutes,
           coalesce(sum(cm.duration_minutes) filter (where cm.occurred_on >= ${yearStart}::date), 0)::int as minutes_this_year
      from ${users} u
      left join ${contactMoments} cm on cm.advisor_id = u.id and cm.advisory and cm.deleted_at is null
     where exists (select 1 from ${userRoles} ur where ur.user_id = u.id and ur.role = 'advisor') or cm.id is not null
     group by u.id
     order by u.name`);
  return rows.map((r) => ({ userId: r.id, name: r.name, email: r.email, municipalities: r.municipalities, moments: r.moments, minutes: r.minutes, minutesThisYear: r.minutes_this_year }));
}

export const OVERVIEW_EXPORT_COLUMNS: TableColumn<OverviewRow>[] = [
  { header: 'cbs_code', value: (r) => r.cbsCode },
  { header: 'municipality', value: (r) => r.name },
  { header: 'province', value: (r) => r.provinceName },
  { header: 'advisors', value: (r) => r.advisors.map((a) => a.name).join(', ') },
  { header: 'phase', value: (r) => r.phase },
  { header: 'phase_label', value: (r) => PHASE_LABELS[r.phase] },
  { header: 'phase_from', value: (r) => r.phaseFrom },
  { header: 'account_manager', value: (r) => r.accountManagerName },
  { header: 'budget_hours', value: (r) => r.hours.budgetHours },
  { header: 'budget_is_default', value: (r) => (r.hours.defaultBudget ? 'ja' : 'nee') },
  { header: 'used_hours', value: (r) => r.hours.usedHours },
  { header: 'left_hours', value: (r) => r.hours.leftHours },
  { header: 'status', value: (r) => BUDGET_STATUS_LABELS[r.hours.status] },
];

export const ADVISOR_EXPORT_COLUMNS: TableColumn<AdvisorHoursRow>[] = [
  { header: 'advisor', value: (r) => r.name },
  { header: 'email', value: (r) => r.email },
  { header: 'municipalities', value: (r) => r.municipalities },
  { header: 'advisory_moments', value: (r) => r.moments },
  { header: 'hours_total', value: (r) => roundHours(r.minutes / 60) },
  { header: 'hours_this_year', value: (r) => roundHours(r.minutesThisYear / 60) },
];

// ---------------------------------------------------------------------------------------------
// Changes (programme team)

export type Result = { ok: true } | { ok: false; errors: FieldErrors };

const HOURS_MESSAGE = 'Vul een aantal uren in van 0 of meer, zoals 64 of 70,5.';

/** "70,5", "70.5", " 64 " -> number; '' and other text fail with a Dutch message. */
export const budgetSchema = z.object({
  budgetHours: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim().replace(/\s*uur$/i, '').replace(',', '.') : v),
    z
      .string({ message: HOURS_MESSAGE })
      .min(1, 'Vul het aantal adviesuren in.')
      .regex(/^-?\d+(\.\d{1,2})?$/, 'Vul een getal in met hoogstens twee cijfers achter de komma, zoals 64 of 70,5.')
      .transform(Number)
      .pipe(z.number().min(0, 'Het budget kan niet negatief zijn. Vul 0 of meer uren in.').max(10_000, 'Vul hoogstens 10.000 uur in.')),
  ),
});

/** Sets the advisory-hours budget of a municipality (an upsert), audit-logged with the old value. */
export async function setBudget(db: Db, actx: AuditContext, municipalityId: number, values: Record<string, unknown>): Promise<Result> {
  const r = budgetSchema.safeParse(values);
  if (!r.success) return { ok: false, errors: { budgetHours: r.error.issues[0]!.message } };
  const hours = r.data.budgetHours;
  const by = actx.principal?.kind === 'user' ? actx.principal.id : null;
  await db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    const [old] = await t.select().from(advisoryBudgets).where(eq(advisoryBudgets.municipalityId, municipalityId)).for('update');
    await t
      .insert(advisoryBudgets)
      .values({ municipalityId, hours: String(hours), updatedBy: by })
      .onConflictDoUpdate({ target: advisoryBudgets.municipalityId, set: { hours: String(hours), updatedBy: by, updatedAt: new Date() } });
    await audit(t, actx, {
      action: old ? 'update' : 'create',
      entity: 'advisory_budget',
      entityId: municipalityId,
      details: { hours, previous: old ? Number(old.hours) : DEFAULT_ADVISORY_HOURS, previousWasDefault: !old },
    });
  });
  return { ok: true };
}

/** Active users who may be account manager: advisors and the programme team. */
export async function accountManagerOptions(db: Db) {
  return db
    .selectDistinct({ id: users.id, name: users.name, email: users.email })
    .from(users)
    .innerJoin(userRoles, eq(userRoles.userId, users.id))
    .where(and(eq(users.active, true), inArray(userRoles.role, ['advisor', 'programme_admin'])))
    .orderBy(asc(users.name), asc(users.id));
}

/** Active users with an advisor role somewhere (the people who can be assigned). */
export async function advisorUsers(db: Db) {
  return db
    .selectDistinct({ id: users.id, name: users.name, email: users.email })
    .from(users)
    .innerJoin(userRoles, eq(userRoles.userId, users.id))
    .where(and(eq(users.active, true), eq(userRoles.role, 'advisor')))
    .orderBy(asc(users.name), asc(users.id));
}

const DATE_MESSAGE = 'Vul een geldige datum in, zoals 2025-01-31 of 31-01-2025.';

const phaseSchema = z.object({
  phase: z.enum(PHASES, { message: 'Kies de fase.' }),
  phaseFrom: z.preprocess(normaliseDate, z.string({ message: 'Vul de datum in vanaf wanneer de fase geldt.' }).refine(isIsoDate, DATE_MESSAGE)),
  accountManagerId: z.preprocess((v) => (v === '' || v == null ? undefined : v), z.coerce.number({ message: 'Kies een accounthouder uit de lijst.' }).int().positive().max(2_147_483_647).optional()),
  phaseNote: optionalText(1000),
});

/**
 * Records a phase from a date on: to the network phase (with an account manager), a new account
 * manager in the network phase, or back to the guidance phase. History is kept: each change is a
 * new dated row. The date may not lie in the future nor before the current phase began.
 */
export async function changePhase(db: Db, actx: AuditContext, municipalityId: number, values: Record<string, unknown>, today: string): Promise<Result> {
  const r = phaseSchema.safeParse(values);
  const errors: FieldErrors = {};
  if (!r.success) {
    for (const i of r.error.issues) errors[String(i.path[0])] ??= i.message;
    return { ok: false, errors };
  }
  const { phase, phaseFrom, accountManagerId, phaseNote } = r.data;
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    // One phase change of a municipality at a time.
    await t.execute(sql`select id from ${municipalities} where id = ${municipalityId} for update`);
    const history = await phaseHistory(t, municipalityId);
    const last = history[history.length - 1];
    const current = currentPhase(history, today);
    if (phaseFrom > today) errors.phaseFrom = 'De datum kan niet in de toekomst liggen. Leg de overgang vast op of na de dag dat die ingaat.';
    else if (last && phaseFrom < last.fromDate) errors.phaseFrom = `Kies een datum op of na ${last.fromDate}: de huidige fase geldt vanaf die dag.`;
    if (phase === 'guidance') {
      if (current.phase === 'guidance') errors.phase = 'De gemeente is al in de begeleidingsfase.';
      if (accountManagerId) errors.accountManagerId = 'In de begeleidingsfase is er geen accounthouder. Laat dit veld leeg.';
    } else if (!accountManagerId) {
      errors.accountManagerId = 'Kies de accounthouder voor de netwerkfase.';
    } else {
      const ok = (await accountManagerOptions(t)).some((u) => u.id === accountManagerId);
      if (!ok) errors.accountManagerId = 'Kies een accounthouder uit de lijst: een actieve adviseur of iemand van het programmateam.';
      else if (current.phase === 'network' && current.accountManagerId === accountManagerId) {
        errors.accountManagerId = 'De gemeente is al in de netwerkfase met deze accounthouder. Kies een andere accounthouder om die te wijzigen.';
      }
    }
    if (Object.keys(errors).length) return { ok: false as const, errors };
    const [row] = await t
      .insert(municipalityPhases)
      .values({
        municipalityId,
        phase,
        fromDate: phaseFrom,
        accountManagerId: phase === 'network' ? accountManagerId! : null,
        note: phaseNote ?? null,
        createdBy: actx.principal?.kind === 'user' ? actx.principal.id : null,
      })
      .returning();
    await audit(t, actx, {
      action: 'transition',
      entity: 'municipality_phase',
      entityId: row.id,
      details: { municipalityId, from: current.phase, to: phase, fromDate: phaseFrom, accountManagerId: row.accountManagerId },
    });
    return { ok: true as const };
  });
}

/** A correction: soft-deletes a phase row recorded by mistake (left out of every figure), audit-logged. */
export async function deletePhase(db: Db, actx: AuditContext, municipalityId: number, phaseId: number): Promise<boolean> {
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    const [row] = await t
      .update(municipalityPhases)
      .set({ deletedAt: new Date() })
      .where(and(eq(municipalityPhases.id, phaseId), eq(municipalityPhases.municipalityId, municipalityId), isNull(municipalityPhases.deletedAt)))
      .returning();
    if (!row) return false;
    await audit(t, actx, { action: 'delete', entity: 'municipality_phase', entityId: row.id, details: { municipalityId, phase: row.phase, fromDate: row.fromDate, correction: true } });
    return true;
  });
}

/** Assigns an advisor to a municipality: a user_roles row (through the user service, which audit-logs it). */
export async function assignAdvisor(db: Db, actx: AuditContext, municipalityId: number, values: Record<string, unknown>): Promise<Result> {
  const id = Number(values.advisorUserId);
  if (!values.advisorUserId || !Number.isInteger(id) || id <= 0 || id > 2_147_483_647) return { ok: false, errors: { advisorUserId: 'Kies een adviseur uit de lijst.' } };
  const [u] = await db.select({ id: users.id, active: users.active }).from(users).where(eq(users.id, id));
  if (!u || !u.active) return { ok: false, errors: { advisorUserId: 'Kies een actieve adviseur uit de lijst.' } };
  const r = await addGrant(db, actx, id, { role: 'advisor', municipalityId: String(municipalityId) });
  if (!r.ok) return { ok: false, errors: { advisorUserId: r.errors.role ?? r.errors.municipalityId ?? Object.values(r.errors)[0] ?? 'Deze adviseur kan niet worden toegewezen.' } };
  return { ok: true };
}

/** Ends an advisor's assignment (removes the advisor grant of this municipality). False when there is no such grant. */
export async function unassignAdvisor(db: Db, actx: AuditContext, municipalityId: number, grantId: number): Promise<boolean> {
  const [g] = await db
    .select()
    .from(userRoles)
    .where(and(eq(userRoles.id, grantId), eq(userRoles.role, 'advisor'), eq(userRoles.municipalityId, municipalityId)));
  if (!g) return false;
  const r = await removeGrant(db, actx, g.userId, g.id);
  return r.ok;
}

/** The phase of a municipality on a day (for other parts, e.g. the programme figures). */
export async function phaseOn(db: Db, municipalityId: number, day: string): Promise<Phase> {
  const [r] = await db
    .select({ phase: municipalityPhases.phase })
    .from(municipalityPhases)
    .where(and(eq(municipalityPhases.municipalityId, municipalityId), isNull(municipalityPhases.deletedAt), sql`${municipalityPhases.fromDate} <= ${day}::date`))
    .orderBy(desc(municipalityPhases.fromDate), desc(municipalityPhases.id))
    .limit(1);
  return (r?.phase as Phase | undefined) ?? 'guidance';
}
