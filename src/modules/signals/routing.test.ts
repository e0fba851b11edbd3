import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { createTestApp, seedReference, type TestApp } from '../../../test/helpers/app.js';
import { municipalityId } from '../../../test/helpers/registry.js';
import { neighbourhoods, organisations } from '../registry/schema.js';
import { postcodeAreas, signalPoints, signalRoutingRules } from './schema.js';
import { chooseSignalPoint, loadRouting, resolveArea, routingCtes } from './routing.js';
import { seededRandom } from '../../platform/random.js';
import { AGE_GROUPS, SIGNALLER_TYPES, type AgeGroup, type SignallerType } from './model.js';

/**
 * The intake routes in SQL (routingCtes, one statement per signal); the routing test form and
 * "route again" use resolveArea + chooseSignalPoint in TypeScript. Both must decide the same:
 * checked here on many generated configurations (inactive points, no default, rules with one,
 * two or three criteria, rules to inactive points, signals without a neighbourhood).
 */

let t: TestApp;
let mId: number;
let nbIds: number[];
const POSTCODE_WITH_NB = '3599AA';
const POSTCODE_WITHOUT_NB = '3599AB';

beforeAll(async () => {
  t = await createTestApp();
  await seedReference(t.db);
  mId = await municipalityId(t.db, 'GM0344');
  const nbs = await t.db
    .insert(neighbourhoods)
    .values([1, 2, 3].map((i) => ({ code: `BU0344990${i}`, kind: 'neighbourhood', name: `Testbuurt ${i}`, municipalityId: mId })))
    .returning({ id: neighbourhoods.id });
  nbIds = nbs.map((n) => n.id);
  await t.db.insert(postcodeAreas).values([
    { postcode: POSTCODE_WITH_NB, municipalityId: mId, neighbourhoodId: nbIds[0], source: 'cbs' },
    { postcode: POSTCODE_WITHOUT_NB, municipalityId: mId, neighbourhoodId: null, source: 'cbs' },
  ]);
});
afterAll(() => t.close());

async function sqlDecision(postcode: string, ageGroup: AgeGroup, signallerType: SignallerType): Promise<number | null> {
  const r = await t.db.execute<{ id: number | null }>(
    sql`with ${routingCtes({ postcode, houseNumber: 1, pdok: null, facts: { ageGroup, signallerType } })} select (select id from point) as id`,
  );
  return r.rows[0]?.id ?? null;
}

async function tsDecision(postcode: string, ageGroup: AgeGroup, signallerType: SignallerType): Promise<number | null> {
  const area = await resolveArea(t.db, postcode, 1);
  if (!area) return null;
  const { points, rules } = await loadRouting(t.db, area.municipalityId);
  return chooseSignalPoint(points, rules, { neighbourhoodId: area.neighbourhoodId, ageGroup, signallerType })?.id ?? null;
}

describe('routing in SQL and in TypeScript', () => {
  it('decide the same on 40 generated configurations × 12 signals', async () => {
    const r = seededRandom(4242);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
    let compared = 0;
    let routed = 0;
    for (let round = 0; round < 40; round++) {
      await t.db.delete(signalRoutingRules).where(eq(signalRoutingRules.municipalityId, mId));
      await t.db.delete(signalPoints).where(eq(signalPoints.municipalityId, mId));
      const points: number[] = [];
      const count = 1 + Math.floor(r() * 4);
      const withDefault = r() < 0.7;
      for (let i = 0; i < count; i++) {
        const [org] = await t.db.insert(organisations).values({ name: `Routeringstest ${round}-${i}`, kind: 'welfare', municipalityId: mId }).returning({ id: organisations.id });
        const active = i === 0 || r() < 0.75;
        // Now and then the organisation behind a point has been deleted from the register.
        if (r() < 0.15) await t.db.update(organisations).set({ deletedAt: new Date() }).where(eq(organisations.id, org.id));
        const [p] = await t.db
          .insert(signalPoints)
          .values({ municipalityId: mId, organisationId: org.id, name: `Punt ${round}-${i}`, isDefault: withDefault && i === 0, active })
          .returning({ id: signalPoints.id });
        points.push(p.id);
      }
      const ruleCount = Math.floor(r() * 5);
      for (let i = 0; i < ruleCount; i++) {
        const criteria = {
          neighbourhoodId: r() < 0.4 ? pick(nbIds) : null,
          ageGroup: r() < 0.4 ? pick(AGE_GROUPS.filter((a) => a !== 'unknown')) : null,
          signallerType: r() < 0.4 ? pick([...SIGNALLER_TYPES, 'self' as const]) : null,
        };
        await t.db.insert(signalRoutingRules).values({ municipalityId: mId, signalPointId: pick(points), position: Math.floor(r() * 3), ...criteria });
      }
      for (let k = 0; k < 12; k++) {
        const postcode = r() < 0.7 ? POSTCODE_WITH_NB : POSTCODE_WITHOUT_NB;
        const age = pick(AGE_GROUPS);
        const type = pick([...SIGNALLER_TYPES, 'self' as const]);
        const [a, b] = [await sqlDecision(postcode, age, type), await tsDecision(postcode, age, type)];
        expect(a, `round ${round}, ${postcode} ${age} ${type}`).toBe(b);
        compared++;
        if (a != null) routed++;
      }
    }
    expect(compared).toBe(480);
    // The generated cases cover both outcomes.
    expect(routed).toBeGreaterThan(100);
    expect(compared - routed).toBeGreaterThan(20);
  });

  it('agree that an unknown postcode has no area and no signal point', async () => {
    expect(await sqlDecision('9998ZZ', 'unknown', 'other')).toBeNull();
    expect(await tsDecision('9998ZZ', 'unknown', 'other')).toBeNull();
  });
});
