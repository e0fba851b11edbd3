import type { FastifyInstance } from 'fastify';
import { boardRoutes } from './board.js';
import { conversationRoutes } from './conversations.js';
import { interestRoutes } from './interests.js';

/** Screens of the demand-and-offer board (issue 5). The API is in api.ts. */
export async function matchingRoutes(app: FastifyInstance) {
  await app.register(boardRoutes);
  await app.register(conversationRoutes);
  await app.register(interestRoutes);
}
