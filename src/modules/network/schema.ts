import { sql } from 'drizzle-orm';
import { boolean, check, date, index, integer, numeric, pgTable, primaryKey, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { jointApproaches, municipalities, organisations } from '../registry/schema.js';
import { users } from '../../platform/db/schema.js';

/**
 * The programme's network (issue 5): local coalitions, the National Coalition, advisory hours
 * and phases, contact moments (CRM) with follow-up tasks, and collaborations.
 *
 * History is data, not a log: every fact that the programme figures count has a date it began
 * (and, where it can end, a date it ended), so "how many … on 1 March 2024" is a query over
 * dates. A correction of a mistake is a soft delete (deleted_at, with an audit entry) and is
 * left out of every figure; a change in the world (a member leaves, a stage changes) is a new
 * dated row.
 */

const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  deletedAt: timestamp('deleted_at', { withTimezone: true }),
};

/** A local coalition: of one municipality, or of a joint approach (then municipalityId is its primary municipality). */
export const coalitions = pgTable(
  'coalitions',
  {
    id: serial('id').primaryKey(),
    name: text('name').notNull(),
    municipalityId: integer('municipality_id')
      .notNull()
      .references(() => municipalities.id),
    jointApproachId: integer('joint_approach_id').references(() => jointApproaches.id),
    description: text('description'),
    ...timestamps,
  },
  (t) => [uniqueIndex('coalitions_municipality_uq').on(t.municipalityId).where(sql`deleted_at is null`)],
);

/** The stage of a coalition from a date on (none, starting, active, very_active); the latest row on or before a date applies. */
export const coalitionStages = pgTable(
  'coalition_stages',
  {
    id: serial('id').primaryKey(),
    coalitionId: integer('coalition_id')
      .notNull()
      .references(() => coalitions.id),
    stage: text('stage').notNull(),
    fromDate: date('from_date').notNull(),
    note: text('note'),
    createdBy: integer('created_by'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (t) => [index('coalition_stages_coalition_idx').on(t.coalitionId, t.fromDate)],
);

/**
 * A member of a coalition: organisation × role × sector, from start to end date. A change of
 * role ends the row and starts a new one, so the history shows both. The kartrekker is the
 * member with role 'kartrekker'; contactName is the person.
 */
export const coalitionMembers = pgTable(
  'coalition_members',
  {
    id: serial('id').primaryKey(),
    coalitionId: integer('coalition_id')
      .notNull()
      .references(() => coalitions.id),
    organisationId: integer('organisation_id')
      .notNull()
      .references(() => organisations.id),
    role: text('role').notNull(),
    sector: text('sector').notNull(),
    contactName: text('contact_name'),
    contactEmail: text('contact_email'),
    startDate: date('start_date').notNull(),
    endDate: date('end_date'),
    ...timestamps,
  },
  (t) => [
    index('coalition_members_coalition_idx').on(t.coalitionId),
    index('coalition_members_organisation_idx').on(t.organisationId),
    check('coalition_members_dates_ck', sql`end_date is null or end_date >= start_date`),
  ],
);

/**
 * The dated history of branch links: organisation_id was a local branch of
 * parent_organisation_id from linked_on up to, not including, unlinked_on (null: still is).
 * organisations.parent_organisation_id is the open link of today; setBranchParent() writes both.
 * A mistaken link is corrected by a soft delete (deleted_at) and never counts.
 */
export const branchLinks = pgTable(
  'branch_links',
  {
    id: serial('id').primaryKey(),
    organisationId: integer('organisation_id')
      .notNull()
      .references(() => organisations.id),
    parentOrganisationId: integer('parent_organisation_id')
      .notNull()
      .references(() => organisations.id),
    linkedOn: date('linked_on').notNull(),
    unlinkedOn: date('unlinked_on'),
    createdBy: integer('created_by'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (t) => [
    index('branch_links_parent_idx').on(t.parentOrganisationId, t.linkedOn),
    index('branch_links_organisation_idx').on(t.organisationId),
    uniqueIndex('branch_links_open_uq').on(t.organisationId).where(sql`unlinked_on is null and deleted_at is null`),
    check('branch_links_dates_ck', sql`unlinked_on is null or unlinked_on >= linked_on`),
    check('branch_links_not_self_ck', sql`organisation_id <> parent_organisation_id`),
  ],
);

/**
 * Membership of the National Coalition: the organisation (national), its sector, the date of the
 * declaration of intent and, when it left, the date it left. Local branches are organisations
 * linked to the member's organisation in branch_links (today: organisations.parent_organisation_id).
 */
export const nationalMembers = pgTable(
  'national_members',
  {
    id: serial('id').primaryKey(),
    organisationId: integer('organisation_id')
      .notNull()
      .references(() => organisations.id),
    sector: text('sector').notNull(),
    declarationDate: date('declaration_date').notNull(),
    leftOn: date('left_on'),
    pledgedActions: text('pledged_actions'),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('national_members_organisation_uq').on(t.organisationId).where(sql`deleted_at is null`),
    check('national_members_dates_ck', sql`left_on is null or left_on >= declaration_date`),
  ],
);

/** Advisory-hours budget of a municipality (default 64 hours; a row only when it differs or was set). */
export const advisoryBudgets = pgTable(
  'advisory_budgets',
  {
    municipalityId: integer('municipality_id')
      .primaryKey()
      .references(() => municipalities.id),
    hours: numeric('hours', { precision: 7, scale: 2 }).notNull(),
    updatedBy: integer('updated_by'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check('advisory_budgets_hours_ck', sql`hours >= 0`)],
);

/** The phase of a municipality from a date on: guidance (begeleidingsfase) or network (netwerkfase, with an account manager). */
export const municipalityPhases = pgTable(
  'municipality_phases',
  {
    id: serial('id').primaryKey(),
    municipalityId: integer('municipality_id')
      .notNull()
      .references(() => municipalities.id),
    phase: text('phase').notNull(),
    fromDate: date('from_date').notNull(),
    accountManagerId: integer('account_manager_id').references(() => users.id),
    note: text('note'),
    createdBy: integer('created_by'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (t) => [index('municipality_phases_municipality_idx').on(t.municipalityId, t.fromDate)],
);

/** People the programme is in touch with (CRM contacts): a person at an organisation. */
export const contactPersons = pgTable(
  'contact_persons',
  {
    id: serial('id').primaryKey(),
    name: text('name').notNull(),
    organisationId: integer('organisation_id').references(() => organisations.id),
    jobTitle: text('job_title'),
    email: text('email'),
    phone: text('phone'),
    ...timestamps,
  },
  (t) => [index('contact_persons_organisation_idx').on(t.organisationId)],
);

/**
 * A contact moment (CRM): what happened, when, with whom, about what, and how long it took.
 * When `advisory` is true the duration counts against the municipality's advisory-hours
 * budget, on the advisor who logged it.
 */
export const contactMoments = pgTable(
  'contact_moments',
  {
    id: serial('id').primaryKey(),
    occurredOn: date('occurred_on').notNull(),
    kind: text('kind').notNull(),
    subject: text('subject').notNull(),
    notes: text('notes'),
    municipalityId: integer('municipality_id').references(() => municipalities.id),
    durationMinutes: integer('duration_minutes').notNull().default(0),
    advisory: boolean('advisory').notNull().default(false),
    advisorId: integer('advisor_id').references(() => users.id),
    /** Pillars 1–5 as 'pillar_1'… and free tags. */
    pillars: text('pillars')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    tags: text('tags')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    createdBy: integer('created_by').notNull(),
    ...timestamps,
  },
  (t) => [
    index('contact_moments_municipality_idx').on(t.municipalityId, t.occurredOn, t.id).where(sql`deleted_at is null`),
    index('contact_moments_advisor_idx').on(t.advisorId, t.occurredOn).where(sql`deleted_at is null and advisory`),
    index('contact_moments_occurred_idx').on(t.occurredOn),
    check('contact_moments_duration_ck', sql`duration_minutes >= 0 and duration_minutes <= 1440`),
  ],
);

export const contactMomentOrganisations = pgTable(
  'contact_moment_organisations',
  {
    contactMomentId: integer('contact_moment_id')
      .notNull()
      .references(() => contactMoments.id),
    organisationId: integer('organisation_id')
      .notNull()
      .references(() => organisations.id),
  },
  (t) => [primaryKey({ columns: [t.contactMomentId, t.organisationId] }), index('contact_moment_organisations_org_idx').on(t.organisationId, t.contactMomentId)],
);

export const contactMomentPersons = pgTable(
  'contact_moment_persons',
  {
    contactMomentId: integer('contact_moment_id')
      .notNull()
      .references(() => contactMoments.id),
    personId: integer('person_id')
      .notNull()
      .references(() => contactPersons.id),
  },
  (t) => [primaryKey({ columns: [t.contactMomentId, t.personId] }), index('contact_moment_persons_person_idx').on(t.personId)],
);

/** A follow-up task, usually from a contact moment: due date and assignee; done when doneAt is set. */
export const networkTasks = pgTable(
  'network_tasks',
  {
    id: serial('id').primaryKey(),
    title: text('title').notNull(),
    contactMomentId: integer('contact_moment_id').references(() => contactMoments.id),
    municipalityId: integer('municipality_id').references(() => municipalities.id),
    dueDate: date('due_date').notNull(),
    assigneeId: integer('assignee_id')
      .notNull()
      .references(() => users.id),
    doneAt: timestamp('done_at', { withTimezone: true }),
    doneBy: integer('done_by'),
    createdBy: integer('created_by').notNull(),
    ...timestamps,
  },
  (t) => [
    index('network_tasks_assignee_idx').on(t.assigneeId, t.dueDate).where(sql`deleted_at is null and done_at is null`),
    index('network_tasks_contact_moment_idx').on(t.contactMomentId),
  ],
);

/** A collaboration or pilot between National Coalition members and local coalitions or municipalities. */
export const collaborations = pgTable('collaborations', {
  id: serial('id').primaryKey(),
  title: text('title').notNull(),
  description: text('description'),
  startDate: date('start_date'),
  endDate: date('end_date'),
  createdBy: integer('created_by'),
  ...timestamps,
});

/** The status of a collaboration from a date on: idea, pilot, project, ended. */
export const collaborationStatuses = pgTable(
  'collaboration_statuses',
  {
    id: serial('id').primaryKey(),
    collaborationId: integer('collaboration_id')
      .notNull()
      .references(() => collaborations.id),
    status: text('status').notNull(),
    fromDate: date('from_date').notNull(),
    createdBy: integer('created_by'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** A correction of a mistaken status row (audit-logged); never counts. */
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (t) => [index('collaboration_statuses_idx').on(t.collaborationId, t.fromDate)],
);

/** A partner in a collaboration: an organisation (e.g. a National Coalition member), a coalition or a municipality. */
export const collaborationPartners = pgTable(
  'collaboration_partners',
  {
    id: serial('id').primaryKey(),
    collaborationId: integer('collaboration_id')
      .notNull()
      .references(() => collaborations.id),
    organisationId: integer('organisation_id').references(() => organisations.id),
    coalitionId: integer('coalition_id').references(() => coalitions.id),
    municipalityId: integer('municipality_id').references(() => municipalities.id),
    role: text('role'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** Removed as a partner (audit-logged); kept for the history. */
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (t) => [
    index('collaboration_partners_collaboration_idx').on(t.collaborationId),
    index('collaboration_partners_organisation_idx').on(t.organisationId),
    check('collaboration_partners_one_ck', sql`num_nonnulls(organisation_id, coalition_id, municipality_id) = 1`),
  ],
);
