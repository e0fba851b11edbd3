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

/** Texts of the first column of the first data table. */
async function firstColumn(s: Session): Promise<string[]> {
  return s.page.locator('table tbody tr td:first-child').allInnerTexts();
}

describe('programme admin', () => {
  it('searches, sorts and pages the municipality list and opens a detail page', async () => {
    const s = await Session.open(browser);
    await s.login(DEMO_ADMIN);
    await s.clickLink('Gemeenten', { exact: true, within: 'nav[aria-label="Hoofdmenu"]' });
    expect(s.path()).toBe('/beheer/gemeenten');
    expect(await s.h1()).toBe('Gemeenten');

    // Paging through the full list (all current municipalities of the Netherlands).
    const status = s.page.locator('nav[aria-label="Paginering"] p');
    expect(await status.innerText()).toMatch(/^1–\d+ van \d{3} resultaten/);
    const page1 = await firstColumn(s);
    await s.clickLink('Volgende pagina');
    expect(s.path()).toContain('page=2');
    expect(await status.innerText()).toMatch(/pagina 2 van/);
    const page2 = await firstColumn(s);
    expect(page2.length).toBeGreaterThan(0);
    expect(page2.some((n) => page1.includes(n))).toBe(false);
    await s.clickLink('Vorige pagina');
    expect(await firstColumn(s)).toEqual(page1);

    // Search.
    await s.page.getByRole('searchbox').fill('utrecht');
    await s.clickButton('Zoeken');
    expect(s.path()).toContain('q=utrecht');
    const found = await firstColumn(s);
    expect(found).toContain('Utrecht');
    for (const name of found) expect(name.toLowerCase()).toContain('utrecht');
    // The search term stays in the field.
    expect(await s.page.getByRole('searchbox').inputValue()).toBe('utrecht');

    // Sort by name, descending: the server sorts, the search is kept.
    const sortLink = s.page.locator('th').filter({ hasText: 'Gemeente' }).getByRole('link');
    await s.navigate(() => sortLink.click()); // name is already sorted ascending: this link sorts descending
    expect(s.path()).toMatch(/sort=name/);
    expect(s.path()).toMatch(/dir=desc/);
    expect(s.path()).toContain('q=utrecht');
    expect(await s.page.locator('th[aria-sort]').getAttribute('aria-sort')).toBe('descending');
    const desc = await firstColumn(s);
    expect(desc).toEqual([...found].sort((a, b) => b.localeCompare(a, 'nl')));

    // Detail page.
    await s.clickLink('Utrecht', { exact: true, within: 'table' });
    expect(s.path()).toMatch(/^\/beheer\/gemeenten\/\d+$/);
    expect(await s.h1()).toBe('Utrecht');
    expect(await s.page.locator('dl').first().innerText()).toContain('GM0344');
    // Breadcrumb back to the list.
    await s.clickLink('Gemeenten', { exact: true, within: 'nav[aria-label="Kruimelpad"]' });
    expect(s.path()).toBe('/beheer/gemeenten');
    await s.done();
  });

  it('reads the audit log and the mail outbox', async () => {
    const s = await Session.open(browser);
    await s.login(DEMO_ADMIN);
    await s.clickLink('Auditlog', { within: 'nav[aria-label="Hoofdmenu"]' });
    expect(await s.h1()).toBe('Auditlog');
    // The admin's own login is in the log.
    expect(await s.page.locator('table tbody').innerText()).toContain(DEMO_ADMIN);
    await s.page.getByLabel('Actie').selectOption('login');
    await s.clickButton('Filteren');
    expect(s.path()).toContain('action=login');
    const actions = await s.page.locator('table tbody tr td:nth-child(3)').allInnerTexts();
    expect(actions.length).toBeGreaterThan(0);
    expect(new Set(actions)).toEqual(new Set(['Ingelogd']));

    await s.clickLink('Verzonden e-mail', { within: 'nav[aria-label="Hoofdmenu"]' });
    expect(s.path()).toBe('/beheer/outbox');
    expect(await s.h1()).toMatch(/Verzonden e-mail/);
    await s.done();
  });

  it('creates an API key that lists municipalities through the API, and revokes it', async () => {
    const s = await Session.open(browser);
    await s.login(DEMO_ADMIN);
    await s.clickLink('API-sleutels', { within: 'nav[aria-label="Hoofdmenu"]' });
    await s.clickLink('Nieuwe API-sleutel');
    await s.page.getByLabel(/^Naam/).fill('Koppeling e2e');
    await s.page.getByLabel(/^Organisatie/).selectOption({ index: 1 });
    await s.page.locator('fieldset').getByRole('checkbox').first().check();
    await s.clickButton('Sleutel aanmaken', 201);
    const key = (await s.page.locator('.secret-once code').innerText()).trim();
    expect(key).toMatch(/^ete_[\w-]{32}$/);

    const api = (path: string, k = key) => fetch(`${s.baseUrl}${path}`, { headers: { authorization: `Bearer ${k}` } });
    const res = await api('/api/v1/municipalities?q=utrecht');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { cbsCode: string; name: string }[]; total: number };
    expect(body.data.map((m) => m.name)).toContain('Utrecht');
    expect((await api('/api/v1/municipalities')).status).toBe(200);

    // The list shows the last use; revoking stops the key at once.
    await s.clickLink('Terug naar de API-sleutels');
    const row = s.page.locator('table tbody tr').filter({ hasText: 'Koppeling e2e' });
    expect(await row.innerText()).not.toContain('Nog nooit');
    await s.navigate(() => row.getByRole('link', { name: /Intrekken/ }).click());
    await s.clickButton('Ja, sleutel intrekken');
    const revoked = await api('/api/v1/municipalities');
    expect(revoked.status).toBe(401);
    expect(((await revoked.json()) as { error: { code: string } }).error.code).toBe('invalid_api_key');
    await s.done();
  });

  it('a role without access gets the Dutch 403 page', async () => {
    const s = await Session.open(browser);
    await s.login('partner@demo.example');
    await s.visit('/beheer/auditlog', 403);
    expect(await s.h1()).toBe('Geen toegang');
    await s.done();
  });
});
