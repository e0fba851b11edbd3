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
