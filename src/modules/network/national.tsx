import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Page, type Crumb } from '../../platform/views/layout.js';
import {
  Alert,
  Button,
  ButtonLink,
  CsrfField,
  DataTable,
  Heading,
  Link,
  P,
  Pagination,
  RadioGroup,
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
import { formValues, listParams, parseForm, pathId } from '../../platform/http/forms.js';
import { ForbiddenError, NotFoundError } from '../../platform/http/errors.js';
import { can, type Principal } from '../../platform/access.js';
import { amsterdamDate } from '../../platform/time.js';
import { ORGANISATION_KIND_LABELS, ORGANISATION_KINDS } from '../registry/labels.js';
import { municipalityOptions } from '../registry/organisations-service.js';
import { ConfirmForm, nlDate, sendAuditedExport } from '../registry/ui.js';
import { FormActions, FormPage as BaseFormPage, Paragraphs, PlainTable, searchTerm } from './views-shared.js';
import { ExportLinks } from '../registry/tabular-views.js';
import { NATIONAL_SECTOR_LABELS, NATIONAL_SECTORS, type NationalSector } from './model.js';
import type { DuplicateOrganisation } from './coalitions-service.js';
import { branchHistory, currentLink } from './branches-service.js';
import {
  BRANCH_FIELD_LABELS,
  branchCandidates,
  branchLinkSchema,
  branchUnlinkSchema,
  createBranch,
  createNationalMember,
  deleteNationalMember,
  existingNationalOrgSchema,
  getNationalMember,
  isActiveMember,
  leavingSchema,
  linkBranch,
  listBranches,
  listNationalMembers,
  listPresence,
  NATIONAL_SORTS,
  nationalEditSchema,
  nationalExportTable,
  nationalMemberSchema,
  nationalOrganisationOptions,
  nationalSectorLabel,
  newBranchSchema,
  newNationalOrgSchema,
  pledgedSchema,
  recordLeaving,
  unlinkBranch,
  updateNationalMember,
  updatePledgedActions,
  type NationalFilter,
  type NationalRow,
} from './national-service.js';

/**
 * Screens of the National Coalition against Loneliness (issue 5 point 2). Every logged-in user
 * with a role reads the member list and member pages (national:read); the programme team keeps
 * it up to date (national:manage); a partner user edits the pledged actions and local branches
 * of their own organisation (national:update on that organisation), nothing else.
 */

export const NATIONAL = '/nationale-coalitie';
const LIST_CRUMB: Crumb = { href: NATIONAL, label: 'Nationale Coalitie' };
const SECTOR_OPTIONS: Option[] = NATIONAL_SECTORS.map((s) => ({ value: s, label: NATIONAL_SECTOR_LABELS[s] }));
const STATUS_OPTIONS: Option[] = [
  { value: 'vertrokken', label: 'Vertrokken leden' },
  { value: 'alle', label: 'Huidige en vertrokken leden' },
];
const KIND_OPTIONS: Option[] = ORGANISATION_KINDS.filter((k) => k !== 'national_partner').map((k) => ({ value: k, label: ORGANISATION_KIND_LABELS[k] }));

const LABELS: Record<string, string> = {
  bron: 'Organisatie',
  organisationId: 'Organisatie',
  newName: 'Naam van de organisatie',
  newKvk: 'KvK-nummer',
  newWebsite: 'Website',
  sector: 'Sector',
  declarationDate: 'Datum intentieverklaring',
  pledgedActions: 'Toezeggingen',
  leftOn: 'Vertrokken per',
  name: 'Naam van de vestiging',
  municipalityId: 'Gemeente',
  kind: 'Soort organisatie',
  kvkNumber: 'KvK-nummer',
  ...BRANCH_FIELD_LABELS,
};

const today = () => amsterdamDate(new Date());
const memberPath = (id: number) => `${NATIONAL}/${id}`;

function readFilter(q: Record<string, string>): NationalFilter {
  const lp = listParams(q, [...NATIONAL_SORTS], 'name');
  return {
    q: lp.q || undefined,
    sector: (NATIONAL_SECTORS as readonly string[]).includes(q.sector) ? (q.sector as NationalSector) : undefined,
    status: q.status === 'vertrokken' ? 'left' : q.status === 'alle' ? 'all' : 'active',
    sort: lp.sort,
    dir: lp.dir,
    page: lp.page,
    pageSize: lp.pageSize,
  };
}

const toQuery = (f: NationalFilter): ListQuery => ({
  q: f.q,
  sector: f.sector,
  status: f.status === 'left' ? 'vertrokken' : f.status === 'all' ? 'alle' : undefined,
  sort: f.sort,
  dir: f.dir,
  page: f.page,
  pageSize: f.pageSize,
});

const FormPage = (props: Omit<Parameters<typeof BaseFormPage>[0], 'labels'>) => BaseFormPage({ ...props, labels: LABELS });

const statusText = (m: NationalRow, day: string) => (isActiveMember(m, day) ? (m.leftOn ? `Lid (vertrekt per ${nlDate(m.leftOn)})` : 'Lid') : `Vertrokken per ${nlDate(m.leftOn)}`);

export async function nationalRoutes(app: FastifyInstance) {
  const db = app.ctx.database.db;

  /** A member every role may read; unknown or deleted members are 404. */
  async function load(req: FastifyRequest) {
    const p = req.authorize('national:read');
    const m = await getNationalMember(db, pathId((req.params as { id: string }).id), today());
    if (!m) throw new NotFoundError();
    return { p, m, base: memberPath(m.id), crumbs: (last?: string): Crumb[] => [LIST_CRUMB, ...(last ? [{ href: memberPath(m.id), label: m.name }, { label: last }] : [{ label: m.name }])] };
  }

  /** The programme team, or a partner user of the member's own organisation. */
  const mayEditOwn = (p: Principal, m: NationalRow) => can(p, 'national:manage') || can(p, 'national:update', { organisationId: m.organisationId });

  async function loadOwn(req: FastifyRequest) {
    const r = await load(req);
    if (!mayEditOwn(r.p, r.m)) throw new ForbiddenError('U mag de gegevens van deze organisatie bekijken, maar niet wijzigen.');
    return r;
  }

  async function loadManaged(req: FastifyRequest) {
    const r = await load(req);
    req.authorize('national:manage');
    return r;
  }

  /* ---------------------------------------------------------------- list ---------- */

  app.get(NATIONAL, async (req, reply) => {
    const p = req.authorize('national:read');
    const f = readFilter(req.query as Record<string, string>);
    const day = today();
    const { rows, total } = await listNationalMembers(db, f, day);
    const query = toQuery(f);
    const columns: Column<NationalRow>[] = [
      { key: 'name', label: 'Organisatie', sortable: true, render: (r) => <Link href={memberPath(r.id)}>{r.name}</Link> },
      { key: 'sector', label: 'Sector', sortable: true, render: (r) => nationalSectorLabel(r.sector) },
      { key: 'declarationDate', label: 'Intentieverklaring', sortable: true, render: (r) => nlDate(r.declarationDate) },
      ...(f.status !== 'active' ? [{ key: 'status', label: 'Status', render: (r: NationalRow) => statusText(r, day) }] : []),
      { key: 'branches', label: 'Lokale vestigingen', sortable: true, numeric: true, render: (r) => r.branches },
      { key: 'presence', label: 'Aanwezig in lokale coalities', sortable: true, numeric: true, render: (r) => r.presence },
    ];
    const form = { values: { q: f.q, sector: f.sector, status: query.status }, errors: {} };
    return reply.page({ title: 'Nationale Coalitie tegen Eenzaamheid' }, (ctx) => (
      <Page ctx={ctx} title="Nationale Coalitie tegen Eenzaamheid" crumbs={[{ label: 'Nationale Coalitie' }]}>
        <Heading>Nationale Coalitie tegen Eenzaamheid</Heading>
        <P>
          Landelijke organisaties die met een intentieverklaring hebben toegezegd iets te doen tegen eenzaamheid, ook lokaal. "Aanwezig in lokale coalities" telt
          de lokale coalities waarin de organisatie zelf of een van haar lokale vestigingen vandaag lid is.
        </P>
        {can(p, 'national:manage') && (
          <p class="form-actions">
            <ButtonLink href={`${NATIONAL}/nieuw`}>Lid toevoegen</ButtonLink>
          </p>
        )}
        <form method="get" action={NATIONAL} class="filter-form" role="search" novalidate aria-label="Leden zoeken en filteren">
          <TextField name="q" label="Zoek op naam of KvK-nummer" type="search" form={form} filter />
          <SelectField name="sector" label="Sector" form={form} filter placeholder="Alle sectoren" options={SECTOR_OPTIONS} />
          <SelectField name="status" label="Lidmaatschap" form={form} filter placeholder="Huidige leden" options={STATUS_OPTIONS} />
          <Button variant="secondary">Zoeken</Button>
        </form>
        <DataTable caption="Leden van de Nationale Coalitie" columns={columns} rows={rows} base={NATIONAL} query={query} empty="Geen leden gevonden." />
        <Pagination base={NATIONAL} query={query} total={total} />
        <ExportLinks base={`${NATIONAL}/export`} query={query} />
      </Page>
    ));
  });

  app.get(`${NATIONAL}/export`, async (req, reply) => {
    req.authorize('national:read');
    const { page: _p, pageSize: _s, ...f } = readFilter(req.query as Record<string, string>);
    const { page: _qp, pageSize: _qs, ...filters } = toQuery({ ...f, page: 1, pageSize: 0 });
    return sendAuditedExport(db, req, reply, await nationalExportTable(db, f, today()), { filename: 'nationale-coalitie', filters: { ...filters, status: f.status } });
  });

  /* ------------------------------------------------------------ new member ---------- */

  async function newMemberPage(reply: FastifyReply, form: FormState, opts: { status?: number; duplicate?: DuplicateOrganisation } = {}) {
    const orgs = await nationalOrganisationOptions(db);
    const title = 'Lid toevoegen aan de Nationale Coalitie';
    const dup = opts.duplicate;
    const dupChoosable = !!dup && orgs.some((o) => o.id === dup.id);
    return reply.page({ title, status: opts.status ?? 200 }, (ctx) => (
      <FormPage ctx={ctx} title={title} crumbs={[LIST_CRUMB, { label: 'Lid toevoegen' }]} errors={form.errors}>
        {dupChoosable && (
          <Alert kind="warning">
            {dup!.name} staat al in het register. We hebben deze organisatie hieronder alvast gekozen bij "Een landelijke organisatie uit het register". Controleer
            de gegevens en klik op Lid toevoegen.
          </Alert>
        )}
        <form method="post" action={`${NATIONAL}/nieuw`} novalidate class="form">
          <CsrfField token={ctx.csrfToken} />
          <RadioGroup
            name="bron"
            label="Welke organisatie?"
            form={form}
            required
            options={[
              { value: 'bestaand', label: 'Een landelijke organisatie uit het register', hint: 'Kies haar in de keuzelijst hieronder.' },
              { value: 'nieuw', label: 'Een nieuwe landelijke organisatie', hint: 'Vul de gegevens in bij "Nieuwe organisatie".' },
            ]}
          />
          <SelectField
            name="organisationId"
            label="Landelijke organisatie uit het register"
            form={form}
            filter
            placeholder={orgs.length ? 'Kies een organisatie' : 'Geen landelijke organisaties zonder lidmaatschap'}
            options={orgs.map((o) => ({ value: String(o.id), label: o.name }))}
            hint="Landelijke organisaties (zonder gemeente) die nog geen lid zijn."
          />
          <fieldset class="utrecht-form-fieldset">
            <legend class="utrecht-form-fieldset__legend">Nieuwe organisatie (alleen als die nog niet in het register staat)</legend>
            <TextField name="newName" label={LABELS.newName} form={form} filter autocomplete="organization" />
            <TextField name="newKvk" label={LABELS.newKvk} form={form} width="s" inputmode="numeric" hint="8 cijfers. Zo voorkomen we dubbele organisaties in het register." />
            <TextField name="newWebsite" label={LABELS.newWebsite} type="url" form={form} hint="Het volledige adres, zoals https://www.voorbeeld.nl." />
          </fieldset>
          <SelectField name="sector" label={LABELS.sector} form={form} required placeholder="Kies een sector" options={SECTOR_OPTIONS} />
          <TextField name="declarationDate" label={LABELS.declarationDate} type="date" form={form} required width="s" hint="De dag waarop de intentieverklaring is ondertekend, zoals 31-01-2025." />
          <TextArea name="pledgedActions" label={LABELS.pledgedActions} form={form} rows={5} hint="Wat de organisatie heeft toegezegd te doen, landelijk en lokaal." />
          <FormActions submit="Lid toevoegen" cancel={NATIONAL} />
        </form>
      </FormPage>
    ));
  }

  app.get(`${NATIONAL}/nieuw`, async (req, reply) => {
    req.authorize('national:manage');
    return newMemberPage(reply, { values: { bron: 'bestaand' }, errors: {} });
  });

  app.post(`${NATIONAL}/nieuw`, async (req, reply) => {
    req.authorize('national:manage');
    const values = formValues(req.body);
    const fresh = values.bron === 'nieuw';
    const fields = parseForm(nationalMemberSchema, values);
    const org = fresh ? parseForm(newNationalOrgSchema, values) : parseForm(existingNationalOrgSchema, values);
    const errors: FieldErrors = { ...(fields.ok ? {} : fields.errors), ...(org.ok ? {} : org.errors) };
    if (values.bron !== 'nieuw' && values.bron !== 'bestaand') errors.bron = 'Kies of u een organisatie uit het register kiest of een nieuwe organisatie toevoegt.';
    let duplicate: DuplicateOrganisation | undefined;
    if (!Object.keys(errors).length && fields.ok && org.ok) {
      const o = org.data as Record<string, any>;
      const result = await createNationalMember(
        db,
        req.auditCtx(),
        { ...fields.data, ...(fresh ? { newOrganisation: { name: o.newName, kvkNumber: o.newKvk, website: o.newWebsite } } : { organisationId: o.organisationId }) },
        today(),
      );
      if (result.ok) {
        reply.flash('success', 'Het lid is toegevoegd aan de Nationale Coalitie.');
        return reply.redirect(memberPath(result.id), 303);
      }
      Object.assign(errors, result.errors);
      duplicate = result.duplicate;
    }
    if (duplicate && duplicate.municipalityId == null && (await nationalOrganisationOptions(db)).some((o) => o.id === duplicate!.id)) {
      values.bron = 'bestaand';
      values.organisationId = String(duplicate.id);
    }
    return newMemberPage(reply, { values, errors }, { status: 422, duplicate });
  });

  /* ------------------------------------------------------------ member page ---------- */

  app.get(`${NATIONAL}/:id`, async (req, reply) => {
    const { p, m, base, crumbs } = await load(req);
    const day = today();
    const [branches, presence, history] = await Promise.all([listBranches(db, m.organisationId), listPresence(db, m.organisationId, day), branchHistory(db, m.organisationId)]);
    const own = mayEditOwn(p, m);
    const manage = can(p, 'national:manage');
    type Branch = (typeof branches)[number];
    type Presence = (typeof presence)[number];
    type HistoryRow = (typeof history)[number];
    const historyColumns: Column<HistoryRow>[] = [
      { key: 'name', label: 'Vestiging', render: (x) => x.name },
      { key: 'municipality', label: 'Gemeente', render: (x) => x.municipalityName ?? '—' },
      { key: 'from', label: 'Vestiging sinds', render: (x) => nlDate(x.linkedOn) },
      { key: 'to', label: 'Geen vestiging meer vanaf', render: (x) => (x.unlinkedOn ? nlDate(x.unlinkedOn) : 'Nog steeds vestiging') },
    ];
    const ended = history.filter((x) => x.unlinkedOn != null);
    const branchColumns: Column<Branch>[] = [
      { key: 'name', label: 'Vestiging', render: (b) => b.name },
      { key: 'municipality', label: 'Gemeente', render: (b) => b.municipalityName ?? '—' },
      { key: 'kind', label: 'Soort', render: (b) => ORGANISATION_KIND_LABELS[b.kind as keyof typeof ORGANISATION_KIND_LABELS] ?? b.kind },
      ...(own
        ? [
            {
              key: 'actions',
              label: 'Koppeling',
              render: (b: Branch) => (
                <Link href={`${base}/vestigingen/${b.id}/ontkoppelen`}>
                  Ontkoppelen<span class="visually-hidden"> ({b.name})</span>
                </Link>
              ),
            },
          ]
        : []),
    ];
    const presenceColumns: Column<Presence>[] = [
      { key: 'municipality', label: 'Gemeente', render: (x) => x.municipalityName },
      { key: 'coalition', label: 'Lokale coalitie', render: (x) => x.coalitionName },
      { key: 'organisation', label: 'Deelnemende organisatie', render: (x) => (x.isBranch ? `${x.organisationName} (vestiging)` : x.organisationName) },
      { key: 'role', label: 'Rol', render: (x) => x.roleLabel },
      { key: 'since', label: 'Lid sinds', render: (x) => nlDate(x.startDate) },
    ];
    return reply.page({ title: m.name }, (ctx) => (
      <Page ctx={ctx} title={m.name} crumbs={crumbs()}>
        <Heading>{m.name}</Heading>
        <SummaryList
          items={[
            ['Sector', nationalSectorLabel(m.sector)],
            ['Intentieverklaring ondertekend op', nlDate(m.declarationDate)],
            ['Lidmaatschap', statusText(m, day)],
            ['KvK-nummer', m.kvkNumber],
            ['Website', m.website ? <Link href={m.website} rel="noopener noreferrer">{m.website}</Link> : null],
            ['Lokale vestigingen', String(m.branches)],
            ['Aanwezig in lokale coalities', String(m.presence)],
          ]}
        />
        {(own || manage) && (
          <p class="form-actions">
            {own && <ButtonLink href={`${base}/toezeggingen`}>Toezeggingen wijzigen</ButtonLink>}
            {manage && <ButtonLink href={`${base}/bewerken`}>Gegevens wijzigen</ButtonLink>}
            {manage && !m.leftOn && <ButtonLink href={`${base}/vertrek`}>Vertrek vastleggen</ButtonLink>}
            {manage && <ButtonLink href={`${base}/verwijderen`}>Verwijderen</ButtonLink>}
          </p>
        )}
        <Heading level={2}>Toezeggingen</Heading>
        <Paragraphs text={m.pledgedActions} />
        <Heading level={2}>Lokale vestigingen</Heading>
        <P>Lokale organisaties die bij {m.name} horen, zoals winkels, kantoren of afdelingen. Doen zij mee in een lokale coalitie, dan telt dat voor {m.name}.</P>
        {own && (
          <p class="form-actions">
            <ButtonLink href={`${base}/vestigingen/koppelen`}>Bestaande organisatie koppelen</ButtonLink>
            <ButtonLink href={`${base}/vestigingen/nieuw`}>Nieuwe vestiging toevoegen</ButtonLink>
          </p>
        )}
        <PlainTable caption={`Lokale vestigingen van ${m.name}`} columns={branchColumns} rows={branches} base={base} empty="Geen lokale vestigingen gekoppeld." />
        {ended.length > 0 && (
          <>
            <Heading level={3}>Geschiedenis van de vestigingen</Heading>
            <P>De programmacijfers op een eerdere datum tellen een vestiging mee zolang zij toen vestiging was.</P>
            <PlainTable caption={`Huidige en eerdere vestigingen van ${m.name}, met data`} columns={historyColumns} rows={history} base={base} empty="" />
          </>
        )}
        <Heading level={2}>Aanwezig in lokale coalities</Heading>
        <PlainTable caption={`Lokale coalities waarin ${m.name} of een vestiging vandaag lid is`} columns={presenceColumns} rows={presence} base={base} empty="Nog niet aanwezig in een lokale coalitie." />
      </Page>
    ));
  });

  /* ------------------------------------------------------- programme team edits ---------- */

  const editPage = (reply: FastifyReply, m: NationalRow, crumbs: Crumb[], form: FormState, status = 200) =>
    reply.page({ title: `${m.name} wijzigen`, status }, (ctx) => (
      <FormPage ctx={ctx} title={`${m.name} wijzigen`} crumbs={crumbs} errors={form.errors}>
        <form method="post" action={`${memberPath(m.id)}/bewerken`} novalidate class="form">
          <CsrfField token={ctx.csrfToken} />
          <SelectField name="sector" label={LABELS.sector} form={form} required placeholder="Kies een sector" options={SECTOR_OPTIONS} />
          <TextField name="declarationDate" label={LABELS.declarationDate} type="date" form={form} required width="s" />
          <TextArea name="pledgedActions" label={LABELS.pledgedActions} form={form} rows={5} />
          <TextField name="leftOn" label={LABELS.leftOn} type="date" form={form} width="s" hint="Alleen invullen als de organisatie de coalitie heeft verlaten: vanaf deze datum is zij geen lid meer." />
          <FormActions submit="Opslaan" cancel={memberPath(m.id)} />
        </form>
      </FormPage>
    ));

  app.get(`${NATIONAL}/:id/bewerken`, async (req, reply) => {
    const { m, crumbs } = await loadManaged(req);
    return editPage(reply, m, crumbs('Wijzigen'), { values: { sector: m.sector, declarationDate: m.declarationDate, pledgedActions: m.pledgedActions, leftOn: m.leftOn }, errors: {} });
  });

  app.post(`${NATIONAL}/:id/bewerken`, async (req, reply) => {
    const { m, base, crumbs } = await loadManaged(req);
    const values = formValues(req.body);
    const parsed = parseForm(nationalEditSchema, values);
    const result = parsed.ok ? await updateNationalMember(db, req.auditCtx(), m, parsed.data, today()) : parsed;
    if (!result.ok) return editPage(reply, m, crumbs('Wijzigen'), { values, errors: result.errors }, 422);
    reply.flash('success', 'De wijzigingen zijn opgeslagen.');
    return reply.redirect(base, 303);
  });

  const leavingPage = (reply: FastifyReply, m: NationalRow, crumbs: Crumb[], form: FormState, status = 200) =>
    reply.page({ title: `Vertrek vastleggen: ${m.name}`, status }, (ctx) => (
      <FormPage ctx={ctx} title={`Vertrek vastleggen: ${m.name}`} crumbs={crumbs} errors={form.errors}>
        <P>
          De organisatie blijft in de lijst met vertrokken leden staan, met haar geschiedenis. In de programmacijfers telt zij mee tot de datum van vertrek.
        </P>
        <form method="post" action={`${memberPath(m.id)}/vertrek`} novalidate class="form">
          <CsrfField token={ctx.csrfToken} />
          <TextField name="leftOn" label={LABELS.leftOn} type="date" form={form} required width="s" hint="Vanaf deze datum is de organisatie geen lid meer. Vandaag of eerder." />
          <FormActions submit="Vertrek vastleggen" cancel={memberPath(m.id)} />
        </form>
      </FormPage>
    ));

  app.get(`${NATIONAL}/:id/vertrek`, async (req, reply) => {
    const { m, crumbs } = await loadManaged(req);
    return leavingPage(reply, m, crumbs('Vertrek'), { values: { leftOn: today() }, errors: {} });
  });

  app.post(`${NATIONAL}/:id/vertrek`, async (req, reply) => {
    const { m, base, crumbs } = await loadManaged(req);
    const values = formValues(req.body);
    const parsed = parseForm(leavingSchema, values);
    const result = parsed.ok ? await recordLeaving(db, req.auditCtx(), m, parsed.data.leftOn, today()) : parsed;
    if (!result.ok) return leavingPage(reply, m, crumbs('Vertrek'), { values, errors: result.errors }, 422);
    reply.flash('success', `Het vertrek van ${m.name} is vastgelegd.`);
    return reply.redirect(base, 303);
  });

  app.get(`${NATIONAL}/:id/verwijderen`, async (req, reply) => {
    const { m, base, crumbs } = await loadManaged(req);
    const title = `${m.name} verwijderen`;
    return reply.page({ title }, (ctx) => (
      <FormPage ctx={ctx} title={title} crumbs={crumbs('Verwijderen')} errors={{}}>
        <P>
          Weet u zeker dat u het lidmaatschap van <strong>{m.name}</strong> wilt verwijderen? Doe dit alleen als het per vergissing is vastgelegd: het verdwijnt uit
          de lijsten en telt nergens meer mee. Heeft de organisatie de coalitie verlaten? Kies dan <Link href={`${base}/vertrek`}>Vertrek vastleggen</Link>. De
          organisatie zelf en haar vestigingen blijven in het register. Het verwijderen wordt vastgelegd in het auditlog.
        </P>
        <ConfirmForm action={`${base}/verwijderen`} csrf={ctx.csrfToken} label="Ja, verwijderen" cancel={base} />
      </FormPage>
    ));
  });

  app.post(`${NATIONAL}/:id/verwijderen`, async (req, reply) => {
    const { m } = await loadManaged(req);
    await deleteNationalMember(db, req.auditCtx(), m);
    reply.flash('success', `Het lidmaatschap van ${m.name} is verwijderd.`);
    return reply.redirect(NATIONAL, 303);
  });

  /* ------------------------------------------- pledged actions and branches (own) ---------- */

  const pledgedPage = (reply: FastifyReply, m: NationalRow, crumbs: Crumb[], form: FormState, status = 200) =>
    reply.page({ title: `Toezeggingen van ${m.name}`, status }, (ctx) => (
      <FormPage ctx={ctx} title={`Toezeggingen van ${m.name}`} crumbs={crumbs} errors={form.errors}>
        <form method="post" action={`${memberPath(m.id)}/toezeggingen`} novalidate class="form">
          <CsrfField token={ctx.csrfToken} />
          <TextArea name="pledgedActions" label={LABELS.pledgedActions} form={form} rows={8} hint="Wat de organisatie doet tegen eenzaamheid, landelijk en lokaal. Iedereen met een account op het platform kan dit lezen." />
          <FormActions submit="Opslaan" cancel={memberPath(m.id)} />
        </form>
      </FormPage>
    ));

  app.get(`${NATIONAL}/:id/toezeggingen`, async (req, reply) => {
    const { m, crumbs } = await loadOwn(req);
    return pledgedPage(reply, m, crumbs('Toezeggingen'), { values: { pledgedActions: m.pledgedActions }, errors: {} });
  });

  app.post(`${NATIONAL}/:id/toezeggingen`, async (req, reply) => {
    const { m, base, crumbs } = await loadOwn(req);
    const values = formValues(req.body);
    const parsed = parseForm(pledgedSchema, values);
    if (!parsed.ok) return pledgedPage(reply, m, crumbs('Toezeggingen'), { values, errors: parsed.errors }, 422);
    await updatePledgedActions(db, req.auditCtx(), m, parsed.data.pledgedActions);
    reply.flash('success', 'De toezeggingen zijn opgeslagen.');
    return reply.redirect(base, 303);
  });

  async function linkPage(reply: FastifyReply, m: NationalRow, crumbs: Crumb[], form: FormState, search: string | undefined, status = 200) {
    // The register holds thousands of local organisations: the list appears after a search.
    const candidates = search && search.length >= 2 ? await branchCandidates(db, search, 100) : [];
    const title = `Vestiging koppelen aan ${m.name}`;
    const action = `${memberPath(m.id)}/vestigingen/koppelen`;
    return reply.page({ title, status }, (ctx) => (
      <FormPage ctx={ctx} title={title} crumbs={crumbs} errors={form.errors}>
        <P>
          Kies een lokale organisatie die al in het register staat en bij {m.name} hoort. Staat zij er niet in? <Link href={`${memberPath(m.id)}/vestigingen/nieuw`}>Voeg een nieuwe vestiging toe</Link>.
        </P>
        <form method="get" action={action} class="filter-form" role="search" novalidate aria-label="Organisatie zoeken">
          <TextField name="zoek" label="Zoek een lokale organisatie" type="search" form={{ values: { zoek: search }, errors: {} }} filter hint="Op naam, KvK-nummer of gemeente." />
          <Button variant="secondary">Zoeken</Button>
        </form>
        <form method="post" action={search ? `${action}?zoek=${encodeURIComponent(search)}` : action} novalidate class="form">
          <CsrfField token={ctx.csrfToken} />
          <SelectField
            name="organisationId"
            label="Lokale organisatie"
            form={form}
            required
            placeholder={!search ? 'Zoek eerst hierboven een organisatie' : candidates.length ? 'Kies een organisatie' : 'Geen organisaties gevonden'}
            options={candidates.map((o) => ({ value: String(o.id), label: `${o.name} (${o.municipalityName ?? '—'})` }))}
            hint="Zoek eerst hierboven (minstens 2 tekens). Alleen lokale organisaties die nog geen vestiging van een andere organisatie zijn."
          />
          <TextField name="linkedOn" label={BRANCH_FIELD_LABELS.linkedOn} type="date" form={form} required width="s" hint="Sinds wanneer hoort deze organisatie bij de landelijke organisatie? Weet u het niet precies, kies dan vandaag." />
          <FormActions submit="Koppelen" cancel={memberPath(m.id)} />
        </form>
      </FormPage>
    ));
  }

  app.get(`${NATIONAL}/:id/vestigingen/koppelen`, async (req, reply) => {
    const { m, crumbs } = await loadOwn(req);
    return linkPage(reply, m, crumbs('Vestiging koppelen'), { values: { linkedOn: today() }, errors: {} }, searchTerm(req));
  });

  app.post(`${NATIONAL}/:id/vestigingen/koppelen`, async (req, reply) => {
    const { m, base, crumbs } = await loadOwn(req);
    const values = formValues(req.body);
    const parsed = parseForm(branchLinkSchema, values);
    const result = parsed.ok ? await linkBranch(db, req.auditCtx(), m, parsed.data.organisationId, parsed.data.linkedOn, today()) : parsed;
    if (!result.ok) return linkPage(reply, m, crumbs('Vestiging koppelen'), { values, errors: result.errors }, searchTerm(req), 422);
    reply.flash('success', 'De vestiging is gekoppeld.');
    return reply.redirect(base, 303);
  });

  async function newBranchPage(reply: FastifyReply, m: NationalRow, crumbs: Crumb[], form: FormState, status = 200, duplicate?: DuplicateOrganisation) {
    const munis = await municipalityOptions(db);
    const title = `Nieuwe vestiging van ${m.name}`;
    return reply.page({ title, status }, (ctx) => (
      <FormPage ctx={ctx} title={title} crumbs={crumbs} errors={form.errors}>
        {duplicate && (
          <Alert kind="warning">
            {duplicate.name} {duplicate.municipalityName ? `in ${duplicate.municipalityName} ` : ''}staat al in het register.{' '}
            <Link href={`${memberPath(m.id)}/vestigingen/koppelen?zoek=${encodeURIComponent(duplicate.name)}`}>Koppel die organisatie</Link> in plaats van een nieuwe aan
            te maken.
          </Alert>
        )}
        <form method="post" action={`${memberPath(m.id)}/vestigingen/nieuw`} novalidate class="form">
          <CsrfField token={ctx.csrfToken} />
          <TextField name="name" label={LABELS.name} form={form} required hint={`Bijvoorbeeld "${m.name} Utrecht Centrum".`} />
          <SelectField name="municipalityId" label={LABELS.municipalityId} form={form} required placeholder="Kies een gemeente" options={munis.map((x) => ({ value: String(x.id), label: `${x.name} (${x.cbsCode})` }))} />
          <SelectField name="kind" label={LABELS.kind} form={form} required placeholder="Kies het soort organisatie" options={KIND_OPTIONS} />
          <TextField name="kvkNumber" label={LABELS.kvkNumber} form={form} width="s" inputmode="numeric" hint="8 cijfers, als de vestiging een eigen inschrijving heeft." />
          <TextField name="linkedOn" label={BRANCH_FIELD_LABELS.linkedOn} type="date" form={form} required width="s" hint="Sinds wanneer hoort deze vestiging bij de landelijke organisatie? Weet u het niet precies, kies dan vandaag." />
          <FormActions submit="Vestiging toevoegen" cancel={memberPath(m.id)} />
        </form>
      </FormPage>
    ));
  }

  app.get(`${NATIONAL}/:id/vestigingen/nieuw`, async (req, reply) => {
    const { m, crumbs } = await loadOwn(req);
    return newBranchPage(reply, m, crumbs('Nieuwe vestiging'), { values: { kind: 'business', linkedOn: today() }, errors: {} });
  });

  app.post(`${NATIONAL}/:id/vestigingen/nieuw`, async (req, reply) => {
    const { m, base, crumbs } = await loadOwn(req);
    const values = formValues(req.body);
    const parsed = parseForm(newBranchSchema, values);
    const result = parsed.ok ? await createBranch(db, req.auditCtx(), m, parsed.data, today()) : parsed;
    if (!result.ok) return newBranchPage(reply, m, crumbs('Nieuwe vestiging'), { values, errors: result.errors }, 422, 'duplicate' in result ? (result.duplicate as DuplicateOrganisation | undefined) : undefined);
    reply.flash('success', 'De vestiging is toegevoegd.');
    return reply.redirect(base, 303);
  });

  async function unlinkPage(reply: FastifyReply, m: NationalRow, orgId: number, crumbs: Crumb[], form: FormState, status = 200) {
    const branch = (await listBranches(db, m.organisationId)).find((b) => b.id === orgId);
    const link = branch ? await currentLink(db, branch.id, m.organisationId) : null;
    if (!branch || !link) throw new NotFoundError();
    const title = `${branch.name} ontkoppelen`;
    return reply.page({ title, status }, (ctx) => (
      <FormPage ctx={ctx} title={title} crumbs={crumbs} errors={form.errors}>
        <P>
          <strong>{branch.name}</strong> ({branch.municipalityName}) is sinds {nlDate(link.linkedOn)} een vestiging van {m.name}. De organisatie blijft in het register en in de
          coalities waar zij lid is, maar telt na het ontkoppelen niet meer mee voor {m.name}.
        </P>
        <form method="post" action={`${memberPath(m.id)}/vestigingen/${branch.id}/ontkoppelen`} novalidate class="form">
          <CsrfField token={ctx.csrfToken} />
          <RadioGroup
            name="outcome"
            label={BRANCH_FIELD_LABELS.outcome}
            form={form}
            required
            options={[
              { value: 'ended', label: 'De organisatie is geen vestiging meer', hint: 'De geschiedenis blijft bewaard: op eerdere data telt de vestiging nog mee.' },
              { value: 'mistake', label: 'De koppeling was onjuist', hint: 'De organisatie was nooit een vestiging: de koppeling telt op geen enkele datum mee.' },
            ]}
          />
          <TextField name="unlinkedOn" label={BRANCH_FIELD_LABELS.unlinkedOn} type="date" form={form} width="s" hint="Alleen nodig als de organisatie geen vestiging meer is: vanaf deze datum telt zij niet meer mee." />
          <FormActions submit="Ontkoppelen" cancel={memberPath(m.id)} />
        </form>
      </FormPage>
    ));
  }

  app.get(`${NATIONAL}/:id/vestigingen/:orgId/ontkoppelen`, async (req, reply) => {
    const { m, crumbs } = await loadOwn(req);
    const orgId = pathId((req.params as { orgId: string }).orgId);
    return unlinkPage(reply, m, orgId, crumbs('Ontkoppelen'), { values: { unlinkedOn: today() }, errors: {} });
  });

  app.post(`${NATIONAL}/:id/vestigingen/:orgId/ontkoppelen`, async (req, reply) => {
    const { m, base, crumbs } = await loadOwn(req);
    const orgId = pathId((req.params as { orgId: string }).orgId);
    const values = formValues(req.body);
    const parsed = parseForm(branchUnlinkSchema, values);
    const result = parsed.ok ? await unlinkBranch(db, req.auditCtx(), m, orgId, parsed.data, today()) : parsed;
    if (result === null) throw new NotFoundError();
    if (!result.ok) return unlinkPage(reply, m, orgId, crumbs('Ontkoppelen'), { values, errors: result.errors }, 422);
    reply.flash('success', parsed.ok && parsed.data.outcome === 'mistake' ? 'De onjuiste koppeling is verwijderd.' : 'De vestiging is ontkoppeld.');
    return reply.redirect(base, 303);
  });
}
