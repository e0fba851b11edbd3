import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createUser, seedReference, TestClient, type TestApp } from '../../../test/helpers/app.js';
import { createSmallEdition } from '../../../test/helpers/benchmark.js';
import { createDifferencingFixture, createResultsFixture, DIFF_CODES, municipalityIds, SECRET_TEXTS } from '../../../test/helpers/benchmark-results.js';
import { createApiKey } from '../../platform/admin/apikeys-service.js';
import { organisations } from '../registry/schema.js';

/** The benchmark API over HTTP, on the results fixture (see test/helpers/benchmark-results.ts). */

let t: TestApp;
let key: string;
let registryKey: string;
let ids: Record<string, number>;

beforeAll(async () => {
  t = await createTestApp();
  await seedReference(t.db);
  await createResultsFixture(t.db);
  await createSmallEdition(t.db, { year: 2022, status: 'draft' });
  ids = await municipalityIds(t.db, ['GM0344', 'GM0317', 'GM0363']);
  const admin = await createUser(t.db, 'admin@test.example', [{ role: 'programme_admin' }]);
  const [org] = await t.db.insert(organisations).values({ name: 'Onderzoeksbureau BV', kind: 'business' }).returning();
  key = (await createApiKey(t.db, { name: 'Onderzoek', organisationId: org!.id, actions: ['benchmark:read'], createdBy: admin.id })).raw;
  registryKey = (await createApiKey(t.db, { name: 'Register', organisationId: org!.id, actions: ['registry:read'], createdBy: admin.id })).raw;
  await createUser(t.db, 'utrecht@test.example', [{ role: 'municipality_coordinator', municipalityId: ids.GM0344 }]);
  await createUser(t.db, 'eemnes@test.example', [{ role: 'municipality_coordinator', municipalityId: ids.GM0317 }]);
  await createUser(t.db, 'adviseur@test.example', [{ role: 'advisor', municipalityId: ids.GM0363 }]);
  await createUser(t.db, 'partner@test.example', [{ role: 'partner', organisationId: org!.id }]);
});
afterAll(async () => t.close());

const api = (url: string, k: string | null = key) => t.app.inject({ method: 'GET', url, headers: k ? { authorization: `Bearer ${k}` } : {} });
const as = async (email: string) => {
  const c = new TestClient(t.app);
  await c.login(email);
  return c;
};
type Q = { current: { question: { code: string }; n: number; suppressed?: boolean; options: { code: string; count: number; percent: number | null }[]; rows?: { code: string; n: number; suppressed?: boolean }[] }; previous: any; panel?: any };
const question = (body: any, code: string): Q => body.data.questions.find((x: Q) => x.current.question.code === code);
const triples = (r: Q['current']) => r.options.map((o) => [o.code, o.count, o.percent]);

describe('access', () => {
  it('401 without credentials, 403 for a key without benchmark:read and for a role without benchmark access', async () => {
    expect((await api('/api/v1/benchmark/editions', null)).statusCode).toBe(401);
    const noRight = await api('/api/v1/benchmark/editions', registryKey);
    expect(noRight.statusCode).toBe(403);
    expect(noRight.json().error.code).toBe('forbidden');
    expect((await api('/api/v1/benchmark/editions/2021/results', registryKey)).statusCode).toBe(403);
    const partner = await as('partner@test.example');
    for (const url of ['/api/v1/benchmark/editions', '/api/v1/benchmark/editions/2021/results', '/api/v1/benchmark/editions/2021/municipalities/GM0344/results']) {
      expect((await partner.get(url)).statusCode, url).toBe(403);
    }
  });
});

describe('editions and questionnaire', () => {
  it('lists editions; drafts only for the programme team', async () => {
    const res = await api('/api/v1/benchmark/editions');
    expect(res.statusCode).toBe(200);
    expect(res.json().data.map((e: { year: number; status: string }) => [e.year, e.status])).toEqual([
      [2021, 'published'],
      [2020, 'published'],
      [2019, 'closed'],
    ]);
    expect(res.json().data[0]).toMatchObject({ title: 'Benchmark 2021', statusLabel: 'Gepubliceerd', opensOn: '2020-01-01', imported: false });
    const admin = await as('admin@test.example');
    expect((await admin.get('/api/v1/benchmark/editions')).json().data.map((e: { year: number }) => e.year)).toEqual([2022, 2021, 2020, 2019]);
    const coord = await as('utrecht@test.example');
    expect((await coord.get('/api/v1/benchmark/editions')).json().data).toHaveLength(3);
  });

  it('returns the questionnaire definition; a draft is 404 except for the programme team', async () => {
    const res = await api('/api/v1/benchmark/editions/2021/questionnaire');
    expect(res.statusCode).toBe(200);
    const def = res.json().data;
    expect(def).toMatchObject({ format: 'ete-benchmark-questionnaire/1', year: 2021 });
    expect(def.sections.flatMap((s: { questions: { code: string }[] }) => s.questions.map((q) => q.code))).toEqual(['WEEK', 'AWARE', 'SUPPORT', 'SUPPORT_WHY', 'ROLES', 'HOURS', 'NOTE']);
    expect(def.sections[0].questions[0]).toMatchObject({ type: 'yesno', notComparable: true });
    expect((await api('/api/v1/benchmark/editions/2022/questionnaire')).statusCode).toBe(404);
    expect((await api('/api/v1/benchmark/editions/1999/questionnaire')).statusCode).toBe(400);
    expect((await api('/api/v1/benchmark/editions/2030/questionnaire')).statusCode).toBe(404);
    const admin = await as('admin@test.example');
    expect((await admin.get('/api/v1/benchmark/editions/2022/questionnaire')).statusCode).toBe(200);
  });
});

describe('national results', () => {
  it('an API key: published editions only, compared with the previous published edition, small groups suppressed', async () => {
    const res = await api('/api/v1/benchmark/editions/2021/results?panel=true');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    // The panel of 3 is a group below 5: its size is withheld too.
    expect(body.data).toMatchObject({ edition: { year: 2021 }, compareWith: { year: 2020 }, respondents: 7, panelSize: 0, panelSizeSuppressed: true, suppressed: true });
    expect(body.data.respondentsSuppressed).toBeUndefined();
    const aware = question(body, 'AWARE');
    expect(aware.current.n).toBe(6);
    expect(triples(aware.current)).toEqual([
      ['ALL', 3, 50],
      ['SPEC', 1, 16.7],
      ['PLAN', 0, 0],
      ['NO', 1, 16.7],
      ['dont_know', 1, 16.7],
    ]);
    expect(aware.previous.n).toBe(5);
    expect(aware.panel.current).toMatchObject({ n: 0, options: [], suppressed: true, suppressedReason: 'small_group' }); // 3 < 5
    // Number questions: mean and median of the 5 numbers, never min and max.
    expect((question(body, 'HOURS') as any).current.numeric).toEqual({ n: 5, mean: 9, median: 6, min: null, max: null });
    expect(question(body, 'ROLES').current.rows!.map((r) => [r.code, r.n, r.suppressed ?? false])).toEqual([
      ['GEM', 6, false],
      ['WELZ', 5, false],
      ['BANK', 0, true],
    ]);
    for (const s of SECRET_TEXTS) expect(res.body).not.toContain(s);
    // Not published: 404, also as the compared edition. 2020's previous edition (2019) is not published: no comparison.
    expect((await api('/api/v1/benchmark/editions/2019/results')).statusCode).toBe(404);
    expect((await api('/api/v1/benchmark/editions/2022/results')).statusCode).toBe(404);
    expect((await api('/api/v1/benchmark/editions/2021/results?compare=2019')).statusCode).toBe(404);
    expect((await api('/api/v1/benchmark/editions/2020/results')).json().data.compareWith).toBeNull();
  });

  it('filters, compare=none and bad input', async () => {
    // Filters could single out municipalities by subtraction (the nation minus a province), or
    // give the size of a small group: programme team only — also the province.
    const coord = await as('utrecht@test.example');
    for (const q of ['province=PV26', 'province=PV27', 'sizeClass=lt20k', 'joinedYear=2019', 'province=PV26&sizeClass=lt20k']) {
      for (const res of [await api(`/api/v1/benchmark/editions/2021/results?${q}`), await coord.get(`/api/v1/benchmark/editions/2021/results?${q}`), await api(`/api/v1/benchmark/editions/2021/results/AWARE?${q}`)]) {
        expect(res.statusCode, q).toBe(400);
        expect(res.json().error.code).toBe('filter_not_allowed');
        expect(res.body).not.toContain('"options"');
        expect(res.body).not.toContain('respondents');
      }
    }
    // Empty values are no filter.
    expect((await api('/api/v1/benchmark/editions/2021/results?province=&sizeClass=')).statusCode).toBe(200);
    const admin = await as('admin@test.example');
    expect((await admin.get('/api/v1/benchmark/editions/2021/results?province=PV26')).json().data.respondents).toBe(5);
    // The programme team sees the size of a small group.
    expect((await admin.get('/api/v1/benchmark/editions/2021/results?province=PV27')).json().data).toMatchObject({ respondents: 2, suppressed: false });
    expect((await admin.get('/api/v1/benchmark/editions/2021/results?sizeClass=lt20k')).json().data.respondents).toBe(1);
    const joined = (await admin.get('/api/v1/benchmark/editions/2021/results?joinedYear=2019&compare=none')).json().data;
    expect(joined).toMatchObject({ respondents: 3, compareWith: null, panelSize: null });
    const bad = await api('/api/v1/benchmark/editions/2021/results?province=Utrecht&sizeClass=huge');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('validation_failed');
    expect((await api('/api/v1/benchmark/editions/2021/results?compare=2021')).statusCode).toBe(404);
  });

  it('one question', async () => {
    const res = await api('/api/v1/benchmark/editions/2021/results/SUPPORT');
    expect(res.statusCode).toBe(200);
    const d = res.json().data;
    expect(d.question.current.question).toMatchObject({ code: 'SUPPORT', multiple: true });
    expect(triples(d.question.current)).toEqual([
      ['MAP', 4, 66.7],
      ['WOR', 3, 50],
      ['OTHER', 2, 33.3],
      ['NONE', 1, 16.7],
    ]);
    expect(d.question.previous.n).toBe(5);
    expect((await api('/api/v1/benchmark/editions/2021/results/NOPE')).statusCode).toBe(404);
  });

  it('a coordinator sees the same published, suppressed aggregates', async () => {
    const coord = await as('utrecht@test.example');
    const res = await coord.get('/api/v1/benchmark/editions/2021/results');
    expect(res.statusCode).toBe(200);
    expect(res.json().data.suppressed).toBe(true);
    expect((await coord.get('/api/v1/benchmark/editions/2019/results')).statusCode).toBe(404);
  });

  it('the programme team: every edition, no suppression, panel figures', async () => {
    const admin = await as('admin@test.example');
    const res = await admin.get('/api/v1/benchmark/editions/2021/results?panel=true');
    const body = res.json();
    expect(body.data).toMatchObject({ suppressed: false, panelSize: 3 });
    expect(question(body, 'ROLES').current.rows!.map((r) => [r.code, r.n])).toEqual([
      ['GEM', 6],
      ['WELZ', 5],
      ['BANK', 4],
    ]);
    expect(triples(question(body, 'AWARE').panel.current)).toEqual([
      ['ALL', 2, 66.7],
      ['SPEC', 0, 0],
      ['PLAN', 0, 0],
      ['NO', 0, 0],
      ['dont_know', 1, 33.3],
    ]);
    expect(triples(question(body, 'AWARE').panel.previous)).toEqual([
      ['ALL', 0, 0],
      ['SPEC', 1, 33.3],
      ['PLAN', 1, 33.3],
      ['NO', 1, 33.3],
      ['dont_know', 0, 0],
    ]);
    const y2019 = await admin.get('/api/v1/benchmark/editions/2021/results?compare=2019');
    expect(y2019.json().data.compareWith.year).toBe(2019);
    expect((await admin.get('/api/v1/benchmark/editions/2019/results')).statusCode).toBe(200);
    expect((await admin.get('/api/v1/benchmark/editions/2022/results')).json().data.respondents).toBe(0);
  });
});

describe("a municipality's own results", () => {
  const url = (code: string, year = 2021) => `/api/v1/benchmark/editions/${year}/municipalities/${code}/results`;

  it('its coordinator sees its own answers, suppressed where the group is small, and no other texts', async () => {
    const coord = await as('utrecht@test.example');
    const res = await coord.get(url('GM0344'));
    expect(res.statusCode).toBe(200);
    const d = res.json().data;
    expect(d).toMatchObject({ municipality: { cbsCode: 'GM0344' }, respondents: 7, provinceRespondents: 5, response: { status: 'submitted', primary: { cbsCode: 'GM0344' } } });
    expect(typeof d.response.submittedAt).toBe('string');
    const aware = d.pillars[0].questions.find((x: { question: { code: string } }) => x.question.code === 'AWARE');
    // 6 answered AWARE, 5 of them in the province: the province would differ by Amsterdam alone.
    expect(aware).toMatchObject({ ownText: 'Ja, voor alle ouderen', ownCodes: ['ALL'], all: { n: 6 }, province: { n: 0, options: [], suppressed: true, suppressedReason: 'small_difference' } });
    expect(aware.trend).toEqual([
      { year: 2019, text: 'Nee', comparable: true },
      { year: 2020, text: 'Ja, voor specifieke groepen', comparable: true },
    ]);
    expect(res.body).toContain('Opmerking Utrecht');
    for (const s of SECRET_TEXTS.filter((x) => x !== 'Opmerking Utrecht')) expect(res.body).not.toContain(s);
  });

  it('a represented municipality sees the joint response', async () => {
    const coord = await as('eemnes@test.example');
    const res = await coord.get(url('GM0317'));
    expect(res.statusCode).toBe(200);
    const d = res.json().data;
    expect(d.response).toMatchObject({ primary: { cbsCode: 'GM0308', name: 'Baarn' }, represented: [{ cbsCode: 'GM0308' }, { cbsCode: 'GM0317' }] });
    expect(d.pillars[0].questions[1]).toMatchObject({ question: { code: 'AWARE' }, ownText: 'Ja, voor specifieke groepen' });
  });

  it('a coordinator gets 404 and no data for another municipality, however the URL is changed', async () => {
    const coord = await as('utrecht@test.example');
    for (const code of ['GM0363', 'GM0308', 'GM0317', 'gm0363', 'GM9999']) {
      const res = await coord.get(url(code));
      expect(res.statusCode, code).toBe(404);
      expect(res.json()).toEqual({ error: { code: 'not_found', message: 'Unknown CBS code, or no access to this municipality.' } });
      expect(res.body).not.toContain('Amsterdam');
    }
    expect((await coord.get(url('GM0344', 2022))).statusCode).toBe(404); // draft
    expect((await coord.get(url('Utrecht'))).statusCode).toBe(400);
  });

  it('an advisor sees an assigned municipality; a province with fewer than 5 respondents is suppressed', async () => {
    const adv = await as('adviseur@test.example');
    const res = await adv.get(url('GM0363'));
    expect(res.statusCode).toBe(200);
    const d = res.json().data;
    // 2 respondents in Noord-Holland: the size is withheld too.
    expect(d.provinceRespondents).toBe(0);
    expect(d.provinceRespondentsSuppressed).toBe(true);
    const aware = d.pillars[0].questions[1];
    expect(aware.province).toMatchObject({ n: 0, options: [], suppressed: true });
    expect(aware.all.n).toBe(6);
    expect(res.body).not.toContain('Buurtapp');
    expect((await adv.get(url('GM0344'))).statusCode).toBe(404);
  });

  it('API keys get 403; the programme team sees any municipality without suppression', async () => {
    const res = await api(url('GM0344'));
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('forbidden');
    expect(res.body).not.toContain('Utrecht');
    const admin = await as('admin@test.example');
    const d = (await admin.get(url('GM0363'))).json().data;
    expect(d.pillars[0].questions[1].province).toMatchObject({ n: 1 });
    expect(d.provinceRespondents).toBe(2);
    expect(d.provinceRespondentsSuppressed).toBeUndefined();
  });

  it('is described in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    for (const p of [
      '/api/v1/benchmark/editions',
      '/api/v1/benchmark/editions/{year}/questionnaire',
      '/api/v1/benchmark/editions/{year}/results',
      '/api/v1/benchmark/editions/{year}/results/{questionCode}',
      '/api/v1/benchmark/editions/{year}/municipalities/{cbsCode}/results',
    ]) {
      expect(doc.paths[p], p).toBeDefined();
    }
    expect(JSON.stringify(doc.paths['/api/v1/benchmark/editions/{year}/results'])).toContain('sizeClass');
  });
});

describe('restricted callers: no subtraction, no min/max, nothing before publication (fixture 2031–2034)', () => {
  beforeAll(async () => {
    await createDifferencingFixture(t.db);
    const m = await municipalityIds(t.db, [DIFF_CODES.G[0], DIFF_CODES.D1]);
    await createUser(t.db, 'groningen@test.example', [{ role: 'municipality_coordinator', municipalityId: m[DIFF_CODES.G[0]] }]);
    await createUser(t.db, 'assen@test.example', [{ role: 'advisor', municipalityId: m[DIFF_CODES.D1] }]);
  });
  const muni = (body: any, code: string) => body.data.pillars.flatMap((p: any) => p.questions).find((x: any) => x.question.code === code);

  it('panel figures that differ from all respondents by 1 to 4 are withheld, per question and matrix row', async () => {
    // 2033 × 2031: panel G1–G6 (6); all 11 in 2033, 7 in 2031 (see the fixture).
    const res = await api('/api/v1/benchmark/editions/2033/results?compare=2031&panel=true');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.data).toMatchObject({ respondents: 11, panelSize: 6, suppressed: true });
    const week = question(body, 'WEEK');
    expect(triples(week.panel.current)).toEqual([
      ['yes', 4, 66.7],
      ['no', 2, 33.3],
    ]);
    expect(week.panel.previous).toMatchObject({ n: 0, options: [], suppressed: true, suppressedReason: 'small_difference' });
    expect(question(body, 'SUPPORT').panel.current).toMatchObject({ suppressed: true, suppressedReason: 'small_difference' });
    expect(question(body, 'ROLES').panel.current.rows.map((r: any) => [r.code, r.n, r.suppressedReason ?? null])).toEqual([
      ['GEM', 6, null],
      ['WELZ', 0, 'small_difference'],
      ['BANK', 6, null],
    ]);
    const hours = question(body, 'HOURS') as any;
    expect(hours.current.numeric).toEqual({ n: 7, mean: 20.29, median: 8, min: null, max: null });
    expect(hours.panel.current.numeric).toEqual({ n: 0, mean: null, median: null, min: null, max: null, suppressed: true, suppressedReason: 'small_difference' });
    // AWARE is marked not comparable in 2032, between the two.
    expect(question(body, 'AWARE')).toMatchObject({ previous: null, previousMissing: 'not_comparable' });
    // The coordinator sees the same; the programme team sees everything.
    const coord = await as('groningen@test.example');
    expect((await coord.get('/api/v1/benchmark/editions/2033/results?compare=2031&panel=true')).json()).toEqual(body);
    const admin = await as('admin@test.example');
    const full = (await admin.get('/api/v1/benchmark/editions/2033/results?compare=2031&panel=true')).json();
    expect(triples(question(full, 'WEEK').panel.previous)).toEqual([
      ['yes', 4, 66.7],
      ['no', 2, 33.3],
    ]);
    expect((question(full, 'HOURS') as any).current.numeric).toEqual({ n: 7, mean: 20.29, median: 8, min: 2, max: 100 });
  });

  it('comparability in both directions, with the reason', async () => {
    const older = (await api('/api/v1/benchmark/editions/2031/results/AWARE?compare=2032')).json().data.question;
    expect(older).toMatchObject({ previous: null, previousMissing: 'not_comparable' });
    const newer = (await api('/api/v1/benchmark/editions/2032/results/AWARE?compare=2033')).json().data.question;
    expect(newer.previous.n).toBe(11);
    expect(newer.previousMissing).toBeUndefined();
  });

  it("a municipality's own results: province shown or withheld by the difference rule, small province sizes withheld", async () => {
    const coord = await as('groningen@test.example');
    const res = await coord.get('/api/v1/benchmark/editions/2033/municipalities/GM0014/results');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.data).toMatchObject({ respondents: 11, provinceRespondents: 6 });
    expect(triples(muni(body, 'WEEK').province)).toEqual([
      ['yes', 4, 66.7],
      ['no', 2, 33.3],
    ]);
    expect(muni(body, 'SUPPORT').province).toMatchObject({ suppressed: true, suppressedReason: 'small_difference' });
    expect(muni(body, 'HOURS').all.numeric).toEqual({ n: 7, mean: 20.29, median: 8, min: null, max: null });
    const adv = await as('assen@test.example');
    const assen = (await adv.get('/api/v1/benchmark/editions/2031/municipalities/GM0106/results')).json().data;
    expect(assen).toMatchObject({ provinceRespondents: 0, provinceRespondentsSuppressed: true });
  });

  it('an edition that is not published: the own answers and trend, no distributions of others', async () => {
    const coord = await as('groningen@test.example');
    const res = await coord.get('/api/v1/benchmark/editions/2034/municipalities/GM0014/results');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.data.comparisonSuppressed).toBe('not_published');
    expect(body.data.edition).toMatchObject({ year: 2034, status: 'open' });
    const week = muni(body, 'WEEK');
    expect(week).toMatchObject({
      ownText: 'Ja',
      all: { n: 0, options: [], suppressed: true, suppressedReason: 'not_published' },
      province: { n: 0, options: [], suppressed: true, suppressedReason: 'not_published' },
    });
    expect(week.trend.map((x: { year: number }) => x.year)).toEqual([2031, 2032, 2033]);
    // Not a single count of another municipality's answer.
    expect(res.body).not.toContain('"count"');
    expect(res.body).not.toMatch(/"mean":\d/);
    // The national results of an unpublished edition stay 404 for restricted callers.
    expect((await coord.get('/api/v1/benchmark/editions/2034/results')).statusCode).toBe(404);
    // The programme team sees the figures.
    const admin = await as('admin@test.example');
    const full = (await admin.get('/api/v1/benchmark/editions/2034/municipalities/GM0014/results')).json();
    expect(full.data.comparisonSuppressed).toBeUndefined();
    expect(triples(muni(full, 'WEEK').all)).toEqual([
      ['yes', 5, 83.3],
      ['no', 1, 16.7],
    ]);
  });
});
