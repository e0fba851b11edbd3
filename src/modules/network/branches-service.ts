import { and, asc, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/index.js';
import { audit, type AuditContext } from '../../platform/audit.js';
import { municipalities, organisations } from '../registry/schema.js';
import { nlDate } from '../registry/ui.js';
import { branchLinks } from './schema.js';

/**
 * Branch links with their history (issue 5 points 2 and 8). A local organisation (a store, an
 * office, a local department) is a branch of a national organisation from `linked_on` up to,
 * not including, `unlinked_on`. The programme figure "National Coalition members present in local
 * coalitions" at a date asks which links held on that date, so the link is dated like every other
 * fact the figures count.
 *
 * organisations.parent_organisation_id is the link of today (the open row), kept because screens,
 * scopes and the board join on it. This file is the ONLY writer of both: setBranchParent() changes
 * them in the caller's transaction, so they cannot drift apart (a test checks the invariant).
 */

export type BranchResult = { ok: true } | { ok: false; error: string };

interface OpenLink {
  id: number;
  parentOrganisationId: number;
  linkedOn: string;
}

async function openLink(t: Db, organisationId: number): Promise<OpenLink | null> {
  const [row] = await t
    .select({ id: branchLinks.id, parentOrganisationId: branchLinks.parentOrganisationId, linkedOn: branchLinks.linkedOn })
    .from(branchLinks)
    .where(and(eq(branchLinks.organisationId, organisationId), isNull(branchLinks.unlinkedOn), isNull(branchLinks.deletedAt)))
    .for('update');
  return row ?? null;
}

/**
 * Makes `organisationId` a branch of `parentId` from `date` on, or (parentId null) ends its link
 * on `date`. Runs inside the caller's transaction (`t`); the caller checks who may do it and that
 * the organisations exist. An existing link to another parent is ended on the same date. A date
 * before the open link began is refused: history is not rewritten by a later link (correct the
 * mistaken link instead, see correctBranchLink).
 */
export async function setBranchParent(
  t: Db,
  actx: AuditContext,
  organisationId: number,
  parentId: number | null,
  date: string,
  details: Record<string, unknown> = {},
): Promise<BranchResult> {
  if (parentId === organisationId) return { ok: false, error: 'Een organisatie kan geen vestiging van zichzelf zijn.' };
  if (parentId != null) {
    // One parent at a time, also in the past: a new link cannot begin while an earlier (ended) one still held.
    const [ended] = await t
      .select({ unlinkedOn: branchLinks.unlinkedOn, parent: organisations.name })
      .from(branchLinks)
      .innerJoin(organisations, eq(organisations.id, branchLinks.parentOrganisationId))
      .where(and(eq(branchLinks.organisationId, organisationId), isNull(branchLinks.deletedAt), sql`${branchLinks.unlinkedOn} > ${date}`))
      .orderBy(desc(branchLinks.unlinkedOn))
      .limit(1);
    if (ended)
      return {
        ok: false,
        error: `Tot ${nlDate(ended.unlinkedOn!)} was de organisatie een vestiging van ${ended.parent}. Kies ${nlDate(ended.unlinkedOn!)} of een latere datum, of corrigeer die eerdere koppeling als die onjuist was.`,
      };
  }
  const open = await openLink(t, organisationId);
  if (open && open.parentOrganisationId === parentId) return { ok: true };
  if (open) {
    if (date < open.linkedOn)
      return {
        ok: false,
        error: `De koppeling bestaat sinds ${nlDate(open.linkedOn)}. Kies die datum of een latere, of corrigeer de koppeling als die onjuist was.`,
      };
    await t.update(branchLinks).set({ unlinkedOn: date }).where(eq(branchLinks.id, open.id));
  }
  if (parentId != null) await t.insert(branchLinks).values({ organisationId, parentOrganisationId: parentId, linkedOn: date, createdBy: actx.principal?.kind === 'user' ? actx.principal.id : null });
  await t.update(organisations).set({ parentOrganisationId: parentId, updatedAt: new Date() }).where(eq(organisations.id, organisationId));
  await audit(t, actx, {
    action: 'update',
    entity: 'organisation',
    entityId: organisationId,
    details: parentId != null
      ? { change: 'branch_linked', parentOrganisationId: parentId, linkedOn: date, previousParentId: open?.parentOrganisationId ?? null, ...details }
      : { change: 'branch_unlinked', parentOrganisationId: open?.parentOrganisationId ?? null, unlinkedOn: date, ...details },
  });
  return { ok: true };
}

/**
 * Corrects a link that was a mistake: the row is soft-deleted (it never counts, at any date) and,
 * when it was today's link, the organisation has no parent any more. Audit-logged.
 */
export async function correctBranchLink(t: Db, actx: AuditContext, linkId: number, details: Record<string, unknown> = {}): Promise<boolean> {
  const [row] = await t
    .update(branchLinks)
    .set({ deletedAt: new Date() })
    .where(and(eq(branchLinks.id, linkId), isNull(branchLinks.deletedAt)))
    .returning();
  if (!row) return false;
  if (row.unlinkedOn == null)
    await t
      .update(organisations)
      .set({ parentOrganisationId: null, updatedAt: new Date() })
      .where(and(eq(organisations.id, row.organisationId), eq(organisations.parentOrganisationId, row.parentOrganisationId)));
  await audit(t, actx, {
    action: 'delete',
    entity: 'branch_link',
    entityId: row.id,
    details: { organisationId: row.organisationId, parentOrganisationId: row.parentOrganisationId, linkedOn: row.linkedOn, unlinkedOn: row.unlinkedOn, ...details },
  });
  return true;
}

/** Today's open link of a branch to `parentId` (for the unlink form), or null. */
export async function currentLink(db: Db, organisationId: number, parentId: number) {
  const [row] = await db
    .select({ id: branchLinks.id, linkedOn: branchLinks.linkedOn })
    .from(branchLinks)
    .where(
      and(
        eq(branchLinks.organisationId, organisationId),
        eq(branchLinks.parentOrganisationId, parentId),
        isNull(branchLinks.unlinkedOn),
        isNull(branchLinks.deletedAt),
      ),
    );
  return row ?? null;
}

/** Every link (open and ended, not corrected) to `parentId`: the history table of a member's branches. */
export async function branchHistory(db: Db, parentId: number) {
  return db
    .select({
      id: branchLinks.id,
      organisationId: organisations.id,
      name: organisations.name,
      municipalityName: municipalities.name,
      linkedOn: branchLinks.linkedOn,
      unlinkedOn: branchLinks.unlinkedOn,
    })
    .from(branchLinks)
    .innerJoin(organisations, eq(organisations.id, branchLinks.organisationId))
    .leftJoin(municipalities, eq(municipalities.id, organisations.municipalityId))
    .where(and(eq(branchLinks.parentOrganisationId, parentId), isNull(branchLinks.deletedAt), isNull(organisations.deletedAt)))
    .orderBy(desc(sql`${branchLinks.unlinkedOn} is null`), asc(organisations.name), desc(branchLinks.linkedOn));
}
