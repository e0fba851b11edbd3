import type { FastifyInstance } from 'fastify';
import { Page } from '../views/layout.js';
import { DataTable, Heading, Pagination, SelectField, TextField, type Column, type ListQuery } from '../views/components.js';
import { listAudit } from '../audit.js';
import { getOutboxMail, listOutbox } from '../mail/outbox.js';
import { listParams } from '../http/forms.js';
import { NotFoundError } from '../http/errors.js';

const fmt = (d: Date | null) => (d ? d.toLocaleString('nl-NL', { timeZone: 'Europe/Amsterdam', dateStyle: 'short', timeStyle: 'medium' }) : '—');

const AUDIT_ACTIONS = ['create', 'update', 'delete', 'login', 'login_failed', 'logout', 'export', 'import', 'read_personal', 'invite', 'password_reset', 'password_set', 'deactivate', 'activate', 'role_change', 'revoke'];

/** Programme-admin screens: audit log and mail outbox (users and API keys in their own files). */
export async function adminRoutes(app: FastifyInstance) {
  const db = app.ctx.database.db;

  app.get('/beheer/auditlog', async (req, reply) => {
    req.authorize('audit:read');
    const q = req.query as Record<string, string>;
    const lp = listParams(q, [], 'at', 50);
    const date = (v?: string) => (v && /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : undefined);
    const filter = { actor: q.actor?.slice(0, 100), action: AUDIT_ACTIONS.includes(q.action) ? q.action : undefined, entity: q.entity?.slice(0, 50) || undefined, entityId: q.entityId?.slice(0, 50) || undefined, from: date(q.from), to: date(q.to) };
    const { rows, total } = await listAudit(db, filter, lp.page, lp.pageSize);
    const query: ListQuery = { ...filter, page: lp.page, pageSize: lp.pageSize };
    type Row = (typeof rows)[number];
    const columns: Column<Row>[] = [
      { key: 'at', label: 'Tijdstip', render: (r) => fmt(r.at) },
      { key: 'actor', label: 'Wie', render: (r) => r.actorLabel },
      { key: 'action', label: 'Actie', render: (r) => r.action },
      { key: 'entity', label: 'Onderdeel', render: (r) => r.entity },
      { key: 'entityId', label: 'Record', render: (r) => r.entityId ?? '—' },
      { key: 'details', label: 'Details', render: (r) => (r.details ? <code class="details">{JSON.stringify(r.details)}</code> : '—') },
    ];
    const form = { values: filter, errors: {} };
    return reply.page({ title: 'Auditlog' }, (ctx) => (
      <Page ctx={ctx} title="Auditlog" crumbs={[{ href: '/beheer', label: 'Overzicht' }, { label: 'Auditlog' }]}>
        <Heading>Auditlog</Heading>
        <p class="utrecht-paragraph">Alle wijzigingen, inlogpogingen, exports en inzages in persoonsgegevens. Het log kan niet worden gewijzigd of verwijderd.</p>
        <form method="get" action="/beheer/auditlog" class="filter-form" role="search" aria-label="Auditlog filteren">
          <TextField name="actor" label="Wie (e-mail of naam)" form={form} required />
          <SelectField name="action" label="Actie" form={form} required placeholder="Alle acties" options={AUDIT_ACTIONS.map((a) => ({ value: a, label: a }))} />
          <TextField name="entity" label="Onderdeel" form={form} required />
          <TextField name="from" label="Vanaf (datum)" type="date" form={form} required />
          <TextField name="to" label="Tot en met (datum)" type="date" form={form} required />
          <button class="utrecht-button utrecht-button--secondary-action" type="submit">
            Filteren
          </button>
        </form>
        <DataTable caption="Auditlog, nieuwste eerst" columns={columns} rows={rows} base="/beheer/auditlog" query={query} />
        <Pagination base="/beheer/auditlog" query={query} total={total} />
      </Page>
    ));
  });

  app.get('/beheer/outbox', async (req, reply) => {
    req.authorize('outbox:read');
    const q = req.query as Record<string, string>;
    const lp = listParams(q, [], 'id', 25);
    const filter = { to: q.to?.slice(0, 100) || undefined, status: ['queued', 'sent', 'stored', 'failed'].includes(q.status) ? q.status : undefined };
    const { rows, total } = await listOutbox(db, filter, lp.page, lp.pageSize);
    const query: ListQuery = { ...filter, page: lp.page, pageSize: lp.pageSize };
    type Row = (typeof rows)[number];
    const statusLabel: Record<string, string> = { queued: 'In de wachtrij', sent: 'Verzonden', stored: 'Bewaard (geen SMTP ingesteld)', failed: 'Mislukt, wordt opnieuw geprobeerd' };
    const columns: Column<Row>[] = [
      { key: 'createdAt', label: 'Aangemaakt', render: (r) => fmt(r.createdAt) },
      { key: 'to', label: 'Aan', render: (r) => r.toAddress },
      { key: 'subject', label: 'Onderwerp', render: (r) => <a class="utrecht-link" href={`/beheer/outbox/${r.id}`}>{r.subject}</a> },
      { key: 'status', label: 'Status', render: (r) => statusLabel[r.status] ?? r.status },
      { key: 'attempts', label: 'Pogingen', numeric: true, render: (r) => r.attempts },
    ];
    const form = { values: filter, errors: {} };
    return reply.page({ title: 'Verzonden e-mail' }, (ctx) => (
      <Page ctx={ctx} title="Verzonden e-mail" crumbs={[{ href: '/beheer', label: 'Overzicht' }, { label: 'Verzonden e-mail' }]}>
        <Heading>Verzonden e-mail (outbox)</Heading>
        <p class="utrecht-paragraph">
          {app.ctx.config.smtpUrl
            ? 'Alle e-mail gaat via deze wachtrij naar de mailserver.'
            : 'Er is geen mailserver (SMTP_URL) ingesteld: e-mail wordt hier bewaard, zodat u bijvoorbeeld uitnodigingslinks kunt openen.'}
        </p>
        <form method="get" action="/beheer/outbox" class="filter-form" role="search" aria-label="E-mail filteren">
          <TextField name="to" label="Aan (e-mailadres)" form={form} required />
          <SelectField name="status" label="Status" form={form} required placeholder="Alle" options={Object.entries(statusLabel).map(([value, label]) => ({ value, label }))} />
          <button class="utrecht-button utrecht-button--secondary-action" type="submit">
            Filteren
          </button>
        </form>
        <DataTable caption="E-mail, nieuwste eerst" columns={columns} rows={rows} base="/beheer/outbox" query={query} />
        <Pagination base="/beheer/outbox" query={query} total={total} />
      </Page>
    ));
  });

  app.get('/beheer/outbox/:id', async (req, reply) => {
    req.authorize('outbox:read');
    const m = await getOutboxMail(db, Number((req.params as { id: string }).id) || 0);
    if (!m) throw new NotFoundError();
    return reply.page({ title: m.subject }, (ctx) => (
      <Page ctx={ctx} title={m.subject} crumbs={[{ href: '/beheer', label: 'Overzicht' }, { href: '/beheer/outbox', label: 'Verzonden e-mail' }, { label: m.subject }]}>
        <Heading>{m.subject}</Heading>
        <dl class="summary-list">
          <div class="summary-list__row"><dt>Aan</dt><dd>{m.toAddress}</dd></div>
          <div class="summary-list__row"><dt>Aangemaakt</dt><dd>{fmt(m.createdAt)}</dd></div>
          <div class="summary-list__row"><dt>Status</dt><dd>{m.status}</dd></div>
        </dl>
        <pre class="mail-body">{linkify(m.textBody)}</pre>
      </Page>
    ));
  });
}

/** Makes the URLs in a plain-text mail clickable. */
function linkify(text: string) {
  return text.split(/(https?:\/\/\S+)/g).map((part) => (/^https?:\/\//.test(part) ? <a class="utrecht-link" href={part}>{part}</a> : part));
}
