import type { FastifyInstance } from 'fastify';

/** A data subject's rights request: export or erase one person's signal data (helper D replaces this). */
export async function signalRightsRoutes(_app: FastifyInstance) {}
