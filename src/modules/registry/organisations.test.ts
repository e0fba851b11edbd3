import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { createTestApp, createUser, seedReference, TestClient, type TestApp, signedIn } from '../../../test/helpers/app.js';
import { auditLog } from '../../platform/db/schema.js';
import { can, type Principal } from '../../platform/access.js';
import { createApiKey } from '../../platform/admin/apikeys-service.js';
import { municipalities, organisations } from './schema.js';
import { createOrganisation, MSG, organisationDeleteBlockers, organisationFormSchema } from './organisations-service.js';
import { signalPoints, signals } from '../signals/schema.js';
import { coalitionMembers, coalitions, nationalMembers } from '../network/schema.js';

let t: TestApp;
const ids: Record<string, number> = {};
let adminId = 0;

const count = async () => (await t.db.select({ n: sql<number>`count(*)::int` }).from(organisations).where(isNull(organisations.deletedAt)))[0].n;
const byName = async (name: string) => (await t.db.select().from(organisations).where(and(eq(organisations.name, name), isNull(organisations.deletedAt))))[0];
const lastAudit = async (action: string, entity = 'organisation') =>
  (await t.db.select().from(auditLog).where(and(eq(auditLog.action, action), eq(auditLog.entity, entity))).orderBy(desc(auditLog.id)).limit(1))[0];
const municipalityId = async (code: string) => (await t.db.select().from(municipalities).where(eq(municipalities.cbsCode, code)))[0].id;

const client = (email: string) => signedIn(t.app, email);

/** A complete, valid form for a new organisation. */
const form = (over: Record<string, string> = {}) => ({
  name: 'Stichting Samen Oud',
  kind: 'welfare',
  sector: 'Welzijn',
  kvkNumber: '',
  municipalityId: String(ids.amsterdam),
  street: 'Dam',
  houseNumber: '1',
  postcode: '1012 jp',
  city: 'Amsterdam',
  website: 'https://www.samenoud.example.nl',
  contactName: 'Algemeen contact',
  contactEmail: 'info@samenoud.example.nl',
  contactPhone: '020 123 45 67',
  ...over,
});

beforeAll(async () => {
  t = await createTestApp();
  await seedReference(t.db);
  ids.amsterdam = await municipalityId('GM0363');
  ids.rotterdam = await municipalityId('GM0599');
  ids.utrecht = await municipalityId('GM0344');
  const groningen = (await t.db.select().from(municipalities).where(eq(municipalities.cbsCode, 'GM0014')))[0];
  await t.db.insert(municipalities).values({ cbsCode: 'GM0009', name: 'Ten Boer', provinceId: groningen.provinceId, validTo: '2018-12-31', successorId: groningen.id });
  const insert = async (name: string, municipality: number | null, extra: Partial<typeof organisations.$inferInsert> = {}) =>
    (await t.db.insert(organisations).values({ name, kind: 'welfare', sector: 'Welzijn', municipalityId: municipality, ...extra }).returning())[0].id;
  ids.orgA = await insert('Welzijn Amsterdam Centrum', ids.amsterdam, { kvkNumber: '41201234', city: 'Amsterdam', contactName: 'Anna de Vries', contactEmail: 'anna@welzijn.example.nl', contactPhone: '020 111 22 33' });
  ids.orgA2 = await insert('Buurtzorg Amsterdam', ids.amsterdam, { kind: 'care', sector: 'Wijkverpleging', city: 'Amsterdam' });
  ids.orgB = await insert('Stichting Buurtkracht Rotterdam', ids.rotterdam, { kvkNumber: '24345678', city: 'Rotterdam', contactName: 'Bert Jansen' });
  ids.national = await insert('Ouderenfonds', null, { kind: 'national_partner', sector: 'Ouderen', contactEmail: 'info@ouderenfonds.example.nl' });
  ids.provider = await insert('Bibliotheek Rotterdam', ids.rotterdam, { kind: 'education' });
  adminId = (await createUser(t.db, 'admin@test.example', [{ role: 'programme_admin' }])).id;
  await createUser(t.db, 'coord.a@test.example', [{ role: 'municipality_coordinator', municipalityId: ids.amsterdam }]);
  await createUser(t.db, 'coord.b@test.example', [{ role: 'municipality_coordinator', municipalityId: ids.rotterdam }]);
  await createUser(t.db, 'advisor.a@test.example', [{ role: 'advisor', municipalityId: ids.amsterdam }]);
  await createUser(t.db, 'partner@test.example', [{ role: 'partner', organisationId: ids.national }]);
  await createUser(t.db, 'provider@test.example', [{ role: 'provider', organisationId: ids.provider }]);
  await createUser(t.db, 'visitor@test.example', [{ role: 'visitor', organisationId: ids.orgA }]);
  await createUser(t.db, 'handler@test.example', [{ role: 'signal_handler', organisationId: ids.orgA }]);
});
afterAll(async () => t.close());

describe('organisations: create, edit, delete', () => {
  it('lets the programme admin add an organisation; the postcode is normalised and the change audit-logged', async () => {
    const c = await client('admin@test.example');
    expect((await c.get('/beheer/organisaties/nieuw')).statusCode).toBe(200);
    const res = await c.post('/beheer/organisaties/nieuw', form({ kvkNumber: '12345678' }));
    expect(res.statusCode).toBe(303);
    const o = await byName('Stichting Samen Oud');
    expect(res.headers.location).toBe(`/beheer/organisaties/${o.id}`);
    expect(o).toMatchObject({ kind: 'welfare', kvkNumber: '12345678', postcode: '1012JP', municipalityId: ids.amsterdam, contactPhone: '020 123 45 67' });
    const page = await c.get(res.headers.location as string);
    expect(page.body).toContain('is toegevoegd');
    expect(page.body).toContain('1012 JP');
    const entry = await lastAudit('create');
    expect(entry.entityId).toBe(String(o.id));
    expect(entry.actorLabel).toBe('admin@test.example');
    // Reading the contact person is personal data: logged.
    expect((await lastAudit('read_personal')).entityId).toBe(String(o.id));
  });

  it('lets the programme admin add a national organisation (no municipality)', async () => {
    const c = await client('admin@test.example');
    const res = await c.post('/beheer/organisaties/nieuw', form({ name: 'Humanitas', kind: 'national_partner', municipalityId: '' }));
    expect(res.statusCode).toBe(303);
    expect((await byName('Humanitas')).municipalityId).toBeNull();
  });

  it('shows a specific message per field, keeps the values and saves nothing', async () => {
    const c = await client('admin@test.example');
    const before = await count();
    const res = await c.post(
      '/beheer/organisaties/nieuw',
      form({ name: '  ', kind: '', kvkNumber: '1234567', website: 'www.voorbeeld.nl', contactEmail: 'info@', postcode: '12345', contactPhone: 'bel me' }),
    );
    expect(res.statusCode).toBe(422);
    for (const msg of [MSG.name, MSG.kind, MSG.kvk, MSG.website, MSG.postcode, MSG.phone, 'Vul een geldig e-mailadres in']) expect(res.body).toContain(msg);
    expect(res.body).toContain('href="#veld-kvkNumber"'); // error summary links to the field
    expect(res.body).toContain('value="www.voorbeeld.nl"');
    expect(res.body).toContain('value="1234567"');
    expect(res.body).toContain('value="info@"');
    expect((res.body.match(/<h1/g) ?? []).length).toBe(1);
    expect(await count()).toBe(before);
  });

  it('rejects a KvK number with letters or 9 digits, and a website without http(s)', async () => {
    const c = await client('admin@test.example');
    for (const [field, value, msg] of [
      ['kvkNumber', '1234567a', MSG.kvk],
      ['kvkNumber', '123456789', MSG.kvk],
      ['website', 'ftp://voorbeeld.nl', MSG.website],
      ['website', 'https://localhost', MSG.website],
    ]) {
      const res = await c.post('/beheer/organisaties/nieuw', form({ name: `Test ${value}`, [field]: value }));
      expect(res.statusCode, `${field}=${value}`).toBe(422);
      expect(res.body).toContain(msg);
    }
  });

  it('rejects a duplicate organisation (same KvK number, or same name in the same municipality) and saves nothing', async () => {
    const c = await client('admin@test.example');
    const before = await count();
    const kvk = await c.post('/beheer/organisaties/nieuw', form({ name: 'Heel Andere Naam', kvkNumber: '41201234' }));
    expect(kvk.statusCode).toBe(422);
    expect(kvk.body).toContain(MSG.duplicateKvk);
    const name = await c.post('/beheer/organisaties/nieuw', form({ name: 'welzijn amsterdam CENTRUM' }));
    expect(name.statusCode).toBe(422);
    expect(name.body).toContain(MSG.duplicateName);
    const national = await c.post('/beheer/organisaties/nieuw', form({ name: 'ouderenfonds', municipalityId: '' }));
    expect(national.body).toContain(MSG.duplicateNational);
    expect(await count()).toBe(before);
    // The same name in another municipality is a different organisation.
    const other = await c.post('/beheer/organisaties/nieuw', form({ name: 'Welzijn Amsterdam Centrum', municipalityId: String(ids.utrecht) }));
    expect(other.statusCode).toBe(303);
  });

  it('handles two simultaneous saves of the same organisation: exactly one is stored', async () => {
    const admin: Principal = { kind: 'user', id: adminId, label: 'admin', roles: [{ role: 'programme_admin' }], municipalityIds: [], organisationIds: [] };
    const input = organisationFormSchema.parse({ name: 'Gelijktijdig', kind: 'welfare', kvkNumber: '99887766', municipalityId: String(ids.utrecht) });
    const results = await Promise.all([1, 2, 3].map(() => createOrganisation(t.db, { principal: admin }, admin, input)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    for (const r of results.filter((x) => !x.ok)) expect(r.ok === false && (r.errors.kvkNumber ?? r.errors.name)).toBeTruthy();
    expect((await t.db.select().from(organisations).where(eq(organisations.kvkNumber, '99887766'))).length).toBe(1);
  });

  it('edits an organisation with the form filled in, and rejects a duplicate on edit', async () => {
    const c = await client('coord.a@test.example');
    const edit = await c.get(`/beheer/organisaties/${ids.orgA2}/bewerken`);
    expect(edit.statusCode).toBe(200);
    expect(edit.body).toContain('value="Buurtzorg Amsterdam"');
    const dup = await c.post(`/beheer/organisaties/${ids.orgA2}/bewerken`, form({ name: 'Welzijn Amsterdam Centrum' }));
    expect(dup.statusCode).toBe(422);
    expect(dup.body).toContain(MSG.duplicateName);
    const ok = await c.post(`/beheer/organisaties/${ids.orgA2}/bewerken`, form({ name: 'Buurtzorg Amsterdam-Noord', kind: 'care', sector: 'Wijkverpleging' }));
    expect(ok.statusCode).toBe(303);
    const [o] = await t.db.select().from(organisations).where(eq(organisations.id, ids.orgA2));
    expect(o.name).toBe('Buurtzorg Amsterdam-Noord');
    const entry = await lastAudit('update');
    expect(entry.entityId).toBe(String(ids.orgA2));
    expect((entry.details as { changed: string[] }).changed).toContain('name');
    expect(JSON.stringify(entry.details)).not.toContain('info@samenoud'); // no personal data in the log
  });

  it('soft-deletes after a confirmation page; the record disappears from lists and is audit-logged', async () => {
    const admin = await client('admin@test.example');
    await admin.post('/beheer/organisaties/nieuw', form({ name: 'Tijdelijke Organisatie' }));
    const o = await byName('Tijdelijke Organisatie');
    const c = await client('coord.a@test.example');
    const confirm = await c.get(`/beheer/organisaties/${o.id}/verwijderen`);
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body).toContain('Weet u zeker');
    const res = await c.post(`/beheer/organisaties/${o.id}/verwijderen`);
    expect(res.statusCode).toBe(303);
    const [row] = await t.db.select().from(organisations).where(eq(organisations.id, o.id));
    expect(row.deletedAt).not.toBeNull();
    expect((await c.get(`/beheer/organisaties/${o.id}`)).statusCode).toBe(404);
    expect((await c.get('/beheer/organisaties?q=Tijdelijke')).body).not.toContain('Tijdelijke Organisatie');
    expect((await lastAudit('delete')).entityId).toBe(String(o.id));
    // The name is free again.
    expect((await admin.post('/beheer/organisaties/nieuw', form({ name: 'Tijdelijke Organisatie' }))).statusCode).toBe(303);
  });
});

describe('organisations: deleting a signal point organisation', () => {
  it('refuses (422, nothing changes) while the organisation has an active signal point or open signals, and says what to do first', async () => {
    const orgId = (await t.db.insert(organisations).values({ name: 'Welzijn Signaalpunt Oost', kind: 'welfare', municipalityId: ids.amsterdam }).returning())[0].id;
    const [point] = await t.db.insert(signalPoints).values({ municipalityId: ids.amsterdam, organisationId: orgId, name: 'Signaalpunt Oost', isDefault: true }).returning();
    const signal = (reference: string, status: string) => ({ reference, kind: 'worry', channel: 'form', receivedAt: new Date(), signallerType: 'pharmacy', municipalityId: ids.amsterdam, signalPointId: point.id, organisationId: orgId, status });
    const [open] = await t.db.insert(signals).values([signal('SGN-OOST-OPEN', 'assigned'), signal('SGN-OOST-DONE', 'closed')]).returning();
    const c = await client('coord.a@test.example');
    const deletes = async () => (await t.db.select({ n: sql<number>`count(*)::int` }).from(auditLog).where(and(eq(auditLog.action, 'delete'), eq(auditLog.entity, 'organisation'), eq(auditLog.entityId, String(orgId)))))[0].n;
    const deletedAt = async () => (await t.db.select().from(organisations).where(eq(organisations.id, orgId)))[0].deletedAt;

    const page = await c.get(`/beheer/organisaties/${orgId}/verwijderen`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Dit kan nu niet');
    expect(page.body).toContain('het actieve signaalpunt Signaalpunt Oost (Amsterdam)');
    expect(page.body).toContain('Zet dat signaalpunt eerst op niet actief');
    expect(page.body).toContain('Er is nog 1 open signaal bij deze organisatie');
    expect(page.body).toContain('afsluiten of doorsturen naar een andere organisatie');
    expect(page.body).not.toContain('Ja, verwijderen');
    expect(page.body).not.toContain('SGN-OOST');

    const refused = await c.post(`/beheer/organisaties/${orgId}/verwijderen`);
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('Zet dat signaalpunt eerst op niet actief');
    expect(refused.body).toContain('Er is nog 1 open signaal');
    expect(await deletedAt()).toBeNull();
    expect(await deletes()).toBe(0);

    // The signal point switched off: the open signal still blocks.
    await t.db.update(signalPoints).set({ active: false, isDefault: false }).where(eq(signalPoints.id, point.id));
    const still = await c.post(`/beheer/organisaties/${orgId}/verwijderen`);
    expect(still.statusCode).toBe(422);
    expect(still.body).not.toContain('Zet dat signaalpunt');
    expect(still.body).toContain('Er is nog 1 open signaal');
    expect(await deletedAt()).toBeNull();

    // Finished: now it can go (closed signals do not block).
    await t.db.update(signals).set({ status: 'closed', closedAt: new Date() }).where(eq(signals.id, open.id));
    expect(await organisationDeleteBlockers(t.db, orgId)).toEqual([]);
    expect((await c.get(`/beheer/organisaties/${orgId}/verwijderen`)).body).toContain('Ja, verwijderen');
    expect((await c.post(`/beheer/organisaties/${orgId}/verwijderen`)).statusCode).toBe(303);
    expect(await deletedAt()).not.toBeNull();
    expect(await deletes()).toBe(1);
  });
});

describe('organisations: deleting a member of a local coalition or of the National Coalition', () => {
  it('refuses (422, nothing changes) while the organisation is a current coalition member or National Coalition member, naming the coalition', async () => {
    const orgId = (await t.db.insert(organisations).values({ name: 'Buurthuis De Brug', kind: 'welfare', municipalityId: ids.amsterdam }).returning())[0].id;
    const [coalition] = await t.db.insert(coalitions).values({ name: 'Amsterdam Verbindt', municipalityId: ids.amsterdam }).returning();
    const [member] = await t.db.insert(coalitionMembers).values({ coalitionId: coalition.id, organisationId: orgId, role: 'active', sector: 'care_welfare', startDate: '2021-01-01' }).returning();
    const natId = (await t.db.insert(organisations).values({ name: 'Landelijk Netwerk Ouderen', kind: 'national_partner', municipalityId: null }).returning())[0].id;
    const [membership] = await t.db.insert(nationalMembers).values({ organisationId: natId, sector: 'care_welfare', declarationDate: '2020-01-01' }).returning();
    const deletedAt = async (id: number) => (await t.db.select().from(organisations).where(eq(organisations.id, id)))[0].deletedAt;
    const deletes = async () => (await t.db.select({ n: sql<number>`count(*)::int` }).from(auditLog).where(and(eq(auditLog.action, 'delete'), eq(auditLog.entity, 'organisation'), inArray(auditLog.entityId, [String(orgId), String(natId)]))))[0].n;

    const c = await client('coord.a@test.example');
    const page = await c.get(`/beheer/organisaties/${orgId}/verwijderen`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('De organisatie is nu lid van de lokale coalitie Amsterdam Verbindt.');
    expect(page.body).toContain('Beëindigen');
    expect(page.body).not.toContain('Ja, verwijderen');
    const refused = await c.post(`/beheer/organisaties/${orgId}/verwijderen`);
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('Amsterdam Verbindt');
    expect(await deletedAt(orgId)).toBeNull();

    const admin = await client('admin@test.example');
    const national = await admin.post(`/beheer/organisaties/${natId}/verwijderen`);
    expect(national.statusCode).toBe(422);
    expect(national.body).toContain('De organisatie is lid van de Nationale Coalitie tegen Eenzaamheid.');
    expect(await deletedAt(natId)).toBeNull();
    expect(await deletes()).toBe(0);

    // Ended (or left): the history stays in the figures of earlier dates, and the organisation may go.
    await t.db.update(coalitionMembers).set({ endDate: '2024-01-01' }).where(eq(coalitionMembers.id, member.id));
    await t.db.update(nationalMembers).set({ leftOn: '2024-01-01' }).where(eq(nationalMembers.id, membership.id));
    expect(await organisationDeleteBlockers(t.db, orgId)).toEqual([]);
    expect(await organisationDeleteBlockers(t.db, natId)).toEqual([]);
    expect((await c.post(`/beheer/organisaties/${orgId}/verwijderen`)).statusCode).toBe(303);
    expect(await deletedAt(orgId)).not.toBeNull();
  });
});

describe('organisations: list, search, filter, scope', () => {
  it('searches, filters and sorts for the programme admin', async () => {
    const c = await client('admin@test.example');
    const all = await c.get('/beheer/organisaties');
    expect(all.statusCode).toBe(200);
    for (const n of ['Welzijn Amsterdam Centrum', 'Stichting Buurtkracht Rotterdam', 'Ouderenfonds']) expect(all.body).toContain(n);
    const kvk = await c.get('/beheer/organisaties?q=24345678');
    expect(kvk.body).toContain('Stichting Buurtkracht Rotterdam');
    expect(kvk.body).not.toContain('Welzijn Amsterdam Centrum');
    const kind = await c.get('/beheer/organisaties?soort=national_partner');
    expect(kind.body).toContain('Ouderenfonds');
    expect(kind.body).not.toContain('Buurtkracht');
    const national = await c.get('/beheer/organisaties?gemeente=landelijk');
    expect(national.body).toContain('Ouderenfonds');
    expect(national.body).not.toContain('Welzijn Amsterdam Centrum');
    const province = await c.get('/beheer/organisaties?provincie=PV28');
    expect(province.body).toContain('Stichting Buurtkracht Rotterdam');
    expect(province.body).not.toContain('Welzijn Amsterdam Centrum');
    const sector = await c.get('/beheer/organisaties?sector=Ouderen');
    expect(sector.body).toContain('Ouderenfonds');
    expect(sector.body).not.toContain('Buurtkracht');
    const desc = await c.get('/beheer/organisaties?sort=name&dir=desc');
    expect(desc.body.indexOf('Welzijn Amsterdam Centrum')).toBeLessThan(desc.body.indexOf('Buurtzorg'));
  });

  it('shows a coordinator only the organisations of their own municipality', async () => {
    const c = await client('coord.a@test.example');
    const list = await c.get('/beheer/organisaties');
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('Welzijn Amsterdam Centrum');
    expect(list.body).not.toContain('Buurtkracht Rotterdam');
    expect(list.body).not.toContain('Ouderenfonds');
  });

  it('answers 404 when a coordinator opens, edits or deletes an organisation of another municipality', async () => {
    const c = await client('coord.a@test.example');
    for (const url of [`/beheer/organisaties/${ids.orgB}`, `/beheer/organisaties/${ids.orgB}/bewerken`, `/beheer/organisaties/${ids.orgB}/verwijderen`, `/beheer/organisaties/${ids.national}`]) {
      const res = await c.get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.body).not.toContain('Buurtkracht');
    }
    expect((await c.post(`/beheer/organisaties/${ids.orgB}/bewerken`, form({ name: 'Gekaapt' }))).statusCode).toBe(404);
    expect((await c.post(`/beheer/organisaties/${ids.orgB}/verwijderen`)).statusCode).toBe(404);
    const [o] = await t.db.select().from(organisations).where(eq(organisations.id, ids.orgB));
    expect(o.name).toBe('Stichting Buurtkracht Rotterdam');
    expect(o.deletedAt).toBeNull();
  });

  it('lets a coordinator create only in their own municipality, not elsewhere or nationally', async () => {
    const c = await client('coord.a@test.example');
    const before = await count();
    const other = await c.post('/beheer/organisaties/nieuw', form({ name: 'Elders', municipalityId: String(ids.rotterdam) }));
    expect(other.statusCode).toBe(422);
    expect(other.body).toContain(MSG.municipalityScope);
    const national = await c.post('/beheer/organisaties/nieuw', form({ name: 'Landelijk', municipalityId: '' }));
    expect(national.statusCode).toBe(422);
    expect(national.body).toContain(MSG.national);
    expect(await count()).toBe(before);
    // Moving one of their own organisations to another municipality is refused as well.
    const move = await c.post(`/beheer/organisaties/${ids.orgA2}/bewerken`, form({ name: 'Buurtzorg Amsterdam-Noord', kind: 'care', municipalityId: String(ids.rotterdam) }));
    expect(move.statusCode).toBe(422);
    expect((await t.db.select().from(organisations).where(eq(organisations.id, ids.orgA2)))[0].municipalityId).toBe(ids.amsterdam);
    const own = await c.post('/beheer/organisaties/nieuw', form({ name: 'Eigen Amsterdamse Club' }));
    expect(own.statusCode).toBe(303);
  });

  it('lets an advisor read organisations in their scope but not change them', async () => {
    const c = await client('advisor.a@test.example');
    const list = await c.get('/beheer/organisaties');
    expect(list.body).toContain('Welzijn Amsterdam Centrum');
    expect(list.body).not.toContain('Buurtkracht');
    expect((await c.get(`/beheer/organisaties/${ids.orgA}`)).statusCode).toBe(200);
    expect((await c.get(`/beheer/organisaties/${ids.orgA}/bewerken`)).statusCode).toBe(403);
    expect((await c.get(`/beheer/organisaties/${ids.orgB}`)).statusCode).toBe(404);
    expect((await c.get('/beheer/organisaties/nieuw')).statusCode).toBe(403);
  });

  it('lets a partner see and edit only their own organisation (not its municipality)', async () => {
    const c = await client('partner@test.example');
    const list = await c.get('/beheer/organisaties');
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('Ouderenfonds');
    expect(list.body).not.toContain('Welzijn Amsterdam Centrum');
    const edit = await c.get(`/beheer/organisaties/${ids.national}/bewerken`);
    expect(edit.statusCode).toBe(200);
    expect(edit.body).not.toContain('name="municipalityId"');
    const res = await c.post(
      `/beheer/organisaties/${ids.national}/bewerken`,
      form({ name: 'Ouderenfonds', kind: 'national_partner', municipalityId: String(ids.amsterdam), website: 'https://www.ouderenfonds.example.nl' }),
    );
    expect(res.statusCode).toBe(303);
    const [o] = await t.db.select().from(organisations).where(eq(organisations.id, ids.national));
    expect(o.website).toBe('https://www.ouderenfonds.example.nl');
    expect(o.municipalityId).toBeNull();
    expect((await c.get(`/beheer/organisaties/${ids.orgA}`)).statusCode).toBe(404);
    expect((await c.post(`/beheer/organisaties/${ids.orgA}/bewerken`, form({ name: 'Gekaapt' }))).statusCode).toBe(404);
    expect((await c.get(`/beheer/organisaties/${ids.national}/verwijderen`)).statusCode).toBe(403);
    expect((await c.get('/beheer/organisaties/nieuw')).statusCode).toBe(403);
    expect((await c.get('/beheer/organisaties/export')).statusCode).toBe(403);
  });

  it('lets a provider edit their own organisation only', async () => {
    const c = await client('provider@test.example');
    expect((await c.get(`/beheer/organisaties/${ids.provider}/bewerken`)).statusCode).toBe(200);
    expect((await c.get(`/beheer/organisaties/${ids.orgB}/bewerken`)).statusCode).toBe(404);
  });

  it('refuses the list to visitors and signal-point staff (403)', async () => {
    for (const email of ['visitor@test.example', 'handler@test.example']) {
      const c = await client(email);
      expect((await c.get('/beheer/organisaties')).statusCode, email).toBe(403);
      expect((await c.get(`/beheer/organisaties/${ids.orgA}`)).statusCode, email).toBe(403);
    }
  });

  it('sends anonymous visitors to the login page', async () => {
    const res = await new TestClient(t.app).get('/beheer/organisaties');
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toContain('/inloggen');
  });
});

describe('organisations: import', () => {
  const header = 'name,kind,sector,kvk_number,municipality_code,street,house_number,postcode,city,website,contact_name,contact_email,contact_phone';

  it('offers a template with the header row', async () => {
    const c = await client('admin@test.example');
    const page = await c.get('/beheer/organisaties/importeren');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('enctype="multipart/form-data"');
    expect(page.body).toContain('href="/beheer/organisaties/importeren/sjabloon.csv"');
    const tpl = await c.get('/beheer/organisaties/importeren/sjabloon.csv');
    expect(tpl.headers['content-type']).toContain('text/csv');
    expect(tpl.body.replace(/^\uFEFF/, '').trim()).toBe(header);
  });

  it('reports every bad row (line, field, reason) and imports nothing', async () => {
    const c = await client('admin@test.example');
    const before = await count();
    const csv = [
      header,
      'Goede Organisatie,welfare,Welzijn,11112222,GM0363,,,1011 AB,Amsterdam,,,,',
      ',welfare,,,GM0363,,,,,,,,', // 3: no name
      'Verkeerde KvK,welfare,,1234,GM0363,,,,,,,,', // 4
      'Onbekende Gemeente,welfare,,,GM9999,,,,,,,,', // 5
      'Oude Gemeente,welfare,,,GM0009,,,,,,,,', // 6: merged into Groningen
      'Dubbel In Bestand,care,,33334444,GM0363,,,,,,,,', // 7
      'Dubbel In Bestand,care,,55556666,GM0363,,,,,,,,', // 8: same name, same municipality
      'Andere Naam,care,,33334444,GM0599,,,,,,,,', // 9: same KvK as line 7
      'Bestaat Al,welfare,,41201234,GM0599,,,,,,,,', // 10: KvK in database
      'welzijn amsterdam centrum,welfare,,,GM0363,,,,,,,,', // 11: name in database
      'Rare Soort,knutselclub,,,GM0363,,,,,,,,', // 12
      'Slechte Gegevens,welfare,,,GM0363,,,9999,,ftp://x.nl,,geen-mail,', // 13
    ].join('\n');
    const res = await c.upload('/beheer/organisaties/importeren', {}, { field: 'bestand', filename: 'organisaties.csv', content: csv });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Niets geïmporteerd');
    const cells = [...res.body.matchAll(/<tr class="utrecht-table__row"><td class="utrecht-table__cell utrecht-table__cell--numeric">(\d+)<\/td><td class="utrecht-table__cell">([^<]+)<\/td><td class="utrecht-table__cell">([^<]+)<\/td><\/tr>/g)].map(
      (m) => `${m[1]}|${m[2]}|${m[3]}`,
    );
    const has = (line: number, field: string, reason: string) => expect(cells.some((x) => x.startsWith(`${line}|${field}|`) && x.includes(reason)), `${line} ${field} ${reason}\n${cells.join('\n')}`).toBe(true);
    has(3, 'name', MSG.name);
    has(4, 'kvk_number', MSG.kvk);
    has(5, 'municipality_code', 'Er is geen gemeente met CBS-code GM9999');
    has(6, 'municipality_code', 'bestaat niet meer; gebruik GM0014 (Groningen)');
    has(8, 'name', 'ook op regel 7');
    has(9, 'kvk_number', 'ook op regel 7');
    has(10, 'kvk_number', MSG.duplicateKvk);
    has(11, 'name', MSG.duplicateName);
    has(12, 'kind', MSG.kind);
    has(13, 'postcode', MSG.postcode);
    has(13, 'website', MSG.website);
    has(13, 'contact_email', 'Vul een geldig e-mailadres in');
    expect(cells.some((x) => x.startsWith('2|'))).toBe(false);
    expect(await count()).toBe(before);
  });

  it('reports a missing required column and an unreadable file', async () => {
    const c = await client('admin@test.example');
    const res = await c.upload('/beheer/organisaties/importeren', {}, { field: 'bestand', filename: 'x.csv', content: 'naam,soort\nA,welfare\n' });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('De kolom &quot;name&quot; ontbreekt');
    const xlsx = await c.upload('/beheer/organisaties/importeren', {}, { field: 'bestand', filename: 'kapot.xlsx', content: Buffer.from('PK-niet-echt') });
    expect(xlsx.statusCode).toBe(422);
    expect(xlsx.body).toContain('Het Excel-bestand kon niet worden gelezen');
    const none = await c.upload('/beheer/organisaties/importeren', {}, { field: 'bestand', filename: '', content: '' });
    expect(none.statusCode).toBe(422);
    expect(none.body).toContain('Kies een CSV- of Excel-bestand dat niet leeg is.');
  });

  it('imports a valid CSV (semicolons, BOM, Dutch kind labels) and audit-logs it', async () => {
    const c = await client('admin@test.example');
    const before = await count();
    const csv =
      '\uFEFF' +
      [
        header.replaceAll(',', ';'),
        'Import Welzijn Utrecht;Welzijnsorganisatie;Welzijn;70001111;gm0344;Oudegracht;1;3511 aa;Utrecht;https://www.iwu.example.nl;Piet;piet@iwu.example.nl;030 123 45 67',
        'Import Landelijk;national_partner;Ouderen;;;;;;;;;;',
      ].join('\r\n');
    const res = await c.upload('/beheer/organisaties/importeren', {}, { field: 'bestand', filename: 'import.csv', content: csv });
    expect(res.statusCode).toBe(303);
    expect((await c.get('/beheer/organisaties')).body).toContain('Import van import.csv geslaagd: 2 nieuw');
    expect(await count()).toBe(before + 2);
    expect(await byName('Import Welzijn Utrecht')).toMatchObject({ kind: 'welfare', municipalityId: ids.utrecht, postcode: '3511AA', kvkNumber: '70001111' });
    expect((await byName('Import Landelijk')).municipalityId).toBeNull();
    const entry = await lastAudit('import');
    expect(entry.details).toMatchObject({ file: 'import.csv', created: 2 });
  });

  it('imports a valid XLSX file', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Blad1');
    ws.addRow(header.split(','));
    ws.addRow(['Xlsx Vereniging', 'volunteer', 'Vrijwilligerswerk', '70002222', 'GM0599', 'Coolsingel', '40', '3011 AD', 'Rotterdam', 'https://xlsx.example.nl', '', '', '']);
    const buf = Buffer.from(await wb.xlsx.writeBuffer());
    const c = await client('coord.b@test.example');
    const res = await c.upload('/beheer/organisaties/importeren', {}, { field: 'bestand', filename: 'lijst.xlsx', content: buf, contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
    expect(res.statusCode).toBe(303);
    expect(await byName('Xlsx Vereniging')).toMatchObject({ municipalityId: ids.rotterdam, postcode: '3011AD', kvkNumber: '70002222' });
  });

  it('does not let a coordinator import organisations for another municipality', async () => {
    const c = await client('coord.a@test.example');
    const before = await count();
    const csv = [header, 'Eigen Club,welfare,,,GM0363,,,,,,,,', 'Vreemde Club,welfare,,,GM0599,,,,,,,,', 'Landelijke Club,welfare,,,,,,,,,,,'].join('\n');
    const res = await c.upload('/beheer/organisaties/importeren', {}, { field: 'bestand', filename: 'x.csv', content: csv });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain(MSG.municipalityScope);
    expect(res.body).toContain(MSG.national);
    expect(await count()).toBe(before);
    expect((await (await client('advisor.a@test.example')).get('/beheer/organisaties/importeren')).statusCode).toBe(403);
  });
});

describe('organisations: export', () => {
  it('exports the filtered list as CSV with a BOM, and is audit-logged', async () => {
    const c = await client('admin@test.example');
    const res = await c.get('/beheer/organisaties/export?formaat=csv&soort=national_partner');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="organisaties-\d{4}-\d{2}-\d{2}\.csv"/);
    expect(res.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const lines = res.body.replace(/^\uFEFF/, '').trim().split(/\r?\n/);
    expect(lines[0]).toBe('name,kind,kind_label,sector,kvk_number,municipality_code,municipality_name,province,street,house_number,postcode,city,website,contact_name,contact_email,contact_phone');
    expect(lines.some((l) => l.startsWith('Ouderenfonds,national_partner'))).toBe(true);
    expect(lines.some((l) => l.includes('Buurtkracht'))).toBe(false);
    const entry = await lastAudit('export');
    expect(entry.details).toMatchObject({ format: 'csv', rows: lines.length - 1, filters: { soort: 'national_partner' } });
  });

  it('exports with semicolons for Dutch Excel', async () => {
    const c = await client('admin@test.example');
    const res = await c.get('/beheer/organisaties/export?formaat=csv&scheidingsteken=puntkomma&q=Buurtkracht');
    const lines = res.body.replace(/^\uFEFF/, '').trim().split(/\r?\n/);
    expect(lines[0].startsWith('name;kind;kind_label;')).toBe(true);
    expect(lines[1]).toContain('Stichting Buurtkracht Rotterdam;welfare;Welzijnsorganisatie;Welzijn;24345678;GM0599;Rotterdam;Zuid-Holland');
  });

  it('exports XLSX within the coordinator scope', async () => {
    const c = await client('coord.a@test.example');
    const page = await c.get('/beheer/organisaties');
    expect(page.body).toMatch(/href="\/beheer\/organisaties\/export\?[^"]*formaat=xlsx"/);
    const res = await c.get('/beheer/organisaties/export?formaat=xlsx');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const ws = wb.worksheets[0];
    expect(ws.getRow(1).getCell(1).value).toBe('name');
    const names: string[] = [];
    for (let r = 2; r <= ws.rowCount; r++) names.push(String(ws.getRow(r).getCell(1).value));
    expect(names).toContain('Welzijn Amsterdam Centrum');
    expect(names).not.toContain('Stichting Buurtkracht Rotterdam');
    expect(names).not.toContain('Ouderenfonds');
    expect((await lastAudit('export')).details).toMatchObject({ format: 'xlsx' });
  });
});

describe('organisations: API', () => {
  it('lists organisations for an API key with registry:read, without contact person fields', async () => {
    const { raw } = await createApiKey(t.db, { name: 'Partner-app', organisationId: ids.national, actions: ['registry:read'], createdBy: adminId });
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/organisations?municipality=GM0363&pageSize=50', headers: { authorization: `Bearer ${raw}` } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.total).toBeGreaterThan(0);
    const a = body.data.find((o: { name: string }) => o.name === 'Welzijn Amsterdam Centrum');
    expect(a).toMatchObject({ kind: 'welfare', kvkNumber: '41201234', municipalityCode: 'GM0363', kindLabel: 'Welzijnsorganisatie' });
    expect(a.contact).toBeUndefined();
    expect(res.body).not.toContain('anna@welzijn.example.nl');
    expect(res.body).not.toContain('Anna de Vries');
    const one = await t.app.inject({ method: 'GET', url: `/api/v1/organisations/${ids.orgA}`, headers: { authorization: `Bearer ${raw}` } });
    expect(one.statusCode).toBe(200);
    expect(one.json().data.contact).toBeUndefined();
    const national = await t.app.inject({ method: 'GET', url: '/api/v1/organisations?municipality=national', headers: { authorization: `Bearer ${raw}` } });
    expect(national.json().data.every((o: { municipalityCode: string | null }) => o.municipalityCode === null)).toBe(true);
    const missing = await t.app.inject({ method: 'GET', url: '/api/v1/organisations/999999', headers: { authorization: `Bearer ${raw}` } });
    expect(missing.statusCode).toBe(404);
    const bad = await t.app.inject({ method: 'GET', url: '/api/v1/organisations?municipality=Amsterdam', headers: { authorization: `Bearer ${raw}` } });
    expect(bad.statusCode).toBe(400);
  });

  it('refuses a key without registry:read', async () => {
    const { raw } = await createApiKey(t.db, { name: 'Niets', organisationId: ids.national, actions: [], createdBy: adminId });
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/organisations', headers: { authorization: `Bearer ${raw}` } });
    expect(res.statusCode).toBe(403);
  });

  it('gives logged-in users the contact person of organisations they may read, scoped, and logs it', async () => {
    const c = await client('coord.a@test.example');
    const res = await c.get('/api/v1/organisations');
    expect(res.statusCode).toBe(200);
    const data = res.json().data as { id: number; contact?: { email: string | null } }[];
    expect(data.find((o) => o.id === ids.orgA)?.contact?.email).toBe('anna@welzijn.example.nl');
    expect(data.some((o) => o.id === ids.orgB)).toBe(false);
    expect((await c.get(`/api/v1/organisations/${ids.orgB}`)).statusCode).toBe(404);
    expect((await lastAudit('read_personal')).details).toMatchObject({ via: 'api' });
  });

  it('documents the endpoints in the OpenAPI document', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    const doc = res.json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/organisations', '/api/v1/organisations/{id}', '/api/v1/neighbourhoods']));
    expect(doc.paths['/api/v1/organisations'].get.tags).toEqual(['registry']);
  });
});

describe('can(): organisation rules', () => {
  const user = (role: Principal['roles'][number]['role'], m: number[] = [], o: number[] = []): Principal => ({
    kind: 'user',
    id: 1,
    label: role,
    roles: [{ role, municipalityId: m[0] ?? null, organisationId: o[0] ?? null }],
    municipalityIds: m,
    organisationIds: o,
  });
  it('lets coordinators create only in their own municipality and never nationally', () => {
    const p = user('municipality_coordinator', [10]);
    expect(can(p, 'organisation:create')).toBe(true);
    expect(can(p, 'organisation:create', { municipalityId: 10 })).toBe(true);
    expect(can(p, 'organisation:create', { municipalityId: 11 })).toBe(false);
    expect(can(p, 'organisation:create', { municipalityId: null })).toBe(false);
    expect(can(user('programme_admin'), 'organisation:create', { municipalityId: null })).toBe(true);
  });
  it('keeps signal staff and visitors out of the organisation list; partners and providers in', () => {
    for (const role of ['visitor', 'signal_handler', 'signal_coordinator'] as const) expect(can(user(role, [], [7]), 'organisation:list')).toBe(false);
    for (const role of ['partner', 'provider'] as const) expect(can(user(role, [], [7]), 'organisation:list')).toBe(true);
  });
  it('lets API keys with registry:read read neighbourhoods', () => {
    const key: Principal = { kind: 'api_key', id: 1, label: 'k', roles: [], municipalityIds: [], organisationIds: [1], apiActions: ['registry:read'] };
    expect(can(key, 'neighbourhood:list')).toBe(true);
    expect(can(key, 'neighbourhood:create')).toBe(false);
  });
});
