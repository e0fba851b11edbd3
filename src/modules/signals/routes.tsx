import type { FastifyInstance } from 'fastify';
import { intakeFormRoutes } from './intake-form.js';
import { signalConfigRoutes } from './config.js';
import { postcodeRoutes } from './postcodes.js';
import { unroutedRoutes } from './unrouted.js';
import { inboxRoutes } from './inbox.js';
import { signalPageRoutes } from './signal-page.js';
import { signalStatsRoutes } from './stats.js';
import { signalRightsRoutes } from './rights.js';

/** Screens of the signal point: one sub-plugin per part. The API is in api.ts. */
export async function signalRoutes(app: FastifyInstance) {
  await app.register(intakeFormRoutes);
  await app.register(signalConfigRoutes);
  await app.register(postcodeRoutes);
  await app.register(unroutedRoutes);
  await app.register(inboxRoutes);
  await app.register(signalPageRoutes);
  await app.register(signalStatsRoutes);
  await app.register(signalRightsRoutes);
}
