import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, asc, desc, eq } from 'drizzle-orm';
import { createTestApp, createUser, seedReference, TestClient, type TestApp } from '../../../test/helpers/app.js';
import { municipalityId } from '../../../test/helpers/registry.js';
import { setupSignalPoint, type SignalPointSetup } from '../../../test/helpers/signals.js';
import { auditLog } from '../../platform/db/schema.js';
import { neighbourhoods } from '../registry/schema.js';
import { resolveArea } from './routing.js';
import { postcodeAddressAreas, postcodeAreas } from './schema.js';

/**
 * The postcode table screens: lookup, manual correction (whole postcode and one house number)
 * by the programme team and by a municipality coordinator (own municipality only), and removing
 * a manual correction. Every change is audit-logged with old → new.
 */

let t: TestApp;
let sp: SignalPointSetup;
let utrecht: number;
let amsterdam: number;
let diemen: number;
let amsterdamHood: number;
let coordinatorId: number;

async function as(email: string) {
  const c = new TestClient(t.app);
  await c.login(email);
  return c;
}
const table = async () =>
  JSON.stringify([
    await t.db.select().from(postcodeAreas).orderBy(asc(postcodeAreas.postcode)),
    await t.db.select().from(postcodeAddressAreas).orderBy(asc(postcodeAddressAreas.postcode), asc(postcodeAddressAreas.houseNumber)),
  ]);
const row = async (pc: string) => (await t.db.select().from(postcodeAreas).where(eq(postcodeAreas.postcode, pc)))[0];
const addressRow = async (pc: string, hn: number) =>
  (await t.db.select().from(postcodeAddressAreas).where(and(eq(postcodeAddressAreas.postcode, pc), eq(postcodeAddressAreas.houseNumber, hn))))[0];
const lastPostcodeAudit = async () => (await t.db.select().from(auditLog).where(eq(auditLog.entity, 'postcode')).orderBy(desc(auditLog.id)).limit(1))[0]!;

beforeAll(async () => {
  t = await createTestApp();
  await seedReference(t.db);
  sp = await setupSignalPoint(t.db, { cbsCode: 'GM0344', emailPrefix: 'pc', postcodes: ['3511AB', '3511CD'] });
  utrecht = sp.municipalityId;
  amsterdam = await municipalityId(t.db, 'GM0363');
  diemen = await municipalityId(t.db, 'GM0384');
  [{ id: amsterdamHood }] = await t.db.insert(neighbourhoods).values({ code: 'BU03639901', name: 'Grachtengordel', kind: 'neighbourhood', municipalityId: amsterdam }).returning({ id: neighbourhoods.id });
  await t.db.insert(postcodeAreas).values({ postcode: '1012AA', municipalityId: amsterdam, neighbourhoodId: amsterdamHood, source: 'cbs', addressCount: 40 });
  await createUser(t.db, 'pc-admin@test.example', [{ role: 'programme_admin' }]);
  coordinatorId = (await createUser(t.db, 'pc-utrecht@test.example', [{ role: 'municipality_coordinator', municipalityId: utrecht }])).id;
});
afterAll(() => t.close());

describe('lookup', () => {
  it('shows municipality, neighbourhood, source, address count and exceptions', async () => {
    const c = await as('pc-utrecht@test.example');
    // With a house number the lookup is a POST: an address does not belong in a URL.
    const res = await c.post('/signaalpunten/postcodes', { postcode: '3511ab', huisnummer: '99' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Postcode 3511 AB');
    expect(res.body).toContain('Utrecht (GM0344)');
    expect(res.body).toMatch(/Binnenstad \d+ \(BU0344\d{4}\)/);
    expect(res.body).toContain('CBS-import');
    expect(res.body).toMatch(/<dt>Aantal adressen<\/dt><dd>20<\/dd>/);
    expect(res.body).toMatch(/Uitzondering: Utrecht, buurt Noordwijk/);
    expect(res.body).toContain('Postcode corrigeren');
    expect(res.body).toContain('Eén huisnummer corrigeren');
    expect(res.body).toMatch(/<form method="post" action="\/signaalpunten\/postcodes" class="filter-form" role="search"[^>]*><input type="hidden" name="_csrf"/);
    expect(res.body).not.toMatch(/<form method="get"[^>]*action="\/signaalpunten\/postcodes"/);
  });

  it('takes only the postcode from a URL: a house number in the query string is ignored, and the POST needs CSRF', async () => {
    const c = await as('pc-utrecht@test.example');
    const res = await c.get('/signaalpunten/postcodes?postcode=3511AB&huisnummer=99');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Postcode 3511 AB');
    expect(res.body).not.toContain('Uitzondering: Utrecht');
    expect(res.body).not.toContain('value="99"');
    expect((await c.post('/signaalpunten/postcodes', { postcode: '3511AB', huisnummer: '99' }, { csrf: 'ongeldig' })).statusCode).toBe(403);
  });

  it('shows a postcode of another municipality without correction forms, and refuses bad input', async () => {
    const c = await as('pc-utrecht@test.example');
    const other = await c.get('/signaalpunten/postcodes?postcode=1012AA');
    expect(other.body).toContain('Amsterdam (GM0363)');
    expect(other.body).not.toContain('Postcode corrigeren');
    expect(other.body).toContain('Deze postcode ligt niet in uw gemeente.');
    const bad = await c.post('/signaalpunten/postcodes', { postcode: '12345', huisnummer: 'x' });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('Vul een postcode in zoals 1234 AB.');
    expect(bad.body).toContain('Vul een huisnummer in (alleen cijfers, zoals 12).');
    expect(bad.body).toContain('value="12345"');
    expect(bad.body).toContain('value="x"');
    // A postcode that is not in the table: only the programme team may add it.
    const missing = await c.get('/signaalpunten/postcodes?postcode=3599ZZ');
    expect(missing.body).toContain('Deze postcode staat niet in de postcodetabel.');
    expect(missing.body).toContain('Alleen het programmateam kan een postcode toevoegen.');
    expect(missing.body).not.toContain('Postcode toevoegen');
    expect(missing.body).not.toContain('Eén huisnummer corrigeren');
    const admin = await as('pc-admin@test.example');
    expect((await admin.get('/signaalpunten/postcodes?postcode=3599ZZ')).body).toContain('Postcode toevoegen');
  });

  it('gives signal staff 403', async () => {
    const h = await as(sp.handlers[0].email);
    expect((await h.get('/signaalpunten/postcodes?postcode=3511AB')).statusCode).toBe(403);
    const before = await table();
    expect((await h.post('/signaalpunten/postcodes/correctie', { postcode: '3511AB', municipalityId: String(utrecht) })).statusCode).toBe(403);
    expect(await table()).toBe(before);
  });
});

describe('manual correction by a municipality coordinator', () => {
  it('corrects a postcode of the own municipality: source manual, updated_by, audit old → new', async () => {
    const c = await as('pc-utrecht@test.example');
    const res = await c.post('/signaalpunten/postcodes/correctie', { postcode: '3511 cd', municipalityId: String(utrecht), neighbourhoodId: String(sp.neighbourhoodIds[0]) });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/signaalpunten/postcodes?postcode=3511CD');
    expect(await row('3511CD')).toMatchObject({ municipalityId: utrecht, neighbourhoodId: sp.neighbourhoodIds[0], source: 'manual', updatedBy: coordinatorId, addressCount: 12 });
    const a = await lastPostcodeAudit();
    expect(a).toMatchObject({ action: 'update', entityId: '3511CD', actorLabel: 'pc-utrecht@test.example' });
    expect(a.details).toEqual({
      old: { municipalityId: utrecht, neighbourhoodId: sp.neighbourhoodIds[1], source: 'cbs' },
      new: { municipalityId: utrecht, neighbourhoodId: sp.neighbourhoodIds[0], source: 'manual' },
    });
    expect((await c.get('/signaalpunten/postcodes?postcode=3511CD')).body).toContain('Handmatig');
  });

  it('cannot claim a postcode that is not in the table (403, nothing changes); the programme team adds it', async () => {
    const c = await as('pc-utrecht@test.example');
    const before = await table();
    const audits = (await t.db.select().from(auditLog)).length;
    const res = await c.post('/signaalpunten/postcodes/correctie', { postcode: '3599ZZ', municipalityId: String(utrecht), neighbourhoodId: '' });
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('Alleen het programmateam kan een postcode toevoegen');
    // Nor one house number of it.
    expect((await c.post('/signaalpunten/postcodes/huisnummer', { postcode: '3599ZZ', houseNumber: '4', addressMunicipalityId: String(utrecht) })).statusCode).toBe(403);
    expect(await table()).toBe(before);
    expect((await t.db.select().from(auditLog)).length).toBe(audits);
    expect(await resolveArea(t.db, '3599ZZ', 1)).toBeNull();

    const admin = await as('pc-admin@test.example');
    expect((await admin.post('/signaalpunten/postcodes/correctie', { postcode: '3599ZZ', municipalityId: String(utrecht), neighbourhoodId: '' })).statusCode).toBe(303);
    expect(await row('3599ZZ')).toMatchObject({ municipalityId: utrecht, neighbourhoodId: null, source: 'manual' });
    expect(await lastPostcodeAudit()).toMatchObject({ action: 'create', entityId: '3599ZZ', actorLabel: 'pc-admin@test.example' });
    expect(await resolveArea(t.db, '3599ZZ', 1)).toEqual({ municipalityId: utrecht, neighbourhoodId: null, routedBy: 'postcode' });
    // Once it is in the coordinator's municipality, the coordinator corrects it (neighbourhood, house numbers).
    expect((await c.post('/signaalpunten/postcodes/correctie', { postcode: '3599ZZ', municipalityId: String(utrecht), neighbourhoodId: String(sp.neighbourhoodIds[0]) })).statusCode).toBe(303);
    expect(await row('3599ZZ')).toMatchObject({ neighbourhoodId: sp.neighbourhoodIds[0], updatedBy: coordinatorId });
    expect((await c.post('/signaalpunten/postcodes/correctie', { postcode: '3599ZZ', municipalityId: String(utrecht), neighbourhoodId: '' })).statusCode).toBe(303);
  });

  it('cannot touch another municipality: 404 for its postcodes, 403 for moving to it, and nothing changes', async () => {
    const c = await as('pc-utrecht@test.example');
    const before = await table();
    const audits = (await t.db.select().from(auditLog)).length;
    // Amsterdam's postcode: as if it does not exist.
    expect((await c.post('/signaalpunten/postcodes/correctie', { postcode: '1012AA', municipalityId: String(utrecht) })).statusCode).toBe(404);
    expect((await c.post('/signaalpunten/postcodes/huisnummer', { postcode: '1012AA', houseNumber: '3', addressMunicipalityId: String(utrecht) })).statusCode).toBe(404);
    expect((await c.post('/signaalpunten/postcodes/correctie-verwijderen', { postcode: '1012AA' })).statusCode).toBe(404);
    // Moving an own postcode to Amsterdam, or adding a new one there.
    expect((await c.post('/signaalpunten/postcodes/correctie', { postcode: '3511AB', municipalityId: String(amsterdam) })).statusCode).toBe(403);
    expect((await c.post('/signaalpunten/postcodes/correctie', { postcode: '3598AA', municipalityId: String(amsterdam) })).statusCode).toBe(403);
    // A neighbourhood of another municipality: a field error, the form kept.
    const hood = await c.post('/signaalpunten/postcodes/correctie', { postcode: '3511AB', municipalityId: String(utrecht), neighbourhoodId: String(amsterdamHood) });
    expect(hood.statusCode).toBe(422);
    expect(hood.body).toContain('Kies een buurt van de gekozen gemeente');
    expect(hood.body).toContain('href="#veld-neighbourhoodId"');
    // One page, two correction forms: every field id is unique.
    const ids = [...hood.body.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    const noNumber = await c.post('/signaalpunten/postcodes/huisnummer', { postcode: '3511AB', houseNumber: 'twaalf', addressMunicipalityId: String(utrecht) });
    expect(noNumber.statusCode).toBe(422);
    expect(noNumber.body).toContain('Vul een huisnummer in (alleen cijfers, zoals 12).');
    expect(noNumber.body).toContain('value="twaalf"');
    expect(noNumber.body).toContain('href="#veld-houseNumber"');
    expect(await table()).toBe(before);
    expect((await t.db.select().from(auditLog)).length).toBe(audits);
  });

  it('corrects one house number, and removes manual corrections again', async () => {
    const c = await as('pc-utrecht@test.example');
    const res = await c.post('/signaalpunten/postcodes/huisnummer', { postcode: '3511AB', houseNumber: '7', addressMunicipalityId: String(utrecht), addressNeighbourhoodId: String(sp.neighbourhoodIds[1]) });
    expect(res.statusCode).toBe(303);
    expect(await addressRow('3511AB', 7)).toMatchObject({ municipalityId: utrecht, neighbourhoodId: sp.neighbourhoodIds[1], source: 'manual' });
    expect(await resolveArea(t.db, '3511AB', 7)).toMatchObject({ neighbourhoodId: sp.neighbourhoodIds[1], routedBy: 'address' });
    const a = await lastPostcodeAudit();
    expect(a).toMatchObject({ action: 'create', entityId: '3511AB 7' });
    expect(a.details).toMatchObject({ houseNumber: 7, old: null, new: { municipalityId: utrecht, neighbourhoodId: sp.neighbourhoodIds[1], source: 'manual' } });
    // The CBS exception of 99 is not a manual correction: nothing to remove.
    const before = await table();
    await c.post('/signaalpunten/postcodes/correctie-verwijderen', { postcode: '3511AB', houseNumber: '99' });
    expect(await table()).toBe(before);
    // Remove the manual house number and the manual postcode.
    expect((await c.post('/signaalpunten/postcodes/correctie-verwijderen', { postcode: '3511AB', houseNumber: '7' })).statusCode).toBe(303);
    expect(await addressRow('3511AB', 7)).toBeUndefined();
    expect(await lastPostcodeAudit()).toMatchObject({ action: 'delete', entityId: '3511AB 7' });
    expect((await c.post('/signaalpunten/postcodes/correctie-verwijderen', { postcode: '3599ZZ' })).statusCode).toBe(303);
    expect(await row('3599ZZ')).toBeUndefined();
    expect((await lastPostcodeAudit()).details).toEqual({ old: { municipalityId: utrecht, neighbourhoodId: null, source: 'manual' }, new: null });
  });
});

describe('manual correction by the programme team', () => {
  it('may set any municipality and neighbourhood', async () => {
    const c = await as('pc-admin@test.example');
    const form = await c.get('/signaalpunten/postcodes?postcode=1012AA');
    expect(form.body).toContain('Postcode corrigeren');
    expect(form.body).toContain('Grachtengordel (BU03639901)');
    const res = await c.post('/signaalpunten/postcodes/correctie', { postcode: '1012AA', municipalityId: String(diemen), neighbourhoodId: '' });
    expect(res.statusCode).toBe(303);
    expect(await row('1012AA')).toMatchObject({ municipalityId: diemen, neighbourhoodId: null, source: 'manual' });
    // Choosing another municipality with a neighbourhood of the previous one: the form comes back with the new municipality's neighbourhoods.
    const mismatch = await c.post('/signaalpunten/postcodes/correctie', { postcode: '1012AA', municipalityId: String(utrecht), neighbourhoodId: String(amsterdamHood) });
    expect(mismatch.statusCode).toBe(422);
    expect(mismatch.body).toMatch(/Binnenstad \d+ \(BU0344/);
    const back = await c.post('/signaalpunten/postcodes/huisnummer', { postcode: '1012AA', houseNumber: '2', addressMunicipalityId: String(amsterdam), addressNeighbourhoodId: String(amsterdamHood) });
    expect(back.statusCode).toBe(303);
    expect(await resolveArea(t.db, '1012AA', 2)).toEqual({ municipalityId: amsterdam, neighbourhoodId: amsterdamHood, routedBy: 'address' });
  });
});
