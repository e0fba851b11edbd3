import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, isNull } from 'drizzle-orm';
import { createTestApp, createUser, seedReference, TestClient, type TestApp } from '../../../test/helpers/app.js';
import { addJointApproach, addParticipation, countRows, lastAudit, municipalityByCode, municipalityId, snapshot } from '../../../test/helpers/registry.js';
import { auditLog } from '../../platform/db/schema.js';
import { readTable } from '../../platform/tabular.js';
import { jointApproaches, municipalities, participations } from './schema.js';

let t: TestApp;
const ids: Record<string, number> = {};
const pids: Record<string, number> = {};
let drenthe: number;

beforeAll(async () => {
  t = await createTestApp();
  await seedReference(t.db);
  for (const c of ['GM0344', 'GM0363', 'GM0599', 'GM0014', 'GM0080', 'GM0106', 'GM0109', 'GM0114', 'GM0307', 'GM0518']) ids[c] = await municipalityId(t.db, c);
  pids.GM0363 = (await addParticipation(t.db, 'GM0363', 'active', '2019-03-15', { contactName: 'A. Dam', contactEmail: 'eenzaamheid@amsterdam.example.nl' })).id;
  pids.GM0344 = (await addParticipation(t.db, 'GM0344', 'signed', '2020-01-15')).id;
  pids.GM0599 = (await addParticipation(t.db, 'GM0599', 'interested', null)).id;
  drenthe = (await addJointApproach(t.db, 'Samen Drenthe', 'GM0106', ['GM0109', 'GM0114'])).id;
  for (const c of ['GM0106', 'GM0109', 'GM0114']) {
    const [p] = await t.db.select().from(participations).where(eq(participations.municipalityId, ids[c]));
    pids[c] = p.id;
  }
  await createUser(t.db, 'admin@test.example', [{ role: 'programme_admin' }]);
  await createUser(t.db, 'coord@test.example', [{ role: 'municipality_coordinator', municipalityId: ids.GM0344 }]);
  await createUser(t.db, 'assen@test.example', [{ role: 'municipality_coordinator', municipalityId: ids.GM0106 }]);
  await createUser(t.db, 'coevorden@test.example', [{ role: 'municipality_coordinator', municipalityId: ids.GM0109 }]);
  await createUser(t.db, 'groningen@test.example', [{ role: 'municipality_coordinator', municipalityId: ids.GM0014 }]);
  await createUser(t.db, 'adv@test.example', [
    { role: 'advisor', municipalityId: ids.GM0014 },
    { role: 'advisor', municipalityId: ids.GM0363 },
  ]);
  await createUser(t.db, 'partner@test.example', [{ role: 'partner' }]);
});
afterAll(async () => t.close());

async function as(email: string) {
  const c = new TestClient(t.app);
  await c.login(email);
  return c;
}

const listed = (html: string) => [...html.matchAll(/<a class="utrecht-link" href="\/beheer\/deelnames\/\d+">([^<]+)<\/a>/g)].map((m) => m[1]);
const participationOf = async (code: string) =>
  (await t.db.select().from(participations).where(and(eq(participations.municipalityId, await municipalityId(t.db, code)), isNull(participations.deletedAt))))[0];

describe('participation list', () => {
  it('filters on status, province and joint approach, searches and sorts', async () => {
    const c = await as('admin@test.example');
    const all = await c.get('/beheer/deelnames');
    expect(all.statusCode).toBe(200);
    expect(listed(all.body)).toEqual(['Amsterdam', 'Assen', 'Coevorden', 'Emmen', 'Rotterdam', 'Utrecht']);
    expect(listed((await c.get('/beheer/deelnames?status=interested')).body)).toEqual(['Rotterdam']);
    expect(listed((await c.get('/beheer/deelnames?provincie=PV22')).body)).toEqual(['Assen', 'Coevorden', 'Emmen']);
    expect(listed((await c.get('/beheer/deelnames?gezamenlijk=ja')).body)).toEqual(['Assen', 'Coevorden', 'Emmen']);
    expect(listed((await c.get('/beheer/deelnames?gezamenlijk=nee')).body)).toEqual(['Amsterdam', 'Rotterdam', 'Utrecht']);
    expect(listed((await c.get('/beheer/deelnames?q=samen')).body)).toEqual(['Assen', 'Coevorden', 'Emmen']);
    const bySigned = listed((await c.get('/beheer/deelnames?sort=signedOn&dir=desc&gezamenlijk=nee')).body);
    expect(bySigned).toEqual(['Utrecht', 'Amsterdam', 'Rotterdam']); // nulls last
    expect(all.body).toContain('Samen Drenthe (hoofdgemeente)');
    // Unknown filter values are ignored rather than failing.
    expect((await c.get('/beheer/deelnames?status=bogus&provincie=XX&sort=evil')).statusCode).toBe(200);
  });

  it("shows each role only its scope; roles without registry access get 403", async () => {
    expect(listed((await (await as('coord@test.example')).get('/beheer/deelnames')).body)).toEqual(['Utrecht']);
    expect(listed((await (await as('assen@test.example')).get('/beheer/deelnames')).body)).toEqual(['Assen', 'Coevorden', 'Emmen']);
    expect(listed((await (await as('coevorden@test.example')).get('/beheer/deelnames')).body)).toEqual(['Coevorden']);
    expect(listed((await (await as('adv@test.example')).get('/beheer/deelnames')).body)).toEqual(['Amsterdam']);
    const partner = await as('partner@test.example');
    for (const url of ['/beheer/deelnames', `/beheer/deelnames/${pids.GM0344}`, '/beheer/deelnames/export', '/beheer/deelnames/gezamenlijke-aanpakken']) {
      expect((await partner.get(url)).statusCode, url).toBe(403);
    }
  });
});

describe('participation detail', () => {
  it('shows the participation in scope, logs the read of contact details, and hides others (404)', async () => {
    const adv = await as('adv@test.example');
    const res = await adv.get(`/beheer/deelnames/${pids.GM0363}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('eenzaamheid@amsterdam.example.nl');
    expect(res.body).toContain('15 maart 2019');
    expect(res.body).not.toContain('Contactgegevens bewerken'); // advisors only read
    expect(await lastAudit(t.db, 'read_personal')).toMatchObject({ entity: 'participation', entityId: String(pids.GM0363), actorLabel: 'adv@test.example' });
    const other = await (await as('coord@test.example')).get(`/beheer/deelnames/${pids.GM0363}`);
    expect(other.statusCode).toBe(404);
    expect(other.body).not.toContain('amsterdam.example.nl');
  });
});

describe('registering a participation', () => {
  it('validates, keeps the input, and registers nothing on errors', async () => {
    const c = await as('admin@test.example');
    const form = await c.get(`/beheer/deelnames/nieuw?gemeente=${ids.GM0014}`);
    expect(form.body).toMatch(new RegExp(`<option value="${ids.GM0014}" selected>Groningen \\(GM0014\\)</option>`));
    expect(form.body).not.toContain('Utrecht (GM0344)'); // already takes part
    const before = await snapshot(t.db, participations);
    const empty = await c.post('/beheer/deelnames/nieuw', { municipalityId: '', status: '' });
    expect(empty.statusCode).toBe(422);
    expect(empty.body).toContain('Kies een gemeente.');
    expect(empty.body).toContain('Kies een status.');
    const noDate = await c.post('/beheer/deelnames/nieuw', { municipalityId: String(ids.GM0014), status: 'signed', signedOn: '', contactEmail: 'geen-adres', contactName: 'Jan' });
    expect(noDate.body).toContain('Vul de datum in waarop de vijf pijlers zijn ondertekend.');
    expect(noDate.body).toContain('Vul een geldig e-mailadres in');
    expect(noDate.body).toContain('value="Jan"');
    const future = await c.post('/beheer/deelnames/nieuw', { municipalityId: String(ids.GM0014), status: 'active', signedOn: '2999-01-01' });
    expect(future.body).toContain('kan niet in de toekomst liggen');
    const twice = await c.post('/beheer/deelnames/nieuw', { municipalityId: String(ids.GM0344), status: 'interested' });
    expect(twice.statusCode).toBe(422);
    expect(twice.body).toContain('Utrecht neemt al deel.');
    const unknown = await c.post('/beheer/deelnames/nieuw', { municipalityId: '99999', status: 'interested' });
    expect(unknown.body).toContain('Kies een bestaande gemeente.');
    expect(await snapshot(t.db, participations)).toBe(before);
  });

  it('registers a participation and audits it', async () => {
    const c = await as('admin@test.example');
    const res = await c.post('/beheer/deelnames/nieuw', { municipalityId: String(ids.GM0014), status: 'signed', signedOn: '01-10-2024', contactName: 'G. Roningen', contactEmail: 'ete@groningen.example.nl' });
    expect(res.statusCode).toBe(303);
    const p = await participationOf('GM0014');
    expect(p).toMatchObject({ status: 'signed', signedOn: '2024-10-01', contactEmail: 'ete@groningen.example.nl' });
    expect(res.headers.location).toBe(`/beheer/deelnames/${p.id}`);
    expect(await lastAudit(t.db, 'create')).toMatchObject({ entity: 'participation', entityId: String(p.id) });
    pids.GM0014 = p.id;
  });

  it('is for the programme team only', async () => {
    const c = await as('coord@test.example');
    const before = await countRows(t.db, participations);
    expect((await c.get('/beheer/deelnames/nieuw')).statusCode).toBe(403);
    expect((await c.post('/beheer/deelnames/nieuw', { municipalityId: String(ids.GM0307), status: 'interested' })).statusCode).toBe(403);
    expect(await countRows(t.db, participations)).toBe(before);
  });
});

describe('editing a participation', () => {
  it('lets the admin change status and date', async () => {
    const c = await as('admin@test.example');
    const res = await c.post(`/beheer/deelnames/${pids.GM0599}/bewerken`, { status: 'active', signedOn: '2023-06-01', contactName: '', contactEmail: '', notes: 'Gestart na raadsbesluit' });
    expect(res.statusCode).toBe(303);
    expect(await participationOf('GM0599')).toMatchObject({ status: 'active', signedOn: '2023-06-01', notes: 'Gestart na raadsbesluit' });
    expect((await lastAudit(t.db, 'update'))?.details).toMatchObject({ changed: expect.arrayContaining(['status', 'signedOn', 'notes']) });
    const bad = await c.post(`/beheer/deelnames/${pids.GM0599}/bewerken`, { status: 'active', signedOn: '' });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('Vul de datum in waarop de vijf pijlers zijn ondertekend.');
    expect((await participationOf('GM0599')).signedOn).toBe('2023-06-01');
  });

  it('lets a coordinator change only contact details and notes of their own participation', async () => {
    const c = await as('coord@test.example');
    const form = await c.get(`/beheer/deelnames/${pids.GM0344}/bewerken`);
    expect(form.statusCode).toBe(200);
    expect(form.body).not.toContain('name="status"');
    const res = await c.post(`/beheer/deelnames/${pids.GM0344}/bewerken`, { contactName: 'U. Trecht', contactEmail: 'ete@utrecht.example.nl', notes: 'Coalitie opgericht', status: 'stopped', signedOn: '' });
    expect(res.statusCode).toBe(303);
    expect(await participationOf('GM0344')).toMatchObject({ status: 'signed', signedOn: '2020-01-15', contactName: 'U. Trecht', notes: 'Coalitie opgericht' });
    const bad = await c.post(`/beheer/deelnames/${pids.GM0344}/bewerken`, { contactEmail: 'niet-goed' });
    expect(bad.statusCode).toBe(422);
    expect((await participationOf('GM0344')).contactEmail).toBe('ete@utrecht.example.nl');
  });

  it("answers 404 for another municipality's participation and changes nothing", async () => {
    const c = await as('coord@test.example');
    const before = await snapshot(t.db, participations);
    expect((await c.get(`/beheer/deelnames/${pids.GM0363}/bewerken`)).statusCode).toBe(404);
    expect((await c.post(`/beheer/deelnames/${pids.GM0363}/bewerken`, { contactName: 'X' })).statusCode).toBe(404);
    expect((await c.post(`/beheer/deelnames/${pids.GM0363}/verwijderen`)).statusCode).toBe(404);
    expect(await snapshot(t.db, participations)).toBe(before);
  });

  it('keeps advisors read-only (403) and lets a primary coordinator edit a member', async () => {
    const before = await snapshot(t.db, participations);
    const adv = await as('adv@test.example');
    expect((await adv.get(`/beheer/deelnames/${pids.GM0363}/bewerken`)).statusCode).toBe(403);
    expect((await adv.post(`/beheer/deelnames/${pids.GM0363}/bewerken`, { contactName: 'X' })).statusCode).toBe(403);
    expect(await snapshot(t.db, participations)).toBe(before);
    const assen = await as('assen@test.example');
    expect((await assen.post(`/beheer/deelnames/${pids.GM0114}/bewerken`, { contactName: 'E. Mmen' })).statusCode).toBe(303);
    expect((await participationOf('GM0114')).contactName).toBe('E. Mmen');
  });
});

describe('deleting a participation', () => {
  it('refuses the primary of a joint approach, soft-deletes others, and is for the programme team only', async () => {
    const c = await as('admin@test.example');
    const confirm = await c.get(`/beheer/deelnames/${pids.GM0106}/verwijderen`);
    expect(confirm.body).toContain('is hoofdgemeente van');
    const before = await snapshot(t.db, participations);
    expect((await c.post(`/beheer/deelnames/${pids.GM0106}/verwijderen`)).statusCode).toBe(409);
    expect(await snapshot(t.db, participations)).toBe(before);
    expect((await (await as('coord@test.example')).post(`/beheer/deelnames/${pids.GM0344}/verwijderen`)).statusCode).toBe(403);
    expect(await snapshot(t.db, participations)).toBe(before);
    expect((await c.get(`/beheer/deelnames/${pids.GM0599}/verwijderen`)).body).toContain('Ja, verwijder deze deelname');
    expect((await c.post(`/beheer/deelnames/${pids.GM0599}/verwijderen`)).statusCode).toBe(303);
    expect(await participationOf('GM0599')).toBeUndefined();
    expect((await c.get(`/beheer/deelnames/${pids.GM0599}`)).statusCode).toBe(404);
    expect(await lastAudit(t.db, 'delete')).toMatchObject({ entity: 'participation', entityId: String(pids.GM0599) });
  });
});

describe('joint approaches', () => {
  let noord: number;

  it('validates a new joint approach and its primary municipality', async () => {
    const c = await as('admin@test.example');
    const before = await snapshot(t.db, jointApproaches);
    const empty = await c.post('/beheer/deelnames/gezamenlijke-aanpakken/nieuw', { name: '', primaryMunicipalityId: '' });
    expect(empty.statusCode).toBe(422);
    expect(empty.body).toContain('Vul de naam in.');
    expect(empty.body).toContain('Kies de hoofdgemeente.');
    const noParticipation = await c.post('/beheer/deelnames/gezamenlijke-aanpakken/nieuw', { name: 'Noord', primaryMunicipalityId: String(ids.GM0080) });
    expect(noParticipation.body).toContain('Leeuwarden heeft nog geen deelname');
    const taken = await c.post('/beheer/deelnames/gezamenlijke-aanpakken/nieuw', { name: 'Noord', primaryMunicipalityId: String(ids.GM0109) });
    expect(taken.body).toContain('Coevorden is al lid van de gezamenlijke aanpak &quot;Samen Drenthe&quot;');
    const dupName = await c.post('/beheer/deelnames/gezamenlijke-aanpakken/nieuw', { name: 'samen drenthe', primaryMunicipalityId: String(ids.GM0014) });
    expect(dupName.body).toContain('Er bestaat al een gezamenlijke aanpak met de naam');
    expect(await snapshot(t.db, jointApproaches)).toBe(before);
  });

  it('creates a joint approach, adds members, changes the primary, and the scope follows', async () => {
    const c = await as('admin@test.example');
    const res = await c.post('/beheer/deelnames/gezamenlijke-aanpakken/nieuw', { name: 'Noord samen', primaryMunicipalityId: String(ids.GM0014) });
    expect(res.statusCode).toBe(303);
    const [j] = await t.db.select().from(jointApproaches).where(eq(jointApproaches.name, 'Noord samen'));
    noord = j.id;
    expect((await participationOf('GM0014')).jointApproachId).toBe(noord);
    await addParticipation(t.db, 'GM0080', 'interested', null);
    expect((await c.post(`/beheer/deelnames/gezamenlijke-aanpakken/${noord}/leden`, { municipalityId: String(ids.GM0080) })).statusCode).toBe(303);
    expect((await participationOf('GM0080')).jointApproachId).toBe(noord);
    // The Groningen coordinator now also sees Leeuwarden.
    const g = await as('groningen@test.example');
    expect(listed((await g.get('/beheer/deelnames')).body)).toEqual(['Groningen', 'Leeuwarden']);

    const before = await snapshot(t.db, participations);
    const other = await c.post(`/beheer/deelnames/gezamenlijke-aanpakken/${noord}/leden`, { municipalityId: String(ids.GM0109) });
    expect(other.statusCode).toBe(422);
    expect(other.body).toContain('is al lid van de gezamenlijke aanpak');
    const removePrimary = await c.post(`/beheer/deelnames/gezamenlijke-aanpakken/${noord}/leden/${ids.GM0014}/verwijderen`);
    expect(removePrimary.statusCode).toBe(422);
    expect(removePrimary.body).toContain('is de hoofdgemeente. Kies eerst een andere hoofdgemeente.');
    const notMember = await c.post(`/beheer/deelnames/gezamenlijke-aanpakken/${noord}/hoofdgemeente`, { primaryMunicipalityId: String(ids.GM0344) });
    expect(notMember.statusCode).toBe(422);
    expect(notMember.body).toContain('De hoofdgemeente moet lid zijn van de gezamenlijke aanpak.');
    expect(await snapshot(t.db, participations)).toBe(before);

    expect((await c.post(`/beheer/deelnames/gezamenlijke-aanpakken/${noord}/hoofdgemeente`, { primaryMunicipalityId: String(ids.GM0080) })).statusCode).toBe(303);
    expect((await t.db.select().from(jointApproaches).where(eq(jointApproaches.id, noord)))[0].primaryMunicipalityId).toBe(ids.GM0080);
    expect(listed((await g.get('/beheer/deelnames')).body)).toEqual(['Groningen']);
    expect((await c.post(`/beheer/deelnames/gezamenlijke-aanpakken/${noord}/naam`, { name: 'Noord-Nederland samen' })).statusCode).toBe(303);
    const page = await c.get(`/beheer/deelnames/gezamenlijke-aanpakken/${noord}`);
    expect(page.body).toContain('<h1 class="utrecht-heading-1">Noord-Nederland samen</h1>');
    expect(page.body).toContain('Leeuwarden (GM0080)');
  });

  it('shows joint approaches read-only to members and hides them from others', async () => {
    const coevorden = await as('coevorden@test.example');
    const page = await coevorden.get(`/beheer/deelnames/gezamenlijke-aanpakken/${drenthe}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('Gemeente toevoegen');
    expect((await coevorden.get('/beheer/deelnames/gezamenlijke-aanpakken')).body).not.toContain('Noord-Nederland samen');
    expect((await coevorden.get(`/beheer/deelnames/gezamenlijke-aanpakken/${noord}`)).statusCode).toBe(404);
    const before = await snapshot(t.db, participations);
    const assen = await as('assen@test.example');
    expect((await assen.post(`/beheer/deelnames/gezamenlijke-aanpakken/${drenthe}/leden/${ids.GM0109}/verwijderen`)).statusCode).toBe(403);
    expect((await assen.post('/beheer/deelnames/gezamenlijke-aanpakken/nieuw', { name: 'X', primaryMunicipalityId: String(ids.GM0106) })).statusCode).toBe(403);
    expect(await snapshot(t.db, participations)).toBe(before);
  });

  it('removes a member and dissolves a joint approach, keeping the participations', async () => {
    const c = await as('admin@test.example');
    expect((await c.post(`/beheer/deelnames/gezamenlijke-aanpakken/${noord}/leden/${ids.GM0014}/verwijderen`)).statusCode).toBe(303);
    expect((await participationOf('GM0014')).jointApproachId).toBeNull();
    expect((await c.get(`/beheer/deelnames/gezamenlijke-aanpakken/${noord}/verwijderen`)).body).toContain('Ja, hef deze gezamenlijke aanpak op');
    expect((await c.post(`/beheer/deelnames/gezamenlijke-aanpakken/${noord}/verwijderen`)).statusCode).toBe(303);
    expect((await participationOf('GM0080')).jointApproachId).toBeNull();
    expect((await c.get(`/beheer/deelnames/gezamenlijke-aanpakken/${noord}`)).statusCode).toBe(404);
    expect(await lastAudit(t.db, 'delete')).toMatchObject({ entity: 'joint_approach', entityId: String(noord) });
  });
});

describe('importing participations', () => {
  it('reports every bad row and imports nothing', async () => {
    const c = await as('admin@test.example');
    const utrecht = await municipalityByCode(t.db, 'GM0344');
    await t.db.insert(municipalities).values({ cbsCode: 'GM9991', name: 'Oud-Utrecht', provinceId: utrecht.provinceId, validTo: '2000-12-31', successorId: utrecht.id });
    const before = await snapshot(t.db, participations);
    const file = [
      'cbs_code,status,signed_on,contact_email,joint_approach',
      'GM0307,signed,2024-05-01,,', // fine
      'GM9990,active,2024-05-01,,',
      'GM9991,active,2024-05-01,,',
      'GM0518,bijna,,,',
      'GM0518,active,,,',
      'GM0402,interested,,geen-adres,',
      'GM0394,interested,,,Bestaat niet',
      'GM0106,active,2021-05-01,,',
      'GM0307,interested,,,',
    ].join('\n');
    const res = await c.upload('/beheer/deelnames/importeren', {}, { field: 'bestand', filename: 'deelnames.csv', content: file });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Niets geïmporteerd: 8 problemen in deelnames.csv');
    expect(res.body).toContain('Onbekende CBS-code GM9990');
    expect(res.body).toContain('Oud-Utrecht (GM9991) is opgeheven per 2000-12-31 en opgegaan in Utrecht (GM0344); gebruik die code.');
    expect(res.body).toContain('Kies een status');
    expect(res.body).toContain('Vul de datum in waarop de vijf pijlers zijn ondertekend.');
    expect(res.body).toContain('Geen geldig e-mailadres.');
    expect(res.body).toContain('Onbekende gezamenlijke aanpak &quot;Bestaat niet&quot;');
    expect(res.body).toContain('Assen is hoofdgemeente van &quot;Samen Drenthe&quot;');
    expect(res.body).toContain('staat dubbel in het bestand (ook op regel 2)');
    expect(await snapshot(t.db, participations)).toBe(before);
  });

  it('imports a valid file (labels and Dutch dates accepted): creates and updates, audited', async () => {
    const c = await as('admin@test.example');
    const file = [
      'cbs_code;status;signed_on;contact_name;joint_approach',
      'GM0307;Vijf pijlers ondertekend;01-05-2024;A. Mersfoort;',
      'GM0344;active;2020-01-15;U. Trecht;',
      'GM0518;interested;;;Samen Drenthe',
    ].join('\n');
    const res = await c.upload('/beheer/deelnames/importeren', {}, { field: 'bestand', filename: 'deelnames.csv', content: file });
    expect(res.statusCode).toBe(303);
    expect(await participationOf('GM0307')).toMatchObject({ status: 'signed', signedOn: '2024-05-01', contactName: 'A. Mersfoort', jointApproachId: null });
    expect(await participationOf('GM0344')).toMatchObject({ status: 'active', contactEmail: 'ete@utrecht.example.nl' }); // no column: kept
    expect((await participationOf('GM0518')).jointApproachId).toBe(drenthe);
    expect(await lastAudit(t.db, 'import')).toMatchObject({ entity: 'participation', details: expect.objectContaining({ created: 2, updated: 1 }) });
    expect((await c.get('/beheer/deelnames')).body).toContain('Import van deelnames.csv geslaagd: 2 nieuw, 1 bijgewerkt, 0 ongewijzigd.');
  });

  it('is for the programme team only', async () => {
    const c = await as('coord@test.example');
    expect((await c.get('/beheer/deelnames/importeren')).statusCode).toBe(403);
    expect((await c.upload('/beheer/deelnames/importeren', {}, { field: 'bestand', filename: 'x.csv', content: 'cbs_code,status\nGM0344,stopped\n' })).statusCode).toBe(403);
    expect((await participationOf('GM0344')).status).toBe('active');
  });
});

describe('exporting participations', () => {
  it('exports the filtered list with the import columns, and audits it', async () => {
    const c = await as('admin@test.example');
    const res = await c.get('/beheer/deelnames/export?gezamenlijk=ja&formaat=csv&scheidingsteken=puntkomma');
    expect(res.statusCode).toBe(200);
    expect(res.body.split(/\r?\n/)[0]).toBe('\uFEFFcbs_code;municipality;province_code;status;status_label;signed_on;contact_name;contact_email;notes;joint_approach;joint_primary_code');
    const rows = await readTable(res.rawPayload, 'csv');
    expect(rows.map((r) => r.cbs_code)).toEqual(['GM0518', 'GM0106', 'GM0109', 'GM0114']);
    expect(rows.every((r) => r.joint_approach === 'Samen Drenthe' && r.joint_primary_code === 'GM0106')).toBe(true);
    expect(await lastAudit(t.db, 'export')).toMatchObject({ entity: 'participation', details: expect.objectContaining({ rows: 4, delimiter: ';', filters: { gezamenlijk: 'yes' } }) });
    const xlsx = await readTable((await c.get('/beheer/deelnames/export?formaat=xlsx')).rawPayload, 'xlsx');
    expect(xlsx.find((r) => r.cbs_code === 'GM0363')).toMatchObject({ status: 'active', status_label: 'Actief deelnemend', contact_email: 'eenzaamheid@amsterdam.example.nl' });
  });

  it("exports only the user's scope", async () => {
    const rows = await readTable((await (await as('coord@test.example')).get('/beheer/deelnames/export')).rawPayload, 'csv');
    expect(rows.map((r) => r.cbs_code)).toEqual(['GM0344']);
    const n = await countRows(t.db, auditLog);
    expect((await (await as('partner@test.example')).get('/beheer/deelnames/export')).statusCode).toBe(403);
    expect(await t.db.select().from(auditLog).where(and(eq(auditLog.action, 'export'), eq(auditLog.actorLabel, 'partner@test.example')))).toHaveLength(0);
    expect(await countRows(t.db, auditLog)).toBeGreaterThanOrEqual(n);
  });
});
