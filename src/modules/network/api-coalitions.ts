import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { and, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { ForbiddenError, HttpError, NotFoundError } from '../../platform/http/errors.js';
import { can, type Principal } from '../../platform/access.js';
import { audit } from '../../platform/audit.js';
import { isIsoDate } from '../../platform/http/forms.js';
import { amsterdamDate } from '../../platform/time.js';
import { errorSchema } from '../registry/api.js';
import { municipalities } from '../registry/schema.js';
import { COALITION_SECTORS, COALITION_STAGES, MEMBER_ROLES, NATIONAL_SECTORS, type CoalitionSector, type CoalitionStage, type MemberRole, type NationalSector } from './model.js';
import {
  addMember,
  COALITION_SORTS,
  coalitionMunicipalities,
  coalitionOfMunicipality,
  endMember,
  getCoalitionDetail,
  getMember,
  isCurrent,
  listCoalitions,
  roleLabel,
  sectorLabel,
  stageLabel,
  type MemberRow,
} from './coalitions-service.js';
import { listNationalMembers, NATIONAL_SORTS, nationalSectorLabel } from './national-service.js';

/**
 * JSON API of local coalitions and the National Coalition (under /api/v1).
 *
 * Reads: session users within their scope, or API keys with registry:read (everything, without
 * contact persons). Writes: only logged-in users with a session (send the CSRF token of a page
 * in the `x-csrf-token` header) who may change the coalition; API keys cannot write here.
 */

/** 422 with one entry per bad field: {error: {code: 'validation_failed', message, fields: [{field, message}]}}. */
class FieldsError extends HttpError {
  constructor(public readonly fields: { field: string; message: string }[]) {
    super(422, 'validation_failed', 'The request body is not valid; see fields. Nothing was changed.');
  }
}

const validationErrorSchema = z.object({
  error: z.object({
    code: z.literal('validation_failed'),
    message: z.string(),
    fields: z.array(z.object({ field: z.string().describe('Name of the field, e.g. "startDate"'), message: z.string().describe('What is wrong (Dutch, for the user)') })),
  }),
});

const cbsCodeParam = z.string().regex(/^GM\d{4}$/i, 'expected a CBS code such as GM0344');
const isoDate = (what: string) =>
  z
    .string({ message: `${what}: vul een datum in als JJJJ-MM-DD.` })
    .refine(isIsoDate, `${what}: vul een bestaande datum in als JJJJ-MM-DD, zoals 2025-01-31.`)
    .describe('YYYY-MM-DD');

const kartrekkerSchema = z.object({ organisation: z.string(), contact: z.string().nullable().optional().describe('Person (personal data): session users only') });
const contactSchema = z
  .object({ name: z.string().nullable(), email: z.string().nullable() })
  .optional()
  .describe('Contact person (personal data): only for logged-in users allowed to read the coalition, never for API keys; each read is logged');

const coalitionSummarySchema = z.object({
  id: z.number().int(),
  name: z.string(),
  cbsCode: z.string().describe('CBS code of the municipality (the primary municipality of a joint approach)'),
  municipalityName: z.string(),
  provinceName: z.string(),
  jointApproach: z
    .object({ name: z.string(), municipalities: z.array(z.object({ cbsCode: z.string(), name: z.string() })) })
    .nullable()
    .describe('Set when the coalition belongs to a joint approach of several municipalities'),
  stage: z.enum(COALITION_STAGES).nullable().describe('Stage today; null when no stage was recorded'),
  stageLabel: z.string(),
  stageSince: z.string().nullable().describe('YYYY-MM-DD'),
  kartrekkers: z.array(kartrekkerSchema).describe('Current members with the role kartrekker'),
  currentMembers: z.number().int(),
});

const memberSchema = z.object({
  id: z.number().int(),
  organisation: z.object({ id: z.number().int(), name: z.string(), kvkNumber: z.string().nullable(), branchOf: z.string().nullable().describe('The national organisation this is a local branch of') }),
  role: z.enum(MEMBER_ROLES),
  roleLabel: z.string(),
  sector: z.enum(COALITION_SECTORS),
  sectorLabel: z.string(),
  startDate: z.string().describe('YYYY-MM-DD: first day as a member'),
  endDate: z.string().nullable().describe('YYYY-MM-DD: from this day on no longer a member (null: still a member)'),
  current: z.boolean().describe('True when the membership has not ended today'),
  contact: contactSchema,
});

const coalitionDetailSchema = coalitionSummarySchema.omit({ kartrekkers: true, currentMembers: true, cbsCode: true, municipalityName: true, provinceName: true }).extend({
  description: z.string().nullable(),
  municipalities: z.array(z.object({ cbsCode: z.string(), name: z.string() })),
  stages: z.array(z.object({ id: z.number().int(), stage: z.enum(COALITION_STAGES), stageLabel: z.string(), fromDate: z.string(), note: z.string().nullable() })).describe('Stage history, oldest first'),
  members: z.array(memberSchema).describe('Every membership row, history included (role changes are separate rows)'),
});

const nationalMemberSchema = z.object({
  id: z.number().int(),
  organisation: z.object({ id: z.number().int(), name: z.string(), kvkNumber: z.string().nullable(), website: z.string().nullable() }),
  sector: z.enum(NATIONAL_SECTORS),
  sectorLabel: z.string(),
  declarationDate: z.string().describe('Date of the declaration of intent (YYYY-MM-DD)'),
  leftOn: z.string().nullable().describe('From this day on no longer a member'),
  pledgedActions: z.string().nullable(),
  localBranches: z.number().int(),
  presentInLocalCoalitions: z.number().int().describe('Local coalitions in which the organisation or one of its branches is a member today'),
});

const addMemberBody = z
  .object({
    organisationId: z.number({ message: 'Kies een bestaande organisatie (organisationId).' }).int().positive().describe('An organisation in the register (GET /api/v1/organisations)'),
    role: z.enum(MEMBER_ROLES, { message: `Kies een rol: ${MEMBER_ROLES.join(', ')}.` }),
    sector: z.enum(COALITION_SECTORS, { message: `Kies een sector: ${COALITION_SECTORS.join(', ')}.` }),
    startDate: isoDate('Startdatum'),
    contactName: z.string().max(200, 'Gebruik hoogstens 200 tekens.').optional(),
    contactEmail: z.email('Vul een geldig e-mailadres in, zoals naam@voorbeeld.nl.').max(254).optional(),
  })
  .strict();

const endBody = z.object({ endDate: isoDate('Einddatum') }).strict();

/** The fields of a zod validation error attached by fastify-type-provider-zod. */
function fieldsOf(err: unknown): { field: string; message: string }[] {
  const list = (err as { validation?: { instancePath?: string; message?: string; keyword?: string; params?: Record<string, unknown> }[] }).validation ?? [];
  return list.flatMap((v) => {
    const path = (v.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
    if (v.keyword === 'unrecognized_keys' && Array.isArray(v.params?.keys)) return (v.params!.keys as string[]).map((k) => ({ field: k, message: 'Onbekend veld.' }));
    return [{ field: path || '(body)', message: v.message ?? 'Ongeldig.' }];
  });
}

const fieldsFrom = (errors: Record<string, string>) => Object.entries(errors).map(([field, message]) => ({ field: field === '_form' ? '(body)' : field, message }));

/** Contact persons are personal data: only session users (not API keys) get them. */
const withContact = (p: Principal) => p.kind === 'user';

function memberToApi(m: MemberRow, today: string, contact: boolean): z.infer<typeof memberSchema> {
  return {
    id: m.id,
    organisation: { id: m.organisationId, name: m.organisationName, kvkNumber: m.kvkNumber, branchOf: m.parentName },
    role: m.role as MemberRole,
    roleLabel: roleLabel(m.role),
    sector: m.sector as CoalitionSector,
    sectorLabel: sectorLabel(m.sector),
    startDate: m.startDate,
    endDate: m.endDate,
    current: isCurrent(m, today),
    ...(contact ? { contact: { name: m.contactName, email: m.contactEmail } } : {}),
  };
}

const paging = {
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(500).default(100),
  dir: z.enum(['asc', 'desc']).default('asc'),
};

export async function coalitionApi(appBase: FastifyInstance) {
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  const db = app.ctx.database.db;
  const today = () => amsterdamDate(new Date());

  /** The municipality of the code and its coalition, when `p` may read it; else 404. */
  async function load(req: FastifyRequest, code: string) {
    const p = req.authorize('coalition:list');
    const [m] = await db
      .select()
      .from(municipalities)
      .where(and(eq(municipalities.cbsCode, code.toUpperCase()), isNull(municipalities.deletedAt)));
    if (!m || !can(p, 'coalition:read', { municipalityId: m.id })) throw new NotFoundError('Unknown CBS code.');
    const c = await coalitionOfMunicipality(db, m.id);
    if (!c) throw new NotFoundError('This municipality has no local coalition (yet).');
    return { p, m, c };
  }

  async function loadForUpdate(req: FastifyRequest, code: string) {
    const r = await load(req, code);
    if (!can(r.p, 'coalition:update', { municipalityId: r.m.id })) throw new ForbiddenError('You may read this coalition but not change it.');
    return r;
  }

  app.get(
    '/coalitions',
    {
      schema: {
        tags: ['network'],
        summary: 'List local coalitions (search, filter, sort, page)',
        description:
          'Session users see the coalitions of their own municipalities (a joint approach counts for each of its municipalities); API keys with registry:read see all, without contact persons. Stage, kartrekker and members are as of today.',
        querystring: z.object({
          q: z.string().max(100).optional().describe('Search in coalition name, municipality name or CBS code, joint approach name'),
          stage: z.enum(COALITION_STAGES).optional().describe('Stage today ("none" also matches coalitions without a recorded stage)'),
          province: z.string().regex(/^PV\d{2}$/, 'expected a province code such as PV26').optional(),
          withoutKartrekker: z.enum(['true', 'false']).optional().describe('true: only coalitions without a current kartrekker'),
          sort: z.enum(COALITION_SORTS).default('municipality'),
          ...paging,
        }),
        response: {
          200: z.object({ data: z.array(coalitionSummarySchema), page: z.number(), pageSize: z.number(), total: z.number() }),
          400: errorSchema,
          401: errorSchema,
          403: errorSchema,
        },
      },
    },
    async (req) => {
      const p = req.authorize('coalition:list');
      const q = req.query;
      const { rows, total } = await listCoalitions(db, p, { ...q, noKartrekker: q.withoutKartrekker === 'true' }, today());
      const contact = withContact(p);
      const shown = contact ? rows.filter((r) => r.kartrekkers.some((k) => k.contact)) : [];
      if (shown.length) await audit(db, req.auditCtx(), { action: 'read_personal', entity: 'coalition', details: { api: true, ids: shown.map((r) => r.id), fields: ['kartrekkerContact'] } });
      return {
        data: rows.map((r) => ({
          id: r.id,
          name: r.name,
          cbsCode: r.cbsCode,
          municipalityName: r.municipalityName,
          provinceName: r.provinceName,
          jointApproach: r.jointApproachName ? { name: r.jointApproachName, municipalities: r.jointMembers.map((m) => ({ cbsCode: m.cbsCode, name: m.name })) } : null,
          stage: r.stage,
          stageLabel: stageLabel(r.stage),
          stageSince: r.stageSince,
          kartrekkers: r.kartrekkers.map((k) => (contact ? k : { organisation: k.organisation })),
          currentMembers: r.members,
        })),
        page: q.page,
        pageSize: q.pageSize,
        total,
      };
    },
  );

  app.get(
    '/coalitions/:cbsCode',
    {
      schema: {
        tags: ['network'],
        summary: 'The local coalition of a municipality: stage, stage history and members (history included)',
        params: z.object({ cbsCode: cbsCodeParam }),
        response: { 200: z.object({ data: coalitionDetailSchema }), 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema },
      },
    },
    async (req) => {
      const { p, c } = await load(req, req.params.cbsCode);
      const day = today();
      const d = await getCoalitionDetail(db, c, day);
      const members = [...d.current, ...d.past];
      const contact = withContact(p);
      if (contact && members.some((m) => m.contactName || m.contactEmail)) {
        await audit(db, req.auditCtx(), { action: 'read_personal', entity: 'coalition', entityId: c.id, details: { api: true, fields: ['memberContact'] } });
      }
      return {
        data: {
          id: c.id,
          name: c.name,
          description: c.description,
          municipalities: d.municipalities.map((m) => ({ cbsCode: m.cbsCode, name: m.name })),
          jointApproach: d.jointApproach ? { name: d.jointApproach.name, municipalities: d.municipalities.map((m) => ({ cbsCode: m.cbsCode, name: m.name })) } : null,
          stage: (d.currentStage?.stage as CoalitionStage) ?? null,
          stageLabel: stageLabel(d.currentStage?.stage),
          stageSince: d.currentStage?.fromDate ?? null,
          stages: d.stages.map((s) => ({ id: s.id, stage: s.stage as CoalitionStage, stageLabel: stageLabel(s.stage), fromDate: s.fromDate, note: s.note })),
          members: members.map((m) => memberToApi(m, day, contact)),
        },
      };
    },
  );

  app.post(
    '/coalitions/:cbsCode/members',
    {
      attachValidation: true,
      schema: {
        tags: ['network'],
        summary: 'Add a member to the local coalition of a municipality',
        description: [
          'Only for logged-in users with a session who may change this coalition (its coordinator, an advisor assigned to the municipality, the programme team); send the CSRF token in the `x-csrf-token` header. API keys get 403.',
          'An organisation cannot have two overlapping memberships in one coalition; the start date may not be in the future; the organisation must be a local organisation of the coalition\'s municipalities or a national one.',
          'Bad input answers 422 with `error.fields` (one `{field, message}` per problem) and changes nothing.',
        ].join(' '),
        params: z.object({ cbsCode: cbsCodeParam }),
        body: addMemberBody,
        response: { 201: z.object({ data: memberSchema }), 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 422: validationErrorSchema },
      },
    },
    async (req, reply) => {
      const { p, c } = await loadForUpdate(req, (req.params as { cbsCode: string }).cbsCode);
      if (req.validationError) {
        if (req.validationError.validationContext === 'params') throw new NotFoundError('Unknown CBS code.');
        throw new FieldsError(fieldsOf(req.validationError));
      }
      const body = req.body;
      const munis = await coalitionMunicipalities(db, c);
      const day = today();
      const result = await addMember(
        db,
        req.auditCtx(),
        p,
        c.id,
        munis.map((m) => m.id),
        { organisationId: body.organisationId, role: body.role, sector: body.sector, startDate: body.startDate, contactName: body.contactName?.trim() || undefined, contactEmail: body.contactEmail },
        day,
      );
      if (!result.ok) throw new FieldsError(fieldsFrom(result.errors));
      const member = await getMember(db, c.id, result.id);
      return reply.code(201).send({ data: memberToApi(member!, day, true) });
    },
  );

  app.post(
    '/coalitions/:cbsCode/members/:id/end',
    {
      attachValidation: true,
      schema: {
        tags: ['network'],
        summary: 'End a membership of a local coalition',
        description:
          'From `endDate` on the organisation is no longer a member. The end date may not be before the start date nor in the future. Session users only (with `x-csrf-token`); bad input answers 422 with `error.fields` and changes nothing.',
        params: z.object({ cbsCode: cbsCodeParam, id: z.coerce.number().int().min(1).max(2_147_483_647) }),
        body: endBody,
        response: { 200: z.object({ data: memberSchema }), 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 422: validationErrorSchema },
      },
    },
    async (req) => {
      const params = req.params as { cbsCode: string; id: number | string };
      const { c } = await loadForUpdate(req, String(params.cbsCode));
      if (req.validationError?.validationContext === 'params') throw new NotFoundError();
      const member = await getMember(db, c.id, Number(params.id));
      if (!member) throw new NotFoundError('Unknown membership.');
      if (req.validationError) throw new FieldsError(fieldsOf(req.validationError));
      const day = today();
      const result = await endMember(db, req.auditCtx(), c.id, member.id, req.body.endDate, day);
      if (!result.ok) throw new FieldsError(fieldsFrom(result.errors));
      return { data: memberToApi((await getMember(db, c.id, member.id))!, day, true) };
    },
  );

  app.get(
    '/national-members',
    {
      schema: {
        tags: ['network'],
        summary: 'Members of the National Coalition against Loneliness, with local branches and presence in local coalitions (today)',
        description: 'For every logged-in user with a role, and API keys with registry:read.',
        querystring: z.object({
          q: z.string().max(100).optional().describe('Search in name or KvK number'),
          sector: z.enum(NATIONAL_SECTORS).optional(),
          status: z.enum(['active', 'left', 'all']).default('active').describe('active: members today; left: members that left'),
          sort: z.enum(NATIONAL_SORTS).default('name'),
          ...paging,
        }),
        response: {
          200: z.object({ data: z.array(nationalMemberSchema), page: z.number(), pageSize: z.number(), total: z.number() }),
          400: errorSchema,
          401: errorSchema,
          403: errorSchema,
        },
      },
    },
    async (req) => {
      req.authorize('national:read');
      const q = req.query;
      const { rows, total } = await listNationalMembers(db, q, today());
      return {
        data: rows.map((r) => ({
          id: r.id,
          organisation: { id: r.organisationId, name: r.name, kvkNumber: r.kvkNumber, website: r.website },
          sector: r.sector as NationalSector,
          sectorLabel: nationalSectorLabel(r.sector),
          declarationDate: r.declarationDate,
          leftOn: r.leftOn,
          pledgedActions: r.pledgedActions,
          localBranches: r.branches,
          presentInLocalCoalitions: r.presence,
        })),
        page: q.page,
        pageSize: q.pageSize,
        total,
      };
    },
  );
}
