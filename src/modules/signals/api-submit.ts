import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { HttpError, NotFoundError } from '../../platform/http/errors.js';
import { sha256 } from '../../platform/crypto.js';
import { errorSchema } from '../registry/api.js';
import { signals } from './schema.js';
import { IdempotencyConflictError, receiveSignal } from './intake.js';
import { apiCrossChecks, apiSignalBody, apiToSignalInput } from './intake-schema.js';
import { API_BODY_LIMIT, apiRateLimit } from './abuse.js';

/** 422 with one entry per bad field: {error: {code: 'validation_failed', message, fields: [{field, message}]}}. */
export class ApiFieldsError extends HttpError {
  constructor(public readonly fields: { field: string; message: string }[]) {
    super(422, 'validation_failed', 'The request body is not valid; see fields.');
  }
}

const idempotencyHeader = z
  .string()
  .min(8, 'at least 8 characters')
  .max(100, 'at most 100 characters')
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
  .describe(
    'Required. A unique key per signal, chosen by the client (e.g. a UUID), 8–100 printable ASCII characters. A retry with the same key and the same body returns the first answer (200, header Idempotent-Replayed: true) and stores nothing new; the same key with another body is refused (409).',
  )
  .meta({ examples: ['5f0c6a8e-2b7d-4c1e-9a3f-8d2e1b4c7a90'] });

const receipt = z.object({
  reference: z.string().describe('Reference of the signal, e.g. SGN-7K3M-9QX2: use it to ask for the status.').meta({ examples: ['SGN-7K3M-9QX2'] }),
  receivedAt: z.string().describe('When the signal was received (ISO 8601).').meta({ examples: ['2026-03-02T09:15:00.000Z'] }),
  routed: z.boolean().describe('True when the signal went to a local signal point; false when it waits in the programme team\'s queue to be routed by hand.'),
});

const STAGES = ['received', 'in_progress', 'closed'] as const;
const statusSchema = z.object({
  reference: z.string(),
  receivedAt: z.string().describe('ISO 8601'),
  stage: z
    .enum(STAGES)
    .describe('received: not yet picked up by a social worker; in_progress: being followed up; closed: follow-up finished. Nothing about the person or the outcome is given.'),
});

const validationErrorSchema = z.object({
  error: z.object({
    code: z.literal('validation_failed'),
    message: z.string(),
    fields: z.array(z.object({ field: z.string().describe('Path of the field, e.g. "postcode" or "signaller.email"'), message: z.string() })),
  }),
});

function stageOf(status: string): (typeof STAGES)[number] {
  if (status === 'new') return 'received';
  if (status === 'closed' || status === 'duplicate') return 'closed';
  return 'in_progress';
}

/** The fields of a zod validation error attached by fastify-type-provider-zod. */
function fieldsOf(err: { validation?: { instancePath?: string; message?: string; keyword?: string; params?: Record<string, unknown> }[] }): { field: string; message: string }[] {
  const out: { field: string; message: string }[] = [];
  for (const v of err.validation ?? []) {
    const path = (v.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
    if (v.keyword === 'unrecognized_keys' && Array.isArray(v.params?.keys)) {
      for (const k of v.params.keys as string[]) out.push({ field: path ? `${path}.${k}` : k, message: 'unknown field' });
    } else {
      out.push({ field: path || '(body)', message: v.message ?? 'invalid' });
    }
  }
  return out;
}

/** Partner API: POST /api/v1/signals with an idempotency key, and the status of one's own signals. */
export async function signalSubmitApi(appBase: FastifyInstance) {
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  const { config, cipher } = app.ctx;
  const db = app.ctx.database.db;
  const rateLimit = apiRateLimit(config.signalApiRateLimitPerMinute);
  // Authorise in onRequest, before the CSRF check (which would answer 403 to a request without
  // any credentials) and before the rate limit counts the request against a key.
  const onRequest = async (req: FastifyRequest) => {
    req.authorize('signal:submit');
  };

  app.post(
    '/signals',
    {
      bodyLimit: API_BODY_LIMIT,
      attachValidation: true,
      onRequest,
      config: { rateLimit },
      schema: {
        tags: ['signals'],
        summary: 'Pass on a signal (a worry that someone may be lonely)',
        description: [
          'For partner apps, e.g. a deliverers\' app. Needs an API key with the permission `signals:submit`.',
          'Only `signallerType`, `postcode` and `houseNumber` are required; everything else is optional. The signal is routed on the postcode to the',
          'local signal point, where a social worker follows it up (usually within two working days). Personal data is stored encrypted and is',
          'visible only to the staff of that signal point; the partner only gets the reference and the stage (GET /api/v1/signals/{reference}).',
          '',
          '**Idempotency:** the header `Idempotency-Key` is required. Retry a request that timed out with the same key and the same body: you get',
          'the first answer again (status 200 and header `Idempotent-Replayed: true`) and no second signal is stored. The same key with a',
          'different body answers 409 `idempotency_conflict`.',
          '',
          `Limits: ${config.signalApiRateLimitPerMinute} requests per minute per key (429 with Retry-After), request body at most ${API_BODY_LIMIT / 1024} kB (413).`,
          'Bad input answers 422 with `error.fields`: one `{field, message}` per problem; nothing is stored. Unknown fields are refused too, so a',
          'misspelt field name does not silently lose data.',
        ].join('\n'),
        headers: z.object({ 'idempotency-key': idempotencyHeader }),
        body: apiSignalBody,
        response: {
          201: receipt.describe('Stored (a new signal).'),
          200: receipt.describe('Replayed: this Idempotency-Key was used before with the same body; nothing new was stored.'),
          400: errorSchema.describe('Missing or malformed Idempotency-Key header, or a body that is not JSON.'),
          401: errorSchema,
          403: errorSchema,
          409: errorSchema.describe('idempotency_conflict: the key was used before with another body.'),
          413: errorSchema,
          422: validationErrorSchema,
          429: errorSchema,
          503: errorSchema,
        },
      },
    },
    async (req, reply) => {
      const principal = req.principal!;
      if (req.validationError) {
        if (req.validationError.validationContext === 'headers') {
          const missing = !req.headers['idempotency-key'];
          throw new HttpError(
            400,
            missing ? 'idempotency_key_missing' : 'idempotency_key_invalid',
            missing ? 'The Idempotency-Key header is required: send a unique key (8-100 characters, e.g. a UUID) per signal.' : 'The Idempotency-Key header must be 8-100 printable ASCII characters without spaces.',
          );
        }
        throw new ApiFieldsError(fieldsOf(req.validationError as never));
      }
      const body = req.body;
      const cross = apiCrossChecks(body);
      if (cross.length) throw new ApiFieldsError(cross);
      const key = req.headers['idempotency-key'] as string;
      try {
        const r = await receiveSignal(db, cipher, apiToSignalInput(body), {
          channel: 'api',
          apiKeyId: principal.id,
          idempotencyKey: key,
          requestHash: sha256(JSON.stringify(body)),
          audit: req.auditCtx(),
          jobs: app.ctx.jobs,
          helpdeskEmail: config.helpdeskEmail,
          baseUrl: config.baseUrl,
        });
        const answer = { reference: r.reference, receivedAt: r.receivedAt.toISOString(), routed: r.routed };
        if (!r.created) return reply.code(200).header('idempotent-replayed', 'true').send(answer);
        return reply.code(201).send(answer);
      } catch (err) {
        if (err instanceof IdempotencyConflictError) {
          throw new HttpError(409, 'idempotency_conflict', 'This Idempotency-Key was used before with a different request body. Use a new key for a new signal.');
        }
        throw err;
      }
    },
  );

  app.get(
    '/signals/:reference',
    {
      onRequest,
      config: { rateLimit },
      schema: {
        tags: ['signals'],
        summary: 'The stage of a signal this API key passed on',
        description:
          'Only for signals submitted with the same API key; any other reference answers 404. Gives the stage only — never anything about the person, the signal point or the outcome.',
        params: z.object({ reference: z.string().max(20).describe('The reference from the answer to POST /api/v1/signals').meta({ examples: ['SGN-7K3M-9QX2'] }) }),
        response: { 200: statusSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 429: errorSchema },
      },
    },
    async (req) => {
      const principal = req.principal!;
      const [row] = await db
        .select({ reference: signals.reference, receivedAt: signals.receivedAt, status: signals.status })
        .from(signals)
        .where(and(eq(signals.reference, req.params.reference.toUpperCase()), eq(signals.channel, 'api'), eq(signals.apiKeyId, principal.id)))
        .limit(1);
      if (!row) throw new NotFoundError('Unknown reference.');
      return { reference: row.reference, receivedAt: row.receivedAt.toISOString(), stage: stageOf(row.status) };
    },
  );
}
