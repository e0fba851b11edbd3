import { and, asc, eq, inArray, isNotNull, isNull, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../platform/db/index.js';
import type { FieldCipher } from '../../platform/crypto.js';
import type { Jobs } from '../../platform/jobs.js';
import type { AppContext } from '../../platform/context.js';
import { audit, type AuditContext } from '../../platform/audit.js';
import { HttpError } from '../../platform/http/errors.js';
import { dispatchMail, queueMail } from '../../platform/mail/outbox.js';
import { jointApproaches, municipalities, participations, provinces } from '../registry/schema.js';
import { SIGNED_STATUSES } from '../registry/service.js';
import { nlDate } from '../registry/ui.js';
import { benchmarkEditions, benchmarkInvitationMunicipalities, benchmarkInvitations, benchmarkResponseMunicipalities, benchmarkResponses } from './schema.js';
import { amsterdamDate, editionWindow, invitationLink, newInvitationToken } from './links.js';
import { getEdition, responseMunicipalityIds, type Edition } from './service.js';
import type { ProvinceResponse } from './results-types.js';

/**
 * Invitations of a benchmark edition: who is asked to fill in the questionnaire, for which
 * municipalities, with which personal link; sending them by e-mail; the response monitor.
 *
 * Grouping rules (generateInvitations), one invitation per participation:
 * - A joint approach gets one invitation for all its members with a signed participation. The
 *   primary municipality of the approach comes first (the response counts for it), the other
 *   members follow by name. When the primary itself has no signed participation, the first
 *   member by name is primary. The contact is the primary's participation contact, or else the
 *   first member (in that order) with a contact e-mail address.
 * - Every other participation gets an invitation of its own, also when its contact is the
 *   contact of other municipalities too: answering for several municipalities in one response
 *   belongs to a joint approach only. Such a contact gets one invitation (link) per municipality.
 * - A municipality already in an invitation of the edition that is not revoked is skipped, so
 *   generating again only adds what is new in the registry. (A new member of a joint approach
 *   whose primary was invited earlier gets an invitation of its own.)
 *
 * Handing over (takeOverResponse): a revoked invitation keeps its response. When a new
 * invitation is created (generated or by hand) whose primary municipality is the primary of
 * such a response, the response moves to the new invitation, so the new contact continues or
 * changes those answers through the new link. A member of a joint approach that holds such a
 * response itself gets an invitation of its own when generating (its answers would otherwise
 * stand next to the joint response); adding it by hand as a non-primary municipality is refused.
 */

/** The progress of an invitation, shown in the list (opted out is a separate mark). */
export const INVITATION_STATUSES = ['not_sent', 'sent', 'started', 'submitted', 'revoked'] as const;
export type InvitationStatus = (typeof INVITATION_STATUSES)[number];
export const INVITATION_STATUS_LABELS: Record<InvitationStatus, string> = {
  not_sent: 'Niet verstuurd',
  sent: 'Verstuurd',
  started: 'Begonnen',
  submitted: 'Ingevuld',
  revoked: 'Ingetrokken',
};

/** The list filters, with their Dutch URL values. 'opted_out': stopped the reminders (any progress). */
export const INVITATION_FILTERS = [...INVITATION_STATUSES, 'opted_out'] as const;
export type InvitationFilter = (typeof INVITATION_FILTERS)[number];
export const INVITATION_FILTER_SLUGS: Record<InvitationFilter, string> = {
  not_sent: 'niet-verstuurd',
  sent: 'verstuurd',
  started: 'begonnen',
  submitted: 'ingevuld',
  opted_out: 'afgemeld',
  revoked: 'ingetrokken',
};
export const INVITATION_FILTER_LABELS: Record<InvitationFilter, string> = { ...INVITATION_STATUS_LABELS, opted_out: 'Afgemeld voor herinneringen' };

/** What sending mail needs: the cipher (to repeat the link), the job queue and two config values. */
export interface MailDeps {
  cipher: FieldCipher;
  jobs: Jobs | null;
  baseUrl: string;
  helpdeskEmail: string;
}
export const mailDeps = (ctx: Pick<AppContext, 'cipher' | 'jobs' | 'config'>): MailDeps => ({
  cipher: ctx.cipher,
  jobs: ctx.jobs,
  baseUrl: ctx.config.baseUrl,
  helpdeskEmail: ctx.config.helpdeskEmail,
});

/** A rule of the benchmark that refuses an action (e.g. sending for a closed edition): 409 with a Dutch message. */
export class InvitationRuleError extends HttpError {
  constructor(message: string) {
    super(409, 'conflict', message);
  }
}

/** Invitations can be prepared (generated, added, changed) for a draft or open edition made in this platform. */
export function preparationProblem(e: Edition): string | null {
  if (e.imported) return 'Deze meting is geïmporteerd uit een eerder onderzoek: er horen geen uitnodigingen bij.';
  if (e.status !== 'draft' && e.status !== 'open') return 'Deze meting is gesloten: er kunnen geen uitnodigingen meer bij komen of veranderen.';
  return null;
}

/** Mail goes out only while respondents can fill in the edition (open, between the dates). */
export function sendingProblem(e: Edition, now = new Date()): string | null {
  if (e.imported) return 'Deze meting is geïmporteerd uit een eerder onderzoek: er horen geen uitnodigingen bij.';
  const w = editionWindow(e, now);
  if (w === 'not_open') return 'Deze meting is nog niet open: uitnodigingen en herinneringen kunnen pas worden verstuurd als de meting open is (en de openingsdatum is bereikt).';
  if (w === 'closed') return 'Deze meting is gesloten: er worden geen uitnodigingen of herinneringen meer verstuurd.';
  return null;
}

const txDb = (tx: unknown) => tx as Db;
/** Namespace of the advisory lock that serialises invitation changes per edition. */
const LOCK_NAMESPACE = 3004;
const lockEdition = (tx: Db, editionId: number) => tx.execute(sql`select pg_advisory_xact_lock(${LOCK_NAMESPACE}::int, ${editionId}::int)`);

export interface MunicipalityRef {
  id: number;
  cbsCode: string;
  name: string;
}

const byName = (a: { name: string; cbsCode: string }, b: { name: string; cbsCode: string }) => a.name.localeCompare(b.name, 'nl') || a.cbsCode.localeCompare(b.cbsCode);

// ---------------------------------------------------------------------------------------
// Generating from the registry

export interface PlannedInvitation {
  municipalities: MunicipalityRef[];
  contactName: string | null;
  contactEmail: string;
  via: 'joint_approach' | 'single';
}

export interface InvitationPlan {
  invitations: PlannedInvitation[];
  /** Signed participations not invited because no contact e-mail address is known. */
  skippedNoEmail: (MunicipalityRef & { participationId: number })[];
  /** Signed participations skipped because the municipality already has an invitation. */
  alreadyInvited: number;
}

/** Ids of the municipalities that have an invitation (not revoked) in the edition. */
async function invitedMunicipalityIds(db: Db, editionId: number): Promise<Set<number>> {
  const rows = await db
    .select({ id: benchmarkInvitationMunicipalities.municipalityId })
    .from(benchmarkInvitationMunicipalities)
    .innerJoin(benchmarkInvitations, eq(benchmarkInvitations.id, benchmarkInvitationMunicipalities.invitationId))
    .where(and(eq(benchmarkInvitations.editionId, editionId), isNull(benchmarkInvitations.revokedAt)));
  const primaries = await db
    .select({ id: benchmarkInvitations.municipalityId })
    .from(benchmarkInvitations)
    .where(and(eq(benchmarkInvitations.editionId, editionId), isNull(benchmarkInvitations.revokedAt)));
  return new Set([...rows, ...primaries].map((r) => r.id));
}

/**
 * Primary municipalities of responses whose invitation was revoked (by municipality id): a new
 * invitation with that primary takes the response over.
 */
async function revokedResponses(db: Db, editionId: number): Promise<Map<number, { responseId: number; invitationId: number }>> {
  const rows = await db
    .select({ municipalityId: benchmarkResponses.municipalityId, responseId: benchmarkResponses.id, invitationId: benchmarkInvitations.id })
    .from(benchmarkResponses)
    .innerJoin(benchmarkInvitations, eq(benchmarkInvitations.id, benchmarkResponses.invitationId))
    .where(and(eq(benchmarkResponses.editionId, editionId), isNotNull(benchmarkInvitations.revokedAt)));
  return new Map(rows.map((r) => [r.municipalityId, { responseId: r.responseId, invitationId: r.invitationId }]));
}

/** What generateInvitations would create now (read only; the admin page shows it). */
export async function planInvitations(db: Db, editionId: number, today = amsterdamDate()): Promise<InvitationPlan> {
  const rows = await db
    .select({
      participationId: participations.id,
      id: municipalities.id,
      cbsCode: municipalities.cbsCode,
      name: municipalities.name,
      contactName: participations.contactName,
      contactEmail: participations.contactEmail,
      jointId: jointApproaches.id,
      jointPrimaryId: jointApproaches.primaryMunicipalityId,
    })
    .from(participations)
    .innerJoin(municipalities, eq(municipalities.id, participations.municipalityId))
    .leftJoin(jointApproaches, and(eq(jointApproaches.id, participations.jointApproachId), isNull(jointApproaches.deletedAt)))
    .where(
      and(
        isNull(participations.deletedAt),
        inArray(participations.status, [...SIGNED_STATUSES]),
        isNull(municipalities.deletedAt),
        sql`(${municipalities.validTo} is null or ${municipalities.validTo} >= ${today})`,
      ),
    );
  rows.sort(byName);
  const invited = await invitedMunicipalityIds(db, editionId);
  const open = rows.filter((r) => !invited.has(r.id));
  const plan: InvitationPlan = { invitations: [], skippedNoEmail: [], alreadyInvited: rows.length - open.length };
  const email = (r: (typeof rows)[number]) => r.contactEmail?.trim() || null;
  const ref = (r: (typeof rows)[number]): MunicipalityRef => ({ id: r.id, cbsCode: r.cbsCode, name: r.name });

  const single = (r: (typeof rows)[number]) => {
    if (email(r)) plan.invitations.push({ municipalities: [ref(r)], contactName: r.contactName?.trim() || null, contactEmail: email(r)!, via: 'single' });
    else plan.skippedNoEmail.push({ ...ref(r), participationId: r.participationId });
  };

  const joint = new Map<number, typeof rows>();
  for (const r of open) {
    if (r.jointId != null) joint.set(r.jointId, [...(joint.get(r.jointId) ?? []), r]);
    else single(r);
  }
  const held = await revokedResponses(db, editionId);
  for (const members of joint.values()) {
    const primary = members.find((m) => m.id === m.jointPrimaryId) ?? members[0]!;
    // A member that is the primary of a response of a revoked invitation continues it on its own.
    const apart = members.filter((m) => m !== primary && held.has(m.id));
    apart.forEach(single);
    const ordered = [primary, ...members.filter((m) => m !== primary && !apart.includes(m))];
    const contact = ordered.find((m) => email(m));
    if (!contact) {
      plan.skippedNoEmail.push(...ordered.map((m) => ({ ...ref(m), participationId: m.participationId })));
      continue;
    }
    plan.invitations.push({ municipalities: ordered.map(ref), contactName: contact.contactName?.trim() || null, contactEmail: email(contact)!, via: ordered.length > 1 ? 'joint_approach' : 'single' });
  }
  plan.invitations.sort((a, b) => byName(a.municipalities[0]!, b.municipalities[0]!));
  plan.skippedNoEmail.sort(byName);
  return plan;
}

async function insertInvitation(tx: Db, cipher: FieldCipher, editionId: number, inv: { municipalityIds: number[]; contactName: string | null; contactEmail: string }): Promise<number> {
  const { tokenHash, tokenEncrypted } = newInvitationToken(cipher);
  const [row] = await tx
    .insert(benchmarkInvitations)
    .values({ editionId, municipalityId: inv.municipalityIds[0]!, contactName: inv.contactName, contactEmail: inv.contactEmail, tokenHash, tokenEncrypted })
    .returning({ id: benchmarkInvitations.id });
  await tx.insert(benchmarkInvitationMunicipalities).values(inv.municipalityIds.map((municipalityId, position) => ({ invitationId: row!.id, municipalityId, position })));
  return row!.id;
}

/**
 * Moves the response of a revoked invitation whose primary municipality is the new invitation's
 * primary to the new invitation (see the header). The municipalities the response represents
 * become the new invitation's. Audit-logged; returns the response id, or null when there was none.
 */
export async function takeOverResponse(tx: Db, ctx: AuditContext, editionId: number, invitationId: number, municipalityIds: number[]): Promise<number | null> {
  const held = (await revokedResponses(tx, editionId)).get(municipalityIds[0]!);
  if (!held) return null;
  const [moved] = await tx
    .update(benchmarkResponses)
    .set({ invitationId })
    .where(and(eq(benchmarkResponses.id, held.responseId), eq(benchmarkResponses.invitationId, held.invitationId)))
    .returning({ id: benchmarkResponses.id });
  if (!moved) return null;
  const before = await responseMunicipalityIds(tx, held.responseId);
  const changed = before.join(',') !== municipalityIds.join(',');
  if (changed) {
    await tx.delete(benchmarkResponseMunicipalities).where(eq(benchmarkResponseMunicipalities.responseId, held.responseId));
    await tx.insert(benchmarkResponseMunicipalities).values(municipalityIds.map((municipalityId, position) => ({ responseId: held.responseId, municipalityId, position })));
  }
  await audit(tx, ctx, {
    action: 'update',
    entity: 'benchmark_response',
    entityId: held.responseId,
    details: { editionId, handedOver: true, fromInvitation: held.invitationId, toInvitation: invitationId, ...(changed ? { municipalitiesBefore: before, municipalities: municipalityIds } : {}) },
  });
  return held.responseId;
}

export interface GenerateResult {
  created: number;
  /** Primary municipalities (names) whose answers of a revoked invitation moved to the new invitation. */
  handedOver: string[];
  /** Names of signed municipalities without a contact e-mail address (fix them in the registry). */
  skippedNoEmail: string[];
  /** Signed municipalities that already had an invitation in this edition. */
  alreadyInvited: number;
}

async function editionOrThrow(db: Db, editionId: number): Promise<Edition> {
  const e = await getEdition(db, editionId);
  if (!e) throw new InvitationRuleError('Deze meting bestaat niet (meer).');
  return e;
}

/** Creates the invitations of an edition from the registry (see the grouping rules above). Idempotent. */
export async function generateInvitations(db: Db, cipher: FieldCipher, ctx: AuditContext, editionId: number): Promise<GenerateResult> {
  const edition = await editionOrThrow(db, editionId);
  const problem = preparationProblem(edition);
  if (problem) throw new InvitationRuleError(problem);
  return db.transaction(async (t) => {
    const tx = txDb(t);
    await lockEdition(tx, editionId);
    const plan = await planInvitations(tx, editionId);
    const handedOver: string[] = [];
    for (const inv of plan.invitations) {
      const municipalityIds = inv.municipalities.map((m) => m.id);
      const id = await insertInvitation(tx, cipher, editionId, { municipalityIds, contactName: inv.contactName, contactEmail: inv.contactEmail });
      if (await takeOverResponse(tx, ctx, editionId, id, municipalityIds)) handedOver.push(inv.municipalities[0]!.name);
    }
    const result: GenerateResult = { created: plan.invitations.length, handedOver, skippedNoEmail: plan.skippedNoEmail.map((m) => m.name), alreadyInvited: plan.alreadyInvited };
    await audit(tx, ctx, {
      action: 'create',
      entity: 'benchmark_invitation',
      details: { editionId, generated: true, created: result.created, alreadyInvited: result.alreadyInvited, skippedNoEmail: plan.skippedNoEmail.map((m) => m.cbsCode) },
    });
    return result;
  });
}

export interface ManualInvitationInput {
  contactName?: string | null;
  contactEmail: string;
  /** CBS codes, the primary municipality first. */
  codes: string[];
}
/** `handedOver`: the answers of a revoked invitation for the same primary municipality moved to this one. */
export type InvitationWriteResult = { ok: true; id: number; handedOver: boolean } | { ok: false; errors: Record<string, string> };

/** Adds one invitation by hand. Refuses unknown, ended or already invited municipalities (field 'gemeenten'). */
export async function addInvitation(db: Db, cipher: FieldCipher, ctx: AuditContext, editionId: number, input: ManualInvitationInput): Promise<InvitationWriteResult> {
  const edition = await editionOrThrow(db, editionId);
  const problem = preparationProblem(edition);
  if (problem) return { ok: false, errors: { _form: problem } };
  return db.transaction(async (t) => {
    const tx = txDb(t);
    await lockEdition(tx, editionId);
    const found = await tx
      .select({ id: municipalities.id, cbsCode: municipalities.cbsCode, name: municipalities.name, validTo: municipalities.validTo })
      .from(municipalities)
      .where(and(inArray(municipalities.cbsCode, input.codes), isNull(municipalities.deletedAt)));
    const problems: string[] = [];
    const unknown = input.codes.filter((c) => !found.some((m) => m.cbsCode === c));
    if (unknown.length) problems.push(`Onbekende gemeentecode${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}.`);
    const today = amsterdamDate();
    for (const m of found) if (m.validTo && m.validTo < today) problems.push(`${m.name} (${m.cbsCode}) bestaat niet meer sinds ${nlDate(m.validTo)}.`);
    const invited = await invitedMunicipalityIds(tx, editionId);
    for (const m of found) if (invited.has(m.id)) problems.push(`${m.name} (${m.cbsCode}) heeft al een uitnodiging voor deze meting. Trek die eerst in als een ander de vragenlijst moet invullen.`);
    const held = await revokedResponses(tx, editionId);
    for (const c of input.codes.slice(1)) {
      const m = found.find((x) => x.cbsCode === c);
      if (m && held.has(m.id) && !invited.has(m.id))
        problems.push(
          `${m.name} (${m.cbsCode}) heeft al antwoorden via een ingetrokken uitnodiging. Zet ${m.name} als eerste (hoofdgemeente), dan gaan die antwoorden mee naar deze uitnodiging, of nodig ${m.name} apart uit.`,
        );
    }
    if (problems.length) return { ok: false as const, errors: { gemeenten: problems.join(' ') } };
    const ids = input.codes.map((c) => found.find((m) => m.cbsCode === c)!.id);
    const id = await insertInvitation(tx, cipher, editionId, { municipalityIds: ids, contactName: input.contactName?.trim() || null, contactEmail: input.contactEmail.trim() });
    await audit(tx, ctx, { action: 'create', entity: 'benchmark_invitation', entityId: id, details: { editionId, byHand: true, municipalities: input.codes } });
    const handedOver = (await takeOverResponse(tx, ctx, editionId, id, ids)) != null;
    return { ok: true as const, id, handedOver };
  });
}

// ---------------------------------------------------------------------------------------
// Reading

export interface InvitationRow {
  id: number;
  editionId: number;
  contactName: string | null;
  contactEmail: string;
  sentAt: Date | null;
  remindersSent: number;
  lastReminderAt: Date | null;
  optedOutAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
  status: InvitationStatus;
  responseStatus: string | null;
  submittedAt: Date | null;
  provinceCode: string;
  provinceName: string;
  /** Primary first. */
  municipalities: MunicipalityRef[];
}

const statusSql = sql<InvitationStatus>`case
  when ${benchmarkInvitations.revokedAt} is not null then 'revoked'
  when ${benchmarkResponses.status} = 'submitted' then 'submitted'
  when ${benchmarkResponses.id} is not null then 'started'
  when ${benchmarkInvitations.sentAt} is not null then 'sent'
  else 'not_sent' end`;

const membersSql = sql<MunicipalityRef[]>`(select coalesce(json_agg(json_build_object('id', mm.id, 'cbsCode', mm.cbs_code, 'name', mm.name) order by im.position), '[]'::json)
  from ${benchmarkInvitationMunicipalities} im join ${municipalities} mm on mm.id = im.municipality_id
  where im.invitation_id = ${benchmarkInvitations.id})`;

function filterCondition(f: InvitationFilter | undefined): SQL | undefined {
  if (!f) return undefined;
  if (f === 'opted_out') return and(isNotNull(benchmarkInvitations.optedOutAt), isNull(benchmarkInvitations.revokedAt));
  return sql`${statusSql} = ${f}`;
}

function searchCondition(q: string | undefined): SQL | undefined {
  if (!q) return undefined;
  const like = `%${q.replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
  return sql`(${benchmarkInvitations.contactEmail} ilike ${like} or coalesce(${benchmarkInvitations.contactName}, '') ilike ${like} or exists (
    select 1 from ${benchmarkInvitationMunicipalities} im2 join ${municipalities} m2 on m2.id = im2.municipality_id
    where im2.invitation_id = ${benchmarkInvitations.id} and (m2.name ilike ${like} or m2.cbs_code ilike ${like})))`;
}

function invitationQuery(db: Db, where: SQL | undefined) {
  return db
    .select({
      id: benchmarkInvitations.id,
      editionId: benchmarkInvitations.editionId,
      contactName: benchmarkInvitations.contactName,
      contactEmail: benchmarkInvitations.contactEmail,
      sentAt: benchmarkInvitations.sentAt,
      remindersSent: benchmarkInvitations.remindersSent,
      lastReminderAt: benchmarkInvitations.lastReminderAt,
      optedOutAt: benchmarkInvitations.optedOutAt,
      revokedAt: benchmarkInvitations.revokedAt,
      createdAt: benchmarkInvitations.createdAt,
      status: statusSql,
      responseStatus: benchmarkResponses.status,
      submittedAt: benchmarkResponses.submittedAt,
      provinceCode: provinces.code,
      provinceName: provinces.name,
      municipalities: membersSql,
      primaryName: municipalities.name,
    })
    .from(benchmarkInvitations)
    .innerJoin(municipalities, eq(municipalities.id, benchmarkInvitations.municipalityId))
    .innerJoin(provinces, eq(provinces.id, municipalities.provinceId))
    .leftJoin(benchmarkResponses, eq(benchmarkResponses.invitationId, benchmarkInvitations.id))
    .where(where);
}

export interface InvitationListFilter {
  status?: InvitationFilter;
  q?: string;
  page: number;
  pageSize: number;
}

/** The invitations of an edition, by name of the primary municipality. */
export async function listInvitations(db: Db, editionId: number, f: InvitationListFilter): Promise<{ rows: InvitationRow[]; total: number }> {
  const where = and(eq(benchmarkInvitations.editionId, editionId), filterCondition(f.status), searchCondition(f.q));
  const [rows, [count]] = await Promise.all([
    invitationQuery(db, where)
      .orderBy(asc(municipalities.name), asc(benchmarkInvitations.id))
      .limit(f.pageSize)
      .offset((f.page - 1) * f.pageSize),
    db
      .select({ n: sql<number>`count(*)::int` })
      .from(benchmarkInvitations)
      .leftJoin(benchmarkResponses, eq(benchmarkResponses.invitationId, benchmarkInvitations.id))
      .where(where),
  ]);
  return { rows, total: count?.n ?? 0 };
}

/** Number of invitations per list filter (for the filter labels and the page summary). */
export async function invitationCounts(db: Db, editionId: number): Promise<Record<InvitationFilter, number>> {
  const rows = await db
    .select({ status: statusSql, optedOut: sql<boolean>`${benchmarkInvitations.optedOutAt} is not null`, n: sql<number>`count(*)::int` })
    .from(benchmarkInvitations)
    .leftJoin(benchmarkResponses, eq(benchmarkResponses.invitationId, benchmarkInvitations.id))
    .where(eq(benchmarkInvitations.editionId, editionId))
    .groupBy(sql`1`, sql`2`);
  const out = Object.fromEntries(INVITATION_FILTERS.map((f) => [f, 0])) as Record<InvitationFilter, number>;
  for (const r of rows) {
    out[r.status] += r.n;
    if (r.optedOut && r.status !== 'revoked') out.opted_out += r.n;
  }
  return out;
}

export async function getInvitation(db: Db, editionId: number, invitationId: number): Promise<InvitationRow | null> {
  const [row] = await invitationQuery(db, and(eq(benchmarkInvitations.editionId, editionId), eq(benchmarkInvitations.id, invitationId)));
  return row ?? null;
}

// ---------------------------------------------------------------------------------------
// Mail

export const joinNames = (names: string[]) => (names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} en ${names.at(-1)}`);

interface MailInvitation {
  contactName: string | null;
  contactEmail: string;
  tokenEncrypted: string;
  municipalities: MunicipalityRef[];
}

function mailParts(deps: MailDeps, edition: Edition, inv: MailInvitation) {
  const link = invitationLink(deps.baseUrl, deps.cipher.decrypt(inv.tokenEncrypted));
  const [primary, ...others] = inv.municipalities;
  const represented = others.length
    ? `U vult de vragenlijst in voor ${inv.municipalities.length} gemeenten. De antwoorden tellen voor de eerstgenoemde (hoofd)gemeente en gelden ook voor de andere:\n${inv.municipalities.map((m, i) => `- ${m.name}${i === 0 ? ' (hoofdgemeente)' : ''}`).join('\n')}`
    : `U vult de vragenlijst in voor de gemeente ${primary?.name ?? ''}.`;
  return {
    greeting: `Beste ${inv.contactName?.trim() || 'contactpersoon'},`,
    link,
    closes: edition.closesOn ? nlDate(edition.closesOn) : null,
    represented,
    howTo: [
      'Deze link is persoonlijk: deel hem niet. Iedereen met de link kan de antwoorden zien en wijzigen.',
      'Uw antwoorden worden per pagina opgeslagen. U kunt dus stoppen en later met dezelfde link verder gaan waar u was gebleven.',
    ].join('\n'),
    optOut: `Wilt u geen herinneringen meer ontvangen? Meld u af via:\n${link}/afmelden\nDe vragenlijst invullen kan daarna nog steeds met de link hierboven.`,
    names: joinNames(inv.municipalities.map((m) => m.name)),
  };
}

/** The invitation e-mail (queueMail adds the helpdesk address). */
export function invitationMail(deps: MailDeps, edition: Edition, inv: MailInvitation): { subject: string; text: string } {
  const p = mailParts(deps, edition, inv);
  return {
    subject: `Uitnodiging: ${edition.title} van Eén tegen eenzaamheid (${p.names})`,
    text: [
      p.greeting,
      `Het programma Eén tegen eenzaamheid nodigt u uit om de vragenlijst van de ${edition.title} in te vullen. Met de benchmark ziet elke gemeente waar zij staat in de aanpak van eenzaamheid, naast alle andere deelnemende gemeenten. De benchmark is geen afrekeninstrument: hij geeft inzicht.`,
      p.represented,
      `Uw persoonlijke link naar de vragenlijst:\n${p.link}`,
      p.closes ? `Invullen kan tot en met ${p.closes}.` : '',
      p.howTo,
      p.optOut,
      'Met vriendelijke groet,\nhet programmateam Eén tegen eenzaamheid',
    ]
      .filter(Boolean)
      .join('\n\n'),
  };
}

/** The reminder e-mail: the same link, the same opt-out. */
export function reminderMail(deps: MailDeps, edition: Edition, inv: MailInvitation & { started: boolean }): { subject: string; text: string } {
  const p = mailParts(deps, edition, inv);
  return {
    subject: `Herinnering: ${edition.title} van Eén tegen eenzaamheid (${p.names})`,
    text: [
      p.greeting,
      inv.started
        ? `U bent begonnen met de vragenlijst van de ${edition.title}, maar heeft hem nog niet ingediend. Wilt u hem afmaken en indienen?`
        : `Onlangs nodigden wij u uit om de vragenlijst van de ${edition.title} in te vullen. Wij hebben uw antwoorden nog niet ontvangen.`,
      p.closes ? `Invullen kan nog tot en met ${p.closes}.` : '',
      p.represented,
      `Uw persoonlijke link naar de vragenlijst:\n${p.link}`,
      p.howTo,
      p.optOut,
      'Met vriendelijke groet,\nhet programmateam Eén tegen eenzaamheid',
    ]
      .filter(Boolean)
      .join('\n\n'),
  };
}

/** Municipalities of several invitations, primary first. */
export async function membersOf(db: Db, invitationIds: number[]): Promise<Map<number, MunicipalityRef[]>> {
  const out = new Map<number, MunicipalityRef[]>();
  if (!invitationIds.length) return out;
  const rows = await db
    .select({ invitationId: benchmarkInvitationMunicipalities.invitationId, id: municipalities.id, cbsCode: municipalities.cbsCode, name: municipalities.name })
    .from(benchmarkInvitationMunicipalities)
    .innerJoin(municipalities, eq(municipalities.id, benchmarkInvitationMunicipalities.municipalityId))
    .where(inArray(benchmarkInvitationMunicipalities.invitationId, invitationIds))
    .orderBy(asc(benchmarkInvitationMunicipalities.invitationId), asc(benchmarkInvitationMunicipalities.position));
  for (const r of rows) out.set(r.invitationId, [...(out.get(r.invitationId) ?? []), { id: r.id, cbsCode: r.cbsCode, name: r.name }]);
  return out;
}

/**
 * Queues the invitation mail of every invitation of the edition that was not sent yet (and is
 * not revoked). The rows are locked while this runs, so two clicks or two instances send once.
 */
export async function sendInvitations(db: Db, deps: MailDeps, editionId: number, ctx: AuditContext = { label: 'systeem' }): Promise<{ sent: number }> {
  const edition = await editionOrThrow(db, editionId);
  const problem = sendingProblem(edition);
  if (problem) throw new InvitationRuleError(problem);
  const mailIds = await db.transaction(async (t) => {
    const tx = txDb(t);
    const rows = await tx
      .select()
      .from(benchmarkInvitations)
      .where(and(eq(benchmarkInvitations.editionId, editionId), isNull(benchmarkInvitations.sentAt), isNull(benchmarkInvitations.revokedAt)))
      .orderBy(asc(benchmarkInvitations.id))
      .for('update', { skipLocked: true });
    const members = await membersOf(tx, rows.map((r) => r.id));
    const ids: number[] = [];
    const now = new Date();
    for (const r of rows) {
      const mail = invitationMail(deps, edition, { ...r, municipalities: members.get(r.id) ?? [] });
      ids.push(await queueMail(tx, null, { to: r.contactEmail, kind: 'benchmark_invitation', ...mail }, deps.helpdeskEmail));
      await tx.update(benchmarkInvitations).set({ sentAt: now }).where(eq(benchmarkInvitations.id, r.id));
    }
    if (rows.length) await audit(tx, ctx, { action: 'invite', entity: 'benchmark_invitation', details: { editionId, sent: rows.length, ids: rows.map((r) => r.id) } });
    return ids;
  });
  for (const id of mailIds) await dispatchMail(deps.jobs, id);
  return { sent: mailIds.length };
}

/** Sends the invitation mail of one invitation (again), e.g. after the contact lost it. */
export async function resendInvitation(db: Db, deps: MailDeps, ctx: AuditContext, editionId: number, invitationId: number): Promise<void> {
  const edition = await editionOrThrow(db, editionId);
  const problem = sendingProblem(edition);
  if (problem) throw new InvitationRuleError(problem);
  const mailId = await db.transaction(async (t) => {
    const tx = txDb(t);
    const [r] = await tx
      .select()
      .from(benchmarkInvitations)
      .where(and(eq(benchmarkInvitations.id, invitationId), eq(benchmarkInvitations.editionId, editionId)))
      .for('update');
    if (!r) throw new InvitationRuleError('Deze uitnodiging bestaat niet.');
    if (r.revokedAt) throw new InvitationRuleError('Deze uitnodiging is ingetrokken en kan niet meer worden verstuurd.');
    const members = await membersOf(tx, [r.id]);
    const mail = invitationMail(deps, edition, { ...r, municipalities: members.get(r.id) ?? [] });
    const id = await queueMail(tx, null, { to: r.contactEmail, kind: 'benchmark_invitation', ...mail }, deps.helpdeskEmail);
    if (!r.sentAt) await tx.update(benchmarkInvitations).set({ sentAt: new Date() }).where(eq(benchmarkInvitations.id, r.id));
    await audit(tx, ctx, { action: 'invite', entity: 'benchmark_invitation', entityId: r.id, details: { editionId, resend: !!r.sentAt } });
    return id;
  });
  await dispatchMail(deps.jobs, mailId);
}

/** Revokes an invitation: its link stops working and it gets no more mail. False when it already was. */
export async function revokeInvitation(db: Db, ctx: AuditContext, editionId: number, invitationId: number): Promise<boolean> {
  return db.transaction(async (t) => {
    const tx = txDb(t);
    await lockEdition(tx, editionId);
    const done = await tx
      .update(benchmarkInvitations)
      .set({ revokedAt: new Date() })
      .where(and(eq(benchmarkInvitations.id, invitationId), eq(benchmarkInvitations.editionId, editionId), isNull(benchmarkInvitations.revokedAt)))
      .returning({ id: benchmarkInvitations.id });
    if (done.length) await audit(tx, ctx, { action: 'revoke', entity: 'benchmark_invitation', entityId: invitationId, details: { editionId } });
    return done.length > 0;
  });
}

/**
 * Changes the contact of an invitation. A new e-mail address gets a new personal link (the old
 * contact's link stops working; the answers stay with the invitation); when the invitation was
 * sent already and the edition is open, it is sent again to the new address.
 */
export async function changeInvitationContact(
  db: Db,
  deps: MailDeps,
  ctx: AuditContext,
  editionId: number,
  invitationId: number,
  input: { contactName?: string | null; contactEmail: string },
): Promise<{ resent: boolean }> {
  const edition = await editionOrThrow(db, editionId);
  const problem = preparationProblem(edition);
  if (problem) throw new InvitationRuleError(problem);
  const [before] = await db
    .select()
    .from(benchmarkInvitations)
    .where(and(eq(benchmarkInvitations.id, invitationId), eq(benchmarkInvitations.editionId, editionId)));
  if (!before) throw new InvitationRuleError('Deze uitnodiging bestaat niet.');
  if (before.revokedAt) throw new InvitationRuleError('Deze uitnodiging is ingetrokken en kan niet meer worden gewijzigd.');
  const contactName = input.contactName?.trim() || null;
  const contactEmail = input.contactEmail.trim();
  await db.transaction(async (t) => {
    const tx = txDb(t);
    const newAddress = before.contactEmail.toLowerCase() !== contactEmail.toLowerCase();
    const token = newAddress ? newInvitationToken(deps.cipher) : null;
    await tx
      .update(benchmarkInvitations)
      .set({ contactName, contactEmail, ...(token ? { tokenHash: token.tokenHash, tokenEncrypted: token.tokenEncrypted } : {}) })
      .where(eq(benchmarkInvitations.id, invitationId));
    await audit(tx, ctx, {
      action: 'update',
      entity: 'benchmark_invitation',
      entityId: invitationId,
      details: {
        editionId,
        fields: [...(before.contactName !== contactName ? ['contactName'] : []), ...(before.contactEmail !== contactEmail ? ['contactEmail'] : [])],
        newLink: newAddress,
      },
    });
  });
  const resend = !!before.sentAt && before.contactEmail.toLowerCase() !== contactEmail.toLowerCase() && !sendingProblem(edition);
  if (resend) await resendInvitation(db, deps, ctx, editionId, invitationId);
  return { resent: resend };
}

// ---------------------------------------------------------------------------------------
// Opt-out (by the respondent, through the link)

/** The invitation of a link, when the token is known, the invitation not revoked and its edition not deleted (any edition window). */
export async function invitationByToken(db: Db, tokenHash: string) {
  const [row] = await db
    .select({ invitation: benchmarkInvitations })
    .from(benchmarkInvitations)
    .innerJoin(benchmarkEditions, eq(benchmarkEditions.id, benchmarkInvitations.editionId))
    .where(and(eq(benchmarkInvitations.tokenHash, tokenHash), isNull(benchmarkInvitations.revokedAt), isNull(benchmarkEditions.deletedAt)));
  return row?.invitation ?? null;
}

/** Stops the reminders of an invitation; the link keeps working for filling in. */
export async function optOutOfReminders(db: Db, ctx: AuditContext, invitationId: number): Promise<boolean> {
  return db.transaction(async (t) => {
    const tx = txDb(t);
    const done = await tx
      .update(benchmarkInvitations)
      .set({ optedOutAt: new Date() })
      .where(and(eq(benchmarkInvitations.id, invitationId), isNull(benchmarkInvitations.optedOutAt), isNull(benchmarkInvitations.revokedAt)))
      .returning({ id: benchmarkInvitations.id, editionId: benchmarkInvitations.editionId });
    if (done.length) await audit(tx, ctx, { action: 'update', entity: 'benchmark_invitation', entityId: invitationId, details: { editionId: done[0]!.editionId, optedOutOfReminders: true } });
    return done.length > 0;
  });
}

// ---------------------------------------------------------------------------------------
// Response monitor

const rate = (submitted: number, invited: number) => (invited > 0 ? Math.round((submitted / invited) * 1000) / 10 : null);

/**
 * Response per province (of the primary municipality), every province listed:
 * - invited: invitations that were sent and not revoked;
 * - started: responses begun but not submitted;
 * - submitted: submitted responses (for an imported edition without invitations too);
 * - ratePercent: submitted / invited × 100, one decimal; null when nobody was invited.
 */
export async function responseByProvince(db: Db, editionId: number): Promise<ProvinceResponse[]> {
  const [provs, invited, responses] = await Promise.all([
    db.select({ id: provinces.id, code: provinces.code, name: provinces.name }).from(provinces),
    db
      .select({ provinceId: municipalities.provinceId, n: sql<number>`count(*)::int` })
      .from(benchmarkInvitations)
      .innerJoin(municipalities, eq(municipalities.id, benchmarkInvitations.municipalityId))
      .where(and(eq(benchmarkInvitations.editionId, editionId), isNull(benchmarkInvitations.revokedAt), isNotNull(benchmarkInvitations.sentAt)))
      .groupBy(municipalities.provinceId),
    db
      .select({
        provinceId: municipalities.provinceId,
        started: sql<number>`(count(*) filter (where ${benchmarkResponses.status} <> 'submitted'))::int`,
        submitted: sql<number>`(count(*) filter (where ${benchmarkResponses.status} = 'submitted'))::int`,
      })
      .from(benchmarkResponses)
      .innerJoin(municipalities, eq(municipalities.id, benchmarkResponses.municipalityId))
      .where(eq(benchmarkResponses.editionId, editionId))
      .groupBy(municipalities.provinceId),
  ]);
  return provs
    .map((p) => {
      const inv = invited.find((r) => r.provinceId === p.id)?.n ?? 0;
      const r = responses.find((x) => x.provinceId === p.id);
      return { provinceCode: p.code, provinceName: p.name, invited: inv, started: r?.started ?? 0, submitted: r?.submitted ?? 0, ratePercent: rate(r?.submitted ?? 0, inv) };
    })
    .sort((a, b) => a.provinceName.localeCompare(b.provinceName, 'nl'));
}

/** The totals over all provinces, in the same shape. */
export function responseTotal(rows: ProvinceResponse[]): ProvinceResponse {
  const sum = (k: 'invited' | 'started' | 'submitted') => rows.reduce((s, r) => s + r[k], 0);
  return { provinceCode: '', provinceName: 'Totaal', invited: sum('invited'), started: sum('started'), submitted: sum('submitted'), ratePercent: rate(sum('submitted'), sum('invited')) };
}

/** Invited (sent, not revoked) contacts who have not submitted: for phoning. */
export async function nonResponders(db: Db, editionId: number): Promise<InvitationRow[]> {
  return invitationQuery(
    db,
    and(eq(benchmarkInvitations.editionId, editionId), isNull(benchmarkInvitations.revokedAt), isNotNull(benchmarkInvitations.sentAt), sql`${benchmarkResponses.status} is distinct from 'submitted'`),
  ).orderBy(asc(provinces.name), asc(municipalities.name));
}
