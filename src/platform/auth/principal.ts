import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/index.js';
import { sessions, userRoles, users } from '../db/schema.js';
import { isRole, ROLE_SCOPE, type Principal, type RoleGrant } from '../access.js';
import { sha256 } from '../crypto.js';
import { expandMunicipalityScope, liveScopeIds } from '../../modules/registry/service.js';

interface GrantRow {
  role: string;
  municipalityId: number | null;
  organisationId: number | null;
}

/**
 * The principal of a session cookie, or null (unknown, expired, or the user is deactivated).
 * Session, user and role grants come in one query — this runs on every request — and the
 * session's expiry slides at most once a minute. Expired sessions are deleted on sight.
 */
export async function loadSessionPrincipal(db: Db, raw: string, ttlHours: number): Promise<Principal | null> {
  const idHash = sha256(raw);
  const { rows } = await db.execute<{ user_id: number; expires_at: Date; last_seen_at: Date; name: string; email: string; active: boolean; grants: GrantRow[] }>(sql`
    select s.user_id, s.expires_at, s.last_seen_at, u.name, u.email, u.active,
           coalesce(json_agg(json_build_object('role', r.role, 'municipalityId', r.municipality_id, 'organisationId', r.organisation_id))
                    filter (where r.id is not null), '[]'::json) as grants
      from ${sessions} s
      join ${users} u on u.id = s.user_id
      left join ${userRoles} r on r.user_id = u.id
     where s.id_hash = ${idHash}
     group by s.id_hash, u.id`);
  const row = rows[0];
  if (!row) return null;
  const now = Date.now();
  if (new Date(row.expires_at).getTime() <= now) {
    await db.delete(sessions).where(eq(sessions.idHash, idHash));
    return null;
  }
  if (now - new Date(row.last_seen_at).getTime() > 60_000) {
    await db.update(sessions).set({ lastSeenAt: new Date(now), expiresAt: new Date(now + ttlHours * 3600_000) }).where(eq(sessions.idHash, idHash));
  }
  if (!row.active) return null;
  return principalFromGrants(db, { id: row.user_id, name: row.name, email: row.email }, row.grants);
}

/** Loads an active user with roles and expanded scopes, or null when missing or deactivated. */
export async function loadUserPrincipal(db: Db, userId: number): Promise<Principal | null> {
  const [u] = await db.select().from(users).where(eq(users.id, userId));
  if (!u || !u.active) return null;
  const grants = await db.select().from(userRoles).where(eq(userRoles.userId, userId));
  return principalFromGrants(db, u, grants);
}

async function principalFromGrants(db: Db, u: { id: number; name: string; email: string }, grants: GrantRow[]): Promise<Principal> {
  const mIds = grants.map((g) => g.municipalityId).filter((x): x is number => x != null);
  const oIds = grants.map((g) => g.organisationId).filter((x): x is number => x != null);
  // A grant whose municipality or organisation was deleted no longer gives any rights.
  const live = mIds.length || oIds.length ? await liveScopeIds(db, { municipalityIds: mIds, organisationIds: oIds }) : null;
  const roles: RoleGrant[] = grants
    .filter((g) => isRole(g.role))
    .filter((g) => (g.municipalityId == null || live!.municipalityIds.has(g.municipalityId)) && (g.organisationId == null || live!.organisationIds.has(g.organisationId)))
    .map((g) => ({ role: g.role as RoleGrant['role'], municipalityId: g.municipalityId, organisationId: g.organisationId }));
  const scopes: NonNullable<Principal['scopes']> = {};
  for (const role of new Set(roles.map((r) => r.role))) {
    const own = roles.filter((r) => r.role === role);
    const direct = own.map((r) => r.municipalityId).filter((x): x is number => x != null);
    scopes[role] = {
      // Joint approaches widen the scope of municipality-scoped roles (see expandMunicipalityScope).
      municipalityIds: ROLE_SCOPE[role] === 'municipality' && direct.length ? await expandMunicipalityScope(db, direct) : direct,
      organisationIds: own.map((r) => r.organisationId).filter((x): x is number => x != null),
    };
  }
  const all = Object.values(scopes);
  return {
    scopes,
    kind: 'user',
    id: u.id,
    label: u.name,
    email: u.email,
    roles,
    municipalityIds: [...new Set(all.flatMap((s) => s!.municipalityIds))].sort((a, b) => a - b),
    organisationIds: [...new Set(all.flatMap((s) => s!.organisationIds))],
  };
}
