import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { can, roleScope, type Principal } from '../../platform/access.js';
import { audit, type AuditContext } from '../../platform/audit.js';
import type { Db } from '../../platform/db/index.js';
import { users } from '../../platform/db/schema.js';
import { isIsoDate, normaliseDate } from '../../platform/http/forms.js';
import { dispatchMail, queueMail } from '../../platform/mail/outbox.js';
import type { Jobs } from '../../platform/jobs.js';
import type { FieldErrors } from '../../platform/views/components.js';
import type { TableColumn } from '../../platform/tabular.js';
import { municipalities, organisations, provinces } from '../registry/schema.js';
import { coalitions } from '../network/schema.js';
import { COALITION_SECTOR_LABELS, COALITION_SECTORS, type CoalitionSector } from '../network/model.js';
import { boardMatches, boardMessages, boardPosts } from './schema.js';
import { BOARD_THEME_LABELS, BOARD_THEMES, MAX_VALID_DAYS, POST_KIND_LABELS, POST_KINDS, POST_STATUS_LABELS, type BoardTheme, type PostKind, type PostStatus } from './model.js';
import { notifyInterests } from './interests-service.js';

/**
 * Posts of the demand-and-offer board: who may post on behalf of what, the post form, create,
 * edit, withdraw, reopen and moderation (soft delete). Every change is audit-logged.
 *
 * "The poster's side" of a post is the user who posted it plus their colleagues who may post on
 * behalf of the same organisation (partner / provider of that organisation) or coalition
 * (coordinators of its municipality). That side manages the post, answers reactions and marks
 * matches. The programme team is NOT on every side: it moderates (removes) posts, but does not
 * read the private conversations or act on behalf of a partner.
 */

export const TITLE_MAX = 120;
export const DESCRIPTION_MAX = 4000;

export interface MailDeps {
  jobs: Jobs | null;
  helpdeskEmail: string;
  baseUrl: string;
}

/** A post with the names shown around it. */
export interface PostRow {
  id: number;
  kind: PostKind;
  title: string;
  description: string;
  themes: string[];
  sectors: string[];
  provinceId: number | null;
  provinceCode: string | null;
  provinceName: string | null;
  municipalityId: number | null;
  municipalityName: string | null;
  validUntil: string;
  organisationId: number | null;
  organisationName: string | null;
  coalitionId: number | null;
  coalitionName: string | null;
  /** The coalition's municipality (for the coordinators' side). */
  coalitionMunicipalityId: number | null;
  postedBy: number;
  postedByName: string;
  postedByEmail: string;
  postedByActive: boolean;
  status: PostStatus;
  createdAt: Date;
  updatedAt: Date;
}

export async function getPost(db: Db, id: number): Promise<PostRow | null> {
  const [r] = await db
    .select({
      id: boardPosts.id,
      kind: boardPosts.kind,
      title: boardPosts.title,
      description: boardPosts.description,
      themes: boardPosts.themes,
      sectors: boardPosts.sectors,
      provinceId: boardPosts.provinceId,
      provinceCode: provinces.code,
      provinceName: provinces.name,
      municipalityId: boardPosts.municipalityId,
      municipalityName: municipalities.name,
      validUntil: boardPosts.validUntil,
      organisationId: boardPosts.organisationId,
      organisationName: organisations.name,
      coalitionId: boardPosts.coalitionId,
      coalitionName: coalitions.name,
      coalitionMunicipalityId: coalitions.municipalityId,
      postedBy: boardPosts.postedBy,
      postedByName: users.name,
      postedByEmail: users.email,
      postedByActive: users.active,
      status: boardPosts.status,
      createdAt: boardPosts.createdAt,
      updatedAt: boardPosts.updatedAt,
    })
    .from(boardPosts)
    .innerJoin(users, eq(users.id, boardPosts.postedBy))
    .leftJoin(provinces, eq(provinces.id, boardPosts.provinceId))
    .leftJoin(municipalities, eq(municipalities.id, boardPosts.municipalityId))
    .leftJoin(organisations, eq(organisations.id, boardPosts.organisationId))
    .leftJoin(coalitions, eq(coalitions.id, boardPosts.coalitionId))
    .where(and(eq(boardPosts.id, id), isNull(boardPosts.deletedAt)));
  return r ? { ...r, kind: r.kind as PostKind, status: r.status as PostStatus } : null;
}

/** The name of the party a post is on behalf of. */
export const posterName = (post: Pick<PostRow, 'organisationName' | 'coalitionName'>) => post.organisationName ?? post.coalitionName ?? '';

/** True when `p` is on the poster's side of the post (see the module comment). */
export function isPosterSide(p: Principal | null | undefined, post: Pick<PostRow, 'postedBy' | 'organisationId' | 'coalitionMunicipalityId'>): boolean {
  if (!p || p.kind !== 'user') return false;
  if (p.id === post.postedBy) return true;
  if (post.organisationId != null) {
    return (['partner', 'provider'] as const).some((role) => roleScope(p, role).organisationIds.includes(post.organisationId!));
  }
  if (post.coalitionMunicipalityId != null) return roleScope(p, 'municipality_coordinator').municipalityIds.includes(post.coalitionMunicipalityId);
  return false;
}

/** Open and not expired: on the board for everyone. */
export const isLive = (post: Pick<PostRow, 'status' | 'validUntil'>, today: string) => post.status === 'open' && post.validUntil >= today;

/**
 * Who may open a post's page: everyone with board:read while it is live; afterwards (expired,
 * matched, withdrawn) only the poster's side, those who reacted to it, and the programme team.
 */
export async function mayViewPost(db: Db, p: Principal, post: PostRow, today: string): Promise<boolean> {
  if (!can(p, 'board:read')) return false;
  if (isLive(post, today) || isPosterSide(p, post) || can(p, 'board:moderate')) return true;
  return p.kind === 'user' && (await hasConversation(db, post.id, p.id));
}

export async function hasConversation(db: Db, postId: number, reactorId: number): Promise<boolean> {
  const [m] = await db
    .select({ id: boardMessages.id })
    .from(boardMessages)
    .where(and(eq(boardMessages.postId, postId), eq(boardMessages.reactorId, reactorId)))
    .limit(1);
  return !!m;
}

// ---------------------------------------------------------------------------------------------
// On behalf of whom

export interface PostingOption {
  /** Form value: `organisatie-<id>` or `coalitie-<id>`. */
  value: string;
  label: string;
  organisationId: number | null;
  coalitionId: number | null;
  /** The municipality of the organisation or coalition (the form's default region). */
  municipalityId: number | null;
  provinceCode: string | null;
}

/**
 * The organisations and coalitions `p` may post on behalf of: their own organisation (partner,
 * provider), the local coalition of their municipality (coordinators; only when it exists), and
 * for the programme team every national organisation and every coalition.
 */
export async function postingOptions(db: Db, p: Principal): Promise<PostingOption[]> {
  if (p.kind !== 'user' || !can(p, 'board:post')) return [];
  const admin = p.roles.some((g) => g.role === 'programme_admin');
  const orgIds = [...new Set([...roleScope(p, 'partner').organisationIds, ...roleScope(p, 'provider').organisationIds])];
  const coordMunicipalities = roleScope(p, 'municipality_coordinator').municipalityIds;

  const orgRows =
    orgIds.length || admin
      ? await db
          .select({ id: organisations.id, name: organisations.name, municipalityId: organisations.municipalityId, provinceCode: provinces.code })
          .from(organisations)
          .leftJoin(municipalities, eq(municipalities.id, organisations.municipalityId))
          .leftJoin(provinces, eq(provinces.id, municipalities.provinceId))
          .where(and(isNull(organisations.deletedAt), admin ? sql`(${organisations.municipalityId} is null or ${orgIds.length ? inArray(organisations.id, orgIds) : sql`false`})` : inArray(organisations.id, orgIds)))
          .orderBy(asc(organisations.name))
      : [];
  const coalitionRows =
    coordMunicipalities.length || admin
      ? await db
          .select({ id: coalitions.id, name: coalitions.name, municipalityId: coalitions.municipalityId, provinceCode: provinces.code })
          .from(coalitions)
          .innerJoin(municipalities, eq(municipalities.id, coalitions.municipalityId))
          .innerJoin(provinces, eq(provinces.id, municipalities.provinceId))
          .where(and(isNull(coalitions.deletedAt), admin ? undefined : inArray(coalitions.municipalityId, coordMunicipalities)))
          .orderBy(asc(coalitions.name))
      : [];
  return [
    ...orgRows.map((o) => ({ value: `organisatie-${o.id}`, label: o.name, organisationId: o.id, coalitionId: null, municipalityId: o.municipalityId, provinceCode: o.provinceCode })),
    ...coalitionRows.map((c) => ({ value: `coalitie-${c.id}`, label: `${c.name} (lokale coalitie)`, organisationId: null, coalitionId: c.id, municipalityId: c.municipalityId, provinceCode: c.provinceCode })),
  ];
}

// ---------------------------------------------------------------------------------------------
// The post form

export const POST_FIELD_LABELS: Record<string, string> = {
  onBehalf: 'Namens',
  kind: 'Vraag of aanbod',
  title: 'Titel',
  description: 'Beschrijving',
  themes: "Thema's",
  sectors: 'Sectoren',
  region: 'Regio',
  municipalityId: 'Gemeente',
  validUntil: 'Geldig tot en met',
};

const list = (v: unknown) => (v === undefined || v === null || v === '' ? [] : Array.isArray(v) ? v : [v]);
const trimmed = (v: unknown) => (typeof v === 'string' ? v.replace(/\r\n/g, '\n').trim() : v);

/** YYYY-MM-DD plus `days`. */
export function addDays(day: string, days: number): string {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** 2026-11-23 -> 23-11-2026 (how people type dates in the forms). */
export const dmy = (iso: string) => `${iso.slice(8, 10)}-${iso.slice(5, 7)}-${iso.slice(0, 4)}`;

/** A text of at most `max` characters; the message says how long it is now. */
export const maxChars = (max: number) => z.string().max(max, { error: (iss) => `Gebruik hoogstens ${max} tekens (nu ${String(iss.input ?? '').length}).` });

const textField = (what: string, max: number) => z.preprocess(trimmed, z.string({ message: `Vul ${what} in.` }).min(1, `Vul ${what} in.`).pipe(maxChars(max)));

/** The post form as of `today`. */
export function postFormSchema(today: string) {
  const last = addDays(today, MAX_VALID_DAYS);
  return z.object({
    onBehalf: z.preprocess(trimmed, z.string({ message: 'Kies namens wie u dit bericht plaatst.' }).min(1, 'Kies namens wie u dit bericht plaatst.')),
    kind: z.enum(POST_KINDS, { message: 'Kies of dit een vraag of een aanbod is.' }),
    // One line: line breaks and runs of spaces become one space (the title also goes into e-mail subjects).
    title: z.preprocess((v) => (typeof v === 'string' ? v.replace(/\s+/g, ' ') : v), textField('een titel', TITLE_MAX)),
    description: textField('een beschrijving', DESCRIPTION_MAX),
    themes: z.preprocess(list, z.array(z.enum(BOARD_THEMES, { message: 'Kies thema’s uit de lijst.' })).min(1, 'Kies ten minste één thema.')),
    sectors: z.preprocess(list, z.array(z.enum(COALITION_SECTORS, { message: 'Kies sectoren uit de lijst.' }))),
    region: z
      .string({ message: 'Kies de regio: landelijk of een provincie.' })
      .regex(/^(national|PV\d{2})$/, 'Kies de regio: landelijk of een provincie.'),
    municipalityId: z.preprocess((v) => (v === '' || v == null ? undefined : v), z.coerce.number({ message: 'Kies een gemeente uit de lijst.' }).int('Kies een gemeente uit de lijst.').positive('Kies een gemeente uit de lijst.').max(2_147_483_647).optional()),
    validUntil: z.preprocess(
      normaliseDate,
      z
        .string({ message: 'Vul in tot en met welke datum het bericht geldig is, zoals ' + dmy(addDays(today, 90)) + '.' })
        .refine(isIsoDate, 'Vul een geldige datum in, zoals ' + dmy(addDays(today, 90)) + '.')
        .refine((d) => !isIsoDate(d) || d > today, 'Kies een datum na vandaag: een bericht moet nog minstens een dag geldig zijn.')
        .refine((d) => !isIsoDate(d) || d <= last, `Een bericht mag hoogstens ${MAX_VALID_DAYS} dagen geldig zijn: kies een datum tot en met ${dmy(last)}.`),
    ),
  });
}
export type PostInput = z.infer<ReturnType<typeof postFormSchema>>;

interface ResolvedRegion {
  provinceId: number | null;
  municipalityId: number | null;
}

/** Checks the region and municipality against the database. */
async function resolveRegion(db: Db, input: Pick<PostInput, 'region' | 'municipalityId'>, errors: FieldErrors): Promise<ResolvedRegion> {
  let provinceId: number | null = null;
  if (input.region !== 'national') {
    const [pv] = await db.select({ id: provinces.id }).from(provinces).where(eq(provinces.code, input.region));
    if (!pv) errors.region = 'Kies de regio: landelijk of een provincie.';
    else provinceId = pv.id;
  }
  if (input.municipalityId == null) return { provinceId, municipalityId: null };
  const [m] = await db
    .select({ id: municipalities.id, provinceId: municipalities.provinceId })
    .from(municipalities)
    .where(and(eq(municipalities.id, input.municipalityId), isNull(municipalities.deletedAt), isNull(municipalities.validTo)));
  if (!m) errors.municipalityId = 'Kies een bestaande gemeente uit de lijst, of laat de gemeente leeg.';
  else if (input.region === 'national') errors.municipalityId = 'Een landelijk bericht hoort niet bij één gemeente: kies de provincie van de gemeente als regio, of laat de gemeente leeg.';
  else if (provinceId != null && m.provinceId !== provinceId) errors.municipalityId = 'Deze gemeente ligt niet in de gekozen provincie. Kies de juiste provincie of een andere gemeente.';
  return { provinceId, municipalityId: m?.id ?? null };
}

type WriteResult = { ok: true; id: number } | { ok: false; errors: FieldErrors };

/** The columns of a post that its form sets. */
const contentOf = (input: Omit<PostInput, 'onBehalf'>, region: ResolvedRegion) => ({
  kind: input.kind,
  title: input.title,
  description: input.description,
  themes: input.themes,
  sectors: input.sectors,
  provinceId: region.provinceId,
  municipalityId: region.municipalityId,
  validUntil: input.validUntil,
});

/**
 * Runs `fn` in a transaction; the outbox mails it queued (their ids in `mails`) go to the job
 * queue after the commit (a job sent earlier could run before the rows are visible).
 */
export async function withMail<T>(db: Db, deps: Pick<MailDeps, 'jobs'>, fn: (t: Db, mails: number[]) => Promise<T>): Promise<T> {
  const mails: number[] = [];
  const result = await db.transaction((tx) => fn(tx as unknown as Db, mails));
  for (const id of mails) await dispatchMail(deps.jobs, id);
  return result;
}

/** Publishes a post; interested users are notified in the same transaction (see interests-service). */
export async function createPost(db: Db, ctx: AuditContext, deps: MailDeps, p: Principal, input: PostInput, today: string): Promise<WriteResult> {
  const errors: FieldErrors = {};
  const option = (await postingOptions(db, p)).find((o) => o.value === input.onBehalf);
  if (!option) errors.onBehalf = 'Kies namens wie u dit bericht plaatst: uw eigen organisatie of de lokale coalitie van uw gemeente.';
  const region = await resolveRegion(db, input, errors);
  if (Object.keys(errors).length) return { ok: false, errors };
  const resource = option!.organisationId != null ? { organisationId: option!.organisationId } : { municipalityId: option!.municipalityId };
  if (!can(p, 'board:post', resource)) return { ok: false, errors: { onBehalf: 'U mag niet namens deze organisatie of coalitie plaatsen.' } };
  const id = await withMail(db, deps, async (t, mails) => {
    const [row] = await t
      .insert(boardPosts)
      .values({
        ...contentOf(input, region),
        organisationId: option!.organisationId,
        coalitionId: option!.coalitionId,
        postedBy: p.id,
        status: 'open',
      })
      .returning({ id: boardPosts.id });
    await audit(t, ctx, {
      action: 'create',
      entity: 'board_post',
      entityId: row.id,
      details: { kind: input.kind, title: input.title, onBehalf: option!.label, themes: input.themes, region: input.region, validUntil: input.validUntil },
    });
    mails.push(...(await notifyInterests(t, deps, row.id, today)));
    return row.id;
  });
  return { ok: true, id };
}

/** Changes a post's content (the poster's side). New themes or regions may notify more interests (each at most once). */
export async function updatePost(db: Db, ctx: AuditContext, deps: MailDeps, post: PostRow, input: Omit<PostInput, 'onBehalf'>, today: string): Promise<WriteResult> {
  const errors: FieldErrors = {};
  const region = await resolveRegion(db, input, errors);
  if (Object.keys(errors).length) return { ok: false, errors };
  const next = contentOf(input, region);
  const before = { kind: post.kind, title: post.title, description: post.description, themes: post.themes, sectors: post.sectors, provinceId: post.provinceId, municipalityId: post.municipalityId, validUntil: post.validUntil };
  const changed = (Object.keys(next) as (keyof typeof next)[]).filter((k) => JSON.stringify(next[k]) !== JSON.stringify(before[k]));
  if (!changed.length) return { ok: true, id: post.id };
  await withMail(db, deps, async (t, mails) => {
    await t.update(boardPosts).set({ ...next, updatedAt: new Date() }).where(eq(boardPosts.id, post.id));
    await audit(t, ctx, {
      action: 'update',
      entity: 'board_post',
      entityId: post.id,
      // The description can be long: say that it changed, not what it said.
      details: { changed, before: Object.fromEntries(changed.filter((k) => k !== 'description').map((k) => [k, before[k]])), after: Object.fromEntries(changed.filter((k) => k !== 'description').map((k) => [k, next[k]])) },
    });
    if (post.status === 'open') mails.push(...(await notifyInterests(t, deps, post.id, today)));
  });
  return { ok: true, id: post.id };
}

/** Withdraws (status 'withdrawn') or reopens (status 'open') a post; reopening needs a date in the future. */
export async function setPostStatus(db: Db, ctx: AuditContext, deps: MailDeps, post: PostRow, status: 'open' | 'withdrawn', today: string): Promise<{ ok: true } | { ok: false; reason: string }> {
  if (post.status === status) return { ok: true };
  if (status === 'open' && post.validUntil < today) return { ok: false, reason: 'De geldigheidsdatum is verstreken. Kies eerst een nieuwe datum "geldig tot en met"; daarna staat het bericht weer open.' };
  await withMail(db, deps, async (t, mails) => {
    await t.update(boardPosts).set({ status, updatedAt: new Date() }).where(eq(boardPosts.id, post.id));
    await audit(t, ctx, { action: 'status_change', entity: 'board_post', entityId: post.id, details: { from: post.status, to: status } });
    if (status === 'open') mails.push(...(await notifyInterests(t, deps, post.id, today)));
  });
  return { ok: true };
}

/** Moderation: the programme team removes a post (soft delete); the poster gets a short e-mail with the reason. */
export async function removePost(db: Db, ctx: AuditContext, deps: MailDeps, post: PostRow, reason: string | undefined): Promise<void> {
  await withMail(db, deps, async (t, mails) => {
    await t.update(boardPosts).set({ deletedAt: new Date(), updatedAt: new Date() }).where(eq(boardPosts.id, post.id));
    // Its matches no longer count as impact (the programme figures count live matches).
    const matches = await t
      .update(boardMatches)
      .set({ deletedAt: new Date() })
      .where(and(eq(boardMatches.postId, post.id), isNull(boardMatches.deletedAt)))
      .returning({ id: boardMatches.id });
    await audit(t, ctx, {
      action: 'delete',
      entity: 'board_post',
      entityId: post.id,
      details: { title: post.title, onBehalf: posterName(post), reason: reason ?? null, matchesRemoved: matches.map((m) => m.id) },
    });
    if (post.postedByActive) {
      mails.push(
        await queueMail(
        t,
        null,
        {
          to: post.postedByEmail,
          kind: 'board_post_removed',
          subject: `Uw bericht "${post.title}" is verwijderd van Vraag en aanbod`,
          text:
            `Beste ${post.postedByName},\n\nHet programmateam van Eén tegen eenzaamheid heeft uw bericht "${post.title}" (namens ${posterName(post)}) verwijderd van Vraag en aanbod.` +
            (reason ? `\n\nDe reden: ${reason}` : '') +
            `\n\nHeeft u vragen hierover, of wilt u het bericht aangepast opnieuw plaatsen? Neem dan contact op met de helpdesk.\n\nMet vriendelijke groet,\nHet programmateam Eén tegen eenzaamheid`,
        },
          deps.helpdeskEmail,
        ),
      );
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Export for the programme team (board:moderate)

export interface BoardExportRow {
  id: number;
  kind: PostKind;
  title: string;
  status: PostStatus;
  validUntil: string;
  placedOn: string;
  updatedOn: string;
  onBehalfKind: 'organisation' | 'coalition';
  onBehalfOf: string;
  onBehalfMunicipality: string | null;
  province: string | null;
  municipality: string | null;
  themes: string[];
  sectors: string[];
  conversations: number;
  matches: number;
  lastMatchOn: string | null;
}

/** The status as the board shows it: an open post past its valid-until date is "expired". */
const exportStatus = (r: Pick<BoardExportRow, 'status' | 'validUntil'>, today: string) => (r.status === 'open' && r.validUntil < today ? 'expired' : r.status);
const EXPORT_STATUS_LABELS: Record<string, string> = { ...POST_STATUS_LABELS, expired: 'Verlopen' };

/**
 * Every post on the board (removed ones excluded: moderation takes them out of every figure),
 * newest first: status, dates, on whose behalf, and the number of conversations and matches.
 * No descriptions, no message texts and no user names: the export is about the board's use and
 * impact, not about people (free text can hold personal details).
 */
export async function boardExportTable(db: Db, today: string) {
  const { rows } = await db.execute<Record<string, unknown>>(sql`
    select p.id, p.kind, p.title, p.status, p.valid_until::text as valid_until,
           (p.created_at at time zone 'Europe/Amsterdam')::date::text as placed_on,
           (p.updated_at at time zone 'Europe/Amsterdam')::date::text as updated_on,
           case when p.organisation_id is not null then 'organisation' else 'coalition' end as on_behalf_kind,
           coalesce(o.name, c.name) as on_behalf_of,
           coalesce(om.name, cm.name) as on_behalf_municipality,
           pr.name as province, m.name as municipality, p.themes, p.sectors,
           (select count(distinct bm.reactor_id)::int from ${boardMessages} bm where bm.post_id = p.id) as conversations,
           (select count(*)::int from ${boardMatches} x where x.post_id = p.id and x.deleted_at is null) as matches,
           (select max(x.made_on)::text from ${boardMatches} x where x.post_id = p.id and x.deleted_at is null) as last_match_on
      from ${boardPosts} p
      left join ${organisations} o on o.id = p.organisation_id
      left join ${municipalities} om on om.id = o.municipality_id
      left join ${coalitions} c on c.id = p.coalition_id
      left join ${municipalities} cm on cm.id = c.municipality_id
      left join ${provinces} pr on pr.id = p.province_id
      left join ${municipalities} m on m.id = p.municipality_id
     where p.deleted_at is null
     order by p.created_at desc, p.id desc`);
  const out: BoardExportRow[] = rows.map((r) => ({
    id: Number(r.id),
    kind: r.kind as PostKind,
    title: String(r.title),
    status: r.status as PostStatus,
    validUntil: String(r.valid_until),
    placedOn: String(r.placed_on),
    updatedOn: String(r.updated_on),
    onBehalfKind: r.on_behalf_kind as BoardExportRow['onBehalfKind'],
    onBehalfOf: String(r.on_behalf_of ?? ''),
    onBehalfMunicipality: (r.on_behalf_municipality as string) ?? null,
    province: (r.province as string) ?? null,
    municipality: (r.municipality as string) ?? null,
    themes: (r.themes as string[]) ?? [],
    sectors: (r.sectors as string[]) ?? [],
    conversations: Number(r.conversations),
    matches: Number(r.matches),
    lastMatchOn: (r.last_match_on as string) ?? null,
  }));
  const columns: TableColumn<BoardExportRow>[] = [
    { header: 'id', value: (r) => r.id },
    { header: 'kind', value: (r) => r.kind },
    { header: 'kind_label', value: (r) => POST_KIND_LABELS[r.kind] ?? r.kind },
    { header: 'title', value: (r) => r.title },
    { header: 'status', value: (r) => exportStatus(r, today) },
    { header: 'status_label', value: (r) => EXPORT_STATUS_LABELS[exportStatus(r, today)] ?? r.status },
    { header: 'placed_on', value: (r) => r.placedOn },
    { header: 'last_changed_on', value: (r) => r.updatedOn },
    { header: 'valid_until', value: (r) => r.validUntil },
    { header: 'on_behalf_of_type', value: (r) => (r.onBehalfKind === 'organisation' ? 'organisatie' : 'lokale coalitie') },
    { header: 'on_behalf_of', value: (r) => r.onBehalfOf },
    { header: 'on_behalf_of_municipality', value: (r) => r.onBehalfMunicipality ?? 'landelijk' },
    { header: 'region', value: (r) => (r.province ? [r.province, r.municipality].filter(Boolean).join(', ') : 'landelijk') },
    { header: 'themes', value: (r) => r.themes.map((x) => BOARD_THEME_LABELS[x as BoardTheme] ?? x).join('; ') },
    { header: 'sectors', value: (r) => r.sectors.map((x) => COALITION_SECTOR_LABELS[x as CoalitionSector] ?? x).join('; ') },
    { header: 'conversations', value: (r) => r.conversations },
    { header: 'matches', value: (r) => r.matches },
    { header: 'last_match_on', value: (r) => r.lastMatchOn },
  ];
  return { entity: 'board_post', sheetName: 'Vraag en aanbod', columns, rows: out };
}
