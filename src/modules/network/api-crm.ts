import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { can, type Principal } from '../../platform/access.js';
import { NotFoundError } from '../../platform/http/errors.js';
import { amsterdamDate } from '../../platform/time.js';
import { errorSchema } from '../registry/api.js';
import { ApiFieldsError } from '../signals/api-submit.js';
import { BUDGET_STATUSES, advisorySummary, municipalityByCode } from './advisory-service.js';
import { createContactMoment, crmAll, getContactMoment, listContactMoments, validateContactMoment, type ContactMomentDetail, type MomentRow } from './crm-service.js';
import { CONTACT_KIND_LABELS, CONTACT_KINDS, PHASE_LABELS, PHASES, PILLARS } from './model.js';

/**
 * JSON API of the CRM and advisory hours (issue 5), under /api/v1, for logged-in users (session
 * cookie; writes carry the CSRF token in the `x-csrf-token` header): the programme team sees
 * everything, advisors their assigned municipalities; anything out of scope answers 404 and
 * changes nothing. API keys have no access to the CRM (403).
 *   GET  /contact-moments?municipality=GM0344     a municipality's timeline, newest first, paged
 *   POST /contact-moments                         log a contact moment (422 with `error.fields`)
 *   GET  /municipalities/{code}/advisory          budget, hours used and left, phase and history
 */

const TAG = 'network: CRM and advisory hours';
const cbsCode = z.string().regex(/^GM\d{4}$/i, 'expected a CBS code such as GM0344');

const momentSchema = z.object({
  id: z.number().int(),
  occurredOn: z.string().describe('YYYY-MM-DD'),
  kind: z.enum(CONTACT_KINDS),
  kindLabel: z.string().describe('Dutch label of the kind'),
  subject: z.string(),
  municipality: z.object({ cbsCode: z.string(), name: z.string() }).nullable().describe('null for a national contact'),
  organisations: z.array(z.object({ id: z.number().int(), name: z.string() })),
  pillars: z.array(z.enum(PILLARS)),
  tags: z.array(z.string()),
  notes: z.string().nullable(),
  durationMinutes: z.number().int(),
  advisory: z.boolean().describe('true: the duration counts against the municipality\'s advisory-hours budget'),
  advisor: z.string().nullable().describe('Name of the advisor the advisory hours count on'),
  openTasks: z.number().int().describe('Open follow-up tasks'),
});

type MomentOut = z.infer<typeof momentSchema>;

const fromRow = (r: MomentRow): MomentOut => ({
  id: r.id,
  occurredOn: r.occurredOn,
  kind: r.kind,
  kindLabel: CONTACT_KIND_LABELS[r.kind] ?? r.kind,
  subject: r.subject,
  municipality: r.municipalityCode ? { cbsCode: r.municipalityCode, name: r.municipalityName! } : null,
  organisations: r.organisations,
  pillars: r.pillars,
  tags: r.tags,
  notes: r.notes,
  durationMinutes: r.durationMinutes,
  advisory: r.advisory,
  advisor: r.advisorName,
  openTasks: r.openTasks,
});

const fromDetail = (m: ContactMomentDetail): MomentOut => ({
  id: m.id,
  occurredOn: m.occurredOn,
  kind: m.kind,
  kindLabel: CONTACT_KIND_LABELS[m.kind] ?? m.kind,
  subject: m.subject,
  municipality: m.municipalityCode ? { cbsCode: m.municipalityCode, name: m.municipalityName! } : null,
  organisations: m.organisations.map((o) => ({ id: o.id, name: o.name })),
  pillars: m.pillars,
  tags: m.tags,
  notes: m.notes,
  durationMinutes: m.durationMinutes,
  advisory: m.advisory,
  advisor: m.advisorName,
  openTasks: m.tasks.filter((t) => !t.doneAt).length,
});

const bodySchema = z
  .object({
    occurredOn: z.string().describe('Date of the contact, YYYY-MM-DD; not in the future'),
    kind: z.enum(CONTACT_KINDS),
    subject: z.string().max(200),
    municipality: z.string().nullable().optional().describe('CBS code, e.g. GM0344. Omit or null for a national contact (programme team only).'),
    organisationIds: z.array(z.number().int()).optional().describe('Organisations involved (national ones, or of a municipality in your scope)'),
    personIds: z.array(z.number().int()).optional().describe('Contact persons involved'),
    pillars: z.array(z.enum(PILLARS)).optional(),
    tags: z.array(z.string().max(40)).max(20).optional().describe('Free tags; stored lower-case, trimmed and without duplicates'),
    notes: z.string().max(10000).nullable().optional(),
    durationMinutes: z.number().int().min(0).max(1440).describe('0 to 1440 minutes (24 hours)'),
    advisory: z
      .boolean()
      .optional()
      .describe('Counts against the advisory-hours budget. Default: true for an advisor of the municipality, false for the programme team.'),
    advisorId: z.number().int().optional().describe('Programme team, advisory moments: the advisor (user id) the hours count on. Advisors: always themselves.'),
    followUp: z
      .object({ title: z.string().max(200), dueDate: z.string().describe('YYYY-MM-DD'), assigneeId: z.number().int().optional().describe('User id; default yourself') })
      .strict()
      .optional()
      .describe('One follow-up task'),
  })
  .strict();

const BODY_FIELDS = Object.keys(bodySchema.shape);

/** Form field name -> API field name, for the error report. */
const API_FIELD: Record<string, string> = {
  municipalityId: 'municipality',
  duration: 'durationMinutes',
  taskTitle: 'followUp.title',
  taskDueDate: 'followUp.dueDate',
  taskAssigneeId: 'followUp.assigneeId',
};

const validationErrorSchema = z.object({
  error: z.object({ code: z.literal('validation_failed'), message: z.string(), fields: z.array(z.object({ field: z.string(), message: z.string() })) }),
});

const advisorySchema = z.object({
  cbsCode: z.string(),
  name: z.string(),
  budgetHours: z.number().describe('The budget in hours (default 64 when none was set)'),
  defaultBudget: z.boolean(),
  usedHours: z.number().describe('Sum of the durations of the advisory contact moments, in hours (2 decimals)'),
  leftHours: z.number().describe('budgetHours − usedHours; negative when the budget is overrun'),
  status: z.enum(BUDGET_STATUSES).describe('available; near_end: 8 hours or fewer left; used_up: exactly 0 left; overrun: below 0'),
  phase: z.enum(PHASES),
  phaseLabel: z.string(),
  phaseFrom: z.string().nullable().describe('Date the current phase began; null: guidance since the start'),
  accountManager: z.string().nullable().describe('Name of the account manager (network phase)'),
  history: z.array(z.object({ phase: z.enum(PHASES), fromDate: z.string(), accountManager: z.string().nullable() })).describe('Phase history, oldest first'),
  advisors: z.array(z.object({ name: z.string() })),
});

export async function crmApi(appBase: FastifyInstance) {
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  const db = app.ctx.database.db;
  const errors = { 401: errorSchema, 403: errorSchema, 404: errorSchema };

  app.get(
    '/contact-moments',
    {
      schema: {
        tags: [TAG],
        summary: 'Contact moments in your scope, newest first (a municipality\'s timeline with ?municipality=)',
        description:
          'Programme team: every contact moment; advisors: those of their assigned municipalities. A municipality outside your scope answers 404. Totals count every match, not only the page.',
        querystring: z.object({
          municipality: cbsCode.optional().describe('CBS code: the timeline of this municipality'),
          kind: z.enum(CONTACT_KINDS).optional(),
          from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional().describe('From this date (YYYY-MM-DD)'),
          to: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional().describe('Up to and including this date'),
          page: z.coerce.number().int().min(1).max(10000).default(1),
          pageSize: z.coerce.number().int().min(1).max(100).default(25),
        }),
        response: {
          200: z.object({
            data: z.array(momentSchema),
            page: z.number().int(),
            pageSize: z.number().int(),
            total: z.number().int(),
            totals: z.object({ hours: z.number(), advisoryHours: z.number() }).describe('Hours of every match, and of the advisory ones'),
          }),
          400: errorSchema,
          ...errors,
        },
      },
    },
    async (req) => {
      const p = req.authorize('contact:read');
      const q = req.query;
      let municipality: number | undefined;
      if (q.municipality) {
        const m = await municipalityByCode(db, q.municipality);
        if (!m || !can(p, 'contact:read', { municipalityId: m.id })) throw new NotFoundError('Unknown municipality, or not in your scope.');
        municipality = m.id;
      }
      const list = await listContactMoments(db, p, { municipality, kind: q.kind, from: q.from, to: q.to, sort: 'date', dir: 'desc', page: q.page, pageSize: q.pageSize });
      const hours = (m: number) => Math.round((m / 60) * 100) / 100;
      return { data: list.rows.map(fromRow), page: q.page, pageSize: q.pageSize, total: list.total, totals: { hours: hours(list.totalMinutes), advisoryHours: hours(list.advisoryMinutes) } };
    },
  );

  app.post(
    '/contact-moments',
    {
      attachValidation: true,
      schema: {
        tags: [TAG],
        summary: 'Log a contact moment',
        description: [
          'Logged-in users only; send the CSRF token of your session in the `x-csrf-token` header.',
          'Advisors log for their assigned municipalities (another municipality answers 404 and nothing is stored); the programme team for any municipality or a national contact.',
          'Bad input answers 422 with `error.fields`: one `{field, message}` per problem (messages in Dutch); nothing is stored. Unknown fields are refused.',
        ].join('\n'),
        body: bodySchema,
        response: { 201: z.object({ data: momentSchema }), 422: validationErrorSchema, ...errors },
      },
    },
    async (req, reply) => {
      const p = req.authorize('contact:log');
      const raw = req.body as unknown;
      if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new ApiFieldsError([{ field: '(body)', message: 'Stuur een JSON-object.' }]);
      const b = raw as Record<string, any>;
      const unknown = Object.keys(b).filter((k) => !BODY_FIELDS.includes(k));
      // Dutch messages from the same validation as the form; the schema above documents the shape.
      const { values, municipalityProblem } = await toFormValues(b, p);
      const v = await validateContactMoment(db, p, values, amsterdamDate(new Date()), { withTask: true });
      const fields = [
        ...unknown.map((k) => ({ field: k, message: 'Onbekend veld.' })),
        ...(municipalityProblem ? [{ field: 'municipality', message: municipalityProblem }] : []),
        ...(v.ok ? [] : Object.entries(v.errors).map(([k, message]) => ({ field: API_FIELD[k] ?? k, message }))).filter((f) => !(municipalityProblem && f.field === 'municipality')),
      ];
      if (fields.length || !v.ok) throw new ApiFieldsError(fields);
      const id = await createContactMoment(db, req.auditCtx(), v.data, { jobs: app.ctx.jobs, helpdeskEmail: app.ctx.config.helpdeskEmail, baseUrl: app.ctx.config.baseUrl });
      const saved = await getContactMoment(db, id);
      return reply.code(201).send({ data: fromDetail(saved!) });
    },
  );

  /** The JSON body as the values of the contact-moment form. */
  async function toFormValues(b: Record<string, any>, p: Principal): Promise<{ values: Record<string, unknown>; municipalityProblem: string | null }> {
    let municipalityId: unknown = '';
    let municipalityProblem: string | null = null;
    if (b.municipality != null && b.municipality !== '') {
      const m = typeof b.municipality === 'string' ? await municipalityByCode(db, b.municipality) : null;
      if (!m) municipalityProblem = 'Er is geen gemeente met deze CBS-code. Gebruik een code zoals GM0344.';
      else municipalityId = m.id;
    }
    const advisory = typeof b.advisory === 'boolean' ? b.advisory : !crmAll(p) && municipalityId !== '';
    const str = (v: unknown) => (v == null ? undefined : typeof v === 'string' ? v : typeof v === 'number' ? String(v) : JSON.stringify(v));
    const f = b.followUp && typeof b.followUp === 'object' ? b.followUp : {};
    return {
      municipalityProblem,
      values: {
        occurredOn: str(b.occurredOn),
        kind: b.kind,
        subject: b.subject,
        // An unknown code must never fall back to "national": validate as if none, then refuse.
        municipalityId: municipalityProblem ? '' : municipalityId,
        organisationIds: b.organisationIds ?? [],
        personIds: b.personIds ?? [],
        pillars: b.pillars ?? [],
        tags: Array.isArray(b.tags) ? b.tags.map(String) : (str(b.tags) ?? ''),
        notes: str(b.notes) ?? '',
        duration: str(b.durationMinutes) ?? '',
        advisory,
        advisorId: b.advisorId,
        taskTitle: str(f.title),
        taskDueDate: str(f.dueDate),
        taskAssigneeId: f.assigneeId,
      },
    };
  }

  app.get(
    '/municipalities/:code/advisory',
    {
      schema: {
        tags: [TAG],
        summary: 'Advisory hours and phase of a municipality',
        description: 'Programme team: any municipality; advisors and municipality coordinators: their own (others answer 404). No contact-moment notes.',
        params: z.object({ code: cbsCode }),
        response: { 200: z.object({ data: advisorySchema }), 400: errorSchema, ...errors },
      },
    },
    async (req) => {
      const p = req.authorize('advisory:read');
      const m = await municipalityByCode(db, req.params.code);
      if (!m || !can(p, 'advisory:read', { municipalityId: m.id })) throw new NotFoundError('Unknown municipality, or not in your scope.');
      const s = (await advisorySummary(db, m.id, amsterdamDate(new Date())))!;
      return {
        data: {
          cbsCode: s.municipality.cbsCode,
          name: s.municipality.name,
          budgetHours: s.hours.budgetHours,
          defaultBudget: s.hours.defaultBudget,
          usedHours: s.hours.usedHours,
          leftHours: s.hours.leftHours,
          status: s.hours.status,
          phase: s.phase.phase,
          phaseLabel: PHASE_LABELS[s.phase.phase],
          phaseFrom: s.phase.fromDate,
          accountManager: s.phase.phase === 'network' ? s.phase.accountManagerName : null,
          history: s.history.map((h) => ({ phase: h.phase, fromDate: h.fromDate, accountManager: h.accountManagerName })),
          advisors: s.advisors.map((a) => ({ name: a.name })),
        },
      };
    },
  );
}
