import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { createTestApp, createUser, seedReference, type TestApp, signedIn } from '../../../test/helpers/app.js';
import { auditLog } from '../../platform/db/schema.js';
import { createApiKey } from '../../platform/admin/apikeys-service.js';
import { municipalities, neighbourhoods, organisations } from './schema.js';
import { NMSG } from './neighbourhoods-service.js';
import { fetchCbsNeighbourhoods, importCbsNeighbourhoods, registerNeighbourhoodCommands } from './neighbourhoods-cbs.js';
import { CbsError, type FetchLike } from './cbs.js';
import { EXPORTERS } from './exporters.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/cbs-neighbourhoods');

let t: TestApp;
const ids: Record<string, number> = {};
let adminId = 0;

const count = async () => (await t.db.select({ n: sql<number>`count(*)::int` }).from(neighbourhoods).where(isNull(neighbourhoods.deletedAt)))[0].n;
const byCode = async (code: string) => (await t.db.select().from(neighbourhoods).where(eq(neighbourhoods.code, code)))[0];
const lastAudit = async (action: string) =>
  (await t.db.select().from(auditLog).where(and(eq(auditLog.action, action), eq(auditLog.entity, 'neighbourhood'))).orderBy(desc(auditLog.id)).limit(1))[0];
const municipalityId = async (code: string) => (await t.db.select().from(municipalities).where(eq(municipalities.cbsCode, code)))[0].id;

const client = (email: string) => signedIn(t.app, email);

beforeAll(async () => {
  t = await createTestApp();
  await seedReference(t.db);
  ids.amsterdam = await municipalityId('GM0363');
  ids.rotterdam = await municipalityId('GM0599');
  const [wk] = await t.db.insert(neighbourhoods).values({ code: 'WK036300', kind: 'district', name: 'Centrum', municipalityId: ids.amsterdam }).returning();
  ids.wkA = wk.id;
  ids.buA = (await t.db.insert(neighbourhoods).values({ code: 'BU03630000', kind: 'neighbourhood', name: 'Kop Zeedijk', municipalityId: ids.amsterdam, districtId: wk.id }).returning())[0].id;
  ids.wkB = (await t.db.insert(neighbourhoods).values({ code: 'WK059901', kind: 'district', name: 'Stadscentrum', municipalityId: ids.rotterdam }).returning())[0].id;
  ids.buB = (await t.db.insert(neighbourhoods).values({ code: 'BU05990110', kind: 'neighbourhood', name: 'Stadsdriehoek', municipalityId: ids.rotterdam, districtId: ids.wkB }).returning())[0].id;
  const [org] = await t.db.insert(organisations).values({ name: 'Partner', kind: 'national_partner' }).returning();
  ids.org = org.id;
  adminId = (await createUser(t.db, 'admin@test.example', [{ role: 'programme_admin' }])).id;
  await createUser(t.db, 'coord.a@test.example', [{ role: 'municipality_coordinator', municipalityId: ids.amsterdam }]);
  await createUser(t.db, 'advisor.a@test.example', [{ role: 'advisor', municipalityId: ids.amsterdam }]);
  await createUser(t.db, 'partner@test.example', [{ role: 'partner', organisationId: org.id }]);
  await createUser(t.db, 'visitor@test.example', [{ role: 'visitor', organisationId: org.id }]);
});
afterAll(async () => t.close());

const form = (over: Record<string, string> = {}) => ({ kind: 'district', code: 'WK036301', name: 'Westelijk Havengebied', municipalityId: String(ids.amsterdam), districtId: '', ...over });

describe('neighbourhoods: create, edit, delete', () => {
  it('asks the programme admin to choose a municipality first, then adds a district and a neighbourhood in it', async () => {
    const c = await client('admin@test.example');
    const choose = await c.get('/beheer/wijken/nieuw');
    expect(choose.body).toContain('Kies eerst de gemeente');
    const step2 = await c.get('/beheer/wijken/nieuw?gemeente=GM0363');
    expect(step2.body).toContain('Amsterdam (GM0363)');
    expect(step2.body).toContain('Centrum (WK036300)'); // districts of Amsterdam to choose from
    expect(step2.body).not.toContain('Stadscentrum');
    const wk = await c.post('/beheer/wijken/nieuw', form({ code: 'wk036301' }));
    expect(wk.statusCode).toBe(303);
    const district = await byCode('WK036301');
    expect(district).toMatchObject({ kind: 'district', municipalityId: ids.amsterdam, districtId: null });
    const bu = await c.post('/beheer/wijken/nieuw', form({ kind: 'neighbourhood', code: 'BU03630101', name: 'Houthavens', districtId: String(district.id) }));
    expect(bu.statusCode).toBe(303);
    expect(await byCode('BU03630101')).toMatchObject({ kind: 'neighbourhood', districtId: district.id });
    const detail = await c.get(`/beheer/wijken/${district.id}`);
    expect(detail.body).toContain('Houthavens');
    expect((await lastAudit('create')).details).toMatchObject({ code: 'BU03630101' });
  });

  it('validates the code format, the municipality prefix, the district and duplicates; nothing is saved', async () => {
    const c = await client('admin@test.example');
    const before = await count();
    const cases: [Record<string, string>, string][] = [
      [{ code: 'WK12' }, NMSG.districtCode],
      [{ kind: 'neighbourhood', code: 'BU036300' }, NMSG.neighbourhoodCode],
      [{ kind: 'neighbourhood', code: 'WK036302' }, NMSG.neighbourhoodCode],
      [{ code: '' }, NMSG.code],
      [{ kind: '' }, NMSG.kind],
      [{ name: '' }, NMSG.name],
      [{ code: 'WK059905' }, 'De cijfers na WK moeten beginnen met 0363, de code van Amsterdam (GM0363).'],
      [{ kind: 'neighbourhood', code: 'BU03630199', districtId: String(ids.wkB) }, NMSG.district],
      [{ code: 'WK036309', districtId: String(ids.wkA) }, NMSG.districtForDistrict],
      [{ code: 'WK036300' }, NMSG.duplicate],
    ];
    for (const [over, msg] of cases) {
      const res = await c.post('/beheer/wijken/nieuw', form(over));
      expect(res.statusCode, JSON.stringify(over)).toBe(422);
      expect(res.body, JSON.stringify(over)).toContain(msg);
    }
    const kept = await c.post('/beheer/wijken/nieuw', form({ code: 'WK12', name: 'Bewaarde Naam' }));
    expect(kept.body).toContain('value="Bewaarde Naam"');
    expect(kept.body).toContain('href="#veld-code"');
    expect(await count()).toBe(before);
  });

  it('accepts CBS codes with letters (Amsterdam since 2022)', async () => {
    const c = await client('coord.a@test.example');
    const res = await c.post('/beheer/wijken/nieuw', form({ code: 'WK0363AA', name: 'Oostelijke Eilanden' }));
    expect(res.statusCode).toBe(303);
  });

  it('edits a neighbourhood and refuses to turn a district with neighbourhoods into a neighbourhood', async () => {
    const c = await client('coord.a@test.example');
    const edit = await c.get(`/beheer/wijken/${ids.buA}/bewerken`);
    expect(edit.body).toContain('value="Kop Zeedijk"');
    const ok = await c.post(`/beheer/wijken/${ids.buA}/bewerken`, form({ kind: 'neighbourhood', code: 'BU03630000', name: 'Kop Zeedijk e.o.', districtId: String(ids.wkA) }));
    expect(ok.statusCode).toBe(303);
    expect((await byCode('BU03630000')).name).toBe('Kop Zeedijk e.o.');
    const bad = await c.post(`/beheer/wijken/${ids.wkA}/bewerken`, form({ kind: 'neighbourhood', code: 'BU03630077', name: 'Centrum' }));
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain(NMSG.hasNeighbourhoods);
    expect((await byCode('WK036300')).kind).toBe('district');
  });

  it('soft-deletes a district after confirmation; its neighbourhoods stay without a district', async () => {
    const admin = await client('admin@test.example');
    await admin.post('/beheer/wijken/nieuw', form({ code: 'WK036350', name: 'Tijdelijk' }));
    const wk = await byCode('WK036350');
    await admin.post('/beheer/wijken/nieuw', form({ kind: 'neighbourhood', code: 'BU03635001', name: 'Tijdelijke buurt', districtId: String(wk.id) }));
    const c = await client('coord.a@test.example');
    const confirm = await c.get(`/beheer/wijken/${wk.id}/verwijderen`);
    expect(confirm.body).toContain('blijven bestaan');
    expect((await c.post(`/beheer/wijken/${wk.id}/verwijderen`)).statusCode).toBe(303);
    expect((await byCode('WK036350')).deletedAt).not.toBeNull();
    expect((await byCode('BU03635001')).districtId).toBeNull();
    expect((await lastAudit('delete')).details).toMatchObject({ code: 'WK036350', detachedNeighbourhoods: 1 });
    // Adding the same code again brings the record back.
    expect((await admin.post('/beheer/wijken/nieuw', form({ code: 'WK036350', name: 'Weer terug' }))).statusCode).toBe(303);
    expect(await byCode('WK036350')).toMatchObject({ id: wk.id, name: 'Weer terug', deletedAt: null });
  });
});

describe('neighbourhoods: list and scope', () => {
  it('lists per municipality with filters for the admin', async () => {
    const c = await client('admin@test.example');
    const all = await c.get('/beheer/wijken');
    expect(all.body).toContain('WK036300');
    expect(all.body).toContain('WK059901');
    const rdam = await c.get('/beheer/wijken?gemeente=GM0599');
    expect(rdam.body).toContain('Stadsdriehoek');
    expect(rdam.body).not.toContain('Kop Zeedijk');
    const wijken = await c.get('/beheer/wijken?soort=wijk&gemeente=GM0363');
    expect(wijken.body).toContain('WK036300');
    expect(wijken.body).not.toContain('BU03630000');
    const search = await c.get('/beheer/wijken?q=zeedijk');
    expect(search.body).toContain('BU03630000');
    expect(search.body).not.toContain('WK059901');
  });

  it('limits coordinators to their own municipality (404 elsewhere) and advisors to reading', async () => {
    const c = await client('coord.a@test.example');
    const list = await c.get('/beheer/wijken');
    expect(list.body).toContain('WK036300');
    expect(list.body).not.toContain('WK059901');
    for (const url of [`/beheer/wijken/${ids.wkB}`, `/beheer/wijken/${ids.wkB}/bewerken`, `/beheer/wijken/${ids.wkB}/verwijderen`]) expect((await c.get(url)).statusCode, url).toBe(404);
    expect((await c.post(`/beheer/wijken/${ids.buB}/verwijderen`)).statusCode).toBe(404);
    expect((await byCode('BU05990110')).deletedAt).toBeNull();
    const before = await count();
    const other = await c.post('/beheer/wijken/nieuw', form({ code: 'WK059909', municipalityId: String(ids.rotterdam) }));
    expect(other.statusCode).toBe(404);
    expect(await count()).toBe(before);
    const adv = await client('advisor.a@test.example');
    expect((await adv.get(`/beheer/wijken/${ids.wkA}`)).statusCode).toBe(200);
    expect((await adv.get(`/beheer/wijken/${ids.wkA}/bewerken`)).statusCode).toBe(403);
    expect((await adv.get('/beheer/wijken/nieuw')).statusCode).toBe(403);
  });

  it('refuses the list to partners and visitors', async () => {
    for (const email of ['partner@test.example', 'visitor@test.example']) expect((await (await client(email)).get('/beheer/wijken')).statusCode).toBe(403);
  });
});

describe('neighbourhoods: import and export', () => {
  it('reports every bad row and imports nothing', async () => {
    const c = await client('coord.a@test.example');
    const before = await count();
    const csv = [
      'code,name,kind,municipality_code,district_code',
      'WK036310,Goede Wijk,wijk,GM0363,', // 2 ok
      'WK0363,Korte Code,,,', // 3
      'WK036310,Dubbel,,,', // 4 duplicate in file
      'WK036300,Bestaat Al,,,', // 5 in database
      'BU03631001,Verkeerde Soort,wijk,,WK036310', // 6
      'BU03631002,Vreemde Wijk,,,WK059901', // 7 district of another municipality
      'BU03631003,Onbekende Wijk,,,WK036388', // 8
      'WK059977,Rotterdam,,GM0599,', // 9 out of scope
      'WK036311,Verkeerde Gemeente,,GM0599,', // 10 code does not match municipality
      ',Geen Code,,,', // 11
    ].join('\n');
    const res = await c.upload('/beheer/wijken/importeren', {}, { field: 'bestand', filename: 'wijken.csv', content: csv });
    expect(res.statusCode).toBe(422);
    const body = res.body;
    for (const [line, text] of [
      [3, NMSG.anyCode],
      [4, 'ook op regel 2'],
      [5, 'Er is al een wijk of buurt met code WK036300'],
      [6, 'de soort moet'],
      [7, 'hoort niet bij dezelfde gemeente'],
      [8, 'Wijk WK036388 bestaat niet'],
      [9, NMSG.municipalityScope],
      [10, 'De cijfers na WK moeten beginnen met 0599'],
      [11, NMSG.code],
    ] as const) {
      expect(body, `line ${line}`).toMatch(new RegExp(`>${line}</td><td class="utrecht-table__cell">[a-z_]+</td><td class="utrecht-table__cell">[^<]*${text.replace(/[.()]/g, '\\$&')}`));
    }
    expect(await count()).toBe(before);
  });

  it('imports a valid CSV with a district defined further down in the same file', async () => {
    const c = await client('coord.a@test.example');
    const csv = ['code;name;kind;municipality_code;district_code', 'BU03632001;Nieuwe Buurt;buurt;;WK036320', 'WK036320;Nieuwe Wijk;;GM0363;'].join('\n');
    const res = await c.upload('/beheer/wijken/importeren', {}, { field: 'bestand', filename: 'wijken.csv', content: csv });
    expect(res.statusCode).toBe(303);
    const wk = await byCode('WK036320');
    expect(await byCode('BU03632001')).toMatchObject({ kind: 'neighbourhood', districtId: wk.id, municipalityId: ids.amsterdam });
    expect((await lastAudit('import')).details).toMatchObject({ file: 'wijken.csv', created: 2 });
  });

  it('imports a valid XLSX file', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Wijken');
    ws.addRow(['code', 'name']);
    ws.addRow(['WK059930', 'Kralingen']);
    const c = await client('admin@test.example');
    const res = await c.upload('/beheer/wijken/importeren', {}, { field: 'bestand', filename: 'w.xlsx', content: Buffer.from(await wb.xlsx.writeBuffer()) });
    expect(res.statusCode).toBe(303);
    expect(await byCode('WK059930')).toMatchObject({ kind: 'district', municipalityId: ids.rotterdam });
  });

  it('offers a template and exports CSV (; option) and XLSX in scope, audit-logged', async () => {
    const c = await client('coord.a@test.example');
    expect((await c.get('/beheer/wijken/importeren/sjabloon.csv')).body.replace(/^\uFEFF/, '').trim()).toBe('code,name,kind,municipality_code,district_code');
    const csv = await c.get('/beheer/wijken/export?formaat=csv&scheidingsteken=puntkomma');
    expect(csv.statusCode).toBe(200);
    expect(csv.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const lines = csv.body.replace(/^\uFEFF/, '').trim().split(/\r?\n/);
    expect(lines[0]).toBe('code;name;kind;municipality_code;municipality_name;district_code;district_name');
    expect(lines).toContain('BU03630000;Kop Zeedijk e.o.;buurt;GM0363;Amsterdam;WK036300;Centrum');
    expect(lines.some((l) => l.includes('GM0599'))).toBe(false);
    expect((await lastAudit('export')).details).toMatchObject({ format: 'csv' });
    const x = await c.get('/beheer/wijken/export?formaat=xlsx&soort=wijk');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(x.rawPayload as unknown as ArrayBuffer);
    const codes: string[] = [];
    wb.worksheets[0].eachRow((row, n) => n > 1 && codes.push(String(row.getCell(1).value)));
    expect(codes).toContain('WK036300');
    expect(codes.every((code) => code.startsWith('WK0363'))).toBe(true);
  });

  it('is available to the CLI export', async () => {
    const table = await EXPORTERS.neighbourhoods(t.db);
    expect(table.rows.length).toBeGreaterThan(3);
    expect((await EXPORTERS.organisations(t.db)).columns.map((col) => col.header)).toContain('kvk_number');
  });
});

describe('neighbourhoods: API', () => {
  it('lists the neighbourhoods of a municipality for an API key', async () => {
    const { raw } = await createApiKey(t.db, { name: 'App', organisationId: ids.org, actions: ['registry:read'], createdBy: adminId });
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/neighbourhoods?municipality=GM0363', headers: { authorization: `Bearer ${raw}` } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.data).toEqual(expect.arrayContaining([{ code: 'BU03630000', kind: 'neighbourhood', name: 'Kop Zeedijk e.o.', municipalityCode: 'GM0363', districtCode: 'WK036300' }]));
    expect(body.data.every((n: { municipalityCode: string }) => n.municipalityCode === 'GM0363')).toBe(true);
    const bad = await t.app.inject({ method: 'GET', url: '/api/v1/neighbourhoods?municipality=0363', headers: { authorization: `Bearer ${raw}` } });
    expect(bad.statusCode).toBe(400);
  });
});

describe('neighbourhoods: CBS import', () => {
  const json = (file: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, file), 'utf8'));
  const fakeFetch = (urls: string[]): FetchLike => async (url) => {
    urls.push(url);
    const u = new URL(url);
    const file = u.pathname.endsWith('/TypedDataSet')
      ? 'typed-dataset-GM0363.json'
      : u.pathname.endsWith('/WijkenEnBuurten')
        ? u.searchParams.has('$skiptoken')
          ? 'dimension-GM0363-page2.json'
          : 'dimension-GM0363-page1.json'
        : null;
    return file ? { ok: true, status: 200, json: async () => json(file) } : { ok: false, status: 404, statusText: 'Not Found', json: async () => ({}) };
  };

  it('fetches districts and neighbourhoods of one municipality (trimmed, named, linked) and imports them', async () => {
    const urls: string[] = [];
    const list = await fetchCbsNeighbourhoods('gm0363', { fetch: fakeFetch(urls) });
    expect(urls[0]).toContain('/ODataApi/odata/85984NED/TypedDataSet?');
    expect(decodeURIComponent(urls[0])).toContain("startswith(WijkenEnBuurten,'WK0363')");
    expect(urls[0]).toContain('$select=WijkenEnBuurten,Gemeentenaam_1,SoortRegio_2,Codering_3');
    expect(urls).toHaveLength(3); // typed data set + two pages of names
    expect(list.municipalityName).toBe('Amsterdam');
    expect(list.items).toEqual([
      { code: 'WK0363AD', kind: 'district', name: 'Burgwallen-Nieuwe Zijde', districtCode: null },
      { code: 'WK0363AF', kind: 'district', name: 'Nieuwmarkt/Lastage', districtCode: null },
      { code: 'BU0363AD03', kind: 'neighbourhood', name: 'Nieuwendijk-Noord', districtCode: 'WK0363AD' },
      { code: 'BU0363AD05', kind: 'neighbourhood', name: 'Nieuwe Kerk e.o.', districtCode: 'WK0363AD' },
      { code: 'BU0363AF08', kind: 'neighbourhood', name: 'Zuiderkerkbuurt', districtCode: 'WK0363AF' },
    ]);
    const first = await importCbsNeighbourhoods(t.db, { label: 'cli' }, list);
    expect(first).toEqual({ created: 5, updated: 0, unchanged: 0 });
    const wk = await byCode('WK0363AD');
    expect(await byCode('BU0363AD05')).toMatchObject({ districtId: wk.id, municipalityId: ids.amsterdam, name: 'Nieuwe Kerk e.o.' });
    expect((await lastAudit('import')).details).toMatchObject({ source: 'CBS', table: '85984NED', municipality: 'GM0363', created: 5 });
    const again = await importCbsNeighbourhoods(t.db, { label: 'cli' }, list);
    expect(again).toEqual({ created: 0, updated: 0, unchanged: 5 });
  });

  it('changes nothing on an HTTP error or a malformed answer', async () => {
    const failing: FetchLike = async () => ({ ok: false, status: 503, statusText: 'Service Unavailable', json: async () => ({}) });
    await expect(fetchCbsNeighbourhoods('GM0363', { fetch: failing })).rejects.toThrow(/HTTP 503/);
    const broken: FetchLike = async (url) => ({ ok: true, status: 200, json: async () => (url.includes('TypedDataSet') ? { value: [{ WijkenEnBuurten: 'WK0363ZZ  ', SoortRegio_2: 'Wijk      ', Codering_3: 'WK0363ZZ  ' }] } : { value: [] }) });
    await expect(fetchCbsNeighbourhoods('GM0363', { fetch: broken })).rejects.toThrow(/geen naam/);
    await expect(fetchCbsNeighbourhoods('Amsterdam', { fetch: broken })).rejects.toBeInstanceOf(CbsError);
    expect(await byCode('WK0363ZZ')).toBeUndefined();
  });

  it('registers the CLI command with help', () => {
    const program = new Command();
    registerNeighbourhoodCommands(program);
    const cmd = program.commands.find((x) => x.name() === 'import-neighbourhoods')!;
    expect(cmd.helpInformation()).toContain('--municipality <code>');
    expect(cmd.helpInformation()).toContain('85984NED');
  });
});
