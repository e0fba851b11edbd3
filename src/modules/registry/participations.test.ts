import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, isNull } from 'drizzle-orm';
import { createTestApp, createUser, seedReference, TestClient, type TestApp } from '../../../test/helpers/app.js';
import { addJointApproach, addParticipation, countRows, lastAudit, municipalityByCode, municipalityId, snapshot } from '../../../test/helpers/registry.js';
import { auditLog } from '../../platform/db/schema.js';
import { readTable } from '../../platform/tabular.js';
import { amsterdamDate } from '../../platform/time.js';
import { jointApproaches, municipalities, participations } from './schema.js';
import { participationRuleErrors } from './service.js';

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
    expect(res.body.split(/\r?\n/)[0]).toBe('\uFEFFcbs_code;municipality;province_code;status;status_label;signed_on;stopped_on;contact_name;contact_email;notes;joint_approach;joint_primary_code');
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

describe('the stop date of a participation (Gestopt op)', () => {
  const tomorrow = () => amsterdamDate(new Date(Date.now() + 36 * 3600 * 1000));
  const summaryRow = (html: string, label: string) => html.match(new RegExp(`<dt>${label}</dt>\\s*<dd>([^<]*)</dd>`))?.[1];
  let stopped: number; // Enschede, stopped without a stop date (an older record)

  beforeAll(async () => {
    for (const c of ['GM0153', 'GM0193', 'GM0202', 'GM0228', 'GM0268', 'GM0034']) ids[c] = await municipalityId(t.db, c);
    const [row] = await t.db.insert(participations).values({ municipalityId: ids.GM0153, status: 'stopped', signedOn: '2019-05-21' }).returning();
    stopped = row.id;
    await createUser(t.db, 'enschede@test.example', [{ role: 'municipality_coordinator', municipalityId: ids.GM0153 }]);
  });

  it('applies the rules with the given day: not in the future, not before signing, only with status stopped', () => {
    const today = '2024-06-30';
    expect(participationRuleErrors({ status: 'stopped', signedOn: '2020-01-01', stoppedOn: '2024-06-30' }, { today })).toEqual({});
    expect(participationRuleErrors({ status: 'stopped', signedOn: '2020-01-01', stoppedOn: '2020-01-01' }, { today })).toEqual({});
    expect(participationRuleErrors({ status: 'stopped', signedOn: '2020-01-01', stoppedOn: '2024-07-01' }, { today }).stoppedOn).toContain('toekomst');
    expect(participationRuleErrors({ status: 'stopped', signedOn: '2020-01-01', stoppedOn: '2019-12-31' }, { today }).stoppedOn).toContain('vóór de datum van ondertekening');
    expect(participationRuleErrors({ status: 'active', signedOn: '2020-01-01', stoppedOn: '2023-01-01' }, { today }).stoppedOn).toContain('hoort alleen bij de status Gestopt');
    expect(participationRuleErrors({ status: 'stopped', signedOn: '2020-01-01', stoppedOn: null }, { today }).stoppedOn).toContain('Vul de datum in waarop de gemeente is gestopt');
    // Stopped after only showing interest (never signed): no stop date needed.
    expect(participationRuleErrors({ status: 'stopped', signedOn: null, stoppedOn: null }, { today })).toEqual({});
    // The import names the column.
    expect(participationRuleErrors({ status: 'stopped', signedOn: '2020-01-01' }, { today, source: 'import' }).stoppedOn).toContain('kolom stopped_on');
  });

  it('refuses every bad stop date on the new-participation form (422, per field and in the summary, input kept, nothing saved)', async () => {
    const c = await as('admin@test.example');
    const form = await c.get('/beheer/deelnames/nieuw');
    expect(form.body).toContain('name="stoppedOn"');
    expect(form.body).toContain('<label class="utrecht-form-label" for="veld-stoppedOn">Gestopt op (optioneel)</label>');
    expect(form.body).toContain('Doet de gemeente weer mee? Maak dit veld dan leeg');
    const before = await snapshot(t.db, participations);
    const post = (f: Record<string, string>) => c.post('/beheer/deelnames/nieuw', { municipalityId: String(ids.GM0193), ...f });

    const missing = await post({ status: 'stopped', signedOn: '2019-04-18', stoppedOn: '' });
    expect(missing.statusCode).toBe(422);
    expect(missing.body).toContain('Vul de datum in waarop de gemeente is gestopt.');
    expect(missing.body).toContain('href="#veld-stoppedOn">Gestopt op: Vul de datum in waarop de gemeente is gestopt.');
    expect(missing.body).toContain('value="2019-04-18"');

    const notStopped = await post({ status: 'active', signedOn: '2019-04-18', stoppedOn: '2023-03-01' });
    expect(notStopped.statusCode).toBe(422);
    expect(notStopped.body).toContain('Een stopdatum hoort alleen bij de status Gestopt. Doet de gemeente weer mee? Maak dan het veld &quot;Gestopt op&quot; leeg');
    expect(notStopped.body).toContain('value="2023-03-01"');

    const future = await post({ status: 'stopped', signedOn: '2019-04-18', stoppedOn: tomorrow() });
    expect(future.statusCode).toBe(422);
    expect(future.body).toContain('De stopdatum kan niet in de toekomst liggen.');

    const early = await post({ status: 'stopped', signedOn: '2019-04-18', stoppedOn: '01-01-2019' });
    expect(early.statusCode).toBe(422);
    expect(early.body).toContain('De stopdatum ligt vóór de datum van ondertekening.');

    const garbage = await post({ status: 'stopped', signedOn: '2019-04-18', stoppedOn: 'vorig jaar' });
    expect(garbage.statusCode).toBe(422);
    expect(garbage.body).toContain('Vul een geldige datum in');
    expect(garbage.body).not.toContain('toekomst'); // the format message only, no rule on a non-date
    expect(await snapshot(t.db, participations)).toBe(before);
  });

  it('registers a stopped participation with its stop date, audited; stopping after only interest needs no date', async () => {
    const c = await as('admin@test.example');
    const res = await c.post('/beheer/deelnames/nieuw', { municipalityId: String(ids.GM0193), status: 'stopped', signedOn: '2019-04-18', stoppedOn: '01-03-2023' });
    expect(res.statusCode).toBe(303);
    const p = await participationOf('GM0193');
    expect(p).toMatchObject({ status: 'stopped', signedOn: '2019-04-18', stoppedOn: '2023-03-01' });
    expect(await lastAudit(t.db, 'create')).toMatchObject({ entity: 'participation', entityId: String(p.id), details: expect.objectContaining({ signedOn: '2019-04-18', stoppedOn: '2023-03-01' }) });
    const page = await c.get(`/beheer/deelnames/${p.id}`);
    expect(summaryRow(page.body, 'Gestopt op')).toBe('1 maart 2023');
    expect(page.body).not.toContain('De stopdatum ontbreekt');
    expect((await c.get('/beheer/deelnames?status=stopped')).body).toContain('Gestopt op 1 maart 2023');

    const interest = await c.post('/beheer/deelnames/nieuw', { municipalityId: String(ids.GM0202), status: 'stopped', signedOn: '', stoppedOn: '' });
    expect(interest.statusCode).toBe(303);
    expect(await participationOf('GM0202')).toMatchObject({ status: 'stopped', signedOn: null, stoppedOn: null });
    const interestPage = await c.get(interest.headers.location as string);
    expect(summaryRow(interestPage.body, 'Gestopt op')).toBe('niet nodig: de vijf pijlers waren niet ondertekend');
    expect(interestPage.body).not.toContain('De stopdatum ontbreekt');
  });

  it('stops an active participation and lets it rejoin: the stop date must be emptied first', async () => {
    const c = await as('admin@test.example');
    await addParticipation(t.db, 'GM0268', 'active', '2019-02-27');
    const p = await participationOf('GM0268');
    const edit = `/beheer/deelnames/${p.id}/bewerken`;
    expect((await c.post(edit, { status: 'stopped', signedOn: '2019-02-27', stoppedOn: '2024-01-01' })).statusCode).toBe(303);
    expect(await participationOf('GM0268')).toMatchObject({ status: 'stopped', stoppedOn: '2024-01-01' });
    expect((await lastAudit(t.db, 'update'))?.details).toMatchObject({ changed: expect.arrayContaining(['status', 'stoppedOn']), status: 'stopped', stoppedOn: '2024-01-01' });
    // The edit form shows the stop date.
    expect((await c.get(edit)).body).toMatch(/name="stoppedOn"[^>]*value="2024-01-01"|value="2024-01-01"[^>]*name="stoppedOn"/);

    // Rejoining with the old stop date still filled in: a clear message, nothing changed.
    const before = await snapshot(t.db, participations);
    const rejoin = await c.post(edit, { status: 'active', signedOn: '2019-02-27', stoppedOn: '2024-01-01' });
    expect(rejoin.statusCode).toBe(422);
    expect(rejoin.body).toContain('Doet de gemeente weer mee? Maak dan het veld &quot;Gestopt op&quot; leeg en sla opnieuw op');
    expect(rejoin.body).toContain('<option value="active" selected>');
    expect(await snapshot(t.db, participations)).toBe(before);

    expect((await c.post(edit, { status: 'active', signedOn: '2019-02-27', stoppedOn: '' })).statusCode).toBe(303);
    expect(await participationOf('GM0268')).toMatchObject({ status: 'active', stoppedOn: null });
    expect((await lastAudit(t.db, 'update'))?.details).toMatchObject({ changed: expect.arrayContaining(['status', 'stoppedOn']), status: 'active', stoppedOn: null });
    expect(summaryRow((await c.get(`/beheer/deelnames/${p.id}`)).body, 'Gestopt op')).toBeUndefined();
  });

  it('shows "onbekend" with a hint for an older stopped record without a stop date, and asks for it on edit', async () => {
    const c = await as('admin@test.example');
    const page = await c.get(`/beheer/deelnames/${stopped}`);
    expect(summaryRow(page.body, 'Gestopt op')).toBe('onbekend');
    expect(page.body).toContain('De stopdatum ontbreekt.');
    expect(page.body).toContain('op geen enkele datum mee');
    expect(page.body).toContain(`href="/beheer/deelnames/${stopped}/bewerken">Vul de stopdatum in</a>`);
    expect((await c.get('/beheer/deelnames?status=stopped')).body).toContain('Gestopt, stopdatum onbekend');

    const municipality = await c.get(`/beheer/gemeenten/${ids.GM0153}`);
    expect(summaryRow(municipality.body, 'Gestopt op')).toBe('onbekend');
    expect(municipality.body).toContain('De stopdatum van de deelname ontbreekt.');
    expect((await c.get('/beheer/gemeenten?q=Enschede')).body).toContain('Gestopt, stopdatum onbekend (ondertekend 21 mei 2019)');

    const form = await c.get(`/beheer/deelnames/${stopped}/bewerken`);
    expect(form.body).toContain('maar de stopdatum ontbreekt. Vul bij &quot;Gestopt op&quot; de datum in');
    const before = await snapshot(t.db, participations);
    const bad = await c.post(`/beheer/deelnames/${stopped}/bewerken`, { status: 'stopped', signedOn: '2019-05-21', stoppedOn: '', notes: 'Alleen een notitie' });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('Vul de datum in waarop de gemeente is gestopt.');
    expect(bad.body).toContain('Alleen een notitie');
    expect(await snapshot(t.db, participations)).toBe(before);
  });

  it('lets the coordinator keep the contact details of such a record, and tells them who fills in the date', async () => {
    const c = await as('enschede@test.example');
    const page = await c.get(`/beheer/deelnames/${stopped}`);
    expect(page.body).toContain('Vraag het programmateam de stopdatum in te vullen.');
    expect(page.body).not.toContain('Vul de stopdatum in</a>');
    const res = await c.post(`/beheer/deelnames/${stopped}/bewerken`, { contactName: 'E. Nschede', stoppedOn: '2020-01-01' });
    expect(res.statusCode).toBe(303);
    // The coordinator's form does not carry the stop date: only the contact details changed.
    expect(await participationOf('GM0153')).toMatchObject({ contactName: 'E. Nschede', stoppedOn: null, status: 'stopped' });
  });

  it('saves the missing date when the programme team fills it in', async () => {
    const c = await as('admin@test.example');
    expect((await c.post(`/beheer/deelnames/${stopped}/bewerken`, { status: 'stopped', signedOn: '2019-05-21', stoppedOn: '2022-12-31', contactName: 'E. Nschede' })).statusCode).toBe(303);
    expect(await participationOf('GM0153')).toMatchObject({ stoppedOn: '2022-12-31' });
    expect((await lastAudit(t.db, 'update'))?.details).toMatchObject({ changed: ['stoppedOn'], stoppedOn: '2022-12-31' });
    expect((await c.get(`/beheer/deelnames/${stopped}`)).body).not.toContain('De stopdatum ontbreekt');
  });

  describe('import', () => {
    const upload = async (lines: string[]) =>
      (await as('admin@test.example')).upload('/beheer/deelnames/importeren', {}, { field: 'bestand', filename: 'stops.csv', content: lines.join('\n') });

    it('documents the stopped_on column on the upload page and in the template', async () => {
      const c = await as('admin@test.example');
      expect((await c.get('/beheer/deelnames/importeren')).body).toContain('stopped_on');
      expect((await c.get('/beheer/deelnames/importeren/sjabloon.csv')).body).toContain('signed_on,stopped_on');
    });

    it('with the column: reports every bad stop date and imports nothing', async () => {
      const before = await snapshot(t.db, participations);
      const res = await upload([
        'cbs_code,status,signed_on,stopped_on',
        'GM0034,stopped,2019-09-12,2022-06-30', // fine
        'GM0228,active,2020-06-30,2023-04-01',
        'GM0307,stopped,2024-05-01,2024-04-30',
        'GM0402,stopped,2021-01-19,',
        `GM0394,stopped,2020-09-24,${tomorrow()}`,
        'GM0392,stopped,2019-07-09,dertig juni',
      ]);
      expect(res.statusCode).toBe(422);
      expect(res.body).toContain('Niets geïmporteerd: 5 problemen in stops.csv');
      expect(res.body).toContain('Een stopdatum hoort alleen bij de status Gestopt. Doet de gemeente weer mee? Maak dan de cel stopped_on');
      expect(res.body).toContain('De stopdatum ligt vóór de datum van ondertekening (2024-05-01).');
      expect(res.body).toContain('Vul in de kolom stopped_on de datum in waarop de gemeente is gestopt');
      expect(res.body).toContain('De stopdatum kan niet in de toekomst liggen.');
      expect(res.body).toContain('Geen geldige datum; gebruik JJJJ-MM-DD of DD-MM-JJJJ.');
      expect(await snapshot(t.db, participations)).toBe(before);
    });

    it('with the column: saves stop dates and empties one when a municipality rejoins', async () => {
      const res = await upload(['cbs_code;status;signed_on;stopped_on', 'GM0034;stopped;12-09-2019;30-06-2022', 'GM0193;active;2019-04-18;']);
      expect(res.statusCode).toBe(303);
      expect(await participationOf('GM0034')).toMatchObject({ status: 'stopped', signedOn: '2019-09-12', stoppedOn: '2022-06-30' });
      expect(await participationOf('GM0193')).toMatchObject({ status: 'active', stoppedOn: null });
      expect(await lastAudit(t.db, 'import')).toMatchObject({ entity: 'participation', details: expect.objectContaining({ created: 1, updated: 1 }) });
    });

    it('without the column: old files still import and keep the registered stop date', async () => {
      const res = await upload(['cbs_code,status,signed_on,notes', 'GM0034,stopped,2019-09-12,Gestopt na bezuiniging', 'GM0228,signed,2020-06-30,']);
      expect(res.statusCode).toBe(303);
      expect(await participationOf('GM0034')).toMatchObject({ status: 'stopped', stoppedOn: '2022-06-30', notes: 'Gestopt na bezuiniging' });
      expect(await participationOf('GM0228')).toMatchObject({ status: 'signed', stoppedOn: null });
    });

    it('without the column: applies the rules to the row as it would be saved, naming the column', async () => {
      const before = await snapshot(t.db, participations);
      const res = await upload([
        'cbs_code,status,signed_on',
        'GM0228,stopped,2020-06-30', // signed, stopping, no stop date anywhere
        'GM0034,active,2019-09-12', // rejoins, but the register still has a stop date
        'GM0153,stopped,2023-06-01', // signed after the registered stop date (2022-12-31)
      ]);
      expect(res.statusCode).toBe(422);
      expect(res.body).toContain('Niets geïmporteerd: 3 problemen in stops.csv');
      expect(res.body).toContain('Vul in de kolom stopped_on de datum in waarop de gemeente is gestopt (voeg de kolom toe als die ontbreekt)');
      expect(res.body).toContain('In het register staat stopdatum 2022-06-30. Een stopdatum hoort alleen bij de status Gestopt.');
      expect(res.body).toContain('In het register staat stopdatum 2022-12-31. De stopdatum ligt vóór de datum van ondertekening (2023-06-01).');
      expect(await snapshot(t.db, participations)).toBe(before);
    });
  });

  it('exports the stop date in the participation and municipality lists', async () => {
    const c = await as('admin@test.example');
    const rows = await readTable((await c.get('/beheer/deelnames/export?status=stopped&formaat=csv')).rawPayload, 'csv');
    expect(rows.find((r) => r.cbs_code === 'GM0034')).toMatchObject({ status: 'stopped', signed_on: '2019-09-12', stopped_on: '2022-06-30' });
    expect(rows.find((r) => r.cbs_code === 'GM0202')).toMatchObject({ stopped_on: '' });
    const ms = await readTable((await c.get('/beheer/gemeenten/export?q=Almere&formaat=xlsx')).rawPayload, 'xlsx');
    expect(ms[0]).toMatchObject({ cbs_code: 'GM0034', signed_on: '2019-09-12', stopped_on: '2022-06-30' });
    expect(await lastAudit(t.db, 'export')).toMatchObject({ entity: 'municipality' });
  });
});
