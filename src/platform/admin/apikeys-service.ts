import { and, desc, eq, isNull } from 'drizzle-orm';
import type { Db } from '../db/index.js';
import { apiKeys } from '../db/schema.js';
import { organisations } from '../../modules/registry/schema.js';
import { randomToken, sha256 } from '../crypto.js';
import type { ApiAction, Principal } from '../access.js';

const PREFIX = 'ete_';

/** Creates a key; the raw key is returned once and never stored. */
export async function createApiKey(db: Db, input: { name: string; organisationId: number; actions: ApiAction[]; createdBy: number }) {
  const raw = PREFIX + randomToken(24);
  const [row] = await db
    .insert(apiKeys)
    .values({ name: input.name, prefix: raw.slice(0, 10), keyHash: sha256(raw), organisationId: input.organisationId, actions: input.actions, createdBy: input.createdBy })
    .returning();
  return { row, raw };
}

/** Revokes a key. Call forgetApiKeys() again after the surrounding transaction commits. */
export async function revokeApiKey(db: Db, id: number): Promise<boolean> {
  const r = await db.update(apiKeys).set({ revokedAt: new Date() }).where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt))).returning();
  forgetApiKeys();
  return r.length > 0;
}

/**
 * Authenticated keys are remembered for API_KEY_CACHE_MS, so a partner app posting hundreds of
 * signals per second costs one database round trip per request instead of two. A revocation or
 * an organisation deletion through the app clears the cache at once on this instance; on other
 * instances (several app processes) a revoked key keeps working for at most this long.
 */
export const API_KEY_CACHE_MS = 10_000;
/** Keyed by the key's SHA-256 (unique across databases too). */
const keyCache = new Map<string, { principal: Principal; until: number }>();
/** Bumped by every forget: a lookup that was under way meanwhile does not put its (maybe stale) answer in the cache. */
let generation = 0;

/**
 * Forgets every remembered key: after a revocation or an organisation deletion, once inside
 * the transaction and once after its commit (so a lookup that read the old row in between is
 * not remembered either).
 */
export function forgetApiKeys(): void {
  generation++;
  keyCache.clear();
}

const selectKeys = (db: Db) =>
  db
    .select({
      id: apiKeys.id,
      name: apiKeys.name,
      prefix: apiKeys.prefix,
      organisationId: apiKeys.organisationId,
      organisationName: organisations.name,
      actions: apiKeys.actions,
      createdAt: apiKeys.createdAt,
      lastUsedAt: apiKeys.lastUsedAt,
      revokedAt: apiKeys.revokedAt,
    })
    .from(apiKeys)
    .leftJoin(organisations, eq(organisations.id, apiKeys.organisationId));

/** All keys, newest first, with the name of their organisation (never the hash). */
export async function listApiKeys(db: Db) {
  return selectKeys(db).orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
}
export type ApiKeyRow = Awaited<ReturnType<typeof listApiKeys>>[number];

export async function getApiKey(db: Db, id: number): Promise<ApiKeyRow | null> {
  const [row] = await selectKeys(db).where(eq(apiKeys.id, id));
  return row ?? null;
}

/** Resolves a bearer key to a principal; records the last-used time (at most once a minute). */
export async function authenticateApiKey(db: Db, raw: string): Promise<Principal | null> {
  if (!raw.startsWith(PREFIX) || raw.length > 100) return null;
  const hash = sha256(raw);
  const hit = keyCache.get(hash);
  if (hit && hit.until > Date.now()) return hit.principal;
  const before = generation;
  const principal = await lookupApiKey(db, raw);
  if (principal && generation === before) {
    if (keyCache.size > 10_000) keyCache.clear();
    keyCache.set(hash, { principal, until: Date.now() + API_KEY_CACHE_MS });
  }
  return principal;
}

async function lookupApiKey(db: Db, raw: string): Promise<Principal | null> {
  // A key of a deleted organisation stops working (the join requires a live organisation).
  const [row] = await db
    .select({ k: apiKeys })
    .from(apiKeys)
    .innerJoin(organisations, and(eq(organisations.id, apiKeys.organisationId), isNull(organisations.deletedAt)))
    .where(and(eq(apiKeys.keyHash, sha256(raw)), isNull(apiKeys.revokedAt)));
  if (!row) return null;
  const k = row.k;
  if (!k.lastUsedAt || Date.now() - k.lastUsedAt.getTime() > 60_000) {
    await db.update(apiKeys).set({ lastUsedAt: new Date() }).where(eq(apiKeys.id, k.id));
  }
  return {
    kind: 'api_key',
    id: k.id,
    label: k.name,
    roles: [],
    municipalityIds: [],
    organisationIds: [k.organisationId],
    apiActions: k.actions as ApiAction[],
  };
}
