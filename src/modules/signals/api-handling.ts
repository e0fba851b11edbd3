import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Principal } from '../../platform/access.js';
import { audit } from '../../platform/audit.js';
import { users } from '../../platform/db/schema.js';
import { ForbiddenError, HttpError, NotFoundError } from '../../platform/http/errors.js';
import { errorSchema } from '../registry/api.js';
import { neighbourhoods } from '../registry/schema.js';
import { signals } from './schema.js';
import { AGE_GROUPS, EVENT_KINDS, PERSON_KNOWS, SIGNAL_KINDS, SIGNS, STATUS_LABELS, STATUSES, type SignalStatus, RECORDED_OUTCOMES } from './model.js';
import { decryptSignal } from './personal.js';
import {
  INBOX_STATUS_FILTERS,
  isOverdue,
  listInbox,
  organisationNeighbourhoods,
  possibleDuplicates,
  signalByReference,
  signalLog,
  signalOrganisations,
  type InboxRow,
} from './handling-service.js';

/**
 * Handling API for a signal point's own systems, under /api/v1/handling:
 * - GET /handling/signals: the caller's organisation's signals with the inbox's filters, no
 *   personal data (nothing is decrypted);
 * - GET /handling/signals/{reference}: one signal WITH the person's and signaller's data, the
 *   story and the log; every call writes an audit entry (read_personal).
 * Callers: API keys with 'signals:handle' (the key's own organisation) or logged-in signal staff
 * (their organisation; ?organisation=<id> for someone in several). A signal of another
 * organisation answers 404, exactly like an unknown reference.
 */

const TAG = 'signals: handling';

const referenceParam = z.string().regex(/^SGN-[0-9A-Z]{4}-[0-9A-Z]{4}$/i, 'expected a reference such as SGN-7K3M-9QX2');

const listQuery = z.object({
  organisation: z.coerce.number().int().positive().optional().describe('Logged-in users in several organisations: which one (default: the first by name). An API key has only its own; another id answers 404.'),
  status: z.enum(INBOX_STATUS_FILTERS).default('open').describe('open = every status still being handled (default); all = every status'),
  neighbourhood: z
    .string()
    .regex(/^(BU|WK)\d{8}$/, 'expected a CBS neighbourhood (BU…) or district (WK…) code')
    .optional()
    .describe('CBS code of a neighbourhood (BU…) or a district (WK…, all its neighbourhoods) of the organisation'),
  overdue: z.enum(['true', 'false']).optional().describe('true: only overdue signals (open, no first contact, deadline passed)'),
  assigned: z.enum(['me', 'none', 'all']).default('all').describe('me: assigned to the calling user (not for API keys); none: unassigned'),
  page: z.coerce.number().int().min(1).max(10000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(25),
});

const signalSummary = z.object({
  reference: z.string().describe('e.g. SGN-7K3M-9QX2'),
  kind: z.enum(SIGNAL_KINDS).describe('worry: about someone else; self: the person asks for contact'),
  receivedAt: z.string().describe('ISO 8601'),
  status: z.enum(STATUSES),
  statusLabel: z.string().describe('Dutch label of the status'),
  signallerType: z.string().describe('Code of the signaller type (self for kind self)'),
  ageGroup: z.enum(AGE_GROUPS),
  signs: z.array(z.enum(SIGNS)),
  neighbourhood: z.object({ code: z.string(), name: z.string() }).nullable(),
  assignee: z.object({ id: z.number().int(), name: z.string() }).nullable().describe('The staff member handling the signal'),
  dueAt: z.string().nullable().describe('Deadline for the first contact (ISO 8601)'),
  firstContactAt: z.string().nullable().describe('First logged contact attempt (ISO 8601)'),
  overdue: z.boolean().describe('Open, no first contact and dueAt has passed'),
  closedAt: z.string().nullable(),
  outcome: z.enum(RECORDED_OUTCOMES).nullable(),
});

const personSchema = z.object({
  name: z.string().nullable(),
  street: z.string().nullable(),
  houseNumber: z.number().int(),
  houseNumberAddition: z.string().nullable(),
  postcode: z.string(),
  city: z.string().nullable(),
  phone: z.string().nullable(),
  email: z.string().nullable(),
});

const signalDetail = signalSummary.extend({
  personKnows: z.enum(PERSON_KNOWS),
  person: personSchema.nullable().describe('Null once the personal data has been removed (retention)'),
  story: z.string().nullable(),
  signaller: z
    .object({ name: z.string().nullable(), email: z.string().nullable(), phone: z.string().nullable(), organisation: z.string().nullable() })
    .nullable(),
  feedbackRequested: z.boolean(),
  feedbackSentAt: z.string().nullable(),
  outcomeActivity: z.string().nullable(),
  duplicateOf: z.string().nullable().describe('Reference of the earlier signal this one duplicates'),
  possibleDuplicates: z.array(z.object({ reference: z.string(), receivedAt: z.string(), status: z.enum(STATUSES) })).describe("The organisation's other signals for the same address, newest first"),
  personalDataRemovedAt: z.string().nullable(),
  events: z.array(
    z.object({
      at: z.string(),
      kind: z.enum(EVENT_KINDS),
      fromStatus: z.string().nullable(),
      toStatus: z.string().nullable(),
      code: z.string().nullable().describe('Non-personal detail: attempt channel:result, close:outcome, plan_visit:date, …'),
      by: z.string().nullable().describe('Name of the staff member; null for the system'),
      text: z.string().nullable().describe('The note, reason or attempt remark'),
    }),
  ),
});

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function summaryToApi(r: InboxRow, now: Date): z.infer<typeof signalSummary> {
  return {
    reference: r.reference,
    kind: r.kind as z.infer<typeof signalSummary>['kind'],
    receivedAt: r.receivedAt.toISOString(),
    status: r.status,
    statusLabel: STATUS_LABELS[r.status] ?? r.status,
    signallerType: r.signallerType,
    ageGroup: r.ageGroup as z.infer<typeof signalSummary>['ageGroup'],
    signs: r.signs as z.infer<typeof signalSummary>['signs'],
    neighbourhood: r.neighbourhoodCode && r.neighbourhoodName ? { code: r.neighbourhoodCode, name: r.neighbourhoodName } : null,
    assignee: r.assignedUserId != null ? { id: r.assignedUserId, name: r.assigneeName ?? '' } : null,
    dueAt: iso(r.dueAt),
    firstContactAt: iso(r.firstContactAt),
    overdue: isOverdue(r, now),
    closedAt: iso(r.closedAt),
    outcome: r.outcome as z.infer<typeof signalSummary>['outcome'],
  };
}

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema };

export async function signalHandlingApi(appBase: FastifyInstance) {
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  const db = app.ctx.database.db;
  // Persons' data: never kept in a browser or proxy cache (this plugin's routes only).
  app.addHook('onSend', async (_req, reply) => {
    reply.header('cache-control', 'no-store');
  });

  /** The organisation the caller handles (403 without any, 404 for one that is not theirs). */
  const organisationOf = async (p: Principal, requested: number | undefined) => {
    const orgs = await signalOrganisations(db, p);
    if (!orgs.length) throw new ForbiddenError('Only signal staff and API keys with signals:handle may use the handling API.');
    if (requested === undefined) return orgs[0]!;
    const org = orgs.find((o) => o.id === requested);
    if (!org) throw new NotFoundError('Not found.');
    return org;
  };

  app.get(
    '/handling/signals',
    {
      schema: {
        tags: [TAG],
        summary: "The organisation's signals, newest first (no personal data)",
        description:
          "The same list and filters as the inbox. No names, addresses or stories: read one signal for those. Requires an API key with signals:handle (the key's organisation) or a logged-in signal handler or coordinator.",
        querystring: listQuery,
        response: {
          200: z.object({
            data: z.array(signalSummary),
            counts: z
              .record(z.enum(STATUSES), z.number().int().nullable())
              .describe('Signals per status with every filter but the status applied; closed and duplicate are null unless the status filter asks for them (all, closed, duplicate)'),
            total: z.number().int(),
            page: z.number().int(),
            pageSize: z.number().int(),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const p = req.requireUser();
      const q = req.query;
      const org = await organisationOf(p, q.organisation);
      req.authorize('signal:handle', { organisationId: org.id });
      if (q.assigned === 'me' && p.kind !== 'user') throw new HttpError(400, 'assigned_me_needs_user', 'assigned=me is for logged-in users; an API key has no assignments.');
      let neighbourhoodId: number | undefined;
      if (q.neighbourhood) {
        const n = (await organisationNeighbourhoods(db, org.id)).find((x) => x.code === q.neighbourhood);
        if (!n) throw new HttpError(400, 'unknown_neighbourhood', `Neighbourhood ${q.neighbourhood} is not in a municipality of this organisation.`);
        neighbourhoodId = n.id;
      }
      const now = new Date();
      const r = await listInbox(
        db,
        org.id,
        { status: q.status, neighbourhoodId, overdue: q.overdue === 'true', assigned: q.assigned === 'all' ? undefined : q.assigned, userId: p.kind === 'user' ? p.id : undefined },
        q.page,
        q.pageSize,
        now,
      );
      return { data: r.rows.map((row) => summaryToApi(row, now)), counts: r.counts, total: r.total, page: r.page, pageSize: r.pageSize };
    },
  );

  app.get(
    '/handling/signals/:reference',
    {
      schema: {
        tags: [TAG],
        summary: 'One signal with the personal data and the log (audit-logged)',
        description:
          "The person's and signaller's data, the story, the possible duplicates and the log. Every call is written to the audit log (read_personal). A signal of another organisation answers 404, like an unknown reference.",
        params: z.object({ reference: referenceParam }),
        response: { 200: z.object({ data: signalDetail }), ...errors },
      },
    },
    async (req) => {
      const p = req.requireUser();
      if (!(await signalOrganisations(db, p)).length) throw new ForbiddenError('Only signal staff and API keys with signals:handle may use the handling API.');
      const s = await signalByReference(db, p, req.params.reference);
      const now = new Date();
      const [log, dups, assignee, nb, dupOf] = await Promise.all([
        signalLog(db, app.ctx.cipher, s.id),
        possibleDuplicates(db, s),
        s.assignedUserId != null ? db.select({ name: users.name }).from(users).where(eq(users.id, s.assignedUserId)) : Promise.resolve([]),
        s.neighbourhoodId != null ? db.select({ code: neighbourhoods.code, name: neighbourhoods.name }).from(neighbourhoods).where(eq(neighbourhoods.id, s.neighbourhoodId)) : Promise.resolve([]),
        s.duplicateOfId != null ? db.select({ reference: signals.reference }).from(signals).where(eq(signals.id, s.duplicateOfId)) : Promise.resolve([]),
      ]);
      const d = decryptSignal(app.ctx.cipher, s);
      await audit(db, req.auditCtx(), { action: 'read_personal', entity: 'signal', entityId: s.id, details: { organisationId: s.organisationId, api: true } });
      const summary = summaryToApi(
        {
          ...s,
          status: s.status as SignalStatus,
          neighbourhoodCode: nb[0]?.code ?? null,
          neighbourhoodName: nb[0]?.name ?? null,
          assigneeName: assignee[0]?.name ?? null,
        },
        now,
      );
      return {
        data: {
          ...summary,
          personKnows: s.personKnows as z.infer<typeof signalDetail>['personKnows'],
          person: d.person
            ? {
                name: d.person.name ?? null,
                street: d.person.street ?? null,
                houseNumber: d.person.houseNumber,
                houseNumberAddition: d.person.houseNumberAddition ?? null,
                postcode: d.person.postcode,
                city: d.person.city ?? null,
                phone: d.person.phone ?? null,
                email: d.person.email ?? null,
              }
            : null,
          story: d.story,
          signaller: d.signaller
            ? { name: d.signaller.name ?? null, email: d.signaller.email ?? null, phone: d.signaller.phone ?? null, organisation: d.signaller.organisation ?? null }
            : null,
          feedbackRequested: s.feedbackRequested,
          feedbackSentAt: iso(s.feedbackSentAt),
          outcomeActivity: s.outcomeActivity,
          duplicateOf: dupOf[0]?.reference ?? null,
          possibleDuplicates: dups.filter((x) => x.sameOrganisation).map((x) => ({ reference: x.reference, receivedAt: x.receivedAt.toISOString(), status: x.status })),
          personalDataRemovedAt: iso(s.personalDataRemovedAt),
          events: log.map((e) => ({
            at: e.at.toISOString(),
            kind: e.kind as z.infer<typeof signalDetail>['events'][number]['kind'],
            fromStatus: e.fromStatus,
            toStatus: e.toStatus,
            code: e.code,
            by: e.userName,
            text: e.text,
          })),
        },
      };
    },
  );
}
