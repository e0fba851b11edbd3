import { and, asc, eq, isNull, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../platform/db/index.js';
import { municipalities, neighbourhoods, organisations } from '../registry/schema.js';
import { postcodeAddressAreas, postcodeAreas, signalPoints, signalRoutingRules } from './schema.js';
import type { AgeGroup, SignallerType } from './model.js';

/** Where an address lies, and how that was decided. */
export interface Area {
  municipalityId: number;
  neighbourhoodId: number | null;
  /** 'address': an exception row for this house number; 'postcode': the postcode's majority; 'pdok': the Locatieserver's answer. */
  routedBy: 'address' | 'postcode' | 'pdok';
}

/** Codes from a PDOK Locatieserver answer ("0394" or "GM0394", "BU03941663"). */
export interface PdokArea {
  municipalityCode: string;
  neighbourhoodCode?: string | null;
}

/**
 * Looks the address up in the postcode table: a house-number exception first, then the
 * postcode. Falls back to the PDOK answer (when the form got one) for a postcode the table
 * does not know. Null: the address cannot be placed in a municipality.
 */
export async function resolveArea(db: Db, postcode: string, houseNumber: number, pdok?: PdokArea | null): Promise<Area | null> {
  const rows = await db.execute<{ municipality_id: number; neighbourhood_id: number | null; by: 'address' | 'postcode' }>(sql`
    select municipality_id, neighbourhood_id, 'address' as by from ${postcodeAddressAreas}
     where postcode = ${postcode} and house_number = ${houseNumber}
    union all
    select municipality_id, neighbourhood_id, 'postcode' as by from ${postcodeAreas} where postcode = ${postcode}
    limit 1`);
  const hit = rows.rows[0];
  if (hit) return { municipalityId: hit.municipality_id, neighbourhoodId: hit.neighbourhood_id, routedBy: hit.by };
  const fromPdok = pdok ? await resolvePdokArea(db, pdok) : null;
  return fromPdok ? { ...fromPdok, routedBy: 'pdok' } : null;
}

/** The municipality (its successor when merged) and neighbourhood ids of a PDOK answer's codes. */
export async function resolvePdokArea(db: Db, pdok: PdokArea): Promise<{ municipalityId: number; neighbourhoodId: number | null } | null> {
  if (!pdok.municipalityCode) return null;
  const code = pdok.municipalityCode.startsWith('GM') ? pdok.municipalityCode : `GM${pdok.municipalityCode.padStart(4, '0')}`;
  const [m] = await db
    .select({ id: municipalities.id, successorId: municipalities.successorId })
    .from(municipalities)
    .where(and(eq(municipalities.cbsCode, code), sql`${municipalities.deletedAt} is null`));
  if (!m) return null;
  let neighbourhoodId: number | null = null;
  if (pdok.neighbourhoodCode) {
    const [n] = await db.select({ id: neighbourhoods.id }).from(neighbourhoods).where(and(eq(neighbourhoods.code, pdok.neighbourhoodCode), eq(neighbourhoods.municipalityId, m.successorId ?? m.id)));
    neighbourhoodId = n?.id ?? null;
  }
  return { municipalityId: m.successorId ?? m.id, neighbourhoodId };
}

/**
 * The routing as two SQL common table expressions, for the intake's single statement:
 * `area` (municipality_id, neighbourhood_id, by) — the house-number exception, else the
 * postcode, else the PDOK fallback — and `point` (id, organisation_id, first_contact_days) —
 * the first matching rule by position whose signal point is active (and its organisation not
 * deleted), else the active default.
 * It is the same decision as resolveArea + chooseSignalPoint; routing.test.ts checks that the
 * two agree on many generated configurations.
 */
export function routingCtes(input: { postcode: string; houseNumber: number; pdok: { municipalityId: number; neighbourhoodId: number | null } | null; facts: Omit<RoutingFacts, 'neighbourhoodId'> }): SQL {
  const { postcode, houseNumber, pdok, facts } = input;
  return sql`area as (
      select municipality_id, neighbourhood_id, by from (
        select municipality_id, neighbourhood_id, 'address'::text as by, 0 as prio from ${postcodeAddressAreas}
         where postcode = ${postcode} and house_number = ${houseNumber}
        union all
        select municipality_id, neighbourhood_id, 'postcode'::text, 1 from ${postcodeAreas} where postcode = ${postcode}
        union all
        select ${pdok?.municipalityId ?? null}::int, ${pdok?.neighbourhoodId ?? null}::int, 'pdok'::text, 2 where ${pdok?.municipalityId ?? null}::int is not null
      ) a order by prio limit 1
    ),
    point as (
      select c.id, c.organisation_id, c.first_contact_days from area
      cross join lateral (
        select sp.id, sp.organisation_id, sp.first_contact_days, 0 as prio, r.position, r.id as rule_id
          from ${signalRoutingRules} r join ${signalPoints} sp on sp.id = r.signal_point_id and sp.active
          join ${organisations} o on o.id = sp.organisation_id and o.deleted_at is null
         where r.municipality_id = area.municipality_id
           and (r.neighbourhood_id is null or r.neighbourhood_id is not distinct from area.neighbourhood_id)
           and (r.age_group is null or r.age_group = ${facts.ageGroup})
           and (r.signaller_type is null or r.signaller_type = ${facts.signallerType})
        union all
        select sp.id, sp.organisation_id, sp.first_contact_days, 1, 0, 0
          from ${signalPoints} sp join ${organisations} o on o.id = sp.organisation_id and o.deleted_at is null
         where sp.municipality_id = area.municipality_id and sp.is_default and sp.active
        order by prio, position, rule_id
        limit 1
      ) c
    )`;
}

export interface RoutingPoint {
  id: number;
  organisationId: number;
  isDefault: boolean;
  firstContactDays: number;
}

export interface RoutingRule {
  signalPointId: number;
  position: number;
  neighbourhoodId: number | null;
  ageGroup: string | null;
  signallerType: string | null;
}

export interface RoutingFacts {
  neighbourhoodId: number | null;
  ageGroup: AgeGroup;
  signallerType: SignallerType;
}

/**
 * The routing decision, as a pure function: the first rule (by position) whose set criteria
 * all match, else the municipality's default signal point, else none (the unrouted queue).
 * Rules that point to an inactive signal point are skipped.
 */
export function chooseSignalPoint(points: RoutingPoint[], rules: RoutingRule[], facts: RoutingFacts): RoutingPoint | null {
  const byId = new Map(points.map((p) => [p.id, p]));
  const ordered = [...rules].sort((a, b) => a.position - b.position);
  for (const r of ordered) {
    const point = byId.get(r.signalPointId);
    if (!point) continue;
    if (r.neighbourhoodId != null && r.neighbourhoodId !== facts.neighbourhoodId) continue;
    if (r.ageGroup != null && r.ageGroup !== facts.ageGroup) continue;
    if (r.signallerType != null && r.signallerType !== facts.signallerType) continue;
    return point;
  }
  return points.find((p) => p.isDefault) ?? null;
}

/** The active signal points and rules of a municipality. */
export async function loadRouting(db: Db, municipalityId: number): Promise<{ points: RoutingPoint[]; rules: RoutingRule[] }> {
  const [points, rules] = await Promise.all([
    db
      .select({ id: signalPoints.id, organisationId: signalPoints.organisationId, isDefault: signalPoints.isDefault, firstContactDays: signalPoints.firstContactDays })
      .from(signalPoints)
      // A signal point of a deleted organisation is not a routing target (its staff have no inbox any more).
      .innerJoin(organisations, and(eq(organisations.id, signalPoints.organisationId), isNull(organisations.deletedAt)))
      .where(and(eq(signalPoints.municipalityId, municipalityId), eq(signalPoints.active, true))),
    db
      .select({
        signalPointId: signalRoutingRules.signalPointId,
        position: signalRoutingRules.position,
        neighbourhoodId: signalRoutingRules.neighbourhoodId,
        ageGroup: signalRoutingRules.ageGroup,
        signallerType: signalRoutingRules.signallerType,
      })
      .from(signalRoutingRules)
      .where(eq(signalRoutingRules.municipalityId, municipalityId))
      .orderBy(asc(signalRoutingRules.position), asc(signalRoutingRules.id)),
  ]);
  return { points, rules };
}

/** Routes within a municipality. */
export async function routeInMunicipality(db: Db, municipalityId: number, facts: RoutingFacts): Promise<RoutingPoint | null> {
  const { points, rules } = await loadRouting(db, municipalityId);
  return chooseSignalPoint(points, rules, facts);
}
