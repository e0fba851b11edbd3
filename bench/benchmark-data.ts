/**
 * Synthetic benchmark data for the performance benchmark: `editions` editions × `municipalities`
 * responding municipalities × 60 questions (every question type), answers generated in SQL
 * with a fixed seed. Used by bench/benchmark-results.ts; also runnable on its own:
 *   DATABASE_URL=postgres://… npx tsx bench/benchmark-data.ts
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../src/platform/db/index.js';
import { municipalities, provinces } from '../src/modules/registry/schema.js';
import { DEFINITION_FORMAT, questionnaireDefSchema, type QuestionDef, type QuestionnaireDef } from '../src/modules/benchmark/questionnaire.js';
import { createEditionFromDefinition } from '../src/modules/benchmark/service.js';

const TYPES: QuestionDef['type'][] = ['single', 'single', 'yesno', 'multiple', 'single', 'matrix', 'number', 'single', 'yesno', 'multiple', 'single', 'text'];
const PILLARS = ['actielijn_1', 'actielijn_2', 'pijler_1', 'pijler_2', 'pijler_3', 'pijler_4', 'pijler_5', 'overig'] as const;

/** A 60-question questionnaire over 8 sections, the same codes every year. */
export function syntheticDefinition(year: number, questions = 60): QuestionnaireDef {
  const opts = (n: number) => Array.from({ length: n }, (_, i) => ({ code: `O${i + 1}`, label: `Antwoord ${i + 1}` }));
  const perSection = Math.ceil(questions / PILLARS.length);
  const sections = PILLARS.map((pillar, si) => ({
    code: `S${si + 1}`,
    pillar,
    title: `Onderdeel ${si + 1}`,
    questions: [] as QuestionDef[],
  }));
  for (let i = 0; i < questions; i++) {
    const type = TYPES[i % TYPES.length]!;
    const q: QuestionDef = { code: `Q${String(i + 1).padStart(2, '0')}`, type, text: `Vraag ${i + 1}` };
    if (type === 'single') Object.assign(q, { options: opts(5), dontKnow: true });
    if (type === 'multiple') q.options = [...opts(5), { code: 'OTHER', label: 'Anders, namelijk', other: true }];
    if (type === 'matrix') Object.assign(q, { rows: opts(5).map((o) => ({ code: `R${o.code.slice(1)}`, label: `Partij ${o.code.slice(1)}` })), options: opts(4) });
    if (type === 'number') Object.assign(q, { min: 0, max: 1000 });
    sections[Math.floor(i / perSection)]!.questions.push(q);
  }
  return questionnaireDefSchema.parse({ format: DEFINITION_FORMAT, year, title: `Benchmark ${year} (synthetisch)`, sections }) as QuestionnaireDef;
}

/** Adds municipalities GM9901… until there are `n`, so the data set has exactly that many. */
async function ensureMunicipalities(db: Db, n: number): Promise<number[]> {
  const existing = await db.select({ id: municipalities.id }).from(municipalities).orderBy(municipalities.cbsCode);
  const [pv] = await db.select({ id: provinces.id }).from(provinces).limit(1);
  const have = existing.length;
  for (let i = have; i < n; i++) {
    const [m] = await db
      .insert(municipalities)
      .values({ cbsCode: `GM99${String(i - have + 1).padStart(2, '0')}`, name: `Benchmarkgemeente ${i + 1}`, provinceId: pv!.id })
      .returning({ id: municipalities.id });
    existing.push(m!);
  }
  return existing.slice(0, n).map((m) => m.id);
}

export interface GeneratedData {
  years: number[];
  responses: number;
  answers: number;
  seconds: number;
}

/** Generates the data set. Years start at `firstYear` (default 2040, clear of real and demo editions). */
export async function generateBenchmarkData(db: Db, opts: { editions?: number; municipalities?: number; questions?: number; firstYear?: number; log?: (s: string) => void } = {}): Promise<GeneratedData> {
  const { editions = 10, municipalities: nMunis = 350, questions = 60, firstYear = 2040, log = () => undefined } = opts;
  const t0 = performance.now();
  const muniIds = await ensureMunicipalities(db, nMunis);
  const years: number[] = [];
  await db.execute(sql`select setseed(0.42)`);
  for (let e = 0; e < editions; e++) {
    const year = firstYear + e;
    years.push(year);
    const edition = await createEditionFromDefinition(db, { label: 'benchmark-generator' }, { year, title: `Benchmark ${year}`, status: 'published', imported: true }, syntheticDefinition(year, questions));
    await db.transaction(async (tx) => {
      // Every municipality responds (submitted), as its own primary municipality.
      await tx.execute(sql`
        insert into benchmark_responses (edition_id, municipality_id, status, submitted_at)
        select ${edition.id}, m, 'submitted', now() from unnest(${sql.raw(`array[${muniIds.join(',')}]::int[]`)}) m`);
      await tx.execute(sql`
        insert into benchmark_response_municipalities (response_id, municipality_id, position)
        select id, municipality_id, 0 from benchmark_responses where edition_id = ${edition.id}`);
      // Answers: about 5 % of questions skipped; choices drawn uniformly; "weet ik niet" now and then.
      await tx.execute(sql`
        insert into benchmark_answers (response_id, question_id, row_code, option_code, value_number, value_text)
        select r.id, q.id, '',
               case when q.allow_dont_know and random() < 0.05 then 'dont_know'
                    else q.options -> (floor(random() * jsonb_array_length(q.options)))::int ->> 'code' end,
               null, null
        from benchmark_responses r join benchmark_questions q on q.edition_id = r.edition_id
        where r.edition_id = ${edition.id} and q.type in ('single', 'yesno') and random() > 0.05`);
      await tx.execute(sql`
        insert into benchmark_answers (response_id, question_id, row_code, option_code, value_number, value_text)
        select r.id, q.id, '', o ->> 'code', null, case when (o ->> 'other')::boolean then 'iets anders' end
        from benchmark_responses r join benchmark_questions q on q.edition_id = r.edition_id
        cross join lateral jsonb_array_elements(q.options) o
        where r.edition_id = ${edition.id} and q.type = 'multiple' and random() < 0.35`);
      await tx.execute(sql`
        insert into benchmark_answers (response_id, question_id, row_code, option_code, value_number, value_text)
        select r.id, q.id, rw ->> 'code', q.options -> (floor(random() * jsonb_array_length(q.options)))::int ->> 'code', null, null
        from benchmark_responses r join benchmark_questions q on q.edition_id = r.edition_id
        cross join lateral jsonb_array_elements(q.rows) rw
        where r.edition_id = ${edition.id} and q.type = 'matrix' and random() > 0.03`);
      await tx.execute(sql`
        insert into benchmark_answers (response_id, question_id, row_code, option_code, value_number, value_text)
        select r.id, q.id, '', '', case when q.type = 'number' then floor(random() * 200) end, case when q.type <> 'number' then 'Een toelichting' end
        from benchmark_responses r join benchmark_questions q on q.edition_id = r.edition_id
        where r.edition_id = ${edition.id} and q.type in ('number', 'text', 'longtext') and random() > 0.1`);
    });
    log(`  edition ${year}: generated`);
  }
  await db.execute(sql`analyze benchmark_answers`);
  await db.execute(sql`analyze benchmark_responses`);
  const [{ responses, answers }] = (
    await db.execute<{ responses: number; answers: number }>(sql`
      select (select count(*) from benchmark_responses r join benchmark_editions e on e.id = r.edition_id where e.year >= ${firstYear})::int as responses,
             (select count(*) from benchmark_answers a join benchmark_responses r on r.id = a.response_id join benchmark_editions e on e.id = r.edition_id where e.year >= ${firstYear})::int as answers`)
  ).rows as [{ responses: number; answers: number }];
  return { years, responses, answers, seconds: Math.round((performance.now() - t0) / 100) / 10 };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { openDatabase } = await import('../src/platform/db/index.js');
  const database = openDatabase(process.env.DATABASE_URL ?? '', { max: 2 });
  const r = await generateBenchmarkData(database.db, { log: console.log });
  console.log(r);
  await database.close();
}
