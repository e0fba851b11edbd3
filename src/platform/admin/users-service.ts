import { eq } from 'drizzle-orm';
import type { Config } from '../../config.js';
import type { Db } from '../db/index.js';
import { userRoles, users } from '../db/schema.js';
import { issueToken } from '../auth/service.js';
import { audit } from '../audit.js';
import { z } from 'zod';

/** Used by `create-admin`: creates (or promotes) a programme admin and returns a set-password link. */
export async function createAdmin(db: Db, config: Config, email: string, name: string) {
  const parsed = z.email().safeParse(email.trim());
  if (!parsed.success) return { ok: false as const, message: `"${email}" is not a valid e-mail address.` };
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    let [u] = await t.select().from(users).where(eq(users.email, parsed.data));
    const created = !u;
    if (!u) [u] = await t.insert(users).values({ email: parsed.data, name }).returning();
    const roles = await t.select().from(userRoles).where(eq(userRoles.userId, u.id));
    if (!roles.some((r) => r.role === 'programme_admin')) await t.insert(userRoles).values({ userId: u.id, role: 'programme_admin' });
    await t.update(users).set({ active: true }).where(eq(users.id, u.id));
    const token = await issueToken(t, u.id, 'invitation');
    await audit(t, { label: 'cli' }, { action: created ? 'create' : 'role_change', entity: 'user', entityId: u.id, details: { role: 'programme_admin', via: 'create-admin' } });
    return { ok: true as const, created, link: `${config.baseUrl}/uitnodiging/${token}` };
  });
}
