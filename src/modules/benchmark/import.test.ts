import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { and, asc, eq, sql } from 'drizzle-orm';
import { createTestApp, createUser, seedReference, TestClient, type TestApp } from '../../../test/helpers/app.js';
import { databaseUrl } from '../../../test/helpers/db.js';
import { lastAudit, municipalityId } from '../../../test/helpers/registry.js';
import { addResponse, createSmallEdition, smallDefinition } from '../../../test/helpers/benchmark.js';
import { municipalities } from '../registry/schema.js';
import { benchmarkEditions, benchmarkInvitationMunicipalities, benchmarkInvitations, benchmarkResponseMunicipalities, benchmarkResponses } from './schema.js';
import { allQuestions, exportDefinition, getEditionByYear, loadAnswers, loadQuestionnaire, type Edition } from './service.js';
import { runCli } from '../../main.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/benchmark');
const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name));

let t: TestApp;
const ids: Record<string, number> = {};

beforeAll(async () => {
  t = await createTestApp();
  await seedReference(t.db);
  for (const c of ['GM0344', 'GM0310', 'GM0363', 'GM0599', 'GM0014', 'GM0307', 'GM0518']) ids[c] = await municipalityId(t.db, c);
  // A municipality that merged into Utrecht (for the note about merged codes).
  const [utrecht] = await t.db.select().from(municipalities).where(eq(municipalities.id, ids.GM0344!));
  await t.db.insert(municipalities).values({ cbsCode: 'GM0007', name: 'Oude gemeente (test)', provinceId: utrecht!.provinceId, validTo: '2018-12-31', successorId: ids.GM0307 });
  await createUser(t.db, 'admin@test.example', [{ role: 'programme_admin' }]);
  await createUser(t.db, 'coord@test.example', [{ role: 'municipality_coordinator', municipalityId: ids.GM0344 }]);
});
afterAll(async () => t.close());

async function admin() {
  const c = new TestClient(t.app);
  await c.login('admin@test.example');
  return c;
}

const editionCount = async () => (await t.db.select({ n: sql<number>`count(*)::int` }).from(benchmarkEditions))[0]!.n;
const responseCount = async (editionId: number) => (await t.db.select({ n: sql<number>`count(*)::int` }).from(benchmarkResponses).where(eq(benchmarkResponses.editionId, editionId)))[0]!.n;
const uploadJson = (c: TestClient, url: string, content: string | Buffer, fields: Record<string, string> = {}, filename = 'vragenlijst.json') =>
  c.upload(url, fields, { field: 'bestand', filename, content, contentType: 'application/json' });

/** The stored answers of an edition's response, by primary municipality code, plus the municipalities it represents. */
async function storedResponse(e: Edition, code: string) {
  const [r] = await t.db
    .select()
    .from(benchmarkResponses)
    .where(and(eq(benchmarkResponses.editionId, e.id), eq(benchmarkResponses.municipalityId, ids[code]!)));
  if (!r) return undefined;
  const questions = allQuestions(await loadQuestionnaire(t.db, e.id));
  const answers = Object.fromEntries([...(await loadAnswers(t.db, r.id, questions))].filter(([, a]) => a));
  const munis = await t.db
    .select({ code: municipalities.cbsCode })
    .from(benchmarkResponseMunicipalities)
    .innerJoin(municipalities, eq(municipalities.id, benchmarkResponseMunicipalities.municipalityId))
    .where(eq(benchmarkResponseMunicipalities.responseId, r.id))
    .orderBy(asc(benchmarkResponseMunicipalities.position));
  return { status: r.status, submittedAt: r.submittedAt, invitationId: r.invitationId, municipalities: munis.map((m) => m.code), answers };
}

describe('questionnaire JSON', () => {
  it('export and import give an identical definition (round trip)', async () => {
    const def = smallDefinition(2015);
    def.intro = 'Inleiding met "aanhalingstekens" en een é.';
    def.sections[1]!.questions[1]!.notComparable = true;
    def.sections[0]!.questions[2]!.help = 'Meerdere antwoorden mogelijk.';
    const source = await createSmallEdition(t.db, { year: 2015, status: 'draft', intro: def.intro }, def);
    const c = await admin();
    const exported = await c.get(`/benchmark/edities/${source.id}/vragenlijst.json`);
    expect(exported.statusCode).toBe(200);
    expect(exported.headers['content-type']).toContain('application/json');
    expect(exported.headers['content-disposition']).toBe('attachment; filename="vragenlijst-2015.json"');
    expect(await lastAudit(t.db, 'export')).toMatchObject({ entity: 'benchmark_questionnaire', entityId: String(source.id) });
    const json = JSON.parse(exported.body);
    expect(json).toEqual(await exportDefinition(t.db, source));

    const res = await uploadJson(c, '/benchmark/edities/vragenlijst-importeren', exported.body, { year: '2016' });
    expect(res.statusCode).toBe(303);
    const copy = (await getEditionByYear(t.db, 2016))!;
    expect(copy).toMatchObject({ status: 'draft', imported: false, title: 'Benchmark 2015', intro: def.intro });
    expect(res.headers.location).toBe(`/benchmark/edities/${copy.id}`);
    const again = await exportDefinition(t.db, copy);
    expect({ ...again, year: 2015 }).toEqual(json);
    expect(await lastAudit(t.db, 'import')).toMatchObject({ entity: 'benchmark_questionnaire', entityId: String(copy.id), details: expect.objectContaining({ year: 2016, fileYear: 2015 }) });
  });

  it('reports every problem of a bad definition with its JSON path and creates nothing', async () => {
    const c = await admin();
    const before = await editionCount();
    const res = await uploadJson(c, '/benchmark/edities/vragenlijst-importeren', fixture('questionnaire-bad.json'), {}, 'kapot.json');
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Niets geïmporteerd: 6 problemen in kapot.json');
    for (const [where, what] of [
      ['sections[0].questions[0].requird', 'onbekend veld &quot;requird&quot;'],
      ['sections[0].questions[1].options', 'optiecode X komt twee keer voor'],
      ['sections[0].questions[2].type', 'Ongeldige optie'],
      ['sections[1].pillar', 'Ongeldige optie'],
      ['sections[1].questions[0].code', 'vraagcode A komt twee keer voor'],
      ['sections[1].questions[1].showIf', 'voorwaarde verwijst naar ZZZ, dat geen eerdere vraag is'],
    ])
      expect(res.body).toMatch(new RegExp(`<code>${where.replace(/[[\].]/g, '\\$&')}</code></td><td class="utrecht-table__cell">${what}`));
    const syntax = await uploadJson(c, '/benchmark/edities/vragenlijst-importeren', '{"format": "ete-benchmark-questionnaire/1",,}');
    expect(syntax.statusCode).toBe(422);
    expect(syntax.body).toContain('Het bestand is geen geldige JSON (regel 1');
    const taken = await uploadJson(c, '/benchmark/edities/vragenlijst-importeren', JSON.stringify(smallDefinition(2015)));
    expect(taken.body).toContain('er is al een meetmoment voor 2015');
    const noFile = await c.upload('/benchmark/edities/vragenlijst-importeren', { year: '20x' }, { field: 'ander', filename: 'x.json', content: '{}' });
    expect(noFile.statusCode).toBe(422);
    expect(noFile.body).toContain('Kies een JSON-bestand dat niet leeg is.');
    expect(noFile.body).toContain('Vul een jaar tussen 2000 en 2100 in');
    expect(await editionCount()).toBe(before);
  });

  it("replaces a draft's questionnaire, and refuses when the edition has responses", async () => {
    const c = await admin();
    const draft = (await getEditionByYear(t.db, 2016))!;
    const def = smallDefinition(2016);
    def.sections = def.sections.slice(0, 1);
    const bad = await uploadJson(c, `/benchmark/edities/${draft.id}/vragenlijst-vervangen`, JSON.stringify({ ...def, sections: [] }));
    expect(bad.statusCode).toBe(422);
    expect(allQuestions(await loadQuestionnaire(t.db, draft.id))).toHaveLength(7);
    expect((await uploadJson(c, `/benchmark/edities/${draft.id}/vragenlijst-vervangen`, JSON.stringify(def))).statusCode).toBe(303);
    expect(allQuestions(await loadQuestionnaire(t.db, draft.id)).map((q) => q.code)).toEqual(['WEEK', 'AWARE', 'SUPPORT', 'SUPPORT_WHY']);
    await addResponse(t.db, draft, ['GM0014'], { WEEK: 'yes' }, 'in_progress');
    const page = await c.get(`/benchmark/edities/${draft.id}/vragenlijst-vervangen`);
    expect(page.body).toContain('Er zijn al responsen op dit meetmoment');
    const refused = await uploadJson(c, `/benchmark/edities/${draft.id}/vragenlijst-vervangen`, JSON.stringify(smallDefinition(2016)));
    expect(refused.statusCode).toBe(409);
    expect(allQuestions(await loadQuestionnaire(t.db, draft.id))).toHaveLength(4);
  });
});

describe('importing the responses of a past edition', () => {
  let e2019: Edition;
  let e2018: Edition;
  beforeAll(async () => {
    const c = await admin();
    const res = await uploadJson(c, '/benchmark/edities/vragenlijst-importeren', fixture('questionnaire-2019.json'), { imported: 'ja' });
    expect(res.statusCode).toBe(303);
    e2019 = (await getEditionByYear(t.db, 2019))!;
    expect(e2019).toMatchObject({ imported: true, status: 'draft' });
    expect((await uploadJson(c, '/benchmark/edities/vragenlijst-importeren', fixture('questionnaire-2019.json'), { imported: 'ja', year: '2018' })).statusCode).toBe(303);
    e2018 = (await getEditionByYear(t.db, 2018))!;
  });

  it('imports the JSON format: answers, joint municipalities and dates as given, stored as submitted', async () => {
    const c = await admin();
    const res = await uploadJson(c, `/benchmark/edities/${e2019.id}/importeren`, fixture('responses-2019.json'), {}, 'responses-2019.json');
    expect(res.statusCode).toBe(303);
    expect(await responseCount(e2019.id)).toBe(3);
    expect(await storedResponse(e2019, 'GM0344')).toEqual({
      status: 'submitted',
      submittedAt: new Date('2019-10-12T12:00:00Z'),
      invitationId: null,
      municipalities: ['GM0344', 'GM0310'],
      answers: {
        WEEK: { kind: 'choice', options: ['yes'], other: null },
        AWARE: { kind: 'choice', options: ['SPEC'], other: null },
        SUPPORT: { kind: 'choice', options: ['MAP', 'OTHER'], other: 'Via de huisarts' },
        SUPPORT_WHY: { kind: 'text', value: 'Huisartsen verwijzen door naar het welzijnswerk' },
        ROLES: { kind: 'matrix', rows: { GEM: 'KAR', WELZ: 'ACT', BANK: 'NONE' } },
        HOURS: { kind: 'number', value: 12.5 },
        NOTE: { kind: 'text', value: 'Goed gestart' },
      },
    });
    expect(await storedResponse(e2019, 'GM0363')).toMatchObject({
      submittedAt: new Date('2019-10-20T12:30:00Z'),
      municipalities: ['GM0363'],
      answers: {
        WEEK: { kind: 'choice', options: ['no'], other: null },
        AWARE: { kind: 'choice', options: ['dont_know'], other: null },
        SUPPORT: { kind: 'choice', options: ['NONE'], other: null },
        ROLES: { kind: 'matrix', rows: { GEM: 'KAR', WELZ: 'KAR', BANK: 'INF' } },
        HOURS: { kind: 'number', value: null, dontKnow: true },
      },
    });
    const rotterdam = await storedResponse(e2019, 'GM0599');
    expect(rotterdam).toMatchObject({ status: 'submitted', submittedAt: null, answers: { WEEK: { kind: 'choice', options: ['yes'] }, ROLES: { kind: 'matrix', rows: { GEM: 'ACT', WELZ: 'KAR' } } } });
    expect(Object.keys(rotterdam!.answers)).toEqual(['WEEK', 'ROLES']);
    expect(await lastAudit(t.db, 'import')).toMatchObject({ entity: 'benchmark_response', entityId: String(e2019.id), details: expect.objectContaining({ responses: 3, filename: 'responses-2019.json' }) });
  });

  it('imports the CSV format with the same result model', async () => {
    const c = await admin();
    const res = await c.upload(`/benchmark/edities/${e2018.id}/importeren`, {}, { field: 'bestand', filename: 'responses-2018.csv', content: fixture('responses-2018.csv') });
    expect(res.statusCode).toBe(303);
    expect(await responseCount(e2018.id)).toBe(3);
    expect(await storedResponse(e2018, 'GM0014')).toEqual({
      status: 'submitted',
      submittedAt: new Date('2018-11-01T12:00:00Z'),
      invitationId: null,
      municipalities: ['GM0014'],
      answers: {
        WEEK: { kind: 'choice', options: ['yes'], other: null },
        AWARE: { kind: 'choice', options: ['ALL'], other: null },
        SUPPORT: { kind: 'choice', options: ['MAP', 'WOR'], other: null },
        ROLES: { kind: 'matrix', rows: { GEM: 'KAR', WELZ: 'ACT', BANK: 'INF' } },
        HOURS: { kind: 'number', value: 3.5 },
      },
    });
    expect(await storedResponse(e2018, 'GM0307')).toMatchObject({
      municipalities: ['GM0307', 'GM0344'],
      answers: {
        WEEK: { kind: 'choice', options: ['no'] },
        AWARE: { kind: 'choice', options: ['dont_know'] },
        SUPPORT: { kind: 'choice', options: ['OTHER'], other: 'Buurtteams' },
        SUPPORT_WHY: { kind: 'text', value: 'Wijkteams signaleren' },
        ROLES: { kind: 'matrix', rows: { GEM: 'ACT', WELZ: 'KAR', BANK: 'NONE' } },
        HOURS: { kind: 'number', value: null, dontKnow: true },
        NOTE: { kind: 'text', value: 'Tekst, met komma' },
      },
    });
    expect(await storedResponse(e2018, 'GM0518')).toMatchObject({
      submittedAt: null,
      answers: { WEEK: { kind: 'choice', options: ['yes'] }, SUPPORT: { kind: 'choice', options: ['NONE'] }, ROLES: { kind: 'matrix', rows: { GEM: 'KAR', WELZ: 'KAR', BANK: 'KAR' } }, HOURS: { kind: 'number', value: 40 } },
    });
  });

  it('reports every problem (unknown question, option, row and municipality codes, bad numbers, …) and imports nothing', async () => {
    const c = await admin();
    const target = await createSmallEdition(t.db, { year: 2014, status: 'closed', imported: true }, smallDefinition(2019));
    const res = await uploadJson(c, `/benchmark/edities/${target.id}/importeren`, fixture('responses-bad.json'), {}, 'fout.json');
    expect(res.statusCode).toBe(422);
    const problems = [
      ['bestand', 'year', 'het bestand is voor 2019, het meetmoment voor 2014'],
      ['respons 1', 'FOO', 'onbekende vraagcode FOO'],
      ['respons 1', 'WEEK', 'onbekende optiecode maybe'],
      ['respons 1', 'HOURS', '&quot;veel&quot; is geen getal'],
      ['respons 2', 'municipalities', 'onbekende gemeentecode GM9999'],
      ['respons 2', 'WEEK', '&quot;weet ik niet&quot; (dont_know) is bij vraag WEEK niet toegestaan'],
      ['respons 2', 'ROLES', 'vraag ROLES heeft geen rij XX'],
      ['respons 3', 'municipalities', 'GM0344 (Utrecht) komt ook voor in respons 1'],
      ['respons 3', 'SUPPORT', 'NONE kan niet samen met andere antwoorden worden gekozen'],
      ['respons 3', 'SUPPORT_WHY', 'beantwoord, maar de vraag wordt alleen gesteld als SUPPORT een van OTHER is'],
    ];
    expect(res.body).toContain(`Niets geïmporteerd: ${problems.length} problemen in fout.json`);
    for (const [where, field, reason] of problems)
      expect(res.body, `${where} ${field}`).toContain(`<td class="utrecht-table__cell">${where}</td><td class="utrecht-table__cell"><code>${field}</code></td><td class="utrecht-table__cell">${reason}`);
    expect(await responseCount(target.id)).toBe(0);

    // The same file again into 2019: those municipalities already have a response there.
    const twice = await uploadJson(c, `/benchmark/edities/${e2019.id}/importeren`, fixture('responses-2019.json'));
    expect(twice.statusCode).toBe(422);
    expect(twice.body).toContain('GM0344 (Utrecht) komt ook voor in een bestaande respons in dit meetmoment');
    expect(await responseCount(e2019.id)).toBe(3);

    // CSV: an unknown column is reported once, for the header; bad cells per line.
    const csv = 'municipalities,submitted_at,WEEK,ROLES.XX,BOGUS,AWARE,HOURS\nGM0363,2014-13-01,ja,KAR,1,SPEC|ALL,5000\n,,yes,,,,\n';
    const csvRes = await c.upload(`/benchmark/edities/${target.id}/importeren`, {}, { field: 'bestand', filename: 'fout.csv', content: csv });
    expect(csvRes.statusCode).toBe(422);
    for (const [where, field, reason] of [
      ['kopregel', 'roles.xx', 'vraag ROLES heeft geen rij xx'],
      ['kopregel', 'bogus', 'onbekende vraagcode bogus'],
      ['regel 2', 'submitted_at', '&quot;2014-13-01&quot; is geen datum'],
      ['regel 2', 'WEEK', 'onbekende optiecode ja'],
      ['regel 2', 'AWARE', 'bij deze vraag kan maar één antwoord: SPEC, ALL'],
      ['regel 2', 'HOURS', '5000 is groter dan het maximum 1000'],
      ['regel 3', 'municipalities', 'geen gemeente'],
    ])
      expect(csvRes.body, `${where} ${field}`).toContain(`<td class="utrecht-table__cell">${where}</td><td class="utrecht-table__cell"><code>${field}</code></td><td class="utrecht-table__cell">${reason}`);
    expect(await responseCount(target.id)).toBe(0);
  });

  it('resolves a merged municipality to its successor and says so', async () => {
    const c = await admin();
    const target = await createSmallEdition(t.db, { year: 2013, status: 'closed', imported: true }, smallDefinition(2013));
    const body = JSON.stringify({ format: 'ete-benchmark-responses/1', year: 2013, responses: [{ municipalities: ['gm0007'], answers: { WEEK: 'yes', 'SUPPORT.other': 'x' } }] });
    const bad = await uploadJson(c, `/benchmark/edities/${target.id}/importeren`, body);
    expect(bad.body).toContain('er is een toelichting bij &quot;anders&quot;, maar bij SUPPORT is geen antwoord gekozen');
    expect(bad.body).toContain('Opmerkingen (geen fouten)');
    expect(bad.body).toContain('GM0007 is opgegaan in GM0307 (Amersfoort); de respons telt voor GM0307');
    const ok = JSON.stringify({ format: 'ete-benchmark-responses/1', year: 2013, responses: [{ municipalities: ['GM0007'], answers: { WEEK: 'yes' } }] });
    const res = await uploadJson(c, `/benchmark/edities/${target.id}/importeren`, ok);
    expect(res.statusCode).toBe(303);
    expect((await storedResponse(target, 'GM0307'))!.municipalities).toEqual(['GM0307']);
    expect((await c.get(`/benchmark/edities/${target.id}`)).body).toContain('GM0007 is opgegaan in GM0307');
  });

  it('refuses a municipality that has an invitation in the edition', async () => {
    const c = await admin();
    const target = await createSmallEdition(t.db, { year: 2010, status: 'open' }, smallDefinition(2010));
    const [inv] = await t.db
      .insert(benchmarkInvitations)
      .values({ editionId: target.id, municipalityId: ids.GM0599!, contactEmail: 'x@rotterdam.example.nl', tokenHash: 'h', tokenEncrypted: 'e' })
      .returning();
    await t.db.insert(benchmarkInvitationMunicipalities).values({ invitationId: inv!.id, municipalityId: ids.GM0599!, position: 0 });
    const body = JSON.stringify({ format: 'ete-benchmark-responses/1', responses: [{ municipalities: ['GM0599'], answers: { WEEK: 'yes' } }] });
    const res = await uploadJson(c, `/benchmark/edities/${target.id}/importeren`, body);
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('GM0599 (Rotterdam) komt ook voor in een uitnodiging in dit meetmoment');
    expect(await responseCount(target.id)).toBe(0);
  });

  it('lets an imported edition go from draft straight to closed', async () => {
    const c = await admin();
    expect((await c.post(`/benchmark/edities/${e2019.id}/status`, { naar: 'closed' })).statusCode).toBe(303);
    expect((await getEditionByYear(t.db, 2019))!.status).toBe('closed');
    const normal = (await getEditionByYear(t.db, 2016))!;
    expect((await c.post(`/benchmark/edities/${normal.id}/status`, { naar: 'closed' })).statusCode).toBe(422);
  });

  it('is for the programme team only', async () => {
    const c = new TestClient(t.app);
    await c.login('coord@test.example');
    expect((await uploadJson(c, `/benchmark/edities/${e2018.id}/importeren`, fixture('responses-2019.json'))).statusCode).toBe(403);
    expect(await responseCount(e2018.id)).toBe(3);
  });
});

describe('CLI: import-benchmark', () => {
  const savedEnv = { ...process.env };
  let out: string[] = [];
  let err: string[] = [];
  beforeAll(() => {
    process.env.DATABASE_URL = databaseUrl(t.database.name);
    process.env.LOG_LEVEL = 'silent';
    process.env.NODE_ENV = 'test';
    process.env.DEMO_MODE = 'false';
    process.env.BASE_URL = 'http://localhost:3000';
  });
  afterAll(() => {
    process.env = savedEnv;
  });
  async function cli(...args: string[]) {
    out = [];
    err = [];
    const o = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
      out.push(String(chunk));
      return true;
    });
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
      err.push(String(chunk));
      return true;
    });
    try {
      return await runCli(args);
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
  }

  it('imports a questionnaire and its CSV responses as a closed, imported edition, with progress', async () => {
    expect(await cli('import-benchmark', '--questionnaire', path.join(FIXTURES, 'questionnaire-2019.json'), '--responses', path.join(FIXTURES, 'responses-2018.csv'), '--year', '2017')).toBe(0);
    expect(out.join('')).toContain('Meetmoment 2017 (Benchmark Eén tegen eenzaamheid 2019) aangemaakt met status closed; 3 responsen geïmporteerd.');
    expect(err.join('')).toContain('Responsen opslaan: 3/3');
    const e = (await getEditionByYear(t.db, 2017))!;
    expect(e).toMatchObject({ imported: true, status: 'closed' });
    expect(await storedResponse(e, 'GM0014')).toMatchObject({ answers: { HOURS: { kind: 'number', value: 3.5 }, SUPPORT: { kind: 'choice', options: ['MAP', 'WOR'] } } });
    expect(await lastAudit(t.db, 'import')).toMatchObject({ actorLabel: 'CLI', entity: 'benchmark_response', details: expect.objectContaining({ responses: 3 }) });
  });

  it('imports JSON responses into an existing edition with --edition', async () => {
    const def = smallDefinition(2012);
    await createSmallEdition(t.db, { year: 2012, status: 'closed', imported: true }, def);
    const file = path.join(FIXTURES, 'responses-2019.json');
    const text = fs.readFileSync(file, 'utf8').replace('"year": 2019', '"year": 2012');
    const tmp = path.join(fs.mkdtempSync(path.join((await import('node:os')).tmpdir(), 'ete-')), 'responses-2012.json');
    fs.writeFileSync(tmp, text);
    expect(await cli('import-benchmark', '--edition', '2012', '--responses', tmp)).toBe(0);
    expect(out.join('')).toContain('3 responsen geïmporteerd in meetmoment 2012.');
  });

  it('exits 1 with every problem and creates nothing when the responses are wrong', async () => {
    const before = await editionCount();
    expect(await cli('import-benchmark', '--questionnaire', path.join(FIXTURES, 'questionnaire-2019.json'), '--responses', path.join(FIXTURES, 'responses-bad.json'), '--year', '2011')).toBe(1);
    const text = err.join('');
    expect(text).toContain('10 problemen; er is niets geïmporteerd');
    expect(text).toContain('respons 1, FOO: onbekende vraagcode FOO');
    expect(text).toContain('respons 2, municipalities: onbekende gemeentecode GM9999');
    expect(await editionCount()).toBe(before);
    expect(await getEditionByYear(t.db, 2011)).toBeUndefined();
    expect(await cli('import-benchmark', '--questionnaire', path.join(FIXTURES, 'questionnaire-bad.json'))).toBe(1);
    expect(err.join('')).toContain('sections[0].questions[1].options: optiecode X komt twee keer voor');
    expect(await cli('import-benchmark', '--questionnaire', path.join(FIXTURES, 'nope.json'))).toBe(2);
    expect(await cli('import-benchmark')).toBe(2);
    expect(await editionCount()).toBe(before);
  });
});
