import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, asc, count, eq, inArray, isNull, sql } from 'drizzle-orm';
import { createTestApp, seedReference, type TestApp } from '../../../test/helpers/app.js';
import { outbox } from '../../platform/db/schema.js';
import { municipalities } from '../registry/schema.js';
import { seedDemo } from '../../demo/seed.js';
import { benchmarkEditions, benchmarkInvitationMunicipalities, benchmarkInvitations, benchmarkResponses } from './schema.js';
import { answerToFormValues, parseAnswer, questionnaireDefSchema, validatePage, type QuestionDef, type QuestionnaireDef, type QuestionType } from './questionnaire.js';
import { allQuestions, getEditionByYear, loadAnswers, loadQuestionnaire } from './service.js';
import { DATA_DIR, responseMunicipalityCodes, seedBenchmarkDemo, seededRandom, shippedQuestionnaire, syntheticAnswers } from './demo.js';
import { resolveLink } from './links.js';

const raw = (year: number): unknown => JSON.parse(fs.readFileSync(path.join(DATA_DIR, `questionnaire-${year}.json`), 'utf8'));
const questionsOf = (d: QuestionnaireDef) => new Map(d.sections.flatMap((s) => s.questions.map((q) => [q.code, { ...q, pillar: s.pillar }] as const)));

/**
 * Every indicator the 2020 benchmark report presents (issue 3, point 3) and the question(s)
 * of the 2020 questionnaire that cover it, with the expected type.
 */
const INDICATORS: [indicator: string, questions: [code: string, type: QuestionType][]][] = [
  ['deelname aan de Week tegen Eenzaamheid', [['WTE_DEELNAME', 'yesno']]],
  ['gebruik van het landelijke campagnemateriaal', [['WTE_CAMPAGNEMATERIAAL', 'yesno']]],
  ['eigen bewustwordingsactiviteiten (alle ouderen / specifieke groepen / anders / gepland / nee)', [['BEWUSTWORDING', 'single']]],
  ['digitaal of telefonisch signaalpunt', [['SIGNAALPUNT', 'yesno']]],
  ['signaleringsnetwerk met organisaties', [['SIGNALERINGSNETWERK', 'yesno']]],
  ['ondersteuning na een signaal (sociale kaart, Welzijn op Recept, vraag-aanbodplatform, anders)', [['ONDERSTEUNING_NA_SIGNAAL', 'multiple']]],
  ['tools van het programma bekend en gebruikt', [['PROGRAMMA_TOOLS', 'matrix']]],
  ['organisatie van het bestuurlijk commitment (raad, uitvoeringsplan B en W, wethouder)', [['COMMITMENT_VORM', 'single']]],
  ['budgettaire status (structureel, eenmalig, 2–3 jaar, geen)', [['BUDGET_STATUS', 'single']]],
  ['lokale coalitie (zeer actief / actief / opstart / geen)', [['COALITIE_FASE', 'single']]],
  ['kartrekker', [['KARTREKKER', 'yesno']]],
  ['rol per type partij in het netwerk', [['NETWERK_ROLLEN', 'matrix']]],
  ['huisbezoeken aan 75-plussers', [['HUISBEZOEK', 'single']]],
  ['wie de huisbezoeken afleggen', [['HUISBEZOEK_UITVOERDERS', 'multiple']]],
  ['ouderen betrekken bij activiteiten en bij beleid', [['BETREKKEN_ACTIVITEITEN', 'single'], ['BETREKKEN_BELEID', 'single']]],
  ['gebruik van de databank effectieve interventies', [['DATABANK_INTERVENTIES', 'yesno']]],
  ['langetermijnvisie', [['LANGETERMIJNVISIE', 'yesno']]],
  ['afhankelijkheid van tijdelijke financiering', [['TIJDELIJKE_FINANCIERING', 'single']]],
  ['gebruik van best practices', [['BEST_PRACTICES', 'multiple']]],
  ['lerende praktijk', [['LERENDE_PRAKTIJK', 'multiple']]],
  ['interne monitoring en evaluatie, en bijsturen', [['MONITORING', 'single'], ['BIJSTUREN', 'single']]],
  ['aanvullende GGD-metingen', [['GGD_METING', 'yesno']]],
  ['effecten van corona', [['CORONA_EFFECT', 'multiple']]],
  ['grootste uitdagingen', [['UITDAGINGEN', 'multiple'], ['GROOTSTE_UITDAGING', 'text']]],
  ['ondersteuningsbehoefte', [['ONDERSTEUNINGSBEHOEFTE', 'longtext']]],
];

describe('shipped questionnaires', () => {
  it('both files are valid definitions for their year', () => {
    for (const year of [2019, 2020]) {
      const r = questionnaireDefSchema.safeParse(raw(year));
      expect(r.success, JSON.stringify(r.error?.issues)).toBe(true);
      expect(r.data!.year).toBe(year);
    }
  });

  it('2020 covers every indicator of the report with a question of a fitting type', () => {
    const q = questionsOf(shippedQuestionnaire(2020));
    for (const [indicator, codes] of INDICATORS) {
      for (const [code, type] of codes) {
        expect(q.get(code), `${indicator}: ${code}`).toBeDefined();
        expect(q.get(code)!.type, `${indicator}: ${code}`).toBe(type);
      }
    }
  });

  it('uses stable UPPER_SNAKE codes, a section per pillar and action line, and the report’s answer categories', () => {
    const d = shippedQuestionnaire(2020);
    for (const s of d.sections) {
      expect(s.code).toMatch(/^[A-Z][A-Z0-9_]*$/);
      for (const q of s.questions) {
        expect(q.code).toMatch(/^[A-Z][A-Z0-9_]*$/);
        for (const o of q.options ?? []) expect(o.code).toMatch(/^[A-Z][A-Z0-9_]*$/);
      }
    }
    expect(new Set(d.sections.map((s) => s.pillar))).toEqual(new Set(['actielijn_1', 'actielijn_2', 'pijler_1', 'pijler_2', 'pijler_3', 'pijler_4', 'pijler_5', 'overig']));
    const q = questionsOf(d);
    const opts = (code: string) => (q.get(code)!.options ?? []).map((o) => o.code);
    expect(opts('NETWERK_ROLLEN')).toEqual(['KARTREKKER', 'ACTIEF', 'OP_DE_HOOGTE', 'GEEN_ROL']);
    expect(q.get('NETWERK_ROLLEN')!.rows!.map((r) => r.code)).toEqual(
      expect.arrayContaining(['GEMEENTE', 'ZORG_WELZIJN', 'ZELFORGANISATIES', 'KUNST_CULTUUR', 'SPORT', 'WONINGCORPORATIES', 'FINANCIELE_SECTOR', 'ONDERNEMERS', 'ONDERWIJS', 'LEVENSBESCHOUWING', 'MEDIA', 'POLITIE', 'HUISARTSEN']),
    );
    expect(opts('PROGRAMMA_TOOLS')).toEqual(['BEKEND_GEBRUIKT', 'BEKEND_NIET_GEBRUIKT', 'NIET_BEKEND']);
    expect(q.get('PROGRAMMA_TOOLS')!.rows!.map((r) => r.code)).toEqual(['ADVISEURS', 'HANDREIKING', 'CURSUSMATERIAAL', 'TOOLKIT_HUISBEZOEK', 'TOOLKIT_CAMPAGNE', 'TOOLKIT_COALITIE']);
    expect(opts('BUDGET_STATUS')).toEqual(['STRUCTUREEL', 'MEERJARIG', 'EENMALIG', 'GEEN']);
    expect(opts('COALITIE_FASE')).toEqual(['ZEER_ACTIEF', 'ACTIEF', 'OPSTART', 'GEEN']);
    expect(opts('BEWUSTWORDING')).toEqual(['ALLE_OUDEREN', 'SPECIFIEKE_GROEPEN', 'ANDERS', 'GEPLAND', 'NEE']);
    // "other, namely" and exclusive "none" options where the report has them
    for (const code of ['ONDERSTEUNING_NA_SIGNAAL', 'BEST_PRACTICES', 'LERENDE_PRAKTIJK', 'CORONA_EFFECT']) {
      expect(q.get(code)!.options!.some((o) => o.other), code).toBe(true);
      expect(q.get(code)!.options!.some((o) => o.exclusive), code).toBe(true);
    }
    // follow-up questions
    expect(q.get('WTE_CAMPAGNEMATERIAAL')!.showIf).toEqual({ question: 'WTE_DEELNAME', anyOf: ['yes'] });
    expect(q.get('HUISBEZOEK_UITVOERDERS')!.showIf!.question).toBe('HUISBEZOEK');
    expect(q.get('HUISBEZOEK_UITVOERDERS')!.showIf!.anyOf).not.toContain('GEEN');
    expect(q.get('BIJSTUREN')!.showIf!.question).toBe('MONITORING');
    // changed since 2019
    const changed = [...q.values()].filter((x) => x.notComparable).map((x) => x.code);
    expect(changed.sort()).toEqual(['BUDGET_STATUS', 'COMMITMENT_VORM', 'NETWERK_ROLLEN']);
    // the core questions are required
    for (const code of ['WTE_DEELNAME', 'SIGNAALPUNT', 'COALITIE_FASE', 'KARTREKKER', 'HUISBEZOEK', 'BUDGET_STATUS']) expect(q.get(code)!.required, code).toBe(true);
  });

  it('2019 uses the same codes and compatible types for questions in both years, without the corona questions', () => {
    const q19 = questionsOf(shippedQuestionnaire(2019));
    const q20 = questionsOf(shippedQuestionnaire(2020));
    const shared = [...q19.keys()].filter((c) => q20.has(c));
    expect(shared.length).toBeGreaterThanOrEqual(20);
    for (const code of shared) {
      const a = q19.get(code)!;
      const b = q20.get(code)!;
      expect(b.type, code).toBe(a.type);
      expect(b.pillar, code).toBe(a.pillar);
      if (b.notComparable) continue;
      // A comparable question keeps its option and row codes.
      const codes = (x: QuestionDef) => (x.options ?? []).map((o) => o.code).sort();
      expect(codes(b), code).toEqual(codes(a));
      expect((b.rows ?? []).map((r) => r.code), code).toEqual((a.rows ?? []).map((r) => r.code));
    }
    expect([...q19.keys()].filter((c) => c.startsWith('CORONA'))).toEqual([]);
    // 2019 asked governance commitment (budget included) in one integrated question
    expect(q19.get('BESTUURLIJK_COMMITMENT')!.type).toBe('multiple');
    expect(q19.has('COMMITMENT_VORM') || q19.has('BUDGET_STATUS')).toBe(false);
    // the network parties had other categories in 2019
    expect(q19.get('NETWERK_ROLLEN')!.rows!.map((r) => r.code)).not.toEqual(q20.get('NETWERK_ROLLEN')!.rows!.map((r) => r.code));
    expect(q20.get('NETWERK_ROLLEN')!.notComparable).toBe(true);
  });

  it('the synthetic answers are deterministic for a seed', () => {
    const qs = (def: QuestionnaireDef) => {
      let id = 0;
      return def.sections.flatMap((s) =>
        s.questions.map((q) => ({
          ...q,
          id: ++id,
          sectionId: 1,
          position: id,
          required: q.required ?? false,
          options: q.type === 'yesno' ? [{ code: 'yes', label: 'Ja' }, { code: 'no', label: 'Nee' }] : (q.options ?? []),
          rows: q.rows ?? [],
          dontKnow: q.dontKnow ?? false,
          notComparable: q.notComparable ?? false,
        })),
      );
    };
    const questions = qs(shippedQuestionnaire(2020));
    const a = syntheticAnswers(questions, 2020, seededRandom(7));
    const b = syntheticAnswers(questions, 2020, seededRandom(7));
    expect([...a]).toEqual([...b]);
  });
});

describe('benchmark demo data', () => {
  let t: TestApp;
  let link: string | null;
  const baseUrl = 'http://localhost:3000';

  beforeAll(async () => {
    t = await createTestApp();
    await seedReference(t.db);
    const r = await seedDemo(t.db, { cipher: t.ctx.cipher, baseUrl });
    link = r.benchmarkLink;
  }, 120_000);
  afterAll(async () => t?.close());

  const responsesOf = async (year: number) => {
    const e = (await getEditionByYear(t.db, year))!;
    return t.db.select().from(benchmarkResponses).where(eq(benchmarkResponses.editionId, e.id)).orderBy(asc(benchmarkResponses.id));
  };

  it('seeds 2019 (imported, 64) and 2020 (100) as published editions with submitted responses', async () => {
    const e19 = (await getEditionByYear(t.db, 2019))!;
    const e20 = (await getEditionByYear(t.db, 2020))!;
    expect(e19).toMatchObject({ status: 'published', imported: true });
    expect(e20).toMatchObject({ status: 'published', imported: false });
    expect(e19.publishedAt).not.toBeNull();
    const r19 = await responsesOf(2019);
    const r20 = await responsesOf(2020);
    expect(r19).toHaveLength(64);
    expect(r20).toHaveLength(100);
    expect([...r19, ...r20].every((r) => r.status === 'submitted' && r.submittedAt)).toBe(true);
    expect(r19.every((r) => r.invitationId === null)).toBe(true);
    // 2020 went through the platform: 182 invitations, 100 of them answered (55%)
    const [{ n }] = await t.db.select({ n: count() }).from(benchmarkInvitations).where(eq(benchmarkInvitations.editionId, e20.id));
    expect(n).toBe(182);
    expect(r20.every((r) => r.invitationId !== null)).toBe(true);
    // How long the demo seed takes is measured by the start-up benchmark (first run), not here.
  });

  it('has a panel of 43 municipalities, joint responses with the primary first, and every demo participant among the 2020 respondents', async () => {
    const p19 = new Set((await responsesOf(2019)).map((r) => r.municipalityId));
    const p20 = (await responsesOf(2020)).map((r) => r.municipalityId);
    expect(p20.filter((m) => p19.has(m))).toHaveLength(43);
    const codes20 = await responseMunicipalityCodes(t.db, (await getEditionByYear(t.db, 2020))!.id);
    const joint = codes20.filter((c) => c.length >= 2);
    expect(joint.length).toBeGreaterThanOrEqual(2);
    expect(joint).toContainEqual(['GM0106', 'GM0109', 'GM0114']);
    const represented = new Set(codes20.flat());
    expect(represented.size).toBe(codes20.flat().length); // no municipality twice
    const participants = await t.db.execute<{ code: string }>(sql`select m.cbs_code as code from participations p join municipalities m on m.id = p.municipality_id where p.deleted_at is null`);
    expect(participants.rows).toHaveLength(40);
    for (const { code } of participants.rows) expect(represented.has(code), code).toBe(true);
    // the demo coordinators' municipalities are primary respondents in both years (a trend to show)
    const ids = await t.db.select({ id: municipalities.id }).from(municipalities).where(inArray(municipalities.cbsCode, ['GM0344', 'GM0106']));
    for (const { id } of ids) {
      expect(p19.has(id)).toBe(true);
      expect(p20).toContain(id);
    }
  });

  it('roughly reproduces the report’s figures', async () => {
    const share = async (year: number, code: string, option: string) => {
      const e = (await getEditionByYear(t.db, year))!;
      const r = await t.db.execute<{ share: number }>(sql`
        select (count(*) filter (where a.option_code = ${option}))::float / count(distinct a.response_id) as share
        from benchmark_answers a join benchmark_questions q on q.id = a.question_id
        where q.edition_id = ${e.id} and q.code = ${code}`);
      return Number(r.rows[0]!.share);
    };
    expect(await share(2020, 'WTE_DEELNAME', 'yes')).toBeCloseTo(0.88, 1);
    expect(Math.abs((await share(2020, 'SIGNAALPUNT', 'yes')) - 0.37)).toBeLessThan(0.12);
    expect(Math.abs((await share(2020, 'COALITIE_FASE', 'GEEN')) - 0.27)).toBeLessThan(0.12);
    expect(Math.abs((await share(2020, 'HUISBEZOEK', 'VOLLEDIGE_DOELGROEP')) - 0.57)).toBeLessThan(0.12);
    expect(Math.abs((await share(2019, 'HUISBEZOEK', 'VOLLEDIGE_DOELGROEP')) - 0.39)).toBeLessThan(0.15);
    expect(Math.abs((await share(2019, 'DATABANK_INTERVENTIES', 'yes')) - 0.56)).toBeLessThan(0.15);
  });

  it('every synthetic response is one a respondent could have submitted', async () => {
    for (const year of [2019, 2020]) {
      const e = (await getEditionByYear(t.db, year))!;
      const questions = allQuestions(await loadQuestionnaire(t.db, e.id));
      for (const r of await responsesOf(year)) {
        const answers = await loadAnswers(t.db, r.id, questions);
        const entry = new Map<string, string>();
        for (const q of questions) {
          const a = answers.get(q.code);
          if (!a) continue;
          const parsed = parseAnswer(q, answerToFormValues(q, a));
          if (parsed.error) entry.set(q.code, parsed.error);
          // the exclusive options stand alone
          if (a.kind === 'choice' && a.options.length > 1) {
            const exclusive = q.options.filter((o) => o.exclusive).map((o) => o.code);
            expect(a.options.some((o) => exclusive.includes(o) || o === 'dont_know'), `${year} ${q.code}`).toBe(false);
          }
        }
        const { errors, visible } = validatePage(questions, questions, answers, entry, true);
        expect([...errors], `${year} response ${r.id}`).toEqual([]);
        const hiddenButAnswered = questions.filter((q) => !visible.has(q.code) && answers.get(q.code)).map((q) => q.code);
        expect(hiddenButAnswered, `${year} response ${r.id}`).toEqual([]);
      }
    }
  });

  it('opens 2021 for four weeks with one invitation per contact (joint approach: primary with its members), sends no mail, and links Utrecht’s empty response', async () => {
    const e21 = (await getEditionByYear(t.db, 2021))!;
    expect(e21.status).toBe('open');
    expect(Date.parse(e21.closesOn!) - Date.parse(e21.opensOn!)).toBe(28 * 86_400_000);
    const q20 = allQuestions(await loadQuestionnaire(t.db, (await getEditionByYear(t.db, 2020))!.id)).map((q) => [q.code, q.type]);
    const q21 = allQuestions(await loadQuestionnaire(t.db, e21.id));
    expect(q21.map((q) => [q.code, q.type])).toEqual(q20);
    expect(q21.some((q) => q.notComparable)).toBe(false);

    const invitations = await t.db
      .select({ id: benchmarkInvitations.id, code: municipalities.cbsCode, sentAt: benchmarkInvitations.sentAt, email: benchmarkInvitations.contactEmail })
      .from(benchmarkInvitations)
      .innerJoin(municipalities, eq(municipalities.id, benchmarkInvitations.municipalityId))
      .where(eq(benchmarkInvitations.editionId, e21.id));
    // the signed and active demo participants, a joint approach once
    const expected = await t.db.execute<{ n: number }>(sql`
      select count(distinct coalesce('j' || p.joint_approach_id, 'm' || p.municipality_id))::int as n
      from participations p where p.deleted_at is null and p.status in ('signed', 'active')`);
    expect(invitations).toHaveLength(expected.rows[0]!.n);
    expect(invitations.every((i) => i.sentAt === null && i.email.includes('@'))).toBe(true);
    const codes = invitations.map((i) => i.code);
    expect(codes).toContain('GM0344');
    expect(codes).not.toContain('GM0109'); // member of Assen's joint approach
    const assen = invitations.find((i) => i.code === 'GM0106')!;
    const members = await t.db
      .select({ code: municipalities.cbsCode })
      .from(benchmarkInvitationMunicipalities)
      .innerJoin(municipalities, eq(municipalities.id, benchmarkInvitationMunicipalities.municipalityId))
      .where(eq(benchmarkInvitationMunicipalities.invitationId, assen.id))
      .orderBy(asc(benchmarkInvitationMunicipalities.position));
    expect(members.map((m) => m.code)).toEqual(['GM0106', 'GM0109', 'GM0114']);
    // No benchmark mail (the signal point's demo stores its feedback mails in the outbox, which is fine).
    expect((await t.db.select({ n: count() }).from(outbox).where(sql`${outbox.kind} not like 'signal%'`))[0]!.n).toBe(0);
    expect((await responsesOf(2021)).length).toBe(0);

    expect(link).toMatch(/^http:\/\/localhost:3000\/vragenlijst\/[A-Za-z0-9_-]{20,}$/);
    const state = await resolveLink(t.db, link!.split('/').pop()!);
    expect(state.state).toBe('open');
    if (state.state !== 'open') return;
    expect(state.municipalities.map((m) => m.cbsCode)).toEqual(['GM0344']);
    expect(state.response).toBeNull();
  });

  it('is idempotent: a second run adds nothing and gives the same link', async () => {
    const before = await t.db.execute<{ e: number; r: number; i: number; a: number }>(sql`
      select (select count(*) from benchmark_editions)::int as e, (select count(*) from benchmark_responses)::int as r,
             (select count(*) from benchmark_invitations)::int as i, (select count(*) from benchmark_answers)::int as a`);
    const again = await seedBenchmarkDemo(t.db, t.ctx.cipher, { baseUrl });
    const viaDemo = await seedDemo(t.db, { cipher: t.ctx.cipher, baseUrl });
    const after = await t.db.execute(sql`
      select (select count(*) from benchmark_editions)::int as e, (select count(*) from benchmark_responses)::int as r,
             (select count(*) from benchmark_invitations)::int as i, (select count(*) from benchmark_answers)::int as a`);
    expect(after.rows).toEqual(before.rows);
    expect(again.demoLink).toBe(link);
    expect(viaDemo).toMatchObject({ seeded: false, benchmarkLink: link });
    const [{ n }] = await t.db.select({ n: count() }).from(benchmarkEditions).where(and(isNull(benchmarkEditions.deletedAt)));
    expect(n).toBe(3);
  });
});
