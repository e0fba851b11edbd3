import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { asc, eq } from 'drizzle-orm';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import { databaseUrl } from '../../../test/helpers/db.js';
import { lastAudit } from '../../../test/helpers/registry.js';
import { runCli } from '../../main.js';
import type { FetchLike } from '../registry/cbs.js';
import {
  BoundaryImportError,
  fetchPdokBoundaries,
  importBoundaries,
  importShippedProvinceBoundaries,
  loadBoundaries,
  parseBoundaries,
  pdokUrl,
  readBoundaryFile,
} from './boundaries.js';
import { boundaries } from './schema.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/boundaries');
const fixture = (name: string) => path.join(FIXTURES, name);
const json = (name: string) => JSON.parse(fs.readFileSync(fixture(name), 'utf8'));

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t.close());

const stored = async () =>
  (await t.db.select({ kind: boundaries.kind, code: boundaries.code, name: boundaries.name, year: boundaries.year }).from(boundaries).orderBy(asc(boundaries.kind), asc(boundaries.code))).map(
    (b) => `${b.kind}:${b.code}:${b.name}:${b.year}`,
  );

describe('parsing and checking', () => {
  it('reads the CBS/PDOK properties, the year from jrstatcode, and keeps Polygon and MultiPolygon', () => {
    const p = readBoundaryFile(fixture('provinces-small.geojson'), 'province');
    expect(p.year).toBe(2025);
    expect(p.swappedAxes).toBe(false);
    expect(p.features.map((f) => [f.code, f.name, f.geometry.type])).toEqual([
      ['PV26', 'Utrecht', 'Polygon'],
      ['PV24', 'Flevoland', 'MultiPolygon'],
      ['PV22', 'Drenthe', 'Polygon'],
    ]);
    expect(p.features[0].geometry.coordinates).toEqual([
      [
        [4.8, 51.95],
        [5.6, 51.95],
        [5.6, 52.3],
        [4.8, 52.3],
        [4.8, 51.95],
      ],
    ]);
  });

  it('reports every problem of a bad file', () => {
    let err: BoundaryImportError | undefined;
    try {
      readBoundaryFile(fixture('provinces-bad.geojson'), 'province');
    } catch (e) {
      err = e as BoundaryImportError;
    }
    expect(err).toBeInstanceOf(BoundaryImportError);
    expect(err!.problems).toEqual([
      'feature 1 (PV26): geometry must be a Polygon or MultiPolygon (got Point)',
      'feature 2 (GM0344): statcode GM0344 is a municipality code, but province boundaries were asked for',
      'feature 3 (PV24): statnaam (the name) is missing',
      'feature 3 (PV24): a ring is not closed (its first and last position differ)',
    ]);
    expect(err!.message).toMatch(/^The boundary data has 4 problem\(s\); nothing was imported/);
  });

  it('refuses RD coordinates with a clear message, and other odd input', () => {
    expect(() => readBoundaryFile(fixture('provinces-rd.geojson'), 'province')).toThrow(/RD New metres \(EPSG:28992\).*srsName=EPSG:4326/);
    const withCrs = { ...json('provinces-small.geojson'), crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::28992' } } };
    expect(() => parseBoundaries(withCrs, 'province')).toThrow(/RD New/);
    expect(() => parseBoundaries({ type: 'Feature' }, 'province')).toThrow(/not a GeoJSON FeatureCollection/);
    expect(() => parseBoundaries({ type: 'FeatureCollection', features: [] }, 'province')).toThrow(/no features/);
    expect(() => readBoundaryFile(fixture('README.md'), 'province')).toThrow(/not valid JSON/);
    expect(() => readBoundaryFile(fixture('nope.geojson'), 'province')).toThrow(/file not found/);
    // Outside the Netherlands (but not RD): named per feature.
    const paris = json('provinces-small.geojson');
    paris.features[0].geometry.coordinates = [[[2.3, 48.8], [2.4, 48.8], [2.4, 48.9], [2.3, 48.8]]];
    expect(() => parseBoundaries(paris, 'province')).toThrow(/feature PV26: position \[2.3, 48.8\] lies outside the Netherlands/);
    // Duplicates and open rings.
    const dup = json('provinces-small.geojson');
    dup.features[1].properties.statcode = 'PV26';
    dup.features[2].geometry.coordinates[0].pop();
    dup.features[2].geometry.coordinates[0].push([6.2, 52.6]);
    expect(() => parseBoundaries(dup, 'province')).toThrow(/statcode PV26 appears twice[\s\S]*ring is not closed/);
  });

  it('swaps latitude,longitude order (WFS 2.0 axis order) back to GeoJSON order', () => {
    const swapped = json('municipalities-small.geojson');
    for (const f of swapped.features) f.geometry.coordinates = f.geometry.coordinates.map((ring: number[][]) => ring.map(([x, y]) => [y, x]));
    const p = parseBoundaries(swapped, 'municipality');
    expect(p.swappedAxes).toBe(true);
    expect(p.features[0].geometry.coordinates).toEqual(json('municipalities-small.geojson').features[0].geometry.coordinates);
  });
});

describe('import', () => {
  it('imports the fixture, replaces on re-import, keeps the other kind, and audits', async () => {
    const r1 = await importBoundaries(t.db, readBoundaryFile(fixture('provinces-small.geojson'), 'province'), { audit: { label: 'test' } });
    expect(r1).toEqual({ kind: 'province', year: 2025, imported: 3, replaced: 0 });
    const r2 = await importBoundaries(t.db, readBoundaryFile(fixture('municipalities-small.geojson'), 'municipality'));
    expect(r2).toEqual({ kind: 'municipality', year: 2025, imported: 2, replaced: 0 });
    expect(await stored()).toEqual([
      'municipality:GM0344:Utrecht:2025',
      'municipality:GM0363:Amsterdam:2025',
      'province:PV22:Drenthe:2025',
      'province:PV24:Flevoland:2025',
      'province:PV26:Utrecht:2025',
    ]);
    expect(await lastAudit(t.db, 'import')).toMatchObject({ entity: 'boundary', actorLabel: 'test', details: expect.objectContaining({ kind: 'province', imported: 3 }) });

    // Re-import with fewer features and another year: all provinces replaced, municipalities untouched.
    const two = json('provinces-small.geojson');
    two.features = two.features.slice(0, 2);
    const r3 = await importBoundaries(t.db, parseBoundaries(two, 'province'), { year: 2026 });
    expect(r3).toEqual({ kind: 'province', year: 2026, imported: 2, replaced: 3 });
    expect(await stored()).toEqual(['municipality:GM0344:Utrecht:2025', 'municipality:GM0363:Amsterdam:2025', 'province:PV24:Flevoland:2026', 'province:PV26:Utrecht:2026']);
    const areas = await loadBoundaries(t.db, 'province');
    expect(areas.map((a) => a.code)).toEqual(['PV24', 'PV26']);
    expect(areas[0].geometry.type).toBe('MultiPolygon');
  });

  it('changes nothing when the write fails half-way (one transaction)', async () => {
    const before = await stored();
    const good = readBoundaryFile(fixture('provinces-small.geojson'), 'province');
    // Bypass the checks to force a unique-index violation on the second insert of PV26.
    const broken = { ...good, features: [...good.features, good.features[0]] };
    await expect(importBoundaries(t.db, broken)).rejects.toThrow();
    expect(await stored()).toEqual(before);
    // Without a year (no jrstatcode, none given): refused before writing.
    const noYear = json('provinces-small.geojson');
    for (const f of noYear.features) delete f.properties.jrstatcode;
    await expect(importBoundaries(t.db, parseBoundaries(noYear, 'province'))).rejects.toThrow(/year of the boundaries is unknown/);
    expect(await stored()).toEqual(before);
  });

  it('loads the shipped 2025 provinces (12)', async () => {
    const r = await importShippedProvinceBoundaries(t.db);
    expect(r).toMatchObject({ kind: 'province', year: 2025, imported: 12 });
    const rows = await t.db.select().from(boundaries).where(eq(boundaries.code, 'PV21'));
    expect(rows[0]).toMatchObject({ kind: 'province', name: 'Fryslân', year: 2025 });
  });
});

describe('PDOK WFS', () => {
  it('asks the gebiedsindelingen WFS for GeoJSON in EPSG:4326 and checks the answer', async () => {
    expect(pdokUrl('province', 2025)).toBe(
      'https://service.pdok.nl/cbs/gebiedsindelingen/2025/wfs/v1_0?request=GetFeature&service=WFS&version=2.0.0&typeName=gebiedsindelingen%3Aprovincie_gegeneraliseerd&outputFormat=json&srsName=EPSG%3A4326',
    );
    expect(pdokUrl('municipality', 2024)).toContain('/2024/wfs/v1_0?');
    expect(pdokUrl('municipality', 2024)).toContain('typeName=gebiedsindelingen%3Agemeente_gegeneraliseerd');
    const urls: string[] = [];
    const ok: FetchLike = async (url) => {
      urls.push(url);
      return { ok: true, status: 200, json: async () => json('provinces-small.geojson') };
    };
    const p = await fetchPdokBoundaries({ fetch: ok, kind: 'province', year: 2025 });
    expect(p.features).toHaveLength(3);
    expect(urls).toEqual([pdokUrl('province', 2025)]);
    const notFound: FetchLike = async () => ({ ok: false, status: 404, statusText: 'Not Found', json: async () => ({}) });
    await expect(fetchPdokBoundaries({ fetch: notFound, kind: 'province', year: 1999 })).rejects.toThrow(/HTTP 404 Not Found/);
    const down: FetchLike = async () => {
      throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    };
    await expect(fetchPdokBoundaries({ fetch: down, kind: 'province', year: 2025 })).rejects.toThrow(/could not be reached \(ECONNREFUSED\)/);
  });
});

describe('CLI: import-boundaries', () => {
  const savedEnv = { ...process.env };
  let out: string[] = [];
  let err: string[] = [];
  beforeAll(() => {
    process.env.DATABASE_URL = databaseUrl(t.database.name);
    process.env.LOG_LEVEL = 'silent';
    process.env.NODE_ENV = 'test';
    process.env.DEMO_MODE = 'false';
    process.env.BASE_URL = 'http://localhost:3000';
  });
  afterAll(() => {
    process.env = savedEnv;
  });
  afterEach(() => vi.unstubAllGlobals());

  async function cli(...args: string[]) {
    out = [];
    err = [];
    const o = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => (out.push(String(chunk)), true));
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => (err.push(String(chunk)), true));
    try {
      return await runCli(args);
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
  }

  it('imports a file, refuses a bad one without changing anything, and fetches from PDOK', async () => {
    expect(await cli('import-boundaries', '--file', fixture('provinces-small.geojson'))).toBe(0);
    expect(out.join('')).toContain('3 provinciegrenzen (2025) geïmporteerd; 12 eerdere vervangen.');
    expect(await lastAudit(t.db, 'import')).toMatchObject({ actorLabel: 'CLI', entity: 'boundary', details: expect.objectContaining({ source: 'file', imported: 3 }) });
    const before = await stored();
    expect(await cli('import-boundaries', '--file', fixture('provinces-rd.geojson'))).toBe(1);
    expect(err.join('')).toMatch(/RD New metres/);
    expect(await stored()).toEqual(before);
    expect(await cli('import-boundaries', '--file', fixture('provinces-small.geojson'), '--pdok')).toBe(2);
    expect(await cli('import-boundaries', '--kind', 'wijk', '--pdok')).toBe(2);
    vi.stubGlobal('fetch', (async () => ({ ok: true, status: 200, json: async () => json('municipalities-small.geojson') })) as FetchLike);
    expect(await cli('import-boundaries', '--kind', 'municipality', '--pdok', '--year', '2025')).toBe(0);
    expect(out.join('')).toContain('2 gemeentegrenzen (2025) geïmporteerd');
    expect(err.join('')).toContain('service.pdok.nl/cbs/gebiedsindelingen/2025/wfs/v1_0');
    expect(await cli('import-boundaries', '--shipped')).toBe(0);
    expect(out.join('')).toContain('12 provinciegrenzen (2025) geïmporteerd; 3 eerdere vervangen.');
  });
});
