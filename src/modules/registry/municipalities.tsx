import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { Page } from '../../platform/views/layout.js';
import {
  Alert,
  ButtonLink,
  Button,
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
  type FieldErrors,
  type FormState,
  type ListQuery,
} from '../../platform/views/components.js';
import { formValues, isIsoDate, listParams, normaliseDate, optionalDate, parseForm, requiredText } from '../../platform/http/forms.js';
import { ForbiddenError, NotFoundError } from '../../platform/http/errors.js';
import { can, type Principal } from '../../platform/access.js';
import {
  CBS_PROVINCE,
  cbsCodeField,
  createMunicipality,
  deleteMunicipality,
  getMunicipality,
  getParticipationOfMunicipality,
  getJointApproach,
  listMunicipalities,
  listProvinces,
  listProvincesWithCounts,
  municipalityDeleteBlockers,
  municipalityImportChecker,
  municipalityImportSchema,
  importMunicipalities,
  MUNICIPALITY_SORTS,
  populationField,
  recordMerger,
  updateMunicipality,
  type MunicipalityFilter,
  type MunicipalityRow,
} from './service.js';
import { PARTICIPATION_STATUS_LABELS, participationStatusText, stopDateMissing, type ParticipationStatus } from './labels.js';
import { exportMunicipalities, exportProvinces, type ProvinceRow } from './exporters.js';
import { ConfirmForm, nlDate, Reasons, registerImport, sendAuditedExport } from './ui.js';
import { ExportLinks } from './tabular-views.js';

export const MUNICIPALITIES = '/beheer/gemeenten';
export const PROVINCES = '/beheer/provincies';
const HOME = { href: '/beheer', label: 'Overzicht' };
const LIST = { href: MUNICIPALITIES, label: 'Gemeenten' };

/**
 * Only the programme team registers municipalities and changes their official data (CBS code,
 * name, province, validity, mergers): that data comes from CBS. A coordinator keeps the one
 * local figure up to date: the number of inhabitants (used for per-inhabitant figures).
 */
const managesOfficialData = (p: Principal) => can(p, 'municipality:create');

const LABELS: Record<string, string> = {
  cbsCode: 'CBS-code',
  name: 'Naam',
  provinceCode: 'Provincie',
  validFrom: 'Geldig vanaf',
  validTo: 'Geldig tot en met',
  population: 'Aantal inwoners',
  successorCode: 'CBS-code van de nieuwe gemeente',
};

const statusText = (s: string | null) => (s ? (PARTICIPATION_STATUS_LABELS[s as ParticipationStatus] ?? s) : null);

const officialSchema = z
  .object({
    cbsCode: cbsCodeField(),
    name: requiredText('de naam', 100),
    provinceCode: z.string({ message: 'Kies een provincie.' }).regex(CBS_PROVINCE, 'Kies een provincie.'),
    validFrom: optionalDate(),
    validTo: optionalDate(),
    population: populationField(),
  })
  .superRefine((v, c) => {
    if (v.validFrom && v.validTo && v.validTo < v.validFrom) c.addIssue({ code: 'custom', path: ['validTo'], message: 'De einddatum kan niet vóór de begindatum liggen.' });
  });
const coordinatorSchema = z.object({ population: populationField() });

const requiredDate = (msg: string) =>
  z.preprocess(normaliseDate, z.string({ message: msg }).refine(isIsoDate, 'Vul een geldige datum in, zoals 2025-01-01 of 01-01-2025.'));
const mergerSchema = z.object({ successorCode: cbsCodeField(), validTo: requiredDate('Vul de laatste dag in waarop de gemeente bestond.') });

/** Reads the list filters from the query string (shared by the list and its export). */
function municipalityFilter(q: Record<string, string>): Omit<MunicipalityFilter, 'page' | 'pageSize'> & { q: string } {
  const lp = listParams(q, [...MUNICIPALITY_SORTS], 'name');
  return {
    q: lp.q,
    sort: lp.sort,
    dir: lp.dir,
    province: CBS_PROVINCE.test(q.provincie ?? '') ? q.provincie : undefined,
    status: (['current', 'ended', 'all'].includes(q.status) ? q.status : 'current') as 'current' | 'ended' | 'all',
    participating: (['yes', 'no'].includes(q.deelname) ? q.deelname : '') as 'yes' | 'no' | '',
  };
}

export async function municipalityRoutes(app: FastifyInstance) {
  const db = app.ctx.database.db;

  const parseId = (req: FastifyRequest) => {
    const id = Number((req.params as { id: string }).id);
    if (!Number.isInteger(id) || id <= 0 || id > 2_147_483_647) throw new NotFoundError();
    return id;
  };

  /** Loads a municipality the user may see; out of scope answers 404 (its existence is not revealed). */
  async function load(req: FastifyRequest) {
    const id = parseId(req);
    const p = req.authorize('municipality:list');
    const m = await getMunicipality(db, id);
    if (!m || !can(p, 'municipality:read', { municipalityId: m.id })) throw new NotFoundError();
    return { p, m };
  }

  const provinceOptions = async () => (await listProvinces(db)).map((pv) => ({ value: pv.code, label: pv.name }));

  // ----- list -----
  app.get(MUNICIPALITIES, async (req, reply) => {
    const p = req.authorize('municipality:list');
    const q = req.query as Record<string, string>;
    const lp = listParams(q, [...MUNICIPALITY_SORTS], 'name');
    const filter = { ...municipalityFilter(q), page: lp.page, pageSize: lp.pageSize };
    const [{ rows, total }, provs] = await Promise.all([listMunicipalities(db, p, filter), provinceOptions()]);
    const query: ListQuery = {
      q: lp.q,
      sort: lp.sort,
      dir: lp.dir,
      page: lp.page,
      pageSize: lp.pageSize,
      provincie: filter.province,
      status: filter.status === 'current' ? undefined : filter.status,
      deelname: filter.participating || undefined,
    };
    const columns: Column<MunicipalityRow>[] = [
      { key: 'name', label: 'Gemeente', sortable: true, render: (r) => <Link href={`${MUNICIPALITIES}/${r.id}`}>{r.name}</Link> },
      { key: 'cbsCode', label: 'CBS-code', sortable: true, render: (r) => r.cbsCode },
      { key: 'province', label: 'Provincie', sortable: true, render: (r) => r.provinceName },
      {
        key: 'signedOn',
        label: 'Deelname',
        sortable: true,
        render: (r) =>
          r.participationStatus
            ? `${participationStatusText({ status: r.participationStatus, signedOn: r.signedOn, stoppedOn: r.stoppedOn }, nlDate)}${
                r.signedOn ? ` (${r.participationStatus === 'stopped' ? 'ondertekend ' : ''}${nlDate(r.signedOn)})` : ''
              }`
            : 'Geen',
      },
      {
        key: 'validity',
        label: 'Geldigheid',
        render: (r) => (r.validTo ? `Opgeheven per ${nlDate(r.validTo)}${r.successorName ? `, opgegaan in ${r.successorName}` : ''}` : 'Huidige gemeente'),
      },
    ];
    const form = { values: { q: lp.q, provincie: filter.province, status: filter.status, deelname: filter.participating }, errors: {} };
    return reply.page({ title: 'Gemeenten' }, (ctx) => (
      <Page ctx={ctx} title="Gemeenten" crumbs={[HOME, { label: 'Gemeenten' }]}>
        <Heading>Gemeenten</Heading>
        <ul class="action-list">
          {can(p, 'municipality:create') && (
            <li>
              <ButtonLink href={`${MUNICIPALITIES}/nieuw`} variant="primary">
                Gemeente toevoegen
              </ButtonLink>
            </li>
          )}
          {can(p, 'municipality:import') && (
            <li>
              <Link href={`${MUNICIPALITIES}/importeren`}>Gemeenten importeren (CSV of Excel)</Link>
            </li>
          )}
          <li>
            <Link href={PROVINCES}>Provincies</Link>
          </li>
        </ul>
        <form method="get" action={MUNICIPALITIES} class="filter-form" role="search" novalidate aria-label="Gemeenten zoeken en filteren">
          <div class="utrecht-form-field">
            <label class="utrecht-form-label" for="veld-q">
              Zoek op naam of CBS-code
            </label>
            <input class="utrecht-textbox utrecht-textbox--html-input" id="veld-q" name="q" type="search" value={lp.q} />
          </div>
          <SelectField name="provincie" label="Provincie" form={form} options={provs} placeholder="Alle provincies" filter />
          <SelectField
            name="deelname"
            label="Deelname"
            form={form}
            placeholder="Alle gemeenten"
            filter
            options={[
              { value: 'yes', label: 'Deelnemend' },
              { value: 'no', label: 'Niet deelnemend' },
            ]}
          />
          <SelectField
            name="status"
            label="Geldigheid"
            form={form}
            filter
            options={[
              { value: 'current', label: 'Huidige gemeenten' },
              { value: 'ended', label: 'Opgeheven gemeenten' },
              { value: 'all', label: 'Alle' },
            ]}
          />
          <button class="utrecht-button utrecht-button--secondary-action" type="submit">
            Zoeken
          </button>
        </form>
        <div id="resultaten">
          <DataTable caption="Gemeenten" columns={columns} rows={rows} base={MUNICIPALITIES} query={query} />
          <Pagination base={MUNICIPALITIES} query={query} total={total} />
        </div>
        {can(p, 'registry:export') && <ExportLinks base={`${MUNICIPALITIES}/export`} query={query} />}
      </Page>
    ));
  });

  app.get(`${MUNICIPALITIES}/export`, async (req, reply) => {
    const p = req.authorize('municipality:list');
    req.authorize('registry:export');
    const f = municipalityFilter(req.query as Record<string, string>);
    const table = await exportMunicipalities(db, p, f);
    return sendAuditedExport(db, req, reply, table, { filename: 'gemeenten', filters: { q: f.q, provincie: f.province, status: f.status, deelname: f.participating } });
  });

  // ----- import -----
  registerImport(app, {
    path: `${MUNICIPALITIES}/importeren`,
    listPath: MUNICIPALITIES,
    title: 'Gemeenten importeren',
    crumbs: [HOME, LIST, { label: 'Importeren' }],
    action: 'municipality:import',
    templateName: 'gemeenten',
    intro: (
      <>
        Nieuwe CBS-codes worden toegevoegd, bestaande gemeenten bijgewerkt. Een kolom die ontbreekt laat de bestaande waarde staan; een lege cel in een
        aanwezige kolom maakt de waarde leeg. Een export van deze lijst kunt u aanpassen en weer importeren. De officiële lijst van het CBS laadt u met de
        opdracht <code>import-municipalities --cbs</code>.
      </>
    ),
    columns: [
      { header: 'cbs_code', required: true, description: 'CBS-gemeentecode, zoals GM0363.' },
      { header: 'name', required: true, description: 'Naam van de gemeente, zoals het CBS die schrijft.' },
      { header: 'province_code', required: true, description: 'CBS-provinciecode, zoals PV27.' },
      { header: 'valid_from', required: false, description: 'Eerste dag van de gemeente (JJJJ-MM-DD of DD-MM-JJJJ).' },
      { header: 'valid_to', required: false, description: 'Laatste dag, als de gemeente is opgeheven.' },
      { header: 'population', required: false, description: 'Aantal inwoners (heel getal).' },
      { header: 'successor_code', required: false, description: 'CBS-code van de gemeente waarin deze is opgegaan (vraagt ook valid_to).' },
    ],
    schema: municipalityImportSchema,
    checker: municipalityImportChecker,
    write: importMunicipalities,
  });

  // ----- create -----
  const editForm = (
    reply: FastifyReply,
    opts: { title: string; action: string; form: FormState; provs: { value: string; label: string }[]; official: boolean; cancel: string; crumbs: { href?: string; label: string }[]; status?: number; readOnly?: [string, string | null][] },
  ) =>
    reply.page({ title: opts.title, status: opts.status }, (ctx) => (
      <Page ctx={ctx} title={opts.title} crumbs={opts.crumbs}>
        <Heading>{opts.title}</Heading>
        <ErrorSummary errors={opts.form.errors} labels={LABELS} />
        {opts.readOnly && (
          <>
            <SummaryList items={opts.readOnly} />
            <P>De officiële gegevens (CBS-code, naam, provincie, geldigheid) worden door het programmateam bijgehouden op basis van de lijst van het CBS.</P>
          </>
        )}
        <form method="post" action={opts.action} class="form" novalidate>
          <CsrfField token={ctx.csrfToken} />
          {opts.official && (
            <>
              <TextField name="cbsCode" label={LABELS.cbsCode} form={opts.form} required width="s" hint="GM en vier cijfers, zoals GM0363." />
              <TextField name="name" label={LABELS.name} form={opts.form} required />
              <SelectField name="provinceCode" label={LABELS.provinceCode} form={opts.form} options={opts.provs} placeholder="Kies een provincie" required />
              <TextField name="validFrom" label={LABELS.validFrom} form={opts.form} type="date" hint="Bijvoorbeeld de datum van een herindeling." />
              <TextField name="validTo" label={LABELS.validTo} form={opts.form} type="date" hint="Alleen als de gemeente niet meer bestaat. Leegmaken maakt een samenvoeging ongedaan." />
            </>
          )}
          <TextField name="population" label={LABELS.population} form={opts.form} width="s" hint="Voor cijfers per inwoner. Alleen hele getallen." />
          <div class="form-actions">
            <Button>Opslaan</Button>
            <Link href={opts.cancel}>Annuleren</Link>
          </div>
        </form>
      </Page>
    ));

  app.get(`${MUNICIPALITIES}/nieuw`, async (req, reply) => {
    req.authorize('municipality:create');
    return editForm(reply, {
      title: 'Gemeente toevoegen',
      action: `${MUNICIPALITIES}/nieuw`,
      form: { values: {}, errors: {} },
      provs: await provinceOptions(),
      official: true,
      cancel: MUNICIPALITIES,
      crumbs: [HOME, LIST, { label: 'Toevoegen' }],
    });
  });

  app.post(`${MUNICIPALITIES}/nieuw`, async (req, reply) => {
    req.authorize('municipality:create');
    const values = formValues(req.body);
    const parsed = parseForm(officialSchema, values);
    let errors: FieldErrors = parsed.ok ? {} : parsed.errors;
    if (parsed.ok) {
      const r = await createMunicipality(db, req.auditCtx(), parsed.data);
      if (r.ok) {
        reply.flash('success', `Gemeente ${parsed.data.name} (${parsed.data.cbsCode}) is toegevoegd.`);
        return reply.redirect(`${MUNICIPALITIES}/${r.id}`, 303);
      }
      errors = r.errors;
    }
    return editForm(reply, {
      title: 'Gemeente toevoegen',
      action: `${MUNICIPALITIES}/nieuw`,
      form: { values, errors },
      provs: await provinceOptions(),
      official: true,
      cancel: MUNICIPALITIES,
      crumbs: [HOME, LIST, { label: 'Toevoegen' }],
      status: 422,
    });
  });

  // ----- detail -----
  app.get(`${MUNICIPALITIES}/:id`, async (req, reply) => {
    const { p, m } = await load(req);
    const pa = await getParticipationOfMunicipality(db, m.id);
    const joint = pa?.joint ? await getJointApproach(db, pa.joint.id) : null;
    const readable = (id: number) => can(p, 'municipality:read', { municipalityId: id });
    const mLink = (x: { id: number; name: string; cbsCode: string }) =>
      readable(x.id) ? <Link href={`${MUNICIPALITIES}/${x.id}`}>{`${x.name} (${x.cbsCode})`}</Link> : `${x.name} (${x.cbsCode})`;
    const crumbs = [HOME, LIST, { label: m.name }];
    return reply.page({ title: m.name, crumbs }, (ctx) => (
      <Page ctx={ctx} title={m.name} crumbs={crumbs}>
        <Heading>{m.name}</Heading>
        {m.validTo && (
          <P>
            <strong>Deze gemeente bestaat niet meer</strong> sinds {nlDate(m.validTo)}
            {m.successor ? (
              <>
                {' '}
                en is opgegaan in {mLink(m.successor)}. De oude CBS-code {m.cbsCode} verwijst daar nog steeds naar.
              </>
            ) : (
              '.'
            )}
          </P>
        )}
        <SummaryList
          items={[
            ['CBS-code', m.cbsCode],
            ['Provincie', m.province.name],
            ['Aantal inwoners', m.population == null ? null : m.population.toLocaleString('nl-NL')],
            ['Geldig vanaf', nlDate(m.validFrom)],
            ['Geldig tot en met', nlDate(m.validTo)],
            ['Opgegaan in', m.successor ? mLink(m.successor) : null],
            [
              'Voorgangers',
              m.predecessors.length ? (
                <ul class="plain-list">
                  {m.predecessors.map((x) => (
                    <li>
                      {mLink(x)}
                      {x.validTo ? `, tot en met ${nlDate(x.validTo)}` : ''}
                    </li>
                  ))}
                </ul>
              ) : null,
            ],
          ]}
        />
        <Heading level={2}>Deelname aan het programma</Heading>
        {pa && stopDateMissing(pa.participation) && (
          <Alert kind="warning">
            De stopdatum van de deelname ontbreekt. Zonder die datum telt {m.name} in de programmacijfers op geen enkele datum mee, ook niet voor de tijd vanaf
            de ondertekening.{' '}
            {can(p, 'participation:create') ? (
              <Link href={`/beheer/deelnames/${pa.participation.id}/bewerken`}>Vul de stopdatum in</Link>
            ) : (
              'Vraag het programmateam de stopdatum in te vullen.'
            )}
          </Alert>
        )}
        {pa ? (
          <SummaryList
            items={[
              ['Status', <Link href={`/beheer/deelnames/${pa.participation.id}`}>{statusText(pa.participation.status)}</Link>],
              ['Vijf pijlers ondertekend op', nlDate(pa.participation.signedOn)],
              ...(pa.participation.status === 'stopped' || pa.participation.stoppedOn
                ? [['Gestopt op', pa.participation.stoppedOn ? nlDate(pa.participation.stoppedOn) : stopDateMissing(pa.participation) ? 'onbekend' : null] as [string, string | null]]
                : []),
              ['Gezamenlijke aanpak', joint ? <Link href={`/beheer/deelnames/gezamenlijke-aanpakken/${joint.id}`}>{joint.name}</Link> : 'Nee'],
              ['Hoofdgemeente', joint?.primary ? `${joint.primary.name} (${joint.primary.cbsCode})` : null],
              ['Deelnemende gemeenten', joint ? joint.members.map((x) => x.name).join(', ') : null],
            ]}
          />
        ) : (
          <P>
            Deze gemeente neemt (nog) niet deel.
            {can(p, 'participation:create') && !m.validTo && (
              <>
                {' '}
                <Link href={`/beheer/deelnames/nieuw?gemeente=${m.id}`}>Deelname registreren</Link>
              </>
            )}
          </P>
        )}
        <ul class="action-list">
          {can(p, 'municipality:update', { municipalityId: m.id }) && (
            <li>
              <ButtonLink href={`${MUNICIPALITIES}/${m.id}/bewerken`}>Gegevens bewerken</ButtonLink>
            </li>
          )}
          {managesOfficialData(p) && (
            <li>
              <Link href={`${MUNICIPALITIES}/${m.id}/samenvoegen`}>{m.validTo ? 'Samenvoeging aanpassen' : 'Samenvoeging vastleggen'}</Link>
            </li>
          )}
          {can(p, 'municipality:delete', { municipalityId: m.id }) && (
            <li>
              <Link href={`${MUNICIPALITIES}/${m.id}/verwijderen`}>Gemeente verwijderen</Link>
            </li>
          )}
        </ul>
      </Page>
    ));
  });

  // ----- edit -----
  async function loadForUpdate(req: FastifyRequest) {
    const { p, m } = await load(req);
    if (!can(p, 'municipality:update', { municipalityId: m.id })) throw new ForbiddenError('U mag de gegevens van deze gemeente bekijken, maar niet wijzigen.');
    return { p, m, official: managesOfficialData(p) };
  }

  const renderEdit = async (reply: FastifyReply, m: Awaited<ReturnType<typeof load>>['m'], official: boolean, form: FormState, status?: number) =>
    editForm(reply, {
      title: `${m.name} bewerken`,
      action: `${MUNICIPALITIES}/${m.id}/bewerken`,
      form,
      provs: await provinceOptions(),
      official,
      cancel: `${MUNICIPALITIES}/${m.id}`,
      crumbs: [HOME, LIST, { href: `${MUNICIPALITIES}/${m.id}`, label: m.name }, { label: 'Bewerken' }],
      status,
      readOnly: official
        ? undefined
        : [
            ['CBS-code', m.cbsCode],
            ['Naam', m.name],
            ['Provincie', m.province.name],
          ],
    });

  app.get(`${MUNICIPALITIES}/:id/bewerken`, async (req, reply) => {
    const { m, official } = await loadForUpdate(req);
    const values = {
      cbsCode: m.cbsCode,
      name: m.name,
      provinceCode: m.province.code,
      validFrom: m.validFrom ?? '',
      validTo: m.validTo ?? '',
      population: m.population ?? '',
    };
    return renderEdit(reply, m, official, { values, errors: {} });
  });

  app.post(`${MUNICIPALITIES}/:id/bewerken`, async (req, reply) => {
    const { m, official } = await loadForUpdate(req);
    const values = formValues(req.body);
    let errors: FieldErrors;
    if (official) {
      const parsed = parseForm(officialSchema, values);
      if (parsed.ok) {
        const d = parsed.data;
        const r = await updateMunicipality(db, req.auditCtx(), m.id, { ...d, validFrom: d.validFrom ?? null, validTo: d.validTo ?? null, population: d.population ?? null });
        if (r.ok) {
          reply.flash('success', `De gegevens van ${d.name} zijn opgeslagen.`);
          return reply.redirect(`${MUNICIPALITIES}/${m.id}`, 303);
        }
        errors = r.errors;
      } else errors = parsed.errors;
    } else {
      // Coordinators: only the fields of coordinatorSchema are read; anything else in the body is ignored.
      const parsed = parseForm(coordinatorSchema, values);
      if (parsed.ok) {
        const r = await updateMunicipality(db, req.auditCtx(), m.id, { population: parsed.data.population ?? null });
        if (r.ok) {
          reply.flash('success', `De gegevens van ${m.name} zijn opgeslagen.`);
          return reply.redirect(`${MUNICIPALITIES}/${m.id}`, 303);
        }
        errors = r.errors;
      } else errors = parsed.errors;
    }
    return renderEdit(reply, m, official, { values, errors }, 422);
  });

  // ----- merger -----
  const mergerPage = (reply: FastifyReply, m: Awaited<ReturnType<typeof load>>['m'], form: FormState, status?: number) => {
    const title = `Samenvoeging van ${m.name} vastleggen`;
    const crumbs = [HOME, LIST, { href: `${MUNICIPALITIES}/${m.id}`, label: m.name }, { label: 'Samenvoeging' }];
    return reply.page({ title, status }, (ctx) => (
      <Page ctx={ctx} title={title} crumbs={crumbs}>
        <Heading>{title}</Heading>
        <P>
          Gaat {m.name} ({m.cbsCode}) op in een andere gemeente, dan blijft deze gemeente bewaard met een einddatum. De oude CBS-code blijft werken
          en verwijst naar de nieuwe gemeente. Deelnames en andere gegevens blijven bij de oude gemeente staan.
        </P>
        <ErrorSummary errors={form.errors} labels={LABELS} />
        <form method="post" action={`${MUNICIPALITIES}/${m.id}/samenvoegen`} class="form" novalidate>
          <CsrfField token={ctx.csrfToken} />
          <TextField name="successorCode" label={LABELS.successorCode} form={form} required width="s" hint="De gemeente waarin deze gemeente is opgegaan, zoals GM1980." />
          <TextField name="validTo" label="Laatste dag van de gemeente" form={form} type="date" required hint="Bij een herindeling per 1 januari is dat 31 december van het jaar ervoor." />
          <div class="form-actions">
            <Button>Samenvoeging opslaan</Button>
            <Link href={`${MUNICIPALITIES}/${m.id}`}>Annuleren</Link>
          </div>
        </form>
      </Page>
    ));
  };

  async function loadForOfficial(req: FastifyRequest) {
    const { p, m } = await load(req);
    if (!managesOfficialData(p)) throw new ForbiddenError();
    return m;
  }

  app.get(`${MUNICIPALITIES}/:id/samenvoegen`, async (req, reply) => {
    const m = await loadForOfficial(req);
    return mergerPage(reply, m, { values: { successorCode: m.successor?.cbsCode ?? '', validTo: m.validTo ?? '' }, errors: {} });
  });

  app.post(`${MUNICIPALITIES}/:id/samenvoegen`, async (req, reply) => {
    const m = await loadForOfficial(req);
    const values = formValues(req.body);
    const parsed = parseForm(mergerSchema, values);
    let errors: FieldErrors = parsed.ok ? {} : parsed.errors;
    if (parsed.ok) {
      const r = await recordMerger(db, req.auditCtx(), m.id, parsed.data);
      if (r.ok) {
        reply.flash('success', `Vastgelegd: ${m.name} is per ${nlDate(parsed.data.validTo)} opgegaan in ${parsed.data.successorCode}.`);
        return reply.redirect(`${MUNICIPALITIES}/${m.id}`, 303);
      }
      errors = r.errors;
    }
    return mergerPage(reply, m, { values, errors }, 422);
  });

  // ----- delete -----
  const deletePage = (reply: FastifyReply, m: Awaited<ReturnType<typeof load>>['m'], reasons: string[], status?: number) => {
    const title = `${m.name} verwijderen`;
    const crumbs = [HOME, LIST, { href: `${MUNICIPALITIES}/${m.id}`, label: m.name }, { label: 'Verwijderen' }];
    return reply.page({ title, status }, (ctx) => (
      <Page ctx={ctx} title={title} crumbs={crumbs}>
        <Heading>{title}</Heading>
        {reasons.length ? (
          <>
            <Reasons reasons={reasons} />
            <Link href={`${MUNICIPALITIES}/${m.id}`}>Terug naar {m.name}</Link>
          </>
        ) : (
          <>
            <P>
              Weet u zeker dat u {m.name} ({m.cbsCode}) wilt verwijderen? Gebruik dit alleen voor een gemeente die per vergissing is toegevoegd. Gaat een
              gemeente op in een andere, leg dan een <Link href={`${MUNICIPALITIES}/${m.id}/samenvoegen`}>samenvoeging</Link> vast.
            </P>
            <P>De gegevens blijven bewaard voor het auditlog, maar de gemeente verdwijnt uit alle lijsten.</P>
            <ConfirmForm action={`${MUNICIPALITIES}/${m.id}/verwijderen`} csrf={ctx.csrfToken} label="Ja, verwijder deze gemeente" cancel={`${MUNICIPALITIES}/${m.id}`} />
          </>
        )}
      </Page>
    ));
  };

  async function loadForDelete(req: FastifyRequest) {
    const { p, m } = await load(req);
    if (!can(p, 'municipality:delete', { municipalityId: m.id })) throw new ForbiddenError();
    return m;
  }

  app.get(`${MUNICIPALITIES}/:id/verwijderen`, async (req, reply) => {
    const m = await loadForDelete(req);
    return deletePage(reply, m, await municipalityDeleteBlockers(db, m.id));
  });

  app.post(`${MUNICIPALITIES}/:id/verwijderen`, async (req, reply) => {
    const m = await loadForDelete(req);
    const r = await deleteMunicipality(db, req.auditCtx(), m.id);
    if (!r.ok) return deletePage(reply, m, r.reasons, 409);
    reply.flash('success', `${m.name} (${m.cbsCode}) is verwijderd.`);
    return reply.redirect(MUNICIPALITIES, 303);
  });

  // ----- provinces (read only) -----
  app.get(PROVINCES, async (req, reply) => {
    const p = req.authorize('municipality:list');
    const rows = await listProvincesWithCounts(db, p);
    const query: ListQuery = { page: 1, pageSize: rows.length || 1 };
    const columns: Column<ProvinceRow>[] = [
      { key: 'name', label: 'Provincie', render: (r) => <Link href={`${MUNICIPALITIES}?provincie=${r.code}`}>{r.name}</Link> },
      { key: 'code', label: 'CBS-code', render: (r) => r.code },
      { key: 'municipalities', label: 'Gemeenten', numeric: true, render: (r) => r.municipalities },
      { key: 'participating', label: 'Deelnemend', numeric: true, render: (r) => r.participating },
    ];
    const crumbs = [HOME, LIST, { label: 'Provincies' }];
    return reply.page({ title: 'Provincies' }, (ctx) => (
      <Page ctx={ctx} title="Provincies" crumbs={crumbs}>
        <Heading>Provincies</Heading>
        <P>{managesOfficialData(p) ? 'De twaalf provincies met het aantal huidige gemeenten.' : 'Het aantal gemeenten per provincie binnen uw overzicht.'} De indeling komt van het CBS.</P>
        <DataTable caption="Provincies" columns={columns} rows={rows} base={PROVINCES} query={query} />
        {can(p, 'registry:export') && <ExportLinks base={`${PROVINCES}/export`} query={{}} />}
      </Page>
    ));
  });

  app.get(`${PROVINCES}/export`, async (req, reply) => {
    const p = req.authorize('municipality:list');
    req.authorize('registry:export');
    return sendAuditedExport(db, req, reply, await exportProvinces(db, p), { filename: 'provincies', filters: {} });
  });
}
