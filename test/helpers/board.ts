import { desc, eq, sql } from 'drizzle-orm';
import { createUser, seedReference, TestClient, type TestApp } from './app.js';
import { municipalityId } from './registry.js';
import { auditLog, outbox } from '../../src/platform/db/schema.js';
import { amsterdamDate } from '../../src/platform/time.js';
import { organisations } from '../../src/modules/registry/schema.js';
import { coalitions } from '../../src/modules/network/schema.js';
import { addDays } from '../../src/modules/matching/posts-service.js';
import { boardPosts } from '../../src/modules/matching/schema.js';

/** Test data for the board's integration tests (shared by the *.test.ts files of this module). */

export interface BoardSetup {
  utrecht: number;
  amsterdam: number;
  ouderenfonds: number;
  humanitas: number;
  bibliotheek: number;
  coalitionUtrecht: number;
  users: Record<'admin' | 'partner' | 'colleague' | 'humanitas' | 'coordinator' | 'coordinatorAmsterdam' | 'provider' | 'handler' | 'noRole', { id: number; email: string }>;
}

export async function setupBoard(t: TestApp, prefix: string): Promise<BoardSetup> {
  await seedReference(t.db);
  const utrecht = await municipalityId(t.db, 'GM0344');
  const amsterdam = await municipalityId(t.db, 'GM0363');
  const org = async (name: string, kind: string, municipality: number | null) =>
    (await t.db.insert(organisations).values({ name, kind, municipalityId: municipality }).returning({ id: organisations.id }))[0].id;
  const ouderenfonds = await org('Ouderenfonds', 'national_partner', null);
  const humanitas = await org('Humanitas', 'national_partner', null);
  const bibliotheek = await org('Bibliotheek Utrecht', 'education', utrecht);
  const welzijn = await org('Welzijn Utrecht', 'welfare', utrecht);
  const [{ id: coalitionUtrecht }] = await t.db.insert(coalitions).values({ name: 'Utrecht tegen eenzaamheid', municipalityId: utrecht }).returning({ id: coalitions.id });
  const mk = async (key: string, grants: Parameters<typeof createUser>[2], name: string) => {
    const email = `${prefix}-${key}@test.example`;
    const u = await createUser(t.db, email, grants, name);
    return { id: u.id, email };
  };
  const users = {
    admin: await mk('admin', [{ role: 'programme_admin' }], 'Programmateam Test'),
    partner: await mk('partner', [{ role: 'partner', organisationId: ouderenfonds }], 'Petra Partner'),
    colleague: await mk('colleague', [{ role: 'partner', organisationId: ouderenfonds }], 'Carla Collega'),
    humanitas: await mk('humanitas', [{ role: 'partner', organisationId: humanitas }], 'Hans Humanitas'),
    coordinator: await mk('coordinator', [{ role: 'municipality_coordinator', municipalityId: utrecht }], 'Koen Kartrekker'),
    coordinatorAmsterdam: await mk('coordinator-ams', [{ role: 'municipality_coordinator', municipalityId: amsterdam }], 'Anna Amsterdam'),
    provider: await mk('provider', [{ role: 'provider', organisationId: bibliotheek }], 'Bram Bibliotheek'),
    handler: await mk('handler', [{ role: 'signal_handler', organisationId: welzijn }], 'Sanne Signaal'),
    noRole: await mk('norole', [], 'Nina Zonderrol'),
  };
  return { utrecht, amsterdam, ouderenfonds, humanitas, bibliotheek, coalitionUtrecht, users };
}

export async function as(t: TestApp, email: string) {
  const c = new TestClient(t.app);
  await c.login(email);
  return c;
}

export const today = () => amsterdamDate(new Date());

/** A valid post form (override any field). */
export function postForm(over: Record<string, string | string[]> = {}): Record<string, string | string[]> {
  return {
    kind: 'offer',
    title: 'Aanbod: gratis workshop Signalen herkennen voor kassamedewerkers',
    description: 'Wij geven een workshop van anderhalf uur aan kassamedewerkers.\n\nZij leren signalen van eenzaamheid herkennen en bespreekbaar maken.',
    themes: ['signalling', 'knowledge'],
    sectors: ['business'],
    region: 'national',
    municipalityId: '',
    validUntil: addDays(today(), 60),
    ...over,
  };
}

/** Inserts a post directly (for search and expiry tests). */
export async function insertPost(t: TestApp, v: Partial<typeof boardPosts.$inferInsert> & { postedBy: number }) {
  const [row] = await t.db
    .insert(boardPosts)
    .values({ kind: 'request', title: 'Bericht', description: 'Omschrijving', themes: ['meeting'], validUntil: addDays(today(), 30), ...v })
    .returning();
  return row;
}

export const countPosts = async (t: TestApp) => (await t.db.select({ n: sql<number>`count(*)::int` }).from(boardPosts))[0].n;
export const mailsTo = (t: TestApp, email: string) => t.db.select().from(outbox).where(eq(outbox.toAddress, email)).orderBy(desc(outbox.id));
export const lastAudit = async (t: TestApp, entity: string) => (await t.db.select().from(auditLog).where(eq(auditLog.entity, entity)).orderBy(desc(auditLog.id)).limit(1))[0];
