import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { can, type Principal } from '../../platform/access.js';
import { NotFoundError } from '../../platform/http/errors.js';
import { formValues, listParams, pathId } from '../../platform/http/forms.js';
import { amsterdamDate } from '../../platform/time.js';
import { Page, type Crumb, type PageContext } from '../../platform/views/layout.js';
import {
  Alert,
  Button,
  ButtonLink,
  CsrfField,
  DataTable,
  ErrorSummary,
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
} from '../../platform/views/components.js';
import { ConfirmForm, nlDate, sendAuditedExport } from '../registry/ui.js';
import { ExportLinks } from '../registry/tabular-views.js';
import { CONTACT_KIND_LABELS, DEFAULT_ADVISORY_HOURS, NEAR_END_HOURS, PHASE_LABELS, PHASES, type Phase } from './model.js';
import {
  ADVISOR_EXPORT_COLUMNS,
  advisorUsers,
  accountManagerOptions,
  advisoryOverview,
  advisorySummary,
  assignAdvisor,
  BUDGET_STATUS_LABELS,
  BUDGET_STATUSES,
  changePhase,
  deletePhase,
  formatHours,
  formatMinutes,
  hoursByAdvisorIn,
  hoursPerAdvisor,
  leftText,
  municipalityByCode,
  OVERVIEW_EXPORT_COLUMNS,
  OVERVIEW_SORTS,
  setBudget,
  unassignAdvisor,
  type AdvisorHoursRow,
  type AdvisorySummary,
  type BudgetStatus,
  type Hours,
  type OverviewFilter,
  type OverviewRow,
  type OverviewSort,
  type PhaseRow,
} from './advisory-service.js';
import { listContactMoments, type MomentRow } from './crm-service.js';

/**
 * Advisory hours and phases (issue 5 point 3):
 *   GET  /advies                                   overview per municipality (+ hours per advisor for the programme team)
 *   GET  /advies/export                            CSV/XLSX of the overview (?tabel=adviseurs: hours per advisor, programme team)
 *   GET  /advies/:cbsCode                          budget, hours, phase with history, advisors, recent contact moments
 *   POST /advies/:cbsCode/budget                   set the budget (programme team)
 *   POST /advies/:cbsCode/fase                     to the network phase / other account manager / back to guidance (programme team)
 *   GET+POST /advies/:cbsCode/fase/:id/verwijderen correct a phase row recorded by mistake (programme team)
 *   POST /advies/:cbsCode/adviseurs                assign an advisor (programme team)
 *   POST /advies/:cbsCode/adviseurs/:grantId/intrekken  end an assignment (programme team)
 * Reading: 'advisory:read' (advisors and coordinators for their own municipalities; out of scope is 404).
 * Changes: 'advisory:manage'. Coordinators see hours and phase, never the CRM notes.
 */

const BASE = '/advies';
const TITLE = 'Adviesuren en fasen';
const CRUMBS: Crumb[] = [{ href: BASE, label: TITLE }];
const PAGE_SIZE = 50;

const PHASE_OPTIONS = PHASES.map((p) => ({ value: p, label: PHASE_LABELS[p] }));
const STATUS_OPTIONS = BUDGET_STATUSES.map((s) => ({ value: s, label: BUDGET_STATUS_LABELS[s] }));

/** The status in words, with a marker class for emphasis (never colour alone: the words carry it). */
export function BudgetStatusText({ hours }: { hours: Hours }) {
  const cls = hours.status === 'available' ? undefined : `nw-budget nw-budget--${hours.status}`;
  return <span class={cls}>{BUDGET_STATUS_LABELS[hours.status]}</span>;
}

/** Hours left, or the overrun spelt out. */
export function LeftText({ hours }: { hours: Hours }) {
  if (hours.leftHours < 0) return <strong class="nw-budget nw-budget--overrun">{leftText(hours)}</strong>;
  return <>{formatHours(hours.leftHours)}</>;
}

function readOverviewFilter(q: Record<string, string>): OverviewFilter & { page: number; pageSize: number } {
  const lp = listParams(q, [...OVERVIEW_SORTS], 'name', PAGE_SIZE);
  const advisor = Number(q.adviseur);
  return {
    q: lp.q || undefined,
    phase: (PHASES as readonly string[]).includes(q.fase) ? (q.fase as Phase) : undefined,
    status: (BUDGET_STATUSES as readonly string[]).includes(q.status) ? (q.status as BudgetStatus) : undefined,
    advisorId: Number.isInteger(advisor) && advisor > 0 && advisor < 2_147_483_647 ? advisor : undefined,
    sort: lp.sort as OverviewSort,
    dir: lp.dir,
    page: lp.page,
    pageSize: lp.pageSize,
  };
}

const overviewQuery = (f: ReturnType<typeof readOverviewFilter>): ListQuery => ({
  q: f.q,
  fase: f.phase,
  status: f.status,
  adviseur: f.advisorId,
  sort: f.sort,
  dir: f.dir,
  page: f.page,
  pageSize: f.pageSize,
});

const phaseText = (phase: Phase, from: string | null) => (from ? `${PHASE_LABELS[phase]} sinds ${nlDate(from)}` : PHASE_LABELS[phase]);

export async function advisoryRoutes(app: FastifyInstance) {
  const db = app.ctx.database.db;

  app.get(BASE, async (req, reply) => {
    const p = req.authorize('advisory:read');
    const today = amsterdamDate(new Date());
    const f = readOverviewFilter(req.query as Record<string, string>);
    const manage = can(p, 'advisory:manage');
    const [all, perAdvisor, advisors] = await Promise.all([
      advisoryOverview(db, p, f, today),
      manage ? hoursPerAdvisor(db, today) : Promise.resolve([] as AdvisorHoursRow[]),
      manage ? advisorUsers(db) : Promise.resolve([]),
    ]);
    const query = overviewQuery(f);
    const rows = all.slice((f.page - 1) * f.pageSize, f.page * f.pageSize);
    const counts = Object.fromEntries(BUDGET_STATUSES.map((s) => [s, all.filter((r) => r.hours.status === s).length])) as Record<BudgetStatus, number>;
    const columns: Column<OverviewRow>[] = [
      {
        key: 'name',
        label: 'Gemeente',
        sortable: true,
        render: (r) => <Link href={`${BASE}/${r.cbsCode}`}>{r.name}</Link>,
      },
      { key: 'advisors', label: 'Adviseur(s)', render: (r) => (r.advisors.length ? r.advisors.map((a) => a.name).join(', ') : 'Geen adviseur') },
      { key: 'phase', label: 'Fase', sortable: true, render: (r) => phaseText(r.phase, r.phaseFrom) },
      { key: 'budget', label: 'Budget', sortable: true, numeric: true, render: (r) => formatHours(r.hours.budgetHours) },
      { key: 'used', label: 'Gebruikt', sortable: true, numeric: true, render: (r) => formatHours(r.hours.usedHours) },
      { key: 'left', label: 'Over', sortable: true, numeric: true, render: (r) => <LeftText hours={r.hours} /> },
      { key: 'status', label: 'Status', render: (r) => <BudgetStatusText hours={r.hours} /> },
    ];
    const advisorColumns: Column<AdvisorHoursRow>[] = [
      { key: 'name', label: 'Adviseur', render: (r) => r.name },
      { key: 'municipalities', label: 'Toegewezen gemeenten', numeric: true, render: (r) => r.municipalities },
      { key: 'moments', label: 'Contactmomenten (advies)', numeric: true, render: (r) => r.moments },
      { key: 'minutes', label: 'Adviesuren totaal', numeric: true, render: (r) => formatHours(r.minutes / 60) },
      { key: 'year', label: `Adviesuren ${today.slice(0, 4)}`, numeric: true, render: (r) => formatHours(r.minutesThisYear / 60) },
    ];
    const form: FormState = { values: { q: f.q, fase: f.phase, status: f.status, adviseur: f.advisorId ? String(f.advisorId) : '' }, errors: {} };
    return reply.page({ title: TITLE }, (ctx) => (
      <Page ctx={ctx} title={TITLE} crumbs={[{ label: TITLE }]}>
        <Heading>{TITLE}</Heading>
        <P>
          Elke gemeente die de vijf pijlers ondertekent, krijgt een budget van {DEFAULT_ADVISORY_HOURS} adviesuren (het programmateam kan dat per gemeente aanpassen). De
          duur van contactmomenten die als advies tellen, gaat van het budget af. Is het budget op, dan gaat de gemeente naar de netwerkfase met een accounthouder. "Bijna
          op" betekent {NEAR_END_HOURS} uur of minder over.
        </P>
        <dl class="stat-list">
          <div>
            <dt>Gemeenten</dt>
            <dd>{all.length}</dd>
          </div>
          {(['near_end', 'used_up', 'overrun'] as const).map((s) => (
            <div>
              <dt>Budget {BUDGET_STATUS_LABELS[s].toLowerCase()}</dt>
              <dd>{counts[s]}</dd>
            </div>
          ))}
        </dl>
        <form method="get" action={BASE} class="filter-form" role="search" novalidate aria-label="Gemeenten zoeken en filteren">
          <TextField name="q" label="Zoek op gemeente of CBS-code" type="search" form={form} filter />
          <SelectField name="fase" label="Fase" form={form} filter placeholder="Alle fasen" options={PHASE_OPTIONS} />
          <SelectField name="status" label="Budget" form={form} filter placeholder="Elke stand" options={STATUS_OPTIONS} />
          {manage && (
            <SelectField name="adviseur" label="Adviseur" form={form} filter placeholder="Alle adviseurs" options={advisors.map((a) => ({ value: String(a.id), label: a.name }))} />
          )}
          <Button variant="secondary">Zoeken</Button>
        </form>
        <DataTable caption="Adviesuren per gemeente" columns={columns} rows={rows} base={BASE} query={query} empty="Geen gemeenten gevonden." />
        <Pagination base={BASE} query={query} total={all.length} />
        <ExportLinks base={`${BASE}/export`} query={query} />
        {manage && (
          <section aria-labelledby="per-adviseur">
            <h2 class="utrecht-heading-2" id="per-adviseur">
              Adviesuren per adviseur
            </h2>
            <P>De uren tellen op de adviseur die het contactmoment vastlegde (of die het programmateam koos).</P>
            <DataTable caption="Adviesuren per adviseur" columns={advisorColumns} rows={perAdvisor} base={BASE} query={{ page: 1, pageSize: perAdvisor.length }} empty="Nog geen adviseurs." />
            <ExportLinks base={`${BASE}/export`} query={{ tabel: 'adviseurs' }} />
          </section>
        )}
      </Page>
    ));
  });

  app.get(`${BASE}/export`, async (req, reply) => {
    const p = req.authorize('advisory:read');
    const today = amsterdamDate(new Date());
    const q = req.query as Record<string, string>;
    if (q.tabel === 'adviseurs') {
      req.authorize('advisory:manage');
      const rows = await hoursPerAdvisor(db, today);
      return sendAuditedExport(db, req, reply, { entity: 'advisory_hours_per_advisor', sheetName: 'Adviesuren per adviseur', columns: ADVISOR_EXPORT_COLUMNS, rows }, { filename: 'adviesuren-per-adviseur', filters: {} });
    }
    const f = readOverviewFilter(q);
    const rows = await advisoryOverview(db, p, f, today);
    const { page: _p, pageSize: _s, ...filters } = overviewQuery(f);
    return sendAuditedExport(db, req, reply, { entity: 'advisory_hours', sheetName: 'Adviesuren', columns: OVERVIEW_EXPORT_COLUMNS, rows }, { filename: 'adviesuren', filters });
  });

  /** The municipality of the URL if `p` may read its advisory hours; anything else is 404. */
  async function readable(req: FastifyRequest) {
    const p = req.authorize('advisory:read');
    const m = await municipalityByCode(db, String((req.params as { cbsCode: string }).cbsCode));
    if (!m || !can(p, 'advisory:read', { municipalityId: m.id })) throw new NotFoundError();
    return { p, m };
  }

  async function detailPage(req: FastifyRequest, reply: FastifyReply, p: Principal, municipalityId: number, forms: { status?: number; errors?: FieldErrors; values?: Record<string, unknown> } = {}) {
    const today = amsterdamDate(new Date());
    const s = await advisorySummary(db, municipalityId, today);
    if (!s) throw new NotFoundError();
    const crm = can(p, 'contact:read', { municipalityId });
    const manage = can(p, 'advisory:manage');
    const [recent, byAdvisor, managers, advisorChoices] = await Promise.all([
      crm ? listContactMoments(db, p, { municipality: municipalityId, sort: 'date', dir: 'desc', page: 1, pageSize: 5 }) : Promise.resolve(null),
      hoursByAdvisorIn(db, municipalityId),
      manage ? accountManagerOptions(db) : Promise.resolve([]),
      manage ? advisorUsers(db) : Promise.resolve([]),
    ]);
    const title = `${TITLE}: ${s.municipality.name}`;
    return reply.page({ title, status: forms.status }, (ctx) => (
      <AdvisoryDetail
        ctx={ctx}
        title={title}
        s={s}
        today={today}
        manage={manage}
        crm={crm}
        logContact={can(p, 'contact:log', { municipalityId })}
        recent={recent}
        byAdvisor={byAdvisor}
        managers={managers}
        advisorChoices={advisorChoices.filter((a) => !s.advisors.some((x) => x.userId === a.id))}
        errors={forms.errors ?? {}}
        values={forms.values ?? {}}
      />
    ));
  }

  app.get(`${BASE}/:cbsCode`, async (req, reply) => {
    const { p, m } = await readable(req);
    if (m.cbsCode !== (req.params as { cbsCode: string }).cbsCode) return reply.redirect(`${BASE}/${m.cbsCode}`, 301);
    return detailPage(req, reply, p, m.id);
  });

  /** A programme-team change on the detail page: 422 with the page and the form's errors, else back with a message. */
  function change(path: string, run: (req: FastifyRequest, m: { id: number; cbsCode: string; name: string }, values: Record<string, unknown>) => Promise<{ ok: true; message: string } | { ok: false; errors: FieldErrors }>) {
    app.post(`${BASE}/:cbsCode${path}`, async (req, reply) => {
      const { p, m } = await readable(req);
      req.authorize('advisory:manage');
      const values = formValues(req.body);
      const r = await run(req, m, values);
      if (!r.ok) return detailPage(req, reply, p, m.id, { status: 422, errors: r.errors, values });
      reply.flash('success', r.message);
      return reply.redirect(`${BASE}/${m.cbsCode}`, 303);
    });
  }

  change('/budget', async (req, m, values) => {
    const r = await setBudget(db, req.auditCtx(), m.id, values);
    return r.ok ? { ok: true, message: `Het budget van ${m.name} is opgeslagen.` } : r;
  });

  change('/fase', async (req, m, values) => {
    const r = await changePhase(db, req.auditCtx(), m.id, values, amsterdamDate(new Date()));
    return r.ok ? { ok: true, message: `De fase van ${m.name} is vastgelegd: ${PHASE_LABELS[values.phase as Phase] ?? ''} vanaf ${nlDate(String(values.phaseFrom ?? ''))}.` } : r;
  });

  change('/adviseurs', async (req, m, values) => {
    const r = await assignAdvisor(db, req.auditCtx(), m.id, values);
    return r.ok ? { ok: true, message: `De adviseur is toegewezen aan ${m.name}.` } : r;
  });

  app.post(`${BASE}/:cbsCode/adviseurs/:grantId/intrekken`, async (req, reply) => {
    const { m } = await readable(req);
    req.authorize('advisory:manage');
    const grantId = pathId((req.params as { grantId: string }).grantId);
    if (!(await unassignAdvisor(db, req.auditCtx(), m.id, grantId))) throw new NotFoundError();
    reply.flash('success', `De toewijzing aan ${m.name} is ingetrokken. De vastgelegde adviesuren blijven staan.`);
    return reply.redirect(`${BASE}/${m.cbsCode}`, 303);
  });

  app.get(`${BASE}/:cbsCode/fase/:id/verwijderen`, async (req, reply) => {
    const { m } = await readable(req);
    req.authorize('advisory:manage');
    const id = pathId((req.params as { id: string }).id);
    const s = await advisorySummary(db, m.id, amsterdamDate(new Date()));
    const row = s?.history.find((h) => h.id === id);
    if (!row) throw new NotFoundError();
    const title = 'Fase verwijderen (correctie)';
    return reply.page({ title }, (ctx) => (
      <Page ctx={ctx} title={title} crumbs={[...CRUMBS, { href: `${BASE}/${m.cbsCode}`, label: m.name }, { label: title }]}>
        <Heading>{title}</Heading>
        <P>
          U verwijdert de regel "{PHASE_LABELS[row.phase]} vanaf {nlDate(row.fromDate)}" van {m.name}. Doe dit alleen als de regel per vergissing is vastgelegd: een echte
          overgang legt u vast als nieuwe fase. De verwijdering komt in het auditlog en de regel telt niet meer mee in de cijfers.
        </P>
        <ConfirmForm action={`${BASE}/${m.cbsCode}/fase/${row.id}/verwijderen`} csrf={ctx.csrfToken} label="Fase verwijderen" cancel={`${BASE}/${m.cbsCode}`} />
      </Page>
    ));
  });

  app.post(`${BASE}/:cbsCode/fase/:id/verwijderen`, async (req, reply) => {
    const { m } = await readable(req);
    req.authorize('advisory:manage');
    const id = pathId((req.params as { id: string }).id);
    if (!(await deletePhase(db, req.auditCtx(), m.id, id))) throw new NotFoundError();
    reply.flash('success', 'De fase is verwijderd (correctie).');
    return reply.redirect(`${BASE}/${m.cbsCode}`, 303);
  });
}

const FIELD_LABELS: Record<string, string> = {
  budgetHours: 'Budget in adviesuren',
  phase: 'Nieuwe fase',
  phaseFrom: 'Vanaf',
  accountManagerId: 'Accounthouder',
  phaseNote: 'Toelichting',
  advisorUserId: 'Adviseur',
};

function AdvisoryDetail({
  ctx,
  title,
  s,
  today,
  manage,
  crm,
  logContact,
  recent,
  byAdvisor,
  managers,
  advisorChoices,
  errors,
  values,
}: {
  ctx: PageContext;
  title: string;
  s: AdvisorySummary;
  today: string;
  manage: boolean;
  crm: boolean;
  logContact: boolean;
  recent: { rows: MomentRow[]; total: number } | null;
  byAdvisor: Awaited<ReturnType<typeof hoursByAdvisorIn>>;
  managers: { id: number; name: string }[];
  advisorChoices: { id: number; name: string; email: string }[];
  errors: FieldErrors;
  values: Record<string, unknown>;
}) {
  const m = s.municipality;
  const h = s.hours;
  const base = `${BASE}/${m.cbsCode}`;
  const form = (defaults: Record<string, unknown>, names: string[]): FormState => {
    const mine = names.some((n) => n in errors || n in values);
    return { values: mine ? values : defaults, errors: Object.fromEntries(Object.entries(errors).filter(([k]) => names.includes(k))) };
  };
  const budgetForm = form({ budgetHours: String(h.budgetHours).replace('.', ',') }, ['budgetHours']);
  const phaseForm = form({ phase: 'network', phaseFrom: today, accountManagerId: '' }, ['phase', 'phaseFrom', 'accountManagerId', 'phaseNote']);
  const advisorForm = form({}, ['advisorUserId']);
  const usedUp = h.leftHours <= 0;
  const historyRows = [...s.history].reverse();
  // The last row (null) is the guidance phase every municipality starts in.
  const phaseColumns: Column<PhaseRow | null>[] = [
    { key: 'phase', label: 'Fase', render: (r) => PHASE_LABELS[r?.phase ?? 'guidance'] },
    { key: 'from', label: 'Vanaf', render: (r) => (r ? nlDate(r.fromDate) : 'Vanaf de start') },
    { key: 'manager', label: 'Accounthouder', render: (r) => r?.accountManagerName ?? '—' },
    { key: 'note', label: 'Toelichting', render: (r) => (r ? (r.note ?? '—') : 'Elke gemeente begint in de begeleidingsfase.') },
    { key: 'by', label: 'Vastgelegd door', render: (r) => r?.createdByName ?? '—' },
    ...(manage
      ? [
          {
            key: 'correct',
            label: 'Correctie',
            render: (r: PhaseRow | null) =>
              r ? (
                <Link href={`${base}/fase/${r.id}/verwijderen`}>
                  Verwijderen<span class="visually-hidden"> ({PHASE_LABELS[r.phase]} vanaf {nlDate(r.fromDate)})</span>
                </Link>
              ) : (
                '—'
              ),
          },
        ]
      : []),
  ];
  const momentColumns: Column<MomentRow>[] = [
    { key: 'date', label: 'Datum', render: (r) => nlDate(r.occurredOn) },
    { key: 'kind', label: 'Soort', render: (r) => CONTACT_KIND_LABELS[r.kind] ?? r.kind },
    { key: 'subject', label: 'Onderwerp', render: (r) => <Link href={`/contactmomenten/${r.id}`}>{r.subject}</Link> },
    { key: 'duration', label: 'Duur', numeric: true, render: (r) => formatMinutes(r.durationMinutes) },
    { key: 'advisory', label: 'Telt als advies', render: (r) => (r.advisory ? 'Ja' : 'Nee') },
  ];
  return (
    <Page ctx={ctx} title={title} crumbs={[...CRUMBS, { label: m.name }]}>
      <Heading>{title}</Heading>
      <ErrorSummary errors={errors} labels={FIELD_LABELS} />
      {usedUp && s.phase.phase === 'guidance' && (
        <Alert kind="warning">
          {h.leftHours < 0 ? `${leftText(h)}.` : 'Het adviesbudget is op.'} {m.name} is nog in de begeleidingsfase.{' '}
          {manage ? (
            <>
              Zet de gemeente over naar de netwerkfase en kies een accounthouder: <Link href="#fase-wijzigen">naar het formulier Fase wijzigen</Link>.
            </>
          ) : (
            'Het programmateam zet de gemeente over naar de netwerkfase met een accounthouder.'
          )}
        </Alert>
      )}
      <section aria-labelledby="stand">
        <h2 class="utrecht-heading-2" id="stand">
          Stand van de adviesuren
        </h2>
        <SummaryList
          items={[
            ['Gemeente', `${m.name} (${m.cbsCode}), ${m.provinceName}`],
            [
              'Budget',
              h.defaultBudget
                ? `${formatHours(h.budgetHours)} (standaardbudget)`
                : `${formatHours(h.budgetHours)}${s.budgetUpdatedAt ? ` (ingesteld${s.budgetUpdatedByName ? ` door ${s.budgetUpdatedByName}` : ''} op ${nlDate(amsterdamDate(s.budgetUpdatedAt))})` : ''}`,
            ],
            ['Gebruikt', formatHours(h.usedHours)],
            ['Over', <LeftText hours={h} />],
            ['Status', <BudgetStatusText hours={h} />],
            ['Fase', phaseText(s.phase.phase, s.phase.fromDate)],
            ['Accounthouder', s.phase.phase === 'network' ? (s.phase.accountManagerName ?? 'Onbekend') : 'Nog niet (alleen in de netwerkfase)'],
          ]}
        />
      </section>

      <section aria-labelledby="adviseurs">
        <h2 class="utrecht-heading-2" id="adviseurs">
          Adviseurs
        </h2>
        {s.advisors.length === 0 ? (
          <P>Er is nog geen adviseur toegewezen.</P>
        ) : (
          <ul class="utrecht-unordered-list">
            {s.advisors.map((a) => (
              <li class="utrecht-unordered-list__item">
                {a.name}
                {a.active ? '' : ' (account gedeactiveerd)'}
                {manage && (
                  <form method="post" action={`${base}/adviseurs/${a.grantId}/intrekken`} class="inline-form">
                    <CsrfField token={ctx.csrfToken} />{' '}
                    <Button variant="subtle">
                      Toewijzing intrekken<span class="visually-hidden"> van {a.name}</span>
                    </Button>
                  </form>
                )}
              </li>
            ))}
          </ul>
        )}
        {byAdvisor.length > 0 && (
          <DataTable
            caption={`Adviesuren in ${m.name} per adviseur`}
            columns={[
              { key: 'name', label: 'Adviseur', render: (r) => r.name },
              { key: 'moments', label: 'Contactmomenten', numeric: true, render: (r) => r.moments },
              { key: 'hours', label: 'Adviesuren', numeric: true, render: (r) => formatHours(r.minutes / 60) },
            ]}
            rows={byAdvisor}
            base={base}
            query={{ page: 1, pageSize: byAdvisor.length }}
          />
        )}
      </section>

      <section aria-labelledby="fasen">
        <h2 class="utrecht-heading-2" id="fasen">
          Fasegeschiedenis
        </h2>
        <DataTable caption={`Fasen van ${m.name}, nieuwste eerst`} columns={phaseColumns} rows={[...historyRows, null]} base={base} query={{ page: 1, pageSize: historyRows.length + 1 }} />
      </section>

      {crm && recent && (
        <section aria-labelledby="recent">
          <h2 class="utrecht-heading-2" id="recent">
            Recente contactmomenten
          </h2>
          <DataTable caption={`Laatste contactmomenten met ${m.name}`} columns={momentColumns} rows={recent.rows} base={base} query={{ page: 1, pageSize: 5 }} empty="Nog geen contactmomenten." />
          <ul class="action-list">
            <li>
              <Link href={`/contactmomenten/gemeente/${m.cbsCode}`}>Alle {recent.total} contactmomenten van {m.name}</Link>
            </li>
            {logContact && (
              <li>
                <ButtonLink href={`/contactmomenten/nieuw?gemeente=${m.cbsCode}`}>Contactmoment vastleggen</ButtonLink>
              </li>
            )}
          </ul>
        </section>
      )}

      {manage && (
        <>
          <section aria-labelledby="fase-wijzigen">
            <h2 class="utrecht-heading-2" id="fase-wijzigen">
              Fase wijzigen
            </h2>
            <P>
              Een overgang wordt een nieuwe regel in de fasegeschiedenis. Naar de netwerkfase gaat met een accounthouder; in de netwerkfase kiest u hier ook een nieuwe
              accounthouder.
            </P>
            <form method="post" action={`${base}/fase`} novalidate class="form">
              <CsrfField token={ctx.csrfToken} />
              <RadioGroup name="phase" label="Nieuwe fase" form={phaseForm} required options={PHASE_OPTIONS} />
              <TextField name="phaseFrom" label="Vanaf" type="date" form={phaseForm} required width="s" hint="Niet in de toekomst. Bijvoorbeeld 2025-01-31." />
              <SelectField
                name="accountManagerId"
                label="Accounthouder"
                form={phaseForm}
                placeholder="Kies de accounthouder"
                hint="Alleen bij de netwerkfase: een adviseur of iemand van het programmateam."
                options={managers.map((u) => ({ value: String(u.id), label: u.name }))}
              />
              <TextArea name="phaseNote" label="Toelichting" form={phaseForm} rows={3} />
              <div class="form-actions">
                <Button>Fase vastleggen</Button>
              </div>
            </form>
          </section>

          <section aria-labelledby="budget-wijzigen">
            <h2 class="utrecht-heading-2" id="budget-wijzigen">
              Budget wijzigen
            </h2>
            <form method="post" action={`${base}/budget`} novalidate class="form">
              <CsrfField token={ctx.csrfToken} />
              <TextField
                name="budgetHours"
                label="Budget in adviesuren"
                form={budgetForm}
                required
                width="s"
                inputmode="decimal"
                hint={`Het standaardbudget is ${DEFAULT_ADVISORY_HOURS} uur. Gebruik een komma voor halve uren, zoals 70,5.`}
              />
              <div class="form-actions">
                <Button>Budget opslaan</Button>
              </div>
            </form>
          </section>

          <section aria-labelledby="adviseur-toewijzen">
            <h2 class="utrecht-heading-2" id="adviseur-toewijzen">
              Adviseur toewijzen
            </h2>
            <form method="post" action={`${base}/adviseurs`} novalidate class="form">
              <CsrfField token={ctx.csrfToken} />
              <SelectField
                name="advisorUserId"
                label="Adviseur"
                form={advisorForm}
                required
                placeholder="Kies een adviseur"
                hint="Staat de adviseur er niet bij? Nodig die eerst uit bij Gebruikers, met de rol Adviseur."
                options={advisorChoices.map((a) => ({ value: String(a.id), label: `${a.name} (${a.email})` }))}
              />
              <div class="form-actions">
                <Button>Adviseur toewijzen</Button>
                <Link href="/beheer/gebruikers">Naar Gebruikers</Link>
              </div>
            </form>
          </section>
        </>
      )}
      <p class="utrecht-paragraph">
        <Link href={BASE}>Terug naar het overzicht</Link>
      </p>
    </Page>
  );
}
