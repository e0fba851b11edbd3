import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ComponentChildren } from 'preact';
import { audit } from '../../platform/audit.js';
import { CONTENT_TYPES, writeTable, type TableColumn } from '../../platform/tabular.js';
import { Page, type PageContext } from '../../platform/views/layout.js';
import { Button, ErrorSummary, Heading, Link, listUrl, P, TextField, type FormState } from '../../platform/views/components.js';
import { FigureTable, SvgFrame, wrapText } from '../benchmark/charts.js';
import { nlDate } from '../registry/ui.js';
import { exportOptions } from '../registry/tabular-views.js';
import {
  FIGURE_FIELD_LABELS,
  FIGURE_NOTES,
  figureSections,
  parseFigureDates,
  programmeFigures,
  todayIn,
  type FigureRow,
  type FigureSection,
} from './figures-service.js';

/**
 * Programme figures at a chosen date (GET /programmacijfers?datum=&vergelijk=) with a comparison
 * date and the difference, bar charts with a table of the same figures beside each, and an
 * export for the progress report (GET /programmacijfers/export?formaat=csv|xlsx): programme
 * team only ('network:figures'). A date in the future or before 2018 is refused with 422.
 */

const BASE = '/programmacijfers';
const TITLE = 'Programmacijfers';

/** 2026-03-05 → "5-3-2026" (short, for labels in a chart). */
const shortDate = (iso: string) => `${Number(iso.slice(8, 10))}-${Number(iso.slice(5, 7))}-${iso.slice(0, 4)}`;

/** A number in Dutch notation: whole numbers plain, hours with a decimal comma. */
export function formatFigure(v: number, decimals = false): string {
  const s = decimals && !Number.isInteger(v) ? v.toFixed(2).replace(/0$/, '') : String(v);
  return s.replace('.', ',');
}

/** The difference a − b with a sign: "+3", "−2" (minus sign), "0". */
export function formatDifference(a: number, b: number, decimals = false): string {
  const d = Math.round((a - b) * 100) / 100;
  if (d === 0) return '0';
  return `${d > 0 ? '+' : '−'}${formatFigure(Math.abs(d), decimals)}`;
}

// ---------------------------------------------------------------------------------------
// Chart: horizontal bars per category, the chosen date solid, the comparison date outlined;
// every bar has its date and number written beside it (nothing in colour alone).

const CW = 620;
const LABEL_W = 30; // characters per label line
const BAR_X = 215;
const BAR_W = 280;
const BAR_H = 14;
const BAR_GAP = 4;
const GROUP_GAP = 12;
const r1 = (v: number) => Math.round(v * 10) / 10;

function ComparisonChart({ id, section, date, compare }: { id: string; section: FigureSection; date: string; compare: string | null }) {
  const series = [
    { label: shortDate(date), value: (r: FigureRow) => r.value, cls: 'pf-bar pf-bar--date', fill: '#154273', stroke: '#154273' },
    ...(compare ? [{ label: shortDate(compare), value: (r: FigureRow) => r.compare ?? 0, cls: 'pf-bar pf-bar--compare', fill: '#ffffff', stroke: '#154273' }] : []),
  ];
  const max = Math.max(1, ...section.rows.flatMap((r) => series.map((s) => s.value(r))));
  const groupH = series.length * (BAR_H + BAR_GAP) + GROUP_GAP;
  const height = section.rows.length * groupH + 4;
  const desc = compare
    ? `Staafdiagram: per ${section.first.toLowerCase()} het aantal op ${nlDate(date)} (gevulde staaf) en op ${nlDate(compare)} (open staaf). Naast elke staaf staan de datum en het aantal. Dezelfde cijfers staan in de tabel bij deze grafiek.`
    : `Staafdiagram: per ${section.first.toLowerCase()} het aantal op ${nlDate(date)}. Naast elke staaf staat het aantal. Dezelfde cijfers staan in de tabel bij deze grafiek.`;
  return (
    <SvgFrame id={id} title={`${section.title} op ${nlDate(date)}`} desc={desc} width={CW} height={height}>
      {section.rows.map((r, i) => {
        const top = 4 + i * groupH;
        const lines = wrapText(r.label, LABEL_W, 2);
        const mid = top + (series.length * (BAR_H + BAR_GAP)) / 2;
        return (
          <g class="pf-chart__group">
            <text class="pf-chart__label" x="0" y={r1(mid - (lines.length - 1) * 7 + 4)} font-size="12">
              {lines.map((l, li) => (
                <tspan x="0" dy={li === 0 ? 0 : 14}>
                  {l}
                </tspan>
              ))}
            </text>
            {series.map((s, si) => {
              const v = s.value(r);
              const y = top + si * (BAR_H + BAR_GAP);
              const w = r1((BAR_W * v) / max);
              return (
                <g>
                  {w > 0 && <rect class={s.cls} x={BAR_X} y={y} width={w} height={BAR_H} fill={s.fill} stroke={s.stroke} stroke-width="1.5" />}
                  <text class="pf-chart__value" x={r1(BAR_X + w + 6)} y={y + 11} font-size="11">
                    {series.length > 1 ? `${s.label}: ${formatFigure(v, section.decimals)}` : formatFigure(v, section.decimals)}
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

function SectionTable({ section, date, compare }: { section: FigureSection; date: string; compare: string | null }) {
  const head = [section.first, `Op ${nlDate(date)}`, ...(compare ? [`Op ${nlDate(compare)}`, 'Verschil'] : [])];
  const rows: ComponentChildren[][] = section.rows.map((r) => [
    r.label,
    formatFigure(r.value, section.decimals),
    ...(compare && r.compare != null ? [formatFigure(r.compare, section.decimals), formatDifference(r.value, r.compare, section.decimals)] : []),
  ]);
  if (section.chart) {
    const a = section.rows.reduce((s, r) => s + r.value, 0);
    const b = section.rows.reduce((s, r) => s + (r.compare ?? 0), 0);
    rows.push([section.totalLabel ?? 'Totaal', String(a), ...(compare ? [String(b), formatDifference(a, b)] : [])]);
  }
  return <FigureTable caption={section.chart ? `${section.title}: aantallen` : section.title} head={head} rows={rows} totalLast={section.chart} />;
}

function FiguresPage({
  ctx,
  form,
  date,
  compare,
  sections,
}: {
  ctx: PageContext;
  form: FormState;
  date: string | null;
  compare: string | null;
  sections: FigureSection[] | null;
}) {
  const query = date ? { datum: date, vergelijk: compare ?? '' } : {};
  return (
    <Page ctx={ctx} title={TITLE} crumbs={[{ href: '/beheer', label: 'Overzicht' }, { label: TITLE }]}>
      <Heading>{TITLE}</Heading>
      <P>
        De cijfers van het programma zoals ze op een gekozen datum waren: deelnemende gemeenten, de Nationale Coalitie, lokale coalities, samenwerkingen, adviesuren en
        matches op vraag en aanbod. Kies een datum in het verleden om te zien hoe het toen stond, en vergelijk met een andere datum.
      </P>
      <ErrorSummary errors={form.errors} labels={FIGURE_FIELD_LABELS} />
      <form method="get" action={BASE} class="filter-form" novalidate aria-label="Datum van de cijfers kiezen">
        <TextField name="datum" label={FIGURE_FIELD_LABELS.datum} type="date" form={form} hint="Standaard vandaag. Niet in de toekomst en niet vóór 2018." filter />
        <TextField name="vergelijk" label={FIGURE_FIELD_LABELS.vergelijk} type="date" form={form} hint="Standaard een jaar eerder. Laat leeg om niet te vergelijken." filter />
        <Button variant="secondary">Cijfers tonen</Button>
      </form>
      {date && sections && (
        <>
          <h2 class="utrecht-heading-2">
            Stand op {nlDate(date)}
            {compare ? `, vergeleken met ${nlDate(compare)}` : ''}
          </h2>
          <P>
            Download deze cijfers voor de voortgangsrapportage: <Link href={listUrl(`${BASE}/export`, query, { formaat: 'xlsx' })}>Excel (XLSX, een werkblad per cijfer)</Link>
            {' · '}
            <Link href={listUrl(`${BASE}/export`, query, { formaat: 'csv' })}>CSV</Link>
            {' · '}
            <Link href={listUrl(`${BASE}/export`, query, { formaat: 'csv', scheidingsteken: 'puntkomma' })}>CSV met puntkomma (Nederlandse Excel)</Link>
          </P>
          {sections.map((s) => (
            <section class="pf-section" aria-labelledby={`${s.code}-kop`}>
              <h2 class="utrecht-heading-2" id={`${s.code}-kop`}>
                {s.title}
              </h2>
              {s.chart ? (
                <div class="pf-figure">
                  <ComparisonChart id={`grafiek-${s.code}`} section={s} date={date} compare={compare} />
                  <SectionTable section={s} date={date} compare={compare} />
                </div>
              ) : (
                <SectionTable section={s} date={date} compare={compare} />
              )}
            </section>
          ))}
          <section class="pf-section pf-notes" aria-labelledby="toelichting-kop">
            <h2 class="utrecht-heading-2" id="toelichting-kop">
              Hoe tellen we?
            </h2>
            <ul class="utrecht-unordered-list">
              {FIGURE_NOTES.map((n) => (
                <li class="utrecht-unordered-list__item">{n}</li>
              ))}
            </ul>
          </section>
        </>
      )}
    </Page>
  );
}

// ---------------------------------------------------------------------------------------
// Export: CSV (one row per figure, the dates in the header) or XLSX (one sheet per figure)

interface ExportRow {
  section: string;
  code: string;
  label: string;
  value: number;
  compare: number | null;
}

function exportRows(sections: FigureSection[]): ExportRow[] {
  return sections.flatMap((s) => s.rows.map((r) => ({ section: s.code, code: r.code, label: r.label, value: r.value, compare: r.compare })));
}

function csvColumns(date: string, compare: string | null, decimalComma: boolean): TableColumn<ExportRow>[] {
  const num = (v: number) => (decimalComma ? String(v).replace('.', ',') : String(v));
  return [
    { header: 'figure', value: (r) => r.section },
    { header: 'code', value: (r) => r.code },
    { header: 'label', value: (r) => r.label },
    { header: `value_${date}`, value: (r) => num(r.value) },
    ...(compare
      ? [
          { header: `value_${compare}`, value: (r: ExportRow) => (r.compare == null ? '' : num(r.compare)) },
          { header: 'difference', value: (r: ExportRow) => (r.compare == null ? '' : num(Math.round((r.value - r.compare) * 100) / 100)) },
        ]
      : []),
  ];
}

export async function figuresWorkbook(sections: FigureSection[], date: string, compare: string | null): Promise<Buffer> {
  const ExcelJS = (await import('exceljs')).default;
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Eén tegen eenzaamheid';
  const heading = `Programmacijfers Eén tegen eenzaamheid op ${nlDate(date)}${compare ? `, vergeleken met ${nlDate(compare)}` : ''}`;
  for (const s of sections) {
    const ws = wb.addWorksheet(s.sheet);
    ws.addRow([`${s.title} — ${heading}`]).font = { bold: true };
    ws.addRow([s.first, `Op ${nlDate(date)}`, ...(compare ? [`Op ${nlDate(compare)}`, 'Verschil'] : [])]).font = { bold: true };
    for (const r of s.rows) ws.addRow([r.label, r.value, ...(compare && r.compare != null ? [r.compare, Math.round((r.value - r.compare) * 100) / 100] : [])]);
    if (s.chart) {
      const a = s.rows.reduce((x, r) => x + r.value, 0);
      const b = s.rows.reduce((x, r) => x + (r.compare ?? 0), 0);
      ws.addRow([s.totalLabel ?? 'Totaal', a, ...(compare ? [b, a - b] : [])]).font = { bold: true };
    }
    ws.getColumn(1).width = 60;
    for (const c of [2, 3, 4]) ws.getColumn(c).width = 22;
    ws.views = [{ state: 'frozen', ySplit: 2 }];
  }
  const notes = wb.addWorksheet('Toelichting');
  notes.addRow([heading]).font = { bold: true };
  for (const n of FIGURE_NOTES) notes.addRow([n]);
  notes.getColumn(1).width = 120;
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export async function figuresRoutes(app: FastifyInstance) {
  const db = app.ctx.database.db;

  app.get(BASE, async (req, reply) => {
    req.authorize('network:figures');
    const today = todayIn(new Date());
    const q = req.query as Record<string, unknown>;
    const parsed = parseFigureDates(q, today);
    if (!parsed.ok) {
      return reply.page({ title: TITLE, status: 422 }, (ctx) => (
        <FiguresPage ctx={ctx} form={{ values: parsed.values, errors: parsed.errors }} date={null} compare={null} sections={null} />
      ));
    }
    const [a, b] = await Promise.all([programmeFigures(db, parsed.date), parsed.compare ? programmeFigures(db, parsed.compare) : Promise.resolve(null)]);
    const sections = figureSections(a, b);
    return reply.page({ title: TITLE }, (ctx) => (
      <FiguresPage ctx={ctx} form={{ values: { datum: parsed.date, vergelijk: parsed.compare ?? '' }, errors: {} }} date={parsed.date} compare={parsed.compare} sections={sections} />
    ));
  });

  app.get(`${BASE}/export`, async (req, reply: FastifyReply) => {
    req.authorize('network:figures');
    const q = req.query as Record<string, unknown>;
    const parsed = parseFigureDates(q, todayIn(new Date()));
    if (!parsed.ok) {
      return reply
        .code(422)
        .type('text/plain; charset=utf-8')
        .send(`De datum is niet geldig: ${Object.values(parsed.errors).join(' ')}`);
    }
    const { format, delimiter } = exportOptions(q);
    const [a, b] = await Promise.all([programmeFigures(db, parsed.date), parsed.compare ? programmeFigures(db, parsed.compare) : Promise.resolve(null)]);
    const sections = figureSections(a, b);
    const buf =
      format === 'xlsx'
        ? await figuresWorkbook(sections, parsed.date, parsed.compare)
        : await writeTable(exportRows(sections), csvColumns(parsed.date, parsed.compare, delimiter === ';'), 'csv', { delimiter });
    await audit(db, req.auditCtx(), { action: 'export', entity: 'programme_figures', details: { format, delimiter, date: parsed.date, compare: parsed.compare } });
    const name = `programmacijfers-${parsed.date}${parsed.compare ? `-vergeleken-${parsed.compare}` : ''}.${format}`;
    return reply
      .header('content-type', CONTENT_TYPES[format])
      .header('content-disposition', `attachment; filename="${name}"`)
      .header('cache-control', 'no-store')
      .send(buf);
  });
}
