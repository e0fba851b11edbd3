import { inflateSync } from 'node:zlib';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createUser, seedReference, TestClient, type TestApp } from '../../../test/helpers/app.js';
import { addResponse, createSmallEdition, smallDefinition } from '../../../test/helpers/benchmark.js';
import { createDifferencingFixture, DIFF_CODES, municipalityIds, setEditionStatus, type DifferencingFixture } from '../../../test/helpers/benchmark-results.js';
import { lastAudit, municipalityId } from '../../../test/helpers/registry.js';
import { auditLog } from '../../platform/db/schema.js';
import type { Db } from '../../platform/db/index.js';
import { newInvitationToken } from './links.js';
import { loadPdfKit, pdfText, PdfWriter } from './pdf.js';
import { benchmarkEditions, benchmarkInvitationMunicipalities, benchmarkInvitations } from './schema.js';
import { allQuestions, createResponse, loadQuestionnaire, saveAnswers, type Edition } from './service.js';

/**
 * The benchmark PDFs: national report, factsheet and the respondent's copy. Text is read back
 * from the PDF (content streams inflated, WinAnsi decoded) and checked against hand-computed
 * figures of the responses below.
 *
 * 2020 (published), submitted: Amsterdam, Aalsmeer, Alkmaar, Bergen (NH), Beverwijk (all
 * Noord-Holland) and Utrecht; Blaricum only started. WEEK: yes 4, no 2 (n = 6) → 66,7% / 33,3%.
 * Noord-Holland: yes 4 of 5 → 80,0%. 2019 (published, imported): Amsterdam no, Aalsmeer yes,
 * Alkmaar yes, Groningen yes → 75,0% yes (n = 4). Panel (2019 and 2020): Amsterdam, Aalsmeer,
 * Alkmaar → 2020*: yes 2 of 3 (66,7%), 2019*: yes 2 of 3 (66,7%).
 */

/** The text shown by a PDF: every TJ string of every (inflated) content stream, in order. */
function textOf(buf: Buffer): string {
  const s = buf.toString('latin1');
  const out: string[] = [];
  // WinAnsi is Latin-1 except 0x80–0x9F (TextDecoder's windows-1252 is Latin-1 on some Node builds).
  const cp1252 = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';
  const decode = (bytes: Buffer) => [...bytes].map((b) => (b >= 0x80 && b <= 0x9f ? cp1252[b - 0x80] : String.fromCharCode(b))).join('');
  for (const m of s.matchAll(/stream\r?\n/g)) {
    const start = m.index! + m[0].length;
    const end = s.indexOf('endstream', start);
    let data = buf.subarray(start, end);
    try {
      data = inflateSync(data);
    } catch {
      /* not compressed */
    }
    for (const tj of data.toString('latin1').matchAll(/\[((?:<[0-9a-fA-F]*>|[-\d.\s])*)\]\s*TJ/g)) {
      const hex = [...tj[1]!.matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => h[1]).join('');
      out.push(decode(Buffer.from(hex, 'hex')));
    }
  }
  return out.join(' ').replace(/\s+/g, ' ');
}

let t: TestApp;
let e2019: Edition;
let e2020: Edition;
let e2021: Edition;
let eOpen: Edition;
let respondentToken: string;
let revokedToken: string;
let closedToken: string;
let respondentInvitation: number;

async function invite(db: Db, edition: Edition, codes: string[], o: { sent?: boolean; revoked?: boolean } = {}) {
  const tok = newInvitationToken(t.ctx.cipher);
  const [inv] = await db
    .insert(benchmarkInvitations)
    .values({
      editionId: edition.id,
      municipalityId: await municipalityId(db, codes[0]!),
      contactEmail: `contact-${codes[0]}-${edition.year}@example.nl`,
      tokenHash: tok.tokenHash,
      tokenEncrypted: tok.tokenEncrypted,
      sentAt: o.sent === false ? null : new Date(),
      revokedAt: o.revoked ? new Date() : null,
    })
    .returning();
  for (const [i, c] of codes.entries()) await db.insert(benchmarkInvitationMunicipalities).values({ invitationId: inv!.id, municipalityId: await municipalityId(db, c), position: i });
  return { id: inv!.id, token: tok.token };
}

const publish = (db: Db, e: Edition) => db.update(benchmarkEditions).set({ status: 'published', publishedAt: new Date('2021-03-01T10:00:00Z') }).where(eq(benchmarkEditions.id, e.id));

beforeAll(async () => {
  t = await createTestApp();
  const db = t.db;
  await seedReference(db);
  e2019 = await createSmallEdition(db, { year: 2019, status: 'closed', imported: true });
  await publish(db, e2019);
  e2020 = await createSmallEdition(db, { year: 2020, status: 'closed', opensOn: '2020-09-01', closesOn: '2020-10-31' });
  await publish(db, e2020);
  e2021 = await createSmallEdition(db, { year: 2021, status: 'closed' });
  await createSmallEdition(db, { year: 2022, status: 'draft' });
  eOpen = await createSmallEdition(db, { year: 2023, status: 'open' });

  const roles = { GEM: 'KAR', WELZ: 'ACT', BANK: 'NONE' };
  await addResponse(db, e2019, ['GM0363'], { WEEK: 'no', AWARE: 'NO', ROLES: roles });
  await addResponse(db, e2019, ['GM0358'], { WEEK: 'yes', ROLES: roles });
  await addResponse(db, e2019, ['GM0361'], { WEEK: 'yes', ROLES: roles });
  await addResponse(db, e2019, ['GM0014'], { WEEK: 'yes', ROLES: roles });

  await addResponse(db, e2020, ['GM0363'], { WEEK: 'yes', AWARE: 'ALL', SUPPORT: ['MAP', 'WOR'], ROLES: roles, HOURS: 10, NOTE: { text: 'Geheime opmerking Amsterdam' } });
  await addResponse(db, e2020, ['GM0358'], { WEEK: 'yes', AWARE: 'SPEC', SUPPORT: ['MAP'], ROLES: { GEM: 'KAR', WELZ: 'KAR', BANK: 'INF' }, HOURS: 4 });
  await addResponse(db, e2020, ['GM0361'], { WEEK: 'no', AWARE: 'ALL', SUPPORT: ['WOR'], ROLES: { GEM: 'ACT', WELZ: 'ACT', BANK: 'NONE' } });
  await addResponse(db, e2020, ['GM0373'], { WEEK: 'yes', AWARE: 'NO', SUPPORT: ['NONE'], ROLES: { GEM: 'KAR', WELZ: 'INF', BANK: 'NONE' } });
  await addResponse(db, e2020, ['GM0375'], { WEEK: 'yes', AWARE: 'ALL', SUPPORT: ['MAP', 'WOR'], ROLES: roles });
  await addResponse(db, e2020, ['GM0344'], { WEEK: 'no', AWARE: 'dont_know', SUPPORT: { options: ['OTHER'], other: 'Via de huisarts' }, ROLES: roles, NOTE: { text: 'Geheime opmerking Utrecht' } });
  await addResponse(db, e2020, ['GM0376'], { WEEK: 'yes' }, 'in_progress');
  // Invited (sent): 7 in Noord-Holland, 1 in Utrecht; one not sent yet (does not count).
  for (const c of ['GM0363', 'GM0358', 'GM0361', 'GM0373', 'GM0375', 'GM0376', 'GM0377', 'GM0344']) await invite(db, e2020, [c]);
  await invite(db, e2020, ['GM0014'], { sent: false });

  // The respondent: Amsterdam with Amstelveen, in the open edition.
  const inv = await invite(db, eOpen, ['GM0363', 'GM0362']);
  respondentToken = inv.token;
  respondentInvitation = inv.id;
  const questions = allQuestions(await loadQuestionnaire(db, eOpen.id));
  const q = (code: string) => questions.find((x) => x.code === code)!;
  await db.transaction(async (tx) => {
    const r = await createResponse(tx as unknown as Db, {
      editionId: eOpen.id,
      invitationId: inv.id,
      municipalityIds: [await municipalityId(db, 'GM0363'), await municipalityId(db, 'GM0362')],
      status: 'submitted',
      submittedAt: new Date('2023-10-02T09:30:00Z'),
    });
    await saveAnswers(tx as unknown as Db, r.id, [
      { question: q('WEEK'), answer: { kind: 'choice', options: ['yes'] } },
      { question: q('SUPPORT'), answer: { kind: 'choice', options: ['MAP', 'OTHER'], other: 'Eén keer per jaar een buurtfeest' } },
      { question: q('SUPPORT_WHY'), answer: { kind: 'text', value: 'Zie hierboven – ‘met’ “aanhalingstekens” ≥ 2' } },
      { question: q('ROLES'), answer: { kind: 'matrix', rows: { GEM: 'KAR', WELZ: 'INF', BANK: 'NONE' } } },
      { question: q('HOURS'), answer: { kind: 'number', value: 12.5 } },
    ]);
  });
  revokedToken = (await invite(db, eOpen, ['GM0344'], { revoked: true })).token;
  closedToken = (await invite(db, e2021, ['GM0363'])).token;

  const id = (c: string) => municipalityId(db, c);
  await createUser(db, 'admin@test.example', [{ role: 'programme_admin' }]);
  await createUser(db, 'amsterdam@test.example', [{ role: 'municipality_coordinator', municipalityId: await id('GM0363') }]);
  await createUser(db, 'utrecht@test.example', [{ role: 'municipality_coordinator', municipalityId: await id('GM0344') }]);
  await createUser(db, 'adviseur@test.example', [{ role: 'advisor', municipalityId: await id('GM0358') }]);
  await createUser(db, 'partner@test.example', [{ role: 'partner' }]);
}, 120_000);
afterAll(async () => t?.close());

async function as(email: string) {
  const c = new TestClient(t.app);
  await c.login(email);
  return c;
}

function expectPdf(res: { statusCode: number; headers: Record<string, unknown>; rawPayload: Buffer }, filename: RegExp) {
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toBe('application/pdf');
  expect(String(res.headers['content-disposition'])).toMatch(filename);
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
  return textOf(res.rawPayload);
}

const exportsBy = async (actor: string) => t.db.select().from(auditLog).where(and(eq(auditLog.action, 'export'), eq(auditLog.actorLabel, actor)));

describe('PDF building blocks', () => {
  beforeAll(loadPdfKit);
  const sample = () => {
    const pdf = new PdfWriter({ title: 'Eén tegen eenzaamheid – proef', creationDate: new Date('2020-01-01T00:00:00Z') });
    pdf.titleBlock('Eén tegen eenzaamheid', 'Ondertitel met ë en ï', ['Regel']);
    pdf.table(
      [{ header: 'Kolom A' }, { header: 'Kolom B', align: 'right' }],
      Array.from({ length: 120 }, (_, i) => [`Rij ${i + 1}`, String(i)]),
    );
    return pdf.finish();
  };

  it('writes Dutch text in WinAnsi, metadata, repeated table headers and page numbers', async () => {
    const buf = await sample();
    const raw = buf.toString('latin1');
    expect(raw.startsWith('%PDF-1.7')).toBe(true);
    expect(raw).toContain('/Lang (nl-NL)');
    expect(raw).toContain('/DisplayDocTitle true');
    expect(raw).toContain('/StructTreeRoot');
    const text = textOf(buf);
    expect(text).toContain('Eén tegen eenzaamheid');
    expect(text).toContain('Ondertitel met ë en ï');
    expect(text).toContain('Rij 120');
    const pages = Number(/Pagina 1 van (\d+)/.exec(text)?.[1]);
    expect(pages).toBeGreaterThanOrEqual(3);
    // The header row is repeated on every page of the table.
    expect(text.split('Kolom A Kolom B').length - 1).toBe(pages);
    // Deterministic: same input, same bytes.
    expect((await sample()).equals(buf)).toBe(true);
  });

  it('replaces characters the standard fonts cannot show', () => {
    expect(pdfText('Eén “x” – ≥ 5 ✓ ő ł 😀')).toBe('Eén “x” – >= 5 v o l ?');
  });
});

describe('national report', () => {
  it('gives the programme team every figure: edition, comparison, panel, n, notes and the response section', async () => {
    const admin = await as('admin@test.example');
    const res = await admin.get('/benchmark/2020/rapport.pdf');
    const text = expectPdf(res, /attachment; filename="benchmark-2020-landelijk-rapport\.pdf"/);
    expect(text).toContain('Benchmark Eén tegen eenzaamheid 2020');
    expect(text).toContain('Landelijk rapport');
    expect(text).toContain('Vragenlijst open van 1 september 2020 tot en met 31 oktober 2020');
    expect(text).toContain('Vergeleken met de editie 2019');
    // Response: 8 invited (sent), 6 submitted → 75,0%; per province.
    expect(text).toContain('Methode en respons');
    expect(text).toContain('Uitgenodigd: 8');
    expect(text).toContain('Ingevuld en ingediend: 6');
    expect(text).toContain('Respons: 75,0%');
    expect(text).toContain('Panel (ingevuld in 2020 én 2019): 3 gemeenten');
    expect(text).toContain('Noord-Holland 7 1 5 71,4%');
    expect(text).toContain('Utrecht 1 0 1 100,0%');
    expect(text).toContain('Totaal 8 1 6 75,0%');
    // Pillars and questions with chart values and the table.
    expect(text).toContain('Actielijn 1: Signaleren en bespreekbaar maken');
    expect(text).toContain('Pijler 2: Sterk netwerk');
    expect(text).toContain('1. Doet uw gemeente mee aan de Week tegen Eenzaamheid?');
    expect(text).toContain('2020: n = 6; 2019: n = 4; 2020*: n = 3; 2019*: n = 3');
    expect(text).toContain('2020: 66,7% (4)');
    expect(text).toContain('2019: 75,0% (3)');
    expect(text).toContain('2020*: 66,7% (2)');
    expect(text).toContain('2019*: 66,7% (2)');
    expect(text).toContain('Ja 4 (66,7%) 3 (75,0%) 2 (66,7%) 2 (66,7%)');
    expect(text).toContain('Beantwoord door (n) 6 4 3 3');
    expect(text).toContain('* Panel: alleen de gemeenten die in beide edities');
    // Multiple choice: MAP 3 of 6, WOR 3, OTHER 1, NONE 1 (sums to more than 100%).
    expect(text).toContain('Meerdere antwoorden mogelijk');
    expect(text).toContain('Sociale kaart 3 (50,0%)');
    expect(text).toContain('Geen van deze 1 (16,7%)');
    // Matrix: a group per row with its n; number question statistics.
    expect(text).toContain('Gemeente (n = 6 / 4 / 3 / 3)');
    expect(text).toContain('Kartrekker');
    expect(text).toContain('Hoeveel uur per week is er beschikbaar?');
    // Free texts of municipalities are never printed.
    expect(text).not.toContain('Geheime opmerking');
    expect(text).not.toContain('Via de huisarts');
    expect(await lastAudit(t.db, 'export')).toMatchObject({
      actorLabel: 'admin@test.example',
      entity: 'benchmark_edition',
      entityId: String(e2020.id),
      details: expect.objectContaining({ document: 'rapport', format: 'pdf', year: 2020, compareYear: 2019 }),
    });
  });

  it('marks a question changed in this edition as not comparable', async () => {
    const def = smallDefinition(2024);
    def.sections[0]!.questions[0]!.notComparable = true;
    const e2024 = await createSmallEdition(t.db, { year: 2024, status: 'closed' }, def);
    await addResponse(t.db, e2024, ['GM0363'], { WEEK: 'yes', ROLES: { GEM: 'KAR', WELZ: 'ACT', BANK: 'NONE' } });
    const text = textOf((await (await as('admin@test.example')).get('/benchmark/2024/rapport.pdf')).rawPayload);
    expect(text).toContain('Vergeleken met de editie 2023');
    expect(text).toContain('Deze vraag is in deze editie gewijzigd en daarom niet vergeleken met eerdere edities.');
    await t.db.update(benchmarkEditions).set({ deletedAt: new Date() }).where(eq(benchmarkEditions.id, e2024.id));
  });

  it('shows an imported edition with only the number of responses', async () => {
    const text = textOf((await (await as('admin@test.example')).get('/benchmark/2019/rapport.pdf')).rawPayload);
    expect(text).toContain('Deze editie is overgenomen uit een eerder onderzoek');
    expect(text).toContain('Ingevulde vragenlijsten: 4');
    expect(text).not.toContain('Uitgenodigd');
    expect(text).not.toContain('Vergeleken met');
  });

  it('gives coordinators and advisors published editions only, with small groups suppressed', async () => {
    const coord = await as('amsterdam@test.example');
    const text = expectPdf(await coord.get('/benchmark/2020/rapport.pdf'), /benchmark-2020-landelijk-rapport\.pdf/);
    expect(text).toContain('2020 (n = 6) 0% 25% 50% 75% 100% Ja 66,7% (4) Nee 33,3% (2)');
    // 2019 (n = 4) and the panel (n = 3) are below the minimum group size.
    expect(text).toContain('2020: n = 6; 2019: minder dan 5 respondenten; 2020*: minder dan 5 respondenten; 2019*: minder dan 5 respondenten');
    expect(text).not.toContain('2019 (n =');
    expect(text).not.toContain('3 (75,0%)');
    // No panel note under a question whose panel figures are all withheld.
    expect(text).toContain('2019*: minder dan 5 respondenten 2020 (n = 6)');
    expect(text).toContain('Cijfers van minder dan 5 gemeenten worden niet getoond');
    expect(text).not.toContain('Geheime opmerking');
    // Response: the totals, no small group sizes: the panel of 3 and the counts per province (Utrecht 1) are withheld.
    expect(text).toContain('Uitgenodigd: 8');
    expect(text).toContain('Ingevuld en ingediend: 6');
    expect(text).toContain('Panel (ingevuld in 2020 én 2019): minder dan 5 gemeenten');
    expect(text).toContain('De respons per provincie staat alleen in het rapport voor het programmateam');
    expect(text).not.toContain('Utrecht 1 0 1 100,0%');
    expect(text).not.toContain('Noord-Holland 7 1 5 71,4%');
    expect(text).not.toContain('Respons per provincie');

    const before = (await exportsBy('amsterdam@test.example')).length;
    expect((await coord.get('/benchmark/2021/rapport.pdf')).statusCode).toBe(404); // closed, not published
    expect((await coord.get('/benchmark/2022/rapport.pdf')).statusCode).toBe(404); // draft
    expect((await coord.get('/benchmark/1999/rapport.pdf')).statusCode).toBe(404);
    expect((await coord.get('/benchmark/abc/rapport.pdf')).statusCode).toBe(404);
    expect((await exportsBy('amsterdam@test.example')).length).toBe(before);

    expect((await (await as('adviseur@test.example')).get('/benchmark/2020/rapport.pdf')).statusCode).toBe(200);
    const admin = await as('admin@test.example');
    expect((await admin.get('/benchmark/2021/rapport.pdf')).statusCode).toBe(200);
    expect((await admin.get('/benchmark/2022/rapport.pdf')).statusCode).toBe(404);
  });

  it('refuses roles without benchmark access and anonymous visitors', async () => {
    const partner = await as('partner@test.example');
    const res = await partner.get('/benchmark/2020/rapport.pdf');
    expect(res.statusCode).toBe(403);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect((await exportsBy('partner@test.example')).length).toBe(0);
    const anon = await new TestClient(t.app).get('/benchmark/2020/rapport.pdf');
    expect(anon.statusCode).toBe(302);
    expect(anon.headers.location).toMatch(/^\/inloggen/);
  });
});

describe('municipality factsheet', () => {
  it("shows the municipality's own answers next to all respondents and its province, with the trend", async () => {
    const coord = await as('amsterdam@test.example');
    const res = await coord.get('/benchmark/2020/gemeenten/GM0363/factsheet.pdf');
    const text = expectPdf(res, /attachment; filename="benchmark-2020-factsheet-GM0363\.pdf"/);
    expect(text).toContain('Factsheet benchmark 2020');
    expect(text).toContain('Amsterdam (GM0363)');
    expect(text).toContain('Provincie Noord-Holland');
    expect(text).toContain('Vergeleken met 6 gemeenten landelijk en 5 in Noord-Holland');
    expect(text).toContain('Doet uw gemeente mee aan de Week tegen Eenzaamheid?');
    expect(text).toContain('Antwoord Amsterdam: Ja');
    expect(text).toContain('Eerdere edities: 2019: Nee');
    // Noord-Holland has 5 of the 6: 6 − 5 = 1 (Utrecht) would be revealed by subtraction, so the
    // province figures are withheld (the programme team's full figures: yes 4 of 5 = 80,0%).
    expect(text).toContain('Alle gemeenten: n = 6; Noord-Holland: niet getoond (verschilt met minder dan 5 gemeenten van alle respondenten)');
    expect(text).toContain('Provincie Noord-Holland: Niet getoond: de provincie verschilt met minder dan 5 gemeenten van alle respondenten');
    expect(text).toContain('Ja (uw antwoord) 4 (66,7%) Nee 2 (33,3%) Beantwoord door (n) 6');
    expect(text).not.toContain('80,0%');
    expect(text).toContain('Ja (uw antwoord)');
    expect(text).toContain('Uw antwoord');
    // Its own free text is shown; nobody else's.
    expect(text).toContain('Geheime opmerking Amsterdam');
    expect(text).not.toContain('Geheime opmerking Utrecht');
    expect(text).not.toContain('Via de huisarts');
    expect(await lastAudit(t.db, 'export')).toMatchObject({
      actorLabel: 'amsterdam@test.example',
      entity: 'benchmark_edition',
      details: expect.objectContaining({ document: 'factsheet', municipality: 'GM0363', year: 2020 }),
    });
  });

  it('says so when the province group is too small', async () => {
    const text = textOf((await (await as('utrecht@test.example')).get('/benchmark/2020/gemeenten/GM0344/factsheet.pdf')).rawPayload);
    expect(text).toContain('Utrecht (GM0344)');
    expect(text).toContain('Provincie Utrecht: te weinig respondenten om te tonen (minder dan 5).');
    expect(text).toContain('Alle gemeenten (n = 6) 0% 25% 50% 75% 100% Ja 66,7% (4) Nee Uw antwoord 33,3% (2)');
    expect(text).toContain('Nee (uw antwoord) 2 (33,3%)');
    expect(text).not.toContain('Utrecht (n =');
    expect(text).not.toContain('Geheime opmerking Amsterdam');
  });

  it('answers 404 outside the scope, for unknown municipalities and draft editions', async () => {
    const coord = await as('amsterdam@test.example');
    const before = (await exportsBy('amsterdam@test.example')).length;
    for (const url of [
      '/benchmark/2020/gemeenten/GM0344/factsheet.pdf', // another municipality
      '/benchmark/2020/gemeenten/GM9999/factsheet.pdf',
      '/benchmark/2020/gemeenten/onzin/factsheet.pdf',
      '/benchmark/2022/gemeenten/GM0363/factsheet.pdf', // draft
    ]) {
      const res = await coord.get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.body, url).not.toContain('Utrecht (GM0344)');
    }
    expect((await exportsBy('amsterdam@test.example')).length).toBe(before);
    // Like the dashboard: a closed (not yet published) edition is there for the municipality itself.
    expect((await coord.get('/benchmark/2021/gemeenten/GM0363/factsheet.pdf')).statusCode).toBe(200);
    // The advisor of Aalsmeer sees Aalsmeer only; the partner nothing.
    expect((await (await as('adviseur@test.example')).get('/benchmark/2020/gemeenten/GM0358/factsheet.pdf')).statusCode).toBe(200);
    expect((await (await as('adviseur@test.example')).get('/benchmark/2020/gemeenten/GM0363/factsheet.pdf')).statusCode).toBe(404);
    expect((await (await as('partner@test.example')).get('/benchmark/2020/gemeenten/GM0363/factsheet.pdf')).statusCode).toBe(404);
    // The programme team: any municipality, also for a closed edition.
    const admin = await as('admin@test.example');
    const text = expectPdf(await admin.get('/benchmark/2021/gemeenten/GM0344/factsheet.pdf'), /factsheet-GM0344/);
    expect(text).toContain('Voor Utrecht is in deze editie geen vragenlijst ingevuld.');
  });
});

describe("the respondent's copy", () => {
  it('gives the answers of an open link as a PDF, audited', async () => {
    const res = await new TestClient(t.app).get(`/vragenlijst/${respondentToken}/antwoorden.pdf`);
    const text = expectPdf(res, /attachment; filename="benchmark-2023-antwoorden-GM0363\.pdf"/);
    expect(res.headers['x-robots-tag']).toBe('noindex, nofollow');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(text).toContain('Uw antwoorden');
    expect(text).toContain('Benchmark 2023');
    expect(text).toContain('Gemeente: Amsterdam');
    expect(text).toContain('Ook namens: Amstelveen');
    expect(text).toContain('Ingediend op 2 oktober 2023 om 11:30');
    expect(text).toContain('1. Signaleren');
    expect(text).toContain('Doet uw gemeente mee aan de Week tegen Eenzaamheid? Ja');
    expect(text).toContain('Sociale kaart; Anders, namelijk: Eén keer per jaar een buurtfeest');
    expect(text).toContain('Zie hierboven – ‘met’ “aanhalingstekens” >= 2');
    expect(text).toContain('Gemeente Kartrekker');
    expect(text).toContain('Welzijnsorganisaties Wordt op de hoogte gehouden');
    expect(text).toContain('12,5 uur');
    expect(text).toContain('Opmerkingen Niet beantwoord');
    expect(await lastAudit(t.db, 'export')).toMatchObject({
      actorLabel: `respondent uitnodiging #${respondentInvitation}`,
      entity: 'benchmark_response',
      details: expect.objectContaining({ document: 'antwoorden', format: 'pdf', year: 2023 }),
    });
  });

  it('shows a clear page and no answers for a wrong, revoked or closed link', async () => {
    const c = new TestClient(t.app);
    const before = (await t.db.select().from(auditLog).where(eq(auditLog.action, 'export'))).length;
    const cases: [string, number, string][] = [
      ['x'.repeat(43), 404, 'Link niet geldig'],
      ['kort', 404, 'Link niet geldig'],
      [revokedToken, 404, 'Link niet meer geldig'],
      [closedToken, 410, 'Vragenlijst gesloten'],
    ];
    for (const [token, status, title] of cases) {
      const res = await c.get(`/vragenlijst/${token}/antwoorden.pdf`);
      expect(res.statusCode, title).toBe(status);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.body).toContain(title);
      expect(res.body).not.toContain('Amsterdam');
    }
    expect((await t.db.select().from(auditLog).where(eq(auditLog.action, 'export'))).length).toBe(before);
  });
});

describe('PDFs for restricted viewers: nothing to subtract, no min/max, nothing before publication (fixture 2031–2034)', () => {
  let d: DifferencingFixture;
  beforeAll(async () => {
    d = await createDifferencingFixture(t.db);
    const m = await municipalityIds(t.db, [DIFF_CODES.G[0]]);
    await createUser(t.db, 'groningen@test.example', [{ role: 'municipality_coordinator', municipalityId: m[DIFF_CODES.G[0]] }]);
  });

  it("the coordinator's national report withholds panel figures that differ from all respondents by 1 to 4, and min/max", async () => {
    // 2033 compared with 2032 (the previous published edition); panel G1–G6, F1, F2 (8):
    // 2033 has 11 (11 − 8 = 3: withheld), 2032 had exactly the 8 (difference 0: shown).
    const coord = await as('groningen@test.example');
    const text = expectPdf(await coord.get('/benchmark/2033/rapport.pdf'), /benchmark-2033-landelijk-rapport\.pdf/);
    expect(text).toContain('Panel (ingevuld in 2033 én 2032): 8 gemeenten');
    expect(text).toContain('2033: n = 11; 2032: n = 8; 2033*: niet getoond (verschilt met minder dan 5 gemeenten van alle respondenten); 2032*: n = 8');
    expect(text).toContain('Panelcijfers (*): Niet getoond: het panel verschilt met minder dan 5 gemeenten van alle respondenten');
    // WEEK: 2033 yes 6 of 11; 2032 yes 6 of 8; 2032* the same 8.
    expect(text).toContain('Ja 6 (54,5%) 6 (75,0%) 6 (75,0%)');
    expect(text).not.toContain('2033*: 75,0% (6)');
    // SUPPORT: the 7 who answered in 2033 are all in the panel (difference 0): shown.
    expect(text).toContain('Sociale kaart 2033: 85,7% (6) 2033*: 85,7% (6)');
    // HOURS: 2033 mean 20,3 and median 8 of 7 numbers; 2032 only 3 numbers; never min and max.
    expect(text).toContain('Reeks n Gemiddelde Mediaan 2033 7 20,3 8 2032 <5 – –');
    expect(text).not.toContain('Laagste');
    expect(text).toContain('Gemiddelde en mediaan worden niet getoond bij minder dan 5 ingevulde getallen');
    // The programme team's report has the panel, the lowest and highest number.
    const full = textOf((await (await as('admin@test.example')).get('/benchmark/2033/rapport.pdf')).rawPayload);
    expect(full).toContain('2033: n = 11; 2032: n = 8; 2033*: n = 8; 2032*: n = 8');
    expect(full).toContain('Laagste');
    expect(full).toContain('2033 7 20,3 8 2 100');
  });

  it('the report notes a question changed in an edition between the two compared', async () => {
    // With 2032 not published, a coordinator's 2033 report compares with 2031; AWARE was marked in 2032.
    await setEditionStatus(t.db, d.e2032, 'closed');
    try {
      const text = textOf((await (await as('groningen@test.example')).get('/benchmark/2033/rapport.pdf')).rawPayload);
      expect(text).toContain('Vergeleken met de editie 2031');
      expect(text).toContain('Deze vraag is na 2031 gewijzigd en daarom niet vergeleken met 2031.');
    } finally {
      await setEditionStatus(t.db, d.e2032, 'published');
    }
  });

  it("the factsheet: the province where allowed, no min/max; before publication only the municipality's own answers", async () => {
    const coord = await as('groningen@test.example');
    const text = expectPdf(await coord.get('/benchmark/2033/gemeenten/GM0014/factsheet.pdf'), /factsheet-GM0014/);
    expect(text).toContain('Vergeleken met 11 gemeenten landelijk en 6 in Groningen');
    // WEEK: yes 6 of 11 nationally, 4 of 6 in Groningen.
    expect(text).toContain('Alle gemeenten: 54,5% (6)');
    expect(text).toContain('Groningen: 66,7% (4)');
    expect(text).not.toContain('Laagste');
    const open = expectPdf(await coord.get('/benchmark/2034/gemeenten/GM0014/factsheet.pdf'), /factsheet-GM0014/);
    expect(open).toContain('Editie 2034 is nog niet gepubliceerd. De vergelijking met andere gemeenten verschijnt na de publicatie van de resultaten.');
    expect(open).toContain('Antwoord Groningen: Ja');
    // (2019: the response of Groningen in this file's own 2019 edition.)
    expect(open).toContain('Eerdere edities: 2019: Ja; 2031: Ja; 2032: Ja; 2033: Ja');
    expect(open).not.toContain('Vergeleken met');
    expect(open).not.toContain('Alle gemeenten: n =');
    expect(open).not.toMatch(/\d+,\d%/);
  });
});
