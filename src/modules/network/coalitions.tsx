import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { and, eq, isNull } from 'drizzle-orm';
import type { ComponentChildren } from 'preact';
import { Page, type Crumb, type PageContext } from '../../platform/views/layout.js';
import {
  Alert,
  Button,
  ButtonLink,
  Checkbox,
  CsrfField,
  DataTable,
  Heading,
  Link,
  listUrl,
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
import { formValues, listParams, parseForm, pathId as idParam } from '../../platform/http/forms.js';
import { ForbiddenError, NotFoundError } from '../../platform/http/errors.js';
import { can, scopeOf, type Principal } from '../../platform/access.js';
import { audit } from '../../platform/audit.js';
import { amsterdamDate } from '../../platform/time.js';
import { municipalities } from '../registry/schema.js';
import { listProvinces } from '../registry/service.js';
import { ORGANISATION_KIND_LABELS, ORGANISATION_KINDS } from '../registry/labels.js';
import { ConfirmForm, nlDate, sendAuditedExport } from '../registry/ui.js';
import { FormActions, FormPage as BaseFormPage, PlainTable, searchTerm } from './views-shared.js';
import { ExportLinks } from '../registry/tabular-views.js';
import { COALITION_SECTOR_LABELS, COALITION_SECTORS, COALITION_STAGE_LABELS, COALITION_STAGES, MEMBER_ROLE_LABELS, MEMBER_ROLES, type CoalitionStage } from './model.js';
import {
  addMember,
  addStage,
  changeMemberRole,
  COALITION_SORTS,
  coalitionCreateSchema,
  coalitionEditSchema,
  coalitionExportTable,
  coalitionMunicipalities,
  coalitionOfMunicipality,
  createCoalition,
  deleteMember,
  deleteStage,
  endMember,
  endSchema,
  existingOrganisationSchema,
  getCoalitionDetail,
  getMember,
  jointApproachOf,
  kartrekkerText,
  listCoalitions,
  memberDetailsSchema,
  memberExportTable,
  memberFieldsSchema,
  memberOrganisationOptions,
  municipalitiesWithoutCoalition,
  nationalParentOptions,
  newOrganisationSchema,
  roleChangeSchema,
  roleLabel,
  sectorLabel,
  stageLabel,
  stageSchema,
  updateCoalition,
  updateMemberDetails,
  type AddMemberInput,
  type Coalition,
  type CoalitionDetail,
  type CoalitionFilter,
  type CoalitionRow,
  type DuplicateOrganisation,
  type MemberRow,
  type MunicipalityBrief,
  convertToJointCoalition,
  jointConversionCheck,
} from './coalitions-service.js';

/**
 * Screens of local coalitions (issue 5 point 1): the list in the user's scope, the coalition of a
 * municipality (created there when it has none), its stage history and its members.
 *
 * Access: coalition:list for the list; the page of a municipality needs coalition:read on that
 * municipality (else 404, nothing leaks) and every change coalition:update on it. A joint
 * approach has one coalition, reachable from the page of each of its municipalities.
 */

export const COALITIONS = '/coalities';
const LIST_CRUMB: Crumb = { href: COALITIONS, label: 'Lokale coalities' };

const STAGE_OPTIONS: Option[] = COALITION_STAGES.map((s) => ({ value: s, label: COALITION_STAGE_LABELS[s] }));
const ROLE_OPTIONS = MEMBER_ROLES.map((r) => ({ value: r, label: MEMBER_ROLE_LABELS[r] }));
const ROLE_HINTS: Record<string, string> = {
  kartrekker: 'Trekt de coalitie en is het eerste aanspreekpunt.',
  initiator: 'Heeft de coalitie mee opgezet.',
  active: 'Draagt actief bij met activiteiten, mensen of middelen.',
  informed: 'Wordt op de hoogte gehouden, maar doet (nog) niet actief mee.',
  no_active_role: 'Hoort bij de coalitie zonder actieve rol.',
};
const SECTOR_OPTIONS: Option[] = COALITION_SECTORS.map((s) => ({ value: s, label: COALITION_SECTOR_LABELS[s] }));
const KIND_OPTIONS: Option[] = ORGANISATION_KINDS.filter((k) => k !== 'national_partner').map((k) => ({ value: k, label: ORGANISATION_KIND_LABELS[k] }));

const LABELS: Record<string, string> = {
  name: 'Naam van de coalitie',
  description: 'Omschrijving',
  joint: 'Gezamenlijke aanpak',
  stage: 'Fase',
  fromDate: 'Vanaf',
  note: 'Toelichting',
  bron: 'Organisatie',
  organisationId: 'Organisatie uit het register',
  newName: 'Naam van de nieuwe organisatie',
  newKind: 'Soort organisatie',
  newKvk: 'KvK-nummer',
  newMunicipalityId: 'Gemeente van de organisatie',
  newParentId: 'Vestiging van',
  role: 'Rol in de coalitie',
  sector: 'Sector',
  startDate: 'Lid sinds',
  contactName: 'Contactpersoon',
  contactEmail: 'E-mailadres contactpersoon',
  date: 'Nieuwe rol geldt vanaf',
  endDate: 'Lid tot (einddatum)',
};

const today = () => amsterdamDate(new Date());
const coalitionPath = (code: string) => `${COALITIONS}/${code}`;
const memberText = (m: MemberRow) => `${m.organisationName} (${roleLabel(m.role)}, sinds ${nlDate(m.startDate)})`;

/** Query string -> filter (?q=&fase=&provincie=&zonderKartrekker=ja&sort=&dir=&page=). Unknown values are ignored. */
function readFilter(q: Record<string, string>): CoalitionFilter {
  const lp = listParams(q, [...COALITION_SORTS], 'municipality');
  return {
    q: lp.q || undefined,
    stage: (COALITION_STAGES as readonly string[]).includes(q.fase) ? (q.fase as CoalitionStage) : undefined,
    province: /^PV\d{2}$/.test(q.provincie ?? '') ? q.provincie : undefined,
    noKartrekker: q.zonderKartrekker === 'ja',
    sort: lp.sort,
    dir: lp.dir,
    page: lp.page,
    pageSize: lp.pageSize,
  };
}

const toQuery = (f: CoalitionFilter): ListQuery => ({
  q: f.q,
  fase: f.stage,
  provincie: f.province,
  zonderKartrekker: f.noKartrekker ? 'ja' : undefined,
  sort: f.sort,
  dir: f.dir,
  page: f.page,
  pageSize: f.pageSize,
});

/** The code to link a coalition row to: its own municipality, or a member of its joint approach in the viewer's scope. */
function linkCode(p: Principal, r: CoalitionRow): string | null {
  if (can(p, 'coalition:read', { municipalityId: r.municipalityId })) return r.cbsCode;
  return r.jointMembers.find((m) => can(p, 'coalition:read', { municipalityId: m.id }))?.cbsCode ?? null;
}

const FormPage = (props: Omit<Parameters<typeof BaseFormPage>[0], 'labels'>) => BaseFormPage({ ...props, labels: LABELS });

const CONTACT_WHY =
  'Waarom vragen we dit? Zodat de gemeente, de adviseur en het programmateam weten wie ze bij deze organisatie over de coalitie kunnen aanspreken. Vul bij voorkeur een functie-adres in. Alleen zichtbaar voor wie deze coalitie mag inzien; elke inzage wordt vastgelegd.';

export async function coalitionRoutes(app: FastifyInstance) {
  const db = app.ctx.database.db;

  /** The municipality of the URL and its coalition, if `p` may read it; anything else is 404. */
  async function load(req: FastifyRequest, need: 'read' | 'update' = 'read') {
    const p = req.authorize('coalition:list');
    const code = String((req.params as { cbsCode?: string }).cbsCode ?? '').toUpperCase();
    if (!/^GM\d{4}$/.test(code)) throw new NotFoundError();
    const [m] = await db
      .select()
      .from(municipalities)
      .where(and(eq(municipalities.cbsCode, code), isNull(municipalities.deletedAt)));
    if (!m || !can(p, 'coalition:read', { municipalityId: m.id })) throw new NotFoundError();
    if (need === 'update' && !can(p, 'coalition:update', { municipalityId: m.id })) throw new ForbiddenError('U mag deze coalitie bekijken, maar niet wijzigen.');
    const c = await coalitionOfMunicipality(db, m.id);
    return { p, m, c, base: coalitionPath(m.cbsCode) };
  }

  /** As load(), but the coalition must exist (else 404) and the user may change it. */
  async function loadForUpdate(req: FastifyRequest) {
    const r = await load(req, 'update');
    if (!r.c) throw new NotFoundError('Deze gemeente heeft nog geen lokale coalitie.');
    return { ...r, c: r.c };
  }

  async function loadMember(req: FastifyRequest) {
    const r = await loadForUpdate(req);
    const member = await getMember(db, r.c.id, idParam((req.params as { id: string }).id));
    if (!member) throw new NotFoundError();
    return { ...r, member };
  }

  const crumbsFor = (c: Coalition | null, base: string, name: string, last?: string): Crumb[] => [
    LIST_CRUMB,
    ...(last ? [{ href: base, label: c?.name ?? name }, { label: last }] : [{ label: c?.name ?? name }]),
  ];

  /* ---------------------------------------------------------------- list ---------- */

  app.get(COALITIONS, async (req, reply) => {
    const p = req.authorize('coalition:list');
    const f = readFilter(req.query as Record<string, string>);
    const day = today();
    const [{ rows, total }, provs, without] = await Promise.all([listCoalitions(db, p, f, day), listProvinces(db), municipalitiesWithoutCoalition(db, p)]);
    const contacts = rows.filter((r) => r.kartrekkers.some((k) => k.contact));
    if (contacts.length) {
      await audit(db, req.auditCtx(), { action: 'read_personal', entity: 'coalition', details: { ids: contacts.map((r) => r.id), fields: ['kartrekkerContact'], view: 'list' } });
    }
    const query = toQuery(f);
    const columns: Column<CoalitionRow>[] = [
      {
        key: 'name',
        label: 'Coalitie',
        sortable: true,
        render: (r) => {
          const code = linkCode(p, r);
          return code ? <Link href={coalitionPath(code)}>{r.name}</Link> : r.name;
        },
      },
      {
        key: 'municipality',
        label: 'Gemeente',
        sortable: true,
        render: (r) =>
          r.jointApproachName ? (
            <>
              {r.jointMembers.map((m) => m.name).join(', ')}
              <br />
              <span class="muted">Gezamenlijke aanpak {r.jointApproachName}</span>
            </>
          ) : (
            r.municipalityName
          ),
      },
      { key: 'province', label: 'Provincie', sortable: true, render: (r) => r.provinceName },
      {
        key: 'stage',
        label: 'Fase',
        sortable: true,
        render: (r) => (
          <>
            {stageLabel(r.stage)}
            {r.stageSince && <span class="muted"> (sinds {nlDate(r.stageSince)})</span>}
          </>
        ),
      },
      { key: 'kartrekker', label: 'Kartrekker', render: (r) => kartrekkerText(r.kartrekkers, true) ?? <span class="muted">Geen kartrekker</span> },
      { key: 'members', label: 'Huidige leden', sortable: true, numeric: true, render: (r) => r.members },
    ];
    const form = { values: { q: f.q, fase: f.stage, provincie: f.province, zonderKartrekker: f.noKartrekker ? 'ja' : '' }, errors: {} };
    return reply.page({ title: 'Lokale coalities' }, (ctx) => (
      <Page ctx={ctx} title="Lokale coalities" crumbs={[{ label: 'Lokale coalities' }]}>
        <Heading>Lokale coalities</Heading>
        <P>
          Per gemeente (of per gezamenlijke aanpak) één lokale coalitie: de fase waarin zij is, de kartrekker en de organisaties die meedoen. Open een coalitie om
          de fase, de leden en de geschiedenis te zien en bij te werken.
        </P>
        {without.length > 0 && <WithoutCoalition p={p} municipalities={without} />}
        <form method="get" action={COALITIONS} class="filter-form" role="search" novalidate aria-label="Coalities zoeken en filteren">
          <TextField name="q" label="Zoek op naam of gemeente" type="search" form={form} filter />
          <SelectField name="fase" label="Fase" form={form} filter placeholder="Alle fasen" options={STAGE_OPTIONS} />
          <SelectField name="provincie" label="Provincie" form={form} filter placeholder="Alle provincies" options={provs.map((pv) => ({ value: pv.code, label: pv.name }))} />
          <Checkbox name="zonderKartrekker" label="Alleen coalities zonder kartrekker" form={form} />
          <Button variant="secondary">Zoeken</Button>
        </form>
        <DataTable caption="Lokale coalities" columns={columns} rows={rows} base={COALITIONS} query={query} empty="Geen coalities gevonden." />
        <Pagination base={COALITIONS} query={query} total={total} />
        <ExportLinks base={`${COALITIONS}/export`} query={query} />
        <p class="utrecht-paragraph">
          Alle leden van deze coalities (met hun geschiedenis) exporteren:{' '}
          <Link href={listUrl(`${COALITIONS}/leden/export`, { ...query, page: undefined }, { formaat: 'csv' })}>CSV</Link>
          {' · '}
          <Link href={listUrl(`${COALITIONS}/leden/export`, { ...query, page: undefined }, { formaat: 'csv', scheidingsteken: 'puntkomma' })}>CSV met puntkomma (Nederlandse Excel)</Link>
          {' · '}
          <Link href={listUrl(`${COALITIONS}/leden/export`, { ...query, page: undefined }, { formaat: 'xlsx' })}>Excel (XLSX)</Link>
        </p>
      </Page>
    ));
  });

  function WithoutCoalition({ p, municipalities: ms }: { p: Principal; municipalities: MunicipalityBrief[] }) {
    const editable = ms.filter((m) => can(p, 'coalition:update', { municipalityId: m.id }));
    if (!editable.length) return null;
    const title = scopeOf(p).all ? 'Deelnemende gemeenten zonder coalitie' : 'Uw gemeenten zonder coalitie';
    return (
      <section aria-labelledby="zonder-coalitie">
        <Heading level={2}>
          <span id="zonder-coalitie">{title}</span>
        </Heading>
        {editable.length <= 6 ? (
          <ul class="action-list">
            {editable.map((m) => (
              <li>
                <Link href={coalitionPath(m.cbsCode)}>Coalitie vastleggen voor {m.name}</Link>
              </li>
            ))}
          </ul>
        ) : (
          <form method="get" action={`${COALITIONS}/openen`} class="filter-form" novalidate>
            <SelectField
              name="gemeente"
              label={`Gemeente (${editable.length} zonder coalitie)`}
              form={{ values: {}, errors: {} }}
              filter
              options={editable.map((m) => ({ value: m.cbsCode, label: m.name }))}
            />
            <Button variant="secondary">Coalitie vastleggen</Button>
          </form>
        )}
      </section>
    );
  }

  /** The select above leads here: on to the municipality's page. */
  app.get(`${COALITIONS}/openen`, async (req, reply) => {
    req.authorize('coalition:list');
    const code = String((req.query as { gemeente?: string }).gemeente ?? '').toUpperCase();
    if (!/^GM\d{4}$/.test(code)) return reply.redirect(COALITIONS, 303);
    return reply.redirect(coalitionPath(code), 303);
  });

  app.get(`${COALITIONS}/export`, async (req, reply) => {
    const p = req.authorize('coalition:list');
    const { page: _p, pageSize: _s, ...f } = readFilter(req.query as Record<string, string>);
    const { page: _qp, pageSize: _qs, ...filters } = toQuery({ ...f, page: 1, pageSize: 0 });
    return sendAuditedExport(db, req, reply, await coalitionExportTable(db, p, f, today()), { filename: 'lokale-coalities', filters });
  });

  app.get(`${COALITIONS}/leden/export`, async (req, reply) => {
    const p = req.authorize('coalition:list');
    const { page: _p, pageSize: _s, ...f } = readFilter(req.query as Record<string, string>);
    const { page: _qp, pageSize: _qs, ...filters } = toQuery({ ...f, page: 1, pageSize: 0 });
    return sendAuditedExport(db, req, reply, await memberExportTable(db, p, f, today()), { filename: 'coalitieleden', filters });
  });

  /* ------------------------------------------------------- coalition page ---------- */

  app.get(`${COALITIONS}/:cbsCode`, async (req, reply) => {
    const { p, m, c, base } = await load(req);
    if (!c) {
      const joint = await jointApproachOf(db, m.id);
      const values = { name: joint ? `Lokale coalitie ${joint.name}` : `Lokale coalitie ${m.name}`, joint: joint ? 'ja' : '', stage: 'starting', fromDate: today() };
      return reply.page({ title: `Lokale coalitie ${m.name}` }, (ctx) => (
        <CreatePage ctx={ctx} m={m} base={base} joint={joint} form={{ values, errors: {} }} editable={can(p, 'coalition:update', { municipalityId: m.id })} />
      ));
    }
    const d = await getCoalitionDetail(db, c, today());
    const withContact = [...d.current, ...d.past].filter((x) => x.contactName || x.contactEmail);
    if (withContact.length) {
      await audit(db, req.auditCtx(), { action: 'read_personal', entity: 'coalition', entityId: c.id, details: { fields: ['memberContact'], members: withContact.map((x) => x.id) } });
    }
    const editable = can(p, 'coalition:update', { municipalityId: m.id });
    // Joint approaches are the programme team's (participation:create): only they turn a coalition into a joint one.
    const convertible = can(p, 'participation:create') && !c.jointApproachId && (await jointConversionCheck(db, c)).ok;
    return reply.page({ title: c.name }, (ctx) => <CoalitionPage ctx={ctx} d={d} base={base} editable={editable} viewer={p} convertible={convertible} />);
  });

  app.post(`${COALITIONS}/:cbsCode`, async (req, reply) => {
    const { m, c, base } = await load(req, 'update');
    if (c) return reply.redirect(base, 303);
    const values = formValues(req.body);
    const parsed = parseForm(coalitionCreateSchema, values);
    const result = parsed.ok ? await createCoalition(db, req.auditCtx(), m.id, parsed.data, today()) : parsed;
    if (result.ok) {
      reply.flash('success', 'De lokale coalitie is vastgelegd. Voeg nu de leden toe.');
      return reply.redirect(base, 303);
    }
    const joint = await jointApproachOf(db, m.id);
    return reply.page({ title: `Lokale coalitie ${m.name}`, status: 422 }, (ctx) => (
      <CreatePage ctx={ctx} m={m} base={base} joint={joint} form={{ values, errors: result.errors }} editable />
    ));
  });

  function CreatePage({
    ctx,
    m,
    base,
    joint,
    form,
    editable,
  }: {
    ctx: PageContext;
    m: { name: string; cbsCode: string };
    base: string;
    joint: Awaited<ReturnType<typeof jointApproachOf>>;
    form: FormState;
    editable: boolean;
  }) {
    const title = `Lokale coalitie ${m.name}`;
    return (
      <FormPage ctx={ctx} title={title} crumbs={[LIST_CRUMB, { label: m.name }]} errors={form.errors}>
        <P>Voor {m.name} is nog geen lokale coalitie vastgelegd.</P>
        {!editable ? (
          <P>Vraag de coördinator van de gemeente of het programmateam om de coalitie vast te leggen.</P>
        ) : (
          <form method="post" action={base} novalidate class="form">
            <CsrfField token={ctx.csrfToken} />
            <TextField name="name" label={LABELS.name} form={form} required />
            {joint && (
              <Checkbox
                name="joint"
                label={`Eén coalitie voor de hele gezamenlijke aanpak ${joint.name}`}
                form={form}
                hint={`${m.name} doet mee in de gezamenlijke aanpak ${joint.name} (hoofdgemeente ${joint.primaryName}). Met dit vinkje geldt de coalitie voor alle gemeenten van die aanpak en is zij vanuit elk van die gemeenten te openen.`}
              />
            )}
            <TextArea name="description" label={LABELS.description} form={form} rows={3} hint="Bijvoorbeeld de focus of de werkwijze van de coalitie." />
            <RadioGroup name="stage" label="Fase van de coalitie" form={form} required options={STAGE_OPTIONS} />
            <TextField name="fromDate" label="In deze fase sinds" type="date" form={form} required width="s" hint="Vandaag of een datum in het verleden, zoals 31-01-2025." />
            <TextArea name="note" label={LABELS.note} form={form} rows={2} />
            <FormActions submit="Coalitie vastleggen" cancel={COALITIONS} />
          </form>
        )}
      </FormPage>
    );
  }

  function CoalitionPage({ ctx, d, base, editable, viewer, convertible }: { ctx: PageContext; d: CoalitionDetail; base: string; editable: boolean; viewer: Principal; convertible: boolean }) {
    const c = d.coalition;
    const stageColumns: Column<CoalitionDetail['stages'][number]>[] = [
      { key: 'stage', label: 'Fase', render: (s) => stageLabel(s.stage) },
      { key: 'fromDate', label: 'Vanaf', render: (s) => nlDate(s.fromDate) },
      { key: 'note', label: 'Toelichting', render: (s) => s.note ?? '—' },
      ...(editable
        ? [
            {
              key: 'actions',
              label: 'Correctie',
              render: (s: CoalitionDetail['stages'][number]) => (
                <Link href={`${base}/fase/${s.id}/verwijderen`}>
                  Verwijderen<span class="visually-hidden"> ({stageLabel(s.stage)} vanaf {nlDate(s.fromDate)})</span>
                </Link>
              ),
            },
          ]
        : []),
    ];
    const organisationCell = (x: MemberRow) => (
      <>
        {x.organisationName}
        {x.parentName && (
          <>
            <br />
            <span class="muted">Vestiging van {x.parentName}</span>
          </>
        )}
      </>
    );
    const contactCell = (x: MemberRow) =>
      x.contactName || x.contactEmail ? (
        <>
          {x.contactName}
          {x.contactName && x.contactEmail && <br />}
          {x.contactEmail && <Link href={`mailto:${x.contactEmail}`}>{x.contactEmail}</Link>}
        </>
      ) : (
        '—'
      );
    const actionLinks = (x: MemberRow, which: ('rol' | 'beeindigen' | 'bewerken' | 'verwijderen')[]) => {
      const labels = { rol: 'Rol wijzigen', beeindigen: 'Beëindigen', bewerken: 'Gegevens', verwijderen: 'Verwijderen' } as const;
      return (
        <ul class="plain-list">
          {which.map((w) => (
            <li>
              <Link href={`${base}/leden/${x.id}/${w}`}>
                {labels[w]}
                <span class="visually-hidden"> ({x.organisationName})</span>
              </Link>
            </li>
          ))}
        </ul>
      );
    };
    const currentColumns: Column<MemberRow>[] = [
      { key: 'organisation', label: 'Organisatie', render: organisationCell },
      { key: 'role', label: 'Rol', render: (x) => roleLabel(x.role) },
      { key: 'sector', label: 'Sector', render: (x) => sectorLabel(x.sector) },
      { key: 'startDate', label: 'Lid sinds', render: (x) => nlDate(x.startDate) },
      { key: 'contact', label: 'Contactpersoon', render: contactCell },
      ...(editable ? [{ key: 'actions', label: 'Acties', render: (x: MemberRow) => actionLinks(x, x.endDate ? ['bewerken', 'verwijderen'] : ['rol', 'beeindigen', 'bewerken', 'verwijderen']) }] : []),
    ];
    const pastColumns: Column<MemberRow>[] = [
      { key: 'organisation', label: 'Organisatie', render: organisationCell },
      { key: 'role', label: 'Rol', render: (x) => roleLabel(x.role) },
      { key: 'sector', label: 'Sector', render: (x) => sectorLabel(x.sector) },
      { key: 'startDate', label: 'Lid van', render: (x) => nlDate(x.startDate) },
      { key: 'endDate', label: 'Lid tot', render: (x) => nlDate(x.endDate) },
      ...(editable ? [{ key: 'actions', label: 'Correctie', render: (x: MemberRow) => actionLinks(x, ['verwijderen']) }] : []),
    ];
    const kartrekker = d.kartrekkers.length ? (
      <ul class="plain-list">
        {d.kartrekkers.map((k) => (
          <li>
            {k.organisationName}
            {k.contactName && ` — ${k.contactName}`}
          </li>
        ))}
      </ul>
    ) : (
      <>Geen kartrekker vastgelegd. Geef een lid de rol Kartrekker (bij Lid toevoegen of Rol wijzigen).</>
    );
    const planned = d.current.filter((x) => x.startDate > today());
    return (
      <Page ctx={ctx} title={c.name} crumbs={[LIST_CRUMB, { label: c.name }]}>
        <Heading>{c.name}</Heading>
        <SummaryList
          items={[
            [
              d.municipalities.length > 1 ? 'Gemeenten' : 'Gemeente',
              d.municipalities
                .map((x) => (can(viewer, 'coalition:read', { municipalityId: x.id }) ? `${x.name} (${x.cbsCode})` : x.name))
                .join(', '),
            ],
            ['Gezamenlijke aanpak', d.jointApproach?.name ?? null],
            ['Fase', d.currentStage ? `${stageLabel(d.currentStage.stage)} (sinds ${nlDate(d.currentStage.fromDate)})` : 'Geen fase vastgelegd'],
            ['Kartrekker', kartrekker],
            ['Huidige leden', String(d.current.length)],
            ['Omschrijving', c.description],
          ]}
        />
        {editable && (
          <p class="form-actions">
            <ButtonLink href={`${base}/leden/nieuw`} variant="primary">
              Lid toevoegen
            </ButtonLink>
            <ButtonLink href={`${base}/fase`}>Fase wijzigen</ButtonLink>
            <ButtonLink href={`${base}/bewerken`}>Naam en omschrijving wijzigen</ButtonLink>
            {convertible && <ButtonLink href={`${base}/gezamenlijk`}>Coalitie van de gezamenlijke aanpak maken</ButtonLink>}
          </p>
        )}
        <Heading level={2}>Huidige leden</Heading>
        <PlainTable caption={`Huidige leden van ${c.name}`} columns={currentColumns} rows={d.current} base={base} empty="Er zijn nog geen leden vastgelegd." />
        {planned.length > 0 && <P>Leden met een startdatum na vandaag tellen pas vanaf die datum mee.</P>}
        <Heading level={2}>Eerdere leden</Heading>
        <P>Organisaties die geen lid meer zijn, en eerdere rollen van huidige leden. Zo blijft de geschiedenis van de coalitie zichtbaar.</P>
        <PlainTable caption={`Eerdere leden en rollen van ${c.name}`} columns={pastColumns} rows={d.past} base={base} empty="Geen eerdere leden." />
        <Heading level={2}>Fasegeschiedenis</Heading>
        <P>Elke fase geldt vanaf de genoemde datum tot de volgende fase.</P>
        <PlainTable caption={`Fasegeschiedenis van ${c.name}`} columns={stageColumns} rows={d.stages} base={base} empty="Er is nog geen fase vastgelegd." />
      </Page>
    );
  }

  /* --------------------------------------------------- name and description ---------- */

  const editPage = (reply: FastifyReply, c: Coalition, base: string, form: FormState, status = 200) =>
    reply.page({ title: `${c.name} wijzigen`, status }, (ctx) => (
      <FormPage ctx={ctx} title={`${c.name} wijzigen`} crumbs={crumbsFor(c, base, c.name, 'Wijzigen')} errors={form.errors}>
        <form method="post" action={`${base}/bewerken`} novalidate class="form">
          <CsrfField token={ctx.csrfToken} />
          <TextField name="name" label={LABELS.name} form={form} required />
          <TextArea name="description" label={LABELS.description} form={form} rows={3} />
          <FormActions submit="Opslaan" cancel={base} />
        </form>
      </FormPage>
    ));

  app.get(`${COALITIONS}/:cbsCode/bewerken`, async (req, reply) => {
    const { c, base } = await loadForUpdate(req);
    return editPage(reply, c, base, { values: { name: c.name, description: c.description }, errors: {} });
  });

  app.post(`${COALITIONS}/:cbsCode/bewerken`, async (req, reply) => {
    const { c, base } = await loadForUpdate(req);
    const values = formValues(req.body);
    const parsed = parseForm(coalitionEditSchema, values);
    if (!parsed.ok) return editPage(reply, c, base, { values, errors: parsed.errors }, 422);
    await updateCoalition(db, req.auditCtx(), c, parsed.data);
    reply.flash('success', 'De wijzigingen zijn opgeslagen.');
    return reply.redirect(base, 303);
  });

  /* ---------------------------------------------- conversion to a joint coalition ---------- */

  async function loadConvertible(req: FastifyRequest) {
    const r = await loadForUpdate(req);
    req.authorize('participation:create');
    return r;
  }

  const jointPage = async (reply: FastifyReply, c: Coalition, base: string, form: FormState, status = 200) => {
    const check = await jointConversionCheck(db, c);
    const title = 'Coalitie van de gezamenlijke aanpak maken';
    const members = check.ok ? await coalitionMunicipalities(db, { municipalityId: c.municipalityId, jointApproachId: check.joint.id }) : [];
    return reply.page({ title, status }, (ctx) => (
      <FormPage ctx={ctx} title={title} crumbs={crumbsFor(c, base, c.name, 'Gezamenlijke aanpak')} errors={form.errors}>
        {!check.ok ? (
          <>
            <Alert kind="warning">Dit kan nu niet: {check.reason}</Alert>
            <p>
              <Link href={base}>Terug naar de coalitie</Link>
            </p>
          </>
        ) : (
          <>
            <P>
              {c.name} wordt de ene lokale coalitie van de gezamenlijke aanpak <strong>{check.joint.name}</strong>: {members.map((x) => x.name).join(', ')}. De fasen
              en de leden blijven staan met hun data; de geschiedenis is die van dezelfde coalitie. Daarna kunnen de coördinatoren en adviseurs van al deze
              gemeenten de coalitie openen en bijhouden. De wijziging wordt vastgelegd in het auditlog.
            </P>
            <form method="post" action={`${base}/gezamenlijk`} novalidate class="form">
              <CsrfField token={ctx.csrfToken} />
              <TextField name="name" label={LABELS.name} form={form} required hint="U kunt de naam meteen aanpassen aan de gezamenlijke aanpak." />
              <FormActions submit="Coalitie van de gezamenlijke aanpak maken" cancel={base} />
            </form>
          </>
        )}
      </FormPage>
    ));
  };

  app.get(`${COALITIONS}/:cbsCode/gezamenlijk`, async (req, reply) => {
    const { c, base } = await loadConvertible(req);
    const check = await jointConversionCheck(db, c);
    return jointPage(reply, c, base, { values: { name: check.ok ? `Lokale coalitie ${check.joint.name}` : c.name }, errors: {} });
  });

  app.post(`${COALITIONS}/:cbsCode/gezamenlijk`, async (req, reply) => {
    const { c, base } = await loadConvertible(req);
    const values = formValues(req.body);
    const parsed = parseForm(coalitionEditSchema.pick({ name: true }), values);
    const result = parsed.ok ? await convertToJointCoalition(db, req.auditCtx(), c, parsed.data.name) : parsed;
    if (!result.ok) return jointPage(reply, c, base, { values, errors: result.errors }, 422);
    reply.flash('success', 'De coalitie is nu de coalitie van de gezamenlijke aanpak.');
    return reply.redirect(base, 303);
  });

  /* ----------------------------------------------------------------- stage ---------- */

  const stagePage = async (reply: FastifyReply, c: Coalition, base: string, form: FormState, status = 200) => {
    const d = await getCoalitionDetail(db, c, today());
    return reply.page({ title: 'Fase wijzigen', status }, (ctx) => (
      <FormPage ctx={ctx} title="Fase wijzigen" crumbs={crumbsFor(c, base, c.name, 'Fase wijzigen')} errors={form.errors}>
        <P>
          Huidige fase van {c.name}: <strong>{d.currentStage ? `${stageLabel(d.currentStage.stage)} (sinds ${nlDate(d.currentStage.fromDate)})` : 'geen fase vastgelegd'}</strong>.
        </P>
        <P>
          De nieuwe fase komt in de fasegeschiedenis met de datum die u invult; de vorige fase blijft bewaard. De datum mag in het verleden liggen, ook vóór de
          huidige fase (om een vergeten stap aan te vullen), maar niet in de toekomst en niet op een dag waarop al een fase is vastgelegd. Twee keer achter elkaar
          dezelfde fase kan niet.
        </P>
        <form method="post" action={`${base}/fase`} novalidate class="form">
          <CsrfField token={ctx.csrfToken} />
          <RadioGroup name="stage" label="Nieuwe fase" form={form} required options={STAGE_OPTIONS} />
          <TextField name="fromDate" label="Geldt vanaf" type="date" form={form} required width="s" hint="Vandaag of een datum in het verleden, zoals 31-01-2025." />
          <TextArea name="note" label={LABELS.note} form={form} rows={2} hint="Bijvoorbeeld: eerste coalitiebijeenkomst gehouden." />
          <FormActions submit="Fase opslaan" cancel={base} />
        </form>
      </FormPage>
    ));
  };

  app.get(`${COALITIONS}/:cbsCode/fase`, async (req, reply) => {
    const { c, base } = await loadForUpdate(req);
    return stagePage(reply, c, base, { values: { fromDate: today() }, errors: {} });
  });

  app.post(`${COALITIONS}/:cbsCode/fase`, async (req, reply) => {
    const { c, base } = await loadForUpdate(req);
    const values = formValues(req.body);
    const parsed = parseForm(stageSchema, values);
    const result = parsed.ok ? await addStage(db, req.auditCtx(), c.id, parsed.data, today()) : parsed;
    if (!result.ok) return stagePage(reply, c, base, { values, errors: result.errors }, 422);
    reply.flash('success', 'De fase is opgeslagen.');
    return reply.redirect(base, 303);
  });

  app.get(`${COALITIONS}/:cbsCode/fase/:id/verwijderen`, async (req, reply) => {
    const { c, base } = await loadForUpdate(req);
    const id = idParam((req.params as { id: string }).id);
    const d = await getCoalitionDetail(db, c, today());
    const s = d.stages.find((x) => x.id === id);
    if (!s) throw new NotFoundError();
    const title = 'Fase verwijderen';
    return reply.page({ title }, (ctx) => (
      <FormPage ctx={ctx} title={title} crumbs={crumbsFor(c, base, c.name, title)} errors={{}}>
        <P>
          Weet u zeker dat u de fase <strong>{stageLabel(s.stage)}</strong> vanaf {nlDate(s.fromDate)} wilt verwijderen? Doe dit alleen als deze regel per vergissing
          is ingevoerd: hij telt dan nergens meer mee, ook niet in de programmacijfers. Het verwijderen wordt vastgelegd in het auditlog.
        </P>
        <ConfirmForm action={`${base}/fase/${s.id}/verwijderen`} csrf={ctx.csrfToken} label="Ja, verwijderen" cancel={base} />
      </FormPage>
    ));
  });

  app.post(`${COALITIONS}/:cbsCode/fase/:id/verwijderen`, async (req, reply) => {
    const { c, base } = await loadForUpdate(req);
    const ok = await deleteStage(db, req.auditCtx(), c.id, idParam((req.params as { id: string }).id));
    if (!ok) throw new NotFoundError();
    reply.flash('success', 'De fase is verwijderd.');
    return reply.redirect(base, 303);
  });

  /* ------------------------------------------------------------ add member ---------- */

  async function addMemberPage(reply: FastifyReply, c: Coalition, base: string, form: FormState, opts: { status?: number; search?: string; duplicate?: DuplicateOrganisation } = {}) {
    const munis = await coalitionMunicipalities(db, c);
    const ids = munis.map((x) => x.id);
    const [orgs, parents] = await Promise.all([memberOrganisationOptions(db, ids, opts.search), nationalParentOptions(db, today())]);
    const orgOptions: Option[] = orgs.map((o) => ({ value: String(o.id), label: `${o.name} (${o.municipalityName ?? 'landelijk'})` }));
    const dup = opts.duplicate;
    const dupChoosable = dup && (dup.municipalityId == null || ids.includes(dup.municipalityId));
    if (dup && dupChoosable && !orgOptions.some((o) => o.value === String(dup.id))) orgOptions.unshift({ value: String(dup.id), label: `${dup.name} (${dup.municipalityName ?? 'landelijk'})` });
    const title = `Lid toevoegen aan ${c.name}`;
    return reply.page({ title, status: opts.status ?? 200 }, (ctx) => (
      <FormPage ctx={ctx} title={title} crumbs={crumbsFor(c, base, c.name, 'Lid toevoegen')} errors={form.errors}>
        {dup && dupChoosable && (
          <Alert kind="warning">
            {dup.name} staat al in het register. We hebben deze organisatie hieronder alvast gekozen bij "Een organisatie uit het register". Controleer de
            gegevens en klik op Lid toevoegen.
          </Alert>
        )}
        <form method="get" action={`${base}/leden/nieuw`} class="filter-form" role="search" novalidate aria-label="Organisatie zoeken">
          <TextField
            name="zoek"
            label="Zoek een organisatie in het register"
            type="search"
            form={{ values: { zoek: opts.search }, errors: {} }}
            filter
            hint="Op naam of KvK-nummer. De keuzelijst hieronder toont dan alleen de organisaties die passen."
          />
          <Button variant="secondary">Zoeken</Button>
        </form>
        <form method="post" action={`${base}/leden/nieuw${opts.search ? `?zoek=${encodeURIComponent(opts.search)}` : ''}`} novalidate class="form">
          <CsrfField token={ctx.csrfToken} />
          <RadioGroup
            name="bron"
            label="Welke organisatie?"
            form={form}
            required
            options={[
              { value: 'bestaand', label: 'Een organisatie uit het register', hint: 'Kies haar in de keuzelijst hieronder.' },
              { value: 'nieuw', label: 'Een nieuwe organisatie', hint: 'Vul de gegevens in bij "Nieuwe organisatie".' },
            ]}
          />
          <SelectField
            name="organisationId"
            label={LABELS.organisationId}
            form={form}
            filter
            placeholder={orgOptions.length ? 'Kies een organisatie' : 'Geen organisaties gevonden'}
            options={orgOptions}
            hint={`Organisaties in ${munis.map((x) => x.name).join(', ')} en landelijke organisaties${opts.search ? `, met "${opts.search}" in de naam of het KvK-nummer` : ''}.`}
          />
          <fieldset class="utrecht-form-fieldset">
            <legend class="utrecht-form-fieldset__legend">Nieuwe organisatie (alleen als die nog niet in het register staat)</legend>
            <TextField name="newName" label={LABELS.newName} form={form} filter autocomplete="organization" />
            <SelectField name="newKind" label={LABELS.newKind} form={form} filter placeholder="Kies het soort organisatie" options={KIND_OPTIONS} />
            <TextField name="newKvk" label={LABELS.newKvk} form={form} width="s" inputmode="numeric" hint="8 cijfers. Zo voorkomen we dubbele organisaties in het register." />
            <SelectField name="newMunicipalityId" label={LABELS.newMunicipalityId} form={form} filter options={munis.map((x) => ({ value: String(x.id), label: x.name }))} />
            <SelectField
              name="newParentId"
              label="Vestiging van een lid van de Nationale Coalitie"
              form={form}
              placeholder="Geen (zelfstandige organisatie)"
              options={parents.map((x) => ({ value: String(x.id), label: x.name }))}
              hint="Bijvoorbeeld een supermarkt of bankkantoor van een landelijke organisatie. Zo telt de vestiging mee bij 'aanwezig in lokale coalities'."
            />
          </fieldset>
          <RadioGroup name="role" label={LABELS.role} form={form} required options={ROLE_OPTIONS.map((o) => ({ ...o, hint: ROLE_HINTS[o.value] }))} />
          <SelectField name="sector" label={LABELS.sector} form={form} required placeholder="Kies een sector" options={SECTOR_OPTIONS} />
          <TextField name="startDate" label={LABELS.startDate} type="date" form={form} required width="s" hint="Vandaag of een datum in het verleden, zoals 31-01-2025." />
          <fieldset class="utrecht-form-fieldset">
            <legend class="utrecht-form-fieldset__legend">Contactpersoon voor de coalitie</legend>
            <p class="utrecht-paragraph">{CONTACT_WHY}</p>
            <TextField name="contactName" label={LABELS.contactName} form={form} autocomplete="off" />
            <TextField name="contactEmail" label={LABELS.contactEmail} type="email" form={form} autocomplete="off" />
          </fieldset>
          <FormActions submit="Lid toevoegen" cancel={base} />
        </form>
      </FormPage>
    ));
  }

  app.get(`${COALITIONS}/:cbsCode/leden/nieuw`, async (req, reply) => {
    const { c, base } = await loadForUpdate(req);
    const munis = await coalitionMunicipalities(db, c);
    return addMemberPage(reply, c, base, { values: { bron: 'bestaand', startDate: today(), newMunicipalityId: String(munis[0]?.id ?? '') }, errors: {} }, { search: searchTerm(req) });
  });

  app.post(`${COALITIONS}/:cbsCode/leden/nieuw`, async (req, reply) => {
    const { p, c, base } = await loadForUpdate(req);
    const values = formValues(req.body);
    const fields = parseForm(memberFieldsSchema, values);
    const fresh = values.bron === 'nieuw';
    const org = fresh ? parseForm(newOrganisationSchema, values) : parseForm(existingOrganisationSchema, values);
    const errors: FieldErrors = { ...(fields.ok ? {} : fields.errors), ...(org.ok ? {} : org.errors) };
    if (values.bron !== 'nieuw' && values.bron !== 'bestaand') errors.bron = 'Kies of u een organisatie uit het register kiest of een nieuwe organisatie toevoegt.';
    let duplicate: DuplicateOrganisation | undefined;
    if (!Object.keys(errors).length && fields.ok && org.ok) {
      const munis = await coalitionMunicipalities(db, c);
      const o = org.data as Record<string, any>;
      const input: AddMemberInput = {
        ...fields.data,
        ...(fresh
          ? { newOrganisation: { name: o.newName, kind: o.newKind, kvkNumber: o.newKvk, municipalityId: o.newMunicipalityId, parentOrganisationId: o.newParentId } }
          : { organisationId: o.organisationId }),
      };
      const result = await addMember(db, req.auditCtx(), p, c.id, munis.map((x) => x.id), input, today());
      if (result.ok) {
        reply.flash('success', 'Het lid is toegevoegd.');
        return reply.redirect(base, 303);
      }
      Object.assign(errors, result.errors);
      duplicate = result.duplicate;
    }
    const munisForDup = duplicate ? (await coalitionMunicipalities(db, c)).map((x) => x.id) : [];
    if (duplicate && (duplicate.municipalityId == null || munisForDup.includes(duplicate.municipalityId))) {
      // Offer the existing organisation instead: switch the choice to it, keep everything else.
      values.bron = 'bestaand';
      values.organisationId = String(duplicate.id);
    }
    return addMemberPage(reply, c, base, { values, errors }, { status: 422, search: searchTerm(req), duplicate });
  });

  /* --------------------------------------------------------- member changes ---------- */

  const memberPage = (
    reply: FastifyReply,
    c: Coalition,
    base: string,
    member: MemberRow,
    opts: { title: string; action: string; submit: string; form: FormState; status?: number; intro?: ComponentChildren; fields: ComponentChildren },
  ) =>
    reply.page({ title: opts.title, status: opts.status ?? 200 }, (ctx) => (
      <FormPage ctx={ctx} title={opts.title} crumbs={crumbsFor(c, base, c.name, opts.title)} errors={opts.form.errors}>
        <SummaryList
          items={[
            ['Organisatie', member.organisationName],
            ['Rol', roleLabel(member.role)],
            ['Sector', sectorLabel(member.sector)],
            ['Lid sinds', nlDate(member.startDate)],
            ['Lid tot', member.endDate ? nlDate(member.endDate) : 'Nog lid'],
          ]}
        />
        {opts.intro}
        <form method="post" action={opts.action} novalidate class="form">
          <CsrfField token={ctx.csrfToken} />
          {opts.fields}
          <FormActions submit={opts.submit} cancel={base} />
        </form>
      </FormPage>
    ));

  const roleForm = (reply: FastifyReply, c: Coalition, base: string, member: MemberRow, form: FormState, status?: number) =>
    memberPage(reply, c, base, member, {
      title: `Rol wijzigen: ${member.organisationName}`,
      action: `${base}/leden/${member.id}/rol`,
      submit: 'Rol wijzigen',
      form,
      status,
      intro: (
        <P>
          De huidige rol eindigt op de datum die u invult en de nieuwe rol begint op die dag. Zo blijft zichtbaar welke rol de organisatie wanneer had. Was de rol
          vanaf het begin fout ingevoerd? Verwijder de regel dan en voeg het lid opnieuw toe.
        </P>
      ),
      fields: (
        <>
          <RadioGroup name="role" label="Nieuwe rol" form={form} required options={ROLE_OPTIONS.map((o) => ({ ...o, hint: ROLE_HINTS[o.value] }))} />
          <TextField name="date" label={LABELS.date} type="date" form={form} required width="s" hint="Vandaag of een datum in het verleden, na de startdatum." />
        </>
      ),
    });

  app.get(`${COALITIONS}/:cbsCode/leden/:id/rol`, async (req, reply) => {
    const { c, base, member } = await loadMember(req);
    return roleForm(reply, c, base, member, { values: { date: today() }, errors: {} });
  });

  app.post(`${COALITIONS}/:cbsCode/leden/:id/rol`, async (req, reply) => {
    const { c, base, member } = await loadMember(req);
    const values = formValues(req.body);
    const parsed = parseForm(roleChangeSchema, values);
    const result = parsed.ok ? await changeMemberRole(db, req.auditCtx(), c.id, member.id, parsed.data, today()) : parsed;
    if (!result.ok) return roleForm(reply, c, base, member, { values, errors: result.errors }, 422);
    reply.flash('success', `De rol van ${member.organisationName} is gewijzigd.`);
    return reply.redirect(base, 303);
  });

  const endForm = (reply: FastifyReply, c: Coalition, base: string, member: MemberRow, form: FormState, status?: number) =>
    memberPage(reply, c, base, member, {
      title: `Lidmaatschap beëindigen: ${member.organisationName}`,
      action: `${base}/leden/${member.id}/beeindigen`,
      submit: 'Lidmaatschap beëindigen',
      form,
      status,
      intro: <P>De organisatie komt bij de eerdere leden te staan; haar geschiedenis blijft bewaard.</P>,
      fields: (
        <TextField
          name="endDate"
          label={LABELS.endDate}
          type="date"
          form={form}
          required
          width="s"
          hint="Vanaf deze datum is de organisatie geen lid meer. Vandaag of een datum in het verleden, niet vóór de startdatum."
        />
      ),
    });

  app.get(`${COALITIONS}/:cbsCode/leden/:id/beeindigen`, async (req, reply) => {
    const { c, base, member } = await loadMember(req);
    return endForm(reply, c, base, member, { values: { endDate: today() }, errors: {} });
  });

  app.post(`${COALITIONS}/:cbsCode/leden/:id/beeindigen`, async (req, reply) => {
    const { c, base, member } = await loadMember(req);
    const values = formValues(req.body);
    const parsed = parseForm(endSchema, values);
    const result = parsed.ok ? await endMember(db, req.auditCtx(), c.id, member.id, parsed.data.endDate, today()) : parsed;
    if (!result.ok) return endForm(reply, c, base, member, { values, errors: result.errors }, 422);
    reply.flash('success', `Het lidmaatschap van ${member.organisationName} is beëindigd.`);
    return reply.redirect(base, 303);
  });

  const detailsForm = (reply: FastifyReply, c: Coalition, base: string, member: MemberRow, form: FormState, status?: number) =>
    memberPage(reply, c, base, member, {
      title: `Gegevens wijzigen: ${member.organisationName}`,
      action: `${base}/leden/${member.id}/bewerken`,
      submit: 'Opslaan',
      form,
      status,
      intro: <P>Hier verbetert u de sector of de contactpersoon. Een andere rol legt u vast met "Rol wijzigen", zodat de geschiedenis klopt.</P>,
      fields: (
        <>
          <SelectField name="sector" label={LABELS.sector} form={form} required placeholder="Kies een sector" options={SECTOR_OPTIONS} />
          <p class="utrecht-paragraph">{CONTACT_WHY}</p>
          <TextField name="contactName" label={LABELS.contactName} form={form} autocomplete="off" />
          <TextField name="contactEmail" label={LABELS.contactEmail} type="email" form={form} autocomplete="off" />
        </>
      ),
    });

  app.get(`${COALITIONS}/:cbsCode/leden/:id/bewerken`, async (req, reply) => {
    const { c, base, member } = await loadMember(req);
    return detailsForm(reply, c, base, member, { values: { sector: member.sector, contactName: member.contactName, contactEmail: member.contactEmail }, errors: {} });
  });

  app.post(`${COALITIONS}/:cbsCode/leden/:id/bewerken`, async (req, reply) => {
    const { c, base, member } = await loadMember(req);
    const values = formValues(req.body);
    const parsed = parseForm(memberDetailsSchema, values);
    if (!parsed.ok) return detailsForm(reply, c, base, member, { values, errors: parsed.errors }, 422);
    await updateMemberDetails(db, req.auditCtx(), member, parsed.data);
    reply.flash('success', 'De gegevens zijn opgeslagen.');
    return reply.redirect(base, 303);
  });

  app.get(`${COALITIONS}/:cbsCode/leden/:id/verwijderen`, async (req, reply) => {
    const { c, base, member } = await loadMember(req);
    const title = `Regel verwijderen: ${member.organisationName}`;
    return reply.page({ title }, (ctx) => (
      <FormPage ctx={ctx} title={title} crumbs={crumbsFor(c, base, c.name, 'Regel verwijderen')} errors={{}}>
        <P>
          Weet u zeker dat u de regel <strong>{memberText(member)}</strong> wilt verwijderen?
        </P>
        <P>
          Doe dit alleen als de regel per vergissing is ingevoerd: hij verdwijnt dan uit de lijsten en telt nergens meer mee. Is de organisatie gestopt met de
          coalitie? Kies dan <Link href={`${base}/leden/${member.id}/beeindigen`}>Beëindigen</Link>, zodat de geschiedenis klopt. Het verwijderen wordt vastgelegd
          in het auditlog.
        </P>
        <ConfirmForm action={`${base}/leden/${member.id}/verwijderen`} csrf={ctx.csrfToken} label="Ja, verwijderen" cancel={base} />
      </FormPage>
    ));
  });

  app.post(`${COALITIONS}/:cbsCode/leden/:id/verwijderen`, async (req, reply) => {
    const { base, member } = await loadMember(req);
    await deleteMember(db, req.auditCtx(), member);
    reply.flash('success', `De regel van ${member.organisationName} is verwijderd.`);
    return reply.redirect(base, 303);
  });
}
