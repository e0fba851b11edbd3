import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import { createTestApp, createUser, seedReference, type TestApp, signedIn } from '../../../test/helpers/app.js';
import { addJointApproach, addParticipation, municipalityId } from '../../../test/helpers/registry.js';
import { auditLog } from '../../platform/db/schema.js';
import { amsterdamDate } from '../../platform/time.js';
import { organisations } from '../registry/schema.js';
import { coalitionMembers, coalitions, coalitionStages, nationalMembers } from './schema.js';
import { FUTURE_MSG } from './coalitions-service.js';
import { linkFixtureBranches } from '../../../test/helpers/network.js';

let t: TestApp;
const ids: Record<string, number> = {};
const TODAY = amsterdamDate(new Date());
const tomorrow = () => {
  const d = new Date(`${TODAY}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
};

const client = (email: string) => signedIn(t.app, email);

const memberRows = async (coalitionId: number) =>
  t.db
    .select()
    .from(coalitionMembers)
    .where(and(eq(coalitionMembers.coalitionId, coalitionId), isNull(coalitionMembers.deletedAt)))
    .orderBy(coalitionMembers.id);
const countAll = async () => {
  const [[m], [s], [o], [c]] = await Promise.all([
    t.db.select({ n: sql<number>`count(*)::int` }).from(coalitionMembers),
    t.db.select({ n: sql<number>`count(*)::int` }).from(coalitionStages),
    t.db.select({ n: sql<number>`count(*)::int` }).from(organisations),
    t.db.select({ n: sql<number>`count(*)::int` }).from(coalitions),
  ]);
  return { members: m.n, stages: s.n, organisations: o.n, coalitions: c.n };
};
const lastAudit = async (entity: string, action?: string) =>
  (
    await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entity, entity), action ? eq(auditLog.action, action) : undefined))
      .orderBy(desc(auditLog.id))
      .limit(1)
  )[0];
const utrechtCoalition = async () => (await t.db.select().from(coalitions).where(and(eq(coalitions.municipalityId, ids.utrecht), isNull(coalitions.deletedAt))))[0];

const member = (over: Record<string, string> = {}) => ({
  bron: 'bestaand',
  organisationId: String(ids.welzijn),
  role: 'active',
  sector: 'care_welfare',
  startDate: '2021-03-01',
  contactName: 'Sanne de Boer',
  contactEmail: 'coalitie@welzijn-utrecht.example.nl',
  ...over,
});

beforeAll(async () => {
  t = await createTestApp();
  await seedReference(t.db);
  ids.utrecht = await municipalityId(t.db, 'GM0344');
  ids.amsterdam = await municipalityId(t.db, 'GM0363');
  ids.assen = await municipalityId(t.db, 'GM0106');
  ids.coevorden = await municipalityId(t.db, 'GM0109');
  await addParticipation(t.db, 'GM0344');
  await addParticipation(t.db, 'GM0363');
  await addJointApproach(t.db, 'Drenthe samen', 'GM0106', ['GM0109']);
  const org = async (name: string, municipality: number | null, extra: Partial<typeof organisations.$inferInsert> = {}) =>
    (await t.db.insert(organisations).values({ name, kind: 'welfare', municipalityId: municipality, ...extra }).returning())[0].id;
  ids.welzijn = await org('Welzijn Utrecht', ids.utrecht, { kvkNumber: '30123456' });
  ids.woon = await org('Woonstichting Utrecht', ids.utrecht, { kind: 'housing' });
  ids.amsterdamOrg = await org('Welzijn Amsterdam', ids.amsterdam);
  ids.supermarket = await org('Supermarkt Plus Nederland', null, { kind: 'national_partner' });
  ids.branch = await org('Supermarkt Plus Utrecht Centrum', ids.utrecht, { kind: 'business', parentOrganisationId: ids.supermarket });
  await linkFixtureBranches(t.db);
  await t.db.insert(nationalMembers).values({ organisationId: ids.supermarket, sector: 'business', declarationDate: '2019-02-01' });
  await createUser(t.db, 'admin@test.example', [{ role: 'programme_admin' }]);
  await createUser(t.db, 'coord.utrecht@test.example', [{ role: 'municipality_coordinator', municipalityId: ids.utrecht }]);
  await createUser(t.db, 'coord.amsterdam@test.example', [{ role: 'municipality_coordinator', municipalityId: ids.amsterdam }]);
  await createUser(t.db, 'coord.coevorden@test.example', [{ role: 'municipality_coordinator', municipalityId: ids.coevorden }]);
  await createUser(t.db, 'advisor.utrecht@test.example', [{ role: 'advisor', municipalityId: ids.utrecht }]);
  await createUser(t.db, 'advisor.amsterdam@test.example', [{ role: 'advisor', municipalityId: ids.amsterdam }]);
  await createUser(t.db, 'partner@test.example', [{ role: 'partner', organisationId: ids.supermarket }]);
});
afterAll(async () => t.close());

describe('local coalition of a municipality', () => {
  it('offers to create the coalition when there is none, and refuses a future date', async () => {
    const c = await client('coord.utrecht@test.example');
    const page = await c.get('/coalities/GM0344');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('nog geen lokale coalitie');
    expect(page.body).toContain('value="Lokale coalitie Utrecht"');
    const before = await countAll();
    const bad = await c.post('/coalities/GM0344', { name: 'Utrecht tegen eenzaamheid', stage: 'starting', fromDate: tomorrow() });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain(FUTURE_MSG);
    expect(bad.body).toContain('href="#veld-fromDate"');
    expect(bad.body).toContain('value="Utrecht tegen eenzaamheid"');
    expect(await countAll()).toEqual(before);
  });

  it('lets the coordinator create it with its first stage (audit-logged)', async () => {
    const c = await client('coord.utrecht@test.example');
    const res = await c.post('/coalities/GM0344', { name: 'Utrecht tegen eenzaamheid', stage: 'starting', fromDate: '01-10-2019', note: 'Startbijeenkomst' });
    expect(res.statusCode).toBe(303);
    const co = await utrechtCoalition();
    expect(co.name).toBe('Utrecht tegen eenzaamheid');
    const stages = await t.db.select().from(coalitionStages).where(eq(coalitionStages.coalitionId, co.id));
    expect(stages.map((s) => [s.stage, s.fromDate])).toEqual([['starting', '2019-10-01']]);
    expect((await lastAudit('coalition', 'create')).entityId).toBe(String(co.id));
    const page = await c.get('/coalities/GM0344');
    expect(page.body).toContain('In opstart (sinds 1 oktober 2019)');
    expect((page.body.match(/<h1/g) ?? []).length).toBe(1);
  });

  it('done-when: the coordinator adds a supermarket branch as active contributor and sees it in the members', async () => {
    const c = await client('coord.utrecht@test.example');
    const co = await utrechtCoalition();
    const form = await c.get('/coalities/GM0344/leden/nieuw?zoek=supermarkt');
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('Supermarkt Plus Utrecht Centrum (Utrecht)');
    expect(form.body).not.toContain('Woonstichting Utrecht'); // narrowed by the search
    const res = await c.post('/coalities/GM0344/leden/nieuw', member({ organisationId: String(ids.branch), role: 'active', sector: 'business', startDate: '2024-05-01' }));
    expect(res.statusCode).toBe(303);
    const rows = await memberRows(co.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ organisationId: ids.branch, role: 'active', sector: 'business', startDate: '2024-05-01', endDate: null });
    const page = await c.get('/coalities/GM0344');
    expect(page.body).toContain('Supermarkt Plus Utrecht Centrum');
    expect(page.body).toContain('Vestiging van Supermarkt Plus Nederland');
    expect(page.body).toContain('Actief bijdragend');
    expect(page.body).toContain('Bedrijven en ondernemers');
    expect((await lastAudit('coalition_member', 'create')).entityId).toBe(String(rows[0].id));
  });

  it('refuses bad input with a message per field and saves nothing', async () => {
    const c = await client('coord.utrecht@test.example');
    const before = await countAll();
    // Unknown organisation, missing role and sector, impossible date.
    const bad = await c.post('/coalities/GM0344/leden/nieuw', member({ organisationId: '999999', role: '', sector: 'ruimtevaart', startDate: '31-02-2024' }));
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('Kies de rol van de organisatie in de coalitie.');
    expect(bad.body).toContain('Kies de sector van de organisatie.');
    expect(bad.body).toContain('Vul een geldige datum in');
    expect(bad.body).toContain('value="31-02-2024"');
    const unknown = await c.post('/coalities/GM0344/leden/nieuw', member({ organisationId: '999999' }));
    expect(unknown.statusCode).toBe(422);
    expect(unknown.body).toContain('Deze organisatie bestaat niet (meer)');
    // An organisation of another municipality is not offered and not accepted.
    const other = await c.post('/coalities/GM0344/leden/nieuw', member({ organisationId: String(ids.amsterdamOrg) }));
    expect(other.statusCode).toBe(422);
    // Overlapping membership: the branch is already a member since 2024-05-01.
    const overlap = await c.post('/coalities/GM0344/leden/nieuw', member({ organisationId: String(ids.branch), startDate: '2025-01-01' }));
    expect(overlap.statusCode).toBe(422);
    expect(overlap.body).toContain('is al lid van deze coalitie sinds 1 mei 2024');
    const future = await c.post('/coalities/GM0344/leden/nieuw', member({ startDate: tomorrow() }));
    expect(future.statusCode).toBe(422);
    expect(future.body).toContain(FUTURE_MSG);
    expect(await countAll()).toEqual(before);
  });

  it('creates a new local organisation inline, but offers an existing one instead of a duplicate', async () => {
    const c = await client('coord.utrecht@test.example');
    const co = await utrechtCoalition();
    const before = await countAll();
    const dup = await c.post('/coalities/GM0344/leden/nieuw', member({ bron: 'nieuw', organisationId: '', newName: 'welzijn utrecht', newKind: 'welfare', newMunicipalityId: String(ids.utrecht) }));
    expect(dup.statusCode).toBe(422);
    expect(dup.body).toContain('Er is al een organisatie met deze naam in Utrecht: Welzijn Utrecht');
    expect(dup.body).toContain(`<option value="${ids.welzijn}" selected`);
    expect(dup.body).toMatch(/value="bestaand" checked/);
    const byKvk = await c.post('/coalities/GM0344/leden/nieuw', member({ bron: 'nieuw', organisationId: '', newName: 'Iets anders', newKind: 'welfare', newKvk: '30123456', newMunicipalityId: String(ids.utrecht) }));
    expect(byKvk.statusCode).toBe(422);
    expect(byKvk.body).toContain('Er is al een organisatie met dit KvK-nummer: Welzijn Utrecht');
    expect(await countAll()).toEqual(before);

    const ok = await c.post(
      '/coalities/GM0344/leden/nieuw',
      member({ bron: 'nieuw', organisationId: '', newName: 'Buurtsportcoach Utrecht', newKind: 'other', newMunicipalityId: String(ids.utrecht), role: 'informed', sector: 'sport', startDate: '2022-09-01' }),
    );
    expect(ok.statusCode).toBe(303);
    const [o] = await t.db.select().from(organisations).where(eq(organisations.name, 'Buurtsportcoach Utrecht'));
    expect(o).toMatchObject({ municipalityId: ids.utrecht, kind: 'other' });
    expect((await memberRows(co.id)).some((m) => m.organisationId === o.id && m.role === 'informed')).toBe(true);
    expect((await lastAudit('organisation', 'create')).entityId).toBe(String(o.id));
  });

  it('changes a role by ending the row and starting a new one: the history keeps both', async () => {
    const c = await client('coord.utrecht@test.example');
    const co = await utrechtCoalition();
    expect((await c.post('/coalities/GM0344/leden/nieuw', member())).statusCode).toBe(303);
    const row = (await memberRows(co.id)).find((m) => m.organisationId === ids.welzijn)!;
    // The same role, and a date before the start, are refused.
    const same = await c.post(`/coalities/GM0344/leden/${row.id}/rol`, { role: 'active', date: '2023-01-01' });
    expect(same.statusCode).toBe(422);
    expect(same.body).toContain('Kies een andere rol dan de huidige (Actief bijdragend)');
    const early = await c.post(`/coalities/GM0344/leden/${row.id}/rol`, { role: 'kartrekker', date: '2021-03-01' });
    expect(early.statusCode).toBe(422);
    const res = await c.post(`/coalities/GM0344/leden/${row.id}/rol`, { role: 'kartrekker', date: '2023-01-01' });
    expect(res.statusCode).toBe(303);
    const rows = (await memberRows(co.id)).filter((m) => m.organisationId === ids.welzijn);
    expect(rows.map((m) => [m.role, m.startDate, m.endDate])).toEqual([
      ['active', '2021-03-01', '2023-01-01'],
      ['kartrekker', '2023-01-01', null],
    ]);
    expect(rows[1].contactName).toBe('Sanne de Boer');
    const page = await c.get('/coalities/GM0344');
    const [current, past] = page.body.split('Eerdere leden</h2>');
    expect(current).toContain('Welzijn Utrecht — Sanne de Boer'); // the kartrekker with its person
    expect(past).toContain('Welzijn Utrecht');
    expect(past).toContain('1 januari 2023');
    // Reading the contact persons is logged.
    expect((await lastAudit('coalition', 'read_personal')).entityId).toBe(String(co.id));
  });

  it('ends a membership (end ≥ start, not in the future) and shows it under earlier members', async () => {
    const c = await client('coord.utrecht@test.example');
    const co = await utrechtCoalition();
    expect((await c.post('/coalities/GM0344/leden/nieuw', member({ organisationId: String(ids.woon), sector: 'housing', startDate: '2020-06-01' }))).statusCode).toBe(303);
    const row = (await memberRows(co.id)).find((m) => m.organisationId === ids.woon)!;
    const before = await countAll();
    const early = await c.post(`/coalities/GM0344/leden/${row.id}/beeindigen`, { endDate: '2020-05-31' });
    expect(early.statusCode).toBe(422);
    expect(early.body).toContain('De einddatum kan niet voor de startdatum (1 juni 2020) liggen.');
    const future = await c.post(`/coalities/GM0344/leden/${row.id}/beeindigen`, { endDate: tomorrow() });
    expect(future.statusCode).toBe(422);
    expect(await countAll()).toEqual(before);
    expect((await memberRows(co.id)).find((m) => m.id === row.id)!.endDate).toBeNull();
    const ok = await c.post(`/coalities/GM0344/leden/${row.id}/beeindigen`, { endDate: '2022-12-31' });
    expect(ok.statusCode).toBe(303);
    expect((await memberRows(co.id)).find((m) => m.id === row.id)!.endDate).toBe('2022-12-31');
    // Rejoining before the end date overlaps; on or after it is fine.
    const overlap = await c.post('/coalities/GM0344/leden/nieuw', member({ organisationId: String(ids.woon), sector: 'housing', startDate: '2022-06-01' }));
    expect(overlap.statusCode).toBe(422);
    expect(overlap.body).toContain('een nieuw lidmaatschap kan pas op of na 31 december 2022 beginnen');
    const again = await c.post('/coalities/GM0344/leden/nieuw', member({ organisationId: String(ids.woon), sector: 'housing', role: 'informed', startDate: '2024-01-01' }));
    expect(again.statusCode).toBe(303);
  });

  it('soft-deletes a wrong row with an audit entry; it disappears from the page', async () => {
    const c = await client('coord.utrecht@test.example');
    const co = await utrechtCoalition();
    const row = (await memberRows(co.id)).find((m) => m.organisationId === ids.woon && m.role === 'informed')!;
    expect((await c.get(`/coalities/GM0344/leden/${row.id}/verwijderen`)).body).toContain('per vergissing');
    const res = await c.post(`/coalities/GM0344/leden/${row.id}/verwijderen`);
    expect(res.statusCode).toBe(303);
    const [raw] = await t.db.select().from(coalitionMembers).where(eq(coalitionMembers.id, row.id));
    expect(raw.deletedAt).not.toBeNull();
    const entry = await lastAudit('coalition_member', 'delete');
    expect(entry.entityId).toBe(String(row.id));
    expect(entry.details).toMatchObject({ organisation: 'Woonstichting Utrecht', role: 'informed' });
    const page = await c.get('/coalities/GM0344');
    const current = page.body.split('Huidige leden</h2>')[1].split('Eerdere leden</h2>')[0];
    expect(current).toContain('Supermarkt Plus Utrecht Centrum');
    expect(current).not.toContain('Woonstichting Utrecht');
    expect((await c.get(`/coalities/GM0344/leden/${row.id}/bewerken`)).statusCode).toBe(404);
  });

  it('keeps the stage history ordered: fills in a forgotten step, refuses the same date, the same stage twice and the future', async () => {
    const c = await client('coord.utrecht@test.example');
    const co = await utrechtCoalition();
    expect((await c.post('/coalities/GM0344/fase', { stage: 'very_active', fromDate: '2024-06-01' })).statusCode).toBe(303);
    const before = await countAll();
    const future = await c.post('/coalities/GM0344/fase', { stage: 'active', fromDate: tomorrow() });
    expect(future.statusCode).toBe(422);
    expect(future.body).toContain(FUTURE_MSG);
    const sameDay = await c.post('/coalities/GM0344/fase', { stage: 'active', fromDate: '2024-06-01' });
    expect(sameDay.statusCode).toBe(422);
    expect(sameDay.body).toContain('Op 1 juni 2024 is al een fase vastgelegd');
    const twice = await c.post('/coalities/GM0344/fase', { stage: 'very_active', fromDate: '2025-01-01' });
    expect(twice.statusCode).toBe(422);
    expect(twice.body).toContain('was de coalitie al &quot;Zeer actief&quot;');
    const beforeNext = await c.post('/coalities/GM0344/fase', { stage: 'very_active', fromDate: '2023-01-01' });
    expect(beforeNext.statusCode).toBe(422);
    const noStage = await c.post('/coalities/GM0344/fase', { stage: 'heel actief', fromDate: '2023-01-01' });
    expect(noStage.statusCode).toBe(422);
    expect(noStage.body).toContain('Kies een fase.');
    expect(await countAll()).toEqual(before);
    // A forgotten step between 2019 and 2024 is allowed.
    expect((await c.post('/coalities/GM0344/fase', { stage: 'active', fromDate: '2021-03-01' })).statusCode).toBe(303);
    const stages = await t.db
      .select()
      .from(coalitionStages)
      .where(and(eq(coalitionStages.coalitionId, co.id), isNull(coalitionStages.deletedAt)))
      .orderBy(coalitionStages.fromDate);
    expect(stages.map((s) => s.stage)).toEqual(['starting', 'active', 'very_active']);
    const page = await c.get('/coalities/GM0344');
    expect(page.body).toContain('Zeer actief (sinds 1 juni 2024)');
    // A wrong stage row is soft-deleted with an audit entry.
    const wrong = stages[2];
    expect((await c.post(`/coalities/GM0344/fase/${wrong.id}/verwijderen`)).statusCode).toBe(303);
    expect((await lastAudit('coalition_stage', 'delete')).entityId).toBe(String(wrong.id));
    expect((await c.get('/coalities/GM0344')).body).toContain('Actief (sinds 1 maart 2021)');
  });
});

describe('access to coalitions', () => {
  it('answers 404 to the coordinator of another municipality, and their POSTs change nothing', async () => {
    const c = await client('coord.amsterdam@test.example');
    const co = await utrechtCoalition();
    const row = (await memberRows(co.id))[0];
    const before = await countAll();
    for (const url of ['/coalities/GM0344', '/coalities/GM0344/leden/nieuw', `/coalities/GM0344/leden/${row.id}/rol`, '/coalities/GM0344/fase']) {
      const res = await c.get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.body).not.toContain('Supermarkt Plus Utrecht Centrum');
    }
    expect((await c.post('/coalities/GM0344/leden/nieuw', member({ organisationId: String(ids.woon), startDate: '2025-01-01' }))).statusCode).toBe(404);
    expect((await c.post(`/coalities/GM0344/leden/${row.id}/beeindigen`, { endDate: TODAY })).statusCode).toBe(404);
    expect((await c.post(`/coalities/GM0344/leden/${row.id}/verwijderen`)).statusCode).toBe(404);
    expect((await c.post('/coalities/GM0344/fase', { stage: 'none', fromDate: TODAY })).statusCode).toBe(404);
    expect(await countAll()).toEqual(before);
    // The list does not show Utrecht either.
    const list = await c.get('/coalities');
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain('Utrecht tegen eenzaamheid');
    expect(list.body).toContain('Coalitie vastleggen voor Amsterdam');
  });

  it('lets an advisor work on the coalitions of assigned municipalities only', async () => {
    const own = await client('advisor.utrecht@test.example');
    const co = await utrechtCoalition();
    expect((await own.get('/coalities/GM0344')).statusCode).toBe(200);
    const res = await own.post('/coalities/GM0344/leden/nieuw', member({ organisationId: String(ids.woon), role: 'no_active_role', sector: 'housing', startDate: '2025-02-01' }));
    expect(res.statusCode).toBe(303);
    expect((await memberRows(co.id)).some((m) => m.organisationId === ids.woon && m.role === 'no_active_role')).toBe(true);
    const other = await client('advisor.amsterdam@test.example');
    const before = await countAll();
    expect((await other.get('/coalities/GM0344')).statusCode).toBe(404);
    expect((await other.post('/coalities/GM0344/leden/nieuw', member({ organisationId: String(ids.welzijn), startDate: '2025-02-01' }))).statusCode).toBe(404);
    expect(await countAll()).toEqual(before);
  });

  it('refuses roles without coalition rights (403) and unknown codes (404)', async () => {
    const partner = await client('partner@test.example');
    expect((await partner.get('/coalities')).statusCode).toBe(403);
    expect((await partner.get('/coalities/GM0344')).statusCode).toBe(403);
    const admin = await client('admin@test.example');
    expect((await admin.get('/coalities/GM9999')).statusCode).toBe(404);
    expect((await admin.get('/coalities/onzin')).statusCode).toBe(404);
    expect((await admin.get('/coalities/GM0344/leden/abc/rol')).statusCode).toBe(404);
  });
});

describe('the list of coalitions', () => {
  it('shows stage, kartrekker and members; filters by stage and "zonder kartrekker"; the programme team sees all', async () => {
    const admin = await client('admin@test.example');
    // A second coalition without kartrekker, in Amsterdam.
    expect((await admin.post('/coalities/GM0363', { name: 'Amsterdam verbindt', stage: 'active', fromDate: '2022-04-01' })).statusCode).toBe(303);
    const list = await admin.get('/coalities');
    expect(list.body).toContain('Utrecht tegen eenzaamheid');
    expect(list.body).toContain('Amsterdam verbindt');
    expect(list.body).toContain('Welzijn Utrecht (Sanne de Boer)');
    const none = await admin.get('/coalities?zonderKartrekker=ja');
    expect(none.body).toContain('Amsterdam verbindt');
    expect(none.body).not.toContain('Utrecht tegen eenzaamheid');
    const active = await admin.get('/coalities?fase=active');
    expect(active.body).toContain('Amsterdam verbindt');
    expect(active.body).toContain('Utrecht tegen eenzaamheid'); // active since 2021 after the correction
    const starting = await admin.get('/coalities?fase=starting');
    expect(starting.body).not.toContain('Amsterdam verbindt');
  });

  it('exports the list and the members (CSV, XLSX), audit-logged and limited to the scope', async () => {
    const c = await client('coord.utrecht@test.example');
    const csv = await c.get('/coalities/export?formaat=csv&scheidingsteken=puntkomma');
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body).toContain('municipality_code;municipality_name');
    expect(csv.body).toContain('GM0344');
    expect(csv.body).not.toContain('GM0363');
    expect((await lastAudit('coalition', 'export')).details).toMatchObject({ format: 'csv', rows: 1 });
    const members = await c.get('/coalities/leden/export?formaat=csv');
    expect(members.body).toContain('Supermarkt Plus Utrecht Centrum');
    expect(members.body).toContain('kartrekker');
    expect(members.body).not.toContain('Welzijn Amsterdam');
    expect((await lastAudit('coalition_member', 'export')).actorLabel).toBe('coord.utrecht@test.example');
    const xlsx = await c.get('/coalities/export?formaat=xlsx');
    expect(xlsx.headers['content-type']).toContain('spreadsheetml');
  });
});

describe('memberships of deleted organisations', () => {
  it('are left out of the coalition page, the list (members, kartrekker) and the member export, as in the figures', async () => {
    const [amsterdam] = await t.db.select().from(coalitions).where(and(eq(coalitions.municipalityId, ids.amsterdam), isNull(coalitions.deletedAt)));
    const gone = (await t.db.insert(organisations).values({ name: 'Verwijderde Stichting Oost', kind: 'welfare', municipalityId: ids.amsterdam, deletedAt: new Date() }).returning())[0].id;
    await t.db.insert(coalitionMembers).values({ coalitionId: amsterdam.id, organisationId: gone, role: 'kartrekker', sector: 'care_welfare', startDate: '2022-05-01', contactName: 'Oud Contact' });
    const admin = await client('admin@test.example');
    const page = await admin.get('/coalities/GM0363');
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('Verwijderde Stichting Oost');
    expect((await admin.get('/coalities?zonderKartrekker=ja')).body).toContain('Amsterdam verbindt');
    const list = (await admin.get('/coalities/export?formaat=csv')).body.replace(/^\uFEFF/, '').trim().split(/\r?\n/);
    expect(list.find((l) => l.startsWith('GM0363,'))).toMatch(/,2022-04-01,,,0$/);
    const members = await admin.get('/coalities/leden/export?formaat=csv');
    expect(members.body).not.toContain('Verwijderde Stichting Oost');
  });
});

describe('a joint approach has one coalition', () => {
  it('is created from a member municipality, anchored at the primary one, and shown for each member', async () => {
    const c = await client('coord.coevorden@test.example');
    const page = await c.get('/coalities/GM0109');
    expect(page.body).toContain('Eén coalitie voor de hele gezamenlijke aanpak Drenthe samen');
    const res = await c.post('/coalities/GM0109', { name: 'Drenthe samen tegen eenzaamheid', joint: 'ja', stage: 'starting', fromDate: '2021-05-01' });
    expect(res.statusCode).toBe(303);
    const [co] = await t.db.select().from(coalitions).where(eq(coalitions.name, 'Drenthe samen tegen eenzaamheid'));
    expect(co.municipalityId).toBe(ids.assen);
    expect(co.jointApproachId).not.toBeNull();
    const shown = await c.get('/coalities/GM0109');
    expect(shown.body).toContain('Drenthe samen tegen eenzaamheid');
    expect(shown.body).toContain('Gezamenlijke aanpak');
    // Its coordinator sees it in the list with a link to their own municipality's page.
    const list = await c.get('/coalities');
    expect(list.body).toContain('href="/coalities/GM0109"');
    const admin = await client('admin@test.example');
    expect((await admin.get('/coalities/GM0106')).body).toContain('Drenthe samen tegen eenzaamheid');
    // A second coalition for a member of the joint approach is refused.
    const again = await admin.post('/coalities/GM0106', { name: 'Nog een', stage: 'starting', fromDate: '2021-05-01' });
    expect(again.statusCode).toBe(303); // it exists: back to its page, nothing created
    expect((await t.db.select().from(coalitions).where(eq(coalitions.name, 'Nog een'))).length).toBe(0);
  });
});

describe('turning the primary municipality\'s coalition into the coalition of its joint approach', () => {
  it('is for the programme team, refused while a member municipality has its own coalition, and keeps the history', async () => {
    const enschede = await municipalityId(t.db, 'GM0153');
    const hengelo = await municipalityId(t.db, 'GM0164');
    const [own] = await t.db.insert(coalitions).values({ name: 'Enschede tegen eenzaamheid', municipalityId: enschede }).returning();
    await t.db.insert(coalitionStages).values({ coalitionId: own.id, stage: 'active', fromDate: '2020-04-01' });
    const [hengeloOwn] = await t.db.insert(coalitions).values({ name: 'Hengelo tegen eenzaamheid', municipalityId: hengelo }).returning();
    await addJointApproach(t.db, 'Twente samen', 'GM0153', ['GM0164']);
    await createUser(t.db, 'coord.enschede@test.example', [{ role: 'municipality_coordinator', municipalityId: enschede }]);
    await createUser(t.db, 'coord.hengelo@test.example', [{ role: 'municipality_coordinator', municipalityId: hengelo }]);
    const admin = await client('admin@test.example');
    const coordinator = await client('coord.enschede@test.example');
    // The coordinator may maintain the coalition, not widen it to other municipalities.
    expect((await coordinator.get('/coalities/GM0153')).body).not.toContain('/coalities/GM0153/gezamenlijk');
    expect((await coordinator.get('/coalities/GM0153/gezamenlijk')).statusCode).toBe(403);
    expect((await coordinator.post('/coalities/GM0153/gezamenlijk', { name: 'Twente' })).statusCode).toBe(403);
    // Hengelo still has a coalition of its own: refused, named, nothing changes.
    expect((await admin.get('/coalities/GM0153')).body).not.toContain('/coalities/GM0153/gezamenlijk');
    const refused = await admin.post('/coalities/GM0153/gezamenlijk', { name: 'Twente samen tegen eenzaamheid' });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('Hengelo (O.) heeft nog een eigen lokale coalitie');
    expect((await t.db.select().from(coalitions).where(eq(coalitions.id, own.id)))[0]).toMatchObject({ jointApproachId: null, name: 'Enschede tegen eenzaamheid' });
    // A member's coalition cannot become the joint one; only the primary's can.
    expect((await admin.post('/coalities/GM0164/gezamenlijk', { name: 'X' })).body).toContain('Alleen de coalitie van de hoofdgemeente Enschede');
    await t.db.update(coalitions).set({ deletedAt: new Date() }).where(eq(coalitions.id, hengeloOwn.id));
    // Now it can: an empty name is refused first, then the conversion keeps stages and dates.
    const page = await admin.get('/coalities/GM0153');
    expect(page.body).toContain('href="/coalities/GM0153/gezamenlijk"');
    const form = await admin.get('/coalities/GM0153/gezamenlijk');
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('value="Lokale coalitie Twente samen"');
    expect((await admin.post('/coalities/GM0153/gezamenlijk', { name: ' ' })).statusCode).toBe(422);
    const res = await admin.post('/coalities/GM0153/gezamenlijk', { name: 'Twente samen tegen eenzaamheid' });
    expect(res.statusCode).toBe(303);
    const [converted] = await t.db.select().from(coalitions).where(eq(coalitions.id, own.id));
    expect(converted.name).toBe('Twente samen tegen eenzaamheid');
    expect(converted.jointApproachId).not.toBeNull();
    expect((await t.db.select().from(coalitionStages).where(eq(coalitionStages.coalitionId, own.id))).map((x) => [x.stage, x.fromDate])).toEqual([['active', '2020-04-01']]);
    expect((await lastAudit('coalition', 'update')).details).toMatchObject({ change: 'joint_approach', previousName: 'Enschede tegen eenzaamheid' });
    // Hengelo's coordinator now opens the same coalition from Hengelo's page; a second conversion is refused.
    const fromHengelo = await (await client('coord.hengelo@test.example')).get('/coalities/GM0164');
    expect(fromHengelo.body).toContain('Twente samen tegen eenzaamheid');
    expect(fromHengelo.body).toContain('Actief');
    expect((await admin.post('/coalities/GM0153/gezamenlijk', { name: 'Opnieuw' })).body).toContain('is al de coalitie van een gezamenlijke aanpak');
  });
});

describe('demo data', () => {
  it('seeds coalitions with histories and the National Coalition, reproducibly and only once', async () => {
    const { createTestDatabase } = await import('../../../test/helpers/db.js');
    const database = await createTestDatabase();
    try {
      const db = database.db;
      await seedReference(db);
      const codes = ['GM0344', 'GM0363', 'GM0599', 'GM0518', 'GM0193', 'GM0855', 'GM0014', 'GM0202', 'GM0546', 'GM0153', 'GM0200', 'GM0392'];
      for (const [i, code] of codes.entries()) await addParticipation(db, code, 'active', `2019-0${(i % 9) + 1}-15`);
      await addJointApproach(db, 'Samen tegen eenzaamheid Drenthe-Noord', 'GM0106', ['GM0109', 'GM0114']);
      await db.insert(organisations).values({ name: 'Welzijn Utrecht Stad', kind: 'welfare', municipalityId: await municipalityId(db, 'GM0344') });
      await db.insert(organisations).values({ name: 'Ouderenfonds', kind: 'national_partner' });
      const { seedCoalitionsDemo } = await import('./demo-coalitions.js');
      const now = new Date('2026-03-01T12:00:00Z');
      const first = await seedCoalitionsDemo(db, { now });
      expect(first.national).toBe(15);
      expect(first.coalitions).toBeGreaterThanOrEqual(10);
      expect(first.members).toBeGreaterThan(first.coalitions * 4);
      const again = await seedCoalitionsDemo(db, { now });
      expect(again).toEqual({ national: 0, coalitions: 0, members: 0 });

      // Utrecht: the history of the brief, with a handover of the kartrekker role in 2021.
      const [utrecht] = await db.select().from(coalitions).where(eq(coalitions.municipalityId, await municipalityId(db, 'GM0344')));
      const stages = await db.select().from(coalitionStages).where(eq(coalitionStages.coalitionId, utrecht.id)).orderBy(coalitionStages.fromDate);
      expect(stages.map((s) => [s.stage, s.fromDate])).toEqual([
        ['starting', '2019-10-01'],
        ['active', '2021-03-15'],
        ['very_active', '2024-06-01'],
      ]);
      const rows = await db
        .select({ name: organisations.name, role: coalitionMembers.role, start: coalitionMembers.startDate, end: coalitionMembers.endDate })
        .from(coalitionMembers)
        .innerJoin(organisations, eq(organisations.id, coalitionMembers.organisationId))
        .where(eq(coalitionMembers.coalitionId, utrecht.id));
      expect(rows).toContainEqual({ name: 'Welzijn Utrecht Stad', role: 'kartrekker', start: '2021-03-15', end: null });
      expect(rows).toContainEqual({ name: 'Gemeente Utrecht', role: 'kartrekker', start: '2019-10-01', end: '2021-03-15' });
      expect(rows.some((r) => r.name === 'Supermarktketen Dagvers Utrecht Centrum')).toBe(true);

      // One coalition for the joint approach, anchored at Assen.
      const [joint] = await db.select().from(coalitions).where(eq(coalitions.name, 'Lokale coalitie Samen tegen eenzaamheid Drenthe-Noord'));
      expect(joint.municipalityId).toBe(await municipalityId(db, 'GM0106'));
      // Consistent history: dates never in the future, no overlapping memberships, one member left in 2023.
      const problems = await db.execute(sql`
        select 1 from coalition_members a join coalition_members b
          on a.coalition_id = b.coalition_id and a.organisation_id = b.organisation_id and a.id < b.id
         where a.start_date < coalesce(b.end_date, 'infinity') and b.start_date < coalesce(a.end_date, 'infinity')
        union all select 1 from coalition_members where start_date > '2026-03-01' or end_date > '2026-03-01'
        union all select 1 from coalition_stages where from_date > '2026-03-01'`);
      expect(problems.rows).toHaveLength(0);
      const left = await db.select().from(nationalMembers).where(sql`${nationalMembers.leftOn} is not null`);
      expect(left.map((m) => m.leftOn)).toEqual(['2023-09-30']);
      const sectors = await db.selectDistinct({ s: nationalMembers.sector }).from(nationalMembers);
      expect(sectors).toHaveLength(10);
      const withoutKartrekker = await db.execute(sql`
        select c.id from coalitions c where not exists (select 1 from coalition_members m where m.coalition_id = c.id and m.role = 'kartrekker' and m.end_date is null)`);
      expect(withoutKartrekker.rows.length).toBeGreaterThan(0);
    } finally {
      await database.drop();
    }
  });
});
