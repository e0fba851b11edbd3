import type { FastifyInstance } from 'fastify';

/** The handling organisation's inbox (helper C replaces this). */
export async function inboxRoutes(_app: FastifyInstance) {}
