import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/index.js';
import { seededRandom } from '../../platform/random.js';
import type { FieldCipher } from '../../platform/crypto.js';
import { systemState, users } from '../../platform/db/schema.js';
import { loadUserPrincipal } from '../../platform/auth/principal.js';
import { municipalities, neighbourhoods, organisations } from '../registry/schema.js';
import { postcodeAreas, signalPoints, signals } from './schema.js';
import { receiveSignal, type SignalInput } from './intake.js';
import { AGE_GROUPS, OUTCOMES, SIGNALLER_TYPES, SIGNS, type AttemptResult, type Outcome } from './model.js';
import { assign, close, logAttempt, planVisit, type HandlingCtx } from './handling-service.js';

/**
 * Demo data of the signal point (synthetic; every name and address is made up): Utrecht's
 * signal point run by Welzijn Utrecht Stad, four demo neighbourhoods with a handful of postcodes,
 * and about 70 signals of the last eight months in every stage — handled by the demo social
 * worker through the real handling service, so logs, due dates and statistics are consistent.
 * A few signals come from postcodes outside Utrecht and wait in the programme's unrouted queue.
 * Seeded once (system_state 'demo_signals_seeded').
 */

const NEIGHBOURHOODS: [code: string, name: string, postcodes: string[]][] = [
  ['BU03449001', 'Binnenstad (demo)', ['3511AA', '3511AB', '3511AC', '3512AA']],
  ['BU03449002', 'Lombok (demo)', ['3531AA', '3531AB', '3532AA']],
  ['BU03449003', 'Overvecht-Noord (demo)', ['3562AA', '3562AB', '3563AA']],
  ['BU03449004', 'Leidsche Rijn-Centrum (demo)', ['3541AA', '3541AB', '3542AA']],
];
/** Postcodes outside Utrecht (no signal point there): these signals are unrouted. */
const OUTSIDE = ['3811AA', '6511AA'];

const FIRST_NAMES = ['Mevrouw Jansen', 'Meneer De Boer', 'Mevrouw Bakker', 'Meneer Visser', 'Mevrouw Smit', 'Meneer Mulder', 'Mevrouw De Groot', 'Meneer Bos', null, null];
const STORIES = [
  'Komt elke week in de winkel en vertelt steeds dat ze niemand meer spreekt sinds haar man is overleden.',
  'De gordijnen blijven de hele dag dicht en de post stapelt zich op. Ik zie hem bijna nooit meer buiten.',
  'Blijft na de knipbeurt lang praten; zegt dat dit het enige gesprek van de week is.',
  'Haalt medicijnen op en maakt een sombere indruk. Familie woont ver weg.',
  'Doet de deur bijna nooit open als ik een pakket breng; leek vandaag erg verward en alleen.',
  'Is net verhuisd naar een kleinere woning en kent niemand in de buurt.',
];

export async function seedSignalsDemo(db: Db, cipher: FieldCipher, opts: { baseUrl: string; helpdeskEmail: string; now?: Date; log?: (m: string) => void }): Promise<{ seeded: boolean; signals: number }> {
  const [done] = await db.select().from(systemState).where(eq(systemState.key, 'demo_signals_seeded'));
  if (done) return { seeded: false, signals: 0 };
  const [utrecht] = await db.select().from(municipalities).where(eq(municipalities.cbsCode, 'GM0344'));
  const [welzijn] = await db.select().from(organisations).where(eq(organisations.name, 'Welzijn Utrecht Stad'));
  const [worker] = await db.select().from(users).where(eq(users.email, 'sociaalwerker@demo.example'));
  const [coordinator] = await db.select().from(users).where(eq(users.email, 'signaalpunt@demo.example'));
  if (!utrecht || !welzijn || !worker || !coordinator) return { seeded: false, signals: 0 };
  opts.log?.('Signaalpunt Utrecht en signalen…');
  const now = opts.now ?? new Date();

  const postcodes: { postcode: string; neighbourhoodId: number }[] = [];
  for (const [code, name, pcs] of NEIGHBOURHOODS) {
    await db.insert(neighbourhoods).values({ code, kind: 'neighbourhood', name, municipalityId: utrecht.id }).onConflictDoNothing();
    const [nb] = await db.select({ id: neighbourhoods.id }).from(neighbourhoods).where(eq(neighbourhoods.code, code));
    for (const pc of pcs) {
      await db.insert(postcodeAreas).values({ postcode: pc, municipalityId: utrecht.id, neighbourhoodId: nb.id, source: 'manual', addressCount: 25 }).onConflictDoNothing();
      postcodes.push({ postcode: pc, neighbourhoodId: nb.id });
    }
  }
  const [existingPoint] = await db.select().from(signalPoints).where(and(eq(signalPoints.municipalityId, utrecht.id), eq(signalPoints.isDefault, true)));
  if (!existingPoint) {
    await db.insert(signalPoints).values({
      municipalityId: utrecht.id,
      organisationId: welzijn.id,
      name: 'Signaalpunt tegen eenzaamheid Utrecht',
      isDefault: true,
      digestEmail: 'signaalpunt@welzijn-utrecht-stad.example.nl',
    });
  }

  const principal = (await loadUserPrincipal(db, worker.id))!;
  const coordPrincipal = (await loadUserPrincipal(db, coordinator.id))!;
  const h = (p = principal): HandlingCtx => ({ db, cipher, jobs: null, helpdeskEmail: opts.helpdeskEmail, baseUrl: opts.baseUrl, principal: p, audit: { principal: p, label: 'demo-seed' } });
  const r = seededRandom(20261123);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const hours = (d: Date, n: number) => new Date(d.getTime() + n * 3600_000);
  let count = 0;
  const total = 72;
  for (let i = 0; i < total; i++) {
    // Spread over the last 240 days, more recent ones denser.
    const daysAgo = Math.floor(240 * (1 - Math.sqrt(r())));
    const received = new Date(now.getTime() - daysAgo * 86400_000 - Math.floor(r() * 8) * 3600_000);
    const outside = i % 23 === 5;
    const self = i % 11 === 3;
    const pc = outside ? { postcode: pick(OUTSIDE), neighbourhoodId: 0 } : pick(postcodes);
    const input: SignalInput = {
      kind: self ? 'self' : 'worry',
      signallerType: self ? 'self' : pick(SIGNALLER_TYPES),
      ageGroup: pick(AGE_GROUPS),
      signs: self ? [] : [pick(SIGNS), pick(SIGNS)].filter((v, j, a) => a.indexOf(v) === j),
      personKnows: self ? 'yes' : pick(['yes', 'no', 'unknown'] as const),
      feedbackRequested: !self && r() < 0.5,
      person: { name: pick(FIRST_NAMES), street: 'Voorbeeldstraat', houseNumber: 1 + Math.floor(r() * 120), postcode: pc.postcode, city: outside ? null : 'Utrecht', ...(self ? { phone: '06-12345678' } : {}) },
      signaller: self ? {} : { name: r() < 0.5 ? 'Melder (demo)' : null, email: r() < 0.6 ? `melder${i}@voorbeeld.example` : null },
      story: self ? 'Ik woon alleen en zou graag af en toe iemand spreken.' : pick(STORIES),
    };
    const res = await receiveSignal(db, cipher, input, {
      channel: i % 7 === 0 ? 'api' : 'form',
      now: received,
      audit: { label: 'demo-seed' },
      jobs: null,
      helpdeskEmail: opts.helpdeskEmail,
      baseUrl: opts.baseUrl,
    });
    count++;
    if (!res.routed) continue;
    // Handle it the way a signal point does: older signals are closed, recent ones in progress.
    const ageDays = daysAgo;
    if (ageDays < 2 && r() < 0.7) continue; // new, not yet picked up
    const picked = hours(received, 2 + Math.floor(r() * 20));
    if (ageDays < 4 && r() < 0.3) {
      // Overdue: nobody picked it up in time (left new).
      continue;
    }
    await assign(h(i % 5 === 0 ? coordPrincipal : principal), res.id, worker.id, picked);
    if (ageDays < 3) continue;
    const first = hours(picked, 1 + Math.floor(r() * 40));
    const reached = r() < 0.75;
    await logAttempt(h(), res.id, { channel: pick(['phone', 'visit'] as const), result: (reached ? 'reached' : pick(['no_answer', 'not_home', 'card_left'])) as AttemptResult, note: reached ? 'Kort gesproken, afspraak gemaakt.' : null }, first);
    if (ageDays < 10) {
      if (reached && r() < 0.5) await planVisit(h(), res.id, { date: null, note: 'Huisbezoek met vrijwilliger.' }, hours(first, 2));
      else if (!reached && r() < 0.5) await logAttempt(h(), res.id, { channel: 'phone', result: 'reached' }, hours(first, 26));
      continue;
    }
    if (!reached && r() < 0.6) await logAttempt(h(), res.id, { channel: 'visit', result: 'reached' }, hours(first, 48));
    const outcome: Outcome = !reached && r() < 0.4 ? 'unreachable' : pick(OUTCOMES.filter((o) => o !== 'unreachable'));
    await close(h(), res.id, { outcome, outcomeActivity: outcome === 'referred_activity' ? 'Koffieochtend buurthuis (demo)' : null, note: null }, hours(first, 24 * (3 + Math.floor(r() * 20))));
  }
  await db.insert(systemState).values({ key: 'demo_signals_seeded', value: { at: now.toISOString(), signals: count } }).onConflictDoNothing();
  const [{ n }] = (await db.execute<{ n: number }>(sql`select count(*)::int as n from ${signals}`)).rows as [{ n: number }];
  opts.log?.(`${n} signalen in de demo.`);
  return { seeded: true, signals: count };
}
