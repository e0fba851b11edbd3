import type { FastifyInstance } from 'fastify';
import { can } from '../../platform/access.js';
import { ForbiddenError, NotFoundError } from '../../platform/http/errors.js';
import { Page } from '../../platform/views/layout.js';
import { Alert, Heading, Link, P } from '../../platform/views/components.js';
import { findMunicipalityByCode } from '../registry/service.js';
import { getEditionByYear, listEditions, type Edition } from './service.js';
import { municipalityResults } from './results-service.js';
import { joinNames } from './invitations-service.js';
import { MIN_GROUP_SIZE, type MunicipalityQuestion, type MunicipalityResults } from './results-types.js';
import { chartId, FigureTable, NOT_PUBLISHED_NOTE, QuestionFigure, suppressionMessage, type ChartSeries } from './charts.js';
import { ALL_PARTS, BENCHMARK_HOME, editionParts, PartNav, pickPart, yearParam } from './results.js';
import type { ComponentChildren } from 'preact';

/**
 * A municipality's benchmark dashboard: GET /benchmark/:year/gemeenten/:cbsCode
 * (benchmark:municipality with the municipality as resource). Its own answers next to the
 * distribution among all respondents and within its province (suppressed below
 * MIN_GROUP_SIZE), per pillar, with the trend of its own answers. Never another
 * municipality's individual answers: only counts, and only of groups of at least 5.
 *
 * The page body is `MunicipalityDashboardView`, so a respondent can be shown the same through
 * their personal link.
 */

const CBS_CODE = /^GM\d{4}$/;
const SUPPRESSED_PROVINCE = `Te weinig respondenten in de provincie om te tonen (minder dan ${MIN_GROUP_SIZE}).`;
const SUPPRESSED_ALL = `Te weinig respondenten om te tonen (minder dan ${MIN_GROUP_SIZE}).`;

const dateNl = (d: Date) => d.toLocaleDateString('nl-NL', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/Amsterdam' });

export const dashboardPath = (year: number, cbsCode: string) => `/benchmark/${year}/gemeenten/${cbsCode}`;

function TrendTable({ mq, year }: { mq: MunicipalityQuestion; year: number }) {
  if (!mq.trend.length) return null;
  const caption = `Uw antwoorden in eerdere edities: ${mq.question.text}`;
  const rows: { year: number; text: string; note: string }[] = [
    ...mq.trend.map((t) => ({ year: t.year, text: t.text, note: t.comparable ? '' : 'Niet vergelijkbaar: de vraag is sindsdien gewijzigd' })),
    { year, text: mq.ownText, note: 'Deze editie' },
  ];
  return <FigureTable caption={caption} head={['Editie', 'Uw antwoord', 'Opmerking']} rows={rows.map((r) => [String(r.year), r.text, r.note])} numericFrom={3} />;
}

function QuestionDashboard({ mq, results }: { mq: MunicipalityQuestion; results: MunicipalityResults }) {
  const q = mq.question;
  const isText = q.type === 'text' || q.type === 'longtext';
  const series: ChartSeries[] = [];
  if (!mq.all.suppressed) series.push({ label: 'Alle gemeenten', result: mq.all });
  if (!mq.province.suppressed) series.push({ label: `Provincie ${results.municipality.provinceName}`, result: mq.province });
  const rowsWithheld = [mq.all, mq.province].some((r) => !r.suppressed && r.rows?.some((x) => x.suppressed));
  return (
    <section class="bm-question-result" aria-labelledby={`vraag-${q.code}`}>
      <h3 class="utrecht-heading-3" id={`vraag-${q.code}`}>
        {q.text}
      </h3>
      <p class="utrecht-paragraph bm-own">
        <strong>Uw antwoord:</strong> {mq.ownText}
      </p>
      {q.notComparable && <P class="bm-note">Deze vraag is in {results.edition.year} gewijzigd en is niet vergelijkbaar met eerdere edities.</P>}
      {!isText && (
        <>
          {mq.all.suppressed ? (
            <P class="bm-suppressed">{suppressionMessage(mq.all, SUPPRESSED_ALL)}</P>
          ) : (
            <>
              <P class="muted">
                Verdeling onder alle respondenten (n = {mq.all.n})
                {mq.province.suppressed ? '' : ` en in de provincie ${results.municipality.provinceName} (n = ${mq.province.n})`}
                {q.type === 'number' ? '.' : ', in procenten van wie de vraag beantwoordde.'}
              </P>
              <QuestionFigure id={chartId('grafiek', q.code)} question={q} series={series} own={mq.ownCodes} caption={`Cijfers: ${q.text}`} />
              {mq.province.suppressed && <P class="bm-suppressed">{suppressionMessage(mq.province, SUPPRESSED_PROVINCE, 'de provincie')}</P>}
              {rowsWithheld && <P class="bm-suppressed">Rijen met minder dan {MIN_GROUP_SIZE} antwoorden worden niet getoond.</P>}
            </>
          )}
        </>
      )}
      {isText && <P class="muted">Open antwoorden van andere gemeenten worden niet getoond.</P>}
      <TrendTable mq={mq} year={results.edition.year} />
    </section>
  );
}

function ResponseStatus({ results }: { results: MunicipalityResults }) {
  const r = results.response;
  const m = results.municipality;
  if (!r) return <Alert kind="info">Voor {m.name} is in {results.edition.year} geen vragenlijst ingevuld. Hieronder ziet u wel de verdeling onder alle respondenten.</Alert>;
  const names = r.represented.map((x) => x.name);
  return (
    <>
      {r.status === 'submitted' ? (
        <P>
          Vragenlijst ingediend{r.submittedAt ? ` op ${dateNl(r.submittedAt)}` : ''}.
        </P>
      ) : (
        <Alert kind="warning">De vragenlijst is begonnen maar nog niet ingediend; de antwoorden hieronder tellen nog niet mee in de cijfers.</Alert>
      )}
      {r.represented.length > 1 && (
        <P class="bm-represented">
          Beantwoord door {r.primary.name} namens {joinNames(names)}.
        </P>
      )}
    </>
  );
}

/** Links to the same dashboard in other editions (the current one marked). */
export function EditionSwitcher({ editions, current, hrefOf }: { editions: { year: number }[]; current: number; hrefOf: (year: number) => string }) {
  if (editions.length < 2) return null;
  return (
    <nav class="bm-editions" aria-label="Editie kiezen">
      <span>Editie: </span>
      <ul class="action-list bm-editions__list">
        {editions.map((e) => (
          <li>
            {e.year === current ? (
              <strong aria-current="page">{e.year}</strong>
            ) : (
              <a class="utrecht-link" href={hrefOf(e.year)}>
                {e.year}
              </a>
            )}
          </li>
        ))}
      </ul>
    </nav>
  );
}

/**
 * The dashboard body (without page chrome and h1): the note, the response, the downloads and
 * per pillar every question. `editions`/`factsheetHref` are optional (a respondent's view
 * through the personal link may leave them out).
 */
export function MunicipalityDashboardView({
  results,
  editions,
  factsheetHref,
  published = true,
  partNav,
}: {
  results: MunicipalityResults;
  editions?: { year: number }[];
  factsheetHref?: string | null;
  /** False while the edition is not published yet: a notice that figures may change. */
  published?: boolean;
  /** Links to the other parts (pillars) when the page shows one part. */
  partNav?: ComponentChildren;
}) {
  const m = results.municipality;
  const year = results.edition.year;
  return (
    <div class="bm-dashboard">
      <div class="bm-insight-note">
        <P>
          <strong>Voor inzicht, niet om af te rekenen.</strong> De benchmark laat zien waar {m.name} staat in de aanpak van eenzaamheid, naast alle andere
          deelnemende gemeenten en de gemeenten in de provincie {m.provinceName}. Het is geen afrekeninstrument: gebruik de uitkomsten om te leren en het gesprek te voeren.
        </P>
      </div>
      {!published && <Alert kind="info">Editie {year} is nog niet gepubliceerd. {results.comparisonSuppressed ? NOT_PUBLISHED_NOTE : 'De cijfers van andere gemeenten kunnen nog veranderen.'}</Alert>}
      {editions && <EditionSwitcher editions={editions} current={year} hrefOf={(y) => dashboardPath(y, m.cbsCode)} />}
      <ResponseStatus results={results} />
      <dl class="stat-list">
        <div>
          <dt>Respondenten in Nederland</dt>
          <dd>{results.respondents}</dd>
        </div>
        <div>
          <dt>Respondenten in {m.provinceName}</dt>
          <dd>{results.provinceRespondents < MIN_GROUP_SIZE ? `minder dan ${MIN_GROUP_SIZE}` : results.provinceRespondents}</dd>
        </div>
      </dl>
      <P class="muted">
        Percentages zijn van de gemeenten die de vraag beantwoordden. Verdelingen over minder dan {MIN_GROUP_SIZE} gemeenten worden niet getoond, zodat niemand de antwoorden van één
        andere gemeente kan afleiden.
      </P>
      {factsheetHref && (
        <ul class="action-list">
          <li>
            <Link href={factsheetHref}>Factsheet van {m.name} (PDF)</Link>
          </li>
        </ul>
      )}
      {partNav}
      {results.pillars.map((p) => (
        <section class="bm-pillar" aria-labelledby={`pijler-${p.pillar}`}>
          <h2 class="utrecht-heading-2" id={`pijler-${p.pillar}`}>
            {p.title}
          </h2>
          {p.questions.map((mq) => (
            <QuestionDashboard mq={mq} results={results} />
          ))}
        </section>
      ))}
    </div>
  );
}

export async function dashboardRoutes(app: FastifyInstance) {
  const db = app.ctx.database.db;

  app.get('/benchmark/:year/gemeenten/:cbsCode', async (req, reply) => {
    const p = req.requireUser();
    // Roles without any benchmark view get 403; a municipality outside the scope gets 404.
    if (!can(p, 'benchmark:report') && !can(p, 'benchmark:results')) throw new ForbiddenError();
    const params = req.params as { year: string; cbsCode: string };
    const year = yearParam(params.year);
    const code = String(params.cbsCode ?? '').toUpperCase();
    if (!CBS_CODE.test(code)) throw new NotFoundError();
    const municipality = await findMunicipalityByCode(db, code);
    if (!municipality || !can(p, 'benchmark:municipality', { municipalityId: municipality.id })) throw new NotFoundError();
    const admin = can(p, 'benchmark:manage');
    const edition = await getEditionByYear(db, year);
    // Drafts are for the programme team only.
    if (!edition || (edition.status === 'draft' && !admin)) throw new NotFoundError('Er is geen benchmark-editie van dit jaar.');
    // One part (pillar or action line) per page, like the national results.
    const parts = await editionParts(db, edition.id);
    const part = pickPart(parts, (req.query as Record<string, unknown>).onderdeel);
    const [results, editions] = await Promise.all([municipalityResults(db, edition, municipality.id, { suppress: true, questionCodes: part === undefined ? undefined : (part?.codes ?? []) }), listEditions(db)]);
    const shown = editions.filter((e: Edition) => admin || e.status !== 'draft').sort((a, b) => a.year - b.year);
    const title = `Benchmark ${year}: ${results.municipality.name}`;
    return reply.page({ title, crumbs: [BENCHMARK_HOME, { label: `${results.municipality.name} (${year})` }] }, (ctx) => (
      <Page ctx={ctx} title={title} crumbs={[BENCHMARK_HOME, { label: `${results.municipality.name} (${year})` }]}>
        <Heading>{title}</Heading>
        <MunicipalityDashboardView
          results={results}
          editions={shown}
          factsheetHref={`${dashboardPath(year, results.municipality.cbsCode)}/factsheet.pdf`}
          published={edition.status === 'published'}
          partNav={
            parts.length > 1 && (
              <>
                <Heading level={2}>Onderdelen</Heading>
                <PartNav
                  parts={parts}
                  current={part}
                  hrefOf={(x) => `${dashboardPath(year, results.municipality.cbsCode)}?onderdeel=${encodeURIComponent(x.pillar)}`}
                  allHref={`${dashboardPath(year, results.municipality.cbsCode)}?onderdeel=${ALL_PARTS}`}
                />
              </>
            )
          }
        />
      </Page>
    ));
  });
}
