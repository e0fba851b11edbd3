import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from '../../platform/db/index.js';
import { audit, type AuditContext } from '../../platform/audit.js';
import { isIsoDate, normaliseDate } from '../../platform/http/forms.js';
import { detectFormat, readTable, TabularError } from '../../platform/tabular.js';
import { CBS_MUNICIPALITY, resolveMunicipalityCode } from '../registry/service.js';
import { benchmarkEditions, benchmarkInvitationMunicipalities, benchmarkInvitations, benchmarkResponseMunicipalities, benchmarkResponses } from './schema.js';
import {
  choicesOf,
  DEFINITION_FORMAT,
  DONT_KNOW,
  isVisible,
  MAX_TEXT,
  optionsOf,
  questionDefSchema,
  questionnaireDefSchema,
  type Answer,
  type QuestionDef,
  type QuestionnaireDef,
} from './questionnaire.js';
import { allQuestions, createEditionFromDefinition, createResponse, getEditionByYear, loadQuestionnaire, saveAnswers, type Edition, type EditionStatus } from './service.js';
import { lockEdition, nlErrors } from './editions-service.js';

/**
 * Imports of the benchmark (docs/benchmark.md):
 * - a questionnaire definition (JSON, "ete-benchmark-questionnaire/1"), checked completely with
 *   every problem reported by its JSON path;
 * - the responses of a past edition (JSON "ete-benchmark-responses/1", or CSV/XLSX with one row
 *   per response), checked completely; nothing is written unless everything is right, and then
 *   everything is written in one transaction.
 */

export const RESPONSES_FORMAT = 'ete-benchmark-responses/1';

/** One problem: where (file part, response number or line), which field/code, and why. */
export interface ImportProblem {
  where: string;
  field: string;
  reason: string;
}

export const formatProblems = (problems: ImportProblem[]) => problems.map((p) => `${p.where}${p.field ? `, ${p.field}` : ''}: ${p.reason}`);

const tx2db = (tx: unknown) => tx as Db;

// ---------------------------------------------------------------------------------------
// Questionnaire definition

/** zod path -> "sections[2].questions[4].options". */
export function jsonPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '') || '(bestand)';
}

/** Parses JSON text; a syntax error becomes a Dutch message with line and column. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  const clean = text.replace(/^\uFEFF/, '');
  try {
    return { ok: true, value: JSON.parse(clean) };
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    let where = '';
    if (pos) {
      const before = clean.slice(0, Number(pos[1]));
      const line = before.split('\n').length;
      where = ` (regel ${line}, teken ${before.length - before.lastIndexOf('\n')})`;
    }
    return { ok: false, message: `Het bestand is geen geldige JSON${where}. Controleer komma's, aanhalingstekens en haakjes. Melding: ${msg}` };
  }
}

const KNOWN_KEYS = {
  definition: ['format', 'year', 'title', 'intro', 'sections'],
  section: ['code', 'pillar', 'title', 'intro', 'questions'],
  question: ['code', 'type', 'text', 'help', 'required', 'options', 'rows', 'dontKnow', 'showIf', 'notComparable', 'min', 'max', 'unit'],
  option: ['code', 'label', 'other', 'exclusive'],
  row: ['code', 'label'],
  showIf: ['question', 'row', 'anyOf'],
};
const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** Fields the schema does not know (a typo such as "requird" would otherwise be dropped silently). */
function unknownKeys(v: unknown): ImportProblem[] {
  const out: ImportProblem[] = [];
  const check = (o: unknown, known: string[], path: (string | number)[]) => {
    if (!isObj(o)) return;
    for (const k of Object.keys(o)) if (!known.includes(k)) out.push({ where: 'vragenlijst', field: jsonPath([...path, k]), reason: `onbekend veld "${k}"; toegestaan zijn: ${known.join(', ')}` });
  };
  check(v, KNOWN_KEYS.definition, []);
  const sections = isObj(v) && Array.isArray(v.sections) ? v.sections : [];
  sections.forEach((s, si) => {
    check(s, KNOWN_KEYS.section, ['sections', si]);
    const qs = isObj(s) && Array.isArray(s.questions) ? s.questions : [];
    qs.forEach((q, qi) => {
      const path = ['sections', si, 'questions', qi];
      check(q, KNOWN_KEYS.question, path);
      if (!isObj(q)) return;
      if (Array.isArray(q.options)) q.options.forEach((o, oi) => check(o, KNOWN_KEYS.option, [...path, 'options', oi]));
      if (Array.isArray(q.rows)) q.rows.forEach((r, ri) => check(r, KNOWN_KEYS.row, [...path, 'rows', ri]));
      check(q.showIf, KNOWN_KEYS.showIf, [...path, 'showIf']);
    });
  });
  return out;
}

/**
 * zod skips the checks across questions (duplicate codes, conditions) when any part of the
 * file is malformed. To still report every problem, they run again on a stand-in where each
 * malformed part is replaced by a harmless valid one.
 */
function crossChecks(v: unknown): ImportProblem[] {
  if (!isObj(v) || !Array.isArray(v.sections)) return [];
  const standIns = new Set<string>();
  let n = 0;
  const validCode = (c: unknown) => (typeof c === 'string' && /^[A-Za-z][A-Za-z0-9_]{0,39}$/.test(c) ? c : null);
  const sections = v.sections.map((s) => {
    const so = isObj(s) ? s : {};
    const qs = Array.isArray(so.questions) ? so.questions : [];
    return {
      code: validCode(so.code) ?? `zzSection${++n}`,
      pillar: 'overig',
      title: 'x',
      questions: qs.map((q) => {
        if (questionDefSchema.safeParse(q).success) return q;
        const code = validCode(isObj(q) ? q.code : null) ?? `zzQuestion${++n}`;
        standIns.add(code);
        return { code, type: 'text', text: 'x' };
      }),
    };
  });
  const r = questionnaireDefSchema.safeParse({ format: DEFINITION_FORMAT, year: 2000, title: 'x', sections }, nlErrors);
  if (r.success) return [];
  // Conditions on a stand-in say nothing about the real question: leave those out.
  const aboutStandIn = (m: string) => [...standIns].some((p) => m.includes(`op ${p}:`) || m.includes(`: ${p} heeft geen optie`) || m.includes(`matrixvraag ${p} `));
  return r.error.issues
    .filter((i) => i.path.length > 1 && !aboutStandIn(i.message))
    .map((i) => ({ where: 'vragenlijst', field: jsonPath(i.path), reason: i.message }));
}

/** Checks a questionnaire definition completely; every problem has its JSON path. */
export function checkDefinition(value: unknown): { ok: true; def: QuestionnaireDef } | { ok: false; problems: ImportProblem[] } {
  const r = questionnaireDefSchema.safeParse(value, nlErrors);
  const problems = unknownKeys(value);
  if (r.success && !problems.length) return { ok: true, def: r.data as QuestionnaireDef };
  if (!r.success) {
    const seen = new Set<string>();
    for (const i of r.error.issues) {
      const p = { where: 'vragenlijst', field: jsonPath(i.path), reason: i.message };
      seen.add(`${p.field}|${p.reason}`);
      problems.push(p);
    }
    for (const p of crossChecks(value)) if (!seen.has(`${p.field}|${p.reason}`)) problems.push(p);
  }
  return { ok: false, problems };
}

export function parseDefinition(text: string): { ok: true; def: QuestionnaireDef } | { ok: false; problems: ImportProblem[] } {
  const j = parseJson(text);
  if (!j.ok) return { ok: false, problems: [{ where: 'vragenlijst', field: '(bestand)', reason: j.message }] };
  return checkDefinition(j.value);
}

/** Creates a new draft edition from a definition (year from the file unless overridden). */
export async function importDefinitionAsEdition(
  db: Db,
  ctx: AuditContext,
  def: QuestionnaireDef,
  opts: { year?: number; imported?: boolean; filename?: string },
): Promise<{ ok: true; edition: Edition } | { ok: false; problems: ImportProblem[] }> {
  const year = opts.year ?? def.year;
  if (await getEditionByYear(db, year)) return { ok: false, problems: [{ where: 'vragenlijst', field: 'year', reason: `er is al een meetmoment voor ${year}; kies een ander jaar` }] };
  const edition = await db.transaction(async (tx) => {
    const e = await createEditionFromDefinition(tx2db(tx), ctx, { year, title: def.title, intro: def.intro ?? null, imported: !!opts.imported }, def);
    await audit(tx2db(tx), ctx, { action: 'import', entity: 'benchmark_questionnaire', entityId: e.id, details: { year, fileYear: def.year, imported: !!opts.imported, filename: opts.filename ?? null } });
    return e;
  });
  return { ok: true, edition };
}

// ---------------------------------------------------------------------------------------
// Responses: reading the files

/** One response as read from a file, before checking. */
export interface RawResponse {
  /** "respons 3" (JSON) or "regel 4" (CSV). */
  where: string;
  municipalities: unknown;
  submittedAt: unknown;
  /** Answer parts by key: CODE, CODE.ROW (matrix row), CODE.other ("anders, namelijk" text). */
  answers: Map<string, unknown>;
}

export interface RawResponses {
  responses: RawResponse[];
  /** CSV: keys are matched case-insensitively (spreadsheet headers are normalised to lower case). */
  caseInsensitive: boolean;
  year?: unknown;
  problems: ImportProblem[];
}

export function readResponsesJson(text: string): RawResponses {
  const j = parseJson(text);
  const out: RawResponses = { responses: [], caseInsensitive: false, problems: [] };
  if (!j.ok) return { ...out, problems: [{ where: 'bestand', field: '', reason: j.message }] };
  const v = j.value;
  if (!isObj(v)) return { ...out, problems: [{ where: 'bestand', field: '', reason: `verwacht een object met "format", "year" en "responses"` }] };
  if (v.format !== RESPONSES_FORMAT) out.problems.push({ where: 'bestand', field: 'format', reason: `format moet "${RESPONSES_FORMAT}" zijn` });
  for (const k of Object.keys(v)) if (!['format', 'year', 'responses'].includes(k)) out.problems.push({ where: 'bestand', field: k, reason: `onbekend veld "${k}"` });
  out.year = v.year;
  if (!Array.isArray(v.responses)) {
    out.problems.push({ where: 'bestand', field: 'responses', reason: 'verwacht een lijst met responsen' });
    return out;
  }
  v.responses.forEach((r, i) => {
    const where = `respons ${i + 1}`;
    if (!isObj(r)) {
      out.problems.push({ where, field: '', reason: 'verwacht een object met "municipalities" en "answers"' });
      return;
    }
    for (const k of Object.keys(r)) if (!['municipalities', 'submittedAt', 'answers'].includes(k)) out.problems.push({ where, field: k, reason: `onbekend veld "${k}"` });
    const answers = new Map<string, unknown>();
    if (r.answers !== undefined && !isObj(r.answers)) out.problems.push({ where, field: 'answers', reason: 'verwacht een object met een antwoord per vraagcode' });
    else for (const [k, a] of Object.entries(r.answers ?? {})) answers.set(k, a);
    out.responses.push({ where, municipalities: r.municipalities, submittedAt: r.submittedAt, answers });
  });
  return out;
}

/**
 * Descriptive columns of the raw answers export (exports.tsx) that an import skips, so an
 * export of one edition can be imported again (e.g. into another installation).
 */
export const RAW_EXPORT_COLUMNS = new Set(['response_id', 'primary_cbs_code', 'primary_name', 'represented_names', 'status', 'started_at']);

/** CSV or XLSX: one row per response; columns `municipalities`, `submitted_at`, then per question. */
export async function readResponsesTable(content: Buffer, filename: string): Promise<RawResponses> {
  const out: RawResponses = { responses: [], caseInsensitive: true, problems: [] };
  let rows: Record<string, string>[];
  try {
    rows = await readTable(content, detectFormat(filename, content));
  } catch (e) {
    if (e instanceof TabularError) return { ...out, problems: [{ where: 'bestand', field: '', reason: e.message }] };
    throw e;
  }
  if (rows.length && !('municipalities' in rows[0]!)) out.problems.push({ where: 'kopregel', field: 'municipalities', reason: 'de kolom "municipalities" ontbreekt' });
  rows.forEach((r, i) => {
    // A raw export also lists responses still being filled in; an import stores submitted ones only.
    if (r.status && r.status !== 'submitted') {
      out.problems.push({ where: `regel ${i + 2}`, field: 'status', reason: `status "${r.status}": alleen ingediende responsen kunnen worden geïmporteerd; verwijder deze regel` });
      return;
    }
    const answers = new Map<string, unknown>();
    for (const [k, v] of Object.entries(r)) if (k !== 'municipalities' && k !== 'submitted_at' && k !== '' && !RAW_EXPORT_COLUMNS.has(k)) answers.set(k, v);
    out.responses.push({ where: `regel ${i + 2}`, municipalities: r.municipalities ?? '', submittedAt: r.submitted_at, answers });
  });
  return out;
}

/** Reads a responses file: JSON by name or content, else CSV/XLSX. */
export async function readResponsesFile(file: { filename: string; content: Buffer }): Promise<RawResponses> {
  const head = file.content.subarray(0, 64).toString('utf8').replace(/^\uFEFF/, '').trimStart();
  if (/\.json$/i.test(file.filename) || head.startsWith('{') || head.startsWith('[')) return readResponsesJson(file.content.toString('utf8'));
  return readResponsesTable(file.content, file.filename);
}

// ---------------------------------------------------------------------------------------
// Responses: checking

export interface CheckedResponse {
  where: string;
  municipalityIds: number[];
  submittedAt: Date | null;
  answers: Map<string, Answer>;
}

const emptyValue = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '') || (Array.isArray(v) && !v.length) || (isObj(v) && !Object.keys(v).length);

function codesOf(v: unknown): string[] | null {
  if (Array.isArray(v)) return v.every((x) => typeof x === 'string') ? v.map((x) => (x as string).trim()).filter(Boolean) : null;
  if (typeof v === 'string') return v.split('|').map((x) => x.trim()).filter(Boolean);
  return null;
}

/** "12", "12,5", "1.234", 12 -> number; anything else null. */
function numberOf(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v !== 'string') return null;
  const s = v.trim().replace(/\s/g, '').replace(/\.(?=\d{3}(\D|$))/g, '').replace(',', '.');
  return /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : null;
}

function submittedOf(v: unknown): Date | null | 'bad' {
  if (emptyValue(v)) return null;
  if (typeof v !== 'string') return 'bad';
  const d = normaliseDate(v) as string;
  if (isIsoDate(d)) return new Date(`${d}T12:00:00Z`);
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(d) && isIsoDate(d.slice(0, 10))) {
    const t = new Date(d.replace(' ', 'T'));
    return Number.isNaN(t.getTime()) ? 'bad' : t;
  }
  return 'bad';
}

/**
 * Checks every response against the questionnaire and the registry. Every problem is reported;
 * merged municipalities are resolved to their successor and reported as a note.
 */
export async function checkResponses(
  db: Db,
  questions: QuestionDef[],
  raw: RawResponses,
  opts: { year: number; editionId?: number },
): Promise<{ ok: true; responses: CheckedResponse[]; notes: ImportProblem[] } | { ok: false; problems: ImportProblem[]; notes: ImportProblem[] }> {
  const problems: ImportProblem[] = [...raw.problems];
  const notes: ImportProblem[] = [];
  if (raw.year !== undefined && raw.year !== opts.year) problems.push({ where: 'bestand', field: 'year', reason: `het bestand is voor ${String(raw.year)}, het meetmoment voor ${opts.year}` });
  if (!raw.responses.length && !problems.length) problems.push({ where: 'bestand', field: '', reason: 'het bestand bevat geen responsen' });

  const norm = (k: string) => (raw.caseInsensitive ? k.toLowerCase() : k);
  const byCode = new Map<string, QuestionDef>();
  for (const q of questions) {
    if (byCode.has(norm(q.code))) problems.push({ where: 'vragenlijst', field: q.code, reason: `vraagcodes ${byCode.get(norm(q.code))!.code} en ${q.code} verschillen alleen in hoofdletters; gebruik het JSON-formaat` });
    byCode.set(norm(q.code), q);
  }

  /** Resolves an answer key to its question and part; null = unknown. */
  const keyOf = (key: string): { q: QuestionDef; part: 'value' | 'other' | { row: string } } | { unknown: string } => {
    const direct = byCode.get(norm(key));
    if (direct) return { q: direct, part: 'value' };
    const dot = key.lastIndexOf('.');
    if (dot > 0) {
      const q = byCode.get(norm(key.slice(0, dot)));
      const rest = key.slice(dot + 1);
      if (q) {
        if (norm(rest) === 'other') {
          if (optionsOf(q).some((o) => o.other)) return { q, part: 'other' };
          return { unknown: `vraag ${q.code} heeft geen optie "anders, namelijk"` };
        }
        if (q.type === 'matrix') {
          const row = (q.rows ?? []).find((r) => norm(r.code) === norm(rest));
          return row ? { q, part: { row: row.code } } : { unknown: `vraag ${q.code} heeft geen rij ${rest}` };
        }
        return { unknown: `vraag ${q.code} is geen matrixvraag en heeft geen rijen` };
      }
    }
    return { unknown: `onbekende vraagcode ${key}` };
  };

  // CSV: unknown columns are reported once, for the header.
  const badColumns = new Set<string>();
  if (raw.caseInsensitive) {
    const keys = new Set(raw.responses.flatMap((r) => [...r.answers.keys()]));
    for (const k of keys) {
      const r = keyOf(k);
      if ('unknown' in r) {
        badColumns.add(k);
        problems.push({ where: 'kopregel', field: k, reason: r.unknown });
      }
    }
  }

  // Municipalities: resolved once per code.
  const resolved = new Map<string, Awaited<ReturnType<typeof resolveMunicipalityCode>>>();
  const resolve = async (code: string) => {
    if (!resolved.has(code)) resolved.set(code, await resolveMunicipalityCode(db, code));
    return resolved.get(code)!;
  };
  const taken = new Map<number, string>();
  if (opts.editionId != null) {
    const rows = await db
      .select({ id: benchmarkResponseMunicipalities.municipalityId })
      .from(benchmarkResponseMunicipalities)
      .innerJoin(benchmarkResponses, eq(benchmarkResponses.id, benchmarkResponseMunicipalities.responseId))
      .where(eq(benchmarkResponses.editionId, opts.editionId));
    for (const r of rows) taken.set(r.id, 'een bestaande respons in dit meetmoment');
    // An invited municipality answers through its personal link: an import would collide with that response.
    const invited = await db
      .select({ id: benchmarkInvitationMunicipalities.municipalityId })
      .from(benchmarkInvitationMunicipalities)
      .innerJoin(benchmarkInvitations, eq(benchmarkInvitations.id, benchmarkInvitationMunicipalities.invitationId))
      .where(and(eq(benchmarkInvitations.editionId, opts.editionId), isNull(benchmarkInvitations.revokedAt)));
    for (const r of invited) if (!taken.has(r.id)) taken.set(r.id, 'een uitnodiging in dit meetmoment (trek die eerst in)');
  }

  const out: CheckedResponse[] = [];
  for (const r of raw.responses) {
    const where = r.where;
    const problem = (field: string, reason: string) => problems.push({ where, field, reason });

    // Municipalities (first = primary).
    const list = Array.isArray(r.municipalities) ? r.municipalities : typeof r.municipalities === 'string' ? r.municipalities.split(/[;,|\s]+/).filter(Boolean) : null;
    const ids: number[] = [];
    if (!list || !list.length) problem('municipalities', 'geen gemeente: noem minstens één CBS-gemeentecode (de eerste is de hoofdgemeente)');
    else {
      for (const item of list) {
        const code = typeof item === 'string' ? item.trim().toUpperCase() : '';
        if (!CBS_MUNICIPALITY.test(code)) {
          problem('municipalities', `"${String(item)}" is geen CBS-gemeentecode (zoals GM0344)`);
          continue;
        }
        const m = await resolve(code);
        if (!m) {
          problem('municipalities', `onbekende gemeentecode ${code}`);
          continue;
        }
        const label = `${m.municipality.cbsCode} (${m.municipality.name})`;
        if (m.via.length) notes.push({ where, field: 'municipalities', reason: `${code} is opgegaan in ${label}; de respons telt voor ${m.municipality.cbsCode}` });
        if (ids.includes(m.municipality.id)) {
          problem('municipalities', `${code} komt twee keer voor in deze respons${m.via.length ? ` (na samenvoeging: ${label})` : ''}`);
          continue;
        }
        const elsewhere = taken.get(m.municipality.id);
        if (elsewhere) problem('municipalities', `${label} komt ook voor in ${elsewhere}; een gemeente kan maar één respons hebben`);
        ids.push(m.municipality.id);
      }
      for (const id of ids) if (!taken.has(id)) taken.set(id, where);
    }

    const submitted = submittedOf(r.submittedAt);
    if (submitted === 'bad') problem(raw.caseInsensitive ? 'submitted_at' : 'submittedAt', `"${String(r.submittedAt)}" is geen datum (JJJJ-MM-DD of JJJJ-MM-DDTuu:mm)`);

    // Group the answer parts per question.
    type Parts = { value?: unknown; other?: unknown; rows: Map<string, unknown>; keys: string[] };
    const parts = new Map<QuestionDef, Parts>();
    for (const [key, value] of r.answers) {
      if (badColumns.has(key)) continue;
      const k = keyOf(key);
      if ('unknown' in k) {
        problem(key, k.unknown);
        continue;
      }
      if (emptyValue(value)) continue;
      const p: Parts = parts.get(k.q) ?? { rows: new Map<string, unknown>(), keys: [] };
      p.keys.push(key);
      if (k.part === 'value') p.value = value;
      else if (k.part === 'other') p.other = value;
      else p.rows.set(k.part.row, value);
      parts.set(k.q, p);
    }

    const answers = new Map<string, Answer>();
    for (const [q, p] of parts) {
      const field = q.code;
      const choices = choicesOf({ type: q.type, options: q.options, dontKnow: q.dontKnow });
      const checkCode = (c: string, f = field): boolean => {
        if (choices.some((o) => o.code === c)) return true;
        if (c === DONT_KNOW) problem(f, `"weet ik niet" (${DONT_KNOW}) is bij vraag ${q.code} niet toegestaan`);
        else {
          const near = choices.find((o) => o.code.toLowerCase() === c.toLowerCase());
          problem(f, `onbekende optiecode ${c}${near ? ` (bedoelt u ${near.code}?)` : ''}; mogelijk: ${choices.map((o) => o.code).join(', ')}`);
        }
        return false;
      };
      switch (q.type) {
        case 'single':
        case 'yesno':
        case 'multiple': {
          if (p.rows.size) problem(field, `vraag ${q.code} heeft geen rijen`);
          if (p.value === undefined) {
            if (p.other !== undefined) problem(`${q.code}.other`, `er is een toelichting bij "anders", maar bij ${q.code} is geen antwoord gekozen`);
            break;
          }
          const codes = codesOf(p.value);
          if (!codes) {
            problem(field, q.type === 'multiple' ? 'verwacht een lijst met optiecodes, zoals ["A", "B"] of A|B' : 'verwacht één optiecode');
            break;
          }
          const unique = [...new Set(codes)];
          if (unique.length !== codes.length) problem(field, 'een optiecode komt twee keer voor');
          if (q.type !== 'multiple' && unique.length > 1) {
            problem(field, `bij deze vraag kan maar één antwoord: ${unique.join(', ')}`);
            break;
          }
          if (!unique.map((c) => checkCode(c)).every(Boolean)) break;
          const exclusive = unique.find((c) => choices.find((o) => o.code === c)?.exclusive);
          if (exclusive && unique.length > 1) problem(field, `${exclusive} kan niet samen met andere antwoorden worden gekozen`);
          const otherOpt = choices.find((o) => o.other);
          let other: string | null = null;
          if (p.other !== undefined) {
            if (typeof p.other !== 'string') problem(`${q.code}.other`, 'verwacht een tekst');
            else if (!otherOpt || !unique.includes(otherOpt.code)) problem(`${q.code}.other`, `er is een toelichting bij "anders", maar optie ${otherOpt?.code ?? '(anders)'} is niet gekozen`);
            else if (p.other.trim().length > MAX_TEXT.other) problem(`${q.code}.other`, `de toelichting is te lang (hoogstens ${MAX_TEXT.other} tekens)`);
            else other = p.other.trim();
          }
          answers.set(q.code, { kind: 'choice', options: unique, other });
          break;
        }
        case 'matrix': {
          const rows = new Map(p.rows);
          if (p.value !== undefined) {
            if (!isObj(p.value)) problem(field, 'verwacht per rij een optiecode, zoals { "GEM": "KAR" }');
            else
              for (const [rk, rv] of Object.entries(p.value)) {
                const row = (q.rows ?? []).find((x) => x.code === rk);
                if (!row) problem(field, `vraag ${q.code} heeft geen rij ${rk}`);
                else if (!emptyValue(rv)) rows.set(row.code, rv);
              }
          }
          const result: Record<string, string> = {};
          let ok = true;
          for (const [row, v] of rows) {
            const f = `${q.code}.${row}`;
            if (typeof v !== 'string') {
              problem(f, 'verwacht één optiecode');
              ok = false;
            } else if (checkCode(v.trim(), f)) result[row] = v.trim();
            else ok = false;
          }
          if (ok && Object.keys(result).length) answers.set(q.code, { kind: 'matrix', rows: result });
          break;
        }
        case 'number': {
          if (p.value === DONT_KNOW || (typeof p.value === 'string' && p.value.trim() === DONT_KNOW)) {
            if (q.dontKnow) answers.set(q.code, { kind: 'number', value: null, dontKnow: true });
            else problem(field, `"weet ik niet" (${DONT_KNOW}) is bij vraag ${q.code} niet toegestaan`);
            break;
          }
          const n = numberOf(p.value);
          if (n == null) problem(field, `"${String(p.value)}" is geen getal`);
          else if (q.min != null && n < q.min) problem(field, `${n} is kleiner dan het minimum ${q.min}`);
          else if (q.max != null && n > q.max) problem(field, `${n} is groter dan het maximum ${q.max}`);
          else answers.set(q.code, { kind: 'number', value: n });
          break;
        }
        case 'text':
        case 'longtext': {
          if (typeof p.value !== 'string') {
            problem(field, 'verwacht een tekst');
            break;
          }
          const v = p.value.trim();
          if (v.length > MAX_TEXT[q.type]) problem(field, `de tekst is te lang (${v.length} tekens; hoogstens ${MAX_TEXT[q.type]})`);
          else answers.set(q.code, { kind: 'text', value: v });
          break;
        }
      }
    }

    // Answers to questions the respondent would not have been asked (see showIf).
    const effective = new Map<string, Answer | null>();
    for (const q of questions) {
      const shown = isVisible(q, effective);
      const a = answers.get(q.code) ?? null;
      if (a && !shown) problem(q.code, `beantwoord, maar de vraag wordt alleen gesteld als ${q.showIf!.question}${q.showIf!.row ? `.${q.showIf!.row}` : ''} een van ${q.showIf!.anyOf.join(', ')} is`);
      effective.set(q.code, shown ? a : null);
    }

    out.push({ where, municipalityIds: ids, submittedAt: submitted === 'bad' ? null : submitted, answers });
  }
  return problems.length ? { ok: false, problems, notes } : { ok: true, responses: out, notes };
}

// ---------------------------------------------------------------------------------------
// Responses: writing

/** Writes checked responses as submitted, in the caller's transaction. */
async function writeResponses(t: Db, edition: Edition, responses: CheckedResponse[], onProgress?: (done: number, total: number) => void): Promise<void> {
  const questions = allQuestions(await loadQuestionnaire(t, edition.id));
  const byCode = new Map(questions.map((q) => [q.code, q]));
  const fallback = edition.closesOn ? new Date(`${edition.closesOn}T12:00:00Z`) : null;
  for (const [i, r] of responses.entries()) {
    const row = await createResponse(t, { editionId: edition.id, municipalityIds: r.municipalityIds, status: 'submitted', submittedAt: r.submittedAt ?? fallback });
    await saveAnswers(
      t,
      row.id,
      [...r.answers].map(([code, answer]) => ({ question: byCode.get(code)!, answer })),
    );
    onProgress?.(i + 1, responses.length);
  }
}

export type ResponsesImportResult = { ok: true; imported: number; notes: ImportProblem[] } | { ok: false; problems: ImportProblem[]; notes: ImportProblem[] };

/** Imports a responses file into an existing edition: everything or nothing. */
export async function importResponses(
  db: Db,
  ctx: AuditContext,
  editionId: number,
  file: { filename: string; content: Buffer },
  onProgress?: (done: number, total: number) => void,
): Promise<ResponsesImportResult> {
  const raw = await readResponsesFile(file);
  return db.transaction(async (tx) => {
    const t = tx2db(tx);
    const edition = await lockEdition(t, editionId);
    if (!edition) return { ok: false as const, problems: [{ where: 'meetmoment', field: '', reason: 'dit meetmoment bestaat niet (meer)' }], notes: [] };
    if (edition.status === 'published')
      return { ok: false as const, problems: [{ where: 'meetmoment', field: 'status', reason: 'het meetmoment is gepubliceerd; zet het eerst terug naar gesloten om responsen toe te voegen' }], notes: [] };
    const questions = allQuestions(await loadQuestionnaire(t, edition.id));
    if (!questions.length) return { ok: false as const, problems: [{ where: 'meetmoment', field: '', reason: 'de vragenlijst van dit meetmoment heeft geen vragen' }], notes: [] };
    const checked = await checkResponses(t, questions, raw, { year: edition.year, editionId: edition.id });
    if (!checked.ok) return checked;
    await writeResponses(t, edition, checked.responses, onProgress);
    await audit(t, ctx, {
      action: 'import',
      entity: 'benchmark_response',
      entityId: edition.id,
      details: { year: edition.year, filename: file.filename, responses: checked.responses.length, notes: checked.notes.length },
    });
    return { ok: true as const, imported: checked.responses.length, notes: checked.notes };
  });
}

/**
 * The CLI import of a past edition: a questionnaire (creates the edition, marked imported) and
 * optionally its responses — all in one transaction, nothing written on any problem.
 */
export async function importPastEdition(
  db: Db,
  ctx: AuditContext,
  input: { questionnaire: { filename: string; text: string }; responses?: { filename: string; content: Buffer }; year?: number; status?: EditionStatus; onProgress?: (done: number, total: number) => void },
): Promise<{ ok: true; edition: Edition; imported: number; notes: ImportProblem[] } | { ok: false; problems: ImportProblem[]; notes: ImportProblem[] }> {
  const parsed = parseDefinition(input.questionnaire.text);
  if (!parsed.ok) return { ok: false, problems: parsed.problems, notes: [] };
  const def = parsed.def;
  const year = input.year ?? def.year;
  if (await getEditionByYear(db, year)) return { ok: false, problems: [{ where: 'vragenlijst', field: 'year', reason: `er is al een meetmoment voor ${year}` }], notes: [] };
  let checked: { responses: CheckedResponse[]; notes: ImportProblem[] } = { responses: [], notes: [] };
  if (input.responses) {
    const raw = await readResponsesFile(input.responses);
    const r = await checkResponses(db, allDefs(def), raw, { year });
    if (!r.ok) return r;
    checked = r;
  }
  const status = input.status ?? 'closed';
  const edition = await db.transaction(async (tx) => {
    const t = tx2db(tx);
    const e = await createEditionFromDefinition(t, ctx, { year, title: def.title, intro: def.intro ?? null, imported: true, status }, def);
    if (status === 'published') await t.update(benchmarkEditions).set({ publishedAt: new Date() }).where(eq(benchmarkEditions.id, e.id));
    await audit(t, ctx, { action: 'import', entity: 'benchmark_questionnaire', entityId: e.id, details: { year, filename: input.questionnaire.filename, imported: true, status } });
    if (checked.responses.length) {
      await writeResponses(t, e, checked.responses, input.onProgress);
      await audit(t, ctx, { action: 'import', entity: 'benchmark_response', entityId: e.id, details: { year, filename: input.responses!.filename, responses: checked.responses.length, notes: checked.notes.length } });
    }
    return e;
  });
  return { ok: true, edition, imported: checked.responses.length, notes: checked.notes };
}

const allDefs = (def: QuestionnaireDef) => def.sections.flatMap((s) => s.questions);
