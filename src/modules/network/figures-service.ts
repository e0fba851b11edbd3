import { sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/index.js';
import { isIsoDate, normaliseDate } from '../../platform/http/forms.js';
import { amsterdamDate } from '../../platform/time.js';
import type { FieldErrors } from '../../platform/views/components.js';
import {
  COALITION_STAGE_LABELS,
  COALITION_STAGES,
  COLLABORATION_STATUS_LABELS,
  COLLABORATION_STATUSES,
  NATIONAL_SECTOR_LABELS,
  NATIONAL_SECTORS,
  hoursFromMinutes,
  type CoalitionStage,
  type CollaborationStatus,
  type NationalSector,
} from './model.js';

/**
 * Programme figures AS OF a date (issue 5 point 8): what the dated rows of the network say was
 * true on that day, not what is true today. One SQL statement per date (scalar subqueries, no
 * per-row loops in JavaScript), so "5 years of history" stays well under the 200 ms target.
 *
 * Definitions (also shown on the page, see FIGURE_NOTES):
 * - participating municipalities: participations with signed_on ≤ date, and when the status is
 *   'stopped', stopped_on > date (it took part up to, not including, the stop date; a stopped one
 *   without a stop date is left out at every date, because nobody knows when it stopped);
 * - National Coalition members: declaration_date ≤ date and (left_on null or left_on > date);
 * - coalitions by stage: the latest stage row with from_date ≤ date (ties: the later entry);
 *   a coalition without a stage row on or before the date does not count. The number of local
 *   coalitions counts the stages other than 'none' ("Geen coalitie": recorded, but no coalition
 *   yet); the breakdown by stage shows 'none' too;
 * - coalitions with a kartrekker: a member with role 'kartrekker', start ≤ date and (end null or
 *   end > date);
 * - national members in local coalitions: an active member whose organisation, or a local branch
 *   of it, is an active coalition member at the date; a branch counts while its branch link held
 *   (branch_links: linked_on ≤ date < unlinked_on);
 * - collaborations by status: the latest status row with from_date ≤ date (corrected rows left out);
 * - advisory hours: advisory contact moments with occurred_on ≤ date;
 * - municipalities in the network phase: the latest phase row with from_date ≤ date is 'network';
 * - matches made on the board: board_matches with made_on ≤ date.
 * Soft-deleted rows (corrections) never count, nor rows of soft-deleted coalitions,
 * collaborations or organisations (a deleted organisation was a mistake; a merged one's rows
 * were moved to the organisation it was merged into).
 */

export interface ProgrammeFigures {
  /** The date the figures are as of (YYYY-MM-DD). */
  date: string;
  participatingMunicipalities: number;
  nationalMembers: { total: number; bySector: Record<string, number> };
  /** total: coalitions in a stage other than 'none' (starting, active, very active); byStage includes 'none'. */
  coalitions: { total: number; byStage: Record<string, number>; withKartrekker: number };
  nationalMembersInCoalitions: number;
  collaborations: { total: number; running: number; byStatus: Record<string, number> };
  advisory: { minutes: number; hours: number };
  municipalitiesInNetworkPhase: number;
  boardMatches: number;
}

/** The earliest date figures can be asked for (the programme started in 2018). */
export const FIGURES_MIN_DATE = '2018-01-01';

interface RawFigures {
  participating: number;
  national_by_sector: Record<string, number> | null;
  coalitions_by_stage: Record<string, number> | null;
  with_kartrekker: number;
  national_in_coalitions: number;
  collaborations_by_status: Record<string, number> | null;
  advisory_minutes: number;
  network_phase: number;
  matches: number;
}

/** Zero for every known code, then the counts (unknown codes kept under their own code). */
function fill(codes: readonly string[], counts: Record<string, number> | null): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(codes.map((c) => [c, 0]));
  for (const [k, v] of Object.entries(counts ?? {})) out[k] = Number(v);
  return out;
}
const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

/**
 * The programme figures as of `date` (YYYY-MM-DD; the caller validates it). Stable signature:
 * the performance benchmark calls it directly.
 */
export async function programmeFigures(db: Db, date: string): Promise<ProgrammeFigures> {
  const d = sql`${date}::date`;
  // A coalition membership (alias cm) active at d.
  const memberActive = sql`cm.deleted_at is null and cm.start_date <= ${d} and (cm.end_date is null or cm.end_date > ${d})`;
  const nationalActive = sql`nm.deleted_at is null and nm.declaration_date <= ${d} and (nm.left_on is null or nm.left_on > ${d})`;
  const res = await db.execute<RawFigures & Record<string, unknown>>(sql`
    select
      (select count(*)::int from participations p
        where p.deleted_at is null and p.signed_on <= ${d}
          -- Stopped: it took part up to, not including, stopped_on; without a stop date at no date.
          and (p.status <> 'stopped' or p.stopped_on > ${d})) as participating,
      (select json_object_agg(s.sector, s.n) from (
        select nm.sector, count(*)::int as n
          from national_members nm join organisations o on o.id = nm.organisation_id and o.deleted_at is null
         where ${nationalActive}
         group by nm.sector) s) as national_by_sector,
      (select json_object_agg(s.stage, s.n) from (
        select x.stage, count(*)::int as n from (
          select distinct on (cs.coalition_id) cs.coalition_id, cs.stage
            from coalition_stages cs join coalitions c on c.id = cs.coalition_id and c.deleted_at is null
           where cs.deleted_at is null and cs.from_date <= ${d}
           order by cs.coalition_id, cs.from_date desc, cs.id desc) x
         group by x.stage) s) as coalitions_by_stage,
      (select count(distinct cm.coalition_id)::int
         from coalition_members cm
         join coalitions c on c.id = cm.coalition_id and c.deleted_at is null
         join organisations o on o.id = cm.organisation_id and o.deleted_at is null
        where cm.role = 'kartrekker' and ${memberActive}) as with_kartrekker,
      (select count(*)::int
         from national_members nm join organisations o on o.id = nm.organisation_id and o.deleted_at is null
        where ${nationalActive}
          -- Present itself, or through a local branch (index lookups per member: there are ~200).
          and (exists (
                select 1 from coalition_members cm join coalitions c on c.id = cm.coalition_id and c.deleted_at is null
                 where cm.organisation_id = nm.organisation_id and ${memberActive})
            or exists (
                select 1 from branch_links bl
                  join organisations b on b.id = bl.organisation_id and b.deleted_at is null
                  join coalition_members cm on cm.organisation_id = bl.organisation_id
                  join coalitions c on c.id = cm.coalition_id and c.deleted_at is null
                 where bl.parent_organisation_id = nm.organisation_id and bl.deleted_at is null
                   and bl.linked_on <= ${d} and (bl.unlinked_on is null or bl.unlinked_on > ${d})
                   and ${memberActive}))) as national_in_coalitions,
      (select json_object_agg(s.status, s.n) from (
        select x.status, count(*)::int as n from (
          select distinct on (st.collaboration_id) st.collaboration_id, st.status
            from collaboration_statuses st join collaborations c on c.id = st.collaboration_id and c.deleted_at is null
           where st.deleted_at is null and st.from_date <= ${d}
           order by st.collaboration_id, st.from_date desc, st.id desc) x
         group by x.status) s) as collaborations_by_status,
      (select coalesce(sum(cmo.duration_minutes), 0)::int from contact_moments cmo
        where cmo.deleted_at is null and cmo.advisory and cmo.occurred_on <= ${d}) as advisory_minutes,
      (select count(*)::int from (
        select distinct on (mp.municipality_id) mp.phase
          from municipality_phases mp
         where mp.deleted_at is null and mp.from_date <= ${d}
         order by mp.municipality_id, mp.from_date desc, mp.id desc) x
        where x.phase = 'network') as network_phase,
      (select count(*)::int from board_matches bm where bm.deleted_at is null and bm.made_on <= ${d}) as matches
  `);
  const r = res.rows[0]!;
  const bySector = fill(NATIONAL_SECTORS, r.national_by_sector);
  const byStage = fill(COALITION_STAGES, r.coalitions_by_stage);
  const byStatus = fill(COLLABORATION_STATUSES, r.collaborations_by_status);
  const minutes = Number(r.advisory_minutes);
  return {
    date,
    participatingMunicipalities: Number(r.participating),
    nationalMembers: { total: sum(bySector), bySector },
    coalitions: { total: sum(byStage) - (byStage.none ?? 0), byStage, withKartrekker: Number(r.with_kartrekker) },
    nationalMembersInCoalitions: Number(r.national_in_coalitions),
    collaborations: { total: sum(byStatus), running: sum(byStatus) - (byStatus.ended ?? 0), byStatus },
    advisory: { minutes, hours: hoursFromMinutes(minutes) },
    municipalitiesInNetworkPhase: Number(r.network_phase),
    boardMatches: Number(r.matches),
  };
}

// ---------------------------------------------------------------------------------------
// Dates of the page: ?datum=YYYY-MM-DD&vergelijk=YYYY-MM-DD

export const FIGURE_FIELD_LABELS = { datum: 'Datum', vergelijk: 'Vergelijken met' } as const;

/** The same day a year earlier (29 February → 28 February). */
export function yearBefore(date: string): string {
  const y = Number(date.slice(0, 4)) - 1;
  const md = date.slice(5);
  const candidate = `${y}-${md}`;
  return isIsoDate(candidate) ? candidate : `${y}-02-28`;
}

export type FigureDates = { ok: true; date: string; compare: string | null } | { ok: false; errors: FieldErrors; values: { datum: string; vergelijk: string } };

function checkDate(raw: unknown, today: string, label: 'datum' | 'vergelijk'): { value?: string; error?: string } {
  const v = normaliseDate(raw);
  if (v === undefined) return {};
  const s = String(v);
  const what = label === 'datum' ? 'De datum' : 'De vergelijkingsdatum';
  if (!isIsoDate(s)) return { error: `${what} is geen geldige datum. Vul een datum in zoals 2025-06-30 of 30-06-2025.` };
  if (s > today) return { error: `${what} ligt in de toekomst. Kies vandaag of een eerdere datum; cijfers bestaan alleen voor wat al gebeurd is.` };
  if (s < FIGURES_MIN_DATE) return { error: `${what} ligt vóór 1 januari 2018, toen het programma begon. Kies 1 januari 2018 of later.` };
  return { value: s };
}

/**
 * Reads the dates of the figures page: `datum` (default today) and `vergelijk` (absent: a year
 * before `datum` when that is not before 2018; present but empty: no comparison).
 */
export function parseFigureDates(q: Record<string, unknown>, today: string): FigureDates {
  const rawDate = typeof q.datum === 'string' ? q.datum.slice(0, 40) : undefined;
  const rawCompare = typeof q.vergelijk === 'string' ? q.vergelijk.slice(0, 40) : undefined;
  const errors: FieldErrors = {};
  const a = checkDate(rawDate, today, 'datum');
  if (a.error) errors.datum = a.error;
  const date = a.value ?? today;
  let compare: string | null = null;
  if (rawCompare === undefined) {
    const y = yearBefore(date);
    compare = y >= FIGURES_MIN_DATE ? y : null;
  } else {
    const b = checkDate(rawCompare, today, 'vergelijk');
    if (b.error) errors.vergelijk = b.error;
    compare = b.value ?? null;
  }
  if (Object.keys(errors).length) return { ok: false, errors, values: { datum: rawDate ?? '', vergelijk: rawCompare ?? '' } };
  return { ok: true, date, compare };
}

export const todayIn = (now: Date) => amsterdamDate(now);

// ---------------------------------------------------------------------------------------
// The figures as labelled rows: shared by the page and the export

export interface FigureRow {
  code: string;
  label: string;
  value: number;
  compare: number | null;
}

export interface FigureSection {
  /** Stable code (export, sheet name, anchors). */
  code: string;
  title: string;
  /** Worksheet name of the XLSX export (at most 31 characters). */
  sheet: string;
  /** Heading of the first column. */
  first: string;
  /** Hours with decimals (advisory hours) rather than counts. */
  decimals?: boolean;
  /** Draw a bar chart (breakdowns); key figures are a table only. */
  chart: boolean;
  /** Label of the breakdown's total row (default "Totaal"). */
  totalLabel?: string;
  rows: FigureRow[];
}

const breakdownRows = <C extends string>(codes: readonly C[], labels: Record<C, string>, a: Record<string, number>, b: Record<string, number> | null): FigureRow[] => {
  const extra = Object.keys(a).filter((k) => !(codes as readonly string[]).includes(k));
  return [...codes, ...extra].map((c) => ({ code: c, label: labels[c as C] ?? c, value: a[c] ?? 0, compare: b ? (b[c] ?? 0) : null }));
};

/** The figures of one date (and optionally a comparison date) as sections of labelled rows. */
export function figureSections(a: ProgrammeFigures, b: ProgrammeFigures | null): FigureSection[] {
  const pair = (f: (x: ProgrammeFigures) => number) => ({ value: f(a), compare: b ? f(b) : null });
  return [
    {
      code: 'kerncijfers',
      title: 'Kerncijfers',
      sheet: 'Kerncijfers',
      first: 'Cijfer',
      chart: false,
      rows: [
        { code: 'participating_municipalities', label: 'Deelnemende gemeenten (vijf pijlers ondertekend)', ...pair((x) => x.participatingMunicipalities) },
        { code: 'national_members', label: 'Leden van de Nationale Coalitie tegen Eenzaamheid', ...pair((x) => x.nationalMembers.total) },
        { code: 'national_members_in_coalitions', label: 'Leden van de Nationale Coalitie aanwezig in lokale coalities', ...pair((x) => x.nationalMembersInCoalitions) },
        { code: 'coalitions', label: 'Lokale coalities in opstart, actief of zeer actief', ...pair((x) => x.coalitions.total) },
        { code: 'coalitions_with_kartrekker', label: 'Lokale coalities met een kartrekker', ...pair((x) => x.coalitions.withKartrekker) },
        { code: 'collaborations_running', label: 'Lopende samenwerkingen en pilots (idee, pilot of project)', ...pair((x) => x.collaborations.running) },
        { code: 'municipalities_network_phase', label: 'Gemeenten in de netwerkfase', ...pair((x) => x.municipalitiesInNetworkPhase) },
        { code: 'board_matches', label: 'Matches gemaakt op vraag en aanbod (tot en met de datum)', ...pair((x) => x.boardMatches) },
      ],
    },
    {
      code: 'adviesuren',
      title: 'Adviesuren',
      sheet: 'Adviesuren',
      first: 'Cijfer',
      decimals: true,
      chart: false,
      rows: [{ code: 'advisory_hours', label: 'Adviesuren gebruikt (tot en met de datum)', ...pair((x) => x.advisory.hours) }],
    },
    {
      code: 'nationale-coalitie-per-sector',
      title: 'Leden van de Nationale Coalitie per sector',
      sheet: 'Nationale Coalitie per sector',
      first: 'Sector',
      chart: true,
      rows: breakdownRows<NationalSector>(NATIONAL_SECTORS, NATIONAL_SECTOR_LABELS, a.nationalMembers.bySector, b?.nationalMembers.bySector ?? null),
    },
    {
      code: 'coalities-per-fase',
      title: 'Lokale coalities per fase',
      sheet: 'Coalities per fase',
      first: 'Fase',
      chart: true,
      // Not the key figure "Lokale coalities": this total includes the stage "Geen coalitie".
      totalLabel: 'Totaal, ook "Geen coalitie"',
      rows: breakdownRows<CoalitionStage>(COALITION_STAGES, COALITION_STAGE_LABELS, a.coalitions.byStage, b?.coalitions.byStage ?? null),
    },
    {
      code: 'samenwerkingen-per-status',
      title: 'Samenwerkingen en pilots per status',
      sheet: 'Samenwerkingen per status',
      first: 'Status',
      chart: true,
      rows: breakdownRows<CollaborationStatus>(COLLABORATION_STATUSES, COLLABORATION_STATUS_LABELS, a.collaborations.byStatus, b?.collaborations.byStatus ?? null),
    },
  ];
}

/** What the figures mean and where they fall short (the page note and the export's last sheet). */
export const FIGURE_NOTES: string[] = [
  'Alle cijfers zijn berekend zoals de vastgelegde geschiedenis ze op de gekozen datum laat zien: data van ondertekening, verklaringen, fasen, lidmaatschappen en statussen. Correcties (verwijderde regels) tellen nergens mee.',
  'Deelnemende gemeenten: gemeenten met een datum van ondertekening van de vijf pijlers op of vóór de datum. Een gemeente die is gestopt, telt mee tot de datum waarop zij stopte. Is die stopdatum niet ingevuld, dan telt zij op geen enkele datum mee.',
  'Leden van de Nationale Coalitie: organisaties met een intentieverklaring op of vóór de datum die toen nog geen lid-af waren.',
  'Lokale coalities: per coalitie de laatste fase die op of vóór de datum inging. Het kerncijfer telt de coalities in opstart, actief of zeer actief; de fase "Geen coalitie" staat wel in de tabel per fase, maar telt daar niet als lokale coalitie. Een coalitie zonder fase op die datum telt nergens mee.',
  'Kartrekker: een lid met de rol kartrekker dat op de datum lid was (begindatum op of vóór de datum, geen einddatum of een einddatum erna).',
  'Aanwezig in lokale coalities: leden van de Nationale Coalitie die zelf, of via een lokale vestiging, op de datum lid waren van een lokale coalitie. Een vestiging telt mee zolang zij op die datum vestiging was.',
  'Samenwerkingen: per samenwerking de laatste status die op of vóór de datum inging. Lopend = idee, pilot of project.',
  'Adviesuren: de duur van alle contactmomenten die als advies tellen, tot en met de datum. Netwerkfase: gemeenten waarvan de laatste fase op of vóór de datum de netwerkfase is.',
  'Matches: matches die op het bord vraag en aanbod zijn gemaakt tot en met de datum.',
];
