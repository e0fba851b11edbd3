import type { FastifyInstance } from 'fastify';

// Filled in by its part (issue 5).
export async function boardRoutes(_app: FastifyInstance) {}
