import type { FastifyRequest } from 'fastify';
import type { Db } from '../../platform/db/index.js';
import { ForbiddenError, NotFoundError } from '../../platform/http/errors.js';
import { pathId } from '../../platform/http/forms.js';
import { amsterdamDate } from '../../platform/time.js';
import { getPost, isPosterSide, mayViewPost } from './posts-service.js';

/** Route guards of the board: every route that acts on one post loads it through these. */

/** Loads the post of `:id` that the user may see (board:read); anything else — unknown, removed, expired for an outsider — is 404. */
export async function viewablePost(db: Db, req: FastifyRequest) {
  const p = req.authorize('board:read');
  const id = pathId((req.params as { id: string }).id);
  const t = amsterdamDate(new Date());
  const post = await getPost(db, id);
  if (!post || !(await mayViewPost(db, p, post, t))) throw new NotFoundError();
  return { p, post, t };
}

/** A post on the user's side: 404 when they cannot see it, 403 when they can but it is not theirs. */
export async function manageablePost(db: Db, req: FastifyRequest) {
  const v = await viewablePost(db, req);
  if (!isPosterSide(v.p, v.post)) throw new ForbiddenError('Alleen wie het bericht heeft geplaatst (of een collega namens dezelfde organisatie of coalitie) kan dit doen.');
  return v;
}
