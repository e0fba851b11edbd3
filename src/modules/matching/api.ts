import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NotFoundError } from '../../platform/http/errors.js';
import { amsterdamDate } from '../../platform/time.js';
import { errorSchema } from '../registry/api.js';
import { COALITION_SECTORS } from '../network/model.js';
import { BOARD_THEMES, POST_KINDS, POST_KIND_LABELS, POST_STATUSES, POST_STATUS_LABELS, type BoardTheme } from './model.js';
import { BOARD_PAGE_SIZE, COUNT_CAP, RANK_WINDOW, searchPosts, type RegionFilter } from './search.js';
import { getPost, mayViewPost, posterName } from './posts-service.js';
import { sectorLabel, themeLabel } from './views.js';

/**
 * JSON API of the demand-and-offer board, under /api/v1/board. For logged-in users only (session
 * cookie), with the same rights as the screens (board:read: every user with a role). API keys get
 * 403: the board is the network's own meeting place, with the names of the people and
 * organisations who post, not open data for other systems; no API-key action grants it.
 */

const TAG = 'board';

const codeLabel = z.object({ code: z.string(), label: z.string().describe('Dutch label') });

const postBase = {
  id: z.number().int(),
  kind: z.enum(POST_KINDS).describe('request (vraag) or offer (aanbod)'),
  kindLabel: z.string(),
  title: z.string(),
  themes: z.array(codeLabel),
  sectors: z.array(codeLabel).describe('Sectors (of local coalition members) the post is meant for'),
  region: z.object({
    national: z.boolean().describe('true: for the whole country (shown in every province filter)'),
    provinceCode: z.string().nullable(),
    provinceName: z.string().nullable(),
    municipalityName: z.string().nullable(),
  }),
  onBehalfOf: z.object({ type: z.enum(['organisation', 'coalition']), name: z.string() }),
  validUntil: z.string().describe('Last day the post is on the board (YYYY-MM-DD)'),
  createdAt: z.string().describe('ISO 8601'),
  url: z.string().describe('The post on the platform'),
};

const listItemSchema = z.object({ ...postBase, excerpt: z.string().describe('The start of the description') });
const postSchema = z.object({
  ...postBase,
  description: z.string(),
  status: z.enum(POST_STATUSES),
  statusLabel: z.string(),
});

const themeList = z
  .string()
  .max(400)
  .refine((v) => v.split(',').every((t) => (BOARD_THEMES as readonly string[]).includes(t.trim())), `expected one or more of ${BOARD_THEMES.join(', ')}, separated by commas`);

const codes = (xs: string[], label: (s: string) => string) => xs.map((code) => ({ code, label: label(code) }));

export async function boardApi(appBase: FastifyInstance) {
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  const db = app.ctx.database.db;
  const base = app.ctx.config.baseUrl.replace(/\/$/, '');

  app.get(
    '/board/posts',
    {
      schema: {
        tags: [TAG],
        summary: 'Search the demand-and-offer board (open, non-expired posts)',
        description:
          'Full-text search with Dutch stemming (“vrijwilligers” finds “vrijwilliger”; quotes for phrases, -word to exclude). ' +
          `Sorted by relevance when q is given, else newest first (newest = most recently placed). The total is counted up to ${COUNT_CAP}; totalIsLowerBound says there are more. ` +
          `Sorted by relevance over more than ${COUNT_CAP} matches, the ${RANK_WINDOW} newest are ranked and paged (rankedWindow); use sort=newest to page through all. ` +
          'Logged-in users only (session cookie); API keys get 403.',
        querystring: z.object({
          q: z.string().max(200).optional().describe('Search words'),
          kind: z.enum(POST_KINDS).optional(),
          theme: themeList.optional().describe('One theme code, or several separated by commas (any of them)'),
          sector: z.enum(COALITION_SECTORS).optional(),
          province: z
            .string()
            .regex(/^(PV\d{2}|national)$/, 'expected a province code such as PV26, or "national"')
            .optional()
            .describe('PV26: posts for that province plus the national posts; national: national posts only'),
          sort: z.enum(['relevance', 'newest']).optional().describe('Default: relevance when q is given, else newest'),
          page: z.coerce.number().int().min(1).max(10000).default(1),
          pageSize: z.coerce.number().int().min(1).max(100).default(BOARD_PAGE_SIZE),
        }),
        response: {
          200: z.object({
            data: z.array(listItemSchema),
            page: z.number(),
            pageSize: z.number(),
            total: z.number(),
            totalIsLowerBound: z.boolean(),
            rankedWindow: z.number().nullable().describe('Set when only this many newest matches are ranked and paged'),
          }),
          400: errorSchema,
          401: errorSchema,
          403: errorSchema,
        },
      },
    },
    async (req) => {
      req.authorize('board:read');
      const q = req.query;
      const r = await searchPosts(
        db,
        {
          q: q.q,
          kind: q.kind,
          themes: q.theme ? (q.theme.split(',').map((t) => t.trim()) as BoardTheme[]) : undefined,
          sector: q.sector,
          region: q.province as RegionFilter | undefined,
          sort: q.sort,
          page: q.page,
          pageSize: q.pageSize,
        },
        amsterdamDate(new Date()),
      );
      return {
        data: r.rows.map((p) => ({
          id: p.id,
          kind: p.kind,
          kindLabel: POST_KIND_LABELS[p.kind],
          title: p.title,
          excerpt: p.excerpt,
          themes: codes(p.themes, themeLabel),
          sectors: codes(p.sectors, sectorLabel),
          region: { national: p.provinceCode == null, provinceCode: p.provinceCode, provinceName: p.provinceName, municipalityName: p.municipalityName },
          onBehalfOf: { type: p.posterKind, name: p.posterName },
          validUntil: p.validUntil,
          createdAt: p.createdAt.toISOString(),
          url: `${base}/vraag-en-aanbod/${p.id}`,
        })),
        page: r.page,
        pageSize: r.pageSize,
        total: r.total,
        totalIsLowerBound: r.capped,
        rankedWindow: r.rankedWindow,
      };
    },
  );

  app.get(
    '/board/posts/:id',
    {
      schema: {
        tags: [TAG],
        summary: 'One post of the board',
        description: 'An open, non-expired post; closed, withdrawn and expired posts only for their poster’s side, those who reacted, and the programme team (others: 404).',
        params: z.object({ id: z.coerce.number().int().min(1).max(2_147_483_647) }),
        response: { 200: z.object({ data: postSchema }), 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema },
      },
    },
    async (req) => {
      const p = req.authorize('board:read');
      const post = await getPost(db, req.params.id);
      if (!post || !(await mayViewPost(db, p, post, amsterdamDate(new Date())))) throw new NotFoundError('Unknown post.');
      return {
        data: {
          id: post.id,
          kind: post.kind,
          kindLabel: POST_KIND_LABELS[post.kind],
          title: post.title,
          description: post.description,
          themes: codes(post.themes, themeLabel),
          sectors: codes(post.sectors, sectorLabel),
          region: { national: post.provinceId == null, provinceCode: post.provinceCode, provinceName: post.provinceName, municipalityName: post.municipalityName },
          onBehalfOf: { type: post.organisationId != null ? ('organisation' as const) : ('coalition' as const), name: posterName(post) },
          validUntil: post.validUntil,
          createdAt: post.createdAt.toISOString(),
          status: post.status,
          statusLabel: POST_STATUS_LABELS[post.status],
          url: `${base}/vraag-en-aanbod/${post.id}`,
        },
      };
    },
  );
}
