import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../platform/db/index.js';
import { municipalities, organisations, provinces } from '../registry/schema.js';
import { coalitions } from '../network/schema.js';
import { boardPosts } from './schema.js';
import type { BoardTheme, PostKind } from './model.js';

/**
 * Board search: the open, non-expired posts, filtered and searched with PostgreSQL full-text
 * search (the generated `search` column, Dutch stemmer, GIN index), newest first or by relevance.
 *
 * Performance (target: p95 < 50 ms over 50,000 posts, see bench/network.ts):
 *  - the search term is turned into a tsquery once (`websearch_to_tsquery('dutch', …)`, so
 *    "vrijwilligers" finds "vrijwilliger", quotes and `-woord` work as people expect); a term
 *    of stop words only ("de", "en") has no lexemes and is ignored instead of finding nothing;
 *  - "newest first" is the order in which posts were placed: the id, newest (highest) first. The
 *    primary key's index gives that order, so PostgreSQL walks it backwards and stops after one
 *    page, instead of sorting every open post by created_at (there is no index that starts with
 *    created_at; created_at has the same order, except for back-dated demo/benchmark data);
 *  - `search @@ tsquery` and `themes && array[…]` can use the GIN indexes; the region filter keeps
 *    national posts in every province;
 *  - the total is counted first, up to COUNT_CAP ("more than 1,000" is all a person needs to
 *    know); it also tells whether the term is frequent;
 *  - up to COUNT_CAP matches, all are ranked (ts_rank_cd) — the GIN index finds them. A frequent
 *    word can match tens of thousands of posts, and reading and ranking all of them is what
 *    costs time; then the RANK_WINDOW newest matches are ranked (and paged: `rankedWindow`), found
 *    by walking the primary key backwards (see the comment at the query);
 *  - only one page of ids is chosen; names (organisation, coalition, province) are joined to
 *    those rows only.
 */

export const BOARD_PAGE_SIZE = 20;
/** Totals above this are shown as "more than …". */
export const COUNT_CAP = 1000;
/** With a search term sorted by relevance: how many of the newest matches are ranked. */
export const RANK_WINDOW = 300;

/** The region filter: a province code (PV26: that province plus the national posts) or 'national' (national posts only). */
export type RegionFilter = 'national' | `PV${string}`;

export interface BoardSearch {
  /** Free text; searched in title (weight A) and description (weight B) with the Dutch stemmer. */
  q?: string;
  kind?: PostKind;
  /** Any of these themes. */
  themes?: BoardTheme[];
  /** A sector code (COALITION_SECTORS). */
  sector?: string;
  region?: RegionFilter;
  /** Default: relevance when searching, otherwise newest. */
  sort?: 'relevance' | 'newest';
  page?: number;
  pageSize?: number;
}

export interface BoardListItem {
  id: number;
  kind: PostKind;
  title: string;
  excerpt: string;
  themes: string[];
  sectors: string[];
  provinceCode: string | null;
  provinceName: string | null;
  municipalityName: string | null;
  posterKind: 'organisation' | 'coalition';
  posterName: string;
  validUntil: string;
  createdAt: Date;
}

export interface BoardSearchResult {
  rows: BoardListItem[];
  /** The number of posts found, at most COUNT_CAP (see `capped`). */
  total: number;
  /** True when there are more than COUNT_CAP posts: show "more than …". */
  capped: boolean;
  /**
   * Sorted by relevance over more than COUNT_CAP matches: only this many newest matches are ranked
   * and paged (use sort 'newest' to page through all); null otherwise.
   */
  rankedWindow: number | null;
  /** True when the search term had no searchable words (only stop words) and was ignored. */
  termIgnored: boolean;
  page: number;
  pageSize: number;
}

/** The first ~`max` characters of a text, cut at a word boundary, with an ellipsis. */
export function excerpt(text: string, max = 220): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).replace(/[\s,.;:]+$/, '')}…`;
}

/** The tsquery text of a search term, or '' when it has no searchable words. */
async function toTsquery(db: Db, q: string): Promise<string> {
  const { rows } = await db.execute<{ tsq: string }>(sql`select websearch_to_tsquery('dutch', ${q})::text as tsq`);
  return rows[0]?.tsq ?? '';
}

const textArray = (xs: readonly string[]) => sql`array[${sql.join(
  xs.map((x) => sql`${x}`),
  sql`, `,
)}]::text[]`;

/**
 * Searches the board as of `today` (YYYY-MM-DD, Amsterdam: amsterdamDate(now)). Stable
 * signature: the benchmark calls it too.
 */
export async function searchPosts(db: Db, query: BoardSearch, today: string): Promise<BoardSearchResult> {
  const pageSize = Math.max(1, Math.min(100, query.pageSize ?? BOARD_PAGE_SIZE));
  const page = Math.max(1, Math.min(10_000, Math.floor(query.page ?? 1)));
  const term = (query.q ?? '').replace(/\0/g, '').trim().slice(0, 200);
  const tsq = term ? await toTsquery(db, term) : '';
  const termIgnored = term !== '' && tsq === '';

  const where: SQL[] = [sql`p.deleted_at is null`, sql`p.status = 'open'`, sql`p.valid_until >= ${today}::date`];
  if (tsq) where.push(sql`p.search @@ ${tsq}::tsquery`);
  if (query.kind) where.push(sql`p.kind = ${query.kind}`);
  if (query.themes?.length) where.push(sql`p.themes && ${textArray(query.themes)}`);
  if (query.sector) where.push(sql`p.sectors @> ${textArray([query.sector])}`);
  if (query.region === 'national') where.push(sql`p.province_id is null`);
  else if (query.region) where.push(sql`(p.province_id is null or p.province_id = (select id from ${provinces} where code = ${query.region}))`);
  const cond = sql.join(where, sql` and `);

  // Step 1: how many (up to COUNT_CAP + 1). This also tells whether the term is frequent.
  const counted = await db.execute<{ n: number }>(sql`select count(*)::int as n from (select 1 from ${boardPosts} p where ${cond} limit ${COUNT_CAP + 1}) s`);
  const n = counted.rows[0]?.n ?? 0;
  const capped = n > COUNT_CAP;
  const byRelevance = !!tsq && query.sort !== 'newest';
  // Relevance over more than COUNT_CAP matches: the RANK_WINDOW newest are ranked and paged.
  const window = byRelevance && capped ? RANK_WINDOW : null;
  const offset = (page - 1) * pageSize;

  // Step 2: one page of ids, newest first or ranked (see the module comment).
  const ids = byRelevance
    ? sql`select w.id, ts_rank_cd(w.search, ${tsq}::tsquery) as rank
            from (select p.id, p.search from ${boardPosts} p where ${cond} order by p.id desc limit ${window ?? COUNT_CAP}) w
           order by rank desc, w.id desc
           limit ${pageSize} offset ${offset}`
    : sql`select p.id, 0::real as rank from ${boardPosts} p where ${cond} order by p.id desc limit ${pageSize} offset ${offset}`;
  const listQuery = sql`
      with hits as (${ids})
      select p.id, p.kind, p.title, left(p.description, 400) as description, p.themes, p.sectors, pr.code as province_code, pr.name as province_name,
             m.name as municipality_name, o.name as organisation_name, c.name as coalition_name, p.valid_until, p.created_at
        from hits h
        join ${boardPosts} p on p.id = h.id
        left join ${provinces} pr on pr.id = p.province_id
        left join ${municipalities} m on m.id = p.municipality_id
        left join ${organisations} o on o.id = p.organisation_id
        left join ${coalitions} c on c.id = p.coalition_id
       order by h.rank desc, h.id desc`;
  type ListRow = {
    id: number;
    kind: PostKind;
    title: string;
    description: string;
    themes: string[];
    sectors: string[];
    province_code: string | null;
    province_name: string | null;
    municipality_name: string | null;
    organisation_name: string | null;
    coalition_name: string | null;
    valid_until: string;
    created_at: Date;
  };
  // A frequent term: PostgreSQL estimates the matches of several words as if they were
  // independent (far too few) and would read every match through the GIN index, then sort them.
  // Walking the primary key backwards finds the newest matches after a few thousand rows at most,
  // so for this query only the other plans are switched off (SET LOCAL: this transaction only).
  const list =
    tsq && capped
      ? await db.transaction(async (tx) => {
          await tx.execute(sql`select set_config('enable_bitmapscan', 'off', true), set_config('enable_seqscan', 'off', true), set_config('enable_sort', 'off', true)`);
          return tx.execute<ListRow>(listQuery);
        })
      : await db.execute<ListRow>(listQuery);
  return {
    rows: list.rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      title: r.title,
      excerpt: excerpt(r.description),
      themes: r.themes,
      sectors: r.sectors,
      provinceCode: r.province_code,
      provinceName: r.province_name,
      municipalityName: r.municipality_name,
      posterKind: r.organisation_name != null ? 'organisation' : 'coalition',
      posterName: r.organisation_name ?? r.coalition_name ?? '',
      validUntil: r.valid_until,
      createdAt: new Date(r.created_at),
    })),
    total: Math.min(n, COUNT_CAP),
    capped,
    rankedWindow: window,
    termIgnored,
    page,
    pageSize,
  };
}
