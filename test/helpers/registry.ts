import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../src/platform/db/index.js';
import { auditLog } from '../../src/platform/db/schema.js';
import { jointApproaches, municipalities, participations } from '../../src/modules/registry/schema.js';
import type { ParticipationStatus } from '../../src/modules/registry/labels.js';

/** Test data helpers for the registry (municipalities, participations, joint approaches). */

export async function municipalityId(db: Db, code: string): Promise<number> {
  const [m] = await db.select({ id: municipalities.id }).from(municipalities).where(eq(municipalities.cbsCode, code));
  if (!m) throw new Error(`no municipality ${code}`);
  return m.id;
}

export async function municipalityByCode(db: Db, code: string) {
  const [m] = await db.select().from(municipalities).where(eq(municipalities.cbsCode, code));
  return m;
}

export async function addParticipation(db: Db, code: string, status: ParticipationStatus = 'active', signedOn: string | null = '2020-01-15', extra: { contactName?: string; contactEmail?: string } = {}) {
  const [p] = await db
    .insert(participations)
    .values({ municipalityId: await municipalityId(db, code), status, signedOn, ...extra })
    .returning();
  return p;
}

/** A joint approach with `primary` as primary municipality; every member gets a participation when it has none. */
export async function addJointApproach(db: Db, name: string, primary: string, members: string[]) {
  const [j] = await db.insert(jointApproaches).values({ name, primaryMunicipalityId: await municipalityId(db, primary) }).returning();
  for (const code of [primary, ...members]) {
    const id = await municipalityId(db, code);
    const [existing] = await db.select().from(participations).where(and(eq(participations.municipalityId, id), isNull(participations.deletedAt)));
    if (existing) await db.update(participations).set({ jointApproachId: j.id }).where(eq(participations.id, existing.id));
    else await db.insert(participations).values({ municipalityId: id, status: 'active', signedOn: '2021-05-01', jointApproachId: j.id });
  }
  return j;
}

export async function countRows(db: Db, table: typeof municipalities | typeof participations | typeof jointApproaches | typeof auditLog): Promise<number> {
  const [r] = await db.select({ n: sql<number>`count(*)::int` }).from(table);
  return r.n;
}

export async function lastAudit(db: Db, action?: string) {
  const [a] = await db
    .select()
    .from(auditLog)
    .where(action ? eq(auditLog.action, action) : undefined)
    .orderBy(desc(auditLog.id))
    .limit(1);
  return a;
}

/** A snapshot of a table for "nothing changed" assertions. */
export async function snapshot(db: Db, table: typeof municipalities | typeof participations | typeof jointApproaches) {
  return JSON.stringify(await db.select().from(table).orderBy(table.id));
}
