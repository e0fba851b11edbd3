import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ComponentChildren } from 'preact';
import { audit } from '../../platform/audit.js';
import type { Principal } from '../../platform/access.js';
import { NotFoundError } from '../../platform/http/errors.js';
import { CONTENT_TYPES, writeTable } from '../../platform/tabular.js';
import { Page, type PageContext } from '../../platform/views/layout.js';
import { ErrorSummary, Heading, Link, listUrl, P, SelectField, type FormState } from '../../platform/views/components.js';
import { FigureTable, SvgFrame, wrapText } from '../benchmark/charts.js';
import { MIN_COUNT } from './model.js';
import {
  computeStats,
  currentMonth,
  formatDuration,
  formatPercentNl,
  monthLabel,
  parseWindow,
  periodLabel,
  QUARTERS,
  quarterOptionLabel,
  resolveScope,
  scopeOptions,
  TOO_FEW,
  WITHHELD,
  yearOptions,
  type Breakdown,
  type BreakdownRow,
  type SignalStats,
  type StatsScope,
  type StatsWindow,
} from './stats-service.js';

/**
 * Signal statistics without persons (GET /signalen/statistieken) and their CSV export
 * (GET /signalen/statistieken.csv), for the programme team (all municipalities or one),
 * municipality coordinators and advisors (their municipalities) and signal coordinators (their
 * organisation): 'signal:stats'. Anyone else gets 403; a scope that is not the viewer's 404.
 * Charts are server-rendered SVG, each with a table of the same figures beside it.
 *
 * The period is one calendar quarter (`jaar` + `kwartaal`; default the current one), for the page
 * and the CSV alike: fixed windows that never overlap, so small counts cannot be worked out from
 * the difference between two periods (see stats-service.ts). A month range (`van`/`tot`) is
 * refused with 422.
 */

const BASE = '/signalen/statistieken';
const TITLE = 'Signaalcijfers';

const FIELD_LABELS = { bereik: 'Cijfers van', jaar: 'Jaar', kwartaal: 'Kwartaal' };

interface Query {
  bereik?: string;
  jaar?: string;
  kwartaal?: string;
  /** The old month range: refused. */
  van?: string;
  tot?: string;
}

function queryOf(req: FastifyRequest): Query {
  const q = req.query as Record<string, unknown>;
  const s = (v: unknown) => (typeof v === 'string' && v !== '' ? v.slice(0, 40) : undefined);
  return { bereik: s(q.bereik), jaar: s(q.jaar), kwartaal: s(q.kwartaal), van: s(q.van), tot: s(q.tot) };
}

/** The scope (404 when asked for one that is not the viewer's) and the quarter (errors per field). */
async function load(app: FastifyInstance, req: FastifyRequest, p: Principal) {
  const q = queryOf(req);
  const db = app.ctx.database.db;
  const scope = await resolveScope(db, p, q.bereik);
  if (!scope && q.bereik) throw new NotFoundError();
  const now = new Date();
  const period = parseWindow(q, now);
  return { q, scope, period, now };
}

const windowQuery = (w: StatsWindow) => ({ jaar: String(w.year), kwartaal: String(w.quarter) });

export async function signalStatsRoutes(app: FastifyInstance) {
  const db = app.ctx.database.db;

  app.get(BASE, async (req, reply) => {
    const p = req.authorize('signal:stats');
    const { q, scope, period, now } = await load(app, req, p);
    const options = await scopeOptions(db, p);
    const errors = period.ok ? {} : period.errors;
    const form: FormState = {
      values: { bereik: scope?.value ?? q.bereik, ...(period.ok ? windowQuery(period.window) : { jaar: q.jaar ?? '', kwartaal: q.kwartaal ?? '' }) },
      errors,
    };
    const stats = scope && period.ok ? await computeStats(db, scope, period.period, now) : null;
    return reply.page({ title: TITLE, status: period.ok ? 200 : 422 }, (ctx) => (
      <StatsPage ctx={ctx} form={form} options={options} scope={scope} stats={stats} window={period.ok ? period.window : null} now={now} />
    ));
  });

  app.get(`${BASE}.csv`, async (req, reply) => {
    const p = req.authorize('signal:stats');
    const { scope, period, now } = await load(app, req, p);
    if (!scope) throw new NotFoundError('U heeft geen gemeente of organisatie waarvan u signaalcijfers kunt zien.');
    if (!period.ok) {
      return reply
        .code(422)
        .type('text/plain; charset=utf-8')
        .send(`De periode is niet geldig: ${Object.values(period.errors).join(' ')}`);
    }
    const stats = await computeStats(db, scope, period.period, now);
    const semicolon = (req.query as Record<string, unknown>).scheidingsteken === 'puntkomma';
    const rows = csvRows(stats, semicolon);
    const buf = await writeTable(rows, CSV_COLUMNS, 'csv', { delimiter: semicolon ? ';' : ',' });
    await audit(db, req.auditCtx(), {
      action: 'export',
      entity: 'signal_statistics',
      details: { scope: scope.value, year: period.window.year, quarter: period.window.quarter, from: period.period.from, to: period.period.to, rows: rows.length },
    });
    const name = `signaalcijfers-${scope.value.toLowerCase()}-${period.window.year}-k${period.window.quarter}.csv`;
    return reply.header('content-type', CONTENT_TYPES.csv).header('content-disposition', `attachment; filename="${name}"`).header('cache-control', 'no-store').send(buf);
  });
}

// ---------------------------------------------------------------------------------------
// CSV: one row per figure, the same suppression as the page

interface CsvRow {
  figure: string;
  code: string;
  label: string;
  value: string;
  percent: string;
}

const CSV_COLUMNS = [
  { header: 'figure', value: (r: CsvRow) => r.figure },
  { header: 'code', value: (r: CsvRow) => r.code },
  { header: 'label', value: (r: CsvRow) => r.label },
  { header: 'value', value: (r: CsvRow) => r.value },
  { header: 'percent', value: (r: CsvRow) => r.percent },
];

function csvRows(s: SignalStats, decimalComma: boolean): CsvRow[] {
  const num = (v: number | null, decimals = 1) => (v == null ? '' : decimalComma ? v.toFixed(decimals).replace('.', ',') : v.toFixed(decimals));
  const count = (c: { value: number | null; display: string }) => (c.value == null ? c.display : String(c.value));
  const out: CsvRow[] = [
    { figure: 'scope', code: s.scope.value, label: s.scope.label, value: '', percent: '' },
    { figure: 'period', code: `${s.period.from}/${s.period.to}`, label: periodLabel(s.period), value: '', percent: '' },
    { figure: 'received', code: '', label: 'Ontvangen signalen', value: count(s.received), percent: '' },
  ];
  const table = (figure: string, b: Breakdown) => {
    for (const r of b.rows) out.push({ figure, code: r.code, label: r.label, value: count(r), percent: num(r.percent) });
    out.push({ figure, code: 'total', label: 'Totaal', value: count(b.total), percent: '' });
  };
  table('per_month', s.perMonth);
  table('by_signaller_type', s.bySignallerType);
  table(s.areaKind === 'municipality' ? 'by_municipality' : 'by_neighbourhood', s.byArea);
  table('by_outcome', s.byOutcome);
  table('by_kind', s.byKind);
  table('by_channel', s.byChannel);
  out.push(
    { figure: 'first_contact_measured', code: '', label: 'Signalen met eerste contact (gemeten)', value: count(s.firstContact.n), percent: '' },
    { figure: 'first_contact_median_hours', code: '', label: 'Tijd tot eerste contact, mediaan (uren)', value: s.firstContact.medianHours == null ? TOO_FEW : num(s.firstContact.medianHours), percent: '' },
    { figure: 'first_contact_p90_hours', code: '', label: 'Tijd tot eerste contact, 90e percentiel (uren)', value: s.firstContact.p90Hours == null ? TOO_FEW : num(s.firstContact.p90Hours), percent: '' },
    { figure: 'with_deadline', code: '', label: 'Signalen met een termijn voor eerste contact', value: count(s.withDeadline), percent: '' },
    { figure: 'overdue', code: '', label: 'Eerste contact te laat of nog niet en termijn verstreken', value: count(s.overdue), percent: num(s.overduePercent) },
    { figure: 'open_received_in_period', code: '', label: 'Ontvangen in de periode en nog open', value: count(s.openInPeriod), percent: '' },
    { figure: 'open_now', code: '', label: 'Nu open (ongeacht wanneer ontvangen)', value: count(s.openNow), percent: '' },
  );
  return out;
}

// ---------------------------------------------------------------------------------------
// Chart: horizontal bars of counts. A withheld count gets no bar, only its text ("<5").

const W = 560;
const BAR_X = 210;
const BAR_W = 270;
const ROW_H = 22;
const BAR_H = 14;

function CountBarChart({ id, title, rows }: { id: string; title: string; rows: BreakdownRow[] }) {
  const max = Math.max(1, ...rows.map((r) => r.value ?? 0));
  const height = rows.length * ROW_H + 8;
  const r1 = (v: number) => Math.round(v * 10) / 10;
  const desc = `Staafdiagram met het aantal signalen per categorie. Aantallen van 1 tot en met ${MIN_COUNT - 1} staan er als "<${MIN_COUNT}" zonder staaf. De cijfers staan ook in de tabel bij deze grafiek.`;
  return (
    <SvgFrame id={id} title={title} desc={desc} width={W} height={height}>
      {rows.map((r, i) => {
        const y = 4 + i * ROW_H;
        const w = r.value == null ? 0 : r1((BAR_W * r.value) / max);
        const label = wrapText(r.label, 30, 1)[0]!;
        return (
          <g class="bm-chart__group">
            <text class="bm-chart__label" x="0" y={y + 12} font-size="12">
              {label}
            </text>
            {w > 0 && <rect class="bm-bar bm-fill bm-s0" x={BAR_X} y={y} width={w} height={BAR_H} fill="#154273" stroke="#000000" stroke-width="0.5" />}
            <text class="bm-chart__value" x={r1(BAR_X + w + 5)} y={y + 12} font-size="11">
              {r.display}
            </text>
          </g>
        );
      })}
    </SvgFrame>
  );
}

// ---------------------------------------------------------------------------------------
// Page

function BreakdownFigure({ id, title, first, b, note }: { id: string; title: string; first: string; b: Breakdown; note?: ComponentChildren }) {
  const rows: ComponentChildren[][] = b.rows.map((r) => [r.label, r.display, r.value == null ? WITHHELD : formatPercentNl(r.percent, '–')]);
  rows.push(['Totaal', b.total.display, '']);
  return (
    <section class="sg-stats__section" aria-labelledby={`${id}-kop`}>
      <h2 class="utrecht-heading-2" id={`${id}-kop`}>
        {title}
      </h2>
      {note && <P>{note}</P>}
      {b.rows.length === 0 ? (
        <P>Geen signalen in deze periode.</P>
      ) : (
        <div class="sg-stats__figure">
          <CountBarChart id={id} title={title} rows={b.rows} />
          <FigureTable caption={`${title}: aantallen`} head={[first, 'Aantal', 'Percentage']} rows={rows} totalLast />
        </div>
      )}
    </section>
  );
}

function FilterForm({ form, options, now }: { form: FormState; options: StatsScope[]; now: Date }) {
  const years = yearOptions(now).map((y) => ({ value: String(y), label: String(y) }));
  const quarters = QUARTERS.map((q) => ({ value: String(q), label: quarterOptionLabel(q) }));
  return (
    <form method="get" action={BASE} class="filter-form" novalidate aria-label="Bereik en kwartaal kiezen">
      {options.length > 1 ? (
        <SelectField name="bereik" label={FIELD_LABELS.bereik} form={form} options={options.map((o) => ({ value: o.value, label: o.label }))} filter />
      ) : (
        options[0] && <input type="hidden" name="bereik" value={options[0].value} />
      )}
      <SelectField name="jaar" label={FIELD_LABELS.jaar} form={form} options={years} filter />
      <SelectField name="kwartaal" label={FIELD_LABELS.kwartaal} form={form} options={quarters} filter />
      <button class="utrecht-button utrecht-button--secondary-action" type="submit">
        Cijfers tonen
      </button>
    </form>
  );
}

function StatsPage({
  ctx,
  form,
  options,
  scope,
  stats,
  window,
  now,
}: {
  ctx: PageContext;
  form: FormState;
  options: StatsScope[];
  scope: StatsScope | null;
  stats: SignalStats | null;
  window: StatsWindow | null;
  now: Date;
}) {
  return (
    <Page ctx={ctx} title={TITLE} crumbs={[{ href: '/', label: 'Home' }, { label: TITLE }]}>
      <Heading>{TITLE}</Heading>
      <P>
        Cijfers over de signalen van het signaalpunt, zonder personen: alleen aantallen, nooit namen, adressen of referentienummers. Aantallen van 1 tot en met {MIN_COUNT - 1} tonen
        we als "&lt;{MIN_COUNT}", en een percentage of tijdsduur op basis van zo weinig signalen tonen we niet. Is in een tabel precies één aantal kleiner dan {MIN_COUNT}, dan
        tonen we ook het kleinste andere aantal niet ("{WITHHELD}"), omdat het kleine aantal anders uit het totaal terug te rekenen is.
      </P>
      <P>
        Cijfers per kwartaal, zodat kleine aantallen niet uit verschillen tussen perioden te herleiden zijn: elk signaal telt in precies één kwartaal, en
        een eigen reeks maanden kiezen kan daarom niet. Binnen het kwartaal ziet u de cijfers per maand.
      </P>
      <ErrorSummary errors={form.errors} labels={FIELD_LABELS} />
      {options.length === 0 ? (
        <P>Er is geen gemeente of organisatie waarvan u signaalcijfers kunt zien. Neem contact op met het programmateam als dat niet klopt.</P>
      ) : (
        <FilterForm form={form} options={options} now={now} />
      )}
      {stats && scope && window && <StatsBody stats={stats} query={{ bereik: scope.value, ...windowQuery(window) }} now={now} />}
    </Page>
  );
}

function StatsBody({ stats: s, query, now }: { stats: SignalStats; query: Record<string, string>; now: Date }) {
  const fc = s.firstContact;
  const key: ComponentChildren[][] = [
    ['Ontvangen signalen', s.received.display],
    ['Ontvangen in deze periode en nog open', s.openInPeriod.display],
    [`Nu open (ongeacht wanneer ontvangen, stand ${monthLabel(currentMonth(now))})`, s.openNow.display],
    ['Signalen met een eerste contact (gemeten)', fc.n.display],
    ['Tijd tot eerste contact: mediaan', formatDuration(fc.medianHours)],
    ['Tijd tot eerste contact: 90e percentiel', formatDuration(fc.p90Hours)],
    ['Signalen met een termijn voor het eerste contact', s.withDeadline.display],
    ['Eerste contact te laat', s.overdue.display],
    ['Eerste contact te laat: percentage', formatPercentNl(s.overduePercent)],
  ];
  return (
    <>
      <h2 class="utrecht-heading-2">
        {s.scope.label}: {periodLabel(s.period)}
      </h2>
      <FigureTable caption="Kerncijfers" head={['Cijfer', 'Waarde']} rows={key} />
      <details class="sg-stats__definitions">
        <summary>Hoe meten we dit?</summary>
        <ul class="utrecht-unordered-list">
          <li class="utrecht-unordered-list__item">Alle cijfers gaan over signalen die in het gekozen kwartaal zijn ontvangen (Nederlandse tijd), behalve "Nu open".</li>
          <li class="utrecht-unordered-list__item">
            <strong>Tijd tot eerste contact</strong>: de tijd tussen het ontvangen van het signaal en het eerste vastgelegde contact of de eerste contactpoging van het
            signaalpunt, in uren op de klok (ook avonden en weekenden tellen mee), getoond als dagen en uren. De mediaan is de middelste waarde: de helft van de signalen had
            sneller contact. Het 90e percentiel: 9 van de 10 signalen hadden binnen deze tijd contact. Alleen signalen met een eerste contact tellen mee; bij minder dan{' '}
            {MIN_COUNT} signalen tonen we "{TOO_FEW}".
          </li>
          <li class="utrecht-unordered-list__item">
            <strong>Eerste contact te laat</strong>: het eerste contact kwam na de termijn van het signaalpunt (standaard 2 werkdagen), of er is nog geen contact en de termijn
            is verstreken (of het signaal werd na de termijn zonder contact afgesloten). Het percentage is van de signalen met een termijn; dubbele signalen en signalen die nog
            niet bij een signaalpunt zijn, tellen niet mee.
          </li>
          <li class="utrecht-unordered-list__item">Signalen waarvan de persoonsgegevens na de bewaartermijn zijn verwijderd, tellen gewoon mee.</li>
        </ul>
      </details>
      <P>
        Download deze cijfers: <Link href={listUrl(`${BASE}.csv`, query)}>CSV</Link>
        {' · '}
        <Link href={listUrl(`${BASE}.csv`, query, { scheidingsteken: 'puntkomma' })}>CSV met puntkomma (Nederlandse Excel)</Link>
      </P>
      <BreakdownFigure id="per-maand" title="Ontvangen signalen per maand" first="Maand" b={s.perMonth} />
      <BreakdownFigure id="per-melder" title="Wie gaf het signaal door" first="Soort melder" b={s.bySignallerType} />
      <BreakdownFigure
        id="per-gebied"
        title={s.areaKind === 'municipality' ? 'Signalen per gemeente' : 'Signalen per buurt'}
        first={s.areaKind === 'municipality' ? 'Gemeente' : 'Buurt'}
        b={s.byArea}
        note={s.areaKind === 'neighbourhood' ? 'De buurt waar de persoon woont, bepaald uit postcode en huisnummer.' : undefined}
      />
      <BreakdownFigure id="per-uitkomst" title="Afgesloten signalen per uitkomst" first="Uitkomst" b={s.byOutcome} />
      <BreakdownFigure id="per-soort" title="Soort signaal" first="Soort" b={s.byKind} />
      <BreakdownFigure id="per-kanaal" title="Hoe kwam het signaal binnen" first="Kanaal" b={s.byChannel} />
    </>
  );
}
