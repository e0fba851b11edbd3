import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import { hash, verify } from '@node-rs/argon2';
import type { Db } from '../db/index.js';
import { auditLog, authTokens, users } from '../db/schema.js';
import { randomToken, sha256 } from '../crypto.js';
import { audit, type AuditContext } from '../audit.js';
import { destroyUserSessions } from './sessions.js';

export const MAX_FAILED_LOGINS = 5;
export const LOCKOUT_MINUTES = 15;
export const INVITATION_DAYS = 7;
export const RESET_HOURS = 2;
export const MIN_PASSWORD_LENGTH = 12;

// argon2id with the OWASP-recommended minimum (19 MiB, 2 passes).
const ARGON = { memoryCost: 19456, timeCost: 2, parallelism: 1, algorithm: 2 as const };

export const hashPassword = (pw: string) => hash(pw, ARGON);

// A hash to verify against when the account does not exist, so timing does not reveal it.
let dummyHash: Promise<string> | null = null;

export type LoginResult =
  | { ok: true; userId: number }
  | { ok: false; reason: 'invalid' | 'locked' | 'inactive'; lockedUntil?: Date };

/** Checks e-mail + password with temporary lockout after repeated failures. Audit-logs both outcomes. */
export async function login(db: Db, email: string, password: string, actx: AuditContext): Promise<LoginResult> {
  const [u] = await db.select().from(users).where(eq(users.email, email.trim()));
  if (!u || !u.passwordHash) {
    dummyHash ??= hashPassword('timing-equaliser-password');
    await verify(await dummyHash, password).catch(() => false);
    const label = email.trim().toLowerCase().slice(0, 200);
    await audit(db, { ...actx, label }, { action: 'login_failed', entity: 'user', details: { reason: 'unknown_account' } });
    // An unknown address "locks" like a real one, so the lockout message does not reveal
    // which addresses have an account.
    const [{ n }] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(auditLog)
      .where(and(eq(auditLog.action, 'login_failed'), eq(auditLog.actorLabel, label), gt(auditLog.at, new Date(Date.now() - LOCKOUT_MINUTES * 60_000))));
    if (n >= MAX_FAILED_LOGINS) return { ok: false, reason: 'locked', lockedUntil: new Date(Date.now() + LOCKOUT_MINUTES * 60_000) };
    return { ok: false, reason: 'invalid' };
  }
  if (u.lockedUntil && u.lockedUntil > new Date()) {
    await verify(u.passwordHash, password).catch(() => false); // same work as any other attempt
    await audit(db, { ...actx, label: u.email }, { action: 'login_failed', entity: 'user', entityId: u.id, details: { reason: 'locked' } });
    return { ok: false, reason: 'locked', lockedUntil: u.lockedUntil };
  }
  const good = await verify(u.passwordHash, password).catch(() => false);
  if (!good) {
    const failed = u.failedLogins + 1;
    const lock = failed >= MAX_FAILED_LOGINS ? new Date(Date.now() + LOCKOUT_MINUTES * 60_000) : null;
    await db
      .update(users)
      .set({ failedLogins: lock ? 0 : failed, lockedUntil: lock })
      .where(eq(users.id, u.id));
    await audit(db, { ...actx, label: u.email }, { action: 'login_failed', entity: 'user', entityId: u.id, details: { reason: 'bad_password', locked: !!lock } });
    return lock ? { ok: false, reason: 'locked', lockedUntil: lock } : { ok: false, reason: 'invalid' };
  }
  if (!u.active) {
    await audit(db, { ...actx, label: u.email }, { action: 'login_failed', entity: 'user', entityId: u.id, details: { reason: 'inactive' } });
    return { ok: false, reason: 'inactive' };
  }
  await db.update(users).set({ failedLogins: 0, lockedUntil: null, lastLoginAt: new Date() }).where(eq(users.id, u.id));
  await audit(db, { ...actx, label: u.email }, { action: 'login', entity: 'user', entityId: u.id });
  return { ok: true, userId: u.id };
}

/** Creates a single-use link token; earlier unused tokens of the same purpose are voided. */
export async function issueToken(db: Db, userId: number, purpose: 'invitation' | 'password_reset', createdBy?: number): Promise<string> {
  const raw = randomToken();
  const ttl = purpose === 'invitation' ? INVITATION_DAYS * 24 * 3600_000 : RESET_HOURS * 3600_000;
  // One live link per user and purpose: the user row is locked so parallel requests queue up.
  await db.transaction(async (tx) => {
    await tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).for('update');
    await voidTokens(tx as unknown as Db, userId, purpose);
    await tx.insert(authTokens).values({ tokenHash: sha256(raw), purpose, userId, expiresAt: new Date(Date.now() + ttl), createdBy: createdBy ?? null });
  });
  return raw;
}

/** Marks the user's unused links as used (all purposes, or one). */
export async function voidTokens(db: Db, userId: number, purpose?: 'invitation' | 'password_reset'): Promise<void> {
  await db
    .update(authTokens)
    .set({ usedAt: new Date() })
    .where(and(eq(authTokens.userId, userId), isNull(authTokens.usedAt), purpose ? eq(authTokens.purpose, purpose) : undefined));
}

export type TokenCheck = { ok: true; userId: number; email: string; name: string } | { ok: false; reason: 'unknown' | 'used' | 'expired' };

export async function checkToken(db: Db, raw: string, purpose: 'invitation' | 'password_reset'): Promise<TokenCheck> {
  const [t] = await db
    .select({ t: authTokens, email: users.email, name: users.name, active: users.active })
    .from(authTokens)
    .innerJoin(users, eq(users.id, authTokens.userId))
    .where(and(eq(authTokens.tokenHash, sha256(raw)), eq(authTokens.purpose, purpose)));
  if (!t || !t.active) return { ok: false, reason: 'unknown' };
  if (t.t.usedAt) return { ok: false, reason: 'used' };
  if (t.t.expiresAt <= new Date()) return { ok: false, reason: 'expired' };
  return { ok: true, userId: t.t.userId, email: t.email, name: t.name };
}

export function passwordProblem(pw: string, confirm: string, email?: string): Record<string, string> {
  const errors: Record<string, string> = {};
  if (pw.length < MIN_PASSWORD_LENGTH) errors.password = `Kies een wachtwoord van minstens ${MIN_PASSWORD_LENGTH} tekens.`;
  else if (pw.length > 256) errors.password = 'Kies een wachtwoord van hoogstens 256 tekens.';
  else if (email && pw.toLowerCase().includes(email.split('@')[0].toLowerCase()) && email.split('@')[0].length >= 4)
    errors.password = 'Gebruik uw e-mailadres niet in uw wachtwoord.';
  if (!errors.password && pw !== confirm) errors.confirm = 'De twee wachtwoorden zijn niet gelijk.';
  return errors;
}

/**
 * Uses a link token to set a password. Atomic: the token is marked used only when it was
 * still unused (a second click, or a parallel request, loses). Ends all other sessions.
 */
export async function redeemToken(
  db: Db,
  raw: string,
  purpose: 'invitation' | 'password_reset',
  password: string,
  actx: AuditContext,
): Promise<TokenCheck> {
  const passwordHash = await hashPassword(password);
  return db.transaction(async (tx) => {
    const [t] = await tx
      .update(authTokens)
      .set({ usedAt: new Date() })
      .where(and(eq(authTokens.tokenHash, sha256(raw)), eq(authTokens.purpose, purpose), isNull(authTokens.usedAt), gt(authTokens.expiresAt, new Date())))
      .returning();
    if (!t) return checkToken(tx as unknown as Db, raw, purpose);
    const [u] = await tx
      .update(users)
      .set({ passwordHash, failedLogins: 0, lockedUntil: null, updatedAt: new Date() })
      .where(and(eq(users.id, t.userId), eq(users.active, true)))
      .returning();
    if (!u) return { ok: false, reason: 'unknown' } as const;
    await voidTokens(tx as unknown as Db, u.id); // a reset also ends an open invitation, and vice versa
    await destroyUserSessions(tx as unknown as Db, u.id);
    await audit(tx as unknown as Db, { ...actx, label: u.email }, { action: 'password_set', entity: 'user', entityId: u.id, details: { via: purpose } });
    return { ok: true, userId: u.id, email: u.email, name: u.name } as const;
  });
}

export async function findUserByEmail(db: Db, email: string) {
  const [u] = await db.select().from(users).where(eq(users.email, email.trim()));
  return u ?? null;
}
