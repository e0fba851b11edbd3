import type { Browser, Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ADMIN, launchBrowser, Session } from './browser.js';

/**
 * The "done when" journey of the network registry (issue 5), in Chromium with axe on every page:
 * an advisor logs three contact moments with durations for a municipality and sees its hours left
 * go down by exactly that time; the programme team moves the municipality to the network phase;
 * Utrecht's coordinator adds a supermarket branch as an actively contributing member of the
 * coalition; a National Coalition member posts an offer, the coordinator finds it and reacts (the
 * poster's mail is in the outbox), the poster marks the match; and the programme figures at today's
 * date differ from those at last month's date exactly where this history says so.
 *
 * The figures are compared with the same page read by the programme team before the journey, so the
 * assertions hold whatever the demo data (or an earlier journey on the same server) contains.
 */

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

const MAIN_NAV = 'nav[aria-label="Hoofdmenu"]';
const ADVISOR = 'adviseur@demo.example';
const ADVISOR_NAME = 'Adviseur Noord (demo)';
const ADMIN_NAME = 'Programmateam VWS (demo)';
const COORDINATOR = 'coordinator@demo.example';
const COORDINATOR_NAME = 'Coördinator Utrecht (demo)';
const PARTNER = 'partner@demo.example';
/** One of the advisor's municipalities: about half of its 64 advisory hours used, still in the guidance phase. */
const MUNICIPALITY = 'GM0109';
const SUPERMARKET = 'Supermarktketen Dagvers (demo)';

// Unique per run, so no assertion can pass on demo data.
const RUN = Date.now().toString(36).slice(-5);
const MOMENTS = [
  // The first one took place 45 days ago: it counts at last month's date too.
  { daysAgo: 45, kind: 'Telefoongesprek', subject: `Telefonisch overleg over de actieagenda (${RUN})`, duration: '30', minutes: 30 },
  { daysAgo: 0, kind: 'Bezoek', subject: `Werkbezoek aan het buurthuis (${RUN})`, duration: '1:30', minutes: 90 },
  { daysAgo: 0, kind: 'E-mail', subject: `Terugkoppeling van het werkbezoek (${RUN})`, duration: '45', minutes: 45 },
];
const BRANCH = `${SUPERMARKET.replace(' (demo)', '')} Utrecht Overvecht ${RUN}`;
const OFFER = {
  title: `Training gesprekken voeren met eenzame ouderen ${RUN}`,
  description: `Het Ouderenfonds geeft vrijwilligers van lokale coalities een training van een dagdeel: signalen herkennen en het gesprek aangaan (${RUN}).`,
};
const REACTION = `Utrecht tegen eenzaamheid doet graag mee: twintig vrijwilligers van de huisbezoeken willen de training volgen (${RUN}).`;

// ----- small helpers

/** 2026-03-05 → "5 maart 2026", as the pages write dates. */
const nlDate = (iso: string) => new Date(`${iso}T00:00:00Z`).toLocaleDateString('nl-NL', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

function addDays(iso: string, n: number): string {
  const d = new Date(`${iso}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** The same day a month earlier (31 March → 28/29 February). */
function monthBefore(iso: string): string {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  const [py, pm] = m === 1 ? [y - 1, 12] : [y, m - 1];
  const last = new Date(Date.UTC(py, pm, 0)).getUTCDate();
  return `${py}-${String(pm).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

/** "28,25 uur", "1.234,5", "−2", "+3" → a number. */
function nlNumber(text: string): number {
  const t = text.replace(/\s*uur$/, '').replace(/\./g, '').replace(',', '.').replace('−', '-').replace(/^\+/, '').trim();
  expect(t, `a number in "${text}"`).toMatch(/^-?\d+(\.\d+)?$/);
  return Number(t);
}

/** The value of a row of a summary list (dl) on the page or in `scope`. */
async function summary(scope: Locator, term: string): Promise<string> {
  const row = scope.locator('.summary-list__row').filter({ has: scope.page().locator('dt', { hasText: new RegExp(`^${term}$`) }) });
  return (await row.locator('dd').innerText()).trim();
}

const tableByCaption = (s: Session, caption: string | RegExp) => s.page.locator('table').filter({ has: s.page.locator('caption', { hasText: caption }) });

/** Submits a form with the button and expects the page after it (200); on an error page, fails with its error summary. */
async function submit(s: Session, button: string): Promise<void> {
  await s.navigate(() => s.page.getByRole('button', { name: button, exact: true }).first().click());
  if (s.lastStatus !== 200) {
    const errors = (await s.page.locator('#foutoverzicht').count()) ? await s.page.locator('#foutoverzicht').innerText() : await s.page.locator('main').innerText();
    expect.fail(`"${button}" on ${s.path()} answered ${s.lastStatus}:\n${errors}`);
  }
}

async function flash(s: Session): Promise<string> {
  return s.page.getByRole('status').first().innerText();
}

interface Hours {
  used: number;
  left: number;
}

/** Hours used and left on /advies/<code> ("Stand van de adviesuren"). */
async function advisoryHours(s: Session): Promise<Hours> {
  const stand = s.page.locator('section[aria-labelledby="stand"]');
  return { used: nlNumber(await summary(stand, 'Gebruikt')), left: nlNumber(await summary(stand, 'Over')) };
}

interface FigureRow {
  /** At the chosen date (today). */
  date: number;
  /** At the comparison date (last month). */
  compare: number;
  difference: string;
}

/** A row of a table of the programme figures ("Kerncijfers", "Adviesuren"): the figure today, last month, and the difference column. */
async function figure(s: Session, caption: string, label: string): Promise<FigureRow> {
  const row = tableByCaption(s, new RegExp(`^${caption}$`))
    .locator('tbody tr')
    .filter({ has: s.page.locator('th', { hasText: label }) });
  expect(await row.count(), `row "${label}" in the table "${caption}"`).toBe(1);
  const cells = await row.locator('td').allInnerTexts();
  expect(cells).toHaveLength(3);
  return { date: nlNumber(cells[0]!), compare: nlNumber(cells[1]!), difference: cells[2]!.trim() };
}

const FIGURES = {
  matches: ['Kerncijfers', 'Matches gemaakt op vraag en aanbod'],
  networkPhase: ['Kerncijfers', 'Gemeenten in de netwerkfase'],
  participating: ['Kerncijfers', 'Deelnemende gemeenten'],
  coalitions: ['Kerncijfers', 'Lokale coalities in opstart, actief of zeer actief'],
  advisoryHours: ['Adviesuren', 'Adviesuren gebruikt'],
} as const;
type Figures = Record<keyof typeof FIGURES, FigureRow>;

/** The figures with today's date compared with last month's date (the page is open): the rows this journey looks at. */
async function programmeFigures(s: Session, today: string, lastMonth: string): Promise<Figures> {
  expect(s.path()).toBe(`/programmacijfers?datum=${today}&vergelijk=${lastMonth}`);
  expect(await s.h1()).toBe('Programmacijfers');
  expect(await s.page.locator('main h2').first().innerText()).toBe(`Stand op ${nlDate(today)}, vergeleken met ${nlDate(lastMonth)}`);
  const head = await tableByCaption(s, /^Kerncijfers$/).locator('thead th').allInnerTexts();
  expect(head.map((h) => h.trim())).toEqual(['Cijfer', `Op ${nlDate(today)}`, `Op ${nlDate(lastMonth)}`, 'Verschil']);
  const out = {} as Figures;
  for (const [key, [caption, label]] of Object.entries(FIGURES)) out[key as keyof Figures] = await figure(s, caption, label);
  return out;
}

async function loggedIn(email: string): Promise<Session> {
  const s = await Session.open(browser);
  await s.login(email);
  return s;
}

describe('network: advisory hours, phases, coalitions, the demand-and-offer board and the programme figures', () => {
  it('an advisor logs hours, the team moves the municipality on, a coordinator adds a supermarket, an offer gets a match, and the figures show the history', { timeout: 180_000 }, async () => {
    // ----- 0. The programme team reads today's figures against last month's before anything happens.
    const admin = await loggedIn(DEMO_ADMIN);
    await admin.clickLink('Programmacijfers', { exact: true, within: MAIN_NAV });
    // The date field starts at today (Amsterdam): the date the figures of this journey are for.
    const today = await admin.page.getByLabel('Datum', { exact: true }).inputValue();
    expect(today).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const lastMonth = monthBefore(today);
    await admin.page.getByLabel('Datum', { exact: true }).fill(today);
    await admin.page.getByLabel('Vergelijken met', { exact: true }).fill(lastMonth);
    await submit(admin, 'Cijfers tonen');
    const figuresPath = admin.path();
    const before = await programmeFigures(admin, today, lastMonth);

    // ----- 1. The advisor: hours of the municipality first, then three contact moments with durations.
    const advisor = await loggedIn(ADVISOR);
    await advisor.clickLink('Adviesuren', { exact: true, within: MAIN_NAV });
    expect(advisor.path()).toBe('/advies');
    // The municipality in the advisor's list (the link text is its name).
    const link = tableByCaption(advisor, 'Adviesuren per gemeente').locator(`a[href="/advies/${MUNICIPALITY}"]`);
    expect(await link.count()).toBe(1);
    await advisor.navigate(() => link.click());
    expect(advisor.path()).toBe(`/advies/${MUNICIPALITY}`);
    const name = (await advisor.h1()).replace(/^Adviesuren en fasen: /, '');
    expect(name).toMatch(/^\S/);
    const stand = advisor.page.locator('section[aria-labelledby="stand"]');
    expect(await summary(stand, 'Fase')).toBe('Begeleidingsfase');
    const hoursBefore = await advisoryHours(advisor);
    expect(hoursBefore.left).toBeGreaterThan(3);

    for (const [i, m] of MOMENTS.entries()) {
      if (i === 0) {
        // From the municipality's page: the form opens with the municipality chosen.
        await advisor.clickLink('Contactmoment vastleggen', { exact: true });
        expect(advisor.path()).toBe(`/contactmomenten/nieuw?gemeente=${MUNICIPALITY}`);
      } else {
        await advisor.visit('/contactmomenten/nieuw');
        await advisor.page.getByLabel('Gemeente', { exact: true }).selectOption({ label: `${name} (${MUNICIPALITY})` });
      }
      expect(await advisor.h1()).toBe('Contactmoment vastleggen');
      const f = advisor.page;
      expect(await f.getByLabel('Gemeente', { exact: true }).locator('option:checked').innerText()).toBe(`${name} (${MUNICIPALITY})`);
      expect(await f.getByLabel('Datum', { exact: true }).inputValue()).toBe(today);
      await f.getByLabel('Datum', { exact: true }).fill(addDays(today, -m.daysAgo));
      await f.getByLabel('Soort contact', { exact: true }).selectOption({ label: m.kind });
      await f.getByLabel('Onderwerp', { exact: true }).fill(m.subject);
      await f.getByLabel(/^Notities/).fill('Afspraken gemaakt over de volgende coalitiebijeenkomst.');
      await f.getByLabel('Duur', { exact: true }).fill(m.duration);
      // Advice by default for an advisor: the duration comes off the budget.
      expect(await f.getByLabel(/^Telt als advies/).isChecked()).toBe(true);
      // The follow-up task is optional: left empty, nothing in it may be required.
      expect(await f.getByLabel(/^Wat moet er gebeuren/).inputValue()).toBe('');
      await submit(advisor, 'Contactmoment opslaan');
      expect(advisor.path()).toMatch(/^\/contactmomenten\/\d+$/);
      expect(await flash(advisor)).toContain(`Het contactmoment "${m.subject}" is vastgelegd.`);
      const detail = await advisor.page.locator('main').innerText();
      expect(detail).toContain(m.subject);
      expect(detail).toContain(name);
    }

    await advisor.visit(`/advies/${MUNICIPALITY}`);
    const logged = MOMENTS.reduce((n, m) => n + m.minutes, 0) / 60; // 2,75 hours
    const hoursAfter = await advisoryHours(advisor);
    expect(hoursAfter.used).toBeCloseTo(hoursBefore.used + logged, 2);
    expect(hoursAfter.left).toBeCloseTo(hoursBefore.left - logged, 2);
    // The two moments of today are the newest on the municipality's page.
    const recent = await tableByCaption(advisor, `Laatste contactmomenten met ${name}`).locator('tbody tr').allInnerTexts();
    expect(recent.slice(0, 2).join('\n')).toContain(MOMENTS[1]!.subject);
    expect(recent.slice(0, 2).join('\n')).toContain(MOMENTS[2]!.subject);
    expect(recent.join('\n')).toContain('1 uur 30 min');
    // The advisor cannot move the municipality to the network phase: that is the programme team's.
    expect(await advisor.page.getByRole('button', { name: 'Fase vastleggen' }).count()).toBe(0);
    await advisor.done();

    // ----- 2. The programme team moves the municipality to the network phase, with an account manager.
    await admin.visit(`/advies/${MUNICIPALITY}`);
    // The team sees the same hours as the advisor.
    expect(await advisoryHours(admin)).toEqual(hoursAfter);
    const phaseForm = admin.page.locator('form[action$="/fase"]');
    await phaseForm.getByLabel('Netwerkfase', { exact: true }).check();
    expect(await phaseForm.getByLabel('Vanaf', { exact: true }).inputValue()).toBe(today);
    await phaseForm.getByLabel(/^Accounthouder/).selectOption({ label: ADVISOR_NAME });
    await phaseForm.getByLabel(/^Toelichting/).fill(`Verder in de netwerkfase (${RUN}).`);
    await submit(admin, 'Fase vastleggen');
    expect(admin.path()).toBe(`/advies/${MUNICIPALITY}`);
    expect(await flash(admin)).toContain(`De fase van ${name} is vastgelegd: Netwerkfase vanaf ${nlDate(today)}.`);
    const standAdmin = admin.page.locator('section[aria-labelledby="stand"]');
    expect(await summary(standAdmin, 'Fase')).toBe(`Netwerkfase sinds ${nlDate(today)}`);
    expect(await summary(standAdmin, 'Accounthouder')).toBe(ADVISOR_NAME);
    // The phase history: the new row on top, the guidance phase every municipality starts in below.
    const history = tableByCaption(admin, `Fasen van ${name}, nieuwste eerst`).locator('tbody tr');
    expect(await history.count()).toBe(2);
    const newest = await history.first().locator('td').allInnerTexts();
    expect(newest.slice(0, 5).map((c) => c.trim())).toEqual(['Netwerkfase', nlDate(today), ADVISOR_NAME, `Verder in de netwerkfase (${RUN}).`, ADMIN_NAME]);
    const start = await history.last().locator('td').allInnerTexts();
    expect(start.slice(0, 2).map((c) => c.trim())).toEqual(['Begeleidingsfase', 'Vanaf de start']);

    // ----- 3. Utrecht's coordinator adds a supermarket branch as an actively contributing member.
    const coordinator = await loggedIn(COORDINATOR);
    await coordinator.visit('/coalities/GM0344');
    expect(await coordinator.h1()).toBe('Utrecht tegen eenzaamheid');
    const membersBefore = Number(await summary(coordinator.page.locator('main'), 'Huidige leden'));
    await coordinator.clickLink('Lid toevoegen', { exact: true });
    expect(coordinator.path()).toBe('/coalities/GM0344/leden/nieuw');
    expect(await coordinator.h1()).toBe('Lid toevoegen aan Utrecht tegen eenzaamheid');
    const c = coordinator.page;
    // The branch is not in the register yet: a new organisation, linked to the National Coalition member.
    await c.getByLabel('Een nieuwe organisatie', { exact: true }).check();
    await c.getByLabel('Naam van de nieuwe organisatie', { exact: true }).fill(BRANCH);
    await c.getByLabel('Soort organisatie', { exact: true }).selectOption({ label: 'Bedrijf' });
    expect(await c.getByLabel('Gemeente van de organisatie', { exact: true }).locator('option:checked').innerText()).toBe('Utrecht');
    await c.getByLabel(/^Vestiging van een lid van de Nationale Coalitie/).selectOption({ label: SUPERMARKET });
    await c.getByLabel('Actief bijdragend', { exact: true }).check();
    await c.getByLabel('Sector', { exact: true }).selectOption({ label: 'Bedrijven en ondernemers' });
    expect(await c.getByLabel('Lid sinds', { exact: true }).inputValue()).toBe(today);
    await c.getByLabel(/^Contactpersoon/).fill('Bedrijfsleider Overvecht');
    await c.getByLabel(/^E-mailadres contactpersoon/).fill(`overvecht.${RUN}@dagvers.example`);
    await submit(coordinator, 'Lid toevoegen');
    expect(coordinator.path()).toBe('/coalities/GM0344');
    expect(await flash(coordinator)).toContain('Het lid is toegevoegd.');
    expect(Number(await summary(coordinator.page.locator('main'), 'Huidige leden'))).toBe(membersBefore + 1);
    const member = tableByCaption(coordinator, 'Huidige leden van Utrecht tegen eenzaamheid').locator('tbody tr').filter({ hasText: BRANCH });
    expect(await member.count()).toBe(1);
    const memberCells = (await member.locator('td').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    expect(memberCells[0]).toBe(`${BRANCH} Vestiging van ${SUPERMARKET}`);
    expect(memberCells.slice(1, 4)).toEqual(['Actief bijdragend', 'Bedrijven en ondernemers', nlDate(today)]);
    expect(memberCells[4]).toContain('Bedrijfsleider Overvecht');

    // ----- 4a. The National Coalition member (Ouderenfonds) posts an offer.
    const partner = await loggedIn(PARTNER);
    await partner.visit('/vraag-en-aanbod/nieuw');
    expect(await partner.h1()).toBe('Vraag of aanbod plaatsen');
    const p = partner.page;
    expect(await summary(p.locator('main'), 'Namens')).toBe('Ouderenfonds');
    await p.getByLabel('Aanbod', { exact: true }).check();
    await p.getByLabel('Titel', { exact: true }).fill(OFFER.title);
    await p.getByLabel('Beschrijving', { exact: true }).fill(OFFER.description);
    await p.getByLabel('Ouderen', { exact: true }).check();
    await p.getByLabel('Vrijwilligers', { exact: true }).check();
    await p.getByLabel('Zorg en welzijn', { exact: true }).check();
    expect(await p.getByLabel('Regio', { exact: true }).locator('option:checked').innerText()).toBe('Landelijk (heel Nederland)');
    expect(await p.getByLabel('Geldig tot en met', { exact: true }).inputValue()).toBe(addDays(today, 90));
    await submit(partner, 'Bericht plaatsen');
    expect(partner.path()).toMatch(/^\/vraag-en-aanbod\/\d+$/);
    const postPath = partner.path();
    expect(await partner.h1()).toBe(OFFER.title);
    expect(await flash(partner)).toContain('Uw bericht staat op Vraag en aanbod.');
    expect(await summary(p.locator('main'), 'Status')).toBe('Open');
    expect(await tableByCaption(partner, /^Reacties \(0\)$/).count()).toBe(1);

    // ----- 4b. The coordinator finds it by searching and reacts.
    await coordinator.clickLink('Vraag en aanbod', { exact: true, within: MAIN_NAV });
    await coordinator.page.getByLabel('Zoekwoorden', { exact: true }).fill(`training ouderen ${RUN}`);
    await submit(coordinator, 'Zoeken');
    expect(await coordinator.page.locator('main p[role="status"]').innerText()).toMatch(/^1 bericht gevonden\./);
    const card = coordinator.page.locator('.board-list article');
    expect(await card.count()).toBe(1);
    const cardText = await card.innerText();
    expect(cardText).toContain('Aanbod');
    expect(cardText).toContain('Ouderenfonds');
    await coordinator.clickLink(OFFER.title, { exact: true, within: '.board-list' });
    expect(coordinator.path()).toBe(postPath);
    expect(await coordinator.page.locator('main').innerText()).toContain(OFFER.description);
    await coordinator.page.getByLabel('Uw reactie', { exact: true }).fill(REACTION);
    await submit(coordinator, 'Reactie versturen');
    expect(coordinator.path()).toMatch(new RegExp(`^${postPath}/gesprek/\\d+$`));
    const conversationPath = coordinator.path();
    expect(await flash(coordinator)).toContain('Uw reactie is verstuurd. Ouderenfonds krijgt een e-mail');
    expect(await coordinator.page.locator('ol.board-messages').innerText()).toContain(REACTION);

    // ----- 4c. The mail to the poster is in the outbox (the programme team's view).
    await admin.clickLink('Verzonden e-mail', { within: MAIN_NAV });
    await admin.page.getByLabel(/^Aan/).fill(PARTNER);
    await submit(admin, 'Filteren');
    const subject = `Reactie op uw aanbod "${OFFER.title}"`;
    await admin.clickLink(subject, { exact: true, within: 'table' });
    expect(await admin.h1()).toBe(subject);
    const mail = await admin.page.locator('main').innerText();
    expect(await summary(admin.page.locator('main'), 'Aan')).toBe(PARTNER);
    expect(mail).toContain(`${COORDINATOR_NAME}`);
    expect(mail).toContain(`heeft gereageerd op uw aanbod "${OFFER.title}" (namens Ouderenfonds)`);
    expect(mail).toContain(conversationPath);
    // The text of the reaction stays on the platform.
    expect(mail).not.toContain(REACTION);

    // ----- 4d. The poster reads the reaction and marks the match with the coordinator.
    await partner.visit('/vraag-en-aanbod/mijn');
    const mine = tableByCaption(partner, 'Geplaatste berichten').locator('tbody tr').filter({ hasText: OFFER.title });
    expect(await mine.innerText()).toContain('1 ongelezen');
    await partner.clickLink(OFFER.title, { exact: true, within: 'table' });
    expect(partner.path()).toBe(postPath);
    const reactions = tableByCaption(partner, /^Reacties \(1\)$/);
    expect(await reactions.locator('tbody tr').count()).toBe(1);
    await partner.clickLink(COORDINATOR_NAME, { exact: true, within: 'table' });
    expect(partner.path()).toBe(conversationPath);
    expect(await partner.page.locator('ol.board-messages').innerText()).toContain(REACTION);
    await partner.clickLink('Leg de match vast', { exact: true });
    expect(partner.path()).toBe(`${postPath}/match`);
    expect(await partner.h1()).toBe('Match vastleggen');
    await partner.page.getByLabel(new RegExp(`^${COORDINATOR_NAME.replace(/[()]/g, '\\$&')}`)).check();
    expect(await partner.page.getByLabel('Datum van de match', { exact: true }).inputValue()).toBe(today);
    await partner.page.getByLabel(/^Toelichting/).fill(`Training op de coalitiedag in Utrecht (${RUN}).`);
    await submit(partner, 'Match vastleggen');
    expect(partner.path()).toBe(postPath);
    expect(await flash(partner)).toContain('De match is vastgelegd en het bericht is gesloten.');
    expect(await summary(partner.page.locator('main'), 'Status')).toBe('Match gemaakt');
    const matches = tableByCaption(partner, /^Gemaakte matches \(1\)$/).locator('tbody tr');
    expect(await matches.count()).toBe(1);
    const matchCells = (await matches.first().locator('td').allInnerTexts()).map((t) => t.trim());
    expect(matchCells[0]).toBe(nlDate(today));
    expect(matchCells[1]).toContain(COORDINATOR_NAME);
    expect(matchCells[2]).toBe(`Training op de coalitiedag in Utrecht (${RUN}).`);
    await partner.done();

    // A matched post leaves the board: the coordinator's search no longer finds it.
    await coordinator.visit(`/vraag-en-aanbod?q=${encodeURIComponent(`training ouderen ${RUN}`)}`);
    expect(await coordinator.page.locator('main p[role="status"]').innerText()).toMatch(/^0 berichten gevonden\./);
    await coordinator.done();

    // ----- 5. The programme figures today and last month: they differ exactly where this history says so.
    await admin.visit(figuresPath);
    const after = await programmeFigures(admin, today, lastMonth);
    // The match was made today: it counts today, not last month.
    expect(after.matches.date).toBe(before.matches.date + 1);
    expect(after.matches.compare).toBe(before.matches.compare);
    expect(after.matches.difference).toBe(`+${after.matches.date - after.matches.compare}`);
    // The municipality is in the network phase from today.
    expect(after.networkPhase.date).toBe(before.networkPhase.date + 1);
    expect(after.networkPhase.compare).toBe(before.networkPhase.compare);
    expect(after.networkPhase.date).toBeGreaterThan(after.networkPhase.compare);
    // Advisory hours: all three moments count today; only the one of 45 days ago (half an hour) last month.
    expect(after.advisoryHours.date).toBeCloseTo(before.advisoryHours.date + logged, 2);
    expect(after.advisoryHours.compare).toBeCloseTo(before.advisoryHours.compare + MOMENTS[0]!.minutes / 60, 2);
    expect(nlNumber(after.advisoryHours.difference)).toBeCloseTo(after.advisoryHours.date - after.advisoryHours.compare, 2);
    // Nothing in this journey changed the participating municipalities or the coalitions' stages.
    expect(after.participating).toEqual(before.participating);
    expect(after.coalitions).toEqual(before.coalitions);

    // Last month's date on its own shows last month's numbers.
    await admin.page.getByLabel('Datum', { exact: true }).fill(lastMonth);
    await admin.page.getByLabel('Vergelijken met', { exact: true }).fill('');
    await submit(admin, 'Cijfers tonen');
    expect(admin.path()).toBe(`/programmacijfers?datum=${lastMonth}&vergelijk=`);
    const head = await tableByCaption(admin, /^Kerncijfers$/).locator('thead th').allInnerTexts();
    expect(head.map((h) => h.trim())).toEqual(['Cijfer', `Op ${nlDate(lastMonth)}`]);
    const lastMonthMatches = await tableByCaption(admin, /^Kerncijfers$/)
      .locator('tbody tr')
      .filter({ has: admin.page.locator('th', { hasText: FIGURES.matches[1] }) })
      .locator('td')
      .allInnerTexts();
    expect(lastMonthMatches.map(nlNumber)).toEqual([after.matches.compare]);
    await admin.done();
  });

  it('the figures follow corrections and ends: a municipality stops, a branch link ends, a mistaken status is corrected', { timeout: 180_000 }, async () => {
    const admin = await loggedIn(DEMO_ADMIN);
    const today = new Date().toLocaleDateString('sv-SE', { timeZone: 'Europe/Amsterdam' });
    const STOP = '2022-02-15';
    const DAY_BEFORE = '2022-02-14';
    const PARTICIPATING = 'Deelnemende gemeenten';
    const RUNNING = 'Lopende samenwerkingen en pilots';
    const at = async (date: string, compare: string) => {
      await admin.visit(`/programmacijfers?datum=${date}&vergelijk=${compare}`);
      return { participating: await figure(admin, 'Kerncijfers', PARTICIPATING), running: await figure(admin, 'Kerncijfers', RUNNING) };
    };
    const before = await at(STOP, DAY_BEFORE);

    // ----- A municipality that stopped: Ede (demo: signed 30 June 2020, stopped 1 April 2023). The team corrects the stop date.
    await admin.visit('/beheer/deelnames?q=Ede');
    await admin.clickLink('Ede', { exact: true });
    await admin.clickLink('Deelname bewerken', { exact: true });
    const stopped = admin.page.getByLabel(/^Gestopt op/);
    // A stop before the signing date is refused, with the message at the field and in the summary; nothing is saved.
    await stopped.fill('2019-01-01');
    await admin.navigate(() => admin.page.getByRole('button', { name: 'Opslaan', exact: true }).click(), 422);
    expect(await admin.page.locator('#foutoverzicht').innerText()).toContain('De stopdatum ligt vóór de datum van ondertekening');
    expect(await admin.page.getByLabel(/^Gestopt op/).inputValue()).toBe('2019-01-01');
    await admin.page.getByLabel(/^Gestopt op/).fill(STOP);
    await submit(admin, 'Opslaan');
    expect(await summary(admin.page.locator('main'), 'Gestopt op')).toBe(nlDate(STOP));
    // It took part up to, not including, the stop date: one fewer on the stop date, the same the day before.
    const afterStop = await at(STOP, DAY_BEFORE);
    expect(afterStop.participating.date).toBe(before.participating.date - 1);
    expect(afterStop.participating.compare).toBe(before.participating.compare);

    // ----- A branch link that ended: the supermarket's store in Zwolle is no branch any more from the stop date on.
    await admin.visit('/nationale-coalitie?q=Dagvers');
    await admin.clickLink(SUPERMARKET, { exact: true });
    const memberPage = admin.path();
    await admin.clickLink(/^Ontkoppelen \(.*Zwolle Stadshagen\)$/);
    expect(await admin.h1()).toMatch(/Zwolle Stadshagen ontkoppelen$/);
    await admin.page.getByLabel('De organisatie is geen vestiging meer', { exact: true }).check();
    await admin.page.getByLabel(/^Geen vestiging meer vanaf/).fill(STOP);
    await submit(admin, 'Ontkoppelen');
    expect(admin.path()).toBe(memberPage);
    expect(await flash(admin)).toContain('De vestiging is ontkoppeld.');
    const history = tableByCaption(admin, /^Huidige en eerdere vestigingen van /).locator('tbody tr').filter({ hasText: 'Zwolle Stadshagen' });
    expect((await history.locator('td').allInnerTexts()).map((c) => c.trim()).slice(2)).toEqual([nlDate('2019-09-25'), nlDate(STOP)]);
    expect(await tableByCaption(admin, /^Lokale vestigingen van /).locator('tbody tr').filter({ hasText: 'Zwolle Stadshagen' }).count()).toBe(0);

    // ----- A status recorded by mistake: "Boodschappenmaatjes" did not end on 31 December 2024; the team corrects it.
    const running = await at(today, '2024-12-30');
    await admin.visit('/samenwerkingen?q=Boodschappenmaatjes');
    await admin.clickLink('Boodschappenmaatjes met supermarkten (demo)', { exact: true });
    const collaboration = admin.path();
    expect(await summary(admin.page.locator('main'), 'Huidige status')).toBe('Beëindigd');
    await admin.clickLink(/^Corrigeren \(Beëindigd vanaf 31 december 2024\)$/);
    // The confirmation button asks once more in the browser ("Ja, verwijderen?"): the team member says OK.
    admin.page.once('dialog', (d) => void d.accept());
    await submit(admin, 'Ja, verwijderen');
    expect(admin.path()).toBe(collaboration);
    expect(await summary(admin.page.locator('main'), 'Huidige status')).toBe('Project');
    expect(await tableByCaption(admin, /^Statusgeschiedenis/).locator('tbody tr').filter({ hasText: 'Beëindigd' }).count()).toBe(0);
    const corrected = await at(today, '2024-12-30');
    expect(corrected.running.date).toBe(running.running.date + 1);
    expect(corrected.running.compare).toBe(running.running.compare);
    await admin.done();
  });

  it('a business contact asks to be erased: the programme team finds, shows and erases their data', { timeout: 120_000 }, async () => {
    const admin = await loggedIn(DEMO_ADMIN);
    await admin.visit('/contactpersonen');
    const first = tableByCaption(admin, /^Contactpersonen/).locator('tbody tr').first().locator('a').first();
    const name = (await first.innerText()).trim();
    await admin.navigate(() => first.click());
    const personPage = admin.path();
    const email = await summary(admin.page.locator('main'), 'E-mailadres');
    expect(email).toMatch(/@.+\.example\.nl$/);

    await admin.visit('/beheer/privacyverzoeken/netwerk');
    expect(await admin.h1()).toMatch(/Privacyverzoeken/);
    await admin.page.getByLabel(/^E-mailadres/).fill(email.toUpperCase()); // case does not matter
    await submit(admin, 'Zoeken op e-mailadres');
    const found = admin.page.locator('main input[type="checkbox"]');
    expect(await found.count()).toBeGreaterThan(0);
    expect(await admin.page.locator('main').innerText()).toContain(name);
    for (const box of await found.all()) await box.check();
    await submit(admin, 'Gegevens bekijken');
    expect(await admin.page.locator('main').innerText()).toContain(email);

    // Back to the search, tick the findings again and erase them after the confirmation.
    await admin.visit('/beheer/privacyverzoeken/netwerk');
    await admin.page.getByLabel(/^E-mailadres/).fill(email);
    await submit(admin, 'Zoeken op e-mailadres');
    for (const box of await admin.page.locator('main input[type="checkbox"]').all()) await box.check();
    await submit(admin, 'Gegevens verwijderen…');
    // Without the confirmation nothing happens.
    await admin.navigate(() => admin.page.getByRole('button', { name: 'Definitief verwijderen', exact: true }).click(), 422);
    await admin.page.locator('main input[name="bevestiging"]').check();
    await submit(admin, 'Definitief verwijderen');
    // The person is gone from the contact persons (demo names repeat, so by the page), and a new search finds nothing any more.
    await admin.visit(personPage, 404);
    await admin.visit('/beheer/privacyverzoeken/netwerk');
    await admin.page.getByLabel(/^E-mailadres/).fill(email);
    await submit(admin, 'Zoeken op e-mailadres');
    expect(await admin.page.locator('main input[type="checkbox"]').count()).toBe(0);
    await admin.done();
  });
});

