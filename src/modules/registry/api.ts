import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NotFoundError } from '../../platform/http/errors.js';
import { can } from '../../platform/access.js';
import { listMunicipalities, listProvinces, MUNICIPALITY_SORTS, resolveMunicipalityCode } from './service.js';

export const errorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }).passthrough() });

const municipalitySchema = z.object({
  cbsCode: z.string().describe('CBS code, e.g. GM0363'),
  name: z.string(),
  provinceCode: z.string().describe('e.g. PV27'),
  provinceName: z.string(),
  validFrom: z.string().nullable(),
  validTo: z.string().nullable().describe('Set when the municipality no longer exists (merged)'),
  participationStatus: z.string().nullable(),
  signedOn: z.string().nullable().describe('Date the five pillars were signed'),
});

/** JSON API of the registry, under /api/v1. */
export async function registryApi(appBase: FastifyInstance) {
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  const db = app.ctx.database.db;

  app.get(
    '/provinces',
    {
      schema: {
        tags: ['registry'],
        summary: 'List the provinces',
        response: { 200: z.object({ data: z.array(z.object({ code: z.string(), name: z.string() })) }), 401: errorSchema, 403: errorSchema },
      },
    },
    async (req) => {
      req.authorize('municipality:list');
      const rows = await listProvinces(db);
      return { data: rows.map((r) => ({ code: r.code, name: r.name })) };
    },
  );

  app.get(
    '/municipalities',
    {
      schema: {
        tags: ['registry'],
        summary: 'List municipalities (search, filter, sort, page)',
        querystring: z.object({
          q: z.string().max(100).optional().describe('Search in name or CBS code'),
          province: z.string().regex(/^PV\d{2}$/, 'expected a province code such as PV27').optional(),
          status: z.enum(['current', 'ended', 'all']).default('current'),
          participating: z.enum(['yes', 'no']).optional(),
          sort: z.enum(MUNICIPALITY_SORTS).default('name'),
          dir: z.enum(['asc', 'desc']).default('asc'),
          page: z.coerce.number().int().min(1).default(1),
          pageSize: z.coerce.number().int().min(1).max(500).default(100),
        }),
        response: {
          200: z.object({ data: z.array(municipalitySchema), page: z.number(), pageSize: z.number(), total: z.number() }),
          400: errorSchema,
          401: errorSchema,
          403: errorSchema,
        },
      },
    },
    async (req) => {
      const p = req.authorize('municipality:list');
      const q = req.query;
      const { rows, total } = await listMunicipalities(db, p, { ...q, participating: q.participating ?? '' });
      return { data: rows.map(({ id: _id, ...r }) => r), page: q.page, pageSize: q.pageSize, total };
    },
  );

  app.get(
    '/municipalities/:code',
    {
      schema: {
        tags: ['registry'],
        summary: 'One municipality by CBS code; codes of merged municipalities resolve to their successor',
        params: z.object({ code: z.string().regex(/^GM\d{4}$/i, 'expected a CBS code such as GM0363') }),
        response: {
          200: z.object({ data: municipalitySchema.omit({ participationStatus: true, signedOn: true }).extend({ requestedCode: z.string(), resolvedVia: z.array(z.string()) }) }),
          400: errorSchema,
          401: errorSchema,
          404: errorSchema,
        },
      },
    },
    async (req) => {
      const p = req.authorize('municipality:list');
      const r = await resolveMunicipalityCode(db, req.params.code);
      if (!r || !can(p, 'municipality:read', { municipalityId: r.municipality.id })) throw new NotFoundError('Unknown CBS code.');
      const [row] = (await listMunicipalities(db, p, { q: r.municipality.cbsCode, status: 'all', page: 1, pageSize: 1 })).rows;
      return {
        data: {
          cbsCode: r.municipality.cbsCode,
          name: r.municipality.name,
          provinceCode: row.provinceCode,
          provinceName: row.provinceName,
          validFrom: r.municipality.validFrom,
          validTo: r.municipality.validTo,
          requestedCode: r.requested.cbsCode,
          resolvedVia: r.via,
        },
      };
    },
  );
}
