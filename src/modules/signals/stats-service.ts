import { asc, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../platform/db/index.js';
import { can, roleScope, type Principal } from '../../platform/access.js';
import { amsterdamDate } from '../../platform/time.js';
import { municipalities, neighbourhoods, organisations } from '../registry/schema.js';
import { signalPoints, signals } from './schema.js';
import { ERASED_OUTCOME, MIN_COUNT, OPEN_STATUSES, OUTCOME_LABELS, OUTCOMES, SIGNAL_KIND_LABELS, SIGNAL_KINDS, SIGNALLER_TYPE_LABELS, SIGNALLER_TYPES, type SignallerType } from './model.js';

/**
 * Statistics of the signal point, never showing persons: counts per month, signaller type,
 * area, outcome, kind and channel; time to first contact (median and 90th percentile); the share
 * with a late first contact; how many are open. Computed in SQL over the anonymous columns, so
 * signals whose personal data was removed (retention, erasure) still count.
 *
 * Small counts (DESIGN §7): every count of 1 to MIN_COUNT − 1 is shown as "<5" (a true 0 as 0),
 * a percentage based on such a count is withheld, and a median or percentile over fewer than
 * MIN_COUNT signals is withheld. When exactly one count of a table is small, the table's total
 * would reveal it by subtraction, so the next smallest count is withheld too ("niet getoond").
 * These rules apply to every viewer, the programme team included. The routes show figures for
 * one calendar quarter at a time only (see "Period" below), so that no two windows overlap.
 */

// ---------------------------------------------------------------------------------------
// Scope: what a viewer may see

export type StatsScope =
  | { kind: 'all'; value: 'alle'; label: string }
  | { kind: 'municipality'; value: string; label: string; municipalityId: number }
  | { kind: 'organisation'; value: string; label: string; organisationId: number };

/**
 * The scopes a principal may choose from, the default first: the programme team all
 * municipalities and each municipality with signals or a signal point; coordinators and advisors
 * their own municipalities; signal coordinators their organisations.
 */
export async function scopeOptions(db: Db, p: Principal): Promise<StatsScope[]> {
  const out: StatsScope[] = [];
  const admin = p.roles.some((g) => g.role === 'programme_admin');
  let muniIds: number[] | 'active';
  if (admin) {
    out.push({ kind: 'all', value: 'alle', label: 'Alle gemeenten' });
    muniIds = 'active';
  } else {
    const ids = new Set([...roleScope(p, 'municipality_coordinator').municipalityIds, ...roleScope(p, 'advisor').municipalityIds]);
    muniIds = [...ids].filter((id) => can(p, 'signal:stats', { municipalityId: id }));
  }
  if (muniIds === 'active' || muniIds.length) {
    const rows = await db
      .select({ id: municipalities.id, cbsCode: municipalities.cbsCode, name: municipalities.name })
      .from(municipalities)
      .where(
        muniIds === 'active'
          ? or(
              sql`exists (select 1 from ${signalPoints} where ${signalPoints.municipalityId} = ${municipalities.id})`,
              sql`exists (select 1 from ${signals} where ${signals.municipalityId} = ${municipalities.id})`,
            )
          : inArray(municipalities.id, muniIds),
      )
      .orderBy(asc(municipalities.name));
    for (const m of rows) out.push({ kind: 'municipality', value: m.cbsCode, label: `Gemeente ${m.name}`, municipalityId: m.id });
  }
  if (!admin) {
    const orgIds = roleScope(p, 'signal_coordinator').organisationIds.filter((id) => can(p, 'signal:stats', { organisationId: id }));
    if (orgIds.length) {
      const rows = await db.select({ id: organisations.id, name: organisations.name }).from(organisations).where(inArray(organisations.id, orgIds)).orderBy(asc(organisations.name));
      for (const o of rows) out.push({ kind: 'organisation', value: `org-${o.id}`, label: o.name, organisationId: o.id });
    }
  }
  return out;
}

/**
 * The scope asked for (`bereik`), or the default; null when it is not the viewer's to see
 * (the route answers 404: an out-of-scope municipality looks the same as an unknown one).
 */
export async function resolveScope(db: Db, p: Principal, value: string | undefined): Promise<StatsScope | null> {
  const admin = p.roles.some((g) => g.role === 'programme_admin');
  if (!value) return (await scopeOptions(db, p))[0] ?? null;
  if (value === 'alle') return admin ? { kind: 'all', value: 'alle', label: 'Alle gemeenten' } : null;
  if (/^GM\d{4}$/.test(value)) {
    const [m] = await db.select({ id: municipalities.id, name: municipalities.name }).from(municipalities).where(eq(municipalities.cbsCode, value));
    if (!m || !can(p, 'signal:stats', { municipalityId: m.id })) return null;
    return { kind: 'municipality', value, label: `Gemeente ${m.name}`, municipalityId: m.id };
  }
  const org = /^org-(\d{1,9})$/.exec(value);
  if (org) {
    const id = Number(org[1]);
    if (!can(p, 'signal:stats', { organisationId: id })) return null;
    const [o] = await db.select({ id: organisations.id, name: organisations.name }).from(organisations).where(eq(organisations.id, id));
    return o ? { kind: 'organisation', value, label: o.name, organisationId: o.id } : null;
  }
  return null;
}

// ---------------------------------------------------------------------------------------
// Period: one calendar quarter, Amsterdam time
//
// The figures are only ever shown for a whole calendar quarter: fixed windows that never
// overlap. With free month ranges (or windows that contain each other, such as a year and its
// quarters) subtracting two figures gives the count of the difference exactly — January 2021 to
// March 2026 minus February 2021 to March 2026 is January 2021, unsuppressed — and a year minus
// three of its quarters is the fourth. With quarters every signal lies in exactly one window, so
// no figure is the difference of two others. Within the quarter the months are a table like any
// other (per-cell suppression, and the secondary suppression against its total).

export interface Period {
  /** YYYY-MM, inclusive */
  from: string;
  /** YYYY-MM, inclusive */
  to: string;
}

export type Quarter = 1 | 2 | 3 | 4;

/** A statistics window: one calendar quarter. */
export interface StatsWindow {
  year: number;
  quarter: Quarter;
}

const MONTH_NAMES = ['januari', 'februari', 'maart', 'april', 'mei', 'juni', 'juli', 'augustus', 'september', 'oktober', 'november', 'december'];
/** "2026-03" → "maart 2026" */
export const monthLabel = (m: string) => `${MONTH_NAMES[Number(m.slice(5, 7)) - 1]} ${m.slice(0, 4)}`;
export function addMonths(m: string, n: number): string {
  const total = Number(m.slice(0, 4)) * 12 + Number(m.slice(5, 7)) - 1 + n;
  return `${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, '0')}`;
}
export const currentMonth = (now: Date) => amsterdamDate(now).slice(0, 7);
/** How many years back the year list of the form goes. */
export const PERIOD_YEARS_BACK = 5;

export const QUARTERS: readonly Quarter[] = [1, 2, 3, 4];
/** 1 → "1e kwartaal (januari tot en met maart)" */
export const quarterOptionLabel = (q: Quarter) => `${q}e kwartaal (${MONTH_NAMES[(q - 1) * 3]} tot en met ${MONTH_NAMES[(q - 1) * 3 + 2]})`;

export function currentWindow(now: Date): StatsWindow {
  const m = currentMonth(now);
  return { year: Number(m.slice(0, 4)), quarter: (Math.floor((Number(m.slice(5, 7)) - 1) / 3) + 1) as Quarter };
}

/** The months of a window. */
export function windowPeriod(w: StatsWindow): Period {
  const from = `${w.year}-${String((w.quarter - 1) * 3 + 1).padStart(2, '0')}`;
  return { from, to: addMonths(from, 2) };
}

/** The years of the form, newest first. */
export function yearOptions(now: Date): number[] {
  const cur = currentWindow(now).year;
  return Array.from({ length: PERIOD_YEARS_BACK + 1 }, (_, i) => cur - i);
}

export type WindowParse = { ok: true; window: StatsWindow; period: Period } | { ok: false; errors: Record<string, string> };

/**
 * Validates `jaar` and `kwartaal` (from the lists of the form); Dutch messages per field. Without
 * them: the current quarter (a year without a quarter: its last quarter that has begun). A month
 * range (`van`/`tot`, the old form) is refused: the figures exist per quarter only.
 */
export function parseWindow(q: { jaar?: unknown; kwartaal?: unknown; van?: unknown; tot?: unknown }, now: Date): WindowParse {
  const cur = currentWindow(now);
  const given = (v: unknown) => typeof v === 'string' && v !== '';
  const errors: Record<string, string> = {};
  if (given(q.van) || given(q.tot)) {
    errors.kwartaal = 'Cijfers zijn er per kwartaal: kies een jaar en een kwartaal. Een eigen reeks maanden kan niet, omdat kleine aantallen anders uit het verschil tussen twee perioden te herleiden zijn.';
    return { ok: false, errors };
  }
  const years = yearOptions(now);
  const year = given(q.jaar) ? Number(q.jaar) : cur.year;
  if (!/^\d{4}$/.test(String(year)) || !years.includes(year)) errors.jaar = `Kies een jaar uit de lijst (${years[years.length - 1]} tot en met ${cur.year}).`;
  let quarter: number = given(q.kwartaal) ? Number(q.kwartaal) : year === cur.year ? cur.quarter : 4;
  if (!QUARTERS.includes(quarter as Quarter)) {
    errors.kwartaal = 'Kies een kwartaal uit de lijst.';
    quarter = 1;
  } else if (!errors.jaar && year === cur.year && quarter > cur.quarter) {
    errors.kwartaal = 'Dit kwartaal is nog niet begonnen. Kies een eerder kwartaal.';
  }
  if (Object.keys(errors).length) return { ok: false, errors };
  const window: StatsWindow = { year, quarter: quarter as Quarter };
  return { ok: true, window, period: windowPeriod(window) };
}

/** "1e kwartaal 2026 (januari tot en met maart)" for a quarter; a month range otherwise. */
export function periodLabel(p: Period): string {
  const month = Number(p.from.slice(5, 7));
  if ((month - 1) % 3 === 0 && p.to === addMonths(p.from, 2)) {
    return `${(month - 1) / 3 + 1}e kwartaal ${p.from.slice(0, 4)} (${MONTH_NAMES[month - 1]} tot en met ${MONTH_NAMES[month + 1]})`;
  }
  return p.from === p.to ? monthLabel(p.from) : `${monthLabel(p.from)} tot en met ${monthLabel(p.to)}`;
}

// ---------------------------------------------------------------------------------------
// Suppression

export const SMALL = `<${MIN_COUNT}`;
export const WITHHELD = 'niet getoond';
export const TOO_FEW = 'te weinig signalen';

/** A count as it may be shown: `value` null when withheld. */
export interface Count {
  value: number | null;
  display: string;
}

export function showCount(n: number): Count {
  return n >= 1 && n < MIN_COUNT ? { value: null, display: SMALL } : { value: n, display: n.toLocaleString('nl-NL') };
}

export interface BreakdownRow extends Count {
  code: string;
  label: string;
  /** Share of the table's total in %, one decimal; null when withheld. */
  percent: number | null;
}

export interface Breakdown {
  rows: BreakdownRow[];
  total: Count;
}

/**
 * Applies the small-count rules to one table: counts 1–4 become "<5"; when exactly one count is
 * small (and the total is shown), the smallest count of 5 or more is withheld too, so the small
 * one cannot be worked out from the total. Percentages only where count and total are shown.
 */
export function breakdown(raw: { code: string; label: string; count: number }[]): Breakdown {
  const totalN = raw.reduce((a, r) => a + r.count, 0);
  const total = showCount(totalN);
  const small = raw.filter((r) => r.count >= 1 && r.count < MIN_COUNT);
  let hidden: string | null = null;
  if (small.length === 1 && total.value != null) {
    const next = raw.filter((r) => r.count >= MIN_COUNT).sort((a, b) => a.count - b.count)[0];
    hidden = next?.code ?? null;
  }
  const rows = raw.map((r) => {
    const c: Count = r.code === hidden ? { value: null, display: WITHHELD } : showCount(r.count);
    const percent = c.value != null && total.value ? Math.round((c.value / total.value) * 1000) / 10 : null;
    return { code: r.code, label: r.label, ...c, percent };
  });
  return { rows, total };
}

// ---------------------------------------------------------------------------------------
// The figures

export interface DurationFigure {
  /** Signals measured (with a first contact). */
  n: Count;
  /** In hours; null when withheld (fewer than MIN_COUNT signals) or none. */
  medianHours: number | null;
  p90Hours: number | null;
}

export interface SignalStats {
  scope: StatsScope;
  period: Period;
  received: Count;
  perMonth: Breakdown;
  bySignallerType: Breakdown;
  /** Per municipality for 'all', per neighbourhood otherwise. */
  byArea: Breakdown;
  areaKind: 'municipality' | 'neighbourhood';
  /** Closed signals by outcome, and duplicates (not the ones closed by an erasure on request). */
  byOutcome: Breakdown;
  byKind: Breakdown;
  byChannel: Breakdown;
  firstContact: DurationFigure;
  /** Signals with a deadline (not duplicates), and of them those with a late or missing first contact. */
  withDeadline: Count;
  overdue: Count;
  overduePercent: number | null;
  /** Received in the period and still open. */
  openInPeriod: Count;
  /** Open now, whenever received. */
  openNow: Count;
}

export const CHANNEL_LABELS: Record<string, string> = { form: 'Formulier op de website', api: 'Partner-app (API)' };

const inList = (values: readonly string[]) =>
  sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  );

function scopeSql(scope: StatsScope): SQL {
  if (scope.kind === 'municipality') return sql`s.municipality_id = ${scope.municipalityId}`;
  if (scope.kind === 'organisation') return sql`s.organisation_id = ${scope.organisationId}`;
  return sql`true`;
}

function periodSql(p: Period): SQL {
  return sql`s.received_at >= (${`${p.from}-01`}::date)::timestamp at time zone 'Europe/Amsterdam'
    and s.received_at < (${`${p.to}-01`}::date + interval '1 month')::timestamp at time zone 'Europe/Amsterdam'`;
}

type Dim = 'month' | 'type' | 'area' | 'outcome' | 'kind' | 'channel' | 'total';
type GroupRow = {
  dim: Dim;
  code: string | null;
  n: number;
  with_due: number;
  overdue: number;
  open: number;
};

export async function computeStats(db: Db, scope: StatsScope, period: Period, now: Date): Promise<SignalStats> {
  const where = sql`${scopeSql(scope)} and ${periodSql(period)}`;
  const open = inList(OPEN_STATUSES);
  const nowIso = now.toISOString();
  const areaKind = scope.kind === 'all' ? 'municipality' : 'neighbourhood';
  // One scan for every count: a grouping set per table plus () for the totals.
  const grouped = db.execute<GroupRow>(sql`
    select case when grouping(x.month) = 0 then 'month' when grouping(x.type) = 0 then 'type' when grouping(x.area) = 0 then 'area'
                when grouping(x.outcome) = 0 then 'outcome' when grouping(x.kind) = 0 then 'kind' when grouping(x.channel) = 0 then 'channel' else 'total' end as dim,
      coalesce(x.month, x.type, x.area::text, x.outcome, x.kind, x.channel) as code,
      count(*)::int as n,
      count(*) filter (where x.with_due)::int as with_due,
      count(*) filter (where x.overdue)::int as overdue,
      count(*) filter (where x.open)::int as open
    from (
      select to_char(s.received_at at time zone 'Europe/Amsterdam', 'YYYY-MM') as month,
        s.signaller_type as type,
        ${areaKind === 'municipality' ? sql`s.municipality_id` : sql`s.neighbourhood_id`} as area,
        case when s.status = 'duplicate' then '#duplicate' when s.status = 'closed' and s.outcome is distinct from ${ERASED_OUTCOME} then coalesce(s.outcome, 'other') end as outcome,
        s.kind, s.channel,
        (s.due_at is not null and s.status <> 'duplicate') as with_due,
        (s.due_at is not null and s.status <> 'duplicate'
          and (s.first_contact_at > s.due_at or (s.first_contact_at is null and s.due_at < coalesce(s.closed_at, ${nowIso}::timestamptz)))) as overdue,
        s.status in (${open}) as open
      from signals s where ${where}
    ) x
    group by grouping sets ((x.month), (x.type), (x.area), (x.outcome), (x.kind), (x.channel), ())`);
  const contactQuery = db.execute<{ n: number; median: number | null; p90: number | null }>(sql`
    select count(*)::int as n,
      percentile_cont(0.5) within group (order by extract(epoch from (s.first_contact_at - s.received_at)) / 3600) as median,
      percentile_cont(0.9) within group (order by extract(epoch from (s.first_contact_at - s.received_at)) / 3600) as p90
    from signals s where ${where} and s.first_contact_at is not null`);
  const openNowQuery = db.execute<{ n: number }>(sql`select count(*)::int as n from signals s where ${scopeSql(scope)} and s.status in (${open})`);
  const [groups, contact, openNow] = await Promise.all([grouped, contactQuery, openNowQuery]);
  const by = (dim: Dim) => new Map(groups.rows.filter((r) => r.dim === dim).map((r) => [r.code, r.n]));
  const months = by('month');
  const types = by('type');
  const areas = by('area');
  const outcomes = by('outcome');
  const kinds = by('kind');
  const channels = by('channel');
  const t = groups.rows.find((r) => r.dim === 'total') ?? { n: 0, with_due: 0, overdue: 0, open: 0 };

  // Months: every month of the period, a true 0 included.
  const monthRows: { code: string; label: string; count: number }[] = [];
  for (let m = period.from; m <= period.to; m = addMonths(m, 1)) monthRows.push({ code: m, label: monthLabel(m), count: months.get(m) ?? 0 });

  const typeCodes: SignallerType[] = [...SIGNALLER_TYPES, 'self'];
  const typeRows: { code: string; label: string; count: number }[] = typeCodes.map((c) => ({ code: c, label: SIGNALLER_TYPE_LABELS[c], count: types.get(c) ?? 0 }));
  for (const [c, n] of types) if (c && !typeCodes.includes(c as SignallerType)) typeRows.push({ code: c, label: c, count: n });

  const areaIds = [...areas.keys()].filter((k): k is string => k != null).map(Number);
  let areaNames = new Map<number, string>();
  if (areaIds.length) {
    if (areaKind === 'municipality') {
      const rows = await db.select({ id: municipalities.id, name: municipalities.name }).from(municipalities).where(inArray(municipalities.id, areaIds));
      areaNames = new Map(rows.map((r) => [r.id, r.name]));
    } else {
      const rows = await db
        .select({ id: neighbourhoods.id, name: neighbourhoods.name, code: neighbourhoods.code, municipality: municipalities.name })
        .from(neighbourhoods)
        .leftJoin(municipalities, eq(municipalities.id, neighbourhoods.municipalityId))
        .where(inArray(neighbourhoods.id, areaIds));
      // An organisation can serve several municipalities: name the municipality too.
      areaNames = new Map(rows.map((r) => [r.id, scope.kind === 'organisation' && r.municipality ? `${r.name} (${r.municipality})` : r.name]));
    }
  }
  const areaRows = areaIds
    .map((id) => ({ code: String(id), label: areaNames.get(id) ?? `#${id}`, count: areas.get(String(id)) ?? 0 }))
    .sort((a, b) => a.label.localeCompare(b.label, 'nl'));
  if (areas.get(null)) areaRows.push({ code: 'unknown', label: areaKind === 'municipality' ? 'Gemeente onbekend (niet gerouteerd)' : 'Buurt onbekend', count: areas.get(null)! });

  // Signals closed by an erasure on request (ERASED_OUTCOME) are left out: that is no outcome of
  // the follow-up. They still count everywhere else (received, per month, type, area, …).
  const outcomeRows: { code: string; label: string; count: number }[] = OUTCOMES.map((o) => ({ code: o, label: OUTCOME_LABELS[o], count: outcomes.get(o) ?? 0 }));
  outcomeRows.push({ code: 'duplicate', label: 'Dubbel: samengevoegd met een eerder signaal', count: outcomes.get('#duplicate') ?? 0 });

  const c = contact.rows[0]!;
  const measured = showCount(c.n);
  const enough = c.n >= MIN_COUNT;
  const withDeadline = showCount(t.with_due);
  const overdue = showCount(t.overdue);
  return {
    scope,
    period,
    received: showCount(t.n),
    perMonth: breakdown(monthRows),
    bySignallerType: breakdown(typeRows),
    byArea: breakdown(areaRows),
    areaKind,
    byOutcome: breakdown(outcomeRows),
    byKind: breakdown(SIGNAL_KINDS.map((k) => ({ code: k, label: SIGNAL_KIND_LABELS[k], count: kinds.get(k) ?? 0 }))),
    byChannel: breakdown(['form', 'api'].map((k) => ({ code: k, label: CHANNEL_LABELS[k]!, count: channels.get(k) ?? 0 }))),
    firstContact: {
      n: measured,
      medianHours: enough && c.median != null ? Number(c.median) : null,
      p90Hours: enough && c.p90 != null ? Number(c.p90) : null,
    },
    withDeadline,
    overdue,
    overduePercent: overdue.value != null && withDeadline.value ? Math.round((overdue.value / withDeadline.value) * 1000) / 10 : null,
    openInPeriod: showCount(t.open),
    openNow: showCount(openNow.rows[0]!.n),
  };
}

/** 27.5 hours → "1 dag en 4 uur"; under an hour → "minder dan 1 uur". Rounded to whole hours. */
export function formatDuration(hours: number | null): string {
  if (hours == null) return TOO_FEW;
  const h = Math.round(hours);
  if (h < 1) return 'minder dan 1 uur';
  const days = Math.floor(h / 24);
  const rest = h % 24;
  const d = days ? `${days} ${days === 1 ? 'dag' : 'dagen'}` : '';
  const u = rest ? `${rest} uur` : '';
  return [d, u].filter(Boolean).join(' en ');
}

/** 12.5 → "12,5%"; null → the reason it is not shown. */
export const formatPercentNl = (p: number | null, why = WITHHELD) => (p == null ? why : `${p.toFixed(1).replace('.', ',')}%`);
