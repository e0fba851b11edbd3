import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { createTestApp, createUser, seedReference, type TestApp, signedIn } from '../../../test/helpers/app.js';
import { municipalityId } from '../../../test/helpers/registry.js';
import { auditLog } from '../../platform/db/schema.js';
import { amsterdamDate } from '../../platform/time.js';
import { organisations } from '../registry/schema.js';
import { coalitions, collaborationPartners, collaborations, collaborationStatuses, nationalMembers } from './schema.js';
import { programmeFigures } from './figures-service.js';
import { seedCollaborationsDemo } from './demo-collaborations.js';
import { linkFixtureBranches } from '../../../test/helpers/network.js';

let t: TestApp;
const ids: Record<string, number> = {};
const today = amsterdamDate(new Date());
const tomorrow = amsterdamDate(new Date(Date.now() + 86_400_000));

const client = (email: string) => signedIn(t.app, email);
const nlDateOf = (iso: string) => new Date(`${iso}T00:00:00Z`).toLocaleDateString('nl-NL', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
const lastAudit = async (entity: string) => (await t.db.select().from(auditLog).where(eq(auditLog.entity, entity)).orderBy(desc(auditLog.id)).limit(1))[0];
const count = async (table: typeof collaborations | typeof collaborationStatuses | typeof collaborationPartners) =>
  (await t.db.select({ n: sql<number>`count(*)::int` }).from(table))[0].n;

beforeAll(async () => {
  t = await createTestApp();
  await seedReference(t.db);
  ids.utrecht = await municipalityId(t.db, 'GM0344');
  ids.amsterdam = await municipalityId(t.db, 'GM0363');
  ids.zwolle = await municipalityId(t.db, 'GM0193');
  const org = async (name: string, extra: Partial<typeof organisations.$inferInsert> = {}) =>
    (await t.db.insert(organisations).values({ name, kind: 'national_partner', ...extra }).returning())[0].id;
  ids.fonds = await org('Ouderenfonds');
  ids.super = await org('Supermarkt Samen', { kind: 'business' });
  ids.branch = await org('Supermarkt Samen Zwolle', { kind: 'business', municipalityId: ids.zwolle, parentOrganisationId: ids.super });
  await linkFixtureBranches(t.db);
  ids.other = await org('Ander Fonds');
  ids.local = await org('Welzijn Utrecht', { kind: 'welfare', municipalityId: ids.utrecht });
  await t.db.insert(nationalMembers).values([
    { organisationId: ids.fonds, sector: 'funds', declarationDate: '2019-01-01' },
    { organisationId: ids.super, sector: 'business', declarationDate: '2020-01-01' },
  ]);
  ids.coalition = (await t.db.insert(coalitions).values({ name: 'Utrecht Verbindt', municipalityId: ids.utrecht }).returning())[0].id;
  await createUser(t.db, 'admin@test.example', [{ role: 'programme_admin' }]);
  await createUser(t.db, 'coord.utrecht@test.example', [{ role: 'municipality_coordinator', municipalityId: ids.utrecht }]);
  await createUser(t.db, 'coord.amsterdam@test.example', [{ role: 'municipality_coordinator', municipalityId: ids.amsterdam }]);
  await createUser(t.db, 'advisor@test.example', [{ role: 'advisor', municipalityId: ids.zwolle }]);
  await createUser(t.db, 'partner@test.example', [{ role: 'partner', organisationId: ids.super }]);
  await createUser(t.db, 'partner.other@test.example', [{ role: 'partner', organisationId: ids.other }]);
  await createUser(t.db, 'handler@test.example', [{ role: 'signal_handler', organisationId: ids.local }]);
});
afterAll(async () => t.close());

const form = (over: Record<string, string> = {}) => ({
  title: 'Pilot boodschappenmaatje',
  description: 'Medewerkers van de supermarkt signaleren en verwijzen door.',
  startDate: '2023-03-01',
  endDate: '',
  status: 'idea',
  statusFrom: '2023-01-15',
  ...over,
});

describe('collaborations: creating, with bad input refused', () => {
  it('refuses bad input with 422, a message per field and nothing saved; the values stay', async () => {
    const c = await client('admin@test.example');
    const before = [await count(collaborations), await count(collaborationStatuses)];
    const res = await c.post('/samenwerkingen/nieuw', form({ title: '  ', startDate: '2024-05-01', endDate: '2024-04-01', status: 'bogus', statusFrom: tomorrow }));
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Vul een titel in.');
    expect(res.body).toContain('Kies een status');
    expect(res.body).toContain('href="#veld-title"');
    expect([await count(collaborations), await count(collaborationStatuses)]).toEqual(before);
    // Cross-field rules once the fields themselves are fine.
    const res2 = await c.post('/samenwerkingen/nieuw', form({ startDate: '2024-05-01', endDate: '2024-04-01', statusFrom: tomorrow }));
    expect(res2.statusCode).toBe(422);
    expect(res2.body).toContain('De einddatum ligt vóór de startdatum');
    expect(res2.body).toContain('ligt in de toekomst');
    expect(res2.body).toContain('value="Pilot boodschappenmaatje"');
    expect([await count(collaborations), await count(collaborationStatuses)]).toEqual(before);
  });

  it('creates the collaboration with its first dated status, audit-logged, then asks for partners', async () => {
    const c = await client('admin@test.example');
    const res = await c.post('/samenwerkingen/nieuw', form());
    expect(res.statusCode).toBe(303);
    const [row] = await t.db.select().from(collaborations).where(eq(collaborations.title, 'Pilot boodschappenmaatje'));
    ids.collab = row.id;
    expect(res.headers.location).toBe(`/samenwerkingen/${row.id}/partners`);
    expect(row).toMatchObject({ startDate: '2023-03-01', endDate: null, deletedAt: null });
    const statuses = await t.db.select().from(collaborationStatuses).where(eq(collaborationStatuses.collaborationId, row.id));
    expect(statuses).toHaveLength(1);
    expect(statuses[0]).toMatchObject({ status: 'idea', fromDate: '2023-01-15' });
    expect(await lastAudit('collaboration')).toMatchObject({ action: 'create', entityId: String(row.id) });
  });
});

describe('partners', () => {
  it('adds an organisation (the local branch), a coalition and a municipality with roles; a duplicate is refused', async () => {
    const c = await client('admin@test.example');
    const page = await c.get(`/samenwerkingen/${ids.collab}/partners`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Supermarkt Samen Zwolle (Zwolle)');
    expect((await c.post(`/samenwerkingen/${ids.collab}/partners`, { soort: 'organisation', organisationId: String(ids.branch), organisationRole: 'Uitvoerder' })).statusCode).toBe(303);
    expect((await c.post(`/samenwerkingen/${ids.collab}/partners`, { soort: 'coalition', coalitionId: String(ids.coalition), coalitionRole: 'Initiatiefnemer' })).statusCode).toBe(303);
    expect((await c.post(`/samenwerkingen/${ids.collab}/partners`, { soort: 'municipality', municipalityId: String(ids.amsterdam), municipalityRole: '' })).statusCode).toBe(303);
    const dup = await c.post(`/samenwerkingen/${ids.collab}/partners`, { soort: 'coalition', coalitionId: String(ids.coalition), coalitionRole: 'Nog eens' });
    expect(dup.statusCode).toBe(422);
    expect(dup.body).toContain('is al partner in deze samenwerking');
    const missing = await c.post(`/samenwerkingen/${ids.collab}/partners`, { soort: 'organisation', organisationId: '' });
    expect(missing.statusCode).toBe(422);
    expect(missing.body).toContain('Kies een organisatie.');
    const rows = await t.db.select().from(collaborationPartners).where(eq(collaborationPartners.collaborationId, ids.collab)).orderBy(asc(collaborationPartners.id));
    expect(rows.map((r) => [r.organisationId, r.coalitionId, r.municipalityId, r.role])).toEqual([
      [ids.branch, null, null, 'Uitvoerder'],
      [null, ids.coalition, null, 'Initiatiefnemer'],
      [null, null, ids.amsterdam, null],
    ]);
  });

  it('removes a partner as a soft delete with an audit entry; it is then left out of the lists, the filter and the export, and shown as a former partner', async () => {
    const c = await client('admin@test.example');
    expect((await c.get('/samenwerkingen')).body).toContain(`value="gemeente-${ids.amsterdam}"`);
    const [row] = await t.db.select().from(collaborationPartners).where(and(eq(collaborationPartners.collaborationId, ids.collab), eq(collaborationPartners.municipalityId, ids.amsterdam)));
    const res = await c.post(`/samenwerkingen/${ids.collab}/partners/${row.id}/verwijderen`);
    expect(res.statusCode).toBe(303);
    const [kept] = await t.db.select().from(collaborationPartners).where(eq(collaborationPartners.id, row.id));
    expect(kept.deletedAt).not.toBeNull();
    const a = await lastAudit('collaboration');
    expect(a.details).toMatchObject({ partnerRemoved: { kind: 'municipality', id: ids.amsterdam, partnerRowId: row.id } });
    expect((await c.post(`/samenwerkingen/${ids.collab}/partners/${row.id}/verwijderen`)).statusCode).toBe(404);
    expect(await t.db.select().from(collaborationPartners).where(eq(collaborationPartners.id, row.id))).toEqual([kept]);

    const detail = await c.get(`/samenwerkingen/${ids.collab}`);
    const current = detail.body.slice(detail.body.indexOf('<caption'), detail.body.indexOf('Eerdere partners'));
    expect(current).toContain('Utrecht Verbindt');
    expect(current).not.toContain('Amsterdam');
    const former = detail.body.slice(detail.body.indexOf('Eerdere partners'), detail.body.indexOf('Statusgeschiedenis'));
    expect(former).toContain('Amsterdam');
    expect(former).toContain(nlDateOf(today));
    const list = await c.get('/samenwerkingen');
    expect(list.body).not.toContain(`value="gemeente-${ids.amsterdam}"`);
    expect((await c.get(`/samenwerkingen?partner=gemeente-${ids.amsterdam}`)).body).not.toContain('Pilot boodschappenmaatje');
  });
});

describe('status history', () => {
  it('adds dated status rows; the history is shown newest first and the current status follows today', async () => {
    const c = await client('admin@test.example');
    expect((await c.post(`/samenwerkingen/${ids.collab}/status`, { status: 'pilot', statusFrom: '2024-01-01' })).statusCode).toBe(303);
    expect((await c.post(`/samenwerkingen/${ids.collab}/status`, { status: 'project', statusFrom: '2025-06-01' })).statusCode).toBe(303);
    // Same date again, a future date, a missing date: refused, nothing added.
    const before = await count(collaborationStatuses);
    const same = await c.post(`/samenwerkingen/${ids.collab}/status`, { status: 'ended', statusFrom: '2025-06-01' });
    expect(same.statusCode).toBe(422);
    expect(same.body).toContain('Op deze datum is al een status vastgelegd (Project)');
    expect((await c.post(`/samenwerkingen/${ids.collab}/status`, { status: 'ended', statusFrom: tomorrow })).statusCode).toBe(422);
    expect((await c.post(`/samenwerkingen/${ids.collab}/status`, { status: 'ended', statusFrom: '' })).statusCode).toBe(422);
    expect(await count(collaborationStatuses)).toBe(before);

    const page = await c.get(`/samenwerkingen/${ids.collab}`);
    expect(page.statusCode).toBe(200);
    expect(page.body.match(/<h1/g)).toHaveLength(1);
    const history = page.body.slice(page.body.indexOf('Statusgeschiedenis (nieuwste eerst)'));
    const order = ['1 juni 2025', '1 januari 2024', '15 januari 2023'].map((d) => history.indexOf(d));
    expect(order.every((i) => i > 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(page.body).toMatch(/Huidige status<\/dt><dd>Project/);
    expect(page.body).not.toMatch(/undefined|NaN|\[object/);
    // The programme figures follow the same history.
    expect((await programmeFigures(t.db, '2024-06-30')).collaborations.byStatus.pilot).toBe(1);
    expect((await programmeFigures(t.db, today)).collaborations.byStatus.project).toBe(1);
  });

  it('lists with status filter and sorting, and exports the filtered list (audit-logged)', async () => {
    const c = await client('admin@test.example');
    const [other] = await t.db.insert(collaborations).values({ title: 'Idee Week tegen Eenzaamheid' }).returning();
    await t.db.insert(collaborationStatuses).values({ collaborationId: other.id, status: 'idea', fromDate: '2025-01-01' });
    const list = await c.get('/samenwerkingen?status=project');
    expect(list.body).toContain('Pilot boodschappenmaatje');
    expect(list.body).not.toContain('Idee Week tegen Eenzaamheid');
    const byPartner = await c.get(`/samenwerkingen?partner=coalitie-${ids.coalition}`);
    expect(byPartner.body).toContain('Pilot boodschappenmaatje');
    expect(byPartner.body).not.toContain('Idee Week tegen Eenzaamheid');
    const csv = await c.get('/samenwerkingen/export?formaat=csv&status=project');
    expect(csv.statusCode).toBe(200);
    const lines = csv.body.replace(/^\uFEFF/, '').trim().split(/\r?\n/);
    expect(lines[0]).toBe('id,title,status,status_label,status_from,start_date,end_date,partners,partner_count,description');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('project,Project,2025-06-01,2023-03-01,,Supermarkt Samen Zwolle (Uitvoerder); Utrecht Verbindt (Utrecht) (Initiatiefnemer),2');
    expect(await lastAudit('collaboration')).toMatchObject({ action: 'export' });
  });
});

describe('access: read-only for partners, coordinators and advisors; nothing for others', () => {
  it('a partner sees the collaborations of its organisation (through its local branch) first, read-only', async () => {
    const c = await client('partner@test.example');
    const list = await c.get('/samenwerkingen');
    expect(list.statusCode).toBe(200);
    const own = list.body.slice(list.body.indexOf('Samenwerkingen van uw organisatie'), list.body.indexOf('Alle samenwerkingen'));
    expect(own).toContain('Pilot boodschappenmaatje');
    expect(own).not.toContain('Idee Week tegen Eenzaamheid');
    expect(list.body).not.toContain('Samenwerking toevoegen');
    const detail = await c.get(`/samenwerkingen/${ids.collab}`);
    expect(detail.statusCode).toBe(200);
    expect(detail.body).not.toContain('Status wijzigen');
    const before = await count(collaborationStatuses);
    expect((await c.get('/samenwerkingen/nieuw')).statusCode).toBe(403);
    expect((await c.post('/samenwerkingen/nieuw', form({ title: 'Van partner' }))).statusCode).toBe(403);
    expect((await c.post(`/samenwerkingen/${ids.collab}/status`, { status: 'ended', statusFrom: today })).statusCode).toBe(403);
    expect((await c.post(`/samenwerkingen/${ids.collab}/verwijderen`)).statusCode).toBe(403);
    expect((await c.post(`/samenwerkingen/${ids.collab}/bewerken`, form({ title: 'Gekaapt' }))).statusCode).toBe(403);
    expect(await count(collaborationStatuses)).toBe(before);
    expect((await t.db.select().from(collaborations).where(eq(collaborations.id, ids.collab)))[0]).toMatchObject({ title: 'Pilot boodschappenmaatje', deletedAt: null });
  });

  it('another partner has none of its own; a coordinator sees the one with its coalition; the other coordinator none', async () => {
    const other = await (await client('partner.other@test.example')).get('/samenwerkingen');
    expect(other.body).toContain('Uw organisatie is (nog) geen partner in een samenwerking.');
    const utrecht = await (await client('coord.utrecht@test.example')).get('/samenwerkingen');
    const own = utrecht.body.slice(utrecht.body.indexOf('Samenwerkingen in uw gemeente(n)'), utrecht.body.indexOf('Alle samenwerkingen'));
    expect(own).toContain('Pilot boodschappenmaatje');
    const amsterdam = await (await client('coord.amsterdam@test.example')).get('/samenwerkingen');
    expect(amsterdam.body).toContain('Er zijn (nog) geen samenwerkingen met uw gemeente of lokale coalitie.');
    const advisor = await client('advisor@test.example');
    expect((await advisor.get(`/samenwerkingen/${ids.collab}`)).statusCode).toBe(200);
    expect((await advisor.get(`/samenwerkingen/${ids.collab}/partners`)).statusCode).toBe(403);
  });

  it('"mine" counts partner grants only, like reading: a provider grant of a partner organisation adds nothing', async () => {
    // A coordinator of Amsterdam (no collaborations) who is also a provider at the supermarket chain, whose branch is a partner.
    await createUser(t.db, 'coord.provider@test.example', [
      { role: 'municipality_coordinator', municipalityId: ids.amsterdam },
      { role: 'provider', organisationId: ids.super },
    ]);
    const c = await client('coord.provider@test.example');
    const list = await c.get('/samenwerkingen');
    expect(list.statusCode).toBe(200);
    const own = list.body.slice(list.body.indexOf('Samenwerkingen in uw gemeente(n)'), list.body.indexOf('Alle samenwerkingen'));
    expect(own).toContain('Er zijn (nog) geen samenwerkingen met uw gemeente of lokale coalitie.');
    expect(own).not.toContain('Pilot boodschappenmaatje');
    // The same organisation as a partner grant does count.
    await createUser(t.db, 'coord.partner@test.example', [
      { role: 'municipality_coordinator', municipalityId: ids.amsterdam },
      { role: 'partner', organisationId: ids.super },
    ]);
    const p = await (await client('coord.partner@test.example')).get('/samenwerkingen');
    const ownP = p.body.slice(p.body.indexOf('Samenwerkingen van uw organisatie'), p.body.indexOf('Alle samenwerkingen'));
    expect(ownP).toContain('Pilot boodschappenmaatje');
  });

  it('signal staff get 403; an unknown id 404', async () => {
    const c = await client('handler@test.example');
    expect((await c.get('/samenwerkingen')).statusCode).toBe(403);
    expect((await c.get(`/samenwerkingen/${ids.collab}`)).statusCode).toBe(403);
    expect((await c.get('/samenwerkingen/export?formaat=csv')).statusCode).toBe(403);
    const admin = await client('admin@test.example');
    expect((await admin.get('/samenwerkingen/999999')).statusCode).toBe(404);
    expect((await admin.get('/samenwerkingen/abc')).statusCode).toBe(404);
  });
});

describe('corrections: removed partners and mistaken status rows', () => {
  const statusRows = async (collaborationId: number) =>
    t.db.select().from(collaborationStatuses).where(eq(collaborationStatuses.collaborationId, collaborationId)).orderBy(asc(collaborationStatuses.fromDate), asc(collaborationStatuses.id));
  const ownSection = (body: string) => body.slice(body.indexOf('Samenwerkingen van uw organisatie'), body.indexOf('Alle samenwerkingen'));

  it('a removed partner no longer sees the collaboration as its own; adding it again works and keeps the history', async () => {
    const admin = await client('admin@test.example');
    expect((await admin.post('/samenwerkingen/nieuw', form({ title: 'Samen koken', statusFrom: '2023-02-01' }))).statusCode).toBe(303);
    const [row] = await t.db.select().from(collaborations).where(eq(collaborations.title, 'Samen koken'));
    ids.koken = row.id;
    expect((await admin.post(`/samenwerkingen/${row.id}/partners`, { soort: 'organisation', organisationId: String(ids.other), organisationRole: 'Financier' })).statusCode).toBe(303);
    const partner = await client('partner.other@test.example');
    expect(ownSection((await partner.get('/samenwerkingen')).body)).toContain('Samen koken');

    const [first] = await t.db.select().from(collaborationPartners).where(eq(collaborationPartners.collaborationId, row.id));
    expect((await admin.post(`/samenwerkingen/${row.id}/partners/${first.id}/verwijderen`)).statusCode).toBe(303);
    const mine = ownSection((await partner.get('/samenwerkingen')).body);
    expect(mine).not.toContain('Samen koken');
    expect(mine).toContain('Uw organisatie is (nog) geen partner in een samenwerking.');
    // The former partner still reads the collaboration, with itself among the former partners.
    const seen = await partner.get(`/samenwerkingen/${row.id}`);
    expect(seen.statusCode).toBe(200);
    expect(seen.body).toContain('Eerdere partners');
    expect(seen.body).not.toContain('Corrigeren');

    // Adding the same organisation again: allowed (the removed row does not count), a second time refused.
    const again = await admin.post(`/samenwerkingen/${row.id}/partners`, { soort: 'organisation', organisationId: String(ids.other), organisationRole: 'Uitvoerder' });
    expect(again.statusCode).toBe(303);
    const dup = await admin.post(`/samenwerkingen/${row.id}/partners`, { soort: 'organisation', organisationId: String(ids.other), organisationRole: 'Nog eens' });
    expect(dup.statusCode).toBe(422);
    expect(dup.body).toContain('is al partner in deze samenwerking');
    const rows = await t.db.select().from(collaborationPartners).where(eq(collaborationPartners.collaborationId, row.id)).orderBy(asc(collaborationPartners.id));
    expect(rows.map((r) => [r.organisationId, r.role, r.deletedAt === null])).toEqual([
      [ids.other, 'Financier', false],
      [ids.other, 'Uitvoerder', true],
    ]);
    expect(await lastAudit('collaboration')).toMatchObject({ details: { partnerAdded: { kind: 'organisation', id: ids.other, partnerRowId: rows[1].id } } });
    expect(ownSection((await partner.get('/samenwerkingen')).body)).toContain('Samen koken');
    const page = await admin.get(`/samenwerkingen/${row.id}/partners`);
    const current = page.body.slice(page.body.indexOf('<caption'), page.body.indexOf('Eerdere partners'));
    expect(current).toContain('Uitvoerder');
    expect(current).not.toContain('Financier');
    expect(page.body.slice(page.body.indexOf('Eerdere partners'))).toContain('Financier');
    // Leave the other partner without collaborations again.
    expect((await admin.post(`/samenwerkingen/${row.id}/partners/${rows[1].id}/verwijderen`)).statusCode).toBe(303);
  });

  it('removes a mistaken status row after confirmation: soft delete, audit entry, current status and history recomputed', async () => {
    const admin = await client('admin@test.example');
    expect((await admin.post(`/samenwerkingen/${ids.koken}/status`, { status: 'pilot', statusFrom: '2024-01-01' })).statusCode).toBe(303);
    expect((await admin.post(`/samenwerkingen/${ids.koken}/status`, { status: 'ended', statusFrom: '2025-06-01' })).statusCode).toBe(303);
    const [, , wrong] = await statusRows(ids.koken);
    expect(wrong).toMatchObject({ status: 'ended', fromDate: '2025-06-01' });

    const detail = await admin.get(`/samenwerkingen/${ids.koken}`);
    expect(detail.body).toMatch(/Huidige status<\/dt><dd>Beëindigd/);
    expect(detail.body).toContain(`href="/samenwerkingen/${ids.koken}/status/${wrong.id}/verwijderen"`);
    expect(detail.body.match(/>Corrigeren</g)).toHaveLength(3);

    const confirm = await admin.get(`/samenwerkingen/${ids.koken}/status/${wrong.id}/verwijderen`);
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body.match(/<h1/g)).toHaveLength(1);
    expect(confirm.body).toContain('Beëindigd</strong> vanaf 1 juni 2025');
    expect(confirm.body).toContain('Ja, verwijderen');

    const res = await admin.post(`/samenwerkingen/${ids.koken}/status/${wrong.id}/verwijderen`);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/samenwerkingen/${ids.koken}`);
    const after = await statusRows(ids.koken);
    expect(after).toHaveLength(3); // kept, marked as removed
    expect(after.find((r) => r.id === wrong.id)!.deletedAt).not.toBeNull();
    expect(after.filter((r) => r.deletedAt === null).map((r) => r.status)).toEqual(['idea', 'pilot']);
    expect(await lastAudit('collaboration_status')).toMatchObject({
      action: 'delete',
      entityId: String(wrong.id),
      details: { collaborationId: ids.koken, status: 'ended', fromDate: '2025-06-01' },
    });

    const page = await admin.get(`/samenwerkingen/${ids.koken}`);
    expect(page.body).toMatch(/Huidige status<\/dt><dd>Pilot/);
    expect(page.body).toContain('De huidige status is nu: Pilot.');
    const history = page.body.slice(page.body.indexOf('Statusgeschiedenis (nieuwste eerst)'));
    expect(history).not.toContain('1 juni 2025');
    expect(history).not.toContain('Beëindigd');
    expect(history).toContain('1 januari 2024');
    // The list filter and the export follow the recomputed status.
    expect((await admin.get('/samenwerkingen?status=ended')).body).not.toContain('Samen koken');
    expect((await admin.get('/samenwerkingen?status=pilot')).body).toContain('Samen koken');
    const csv = await admin.get('/samenwerkingen/export?formaat=csv&q=Samen+koken');
    expect(csv.body).toContain(`${ids.koken},Samen koken,pilot,Pilot,2024-01-01`);

    // Removed once: a second removal and its confirm page are 404, nothing changes.
    expect((await admin.get(`/samenwerkingen/${ids.koken}/status/${wrong.id}/verwijderen`)).statusCode).toBe(404);
    expect((await admin.post(`/samenwerkingen/${ids.koken}/status/${wrong.id}/verwijderen`)).statusCode).toBe(404);
    expect(await statusRows(ids.koken)).toEqual(after);

    // The same date is free again for the right status.
    expect((await admin.post(`/samenwerkingen/${ids.koken}/status`, { status: 'project', statusFrom: '2025-06-01' })).statusCode).toBe(303);
    expect((await admin.get(`/samenwerkingen/${ids.koken}`)).body).toMatch(/Huidige status<\/dt><dd>Project/);
  });

  it('refuses to remove the last status row (422, clear message, nothing changed)', async () => {
    const admin = await client('admin@test.example');
    const [row] = await t.db.insert(collaborations).values({ title: 'Eén status' }).returning();
    const [only] = await t.db.insert(collaborationStatuses).values({ collaborationId: row.id, status: 'idea', fromDate: '2024-02-01' }).returning();
    const statusesBefore = await count(collaborationStatuses);
    const page = await admin.get(`/samenwerkingen/${row.id}/status/${only.id}/verwijderen`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('elke samenwerking heeft een status');
    expect(page.body).not.toContain('Ja, verwijderen');
    expect(page.body).toContain(`href="/samenwerkingen/${row.id}/status"`);
    const res = await admin.post(`/samenwerkingen/${row.id}/status/${only.id}/verwijderen`);
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Er is 1 fout in het formulier');
    expect(res.body).toContain('Leg dan eerst de juiste status vast met Status wijzigen');
    expect((await t.db.select().from(collaborationStatuses).where(eq(collaborationStatuses.id, only.id)))[0].deletedAt).toBeNull();
    expect(await count(collaborationStatuses)).toBe(statusesBefore);
    expect((await lastAudit('collaboration_status'))?.entityId).not.toBe(String(only.id));
    expect((await admin.get(`/samenwerkingen/${row.id}`)).body).toMatch(/Huidige status<\/dt><dd>Idee/);
  });

  it('a status row through another collaboration, a bad id or a deleted collaboration answers 404; other roles get 403; nothing changes', async () => {
    const admin = await client('admin@test.example');
    const live = (await statusRows(ids.koken)).filter((r) => r.deletedAt === null);
    const target = live[0];
    const [other] = await t.db.insert(collaborations).values({ title: 'Andere samenwerking' }).returning();
    await t.db.insert(collaborationStatuses).values([
      { collaborationId: other.id, status: 'idea', fromDate: '2024-01-01' },
      { collaborationId: other.id, status: 'pilot', fromDate: '2024-06-01' },
    ]);
    expect((await admin.get(`/samenwerkingen/${other.id}/status/${target.id}/verwijderen`)).statusCode).toBe(404);
    expect((await admin.post(`/samenwerkingen/${other.id}/status/${target.id}/verwijderen`)).statusCode).toBe(404);
    expect((await admin.post(`/samenwerkingen/${ids.koken}/status/abc/verwijderen`)).statusCode).toBe(404);
    expect((await admin.post(`/samenwerkingen/${ids.koken}/status/999999/verwijderen`)).statusCode).toBe(404);
    for (const email of ['partner@test.example', 'partner.other@test.example', 'coord.utrecht@test.example', 'advisor@test.example', 'handler@test.example']) {
      const c = await client(email);
      expect((await c.get(`/samenwerkingen/${ids.koken}/status/${target.id}/verwijderen`)).statusCode).toBe(403);
      expect((await c.post(`/samenwerkingen/${ids.koken}/status/${target.id}/verwijderen`)).statusCode).toBe(403);
    }
    const gone = await admin.post('/samenwerkingen/nieuw', form({ title: 'Straks verwijderd', statusFrom: '2023-05-01' }));
    const goneId = Number(/\/samenwerkingen\/(\d+)\/partners/.exec(gone.headers.location as string)![1]);
    expect((await admin.post(`/samenwerkingen/${goneId}/status`, { status: 'pilot', statusFrom: '2024-05-01' })).statusCode).toBe(303);
    expect((await admin.post(`/samenwerkingen/${goneId}/verwijderen`)).statusCode).toBe(303);
    const [goneStatus] = await statusRows(goneId);
    expect((await admin.post(`/samenwerkingen/${goneId}/status/${goneStatus.id}/verwijderen`)).statusCode).toBe(404);
    expect((await statusRows(ids.koken)).filter((r) => r.deletedAt === null)).toEqual(live);
    expect((await statusRows(goneId)).every((r) => r.deletedAt === null)).toBe(true);
  });
});

describe('soft delete', () => {
  it('hides the collaboration everywhere (also from the figures), keeps the row, writes an audit entry', async () => {
    const c = await client('admin@test.example');
    const pilots = (await programmeFigures(t.db, '2024-06-30')).collaborations.byStatus.pilot;
    expect((await c.get(`/samenwerkingen/${ids.collab}/verwijderen`)).statusCode).toBe(200);
    expect((await c.post(`/samenwerkingen/${ids.collab}/verwijderen`)).statusCode).toBe(303);
    const [row] = await t.db.select().from(collaborations).where(eq(collaborations.id, ids.collab));
    expect(row.deletedAt).not.toBeNull();
    expect(await lastAudit('collaboration')).toMatchObject({ action: 'delete', entityId: String(ids.collab) });
    expect((await c.get(`/samenwerkingen/${ids.collab}`)).statusCode).toBe(404);
    expect((await c.get('/samenwerkingen')).body).not.toContain('Pilot boodschappenmaatje');
    expect((await programmeFigures(t.db, '2024-06-30')).collaborations.byStatus.pilot).toBe(pilots - 1);
  });
});

describe('demo data', () => {
  it('seeds ten collaborations with status histories once, skipping absent partners and statuses after today', async () => {
    const before = await count(collaborations);
    const r = await seedCollaborationsDemo(t.db, { now: new Date('2025-03-01T12:00:00Z') });
    // One of the ten (2026) lies wholly after 1 March 2025; Samen aan tafel has an idea row of January 2025 and counts.
    expect(r).toEqual({ seeded: true, collaborations: 9 });
    expect(await count(collaborations)).toBe(before + 9);
    const [boodschappen] = await t.db.select().from(collaborations).where(eq(collaborations.title, 'Boodschappenmaatjes met supermarkten (demo)'));
    const statuses = await t.db.select().from(collaborationStatuses).where(eq(collaborationStatuses.collaborationId, boodschappen.id)).orderBy(asc(collaborationStatuses.fromDate));
    expect(statuses.map((s) => s.status)).toEqual(['idea', 'pilot', 'project', 'ended']);
    const partners = await t.db.select().from(collaborationPartners).where(eq(collaborationPartners.collaborationId, boodschappen.id));
    // Ouderenfonds exists here; Utrecht has a coalition, so the coalition is the partner.
    expect(partners.map((p) => [p.organisationId, p.coalitionId])).toEqual(expect.arrayContaining([[ids.fonds, null], [null, ids.coalition]]));
    const [signaleren] = await t.db.select().from(collaborations).where(eq(collaborations.title, 'Signaleren aan de kapperstoel (demo)'));
    const s2 = await t.db.select().from(collaborationStatuses).where(eq(collaborationStatuses.collaborationId, signaleren.id));
    expect(s2.map((s) => s.status).sort()).toEqual(['idea', 'pilot']); // the project row of September 2025 is after "today"
    expect(await seedCollaborationsDemo(t.db)).toEqual({ seeded: false, collaborations: 0 });
  });
});
