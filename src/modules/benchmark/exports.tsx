import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sql } from 'drizzle-orm';
import { audit } from '../../platform/audit.js';
import type { Db } from '../../platform/db/index.js';
import { HttpError, NotFoundError } from '../../platform/http/errors.js';
import type { Format, TableColumn } from '../../platform/tabular.js';
import { sendExport } from '../registry/tabular-views.js';
import { choicesOf, rowsToAnswer, type Answer, type Question } from './questionnaire.js';
import { allQuestions, getEditionByYear, loadQuestionnaire, type Edition } from './service.js';
import { nationalResults, resultOptions, resultQuerySchema, type ResultQuery } from './results-service.js';
import type { NationalResults, QuestionResult } from './results-types.js';

/**
 * Downloads of the benchmark (programme team), every one audit-logged:
 * - /benchmark/:year/resultaten.csv|.xlsx — the aggregates: one row per question × matrix row ×
 *   option with count, percent and n, the compared edition's figures and the panel figures;
 *   the same filters as the results page and the API (province, sizeClass, joinedYear, compare).
 *   benchmark:results.
 * - /benchmark/:year/antwoorden.csv|.xlsx — the raw responses: one row per response with its
 *   primary and represented municipalities, status, dates and one column per question, matrix
 *   row and "anders, namelijk" text. benchmark:manage only.
 * CSV is UTF-8 with BOM; `?scheidingsteken=puntkomma` gives `;` and decimal commas (Dutch Excel).
 */

const FORMATS: Format[] = ['csv', 'xlsx'];

async function editionOf(db: Db, year: string): Promise<Edition> {
  const e = /^\d{4}$/.test(year) ? await getEditionByYear(db, Number(year)) : undefined;
  if (!e) throw new NotFoundError('Deze editie van de benchmark bestaat niet.');
  return e;
}

const delimiterOf = (req: FastifyRequest): ',' | ';' => ((req.query as Record<string, unknown>).scheidingsteken === 'puntkomma' ? ';' : ',');

const FILTER_MESSAGES: Record<string, string> = {
  compare: 'Vergelijk met: kies een jaar (zoals 2019) of "none".',
  panel: 'Panel: gebruik true of false.',
  province: 'Provincie: gebruik een provinciecode zoals PV27.',
  sizeClass: 'Gemeentegrootte: kies een van de grootteklassen.',
  joinedYear: 'Jaar van deelname: vul een jaar in, zoals 2019.',
};

/** The filters of the query string; a bad value is a 400 naming what is wrong, in Dutch. */
function parseFilters(req: FastifyRequest): ResultQuery {
  const q = req.query as Record<string, unknown>;
  const known = Object.fromEntries(Object.keys(resultQuerySchema.shape).map((k) => [k, q[k]]).filter(([, v]) => v !== undefined));
  const parsed = resultQuerySchema.safeParse(known);
  if (parsed.success) return parsed.data;
  const fields = [...new Set(parsed.error.issues.map((i) => String(i.path[0])))];
  throw new HttpError(400, 'invalid_filter', `Het filter is ongeldig. ${fields.map((f) => FILTER_MESSAGES[f] ?? f).join(' ')}`);
}

// ---------------------------------------------------------------------------------------
// Aggregates

interface Figures {
  n: number | null;
  count: number | null;
  percent: number | null;
}
interface ResultRow {
  pillar: string;
  sectionCode: string;
  code: string;
  text: string;
  type: string;
  multiple: boolean;
  suppressed: boolean;
  rowCode: string;
  rowLabel: string;
  optionCode: string;
  optionLabel: string;
  current: Figures;
  numeric: { mean: number | null; median: number | null; min: number | null; max: number | null } | null;
  previous: Figures | null;
  panel: Figures | null;
  panelPrevious: Figures | null;
}

/** The figures of one option (of one matrix row) in a result; null when the question or option is absent. */
function figuresOf(r: QuestionResult | null | undefined, row: string, option: string): Figures | null {
  if (!r) return null;
  if (option === '#number') return { n: r.n, count: r.numeric?.n ?? null, percent: null };
  if (option === '#text') return { n: r.n, count: null, percent: null };
  const source = row ? r.rows?.find((x) => x.code === row) : r;
  if (!source) return null;
  // Absent: suppressed, or an option the compared edition did not have.
  const o = source.options.find((x) => x.code === option);
  return { n: source.n, count: o?.count ?? null, percent: o?.percent ?? null };
}

function resultRows(r: NationalResults): ResultRow[] {
  const out: ResultRow[] = [];
  for (const cq of r.questions) {
    const cur = cq.current;
    const q = cur.question;
    const base = { pillar: q.pillar, sectionCode: q.sectionCode, code: q.code, text: q.text, type: q.type, multiple: q.multiple, suppressed: !!cur.suppressed };
    const push = (rowCode: string, rowLabel: string, optionCode: string, optionLabel: string, numeric: ResultRow['numeric'] = null) =>
      out.push({
        ...base,
        rowCode,
        rowLabel,
        optionCode: optionCode.startsWith('#') ? '' : optionCode,
        optionLabel,
        current: figuresOf(cur, rowCode, optionCode)!,
        numeric,
        previous: figuresOf(cq.previous, rowCode, optionCode),
        panel: figuresOf(cq.panel?.current, rowCode, optionCode),
        panelPrevious: figuresOf(cq.panel?.previous, rowCode, optionCode),
      });
    if (q.type === 'matrix') {
      for (const row of cur.rows ?? []) {
        // A suppressed row has no options: still one line, without counts.
        if (!row.options.length) push(row.code, row.label, '', '');
        for (const o of row.options) push(row.code, row.label, o.code, o.label);
      }
    } else if (q.type === 'number') {
      const num = cur.numeric;
      push('', '', '#number', 'Getal', num ? { mean: num.mean, median: num.median, min: num.min, max: num.max } : null);
      for (const o of cur.options) push('', '', o.code, o.label);
    } else if (q.type === 'text' || q.type === 'longtext') {
      push('', '', '#text', 'Tekst (alleen het aantal)');
    } else {
      if (!cur.options.length) push('', '', '', '');
      for (const o of cur.options) push('', '', o.code, o.label);
    }
  }
  return out;
}

const decimal = (v: number | null | undefined, delimiter: ',' | ';') => (v == null ? null : delimiter === ';' ? String(v).replace('.', ',') : v);

function resultColumns(r: NationalResults, delimiter: ',' | ';'): TableColumn<ResultRow>[] {
  const dec = (v: number | null | undefined) => decimal(v, delimiter);
  const compareYear = r.compareWith?.year ?? null;
  return [
    { header: 'edition_year', value: () => r.edition.year },
    { header: 'pillar', value: (x) => x.pillar },
    { header: 'section_code', value: (x) => x.sectionCode },
    { header: 'question_code', value: (x) => x.code },
    { header: 'question_text', value: (x) => x.text },
    { header: 'question_type', value: (x) => x.type },
    { header: 'multiple_choice', value: (x) => (x.multiple ? 'yes' : 'no') },
    { header: 'row_code', value: (x) => x.rowCode },
    { header: 'row_label', value: (x) => x.rowLabel },
    { header: 'option_code', value: (x) => x.optionCode },
    { header: 'option_label', value: (x) => x.optionLabel },
    { header: 'n', value: (x) => x.current.n },
    { header: 'count', value: (x) => x.current.count },
    { header: 'percent', value: (x) => dec(x.current.percent) },
    { header: 'mean', value: (x) => dec(x.numeric?.mean) },
    { header: 'median', value: (x) => dec(x.numeric?.median) },
    { header: 'min', value: (x) => dec(x.numeric?.min) },
    { header: 'max', value: (x) => dec(x.numeric?.max) },
    { header: 'compare_year', value: (x) => (x.previous ? compareYear : null) },
    { header: 'compare_n', value: (x) => x.previous?.n },
    { header: 'compare_count', value: (x) => x.previous?.count },
    { header: 'compare_percent', value: (x) => dec(x.previous?.percent) },
    { header: 'panel_size', value: () => r.panelSize },
    { header: 'panel_n', value: (x) => x.panel?.n },
    { header: 'panel_count', value: (x) => x.panel?.count },
    { header: 'panel_percent', value: (x) => dec(x.panel?.percent) },
    { header: 'panel_compare_n', value: (x) => x.panelPrevious?.n },
    { header: 'panel_compare_count', value: (x) => x.panelPrevious?.count },
    { header: 'panel_compare_percent', value: (x) => dec(x.panelPrevious?.percent) },
  ];
}

// ---------------------------------------------------------------------------------------
// Raw responses

type RawResponse = {
  id: number;
  status: string;
  started_at: Date;
  submitted_at: Date | null;
  cbs_code: string;
  name: string;
  represented_codes: string | null;
  represented_names: string | null;
};
interface RawRow {
  response: RawResponse;
  answers: Map<number, Answer | null>;
}

/** Every response of the edition with its answers (admin export: loading them here is fine). */
async function rawResponses(db: Db, edition: Edition, questions: Question[]): Promise<RawRow[]> {
  const [responses, answers] = await Promise.all([
    db.execute<RawResponse>(sql`
      select r.id, r.status, r.started_at, r.submitted_at, m.cbs_code, m.name,
             (select string_agg(m2.cbs_code, ' ' order by rm.position) from benchmark_response_municipalities rm join municipalities m2 on m2.id = rm.municipality_id
               where rm.response_id = r.id and rm.municipality_id <> r.municipality_id) as represented_codes,
             (select string_agg(m2.name, '; ' order by rm.position) from benchmark_response_municipalities rm join municipalities m2 on m2.id = rm.municipality_id
               where rm.response_id = r.id and rm.municipality_id <> r.municipality_id) as represented_names
        from benchmark_responses r
        join municipalities m on m.id = r.municipality_id
       where r.edition_id = ${edition.id}::int
       order by m.cbs_code`),
    db.execute<{ response_id: number; question_id: number; row_code: string; option_code: string; value_number: string | null; value_text: string | null }>(sql`
      select a.response_id, a.question_id, a.row_code, a.option_code, a.value_number, a.value_text
        from benchmark_answers a
        join benchmark_responses r on r.id = a.response_id
       where r.edition_id = ${edition.id}::int
       order by a.id`),
  ]);
  const grouped = new Map<number, Map<number, { rowCode: string; optionCode: string; valueNumber: number | null; valueText: string | null }[]>>();
  for (const a of answers.rows) {
    let perQ = grouped.get(a.response_id);
    if (!perQ) grouped.set(a.response_id, (perQ = new Map()));
    const list = perQ.get(a.question_id) ?? [];
    list.push({ rowCode: a.row_code, optionCode: a.option_code, valueNumber: a.value_number == null ? null : Number(a.value_number), valueText: a.value_text });
    perQ.set(a.question_id, list);
  }
  return responses.rows.map((response) => {
    const perQ = grouped.get(response.id);
    return { response, answers: new Map(questions.map((q) => [q.id, rowsToAnswer(q, perQ?.get(q.id) ?? [])])) };
  });
}

const iso = (d: Date | string | null) => (d == null ? null : new Date(d).toISOString());

function rawColumns(questions: Question[], delimiter: ',' | ';'): TableColumn<RawRow>[] {
  const cols: TableColumn<RawRow>[] = [
    { header: 'response_id', value: (x) => x.response.id },
    { header: 'primary_cbs_code', value: (x) => x.response.cbs_code },
    { header: 'primary_name', value: (x) => x.response.name },
    { header: 'municipalities', value: (x) => [x.response.cbs_code, ...(x.response.represented_codes ? x.response.represented_codes.split(' ') : [])].join(';') },
    { header: 'represented_names', value: (x) => x.response.represented_names },
    { header: 'status', value: (x) => x.response.status },
    { header: 'started_at', value: (x) => iso(x.response.started_at) },
    { header: 'submitted_at', value: (x) => iso(x.response.submitted_at) },
  ];
  for (const q of questions) {
    const a = (x: RawRow) => x.answers.get(q.id) ?? null;
    switch (q.type) {
      case 'matrix':
        for (const r of q.rows) cols.push({ header: `${q.code}.${r.code}`, value: (x) => ((y) => (y?.kind === 'matrix' ? y.rows[r.code] : null))(a(x)) });
        break;
      case 'number':
        cols.push({ header: q.code, value: (x) => ((y) => (y?.kind === 'number' ? (y.dontKnow ? 'dont_know' : decimal(y.value, delimiter)) : y?.kind === 'choice' ? y.options.join('|') : null))(a(x)) });
        break;
      case 'text':
      case 'longtext':
        cols.push({ header: q.code, value: (x) => ((y) => (y?.kind === 'text' ? y.value : null))(a(x)) });
        break;
      default:
        cols.push({ header: q.code, value: (x) => ((y) => (y?.kind === 'choice' ? y.options.join('|') : null))(a(x)) });
        if (choicesOf(q).some((o) => o.other)) cols.push({ header: `${q.code}.other`, value: (x) => ((y) => (y?.kind === 'choice' ? y.other : null))(a(x)) });
    }
  }
  return cols;
}

// ---------------------------------------------------------------------------------------

export async function benchmarkExportRoutes(app: FastifyInstance) {
  const db = app.ctx.database.db;

  async function results(req: FastifyRequest<{ Params: { year: string } }>, reply: FastifyReply, format: Format) {
    req.authorize('benchmark:results');
    const edition = await editionOf(db, req.params.year);
    const query = parseFilters(req);
    const o = resultOptions(query);
    const delimiter = delimiterOf(req);
    // The export always carries the panel figures when there is an edition to compare with.
    const r = await nationalResults(db, edition, { filter: o.filter, compareYear: o.compareYear, panel: true });
    const rows = resultRows(r);
    const filters = { ...o.filter, compare: r.compareWith?.year ?? null };
    await audit(db, req.auditCtx(), {
      action: 'export',
      entity: 'benchmark_results',
      entityId: edition.id,
      details: { year: edition.year, format, delimiter, rows: rows.length, respondents: r.respondents, filters },
    });
    const suffix = [o.filter.provinceCode, o.filter.sizeClass, o.filter.joinedYear && `deelname${o.filter.joinedYear}`].filter(Boolean).join('-');
    return sendExport(reply, rows, resultColumns(r, delimiter), {
      format,
      delimiter,
      baseName: `benchmark-${edition.year}-resultaten${suffix ? `-${suffix}` : ''}`,
      sheetName: `Resultaten ${edition.year}`,
    });
  }

  async function answers(req: FastifyRequest<{ Params: { year: string } }>, reply: FastifyReply, format: Format) {
    req.authorize('benchmark:manage');
    const edition = await editionOf(db, req.params.year);
    const delimiter = delimiterOf(req);
    const questions = allQuestions(await loadQuestionnaire(db, edition.id));
    const rows = await rawResponses(db, edition, questions);
    await audit(db, req.auditCtx(), {
      action: 'export',
      entity: 'benchmark_answers',
      entityId: edition.id,
      details: { year: edition.year, format, delimiter, rows: rows.length },
    });
    return sendExport(reply, rows, rawColumns(questions, delimiter), { format, delimiter, baseName: `benchmark-${edition.year}-antwoorden`, sheetName: `Antwoorden ${edition.year}` });
  }

  for (const format of FORMATS) {
    app.get<{ Params: { year: string } }>(`/benchmark/:year/resultaten.${format}`, (req, reply) => results(req, reply, format));
    app.get<{ Params: { year: string } }>(`/benchmark/:year/antwoorden.${format}`, (req, reply) => answers(req, reply, format));
  }
}
