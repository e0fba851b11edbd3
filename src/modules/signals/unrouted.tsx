import type { FastifyInstance } from 'fastify';

/** The programme's unrouted queue and manual routing (helper B replaces this). */
export async function unroutedRoutes(_app: FastifyInstance) {}
