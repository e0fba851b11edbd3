import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, Session } from './browser.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('public pages', () => {
  it('home, login, statements and the 404 page are accessible and in Dutch', async () => {
    const s = await Session.open(browser);
    await s.visit('/');
    expect(await s.page.getAttribute('html', 'lang')).toBe('nl');
    expect(await s.page.locator('h1').count()).toBe(1);
    expect(await s.h1()).toContain('Eén tegen eenzaamheid');

    await s.clickLink('Inloggen voor medewerkers');
    expect(s.path()).toBe('/inloggen');
    expect(await s.h1()).toBe('Inloggen');

    // Footer links to the statements on every page.
    await s.clickLink('Toegankelijkheidsverklaring', { within: 'footer' });
    expect(await s.h1()).toBe('Toegankelijkheidsverklaring');
    await s.clickLink('Privacyverklaring', { within: 'footer' });
    expect(await s.h1()).toBe('Privacyverklaring');

    await s.visit('/wachtwoord-vergeten');
    expect(await s.h1()).toBe('Wachtwoord vergeten');

    await s.visit('/bestaat-niet', 404);
    expect(await s.h1()).toBe('Pagina niet gevonden');
    await s.visit('/uitnodiging/ongeldige-link', 410);
    expect(await s.h1()).toBe('Link niet geldig');
    await s.done();
  });

  it('the skip link is the first tab stop and moves focus to the main content', async () => {
    const s = await Session.open(browser);
    await s.visit('/');
    await s.page.keyboard.press('Tab');
    const first = await s.page.evaluate(() => ({ text: document.activeElement?.textContent?.trim(), href: document.activeElement?.getAttribute('href') }));
    expect(first).toEqual({ text: 'Naar de inhoud', href: '#inhoud' });
    // The focused skip link is visible (not only to screen readers).
    expect(await s.page.getByRole('link', { name: 'Naar de inhoud' }).isVisible()).toBe(true);
    await s.page.keyboard.press('Enter');
    expect(await s.page.evaluate(() => document.activeElement?.id)).toBe('inhoud');
    expect(await s.page.evaluate(() => document.activeElement?.tagName)).toBe('MAIN');
    await s.checkA11y(); // same document, now at #inhoud
    await s.done();
  });

  it('the login form can be used with the keyboard only', async () => {
    const s = await Session.open(browser);
    await s.visit('/inloggen');
    await s.page.getByLabel('E-mailadres').focus();
    await s.page.keyboard.type('beheer@demo.example');
    await s.page.keyboard.press('Tab');
    await s.page.keyboard.type('Demo-wachtwoord-2026');
    await s.navigate(() => s.page.keyboard.press('Enter'));
    expect(s.path()).toBe('/beheer');
    expect(await s.h1()).toBe('Overzicht');
    await s.done();
  });
});
