import fs from 'node:fs';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { expect, inject } from 'vitest';

const withoutHash = (url: string) => url.split('#')[0];

export const DEMO_PASSWORD = 'Demo-wachtwoord-2026';
export const DEMO_ADMIN = 'beheer@demo.example';

const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** Debian's Chromium (installed by .ci/run), never a browser download. */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!fs.existsSync(executablePath)) {
    throw new Error(`Chromium not found at ${executablePath}. Install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH.`);
  }
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A browser session against the e2e server that checks accessibility: `visit`, `submit` and
 * `click` run axe (WCAG 2.1 A/AA) on the page they land on, and `done()` fails the test when
 * the browser reached a page that was never checked.
 */
export class Session {
  readonly baseUrl = inject('baseUrl');
  private seen = new Set<string>();
  private checked = new Set<string>();
  /** Status of the last main-frame document response (after redirects). */
  lastStatus = 0;
  /** For sessions without JavaScript: a second page in which axe checks the same HTML. */
  private checker: Page | null = null;
  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    readonly javaScript: boolean,
  ) {
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) this.seen.add(withoutHash(frame.url()));
    });
    page.on('response', (r) => {
      if (r.request().isNavigationRequest() && r.frame() === page.mainFrame()) this.lastStatus = r.status();
    });
  }

  static async open(browser: Browser, opts: BrowserContextOptions = {}): Promise<Session> {
    const context = await browser.newContext({ baseURL: inject('baseUrl'), locale: 'nl-NL', ...opts });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    return new Session(context, page, opts.javaScriptEnabled !== false);
  }

  /** Runs axe on the current page and fails with a readable list of violations. */
  async checkA11y(): Promise<void> {
    const url = this.page.url();
    const results = await new AxeBuilder({ page: this.javaScript ? this.page : await this.checkerWith(url, await this.page.content()) })
      .withTags(WCAG_TAGS)
      .analyze();
    this.checked.add(withoutHash(url));
    if (results.violations.length) {
      const report = results.violations
        .map(
          (v) =>
            `- [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n` +
            v.nodes
              .slice(0, 5)
              .map((n) => `    at ${n.target.join(' ')}\n      ${n.failureSummary?.replace(/\n/g, '\n      ')}\n      ${n.html.slice(0, 200)}`)
              .join('\n'),
        )
        .join('\n');
      expect.fail(`axe found ${results.violations.length} WCAG 2.1 AA violation(s) on ${url}:\n${report}`);
    }
  }

  /**
   * axe runs as a script, which a page without JavaScript cannot do. The checker page loads the
   * same URL with the HTML this page received (scripts blocked, styles from the server), so
   * axe sees exactly what the no-JavaScript user sees.
   */
  private async checkerWith(url: string, html: string): Promise<Page> {
    if (!this.checker) {
      const ctx = await this.context.browser()!.newContext({ locale: 'nl-NL' });
      this.checker = await ctx.newPage();
      await this.checker.route(/\.js(\?.*)?$/, (r) => r.abort());
    }
    const target = withoutHash(url);
    await this.checker.route(target, (r) => r.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }), { times: 1 });
    await this.checker.goto(target);
    return this.checker;
  }

  /** Opens a path, expects the status, checks accessibility. */
  async visit(pathname: string, status = 200): Promise<void> {
    const res = await this.page.goto(pathname);
    expect(res?.status(), `GET ${pathname}`).toBe(status);
    await this.checkA11y();
  }

  /** Runs an action that navigates (click a link, submit a form), waits for the new page, checks it. */
  async navigate(action: () => Promise<unknown>, status?: number): Promise<void> {
    await Promise.all([this.page.waitForEvent('load'), action()]);
    if (status !== undefined) expect(this.lastStatus, `status of ${this.page.url()}`).toBe(status);
    await this.checkA11y();
  }

  async clickLink(name: string | RegExp, opts: { exact?: boolean; within?: string } = {}): Promise<void> {
    const scope = opts.within ? this.page.locator(opts.within) : this.page;
    await this.navigate(() => scope.getByRole('link', { name, exact: opts.exact }).first().click());
  }

  async clickButton(name: string | RegExp, status?: number): Promise<void> {
    await this.navigate(() => this.page.getByRole('button', { name, exact: true }).first().click(), status);
  }

  async login(email: string, password = DEMO_PASSWORD): Promise<void> {
    await this.visit('/inloggen');
    await this.page.getByLabel('E-mailadres').fill(email);
    await this.page.getByLabel('Wachtwoord', { exact: true }).fill(password);
    await this.clickButton('Inloggen');
    expect(new URL(this.page.url()).pathname).toBe('/beheer');
    await expect.poll(() => this.page.getByText(/Ingelogd als/).count()).toBeGreaterThan(0);
  }

  path(): string {
    const u = new URL(this.page.url());
    return u.pathname + u.search;
  }

  h1(): Promise<string> {
    return this.page.locator('h1').innerText();
  }

  /** Fails when the browser showed a page that no accessibility check ran on. */
  async done(): Promise<void> {
    const unchecked = [...this.seen].filter((u) => u !== 'about:blank' && !this.checked.has(u));
    await this.checker?.context().close();
    await this.context.close();
    expect(unchecked, 'pages visited without an axe check').toEqual([]);
  }
}
