import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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
  TextField,
  type Column,
  type FormState,
  type ListQuery,
  type Option,
} from '../../platform/views/components.js';
import { formValues, listParams, parseForm } from '../../platform/http/forms.js';
import { ForbiddenError, NotFoundError } from '../../platform/http/errors.js';
import { can, scopeOf, type Principal } from '../../platform/access.js';
import { audit } from '../../platform/audit.js';
import { listProvinces } from './service.js';
import { ORGANISATION_KIND_LABELS, ORGANISATION_KINDS, type OrganisationKind } from './labels.js';
import {
  createOrganisation,
  deleteOrganisation,
  getOrganisation,
  listOrganisations,
  listSectors,
  municipalityOptions,
  NATIONAL,
  ORGANISATION_FIELD_LABELS,
  ORGANISATION_SORTS,
  organisationExportTable,
  organisationFormSchema,
  organisationImportChecker,
  organisationDeleteBlockers,
  organisationImportSchema,
  organisationResource,
  writeOrganisationImport,
  updateOrganisation,
  type OrganisationFilter,
  type OrganisationRow,
} from './organisations-service.js';
import { ExportLinks, type ImportColumnHelp } from './tabular-views.js';
import { Reasons, registerImport, sendAuditedExport } from './ui.js';

const BASE = '/beheer/organisaties';
const CRUMBS: Crumb[] = [
  { href: '/beheer', label: 'Overzicht' },
  { href: BASE, label: 'Organisaties' },
];

const KIND_OPTIONS: Option[] = ORGANISATION_KINDS.map((k) => ({ value: k, label: ORGANISATION_KIND_LABELS[k] }));
export const kindLabel = (k: string) => ORGANISATION_KIND_LABELS[k as OrganisationKind] ?? k;

const formatPostcode = (pc: string | null) => (pc && /^\d{4}[A-Z]{2}$/.test(pc) ? `${pc.slice(0, 4)} ${pc.slice(4)}` : pc);

export const idParam = (v: unknown) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0 || n > 2_147_483_647) throw new NotFoundError();
  return n;
};

/** List filters from the query string (?q=&soort=&sector=&gemeente=&provincie=); unknown values are ignored. */
function readFilter(q: Record<string, string>): OrganisationFilter {
  const lp = listParams(q, [...ORGANISATION_SORTS], 'name');
  return {
    q: lp.q || undefined,
    kind: (ORGANISATION_KINDS as readonly string[]).includes(q.soort) ? (q.soort as OrganisationKind) : undefined,
    sector: typeof q.sector === 'string' && q.sector.trim() ? q.sector.trim().slice(0, 100) : undefined,
    municipality: q.gemeente === NATIONAL || /^GM\d{4}$/.test(q.gemeente ?? '') ? q.gemeente : undefined,
    province: /^PV\d{2}$/.test(q.provincie ?? '') ? q.provincie : undefined,
    sort: lp.sort,
    dir: lp.dir,
    page: lp.page,
    pageSize: lp.pageSize,
  };
}

const toQuery = (f: OrganisationFilter): ListQuery => ({
  q: f.q,
  soort: f.kind,
  sector: f.sector,
  gemeente: f.municipality,
  provincie: f.province,
  sort: f.sort,
  dir: f.dir,
  page: f.page,
  pageSize: f.pageSize,
});

/** Municipalities `p` may choose for an organisation (all current ones for the programme team). */
async function municipalityChoices(app: FastifyInstance, p: Principal, keep?: { id: number | null; code: string | null; name: string | null }): Promise<Option[]> {
  const s = scopeOf(p);
  const rows = await municipalityOptions(app.ctx.database.db, s.all ? undefined : s.municipalityIds);
  const options = rows.map((m) => ({ value: String(m.id), label: `${m.name} (${m.cbsCode})` }));
  if (keep?.id && !options.some((o) => o.value === String(keep.id))) options.unshift({ value: String(keep.id), label: `${keep.name} (${keep.code})` });
  return options;
}

function OrganisationForm({
  ctx,
  title,
  crumbs,
  action,
  form,
  municipalities,
  allowNational,
  fixedMunicipality,
  submit,
  cancel,
}: {
  ctx: PageContext;
  title: string;
  crumbs: Crumb[];
  action: string;
  form: FormState;
  municipalities: Option[];
  allowNational: boolean;
  /** Shown instead of the select when the user may not move the organisation. */
  fixedMunicipality?: string;
  submit: string;
  cancel: string;
}) {
  return (
    <Page ctx={ctx} title={title} crumbs={crumbs}>
      <Heading>{title}</Heading>
      <ErrorSummary errors={form.errors} labels={ORGANISATION_FIELD_LABELS} />
      <form method="post" action={action} novalidate class="form">
        <CsrfField token={ctx.csrfToken} />
        <TextField name="name" label="Naam" form={form} required autocomplete="organization" />
        <SelectField name="kind" label="Soort organisatie" form={form} required placeholder="Kies het soort organisatie" options={KIND_OPTIONS} />
        <TextField name="sector" label="Sector" form={form} hint="Bijvoorbeeld Welzijn, Ouderenzorg of Wonen." />
        <TextField
          name="kvkNumber"
          label="KvK-nummer"
          form={form}
          width="s"
          inputmode="numeric"
          hint="8 cijfers. Laat leeg als de organisatie niet bij de Kamer van Koophandel staat ingeschreven."
        />
        {fixedMunicipality !== undefined ? (
          <SummaryList items={[['Gemeente', fixedMunicipality]]} />
        ) : (
          <SelectField
            name="municipalityId"
            label="Gemeente"
            form={form}
            required={!allowNational}
            placeholder={allowNational ? 'Landelijk (geen gemeente)' : 'Kies een gemeente'}
            hint={allowNational ? 'Kies "Landelijk" voor een organisatie die in het hele land werkt, zoals een partner van de Nationale Coalitie.' : undefined}
            options={municipalities}
          />
        )}
        <fieldset class="utrecht-form-fieldset">
          <legend class="utrecht-form-fieldset__legend">Adres</legend>
          <TextField name="street" label="Straat" form={form} autocomplete="address-line1" />
          <TextField name="houseNumber" label="Huisnummer" form={form} width="xs" />
          <TextField name="postcode" label="Postcode" form={form} width="xs" autocomplete="postal-code" hint="Bijvoorbeeld 1234 AB." />
          <TextField name="city" label="Plaats" form={form} autocomplete="address-level2" />
        </fieldset>
        <TextField name="website" label="Website" type="url" form={form} hint="Het volledige adres, zoals https://www.voorbeeld.nl." />
        <fieldset class="utrecht-form-fieldset">
          <legend class="utrecht-form-fieldset__legend">Contactpersoon</legend>
          <p class="utrecht-paragraph">
            Waarom vragen we dit? Zodat het programmateam en de gemeente de organisatie kunnen bereiken. Vul bij voorkeur een algemeen adres of een functie in
            (zoals info@…). Deze gegevens zijn alleen zichtbaar voor wie de organisatie mag beheren of inzien, niet via API-sleutels.
          </p>
          <TextField name="contactName" label="Naam contactpersoon" form={form} autocomplete="off" />
          <TextField name="contactEmail" label="E-mailadres contactpersoon" type="email" form={form} autocomplete="off" />
          <TextField name="contactPhone" label="Telefoonnummer contactpersoon" type="tel" form={form} autocomplete="off" />
        </fieldset>
        <div class="form-actions">
          <Button>{submit}</Button>
          <Link href={cancel}>Annuleren</Link>
        </div>
      </form>
    </Page>
  );
}

const IMPORT_HELP: ImportColumnHelp[] = [
  { header: 'name', required: true, description: 'Naam van de organisatie.' },
  { header: 'kind', required: true, description: `Soort: ${ORGANISATION_KINDS.map((k) => `${k} (${ORGANISATION_KIND_LABELS[k]})`).join(', ')}. De Nederlandse omschrijving mag ook.` },
  { header: 'sector', description: 'Bijvoorbeeld Welzijn of Ouderenzorg.' },
  { header: 'kvk_number', description: 'KvK-nummer van 8 cijfers.' },
  { header: 'municipality_code', description: 'CBS-code van de gemeente, zoals GM0363. Leeg: landelijke organisatie (alleen het programmateam).' },
  { header: 'street', description: 'Straat.' },
  { header: 'house_number', description: 'Huisnummer met toevoeging.' },
  { header: 'postcode', description: 'Postcode, zoals 1234 AB.' },
  { header: 'city', description: 'Plaats.' },
  { header: 'website', description: 'Webadres dat begint met http:// of https://.' },
  { header: 'contact_name', description: 'Naam van de contactpersoon.' },
  { header: 'contact_email', description: 'E-mailadres van de contactpersoon.' },
  { header: 'contact_phone', description: 'Telefoonnummer van de contactpersoon.' },
];

/** Values of an organisation for the edit form. */
const formValuesOf = (o: OrganisationRow) => ({
  name: o.name,
  kind: o.kind,
  sector: o.sector,
  kvkNumber: o.kvkNumber,
  municipalityId: o.municipalityId == null ? '' : String(o.municipalityId),
  street: o.street,
  houseNumber: o.houseNumber,
  postcode: formatPostcode(o.postcode),
  city: o.city,
  website: o.website,
  contactName: o.contactName,
  contactEmail: o.contactEmail,
  contactPhone: o.contactPhone,
});

const municipalityText = (o: OrganisationRow) => (o.municipalityId ? `${o.municipalityName} (${o.municipalityCode})` : 'Landelijk (geen gemeente)');

/** Admin screens for organisations: list, detail, create, edit, delete, import and export. */
export async function organisationRoutes(app: FastifyInstance) {
  const db = app.ctx.database.db;

  /** Loads an organisation the principal may read; anything else is "not found". */
  async function readable(req: FastifyRequest) {
    const id = idParam((req.params as { id: string }).id);
    const p = req.authorize('organisation:list');
    const o = await getOrganisation(db, id);
    if (!o || !can(p, 'organisation:read', organisationResource(o))) throw new NotFoundError();
    return { p, o };
  }

  app.get(BASE, async (req, reply) => {
    const p = req.authorize('organisation:list');
    const f = readFilter(req.query as Record<string, string>);
    const s = scopeOf(p);
    const [{ rows, total }, sectors, provs, munis] = await Promise.all([
      listOrganisations(db, p, f),
      listSectors(db),
      listProvinces(db),
      municipalityOptions(db, s.all ? undefined : s.municipalityIds),
    ]);
    const query = toQuery(f);
    const columns: Column<OrganisationRow>[] = [
      { key: 'name', label: 'Naam', sortable: true, render: (r) => <Link href={`${BASE}/${r.id}`}>{r.name}</Link> },
      { key: 'kind', label: 'Soort', sortable: true, render: (r) => kindLabel(r.kind) },
      { key: 'sector', label: 'Sector', sortable: true, render: (r) => r.sector ?? '—' },
      { key: 'municipality', label: 'Gemeente', sortable: true, render: (r) => r.municipalityName ?? 'Landelijk' },
      { key: 'city', label: 'Plaats', sortable: true, render: (r) => r.city ?? '—' },
      { key: 'kvkNumber', label: 'KvK-nummer', sortable: true, render: (r) => r.kvkNumber ?? '—' },
    ];
    const form = { values: { q: f.q, soort: f.kind, sector: f.sector, gemeente: f.municipality, provincie: f.province }, errors: {} };
    const municipalityFilter: Option[] = [
      ...(s.all ? [{ value: NATIONAL, label: 'Landelijke organisaties' }] : []),
      ...munis.map((m) => ({ value: m.cbsCode, label: m.name })),
    ];
    return reply.page({ title: 'Organisaties' }, (ctx) => (
      <Page ctx={ctx} title="Organisaties" crumbs={[CRUMBS[0], { label: 'Organisaties' }]}>
        <Heading>Organisaties</Heading>
        {(can(p, 'organisation:create') || can(p, 'organisation:import')) && (
          <p class="form-actions">
            {can(p, 'organisation:create') && <ButtonLink href={`${BASE}/nieuw`}>Organisatie toevoegen</ButtonLink>}
            {can(p, 'organisation:import') && <ButtonLink href={`${BASE}/importeren`}>Importeren uit bestand</ButtonLink>}
          </p>
        )}
        <form method="get" action={BASE} class="filter-form" role="search" novalidate aria-label="Organisaties zoeken en filteren">
          <TextField name="q" label="Zoek op naam, KvK-nummer of plaats" type="search" form={form} filter />
          <SelectField name="soort" label="Soort" form={form} filter placeholder="Alle soorten" options={KIND_OPTIONS} />
          <SelectField name="sector" label="Sector" form={form} filter placeholder="Alle sectoren" options={sectors.map((x) => ({ value: x, label: x }))} />
          <SelectField name="gemeente" label="Gemeente" form={form} filter placeholder="Alle gemeenten" options={municipalityFilter} />
          <SelectField name="provincie" label="Provincie" form={form} filter placeholder="Alle provincies" options={provs.map((pv) => ({ value: pv.code, label: pv.name }))} />
          <Button variant="secondary">Zoeken</Button>
        </form>
        <DataTable caption="Organisaties" columns={columns} rows={rows} base={BASE} query={query} empty="Geen organisaties gevonden." />
        <Pagination base={BASE} query={query} total={total} />
        {can(p, 'registry:export') && <ExportLinks base={`${BASE}/export`} query={query} />}
      </Page>
    ));
  });

  app.get(`${BASE}/export`, async (req, reply) => {
    const p = req.authorize('registry:export');
    req.authorize('organisation:list');
    const { page: _page, pageSize: _size, ...f } = readFilter(req.query as Record<string, string>);
    const { page: _p, pageSize: _s, ...filters } = toQuery({ ...f, page: 1, pageSize: 0 });
    return sendAuditedExport(db, req, reply, await organisationExportTable(db, p, f), { filename: 'organisaties', filters });
  });

  app.get(`${BASE}/nieuw`, async (req, reply) => {
    const p = req.authorize('organisation:create');
    const municipalities = await municipalityChoices(app, p);
    const allowNational = can(p, 'organisation:create', { municipalityId: null });
    const only = !allowNational && municipalities.length === 1 ? municipalities[0].value : '';
    return reply.page({ title: 'Organisatie toevoegen' }, (ctx) => (
      <OrganisationForm
        ctx={ctx}
        title="Organisatie toevoegen"
        crumbs={[...CRUMBS, { label: 'Toevoegen' }]}
        action={`${BASE}/nieuw`}
        form={{ values: { municipalityId: only }, errors: {} }}
        municipalities={municipalities}
        allowNational={allowNational}
        submit="Organisatie opslaan"
        cancel={BASE}
      />
    ));
  });

  app.post(`${BASE}/nieuw`, async (req, reply) => {
    const p = req.authorize('organisation:create');
    const values = formValues(req.body);
    const parsed = parseForm(organisationFormSchema, values);
    const result = parsed.ok ? await createOrganisation(db, req.auditCtx(), p, parsed.data) : parsed;
    if (result.ok) {
      reply.flash('success', `De organisatie ${parsed.ok ? parsed.data.name : ''} is toegevoegd.`);
      return reply.redirect(`${BASE}/${result.id}`, 303);
    }
    const municipalities = await municipalityChoices(app, p);
    return reply.page({ title: 'Organisatie toevoegen', status: 422 }, (ctx) => (
      <OrganisationForm
        ctx={ctx}
        title="Organisatie toevoegen"
        crumbs={[...CRUMBS, { label: 'Toevoegen' }]}
        action={`${BASE}/nieuw`}
        form={{ values, errors: result.errors }}
        municipalities={municipalities}
        allowNational={can(p, 'organisation:create', { municipalityId: null })}
        submit="Organisatie opslaan"
        cancel={BASE}
      />
    ));
  });

  registerImport(app, {
    path: `${BASE}/importeren`,
    listPath: BASE,
    title: 'Organisaties importeren',
    crumbs: [...CRUMBS, { label: 'Importeren' }],
    action: 'organisation:import',
    templateName: 'organisaties',
    columns: IMPORT_HELP,
    intro:
      'Voeg in één keer meerdere organisaties toe. Organisaties die al bestaan (zelfde KvK-nummer, of zelfde naam in dezelfde gemeente) worden gemeld en niet dubbel toegevoegd.',
    schema: organisationImportSchema,
    checker: organisationImportChecker,
    write: writeOrganisationImport,
  });

  app.get(`${BASE}/:id`, async (req, reply) => {
    const { p, o } = await readable(req);
    const hasContact = !!(o.contactName || o.contactEmail || o.contactPhone);
    if (hasContact) await audit(db, req.auditCtx(), { action: 'read_personal', entity: 'organisation', entityId: o.id, details: { fields: ['contact'] } });
    const address = [[o.street, o.houseNumber].filter(Boolean).join(' '), [formatPostcode(o.postcode), o.city].filter(Boolean).join(' ')].filter(Boolean).join(', ');
    return reply.page({ title: o.name }, (ctx) => (
      <Page ctx={ctx} title={o.name} crumbs={[...CRUMBS, { label: o.name }]}>
        <Heading>{o.name}</Heading>
        <SummaryList
          items={[
            ['Soort organisatie', kindLabel(o.kind)],
            ['Sector', o.sector],
            ['KvK-nummer', o.kvkNumber],
            ['Gemeente', municipalityText(o)],
            ['Provincie', o.provinceName],
            ['Adres', address],
            ['Website', o.website ? <Link href={o.website} rel="noopener noreferrer">{o.website}</Link> : null],
            ['Contactpersoon', o.contactName],
            ['E-mailadres contactpersoon', o.contactEmail ? <Link href={`mailto:${o.contactEmail}`}>{o.contactEmail}</Link> : null],
            ['Telefoonnummer contactpersoon', o.contactPhone],
          ]}
        />
        <p class="form-actions">
          {can(p, 'organisation:update', organisationResource(o)) && <ButtonLink href={`${BASE}/${o.id}/bewerken`}>Wijzigen</ButtonLink>}
          {can(p, 'organisation:delete', organisationResource(o)) && <ButtonLink href={`${BASE}/${o.id}/verwijderen`}>Verwijderen</ButtonLink>}
          {can(p, 'organisation:merge') && <ButtonLink href={`${BASE}/${o.id}/samenvoegen`}>Samenvoegen</ButtonLink>}
          <Link href={BASE}>Terug naar de lijst</Link>
        </p>
      </Page>
    ));
  });

  /** The edit form (shared by GET and a failed POST). */
  async function editPage(p: Principal, o: OrganisationRow, form: FormState, status = 200) {
    const fixed = can(p, 'organisation:create') ? undefined : municipalityText(o);
    const municipalities = fixed === undefined ? await municipalityChoices(app, p, { id: o.municipalityId, code: o.municipalityCode, name: o.municipalityName }) : [];
    const allowNational = can(p, 'organisation:create', { municipalityId: null });
    return { status, render: (ctx: PageContext) => (
      <OrganisationForm
        ctx={ctx}
        title={`${o.name} wijzigen`}
        crumbs={[...CRUMBS, { href: `${BASE}/${o.id}`, label: o.name }, { label: 'Wijzigen' }]}
        action={`${BASE}/${o.id}/bewerken`}
        form={form}
        municipalities={municipalities}
        allowNational={allowNational}
        fixedMunicipality={fixed}
        submit="Wijzigingen opslaan"
        cancel={`${BASE}/${o.id}`}
      />
    ) };
  }

  /** Loads an organisation the principal may change: 404 outside their scope, 403 when only readable. */
  async function updatable(req: FastifyRequest) {
    const { p, o } = await readable(req);
    if (!can(p, 'organisation:update', organisationResource(o))) throw new ForbiddenError('U mag deze organisatie bekijken, maar niet wijzigen.');
    return { p, o };
  }

  app.get(`${BASE}/:id/bewerken`, async (req, reply) => {
    const { p, o } = await updatable(req);
    if (o.contactName || o.contactEmail || o.contactPhone)
      await audit(db, req.auditCtx(), { action: 'read_personal', entity: 'organisation', entityId: o.id, details: { fields: ['contact'], form: 'edit' } });
    const page = await editPage(p, o, { values: formValuesOf(o), errors: {} });
    return reply.page({ title: `${o.name} wijzigen` }, page.render);
  });

  app.post(`${BASE}/:id/bewerken`, async (req, reply) => {
    const { p, o } = await updatable(req);
    const values = formValues(req.body);
    if (!can(p, 'organisation:create')) values.municipalityId = o.municipalityId == null ? '' : String(o.municipalityId);
    const parsed = parseForm(organisationFormSchema, values);
    const result = parsed.ok ? await updateOrganisation(db, req.auditCtx(), p, o, parsed.data) : parsed;
    if (result.ok) {
      reply.flash('success', 'De wijzigingen zijn opgeslagen.');
      return reply.redirect(`${BASE}/${o.id}`, 303);
    }
    const page = await editPage(p, o, { values, errors: result.errors }, 422);
    return reply.page({ title: `${o.name} wijzigen`, status: page.status }, page.render);
  });

  async function deletable(req: FastifyRequest) {
    const { p, o } = await readable(req);
    if (!can(p, 'organisation:delete', organisationResource(o))) throw new ForbiddenError('U mag deze organisatie niet verwijderen.');
    return { p, o };
  }

  /** The confirmation, or (when something blocks the deletion) the reasons and no button. */
  const deletePage = (reply: FastifyReply, o: OrganisationRow, reasons: string[], status?: number) =>
    reply.page({ title: `${o.name} verwijderen`, status }, (ctx) => (
      <Page ctx={ctx} title={`${o.name} verwijderen`} crumbs={[...CRUMBS, { href: `${BASE}/${o.id}`, label: o.name }, { label: 'Verwijderen' }]}>
        <Heading>{o.name} verwijderen</Heading>
        {reasons.length ? (
          <>
            <Reasons reasons={reasons} />
            <P>
              <Link href={`${BASE}/${o.id}`}>Terug naar {o.name}</Link>
            </P>
          </>
        ) : (
          <>
            <P>
              Weet u zeker dat u de organisatie <strong>{o.name}</strong> ({municipalityText(o)}) wilt verwijderen? De organisatie verdwijnt uit de lijsten. De
              geschiedenis blijft bewaard in het auditlog.
            </P>
            <form method="post" action={`${BASE}/${o.id}/verwijderen`} class="form-actions">
              <CsrfField token={ctx.csrfToken} />
              <Button>Ja, verwijderen</Button>
              <Link href={`${BASE}/${o.id}`}>Nee, terug</Link>
            </form>
          </>
        )}
      </Page>
    ));

  app.get(`${BASE}/:id/verwijderen`, async (req, reply) => {
    const { o } = await deletable(req);
    return deletePage(reply, o, await organisationDeleteBlockers(db, o.id));
  });

  app.post(`${BASE}/:id/verwijderen`, async (req, reply) => {
    const { o } = await deletable(req);
    const r = await deleteOrganisation(db, req.auditCtx(), o);
    if (!r.ok) return deletePage(reply, o, r.reasons, 422);
    reply.flash('success', `De organisatie ${o.name} is verwijderd.`);
    return reply.redirect(BASE, 303);
  });
}
