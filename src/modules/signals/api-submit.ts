import type { FastifyInstance } from 'fastify';

/** Partner API: POST /api/v1/signals with an idempotency key, and the status of one's own signals (helper A replaces this). */
export async function signalSubmitApi(_app: FastifyInstance) {}
