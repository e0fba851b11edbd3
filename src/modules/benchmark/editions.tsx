import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ComponentChildren } from 'preact';
import { Page, type PageContext } from '../../platform/views/layout.js';
import {
  Alert,
  Button,
  ButtonLink,
  CheckboxGroup,
  CsrfField,
  DataTable,
  ErrorSummary,
  FileField,
  Heading,
  Link,
  P,
  SummaryList,
  TextArea,
  TextField,
  type Column,
  type FieldErrors,
  type FormState,
} from '../../platform/views/components.js';
import { formValues } from '../../platform/http/forms.js';
import { NotFoundError } from '../../platform/http/errors.js';
import { can, type Principal } from '../../platform/access.js';
import { audit } from '../../platform/audit.js';
import { nlDate } from '../registry/ui.js';
import { uploadedFile } from '../registry/tabular-views.js';
import { EDITION_STATUS_LABELS, EDITION_STATUSES, exportDefinition, listEditions, loadQuestionnaire, type Edition, type EditionStatus } from './service.js';
import {
  allowedTransitions,
  changeStatus,
  createEdition,
  dashboardMunicipalities,
  deleteEdition,
  deleteProblems,
  EDITION_FIELD_LABELS,
  parseEditionForm,
  editionStats,
  replaceProblems,
  replaceQuestionnaire,
  responseCountsByEdition,
  settingsFormValues,
  TRANSITION_LABELS,
  transitionExplanation,
  transitionProblems,
  updateEditionSettings,
} from './editions-service.js';
import { importDefinitionAsEdition, importResponses, parseDefinition, RESPONSES_FORMAT, type ImportProblem } from './import-service.js';
import { BENCHMARK, Blocked, EDITIONS, editionCrumbs, editionPath, loadEdition, QuestionnaireOverview, questionEditorRoutes } from './question-editor.js';

/**
 * The benchmark landing page (/benchmark, everyone with 'benchmark:report') and the management
 * of editions (programme team, 'benchmark:manage'): list, create (a copy of the latest
 * questionnaire by default), settings, status changes, soft delete, the questionnaire as JSON
 * (export, import as a new edition, replace a draft's) and the import of a past edition's
 * responses. The questionnaire editor is in question-editor.tsx.
 */

const statusText = (s: string) => EDITION_STATUS_LABELS[s as EditionStatus] ?? s;
const dateText = (d: string | null) => nlDate(d) ?? '—';
const period = (e: Edition) => (e.opensOn || e.closesOn ? `${dateText(e.opensOn)} t/m ${dateText(e.closesOn)}` : 'Nog geen data');
const isManager = (p: Principal) => can(p, 'benchmark:manage');

const NOT_ACCOUNTABILITY =
  'De benchmark laat elk jaar zien waar gemeenten staan in hun aanpak van eenzaamheid, langs de vijf pijlers en de actielijnen van het programma. Hij is uitdrukkelijk geen afrekeninstrument: de benchmark geeft inzicht, laat zien wat werkt en helpt gemeenten om van elkaar te leren.';

/** Every problem of a failed import, in a table. */
function ProblemTable({ problems, caption, whereLabel }: { problems: ImportProblem[]; caption: string; whereLabel: string }) {
  const columns: Column<ImportProblem>[] = [
    { key: 'where', label: whereLabel, render: (p) => p.where },
    { key: 'field', label: 'Veld of code', render: (p) => (p.field ? <code>{p.field}</code> : '—') },
    { key: 'reason', label: 'Probleem', render: (p) => p.reason },
  ];
  return <DataTable caption={caption} columns={columns} rows={problems} base="#" query={{ page: 1, pageSize: problems.length || 1 }} />;
}

function FailedImport({ problems, filename }: { problems: ImportProblem[]; filename?: string }) {
  if (!problems.length) return null;
  return (
    <section aria-labelledby="problemen-titel">
      <div class="utrecht-alert utrecht-alert--error" role="alert">
        <h2 class="utrecht-heading-2" id="problemen-titel">
          Niets geïmporteerd: {problems.length === 1 ? '1 probleem' : `${problems.length} problemen`} in {filename ?? 'het bestand'}
        </h2>
        <p class="utrecht-paragraph">Er is niets opgeslagen. Verbeter alle problemen hieronder en upload het hele bestand opnieuw.</p>
      </div>
      <ProblemTable problems={problems} caption="Problemen" whereLabel="Plaats" />
    </section>
  );
}

export async function editionRoutes(app: FastifyInstance) {
  const db = app.ctx.database.db;

  // ----- landing page -----
  app.get(BENCHMARK, async (req, reply) => {
    const p = req.authorize('benchmark:report');
    const manager = isManager(p);
    const all = await listEditions(db);
    const editions = manager ? all : all.filter((e) => e.status !== 'draft');
    const munis = manager ? [] : (await dashboardMunicipalities(db, p)).filter((m) => can(p, 'benchmark:municipality', { municipalityId: m.id }));
    const adminColumns: Column<Edition>[] = [
      { key: 'year', label: 'Jaar', render: (e) => <Link href={editionPath(e)}>{e.year}</Link> },
      { key: 'title', label: 'Titel', render: (e) => e.title },
      { key: 'status', label: 'Status', render: (e) => statusText(e.status) },
      { key: 'period', label: 'Looptijd', render: (e) => period(e) },
      {
        key: 'links',
        label: 'Beheer en resultaten',
        render: (e) => (
          <ul class="plain-list">
            <li>
              <Link href={editionPath(e)}>Meetmoment en vragenlijst beheren ({e.year})</Link>
            </li>
            {!e.imported && (
              <li>
                <Link href={`${editionPath(e)}/uitnodigingen`}>Uitnodigingen ({e.year})</Link>
              </li>
            )}
            {!e.imported && (
              <li>
                <Link href={`${editionPath(e)}/respons`}>Responsmonitor ({e.year})</Link>
              </li>
            )}
            {e.status !== 'draft' && (
              <li>
                <Link href={`${BENCHMARK}/${e.year}/resultaten`}>Landelijke resultaten {e.year}</Link>
              </li>
            )}
            {e.status !== 'draft' && (
              <li>
                Ruwe antwoorden {e.year}: <Link href={`${BENCHMARK}/${e.year}/antwoorden.csv`}>CSV</Link> · <Link href={`${BENCHMARK}/${e.year}/antwoorden.xlsx`}>Excel</Link>
              </li>
            )}
          </ul>
        ),
      },
    ];
    const userColumns: Column<Edition>[] = [
      { key: 'year', label: 'Jaar', render: (e) => e.year },
      { key: 'title', label: 'Titel', render: (e) => e.title },
      { key: 'status', label: 'Status', render: (e) => statusText(e.status) },
      { key: 'period', label: 'Looptijd', render: (e) => period(e) },
      {
        key: 'links',
        label: 'Resultaten',
        render: (e) => (
          <ul class="plain-list">
            {munis.map((m) => (
              <li>
                <Link href={`${BENCHMARK}/${e.year}/gemeenten/${m.cbsCode}`}>
                  Dashboard {m.name} {e.year}
                </Link>
              </li>
            ))}
            {e.status === 'published' ? (
              <li>
                <Link href={`${BENCHMARK}/${e.year}/rapport.pdf`}>Landelijk rapport {e.year} (PDF)</Link>
              </li>
            ) : (
              <li class="muted">Het landelijke rapport verschijnt na publicatie.</li>
            )}
          </ul>
        ),
      },
    ];
    return reply.page({ title: 'Benchmark' }, (ctx) => (
      <Page ctx={ctx} title="Benchmark" crumbs={[{ href: '/beheer', label: 'Overzicht' }, { label: 'Benchmark' }]}>
        <Heading>Benchmark Eén tegen eenzaamheid</Heading>
        <P>{NOT_ACCOUNTABILITY}</P>
        {manager ? (
          <>
            <ul class="action-list">
              <li>
                <ButtonLink href={`${EDITIONS}/nieuw`} variant="primary">
                  Nieuw meetmoment
                </ButtonLink>
              </li>
              <li>
                <Link href={EDITIONS}>Alle meetmomenten beheren</Link>
              </li>
              <li>
                <Link href={`${EDITIONS}/vragenlijst-importeren`}>Vragenlijst importeren (JSON)</Link>
              </li>
            </ul>
            <DataTable caption="Meetmomenten" columns={adminColumns} rows={editions} base={BENCHMARK} query={{ page: 1, pageSize: editions.length || 1 }} empty="Er is nog geen meetmoment." />
          </>
        ) : (
          <>
            {munis.length === 0 && <Alert kind="info">Er is nog geen gemeente aan uw account gekoppeld. Vraag het programmateam om uw account te koppelen.</Alert>}
            <P>U ziet de resultaten van uw eigen {munis.length === 1 ? 'gemeente' : 'gemeenten'} naast die van alle deelnemende gemeenten. Antwoorden van andere gemeenten ziet u nooit afzonderlijk.</P>
            <DataTable caption="Meetmomenten" columns={userColumns} rows={editions} base={BENCHMARK} query={{ page: 1, pageSize: editions.length || 1 }} empty="Er is nog geen meetmoment gestart." />
          </>
        )}
      </Page>
    ));
  });

  // ----- list -----
  app.get(EDITIONS, async (req, reply) => {
    req.authorize('benchmark:manage');
    const [editions, counts] = await Promise.all([listEditions(db), responseCountsByEdition(db)]);
    const columns: Column<Edition>[] = [
      { key: 'year', label: 'Jaar', render: (e) => <Link href={editionPath(e)}>{e.year}</Link> },
      { key: 'title', label: 'Titel', render: (e) => e.title },
      { key: 'status', label: 'Status', render: (e) => `${statusText(e.status)}${e.imported ? ' (geïmporteerd)' : ''}` },
      { key: 'opensOn', label: 'Opent op', render: (e) => dateText(e.opensOn) },
      { key: 'closesOn', label: 'Sluit op', render: (e) => dateText(e.closesOn) },
      { key: 'responses', label: 'Ingediend', numeric: true, render: (e) => counts.get(e.id)?.submitted ?? 0 },
      { key: 'started', label: 'Begonnen, niet ingediend', numeric: true, render: (e) => (counts.get(e.id)?.responses ?? 0) - (counts.get(e.id)?.submitted ?? 0) },
    ];
    return reply.page({ title: 'Meetmomenten' }, (ctx) => (
      <Page ctx={ctx} title="Meetmomenten" crumbs={editionCrumbs(null).slice(0, 1).concat({ label: 'Meetmomenten' })}>
        <Heading>Meetmomenten</Heading>
        <P>Elk jaar één meetmoment met een eigen vragenlijst. Een nieuw meetmoment begint met een kopie van de laatste vragenlijst, zodat de vragen en codes vergelijkbaar blijven.</P>
        <ul class="action-list">
          <li>
            <ButtonLink href={`${EDITIONS}/nieuw`} variant="primary">
              Nieuw meetmoment
            </ButtonLink>
          </li>
          <li>
            <Link href={`${EDITIONS}/vragenlijst-importeren`}>Vragenlijst importeren (JSON)</Link>
          </li>
        </ul>
        <DataTable caption="Meetmomenten" columns={columns} rows={editions} base={EDITIONS} query={{ page: 1, pageSize: editions.length || 1 }} empty="Er is nog geen meetmoment." />
      </Page>
    ));
  });

  // ----- create -----
  const settingsFields = (form: FormState, yearEditable: boolean, year?: number) => (
    <>
      {yearEditable ? (
        <TextField name="year" label={EDITION_FIELD_LABELS.year!} form={form} required width="xs" inputmode="numeric" hint="Elk jaar heeft één meetmoment." />
      ) : (
        <P>
          <strong>Jaar:</strong> {year} (ligt vast zodra het meetmoment open is geweest)
        </P>
      )}
      <TextField name="title" label={EDITION_FIELD_LABELS.title!} form={form} required hint="Bijvoorbeeld: Benchmark Eén tegen eenzaamheid 2025." />
      <TextArea name="intro" label={EDITION_FIELD_LABELS.intro!} form={form} rows={4} hint="Tekst op de eerste pagina van de vragenlijst." />
      <TextField name="opensOn" label={EDITION_FIELD_LABELS.opensOn!} form={form} type="date" hint="Nodig om het meetmoment te openen." />
      <TextField name="closesOn" label={EDITION_FIELD_LABELS.closesOn!} form={form} type="date" hint="De persoonlijke links werken tot en met deze dag." />
      <CheckboxGroup required
        name="allowChangesAfterSubmit"
        label={EDITION_FIELD_LABELS.allowChangesAfterSubmit!}
        form={form}
        options={[{ value: 'ja', label: 'Respondenten mogen hun antwoorden na indienen nog wijzigen, tot het meetmoment sluit' }]}
      />
      <TextField
        name="reminderDays"
        label={EDITION_FIELD_LABELS.reminderDays!}
        form={form}
        width="s"
        hint="Aantal dagen vóór de sluitingsdatum waarop wie nog niet klaar is een herinnering krijgt, met komma's ertussen, zoals 14, 7, 2. Leeg: geen herinneringen."
      />
    </>
  );

  const newPage = async (reply: FastifyReply, form: FormState, status?: number) => {
    const latest = (await listEditions(db))[0];
    return reply.page({ title: 'Nieuw meetmoment', status }, (ctx) => (
      <Page ctx={ctx} title="Nieuw meetmoment" crumbs={editionCrumbs(null, { label: 'Nieuw' })}>
        <Heading>Nieuw meetmoment</Heading>
        <ErrorSummary errors={form.errors} labels={EDITION_FIELD_LABELS} />
        <form method="post" action={`${EDITIONS}/nieuw`} class="form" novalidate>
          <CsrfField token={ctx.csrfToken} />
          {settingsFields(form, true)}
          <CheckboxGroup required
            name="leeg"
            label={EDITION_FIELD_LABELS.leeg!}
            form={form}
            options={[{ value: 'ja', label: 'Leeg beginnen, zonder vragen' }]}
            hint={
              latest
                ? `Zonder dit vinkje begint het meetmoment met een kopie van de vragenlijst van ${latest.year} (${latest.title}): dezelfde secties, vragen en codes, zodat de antwoorden vergelijkbaar blijven. Markeringen "niet vergelijkbaar" worden niet overgenomen.`
                : 'Er is nog geen eerder meetmoment: het nieuwe meetmoment begint leeg.'
            }
          />
          <div class="form-actions">
            <Button>Meetmoment aanmaken</Button>
            <Link href={EDITIONS}>Annuleren</Link>
          </div>
        </form>
      </Page>
    ));
  };

  app.get(`${EDITIONS}/nieuw`, async (req, reply) => {
    req.authorize('benchmark:manage');
    const latest = (await listEditions(db))[0];
    const year = Math.max(new Date().getFullYear(), (latest?.year ?? 0) + 1);
    return newPage(reply, { values: { year: String(year), title: `Benchmark Eén tegen eenzaamheid ${year}`, reminderDays: '14, 7, 2', allowChangesAfterSubmit: 'ja' }, errors: {} });
  });

  app.post(`${EDITIONS}/nieuw`, async (req, reply) => {
    req.authorize('benchmark:manage');
    const values = formValues(req.body);
    const parsed = parseEditionForm(values);
    let errors: FieldErrors = parsed.ok ? {} : parsed.errors;
    if (parsed.ok) {
      const r = await createEdition(db, req.auditCtx(), parsed.data);
      if (r.ok) {
        reply.flash('success', r.copiedFrom ? `Meetmoment ${r.edition.year} is aangemaakt met een kopie van de vragenlijst van ${r.copiedFrom.year}.` : `Meetmoment ${r.edition.year} is aangemaakt met een lege vragenlijst.`);
        return reply.redirect(editionPath(r.edition), 303);
      }
      errors = r.errors;
    }
    return newPage(reply, { values, errors }, 422);
  });

  // ----- JSON import as a new edition (static path: registered before /:id) -----
  const IMPORT_DEF = `${EDITIONS}/vragenlijst-importeren`;
  const importDefPage = (reply: FastifyReply, form: FormState, opts: { problems?: ImportProblem[]; filename?: string; status?: number } = {}) =>
    reply.page({ title: 'Vragenlijst importeren', status: opts.status }, (ctx) => (
      <Page ctx={ctx} title="Vragenlijst importeren" crumbs={editionCrumbs(null, { label: 'Vragenlijst importeren' })}>
        <Heading>Vragenlijst importeren</Heading>
        <ErrorSummary errors={form.errors} labels={{ bestand: 'Bestand', year: 'Jaar', imported: 'Eerder meetmoment' }} />
        <FailedImport problems={opts.problems ?? []} filename={opts.filename} />
        <P>
          Maak een nieuw meetmoment (concept) met de vragenlijst uit een JSON-bestand in het formaat <code>ete-benchmark-questionnaire/1</code>, zoals de export van een
          ander meetmoment. Het formaat staat beschreven in docs/benchmark.md. Het hele bestand wordt gecontroleerd; bij een probleem wordt niets aangemaakt en ziet u elk
          probleem met de plaats in het bestand (zoals <code>sections[2].questions[4].options</code>; tellen begint bij 0).
        </P>
        <form method="post" action={IMPORT_DEF} enctype="multipart/form-data" class="form" novalidate>
          <CsrfField token={ctx.csrfToken} />
          <FileField name="bestand" label="Vragenlijst (JSON)" accept=".json,application/json" form={form} />
          <TextField name="year" label="Jaar" form={form} width="xs" inputmode="numeric" hint="Leeg: het jaar uit het bestand." />
          <CheckboxGroup required
            name="imported"
            label="Eerder meetmoment"
            form={form}
            options={[{ value: 'ja', label: 'Dit is een eerder meetmoment uit een ander systeem; daarna importeer ik de antwoorden' }]}
            hint="Een geïmporteerd meetmoment heeft geen uitnodigingen en kan van concept direct naar gesloten."
          />
          <div class="form-actions">
            <Button>Importeren</Button>
            <Link href={EDITIONS}>Annuleren</Link>
          </div>
        </form>
      </Page>
    ));

  app.get(IMPORT_DEF, async (req, reply) => {
    req.authorize('benchmark:manage');
    return importDefPage(reply, { values: {}, errors: {} });
  });

  app.post(IMPORT_DEF, async (req, reply) => {
    req.authorize('benchmark:manage');
    const values = formValues(req.body);
    const form = (errors: FieldErrors) => ({ values: { year: values.year, imported: values.imported }, errors });
    const yearText = typeof values.year === 'string' ? values.year.trim() : '';
    const year = yearText ? Number(yearText) : undefined;
    const errors: FieldErrors = {};
    if (yearText && !(/^\d{4}$/.test(yearText) && year! >= 2000 && year! <= 2100)) errors.year = 'Vul een jaar tussen 2000 en 2100 in, of laat het veld leeg.';
    const file = await uploadedFile(req.body);
    if (!file) errors.bestand = 'Kies een JSON-bestand dat niet leeg is.';
    if (Object.keys(errors).length) return importDefPage(reply, form(errors), { status: 422 });
    const parsed = parseDefinition(file!.content.toString('utf8'));
    if (!parsed.ok) return importDefPage(reply, form({}), { problems: parsed.problems, filename: file!.filename, status: 422 });
    const r = await importDefinitionAsEdition(db, req.auditCtx(), parsed.def, { year, imported: values.imported === 'ja', filename: file!.filename });
    if (!r.ok) return importDefPage(reply, form({}), { problems: r.problems, filename: file!.filename, status: 422 });
    reply.flash('success', `Meetmoment ${r.edition.year} is aangemaakt met de vragenlijst uit ${file!.filename}.`);
    return reply.redirect(editionPath(r.edition), 303);
  });

  // ----- detail -----
  app.get(`${EDITIONS}/:id`, async (req, reply) => {
    const e = await loadEdition(app, req);
    const [stats, sections, delReasons, replaceReasons] = await Promise.all([editionStats(db, e.id), loadQuestionnaire(db, e.id), deleteProblems(db, e), replaceProblems(db, e)]);
    const transitions = allowedTransitions(e);
    const base = editionPath(e);
    return reply.page({ title: e.title }, (ctx) => (
      <Page ctx={ctx} title={e.title} crumbs={editionCrumbs(null, { label: e.title })}>
        <Heading>{e.title}</Heading>
        <SummaryList
          items={[
            ['Jaar', String(e.year)],
            ['Status', `${statusText(e.status)}${e.imported ? ' (geïmporteerd uit een eerder systeem)' : ''}`],
            ['Opent op', dateText(e.opensOn)],
            ['Sluit op', dateText(e.closesOn)],
            ['Gepubliceerd op', e.publishedAt ? nlDate(e.publishedAt.toISOString().slice(0, 10)) : null],
            ['Antwoorden wijzigen na indienen', e.allowChangesAfterSubmit ? 'Ja, tot het meetmoment sluit' : 'Nee'],
            ['Herinneringen', e.reminderDays.length ? `${e.reminderDays.join(', ')} dagen voor sluiting` : 'Geen'],
            ['Uitnodigingen', String(stats.invitations)],
            ['Responsen', `${stats.submitted} ingediend, ${stats.responses - stats.submitted} begonnen`],
            ['Inleiding', e.intro],
          ]}
        />
        <ul class="action-list">
          <li>
            <ButtonLink href={`${base}/bewerken`}>Instellingen bewerken</ButtonLink>
          </li>
          {transitions.map((to) => (
            <li>
              <ButtonLink href={`${base}/status?naar=${to}`}>{TRANSITION_LABELS[to]}</ButtonLink>
            </li>
          ))}
        </ul>
        <h2 class="utrecht-heading-2">Verder met dit meetmoment</h2>
        <ul class="utrecht-unordered-list">
          {!e.imported && (
            <li class="utrecht-unordered-list__item">
              <Link href={`${base}/uitnodigingen`}>Uitnodigingen en herinneringen</Link>
            </li>
          )}
          {!e.imported && (
            <li class="utrecht-unordered-list__item">
              <Link href={`${base}/respons`}>Responsmonitor</Link>
            </li>
          )}
          {e.status !== 'draft' && (
            <li class="utrecht-unordered-list__item">
              <Link href={`${BENCHMARK}/${e.year}/resultaten`}>Landelijke resultaten</Link>
            </li>
          )}
          <li class="utrecht-unordered-list__item">
            <Link href={`${base}/vragenlijst.json`}>Vragenlijst exporteren (JSON)</Link>
          </li>
          {replaceReasons.length === 0 && (
            <li class="utrecht-unordered-list__item">
              <Link href={`${base}/vragenlijst-vervangen`}>Vragenlijst vervangen door een JSON-bestand</Link>
            </li>
          )}
          {e.status !== 'published' && (
            <li class="utrecht-unordered-list__item">
              <Link href={`${base}/importeren`}>Antwoorden van een eerder meetmoment importeren (JSON of CSV)</Link>
            </li>
          )}
          {delReasons.length === 0 && (
            <li class="utrecht-unordered-list__item">
              <Link href={`${base}/verwijderen`}>Meetmoment verwijderen</Link>
            </li>
          )}
        </ul>
        <QuestionnaireOverview edition={e} sections={sections} csrf={ctx.csrfToken} />
      </Page>
    ));
  });

  // ----- settings -----
  const editPage = (reply: FastifyReply, e: Edition, form: FormState, status?: number) =>
    reply.page({ title: `${e.title} bewerken`, status }, (ctx) => (
      <Page ctx={ctx} title={`${e.title} bewerken`} crumbs={editionCrumbs(e, { label: 'Instellingen bewerken' })}>
        <Heading>Instellingen bewerken</Heading>
        <ErrorSummary errors={form.errors} labels={EDITION_FIELD_LABELS} />
        <form method="post" action={`${editionPath(e)}/bewerken`} class="form" novalidate>
          <CsrfField token={ctx.csrfToken} />
          {settingsFields(form, e.status === 'draft', e.year)}
          <div class="form-actions">
            <Button>Opslaan</Button>
            <Link href={editionPath(e)}>Annuleren</Link>
          </div>
        </form>
      </Page>
    ));

  app.get(`${EDITIONS}/:id/bewerken`, async (req, reply) => {
    const e = await loadEdition(app, req);
    return editPage(reply, e, { values: settingsFormValues(e), errors: {} });
  });

  app.post(`${EDITIONS}/:id/bewerken`, async (req, reply) => {
    const e = await loadEdition(app, req);
    const values = formValues(req.body);
    if (e.status !== 'draft') values.year = String(e.year);
    const parsed = parseEditionForm({ ...values, leeg: '' });
    let errors: FieldErrors = parsed.ok ? {} : parsed.errors;
    if (parsed.ok) {
      const r = await updateEditionSettings(db, req.auditCtx(), e, parsed.data);
      if (r.ok) {
        reply.flash('success', 'De instellingen zijn opgeslagen.');
        return reply.redirect(editionPath(e), 303);
      }
      errors = r.errors;
    }
    return editPage(reply, e, { values, errors }, 422);
  });

  // ----- status -----
  const targetOf = (req: FastifyRequest, values?: Record<string, unknown>): EditionStatus => {
    const v = values ? values.naar : (req.query as Record<string, unknown>).naar;
    if (typeof v !== 'string' || !(EDITION_STATUSES as readonly string[]).includes(v)) throw new NotFoundError();
    return v as EditionStatus;
  };
  const statusPage = (reply: FastifyReply, e: Edition, to: EditionStatus, reasons: string[], status?: number) => {
    const title = `${TRANSITION_LABELS[to]}: ${e.title}`;
    return reply.page({ title, status }, (ctx) => (
      <Page ctx={ctx} title={title} crumbs={editionCrumbs(e, { label: TRANSITION_LABELS[to] })}>
        <Heading>{title}</Heading>
        <P>
          Status nu: {statusText(e.status)}. Nieuwe status: {statusText(to)}.
        </P>
        {reasons.length ? (
          <>
            <Blocked reasons={reasons} edition={e} />
          </>
        ) : (
          <>
            <P>{transitionExplanation(e, to)}</P>
            <form method="post" action={`${editionPath(e)}/status`} class="form-actions" data-confirm={`${TRANSITION_LABELS[to]}?`}>
              <CsrfField token={ctx.csrfToken} />
              <input type="hidden" name="naar" value={to} />
              <Button>Ja, {TRANSITION_LABELS[to].toLowerCase()}</Button>
              <Link href={editionPath(e)}>Annuleren, terug</Link>
            </form>
          </>
        )}
      </Page>
    ));
  };

  app.get(`${EDITIONS}/:id/status`, async (req, reply) => {
    const e = await loadEdition(app, req);
    const to = targetOf(req);
    return statusPage(reply, e, to, await transitionProblems(db, e, to));
  });

  app.post(`${EDITIONS}/:id/status`, async (req, reply) => {
    const e = await loadEdition(app, req);
    const to = targetOf(req, formValues(req.body));
    const r = await changeStatus(db, req.auditCtx(), e.id, to);
    if (!r.ok) return statusPage(reply, e, to, r.reasons, 422);
    reply.flash('success', `Meetmoment ${e.year} heeft nu de status "${statusText(to)}".`);
    return reply.redirect(editionPath(e), 303);
  });

  // ----- delete -----
  const deletePage = (reply: FastifyReply, e: Edition, reasons: string[], status?: number) =>
    reply.page({ title: `${e.title} verwijderen`, status }, (ctx) => (
      <Page ctx={ctx} title={`${e.title} verwijderen`} crumbs={editionCrumbs(e, { label: 'Verwijderen' })}>
        <Heading>{e.title} verwijderen</Heading>
        {reasons.length ? (
          <>
            <Blocked reasons={reasons} edition={e} />
          </>
        ) : (
          <>
            <P>Het concept-meetmoment {e.year} en zijn vragenlijst worden verwijderd. Het jaar komt daarna vrij voor een nieuw meetmoment.</P>
            <form method="post" action={`${editionPath(e)}/verwijderen`} class="form-actions" data-confirm="Meetmoment verwijderen?">
              <CsrfField token={ctx.csrfToken} />
              <Button>Ja, verwijder dit meetmoment</Button>
              <Link href={editionPath(e)}>Annuleren, terug</Link>
            </form>
          </>
        )}
      </Page>
    ));

  app.get(`${EDITIONS}/:id/verwijderen`, async (req, reply) => {
    const e = await loadEdition(app, req);
    return deletePage(reply, e, await deleteProblems(db, e));
  });

  app.post(`${EDITIONS}/:id/verwijderen`, async (req, reply) => {
    const e = await loadEdition(app, req);
    const r = await deleteEdition(db, req.auditCtx(), e.id);
    if (!r.ok) return deletePage(reply, e, r.reasons, 409);
    reply.flash('success', `Meetmoment ${e.year} is verwijderd.`);
    return reply.redirect(EDITIONS, 303);
  });

  // ----- questionnaire as JSON -----
  app.get(`${EDITIONS}/:id/vragenlijst.json`, async (req, reply) => {
    const e = await loadEdition(app, req);
    const def = await exportDefinition(db, e);
    await audit(db, req.auditCtx(), { action: 'export', entity: 'benchmark_questionnaire', entityId: e.id, details: { year: e.year, format: 'json' } });
    return reply
      .header('content-type', 'application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="vragenlijst-${e.year}.json"`)
      .header('cache-control', 'no-store')
      .send(`${JSON.stringify(def, null, 2)}\n`);
  });

  const replacePage = (reply: FastifyReply, e: Edition, opts: { form: FormState; reasons: string[]; problems?: ImportProblem[]; filename?: string; status?: number }) =>
    reply.page({ title: 'Vragenlijst vervangen', status: opts.status }, (ctx) => (
      <Page ctx={ctx} title="Vragenlijst vervangen" crumbs={editionCrumbs(e, { label: 'Vragenlijst vervangen' })}>
        <Heading>Vragenlijst vervangen</Heading>
        <ErrorSummary errors={opts.form.errors} labels={{ bestand: 'Bestand' }} />
        <FailedImport problems={opts.problems ?? []} filename={opts.filename} />
        {opts.reasons.length ? (
          <>
            <Blocked reasons={opts.reasons} edition={e} />
          </>
        ) : (
          <>
            <P>
              De hele vragenlijst van {e.title} wordt vervangen door die uit een JSON-bestand (formaat <code>ete-benchmark-questionnaire/1</code>). Het jaar en de titel van
              het meetmoment blijven zoals ze zijn. Bij een probleem in het bestand verandert er niets.
            </P>
            <form method="post" action={`${editionPath(e)}/vragenlijst-vervangen`} enctype="multipart/form-data" class="form" novalidate>
              <CsrfField token={ctx.csrfToken} />
              <FileField name="bestand" label="Vragenlijst (JSON)" accept=".json,application/json" form={opts.form} />
              <div class="form-actions">
                <Button>Vragenlijst vervangen</Button>
                <Link href={editionPath(e)}>Annuleren</Link>
              </div>
            </form>
          </>
        )}
      </Page>
    ));

  app.get(`${EDITIONS}/:id/vragenlijst-vervangen`, async (req, reply) => {
    const e = await loadEdition(app, req);
    return replacePage(reply, e, { form: { values: {}, errors: {} }, reasons: await replaceProblems(db, e) });
  });

  app.post(`${EDITIONS}/:id/vragenlijst-vervangen`, async (req, reply) => {
    const e = await loadEdition(app, req);
    const file = await uploadedFile(req.body);
    if (!file) return replacePage(reply, e, { form: { values: {}, errors: { bestand: 'Kies een JSON-bestand dat niet leeg is.' } }, reasons: [], status: 422 });
    const parsed = parseDefinition(file.content.toString('utf8'));
    if (!parsed.ok) return replacePage(reply, e, { form: { values: {}, errors: {} }, reasons: [], problems: parsed.problems, filename: file.filename, status: 422 });
    const r = await replaceQuestionnaire(db, req.auditCtx(), e.id, parsed.def, { filename: file.filename });
    if (!r.ok) return replacePage(reply, e, { form: { values: {}, errors: {} }, reasons: r.reasons, status: 409 });
    reply.flash('success', `De vragenlijst is vervangen door die uit ${file.filename}.`);
    return reply.redirect(editionPath(e), 303);
  });

  // ----- responses of a past edition -----
  const responsesPage = (reply: FastifyReply, e: Edition, opts: { form: FormState; problems?: ImportProblem[]; notes?: ImportProblem[]; filename?: string; status?: number }) =>
    reply.page({ title: 'Antwoorden importeren', status: opts.status }, (ctx: PageContext) => (
      <Page ctx={ctx} title="Antwoorden importeren" crumbs={editionCrumbs(e, { label: 'Antwoorden importeren' })}>
        <Heading>Antwoorden importeren</Heading>
        <ErrorSummary errors={opts.form.errors} labels={{ bestand: 'Bestand' }} />
        <FailedImport problems={opts.problems ?? []} filename={opts.filename} />
        {opts.notes && opts.notes.length > 0 && <ProblemTable problems={opts.notes} caption="Opmerkingen (geen fouten)" whereLabel="Plaats" />}
        <ResponsesHelp edition={e} />
        <form method="post" action={`${editionPath(e)}/importeren`} enctype="multipart/form-data" class="form" novalidate>
          <CsrfField token={ctx.csrfToken} />
          <FileField name="bestand" label="Antwoorden (JSON, CSV of XLSX)" accept=".json,.csv,.xlsx,application/json,text/csv" form={opts.form} />
          <div class="form-actions">
            <Button>Importeren</Button>
            <Link href={editionPath(e)}>Annuleren</Link>
          </div>
        </form>
      </Page>
    ));

  app.get(`${EDITIONS}/:id/importeren`, async (req, reply) => {
    const e = await loadEdition(app, req);
    return responsesPage(reply, e, { form: { values: {}, errors: {} } });
  });

  app.post(`${EDITIONS}/:id/importeren`, async (req, reply) => {
    const e = await loadEdition(app, req);
    const file = await uploadedFile(req.body);
    if (!file) return responsesPage(reply, e, { form: { values: {}, errors: { bestand: 'Kies een JSON-, CSV- of Excel-bestand dat niet leeg is.' } }, status: 422 });
    const r = await importResponses(db, req.auditCtx(), e.id, file);
    if (!r.ok) return responsesPage(reply, e, { form: { values: {}, errors: {} }, problems: r.problems, notes: r.notes, filename: file.filename, status: 422 });
    const notes = r.notes.length ? ` Opmerkingen: ${r.notes.slice(0, 5).map((n) => `${n.where}: ${n.reason}`).join('; ')}${r.notes.length > 5 ? ` (en nog ${r.notes.length - 5})` : ''}.` : '';
    reply.flash('success', `${r.imported} ${r.imported === 1 ? 'respons' : 'responsen'} geïmporteerd uit ${file.filename}, opgeslagen als ingediend.${notes}`);
    return reply.redirect(editionPath(e), 303);
  });

  await app.register(questionEditorRoutes);
}

function ResponsesHelp({ edition }: { edition: Edition }): ComponentChildren {
  return (
    <>
      <P>
        Laad de antwoorden van een eerder meetmoment (bijvoorbeeld uit een ander enquêtesysteem) in {edition.title}. De antwoorden worden opgeslagen als ingediend. Het hele
        bestand wordt eerst gecontroleerd: onbekende vraag-, optie-, rij- of gemeentecodes, een gemeente die twee keer voorkomt, ongeldige getallen of "weet ik niet" waar
        dat niet mag. Bij één probleem wordt niets geïmporteerd en ziet u elk probleem. Een code van een opgeheven gemeente telt voor de gemeente waarin die is opgegaan.
      </P>
      <h2 class="utrecht-heading-2">JSON</h2>
      <pre class="editor-example">{`{
  "format": "${RESPONSES_FORMAT}",
  "year": ${edition.year},
  "responses": [
    {
      "municipalities": ["GM0344", "GM0310"],
      "submittedAt": "${edition.year}-10-12",
      "answers": {
        "WEEK": "yes",
        "SUPPORT": ["MAP", "OTHER"],
        "SUPPORT.other": "Via de huisarts",
        "ROLES": { "GEM": "KAR", "WELZ": "ACT" },
        "HOURS": 12.5,
        "NOTE": "Vrije tekst"
      }
    }
  ]
}`}</pre>
      <P>De eerste gemeente is de hoofdgemeente: de respons telt voor die gemeente en noemt de andere.</P>
      <h2 class="utrecht-heading-2">CSV of Excel</h2>
      <P>
        Eén regel per respons. Kolom <code>municipalities</code>: CBS-codes met een puntkomma ertussen (hoofdgemeente eerst); <code>submitted_at</code>: datum van
        indienen (mag leeg). Dan één kolom per vraagcode; bij meerdere keuzes de optiecodes met <code>|</code> ertussen; bij een matrixvraag één kolom per rij (
        <code>CODE.RIJ</code>); de tekst bij "anders, namelijk" in <code>CODE.other</code>; "weet ik niet" als <code>dont_know</code>. Een lege cel is geen antwoord.
      </P>
      <pre class="editor-example">{`municipalities,submitted_at,WEEK,SUPPORT,SUPPORT.other,ROLES.GEM,ROLES.WELZ,HOURS
GM0344;GM0310,${edition.year}-10-12,yes,MAP|OTHER,Via de huisarts,KAR,ACT,"12,5"`}</pre>
    </>
  );
}
