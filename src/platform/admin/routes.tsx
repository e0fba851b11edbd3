import type { FastifyInstance } from 'fastify';
import { Page } from '../views/layout.js';
import { DataTable, ErrorSummary, Heading, P, Pagination, SelectField, SummaryList, TextField, type Column, type ListQuery } from '../views/components.js';
import { audit, listAudit, type AuditAction } from '../audit.js';
import { getOutboxMail, listOutbox } from '../mail/outbox.js';
import { isIsoDate, listParams, normaliseDate, pathId } from '../http/forms.js';
import { NotFoundError } from '../http/errors.js';
import { auditLog } from '../db/schema.js';
import { userRoutes } from './users.js';
import { apiKeyRoutes } from './apikeys.js';

const fmt = (d: Date | null) => (d ? d.toLocaleString('nl-NL', { timeZone: 'Europe/Amsterdam', dateStyle: 'short', timeStyle: 'medium' }) : '—');

/** Dutch labels of the audit actions; the record type makes sure every action has one. */
const AUDIT_ACTION_LABELS: Record<AuditAction, string> = {
  create: 'Aangemaakt',
  update: 'Gewijzigd',
  delete: 'Verwijderd',
  login: 'Ingelogd',
  login_failed: 'Inloggen mislukt',
  logout: 'Uitgelogd',
  export: 'Geëxporteerd',
  import: 'Geïmporteerd',
  read_personal: 'Persoonsgegevens ingezien',
  invite: 'Uitgenodigd',
  password_reset: 'Wachtwoordherstel gevraagd',
  password_set: 'Wachtwoord ingesteld',
  deactivate: 'Gedeactiveerd',
  activate: 'Geactiveerd',
  role_change: 'Rollen gewijzigd',
  revoke: 'Ingetrokken',
  submit: 'Ingediend',
  status_change: 'Status gewijzigd',
  transition: 'Behandelstap',
  route: 'Gerouteerd',
  erase: 'Gewist op verzoek',
  retention: 'Bewaartermijn verstreken: gewist',
  key_rotation: 'Sleutel vervangen',
  merge: 'Samengevoegd',
};
const AUDIT_ACTIONS = Object.keys(AUDIT_ACTION_LABELS) as AuditAction[];
const OUTBOX_STATUS_LABELS: Record<string, string> = { queued: 'In de wachtrij', sent: 'Verzonden', stored: 'Bewaard (geen SMTP ingesteld)', failed: 'Mislukt, wordt opnieuw geprobeerd' };
/**
 * Mail kinds whose recipient the programme team may not see: they need to know that the mail
 * went out, not to whom (the feedback to a signaller would say who passed on a worry).
 */
const MASKED_RECIPIENT_KINDS = new Set(['signal_feedback']);

/** "m***@apotheek.nl": the first letter of the local part and the domain. Pure. */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${address[0]}***${address.slice(at)}`;
}

/** The recipient as the outbox screen shows it ('.invalid': already blanked, nothing to hide). */
export function shownRecipient(m: { kind: string; toAddress: string }): string {
  if (!MASKED_RECIPIENT_KINDS.has(m.kind) || m.toAddress.endsWith('.invalid')) return m.toAddress;
  return maskAddress(m.toAddress);
}

const actionLabel = (a: string) => AUDIT_ACTION_LABELS[a as AuditAction] ?? a;
const ENTITY_LABELS: Record<string, string> = {
  user: 'Gebruiker',
  api_key: 'API-sleutel',
  municipality: 'Gemeente',
  province: 'Provincie',
  organisation: 'Organisatie',
  participation: 'Deelname',
  neighbourhood: 'Wijk of buurt',
  signal: 'Signaal',
  signal_point: 'Signaalpunt',
  signal_routing_rule: 'Routeringsregel',
  postcode: 'Postcode',
  mail: 'E-mail',
};
const entityLabel = (e: string) => (ENTITY_LABELS[e] ? `${ENTITY_LABELS[e]} (${e})` : e);

/** Programme-admin screens: audit log and mail outbox (users and API keys in their own files). */
export async function adminRoutes(app: FastifyInstance) {
  const db = app.ctx.database.db;
  await app.register(userRoutes);
  await app.register(apiKeyRoutes);

  app.get('/beheer/auditlog', async (req, reply) => {
    req.authorize('audit:read');
    const q = req.query as Record<string, string>;
    const lp = listParams(q, [], 'at', 50);
    // Dates as typed (2025-01-31 or 31-01-2025); a bad date is reported at its field and not applied.
    const errors: Record<string, string> = {};
    const date = (field: 'from' | 'to') => {
      const v = normaliseDate(q[field]);
      if (v === undefined) return undefined;
      if (typeof v === 'string' && isIsoDate(v)) return v;
      errors[field] = 'Vul een geldige datum in, zoals 2025-01-31 of 31-01-2025.';
      return undefined;
    };
    const filter = {
      actor: q.actor?.trim().slice(0, 100) || undefined,
      action: (AUDIT_ACTIONS as string[]).includes(q.action) ? q.action : undefined,
      entity: q.entity?.trim().slice(0, 50) || undefined,
      entityId: q.entityId?.trim().slice(0, 50) || undefined,
      from: date('from'),
      to: date('to'),
    };
    const [{ rows, total }, entities] = await Promise.all([
      listAudit(db, filter, lp.page, lp.pageSize),
      db.selectDistinct({ entity: auditLog.entity }).from(auditLog).orderBy(auditLog.entity),
    ]);
    const query: ListQuery = { ...filter, page: lp.page, pageSize: lp.pageSize };
    type Row = (typeof rows)[number];
    const columns: Column<Row>[] = [
      { key: 'at', label: 'Tijdstip', render: (r) => fmt(r.at) },
      { key: 'actor', label: 'Wie', render: (r) => r.actorLabel },
      { key: 'action', label: 'Actie', render: (r) => actionLabel(r.action) },
      { key: 'entity', label: 'Onderdeel', render: (r) => entityLabel(r.entity) },
      { key: 'entityId', label: 'Record', render: (r) => r.entityId ?? '—' },
      { key: 'details', label: 'Details', render: (r) => (r.details ? <code class="details">{JSON.stringify(r.details)}</code> : '—') },
    ];
    const form = { values: { ...filter, from: errors.from ? q.from : filter.from, to: errors.to ? q.to : filter.to }, errors };
    return reply.page({ title: 'Auditlog', status: Object.keys(errors).length ? 422 : 200 }, (ctx) => (
      <Page ctx={ctx} title="Auditlog" crumbs={[{ href: '/beheer', label: 'Overzicht' }, { label: 'Auditlog' }]}>
        <Heading>Auditlog</Heading>
        <p class="utrecht-paragraph">Alle wijzigingen, inlogpogingen, exports en inzages in persoonsgegevens. Het log kan niet worden gewijzigd of verwijderd.</p>
        <ErrorSummary errors={errors} labels={{ from: 'Vanaf (datum)', to: 'Tot en met (datum)' }} />
        <form method="get" action="/beheer/auditlog" class="filter-form" role="search" novalidate aria-label="Auditlog filteren">
          <TextField name="actor" label="Wie (e-mail of naam)" form={form} filter />
          <SelectField name="action" label="Actie" form={form} filter placeholder="Alle acties" options={AUDIT_ACTIONS.map((a) => ({ value: a, label: AUDIT_ACTION_LABELS[a] }))} />
          <SelectField name="entity" label="Onderdeel" form={form} filter placeholder="Alle onderdelen" options={entities.map((e) => ({ value: e.entity, label: entityLabel(e.entity) }))} />
          <TextField name="from" label="Vanaf (datum)" type="date" form={form} filter />
          <TextField name="to" label="Tot en met (datum)" type="date" form={form} filter />
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
    const columns: Column<Row>[] = [
      { key: 'createdAt', label: 'Aangemaakt', render: (r) => fmt(r.createdAt) },
      { key: 'to', label: 'Aan', render: (r) => shownRecipient(r) },
      { key: 'subject', label: 'Onderwerp', render: (r) => <a class="utrecht-link" href={`/beheer/outbox/${r.id}`}>{r.subject}</a> },
      { key: 'status', label: 'Status', render: (r) => OUTBOX_STATUS_LABELS[r.status] ?? r.status },
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
        <form method="get" action="/beheer/outbox" class="filter-form" role="search" novalidate aria-label="E-mail filteren">
          <TextField name="to" label="Aan (e-mailadres)" form={form} filter />
          <SelectField name="status" label="Status" form={form} filter placeholder="Alle" options={Object.entries(OUTBOX_STATUS_LABELS).map(([value, label]) => ({ value, label }))} />
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
    const m = await getOutboxMail(db, pathId((req.params as { id: string }).id));
    if (!m) throw new NotFoundError();
    // With a mail server the recipient got the mail; the admin has no need for their one-time
    // links (a password-reset link would let an admin take over the account).
    const hideLinks = !!app.ctx.config.smtpUrl;
    const body = hideLinks ? m.textBody.replace(ONE_TIME_LINK, '$1[verborgen]') : m.textBody;
    await audit(db, req.auditCtx(), { action: 'read_personal', entity: 'mail', entityId: m.id, details: { kind: m.kind } });
    return reply.page({ title: m.subject }, (ctx) => (
      <Page ctx={ctx} title={m.subject} crumbs={[{ href: '/beheer', label: 'Overzicht' }, { href: '/beheer/outbox', label: 'Verzonden e-mail' }, { label: m.subject }]}>
        <Heading>{m.subject}</Heading>
        <SummaryList
          items={[
            ['Aan', shownRecipient(m)],
            ['Aangemaakt', fmt(m.createdAt)],
            ['Status', OUTBOX_STATUS_LABELS[m.status] ?? m.status],
            ['Verzonden', m.sentAt ? fmt(m.sentAt) : null],
            ['Pogingen', String(m.attempts)],
            ['Laatste fout', m.lastError],
          ]}
        />
        {hideLinks && body !== m.textBody && <P>Eenmalige links in deze e-mail zijn verborgen: de e-mail is via de mailserver naar de ontvanger verstuurd.</P>}
        <pre class="mail-body">{linkify(body)}</pre>
      </Page>
    ));
  });
}

const ONE_TIME_LINK = /(\/(?:uitnodiging|wachtwoord-herstellen|vragenlijst)\/)[\w-]+/g;

/** Makes the URLs in a plain-text mail clickable. */
function linkify(text: string) {
  return text.split(/(https?:\/\/\S+)/g).map((part) => (/^https?:\/\//.test(part) ? <a class="utrecht-link" href={part}>{part}</a> : part));
}
