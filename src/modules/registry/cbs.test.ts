import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { eq, isNotNull, isNull, and, sql } from 'drizzle-orm';
import { createTestApp, seedReference, type TestApp } from '../../../test/helpers/app.js';
import { databaseUrl } from '../../../test/helpers/db.js';
import { lastAudit, municipalityByCode, snapshot } from '../../../test/helpers/registry.js';
import { readTable } from '../../platform/tabular.js';
import { runCli } from '../../main.js';
import { CbsError, fetchCbsMunicipalities, findColumns, findMunicipalityTable, type FetchLike } from './cbs.js';
import { municipalities, provinces } from './schema.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/cbs');
const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8'));

/** Serves the fixture files for the URLs the importer asks for; records every URL. */
function fixtureFetch(overrides: Record<string, () => unknown> = {}) {
  const urls: string[] = [];
  const fetch: FetchLike = async (url) => {
    urls.push(url);
    const u = new URL(url);
    const key = u.pathname.replace(/^\/ODataApi\/odata\//i, '') + (u.searchParams.get('$skip') ? `?skip=${u.searchParams.get('$skip')}` : '');
    const files: Record<string, string> = {
      '/ODataCatalog/Tables': 'catalog.json',
      '86059NED/DataProperties': '86059NED-DataProperties.json',
      '86059NED/TypedDataSet': '86059NED-TypedDataSet-page1.json',
      '86059NED/TypedDataSet?skip=4': '86059NED-TypedDataSet-page2.json',
      '83287NED/DataProperties': '83287NED-DataProperties.json',
      '83287NED/TypedDataSet': '83287NED-TypedDataSet.json',
    };
    if (overrides[key]) {
      const body = overrides[key]();
      return { ok: true, status: 200, json: async () => body };
    }
    const file = files[key];
    if (!file) return { ok: false, status: 404, statusText: 'Not Found', json: async () => ({}) };
    return { ok: true, status: 200, json: async () => fixture(file) };
  };
  return { fetch, urls };
}

const unreachable: FetchLike = async () => {
  throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' }) });
};

describe('CBS open data: finding the table and its columns', () => {
  it('picks the newest published edition from the catalogue (not a future one)', async () => {
    const { fetch, urls } = fixtureFetch();
    expect(await findMunicipalityTable({ fetch })).toEqual({ id: '86059NED', title: 'Gebieden in Nederland 2025' });
    expect(decodeURIComponent(urls[0])).toContain("$filter=substringof('Gebieden in Nederland',Title)");
    expect(await findMunicipalityTable({ fetch, year: 2023 })).toEqual({ id: '85385NED', title: 'Gebieden in Nederland 2023' });
    await expect(findMunicipalityTable({ fetch, year: 2019 })).rejects.toThrow(/Geen tabel "Gebieden in Nederland 2019" gevonden in de CBS-catalogus \(wel: 2023, 2024, 2025, 2099\)/);
  });

  it('looks the column keys up in DataProperties, whatever the edition', () => {
    expect(findColumns(fixture('86059NED-DataProperties.json').value)).toEqual({
      code: 'Code_1',
      name: 'Naam_2',
      provinceCode: 'Code_28',
      provinceName: 'Naam_29',
      population: 'Inwonertal_54',
    });
    expect(findColumns(fixture('83287NED-DataProperties.json').value)).toEqual({
      code: 'Code_1',
      name: 'Naam_2',
      provinceCode: 'Code_34',
      provinceName: 'Naam_35',
      population: 'Inwonertal_52',
    });
    const withoutProvinces = fixture('86059NED-DataProperties.json').value.filter((p: { Title: string }) => p.Title !== 'Provincies');
    expect(() => findColumns(withoutProvinces, 'tabel X')).toThrow(/ontbreken de kolommen voor provincies/);
  });
});

describe('CBS open data: fetching the list', () => {
  it('follows odata.nextLink, trims the padded codes and names, and reads provinces and inhabitants', async () => {
    const { fetch, urls } = fixtureFetch();
    const progress: string[] = [];
    const r = await fetchCbsMunicipalities({ fetch, onProgress: (m) => progress.push(m) });
    expect(r.table.id).toBe('86059NED');
    expect(r.municipalities).toHaveLength(7);
    expect(r.municipalities.find((m) => m.cbsCode === 'GM1680')).toEqual({ cbsCode: 'GM1680', name: 'Aa en Hunze', provinceCode: 'PV22', provinceName: 'Drenthe', population: 25930 });
    expect(r.provinces.map((p) => p.code)).toEqual(['PV20', 'PV21', 'PV22', 'PV24', 'PV26', 'PV27', 'PV28']);
    expect(r.provinces.find((p) => p.code === 'PV21')?.name).toBe('Fryslân');
    expect(urls.filter((u) => u.includes('TypedDataSet'))).toHaveLength(2);
    expect(urls.find((u) => u.includes('TypedDataSet'))).toContain('$select=Code_1,Naam_2,Code_28,Naam_29,Inwonertal_54');
    expect(progress.some((m) => /pagina 2, 7 rijen/.test(m))).toBe(true);
  });

  it('reads an older edition given by table id (other column keys, v4-style @odata.nextLink absent)', async () => {
    const { fetch } = fixtureFetch();
    const r = await fetchCbsMunicipalities({ fetch, table: '83287ned' });
    expect(r.municipalities.map((m) => `${m.cbsCode} ${m.name} ${m.provinceCode}`)).toEqual(['GM0003 Appingedam PV20', 'GM0014 Groningen PV20', 'GM1680 Aa en Hunze PV22']);
  });

  it('follows the OData v4 spelling @odata.nextLink as well', async () => {
    const page1 = fixture('86059NED-TypedDataSet-page1.json');
    page1['@odata.nextLink'] = page1['odata.nextLink'];
    delete page1['odata.nextLink'];
    const { fetch } = fixtureFetch({ '86059NED/TypedDataSet': () => page1 });
    expect((await fetchCbsMunicipalities({ fetch, table: '86059NED' })).municipalities).toHaveLength(7);
  });

  it('fails with a clear message when the API cannot be reached, answers an error, or sends odd data', async () => {
    await expect(fetchCbsMunicipalities({ fetch: unreachable })).rejects.toThrow(CbsError);
    await expect(fetchCbsMunicipalities({ fetch: unreachable })).rejects.toThrow(/De CBS-open-data-API is niet bereikbaar \(ECONNREFUSED\)/);
    await expect(fetchCbsMunicipalities({ fetch: fixtureFetch().fetch, table: '85755NED' })).rejects.toThrow(/HTTP 404 Not Found/);
    const badRow = fixture('86059NED-TypedDataSet-page2.json');
    badRow.value[0].Code_28 = 'XX        ';
    const { fetch } = fixtureFetch({ '86059NED/TypedDataSet?skip=4': () => badRow });
    await expect(fetchCbsMunicipalities({ fetch, table: '86059NED' })).rejects.toThrow(/GM0363: provinciecode "XX" is geen CBS-provinciecode/);
    const notJson: FetchLike = async () => ({ ok: true, status: 200, json: async () => Promise.reject(new SyntaxError('Unexpected token <')) });
    await expect(fetchCbsMunicipalities({ fetch: notJson, table: '86059NED' })).rejects.toThrow(/geen geldige JSON/);
    await expect(fetchCbsMunicipalities({ fetch: unreachable, table: '86059NED; drop' })).rejects.toThrow(/geen CBS-tabelnummer/);
  });
});

describe('CLI: import-municipalities and export', () => {
  let t: TestApp;
  const savedEnv = { ...process.env };
  let out: string[] = [];
  let err: string[] = [];
  let outBuffers: Buffer[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    await seedReference(t.db);
    process.env.DATABASE_URL = databaseUrl(t.database.name);
    process.env.LOG_LEVEL = 'silent';
    process.env.NODE_ENV = 'test';
    process.env.DEMO_MODE = 'false';
    process.env.BASE_URL = 'http://localhost:3000'; // vitest sets BASE_URL=/ (Vite's base path)
  });
  afterAll(async () => {
    process.env = savedEnv;
    await t.close();
  });
  afterEach(() => vi.unstubAllGlobals());

  async function cli(...args: string[]) {
    out = [];
    err = [];
    outBuffers = [];
    const o = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown, ...rest: unknown[]) => {
      const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      outBuffers.push(b);
      out.push(b.toString('utf8'));
      const cb = rest.find((x) => typeof x === 'function') as (() => void) | undefined;
      cb?.();
      return true;
    });
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
      err.push(String(chunk));
      return true;
    });
    try {
      return await runCli(args);
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
  }

  it('changes nothing and exits non-zero when CBS cannot be reached', async () => {
    vi.stubGlobal('fetch', unreachable);
    const before = await snapshot(t.db, municipalities);
    expect(await cli('import-municipalities', '--cbs')).toBe(1);
    expect(err.join('')).toMatch(/niet bereikbaar \(ECONNREFUSED\)[\s\S]*Nothing was changed/);
    expect(await snapshot(t.db, municipalities)).toBe(before);
  });

  it('updates the list from CBS with progress on stderr, and audits it', async () => {
    vi.stubGlobal('fetch', fixtureFetch().fetch);
    expect(await cli('import-municipalities', '--cbs')).toBe(0);
    expect(out.join('')).toContain('Gemeenten: 0 nieuw, 7 gewijzigd, 0 ongewijzigd, 0 beëindigd.');
    expect(err.join('')).toContain('Tabel 86059NED (Gebieden in Nederland 2025)');
    expect(err.join('')).toContain('Gemeenten bijwerken: 7/7');
    expect(await municipalityByCode(t.db, 'GM0363')).toMatchObject({ name: 'Amsterdam', population: 931298, validTo: null });
    expect(await lastAudit(t.db, 'import')).toMatchObject({ actorLabel: 'CLI', entity: 'municipality', details: expect.objectContaining({ source: 'cbs', table: '86059NED', updated: 7 }) });
    // Running it again changes nothing.
    vi.stubGlobal('fetch', fixtureFetch().fetch);
    expect(await cli('import-municipalities', '--cbs', '--table', '86059NED')).toBe(0);
    expect(out.join('')).toContain('0 gewijzigd, 7 ongewijzigd');
  });

  it('with --complete ends the municipalities missing from the list (history kept)', async () => {
    vi.stubGlobal('fetch', fixtureFetch().fetch);
    expect(await cli('import-municipalities', '--cbs', '--complete', '--as-of', '2025-12-31')).toBe(0);
    expect(out.join('')).toContain('335 beëindigd');
    const [{ n }] = await t.db.select({ n: sql<number>`count(*)::int` }).from(municipalities).where(and(isNull(municipalities.validTo), isNull(municipalities.deletedAt)));
    expect(n).toBe(7);
    expect(await municipalityByCode(t.db, 'GM0518')).toMatchObject({ validTo: '2025-12-31', deletedAt: null });
    // The shipped list (complete) brings them back.
    expect(await cli('import-municipalities', '--file', path.resolve(FIXTURES, '../../../src/modules/registry/data/municipalities.csv'), '--complete')).toBe(0);
    const [{ ended }] = await t.db.select({ ended: sql<number>`count(*)::int` }).from(municipalities).where(isNotNull(municipalities.validTo));
    expect(ended).toBe(0);
    expect((await t.db.select().from(provinces).where(eq(provinces.code, 'PV21')))[0].name).toBe('Fryslân');
  });

  it('refuses bad usage and a bad CSV with a clear message, changing nothing', async () => {
    expect(await cli('import-municipalities')).toBe(2);
    expect(err.join('')).toContain('Give either --file <csv> or --cbs.');
    expect(await cli('import-municipalities', '--cbs', '--as-of', 'gisteren')).toBe(2);
    const bad = path.join(os.tmpdir(), `ete-bad-${process.pid}.csv`);
    fs.writeFileSync(bad, 'cbs_code,name,province_code\nGM0001,Test,PV26\nGX,Fout,PV99\n');
    const before = await snapshot(t.db, municipalities);
    expect(await cli('import-municipalities', '--file', bad)).toBe(1);
    expect(err.join('')).toContain('line 3, cbs_code: "GX" is not a CBS municipality code');
    expect(await snapshot(t.db, municipalities)).toBe(before);
    fs.rmSync(bad);
  });

  it('exports every registered entity as CSV or XLSX, audited', async () => {
    const file = path.join(os.tmpdir(), `ete-export-${process.pid}.xlsx`);
    expect(await cli('export', 'municipalities', '--format', 'xlsx', '--out', file)).toBe(0);
    const rows = await readTable(fs.readFileSync(file), 'xlsx');
    expect(rows).toHaveLength(342);
    expect(rows[0]).toHaveProperty('cbs_code');
    fs.rmSync(file);
    expect(await lastAudit(t.db, 'export')).toMatchObject({ actorLabel: 'CLI', entity: 'municipality', details: expect.objectContaining({ rows: 342, format: 'xlsx' }) });

    expect(await cli('export', 'provinces', '--delimiter', ';')).toBe(0);
    const csv = Buffer.concat(outBuffers).toString('utf8');
    expect(csv.split(/\r?\n/)[0]).toBe('\uFEFFprovince_code;province_name;municipalities;participating');
    expect(csv.split(/\r?\n/).filter(Boolean)).toHaveLength(13);

    expect(await cli('export', 'participations', '--format', 'csv')).toBe(0);
    expect(Buffer.concat(outBuffers).toString('utf8')).toContain('cbs_code,municipality,province_code,status');

    expect(await cli('export', 'gemeentes')).toBe(2);
    expect(err.join('')).toMatch(/Unknown entity "gemeentes"\. Choose one of: municipalities, provinces, participations/);
    expect(await cli('export', 'municipalities', '--format', 'pdf')).toBe(2);
  });
});
