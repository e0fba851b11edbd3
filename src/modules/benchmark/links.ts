import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Db } from '../../platform/db/index.js';
import { randomToken, sha256, type FieldCipher } from '../../platform/crypto.js';
import { municipalities } from '../registry/schema.js';
import { benchmarkEditions, benchmarkInvitationMunicipalities, benchmarkInvitations, benchmarkResponses } from './schema.js';
import type { Edition } from './service.js';
import { amsterdamDate } from '../../platform/time.js';

export { amsterdamDate };

/**
 * Personal questionnaire links. The token is 256 random bits; the database keeps its SHA-256
 * (to find the invitation) and an AES-GCM copy (so a reminder repeats the same link). A link
 * works only while its edition is open and up to the end of the closing day (Amsterdam time).
 */

export const RESPONDENT_PATH = '/vragenlijst';

export function newInvitationToken(cipher: FieldCipher): { token: string; tokenHash: string; tokenEncrypted: string } {
  const token = randomToken();
  return { token, tokenHash: sha256(token), tokenEncrypted: cipher.encrypt(token) };
}

export function invitationLink(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/$/, '')}${RESPONDENT_PATH}/${token}`;
}

export type EditionWindow = 'not_open' | 'open' | 'closed';

/** Whether respondents can fill in the edition now. */
export function editionWindow(e: Pick<Edition, 'status' | 'opensOn' | 'closesOn'>, now = new Date()): EditionWindow {
  const today = amsterdamDate(now);
  if (e.status === 'draft') return 'not_open';
  if (e.status !== 'open') return 'closed';
  if (e.opensOn && today < e.opensOn) return 'not_open';
  if (e.closesOn && today > e.closesOn) return 'closed';
  return 'open';
}

export interface ResolvedInvitation {
  invitation: typeof benchmarkInvitations.$inferSelect;
  edition: Edition;
  /** The municipalities the invitation represents, primary first. */
  municipalities: { id: number; cbsCode: string; name: string }[];
  response: typeof benchmarkResponses.$inferSelect | null;
}

export type LinkState =
  | { state: 'unknown' }
  | { state: 'revoked' | 'not_open' | 'closed'; edition: Edition }
  | ({ state: 'open' } & ResolvedInvitation);

/**
 * Looks up a link. Only an open edition's valid link returns the invitation; every other case
 * returns a state without any answers, so a wrong or old link never shows someone's data.
 */
export async function resolveLink(db: Db, token: string, now = new Date()): Promise<LinkState> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return { state: 'unknown' };
  const [row] = await db
    .select({ invitation: benchmarkInvitations, edition: benchmarkEditions })
    .from(benchmarkInvitations)
    .innerJoin(benchmarkEditions, eq(benchmarkEditions.id, benchmarkInvitations.editionId))
    .where(and(eq(benchmarkInvitations.tokenHash, sha256(token)), isNull(benchmarkEditions.deletedAt)));
  if (!row) return { state: 'unknown' };
  if (row.invitation.revokedAt) return { state: 'revoked', edition: row.edition };
  const window = editionWindow(row.edition, now);
  if (window !== 'open') return { state: window, edition: row.edition };
  const [munis, [response]] = await Promise.all([
    db
      .select({ id: municipalities.id, cbsCode: municipalities.cbsCode, name: municipalities.name })
      .from(benchmarkInvitationMunicipalities)
      .innerJoin(municipalities, eq(municipalities.id, benchmarkInvitationMunicipalities.municipalityId))
      .where(eq(benchmarkInvitationMunicipalities.invitationId, row.invitation.id))
      .orderBy(asc(benchmarkInvitationMunicipalities.position)),
    db.select().from(benchmarkResponses).where(eq(benchmarkResponses.invitationId, row.invitation.id)),
  ]);
  return { state: 'open', invitation: row.invitation, edition: row.edition, municipalities: munis, response: response ?? null };
}
