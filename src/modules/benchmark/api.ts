import type { FastifyInstance } from 'fastify';

// Being built (issue 3): see the helper's task. Registers no route yet.
export async function benchmarkApi(_app: FastifyInstance) {}
