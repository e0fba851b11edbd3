import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import { createTestApp, createUser, seedReference, type TestApp, signedIn } from '../../../test/helpers/app.js';
import { municipalityId } from '../../../test/helpers/registry.js';
import { auditLog } from '../../platform/db/schema.js';
import { amsterdamDate } from '../../platform/time.js';
import { organisations } from '../registry/schema.js';
import { branchLinks, coalitionMembers, coalitions, nationalMembers } from './schema.js';
import { FUTURE_MSG } from './coalitions-service.js';
import { linkFixtureBranches } from '../../../test/helpers/network.js';

let t: TestApp;
const ids: Record<string, number> = {};
const TODAY = amsterdamDate(new Date());
const TOMORROW = (() => {
  const d = new Date(`${TODAY}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
})();

const client = (email: string) => signedIn(t.app, email);

const counts = async () => {
  const [[m], [o]] = await Promise.all([
    t.db.select({ n: sql<number>`count(*)::int` }).from(nationalMembers),
    t.db.select({ n: sql<number>`count(*)::int` }).from(organisations),
  ]);
  return { members: m.n, organisations: o.n };
};
const memberOf = async (organisationId: number) =>
  (await t.db.select().from(nationalMembers).where(and(eq(nationalMembers.organisationId, organisationId), isNull(nationalMembers.deletedAt))))[0];
const lastAudit = async (entity: string, action: string) =>
  (await t.db.select().from(auditLog).where(and(eq(auditLog.entity, entity), eq(auditLog.action, action))).orderBy(desc(auditLog.id)).limit(1))[0];

beforeAll(async () => {
  t = await createTestApp();
  await seedReference(t.db);
  ids.utrecht = await municipalityId(t.db, 'GM0344');
  ids.zwolle = await municipalityId(t.db, 'GM0193');
  const org = async (name: string, municipality: number | null, extra: Partial<typeof organisations.$inferInsert> = {}) =>
    (await t.db.insert(organisations).values({ name, kind: 'national_partner', municipalityId: municipality, ...extra }).returning())[0].id;
  ids.fonds = await org('Ouderenfonds', null);
  ids.bank = await org('Bank Voorbeeld', null, { kvkNumber: '33000001' });
  ids.loose = await org('Sportbond Nederland', null);
  ids.local = await org('Buurthuis De Ster', ids.utrecht, { kind: 'welfare' });
  ids.branchUtrecht = await org('Bank Voorbeeld Utrecht', ids.utrecht, { kind: 'business', parentOrganisationId: ids.bank });
  ids.branchZwolle = await org('Bank Voorbeeld Zwolle', ids.zwolle, { kind: 'business', parentOrganisationId: ids.bank });
  await linkFixtureBranches(t.db);
  ids.fondsMember = (await t.db.insert(nationalMembers).values({ organisationId: ids.fonds, sector: 'funds', declarationDate: '2018-06-01', pledgedActions: 'Zilverlijn' }).returning())[0].id;
  ids.bankMember = (await t.db.insert(nationalMembers).values({ organisationId: ids.bank, sector: 'business', declarationDate: '2019-03-01' }).returning())[0].id;
  // Coalitions in Utrecht and Zwolle: the bank's Utrecht branch is a member now, its Zwolle branch left in 2022.
  const [cu] = await t.db.insert(coalitions).values({ name: 'Utrecht tegen eenzaamheid', municipalityId: ids.utrecht }).returning();
  const [cz] = await t.db.insert(coalitions).values({ name: 'Zwolle samen', municipalityId: ids.zwolle }).returning();
  await t.db.insert(coalitionMembers).values([
    { coalitionId: cu.id, organisationId: ids.branchUtrecht, role: 'active', sector: 'financial', startDate: '2021-01-01' },
    { coalitionId: cz.id, organisationId: ids.branchZwolle, role: 'active', sector: 'financial', startDate: '2020-01-01', endDate: '2022-01-01' },
    { coalitionId: cz.id, organisationId: ids.fonds, role: 'informed', sector: 'self_organisations', startDate: '2020-01-01' },
  ]);
  await createUser(t.db, 'admin@test.example', [{ role: 'programme_admin' }]);
  await createUser(t.db, 'partner.fonds@test.example', [{ role: 'partner', organisationId: ids.fonds }]);
  await createUser(t.db, 'coord@test.example', [{ role: 'municipality_coordinator', municipalityId: ids.utrecht }]);
  await createUser(t.db, 'visitor@test.example', [{ role: 'visitor', organisationId: ids.local }]);
  await createUser(t.db, 'noroles@test.example', []);
});
afterAll(async () => t.close());

describe('National Coalition: list and member page', () => {
  it('shows the members to every role, with branches and presence in local coalitions (branches count)', async () => {
    for (const email of ['admin@test.example', 'coord@test.example', 'visitor@test.example', 'partner.fonds@test.example']) {
      const c = await client(email);
      const res = await c.get('/nationale-coalitie');
      expect(res.statusCode, email).toBe(200);
      expect(res.body).toContain('Ouderenfonds');
      expect(res.body).toContain('Bank Voorbeeld');
    }
    const c = await client('coord@test.example');
    const page = await c.get(`/nationale-coalitie/${ids.bankMember}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Bank Voorbeeld Utrecht');
    expect(page.body).toContain('Bank Voorbeeld Zwolle');
    // The Utrecht branch is in a coalition today; the Zwolle branch left in 2022.
    const presence = page.body.split('Aanwezig in lokale coalities</h2>')[1];
    expect(presence).toContain('Bank Voorbeeld Utrecht (vestiging)');
    expect(presence).not.toContain('Zwolle samen');
    expect(page.body).toMatch(/<dt>Aanwezig in lokale coalities<\/dt><dd>1<\/dd>/);
    expect(page.body).toMatch(/<dt>Lokale vestigingen<\/dt><dd>2<\/dd>/);
    // A coordinator sees no edit buttons.
    expect(page.body).not.toContain('Toezeggingen wijzigen');
    const noRoles = await client('noroles@test.example');
    expect((await noRoles.get('/nationale-coalitie')).statusCode).toBe(403);
    expect((await c.get('/nationale-coalitie/999999')).statusCode).toBe(404);
  });

  it('filters by sector and exports (audit-logged)', async () => {
    const c = await client('coord@test.example');
    const funds = await c.get('/nationale-coalitie?sector=funds');
    expect(funds.body).toContain('Ouderenfonds');
    expect(funds.body).not.toContain('Bank Voorbeeld');
    const csv = await c.get('/nationale-coalitie/export?formaat=csv');
    expect(csv.statusCode).toBe(200);
    expect(csv.body).toContain('organisation_name,kvk_number,sector');
    expect(csv.body).toMatch(/Bank Voorbeeld,33000001,business,Bedrijfsleven,2019-03-01,,,,2,1/);
    expect((await lastAudit('national_member', 'export')).details).toMatchObject({ rows: 2 });
  });
});

describe('National Coalition: upkeep by the programme team', () => {
  it('adds an existing national organisation as a member', async () => {
    const c = await client('admin@test.example');
    const form = await c.get('/nationale-coalitie/nieuw');
    expect(form.body).toContain(`<option value="${ids.loose}">Sportbond Nederland</option>`);
    expect(form.body).not.toContain(`<option value="${ids.fonds}">`); // already a member
    const res = await c.post('/nationale-coalitie/nieuw', { bron: 'bestaand', organisationId: String(ids.loose), sector: 'sport', declarationDate: '15-09-2020', pledgedActions: 'Walking football' });
    expect(res.statusCode).toBe(303);
    const m = await memberOf(ids.loose);
    expect(m).toMatchObject({ sector: 'sport', declarationDate: '2020-09-15', pledgedActions: 'Walking football' });
    expect((await lastAudit('national_member', 'create')).entityId).toBe(String(m.id));
  });

  it('shows a duplicate (name or KvK) instead of creating a second organisation', async () => {
    const c = await client('admin@test.example');
    const before = await counts();
    const byName = await c.post('/nationale-coalitie/nieuw', { bron: 'nieuw', newName: 'ouderenfonds', sector: 'funds', declarationDate: '2020-01-01' });
    expect(byName.statusCode).toBe(422);
    expect(byName.body).toContain('Er is al een organisatie met deze naam (landelijk): Ouderenfonds');
    const byKvk = await c.post('/nationale-coalitie/nieuw', { bron: 'nieuw', newName: 'Voorbeeldbank', newKvk: '33000001', sector: 'business', declarationDate: '2020-01-01' });
    expect(byKvk.statusCode).toBe(422);
    expect(byKvk.body).toContain('Er is al een organisatie met dit KvK-nummer: Bank Voorbeeld');
    // A national organisation in the register that is not yet a member is offered instead.
    await t.db.insert(organisations).values({ name: 'Stichting Cultuur Verbindt', kind: 'national_partner' });
    const offered = await c.post('/nationale-coalitie/nieuw', { bron: 'nieuw', newName: 'Stichting cultuur verbindt', sector: 'culture', declarationDate: '2021-01-01' });
    expect(offered.statusCode).toBe(422);
    expect(offered.body).toContain('staat al in het register');
    expect(offered.body).toMatch(/value="bestaand" checked/);
    expect(offered.body).toContain('value="2021-01-01"');
    expect((await counts()).members).toBe(before.members);
    expect((await counts()).organisations).toBe(before.organisations + 1); // only the one inserted directly above
  });

  it('creates a new national organisation with its membership, and refuses bad input', async () => {
    const c = await client('admin@test.example');
    const before = await counts();
    const bad = await c.post('/nationale-coalitie/nieuw', { bron: 'nieuw', newName: '', newKvk: '123', newWebsite: 'www.x', sector: 'onbekend', declarationDate: TOMORROW });
    expect(bad.statusCode).toBe(422);
    for (const msg of ['Vul de naam van de organisatie in.', 'Een KvK-nummer bestaat uit precies 8 cijfers', 'Vul een volledig webadres in', 'Kies de sector van de organisatie.'])
      expect(bad.body).toContain(msg);
    const future = await c.post('/nationale-coalitie/nieuw', { bron: 'nieuw', newName: 'Omroep Samen', sector: 'media', declarationDate: TOMORROW });
    expect(future.statusCode).toBe(422);
    expect(future.body).toContain(FUTURE_MSG);
    const local = await c.post('/nationale-coalitie/nieuw', { bron: 'bestaand', organisationId: String(ids.local), sector: 'care_welfare', declarationDate: '2020-01-01' });
    expect(local.statusCode).toBe(422);
    expect(local.body).toContain('is een lokale organisatie');
    expect(await counts()).toEqual(before);
    const ok = await c.post('/nationale-coalitie/nieuw', { bron: 'nieuw', newName: 'Omroep Samen', newWebsite: 'https://omroep-samen.example.nl', sector: 'media', declarationDate: '2022-02-02' });
    expect(ok.statusCode).toBe(303);
    const [o] = await t.db.select().from(organisations).where(eq(organisations.name, 'Omroep Samen'));
    expect(o).toMatchObject({ kind: 'national_partner', municipalityId: null, website: 'https://omroep-samen.example.nl' });
    expect((await memberOf(o.id)).sector).toBe('media');
  });

  it('records leaving (not before the declaration, not in the future) and lists the member under "vertrokken"', async () => {
    const c = await client('admin@test.example');
    const id = (await memberOf(ids.loose)).id;
    const early = await c.post(`/nationale-coalitie/${id}/vertrek`, { leftOn: '2019-01-01' });
    expect(early.statusCode).toBe(422);
    expect(early.body).toContain('kan niet voor de intentieverklaring (15 september 2020) liggen');
    expect((await c.post(`/nationale-coalitie/${id}/vertrek`, { leftOn: TOMORROW })).statusCode).toBe(422);
    expect((await memberOf(ids.loose)).leftOn).toBeNull();
    const done = await c.post(`/nationale-coalitie/${id}/vertrek`, { leftOn: '2023-06-30' });
    expect(done.statusCode).toBe(303);
    expect((await c.get(done.headers.location as string)).body).toContain('Het vertrek van Sportbond Nederland is vastgelegd.');
    expect((await memberOf(ids.loose)).leftOn).toBe('2023-06-30');
    expect((await c.get('/nationale-coalitie')).body).not.toContain('Sportbond Nederland');
    const left = await c.get('/nationale-coalitie?status=vertrokken');
    expect(left.body).toContain('Sportbond Nederland');
    expect(left.body).toContain('Vertrokken per 30 juni 2023');
  });

  it('soft-deletes a member registered by mistake, with an audit entry', async () => {
    const c = await client('admin@test.example');
    const [o] = await t.db.select().from(organisations).where(eq(organisations.name, 'Omroep Samen'));
    const m = await memberOf(o.id);
    const done = await c.post(`/nationale-coalitie/${m.id}/verwijderen`);
    expect(done.statusCode).toBe(303);
    expect((await c.get(done.headers.location as string)).body).toContain('Het lidmaatschap van Omroep Samen is verwijderd.');
    const [raw] = await t.db.select().from(nationalMembers).where(eq(nationalMembers.id, m.id));
    expect(raw.deletedAt).not.toBeNull();
    expect((await lastAudit('national_member', 'delete')).entityId).toBe(String(m.id));
    expect((await c.get('/nationale-coalitie?status=alle')).body).not.toContain('Omroep Samen');
    expect((await c.get(`/nationale-coalitie/${m.id}`)).statusCode).toBe(404);
  });

  it('links, creates and unlinks local branches; duplicates are refused', async () => {
    const c = await client('admin@test.example');
    const base = `/nationale-coalitie/${ids.fondsMember}`;
    // A branch of another member cannot be taken over.
    const taken = await c.post(`${base}/vestigingen/koppelen`, { organisationId: String(ids.branchUtrecht), linkedOn: '2024-01-01' });
    expect(taken.statusCode).toBe(422);
    expect(taken.body).toContain('is al een vestiging van Bank Voorbeeld');
    expect((await c.get(`${base}/vestigingen/koppelen`)).body).not.toContain('Buurthuis De Ster');
    const found = await c.get(`${base}/vestigingen/koppelen?zoek=ster`);
    expect(found.body).toContain(`<option value="${ids.local}">Buurthuis De Ster (Utrecht)</option>`);
    expect(found.body).not.toContain('Bank Voorbeeld Utrecht'); // already a branch of another member
    // The date the link began is asked for: missing or in the future is refused, nothing changes.
    for (const [linkedOn, message] of [
      ['', 'Vul de datum in vanaf wanneer de organisatie een vestiging is.'],
      ['2999-01-01', 'Deze datum ligt in de toekomst.'],
    ]) {
      const bad = await c.post(`${base}/vestigingen/koppelen`, { organisationId: String(ids.local), linkedOn });
      expect(bad.statusCode).toBe(422);
      expect(bad.body).toContain(message);
      expect(bad.body).toContain('href="#veld-linkedOn"');
    }
    expect((await t.db.select().from(organisations).where(eq(organisations.id, ids.local)))[0].parentOrganisationId).toBeNull();
    expect(await t.db.select().from(branchLinks).where(eq(branchLinks.organisationId, ids.local))).toEqual([]);
    expect((await c.post(`${base}/vestigingen/koppelen`, { organisationId: String(ids.local), linkedOn: '21-03-2022' })).statusCode).toBe(303);
    const [linked] = await t.db.select().from(organisations).where(eq(organisations.id, ids.local));
    expect(linked.parentOrganisationId).toBe(ids.fonds);
    expect(await t.db.select().from(branchLinks).where(eq(branchLinks.organisationId, ids.local))).toMatchObject([
      { parentOrganisationId: ids.fonds, linkedOn: '2022-03-21', unlinkedOn: null, deletedAt: null },
    ]);
    expect((await lastAudit('organisation', 'update')).details).toMatchObject({ change: 'branch_linked', linkedOn: '2022-03-21' });
    const dup = await c.post(`${base}/vestigingen/nieuw`, { name: 'Buurthuis de Ster', municipalityId: String(ids.utrecht), kind: 'welfare', linkedOn: '2024-01-01' });
    expect(dup.statusCode).toBe(422);
    expect(dup.body).toContain('Er is al een organisatie met deze naam in Utrecht');
    const created = await c.post(`${base}/vestigingen/nieuw`, { name: 'Ouderenfonds Zwolle', municipalityId: String(ids.zwolle), kind: 'volunteer', linkedOn: '2023-05-01' });
    expect(created.statusCode).toBe(303);
    const [z] = await t.db.select().from(organisations).where(eq(organisations.name, 'Ouderenfonds Zwolle'));
    expect(z).toMatchObject({ municipalityId: ids.zwolle, parentOrganisationId: ids.fonds });
    expect(await t.db.select().from(branchLinks).where(eq(branchLinks.organisationId, z.id))).toMatchObject([{ parentOrganisationId: ids.fonds, linkedOn: '2023-05-01' }]);

    // Unlinking asks what happened. Ending before the link began is refused; nothing changes.
    const unlink = `${base}/vestigingen/${ids.local}/ontkoppelen`;
    const form = await c.get(unlink);
    expect(form.body).toContain('sinds 21 maart 2022 een vestiging');
    const none = await c.post(unlink, {});
    expect(none.statusCode).toBe(422);
    expect(none.body).toContain('Kies of de vestiging is gestopt of dat de koppeling onjuist was.');
    const early = await c.post(unlink, { outcome: 'ended', unlinkedOn: '2021-01-01' });
    expect(early.statusCode).toBe(422);
    expect(early.body).toContain('De koppeling bestaat sinds 21 maart 2022');
    expect((await t.db.select().from(organisations).where(eq(organisations.id, ids.local)))[0].parentOrganisationId).toBe(ids.fonds);
    // Ended on a date: the history stays, the organisation is no branch any more.
    expect((await c.post(unlink, { outcome: 'ended', unlinkedOn: '2024-02-01' })).statusCode).toBe(303);
    expect((await t.db.select().from(organisations).where(eq(organisations.id, ids.local)))[0].parentOrganisationId).toBeNull();
    expect(await t.db.select().from(branchLinks).where(eq(branchLinks.organisationId, ids.local))).toMatchObject([{ linkedOn: '2022-03-21', unlinkedOn: '2024-02-01', deletedAt: null }]);
    expect((await lastAudit('organisation', 'update')).details).toMatchObject({ change: 'branch_unlinked', unlinkedOn: '2024-02-01' });
    // One parent at a time, also in the past: another member cannot claim it for a period it was still the fund's.
    const overlap = await c.post(`/nationale-coalitie/${ids.bankMember}/vestigingen/koppelen`, { organisationId: String(ids.local), linkedOn: '2023-01-01' });
    expect(overlap.statusCode).toBe(422);
    expect(overlap.body).toContain('Tot 1 februari 2024 was de organisatie een vestiging van Ouderenfonds');
    expect(await t.db.select().from(branchLinks).where(eq(branchLinks.organisationId, ids.local))).toHaveLength(1);
    const page = await c.get(base);
    expect(page.body).toContain('Geschiedenis van de vestigingen');
    expect(page.body).toMatch(/Buurthuis De Ster[\s\S]*21 maart 2022[\s\S]*1 februari 2024/);
    // A mistaken link is corrected: it never counted, and the member page no longer lists it.
    expect((await c.post(`${base}/vestigingen/${z.id}/ontkoppelen`, { outcome: 'mistake' })).statusCode).toBe(303);
    const [corrected] = await t.db.select().from(branchLinks).where(eq(branchLinks.organisationId, z.id));
    expect(corrected.deletedAt).not.toBeNull();
    expect((await t.db.select().from(organisations).where(eq(organisations.id, z.id)))[0].parentOrganisationId).toBeNull();
    expect((await lastAudit('branch_link', 'delete')).details).toMatchObject({ organisationId: z.id, parentOrganisationId: ids.fonds });
    expect((await c.get(base)).body).not.toContain('Ouderenfonds Zwolle');
    // Unlinking someone else's branch through this member, or one no longer linked, is 404.
    expect((await c.post(`${base}/vestigingen/${ids.branchUtrecht}/ontkoppelen`, { outcome: 'mistake' })).statusCode).toBe(404);
    expect((await c.get(unlink)).statusCode).toBe(404);
    expect((await t.db.select().from(branchLinks).where(eq(branchLinks.organisationId, ids.branchUtrecht)))[0].deletedAt).toBeNull();
  });
});

describe('National Coalition: a partner keeps its own profile', () => {
  it('edits its own pledged actions and branches, but nothing else and not another member', async () => {
    const c = await client('partner.fonds@test.example');
    const own = `/nationale-coalitie/${ids.fondsMember}`;
    const page = await c.get(own);
    expect(page.body).toContain('Toezeggingen wijzigen');
    expect(page.body).not.toContain('Vertrek vastleggen');
    const tooLong = await c.post(`${own}/toezeggingen`, { pledgedActions: 'x'.repeat(4001) });
    expect(tooLong.statusCode).toBe(422);
    expect(tooLong.body).toContain('hoogstens 4000 tekens');
    expect((await memberOf(ids.fonds)).pledgedActions).toBe('Zilverlijn');
    const res = await c.post(`${own}/toezeggingen`, { pledgedActions: 'De Zilverlijn belt wekelijks.\nVakantieweken voor ouderen.' });
    expect(res.statusCode).toBe(303);
    expect((await memberOf(ids.fonds)).pledgedActions).toBe('De Zilverlijn belt wekelijks.\nVakantieweken voor ouderen.');
    const shown = await c.get(own);
    expect(shown.body).toContain('<p class="utrecht-paragraph">Vakantieweken voor ouderen.</p>');
    expect((await lastAudit('national_member', 'update')).actorLabel).toBe('partner.fonds@test.example');
    expect((await c.post(`${own}/vestigingen/koppelen`, { organisationId: String(ids.local), linkedOn: '2024-06-01' })).statusCode).toBe(303);
    // Not the programme team's fields.
    for (const url of [`${own}/bewerken`, `${own}/vertrek`, `${own}/verwijderen`, '/nationale-coalitie/nieuw']) expect((await c.get(url)).statusCode, url).toBe(403);
    expect((await c.post(`${own}/bewerken`, { sector: 'media', declarationDate: '2018-06-01' })).statusCode).toBe(403);
    expect((await memberOf(ids.fonds)).sector).toBe('funds');
    // Another member: readable, never changeable.
    const other = `/nationale-coalitie/${ids.bankMember}`;
    expect((await c.get(other)).statusCode).toBe(200);
    expect((await c.get(other)).body).not.toContain('Toezeggingen wijzigen');
    for (const url of [`${other}/toezeggingen`, `${other}/vestigingen/koppelen`, `${other}/vestigingen/nieuw`]) expect((await c.get(url)).statusCode, url).toBe(403);
    const before = await memberOf(ids.bank);
    expect((await c.post(`${other}/toezeggingen`, { pledgedActions: 'gekaapt' })).statusCode).toBe(403);
    expect((await c.post(`${other}/vestigingen/${ids.branchUtrecht}/ontkoppelen`)).statusCode).toBe(403);
    expect(await memberOf(ids.bank)).toEqual(before);
    expect((await t.db.select().from(organisations).where(eq(organisations.id, ids.branchUtrecht)))[0].parentOrganisationId).toBe(ids.bank);
  });

  it('refuses a coordinator any change (403)', async () => {
    const c = await client('coord@test.example');
    expect((await c.post(`/nationale-coalitie/${ids.bankMember}/toezeggingen`, { pledgedActions: 'x' })).statusCode).toBe(403);
    expect((await c.post('/nationale-coalitie/nieuw', { bron: 'bestaand', organisationId: String(ids.loose), sector: 'sport', declarationDate: '2020-01-01' })).statusCode).toBe(403);
  });
});
