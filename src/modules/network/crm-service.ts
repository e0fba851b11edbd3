import { and, asc, desc, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import type { Db } from '../../platform/db/index.js';
import { can, type Principal } from '../../platform/access.js';
import { audit, type AuditContext } from '../../platform/audit.js';
import { users } from '../../platform/db/schema.js';
import { NotFoundError } from '../../platform/http/errors.js';
import { emailField, isIsoDate, normaliseDate, optionalText } from '../../platform/http/forms.js';
import { dispatchMail, queueMail } from '../../platform/mail/outbox.js';
import type { Jobs } from '../../platform/jobs.js';
import type { FieldErrors } from '../../platform/views/components.js';
import type { TableColumn } from '../../platform/tabular.js';
import { amsterdamDate } from '../../platform/time.js';
import { municipalities, organisations } from '../registry/schema.js';
import { likePattern, MSG as ORG_MSG, optional } from '../registry/organisations-service.js';
import { contactMomentOrganisations, contactMomentPersons, contactMoments, contactPersons, networkTasks } from './schema.js';
import { CONTACT_KIND_LABELS, CONTACT_KINDS, PILLAR_LABELS, PILLARS, type ContactKind, type Pillar } from './model.js';
import { accountManagerOptions, roundHours } from './advisory-service.js';

/**
 * The programme's CRM (issue 5 point 4): contact moments with the organisations and persons
 * involved, themes (pillars and free tags), notes, duration and follow-up tasks; contact persons;
 * "my tasks". Scope: the programme team sees everything (national contacts without a
 * municipality included); an advisor the contact moments of the municipalities assigned to them.
 * Out of scope is "not found". A correction is a soft delete (deleted_at) with an audit entry.
 */

// ---------------------------------------------------------------------------------------------
// Scope

const advisorUser = alias(users, 'advisor_user');
const loggedBy = alias(users, 'logged_by');

/** The programme team: every contact moment, also national ones (no municipality). */
export const crmAll = (p: Principal) => can(p, 'contact:read', { municipalityId: null });

/** The municipality ids whose contact moments `p` may read (null: all). */
export function crmMunicipalityIds(p: Principal): number[] | null {
  if (crmAll(p)) return null;
  return p.municipalityIds.filter((id) => can(p, 'contact:read', { municipalityId: id }));
}

function momentScope(p: Principal): SQL | undefined {
  const ids = crmMunicipalityIds(p);
  if (ids === null) return undefined;
  return ids.length ? inArray(contactMoments.municipalityId, ids) : sql`false`;
}

/** Organisations `p` may involve in a contact moment: national ones, or of a municipality in scope. */
function organisationScope(p: Principal): SQL | undefined {
  const ids = crmMunicipalityIds(p);
  if (ids === null) return undefined;
  return ids.length ? sql`(${organisations.municipalityId} is null or ${inArray(organisations.municipalityId, ids)})` : sql`${organisations.municipalityId} is null`;
}

/**
 * Contact persons `p` may see: of a national organisation or one in scope, or involved in a
 * contact moment in scope. Persons without an organisation are for the programme team.
 */
function personScope(p: Principal): SQL | undefined {
  const ids = crmMunicipalityIds(p);
  if (ids === null) return undefined;
  if (!ids.length) return sql`(${contactPersons.organisationId} is not null and ${organisations.municipalityId} is null)`;
  const list = sql.join(
    ids.map((i) => sql`${i}`),
    sql`, `,
  );
  return sql`((${contactPersons.organisationId} is not null and (${organisations.municipalityId} is null or ${organisations.municipalityId} in (${list})))
    or exists (select 1 from ${contactMomentPersons} cmp join ${contactMoments} cm on cm.id = cmp.contact_moment_id
                where cmp.person_id = ${contactPersons.id} and cm.deleted_at is null and cm.municipality_id in (${list})))`;
}

// ---------------------------------------------------------------------------------------------
// Parsing: duration, tags, ids

export const DURATION_MAX_MINUTES = 24 * 60;
const DURATION_HELP = 'Vul de duur in minuten in (zoals 90) of in uren en minuten (zoals 1:30).';

/** "90" -> 90, "1:30" -> 90, "1,5 uur" -> 90, "45 min" -> 45; a message for anything else. */
export function parseDuration(v: string): number | { error: string } {
  const s = v.trim().toLowerCase().replace(/\s+/g, ' ');
  if (s === '') return { error: 'Vul de duur in. ' + DURATION_HELP };
  if (/^-/.test(s)) return { error: 'De duur kan niet negatief zijn. ' + DURATION_HELP };
  let minutes: number | null = null;
  let m: RegExpExecArray | null;
  if ((m = /^(\d{1,5}) ?(m|min|minuut|minuten)?$/.exec(s))) minutes = Number(m[1]);
  else if ((m = /^(\d{1,3}):([0-5]\d)$/.exec(s))) minutes = Number(m[1]) * 60 + Number(m[2]);
  else if ((m = /^(\d{1,3})(?:[.,](\d{1,2}))? ?(u|uur|uren)$/.exec(s))) minutes = Math.round(Number(`${m[1]}.${m[2] ?? '0'}`) * 60);
  if (minutes === null) return { error: DURATION_HELP };
  if (minutes > DURATION_MAX_MINUTES) return { error: 'Een contactmoment duurt hoogstens 24 uur (1440 minuten).' };
  return minutes;
}

/** Minutes as the form shows them again: 90 -> "1:30", 45 -> "0:45". */
export const durationValue = (minutes: number) => `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, '0')}`;

export const MAX_TAGS = 20;
export const MAX_TAG_LENGTH = 40;

/** "Jongeren, ,  jongeren ,Eenzaamheid  onder ouderen" -> ['jongeren', 'eenzaamheid onder ouderen']. */
export function normaliseTags(v: unknown): string[] {
  const parts = Array.isArray(v) ? v.map(String) : typeof v === 'string' ? v.split(/[,;]/) : [];
  const out: string[] = [];
  for (const p of parts) {
    const t = p.trim().toLowerCase().replace(/\s+/g, ' ');
    if (t && !out.includes(t)) out.push(t);
  }
  return out;
}

const idList = (msg: string) =>
  z.preprocess(
    (v) => (v == null || v === '' ? [] : Array.isArray(v) ? v.filter((x) => x !== '') : [v]),
    z.array(z.coerce.number({ message: msg }).int(msg).positive(msg).max(2_147_483_647, msg)).max(200, 'Kies hoogstens 200.'),
  );

const optionalId = (msg: string) =>
  z.preprocess((v) => (v === '' || v == null ? undefined : v), z.coerce.number({ message: msg }).int(msg).positive(msg).max(2_147_483_647, msg).optional());

const DATE_MESSAGE = 'Vul een geldige datum in, zoals 2025-01-31 of 31-01-2025.';
const requiredDate = (missing: string) => z.preprocess(normaliseDate, z.string({ message: missing }).refine(isIsoDate, DATE_MESSAGE));
const phoneField = optional(z.string().max(30, ORG_MSG.phone).regex(/^\+?[0-9][0-9 ()-]{5,}$/, ORG_MSG.phone));

/** The earliest date a contact moment can have (the programme started in 2018). */
export const EARLIEST_CONTACT_DATE = '2015-01-01';

/** The contact-moment form (and the API, mapped onto it). Cross-checks against the database follow in validateContactMoment. */
export const contactMomentFormSchema = z.object({
  occurredOn: requiredDate('Vul de datum van het contact in.'),
  kind: z.enum(CONTACT_KINDS, { message: 'Kies het soort contact.' }),
  subject: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim().replace(/\s+/g, ' ') : v),
    z.string({ message: 'Vul het onderwerp in.' }).min(1, 'Vul het onderwerp in.').max(200, 'Gebruik voor het onderwerp hoogstens 200 tekens.'),
  ),
  municipalityId: optionalId('Kies een gemeente uit de lijst.'),
  organisationIds: idList('Kies organisaties uit de lijst.'),
  personIds: idList('Kies contactpersonen uit de lijst.'),
  pillars: z.preprocess((v) => (v == null || v === '' ? [] : Array.isArray(v) ? v : [v]), z.array(z.enum(PILLARS, { message: 'Kies pijlers uit de lijst.' }))),
  tags: z.preprocess(
    normaliseTags,
    z
      .array(z.string().max(MAX_TAG_LENGTH, `Een label is hoogstens ${MAX_TAG_LENGTH} tekens lang. Scheid labels met komma's.`))
      .max(MAX_TAGS, `Gebruik hoogstens ${MAX_TAGS} labels.`),
  ),
  notes: optionalText(10_000, 'Gebruik voor de notities hoogstens 10.000 tekens.'),
  duration: z.preprocess(
    (v) => (typeof v === 'number' ? String(v) : v == null ? '' : v),
    z.string().transform((s, ctx) => {
      const r = parseDuration(s);
      if (typeof r === 'number') return r;
      ctx.addIssue({ code: 'custom', message: r.error });
      return z.NEVER;
    }),
  ),
  advisory: z.preprocess((v) => v === true || v === 'ja' || v === 'true' || v === 'on', z.boolean()),
  advisorId: optionalId('Kies een adviseur uit de lijst.'),
  taskTitle: optionalText(200, 'Gebruik voor de taak hoogstens 200 tekens.'),
  taskDueDate: z.preprocess(normaliseDate, z.string().refine(isIsoDate, DATE_MESSAGE).optional()),
  taskAssigneeId: optionalId('Kies iemand uit de lijst.'),
  newPersonName: optionalText(200, 'Gebruik voor de naam hoogstens 200 tekens.'),
  newPersonJobTitle: optionalText(200, 'Gebruik voor de functie hoogstens 200 tekens.'),
  newPersonOrganisationId: optionalId('Kies een organisatie uit de lijst.'),
  newPersonEmail: emailField(false),
  newPersonPhone: phoneField,
});

export const CONTACT_MOMENT_FIELD_LABELS: Record<string, string> = {
  occurredOn: 'Datum',
  kind: 'Soort contact',
  subject: 'Onderwerp',
  municipalityId: 'Gemeente',
  organisationIds: 'Betrokken organisaties',
  personIds: 'Betrokken contactpersonen',
  pillars: 'Pijlers',
  tags: 'Labels',
  notes: 'Notities',
  duration: 'Duur',
  advisory: 'Telt als advies',
  advisorId: 'Adviseur',
  taskTitle: 'Vervolgtaak',
  taskDueDate: 'Uiterste datum',
  taskAssigneeId: 'Uitvoerder',
  newPersonName: 'Naam nieuwe contactpersoon',
  newPersonJobTitle: 'Functie',
  newPersonOrganisationId: 'Organisatie van de nieuwe contactpersoon',
  newPersonEmail: 'E-mailadres',
  newPersonPhone: 'Telefoonnummer',
};

export interface TaskInput {
  title: string;
  dueDate: string;
  assigneeId: number;
}

export interface PersonInput {
  name: string;
  organisationId: number | null;
  jobTitle: string | null;
  email: string | null;
  phone: string | null;
}

export interface ContactMomentInput {
  occurredOn: string;
  kind: ContactKind;
  subject: string;
  municipalityId: number | null;
  organisationIds: number[];
  personIds: number[];
  pillars: Pillar[];
  tags: string[];
  notes: string | null;
  durationMinutes: number;
  advisory: boolean;
  advisorId: number | null;
  task: TaskInput | null;
  newPerson: PersonInput | null;
}

/** Active advisors and programme-team members: who can get a task or count advisory hours. */
export async function assigneeOptions(db: Db) {
  return accountManagerOptions(db);
}

/** Users with an advisor role (for the programme team's "counts on advisor" choice). */
async function isAdvisor(db: Db, userId: number): Promise<boolean> {
  const { rows } = await db.execute(sql`select 1 from user_roles ur join ${users} u on u.id = ur.user_id where ur.user_id = ${userId} and ur.role = 'advisor' and u.active limit 1`);
  return rows.length > 0;
}

/** Organisations by id that `p` may involve (not deleted, not merged away). */
async function involvableOrganisations(db: Db, p: Principal, ids: number[]) {
  if (!ids.length) return [];
  return db
    .select({ id: organisations.id, municipalityId: organisations.municipalityId })
    .from(organisations)
    .where(and(inArray(organisations.id, ids), isNull(organisations.deletedAt), isNull(organisations.mergedIntoId), organisationScope(p)));
}

/**
 * Validates a contact moment for `p`: the form/API schema, then the references. A municipality
 * outside `p`'s scope throws NotFoundError (404, nothing saved); an unknown one is a field error.
 * `existing`: the moment being edited (its own persons stay selectable).
 */
export async function validateContactMoment(
  db: Db,
  p: Principal,
  values: Record<string, unknown>,
  today: string,
  opts: { withTask?: boolean; /** Editing: the advisor the hours counted on so far (an advisor's edit keeps it). */ keepAdvisorId?: number | null } = {},
): Promise<{ ok: true; data: ContactMomentInput } | { ok: false; errors: FieldErrors }> {
  const r = contactMomentFormSchema.safeParse(values);
  const errors: FieldErrors = {};
  if (!r.success) for (const i of r.error.issues) errors[String(i.path[0] ?? '_form')] ??= i.message;
  // Every check runs, also when other fields are wrong, so the user sees every problem at once:
  // each field is taken as parsed on its own (undefined when it did not parse).
  const shape = contactMomentFormSchema.shape;
  const field = <K extends keyof typeof shape>(k: K): z.infer<(typeof shape)[K]> | undefined => {
    const x = shape[k].safeParse(values[k]);
    return x.success ? (x.data as z.infer<(typeof shape)[K]>) : undefined;
  };
  const d = {
    occurredOn: field('occurredOn'),
    kind: field('kind'),
    subject: field('subject'),
    municipalityId: field('municipalityId'),
    organisationIds: field('organisationIds') ?? [],
    personIds: field('personIds') ?? [],
    pillars: field('pillars') ?? [],
    tags: field('tags') ?? [],
    notes: field('notes'),
    duration: field('duration'),
    advisory: field('advisory') ?? false,
    advisorId: field('advisorId'),
    taskTitle: field('taskTitle'),
    taskDueDate: field('taskDueDate'),
    taskAssigneeId: field('taskAssigneeId'),
    newPersonName: field('newPersonName'),
    newPersonJobTitle: field('newPersonJobTitle'),
    newPersonOrganisationId: field('newPersonOrganisationId'),
    newPersonEmail: field('newPersonEmail'),
    newPersonPhone: field('newPersonPhone'),
  };

  // The municipality first: out of scope is "not found", whatever else is wrong.
  const municipalityId = d.municipalityId ?? null;
  if (!errors.municipalityId && municipalityId !== null) {
    const [m] = await db.select({ id: municipalities.id }).from(municipalities).where(and(eq(municipalities.id, municipalityId), isNull(municipalities.deletedAt)));
    if (!m) errors.municipalityId = 'Deze gemeente bestaat niet. Kies een gemeente uit de lijst.';
    else if (!can(p, 'contact:log', { municipalityId })) throw new NotFoundError();
  } else if (!errors.municipalityId && !can(p, 'contact:log', { municipalityId: null })) {
    errors.municipalityId = 'Kies de gemeente waarover het contact ging.';
  }

  if (d.occurredOn && d.occurredOn > today) errors.occurredOn = 'De datum kan niet in de toekomst liggen. Leg een contactmoment vast als het heeft plaatsgevonden.';
  else if (d.occurredOn && d.occurredOn < EARLIEST_CONTACT_DATE) errors.occurredOn = `Vul een datum in vanaf ${EARLIEST_CONTACT_DATE.slice(0, 4)}.`;

  const orgIds = [...new Set(d.organisationIds)];
  const orgs = await involvableOrganisations(db, p, orgIds);
  if (orgs.length !== orgIds.length) errors.organisationIds = 'Kies organisaties uit de lijst. Een of meer gekozen organisaties bestaan niet (meer).';

  const personIds = [...new Set(d.personIds)];
  if (personIds.length) {
    const visible = await db
      .select({ id: contactPersons.id })
      .from(contactPersons)
      .leftJoin(organisations, eq(organisations.id, contactPersons.organisationId))
      .where(and(inArray(contactPersons.id, personIds), isNull(contactPersons.deletedAt), personScope(p)));
    if (visible.length !== personIds.length) errors.personIds = 'Kies contactpersonen uit de lijst. Een of meer gekozen personen bestaan niet (meer).';
  }

  // Advisory hours count on an advisor: the advisor who logs them, or (programme team) a chosen advisor.
  let advisorId: number | null = null;
  if (d.advisory) {
    if (municipalityId === null) errors.advisory = 'Alleen contact met een gemeente telt als advies. Kies een gemeente, of zet het vinkje uit.';
    else if (crmAll(p)) {
      if (!d.advisorId) errors.advisorId = 'Kies de adviseur op wie de adviesuren tellen.';
      else if (!(await isAdvisor(db, d.advisorId))) errors.advisorId = 'Kies een actieve adviseur uit de lijst.';
      else advisorId = d.advisorId;
    } else advisorId = opts.keepAdvisorId ?? p.id;
  }

  let task: TaskInput | null = null;
  if (opts.withTask !== false && (d.taskTitle || d.taskDueDate || d.taskAssigneeId)) {
    if (!d.taskTitle) errors.taskTitle = 'Vul in wat er moet gebeuren, of laat de datum en de uitvoerder leeg.';
    if (!d.taskDueDate && !errors.taskDueDate) errors.taskDueDate = 'Vul de uiterste datum van de vervolgtaak in.';
    const assigneeId = d.taskAssigneeId ?? p.id;
    if (!(await assigneeOptions(db)).some((u) => u.id === assigneeId)) errors.taskAssigneeId = 'Kies de uitvoerder uit de lijst: een adviseur of iemand van het programmateam.';
    if (d.taskTitle && d.taskDueDate) task = { title: d.taskTitle, dueDate: d.taskDueDate, assigneeId };
  }

  let newPerson: PersonInput | null = null;
  if (d.newPersonName || d.newPersonJobTitle || d.newPersonEmail || d.newPersonPhone || d.newPersonOrganisationId) {
    if (!d.newPersonName) errors.newPersonName = 'Vul de naam van de nieuwe contactpersoon in, of laat de velden van de nieuwe contactpersoon leeg.';
    const orgId = d.newPersonOrganisationId ?? null;
    if (orgId !== null && (await involvableOrganisations(db, p, [orgId])).length !== 1) errors.newPersonOrganisationId = 'Kies een organisatie uit de lijst.';
    if (orgId === null && !crmAll(p)) errors.newPersonOrganisationId = 'Kies de organisatie waar de contactpersoon werkt.';
    if (d.newPersonName) newPerson = { name: d.newPersonName, organisationId: orgId, jobTitle: d.newPersonJobTitle ?? null, email: d.newPersonEmail ?? null, phone: d.newPersonPhone ?? null };
  }

  if (Object.keys(errors).length || !r.success) return { ok: false, errors };
  const ok = r.data;
  return {
    ok: true,
    data: {
      occurredOn: ok.occurredOn,
      kind: ok.kind,
      subject: ok.subject,
      municipalityId,
      organisationIds: orgIds,
      personIds,
      pillars: [...new Set(d.pillars)],
      tags: d.tags,
      notes: ok.notes ?? null,
      durationMinutes: ok.duration,
      advisory: d.advisory,
      advisorId,
      task,
      newPerson,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Changes

export interface MailDeps {
  jobs: Jobs | null;
  helpdeskEmail: string;
  baseUrl: string;
}

const userId = (actx: AuditContext) => (actx.principal?.kind === 'user' ? actx.principal.id : 0);

async function insertPerson(t: Db, actx: AuditContext, input: PersonInput): Promise<number> {
  const [row] = await t.insert(contactPersons).values(input).returning({ id: contactPersons.id });
  await audit(t, actx, { action: 'create', entity: 'contact_person', entityId: row.id, details: { organisationId: input.organisationId } });
  return row.id;
}

async function linkMoment(t: Db, momentId: number, organisationIds: number[], personIds: number[]) {
  await t.delete(contactMomentOrganisations).where(eq(contactMomentOrganisations.contactMomentId, momentId));
  await t.delete(contactMomentPersons).where(eq(contactMomentPersons.contactMomentId, momentId));
  if (organisationIds.length) await t.insert(contactMomentOrganisations).values(organisationIds.map((organisationId) => ({ contactMomentId: momentId, organisationId })));
  if (personIds.length) await t.insert(contactMomentPersons).values(personIds.map((personId) => ({ contactMomentId: momentId, personId })));
}

/** Links, new person and task of a validated input: the organisation of a new person is involved too. */
async function withNewPerson(t: Db, actx: AuditContext, input: ContactMomentInput) {
  const organisationIds = [...input.organisationIds];
  const personIds = [...input.personIds];
  if (input.newPerson) {
    personIds.push(await insertPerson(t, actx, input.newPerson));
    if (input.newPerson.organisationId && !organisationIds.includes(input.newPerson.organisationId)) organisationIds.push(input.newPerson.organisationId);
  }
  return { organisationIds, personIds };
}

/** The mail to someone who got a task from someone else (queued in the transaction, dispatched after). */
async function queueTaskMail(t: Db, actx: AuditContext, task: TaskInput, momentId: number, subject: string, deps: MailDeps | undefined): Promise<number | null> {
  if (!deps || task.assigneeId === userId(actx)) return null;
  const [u] = await t.select({ email: users.email, name: users.name }).from(users).where(eq(users.id, task.assigneeId));
  if (!u) return null;
  const by = actx.principal?.label ?? 'Een collega';
  const text = [
    `Beste ${u.name},`,
    '',
    `${by} heeft een vervolgtaak voor u vastgelegd bij het contactmoment "${subject}":`,
    '',
    `  ${task.title}`,
    `  Uiterlijk: ${task.dueDate}`,
    '',
    `Bekijk uw taken: ${deps.baseUrl}/taken`,
  ].join('\n');
  return queueMail(t, null, { to: u.email, kind: 'network_task', subject: `Nieuwe taak: ${task.title.slice(0, 80)}`, text }, deps.helpdeskEmail);
}

async function insertTask(t: Db, actx: AuditContext, task: TaskInput, momentId: number, municipalityId: number | null) {
  const [row] = await t
    .insert(networkTasks)
    .values({ title: task.title, dueDate: task.dueDate, assigneeId: task.assigneeId, contactMomentId: momentId, municipalityId, createdBy: userId(actx) })
    .returning({ id: networkTasks.id });
  await audit(t, actx, { action: 'create', entity: 'network_task', entityId: row.id, details: { contactMomentId: momentId, assigneeId: task.assigneeId, dueDate: task.dueDate } });
  return row.id;
}

/** The contact_moments columns of a validated input. */
const momentValues = (input: ContactMomentInput) => ({
  occurredOn: input.occurredOn,
  kind: input.kind,
  subject: input.subject,
  notes: input.notes,
  municipalityId: input.municipalityId,
  durationMinutes: input.durationMinutes,
  advisory: input.advisory,
  advisorId: input.advisorId,
  pillars: input.pillars,
  tags: input.tags,
});

/** Saves a validated contact moment with its links, a new contact person and a follow-up task, in one transaction. */
export async function createContactMoment(db: Db, actx: AuditContext, input: ContactMomentInput, deps?: MailDeps): Promise<number> {
  const { id, mailId } = await db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    const links = await withNewPerson(t, actx, input);
    const [row] = await t
      .insert(contactMoments)
      .values({ ...momentValues(input), createdBy: userId(actx) })
      .returning({ id: contactMoments.id });
    await linkMoment(t, row.id, links.organisationIds, links.personIds);
    let mailId: number | null = null;
    if (input.task) {
      await insertTask(t, actx, input.task, row.id, input.municipalityId);
      mailId = await queueTaskMail(t, actx, input.task, row.id, input.subject, deps);
    }
    await audit(t, actx, {
      action: 'create',
      entity: 'contact_moment',
      entityId: row.id,
      details: { municipalityId: input.municipalityId, kind: input.kind, occurredOn: input.occurredOn, durationMinutes: input.durationMinutes, advisory: input.advisory, advisorId: input.advisorId },
    });
    return { id: row.id, mailId };
  });
  if (mailId) await dispatchMail(deps?.jobs ?? null, mailId);
  return id;
}

/** Saves an edited contact moment (links replaced), audit-logged with the changed fields. */
export async function updateContactMoment(db: Db, actx: AuditContext, existing: ContactMomentDetail, input: ContactMomentInput): Promise<void> {
  await db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    const links = await withNewPerson(t, actx, input);
    const comparable = (v: ReturnType<typeof momentValues>, organisationIds: number[], personIds: number[]): Record<string, unknown> => ({
      ...v,
      pillars: v.pillars.join(','),
      tags: v.tags.join(','),
      organisationIds: [...organisationIds].sort((a, b) => a - b).join(','),
      personIds: [...personIds].sort((a, b) => a - b).join(','),
    });
    const before = comparable(
      momentValues({ ...existing, task: null, newPerson: null, organisationIds: [], personIds: [] }),
      existing.organisations.map((o) => o.id),
      existing.persons.map((x) => x.id),
    );
    const after = comparable(momentValues(input), links.organisationIds, links.personIds);
    const changed = Object.keys(after).filter((k) => String(before[k] ?? '') !== String(after[k] ?? ''));
    await t
      .update(contactMoments)
      .set({ ...momentValues(input), updatedAt: new Date() })
      .where(eq(contactMoments.id, existing.id));
    await linkMoment(t, existing.id, links.organisationIds, links.personIds);
    // Open tasks follow the moment to its (new) municipality.
    await t.update(networkTasks).set({ municipalityId: input.municipalityId }).where(and(eq(networkTasks.contactMomentId, existing.id), isNull(networkTasks.deletedAt)));
    const numbers = ['municipalityId', 'durationMinutes', 'advisory', 'advisorId', 'occurredOn', 'kind'];
    await audit(t, actx, {
      action: 'update',
      entity: 'contact_moment',
      entityId: existing.id,
      details: { changed, ...Object.fromEntries(numbers.filter((k) => changed.includes(k)).map((k) => [k, { from: before[k], to: after[k] }])) },
    });
  });
}

/** A correction: soft-deletes the moment and its tasks; its hours stop counting. Audit-logged. */
export async function deleteContactMoment(db: Db, actx: AuditContext, existing: ContactMomentDetail): Promise<void> {
  await db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    const now = new Date();
    await t.update(contactMoments).set({ deletedAt: now }).where(and(eq(contactMoments.id, existing.id), isNull(contactMoments.deletedAt)));
    const tasks = await t
      .update(networkTasks)
      .set({ deletedAt: now })
      .where(and(eq(networkTasks.contactMomentId, existing.id), isNull(networkTasks.deletedAt)))
      .returning({ id: networkTasks.id });
    await audit(t, actx, {
      action: 'delete',
      entity: 'contact_moment',
      entityId: existing.id,
      details: { municipalityId: existing.municipalityId, durationMinutes: existing.durationMinutes, advisory: existing.advisory, tasksDeleted: tasks.map((x) => x.id) },
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Reading

export interface MomentTask {
  id: number;
  title: string;
  dueDate: string;
  assigneeId: number;
  assigneeName: string;
  doneAt: Date | null;
}

/** What a contact moment shows in lists and on its page. */
interface MomentBase {
  id: number;
  occurredOn: string;
  kind: ContactKind;
  subject: string;
  notes: string | null;
  municipalityId: number | null;
  municipalityCode: string | null;
  municipalityName: string | null;
  durationMinutes: number;
  advisory: boolean;
  advisorName: string | null;
  pillars: Pillar[];
  tags: string[];
}

export interface ContactMomentDetail extends MomentBase {
  advisorId: number | null;
  createdBy: number;
  createdByName: string | null;
  createdAt: Date;
  updatedAt: Date;
  organisations: { id: number; name: string; municipalityName: string | null }[];
  persons: { id: number; name: string; jobTitle: string | null; organisationName: string | null }[];
  tasks: MomentTask[];
}

/** One contact moment (not deleted) with everything around it; callers check `can(contact:read)`. */
export async function getContactMoment(db: Db, id: number): Promise<ContactMomentDetail | null> {
  const { rows } = await db.execute<Record<string, any>>(sql`
    select cm.id, cm.occurred_on::text as occurred_on, cm.kind, cm.subject, cm.notes, cm.municipality_id, mu.cbs_code, mu.name as municipality_name,
           cm.duration_minutes, cm.advisory, cm.advisor_id, adv.name as advisor_name, cm.pillars, cm.tags, cm.created_by, cb.name as created_by_name,
           cm.created_at, cm.updated_at
      from ${contactMoments} cm
      left join ${municipalities} mu on mu.id = cm.municipality_id
      left join ${users} adv on adv.id = cm.advisor_id
      left join ${users} cb on cb.id = cm.created_by
     where cm.id = ${id} and cm.deleted_at is null`);
  const r = rows[0];
  if (!r) return null;
  const [orgs, persons, tasks] = await Promise.all([
    db
      .select({ id: organisations.id, name: organisations.name, municipalityName: municipalities.name })
      .from(contactMomentOrganisations)
      .innerJoin(organisations, eq(organisations.id, contactMomentOrganisations.organisationId))
      .leftJoin(municipalities, eq(municipalities.id, organisations.municipalityId))
      .where(eq(contactMomentOrganisations.contactMomentId, id))
      .orderBy(asc(organisations.name)),
    db
      .select({ id: contactPersons.id, name: contactPersons.name, jobTitle: contactPersons.jobTitle, organisationName: organisations.name })
      .from(contactMomentPersons)
      .innerJoin(contactPersons, eq(contactPersons.id, contactMomentPersons.personId))
      .leftJoin(organisations, eq(organisations.id, contactPersons.organisationId))
      .where(eq(contactMomentPersons.contactMomentId, id))
      .orderBy(asc(contactPersons.name)),
    db
      .select({ id: networkTasks.id, title: networkTasks.title, dueDate: networkTasks.dueDate, assigneeId: networkTasks.assigneeId, assigneeName: users.name, doneAt: networkTasks.doneAt })
      .from(networkTasks)
      .innerJoin(users, eq(users.id, networkTasks.assigneeId))
      .where(and(eq(networkTasks.contactMomentId, id), isNull(networkTasks.deletedAt)))
      .orderBy(asc(networkTasks.dueDate), asc(networkTasks.id)),
  ]);
  return {
    id: r.id,
    occurredOn: r.occurred_on,
    kind: r.kind,
    subject: r.subject,
    notes: r.notes,
    municipalityId: r.municipality_id,
    municipalityCode: r.cbs_code,
    municipalityName: r.municipality_name,
    durationMinutes: r.duration_minutes,
    advisory: r.advisory,
    advisorId: r.advisor_id,
    advisorName: r.advisor_name,
    pillars: r.pillars ?? [],
    tags: r.tags ?? [],
    createdBy: r.created_by,
    createdByName: r.created_by_name,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
    organisations: orgs,
    persons,
    tasks,
  };
}

export const MOMENT_SORTS = ['date', 'municipality', 'kind', 'duration'] as const;
export type MomentSort = (typeof MOMENT_SORTS)[number];

export interface MomentFilter {
  /** A municipality id, or 'national' for contacts without one. */
  municipality?: number | 'national';
  organisationId?: number;
  personId?: number;
  kind?: ContactKind;
  advisorId?: number;
  from?: string;
  to?: string;
  pillar?: Pillar;
  tag?: string;
  advisoryOnly?: boolean;
  sort: MomentSort;
  dir: 'asc' | 'desc';
  page: number;
  /** 0: every row (exports). */
  pageSize: number;
}

export interface MomentRow extends MomentBase {
  loggedByName: string | null;
  organisations: { id: number; name: string }[];
  openTasks: number;
}

function momentWhere(p: Principal, f: Omit<MomentFilter, 'sort' | 'dir' | 'page' | 'pageSize'>): SQL {
  const where: (SQL | undefined)[] = [isNull(contactMoments.deletedAt), momentScope(p)];
  if (f.municipality === 'national') where.push(isNull(contactMoments.municipalityId));
  else if (f.municipality) where.push(eq(contactMoments.municipalityId, f.municipality));
  if (f.organisationId) {
    where.push(
      sql`exists (select 1 from ${contactMomentOrganisations} cmo where cmo.contact_moment_id = ${contactMoments.id} and cmo.organisation_id = ${f.organisationId})`,
    );
  }
  if (f.personId) where.push(sql`exists (select 1 from ${contactMomentPersons} cmp where cmp.contact_moment_id = ${contactMoments.id} and cmp.person_id = ${f.personId})`);
  if (f.kind) where.push(eq(contactMoments.kind, f.kind));
  if (f.advisorId) where.push(sql`coalesce(${contactMoments.advisorId}, ${contactMoments.createdBy}) = ${f.advisorId}`);
  if (f.from) where.push(sql`${contactMoments.occurredOn} >= ${f.from}::date`);
  if (f.to) where.push(sql`${contactMoments.occurredOn} <= ${f.to}::date`);
  if (f.pillar) where.push(sql`${contactMoments.pillars} @> array[${f.pillar}]::text[]`);
  if (f.tag) where.push(sql`${contactMoments.tags} @> array[${f.tag}]::text[]`);
  if (f.advisoryOnly) where.push(eq(contactMoments.advisory, true));
  return and(...where)!;
}

/**
 * Contact moments in `p`'s scope, filtered, sorted and paged, with totals over every match:
 * count, minutes and advisory minutes. Built for a municipality's timeline of thousands of
 * moments: the page is read through contact_moments_municipality_idx (newest first, limit /
 * offset), the totals in one aggregate, and the organisations of the page in one more query.
 */
export async function listContactMoments(db: Db, p: Principal, f: MomentFilter) {
  const cond = momentWhere(p, f);
  const d = f.dir === 'asc' ? asc : desc;
  const newest = [desc(contactMoments.occurredOn), desc(contactMoments.id)];
  const order = {
    date: [d(contactMoments.occurredOn), d(contactMoments.id)],
    municipality: [sql`${municipalities.name} ${sql.raw(f.dir === 'asc' ? 'asc' : 'desc')} nulls first`, ...newest],
    kind: [d(contactMoments.kind), ...newest],
    duration: [d(contactMoments.durationMinutes), ...newest],
  }[f.sort];
  const pageQuery = db
    .select({
      id: contactMoments.id,
      occurredOn: contactMoments.occurredOn,
      kind: contactMoments.kind,
      subject: contactMoments.subject,
      notes: contactMoments.notes,
      municipalityId: contactMoments.municipalityId,
      municipalityCode: municipalities.cbsCode,
      municipalityName: municipalities.name,
      durationMinutes: contactMoments.durationMinutes,
      advisory: contactMoments.advisory,
      advisorName: advisorUser.name,
      loggedByName: loggedBy.name,
      pillars: contactMoments.pillars,
      tags: contactMoments.tags,
      openTasks: sql<number>`(select count(*) from ${networkTasks} nt where nt.contact_moment_id = ${contactMoments.id} and nt.deleted_at is null and nt.done_at is null)::int`,
    })
    .from(contactMoments)
    .leftJoin(municipalities, eq(municipalities.id, contactMoments.municipalityId))
    .leftJoin(advisorUser, eq(advisorUser.id, contactMoments.advisorId))
    .leftJoin(loggedBy, eq(loggedBy.id, contactMoments.createdBy))
    .where(cond)
    .orderBy(...order);
  const [page, totals] = await Promise.all([
    f.pageSize > 0 ? pageQuery.limit(f.pageSize).offset((f.page - 1) * f.pageSize) : pageQuery,
    db
      .select({
        count: sql<number>`count(*)::int`,
        minutes: sql<number>`coalesce(sum(${contactMoments.durationMinutes}), 0)::int`,
        advisoryMinutes: sql<number>`coalesce(sum(${contactMoments.durationMinutes}) filter (where ${contactMoments.advisory}), 0)::int`,
      })
      .from(contactMoments)
      .where(cond),
  ]);
  const ids = page.map((r) => r.id);
  const orgs = ids.length
    ? await db
        .select({ momentId: contactMomentOrganisations.contactMomentId, id: organisations.id, name: organisations.name })
        .from(contactMomentOrganisations)
        .innerJoin(organisations, eq(organisations.id, contactMomentOrganisations.organisationId))
        .where(inArray(contactMomentOrganisations.contactMomentId, ids))
        .orderBy(asc(organisations.name))
    : [];
  const byMoment = new Map<number, { id: number; name: string }[]>();
  for (const o of orgs) {
    const list = byMoment.get(o.momentId) ?? [];
    list.push({ id: o.id, name: o.name });
    byMoment.set(o.momentId, list);
  }
  const rows: MomentRow[] = page.map((r) => ({
    ...r,
    kind: r.kind as ContactKind,
    pillars: (r.pillars ?? []) as Pillar[],
    tags: r.tags ?? [],
    organisations: byMoment.get(r.id) ?? [],
  }));
  const t = totals[0]!;
  return { rows, total: t.count, totalMinutes: t.minutes, advisoryMinutes: t.advisoryMinutes };
}

export type MomentList = Awaited<ReturnType<typeof listContactMoments>>;

/** The tags in use in `p`'s scope (for the filter), most used first. */
export async function tagsInUse(db: Db, p: Principal, limit = 200): Promise<string[]> {
  const scope = momentScope(p);
  const { rows } = await db.execute<{ tag: string }>(sql`
    select t.tag from ${contactMoments}, unnest(${contactMoments.tags}) as t(tag)
     where ${contactMoments.deletedAt} is null ${scope ? sql`and ${scope}` : sql``}
     group by t.tag order by count(*) desc, t.tag limit ${limit}`);
  return rows.map((r) => r.tag);
}

export const MOMENT_EXPORT_COLUMNS: TableColumn<MomentRow>[] = [
  { header: 'id', value: (r) => r.id },
  { header: 'date', value: (r) => r.occurredOn },
  { header: 'kind', value: (r) => r.kind },
  { header: 'kind_label', value: (r) => CONTACT_KIND_LABELS[r.kind] ?? r.kind },
  { header: 'subject', value: (r) => r.subject },
  { header: 'cbs_code', value: (r) => r.municipalityCode },
  { header: 'municipality', value: (r) => r.municipalityName },
  { header: 'organisations', value: (r) => r.organisations.map((o) => o.name).join('; ') },
  { header: 'pillars', value: (r) => r.pillars.map((x) => PILLAR_LABELS[x] ?? x).join('; ') },
  { header: 'tags', value: (r) => r.tags.join(', ') },
  { header: 'duration_minutes', value: (r) => r.durationMinutes },
  { header: 'duration_hours', value: (r) => roundHours(r.durationMinutes / 60) },
  { header: 'advisory', value: (r) => (r.advisory ? 'ja' : 'nee') },
  { header: 'advisor', value: (r) => r.advisorName },
  { header: 'logged_by', value: (r) => r.loggedByName },
  { header: 'open_tasks', value: (r) => r.openTasks },
  { header: 'notes', value: (r) => r.notes },
];

// ---------------------------------------------------------------------------------------------
// Choices for the form

/** Organisations `p` may involve: search by name (or, without a search, those of one municipality). */
export async function organisationChoices(db: Db, p: Principal, opts: { q?: string; municipalityId?: number | null; ids?: number[]; limit?: number }) {
  const limit = opts.limit ?? 50;
  const base = () =>
    db
      .select({ id: organisations.id, name: organisations.name, municipalityName: municipalities.name })
      .from(organisations)
      .leftJoin(municipalities, eq(municipalities.id, organisations.municipalityId))
      .orderBy(asc(organisations.name), asc(organisations.id));
  const live = and(isNull(organisations.deletedAt), isNull(organisations.mergedIntoId), organisationScope(p));
  const [selected, matches, local] = await Promise.all([
    opts.ids?.length ? base().where(and(live, inArray(organisations.id, opts.ids))) : Promise.resolve([]),
    opts.q ? base().where(and(live, sql`(${organisations.name} ilike ${likePattern(opts.q)} or ${organisations.city} ilike ${likePattern(opts.q)})`)).limit(limit) : Promise.resolve([]),
    opts.municipalityId ? base().where(and(live, eq(organisations.municipalityId, opts.municipalityId))).limit(limit) : Promise.resolve([]),
  ]);
  const seen = new Set<number>();
  const out: { id: number; name: string; municipalityName: string | null }[] = [];
  for (const o of [...selected, ...local, ...matches]) if (!seen.has(o.id) && seen.add(o.id)) out.push(o);
  return out;
}

/** Every organisation `p` may involve (for a select): national ones and those of the municipalities in scope. */
export async function organisationOptions(db: Db, p: Principal, limit = 5000) {
  return db
    .select({ id: organisations.id, name: organisations.name, municipalityName: municipalities.name })
    .from(organisations)
    .leftJoin(municipalities, eq(municipalities.id, organisations.municipalityId))
    .where(and(isNull(organisations.deletedAt), isNull(organisations.mergedIntoId), organisationScope(p)))
    .orderBy(asc(organisations.name), asc(organisations.id))
    .limit(limit);
}

/** Contact persons `p` may see at the given organisations, plus the given persons. */
export async function personChoices(db: Db, p: Principal, opts: { organisationIds: number[]; ids: number[] }) {
  if (!opts.organisationIds.length && !opts.ids.length) return [];
  const pick = [
    opts.organisationIds.length ? inArray(contactPersons.organisationId, opts.organisationIds) : undefined,
    opts.ids.length ? inArray(contactPersons.id, opts.ids) : undefined,
  ].filter((x): x is SQL => !!x);
  return db
    .select({ id: contactPersons.id, name: contactPersons.name, jobTitle: contactPersons.jobTitle, organisationName: organisations.name })
    .from(contactPersons)
    .leftJoin(organisations, eq(organisations.id, contactPersons.organisationId))
    .where(and(isNull(contactPersons.deletedAt), personScope(p), pick.length === 1 ? pick[0] : sql`(${pick[0]} or ${pick[1]})`))
    .orderBy(asc(contactPersons.name), asc(contactPersons.id))
    .limit(200);
}

// ---------------------------------------------------------------------------------------------
// Contact persons

const personSchema = z.object({
  name: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim().replace(/\s+/g, ' ') : v),
    z.string({ message: 'Vul de naam in.' }).min(1, 'Vul de naam in.').max(200, 'Gebruik voor de naam hoogstens 200 tekens.'),
  ),
  organisationId: optionalId('Kies een organisatie uit de lijst.'),
  jobTitle: optionalText(200, 'Gebruik voor de functie hoogstens 200 tekens.'),
  email: emailField(false),
  phone: phoneField,
});

export const PERSON_FIELD_LABELS: Record<string, string> = { name: 'Naam', organisationId: 'Organisatie', jobTitle: 'Functie', email: 'E-mailadres', phone: 'Telefoonnummer' };

export type PersonSaveResult = { ok: true; id: number } | { ok: false; errors: FieldErrors };

async function validatePerson(db: Db, p: Principal, values: Record<string, unknown>): Promise<{ ok: true; data: PersonInput } | { ok: false; errors: FieldErrors }> {
  const r = personSchema.safeParse(values);
  const errors: FieldErrors = {};
  if (!r.success) for (const i of r.error.issues) errors[String(i.path[0])] ??= i.message;
  const org = personSchema.shape.organisationId.safeParse(values.organisationId);
  const orgId = org.success ? (org.data ?? null) : null;
  if (org.success && orgId !== null && (await involvableOrganisations(db, p, [orgId])).length !== 1) errors.organisationId = 'Kies een organisatie uit de lijst.';
  if (org.success && orgId === null && !crmAll(p)) errors.organisationId = 'Kies de organisatie waar de contactpersoon werkt.';
  if (!r.success || Object.keys(errors).length) return { ok: false, errors };
  return { ok: true, data: { name: r.data.name, organisationId: orgId, jobTitle: r.data.jobTitle ?? null, email: r.data.email ?? null, phone: r.data.phone ?? null } };
}

export async function createPerson(db: Db, actx: AuditContext, p: Principal, values: Record<string, unknown>): Promise<PersonSaveResult> {
  const v = await validatePerson(db, p, values);
  if (!v.ok) return v;
  const id = await db.transaction(async (tx) => insertPerson(tx as unknown as Db, actx, v.data));
  return { ok: true, id };
}

export async function updatePerson(db: Db, actx: AuditContext, p: Principal, existing: PersonRow, values: Record<string, unknown>): Promise<PersonSaveResult> {
  const v = await validatePerson(db, p, values);
  if (!v.ok) return v;
  const changed = (['name', 'organisationId', 'jobTitle', 'email', 'phone'] as const).filter((k) => (existing[k] ?? null) !== (v.data[k] ?? null));
  await db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    await t
      .update(contactPersons)
      .set({ ...v.data, updatedAt: new Date() })
      .where(eq(contactPersons.id, existing.id));
    await audit(t, actx, { action: 'update', entity: 'contact_person', entityId: existing.id, details: { changed } });
  });
  return { ok: true, id: existing.id };
}

/**
 * Removes a contact person: a soft delete that also clears the e-mail address, phone number and
 * function (no more personal data than needed); the name stays visible on past contact moments.
 */
export async function deletePerson(db: Db, actx: AuditContext, existing: PersonRow): Promise<void> {
  await db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    await t.update(contactPersons).set({ deletedAt: new Date(), email: null, phone: null, jobTitle: null }).where(eq(contactPersons.id, existing.id));
    await audit(t, actx, { action: 'delete', entity: 'contact_person', entityId: existing.id, details: { contactDataCleared: true } });
  });
}

export interface PersonFilter {
  q?: string;
  organisationId?: number;
  page: number;
  pageSize: number;
}

const personColumns = {
  id: contactPersons.id,
  name: contactPersons.name,
  organisationId: contactPersons.organisationId,
  organisationName: organisations.name,
  /** The organisation's municipality; null for a national organisation (or no organisation). */
  organisationMunicipalityId: organisations.municipalityId,
  municipalityName: municipalities.name,
  jobTitle: contactPersons.jobTitle,
  email: contactPersons.email,
  phone: contactPersons.phone,
};

export async function listPersons(db: Db, p: Principal, f: PersonFilter) {
  const where = and(
    isNull(contactPersons.deletedAt),
    personScope(p),
    f.q ? sql`(${contactPersons.name} ilike ${likePattern(f.q)} or ${organisations.name} ilike ${likePattern(f.q)} or ${contactPersons.jobTitle} ilike ${likePattern(f.q)})` : undefined,
    f.organisationId ? eq(contactPersons.organisationId, f.organisationId) : undefined,
  );
  const from = () =>
    db
      .select({
        ...personColumns,
        moments: sql<number>`(select count(*) from ${contactMomentPersons} cmp join ${contactMoments} cm on cm.id = cmp.contact_moment_id where cmp.person_id = ${contactPersons.id} and cm.deleted_at is null)::int`,
      })
      .from(contactPersons)
      .leftJoin(organisations, eq(organisations.id, contactPersons.organisationId))
      .leftJoin(municipalities, eq(municipalities.id, organisations.municipalityId));
  const [rows, [{ total }]] = await Promise.all([
    from()
      .where(where)
      .orderBy(asc(contactPersons.name), asc(contactPersons.id))
      .limit(f.pageSize)
      .offset((f.page - 1) * f.pageSize),
    db
      .select({ total: sql<number>`count(*)::int` })
      .from(contactPersons)
      .leftJoin(organisations, eq(organisations.id, contactPersons.organisationId))
      .where(where),
  ]);
  return { rows, total };
}

export type PersonRow = NonNullable<Awaited<ReturnType<typeof getPerson>>>;

/**
 * Who may edit or remove a contact person (besides reading it): whoever may log contact moments,
 * except that persons of national organisations are the programme team's — removing one clears
 * their contact details for everyone, so an advisor (who sees them) may not.
 */
export function mayChangePerson(p: Principal, x: Pick<PersonRow, 'organisationId' | 'organisationMunicipalityId'>): boolean {
  const national = x.organisationId !== null && x.organisationMunicipalityId === null;
  return national ? can(p, 'contact:log', { municipalityId: null }) : can(p, 'contact:log');
}

type PersonListRow = Awaited<ReturnType<typeof listPersons>>['rows'][number];

/** The contact persons export: the list's columns plus the business e-mail and phone (audit-logged as an export). */
export const PERSON_EXPORT_COLUMNS: TableColumn<PersonListRow>[] = [
  { header: 'id', value: (r) => r.id },
  { header: 'name', value: (r) => r.name },
  { header: 'job_title', value: (r) => r.jobTitle },
  { header: 'organisation', value: (r) => r.organisationName },
  { header: 'municipality', value: (r) => (r.organisationId ? (r.municipalityName ?? 'landelijk') : null) },
  { header: 'email', value: (r) => r.email },
  { header: 'phone', value: (r) => r.phone },
  { header: 'contact_moments', value: (r) => r.moments },
];

/** One contact person `p` may see (not deleted), or null. */
export async function getPerson(db: Db, p: Principal, id: number) {
  const [row] = await db
    .select(personColumns)
    .from(contactPersons)
    .leftJoin(organisations, eq(organisations.id, contactPersons.organisationId))
    .leftJoin(municipalities, eq(municipalities.id, organisations.municipalityId))
    .where(and(eq(contactPersons.id, id), isNull(contactPersons.deletedAt), personScope(p)));
  return row ?? null;
}

// ---------------------------------------------------------------------------------------------
// Tasks

const taskSchema = z.object({
  taskTitle: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim() : v),
    z.string({ message: 'Vul in wat er moet gebeuren.' }).min(1, 'Vul in wat er moet gebeuren.').max(200, 'Gebruik voor de taak hoogstens 200 tekens.'),
  ),
  taskDueDate: requiredDate('Vul de uiterste datum in.'),
  taskAssigneeId: optionalId('Kies iemand uit de lijst.'),
});

/** Adds a follow-up task to a contact moment (the caller checked contact:log on it). */
export async function addTask(
  db: Db,
  actx: AuditContext,
  p: Principal,
  moment: Pick<ContactMomentDetail, 'id' | 'municipalityId' | 'subject'>,
  values: Record<string, unknown>,
  deps?: MailDeps,
): Promise<{ ok: true; id: number } | { ok: false; errors: FieldErrors }> {
  const r = taskSchema.safeParse(values);
  const errors: FieldErrors = {};
  if (!r.success) for (const i of r.error.issues) errors[String(i.path[0])] ??= i.message;
  const assigneeId = (r.success ? r.data.taskAssigneeId : undefined) ?? p.id;
  if (!(await assigneeOptions(db)).some((u) => u.id === assigneeId)) errors.taskAssigneeId ??= 'Kies de uitvoerder uit de lijst: een adviseur of iemand van het programmateam.';
  if (!r.success || Object.keys(errors).length) return { ok: false, errors };
  const task = { title: r.data.taskTitle, dueDate: r.data.taskDueDate, assigneeId };
  const { id, mailId } = await db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    const id = await insertTask(t, actx, task, moment.id, moment.municipalityId);
    return { id, mailId: await queueTaskMail(t, actx, task, moment.id, moment.subject, deps) };
  });
  if (mailId) await dispatchMail(deps?.jobs ?? null, mailId);
  return { ok: true, id };
}

export interface TaskRow {
  id: number;
  title: string;
  dueDate: string;
  doneAt: Date | null;
  assigneeId: number;
  assigneeName: string;
  contactMomentId: number | null;
  momentSubject: string | null;
  municipalityId: number | null;
  municipalityCode: string | null;
  municipalityName: string | null;
}

export interface TaskFilter {
  /** Tasks of this assignee; undefined = everyone's (programme team only). */
  assigneeId?: number;
  status: 'open' | 'done';
  page: number;
  pageSize: number;
}

/** Tasks (not deleted): open ones by due date, done ones newest first. */
export async function listTasks(db: Db, f: TaskFilter, today: string) {
  const where = and(
    isNull(networkTasks.deletedAt),
    f.status === 'open' ? isNull(networkTasks.doneAt) : sql`${networkTasks.doneAt} is not null`,
    f.assigneeId ? eq(networkTasks.assigneeId, f.assigneeId) : undefined,
  );
  const [rows, [counts]] = await Promise.all([
    db
      .select({
        id: networkTasks.id,
        title: networkTasks.title,
        dueDate: networkTasks.dueDate,
        doneAt: networkTasks.doneAt,
        assigneeId: networkTasks.assigneeId,
        assigneeName: users.name,
        contactMomentId: networkTasks.contactMomentId,
        momentSubject: contactMoments.subject,
        municipalityId: networkTasks.municipalityId,
        municipalityCode: municipalities.cbsCode,
        municipalityName: municipalities.name,
      })
      .from(networkTasks)
      .innerJoin(users, eq(users.id, networkTasks.assigneeId))
      .leftJoin(contactMoments, eq(contactMoments.id, networkTasks.contactMomentId))
      .leftJoin(municipalities, eq(municipalities.id, networkTasks.municipalityId))
      .where(where)
      .orderBy(...(f.status === 'open' ? [asc(networkTasks.dueDate), asc(networkTasks.id)] : [sql`${networkTasks.doneAt} desc`, sql`${networkTasks.id} desc`]))
      .limit(f.pageSize)
      .offset((f.page - 1) * f.pageSize),
    db
      .select({ total: sql<number>`count(*)::int`, overdue: sql<number>`(count(*) filter (where ${networkTasks.doneAt} is null and ${networkTasks.dueDate} < ${today}::date))::int` })
      .from(networkTasks)
      .where(where),
  ]);
  return { rows: rows as TaskRow[], total: counts.total, overdue: counts.overdue };
}

/**
 * Marks a task done or open again. Allowed for its assignee, its creator and whoever may log
 * contact moments of its municipality; anyone else gets "not found".
 */
export async function setTaskDone(db: Db, actx: AuditContext, p: Principal, taskId: number, done: boolean): Promise<{ changed: boolean; task: { id: number; contactMomentId: number | null } }> {
  const [task] = await db
    .select()
    .from(networkTasks)
    .where(and(eq(networkTasks.id, taskId), isNull(networkTasks.deletedAt)));
  if (!task || !(task.assigneeId === p.id || task.createdBy === p.id || can(p, 'contact:log', { municipalityId: task.municipalityId }))) throw new NotFoundError();
  if (!!task.doneAt === done) return { changed: false, task };
  await db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    await t
      .update(networkTasks)
      .set(done ? { doneAt: new Date(), doneBy: p.id, updatedAt: new Date() } : { doneAt: null, doneBy: null, updatedAt: new Date() })
      .where(eq(networkTasks.id, taskId));
    await audit(t, actx, { action: 'status_change', entity: 'network_task', entityId: taskId, details: { done } });
  });
  return { changed: true, task };
}

export const isOverdue = (t: { dueDate: string; doneAt: Date | null }, today: string) => !t.doneAt && t.dueDate < today;

/** The tasks export (the rows of "Mijn taken" with its filters); `today` decides "overdue". */
export function taskExportColumns(today: string): TableColumn<TaskRow>[] {
  return [
    { header: 'id', value: (r) => r.id },
    { header: 'title', value: (r) => r.title },
    { header: 'due_date', value: (r) => r.dueDate },
    { header: 'status', value: (r) => (r.doneAt ? 'afgerond' : isOverdue(r, today) ? 'te laat' : 'open') },
    { header: 'done_on', value: (r) => (r.doneAt ? amsterdamDate(r.doneAt) : null) },
    { header: 'assignee', value: (r) => r.assigneeName },
    { header: 'contact_moment_id', value: (r) => r.contactMomentId },
    { header: 'contact_moment_subject', value: (r) => r.momentSubject },
    { header: 'cbs_code', value: (r) => r.municipalityCode },
    { header: 'municipality', value: (r) => r.municipalityName ?? (r.contactMomentId ? 'landelijk' : null) },
  ];
}

export { CONTACT_KIND_LABELS, PILLAR_LABELS };
