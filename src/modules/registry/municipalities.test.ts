import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { createTestApp, createUser, seedReference, TestClient, type TestApp } from '../../../test/helpers/app.js';
import { addJointApproach, addParticipation, countRows, lastAudit, municipalityByCode, municipalityId, snapshot } from '../../../test/helpers/registry.js';
import { auditLog } from '../../platform/db/schema.js';
import { readTable } from '../../platform/tabular.js';
import { municipalities, participations } from './schema.js';
import { resolveMunicipalityCode } from './service.js';

let t: TestApp;
const ids: Record<string, number> = {};

beforeAll(async () => {
  t = await createTestApp();
  await seedReference(t.db);
  for (const c of ['GM0344', 'GM0363', 'GM0014', 'GM0080', 'GM0106', 'GM0109', 'GM0114', 'GM0599']) ids[c] = await municipalityId(t.db, c);
  await addParticipation(t.db, 'GM0363', 'active', '2019-03-15');
  await addJointApproach(t.db, 'Samen Drenthe', 'GM0106', ['GM0109', 'GM0114']);
  await createUser(t.db, 'admin@test.example', [{ role: 'programme_admin' }]);
  await createUser(t.db, 'coord@test.example', [{ role: 'municipality_coordinator', municipalityId: ids.GM0344 }]);
  await createUser(t.db, 'assen@test.example', [{ role: 'municipality_coordinator', municipalityId: ids.GM0106 }]);
  await createUser(t.db, 'coevorden@test.example', [{ role: 'municipality_coordinator', municipalityId: ids.GM0109 }]);
  await createUser(t.db, 'adv@test.example', [
    { role: 'advisor', municipalityId: ids.GM0014 },
    { role: 'advisor', municipalityId: ids.GM0080 },
  ]);
  await createUser(t.db, 'handler@test.example', [{ role: 'signal_handler' }]);
});
afterAll(async () => t.close());

async function as(email: string) {
  const c = new TestClient(t.app);
  await c.login(email);
  return c;
}

/** The names in the first column of the result table. */
const listedNames = (html: string) => [...html.matchAll(/<a class="utrecht-link" href="\/beheer\/gemeenten\/\d+">([^<]+)<\/a>/g)].map((m) => m[1]);

describe('municipality list', () => {
  it('lets the programme admin search, filter, sort and page', async () => {
    const c = await as('admin@test.example');
    const all = await c.get('/beheer/gemeenten');
    expect(all.statusCode).toBe(200);
    expect(all.body).toContain('1–25 van 342 resultaten');
    expect(all.body.match(/<h1/g)).toHaveLength(1);
    const search = await c.get('/beheer/gemeenten?q=GM0344');
    expect(listedNames(search.body)).toEqual(['Utrecht']);
    const province = await c.get('/beheer/gemeenten?provincie=PV24&sort=name&dir=desc');
    expect(listedNames(province.body)).toEqual(['Zeewolde', 'Urk', 'Noordoostpolder', 'Lelystad', 'Dronten', 'Almere']);
    const participating = await c.get('/beheer/gemeenten?deelname=yes');
    expect(listedNames(participating.body).sort()).toEqual(['Amsterdam', 'Assen', 'Coevorden', 'Emmen']);
    const page2 = await c.get('/beheer/gemeenten?page=2');
    expect(page2.body).toContain('26–50 van 342 resultaten');
    // Filters are links to the export with the same filters, and to the provinces page.
    expect(province.body).toContain('href="/beheer/gemeenten/export?sort=name&amp;dir=desc&amp;provincie=PV24&amp;formaat=csv"');
    expect(all.body).toContain('href="/beheer/provincies"');
  });

  it('shows a coordinator only their own municipality, and the primary of a joint approach its members', async () => {
    const own = await (await as('coord@test.example')).get('/beheer/gemeenten?status=all');
    expect(listedNames(own.body)).toEqual(['Utrecht']);
    const primary = await (await as('assen@test.example')).get('/beheer/gemeenten');
    expect(listedNames(primary.body)).toEqual(['Assen', 'Coevorden', 'Emmen']);
    // A member that is not primary sees only itself.
    const member = await (await as('coevorden@test.example')).get('/beheer/gemeenten');
    expect(listedNames(member.body)).toEqual(['Coevorden']);
    const adv = await (await as('adv@test.example')).get('/beheer/gemeenten');
    expect(listedNames(adv.body)).toEqual(['Groningen', 'Leeuwarden']);
    expect(adv.body).not.toContain('Gemeente toevoegen');
  });

  it('refuses roles without registry access (403)', async () => {
    const c = await as('handler@test.example');
    for (const url of ['/beheer/gemeenten', `/beheer/gemeenten/${ids.GM0344}`, '/beheer/provincies', '/beheer/gemeenten/export', '/beheer/gemeenten/nieuw']) {
      expect((await c.get(url)).statusCode, url).toBe(403);
    }
  });

  it('sends anonymous visitors to the login page', async () => {
    const res = await new TestClient(t.app).get('/beheer/gemeenten');
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toContain('/inloggen');
  });
});

describe('municipality detail', () => {
  it('shows participation and joint approach; out of scope is 404', async () => {
    const admin = await as('admin@test.example');
    const assen = await admin.get(`/beheer/gemeenten/${ids.GM0106}`);
    expect(assen.statusCode).toBe(200);
    expect(assen.body).toContain('Samen Drenthe');
    expect(assen.body).toContain('Coevorden, Emmen');
    const coord = await as('coord@test.example');
    expect((await coord.get(`/beheer/gemeenten/${ids.GM0344}`)).statusCode).toBe(200);
    const other = await coord.get(`/beheer/gemeenten/${ids.GM0363}`);
    expect(other.statusCode).toBe(404);
    expect(other.body).not.toContain('Amsterdam');
    expect((await coord.get('/beheer/gemeenten/999999')).statusCode).toBe(404);
    expect((await coord.get('/beheer/gemeenten/abc')).statusCode).toBe(404);
    // The primary of a joint approach reads its members.
    expect((await (await as('assen@test.example')).get(`/beheer/gemeenten/${ids.GM0114}`)).statusCode).toBe(200);
  });
});

describe('creating a municipality', () => {
  it('validates every field, keeps the input and creates nothing on errors', async () => {
    const c = await as('admin@test.example');
    const before = await countRows(t.db, municipalities);
    const res = await c.post('/beheer/gemeenten/nieuw', { cbsCode: 'GX12', name: '  ', provinceCode: '', validFrom: '2025-02-30', population: 'veel' });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Een CBS-gemeentecode bestaat uit GM en vier cijfers');
    expect(res.body).toContain('Vul de naam in.');
    expect(res.body).toContain('Kies een provincie.');
    expect(res.body).toContain('Vul een geldige datum in');
    expect(res.body).toContain('Vul een heel getal van 0 of meer in');
    expect(res.body).toContain('href="#veld-cbsCode"');
    expect(res.body).toContain('value="GX12"');
    const dup = await c.post('/beheer/gemeenten/nieuw', { cbsCode: 'gm0344', name: 'Utrecht 2', provinceCode: 'PV26' });
    expect(dup.statusCode).toBe(422);
    expect(dup.body).toContain('Er bestaat al een gemeente met CBS-code GM0344: Utrecht.');
    const dates = await c.post('/beheer/gemeenten/nieuw', { cbsCode: 'GM1998', name: 'X', provinceCode: 'PV26', validFrom: '2025-01-01', validTo: '31-12-2024' });
    expect(dates.statusCode).toBe(422);
    expect(dates.body).toContain('De einddatum kan niet vóór de begindatum liggen.');
    const unknownProvince = await c.post('/beheer/gemeenten/nieuw', { cbsCode: 'GM1998', name: 'X', provinceCode: 'PV99' });
    expect(unknownProvince.statusCode).toBe(422);
    expect(unknownProvince.body).toContain('Kies een bestaande provincie.');
    expect(await countRows(t.db, municipalities)).toBe(before);
  });

  it('creates a municipality (code typed loosely, Dutch date) and audits it', async () => {
    const c = await as('admin@test.example');
    const res = await c.post('/beheer/gemeenten/nieuw', { cbsCode: ' 1999 ', name: 'Testgemeente', provinceCode: 'PV26', validFrom: '1-1-2026', population: '12.345' });
    expect(res.statusCode).toBe(303);
    const m = await municipalityByCode(t.db, 'GM1999');
    expect(m).toMatchObject({ name: 'Testgemeente', validFrom: '2026-01-01', population: 12345 });
    expect(res.headers.location).toBe(`/beheer/gemeenten/${m.id}`);
    const a = await lastAudit(t.db, 'create');
    expect(a).toMatchObject({ entity: 'municipality', entityId: String(m.id), actorLabel: 'admin@test.example' });
    const page = await c.get(res.headers.location as string);
    expect(page.body).toContain('Gemeente Testgemeente (GM1999) is toegevoegd.');
  });

  it('is for the programme team only', async () => {
    const c = await as('coord@test.example');
    const before = await countRows(t.db, municipalities);
    expect((await c.get('/beheer/gemeenten/nieuw')).statusCode).toBe(403);
    expect((await c.post('/beheer/gemeenten/nieuw', { cbsCode: 'GM1997', name: 'X', provinceCode: 'PV26' })).statusCode).toBe(403);
    expect(await countRows(t.db, municipalities)).toBe(before);
  });
});

describe('editing a municipality', () => {
  it('lets the admin change the official data, with validation', async () => {
    const c = await as('admin@test.example');
    const id = (await municipalityByCode(t.db, 'GM1999')).id;
    const form = await c.get(`/beheer/gemeenten/${id}/bewerken`);
    expect(form.body).toContain('value="Testgemeente"');
    const bad = await c.post(`/beheer/gemeenten/${id}/bewerken`, { cbsCode: 'GM0363', name: 'Testgemeente', provinceCode: 'PV26' });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('Er bestaat al een gemeente met CBS-code GM0363: Amsterdam.');
    const ok = await c.post(`/beheer/gemeenten/${id}/bewerken`, { cbsCode: 'GM1999', name: 'Testgemeente aan Zee', provinceCode: 'PV27', validFrom: '2026-01-01', validTo: '', population: '' });
    expect(ok.statusCode).toBe(303);
    expect(await municipalityByCode(t.db, 'GM1999')).toMatchObject({ name: 'Testgemeente aan Zee', population: null });
    expect((await lastAudit(t.db, 'update'))?.details).toMatchObject({ changed: expect.arrayContaining(['name', 'provinceId', 'population']) });
  });

  it('lets a coordinator change only the population of their own municipality', async () => {
    const c = await as('coord@test.example');
    const form = await c.get(`/beheer/gemeenten/${ids.GM0344}/bewerken`);
    expect(form.statusCode).toBe(200);
    expect(form.body).not.toContain('name="cbsCode"');
    expect(form.body).toContain('name="population"');
    const res = await c.post(`/beheer/gemeenten/${ids.GM0344}/bewerken`, { population: '374 238', name: 'Hacked', cbsCode: 'GM0001' });
    expect(res.statusCode).toBe(303);
    expect(await municipalityByCode(t.db, 'GM0344')).toMatchObject({ name: 'Utrecht', population: 374238 });
    const bad = await c.post(`/beheer/gemeenten/${ids.GM0344}/bewerken`, { population: '-5' });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('value="-5"');
    expect((await municipalityByCode(t.db, 'GM0344')).population).toBe(374238);
  });

  it('answers 404 for another municipality and changes nothing', async () => {
    const c = await as('coord@test.example');
    const before = await snapshot(t.db, municipalities);
    expect((await c.get(`/beheer/gemeenten/${ids.GM0363}/bewerken`)).statusCode).toBe(404);
    expect((await c.post(`/beheer/gemeenten/${ids.GM0363}/bewerken`, { population: '1' })).statusCode).toBe(404);
    expect((await c.post(`/beheer/gemeenten/${ids.GM0363}/verwijderen`)).statusCode).toBe(404);
    expect((await c.post(`/beheer/gemeenten/${ids.GM0363}/samenvoegen`, { successorCode: 'GM0344', validTo: '2025-01-01' })).statusCode).toBe(404);
    expect(await snapshot(t.db, municipalities)).toBe(before);
  });

  it('keeps advisors read-only for their assigned municipalities (403)', async () => {
    const c = await as('adv@test.example');
    const before = await snapshot(t.db, municipalities);
    expect((await c.get(`/beheer/gemeenten/${ids.GM0014}`)).statusCode).toBe(200);
    expect((await c.get(`/beheer/gemeenten/${ids.GM0014}/bewerken`)).statusCode).toBe(403);
    expect((await c.post(`/beheer/gemeenten/${ids.GM0014}/bewerken`, { population: '1' })).statusCode).toBe(403);
    expect((await c.get(`/beheer/gemeenten/${ids.GM0344}/bewerken`)).statusCode).toBe(404);
    expect(await snapshot(t.db, municipalities)).toBe(before);
  });

  it('lets the primary coordinator of a joint approach edit a member', async () => {
    const c = await as('assen@test.example');
    expect((await c.post(`/beheer/gemeenten/${ids.GM0114}/bewerken`, { population: '107000' })).statusCode).toBe(303);
    expect((await municipalityByCode(t.db, 'GM0114')).population).toBe(107000);
  });
});

describe('recording a merger', () => {
  it('validates the successor and the date', async () => {
    const c = await as('admin@test.example');
    const id = (await municipalityByCode(t.db, 'GM1999')).id;
    const before = await snapshot(t.db, municipalities);
    const unknown = await c.post(`/beheer/gemeenten/${id}/samenvoegen`, { successorCode: 'GM9998', validTo: '2026-12-31' });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.body).toContain('Er is geen gemeente met CBS-code GM9998.');
    const self = await c.post(`/beheer/gemeenten/${id}/samenvoegen`, { successorCode: 'GM1999', validTo: '2026-12-31' });
    expect(self.body).toContain('Een gemeente kan niet in zichzelf opgaan');
    const early = await c.post(`/beheer/gemeenten/${id}/samenvoegen`, { successorCode: 'GM0344', validTo: '2025-12-31' });
    expect(early.statusCode).toBe(422);
    expect(early.body).toContain('De einddatum kan niet vóór de begindatum');
    const empty = await c.post(`/beheer/gemeenten/${id}/samenvoegen`, { successorCode: '', validTo: '' });
    expect(empty.body).toContain('Vul de CBS-code in.');
    expect(empty.body).toContain('Vul de laatste dag in');
    expect(await snapshot(t.db, municipalities)).toBe(before);
  });

  it('ends the municipality, keeps it, and its old code resolves to the successor', async () => {
    const c = await as('admin@test.example');
    const id = (await municipalityByCode(t.db, 'GM1999')).id;
    const res = await c.post(`/beheer/gemeenten/${id}/samenvoegen`, { successorCode: 'GM0344', validTo: '2026-12-31' });
    expect(res.statusCode).toBe(303);
    expect(await municipalityByCode(t.db, 'GM1999')).toMatchObject({ validTo: '2026-12-31', successorId: ids.GM0344 });
    const r = await resolveMunicipalityCode(t.db, 'gm1999');
    expect(r?.municipality.cbsCode).toBe('GM0344');
    expect(r?.via).toEqual(['GM1999']);
    const utrecht = await c.get(`/beheer/gemeenten/${ids.GM0344}`);
    expect(utrecht.body).toContain('Testgemeente aan Zee (GM1999)');
    const ended = await c.get('/beheer/gemeenten?status=ended');
    expect(ended.body).toContain('opgegaan in Utrecht');
    // A merged municipality cannot be a successor itself.
    const chain = await c.post(`/beheer/gemeenten/${ids.GM0599}/samenvoegen`, { successorCode: 'GM1999', validTo: '2026-12-31' });
    expect(chain.statusCode).toBe(422);
    expect(chain.body).toContain('is zelf opgeheven');
  });
});

describe('deleting a municipality', () => {
  it('asks for confirmation, refuses when records depend on it, and soft-deletes', async () => {
    const c = await as('admin@test.example');
    const blocked = await c.get(`/beheer/gemeenten/${ids.GM0363}/verwijderen`);
    expect(blocked.body).toContain('De gemeente heeft een deelname');
    const before = await snapshot(t.db, municipalities);
    expect((await c.post(`/beheer/gemeenten/${ids.GM0363}/verwijderen`)).statusCode).toBe(409);
    expect(await snapshot(t.db, municipalities)).toBe(before);
    const [fresh] = await t.db.insert(municipalities).values({ cbsCode: 'GM1996', name: 'Vergissing', provinceId: (await municipalityByCode(t.db, 'GM0344')).provinceId }).returning();
    const confirm = await c.get(`/beheer/gemeenten/${fresh.id}/verwijderen`);
    expect(confirm.body).toContain('Ja, verwijder deze gemeente');
    expect(confirm.body).toContain('data-confirm=');
    const res = await c.post(`/beheer/gemeenten/${fresh.id}/verwijderen`);
    expect(res.statusCode).toBe(303);
    const row = await municipalityByCode(t.db, 'GM1996');
    expect(row.deletedAt).not.toBeNull();
    expect((await c.get(`/beheer/gemeenten/${fresh.id}`)).statusCode).toBe(404);
    expect((await lastAudit(t.db, 'delete'))?.entityId).toBe(String(fresh.id));
    // Registering the code again brings the record back.
    expect((await c.post('/beheer/gemeenten/nieuw', { cbsCode: 'GM1996', name: 'Weer terug', provinceCode: 'PV26' })).statusCode).toBe(303);
    expect(await municipalityByCode(t.db, 'GM1996')).toMatchObject({ id: fresh.id, name: 'Weer terug', deletedAt: null });
  });

  it('is refused for coordinators, even for their own municipality', async () => {
    const c = await as('coord@test.example');
    expect((await c.get(`/beheer/gemeenten/${ids.GM0344}/verwijderen`)).statusCode).toBe(403);
    expect((await c.post(`/beheer/gemeenten/${ids.GM0344}/verwijderen`)).statusCode).toBe(403);
    expect((await municipalityByCode(t.db, 'GM0344')).deletedAt).toBeNull();
  });
});

describe('importing municipalities', () => {
  const csv = (rows: string[]) => ['cbs_code;name;province_code;valid_from;population', ...rows].join('\r\n');

  it('reports every bad row and imports nothing', async () => {
    const c = await as('admin@test.example');
    const before = await snapshot(t.db, municipalities);
    const file = csv([
      'GM9901;Nieuwe gemeente;PV26;2027-01-01;1000', // fine on its own
      'GX01;Foute code;PV26;;',
      'GM9902;;PV26;;',
      'GM9903;Onbekende provincie;PV99;;',
      'GM9901;Dubbel;PV26;;',
      'GM9904;Datum;PV26;31-02-2027;',
      'GM9905;Inwoners;PV26;;veel',
    ]);
    const res = await c.upload('/beheer/gemeenten/importeren', {}, { field: 'bestand', filename: 'gemeenten.csv', content: file });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Niets geïmporteerd: 6 problemen in gemeenten.csv');
    for (const [line, field] of [
      [3, 'cbs_code'],
      [4, 'name'],
      [5, 'province_code'],
      [6, 'cbs_code'],
      [7, 'valid_from'],
      [8, 'population'],
    ] as const) {
      expect(res.body, `line ${line}`).toMatch(new RegExp(`<td class="utrecht-table__cell utrecht-table__cell--numeric">${line}</td><td class="utrecht-table__cell">${field}</td>`));
    }
    expect(res.body).toContain('staat dubbel in het bestand (ook op regel 2)');
    expect(await snapshot(t.db, municipalities)).toBe(before);
  });

  it('refuses a missing file, a missing column and an unreadable file', async () => {
    const c = await as('admin@test.example');
    const none = await c.post('/beheer/gemeenten/importeren', {});
    expect(none.statusCode).toBe(422);
    const noColumn = await c.upload('/beheer/gemeenten/importeren', {}, { field: 'bestand', filename: 'x.csv', content: 'cbs_code,name\nGM9901,X\n' });
    expect(noColumn.statusCode).toBe(422);
    expect(noColumn.body).toContain('De kolom &quot;province_code&quot; ontbreekt in de kopregel.');
    const broken = await c.upload('/beheer/gemeenten/importeren', {}, { field: 'bestand', filename: 'x.xlsx', content: Buffer.from('PKnot a zip') });
    expect(broken.statusCode).toBe(422);
    expect(broken.body).toContain('Het Excel-bestand kon niet worden gelezen');
  });

  it('imports a valid CSV: new codes added, existing ones updated, audited', async () => {
    const c = await as('admin@test.example');
    const file = csv(['GM9901;Nieuwe gemeente;PV26;01-01-2027;1000', 'GM0344;Utrecht;PV26;;374238']);
    const res = await c.upload('/beheer/gemeenten/importeren', {}, { field: 'bestand', filename: 'gemeenten.csv', content: file });
    expect(res.statusCode).toBe(303);
    expect(await municipalityByCode(t.db, 'GM9901')).toMatchObject({ name: 'Nieuwe gemeente', validFrom: '2027-01-01', population: 1000 });
    const list = await c.get('/beheer/gemeenten');
    expect(list.body).toContain('Import van gemeenten.csv geslaagd: 1 nieuw, 0 bijgewerkt, 1 ongewijzigd.');
    expect(await lastAudit(t.db, 'import')).toMatchObject({ entity: 'municipality', details: expect.objectContaining({ filename: 'gemeenten.csv', created: 1 }) });
  });

  it('imports an XLSX with a merger (successor in the same file)', async () => {
    const c = await as('admin@test.example');
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Blad1');
    ws.addRow(['cbs_code', 'name', 'province_code', 'valid_to', 'successor_code']);
    ws.addRow(['GM9901', 'Nieuwe gemeente', 'PV26', new Date(Date.UTC(2027, 11, 31)), 'GM9902']);
    ws.addRow(['GM9902', 'Fusiegemeente', 'PV26', null, null]);
    const content = Buffer.from(await wb.xlsx.writeBuffer());
    const res = await c.upload('/beheer/gemeenten/importeren', {}, { field: 'bestand', filename: 'fusie.xlsx', content, contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
    expect(res.statusCode).toBe(303);
    const r = await resolveMunicipalityCode(t.db, 'GM9901');
    expect(r?.municipality).toMatchObject({ cbsCode: 'GM9902', name: 'Fusiegemeente' });
    expect((await municipalityByCode(t.db, 'GM9901')).validTo).toBe('2027-12-31');
    // A later merger of the successor keeps the history: the oldest code resolves through the chain.
    const second = await (await as('admin@test.example')).post(`/beheer/gemeenten/${(await municipalityByCode(t.db, 'GM9902')).id}/samenvoegen`, {
      successorCode: 'GM0344',
      validTo: '2030-12-31',
    });
    expect(second.statusCode).toBe(303);
    expect((await municipalityByCode(t.db, 'GM9901')).successorId).toBe((await municipalityByCode(t.db, 'GM9902')).id);
    const chain = await resolveMunicipalityCode(t.db, 'GM9901');
    expect(chain?.municipality.cbsCode).toBe('GM0344');
    expect(chain?.via).toEqual(['GM9901', 'GM9902']);
  });

  it('is for the programme team only', async () => {
    const c = await as('coord@test.example');
    expect((await c.get('/beheer/gemeenten/importeren')).statusCode).toBe(403);
    const res = await c.upload('/beheer/gemeenten/importeren', {}, { field: 'bestand', filename: 'x.csv', content: csv(['GM9907;X;PV26;;']) });
    expect(res.statusCode).toBe(403);
    expect(await municipalityByCode(t.db, 'GM9907')).toBeUndefined();
  });

  it('offers a template with the expected columns', async () => {
    const res = await (await as('admin@test.example')).get('/beheer/gemeenten/importeren/sjabloon.csv');
    expect(res.statusCode).toBe(200);
    expect(res.body.replace('\uFEFF', '').trim()).toBe('cbs_code,name,province_code,valid_from,valid_to,population,successor_code');
  });
});

describe('exporting municipalities', () => {
  it('exports the filtered list as CSV (comma or semicolon) and XLSX, and audits it', async () => {
    const c = await as('admin@test.example');
    const res = await c.get('/beheer/gemeenten/export?provincie=PV24&formaat=csv');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="gemeenten-\d{4}-\d{2}-\d{2}\.csv"/);
    const rows = await readTable(res.rawPayload, 'csv');
    expect(rows.map((r) => r.name)).toEqual(['Almere', 'Dronten', 'Lelystad', 'Noordoostpolder', 'Urk', 'Zeewolde']);
    expect(rows[0]).toMatchObject({ cbs_code: 'GM0034', province_code: 'PV24', province_name: 'Flevoland' });
    const audited = await lastAudit(t.db, 'export');
    expect(audited).toMatchObject({ entity: 'municipality', actorLabel: 'admin@test.example', details: expect.objectContaining({ rows: 6, format: 'csv', filters: expect.objectContaining({ provincie: 'PV24' }) }) });

    const semi = await c.get('/beheer/gemeenten/export?q=Utrecht&formaat=csv&scheidingsteken=puntkomma');
    expect(semi.body.split(/\r?\n/)[0]).toContain('cbs_code;name;province_code');

    const xlsx = await c.get('/beheer/gemeenten/export?status=all&formaat=xlsx');
    expect(xlsx.headers['content-type']).toContain('spreadsheetml');
    const all = await readTable(xlsx.rawPayload, 'xlsx');
    expect(all.length).toBeGreaterThan(342);
    expect(all.find((r) => r.cbs_code === 'GM1999')).toMatchObject({ valid_to: '2026-12-31', successor_code: 'GM0344' });
  });

  it("honours the user's scope and is refused without export rights", async () => {
    const c = await as('assen@test.example');
    const rows = await readTable((await c.get('/beheer/gemeenten/export?formaat=csv')).rawPayload, 'csv');
    expect(rows.map((r) => r.cbs_code)).toEqual(['GM0106', 'GM0109', 'GM0114']);
    const n = await countRows(t.db, auditLog);
    expect((await (await as('handler@test.example')).get('/beheer/gemeenten/export')).statusCode).toBe(403);
    const [last] = await t.db.select().from(auditLog).where(and(eq(auditLog.action, 'export'), eq(auditLog.actorLabel, 'handler@test.example')));
    expect(last).toBeUndefined();
    expect(await countRows(t.db, auditLog)).toBeGreaterThanOrEqual(n);
  });
});

describe('provinces', () => {
  it('lists the twelve provinces with counts (read only) and exports them', async () => {
    const c = await as('admin@test.example');
    const res = await c.get('/beheer/provincies');
    expect(res.statusCode).toBe(200);
    expect((res.body.match(/href="\/beheer\/gemeenten\?provincie=PV\d\d"/g) ?? []).length).toBe(12);
    expect(res.body).toContain('Fryslân');
    const rows = await readTable((await c.get('/beheer/provincies/export?formaat=csv')).rawPayload, 'csv');
    expect(rows).toHaveLength(12);
    expect(rows.find((r) => r.province_code === 'PV24')).toMatchObject({ municipalities: '6', participating: '0' });
    // "Deelnemend" counts signed or active participations, as the programme figures do: not interest, not a stop.
    const groningen = rows.find((r) => r.province_code === 'PV20')!.participating;
    await addParticipation(t.db, 'GM0014', 'interested', null);
    const stopped = await addParticipation(t.db, 'GM0037', 'stopped', '2020-01-15');
    await t.db.update(participations).set({ stoppedOn: '2022-01-01' }).where(eq(participations.id, stopped.id));
    const after = await readTable((await c.get('/beheer/provincies/export?formaat=csv')).rawPayload, 'csv');
    expect(after.find((r) => r.province_code === 'PV20')!.participating).toBe(groningen);
    await addParticipation(t.db, 'GM0047', 'signed', '2021-02-01');
    const signed = await readTable((await c.get('/beheer/provincies/export?formaat=csv')).rawPayload, 'csv');
    expect(Number(signed.find((r) => r.province_code === 'PV20')!.participating)).toBe(Number(groningen) + 1);
    const coord = await (await as('coord@test.example')).get('/beheer/provincies');
    expect(coord.statusCode).toBe(200);
  });
});
