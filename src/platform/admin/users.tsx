import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Page, type PageContext } from '../views/layout.js';
import {
  Button,
  ButtonLink,
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
  listUrl,
  type Column,
  type FormState,
  type ListQuery,
  type Option,
} from '../views/components.js';
import { formValues, listParams, pathId } from '../http/forms.js';
import { NotFoundError } from '../http/errors.js';
import { isRole, ROLE_LABELS, ROLE_SCOPE, ROLES, type Role } from '../access.js';
import { audit } from '../audit.js';
import { CONTENT_TYPES, writeTable, type Format } from '../tabular.js';
import { INVITATION_DAYS } from '../auth/service.js';
import {
  addGrant,
  allUsers,
  getUserDetail,
  grantLabel,
  inviteUser,
  listUsers,
  removeGrant,
  resendInvitation,
  scopeOptions,
  setUserActive,
  USER_SORTS,
  USER_STATUS_LABELS,
  USER_STATUSES,
  type GrantView,
  type ScopeOptions,
  type UserDetail,
  type UserFilter,
  type UserRow,
  type UserStatus,
} from './users-service.js';

const BASE = '/beheer/gebruikers';
const fmt = (d: Date | null) => (d ? d.toLocaleString('nl-NL', { timeZone: 'Europe/Amsterdam', dateStyle: 'medium', timeStyle: 'short' }) : null);
const CRUMBS = [{ href: '/beheer', label: 'Overzicht' }, { href: BASE, label: 'Gebruikers' }];

const ROLE_OPTIONS: Option[] = ROLES.map((r) => ({ value: r, label: ROLE_LABELS[r] }));
const rolesFor = (scope: 'none' | 'municipality' | 'organisation') =>
  ROLES.filter((r) => ROLE_SCOPE[r] === scope)
    .map((r) => ROLE_LABELS[r])
    .join(', ');
const SCOPE_HINT = {
  municipality: `Alleen bij de rollen ${rolesFor('municipality')}.`,
  organisation: `Alleen bij de rollen ${rolesFor('organisation')}.`,
};

/** Reads the list filters from the query string; unknown values are ignored. */
function readFilter(q: Record<string, string>): Omit<UserFilter, 'page' | 'pageSize'> & { page: number; pageSize: number } {
  const lp = listParams(q, [...USER_SORTS], 'name');
  return {
    q: lp.q || undefined,
    role: q.rol && isRole(q.rol) ? (q.rol as Role) : undefined,
    status: (USER_STATUSES as readonly string[]).includes(q.status) ? (q.status as UserStatus) : undefined,
    sort: lp.sort as UserFilter['sort'],
    dir: lp.dir,
    page: lp.page,
    pageSize: lp.pageSize,
  };
}

function GrantFields({ form, scopes }: { form: FormState; scopes: ScopeOptions }) {
  return (
    <>
      <SelectField name="role" label="Rol" form={form} required placeholder="Kies een rol" options={ROLE_OPTIONS} />
      <SelectField name="municipalityId" label="Gemeente" hint={SCOPE_HINT.municipality} form={form} placeholder="Geen gemeente" options={scopes.municipalities} />
      <SelectField name="organisationId" label="Organisatie" hint={SCOPE_HINT.organisation} form={form} placeholder="Geen organisatie" options={scopes.organisations} />
    </>
  );
}

const FIELD_LABELS = { name: 'Naam', email: 'E-mailadres', role: 'Rol', municipalityId: 'Gemeente', organisationId: 'Organisatie' };

function InvitePage({ ctx, form, scopes }: { ctx: PageContext; form: FormState; scopes: ScopeOptions }) {
  return (
    <Page ctx={ctx} title="Gebruiker uitnodigen" crumbs={[...CRUMBS, { label: 'Uitnodigen' }]}>
      <Heading>Gebruiker uitnodigen</Heading>
      <P>
        De gebruiker krijgt een e-mail met een link om een wachtwoord te kiezen. De link is {INVITATION_DAYS} dagen geldig en werkt één keer. Kies
        bij de rol de gemeente of organisatie waarvoor die geldt; het programmateam geldt landelijk.
      </P>
      <ErrorSummary errors={form.errors} labels={FIELD_LABELS} />
      <form method="post" action={`${BASE}/uitnodigen`} novalidate class="form">
        <CsrfField token={ctx.csrfToken} />
        <TextField name="name" label="Naam" autocomplete="off" form={form} required />
        <TextField name="email" label="E-mailadres" type="email" autocomplete="off" form={form} required hint="Hier komt de uitnodiging naartoe. Ook het inloggen gaat met dit adres." />
        <GrantFields form={form} scopes={scopes} />
        <div class="form-actions">
          <Button>Uitnodiging versturen</Button>
          <Link href={BASE}>Annuleren</Link>
        </div>
      </form>
    </Page>
  );
}

function DetailPage({ ctx, u, form, scopes }: { ctx: PageContext; u: UserDetail; form: FormState; scopes: ScopeOptions }) {
  const self = ctx.principal?.id === u.id;
  const columns: Column<GrantView>[] = [
    { key: 'role', label: 'Rol', render: (g) => ROLE_LABELS[g.role] },
    { key: 'scope', label: 'Geldt voor', render: (g) => g.scopeName ?? (ROLE_SCOPE[g.role] === 'none' ? 'Landelijk' : '—') },
    {
      key: 'actions',
      label: 'Actie',
      render: (g) => (
        <form method="post" action={`${BASE}/${u.id}/rollen/${g.id}/verwijderen`} class="inline-form" data-confirm={`Rol ${grantLabel(g)} intrekken?`}>
          <CsrfField token={ctx.csrfToken} />
          <Button variant="secondary">
            Intrekken<span class="visually-hidden">: {grantLabel(g)}</span>
          </Button>
        </form>
      ),
    },
  ];
  const inv = u.invitation;
  const invitationText =
    u.status !== 'pending'
      ? null
      : !inv
        ? 'Nog geen uitnodiging verstuurd'
        : inv.usedAt
          ? 'Link ongeldig gemaakt; stuur een nieuwe uitnodiging'
          : inv.expiresAt <= new Date()
            ? `Verlopen op ${fmt(inv.expiresAt)}`
            : `Verstuurd op ${fmt(inv.createdAt)}, geldig tot ${fmt(inv.expiresAt)}`;
  return (
    <Page ctx={ctx} title={u.name} crumbs={[...CRUMBS, { label: u.name }]}>
      <Heading>{u.name}</Heading>
      <SummaryList
        items={[
          ['E-mailadres', u.email],
          ['Status', USER_STATUS_LABELS[u.status]],
          ['Uitnodiging', invitationText],
          ['Laatst ingelogd', fmt(u.lastLoginAt) ?? 'Nog nooit'],
          ['Actieve sessies', String(u.liveSessions)],
          ['Account aangemaakt', fmt(u.createdAt)],
        ]}
      />

      <Heading level={2}>Rollen</Heading>
      <DataTable caption={`Rollen van ${u.name}`} columns={columns} rows={u.grants} base={`${BASE}/${u.id}`} query={{ page: 1, pageSize: 100 }} empty="Deze gebruiker heeft geen rollen en ziet daardoor niets." />

      <Heading level={2}>Rol toevoegen</Heading>
      <ErrorSummary errors={form.errors} labels={FIELD_LABELS} />
      <form method="post" action={`${BASE}/${u.id}/rollen`} novalidate class="form">
        <CsrfField token={ctx.csrfToken} />
        <GrantFields form={form} scopes={scopes} />
        <div class="form-actions">
          <Button>Rol toevoegen</Button>
        </div>
      </form>

      {u.status === 'pending' && (
        <>
          <Heading level={2}>Uitnodiging</Heading>
          <P>Een nieuwe uitnodiging maakt de vorige link ongeldig.</P>
          <form method="post" action={`${BASE}/${u.id}/uitnodiging-opnieuw`} class="form-actions">
            <CsrfField token={ctx.csrfToken} />
            <Button variant="secondary">Uitnodiging opnieuw versturen</Button>
          </form>
        </>
      )}

      <section class="danger-zone" aria-labelledby="account-titel">
        <h2 class="utrecht-heading-2" id="account-titel">
          Account
        </h2>
        {u.active ? (
          self ? (
            <P>U kunt uw eigen account niet deactiveren.</P>
          ) : (
            <>
              <P>Na deactiveren kan deze gebruiker niet meer inloggen en worden alle sessies direct beëindigd. U kunt het account later weer activeren.</P>
              <form method="post" action={`${BASE}/${u.id}/deactiveren`} class="form-actions" data-confirm={`Account van ${u.name} deactiveren?`}>
                <CsrfField token={ctx.csrfToken} />
                <Button variant="secondary">Account deactiveren</Button>
              </form>
            </>
          )
        ) : (
          <>
            <P>Dit account is gedeactiveerd. Na activeren kan de gebruiker weer inloggen met de bestaande rollen.</P>
            <form method="post" action={`${BASE}/${u.id}/activeren`} class="form-actions">
              <CsrfField token={ctx.csrfToken} />
              <Button variant="secondary">Account activeren</Button>
            </form>
          </>
        )}
      </section>
    </Page>
  );
}

/** User administration (programme admins only): list, export, invite, roles, (de)activation. */
export async function userRoutes(app: FastifyInstance) {
  const { database, config } = app.ctx;
  const db = database.db;
  const mailDeps = () => ({ jobs: app.ctx.jobs, config });

  app.get(BASE, async (req, reply) => {
    req.authorize('user:manage');
    const f = readFilter(req.query as Record<string, string>);
    const { rows, total } = await listUsers(db, f);
    await audit(db, req.auditCtx(), { action: 'read_personal', entity: 'user', details: { list: true, shown: rows.length, q: f.q || undefined } });
    const query: ListQuery = { q: f.q, rol: f.role, status: f.status, sort: f.sort, dir: f.dir, page: f.page, pageSize: f.pageSize };
    const columns: Column<UserRow>[] = [
      { key: 'name', label: 'Naam', sortable: true, render: (r) => <Link href={`${BASE}/${r.id}`}>{r.name}</Link> },
      { key: 'email', label: 'E-mailadres', sortable: true, render: (r) => r.email },
      { key: 'roles', label: 'Rollen', render: (r) => (r.grants.length ? r.grants.map(grantLabel).join('; ') : 'Geen') },
      { key: 'status', label: 'Status', sortable: true, render: (r) => USER_STATUS_LABELS[r.status] },
      { key: 'lastLoginAt', label: 'Laatst ingelogd', sortable: true, render: (r) => fmt(r.lastLoginAt) ?? 'Nog nooit' },
    ];
    const form = { values: { q: f.q, rol: f.role, status: f.status }, errors: {} };
    const exportQuery = { q: f.q, rol: f.role, status: f.status, sort: f.sort, dir: f.dir };
    return reply.page({ title: 'Gebruikers' }, (ctx) => (
      <Page ctx={ctx} title="Gebruikers" crumbs={[CRUMBS[0], { label: 'Gebruikers' }]}>
        <Heading>Gebruikers</Heading>
        <p class="utrecht-paragraph">
          <ButtonLink href={`${BASE}/uitnodigen`} variant="primary">
            Gebruiker uitnodigen
          </ButtonLink>
        </p>
        <form method="get" action={BASE} class="filter-form" role="search" novalidate aria-label="Gebruikers zoeken en filteren">
          <TextField name="q" label="Zoek op naam of e-mailadres" type="search" form={form} filter />
          <SelectField name="rol" label="Rol" form={form} filter placeholder="Alle rollen" options={ROLE_OPTIONS} />
          <SelectField name="status" label="Status" form={form} filter placeholder="Alle" options={USER_STATUSES.map((s) => ({ value: s, label: USER_STATUS_LABELS[s] }))} />
          <button class="utrecht-button utrecht-button--secondary-action" type="submit">
            Zoeken
          </button>
        </form>
        <DataTable caption="Gebruikers" columns={columns} rows={rows} base={BASE} query={query} />
        <Pagination base={BASE} query={query} total={total} />
        <P>
          Deze lijst downloaden: <Link href={listUrl(`${BASE}/export`, { ...exportQuery, format: 'csv' })}>CSV</Link> ·{' '}
          <Link href={listUrl(`${BASE}/export`, { ...exportQuery, format: 'xlsx' })}>Excel (XLSX)</Link>
        </P>
      </Page>
    ));
  });

  app.get(`${BASE}/export`, async (req, reply) => {
    req.authorize('user:manage');
    const q = req.query as Record<string, string>;
    const format: Format = q.format === 'xlsx' ? 'xlsx' : 'csv';
    const f = readFilter(q);
    const rows = await allUsers(db, f);
    const body = await writeTable(
      rows,
      [
        { header: 'id', value: (r) => r.id },
        { header: 'name', value: (r) => r.name },
        { header: 'email', value: (r) => r.email },
        { header: 'status', value: (r) => r.status },
        { header: 'roles', value: (r) => r.grants.map((g) => `${g.role}${g.scopeName ? ` (${g.scopeName})` : ''}`).join('; ') },
        { header: 'last_login_at', value: (r) => r.lastLoginAt?.toISOString() },
        { header: 'created_at', value: (r) => r.createdAt.toISOString() },
      ],
      format,
      { sheetName: 'Gebruikers' },
    );
    await audit(db, req.auditCtx(), { action: 'export', entity: 'user', details: { format, rows: rows.length, filter: { q: f.q, role: f.role, status: f.status } } });
    const date = new Date().toISOString().slice(0, 10);
    return reply
      .header('content-type', CONTENT_TYPES[format])
      .header('content-disposition', `attachment; filename="gebruikers-${date}.${format}"`)
      .header('cache-control', 'no-store')
      .send(body);
  });

  const invitePage = async (reply: FastifyReply, form: FormState, status = 200) => {
    const scopes = await scopeOptions(db);
    return reply.page({ title: 'Gebruiker uitnodigen', status }, (ctx) => <InvitePage ctx={ctx} form={form} scopes={scopes} />);
  };

  app.get(`${BASE}/uitnodigen`, async (req, reply) => {
    req.authorize('user:manage');
    return invitePage(reply, { values: {}, errors: {} });
  });

  app.post(`${BASE}/uitnodigen`, async (req, reply) => {
    req.authorize('user:manage');
    const values = formValues(req.body);
    const r = await inviteUser(db, mailDeps(), req.auditCtx(), values);
    if (!r.ok) return invitePage(reply, { values, errors: r.errors }, 422);
    reply.flash('success', `De uitnodiging is verstuurd naar ${String(values.email).trim()}.`);
    return reply.redirect(`${BASE}/${r.userId}`, 303);
  });

  const detailPage = async (req: FastifyRequest, reply: FastifyReply, id: number, form: FormState = { values: {}, errors: {} }, status = 200) => {
    const [u, scopes] = await Promise.all([getUserDetail(db, id), scopeOptions(db)]);
    if (!u) throw new NotFoundError();
    return reply.page({ title: u.name, status }, (ctx) => <DetailPage ctx={ctx} u={u} form={form} scopes={scopes} />);
  };

  app.get(`${BASE}/:id`, async (req, reply) => {
    req.authorize('user:manage');
    const id = pathId((req.params as { id: string }).id);
    const page = await detailPage(req, reply, id);
    if (reply.statusCode === 200) await audit(db, req.auditCtx(), { action: 'read_personal', entity: 'user', entityId: id });
    return page;
  });

  /** Loads the user (404 when missing) for a POST; authorisation comes first. */
  const target = async (req: FastifyRequest) => {
    req.authorize('user:manage');
    const id = pathId((req.params as { id: string }).id);
    const u = await getUserDetail(db, id);
    if (!u) throw new NotFoundError();
    return u;
  };
  const back = (reply: FastifyReply, id: number, kind: 'success' | 'error', message: string) => {
    reply.flash(kind, message);
    return reply.redirect(`${BASE}/${id}`, 303);
  };

  app.post(`${BASE}/:id/rollen`, async (req, reply) => {
    const u = await target(req);
    const values = formValues(req.body);
    const r = await addGrant(db, req.auditCtx(), u.id, values);
    if (!r.ok) return detailPage(req, reply, u.id, { values, errors: r.errors }, 422);
    return back(reply, u.id, 'success', 'De rol is toegevoegd.');
  });

  app.post(`${BASE}/:id/rollen/:grantId/verwijderen`, async (req, reply) => {
    const u = await target(req);
    const grantId = pathId((req.params as { grantId: string }).grantId);
    const r = await removeGrant(db, req.auditCtx(), u.id, grantId);
    if (!r.ok) {
      if (r.notFound) throw new NotFoundError();
      return back(reply, u.id, 'error', r.message);
    }
    return back(reply, u.id, 'success', 'De rol is ingetrokken.');
  });

  app.post(`${BASE}/:id/deactiveren`, async (req, reply) => {
    const u = await target(req);
    const r = await setUserActive(db, req.auditCtx(), u.id, false);
    return r.ok ? back(reply, u.id, 'success', `Het account van ${u.name} is gedeactiveerd; alle sessies zijn beëindigd.`) : back(reply, u.id, 'error', r.message);
  });

  app.post(`${BASE}/:id/activeren`, async (req, reply) => {
    const u = await target(req);
    const r = await setUserActive(db, req.auditCtx(), u.id, true);
    return r.ok ? back(reply, u.id, 'success', `Het account van ${u.name} is weer actief.`) : back(reply, u.id, 'error', r.message);
  });

  app.post(`${BASE}/:id/uitnodiging-opnieuw`, async (req, reply) => {
    const u = await target(req);
    const r = await resendInvitation(db, mailDeps(), req.auditCtx(), u.id);
    return r.ok ? back(reply, u.id, 'success', `Er is een nieuwe uitnodiging verstuurd naar ${u.email}. De vorige link werkt niet meer.`) : back(reply, u.id, 'error', r.message);
  });
}

