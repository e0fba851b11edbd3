import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../platform/db/index.js';
import { audit, type AuditContext } from '../../platform/audit.js';
import { HttpError } from '../../platform/http/errors.js';
import { municipalities } from '../registry/schema.js';
import { benchmarkInvitations, benchmarkResponses } from './schema.js';
import type { ResolvedInvitation } from './links.js';
import {
  choicesOf,
  fieldName,
  parseAnswer,
  validatePage,
  type Answer,
  type Question,
  type Section,
} from './questionnaire.js';
import { allQuestions, createResponse, loadAnswers, loadQuestionnaire, saveAnswers, type ResponseRow } from './service.js';
import type { FieldCondition, FormValues } from './question-fields.js';

/**
 * The respondent's side of the benchmark: filling in a questionnaire through a personal link
 * (no account). Pages are the questionnaire's sections; every page change saves the page's
 * valid answers, and answers to questions that no longer apply (showIf) are removed. Pure
 * page logic (parsing, visibility, required checks) is in questionnaire.ts.
 */

export type OpenLink = { state: 'open' } & ResolvedInvitation;

/** The audit actor of a respondent: there is no user, the invitation identifies them. */
export function respondentActor(link: OpenLink, req: { id: string; ip: string }): AuditContext {
  return { label: `respondent uitnodiging #${link.invitation.id}`, requestId: req.id, ip: req.ip };
}

export interface RespondentForm {
  sections: Section[];
  questions: Question[];
  /** The number of each question (by code) in the whole questionnaire, 1-based. */
  numbers: Map<string, number>;
  /** The page (1-based) of each question, by code. */
  pageOf: Map<string, number>;
  /** The stored answers (empty before the first save). */
  answers: Map<string, Answer | null>;
}

export async function loadRespondentForm(db: Db, link: OpenLink): Promise<RespondentForm> {
  const sections = await loadQuestionnaire(db, link.edition.id);
  const questions = allQuestions(sections);
  const answers = link.response ? await loadAnswers(db, link.response.id, questions) : new Map<string, Answer | null>();
  return {
    sections,
    questions,
    numbers: new Map(questions.map((q, i) => [q.code, i + 1])),
    pageOf: new Map(sections.flatMap((s, i) => s.questions.map((q) => [q.code, i + 1] as const))),
    answers,
  };
}

/** The municipalities the respondent answers for (primary first); falls back to the invitation's own. */
export async function linkMunicipalities(db: Db, link: OpenLink): Promise<{ id: number; cbsCode: string; name: string }[]> {
  if (link.municipalities.length) return link.municipalities;
  return db
    .select({ id: municipalities.id, cbsCode: municipalities.cbsCode, name: municipalities.name })
    .from(municipalities)
    .where(eq(municipalities.id, link.invitation.municipalityId));
}

/** Whether the respondent may still change answers (a submitted response only when the edition allows it). */
export function canEdit(link: OpenLink): boolean {
  return link.response?.status !== 'submitted' || link.edition.allowChangesAfterSubmit;
}

/** The questions that apply given the answers (showIf, walking the questionnaire in order). */
export function visibleQuestions(all: Question[], answers: Map<string, Answer | null>): Set<string> {
  return validatePage([], all, answers, new Map(), false).visible;
}

/** Required questions that apply and are not (fully) answered, in questionnaire order. */
export function missingRequired(form: Pick<RespondentForm, 'questions' | 'pageOf'>, answers: Map<string, Answer | null>): { question: Question; page: number; message: string }[] {
  const { errors } = validatePage(form.questions, form.questions, answers, new Map(), true);
  return form.questions.filter((q) => errors.has(q.code)).map((q) => ({ question: q, page: form.pageOf.get(q.code)!, message: errors.get(q.code)! }));
}

export type SectionProgress = 'empty' | 'started' | 'complete';

/** Per page: nothing answered yet, partly answered, or every applicable required question answered. */
export function sectionProgress(form: RespondentForm): SectionProgress[] {
  const visible = visibleQuestions(form.questions, form.answers);
  const missing = new Set(missingRequired(form, form.answers).map((m) => m.question.code));
  return form.sections.map((s) => {
    const shown = s.questions.filter((q) => visible.has(q.code));
    const answered = shown.filter((q) => form.answers.get(q.code));
    if (!answered.length) return 'empty';
    return shown.some((q) => missing.has(q.code)) ? 'started' : 'complete';
  });
}

/**
 * The hint and the data for app.js for a question whose condition is on the same page; null
 * when the question has no condition or its condition is on an earlier page (decided on the
 * server).
 */
export function sameSectionCondition(q: Question, section: Section, form: Pick<RespondentForm, 'questions' | 'numbers'>): FieldCondition | null {
  if (!q.showIf) return null;
  const src = section.questions.find((x) => x.code === q.showIf!.question);
  if (!src) return null;
  const label = (code: string) => choicesOf(src).find((o) => o.code === code)?.label ?? code;
  const choices = q.showIf.anyOf.map((c) => `‘${label(c)}’`);
  const chosen = choices.length > 1 ? `${choices.slice(0, -1).join(', ')} of ${choices.at(-1)}` : choices[0];
  const row = q.showIf.row ? src.rows.find((r) => r.code === q.showIf!.row) : undefined;
  const where = `vraag ${form.numbers.get(src.code)}${row ? ` bij ‘${row.label}’` : ''}`;
  return { text: `Alleen beantwoorden als u bij ${where} ${chosen} koos.`, field: fieldName(src, row?.code), values: q.showIf.anyOf };
}

/** Posted form values as strings / string lists (anything else is dropped). */
export function toFormValues(values: Record<string, unknown>): FormValues {
  const out: FormValues = {};
  for (const [k, v] of Object.entries(values)) {
    if (typeof v === 'string') out[k] = v;
    else if (Array.isArray(v)) out[k] = v.filter((x): x is string => typeof x === 'string');
  }
  return out;
}

export interface PageResult {
  /** Errors by question code: entry errors, and missing required answers when complete answers were required. */
  errors: Map<string, string>;
  /** What the page would store: stored answers with the posted page answers over them. */
  current: Map<string, Answer | null>;
  /** Whether anything was written. */
  saved: boolean;
  /** Required questions left open elsewhere in a submitted response after this change (rare: a new condition applies). */
  missingElsewhere: { question: Question; page: number; message: string }[];
}

/**
 * Reads, checks and stores one page. Every valid answer of the page is saved (an answer with an
 * entry error keeps its stored value; the respondent's input comes back in the form), answers
 * to questions that no longer apply are removed, and lastSection moves to `nextPage` (stays on
 * this page when it has errors).
 * `requireComplete` adds the required check. For a submitted response the page must be
 * complete and free of errors, or nothing is saved, so the submitted response stays complete.
 * The stored answers and the response's status are read after the invitation row is locked
 * (ensureResponse), not taken from `form`: another tab may have saved in between, and
 * visibility must be decided on what is stored when this change is written.
 */
export async function savePage(
  db: Db,
  actor: AuditContext,
  link: OpenLink,
  form: RespondentForm,
  page: number,
  values: FormValues,
  opts: { requireComplete: boolean; nextPage: number },
): Promise<PageResult> {
  const section = form.sections[page - 1]!;
  const parsed = new Map(section.questions.map((q) => [q.code, parseAnswer(q, values)]));
  const entryErrors = new Map([...parsed].filter(([, p]) => p.error).map(([code, p]) => [code, p.error!]));
  const byCode = new Map(form.questions.map((q) => [q.code, q]));
  return db.transaction(async (t) => {
    const tx = t as unknown as Db;
    // Lock first, then read what is stored now.
    const response = await ensureResponse(tx, actor, link);
    const submitted = response.status === 'submitted';
    if (submitted && !link.edition.allowChangesAfterSubmit) throw new HttpError(409, 'response_submitted', 'Deze vragenlijst is al ingediend. Antwoorden wijzigen na het indienen is bij deze meting niet mogelijk.');
    const stored = await loadAnswers(tx, response.id, form.questions);
    const current = new Map(stored);
    for (const [code, p] of parsed) current.set(code, p.answer);
    const { errors, visible } = validatePage(section.questions, form.questions, current, entryErrors, opts.requireComplete || submitted);

    if (submitted && errors.size) return { errors, current, saved: false, missingElsewhere: [] };

    // What gets stored: this page's valid answers (no answer when the question does not apply)…
    const changes = new Map<string, Answer | null>();
    for (const q of section.questions) {
      if (!visible.has(q.code)) changes.set(q.code, null);
      else if (!entryErrors.has(q.code)) changes.set(q.code, parsed.get(q.code)!.answer);
    }
    const after = new Map(stored);
    for (const [code, a] of changes) after.set(code, a);
    // …and no answers to questions elsewhere that this change made inapplicable.
    const stillVisible = visibleQuestions(form.questions, after);
    for (const q of form.questions) {
      if (!stillVisible.has(q.code) && after.get(q.code)) {
        changes.set(q.code, null);
        after.set(q.code, null);
      }
    }
    await saveAnswers(
      tx,
      response.id,
      [...changes].map(([code, answer]) => ({ question: byCode.get(code)!, answer })),
    );
    await tx.update(benchmarkResponses).set({ lastSection: errors.size ? page : opts.nextPage, updatedAt: new Date() }).where(eq(benchmarkResponses.id, response.id));
    await audit(tx, actor, {
      action: 'update',
      entity: 'benchmark_response',
      entityId: response.id,
      details: { page, section: section.code, answers: [...changes.values()].filter(Boolean).length, submitted },
    });
    const missingElsewhere = submitted ? missingRequired(form, after) : [];
    return { errors, current, saved: true, missingElsewhere };
  });
}

/**
 * The response of a link, created on the first save with the invitation's municipalities
 * (primary first). The invitation row is locked so two tabs cannot both create one, and checked
 * again: a link revoked since it was opened saves nothing (its response may have moved to a new
 * invitation, see takeOverResponse). When the primary municipality already has a response
 * through another invitation, nothing is created.
 */
export async function ensureResponse(tx: Db, actor: AuditContext, link: OpenLink): Promise<ResponseRow> {
  const [inv] = await tx
    .select({ id: benchmarkInvitations.id, revokedAt: benchmarkInvitations.revokedAt })
    .from(benchmarkInvitations)
    .where(eq(benchmarkInvitations.id, link.invitation.id))
    .for('update');
  if (!inv || inv.revokedAt) throw new HttpError(409, 'link_revoked', 'Deze link is ingetrokken. Uw antwoorden zijn niet opgeslagen. Neem contact op met de helpdesk als u de vragenlijst wilt invullen.');
  const [existing] = await tx.select().from(benchmarkResponses).where(eq(benchmarkResponses.invitationId, link.invitation.id));
  if (existing) return existing;
  const munis = await linkMunicipalities(tx, link);
  const ids = munis.map((m) => m.id);
  const [clash] = await tx
    .select({ id: benchmarkResponses.id })
    .from(benchmarkResponses)
    .where(and(eq(benchmarkResponses.editionId, link.edition.id), inArray(benchmarkResponses.municipalityId, ids.slice(0, 1))));
  if (clash) {
    throw new HttpError(
      409,
      'response_exists',
      `Voor ${munis[0]?.name ?? 'deze gemeente'} is de vragenlijst al ingevuld via een andere uitnodiging. Uw antwoorden zijn daarom niet opgeslagen. Neem contact op met de helpdesk als dit niet klopt.`,
    );
  }
  const r = await createResponse(tx, { editionId: link.edition.id, invitationId: link.invitation.id, municipalityIds: ids });
  await audit(tx, actor, { action: 'create', entity: 'benchmark_response', entityId: r.id, details: { editionId: link.edition.id, municipalities: ids } });
  return r;
}

/**
 * Submits the response when every applicable required question is answered; otherwise returns
 * what is missing and changes nothing. Submitting again (changes allowed after submitting) is a
 * no-op.
 */
export async function submitResponse(
  db: Db,
  actor: AuditContext,
  link: OpenLink,
  form: RespondentForm,
): Promise<{ ok: true; response: ResponseRow } | { ok: false; missing: ReturnType<typeof missingRequired> }> {
  return db.transaction(async (t) => {
    const tx = t as unknown as Db;
    const response = await ensureResponse(tx, actor, link);
    const answers = await loadAnswers(tx, response.id, form.questions);
    const missing = missingRequired(form, answers);
    if (missing.length) return { ok: false as const, missing };
    if (response.status === 'submitted') return { ok: true as const, response };
    const now = new Date();
    const [updated] = await tx
      .update(benchmarkResponses)
      .set({ status: 'submitted', submittedAt: now, updatedAt: now, lastSection: form.sections.length + 1 })
      .where(eq(benchmarkResponses.id, response.id))
      .returning();
    await audit(tx, actor, { action: 'submit', entity: 'benchmark_response', entityId: response.id, details: { editionId: link.edition.id, municipalityId: response.municipalityId } });
    return { ok: true as const, response: updated! };
  });
}
