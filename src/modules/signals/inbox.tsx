import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal } from '../../platform/access.js';
import { ForbiddenError, NotFoundError } from '../../platform/http/errors.js';
import { Page } from '../../platform/views/layout.js';
import { DataTable, Heading, Link, P, Pagination, SelectField, listUrl, type Column, type ListQuery, type Option } from '../../platform/views/components.js';
import { OPEN_STATUSES, SIGNALLER_TYPE_LABELS, STATUS_LABELS, STATUSES, type SignallerType, type SignalStatus } from './model.js';
import { INBOX_STATUS_FILTERS, isOverdue, listInbox, organisationNeighbourhoods, signalOrganisations, type InboxFilter, type InboxRow, type InboxStatusFilter } from './handling-service.js';

/**
 * The inbox of a handling organisation (GET /signalen): its signals, newest first, with filters
 * (status, neighbourhood, overdue, assigned to me / unassigned) as a plain GET form.
 *
 * Who: signal staff ('signal:handle' for the organisation); a user in several organisations
 * switches with ?organisatie=<id>; a user without a signal role gets 403.
 *
 * The list is NOT a personal-data view: no names, addresses or stories (nothing is decrypted),
 * so it is not audit-logged; the signal page is.
 */

export const INBOX_PATH = '/signalen';
export const PAGE_SIZE = 25;

/** Dutch date of an instant (Amsterdam), e.g. "24 nov. 2026". */
export const nlDay = (d: Date | null | undefined) => (d ? d.toLocaleDateString('nl-NL', { timeZone: 'Europe/Amsterdam', day: 'numeric', month: 'short', year: 'numeric' }) : null);
/** Dutch date and time of an instant (Amsterdam). */
export const nlDateTime = (d: Date | null | undefined) =>
  d ? d.toLocaleString('nl-NL', { timeZone: 'Europe/Amsterdam', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' }) : null;

const STATUS_FILTER_LABELS: Record<InboxStatusFilter, string> = {
  open: 'Open (nog in behandeling)',
  all: 'Alle statussen',
  ...STATUS_LABELS,
};

export interface InboxQuery {
  organisatie?: string;
  status?: string;
  wijk?: string;
  'te-laat'?: string;
  toegewezen?: string;
  page?: string;
}

/** The organisation the principal works in now: ?organisatie= (must be one of theirs), else their first. */
export async function currentOrganisation(app: FastifyInstance, p: Principal, requested: unknown) {
  const orgs = await signalOrganisations(app.ctx.database.db, p);
  if (!orgs.length) throw new ForbiddenError('Deze pagina is voor medewerkers van een signaalpunt. U heeft geen rol bij een signaalpunt.');
  let org = orgs[0]!;
  if (requested !== undefined && requested !== '') {
    const found = orgs.find((o) => String(o.id) === String(requested));
    if (!found) throw new NotFoundError();
    org = found;
  }
  return { org, orgs };
}

/** The inbox filters from a query string; unknown values fall back to the defaults. */
export function readInboxFilter(q: Record<string, unknown>, userId: number | null, neighbourhoodIds: Set<number>): InboxFilter {
  const status = (INBOX_STATUS_FILTERS as readonly string[]).includes(String(q.status)) ? (q.status as InboxStatusFilter) : 'open';
  const wijk = Number(q.wijk);
  const assigned = q.toegewezen === 'mij' && userId != null ? 'me' : q.toegewezen === 'niemand' ? 'none' : undefined;
  return {
    status,
    neighbourhoodId: Number.isInteger(wijk) && neighbourhoodIds.has(wijk) ? wijk : undefined,
    overdue: q['te-laat'] === '1',
    assigned,
    userId: userId ?? undefined,
  };
}

function DueCell({ r, now }: { r: InboxRow; now: Date }) {
  if (!r.dueAt) return <>—</>;
  return (
    <>
      {nlDay(r.dueAt)}
      {isOverdue(r, now) && (
        <>
          {' '}
          <strong class="signal-overdue">Te laat</strong>
        </>
      )}
      {r.firstContactAt && <span class="signal-muted"> (eerste contact {nlDay(r.firstContactAt)})</span>}
    </>
  );
}

export async function inboxRoutes(app: FastifyInstance) {
  const db = app.ctx.database.db;

  app.get(INBOX_PATH, async (req: FastifyRequest, reply) => {
    const p = req.requireUser();
    const q = req.query as Record<string, string>;
    const { org, orgs } = await currentOrganisation(app, p, q.organisatie);
    req.authorize('signal:handle', { organisationId: org.id });
    const now = new Date();
    const nbs = await organisationNeighbourhoods(db, org.id);
    const f = readInboxFilter(q, p.kind === 'user' ? p.id : null, new Set(nbs.map((n) => n.id)));
    const page = Math.max(1, Math.min(10_000, Number.parseInt(String(q.page ?? '1'), 10) || 1));
    const result = await listInbox(db, org.id, f, page, PAGE_SIZE, now);

    const filterValues = {
      organisatie: orgs.length > 1 ? String(org.id) : undefined,
      status: f.status === 'open' ? undefined : f.status,
      wijk: f.neighbourhoodId ? String(f.neighbourhoodId) : undefined,
      'te-laat': f.overdue ? '1' : undefined,
      toegewezen: f.assigned === 'me' ? 'mij' : f.assigned === 'none' ? 'niemand' : undefined,
    };
    const query: ListQuery = { ...filterValues, page: result.page, pageSize: PAGE_SIZE };
    const multiMunicipality = new Set(nbs.map((n) => n.municipality)).size > 1;
    const nbOptions: Option[] = nbs.map((n) => ({
      value: String(n.id),
      label: `${n.kind === 'district' ? `Wijk ${n.name} (alle buurten)` : n.name}${multiMunicipality ? ` — ${n.municipality}` : ''}`,
    }));
    const form = { values: { ...filterValues, status: f.status }, errors: {} };

    const columns: Column<InboxRow>[] = [
      { key: 'reference', label: 'Referentie', render: (r) => <Link href={`${INBOX_PATH}/${r.id}`}>{r.reference}</Link> },
      { key: 'receivedAt', label: 'Ontvangen', render: (r) => nlDateTime(r.receivedAt) },
      { key: 'neighbourhood', label: 'Buurt', render: (r) => r.neighbourhoodName ?? 'Onbekend' },
      { key: 'signallerType', label: 'Melder', render: (r) => SIGNALLER_TYPE_LABELS[r.signallerType as SignallerType] ?? r.signallerType },
      { key: 'status', label: 'Status', render: (r) => STATUS_LABELS[r.status] ?? r.status },
      { key: 'assignee', label: 'Toegewezen aan', render: (r) => (r.assignedUserId == null ? 'Niemand' : r.assignedUserId === p.id && p.kind === 'user' ? `${r.assigneeName} (u)` : r.assigneeName) },
      { key: 'dueAt', label: 'Eerste contact uiterlijk', render: (r) => <DueCell r={r} now={now} /> },
      { key: 'signs', label: 'Aangevinkte kenmerken', numeric: true, render: (r) => String(r.signs.length) },
    ];
    const title = orgs.length > 1 ? `Signalen van ${org.name}` : 'Signalen';
    const countLink = (s: SignalStatus | 'open') => listUrl(INBOX_PATH, { ...filterValues, status: s === 'open' ? undefined : s });
    const openCount = OPEN_STATUSES.reduce((n, s) => n + (result.counts[s] ?? 0), 0);

    return reply.page({ title }, (ctx) => (
      <Page ctx={ctx} title={title} crumbs={[{ href: '/beheer', label: 'Overzicht' }, { label: 'Signalen' }]}>
        <Heading>{title}</Heading>
        {orgs.length > 1 ? (
          <form method="get" action={INBOX_PATH} class="filter-form" aria-label="Organisatie kiezen">
            <SelectField name="organisatie" label="Organisatie" form={{ values: { organisatie: String(org.id) }, errors: {} }} filter options={orgs.map((o) => ({ value: String(o.id), label: o.name }))} />
            <button class="utrecht-button utrecht-button--secondary-action" type="submit">
              Wisselen
            </button>
          </form>
        ) : (
          <P>Signalen die naar {org.name} zijn doorgezet. Namen en adressen staan alleen op de pagina van een signaal.</P>
        )}

        <section aria-labelledby="aantallen-titel">
          <h2 class="utrecht-heading-2" id="aantallen-titel">
            Aantallen per status
          </h2>
          <P class="signal-muted">{f.neighbourhoodId || f.overdue || f.assigned ? 'Bij de gekozen buurt, termijn en toewijzing.' : 'Alle signalen van uw organisatie.'}</P>
          <ul class="signal-status-counts">
            <li>
              <Link href={countLink('open')} aria-current={f.status === 'open' ? 'true' : undefined}>
                Open: {openCount}
              </Link>
            </li>
            {STATUSES.map((s) => (
              <li>
                <Link href={countLink(s)} aria-current={f.status === s ? 'true' : undefined}>
                  {STATUS_LABELS[s]}
                  {result.counts[s] === null ? '' : `: ${result.counts[s]}`}
                </Link>
              </li>
            ))}
          </ul>
        </section>

        <form method="get" action={INBOX_PATH} class="filter-form" role="search" novalidate aria-label="Signalen filteren">
          {orgs.length > 1 && <input type="hidden" name="organisatie" value={String(org.id)} />}
          <SelectField name="status" label="Status" form={form} filter options={INBOX_STATUS_FILTERS.map((s) => ({ value: s, label: STATUS_FILTER_LABELS[s] }))} />
          <SelectField name="wijk" label="Buurt of wijk" form={form} filter placeholder="Alle buurten" options={nbOptions} />
          <SelectField name="te-laat" label="Termijn" form={form} filter placeholder="Alle signalen" options={[{ value: '1', label: 'Alleen te laat' }]} />
          <SelectField
            name="toegewezen"
            label="Toegewezen aan"
            form={form}
            filter
            placeholder="Iedereen"
            options={[
              { value: 'mij', label: 'Aan mij' },
              { value: 'niemand', label: 'Nog niet toegewezen' },
            ]}
          />
          <button class="utrecht-button utrecht-button--secondary-action" type="submit">
            Filteren
          </button>
          <Link href={orgs.length > 1 ? `${INBOX_PATH}?organisatie=${org.id}` : INBOX_PATH}>Filters wissen</Link>
        </form>

        <DataTable caption={`${title}, nieuwste eerst`} columns={columns} rows={result.rows} base={INBOX_PATH} query={query} empty="Geen signalen bij deze filters." />
        <Pagination base={INBOX_PATH} query={query} total={result.total} />
        <P class="signal-muted">
          "Te laat": het signaal is nog open, er is nog geen eerste contactpoging vastgelegd en de termijn voor het eerste contact is verstreken.
        </P>
      </Page>
    ));
  });
}
