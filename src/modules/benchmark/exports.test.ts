import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, desc, eq } from 'drizzle-orm';
import { createTestApp, createUser, seedReference, TestClient, type TestApp } from '../../../test/helpers/app.js';
import { createResultsFixture, municipalityIds, SECRET_TEXTS } from '../../../test/helpers/benchmark-results.js';
import { auditLog } from '../../platform/db/schema.js';
import { readTable } from '../../platform/tabular.js';
import { benchmarkResponses } from './schema.js';
import { importResponses } from './import-service.js';
import { allQuestions, createEditionFromDefinition, exportDefinition, getEditionByYear, loadAnswers, loadQuestionnaire, responseMunicipalityIds } from './service.js';

/** The benchmark downloads on the results fixture (see test/helpers/benchmark-results.ts). */

let t: TestApp;
let admin: TestClient;

beforeAll(async () => {
  t = await createTestApp();
  await seedReference(t.db);
  await createResultsFixture(t.db);
  const ids = await municipalityIds(t.db, ['GM0344']);
  await createUser(t.db, 'admin@test.example', [{ role: 'programme_admin' }]);
  await createUser(t.db, 'utrecht@test.example', [{ role: 'municipality_coordinator', municipalityId: ids.GM0344 }]);
  admin = new TestClient(t.app);
  await admin.login('admin@test.example');
});
afterAll(async () => t.close());

const lastExport = async (entity: string) => {
  const [a] = await t.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.action, 'export'), eq(auditLog.entity, entity)))
    .orderBy(desc(auditLog.id))
    .limit(1);
  return a;
};
const exportCount = async () => (await t.db.select().from(auditLog).where(eq(auditLog.action, 'export'))).length;

describe('aggregate results export', () => {
  it('CSV: one row per question × row × option with n, counts, the compared edition and the panel', async () => {
    const res = await admin.get('/benchmark/2021/resultaten.csv');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="benchmark-2021-resultaten-\d{4}-\d{2}-\d{2}\.csv"$/);
    const rows = await readTable(res.rawPayload, 'csv');
    // WEEK 2 + AWARE 5 + SUPPORT 4 + SUPPORT_WHY 1 + ROLES 3×4 + HOURS 2 + NOTE 1
    expect(rows).toHaveLength(27);
    const row = (code: string, option: string, r = '') => rows.find((x) => x.question_code === code && x.option_code === option && x.row_code === r)!;
    expect(row('AWARE', 'ALL')).toMatchObject({
      edition_year: '2021',
      pillar: 'actielijn_1',
      question_type: 'single',
      option_label: 'Ja, voor alle ouderen',
      n: '6',
      count: '3',
      percent: '50',
      compare_year: '2020',
      compare_n: '5',
      compare_count: '2',
      compare_percent: '40',
      panel_size: '3',
      panel_n: '3',
      panel_count: '2',
      panel_percent: '66.7',
      panel_compare_n: '3',
      panel_compare_count: '0',
      panel_compare_percent: '0',
    });
    expect(row('AWARE', 'dont_know')).toMatchObject({ count: '1', percent: '16.7', option_label: 'Weet ik niet' });
    expect(rows.filter((x) => x.question_code === 'SUPPORT').map((x) => [x.option_code, x.count, x.percent, x.multiple_choice])).toEqual([
      ['MAP', '4', '66.7', 'yes'],
      ['WOR', '3', '50', 'yes'],
      ['OTHER', '2', '33.3', 'yes'],
      ['NONE', '1', '16.7', 'yes'],
    ]);
    expect(row('ROLES', 'NONE', 'BANK')).toMatchObject({ row_label: 'Financiële sector', n: '4', count: '3', percent: '75', compare_n: '2', compare_count: '1', compare_percent: '50' });
    expect(row('ROLES', 'KAR', 'GEM')).toMatchObject({ n: '6', count: '5', percent: '83.3', panel_n: '3', panel_count: '3', panel_percent: '100' });
    // WEEK is marked not comparable in 2021: no compared figures.
    expect(row('WEEK', 'yes')).toMatchObject({ n: '7', count: '5', percent: '71.4', compare_year: '', compare_n: '', compare_percent: '' });
    expect(row('HOURS', '')).toMatchObject({ option_label: 'Getal', n: '6', count: '5', mean: '9', median: '6', min: '0', max: '25', compare_n: '5', compare_count: '4' });
    expect(row('NOTE', '')).toMatchObject({ n: '2', count: '', compare_n: '' });
    for (const s of SECRET_TEXTS) expect(res.body).not.toContain(s);

    const a = await lastExport('benchmark_results');
    expect(a).toMatchObject({ actorLabel: 'admin@test.example', entityId: expect.any(String) });
    expect(a!.details).toMatchObject({ year: 2021, format: 'csv', rows: 27, respondents: 7, filters: { compare: 2020 } });
  });

  it('takes the filters of the results page; semicolons with decimal commas for Dutch Excel', async () => {
    const res = await admin.get('/benchmark/2021/resultaten.csv?province=PV26&compare=none&scheidingsteken=puntkomma');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toContain('benchmark-2021-resultaten-PV26-');
    expect(res.body.split('\n')[0]).toContain('edition_year;pillar;');
    const rows = await readTable(res.rawPayload, 'csv');
    const all = rows.find((x) => x.question_code === 'AWARE' && x.option_code === 'ALL')!;
    expect(all).toMatchObject({ n: '5', count: '2', percent: '40', compare_year: '', panel_size: '' });
    expect(rows.find((x) => x.question_code === 'SUPPORT' && x.option_code === 'NONE')!.percent).toBe('20');
    expect(rows.find((x) => x.question_code === 'ROLES' && x.row_code === 'GEM' && x.option_code === 'ACT')!.percent).toBe('20');
    // 1 of 6 nationally: a decimal comma.
    const national = await readTable((await admin.get('/benchmark/2021/resultaten.csv?scheidingsteken=puntkomma')).rawPayload, 'csv');
    expect(national.find((x) => x.question_code === 'AWARE' && x.option_code === 'SPEC')!.percent).toBe('16,7');
    expect((await lastExport('benchmark_results'))!.details).toMatchObject({ delimiter: ';' });
  });

  it('audits the filters', async () => {
    await admin.get('/benchmark/2021/resultaten.csv?sizeClass=gte100k&joinedYear=2019');
    expect((await lastExport('benchmark_results'))!.details).toMatchObject({ respondents: 3, filters: { sizeClass: 'gte100k', joinedYear: 2019, compare: 2020 } });
  });

  it('XLSX has the same content', async () => {
    const res = await admin.get('/benchmark/2021/resultaten.xlsx?compare=2019');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const rows = await readTable(res.rawPayload, 'xlsx');
    expect(rows).toHaveLength(27);
    expect(rows.find((x) => x.question_code === 'AWARE' && x.option_code === 'NO')).toMatchObject({ count: '1', percent: '16.7', compare_year: '2019', compare_count: '1', compare_percent: '100', panel_size: '1' });
    expect((await lastExport('benchmark_results'))!.details).toMatchObject({ format: 'xlsx', filters: { compare: 2019 } });
  });

  it('bad filters and unknown editions change nothing and log no export', async () => {
    const before = await exportCount();
    const bad = await admin.get('/benchmark/2021/resultaten.csv?province=Utrecht');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('Provincie: gebruik een provinciecode zoals PV27.');
    expect((await admin.get('/benchmark/2030/resultaten.csv')).statusCode).toBe(404);
    expect((await admin.get('/benchmark/abcd/resultaten.xlsx')).statusCode).toBe(404);
    expect(await exportCount()).toBe(before);
  });
});

describe('raw responses export', () => {
  it('one row per response with its municipalities, status and one column per question, matrix row and other-text', async () => {
    const res = await admin.get('/benchmark/2021/antwoorden.csv');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toMatch(/filename="benchmark-2021-antwoorden-\d{4}-\d{2}-\d{2}\.csv"/);
    expect(res.body.replace(/^\uFEFF/, '').split(/\r?\n/)[0]).toBe(
      'response_id,primary_cbs_code,primary_name,municipalities,represented_names,status,started_at,submitted_at,WEEK,AWARE,SUPPORT,SUPPORT.other,SUPPORT_WHY,ROLES.GEM,ROLES.WELZ,ROLES.BANK,HOURS,NOTE',
    );
    const rows = await readTable(res.rawPayload, 'csv');
    expect(rows.map((r) => [r.primary_cbs_code, r.status])).toEqual([
      ['GM0307', 'submitted'],
      ['GM0308', 'submitted'],
      ['GM0321', 'submitted'],
      ['GM0339', 'submitted'],
      ['GM0344', 'submitted'],
      ['GM0358', 'submitted'],
      ['GM0361', 'in_progress'],
      ['GM0363', 'submitted'],
    ]);
    const by = (code: string) => rows.find((r) => r.primary_cbs_code === code)!;
    expect(by('GM0308')).toMatchObject({ primary_name: 'Baarn', municipalities: 'GM0308;GM0317', represented_names: 'Eemnes', aware: 'SPEC', 'roles.gem': 'KAR', 'roles.welz': 'KAR', 'roles.bank': '', hours: '4' });
    expect(by('GM0307')).toMatchObject({ support: 'MAP|OTHER', 'support.other': 'Buurtapp', support_why: 'Via de buurtapp van de gemeente', week: 'no' });
    expect(by('GM0321').hours).toBe('dont_know');
    expect(by('GM0321').aware).toBe('dont_know');
    expect(by('GM0361')).toMatchObject({ submitted_at: '', hours: '999' });
    expect(by('GM0344').submitted_at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(by('GM0363').note).toBe('Geheim Amsterdam');
    const a = await lastExport('benchmark_answers');
    expect(a).toMatchObject({ actorLabel: 'admin@test.example' });
    expect(a!.details).toMatchObject({ year: 2021, format: 'csv', rows: 8 });

    const xlsx = await admin.get('/benchmark/2020/antwoorden.xlsx');
    expect(xlsx.statusCode).toBe(200);
    const x = await readTable(xlsx.rawPayload, 'xlsx');
    expect(x).toHaveLength(6);
    expect(x.find((r) => r.primary_cbs_code === 'GM0317')).toMatchObject({ municipalities: 'GM0317;GM0308', aware: 'ALL', note_old: '' });
    expect((await lastExport('benchmark_answers'))!.details).toMatchObject({ year: 2020, format: 'xlsx', rows: 6 });
  });

  it('can be imported again: the raw export is the responses import format', async () => {
    const source = (await getEditionByYear(t.db, 2020))!;
    const csv = await admin.get('/benchmark/2020/antwoorden.csv');
    const def = await exportDefinition(t.db, source);
    const copy = await createEditionFromDefinition(t.db, { label: 'test' }, { year: 2035, title: 'Kopie', imported: true, status: 'closed' }, def);
    // Only submitted responses can be imported (see below): leave out the one still being filled in.
    const submittedOnly = csv.body.split(/\r?\n/).filter((line) => !line.includes(',in_progress,')).join('\n');
    const r = await importResponses(t.db, { label: 'test' }, copy.id, { filename: 'antwoorden.csv', content: Buffer.from(submittedOnly) });
    expect(r, JSON.stringify(r)).toMatchObject({ ok: true, imported: 5 });
    const [qs, qc] = [allQuestions(await loadQuestionnaire(t.db, source.id)), allQuestions(await loadQuestionnaire(t.db, copy.id))];
    const answersOf = async (editionId: number, questions: typeof qs) => {
      const rows = await t.db.select().from(benchmarkResponses).where(and(eq(benchmarkResponses.editionId, editionId), eq(benchmarkResponses.status, 'submitted')));
      const out: Record<number, unknown> = {};
      for (const row of rows) out[row.municipalityId] = { municipalities: await responseMunicipalityIds(t.db, row.id), answers: Object.fromEntries(await loadAnswers(t.db, row.id, questions)) };
      return out;
    };
    expect(await answersOf(copy.id, qc)).toEqual(await answersOf(source.id, qs));
    // 2021 has a response still being filled in: that row is refused, and nothing is imported.
    const open = await admin.get('/benchmark/2021/antwoorden.csv');
    const copy21 = await createEditionFromDefinition(t.db, { label: 'test' }, { year: 2036, title: 'Kopie', imported: true, status: 'closed' }, await exportDefinition(t.db, (await getEditionByYear(t.db, 2021))!));
    const refused = await importResponses(t.db, { label: 'test' }, copy21.id, { filename: 'antwoorden.csv', content: open.rawPayload });
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.problems.map((p) => p.field)).toEqual(['status']);
    expect(await t.db.select().from(benchmarkResponses).where(eq(benchmarkResponses.editionId, copy21.id))).toEqual([]);
  });

  it('a coordinator gets 403 on both exports, a visitor without login goes to the login page; nothing is logged', async () => {
    const before = await exportCount();
    const coord = new TestClient(t.app);
    await coord.login('utrecht@test.example');
    for (const url of ['/benchmark/2021/antwoorden.csv', '/benchmark/2021/antwoorden.xlsx', '/benchmark/2021/resultaten.csv', '/benchmark/2021/resultaten.xlsx']) {
      const res = await coord.get(url);
      expect(res.statusCode, url).toBe(403);
      expect(res.headers['content-type']).toContain('text/html');
      for (const s of SECRET_TEXTS) expect(res.body).not.toContain(s);
    }
    const anon = await t.app.inject({ method: 'GET', url: '/benchmark/2021/antwoorden.csv' });
    expect(anon.statusCode).toBe(302);
    expect(anon.headers.location).toMatch(/^\/inloggen\?terug=/);
    expect(await exportCount()).toBe(before);
  });
});
