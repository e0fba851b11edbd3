import type { FastifyInstance } from 'fastify';
import { editionRoutes } from './editions.js';
import { invitationRoutes } from './invitations.js';
import { respondentRoutes } from './respondent.js';
import { resultsRoutes } from './results.js';
import { dashboardRoutes } from './dashboard.js';
import { benchmarkExportRoutes } from './exports.js';
import { benchmarkReportRoutes } from './reports.js';

/** Screens of the benchmark: one sub-plugin per part. The API is in api.ts. */
export async function benchmarkRoutes(app: FastifyInstance) {
  await app.register(editionRoutes);
  await app.register(invitationRoutes);
  await app.register(respondentRoutes);
  await app.register(resultsRoutes);
  await app.register(dashboardRoutes);
  await app.register(benchmarkExportRoutes);
  await app.register(benchmarkReportRoutes);
}
