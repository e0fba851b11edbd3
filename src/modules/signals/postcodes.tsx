import type { FastifyInstance } from 'fastify';

/** The postcode table: lookup, manual correction and import (helper B replaces this). */
export async function postcodeRoutes(_app: FastifyInstance) {}
