import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ComponentChildren } from 'preact';
import { Page, type PageContext } from '../../platform/views/layout.js';
import { Alert, Button, ButtonLink, CsrfField, ErrorSummary, Heading, Link, P, SummaryList } from '../../platform/views/components.js';
import { formValues } from '../../platform/http/forms.js';
import { NotFoundError } from '../../platform/http/errors.js';
import { nlDate } from '../registry/ui.js';
import { RESPONDENT_PATH, resolveLink, type LinkState } from './links.js';
import { MunicipalityDashboardView } from './dashboard.js';
import { municipalityResults } from './results-service.js';
import { answerToFormValues, describeAnswer, fieldName, type Answer, type Section } from './questionnaire.js';
import type { Edition } from './service.js';
import { QuestionField, questionAnchor, type FormValues } from './question-fields.js';
import {
  canEdit,
  linkMunicipalities,
  loadRespondentForm,
  missingRequired,
  respondentActor,
  sameSectionCondition,
  savePage,
  sectionProgress,
  submitResponse,
  toFormValues,
  visibleQuestions,
  type OpenLink,
  type RespondentForm,
  type SectionProgress,
} from './respondent-service.js';

/**
 * The respondent's questionnaire (issue 3, point 5): no account, the personal link is the key.
 *
 *   GET        /vragenlijst/:token               start page (municipalities, closing date, progress)
 *   GET, POST  /vragenlijst/:token/pagina/:n     one section per page; every POST saves the page
 *   GET, POST  /vragenlijst/:token/samenvatting  all answers, open required questions; POST submits
 *   GET        /vragenlijst/:token/ingediend     thanks, links to the copy and the dashboard
 *   GET        /vragenlijst/:token/antwoorden    printable copy of the answers
 *
 * A link that is unknown, revoked, not yet open or closed gets a page saying so and nothing
 * else: no answer, no municipality. Pages carry noindex and no-referrer (the token is in the URL).
 */

type Municipality = { id: number; cbsCode: string; name: string };

const PROGRESS_LABELS: Record<SectionProgress, string> = { empty: 'Nog niet ingevuld', started: 'Deels ingevuld', complete: 'Ingevuld' };

const fmtDateTime = (d: Date | null | undefined) =>
  d ? d.toLocaleString('nl-NL', { timeZone: 'Europe/Amsterdam', day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit' }) : '';

/** "A", "A en B", "A, B en C". */
function nlList(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} en ${items.at(-1)}`;
}

function municipalitySentence(munis: Municipality[]): string {
  const [primary, ...others] = munis;
  if (!primary) return '';
  if (!others.length) return `U vult de vragenlijst in voor ${primary.name}.`;
  return `U vult de vragenlijst in voor ${primary.name} (hoofdgemeente), samen met ${nlList(others.map((m) => m.name))}; de antwoorden tellen voor ${primary.name}.`;
}

const closingText = (e: Edition) => (e.closesOn ? `tot en met ${nlDate(e.closesOn)}` : 'tot de vragenlijst sluit');

function EditionCaption({ edition }: { edition: Edition }) {
  return <P class="bm-caption">{edition.title}</P>;
}

// ---------------------------------------------------------------------------------------
// Link problems

function LinkProblemPage({ ctx, link, helpdesk }: { ctx: PageContext; link: Exclude<LinkState, { state: 'open' }>; helpdesk: string }) {
  const edition = 'edition' in link ? link.edition : null;
  const content: Record<typeof link.state, { title: string; body: ComponentChildren }> = {
    unknown: {
      title: 'Link niet geldig',
      body: <P>Deze link naar de vragenlijst bestaat niet. Controleer of u de hele link uit de e-mail heeft gebruikt; soms wordt een lange link over twee regels verdeeld.</P>,
    },
    revoked: {
      title: 'Link niet meer geldig',
      body: <P>Deze link naar de vragenlijst is ingetrokken. Misschien heeft u een nieuwe uitnodiging ontvangen; gebruik dan de link uit die e-mail.</P>,
    },
    not_open: {
      title: 'Vragenlijst nog niet geopend',
      body: <P>{edition?.opensOn && edition.status !== 'draft' ? `De vragenlijst kan worden ingevuld vanaf ${nlDate(edition.opensOn)}.` : 'De vragenlijst is nog niet geopend. U krijgt bericht zodra u kunt beginnen.'}</P>,
    },
    closed: {
      title: 'Vragenlijst gesloten',
      body: (
        <P>
          {edition?.closesOn ? `De vragenlijst is gesloten sinds ${nlDate(edition.closesOn)}` : 'De vragenlijst is gesloten'}. Antwoorden geven of wijzigen is niet meer mogelijk.
        </P>
      ),
    },
  };
  const c = content[link.state];
  return (
    <Page ctx={ctx} title={c.title}>
      {edition && <EditionCaption edition={edition} />}
      <Heading>{c.title}</Heading>
      {c.body}
      <P>
        Vragen? Mail de helpdesk: <Link href={`mailto:${helpdesk}`}>{helpdesk}</Link>.
      </P>
    </Page>
  );
}

const LINK_STATUS: Record<Exclude<LinkState['state'], 'open'>, number> = { unknown: 404, revoked: 404, not_open: 403, closed: 410 };

// ---------------------------------------------------------------------------------------
// Shared parts

/** The steps of the questionnaire; the current one is marked in text, not only by style. */
function Steps({ form, current, progress }: { form: RespondentForm; current: number | 'summary'; progress: SectionProgress[] }) {
  const total = form.sections.length;
  return (
    <nav class="bm-steps" aria-labelledby="stappen-titel">
      <p class="utrecht-paragraph bm-steps__status" id="stappen-titel">
        {current === 'summary' ? 'Controleren en indienen' : `Stap ${current} van ${total}`}
      </p>
      <ol class="bm-steps__list">
        {form.sections.map((s, i) => {
          const here = current === i + 1;
          return (
            <li class={`bm-steps__item${here ? ' bm-steps__item--current' : ''}`} aria-current={here ? 'step' : undefined}>
              {s.title}
              <span class="bm-steps__state">{here ? ' (huidige stap)' : progress[i] === 'complete' ? ' (ingevuld)' : ''}</span>
            </li>
          );
        })}
        <li class={`bm-steps__item${current === 'summary' ? ' bm-steps__item--current' : ''}`} aria-current={current === 'summary' ? 'step' : undefined}>
          Controleren en indienen
          <span class="bm-steps__state">{current === 'summary' ? ' (huidige stap)' : ''}</span>
        </li>
      </ol>
    </nav>
  );
}

/** The answers of one section as a list (summary, read-only pages, printed copy). */
function SectionAnswers({ section, form, answers, visible }: { section: Section; form: RespondentForm; answers: Map<string, Answer | null>; visible: Set<string> }) {
  const shown = section.questions.filter((q) => visible.has(q.code));
  if (!shown.length) return <P class="muted">Geen vragen van toepassing.</P>;
  return (
    <SummaryList
      items={shown.map((q) => {
        const a = answers.get(q.code) ?? null;
        return [`${form.numbers.get(q.code)}. ${q.text}`, a ? describeAnswer(q, a) : 'Niet beantwoord'] as [string, ComponentChildren];
      })}
    />
  );
}

function SubmittedNotice({ link, editable }: { link: OpenLink; editable: boolean }) {
  const r = link.response;
  if (r?.status !== 'submitted') return null;
  return editable ? (
    <Alert kind="info">
      U heeft de vragenlijst ingediend op {fmtDateTime(r.submittedAt)}. U kunt uw antwoorden nog wijzigen {closingText(link.edition)}; een wijziging wordt direct opgeslagen en
      uw vragenlijst blijft ingediend. Een pagina moet daarbij volledig ingevuld blijven.
    </Alert>
  ) : (
    <Alert kind="info">U heeft de vragenlijst ingediend op {fmtDateTime(r.submittedAt)}. Uw antwoorden kunnen niet meer worden gewijzigd; u kunt ze hieronder bekijken.</Alert>
  );
}

// ---------------------------------------------------------------------------------------
// Start page

function StartPage({ ctx, link, form, munis, helpdesk }: { ctx: PageContext; link: OpenLink; form: RespondentForm; munis: Municipality[]; helpdesk: string }) {
  const base = `${RESPONDENT_PATH}/${tokenOf(ctx)}`;
  const r = link.response;
  const progress = sectionProgress(form);
  const editable = canEdit(link);
  const total = form.sections.length;
  const resumeAt = r ? Math.min(Math.max(r.lastSection, 1), total + 1) : 1;
  const resumeHref = resumeAt > total ? `${base}/samenvatting` : `${base}/pagina/${resumeAt}`;
  return (
    <Page ctx={ctx} title={link.edition.title}>
      <Heading>{link.edition.title}</Heading>
      {link.edition.intro && <P>{link.edition.intro}</P>}
      <P>
        <strong>{municipalitySentence(munis)}</strong>
      </P>
      <SubmittedNotice link={link} editable={editable} />
      <Heading level={2}>Zo werkt het</Heading>
      <ul class="utrecht-unordered-list">
        <li class="utrecht-unordered-list__item">U kunt de vragenlijst invullen {closingText(link.edition)}.</li>
        <li class="utrecht-unordered-list__item">
          De vragenlijst heeft {total} {total === 1 ? 'pagina' : "pagina's"}. Uw antwoorden worden opgeslagen zodra u naar een andere pagina gaat of op ‘Opslaan en later
          verdergaan’ klikt.
        </li>
        <li class="utrecht-unordered-list__item">U kunt stoppen wanneer u wilt en later met dezelfde link uit uw e-mail verdergaan waar u was.</li>
        <li class="utrecht-unordered-list__item">Aan het eind ziet u al uw antwoorden op een rij voordat u de vragenlijst indient.</li>
        <li class="utrecht-unordered-list__item">Deel de link niet: iedereen met deze link kan uw antwoorden zien en wijzigen.</li>
      </ul>
      <Heading level={2}>Onderdelen</Heading>
      <ol class="utrecht-ordered-list bm-overview">
        {form.sections.map((s, i) => (
          <li class="utrecht-ordered-list__item">
            <Link href={`${base}/pagina/${i + 1}`}>{s.title}</Link> <span class="bm-overview__state">— {PROGRESS_LABELS[progress[i]!]}</span>
          </li>
        ))}
      </ol>
      <div class="action-list">
        {r?.status === 'submitted' ? (
          <>
            <ButtonLink href={`${base}/samenvatting`} variant="primary">
              {editable ? 'Antwoorden bekijken of wijzigen' : 'Antwoorden bekijken'}
            </ButtonLink>
            <Link href={`${base}/antwoorden`}>Afdrukbare versie van uw antwoorden</Link>
          </>
        ) : r ? (
          <ButtonLink href={resumeHref} variant="primary">
            Verdergaan waar u was
          </ButtonLink>
        ) : (
          <ButtonLink href={`${base}/pagina/1`} variant="primary">
            Beginnen
          </ButtonLink>
        )}
      </div>
      <P>
        Vragen over de vragenlijst? Mail de helpdesk: <Link href={`mailto:${helpdesk}`}>{helpdesk}</Link>.
      </P>
    </Page>
  );
}

/** The token of the current page, from its path (the views only get the page context). */
function tokenOf(ctx: PageContext): string {
  return ctx.currentPath.split('/')[2] ?? '';
}

// ---------------------------------------------------------------------------------------
// Question pages

interface PageView {
  link: OpenLink;
  form: RespondentForm;
  n: number;
  values: FormValues;
  errors: Map<string, string>;
  /** Answers that decide which questions are shown (stored, or as just posted). */
  answers: Map<string, Answer | null>;
  notice?: ComponentChildren;
}

function QuestionPage({ ctx, v }: { ctx: PageContext; v: PageView }) {
  const { form, n, link } = v;
  const base = `${RESPONDENT_PATH}/${tokenOf(ctx)}`;
  const section = form.sections[n - 1]!;
  const total = form.sections.length;
  const visible = visibleQuestions(form.questions, v.answers);
  const shown = section.questions
    .map((q) => ({ q, condition: sameSectionCondition(q, section, form) }))
    .filter(({ q, condition }) => visible.has(q.code) || (condition && visible.has(q.showIf!.question)));
  const errors: Record<string, string> = {};
  const labels: Record<string, string> = {};
  for (const { q } of shown) {
    const e = v.errors.get(q.code);
    if (e) {
      errors[fieldName(q)] = e;
      labels[fieldName(q)] = `Vraag ${form.numbers.get(q.code)}`;
    }
  }
  return (
    <Page ctx={ctx} title={`${Object.keys(errors).length ? 'Fout: ' : ''}Stap ${n} van ${total}: ${section.title} – ${link.edition.title}`}>
      <EditionCaption edition={link.edition} />
      <Steps form={form} current={n} progress={sectionProgress(form)} />
      <Heading>{section.title}</Heading>
      {section.intro && <P>{section.intro}</P>}
      <SubmittedNotice link={link} editable />
      {v.notice}
      <ErrorSummary errors={errors} labels={labels} />
      <form method="post" action={`${base}/pagina/${n}`} novalidate class="form bm-form">
        <CsrfField token={ctx.csrfToken} />
        {shown.length ? (
          shown.map(({ q, condition }) => <QuestionField q={q} number={form.numbers.get(q.code)!} values={v.values} error={v.errors.get(q.code)} condition={condition} />)
        ) : (
          <P>Op deze pagina zijn geen vragen voor u, door uw eerdere antwoorden. U kunt doorgaan.</P>
        )}
        <div class="form-actions bm-actions">
          <Button name="actie" value="volgende">
            {n === total ? 'Naar overzicht' : 'Volgende'}
          </Button>
          <Button variant="secondary" name="actie" value="vorige">
            Vorige
          </Button>
          <Button variant="subtle" name="actie" value="opslaan">
            Opslaan en later verdergaan
          </Button>
        </div>
      </form>
    </Page>
  );
}

/** A page of a submitted response that can no longer change: the answers, no form. */
function ReadOnlyPage({ ctx, link, form, n }: { ctx: PageContext; link: OpenLink; form: RespondentForm; n: number }) {
  const base = `${RESPONDENT_PATH}/${tokenOf(ctx)}`;
  const section = form.sections[n - 1]!;
  const total = form.sections.length;
  return (
    <Page ctx={ctx} title={`Stap ${n} van ${total}: ${section.title} – ${link.edition.title}`}>
      <EditionCaption edition={link.edition} />
      <Steps form={form} current={n} progress={sectionProgress(form)} />
      <Heading>{section.title}</Heading>
      <SubmittedNotice link={link} editable={false} />
      <SectionAnswers section={section} form={form} answers={form.answers} visible={visibleQuestions(form.questions, form.answers)} />
      <ul class="action-list">
        <li>{n > 1 ? <Link href={`${base}/pagina/${n - 1}`}>Vorige pagina</Link> : <Link href={base}>Naar het begin</Link>}</li>
        <li>{n < total ? <Link href={`${base}/pagina/${n + 1}`}>Volgende pagina</Link> : <Link href={`${base}/samenvatting`}>Naar overzicht</Link>}</li>
      </ul>
    </Page>
  );
}

/** A change refused: the response is submitted and the edition allows no changes. Nothing changed. */
function RefusedPage({ ctx, link }: { ctx: PageContext; link: OpenLink }) {
  const base = `${RESPONDENT_PATH}/${tokenOf(ctx)}`;
  return (
    <Page ctx={ctx} title="Wijzigen niet mogelijk">
      <EditionCaption edition={link.edition} />
      <Heading>Wijzigen niet mogelijk</Heading>
      <P>
        U heeft de vragenlijst ingediend op {fmtDateTime(link.response?.submittedAt)}. Bij deze benchmark kunnen antwoorden na het indienen niet meer worden gewijzigd. Er is
        niets veranderd.
      </P>
      <P>
        <Link href={`${base}/samenvatting`}>Bekijk uw antwoorden</Link>
      </P>
    </Page>
  );
}

// ---------------------------------------------------------------------------------------
// Summary, thanks, printed copy

function SummaryPage({ ctx, link, form, submitErrors }: { ctx: PageContext; link: OpenLink; form: RespondentForm; submitErrors?: ReturnType<typeof missingRequired> }) {
  const base = `${RESPONDENT_PATH}/${tokenOf(ctx)}`;
  const editable = canEdit(link);
  const submitted = link.response?.status === 'submitted';
  const visible = visibleQuestions(form.questions, form.answers);
  const missing = submitErrors ?? missingRequired(form, form.answers);
  const missingLink = (m: (typeof missing)[number]) => `${base}/pagina/${m.page}#${questionAnchor(m.question)}`;
  const missingItems = missing.map((m) => (
    <li class="utrecht-unordered-list__item">
      <a class="utrecht-link" href={missingLink(m)}>
        Vraag {form.numbers.get(m.question.code)}: {m.question.text} (stap {m.page}, {form.sections[m.page - 1]!.title})
      </a>
    </li>
  ));
  return (
    <Page ctx={ctx} title={`${submitErrors ? 'Fout: ' : ''}Controleren en indienen – ${link.edition.title}`}>
      <EditionCaption edition={link.edition} />
      <Steps form={form} current="summary" progress={sectionProgress(form)} />
      <Heading>Controleren en indienen</Heading>
      {submitErrors && (
        <div class="utrecht-alert utrecht-alert--error error-summary" role="alert" aria-labelledby="foutmelding-titel" tabIndex={-1} id="foutoverzicht">
          <h2 class="utrecht-heading-2" id="foutmelding-titel">
            U kunt nog niet indienen: {missing.length === 1 ? '1 verplichte vraag is' : `${missing.length} verplichte vragen zijn`} nog niet beantwoord
          </h2>
          <ul class="utrecht-unordered-list">{missingItems}</ul>
        </div>
      )}
      <SubmittedNotice link={link} editable={editable} />
      {!submitErrors && missing.length > 0 && editable && (
        <section class="bm-missing" aria-labelledby="open-vragen">
          <Heading level={2}>
            <span id="open-vragen">Nog niet beantwoord</span>
          </Heading>
          <P>Deze verplichte vragen moet u nog beantwoorden voordat u de vragenlijst kunt indienen:</P>
          <ul class="utrecht-unordered-list">{missingItems}</ul>
        </section>
      )}
      {!submitted && <P>Controleer uw antwoorden. Klopt er iets niet, kies dan ‘Wijzigen’ bij het onderdeel.</P>}
      {form.sections.map((s, i) => (
        <section class="bm-summary-section" aria-labelledby={`sectie-${i + 1}`}>
          <Heading level={2}>
            <span id={`sectie-${i + 1}`}>
              Stap {i + 1}: {s.title}
            </span>
          </Heading>
          <SectionAnswers section={s} form={form} answers={form.answers} visible={visible} />
          {editable && (
            <P>
              <Link href={`${base}/pagina/${i + 1}`}>
                Wijzigen<span class="visually-hidden"> (stap {i + 1}, {s.title})</span>
              </Link>
            </P>
          )}
        </section>
      ))}
      {!submitted ? (
        <form method="post" action={`${base}/samenvatting`} class="form">
          <CsrfField token={ctx.csrfToken} />
          <P>Na het indienen kunt u uw antwoorden {link.edition.allowChangesAfterSubmit ? `nog wijzigen ${closingText(link.edition)}` : 'niet meer wijzigen'}.</P>
          <div class="form-actions">
            <Button>Vragenlijst indienen</Button>
          </div>
        </form>
      ) : (
        <ul class="action-list">
          <li>
            <Link href={`${base}/antwoorden`}>Afdrukbare versie van uw antwoorden</Link>
          </li>
        </ul>
      )}
    </Page>
  );
}

function SubmittedPage({ ctx, link, munis }: { ctx: PageContext; link: OpenLink; munis: Municipality[] }) {
  const base = `${RESPONDENT_PATH}/${tokenOf(ctx)}`;
  const primary = munis[0];
  return (
    <Page ctx={ctx} title={`Bedankt – ${link.edition.title}`}>
      <EditionCaption edition={link.edition} />
      <Heading>Bedankt voor het invullen</Heading>
      <Alert kind="success">Uw vragenlijst is ingediend op {fmtDateTime(link.response?.submittedAt)}.</Alert>
      <P>{municipalitySentence(munis)}</P>
      {canEdit(link) && (
        <P>
          U kunt uw antwoorden nog wijzigen {closingText(link.edition)} via <Link href={`${base}/samenvatting`}>het overzicht van uw antwoorden</Link>.
        </P>
      )}
      <ul class="utrecht-unordered-list">
        <li class="utrecht-unordered-list__item">
          <Link href={`${base}/antwoorden`}>Uw antwoorden bekijken, afdrukken of opslaan als pdf</Link>
        </li>
        <li class="utrecht-unordered-list__item">
          <Link href={`${base}/antwoorden.pdf`}>Uw antwoorden downloaden als pdf</Link>
        </li>
        {primary && (
          <li class="utrecht-unordered-list__item">
            <Link href={`${base}/dashboard`}>De uitkomsten van {primary.name} naast die van andere gemeenten</Link> (voorlopig tot de publicatie; na de sluiting
            vindt u ze op <Link href={`/benchmark/${link.edition.year}/gemeenten/${primary.cbsCode}`}>het dashboard van uw gemeente</Link>, inloggen nodig).
          </li>
        )}
      </ul>
    </Page>
  );
}

function PrintPage({ ctx, link, form, munis }: { ctx: PageContext; link: OpenLink; form: RespondentForm; munis: Municipality[] }) {
  const base = `${RESPONDENT_PATH}/${tokenOf(ctx)}`;
  const r = link.response;
  const visible = visibleQuestions(form.questions, form.answers);
  return (
    <Page ctx={ctx} title={`Uw antwoorden – ${link.edition.title}`}>
      <Heading>Uw antwoorden: {link.edition.title}</Heading>
      <SummaryList
        items={[
          ['Gemeente', munis[0]?.name],
          ...(munis.length > 1 ? ([['Ook namens', nlList(munis.slice(1).map((m) => m.name))]] as [string, ComponentChildren][]) : []),
          ['Status', r?.status === 'submitted' ? `Ingediend op ${fmtDateTime(r.submittedAt)}` : r ? 'Nog niet ingediend' : 'Nog niet begonnen'],
          ...(r && r.status === 'submitted' && r.updatedAt > (r.submittedAt ?? r.updatedAt) ? ([['Laatst gewijzigd', fmtDateTime(r.updatedAt)]] as [string, ComponentChildren][]) : []),
          ['Afgedrukt op', fmtDateTime(new Date())],
        ]}
      />
      <div class="bm-no-print">
        <P>
          Afdrukken of opslaan als pdf: gebruik de afdrukfunctie van uw browser (Ctrl+P, of ⌘+P op een Mac) en kies als printer ‘Opslaan als pdf’. Knoppen en menu’s worden
          niet afgedrukt.
        </P>
        <p class="utrecht-paragraph">
          <button class="utrecht-button utrecht-button--secondary-action" type="button" data-print="true" hidden>
            Afdrukken of opslaan als pdf
          </button>
        </p>
        <P>
          <Link href={`${base}/antwoorden.pdf`}>Download uw antwoorden als pdf-bestand</Link>
        </P>
        <P>
          <Link href={r?.status === 'submitted' ? `${base}/ingediend` : base}>Terug</Link>
        </P>
      </div>
      {form.sections.map((s, i) => (
        <section class="bm-print-section" aria-labelledby={`sectie-${i + 1}`}>
          <Heading level={2}>
            <span id={`sectie-${i + 1}`}>
              {i + 1}. {s.title}
            </span>
          </Heading>
          <SectionAnswers section={s} form={form} answers={form.answers} visible={visible} />
        </section>
      ))}
    </Page>
  );
}

// ---------------------------------------------------------------------------------------
// Routes

type Intent = 'volgende' | 'vorige' | 'opslaan';

export async function respondentRoutes(app: FastifyInstance) {
  const { config } = app.ctx;
  const db = app.ctx.database.db;
  const helpdesk = config.helpdeskEmail;
  const P_ = RESPONDENT_PATH;

  // One budget per IP for all questionnaire pages: generous for someone filling in (a page is a
  // GET and a POST), tight enough to stop anyone probing links.
  app.addHook('onRequest', app.rateLimit({ max: Math.max(30, config.rateLimitPerMinute * 6), timeWindow: '1 minute' }));
  // The token is in the URL: keep it out of search engines and out of Referer headers.
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-robots-tag', 'noindex, nofollow');
    reply.header('referrer-policy', 'no-referrer');
    return payload;
  });

  const tokenParam = (req: FastifyRequest) => String((req.params as { token?: string }).token ?? '');

  /** The open link, or null after sending the page for an unknown, revoked, not yet open or closed link. */
  async function openLink(req: FastifyRequest, reply: FastifyReply): Promise<OpenLink | null> {
    const link = await resolveLink(db, tokenParam(req));
    if (link.state === 'open') return link;
    const status = LINK_STATUS[link.state];
    reply.page({ title: 'Vragenlijst', status }, (ctx) => <LinkProblemPage ctx={ctx} link={link} helpdesk={helpdesk} />);
    return null;
  }

  function pageNumber(req: FastifyRequest, form: RespondentForm): number {
    const raw = String((req.params as { n?: string }).n ?? '');
    const n = /^\d{1,4}$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isInteger(n) || n < 1 || n > form.sections.length) throw new NotFoundError('Deze pagina van de vragenlijst bestaat niet.');
    return n;
  }

  const refused = (reply: FastifyReply, link: OpenLink) => reply.page({ title: 'Wijzigen niet mogelijk', status: 409 }, (ctx) => <RefusedPage ctx={ctx} link={link} />);

  app.get(`${P_}/:token`, async (req, reply) => {
    const link = await openLink(req, reply);
    if (!link) return reply;
    const [form, munis] = await Promise.all([loadRespondentForm(db, link), linkMunicipalities(db, link)]);
    return reply.page({ title: link.edition.title }, (ctx) => <StartPage ctx={ctx} link={link} form={form} munis={munis} helpdesk={helpdesk} />);
  });

  app.get(`${P_}/:token/pagina/:n`, async (req, reply) => {
    const link = await openLink(req, reply);
    if (!link) return reply;
    const form = await loadRespondentForm(db, link);
    const n = pageNumber(req, form);
    if (!canEdit(link)) return reply.page({ title: form.sections[n - 1]!.title }, (ctx) => <ReadOnlyPage ctx={ctx} link={link} form={form} n={n} />);
    const values: FormValues = {};
    for (const q of form.sections[n - 1]!.questions) Object.assign(values, answerToFormValues(q, form.answers.get(q.code) ?? null));
    return reply.page({ title: form.sections[n - 1]!.title }, (ctx) => (
      <QuestionPage ctx={ctx} v={{ link, form, n, values, errors: new Map(), answers: form.answers }} />
    ));
  });

  app.post(`${P_}/:token/pagina/:n`, async (req, reply) => {
    const link = await openLink(req, reply);
    if (!link) return reply;
    const form = await loadRespondentForm(db, link);
    const n = pageNumber(req, form);
    if (!canEdit(link)) return refused(reply, link);
    const values = toFormValues(formValues(req.body));
    const intent: Intent = values.actie === 'vorige' || values.actie === 'opslaan' ? values.actie : 'volgende';
    const total = form.sections.length;
    const base = `${P_}/${tokenParam(req)}`;
    const target = intent === 'vorige' ? (n > 1 ? `${base}/pagina/${n - 1}` : base) : intent === 'opslaan' ? base : n < total ? `${base}/pagina/${n + 1}` : `${base}/samenvatting`;
    const nextPage = intent === 'vorige' ? Math.max(1, n - 1) : intent === 'opslaan' ? n : n + 1;
    const result = await savePage(db, respondentActor(link, req), link, form, n, values, { requireComplete: intent === 'volgende', nextPage });

    if (result.errors.size) {
      const notice = !result.saved ? (
        <Alert kind="warning">Er is niets gewijzigd: uw ingediende vragenlijst moet volledig blijven. Verbeter de fouten en probeer het opnieuw.</Alert>
      ) : (
        <Alert kind="info">Uw andere antwoorden op deze pagina zijn opgeslagen. Antwoorden met een fout zijn nog niet opgeslagen.</Alert>
      );
      // The posted values come back as typed (also invalid ones); stored answers of other pages stay.
      return reply.page({ title: 'Fout', status: 422 }, (ctx) => (
        <QuestionPage ctx={ctx} v={{ link, form, n, values, errors: result.errors, answers: result.current, notice }} />
      ));
    }
    const firstMissing = result.missingElsewhere[0];
    if (firstMissing) {
      reply.flash('warning', `Uw wijziging is opgeslagen. Door die wijziging is vraag ${form.numbers.get(firstMissing.question.code)} nu ook van toepassing; beantwoord die vraag zodat uw ingediende vragenlijst volledig is.`);
      return reply.redirect(`${base}/pagina/${firstMissing.page}#${questionAnchor(firstMissing.question)}`, 303);
    }
    if (intent === 'opslaan') {
      reply.flash('success', 'Uw antwoorden zijn opgeslagen. U kunt de vragenlijst sluiten en later via de link in uw e-mail verdergaan waar u was.');
    }
    return reply.redirect(target, 303);
  });

  app.get(`${P_}/:token/samenvatting`, async (req, reply) => {
    const link = await openLink(req, reply);
    if (!link) return reply;
    const form = await loadRespondentForm(db, link);
    return reply.page({ title: 'Controleren en indienen' }, (ctx) => <SummaryPage ctx={ctx} link={link} form={form} />);
  });

  app.post(`${P_}/:token/samenvatting`, async (req, reply) => {
    const link = await openLink(req, reply);
    if (!link) return reply;
    if (!canEdit(link)) return refused(reply, link);
    const form = await loadRespondentForm(db, link);
    const result = await submitResponse(db, respondentActor(link, req), link, form);
    if (!result.ok) {
      return reply.page({ title: 'Fout', status: 422 }, (ctx) => <SummaryPage ctx={ctx} link={link} form={form} submitErrors={result.missing} />);
    }
    return reply.redirect(`${P_}/${tokenParam(req)}/ingediend`, 303);
  });

  app.get(`${P_}/:token/ingediend`, async (req, reply) => {
    const link = await openLink(req, reply);
    if (!link) return reply;
    if (link.response?.status !== 'submitted') return reply.redirect(`${P_}/${tokenParam(req)}/samenvatting`, 303);
    const munis = await linkMunicipalities(db, link);
    return reply.page({ title: 'Bedankt' }, (ctx) => <SubmittedPage ctx={ctx} link={link} munis={munis} />);
  });

  // The municipality's dashboard through the personal link, once the respondent has submitted:
  // the same view and the same suppression as for a logged-in coordinator, for the primary
  // municipality only, and only while the link works.
  app.get(`${P_}/:token/dashboard`, async (req, reply) => {
    const link = await openLink(req, reply);
    if (!link) return reply;
    if (link.response?.status !== 'submitted') return reply.redirect(`${P_}/${tokenParam(req)}/samenvatting`, 303);
    const results = await municipalityResults(db, link.edition, link.response.municipalityId, { suppress: true });
    const title = `Benchmark ${link.edition.year}: ${results.municipality.name}`;
    return reply.page({ title }, (ctx) => (
      <Page ctx={ctx} title={title}>
        <Heading>{title}</Heading>
        <P>
          <Link href={`${P_}/${tokenParam(req)}/ingediend`}>Terug naar uw vragenlijst</Link>
        </P>
        <MunicipalityDashboardView results={results} published={link.edition.status === 'published'} />
      </Page>
    ));
  });

  app.get(`${P_}/:token/antwoorden`, async (req, reply) => {
    const link = await openLink(req, reply);
    if (!link) return reply;
    const [form, munis] = await Promise.all([loadRespondentForm(db, link), linkMunicipalities(db, link)]);
    return reply.page({ title: 'Uw antwoorden' }, (ctx) => <PrintPage ctx={ctx} link={link} form={form} munis={munis} />);
  });
}
