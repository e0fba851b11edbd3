import type { ComponentChildren } from 'preact';
import { MIN_GROUP_SIZE, type ComparedQuestion, type NumericSummary, type OptionCount, type QuestionResult, type QuestionSummary, type SuppressedReason } from './results-types.js';

/**
 * Server-rendered SVG bar charts of benchmark results (Preact components, no client script).
 *
 * - Choice questions (single, multiple, yes/no): horizontal bars per option, one bar per
 *   series (this edition, the compared edition, the panel figures marked with "*"), with the
 *   series name and percentage written next to every bar.
 * - Matrix questions: one stacked bar (0–100%) per row and series, the options in legend order.
 * - Every chart has role="img" with a <title> and <desc> (aria-labelledby) and is always
 *   followed by a table with the same figures (count, %, n): nothing is shown in colour alone.
 * - Series are told apart by fill *and* pattern *and* a text legend; styling is by CSS classes
 *   (public/css/site.css, block "Benchmark charts"), with presentation attributes as a fallback
 *   for viewers without the stylesheet (a saved SVG, a PDF). No style attributes (CSP).
 * - Output is deterministic: ids derive from the `id` prop, numbers are rounded.
 */

/** One set of figures to draw: an edition, its panel, all respondents, a province, … */
export interface ChartSeries {
  /** Short name written next to each bar and in the legend, e.g. "2020", "2019*", "Alle gemeenten". */
  label: string;
  result: QuestionResult;
}

/** The own answer of a municipality, to mark in the chart and table (dashboard). */
export type OwnCodes = string[] | Record<string, string> | null | undefined;

// ---------------------------------------------------------------------------------------
// Formatting (Dutch)

/** 45.5 → "45,5%"; null → "–". */
export function formatPercent(p: number | null | undefined): string {
  return p == null || !Number.isFinite(p) ? '–' : `${p.toFixed(1).replace('.', ',')}%`;
}

/** 12.345 → "12,3"; whole numbers without decimals; null → "–". */
export function formatNumber(v: number | null | undefined, decimals = 1): string {
  if (v == null || !Number.isFinite(v)) return '–';
  const s = Number.isInteger(v) ? String(v) : v.toFixed(decimals);
  return s.replace('.', ',');
}

const r1 = (v: number) => Math.round(v * 10) / 10;

/** Greedy word wrap for SVG labels (SVG text does not wrap by itself). */
export function wrapText(text: string, maxChars: number, maxLines = 4): string[] {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (!line) line = w;
    else if ((line + ' ' + w).length <= maxChars) line += ' ' + w;
    else {
      lines.push(line);
      line = w;
    }
  }
  if (line) lines.push(line);
  if (lines.length > maxLines) {
    const kept = lines.slice(0, maxLines);
    kept[maxLines - 1] += ' …';
    return kept;
  }
  return lines.length ? lines : [''];
}

/** A safe id fragment from a question code or label. */
export const chartId = (prefix: string, code: string) => `${prefix}-${code.replace(/[^A-Za-z0-9_-]/g, '-')}`;

// ---------------------------------------------------------------------------------------
// Why figures are withheld (restricted viewers)

/** Shown instead of the distributions of others while an edition is not published (municipalities). */
export const NOT_PUBLISHED_NOTE = 'De vergelijking met andere gemeenten verschijnt na de publicatie van de resultaten.';
/** A group that differs from a larger group shown too (the panel, the province) by only a few municipalities. */
export const smallDifferenceNote = (group = 'deze groep') =>
  `Niet getoond: ${group} verschilt met minder dan ${MIN_GROUP_SIZE} gemeenten van alle respondenten, zodat de antwoorden van die gemeenten anders af te leiden zouden zijn.`;

/**
 * The Dutch sentence for a withheld result, by its reason; `smallGroup` is the caller's
 * sentence for too few respondents, `group` names the group for a small difference.
 */
export function suppressionMessage(r: { suppressed?: boolean; suppressedReason?: SuppressedReason }, smallGroup: string, group?: string): string {
  switch (r.suppressedReason) {
    case 'not_published':
      return NOT_PUBLISHED_NOTE;
    case 'small_difference':
      return smallDifferenceNote(group);
    default:
      return smallGroup;
  }
}

/** The short text for a withheld matrix row or n: "<5", or "niet getoond" when the group itself is large enough. */
const withheldN = (r: { suppressedReason?: SuppressedReason } | undefined) => (r?.suppressedReason === 'small_difference' || r?.suppressedReason === 'not_published' ? 'niet getoond' : `<${MIN_GROUP_SIZE}`);

// ---------------------------------------------------------------------------------------
// Series from results

/**
 * The series of a compared question on the national results page: this edition, the compared
 * edition (when comparable), and with `panel` the panel figures of both, marked with "*"
 * (only when the question is comparable).
 */
export function comparedSeries(c: ComparedQuestion, o: { year: number; compareYear?: number | null; panel?: boolean }): ChartSeries[] {
  const out: ChartSeries[] = [{ label: String(o.year), result: c.current }];
  if (o.compareYear != null && c.previous) out.push({ label: String(o.compareYear), result: c.previous });
  // The panel only means something next to the compared edition: not for a question that is not comparable.
  if (o.panel && o.compareYear != null && c.previous && c.panel?.previous) {
    out.push({ label: `${o.year}*`, result: c.panel.current });
    out.push({ label: `${o.compareYear}*`, result: c.panel.previous });
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Styles: series (editions) and options (matrix segments)

interface Swatch {
  cls: string;
  fill: string;
  /** Pattern drawn over the fill: none, diagonal hatch, dots, cross-hatch. */
  pattern?: 'hatch' | 'dots' | 'cross';
  ink: string;
}

const SERIES_SWATCHES: Swatch[] = [
  { cls: 'bm-s0', fill: '#154273', ink: '#154273' },
  { cls: 'bm-s1', fill: '#a9c4e2', pattern: 'hatch', ink: '#154273' },
  { cls: 'bm-s2', fill: '#e17000', pattern: 'dots', ink: '#8a4500' },
  { cls: 'bm-s3', fill: '#f7c99c', pattern: 'cross', ink: '#8a4500' },
  { cls: 'bm-s4', fill: '#39870c', pattern: 'hatch', ink: '#275937' },
  { cls: 'bm-s5', fill: '#c5e0b4', pattern: 'dots', ink: '#275937' },
];

/** Matrix options, darkest first; "weet ik niet" (last) gets the grey hatch. */
const OPTION_SWATCHES: Swatch[] = [
  { cls: 'bm-o0', fill: '#0b2a4a', ink: '#ffffff' },
  { cls: 'bm-o1', fill: '#2e6aa8', ink: '#ffffff' },
  { cls: 'bm-o2', fill: '#8fb3db', pattern: 'dots', ink: '#000000' },
  { cls: 'bm-o3', fill: '#dce8f5', pattern: 'hatch', ink: '#000000' },
  { cls: 'bm-o4', fill: '#f2c189', pattern: 'cross', ink: '#000000' },
  { cls: 'bm-o5', fill: '#e6e6e6', pattern: 'hatch', ink: '#000000' },
];
const DONT_KNOW_SWATCH: Swatch = { cls: 'bm-odk', fill: '#ffffff', pattern: 'cross', ink: '#000000' };

const seriesSwatch = (i: number) => SERIES_SWATCHES[i % SERIES_SWATCHES.length];
const optionSwatch = (code: string, i: number) => (code === 'dont_know' ? DONT_KNOW_SWATCH : OPTION_SWATCHES[i % OPTION_SWATCHES.length]);

const patternId = (id: string, s: Swatch) => `${id}-pat-${s.cls}`;

/** <pattern> definitions for the swatches that have one. */
function Patterns({ id, swatches }: { id: string; swatches: Swatch[] }) {
  const seen = new Set<string>();
  const list = swatches.filter((s) => s.pattern && !seen.has(s.cls) && seen.add(s.cls));
  if (!list.length) return null;
  return (
    <defs>
      {list.map((s) => (
        <pattern id={patternId(id, s)} patternUnits="userSpaceOnUse" width="6" height="6" patternTransform={s.pattern === 'dots' ? undefined : 'rotate(45)'}>
          <rect class={`bm-fill ${s.cls}`} width="6" height="6" fill={s.fill} />
          {s.pattern === 'dots' ? (
            <circle class="bm-pattern-ink" cx="3" cy="3" r="1.3" fill="#000000" fill-opacity="0.55" />
          ) : (
            <>
              <line class="bm-pattern-ink" x1="0" y1="0" x2="0" y2="6" stroke="#000000" stroke-opacity="0.55" stroke-width="1.5" />
              {s.pattern === 'cross' && <line class="bm-pattern-ink" x1="0" y1="3" x2="6" y2="3" stroke="#000000" stroke-opacity="0.55" stroke-width="1.5" />}
            </>
          )}
        </pattern>
      ))}
    </defs>
  );
}

/** The fill of a shape: the pattern when the swatch has one, else the plain colour class. */
function shapeFill(id: string, s: Swatch): { class: string; fill: string } {
  return s.pattern ? { class: `bm-bar ${s.cls}-pattern`, fill: `url(#${patternId(id, s)})` } : { class: `bm-bar bm-fill ${s.cls}`, fill: s.fill };
}

/** Legend items laid out left to right, wrapping at the chart width. */
function Legend({ id, items, width, y }: { id: string; items: { label: string; swatch: Swatch }[]; width: number; y: number }) {
  let x = 0;
  let row = 0;
  const placed = items.map((it) => {
    const w = 22 + Math.min(it.label.length, 40) * 6.5 + 14;
    if (x > 0 && x + w > width) {
      x = 0;
      row += 1;
    }
    const at = { ...it, x, y: y + row * LEGEND_ROW };
    x += w;
    return at;
  });
  return (
    <g class="bm-chart__legend">
      {placed.map((it) => (
        <g>
          <rect {...shapeFill(id, it.swatch)} x={it.x} y={it.y} width="14" height="14" stroke="#000000" stroke-width="0.5" />
          <text class="bm-chart__legend-text" x={it.x + 20} y={it.y + 11} font-size="12">
            {it.label.length > 40 ? it.label.slice(0, 39) + '…' : it.label}
          </text>
        </g>
      ))}
    </g>
  );
}
const LEGEND_ROW = 20;
function legendRows(labels: string[], width: number) {
  let x = 0;
  let rows = 1;
  for (const l of labels) {
    const w = 22 + Math.min(l.length, 40) * 6.5 + 14;
    if (x > 0 && x + w > width) {
      x = 0;
      rows += 1;
    }
    x += w;
  }
  return rows;
}

/** The <svg> of a chart: accessible name and description, deterministic size. Also used by the signal statistics. */
export function SvgFrame({ id, title, desc, width, height, children }: { id: string; title: string; desc: string; width: number; height: number; children: ComponentChildren }) {
  return (
    <svg
      class="bm-chart"
      xmlns="http://www.w3.org/2000/svg"
      viewBox={`0 0 ${width} ${r1(height)}`}
      width={width}
      height={r1(height)}
      role="img"
      aria-labelledby={`${id}-title ${id}-desc`}
      focusable="false"
    >
      <title id={`${id}-title`}>{title}</title>
      <desc id={`${id}-desc`}>{desc}</desc>
      {children}
    </svg>
  );
}

/** Gridlines and labels at 0, 25, 50, 75 and 100%. */
function Axis({ x, width, top, bottom }: { x: number; width: number; top: number; bottom: number }) {
  return (
    <g class="bm-chart__axis" aria-hidden="true">
      {[0, 25, 50, 75, 100].map((t) => {
        const gx = r1(x + (width * t) / 100);
        return (
          <g>
            <line class="bm-chart__grid" x1={gx} y1={top} x2={gx} y2={r1(bottom)} stroke="#cccccc" stroke-width="1" />
            <text class="bm-chart__tick" x={gx} y={top - 4} text-anchor="middle" font-size="11">
              {t}%
            </text>
          </g>
        );
      })}
    </g>
  );
}

// ---------------------------------------------------------------------------------------
// Choice questions: grouped horizontal bars

const W = 640;
const LABEL_W = 230;
const BAR_X = 240;
const BAR_W = 290;
const BAR_H = 14;
const BAR_GAP = 3;
const LINE_H = 14;
const GROUP_GAP = 12;
const WRAP = 34;

const ownSet = (own: OwnCodes) => new Set(Array.isArray(own) ? own : []);

function optionList(series: ChartSeries[]): { code: string; label: string }[] {
  // Every option of the first series in questionnaire order, then options only other series have.
  const seen = new Map<string, string>();
  for (const s of series) for (const o of s.result.options) if (!seen.has(o.code)) seen.set(o.code, o.label);
  return [...seen].map(([code, label]) => ({ code, label }));
}
const countOf = (r: QuestionResult, code: string): OptionCount | undefined => r.options.find((o) => o.code === code);

function seriesDesc(series: ChartSeries[]) {
  return series.map((s) => `${s.label} (n = ${s.result.n})`).join(', ');
}

export function ChoiceChart({ id, title, series, own }: { id: string; title: string; series: ChartSeries[]; own?: OwnCodes }) {
  const options = optionList(series);
  const mine = ownSet(own);
  const multi = series.length > 1;
  const legendH = multi ? legendRows(series.map((s) => s.label), W) * LEGEND_ROW + 6 : 0;
  const axisTop = legendH + 16;
  let y = axisTop + 6;
  const groups = options.map((o) => {
    const lines = wrapText(o.label, WRAP);
    if (mine.has(o.code)) lines.push('◀ Uw antwoord');
    const h = Math.max(lines.length * LINE_H, series.length * (BAR_H + BAR_GAP) - BAR_GAP);
    const g = { ...o, lines, y, h };
    y += h + GROUP_GAP;
    return g;
  });
  const height = y - GROUP_GAP + 8;
  const swatches = series.map((_, i) => seriesSwatch(i));
  const multiple = series[0]?.result.question.multiple;
  const desc =
    `Staafdiagram: percentage per antwoord van wie de vraag beantwoordde; ${seriesDesc(series)}.` +
    (multiple ? ' Meerdere antwoorden mogelijk, dus de percentages kunnen samen meer dan 100% zijn.' : '') +
    (mine.size ? ' Het antwoord van uw gemeente is gemarkeerd met "Uw antwoord".' : '') +
    ' De cijfers staan ook in de tabel bij deze grafiek.';
  return (
    <SvgFrame id={id} title={title} desc={desc} width={W} height={height}>
      <Patterns id={id} swatches={swatches} />
      {multi && <Legend id={id} items={series.map((s, i) => ({ label: s.label, swatch: swatches[i] }))} width={W} y={0} />}
      <Axis x={BAR_X} width={BAR_W} top={axisTop} bottom={height - 4} />
      {groups.map((g) => {
        const textTop = g.y + (g.h - g.lines.length * LINE_H) / 2;
        return (
          <g class={`bm-chart__group${mine.has(g.code) ? ' bm-chart__group--own' : ''}`}>
            <text class="bm-chart__label" x="0" y={r1(textTop + 11)} font-size="12">
              {g.lines.map((l, i) => (
                <tspan x="0" dy={i === 0 ? 0 : LINE_H} class={l === '◀ Uw antwoord' ? 'bm-chart__own' : undefined} font-weight={l === '◀ Uw antwoord' ? 'bold' : undefined}>
                  {l}
                </tspan>
              ))}
            </text>
            {series.map((s, i) => {
              const c = countOf(s.result, g.code);
              const pct = c?.percent ?? null;
              const w = pct == null ? 0 : r1((BAR_W * Math.max(0, Math.min(100, pct))) / 100);
              const by = r1(g.y + (g.h - (series.length * (BAR_H + BAR_GAP) - BAR_GAP)) / 2 + i * (BAR_H + BAR_GAP));
              const value = s.result.n === 0 ? 'geen antwoorden' : `${formatPercent(pct)} (${c?.count ?? 0})`;
              return (
                <g>
                  {w > 0 && <rect {...shapeFill(id, swatches[i])} x={BAR_X} y={by} width={w} height={BAR_H} stroke="#000000" stroke-width="0.5" />}
                  <text class="bm-chart__value" x={r1(BAR_X + w + 5)} y={r1(by + BAR_H - 3)} font-size="11">
                    {multi ? `${s.label}: ${value}` : value}
                  </text>
                </g>
              );
            })}
          </g>
        );
      })}
    </SvgFrame>
  );
}

// ---------------------------------------------------------------------------------------
// Matrix questions: a stacked bar per row (and series)

const M_LABEL_W = 200;
const M_SERIES_W = 70;

export function MatrixChart({ id, title, series, own }: { id: string; title: string; series: ChartSeries[]; own?: OwnCodes }) {
  const first = series[0]?.result;
  const rows = first?.rows ?? [];
  const options = rows[0]?.options.map((o) => ({ code: o.code, label: o.label })) ?? [];
  const swatches = options.map((o, i) => optionSwatch(o.code, i));
  const ownRows = own && !Array.isArray(own) ? own : {};
  const multi = series.length > 1;
  const barX = M_LABEL_W + (multi ? M_SERIES_W : 10);
  const barW = W - barX - 20;
  const legendLabels = options.map((o) => o.label);
  const legendH = legendRows(legendLabels, W) * LEGEND_ROW + 6;
  const axisTop = legendH + 16;
  let y = axisTop + 6;
  const groups = rows.map((row) => {
    const lines = wrapText(row.label, 30);
    const ownCode = ownRows[row.code];
    if (ownCode) lines.push(`◀ Uw antwoord: ${options.find((o) => o.code === ownCode)?.label ?? ownCode}`.slice(0, 40));
    const h = Math.max(lines.length * LINE_H, series.length * (BAR_H + 4 + BAR_GAP) - BAR_GAP);
    const g = { row, lines, y, h };
    y += h + GROUP_GAP;
    return g;
  });
  const height = y - GROUP_GAP + 8;
  const desc =
    `Gestapeld staafdiagram: per rij de verdeling over de antwoorden (${options.map((o) => o.label).join(', ')}) in procenten van wie de rij beantwoordde; ${seriesDesc(series)}.` +
    (Object.keys(ownRows).length ? ' Het antwoord van uw gemeente staat per rij bij "Uw antwoord".' : '') +
    ' De cijfers staan ook in de tabel bij deze grafiek.';
  return (
    <SvgFrame id={id} title={title} desc={desc} width={W} height={height}>
      <Patterns id={id} swatches={swatches} />
      <Legend id={id} items={options.map((o, i) => ({ label: o.label, swatch: swatches[i] }))} width={W} y={0} />
      <Axis x={barX} width={barW} top={axisTop} bottom={height - 4} />
      {groups.map((g) => {
        const textTop = g.y + (g.h - g.lines.length * LINE_H) / 2;
        const bh = BAR_H + 4;
        return (
          <g class="bm-chart__group">
            <text class="bm-chart__label" x="0" y={r1(textTop + 11)} font-size="12">
              {g.lines.map((l, i) => (
                <tspan x="0" dy={i === 0 ? 0 : LINE_H} class={l.startsWith('◀') ? 'bm-chart__own' : undefined} font-weight={l.startsWith('◀') ? 'bold' : undefined}>
                  {l}
                </tspan>
              ))}
            </text>
            {series.map((s, si) => {
              const row = s.result.rows?.find((r) => r.code === g.row.code);
              const by = r1(g.y + (g.h - (series.length * (bh + BAR_GAP) - BAR_GAP)) / 2 + si * (bh + BAR_GAP));
              let x = barX;
              return (
                <g>
                  {multi && (
                    <text class="bm-chart__series" x={barX - 6} y={r1(by + bh - 5)} text-anchor="end" font-size="11">
                      {s.label}
                    </text>
                  )}
                  {!row || row.suppressed || row.n === 0 ? (
                    <text class="bm-chart__value" x={barX + 4} y={r1(by + bh - 5)} font-size="11">
                      {row?.suppressed ? (row.suppressedReason === 'small_group' || !row.suppressedReason ? `minder dan ${MIN_GROUP_SIZE} antwoorden: niet getoond` : 'niet getoond') : 'geen antwoorden'}
                    </text>
                  ) : (
                    options.map((o, oi) => {
                      const c = row.options.find((x) => x.code === o.code);
                      const pct = c?.percent ?? 0;
                      const w = r1((barW * Math.max(0, Math.min(100, pct))) / 100);
                      const at = x;
                      x += w;
                      if (w <= 0) return null;
                      const sw = swatches[oi];
                      return (
                        <g>
                          <rect {...shapeFill(id, sw)} x={r1(at)} y={by} width={w} height={bh} stroke="#000000" stroke-width="0.5">
                            <title>{`${s.label} · ${g.row.label} · ${o.label}: ${formatPercent(c?.percent)} (${c?.count ?? 0} van ${row.n})`}</title>
                          </rect>
                          {w >= 38 && (
                            <text class={`bm-chart__segment ${sw.ink === '#ffffff' ? 'bm-chart__segment--light' : ''}`} x={r1(at + w / 2)} y={r1(by + bh - 5)} text-anchor="middle" font-size="11" fill={sw.ink} paint-order="stroke" stroke={sw.ink === '#ffffff' ? '#000000' : '#ffffff'} stroke-width="2.5">
                              {formatPercent(pct).replace(',0%', '%')}
                            </text>
                          )}
                        </g>
                      );
                    })
                  )}
                </g>
              );
            })}
          </g>
        );
      })}
    </SvgFrame>
  );
}

// ---------------------------------------------------------------------------------------
// Tables with the same figures

/**
 * A plain data table with a caption, column headers and a row header in the first column; the
 * columns from `numericFrom` on are right-aligned numbers. `totalLast` marks the last row as a total.
 */
export function FigureTable({
  caption,
  head,
  rows,
  numericFrom = 1,
  totalLast = false,
}: {
  caption: string;
  head: string[];
  rows: ComponentChildren[][];
  numericFrom?: number;
  totalLast?: boolean;
}) {
  return (
    <div class="table-scroll" role="region" aria-label={caption} tabIndex={0}>
      <table class="utrecht-table utrecht-table--html-table bm-table">
        <caption class="utrecht-table__caption">{caption}</caption>
        <thead class="utrecht-table__header">
          <tr class="utrecht-table__row">
            {head.map((h, i) => (
              <th class={`utrecht-table__header-cell${i >= numericFrom ? ' utrecht-table__header-cell--numeric' : ''}`} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody class="utrecht-table__body">
          {rows.map((r, ri) => (
            <tr class={`utrecht-table__row${totalLast && ri === rows.length - 1 ? ' bm-table__total' : ''}`}>
              {r.map((cell, i) =>
                i === 0 ? (
                  <th class="utrecht-table__header-cell" scope="row">
                    {cell}
                  </th>
                ) : (
                  <td class={`utrecht-table__cell${i >= numericFrom ? ' utrecht-table__cell--numeric' : ''}`}>{cell}</td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Options × series: count and % per series, n in the last row; "Uw antwoord" column when given. */
export function ChoiceTable({ caption, series, own }: { caption: string; series: ChartSeries[]; own?: OwnCodes }) {
  const mine = ownSet(own);
  const showOwn = Array.isArray(own);
  const head = ['Antwoord', ...series.flatMap((s) => [`${s.label}: aantal`, `${s.label}: %`]), ...(showOwn ? ['Uw antwoord'] : [])];
  const rows: ComponentChildren[][] = optionList(series).map((o) => [
    o.label,
    ...series.flatMap((s) => {
      const c = countOf(s.result, o.code);
      return [String(c?.count ?? 0), formatPercent(c?.percent ?? null)];
    }),
    ...(showOwn ? [mine.has(o.code) ? 'Uw antwoord' : ''] : []),
  ]);
  rows.push(['Beantwoord door (n)', ...series.flatMap((s) => [String(s.result.n), '']), ...(showOwn ? [''] : [])]);
  return <FigureTable caption={caption} head={head} rows={rows} />;
}

/** Matrix: one table row per matrix row (and series), a column per option with "count (%)", and n. */
export function MatrixTable({ caption, series, own }: { caption: string; series: ChartSeries[]; own?: OwnCodes }) {
  const first = series[0]?.result;
  const options = first?.rows?.[0]?.options ?? [];
  const ownRows = own && !Array.isArray(own) ? own : null;
  const multi = series.length > 1;
  const head = [multi ? 'Rij (editie)' : 'Rij', ...options.map((o) => o.label), 'n', ...(ownRows ? ['Uw antwoord'] : [])];
  const rows: ComponentChildren[][] = [];
  for (const r of first?.rows ?? []) {
    for (const s of series) {
      const row = s.result.rows?.find((x) => x.code === r.code);
      rows.push([
        multi ? `${r.label} (${s.label})` : r.label,
        ...options.map((o) => {
          if (row?.suppressed) return '–';
          const c = row?.options.find((x) => x.code === o.code);
          return `${c?.count ?? 0} (${formatPercent(c?.percent ?? null)})`;
        }),
        row?.suppressed ? withheldN(row) : String(row?.n ?? 0),
        ...(ownRows ? [s === series[0] ? (options.find((o) => o.code === ownRows[r.code])?.label ?? '—') : ''] : []),
      ]);
    }
  }
  return <FigureTable caption={caption} head={head} rows={rows} />;
}

/** Under a number table with a withheld series. */
export const NUMERIC_WITHHELD_NOTE = `Gemiddelde en mediaan worden niet getoond bij minder dan ${MIN_GROUP_SIZE} ingevulde getallen, of als de getallen van een groep met minder dan ${MIN_GROUP_SIZE} verschillen van die van alle respondenten.`;

/** Whether any series has a lowest or highest value (restricted viewers never get them). */
export const hasRange = (series: ChartSeries[]) => series.some((s) => s.result.numeric?.min != null || s.result.numeric?.max != null);

/** n of a number summary: "<5" (or "niet getoond") when withheld. */
export const numericN = (n: NumericSummary | undefined) => (n?.suppressed ? withheldN(n) : String(n?.n ?? 0));

/**
 * Number questions: n, mean and median per series, and the lowest and highest value when
 * known (the programme team only: a municipality never sees single municipalities' answers).
 * A withheld summary (fewer than MIN_GROUP_SIZE numbers) shows n "<5" and "–".
 */
export function NumericTable({ caption, series, unit }: { caption: string; series: ChartSeries[]; unit?: string | null }) {
  const u = unit ? ` (${unit})` : '';
  const range = hasRange(series);
  const stats = range ? (['mean', 'median', 'min', 'max'] as const) : (['mean', 'median'] as const);
  const head = ['Reeks', 'n', `Gemiddelde${u}`, `Mediaan${u}`, ...(range ? [`Laagste${u}`, `Hoogste${u}`] : [])];
  const rows = series.map((s) => [s.label, numericN(s.result.numeric), ...stats.map((k) => formatNumber(s.result.numeric?.[k] ?? null))]);
  return <FigureTable caption={caption} head={head} rows={rows} />;
}

// ---------------------------------------------------------------------------------------
// One question: the right chart plus its table (or the figures for number and text questions)

const isChoice = (q: QuestionSummary) => q.type === 'single' || q.type === 'multiple' || q.type === 'yesno';

/**
 * The figure of one question: chart and table for choice and matrix questions, a table for
 * number questions, the count for text questions. Suppressed series are left out (the caller
 * says why). The multiple-choice note is shown here.
 */
export function QuestionFigure({ id, question, series, own, caption }: { id: string; question: QuestionSummary; series: ChartSeries[]; own?: OwnCodes; caption?: string }) {
  const shown = series.filter((s) => !s.result.suppressed);
  const cap = caption ?? `Cijfers: ${question.text}`;
  if (!shown.length) return null;
  if (question.type === 'text' || question.type === 'longtext') {
    return (
      <p class="utrecht-paragraph bm-text-count">
        {shown.map((s, i) => (
          <>
            {i > 0 && '; '}
            {shown.length > 1 && `${s.label}: `}
            {s.result.n} {s.result.n === 1 ? 'antwoord' : 'antwoorden'}
          </>
        ))}{' '}
        (alleen in de ruwe export).
      </p>
    );
  }
  if (question.type === 'number') {
    return (
      <>
        <NumericTable caption={cap} series={shown} />
        {shown.some((s) => s.result.numeric?.suppressed) && <p class="utrecht-paragraph bm-note">{NUMERIC_WITHHELD_NOTE}</p>}
      </>
    );
  }
  return (
    <figure class="bm-figure">
      {question.type === 'matrix' ? <MatrixChart id={id} title={question.text} series={shown} own={own} /> : isChoice(question) && <ChoiceChart id={id} title={question.text} series={shown} own={own} />}
      {question.multiple && <p class="utrecht-paragraph bm-note">Meerdere antwoorden mogelijk: de percentages kunnen samen meer dan 100% zijn.</p>}
      {question.type === 'matrix' ? <MatrixTable caption={cap} series={shown} own={own} /> : <ChoiceTable caption={cap} series={shown} own={own} />}
    </figure>
  );
}

/** Text explaining the "*" marker of panel series. */
export const PANEL_NOTE = '* Panel: alleen de gemeenten die in beide edities de vragenlijst hebben ingevuld.';
