import type { FastifyInstance } from 'fastify';
import { coalitionRoutes } from './coalitions.js';
import { nationalRoutes } from './national.js';
import { advisoryRoutes } from './advisory.js';
import { crmRoutes } from './crm.js';
import { taskRoutes } from './tasks.js';
import { collaborationRoutes } from './collaborations.js';
import { networkImportRoutes } from './imports.js';
import { mergeRoutes } from './merge.js';
import { figuresRoutes } from './figures.js';
import { networkRightsRoutes } from './rights.js';

/** Screens of the programme's network (issue 5): one sub-plugin per part. The API is in api.ts. */
export async function networkRoutes(app: FastifyInstance) {
  await app.register(coalitionRoutes);
  await app.register(nationalRoutes);
  await app.register(advisoryRoutes);
  await app.register(crmRoutes);
  await app.register(taskRoutes);
  await app.register(collaborationRoutes);
  await app.register(networkImportRoutes);
  await app.register(mergeRoutes);
  await app.register(figuresRoutes);
  await app.register(networkRightsRoutes);
}
