import fs from 'node:fs';
import path from 'node:path';
import { fromRoot } from '../../platform/paths.js';
import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/index.js';
import { audit, type AuditContext } from '../../platform/audit.js';
import type { FetchLike } from '../registry/cbs.js';
import { boundaries } from './schema.js';
import type { MapArea } from './map.js';

/**
 * Province and municipality boundaries for the response maps, from CBS "Gebiedsindelingen"
 * (published by PDOK) as GeoJSON in WGS84 (EPSG:4326): a file, or the PDOK WFS.
 *
 * Everything is read and checked before the database is touched; an import replaces all
 * boundaries of one kind in a single transaction, so a bad file changes nothing.
 */

export const BOUNDARY_KINDS = ['province', 'municipality'] as const;
export type BoundaryKind = (typeof BOUNDARY_KINDS)[number];

const CODE_PATTERN: Record<BoundaryKind, RegExp> = { province: /^PV\d{2}$/, municipality: /^GM\d{4}$/ };
const CODE_EXAMPLE: Record<BoundaryKind, string> = { province: 'PV27', municipality: 'GM0363' };
/** The PDOK WFS layer (typeName) per kind. */
export const PDOK_LAYERS: Record<BoundaryKind, string> = {
  province: 'gebiedsindelingen:provincie_gegeneraliseerd',
  municipality: 'gebiedsindelingen:gemeente_gegeneraliseerd',
};

/** The Netherlands in WGS84, with a margin for the sea and the Wadden islands. */
export const NL_BBOX = { minLon: 3.0, maxLon: 7.6, minLat: 50.6, maxLat: 53.8 } as const;
/** Coordinate digits kept (4 decimals ≈ 10 m: ample for a choropleth). */
const DECIMALS = 4;
const MAX_PROBLEMS = 25;

export class BoundaryImportError extends Error {
  constructor(readonly problems: string[]) {
    const shown = problems.slice(0, MAX_PROBLEMS);
    const more = problems.length > shown.length ? `\n  … and ${problems.length - shown.length} more` : '';
    super(`The boundary data has ${problems.length} problem(s); nothing was imported:\n  ${shown.join('\n  ')}${more}`);
  }
}

export interface BoundaryFeature {
  code: string;
  name: string;
  geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: number[][][] | number[][][][] };
}

export interface ParsedBoundaries {
  kind: BoundaryKind;
  year: number | null;
  features: BoundaryFeature[];
  /** True when the coordinates came as lat,lon (WFS 2.0 axis order) and were swapped. */
  swappedAxes: boolean;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

type Pos = [number, number];

/** Walks every position of a Polygon/MultiPolygon, checking the nesting; returns problems. */
function ringsOf(type: 'Polygon' | 'MultiPolygon', coords: unknown, where: string, problems: string[]): Pos[][][] | null {
  const polys = type === 'Polygon' ? [coords] : coords;
  if (!Array.isArray(polys) || polys.length === 0) {
    problems.push(`${where}: geometry.coordinates is empty or not an array`);
    return null;
  }
  const out: Pos[][][] = [];
  for (const poly of polys) {
    if (!Array.isArray(poly) || poly.length === 0) {
      problems.push(`${where}: a polygon has no rings`);
      return null;
    }
    const rings: Pos[][] = [];
    for (const ring of poly) {
      if (!Array.isArray(ring) || ring.length < 4) {
        problems.push(`${where}: a ring has fewer than 4 positions`);
        return null;
      }
      const pts: Pos[] = [];
      for (const p of ring) {
        if (!Array.isArray(p) || p.length < 2 || typeof p[0] !== 'number' || typeof p[1] !== 'number' || !Number.isFinite(p[0]) || !Number.isFinite(p[1])) {
          problems.push(`${where}: a position is not a pair of numbers`);
          return null;
        }
        pts.push([p[0], p[1]]);
      }
      const [a, b] = [pts[0], pts[pts.length - 1]];
      if (a[0] !== b[0] || a[1] !== b[1]) {
        problems.push(`${where}: a ring is not closed (its first and last position differ)`);
        return null;
      }
      rings.push(pts);
    }
    out.push(rings);
  }
  return out;
}

const inBox = ([x, y]: Pos) => x >= NL_BBOX.minLon && x <= NL_BBOX.maxLon && y >= NL_BBOX.minLat && y <= NL_BBOX.maxLat;
const swappedInBox = ([x, y]: Pos) => inBox([y, x]);
/** Rijksdriehoek (EPSG:28992) metres: x 0–300 km, y 289–629 km. */
const looksRd = ([x, y]: Pos) => x >= -10_000 && x <= 310_000 && y >= 280_000 && y <= 640_000;
const round = (v: number) => Math.round(v * 10 ** DECIMALS) / 10 ** DECIMALS;

/** Removes consecutive duplicate positions that rounding creates; keeps rings closed and valid. */
function cleanRing(ring: Pos[]): Pos[] {
  const out: Pos[] = [];
  for (const p of ring) {
    const q: Pos = [round(p[0]), round(p[1])];
    const last = out[out.length - 1];
    if (!last || last[0] !== q[0] || last[1] !== q[1]) out.push(q);
  }
  return out.length >= 4 ? out : ring.map((p) => [round(p[0]), round(p[1])] as Pos);
}

/**
 * Checks a GeoJSON FeatureCollection of boundaries and returns the features to store.
 * Properties: `statcode` and `statnaam` (CBS/PDOK); `jrstatcode` (2025PV20) gives the year.
 * Every problem is collected; any problem throws BoundaryImportError.
 */
export function parseBoundaries(json: unknown, kind: BoundaryKind): ParsedBoundaries {
  const problems: string[] = [];
  if (!isObj(json) || json.type !== 'FeatureCollection' || !Array.isArray(json.features)) {
    throw new BoundaryImportError(['the file is not a GeoJSON FeatureCollection (expected {"type": "FeatureCollection", "features": [...]})']);
  }
  const crs = isObj(json.crs) && isObj(json.crs.properties) ? String(json.crs.properties.name ?? '') : '';
  if (/28992/.test(crs)) {
    throw new BoundaryImportError([
      `the coordinates are in RD New (${crs}); WGS84 (EPSG:4326) longitude/latitude is needed. From the PDOK WFS ask for srsName=EPSG:4326, or convert the file first (e.g. ogr2ogr -t_srs EPSG:4326).`,
    ]);
  }
  if (json.features.length === 0) throw new BoundaryImportError(['the FeatureCollection has no features']);
  const seen = new Set<string>();
  const years = new Set<number>();
  const parsed: { code: string; name: string; type: 'Polygon' | 'MultiPolygon'; polys: Pos[][][] }[] = [];
  json.features.forEach((f, i) => {
    let where = `feature ${i + 1}`;
    if (!isObj(f) || f.type !== 'Feature') {
      problems.push(`${where}: not a GeoJSON Feature`);
      return;
    }
    const props = isObj(f.properties) ? f.properties : {};
    const code = typeof props.statcode === 'string' ? props.statcode.trim() : '';
    const name = typeof props.statnaam === 'string' ? props.statnaam.trim() : '';
    if (code) where += ` (${code})`;
    if (!CODE_PATTERN[kind].test(code)) {
      const other = (Object.keys(CODE_PATTERN) as BoundaryKind[]).find((k) => k !== kind && CODE_PATTERN[k].test(code));
      problems.push(
        other
          ? `${where}: statcode ${code} is a ${other} code, but ${kind} boundaries were asked for`
          : `${where}: statcode "${code}" is not a CBS ${kind} code (like ${CODE_EXAMPLE[kind]})`,
      );
    } else if (seen.has(code)) problems.push(`${where}: statcode ${code} appears twice`);
    seen.add(code);
    if (!name) problems.push(`${where}: statnaam (the name) is missing`);
    if (name.length > 200) problems.push(`${where}: statnaam is longer than 200 characters`);
    const jr = typeof props.jrstatcode === 'string' ? /^(\d{4})(PV|GM)/.exec(props.jrstatcode) : null;
    if (jr) years.add(Number(jr[1]));
    const g = f.geometry;
    if (!isObj(g) || (g.type !== 'Polygon' && g.type !== 'MultiPolygon')) {
      problems.push(`${where}: geometry must be a Polygon or MultiPolygon (got ${isObj(g) ? String(g.type) : 'none'})`);
      return;
    }
    const polys = ringsOf(g.type, g.coordinates, where, problems);
    if (polys) parsed.push({ code, name, type: g.type, polys });
  });
  if (problems.length) throw new BoundaryImportError(problems);

  // Coordinates: WGS84 lon/lat inside the Netherlands. Lat/lon order (WFS 2.0) is swapped back;
  // RD metres are refused with the way to get WGS84.
  const all = parsed.flatMap((p) => p.polys.flat(2));
  let swappedAxes = false;
  if (!all.every(inBox)) {
    if (all.every(swappedInBox)) swappedAxes = true;
    else if (all.some(looksRd) && all.filter(looksRd).length > all.length / 2) {
      throw new BoundaryImportError([
        'the coordinates look like RD New metres (EPSG:28992), not WGS84 longitude/latitude. Ask the PDOK WFS for srsName=EPSG:4326, or convert the file first (e.g. ogr2ogr -t_srs EPSG:4326).',
      ]);
    } else {
      for (const p of parsed) {
        const bad = p.polys.flat(2).find((q) => !inBox(q));
        if (bad) problems.push(`feature ${p.code}: position [${bad[0]}, ${bad[1]}] lies outside the Netherlands (longitude ${NL_BBOX.minLon}–${NL_BBOX.maxLon}, latitude ${NL_BBOX.minLat}–${NL_BBOX.maxLat})`);
      }
      throw new BoundaryImportError(problems);
    }
  }
  const features = parsed.map((p): BoundaryFeature => {
    const polys = p.polys.map((poly) => poly.map((ring) => cleanRing(swappedAxes ? ring.map(([a, b]) => [b, a] as Pos) : ring)));
    return { code: p.code, name: p.name, geometry: p.type === 'Polygon' ? { type: 'Polygon', coordinates: polys[0] } : { type: 'MultiPolygon', coordinates: polys } };
  });
  return { kind, year: years.size === 1 ? [...years][0] : null, features, swappedAxes };
}

/** Reads and checks a GeoJSON file. */
export function readBoundaryFile(file: string, kind: BoundaryKind): ParsedBoundaries {
  if (!fs.existsSync(file)) throw new BoundaryImportError([`file not found: ${file}`]);
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new BoundaryImportError([`the file is not valid JSON (${(e as Error).message})`]);
  }
  return parseBoundaries(json, kind);
}

/** The PDOK WFS GetFeature URL for a kind and year (GeoJSON, EPSG:4326). */
export function pdokUrl(kind: BoundaryKind, year: number, base = 'https://service.pdok.nl'): string {
  const q = new URLSearchParams({
    request: 'GetFeature',
    service: 'WFS',
    version: '2.0.0',
    typeName: PDOK_LAYERS[kind],
    outputFormat: 'json',
    srsName: 'EPSG:4326',
  });
  return `${base}/cbs/gebiedsindelingen/${year}/wfs/v1_0?${q.toString()}`;
}

/** Fetches and checks boundaries from the PDOK WFS (nothing is written here). */
export async function fetchPdokBoundaries(o: { fetch: FetchLike; kind: BoundaryKind; year: number; baseUrl?: string; timeoutMs?: number }): Promise<ParsedBoundaries> {
  const url = pdokUrl(o.kind, o.year, o.baseUrl);
  let res: Awaited<ReturnType<FetchLike>>;
  try {
    res = await o.fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(o.timeoutMs ?? 120_000) });
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    throw new BoundaryImportError([`the PDOK WFS could not be reached (${err.cause?.code ?? err.cause?.message ?? err.message}) at ${url}`]);
  }
  if (!res.ok) throw new BoundaryImportError([`the PDOK WFS answered HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''} at ${url} (is there a ${o.year} edition?)`]);
  let json: unknown;
  try {
    json = await res.json();
  } catch {
    throw new BoundaryImportError([`the PDOK WFS did not answer with JSON at ${url}`]);
  }
  const parsed = parseBoundaries(json, o.kind);
  return { ...parsed, year: parsed.year ?? o.year };
}

export interface BoundaryImportResult {
  kind: BoundaryKind;
  year: number;
  imported: number;
  /** Boundaries of this kind that were there before (all replaced). */
  replaced: number;
}

/** Replaces all boundaries of the parsed kind in one transaction. */
export async function importBoundaries(db: Db, data: ParsedBoundaries, o: { year?: number; audit?: AuditContext; source?: Record<string, unknown> } = {}): Promise<BoundaryImportResult> {
  const year = o.year ?? data.year;
  if (year == null || !Number.isInteger(year) || year < 1900 || year > 2100) {
    throw new BoundaryImportError(['the year of the boundaries is unknown: give it (--year) or use features with jrstatcode (like 2025PV20)']);
  }
  return db.transaction(async (tx) => {
    const [{ n }] = await tx.select({ n: sql<number>`count(*)::int` }).from(boundaries).where(eq(boundaries.kind, data.kind));
    await tx.delete(boundaries).where(eq(boundaries.kind, data.kind));
    const rows = data.features.map((f) => ({ kind: data.kind, code: f.code, name: f.name, year, geometry: f.geometry }));
    for (let i = 0; i < rows.length; i += 100) await tx.insert(boundaries).values(rows.slice(i, i + 100));
    const result = { kind: data.kind, year, imported: rows.length, replaced: n };
    if (o.audit) await audit(tx as unknown as Db, o.audit, { action: 'import', entity: 'boundary', details: { ...result, swappedAxes: data.swappedAxes, ...o.source } });
    return result;
  });
}

const DATA_DIR = fromRoot('src/modules/benchmark/data');
export const SHIPPED_PROVINCES_FILE = path.join(DATA_DIR, 'provinces-2025.geojson');

/** Loads the shipped 2025 province boundaries (CBS / PDOK, CC BY 4.0), replacing any present. */
export async function importShippedProvinceBoundaries(db: Db, ctx?: AuditContext): Promise<BoundaryImportResult> {
  return importBoundaries(db, readBoundaryFile(SHIPPED_PROVINCES_FILE, 'province'), { year: 2025, audit: ctx, source: { source: 'shipped', file: 'provinces-2025.geojson' } });
}

/** The stored boundaries of a kind, for the maps. */
export async function loadBoundaries(db: Db, kind: BoundaryKind): Promise<MapArea[]> {
  return db.select({ code: boundaries.code, name: boundaries.name, geometry: boundaries.geometry }).from(boundaries).where(eq(boundaries.kind, kind)).orderBy(asc(boundaries.code));
}
