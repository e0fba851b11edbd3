import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ComponentChildren } from 'preact';
import { emailField, formValues } from '../../platform/http/forms.js';
import { Page, type PageContext } from '../../platform/views/layout.js';
import { EraseConfirmForm, eraseConfirmation, HiddenFields, sendRightsJson } from '../../platform/views/rights.js';
import { Alert, Button, CheckboxGroup, CsrfField, ErrorSummary, fieldId, Heading, Link, P, SummaryList, TextField, type Column, type FieldErrors, type FormState } from '../../platform/views/components.js';
import { PlainTable } from './views-shared.js';
import { nlDate } from '../registry/ui.js';
import { nlDateTime } from '../matching/views.js';
import {
  auditExport,
  auditSearch,
  buildExport,
  erasable,
  ERASE_EFFECTS,
  ERASE_SHORT,
  eraseFindings,
  findAll,
  FINDING_KINDS,
  KIND_LABELS,
  MAIL_STATUS_LABELS,
  momentsNaming,
  namesToCheck,
  NOT_ERASED_REASONS,
  selectFindings,
  type EraseResult,
  type ContactPersonExport,
  type Finding,
  type FindingKind,
  type MomentToCheck,
  type NetworkRightsExport,
  type RightsQuery,
} from './rights-service.js';

/**
 * A rights request about the network and the board (programme admin only, 'network:privacy'):
 * - GET  /beheer/privacyverzoeken/netwerk: search by e-mail address or by name;
 * - POST /beheer/privacyverzoeken/netwerk: the findings (audit read_personal);
 * - POST /beheer/privacyverzoeken/netwerk/inzage: the ticked findings, readable (audit export);
 * - POST /beheer/privacyverzoeken/netwerk/export.json: the same as a JSON download (audit export);
 * - POST /beheer/privacyverzoeken/netwerk/verwijderen: confirmation step, then erasure (audit erase).
 * The same pattern as the signals' screen (src/modules/signals/rights.tsx): searches are POSTed
 * so an e-mail address or name never lands in a URL, and every action repeats the search from
 * the form's hidden fields and takes only the ticked findings it returns.
 */

const BASE = '/beheer/privacyverzoeken/netwerk';
const SIGNALS = '/beheer/privacyverzoeken';
const TITLE = 'Privacyverzoeken netwerk en vraag en aanbod';
const CRUMBS = [
  { href: '/beheer', label: 'Beheer' },
  { href: BASE, label: 'Privacyverzoeken netwerk' },
];

const LABELS: Record<string, string> = {
  email: 'E-mailadres',
  naam: 'Naam',
  gevonden: 'Vondsten',
  bevestiging: 'Bevestiging',
};

const SEARCH_FIELDS = ['zoekwijze', 'email', 'naam'] as const;
type SearchValues = Partial<Record<(typeof SEARCH_FIELDS)[number], string>>;

function searchValues(v: Record<string, unknown>): SearchValues {
  const out: SearchValues = {};
  for (const k of SEARCH_FIELDS) if (typeof v[k] === 'string') out[k] = (v[k] as string).slice(0, 300);
  return out;
}

/** The search of the form, or errors per field. */
function parseSearch(v: SearchValues): { ok: true; query: RightsQuery } | { ok: false; errors: FieldErrors } {
  if (v.zoekwijze === 'email') {
    const r = emailField().safeParse(v.email ?? '');
    if (!r.success) return { ok: false, errors: { email: r.error.issues[0]!.message } };
    return { ok: true, query: { by: 'email', email: r.data } };
  }
  if (v.zoekwijze === 'naam') {
    const name = (v.naam ?? '').replace(/\s+/g, ' ').trim();
    if (!name) return { ok: false, errors: { naam: 'Vul de naam in.' } };
    if (name.length < 2) return { ok: false, errors: { naam: 'Vul minstens 2 tekens van de naam in.' } };
    if (name.length > 200) return { ok: false, errors: { naam: 'Gebruik voor de naam hoogstens 200 tekens.' } };
    return { ok: true, query: { by: 'name', name } };
  }
  return { ok: false, errors: { _form: 'Kies hoe u wilt zoeken: op e-mailadres of op naam.' } };
}

function selectedKeys(v: Record<string, unknown>): string[] {
  const raw = v.gevonden;
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return list.filter((x): x is string => typeof x === 'string' && /^[a-z_]+-\d{1,10}$/.test(x));
}

const countText = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export async function networkRightsRoutes(app: FastifyInstance) {
  const db = app.ctx.database.db;

  async function searchOf(req: FastifyRequest) {
    const values = formValues(req.body);
    const search = searchValues(values);
    return { values, search, parsed: parseSearch(search) };
  }

  const searchPage = (reply: FastifyReply, opts: { search: SearchValues; errors?: FieldErrors; found?: Finding[]; query?: RightsQuery; moments?: MomentToCheck[]; status?: number; selected?: string[] }) =>
    reply.page({ title: TITLE, status: opts.status }, (ctx) => (
      <SearchPage ctx={ctx} form={{ values: opts.search, errors: opts.errors ?? {} }} found={opts.found ?? null} query={opts.query} moments={opts.moments ?? []} selected={opts.selected} />
    ));

  /** Searches, audit-logs the search, and shows the findings (with `errors` when a follow-up failed). */
  async function showFindings(req: FastifyRequest, reply: FastifyReply, search: SearchValues, query: RightsQuery, extra: { errors?: FieldErrors; status?: number; selected?: string[] } = {}) {
    const found = await findAll(db, query);
    await auditSearch(db, req.auditCtx(), query, found);
    const moments = await momentsNaming(db, namesToCheck(query, found));
    return searchPage(reply, { search, found, query, moments, ...extra });
  }

  app.get(BASE, async (req, reply) => {
    req.authorize('network:privacy');
    return searchPage(reply, { search: {} });
  });

  app.post(BASE, async (req, reply) => {
    req.authorize('network:privacy');
    const { search, parsed } = await searchOf(req);
    if (!parsed.ok) return searchPage(reply, { search, errors: parsed.errors, status: 422 });
    return showFindings(req, reply, search, parsed.query);
  });

  /** The ticked findings of a repeated search, or the search page with an error (422). */
  async function selection(req: FastifyRequest, reply: FastifyReply) {
    const { values, search, parsed } = await searchOf(req);
    if (!parsed.ok) return { done: searchPage(reply, { search, errors: parsed.errors, status: 422 }) } as const;
    const keys = selectedKeys(values);
    const selected = keys.length ? await selectFindings(db, parsed.query, keys) : [];
    if (!selected.length) {
      return { done: showFindings(req, reply, search, parsed.query, { errors: { gevonden: 'Kies minstens één vondst.' }, status: 422, selected: [] }) } as const;
    }
    return { values, search, query: parsed.query, selected } as const;
  }

  app.post(`${BASE}/inzage`, async (req, reply) => {
    req.authorize('network:privacy');
    const s = await selection(req, reply);
    if ('done' in s) return s.done;
    const data = await buildExport(db, s.selected, new Date());
    await auditExport(db, req.auditCtx(), s.query, s.selected, 'html');
    return reply.page({ title: 'Inzage privacyverzoek netwerk' }, (ctx) => <ExportPage ctx={ctx} data={data} search={s.search} selected={s.selected} />);
  });

  app.post(`${BASE}/export.json`, async (req, reply) => {
    req.authorize('network:privacy');
    const s = await selection(req, reply);
    if ('done' in s) return s.done;
    const now = new Date();
    const data = await buildExport(db, s.selected, now);
    await auditExport(db, req.auditCtx(), s.query, s.selected, 'json');
    return sendRightsJson(reply, 'privacyverzoek-netwerk', now, data);
  });

  app.post(`${BASE}/verwijderen`, async (req, reply) => {
    req.authorize('network:privacy');
    const s = await selection(req, reply);
    if ('done' in s) return s.done;
    const toErase = erasable(s.selected);
    if (!toErase.length) {
      return showFindings(req, reply, s.search, s.query, {
        errors: { gevonden: 'Van de gekozen vondsten kan hier niets worden verwijderd: ze zijn alleen voor inzage. Kies minstens één vondst die kan worden verwijderd.' },
        status: 422,
        selected: s.selected.map((f) => f.key),
      });
    }
    // Looked up before the erasure: afterwards the names are gone from the findings.
    const moments = await momentsNaming(db, namesToCheck(s.query, s.selected));
    const { confirmed, errors } = eraseConfirmation(s.values, 'Vink aan dat u hebt gecontroleerd dat deze gegevens over deze persoon gaan, of kies Annuleren.');
    if (!confirmed) {
      return reply.page({ title: 'Gegevens verwijderen', status: Object.keys(errors).length ? 422 : 200 }, (ctx) => (
        <ConfirmErasePage ctx={ctx} search={s.search} selected={s.selected} moments={moments} errors={errors} />
      ));
    }
    const result = await eraseFindings(db, s.selected, new Date(), req.auditCtx());
    const notErased = s.selected.filter((f) => ERASE_EFFECTS[f.kind] === null);
    return reply.page({ title: 'Gegevens verwijderd' }, (ctx) => <ErasedPage ctx={ctx} result={result} notErased={notErased} moments={moments} />);
  });
}

// ---------------------------------------------------------------------------------------
// Views

/** The search as [name, value] pairs for hidden fields. */
const searchFields = (search: SearchValues): [string, string][] => SEARCH_FIELDS.filter((k) => search[k] !== undefined).map((k) => [k, search[k]!]);

function HiddenSearch({ search }: { search: SearchValues }) {
  return <HiddenFields fields={searchFields(search)} />;
}

function HiddenSelection({ selected }: { selected: Finding[] }) {
  return (
    <>
      {selected.map((f) => (
        <input type="hidden" name="gevonden" value={f.key} />
      ))}
    </>
  );
}

/** A finding in words: what and where ("Petra de Wit, WIJ Groningen in Coalitie Groningen"). */
const describe = (f: Finding) => (f.where ? `${f.title}, ${f.where}` : f.title);

const byKind = (list: Finding[]) => FINDING_KINDS.map((kind) => ({ kind, rows: list.filter((f) => f.kind === kind) })).filter((g) => g.rows.length > 0);

function SearchPage({ ctx, form, found, query, moments, selected }: { ctx: PageContext; form: FormState; found: Finding[] | null; query?: RightsQuery; moments: MomentToCheck[]; selected?: string[] }) {
  const by = form.values.zoekwijze;
  const sub = (name: string): FormState => ({ values: by === name ? form.values : {}, errors: by === name ? form.errors : {} });
  return (
    <Page ctx={ctx} title={TITLE} crumbs={[CRUMBS[0]!, { label: 'Privacyverzoeken netwerk' }]}>
      <Heading>{TITLE}</Heading>
      <P>
        Vraagt een contactpersoon, een contactpersoon van een coalitielid of een gebruiker van vraag en aanbod welke gegevens we over hem of haar hebben, of vraagt iemand die
        gegevens te verwijderen? Zoek hier wat het platform over die persoon bewaart. Controleer eerst wie het verzoek doet, bijvoorbeeld door terug te bellen of te mailen naar
        het bekende werkadres. Elke zoekopdracht, inzage en verwijdering wordt vastgelegd in het auditlog.
      </P>
      <P>
        Gaat het verzoek over een signaal (iemand die een signaal doorgaf, of de persoon over wie een signaal gaat)? Gebruik dan{' '}
        <Link href={SIGNALS}>Privacyverzoeken signalen</Link>.
      </P>
      <ErrorSummary errors={form.errors} labels={LABELS} />
      <div class="nw-rights__searches">
        <form method="post" action={BASE} class="nw-rights__search" novalidate aria-labelledby="zoek-email">
          <h2 class="utrecht-heading-2" id="zoek-email">
            Op e-mailadres
          </h2>
          <CsrfField token={ctx.csrfToken} />
          <input type="hidden" name="zoekwijze" value="email" />
          <TextField
            name="email"
            label={LABELS.email!}
            form={sub('email')}
            type="email"
            required
            autocomplete="off"
            hint="Vindt precies dit adres (hoofdletters maken niet uit), ook het account en de verzonden e-mails."
          />
          <Button>Zoeken op e-mailadres</Button>
        </form>
        <form method="post" action={BASE} class="nw-rights__search" novalidate aria-labelledby="zoek-naam">
          <h2 class="utrecht-heading-2" id="zoek-naam">
            Op naam
          </h2>
          <CsrfField token={ctx.csrfToken} />
          <input type="hidden" name="zoekwijze" value="naam" />
          <TextField
            name="naam"
            label={LABELS.naam!}
            form={sub('naam')}
            required
            autocomplete="off"
            hint="Vindt elke bewaarde naam waar deze tekst in staat, zoals Jansen in Piet Jansen. Let op: zo vindt u ook andere mensen met dezelfde naam."
          />
          <Button>Zoeken op naam</Button>
        </form>
      </div>
      {found && query && <Results ctx={ctx} found={found} query={query} search={form.values as SearchValues} errors={form.errors} selected={selected} />}
      {found && query && <MomentsToCheck moments={moments} />}
    </Page>
  );
}

function Results({ ctx, found, query, search, errors, selected }: { ctx: PageContext; found: Finding[]; query: RightsQuery; search: SearchValues; errors: FieldErrors; selected?: string[] }) {
  // A name can belong to someone else: nothing is ticked in advance; an e-mail address is exact.
  const checked = new Set(selected ?? (query.by === 'email' ? found.map((f) => f.key) : []));
  const what = query.by === 'email' ? 'met dit e-mailadres' : `met de naam "${query.name}"`;
  const id = fieldId('gevonden');
  return (
    <section aria-labelledby="resultaten-kop">
      <h2 class="utrecht-heading-2" id="resultaten-kop">
        {found.length === 0 ? `Niets gevonden ${what}` : `${countText(found.length, 'vondst', 'vondsten')} ${what}`}
      </h2>
      {query.by === 'name' && (
        <Alert kind="warning">
          Zoeken op naam kan ook andere mensen met dezelfde naam vinden. Controleer bij elke vondst of die over deze persoon gaat (organisatie, gemeente, datums) voordat u
          hem aanvinkt. Daarom staat nog niets aangevinkt.
        </Alert>
      )}
      {found.length === 0 ? (
        <P>
          Er zijn geen contactpersonen, coalitieleden, deelnames, organisaties, benchmarkuitnodigingen, accounts of e-mails {what}. Gegevens die al zijn verwijderd, vindt u
          niet meer.
        </P>
      ) : (
        <form method="post" action={`${BASE}/inzage`} novalidate>
          <CsrfField token={ctx.csrfToken} />
          <HiddenSearch search={search} />
          <fieldset class={`utrecht-form-fieldset${errors.gevonden ? ' utrecht-form-fieldset--invalid' : ''}`} id={id} tabIndex={-1}>
            <legend class="utrecht-form-fieldset__legend">Kies de gegevens voor inzage, download of verwijdering</legend>
            {errors.gevonden && (
              <div class="utrecht-form-field-error-message" id={`${id}-error`}>
                <span class="visually-hidden">Fout: </span>
                {errors.gevonden}
              </div>
            )}
            {byKind(found).map((g) => (
              <FindingTable kind={g.kind} rows={g.rows} checked={checked} id={id} />
            ))}
          </fieldset>
          <div class="form-actions">
            <Button>Gegevens bekijken</Button>{' '}
            <Button variant="secondary" formaction={`${BASE}/export.json`}>
              Downloaden (JSON)
            </Button>{' '}
            <Button variant="secondary" formaction={`${BASE}/verwijderen`}>
              Gegevens verwijderen…
            </Button>
          </div>
          <P>Verwijderen vraagt eerst om een bevestiging. Wat "Alleen inzage" heeft, wordt op deze pagina niet verwijderd.</P>
        </form>
      )}
    </section>
  );
}

const findingColumns = (kind: FindingKind, checked: Set<string>, id: string): Column<Finding>[] => [
  {
    key: 'kies',
    label: 'Kies',
    render: (f) => (
      <>
        <input class="utrecht-checkbox utrecht-checkbox--html-input" type="checkbox" name="gevonden" value={f.key} id={`${id}-${f.key}`} checked={checked.has(f.key)} />
        <label class="visually-hidden" for={`${id}-${f.key}`}>
          Kies {describe(f)}
        </label>
      </>
    ),
  },
  {
    key: 'title',
    label: 'Gegevens',
    render: (f) => (
      <>
        {f.href ? <Link href={f.href}>{f.title}</Link> : f.title}
        {f.detail && <div class="nw-rights__detail">{f.detail}</div>}
      </>
    ),
  },
  { key: 'where', label: 'Waar', render: (f) => f.where ?? '—' },
  { key: 'dates', label: 'Wanneer', render: (f) => f.dates ?? '—' },
  { key: 'effect', label: 'Bij verwijderen', render: () => ERASE_SHORT[kind] },
];

function FindingTable({ kind, rows, checked, id }: { kind: FindingKind; rows: Finding[]; checked: Set<string>; id: string }) {
  const caption = `${KIND_LABELS[kind]} (${rows.length})`;
  return (
    <>
      <PlainTable caption={caption} columns={findingColumns(kind, checked, id)} rows={rows} base={BASE} empty="—" />
      <P class="nw-rights__effect">Bij verwijderen: {ERASE_EFFECTS[kind] ?? NOT_ERASED_REASONS[kind]}</P>
    </>
  );
}

const MOMENT_COLUMNS: Column<MomentToCheck>[] = [
  { key: 'date', label: 'Datum', render: (m) => nlDate(m.occurredOn) },
  { key: 'subject', label: 'Onderwerp', render: (m) => m.subject },
  { key: 'municipality', label: 'Gemeente', render: (m) => m.municipality ?? 'Landelijk' },
  {
    key: 'edit',
    label: 'Aanpassen',
    render: (m) =>
      m.deleted ? (
        'Verwijderd als correctie; niet meer te bewerken'
      ) : (
        <Link href={`/contactmomenten/${m.id}/bewerken`}>
          Bewerken<span class="visually-hidden">: {m.subject}</span>
        </Link>
      ),
  },
];

/** Contact moments that mention the name: an erasure does not change free text, the admin does. */
function MomentsToCheck({ moments }: { moments: MomentToCheck[] }) {
  if (!moments.length) return null;
  return (
    <section aria-labelledby="notities-kop">
      <h2 class="utrecht-heading-2" id="notities-kop">
        {moments.length === 1 ? 'Eén contactmoment noemt deze naam' : `${moments.length} contactmomenten noemen deze naam`}
      </h2>
      <P>
        Verwijderen past geen vrije tekst aan. In het onderwerp of de notities van deze contactmomenten staat de naam. Controleer ze en pas de tekst zo nodig met de hand aan
        (de contactmomenten zelf blijven: ze zijn het verslag van het programma).
      </P>
      <PlainTable caption="Contactmomenten die de naam noemen" columns={MOMENT_COLUMNS} rows={moments} base={BASE} empty="—" />
    </section>
  );
}

// ---- the readable export ----

const dt = (s: string | null) => (s ? nlDateTime(new Date(s)) : null);
const yesNo = (b: boolean) => (b ? 'Ja' : 'Nee');

const PERSON_MOMENT_COLUMNS: Column<ContactPersonExport['contactMoments'][number]>[] = [
  { key: 'date', label: 'Datum', render: (m) => nlDate(m.occurredOn) },
  { key: 'kind', label: 'Soort', render: (m) => m.kindLabel },
  { key: 'subject', label: 'Onderwerp', render: (m) => `${m.subject}${m.removedAt ? ' (verwijderd als correctie)' : ''}` },
  { key: 'municipality', label: 'Gemeente', render: (m) => m.municipality ?? 'Landelijk' },
  { key: 'notes', label: 'Notities', render: (m) => <span class="nw-rights__text">{m.notes ?? '—'}</span> },
];

const MAIL_COLUMNS: Column<NetworkRightsExport['mails'][number]>[] = [
  { key: 'subject', label: 'Onderwerp', render: (m) => m.subject },
  { key: 'to', label: 'Aan', render: (m) => m.to },
  { key: 'created', label: 'Aangemaakt', render: (m) => dt(m.createdAt) },
  { key: 'sent', label: 'Verstuurd', render: (m) => dt(m.sentAt) ?? '—' },
  { key: 'status', label: 'Status', render: (m) => MAIL_STATUS_LABELS[m.status] ?? m.status },
];

function Item({ heading, items, children }: { heading: string; items: [string, ComponentChildren][]; children?: ComponentChildren }) {
  return (
    <section class="nw-rights__item">
      <h3 class="utrecht-heading-3">{heading}</h3>
      <SummaryList items={items} />
      {children}
    </section>
  );
}

function KindSection({ kind, count, children }: { kind: FindingKind; count: number; children: ComponentChildren }) {
  if (!count) return null;
  return (
    <section aria-labelledby={`soort-${kind}`}>
      <h2 class="utrecht-heading-2" id={`soort-${kind}`}>
        {KIND_LABELS[kind]}
      </h2>
      {children}
    </section>
  );
}

function ExportBody({ data }: { data: NetworkRightsExport }) {
  return (
    <>
      <KindSection kind="contact_person" count={data.contactPersons.length}>
        {data.contactPersons.map((p) => (
          <Item
            heading={p.name}
            items={[
              ['Functie', p.jobTitle],
              ['E-mailadres', p.email],
              ['Telefoon', p.phone],
              ['Organisatie', p.organisation],
              ['Gemeente', p.municipality],
              ['Toegevoegd', dt(p.createdAt)],
              ['Verwijderd', dt(p.removedAt)],
            ]}
          >
            {p.contactMoments.length > 0 && (
              <PlainTable caption={`Contactmomenten met ${p.name}`} columns={PERSON_MOMENT_COLUMNS} rows={p.contactMoments} base={BASE} empty="—" />
            )}
          </Item>
        ))}
      </KindSection>
      <KindSection kind="coalition_member" count={data.coalitionMembers.length}>
        {data.coalitionMembers.map((m) => (
          <Item
            heading={`${m.organisation} in ${m.coalition}`}
            items={[
              ['Naam contactpersoon', m.contactName],
              ['E-mailadres', m.contactEmail],
              ['Gemeente', m.municipality],
              ['Rol', m.roleLabel],
              ['Sector', m.sectorLabel],
              ['Vanaf', nlDate(m.startDate)],
              ['Tot', nlDate(m.endDate)],
              ['Verwijderd als correctie', dt(m.removedAt)],
            ]}
          />
        ))}
      </KindSection>
      <KindSection kind="participation" count={data.participations.length}>
        {data.participations.map((p) => (
          <Item
            heading={`Deelname van ${p.municipality}`}
            items={[
              ['Naam contactpersoon', p.contactName],
              ['E-mailadres', p.contactEmail],
              ['Status', p.statusLabel],
              ['Ondertekend op', nlDate(p.signedOn)],
              ['Gestopt op', nlDate(p.stoppedOn)],
              ['Verwijderd', dt(p.removedAt)],
            ]}
          />
        ))}
      </KindSection>
      <KindSection kind="organisation" count={data.organisations.length}>
        {data.organisations.map((o) => (
          <Item
            heading={o.organisation}
            items={[
              ['Contactpersoon', o.contactName],
              ['E-mailadres', o.contactEmail],
              ['Telefoon', o.contactPhone],
              ['Gemeente', o.municipality],
              ['Verwijderd', dt(o.removedAt)],
            ]}
          />
        ))}
      </KindSection>
      <KindSection kind="benchmark_invitation" count={data.benchmarkInvitations.length}>
        {data.benchmarkInvitations.map((i) => (
          <Item
            heading={`${i.edition}: ${i.municipality}`}
            items={[
              ['Naam', i.contactName],
              ['E-mailadres', i.contactEmail],
              ['Aangemaakt', dt(i.createdAt)],
              ['Verstuurd', dt(i.sentAt)],
              ['Herinneringen verstuurd', String(i.remindersSent)],
              ['Laatste herinnering', dt(i.lastReminderAt)],
              ['Afgemeld voor herinneringen', dt(i.optedOutAt)],
              ['Ingetrokken', dt(i.revokedAt)],
            ]}
          />
        ))}
      </KindSection>
      <KindSection kind="user" count={data.accounts.length}>
        {data.accounts.map((u) => (
          <Item
            heading={u.name}
            items={[
              ['E-mailadres', u.email],
              ['Actief', yesNo(u.active)],
              ['Aangemaakt', dt(u.createdAt)],
              ['Laatst ingelogd', dt(u.lastLoginAt)],
              ['Rollen', u.roles.length ? u.roles.map((r) => [r.roleLabel, r.municipality, r.organisation].filter(Boolean).join(', ')).join('; ') : null],
            ]}
          />
        ))}
      </KindSection>
      <KindSection kind="board_post" count={data.boardPosts.length}>
        {data.boardPosts.map((p) => (
          <Item
            heading={`${p.kindLabel}: ${p.title}`}
            items={[
              ['Beschrijving', <span class="nw-rights__text">{p.description}</span>],
              ["Thema's", p.themes.join(', ')],
              ['Regio', p.region],
              ['Namens', p.onBehalfOf],
              ['Geldig tot', nlDate(p.validUntil)],
              ['Status', p.statusLabel],
              ['Geplaatst', dt(p.createdAt)],
              ['Verwijderd', dt(p.removedAt)],
            ]}
          />
        ))}
      </KindSection>
      <KindSection kind="board_message" count={data.boardMessages.length}>
        {data.boardMessages.map((m) => (
          <Item
            heading={`Bericht over "${m.post}"`}
            items={[
              ['Geschreven', dt(m.createdAt)],
              ['Gelezen', dt(m.readAt)],
              ['Tekst', <span class="nw-rights__text">{m.text}</span>],
            ]}
          />
        ))}
      </KindSection>
      <KindSection kind="board_match" count={data.boardMatches.length}>
        {data.boardMatches.map((m) => (
          <Item
            heading={`Match over "${m.post}"`}
            items={[
              ['Gemaakt op', nlDate(m.madeOn)],
              ['Partnerorganisatie', m.partnerOrganisation],
              ['Toelichting', m.note],
              ['Ongedaan gemaakt', dt(m.undoneAt)],
            ]}
          />
        ))}
      </KindSection>
      <KindSection kind="board_interest" count={data.boardInterests.length}>
        {data.boardInterests.map((i) => (
          <Item
            heading={`Interesse: ${i.themes.length ? i.themes.join(', ') : 'alle thema’s'}`}
            items={[
              ['Soort', i.kind ?? 'Vraag en aanbod'],
              ['Provincie', i.province ?? 'Heel Nederland'],
              ['Bewaard', dt(i.createdAt)],
              ['Meldingen', i.notifications.length ? i.notifications.map((n) => `${n.post} (${dt(n.at)})`).join('; ') : null],
            ]}
          />
        ))}
      </KindSection>
      <KindSection kind="mail" count={data.mails.length}>
        <PlainTable caption="Verzonden e-mails" columns={MAIL_COLUMNS} rows={data.mails} base={BASE} empty="—" />
      </KindSection>
    </>
  );
}

function ExportPage({ ctx, data, search, selected }: { ctx: PageContext; data: NetworkRightsExport; search: SearchValues; selected: Finding[] }) {
  return (
    <Page ctx={ctx} title="Inzage privacyverzoek netwerk" crumbs={[...CRUMBS, { label: 'Inzage' }]}>
      <Heading>Inzage privacyverzoek netwerk</Heading>
      <P>
        Alle gegevens die het platform bewaart in de gekozen vondsten, opgesteld op {dt(data.exportedAt)}. Van verzonden e-mails staan het onderwerp en de data erbij, niet de
        tekst: die kan links bevatten die alleen voor de ontvanger zijn.
      </P>
      <form method="post" action={`${BASE}/export.json`} class="nw-rights__actions">
        <CsrfField token={ctx.csrfToken} />
        <HiddenSearch search={search} />
        <HiddenSelection selected={selected} />
        <Button variant="secondary">Downloaden (JSON)</Button>
      </form>
      <ExportBody data={data} />
      <P>
        <Link href={BASE}>Terug naar privacyverzoeken netwerk</Link>
      </P>
    </Page>
  );
}

// ---- erasure ----

function ConfirmErasePage({ ctx, search, selected, moments, errors }: { ctx: PageContext; search: SearchValues; selected: Finding[]; moments: MomentToCheck[]; errors: FieldErrors }) {
  const groups = byKind(selected);
  const effects = groups.filter((g) => ERASE_EFFECTS[g.kind] !== null);
  const kept = groups.filter((g) => ERASE_EFFECTS[g.kind] === null);
  return (
    <Page ctx={ctx} title="Gegevens verwijderen" crumbs={[...CRUMBS, { label: 'Verwijderen' }]}>
      <Heading>Gegevens verwijderen</Heading>
      <ErrorSummary errors={errors} labels={LABELS} />
      <Alert kind="warning">Verwijderen is definitief: de gegevens zijn daarna niet terug te halen, ook niet door het programmateam.</Alert>
      <h2 class="utrecht-heading-2">Wat er gebeurt</h2>
      <ul class="utrecht-unordered-list">
        {effects.map((g) => (
          <li class="utrecht-unordered-list__item">
            <strong>
              {KIND_LABELS[g.kind]} ({g.rows.length}):
            </strong>{' '}
            {g.rows.map(describe).join('; ')}. {ERASE_EFFECTS[g.kind]}
          </li>
        ))}
      </ul>
      {kept.length > 0 && (
        <>
          <h2 class="utrecht-heading-2">Wat niet wordt verwijderd</h2>
          <ul class="utrecht-unordered-list">
            {kept.map((g) => (
              <li class="utrecht-unordered-list__item">
                <strong>
                  {KIND_LABELS[g.kind]} ({g.rows.length}):
                </strong>{' '}
                {NOT_ERASED_REASONS[g.kind]}
              </li>
            ))}
          </ul>
        </>
      )}
      <MomentsToCheck moments={moments} />
      <EraseConfirmForm
        action={`${BASE}/verwijderen`}
        csrf={ctx.csrfToken}
        hidden={[...searchFields(search), ...selected.map((f): [string, string] => ['gevonden', f.key])]}
        label={LABELS.bevestiging!}
        confirmation="Ik heb gecontroleerd wie het verzoek doet en dat deze gegevens over deze persoon gaan. Verwijder de gegevens definitief."
        errors={errors}
        cancel={BASE}
      />
    </Page>
  );
}

function ErasedPage({ ctx, result, notErased, moments }: { ctx: PageContext; result: EraseResult; notErased: Finding[]; moments: MomentToCheck[] }) {
  const done = FINDING_KINDS.filter((k) => result[k]).map((k) => `${KIND_LABELS[k]}: ${result[k]}`);
  const byHand = notErased.filter((f) => f.href && (f.kind === 'user' || f.kind === 'benchmark_invitation'));
  return (
    <Page ctx={ctx} title="Gegevens verwijderd" crumbs={[...CRUMBS, { label: 'Verwijderd' }]}>
      <Heading>Gegevens verwijderd</Heading>
      <Alert kind="success">Verwijderd: {done.length ? done.join('; ') : 'niets (de gegevens waren al verwijderd)'}. Dit staat in het auditlog.</Alert>
      {(moments.length > 0 || byHand.length > 0) && <h2 class="utrecht-heading-2">Nog met de hand te doen</h2>}
      {byHand.length > 0 && (
        <ul class="utrecht-unordered-list">
          {byHand.map((f) => (
            <li class="utrecht-unordered-list__item">
              <Link href={f.href!}>{f.kind === 'user' ? `Account van ${f.title}` : `Benchmarkuitnodiging: ${f.where ?? f.title}`}</Link>: {NOT_ERASED_REASONS[f.kind]}
            </li>
          ))}
        </ul>
      )}
      <MomentsToCheck moments={moments} />
      <P>
        <Link href={BASE}>Terug naar privacyverzoeken netwerk</Link>
      </P>
    </Page>
  );
}
