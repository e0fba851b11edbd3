import type { FastifyInstance } from 'fastify';

/** Handling API for a signal point's own systems (helper C replaces this). */
export async function signalHandlingApi(_app: FastifyInstance) {}
