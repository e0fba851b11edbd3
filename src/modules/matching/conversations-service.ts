import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { roleScope, type Principal } from '../../platform/access.js';
import { audit, type AuditContext } from '../../platform/audit.js';
import type { Db } from '../../platform/db/index.js';
import { userRoles, users } from '../../platform/db/schema.js';
import { isIsoDate, normaliseDate } from '../../platform/http/forms.js';
import { queueMail } from '../../platform/mail/outbox.js';
import type { FieldErrors } from '../../platform/views/components.js';
import { municipalities, organisations } from '../registry/schema.js';
import { coalitions } from '../network/schema.js';
import { boardMatches, boardMessages, boardPosts } from './schema.js';
import { POST_KIND_LABELS, type PostKind, type PostStatus } from './model.js';
import { dmy, isLive, maxChars, isPosterSide, posterName, withMail, type MailDeps, type PostRow } from './posts-service.js';

/**
 * Conversations and matches of the board.
 *
 * A conversation is the messages about one post between its poster's side and one reacting
 * user (board_messages.reactor_id). Only those two sides read it: the reactor, and the poster's
 * side (see posts-service). The programme team does not: these are private messages between
 * partners, and moderation needs only the public post. Anyone else gets 404.
 *
 * The e-mail about a new message says who wrote, about which post, and links to the
 * conversation — not the message itself: messages can hold names, phone numbers and details of
 * local plans that do not belong in mailboxes and forwarded mail; the conversation stays in one
 * place (with read status), and the platform cannot be used to send arbitrary text to someone's
 * inbox under the programme's name.
 */

export const MESSAGE_MAX = 2000;
export const MATCH_NOTE_MAX = 1000;

// ---------------------------------------------------------------------------------------------
// Who someone is, in a few words

/**
 * A short affiliation per user: their organisation(s) (partner, provider, signal staff, visitor),
 * "gemeente X" for coordinators, "adviseur" / "programmateam" otherwise.
 */
export async function affiliations(db: Db, userIds: number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  if (!userIds.length) return out;
  const rows = await db
    .select({ userId: userRoles.userId, role: userRoles.role, organisation: organisations.name, municipality: municipalities.name })
    .from(userRoles)
    .leftJoin(organisations, eq(organisations.id, userRoles.organisationId))
    .leftJoin(municipalities, eq(municipalities.id, userRoles.municipalityId))
    .where(inArray(userRoles.userId, [...new Set(userIds)]))
    .orderBy(asc(userRoles.id));
  const parts = new Map<number, string[]>();
  for (const r of rows) {
    const text =
      r.organisation ?? (r.role === 'municipality_coordinator' && r.municipality ? `gemeente ${r.municipality}` : r.role === 'programme_admin' ? 'programmateam' : r.role === 'advisor' ? 'adviseur' : null);
    if (!text) continue;
    const list = parts.get(r.userId) ?? [];
    if (!list.includes(text)) list.push(text);
    parts.set(r.userId, list);
  }
  for (const [id, list] of parts) out.set(id, list.slice(0, 2).join(', ') + (list.length > 2 ? ' e.a.' : ''));
  return out;
}

/** The organisation a reactor reacts for: their only partner/provider organisation, else none. */
function reactorOrganisation(p: Principal): number | null {
  const ids = [...new Set([...roleScope(p, 'partner').organisationIds, ...roleScope(p, 'provider').organisationIds])];
  return ids.length === 1 ? ids[0] : null;
}

// ---------------------------------------------------------------------------------------------
// Conversations

export interface ConversationSummary {
  reactorId: number;
  reactorName: string;
  affiliation: string | null;
  messages: number;
  /** Messages the reading side has not read yet. */
  unread: number;
  lastAt: Date;
}

/** The conversations of a post, for its poster's side (unread = messages from the reactor not yet read). */
export async function conversationsOfPost(db: Db, postId: number): Promise<ConversationSummary[]> {
  const rows = await db
    .select({
      reactorId: boardMessages.reactorId,
      reactorName: users.name,
      messages: sql<number>`count(*)::int`,
      unread: sql<number>`(count(*) filter (where ${boardMessages.fromUserId} = ${boardMessages.reactorId} and ${boardMessages.readAt} is null))::int`,
      lastAt: sql<Date>`max(${boardMessages.createdAt})`,
    })
    .from(boardMessages)
    .innerJoin(users, eq(users.id, boardMessages.reactorId))
    .where(eq(boardMessages.postId, postId))
    .groupBy(boardMessages.reactorId, users.name)
    .orderBy(sql`max(${boardMessages.createdAt}) desc`);
  const aff = await affiliations(db, rows.map((r) => r.reactorId));
  return rows.map((r) => ({ ...r, lastAt: new Date(r.lastAt), affiliation: aff.get(r.reactorId) ?? null }));
}

export interface MessageRow {
  id: number;
  fromUserId: number;
  fromName: string;
  affiliation: string | null;
  fromReactor: boolean;
  body: string;
  createdAt: Date;
  readAt: Date | null;
}

export async function conversationMessages(db: Db, postId: number, reactorId: number): Promise<MessageRow[]> {
  const rows = await db
    .select({ id: boardMessages.id, fromUserId: boardMessages.fromUserId, fromName: users.name, body: boardMessages.body, createdAt: boardMessages.createdAt, readAt: boardMessages.readAt })
    .from(boardMessages)
    .innerJoin(users, eq(users.id, boardMessages.fromUserId))
    .where(and(eq(boardMessages.postId, postId), eq(boardMessages.reactorId, reactorId)))
    .orderBy(asc(boardMessages.createdAt), asc(boardMessages.id));
  const aff = await affiliations(db, rows.map((r) => r.fromUserId));
  return rows.map((r) => ({ ...r, fromReactor: r.fromUserId === reactorId, affiliation: aff.get(r.fromUserId) ?? null }));
}

/** Marks the other side's messages in a conversation as read by `p`. */
export async function markRead(db: Db, postId: number, reactorId: number, readerIsReactor: boolean): Promise<void> {
  await db
    .update(boardMessages)
    .set({ readAt: new Date() })
    .where(
      and(
        eq(boardMessages.postId, postId),
        eq(boardMessages.reactorId, reactorId),
        isNull(boardMessages.readAt),
        readerIsReactor ? sql`${boardMessages.fromUserId} <> ${reactorId}` : eq(boardMessages.fromUserId, reactorId),
      ),
    );
}

export const messageSchema = z.object({
  message: z.preprocess(
    (v) => (typeof v === 'string' ? v.replace(/\r\n/g, '\n').trim() : v),
    z.string({ message: 'Schrijf een bericht.' }).min(1, 'Schrijf een bericht.').pipe(maxChars(MESSAGE_MAX)),
  ),
});

/**
 * Adds a message to the conversation of `reactorId` about `post`, written by `p`, and mails the
 * other side. The reactor starts a conversation only while the post is on the board; an existing
 * conversation can go on afterwards (to make the arrangements).
 */
export async function addMessage(
  db: Db,
  ctx: AuditContext,
  deps: MailDeps,
  p: Principal,
  post: PostRow,
  reactorId: number,
  body: string,
  today: string,
): Promise<{ ok: true; messageId: number } | { ok: false; errors: FieldErrors }> {
  const fromReactor = p.id === reactorId;
  if (fromReactor && isPosterSide(p, post)) return { ok: false, errors: { message: 'U kunt niet reageren op een bericht van uw eigen organisatie of coalitie.' } };
  if (!fromReactor && !isPosterSide(p, post)) return { ok: false, errors: { message: 'U maakt geen deel uit van dit gesprek.' } };
  const [reactor] = await db.select({ id: users.id, name: users.name, email: users.email, active: users.active }).from(users).where(eq(users.id, reactorId));
  if (!reactor) return { ok: false, errors: { message: 'Dit gesprek bestaat niet.' } };
  const existing = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(boardMessages)
    .where(and(eq(boardMessages.postId, post.id), eq(boardMessages.reactorId, reactorId)))
    .then((r) => r[0]!.n);
  if (!existing && !fromReactor) return { ok: false, errors: { message: 'Dit gesprek bestaat niet.' } };
  if (!existing && !isLive(post, today)) return { ok: false, errors: { message: 'Dit bericht staat niet meer open voor reacties.' } };

  const aff = await affiliations(db, [p.id]);
  const who = `${p.label}${aff.get(p.id) ? ` (${aff.get(p.id)})` : ''}`;
  const base = deps.baseUrl.replace(/\/$/, '');
  const link = `${base}/vraag-en-aanbod/${post.id}/gesprek/${reactorId}`;
  const kindLabel = POST_KIND_LABELS[post.kind].toLowerCase();
  const messageId = await withMail(db, deps, async (t, mails) => {
    const [row] = await t
      .insert(boardMessages)
      .values({ postId: post.id, reactorId, reactorOrganisationId: fromReactor ? reactorOrganisation(p) : null, fromUserId: p.id, body })
      .returning({ id: boardMessages.id });
    await audit(t, ctx, { action: 'create', entity: 'board_message', entityId: row.id, details: { postId: post.id, reactorId, from: fromReactor ? 'reactor' : 'poster', length: body.length } });
    // The other side: the poster for a reaction, the reactor for an answer.
    const to = fromReactor ? (post.postedByActive ? { name: post.postedByName, email: post.postedByEmail } : null) : reactor.active ? reactor : null;
    if (to) {
      mails.push(
        await queueMail(
        t,
        null,
        fromReactor && !existing
          ? {
              to: to.email,
              kind: 'board_reaction',
              subject: `Reactie op uw ${kindLabel} "${post.title}"`,
              text:
                `Beste ${to.name},\n\n${who} heeft gereageerd op uw ${kindLabel} "${post.title}" (namens ${posterName(post)}) op Vraag en aanbod.\n\n` +
                `Lees de reactie en antwoord via het platform:\n${link}\n\n` +
                `Om uw gesprekken privé te houden staat de tekst van de reactie niet in deze e-mail. Al uw gesprekken vindt u onder "Mijn berichten": ${base}/vraag-en-aanbod/mijn`,
            }
          : {
              to: to.email,
              kind: 'board_message',
              subject: `Nieuw bericht over "${post.title}"`,
              text:
                `Beste ${to.name},\n\n${who} heeft u een nieuw bericht gestuurd in het gesprek over "${post.title}" op Vraag en aanbod.\n\n` +
                `Lees het bericht en antwoord via het platform:\n${link}\n\n` +
                `Om uw gesprekken privé te houden staat de tekst van het bericht niet in deze e-mail.`,
            },
        deps.helpdeskEmail,
        ),
      );
    }
    return row.id;
  });
  return { ok: true, messageId };
}

// ---------------------------------------------------------------------------------------------
// "Mijn berichten"

export interface MyPostRow {
  id: number;
  kind: PostKind;
  title: string;
  status: PostStatus;
  validUntil: string;
  posterName: string;
  conversations: number;
  unread: number;
  matches: number;
  createdAt: Date;
}

/** Posts on `p`'s side (posted by them, or for their organisation or coalition), expired and withdrawn ones included. */
export async function myPosts(db: Db, p: Principal): Promise<MyPostRow[]> {
  const orgIds = [...new Set([...roleScope(p, 'partner').organisationIds, ...roleScope(p, 'provider').organisationIds])];
  const coordMunicipalities = roleScope(p, 'municipality_coordinator').municipalityIds;
  const sides = [
    sql`p.posted_by = ${p.id}`,
    ...(orgIds.length ? [sql`p.organisation_id in (${sql.join(orgIds.map((id) => sql`${id}`), sql`, `)})`] : []),
    ...(coordMunicipalities.length ? [sql`c.municipality_id in (${sql.join(coordMunicipalities.map((id) => sql`${id}`), sql`, `)})`] : []),
  ];
  const { rows } = await db.execute<{
    id: number;
    kind: PostKind;
    title: string;
    status: PostStatus;
    valid_until: string;
    poster_name: string;
    conversations: number;
    unread: number;
    matches: number;
    created_at: Date;
  }>(sql`
    select p.id, p.kind, p.title, p.status, p.valid_until, coalesce(o.name, c.name) as poster_name, p.created_at,
           (select count(distinct m.reactor_id)::int from ${boardMessages} m where m.post_id = p.id) as conversations,
           (select count(*)::int from ${boardMessages} m where m.post_id = p.id and m.from_user_id = m.reactor_id and m.read_at is null) as unread,
           (select count(*)::int from ${boardMatches} bm where bm.post_id = p.id and bm.deleted_at is null) as matches
      from ${boardPosts} p
      left join ${organisations} o on o.id = p.organisation_id
      left join ${coalitions} c on c.id = p.coalition_id
     where p.deleted_at is null and (${sql.join(sides, sql` or `)})
     order by p.created_at desc, p.id desc
     limit 500`);
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    title: r.title,
    status: r.status,
    validUntil: r.valid_until,
    posterName: r.poster_name,
    conversations: r.conversations,
    unread: r.unread,
    matches: r.matches,
    createdAt: new Date(r.created_at),
  }));
}

export interface MyConversationRow {
  postId: number;
  kind: PostKind;
  title: string;
  status: PostStatus;
  validUntil: string;
  posterName: string;
  messages: number;
  unread: number;
  lastAt: Date;
}

/** The conversations `p` started by reacting to someone else's post. */
export async function myConversations(db: Db, p: Principal): Promise<MyConversationRow[]> {
  const { rows } = await db.execute<{
    post_id: number;
    kind: PostKind;
    title: string;
    status: PostStatus;
    valid_until: string;
    poster_name: string;
    messages: number;
    unread: number;
    last_at: Date;
  }>(sql`
    select p.id as post_id, p.kind, p.title, p.status, p.valid_until, coalesce(o.name, c.name) as poster_name,
           count(*)::int as messages,
           (count(*) filter (where m.from_user_id <> m.reactor_id and m.read_at is null))::int as unread,
           max(m.created_at) as last_at
      from ${boardMessages} m
      join ${boardPosts} p on p.id = m.post_id and p.deleted_at is null
      left join ${organisations} o on o.id = p.organisation_id
      left join ${coalitions} c on c.id = p.coalition_id
     where m.reactor_id = ${p.id}
     group by p.id, o.name, c.name
     order by max(m.created_at) desc
     limit 500`);
  return rows.map((r) => ({
    postId: r.post_id,
    kind: r.kind,
    title: r.title,
    status: r.status,
    validUntil: r.valid_until,
    posterName: r.poster_name,
    messages: r.messages,
    unread: r.unread,
    lastAt: new Date(r.last_at),
  }));
}

// ---------------------------------------------------------------------------------------------
// Matches

export interface MatchRow {
  id: number;
  madeOn: string;
  note: string | null;
  partnerOrganisationName: string | null;
  partnerUserName: string | null;
  partnerUserId: number | null;
}

export async function matchesOfPost(db: Db, postId: number): Promise<MatchRow[]> {
  return db
    .select({
      id: boardMatches.id,
      madeOn: boardMatches.madeOn,
      note: boardMatches.note,
      partnerOrganisationName: organisations.name,
      partnerUserName: users.name,
      partnerUserId: boardMatches.partnerUserId,
    })
    .from(boardMatches)
    .leftJoin(organisations, eq(organisations.id, boardMatches.partnerOrganisationId))
    .leftJoin(users, eq(users.id, boardMatches.partnerUserId))
    .where(and(eq(boardMatches.postId, postId), isNull(boardMatches.deletedAt)))
    .orderBy(asc(boardMatches.madeOn), asc(boardMatches.id));
}

/** The partner of a match, for lists: "Naam (organisatie)" or the organisation. */
export const matchPartner = (m: MatchRow) =>
  m.partnerUserName ? `${m.partnerUserName}${m.partnerOrganisationName ? ` (${m.partnerOrganisationName})` : ''}` : (m.partnerOrganisationName ?? '—');

/** Organisations to choose as the partner of a match made outside the platform's conversations. */
export async function organisationChoices(db: Db) {
  return db
    .select({ id: organisations.id, name: organisations.name, municipality: municipalities.name })
    .from(organisations)
    .leftJoin(municipalities, eq(municipalities.id, organisations.municipalityId))
    .where(isNull(organisations.deletedAt))
    .orderBy(asc(organisations.name), asc(municipalities.name));
}

export const MATCH_FIELD_LABELS: Record<string, string> = { partner: 'Match met', organisationId: 'Organisatie', madeOn: 'Datum van de match', note: 'Toelichting', keepOpen: 'Bericht open houden' };

/** The match form; the date lies between the day the post was placed and today. */
export function matchFormSchema(today: string, postedOn: string) {
  return z.object({
    partner: z.string({ message: 'Kies met wie de match is gemaakt.' }).regex(/^(gebruiker-\d{1,10}|organisatie)$/, 'Kies met wie de match is gemaakt.'),
    organisationId: z.preprocess((v) => (v === '' || v == null ? undefined : v), z.coerce.number({ message: 'Kies een organisatie uit de lijst.' }).int().positive().max(2_147_483_647).optional()),
    madeOn: z.preprocess(
      normaliseDate,
      z
        .string({ message: `Vul de datum van de match in, zoals ${dmy(today)}.` })
        .refine(isIsoDate, `Vul een geldige datum in, zoals ${dmy(today)}.`)
        .refine((d) => !isIsoDate(d) || d <= today, 'De datum van de match kan niet in de toekomst liggen.')
        .refine((d) => !isIsoDate(d) || d >= postedOn, `De match kan niet eerder zijn gemaakt dan het bericht is geplaatst (${dmy(postedOn)}).`),
    ),
    note: z.preprocess(
      (v) => (typeof v === 'string' ? (v.trim() === '' ? undefined : v.replace(/\r\n/g, '\n').trim()) : v),
      maxChars(MATCH_NOTE_MAX).optional(),
    ),
    keepOpen: z.preprocess((v) => v === 'ja', z.boolean()),
  });
}
export type MatchInput = z.infer<ReturnType<typeof matchFormSchema>>;

/** The users who reacted to a post, as match partners. */
export async function reactorsOf(db: Db, postId: number) {
  const rows = await db
    .selectDistinctOn([boardMessages.reactorId], { userId: boardMessages.reactorId, name: users.name, organisationId: boardMessages.reactorOrganisationId })
    .from(boardMessages)
    .innerJoin(users, eq(users.id, boardMessages.reactorId))
    .where(and(eq(boardMessages.postId, postId), eq(boardMessages.fromUserId, boardMessages.reactorId)))
    .orderBy(boardMessages.reactorId, sql`${boardMessages.reactorOrganisationId} is null`, asc(boardMessages.id));
  const aff = await affiliations(db, rows.map((r) => r.userId));
  return rows.map((r) => ({ ...r, affiliation: aff.get(r.userId) ?? null }));
}

/**
 * Records a match (the impact the programme counts). The post closes (status 'matched') unless
 * the poster keeps it open for more matches — an offer such as a workshop can match several
 * municipalities.
 */
export async function createMatch(db: Db, ctx: AuditContext, p: Principal, post: PostRow, input: MatchInput): Promise<{ ok: true; id: number } | { ok: false; errors: FieldErrors }> {
  let partnerUserId: number | null = null;
  let partnerOrganisationId: number | null = null;
  if (input.partner === 'organisatie') {
    if (input.organisationId == null) return { ok: false, errors: { organisationId: 'Kies de organisatie waarmee de match is gemaakt.' } };
    const [o] = await db.select({ id: organisations.id }).from(organisations).where(and(eq(organisations.id, input.organisationId), isNull(organisations.deletedAt)));
    if (!o) return { ok: false, errors: { organisationId: 'Kies een bestaande organisatie uit de lijst.' } };
    partnerOrganisationId = o.id;
  } else {
    const userId = Number(input.partner.slice('gebruiker-'.length));
    const reactor = (await reactorsOf(db, post.id)).find((r) => r.userId === userId);
    if (!reactor) return { ok: false, errors: { partner: 'Kies iemand die op dit bericht heeft gereageerd, of een andere organisatie.' } };
    partnerUserId = reactor.userId;
    partnerOrganisationId = reactor.organisationId;
  }
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    const [row] = await t
      .insert(boardMatches)
      .values({ postId: post.id, partnerUserId, partnerOrganisationId, madeOn: input.madeOn, note: input.note ?? null, createdBy: p.id })
      .returning({ id: boardMatches.id });
    await audit(t, ctx, { action: 'create', entity: 'board_match', entityId: row.id, details: { postId: post.id, partnerUserId, partnerOrganisationId, madeOn: input.madeOn, keepOpen: input.keepOpen } });
    if (!input.keepOpen && post.status !== 'matched') {
      await t.update(boardPosts).set({ status: 'matched', updatedAt: new Date() }).where(eq(boardPosts.id, post.id));
      await audit(t, ctx, { action: 'status_change', entity: 'board_post', entityId: post.id, details: { from: post.status, to: 'matched', matchId: row.id } });
    }
    return { ok: true as const, id: row.id };
  });
}

/** Undoes a match (soft delete). When it was the last match of a closed post, the post is open again. */
export async function undoMatch(db: Db, ctx: AuditContext, post: PostRow, matchId: number): Promise<boolean> {
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    const [m] = await t
      .update(boardMatches)
      .set({ deletedAt: new Date() })
      .where(and(eq(boardMatches.id, matchId), eq(boardMatches.postId, post.id), isNull(boardMatches.deletedAt)))
      .returning();
    if (!m) return false;
    await audit(t, ctx, { action: 'delete', entity: 'board_match', entityId: m.id, details: { postId: post.id, madeOn: m.madeOn, partnerUserId: m.partnerUserId, partnerOrganisationId: m.partnerOrganisationId } });
    const [left] = await t
      .select({ n: sql<number>`count(*)::int` })
      .from(boardMatches)
      .where(and(eq(boardMatches.postId, post.id), isNull(boardMatches.deletedAt)));
    if (post.status === 'matched' && left.n === 0) {
      await t.update(boardPosts).set({ status: 'open', updatedAt: new Date() }).where(eq(boardPosts.id, post.id));
      await audit(t, ctx, { action: 'status_change', entity: 'board_post', entityId: post.id, details: { from: 'matched', to: 'open', undoneMatchId: m.id } });
    }
    return true;
  });
}
