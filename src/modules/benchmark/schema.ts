import { sql } from 'drizzle-orm';
import { bigserial, boolean, date, index, integer, jsonb, numeric, pgTable, primaryKey, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { municipalities } from '../registry/schema.js';
import type { ChoiceOption, MatrixRow, ShowIf } from './questionnaire.js';

/**
 * The benchmark: one edition per year, a questionnaire stored as data (sections and
 * questions with stable codes), invitations with a personal link, responses and answers.
 * Answers reference question ids and option codes; codes stay the same across editions so
 * results can be compared (see docs/benchmark.md).
 */
export const benchmarkEditions = pgTable(
  'benchmark_editions',
  {
    id: serial('id').primaryKey(),
    year: integer('year').notNull(),
    title: text('title').notNull(),
    intro: text('intro'),
    opensOn: date('opens_on'),
    closesOn: date('closes_on'),
    status: text('status').notNull().default('draft'), // see EDITION_STATUSES
    /** May respondents change their answers after submitting, until the edition closes? */
    allowChangesAfterSubmit: boolean('allow_changes_after_submit').notNull().default(true),
    /** Reminders: days before closing on which those who have not finished get a reminder. */
    reminderDays: jsonb('reminder_days').$type<number[]>().notNull().default([14, 7, 2]),
    /** Loaded from an earlier survey tool (no invitations in this platform). */
    imported: boolean('imported').notNull().default(false),
    publishedAt: timestamp('published_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('benchmark_editions_year_uq').on(t.year).where(sql`deleted_at is null`)],
);

/** A page of the questionnaire: one pillar or action line. */
export const benchmarkSections = pgTable(
  'benchmark_sections',
  {
    id: serial('id').primaryKey(),
    editionId: integer('edition_id')
      .notNull()
      .references(() => benchmarkEditions.id, { onDelete: 'cascade' }),
    code: text('code').notNull(),
    /** The pillar or action line the section belongs to (see PILLARS), for grouping results. */
    pillar: text('pillar').notNull(),
    title: text('title').notNull(),
    intro: text('intro'),
    position: integer('position').notNull(),
  },
  (t) => [uniqueIndex('benchmark_sections_code_uq').on(t.editionId, t.code)],
);

export const benchmarkQuestions = pgTable(
  'benchmark_questions',
  {
    id: serial('id').primaryKey(),
    editionId: integer('edition_id')
      .notNull()
      .references(() => benchmarkEditions.id, { onDelete: 'cascade' }),
    sectionId: integer('section_id')
      .notNull()
      .references(() => benchmarkSections.id, { onDelete: 'cascade' }),
    code: text('code').notNull(),
    position: integer('position').notNull(),
    type: text('type').notNull(), // see QUESTION_TYPES
    text: text('text').notNull(),
    help: text('help'),
    required: boolean('required').notNull().default(false),
    options: jsonb('options').$type<ChoiceOption[]>().notNull().default([]),
    rows: jsonb('rows').$type<MatrixRow[]>().notNull().default([]),
    allowDontKnow: boolean('allow_dont_know').notNull().default(false),
    showIf: jsonb('show_if').$type<ShowIf | null>(),
    /** Changed in this edition: results are not compared with earlier editions. */
    notComparable: boolean('not_comparable').notNull().default(false),
    minValue: numeric('min_value', { mode: 'number' }),
    maxValue: numeric('max_value', { mode: 'number' }),
    unit: text('unit'),
  },
  (t) => [uniqueIndex('benchmark_questions_code_uq').on(t.editionId, t.code), index('benchmark_questions_section_idx').on(t.sectionId)],
);

/**
 * An invitation: one contact person with a personal link, answering for one or more
 * municipalities (a joint approach). The first (primary) municipality is the one the
 * response counts for. The link's token is stored hashed (lookup) and encrypted (so a
 * reminder can repeat the same link).
 */
export const benchmarkInvitations = pgTable(
  'benchmark_invitations',
  {
    id: serial('id').primaryKey(),
    editionId: integer('edition_id')
      .notNull()
      .references(() => benchmarkEditions.id, { onDelete: 'cascade' }),
    municipalityId: integer('municipality_id')
      .notNull()
      .references(() => municipalities.id),
    contactName: text('contact_name'),
    contactEmail: text('contact_email').notNull(),
    tokenHash: text('token_hash').notNull(),
    tokenEncrypted: text('token_encrypted').notNull(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    remindersSent: integer('reminders_sent').notNull().default(0),
    lastReminderAt: timestamp('last_reminder_at', { withTimezone: true }),
    optedOutAt: timestamp('opted_out_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('benchmark_invitations_token_uq').on(t.tokenHash),
    uniqueIndex('benchmark_invitations_municipality_uq').on(t.editionId, t.municipalityId).where(sql`revoked_at is null`),
  ],
);

/** The municipalities an invitation (and so its response) represents, the primary one included. */
export const benchmarkInvitationMunicipalities = pgTable(
  'benchmark_invitation_municipalities',
  {
    invitationId: integer('invitation_id')
      .notNull()
      .references(() => benchmarkInvitations.id, { onDelete: 'cascade' }),
    municipalityId: integer('municipality_id')
      .notNull()
      .references(() => municipalities.id),
    position: integer('position').notNull(),
  },
  (t) => [primaryKey({ columns: [t.invitationId, t.municipalityId] })],
);

/**
 * A response: counts for its primary municipality (municipality_id). Imported responses of
 * past editions have no invitation.
 */
export const benchmarkResponses = pgTable(
  'benchmark_responses',
  {
    id: serial('id').primaryKey(),
    editionId: integer('edition_id')
      .notNull()
      .references(() => benchmarkEditions.id, { onDelete: 'cascade' }),
    invitationId: integer('invitation_id').references(() => benchmarkInvitations.id, { onDelete: 'cascade' }),
    municipalityId: integer('municipality_id')
      .notNull()
      .references(() => municipalities.id),
    status: text('status').notNull().default('in_progress'), // 'in_progress' | 'submitted'
    /** The last page the respondent saved, to resume there. */
    lastSection: integer('last_section').notNull().default(0),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    submittedAt: timestamp('submitted_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('benchmark_responses_invitation_uq').on(t.invitationId),
    uniqueIndex('benchmark_responses_municipality_uq').on(t.editionId, t.municipalityId),
    index('benchmark_responses_edition_status_idx').on(t.editionId, t.status),
  ],
);

/** The municipalities a response represents (primary first, position 0). */
export const benchmarkResponseMunicipalities = pgTable(
  'benchmark_response_municipalities',
  {
    responseId: integer('response_id')
      .notNull()
      .references(() => benchmarkResponses.id, { onDelete: 'cascade' }),
    municipalityId: integer('municipality_id')
      .notNull()
      .references(() => municipalities.id),
    position: integer('position').notNull(),
  },
  (t) => [primaryKey({ columns: [t.responseId, t.municipalityId] }), index('benchmark_response_municipalities_municipality_idx').on(t.municipalityId)],
);

/**
 * One row per answer part: a chosen option (single, yes/no, each option of a multiple
 * choice, each row of a matrix with row_code), a number (value_number) or a text
 * (value_text; also the "other, namely …" text on the option marked as other).
 */
export const benchmarkAnswers = pgTable(
  'benchmark_answers',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    responseId: integer('response_id')
      .notNull()
      .references(() => benchmarkResponses.id, { onDelete: 'cascade' }),
    questionId: integer('question_id')
      .notNull()
      .references(() => benchmarkQuestions.id),
    rowCode: text('row_code').notNull().default(''),
    optionCode: text('option_code').notNull().default(''),
    valueNumber: numeric('value_number', { mode: 'number' }),
    valueText: text('value_text'),
  },
  (t) => [
    uniqueIndex('benchmark_answers_uq').on(t.responseId, t.questionId, t.rowCode, t.optionCode),
    index('benchmark_answers_question_idx').on(t.questionId, t.rowCode, t.optionCode),
  ],
);

/** Province (and municipality) boundaries for the response maps, imported from CBS/PDOK. */
export const boundaries = pgTable(
  'boundaries',
  {
    id: serial('id').primaryKey(),
    kind: text('kind').notNull(), // 'province' | 'municipality'
    code: text('code').notNull(), // PV27, GM0363
    name: text('name').notNull(),
    year: integer('year').notNull(),
    /** GeoJSON geometry in WGS84 (EPSG:4326), simplified. */
    geometry: jsonb('geometry').$type<{ type: 'Polygon' | 'MultiPolygon'; coordinates: unknown }>().notNull(),
    importedAt: timestamp('imported_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('boundaries_kind_code_uq').on(t.kind, t.code)],
);
