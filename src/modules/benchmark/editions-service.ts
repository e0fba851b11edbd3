import { and, asc, eq, inArray, isNull, ne, notExists, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import type { Db } from '../../platform/db/index.js';
import { audit, type AuditContext } from '../../platform/audit.js';
import { roleScope, type Principal } from '../../platform/access.js';
import { isIsoDate, normaliseDate, parseForm } from '../../platform/http/forms.js';
import type { FieldErrors } from '../../platform/views/components.js';
import { municipalities } from '../registry/schema.js';
import { benchmarkAnswers, benchmarkEditions, benchmarkInvitations, benchmarkQuestions, benchmarkResponses, benchmarkSections } from './schema.js';
import { CHOICE_TYPES, DEFINITION_FORMAT, DONT_KNOW, questionnaireDefSchema, type Pillar, type QuestionDef, type QuestionnaireDef, type QuestionType, type Section, type ShowIf } from './questionnaire.js';
import {
  createEditionFromDefinition,
  EDITION_STATUS_LABELS,
  EDITION_TRANSITIONS,
  exportDefinition,
  getEditionByYear,
  insertQuestionnaire,
  listEditions,
  loadQuestionnaire,
  questionAnswerCodes,
  questionDefOf,
  questionValues,
  type Edition,
  type EditionStatus,
} from './service.js';
import { amsterdamDate } from './links.js';

/**
 * Editions and their questionnaire as the programme team manages them: creating an edition
 * (a copy of the latest questionnaire by default), its settings, status changes, soft delete,
 * and editing the questionnaire without ever orphaning an answer (docs/benchmark.md).
 */

const tx2db = (tx: unknown) => tx as Db;
const isUniqueViolation = (e: unknown) => (e as { cause?: { code?: string }; code?: string })?.cause?.code === '23505' || (e as { code?: string })?.code === '23505';

/** Dutch messages for zod's generic issues (the definition schema's own messages are Dutch already). */
export const nlErrors = { error: z.locales.nl().localeError };

// ---------------------------------------------------------------------------------------
// Settings

export const EDITION_FIELD_LABELS: Record<string, string> = {
  year: 'Jaar',
  title: 'Titel',
  intro: 'Inleiding',
  opensOn: 'Opent op',
  closesOn: 'Sluit op',
  allowChangesAfterSubmit: 'Antwoorden wijzigen na indienen',
  reminderDays: 'Herinneringen',
  leeg: 'Vragenlijst',
};

/** "14, 7, 2" -> [14, 7, 2] (days before closing; unique, largest first). */
export function parseReminderDays(raw: string | undefined): { ok: true; days: number[] } | { ok: false; message: string } {
  const text = (raw ?? '').trim();
  if (!text) return { ok: true, days: [] };
  const parts = text.split(/[,;\s]+/).filter(Boolean);
  const bad = parts.find((p) => !/^\d{1,3}$/.test(p) || Number(p) < 1 || Number(p) > 365);
  if (bad) return { ok: false, message: `"${bad}" is geen aantal dagen tussen 1 en 365. Schrijf de dagen met komma's ertussen, zoals 14, 7, 2.` };
  const days = [...new Set(parts.map(Number))].sort((a, b) => b - a);
  return { ok: true, days };
}

const trimmed = (v: unknown) => (typeof v === 'string' ? v.trim() : v);
const checkbox = z.preprocess((v) => v === 'ja' || (Array.isArray(v) && v.includes('ja')), z.boolean());
const dateField = (label: string) =>
  z.preprocess(normaliseDate, z.string({ message: `Vul een geldige datum in voor "${label}", zoals 2025-10-01 of 1-10-2025.` }).refine(isIsoDate, `Vul een geldige datum in voor "${label}", zoals 2025-10-01 of 1-10-2025.`).optional());

export const editionSettingsSchema = z
  .object({
    year: z.preprocess(trimmed, z.string({ message: 'Vul het jaar in, zoals 2025.' }).regex(/^\d{4}$/, 'Vul het jaar in met vier cijfers, zoals 2025.').transform(Number)).pipe(
      z.number().min(2000, 'Kies een jaar tussen 2000 en 2100.').max(2100, 'Kies een jaar tussen 2000 en 2100.'),
    ),
    title: z.preprocess(trimmed, z.string({ message: 'Vul een titel in.' }).min(1, 'Vul een titel in.').max(200, 'Gebruik hoogstens 200 tekens.')),
    intro: z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : trimmed(v)), z.string().max(5000, 'Gebruik hoogstens 5000 tekens.').optional()),
    opensOn: dateField('opent op'),
    closesOn: dateField('sluit op'),
    allowChangesAfterSubmit: checkbox,
    reminderDays: z.preprocess((v) => (typeof v === 'string' ? v : ''), z.string()).transform((v, ctx) => {
      const r = parseReminderDays(v);
      if (!r.ok) {
        ctx.addIssue({ code: 'custom', message: r.message });
        return z.NEVER;
      }
      return r.days;
    }),
    leeg: checkbox,
  })
  .superRefine((v, ctx) => {
    if (v.opensOn && v.closesOn && v.closesOn < v.opensOn) ctx.addIssue({ code: 'custom', path: ['closesOn'], message: 'De sluitingsdatum ligt vóór de openingsdatum. Kies een latere sluitingsdatum.' });
  });
export type EditionSettings = z.infer<typeof editionSettingsSchema>;

/**
 * Parses the settings form. The order of the dates is checked even when other fields are wrong
 * (zod skips an object's refinements then), so every problem is shown at once.
 */
export function parseEditionForm(values: Record<string, unknown>): { ok: true; data: EditionSettings } | { ok: false; errors: FieldErrors } {
  const parsed = parseForm(editionSettingsSchema, values);
  if (parsed.ok) return parsed;
  const opens = normaliseDate(values.opensOn);
  const closes = normaliseDate(values.closesOn);
  if (!parsed.errors.closesOn && typeof opens === 'string' && typeof closes === 'string' && isIsoDate(opens) && isIsoDate(closes) && closes < opens)
    parsed.errors.closesOn = 'De sluitingsdatum ligt vóór de openingsdatum. Kies een latere sluitingsdatum.';
  return parsed;
}

/** The form values of an edition's settings. */
export function settingsFormValues(e: Edition): Record<string, unknown> {
  return {
    year: String(e.year),
    title: e.title,
    intro: e.intro ?? '',
    opensOn: e.opensOn ?? '',
    closesOn: e.closesOn ?? '',
    allowChangesAfterSubmit: e.allowChangesAfterSubmit ? 'ja' : '',
    reminderDays: e.reminderDays.join(', '),
  };
}

const yearTaken = (year: number) => `Er is al een meetmoment voor ${year}. Kies een ander jaar, of open het bestaande meetmoment om het te bewerken.`;

/** Creates an edition; its questionnaire is a copy of the latest edition's, unless `leeg`. */
export async function createEdition(db: Db, ctx: AuditContext, input: EditionSettings): Promise<{ ok: true; edition: Edition; copiedFrom: Edition | null } | { ok: false; errors: FieldErrors }> {
  if (await getEditionByYear(db, input.year)) return { ok: false, errors: { year: yearTaken(input.year) } };
  const source = input.leeg ? null : ((await listEditions(db))[0] ?? null);
  const def = source ? copyForNewEdition(await exportDefinition(db, source)) : { sections: [] };
  try {
    const edition = await createEditionFromDefinition(
      db,
      ctx,
      {
        year: input.year,
        title: input.title,
        intro: input.intro ?? null,
        opensOn: input.opensOn ?? null,
        closesOn: input.closesOn ?? null,
        allowChangesAfterSubmit: input.allowChangesAfterSubmit,
        reminderDays: input.reminderDays,
      },
      def,
    );
    if (source) await audit(db, ctx, { action: 'update', entity: 'benchmark_edition', entityId: edition.id, details: { questionnaireCopiedFrom: source.year } });
    return { ok: true, edition, copiedFrom: source };
  } catch (e) {
    if (isUniqueViolation(e)) return { ok: false, errors: { year: yearTaken(input.year) } };
    throw e;
  }
}

/**
 * The questionnaire for a new edition: the same codes (so answers stay comparable) with the
 * "not comparable" marks cleared — they say the question changed in *that* edition.
 */
export function copyForNewEdition(def: QuestionnaireDef): Pick<QuestionnaireDef, 'sections'> {
  return { sections: def.sections.map((s) => ({ ...s, questions: s.questions.map(({ notComparable: _drop, ...q }) => q) })) };
}

/** Updates an edition's settings. The year can change only while the edition is a draft. */
export async function updateEditionSettings(db: Db, ctx: AuditContext, e: Edition, input: Omit<EditionSettings, 'leeg'>): Promise<{ ok: true } | { ok: false; errors: FieldErrors }> {
  const year = e.status === 'draft' ? input.year : e.year;
  if (year !== e.year) {
    const [other] = await db
      .select({ id: benchmarkEditions.id })
      .from(benchmarkEditions)
      .where(and(eq(benchmarkEditions.year, year), isNull(benchmarkEditions.deletedAt), ne(benchmarkEditions.id, e.id)));
    if (other) return { ok: false, errors: { year: yearTaken(year) } };
  }
  if (e.status === 'open' && (!input.opensOn || !input.closesOn)) {
    return { ok: false, errors: { ...(input.opensOn ? {} : { opensOn: 'Een open meetmoment heeft een openingsdatum.' }), ...(input.closesOn ? {} : { closesOn: 'Een open meetmoment heeft een sluitingsdatum.' }) } };
  }
  const next = {
    year,
    title: input.title,
    intro: input.intro ?? null,
    opensOn: input.opensOn ?? null,
    closesOn: input.closesOn ?? null,
    allowChangesAfterSubmit: input.allowChangesAfterSubmit,
    reminderDays: input.reminderDays,
  };
  const changed = (Object.keys(next) as (keyof typeof next)[]).filter((k) => JSON.stringify(next[k]) !== JSON.stringify(e[k]));
  if (!changed.length) return { ok: true };
  try {
    await db.transaction(async (tx) => {
      await tx.update(benchmarkEditions).set({ ...next, updatedAt: new Date() }).where(eq(benchmarkEditions.id, e.id));
      await audit(tx2db(tx), ctx, { action: 'update', entity: 'benchmark_edition', entityId: e.id, details: { changed, ...(changed.includes('year') ? { from: e.year, to: year } : {}) } });
    });
  } catch (err) {
    if (isUniqueViolation(err)) return { ok: false, errors: { year: yearTaken(year) } };
    throw err;
  }
  return { ok: true };
}

/** The edition row, locked until the transaction ends (so two changes cannot interleave). */
export async function lockEdition(t: Db, id: number): Promise<Edition | undefined> {
  const [e] = await t
    .select()
    .from(benchmarkEditions)
    .where(and(eq(benchmarkEditions.id, id), isNull(benchmarkEditions.deletedAt)))
    .for('update');
  return e;
}

// ---------------------------------------------------------------------------------------
// Status

/** The status changes offered for an edition. An imported past edition may go from draft straight to closed. */
export function allowedTransitions(e: Pick<Edition, 'status' | 'imported'>): EditionStatus[] {
  const list = [...EDITION_TRANSITIONS[e.status as EditionStatus]];
  if (e.imported && e.status === 'draft') list.push('closed');
  return list;
}

export const TRANSITION_LABELS: Record<EditionStatus, string> = {
  draft: 'Terug naar concept',
  open: 'Openen',
  closed: 'Sluiten',
  published: 'Publiceren',
};

/** What the change means, shown on the confirmation page. */
export function transitionExplanation(e: Edition, to: EditionStatus): string {
  if (to === 'open')
    return e.status === 'closed'
      ? 'Het meetmoment gaat weer open: uitgenodigde contactpersonen kunnen hun vragenlijst weer invullen of aanpassen tot en met de sluitingsdatum.'
      : 'Het meetmoment gaat open: uitgenodigde contactpersonen kunnen de vragenlijst invullen vanaf de openingsdatum tot en met de sluitingsdatum. Vragen die al beantwoord zijn, kunnen daarna niet meer worden verwijderd of van code of type veranderen.';
  if (to === 'closed')
    return e.status === 'published'
      ? 'De publicatie wordt ingetrokken: coördinatoren en adviseurs zien de landelijke resultaten en het rapport niet meer tot het meetmoment opnieuw is gepubliceerd.'
      : 'Het meetmoment sluit: persoonlijke links werken niet meer en er worden geen herinneringen meer verstuurd. De vragenlijst kan daarna niet meer worden gewijzigd.';
  if (to === 'published') return 'De resultaten worden gepubliceerd: coördinatoren en adviseurs zien het landelijke rapport en de resultaten van hun gemeenten naast die van alle anderen.';
  return '';
}

export async function questionCount(db: Db, editionId: number): Promise<number> {
  const [r] = await db.select({ n: sql<number>`count(*)::int` }).from(benchmarkQuestions).where(eq(benchmarkQuestions.editionId, editionId));
  return r?.n ?? 0;
}

/** Why an edition cannot move to `to` now (empty when it can). */
export async function transitionProblems(db: Db, e: Edition, to: EditionStatus): Promise<string[]> {
  if (!allowedTransitions(e).includes(to)) return [`Een meetmoment met status "${EDITION_STATUS_LABELS[e.status as EditionStatus]}" kan niet naar "${EDITION_STATUS_LABELS[to]}".`];
  const problems: string[] = [];
  if (to === 'open') {
    if ((await questionCount(db, e.id)) === 0) problems.push('De vragenlijst heeft nog geen vragen. Voeg eerst minstens één vraag toe.');
    if (!e.opensOn) problems.push('Er is geen openingsdatum. Vul die in bij de instellingen.');
    if (!e.closesOn) problems.push('Er is geen sluitingsdatum. Vul die in bij de instellingen.');
    if (e.opensOn && e.closesOn && e.closesOn < e.opensOn) problems.push('De sluitingsdatum ligt vóór de openingsdatum. Pas de data aan bij de instellingen.');
    else if (e.closesOn && e.closesOn < amsterdamDate()) problems.push('De sluitingsdatum ligt in het verleden. Kies bij de instellingen een latere sluitingsdatum.');
  }
  return problems;
}

/** Changes the status (checked again inside the transaction); publishing sets published_at. */
export async function changeStatus(db: Db, ctx: AuditContext, id: number, to: EditionStatus): Promise<{ ok: true } | { ok: false; reasons: string[] }> {
  return db.transaction(async (tx) => {
    const t = tx2db(tx);
    const e = await lockEdition(t, id);
    if (!e) return { ok: false as const, reasons: ['Dit meetmoment bestaat niet (meer).'] };
    const reasons = await transitionProblems(t, e, to);
    if (reasons.length) return { ok: false as const, reasons };
    await t
      .update(benchmarkEditions)
      .set({ status: to, publishedAt: to === 'published' ? new Date() : to === 'closed' ? null : e.publishedAt, updatedAt: new Date() })
      .where(eq(benchmarkEditions.id, id));
    await audit(t, ctx, { action: 'status_change', entity: 'benchmark_edition', entityId: id, details: { year: e.year, from: e.status, to } });
    return { ok: true as const };
  });
}

/**
 * Closes every open edition whose closing day has passed (Amsterdam time): run daily by the
 * benchmark-reminders job, so an edition does not stay "open" after its links stopped working.
 */
export async function closeEndedEditions(db: Db, now = new Date()): Promise<number[]> {
  const ended = await db
    .select({ id: benchmarkEditions.id })
    .from(benchmarkEditions)
    .where(and(eq(benchmarkEditions.status, 'open'), isNull(benchmarkEditions.deletedAt), sql`${benchmarkEditions.closesOn} < ${amsterdamDate(now)}::date`));
  const closed: number[] = [];
  for (const { id } of ended) {
    const r = await changeStatus(db, { label: 'systeem (sluitingsdatum verstreken)' }, id, 'closed');
    if (r.ok) closed.push(id);
  }
  return closed;
}

// ---------------------------------------------------------------------------------------
// Counts, delete

export interface EditionStats {
  sections: number;
  questions: number;
  invitations: number;
  responses: number;
  submitted: number;
}

export async function editionStats(db: Db, editionId: number): Promise<EditionStats> {
  const [[s], [q], [i], [r]] = await Promise.all([
    db.select({ n: sql<number>`count(*)::int` }).from(benchmarkSections).where(eq(benchmarkSections.editionId, editionId)),
    db.select({ n: sql<number>`count(*)::int` }).from(benchmarkQuestions).where(eq(benchmarkQuestions.editionId, editionId)),
    db
      .select({ n: sql<number>`count(*)::int` })
      .from(benchmarkInvitations)
      .where(and(eq(benchmarkInvitations.editionId, editionId), isNull(benchmarkInvitations.revokedAt))),
    db
      .select({ n: sql<number>`count(*)::int`, submitted: sql<number>`count(*) filter (where ${benchmarkResponses.status} = 'submitted')::int` })
      .from(benchmarkResponses)
      .where(eq(benchmarkResponses.editionId, editionId)),
  ]);
  return { sections: s?.n ?? 0, questions: q?.n ?? 0, invitations: i?.n ?? 0, responses: r?.n ?? 0, submitted: r?.submitted ?? 0 };
}

export async function responseCount(db: Db, editionId: number): Promise<number> {
  const [r] = await db.select({ n: sql<number>`count(*)::int` }).from(benchmarkResponses).where(eq(benchmarkResponses.editionId, editionId));
  return r?.n ?? 0;
}

/** Why an edition cannot be deleted (only a draft without responses can). */
export async function deleteProblems(db: Db, e: Edition): Promise<string[]> {
  const reasons: string[] = [];
  if (e.status !== 'draft') reasons.push(`Alleen een concept kan worden verwijderd; dit meetmoment is "${EDITION_STATUS_LABELS[e.status as EditionStatus]}".`);
  const n = await responseCount(db, e.id);
  if (n) reasons.push(`Er ${n === 1 ? 'is 1 respons' : `zijn ${n} responsen`} op dit meetmoment; die blijven bewaard.`);
  return reasons;
}

/** Soft delete (deleted_at) of a draft without responses; checked again inside the transaction. */
export async function deleteEdition(db: Db, ctx: AuditContext, id: number): Promise<{ ok: true } | { ok: false; reasons: string[] }> {
  return db.transaction(async (tx) => {
    const t = tx2db(tx);
    const e = await lockEdition(t, id);
    if (!e) return { ok: false as const, reasons: ['Dit meetmoment bestaat niet (meer).'] };
    const reasons = await deleteProblems(t, e);
    if (reasons.length) return { ok: false as const, reasons };
    await t.update(benchmarkEditions).set({ deletedAt: new Date(), updatedAt: new Date() }).where(eq(benchmarkEditions.id, id));
    await audit(t, ctx, { action: 'delete', entity: 'benchmark_edition', entityId: id, details: { year: e.year, title: e.title } });
    return { ok: true as const };
  });
}

/** The municipalities whose benchmark dashboard a coordinator or advisor may open, by name. */
export async function dashboardMunicipalities(db: Db, p: Principal): Promise<{ id: number; cbsCode: string; name: string }[]> {
  const ids = [...new Set([...roleScope(p, 'municipality_coordinator').municipalityIds, ...roleScope(p, 'advisor').municipalityIds])];
  if (!ids.length) return [];
  return db
    .select({ id: municipalities.id, cbsCode: municipalities.cbsCode, name: municipalities.name })
    .from(municipalities)
    .where(and(inArray(municipalities.id, ids), isNull(municipalities.deletedAt)))
    .orderBy(asc(municipalities.name));
}

// ---------------------------------------------------------------------------------------
// Editing the questionnaire

/** A question or section while being edited: id null = new. */
export interface DraftQuestion extends QuestionDef {
  id: number | null;
}
export interface DraftSection {
  id: number | null;
  code: string;
  pillar: Pillar;
  title: string;
  intro?: string | null;
  questions: DraftQuestion[];
}

export const isEditable = (e: Pick<Edition, 'status'>) => e.status === 'draft' || e.status === 'open';

export function toDraft(sections: Section[]): DraftSection[] {
  return sections.map((s) => ({ id: s.id, code: s.code, pillar: s.pillar, title: s.title, intro: s.intro, questions: s.questions.map((q) => ({ id: q.id, ...questionDefOf(q) })) }));
}

export function draftToDefinition(e: Pick<Edition, 'year' | 'title' | 'intro'>, draft: DraftSection[]): QuestionnaireDef {
  return {
    format: DEFINITION_FORMAT,
    year: e.year,
    title: e.title,
    intro: e.intro,
    sections: draft.map(({ id: _s, questions, ...s }) => ({ ...s, questions: questions.map(({ id: _q, ...q }) => q) })),
  };
}

/** A definition without empty parts (false, null, [], ''), as exportDefinition writes it. */
export function normaliseDef(q: QuestionDef): QuestionDef {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === null || v === false || v === '' || (Array.isArray(v) && !v.length)) continue;
    if (k === 'options' && q.type === 'yesno') continue;
    out[k] = v;
  }
  return out as unknown as QuestionDef;
}

/** Stable JSON (sorted keys at every level), for comparing definitions. */
function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}
export const sameDef = (a: QuestionDef, b: QuestionDef) => stable(normaliseDef(a)) === stable(normaliseDef(b));

/** One problem with a change: where in the definition (a zod path) or which field of which question. */
export interface EditProblem {
  path?: (string | number)[];
  questionCode?: string;
  field?: string;
  message: string;
}

/** Checks the whole resulting questionnaire against the definition schema (codes, duplicates, conditions). */
export function validateDraft(e: Pick<Edition, 'year' | 'title' | 'intro'>, draft: DraftSection[]): EditProblem[] {
  const r = questionnaireDefSchema.safeParse(draftToDefinition(e, draft), nlErrors);
  if (r.success) return [];
  // An empty questionnaire is fine while editing (a new edition may start empty).
  return r.error.issues.filter((i) => !(i.path.length === 1 && i.path[0] === 'sections')).map((i) => ({ path: i.path as (string | number)[], message: i.message }));
}

const ALTERNATIVE = 'Wilt u de vraag echt anders stellen, laat deze vraag dan staan en voeg een nieuwe vraag toe met een nieuwe code, gemarkeerd als "gewijzigd, niet vergelijkbaar".';

/**
 * How many responses answered a question but would not be shown it under `showIf`: they
 * have no answer to the condition's question that satisfies it (isVisible's rule, in SQL).
 * `source` is the question the condition refers to in the edited questionnaire; a new
 * question (id null) or one that is not a choice or matrix question has no matching answers.
 */
async function answersHiddenBy(db: Db, questionId: number, showIf: ShowIf, source: { id: number | null; type: QuestionType } | undefined): Promise<number> {
  const matrix = source?.type === 'matrix';
  const canMatch = source?.id != null && (CHOICE_TYPES.includes(source.type) || (matrix && showIf.row != null)) && showIf.anyOf.length > 0;
  const s = alias(benchmarkAnswers, 'source_answer');
  const [r] = await db
    .select({ n: sql<number>`count(distinct ${benchmarkAnswers.responseId})::int` })
    .from(benchmarkAnswers)
    .where(
      and(
        eq(benchmarkAnswers.questionId, questionId),
        canMatch
          ? notExists(
              db
                .select({ one: sql`1` })
                .from(s)
                .where(
                  and(
                    eq(s.responseId, benchmarkAnswers.responseId),
                    eq(s.questionId, source!.id!),
                    inArray(s.optionCode, showIf.anyOf),
                    matrix ? eq(s.rowCode, showIf.row!) : undefined,
                  ),
                ),
            )
          : undefined,
      ),
    );
  return r?.n ?? 0;
}

const sameShowIf = (a: ShowIf | null | undefined, b: ShowIf | null | undefined) => stable(a ?? null) === stable(b ?? null);

/**
 * The changes that would orphan stored answers: removing an answered question, changing its
 * code or type, removing an option, row or "weet ik niet" that occurs in its answers, or
 * adding or changing a condition (showIf) so that it hides the question from responses that
 * answered it — those answers would keep counting in the results. Removing a condition is
 * fine (it hides nothing).
 */
export async function orphanProblems(db: Db, before: Section[], after: DraftSection[]): Promise<EditProblem[]> {
  const next = new Map(after.flatMap((s) => s.questions).filter((q) => q.id != null).map((q) => [q.id!, q]));
  const problems: EditProblem[] = [];
  for (const q of before.flatMap((s) => s.questions)) {
    const n = next.get(q.id);
    if (n) {
      const { id: _id, ...def } = n;
      if (sameDef(def, questionDefOf(q))) continue;
    }
    const used = await questionAnswerCodes(db, q.id);
    if (!used.count) continue;
    const base = { questionCode: q.code };
    if (!n) {
      problems.push({
        ...base,
        message: `Vraag ${q.code} is al beantwoord en kan daarom niet worden verwijderd: de antwoorden zouden verloren gaan. Wilt u de vraag niet meer stellen, laat hem dan weg in het volgende meetmoment. Een vraag anders stellen kan met een nieuwe vraag met een nieuwe code, gemarkeerd als "gewijzigd, niet vergelijkbaar".`,
      });
      continue;
    }
    if (n.code !== q.code) problems.push({ ...base, field: 'code', message: `De code van vraag ${q.code} kan niet meer veranderen: de vraag is al beantwoord en de code verbindt de antwoorden met eerdere meetmomenten. ${ALTERNATIVE}` });
    if (n.type !== q.type) problems.push({ ...base, field: 'type', message: `Het type van vraag ${q.code} kan niet meer veranderen: de vraag is al beantwoord. ${ALTERNATIVE}` });
    if (n.type === q.type) {
      const keptOptions = new Set((n.type === 'yesno' ? [{ code: 'yes' }, { code: 'no' }] : (n.options ?? [])).map((o) => o.code));
      const lost = [...used.options].filter((c) => c !== DONT_KNOW && !keptOptions.has(c));
      if (lost.length)
        problems.push({ ...base, field: 'options', message: `Optie ${lost.join(', ')} komt voor in antwoorden en kan niet worden verwijderd of van code veranderen. Het label wijzigen mag wel. ${ALTERNATIVE}` });
      const keptRows = new Set((n.rows ?? []).map((r) => r.code));
      const lostRows = [...used.rows].filter((c) => !keptRows.has(c));
      if (lostRows.length) problems.push({ ...base, field: 'rows', message: `Rij ${lostRows.join(', ')} komt voor in antwoorden en kan niet worden verwijderd of van code veranderen. Het label wijzigen mag wel. ${ALTERNATIVE}` });
      if (!n.dontKnow && used.options.has(DONT_KNOW)) problems.push({ ...base, field: 'dontKnow', message: `"Weet ik niet" is al gekozen bij vraag ${q.code} en kan niet worden uitgezet.` });
    }
    if (n.showIf && !sameShowIf(n.showIf, q.showIf)) {
      const source = after.flatMap((s) => s.questions).find((x) => x.code === n.showIf!.question);
      const hidden = await answersHiddenBy(db, q.id, n.showIf, source);
      if (hidden)
        problems.push({
          ...base,
          field: 'showIfQuestion',
          message: `Vraag ${q.code} is al beantwoord. Met deze voorwaarde zou de vraag verborgen zijn voor ${hidden === 1 ? '1 respons die hem al beantwoordde' : `${hidden} responsen die hem al beantwoordden`}, terwijl die antwoorden blijven meetellen in de resultaten. Een voorwaarde weghalen kan wel. Wilt u de vraag voortaan alleen in bepaalde gevallen stellen, laat deze vraag dan staan en voeg een nieuwe vraag toe met een nieuwe code en deze voorwaarde, gemarkeerd als "gewijzigd, niet vergelijkbaar".`,
        });
    }
  }
  return problems;
}

/** Writes the edited questionnaire: deletes, updates and inserts as a diff, and renumbers. */
async function saveDraft(t: Db, editionId: number, before: Section[], after: DraftSection[]): Promise<void> {
  const keptQ = new Set(after.flatMap((s) => s.questions.map((q) => q.id)).filter((x) => x != null));
  const keptS = new Set(after.map((s) => s.id).filter((x) => x != null));
  const goneQ = before.flatMap((s) => s.questions).filter((q) => !keptQ.has(q.id)).map((q) => q.id);
  if (goneQ.length) await t.delete(benchmarkQuestions).where(inArray(benchmarkQuestions.id, goneQ));
  const goneS = before.filter((s) => !keptS.has(s.id)).map((s) => s.id);
  if (goneS.length) await t.delete(benchmarkSections).where(inArray(benchmarkSections.id, goneS));

  const oldS = new Map(before.map((s) => [s.id, s]));
  const oldQ = new Map(before.flatMap((s) => s.questions).map((q) => [q.id, q]));
  let qPos = 0;
  for (const [si, s] of after.entries()) {
    const values = { code: s.code, pillar: s.pillar, title: s.title, intro: s.intro ?? null, position: si + 1 };
    let sectionId = s.id;
    if (sectionId == null) {
      const [row] = await t.insert(benchmarkSections).values({ editionId, ...values }).returning({ id: benchmarkSections.id });
      sectionId = row!.id;
    } else {
      const o = oldS.get(sectionId)!;
      if (o.code !== values.code || o.pillar !== values.pillar || o.title !== values.title || (o.intro ?? null) !== values.intro || o.position !== values.position)
        await t.update(benchmarkSections).set(values).where(eq(benchmarkSections.id, sectionId));
    }
    for (const q of s.questions) {
      const { id, ...def } = q;
      const values = questionValues(editionId, sectionId, ++qPos, def);
      if (id == null) await t.insert(benchmarkQuestions).values(values);
      else {
        const o = oldQ.get(id)!;
        if (o.sectionId !== sectionId || o.position !== qPos || !sameDef(questionDefOf(o), def)) await t.update(benchmarkQuestions).set(values).where(eq(benchmarkQuestions.id, id));
      }
    }
  }
}

export type EditResult = { ok: true; after: DraftSection[] } | { ok: false; after: DraftSection[] | null; problems: EditProblem[] };

/**
 * Applies one change to an edition's questionnaire: the whole result is validated against the
 * definition schema, then checked for orphaned answers, then written — or nothing is written.
 * The edition row is locked, so two editors cannot interleave.
 */
export async function editQuestionnaire(
  db: Db,
  ctx: AuditContext,
  editionId: number,
  change: (draft: DraftSection[]) => DraftSection[] | { problem: string },
  entry: { entity: 'benchmark_question' | 'benchmark_section'; action: 'create' | 'update' | 'delete'; entityId?: number | null; details?: Record<string, unknown> },
): Promise<EditResult> {
  return db.transaction(async (tx) => {
    const t = tx2db(tx);
    const e = await lockEdition(t, editionId);
    if (!e) return { ok: false as const, after: null, problems: [{ message: 'Dit meetmoment bestaat niet (meer).' }] };
    if (!isEditable(e)) return { ok: false as const, after: null, problems: [{ message: readOnlyMessage(e) }] };
    const before = await loadQuestionnaire(t, editionId);
    const result = change(structuredClone(toDraft(before)));
    if ('problem' in result) return { ok: false as const, after: null, problems: [{ message: result.problem }] };
    const after = result;
    // Both checks always run, so every problem of the change is reported at once.
    const problems = [...(await orphanProblems(t, before, after)), ...validateDraft(e, after)];
    if (problems.length) return { ok: false as const, after, problems };
    await saveDraft(t, editionId, before, after);
    await audit(t, ctx, { action: entry.action, entity: entry.entity, entityId: entry.entityId ?? null, details: { editionId, year: e.year, ...entry.details } });
    return { ok: true as const, after };
  });
}

export const readOnlyMessage = (e: Pick<Edition, 'status'>) =>
  `De vragenlijst van een ${e.status === 'published' ? 'gepubliceerd' : 'gesloten'} meetmoment kan niet meer worden gewijzigd. Begin een nieuw meetmoment (een kopie van deze vragenlijst) om vragen aan te passen.`;

/** Moves an item one place up or down in a list (no change at the ends). */
export function moveInList<T>(list: T[], index: number, dir: 'up' | 'down'): boolean {
  const to = dir === 'up' ? index - 1 : index + 1;
  if (index < 0 || to < 0 || to >= list.length) return false;
  [list[index], list[to]] = [list[to]!, list[index]!];
  return true;
}

/** Moves a question up or down; at the edge of its section it moves into the neighbouring section. */
export function moveQuestion(draft: DraftSection[], id: number, dir: 'up' | 'down'): DraftSection[] {
  const si = draft.findIndex((s) => s.questions.some((q) => q.id === id));
  if (si < 0) return draft;
  const list = draft[si]!.questions;
  const qi = list.findIndex((q) => q.id === id);
  if (moveInList(list, qi, dir)) return draft;
  const target = draft[dir === 'up' ? si - 1 : si + 1];
  if (!target) return draft;
  const [q] = list.splice(qi, 1);
  if (dir === 'up') target.questions.push(q!);
  else target.questions.unshift(q!);
  return draft;
}

/** Where a question sits in a draft: [section index, question index]. */
export function locate(draft: DraftSection[], match: (q: DraftQuestion) => boolean): [number, number] | null {
  for (const [si, s] of draft.entries()) {
    const qi = s.questions.findIndex(match);
    if (qi >= 0) return [si, qi];
  }
  return null;
}

/** Replaces the whole questionnaire of a draft edition without responses (JSON import). */
export async function replaceQuestionnaire(db: Db, ctx: AuditContext, editionId: number, def: Pick<QuestionnaireDef, 'sections'>, meta: Record<string, unknown> = {}): Promise<{ ok: true } | { ok: false; reasons: string[] }> {
  return db.transaction(async (tx) => {
    const t = tx2db(tx);
    const e = await lockEdition(t, editionId);
    if (!e) return { ok: false as const, reasons: ['Dit meetmoment bestaat niet (meer).'] };
    const reasons = await replaceProblems(t, e);
    if (reasons.length) return { ok: false as const, reasons };
    // No responses means no answers: nothing refers to these questions.
    await t.delete(benchmarkAnswers).where(sql`${benchmarkAnswers.questionId} in (select id from ${benchmarkQuestions} where ${benchmarkQuestions.editionId} = ${editionId})`);
    await t.delete(benchmarkQuestions).where(eq(benchmarkQuestions.editionId, editionId));
    await t.delete(benchmarkSections).where(eq(benchmarkSections.editionId, editionId));
    await insertQuestionnaire(t, editionId, def);
    await t.update(benchmarkEditions).set({ updatedAt: new Date() }).where(eq(benchmarkEditions.id, editionId));
    await audit(t, ctx, { action: 'import', entity: 'benchmark_questionnaire', entityId: editionId, details: { year: e.year, replaced: true, sections: def.sections.length, questions: def.sections.reduce((n, s) => n + s.questions.length, 0), ...meta } });
    return { ok: true as const };
  });
}

/** Why the questionnaire of an edition cannot be replaced by an import. */
export async function replaceProblems(db: Db, e: Edition): Promise<string[]> {
  const reasons: string[] = [];
  if (e.status !== 'draft') reasons.push('Alleen de vragenlijst van een concept kan worden vervangen.');
  if (await responseCount(db, e.id)) reasons.push('Er zijn al responsen op dit meetmoment; de vragenlijst vervangen zou hun antwoorden losmaken.');
  return reasons;
}


/** Responses per edition (started and submitted), for the edition list. */
export async function responseCountsByEdition(db: Db): Promise<Map<number, { responses: number; submitted: number }>> {
  const rows = await db
    .select({
      editionId: benchmarkResponses.editionId,
      responses: sql<number>`count(*)::int`,
      submitted: sql<number>`count(*) filter (where ${benchmarkResponses.status} = 'submitted')::int`,
    })
    .from(benchmarkResponses)
    .groupBy(benchmarkResponses.editionId);
  return new Map(rows.map((r) => [r.editionId, { responses: r.responses, submitted: r.submitted }]));
}
