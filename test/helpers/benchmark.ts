import { inArray } from 'drizzle-orm';
import type { Db } from '../../src/platform/db/index.js';
import { municipalities } from '../../src/modules/registry/schema.js';
import { benchmarkResponses } from '../../src/modules/benchmark/schema.js';
import { eq } from 'drizzle-orm';
import { DEFINITION_FORMAT, questionnaireDefSchema, type Answer, type QuestionnaireDef } from '../../src/modules/benchmark/questionnaire.js';
import { allQuestions, createEditionFromDefinition, createResponse, loadQuestionnaire, saveAnswers, type Edition, type EditionInput } from '../../src/modules/benchmark/service.js';

/**
 * A small questionnaire with every question type, for tests:
 * section S1 (actielijn_1): WEEK (yesno, required), AWARE (single, with dont_know),
 *   SUPPORT (multiple, other + exclusive "none"), SUPPORT_WHY (longtext, shown only if SUPPORT includes other)
 * section S2 (pijler_2): ROLES (matrix rows GEM, WELZ, BANK × options KAR, ACT, INF, NONE, required), HOURS (number 0–1000, dont_know)
 * section S3 (overig): NOTE (text, optional)
 */
export function smallDefinition(year = 2020): QuestionnaireDef {
  return questionnaireDefSchema.parse({
    format: DEFINITION_FORMAT,
    year,
    title: `Benchmark ${year}`,
    sections: [
      {
        code: 'S1',
        pillar: 'actielijn_1',
        title: 'Signaleren',
        questions: [
          { code: 'WEEK', type: 'yesno', text: 'Doet uw gemeente mee aan de Week tegen Eenzaamheid?', required: true },
          {
            code: 'AWARE',
            type: 'single',
            text: 'Organiseert uw gemeente eigen bewustwordingsactiviteiten?',
            dontKnow: true,
            options: [
              { code: 'ALL', label: 'Ja, voor alle ouderen' },
              { code: 'SPEC', label: 'Ja, voor specifieke groepen' },
              { code: 'PLAN', label: 'Nog niet, maar dit is gepland' },
              { code: 'NO', label: 'Nee' },
            ],
          },
          {
            code: 'SUPPORT',
            type: 'multiple',
            text: 'Hoe krijgen mensen ondersteuning na een signaal?',
            options: [
              { code: 'MAP', label: 'Sociale kaart' },
              { code: 'WOR', label: 'Welzijn op Recept' },
              { code: 'OTHER', label: 'Anders, namelijk', other: true },
              { code: 'NONE', label: 'Geen van deze', exclusive: true },
            ],
          },
          { code: 'SUPPORT_WHY', type: 'longtext', text: 'Licht de andere manier toe', showIf: { question: 'SUPPORT', anyOf: ['OTHER'] } },
        ],
      },
      {
        code: 'S2',
        pillar: 'pijler_2',
        title: 'Sterk netwerk',
        questions: [
          {
            code: 'ROLES',
            type: 'matrix',
            text: 'Welke rol heeft elke partij in het netwerk?',
            required: true,
            rows: [
              { code: 'GEM', label: 'Gemeente' },
              { code: 'WELZ', label: 'Welzijnsorganisaties' },
              { code: 'BANK', label: 'Financiële sector' },
            ],
            options: [
              { code: 'KAR', label: 'Kartrekker' },
              { code: 'ACT', label: 'Actieve bijdrage of initiatiefnemer' },
              { code: 'INF', label: 'Wordt op de hoogte gehouden' },
              { code: 'NONE', label: 'Geen actieve rol' },
            ],
          },
          { code: 'HOURS', type: 'number', text: 'Hoeveel uur per week is er beschikbaar?', min: 0, max: 1000, dontKnow: true, unit: 'uur' },
        ],
      },
      { code: 'S3', pillar: 'overig', title: 'Tot slot', questions: [{ code: 'NOTE', type: 'text', text: 'Opmerkingen' }] },
    ],
  }) as QuestionnaireDef;
}

export async function createSmallEdition(db: Db, input: Partial<EditionInput> = {}, def = smallDefinition(input.year ?? 2020)): Promise<Edition> {
  return createEditionFromDefinition(db, { label: 'test' }, { year: def.year, title: def.title, status: 'open', opensOn: '2020-01-01', closesOn: '2099-12-31', ...input }, def);
}

const mid = async (db: Db, codes: string[]) => {
  const rows = await db.select({ id: municipalities.id, code: municipalities.cbsCode }).from(municipalities).where(inArray(municipalities.cbsCode, codes));
  return codes.map((c) => {
    const r = rows.find((x) => x.code === c);
    if (!r) throw new Error(`unknown municipality ${c} (seedReference first)`);
    return r.id;
  });
};

/**
 * Adds a response for the given municipalities (first = primary) with answers by question code.
 * Shorthand: a string = one option; string[] = several options; object = matrix rows; number; {text}.
 */
export async function addResponse(
  db: Db,
  edition: Edition,
  municipalityCodes: string[],
  answers: Record<string, string | string[] | Record<string, string> | number | { text: string } | { other: string; options: string[] }>,
  status: 'in_progress' | 'submitted' = 'submitted',
) {
  const ids = await mid(db, municipalityCodes);
  const questions = allQuestions(await loadQuestionnaire(db, edition.id));
  return db.transaction(async (tx) => {
    const r = await createResponse(tx as unknown as Db, { editionId: edition.id, municipalityIds: ids, status, submittedAt: status === 'submitted' ? new Date() : null });
    const list = Object.entries(answers).map(([code, v]) => {
      const q = questions.find((x) => x.code === code);
      if (!q) throw new Error(`unknown question ${code}`);
      let a: Answer;
      if (typeof v === 'number') a = { kind: 'number', value: v };
      else if (typeof v === 'string') a = { kind: 'choice', options: [v] };
      else if (Array.isArray(v)) a = { kind: 'choice', options: v };
      else if ('text' in v) a = { kind: 'text', value: v.text as string };
      else if ('other' in v) a = { kind: 'choice', options: v.options as string[], other: v.other as string };
      else a = { kind: 'matrix', rows: v as Record<string, string> };
      return { question: q, answer: a };
    });
    await saveAnswers(tx as unknown as Db, r.id, list);
    return r;
  });
}

export async function responseOf(db: Db, id: number) {
  const [r] = await db.select().from(benchmarkResponses).where(eq(benchmarkResponses.id, id));
  return r;
}
