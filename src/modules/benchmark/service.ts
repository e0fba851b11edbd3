import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/index.js';
import { audit, type AuditContext } from '../../platform/audit.js';
import { benchmarkAnswers, benchmarkEditions, benchmarkQuestions, benchmarkResponseMunicipalities, benchmarkResponses, benchmarkSections } from './schema.js';
import {
  answerToRows,
  DEFINITION_FORMAT,
  optionsOf,
  rowsToAnswer,
  type Answer,
  type Pillar,
  type Question,
  type QuestionDef,
  type QuestionnaireDef,
  type QuestionType,
  type Section,
} from './questionnaire.js';

/**
 * Core data access of the benchmark: editions, the questionnaire of an edition, and a
 * response's answers. Routes, the respondent flow, results and imports build on these.
 */

export const EDITION_STATUSES = ['draft', 'open', 'closed', 'published'] as const;
export type EditionStatus = (typeof EDITION_STATUSES)[number];
export const EDITION_STATUS_LABELS: Record<EditionStatus, string> = {
  draft: 'Concept',
  open: 'Open',
  closed: 'Gesloten',
  published: 'Gepubliceerd',
};
/** Allowed status changes (reopening a closed edition is allowed, e.g. to extend it). */
export const EDITION_TRANSITIONS: Record<EditionStatus, EditionStatus[]> = {
  draft: ['open'],
  open: ['closed'],
  closed: ['open', 'published'],
  published: ['closed'],
};

export type Edition = typeof benchmarkEditions.$inferSelect;

export async function listEditions(db: Db): Promise<Edition[]> {
  return db.select().from(benchmarkEditions).where(isNull(benchmarkEditions.deletedAt)).orderBy(desc(benchmarkEditions.year));
}

export async function getEdition(db: Db, id: number): Promise<Edition | undefined> {
  const [e] = await db
    .select()
    .from(benchmarkEditions)
    .where(and(eq(benchmarkEditions.id, id), isNull(benchmarkEditions.deletedAt)));
  return e;
}

export async function getEditionByYear(db: Db, year: number): Promise<Edition | undefined> {
  const [e] = await db
    .select()
    .from(benchmarkEditions)
    .where(and(eq(benchmarkEditions.year, year), isNull(benchmarkEditions.deletedAt)));
  return e;
}

/** The edition before this one (by year), for comparisons. */
export async function previousEdition(db: Db, year: number): Promise<Edition | undefined> {
  const [e] = await db
    .select()
    .from(benchmarkEditions)
    .where(and(sql`${benchmarkEditions.year} < ${year}`, isNull(benchmarkEditions.deletedAt)))
    .orderBy(desc(benchmarkEditions.year))
    .limit(1);
  return e;
}

type QuestionRow = typeof benchmarkQuestions.$inferSelect;
export function toQuestion(r: QuestionRow): Question {
  return {
    id: r.id,
    sectionId: r.sectionId,
    position: r.position,
    code: r.code,
    type: r.type as QuestionType,
    text: r.text,
    help: r.help,
    required: r.required,
    options: r.options,
    rows: r.rows,
    dontKnow: r.allowDontKnow,
    showIf: r.showIf ?? null,
    notComparable: r.notComparable,
    min: r.minValue,
    max: r.maxValue,
    unit: r.unit,
  };
}

/** The questionnaire of an edition: sections in order, each with its questions in order. */
export async function loadQuestionnaire(db: Db, editionId: number): Promise<Section[]> {
  const [sections, questions] = await Promise.all([
    db.select().from(benchmarkSections).where(eq(benchmarkSections.editionId, editionId)).orderBy(asc(benchmarkSections.position)),
    db.select().from(benchmarkQuestions).where(eq(benchmarkQuestions.editionId, editionId)).orderBy(asc(benchmarkQuestions.position)),
  ]);
  return sections.map((s) => ({
    id: s.id,
    code: s.code,
    pillar: s.pillar as Pillar,
    title: s.title,
    intro: s.intro,
    position: s.position,
    questions: questions.filter((q) => q.sectionId === s.id).map(toQuestion),
  }));
}

export const allQuestions = (sections: Section[]) => sections.flatMap((s) => s.questions);

export function questionDefOf(q: Question): QuestionDef {
  const def: QuestionDef = { code: q.code, type: q.type, text: q.text };
  if (q.help) def.help = q.help;
  if (q.required) def.required = true;
  if (q.type !== 'yesno' && q.options.length) def.options = q.options;
  if (q.rows.length) def.rows = q.rows;
  if (q.dontKnow) def.dontKnow = true;
  if (q.showIf) def.showIf = q.showIf;
  if (q.notComparable) def.notComparable = true;
  if (q.min != null) def.min = q.min;
  if (q.max != null) def.max = q.max;
  if (q.unit) def.unit = q.unit;
  return def;
}

/** The edition's questionnaire as a JSON definition (docs/benchmark.md). */
export async function exportDefinition(db: Db, edition: Edition): Promise<QuestionnaireDef> {
  const sections = await loadQuestionnaire(db, edition.id);
  return {
    format: DEFINITION_FORMAT,
    year: edition.year,
    title: edition.title,
    intro: edition.intro,
    sections: sections.map((s) => ({ code: s.code, pillar: s.pillar, title: s.title, intro: s.intro, questions: s.questions.map(questionDefOf) })),
  };
}

export function questionValues(editionId: number, sectionId: number, position: number, q: QuestionDef) {
  return {
    editionId,
    sectionId,
    position,
    code: q.code,
    type: q.type,
    text: q.text,
    help: q.help ?? null,
    required: q.required ?? false,
    options: q.type === 'yesno' ? optionsOf(q) : (q.options ?? []),
    rows: q.rows ?? [],
    allowDontKnow: q.dontKnow ?? false,
    showIf: q.showIf ?? null,
    notComparable: q.notComparable ?? false,
    minValue: q.min ?? null,
    maxValue: q.max ?? null,
    unit: q.unit ?? null,
  };
}

/** Inserts the sections and questions of a (validated) definition into an edition without any. */
export async function insertQuestionnaire(tx: Db, editionId: number, def: Pick<QuestionnaireDef, 'sections'>): Promise<void> {
  let position = 0;
  for (const [si, s] of def.sections.entries()) {
    const [sec] = await tx
      .insert(benchmarkSections)
      .values({ editionId, code: s.code, pillar: s.pillar, title: s.title, intro: s.intro ?? null, position: si + 1 })
      .returning({ id: benchmarkSections.id });
    if (s.questions.length) await tx.insert(benchmarkQuestions).values(s.questions.map((q) => questionValues(editionId, sec!.id, ++position, q)));
  }
}

export interface EditionInput {
  year: number;
  title: string;
  intro?: string | null;
  opensOn?: string | null;
  closesOn?: string | null;
  allowChangesAfterSubmit?: boolean;
  reminderDays?: number[];
  imported?: boolean;
  status?: EditionStatus;
}

/** Creates an edition with the questionnaire of a validated definition, in one transaction. */
export async function createEditionFromDefinition(db: Db, ctx: AuditContext, input: EditionInput, def: Pick<QuestionnaireDef, 'sections'>): Promise<Edition> {
  return db.transaction(async (tx) => {
    const [e] = await tx
      .insert(benchmarkEditions)
      .values({
        year: input.year,
        title: input.title,
        intro: input.intro ?? null,
        opensOn: input.opensOn ?? null,
        closesOn: input.closesOn ?? null,
        allowChangesAfterSubmit: input.allowChangesAfterSubmit ?? true,
        reminderDays: input.reminderDays ?? [14, 7, 2],
        imported: input.imported ?? false,
        status: input.status ?? 'draft',
      })
      .returning();
    await insertQuestionnaire(tx as unknown as Db, e!.id, def);
    await audit(tx as unknown as Db, ctx, { action: 'create', entity: 'benchmark_edition', entityId: e!.id, details: { year: input.year, sections: def.sections.length } });
    return e!;
  });
}

// ---------------------------------------------------------------------------------------
// Responses and answers

export type ResponseRow = typeof benchmarkResponses.$inferSelect;

/** The municipality ids a response represents, primary first. */
export async function responseMunicipalityIds(db: Db, responseId: number): Promise<number[]> {
  const rows = await db
    .select({ id: benchmarkResponseMunicipalities.municipalityId })
    .from(benchmarkResponseMunicipalities)
    .where(eq(benchmarkResponseMunicipalities.responseId, responseId))
    .orderBy(asc(benchmarkResponseMunicipalities.position));
  return rows.map((r) => r.id);
}

/** Creates a response for a primary municipality and the others it represents. */
export async function createResponse(
  tx: Db,
  input: { editionId: number; invitationId?: number | null; municipalityIds: number[]; status?: 'in_progress' | 'submitted'; submittedAt?: Date | null },
): Promise<ResponseRow> {
  const [primary] = input.municipalityIds;
  if (primary == null) throw new Error('a response represents at least one municipality');
  const [r] = await tx
    .insert(benchmarkResponses)
    .values({
      editionId: input.editionId,
      invitationId: input.invitationId ?? null,
      municipalityId: primary,
      status: input.status ?? 'in_progress',
      submittedAt: input.submittedAt ?? null,
    })
    .returning();
  await tx.insert(benchmarkResponseMunicipalities).values(input.municipalityIds.map((m, i) => ({ responseId: r!.id, municipalityId: m, position: i })));
  return r!;
}

/** All answers of a response, by question code. */
export async function loadAnswers(db: Db, responseId: number, questions: Question[]): Promise<Map<string, Answer | null>> {
  const rows = await db
    .select({ questionId: benchmarkAnswers.questionId, rowCode: benchmarkAnswers.rowCode, optionCode: benchmarkAnswers.optionCode, valueNumber: benchmarkAnswers.valueNumber, valueText: benchmarkAnswers.valueText })
    .from(benchmarkAnswers)
    .where(eq(benchmarkAnswers.responseId, responseId))
    .orderBy(asc(benchmarkAnswers.id));
  const byQuestion = new Map<number, typeof rows>();
  for (const r of rows) byQuestion.set(r.questionId, [...(byQuestion.get(r.questionId) ?? []), r]);
  return new Map(questions.map((q) => [q.code, rowsToAnswer(q, byQuestion.get(q.id) ?? [])]));
}

/**
 * Replaces the stored answers of the given questions (null = no answer) for one response.
 * Runs in the caller's transaction when given one.
 */
export async function saveAnswers(tx: Db, responseId: number, answers: { question: Question; answer: Answer | null }[]): Promise<void> {
  if (!answers.length) return;
  await tx.delete(benchmarkAnswers).where(
    and(
      eq(benchmarkAnswers.responseId, responseId),
      inArray(
        benchmarkAnswers.questionId,
        answers.map((a) => a.question.id),
      ),
    ),
  );
  const rows = answers.flatMap(({ question, answer }) => (answer ? answerToRows(question, answer) : [])).map((r) => ({ ...r, responseId }));
  // Chunked: a big import could exceed PostgreSQL's 65535 parameters per statement.
  for (let i = 0; i < rows.length; i += 5000) await tx.insert(benchmarkAnswers).values(rows.slice(i, i + 5000));
  await tx.update(benchmarkResponses).set({ updatedAt: new Date() }).where(eq(benchmarkResponses.id, responseId));
}

/** Whether any answer refers to the question (then it cannot be removed or lose option codes). */
export async function questionAnswerCodes(db: Db, questionId: number): Promise<{ options: Set<string>; rows: Set<string>; count: number }> {
  const rows = await db
    .selectDistinct({ optionCode: benchmarkAnswers.optionCode, rowCode: benchmarkAnswers.rowCode })
    .from(benchmarkAnswers)
    .where(eq(benchmarkAnswers.questionId, questionId));
  return { options: new Set(rows.map((r) => r.optionCode).filter(Boolean)), rows: new Set(rows.map((r) => r.rowCode).filter(Boolean)), count: rows.length };
}
