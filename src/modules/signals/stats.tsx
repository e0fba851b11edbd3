import type { FastifyInstance } from 'fastify';

/** Signal statistics without persons, with CSV export (helper D replaces this). */
export async function signalStatsRoutes(_app: FastifyInstance) {}
