import { and, eq, gt, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/index.js';
import { sessions } from '../db/schema.js';
import { randomToken, sha256 } from '../crypto.js';

export const SESSION_COOKIE = 'ete_sessie';

/** Creates a server-side session; returns the raw id for the cookie (only its hash is stored). */
export async function createSession(db: Db, userId: number, ttlHours: number): Promise<string> {
  const raw = randomToken();
  await db.insert(sessions).values({
    idHash: sha256(raw),
    userId,
    expiresAt: new Date(Date.now() + ttlHours * 3600_000),
  });
  return raw;
}

/**
 * Returns the user id of a live session and slides its expiry (at most once a minute, to keep
 * writes low). Expired sessions are deleted on sight.
 */
export async function touchSession(db: Db, raw: string, ttlHours: number): Promise<number | null> {
  const idHash = sha256(raw);
  const [s] = await db.select().from(sessions).where(eq(sessions.idHash, idHash));
  if (!s) return null;
  if (s.expiresAt.getTime() <= Date.now()) {
    await db.delete(sessions).where(eq(sessions.idHash, idHash));
    return null;
  }
  if (Date.now() - s.lastSeenAt.getTime() > 60_000) {
    await db
      .update(sessions)
      .set({ lastSeenAt: new Date(), expiresAt: new Date(Date.now() + ttlHours * 3600_000) })
      .where(eq(sessions.idHash, idHash));
  }
  return s.userId;
}

export async function destroySession(db: Db, raw: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.idHash, sha256(raw)));
}

export async function destroyUserSessions(db: Db, userId: number): Promise<void> {
  await db.delete(sessions).where(eq(sessions.userId, userId));
}

export async function purgeExpiredSessions(db: Db): Promise<number> {
  const r = await db.delete(sessions).where(lt(sessions.expiresAt, new Date())).returning({ id: sessions.idHash });
  return r.length;
}

export async function countLiveSessions(db: Db, userId: number): Promise<number> {
  const [r] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), gt(sessions.expiresAt, new Date())));
  return r.n;
}
