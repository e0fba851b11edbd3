import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, index, integer, pgTable, serial, text, timestamp, uniqueIndex, type AnyPgColumn } from 'drizzle-orm/pg-core';
import { municipalities, neighbourhoods, organisations } from '../registry/schema.js';

/**
 * Postcode (PC6, "1234AB") → municipality and neighbourhood. Filled by the CBS
 * "buurt, wijk en gemeente voor postcode huisnummer" importer (the majority neighbourhood of
 * the postcode's addresses) and corrected by hand; a manual row is never overwritten by an import.
 */
export const postcodeAreas = pgTable(
  'postcode_areas',
  {
    postcode: text('postcode').primaryKey(),
    municipalityId: integer('municipality_id')
      .notNull()
      .references(() => municipalities.id),
    neighbourhoodId: integer('neighbourhood_id').references(() => neighbourhoods.id),
    /** 'cbs' (importer) | 'pdok' (learned from a Locatieserver answer) | 'manual' */
    source: text('source').notNull(),
    addressCount: integer('address_count'),
    updatedBy: integer('updated_by'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('postcode_areas_municipality_idx').on(t.municipalityId)],
);

/**
 * The addresses of a postcode that lie in another neighbourhood (or municipality) than the
 * postcode's majority: only the exceptions are stored, which keeps the table small.
 */
export const postcodeAddressAreas = pgTable(
  'postcode_address_areas',
  {
    postcode: text('postcode').notNull(),
    houseNumber: integer('house_number').notNull(),
    municipalityId: integer('municipality_id')
      .notNull()
      .references(() => municipalities.id),
    neighbourhoodId: integer('neighbourhood_id').references(() => neighbourhoods.id),
    source: text('source').notNull(),
  },
  (t) => [uniqueIndex('postcode_address_areas_pk').on(t.postcode, t.houseNumber)],
);

/**
 * A signal point: a handling organisation (usually the local welfare organisation) that
 * follows up the signals of a municipality, or of part of it through routing rules.
 */
export const signalPoints = pgTable(
  'signal_points',
  {
    id: serial('id').primaryKey(),
    municipalityId: integer('municipality_id')
      .notNull()
      .references(() => municipalities.id),
    organisationId: integer('organisation_id')
      .notNull()
      .references(() => organisations.id),
    name: text('name').notNull(),
    /** Receives every signal of the municipality that no rule sends elsewhere. */
    isDefault: boolean('is_default').notNull().default(false),
    /** First contact within this many working days after receipt. */
    firstContactDays: integer('first_contact_days').notNull().default(2),
    /** Personal data of a closed signal is removed this many months after closing. */
    retentionMonths: integer('retention_months').notNull().default(6),
    /** Where the daily overdue digest goes (besides the signal coordinators of the organisation). */
    digestEmail: text('digest_email'),
    active: boolean('active').notNull().default(true),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('signal_points_municipality_idx').on(t.municipalityId),
    index('signal_points_organisation_idx').on(t.organisationId),
    uniqueIndex('signal_points_default_uq').on(t.municipalityId).where(sql`is_default and active`),
  ],
);

/**
 * Routing rules of a municipality, tried in `position` order: the first rule whose set
 * criteria all match sends the signal to its signal point. A criterion left empty matches all.
 */
export const signalRoutingRules = pgTable(
  'signal_routing_rules',
  {
    id: serial('id').primaryKey(),
    municipalityId: integer('municipality_id')
      .notNull()
      .references(() => municipalities.id),
    signalPointId: integer('signal_point_id')
      .notNull()
      .references(() => signalPoints.id),
    position: integer('position').notNull().default(0),
    neighbourhoodId: integer('neighbourhood_id').references(() => neighbourhoods.id),
    ageGroup: text('age_group'),
    signallerType: text('signaller_type'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('signal_routing_rules_municipality_idx').on(t.municipalityId, t.position)],
);

/**
 * A signal. Everything about persons is in the *_enc columns (AES-256-GCM, FieldCipher):
 * the retention job empties them, the other columns stay as anonymous statistics.
 */
export const signals = pgTable(
  'signals',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** Shown to the signaller on the confirmation page, e.g. "SGN-7K3M-9QX2". */
    reference: text('reference').notNull(),
    /** 'worry' (about someone else) | 'self' (asks for contact for themself) */
    kind: text('kind').notNull(),
    /** 'form' | 'api' */
    channel: text('channel').notNull(),
    apiKeyId: integer('api_key_id'),
    /** Form token or the API's Idempotency-Key: a retry with the same key returns the same signal. */
    idempotencyKey: text('idempotency_key'),
    /** SHA-256 of the request body for API retries: same key with another body is refused. */
    requestHash: text('request_hash'),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull(),
    signallerType: text('signaller_type').notNull(),
    ageGroup: text('age_group').notNull().default('unknown'),
    signs: text('signs').array().notNull().default(sql`'{}'::text[]`),
    /** 'yes' | 'no' | 'unknown' */
    personKnows: text('person_knows').notNull().default('unknown'),
    feedbackRequested: boolean('feedback_requested').notNull().default(false),
    // Routing (not personal: municipality and neighbourhood).
    municipalityId: integer('municipality_id').references(() => municipalities.id),
    neighbourhoodId: integer('neighbourhood_id').references(() => neighbourhoods.id),
    /** Null = in the programme's unrouted queue. */
    signalPointId: integer('signal_point_id').references(() => signalPoints.id),
    /** The handling organisation (denormalised from the signal point: every scope check uses it). */
    organisationId: integer('organisation_id').references(() => organisations.id),
    /** 'postcode' | 'address' | 'pdok' | 'manual' | 'none' */
    routedBy: text('routed_by').notNull().default('none'),
    routedAt: timestamp('routed_at', { withTimezone: true }),
    // Handling.
    status: text('status').notNull().default('new'),
    assignedUserId: integer('assigned_user_id'),
    dueAt: timestamp('due_at', { withTimezone: true }),
    firstContactAt: timestamp('first_contact_at', { withTimezone: true }),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    outcome: text('outcome'),
    /** Optional reference to an activity of the social map (free text until that module exists). */
    outcomeActivity: text('outcome_activity'),
    duplicateOfId: bigint('duplicate_of_id', { mode: 'number' }).references((): AnyPgColumn => signals.id),
    feedbackSentAt: timestamp('feedback_sent_at', { withTimezone: true }),
    // Personal data, encrypted. See personal.ts for the JSON shapes.
    personEnc: text('person_enc'),
    storyEnc: text('story_enc'),
    signallerEnc: text('signaller_enc'),
    /**
     * HMAC of the normalised postcode + house number (+ addition): finds possible duplicates
     * and a person's signals for a rights request without decrypting every row.
     */
    addressKey: text('address_key'),
    /** Blind index of the signaller's e-mail address (lower case), for a signaller's own rights request. */
    signallerKey: text('signaller_key'),
    personalDataRemovedAt: timestamp('personal_data_removed_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('signals_reference_uq').on(t.reference),
    uniqueIndex('signals_idempotency_uq').on(t.channel, sql`coalesce(${t.apiKeyId}, 0)`, t.idempotencyKey).where(sql`idempotency_key is not null`),
    // The inbox: the trailing columns let its filters and status counts run as index-only scans.
    index('signals_inbox_idx').on(t.organisationId, t.status, t.receivedAt, t.assignedUserId, t.neighbourhoodId, t.firstContactAt, t.dueAt),
    index('signals_org_received_idx').on(t.organisationId, t.receivedAt),
    index('signals_unrouted_idx').on(t.receivedAt).where(sql`signal_point_id is null`),
    index('signals_municipality_idx').on(t.municipalityId, t.receivedAt),
    index('signals_address_key_idx').on(t.addressKey).where(sql`address_key is not null`),
    index('signals_signaller_key_idx').on(t.signallerKey).where(sql`signaller_key is not null`),
    index('signals_retention_idx').on(t.closedAt).where(sql`closed_at is not null and personal_data_removed_at is null`),
  ],
);

/**
 * The log of a signal: routing, transitions, assignments, contact attempts and notes.
 * Free text (notes, attempt remarks) is encrypted and removed with the signal's personal data.
 */
export const signalEvents = pgTable(
  'signal_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    signalId: bigint('signal_id', { mode: 'number' })
      .notNull()
      .references(() => signals.id),
    at: timestamp('at', { withTimezone: true }).notNull(),
    userId: integer('user_id'),
    /** See EVENT_KINDS in model.ts. */
    kind: text('kind').notNull(),
    fromStatus: text('from_status'),
    toStatus: text('to_status'),
    organisationId: integer('organisation_id'),
    /** Non-personal detail: an attempt's result code, an outcome code, a signal point id, … */
    code: text('code'),
    textEnc: text('text_enc'),
  },
  (t) => [index('signal_events_signal_idx').on(t.signalId, t.at)],
);
