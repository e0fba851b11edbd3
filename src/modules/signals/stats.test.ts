import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desc, eq, inArray } from 'drizzle-orm';
import { createTestApp, createUser, seedReference, TestClient, type TestApp } from '../../../test/helpers/app.js';
import { addRule, addSignal, setupSignalPoint, signalInput, type SignalPointSetup } from '../../../test/helpers/signals.js';
import { auditLog } from '../../platform/db/schema.js';
import { readTable } from '../../platform/tabular.js';
import { signals } from './schema.js';
import type { SignalInput } from './intake.js';
import { breakdown, computeStats, formatDuration, parseWindow, periodLabel, windowPeriod } from './stats-service.js';

/**
 * Statistics on a small, hand-computed data set (the first quarter of 2026: January–March):
 *
 * Municipality A (GM0344), organisation X (the default signal point), 10 signals:
 *   January, 7 × pharmacy, neighbourhood 0, form; first contact after 2, 4, 10, 20, 30 and 50
 *     hours (deadline 48 h) and one without contact; 5 closed "referred to an activity",
 *     1 in contact, 1 new.
 *   February, 3 in neighbourhood 1: 2 × neighbour/family and 1 asking for themself; all new.
 * Municipality A, organisation Y (rule: deliverers), January: 2 × deliverer through the API,
 *   neighbourhood 0, new.
 * Municipality B (GM0363): 5 in January and 1 on 31 January 23:30 UTC (= 1 February in the
 *   Netherlands), pharmacy, new.
 *
 * A: received 12; per month Jan 9, Feb 3, Mar 0 → Feb "<5" and so Jan "niet getoond";
 *   first contact n 6, median (10+20)/2 = 15 h, P90 30 + 0.5 × 20 = 40 h; with a deadline 12,
 *   overdue 7 (50 h, the one without contact, the 2 deliverers, the 3 of February) = 58.3%;
 *   open 7.
 */

let t: TestApp;
let x: SignalPointSetup;
let y: SignalPointSetup;
let b: SignalPointSetup;
const refs: string[] = [];
const BASE = '/signalen/statistieken';
const PERIOD = 'jaar=2026&kwartaal=1';
const H = 3600_000;

async function add(sp: SignalPointSetup, pc: 0 | 1, at: string, input: Partial<SignalInput> = {}, channel: 'form' | 'api' = 'form') {
  const r = await addSignal(t.ctx, signalInput(sp.postcodes[pc], 10 + refs.length, input), { now: new Date(at), channel });
  refs.push(r.reference);
  return r.id;
}

async function login(email: string) {
  const c = new TestClient(t.app);
  await c.login(email);
  return c;
}

/** Numeric cells of every table and the value labels of every chart: never 1–4. */
function shownNumbers(html: string): number[] {
  const cells = [...html.matchAll(/utrecht-table__cell--numeric">([0-9.]+)<\/td>/g)].map((m) => Number(m[1]!.replace(/\./g, '')));
  const bars = [...html.matchAll(/class="bm-chart__value"[^>]*>([^<]+)<\/text>/g)].map((m) => m[1]!).filter((v) => /^[0-9.]+$/.test(v)).map((v) => Number(v.replace(/\./g, '')));
  return [...cells, ...bars];
}

async function parseCsv(body: string) {
  return (await readTable(Buffer.from(body), 'csv')) as { figure: string; code: string; label: string; value: string; percent: string }[];
}

beforeAll(async () => {
  t = await createTestApp();
  await seedReference(t.db);
  x = await setupSignalPoint(t.db, { cbsCode: 'GM0344' });
  y = await setupSignalPoint(t.db, { cbsCode: 'GM0344', isDefault: false });
  await addRule(t.db, { municipalityId: x.municipalityId, signalPointId: y.signalPointId, signallerType: 'deliverer' });
  b = await setupSignalPoint(t.db, { cbsCode: 'GM0363' });
  await createUser(t.db, 'admin@test.example', [{ role: 'programme_admin' }]);
  await createUser(t.db, 'coord-a@test.example', [{ role: 'municipality_coordinator', municipalityId: x.municipalityId }]);
  await createUser(t.db, 'advisor-a@test.example', [{ role: 'advisor', municipalityId: x.municipalityId }]);
  await createUser(t.db, 'visitor@test.example', [{ role: 'visitor', organisationId: x.organisationId }]);

  const hours = [2, 4, 10, 20, 30, 50, null];
  for (const [i, h] of hours.entries()) {
    const received = new Date(Date.UTC(2026, 0, 5 + i, 9));
    const id = await add(x, 0, received.toISOString());
    await t.db
      .update(signals)
      .set({
        dueAt: new Date(received.getTime() + 48 * H),
        firstContactAt: h == null ? null : new Date(received.getTime() + h * H),
        status: i < 5 ? 'closed' : i === 5 ? 'in_contact' : 'new',
        outcome: i < 5 ? 'referred_activity' : null,
        closedAt: i < 5 ? new Date(received.getTime() + 100 * H) : null,
      })
      .where(eq(signals.id, id));
  }
  await add(x, 1, '2026-02-10T09:00:00Z', { signallerType: 'neighbour_family' });
  await add(x, 1, '2026-02-11T09:00:00Z', { signallerType: 'neighbour_family' });
  await add(x, 1, '2026-02-12T09:00:00Z', { kind: 'self', signallerType: 'self', signaller: {} });
  await add(x, 0, '2026-01-20T09:00:00Z', { signallerType: 'deliverer' }, 'api');
  await add(x, 0, '2026-01-21T09:00:00Z', { signallerType: 'deliverer' }, 'api');
  for (let i = 0; i < 5; i++) await add(b, 0, `2026-01-${String(10 + i).padStart(2, '0')}T09:00:00Z`);
  await add(b, 0, '2026-01-31T23:30:00Z');
});
afterAll(() => t.close());

describe('suppression rules (pure)', () => {
  it('shows 1–4 as "<5", a true 0 as 0, and withholds the next smallest count when exactly one is small', () => {
    const r = breakdown([
      { code: 'a', label: 'A', count: 9 },
      { code: 'b', label: 'B', count: 3 },
      { code: 'c', label: 'C', count: 0 },
      { code: 'd', label: 'D', count: 20 },
    ]);
    expect(r.rows.map((x) => x.display)).toEqual(['niet getoond', '<5', '0', '20']);
    expect(r.rows.map((x) => x.percent)).toEqual([null, null, 0, 62.5]);
    expect(r.total).toEqual({ value: 32, display: '32' });
    const two = breakdown([
      { code: 'a', label: 'A', count: 2 },
      { code: 'b', label: 'B', count: 3 },
      { code: 'c', label: 'C', count: 6 },
    ]);
    expect(two.rows.map((x) => x.display)).toEqual(['<5', '<5', '6']);
    const tiny = breakdown([{ code: 'a', label: 'A', count: 4 }]);
    expect(tiny.total.display).toBe('<5');
    expect(tiny.rows[0]!.percent).toBeNull();
  });

  it('formats durations as days and hours', () => {
    expect(formatDuration(40)).toBe('1 dag en 16 uur');
    expect(formatDuration(15)).toBe('15 uur');
    expect(formatDuration(48.2)).toBe('2 dagen');
    expect(formatDuration(null)).toBe('te weinig signalen');
  });

  it('allows only whole calendar quarters: fixed windows that never overlap', () => {
    const now = new Date('2026-11-20T12:00:00Z');
    // Default: the current quarter (Amsterdam time).
    expect(parseWindow({}, now)).toEqual({ ok: true, window: { year: 2026, quarter: 4 }, period: { from: '2026-10', to: '2026-12' } });
    expect(parseWindow({}, new Date('2026-03-31T22:30:00Z'))).toMatchObject({ ok: true, window: { year: 2026, quarter: 2 } }); // 1 April 00:30 in Amsterdam
    expect(parseWindow({ jaar: '2024', kwartaal: '2' }, now)).toEqual({ ok: true, window: { year: 2024, quarter: 2 }, period: { from: '2024-04', to: '2024-06' } });
    expect(parseWindow({ jaar: '2024' }, now)).toMatchObject({ ok: true, window: { year: 2024, quarter: 4 } });
    // Every quarter of a year: four windows side by side, no month in two of them.
    const months = [1, 2, 3, 4].flatMap((q) => {
      const p = windowPeriod({ year: 2025, quarter: q as 1 | 2 | 3 | 4 });
      return [p.from, p.to];
    });
    expect(months).toEqual(['2025-01', '2025-03', '2025-04', '2025-06', '2025-07', '2025-09', '2025-10', '2025-12']);
    expect(periodLabel(windowPeriod({ year: 2026, quarter: 1 }))).toBe('1e kwartaal 2026 (januari tot en met maart)');
    // Refused: a month range (the differencing of overlapping periods), a quarter not yet begun, values not in the lists.
    for (const q of [{ van: '2021-01', tot: '2026-03' }, { van: '2021-02', tot: '2026-03' }, { van: '2026-01' }, { tot: '2026-03', jaar: '2026', kwartaal: '1' }]) {
      expect(parseWindow(q, now)).toEqual({ ok: false, errors: { kwartaal: expect.stringContaining('Cijfers zijn er per kwartaal') } });
    }
    expect(parseWindow({ jaar: '2026', kwartaal: '4' }, new Date('2026-08-01T12:00:00Z'))).toEqual({ ok: false, errors: { kwartaal: 'Dit kwartaal is nog niet begonnen. Kies een eerder kwartaal.' } });
    expect(parseWindow({ jaar: '2019', kwartaal: '1' }, now)).toMatchObject({ ok: false, errors: { jaar: 'Kies een jaar uit de lijst (2021 tot en met 2026).' } });
    expect(parseWindow({ jaar: '2027' }, now)).toMatchObject({ ok: false, errors: { jaar: expect.any(String) } });
    expect(parseWindow({ jaar: '2026', kwartaal: '5' }, now)).toEqual({ ok: false, errors: { kwartaal: 'Kies een kwartaal uit de lijst.' } });
    expect(parseWindow({ jaar: '2026', kwartaal: '1.5' }, now)).toMatchObject({ ok: false });
  });
});

describe('computeStats on the data set', () => {
  it('computes the figures of municipality A by hand', async () => {
    const s = await computeStats(t.db, { kind: 'municipality', value: 'GM0344', label: 'A', municipalityId: x.municipalityId }, { from: '2026-01', to: '2026-03' }, new Date());
    expect(s.received).toEqual({ value: 12, display: '12' });
    expect(s.perMonth.rows.map((r) => [r.code, r.display])).toEqual([
      ['2026-01', 'niet getoond'],
      ['2026-02', '<5'],
      ['2026-03', '0'],
    ]);
    const type = Object.fromEntries(s.bySignallerType.rows.map((r) => [r.code, r.display]));
    expect(type).toMatchObject({ pharmacy: '7', neighbour_family: '<5', self: '<5', deliverer: '<5', police: '0' });
    expect(s.bySignallerType.rows.find((r) => r.code === 'pharmacy')!.percent).toBe(58.3);
    expect(s.byArea.rows.map((r) => r.display).sort()).toEqual(['<5', 'niet getoond']);
    expect(s.byOutcome.rows.find((r) => r.code === 'referred_activity')).toMatchObject({ display: '5', percent: 100 });
    expect(s.byOutcome.total.display).toBe('5');
    expect(Object.fromEntries(s.byKind.rows.map((r) => [r.code, r.display]))).toEqual({ worry: 'niet getoond', self: '<5' });
    expect(Object.fromEntries(s.byChannel.rows.map((r) => [r.code, r.display]))).toEqual({ form: 'niet getoond', api: '<5' });
    expect(s.firstContact).toEqual({ n: { value: 6, display: '6' }, medianHours: 15, p90Hours: 40 });
    expect(s.withDeadline.value).toBe(12);
    expect(s.overdue).toEqual({ value: 7, display: '7' });
    expect(s.overduePercent).toBe(58.3);
    expect(s.openInPeriod.value).toBe(7);
    expect(s.openNow.value).toBe(7);
  });

  it('withholds the median and percentile over fewer than 5 signals, and a percentage of a small count', async () => {
    const s = await computeStats(t.db, { kind: 'organisation', value: `org-${x.organisationId}`, label: 'X', organisationId: x.organisationId }, { from: '2026-01', to: '2026-01' }, new Date());
    expect(s.received.value).toBe(7);
    expect(s.overdue).toEqual({ value: null, display: '<5' });
    expect(s.overduePercent).toBeNull();
    const feb = await computeStats(t.db, { kind: 'organisation', value: `org-${x.organisationId}`, label: 'X', organisationId: x.organisationId }, { from: '2026-02', to: '2026-02' }, new Date());
    expect(feb.firstContact).toEqual({ n: { value: 0, display: '0' }, medianHours: null, p90Hours: null });
    expect(feb.received).toEqual({ value: null, display: '<5' });
  });

  it('counts by Amsterdam month: 31 January 23:30 UTC is February', async () => {
    const s = await computeStats(t.db, { kind: 'municipality', value: 'GM0363', label: 'B', municipalityId: b.municipalityId }, windowPeriod({ year: 2026, quarter: 1 }), new Date());
    expect(s.perMonth.rows.map((r) => r.display)).toEqual(['niet getoond', '<5', '0']);
    expect(s.received.value).toBe(6);
  });
});

describe('statistics page and CSV: scope', () => {
  it('shows the programme admin all municipalities, or one', async () => {
    const c = await login('admin@test.example');
    let res = await c.get(`${BASE}?${PERIOD}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Alle gemeenten: 1e kwartaal 2026 (januari tot en met maart)');
    expect(res.body).toContain('Signalen per gemeente');
    expect(res.body).toMatch(/Ontvangen signalen<\/th><td class="utrecht-table__cell utrecht-table__cell--numeric">18</);
    res = await c.get(`${BASE}?bereik=GM0363&${PERIOD}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/Ontvangen signalen<\/th><td class="utrecht-table__cell utrecht-table__cell--numeric">6</);
    expect((await c.get(`${BASE}?bereik=GM9999&${PERIOD}`)).statusCode).toBe(404);
  });

  it('shows a coordinator and an advisor their own municipality, and 404 for another', async () => {
    for (const email of ['coord-a@test.example', 'advisor-a@test.example']) {
      const c = await login(email);
      const res = await c.get(`${BASE}?${PERIOD}`);
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('Gemeente ');
      expect(res.body).toMatch(/Ontvangen signalen<\/th><td class="utrecht-table__cell utrecht-table__cell--numeric">12</);
      expect(res.body).toContain('Signalen per buurt');
      expect((await c.get(`${BASE}?bereik=GM0363&${PERIOD}`)).statusCode).toBe(404);
      expect((await c.get(`${BASE}.csv?bereik=GM0363&${PERIOD}`)).statusCode).toBe(404);
      expect((await c.get(`${BASE}?bereik=alle&${PERIOD}`)).statusCode).toBe(404);
      expect((await c.get(`${BASE}?bereik=org-${x.organisationId}&${PERIOD}`)).statusCode).toBe(404);
    }
  });

  it('shows a signal coordinator only their organisation', async () => {
    const c = await login(x.coordinator.email);
    const res = await c.get(`${BASE}?${PERIOD}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/Ontvangen signalen<\/th><td class="utrecht-table__cell utrecht-table__cell--numeric">10</);
    expect((await c.get(`${BASE}?bereik=GM0344&${PERIOD}`)).statusCode).toBe(404);
    expect((await c.get(`${BASE}?bereik=org-${y.organisationId}&${PERIOD}`)).statusCode).toBe(404);
    const other = await login(y.coordinator.email);
    expect((await other.get(`${BASE}?${PERIOD}`)).body).toMatch(/Ontvangen signalen<\/th><td class="utrecht-table__cell utrecht-table__cell--numeric">&lt;5</);
  });

  it('refuses signal handlers and other roles (403) and anonymous visitors (login)', async () => {
    for (const email of [x.handlers[0].email, 'visitor@test.example']) {
      const c = await login(email);
      expect((await c.get(BASE)).statusCode).toBe(403);
      expect((await c.get(`${BASE}.csv`)).statusCode).toBe(403);
    }
    expect([302, 303]).toContain((await new TestClient(t.app).get(BASE)).statusCode);
  });

  it('answers 422 with a message per field for a bad quarter', async () => {
    const c = await login('coord-a@test.example');
    const res = await c.get(`${BASE}?jaar=1990&kwartaal=7`);
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Kies een jaar uit de lijst');
    expect(res.body).toContain('href="#veld-jaar"');
    expect(res.body).toContain('Kies een kwartaal uit de lijst.');
    expect(res.body).toContain('href="#veld-kwartaal"');
    expect(res.body).not.toContain('Kerncijfers');
    expect((await c.get(`${BASE}.csv?jaar=1990&kwartaal=1`)).statusCode).toBe(422);
  });

  it('refuses an arbitrary month range (422), on the page and in the CSV: no differencing of overlapping periods', async () => {
    const c = await login('admin@test.example');
    const audits = (await t.db.select().from(auditLog).where(eq(auditLog.entity, 'signal_statistics'))).length;
    // The attack of the review: 2021-01…2026-03 minus 2021-02…2026-03 would give January 2021 exactly.
    for (const range of ['van=2021-01&tot=2026-03', 'van=2021-02&tot=2026-03', 'van=2026-01&tot=2026-01', 'van=2026-02&tot=2026-02&jaar=2026&kwartaal=1']) {
      const page = await c.get(`${BASE}?bereik=GM0344&${range}`);
      expect(page.statusCode).toBe(422);
      expect(page.body).toContain('Cijfers zijn er per kwartaal: kies een jaar en een kwartaal.');
      expect(page.body).not.toContain('Kerncijfers');
      expect(shownNumbers(page.body)).toEqual([]);
      const csv = await c.get(`${BASE}.csv?bereik=GM0344&${range}`);
      expect(csv.statusCode).toBe(422);
      expect(csv.body).not.toContain('received');
    }
    expect((await t.db.select().from(auditLog).where(eq(auditLog.entity, 'signal_statistics'))).length).toBe(audits);
    // The form offers a year and a quarter, nothing else; the page explains why.
    const form = await c.get(BASE);
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('name="jaar"');
    expect(form.body).toContain('name="kwartaal"');
    expect(form.body).not.toContain('name="van"');
    expect(form.body).toContain('Cijfers per kwartaal, zodat kleine aantallen niet uit verschillen tussen perioden te herleiden zijn');
    expect(form.body).toContain('1e kwartaal (januari tot en met maart)');
  });
});

describe('statistics page and CSV: suppression and no persons', () => {
  it('never shows a count of 1–4, a reference or a name on the page', async () => {
    const c = await login('coord-a@test.example');
    const res = await c.get(`${BASE}?${PERIOD}`);
    expect(res.statusCode).toBe(200);
    const numbers = shownNumbers(res.body);
    expect(numbers.length).toBeGreaterThan(20);
    expect(numbers.filter((n) => n >= 1 && n <= 4)).toEqual([]);
    expect(res.body).toContain('&lt;5');
    expect(res.body).toContain('niet getoond');
    expect(res.body).toContain('1 dag en 16 uur'); // P90
    expect(res.body).toContain('15 uur'); // median
    expect(res.body).toContain('58,3%');
    expect(res.body.match(/<h1/g)).toHaveLength(1);
    expect(res.body.match(/<svg/g)!.length).toBe(6);
    expect(res.body.match(/<table/g)!.length).toBe(7);
    for (const r of refs) expect(res.body).not.toContain(r);
    for (const s of ['De Vries', 'Dorpsstraat', 'Apotheker Jansen', x.postcodes[0], 'medicijnen']) expect(res.body).not.toContain(s);
  });

  it('exports the same figures as CSV with the same suppression, audit-logged', async () => {
    const c = await login('coord-a@test.example');
    const res = await c.get(`${BASE}.csv?${PERIOD}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.headers['content-disposition']).toBe('attachment; filename="signaalcijfers-gm0344-2026-k1.csv"');
    const rows = await parseCsv(res.body);
    const get = (figure: string, code = '') => rows.find((r) => r.figure === figure && r.code === code);
    expect(get('received')!.value).toBe('12');
    expect(get('period', '2026-01/2026-03')!.label).toBe('1e kwartaal 2026 (januari tot en met maart)');
    expect(get('per_month', '2026-01')!.value).toBe('niet getoond');
    expect(get('per_month', '2026-02')!.value).toBe('<5');
    expect(get('per_month', '2026-03')!.value).toBe('0');
    expect(get('per_month', 'total')!.value).toBe('12');
    expect(get('by_signaller_type', 'pharmacy')).toMatchObject({ value: '7', percent: '58.3' });
    expect(get('by_signaller_type', 'deliverer')).toMatchObject({ value: '<5', percent: '' });
    expect(get('first_contact_median_hours')!.value).toBe('15.0');
    expect(get('first_contact_p90_hours')!.value).toBe('40.0');
    expect(get('overdue')).toMatchObject({ value: '7', percent: '58.3' });
    const counts = rows.filter((r) => !r.figure!.startsWith('first_contact_') && /^\d+$/.test(r.value ?? '')).map((r) => Number(r.value));
    expect(counts.filter((n) => n >= 1 && n <= 4)).toEqual([]);
    for (const r of refs) expect(res.body).not.toContain(r);
    for (const s of ['De Vries', 'Dorpsstraat', x.postcodes[0]]) expect(res.body).not.toContain(s);
    const semicolon = await c.get(`${BASE}.csv?${PERIOD}&scheidingsteken=puntkomma`);
    expect(semicolon.body).toContain('by_signaller_type;pharmacy;Apotheek;7;58,3');
    const [entry] = await t.db.select().from(auditLog).where(inArray(auditLog.action, ['export'])).orderBy(desc(auditLog.id)).limit(1);
    expect(entry).toMatchObject({ entity: 'signal_statistics', actorLabel: 'coord-a@test.example', details: { scope: 'GM0344', year: 2026, quarter: 1, from: '2026-01', to: '2026-03' } });
  });
});
