import { eq } from 'drizzle-orm';
import type { Db } from '../db/index.js';
import { userRoles, users } from '../db/schema.js';
import { isRole, type Principal, type RoleGrant } from '../access.js';
import { expandMunicipalityScope, liveScopeIds } from '../../modules/registry/service.js';

/** Loads an active user with roles and expanded scopes, or null when missing or deactivated. */
export async function loadUserPrincipal(db: Db, userId: number): Promise<Principal | null> {
  const [u] = await db.select().from(users).where(eq(users.id, userId));
  if (!u || !u.active) return null;
  const grants = await db.select().from(userRoles).where(eq(userRoles.userId, userId));
  // A grant whose municipality or organisation was deleted no longer gives any rights.
  const live = await liveScopeIds(db, {
    municipalityIds: grants.map((g) => g.municipalityId).filter((x): x is number => x != null),
    organisationIds: grants.map((g) => g.organisationId).filter((x): x is number => x != null),
  });
  const roles: RoleGrant[] = grants
    .filter((g) => isRole(g.role))
    .filter((g) => (g.municipalityId == null || live.municipalityIds.has(g.municipalityId)) && (g.organisationId == null || live.organisationIds.has(g.organisationId)))
    .map((g) => ({ role: g.role as RoleGrant['role'], municipalityId: g.municipalityId, organisationId: g.organisationId }));
  const direct = roles.map((r) => r.municipalityId).filter((x): x is number => x != null);
  const scopes: NonNullable<Principal['scopes']> = {};
  for (const role of new Set(roles.map((r) => r.role))) {
    const own = roles.filter((r) => r.role === role);
    scopes[role] = {
      municipalityIds: await expandMunicipalityScope(db, own.map((r) => r.municipalityId).filter((x): x is number => x != null)),
      organisationIds: own.map((r) => r.organisationId).filter((x): x is number => x != null),
    };
  }
  return {
    scopes,
    kind: 'user',
    id: u.id,
    label: u.name,
    email: u.email,
    roles,
    municipalityIds: await expandMunicipalityScope(db, direct),
    organisationIds: [...new Set(roles.map((r) => r.organisationId).filter((x): x is number => x != null))],
  };
}
