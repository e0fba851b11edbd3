import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { Page, type Crumb } from '../../platform/views/layout.js';
import {
  Alert,
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
  TextArea,
  TextField,
  type Column,
  type FormState,
  type ListQuery,
} from '../../platform/views/components.js';
import { emailField, formValues, listParams, optionalText, parseForm, pathId, safeReturnPath } from '../../platform/http/forms.js';
import { NotFoundError } from '../../platform/http/errors.js';
import { audit } from '../../platform/audit.js';
import { sha256 } from '../../platform/crypto.js';
import { CONTENT_TYPES, writeTable, type TableColumn } from '../../platform/tabular.js';
import { CBS_CODE_MESSAGE, CBS_MUNICIPALITY, normaliseCbsCode } from '../registry/service.js';
import { nlDate } from '../registry/ui.js';
import { amsterdamDate, RESPONDENT_PATH } from './links.js';
import { EDITION_STATUS_LABELS, getEdition, type Edition, type EditionStatus } from './service.js';
import {
  addInvitation,
  changeInvitationContact,
  generateInvitations,
  getInvitation,
  invitationByToken,
  invitationCounts,
  INVITATION_FILTER_LABELS,
  INVITATION_FILTER_SLUGS,
  INVITATION_FILTERS,
  INVITATION_STATUS_LABELS,
  InvitationRuleError,
  listInvitations,
  mailDeps,
  nonResponders,
  optOutOfReminders,
  planInvitations,
  preparationProblem,
  resendInvitation,
  responseByProvince,
  responseTotal,
  revokeInvitation,
  sendingProblem,
  sendInvitations,
  type InvitationFilter,
  type InvitationRow,
} from './invitations-service.js';
import { reminderPointsText, sendRemindersNow } from './reminders.js';
import type { ProvinceResponse } from './results-types.js';

/**
 * Invitations, reminders and the response monitor of a benchmark edition (programme team,
 * 'benchmark:manage'), and the respondent's opt-out of reminders (through the personal link).
 */

const EDITIONS = '/benchmark/edities';
const invitationsPath = (e: { id: number }) => `${EDITIONS}/${e.id}/uitnodigingen`;
const responsePath = (e: { id: number }) => `${EDITIONS}/${e.id}/respons`;

const crumbsOf = (e: Edition, ...rest: Crumb[]): Crumb[] => [
  { href: '/benchmark', label: 'Benchmark' },
  { href: EDITIONS, label: 'Meetmomenten' },
  { href: `${EDITIONS}/${e.id}`, label: e.title },
  ...rest,
];

const LABELS: Record<string, string> = {
  contactName: 'Naam contactpersoon',
  contactEmail: 'E-mailadres contactpersoon',
  gemeenten: 'Gemeenten',
};

const MAX_CODES = 50;
const codesField = z
  .string({ message: 'Vul ten minste één CBS-gemeentecode in, zoals GM0363.' })
  .transform((s, ctx) => {
    const codes = s
      .split(/[\s,;]+/)
      .filter(Boolean)
      .map((c) => String(normaliseCbsCode(c)).replace(/^GM(\d{1,3})$/, (_, d: string) => `GM${d.padStart(4, '0')}`));
    const fail = (message: string) => {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    if (!codes.length) return fail('Vul ten minste één CBS-gemeentecode in, zoals GM0363.');
    const bad = codes.filter((c) => !CBS_MUNICIPALITY.test(c));
    if (bad.length) return fail(`Geen geldige CBS-gemeentecode: ${bad.join(', ')}. ${CBS_CODE_MESSAGE}`);
    const dup = codes.filter((c, i) => codes.indexOf(c) !== i);
    if (dup.length) return fail(`Deze code staat er meer dan één keer in: ${[...new Set(dup)].join(', ')}.`);
    if (codes.length > MAX_CODES) return fail(`Vul hoogstens ${MAX_CODES} gemeenten in.`);
    return codes;
  });
const manualSchema = z.object({ contactName: optionalText(200), contactEmail: emailField(), gemeenten: codesField });
const contactSchema = z.object({ contactName: optionalText(200), contactEmail: emailField() });

const dateOf = (d: Date | null | undefined) => (d ? nlDate(amsterdamDate(d)) : null);
const isoDateOf = (d: Date | null | undefined) => (d ? amsterdamDate(d) : null);
const percent = (v: number | null) => (v == null ? '—' : `${v.toLocaleString('nl-NL', { minimumFractionDigits: 1, maximumFractionDigits: 1 })}%`);
const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
const namesList = (names: string[], max = 10) => (names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} en ${names.length - max} andere`);

const statusText = (r: InvitationRow) => `${INVITATION_STATUS_LABELS[r.status]}${r.optedOutAt && r.status !== 'revoked' ? ' (afgemeld voor herinneringen)' : ''}`;
const municipalitiesText = (r: InvitationRow) => r.municipalities.map((m, i) => (i === 0 && r.municipalities.length > 1 ? `${m.name} (hoofdgemeente)` : m.name)).join(', ');

function filterFromSlug(v: unknown): InvitationFilter | undefined {
  return INVITATION_FILTERS.find((f) => INVITATION_FILTER_SLUGS[f] === v);
}

/** Non-responders for phoning (audited as an export of personal data). */
const NON_RESPONDER_COLUMNS: TableColumn<InvitationRow>[] = [
  { header: 'contact_name', value: (r) => r.contactName },
  { header: 'contact_email', value: (r) => r.contactEmail },
  { header: 'municipalities', value: (r) => r.municipalities.map((m) => m.name).join(', ') },
  { header: 'cbs_codes', value: (r) => r.municipalities.map((m) => m.cbsCode).join(', ') },
  { header: 'province', value: (r) => r.provinceName },
  { header: 'status', value: (r) => INVITATION_STATUS_LABELS[r.status] },
  { header: 'invited_on', value: (r) => isoDateOf(r.sentAt) },
  { header: 'reminders_sent', value: (r) => r.remindersSent },
  { header: 'last_reminder_on', value: (r) => isoDateOf(r.lastReminderAt) },
  { header: 'opted_out_of_reminders', value: (r) => (r.optedOutAt ? 'ja' : 'nee') },
];

export async function invitationRoutes(app: FastifyInstance) {
  const db = app.ctx.database.db;
  const deps = () => mailDeps(app.ctx);

  /** The edition of an admin route; only the programme team (403 for others), 404 for an unknown id. */
  async function loadEdition(req: FastifyRequest): Promise<Edition> {
    req.authorize('benchmark:manage');
    const e = await getEdition(db, pathId((req.params as { id?: string }).id));
    if (!e) throw new NotFoundError();
    return e;
  }
  async function loadInvitation(req: FastifyRequest) {
    const e = await loadEdition(req);
    const inv = await getInvitation(db, e.id, pathId((req.params as { invitationId?: string }).invitationId));
    if (!inv) throw new NotFoundError();
    return { e, inv };
  }

  /** Runs an action that a benchmark rule may refuse: the refusal becomes an error message on the page it came from. */
  async function ruled(reply: FastifyReply, back: string, run: () => Promise<string>) {
    try {
      reply.flash('success', await run());
    } catch (err) {
      if (!(err instanceof InvitationRuleError)) throw err;
      reply.flash('error', err.message);
    }
    return reply.redirect(back, 303);
  }

  // ----- the list -----
  app.get(`${EDITIONS}/:id/uitnodigingen`, async (req, reply) => {
    const e = await loadEdition(req);
    const q = req.query as Record<string, string>;
    const lp = listParams(q, [], 'name', 50);
    const status = filterFromSlug(q.status);
    const prepare = preparationProblem(e);
    const send = sendingProblem(e);
    const [{ rows, total }, counts, plan] = await Promise.all([
      listInvitations(db, e.id, { status, q: lp.q, page: lp.page, pageSize: lp.pageSize }),
      invitationCounts(db, e.id),
      prepare ? null : planInvitations(db, e.id),
    ]);
    await audit(db, req.auditCtx(), { action: 'read_personal', entity: 'benchmark_invitation', details: { editionId: e.id, list: true, shown: rows.length, status, q: lp.q || undefined } });
    const base = invitationsPath(e);
    const query: ListQuery = { q: lp.q, page: lp.page, pageSize: lp.pageSize, status: status ? INVITATION_FILTER_SLUGS[status] : undefined };
    const all = INVITATION_FILTERS.reduce((s, f) => (f === 'opted_out' ? s : s + counts[f]), 0);
    const here = listUrl(base, query);
    const title = `Uitnodigingen ${e.title}`;
    return reply.page({ title }, (ctx) => {
      const columns: Column<InvitationRow>[] = [
        {
          key: 'municipalities',
          label: 'Gemeente(n)',
          render: (r) => <Link href={`${base}/${r.id}`}>{municipalitiesText(r)}</Link>,
        },
        { key: 'province', label: 'Provincie', render: (r) => r.provinceName },
        {
          key: 'contact',
          label: 'Contactpersoon',
          render: (r) => (
            <>
              {r.contactName ?? '—'}
              <br />
              {r.contactEmail}
            </>
          ),
        },
        { key: 'status', label: 'Status', render: statusText },
        { key: 'sentAt', label: 'Verstuurd op', render: (r) => dateOf(r.sentAt) ?? '—' },
        { key: 'reminders', label: 'Herinneringen', numeric: true, render: (r) => r.remindersSent },
        {
          key: 'actions',
          label: 'Acties',
          render: (r) =>
            r.status === 'revoked' ? (
              '—'
            ) : (
              <>
                {!send && (
                  <form method="post" action={`${base}/${r.id}/opnieuw-versturen`} class="inline-form">
                    <CsrfField token={ctx.csrfToken} />
                    <input type="hidden" name="terug" value={here} />
                    <Button variant="secondary">
                      {r.sentAt ? 'Opnieuw versturen' : 'Versturen'}
                      <span class="visually-hidden">: {municipalitiesText(r)}</span>
                    </Button>
                  </form>
                )}{' '}
                <Link href={`${base}/${r.id}/intrekken`}>
                  Intrekken<span class="visually-hidden">: {municipalitiesText(r)}</span>
                </Link>
              </>
            ),
        },
      ];
      const form = { values: { q: lp.q, status: query.status }, errors: {} };
      return (
        <Page ctx={ctx} title={title} crumbs={crumbsOf(e, { label: 'Uitnodigingen' })}>
          <Heading>{title}</Heading>
          <SummaryList
            items={[
              ['Status van de meting', EDITION_STATUS_LABELS[e.status as EditionStatus] ?? e.status],
              ['Open van', nlDate(e.opensOn)],
              ['Sluitdatum', nlDate(e.closesOn)],
              ['Herinneringen', reminderPointsText(e)],
              ['Uitnodigingen', `${all} (waarvan ${counts.revoked} ingetrokken)`],
            ]}
          />
          <P>
            <Link href={responsePath(e)}>Responsmonitor: wie heeft de vragenlijst ingevuld?</Link>
          </P>
          {prepare && send ? (
            <Alert kind="info">{prepare}</Alert>
          ) : (
            <>
              <Heading level={2}>Acties</Heading>
              {plan && (
                <P>
                  {plan.invitations.length
                    ? `Volgens de registratie kunnen nog ${plural(plan.invitations.length, 'uitnodiging', 'uitnodigingen')} worden aangemaakt (voor ${plural(plan.invitations.reduce((s, i) => s + i.municipalities.length, 0), 'gemeente', 'gemeenten')}).`
                    : 'Alle deelnemende gemeenten (vijf pijlers ondertekend) met een contactpersoon hebben een uitnodiging.'}{' '}
                  Eén uitnodiging per deelnemende gemeente: alleen een gezamenlijke aanpak krijgt één uitnodiging voor de hoofdgemeente met alle deelnemende
                  gemeenten. Is iemand contactpersoon van meer gemeenten zonder gezamenlijke aanpak, dan krijgt die per gemeente een eigen uitnodiging.
                </P>
              )}
              {plan && plan.skippedNoEmail.length > 0 && (
                <div class="utrecht-alert utrecht-alert--warning" role="status">
                  <p class="utrecht-paragraph">
                    <strong>Geen e-mailadres bekend:</strong> deze deelnemende gemeenten krijgen geen uitnodiging tot het e-mailadres van de contactpersoon bij de
                    deelname is ingevuld.
                  </p>
                  <ul class="utrecht-unordered-list">
                    {plan.skippedNoEmail.map((m) => (
                      <li class="utrecht-unordered-list__item">
                        <Link href={`/beheer/deelnames/${m.participationId}/bewerken`}>
                          {m.name} ({m.cbsCode})
                        </Link>
                      </li>
                    ))}
                  </ul>
                </div>
              )}
              <ul class="action-list">
                {!prepare && (
                  <li>
                    <form method="post" action={`${base}/genereren`} class="inline-form">
                      <CsrfField token={ctx.csrfToken} />
                      <Button variant="primary">Uitnodigingen aanmaken uit de registratie</Button>
                    </form>
                  </li>
                )}
                {!send && (
                  <li>
                    <form method="post" action={`${base}/versturen`} class="inline-form">
                      <CsrfField token={ctx.csrfToken} />
                      <Button variant="secondary">Niet verstuurde uitnodigingen versturen ({counts.not_sent})</Button>
                    </form>
                  </li>
                )}
                {!send && (
                  <li>
                    <form method="post" action={`${base}/herinneren`} class="inline-form">
                      <CsrfField token={ctx.csrfToken} />
                      <Button variant="secondary">Herinnering nu versturen</Button>
                    </form>
                  </li>
                )}
                {!prepare && (
                  <li>
                    <Link href={`${base}/nieuw`}>Uitnodiging met de hand toevoegen</Link>
                  </li>
                )}
              </ul>
              {send && <P class="muted">{send}</P>}
              {!send && (
                <P class="muted">
                  "Herinnering nu versturen" stuurt een herinnering aan iedereen die de vragenlijst nog niet heeft ingediend, behalve wie zich heeft afgemeld
                  voor herinneringen of vandaag al een herinnering kreeg. Ingetrokken en nog niet verstuurde uitnodigingen krijgen niets.
                </P>
              )}
            </>
          )}
          <Heading level={2}>Alle uitnodigingen</Heading>
          <form method="get" action={base} class="filter-form" role="search" novalidate aria-label="Uitnodigingen zoeken en filteren">
            <TextField name="q" label="Zoek op gemeente, CBS-code of contactpersoon" type="search" form={form} filter />
            <SelectField
              name="status"
              label="Status"
              form={form}
              placeholder={`Alle (${all})`}
              filter
              options={INVITATION_FILTERS.map((f) => ({ value: INVITATION_FILTER_SLUGS[f], label: `${INVITATION_FILTER_LABELS[f]} (${counts[f]})` }))}
            />
            <button class="utrecht-button utrecht-button--secondary-action" type="submit">
              Zoeken
            </button>
          </form>
          <DataTable caption="Uitnodigingen" columns={columns} rows={rows} base={base} query={query} empty="Er zijn (nog) geen uitnodigingen die hierbij passen." />
          <Pagination base={base} query={query} total={total} />
        </Page>
      );
    });
  });

  // ----- generate, send, remind -----
  app.post(`${EDITIONS}/:id/uitnodigingen/genereren`, async (req, reply) => {
    const e = await loadEdition(req);
    return ruled(reply, invitationsPath(e), async () => {
      const r = await generateInvitations(db, app.ctx.cipher, req.auditCtx(), e.id);
      const parts = [`${plural(r.created, 'uitnodiging', 'uitnodigingen')} aangemaakt.`];
      if (r.alreadyInvited) parts.push(`${plural(r.alreadyInvited, 'gemeente had', 'gemeenten hadden')} al een uitnodiging.`);
      if (r.handedOver.length) parts.push(`De antwoorden die al via een ingetrokken uitnodiging waren ingevuld, zijn overgezet naar de nieuwe uitnodiging voor: ${namesList(r.handedOver)}.`);
      if (r.skippedNoEmail.length) parts.push(`Geen e-mailadres van de contactpersoon bekend voor: ${namesList(r.skippedNoEmail)}. Vul dit aan bij de deelnames.`);
      if (r.created) parts.push('De uitnodigingen zijn nog niet verstuurd.');
      return parts.join(' ');
    });
  });

  app.post(`${EDITIONS}/:id/uitnodigingen/versturen`, async (req, reply) => {
    const e = await loadEdition(req);
    return ruled(reply, invitationsPath(e), async () => {
      const r = await sendInvitations(db, deps(), e.id, req.auditCtx());
      return r.sent ? `${plural(r.sent, 'uitnodiging is', 'uitnodigingen zijn')} verstuurd.` : 'Er waren geen uitnodigingen die nog verstuurd moesten worden.';
    });
  });

  app.post(`${EDITIONS}/:id/uitnodigingen/herinneren`, async (req, reply) => {
    const e = await loadEdition(req);
    return ruled(reply, invitationsPath(e), async () => {
      const r = await sendRemindersNow(db, deps(), req.auditCtx(), e.id);
      return r.sent ? `${plural(r.sent, 'herinnering is', 'herinneringen zijn')} verstuurd.` : 'Er is niemand die nu een herinnering kan krijgen.';
    });
  });

  // ----- add by hand -----
  const manualPage = (reply: FastifyReply, e: Edition, form: FormState, status?: number) => {
    const title = 'Uitnodiging met de hand toevoegen';
    return reply.page({ title, status }, (ctx) => (
      <Page ctx={ctx} title={title} crumbs={crumbsOf(e, { href: invitationsPath(e), label: 'Uitnodigingen' }, { label: 'Toevoegen' })}>
        <Heading>{title}</Heading>
        <P>
          Voor een contactpersoon die niet (goed) in de registratie staat. De uitnodiging wordt nog niet verstuurd: dat doet u daarna op de lijst met
          uitnodigingen.
        </P>
        <ErrorSummary errors={form.errors} labels={LABELS} />
        <form method="post" action={`${invitationsPath(e)}/nieuw`} class="form" novalidate>
          <CsrfField token={ctx.csrfToken} />
          <TextField name="contactName" label={LABELS.contactName!} form={form} autocomplete="off" hint="Voor de aanhef van de e-mail." />
          <TextField name="contactEmail" label={LABELS.contactEmail!} form={form} type="email" autocomplete="off" required hint="Hierheen gaat de persoonlijke link." />
          <TextArea
            name="gemeenten"
            label={LABELS.gemeenten!}
            form={form}
            rows={3}
            required
            hint="CBS-codes, gescheiden door komma's, spaties of regels, zoals GM0106, GM0109. De eerste is de hoofdgemeente: daarvoor telt het antwoord."
          />
          <div class="form-actions">
            <Button>Uitnodiging toevoegen</Button>
            <Link href={invitationsPath(e)}>Annuleren</Link>
          </div>
        </form>
      </Page>
    ));
  };

  app.get(`${EDITIONS}/:id/uitnodigingen/nieuw`, async (req, reply) => {
    const e = await loadEdition(req);
    const problem = preparationProblem(e);
    if (problem) return manualPage(reply, e, { values: {}, errors: { _form: problem } }, 409);
    return manualPage(reply, e, { values: {}, errors: {} });
  });

  app.post(`${EDITIONS}/:id/uitnodigingen/nieuw`, async (req, reply) => {
    const e = await loadEdition(req);
    const values = formValues(req.body);
    const parsed = parseForm(manualSchema, values);
    if (!parsed.ok) return manualPage(reply, e, { values, errors: parsed.errors }, 422);
    const r = await addInvitation(db, app.ctx.cipher, req.auditCtx(), e.id, { contactName: parsed.data.contactName, contactEmail: parsed.data.contactEmail, codes: parsed.data.gemeenten });
    if (!r.ok) return manualPage(reply, e, { values, errors: r.errors }, r.errors._form ? 409 : 422);
    reply.flash(
      'success',
      `De uitnodiging is toegevoegd. ${r.handedOver ? 'De antwoorden die al via de ingetrokken uitnodiging voor deze gemeente waren ingevuld, zijn overgezet: de nieuwe contactpersoon kan daarmee verder. ' : ''}Verstuur hem met "Versturen" in de lijst.`,
    );
    return reply.redirect(invitationsPath(e), 303);
  });

  // ----- one invitation -----
  const detailPage = async (req: FastifyRequest, reply: FastifyReply, e: Edition, inv: InvitationRow, form?: FormState, status?: number) => {
    await audit(db, req.auditCtx(), { action: 'read_personal', entity: 'benchmark_invitation', entityId: inv.id, details: { editionId: e.id, fields: ['contactName', 'contactEmail'] } });
    const title = `Uitnodiging ${inv.municipalities[0]?.name ?? ''}`;
    const f: FormState = form ?? { values: { contactName: inv.contactName ?? '', contactEmail: inv.contactEmail }, errors: {} };
    const prepare = preparationProblem(e);
    const send = sendingProblem(e);
    const base = invitationsPath(e);
    return reply.page({ title, status }, (ctx) => (
      <Page ctx={ctx} title={title} crumbs={crumbsOf(e, { href: base, label: 'Uitnodigingen' }, { label: inv.municipalities[0]?.name ?? 'Uitnodiging' })}>
        <Heading>{title}</Heading>
        <SummaryList
          items={[
            ['Gemeente(n)', municipalitiesText(inv)],
            ['Provincie', inv.provinceName],
            ['Contactpersoon', inv.contactName],
            ['E-mailadres', inv.contactEmail],
            ['Status', statusText(inv)],
            ['Aangemaakt op', dateOf(inv.createdAt)],
            ['Verstuurd op', dateOf(inv.sentAt)],
            ['Herinneringen verstuurd', `${inv.remindersSent}${inv.lastReminderAt ? ` (laatste op ${dateOf(inv.lastReminderAt)})` : ''}`],
            ['Afgemeld voor herinneringen', inv.optedOutAt ? `Ja, op ${dateOf(inv.optedOutAt)}` : 'Nee'],
            ['Ingediend op', dateOf(inv.submittedAt)],
            ['Ingetrokken op', dateOf(inv.revokedAt)],
          ]}
        />
        {inv.status !== 'revoked' && !prepare && (
          <>
            <Heading level={2}>Contactpersoon wijzigen</Heading>
            <P>De persoonlijke link blijft hetzelfde. Was de uitnodiging al verstuurd, dan gaat hij opnieuw naar het nieuwe e-mailadres.</P>
            <ErrorSummary errors={f.errors} labels={LABELS} />
            <form method="post" action={`${base}/${inv.id}/contact`} class="form" novalidate>
              <CsrfField token={ctx.csrfToken} />
              <TextField name="contactName" label={LABELS.contactName!} form={f} autocomplete="off" />
              <TextField name="contactEmail" label={LABELS.contactEmail!} form={f} type="email" autocomplete="off" required />
              <div class="form-actions">
                <Button>Contactpersoon opslaan</Button>
              </div>
            </form>
          </>
        )}
        {inv.status !== 'revoked' && (
          <>
            <Heading level={2}>Versturen of intrekken</Heading>
            {send ? (
              <P class="muted">{send}</P>
            ) : (
              <form method="post" action={`${base}/${inv.id}/opnieuw-versturen`} class="form-actions">
                <CsrfField token={ctx.csrfToken} />
                <Button variant="secondary">{inv.sentAt ? 'Uitnodiging opnieuw versturen' : 'Uitnodiging versturen'}</Button>
              </form>
            )}
            <P>
              <Link href={`${base}/${inv.id}/intrekken`}>Uitnodiging intrekken</Link> (de link werkt dan niet meer)
            </P>
          </>
        )}
        <P>
          <Link href={base}>Terug naar alle uitnodigingen</Link>
        </P>
      </Page>
    ));
  };

  app.get(`${EDITIONS}/:id/uitnodigingen/:invitationId`, async (req, reply) => {
    const { e, inv } = await loadInvitation(req);
    return detailPage(req, reply, e, inv);
  });

  app.post(`${EDITIONS}/:id/uitnodigingen/:invitationId/contact`, async (req, reply) => {
    const { e, inv } = await loadInvitation(req);
    const values = formValues(req.body);
    const parsed = parseForm(contactSchema, values);
    if (!parsed.ok) return detailPage(req, reply, e, inv, { values, errors: parsed.errors }, 422);
    const detail = `${invitationsPath(e)}/${inv.id}`;
    return ruled(reply, detail, async () => {
      const r = await changeInvitationContact(db, deps(), req.auditCtx(), e.id, inv.id, parsed.data);
      return r.resent ? `De contactpersoon is gewijzigd en de uitnodiging is opnieuw verstuurd naar ${parsed.data.contactEmail}.` : 'De contactpersoon is gewijzigd.';
    });
  });

  app.post(`${EDITIONS}/:id/uitnodigingen/:invitationId/opnieuw-versturen`, async (req, reply) => {
    const { e, inv } = await loadInvitation(req);
    const back = safeReturnPath(formValues(req.body).terug, `${invitationsPath(e)}/${inv.id}`);
    return ruled(reply, back.startsWith(invitationsPath(e)) ? back : invitationsPath(e), async () => {
      await resendInvitation(db, deps(), req.auditCtx(), e.id, inv.id);
      return `De uitnodiging is verstuurd naar ${inv.contactEmail}.`;
    });
  });

  app.get(`${EDITIONS}/:id/uitnodigingen/:invitationId/intrekken`, async (req, reply) => {
    const { e, inv } = await loadInvitation(req);
    const title = `Uitnodiging ${inv.municipalities[0]?.name ?? ''} intrekken`;
    const base = invitationsPath(e);
    return reply.page({ title }, (ctx) => (
      <Page ctx={ctx} title={title} crumbs={crumbsOf(e, { href: base, label: 'Uitnodigingen' }, { href: `${base}/${inv.id}`, label: inv.municipalities[0]?.name ?? 'Uitnodiging' }, { label: 'Intrekken' })}>
        <Heading>{title}</Heading>
        {inv.status === 'revoked' ? (
          <P>Deze uitnodiging is al ingetrokken.</P>
        ) : (
          <>
            <P>
              Na het intrekken werkt de persoonlijke link van {inv.contactName ?? inv.contactEmail} voor {municipalitiesText(inv)} niet meer en krijgt deze
              contactpersoon geen herinneringen meer. Daarna kunt u de gemeente(n) opnieuw uitnodigen, bijvoorbeeld bij een andere contactpersoon.
            </P>
            {inv.responseStatus && (
              <Alert kind="warning">
                De contactpersoon is al begonnen met invullen. De antwoorden blijven bewaard, maar zijn niet meer via deze link te bereiken. Maakt u daarna een nieuwe
                uitnodiging met {inv.municipalities[0]?.name ?? 'deze gemeente'} als (hoofd)gemeente, met de hand of uit de registratie, dan gaan de antwoorden mee naar
                die uitnodiging en kan de nieuwe contactpersoon ermee verder.
              </Alert>
            )}
            <form method="post" action={`${base}/${inv.id}/intrekken`} class="form-actions">
              <CsrfField token={ctx.csrfToken} />
              <Button variant="primary">Ja, trek deze uitnodiging in</Button>
              <Link href={`${base}/${inv.id}`}>Annuleren, terug</Link>
            </form>
          </>
        )}
      </Page>
    ));
  });

  app.post(`${EDITIONS}/:id/uitnodigingen/:invitationId/intrekken`, async (req, reply) => {
    const { e, inv } = await loadInvitation(req);
    const done = await revokeInvitation(db, req.auditCtx(), e.id, inv.id);
    reply.flash(done ? 'success' : 'info', done ? `De uitnodiging voor ${municipalitiesText(inv)} is ingetrokken.` : 'Deze uitnodiging was al ingetrokken.');
    return reply.redirect(invitationsPath(e), 303);
  });

  // ----- response monitor -----
  app.get(`${EDITIONS}/:id/respons`, async (req, reply) => {
    const e = await loadEdition(req);
    const rows = await responseByProvince(db, e.id);
    const total = responseTotal(rows);
    const title = `Responsmonitor ${e.title}`;
    const base = responsePath(e);
    const columns: Column<ProvinceResponse>[] = [
      { key: 'province', label: 'Provincie', render: (r) => (r.provinceCode ? r.provinceName : <strong>{r.provinceName}</strong>) },
      { key: 'invited', label: 'Uitgenodigd', numeric: true, render: (r) => r.invited },
      { key: 'started', label: 'Begonnen, nog niet ingediend', numeric: true, render: (r) => r.started },
      { key: 'submitted', label: 'Ingevuld', numeric: true, render: (r) => r.submitted },
      { key: 'rate', label: 'Respons', numeric: true, render: (r) => percent(r.ratePercent) },
    ];
    return reply.page({ title }, (ctx) => (
      <Page ctx={ctx} title={title} crumbs={crumbsOf(e, { label: 'Respons' })}>
        <Heading>{title}</Heading>
        {e.imported && (
          <Alert kind="info">
            Deze meting is geïmporteerd uit een eerder onderzoek: er zijn geen uitnodigingen via het platform verstuurd. "Ingevuld" is het aantal
            geïmporteerde antwoorden; een responspercentage is er niet.
          </Alert>
        )}
        <SummaryList
          items={[
            ['Uitgenodigd', String(total.invited)],
            ['Begonnen, nog niet ingediend', String(total.started)],
            ['Ingevuld', String(total.submitted)],
            ['Respons (ingevuld ÷ uitgenodigd)', percent(total.ratePercent)],
          ]}
        />
        <P class="muted">
          Uitgenodigd: verstuurde uitnodigingen die niet zijn ingetrokken. Een antwoord telt voor de hoofdgemeente en haar provincie, ook als de
          contactpersoon voor meer gemeenten antwoordt.
        </P>
        <DataTable caption="Respons per provincie" columns={columns} rows={[...rows, total]} base={base} query={{ page: 1, pageSize: rows.length + 1 }} />
        {!e.imported && (
          <>
            <Heading level={2}>Nog niet ingevuld</Heading>
            <P>
              Een lijst van uitgenodigde contactpersonen die de vragenlijst nog niet hebben ingediend, om na te bellen. Het downloaden wordt vastgelegd in de
              auditlog.
            </P>
            <P>
              <Link href={`${base}/niet-ingevuld.csv`}>CSV</Link>
              {' · '}
              <Link href={`${base}/niet-ingevuld.csv?scheidingsteken=puntkomma`}>CSV met puntkomma (Nederlandse Excel)</Link>
              {' · '}
              <Link href={`${base}/niet-ingevuld.xlsx`}>Excel (XLSX)</Link>
            </P>
            <P>
              <Link href={invitationsPath(e)}>Naar de uitnodigingen</Link>
            </P>
          </>
        )}
      </Page>
    ));
  });

  for (const format of ['csv', 'xlsx'] as const) {
    app.get(`${EDITIONS}/:id/respons/niet-ingevuld.${format}`, async (req, reply) => {
      const e = await loadEdition(req);
      const rows = await nonResponders(db, e.id);
      const delimiter = (req.query as Record<string, unknown>).scheidingsteken === 'puntkomma' ? ';' : ',';
      await audit(db, req.auditCtx(), {
        action: 'export',
        entity: 'benchmark_invitation',
        details: { editionId: e.id, list: 'non_responders', format, ...(format === 'csv' ? { delimiter } : {}), rows: rows.length, fields: ['contactName', 'contactEmail'] },
      });
      const buf = await writeTable(rows, NON_RESPONDER_COLUMNS, format, { delimiter, sheetName: 'Nog niet ingevuld' });
      return reply
        .header('content-type', CONTENT_TYPES[format])
        .header('content-disposition', `attachment; filename="niet-ingevuld-${e.year}-${amsterdamDate()}.${format}"`)
        .header('cache-control', 'no-store')
        .send(buf);
    });
  }

  // ----- opt-out of reminders (respondent, no account) -----
  const rateLimit = { max: Math.max(1, Math.ceil(app.ctx.config.rateLimitPerMinute / 2)), timeWindow: '1 minute' };
  const brokenLink = (reply: FastifyReply) =>
    reply.page({ title: 'Deze link werkt niet', status: 404 }, (ctx) => (
      <Page ctx={ctx} title="Deze link werkt niet">
        <Heading>Deze link werkt niet</Heading>
        <P>
          De link is onbekend of ingetrokken. Gebruik de volledige link uit de e-mail met de uitnodiging voor de benchmark. Lukt het niet, neem dan contact op
          met de helpdesk: <Link href={`mailto:${app.ctx.config.helpdeskEmail}`}>{app.ctx.config.helpdeskEmail}</Link>.
        </P>
      </Page>
    ));
  const optOutInvitation = async (req: FastifyRequest) => {
    const { token } = req.params as { token: string };
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
    const inv = await invitationByToken(db, sha256(token));
    return inv ? { inv, token } : null;
  };

  app.get(`${RESPONDENT_PATH}/:token/afmelden`, { config: { rateLimit } }, async (req, reply) => {
    const found = await optOutInvitation(req);
    if (!found) return brokenLink(reply);
    const { inv, token } = found;
    const title = inv.optedOutAt ? 'U bent afgemeld voor herinneringen' : 'Geen herinneringen meer ontvangen';
    const questionnaire = `${RESPONDENT_PATH}/${token}`;
    return reply.page({ title }, (ctx) => (
      <Page ctx={ctx} title={title}>
        <Heading>{title}</Heading>
        {inv.optedOutAt ? (
          <P>
            U krijgt voor deze benchmark geen herinneringen meer op {inv.contactEmail}. De vragenlijst invullen kan nog steeds met uw persoonlijke link.
          </P>
        ) : (
          <>
            <P>
              Wilt u geen herinneringen meer ontvangen over de vragenlijst van de benchmark Eén tegen eenzaamheid op {inv.contactEmail}? Meld u dan hieronder
              af. De vragenlijst invullen kan daarna nog steeds met uw persoonlijke link.
            </P>
            <form method="post" action={`${questionnaire}/afmelden`} class="form-actions">
              <CsrfField token={ctx.csrfToken} />
              <Button variant="primary">Afmelden voor herinneringen</Button>
            </form>
          </>
        )}
        <P>
          <Link href={questionnaire}>Naar de vragenlijst</Link>
        </P>
      </Page>
    ));
  });

  app.post(`${RESPONDENT_PATH}/:token/afmelden`, { config: { rateLimit } }, async (req, reply) => {
    const found = await optOutInvitation(req);
    if (!found) return brokenLink(reply);
    await optOutOfReminders(db, { ...req.auditCtx(), label: 'respondent (persoonlijke link)' }, found.inv.id);
    reply.flash('success', 'U bent afgemeld voor herinneringen.');
    return reply.redirect(`${RESPONDENT_PATH}/${found.token}/afmelden`, 303);
  });
}
