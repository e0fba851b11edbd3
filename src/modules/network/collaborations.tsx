import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ComponentChildren } from 'preact';
import { Page, type Crumb, type PageContext } from '../../platform/views/layout.js';
import {
  Button,
  ButtonLink,
  CsrfField,
  DataTable,
  ErrorSummary,
  Heading,
  Link,
  P,
  Pagination,
  SelectField,
  SummaryList,
  TextArea,
  TextField,
  type Column,
  type FormState,
  type ListQuery,
  type Option,
} from '../../platform/views/components.js';
import { formValues, listParams, parseForm, pathId } from '../../platform/http/forms.js';
import { NotFoundError } from '../../platform/http/errors.js';
import { can, type Principal } from '../../platform/access.js';
import { amsterdamDate } from '../../platform/time.js';
import { municipalityOptions } from '../registry/organisations-service.js';
import { ExportLinks } from '../registry/tabular-views.js';
import { ConfirmForm, nlDate, sendAuditedExport } from '../registry/ui.js';
import { FormPage, PlainTable } from './views-shared.js';
import { COLLABORATION_STATUS_LABELS, COLLABORATION_STATUSES, type CollaborationStatus } from './model.js';
import {
  addPartner,
  addStatus,
  coalitionPartnerOptions,
  COLLABORATION_EXPORT_COLUMNS,
  COLLABORATION_FIELD_LABELS,
  COLLABORATION_SORTS,
  collaborationSchema,
  createCollaboration,
  deleteCollaboration,
  formerPartners,
  getCollaboration,
  LAST_STATUS_MESSAGE,
  listCollaborations,
  mineCondition,
  newCollaborationSchema,
  organisationPartnerOptions,
  PARTNER_KIND_LABELS,
  partnerFilterOptions,
  partnerSchemas,
  parsePartnerKey,
  removePartner,
  removeStatus,
  statusHistory,
  statusLabel,
  statusSchema,
  updateCollaboration,
  type CollaborationFilter,
  type CollaborationRow,
  type FormerPartner,
  type PartnerKind,
  type StatusHistoryRow,
} from './collaborations-service.js';

/**
 * Collaborations and pilots (issue 5 point 5). Reading: the programme team, advisors,
 * coordinators and National Coalition partners ('collaboration:read'); a partner or coordinator
 * sees the collaborations they take part in first. Upkeep: the programme team
 * ('collaboration:manage'): create, edit, dated status changes and their correction, partners,
 * soft delete. Corrected status rows and removed partners are soft-deleted: removed partners stay
 * visible as "Eerdere partners" to whoever may read the collaboration.
 */

const BASE = '/samenwerkingen';
const TITLE = 'Samenwerkingen en pilots';
const CRUMBS: Crumb[] = [
  { href: '/beheer', label: 'Overzicht' },
  { href: BASE, label: 'Samenwerkingen' },
];

const STATUS_OPTIONS: Option[] = COLLABORATION_STATUSES.map((s) => ({ value: s, label: COLLABORATION_STATUS_LABELS[s] }));
const today = () => amsterdamDate(new Date());

function readFilter(q: Record<string, string>): CollaborationFilter {
  const lp = listParams(q, [...COLLABORATION_SORTS], 'title');
  return {
    q: lp.q || undefined,
    status: q.status === 'none' || (COLLABORATION_STATUSES as readonly string[]).includes(q.status) ? (q.status as CollaborationStatus | 'none') : undefined,
    partner: parsePartnerKey(q.partner) ? q.partner : undefined,
    sort: lp.sort,
    dir: lp.dir,
    page: lp.page,
    pageSize: lp.pageSize,
  };
}

const toQuery = (f: CollaborationFilter): ListQuery => ({ q: f.q, status: f.status, partner: f.partner, sort: f.sort, dir: f.dir, page: f.page, pageSize: f.pageSize });

const statusText = (r: CollaborationRow) => (r.status ? `${statusLabel(r.status)} (sinds ${nlDate(r.statusFrom)})` : statusLabel(null));
const partnerNames = (r: CollaborationRow) => (r.partners.length ? r.partners.map((p) => p.name).join(', ') : '—');

const listColumns = (sortable: boolean): Column<CollaborationRow>[] => [
  { key: 'title', label: 'Titel', sortable, render: (r) => <Link href={`${BASE}/${r.id}`}>{r.title}</Link> },
  { key: 'status', label: 'Status', sortable, render: statusText },
  { key: 'partners', label: 'Partners', render: partnerNames },
  { key: 'startDate', label: 'Start', sortable, render: (r) => nlDate(r.startDate) ?? '—' },
  { key: 'endDate', label: 'Einde', sortable, render: (r) => nlDate(r.endDate) ?? '—' },
];

/** Form fields of a collaboration (create and edit); `withStatus` adds the first status. */
function CollaborationForm({ ctx, title, crumbs, action, form, withStatus, submit, cancel }: { ctx: PageContext; title: string; crumbs: Crumb[]; action: string; form: FormState; withStatus: boolean; submit: string; cancel: string }) {
  return (
    <Page ctx={ctx} title={title} crumbs={crumbs}>
      <Heading>{title}</Heading>
      <ErrorSummary errors={form.errors} labels={COLLABORATION_FIELD_LABELS} />
      <form method="post" action={action} novalidate class="form">
        <CsrfField token={ctx.csrfToken} />
        <TextField name="title" label={COLLABORATION_FIELD_LABELS.title} form={form} required hint="Bijvoorbeeld: Pilot boodschappenmaatjes met supermarkten in Twente." />
        <TextArea name="description" label={COLLABORATION_FIELD_LABELS.description} form={form} rows={5} hint="Wat doen de partners samen, voor wie en met welk doel?" />
        <TextField name="startDate" label={COLLABORATION_FIELD_LABELS.startDate} type="date" form={form} width="s" />
        <TextField name="endDate" label={COLLABORATION_FIELD_LABELS.endDate} type="date" form={form} width="s" hint="Alleen als de samenwerking een vaste einddatum heeft of is afgelopen." />
        {withStatus && (
          <fieldset class="utrecht-form-fieldset">
            <legend class="utrecht-form-fieldset__legend">Status bij het vastleggen</legend>
            <SelectField name="status" label={COLLABORATION_FIELD_LABELS.status} form={form} required options={STATUS_OPTIONS} />
            <TextField name="statusFrom" label={COLLABORATION_FIELD_LABELS.statusFrom} type="date" form={form} required width="s" hint="Niet in de toekomst. Latere statussen legt u vast met Status wijzigen." />
          </fieldset>
        )}
        <div class="form-actions">
          <Button>{submit}</Button>
          <Link href={cancel}>Annuleren</Link>
        </div>
      </form>
    </Page>
  );
}

function PartnerTable({ row, csrf, removable }: { row: CollaborationRow; csrf?: string; removable: boolean }) {
  const columns: Column<CollaborationRow['partners'][number]>[] = [
    { key: 'name', label: 'Partner', render: (p) => p.name },
    { key: 'kind', label: 'Soort', render: (p) => PARTNER_KIND_LABELS[p.kind] },
    { key: 'role', label: 'Rol', render: (p) => p.role ?? '—' },
  ];
  if (removable && csrf) {
    columns.push({
      key: 'actions',
      label: 'Actie',
      render: (p) => (
        <form method="post" action={`${BASE}/${row.id}/partners/${p.partnerId}/verwijderen`} class="inline-form">
          <CsrfField token={csrf} />
          <Button variant="secondary">
            Verwijderen<span class="visually-hidden"> als partner: {p.name}</span>
          </Button>
        </form>
      ),
    });
  }
  return <DataTable caption="Partners" columns={columns} rows={row.partners} base={`${BASE}/${row.id}`} query={{ page: 1, pageSize: row.partners.length || 1 }} empty="Nog geen partners vastgelegd." />;
}

/** Partners removed earlier (history); nothing when there are none. */
function FormerPartners({ row, former }: { row: CollaborationRow; former: FormerPartner[] }) {
  if (!former.length) return null;
  return (
    <>
      <h2 class="utrecht-heading-2">Eerdere partners</h2>
      <PlainTable
        caption="Eerdere partners (verwijderd uit deze samenwerking)"
        columns={[
          { key: 'name', label: 'Partner', render: (p) => p.name },
          { key: 'kind', label: 'Soort', render: (p) => PARTNER_KIND_LABELS[p.kind] },
          { key: 'role', label: 'Rol', render: (p) => p.role ?? '—' },
          { key: 'removedOn', label: 'Verwijderd op', render: (p) => nlDate(p.removedOn) },
        ]}
        rows={former}
        base={`${BASE}/${row.id}`}
        empty="Geen eerdere partners."
      />
    </>
  );
}

/** The status history; with `manage` a correction link per row. */
function StatusHistoryTable({ row, history, manage }: { row: CollaborationRow; history: StatusHistoryRow[]; manage: boolean }) {
  const columns: Column<StatusHistoryRow>[] = [
    { key: 'status', label: 'Status', render: (h) => statusLabel(h.status) },
    { key: 'from', label: 'Vanaf', render: (h) => nlDate(h.fromDate) },
    { key: 'by', label: 'Vastgelegd door', render: (h) => h.createdByName ?? '—' },
  ];
  if (manage) {
    columns.push({
      key: 'correct',
      label: 'Correctie',
      render: (h) => (
        <Link href={`${BASE}/${row.id}/status/${h.id}/verwijderen`}>
          Corrigeren<span class="visually-hidden"> ({statusLabel(h.status)} vanaf {nlDate(h.fromDate)})</span>
        </Link>
      ),
    });
  }
  return <PlainTable caption="Statusgeschiedenis (nieuwste eerst)" columns={columns} rows={history} base={`${BASE}/${row.id}`} empty="Nog geen status vastgelegd." />;
}

export async function collaborationRoutes(app: FastifyInstance) {
  const db = app.ctx.database.db;

  /** The collaboration of the URL (404 when missing or deleted). */
  async function load(req: FastifyRequest) {
    const id = pathId((req.params as { id: string }).id);
    const row = await getCollaboration(db, id, today());
    if (!row) throw new NotFoundError();
    return row;
  }

  app.get(BASE, async (req, reply) => {
    const p = req.authorize('collaboration:read');
    const f = readFilter(req.query as Record<string, string>);
    const mine = mineCondition(p);
    const [{ rows, total }, partners, own] = await Promise.all([
      listCollaborations(db, f, today()),
      partnerFilterOptions(db),
      mine ? listCollaborations(db, { page: 1, pageSize: 50, sort: 'title' }, today(), mine) : Promise.resolve(null),
    ]);
    const query = toQuery(f);
    const form = { values: { q: f.q, status: f.status, partner: f.partner }, errors: {} };
    const isPartner = p.roles.some((g) => g.role === 'partner');
    return reply.page({ title: TITLE }, (ctx) => (
      <Page ctx={ctx} title={TITLE} crumbs={[CRUMBS[0], { label: 'Samenwerkingen' }]}>
        <Heading>{TITLE}</Heading>
        <P>
          Samenwerkingen en pilots tussen leden van de Nationale Coalitie tegen Eenzaamheid en lokale coalities of gemeenten: van idee via pilot naar project. Elke
          statuswijziging wordt met datum bewaard.
        </P>
        {can(p, 'collaboration:manage') && (
          <p class="form-actions">
            <ButtonLink href={`${BASE}/nieuw`}>Samenwerking toevoegen</ButtonLink>
          </p>
        )}
        {own && (
          <section class="cl-own" aria-labelledby="eigen-kop">
            <h2 class="utrecht-heading-2" id="eigen-kop">
              {isPartner ? 'Samenwerkingen van uw organisatie' : 'Samenwerkingen in uw gemeente(n)'}
            </h2>
            {own.rows.length === 0 ? (
              <P>{isPartner ? 'Uw organisatie is (nog) geen partner in een samenwerking.' : 'Er zijn (nog) geen samenwerkingen met uw gemeente of lokale coalitie.'}</P>
            ) : (
              <DataTable caption="Samenwerkingen waarin u partner bent" columns={listColumns(false)} rows={own.rows} base={BASE} query={{ page: 1, pageSize: own.rows.length }} />
            )}
          </section>
        )}
        <h2 class="utrecht-heading-2">{own ? 'Alle samenwerkingen' : 'Zoeken en filteren'}</h2>
        <form method="get" action={BASE} class="filter-form" role="search" novalidate aria-label="Samenwerkingen zoeken en filteren">
          <TextField name="q" label="Zoek op titel of omschrijving" type="search" form={form} filter />
          <SelectField name="status" label="Huidige status" form={form} filter placeholder="Alle statussen" options={[...STATUS_OPTIONS, { value: 'none', label: 'Nog geen status' }]} />
          <SelectField name="partner" label="Partner" form={form} filter placeholder="Alle partners" options={partners} />
          <Button variant="secondary">Zoeken</Button>
        </form>
        <DataTable caption="Samenwerkingen" columns={listColumns(true)} rows={rows} base={BASE} query={query} empty="Geen samenwerkingen gevonden." />
        <Pagination base={BASE} query={query} total={total} />
        <ExportLinks base={`${BASE}/export`} query={query} />
      </Page>
    ));
  });

  app.get(`${BASE}/export`, async (req, reply) => {
    req.authorize('collaboration:read');
    const { page: _p, pageSize: _s, ...f } = readFilter(req.query as Record<string, string>);
    const { rows } = await listCollaborations(db, { ...f, page: 1, pageSize: 0 }, today());
    return sendAuditedExport(
      db,
      req,
      reply,
      { entity: 'collaboration', sheetName: 'Samenwerkingen', columns: COLLABORATION_EXPORT_COLUMNS, rows },
      { filename: 'samenwerkingen', filters: { q: f.q, status: f.status, partner: f.partner } },
    );
  });

  // ----- create

  const newPage = (reply: FastifyReply, form: FormState, status = 200) =>
    reply.page({ title: 'Samenwerking toevoegen', status }, (ctx) => (
      <CollaborationForm ctx={ctx} title="Samenwerking toevoegen" crumbs={[...CRUMBS, { label: 'Toevoegen' }]} action={`${BASE}/nieuw`} form={form} withStatus submit="Samenwerking opslaan" cancel={BASE} />
    ));

  app.get(`${BASE}/nieuw`, async (req, reply) => {
    req.authorize('collaboration:manage');
    return newPage(reply, { values: { status: 'idea', statusFrom: today() }, errors: {} });
  });

  app.post(`${BASE}/nieuw`, async (req, reply) => {
    const p = req.authorize('collaboration:manage');
    const values = formValues(req.body);
    const parsed = parseForm(newCollaborationSchema, values);
    const result = parsed.ok ? await createCollaboration(db, req.auditCtx(), userId(p), parsed.data, today()) : parsed;
    if (!result.ok) return newPage(reply, { values, errors: result.errors }, 422);
    reply.flash('success', 'De samenwerking is opgeslagen. Voeg nu de partners toe.');
    return reply.redirect(`${BASE}/${result.id}/partners`, 303);
  });

  // ----- detail

  app.get(`${BASE}/:id`, async (req, reply) => {
    const p = req.authorize('collaboration:read');
    const row = await load(req);
    const [history, former] = await Promise.all([statusHistory(db, row.id), formerPartners(db, row.id)]);
    const manage = can(p, 'collaboration:manage');
    return reply.page({ title: row.title }, (ctx) => (
      <Page ctx={ctx} title={row.title} crumbs={[...CRUMBS, { label: row.title }]}>
        <Heading>{row.title}</Heading>
        <SummaryList
          items={[
            ['Huidige status', statusLabel(row.status)],
            ['Status sinds', nlDate(row.statusFrom)],
            ['Startdatum', nlDate(row.startDate)],
            ['Einddatum', nlDate(row.endDate)],
            ['Omschrijving', row.description ? <span class="cl-multiline">{row.description}</span> : null],
          ]}
        />
        {manage && (
          <p class="form-actions">
            <ButtonLink href={`${BASE}/${row.id}/bewerken`}>Wijzigen</ButtonLink>
            <ButtonLink href={`${BASE}/${row.id}/status`}>Status wijzigen</ButtonLink>
            <ButtonLink href={`${BASE}/${row.id}/partners`}>Partners beheren</ButtonLink>
            <ButtonLink href={`${BASE}/${row.id}/verwijderen`}>Verwijderen</ButtonLink>
          </p>
        )}
        <h2 class="utrecht-heading-2">Partners</h2>
        <PartnerTable row={row} removable={false} />
        <FormerPartners row={row} former={former} />
        <h2 class="utrecht-heading-2">Statusgeschiedenis</h2>
        <StatusHistoryTable row={row} history={history} manage={manage} />
        <P>
          <Link href={BASE}>Terug naar de samenwerkingen</Link>
        </P>
      </Page>
    ));
  });

  // ----- edit

  const editPage = (reply: FastifyReply, row: CollaborationRow, form: FormState, status = 200) =>
    reply.page({ title: `${row.title} wijzigen`, status }, (ctx) => (
      <CollaborationForm
        ctx={ctx}
        title={`${row.title} wijzigen`}
        crumbs={[...CRUMBS, { href: `${BASE}/${row.id}`, label: row.title }, { label: 'Wijzigen' }]}
        action={`${BASE}/${row.id}/bewerken`}
        form={form}
        withStatus={false}
        submit="Wijzigingen opslaan"
        cancel={`${BASE}/${row.id}`}
      />
    ));

  app.get(`${BASE}/:id/bewerken`, async (req, reply) => {
    req.authorize('collaboration:manage');
    const row = await load(req);
    return editPage(reply, row, { values: { title: row.title, description: row.description, startDate: row.startDate, endDate: row.endDate }, errors: {} });
  });

  app.post(`${BASE}/:id/bewerken`, async (req, reply) => {
    req.authorize('collaboration:manage');
    const row = await load(req);
    const values = formValues(req.body);
    const parsed = parseForm(collaborationSchema, values);
    const result = parsed.ok ? await updateCollaboration(db, req.auditCtx(), row, parsed.data, today()) : parsed;
    if (!result.ok) return editPage(reply, row, { values, errors: result.errors }, 422);
    reply.flash('success', 'De wijzigingen zijn opgeslagen.');
    return reply.redirect(`${BASE}/${row.id}`, 303);
  });

  // ----- status

  const statusPage = (reply: FastifyReply, row: CollaborationRow, form: FormState, status = 200) =>
    reply.page({ title: `Status wijzigen: ${row.title}`, status }, (ctx) => (
      <Page ctx={ctx} title={`Status wijzigen: ${row.title}`} crumbs={[...CRUMBS, { href: `${BASE}/${row.id}`, label: row.title }, { label: 'Status wijzigen' }]}>
        <Heading>Status wijzigen: {row.title}</Heading>
        <P>
          De huidige status is <strong>{statusLabel(row.status)}</strong>
          {row.statusFrom ? ` (sinds ${nlDate(row.statusFrom)})` : ''}. Een nieuwe status wordt toegevoegd aan de geschiedenis; de oude blijft bewaard. U kunt ook een
          status met een datum in het verleden vastleggen als die eerder is vergeten.
        </P>
        <ErrorSummary errors={form.errors} labels={COLLABORATION_FIELD_LABELS} />
        <form method="post" action={`${BASE}/${row.id}/status`} novalidate class="form">
          <CsrfField token={ctx.csrfToken} />
          <SelectField name="status" label="Nieuwe status" form={form} required options={STATUS_OPTIONS} />
          <TextField name="statusFrom" label={COLLABORATION_FIELD_LABELS.statusFrom} type="date" form={form} required width="s" hint="Niet in de toekomst." />
          <div class="form-actions">
            <Button>Status vastleggen</Button>
            <Link href={`${BASE}/${row.id}`}>Annuleren</Link>
          </div>
        </form>
      </Page>
    ));

  app.get(`${BASE}/:id/status`, async (req, reply) => {
    req.authorize('collaboration:manage');
    const row = await load(req);
    const next = row.status ? COLLABORATION_STATUSES[Math.min(COLLABORATION_STATUSES.indexOf(row.status) + 1, COLLABORATION_STATUSES.length - 1)] : 'idea';
    return statusPage(reply, row, { values: { status: next, statusFrom: today() }, errors: {} });
  });

  app.post(`${BASE}/:id/status`, async (req, reply) => {
    const p = req.authorize('collaboration:manage');
    const row = await load(req);
    const values = formValues(req.body);
    const parsed = parseForm(statusSchema, values);
    const result = parsed.ok ? await addStatus(db, req.auditCtx(), userId(p), row.id, parsed.data, today()) : parsed;
    if (!result.ok) return statusPage(reply, row, { values, errors: result.errors }, 422);
    reply.flash('success', `De status is vastgelegd: ${statusLabel(parsed.ok ? parsed.data.status : null)}.`);
    return reply.redirect(`${BASE}/${row.id}`, 303);
  });

  // ----- status correction (soft delete of a mistaken status row)

  /** The status row of the URL within the collaboration (404 when of another collaboration or already removed). */
  async function loadStatus(req: FastifyRequest, row: CollaborationRow) {
    const statusId = pathId((req.params as { statusId: string }).statusId);
    const history = await statusHistory(db, row.id);
    const s = history.find((h) => h.id === statusId);
    if (!s) throw new NotFoundError();
    return { s, last: history.length <= 1 };
  }

  const removeStatusPage = (reply: FastifyReply, row: CollaborationRow, s: StatusHistoryRow, last: boolean, status = 200) => {
    const title = 'Status verwijderen (correctie)';
    const back = `${BASE}/${row.id}`;
    return reply.page({ title, status }, (ctx) => (
      <FormPage ctx={ctx} title={title} crumbs={[...CRUMBS, { href: back, label: row.title }, { label: title }]} errors={status === 422 ? { _form: LAST_STATUS_MESSAGE } : {}} labels={{}}>
        {last ? (
          <>
            {status !== 422 && <P>{LAST_STATUS_MESSAGE}</P>}
            <p class="form-actions">
              <ButtonLink href={`${back}/status`}>Status wijzigen</ButtonLink>
              <Link href={back}>Terug naar de samenwerking</Link>
            </p>
          </>
        ) : (
          <>
            <P>
              Weet u zeker dat u de status <strong>{statusLabel(s.status)}</strong> vanaf {nlDate(s.fromDate)} van de samenwerking <strong>{row.title}</strong> wilt
              verwijderen? Doe dit alleen als deze regel per vergissing is ingevoerd: hij telt dan nergens meer mee, ook niet in de programmacijfers. Een echte
              statuswijziging legt u vast met Status wijzigen. Het verwijderen wordt vastgelegd in het auditlog.
            </P>
            <ConfirmForm action={`${back}/status/${s.id}/verwijderen`} csrf={ctx.csrfToken} label="Ja, verwijderen" cancel={back} />
          </>
        )}
      </FormPage>
    ));
  };

  app.get(`${BASE}/:id/status/:statusId/verwijderen`, async (req, reply) => {
    req.authorize('collaboration:manage');
    const row = await load(req);
    const { s, last } = await loadStatus(req, row);
    return removeStatusPage(reply, row, s, last);
  });

  app.post(`${BASE}/:id/status/:statusId/verwijderen`, async (req, reply) => {
    req.authorize('collaboration:manage');
    const row = await load(req);
    const { s } = await loadStatus(req, row);
    const result = await removeStatus(db, req.auditCtx(), row.id, s.id);
    if (!result.ok) {
      if (result.reason === 'not_found') throw new NotFoundError();
      return removeStatusPage(reply, row, s, true, 422);
    }
    const current = await getCollaboration(db, row.id, today());
    reply.flash('success', `De status ${statusLabel(result.status)} vanaf ${nlDate(result.fromDate)} is verwijderd. De huidige status is nu: ${statusLabel(current?.status)}.`);
    return reply.redirect(`${BASE}/${row.id}`, 303);
  });

  // ----- partners

  async function partnersPage(reply: FastifyReply, row: CollaborationRow, form: FormState, status = 200) {
    const [orgs, coals, munis, former] = await Promise.all([organisationPartnerOptions(db), coalitionPartnerOptions(db), municipalityOptions(db), formerPartners(db, row.id)]);
    const muniOptions = munis.map((m) => ({ value: String(m.id), label: `${m.name} (${m.cbsCode})` }));
    const title = `Partners: ${row.title}`;
    const add = (kind: PartnerKind, legend: string, field: string, roleField: string, options: Option[], hint: string, ctx: PageContext): ComponentChildren => (
      <form method="post" action={`${BASE}/${row.id}/partners`} novalidate class="form cl-partner-form">
        <CsrfField token={ctx.csrfToken} />
        <input type="hidden" name="soort" value={kind} />
        <fieldset class="utrecht-form-fieldset">
          <legend class="utrecht-form-fieldset__legend">{legend}</legend>
          <SelectField name={field} label={COLLABORATION_FIELD_LABELS[field]} form={form} required placeholder="Kies…" options={options} hint={hint} />
          <TextField name={roleField} label={COLLABORATION_FIELD_LABELS[roleField]} form={form} hint="Bijvoorbeeld: initiatiefnemer, financier, uitvoerder." />
          <div class="form-actions">
            <Button variant="secondary">{legend}</Button>
          </div>
        </fieldset>
      </form>
    );
    return reply.page({ title, status }, (ctx) => (
      <Page ctx={ctx} title={title} crumbs={[...CRUMBS, { href: `${BASE}/${row.id}`, label: row.title }, { label: 'Partners' }]}>
        <Heading>{title}</Heading>
        <ErrorSummary errors={form.errors} labels={COLLABORATION_FIELD_LABELS} />
        <PartnerTable row={row} csrf={ctx.csrfToken} removable />
        <FormerPartners row={row} former={former} />
        <h2 class="utrecht-heading-2">Partner toevoegen</h2>
        <P>Een partner is een organisatie (een lid van de Nationale Coalitie of een lokale vestiging daarvan), een lokale coalitie of een gemeente. Kies er één per keer.</P>
        <div class="cl-partner-forms">
          {add('organisation', 'Organisatie toevoegen', 'organisationId', 'organisationRole', orgs, 'Leden van de Nationale Coalitie, landelijke partners en hun lokale vestigingen.', ctx)}
          {add('coalition', 'Lokale coalitie toevoegen', 'coalitionId', 'coalitionRole', coals, 'Alleen gemeenten met een vastgelegde lokale coalitie.', ctx)}
          {add('municipality', 'Gemeente toevoegen', 'municipalityId', 'municipalityRole', muniOptions, 'Als de gemeente zelf partner is.', ctx)}
        </div>
        <P>
          <Link href={`${BASE}/${row.id}`}>Klaar, terug naar de samenwerking</Link>
        </P>
      </Page>
    ));
  }

  app.get(`${BASE}/:id/partners`, async (req, reply) => {
    req.authorize('collaboration:manage');
    return partnersPage(reply, await load(req), { values: {}, errors: {} });
  });

  app.post(`${BASE}/:id/partners`, async (req, reply) => {
    req.authorize('collaboration:manage');
    const row = await load(req);
    const values = formValues(req.body);
    const kind = (['organisation', 'coalition', 'municipality'] as const).find((k) => k === values.soort);
    if (!kind) return partnersPage(reply, row, { values, errors: { _form: 'Kies welk soort partner u wilt toevoegen.' } }, 422);
    const parsed = parseForm(partnerSchemas[kind], values);
    let result: { ok: true } | { ok: false; errors: Record<string, string> };
    if (!parsed.ok) result = parsed;
    else {
      const d = parsed.data as Record<string, unknown>;
      const id = Number(d[`${kind}Id`]);
      result = await addPartner(db, req.auditCtx(), row, kind, id, d[`${kind}Role`] as string | undefined);
    }
    if (!result.ok) return partnersPage(reply, row, { values, errors: result.errors }, 422);
    reply.flash('success', 'De partner is toegevoegd.');
    return reply.redirect(`${BASE}/${row.id}/partners`, 303);
  });

  app.post(`${BASE}/:id/partners/:partnerId/verwijderen`, async (req, reply) => {
    req.authorize('collaboration:manage');
    const row = await load(req);
    const partnerId = pathId((req.params as { partnerId: string }).partnerId);
    if (!(await removePartner(db, req.auditCtx(), row, partnerId))) throw new NotFoundError();
    reply.flash('success', 'De partner is verwijderd uit deze samenwerking en staat nu bij de eerdere partners.');
    return reply.redirect(`${BASE}/${row.id}/partners`, 303);
  });

  // ----- delete (soft)

  app.get(`${BASE}/:id/verwijderen`, async (req, reply) => {
    req.authorize('collaboration:manage');
    const row = await load(req);
    return reply.page({ title: `${row.title} verwijderen` }, (ctx) => (
      <Page ctx={ctx} title={`${row.title} verwijderen`} crumbs={[...CRUMBS, { href: `${BASE}/${row.id}`, label: row.title }, { label: 'Verwijderen' }]}>
        <Heading>{row.title} verwijderen</Heading>
        <P>
          Weet u zeker dat u de samenwerking <strong>{row.title}</strong> wilt verwijderen? Doe dit alleen als de samenwerking ten onrechte is vastgelegd: ze verdwijnt uit de
          lijsten en telt niet meer mee in de programmacijfers, ook niet voor data in het verleden. Is de samenwerking afgelopen? Kies dan <Link href={`${BASE}/${row.id}/status`}>Status wijzigen</Link>{' '}
          en leg de status Beëindigd vast.
        </P>
        <ConfirmForm action={`${BASE}/${row.id}/verwijderen`} csrf={ctx.csrfToken} label="Ja, verwijderen" cancel={`${BASE}/${row.id}`} />
      </Page>
    ));
  });

  app.post(`${BASE}/:id/verwijderen`, async (req, reply) => {
    req.authorize('collaboration:manage');
    const row = await load(req);
    await deleteCollaboration(db, req.auditCtx(), row);
    reply.flash('success', `De samenwerking ${row.title} is verwijderd.`);
    return reply.redirect(BASE, 303);
  });
}

const userId = (p: Principal) => (p.kind === 'user' ? p.id : null);
