import { and, eq, isNull } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { can, type Principal } from '../../platform/access.js';
import { ForbiddenError, HttpError, NotFoundError } from '../../platform/http/errors.js';
import { municipalities } from '../registry/schema.js';
import { errorSchema } from '../registry/api.js';
import { PILLARS, QUESTION_TYPES } from './questionnaire.js';
import { EDITION_STATUS_LABELS, EDITION_STATUSES, exportDefinition, getEditionByYear, listEditions, type Edition, type EditionStatus } from './service.js';
import { municipalityResults, nationalResults, resultOptions, resultQuerySchema } from './results-service.js';
import { MIN_GROUP_SIZE, SUPPRESSED_REASONS, type MunicipalityResults } from './results-types.js';

/**
 * JSON API of the benchmark, under /api/v1: editions, the questionnaire, the national
 * aggregates per question (compare, panel, filters) and a municipality's own results. It uses
 * the same service functions as the pages (results-service.ts).
 *
 * Who sees what:
 * - the programme team (benchmark:results): every edition, no suppression;
 * - coordinators, advisors (benchmark:report) and API keys with benchmark:read: the
 *   questionnaires of non-draft editions and the national aggregates of PUBLISHED editions
 *   only, without filters (400 filter_not_allowed), always with the suppression of
 *   results-service.ts (small groups, panel figures that differ from all respondents by a few
 *   municipalities, min/max of numbers, group sizes below MIN_GROUP_SIZE);
 * - a municipality's own results: session users with benchmark:municipality for that
 *   municipality (out of scope answers 404); never API keys (403). Before publication the own
 *   answers only (comparisonSuppressed: 'not_published').
 */

const yearParam = z.coerce.number().int().min(2000).max(2100).describe('Year of the edition, e.g. 2020');
const cbsCodeParam = z.string().regex(/^GM\d{4}$/i, 'expected a CBS code such as GM0363');

const editionSchema = z.object({
  year: z.number().int(),
  title: z.string(),
  status: z.enum(EDITION_STATUSES).describe('draft → open → closed → published'),
  statusLabel: z.string().describe('Dutch label of the status'),
  opensOn: z.string().nullable().describe('YYYY-MM-DD'),
  closesOn: z.string().nullable().describe('YYYY-MM-DD'),
  publishedAt: z.string().nullable().describe('ISO 8601 time the results were published'),
  imported: z.boolean().describe('Loaded from an earlier survey tool'),
});
const editionRefSchema = z.object({ id: z.number().int(), year: z.number().int(), title: z.string(), status: z.string() });

const optionSchema = z.object({ code: z.string(), label: z.string(), other: z.boolean().optional(), exclusive: z.boolean().optional() });
const questionDefSchema = z.object({
  code: z.string().describe('Stable across editions'),
  type: z.enum(QUESTION_TYPES),
  text: z.string(),
  help: z.string().nullish(),
  required: z.boolean().optional(),
  options: z.array(optionSchema).optional(),
  rows: z.array(z.object({ code: z.string(), label: z.string() })).optional(),
  dontKnow: z.boolean().optional().describe('"Weet ik niet" (option code dont_know) can be chosen'),
  showIf: z.object({ question: z.string(), row: z.string().optional(), anyOf: z.array(z.string()) }).nullish(),
  notComparable: z.boolean().optional().describe('Changed in this edition: not comparable with earlier editions'),
  min: z.number().nullish(),
  max: z.number().nullish(),
  unit: z.string().nullish(),
});
const definitionSchema = z
  .object({
    format: z.string().describe('ete-benchmark-questionnaire/1 (docs/benchmark.md)'),
    year: z.number().int(),
    title: z.string(),
    intro: z.string().nullish(),
    sections: z.array(z.object({ code: z.string(), pillar: z.enum(PILLARS), title: z.string(), intro: z.string().nullish(), questions: z.array(questionDefSchema) })),
  })
  .describe('The questionnaire definition, the same JSON as the admin export/import');

const optionCountSchema = z.object({
  code: z.string().describe('Option code; dont_know = "weet ik niet" (always last)'),
  label: z.string(),
  count: z.number().int(),
  percent: z.number().nullable().describe('count / n × 100, one decimal; null when n = 0'),
});
const suppressedReasonSchema = z
  .enum(SUPPRESSED_REASONS)
  .optional()
  .describe(
    `Why the figures are withheld: small_group (n < ${MIN_GROUP_SIZE}), small_difference (part of a larger group shown too, e.g. the panel of all respondents, that differs from it by 1 to ${MIN_GROUP_SIZE - 1} municipalities), not_published (the edition is not published yet)`,
  );
const questionResultSchema = z.object({
  question: z.object({
    code: z.string(),
    text: z.string(),
    type: z.enum(QUESTION_TYPES),
    sectionCode: z.string(),
    sectionTitle: z.string(),
    pillar: z.enum(PILLARS),
    notComparable: z.boolean(),
    multiple: z.boolean().describe('Multiple choice: the percentages may add up to more than 100%'),
  }),
  n: z.number().int().describe('Respondents who answered the question (matrix: at least one row); 0 when suppressed'),
  options: z.array(optionCountSchema).describe('Choice questions: every option in questionnaire order; number questions: only dont_know'),
  rows: z
    .array(
      z.object({
        code: z.string(),
        label: z.string(),
        n: z.number().int(),
        options: z.array(optionCountSchema),
        suppressed: z.boolean().optional(),
        suppressedReason: suppressedReasonSchema,
      }),
    )
    .optional()
    .describe('Matrix questions: per row its own n and counts'),
  numeric: z
    .object({
      n: z.number().int(),
      mean: z.number().nullable(),
      median: z.number().nullable(),
      min: z.number().nullable().describe('Always null except for the programme team (a single municipality\'s exact answer)'),
      max: z.number().nullable().describe('Always null except for the programme team'),
      suppressed: z.boolean().optional().describe(`Withheld (everyone but the programme team): n 0, mean and median null; see suppressedReason`),
      suppressedReason: suppressedReasonSchema,
    })
    .optional()
    .describe('Number questions: summary of the numbers given ("weet ik niet" excluded)'),
  suppressed: z.boolean().optional().describe('True when the counts are withheld (n 0, no options); see suppressedReason'),
  suppressedReason: suppressedReasonSchema,
});
const comparedQuestionSchema = z.object({
  current: questionResultSchema,
  previous: questionResultSchema.nullable().describe('The same question code in the compared edition; null when absent or marked not comparable'),
  panel: z
    .object({ current: questionResultSchema, previous: questionResultSchema.nullable() })
    .optional()
    .describe('With panel=true: both editions restricted to the municipalities that responded in both'),
  previousMissing: z
    .enum(['absent', 'not_comparable'])
    .optional()
    .describe('Why previous is null: absent in the compared edition, or not comparable (another type, or marked notComparable in an edition after the older of the two up to the newer)'),
});
const nationalResultsSchema = z.object({
  edition: editionRefSchema,
  compareWith: editionRefSchema.nullable(),
  filter: z.object({ provinceCode: z.string().optional(), sizeClass: z.string().optional(), joinedYear: z.number().int().optional(), panelYear: z.number().int().optional() }),
  respondents: z.number().int().describe(`Submitted responses matching the filter (one per primary municipality); 0 when respondentsSuppressed`),
  respondentsSuppressed: z.boolean().optional().describe(`Fewer than ${MIN_GROUP_SIZE} respondents (everyone but the programme team): respondents is 0`),
  panelSize: z.number().int().nullable().describe('Municipalities in the panel (when compared with another edition); 0 when panelSizeSuppressed'),
  panelSizeSuppressed: z.boolean().optional().describe(`Fewer than ${MIN_GROUP_SIZE} municipalities in the panel (everyone but the programme team): panelSize is 0`),
  suppressed: z.boolean().describe(`True when groups smaller than ${MIN_GROUP_SIZE} are withheld (everyone but the programme team)`),
  questions: z.array(comparedQuestionSchema),
});
const municipalityRef = z.object({ cbsCode: z.string(), name: z.string() });
const municipalityResultsSchema = z.object({
  edition: editionRefSchema,
  municipality: z.object({ cbsCode: z.string(), name: z.string(), provinceCode: z.string(), provinceName: z.string() }),
  response: z
    .object({
      status: z.enum(['in_progress', 'submitted']),
      submittedAt: z.string().nullable(),
      primary: municipalityRef.describe('The municipality the response counts for'),
      represented: z.array(municipalityRef).describe('All municipalities the response answers for, the primary first'),
    })
    .nullable()
    .describe('The response that counts for or represents this municipality'),
  respondents: z.number().int(),
  provinceRespondents: z.number().int().describe('Submitted responses in the province; 0 when provinceRespondentsSuppressed'),
  provinceRespondentsSuppressed: z.boolean().optional().describe(`Fewer than ${MIN_GROUP_SIZE} respondents in the province (everyone but the programme team)`),
  comparisonSuppressed: z
    .literal('not_published')
    .optional()
    .describe('The edition is not published yet: the own answers and trend only; every distribution of others is withheld until publication (everyone but the programme team)'),
  pillars: z.array(
    z.object({
      pillar: z.enum(PILLARS),
      title: z.string(),
      questions: z.array(
        z.object({
          question: questionResultSchema.shape.question,
          ownText: z.string().describe('The municipality\'s own answer in Dutch ("—" when not answered)'),
          ownCodes: z.union([z.array(z.string()), z.record(z.string(), z.string())]).nullable().describe('Own option codes; a matrix: row code → option code'),
          all: questionResultSchema.describe('Distribution among all respondents'),
          province: questionResultSchema.describe('Distribution within the municipality\'s province'),
          trend: z.array(z.object({ year: z.number().int(), text: z.string(), comparable: z.boolean() })).describe('Own answers in earlier editions, oldest first'),
        }),
      ),
    }),
  ),
});

const editionToApi = (e: Edition): z.infer<typeof editionSchema> => ({
  year: e.year,
  title: e.title,
  status: e.status as EditionStatus,
  statusLabel: EDITION_STATUS_LABELS[e.status as EditionStatus] ?? e.status,
  opensOn: e.opensOn,
  closesOn: e.closesOn,
  publishedAt: e.publishedAt ? e.publishedAt.toISOString() : null,
  imported: e.imported,
});

/** Everyone but the programme team sees published aggregates only, with small groups suppressed. */
const restricted = (p: Principal) => !can(p, 'benchmark:results');

/**
 * Filters are for the programme team. Two groups of five or more that differ by a few
 * municipalities (the nation and a province, a province and that province within one size
 * class) would reveal their answers by subtraction, and a filtered group's size below five
 * would be a small count. A municipality sees its own province's distribution, checked against
 * the national one, in its own results (municipalities/{cbsCode}/results).
 */
function checkFilters(p: Principal, o: ReturnType<typeof resultOptions>) {
  if (restricted(p) && (o.filter.provinceCode || o.filter.sizeClass || o.filter.joinedYear != null)) {
    throw new HttpError(
      400,
      'filter_not_allowed',
      "Filtering by province, size class or year of joining is for the programme team only; a municipality's own province is in its own results (municipalities/{cbsCode}/results).",
    );
  }
}

/** The edition of a year, or 404; drafts only for benchmark:manage, unpublished ones only for benchmark:results when `published`. */
async function editionFor(app: FastifyInstance, p: Principal, year: number, need: 'visible' | 'published'): Promise<Edition> {
  const e = await getEditionByYear(app.ctx.database.db, year);
  if (!e) throw new NotFoundError(`No edition ${year}.`);
  if (e.status === 'draft' && !can(p, 'benchmark:manage')) throw new NotFoundError(`No edition ${year}.`);
  if (need === 'published' && e.status !== 'published' && restricted(p)) throw new NotFoundError(`No published results for ${year}.`);
  return e;
}

/**
 * The edition to compare with: the requested year, or by default the previous edition — for
 * restricted callers the previous PUBLISHED edition, and an explicit year must be published.
 */
async function compareYearFor(app: FastifyInstance, p: Principal, edition: Edition, requested: number | null | undefined): Promise<number | null | undefined> {
  if (requested === null) return null;
  if (requested !== undefined) {
    if (requested === edition.year) throw new NotFoundError('An edition cannot be compared with itself.');
    await editionFor(app, p, requested, 'published').catch(() => {
      throw new NotFoundError(`No edition ${requested} to compare with.`);
    });
    return requested;
  }
  if (!restricted(p)) return undefined; // the previous edition
  const earlier = (await listEditions(app.ctx.database.db)).find((e) => e.year < edition.year && e.status === 'published');
  return earlier ? earlier.year : null;
}

function municipalityToApi(r: MunicipalityResults): z.infer<typeof municipalityResultsSchema> {
  return {
    ...r,
    municipality: { cbsCode: r.municipality.cbsCode, name: r.municipality.name, provinceCode: r.municipality.provinceCode, provinceName: r.municipality.provinceName },
    response: r.response ? { ...r.response, submittedAt: r.response.submittedAt ? r.response.submittedAt.toISOString() : null } : null,
  };
}

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema };

export async function benchmarkApi(appBase: FastifyInstance) {
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  const db = app.ctx.database.db;

  app.get(
    '/benchmark/editions',
    {
      schema: {
        tags: ['benchmark'],
        summary: 'List the benchmark editions (newest first)',
        description: 'Draft editions only for the programme team. Requires benchmark:report (API keys: benchmark:read).',
        response: { 200: z.object({ data: z.array(editionSchema) }), 401: errorSchema, 403: errorSchema },
      },
    },
    async (req) => {
      const p = req.authorize('benchmark:report');
      const manage = can(p, 'benchmark:manage');
      const rows = (await listEditions(db)).filter((e) => manage || e.status !== 'draft');
      return { data: rows.map(editionToApi) };
    },
  );

  app.get(
    '/benchmark/editions/:year/questionnaire',
    {
      schema: {
        tags: ['benchmark'],
        summary: 'The questionnaire of an edition (sections, questions, options, stable codes)',
        description: 'The JSON definition documented in docs/benchmark.md. Draft editions only for the programme team.',
        params: z.object({ year: yearParam }),
        response: { 200: z.object({ data: definitionSchema }), ...errors },
      },
    },
    async (req) => {
      const p = req.authorize('benchmark:report');
      const e = await editionFor(app, p, req.params.year, 'visible');
      return { data: await exportDefinition(db, e) };
    },
  );

  const resultsQuery = resultQuerySchema;
  const resultsDescription =
    'Counts and percentages per option over the submitted responses (one per primary municipality); n = respondents who answered the question (a matrix row: that row). ' +
    'Multiple-choice percentages may add up to more than 100%. Compared by default with the previous edition (compare=none: no comparison); panel=true adds the figures of the municipalities that responded in both editions. ' +
    `Everyone but the programme team gets published editions only, no filters (province, sizeClass, joinedYear: 400 filter_not_allowed), groups smaller than ${MIN_GROUP_SIZE} suppressed, ` +
    `panel figures suppressed where the panel differs from all respondents by 1 to ${MIN_GROUP_SIZE - 1} municipalities, no min/max of numbers, and respondents/panelSize 0 when below ${MIN_GROUP_SIZE}.`;

  app.get(
    '/benchmark/editions/:year/results',
    {
      schema: {
        tags: ['benchmark'],
        summary: 'National aggregate results of all questions of an edition',
        description: resultsDescription,
        params: z.object({ year: yearParam }),
        querystring: resultsQuery,
        response: { 200: z.object({ data: nationalResultsSchema }), ...errors },
      },
    },
    async (req) => {
      const p = req.authorize('benchmark:report');
      const e = await editionFor(app, p, req.params.year, 'published');
      const o = resultOptions(req.query);
      checkFilters(p, o);
      const suppress = restricted(p);
      const r = await nationalResults(db, e, { filter: o.filter, panel: o.panel, compareYear: await compareYearFor(app, p, e, o.compareYear), suppress });
      return { data: { ...r, suppressed: suppress } };
    },
  );

  app.get(
    '/benchmark/editions/:year/results/:questionCode',
    {
      schema: {
        tags: ['benchmark'],
        summary: 'National aggregate results of one question (by its stable code)',
        description: resultsDescription,
        params: z.object({ year: yearParam, questionCode: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,39}$/, 'expected a question code such as AWARE') }),
        querystring: resultsQuery,
        response: {
          200: z.object({ data: nationalResultsSchema.omit({ questions: true }).extend({ question: comparedQuestionSchema }) }),
          ...errors,
        },
      },
    },
    async (req) => {
      const p = req.authorize('benchmark:report');
      const e = await editionFor(app, p, req.params.year, 'published');
      const o = resultOptions(req.query);
      checkFilters(p, o);
      const suppress = restricted(p);
      const r = await nationalResults(db, e, {
        filter: o.filter,
        panel: o.panel,
        compareYear: await compareYearFor(app, p, e, o.compareYear),
        suppress,
        questionCodes: [req.params.questionCode],
      });
      const [question] = r.questions;
      if (!question) throw new NotFoundError(`Edition ${e.year} has no question ${req.params.questionCode}.`);
      const { questions: _all, ...rest } = r;
      return { data: { ...rest, suppressed: suppress, question } };
    },
  );

  app.get(
    '/benchmark/editions/:year/municipalities/:cbsCode/results',
    {
      schema: {
        tags: ['benchmark'],
        summary: "A municipality's own results next to the national and provincial distributions",
        description:
          'Its own answers (from the response that counts for it or represents it), the distribution among all respondents and within its province per pillar, and the trend of its own answers. ' +
          `Only for logged-in users allowed to see this municipality (its coordinators and advisors, and the programme team); others get 404. API keys get 403. Except for the programme team: groups smaller than ${MIN_GROUP_SIZE} are suppressed, ` +
          `province figures too where all respondents minus the province is 1 to ${MIN_GROUP_SIZE - 1}, no min/max of numbers, and an edition that is not published yet shows the own answers and trend only (comparisonSuppressed).`,
        params: z.object({ year: yearParam, cbsCode: cbsCodeParam }),
        response: { 200: z.object({ data: municipalityResultsSchema }), ...errors },
      },
    },
    async (req) => {
      const p = req.requireUser();
      if (p.kind === 'api_key') throw new ForbiddenError("API keys cannot read a municipality's own results.");
      req.authorize('benchmark:report');
      const notFound = () => new NotFoundError('Unknown CBS code, or no access to this municipality.');
      const [m] = await db
        .select({ id: municipalities.id })
        .from(municipalities)
        .where(and(eq(municipalities.cbsCode, req.params.cbsCode.toUpperCase()), isNull(municipalities.deletedAt)));
      if (!m || !can(p, 'benchmark:municipality', { municipalityId: m.id })) throw notFound();
      const e = await editionFor(app, p, req.params.year, 'visible');
      return { data: municipalityToApi(await municipalityResults(db, e, m.id, { suppress: restricted(p) })) };
    },
  );
}
