import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { createTestApp, createUser, seedReference, type TestApp, signedIn } from '../../../test/helpers/app.js';
import { municipalityId } from '../../../test/helpers/registry.js';
import { apiKeys, auditLog, userRoles } from '../../platform/db/schema.js';
import { organisations } from '../registry/schema.js';
import { signalEvents, signalPoints, signals } from '../signals/schema.js';
import { boardMatches, boardMessages, boardPosts } from '../matching/schema.js';
import {
  branchLinks,
  coalitionMembers,
  coalitions,
  collaborationPartners,
  collaborations,
  contactMomentOrganisations,
  contactMoments,
  contactPersons,
  nationalMembers,
} from './schema.js';
import { MERGE_REFERENCES, mergeOrganisations } from './merge-service.js';
import { programmeFigures } from './figures-service.js';
import { linkFixtureBranches } from '../../../test/helpers/network.js';

let t: TestApp;
const ids: Record<string, number> = {};

const client = (email: string) => signedIn(t.app, email);
const org = async (id: number) => (await t.db.select().from(organisations).where(eq(organisations.id, id)))[0];
const snapshot = async () =>
  JSON.stringify(
    await Promise.all([
      t.db.select().from(organisations).orderBy(asc(organisations.id)),
      t.db.select().from(nationalMembers).orderBy(asc(nationalMembers.id)),
      t.db.select().from(coalitionMembers).orderBy(asc(coalitionMembers.id)),
      t.db.select().from(contactMomentOrganisations).orderBy(asc(contactMomentOrganisations.contactMomentId), asc(contactMomentOrganisations.organisationId)),
    ]),
  );

beforeAll(async () => {
  t = await createTestApp();
  const db = t.db;
  await seedReference(db);
  ids.utrecht = await municipalityId(db, 'GM0344');
  ids.amsterdam = await municipalityId(db, 'GM0363');
  const insert = async (name: string, extra: Partial<typeof organisations.$inferInsert> = {}) =>
    (await db.insert(organisations).values({ name, kind: 'national_partner', ...extra }).returning())[0].id;
  ids.keep = await insert('Humanitas', { kvkNumber: '11111111', sector: 'Welzijn' });
  ids.dup = await insert('Stichting Humanitas', { website: 'https://www.humanitas.example.nl', city: 'Amsterdam', sector: 'Zorg' });
  ids.branch = await insert('Humanitas Utrecht', { kind: 'welfare', municipalityId: ids.utrecht, parentOrganisationId: ids.dup });
  await linkFixtureBranches(t.db);
  ids.third = await insert('Zonnebloem');
  ids.fourth = await insert('Welzijn Amsterdam', { kind: 'welfare', municipalityId: ids.amsterdam });

  await db.insert(nationalMembers).values([
    { organisationId: ids.keep, sector: 'care_welfare', declarationDate: '2020-05-01', pledgedActions: 'Maatjesprojecten' },
    { organisationId: ids.dup, sector: 'care_welfare', declarationDate: '2019-03-01', pledgedActions: 'Thuisadministratie' },
  ]);
  const [cu] = await db.insert(coalitions).values({ name: 'Coalitie Utrecht', municipalityId: ids.utrecht }).returning();
  const [ca] = await db.insert(coalitions).values({ name: 'Coalitie Amsterdam', municipalityId: ids.amsterdam }).returning();
  await db.insert(coalitionMembers).values([
    { coalitionId: cu.id, organisationId: ids.dup, role: 'active', sector: 'care_welfare', startDate: '2019-01-01', endDate: '2021-01-01' },
    { coalitionId: ca.id, organisationId: ids.keep, role: 'initiator', sector: 'care_welfare', startDate: '2022-01-01' },
  ]);
  const admin = await createUser(db, 'admin@test.example', [{ role: 'programme_admin' }]);
  ids.admin = admin.id;
  await createUser(db, 'coord@test.example', [{ role: 'municipality_coordinator', municipalityId: ids.utrecht }]);
  const partnerDup = await createUser(db, 'partner.dup@test.example', [{ role: 'partner', organisationId: ids.dup }]);
  ids.partnerDup = partnerDup.id;
  // The same user holds the same role for both: one grant must remain.
  const both = await createUser(db, 'partner.both@test.example', [
    { role: 'partner', organisationId: ids.keep },
    { role: 'partner', organisationId: ids.dup },
  ]);
  ids.both = both.id;

  const cm = async (subject: string, orgs: number[]) => {
    const [m] = await db.insert(contactMoments).values({ occurredOn: '2021-04-01', kind: 'call', subject, createdBy: admin.id }).returning();
    for (const o of orgs) await db.insert(contactMomentOrganisations).values({ contactMomentId: m.id, organisationId: o });
    return m.id;
  };
  ids.cmBoth = await cm('Met beide', [ids.keep, ids.dup]);
  ids.cmDup = await cm('Met de dubbele', [ids.dup]);
  ids.cmKeep = await cm('Met de behouden', [ids.keep]);
  await db.insert(contactPersons).values({ name: 'Contact Dubbel', organisationId: ids.dup });

  const [c1] = await db.insert(collaborations).values({ title: 'Samen met beide' }).returning();
  const [c2] = await db.insert(collaborations).values({ title: 'Alleen de dubbele' }).returning();
  await db.insert(collaborationPartners).values([
    { collaborationId: c1.id, organisationId: ids.keep, role: 'Trekker' },
    { collaborationId: c1.id, organisationId: ids.dup, role: 'Trekker' },
    { collaborationId: c2.id, organisationId: ids.dup },
  ]);
  const [post] = await db.insert(boardPosts).values({ kind: 'offer', title: 'Aanbod', description: 'Tekst', validUntil: '2030-01-01', organisationId: ids.dup, postedBy: admin.id }).returning();
  await db.insert(boardMessages).values({ postId: post.id, reactorId: admin.id, reactorOrganisationId: ids.dup, fromUserId: admin.id, body: 'Hallo' });
  await db.insert(boardMatches).values({ postId: post.id, partnerOrganisationId: ids.dup, madeOn: '2024-01-01', createdBy: admin.id });
  const [sp] = await db.insert(signalPoints).values({ municipalityId: ids.utrecht, organisationId: ids.dup, name: 'Signaalpunt Humanitas' }).returning();
  const [sg] = await db
    .insert(signals)
    .values({ reference: 'SGN-TEST-0001', kind: 'worry', channel: 'form', receivedAt: new Date(), signallerType: 'neighbour', municipalityId: ids.utrecht, signalPointId: sp.id, organisationId: ids.dup })
    .returning();
  await db.insert(signalEvents).values({ signalId: sg.id, at: new Date(), kind: 'routed', organisationId: ids.dup });
  await db.insert(apiKeys).values({ name: 'App', prefix: 'ete_test00', keyHash: 'hash-merge-test', organisationId: ids.dup, actions: ['signals:submit'] });
});
afterAll(async () => t.close());

describe('MERGE_REFERENCES covers every reference to an organisation in the database', () => {
  it('lists every foreign key to organisations and every other *organisation_id column', async () => {
    const res = await t.db.execute<{ tbl: string; col: string }>(sql`
      select c.relname as tbl, a.attname as col
        from pg_constraint k
        join pg_class c on c.oid = k.conrelid
        join pg_attribute a on a.attrelid = k.conrelid and a.attnum = any(k.conkey)
       where k.contype = 'f' and k.confrelid = 'organisations'::regclass
      union
      select table_name, column_name from information_schema.columns
       where table_schema = 'public' and column_name like '%organisation_id'`);
    const known = new Set(MERGE_REFERENCES.map((r) => `${r.table}.${r.column}`));
    const found = res.rows.map((r) => `${r.tbl}.${r.col}`);
    expect(found.filter((f) => !known.has(f))).toEqual([]);
    // …and nothing listed that does not exist.
    const all = new Set(found.concat(['organisations.merged_into_id']));
    expect([...known].filter((k) => !all.has(k))).toEqual([]);
  });
});

describe('merge pages: access and preview', () => {
  it('is for the programme team only', async () => {
    const c = await client('coord@test.example');
    expect((await c.get(`/beheer/organisaties/${ids.keep}/samenvoegen`)).statusCode).toBe(403);
    const before = await snapshot();
    expect((await c.post(`/beheer/organisaties/${ids.keep}/samenvoegen`, { dubbel: String(ids.dup) })).statusCode).toBe(403);
    expect(await snapshot()).toBe(before);
  });

  it('offers the likely duplicates and a search; the organisation page links to it', async () => {
    const c = await client('admin@test.example');
    expect((await c.get(`/beheer/organisaties/${ids.keep}`)).body).toContain(`href="/beheer/organisaties/${ids.keep}/samenvoegen"`);
    const page = await c.get(`/beheer/organisaties/${ids.keep}/samenvoegen`);
    expect(page.statusCode).toBe(200);
    expect(page.body.match(/<h1/g)).toHaveLength(1);
    expect(page.body).toContain('Stichting Humanitas — Landelijk');
    expect(page.body).toContain('Humanitas Utrecht — Utrecht');
    expect(page.body).not.toContain('Zonnebloem —');
    const search = await c.get(`/beheer/organisaties/${ids.keep}/samenvoegen?q=zonne`);
    expect(search.body).toContain('Zonnebloem — Landelijk');
  });

  it('previews what moves, per table, before anything changes', async () => {
    const c = await client('admin@test.example');
    const before = await snapshot();
    const res = await c.get(`/beheer/organisaties/${ids.keep}/samenvoegen?dubbel=${ids.dup}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/Contactmomenten<\/td><td[^>]*>2</);
    expect(res.body).toMatch(/Lidmaatschappen van lokale coalities \(met hun data\)<\/td><td[^>]*>1</);
    expect(res.body).toMatch(/Signalen \(als afhandelende organisatie\)<\/td><td[^>]*>1</);
    expect(res.body).toContain('met de vroegste datum: 1 maart 2019');
    expect(res.body).toContain('aangevuld met die van Stichting Humanitas: plaats, website');
    expect(res.body).toContain('ook deze signalen');
    expect(res.body).not.toMatch(/undefined|NaN|\[object/);
    expect(await snapshot()).toBe(before);
  });

  it('refuses merging an organisation with itself, with a clear message and nothing changed', async () => {
    const c = await client('admin@test.example');
    const before = await snapshot();
    const get = await c.get(`/beheer/organisaties/${ids.keep}/samenvoegen?dubbel=${ids.keep}`);
    expect(get.statusCode).toBe(422);
    expect(get.body).toContain('niet met zichzelf samenvoegen');
    const post = await c.post(`/beheer/organisaties/${ids.keep}/samenvoegen`, { dubbel: String(ids.keep) });
    expect(post.statusCode).toBe(422);
    expect(post.body).toContain('niet met zichzelf samenvoegen');
    expect((await c.post(`/beheer/organisaties/${ids.keep}/samenvoegen`, { dubbel: 'x' })).statusCode).toBe(422);
    expect((await c.get('/beheer/organisaties/999999/samenvoegen')).statusCode).toBe(404);
    expect(await snapshot()).toBe(before);
  });
});

describe('merging keeps both histories', () => {
  it('moves every reference in one go, soft-deletes the duplicate and logs counts', async () => {
    const c = await client('admin@test.example');
    const res = await c.post(`/beheer/organisaties/${ids.keep}/samenvoegen`, { dubbel: String(ids.dup) });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/beheer/organisaties/${ids.keep}`);

    const dup = await org(ids.dup);
    expect(dup.mergedIntoId).toBe(ids.keep);
    expect(dup.deletedAt).not.toBeNull();
    const keep = await org(ids.keep);
    expect(keep).toMatchObject({ kvkNumber: '11111111', sector: 'Welzijn', website: 'https://www.humanitas.example.nl', city: 'Amsterdam', deletedAt: null });
    expect((await org(ids.branch)).parentOrganisationId).toBe(ids.keep);

    // Coalition memberships of both, with their own dates.
    const memberships = await t.db.select().from(coalitionMembers).where(eq(coalitionMembers.organisationId, ids.keep)).orderBy(asc(coalitionMembers.startDate));
    expect(memberships.map((m) => [m.role, m.startDate, m.endDate])).toEqual([
      ['active', '2019-01-01', '2021-01-01'],
      ['initiator', '2022-01-01', null],
    ]);
    // Contact moments of both appear under the kept one, none twice, none left at the duplicate.
    const links = await t.db.select().from(contactMomentOrganisations).orderBy(asc(contactMomentOrganisations.contactMomentId));
    expect(links.filter((l) => l.organisationId === ids.dup)).toEqual([]);
    expect(links.filter((l) => l.organisationId === ids.keep).map((l) => l.contactMomentId)).toEqual([ids.cmBoth, ids.cmDup, ids.cmKeep]);
    // One National Coalition membership, from the earliest declaration, with both pledges.
    const nm = await t.db.select().from(nationalMembers).where(and(eq(nationalMembers.organisationId, ids.keep), sql`${nationalMembers.deletedAt} is null`));
    expect(nm).toHaveLength(1);
    expect(nm[0]).toMatchObject({ declarationDate: '2019-03-01', leftOn: null, pledgedActions: 'Maatjesprojecten\n\nThuisadministratie' });
    expect(await t.db.select().from(nationalMembers).where(eq(nationalMembers.organisationId, ids.dup))).toEqual([]);

    // Everything else points at the kept organisation.
    for (const r of MERGE_REFERENCES) {
      const left = await t.db.execute<{ n: number }>(sql`select count(*)::int as n from ${sql.identifier(r.table)} where ${sql.identifier(r.column)} = ${ids.dup}`);
      expect(left.rows[0].n, `${r.table}.${r.column}`).toBe(0);
    }
    expect(await t.db.select().from(collaborationPartners).where(eq(collaborationPartners.organisationId, ids.keep))).toHaveLength(2);
    expect((await t.db.select().from(signals))[0].organisationId).toBe(ids.keep);
    expect((await t.db.select().from(apiKeys))[0].organisationId).toBe(ids.keep);
    const grants = await t.db.select().from(userRoles).where(eq(userRoles.userId, ids.both));
    expect(grants.map((g) => g.organisationId)).toEqual([ids.keep]);
    expect((await t.db.select().from(userRoles).where(eq(userRoles.userId, ids.partnerDup)))[0].organisationId).toBe(ids.keep);

    // The audit entry lists counts, not personal data.
    const [entry] = await t.db.select().from(auditLog).where(and(eq(auditLog.action, 'merge'), eq(auditLog.entityId, String(ids.keep)))).orderBy(desc(auditLog.id));
    expect(entry.details).toMatchObject({
      duplicateId: ids.dup,
      moved: { 'contact_moment_organisations.organisation_id': 2, 'coalition_members.organisation_id': 1, 'signals.organisation_id': 1, 'contact_persons.organisation_id': 1 },
      nationalMembership: { earliest: '2019-03-01' },
      filled: ['city', 'website'],
    });
    expect(JSON.stringify(entry.details)).not.toContain('Contact Dubbel');
    const [dupEntry] = await t.db.select().from(auditLog).where(and(eq(auditLog.action, 'merge'), eq(auditLog.entityId, String(ids.dup))));
    expect(dupEntry.details).toMatchObject({ mergedIntoId: ids.keep });

    // The figures count the membership from the duplicate's earlier declaration.
    expect((await programmeFigures(t.db, '2019-06-01')).nationalMembers.total).toBe(1);
    // The partner of the duplicate now acts for the kept organisation.
    const partner = await client('partner.dup@test.example');
    expect((await partner.get(`/beheer/organisaties/${ids.keep}`)).statusCode).toBe(200);
    expect((await partner.get(`/beheer/organisaties/${ids.dup}`)).statusCode).toBe(404);
  });

  it('refuses to merge into a merged organisation, or to merge a merged or deleted one', async () => {
    const c = await client('admin@test.example');
    const before = await snapshot();
    const into = await c.post(`/beheer/organisaties/${ids.dup}/samenvoegen`, { dubbel: String(ids.third) });
    expect(into.statusCode).toBe(422);
    expect(into.body).toContain('Stichting Humanitas is al samengevoegd met Humanitas');
    expect((await c.get(`/beheer/organisaties/${ids.dup}/samenvoegen`)).statusCode).toBe(422);
    const again = await c.post(`/beheer/organisaties/${ids.third}/samenvoegen`, { dubbel: String(ids.dup) });
    expect(again.statusCode).toBe(422);
    expect(again.body).toContain('is al samengevoegd met Humanitas');
    await t.db.update(organisations).set({ deletedAt: new Date() }).where(eq(organisations.id, ids.fourth));
    const deleted = await mergeOrganisations(t.db, { label: 'test' }, ids.third, ids.fourth);
    expect(deleted).toEqual({ ok: false, problem: 'Welzijn Amsterdam is verwijderd en kan niet meer worden samengevoegd.' });
    const intoDeleted = await mergeOrganisations(t.db, { label: 'test' }, ids.fourth, ids.third);
    expect(intoDeleted.ok).toBe(false);
    await t.db.update(organisations).set({ deletedAt: null }).where(eq(organisations.id, ids.fourth));
    expect(await snapshot()).toBe(before);
  });
});

describe('merging is refused when the memberships would not fit together', () => {
  const insertOrg = async (name: string, extra: Partial<typeof organisations.$inferInsert> = {}) =>
    (await t.db.insert(organisations).values({ name, kind: 'welfare', ...extra }).returning())[0].id;

  it('a National Coalition member is not merged into a local organisation (422, nothing changes); the other way round is fine', async () => {
    const national = await insertOrg('Landelijke Vereniging Samen', { kind: 'national_partner' });
    const local = await insertOrg('Vereniging Samen Utrecht', { municipalityId: ids.utrecht });
    await t.db.insert(nationalMembers).values({ organisationId: national, sector: 'care_welfare', declarationDate: '2021-01-01' });
    const c = await client('admin@test.example');
    const before = await snapshot();
    const preview = await c.get(`/beheer/organisaties/${local}/samenvoegen?dubbel=${national}`);
    expect(preview.statusCode).toBe(422);
    expect(preview.body).toContain('Landelijke Vereniging Samen is lid van de Nationale Coalitie tegen Eenzaamheid en Vereniging Samen Utrecht is een lokale organisatie (Utrecht)');
    expect(preview.body).toContain('Behoud de landelijke organisatie');
    const post = await c.post(`/beheer/organisaties/${local}/samenvoegen`, { dubbel: String(national) });
    expect(post.statusCode).toBe(422);
    expect(post.body).toContain('Behoud de landelijke organisatie');
    expect(await snapshot()).toBe(before);
    // Keeping the national organisation: its membership stays with it.
    expect((await c.post(`/beheer/organisaties/${national}/samenvoegen`, { dubbel: String(local) })).statusCode).toBe(303);
    expect((await org(local)).mergedIntoId).toBe(national);
    expect(await t.db.select().from(nationalMembers).where(and(eq(nationalMembers.organisationId, national), sql`${nationalMembers.deletedAt} is null`))).toHaveLength(1);
  });

  it('two members of the same coalition for overlapping periods are refused, naming the coalition; separate periods merge', async () => {
    const [coalition] = await t.db.select().from(coalitions).where(eq(coalitions.name, 'Coalitie Amsterdam'));
    const keep = await insertOrg('Buurtwerk Noord', { municipalityId: ids.amsterdam });
    const dup = await insertOrg('Stichting Buurtwerk Noord', { municipalityId: ids.amsterdam });
    const [a] = await t.db.insert(coalitionMembers).values({ coalitionId: coalition.id, organisationId: keep, role: 'active', sector: 'care_welfare', startDate: '2022-01-01' }).returning();
    const [b] = await t.db.insert(coalitionMembers).values({ coalitionId: coalition.id, organisationId: dup, role: 'informed', sector: 'care_welfare', startDate: '2020-01-01', endDate: '2022-06-01' }).returning();
    const c = await client('admin@test.example');
    const before = await snapshot();
    const preview = await c.get(`/beheer/organisaties/${keep}/samenvoegen?dubbel=${dup}`);
    expect(preview.statusCode).toBe(422);
    expect(preview.body).toContain('allebei lid van de lokale coalitie Coalitie Amsterdam (GM0363)');
    const refused = await mergeOrganisations(t.db, { label: 'test' }, keep, dup);
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.problem).toContain('verwijder het dubbel ingevoerde lidmaatschap, of beëindig een van beide');
    expect(await snapshot()).toBe(before);
    // The duplicate's membership ended the day the kept one's began (the end date is exclusive): both histories fit, the merge goes ahead.
    await t.db.update(coalitionMembers).set({ endDate: '2022-01-01' }).where(eq(coalitionMembers.id, b.id));
    expect((await c.post(`/beheer/organisaties/${keep}/samenvoegen`, { dubbel: String(dup) })).statusCode).toBe(303);
    const rows = await t.db.select().from(coalitionMembers).where(inArray(coalitionMembers.id, [a.id, b.id])).orderBy(asc(coalitionMembers.startDate));
    expect(rows.map((r) => [r.organisationId, r.role, r.startDate, r.endDate])).toEqual([
      [keep, 'informed', '2020-01-01', '2022-01-01'],
      [keep, 'active', '2022-01-01', null],
    ]);
  });

  it('branch links follow the merge: one dated link per organisation, never a link to itself, two different parents refused', async () => {
    const national = await insertOrg('Supermarkt Landelijk');
    const other = await insertOrg('Bank Landelijk');
    const links = async (organisationId: number) =>
      t.db.select().from(branchLinks).where(and(eq(branchLinks.organisationId, organisationId), isNull(branchLinks.deletedAt))).orderBy(asc(branchLinks.linkedOn));
    const local = async (name: string) => insertOrg(name, { kind: 'business', municipalityId: ids.utrecht });
    const link = async (organisationId: number, parent: number, linkedOn: string, open = true) => {
      await t.db.insert(branchLinks).values({ organisationId, parentOrganisationId: parent, linkedOn, unlinkedOn: open ? null : '2021-01-01' });
      if (open) await t.db.update(organisations).set({ parentOrganisationId: parent }).where(eq(organisations.id, organisationId));
    };
    const c = await client('admin@test.example');

    // The same store registered twice, both linked to the same chain: one open link remains, from the earlier date.
    const a = await local('Supermarkt Oudwijk');
    const b = await local('Supermarkt Oudwijk (dubbel)');
    await link(a, national, '2022-01-01');
    await link(b, national, '2020-05-01');
    expect((await c.post(`/beheer/organisaties/${a}/samenvoegen`, { dubbel: String(b) })).statusCode).toBe(303);
    expect((await links(a)).map((l) => [l.parentOrganisationId, l.linkedOn, l.unlinkedOn])).toEqual([[national, '2020-05-01', null]]);
    expect((await org(a)).parentOrganisationId).toBe(national);

    // The duplicate was a branch and the kept one was not: the kept one becomes the branch, with the duplicate's dates.
    const k = await local('Bakkerij Hoek');
    const d = await local('Bakkerij Hoek BV');
    await link(d, national, '2019-09-01');
    expect((await c.post(`/beheer/organisaties/${k}/samenvoegen`, { dubbel: String(d) })).statusCode).toBe(303);
    expect((await links(k)).map((l) => [l.parentOrganisationId, l.linkedOn])).toEqual([[national, '2019-09-01']]);
    expect((await org(k)).parentOrganisationId).toBe(national);

    // Two different parents today: refused, nothing changes.
    const x = await local('Winkel Centrum');
    const y = await local('Winkel Centrum Utrecht');
    await link(x, national, '2021-01-01');
    await link(y, other, '2021-01-01');
    const before = JSON.stringify(await t.db.select().from(branchLinks).orderBy(asc(branchLinks.id)));
    const refused = await c.post(`/beheer/organisaties/${x}/samenvoegen`, { dubbel: String(y) });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('vestigingen van twee verschillende landelijke organisaties');
    expect(JSON.stringify(await t.db.select().from(branchLinks).orderBy(asc(branchLinks.id)))).toBe(before);

    // A national organisation merged with its own branch: that link is corrected away, the branch's other history moves.
    const branchOfOther = await local('Bank Landelijk Utrecht');
    await link(branchOfOther, other, '2020-01-01');
    expect((await c.post(`/beheer/organisaties/${other}/samenvoegen`, { dubbel: String(branchOfOther) })).statusCode).toBe(303);
    expect(await links(other)).toEqual([]);
    expect((await org(other)).parentOrganisationId).toBeNull();
    expect((await links(y)).map((l) => l.parentOrganisationId)).toEqual([other]);

    // The invariant the app keeps: today's column is the open link, for every organisation.
    const drift = await t.db.execute(sql`
      select o.id from organisations o
        left join branch_links bl on bl.organisation_id = o.id and bl.unlinked_on is null and bl.deleted_at is null
       where o.deleted_at is null and o.parent_organisation_id is distinct from bl.parent_organisation_id`);
    expect(drift.rows).toEqual([]);
  });

  it('a partner removed from a collaboration on one side does not make the current partnership of the other side disappear', async () => {
    const k = await insertOrg('Vrijwilligerscentrale Oost', { municipalityId: ids.amsterdam });
    const d = await insertOrg('Vrijwilligerscentrale Oost (dubbel)', { municipalityId: ids.amsterdam });
    const [x] = await t.db.insert(collaborations).values({ title: 'Samen koken' }).returning();
    await t.db.insert(collaborationPartners).values([
      { collaborationId: x.id, organisationId: k, role: 'eerder', deletedAt: new Date() },
      { collaborationId: x.id, organisationId: d, role: 'uitvoerder' },
    ]);
    expect((await mergeOrganisations(t.db, { label: 'test' }, k, d)).ok).toBe(true);
    const rows = await t.db.select().from(collaborationPartners).where(eq(collaborationPartners.collaborationId, x.id)).orderBy(asc(collaborationPartners.id));
    expect(rows.map((r) => [r.organisationId, r.role, r.deletedAt === null])).toEqual([
      [k, 'eerder', false],
      [k, 'uitvoerder', true],
    ]);
  });

  it('refuses a merge that would make one organisation a branch of two national organisations in the same period', async () => {
    const chainA = await insertOrg('Keten A', { kind: 'business' });
    const chainB = await insertOrg('Keten B', { kind: 'business' });
    const k = await insertOrg('Winkel Plein', { kind: 'business', municipalityId: ids.amsterdam });
    const d = await insertOrg('Winkel Plein BV', { kind: 'business', municipalityId: ids.amsterdam });
    await t.db.insert(branchLinks).values([
      { organisationId: k, parentOrganisationId: chainA, linkedOn: '2020-01-01', unlinkedOn: '2022-01-01' },
      { organisationId: d, parentOrganisationId: chainB, linkedOn: '2021-06-01', unlinkedOn: '2023-01-01' },
    ]);
    const refused = await mergeOrganisations(t.db, { label: 'test' }, k, d);
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.problem).toContain('in dezelfde periode vestiging van twee verschillende landelijke organisaties (Keten A en Keten B)');
    // Periods that follow each other fit: the merge goes ahead and both links move to the kept one.
    await t.db.update(branchLinks).set({ linkedOn: '2022-01-01' }).where(eq(branchLinks.organisationId, d));
    expect((await mergeOrganisations(t.db, { label: 'test' }, k, d)).ok).toBe(true);
    expect((await t.db.select().from(branchLinks).where(eq(branchLinks.organisationId, k))).map((l) => l.parentOrganisationId).sort()).toEqual([chainA, chainB].sort());
  });
});

