import { and, asc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Principal } from '../../platform/access.js';
import { audit, type AuditContext } from '../../platform/audit.js';
import type { Db } from '../../platform/db/index.js';
import { userRoles, users } from '../../platform/db/schema.js';
import { queueMail } from '../../platform/mail/outbox.js';
import type { FieldErrors } from '../../platform/views/components.js';
import { organisations, provinces } from '../registry/schema.js';
import { coalitions } from '../network/schema.js';
import { boardInterests, boardNotifications, boardPosts } from './schema.js';
import { BOARD_THEME_LABELS, BOARD_THEMES, POST_KIND_LABELS, POST_KINDS, type BoardTheme, type PostKind } from './model.js';
import { nlDate } from '../registry/ui.js';

/**
 * Saved interests (themes, optionally a kind and a province) and the notification when a
 * matching post is published.
 *
 * Once, and never lost: `notifyInterests` runs inside the transaction that publishes (or
 * reopens, or edits) the post. It inserts one board_notifications row per (interest, post) with
 * ON CONFLICT DO NOTHING — the unique index makes a second run, or a later edit of the same
 * post, insert nothing — and queues one e-mail per newly notified user in the outbox of the same
 * transaction. So either the post, its notification rows and its mails are all committed, or
 * none is; the outbox (delivery job + sweep) then delivers each mail once. A user gets at most one
 * mail per post: several matching interests give one mail, and a second interest that matches
 * only after a later edit is recorded without a second mail. (Deleting an interest deletes its
 * notification rows: a new interest that matches the same post later can mail once more.)
 */

/** At most this many saved interests per user. */
export const MAX_INTERESTS = 20;

export interface InterestRow {
  id: number;
  kind: PostKind | null;
  themes: BoardTheme[];
  provinceId: number | null;
  provinceName: string | null;
  createdAt: Date;
}

export async function listInterests(db: Db, userId: number): Promise<InterestRow[]> {
  const rows = await db
    .select({ id: boardInterests.id, kind: boardInterests.kind, themes: boardInterests.themes, provinceId: boardInterests.provinceId, provinceName: provinces.name, createdAt: boardInterests.createdAt })
    .from(boardInterests)
    .leftJoin(provinces, eq(provinces.id, boardInterests.provinceId))
    .where(eq(boardInterests.userId, userId))
    .orderBy(asc(boardInterests.id));
  return rows.map((r) => ({ ...r, kind: r.kind as PostKind | null, themes: r.themes as BoardTheme[] }));
}

const list = (v: unknown) => (v === undefined || v === null || v === '' ? [] : Array.isArray(v) ? v : [v]);

export const INTEREST_FIELD_LABELS: Record<string, string> = { themes: "Thema's", kind: 'Soort bericht', region: 'Regio' };

export const interestFormSchema = z.object({
  themes: z.preprocess(list, z.array(z.enum(BOARD_THEMES, { message: 'Kies thema’s uit de lijst.' })).min(1, 'Kies ten minste één thema waarover u bericht wilt krijgen.')),
  kind: z.preprocess((v) => (v === '' || v == null ? 'both' : v), z.enum([...POST_KINDS, 'both'], { message: 'Kies vragen, aanbod of allebei.' })),
  region: z.preprocess((v) => (v == null ? '' : v), z.string().regex(/^(|PV\d{2})$/, 'Kies heel Nederland of een provincie.')),
});
export type InterestInput = z.infer<typeof interestFormSchema>;

export async function createInterest(db: Db, ctx: AuditContext, p: Principal, input: InterestInput): Promise<{ ok: true; id: number } | { ok: false; errors: FieldErrors }> {
  let provinceId: number | null = null;
  if (input.region) {
    const [pv] = await db.select({ id: provinces.id }).from(provinces).where(eq(provinces.code, input.region));
    if (!pv) return { ok: false, errors: { region: 'Kies heel Nederland of een provincie.' } };
    provinceId = pv.id;
  }
  const kind = input.kind === 'both' ? null : input.kind;
  const themes = [...new Set(input.themes)].sort();
  const existing = await listInterests(db, p.id);
  if (existing.length >= MAX_INTERESTS) return { ok: false, errors: { themes: `U heeft al ${MAX_INTERESTS} interesses. Verwijder er eerst een.` } };
  if (existing.some((e) => e.kind === kind && e.provinceId === provinceId && [...e.themes].sort().join() === themes.join())) {
    return { ok: false, errors: { themes: 'U heeft precies deze interesse al opgeslagen.' } };
  }
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    const [row] = await t.insert(boardInterests).values({ userId: p.id, kind, themes, provinceId }).returning({ id: boardInterests.id });
    await audit(t, ctx, { action: 'create', entity: 'board_interest', entityId: row.id, details: { themes, kind, province: input.region || null } });
    return { ok: true as const, id: row.id };
  });
}

/** Deletes one of the user's own interests; false when it is not theirs (or gone). */
export async function deleteInterest(db: Db, ctx: AuditContext, p: Principal, id: number): Promise<boolean> {
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    const [row] = await t.delete(boardInterests).where(and(eq(boardInterests.id, id), eq(boardInterests.userId, p.id))).returning();
    if (!row) return false;
    await audit(t, ctx, { action: 'delete', entity: 'board_interest', entityId: id, details: { themes: row.themes, kind: row.kind, provinceId: row.provinceId } });
    return true;
  });
}

/** Text of the interests' region and kind, e.g. "Aanbod · Utrecht". */
export function interestSummary(i: Pick<InterestRow, 'kind' | 'provinceName'>): string {
  return `${i.kind ? `Alleen ${POST_KIND_LABELS[i.kind].toLowerCase()}` : 'Vragen en aanbod'} · ${i.provinceName ?? 'heel Nederland'}`;
}

/**
 * Records and mails the notifications for a post that is (again) on the board. Call inside the
 * publishing transaction; pass the returned outbox ids to dispatchMail after the commit.
 * Matches: a theme in common; the interest's kind empty or equal; the post national, the
 * interest for all of the Netherlands, or the same province. Never the poster, nor colleagues
 * on the poster's side (same organisation, or coordinators of the coalition's municipality),
 * nor users without a role or deactivated.
 */
export async function notifyInterests(db: Db, deps: { helpdeskEmail: string; baseUrl: string }, postId: number, today: string): Promise<number[]> {
  const { rows } = await db.execute<{ user_id: number; email: string; name: string }>(sql`
    with post as (
      select p.* from ${boardPosts} p
       where p.id = ${postId} and p.deleted_at is null and p.status = 'open' and p.valid_until >= ${today}::date
    ), fresh as (
      insert into ${boardNotifications} (interest_id, post_id)
      select i.id, p.id
        from post p
        join ${boardInterests} i on i.themes && p.themes
        join ${users} u on u.id = i.user_id and u.active
       where (i.kind is null or i.kind = p.kind)
         and (p.province_id is null or i.province_id is null or i.province_id = p.province_id)
         and i.user_id <> p.posted_by
         and exists (select 1 from ${userRoles} r where r.user_id = i.user_id)
         and not exists (
           select 1 from ${userRoles} r
            where r.user_id = i.user_id
              and ((p.organisation_id is not null and r.role in ('partner', 'provider') and r.organisation_id = p.organisation_id)
                or (p.coalition_id is not null and r.role = 'municipality_coordinator'
                    and r.municipality_id = (select c.municipality_id from ${coalitions} c where c.id = p.coalition_id))))
      on conflict (interest_id, post_id) do nothing
      returning interest_id
    )
    -- One mail per user and post: not to a user who was already notified about this post through
    -- another interest (a second interest that only matches after an edit is recorded, not mailed).
    -- The main query sees the table as it was before this statement's insert.
    select distinct u.id as user_id, u.email, u.name
      from fresh f
      join ${boardInterests} i on i.id = f.interest_id
      join ${users} u on u.id = i.user_id
     where not exists (
       select 1 from ${boardNotifications} n join ${boardInterests} ni on ni.id = n.interest_id
        where n.post_id = ${postId} and ni.user_id = u.id)
     order by u.id`);
  if (!rows.length) return [];
  const [post] = await db.execute<{ kind: PostKind; title: string; themes: string[]; valid_until: string; province: string | null; poster: string }>(sql`
    select p.kind, p.title, p.themes, p.valid_until, pr.name as province, coalesce(o.name, c.name) as poster
      from ${boardPosts} p
      left join ${provinces} pr on pr.id = p.province_id
      left join ${organisations} o on o.id = p.organisation_id
      left join ${coalitions} c on c.id = p.coalition_id
     where p.id = ${postId}`).then((r) => r.rows);
  const base = deps.baseUrl.replace(/\/$/, '');
  const ids: number[] = [];
  for (const u of rows) {
    ids.push(
      await queueMail(
        db,
        null,
        {
          to: u.email,
          kind: 'board_interest',
          subject: `Nieuw op Vraag en aanbod: ${POST_KIND_LABELS[post.kind].toLowerCase()} "${post.title}"`,
          text:
            `Beste ${u.name},\n\nEr staat een nieuw bericht op Vraag en aanbod dat past bij een interesse die u heeft opgeslagen.\n\n` +
            `${POST_KIND_LABELS[post.kind]}: ${post.title}\nNamens: ${post.poster}\nThema's: ${post.themes.map((t) => BOARD_THEME_LABELS[t as BoardTheme] ?? t).join(', ')}\n` +
            `Regio: ${post.province ?? 'landelijk'}\nGeldig tot en met: ${nlDate(post.valid_until)}\n\n` +
            `Bekijk het bericht en reageer via het platform:\n${base}/vraag-en-aanbod/${postId}\n\n` +
            `U krijgt deze e-mail omdat u een interesse heeft opgeslagen. Uw interesses wijzigen of verwijderen kan hier:\n${base}/vraag-en-aanbod/interesses`,
        },
        deps.helpdeskEmail,
      ),
    );
  }
  return ids;
}
