import { sql } from 'drizzle-orm';
import { check, date, index, integer, pgTable, serial, text, timestamp, uniqueIndex, type AnyPgColumn } from 'drizzle-orm/pg-core';

const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  deletedAt: timestamp('deleted_at', { withTimezone: true }),
};

export const provinces = pgTable('provinces', {
  id: serial('id').primaryKey(),
  code: text('code').notNull().unique(), // PV27
  name: text('name').notNull(),
});

/**
 * Municipalities with their CBS code. A merged municipality keeps its row with valid_to
 * set and successor_id pointing to the new one, so old codes still resolve.
 */
export const municipalities = pgTable(
  'municipalities',
  {
    id: serial('id').primaryKey(),
    cbsCode: text('cbs_code').notNull(), // GM0363
    name: text('name').notNull(),
    provinceId: integer('province_id')
      .notNull()
      .references(() => provinces.id),
    validFrom: date('valid_from'),
    validTo: date('valid_to'),
    successorId: integer('successor_id').references((): AnyPgColumn => municipalities.id),
    population: integer('population'),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('municipalities_cbs_code_uq').on(t.cbsCode),
    index('municipalities_name_idx').on(t.name),
    index('municipalities_province_idx').on(t.provinceId),
  ],
);

/** Districts (wijk, WK036300) and neighbourhoods (buurt, BU03630000). */
export const neighbourhoods = pgTable(
  'neighbourhoods',
  {
    id: serial('id').primaryKey(),
    code: text('code').notNull(),
    kind: text('kind').notNull(), // 'district' | 'neighbourhood'
    name: text('name').notNull(),
    municipalityId: integer('municipality_id')
      .notNull()
      .references(() => municipalities.id),
    districtId: integer('district_id').references((): AnyPgColumn => neighbourhoods.id),
    ...timestamps,
  },
  (t) => [uniqueIndex('neighbourhoods_code_uq').on(t.code), index('neighbourhoods_municipality_idx').on(t.municipalityId)],
);

export const organisations = pgTable(
  'organisations',
  {
    id: serial('id').primaryKey(),
    name: text('name').notNull(),
    kind: text('kind').notNull(), // see ORGANISATION_KINDS
    sector: text('sector'),
    kvkNumber: text('kvk_number'),
    municipalityId: integer('municipality_id').references(() => municipalities.id),
    street: text('street'),
    houseNumber: text('house_number'),
    postcode: text('postcode'),
    city: text('city'),
    website: text('website'),
    contactName: text('contact_name'),
    contactEmail: text('contact_email'),
    contactPhone: text('contact_phone'),
    /**
     * A local branch of a national organisation (e.g. a supermarket's local store): the national
     * organisation, today. The dated history is branch_links (network module); both are written
     * only by setBranchParent() in src/modules/network/branches-service.ts.
     */
    parentOrganisationId: integer('parent_organisation_id').references((): AnyPgColumn => organisations.id),
    /** Set when this organisation was merged into another (and soft-deleted): its history lives on there. */
    mergedIntoId: integer('merged_into_id').references((): AnyPgColumn => organisations.id),
    ...timestamps,
  },
  (t) => [
    index('organisations_parent_idx').on(t.parentOrganisationId),
    uniqueIndex('organisations_kvk_uq').on(t.kvkNumber).where(sql`deleted_at is null and kvk_number is not null`),
    uniqueIndex('organisations_name_municipality_uq')
      .on(sql`lower(${t.name})`, sql`coalesce(${t.municipalityId}, 0)`)
      .where(sql`deleted_at is null`),
    index('organisations_name_idx').on(t.name),
  ],
);

/** A joint approach: several municipalities take part together; one is primary. */
export const jointApproaches = pgTable('joint_approaches', {
  id: serial('id').primaryKey(),
  name: text('name').notNull(),
  primaryMunicipalityId: integer('primary_municipality_id')
    .notNull()
    .references(() => municipalities.id),
  ...timestamps,
});

/** Programme participation: the signing of the five pillars. */
export const participations = pgTable(
  'participations',
  {
    id: serial('id').primaryKey(),
    municipalityId: integer('municipality_id')
      .notNull()
      .references(() => municipalities.id),
    status: text('status').notNull(), // see PARTICIPATION_STATUSES
    signedOn: date('signed_on'),
    /** The date a municipality stopped (status 'stopped'); it took part from signed_on up to, not including, this date. */
    stoppedOn: date('stopped_on'),
    jointApproachId: integer('joint_approach_id').references(() => jointApproaches.id),
    contactName: text('contact_name'),
    contactEmail: text('contact_email'),
    notes: text('notes'),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('participations_municipality_uq').on(t.municipalityId).where(sql`deleted_at is null`),
    index('participations_joint_idx').on(t.jointApproachId),
    check('participations_stopped_ck', sql`stopped_on is null or signed_on is null or stopped_on >= signed_on`),
  ],
);
