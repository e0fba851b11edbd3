import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, seedReference, type TestApp } from '../../../test/helpers/app.js';
import {
  createDifferencingFixture,
  createResultsFixture,
  DIFF_CODES,
  municipalityIds,
  SECRET_TEXTS,
  setEditionStatus,
  type DifferencingFixture,
  type ResultsFixture,
} from '../../../test/helpers/benchmark-results.js';
import { getEditionByYear } from './service.js';
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
    expect(panel.current.suppressedReason).toBe('small_group');
    expect(q(r, 'HOURS').panel!.current.numeric).toEqual({ n: 0, mean: null, median: null, min: null, max: null, suppressed: true, suppressedReason: 'small_group' });
    expect(q(r, 'NOTE').current.suppressedReason).toBe('small_group');
    expect(q(r, 'ROLES').current.rows!.map((x) => x.suppressedReason ?? null)).toEqual([null, null, 'small_group']);
    // Group sizes: 7 respondents are shown; the panel of 3 is not (0, flagged).
    expect(r).toMatchObject({ respondents: 7, panelSize: 0, panelSizeSuppressed: true });
    expect(r.respondentsSuppressed).toBeUndefined();
    const nh = await nationalResults(t.db, f.e2021, { filter: { provinceCode: 'PV27' }, suppress: true });
    expect(nh.questions.every((x) => x.current.suppressed && x.current.options.length === 0)).toBe(true);
    // Amsterdam and Aalsmeer: the size of a suppressed group is withheld too.
    expect(nh).toMatchObject({ respondents: 0, respondentsSuppressed: true });
    // The programme team sees the sizes.
    expect(await nationalResults(t.db, f.e2021, { filter: { provinceCode: 'PV27' } })).toMatchObject({ respondents: 2, panelSize: 1 });
    expect((await nationalResults(t.db, f.e2021, { filter: { provinceCode: 'PV27' } })).respondentsSuppressed).toBeUndefined();
  });

  it('number questions: never min and max; mean and median from 5 numbers on', async () => {
    const r = await nationalResults(t.db, f.e2021, { filter: {}, suppress: true });
    // 2021 HOURS: 0, 4, 6, 10, 25 (5 numbers) and one "weet ik niet".
    expect(q(r, 'HOURS').current.numeric).toEqual({ n: 5, mean: 9, median: 6, min: null, max: null });
    expect(opts(q(r, 'HOURS').current)).toEqual([['dont_know', 1, 16.7]]);
    // 2020 HOURS: 2, 3, 8, 20 — only 4 numbers (+1 "weet ik niet", n = 5): the distribution is shown, the summary is not.
    expect(q(r, 'HOURS').previous!.n).toBe(5);
    expect(q(r, 'HOURS').previous!.numeric).toEqual({ n: 0, mean: null, median: null, min: null, max: null, suppressed: true, suppressedReason: 'small_group' });
    expect(opts(q(r, 'HOURS').previous)).toEqual([['dont_know', 1, 20]]);
    // Municipality results: the same for the national distribution.
    const m = await municipalityResults(t.db, f.e2021, ids.GM0344!);
    const hours = m.pillars.flatMap((p) => p.questions).find((x) => x.question.code === 'HOURS')!;
    expect(hours.all.numeric).toEqual({ n: 5, mean: 9, median: 6, min: null, max: null });
    expect(JSON.stringify(m.pillars.flatMap((p) => p.questions).map((x) => [x.all.numeric, x.province.numeric]))).not.toMatch(/"(min|max)":\d/);
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
    expect(r.provinceRespondentsSuppressed).toBeUndefined();
    expect(r.comparisonSuppressed).toBeUndefined();
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
    // All 6 minus the 5 in the province is Amsterdam alone: subtracting would reveal its answer
    // (ALL: 3 − 2 = 1), so a municipality does not get the province figures here.
    expect(aware.province).toMatchObject({ n: 0, options: [], suppressed: true, suppressedReason: 'small_difference' });
    const full = await municipalityResults(t.db, f.e2021, ids.GM0344!, { suppress: false });
    expect(opts(own(full, 'AWARE').province)).toEqual([
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
    // In the province: GEM 5, WELZ 4, BANK 3 answers (programme team); for the municipality the
    // whole question is withheld (6 nationally − 5 in the province = 1).
    expect(rows(own(full, 'ROLES').province)!.map((x) => [x.code, x.n, x.suppressed])).toEqual([
      ['GEM', 5, false],
      ['WELZ', 4, false],
      ['BANK', 3, false],
    ]);
    expect(roles.province.rows!.map((x) => [x.code, x.n, x.suppressedReason])).toEqual([
      ['GEM', 0, 'small_difference'],
      ['WELZ', 0, 'small_difference'],
      ['BANK', 0, 'small_difference'],
    ]);
    // Every question of the province differs from the national figures by 1 or 2 (Amsterdam,
    // Aalsmeer); the two texts were answered by one municipality in the province.
    expect(r.pillars.flatMap((p) => p.questions).map((x) => [x.question.code, x.province.suppressedReason])).toEqual([
      ['WEEK', 'small_difference'],
      ['AWARE', 'small_difference'],
      ['SUPPORT', 'small_difference'],
      ['SUPPORT_WHY', 'small_group'],
      ['ROLES', 'small_difference'],
      ['HOURS', 'small_difference'],
      ['NOTE', 'small_group'],
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
    // 2 respondents in Noord-Holland: the count is withheld too.
    expect(r.provinceRespondents).toBe(0);
    expect(r.provinceRespondentsSuppressed).toBe(true);
    expect(own(r, 'AWARE').province.suppressedReason).toBe('small_group');
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
    expect(open.provinceRespondents).toBe(2);
    expect(open.provinceRespondentsSuppressed).toBeUndefined();
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

describe('comparability over several editions (main fixture)', () => {
  it('says why there are no previous figures', async () => {
    const r = await nationalResults(t.db, f.e2021, { filter: {} });
    expect(q(r, 'WEEK').previousMissing).toBe('not_comparable'); // marked in 2021
    expect(q(r, 'NOTE').previousMissing).toBe('absent'); // NOTE_OLD in 2020
    expect(q(r, 'AWARE').previousMissing).toBeUndefined();
    const none = await nationalResults(t.db, f.e2021, { filter: {}, compareYear: null });
    expect(none.questions.every((x) => x.previousMissing === undefined)).toBe(true);
  });

  it('viewing an older edition next to a newer one follows the marks of the newer one', async () => {
    // 2020 compared with 2021: only 2021's marks count (2021 marks WEEK). 2020 marks HOURS, but
    // that is about 2019: HOURS 2020 is comparable with 2021.
    const r = await nationalResults(t.db, f.e2020, { filter: {}, compareYear: 2021 });
    expect(q(r, 'WEEK').previous).toBeNull();
    expect(q(r, 'WEEK').previousMissing).toBe('not_comparable');
    expect(q(r, 'HOURS').previous!.n).toBe(6); // 2021: 5 numbers and one "weet ik niet"
    expect(q(r, 'HOURS').previous!.numeric).toEqual({ n: 5, mean: 9, median: 6, min: 0, max: 25 });
    // 2021 compared with 2019: 2020 marks HOURS, 2021 marks WEEK — neither is comparable.
    const r19 = await nationalResults(t.db, f.e2021, { filter: {}, compareYear: 2019 });
    expect(q(r19, 'HOURS').previous).toBeNull();
    expect(q(r19, 'HOURS').previousMissing).toBe('not_comparable');
    expect(q(r19, 'WEEK').previous).toBeNull();
    expect(q(r19, 'AWARE').previous!.n).toBe(1);
  });
});

describe('restricted viewers: nothing to subtract, nothing before publication (fixture 2031–2034)', () => {
  let d: DifferencingFixture;
  let m: Record<string, number>;
  const [G1] = DIFF_CODES.G;
  const [F1] = DIFF_CODES.F;
  const own = (r: MunicipalityResults, code: string) => r.pillars.flatMap((p) => p.questions).find((x) => x.question.code === code)!;
  beforeAll(async () => {
    d = await createDifferencingFixture(t.db);
    m = await municipalityIds(t.db, [...DIFF_CODES.G, ...DIFF_CODES.F, DIFF_CODES.D1]);
  });

  it('panel figures are withheld where the panel differs from all respondents by 1 to 4, per question, matrix row and number summary', async () => {
    // 2033 × 2031: all 11 (2033) and 7 (2031); the panel G1–G6 (6).
    const r = await nationalResults(t.db, d.e2033, { filter: {}, compareYear: 2031, panel: true, suppress: true });
    expect(r).toMatchObject({ compareWith: { year: 2031 }, respondents: 11, panelSize: 6 });
    const week = q(r, 'WEEK');
    // 2033: yes G1–G4, F1, F2 = 6 of 11; panel (11 − 6 = 5 others: shown): yes G1–G4 = 4 of 6.
    expect(opts(week.current)).toEqual([
      ['yes', 6, 54.5],
      ['no', 5, 45.5],
    ]);
    expect(opts(week.panel!.current)).toEqual([
      ['yes', 4, 66.7],
      ['no', 2, 33.3],
    ]);
    // 2031: yes 5 of 7; its panel (G1–G6) yes 4 of 6 — 7 − 6 = 1 (Assen): withheld, since 5 − 4 would be Assen's "yes".
    expect(opts(week.previous)).toEqual([
      ['yes', 5, 71.4],
      ['no', 2, 28.6],
    ]);
    expect(week.panel!.previous).toMatchObject({ n: 0, options: [], suppressed: true, suppressedReason: 'small_difference' });
    // SUPPORT: 7 answered in 2033, 6 of them in the panel: withheld.
    expect(q(r, 'SUPPORT').current.n).toBe(7);
    expect(q(r, 'SUPPORT').panel!.current).toMatchObject({ n: 0, options: [], suppressed: true, suppressedReason: 'small_difference' });
    // ROLES: the question 11 vs 6 (shown); rows GEM 11 vs 6 (shown), WELZ 8 vs 6 (withheld), BANK 6 vs 6 (no difference: shown).
    const roles = q(r, 'ROLES').panel!.current;
    expect(roles.n).toBe(6);
    expect(rows(roles)).toEqual([
      { code: 'GEM', n: 6, suppressed: false, options: [['KAR', 6, 100], ['ACT', 0, 0], ['INF', 0, 0], ['NONE', 0, 0]] },
      { code: 'WELZ', n: 0, suppressed: true, options: [] },
      { code: 'BANK', n: 6, suppressed: false, options: [['KAR', 0, 0], ['ACT', 0, 0], ['INF', 6, 100], ['NONE', 0, 0]] },
    ]);
    expect(roles.rows![1]!.suppressedReason).toBe('small_difference');
    // All respondents: GEM KAR 6, ACT 2 (F1, F2), NONE 3 (F3–F5) of 11; WELZ ACT 6, INF 2 of 8.
    expect(rows(q(r, 'ROLES').current)!.slice(0, 2)).toEqual([
      { code: 'GEM', n: 11, suppressed: false, options: [['KAR', 6, 54.5], ['ACT', 2, 18.2], ['INF', 0, 0], ['NONE', 3, 27.3]] },
      { code: 'WELZ', n: 8, suppressed: false, options: [['KAR', 0, 0], ['ACT', 6, 75], ['INF', 2, 25], ['NONE', 0, 0]] },
    ]);
    // 2031's ROLES panel: 6 of 7 answered: withheld as a whole.
    expect(q(r, 'ROLES').panel!.previous).toMatchObject({ suppressed: true, suppressedReason: 'small_difference' });
    // HOURS: numbers 2, 4, 6, 8, 10, 12, 100 → mean 142 / 7 = 20.29, median 8; no min/max. Panel: 6 of the 7 numbers → withheld;
    // the question itself (6 of 11 answered) is not, so "weet ik niet" (0 of 6) is shown.
    expect(q(r, 'HOURS').current.numeric).toEqual({ n: 7, mean: 20.29, median: 8, min: null, max: null });
    expect(opts(q(r, 'HOURS').current)).toEqual([['dont_know', 4, 36.4]]);
    expect(q(r, 'HOURS').panel!.current.numeric).toEqual({ n: 0, mean: null, median: null, min: null, max: null, suppressed: true, suppressedReason: 'small_difference' });
    expect(opts(q(r, 'HOURS').panel!.current)).toEqual([['dont_know', 0, 0]]);

    // The programme team sees everything (and what a municipality could have subtracted).
    const full = await nationalResults(t.db, d.e2033, { filter: {}, compareYear: 2031, panel: true });
    expect(opts(q(full, 'WEEK').panel!.previous)).toEqual([
      ['yes', 4, 66.7],
      ['no', 2, 33.3],
    ]);
    expect(q(full, 'HOURS').panel!.current.numeric).toEqual({ n: 6, mean: 7, median: 7, min: 2, max: 12 });
    expect(q(full, 'HOURS').current.numeric).toEqual({ n: 7, mean: 20.29, median: 8, min: 2, max: 100 });
    expect(rows(q(full, 'ROLES').panel!.current)![1]).toMatchObject({ code: 'WELZ', n: 6, suppressed: false });
  });

  it('a panel equal to all respondents (difference 0) is shown', async () => {
    // 2033 × 2032: the panel is G1–G6, F1, F2 (8): 2032 had exactly these 8; 2033 has 3 more.
    const r = await nationalResults(t.db, d.e2033, { filter: {}, compareYear: 2032, panel: true, suppress: true });
    expect(r.panelSize).toBe(8);
    expect(q(r, 'WEEK').panel!.current).toMatchObject({ suppressed: true, suppressedReason: 'small_difference' }); // 11 − 8 = 3
    expect(opts(q(r, 'WEEK').panel!.previous)).toEqual([
      ['yes', 6, 75],
      ['no', 2, 25],
    ]);
    expect(q(r, 'WEEK').panel!.previous!.suppressed).toBeUndefined();
  });

  it('comparable only when no edition after the older one up to the newer one marks the question, in both directions', async () => {
    // AWARE is marked in 2032.
    const r3331 = await nationalResults(t.db, d.e2033, { filter: {}, compareYear: 2031, panel: true });
    expect(q(r3331, 'AWARE').previous).toBeNull();
    expect(q(r3331, 'AWARE').previousMissing).toBe('not_comparable');
    expect(q(r3331, 'AWARE').panel!.previous).toBeNull();
    expect(q(r3331, 'WEEK').previous!.n).toBe(7);
    // Viewing 2031 next to 2032: not comparable either.
    const r3132 = await nationalResults(t.db, d.e2031, { filter: {}, compareYear: 2032 });
    expect(q(r3132, 'AWARE').previous).toBeNull();
    expect(q(r3132, 'AWARE').previousMissing).toBe('not_comparable');
    expect(opts(q(r3132, 'WEEK').previous)).toEqual([
      ['yes', 6, 75],
      ['no', 2, 25],
    ]);
    // 2032 next to 2033 (and 2033 next to 2032): comparable — 2032's mark is about the editions before it.
    const r3233 = await nationalResults(t.db, d.e2032, { filter: {}, compareYear: 2033 });
    expect(q(r3233, 'AWARE').current.question.notComparable).toBe(true);
    expect(q(r3233, 'AWARE').previousMissing).toBeUndefined();
    expect(opts(q(r3233, 'AWARE').previous)).toEqual([
      ['ALL', 6, 54.5],
      ['SPEC', 5, 45.5],
      ['PLAN', 0, 0],
      ['NO', 0, 0],
      ['dont_know', 0, 0],
    ]);
    const r3332 = await nationalResults(t.db, d.e2033, { filter: {}, compareYear: 2032 });
    expect(opts(q(r3332, 'AWARE').previous)).toEqual([
      ['ALL', 6, 75],
      ['SPEC', 0, 0],
      ['PLAN', 0, 0],
      ['NO', 2, 25],
      ['dont_know', 0, 0],
    ]);
  });

  it("a municipality's province: shown when it differs from all respondents by 5 or more, withheld by 1 to 4; its size below 5 withheld", async () => {
    const g = await municipalityResults(t.db, d.e2033, m[G1]!);
    expect(g).toMatchObject({ respondents: 11, provinceRespondents: 6 });
    expect(g.provinceRespondentsSuppressed).toBeUndefined();
    // WEEK: all 11 (yes 6); Groningen G1–G6 (11 − 6 = 5): yes G1–G4 = 4 of 6.
    expect(opts(own(g, 'WEEK').province)).toEqual([
      ['yes', 4, 66.7],
      ['no', 2, 33.3],
    ]);
    // SUPPORT: 7 answered, 6 of them in Groningen: the province is withheld, all respondents are not.
    expect(own(g, 'SUPPORT').province).toMatchObject({ n: 0, suppressed: true, suppressedReason: 'small_difference' });
    expect(opts(own(g, 'SUPPORT').all)).toEqual([
      ['MAP', 6, 85.7],
      ['WOR', 1, 14.3],
      ['OTHER', 0, 0],
      ['NONE', 0, 0],
    ]);
    expect(own(g, 'ROLES').province.rows!.map((x) => [x.code, x.n, x.suppressedReason ?? null])).toEqual([
      ['GEM', 6, null],
      ['WELZ', 0, 'small_difference'],
      ['BANK', 6, null],
    ]);
    expect(own(g, 'HOURS').province.numeric).toMatchObject({ n: 0, mean: null, suppressed: true, suppressedReason: 'small_difference' });
    expect(own(g, 'HOURS').all.numeric).toEqual({ n: 7, mean: 20.29, median: 8, min: null, max: null });
    // Fryslân F1–F5 in 2033 (11 − 5 = 6): WEEK yes F1, F2 = 2 of 5.
    const fr = await municipalityResults(t.db, d.e2033, m[F1]!);
    expect(fr.provinceRespondents).toBe(5);
    expect(opts(own(fr, 'WEEK').province)).toEqual([
      ['yes', 2, 40],
      ['no', 3, 60],
    ]);
    // Drenthe: only Assen in 2031 (and nobody in 2033): size withheld.
    for (const e of [d.e2031, d.e2033]) {
      const dr = await municipalityResults(t.db, e, m[DIFF_CODES.D1]!);
      expect(dr, String(e.year)).toMatchObject({ provinceRespondents: 0, provinceRespondentsSuppressed: true });
      expect(own(dr, 'WEEK').province.suppressedReason).toBe('small_group');
    }
    // The programme team: the province figures and size as they are.
    const full = await municipalityResults(t.db, d.e2031, m[DIFF_CODES.D1]!, { suppress: false });
    expect(full.provinceRespondents).toBe(1);
    expect(own(await municipalityResults(t.db, d.e2033, m[G1]!, { suppress: false }), 'SUPPORT').province.n).toBe(6);
  });

  it('before publication: own answers and own trend only, no distributions of others', async () => {
    const r = await municipalityResults(t.db, d.e2034, m[G1]!);
    expect(r.comparisonSuppressed).toBe('not_published');
    const all = r.pillars.flatMap((p) => p.questions);
    for (const x of all) {
      expect(x.all, x.question.code).toMatchObject({ n: 0, options: [], suppressed: true, suppressedReason: 'not_published' });
      expect(x.province, x.question.code).toMatchObject({ n: 0, options: [], suppressed: true, suppressedReason: 'not_published' });
    }
    expect(own(r, 'ROLES').all.rows!.every((x) => x.suppressedReason === 'not_published' && x.options.length === 0)).toBe(true);
    expect(own(r, 'HOURS').all.numeric).toMatchObject({ n: 0, mean: null, suppressedReason: 'not_published' });
    expect(own(r, 'WEEK').ownText).toBe('Ja');
    expect(own(r, 'HOURS').ownText).toBe('7 uur');
    expect(own(r, 'WEEK').trend).toEqual([
      { year: 2031, text: 'Ja', comparable: true },
      { year: 2032, text: 'Ja', comparable: true },
      { year: 2033, text: 'Ja', comparable: true },
    ]);
    // AWARE changed in 2032: 2031 is not comparable with 2034, 2032 and 2033 are (the same rule as the national comparison).
    expect(own(r, 'AWARE').trend.map((x) => [x.year, x.comparable])).toEqual([
      [2031, false],
      [2032, true],
      [2033, true],
    ]);
    // The 6 submitted responses would pass the small-group rule: without the publication rule they would show.
    const full = await municipalityResults(t.db, d.e2034, m[G1]!, { suppress: false });
    expect(full.comparisonSuppressed).toBeUndefined();
    expect(opts(own(full, 'WEEK').all)).toEqual([
      ['yes', 5, 83.3],
      ['no', 1, 16.7],
    ]);
    // Closed is not published either; once published, the figures appear.
    await setEditionStatus(t.db, d.e2034, 'closed');
    expect((await municipalityResults(t.db, (await getEditionByYear(t.db, 2034))!, m[G1]!)).comparisonSuppressed).toBe('not_published');
    await setEditionStatus(t.db, d.e2034, 'published');
    const pub = await municipalityResults(t.db, (await getEditionByYear(t.db, 2034))!, m[G1]!);
    expect(pub.comparisonSuppressed).toBeUndefined();
    // All six are in Groningen: the province equals all respondents (difference 0), both shown.
    expect(opts(own(pub, 'WEEK').all)).toEqual(opts(own(full, 'WEEK').all));
    expect(opts(own(pub, 'WEEK').province)).toEqual(opts(own(full, 'WEEK').all));
    await setEditionStatus(t.db, d.e2034, 'open');
  });
});
