import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ADMIN, DEMO_PASSWORD, launchBrowser, Session } from './browser.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** The error summary: its links, each pointing at a field that exists and shows its own error. */
async function summaryLinks(s: Session) {
  const summary = s.page.locator('#foutoverzicht');
  expect(await summary.isVisible()).toBe(true);
  const links = await summary.getByRole('link').evaluateAll((as) => as.map((a) => ({ text: a.textContent ?? '', href: a.getAttribute('href') ?? '' })));
  for (const l of links) {
    const field = s.page.locator(l.href);
    expect(await field.count(), `summary link ${l.href} points at a field`).toBe(1);
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    // The field's own message is connected to it for screen readers.
    expect(await field.getAttribute('aria-describedby')).toContain(`${l.href.slice(1)}-error`);
  }
  return links;
}

describe('forms with validation errors', () => {
  it('login: error summary with links to the fields, e-mail kept, focus on the summary', async () => {
    const s = await Session.open(browser);
    await s.visit('/inloggen');
    await s.page.getByLabel('E-mailadres').fill('geen-adres');
    await s.clickButton('Inloggen', 422);
    const links = await summaryLinks(s);
    expect(links.map((l) => l.href).sort()).toEqual(['#veld-email', '#veld-password']);
    expect(await s.page.getByLabel('E-mailadres').inputValue()).toBe('geen-adres');
    // app.js moves focus to the summary so screen readers announce it.
    expect(await s.page.evaluate(() => document.activeElement?.id)).toBe('foutoverzicht');
    // Following a summary link moves focus to the field.
    await s.page.locator('#foutoverzicht').getByRole('link').filter({ hasText: /wachtwoord/i }).click();
    expect(await s.page.evaluate(() => document.activeElement?.id)).toBe('veld-password');

    // A wrong password: a general message, not which of the two was wrong.
    await s.page.getByLabel('E-mailadres').fill(DEMO_ADMIN);
    await s.page.getByLabel('Wachtwoord', { exact: true }).fill('fout-wachtwoord');
    await s.clickButton('Inloggen', 401);
    expect(await s.page.getByRole('alert').innerText()).toContain('klopt niet');
    expect(await s.page.getByLabel('E-mailadres').inputValue()).toBe(DEMO_ADMIN);
    expect(await s.page.getByLabel('Wachtwoord', { exact: true }).inputValue()).toBe('');
    await s.done();
  });

  it('inviting a user: every error in the summary and at its field, all values kept, nothing saved', async () => {
    const s = await Session.open(browser);
    await s.login(DEMO_ADMIN);
    await s.visit('/beheer/gebruikers/uitnodigen');
    await s.page.getByLabel('Naam').fill('Test Persoon');
    await s.page.getByLabel('E-mailadres').fill('test.persoon@@voorbeeld');
    await s.page.getByLabel('Rol').selectOption('municipality_coordinator');
    await s.clickButton('Uitnodiging versturen', 422);
    const links = await summaryLinks(s);
    expect(links.map((l) => l.href).sort()).toEqual(['#veld-email', '#veld-municipalityId']);
    expect(await s.page.getByLabel('Naam').inputValue()).toBe('Test Persoon');
    expect(await s.page.getByLabel('E-mailadres').inputValue()).toBe('test.persoon@@voorbeeld');
    expect(await s.page.getByLabel('Rol').inputValue()).toBe('municipality_coordinator');

    // Nothing was saved: the address is not in the user list.
    await s.visit('/beheer/gebruikers?q=test.persoon');
    expect(await s.page.locator('table tbody').innerText()).toContain('Geen resultaten');
    await s.done();
  });
});

describe('without JavaScript', () => {
  it('logs in, opens, searches and sorts a list, and logs out', async () => {
    const s = await Session.open(browser, { javaScriptEnabled: false });
    await s.visit('/inloggen');
    await s.page.getByLabel('E-mailadres').fill(DEMO_ADMIN);
    await s.page.getByLabel('Wachtwoord', { exact: true }).fill(DEMO_PASSWORD);
    await s.clickButton('Inloggen');
    expect(s.path()).toBe('/beheer');
    await s.clickLink('Gemeenten', { exact: true, within: 'nav[aria-label="Hoofdmenu"]' });
    expect(await s.page.locator('table tbody tr').count()).toBeGreaterThan(10);
    await s.page.getByRole('searchbox').fill('GM0363');
    await s.clickButton('Zoeken');
    expect(await s.page.locator('table tbody tr td:first-child').allInnerTexts()).toEqual(['Amsterdam']);
    await s.navigate(() => s.page.locator('th').filter({ hasText: 'CBS-code' }).getByRole('link').click());
    expect(s.path()).toContain('sort=cbsCode');
    await s.clickButton('Uitloggen');
    expect(s.path()).toBe('/inloggen');
    expect(await s.page.getByRole('status').innerText()).toContain('uitgelogd');
    await s.done();
  });

  it('a form with errors works without JavaScript too', async () => {
    const s = await Session.open(browser, { javaScriptEnabled: false });
    await s.visit('/wachtwoord-vergeten');
    await s.page.getByLabel('E-mailadres').fill('fout');
    await s.clickButton('Stuur de link', 422);
    expect(await summaryLinks(s)).toHaveLength(1);
    expect(await s.page.getByLabel('E-mailadres').inputValue()).toBe('fout');
    await s.done();
  });
});
