import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestApp, createUser, seedReference, TestClient, type TestApp } from '../../../test/helpers/app.js';
import { createDifferencingFixture, createResultsFixture, DIFF_CODES, municipalityIds, SECRET_TEXTS, type ResultsFixture } from '../../../test/helpers/benchmark-results.js';
import { createSmallEdition } from '../../../test/helpers/benchmark.js';
import { municipalities } from '../registry/schema.js';
import { importShippedProvinceBoundaries } from './boundaries.js';

/**
 * The results page (programme team) and the municipality dashboard, on the results fixture
 * (test/helpers/benchmark-results.ts; its header lists every response).
 */

let t: TestApp;
let f: ResultsFixture;
let ids: Record<string, number>;

beforeAll(async () => {
  t = await createTestApp();
  await seedReference(t.db);
  f = await createResultsFixture(t.db);
  ids = await municipalityIds(t.db, ['GM0344', 'GM0363', 'GM0317', 'GM0308']);
  await createUser(t.db, 'admin@test.example', [{ role: 'programme_admin' }]);
  await createUser(t.db, 'utrecht@test.example', [{ role: 'municipality_coordinator', municipalityId: ids.GM0344 }]);
  await createUser(t.db, 'amsterdam@test.example', [{ role: 'municipality_coordinator', municipalityId: ids.GM0363 }]);
  await createUser(t.db, 'eemnes@test.example', [{ role: 'municipality_coordinator', municipalityId: ids.GM0317 }]);
  await createUser(t.db, 'adviseur@test.example', [{ role: 'advisor', municipalityId: ids.GM0344 }]);
  await createUser(t.db, 'partner@test.example', [{ role: 'partner' }]);
  // A municipality merged into Utrecht (ended, with a successor).
  const [pv] = await t.db.select({ provinceId: municipalities.provinceId }).from(municipalities).where(eq(municipalities.id, ids.GM0344));
  await t.db.insert(municipalities).values({ cbsCode: 'GM9998', name: 'Opgeheven Dorp', provinceId: pv.provinceId, validTo: '2019-01-01', successorId: ids.GM0344 });
  await createSmallEdition(t.db, { year: 2022, status: 'draft' });
});
afterAll(async () => t.close());

async function as(email: string) {
  const c = new TestClient(t.app);
  await c.login(email);
  return c;
}

/** The HTML of one question's block (from its h3 to the end of its section). */
function questionBlock(html: string, code: string): string {
  const start = html.indexOf(`id="vraag-${code}"`);
  if (start === -1) throw new Error(`no question ${code}`);
  return html.slice(start, html.indexOf('</section>', start));
}
/** Table cells (th and td) of the first table in a piece of HTML. */
function cells(html: string): string[] {
  const table = html.slice(html.indexOf('<table'), html.indexOf('</table>'));
  return [...table.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((m) => m[1].replace(/<[^>]+>/g, '').trim());
}
const h1Count = (html: string) => (html.match(/<h1[\s>]/g) ?? []).length;

describe('national results page', () => {
  it('shows the respondents, per pillar and question the chart and the table with hand-checked figures', async () => {
    const admin = await as('admin@test.example');
    const res = await admin.get('/benchmark/2021/resultaten');
    expect(res.statusCode).toBe(200);
    const html = res.body;
    expect(h1Count(html)).toBe(1);
    expect(html).toContain('Resultaten benchmark 2021');
    // 7 submitted responses in 2021 (the one in progress does not count); compared with 2020 by default.
    expect(html).toMatch(/<dt>Respondenten \(n\)<\/dt>\s*<dd>7<\/dd>/);
    expect(html).toContain('Vergeleken met: editie 2020');
    // One part (pillar or action line) per page, the first by default, with links to the others.
    expect(html).toContain('<h2 class="utrecht-heading-2" id="pijler-actielijn_1">Actielijn 1: Signaleren en bespreekbaar maken</h2>');
    expect(html).not.toContain('id="pijler-pijler_2"');
    expect(html).toContain('href="/benchmark/2021/resultaten?onderdeel=pijler_2"');
    expect(html).toMatch(/aria-current="page"><strong>Actielijn 1: Signaleren en bespreekbaar maken<\/strong> \(getoond\)/);
    const part2 = await admin.get('/benchmark/2021/resultaten?onderdeel=pijler_2');
    expect(part2.body).toContain('<h2 class="utrecht-heading-2" id="pijler-pijler_2">Pijler 2: Sterk netwerk</h2>');
    expect(part2.body).not.toContain('id="pijler-actielijn_1"');
    const part3 = await admin.get('/benchmark/2021/resultaten?onderdeel=overig');
    expect((await admin.get('/benchmark/2021/resultaten?onderdeel=pijler_9')).statusCode).toBe(404);
    // The filter form keeps the part.
    expect(part2.body).toContain('<input type="hidden" name="onderdeel" value="pijler_2"/>');
    const all = html + part2.body + part3.body;
    // AWARE 2021: answered by 6 (Aalsmeer skipped it): ALL = Utrecht, Amersfoort, Amsterdam → 3 of 6.
    // 2020: 5 answered: ALL = Eemnes, Lopik → 2 of 5.
    const aware = questionBlock(html, 'AWARE');
    expect(aware).toContain('role="img"');
    const c = cells(aware);
    expect(c.slice(0, 5)).toEqual(['Antwoord', '2021: aantal', '2021: %', '2020: aantal', '2020: %']);
    expect(c.slice(5, 10)).toEqual(['Ja, voor alle ouderen', '3', '50,0%', '2', '40,0%']);
    expect(c.slice(-5)).toEqual(['Beantwoord door (n)', '6', '', '5', '']);
    // WEEK is marked "not comparable" in 2021: no 2020 figures, and a note.
    const week = questionBlock(html, 'WEEK');
    expect(week).toContain('Niet vergelijkbaar:');
    expect(cells(week).slice(0, 3)).toEqual(['Antwoord', '2021: aantal', '2021: %']);
    // Multiple choice: the >100% note.
    expect(questionBlock(html, 'SUPPORT')).toContain('de percentages kunnen samen meer dan 100% zijn');
    // Text: a count, never the texts.
    expect(questionBlock(all, 'NOTE')).toContain('2 antwoorden');
    expect(questionBlock(all, 'NOTE')).toContain('(alleen in de ruwe export)');
    for (const s of SECRET_TEXTS) expect(all).not.toContain(s);
    // Number: stats table (HOURS 2021: 10, 4, 6, 0, 25 → n 5, mean 9, median 6; dont_know not counted).
    expect(cells(questionBlock(all, 'HOURS')).slice(6, 12)).toEqual(['2021', '5', '9', '6', '0', '25']);
    // Exports with the same query, and the report.
    expect(html).toContain('href="/benchmark/2021/resultaten.csv"');
    expect(html).toContain('href="/benchmark/2021/rapport.pdf"');
    // No boundaries yet: the table only.
    expect(html).toContain('De kaart verschijnt zodra de provinciegrenzen zijn geïmporteerd');
    expect(html).not.toContain('class="bm-map"');
    expect(html).not.toContain('style=');
  });

  it('filters by province, size class and year of joining (hand-checked counts)', async () => {
    const admin = await as('admin@test.example');
    // PV26 (Utrecht) in 2021: Utrecht, Baarn (+Eemnes), Amersfoort, Houten, Renswoude = 5.
    // WEEK: yes = Utrecht, Baarn, Houten, Renswoude (4), no = Amersfoort (1) → 80,0%.
    const res = await admin.get('/benchmark/2021/resultaten?province=PV26&compare=none');
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/<dt>Respondenten \(n\)<\/dt>\s*<dd>5<\/dd>/);
    expect(res.body).toContain('Filter: provincie Utrecht.');
    expect(cells(questionBlock(res.body, 'WEEK'))).toEqual(['Antwoord', '2021: aantal', '2021: %', 'Ja', '4', '80,0%', 'Nee', '1', '20,0%', 'Beantwoord door (n)', '5', '']);
    // The form keeps the chosen values, and the export links carry the same query.
    expect(res.body).toMatch(/<option value="PV26" selected>Utrecht<\/option>/);
    expect(res.body).toMatch(/<option value="none" selected>Geen vergelijking<\/option>/);
    expect(res.body).toContain('href="/benchmark/2021/resultaten.xlsx?province=PV26&amp;compare=none"');
    // 100.000+ inhabitants: Utrecht, Amersfoort, Amsterdam; joined in 2019: the same three.
    for (const q of ['sizeClass=gte100k', 'joinedYear=2019']) {
      const r = await admin.get(`/benchmark/2021/resultaten?${q}`);
      expect(r.statusCode, q).toBe(200);
      expect(r.body, q).toMatch(/<dt>Respondenten \(n\)<\/dt>\s*<dd>3<\/dd>/);
    }
  });

  it('shows the panel figures marked with *', async () => {
    const admin = await as('admin@test.example');
    const res = await admin.get('/benchmark/2021/resultaten?compare=2020&panel=true');
    expect(res.statusCode).toBe(200);
    // Panel 2021 × 2020: Utrecht, Houten, Amsterdam.
    expect(res.body).toMatch(/<dt>Panel 2021 en 2020<\/dt>\s*<dd>3<\/dd>/);
    const aware = cells(questionBlock(res.body, 'AWARE'));
    expect(aware.slice(0, 9)).toEqual(['Antwoord', '2021: aantal', '2021: %', '2020: aantal', '2020: %', '2021*: aantal', '2021*: %', '2020*: aantal', '2020*: %']);
    // ALL: 2021 panel = Utrecht, Amsterdam (2 of 3); 2020 panel = none of Utrecht SPEC, Amsterdam PLAN, Houten NO.
    expect(aware.slice(9, 18)).toEqual(['Ja, voor alle ouderen', '3', '50,0%', '2', '40,0%', '2', '66,7%', '0', '0,0%']);
    expect(res.body).toContain('* Panel: alleen de gemeenten die in beide edities de vragenlijst hebben ingevuld.');
    // WEEK is not comparable with 2020: no panel figures there.
    expect(cells(questionBlock(res.body, 'WEEK')).slice(0, 3)).toEqual(['Antwoord', '2021: aantal', '2021: %']);
    expect(questionBlock(res.body, 'WEEK')).not.toContain('* Panel:');
  });

  it('shows the province map once boundaries are imported', async () => {
    await importShippedProvinceBoundaries(t.db);
    const res = await (await as('admin@test.example')).get('/benchmark/2021/resultaten');
    expect(res.body).toContain('<svg class="bm-map"');
    expect(res.body).toContain('<title id="responskaart-title">Respons per provincie, benchmark 2021</title>');
    expect(cells(res.body.slice(res.body.indexOf('Respons per provincie, benchmark 2021: cijfers per provincie') - 200)).slice(0, 5)).toEqual([
      'Provincie',
      'Uitgenodigd',
      'Begonnen',
      'Ingevuld',
      'Respons',
    ]);
  });

  it('answers bad filters with a 400 page that names each field, and unknown years with 404', async () => {
    const admin = await as('admin@test.example');
    const bad = await admin.get('/benchmark/2021/resultaten?province=XX&sizeClass=huge&joinedYear=abc&compare=vorige&panel=misschien');
    expect(bad.statusCode).toBe(400);
    expect(h1Count(bad.body)).toBe(1);
    expect(bad.body).toContain('Er zijn 5 fouten in het formulier');
    expect(bad.body).toContain('href="#veld-province"');
    expect(bad.body).toContain('Kies een provincie uit de lijst.');
    expect(bad.body).toContain('Kies een gemeentegrootte uit de lijst.');
    expect(bad.body).toContain('Kies bij het panel ja of nee.');
    expect(bad.body).toContain('Kies een editie uit de lijst om mee te vergelijken, of geen vergelijking.');
    // The summary follows the order of the fields.
    expect(bad.body.indexOf('href="#veld-province"')).toBeLessThan(bad.body.indexOf('href="#veld-panel"'));
    expect(bad.body).not.toContain('Respondenten (n)');
    const r2 = await admin.get('/benchmark/2021/resultaten?compare=1999');
    expect(r2.statusCode).toBe(400);
    expect(r2.body).toContain('Er is geen editie 1999 om mee te vergelijken.');
    const r3 = await admin.get('/benchmark/2021/resultaten?compare=none&panel=true');
    expect(r3.statusCode).toBe(400);
    expect(r3.body).toContain('Het panel vergelijkt twee edities');
    const r4 = await admin.get('/benchmark/2021/resultaten?province=PV99');
    expect(r4.statusCode).toBe(400);
    expect(r4.body).toContain('Provincie PV99 bestaat niet.');
    const r5 = await admin.get('/benchmark/2021/resultaten?province=PV26&province=PV27');
    expect(r5.statusCode).toBe(400);
    expect((await admin.get('/benchmark/2030/resultaten')).statusCode).toBe(404);
    expect((await admin.get('/benchmark/20x1/resultaten')).statusCode).toBe(404);
  });

  it('is for the programme team only', async () => {
    for (const who of ['utrecht@test.example', 'adviseur@test.example', 'partner@test.example']) {
      const res = await (await as(who)).get('/benchmark/2021/resultaten');
      expect(res.statusCode, who).toBe(403);
      expect(res.body).not.toContain('Respondenten (n)');
    }
    const anon = await new TestClient(t.app).get('/benchmark/2021/resultaten');
    expect(anon.statusCode).toBe(302);
    expect(anon.headers.location).toMatch(/^\/inloggen/);
  });
});

describe('municipality dashboard', () => {
  it("shows a coordinator their own answers next to all and the province, with the trend and no one else's texts", async () => {
    const c = await as('utrecht@test.example');
    // By default one part per page, with links to the others and to all parts at once.
    const first = await c.get('/benchmark/2021/gemeenten/GM0344');
    expect(first.body).toContain('id="pijler-actielijn_1"');
    expect(first.body).not.toContain('id="pijler-pijler_2"');
    expect(first.body).toContain('href="/benchmark/2021/gemeenten/GM0344?onderdeel=pijler_2"');
    expect(first.body).toContain('href="/benchmark/2021/gemeenten/GM0344?onderdeel=alle"');
    expect((await c.get('/benchmark/2021/gemeenten/GM0344?onderdeel=pijler_2')).body).toContain('id="pijler-pijler_2"');
    expect((await c.get('/benchmark/2021/gemeenten/GM0344?onderdeel=onzin')).statusCode).toBe(404);
    const res = await c.get('/benchmark/2021/gemeenten/GM0344?onderdeel=alle');
    expect(res.statusCode).toBe(200);
    const html = res.body;
    expect(h1Count(html)).toBe(1);
    expect(html).toContain('Benchmark 2021: Utrecht');
    expect(html).toContain('Voor inzicht, niet om af te rekenen.');
    expect(html).toContain('href="/benchmark/2021/gemeenten/GM0344/factsheet.pdf"');
    // Edition switcher (drafts hidden from coordinators).
    expect(html).toContain('href="/benchmark/2020/gemeenten/GM0344"');
    expect(html).not.toContain('href="/benchmark/2022/gemeenten/GM0344"');
    // Own answer by text; distribution of all (7 respondents; AWARE n = 6). Province Utrecht has
    // 5 (AWARE n = 5): 6 − 5 = 1 would single out Amsterdam's answer, so the province is withheld.
    const aware = questionBlock(html, 'AWARE');
    expect(aware).toContain('<strong>Uw antwoord:</strong> Ja, voor alle ouderen');
    expect(aware).toContain('◀ Uw antwoord');
    const c1 = cells(aware);
    expect(c1.slice(0, 4)).toEqual(['Antwoord', 'Alle gemeenten: aantal', 'Alle gemeenten: %', 'Uw antwoord']);
    // ALL: all 3 of 6 (Utrecht, Amersfoort, Amsterdam).
    expect(c1.slice(4, 8)).toEqual(['Ja, voor alle ouderen', '3', '50,0%', 'Uw antwoord']);
    expect(aware).toContain('Niet getoond: de provincie verschilt met minder dan 5 gemeenten van alle respondenten');
    expect(aware).not.toContain('Te weinig respondenten in de provincie');
    expect(html).not.toContain('Provincie Utrecht: aantal');
    expect(html).toMatch(/<dt>Respondenten in Utrecht<\/dt>\s*<dd>5<\/dd>/);
    // Trend: 2019 Nee, 2020 Ja voor specifieke groepen, 2021 this edition.
    expect(cells(aware.slice(aware.indexOf('Uw antwoorden in eerdere edities')))).toEqual([
      'Editie',
      'Uw antwoord',
      'Opmerking',
      '2019',
      'Nee',
      '',
      '2020',
      'Ja, voor specifieke groepen',
      '',
      '2021',
      'Ja, voor alle ouderen',
      'Deze editie',
    ]);
    // Its own text answer, never those of others.
    expect(questionBlock(html, 'NOTE')).toContain('Opmerking Utrecht');
    for (const s of SECRET_TEXTS.filter((x) => x !== 'Opmerking Utrecht')) expect(html).not.toContain(s);
    expect(html).not.toContain('style=');
    // Case of the code does not matter; the advisor of Utrecht sees it too.
    expect((await c.get('/benchmark/2021/gemeenten/gm0344')).statusCode).toBe(200);
    expect((await (await as('adviseur@test.example')).get('/benchmark/2021/gemeenten/GM0344')).statusCode).toBe(200);
  });

  it('answers 404 for another municipality, a merged or unknown code, an unknown or draft edition; 403 without benchmark rights', async () => {
    const c = await as('utrecht@test.example');
    for (const url of [
      '/benchmark/2021/gemeenten/GM0363',
      '/benchmark/2021/gemeenten/GM9998',
      '/benchmark/2021/gemeenten/GM0000',
      '/benchmark/2021/gemeenten/amsterdam',
      '/benchmark/2030/gemeenten/GM0344',
      '/benchmark/2022/gemeenten/GM0344',
    ]) {
      const res = await c.get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.body, url).not.toContain('Uw antwoord');
      for (const s of SECRET_TEXTS) expect(res.body, url).not.toContain(s);
    }
    expect((await (await as('partner@test.example')).get('/benchmark/2021/gemeenten/GM0344')).statusCode).toBe(403);
    // The programme team sees every municipality, drafts included.
    const admin = await as('admin@test.example');
    expect((await admin.get('/benchmark/2021/gemeenten/GM0363')).statusCode).toBe(200);
    expect((await admin.get('/benchmark/2022/gemeenten/GM0344')).statusCode).toBe(200);
  });

  it('suppresses the province distribution when fewer than 5 responded there', async () => {
    // PV27 (Noord-Holland) in 2021: Amsterdam and Aalsmeer submitted (Alkmaar only started).
    const res = await (await as('amsterdam@test.example')).get('/benchmark/2021/gemeenten/GM0363?onderdeel=alle');
    expect(res.statusCode).toBe(200);
    const aware = questionBlock(res.body, 'AWARE');
    expect(aware).toContain('Te weinig respondenten in de provincie om te tonen (minder dan 5).');
    expect(cells(aware).slice(0, 4)).toEqual(['Antwoord', 'Alle gemeenten: aantal', 'Alle gemeenten: %', 'Uw antwoord']);
    expect(res.body).not.toContain('Provincie Noord-Holland: aantal');
    expect(res.body).toMatch(/<dt>Respondenten in Noord-Holland<\/dt>\s*<dd>minder dan 5<\/dd>/);
    // Its own texts only.
    expect(res.body).toContain('Geheim Amsterdam');
    for (const s of ['Opmerking Utrecht', 'Buurtapp', 'Via de buurtapp']) expect(res.body).not.toContain(s);
  });

  it('says when the response was given on behalf of several municipalities', async () => {
    // 2021: Baarn answered for Baarn and Eemnes.
    const res = await (await as('eemnes@test.example')).get('/benchmark/2021/gemeenten/GM0317?onderdeel=alle');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Beantwoord door Baarn namens Baarn en Eemnes.');
    expect(questionBlock(res.body, 'AWARE')).toContain('<strong>Uw antwoord:</strong> Ja, voor specifieke groepen');
  });
});

describe('municipality dashboard: what a municipality may not work out (fixture 2031–2034)', () => {
  beforeAll(async () => {
    await createDifferencingFixture(t.db);
    const m = await municipalityIds(t.db, [DIFF_CODES.G[0]]);
    await createUser(t.db, 'groningen@test.example', [{ role: 'municipality_coordinator', municipalityId: m[DIFF_CODES.G[0]] }]);
  });

  it('shows the province where it differs from all respondents by 5 or more, says why it is withheld elsewhere, and no lowest/highest number', async () => {
    const res = await (await as('groningen@test.example')).get('/benchmark/2033/gemeenten/GM0014?onderdeel=alle');
    expect(res.statusCode).toBe(200);
    const html = res.body;
    expect(html).toMatch(/<dt>Respondenten in Nederland<\/dt>\s*<dd>11<\/dd>/);
    expect(html).toMatch(/<dt>Respondenten in Groningen<\/dt>\s*<dd>6<\/dd>/);
    // WEEK 2033: yes 6 of 11 nationally; in Groningen (G1–G6) 4 of 6. Groningen (the municipality) answered yes.
    const week = cells(questionBlock(html, 'WEEK'));
    expect(week.slice(0, 6)).toEqual(['Antwoord', 'Alle gemeenten: aantal', 'Alle gemeenten: %', 'Provincie Groningen: aantal', 'Provincie Groningen: %', 'Uw antwoord']);
    expect(week.slice(6, 12)).toEqual(['Ja', '6', '54,5%', '4', '66,7%', 'Uw antwoord']);
    // SUPPORT: 7 answered, 6 in Groningen: the province is withheld, with the reason.
    const support = questionBlock(html, 'SUPPORT');
    expect(support).toContain('Niet getoond: de provincie verschilt met minder dan 5 gemeenten van alle respondenten');
    expect(cells(support).slice(0, 4)).toEqual(['Antwoord', 'Alle gemeenten: aantal', 'Alle gemeenten: %', 'Uw antwoord']);
    // ROLES: the province row "Welzijnsorganisaties" (8 vs 6) is withheld, the others are shown.
    const roles = cells(questionBlock(html, 'ROLES'));
    expect(roles.slice(roles.indexOf('Welzijnsorganisaties (Provincie Groningen)'), roles.indexOf('Welzijnsorganisaties (Provincie Groningen)') + 6)).toEqual([
      'Welzijnsorganisaties (Provincie Groningen)',
      '–',
      '–',
      '–',
      '–',
      'niet getoond',
    ]);
    // HOURS: mean 142 / 7 = 20,3 and median 8 of all; no lowest or highest; the province's numbers (6 of 7) withheld.
    const hours = questionBlock(html, 'HOURS');
    expect(cells(hours)).toEqual(['Reeks', 'n', 'Gemiddelde', 'Mediaan', 'Alle gemeenten', '7', '20,3', '8', 'Provincie Groningen', 'niet getoond', '–', '–']);
    expect(hours).not.toContain('Laagste');
    expect(hours).not.toContain('100');
    expect(hours).toContain('Gemiddelde en mediaan worden niet getoond bij minder dan 5 ingevulde getallen');
    expect(html).not.toContain('style=');
  });

  it('before publication: own answers and trend, and the message that the comparison follows publication', async () => {
    const res = await (await as('groningen@test.example')).get('/benchmark/2034/gemeenten/GM0014?onderdeel=alle');
    expect(res.statusCode).toBe(200);
    const html = res.body;
    expect(h1Count(html)).toBe(1);
    expect(html).toContain('Editie 2034 is nog niet gepubliceerd. De vergelijking met andere gemeenten verschijnt na de publicatie van de resultaten.');
    const week = questionBlock(html, 'WEEK');
    expect(week).toContain('<strong>Uw antwoord:</strong> Ja');
    expect(week).toContain('De vergelijking met andere gemeenten verschijnt na de publicatie van de resultaten.');
    expect(week).not.toContain('Te weinig respondenten');
    // No distribution anywhere; the trend of the own answers is there.
    expect(html).not.toContain('Alle gemeenten: aantal');
    expect(html).not.toContain('role="img"');
    expect(cells(week.slice(week.indexOf('Uw antwoorden in eerdere edities')))).toEqual([
      'Editie',
      'Uw antwoord',
      'Opmerking',
      '2031',
      'Ja',
      '',
      '2032',
      'Ja',
      '',
      '2033',
      'Ja',
      '',
      '2034',
      'Ja',
      'Deze editie',
    ]);
    expect(questionBlock(html, 'HOURS')).toContain('<strong>Uw antwoord:</strong> 7 uur');
  });
});
