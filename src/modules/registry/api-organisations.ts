import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NotFoundError } from '../../platform/http/errors.js';
import { can, type Principal } from '../../platform/access.js';
import { audit } from '../../platform/audit.js';
import { errorSchema } from './api.js';
import { ORGANISATION_KIND_LABELS, ORGANISATION_KINDS, type OrganisationKind } from './labels.js';
import { getOrganisation, listOrganisations, NATIONAL, ORGANISATION_SORTS, organisationResource, type OrganisationRow } from './organisations-service.js';
import { listNeighbourhoods, NEIGHBOURHOOD_KINDS, NEIGHBOURHOOD_SORTS } from './neighbourhoods-service.js';

const organisationSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  kind: z.enum(ORGANISATION_KINDS),
  kindLabel: z.string().describe('Dutch label of the kind'),
  sector: z.string().nullable(),
  kvkNumber: z.string().nullable().describe('Chamber of Commerce (KvK) number, 8 digits'),
  municipalityCode: z.string().nullable().describe('CBS code; null for a national organisation'),
  municipalityName: z.string().nullable(),
  provinceCode: z.string().nullable(),
  street: z.string().nullable(),
  houseNumber: z.string().nullable(),
  postcode: z.string().nullable().describe('Dutch postcode without space, e.g. 1234AB'),
  city: z.string().nullable(),
  website: z.string().nullable(),
  contact: z
    .object({ name: z.string().nullable(), email: z.string().nullable(), phone: z.string().nullable() })
    .optional()
    .describe('Contact person (personal data): only for logged-in users allowed to read the organisation, never for API keys'),
});

const neighbourhoodSchema = z.object({
  code: z.string().describe('CBS code: WK036300 (district) or BU03630000 (neighbourhood)'),
  kind: z.enum(NEIGHBOURHOOD_KINDS),
  name: z.string(),
  municipalityCode: z.string(),
  districtCode: z.string().nullable().describe('For a neighbourhood: the district it belongs to'),
});

/** Contact details are personal data: only session users who may read the organisation get them. */
const mayReadContact = (p: Principal, o: OrganisationRow) => p.kind === 'user' && can(p, 'organisation:read', organisationResource(o));

function toApi(o: OrganisationRow, withContact: boolean): z.infer<typeof organisationSchema> {
  return {
    id: o.id,
    name: o.name,
    kind: o.kind as OrganisationKind,
    kindLabel: ORGANISATION_KIND_LABELS[o.kind as OrganisationKind] ?? o.kind,
    sector: o.sector,
    kvkNumber: o.kvkNumber,
    municipalityCode: o.municipalityCode,
    municipalityName: o.municipalityName,
    provinceCode: o.provinceCode,
    street: o.street,
    houseNumber: o.houseNumber,
    postcode: o.postcode,
    city: o.city,
    website: o.website,
    ...(withContact ? { contact: { name: o.contactName, email: o.contactEmail, phone: o.contactPhone } } : {}),
  };
}

/** JSON API for organisations and neighbourhoods, under /api/v1. */
export async function organisationsApi(appBase: FastifyInstance) {
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  const db = app.ctx.database.db;

  app.get(
    '/organisations',
    {
      schema: {
        tags: ['registry'],
        summary: 'List organisations (search, filter, sort, page)',
        description: 'Contact person fields are left out for API keys.',
        querystring: z.object({
          q: z.string().max(100).optional().describe('Search in name, KvK number or city'),
          kind: z.enum(ORGANISATION_KINDS).optional(),
          sector: z.string().max(100).optional(),
          municipality: z
            .string()
            .regex(/^(GM\d{4}|national)$/, 'expected a CBS code such as GM0363, or "national"')
            .optional()
            .describe('CBS code of the municipality, or "national" for organisations without one'),
          province: z.string().regex(/^PV\d{2}$/, 'expected a province code such as PV27').optional(),
          sort: z.enum(ORGANISATION_SORTS).default('name'),
          dir: z.enum(['asc', 'desc']).default('asc'),
          page: z.coerce.number().int().min(1).default(1),
          pageSize: z.coerce.number().int().min(1).max(500).default(100),
        }),
        response: {
          200: z.object({ data: z.array(organisationSchema), page: z.number(), pageSize: z.number(), total: z.number() }),
          400: errorSchema,
          401: errorSchema,
          403: errorSchema,
        },
      },
    },
    async (req) => {
      const p = req.authorize('organisation:list');
      const q = req.query;
      const { rows, total } = await listOrganisations(db, p, { ...q, municipality: q.municipality === 'national' ? NATIONAL : q.municipality });
      const data = rows.map((o) => toApi(o, mayReadContact(p, o)));
      const withContact = rows.filter((o, i) => data[i].contact && (o.contactName || o.contactEmail || o.contactPhone));
      if (withContact.length) {
        await audit(db, req.auditCtx(), { action: 'read_personal', entity: 'organisation', details: { fields: ['contact'], ids: withContact.map((o) => o.id), via: 'api' } });
      }
      return { data, page: q.page, pageSize: q.pageSize, total };
    },
  );

  app.get(
    '/organisations/:id',
    {
      schema: {
        tags: ['registry'],
        summary: 'One organisation',
        params: z.object({ id: z.coerce.number().int().min(1).max(2_147_483_647) }),
        response: { 200: z.object({ data: organisationSchema }), 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema },
      },
    },
    async (req) => {
      const p = req.authorize('organisation:list');
      const o = await getOrganisation(db, req.params.id);
      if (!o || !can(p, 'organisation:read', organisationResource(o))) throw new NotFoundError('Unknown organisation.');
      const withContact = mayReadContact(p, o);
      if (withContact && (o.contactName || o.contactEmail || o.contactPhone)) {
        await audit(db, req.auditCtx(), { action: 'read_personal', entity: 'organisation', entityId: o.id, details: { fields: ['contact'], via: 'api' } });
      }
      return { data: toApi(o, withContact) };
    },
  );

  app.get(
    '/neighbourhoods',
    {
      schema: {
        tags: ['registry'],
        summary: 'List districts (wijken) and neighbourhoods (buurten)',
        querystring: z.object({
          municipality: z.string().regex(/^GM\d{4}$/, 'expected a CBS code such as GM0363').optional(),
          kind: z.enum(NEIGHBOURHOOD_KINDS).optional(),
          q: z.string().max(100).optional().describe('Search in name or code'),
          sort: z.enum(NEIGHBOURHOOD_SORTS).default('code'),
          dir: z.enum(['asc', 'desc']).default('asc'),
          page: z.coerce.number().int().min(1).default(1),
          pageSize: z.coerce.number().int().min(1).max(1000).default(500),
        }),
        response: {
          200: z.object({ data: z.array(neighbourhoodSchema), page: z.number(), pageSize: z.number(), total: z.number() }),
          400: errorSchema,
          401: errorSchema,
          403: errorSchema,
        },
      },
    },
    async (req) => {
      const p = req.authorize('neighbourhood:list');
      const q = req.query;
      const { rows, total } = await listNeighbourhoods(db, p, q);
      return {
        data: rows.map((r) => ({ code: r.code, kind: r.kind as (typeof NEIGHBOURHOOD_KINDS)[number], name: r.name, municipalityCode: r.municipalityCode, districtCode: r.districtCode })),
        page: q.page,
        pageSize: q.pageSize,
        total,
      };
    },
  );
}
