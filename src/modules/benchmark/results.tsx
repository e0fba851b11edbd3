import type { FastifyInstance } from 'fastify';
import { sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/index.js';
import { can } from '../../platform/access.js';
import { NotFoundError } from '../../platform/http/errors.js';
import { Page, type PageContext } from '../../platform/views/layout.js';
import { Alert, ErrorSummary, Heading, Link, P, SelectField, type FieldErrors, type FormState, type Option } from '../../platform/views/components.js';
import { listProvinces } from '../registry/service.js';
import { PILLAR_LABELS, PILLARS, type Pillar } from './questionnaire.js';
import { EDITION_STATUS_LABELS, getEditionByYear, listEditions, loadQuestionnaire, previousEdition, type Edition, type EditionStatus } from './service.js';
import { nationalResults, resultOptions, resultQuerySchema, type ResultQuery } from './results-service.js';
import { responseByProvince } from './invitations-service.js';
import { SIZE_CLASS_LABELS, SIZE_CLASSES, type ComparedQuestion, type NationalResults } from './results-types.js';
import { chartId, comparedSeries, PANEL_NOTE, QuestionFigure } from './charts.js';
import { ResponseByProvince } from './map.js';
import { loadBoundaries } from './boundaries.js';

/**
 * The national results of an edition for the programme team (benchmark:results):
 * GET /benchmark/:year/resultaten with filters in the query string (the same parameters as the
 * CSV/XLSX exports and the API: province, sizeClass, joinedYear, compare, panel).
 */

export const BENCHMARK_HOME = { href: '/benchmark', label: 'Benchmark' };
const FILTER_FIELDS = ['province', 'sizeClass', 'joinedYear', 'compare', 'panel'] as const;
type FilterField = (typeof FILTER_FIELDS)[number];

const FIELD_MESSAGES: Record<FilterField, string> = {
  province: 'Kies een provincie uit de lijst.',
  sizeClass: 'Kies een gemeentegrootte uit de lijst.',
  joinedYear: 'Kies een jaar van deelname uit de lijst (een jaartal zoals 2019).',
  compare: 'Kies een editie uit de lijst om mee te vergelijken, of geen vergelijking.',
  panel: 'Kies bij het panel ja of nee.',
};
const FIELD_LABELS: Record<FilterField, string> = {
  province: 'Provincie',
  sizeClass: 'Gemeentegrootte',
  joinedYear: 'Jaar van deelname (ondertekening vijf pijlers)',
  compare: 'Vergelijken met editie',
  panel: 'Panel tonen (*)',
};

/** A year in the path: four digits, else 404 (never a crash). */
export function yearParam(v: unknown): number {
  const s = String(v ?? '');
  if (!/^\d{4}$/.test(s)) throw new NotFoundError();
  return Number(s);
}

const MULTIPLE = '\u0000multiple';

/** The raw filter values of the query (strings only), to refill the form and build links. */
function rawFilter(query: unknown): Record<FilterField, string> {
  const q = (query ?? {}) as Record<string, unknown>;
  const out = {} as Record<FilterField, string>;
  for (const f of FILTER_FIELDS) {
    const v = q[f];
    // A parameter given twice is kept as a marker that fails the check (no silent first-wins).
    out[f] = typeof v === 'string' ? v.replace(/\0/g, '').slice(0, 20) : Array.isArray(v) ? MULTIPLE : '';
  }
  return out;
}

/** The query string for the exports (only the valid, non-empty filters). */
export function filterQueryString(raw: Record<string, string>): string {
  const p = new URLSearchParams();
  for (const f of FILTER_FIELDS) if (raw[f]) p.set(f, raw[f]);
  const s = p.toString();
  return s ? `?${s}` : '';
}

async function joinedYears(db: Db): Promise<number[]> {
  const { rows } = await db.execute<{ y: number }>(
    sql`select distinct extract(year from signed_on)::int as y from participations where signed_on is not null and deleted_at is null order by 1`,
  );
  return rows.map((r) => r.y);
}

interface FilterContext {
  provinces: { code: string; name: string }[];
  editions: Edition[];
  years: number[];
  previous: Edition | undefined;
}

/** Errors in the order of the form's fields (for the error summary). */
const inFieldOrder = (errors: FieldErrors): FieldErrors => Object.fromEntries(FILTER_FIELDS.filter((f) => errors[f]).map((f) => [f, errors[f]]));

/** Parses and checks the filter; Dutch messages per field. */
function checkFilter(edition: Edition, raw: Record<FilterField, string>, fc: FilterContext): { ok: true; query: ResultQuery } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  for (const f of FILTER_FIELDS) if (raw[f] === MULTIPLE) errors[f] = `Kies één waarde. ${FIELD_MESSAGES[f]}`;
  if (Object.keys(errors).length) return { ok: false, errors: inFieldOrder(errors) };
  const parsed = resultQuerySchema.safeParse(raw);
  if (!parsed.success) {
    for (const i of parsed.error.issues) {
      const f = String(i.path[0] ?? '') as FilterField;
      if (FIELD_MESSAGES[f]) errors[f] ??= FIELD_MESSAGES[f];
    }
    return { ok: false, errors: inFieldOrder(errors) };
  }
  const q = parsed.data;
  if (q.province && !fc.provinces.some((p) => p.code === q.province)) errors.province = `Provincie ${q.province} bestaat niet. ${FIELD_MESSAGES.province}`;
  if (q.compare && q.compare !== 'none') {
    const y = Number(q.compare);
    if (y === edition.year) errors.compare = 'Kies een andere editie dan de getoonde om mee te vergelijken.';
    else if (!fc.editions.some((e) => e.year === y)) errors.compare = `Er is geen editie ${y} om mee te vergelijken.`;
  }
  const opts = resultOptions(q);
  const hasCompare = opts.compareYear === undefined ? !!fc.previous : opts.compareYear !== null;
  if (opts.panel && !hasCompare) errors.panel = 'Het panel vergelijkt twee edities: kies ook een editie om mee te vergelijken.';
  return Object.keys(errors).length ? { ok: false, errors: inFieldOrder(errors) } : { ok: true, query: q };
}

function describeFilter(r: NationalResults, provinces: { code: string; name: string }[]): string {
  const parts: string[] = [];
  if (r.filter.provinceCode) parts.push(`provincie ${provinces.find((p) => p.code === r.filter.provinceCode)?.name ?? r.filter.provinceCode}`);
  if (r.filter.sizeClass) parts.push(SIZE_CLASS_LABELS[r.filter.sizeClass].toLowerCase());
  if (r.filter.joinedYear != null) parts.push(`deelnemer sinds ${r.filter.joinedYear}`);
  return parts.length ? parts.join(', ') : 'geen (alle respondenten)';
}

/** The parts of an edition's results pages: its pillars and action lines in order, with their question codes. */
export interface ResultPart {
  pillar: Pillar;
  title: string;
  codes: string[];
}

export async function editionParts(db: Db, editionId: number): Promise<ResultPart[]> {
  const sections = await loadQuestionnaire(db, editionId);
  return groupByPillar(
    sections.flatMap((s) => s.questions.map((q) => ({ pillar: s.pillar, code: q.code }))),
    (x) => x.pillar,
  ).map((g) => ({ pillar: g.pillar, title: g.title, codes: g.items.map((x) => x.code) }));
}

/** `?onderdeel=alle`: every part on one page (for printing or searching the page). */
export const ALL_PARTS = 'alle';

/**
 * The part asked for in `?onderdeel=` (default: the first); `alle` gives undefined (every
 * question); an unknown part is a 404.
 */
export function pickPart(parts: ResultPart[], v: unknown): ResultPart | null | undefined {
  if (v === ALL_PARTS) return undefined;
  if (v === undefined || v === '') return parts[0] ?? null;
  const found = parts.find((p) => p.pillar === v);
  if (!found) throw new NotFoundError('Dit onderdeel bestaat niet in deze editie van de benchmark.');
  return found;
}

/** Links to the parts of a results page; the current one is marked in text and for screen readers. */
export function PartNav({ parts, current, hrefOf, allHref }: { parts: ResultPart[]; current: ResultPart | null | undefined; hrefOf: (p: ResultPart) => string; allHref: string }) {
  if (parts.length < 2) return null;
  return (
    <nav class="bm-parts" aria-label="Onderdelen van de resultaten">
      <ul class="utrecht-unordered-list">
        <li class="utrecht-unordered-list__item">
          {current === undefined ? (
            <a class="utrecht-link" href={allHref} aria-current="page">
              <strong>Alle onderdelen op één pagina</strong> (getoond)
            </a>
          ) : (
            <Link href={allHref}>Alle onderdelen op één pagina</Link>
          )}
        </li>
        {parts.map((p) => (
          <li class="utrecht-unordered-list__item">
            {p === current ? (
              <a class="utrecht-link" href={hrefOf(p)} aria-current="page">
                <strong>{p.title}</strong> (getoond)
              </a>
            ) : (
              <Link href={hrefOf(p)}>{p.title}</Link>
            )}{' '}
            <span class="muted">({p.codes.length} {p.codes.length === 1 ? 'vraag' : 'vragen'})</span>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** Questions grouped per pillar, in the order the pillars first appear. */
export function groupByPillar<T>(items: T[], pillarOf: (x: T) => Pillar): { pillar: Pillar; title: string; items: T[] }[] {
  const groups: { pillar: Pillar; title: string; items: T[] }[] = [];
  for (const it of items) {
    const p = pillarOf(it);
    let g = groups.find((x) => x.pillar === p);
    if (!g) groups.push((g = { pillar: p, title: PILLAR_LABELS[p] ?? p, items: [] }));
    g.items.push(it);
  }
  return groups.sort((a, b) => PILLARS.indexOf(a.pillar) - PILLARS.indexOf(b.pillar));
}

/** A filter query string with the part added. */
const partQuery = (qs: string, pillar: string) => `${qs ? `${qs}&` : '?'}onderdeel=${encodeURIComponent(pillar)}`;

function FilterForm({ year, form, fc, edition, part }: { year: number; form: FormState; fc: FilterContext; edition: Edition; part?: ResultPart | null | undefined }) {
  const yearOptions: Option[] = fc.years.map((y) => ({ value: String(y), label: String(y) }));
  const current = String(form.values.joinedYear ?? '');
  if (/^\d{4}$/.test(current) && !fc.years.includes(Number(current))) yearOptions.push({ value: current, label: current });
  const compareOptions: Option[] = [
    { value: 'none', label: 'Geen vergelijking' },
    ...fc.editions.filter((e) => e.id !== edition.id && e.status !== 'draft').map((e) => ({ value: String(e.year), label: `${e.year}${e.year < year ? '' : ' (latere editie)'}` })),
  ];
  return (
    <form method="get" action={`/benchmark/${year}/resultaten`} class="filter-form" role="search" novalidate aria-label="Resultaten filteren">
      {part !== null && <input type="hidden" name="onderdeel" value={part?.pillar ?? ALL_PARTS} />}
      <SelectField name="province" label={FIELD_LABELS.province} form={form} options={fc.provinces.map((p) => ({ value: p.code, label: p.name }))} placeholder="Alle provincies" filter />
      <SelectField name="sizeClass" label={FIELD_LABELS.sizeClass} form={form} options={SIZE_CLASSES.map((c) => ({ value: c, label: SIZE_CLASS_LABELS[c] }))} placeholder="Alle groottes" filter />
      <SelectField name="joinedYear" label={FIELD_LABELS.joinedYear} form={form} options={yearOptions} placeholder="Alle jaren" filter />
      <SelectField
        name="compare"
        label={FIELD_LABELS.compare}
        form={form}
        options={compareOptions}
        placeholder={fc.previous ? `Vorige editie (${fc.previous.year})` : 'Geen (er is geen eerdere editie)'}
        filter
      />
      <SelectField
        name="panel"
        label={FIELD_LABELS.panel}
        form={form}
        options={[{ value: 'true', label: 'Ja: ook alleen de gemeenten die beide edities invulden' }]}
        placeholder="Nee"
        filter
      />
      <button class="utrecht-button utrecht-button--secondary-action" type="submit">
        Filteren
      </button>
    </form>
  );
}

/** One question of the national results: heading, notes and the figure. */
function QuestionBlock({ cq, r, panel }: { cq: ComparedQuestion; r: NationalResults; panel: boolean }) {
  const q = cq.current.question;
  const series = comparedSeries(cq, { year: r.edition.year, compareYear: r.compareWith?.year, panel });
  return (
    <section class="bm-question-result" aria-labelledby={`vraag-${q.code}`}>
      <Heading level={3}>
        <span id={`vraag-${q.code}`}>{q.text}</span>
      </Heading>
      <P class="muted">
        Vraag {q.code} · {q.sectionTitle} · beantwoord door {cq.current.n} {cq.current.n === 1 ? 'respondent' : 'respondenten'} (n)
        {r.compareWith && cq.previous ? `; ${r.compareWith.year}: n = ${cq.previous.n}` : ''}
      </P>
      {r.compareWith && cq.previousMissing === 'not_comparable' && (
        <P class="bm-note">
          <strong>Niet vergelijkbaar:</strong> deze vraag is tussen {Math.min(r.edition.year, r.compareWith.year)} en {Math.max(r.edition.year, r.compareWith.year)} gewijzigd; de
          cijfers worden niet met editie {r.compareWith.year} vergeleken.
        </P>
      )}
      {r.compareWith && !cq.previous && cq.previousMissing !== 'not_comparable' && (
        <P class="bm-note">
          <strong>Niet vergelijkbaar:</strong> deze vraag kwam in {r.compareWith.year} niet voor.
        </P>
      )}
      <QuestionFigure id={chartId('grafiek', q.code)} question={q} series={series} caption={`Cijfers: ${q.text}`} />
      {series.some((s) => s.label.endsWith('*')) && q.type !== 'text' && q.type !== 'longtext' && <P class="muted">{PANEL_NOTE}</P>}
    </section>
  );
}

export function NationalResultsView({
  ctx,
  edition,
  form,
  fc,
  results,
  responses,
  areas,
  parts = [],
  part,
}: {
  ctx: PageContext;
  edition: Edition;
  form: FormState;
  fc: FilterContext;
  results: NationalResults | null;
  responses: Awaited<ReturnType<typeof responseByProvince>>;
  areas: Awaited<ReturnType<typeof loadBoundaries>>;
  parts?: ResultPart[];
  part?: ResultPart | null | undefined;
}) {
  const year = edition.year;
  const title = `Resultaten benchmark ${year}`;
  const raw = form.values as Record<FilterField, string>;
  const qs = filterQueryString(raw);
  const panel = results ? resultOptions(resultQuerySchema.parse(raw)).panel && !!results.compareWith : false;
  const others = fc.editions.filter((e) => e.id !== edition.id);
  return (
    <Page ctx={ctx} title={title} crumbs={[BENCHMARK_HOME, { label: title }]}>
      <Heading>{title}</Heading>
      <P>
        {edition.title} · status: {EDITION_STATUS_LABELS[edition.status as EditionStatus] ?? edition.status}. Per vraag de aantallen en percentages van de respondenten die de
        vraag beantwoordden (n). Alleen ingediende vragenlijsten tellen mee, één keer per (hoofd)gemeente.
      </P>
      {others.length > 0 && (
        <P>
          Andere edities:{' '}
          {others.map((e, i) => (
            <>
              {i > 0 && ', '}
              <Link href={`/benchmark/${e.year}/resultaten`}>{String(e.year)}</Link>
            </>
          ))}
        </P>
      )}
      <ErrorSummary errors={form.errors} labels={FIELD_LABELS} />
      <FilterForm year={year} form={form} fc={fc} edition={edition} part={part} />
      {!results ? (
        <Alert kind="error">De filters zijn niet geldig; pas ze aan en kies opnieuw Filteren. Er worden geen resultaten getoond.</Alert>
      ) : (
        <>
          <Heading level={2}>Respondenten</Heading>
          <dl class="stat-list">
            <div>
              <dt>Respondenten (n)</dt>
              <dd>{results.respondents}</dd>
            </div>
            {results.compareWith && results.panelSize != null && (
              <div>
                <dt>Panel {year} en {results.compareWith.year}</dt>
                <dd>{results.panelSize}</dd>
              </div>
            )}
          </dl>
          <P>
            Filter: {describeFilter(results, fc.provinces)}. Vergeleken met: {results.compareWith ? `editie ${results.compareWith.year}` : 'geen andere editie'}.
            {panel && ` Cijfers met * gaan over het panel: de ${results.panelSize} gemeenten die zowel in ${year} als in ${results.compareWith!.year} de vragenlijst invulden.`}
          </P>
          <Heading level={2}>Downloads</Heading>
          <ul class="action-list">
            <li>
              <Link href={`/benchmark/${year}/resultaten.csv${qs}`}>Deze resultaten als CSV</Link>
            </li>
            <li>
              <Link href={`/benchmark/${year}/resultaten.xlsx${qs}`}>Deze resultaten als Excel (XLSX)</Link>
            </li>
            <li>
              <Link href={`/benchmark/${year}/rapport.pdf`}>Landelijk rapport (PDF)</Link>
            </li>
            {can(ctx.principal, 'benchmark:manage') && (
              <li>
                Ruwe antwoorden: <Link href={`/benchmark/${year}/antwoorden.csv`}>CSV</Link> · <Link href={`/benchmark/${year}/antwoorden.xlsx`}>Excel</Link>
              </li>
            )}
          </ul>
          <Heading level={2}>Respons per provincie</Heading>
          <P class="muted">Uitgenodigde, begonnen en ingevulde vragenlijsten per provincie van de (hoofd)gemeente, zonder filters.</P>
          <ResponseByProvince id="responskaart" title={`Respons per provincie, benchmark ${year}`} areas={areas} responses={responses} />
          <Heading level={2}>Resultaten per onderdeel</Heading>
          <P>De resultaten staan per pijler of actielijn op een eigen pagina; de filters gelden voor elk onderdeel.</P>
          <PartNav parts={parts} current={part} hrefOf={(p) => `/benchmark/${year}/resultaten${partQuery(qs, p.pillar)}`} allHref={`/benchmark/${year}/resultaten${partQuery(qs, ALL_PARTS)}`} />
          {results.questions.length === 0 && <P>Deze editie heeft nog geen vragen.</P>}
          {groupByPillar(results.questions, (cq) => cq.current.question.pillar).map((g) => (
            <section class="bm-pillar" aria-labelledby={`pijler-${g.pillar}`}>
              <h2 class="utrecht-heading-2" id={`pijler-${g.pillar}`}>
                {g.title}
              </h2>
              {g.items.map((cq) => (
                <QuestionBlock cq={cq} r={results} panel={panel} />
              ))}
            </section>
          ))}
        </>
      )}
    </Page>
  );
}

export async function resultsRoutes(app: FastifyInstance) {
  const db = app.ctx.database.db;

  app.get('/benchmark/:year/resultaten', async (req, reply) => {
    req.authorize('benchmark:results');
    const year = yearParam((req.params as { year: string }).year);
    const edition = await getEditionByYear(db, year);
    if (!edition) throw new NotFoundError('Er is geen benchmark-editie van dit jaar.');
    const [provinces, editions, years, previous, responses, areas] = await Promise.all([
      listProvinces(db),
      listEditions(db),
      joinedYears(db),
      previousEdition(db, year),
      responseByProvince(db, edition.id),
      loadBoundaries(db, 'province'),
    ]);
    const fc: FilterContext = { provinces, editions: [...editions].sort((a, b) => b.year - a.year), years, previous };
    const raw = rawFilter(req.query);
    const checked = checkFilter(edition, raw, fc);
    if (!checked.ok) {
      return reply.page({ title: `Resultaten benchmark ${year}`, status: 400 }, (ctx) => (
        <NationalResultsView ctx={ctx} edition={edition} form={{ values: raw, errors: checked.errors }} fc={fc} results={null} responses={responses} areas={areas} />
      ));
    }
    const opts = resultOptions(checked.query);
    // One part (pillar or action line) per page: a whole edition is 30–60 questions with charts
    // and tables, too much for one page (and for a slow connection).
    const parts = await editionParts(db, edition.id);
    const part = pickPart(parts, (req.query as Record<string, unknown>).onderdeel);
    // The programme team sees every figure: no suppression of small groups here.
    const results = await nationalResults(db, edition, { filter: opts.filter, compareYear: opts.compareYear, panel: opts.panel, suppress: false, questionCodes: part === undefined ? undefined : (part?.codes ?? []) });
    return reply.page({ title: `Resultaten benchmark ${year}` }, (ctx) => (
      <NationalResultsView ctx={ctx} edition={edition} form={{ values: raw, errors: {} }} fc={fc} results={results} responses={responses} areas={areas} parts={parts} part={part} />
    ));
  });
}
