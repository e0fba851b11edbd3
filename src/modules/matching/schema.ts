import { sql, type SQL } from 'drizzle-orm';
import { check, customType, date, index, integer, pgTable, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { municipalities, organisations, provinces } from '../registry/schema.js';
import { users } from '../../platform/db/schema.js';
import { coalitions } from '../network/schema.js';

/**
 * The demand-and-offer board (vraag en aanbod, issue 5): national members, local coalitions and
 * organisations post a request or an offer; others react through the platform; the poster marks
 * a match as made. Search is PostgreSQL full-text search with the Dutch stemmer.
 */

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

export const boardPosts = pgTable(
  'board_posts',
  {
    id: serial('id').primaryKey(),
    kind: text('kind').notNull(), // 'request' | 'offer'
    title: text('title').notNull(),
    description: text('description').notNull(),
    themes: text('themes')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    sectors: text('sectors')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** null = national; otherwise the province the post is about. */
    provinceId: integer('province_id').references(() => provinces.id),
    municipalityId: integer('municipality_id').references(() => municipalities.id),
    validUntil: date('valid_until').notNull(),
    /** On behalf of an organisation (a National Coalition member, a local organisation) or of a local coalition. */
    organisationId: integer('organisation_id').references(() => organisations.id),
    coalitionId: integer('coalition_id').references(() => coalitions.id),
    postedBy: integer('posted_by')
      .notNull()
      .references(() => users.id),
    /** 'open' | 'matched' | 'withdrawn' */
    status: text('status').notNull().default('open'),
    search: tsvector('search')
      .notNull()
      .generatedAlwaysAs(
        (): SQL => sql`setweight(to_tsvector('dutch', coalesce(${boardPosts.title}, '')), 'A') || setweight(to_tsvector('dutch', coalesce(${boardPosts.description}, '')), 'B')`,
      ),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (t) => [
    index('board_posts_search_idx').using('gin', t.search),
    index('board_posts_open_idx').on(t.validUntil, t.createdAt).where(sql`deleted_at is null and status = 'open'`),
    index('board_posts_themes_idx').using('gin', t.themes),
    index('board_posts_organisation_idx').on(t.organisationId),
    check('board_posts_author_ck', sql`num_nonnulls(organisation_id, coalition_id) = 1`),
  ],
);

/**
 * A conversation about a post: messages between the poster's side and one reacting user.
 * `reactorId` identifies the conversation; `fromUserId` who wrote this message.
 */
export const boardMessages = pgTable(
  'board_messages',
  {
    id: serial('id').primaryKey(),
    postId: integer('post_id')
      .notNull()
      .references(() => boardPosts.id),
    reactorId: integer('reactor_id')
      .notNull()
      .references(() => users.id),
    reactorOrganisationId: integer('reactor_organisation_id').references(() => organisations.id),
    fromUserId: integer('from_user_id')
      .notNull()
      .references(() => users.id),
    body: text('body').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    readAt: timestamp('read_at', { withTimezone: true }),
  },
  (t) => [index('board_messages_post_idx').on(t.postId, t.reactorId, t.createdAt), index('board_messages_reactor_idx').on(t.reactorId)],
);

/** A match made on a post (the impact the programme counts), with the partner it was made with. */
export const boardMatches = pgTable(
  'board_matches',
  {
    id: serial('id').primaryKey(),
    postId: integer('post_id')
      .notNull()
      .references(() => boardPosts.id),
    partnerOrganisationId: integer('partner_organisation_id').references(() => organisations.id),
    partnerUserId: integer('partner_user_id').references(() => users.id),
    note: text('note'),
    madeOn: date('made_on').notNull(),
    createdBy: integer('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (t) => [index('board_matches_post_idx').on(t.postId), index('board_matches_made_idx').on(t.madeOn)],
);

/** A saved interest: notify the user when a post with one of these themes (and in this region) appears. */
export const boardInterests = pgTable(
  'board_interests',
  {
    id: serial('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    kind: text('kind'), // null = both
    themes: text('themes')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    provinceId: integer('province_id').references(() => provinces.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('board_interests_user_idx').on(t.userId)],
);

/** One notification per (interest, post): a retry never mails twice. */
export const boardNotifications = pgTable(
  'board_notifications',
  {
    id: serial('id').primaryKey(),
    interestId: integer('interest_id')
      .notNull()
      .references(() => boardInterests.id, { onDelete: 'cascade' }),
    postId: integer('post_id')
      .notNull()
      .references(() => boardPosts.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('board_notifications_uq').on(t.interestId, t.postId)],
);
