import type PDFKitDocument from 'pdfkit';

/** pdfkit is loaded on first use: importing it at start-up would add about 0.4 s to every start. */
let PDFDocument: typeof PDFKitDocument | null = null;
export async function loadPdfKit(): Promise<void> {
  PDFDocument ??= (await import('pdfkit')).default;
}
import { nlDate } from '../registry/ui.js';
import { formatNumber, formatPercent, hasRange, NUMERIC_WITHHELD_NOTE, numericN, type ChartSeries, type OwnCodes } from './charts.js';
import { MIN_GROUP_SIZE, type OptionCount, type QuestionResult, type QuestionSummary } from './results-types.js';

/**
 * PDF building blocks for the benchmark documents (national report, factsheet, a respondent's
 * copy of the answers), on pdfkit with its standard Helvetica fonts (WinAnsi: é, ë, ï, €, “ ”).
 *
 * - A4 with fixed margins; a tagged PDF (headings H1–H3, paragraphs, tables with TH/TD,
 *   charts as Figure with an alternative text), document language nl-NL, title shown in the
 *   viewer's title bar, bookmarks per chapter, "Pagina x van y" in the footer (as artifact).
 * - Tables repeat their header row after a page break.
 * - Horizontal bar charts with the percentage (and count) written next to every bar; series
 *   (editions, panel "*", all respondents, province) are told apart by fill, pattern and a text
 *   legend, and when there are several the series name is written before each value too.
 * - Every chart is followed by a table with the same figures (see questionBlock).
 */

export const PDF_AUTHOR = 'Programma Eén tegen eenzaamheid';

const MARGIN = { top: 56, bottom: 64, left: 56, right: 56 };
const FONT = { regular: 'Helvetica', bold: 'Helvetica-Bold', italic: 'Helvetica-Oblique' } as const;
const INK = { text: '#000000', muted: '#404040', heading: '#154273', rule: '#8c8c8c', grid: '#d0d0d0', headerFill: '#e6edf5' } as const;
const SIZE = { h1: 18, h2: 13, h3: 11, body: 10, small: 8.5, chart: 8.5 } as const;

export interface PdfMeta {
  title: string;
  subject?: string;
  keywords?: string;
  /** Fixed in tests for reproducible output; defaults to now. */
  creationDate?: Date;
}

export interface TableColumn {
  header: string;
  /** Relative width (the widths are scaled to the text width); default 1. */
  width?: number;
  align?: 'left' | 'right';
}

export interface BarCategory {
  label: string;
  /** A second, bold line under the label (e.g. "Uw antwoord"). */
  mark?: string;
  /** One value per series, in percent (0–100), or null when there is no figure. */
  values: { percent: number | null; count?: number | null; text?: string }[];
}
export interface BarGroup {
  title?: string;
  categories: BarCategory[];
}
export interface BarChartSpec {
  /** Used in the figure's alternative text. */
  title: string;
  /** Legend texts, one per series. */
  series: string[];
  /** Short names written before each value when there are several series. */
  seriesShort?: string[];
  groups: BarGroup[];
  /** Extra sentence for the alternative text. */
  description?: string;
}

type Pattern = 'none' | 'hatch' | 'dots' | 'cross';
/** The same series styles as the SVG charts (charts.tsx): fill and pattern, never colour alone. */
const SERIES_STYLE: { fill: string; pattern: Pattern }[] = [
  { fill: '#154273', pattern: 'none' },
  { fill: '#a9c4e2', pattern: 'hatch' },
  { fill: '#e17000', pattern: 'dots' },
  { fill: '#f7c99c', pattern: 'cross' },
  { fill: '#39870c', pattern: 'hatch' },
  { fill: '#c5e0b4', pattern: 'dots' },
];

const WIN_ANSI_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');
const REPLACEMENTS: Record<string, string> = { '≥': '>=', '≤': '<=', '≠': '!=', '→': '->', '←': '<-', '✓': 'v', '✔': 'v', '−': '-', 'ł': 'l', 'Ł': 'L', 'đ': 'd', 'Đ': 'D', 'ı': 'i' };

/**
 * Text the standard PDF fonts can show (WinAnsi: Latin-1 plus € „ “ ” ‘ ’ – — … and a few
 * more). Other characters lose their accents (ő → o) or become "?", instead of garbage.
 */
export function pdfText(text: string): string {
  let out = '';
  for (const ch of text.replace(/\r\n?/g, '\n')) {
    const c = ch.codePointAt(0)!;
    if (ch === '\n' || (c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xff) || WIN_ANSI_EXTRA.has(ch)) out += ch;
    else if (ch === '\t') out += ' ';
    else if (REPLACEMENTS[ch]) out += REPLACEMENTS[ch];
    else {
      const base = ch.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
      out += base && [...base].every((b) => b.codePointAt(0)! >= 0x20 && b.codePointAt(0)! <= 0x7e) ? base : c < 0x20 ? '' : '?';
    }
  }
  return out;
}

const cleanSpec = (spec: BarChartSpec): BarChartSpec => ({
  ...spec,
  series: spec.series.map(pdfText),
  seriesShort: spec.seriesShort?.map(pdfText),
  groups: spec.groups.map((g) => ({
    title: g.title == null ? undefined : pdfText(g.title),
    categories: g.categories.map((c) => ({ ...c, label: pdfText(c.label), mark: c.mark == null ? undefined : pdfText(c.mark), values: c.values.map((v) => ({ ...v, text: v.text == null ? undefined : pdfText(v.text) })) })),
  })),
});

/** A tagged A4 document with the platform's layout. Call `finish()` to get the bytes. */
export class PdfWriter {
  readonly doc: PDFKit.PDFDocument;
  private readonly root: PDFKit.PDFStructureElement;
  private readonly chunks: Buffer[] = [];
  private readonly ended: Promise<Buffer>;
  private chapter: PDFKit.PDFOutline | null = null;

  constructor(private readonly meta: PdfMeta) {
    if (!PDFDocument) throw new Error('pdfkit is not loaded: await loadPdfKit() first');
    this.doc = new PDFDocument({
      size: 'A4',
      margins: MARGIN,
      bufferPages: true,
      autoFirstPage: true,
      pdfVersion: '1.7',
      tagged: true,
      lang: 'nl-NL',
      displayTitle: true,
      // pdfkit cannot take undefined values here.
      info: {
        Title: meta.title,
        Author: PDF_AUTHOR,
        Creator: 'Platform Eén tegen eenzaamheid',
        CreationDate: meta.creationDate ?? new Date(),
        ...(meta.subject ? { Subject: meta.subject } : {}),
        ...(meta.keywords ? { Keywords: meta.keywords } : {}),
      },
    } as PDFKit.PDFDocumentOptions);
    this.ended = new Promise((resolve, reject) => {
      this.doc.on('data', (c: Buffer) => this.chunks.push(c));
      this.doc.on('end', () => resolve(Buffer.concat(this.chunks)));
      this.doc.on('error', reject);
    });
    this.root = this.doc.struct('Document');
    this.doc.addStructure(this.root);
    this.doc.font(FONT.regular).fontSize(SIZE.body).fillColor(INK.text);
  }

  get left() {
    return MARGIN.left;
  }
  get width() {
    return this.doc.page.width - MARGIN.left - MARGIN.right;
  }
  private get bottom() {
    return this.doc.page.height - MARGIN.bottom;
  }

  /** Starts a new page (keeping open tags), for a chapter or when `needed` points do not fit. */
  newPage() {
    (this.doc as unknown as { continueOnNewPage(): void }).continueOnNewPage();
    this.doc.x = this.left;
  }
  ensureSpace(needed: number) {
    if (this.doc.y + needed > this.bottom) this.newPage();
  }
  space(points = 6) {
    this.doc.y += points;
  }

  /** Adds one tagged block: `draw` runs inside the structure element. */
  private block(tag: string, draw: () => void) {
    this.root.add(this.doc.struct(tag, {}, draw));
  }

  private font(kind: keyof typeof FONT, size: number, color: string = INK.text) {
    this.doc.font(FONT[kind]).fontSize(size).fillColor(color);
  }

  /** The title block of the first page. */
  titleBlock(title: string, subtitle: string, lines: string[]) {
    [title, subtitle] = [pdfText(title), pdfText(subtitle)];
    lines = lines.map(pdfText);
    this.doc.y = MARGIN.top + 80;
    this.font('bold', 24, INK.heading);
    this.block('H1', () => this.doc.text(title, this.left, this.doc.y, { width: this.width }));
    this.space(8);
    this.font('regular', 15, INK.heading);
    this.block('P', () => this.doc.text(subtitle, this.left, this.doc.y, { width: this.width }));
    this.space(24);
    this.font('regular', SIZE.body + 1);
    for (const l of lines) {
      this.block('P', () => this.doc.text(l, this.left, this.doc.y, { width: this.width }));
      this.space(3);
    }
    this.doc.outline.addItem(title);
  }

  /**
   * A heading. Level 1 starts a chapter (bookmark); level 2 is bookmarked under it. A heading is
   * never left alone at the bottom of a page: `keepWith` points of what follows must fit too.
   */
  heading(level: 1 | 2 | 3, text: string, keepWith = 60) {
    text = pdfText(text);
    const size = level === 1 ? SIZE.h1 : level === 2 ? SIZE.h2 : SIZE.h3;
    this.font('bold', size, INK.heading);
    const h = this.doc.heightOfString(text, { width: this.width });
    if (this.doc.y > MARGIN.top + 1) this.space(level === 1 ? 12 : 8);
    this.ensureSpace(h + keepWith);
    this.block(`H${level}`, () => this.doc.text(text, this.left, this.doc.y, { width: this.width }));
    this.space(level === 1 ? 6 : 3);
    if (level === 1) this.chapter = this.doc.outline.addItem(text);
    else if (level === 2) (this.chapter ?? this.doc.outline).addItem(text);
    this.font('regular', SIZE.body);
  }

  paragraph(text: string, o: { style?: 'normal' | 'muted' | 'italic' | 'bold'; size?: number } = {}) {
    text = pdfText(text);
    const style = o.style ?? 'normal';
    this.font(style === 'bold' ? 'bold' : style === 'italic' ? 'italic' : 'regular', o.size ?? SIZE.body, style === 'muted' || style === 'italic' ? INK.muted : INK.text);
    this.ensureSpace(this.doc.currentLineHeight(true) * 2);
    this.block('P', () => this.doc.text(text, this.left, this.doc.y, { width: this.width }));
    this.space(4);
    this.font('regular', SIZE.body);
  }

  /** "Label: value" on one line, the label in bold. */
  labelled(label: string, value: string) {
    [label, value] = [pdfText(label), pdfText(value)];
    this.font('bold', SIZE.body);
    this.ensureSpace(this.doc.currentLineHeight(true) * 2);
    this.block('P', () => {
      this.doc.text(`${label}: `, this.left, this.doc.y, { width: this.width, continued: true });
      this.doc.font(FONT.regular).text(value);
    });
    this.space(2);
    this.font('regular', SIZE.body);
  }

  /** A table; rows that do not fit go to the next page, where the header row is repeated. */
  table(columns: TableColumn[], rows: string[][], o: { caption?: string; size?: number; rowHeaders?: boolean } = {}) {
    columns = columns.map((c) => ({ ...c, header: pdfText(c.header) }));
    rows = rows.map((r) => r.map(pdfText));
    const caption = o.caption == null ? undefined : pdfText(o.caption);
    const size = o.size ?? SIZE.small + 0.5;
    const pad = 3;
    const total = columns.reduce((s, c) => s + (c.width ?? 1), 0);
    const widths = columns.map((c) => (this.width * (c.width ?? 1)) / total);
    const xs = widths.map((_, i) => this.left + widths.slice(0, i).reduce((s, w) => s + w, 0));
    const measure = (cells: string[], header: boolean) =>
      Math.max(
        ...cells.map((c, i) => {
          this.font(header || (o.rowHeaders && i === 0) ? 'bold' : 'regular', size);
          return this.doc.heightOfString(c || ' ', { width: widths[i]! - 2 * pad });
        }),
      ) +
      2 * pad;
    const maxRow = this.bottom - MARGIN.top - 60;
    const headerH = Math.min(measure(columns.map((c) => c.header), true), maxRow);
    const table = this.doc.struct('Table');
    this.root.add(table);
    if (caption) {
      this.font('bold', size + 0.5);
      const capH = this.doc.heightOfString(caption, { width: this.width });
      this.ensureSpace(capH + headerH + 20);
      table.add(this.doc.struct('Caption', {}, () => this.doc.text(caption, this.left, this.doc.y, { width: this.width })));
      this.space(2);
    }
    const drawRow = (cells: string[], header: boolean, h: number) => {
      const top = this.doc.y;
      const tr = this.doc.struct('TR');
      table.add(tr);
      if (header) this.artifact(() => this.doc.rect(this.left, top, this.width, h).fill(INK.headerFill));
      cells.forEach((cell, i) => {
        const th = header || (o.rowHeaders && i === 0);
        this.font(th ? 'bold' : 'regular', size);
        tr.add(
          this.doc.struct(th ? 'TH' : 'TD', {}, () =>
            this.doc.text(cell, xs[i]! + pad, top + pad, { width: widths[i]! - 2 * pad, height: h - 2 * pad, align: columns[i]!.align ?? 'left', ellipsis: true }),
          ),
        );
      });
      tr.end();
      this.artifact(() => this.doc.moveTo(this.left, top + h).lineTo(this.left + this.width, top + h).lineWidth(header ? 0.8 : 0.3).stroke(INK.rule));
      this.doc.x = this.left;
      this.doc.y = top + h;
    };
    this.ensureSpace(headerH + 16);
    drawRow(
      columns.map((c) => c.header),
      true,
      headerH,
    );
    for (const r of rows) {
      const h = Math.min(measure(r, false), maxRow);
      if (this.doc.y + h > this.bottom) {
        this.newPage();
        drawRow(
          columns.map((c) => c.header),
          true,
          headerH,
        );
      }
      drawRow(r, false, h);
    }
    table.end();
    this.space(8);
    this.font('regular', SIZE.body);
  }

  /** Draws decoration that is not content (lines, fills) as an artifact. */
  private artifact(draw: () => void) {
    this.doc.markContent('Artifact');
    this.doc.save();
    draw();
    this.doc.restore();
    this.doc.endMarkedContent();
  }

  private readonly patterns = new Map<Pattern, PDFKit.PDFTilingPattern>();
  /** An uncoloured tiling pattern (4×4 cell), painted in dark grey over a bar's fill. */
  private pattern(p: Exclude<Pattern, 'none'>): PDFKit.PDFTilingPattern {
    let pat = this.patterns.get(p);
    if (!pat) {
      const hatch = '0.7 w 0 0 m 4 4 l S -1 3 m 1 5 l S 3 -1 m 5 1 l S';
      const stream = p === 'dots' ? '1.3 1.3 1.4 1.4 re f' : p === 'cross' ? `${hatch} 0 4 m 4 0 l S -1 1 m 1 -1 l S 3 5 m 5 3 l S` : hatch;
      pat = this.doc.pattern([0, 0, 4, 4], 4, 4, stream);
      this.patterns.set(p, pat);
    }
    return pat;
  }

  private swatch(x: number, y: number, w: number, h: number, series: number) {
    const s = SERIES_STYLE[series % SERIES_STYLE.length]!;
    const d = this.doc;
    d.save();
    d.rect(x, y, w, h).fill(s.fill);
    if (s.pattern !== 'none') d.rect(x, y, w, h).fill([this.pattern(s.pattern), '#333333']);
    d.rect(x, y, w, h).lineWidth(0.4).stroke('#000000');
    d.restore();
  }

  private readonly layouts = new WeakMap<BarChartSpec, ReturnType<PdfWriter['computeLayout']>>();
  /** The layout of a chart (measured once: keep-together asks for it before the chart is drawn). */
  private chartLayout(spec: BarChartSpec) {
    let l = this.layouts.get(spec);
    if (!l) this.layouts.set(spec, (l = this.computeLayout(cleanSpec(spec))));
    return l;
  }
  private computeLayout(spec: BarChartSpec) {
    const d = this.doc;
    const multi = spec.series.length > 1;
    const labelW = this.width * 0.36;
    const barX = this.left + labelW + 8;
    // Room for the widest value label ("Name: 100,0% (999)") right of a full bar.
    d.font(FONT.regular).fontSize(SIZE.chart - 0.5);
    const widest = Math.max(...(multi && spec.seriesShort ? spec.seriesShort : ['']).map((l) => d.widthOfString(`${l}${multi ? ': ' : ''}100,0% (999)`)));
    const valueW = Math.min(widest + 8, this.width * 0.3);
    const barW = this.width - labelW - 8 - valueW;
    const barH = 8;
    const gap = 2;
    d.font(FONT.regular).fontSize(SIZE.chart);
    const lineH = d.currentLineHeight(true);
    let rows = 1;
    let x = 0;
    for (const label of spec.series) {
      const w = 14 + d.widthOfString(label) + 14;
      if (x > 0 && x + w > this.width) {
        rows++;
        x = 0;
      }
      x += w;
    }
    const legendH = rows * 13 + 1 + 10;
    const groups = spec.groups.map((g) => {
      const blocks = g.categories.map((c) => {
        d.font(FONT.regular).fontSize(SIZE.chart);
        const lh = d.heightOfString(c.label, { width: labelW }) + (c.mark ? lineH : 0);
        return { c, h: Math.max(lh, spec.series.length * (barH + gap) - gap) + 5 };
      });
      d.font(FONT.bold).fontSize(SIZE.chart);
      const titleH = g.title ? d.heightOfString(g.title, { width: this.width }) + 3 : 0;
      return { g, blocks, titleH };
    });
    const height = legendH + groups.reduce((s, g) => s + g.titleH + g.blocks.reduce((t, b) => t + b.h, 0), 0) + 6;
    return { spec, multi, labelW, barX, barW, barH, gap, legendH, groups, height };
  }

  /** The height a chart takes (to keep a heading together with its chart). */
  chartHeight(spec: BarChartSpec): number {
    return this.chartLayout(spec).height;
  }

  /** The usable height of a page. */
  get pageSpace() {
    return this.bottom - MARGIN.top;
  }

  /**
   * A horizontal bar chart (0–100%), tagged as a figure with an alternative text. A chart that
   * does not fit on the rest of the page starts on a new one; one longer than a page continues
   * on the next, where the legend is repeated.
   */
  barChart(original: BarChartSpec) {
    const d = this.doc;
    const L = this.chartLayout(original);
    const spec = L.spec;
    const alt =
      `Staafdiagram: ${spec.title}. Reeksen: ${spec.series.join(', ')}. ` + (spec.description ? `${spec.description} ` : '') + 'De cijfers staan ook in de tabel bij deze grafiek.';
    const figure = d.struct('Figure', { alt });
    this.root.add(figure);

    const legend = () => {
      d.font(FONT.regular).fontSize(SIZE.chart).fillColor(INK.text);
      let x = this.left;
      let y = d.y;
      spec.series.forEach((label, i) => {
        const w = 14 + d.widthOfString(label) + 14;
        if (x > this.left && x + w > this.left + this.width) {
          x = this.left;
          y += 13;
        }
        this.swatch(x, y + 0.5, 9, 9, i);
        d.fillColor(INK.text).text(label, x + 13, y + 1.5, { lineBreak: false });
        x += w;
      });
      y += 14;
      d.fontSize(7).fillColor(INK.muted);
      for (const t of [0, 25, 50, 75, 100]) d.text(`${t}%`, L.barX + (L.barW * t) / 100 - 15, y, { width: 30, align: 'center', lineBreak: false });
      d.y = y + 10;
      d.x = this.left;
    };
    const grid = (top: number, bottom: number) => {
      d.save();
      d.lineWidth(0.3).strokeColor(INK.grid);
      for (const t of [0, 25, 50, 75, 100]) {
        const gx = L.barX + (L.barW * t) / 100;
        d.moveTo(gx, top).lineTo(gx, bottom).stroke();
      }
      d.restore();
    };
    const breakIfNeeded = (h: number) => {
      if (d.y + h <= this.bottom) return;
      this.newPage();
      legend();
    };

    figure.add(() => {
      this.ensureSpace(Math.min(L.height, this.pageSpace));
      legend();
      for (const { g, blocks, titleH } of L.groups) {
        breakIfNeeded(titleH + (blocks[0]?.h ?? 0));
        if (g.title) {
          d.font(FONT.bold).fontSize(SIZE.chart).fillColor(INK.text).text(g.title, this.left, d.y, { width: this.width });
          d.y += 3;
        }
        for (const { c, h } of blocks) {
          breakIfNeeded(h);
          const top = d.y;
          grid(top - 2, top + h - 2);
          d.font(FONT.regular).fontSize(SIZE.chart).fillColor(INK.text).text(c.label, this.left, top, { width: L.labelW });
          if (c.mark) d.font(FONT.bold).text(c.mark, this.left, d.y, { width: L.labelW });
          c.values.forEach((v, i) => {
            const by = top + i * (L.barH + L.gap);
            const pct = v.percent == null ? null : Math.max(0, Math.min(100, v.percent));
            const w = pct == null ? 0 : (L.barW * pct) / 100;
            if (w > 0) this.swatch(L.barX, by, w, L.barH, i);
            const value = v.text ?? (v.percent == null ? '–' : `${formatPercent(v.percent)}${v.count != null ? ` (${v.count})` : ''}`);
            const label = L.multi && spec.seriesShort ? `${spec.seriesShort[i]}: ${value}` : value;
            d.font(FONT.regular).fontSize(SIZE.chart - 0.5);
            const tw = d.widthOfString(label);
            d.rect(L.barX + w + 2, by - 0.5, tw + 2, L.barH + 1).fill('#ffffff');
            d.fillColor(INK.text).text(label, L.barX + w + 3, by + 0.5, { lineBreak: false });
          });
          d.y = top + h;
        }
      }
      d.x = this.left;
    });
    figure.end();
    this.space(6);
    this.font('regular', SIZE.body);
  }

  /** Footers on every page, ends the document, and returns its bytes. */
  async finish(): Promise<Buffer> {
    const d = this.doc;
    const range = d.bufferedPageRange();
    for (let i = range.start; i < range.start + range.count; i++) {
      d.switchToPage(i);
      const saved = d.page.margins.bottom;
      d.page.margins.bottom = 0;
      const y = d.page.height - MARGIN.bottom + 24;
      d.markContent('Artifact', { type: 'Pagination' });
      d.font(FONT.regular).fontSize(7.5).fillColor(INK.muted);
      d.text(pdfText(this.meta.title), this.left, y, { width: this.width * 0.75, lineBreak: false, ellipsis: true });
      d.text(`Pagina ${i - range.start + 1} van ${range.count}`, this.left, y, { width: this.width, align: 'right', lineBreak: false });
      d.endMarkedContent();
      d.page.margins.bottom = saved;
    }
    this.root.end();
    d.end();
    return this.ended;
  }
}

// ---------------------------------------------------------------------------------------
// From results to charts and tables

const MULTIPLE_NOTE = 'Meerdere antwoorden mogelijk: de percentages kunnen samen meer dan 100% zijn.';
export const NOT_COMPARABLE_NOTE = 'Deze vraag is in deze editie gewijzigd en daarom niet vergeleken met eerdere edities.';

/** Every option of the series, in the order of the first series, then options only later series have. */
function optionList(results: QuestionResult[], pick: (r: QuestionResult) => OptionCount[] = (r) => r.options): { code: string; label: string }[] {
  const seen = new Map<string, string>();
  for (const r of results) for (const o of pick(r)) if (!seen.has(o.code)) seen.set(o.code, o.label);
  return [...seen].map(([code, label]) => ({ code, label }));
}
type ResultRow = NonNullable<QuestionResult['rows']>[number];
const rowOf = (r: QuestionResult, code: string) => r.rows?.find((x) => x.code === code) as ResultRow | undefined;
/** A withheld row: "<5", or "niet getoond" when it is withheld for another reason than its own size. */
const rowN = (r: ResultRow | undefined) => (r?.suppressed ? (r.suppressedReason && r.suppressedReason !== 'small_group' ? 'niet getoond' : `<${MIN_GROUP_SIZE}`) : String(r?.n ?? 0));
const findCount = (list: OptionCount[] | undefined, code: string) => list?.find((o) => o.code === code);
const countText = (c: OptionCount | undefined, n: number) => (n === 0 ? '–' : `${c?.count ?? 0} (${formatPercent(c?.percent ?? 0)})`);
const legendLabel = (s: ChartSeries) => `${s.label} (n = ${s.result.n})`;

/** Chart of a choice question: one category per option, one bar per series. */
export function choiceChart(title: string, series: ChartSeries[], own?: OwnCodes): BarChartSpec {
  const mine = new Set(Array.isArray(own) ? own : []);
  return {
    title,
    series: series.map(legendLabel),
    seriesShort: series.map((s) => s.label),
    description: 'Percentage per antwoord van wie de vraag beantwoordde, met het aantal tussen haakjes.' + (mine.size ? ' Het antwoord van uw gemeente is gemarkeerd met "Uw antwoord".' : ''),
    groups: [
      {
        categories: optionList(series.map((s) => s.result)).map((o) => ({
          label: o.label,
          mark: mine.has(o.code) ? 'Uw antwoord' : undefined,
          values: series.map((s) => {
            const c = findCount(s.result.options, o.code);
            return s.result.n === 0 ? { percent: null, text: 'geen antwoorden' } : { percent: c?.percent ?? 0, count: c?.count ?? 0 };
          }),
        })),
      },
    ],
  };
}

/** Chart of a matrix question: a group per row (with its n), one category per option. */
export function matrixChart(title: string, series: ChartSeries[], own?: OwnCodes): BarChartSpec {
  const ownRows = own && !Array.isArray(own) ? own : {};
  const first = series[0]?.result;
  return {
    title,
    series: series.map(legendLabel),
    seriesShort: series.map((s) => s.label),
    description: 'Per rij het percentage per antwoord van wie die rij beantwoordde, met het aantal tussen haakjes.',
    groups: (first?.rows ?? []).map((row) => ({
      title: `${row.label} (n = ${series.map((s) => rowN(rowOf(s.result, row.code))).join(' / ')})`,
      categories: optionList(
        series.map((s) => s.result),
        (r) => r.rows?.find((x) => x.code === row.code)?.options ?? [],
      ).map((o) => ({
        label: o.label,
        mark: ownRows[row.code] === o.code ? 'Uw antwoord' : undefined,
        values: series.map((s) => {
          const r = rowOf(s.result, row.code);
          const c = findCount(r?.options, o.code);
          if (r?.suppressed) return { percent: null, text: r.suppressedReason && r.suppressedReason !== 'small_group' ? 'niet getoond' : `minder dan ${MIN_GROUP_SIZE} antwoorden` };
          return !r || r.n === 0 ? { percent: null, text: 'geen antwoorden' } : { percent: c?.percent ?? 0, count: c?.count ?? 0 };
        }),
      })),
    })),
  };
}

/** The figures of a choice question: options × series ("count (%)"), n in the last row. */
export function choiceTable(series: ChartSeries[], own?: OwnCodes): { columns: TableColumn[]; rows: string[][] } {
  const mine = new Set(Array.isArray(own) ? own : []);
  const rows = optionList(series.map((s) => s.result)).map((o) => [
    mine.has(o.code) ? `${o.label} (uw antwoord)` : o.label,
    ...series.map((s) => countText(findCount(s.result.options, o.code), s.result.n)),
  ]);
  rows.push(['Beantwoord door (n)', ...series.map((s) => String(s.result.n))]);
  return { columns: [{ header: 'Antwoord', width: 2.2 }, ...series.map((s) => ({ header: `${s.label}: aantal (%)`, align: 'right' as const }))], rows };
}

/** The figures of a matrix question: a line per row and series, a column per option, and n. */
export function matrixTable(series: ChartSeries[], own?: OwnCodes): { columns: TableColumn[]; rows: string[][] } {
  const first = series[0]?.result;
  const options = optionList(
    series.map((s) => s.result),
    (r) => r.rows?.flatMap((x) => x.options) ?? [],
  );
  const ownRows = own && !Array.isArray(own) ? own : null;
  const multi = series.length > 1;
  const rows: string[][] = [];
  for (const row of first?.rows ?? []) {
    for (const s of series) {
      const r = rowOf(s.result, row.code);
      const ownText = ownRows && s === series[0] ? (options.find((o) => o.code === ownRows[row.code])?.label ?? '—') : '';
      rows.push([multi ? `${row.label} (${s.label})` : row.label, ...options.map((o) => (r?.suppressed ? '–' : countText(findCount(r?.options, o.code), r?.n ?? 0))), rowN(r), ...(ownRows ? [ownText] : [])]);
    }
  }
  return {
    columns: [
      { header: multi ? 'Rij (reeks)' : 'Rij', width: 1.8 },
      ...options.map((o) => ({ header: o.label, align: 'right' as const })),
      { header: 'n', width: 0.5, align: 'right' as const },
      ...(ownRows ? [{ header: 'Uw antwoord' }] : []),
    ],
    rows,
  };
}

/**
 * The figures of a number question: n, mean and median per series, and the lowest and highest
 * value when known (programme team only; a municipality never gets them). A withheld summary
 * (fewer than MIN_GROUP_SIZE numbers) shows n "<5" and "–".
 */
export function numericTable(series: ChartSeries[], unit?: string | null): { columns: TableColumn[]; rows: string[][] } {
  const u = unit ? ` (${unit})` : '';
  const range = hasRange(series);
  const stats = range ? (['mean', 'median', 'min', 'max'] as const) : (['mean', 'median'] as const);
  const headers = range ? ['Gemiddelde', 'Mediaan', 'Laagste', 'Hoogste'] : ['Gemiddelde', 'Mediaan'];
  return {
    columns: [{ header: 'Reeks', width: 1.6 }, { header: 'n', width: 0.6, align: 'right' }, ...headers.map((h) => ({ header: `${h}${u}`, align: 'right' as const }))],
    rows: series.map((s) => [s.label, numericN(s.result.numeric), ...stats.map((k) => formatNumber(s.result.numeric?.[k] ?? null))]),
  };
}

export interface QuestionBlockOptions {
  heading: string;
  level?: 2 | 3;
  /** Lines between the heading and the figures ("Uw antwoord: …", notes). */
  lines?: { label?: string; text: string; style?: 'normal' | 'muted' | 'italic' }[];
  /** The own answer to mark in chart and table (factsheet). */
  own?: OwnCodes;
  unit?: string | null;
}

/**
 * One question: heading, lines, and its figures: chart and table (choice, matrix), a table
 * (number) or the number of answers (text; free texts are never printed in a report). The
 * heading is kept on the page of its chart. Suppressed series are left out (the caller says
 * why in `lines`). Writes the multiple-choice note.
 */
export function questionBlock(pdf: PdfWriter, question: QuestionSummary, series: ChartSeries[], o: QuestionBlockOptions) {
  const shown = series.filter((s) => !s.result.suppressed);
  const chooses = question.type === 'matrix' || question.type === 'single' || question.type === 'multiple' || question.type === 'yesno';
  const spec = shown.length && chooses ? (question.type === 'matrix' ? matrixChart(question.text, shown, o.own) : choiceChart(question.text, shown, o.own)) : null;
  const lines = [...(o.lines ?? []), ...(spec && question.multiple ? [{ text: MULTIPLE_NOTE, style: 'italic' as const }] : [])];
  const keep = lines.length * 16 + (spec ? pdf.chartHeight(spec) : 50);
  pdf.heading(o.level ?? 2, o.heading, Math.min(keep, pdf.pageSpace - 60));
  for (const l of lines) {
    if (l.label) pdf.labelled(l.label, l.text);
    else pdf.paragraph(l.text, { style: l.style, size: l.style === 'italic' || l.style === 'muted' ? 9 : undefined });
  }
  if (!shown.length) return;
  if (question.type === 'text' || question.type === 'longtext') {
    const counts = shown.map((s) => `${shown.length > 1 ? `${s.label}: ` : ''}${s.result.n} ${s.result.n === 1 ? 'antwoord' : 'antwoorden'}`).join('; ');
    pdf.paragraph(`Open vraag: ${counts}. De antwoorden zelf staan niet in dit document.`, { style: 'muted', size: 9 });
    return;
  }
  if (question.type === 'number') {
    const t = numericTable(shown, o.unit);
    pdf.table(t.columns, t.rows, { caption: `Cijfers: ${question.text}`, rowHeaders: true });
    if (shown.some((s) => s.result.numeric?.suppressed)) pdf.paragraph(NUMERIC_WITHHELD_NOTE, { style: 'muted', size: 9 });
    return;
  }
  if (!spec) return;
  pdf.barChart(spec);
  const t = question.type === 'matrix' ? matrixTable(shown, o.own) : choiceTable(shown, o.own);
  pdf.table(t.columns, t.rows, { caption: `Cijfers: ${question.text}`, rowHeaders: true, size: t.columns.length > 6 ? SIZE.small - 0.5 : undefined });
}

/** 2020-09-01 → "1 september 2020"; a Date → its day in the Netherlands, optionally with the time. */
export function dutchDate(v: string | Date | null | undefined, withTime = false): string {
  if (!v) return '—';
  if (typeof v === 'string') return nlDate(v) ?? v;
  return v.toLocaleString('nl-NL', { timeZone: 'Europe/Amsterdam', day: 'numeric', month: 'long', year: 'numeric', ...(withTime ? { hour: '2-digit', minute: '2-digit' } : {}) });
}

/** Headers of a PDF download that is never cached. */
export function pdfHeaders(filename: string): Record<string, string> {
  return {
    'content-type': 'application/pdf',
    'content-disposition': `attachment; filename="${filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  };
}
