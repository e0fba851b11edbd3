import type { Browser, Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ADMIN, launchBrowser, Session } from './browser.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

const MAIN_NAV = 'nav[aria-label="Hoofdmenu"]';
const UTRECHT_CONTACT = 'eenzaamheid@utrecht.example.nl';
const COORDINATOR_UTRECHT = 'coordinator@demo.example';
/** The questionnaire of 2021 is a copy of 2020's: nine pages. */
const PAGES = 9;
const SHORT_TEXT = 'Meer vrijwilligers vinden';
const NUMBER = '12';

const stepOf = async (s: Session) => (await s.page.locator('#stappen-titel').innerText()).trim();

/**
 * Answers every question shown on the current questionnaire page the way a hurried respondent
 * would: the first option of each choice (also per matrix row), the first ordinary checkbox,
 * a number, a short text. Questions are filled in page order, so a condition that an earlier
 * answer switches on (app.js shows the question) is seen in time.
 */
async function answerShownQuestions(s: Session, upTo = Infinity): Promise<number> {
  const questions = s.page.locator('form .bm-question');
  const count = Math.min(await questions.count(), upTo);
  for (let i = 0; i < count; i++) {
    const q = questions.nth(i);
    if (!(await q.isVisible())) continue;
    await answerQuestion(q);
  }
  return count;
}

async function answerQuestion(q: Locator): Promise<void> {
  if (await q.locator('table').count()) {
    const rows = q.locator('tbody tr');
    for (let r = 0; r < (await rows.count()); r++) await rows.nth(r).locator('input[type=radio]').first().check();
    return;
  }
  const radios = q.locator('input[type=radio]');
  if (await radios.count()) return radios.first().check();
  const boxes = q.locator('input[type=checkbox]:not([data-exclusive]):not([name$="_dk"])');
  if (await boxes.count()) return boxes.first().check();
  const number = q.locator('input[inputmode=decimal]');
  if (await number.count()) return number.fill(NUMBER);
  const textarea = q.locator('textarea');
  if (await textarea.count()) return textarea.fill('Een toelichting van de gemeente.');
  const text = q.locator('input[type=text]');
  if (await text.count()) return text.first().fill(SHORT_TEXT);
}

/**
 * The "tried as a new user would" journey of the benchmark (issue 3): the programme admin sends
 * the 2021 invitations, Utrecht's contact fills in half the questionnaire through the personal
 * link, closes the browser, comes back, finishes and sees the municipality's dashboard; the
 * coordinator of Utrecht sees their own answers and nothing of another municipality, neither by
 * URL nor through the API; the programme team sees the national results and the response.
 */
describe('benchmark: from invitation to the municipality dashboard', () => {
  it('an invited contact fills in half, resumes after closing the browser, submits and sees the dashboard; a coordinator sees only their own', { timeout: 150_000 }, async () => {
    // ----- 1. The programme admin sends the 2021 invitations and finds Utrecht's link in the outbox.
    const admin = await Session.open(browser);
    await admin.login(DEMO_ADMIN);
    await admin.clickLink('Benchmark', { exact: true, within: MAIN_NAV });
    expect(await admin.h1()).toBe('Benchmark Eén tegen eenzaamheid');
    await admin.clickLink('Uitnodigingen (2021)', { exact: true, within: 'table' });
    expect(admin.path()).toMatch(/^\/benchmark\/edities\/\d+\/uitnodigingen$/);
    const editionPath = admin.path().replace(/\/uitnodigingen$/, '');
    await admin.clickButton(/^Niet verstuurde uitnodigingen versturen \(\d+\)$/);
    expect(admin.path()).toBe(`${editionPath}/uitnodigingen`);
    expect(await admin.page.getByRole('status').first().innerText()).toMatch(/\d+ uitnodigingen zijn verstuurd/);

    await admin.clickLink('Verzonden e-mail', { within: MAIN_NAV });
    await admin.page.getByLabel(/^Aan/).fill(UTRECHT_CONTACT);
    await admin.clickButton('Filteren');
    await admin.clickLink(/^Uitnodiging: Benchmark Eén tegen eenzaamheid 2021/, { within: 'table' });
    const mail = await admin.page.locator('main').innerText();
    expect(mail).toContain(UTRECHT_CONTACT);
    expect(mail).toMatch(/helpdesk/i);
    expect(mail).toMatch(/Mail de helpdesk van Eén tegen eenzaamheid: \S+@\S+/);
    const hrefs = await admin.page.locator('main a[href*="/vragenlijst/"]').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
    const link = hrefs.find((h) => /\/vragenlijst\/[\w-]+$/.test(h));
    expect(link, `personal link in ${hrefs.join(', ')}`).toBeTruthy();
    const personal = new URL(link!).pathname;
    expect(hrefs).toContain(`${link}/afmelden`);
    // The admin's browser stays open for step 5.

    // ----- 2. The contact (no account) fills in about half, saves and closes the browser.
    const first = await Session.open(browser);
    await first.visit(personal);
    expect(await first.h1()).toBe('Benchmark Eén tegen eenzaamheid 2021');
    expect(await first.page.locator('main').innerText()).toContain('U vult de vragenlijst in voor Utrecht');
    await first.clickLink('Beginnen', { exact: true });
    expect(first.path()).toBe(`${personal}/pagina/1`);
    expect(await stepOf(first)).toBe(`Stap 1 van ${PAGES}`);
    // "Volgende" without answers: the page comes back with the errors, nothing is lost.
    await first.clickButton('Volgende', 422);
    const summary = first.page.locator('#foutoverzicht');
    expect(await summary.isVisible()).toBe(true);
    expect(await summary.getByRole('link').count()).toBeGreaterThan(0);
    expect(await first.page.title()).toMatch(/^Fout: /);
    // The first error links to its question.
    const firstError = (await summary.getByRole('link').first().getAttribute('href'))!;
    expect(await first.page.locator(firstError).count()).toBe(1);
    for (let n = 1; n <= 4; n++) {
      expect(await stepOf(first)).toBe(`Stap ${n} van ${PAGES}`);
      await answerShownQuestions(first);
      await first.clickButton('Volgende', 200);
      expect(first.path()).toBe(`${personal}/pagina/${n + 1}`);
    }
    // Page 5: one answer, then "save and continue later".
    expect(await stepOf(first)).toBe(`Stap 5 van ${PAGES}`);
    await answerShownQuestions(first, 1);
    const page5First = first.page.locator('form .bm-question').first().locator('input[type=radio]').first();
    const page5Code = await page5First.getAttribute('value');
    await first.clickButton('Opslaan en later verdergaan', 200);
    expect(first.path()).toBe(personal);
    expect(await first.page.getByRole('status').first().innerText()).toContain('Uw antwoorden zijn opgeslagen');
    await first.done(); // closes the browser context: cookies and all are gone

    // ----- 3. A new browser: the link resumes where they stopped, with the answers kept.
    const resp = await Session.open(browser);
    await resp.visit(personal);
    const overview = await resp.page.locator('.bm-overview').innerText();
    expect(overview).toMatch(/Signaleren en bespreekbaar maken — Ingevuld/);
    expect(overview).toMatch(/Betrokkenheid van ouderen — Deels ingevuld/);
    await resp.clickLink('Verdergaan waar u was', { exact: true });
    expect(resp.path()).toBe(`${personal}/pagina/5`);
    expect(await resp.page.locator('form .bm-question').first().locator(`input[type=radio][value="${page5Code}"]`).isChecked()).toBe(true);
    // Back one page: page 4's answers are there.
    await resp.clickButton('Vorige', 200);
    expect(resp.path()).toBe(`${personal}/pagina/4`);
    expect(await resp.page.locator('input[name="q_COALITIE_FASE"]').first().isChecked()).toBe(true);
    expect(await resp.page.locator('input[name="q_COALITIE_PARTNERS"]').inputValue()).toBe(NUMBER);
    await resp.clickButton('Volgende', 200);
    for (let n = 5; n <= PAGES; n++) {
      expect(resp.path()).toBe(`${personal}/pagina/${n}`);
      await answerShownQuestions(resp);
      await resp.clickButton(n === PAGES ? 'Naar overzicht' : 'Volgende', 200);
    }
    expect(resp.path()).toBe(`${personal}/samenvatting`);
    expect(await resp.h1()).toBe('Controleren en indienen');
    const answers = await resp.page.locator('main').innerText();
    expect(answers).not.toContain('Nog niet beantwoord');
    expect(answers).toContain(SHORT_TEXT);
    await resp.clickButton('Vragenlijst indienen', 200);
    expect(resp.path()).toBe(`${personal}/ingediend`);
    expect(await resp.h1()).toBe('Bedankt voor het invullen');

    await resp.clickLink('Uw antwoorden bekijken, afdrukken of opslaan als pdf');
    expect(resp.path()).toBe(`${personal}/antwoorden`);
    expect(await resp.page.locator('main').innerText()).toContain(SHORT_TEXT);
    const pdfHref = (await resp.page.getByRole('link', { name: 'Download uw antwoorden als pdf-bestand' }).getAttribute('href'))!;
    const pdf = await resp.page.request.get(pdfHref);
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toMatch(/^application\/pdf/);
    expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');
    await resp.clickLink('Terug', { exact: true });
    expect(resp.path()).toBe(`${personal}/ingediend`);

    await resp.clickLink(/^De uitkomsten van Utrecht/);
    expect(resp.path()).toBe(`${personal}/dashboard`);
    expect(await resp.h1()).toBe('Benchmark 2021: Utrecht');
    expect(await resp.page.locator('main').innerText()).toContain('Uw antwoord');
    // A mistyped link: a clear page, nothing of anyone's answers.
    await resp.visit(`${personal.slice(0, -4)}xxxx`, 404);
    expect(await resp.h1()).toBe('Link niet geldig');
    expect(await resp.page.locator('main').innerText()).not.toContain('Utrecht');
    await resp.done();

    // ----- 4. The coordinator of Utrecht: their own answers, and nothing of Amsterdam.
    const coord = await Session.open(browser);
    await coord.login(COORDINATOR_UTRECHT);
    await coord.clickLink('Benchmark', { exact: true, within: MAIN_NAV });
    await coord.clickLink('Dashboard Utrecht 2021', { exact: true });
    expect(coord.path()).toBe('/benchmark/2021/gemeenten/GM0344');
    expect(await coord.page.locator('main').innerText()).toContain('Uw antwoord');
    // One part per page: the closing questions (with the short text) are under "Overig".
    await coord.clickLink('Overig', { exact: true, within: 'nav[aria-label="Onderdelen van de resultaten"]' });
    expect(coord.path()).toBe('/benchmark/2021/gemeenten/GM0344?onderdeel=overig');
    const dashboard = await coord.page.locator('main').innerText();
    expect(dashboard).toContain('Uw antwoord');
    expect(dashboard).toContain(SHORT_TEXT);
    // Another municipality by changing the URL: not found, nothing of it shown.
    await coord.visit('/benchmark/2020/gemeenten/GM0363', 404);
    expect(await coord.page.locator('main').innerText()).not.toContain('Amsterdam');
    // ...nor through the API in the same session.
    const api = await coord.page.request.get('/api/v1/benchmark/editions/2020/municipalities/GM0363/results');
    expect(api.status()).toBe(404);
    expect(api.headers()['content-type']).toMatch(/^application\/json/);
    const body = (await api.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).not.toContain('questions');
    expect(JSON.stringify(body)).not.toMatch(/Amsterdam|GM0363.*answer/);
    const own = await coord.page.request.get('/api/v1/benchmark/editions/2020/municipalities/GM0344/results');
    expect(own.status()).toBe(200);
    // The national results are for the programme team.
    await coord.visit('/benchmark/2020/resultaten', 403);
    await coord.done();

    // ----- 5. The programme team: national results with the panel, and the response monitor.
    const team = admin;
    await team.clickLink('Benchmark', { exact: true, within: MAIN_NAV });
    await team.clickLink('Landelijke resultaten 2020', { exact: true, within: 'table' });
    expect(team.path()).toBe('/benchmark/2020/resultaten');
    await team.page.getByLabel('Vergelijken met editie').selectOption('2019');
    await team.page.getByLabel('Panel tonen (*)').selectOption('true');
    await team.clickButton('Filteren', 200);
    expect(team.path()).toMatch(/^\/benchmark\/2020\/resultaten\?.*panel=true/);
    const national = await team.page.locator('main').innerText();
    expect(national).toMatch(/Cijfers met \* gaan over het panel: de 43 gemeenten/);
    // Panel figures: the series "2020*" and "2019*" in the charts' data tables.
    expect(await team.page.locator('main table th', { hasText: /^\s*2020\*: %\s*$/ }).count()).toBeGreaterThan(0);
    expect(await team.page.locator('main table th', { hasText: /^\s*2019\*: %\s*$/ }).count()).toBeGreaterThan(0);
    expect(await team.page.locator('svg[aria-labelledby^="responskaart-title"]').count()).toBe(1);
    expect(await team.page.locator('table').filter({ has: team.page.locator('caption', { hasText: 'cijfers per provincie' }) }).count()).toBe(1);

    await team.visit(`${editionPath}/respons`);
    const utrechtRow = team.page.locator('table tbody tr').filter({ has: team.page.locator('td:first-child', { hasText: /^Utrecht$/ }) });
    expect(await utrechtRow.locator('td').nth(3).innerText()).toBe('1');
    await team.visit(`${editionPath}/uitnodigingen?q=GM0344`);
    const row = await team.page.locator('table tbody tr').first().innerText();
    expect(row).toContain(UTRECHT_CONTACT);
    expect(row).toContain('Ingevuld');
    await team.done();
  });
});
