import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { can, type Principal } from '../../platform/access.js';
import { audit } from '../../platform/audit.js';
import type { Db } from '../../platform/db/index.js';
import { ForbiddenError, NotFoundError } from '../../platform/http/errors.js';
import { ErrorPage } from '../../platform/views/error-page.js';
import { findMunicipalityByCode } from '../registry/service.js';
import { comparedSeries, formatPercent, NOT_PUBLISHED_NOTE, PANEL_NOTE, smallDifferenceNote } from './charts.js';
import { responseByProvince, responseTotal } from './invitations-service.js';
import { RESPONDENT_PATH, resolveLink, type LinkState } from './links.js';
import { dutchDate, loadPdfKit, NOT_COMPARABLE_NOTE, pdfHeaders, PdfWriter, questionBlock } from './pdf.js';
import { PILLAR_LABELS, PILLARS, describeAnswer, type Pillar } from './questionnaire.js';
import { linkMunicipalities, loadRespondentForm, respondentActor, visibleQuestions, type OpenLink } from './respondent-service.js';
import { municipalityResults, nationalResults } from './results-service.js';
import { MIN_GROUP_SIZE, type ComparedQuestion, type MunicipalityResults, type NationalResults, type ProvinceResponse, type QuestionResult } from './results-types.js';
import { getEditionByYear, listEditions, type Edition } from './service.js';

/**
 * The benchmark's PDF documents (issue 3, points 5, 7 and 9):
 *
 *   GET /benchmark/:year/rapport.pdf                     national report (programme team: any edition
 *                                                        that is not a draft; coordinators and
 *                                                        advisors: published editions only; the
 *                                                        factsheet follows the dashboard: any
 *                                                        non-draft edition, always suppressed)
 *   GET /benchmark/:year/gemeenten/:cbsCode/factsheet.pdf  a municipality's factsheet (its own
 *                                                        answers next to all respondents and its
 *                                                        province; same edition rule)
 *   GET /vragenlijst/:token/antwoorden.pdf               the respondent's own answers (open link only)
 *
 * Every download is audit-logged ('export') and sent as an attachment that is never cached.
 * Anything a user may not see answers 404, exactly like something that does not exist.
 */

// ---------------------------------------------------------------------------------------
// Documents

const SUPPRESSED = `te weinig respondenten om te tonen (minder dan ${MIN_GROUP_SIZE})`;
const ABOUT =
  'De benchmark geeft inzicht in hoe gemeenten hun aanpak van eenzaamheid vormgeven langs de vijf pijlers en de actielijnen van het actieprogramma Eén tegen eenzaamheid. Het is uitdrukkelijk geen afrekeninstrument: de cijfers zijn bedoeld om van elkaar te leren.';

/** The questions per pillar, in the order of PILLARS (then any other pillar). */
function byPillar<T>(items: T[], pillarOf: (t: T) => Pillar): { pillar: Pillar; items: T[] }[] {
  const order = (p: Pillar) => (PILLARS.indexOf(p) === -1 ? PILLARS.length : PILLARS.indexOf(p));
  const groups = new Map<Pillar, T[]>();
  for (const it of items) groups.set(pillarOf(it), [...(groups.get(pillarOf(it)) ?? []), it]);
  return [...groups].sort((a, b) => order(a[0]) - order(b[0])).map(([pillar, list]) => ({ pillar, items: list }));
}

/** "label: n = 6" per series; a withheld series says why in a few words. */
function nLine(series: { label: string; result: QuestionResult }[]): string {
  const withheld = (r: QuestionResult) =>
    r.suppressedReason === 'small_difference'
      ? `niet getoond (verschilt met minder dan ${MIN_GROUP_SIZE} gemeenten van alle respondenten)`
      : r.suppressedReason === 'not_published'
        ? 'na publicatie'
        : `minder dan ${MIN_GROUP_SIZE} respondenten`;
  return series.map((s) => `${s.label}: ${s.result.suppressed ? withheld(s.result) : `n = ${s.result.n}`}`).join('; ');
}

/** A count shown to restricted viewers: "minder dan 5" when withheld. */
const countText = (n: number, withheld: boolean | undefined) => (withheld ? `minder dan ${MIN_GROUP_SIZE}` : String(n));

export interface NationalReportInput {
  edition: Edition;
  results: NationalResults;
  provinces: ProvinceResponse[];
  /** The programme team's full view (no suppression note). */
  full: boolean;
  now?: Date;
}

/** The national report: title page, method and response, and per pillar every question. */
export async function nationalReportPdf({ edition, results, provinces, full, now = new Date() }: NationalReportInput): Promise<Buffer> {
  const year = edition.year;
  const compare = results.compareWith;
  await loadPdfKit();
  const pdf = new PdfWriter({ title: `Benchmark Eén tegen eenzaamheid ${year}: landelijk rapport`, subject: edition.title, keywords: 'benchmark, eenzaamheid, gemeenten', creationDate: now });

  const titleLines = [edition.title];
  if (edition.opensOn || edition.closesOn) titleLines.push(`Vragenlijst open van ${dutchDate(edition.opensOn)} tot en met ${dutchDate(edition.closesOn)}`);
  if (compare) titleLines.push(`Vergeleken met de editie ${compare.year}`);
  titleLines.push(edition.status === 'published' && edition.publishedAt ? `Gepubliceerd op ${dutchDate(edition.publishedAt)}` : edition.status === 'published' ? 'Gepubliceerd' : 'Nog niet gepubliceerd: alleen voor het programmateam');
  titleLines.push(`Gemaakt op ${dutchDate(now)}`);
  pdf.titleBlock(`Benchmark Eén tegen eenzaamheid ${year}`, 'Landelijk rapport', titleLines);
  pdf.space(24);
  pdf.paragraph(ABOUT);

  // Method and response
  pdf.newPage();
  pdf.heading(1, 'Methode en respons');
  const total = responseTotal(provinces);
  const invitedAny = total.invited > 0;
  const respondents = countText(results.respondents, results.respondentsSuppressed);
  if (edition.imported || !invitedAny) {
    pdf.paragraph(
      edition.imported
        ? 'Deze editie is overgenomen uit een eerder onderzoek; de uitnodigingen zijn niet via dit platform verstuurd. Daarom is alleen het aantal ingevulde vragenlijsten bekend.'
        : 'Voor deze editie zijn (nog) geen uitnodigingen via het platform verstuurd; alleen het aantal ingevulde vragenlijsten is bekend.',
    );
    pdf.labelled('Ingevulde vragenlijsten', respondents);
  } else {
    pdf.paragraph(
      'De contactpersonen van de deelnemende gemeenten kregen een persoonlijke link naar de vragenlijst. Eén contactpersoon kan antwoorden namens meerdere gemeenten (een gezamenlijke aanpak); het antwoord telt dan voor de eerstgenoemde gemeente.',
    );
    pdf.labelled('Uitgenodigd', String(total.invited));
    pdf.labelled('Ingevuld en ingediend', respondents);
    pdf.labelled('Respons', results.respondentsSuppressed ? '–' : formatPercent(total.ratePercent));
  }
  if (compare && results.panelSize != null) pdf.labelled(`Panel (ingevuld in ${year} én ${compare.year})`, `${countText(results.panelSize, results.panelSizeSuppressed)} gemeenten`);
  pdf.space(4);
  if (!full) {
    // Per province the counts are small (and the invitations bound them), so any per-province
    // table would reveal groups of fewer than MIN_GROUP_SIZE: the programme team's report only.
    pdf.paragraph(
      `De respons per provincie staat alleen in het rapport voor het programmateam: per provincie gaat het soms om minder dan ${MIN_GROUP_SIZE} gemeenten, en zulke kleine aantallen worden niet getoond.`,
    );
  } else if (edition.imported || !invitedAny) {
    const rows = provinces.map((p) => [p.provinceName, String(p.submitted)]);
    rows.push(['Totaal', String(total.submitted)]);
    pdf.table([{ header: 'Provincie', width: 2 }, { header: 'Ingevuld', align: 'right' }], rows, { caption: 'Ingevulde vragenlijsten per provincie', rowHeaders: true });
  } else {
    const rows = [...provinces, total].map((p) => [p.provinceName, String(p.invited), String(p.started), String(p.submitted), formatPercent(p.ratePercent)]);
    pdf.table(
      [
        { header: 'Provincie', width: 2 },
        { header: 'Uitgenodigd', align: 'right' },
        { header: 'Begonnen, niet ingediend', align: 'right', width: 1.3 },
        { header: 'Ingediend', align: 'right' },
        { header: 'Respons', align: 'right' },
      ],
      rows,
      { caption: 'Respons per provincie (provincie van de eerstgenoemde gemeente)', rowHeaders: true },
    );
  }
  pdf.heading(2, 'Zo leest u de cijfers');
  pdf.paragraph('De percentages zijn berekend over de gemeenten die de vraag beantwoordden (n). Bij vragen met meerdere antwoorden kunnen de percentages samen meer dan 100% zijn.');
  if (compare) {
    pdf.paragraph(
      `Elke vraag wordt vergeleken met dezelfde vraag in ${compare.year}, behalve als de vraag sindsdien is gewijzigd. De cijfers van het panel (met een * gemarkeerd) gaan alleen over de gemeenten die in beide edities de vragenlijst invulden: zo blijkt of een verschil komt door een andere groep gemeenten of door een echte verandering.`,
    );
  }
  if (!full) {
    pdf.paragraph(
      `Cijfers van minder dan ${MIN_GROUP_SIZE} gemeenten worden niet getoond, zodat ze niet naar één gemeente te herleiden zijn. Om dezelfde reden ontbreken de panelcijfers van een vraag als het panel met minder dan ${MIN_GROUP_SIZE} gemeenten verschilt van alle respondenten, en staan bij getallen het gemiddelde en de mediaan maar niet de laagste en hoogste waarde.`,
    );
  }

  // Per pillar and action line
  let number = 0;
  for (const group of byPillar(results.questions, (q) => q.current.question.pillar)) {
    pdf.newPage();
    pdf.heading(1, PILLAR_LABELS[group.pillar] ?? group.pillar);
    for (const c of group.items) nationalQuestion(pdf, c, ++number, year, compare?.year ?? null);
  }
  return pdf.finish();
}

function nationalQuestion(pdf: PdfWriter, c: ComparedQuestion, number: number, year: number, compareYear: number | null) {
  const q = c.current.question;
  const series = comparedSeries(c, { year, compareYear, panel: !!c.panel });
  const lines: { text: string; style?: 'muted' | 'italic' }[] = [{ text: nLine(series), style: 'muted' }];
  if (compareYear != null && !c.previous) {
    const changed = c.previousMissing === 'not_comparable' || (!c.previousMissing && q.notComparable);
    // The mark in this edition: "changed in this edition"; else it changed in an edition in between (or the type differs).
    if (changed) lines.push({ text: q.notComparable && compareYear < year ? NOT_COMPARABLE_NOTE : `Deze vraag is na ${Math.min(year, compareYear)} gewijzigd en daarom niet vergeleken met ${compareYear}.`, style: 'italic' });
    else lines.push({ text: `Deze vraag kwam in ${compareYear} niet (zo) voor.`, style: 'italic' });
  }
  if (series.some((s) => s.label.endsWith('*') && !s.result.suppressed)) lines.push({ text: PANEL_NOTE, style: 'italic' });
  if (series.some((s) => s.result.suppressedReason === 'small_difference')) lines.push({ text: `Panelcijfers (*): ${smallDifferenceNote('het panel')}`, style: 'italic' });
  if (series.every((s) => s.result.suppressed)) lines.push({ text: `Geen cijfers: ${SUPPRESSED}.`, style: 'italic' });
  questionBlock(pdf, q, series, { heading: `${number}. ${q.text}`, lines });
}

export interface FactsheetInput {
  results: MunicipalityResults;
  edition: Edition;
  now?: Date;
}

/** A municipality's factsheet: its own answers next to all respondents and its province, per pillar. */
export async function factsheetPdf({ results, edition, now = new Date() }: FactsheetInput): Promise<Buffer> {
  const m = results.municipality;
  const year = edition.year;
  await loadPdfKit();
  const pdf = new PdfWriter({ title: `Factsheet benchmark ${year}: ${m.name}`, subject: edition.title, keywords: `benchmark, eenzaamheid, ${m.name}, ${m.cbsCode}`, creationDate: now });
  const r = results.response;
  const lines = [edition.title, `Provincie ${m.provinceName}`];
  if (!r) lines.push(`Voor ${m.name} is in deze editie geen vragenlijst ingevuld.`);
  else {
    lines.push(r.status === 'submitted' ? `Vragenlijst ingediend op ${dutchDate(r.submittedAt)}` : 'Vragenlijst nog niet ingediend (de antwoorden kunnen nog veranderen)');
    if (r.primary.cbsCode !== m.cbsCode) lines.push(`Ingevuld door ${r.primary.name} namens een gezamenlijke aanpak met ${m.name}`);
    if (r.represented.length > 1) lines.push(`De antwoorden gelden voor: ${r.represented.map((x) => x.name).join(', ')}`);
  }
  const notPublished = results.comparisonSuppressed === 'not_published';
  if (notPublished) lines.push(`Editie ${year} is nog niet gepubliceerd. ${NOT_PUBLISHED_NOTE}`);
  else lines.push(`Vergeleken met ${results.respondents} gemeenten landelijk en ${countText(results.provinceRespondents, results.provinceRespondentsSuppressed)} in ${m.provinceName}`);
  lines.push(`Gemaakt op ${dutchDate(now)}`);
  pdf.titleBlock(`Factsheet benchmark ${year}`, `${m.name} (${m.cbsCode})`, lines);
  pdf.space(16);
  pdf.paragraph(ABOUT);
  if (notPublished) {
    pdf.paragraph(`Bij elke vraag staat het antwoord van ${m.name}, met de antwoorden in eerdere edities. ${NOT_PUBLISHED_NOTE}`);
  } else {
    pdf.paragraph(
      `Bij elke vraag staat het antwoord van ${m.name} naast de verdeling onder alle gemeenten die de vragenlijst indienden ("Alle gemeenten") en onder de gemeenten in de provincie ${m.provinceName} ("${m.provinceName}"). De percentages zijn berekend over wie de vraag beantwoordde (n). Groepen van minder dan ${MIN_GROUP_SIZE} gemeenten worden niet getoond, en de provincie ook niet als die met minder dan ${MIN_GROUP_SIZE} gemeenten van alle gemeenten verschilt.`,
    );
  }

  const provinceLabel = m.provinceName;
  for (const group of results.pillars) {
    if (!group.questions.length) continue;
    pdf.heading(1, group.title, 120);
    for (const mq of group.questions) {
      const q = mq.question;
      const series = [
        { label: 'Alle gemeenten', result: mq.all },
        { label: provinceLabel, result: mq.province },
      ];
      const qLines: { label?: string; text: string; style?: 'muted' | 'italic' }[] = [{ label: `Antwoord ${m.name}`, text: mq.ownText }];
      if (mq.trend.length) {
        qLines.push({ label: 'Eerdere edities', text: mq.trend.map((t) => `${t.year}: ${t.text}${t.comparable ? '' : ' (vraag gewijzigd, niet vergelijkbaar)'}`).join('; ') });
      }
      // Not published: the own answers only (said once, at the top).
      if (!notPublished) {
        qLines.push({ text: nLine(series), style: 'muted' });
        if (mq.all.suppressed) qLines.push({ text: `Alle gemeenten: ${SUPPRESSED}.`, style: 'italic' });
        if (mq.province.suppressed) qLines.push({ text: `Provincie ${provinceLabel}: ${mq.province.suppressedReason === 'small_difference' ? smallDifferenceNote('de provincie') : `${SUPPRESSED}.`}`, style: 'italic' });
      }
      questionBlock(pdf, q, series, { heading: q.text, lines: qLines, own: mq.ownCodes });
    }
  }
  return pdf.finish();
}

/** The respondent's copy of the answers. */
export async function answersPdf(db: Db, link: OpenLink, now = new Date()): Promise<Buffer> {
  const [form, munis] = await Promise.all([loadRespondentForm(db, link), linkMunicipalities(db, link)]);
  const e = link.edition;
  const r = link.response;
  await loadPdfKit();
  const pdf = new PdfWriter({ title: `Uw antwoorden: ${e.title}`, subject: `Benchmark Eén tegen eenzaamheid ${e.year}`, creationDate: now });
  const lines = [`Gemeente: ${munis[0]?.name ?? '—'}`];
  if (munis.length > 1) lines.push(`Ook namens: ${munis.slice(1).map((m) => m.name).join(', ')}`);
  lines.push(r?.status === 'submitted' ? `Ingediend op ${dutchDate(r.submittedAt, true)}` : r ? 'Nog niet ingediend' : 'Nog niet begonnen');
  if (r && r.status === 'submitted' && r.submittedAt && r.updatedAt > r.submittedAt) lines.push(`Laatst gewijzigd op ${dutchDate(r.updatedAt, true)}`);
  lines.push(`Gemaakt op ${dutchDate(now, true)}`);
  pdf.titleBlock('Uw antwoorden', e.title, lines);
  pdf.space(12);
  const visible = visibleQuestions(form.questions, form.answers);
  form.sections.forEach((s, i) => {
    pdf.heading(1, `${i + 1}. ${s.title}`);
    const shown = s.questions.filter((q) => visible.has(q.code));
    if (!shown.length) pdf.paragraph('Geen vragen van toepassing.', { style: 'muted' });
    for (const q of shown) {
      const a = form.answers.get(q.code) ?? null;
      pdf.heading(3, `${form.numbers.get(q.code)}. ${q.text}`, 30);
      if (q.type === 'matrix' && a?.kind === 'matrix') {
        const label = (code: string | undefined) => (code ? (q.options.find((o) => o.code === code)?.label ?? (code === 'dont_know' ? 'Weet ik niet' : code)) : '—');
        pdf.table(
          [{ header: 'Onderdeel', width: 1.4 }, { header: 'Uw antwoord' }],
          q.rows.map((row) => [row.label, label(a.rows[row.code])]),
          { rowHeaders: true },
        );
      } else pdf.paragraph(a ? describeAnswer(q, a) : 'Niet beantwoord', { style: a ? 'normal' : 'muted' });
    }
  });
  return pdf.finish();
}

// ---------------------------------------------------------------------------------------
// Routes

const YEAR = /^\d{4}$/;

/** The edition of a year that `p` may see results of (404 otherwise) and whether `p` sees everything. */
async function visibleEdition(db: Db, p: Principal, yearParam: string): Promise<{ edition: Edition; full: boolean }> {
  const full = can(p, 'benchmark:results');
  const edition = YEAR.test(yearParam) ? await getEditionByYear(db, Number(yearParam)) : undefined;
  if (!edition || edition.status === 'draft' || (!full && edition.status !== 'published')) throw new NotFoundError('Deze editie van de benchmark bestaat niet of is nog niet gepubliceerd.');
  return { edition, full };
}

/** The latest earlier edition `p` may compare with: any non-draft for the programme team, else published. */
async function compareEdition(db: Db, edition: Edition, full: boolean): Promise<Edition | null> {
  const earlier = (await listEditions(db)).filter((e) => e.year < edition.year && (full ? e.status !== 'draft' : e.status === 'published'));
  return earlier[0] ?? null; // listEditions is newest first
}

function sendPdf(reply: FastifyReply, buf: Buffer, filename: string) {
  return reply.headers(pdfHeaders(filename)).send(buf);
}

const LINK_PROBLEMS: Record<Exclude<LinkState['state'], 'open'>, { status: number; title: string; message: string }> = {
  unknown: { status: 404, title: 'Link niet geldig', message: 'Deze link naar de vragenlijst bestaat niet. Controleer of u de hele link uit de e-mail heeft gebruikt.' },
  revoked: { status: 404, title: 'Link niet meer geldig', message: 'Deze link naar de vragenlijst is ingetrokken. Gebruik de link uit uw nieuwste uitnodiging.' },
  not_open: { status: 403, title: 'Vragenlijst nog niet geopend', message: 'De vragenlijst is nog niet geopend, dus er zijn nog geen antwoorden om te downloaden.' },
  closed: { status: 410, title: 'Vragenlijst gesloten', message: 'De vragenlijst is gesloten. Uw antwoorden zijn via deze link niet meer te downloaden; neem voor een kopie contact op met de helpdesk.' },
};

export async function benchmarkReportRoutes(app: FastifyInstance) {
  const db = app.ctx.database.db;
  const helpdesk = app.ctx.config.helpdeskEmail;

  app.get('/benchmark/:year/rapport.pdf', async (req, reply) => {
    const p = req.requireUser();
    if (!can(p, 'benchmark:results') && !can(p, 'benchmark:report')) throw new ForbiddenError();
    const { edition, full } = await visibleEdition(db, p, String((req.params as { year: string }).year));
    const compare = await compareEdition(db, edition, full);
    const [results, provinces] = await Promise.all([
      nationalResults(db, edition, { filter: {}, compareYear: compare?.year ?? null, panel: !!compare, suppress: !full }),
      responseByProvince(db, edition.id),
    ]);
    const buf = await nationalReportPdf({ edition, results, provinces, full });
    await audit(db, req.auditCtx(), { action: 'export', entity: 'benchmark_edition', entityId: edition.id, details: { document: 'rapport', format: 'pdf', year: edition.year, compareYear: compare?.year ?? null } });
    return sendPdf(reply, buf, `benchmark-${edition.year}-landelijk-rapport.pdf`);
  });

  app.get('/benchmark/:year/gemeenten/:cbsCode/factsheet.pdf', async (req, reply) => {
    const p = req.requireUser();
    const params = req.params as { year: string; cbsCode: string };
    const code = String(params.cbsCode).toUpperCase();
    const municipality = /^GM\d{4}$/.test(code) ? await findMunicipalityByCode(db, code) : null;
    // Unknown and out of scope look the same.
    if (!municipality || !can(p, 'benchmark:municipality', { municipalityId: municipality.id })) throw new NotFoundError();
    // The same rule as the dashboard page: open, closed and published editions (drafts for the
    // programme team), always with the suppression a municipality gets.
    const edition = /^\d{4}$/.test(String(params.year)) ? await getEditionByYear(db, Number(params.year)) : undefined;
    if (!edition || (edition.status === 'draft' && !can(p, 'benchmark:manage'))) throw new NotFoundError('Er is geen benchmark-editie van dit jaar.');
    const results = await municipalityResults(db, edition, municipality.id, { suppress: true });
    const buf = await factsheetPdf({ results, edition });
    await audit(db, req.auditCtx(), {
      action: 'export',
      entity: 'benchmark_edition',
      entityId: edition.id,
      details: { document: 'factsheet', format: 'pdf', year: edition.year, municipality: municipality.cbsCode },
    });
    return sendPdf(reply, buf, `benchmark-${edition.year}-factsheet-${municipality.cbsCode}.pdf`);
  });

  app.get(
    `${RESPONDENT_PATH}/:token/antwoorden.pdf`,
    // Same budget idea as the questionnaire pages: enough for a respondent, too little to probe links.
    { config: { rateLimit: { max: Math.max(30, app.ctx.config.rateLimitPerMinute * 6), timeWindow: '1 minute' } } },
    async (req: FastifyRequest, reply: FastifyReply) => {
      // The token is in the URL: keep it out of search engines and Referer headers.
      reply.header('x-robots-tag', 'noindex, nofollow').header('referrer-policy', 'no-referrer');
      const link = await resolveLink(db, String((req.params as { token: string }).token));
      if (link.state !== 'open') {
        const problem = LINK_PROBLEMS[link.state];
        return reply.page({ title: problem.title, status: problem.status }, (ctx) =>
          ErrorPage({ ctx, status: problem.status, title: problem.title, message: `${problem.message} Vragen? Mail de helpdesk: ${helpdesk}.` }),
        );
      }
      const buf = await answersPdf(db, link);
      await audit(db, respondentActor(link, req), {
        action: 'export',
        entity: 'benchmark_response',
        entityId: link.response?.id ?? null,
        details: { document: 'antwoorden', format: 'pdf', invitation: link.invitation.id, year: link.edition.year },
      });
      const primary = link.municipalities[0]?.cbsCode;
      return sendPdf(reply, buf, `benchmark-${link.edition.year}-antwoorden${primary ? `-${primary}` : ''}.pdf`);
    },
  );
}
