import type { FastifyInstance } from 'fastify';
import { municipalityRoutes } from './municipalities.js';
import { participationRoutes } from './participations.js';
import { organisationRoutes } from './organisations.js';
import { neighbourhoodRoutes } from './neighbourhoods.js';

/** Admin screens of the registry: one sub-plugin per part. */
export async function registryRoutes(app: FastifyInstance) {
  await app.register(municipalityRoutes);
  await app.register(participationRoutes);
  await app.register(organisationRoutes);
  await app.register(neighbourhoodRoutes);
}
