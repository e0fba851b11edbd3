import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ADMIN, launchBrowser, Session } from './browser.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

const firstColumn = (s: Session) => s.page.locator('table tbody tr td:first-child').allInnerTexts();
const MAIN_NAV = 'nav[aria-label="Hoofdmenu"]';

/**
 * The "done when" journey of the platform foundation: the programme admin invites a municipality
 * coordinator, the invitation is followed from the outbox, the coordinator sets a password and
 * then sees and edits only their own municipality.
 */
describe('inviting a municipality coordinator', () => {
  it('from invitation to editing their own municipality, and nothing else', { timeout: 120_000 }, async () => {
    const email = `coordinator.zwolle.${Date.now()}@voorbeeld.nl`;
    const admin = await Session.open(browser);
    await admin.login(DEMO_ADMIN);

    // The admin knows where Utrecht lives (to try it as the coordinator later).
    await admin.visit('/beheer/gemeenten?q=utrecht');
    const utrechtHref = await admin.page.locator('table').getByRole('link', { name: 'Utrecht', exact: true }).getAttribute('href');
    expect(utrechtHref).toMatch(/^\/beheer\/gemeenten\/\d+$/);

    // Invite.
    await admin.clickLink('Gebruikers', { exact: true, within: MAIN_NAV });
    await admin.clickLink('Gebruiker uitnodigen');
    await admin.page.getByLabel('Naam').fill('Karin van Zwolle');
    await admin.page.getByLabel('E-mailadres').fill(email);
    await admin.page.getByLabel('Rol').selectOption('municipality_coordinator');
    await admin.page.getByLabel(/^Gemeente/).selectOption({ label: 'Zwolle' });
    await admin.clickButton('Uitnodiging versturen');
    expect(admin.path()).toMatch(/^\/beheer\/gebruikers\/\d+$/);
    expect(await admin.h1()).toBe('Karin van Zwolle');
    expect(await admin.page.getByRole('status').first().innerText()).toContain(`De uitnodiging is verstuurd naar ${email}`);

    // The invitation mail in the outbox (no SMTP in demo mode).
    await admin.clickLink('Verzonden e-mail', { within: MAIN_NAV });
    await admin.page.getByLabel(/^Aan/).fill(email);
    await admin.clickButton('Filteren');
    await admin.clickLink('Uitnodiging voor het platform Eén tegen eenzaamheid', { within: 'table' });
    expect(await admin.page.locator('main').innerText()).toContain(email);
    const link = await admin.page.locator('main a[href*="/uitnodiging/"]').getAttribute('href');
    expect(link).toMatch(new RegExp(`^${admin.baseUrl}/uitnodiging/[\\w-]+$`));
    await admin.done();

    // The coordinator, in their own browser, follows the link and sets a password.
    const coord = await Session.open(browser);
    await coord.visit(new URL(link!).pathname);
    expect(await coord.h1()).toBe('Account activeren');
    expect(await coord.page.locator('main').innerText()).toContain(email);
    await coord.page.getByLabel('Nieuw wachtwoord').fill('kort');
    await coord.page.getByLabel('Herhaal het wachtwoord').fill('kort');
    await coord.clickButton('Wachtwoord instellen', 422);
    expect(await coord.page.locator('#foutoverzicht').innerText()).toMatch(/12 tekens/);
    await coord.page.getByLabel('Nieuw wachtwoord').fill('Zomer in Zwolle aan de IJssel');
    await coord.page.getByLabel('Herhaal het wachtwoord').fill('Zomer in Zwolle aan de IJssel');
    await coord.clickButton('Wachtwoord instellen');
    expect(coord.path()).toBe('/beheer');
    expect(await coord.page.getByRole('status').first().innerText()).toContain('Uw account is geactiveerd');
    expect(await coord.page.locator('header').innerText()).toContain('Karin van Zwolle');

    // They see only their own municipality.
    const nav = await coord.page.locator(MAIN_NAV).getByRole('link').allInnerTexts();
    expect(nav).not.toContain('Gebruikers');
    expect(nav).not.toContain('Auditlog');
    await coord.clickLink('Gemeenten', { exact: true, within: MAIN_NAV });
    expect(await firstColumn(coord)).toEqual(['Zwolle']);
    await coord.page.getByRole('searchbox').fill('utrecht');
    await coord.clickButton('Zoeken');
    expect(await coord.page.locator('table tbody').innerText()).toContain('Geen');
    await coord.visit(utrechtHref!, 404);
    await coord.visit('/beheer/gebruikers', 403);

    // ...and can edit it.
    await coord.visit('/beheer/gemeenten');
    await coord.clickLink('Zwolle', { exact: true, within: 'table' });
    expect(await coord.h1()).toBe('Zwolle');
    await coord.clickLink('Gegevens bewerken');
    await coord.page.getByLabel(/^Aantal inwoners/).fill('heel veel');
    await coord.clickButton('Opslaan', 422);
    expect(await coord.page.locator('#foutoverzicht').isVisible()).toBe(true);
    expect(await coord.page.getByLabel(/^Aantal inwoners/).inputValue()).toBe('heel veel');
    await coord.page.getByLabel(/^Aantal inwoners/).fill('132000');
    await coord.clickButton('Opslaan');
    expect(coord.path()).toMatch(/^\/beheer\/gemeenten\/\d+$/);
    expect(await coord.page.getByRole('status').first().innerText()).toContain('opgeslagen');
    expect(await coord.page.locator('dl').first().innerText()).toContain('132.000');
    // Another municipality's edit page is not reachable either.
    await coord.visit(`${utrechtHref}/bewerken`, 404);
    await coord.done();

    // The programme admin sees the change in the audit log, made by the coordinator.
    const check = await Session.open(browser);
    await check.login(DEMO_ADMIN);
    await check.visit(`/beheer/auditlog?actor=${encodeURIComponent(email)}`);
    const audit = await check.page.locator('table tbody').innerText();
    expect(audit).toContain('Wachtwoord ingesteld');
    expect(audit).toMatch(/Gewijzigd.*GM0193.*population/);
    await check.done();
  });
});
