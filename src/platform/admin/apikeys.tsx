import { and, eq } from 'drizzle-orm';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { Page, type PageContext } from '../views/layout.js';
import {
  Alert,
  Button,
  ButtonLink,
  CheckboxGroup,
  CsrfField,
  DataTable,
  ErrorSummary,
  Heading,
  Link,
  P,
  SelectField,
  SummaryList,
  TextField,
  type Column,
  type FormState,
  type Option,
} from '../views/components.js';
import { formValues, parseForm, pathId, requiredText } from '../http/forms.js';
import { NotFoundError } from '../http/errors.js';
import { API_ACTION_LABELS, API_ACTIONS, type ApiAction } from '../access.js';
import { audit } from '../audit.js';
import type { Db } from '../db/index.js';
import { queueMail } from '../mail/outbox.js';
import { userRoles, users } from '../db/schema.js';
import type { AppContext } from '../context.js';
import { createApiKey, forgetApiKeys, getApiKey, listApiKeys, revokeApiKey, type ApiKeyRow } from './apikeys-service.js';
import { scopeOptions } from './users-service.js';

const BASE = '/beheer/api-sleutels';

/**
 * Tells the signal coordinators of an organisation that an API key which can read their signals
 * (persons included) was created for it. The programme team can create such a key, but never
 * silently: DESIGN §6 keeps persons need-to-know for the handling organisation.
 */
async function notifySignalCoordinators(db: Db, ctx: AppContext, organisationId: number, key: { name: string; prefix: string; by: string }) {
  const rows = await db
    .selectDistinct({ email: users.email })
    .from(users)
    .innerJoin(userRoles, eq(userRoles.userId, users.id))
    .where(and(eq(userRoles.role, 'signal_coordinator'), eq(userRoles.organisationId, organisationId), eq(users.active, true)));
  for (const r of rows) {
    await queueMail(
      db,
      ctx.jobs,
      {
        to: r.email,
        subject: 'Nieuwe API-sleutel met toegang tot de signalen van uw organisatie',
        kind: 'apikey_signals_handle',
        text: `Voor uw organisatie is een API-sleutel aangemaakt die de signalen van uw signaalpunt kan lezen, inclusief persoonsgegevens.\n\nNaam van de sleutel: ${key.name}\nBegint met: ${key.prefix}…\nAangemaakt door: ${key.by}\n\nElk gebruik wordt in het auditlog vastgelegd. Kent u deze sleutel niet, of is hij niet (meer) nodig? Vraag het programmateam hem direct in te trekken.`,
      },
      ctx.config.helpdeskEmail,
    );
  }
}
const CRUMBS = [{ href: '/beheer', label: 'Overzicht' }, { href: BASE, label: 'API-sleutels' }];
const fmt = (d: Date | null) => (d ? d.toLocaleString('nl-NL', { timeZone: 'Europe/Amsterdam', dateStyle: 'medium', timeStyle: 'short' }) : null);
const ACTION_OPTIONS: Option[] = API_ACTIONS.map((a) => ({ value: a, label: `${API_ACTION_LABELS[a]} (${a})` }));
const actionsText = (actions: string[]) => actions.map((a) => API_ACTION_LABELS[a as ApiAction] ?? a).join('; ');

const keySchema = z.object({
  name: requiredText('een naam', 100),
  organisationId: z.coerce
    .number({ message: 'Kies de organisatie die de sleutel gebruikt.' })
    .int('Kies de organisatie die de sleutel gebruikt.')
    .positive('Kies de organisatie die de sleutel gebruikt.')
    .max(2_147_483_647, 'Kies de organisatie die de sleutel gebruikt.'),
  actions: z.preprocess(
    (v) => (v == null || v === '' ? [] : Array.isArray(v) ? v : [v]),
    z.array(z.enum(API_ACTIONS, { message: 'Kies alleen rechten uit de lijst.' })).min(1, 'Kies minstens één recht.'),
  ),
});

function NewKeyPage({ ctx, form, organisations }: { ctx: PageContext; form: FormState; organisations: Option[] }) {
  return (
    <Page ctx={ctx} title="Nieuwe API-sleutel" crumbs={[...CRUMBS, { label: 'Nieuw' }]}>
      <Heading>Nieuwe API-sleutel</Heading>
      <P>Een API-sleutel geeft een koppeling (bijvoorbeeld een partner-app) toegang tot de API, namens één organisatie en alleen voor de gekozen rechten.</P>
      <ErrorSummary errors={form.errors} labels={{ name: 'Naam', organisationId: 'Organisatie', actions: 'Rechten' }} />
      <form method="post" action={`${BASE}/nieuw`} novalidate class="form">
        <CsrfField token={ctx.csrfToken} />
        <TextField name="name" label="Naam" hint="Waar de sleutel voor is, bijvoorbeeld: Koppeling bezorgers-app." form={form} required />
        <SelectField name="organisationId" label="Organisatie" form={form} required placeholder="Kies een organisatie" options={organisations} />
        <CheckboxGroup name="actions" label="Rechten" form={form} required options={ACTION_OPTIONS} />
        <div class="form-actions">
          <Button>Sleutel aanmaken</Button>
          <Link href={BASE}>Annuleren</Link>
        </div>
      </form>
    </Page>
  );
}

/** Programme-admin screens for API keys: list, create (raw key shown once), revoke. */
export async function apiKeyRoutes(app: FastifyInstance) {
  const db = app.ctx.database.db;

  app.get(BASE, async (req, reply) => {
    req.authorize('apikey:manage');
    const rows = await listApiKeys(db);
    const columns: Column<ApiKeyRow>[] = [
      { key: 'name', label: 'Naam', render: (r) => r.name },
      { key: 'organisation', label: 'Organisatie', render: (r) => r.organisationName ?? `#${r.organisationId}` },
      { key: 'actions', label: 'Rechten', render: (r) => actionsText(r.actions) },
      { key: 'prefix', label: 'Begint met', render: (r) => <code>{r.prefix}…</code> },
      { key: 'createdAt', label: 'Aangemaakt', render: (r) => fmt(r.createdAt) },
      { key: 'lastUsedAt', label: 'Laatst gebruikt', render: (r) => fmt(r.lastUsedAt) ?? 'Nog nooit' },
      {
        key: 'revokedAt',
        label: 'Ingetrokken',
        render: (r) =>
          r.revokedAt ? (
            fmt(r.revokedAt)
          ) : (
            <Link href={`${BASE}/${r.id}/intrekken`}>
              Intrekken<span class="visually-hidden"> ({r.name})</span>
            </Link>
          ),
      },
    ];
    return reply.page({ title: 'API-sleutels' }, (ctx) => (
      <Page ctx={ctx} title="API-sleutels" crumbs={[CRUMBS[0], { label: 'API-sleutels' }]}>
        <Heading>API-sleutels</Heading>
        <P>
          Koppelingen gebruiken een API-sleutel in de kop <code>Authorization: Bearer &lt;sleutel&gt;</code>. Alleen een onomkeerbare controlewaarde (hash)
          van de sleutel wordt bewaard; zie ook de <Link href="/api/docs">API-documentatie</Link>.
        </P>
        <p class="utrecht-paragraph">
          <ButtonLink href={`${BASE}/nieuw`} variant="primary">
            Nieuwe API-sleutel
          </ButtonLink>
        </p>
        <DataTable caption="API-sleutels, nieuwste eerst" columns={columns} rows={rows} base={BASE} query={{ page: 1, pageSize: rows.length || 1 }} empty="Er zijn nog geen API-sleutels." />
      </Page>
    ));
  });

  const newPage = async (reply: FastifyReply, form: FormState, status = 200) => {
    const { organisations } = await scopeOptions(db);
    return reply.page({ title: 'Nieuwe API-sleutel', status }, (ctx) => <NewKeyPage ctx={ctx} form={form} organisations={organisations} />);
  };

  app.get(`${BASE}/nieuw`, async (req, reply) => {
    req.authorize('apikey:manage');
    return newPage(reply, { values: {}, errors: {} });
  });

  app.post(`${BASE}/nieuw`, async (req, reply) => {
    const p = req.authorize('apikey:manage');
    const values = formValues(req.body);
    const parsed = parseForm(keySchema, values);
    const errors = parsed.ok ? {} : { ...parsed.errors };
    const orgId = Number(values.organisationId);
    if (!errors.organisationId && Number.isInteger(orgId) && orgId > 0) {
      const { organisations } = await scopeOptions(db);
      if (!organisations.some((o) => o.value === String(orgId))) errors.organisationId = 'Deze organisatie bestaat niet (meer). Kies een organisatie uit de lijst.';
    }
    if (!parsed.ok || Object.keys(errors).length) return newPage(reply, { values, errors }, 422);
    const input = parsed.data;
    const { row, raw } = await db.transaction(async (tx) => {
      const t = tx as unknown as Db;
      const created = await createApiKey(t, { name: input.name, organisationId: input.organisationId, actions: input.actions, createdBy: p.id });
      await audit(t, req.auditCtx(), {
        action: 'create',
        entity: 'api_key',
        entityId: created.row.id,
        details: { name: input.name, organisationId: input.organisationId, actions: input.actions, prefix: created.row.prefix },
      });
      // A key that reads persons: the organisation's own signal coordinators must know it exists.
      if (input.actions.includes('signals:handle')) await notifySignalCoordinators(t, app.ctx, input.organisationId, { name: input.name, prefix: created.row.prefix, by: p.email ?? p.label });
      return created;
    });
    const key = (await getApiKey(db, row.id))!;
    // Shown once, in this response only (no redirect, not cached); only the hash is stored.
    return reply.page({ title: 'API-sleutel aangemaakt', status: 201 }, (ctx) => (
      <Page ctx={ctx} title="API-sleutel aangemaakt" crumbs={[...CRUMBS, { label: 'Aangemaakt' }]}>
        <Heading>API-sleutel aangemaakt</Heading>
        <Alert kind="warning">
          Kopieer de sleutel nu en bewaar hem veilig. Hij wordt maar één keer getoond: wij bewaren alleen een onomkeerbare controlewaarde (hash) en
          kunnen hem niet opnieuw laten zien. Kwijt? Trek de sleutel in en maak een nieuwe.
        </Alert>
        <Heading level={2}>De sleutel</Heading>
        <p class="secret-once">
          <code>{raw}</code>
        </p>
        <SummaryList items={[['Naam', key.name], ['Organisatie', key.organisationName], ['Rechten', actionsText(key.actions)]]} />
        <P>
          Gebruik: stuur bij elk verzoek de kop <code>Authorization: Bearer {'<sleutel>'}</code> mee. Zie de <Link href="/api/docs">API-documentatie</Link>.
        </P>
        <P>
          <Link href={BASE}>Terug naar de API-sleutels</Link>
        </P>
      </Page>
    ));
  });

  const loadKey = async (req: FastifyRequest) => {
    req.authorize('apikey:manage');
    const key = await getApiKey(db, pathId((req.params as { id: string }).id));
    if (!key) throw new NotFoundError();
    return key;
  };

  app.get(`${BASE}/:id/intrekken`, async (req, reply) => {
    const key = await loadKey(req);
    return reply.page({ title: 'API-sleutel intrekken' }, (ctx) => (
      <Page ctx={ctx} title="API-sleutel intrekken" crumbs={[...CRUMBS, { label: 'Intrekken' }]}>
        <Heading>API-sleutel intrekken</Heading>
        <SummaryList items={[['Naam', key.name], ['Organisatie', key.organisationName], ['Begint met', <code>{key.prefix}…</code>], ['Laatst gebruikt', fmt(key.lastUsedAt) ?? 'Nog nooit']]} />
        {key.revokedAt ? (
          <P>Deze sleutel is al ingetrokken op {fmt(key.revokedAt)}.</P>
        ) : (
          <>
            <Alert kind="warning">Na intrekken werkt de sleutel direct niet meer. Koppelingen die hem gebruiken, krijgen dan een foutmelding. Dit kan niet ongedaan worden gemaakt.</Alert>
            <form method="post" action={`${BASE}/${key.id}/intrekken`} class="form-actions">
              <CsrfField token={ctx.csrfToken} />
              <Button>Ja, sleutel intrekken</Button>
              <Link href={BASE}>Nee, terug</Link>
            </form>
          </>
        )}
      </Page>
    ));
  });

  app.post(`${BASE}/:id/intrekken`, async (req, reply) => {
    const key = await loadKey(req);
    const done = await db.transaction(async (tx) => {
      const t = tx as unknown as Db;
      const ok = await revokeApiKey(t, key.id);
      if (ok) await audit(t, req.auditCtx(), { action: 'revoke', entity: 'api_key', entityId: key.id, details: { name: key.name, prefix: key.prefix } });
      return ok;
    });
    forgetApiKeys(); // after the commit: no request may still use the revoked key
    reply.flash(done ? 'success' : 'info', done ? `De sleutel "${key.name}" is ingetrokken.` : `De sleutel "${key.name}" was al ingetrokken.`);
    return reply.redirect(BASE, 303);
  });
}
