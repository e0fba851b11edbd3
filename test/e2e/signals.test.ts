import fs from 'node:fs';
import type { Browser, BrowserContextOptions } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTable } from '../../src/platform/tabular.js';
import { DEMO_ADMIN, DEMO_PASSWORD, launchBrowser, Session } from './browser.js';
import { freePort, serverEnv, spawnCli, tempDir, waitForOk, type ServerProcess } from './process.js';

/**
 * The "done when" journey of the signal point (issue 4), in Chromium with axe on every page:
 * a coordinator checks Utrecht's routing, a pharmacist passes on a worry on the public form, the
 * social worker picks it up, tries to reach the person and closes it; the feedback mail is in the
 * outbox without anything about the person; staff of another organisation and the programme
 * admin never see the signal; after the retention term (simulated clock: the CLI
 * `signals-retention --now=…`) the personal data is gone and the statistics still count it.
 *
 * The retention CLI needs the database, which the embedded PostgreSQL of a running server keeps
 * to itself: this journey therefore runs its OWN server on its own DATA_DIR (the shared e2e
 * server cannot be stopped by a test), stops it, runs the CLI on the same DATA_DIR and starts
 * the server again on the same port — which also shows that everything survives a restart.
 */

const COORDINATOR = 'coordinator@demo.example';
const WORKER = 'sociaalwerker@demo.example';
const MAIN_NAV = 'nav[aria-label="Hoofdmenu"]';
const SIGNAL_POINT = 'Signaalpunt tegen eenzaamheid Utrecht';

// What the pharmacist types. Unique per run so no assertion can pass on demo data.
const RUN = Date.now().toString(36).slice(-5);
const PHARMACIST = { name: `Anouk Apotheker ${RUN}`, email: `apotheek.${RUN}@voorbeeld.example`, organisation: 'Apotheek De Dom' };
const PERSON = { name: `Mevrouw Testpersoon ${RUN}`, houseNumber: '17' };
const STORY = `Haalt elke week medicijnen op en zegt dat ze sinds de verhuizing niemand meer spreekt (${RUN}).`;
const OTHER = { name: 'Sam van Welzijn Amsterdam', email: `sam.${RUN}@welzijn-amsterdam.example`, password: 'Grachten en bruggen in de winter' };

let browser: Browser;
let dataDir: string;
let port: number;
let server: ServerProcess | null = null;
let baseUrl: string;

const env = () =>
  serverEnv(dataDir, port, {
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '200',
    // No network here: the postcode table routes the demo postcodes without the PDOK look-up.
    PDOK_LOCATIESERVER_URL: 'off',
  });

async function startOwnServer(): Promise<void> {
  const s = spawnCli(['serve'], env(), port, { bundle: true });
  try {
    await waitForOk(`${s.baseUrl}/ready`, s, 90_000);
  } catch (e) {
    await s.stop(2000);
    throw e;
  }
  server = s;
}

async function stopOwnServer(): Promise<void> {
  if (!server) return;
  const { code } = await server.stop();
  const out = server.output();
  server = null;
  expect(code, `server exit code; output:\n${out.slice(-3000)}`).toBe(0);
}

beforeAll(async () => {
  dataDir = tempDir('ete-e2e-signals-');
  port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  [browser] = await Promise.all([launchBrowser(), startOwnServer()]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (server) await server.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

const open = (opts: BrowserContextOptions = {}) => Session.open(browser, { baseURL: baseUrl, ...opts });

async function loggedIn(email: string, password = DEMO_PASSWORD): Promise<Session> {
  const s = await open();
  await s.login(email, password);
  return s;
}

interface Figures {
  received: string;
  pharmacy: string;
  /** The row "Apotheek" of the table "Wie gaf het signaal door" on the page. */
  pageRow: string;
}

/** The statistics of the coordinator's municipality: the page (axe-checked) and its CSV. */
async function figures(s: Session): Promise<Figures> {
  await s.visit('/signalen/statistieken');
  expect(await s.h1()).toBe('Signaalcijfers');
  const table = s.page.locator('table').filter({ has: s.page.locator('caption', { hasText: 'Wie gaf het signaal door: aantallen' }) });
  const row = table.locator('tbody tr').filter({ has: s.page.locator('th', { hasText: /^Apotheek$/ }) });
  const pageRow = (await row.count()) ? (await row.innerText()).replace(/\s+/g, ' ').trim() : '';
  const href = (await s.page.getByRole('link', { name: 'CSV', exact: true }).getAttribute('href'))!;
  const res = await s.page.request.get(href);
  expect(res.status()).toBe(200);
  const csv = await readTable(await res.body(), 'csv');
  const find = (figure: string, code: string) => csv.find((r) => r.figure === figure && r.code === code)?.value;
  const received = find('received', '');
  const pharmacy = find('by_signaller_type', 'pharmacy');
  expect(received, `CSV: ${JSON.stringify(csv)}`).toMatch(/^\d+$/);
  return { received: received!, pharmacy: pharmacy ?? '0', pageRow };
}

/** A date about seven months after today, as YYYY-MM-DD (the simulated clock of the retention run). */
function sevenMonthsLater(): string {
  const d = new Date();
  d.setUTCMonth(d.getUTCMonth() + 7);
  return d.toISOString().slice(0, 10);
}

describe('signal point: from a worry on the public form to anonymous statistics', () => {
  it('a pharmacist passes on a worry, the social worker handles it, others never see it, retention removes the person and keeps the count', { timeout: 240_000 }, async () => {
    // ----- 1. The coordinator of Utrecht: the signal point, the routing test, the figures before.
    const coord = await loggedIn(COORDINATOR);
    await coord.visit('/signaalpunten/GM0344');
    expect(await coord.h1()).toBe('Signaalpunten van Utrecht');
    const points = await coord.page.locator('table').first().innerText();
    expect(points).toContain(SIGNAL_POINT);
    expect(points).toContain('Welzijn Utrecht Stad');
    await coord.page.getByLabel('Postcode', { exact: true }).fill('3511 AB');
    await coord.page.getByLabel('Huisnummer', { exact: true }).fill(PERSON.houseNumber);
    await coord.clickButton('Routering testen', 200);
    expect(coord.path()).toBe('/signaalpunten/GM0344/routering-testen'); // a POST: the address is not in the URL
    const outcome = await coord.page.locator('section[aria-labelledby="uitkomst"]').innerText();
    expect(outcome).toContain('Utrecht (GM0344)');
    expect(outcome).toContain('Binnenstad (demo)');
    expect(outcome).toContain(SIGNAL_POINT);
    const before = await figures(coord);

    // ----- 2. The pharmacist (no account), on the public form.
    const pharmacist = await open();
    await pharmacist.visit('/signaal-doorgeven');
    expect(await pharmacist.h1()).toBe('Zorgen over iemand? Geef het door');
    const urgent = pharmacist.page.locator('section.signal-urgent');
    expect(await urgent.getByRole('heading').innerText()).toBe('Acuut gevaar? Bel 112');
    expect(await urgent.getByRole('link', { name: '112' }).getAttribute('href')).toBe('tel:112');
    // The self-referral entrance and the privacy statement, as linked from the form.
    await pharmacist.clickLink('Vraag dan contact aan voor uzelf');
    expect(pharmacist.path()).toBe('/contact-gezocht');
    expect(await pharmacist.h1()).toBe('Ik voel me eenzaam en wil graag contact');
    await pharmacist.visit('/signaal-doorgeven');
    await pharmacist.clickLink('Lees de hele privacyverklaring van het signaalpunt');
    expect(pharmacist.path()).toBe('/signaal-doorgeven/privacy');
    expect(await pharmacist.h1()).toBe('Privacyverklaring signaalpunt');
    await pharmacist.clickLink('Terug naar het formulier');
    expect(pharmacist.path()).toBe('/signaal-doorgeven');
    const formShownAt = Date.now();

    const p = pharmacist.page;
    await p.getByLabel('Apotheek', { exact: true }).check();
    await p.getByLabel(/^Uw naam/).fill(PHARMACIST.name);
    await p.getByLabel(/^Organisatie of winkel/).fill(PHARMACIST.organisation);
    await p.getByLabel(/^Uw e-mailadres/).fill(PHARMACIST.email);
    await p.getByLabel('Ik wil een kort bericht als het signaal is opgepakt').check();
    await p.getByLabel(/^Naam van de persoon/).fill(PERSON.name);
    await p.getByLabel('Postcode', { exact: true }).fill('3511 A'); // a typo first
    await p.getByLabel('Huisnummer', { exact: true }).fill(PERSON.houseNumber);
    await p.getByLabel('75 jaar of ouder').check();
    await p.getByLabel(/^Wat ziet of hoort u/).fill(STORY);
    await p.getByLabel('Zegt zich alleen of eenzaam te voelen').check();
    await p.getByLabel('Is kort geleden verhuisd').check();
    await p.getByLabel('Nee', { exact: true }).check();
    // A person takes more than a few seconds to fill this in (the form's timing check).
    await p.waitForTimeout(Math.max(0, 3500 - (Date.now() - formShownAt)));
    await pharmacist.clickButton('Signaal versturen', 422);
    const summary = p.locator('#foutoverzicht');
    expect(await summary.isVisible()).toBe(true);
    const summaryLink = summary.getByRole('link', { name: /^Postcode: / });
    expect(await summaryLink.innerText()).toContain('Vul een geldige postcode in, zoals 3511 AB.');
    expect(await summaryLink.getAttribute('href')).toBe('#veld-postcode');
    expect(await p.locator('#veld-postcode-error').innerText()).toContain('Vul een geldige postcode in');
    expect(await p.getByLabel('Postcode', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    // Everything typed is still there.
    expect(await p.getByLabel('Postcode', { exact: true }).inputValue()).toBe('3511 A');
    expect(await p.getByLabel(/^Uw naam/).inputValue()).toBe(PHARMACIST.name);
    expect(await p.getByLabel(/^Uw e-mailadres/).inputValue()).toBe(PHARMACIST.email);
    expect(await p.getByLabel(/^Naam van de persoon/).inputValue()).toBe(PERSON.name);
    expect(await p.getByLabel('Huisnummer', { exact: true }).inputValue()).toBe(PERSON.houseNumber);
    expect(await p.getByLabel(/^Wat ziet of hoort u/).inputValue()).toBe(STORY);
    expect(await p.getByLabel('Apotheek', { exact: true }).isChecked()).toBe(true);
    expect(await p.getByLabel('Ik wil een kort bericht als het signaal is opgepakt').isChecked()).toBe(true);
    expect(await p.getByLabel('Zegt zich alleen of eenzaam te voelen').isChecked()).toBe(true);
    expect(await p.getByLabel('Is kort geleden verhuisd').isChecked()).toBe(true);
    expect(await p.getByLabel('Nee', { exact: true }).isChecked()).toBe(true);
    // The link in the summary takes the keyboard user to the field.
    await summaryLink.click();
    expect(await p.evaluate(() => document.activeElement?.id)).toBe('veld-postcode');

    await p.getByLabel('Postcode', { exact: true }).fill('3511 AB');
    await pharmacist.clickButton('Signaal versturen', 200);
    expect(pharmacist.path()).toMatch(/^\/signaal-doorgeven\/ontvangen\/SGN-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$/);
    expect(await pharmacist.h1()).toBe('Bedankt, uw signaal is ontvangen');
    const reference = pharmacist.path().split('/').pop()!;
    const confirmation = await p.locator('main').innerText();
    expect(confirmation).toContain(reference);
    expect(confirmation).toContain('U krijgt één korte e-mail zodra het signaal is opgepakt.');
    expect(confirmation).not.toContain(PERSON.name);
    await pharmacist.done();

    // ----- 3. The social worker finds it in the inbox, picks it up, tries to reach the person, closes it.
    const worker = await loggedIn(WORKER);
    await worker.clickLink('Signalen', { exact: true, within: MAIN_NAV });
    expect(worker.path()).toBe('/signalen');
    const row = worker.page.locator('table tbody tr').filter({ hasText: reference });
    expect(await row.count()).toBe(1);
    const rowText = await row.innerText();
    expect(rowText).toContain('Apotheek');
    expect(rowText).toContain('Nieuw');
    expect(rowText).toContain('Binnenstad (demo)');
    // The inbox shows no names or stories.
    expect(await worker.page.locator('main').innerText()).not.toContain(PERSON.name);
    await worker.clickLink(reference, { exact: true, within: 'table' });
    expect(worker.path()).toMatch(/^\/signalen\/\d+$/);
    const signalPath = worker.path();
    expect(await worker.h1()).toBe(`Signaal ${reference}`);
    let page = await worker.page.locator('main').innerText();
    expect(page).toContain(PERSON.name);
    expect(page).toContain(STORY);
    expect(page).toContain('3511 AB');
    expect(page).toContain(PHARMACIST.email);
    expect(page).toContain('Zegt zich alleen of eenzaam te voelen');

    await worker.clickButton('Aan mij toewijzen', 200);
    expect(worker.path()).toBe(signalPath);
    expect(await worker.page.getByRole('status').first().innerText()).toContain('Het signaal is toegewezen aan u');

    const attempt = worker.page.locator('section.signal-action', { has: worker.page.locator('h3', { hasText: 'Contactpoging vastleggen' }) });
    await attempt.getByLabel('Hoe', { exact: true }).selectOption({ label: 'Telefoon' });
    await attempt.getByLabel('Resultaat', { exact: true }).selectOption({ label: 'Contact gehad' });
    await attempt.getByLabel(/^Toelichting bij de contactpoging/).fill('Gebeld, ze vond het fijn dat iemand belde.');
    await worker.clickButton('Contactpoging opslaan', 200);
    expect(await worker.page.getByRole('status').first().innerText()).toContain('De contactpoging is vastgelegd');

    await worker.page.getByLabel('Uitkomst', { exact: true }).selectOption({ label: 'Toegeleid naar een activiteit' });
    await worker.page.getByLabel(/^Activiteit op de sociale kaart/).fill('Koffieochtend in de wijk');
    await worker.clickButton('Afsluiten', 200);
    expect(await worker.page.getByRole('status').first().innerText()).toContain('Het signaal is afgesloten met de uitkomst "toegeleid naar een activiteit"');
    page = await worker.page.locator('main').innerText();
    expect(page).toMatch(/Status\s+Afgesloten/);
    expect(page).toMatch(/Uitkomst\s+Toegeleid naar een activiteit/);
    expect(page).toContain('Contactpoging: Telefoon, contact gehad');
    // Its own staff can read it through the handling API too.
    const own = await worker.page.request.get(`/api/v1/handling/signals/${reference}`);
    expect(own.status()).toBe(200);
    expect(JSON.stringify(await own.json())).toContain(PERSON.name);
    await worker.done();

    // ----- 4. The programme team: the feedback mail, the unrouted queue, and no access to the signal.
    const admin = await loggedIn(DEMO_ADMIN);
    await admin.clickLink('Verzonden e-mail', { within: MAIN_NAV });
    // Searching by the pharmacist's address finds no feedback mail: whether someone passed on a worry is not the programme team's business.
    await admin.page.getByLabel(/^Aan/).fill(PHARMACIST.email);
    await admin.clickButton('Filteren');
    expect(await admin.page.locator('table').getByText(`(${reference})`).count()).toBe(0);
    // The newest mails (no filter) show the feedback mail, with the recipient masked.
    await admin.clickLink('Verzonden e-mail', { within: MAIN_NAV });
    expect(await admin.page.locator('table').getByText(`Uw signaal wordt opgepakt (${reference})`, { exact: true }).count()).toBe(1);
    await admin.clickLink(`Uw signaal wordt opgepakt (${reference})`, { exact: true, within: 'table' });
    const mail = await admin.page.locator('main').innerText();
    expect(mail).toContain(`referentie ${reference}`);
    // The programme team sees that the mail went out, not to whom (who passed on the worry).
    expect(mail).toContain(`${PHARMACIST.email[0]}***@voorbeeld.example`);
    for (const secret of [PERSON.name, STORY, 'Testpersoon', 'verhuizing', '3511', PHARMACIST.name, PHARMACIST.email, 'Koffieochtend', 'Toegeleid']) {
      expect(mail, `the feedback mail must not contain "${secret}"`).not.toContain(secret);
    }

    await admin.clickLink('Niet gerouteerd', { exact: true, within: MAIN_NAV });
    expect(admin.path()).toBe('/signalen/niet-gerouteerd');
    expect(await admin.h1()).toBe('Signalen zonder signaalpunt');
    expect(await admin.page.locator('main').innerText()).not.toContain(reference);
    // Need to know: not even the programme admin opens a routed signal.
    await admin.visit(signalPath, 404);
    expect(await admin.page.locator('main').innerText()).not.toContain(PERSON.name);
    const adminApi = await admin.page.request.get(`/api/v1/handling/signals/${reference}`);
    expect([403, 404]).toContain(adminApi.status());
    expect(await adminApi.text()).not.toContain(PERSON.name);

    // A social worker of another organisation (Welzijn Amsterdam Centrum), invited by the admin.
    await admin.clickLink('Gebruikers', { exact: true, within: MAIN_NAV });
    await admin.clickLink('Gebruiker uitnodigen');
    await admin.page.getByLabel('Naam').fill(OTHER.name);
    await admin.page.getByLabel('E-mailadres').fill(OTHER.email);
    await admin.page.getByLabel('Rol').selectOption('signal_handler');
    await admin.page.getByLabel(/^Organisatie/).selectOption({ label: 'Welzijn Amsterdam Centrum (Amsterdam)' });
    await admin.clickButton('Uitnodiging versturen', 200);
    expect(await admin.h1()).toBe(OTHER.name);
    await admin.clickLink('Verzonden e-mail', { within: MAIN_NAV });
    await admin.page.getByLabel(/^Aan/).fill(OTHER.email);
    await admin.clickButton('Filteren');
    await admin.clickLink('Uitnodiging voor het platform Eén tegen eenzaamheid', { within: 'table' });
    const invite = new URL((await admin.page.locator('main a[href*="/uitnodiging/"]').getAttribute('href'))!).pathname;
    await admin.done();

    const other = await open();
    await other.visit(invite);
    await other.page.getByLabel('Nieuw wachtwoord').fill(OTHER.password);
    await other.page.getByLabel('Herhaal het wachtwoord').fill(OTHER.password);
    await other.clickButton('Wachtwoord instellen', 200);
    expect(other.path()).toBe('/beheer');
    await other.clickLink('Signalen', { exact: true, within: MAIN_NAV });
    expect(other.path()).toBe('/signalen');
    expect(await other.page.locator('main').innerText()).not.toContain(reference);
    await other.visit('/signalen?status=all');
    expect(await other.page.locator('main').innerText()).not.toContain(reference);
    await other.visit(signalPath, 404);
    const otherPage = await other.page.locator('main').innerText();
    expect(otherPage).not.toContain(PERSON.name);
    expect(otherPage).not.toContain(reference);
    const api = await other.page.request.get(`/api/v1/handling/signals/${reference}`);
    expect(api.status()).toBe(404);
    expect(api.headers()['content-type']).toMatch(/^application\/json/);
    const apiBody = await api.text();
    expect(apiBody).not.toContain(PERSON.name);
    expect(apiBody).not.toContain('Apotheek');
    const list = await other.page.request.get('/api/v1/handling/signals?status=all&pageSize=100');
    expect(list.status()).toBe(200);
    expect(await list.text()).not.toContain(reference);
    await other.done();

    // The figures now count the new signal.
    const afterClose = await figures(coord);
    expect(Number(afterClose.received)).toBe(Number(before.received) + 1);
    if (/^\d+$/.test(before.pharmacy) && /^\d+$/.test(afterClose.pharmacy)) expect(Number(afterClose.pharmacy)).toBe(Number(before.pharmacy) + 1);
    await coord.done();

    // ----- 5. Seven months later (simulated clock): the retention run, with the server stopped.
    await stopOwnServer();
    const later = sevenMonthsLater();
    const cli = spawnCli(['signals-retention', `--now=${later}`], env());
    const { code } = await cli.exited;
    expect(code, cli.output()).toBe(0);
    const signalId = signalPath.split('/').pop()!;
    expect(cli.stdout()).toMatch(new RegExp(`Signaal-id's: (.*, )?${signalId}(,|\\s|$)`));
    await startOwnServer();

    const workerAgain = await loggedIn(WORKER);
    await workerAgain.visit(signalPath);
    expect(await workerAgain.h1()).toBe(`Signaal ${reference}`);
    const removed = await workerAgain.page.locator('main').innerText();
    expect(removed).toMatch(/De persoonsgegevens van dit signaal zijn op .+ verwijderd \(bewaartermijn verstreken\)\./);
    expect(removed).toContain('Geen persoonsgegevens (meer) beschikbaar.');
    expect(removed).toMatch(/Status\s+Afgesloten/);
    for (const secret of [PERSON.name, STORY, PHARMACIST.email, PHARMACIST.name, '3511 AB', 'Gebeld, ze vond het fijn']) {
      expect(removed, `after retention the signal page must not contain "${secret}"`).not.toContain(secret);
    }
    await workerAgain.done();

    const coordAgain = await loggedIn(COORDINATOR);
    const afterRetention = await figures(coordAgain);
    expect(afterRetention).toEqual(afterClose);
    await coordAgain.done();
  });
});
