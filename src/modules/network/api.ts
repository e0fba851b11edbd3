import type { FastifyInstance } from 'fastify';
import { coalitionApi } from './api-coalitions.js';
import { crmApi } from './api-crm.js';

/** JSON API of the network (under /api/v1): coalitions and their members, contact moments. */
export async function networkApi(app: FastifyInstance) {
  await app.register(coalitionApi);
  await app.register(crmApi);
}
