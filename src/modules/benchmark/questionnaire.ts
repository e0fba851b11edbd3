import { z } from 'zod';

/**
 * The questionnaire as data: the JSON definition (import/export, docs/benchmark.md), the
 * answer model, and the pure functions that parse, validate and store answers. No database
 * access here.
 */

export const QUESTION_TYPES = ['single', 'multiple', 'yesno', 'matrix', 'number', 'text', 'longtext'] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];
export const QUESTION_TYPE_LABELS: Record<QuestionType, string> = {
  single: 'Eén keuze',
  multiple: 'Meerdere keuzes',
  yesno: 'Ja/nee',
  matrix: 'Keuze per rij (matrix)',
  number: 'Getal',
  text: 'Korte tekst',
  longtext: 'Lange tekst',
};
export const CHOICE_TYPES: readonly QuestionType[] = ['single', 'multiple', 'yesno'];

/** Pillars and action lines of the programme (action programme §4, benchmark report §1). */
export const PILLARS = ['actielijn_1', 'actielijn_2', 'pijler_1', 'pijler_2', 'pijler_3', 'pijler_4', 'pijler_5', 'overig'] as const;
export type Pillar = (typeof PILLARS)[number];
export const PILLAR_LABELS: Record<Pillar, string> = {
  actielijn_1: 'Actielijn 1: Signaleren en bespreekbaar maken',
  actielijn_2: 'Actielijn 2: Doorbreken en duurzaam aanpakken',
  pijler_1: 'Pijler 1: Bestuurlijk commitment',
  pijler_2: 'Pijler 2: Sterk netwerk',
  pijler_3: 'Pijler 3: Betrokkenheid',
  pijler_4: 'Pijler 4: Duurzame aanpak',
  pijler_5: 'Pijler 5: Monitoring en evaluatie',
  overig: 'Overig',
};

/** Reserved option code for "weet ik niet". */
export const DONT_KNOW = 'dont_know';
export const DONT_KNOW_LABEL = 'Weet ik niet';
export const YES_NO_OPTIONS: ChoiceOption[] = [
  { code: 'yes', label: 'Ja' },
  { code: 'no', label: 'Nee' },
];

export interface ChoiceOption {
  code: string;
  label: string;
  /** "Anders, namelijk …": choosing it asks for a free text. */
  other?: boolean;
  /** In a multiple choice: cannot be combined with other options (e.g. "nee, geen"). */
  exclusive?: boolean;
}
export interface MatrixRow {
  code: string;
  label: string;
}
/** Show a question only when an earlier question's answer (or one matrix row) is one of `anyOf`. */
export interface ShowIf {
  question: string;
  row?: string;
  anyOf: string[];
}

export interface QuestionDef {
  code: string;
  type: QuestionType;
  text: string;
  help?: string | null;
  required?: boolean;
  options?: ChoiceOption[];
  rows?: MatrixRow[];
  dontKnow?: boolean;
  showIf?: ShowIf | null;
  notComparable?: boolean;
  min?: number | null;
  max?: number | null;
  unit?: string | null;
}
export interface SectionDef {
  code: string;
  pillar: Pillar;
  title: string;
  intro?: string | null;
  questions: QuestionDef[];
}
export interface QuestionnaireDef {
  format: typeof DEFINITION_FORMAT;
  year: number;
  title: string;
  intro?: string | null;
  sections: SectionDef[];
}
export const DEFINITION_FORMAT = 'ete-benchmark-questionnaire/1';

const CODE = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;
const codeField = (what: string) => z.string().regex(CODE, `${what}: begin met een letter; alleen letters, cijfers en _ (hoogstens 40 tekens)`);
const label = z.string().trim().min(1, 'tekst is verplicht').max(500);

const optionSchema = z.object({ code: codeField('optiecode'), label, other: z.boolean().optional(), exclusive: z.boolean().optional() });
const rowSchema = z.object({ code: codeField('rijcode'), label });
const showIfSchema = z.object({ question: codeField('vraagcode'), row: codeField('rijcode').optional(), anyOf: z.array(z.string()).min(1) });

export const questionDefSchema = z
  .object({
    code: codeField('vraagcode'),
    type: z.enum(QUESTION_TYPES),
    text: z.string().trim().min(1, 'vraagtekst is verplicht').max(2000),
    help: z.string().max(2000).nullish(),
    required: z.boolean().optional(),
    options: z.array(optionSchema).optional(),
    rows: z.array(rowSchema).optional(),
    dontKnow: z.boolean().optional(),
    showIf: showIfSchema.nullish(),
    notComparable: z.boolean().optional(),
    min: z.number().nullish(),
    max: z.number().nullish(),
    unit: z.string().max(40).nullish(),
  })
  .superRefine((q, ctx) => {
    const opts = q.options ?? [];
    const needsOptions = q.type === 'single' || q.type === 'multiple' || q.type === 'matrix';
    if (needsOptions && opts.length < 2) ctx.addIssue({ code: 'custom', path: ['options'], message: 'een keuzevraag heeft minstens twee opties' });
    if (!needsOptions && q.type !== 'yesno' && opts.length) ctx.addIssue({ code: 'custom', path: ['options'], message: 'alleen keuzevragen hebben opties' });
    if (q.type === 'matrix' && (q.rows ?? []).length < 1) ctx.addIssue({ code: 'custom', path: ['rows'], message: 'een matrixvraag heeft minstens één rij' });
    if (q.type !== 'matrix' && (q.rows ?? []).length) ctx.addIssue({ code: 'custom', path: ['rows'], message: 'alleen matrixvragen hebben rijen' });
    const dup = (list: { code: string }[]) => list.map((o) => o.code).find((c, i, all) => all.indexOf(c) !== i);
    const d1 = dup(opts);
    if (d1) ctx.addIssue({ code: 'custom', path: ['options'], message: `optiecode ${d1} komt twee keer voor` });
    const d2 = dup(q.rows ?? []);
    if (d2) ctx.addIssue({ code: 'custom', path: ['rows'], message: `rijcode ${d2} komt twee keer voor` });
    if (opts.some((o) => o.code === DONT_KNOW)) ctx.addIssue({ code: 'custom', path: ['options'], message: `optiecode ${DONT_KNOW} is gereserveerd voor "weet ik niet" (gebruik dontKnow: true)` });
    if (q.type === 'matrix' && opts.some((o) => o.other)) ctx.addIssue({ code: 'custom', path: ['options'], message: 'een matrixvraag heeft geen "anders, namelijk"' });
    if (q.min != null && q.max != null && q.min > q.max) ctx.addIssue({ code: 'custom', path: ['min'], message: 'minimum is groter dan maximum' });
  });

export const questionnaireDefSchema = z
  .object({
    format: z.literal(DEFINITION_FORMAT, { message: `format moet "${DEFINITION_FORMAT}" zijn` }),
    year: z.number().int().min(2000).max(2100),
    title: z.string().trim().min(1).max(200),
    intro: z.string().max(5000).nullish(),
    sections: z
      .array(
        z.object({
          code: codeField('sectiecode'),
          pillar: z.enum(PILLARS),
          title: z.string().trim().min(1).max(200),
          intro: z.string().max(5000).nullish(),
          questions: z.array(questionDefSchema),
        }),
      )
      .min(1),
  })
  .superRefine((d, ctx) => {
    const seen = new Map<string, QuestionDef>();
    const sectionCodes = new Set<string>();
    d.sections.forEach((s, si) => {
      if (sectionCodes.has(s.code)) ctx.addIssue({ code: 'custom', path: ['sections', si, 'code'], message: `sectiecode ${s.code} komt twee keer voor` });
      sectionCodes.add(s.code);
      s.questions.forEach((q, qi) => {
        const path = ['sections', si, 'questions', qi];
        if (seen.has(q.code)) ctx.addIssue({ code: 'custom', path: [...path, 'code'], message: `vraagcode ${q.code} komt twee keer voor` });
        if (q.showIf) {
          const src = seen.get(q.showIf.question);
          if (!src) ctx.addIssue({ code: 'custom', path: [...path, 'showIf'], message: `voorwaarde verwijst naar ${q.showIf.question}, dat geen eerdere vraag is` });
          else {
            const codes = new Set([...optionsOf(src).map((o) => o.code), ...(src.dontKnow ? [DONT_KNOW] : [])]);
            if (!CHOICE_TYPES.includes(src.type) && src.type !== 'matrix') ctx.addIssue({ code: 'custom', path: [...path, 'showIf'], message: `voorwaarde op ${src.code}: dat is geen keuzevraag` });
            if (src.type === 'matrix' && !(src.rows ?? []).some((r) => r.code === q.showIf!.row)) ctx.addIssue({ code: 'custom', path: [...path, 'showIf'], message: `voorwaarde op matrixvraag ${src.code} noemt geen bestaande rij` });
            for (const c of q.showIf.anyOf) if (!codes.has(c)) ctx.addIssue({ code: 'custom', path: [...path, 'showIf'], message: `voorwaarde: ${src.code} heeft geen optie ${c}` });
          }
        }
        seen.set(q.code, q as QuestionDef);
      });
    });
  });

/** The options of a question, yes/no included. */
export function optionsOf(q: Pick<QuestionDef, 'type' | 'options'>): ChoiceOption[] {
  if (q.type === 'yesno') return q.options?.length ? q.options : YES_NO_OPTIONS;
  return q.options ?? [];
}
/** The options a respondent can choose, "weet ik niet" included when allowed. */
export function choicesOf(q: Pick<QuestionDef, 'type' | 'options' | 'dontKnow'>): ChoiceOption[] {
  const opts = optionsOf(q);
  return q.dontKnow ? [...opts, { code: DONT_KNOW, label: DONT_KNOW_LABEL, exclusive: true }] : opts;
}

/** A question as stored (with its database id), the shape the services and views use. */
export interface Question extends QuestionDef {
  id: number;
  sectionId: number;
  position: number;
  required: boolean;
  options: ChoiceOption[];
  rows: MatrixRow[];
  dontKnow: boolean;
  notComparable: boolean;
}
export interface Section {
  id: number;
  code: string;
  pillar: Pillar;
  title: string;
  intro: string | null;
  position: number;
  questions: Question[];
}

// ---------------------------------------------------------------------------------------
// Answers

/**
 * One question's answer. Choice questions (single, yes/no, multiple) list the chosen option
 * codes ("weet ik niet" is the option DONT_KNOW) and the "anders, namelijk" text; a matrix maps
 * row codes to option codes; a number may be "weet ik niet".
 */
export type Answer =
  | { kind: 'choice'; options: string[]; other?: string | null }
  | { kind: 'matrix'; rows: Record<string, string> }
  | { kind: 'number'; value: number | null; dontKnow?: boolean }
  | { kind: 'text'; value: string };

/** One row of benchmark_answers, without the response id. */
export interface AnswerRow {
  questionId: number;
  rowCode: string;
  optionCode: string;
  valueNumber: number | null;
  valueText: string | null;
}

export const MAX_TEXT = { text: 500, longtext: 5000, other: 500 } as const;

/** The form field name of a question (and, for a matrix, of one row). */
export const fieldName = (q: Pick<QuestionDef, 'code'>, row?: string) => (row ? `q_${q.code}__${row}` : `q_${q.code}`);
export const otherFieldName = (q: Pick<QuestionDef, 'code'>) => `q_${q.code}_other`;

type FormValues = Record<string, string | string[] | undefined>;
const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]).map((s) => s.trim()).filter(Boolean);
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)?.trim() ?? '';

export interface ParsedAnswer {
  /** The answer, or null when the question was left empty. */
  answer: Answer | null;
  /** A problem with what was entered (not "required": see checkRequired). */
  error?: string;
}

/** Reads one question's answer from posted form values. Unknown codes are errors, never stored. */
export function parseAnswer(q: Question, values: FormValues): ParsedAnswer {
  const choices = choicesOf(q);
  const known = new Set(choices.map((o) => o.code));
  switch (q.type) {
    case 'single':
    case 'yesno':
    case 'multiple': {
      const picked = q.type === 'multiple' ? [...new Set(list(values[fieldName(q)]))] : list(values[fieldName(q)]).slice(0, 1);
      if (!picked.length) {
        const otherOnly = one(values[otherFieldName(q)]);
        return otherOnly ? { answer: null, error: 'U vulde een toelichting bij "anders" in, maar koos die optie niet. Kies "anders" of maak het tekstveld leeg.' } : { answer: null };
      }
      if (picked.some((c) => !known.has(c))) return { answer: null, error: 'Kies een van de gegeven antwoorden.' };
      const exclusive = picked.filter((c) => choices.find((o) => o.code === c)?.exclusive);
      if (exclusive.length && picked.length > 1) {
        const lbl = choices.find((o) => o.code === exclusive[0])!.label;
        return { answer: { kind: 'choice', options: picked }, error: `"${lbl}" kan niet samen met andere antwoorden worden gekozen.` };
      }
      const otherOpt = choices.find((o) => o.other && picked.includes(o.code));
      const otherText = one(values[otherFieldName(q)]);
      if (otherText.length > MAX_TEXT.other) return { answer: null, error: `De toelichting is te lang (hoogstens ${MAX_TEXT.other} tekens).` };
      if (otherOpt && !otherText) return { answer: { kind: 'choice', options: picked }, error: `U koos "${otherOpt.label}": vul in wat u bedoelt.` };
      return { answer: { kind: 'choice', options: picked, other: otherOpt ? otherText : null } };
    }
    case 'matrix': {
      const rows: Record<string, string> = {};
      let bad = false;
      for (const r of q.rows) {
        const v = one(values[fieldName(q, r.code)]);
        if (!v) continue;
        if (!known.has(v)) bad = true;
        else rows[r.code] = v;
      }
      if (bad) return { answer: Object.keys(rows).length ? { kind: 'matrix', rows } : null, error: 'Kies per rij een van de gegeven antwoorden.' };
      return { answer: Object.keys(rows).length ? { kind: 'matrix', rows } : null };
    }
    case 'number': {
      const raw = one(values[fieldName(q)]);
      if (q.dontKnow && list(values[`${fieldName(q)}_dk`]).includes(DONT_KNOW)) {
        return raw ? { answer: null, error: 'Vul een getal in of kies "weet ik niet", niet allebei.' } : { answer: { kind: 'number', value: null, dontKnow: true } };
      }
      if (!raw) return { answer: null };
      const normalised = raw.replace(/\s/g, '').replace(/\.(?=\d{3}(\D|$))/g, '').replace(',', '.');
      if (!/^-?\d+(\.\d+)?$/.test(normalised)) return { answer: null, error: 'Vul een getal in, zoals 12 of 12,5.' };
      const n = Number(normalised);
      if (q.min != null && n < q.min) return { answer: null, error: `Het getal moet ${q.min} of meer zijn.` };
      if (q.max != null && n > q.max) return { answer: null, error: `Het getal moet ${q.max} of minder zijn.` };
      return { answer: { kind: 'number', value: n } };
    }
    case 'text':
    case 'longtext': {
      const raw = (Array.isArray(values[fieldName(q)]) ? values[fieldName(q)]![0] : (values[fieldName(q)] as string | undefined))?.trim() ?? '';
      if (!raw) return { answer: null };
      const max = MAX_TEXT[q.type];
      if (raw.length > max) return { answer: null, error: `De tekst is te lang (${raw.length} tekens; hoogstens ${max}).` };
      return { answer: { kind: 'text', value: raw } };
    }
  }
}

/** The message when a required (visible) question is empty or incomplete, else null. */
export function checkRequired(q: Question, answer: Answer | null): string | null {
  if (!q.required) return null;
  if (!answer) return q.type === 'matrix' ? 'Beantwoord deze vraag voor elke rij.' : q.type === 'text' || q.type === 'longtext' || q.type === 'number' ? 'Vul deze vraag in.' : 'Kies een antwoord.';
  if (answer.kind === 'matrix' && q.rows.some((r) => !answer.rows[r.code])) return 'Beantwoord deze vraag voor elke rij.';
  return null;
}

/** Whether a question is shown, given the answers so far (by question code). */
export function isVisible(q: Pick<QuestionDef, 'showIf'>, answers: Map<string, Answer | null>): boolean {
  if (!q.showIf) return true;
  const a = answers.get(q.showIf.question);
  if (!a) return false;
  if (a.kind === 'choice') return a.options.some((c) => q.showIf!.anyOf.includes(c));
  if (a.kind === 'matrix') return q.showIf.row != null && q.showIf.anyOf.includes(a.rows[q.showIf.row] ?? '');
  return false;
}

/** The rows to store for one answer. */
export function answerToRows(q: Question, a: Answer): AnswerRow[] {
  const base = { questionId: q.id, rowCode: '', optionCode: '', valueNumber: null, valueText: null };
  switch (a.kind) {
    case 'choice': {
      const otherCode = choicesOf(q).find((o) => o.other)?.code;
      return a.options.map((code) => ({ ...base, optionCode: code, valueText: code === otherCode ? (a.other ?? null) : null }));
    }
    case 'matrix':
      return Object.entries(a.rows).map(([row, code]) => ({ ...base, rowCode: row, optionCode: code }));
    case 'number':
      return [a.dontKnow ? { ...base, optionCode: DONT_KNOW } : { ...base, valueNumber: a.value }];
    case 'text':
      return [{ ...base, valueText: a.value }];
  }
}

/** Rebuilds one question's answer from its stored rows (null when there are none). */
export function rowsToAnswer(q: Question, rows: Omit<AnswerRow, 'questionId'>[]): Answer | null {
  if (!rows.length) return null;
  switch (q.type) {
    case 'single':
    case 'yesno':
    case 'multiple': {
      const other = rows.find((r) => r.valueText != null)?.valueText ?? null;
      return { kind: 'choice', options: rows.map((r) => r.optionCode), other };
    }
    case 'matrix':
      return { kind: 'matrix', rows: Object.fromEntries(rows.map((r) => [r.rowCode, r.optionCode])) };
    case 'number':
      return rows[0]!.optionCode === DONT_KNOW ? { kind: 'number', value: null, dontKnow: true } : { kind: 'number', value: rows[0]!.valueNumber };
    case 'text':
    case 'longtext':
      return { kind: 'text', value: rows[0]!.valueText ?? '' };
  }
}

/** The values to put back in a form for an answer (the inverse of parseAnswer). */
export function answerToFormValues(q: Question, a: Answer | null): Record<string, string | string[]> {
  if (!a) return {};
  switch (a.kind) {
    case 'choice':
      return { [fieldName(q)]: q.type === 'multiple' ? a.options : (a.options[0] ?? ''), ...(a.other ? { [otherFieldName(q)]: a.other } : {}) };
    case 'matrix':
      return Object.fromEntries(Object.entries(a.rows).map(([r, c]) => [fieldName(q, r), c]));
    case 'number':
      return a.dontKnow ? { [`${fieldName(q)}_dk`]: [DONT_KNOW] } : { [fieldName(q)]: a.value == null ? '' : String(a.value).replace('.', ',') };
    case 'text':
      return { [fieldName(q)]: a.value };
  }
}

/** A readable Dutch rendering of an answer (summary page, printed copy, raw export). */
export function describeAnswer(q: Question, a: Answer | null): string {
  if (!a) return '—';
  const label = (code: string) => choicesOf(q).find((o) => o.code === code)?.label ?? code;
  switch (a.kind) {
    case 'choice':
      return a.options.map((c) => (a.other && choicesOf(q).find((o) => o.code === c)?.other ? `${label(c)}: ${a.other}` : label(c))).join('; ');
    case 'matrix':
      return q.rows.map((r) => `${r.label}: ${a.rows[r.code] ? label(a.rows[r.code]!) : '—'}`).join('; ');
    case 'number':
      return a.dontKnow ? DONT_KNOW_LABEL : a.value == null ? '—' : `${String(a.value).replace('.', ',')}${q.unit ? ` ${q.unit}` : ''}`;
    case 'text':
      return a.value;
  }
}

/**
 * Validates the answers of a set of questions (one page, or all on submit): visibility by
 * showIf (answers to hidden questions are dropped), entry errors, and — when `requireComplete` —
 * required questions. `answers` holds every answer known so far (earlier pages included).
 */
export function validatePage(
  questions: Question[],
  all: Question[],
  answers: Map<string, Answer | null>,
  entryErrors: Map<string, string>,
  requireComplete: boolean,
): { errors: Map<string, string>; visible: Set<string> } {
  const errors = new Map<string, string>();
  const visible = new Set<string>();
  // Visibility depends on earlier answers, so walk the whole questionnaire in order.
  const effective = new Map<string, Answer | null>();
  for (const q of all) {
    const shown = isVisible(q, effective);
    effective.set(q.code, shown ? (answers.get(q.code) ?? null) : null);
    if (shown) visible.add(q.code);
  }
  for (const q of questions) {
    if (!visible.has(q.code)) continue;
    const e = entryErrors.get(q.code) ?? (requireComplete ? checkRequired(q, answers.get(q.code) ?? null) : null);
    if (e) errors.set(q.code, e);
  }
  return { errors, visible };
}
