import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Page, type Crumb, type PageContext } from '../../platform/views/layout.js';
import {
  Button,
  ButtonLink,
  CsrfField,
  DataTable,
  ErrorSummary,
  Heading,
  Link,
  listUrl,
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
import { NEIGHBOURHOOD_KIND_LABELS } from './labels.js';
import { municipalityOptions } from './organisations-service.js';
import { idParam } from './organisations.js';
import {
  countChildren,
  createNeighbourhood,
  deleteNeighbourhood,
  getNeighbourhood,
  listDistricts,
  listNeighbourhoods,
  NEIGHBOURHOOD_FIELD_LABELS,
  NEIGHBOURHOOD_SORTS,
  neighbourhoodExportTable,
  neighbourhoodFormSchema,
  neighbourhoodImportChecker,
  neighbourhoodImportSchema,
  writeNeighbourhoodImport,
  updateNeighbourhood,
  type NeighbourhoodFilter,
  type NeighbourhoodKind,
  type NeighbourhoodRow,
} from './neighbourhoods-service.js';
import { ExportLinks, type ImportColumnHelp } from './tabular-views.js';
import { registerImport, sendAuditedExport } from './ui.js';

const BASE = '/beheer/wijken';
const CRUMBS: Crumb[] = [
  { href: '/beheer', label: 'Overzicht' },
  { href: BASE, label: 'Wijken en buurten' },
];

/** Query values are Dutch (?soort=wijk|buurt); the stored kinds are English. */
const KIND_QUERY: Record<string, NeighbourhoodKind> = { wijk: 'district', buurt: 'neighbourhood' };
const QUERY_OF_KIND: Record<NeighbourhoodKind, string> = { district: 'wijk', neighbourhood: 'buurt' };
const KIND_OPTIONS: Option[] = [
  { value: 'district', label: 'Wijk' },
  { value: 'neighbourhood', label: 'Buurt' },
];
const kindLabel = (k: string) => NEIGHBOURHOOD_KIND_LABELS[k as NeighbourhoodKind] ?? k;

function readFilter(q: Record<string, string>): NeighbourhoodFilter {
  const lp = listParams(q, [...NEIGHBOURHOOD_SORTS], 'code', 50);
  return {
    q: lp.q || undefined,
    kind: KIND_QUERY[q.soort],
    municipality: /^GM\d{4}$/.test(q.gemeente ?? '') ? q.gemeente : undefined,
    sort: lp.sort,
    dir: lp.dir,
    page: lp.page,
    pageSize: lp.pageSize,
  };
}

const toQuery = (f: NeighbourhoodFilter): ListQuery => ({
  q: f.q,
  soort: f.kind ? QUERY_OF_KIND[f.kind] : undefined,
  gemeente: f.municipality,
  sort: f.sort,
  dir: f.dir,
  page: f.page,
  pageSize: f.pageSize,
});

const IMPORT_HELP: ImportColumnHelp[] = [
  { header: 'code', required: true, description: 'CBS-code: WK met 6 cijfers voor een wijk (WK036300), BU met 8 cijfers voor een buurt (BU03630000).' },
  { header: 'name', required: true, description: 'Naam van de wijk of buurt.' },
  { header: 'kind', description: '"wijk" of "buurt". Leeg: volgt uit de code.' },
  { header: 'municipality_code', description: 'CBS-code van de gemeente, zoals GM0363. Leeg: volgt uit de code.' },
  { header: 'district_code', description: 'Alleen bij een buurt: de code van de wijk waar de buurt bij hoort (bestaand of in hetzelfde bestand).' },
];

interface MunicipalityChoice {
  id: number;
  cbsCode: string;
  name: string;
}

function NeighbourhoodForm({
  ctx,
  title,
  crumbs,
  action,
  form,
  municipality,
  districts,
  otherMunicipalityHref,
  submit,
  cancel,
}: {
  ctx: PageContext;
  title: string;
  crumbs: Crumb[];
  action: string;
  form: FormState;
  municipality: MunicipalityChoice;
  districts: Option[];
  otherMunicipalityHref?: string;
  submit: string;
  cancel: string;
}) {
  const digits = municipality.cbsCode.slice(2);
  return (
    <Page ctx={ctx} title={title} crumbs={crumbs}>
      <Heading>{title}</Heading>
      <ErrorSummary errors={form.errors} labels={NEIGHBOURHOOD_FIELD_LABELS} />
      <SummaryList items={[['Gemeente', `${municipality.name} (${municipality.cbsCode})`]]} />
      {otherMunicipalityHref && (
        <P>
          <Link href={otherMunicipalityHref}>Andere gemeente kiezen</Link>
        </P>
      )}
      <form method="post" action={action} novalidate class="form">
        <CsrfField token={ctx.csrfToken} />
        <input type="hidden" name="municipalityId" value={String(municipality.id)} />
        <SelectField name="kind" label="Soort" form={form} required placeholder="Kies wijk of buurt" options={KIND_OPTIONS} />
        <TextField
          name="code"
          label="CBS-code"
          form={form}
          required
          width="s"
          hint={`Een wijk: WK${digits} en 2 cijfers (WK${digits}00). Een buurt: BU${digits} en 4 cijfers (BU${digits}0000).`}
        />
        <TextField name="name" label="Naam" form={form} required />
        <SelectField
          name="districtId"
          label="Hoort bij wijk"
          form={form}
          placeholder={districts.length ? 'Geen wijk' : 'Deze gemeente heeft nog geen wijken'}
          hint="Alleen bij een buurt."
          options={districts}
        />
        <div class="form-actions">
          <Button>{submit}</Button>
          <Link href={cancel}>Annuleren</Link>
        </div>
      </form>
    </Page>
  );
}

/** Admin screens for districts (wijken) and neighbourhoods (buurten). */
export async function neighbourhoodRoutes(app: FastifyInstance) {
  const db = app.ctx.database.db;

  const scopedMunicipalities = (p: Principal) => {
    const s = scopeOf(p);
    return municipalityOptions(db, s.all ? undefined : s.municipalityIds);
  };
  const districtOptions = async (municipalityId: number, excludeId?: number): Promise<Option[]> =>
    (await listDistricts(db, [municipalityId])).filter((d) => d.id !== excludeId).map((d) => ({ value: String(d.id), label: `${d.name} (${d.code})` }));

  async function readable(req: FastifyRequest) {
    const id = idParam((req.params as { id: string }).id);
    const p = req.authorize('neighbourhood:list');
    const n = await getNeighbourhood(db, id);
    if (!n || !can(p, 'neighbourhood:read', { municipalityId: n.municipalityId })) throw new NotFoundError();
    return { p, n };
  }
  async function changeable(req: FastifyRequest, action: 'neighbourhood:update' | 'neighbourhood:delete') {
    const r = await readable(req);
    if (!can(r.p, action, { municipalityId: r.n.municipalityId })) throw new ForbiddenError('U mag deze wijk of buurt bekijken, maar niet wijzigen.');
    return r;
  }

  app.get(BASE, async (req, reply) => {
    const p = req.authorize('neighbourhood:list');
    const f = readFilter(req.query as Record<string, string>);
    const [{ rows, total }, munis] = await Promise.all([listNeighbourhoods(db, p, f), scopedMunicipalities(p)]);
    const query = toQuery(f);
    const columns: Column<NeighbourhoodRow>[] = [
      { key: 'code', label: 'CBS-code', sortable: true, render: (r) => <Link href={`${BASE}/${r.id}`}>{r.code}</Link> },
      { key: 'name', label: 'Naam', sortable: true, render: (r) => r.name },
      { key: 'kind', label: 'Soort', sortable: true, render: (r) => kindLabel(r.kind) },
      { key: 'district', label: 'Wijk', sortable: true, render: (r) => (r.districtCode ? `${r.districtName} (${r.districtCode})` : '—') },
      { key: 'municipality', label: 'Gemeente', sortable: true, render: (r) => r.municipalityName },
    ];
    const form = { values: { q: f.q, soort: query.soort, gemeente: f.municipality }, errors: {} };
    const canCreate = can(p, 'neighbourhood:create');
    return reply.page({ title: 'Wijken en buurten' }, (ctx) => (
      <Page ctx={ctx} title="Wijken en buurten" crumbs={[CRUMBS[0], { label: 'Wijken en buurten' }]}>
        <Heading>Wijken en buurten</Heading>
        {(canCreate || can(p, 'neighbourhood:import')) && (
          <p class="form-actions">
            {canCreate && <ButtonLink href={listUrl(`${BASE}/nieuw`, { gemeente: f.municipality })}>Wijk of buurt toevoegen</ButtonLink>}
            {can(p, 'neighbourhood:import') && <ButtonLink href={`${BASE}/importeren`}>Importeren uit bestand</ButtonLink>}
          </p>
        )}
        <form method="get" action={BASE} class="filter-form" role="search" novalidate aria-label="Wijken en buurten zoeken en filteren">
          <TextField name="q" label="Zoek op naam of code" type="search" form={form} filter />
          <SelectField name="gemeente" label="Gemeente" form={form} filter placeholder="Alle gemeenten" options={munis.map((m) => ({ value: m.cbsCode, label: m.name }))} />
          <SelectField
            name="soort"
            label="Soort"
            form={form}
            filter
            placeholder="Wijken en buurten"
            options={[
              { value: 'wijk', label: 'Alleen wijken' },
              { value: 'buurt', label: 'Alleen buurten' },
            ]}
          />
          <Button variant="secondary">Zoeken</Button>
        </form>
        <DataTable caption="Wijken en buurten" columns={columns} rows={rows} base={BASE} query={query} empty="Geen wijken of buurten gevonden." />
        <Pagination base={BASE} query={query} total={total} />
        {can(p, 'registry:export') && <ExportLinks base={`${BASE}/export`} query={query} />}
      </Page>
    ));
  });

  app.get(`${BASE}/export`, async (req, reply) => {
    const p = req.authorize('registry:export');
    req.authorize('neighbourhood:list');
    const { page: _page, pageSize: _size, ...f } = readFilter(req.query as Record<string, string>);
    const { page: _p, pageSize: _s, ...filters } = toQuery({ ...f, page: 1, pageSize: 0 });
    return sendAuditedExport(db, req, reply, await neighbourhoodExportTable(db, p, f), { filename: 'wijken-en-buurten', filters });
  });

  /** Step 1 of adding: choose the municipality (when the user has more than one), step 2: the form. */
  app.get(`${BASE}/nieuw`, async (req, reply) => {
    const p = req.authorize('neighbourhood:create');
    const q = req.query as Record<string, string>;
    const munis = await scopedMunicipalities(p);
    const chosen = munis.find((m) => m.cbsCode === q.gemeente) ?? (munis.length === 1 ? munis[0] : undefined);
    if (!chosen) {
      const form: FormState = { values: { gemeente: q.gemeente }, errors: q.gemeente ? { gemeente: 'Kies een gemeente uit de lijst.' } : {} };
      return reply.page({ title: 'Wijk of buurt toevoegen', status: q.gemeente ? 422 : 200 }, (ctx) => (
        <Page ctx={ctx} title="Wijk of buurt toevoegen" crumbs={[...CRUMBS, { label: 'Toevoegen' }]}>
          <Heading>Wijk of buurt toevoegen</Heading>
          <ErrorSummary errors={form.errors} labels={{ gemeente: 'Gemeente' }} />
          <P>Kies eerst de gemeente waar de wijk of buurt bij hoort.</P>
          <form method="get" action={`${BASE}/nieuw`} class="form">
            <SelectField name="gemeente" label="Gemeente" form={form} required placeholder="Kies een gemeente" options={munis.map((m) => ({ value: m.cbsCode, label: `${m.name} (${m.cbsCode})` }))} />
            <div class="form-actions">
              <Button>Verder</Button>
              <Link href={BASE}>Annuleren</Link>
            </div>
          </form>
        </Page>
      ));
    }
    const districts = await districtOptions(chosen.id);
    return reply.page({ title: 'Wijk of buurt toevoegen' }, (ctx) => (
      <NeighbourhoodForm
        ctx={ctx}
        title="Wijk of buurt toevoegen"
        crumbs={[...CRUMBS, { label: 'Toevoegen' }]}
        action={`${BASE}/nieuw`}
        form={{ values: {}, errors: {} }}
        municipality={chosen}
        districts={districts}
        otherMunicipalityHref={munis.length > 1 ? `${BASE}/nieuw?kies=1` : undefined}
        submit="Opslaan"
        cancel={BASE}
      />
    ));
  });

  app.post(`${BASE}/nieuw`, async (req, reply) => {
    const p = req.authorize('neighbourhood:create');
    const values = formValues(req.body);
    const munis = await scopedMunicipalities(p);
    const chosen = munis.find((m) => String(m.id) === String(values.municipalityId));
    if (!chosen) throw new NotFoundError();
    const parsed = parseForm(neighbourhoodFormSchema, values);
    const result = parsed.ok ? await createNeighbourhood(db, req.auditCtx(), p, parsed.data) : parsed;
    if (result.ok) {
      reply.flash('success', `${parsed.ok && parsed.data.kind === 'district' ? 'De wijk' : 'De buurt'} ${parsed.ok ? parsed.data.name : ''} is toegevoegd.`);
      return reply.redirect(`${BASE}/${result.id}`, 303);
    }
    const districts = await districtOptions(chosen.id);
    return reply.page({ title: 'Wijk of buurt toevoegen', status: 422 }, (ctx) => (
      <NeighbourhoodForm
        ctx={ctx}
        title="Wijk of buurt toevoegen"
        crumbs={[...CRUMBS, { label: 'Toevoegen' }]}
        action={`${BASE}/nieuw`}
        form={{ values, errors: result.errors }}
        municipality={chosen}
        districts={districts}
        otherMunicipalityHref={munis.length > 1 ? `${BASE}/nieuw?kies=1` : undefined}
        submit="Opslaan"
        cancel={BASE}
      />
    ));
  });

  registerImport(app, {
    path: `${BASE}/importeren`,
    listPath: BASE,
    title: 'Wijken en buurten importeren',
    crumbs: [...CRUMBS, { label: 'Importeren' }],
    action: 'neighbourhood:import',
    templateName: 'wijken-en-buurten',
    columns: IMPORT_HELP,
    intro:
      'Voeg in één keer de wijken en buurten van een gemeente toe, bijvoorbeeld uit de wijk- en buurtindeling van het CBS. Codes die al bestaan worden gemeld en niet dubbel toegevoegd.',
    schema: neighbourhoodImportSchema,
    checker: neighbourhoodImportChecker,
    write: writeNeighbourhoodImport,
  });

  app.get(`${BASE}/:id`, async (req, reply) => {
    const { p, n } = await readable(req);
    const children = n.kind === 'district' ? (await listNeighbourhoods(db, p, { districtId: n.id, page: 1, pageSize: 0, sort: 'code' })).rows : [];
    const childColumns: Column<NeighbourhoodRow>[] = [
      { key: 'code', label: 'CBS-code', render: (r) => <Link href={`${BASE}/${r.id}`}>{r.code}</Link> },
      { key: 'name', label: 'Naam', render: (r) => r.name },
    ];
    const title = `${kindLabel(n.kind)} ${n.name}`;
    return reply.page({ title }, (ctx) => (
      <Page ctx={ctx} title={title} crumbs={[...CRUMBS, { label: n.name }]}>
        <Heading>{title}</Heading>
        <SummaryList
          items={[
            ['CBS-code', n.code],
            ['Soort', kindLabel(n.kind)],
            ['Gemeente', `${n.municipalityName} (${n.municipalityCode})`],
            ...(n.kind === 'neighbourhood' ? ([['Hoort bij wijk', n.districtId ? <Link href={`${BASE}/${n.districtId}`}>{`${n.districtName} (${n.districtCode})`}</Link> : null]] as [string, any][]) : []),
          ]}
        />
        {n.kind === 'district' && (
          <DataTable caption={`Buurten in ${n.name}`} columns={childColumns} rows={children} base={`${BASE}/${n.id}`} query={{ page: 1, pageSize: children.length || 1 }} empty="Deze wijk heeft nog geen buurten." />
        )}
        <p class="form-actions">
          {can(p, 'neighbourhood:update', { municipalityId: n.municipalityId }) && <ButtonLink href={`${BASE}/${n.id}/bewerken`}>Wijzigen</ButtonLink>}
          {can(p, 'neighbourhood:delete', { municipalityId: n.municipalityId }) && <ButtonLink href={`${BASE}/${n.id}/verwijderen`}>Verwijderen</ButtonLink>}
          <Link href={listUrl(BASE, { gemeente: n.municipalityCode })}>Naar de wijken en buurten van {n.municipalityName}</Link>
        </p>
      </Page>
    ));
  });

  const editForm = async (n: NeighbourhoodRow, form: FormState) => {
    const districts = await districtOptions(n.municipalityId, n.id);
    return (ctx: PageContext) => (
      <NeighbourhoodForm
        ctx={ctx}
        title={`${n.name} wijzigen`}
        crumbs={[...CRUMBS, { href: `${BASE}/${n.id}`, label: n.name }, { label: 'Wijzigen' }]}
        action={`${BASE}/${n.id}/bewerken`}
        form={form}
        municipality={{ id: n.municipalityId, cbsCode: n.municipalityCode, name: n.municipalityName }}
        districts={districts}
        submit="Wijzigingen opslaan"
        cancel={`${BASE}/${n.id}`}
      />
    );
  };

  app.get(`${BASE}/:id/bewerken`, async (req, reply) => {
    const { n } = await changeable(req, 'neighbourhood:update');
    const form = { values: { kind: n.kind, code: n.code, name: n.name, districtId: n.districtId ? String(n.districtId) : '' }, errors: {} };
    return reply.page({ title: `${n.name} wijzigen` }, await editForm(n, form));
  });

  app.post(`${BASE}/:id/bewerken`, async (req, reply) => {
    const { p, n } = await changeable(req, 'neighbourhood:update');
    // The municipality of a district or neighbourhood does not change (its code depends on it).
    const values = { ...formValues(req.body), municipalityId: String(n.municipalityId) };
    const parsed = parseForm(neighbourhoodFormSchema, values);
    const result = parsed.ok ? await updateNeighbourhood(db, req.auditCtx(), p, n, parsed.data) : parsed;
    if (result.ok) {
      reply.flash('success', 'De wijzigingen zijn opgeslagen.');
      return reply.redirect(`${BASE}/${n.id}`, 303);
    }
    return reply.page({ title: `${n.name} wijzigen`, status: 422 }, await editForm(n, { values, errors: result.errors }));
  });

  app.get(`${BASE}/:id/verwijderen`, async (req, reply) => {
    const { n } = await changeable(req, 'neighbourhood:delete');
    const children = n.kind === 'district' ? await countChildren(db, n.id) : 0;
    const title = `${kindLabel(n.kind)} ${n.name} verwijderen`;
    return reply.page({ title }, (ctx) => (
      <Page ctx={ctx} title={title} crumbs={[...CRUMBS, { href: `${BASE}/${n.id}`, label: n.name }, { label: 'Verwijderen' }]}>
        <Heading>{title}</Heading>
        <P>
          Weet u zeker dat u {n.kind === 'district' ? 'de wijk' : 'de buurt'} <strong>{n.name}</strong> ({n.code}) wilt verwijderen?
          {children > 0 && ` De ${children === 1 ? 'buurt' : `${children} buurten`} van deze wijk blijven bestaan, maar horen daarna niet meer bij een wijk.`}
        </P>
        <form method="post" action={`${BASE}/${n.id}/verwijderen`} class="form-actions">
          <CsrfField token={ctx.csrfToken} />
          <Button>Ja, verwijderen</Button>
          <Link href={`${BASE}/${n.id}`}>Nee, terug</Link>
        </form>
      </Page>
    ));
  });

  app.post(`${BASE}/:id/verwijderen`, async (req, reply) => {
    const { n } = await changeable(req, 'neighbourhood:delete');
    await deleteNeighbourhood(db, req.auditCtx(), n);
    reply.flash('success', `${n.kind === 'district' ? 'De wijk' : 'De buurt'} ${n.name} is verwijderd.`);
    return reply.redirect(listUrl(BASE, { gemeente: n.municipalityCode }), 303);
  });
}
