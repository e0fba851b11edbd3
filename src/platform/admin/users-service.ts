import { and, asc, desc, eq, ilike, inArray, isNull, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Config } from '../../config.js';
import type { Db } from '../db/index.js';
import { authTokens, userRoles, users } from '../db/schema.js';
import { municipalities, organisations } from '../../modules/registry/schema.js';
import { INVITATION_DAYS, issueToken, voidTokens } from '../auth/service.js';
import { countLiveSessions, destroyUserSessions } from '../auth/sessions.js';
import { audit, type AuditContext } from '../audit.js';
import { dispatchMail, queueMail } from '../mail/outbox.js';
import type { Jobs } from '../jobs.js';
import { isRole, ROLE_LABELS, ROLE_SCOPE, ROLES, type Role } from '../access.js';
import { emailField, requiredText } from '../http/forms.js';
import type { FieldErrors } from '../views/components.js';

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

// ---------------------------------------------------------------------------------------------
// Listing

export const USER_STATUSES = ['active', 'pending', 'inactive'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];
export const USER_STATUS_LABELS: Record<UserStatus, string> = {
  active: 'Actief',
  pending: 'Uitnodiging openstaand',
  inactive: 'Gedeactiveerd',
};
export const USER_SORTS = ['name', 'email', 'status', 'lastLoginAt', 'createdAt'] as const;
export type UserSort = (typeof USER_SORTS)[number];

/** "Pending": invited, never set a password and never logged in (also not through OIDC). */
const statusExpr = sql<UserStatus>`case when not ${users.active} then 'inactive' when ${users.passwordHash} is null and ${users.lastLoginAt} is null then 'pending' else 'active' end`;

export interface UserFilter {
  q?: string;
  role?: Role;
  status?: UserStatus;
  sort: UserSort;
  dir: 'asc' | 'desc';
  page: number;
  pageSize: number;
}

export interface GrantView {
  id: number;
  userId: number;
  role: Role;
  municipalityId: number | null;
  organisationId: number | null;
  /** Name of the municipality or organisation the role applies to, if any. */
  scopeName: string | null;
}

export const grantLabel = (g: Pick<GrantView, 'role' | 'scopeName'>) => `${ROLE_LABELS[g.role]}${g.scopeName ? ` (${g.scopeName})` : ''}`;

function userWhere(f: Pick<UserFilter, 'q' | 'role' | 'status'>): SQL | undefined {
  const where: (SQL | undefined)[] = [];
  if (f.q) {
    const like = `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push(or(ilike(users.name, like), ilike(users.email, like)));
  }
  if (f.role) where.push(sql`exists (select 1 from ${userRoles} where ${userRoles.userId} = ${users.id} and ${userRoles.role} = ${f.role})`);
  if (f.status) where.push(sql`${statusExpr} = ${f.status}`);
  return where.length ? and(...where) : undefined;
}

function userOrder(f: Pick<UserFilter, 'sort' | 'dir'>): SQL[] {
  const col = { name: users.name, email: users.email, status: statusExpr, lastLoginAt: users.lastLoginAt, createdAt: users.createdAt }[f.sort];
  const dir = f.dir === 'desc' ? desc : asc;
  const nulls = f.sort === 'lastLoginAt' ? sql` nulls last` : sql``;
  return [sql`${dir(col)}${nulls}`, asc(users.id)];
}

const userColumns = {
  id: users.id,
  name: users.name,
  email: users.email,
  active: users.active,
  status: statusExpr,
  lastLoginAt: users.lastLoginAt,
  createdAt: users.createdAt,
};

/** Role grants of some users, with the name of their scope. */
export async function grantsOf(db: Db, userIds: number[]): Promise<GrantView[]> {
  if (!userIds.length) return [];
  const rows = await db
    .select({
      id: userRoles.id,
      userId: userRoles.userId,
      role: userRoles.role,
      municipalityId: userRoles.municipalityId,
      organisationId: userRoles.organisationId,
      municipalityName: municipalities.name,
      organisationName: organisations.name,
    })
    .from(userRoles)
    .leftJoin(municipalities, eq(municipalities.id, userRoles.municipalityId))
    .leftJoin(organisations, eq(organisations.id, userRoles.organisationId))
    .where(inArray(userRoles.userId, userIds))
    .orderBy(asc(userRoles.id));
  return rows
    .filter((r) => isRole(r.role))
    .map((r) => ({
      id: r.id,
      userId: r.userId,
      role: r.role as Role,
      municipalityId: r.municipalityId,
      organisationId: r.organisationId,
      scopeName: r.municipalityName ?? r.organisationName ?? null,
    }));
}

export type UserRow = { id: number; name: string; email: string; active: boolean; status: UserStatus; lastLoginAt: Date | null; createdAt: Date; grants: GrantView[] };

async function withGrants(db: Db, rows: Omit<UserRow, 'grants'>[]): Promise<UserRow[]> {
  const grants = await grantsOf(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => ({ ...r, grants: grants.filter((g) => g.userId === r.id) }));
}

export async function listUsers(db: Db, f: UserFilter): Promise<{ rows: UserRow[]; total: number }> {
  const cond = userWhere(f);
  const [rows, [{ count }]] = await Promise.all([
    db
      .select(userColumns)
      .from(users)
      .where(cond)
      .orderBy(...userOrder(f))
      .limit(f.pageSize)
      .offset((f.page - 1) * f.pageSize),
    db.select({ count: sql<number>`count(*)::int` }).from(users).where(cond),
  ]);
  return { rows: await withGrants(db, rows), total: count };
}

/** Every user matching the filter (for the export), in the list's order. */
export async function allUsers(db: Db, f: Omit<UserFilter, 'page' | 'pageSize'>): Promise<UserRow[]> {
  const rows = await db.select(userColumns).from(users).where(userWhere(f)).orderBy(...userOrder(f));
  return withGrants(db, rows);
}

export async function getUserDetail(db: Db, id: number) {
  const [u] = await db.select(userColumns).from(users).where(eq(users.id, id));
  if (!u) return null;
  const [grants, liveSessions, [invitation]] = await Promise.all([
    grantsOf(db, [id]),
    countLiveSessions(db, id),
    db
      .select({ expiresAt: authTokens.expiresAt, usedAt: authTokens.usedAt, createdAt: authTokens.createdAt })
      .from(authTokens)
      .where(and(eq(authTokens.userId, id), eq(authTokens.purpose, 'invitation')))
      .orderBy(desc(authTokens.id))
      .limit(1),
  ]);
  return { ...u, grants, liveSessions, invitation: invitation ?? null };
}
export type UserDetail = NonNullable<Awaited<ReturnType<typeof getUserDetail>>>;

// ---------------------------------------------------------------------------------------------
// Scope choices

/** Current municipalities and active organisations, for the scope selects. */
export async function scopeOptions(db: Db) {
  const [munis, orgs] = await Promise.all([
    db
      .select({ id: municipalities.id, name: municipalities.name })
      .from(municipalities)
      .where(and(isNull(municipalities.deletedAt), isNull(municipalities.validTo)))
      .orderBy(asc(municipalities.name)),
    db
      .select({ id: organisations.id, name: organisations.name, municipality: municipalities.name })
      .from(organisations)
      .leftJoin(municipalities, eq(municipalities.id, organisations.municipalityId))
      .where(isNull(organisations.deletedAt))
      .orderBy(asc(organisations.name)),
  ]);
  return {
    municipalities: munis.map((m) => ({ value: String(m.id), label: m.name })),
    organisations: orgs.map((o) => ({ value: String(o.id), label: o.municipality ? `${o.name} (${o.municipality})` : o.name })),
  };
}
export type ScopeOptions = Awaited<ReturnType<typeof scopeOptions>>;

const optionalId = z.preprocess(
  (v) => (v === '' || v == null ? undefined : v),
  z.coerce
    .number({ message: 'Kies een waarde uit de lijst.' })
    .int('Kies een waarde uit de lijst.')
    .positive('Kies een waarde uit de lijst.')
    .max(2_147_483_647, 'Kies een waarde uit de lijst.')
    .optional(),
);

const grantSchema = z.object({
  role: z.enum(ROLES, { message: 'Kies een rol.' }),
  municipalityId: optionalId,
  organisationId: optionalId,
});

export interface GrantInput {
  role: Role;
  municipalityId: number | null;
  organisationId: number | null;
}

/**
 * Validates a role with its scope: municipality roles need a current municipality, organisation
 * roles an active organisation, and programme_admin neither.
 */
export async function validateGrant(db: Db, values: Record<string, unknown>): Promise<{ ok: true; grant: GrantInput } | { ok: false; errors: FieldErrors }> {
  const r = grantSchema.safeParse(values);
  const errors: FieldErrors = {};
  if (!r.success) {
    for (const i of r.error.issues) errors[String(i.path[0])] ??= i.message;
    return { ok: false, errors };
  }
  const { role, municipalityId, organisationId } = r.data;
  const scope = ROLE_SCOPE[role];
  const label = ROLE_LABELS[role];
  if (scope === 'municipality') {
    if (!municipalityId) errors.municipalityId = `Kies de gemeente waarvoor de rol "${label}" geldt.`;
    if (organisationId) errors.organisationId = `De rol "${label}" hoort bij een gemeente, niet bij een organisatie. Laat dit veld leeg.`;
  } else if (scope === 'organisation') {
    if (!organisationId) errors.organisationId = `Kies de organisatie waarvoor de rol "${label}" geldt.`;
    if (municipalityId) errors.municipalityId = `De rol "${label}" hoort bij een organisatie, niet bij een gemeente. Laat dit veld leeg.`;
  } else {
    if (municipalityId) errors.municipalityId = `De rol "${label}" geldt landelijk, zonder gemeente. Laat dit veld leeg.`;
    if (organisationId) errors.organisationId = `De rol "${label}" geldt landelijk, zonder organisatie. Laat dit veld leeg.`;
  }
  if (!errors.municipalityId && municipalityId) {
    const [m] = await db
      .select({ id: municipalities.id })
      .from(municipalities)
      .where(and(eq(municipalities.id, municipalityId), isNull(municipalities.deletedAt), isNull(municipalities.validTo)));
    if (!m) errors.municipalityId = 'Deze gemeente bestaat niet (meer). Kies een gemeente uit de lijst.';
  }
  if (!errors.organisationId && organisationId) {
    const [o] = await db
      .select({ id: organisations.id })
      .from(organisations)
      .where(and(eq(organisations.id, organisationId), isNull(organisations.deletedAt)));
    if (!o) errors.organisationId = 'Deze organisatie bestaat niet (meer). Kies een organisatie uit de lijst.';
  }
  if (Object.keys(errors).length) return { ok: false, errors };
  return { ok: true, grant: { role, municipalityId: municipalityId ?? null, organisationId: organisationId ?? null } };
}

// ---------------------------------------------------------------------------------------------
// Changes

export type ChangeResult = { ok: true } | { ok: false; errors: FieldErrors };

interface MailDeps {
  jobs: Jobs | null;
  config: Pick<Config, 'baseUrl' | 'helpdeskEmail'>;
}

const inviteSchema = z.object({
  name: requiredText('de naam', 200),
  email: emailField(),
});

async function scopeNameOf(db: Db, g: GrantInput): Promise<string | null> {
  if (g.municipalityId) return (await db.select({ n: municipalities.name }).from(municipalities).where(eq(municipalities.id, g.municipalityId)))[0]?.n ?? null;
  if (g.organisationId) return (await db.select({ n: organisations.name }).from(organisations).where(eq(organisations.id, g.organisationId)))[0]?.n ?? null;
  return null;
}

/** Issues a fresh invitation link (voiding the previous one) and puts the mail in the outbox. */
async function sendInvitation(t: Db, deps: MailDeps, actx: AuditContext, u: { id: number; name: string; email: string }, grants: GrantView[]): Promise<number> {
  const token = await issueToken(t, u.id, 'invitation', actx.principal?.kind === 'user' ? actx.principal.id : undefined);
  const inviter = actx.principal?.label ?? 'Het programmateam';
  const roles = grants.length ? grants.map(grantLabel).join(', ') : null;
  const text = [
    `Beste ${u.name},`,
    '',
    `${inviter} nodigt u uit voor het platform Eén tegen eenzaamheid${roles ? `, met de rol ${roles}` : ''}.`,
    `Klik op de link hieronder om uw account te activeren en een wachtwoord te kiezen. De link is ${INVITATION_DAYS} dagen geldig en werkt één keer.`,
    '',
    `${deps.config.baseUrl}/uitnodiging/${token}`,
    '',
    'Verwachtte u deze uitnodiging niet? Dan kunt u deze e-mail negeren.',
  ].join('\n');
  return queueMail(t, null, { to: u.email, kind: 'invitation', subject: 'Uitnodiging voor het platform Eén tegen eenzaamheid', text }, deps.config.helpdeskEmail);
}

const isUniqueViolation = (e: unknown) => (e as { code?: string })?.code === '23505' || (e as { cause?: { code?: string } })?.cause?.code === '23505';

/**
 * Invites a new user: creates the account without password, grants the role, and queues an
 * invitation mail with a single-use link. All in one transaction.
 */
export async function inviteUser(
  db: Db,
  deps: MailDeps,
  actx: AuditContext,
  values: Record<string, unknown>,
): Promise<{ ok: true; userId: number } | { ok: false; errors: FieldErrors }> {
  const base = inviteSchema.safeParse(values);
  const errors: FieldErrors = {};
  if (!base.success) for (const i of base.error.issues) errors[String(i.path[0])] ??= i.message;
  const g = await validateGrant(db, values);
  if (!g.ok) Object.assign(errors, g.errors);
  if (base.success && !errors.email) {
    const [existing] = await db.select({ id: users.id }).from(users).where(eq(users.email, base.data.email));
    if (existing) errors.email = 'Er is al een account met dit e-mailadres. Zoek de gebruiker op in de lijst om rollen toe te voegen of een nieuwe uitnodiging te sturen.';
  }
  if (!base.success || !g.ok || Object.keys(errors).length) return { ok: false, errors };
  const { name, email } = base.data;
  const grant = g.grant;
  let mailId: number;
  let userId: number;
  try {
    ({ mailId, userId } = await db.transaction(async (tx) => {
      const t = tx as unknown as Db;
      const [u] = await t.insert(users).values({ email, name, passwordHash: null, active: true }).returning();
      await t.insert(userRoles).values({ userId: u.id, ...grant });
      const scopeName = await scopeNameOf(t, grant);
      const mailId = await sendInvitation(t, deps, actx, u, [{ id: 0, userId: u.id, ...grant, scopeName }]);
      await audit(t, actx, { action: 'invite', entity: 'user', entityId: u.id, details: { email, role: grant.role, municipalityId: grant.municipalityId, organisationId: grant.organisationId } });
      return { mailId, userId: u.id };
    }));
  } catch (e) {
    if (isUniqueViolation(e)) return { ok: false, errors: { email: 'Er is al een account met dit e-mailadres.' } };
    throw e;
  }
  await dispatchMail(deps.jobs, mailId);
  return { ok: true, userId };
}

/** Sends a new invitation to a user who has not activated the account yet; the old link stops working. */
export async function resendInvitation(db: Db, deps: MailDeps, actx: AuditContext, userId: number): Promise<{ ok: true } | { ok: false; message: string }> {
  const u = await getUserDetail(db, userId);
  if (!u) return { ok: false, message: 'Deze gebruiker bestaat niet.' };
  if (u.status === 'inactive') return { ok: false, message: 'Dit account is gedeactiveerd. Activeer het eerst.' };
  if (u.status !== 'pending') return { ok: false, message: 'Deze gebruiker heeft het account al geactiveerd. Wachtwoord vergeten? Dan kan de gebruiker zelf een nieuw wachtwoord aanvragen.' };
  const mailId = await db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    const id = await sendInvitation(t, deps, actx, u, u.grants);
    await audit(t, actx, { action: 'invite', entity: 'user', entityId: u.id, details: { resend: true } });
    return id;
  });
  await dispatchMail(deps.jobs, mailId);
  return { ok: true };
}

/** Adds a role grant. Refuses a grant the user already has (same role, same scope). */
export async function addGrant(db: Db, actx: AuditContext, userId: number, values: Record<string, unknown>): Promise<ChangeResult> {
  const g = await validateGrant(db, values);
  if (!g.ok) return g;
  const { role, municipalityId, organisationId } = g.grant;
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    // Serialise grant changes of one user so two parallel requests cannot both add the same grant.
    await t.execute(sql`select id from users where id = ${userId} for update`);
    const same = await t
      .select({ id: userRoles.id })
      .from(userRoles)
      .where(
        and(
          eq(userRoles.userId, userId),
          eq(userRoles.role, role),
          municipalityId ? eq(userRoles.municipalityId, municipalityId) : isNull(userRoles.municipalityId),
          organisationId ? eq(userRoles.organisationId, organisationId) : isNull(userRoles.organisationId),
        ),
      );
    if (same.length) return { ok: false as const, errors: { role: 'Deze gebruiker heeft deze rol al, voor dezelfde gemeente of organisatie.' } };
    const [row] = await t.insert(userRoles).values({ userId, role, municipalityId, organisationId }).returning();
    await audit(t, actx, { action: 'role_change', entity: 'user', entityId: userId, details: { added: { grantId: row.id, role, municipalityId, organisationId } } });
    return { ok: true as const };
  });
}

/** Removes a role grant. An admin cannot remove their own last programme_admin grant (no lock-out). */
export async function removeGrant(db: Db, actx: AuditContext, userId: number, grantId: number): Promise<{ ok: true } | { ok: false; message: string; notFound?: boolean }> {
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    await t.execute(sql`select id from users where id = ${userId} for update`);
    const grants = await t.select().from(userRoles).where(eq(userRoles.userId, userId));
    const g = grants.find((x) => x.id === grantId);
    if (!g) return { ok: false as const, message: 'Deze rol bestaat niet (meer).', notFound: true };
    const self = actx.principal?.kind === 'user' && actx.principal.id === userId;
    if (self && g.role === 'programme_admin' && grants.filter((x) => x.role === 'programme_admin').length === 1) {
      return { ok: false as const, message: 'U kunt uw eigen laatste beheerdersrol niet intrekken: dan kan niemand u die rol teruggeven als u de enige bent. Vraag een andere beheerder.' };
    }
    await t.delete(userRoles).where(eq(userRoles.id, grantId));
    await audit(t, actx, {
      action: 'role_change',
      entity: 'user',
      entityId: userId,
      details: { removed: { grantId, role: g.role, municipalityId: g.municipalityId, organisationId: g.organisationId } },
    });
    return { ok: true as const };
  });
}

/** Deactivates (ends every session at once) or reactivates an account. Nobody deactivates themselves. */
export async function setUserActive(db: Db, actx: AuditContext, userId: number, active: boolean): Promise<{ ok: true } | { ok: false; message: string }> {
  if (!active && actx.principal?.kind === 'user' && actx.principal.id === userId) {
    return { ok: false, message: 'U kunt uw eigen account niet deactiveren.' };
  }
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    const [u] = await t.update(users).set({ active, updatedAt: new Date() }).where(and(eq(users.id, userId), eq(users.active, !active))).returning();
    if (!u) return { ok: false as const, message: active ? 'Dit account is al actief.' : 'Dit account is al gedeactiveerd.' };
    if (!active) {
      await destroyUserSessions(t, userId);
      await voidTokens(t, userId); // links sent before the deactivation must not work after a reactivation
    }
    await audit(t, actx, { action: active ? 'activate' : 'deactivate', entity: 'user', entityId: userId });
    return { ok: true as const };
  });
}
