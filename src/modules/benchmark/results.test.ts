import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, seedReference, type TestApp } from '../../../test/helpers/app.js';
import { createResultsFixture, municipalityIds, SECRET_TEXTS, type ResultsFixture } from '../../../test/helpers/benchmark-results.js';
import { municipalityResults, nationalResults, percentOf, resultOptions, resultQuerySchema, sizeClassOf } from './results-service.js';
import type { ComparedQuestion, MunicipalityResults, NationalResults, QuestionResult } from './results-types.js';

/**
 * The results against HAND-COMPUTED expectations: see the fixture's table in
 * test/helpers/benchmark-results.ts for the raw responses behind every number here.
 */

let t: TestApp;
let f: ResultsFixture;
let ids: Record<string, number>;

beforeAll(async () => {
  t = await createTestApp();
  await seedReference(t.db);
  f = await createResultsFixture(t.db);
  ids = await municipalityIds(t.db, ['GM0344', 'GM0308', 'GM0317', 'GM0363', 'GM0361', 'GM0331', 'GM0339']);
});
afterAll(async () => t.close());

const q = (r: NationalResults, code: string): ComparedQuestion => {
  const found = r.questions.find((x) => x.current.question.code === code);
  if (!found) throw new Error(`no question ${code}`);
  return found;
};
/** Options as [code, count, percent] triples, in order. */
const opts = (r: QuestionResult | null | undefined) => r?.options.map((o) => [o.code, o.count, o.percent]);
const rows = (r: QuestionResult | null | undefined) => r?.rows?.map((x) => ({ code: x.code, n: x.n, suppressed: x.suppressed ?? false, options: x.options.map((o) => [o.code, o.count, o.percent]) }));

describe('helpers', () => {
  it('rounds percentages to one decimal and classifies populations', () => {
    expect(percentOf(2, 3)).toBe(66.7);
    expect(percentOf(1, 6)).toBe(16.7);
    expect(percentOf(1, 8)).toBe(12.5);
    expect(percentOf(0, 0)).toBeNull();
    expect([null, 19_999, 20_000, 49_999, 50_000, 99_999, 100_000].map(sizeClassOf)).toEqual(['unknown', 'lt20k', '20k_50k', '20k_50k', '50k_100k', '50k_100k', 'gte100k']);
  });

  it('parses the result query (empty values are absent)', () => {
    expect(resultOptions(resultQuerySchema.parse({ compare: 'none', panel: 'true', province: 'PV26', sizeClass: '', joinedYear: '2019' }))).toEqual({
      filter: { provinceCode: 'PV26', joinedYear: 2019 },
      compareYear: null,
      panel: true,
    });
    expect(resultOptions(resultQuerySchema.parse({}))).toEqual({ filter: {}, compareYear: undefined, panel: false });
    expect(resultQuerySchema.safeParse({ province: 'Utrecht' }).success).toBe(false);
    expect(resultQuerySchema.safeParse({ sizeClass: 'huge' }).success).toBe(false);
  });
});

describe('national results (2021, compared with 2020 by default)', () => {
  let r: NationalResults;
  beforeAll(async () => {
    r = await nationalResults(t.db, f.e2021, { filter: {}, panel: true });
  });

  it('counts submitted responses only, once per primary municipality', () => {
    // R1–R7; R8 (Alkmaar) is in progress, Eemnes is only represented by R2.
    expect(r.respondents).toBe(7);
    expect(r.edition).toMatchObject({ year: 2021, status: 'published' });
    expect(r.compareWith).toMatchObject({ year: 2020 });
    expect(r.questions.map((x) => x.current.question.code)).toEqual(['WEEK', 'AWARE', 'SUPPORT', 'SUPPORT_WHY', 'ROLES', 'HOURS', 'NOTE']);
  });

  it('yes/no: n = all who answered; a question marked not comparable has no previous figures', () => {
    const week = q(r, 'WEEK');
    expect(week.current.n).toBe(7);
    expect(opts(week.current)).toEqual([
      ['yes', 5, 71.4],
      ['no', 2, 28.6],
    ]);
    expect(week.current.question.notComparable).toBe(true);
    expect(week.previous).toBeNull();
    expect(week.panel!.previous).toBeNull();
  });

  it('single choice with "weet ik niet" last; n excludes those who skipped it', () => {
    const aware = q(r, 'AWARE');
    expect(aware.current.n).toBe(6); // R7 skipped it
    expect(opts(aware.current)).toEqual([
      ['ALL', 3, 50],
      ['SPEC', 1, 16.7],
      ['PLAN', 0, 0],
      ['NO', 1, 16.7],
      ['dont_know', 1, 16.7],
    ]);
    expect(aware.current.options.at(-1)!.label).toBe('Weet ik niet');
    expect(aware.current.question).toMatchObject({ type: 'single', multiple: false, sectionCode: 'S1', pillar: 'actielijn_1' });
    // 2020: P1 SPEC, P2 ALL, P3 PLAN, P4 NO, P5 ALL (P6 in progress)
    expect(aware.previous!.n).toBe(5);
    expect(opts(aware.previous)).toEqual([
      ['ALL', 2, 40],
      ['SPEC', 1, 20],
      ['PLAN', 1, 20],
      ['NO', 1, 20],
      ['dont_know', 0, 0],
    ]);
  });

  it('multiple choice: percentages of the respondents, adding up to more than 100%', () => {
    const support = q(r, 'SUPPORT');
    expect(support.current.question.multiple).toBe(true);
    expect(support.current.n).toBe(6);
    expect(opts(support.current)).toEqual([
      ['MAP', 4, 66.7],
      ['WOR', 3, 50],
      ['OTHER', 2, 33.3],
      ['NONE', 1, 16.7],
    ]);
    expect(support.current.options.reduce((s, o) => s + o.percent!, 0)).toBeGreaterThan(100);
    expect(opts(support.previous)).toEqual([
      ['MAP', 3, 60],
      ['WOR', 2, 40],
      ['OTHER', 0, 0],
      ['NONE', 1, 20],
    ]);
  });

  it('matrix: every row has its own n; the question n counts respondents with at least one row', () => {
    const roles = q(r, 'ROLES');
    expect(roles.current.n).toBe(6);
    expect(roles.current.options).toEqual([]);
    expect(rows(roles.current)).toEqual([
      { code: 'GEM', n: 6, suppressed: false, options: [['KAR', 5, 83.3], ['ACT', 1, 16.7], ['INF', 0, 0], ['NONE', 0, 0]] },
      { code: 'WELZ', n: 5, suppressed: false, options: [['KAR', 1, 20], ['ACT', 3, 60], ['INF', 1, 20], ['NONE', 0, 0]] },
      { code: 'BANK', n: 4, suppressed: false, options: [['KAR', 0, 0], ['ACT', 0, 0], ['INF', 1, 25], ['NONE', 3, 75]] },
    ]);
    expect(roles.previous!.n).toBe(5);
    expect(rows(roles.previous)!.map((x) => [x.code, x.n])).toEqual([
      ['GEM', 5],
      ['WELZ', 3],
      ['BANK', 2],
    ]);
    expect(rows(roles.previous)![0]!.options).toEqual([
      ['KAR', 3, 60],
      ['ACT', 1, 20],
      ['INF', 1, 20],
      ['NONE', 0, 0],
    ]);
  });

  it('number: n (with "weet ik niet"), mean, median, min and max of the numbers', () => {
    const hours = q(r, 'HOURS');
    expect(hours.current.n).toBe(6);
    expect(hours.current.numeric).toEqual({ n: 5, mean: 9, median: 6, min: 0, max: 25 }); // 0, 4, 6, 10, 25
    expect(opts(hours.current)).toEqual([['dont_know', 1, 16.7]]);
    // 2020's HOURS is marked not comparable (with 2019), 2021's is not: 2021 compares with 2020.
    expect(hours.previous!.numeric).toEqual({ n: 4, mean: 8.25, median: 5.5, min: 2, max: 20 }); // 2, 3, 8, 20
    expect(hours.previous!.n).toBe(5);
  });

  it('text questions: only n, never the texts; a question absent in the compared edition has no previous figures', () => {
    expect(q(r, 'NOTE').current).toMatchObject({ n: 2, options: [] });
    expect(q(r, 'NOTE').previous).toBeNull(); // 2020 calls it NOTE_OLD
    expect(q(r, 'SUPPORT_WHY').current).toMatchObject({ n: 2, options: [] });
    const json = JSON.stringify(r);
    for (const s of SECRET_TEXTS) expect(json).not.toContain(s);
  });

  it('panel: both editions restricted to the primary municipalities with a submitted response in both', () => {
    // Utrecht, Houten, Amsterdam. Not Baarn (2020: only represented by Eemnes), not Amersfoort (2020 in progress).
    expect(r.panelSize).toBe(3);
    const aware = q(r, 'AWARE').panel!;
    expect(aware.current.n).toBe(3);
    expect(opts(aware.current)).toEqual([
      ['ALL', 2, 66.7],
      ['SPEC', 0, 0],
      ['PLAN', 0, 0],
      ['NO', 0, 0],
      ['dont_know', 1, 33.3],
    ]);
    expect(opts(aware.previous)).toEqual([
      ['ALL', 0, 0],
      ['SPEC', 1, 33.3],
      ['PLAN', 1, 33.3],
      ['NO', 1, 33.3],
      ['dont_know', 0, 0],
    ]);
    const support = q(r, 'SUPPORT').panel!;
    expect(opts(support.current)).toEqual([
      ['MAP', 2, 66.7],
      ['WOR', 3, 100],
      ['OTHER', 1, 33.3],
      ['NONE', 0, 0],
    ]);
    expect(opts(support.previous)).toEqual([
      ['MAP', 2, 66.7],
      ['WOR', 1, 33.3],
      ['OTHER', 0, 0],
      ['NONE', 1, 33.3],
    ]);
    const roles = q(r, 'ROLES').panel!;
    expect(rows(roles.current)!.map((x) => [x.code, x.n, x.options[0]])).toEqual([
      ['GEM', 3, ['KAR', 3, 100]],
      ['WELZ', 2, ['KAR', 0, 0]],
      ['BANK', 2, ['KAR', 0, 0]],
    ]);
    expect(rows(roles.previous)![0]!.options).toEqual([
      ['KAR', 1, 33.3],
      ['ACT', 1, 33.3],
      ['INF', 1, 33.3],
      ['NONE', 0, 0],
    ]);
    expect(q(r, 'HOURS').panel!.current.numeric).toEqual({ n: 2, mean: 17.5, median: 17.5, min: 10, max: 25 });
    expect(q(r, 'HOURS').panel!.previous!.numeric).toEqual({ n: 2, mean: 14, median: 14, min: 8, max: 20 });
  });

  it('without panel: no panel figures, but the panel size', async () => {
    const plain = await nationalResults(t.db, f.e2021, { filter: {} });
    expect(plain.panelSize).toBe(3);
    expect(plain.questions.every((x) => x.panel === undefined)).toBe(true);
  });
});

describe('filters (on the primary municipality)', () => {
  it('province', async () => {
    const r = await nationalResults(t.db, f.e2021, { filter: { provinceCode: 'PV26' }, panel: true });
    expect(r.respondents).toBe(5); // R1–R5
    expect(opts(q(r, 'AWARE').current)).toEqual([
      ['ALL', 2, 40],
      ['SPEC', 1, 20],
      ['PLAN', 0, 0],
      ['NO', 1, 20],
      ['dont_know', 1, 20],
    ]);
    // 2020 in PV26: Utrecht, Eemnes (primary), Houten, Lopik
    expect(opts(q(r, 'AWARE').previous)).toEqual([
      ['ALL', 2, 50],
      ['SPEC', 1, 25],
      ['PLAN', 0, 0],
      ['NO', 1, 25],
      ['dont_know', 0, 0],
    ]);
    expect(r.panelSize).toBe(2); // Utrecht, Houten
    const nh = await nationalResults(t.db, f.e2021, { filter: { provinceCode: 'PV27' } });
    expect(nh.respondents).toBe(2); // Amsterdam, Aalsmeer (Alkmaar in progress)
    expect(opts(q(nh, 'AWARE').current)![0]).toEqual(['ALL', 1, 100]);
  });

  it('size class: a represented municipality adds nothing', async () => {
    const count = async (sizeClass: 'lt20k' | '20k_50k' | '50k_100k' | 'gte100k' | 'unknown') => (await nationalResults(t.db, f.e2021, { filter: { sizeClass }, compareYear: null })).respondents;
    expect(await count('lt20k')).toBe(1); // Renswoude; not Eemnes (9.5k, represented by Baarn)
    expect(await count('20k_50k')).toBe(1); // Baarn
    expect(await count('50k_100k')).toBe(1); // Houten, exactly 50,000
    expect(await count('gte100k')).toBe(3); // Utrecht, Amersfoort, Amsterdam
    expect(await count('unknown')).toBe(1); // Aalsmeer
    const big = await nationalResults(t.db, f.e2021, { filter: { sizeClass: 'gte100k' } });
    expect(opts(q(big, 'SUPPORT').current)).toEqual([
      ['MAP', 3, 100],
      ['WOR', 2, 66.7],
      ['OTHER', 2, 66.7],
      ['NONE', 0, 0],
    ]);
    // 2020 below 20,000: Eemnes (primary there) and Lopik.
    expect(q(await nationalResults(t.db, f.e2021, { filter: { sizeClass: 'lt20k' } }), 'AWARE').previous!.n).toBe(2);
  });

  it('year of joining', async () => {
    const y2019 = await nationalResults(t.db, f.e2021, { filter: { joinedYear: 2019 }, compareYear: null });
    expect(y2019.respondents).toBe(3); // Utrecht, Amersfoort, Amsterdam (not Eemnes, not Alkmaar)
    expect(opts(q(y2019, 'AWARE').current)![0]).toEqual(['ALL', 3, 100]);
    const y2020 = await nationalResults(t.db, f.e2021, { filter: { joinedYear: 2020 }, compareYear: null });
    expect(y2020.respondents).toBe(3); // Baarn, Houten, Aalsmeer
    expect(q(y2020, 'AWARE').current.n).toBe(2);
    expect(opts(q(y2020, 'AWARE').current)).toEqual([
      ['ALL', 0, 0],
      ['SPEC', 1, 50],
      ['PLAN', 0, 0],
      ['NO', 0, 0],
      ['dont_know', 1, 50],
    ]);
    expect((await nationalResults(t.db, f.e2021, { filter: { joinedYear: 2018 } })).respondents).toBe(0);
  });

  it('filters combine', async () => {
    const r = await nationalResults(t.db, f.e2021, { filter: { provinceCode: 'PV26', joinedYear: 2019, sizeClass: 'gte100k' }, compareYear: null });
    expect(r.respondents).toBe(2); // Utrecht, Amersfoort
  });
});

describe('comparison choices', () => {
  it('compare with an explicit edition, or none', async () => {
    const with2019 = await nationalResults(t.db, f.e2021, { filter: {}, compareYear: 2019, panel: true });
    expect(with2019.compareWith).toMatchObject({ year: 2019 });
    expect(with2019.panelSize).toBe(1); // Utrecht
    expect(opts(q(with2019, 'AWARE').previous)).toEqual([
      ['ALL', 0, 0],
      ['SPEC', 0, 0],
      ['PLAN', 0, 0],
      ['NO', 1, 100],
      ['dont_know', 0, 0],
    ]);
    const none = await nationalResults(t.db, f.e2021, { filter: {}, compareYear: null, panel: true });
    expect(none.compareWith).toBeNull();
    expect(none.panelSize).toBeNull();
    expect(none.questions.every((x) => x.previous === null && x.panel === undefined)).toBe(true);
    const missing = await nationalResults(t.db, f.e2021, { filter: {}, compareYear: 2005 });
    expect(missing.compareWith).toBeNull();
    // The oldest edition has nothing before it.
    expect((await nationalResults(t.db, f.e2019, { filter: {} })).compareWith).toBeNull();
  });

  it('filter.panelYear restricts all figures to municipalities that responded in that edition too', async () => {
    const r = await nationalResults(t.db, f.e2021, { filter: { panelYear: 2020 } });
    expect(r.respondents).toBe(3);
    expect(q(r, 'AWARE').previous!.n).toBe(3);
  });

  it('one question only', async () => {
    const r = await nationalResults(t.db, f.e2021, { filter: {}, questionCodes: ['ROLES'], panel: true });
    expect(r.questions).toHaveLength(1);
    expect(r.questions[0]!.current.n).toBe(6);
    expect(r.questions[0]!.previous!.n).toBe(5);
    expect(r.questions[0]!.panel!.current.n).toBe(3);
    expect(r.respondents).toBe(7);
  });
});

describe('suppression', () => {
  it('withholds every distribution with n < 5, matrix rows included', async () => {
    const r = await nationalResults(t.db, f.e2021, { filter: {}, panel: true, suppress: true });
    expect(q(r, 'AWARE').current.suppressed).toBeUndefined();
    expect(q(r, 'AWARE').current.n).toBe(6);
    const roles = rows(q(r, 'ROLES').current)!;
    expect(roles.map((x) => [x.code, x.n, x.suppressed, x.options.length])).toEqual([
      ['GEM', 6, false, 4],
      ['WELZ', 5, false, 4],
      ['BANK', 0, true, 0],
    ]);
    expect(q(r, 'NOTE').current).toMatchObject({ n: 0, suppressed: true });
    // The panel has 3 municipalities: everything suppressed.
    const panel = q(r, 'AWARE').panel!;
    expect(panel.current).toMatchObject({ n: 0, options: [], suppressed: true });
    expect(panel.previous).toMatchObject({ n: 0, options: [], suppressed: true });
    expect(q(r, 'HOURS').panel!.current.numeric).toEqual({ n: 0, mean: null, median: null, min: null, max: null });
    const nh = await nationalResults(t.db, f.e2021, { filter: { provinceCode: 'PV27' }, suppress: true });
    expect(nh.questions.every((x) => x.current.suppressed && x.current.options.length === 0)).toBe(true);
  });
});

describe('municipality results', () => {
  const own = (r: MunicipalityResults, code: string) => r.pillars.flatMap((p) => p.questions).find((x) => x.question.code === code)!;

  it('the primary municipality: own answers next to all respondents and the province, per pillar, with the trend', async () => {
    const r = await municipalityResults(t.db, f.e2021, ids.GM0344!);
    expect(r.municipality).toMatchObject({ cbsCode: 'GM0344', name: 'Utrecht', provinceCode: 'PV26' });
    expect(r.response).toMatchObject({ status: 'submitted', primary: { cbsCode: 'GM0344' }, represented: [{ cbsCode: 'GM0344', name: 'Utrecht' }] });
    expect(r.respondents).toBe(7);
    expect(r.provinceRespondents).toBe(5);
    expect(r.pillars.map((p) => [p.pillar, p.questions.length])).toEqual([
      ['actielijn_1', 4],
      ['pijler_2', 2],
      ['overig', 1],
    ]);
    expect(r.pillars[1]!.title).toBe('Pijler 2: Sterk netwerk');
    const aware = own(r, 'AWARE');
    expect(aware.ownText).toBe('Ja, voor alle ouderen');
    expect(aware.ownCodes).toEqual(['ALL']);
    expect(aware.all.n).toBe(6);
    expect(opts(aware.province)).toEqual([
      ['ALL', 2, 40],
      ['SPEC', 1, 20],
      ['PLAN', 0, 0],
      ['NO', 1, 20],
      ['dont_know', 1, 20],
    ]);
    expect(aware.trend).toEqual([
      { year: 2019, text: 'Nee', comparable: true },
      { year: 2020, text: 'Ja, voor specifieke groepen', comparable: true },
    ]);
    // WEEK changed in 2021: no earlier answer is comparable.
    expect(own(r, 'WEEK').trend).toEqual([
      { year: 2019, text: 'Ja', comparable: false },
      { year: 2020, text: 'Nee', comparable: false },
    ]);
    // HOURS changed in 2020: 2020 compares with 2021, 2019 does not.
    expect(own(r, 'HOURS').ownText).toBe('10 uur');
    expect(own(r, 'HOURS').trend).toEqual([
      { year: 2019, text: '5 uur', comparable: false },
      { year: 2020, text: '8 uur', comparable: true },
    ]);
    const roles = own(r, 'ROLES');
    expect(roles.ownCodes).toEqual({ GEM: 'KAR', WELZ: 'ACT', BANK: 'NONE' });
    // In the province: GEM 5 rows; WELZ 4 and BANK 3 are suppressed.
    expect(rows(roles.province)!.map((x) => [x.code, x.n, x.suppressed])).toEqual([
      ['GEM', 5, false],
      ['WELZ', 0, true],
      ['BANK', 0, true],
    ]);
    expect(own(r, 'NOTE').ownText).toBe('Opmerking Utrecht'); // its own text
    const json = JSON.stringify(r);
    for (const s of SECRET_TEXTS.filter((x) => x !== 'Opmerking Utrecht')) expect(json).not.toContain(s);
  });

  it('a represented municipality sees the answers of the response that represents it', async () => {
    for (const code of ['GM0308', 'GM0317'] as const) {
      const r = await municipalityResults(t.db, f.e2021, ids[code]!);
      expect(r.response, code).toMatchObject({
        status: 'submitted',
        primary: { cbsCode: 'GM0308', name: 'Baarn' },
        represented: [
          { cbsCode: 'GM0308', name: 'Baarn' },
          { cbsCode: 'GM0317', name: 'Eemnes' },
        ],
      });
      expect(own(r, 'AWARE').ownText).toBe('Ja, voor specifieke groepen');
      expect(own(r, 'HOURS').ownText).toBe('4 uur');
      expect(own(r, 'ROLES').ownText).toBe('Gemeente: Kartrekker; Welzijnsorganisaties: Kartrekker; Financiële sector: —');
      // 2020: Eemnes answered for both (P2).
      expect(own(r, 'AWARE').trend).toEqual([{ year: 2020, text: 'Ja, voor alle ouderen', comparable: true }]);
      expect(r.respondents).toBe(7);
      expect(r.provinceRespondents).toBe(5);
      const json = JSON.stringify(r);
      for (const s of SECRET_TEXTS) expect(json).not.toContain(s);
    }
  });

  it('a province with fewer than 5 respondents is suppressed; the national distribution is not', async () => {
    const r = await municipalityResults(t.db, f.e2021, ids.GM0363!);
    expect(r.provinceRespondents).toBe(2);
    const aware = own(r, 'AWARE');
    expect(aware.province).toMatchObject({ n: 0, options: [], suppressed: true });
    expect(aware.all.suppressed).toBeUndefined();
    expect(aware.all.n).toBe(6);
    expect(own(r, 'ROLES').province.rows!.every((x) => x.suppressed && x.options.length === 0)).toBe(true);
    expect(own(r, 'NOTE').ownText).toBe('Geheim Amsterdam'); // its own
    expect(own(r, 'SUPPORT').ownText).toBe('Sociale kaart; Welzijn op Recept; Anders, namelijk: Huisarts');
    expect(JSON.stringify(r)).not.toContain('Buurtapp');
    // The programme team may look without suppression.
    const open = await municipalityResults(t.db, f.e2021, ids.GM0363!, { suppress: false });
    expect(opts(own(open, 'AWARE').province)![0]).toEqual(['ALL', 1, 100]);
  });

  it('an unfinished response, no response, and an unknown municipality', async () => {
    const alkmaar = await municipalityResults(t.db, f.e2021, ids.GM0361!);
    expect(alkmaar.response).toMatchObject({ status: 'in_progress', submittedAt: null });
    expect(alkmaar.respondents).toBe(7);
    const lopik = await municipalityResults(t.db, f.e2021, ids.GM0331!);
    expect(lopik.response).toBeNull();
    expect(own(lopik, 'AWARE').ownText).toBe('—');
    expect(own(lopik, 'AWARE').ownCodes).toBeNull();
    expect(own(lopik, 'AWARE').trend).toEqual([{ year: 2020, text: 'Ja, voor alle ouderen', comparable: true }]);
    await expect(municipalityResults(t.db, f.e2021, 999_999)).rejects.toMatchObject({ statusCode: 404 });
  });
});
