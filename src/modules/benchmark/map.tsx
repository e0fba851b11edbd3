import { FigureTable, formatPercent } from './charts.js';
import { responseTotal } from './invitations-service.js';
import type { ProvinceResponse } from './results-types.js';

/**
 * The response map: a province choropleth as server-rendered SVG, drawn from the `boundaries`
 * table (WGS84 GeoJSON geometry). Simple equirectangular projection with the x axis scaled by
 * cos(52°) (the middle of the Netherlands), fitted to the viewBox. Each province carries its
 * response rate as a text label and a <title>; a legend explains the classes; the data table
 * (province, invited, started, finished, %) is always shown beside it. Without boundaries only
 * the table is shown, with a sentence saying why.
 */

type Position = number[];
export type BoundaryGeometry = { type: 'Polygon' | 'MultiPolygon'; coordinates: unknown };
export interface MapArea {
  code: string;
  name: string;
  geometry: BoundaryGeometry;
}

const COS52 = Math.cos((52 * Math.PI) / 180);
const MAP_W = 420;
const PAD = 8;
const LEGEND_H = 122;

/** The polygons (each a list of rings) of a Polygon or MultiPolygon. */
export function polygonsOf(g: BoundaryGeometry): Position[][][] {
  if (g.type === 'Polygon') return [g.coordinates as Position[][]];
  return g.coordinates as Position[][][];
}

/** Signed area and centroid of a ring in projected coordinates (shoelace formula). */
function ringCentroid(ring: [number, number][]): { area: number; x: number; y: number } {
  let a = 0;
  let cx = 0;
  let cy = 0;
  for (let i = 0; i < ring.length - 1; i++) {
    const [x0, y0] = ring[i];
    const [x1, y1] = ring[i + 1];
    const f = x0 * y1 - x1 * y0;
    a += f;
    cx += (x0 + x1) * f;
    cy += (y0 + y1) * f;
  }
  a /= 2;
  if (a === 0) return { area: 0, x: ring[0]?.[0] ?? 0, y: ring[0]?.[1] ?? 0 };
  return { area: Math.abs(a), x: cx / (6 * a), y: cy / (6 * a) };
}

/** Point-in-ring test (even–odd), to keep a label inside its area. */
function inRing(x: number, y: number, ring: [number, number][]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** A label point: the centroid of the largest outer ring, or (when that falls outside) the ring's widest horizontal midpoint. */
function labelPoint(rings: [number, number][][]): [number, number] {
  let best = rings[0];
  let bestC = ringCentroid(best);
  for (const r of rings.slice(1)) {
    const c = ringCentroid(r);
    if (c.area > bestC.area) {
      best = r;
      bestC = c;
    }
  }
  if (inRing(bestC.x, bestC.y, best)) return [bestC.x, bestC.y];
  // Scan the horizontal line through the centroid for the widest inside stretch.
  const xs: number[] = [];
  for (let i = 0; i < best.length - 1; i++) {
    const [x0, y0] = best[i];
    const [x1, y1] = best[i + 1];
    if (y0 > bestC.y !== y1 > bestC.y) xs.push(x0 + ((bestC.y - y0) * (x1 - x0)) / (y1 - y0));
  }
  xs.sort((a, b) => a - b);
  let mid = bestC.x;
  let widest = -1;
  for (let i = 0; i + 1 < xs.length; i += 2) {
    if (xs[i + 1] - xs[i] > widest) {
      widest = xs[i + 1] - xs[i];
      mid = (xs[i] + xs[i + 1]) / 2;
    }
  }
  return [mid, bestC.y];
}

const fmt = (v: number) => String(Math.round(v * 10) / 10);

export interface ProjectedArea {
  code: string;
  name: string;
  /** SVG path data. */
  d: string;
  label: [number, number];
}

/** Projects the areas into a viewBox of width MAP_W (height follows the aspect ratio). */
export function projectAreas(areas: MapArea[], width = MAP_W): { areas: ProjectedArea[]; width: number; height: number } {
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  const proj = areas.map((a) => {
    const polys = polygonsOf(a.geometry).map((poly) =>
      poly.map((ring) =>
        ring.map((p): [number, number] => {
          const x = p[0] * COS52;
          const y = -p[1];
          if (x < minX) minX = x;
          if (x > maxX) maxX = x;
          if (y < minY) minY = y;
          if (y > maxY) maxY = y;
          return [x, y];
        }),
      ),
    );
    return { a, polys };
  });
  if (!proj.length || !Number.isFinite(minX)) return { areas: [], width, height: 0 };
  const scale = (width - 2 * PAD) / (maxX - minX || 1);
  const height = Math.round((maxY - minY) * scale + 2 * PAD);
  const tx = (x: number) => (x - minX) * scale + PAD;
  const ty = (y: number) => (y - minY) * scale + PAD;
  return {
    width,
    height,
    areas: proj.map(({ a, polys }) => {
      const screen = polys.map((poly) => poly.map((ring) => ring.map(([x, y]): [number, number] => [tx(x), ty(y)])));
      const d = screen
        .flat()
        .map((ring) => 'M' + ring.map(([x, y]) => `${fmt(x)},${fmt(y)}`).join('L') + 'Z')
        .join('');
      const [lx, ly] = labelPoint(screen.map((poly) => poly[0]));
      return { code: a.code, name: a.name, d, label: [Math.round(lx * 10) / 10, Math.round(ly * 10) / 10] };
    }),
  };
}

/** Response-rate classes of the legend (upper bounds inclusive of the last). */
export const RATE_CLASSES = [
  { min: 0, max: 20, label: '0 tot 20%' },
  { min: 20, max: 40, label: '20 tot 40%' },
  { min: 40, max: 60, label: '40 tot 60%' },
  { min: 60, max: 80, label: '60 tot 80%' },
  { min: 80, max: 100.0001, label: '80 tot en met 100%' },
] as const;
const CLASS_FILLS = ['#eef3f9', '#c6d8ed', '#8fb3db', '#4a7fbf', '#154273'];
const CLASS_INK = ['#000000', '#000000', '#000000', '#ffffff', '#ffffff'];

export function rateClass(rate: number | null): number | null {
  if (rate == null) return null;
  const i = RATE_CLASSES.findIndex((c) => rate >= c.min && rate < c.max);
  return i === -1 ? RATE_CLASSES.length - 1 : i;
}

/** The choropleth SVG. */
export function ProvinceMap({ id, title, areas, responses }: { id: string; title: string; areas: MapArea[]; responses: ProvinceResponse[] }) {
  const p = projectAreas(areas);
  const byCode = new Map(responses.map((r) => [r.provinceCode, r]));
  const height = p.height + LEGEND_H;
  const shortName = (n: string) => (n.length > 13 ? n.replace('Noord-', 'N.-').replace('Zuid-', 'Z.-') : n);
  return (
    <svg
      class="bm-map"
      xmlns="http://www.w3.org/2000/svg"
      viewBox={`0 0 ${p.width} ${height}`}
      width={p.width}
      height={height}
      role="img"
      aria-labelledby={`${id}-title ${id}-desc`}
      focusable="false"
    >
      <title id={`${id}-title`}>{title}</title>
      <desc id={`${id}-desc`}>
        Kaart van Nederland met per provincie het responspercentage (ingevuld van uitgenodigd), als getal op de kaart en als kleurklasse. De cijfers staan ook in de tabel
        bij de kaart.
      </desc>
      <defs>
        <pattern id={`${id}-none`} patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">
          <rect class="bm-map__none-bg" width="6" height="6" fill="#ffffff" />
          <line class="bm-map__none-ink" x1="0" y1="0" x2="0" y2="6" stroke="#999999" stroke-width="1.5" />
        </pattern>
      </defs>
      <g class="bm-map__areas">
        {p.areas.map((a) => {
          const r = byCode.get(a.code);
          const c = rateClass(r?.ratePercent ?? null);
          const tip = r
            ? `${a.name}: ${r.ratePercent == null ? 'niemand uitgenodigd' : `${formatPercent(r.ratePercent)} respons (${r.submitted} van ${r.invited} ingevuld)`}`
            : `${a.name}: geen gegevens`;
          return (
            <path class={`bm-map__area ${c == null ? 'bm-map__area--none' : `bm-map__area--c${c}`}`} d={a.d} fill={c == null ? `url(#${id}-none)` : CLASS_FILLS[c]} stroke="#555555" stroke-width="0.6">
              <title>{tip}</title>
            </path>
          );
        })}
      </g>
      <g class="bm-map__labels" aria-hidden="true">
        {p.areas.map((a) => {
          const r = byCode.get(a.code);
          const c = rateClass(r?.ratePercent ?? null);
          const ink = c == null ? '#000000' : CLASS_INK[c];
          const halo = ink === '#ffffff' ? '#000000' : '#ffffff';
          return (
            <text class="bm-map__label" x={a.label[0]} y={a.label[1]} text-anchor="middle" font-size="10" fill={ink} stroke={halo} stroke-width="2.5" paint-order="stroke">
              <tspan x={a.label[0]} dy="-2">
                {shortName(a.name)}
              </tspan>
              <tspan x={a.label[0]} dy="12" font-weight="bold" font-size="11">
                {r?.ratePercent == null ? '–' : formatPercent(r.ratePercent).replace(',0%', '%')}
              </tspan>
            </text>
          );
        })}
      </g>
      <g class="bm-map__legend">
        <text class="bm-map__legend-title" x="8" y={p.height + 14} font-size="12" font-weight="bold">
          Respons (ingevuld van uitgenodigd)
        </text>
        {RATE_CLASSES.map((c, i) => (
          <g>
            <rect class={`bm-map__area--c${i}`} x="8" y={p.height + 22 + i * 18} width="16" height="14" fill={CLASS_FILLS[i]} stroke="#000000" stroke-width="0.5" />
            <text x="30" y={p.height + 33 + i * 18} font-size="11">
              {c.label}
            </text>
          </g>
        ))}
        <rect class="bm-map__area--none" x="200" y={p.height + 22} width="16" height="14" fill={`url(#${id}-none)`} stroke="#000000" stroke-width="0.5" />
        <text x="222" y={p.height + 33} font-size="11">
          Niemand uitgenodigd
        </text>
      </g>
    </svg>
  );
}

/** The response table per province with a total row (always shown, with or without the map). */
export function ProvinceResponseTable({ caption, responses }: { caption: string; responses: ProvinceResponse[] }) {
  const rows = [...responses, responseTotal(responses)].map((r) => [r.provinceName, String(r.invited), String(r.started), String(r.submitted), formatPercent(r.ratePercent)]);
  return <FigureTable caption={caption} head={['Provincie', 'Uitgenodigd', 'Begonnen', 'Ingevuld', 'Respons']} rows={rows} totalLast />;
}

/** Map (when boundaries are imported) beside the table; the table alone otherwise. */
export function ResponseByProvince({ id, title, areas, responses }: { id: string; title: string; areas: MapArea[]; responses: ProvinceResponse[] }) {
  const hasMap = areas.length > 0;
  return (
    <div class={hasMap ? 'bm-map-layout' : undefined}>
      {hasMap ? (
        <figure class="bm-figure bm-map-layout__map">
          <ProvinceMap id={id} title={title} areas={areas} responses={responses} />
        </figure>
      ) : (
        <p class="utrecht-paragraph muted">De kaart verschijnt zodra de provinciegrenzen zijn geïmporteerd (opdracht import-boundaries); de cijfers staan in de tabel.</p>
      )}
      <div class={hasMap ? 'bm-map-layout__table' : undefined}>
        <ProvinceResponseTable caption={`${title}: cijfers per provincie`} responses={responses} />
      </div>
    </div>
  );
}
