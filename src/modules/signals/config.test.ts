import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { createTestApp, createUser, seedReference, TestClient, type TestApp } from '../../../test/helpers/app.js';
import { addParticipation, municipalityId } from '../../../test/helpers/registry.js';
import { addSignal, setupSignalPoint, signalInput, signalRow, type SignalPointSetup } from '../../../test/helpers/signals.js';
import { auditLog } from '../../platform/db/schema.js';
import { loadUserPrincipal } from '../../platform/auth/principal.js';
import { neighbourhoods, organisations } from '../registry/schema.js';
import { DELETED_ORGANISATION_ACTIVATE, DELETED_ORGANISATION_MARK, getMunicipalityConfig, makeDefault, setPointActive } from './config-service.js';
import { signalPoints, signalRoutingRules, signals } from './schema.js';

/**
 * Signal point configuration (/signaalpunten): CRUD with audit entries, scope (a coordinator of
 * another municipality gets 404 and changes nothing; signal staff get 403), validation, default
 * switching, rule order and its effect on real intake, and the routing test form.
 */

let t: TestApp;
let sp: SignalPointSetup;
let utrecht: number;
let amsterdam: number;
let otherOrg: number;
let nationalOrg: number;
let amsterdamOrg: number;
let amsterdamHood: number;

async function as(email: string) {
  const c = new TestClient(t.app);
  await c.login(email);
  return c;
}
const points = () => t.db.select().from(signalPoints).where(eq(signalPoints.municipalityId, utrecht)).orderBy(asc(signalPoints.id));
const rules = () => t.db.select().from(signalRoutingRules).where(eq(signalRoutingRules.municipalityId, utrecht)).orderBy(asc(signalRoutingRules.position), asc(signalRoutingRules.id));
const snapshot = async () => JSON.stringify([await t.db.select().from(signalPoints).orderBy(asc(signalPoints.id)), await t.db.select().from(signalRoutingRules).orderBy(asc(signalRoutingRules.id))]);
const lastAuditOf = async (entity: string) => (await t.db.select().from(auditLog).where(eq(auditLog.entity, entity)).orderBy(desc(auditLog.id)).limit(1))[0]!;
const auditCount = async () => (await t.db.select({ n: sql<number>`count(*)::int` }).from(auditLog))[0]!.n;
const defaults = async () => (await points()).filter((p) => p.isDefault && p.active).map((p) => p.id);

beforeAll(async () => {
  t = await createTestApp();
  await seedReference(t.db);
  sp = await setupSignalPoint(t.db, { cbsCode: 'GM0344', emailPrefix: 'cfg' });
  utrecht = sp.municipalityId;
  amsterdam = await municipalityId(t.db, 'GM0363');
  await addParticipation(t.db, 'GM0363');
  [{ id: otherOrg }] = await t.db.insert(organisations).values({ name: 'Buurtteam Utrecht Oost', kind: 'welfare', municipalityId: utrecht }).returning({ id: organisations.id });
  [{ id: nationalOrg }] = await t.db.insert(organisations).values({ name: 'Landelijke Luisterlijn', kind: 'national', municipalityId: null }).returning({ id: organisations.id });
  [{ id: amsterdamOrg }] = await t.db.insert(organisations).values({ name: 'Welzijn Amsterdam', kind: 'welfare', municipalityId: amsterdam }).returning({ id: organisations.id });
  [{ id: amsterdamHood }] = await t.db.insert(neighbourhoods).values({ code: 'BU03639901', name: 'Grachtengordel', kind: 'neighbourhood', municipalityId: amsterdam }).returning({ id: neighbourhoods.id });
  await createUser(t.db, 'cfg-admin@test.example', [{ role: 'programme_admin' }]);
  await createUser(t.db, 'cfg-utrecht@test.example', [{ role: 'municipality_coordinator', municipalityId: utrecht }]);
  await createUser(t.db, 'cfg-amsterdam@test.example', [{ role: 'municipality_coordinator', municipalityId: amsterdam }]);
});
afterAll(() => t.close());

describe('access', () => {
  it('gives signal staff 403 and anonymous users the login page', async () => {
    const h = await as(sp.handlers[0].email);
    expect((await h.get('/signaalpunten')).statusCode).toBe(403);
    expect((await h.get('/signaalpunten/GM0344')).statusCode).toBe(403);
    const before = await snapshot();
    expect((await h.post('/signaalpunten/GM0344/signaalpunt/nieuw', { name: 'X', organisationId: String(otherOrg) })).statusCode).toBe(403);
    expect(await snapshot()).toBe(before);
    const anon = new TestClient(t.app);
    const res = await anon.get('/signaalpunten');
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toMatch(/^\/inloggen/);
  });

  it('answers 404 to a coordinator of another municipality, for pages and changes, and changes nothing', async () => {
    const c = await as('cfg-amsterdam@test.example');
    const list = await c.get('/signaalpunten');
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('Amsterdam (GM0363)');
    expect(list.body).not.toContain('Utrecht (GM0344)');
    expect(list.body).toContain('Geen standaard-signaalpunt: signalen uit deze gemeente komen in de wachtrij van het programmateam.');
    expect((await c.get('/signaalpunten/GM0344')).statusCode).toBe(404);
    expect((await c.get('/signaalpunten/GM0344/routering-testen?postcode=3511AB&houseNumber=1')).statusCode).toBe(404);
    expect((await c.get(`/signaalpunten/GM0344/signaalpunt/${sp.signalPointId}/bewerken`)).statusCode).toBe(404);
    const before = await snapshot();
    const audits = await auditCount();
    const attempts = [
      c.post('/signaalpunten/GM0344/signaalpunt/nieuw', { name: 'Overname', organisationId: String(otherOrg), firstContactDays: '2', retentionMonths: '6' }),
      c.post(`/signaalpunten/GM0344/signaalpunt/${sp.signalPointId}/bewerken`, { name: 'Overname', organisationId: String(otherOrg), firstContactDays: '2', retentionMonths: '6' }),
      c.post(`/signaalpunten/GM0344/signaalpunt/${sp.signalPointId}/deactiveren`),
      c.post(`/signaalpunten/GM0344/signaalpunt/${sp.signalPointId}/verwijderen`),
      c.post('/signaalpunten/GM0344/regels/nieuw', { signalPointId: String(sp.signalPointId), signallerType: 'police' }),
      // Its own municipality in the URL, another municipality's signal point in the path: also 404.
      c.post(`/signaalpunten/GM0363/signaalpunt/${sp.signalPointId}/standaard`),
    ];
    for (const res of await Promise.all(attempts)) expect(res.statusCode).toBe(404);
    expect(await snapshot()).toBe(before);
    expect(await auditCount()).toBe(audits);
    expect((await c.get('/signaalpunten/GM9999')).statusCode).toBe(404);
    expect((await c.get('/signaalpunten/utrecht')).statusCode).toBe(404);
  });

  it('shows the programme team every participating municipality, and all on request', async () => {
    const c = await as('cfg-admin@test.example');
    const list = await c.get('/signaalpunten');
    expect(list.body).toContain('Utrecht (GM0344)');
    expect(list.body).toMatch(/GM0344\)<\/a><\/td><td class="utrecht-table__cell">Signaalpunt GM0344 \d+<\/td><td class="utrecht-table__cell">Ja<\/td>/);
    expect(list.body).toContain('Amsterdam (GM0363)');
    expect(list.body).toMatch(/GM0363\)<\/a><\/td><td class="utrecht-table__cell">Geen<\/td>/);
    expect(list.body).not.toContain('Groningen (GM0014)');
    expect((await c.get('/signaalpunten?toon=alle&q=Groningen')).body).toContain('Groningen (GM0014)');
    const without = await c.get('/signaalpunten?toon=zonder-standaard');
    expect(without.body).toContain('Amsterdam (GM0363)');
    expect(without.body).not.toContain('Utrecht (GM0344)');
    expect((await c.get('/signaalpunten/GM0363')).statusCode).toBe(200);
  });
});

describe('signal points', () => {
  let second: number;

  it('lets the coordinator add a signal point (organisations of the municipality or national) and audits it', async () => {
    const c = await as('cfg-utrecht@test.example');
    const form = await c.get('/signaalpunten/GM0344/signaalpunt/nieuw');
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('Buurtteam Utrecht Oost');
    expect(form.body).toContain('Landelijke Luisterlijn (landelijk)');
    expect(form.body).not.toContain('Welzijn Amsterdam');
    const res = await c.post('/signaalpunten/GM0344/signaalpunt/nieuw', {
      name: 'Signaalpunt Oost',
      organisationId: String(otherOrg),
      firstContactDays: '3',
      retentionMonths: '12',
      digestEmail: 'oost@buurtteam.example',
    });
    expect(res.statusCode).toBe(303);
    const row = (await points()).find((p) => p.name === 'Signaalpunt Oost')!;
    expect(row).toMatchObject({ organisationId: otherOrg, firstContactDays: 3, retentionMonths: 12, digestEmail: 'oost@buurtteam.example', isDefault: false, active: true });
    second = row.id;
    const a = await lastAuditOf('signal_point');
    expect(a).toMatchObject({ action: 'create', entityId: String(row.id), actorLabel: 'cfg-utrecht@test.example' });
    expect(a.details).toMatchObject({ municipalityId: utrecht, name: 'Signaalpunt Oost', organisationId: otherOrg, firstContactDays: 3, retentionMonths: 12, digestEmail: 'ingesteld' });
    expect(JSON.stringify(a.details)).not.toContain('oost@buurtteam.example');
    const page = await c.get('/signaalpunten/GM0344');
    expect(page.body).toContain('Signaalpunt Oost');
    expect(page.body).toContain('3 werkdagen');
  });

  it('refuses bad input with a message per field, keeps the values and changes nothing', async () => {
    const c = await as('cfg-utrecht@test.example');
    const before = await snapshot();
    const audits = await auditCount();
    const res = await c.post('/signaalpunten/GM0344/signaalpunt/nieuw', {
      name: '',
      organisationId: String(amsterdamOrg),
      firstContactDays: '11',
      retentionMonths: '0',
      digestEmail: 'geen-adres',
    });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Vul de naam van het signaalpunt in');
    expect(res.body).toContain('Kies de organisatie die de signalen oppakt.');
    expect(res.body).toContain('Vul een aantal werkdagen van 1 tot en met 10 in.');
    expect(res.body).toContain('Vul een aantal maanden van 1 tot en met 24 in.');
    expect(res.body).toContain('Vul een geldig e-mailadres in');
    expect(res.body).toContain('href="#veld-firstContactDays"');
    expect(res.body).toContain('value="11"');
    expect(res.body).toContain('value="geen-adres"');
    // A duplicate name and another municipality's organisation, with the rest valid.
    const dup = await c.post('/signaalpunten/GM0344/signaalpunt/nieuw', { name: 'signaalpunt oost', organisationId: String(amsterdamOrg), firstContactDays: '2', retentionMonths: '6' });
    expect(dup.statusCode).toBe(422);
    expect(dup.body).toContain('Deze gemeente heeft al een signaalpunt met deze naam.');
    expect(dup.body).toContain('Kies de organisatie die de signalen oppakt.');
    expect(dup.body).toContain('value="signaalpunt oost"');
    expect(await snapshot()).toBe(before);
    expect(await auditCount()).toBe(audits);
  });

  it('edits a signal point and logs only the changed fields', async () => {
    const c = await as('cfg-utrecht@test.example');
    const res = await c.post(`/signaalpunten/GM0344/signaalpunt/${second}/bewerken`, {
      name: 'Signaalpunt Oost',
      organisationId: String(nationalOrg),
      firstContactDays: '1',
      retentionMonths: '12',
      digestEmail: 'oost@buurtteam.example',
    });
    expect(res.statusCode).toBe(303);
    expect((await points()).find((p) => p.id === second)).toMatchObject({ organisationId: nationalOrg, firstContactDays: 1 });
    const a = await lastAuditOf('signal_point');
    expect(a.action).toBe('update');
    expect(a.details).toEqual({ municipalityId: utrecht, organisationId: { from: otherOrg, to: nationalOrg }, firstContactDays: { from: 3, to: 1 } });
  });

  it('switches the default atomically: exactly one active default, also when two switches race', async () => {
    const c = await as('cfg-utrecht@test.example');
    expect(await defaults()).toEqual([sp.signalPointId]);
    const res = await c.post(`/signaalpunten/GM0344/signaalpunt/${second}/standaard`);
    expect(res.statusCode).toBe(303);
    expect(await defaults()).toEqual([second]);
    const a = await lastAuditOf('signal_point');
    expect(a).toMatchObject({ action: 'update', entityId: String(second) });
    expect(a.details).toMatchObject({ isDefault: { from: false, to: true }, defaultTakenFrom: [sp.signalPointId] });
    // Two concurrent switches: one wins, never two defaults and never an error.
    const p = (await loadUserPrincipal(t.db, (await t.db.execute<{ id: number }>(sql`select id from users where email = 'cfg-utrecht@test.example'`)).rows[0]!.id))!;
    const results = await Promise.all([makeDefault(t.db, { principal: p }, utrecht, sp.signalPointId), makeDefault(t.db, { principal: p }, utrecht, second)]);
    expect(results).toEqual([true, true]);
    expect(await defaults()).toHaveLength(1);
    // Making it default through the edit form takes it from the other point too.
    await c.post(`/signaalpunten/GM0344/signaalpunt/${sp.signalPointId}/standaard`);
    expect(await defaults()).toEqual([sp.signalPointId]);
  });

  it('deactivates and reactivates; deactivating the default leaves the municipality without one and says so', async () => {
    const c = await as('cfg-utrecht@test.example');
    const res = await c.post(`/signaalpunten/GM0344/signaalpunt/${sp.signalPointId}/deactiveren`);
    expect(res.statusCode).toBe(303);
    expect(await defaults()).toEqual([]);
    const page = await c.get('/signaalpunten/GM0344');
    expect(page.body).toContain('Geen standaard-signaalpunt: signalen uit deze gemeente komen in de wachtrij van het programmateam.');
    expect((await lastAuditOf('signal_point')).action).toBe('deactivate');
    // An inactive point cannot be made default.
    await c.post(`/signaalpunten/GM0344/signaalpunt/${sp.signalPointId}/standaard`);
    expect(await defaults()).toEqual([]);
    await c.post(`/signaalpunten/GM0344/signaalpunt/${sp.signalPointId}/activeren`);
    await c.post(`/signaalpunten/GM0344/signaalpunt/${sp.signalPointId}/standaard`);
    expect(await defaults()).toEqual([sp.signalPointId]);
  });

  it('never deletes a signal point that has signals; deletes one without signals', async () => {
    const c = await as('cfg-utrecht@test.example');
    await addSignal(t.ctx, signalInput(sp.postcodes[0], 40));
    const page = await c.get(`/signaalpunten/GM0344/signaalpunt/${sp.signalPointId}/verwijderen`);
    expect(page.body).toContain('Een signaalpunt met signalen blijft bewaard');
    const detail = (await c.get('/signaalpunten/GM0344')).body;
    expect(detail).not.toContain(`/signaalpunt/${sp.signalPointId}/verwijderen`);
    expect(detail).toMatch(/Signaalpunt GM0344 \d+<\/td>(<td[^>]*>[^<]*<\/td>){6}<td class="utrecht-table__cell utrecht-table__cell--numeric">1<\/td>/);
    const refused = await c.post(`/signaalpunten/GM0344/signaalpunt/${sp.signalPointId}/verwijderen`);
    expect(refused.statusCode).toBe(409);
    expect((await points()).some((p) => p.id === sp.signalPointId)).toBe(true);
    await c.post('/signaalpunten/GM0344/signaalpunt/nieuw', { name: 'Tijdelijk', organisationId: String(otherOrg), firstContactDays: '2', retentionMonths: '6' });
    const temp = (await points()).find((p) => p.name === 'Tijdelijk')!;
    const res = await c.post(`/signaalpunten/GM0344/signaalpunt/${temp.id}/verwijderen`);
    expect(res.statusCode).toBe(303);
    expect((await points()).some((p) => p.id === temp.id)).toBe(false);
    expect(await lastAuditOf('signal_point')).toMatchObject({ action: 'delete', entityId: String(temp.id) });
  });
});

describe('routing rules', () => {
  let pointB: number;
  let pointC: number;

  beforeAll(async () => {
    const c = await as('cfg-admin@test.example');
    for (const name of ['Apotheekpunt', 'Binnenstadpunt']) {
      const res = await c.post('/signaalpunten/GM0344/signaalpunt/nieuw', { name, organisationId: String(otherOrg), firstContactDays: '2', retentionMonths: '6' });
      expect(res.statusCode).toBe(303);
    }
    const ps = await points();
    pointB = ps.find((p) => p.name === 'Apotheekpunt')!.id;
    pointC = ps.find((p) => p.name === 'Binnenstadpunt')!.id;
  });

  it('refuses a rule without criteria, with a neighbourhood or signal point of another municipality, and changes nothing', async () => {
    const c = await as('cfg-utrecht@test.example');
    const before = await snapshot();
    const none = await c.post('/signaalpunten/GM0344/regels/nieuw', { signalPointId: String(pointB) });
    expect(none.statusCode).toBe(422);
    expect(none.body).toContain('Kies minstens één voorwaarde: een buurt, een leeftijdsgroep of een soort melder.');
    expect(none.body).toContain('href="#veld-criteria"');
    const foreign = await c.post('/signaalpunten/GM0344/regels/nieuw', { signalPointId: String(pointB), neighbourhoodId: String(amsterdamHood), ageGroup: 'unknown' });
    expect(foreign.statusCode).toBe(422);
    expect(foreign.body).toContain('Kies een leeftijdsgroep uit de lijst.');
    const badHood = await c.post('/signaalpunten/GM0344/regels/nieuw', { signalPointId: String(pointB), neighbourhoodId: String(amsterdamHood) });
    expect(badHood.statusCode).toBe(422);
    expect(badHood.body).toContain('Kies een buurt uit de lijst.');
    const [amsterdamPoint] = await t.db.insert(signalPoints).values({ municipalityId: amsterdam, organisationId: amsterdamOrg, name: 'Amsterdam', isDefault: false }).returning();
    const before2 = await snapshot();
    const badPoint = await c.post('/signaalpunten/GM0344/regels/nieuw', { signalPointId: String(amsterdamPoint!.id), signallerType: 'police' });
    expect(badPoint.statusCode).toBe(422);
    expect(badPoint.body).toContain('Kies het signaalpunt waar de signalen heen gaan.');
    expect(badPoint.body).toContain('<option value="police" selected');
    expect(await snapshot()).toBe(before2);
    await t.db.delete(signalPoints).where(eq(signalPoints.id, amsterdamPoint!.id));
    expect(await snapshot()).toBe(before);
  });

  it('tries rules in order: moving a rule up changes where the next signal goes', async () => {
    const c = await as('cfg-utrecht@test.example');
    expect((await c.post('/signaalpunten/GM0344/regels/nieuw', { signalPointId: String(pointB), signallerType: 'pharmacy' })).statusCode).toBe(303);
    expect((await lastAuditOf('signal_routing_rule')).details).toMatchObject({ municipalityId: utrecht, position: 1, signalPointId: pointB, signallerType: 'pharmacy', neighbourhoodId: null });
    expect((await c.post('/signaalpunten/GM0344/regels/nieuw', { signalPointId: String(pointC), neighbourhoodId: String(sp.neighbourhoodIds[0]) })).statusCode).toBe(303);
    const [r1, r2] = await rules();
    expect([r1!.signalPointId, r2!.signalPointId]).toEqual([pointB, pointC]);

    // A pharmacy's signal from neighbourhood 0: rule 1 (pharmacy) wins.
    const first = await addSignal(t.ctx, signalInput(sp.postcodes[0], 12));
    expect((await signalRow(t.db, first.id)).signalPointId).toBe(pointB);
    const page = await c.get('/signaalpunten/GM0344');
    expect(page.body).toMatch(/Melder: apotheek/);
    expect(page.body).toMatch(/Buurt Binnenstad/);

    // Move the neighbourhood rule up: now it wins.
    expect((await c.post(`/signaalpunten/GM0344/regels/${r2!.id}/omhoog`)).statusCode).toBe(303);
    expect((await rules()).map((r) => r.id)).toEqual([r2!.id, r1!.id]);
    expect(await lastAuditOf('signal_routing_rule')).toMatchObject({ action: 'update', entityId: String(r2!.id) });
    expect((await lastAuditOf('signal_routing_rule')).details).toMatchObject({ position: { from: 2, to: 1 } });
    const second = await addSignal(t.ctx, signalInput(sp.postcodes[0], 14));
    expect((await signalRow(t.db, second.id)).signalPointId).toBe(pointC);
    // Neighbourhood 1 matches neither the neighbourhood rule nor (another signaller) the pharmacy rule: the default.
    const third = await addSignal(t.ctx, signalInput(sp.postcodes[1], 3, { signallerType: 'hairdresser' }));
    expect((await signalRow(t.db, third.id)).signalPointId).toBe(sp.signalPointId);
    // Already at the top: nothing moves.
    const before = await snapshot();
    await c.post(`/signaalpunten/GM0344/regels/${r2!.id}/omhoog`);
    expect(await snapshot()).toBe(before);
  });

  it('edits and deletes a rule, renumbering the rest', async () => {
    const c = await as('cfg-utrecht@test.example');
    const [top, next] = await rules();
    const edit = await c.post(`/signaalpunten/GM0344/regels/${next!.id}/bewerken`, { signalPointId: String(pointB), signallerType: 'pharmacy', ageGroup: 'elderly' });
    expect(edit.statusCode).toBe(303);
    expect((await lastAuditOf('signal_routing_rule')).details).toEqual({ municipalityId: utrecht, ageGroup: { from: null, to: 'elderly' } });
    expect((await c.get(`/signaalpunten/GM0344/regels/${top!.id}/verwijderen`)).body).toContain('Regel 1 verwijderen');
    expect((await c.post(`/signaalpunten/GM0344/regels/${top!.id}/verwijderen`)).statusCode).toBe(303);
    const left = await rules();
    expect(left.map((r) => [r.id, r.position])).toEqual([[next!.id, 0]]);
    expect(await lastAuditOf('signal_routing_rule')).toMatchObject({ action: 'delete', entityId: String(top!.id) });
  });

  it('explains the routing of an address without storing anything', async () => {
    const c = await as('cfg-utrecht@test.example');
    const count = async () => (await t.db.select({ n: sql<number>`count(*)::int` }).from(signals))[0]!.n;
    const before = await count();
    const byRule = await c.post(`/signaalpunten/GM0344/routering-testen`, { postcode: sp.postcodes[0].toLowerCase(), houseNumber: '12', signallerType: 'pharmacy', ageGroup: 'elderly' });
    expect(byRule.statusCode).toBe(200);
    expect(byRule.body).toContain('Apotheekpunt');
    expect(byRule.body).toContain('Regel 1 is de eerste regel waarvan alle voorwaarden kloppen.');
    expect(byRule.body).toContain('De postcode (postcodetabel)');
    const byDefault = await c.post(`/signaalpunten/GM0344/routering-testen`, { postcode: sp.postcodes[0], houseNumber: '12' });
    expect(byDefault.body).toContain('Geen regel past; het signaal gaat naar het standaard-signaalpunt.');
    expect(byDefault.body).toContain(`Signaalpunt GM0344`);
    const exception = await c.post(`/signaalpunten/GM0344/routering-testen`, { postcode: sp.postcodes[0], houseNumber: '99' });
    expect(exception.body).toContain('Dit huisnummer (uitzondering in de postcodetabel)');
    expect(exception.body).toContain('Noordwijk');
    const unknown = await c.post(`/signaalpunten/GM0344/routering-testen`, { postcode: '9999ZZ', houseNumber: '1' });
    expect(unknown.body).toContain('Deze postcode staat niet in de postcodetabel.');
    const bad = await c.post(`/signaalpunten/GM0344/routering-testen`, { postcode: '12AB', houseNumber: 'x' });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('Vul een postcode in zoals 1234 AB.');
    expect(bad.body).toContain('Vul een huisnummer in (alleen cijfers, zoals 12).');
    expect(bad.body).toContain('value="12AB"');
    // An address in another municipality: its name, not its signal points.
    const amsterdamPc = await setupSignalPoint(t.db, { cbsCode: 'GM0363', emailPrefix: 'cfg-ams', postcodes: ['1012AA', '1012AB'] });
    const elsewhere = await c.post(`/signaalpunten/GM0344/routering-testen`, { postcode: '1012AA', houseNumber: '1' });
    expect(elsewhere.body).toContain('Dit adres ligt in Amsterdam, niet in Utrecht.');
    expect(elsewhere.body).not.toContain('Signaalpunt GM0363');
    expect(amsterdamPc.municipalityId).toBe(amsterdam);
    expect(await count()).toBe(before);
  });

  it('keeps the address out of the URL: the test is a POST form with CSRF, GET shows the empty form', async () => {
    const c = await as('cfg-utrecht@test.example');
    const page = await c.get('/signaalpunten/GM0344');
    expect(page.body).toMatch(/<form method="post" action="\/signaalpunten\/GM0344\/routering-testen"[^>]*><input type="hidden" name="_csrf"/);
    // An address in the query string (an old link) is not used, nor shown back.
    const get = await c.get(`/signaalpunten/GM0344/routering-testen?postcode=${sp.postcodes[0]}&houseNumber=12`);
    expect(get.statusCode).toBe(200);
    expect(get.body).not.toContain('Uitkomst');
    expect(get.body).not.toContain('value="12"');
    expect(get.body).toContain('Vul een adres in om te zien naar welk signaalpunt een signaal zou gaan');
    expect(get.body).toMatch(/<form method="post" action="\/signaalpunten\/GM0344\/routering-testen"/);
    // Without a valid CSRF token: refused.
    expect((await c.post('/signaalpunten/GM0344/routering-testen', { postcode: sp.postcodes[0], houseNumber: '12' }, { csrf: 'ongeldig' })).statusCode).toBe(403);
    // Another municipality's coordinator: 404, also for the POST.
    const other = await as('cfg-amsterdam@test.example');
    expect((await other.post('/signaalpunten/GM0344/routering-testen', { postcode: sp.postcodes[0], houseNumber: '12' })).statusCode).toBe(404);
  });
});

describe('the rule list after configuration', () => {
  it('counts rules per municipality on the overview', async () => {
    const c = await as('cfg-admin@test.example');
    const body = (await c.get('/signaalpunten?q=utrecht')).body;
    expect(body).toContain('Utrecht (GM0344)');
    expect(body).toMatch(/<td class="utrecht-table__cell utrecht-table__cell--numeric">1<\/td><\/tr>/);
    const n = (await t.db.select({ n: sql<number>`count(*)::int` }).from(signalRoutingRules).where(and(eq(signalRoutingRules.municipalityId, utrecht))))[0]!.n;
    expect(n).toBe(1);
  });
});

describe('a signal point of a deleted organisation', () => {
  it('is shown as not active with the organisation marked, cannot be activated, made default or used in a rule, and is live again with another organisation', async () => {
    const amersfoort = await municipalityId(t.db, 'GM0307');
    const [gone] = await t.db.insert(organisations).values({ name: 'Opgeheven Stichting', kind: 'welfare', municipalityId: amersfoort }).returning();
    const [live] = await t.db.insert(organisations).values({ name: 'Welzijn Amersfoort', kind: 'welfare', municipalityId: amersfoort }).returning();
    const [hood] = await t.db.insert(neighbourhoods).values({ code: 'BU03079901', name: 'Centrum Amersfoort', kind: 'neighbourhood', municipalityId: amersfoort }).returning();
    const [point] = await t.db.insert(signalPoints).values({ municipalityId: amersfoort, organisationId: gone!.id, name: 'Signaalpunt Eem', isDefault: true }).returning();
    await t.db.insert(signalRoutingRules).values({ municipalityId: amersfoort, signalPointId: point!.id, position: 0, ageGroup: 'elderly' });
    // Deleted behind the screens' back (deleteOrganisation itself refuses while the point is active).
    await t.db.update(organisations).set({ deletedAt: new Date() }).where(eq(organisations.id, gone!.id));

    const config = await getMunicipalityConfig(t.db, amersfoort);
    expect(config.points).toEqual([
      expect.objectContaining({ id: point!.id, active: false, switchedOn: true, organisationDeleted: true, organisationName: `Opgeheven Stichting${DELETED_ORGANISATION_MARK}` }),
    ]);
    expect(config.rules.map((r) => r.pointActive)).toEqual([false]);

    const c = await as('cfg-admin@test.example');
    const page = (await c.get('/signaalpunten/GM0307')).body;
    expect(page).toContain(`Opgeheven Stichting${DELETED_ORGANISATION_MARK}`);
    expect(page).toContain('Geen standaard-signaalpunt: signalen uit deze gemeente komen in de wachtrij van het programmateam.');
    expect(page).toContain('Signaalpunt Eem (niet actief: deze regel wordt overgeslagen)');
    expect(page).not.toContain(`/signaalpunt/${point!.id}/deactiveren`);
    const overview = (await c.get('/signaalpunten?q=amersfoort&toon=alle')).body;
    expect(overview).not.toContain('Signaalpunt Eem');

    const before = await snapshot();
    const activate = await c.post(`/signaalpunten/GM0307/signaalpunt/${point!.id}/activeren`);
    expect(activate.statusCode).toBe(409);
    expect(activate.body).toContain(DELETED_ORGANISATION_ACTIVATE);
    await c.post(`/signaalpunten/GM0307/signaalpunt/${point!.id}/standaard`);
    const rule = await c.post('/signaalpunten/GM0307/regels/nieuw', { signalPointId: String(point!.id), neighbourhoodId: String(hood!.id) });
    expect(rule.statusCode).toBe(422);
    expect(rule.body).toContain('Kies het signaalpunt waar de signalen heen gaan.');
    expect(await snapshot()).toBe(before);
    const p = (await loadUserPrincipal(t.db, (await t.db.execute<{ id: number }>(sql`select id from users where email = 'cfg-admin@test.example'`)).rows[0]!.id))!;
    expect(await makeDefault(t.db, { principal: p }, amersfoort, point!.id)).toBe(false);
    await expect(setPointActive(t.db, { principal: p }, amersfoort, point!.id, true)).rejects.toThrow(DELETED_ORGANISATION_ACTIVATE);

    // Another organisation takes the point over: it is active (and the default) again.
    const edit = await c.post(`/signaalpunten/GM0307/signaalpunt/${point!.id}/bewerken`, {
      name: 'Signaalpunt Eem',
      organisationId: String(live!.id),
      firstContactDays: '2',
      retentionMonths: '6',
      isDefault: 'ja',
    });
    expect(edit.statusCode).toBe(303);
    const after = await getMunicipalityConfig(t.db, amersfoort);
    expect(after.points[0]).toMatchObject({ active: true, isDefault: true, organisationDeleted: false, organisationName: 'Welzijn Amersfoort' });
    expect((await c.get('/signaalpunten/GM0307')).body).not.toContain('Geen standaard-signaalpunt: signalen');
  });
});
