import { and, desc, eq, ilike, sql, type SQL } from 'drizzle-orm';
import type { Db } from './db/index.js';
import { auditLog } from './db/schema.js';
import type { Principal } from './access.js';

export type AuditAction =
  | 'create'
  | 'update'
  | 'delete'
  | 'login'
  | 'login_failed'
  | 'logout'
  | 'export'
  | 'import'
  | 'read_personal'
  | 'invite'
  | 'password_reset'
  | 'password_set'
  | 'deactivate'
  | 'activate'
  | 'role_change'
  | 'revoke'
  | 'submit'
  | 'status_change'
  | 'transition'
  | 'route'
  | 'erase'
  | 'retention'
  | 'key_rotation'
  /** Two organisations merged into one (network, issue 5). */
  | 'merge';

export interface AuditContext {
  principal?: Principal | null;
  /** Free label when there is no principal, e.g. the e-mail of a failed login. */
  label?: string;
  requestId?: string;
  ip?: string;
}

export interface AuditEntry {
  action: AuditAction;
  entity: string;
  entityId?: string | number | null;
  details?: Record<string, unknown>;
}

/** Appends one entry. Never throws away the caller's transaction: pass `tx` to write inside it. */
export async function audit(db: Db, ctx: AuditContext, entry: AuditEntry): Promise<void> {
  await db.insert(auditLog).values(auditRow(ctx, entry));
}

/** The audit_log row for an entry (for callers that write it inside a larger SQL statement). */
export function auditRow(ctx: AuditContext, entry: AuditEntry) {
  const p = ctx.principal;
  return {
    actorUserId: p?.kind === 'user' ? p.id : null,
    actorApiKeyId: p?.kind === 'api_key' ? p.id : null,
    actorLabel: p ? (p.kind === 'user' ? (p.email ?? p.label) : `API-sleutel: ${p.label}`) : (ctx.label ?? 'systeem'),
    action: entry.action,
    entity: entry.entity,
    entityId: entry.entityId == null ? null : String(entry.entityId),
    details: entry.details ?? null,
    requestId: ctx.requestId ?? null,
    ip: ctx.ip ?? null,
  };
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  entity?: string;
  entityId?: string;
  from?: string; // YYYY-MM-DD
  to?: string;
}

export async function listAudit(db: Db, f: AuditFilter, page: number, pageSize: number) {
  const where: SQL[] = [];
  if (f.actor) where.push(ilike(auditLog.actorLabel, `%${f.actor.replace(/[%_\\]/g, (c) => `\\${c}`)}%`));
  if (f.action) where.push(eq(auditLog.action, f.action));
  if (f.entity) where.push(eq(auditLog.entity, f.entity));
  if (f.entityId) where.push(eq(auditLog.entityId, f.entityId));
  // Dates are calendar days in the Netherlands, whatever the server's time zone.
  if (f.from) where.push(sql`${auditLog.at} >= (${f.from}::date)::timestamp at time zone 'Europe/Amsterdam'`);
  if (f.to) where.push(sql`${auditLog.at} < (${f.to}::date + 1)::timestamp at time zone 'Europe/Amsterdam'`);
  const cond = where.length ? and(...where) : undefined;
  const [rows, [{ count }]] = await Promise.all([
    db.select().from(auditLog).where(cond).orderBy(desc(auditLog.id)).limit(pageSize).offset((page - 1) * pageSize),
    db.select({ count: sql<number>`count(*)::int` }).from(auditLog).where(cond),
  ]);
  return { rows, total: count };
}
