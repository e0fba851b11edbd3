import type { FastifyInstance } from 'fastify';

/** Signal points and routing rules per municipality (helper B replaces this). */
export async function signalConfigRoutes(_app: FastifyInstance) {}
