import type { Pillar, QuestionType } from './questionnaire.js';

/**
 * The shapes the results services return and the pages, API, exports and PDF reports use.
 * Percentages are of `n`: the respondents who answered that question (or matrix row).
 */

/** Municipality size classes by population (CBS inhabitants). */
export const SIZE_CLASSES = ['lt20k', '20k_50k', '50k_100k', 'gte100k', 'unknown'] as const;
export type SizeClass = (typeof SIZE_CLASSES)[number];
export const SIZE_CLASS_LABELS: Record<SizeClass, string> = {
  lt20k: 'Minder dan 20.000 inwoners',
  '20k_50k': '20.000 tot 50.000 inwoners',
  '50k_100k': '50.000 tot 100.000 inwoners',
  gte100k: '100.000 inwoners of meer',
  unknown: 'Inwonertal onbekend',
};

/**
 * Below this many respondents a distribution is not shown to municipalities (it could reveal
 * the answers of a single other municipality). The programme team always sees everything.
 */
export const MIN_GROUP_SIZE = 5;

export interface ResultFilter {
  /** PV27 */
  provinceCode?: string;
  sizeClass?: SizeClass;
  /** Year the municipality signed the five pillars (participations.signed_on). */
  joinedYear?: number;
  /** Restrict to the panel: municipalities (primary) with a submitted response in both this edition and `panelYear`. */
  panelYear?: number;
}

export interface OptionCount {
  code: string;
  label: string;
  count: number;
  /** count / n × 100, rounded to one decimal; null when n = 0. */
  percent: number | null;
}

export interface QuestionSummary {
  code: string;
  text: string;
  type: QuestionType;
  sectionCode: string;
  sectionTitle: string;
  pillar: Pillar;
  notComparable: boolean;
  /** Multiple choice: percentages may add up to more than 100%. */
  multiple: boolean;
}

export interface NumericSummary {
  n: number;
  /** Restricted viewers: null (and n 0, `suppressed`) when fewer than MIN_GROUP_SIZE numbers were given. */
  mean: number | null;
  median: number | null;
  /** Restricted viewers: always null (the lowest and highest are single municipalities' exact answers). */
  min: number | null;
  max: number | null;
  /**
   * Restricted viewers: n is 0 and mean/median are withheld, because fewer than MIN_GROUP_SIZE
   * numbers were given (`small_group`, show "<5") or the numbers of this group differ from
   * those of its larger group by 1 to MIN_GROUP_SIZE − 1 (`small_difference`).
   */
  suppressed?: boolean;
  suppressedReason?: SuppressedReason;
}

/**
 * Why a distribution is withheld from a restricted viewer (everyone but the programme team):
 * - `small_group`: fewer than MIN_GROUP_SIZE respondents;
 * - `small_difference`: the group is a part of a larger group that is shown too (the panel of
 *   all respondents, the province of the national figures) and the rest is 1 to
 *   MIN_GROUP_SIZE − 1 municipalities, whose answers subtraction would reveal;
 * - `not_published`: the edition is not published yet, so others' answers are not shown at all
 *   (reloading after a known municipality submits would reveal its answers).
 */
export const SUPPRESSED_REASONS = ['small_group', 'small_difference', 'not_published'] as const;
export type SuppressedReason = (typeof SUPPRESSED_REASONS)[number];

export interface QuestionResult {
  question: QuestionSummary;
  /** Respondents who answered the question (a matrix: who answered at least one row). */
  n: number;
  /** Choice questions (single, multiple, yes/no): every option in questionnaire order, "weet ik niet" last. */
  options: OptionCount[];
  /** Matrix questions: per row its own n and option counts. */
  rows?: {
    code: string;
    label: string;
    n: number;
    options: OptionCount[];
    /** This row has n < MIN_GROUP_SIZE (counts withheld, n 0). */
    suppressed?: boolean;
    /** Set with `suppressed`: why. */
    suppressedReason?: SuppressedReason;
  }[];
  /** Number questions. */
  numeric?: NumericSummary;
  /** True when shown to a municipality and n < MIN_GROUP_SIZE: counts are then withheld (empty) and n is 0 (show "<5"). */
  suppressed?: boolean;
  /** Set with `suppressed`: why the figures are withheld. */
  suppressedReason?: SuppressedReason;
}

export interface EditionRef {
  id: number;
  year: number;
  title: string;
  status: string;
}

/** One question in the current edition, next to the same question (by code) in another edition. */
export interface ComparedQuestion {
  current: QuestionResult;
  /** Same code in the compared edition; null when absent or marked not comparable. */
  previous: QuestionResult | null;
  /** The panel (municipalities that responded in both editions): both editions restricted to it. */
  panel?: { current: QuestionResult; previous: QuestionResult | null };
  /**
   * Set when compared with another edition and `previous` is null: `absent` (no question with
   * this code there) or `not_comparable` (another type, or marked notComparable in an edition
   * after the older of the two up to and including the newer one).
   */
  previousMissing?: 'absent' | 'not_comparable';
}

export interface NationalResults {
  edition: EditionRef;
  compareWith: EditionRef | null;
  filter: ResultFilter;
  /** Submitted responses matching the filter (restricted viewers: 0 when fewer than MIN_GROUP_SIZE, see respondentsSuppressed). */
  respondents: number;
  /** Restricted viewers: fewer than MIN_GROUP_SIZE respondents, so `respondents` is 0 (show "<5"). */
  respondentsSuppressed?: boolean;
  /** Number of municipalities in the panel (when compareWith is set); restricted viewers: 0 when fewer than MIN_GROUP_SIZE. */
  panelSize: number | null;
  /** Restricted viewers: the panel has fewer than MIN_GROUP_SIZE municipalities, so `panelSize` is 0 (show "<5"). */
  panelSizeSuppressed?: boolean;
  questions: ComparedQuestion[];
}

export interface ProvinceResponse {
  provinceCode: string;
  provinceName: string;
  invited: number;
  started: number;
  submitted: number;
  /** submitted / invited × 100 (one decimal); null when nobody was invited. */
  ratePercent: number | null;
}

export interface MunicipalityQuestion {
  question: QuestionSummary;
  /** The municipality's own answer, rendered in Dutch ("—" when not answered). */
  ownText: string;
  /** Option codes of the own answer (choice), or matrix row → option; for highlighting. */
  ownCodes: string[] | Record<string, string> | null;
  all: QuestionResult;
  /**
   * Within the municipality's province; for restricted viewers suppressed when too few
   * respondents, or when all respondents minus the province is 1 to MIN_GROUP_SIZE − 1.
   */
  province: QuestionResult;
  /** The municipality's own answers in earlier editions (same code), oldest first. */
  trend: { year: number; text: string; comparable: boolean }[];
}

export interface MunicipalityResults {
  edition: EditionRef;
  municipality: { id: number; cbsCode: string; name: string; provinceCode: string; provinceName: string };
  /** The response that counts for or includes this municipality, if any. */
  response: {
    status: 'in_progress' | 'submitted';
    submittedAt: Date | null;
    /** The primary municipality the response counts for, and all it represents. */
    primary: { cbsCode: string; name: string };
    represented: { cbsCode: string; name: string }[];
  } | null;
  respondents: number;
  /** Restricted viewers: 0 when fewer than MIN_GROUP_SIZE responded in the province (see provinceRespondentsSuppressed). */
  provinceRespondents: number;
  /** Restricted viewers: fewer than MIN_GROUP_SIZE respondents in the province, so `provinceRespondents` is 0 (show "<5"). */
  provinceRespondentsSuppressed?: boolean;
  /**
   * Restricted viewers, edition not published yet: every distribution of others (all, province)
   * is withheld with this reason; the own answers and the own trend are there.
   */
  comparisonSuppressed?: 'not_published';
  pillars: { pillar: Pillar; title: string; questions: MunicipalityQuestion[] }[];
}
