import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NotFoundError } from '../../platform/http/errors.js';
import { can, type Principal } from '../../platform/access.js';
import { audit } from '../../platform/audit.js';
import { PARTICIPATION_STATUSES, PARTICIPATION_STATUS_LABELS, type ParticipationStatus } from './labels.js';
import {
  getParticipationByCode,
  listMunicipalities,
  listParticipations,
  listProvinces,
  MUNICIPALITY_SORTS,
  PARTICIPATION_SORTS,
  resolveMunicipalityCode,
  type ParticipationRow,
} from './service.js';

export const errorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }).passthrough() });

const cbsCodeParam = z.string().regex(/^GM\d{4}$/i, 'expected a CBS code such as GM0363');
const provinceQuery = z.string().regex(/^PV\d{2}$/, 'expected a province code such as PV27');
const paging = {
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(500).default(100),
  dir: z.enum(['asc', 'desc']).default('asc'),
};

const municipalitySchema = z.object({
  cbsCode: z.string().describe('CBS code, e.g. GM0363'),
  name: z.string(),
  provinceCode: z.string().describe('e.g. PV27'),
  provinceName: z.string(),
  validFrom: z.string().nullable(),
  validTo: z.string().nullable().describe('Set when the municipality no longer exists (merged)'),
  successorCode: z.string().nullable().describe('For a merged municipality: the CBS code of the municipality it went up in'),
  population: z.number().int().nullable(),
  participationStatus: z.string().nullable(),
  signedOn: z.string().nullable().describe('Date the five pillars were signed'),
  stoppedOn: z.string().nullable().describe('Date the municipality stopped taking part (status stopped); it took part up to, not including, this date'),
});

const participationSchema = z.object({
  cbsCode: z.string().describe('CBS code of the municipality'),
  municipalityName: z.string(),
  provinceCode: z.string(),
  provinceName: z.string(),
  status: z.enum(PARTICIPATION_STATUSES),
  statusLabel: z.string().describe('Dutch label of the status'),
  signedOn: z.string().nullable().describe('Date the five pillars were signed (YYYY-MM-DD)'),
  stoppedOn: z
    .string()
    .nullable()
    .describe(
      'Date the municipality stopped (YYYY-MM-DD), only with status stopped; it took part from signedOn up to, not including, this date. Null for a stopped municipality means the date is unknown (or it never signed). Read-only.',
    ),
  jointApproach: z
    .object({ name: z.string(), primaryCbsCode: z.string().nullable(), isPrimary: z.boolean() })
    .nullable()
    .describe('The joint approach the municipality takes part in, with its primary municipality'),
  contact: z
    .object({ name: z.string().nullable(), email: z.string().nullable() })
    .optional()
    .describe('Contact person (personal data): only for logged-in users allowed to read the participation, never for API keys'),
});

/** Contact details are personal data: only for session users (not API keys), and each read is logged. */
const withContact = (p: Principal) => p.kind === 'user';

function participationToApi(r: ParticipationRow, contact: boolean): z.infer<typeof participationSchema> {
  return {
    cbsCode: r.cbsCode,
    municipalityName: r.municipalityName,
    provinceCode: r.provinceCode,
    provinceName: r.provinceName,
    status: r.status as ParticipationStatus,
    statusLabel: PARTICIPATION_STATUS_LABELS[r.status as ParticipationStatus] ?? r.status,
    signedOn: r.signedOn,
    stoppedOn: r.stoppedOn,
    jointApproach: r.jointApproachName ? { name: r.jointApproachName, primaryCbsCode: r.primaryCbsCode, isPrimary: r.primaryMunicipalityId === r.municipalityId } : null,
    ...(contact ? { contact: { name: r.contactName, email: r.contactEmail } } : {}),
  };
}

/** JSON API of the registry (provinces, municipalities, participations), under /api/v1. */
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
        description: 'Session users see only the municipalities in their scope; API keys with registry:read see all.',
        querystring: z.object({
          q: z.string().max(100).optional().describe('Search in name or CBS code'),
          province: provinceQuery.optional(),
          status: z.enum(['current', 'ended', 'all']).default('current'),
          participating: z.enum(['yes', 'no']).optional(),
          sort: z.enum(MUNICIPALITY_SORTS).default('name'),
          ...paging,
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
      return {
        data: rows.map((r) => ({
          cbsCode: r.cbsCode,
          name: r.name,
          provinceCode: r.provinceCode,
          provinceName: r.provinceName,
          validFrom: r.validFrom,
          validTo: r.validTo,
          successorCode: r.successorCode,
          population: r.population,
          participationStatus: r.participationStatus,
          signedOn: r.signedOn,
          stoppedOn: r.stoppedOn,
        })),
        page: q.page,
        pageSize: q.pageSize,
        total,
      };
    },
  );

  app.get(
    '/municipalities/:code',
    {
      schema: {
        tags: ['registry'],
        summary: 'One municipality by CBS code; codes of merged municipalities resolve to their successor',
        params: z.object({ code: cbsCodeParam }),
        response: {
          200: z.object({
            data: municipalitySchema.omit({ participationStatus: true, signedOn: true, stoppedOn: true }).extend({
              requestedCode: z.string(),
              resolvedVia: z.array(z.string()).describe('Codes of merged municipalities passed on the way to the current one'),
            }),
          }),
          400: errorSchema,
          401: errorSchema,
          403: errorSchema,
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
          successorCode: row.successorCode,
          population: r.municipality.population,
          requestedCode: r.requested.cbsCode,
          resolvedVia: r.via,
        },
      };
    },
  );

  app.get(
    '/participations',
    {
      schema: {
        tags: ['registry'],
        summary: 'List participations (signing of the five pillars): search, filter, sort, page',
        description: 'Session users see only the participations in their scope; API keys with registry:read see all (without contact details).',
        querystring: z.object({
          q: z.string().max(100).optional().describe('Search in municipality name, CBS code or joint approach name'),
          status: z.enum(PARTICIPATION_STATUSES).optional(),
          province: provinceQuery.optional(),
          joint: z.enum(['yes', 'no']).optional().describe('yes: only municipalities in a joint approach; no: only those taking part alone'),
          sort: z.enum(PARTICIPATION_SORTS).default('municipality'),
          ...paging,
        }),
        response: {
          200: z.object({ data: z.array(participationSchema), page: z.number(), pageSize: z.number(), total: z.number() }),
          400: errorSchema,
          401: errorSchema,
          403: errorSchema,
        },
      },
    },
    async (req) => {
      const p = req.authorize('participation:list');
      const q = req.query;
      const { rows, total } = await listParticipations(db, p, { ...q, joint: q.joint ?? '' });
      const contact = withContact(p) && rows.some((r) => r.contactName || r.contactEmail);
      if (contact) {
        await audit(db, req.auditCtx(), { action: 'read_personal', entity: 'participation', details: { api: true, ids: rows.map((r) => r.id), fields: ['contactName', 'contactEmail'] } });
      }
      return { data: rows.map((r) => participationToApi(r, withContact(p))), page: q.page, pageSize: q.pageSize, total };
    },
  );

  app.get(
    '/participations/:cbsCode',
    {
      schema: {
        tags: ['registry'],
        summary: 'The participation of one municipality by CBS code (a merged municipality without its own resolves to its successor)',
        params: z.object({ cbsCode: cbsCodeParam }),
        response: {
          200: z.object({ data: participationSchema.extend({ requestedCode: z.string(), resolvedVia: z.array(z.string()) }) }),
          400: errorSchema,
          401: errorSchema,
          403: errorSchema,
          404: errorSchema,
        },
      },
    },
    async (req) => {
      const p = req.authorize('participation:list');
      const r = await getParticipationByCode(db, req.params.cbsCode);
      if (!r || !can(p, 'participation:read', { municipalityId: r.row.municipalityId })) throw new NotFoundError('No participation for this CBS code.');
      if (withContact(p) && (r.row.contactName || r.row.contactEmail)) {
        await audit(db, req.auditCtx(), { action: 'read_personal', entity: 'participation', entityId: r.row.id, details: { api: true, fields: ['contactName', 'contactEmail'] } });
      }
      return { data: { ...participationToApi(r.row, withContact(p)), requestedCode: r.requested, resolvedVia: r.resolvedVia } };
    },
  );
}
