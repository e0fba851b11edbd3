import type { FastifyInstance } from 'fastify';
import { signalSubmitApi } from './api-submit.js';
import { signalHandlingApi } from './api-handling.js';

/** The signal point's JSON API under /api/v1: partner intake and the handling organisation's own reads. */
export async function signalApi(app: FastifyInstance) {
  await app.register(signalSubmitApi);
  await app.register(signalHandlingApi);
}
