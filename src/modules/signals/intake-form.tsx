import type { FastifyInstance } from 'fastify';

/** The public signal form, the self-referral entrance and the privacy statement (helper A replaces this). */
export async function intakeFormRoutes(_app: FastifyInstance) {}
