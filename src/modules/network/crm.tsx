import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { can, type Principal } from '../../platform/access.js';
import { audit } from '../../platform/audit.js';
import { ForbiddenError, NotFoundError } from '../../platform/http/errors.js';
import { formValues, isIsoDate, listParams, normaliseDate, pathId } from '../../platform/http/forms.js';
import { amsterdamDate } from '../../platform/time.js';
import { Page, type Crumb, type PageContext } from '../../platform/views/layout.js';
import {
  Alert,
  Button,
  ButtonLink,
  Checkbox,
  CheckboxGroup,
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
  type FieldErrors,
  type FormState,
  type ListQuery,
  type Option,
} from '../../platform/views/components.js';
import { ConfirmForm, nlDate, sendAuditedExport } from '../registry/ui.js';
import { ExportLinks } from '../registry/tabular-views.js';
import { EXPORT_ALL } from '../registry/exporters.js';
import { getOrganisation, municipalityOptions } from '../registry/organisations-service.js';
import { CONTACT_KIND_LABELS, CONTACT_KINDS, PILLAR_LABELS, PILLARS, type ContactKind, type Pillar } from './model.js';
import { advisorUsers, assignedAdvisors, formatHours, formatMinutes, municipalityByCode } from './advisory-service.js';
import {
  addTask,
  assigneeOptions,
  CONTACT_MOMENT_FIELD_LABELS,
  createContactMoment,
  createPerson,
  crmAll,
  crmMunicipalityIds,
  deleteContactMoment,
  deletePerson,
  durationValue,
  getContactMoment,
  getPerson,
  isOverdue,
  listContactMoments,
  listPersons,
  mayChangePerson,
  MOMENT_EXPORT_COLUMNS,
  MOMENT_SORTS,
  normaliseTags,
  organisationChoices,
  organisationOptions,
  PERSON_EXPORT_COLUMNS,
  PERSON_FIELD_LABELS,
  personChoices,
  updateContactMoment,
  updatePerson,
  validateContactMoment,
  type ContactMomentDetail,
  type MailDeps,
  type MomentFilter,
  type MomentList,
  type MomentRow,
  type MomentSort,
  type PersonRow,
} from './crm-service.js';

/**
 * The CRM screens (issue 5 point 4), for the programme team (everything, national contacts
 * included) and advisors (their assigned municipalities); anyone else 403, out of scope 404:
 *   GET /contactmomenten (+ /export)                   list with filters, CSV/XLSX
 *   GET+POST /contactmomenten/nieuw                    log a contact moment (with organisations, persons, follow-up task)
 *   GET /contactmomenten/:id                           detail with tasks; POST /contactmomenten/:id/taken adds a task
 *   GET+POST /contactmomenten/:id/bewerken | /verwijderen
 *   GET /contactmomenten/gemeente/:cbsCode             timeline of a municipality (newest first, 25 per page, totals)
 *   GET /contactmomenten/organisatie/:id               timeline of an organisation
 *   GET /contactpersonen (+ /export), GET+POST /contactpersonen/nieuw, GET /contactpersonen/:id, GET+POST …/bewerken, …/verwijderen
 *   (persons of national organisations: changed and removed by the programme team only; advisors read them)
 */

const BASE = '/contactmomenten';
const PERSONS = '/contactpersonen';
const TITLE = 'Contactmomenten';
const CRUMBS: Crumb[] = [{ href: BASE, label: TITLE }];
const PAGE_SIZE = 25;

const KIND_OPTIONS: Option[] = CONTACT_KINDS.map((k) => ({ value: k, label: CONTACT_KIND_LABELS[k] }));
const PILLAR_OPTIONS: Option[] = PILLARS.map((p) => ({ value: p, label: PILLAR_LABELS[p] }));
export const kindLabel = (k: string) => CONTACT_KIND_LABELS[k as ContactKind] ?? k;
const orgLabel = (o: { name: string; municipalityName: string | null }) => `${o.name} (${o.municipalityName ?? 'landelijk'})`;
const NATIONAL = 'landelijk';

/** "12 contactmomenten, 14,5 uur, waarvan 10 adviesuren". */
export function totalsText(list: Pick<MomentList, 'total' | 'totalMinutes' | 'advisoryMinutes'>): string {
  const n = list.total === 1 ? '1 contactmoment' : `${list.total} contactmomenten`;
  return `${n}, ${formatHours(list.totalMinutes / 60)} in totaal, waarvan ${formatHours(list.advisoryMinutes / 60)} adviesuren`;
}

// ---------------------------------------------------------------------------------------------
// List filters

interface ListFilterResult {
  filter: MomentFilter;
  query: ListQuery;
  errors: FieldErrors;
}

async function readListFilter(app: FastifyInstance, q: Record<string, string>): Promise<ListFilterResult> {
  const lp = listParams(q, [...MOMENT_SORTS], 'date', PAGE_SIZE);
  const errors: FieldErrors = {};
  const dir = q.dir === 'asc' ? 'asc' : q.dir === 'desc' || !q.sort ? 'desc' : lp.dir;
  const filter: MomentFilter = { sort: lp.sort as MomentSort, dir, page: lp.page, pageSize: lp.pageSize };
  if (q.gemeente === NATIONAL) filter.municipality = 'national';
  else if (q.gemeente) {
    const m = await municipalityByCode(app.ctx.database.db, q.gemeente);
    // An unknown code matches nothing (rather than everything).
    filter.municipality = m ? m.id : -1;
  }
  if ((CONTACT_KINDS as readonly string[]).includes(q.soort)) filter.kind = q.soort as ContactKind;
  if ((PILLARS as readonly string[]).includes(q.pijler)) filter.pillar = q.pijler as Pillar;
  const advisor = Number(q.adviseur);
  if (Number.isInteger(advisor) && advisor > 0 && advisor < 2_147_483_647) filter.advisorId = advisor;
  const tag = normaliseTags(q.label ?? '')[0];
  if (tag) filter.tag = tag.slice(0, 40);
  for (const [key, field] of [
    ['van', 'from'],
    ['tot', 'to'],
  ] as const) {
    if (!q[key]) continue;
    const d = normaliseDate(q[key]);
    if (typeof d === 'string' && isIsoDate(d)) filter[field] = d;
    else errors[key] = 'Vul een geldige datum in, zoals 2025-01-31 of 31-01-2025.';
  }
  if (q.advies === 'ja') filter.advisoryOnly = true;
  const query: ListQuery = {
    gemeente: q.gemeente && (filter.municipality === 'national' || (typeof filter.municipality === 'number' && filter.municipality > 0)) ? q.gemeente.toUpperCase().replace('LANDELIJK', NATIONAL) : undefined,
    soort: filter.kind,
    adviseur: filter.advisorId,
    van: q.van || undefined,
    tot: q.tot || undefined,
    pijler: filter.pillar,
    label: filter.tag,
    advies: filter.advisoryOnly ? 'ja' : undefined,
    sort: filter.sort,
    dir: filter.dir,
    page: filter.page,
    pageSize: filter.pageSize,
  };
  return { filter, query, errors };
}

// ---------------------------------------------------------------------------------------------
// Shared views

function MomentMeta({ r }: { r: MomentRow }) {
  return (
    <>
      {nlDate(r.occurredOn)} · {kindLabel(r.kind)} · {formatMinutes(r.durationMinutes)}
      {r.advisory ? ` · telt als advies${r.advisorName ? ` (${r.advisorName})` : ''}` : ''}
      {r.loggedByName ? ` · vastgelegd door ${r.loggedByName}` : ''}
    </>
  );
}

/** A timeline: newest first, each moment with its context and the start of its notes. */
export function Timeline({ rows, showMunicipality }: { rows: MomentRow[]; showMunicipality: boolean }) {
  if (!rows.length) return <P>Nog geen contactmomenten.</P>;
  return (
    <ol class="nw-timeline">
      {rows.map((r) => (
        <li class="nw-timeline__item">
          <h3 class="utrecht-heading-3">
            <Link href={`${BASE}/${r.id}`}>{r.subject}</Link>
          </h3>
          <p class="utrecht-paragraph muted">
            <MomentMeta r={r} />
          </p>
          {showMunicipality && <p class="utrecht-paragraph">Gemeente: {r.municipalityName ?? 'landelijk contact'}</p>}
          {r.organisations.length > 0 && <p class="utrecht-paragraph">Organisaties: {r.organisations.map((o) => o.name).join(', ')}</p>}
          {(r.pillars.length > 0 || r.tags.length > 0) && (
            <p class="utrecht-paragraph">
              Thema's: {[...r.pillars.map((x) => PILLAR_LABELS[x] ?? x), ...r.tags].join(' · ')}
            </p>
          )}
          {r.notes && <p class="utrecht-paragraph nw-notes">{r.notes.length > 300 ? `${r.notes.slice(0, 300)}…` : r.notes}</p>}
          {r.openTasks > 0 && <p class="utrecht-paragraph">{r.openTasks === 1 ? '1 open vervolgtaak' : `${r.openTasks} open vervolgtaken`}</p>}
        </li>
      ))}
    </ol>
  );
}

interface MomentFormProps {
  ctx: PageContext;
  title: string;
  crumbs: Crumb[];
  action: string;
  form: FormState;
  municipalities: Option[];
  allowNational: boolean;
  organisations: { id: number; name: string; municipalityName: string | null }[];
  persons: { id: number; name: string; jobTitle: string | null; organisationName: string | null }[];
  /** Programme team: on which advisor advisory hours count. */
  advisors: Option[] | null;
  /** Follow-up task fields (new moments only). */
  assignees: Option[] | null;
  notice?: string;
  submit: string;
  cancel: string;
}

function ContactMomentForm(props: MomentFormProps) {
  const { ctx, title, crumbs, action, form, municipalities, allowNational, organisations, persons, advisors, assignees, notice, submit, cancel } = props;
  return (
    <Page ctx={ctx} title={title} crumbs={crumbs}>
      <Heading>{title}</Heading>
      <ErrorSummary errors={form.errors} labels={CONTACT_MOMENT_FIELD_LABELS} />
      {notice && <Alert kind="info">{notice}</Alert>}
      <form method="post" action={action} novalidate class="form">
        <CsrfField token={ctx.csrfToken} />
        {/* Enter in a field submits with the form's first button: make that "save", not the organisation search below. */}
        <button type="submit" class="visually-hidden" tabIndex={-1} aria-hidden="true">
          {submit}
        </button>
        <TextField name="occurredOn" label="Datum" type="date" form={form} required width="s" hint="Wanneer het contact was; niet in de toekomst. Bijvoorbeeld 2025-01-31." />
        <SelectField name="kind" label="Soort contact" form={form} required placeholder="Kies het soort contact" options={KIND_OPTIONS} />
        <TextField name="subject" label="Onderwerp" form={form} required hint="Bijvoorbeeld: Kennismakingsgesprek met de wethouder." />
        <SelectField
          name="municipalityId"
          label="Gemeente"
          form={form}
          required={!allowNational}
          placeholder={allowNational ? 'Landelijk contact (geen gemeente)' : 'Kies een gemeente'}
          hint={allowNational ? 'Laat leeg voor een landelijk contact, zoals met een partner van de Nationale Coalitie.' : 'U kunt alleen contactmomenten vastleggen voor de gemeenten waarvoor u adviseur bent.'}
          options={municipalities}
        />
        <fieldset class="utrecht-form-fieldset">
          <legend class="utrecht-form-fieldset__legend">Wie waren erbij?</legend>
          {organisations.length ? (
            <CheckboxGroup name="organisationIds" label="Betrokken organisaties" form={form} options={organisations.map((o) => ({ value: String(o.id), label: orgLabel(o) }))} />
          ) : (
            <P>Kies eerst een gemeente en klik op "Organisaties zoeken", of zoek hieronder op naam.</P>
          )}
          <TextField name="orgSearch" label="Andere organisatie zoeken" type="search" form={form} filter hint="Deel van de naam of de plaats. De gevonden organisaties verschijnen hierboven om aan te vinken." />
          <div class="form-actions">
            <Button variant="secondary" name="actie" value="zoeken">
              Organisaties zoeken
            </Button>
          </div>
          {persons.length > 0 && (
            <CheckboxGroup
              name="personIds"
              label="Betrokken contactpersonen"
              form={form}
              options={persons.map((x) => ({ value: String(x.id), label: [x.name, x.jobTitle, x.organisationName].filter(Boolean).join(', ') }))}
            />
          )}
          <fieldset class="utrecht-form-fieldset">
            <legend class="utrecht-form-fieldset__legend">Nieuwe contactpersoon (optioneel)</legend>
            <P>
              Alleen zakelijke contactgegevens, zodat het programmateam en de adviseurs deze persoon later weer kunnen bereiken. Vul niet meer in dan nodig.
            </P>
            <TextField name="newPersonName" label="Naam" form={form} autocomplete="off" />
            <TextField name="newPersonJobTitle" label="Functie" form={form} autocomplete="off" />
            <SelectField
              name="newPersonOrganisationId"
              label="Organisatie van de nieuwe contactpersoon"
              form={form}
              placeholder="Kies de organisatie"
              options={organisations.map((o) => ({ value: String(o.id), label: orgLabel(o) }))}
            />
            <TextField name="newPersonEmail" label="E-mailadres (werk)" type="email" form={form} autocomplete="off" />
            <TextField name="newPersonPhone" label="Telefoonnummer (werk)" type="tel" form={form} autocomplete="off" />
          </fieldset>
        </fieldset>
        <CheckboxGroup name="pillars" label="Pijlers" form={form} options={PILLAR_OPTIONS} hint="Over welke pijlers van het actieprogramma ging het?" />
        <TextField name="tags" label="Labels" form={form} hint="Eigen trefwoorden, gescheiden door komma's, zoals: jongeren, mantelzorg, week tegen eenzaamheid." />
        <TextArea
          name="notes"
          label="Notities"
          form={form}
          rows={6}
          hint="Wat is besproken en afgesproken. Schrijf geen gevoelige persoonsgegevens op, zoals de gezondheid van inwoners."
        />
        <TextField name="duration" label="Duur" form={form} required width="s" hint="In minuten (zoals 90) of in uren en minuten (zoals 1:30). Hoogstens 24 uur." />
        <Checkbox name="advisory" label="Telt als advies: de duur gaat van het adviesbudget van de gemeente af" form={form} />
        {advisors && (
          <SelectField name="advisorId" label="Adviseur" form={form} placeholder="Kies de adviseur" hint="Alleen bij advies: op welke adviseur tellen de uren?" options={advisors} />
        )}
        {assignees && (
          <fieldset class="utrecht-form-fieldset">
            <legend class="utrecht-form-fieldset__legend">Vervolgtaak (optioneel)</legend>
            <TextField name="taskTitle" label="Wat moet er gebeuren?" form={form} hint="Bijvoorbeeld: Verslag sturen aan de kartrekker." />
            <TextField name="taskDueDate" label="Uiterste datum" type="date" form={form} width="s" />
            <SelectField
              name="taskAssigneeId"
              label="Uitvoerder"
              form={form}
              placeholder="Uzelf"
              options={assignees}
              hint="Uzelf, een andere adviseur of iemand van het programmateam. Alleen nodig als u een vervolgtaak invult."
            />
            <P>Meer vervolgtaken voegt u toe op de pagina van het contactmoment, na het opslaan.</P>
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

// ---------------------------------------------------------------------------------------------
// Routes

export async function crmRoutes(app: FastifyInstance) {
  const db = app.ctx.database.db;
  const mailDeps = (): MailDeps => ({ jobs: app.ctx.jobs, helpdeskEmail: app.ctx.config.helpdeskEmail, baseUrl: app.ctx.config.baseUrl });

  /** Municipalities `p` may log contact moments for. */
  async function municipalityChoices(p: Principal): Promise<Option[]> {
    const ids = crmMunicipalityIds(p);
    const rows = await municipalityOptions(db, ids ?? undefined);
    return rows.map((m) => ({ value: String(m.id), label: `${m.name} (${m.cbsCode})` }));
  }

  const idsOf = (v: unknown) => (Array.isArray(v) ? v : v ? [v] : []).map(Number).filter((n) => Number.isInteger(n) && n > 0 && n < 2_147_483_647);

  /** Renders the contact-moment form for the values so far (choices follow the chosen municipality and search). */
  async function momentForm(reply: FastifyReply, p: Principal, opts: { title: string; crumbs: Crumb[]; action: string; form: FormState; withTask: boolean; notice?: string; status?: number; cancel: string; submit: string }) {
    const v = opts.form.values;
    const municipalityId = idsOf(v.municipalityId)[0] ?? null;
    const selectedOrgs = idsOf(v.organisationIds);
    const newPersonOrg = idsOf(v.newPersonOrganisationId);
    const search = typeof v.orgSearch === 'string' ? v.orgSearch.trim().slice(0, 100) : '';
    const [municipalities, orgs, advisors, assignees] = await Promise.all([
      municipalityChoices(p),
      organisationChoices(db, p, { q: search || undefined, municipalityId, ids: [...selectedOrgs, ...newPersonOrg] }),
      crmAll(p) ? advisorUsers(db) : Promise.resolve(null),
      opts.withTask ? assigneeOptions(db) : Promise.resolve(null),
    ]);
    const persons = await personChoices(db, p, { organisationIds: orgs.map((o) => o.id), ids: idsOf(v.personIds) });
    const notice =
      opts.notice ??
      (v.actie === 'zoeken' ? `${search ? `Zoekresultaat voor "${search}": ` : ''}${orgs.length} organisatie(s) om uit te kiezen. Het contactmoment is nog niet opgeslagen.` : undefined);
    return reply.page({ title: opts.title, status: opts.status }, (ctx) => (
      <ContactMomentForm
        ctx={ctx}
        title={opts.title}
        crumbs={opts.crumbs}
        action={opts.action}
        form={opts.form}
        municipalities={municipalities}
        allowNational={crmAll(p)}
        organisations={orgs}
        persons={persons}
        advisors={advisors ? advisors.map((a) => ({ value: String(a.id), label: a.name })) : null}
        assignees={assignees ? assignees.map((a) => ({ value: String(a.id), label: a.id === p.id ? `${a.name} (uzelf)` : a.name })) : null}
        notice={notice}
        submit={opts.submit}
        cancel={opts.cancel}
      />
    ));
  }

  // --- list and export ---------------------------------------------------------------------

  app.get(BASE, async (req, reply) => {
    const p = req.authorize('contact:read');
    const { filter, query, errors } = await readListFilter(app, req.query as Record<string, string>);
    const [list, municipalities, advisors] = await Promise.all([listContactMoments(db, p, filter), municipalityOptions(db, crmMunicipalityIds(p) ?? undefined), advisorUsers(db)]);
    const form: FormState = { values: { ...query, van: (req.query as Record<string, string>).van, tot: (req.query as Record<string, string>).tot }, errors };
    const columns: Column<MomentRow>[] = [
      { key: 'date', label: 'Datum', sortable: true, render: (r) => nlDate(r.occurredOn) },
      { key: 'municipality', label: 'Gemeente', sortable: true, render: (r) => (r.municipalityCode ? <Link href={`${BASE}/gemeente/${r.municipalityCode}`}>{r.municipalityName}</Link> : 'Landelijk') },
      { key: 'kind', label: 'Soort', sortable: true, render: (r) => kindLabel(r.kind) },
      { key: 'subject', label: 'Onderwerp', render: (r) => <Link href={`${BASE}/${r.id}`}>{r.subject}</Link> },
      { key: 'organisations', label: 'Organisaties', render: (r) => r.organisations.map((o) => o.name).join(', ') || '—' },
      { key: 'duration', label: 'Duur', sortable: true, numeric: true, render: (r) => formatMinutes(r.durationMinutes) },
      { key: 'advisory', label: 'Advies', render: (r) => (r.advisory ? 'Ja' : 'Nee') },
      { key: 'tasks', label: 'Open taken', numeric: true, render: (r) => r.openTasks },
    ];
    const municipalityFilter: Option[] = [...(crmAll(p) ? [{ value: NATIONAL, label: 'Landelijke contacten' }] : []), ...municipalities.map((m) => ({ value: m.cbsCode, label: m.name }))];
    return reply.page({ title: TITLE, status: Object.keys(errors).length ? 422 : 200 }, (ctx) => (
      <Page ctx={ctx} title={TITLE} crumbs={[{ label: TITLE }]}>
        <Heading>{TITLE}</Heading>
        <ul class="action-list">
          <li>
            <ButtonLink href={`${BASE}/nieuw`} variant="primary">
              Contactmoment vastleggen
            </ButtonLink>
          </li>
          <li>
            <Link href={PERSONS}>Contactpersonen</Link>
          </li>
          <li>
            <Link href="/taken">Mijn taken</Link>
          </li>
        </ul>
        <ErrorSummary errors={errors} labels={{ van: 'Van', tot: 'Tot en met' }} />
        <form method="get" action={BASE} class="filter-form" role="search" novalidate aria-label="Contactmomenten filteren">
          <SelectField name="gemeente" label="Gemeente" form={form} filter placeholder="Alle gemeenten" options={municipalityFilter} />
          <SelectField name="soort" label="Soort" form={form} filter placeholder="Alle soorten" options={KIND_OPTIONS} />
          <SelectField name="adviseur" label="Adviseur" form={form} filter placeholder="Alle adviseurs" options={advisors.map((a) => ({ value: String(a.id), label: a.name }))} />
          <TextField name="van" label="Van" type="date" form={form} filter width="s" />
          <TextField name="tot" label="Tot en met" type="date" form={form} filter width="s" />
          <SelectField name="pijler" label="Pijler" form={form} filter placeholder="Alle pijlers" options={PILLAR_OPTIONS} />
          <TextField name="label" label="Label" form={form} filter width="s" />
          <SelectField name="advies" label="Advies" form={form} filter placeholder="Alle contactmomenten" options={[{ value: 'ja', label: 'Alleen advies' }]} />
          <Button variant="secondary">Filteren</Button>
        </form>
        <P>{totalsText(list)}.</P>
        <DataTable caption="Contactmomenten" columns={columns} rows={list.rows} base={BASE} query={query} empty="Geen contactmomenten gevonden." />
        <Pagination base={BASE} query={query} total={list.total} />
        <ExportLinks base={`${BASE}/export`} query={query} />
      </Page>
    ));
  });

  app.get(`${BASE}/export`, async (req, reply) => {
    const p = req.authorize('contact:read');
    const { filter, query } = await readListFilter(app, req.query as Record<string, string>);
    const list = await listContactMoments(db, p, { ...filter, page: 1, pageSize: 0 });
    const { page: _p, pageSize: _s, ...filters } = query;
    return sendAuditedExport(db, req, reply, { entity: 'contact_moment', sheetName: 'Contactmomenten', columns: MOMENT_EXPORT_COLUMNS, rows: list.rows }, { filename: 'contactmomenten', filters });
  });

  // --- create --------------------------------------------------------------------------------

  const NEW_TITLE = 'Contactmoment vastleggen';

  app.get(`${BASE}/nieuw`, async (req, reply) => {
    const p = req.authorize('contact:log');
    const today = amsterdamDate(new Date());
    const q = req.query as Record<string, string>;
    const choices = await municipalityChoices(p);
    let municipalityId = '';
    if (q.gemeente) {
      const m = await municipalityByCode(db, q.gemeente);
      if (m && can(p, 'contact:log', { municipalityId: m.id })) municipalityId = String(m.id);
    } else if (!crmAll(p) && choices.length === 1) municipalityId = choices[0].value;
    // No assignee chosen in advance: a chosen assignee would make the optional follow-up task required (empty = the user).
    const values: Record<string, unknown> = { occurredOn: today, municipalityId, duration: '', advisory: crmAll(p) ? '' : 'ja' };
    if (crmAll(p) && municipalityId) {
      const assigned = await assignedAdvisors(db, Number(municipalityId));
      if (assigned.length === 1) values.advisorId = String(assigned[0].userId);
    }
    const organisationId = pathIdOrNull(q.organisatie);
    if (organisationId) values.organisationIds = [String(organisationId)];
    return momentForm(reply, p, { title: NEW_TITLE, crumbs: [...CRUMBS, { label: 'Vastleggen' }], action: `${BASE}/nieuw`, form: { values, errors: {} }, withTask: true, cancel: BASE, submit: 'Contactmoment opslaan' });
  });

  app.post(`${BASE}/nieuw`, async (req, reply) => {
    const p = req.authorize('contact:log');
    const values = formValues(req.body);
    const opts = { title: NEW_TITLE, crumbs: [...CRUMBS, { label: 'Vastleggen' }], action: `${BASE}/nieuw`, withTask: true, cancel: BASE, submit: 'Contactmoment opslaan' };
    if (values.actie === 'zoeken') return momentForm(reply, p, { ...opts, form: { values, errors: {} } });
    const v = await validateContactMoment(db, p, values, amsterdamDate(new Date()), { withTask: true });
    if (!v.ok) return momentForm(reply, p, { ...opts, form: { values, errors: v.errors }, status: 422 });
    const id = await createContactMoment(db, req.auditCtx(), v.data, mailDeps());
    reply.flash('success', `Het contactmoment "${v.data.subject}" is vastgelegd.`);
    return reply.redirect(`${BASE}/${id}`, 303);
  });

  // --- timelines ----------------------------------------------------------------------------

  const pageOf = (q: Record<string, string>) => listParams(q, [], 'date', PAGE_SIZE).page;

  app.get(`${BASE}/gemeente/:cbsCode`, async (req, reply) => {
    const p = req.authorize('contact:read');
    const m = await municipalityByCode(db, (req.params as { cbsCode: string }).cbsCode);
    if (!m || !can(p, 'contact:read', { municipalityId: m.id })) throw new NotFoundError();
    const page = pageOf(req.query as Record<string, string>);
    const list = await listContactMoments(db, p, { municipality: m.id, sort: 'date', dir: 'desc', page, pageSize: PAGE_SIZE });
    const title = `Contactmomenten met ${m.name}`;
    const query: ListQuery = { page, pageSize: PAGE_SIZE };
    const base = `${BASE}/gemeente/${m.cbsCode}`;
    return reply.page({ title }, (ctx) => (
      <Page ctx={ctx} title={title} crumbs={[...CRUMBS, { label: m.name }]}>
        <Heading>{title}</Heading>
        <P>{totalsText(list)}.</P>
        <ul class="action-list">
          {can(p, 'contact:log', { municipalityId: m.id }) && (
            <li>
              <ButtonLink href={`${BASE}/nieuw?gemeente=${m.cbsCode}`} variant="primary">
                Contactmoment vastleggen
              </ButtonLink>
            </li>
          )}
          {can(p, 'advisory:read', { municipalityId: m.id }) && (
            <li>
              <Link href={`/advies/${m.cbsCode}`}>Adviesuren en fase van {m.name}</Link>
            </li>
          )}
        </ul>
        <h2 class="utrecht-heading-2">Tijdlijn, nieuwste eerst</h2>
        <Timeline rows={list.rows} showMunicipality={false} />
        <Pagination base={base} query={query} total={list.total} />
        <ExportLinks base={`${BASE}/export`} query={{ gemeente: m.cbsCode }} />
      </Page>
    ));
  });

  app.get(`${BASE}/organisatie/:id`, async (req, reply) => {
    const p = req.authorize('contact:read');
    const o = await getOrganisation(db, pathId((req.params as { id: string }).id));
    const ids = crmMunicipalityIds(p);
    if (!o || (ids !== null && o.municipalityId !== null && !ids.includes(o.municipalityId))) throw new NotFoundError();
    const page = pageOf(req.query as Record<string, string>);
    const [list, people] = await Promise.all([
      listContactMoments(db, p, { organisationId: o.id, sort: 'date', dir: 'desc', page, pageSize: PAGE_SIZE }),
      listPersons(db, p, { organisationId: o.id, page: 1, pageSize: 100 }),
    ]);
    const title = `Contactmomenten met ${o.name}`;
    return reply.page({ title }, (ctx) => (
      <Page ctx={ctx} title={title} crumbs={[...CRUMBS, { label: o.name }]}>
        <Heading>{title}</Heading>
        <P>
          {o.municipalityName ? `Organisatie in ${o.municipalityName}` : 'Landelijke organisatie'}. {totalsText(list)}
          {ids !== null ? ' (in uw gemeenten)' : ''}.
        </P>
        <ul class="action-list">
          <li>
            <ButtonLink href={`${BASE}/nieuw?organisatie=${o.id}${o.municipalityCode ? `&gemeente=${o.municipalityCode}` : ''}`} variant="primary">
              Contactmoment vastleggen
            </ButtonLink>
          </li>
          <li>
            <Link href={`${PERSONS}/nieuw?organisatie=${o.id}`}>Contactpersoon toevoegen</Link>
          </li>
        </ul>
        {people.rows.length > 0 && (
          <>
            <h2 class="utrecht-heading-2">Contactpersonen</h2>
            <ul class="utrecht-unordered-list">
              {people.rows.map((x) => (
                <li class="utrecht-unordered-list__item">
                  <Link href={`${PERSONS}/${x.id}`}>{x.name}</Link>
                  {x.jobTitle ? `, ${x.jobTitle}` : ''}
                </li>
              ))}
            </ul>
          </>
        )}
        <h2 class="utrecht-heading-2">Tijdlijn, nieuwste eerst</h2>
        <Timeline rows={list.rows} showMunicipality />
        <Pagination base={`${BASE}/organisatie/${o.id}`} query={{ page, pageSize: PAGE_SIZE }} total={list.total} />
      </Page>
    ));
  });

  // --- one contact moment ------------------------------------------------------------------------

  async function readable(req: FastifyRequest, action: 'contact:read' | 'contact:log' = 'contact:read') {
    const p = req.authorize('contact:read');
    const m = await getContactMoment(db, pathId((req.params as { id: string }).id));
    if (!m || !can(p, 'contact:read', { municipalityId: m.municipalityId })) throw new NotFoundError();
    if (action === 'contact:log') req.authorize('contact:log', { municipalityId: m.municipalityId });
    return { p, m };
  }

  async function detailPage(reply: FastifyReply, p: Principal, m: ContactMomentDetail, task: { status?: number; errors?: FieldErrors; values?: Record<string, unknown> } = {}) {
    const today = amsterdamDate(new Date());
    const mayLog = can(p, 'contact:log', { municipalityId: m.municipalityId });
    const assignees = mayLog ? await assigneeOptions(db) : [];
    const taskForm: FormState = { values: task.values ?? { taskAssigneeId: String(p.id) }, errors: task.errors ?? {} };
    const back = m.municipalityCode ? `${BASE}/gemeente/${m.municipalityCode}` : BASE;
    return reply.page({ title: m.subject, status: task.status }, (ctx) => (
      <Page ctx={ctx} title={m.subject} crumbs={[...CRUMBS, ...(m.municipalityCode ? [{ href: back, label: m.municipalityName! }] : []), { label: m.subject }]}>
        <Heading>{m.subject}</Heading>
        <ErrorSummary errors={taskForm.errors} labels={CONTACT_MOMENT_FIELD_LABELS} />
        <SummaryList
          items={[
            ['Datum', nlDate(m.occurredOn)],
            ['Soort contact', kindLabel(m.kind)],
            ['Gemeente', m.municipalityCode ? <Link href={back}>{`${m.municipalityName} (${m.municipalityCode})`}</Link> : 'Landelijk contact'],
            [
              'Organisaties',
              m.organisations.length ? (
                <ul class="plain-list">
                  {m.organisations.map((o) => (
                    <li>
                      <Link href={`${BASE}/organisatie/${o.id}`}>{o.name}</Link> ({o.municipalityName ?? 'landelijk'})
                    </li>
                  ))}
                </ul>
              ) : null,
            ],
            [
              'Contactpersonen',
              m.persons.length ? (
                <ul class="plain-list">
                  {m.persons.map((x) => (
                    <li>
                      <Link href={`${PERSONS}/${x.id}`}>{x.name}</Link>
                      {[x.jobTitle, x.organisationName].filter(Boolean).length ? `, ${[x.jobTitle, x.organisationName].filter(Boolean).join(', ')}` : ''}
                    </li>
                  ))}
                </ul>
              ) : null,
            ],
            ['Pijlers', m.pillars.map((x) => PILLAR_LABELS[x] ?? x).join(', ')],
            ['Labels', m.tags.join(', ')],
            ['Duur', formatMinutes(m.durationMinutes)],
            ['Telt als advies', m.advisory ? `Ja, op adviseur ${m.advisorName ?? 'onbekend'}` : 'Nee'],
            ['Vastgelegd door', `${m.createdByName ?? 'onbekend'} op ${nlDate(amsterdamDate(m.createdAt))}`],
          ]}
        />
        <h2 class="utrecht-heading-2">Notities</h2>
        {m.notes ? <p class="utrecht-paragraph nw-notes">{m.notes}</p> : <P>Geen notities.</P>}
        <h2 class="utrecht-heading-2" id="taken">
          Vervolgtaken
        </h2>
        <TaskTable
          rows={m.tasks}
          today={today}
          csrf={ctx.csrfToken}
          back={`${BASE}/${m.id}`}
          canToggle={(t) => mayLog || t.assigneeId === p.id}
          caption={`Vervolgtaken van "${m.subject}"`}
        />
        {mayLog && (
          <form method="post" action={`${BASE}/${m.id}/taken`} novalidate class="form">
            <CsrfField token={ctx.csrfToken} />
            <fieldset class="utrecht-form-fieldset">
              <legend class="utrecht-form-fieldset__legend">Vervolgtaak toevoegen</legend>
              <TextField name="taskTitle" label="Wat moet er gebeuren?" form={taskForm} required />
              <TextField name="taskDueDate" label="Uiterste datum" type="date" form={taskForm} required width="s" />
              <SelectField
                name="taskAssigneeId"
                label="Uitvoerder"
                form={taskForm}
                required
                options={assignees.map((a) => ({ value: String(a.id), label: a.id === p.id ? `${a.name} (uzelf)` : a.name }))}
              />
            </fieldset>
            <div class="form-actions">
              <Button variant="secondary">Taak toevoegen</Button>
            </div>
          </form>
        )}
        <ul class="action-list">
          {mayLog && (
            <>
              <li>
                <ButtonLink href={`${BASE}/${m.id}/bewerken`}>Wijzigen</ButtonLink>
              </li>
              <li>
                <ButtonLink href={`${BASE}/${m.id}/verwijderen`}>Verwijderen</ButtonLink>
              </li>
            </>
          )}
          <li>
            <Link href={back}>{m.municipalityCode ? `Terug naar de tijdlijn van ${m.municipalityName}` : 'Terug naar de lijst'}</Link>
          </li>
        </ul>
      </Page>
    ));
  }

  app.get(`${BASE}/:id`, async (req, reply) => {
    const { p, m } = await readable(req);
    return detailPage(reply, p, m);
  });

  app.post(`${BASE}/:id/taken`, async (req, reply) => {
    const { p, m } = await readable(req, 'contact:log');
    const values = formValues(req.body);
    const r = await addTask(db, req.auditCtx(), p, m, values, mailDeps());
    if (!r.ok) return detailPage(reply, p, m, { status: 422, errors: r.errors, values });
    reply.flash('success', 'De vervolgtaak is toegevoegd.');
    return reply.redirect(`${BASE}/${m.id}#taken`, 303);
  });

  // --- edit and delete -------------------------------------------------------------------------

  const editValues = (m: ContactMomentDetail): Record<string, unknown> => ({
    occurredOn: m.occurredOn,
    kind: m.kind,
    subject: m.subject,
    municipalityId: m.municipalityId ? String(m.municipalityId) : '',
    organisationIds: m.organisations.map((o) => String(o.id)),
    personIds: m.persons.map((x) => String(x.id)),
    pillars: m.pillars,
    tags: m.tags.join(', '),
    notes: m.notes ?? '',
    duration: durationValue(m.durationMinutes),
    advisory: m.advisory ? 'ja' : '',
    advisorId: m.advisorId ? String(m.advisorId) : '',
  });

  const editOpts = (m: ContactMomentDetail) => ({
    title: `${m.subject} wijzigen`,
    crumbs: [...CRUMBS, { href: `${BASE}/${m.id}`, label: m.subject }, { label: 'Wijzigen' }],
    action: `${BASE}/${m.id}/bewerken`,
    withTask: false,
    cancel: `${BASE}/${m.id}`,
    submit: 'Wijzigingen opslaan',
  });

  app.get(`${BASE}/:id/bewerken`, async (req, reply) => {
    const { p, m } = await readable(req, 'contact:log');
    return momentForm(reply, p, { ...editOpts(m), form: { values: editValues(m), errors: {} } });
  });

  app.post(`${BASE}/:id/bewerken`, async (req, reply) => {
    const { p, m } = await readable(req, 'contact:log');
    const values = formValues(req.body);
    if (values.actie === 'zoeken') return momentForm(reply, p, { ...editOpts(m), form: { values, errors: {} } });
    const v = await validateContactMoment(db, p, values, amsterdamDate(new Date()), { withTask: false, keepAdvisorId: m.advisory ? m.advisorId : null });
    if (!v.ok) return momentForm(reply, p, { ...editOpts(m), form: { values, errors: v.errors }, status: 422 });
    await updateContactMoment(db, req.auditCtx(), m, v.data);
    reply.flash('success', 'De wijzigingen zijn opgeslagen.');
    return reply.redirect(`${BASE}/${m.id}`, 303);
  });

  app.get(`${BASE}/:id/verwijderen`, async (req, reply) => {
    const { m } = await readable(req, 'contact:log');
    const title = 'Contactmoment verwijderen';
    return reply.page({ title }, (ctx) => (
      <Page ctx={ctx} title={title} crumbs={[...CRUMBS, { href: `${BASE}/${m.id}`, label: m.subject }, { label: 'Verwijderen' }]}>
        <Heading>{title}</Heading>
        <P>
          U verwijdert "{m.subject}" van {nlDate(m.occurredOn)}
          {m.advisory ? `. De ${formatMinutes(m.durationMinutes)} telt dan niet meer als advies` : ''}
          {m.tasks.length ? `; ook de ${m.tasks.length === 1 ? 'vervolgtaak verdwijnt' : `${m.tasks.length} vervolgtaken verdwijnen`}` : ''}. De verwijdering komt in het
          auditlog.
        </P>
        <ConfirmForm action={`${BASE}/${m.id}/verwijderen`} csrf={ctx.csrfToken} label="Contactmoment verwijderen" cancel={`${BASE}/${m.id}`} />
      </Page>
    ));
  });

  app.post(`${BASE}/:id/verwijderen`, async (req, reply) => {
    const { m } = await readable(req, 'contact:log');
    await deleteContactMoment(db, req.auditCtx(), m);
    reply.flash('success', `Het contactmoment "${m.subject}" is verwijderd.`);
    return reply.redirect(m.municipalityCode ? `${BASE}/gemeente/${m.municipalityCode}` : BASE, 303);
  });

  // --- contact persons ---------------------------------------------------------------------------

  const PERSON_CRUMBS: Crumb[] = [...CRUMBS, { href: PERSONS, label: 'Contactpersonen' }];

  app.get(PERSONS, async (req, reply) => {
    const p = req.authorize('contact:read');
    const q = req.query as Record<string, string>;
    const lp = listParams(q, [], 'name', PAGE_SIZE);
    const { rows, total } = await listPersons(db, p, { q: lp.q || undefined, page: lp.page, pageSize: lp.pageSize });
    const query: ListQuery = { q: lp.q || undefined, page: lp.page, pageSize: lp.pageSize };
    const columns: Column<(typeof rows)[number]>[] = [
      { key: 'name', label: 'Naam', render: (r) => <Link href={`${PERSONS}/${r.id}`}>{r.name}</Link> },
      { key: 'jobTitle', label: 'Functie', render: (r) => r.jobTitle ?? '—' },
      { key: 'organisation', label: 'Organisatie', render: (r) => r.organisationName ?? '—' },
      { key: 'municipality', label: 'Gemeente', render: (r) => (r.organisationId ? (r.municipalityName ?? 'Landelijk') : '—') },
      { key: 'moments', label: 'Contactmomenten', numeric: true, render: (r) => r.moments },
    ];
    const title = 'Contactpersonen';
    return reply.page({ title }, (ctx) => (
      <Page ctx={ctx} title={title} crumbs={[...CRUMBS, { label: title }]}>
        <Heading>{title}</Heading>
        <P>Mensen bij organisaties met wie het programmateam en de adviseurs contact hebben. Alleen zakelijke contactgegevens.</P>
        <ul class="action-list">
          <li>
            <ButtonLink href={`${PERSONS}/nieuw`} variant="primary">
              Contactpersoon toevoegen
            </ButtonLink>
          </li>
        </ul>
        <form method="get" action={PERSONS} class="filter-form" role="search" novalidate aria-label="Contactpersonen zoeken">
          <TextField name="q" label="Zoek op naam, functie of organisatie" type="search" form={{ values: { q: lp.q }, errors: {} }} filter />
          <Button variant="secondary">Zoeken</Button>
        </form>
        <DataTable caption="Contactpersonen" columns={columns} rows={rows} base={PERSONS} query={query} empty="Geen contactpersonen gevonden." />
        <Pagination base={PERSONS} query={query} total={total} />
        <ExportLinks base={`${PERSONS}/export`} query={query} />
        <P>De export bevat ook de zakelijke e-mailadressen en telefoonnummers. Elke export komt in het auditlog.</P>
      </Page>
    ));
  });

  app.get(`${PERSONS}/export`, async (req, reply) => {
    const p = req.authorize('contact:read');
    const { q } = listParams(req.query as Record<string, string>, [], 'name', PAGE_SIZE);
    const { rows } = await listPersons(db, p, { q: q || undefined, page: 1, pageSize: EXPORT_ALL });
    return sendAuditedExport(db, req, reply, { entity: 'contact_person', sheetName: 'Contactpersonen', columns: PERSON_EXPORT_COLUMNS, rows }, { filename: 'contactpersonen', filters: { q } });
  });

  async function personForm(reply: FastifyReply, p: Principal, opts: { title: string; crumbs: Crumb[]; action: string; form: FormState; status?: number; cancel: string; submit: string }) {
    const options = await organisationOptions(db, p);
    return reply.page({ title: opts.title, status: opts.status }, (ctx) => (
      <Page ctx={ctx} title={opts.title} crumbs={opts.crumbs}>
        <Heading>{opts.title}</Heading>
        <ErrorSummary errors={opts.form.errors} labels={PERSON_FIELD_LABELS} />
        <P>
          Waarom vragen we dit? Zodat het programmateam en de adviseurs deze persoon kunnen bereiken over de aanpak van eenzaamheid. Vul alleen zakelijke gegevens in
          (werkadres en -telefoon). Wijzigingen komen in het auditlog.
        </P>
        <form method="post" action={opts.action} novalidate class="form">
          <CsrfField token={ctx.csrfToken} />
          <TextField name="name" label="Naam" form={opts.form} required autocomplete="off" />
          <SelectField
            name="organisationId"
            label="Organisatie"
            form={opts.form}
            required={!crmAll(p)}
            placeholder={crmAll(p) ? 'Geen organisatie' : 'Kies de organisatie'}
            options={options.map((o) => ({ value: String(o.id), label: orgLabel(o) }))}
          />
          <TextField name="jobTitle" label="Functie" form={opts.form} autocomplete="off" hint="Bijvoorbeeld: Beleidsadviseur sociaal domein." />
          <TextField name="email" label="E-mailadres (werk)" type="email" form={opts.form} autocomplete="off" />
          <TextField name="phone" label="Telefoonnummer (werk)" type="tel" form={opts.form} autocomplete="off" />
          <div class="form-actions">
            <Button>{opts.submit}</Button>
            <Link href={opts.cancel}>Annuleren</Link>
          </div>
        </form>
      </Page>
    ));
  }

  const NEW_PERSON = 'Contactpersoon toevoegen';

  app.get(`${PERSONS}/nieuw`, async (req, reply) => {
    const p = req.authorize('contact:log');
    const organisationId = pathIdOrNull((req.query as Record<string, string>).organisatie);
    return personForm(reply, p, {
      title: NEW_PERSON,
      crumbs: [...PERSON_CRUMBS, { label: 'Toevoegen' }],
      action: `${PERSONS}/nieuw`,
      form: { values: { organisationId: organisationId ? String(organisationId) : '' }, errors: {} },
      cancel: PERSONS,
      submit: 'Contactpersoon opslaan',
    });
  });

  app.post(`${PERSONS}/nieuw`, async (req, reply) => {
    const p = req.authorize('contact:log');
    const values = formValues(req.body);
    const r = await createPerson(db, req.auditCtx(), p, values);
    if (r.ok) {
      reply.flash('success', 'De contactpersoon is toegevoegd.');
      return reply.redirect(`${PERSONS}/${r.id}`, 303);
    }
    return personForm(reply, p, {
      title: NEW_PERSON,
      crumbs: [...PERSON_CRUMBS, { label: 'Toevoegen' }],
      action: `${PERSONS}/nieuw`,
      form: { values, errors: r.errors },
      status: 422,
      cancel: PERSONS,
      submit: 'Contactpersoon opslaan',
    });
  });

  async function readablePerson(req: FastifyRequest) {
    const p = req.authorize('contact:read');
    const x = await getPerson(db, p, pathId((req.params as { id: string }).id));
    if (!x) throw new NotFoundError();
    return { p, x };
  }

  const NATIONAL_PERSON_NOTE = 'Deze contactpersoon werkt bij een landelijke organisatie. Wijzigen en verwijderen doet het programmateam.';

  /** A person `p` may see and change: persons of national organisations are the programme team's (403 for an advisor who sees them). */
  async function changeablePerson(req: FastifyRequest) {
    const r = await readablePerson(req);
    req.authorize('contact:log');
    if (!mayChangePerson(r.p, r.x)) throw new ForbiddenError(NATIONAL_PERSON_NOTE);
    return r;
  }

  app.get(`${PERSONS}/:id`, async (req, reply) => {
    const { p, x } = await readablePerson(req);
    if (x.email || x.phone) await audit(db, req.auditCtx(), { action: 'read_personal', entity: 'contact_person', entityId: x.id, details: { fields: ['email', 'phone'] } });
    const page = pageOf(req.query as Record<string, string>);
    const list = await listContactMoments(db, p, { personId: x.id, sort: 'date', dir: 'desc', page, pageSize: PAGE_SIZE });
    return reply.page({ title: x.name }, (ctx) => (
      <Page ctx={ctx} title={x.name} crumbs={[...PERSON_CRUMBS, { label: x.name }]}>
        <Heading>{x.name}</Heading>
        <SummaryList
          items={[
            ['Functie', x.jobTitle],
            ['Organisatie', x.organisationId ? <Link href={`${BASE}/organisatie/${x.organisationId}`}>{x.organisationName}</Link> : null],
            ['Gemeente', x.organisationId ? (x.municipalityName ?? 'Landelijk') : null],
            ['E-mailadres', x.email ? <Link href={`mailto:${x.email}`}>{x.email}</Link> : null],
            ['Telefoonnummer', x.phone],
          ]}
        />
        {mayChangePerson(p, x) ? (
          <ul class="action-list">
            <li>
              <ButtonLink href={`${PERSONS}/${x.id}/bewerken`}>Wijzigen</ButtonLink>
            </li>
            <li>
              <ButtonLink href={`${PERSONS}/${x.id}/verwijderen`}>Verwijderen</ButtonLink>
            </li>
          </ul>
        ) : (
          <P>{NATIONAL_PERSON_NOTE}</P>
        )}
        <h2 class="utrecht-heading-2">Contactmomenten</h2>
        <P>{totalsText(list)}.</P>
        <Timeline rows={list.rows} showMunicipality />
        <Pagination base={`${PERSONS}/${x.id}`} query={{ page, pageSize: PAGE_SIZE }} total={list.total} />
      </Page>
    ));
  });

  const personValues = (x: PersonRow) => ({ name: x.name, organisationId: x.organisationId ? String(x.organisationId) : '', jobTitle: x.jobTitle ?? '', email: x.email ?? '', phone: x.phone ?? '' });

  app.get(`${PERSONS}/:id/bewerken`, async (req, reply) => {
    const { p, x } = await changeablePerson(req);
    return personForm(reply, p, {
      title: `${x.name} wijzigen`,
      crumbs: [...PERSON_CRUMBS, { href: `${PERSONS}/${x.id}`, label: x.name }, { label: 'Wijzigen' }],
      action: `${PERSONS}/${x.id}/bewerken`,
      form: { values: personValues(x), errors: {} },
      cancel: `${PERSONS}/${x.id}`,
      submit: 'Wijzigingen opslaan',
    });
  });

  app.post(`${PERSONS}/:id/bewerken`, async (req, reply) => {
    const { p, x } = await changeablePerson(req);
    const values = formValues(req.body);
    const r = await updatePerson(db, req.auditCtx(), p, x, values);
    if (r.ok) {
      reply.flash('success', 'De wijzigingen zijn opgeslagen.');
      return reply.redirect(`${PERSONS}/${x.id}`, 303);
    }
    return personForm(reply, p, {
      title: `${x.name} wijzigen`,
      crumbs: [...PERSON_CRUMBS, { href: `${PERSONS}/${x.id}`, label: x.name }, { label: 'Wijzigen' }],
      action: `${PERSONS}/${x.id}/bewerken`,
      form: { values, errors: r.errors },
      status: 422,
      cancel: `${PERSONS}/${x.id}`,
      submit: 'Wijzigingen opslaan',
    });
  });

  app.get(`${PERSONS}/:id/verwijderen`, async (req, reply) => {
    const { x } = await changeablePerson(req);
    const title = 'Contactpersoon verwijderen';
    return reply.page({ title }, (ctx) => (
      <Page ctx={ctx} title={title} crumbs={[...PERSON_CRUMBS, { href: `${PERSONS}/${x.id}`, label: x.name }, { label: 'Verwijderen' }]}>
        <Heading>{title}</Heading>
        <P>
          U verwijdert {x.name} uit de contactpersonen. Het e-mailadres, het telefoonnummer en de functie worden gewist; de naam blijft zichtbaar bij eerdere
          contactmomenten. De verwijdering komt in het auditlog.
        </P>
        <ConfirmForm action={`${PERSONS}/${x.id}/verwijderen`} csrf={ctx.csrfToken} label="Contactpersoon verwijderen" cancel={`${PERSONS}/${x.id}`} />
      </Page>
    ));
  });

  app.post(`${PERSONS}/:id/verwijderen`, async (req, reply) => {
    const { x } = await changeablePerson(req);
    await deletePerson(db, req.auditCtx(), x);
    reply.flash('success', `${x.name} is verwijderd uit de contactpersonen.`);
    return reply.redirect(PERSONS, 303);
  });
}

/** An optional id from a query string; anything else is null. */
function pathIdOrNull(v: unknown): number | null {
  const n = Number(v);
  return Number.isInteger(n) && n > 0 && n < 2_147_483_647 ? n : null;
}

// ---------------------------------------------------------------------------------------------
// Tasks table (shared with tasks.tsx)

export interface TaskLike {
  id: number;
  title: string;
  dueDate: string;
  assigneeId: number;
  assigneeName: string;
  doneAt: Date | null;
  contactMomentId?: number | null;
  momentSubject?: string | null;
  municipalityName?: string | null;
}

/** Due date with "Te laat" / "Vandaag" spelt out (never colour alone). */
export function DueText({ t, today }: { t: Pick<TaskLike, 'dueDate' | 'doneAt'>; today: string }) {
  return (
    <>
      {nlDate(t.dueDate)}
      {isOverdue(t, today) && (
        <>
          {' '}
          <strong class="nw-overdue">Te laat</strong>
        </>
      )}
      {!t.doneAt && t.dueDate === today && (
        <>
          {' '}
          <strong class="nw-today">Vandaag</strong>
        </>
      )}
    </>
  );
}

/** A mark-done / reopen button for one task (POST, back to `back`). */
export function TaskToggle({ t, csrf, back }: { t: TaskLike; csrf: string; back: string }) {
  return (
    <form method="post" action={`/taken/${t.id}/${t.doneAt ? 'heropenen' : 'afgerond'}`} class="inline-form">
      <CsrfField token={csrf} />
      <input type="hidden" name="terug" value={back} />
      <Button variant="secondary">
        {t.doneAt ? 'Heropenen' : 'Afgerond'}
        <span class="visually-hidden">: {t.title}</span>
      </Button>
    </form>
  );
}

export function TaskTable({
  rows,
  today,
  csrf,
  back,
  canToggle,
  caption,
  showMoment = false,
  showAssignee = true,
}: {
  rows: TaskLike[];
  today: string;
  csrf: string;
  back: string;
  canToggle: (t: TaskLike) => boolean;
  caption: string;
  showMoment?: boolean;
  showAssignee?: boolean;
}) {
  const columns: Column<TaskLike>[] = [
    { key: 'title', label: 'Taak', render: (t) => t.title },
    { key: 'due', label: 'Uiterste datum', render: (t) => <DueText t={t} today={today} /> },
    ...(showAssignee ? [{ key: 'assignee', label: 'Uitvoerder', render: (t: TaskLike) => t.assigneeName }] : []),
    ...(showMoment
      ? [
          {
            key: 'moment',
            label: 'Contactmoment',
            render: (t: TaskLike) =>
              t.contactMomentId ? (
                <>
                  <Link href={`${BASE}/${t.contactMomentId}`}>{t.momentSubject ?? 'Contactmoment'}</Link>
                  {t.municipalityName ? ` (${t.municipalityName})` : ''}
                </>
              ) : (
                '—'
              ),
          },
        ]
      : []),
    { key: 'status', label: 'Status', render: (t) => (t.doneAt ? `Afgerond op ${nlDate(amsterdamDate(t.doneAt))}` : 'Open') },
    { key: 'action', label: 'Actie', render: (t) => (canToggle(t) ? <TaskToggle t={t} csrf={csrf} back={back} /> : '—') },
  ];
  return <DataTable caption={caption} columns={columns} rows={rows} base={back} query={{ page: 1, pageSize: rows.length || 1 }} empty="Geen taken." />;
}
