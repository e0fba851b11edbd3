import type { FastifyInstance } from 'fastify';
import { Page } from '../../platform/views/layout.js';
import { DataTable, Heading, Link, Pagination, SelectField, type Column, type ListQuery } from '../../platform/views/components.js';
import { listParams } from '../../platform/http/forms.js';
import { NotFoundError } from '../../platform/http/errors.js';
import { can } from '../../platform/access.js';
import { getMunicipality, listMunicipalities, listProvinces, MUNICIPALITY_SORTS, type MunicipalityRow } from './service.js';
import { PARTICIPATION_STATUS_LABELS, type ParticipationStatus } from './labels.js';
import { SummaryList } from '../../platform/views/components.js';

const BASE = '/beheer/gemeenten';

/** Admin screens of the registry. */
export async function registryRoutes(app: FastifyInstance) {
  const db = app.ctx.database.db;

  app.get(BASE, async (req, reply) => {
    const p = req.authorize('municipality:list');
    const q = req.query as Record<string, string>;
    const lp = listParams(q, [...MUNICIPALITY_SORTS], 'name');
    const filter = {
      ...lp,
      province: /^PV\d{2}$/.test(q.provincie ?? '') ? q.provincie : undefined,
      status: (['current', 'ended', 'all'].includes(q.status) ? q.status : 'current') as 'current' | 'ended' | 'all',
      participating: (['yes', 'no'].includes(q.deelname) ? q.deelname : '') as 'yes' | 'no' | '',
    };
    const [{ rows, total }, provs] = await Promise.all([listMunicipalities(db, p, filter), listProvinces(db)]);
    const query: ListQuery = { q: lp.q, sort: lp.sort, dir: lp.dir, page: lp.page, pageSize: lp.pageSize, provincie: filter.province, status: filter.status === 'current' ? undefined : filter.status, deelname: filter.participating || undefined };
    const columns: Column<MunicipalityRow>[] = [
      { key: 'name', label: 'Gemeente', sortable: true, render: (r) => <Link href={`${BASE}/${r.id}`}>{r.name}</Link> },
      { key: 'cbsCode', label: 'CBS-code', sortable: true, render: (r) => r.cbsCode },
      { key: 'province', label: 'Provincie', sortable: true, render: (r) => r.provinceName },
      {
        key: 'signedOn',
        label: 'Deelname',
        sortable: true,
        render: (r) => (r.participationStatus ? `${PARTICIPATION_STATUS_LABELS[r.participationStatus as ParticipationStatus]}${r.signedOn ? ` (${r.signedOn})` : ''}` : 'Geen'),
      },
    ];
    const form = { values: { q: lp.q, provincie: filter.province, status: filter.status, deelname: filter.participating }, errors: {} };
    return reply.page({ title: 'Gemeenten' }, (ctx) => (
      <Page ctx={ctx} title="Gemeenten" crumbs={[{ href: '/beheer', label: 'Overzicht' }, { label: 'Gemeenten' }]}>
        <Heading>Gemeenten</Heading>
        <form method="get" action={BASE} class="filter-form" role="search" aria-label="Gemeenten zoeken en filteren">
          <div class="utrecht-form-field">
            <label class="utrecht-form-label" for="veld-q">
              Zoek op naam of CBS-code
            </label>
            <input class="utrecht-textbox utrecht-textbox--html-input" id="veld-q" name="q" type="search" value={lp.q} />
          </div>
          <SelectField name="provincie" label="Provincie" form={form} options={provs.map((pv) => ({ value: pv.code, label: pv.name }))} placeholder="Alle provincies" required />
          <SelectField
            name="deelname"
            label="Deelname"
            form={form}
            placeholder="Alle gemeenten"
            required
            options={[
              { value: 'yes', label: 'Deelnemend' },
              { value: 'no', label: 'Niet deelnemend' },
            ]}
          />
          <SelectField
            name="status"
            label="Geldigheid"
            form={form}
            required
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
          <DataTable caption="Gemeenten" columns={columns} rows={rows} base={BASE} query={query} />
          <Pagination base={BASE} query={query} total={total} />
        </div>
      </Page>
    ));
  });

  app.get(`${BASE}/:id`, async (req, reply) => {
    const id = Number((req.params as { id: string }).id);
    if (!Number.isInteger(id) || id <= 0) throw new NotFoundError();
    const p = req.authorize('municipality:list');
    const m = await getMunicipality(db, id);
    // Out-of-scope records are reported as "not found": their existence is not revealed.
    if (!m || !can(p, 'municipality:read', { municipalityId: m.id })) throw new NotFoundError();
    return reply.page({ title: m.name }, (ctx) => (
      <Page ctx={ctx} title={m.name} crumbs={[{ href: '/beheer', label: 'Overzicht' }, { href: BASE, label: 'Gemeenten' }, { label: m.name }]}>
        <Heading>{m.name}</Heading>
        <SummaryList
          items={[
            ['CBS-code', m.cbsCode],
            ['Provincie', m.province.name],
            ['Geldig vanaf', m.validFrom],
            ['Geldig tot', m.validTo],
            ['Opgegaan in', m.successor ? <Link href={`${BASE}/${m.successor.id}`}>{`${m.successor.name} (${m.successor.cbsCode})`}</Link> : null],
            ['Voorgangers', m.predecessors.length ? m.predecessors.map((x) => `${x.name} (${x.cbsCode})`).join(', ') : null],
          ]}
        />
      </Page>
    ));
  });
}
