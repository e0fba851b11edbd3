import type { FastifyInstance } from 'fastify';

/** One signal: details, log, transitions, notes and contact attempts (helper C replaces this). */
export async function signalPageRoutes(_app: FastifyInstance) {}
