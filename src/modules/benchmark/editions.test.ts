import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { createTestApp, createUser, seedReference, TestClient, type TestApp } from '../../../test/helpers/app.js';
import { lastAudit, municipalityId } from '../../../test/helpers/registry.js';
import { addResponse, createSmallEdition, smallDefinition } from '../../../test/helpers/benchmark.js';
import { benchmarkEditions, benchmarkQuestions, benchmarkSections } from './schema.js';
import { allQuestions, exportDefinition, getEdition, getEditionByYear, loadQuestionnaire, questionDefOf, type Edition } from './service.js';
import { questionFormValues } from './question-editor.js';
import { closeEndedEditions } from './editions-service.js';

let t: TestApp;
let e2020: Edition;
const ids: Record<string, number> = {};

beforeAll(async () => {
  t = await createTestApp();
  await seedReference(t.db);
  for (const c of ['GM0344', 'GM0014', 'GM0363']) ids[c] = await municipalityId(t.db, c);
  const def = smallDefinition(2020);
  def.sections[0]!.questions[1]!.notComparable = true; // AWARE changed in 2020
  e2020 = await createSmallEdition(t.db, { year: 2020, status: 'published' }, def);
  await createUser(t.db, 'admin@test.example', [{ role: 'programme_admin' }]);
  await createUser(t.db, 'coord@test.example', [{ role: 'municipality_coordinator', municipalityId: ids.GM0344 }]);
  await createUser(t.db, 'adv@test.example', [
    { role: 'advisor', municipalityId: ids.GM0014 },
    { role: 'advisor', municipalityId: ids.GM0363 },
  ]);
  await createUser(t.db, 'partner@test.example', [{ role: 'partner' }]);
});
afterAll(async () => t.close());

async function as(email: string) {
  const c = new TestClient(t.app);
  await c.login(email);
  return c;
}

const editionCount = async () => (await t.db.select({ n: sql<number>`count(*)::int` }).from(benchmarkEditions))[0]!.n;
/** Everything about an edition's questionnaire, for "nothing changed" assertions. */
const questionnaireSnapshot = async (editionId: number) =>
  JSON.stringify([
    await t.db.select().from(benchmarkSections).where(eq(benchmarkSections.editionId, editionId)).orderBy(benchmarkSections.id),
    await t.db.select().from(benchmarkQuestions).where(eq(benchmarkQuestions.editionId, editionId)).orderBy(benchmarkQuestions.id),
  ]);
const editionsSnapshot = async () => JSON.stringify(await t.db.select().from(benchmarkEditions).orderBy(benchmarkEditions.id));
const questionByCode = async (editionId: number, code: string) =>
  (await t.db.select().from(benchmarkQuestions).where(and(eq(benchmarkQuestions.editionId, editionId), eq(benchmarkQuestions.code, code))))[0];

const editionForm = (over: Record<string, string> = {}) => ({
  year: '2021',
  title: 'Benchmark 2021',
  intro: 'Welkom bij de benchmark.',
  opensOn: '2021-09-01',
  closesOn: '2099-10-31',
  allowChangesAfterSubmit: 'ja',
  reminderDays: '14, 7, 2',
  ...over,
});

describe('creating an edition', () => {
  it('copies the latest questionnaire: the same codes, new ids, "not comparable" cleared', async () => {
    const c = await as('admin@test.example');
    const form = await c.get('/benchmark/edities/nieuw');
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('kopie van de vragenlijst van 2020');
    const res = await c.post('/benchmark/edities/nieuw', editionForm());
    expect(res.statusCode).toBe(303);
    const e = (await getEditionByYear(t.db, 2021))!;
    expect(res.headers.location).toBe(`/benchmark/edities/${e.id}`);
    expect(e).toMatchObject({ status: 'draft', title: 'Benchmark 2021', opensOn: '2021-09-01', closesOn: '2099-10-31', reminderDays: [14, 7, 2], allowChangesAfterSubmit: true, imported: false });
    const before = await exportDefinition(t.db, e2020);
    const after = await exportDefinition(t.db, e);
    const strip = (d: typeof before) => d.sections.map((s) => ({ ...s, questions: s.questions.map(({ notComparable: _n, ...q }) => q) }));
    expect(after.sections).toEqual(strip(before));
    expect(after.sections.flatMap((s) => s.questions).some((q) => q.notComparable)).toBe(false);
    const oldIds = new Set(allQuestions(await loadQuestionnaire(t.db, e2020.id)).map((q) => q.id));
    const newQuestions = allQuestions(await loadQuestionnaire(t.db, e.id));
    expect(newQuestions.map((q) => q.code)).toEqual(['WEEK', 'AWARE', 'SUPPORT', 'SUPPORT_WHY', 'ROLES', 'HOURS', 'NOTE']);
    expect(newQuestions.some((q) => oldIds.has(q.id))).toBe(false);
    expect(await lastAudit(t.db, 'create')).toMatchObject({ entity: 'benchmark_edition', entityId: String(e.id), actorLabel: 'admin@test.example' });
    const detail = await c.get(`/benchmark/edities/${e.id}`);
    expect(detail.body).toContain('Vragen in sectie S1');
    expect(detail.body.match(/<h1[ >]/g)).toHaveLength(1);
  });

  it('refuses a year that is taken and bad input with a message per field, creating nothing', async () => {
    const c = await as('admin@test.example');
    const before = await editionCount();
    const taken = await c.post('/benchmark/edities/nieuw', editionForm({ title: 'Nog een 2021' }));
    expect(taken.statusCode).toBe(422);
    expect(taken.body).toContain('Er is al een meetmoment voor 2021');
    expect(taken.body).toContain('value="Nog een 2021"');
    const bad = await c.post('/benchmark/edities/nieuw', editionForm({ year: '21', title: '', opensOn: '2024-10-01', closesOn: '2024-09-01', reminderDays: '14, zeven' }));
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('Vul het jaar in met vier cijfers');
    expect(bad.body).toContain('Vul een titel in.');
    expect(bad.body).toContain('De sluitingsdatum ligt vóór de openingsdatum');
    expect(bad.body).toContain('&quot;zeven&quot; is geen aantal dagen');
    expect(bad.body).toContain('href="#veld-closesOn"');
    expect(await editionCount()).toBe(before);
  });

  it('can start empty', async () => {
    const c = await as('admin@test.example');
    expect((await c.post('/benchmark/edities/nieuw', editionForm({ year: '2022', title: 'Leeg 2022', leeg: 'ja', reminderDays: '' }))).statusCode).toBe(303);
    const e = (await getEditionByYear(t.db, 2022))!;
    expect(await loadQuestionnaire(t.db, e.id)).toEqual([]);
    expect(e.reminderDays).toEqual([]);
  });

  it('edits the settings; the year is fixed once the edition is no longer a draft', async () => {
    const c = await as('admin@test.example');
    const e = (await getEditionByYear(t.db, 2022))!;
    const bad = await c.post(`/benchmark/edities/${e.id}/bewerken`, { year: '2021', title: 'Leeg', reminderDays: '3' });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('Er is al een meetmoment voor 2021');
    expect((await c.post(`/benchmark/edities/${e.id}/bewerken`, { year: '2022', title: 'Benchmark 2022', reminderDays: '7,14', opensOn: '1-9-2022' })).statusCode).toBe(303);
    expect(await getEdition(t.db, e.id)).toMatchObject({ title: 'Benchmark 2022', reminderDays: [14, 7], opensOn: '2022-09-01', closesOn: null, allowChangesAfterSubmit: false });
    expect((await lastAudit(t.db, 'update'))?.details).toMatchObject({ changed: expect.arrayContaining(['title', 'reminderDays', 'opensOn']) });
    const published = await c.post(`/benchmark/edities/${e2020.id}/bewerken`, { year: '1999', title: 'Benchmark 2020', opensOn: '2020-01-01', closesOn: '2099-12-31', reminderDays: '' });
    expect(published.statusCode).toBe(303);
    expect((await getEdition(t.db, e2020.id))!.year).toBe(2020);
  });
});

describe('status transitions', () => {
  it('refuses to open without questions or without dates, and changes nothing', async () => {
    const c = await as('admin@test.example');
    const e = (await getEditionByYear(t.db, 2022))!;
    const page = await c.get(`/benchmark/edities/${e.id}/status?naar=open`);
    expect(page.body).toContain('De vragenlijst heeft nog geen vragen');
    expect(page.body).toContain('Er is geen sluitingsdatum');
    const before = await editionsSnapshot();
    const res = await c.post(`/benchmark/edities/${e.id}/status`, { naar: 'open' });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('De vragenlijst heeft nog geen vragen');
    expect(await editionsSnapshot()).toBe(before);
  });

  it('opens, closes, publishes and unpublishes along the allowed transitions only', async () => {
    const c = await as('admin@test.example');
    const e = (await getEditionByYear(t.db, 2021))!;
    const confirm = await c.get(`/benchmark/edities/${e.id}/status?naar=open`);
    expect(confirm.body).toContain('Ja, openen');
    expect((await c.post(`/benchmark/edities/${e.id}/status`, { naar: 'published' })).statusCode).toBe(422); // draft -> published
    expect((await getEdition(t.db, e.id))!.status).toBe('draft');
    expect((await c.post(`/benchmark/edities/${e.id}/status`, { naar: 'open' })).statusCode).toBe(303);
    expect((await getEdition(t.db, e.id))!.status).toBe('open');
    expect(await lastAudit(t.db, 'status_change')).toMatchObject({ entity: 'benchmark_edition', entityId: String(e.id), details: { from: 'draft', to: 'open', year: 2021 } });
    const refused = await c.post(`/benchmark/edities/${e.id}/status`, { naar: 'published' });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('kan niet naar');
    expect((await c.post(`/benchmark/edities/${e.id}/status`, { naar: 'draft' })).statusCode).toBe(422);
    expect((await c.post(`/benchmark/edities/${e.id}/status`, { naar: 'closed' })).statusCode).toBe(303);
    expect((await c.post(`/benchmark/edities/${e.id}/status`, { naar: 'published' })).statusCode).toBe(303);
    const pub = (await getEdition(t.db, e.id))!;
    expect(pub.status).toBe('published');
    expect(pub.publishedAt).toBeInstanceOf(Date);
    expect((await c.post(`/benchmark/edities/${e.id}/status`, { naar: 'closed' })).statusCode).toBe(303);
    expect(await getEdition(t.db, e.id)).toMatchObject({ status: 'closed', publishedAt: null });
    expect((await c.post(`/benchmark/edities/${e.id}/status`, { naar: 'open' })).statusCode).toBe(303); // reopen to extend
    expect((await c.get(`/benchmark/edities/${e.id}/status?naar=bogus`)).statusCode).toBe(404);
    expect((await c.post(`/benchmark/edities/${e.id}/status`, { naar: 'bogus' })).statusCode).toBe(404);
  });
});

describe('the questionnaire editor', () => {
  let e: Edition; // 2021, open, with one response
  let s1: number;
  beforeAll(async () => {
    e = (await getEditionByYear(t.db, 2021))!;
    s1 = (await loadQuestionnaire(t.db, e.id))[0]!.id;
    await addResponse(t.db, e, ['GM0344'], { WEEK: 'yes', AWARE: 'SPEC', SUPPORT: ['MAP'], ROLES: { GEM: 'KAR', WELZ: 'ACT' } });
  });
  const questionForm = (over: Record<string, string> = {}) => ({
    sectionId: String(s1),
    code: 'NEWQ',
    type: 'single',
    text: 'Heeft uw gemeente een nieuw beleidsplan?',
    help: '',
    options: 'A | Ja, vastgesteld\nB | In voorbereiding\nOTHER | Anders, namelijk | anders\nNONE | Nee | exclusief',
    rows: '',
    showIfQuestion: '',
    showIfRow: '',
    showIfAnyOf: '',
    min: '',
    max: '',
    unit: '',
    ...over,
  });

  it('adds a question, with options, markers and a condition', async () => {
    const c = await as('admin@test.example');
    const page = await c.get(`/benchmark/edities/${e.id}/vragen/nieuw?sectie=${s1}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('OTHER | Anders, namelijk | anders');
    const res = await c.post(`/benchmark/edities/${e.id}/vragen/nieuw`, questionForm({ type: 'multiple', required: 'ja', showIfQuestion: 'WEEK', showIfAnyOf: 'yes' }));
    expect(res.statusCode).toBe(303);
    const q = (await questionByCode(e.id, 'NEWQ'))!;
    expect(q).toMatchObject({
      type: 'multiple',
      required: true,
      options: [
        { code: 'A', label: 'Ja, vastgesteld' },
        { code: 'B', label: 'In voorbereiding' },
        { code: 'OTHER', label: 'Anders, namelijk', other: true },
        { code: 'NONE', label: 'Nee', exclusive: true },
      ],
      showIf: { question: 'WEEK', anyOf: ['yes'] },
    });
    // Appended at the end of section S1, before S2's questions.
    expect(allQuestions(await loadQuestionnaire(t.db, e.id)).map((x) => x.code)).toEqual(['WEEK', 'AWARE', 'SUPPORT', 'SUPPORT_WHY', 'NEWQ', 'ROLES', 'HOURS', 'NOTE']);
    expect(await lastAudit(t.db, 'create')).toMatchObject({ entity: 'benchmark_question', details: expect.objectContaining({ code: 'NEWQ' }) });
  });

  it('refuses a condition on a question that does not exist, a duplicate code and bad option lines, saving nothing', async () => {
    const c = await as('admin@test.example');
    const before = await questionnaireSnapshot(e.id);
    const res = await c.post(`/benchmark/edities/${e.id}/vragen/nieuw`, questionForm({ code: 'X2', showIfQuestion: 'NOPE', showIfAnyOf: 'A' }));
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Voorwaarde verwijst naar NOPE, dat geen eerdere vraag is');
    expect(res.body).toContain('href="#veld-showIfQuestion"');
    expect(res.body).toContain('value="X2"'); // input kept
    const dup = await c.post(`/benchmark/edities/${e.id}/vragen/nieuw`, questionForm({ code: 'WEEK' }));
    expect(dup.statusCode).toBe(422);
    expect(dup.body).toContain('Vraagcode WEEK komt twee keer voor');
    const lines = await c.post(`/benchmark/edities/${e.id}/vragen/nieuw`, questionForm({ code: 'X3', options: 'A | Ja\nzonder streep\nB | Nee | vet' }));
    expect(lines.statusCode).toBe(422);
    expect(lines.body).toContain('Regel 2: schrijf CODE | Label');
    expect(lines.body).toContain('Regel 3: onbekende aanduiding');
    const codes = await c.post(`/benchmark/edities/${e.id}/vragen/nieuw`, questionForm({ code: '9X', options: 'A | Ja\nA | Nee' }));
    expect(codes.body).toContain('Optiecode A komt twee keer voor');
    expect(codes.body).toContain('Vraagcode: begin met een letter');
    const matrixCondition = await c.post(`/benchmark/edities/${e.id}/vragen/nieuw`, questionForm({ code: 'X4', showIfQuestion: 'AWARE', showIfAnyOf: 'ZZZ' }));
    expect(matrixCondition.body).toContain('Voorwaarde: AWARE heeft geen optie ZZZ');
    expect(await questionnaireSnapshot(e.id)).toBe(before);
  });

  it('blocks changes that would orphan answers, with the alternative, and changes nothing', async () => {
    const c = await as('admin@test.example');
    const aware = (await questionByCode(e.id, 'AWARE'))!;
    const week = (await questionByCode(e.id, 'WEEK'))!;
    const roles = (await questionByCode(e.id, 'ROLES'))!;
    const before = await questionnaireSnapshot(e.id);
    const edit = await c.get(`/benchmark/edities/${e.id}/vragen/${aware.id}/bewerken`);
    expect(edit.body).toContain('SPEC | Ja, voor specifieke groepen');
    const form = (over: Record<string, string>) =>
      questionForm({ code: 'AWARE', type: 'single', text: aware.text, options: 'ALL | Ja, voor alle ouderen\nSPEC | Ja, voor specifieke groepen\nPLAN | Gepland\nNO | Nee', dontKnow: 'ja', ...over });

    const del = await c.post(`/benchmark/edities/${e.id}/vragen/${week.id}/verwijderen`);
    expect(del.statusCode).toBe(422);
    expect(del.body).toContain('Vraag WEEK is al beantwoord en kan daarom niet worden verwijderd');
    expect(del.body).toContain('Vraag NEWQ: voorwaarde verwijst naar WEEK'); // every problem at once
    const retype = await c.post(`/benchmark/edities/${e.id}/vragen/${aware.id}/bewerken`, form({ type: 'multiple' }));
    expect(retype.statusCode).toBe(422);
    expect(retype.body).toContain('Het type van vraag AWARE kan niet meer veranderen');
    expect(retype.body).toContain('gewijzigd, niet vergelijkbaar');
    const recode = await c.post(`/benchmark/edities/${e.id}/vragen/${aware.id}/bewerken`, form({ code: 'AWARE2' }));
    expect(recode.body).toContain('De code van vraag AWARE kan niet meer veranderen');
    const dropOption = await c.post(`/benchmark/edities/${e.id}/vragen/${aware.id}/bewerken`, form({ options: 'ALL | Ja, voor alle ouderen\nPLAN | Gepland\nNO | Nee' }));
    expect(dropOption.statusCode).toBe(422);
    expect(dropOption.body).toContain('Optie SPEC komt voor in antwoorden');
    expect(dropOption.body).toContain('href="#veld-options"');
    const dropRow = await c.post(
      `/benchmark/edities/${e.id}/vragen/${roles.id}/bewerken`,
      questionForm({ code: 'ROLES', type: 'matrix', text: roles.text, required: 'ja', rows: 'GEM | Gemeente\nBANK | Banken', options: 'KAR | Kartrekker\nACT | Actief\nINF | Geïnformeerd\nNONE | Geen rol' }),
    );
    expect(dropRow.statusCode).toBe(422);
    expect(dropRow.body).toContain('Rij WELZ komt voor in antwoorden');
    expect(await questionnaireSnapshot(e.id)).toBe(before);
  });

  it('allows text and label changes of an answered question and removing an unused option', async () => {
    const c = await as('admin@test.example');
    const aware = (await questionByCode(e.id, 'AWARE'))!;
    const res = await c.post(
      `/benchmark/edities/${e.id}/vragen/${aware.id}/bewerken`,
      questionForm({ code: 'AWARE', type: 'single', text: 'Organiseert uw gemeente zelf activiteiten voor bewustwording?', options: 'ALL | Ja, voor alle inwoners\nSPEC | Ja, voor bepaalde groepen\nNO | Nee', dontKnow: 'ja', help: 'Bijvoorbeeld een campagne.' }),
    );
    expect(res.statusCode).toBe(303);
    const after = (await questionByCode(e.id, 'AWARE'))!;
    expect(after).toMatchObject({ id: aware.id, text: 'Organiseert uw gemeente zelf activiteiten voor bewustwording?', help: 'Bijvoorbeeld een campagne.' });
    expect(after.options).toEqual([
      { code: 'ALL', label: 'Ja, voor alle inwoners' },
      { code: 'SPEC', label: 'Ja, voor bepaalde groepen' },
      { code: 'NO', label: 'Nee' },
    ]);
    expect(await lastAudit(t.db, 'update')).toMatchObject({ entity: 'benchmark_question', entityId: String(aware.id) });
  });

  it('deletes an unanswered question, moves questions and sections, and keeps conditions in order', async () => {
    const c = await as('admin@test.example');
    const note = (await questionByCode(e.id, 'NOTE'))!;
    expect((await c.get(`/benchmark/edities/${e.id}/vragen/${note.id}/verwijderen`)).body).toContain('Ja, verwijder deze vraag');
    expect((await c.post(`/benchmark/edities/${e.id}/vragen/${note.id}/verwijderen`)).statusCode).toBe(303);
    expect(await questionByCode(e.id, 'NOTE')).toBeUndefined();
    const newq = (await questionByCode(e.id, 'NEWQ'))!;
    // NEWQ is the last question of S1: down moves it into S2.
    expect((await c.post(`/benchmark/edities/${e.id}/vragen/${newq.id}/verplaatsen`, { richting: 'omlaag' })).statusCode).toBe(303);
    const sections = await loadQuestionnaire(t.db, e.id);
    expect(sections[1]!.questions.map((q) => q.code)).toEqual(['NEWQ', 'ROLES', 'HOURS']);
    // WEEK cannot move below NEWQ, whose condition refers to it: refused with a message.
    const week = (await questionByCode(e.id, 'WEEK'))!;
    for (let i = 0; i < 4; i++) await c.post(`/benchmark/edities/${e.id}/vragen/${week.id}/verplaatsen`, { richting: 'omlaag' });
    const moved = await loadQuestionnaire(t.db, e.id);
    expect(moved.map((s) => s.questions.map((q) => q.code))).toEqual([['AWARE', 'SUPPORT', 'SUPPORT_WHY'], ['WEEK', 'NEWQ', 'ROLES', 'HOURS'], []]);
    const order = allQuestions(moved).map((q) => q.code);
    const refused = await c.post(`/benchmark/edities/${e.id}/vragen/${week.id}/verplaatsen`, { richting: 'omlaag' });
    expect(refused.statusCode).toBe(303);
    expect((await c.get(`/benchmark/edities/${e.id}`)).body).toContain('Vraag WEEK is niet verplaatst');
    expect(allQuestions(await loadQuestionnaire(t.db, e.id)).map((q) => q.code)).toEqual(order);

    // Sections: add, edit, move, delete.
    const add = await c.post(`/benchmark/edities/${e.id}/secties/nieuw`, { code: 'S9', pillar: 'pijler_5', title: 'Monitoring', intro: '' });
    expect(add.statusCode).toBe(303);
    const dupSection = await c.post(`/benchmark/edities/${e.id}/secties/nieuw`, { code: 'S9', pillar: 'pijler_5', title: 'Nog een' });
    expect(dupSection.statusCode).toBe(422);
    expect(dupSection.body).toContain('Sectiecode S9 komt twee keer voor');
    const badPillar = await c.post(`/benchmark/edities/${e.id}/secties/nieuw`, { code: 'S8', pillar: 'pijler_9', title: 'X' });
    expect(badPillar.body).toContain('Kies een pijler of actielijn.');
    let list = await loadQuestionnaire(t.db, e.id);
    const s9 = list.find((s) => s.code === 'S9')!;
    expect((await c.post(`/benchmark/edities/${e.id}/secties/${s9.id}/bewerken`, { code: 'S9', pillar: 'pijler_5', title: 'Monitoring en evaluatie', intro: 'Tot slot.' })).statusCode).toBe(303);
    expect((await c.post(`/benchmark/edities/${e.id}/secties/${s9.id}/verplaatsen`, { richting: 'omhoog' })).statusCode).toBe(303);
    list = await loadQuestionnaire(t.db, e.id);
    expect(list.map((s) => s.code)).toEqual(['S1', 'S2', 'S9', 'S3']);
    expect(list[2]).toMatchObject({ title: 'Monitoring en evaluatie', intro: 'Tot slot.' });
    // A section with an answered question cannot be deleted; an empty one can.
    const s1del = await c.post(`/benchmark/edities/${e.id}/secties/${list[0]!.id}/verwijderen`);
    expect(s1del.statusCode).toBe(422);
    expect(s1del.body).toContain('is al beantwoord');
    expect((await c.post(`/benchmark/edities/${e.id}/secties/${s9.id}/verwijderen`)).statusCode).toBe(303);
    expect((await loadQuestionnaire(t.db, e.id)).map((s) => s.code)).toEqual(['S1', 'S2', 'S3']);
  });

  it('keeps the questionnaire of a closed or published edition read-only', async () => {
    const c = await as('admin@test.example');
    const before = await questionnaireSnapshot(e2020.id);
    const week = (await questionByCode(e2020.id, 'WEEK'))!;
    const s = (await loadQuestionnaire(t.db, e2020.id))[0]!;
    expect((await c.get(`/benchmark/edities/${e2020.id}/vragen/nieuw`)).statusCode).toBe(409);
    expect((await c.get(`/benchmark/edities/${e2020.id}/vragen/${week.id}/bewerken`)).statusCode).toBe(409);
    const res = await c.post(`/benchmark/edities/${e2020.id}/vragen/nieuw`, questionForm({ sectionId: String(s.id), code: 'LATE' }));
    expect(res.statusCode).toBe(409);
    expect(res.body).toContain('kan niet meer worden gewijzigd');
    expect((await c.post(`/benchmark/edities/${e2020.id}/vragen/${week.id}/verwijderen`)).statusCode).toBe(422);
    expect((await c.post(`/benchmark/edities/${e2020.id}/secties/${s.id}/verwijderen`)).statusCode).toBe(422);
    await c.post(`/benchmark/edities/${e2020.id}/vragen/${week.id}/verplaatsen`, { richting: 'omlaag' });
    expect(await questionnaireSnapshot(e2020.id)).toBe(before);
    const detail = await c.get(`/benchmark/edities/${e2020.id}`);
    expect(detail.body).not.toContain('/vragen/nieuw');
    // Another edition's question id in this edition's URL: 404.
    const other = (await questionByCode(e.id, 'WEEK'))!;
    expect((await c.get(`/benchmark/edities/${e2020.id}/vragen/${other.id}/bewerken`)).statusCode).toBe(404);
  });
});

describe('conditions (showIf) on questions that already have answers', () => {
  // Its own open edition (2019: not the latest, so "new edition" copies stay unaffected), with three responses:
  //   R1 GM0344: WEEK yes, AWARE SPEC, SUPPORT MAP, ROLES GEM=KAR WELZ=ACT BANK=NONE, HOURS 10
  //   R2 GM0363: WEEK no,  AWARE ALL,               ROLES GEM=ACT WELZ=ACT BANK=INF,  HOURS 4
  //   R3 GM0014: WEEK yes,                          ROLES GEM=KAR WELZ=INF BANK=NONE
  let e: Edition;
  beforeAll(async () => {
    e = await createSmallEdition(t.db, { year: 2019 });
    await addResponse(t.db, e, ['GM0344'], { WEEK: 'yes', AWARE: 'SPEC', SUPPORT: ['MAP'], ROLES: { GEM: 'KAR', WELZ: 'ACT', BANK: 'NONE' }, HOURS: 10 });
    await addResponse(t.db, e, ['GM0363'], { WEEK: 'no', AWARE: 'ALL', ROLES: { GEM: 'ACT', WELZ: 'ACT', BANK: 'INF' }, HOURS: 4 });
    await addResponse(t.db, e, ['GM0014'], { WEEK: 'yes', ROLES: { GEM: 'KAR', WELZ: 'INF', BANK: 'NONE' } });
  });
  /** The edit form of a question as it is stored, with the condition fields replaced. */
  const edit = async (code: string, condition: { question?: string; row?: string; anyOf?: string }, over: Record<string, string> = {}) => {
    const q = allQuestions(await loadQuestionnaire(t.db, e.id)).find((x) => x.code === code)!;
    const values = questionFormValues(questionDefOf(q), q.sectionId) as Record<string, string>;
    const c = await as('admin@test.example');
    return c.post(`/benchmark/edities/${e.id}/vragen/${q.id}/bewerken`, { ...values, showIfQuestion: condition.question ?? '', showIfRow: condition.row ?? '', showIfAnyOf: condition.anyOf ?? '', ...over });
  };

  it('refuses a new condition that hides the question from a response that answered it, and saves nothing', async () => {
    const before = await questionnaireSnapshot(e.id);
    // AWARE only when WEEK = yes: R2 answered AWARE with WEEK = no.
    const res = await edit('AWARE', { question: 'WEEK', anyOf: 'yes' });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Vraag AWARE is al beantwoord. Met deze voorwaarde zou de vraag verborgen zijn voor 1 respons die hem al beantwoordde');
    expect(res.body).toContain('gewijzigd, niet vergelijkbaar');
    expect(res.body).toContain('href="#veld-showIfQuestion"');
    // ROLES only when WEEK = no: R1 and R3 (counted once each, not per matrix row) would lose it.
    const roles = await edit('ROLES', { question: 'WEEK', anyOf: 'no' });
    expect(roles.statusCode).toBe(422);
    expect(roles.body).toContain('verborgen zijn voor 2 responsen die hem al beantwoordden');
    // A matrix row as condition: HOURS only when ROLES.BANK = NONE; R2 (BANK = INF) answered HOURS.
    const matrix = await edit('HOURS', { question: 'ROLES', row: 'BANK', anyOf: 'NONE' });
    expect(matrix.statusCode).toBe(422);
    expect(matrix.body).toContain('verborgen zijn voor 1 respons die hem al beantwoordde');
    // SUPPORT only when AWARE = PLAN: R1 (AWARE = SPEC) answered SUPPORT.
    expect((await edit('SUPPORT', { question: 'AWARE', anyOf: 'PLAN' })).statusCode).toBe(422);
    expect(await questionnaireSnapshot(e.id)).toBe(before);
  });

  it('allows a condition that every response with an answer meets, and refuses changing it so that one does not', async () => {
    // WEEK yes or no: R1 (yes) and R2 (no) both still see AWARE.
    expect((await edit('AWARE', { question: 'WEEK', anyOf: 'yes, no' })).statusCode).toBe(303);
    expect((await questionByCode(e.id, 'AWARE'))!.showIf).toEqual({ question: 'WEEK', anyOf: ['yes', 'no'] });
    expect(await lastAudit(t.db, 'update')).toMatchObject({ entity: 'benchmark_question' });
    // Narrowing it to "no" would hide AWARE from R1.
    const before = await questionnaireSnapshot(e.id);
    const narrowed = await edit('AWARE', { question: 'WEEK', anyOf: 'no' });
    expect(narrowed.statusCode).toBe(422);
    expect(narrowed.body).toContain('verborgen zijn voor 1 respons');
    expect(await questionnaireSnapshot(e.id)).toBe(before);
    // A matrix row that R1 and R2 (the ones that answered HOURS) both meet: WELZ = ACT.
    expect((await edit('HOURS', { question: 'ROLES', row: 'WELZ', anyOf: 'ACT' })).statusCode).toBe(303);
    // An unanswered question may get any condition.
    expect((await edit('NOTE', { question: 'WEEK', anyOf: 'no' })).statusCode).toBe(303);
  });

  it('always allows removing a condition', async () => {
    expect((await edit('AWARE', {})).statusCode).toBe(303);
    expect((await questionByCode(e.id, 'AWARE'))!.showIf).toBeNull();
    expect((await edit('HOURS', {})).statusCode).toBe(303);
    expect((await questionByCode(e.id, 'HOURS'))!.showIf).toBeNull();
  });

  it('refuses removing the option of the question a condition depends on (definition check), saving nothing', async () => {
    // SUPPORT_WHY is shown only when SUPPORT includes OTHER; nobody chose OTHER, so only the condition stands in the way.
    const before = await questionnaireSnapshot(e.id);
    const res = await edit('SUPPORT', {}, { options: 'MAP | Sociale kaart\nWOR | Welzijn op Recept\nNONE | Geen van deze | exclusief' });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Vraag SUPPORT_WHY: voorwaarde: SUPPORT heeft geen optie OTHER');
    expect(res.body).not.toContain('komt voor in antwoorden');
    expect(await questionnaireSnapshot(e.id)).toBe(before);
  });
});

describe('deleting an edition', () => {
  it('soft-deletes only a draft without responses', async () => {
    const c = await as('admin@test.example');
    const open = (await getEditionByYear(t.db, 2021))!;
    const refused = await c.post(`/benchmark/edities/${open.id}/verwijderen`);
    expect(refused.statusCode).toBe(409);
    expect(refused.body).toContain('Alleen een concept kan worden verwijderd');
    expect(refused.body).toContain('Er is 1 respons');
    expect(await getEdition(t.db, open.id)).toBeDefined();
    const draft = (await getEditionByYear(t.db, 2022))!;
    expect((await c.get(`/benchmark/edities/${draft.id}/verwijderen`)).body).toContain('Ja, verwijder dit meetmoment');
    expect((await c.post(`/benchmark/edities/${draft.id}/verwijderen`)).statusCode).toBe(303);
    expect(await getEdition(t.db, draft.id)).toBeUndefined();
    expect((await t.db.select().from(benchmarkEditions).where(eq(benchmarkEditions.id, draft.id)))[0]!.deletedAt).toBeInstanceOf(Date);
    expect((await c.get(`/benchmark/edities/${draft.id}`)).statusCode).toBe(404);
    expect(await lastAudit(t.db, 'delete')).toMatchObject({ entity: 'benchmark_edition', entityId: String(draft.id) });
    // The year is free again.
    expect((await c.post('/benchmark/edities/nieuw', editionForm({ year: '2022', title: 'Opnieuw 2022' }))).statusCode).toBe(303);
  });
});

describe('the landing page', () => {
  it('shows the programme team every edition with its management links', async () => {
    const c = await as('admin@test.example');
    const res = await c.get('/benchmark');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('geen afrekeninstrument');
    const e2021 = (await getEditionByYear(t.db, 2021))!;
    const e2022 = (await getEditionByYear(t.db, 2022))!;
    for (const href of [`/benchmark/edities/${e2021.id}/uitnodigingen`, `/benchmark/edities/${e2021.id}/respons`, '/benchmark/2021/resultaten', '/benchmark/2020/antwoorden.csv', `/benchmark/edities/${e2022.id}`])
      expect(res.body).toContain(`href="${href}"`);
    expect((await c.get('/benchmark/edities')).body).toContain('Opnieuw 2022');
  });

  it('shows coordinators and advisors the dashboards of their own municipalities for non-draft editions', async () => {
    const coord = await (await as('coord@test.example')).get('/benchmark');
    expect(coord.statusCode).toBe(200);
    expect(coord.body).toContain('href="/benchmark/2020/gemeenten/GM0344"');
    expect(coord.body).toContain('href="/benchmark/2021/gemeenten/GM0344"');
    expect(coord.body).toContain('href="/benchmark/2020/rapport.pdf"'); // published
    expect(coord.body).not.toContain('href="/benchmark/2021/rapport.pdf"'); // open
    expect(coord.body).not.toContain('2022'); // draft
    expect(coord.body).not.toContain('GM0363');
    expect(coord.body).not.toContain('/benchmark/edities');
    const adv = await (await as('adv@test.example')).get('/benchmark');
    expect(adv.body).toContain('href="/benchmark/2020/gemeenten/GM0014"');
    expect(adv.body).toContain('href="/benchmark/2020/gemeenten/GM0363"');
    expect(adv.body).not.toContain('GM0344');
    expect((await (await as('partner@test.example')).get('/benchmark')).statusCode).toBe(403);
    const anon = await new TestClient(t.app).get('/benchmark');
    expect(anon.statusCode).toBe(302);
    expect(anon.headers.location).toContain('/inloggen');
  });
});

describe('access to the management routes', () => {
  it('gives coordinators, advisors and anonymous visitors no access, and their POSTs change nothing', async () => {
    const e = (await getEditionByYear(t.db, 2021))!;
    const draft = (await getEditionByYear(t.db, 2022))!;
    const q = (await questionByCode(e.id, 'AWARE'))!;
    const s = (await loadQuestionnaire(t.db, e.id))[0]!;
    const base = `/benchmark/edities/${e.id}`;
    const gets = [
      '/benchmark/edities',
      '/benchmark/edities/nieuw',
      '/benchmark/edities/vragenlijst-importeren',
      base,
      `${base}/bewerken`,
      `${base}/status?naar=closed`,
      `${base}/verwijderen`,
      `${base}/vragenlijst.json`,
      `/benchmark/edities/${draft.id}/vragenlijst-vervangen`,
      `${base}/importeren`,
      `${base}/vragen/nieuw`,
      `${base}/vragen/${q.id}/bewerken`,
      `${base}/vragen/${q.id}/verwijderen`,
      `${base}/secties/nieuw`,
      `${base}/secties/${s.id}/bewerken`,
      `${base}/secties/${s.id}/verwijderen`,
    ];
    const posts: [string, Record<string, string>][] = [
      ['/benchmark/edities/nieuw', editionForm({ year: '2030' })],
      [`${base}/bewerken`, editionForm({ title: 'Gekaapt' })],
      [`${base}/status`, { naar: 'closed' }],
      [`/benchmark/edities/${draft.id}/verwijderen`, {}],
      [`${base}/vragen/nieuw`, { sectionId: String(s.id), code: 'HACK', type: 'text', text: 'x' }],
      [`${base}/vragen/${q.id}/bewerken`, { sectionId: String(s.id), code: 'AWARE', type: 'text', text: 'x' }],
      [`${base}/vragen/${q.id}/verwijderen`, {}],
      [`${base}/vragen/${q.id}/verplaatsen`, { richting: 'omlaag' }],
      [`${base}/secties/nieuw`, { code: 'HACK', pillar: 'overig', title: 'x' }],
      [`${base}/secties/${s.id}/bewerken`, { code: 'HACK', pillar: 'overig', title: 'x' }],
      [`${base}/secties/${s.id}/verwijderen`, {}],
      [`${base}/secties/${s.id}/verplaatsen`, { richting: 'omlaag' }],
    ];
    const uploads = ['/benchmark/edities/vragenlijst-importeren', `/benchmark/edities/${draft.id}/vragenlijst-vervangen`, `${base}/importeren`];
    const before = [await editionsSnapshot(), await questionnaireSnapshot(e.id), await questionnaireSnapshot(draft.id)];
    for (const email of ['coord@test.example', 'adv@test.example']) {
      const c = await as(email);
      for (const url of gets) expect((await c.get(url)).statusCode, `${email} GET ${url}`).toBe(403);
      for (const [url, form] of posts) expect((await c.post(url, form)).statusCode, `${email} POST ${url}`).toBe(403);
      for (const url of uploads) expect((await c.upload(url, {}, { field: 'bestand', filename: 'x.json', content: '{}', contentType: 'application/json' })).statusCode, `${email} upload ${url}`).toBe(403);
    }
    const anon = new TestClient(t.app);
    for (const url of gets) {
      const res = await anon.get(url);
      expect(res.statusCode, `anonymous GET ${url}`).toBe(302);
      expect(res.headers.location).toMatch(/^\/inloggen/);
    }
    for (const [url, form] of posts) {
      const res = await anon.post(url, form);
      // With a valid CSRF token the request reaches the route, which sends the visitor to the login page.
      expect(res.statusCode, `anonymous POST ${url}`).toBe(302);
      expect(res.headers.location).toMatch(/^\/inloggen/);
      expect((await anon.post(url, form, { csrf: false })).statusCode, `anonymous POST ${url} without CSRF token`).toBe(403);
    }
    for (const url of uploads) expect((await anon.upload(url, {}, { field: 'bestand', filename: 'x.json', content: '{}' })).statusCode).toBe(401);
    expect([await editionsSnapshot(), await questionnaireSnapshot(e.id), await questionnaireSnapshot(draft.id)]).toEqual(before);
  });

  it('answers 404 for an unknown or deleted edition', async () => {
    const c = await as('admin@test.example');
    expect((await c.get('/benchmark/edities/999999')).statusCode).toBe(404);
    expect((await c.get('/benchmark/edities/abc')).statusCode).toBe(404);
    expect((await c.get('/benchmark/edities/999999/vragenlijst.json')).statusCode).toBe(404);
  });
});

describe('closing editions after their closing day', () => {
  it('closes open editions whose closing day has passed (Amsterdam time), audited; others stay as they are', async () => {
    const ended = await createSmallEdition(t.db, { year: 2040, status: 'open', opensOn: '2040-01-01', closesOn: '2040-02-29' });
    const lastDay = await createSmallEdition(t.db, { year: 2041, status: 'open', opensOn: '2040-01-01', closesOn: '2040-03-01' });
    const draft = await createSmallEdition(t.db, { year: 2042, status: 'draft', opensOn: '2040-01-01', closesOn: '2040-02-01' });
    // 1 March 2040, 00:30 in Amsterdam (23:30 UTC on 29 February).
    const closed = await closeEndedEditions(t.db, new Date('2040-02-29T23:30:00Z'));
    expect(closed).toContain(ended.id);
    expect(closed).not.toContain(lastDay.id);
    expect((await getEdition(t.db, ended.id))!.status).toBe('closed');
    expect((await getEdition(t.db, lastDay.id))!.status).toBe('open');
    expect((await getEdition(t.db, draft.id))!.status).toBe('draft');
    expect(await lastAudit(t.db, 'status_change')).toMatchObject({ entity: 'benchmark_edition', entityId: String(ended.id), actorLabel: 'systeem (sluitingsdatum verstreken)' });
    // A second run the same day changes nothing.
    expect(await closeEndedEditions(t.db, new Date('2040-02-29T23:30:00Z'))).not.toContain(ended.id);
  });
});
