import { inArray, sql, type SQL } from 'drizzle-orm';
import { NotFoundError } from '../../platform/http/errors.js';
import { benchmarkQuestions } from './schema.js';
import { z } from 'zod';
import type { Db } from '../../platform/db/index.js';
import { choicesOf, describeAnswer, DONT_KNOW, DONT_KNOW_LABEL, PILLAR_LABELS, rowsToAnswer, type Answer, type ChoiceOption, type Pillar, type Question, type Section } from './questionnaire.js';
import { allQuestions, getEditionByYear, loadAnswers, loadQuestionnaire, previousEdition, toQuestion, type Edition } from './service.js';
import {
  MIN_GROUP_SIZE,
  SIZE_CLASSES,
  type ComparedQuestion,
  type EditionRef,
  type MunicipalityQuestion,
  type MunicipalityResults,
  type NationalResults,
  type NumericSummary,
  type OptionCount,
  type QuestionResult,
  type QuestionSummary,
  type ResultFilter,
  type SizeClass,
  type SuppressedReason,
} from './results-types.js';

/**
 * Results of the benchmark: the national aggregates per question (filters, comparison with
 * another edition, the panel) and one municipality's own results next to the aggregates.
 *
 * Every aggregate is computed in PostgreSQL by one grouped query per page (see `aggregate`):
 * the answers are never loaded into JavaScript. A response counts once, for its PRIMARY
 * municipality (benchmark_responses.municipality_id); only SUBMITTED responses count.
 * Percentages are of n, the respondents who answered the question (a matrix row: that row).
 */

// ---------------------------------------------------------------------------------------
// Small helpers (also used by the pages, the API and the exports)

/** count / n × 100, one decimal; null when n = 0. */
export function percentOf(count: number, n: number): number | null {
  return n > 0 ? Math.round((count * 1000) / n) / 10 : null;
}

const round2 = (v: number | null | undefined) => (v == null ? null : Math.round(Number(v) * 100) / 100);

/** The size class of a population (CBS inhabitants); null = unknown. */
export function sizeClassOf(population: number | null | undefined): SizeClass {
  if (population == null) return 'unknown';
  if (population < 20_000) return 'lt20k';
  if (population < 50_000) return '20k_50k';
  if (population < 100_000) return '50k_100k';
  return 'gte100k';
}

function sizeClassCondition(c: SizeClass): SQL {
  switch (c) {
    case 'lt20k':
      return sql`m.population < 20000`;
    case '20k_50k':
      return sql`m.population >= 20000 and m.population < 50000`;
    case '50k_100k':
      return sql`m.population >= 50000 and m.population < 100000`;
    case 'gte100k':
      return sql`m.population >= 100000`;
    case 'unknown':
      return sql`m.population is null`;
  }
}

export const editionRef = (e: Pick<Edition, 'id' | 'year' | 'title' | 'status'>): EditionRef => ({ id: e.id, year: e.year, title: e.title, status: e.status });

/**
 * The result options in a query string, shared by the results page, the API and the exports:
 * `compare=2019|none`, `panel=true`, `province=PV27`, `sizeClass=lt20k`, `joinedYear=2019`.
 * An empty value counts as absent (a filter form submits empty selects). Plain string
 * schemas, so the OpenAPI document can describe them.
 */
const orEmpty = <T extends z.ZodType>(schema: T) => z.union([z.literal(''), schema]).optional();
export const resultQuerySchema = z.object({
  compare: orEmpty(z.union([z.literal('none'), z.string().regex(/^\d{4}$/, 'expected a year such as 2019, or none')])).describe(
    'Edition (year) to compare with; default: the previous edition; "none": no comparison',
  ),
  panel: z
    .enum(['', 'true', 'false', '1', '0', 'ja', 'nee'])
    .optional()
    .describe('true: also return the panel figures (both editions restricted to the municipalities that responded in both)'),
  province: orEmpty(z.string().regex(/^PV\d{2}$/, 'expected a province code such as PV27')).describe(
    "Only respondents whose primary municipality lies in this province (CBS code, e.g. PV27)",
  ),
  sizeClass: orEmpty(z.enum(SIZE_CLASSES)).describe('Only respondents whose primary municipality is in this population class'),
  joinedYear: orEmpty(z.string().regex(/^\d{4}$/, 'expected a year such as 2019')).describe(
    'Only respondents whose primary municipality signed the five pillars in this year',
  ),
});
export type ResultQuery = z.infer<typeof resultQuerySchema>;

/** Turns a parsed result query into the options of nationalResults. */
export function resultOptions(q: ResultQuery): { filter: ResultFilter; compareYear: number | null | undefined; panel: boolean } {
  const filter: ResultFilter = {};
  if (q.province) filter.provinceCode = q.province;
  if (q.sizeClass) filter.sizeClass = q.sizeClass;
  if (q.joinedYear) filter.joinedYear = Number(q.joinedYear);
  return {
    filter,
    compareYear: !q.compare ? undefined : q.compare === 'none' ? null : Number(q.compare),
    panel: q.panel === 'true' || q.panel === '1' || q.panel === 'ja',
  };
}

// ---------------------------------------------------------------------------------------
// The aggregate query

interface Agg {
  /** `${questionId}|${row}|${option}` → number of answers (= respondents choosing it). */
  counts: Map<string, number>;
  /** questionId → respondents who answered the question. */
  n: Map<number, number>;
  /** questionId → numeric summary (number questions). */
  numeric: Map<number, NumericSummary>;
}
const emptyAgg = (): Agg => ({ counts: new Map(), n: new Map(), numeric: new Map() });
const key = (questionId: number, row: string, option: string) => `${questionId}|${row}|${option}`;

interface AggregateSpec {
  /** The editions whose submitted responses count. */
  editionIds: number[];
  filter: ResultFilter;
  /** Restrict to municipalities (primary) with a submitted response in each of these editions too. */
  alsoIn?: number[];
  /**
   * A subset to count separately (e.g. the panel, or the municipality's province): a boolean
   * SQL expression over r (benchmark_responses), m (municipalities) and p (provinces).
   */
  subset?: SQL;
  /** The questions to aggregate (of any of the editions). */
  questions: Pick<Question, 'id' | 'type'>[];
  /** Aggregate only `questions` (default: every answer of the counted responses, cheaper to plan). */
  onlyThese?: boolean;
}

interface AggregateResult {
  /** editionId → all counted responses, and the subset. */
  all: Map<number, Agg>;
  sub: Map<number, Agg>;
  respondents: Map<number, { all: number; sub: number }>;
}

const ids = (list: number[]) =>
  list.length
    ? sql.join(
        list.map((i) => sql`${i}::int`),
        sql`, `,
      )
    : sql`null`;

/** `exists a submitted response of the same primary municipality in edition X` */
const submittedIn = (editionId: SQL | number) =>
  sql`exists (select 1 from benchmark_responses r2 where r2.edition_id = ${typeof editionId === 'number' ? sql`${editionId}::int` : editionId} and r2.municipality_id = r.municipality_id and r2.status = 'submitted')`;

/**
 * The counted responses: submitted, of the given editions, whose primary municipality matches
 * the filter, with the subset flag. Materialised, so the flag is computed once per response
 * (not once per answer). Uses benchmark_responses_edition_status_idx, and the (edition,
 * municipality) unique index for the panel checks.
 */
function countedSql(spec: AggregateSpec): SQL {
  const f = spec.filter;
  const conds: SQL[] = [sql`r.edition_id in (${ids(spec.editionIds)})`, sql`r.status = 'submitted'`];
  if (f.provinceCode) conds.push(sql`p.code = ${f.provinceCode}`);
  if (f.sizeClass) conds.push(sizeClassCondition(f.sizeClass));
  if (f.joinedYear != null)
    conds.push(
      sql`exists (select 1 from participations pa where pa.municipality_id = m.id and pa.deleted_at is null and extract(year from pa.signed_on) = ${f.joinedYear}::int)`,
    );
  for (const other of spec.alsoIn ?? []) conds.push(submittedIn(other));
  return sql`with counted as materialized (
    select r.id as response_id, r.edition_id, (${spec.subset ?? sql`false`}) as sub
      from benchmark_responses r
      join municipalities m on m.id = r.municipality_id
      join provinces p on p.id = m.province_id
     where ${sql.join(conds, sql` and `)})`;
}

/**
 * The aggregates of the counted responses, for all and for the subset, in four queries that
 * run at the same time (each reads only the index benchmark_answers_uq, except the numbers):
 * 1. the count per (edition, question, row, option) — one plain GROUP BY;
 * 2. n of multiple-choice and matrix questions: respondents with at least one answer row,
 *    grouped per response over the index order (no DISTINCT sort). For the other types a
 *    response has exactly one row per question, so n is the sum of its counts;
 * 3. count, mean, median, min and max of number questions;
 * 4. the number of respondents.
 */
async function aggregate(db: Db, spec: AggregateSpec): Promise<AggregateResult> {
  const out: AggregateResult = { all: new Map(), sub: new Map(), respondents: new Map() };
  for (const e of spec.editionIds) {
    out.all.set(e, emptyAgg());
    out.sub.set(e, emptyAgg());
    out.respondents.set(e, { all: 0, sub: 0 });
  }
  if (!spec.editionIds.length) return out;
  const counted = countedSql(spec);
  const distinctIds = spec.questions.filter((q) => q.type === 'multiple' || q.type === 'matrix').map((q) => q.id);
  const numberIds = spec.questions.filter((q) => q.type === 'number').map((q) => q.id);
  const only = spec.onlyThese ? sql`where a.question_id in (${ids(spec.questions.map((q) => q.id))})` : sql``;

  type CountRow = { edition_id: number; question_id: number; row_code: string; option_code: string; cnt: number; cnt_s: number };
  type NRow = { edition_id: number; question_id: number; n: number; n_s: number };
  type NumRow = {
    edition_id: number;
    question_id: number;
    num_n: number;
    mean: number | null;
    median: number | null;
    min: number | null;
    max: number | null;
    num_n_s: number;
    mean_s: number | null;
    median_s: number | null;
    min_s: number | null;
    max_s: number | null;
  };
  const [counts, ns, nums, resp] = await Promise.all([
    db.execute<CountRow>(sql`${counted}
      select c.edition_id, a.question_id, a.row_code, a.option_code, count(*)::int as cnt, count(*) filter (where c.sub)::int as cnt_s
        from counted c
        join benchmark_answers a on a.response_id = c.response_id
        ${only}
       group by c.edition_id, a.question_id, a.row_code, a.option_code`),
    distinctIds.length
      ? db.execute<NRow>(sql`${counted}
          select c.edition_id, q.question_id, count(*)::int as n, count(*) filter (where c.sub)::int as n_s
            from counted c
           cross join lateral (select a.question_id from benchmark_answers a
                                where a.response_id = c.response_id and a.question_id in (${ids(distinctIds)})
                                group by a.question_id) q
           group by c.edition_id, q.question_id`)
      : Promise.resolve({ rows: [] as NRow[] }),
    numberIds.length
      ? db.execute<NumRow>(sql`${counted}
          select c.edition_id, a.question_id,
                 count(*)::int as num_n,
                 avg(a.value_number)::float8 as mean,
                 percentile_cont(0.5) within group (order by a.value_number::float8) as median,
                 min(a.value_number)::float8 as min,
                 max(a.value_number)::float8 as max,
                 count(*) filter (where c.sub)::int as num_n_s,
                 avg(a.value_number) filter (where c.sub)::float8 as mean_s,
                 percentile_cont(0.5) within group (order by a.value_number::float8) filter (where c.sub) as median_s,
                 min(a.value_number) filter (where c.sub)::float8 as min_s,
                 max(a.value_number) filter (where c.sub)::float8 as max_s
            from counted c
            join benchmark_answers a on a.response_id = c.response_id and a.question_id in (${ids(numberIds)})
           where a.value_number is not null
           group by c.edition_id, a.question_id`)
      : Promise.resolve({ rows: [] as NumRow[] }),
    db.execute<{ edition_id: number; all: number; sub: number }>(sql`${counted}
      select edition_id, count(*)::int as all, count(*) filter (where sub)::int as sub from counted group by edition_id`),
  ]);
  for (const r of resp.rows) out.respondents.set(r.edition_id, { all: r.all, sub: r.sub });
  const distinct = new Set(distinctIds);
  for (const r of counts.rows) {
    const all = out.all.get(r.edition_id)!;
    const sub = out.sub.get(r.edition_id)!;
    all.counts.set(key(r.question_id, r.row_code, r.option_code), r.cnt);
    if (r.cnt_s) sub.counts.set(key(r.question_id, r.row_code, r.option_code), r.cnt_s);
    if (!distinct.has(r.question_id)) {
      // One row per response: n is the sum of the counts.
      all.n.set(r.question_id, (all.n.get(r.question_id) ?? 0) + r.cnt);
      sub.n.set(r.question_id, (sub.n.get(r.question_id) ?? 0) + r.cnt_s);
    }
  }
  for (const r of ns.rows) {
    out.all.get(r.edition_id)!.n.set(r.question_id, r.n);
    out.sub.get(r.edition_id)!.n.set(r.question_id, r.n_s);
  }
  for (const r of nums.rows) {
    out.all.get(r.edition_id)!.numeric.set(r.question_id, { n: r.num_n, mean: round2(r.mean), median: round2(r.median), min: r.min, max: r.max });
    out.sub.get(r.edition_id)!.numeric.set(r.question_id, { n: r.num_n_s, mean: round2(r.mean_s), median: round2(r.median_s), min: r.min_s, max: r.max_s });
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Building the result of one question

function summaryOf(q: Question, s: Pick<Section, 'code' | 'title' | 'pillar'>): QuestionSummary {
  return { code: q.code, text: q.text, type: q.type, sectionCode: s.code, sectionTitle: s.title, pillar: s.pillar, notComparable: q.notComparable, multiple: q.type === 'multiple' };
}

/**
 * The options in questionnaire order, "weet ik niet" last; codes found in the answers but no
 * longer in the questionnaire (possible in imported past editions) before "weet ik niet".
 */
function optionList(q: Question, agg: Agg, row: string): ChoiceOption[] {
  const choices = choicesOf(q);
  const known = new Set(choices.map((o) => o.code));
  const prefix = `${q.id}|${row}|`;
  const extra: ChoiceOption[] = [];
  for (const k of agg.counts.keys()) {
    if (!k.startsWith(prefix)) continue;
    const code = k.slice(prefix.length);
    if (code && !known.has(code)) extra.push({ code, label: code });
  }
  if (!extra.length) return choices;
  const dk = choices.filter((o) => o.code === DONT_KNOW);
  return [...choices.filter((o) => o.code !== DONT_KNOW), ...extra.sort((a, b) => a.code.localeCompare(b.code)), ...dk];
}

const countsFor = (q: Question, agg: Agg, row: string, n: number): OptionCount[] =>
  optionList(q, agg, row).map((o) => {
    const count = agg.counts.get(key(q.id, row, o.code)) ?? 0;
    return { code: o.code, label: o.label, count, percent: percentOf(count, n) };
  });

/** Respondents who answered a matrix row: one option per row per response, so the sum of its counts. */
const rowTotal = (q: Question, agg: Agg, row: string) => optionList(q, agg, row).reduce((s, o) => s + (agg.counts.get(key(q.id, row, o.code)) ?? 0), 0);

/** The rest of a larger group that is shown too is 1 to MIN_GROUP_SIZE − 1: subtraction would reveal their answers. */
const smallDifference = (whole: number, part: number) => whole - part > 0 && whole - part < MIN_GROUP_SIZE;

const withheldNumeric = (reason: SuppressedReason): NumericSummary => ({ n: 0, mean: null, median: null, min: null, max: null, suppressed: true, suppressedReason: reason });

/** A result with every figure withheld: n 0, no counts (show "<5" or the reason). */
function withheldResult(q: Question, question: QuestionSummary, reason: SuppressedReason): QuestionResult {
  const res: QuestionResult = { question, n: 0, options: [], suppressed: true, suppressedReason: reason };
  if (q.type === 'matrix') res.rows = q.rows.map((r) => ({ code: r.code, label: r.label, n: 0, options: [], suppressed: true, suppressedReason: reason }));
  if (q.type === 'number') res.numeric = withheldNumeric(reason);
  return res;
}

interface BuildOptions {
  /** A restricted viewer (everyone but the programme team): withhold what could reveal one municipality. */
  suppress?: boolean;
  /**
   * The larger group this group is part of and that the viewer sees too (the panel is part of
   * all respondents; the province is part of the national figures). With `suppress`, figures
   * whose rest (larger minus this) is 1 to MIN_GROUP_SIZE − 1 are withheld: per question, per
   * matrix row, and the numbers of a number question.
   */
  partOf?: Agg;
  /** With `suppress`: withhold every figure for this reason (e.g. not published). */
  withhold?: SuppressedReason;
}

/**
 * The result of one question from the aggregates. With `suppress` (restricted viewers), a
 * distribution with n < MIN_GROUP_SIZE is withheld: suppressed is true, n is 0 and there are no
 * counts (show "<5"), so no figure can reveal the answer of a single other municipality; so is
 * one that differs from its larger group (`partOf`) by fewer than MIN_GROUP_SIZE respondents.
 * Number questions: restricted viewers never get min and max (null), and mean and median only
 * from MIN_GROUP_SIZE numbers on.
 */
function buildQuestionResult(q: Question, section: Pick<Section, 'code' | 'title' | 'pillar'>, agg: Agg, o: BuildOptions = {}): QuestionResult {
  const question = summaryOf(q, section);
  const n = agg.n.get(q.id) ?? 0;
  const suppress = o.suppress ?? false;
  if (suppress) {
    if (o.withhold) return withheldResult(q, question, o.withhold);
    if (n < MIN_GROUP_SIZE) return withheldResult(q, question, 'small_group');
    if (o.partOf && smallDifference(o.partOf.n.get(q.id) ?? 0, n)) return withheldResult(q, question, 'small_difference');
  }
  switch (q.type) {
    case 'single':
    case 'yesno':
    case 'multiple':
      return { question, n, options: countsFor(q, agg, '', n) };
    case 'matrix': {
      const rows = q.rows.map((r) => {
        const rowN = rowTotal(q, agg, r.code);
        if (suppress && rowN < MIN_GROUP_SIZE) return { code: r.code, label: r.label, n: 0, options: [], suppressed: true, suppressedReason: 'small_group' as const };
        if (suppress && o.partOf && smallDifference(rowTotal(q, o.partOf, r.code), rowN))
          return { code: r.code, label: r.label, n: 0, options: [], suppressed: true, suppressedReason: 'small_difference' as const };
        return { code: r.code, label: r.label, n: rowN, options: countsFor(q, agg, r.code, rowN) };
      });
      return { question, n, options: [], rows };
    }
    case 'number': {
      const num = agg.numeric.get(q.id) ?? { n: 0, mean: null, median: null, min: null, max: null };
      let numeric: NumericSummary = num;
      if (suppress) {
        const whole = o.partOf?.numeric.get(q.id)?.n ?? 0;
        numeric =
          num.n < MIN_GROUP_SIZE
            ? withheldNumeric('small_group')
            : o.partOf && smallDifference(whole, num.n)
              ? withheldNumeric('small_difference')
              : { ...num, min: null, max: null };
      }
      const dk = agg.counts.get(key(q.id, '', DONT_KNOW)) ?? 0;
      return { question, n, options: q.dontKnow ? [{ code: DONT_KNOW, label: DONT_KNOW_LABEL, count: dk, percent: percentOf(dk, n) }] : [], numeric };
    }
    case 'text':
    case 'longtext':
      // Texts are never aggregated or returned: only how many answered.
      return { question, n, options: [] };
  }
}

interface Located {
  q: Question;
  section: Section;
}
const locate = (sections: Section[]): Located[] => sections.flatMap((section) => section.questions.map((q) => ({ q, section })));

/**
 * The question codes marked notComparable in an edition with year in (min(a, b), max(a, b)]:
 * such a question changed after the older of the two editions, so the two are not comparable
 * — whichever of them is being viewed (the own trend follows the same rule).
 */
async function changedBetween(db: Db, a: number, b: number): Promise<Set<string>> {
  const { rows } = await db.execute<{ code: string }>(sql`
    select distinct q.code
      from benchmark_questions q
      join benchmark_editions e on e.id = q.edition_id
     where q.not_comparable and e.deleted_at is null
       and e.year > ${Math.min(a, b)}::int and e.year <= ${Math.max(a, b)}::int`);
  return new Set(rows.map((r) => r.code));
}

/** The same question (by code) in the compared edition, or why there is none. */
function comparable(current: Question, other: Located | undefined, changed: Set<string>): { prev: Located | null; missing?: ComparedQuestion['previousMissing'] } {
  if (!other) return { prev: null, missing: 'absent' };
  if (changed.has(current.code) || other.q.type !== current.type) return { prev: null, missing: 'not_comparable' };
  return { prev: other };
}

// ---------------------------------------------------------------------------------------
// National results

export interface NationalResultsOptions {
  filter: ResultFilter;
  /** Year of the edition to compare with; undefined = the previous edition; null = none. */
  compareYear?: number | null;
  /** Also compute the panel figures (both editions restricted to municipalities in both). */
  panel?: boolean;
  /**
   * A restricted viewer (everyone but the programme team): withhold distributions with
   * n < MIN_GROUP_SIZE, panel figures that differ from all respondents by 1 to
   * MIN_GROUP_SIZE − 1, min and max of numbers, and group sizes below MIN_GROUP_SIZE.
   */
  suppress?: boolean;
  /** Only these question codes (in questionnaire order); default all. */
  questionCodes?: string[];
}

/**
 * The national results of an edition: for every question (or `questionCodes`) the counts per
 * option over submitted responses matching the filter, next to the same question in the
 * compared edition and, with `panel`, both restricted to the panel.
 */
export async function nationalResults(db: Db, edition: Edition, opts: NationalResultsOptions): Promise<NationalResults> {
  const filter: ResultFilter = { ...opts.filter };
  const compare =
    opts.compareYear === null ? undefined : opts.compareYear === undefined ? await previousEdition(db, edition.year) : await getEditionByYear(db, opts.compareYear);
  const compareWith = compare && compare.id !== edition.id ? compare : undefined;
  const panelEdition = filter.panelYear != null ? await getEditionByYear(db, filter.panelYear) : undefined;

  const [sections, prevSections, changed] = await Promise.all([
    loadQuestionnaire(db, edition.id),
    compareWith ? loadQuestionnaire(db, compareWith.id) : Promise.resolve([] as Section[]),
    compareWith ? changedBetween(db, edition.year, compareWith.year) : Promise.resolve(new Set<string>()),
  ]);
  let current = locate(sections);
  if (opts.questionCodes) {
    const wanted = new Set(opts.questionCodes);
    current = current.filter((x) => wanted.has(x.q.code));
  }
  const prevByCode = new Map(locate(prevSections).map((x) => [x.q.code, x]));
  const pairs = current.map((x) => ({ ...x, ...comparable(x.q, prevByCode.get(x.q.code), changed) }));

  // filter.panelYear: restrict everything to municipalities that also responded in that edition
  // (and, for the compared edition's figures, in this edition).
  const alsoIn: number[] = [];
  if (filter.panelYear != null) alsoIn.push(panelEdition?.id ?? -1, edition.id);
  const editionIds = compareWith ? [edition.id, compareWith.id] : [edition.id];
  const agg = await aggregate(db, {
    editionIds,
    filter,
    alsoIn,
    // The panel: the primary municipality has a submitted response in the other edition too.
    subset: compareWith ? submittedIn(sql`(case when r.edition_id = ${edition.id}::int then ${compareWith.id}::int else ${edition.id}::int end)`) : undefined,
    questions: [...pairs.map((x) => x.q), ...pairs.flatMap((x) => (x.prev ? [x.prev.q] : []))],
    onlyThese: !!opts.questionCodes,
  });

  const suppress = opts.suppress ?? false;
  const all = agg.all.get(edition.id)!;
  const prevAll = compareWith ? agg.all.get(compareWith.id)! : undefined;
  const questions: ComparedQuestion[] = pairs.map(({ q, section, prev, missing }) => {
    const cq: ComparedQuestion = {
      current: buildQuestionResult(q, section, all, { suppress }),
      previous: prev && prevAll ? buildQuestionResult(prev.q, prev.section, prevAll, { suppress }) : null,
    };
    if (compareWith && missing) cq.previousMissing = missing;
    if (opts.panel && compareWith) {
      // The panel is part of all respondents, which the viewer sees too: a difference of a few
      // municipalities (the newcomers) would reveal their answers.
      cq.panel = {
        current: buildQuestionResult(q, section, agg.sub.get(edition.id)!, { suppress, partOf: all }),
        previous: prev && prevAll ? buildQuestionResult(prev.q, prev.section, agg.sub.get(compareWith.id)!, { suppress, partOf: prevAll }) : null,
      };
    }
    return cq;
  });

  const counts = agg.respondents.get(edition.id)!;
  const out: NationalResults = {
    edition: editionRef(edition),
    compareWith: compareWith ? editionRef(compareWith) : null,
    filter,
    respondents: counts.all,
    panelSize: compareWith ? counts.sub : null,
    questions,
  };
  // Restricted viewers: no group size below MIN_GROUP_SIZE (show "<5").
  if (suppress && counts.all < MIN_GROUP_SIZE) Object.assign(out, { respondents: 0, respondentsSuppressed: true });
  if (suppress && compareWith && counts.sub < MIN_GROUP_SIZE) Object.assign(out, { panelSize: 0, panelSizeSuppressed: true });
  return out;
}

// ---------------------------------------------------------------------------------------
// One municipality's results

/** The response of an edition that counts for the municipality (primary) or represents it. */
export async function responseForMunicipality(db: Db, editionId: number, municipalityId: number) {
  const { rows } = await db.execute<{ id: number; status: 'in_progress' | 'submitted'; submitted_at: Date | null; municipality_id: number }>(sql`
    select r.id, r.status, r.submitted_at, r.municipality_id
      from benchmark_responses r
     where r.edition_id = ${editionId}::int
       and (r.municipality_id = ${municipalityId}::int
            or exists (select 1 from benchmark_response_municipalities rm where rm.response_id = r.id and rm.municipality_id = ${municipalityId}::int))
     order by (r.municipality_id = ${municipalityId}::int) desc, r.id
     limit 1`);
  return rows[0] ?? null;
}

function ownCodesOf(a: Answer | null): MunicipalityQuestion['ownCodes'] {
  if (!a) return null;
  switch (a.kind) {
    case 'choice':
      return a.options;
    case 'matrix':
      return a.rows;
    case 'number':
      return a.dontKnow ? [DONT_KNOW] : null;
    case 'text':
      return null;
  }
}

/**
 * The municipality's own answers in earlier editions (same question code), oldest first: only
 * editions in which a submitted response counted for or represented it. `comparable` is false
 * when the question changed (notComparable) in a later edition up to and including this one.
 */
async function ownTrend(db: Db, edition: Edition, municipalityId: number, current: Question[]): Promise<Map<string, MunicipalityQuestion['trend']>> {
  const out = new Map<string, MunicipalityQuestion['trend']>(current.map((q) => [q.code, []]));
  if (!current.length) return out;
  const codes = sql.join(
    current.map((q) => sql`${q.code}`),
    sql`, `,
  );
  const [responses, questions] = await Promise.all([
    db.execute<{ id: number; edition_id: number }>(sql`
      select distinct on (r.edition_id) r.id, r.edition_id
        from benchmark_responses r
        join benchmark_editions e on e.id = r.edition_id
       where e.year < ${edition.year}::int and e.deleted_at is null and r.status = 'submitted'
         and (r.municipality_id = ${municipalityId}::int
              or r.id in (select rm.response_id from benchmark_response_municipalities rm where rm.municipality_id = ${municipalityId}::int))
       order by r.edition_id, (r.municipality_id = ${municipalityId}::int) desc, r.id`),
    db.execute<{ id: number; edition_id: number; year: number }>(sql`
      select q.id, q.edition_id, e.year
        from benchmark_questions q
        join benchmark_editions e on e.id = q.edition_id
       where e.year < ${edition.year}::int and e.deleted_at is null and q.code in (${codes})`),
  ]);
  if (!questions.rows.length) return out;
  // Full question rows (options, rows, labels) to describe the old answers in their own words.
  const qRows = await db
    .select()
    .from(benchmarkQuestions)
    .where(inArray(benchmarkQuestions.id, questions.rows.map((r) => r.id)));
  const years = new Map(questions.rows.map((r) => [r.edition_id, r.year]));
  const old = qRows.map((r) => ({ q: toQuestion(r), editionId: r.editionId, year: years.get(r.editionId)! }));
  const responseByEdition = new Map(responses.rows.map((r) => [r.edition_id, r.id]));
  const respIds = responses.rows.map((r) => r.id);
  const answers = respIds.length
    ? (
        await db.execute<{ response_id: number; question_id: number; row_code: string; option_code: string; value_number: string | null; value_text: string | null }>(sql`
          select a.response_id, a.question_id, a.row_code, a.option_code, a.value_number, a.value_text
            from benchmark_answers a
           where a.response_id in (${ids(respIds)}) and a.question_id in (${ids(qRows.map((r) => r.id))})
           order by a.id`)
      ).rows
    : [];
  const byQuestion = new Map<number, typeof answers>();
  for (const a of answers) byQuestion.set(a.question_id, [...(byQuestion.get(a.question_id) ?? []), a]);

  for (const cq of current) {
    const versions = old.filter((o) => o.q.code === cq.code).sort((a, b) => b.year - a.year); // newest first
    let comparableSoFar = !cq.notComparable;
    const trend: MunicipalityQuestion['trend'] = [];
    for (const v of versions) {
      const ok = comparableSoFar && v.q.type === cq.type;
      const responseId = responseByEdition.get(v.editionId);
      if (responseId != null) {
        const rows = (byQuestion.get(v.q.id) ?? [])
          .filter((a) => a.response_id === responseId)
          .map((a) => ({ rowCode: a.row_code, optionCode: a.option_code, valueNumber: a.value_number == null ? null : Number(a.value_number), valueText: a.value_text }));
        trend.push({ year: v.year, text: describeAnswer(v.q, rowsToAnswer(v.q, rows)), comparable: ok });
      }
      // An edition that changed the question is not comparable with the ones before it.
      if (v.q.notComparable) comparableSoFar = false;
    }
    out.set(cq.code, trend.reverse());
  }
  return out;
}

/**
 * One municipality's results in an edition: its own answers (from the response that counts for
 * it or represents it), next to the distribution among all respondents and within its
 * province, grouped per pillar, with the trend of its own answers over earlier editions.
 * Other municipalities' texts are never returned. An unknown municipality throws NotFoundError
 * (404).
 *
 * Restricted viewers (`suppress`, the default; everyone but the programme team):
 * - distributions with n < MIN_GROUP_SIZE are withheld, and so are province figures when all
 *   respondents minus the province is 1 to MIN_GROUP_SIZE − 1 (see buildQuestionResult);
 * - the province's respondent count is 0 with provinceRespondentsSuppressed when below
 *   MIN_GROUP_SIZE;
 * - an edition that is not published yet shows the own answers and the own trend only: every
 *   distribution of others is withheld ('not_published'), so reloading after a known
 *   municipality submits reveals nothing.
 */
export async function municipalityResults(
  db: Db,
  edition: Edition,
  municipalityId: number,
  opts: { suppress?: boolean; /** Only these questions (one part of the dashboard). */ questionCodes?: string[] } = {},
): Promise<MunicipalityResults> {
  const suppress = opts.suppress ?? true;
  const withhold: SuppressedReason | undefined = suppress && edition.status !== 'published' ? 'not_published' : undefined;
  const { rows: mRows } = await db.execute<{ id: number; cbs_code: string; name: string; province_id: number; province_code: string; province_name: string }>(sql`
    select m.id, m.cbs_code, m.name, m.province_id, p.code as province_code, p.name as province_name
      from municipalities m join provinces p on p.id = m.province_id
     where m.id = ${municipalityId}::int and m.deleted_at is null`);
  const m = mRows[0];
  if (!m) throw new NotFoundError('Deze gemeente bestaat niet (meer).');

  const [allSections, response] = await Promise.all([loadQuestionnaire(db, edition.id), responseForMunicipality(db, edition.id, municipalityId)]);
  const wanted = opts.questionCodes ? new Set(opts.questionCodes) : null;
  const sections = wanted ? allSections.map((sec) => ({ ...sec, questions: sec.questions.filter((q) => wanted.has(q.code)) })).filter((sec) => sec.questions.length) : allSections;
  const questions = allQuestions(sections);
  const [own, represented, agg, trend] = await Promise.all([
    response ? loadAnswers(db, response.id, questions) : Promise.resolve(new Map<string, Answer | null>()),
    response
      ? db.execute<{ cbs_code: string; name: string }>(sql`
          select m.cbs_code, m.name from benchmark_response_municipalities rm join municipalities m on m.id = rm.municipality_id
           where rm.response_id = ${response.id}::int order by rm.position`)
      : Promise.resolve(null),
    // Withheld distributions are not computed at all: only the respondent counts.
    aggregate(db, { editionIds: [edition.id], filter: {}, subset: sql`m.province_id = ${m.province_id}::int`, questions: withhold ? [] : questions, onlyThese: !!withhold || !!wanted }),
    ownTrend(db, edition, municipalityId, questions),
  ]);

  const all = agg.all.get(edition.id)!;
  const province = agg.sub.get(edition.id)!;
  const pillars: MunicipalityResults['pillars'] = [];
  for (const section of sections) {
    let group = pillars.find((p) => p.pillar === section.pillar);
    if (!group) pillars.push((group = { pillar: section.pillar as Pillar, title: PILLAR_LABELS[section.pillar as Pillar] ?? section.pillar, questions: [] }));
    for (const q of section.questions) {
      const a = own.get(q.code) ?? null;
      group.questions.push({
        question: summaryOf(q, section),
        ownText: describeAnswer(q, a),
        ownCodes: ownCodesOf(a),
        all: buildQuestionResult(q, section, all, { suppress, withhold }),
        // The viewer sees the national figures too: the province must not differ from them by a few municipalities.
        province: buildQuestionResult(q, section, province, { suppress, withhold, partOf: all }),
        trend: trend.get(q.code) ?? [],
      });
    }
  }
  const rep = represented?.rows ?? [];
  const primary = rep[0];
  const counts = agg.respondents.get(edition.id)!;
  const out: MunicipalityResults = {
    edition: editionRef(edition),
    municipality: { id: m.id, cbsCode: m.cbs_code, name: m.name, provinceCode: m.province_code, provinceName: m.province_name },
    response: response
      ? {
          status: response.status,
          submittedAt: response.submitted_at ? new Date(response.submitted_at) : null,
          primary: primary ? { cbsCode: primary.cbs_code, name: primary.name } : { cbsCode: m.cbs_code, name: m.name },
          represented: rep.map((r) => ({ cbsCode: r.cbs_code, name: r.name })),
        }
      : null,
    respondents: counts.all,
    provinceRespondents: counts.sub,
    pillars,
  };
  if (suppress && counts.sub < MIN_GROUP_SIZE) Object.assign(out, { provinceRespondents: 0, provinceRespondentsSuppressed: true });
  if (withhold === 'not_published') out.comparisonSuppressed = withhold;
  return out;
}
