import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ComponentChildren } from 'preact';
import { z } from 'zod';
import { emailField, formValues } from '../../platform/http/forms.js';
import { Page, type PageContext } from '../../platform/views/layout.js';
import { EraseConfirmForm, eraseConfirmation, HiddenFields, sendRightsJson } from '../../platform/views/rights.js';
import { Alert, Button, CheckboxGroup, CsrfField, ErrorSummary, fieldId, Heading, Link, P, SelectField, SummaryList, TextField, type FieldErrors, type FormState } from '../../platform/views/components.js';
import { FigureTable } from '../benchmark/charts.js';
import { ERASED_OUTCOME_LABEL, formatPostcode, isOpen, normaliseAddition, normalisePostcode, parseHouseNumber, STATUS_LABELS, type SignalStatus } from './model.js';
import { countSignalsUnderOldKey } from './rotation.js';
import { formatAddress } from './personal.js';
import {
  auditExport,
  auditSearch,
  buildExport,
  erasePerson,
  findSignals,
  ROLE_LABELS,
  selectSignals,
  type FoundSignal,
  type Role,
  type RightsExport,
  type RightsQuery,
  type SignallerExport,
  type SubjectExport,
} from './rights-service.js';

/**
 * A data subject's rights request (programme admin only, 'signal:privacy'):
 * - GET  /beheer/privacyverzoeken: search by address, e-mail address or reference;
 * - POST /beheer/privacyverzoeken: the signals found (audit read_personal);
 * - POST /beheer/privacyverzoeken/inzage: what is held about the person, readable (audit export);
 * - POST /beheer/privacyverzoeken/export.json: the same as a JSON download (audit export);
 * - POST /beheer/privacyverzoeken/verwijderen: confirmation step, then erasure (audit erase).
 * Searches are POSTed so an address or e-mail address never lands in a URL. Every action
 * repeats the search from the form's hidden fields and takes only the ticked signals found by
 * it, so nothing outside the search (and no other role) can be exported or erased.
 */

const BASE = '/beheer/privacyverzoeken';
const TITLE = 'Privacyverzoeken signalen';
const CRUMBS = [{ href: '/beheer', label: 'Beheer' }, { href: BASE, label: 'Privacyverzoeken' }];

const LABELS: Record<string, string> = {
  postcode: 'Postcode',
  huisnummer: 'Huisnummer',
  toevoeging: 'Toevoeging',
  email: 'E-mailadres',
  referentie: 'Referentienummer',
  rol: 'Wie doet het verzoek',
  signaal: 'Signalen',
  bevestiging: 'Bevestiging',
};

const SEARCH_FIELDS = ['zoekwijze', 'postcode', 'huisnummer', 'toevoeging', 'email', 'referentie', 'rol'] as const;
type SearchValues = Partial<Record<(typeof SEARCH_FIELDS)[number], string>>;

const REFERENCE = /^SGN-[2-9A-Z]{4}-[2-9A-Z]{4}$/;

function searchValues(v: Record<string, unknown>): SearchValues {
  const out: SearchValues = {};
  for (const k of SEARCH_FIELDS) if (typeof v[k] === 'string') out[k] = (v[k] as string).slice(0, 300);
  return out;
}

/** The search of the form, or errors per field. */
function parseSearch(v: SearchValues): { ok: true; query: RightsQuery } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  if (v.zoekwijze === 'adres') {
    const postcode = normalisePostcode(v.postcode ?? '');
    const houseNumber = parseHouseNumber(v.huisnummer ?? '');
    const addition = normaliseAddition(v.toevoeging);
    if (!postcode) errors.postcode = (v.postcode ?? '').trim() ? 'Vul een geldige postcode in: vier cijfers en twee letters, zoals 1234 AB.' : 'Vul de postcode in.';
    if (!houseNumber) errors.huisnummer = (v.huisnummer ?? '').trim() ? 'Vul het huisnummer in met alleen cijfers, zoals 12. Een letter hoort bij de toevoeging.' : 'Vul het huisnummer in.';
    if (addition === false) errors.toevoeging = 'Een toevoeging bestaat uit letters, cijfers of een streepje, hoogstens 8 tekens, zoals A of 2-hoog.';
    if (Object.keys(errors).length) return { ok: false, errors };
    return { ok: true, query: { by: 'address', postcode: postcode!, houseNumber: houseNumber!, addition: addition || null } };
  }
  if (v.zoekwijze === 'email') {
    const r = emailField().safeParse(v.email ?? '');
    if (!r.success) return { ok: false, errors: { email: r.error.issues[0]!.message } };
    return { ok: true, query: { by: 'email', email: r.data } };
  }
  if (v.zoekwijze === 'referentie') {
    const ref = (v.referentie ?? '').trim().toUpperCase().replace(/\s+/g, '');
    const withPrefix = /^[2-9A-Z]{4}-?[2-9A-Z]{4}$/.test(ref) ? `SGN-${ref.replace('-', '').slice(0, 4)}-${ref.replace('-', '').slice(4)}` : ref;
    if (!REFERENCE.test(withPrefix)) errors.referentie = ref ? 'Dit is geen referentienummer. Een referentienummer ziet eruit als SGN-7K3M-9QX2.' : 'Vul het referentienummer in.';
    if (v.rol !== 'subject' && v.rol !== 'signaller') errors.rol = 'Kies wie het verzoek doet: de melder of de persoon over wie het signaal gaat.';
    if (Object.keys(errors).length) return { ok: false, errors };
    return { ok: true, query: { by: 'reference', reference: withPrefix, role: v.rol as Role } };
  }
  return { ok: false, errors: { _form: 'Kies hoe u wilt zoeken: op adres, op e-mailadres of op referentienummer.' } };
}

function selectedIds(v: Record<string, unknown>): number[] {
  const raw = v.signaal;
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return list.map((x) => Number(x)).filter((n) => Number.isInteger(n) && n > 0);
}

const fmtDate = (d: Date | string) => new Date(d).toLocaleDateString('nl-NL', { timeZone: 'Europe/Amsterdam', day: 'numeric', month: 'long', year: 'numeric' });
const fmtDateTime = (d: Date | string) =>
  new Date(d).toLocaleString('nl-NL', { timeZone: 'Europe/Amsterdam', day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit' });
const statusLabel = (s: string) => STATUS_LABELS[s as SignalStatus] ?? s;

export async function signalRightsRoutes(app: FastifyInstance) {
  const db = app.ctx.database.db;
  const cipher = app.ctx.cipher;

  /** Repeats the search of the hidden fields; a broken search (edited page) goes back to the form. */
  async function searchOf(req: FastifyRequest) {
    const values = formValues(req.body);
    const search = searchValues(values);
    const parsed = parseSearch(search);
    return { values, search, parsed };
  }

  const searchPage = async (reply: FastifyReply, opts: { search: SearchValues; errors?: FieldErrors; found?: FoundSignal[] | null; query?: RightsQuery; status?: number; selected?: number[] }) => {
    // Blind indexes are computed with the current key: signals still under an old key are not found by address or e-mail.
    const oldKey = await countSignalsUnderOldKey(db, cipher);
    return reply.page({ title: TITLE, status: opts.status }, (ctx) => (
      <SearchPage ctx={ctx} form={{ values: opts.search, errors: opts.errors ?? {} }} found={opts.found ?? null} query={opts.query} selected={opts.selected} oldKey={oldKey} />
    ));
  };

  app.get(BASE, async (req, reply) => {
    req.authorize('signal:privacy');
    return searchPage(reply, { search: {} });
  });

  app.post(BASE, async (req, reply) => {
    req.authorize('signal:privacy');
    const { search, parsed } = await searchOf(req);
    if (!parsed.ok) return searchPage(reply, { search, errors: parsed.errors, status: 422 });
    const found = await findSignals(db, cipher, parsed.query);
    await auditSearch(db, req.auditCtx(), parsed.query, found);
    return searchPage(reply, { search, found, query: parsed.query });
  });

  /** The ticked signals of a repeated search, or the search page with an error (422). */
  async function selection(req: FastifyRequest, reply: FastifyReply) {
    const { values, search, parsed } = await searchOf(req);
    if (!parsed.ok) return { done: searchPage(reply, { search, errors: parsed.errors, status: 422 }) } as const;
    const ids = selectedIds(values);
    const selected = ids.length ? await selectSignals(db, cipher, parsed.query, ids) : [];
    if (!selected.length) {
      const found = await findSignals(db, cipher, parsed.query);
      await auditSearch(db, req.auditCtx(), parsed.query, found);
      return { done: searchPage(reply, { search, found, query: parsed.query, errors: { signaal: 'Kies minstens één signaal.' }, status: 422, selected: [] }) } as const;
    }
    return { values, search, query: parsed.query, selected } as const;
  }

  app.post(`${BASE}/inzage`, async (req, reply) => {
    req.authorize('signal:privacy');
    const s = await selection(req, reply);
    if ('done' in s) return s.done;
    const data = await buildExport(db, cipher, s.selected, new Date());
    await auditExport(db, req.auditCtx(), s.query, s.selected, 'html');
    return reply.page({ title: 'Inzage privacyverzoek' }, (ctx) => <ExportPage ctx={ctx} data={data} search={s.search} selected={s.selected} />);
  });

  app.post(`${BASE}/export.json`, async (req, reply) => {
    req.authorize('signal:privacy');
    const s = await selection(req, reply);
    if ('done' in s) return s.done;
    const now = new Date();
    const data = await buildExport(db, cipher, s.selected, now);
    await auditExport(db, req.auditCtx(), s.query, s.selected, 'json');
    return sendRightsJson(reply, 'privacyverzoek-signalen', now, data);
  });

  app.post(`${BASE}/verwijderen`, async (req, reply) => {
    req.authorize('signal:privacy');
    const s = await selection(req, reply);
    if ('done' in s) return s.done;
    const { confirmed, errors } = eraseConfirmation(s.values, 'Vink aan dat u hebt gecontroleerd dat deze signalen over deze persoon gaan, of kies Annuleren.');
    if (!confirmed) {
      return reply.page({ title: 'Gegevens verwijderen', status: Object.keys(errors).length ? 422 : 200 }, (ctx) => (
        <ConfirmErasePage ctx={ctx} search={s.search} selected={s.selected} errors={errors} />
      ));
    }
    const r = await erasePerson(db, cipher, s.selected, new Date(), req.auditCtx());
    const parts = [
      r.subjects ? `de persoonsgegevens van ${r.subjects} ${r.subjects === 1 ? 'signaal' : 'signalen'} over deze persoon` : '',
      r.signallers ? `de gegevens van de melder bij ${r.signallers} ${r.signallers === 1 ? 'signaal' : 'signalen'}` : '',
    ].filter(Boolean);
    reply.flash(
      'success',
      `Verwijderd: ${parts.join(' en ')}.${r.closed ? ` ${r.closed === 1 ? 'Eén open signaal is' : `${r.closed} open signalen zijn`} afgesloten met de uitkomst "${ERASED_OUTCOME_LABEL}".` : ''} De anonieme cijfers blijven bewaard.`,
    );
    return reply.redirect(BASE, 303);
  });
}

// ---------------------------------------------------------------------------------------
// Views

/** The search as [name, value] pairs for hidden fields. */
const searchFields = (search: SearchValues): [string, string][] => SEARCH_FIELDS.filter((k) => search[k] !== undefined).map((k) => [k, search[k]!]);

function HiddenSearch({ search }: { search: SearchValues }) {
  return <HiddenFields fields={searchFields(search)} />;
}

function HiddenSelection({ selected }: { selected: FoundSignal[] }) {
  return (
    <>
      {selected.map((s) => (
        <input type="hidden" name="signaal" value={String(s.id)} />
      ))}
    </>
  );
}

const roleShort = (r: Role) => (r === 'subject' ? 'Betrokkene' : 'Melder');

/** Shown while signals still have personal data under an old key (their blind indexes too). */
function OldKeyWarning({ count }: { count: number }) {
  if (count <= 0) return null;
  return (
    <Alert kind="warning">
      {count === 1 ? '1 signaal heeft' : `${count} signalen hebben`} nog persoonsgegevens die met een oude sleutel zijn versleuteld. Zoeken op adres of e-mailadres kan
      {count === 1 ? ' dat signaal' : ' die signalen'} missen tot de sleutelrotatie (<code>rotate-encryption-key</code>) is uitgevoerd. Vraag de technisch beheerder
      dat te doen, of zoek zolang ook op referentienummer.
    </Alert>
  );
}

function SearchPage({ ctx, form, found, query, selected, oldKey }: { ctx: PageContext; form: FormState; found: FoundSignal[] | null; query?: RightsQuery; selected?: number[]; oldKey: number }) {
  const by = form.values.zoekwijze;
  const sub = (name: string): FormState => ({ values: by === name ? form.values : {}, errors: by === name ? form.errors : {} });
  return (
    <Page ctx={ctx} title={TITLE} crumbs={[...CRUMBS.slice(0, 1), { label: 'Privacyverzoeken' }]}>
      <Heading>{TITLE}</Heading>
      <P>
        Gaat het verzoek niet over een signaal maar over het netwerk of een account?{' '}
        <Link href={`${BASE}/netwerk`}>Privacyverzoeken over contactpersonen, coalitieleden en vraag en aanbod</Link>
      </P>
      <P>
        Vraagt iemand welke gegevens we over hem of haar hebben in het signaalpunt, of vraagt iemand die gegevens te verwijderen? Zoek hier de signalen van die persoon.
        Controleer eerst wie het verzoek doet (bijvoorbeeld met een kopie van een legitimatiebewijs zonder BSN, of door terug te bellen). Elke zoekopdracht, inzage en
        verwijdering wordt vastgelegd in het auditlog.
      </P>
      <ErrorSummary errors={form.errors} labels={LABELS} />
      <OldKeyWarning count={oldKey} />
      <div class="sg-rights__searches">
        <form method="post" action={BASE} class="sg-rights__search" novalidate aria-labelledby="zoek-adres">
          <h2 class="utrecht-heading-2" id="zoek-adres">
            Op adres: signalen over deze persoon
          </h2>
          <CsrfField token={ctx.csrfToken} />
          <input type="hidden" name="zoekwijze" value="adres" />
          <TextField name="postcode" label={LABELS.postcode!} form={sub('adres')} required width="s" autocomplete="off" />
          <TextField name="huisnummer" label={LABELS.huisnummer!} form={sub('adres')} required width="xs" inputmode="numeric" />
          <TextField name="toevoeging" label={LABELS.toevoeging!} form={sub('adres')} width="xs" hint="Precies zoals op het adres, bijvoorbeeld A of 2-hoog. Zonder toevoeging vindt u alleen signalen zonder toevoeging." />
          <Button>Zoeken op adres</Button>
        </form>
        <form method="post" action={BASE} class="sg-rights__search" novalidate aria-labelledby="zoek-email">
          <h2 class="utrecht-heading-2" id="zoek-email">
            Op e-mailadres: signalen van deze persoon als melder, of zelf om contact gevraagd
          </h2>
          <CsrfField token={ctx.csrfToken} />
          <input type="hidden" name="zoekwijze" value="email" />
          <TextField name="email" label={LABELS.email!} form={sub('email')} type="email" required autocomplete="off" />
          <Button>Zoeken op e-mailadres</Button>
        </form>
        <form method="post" action={BASE} class="sg-rights__search" novalidate aria-labelledby="zoek-referentie">
          <h2 class="utrecht-heading-2" id="zoek-referentie">
            Op referentienummer
          </h2>
          <CsrfField token={ctx.csrfToken} />
          <input type="hidden" name="zoekwijze" value="referentie" />
          <TextField name="referentie" label={LABELS.referentie!} form={sub('referentie')} required width="m" hint="Zoals SGN-7K3M-9QX2. De melder kreeg dit nummer na het doorgeven." autocomplete="off" />
          <SelectField
            name="rol"
            label={LABELS.rol!}
            form={sub('referentie')}
            required
            placeholder="Kies…"
            options={[
              { value: 'signaller', label: 'De melder (die het signaal doorgaf)' },
              { value: 'subject', label: 'De persoon over wie het signaal gaat' },
            ]}
            hint="Vraagt iemand zelf om contact, dan gaat het signaal altijd over die persoon."
          />
          <Button>Zoeken op referentienummer</Button>
        </form>
      </div>
      {found && query && <Results ctx={ctx} found={found} query={query} search={form.values as SearchValues} errors={form.errors} selected={selected} />}
    </Page>
  );
}

function Results({ ctx, found, query, search, errors, selected }: { ctx: PageContext; found: FoundSignal[]; query: RightsQuery; search: SearchValues; errors: FieldErrors; selected?: number[] }) {
  const checked = new Set(selected ?? found.map((f) => f.id));
  const what =
    query.by === 'address'
      ? `op het adres ${formatPostcode(query.postcode)} ${query.houseNumber}${query.addition ? ` ${query.addition}` : ''}`
      : query.by === 'email'
        ? 'met dit e-mailadres'
        : `met referentienummer ${query.reference}`;
  const id = fieldId('signaal');
  return (
    <section aria-labelledby="resultaten-kop">
      <h2 class="utrecht-heading-2" id="resultaten-kop">
        {found.length === 0 ? `Geen signalen gevonden ${what}` : `${found.length} ${found.length === 1 ? 'signaal' : 'signalen'} gevonden ${what}`}
      </h2>
      {found.length === 0 ? (
        <P>
          Er zijn geen signalen met persoonsgegevens {what}. Signalen waarvan de gegevens na de bewaartermijn al zijn verwijderd, vindt u niet op adres of e-mailadres; daar is
          ook niets meer over deze persoon van bewaard.
        </P>
      ) : (
        <form method="post" action={`${BASE}/inzage`} novalidate>
          <CsrfField token={ctx.csrfToken} />
          <HiddenSearch search={search} />
          {query.by === 'address' && <Alert kind="warning">Op één adres kunnen meer mensen wonen. Controleer bij de inzage of de signalen over deze persoon gaan.</Alert>}
          <fieldset class={`utrecht-form-fieldset${errors.signaal ? ' utrecht-form-fieldset--invalid' : ''}`} id={id} tabIndex={-1}>
            <legend class="utrecht-form-fieldset__legend">Kies de signalen voor inzage, download of verwijdering</legend>
            {errors.signaal && (
              <div class="utrecht-form-field-error-message" id={`${id}-error`}>
                <span class="visually-hidden">Fout: </span>
                {errors.signaal}
              </div>
            )}
            <div class="table-scroll" role="region" aria-label="Gevonden signalen" tabIndex={0}>
              <table class="utrecht-table utrecht-table--html-table">
                <caption class="utrecht-table__caption">Gevonden signalen</caption>
                <thead class="utrecht-table__header">
                  <tr class="utrecht-table__row">
                    {['Kies', 'Referentie', 'Ontvangen', 'Gemeente', 'Organisatie', 'Status', 'Deze persoon is'].map((h) => (
                      <th class="utrecht-table__header-cell" scope="col">
                        {h}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody class="utrecht-table__body">
                  {found.map((f) => (
                    <tr class="utrecht-table__row">
                      <td class="utrecht-table__cell">
                        <input class="utrecht-checkbox utrecht-checkbox--html-input" type="checkbox" name="signaal" value={String(f.id)} id={`${id}-${f.id}`} checked={checked.has(f.id)} />
                        <label class="visually-hidden" for={`${id}-${f.id}`}>
                          Kies signaal {f.reference}
                        </label>
                      </td>
                      <td class="utrecht-table__cell sg-rights__ref">{f.reference}</td>
                      <td class="utrecht-table__cell">{fmtDate(f.receivedAt)}</td>
                      <td class="utrecht-table__cell">{f.municipality ?? 'Onbekend'}</td>
                      <td class="utrecht-table__cell">{f.organisation ?? 'Nog niet gerouteerd'}</td>
                      <td class="utrecht-table__cell">
                        {statusLabel(f.status)}
                        {f.personalDataRemovedAt ? ` (persoonsgegevens verwijderd op ${fmtDate(f.personalDataRemovedAt)})` : ''}
                      </td>
                      <td class="utrecht-table__cell">{ROLE_LABELS[f.role]}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
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
          <P>Verwijderen vraagt eerst om een bevestiging.</P>
        </form>
      )}
    </section>
  );
}

function LogTable({ log }: { log: SubjectExport['log'] }) {
  if (!log.length) return null;
  const rows: ComponentChildren[][] = log.map((e) => [fmtDateTime(e.at), e.kindLabel, e.code ?? '', e.text ?? '']);
  return <FigureTable caption="Logboek van de behandeling" head={['Moment', 'Gebeurtenis', 'Code', 'Tekst']} rows={rows} numericFrom={99} />;
}

function SubjectView({ s }: { s: SubjectExport }) {
  const p = s.person;
  return (
    <section class="sg-rights__signal" aria-labelledby={`sig-${s.reference}`}>
      <h2 class="utrecht-heading-2" id={`sig-${s.reference}`}>
        Signaal {s.reference}: over deze persoon
      </h2>
      {s.personalDataRemovedAt && <Alert kind="info">De persoonsgegevens van dit signaal zijn verwijderd op {fmtDate(s.personalDataRemovedAt)}.</Alert>}
      <SummaryList
        items={[
          ['Ontvangen', fmtDateTime(s.receivedAt)],
          ['Soort signaal', s.kindLabel],
          ['Gemeente', s.municipality],
          ['Buurt', s.neighbourhood],
          ['Organisatie', s.organisation],
          ['Status', s.statusLabel],
          ['Uitkomst', s.outcomeLabel],
          ['Activiteit', s.outcomeActivity],
          ['Afgesloten', s.closedAt ? fmtDateTime(s.closedAt) : null],
          ['Doorgegeven door (soort melder)', s.signallerTypeLabel],
          ['Naam', p?.name ?? null],
          ['Adres', p ? formatAddress(p) : null],
          ['Telefoon', p?.phone ?? null],
          ['E-mailadres', p?.email ?? null],
          ['Leeftijd', s.ageGroupLabel],
          ['Weet de persoon ervan', s.personKnowsLabel],
          ['Signalen', s.signs.length ? s.signs.map((x) => x.label).join('; ') : null],
          ['Wat de melder opviel', s.story],
        ]}
      />
      <LogTable log={s.log} />
    </section>
  );
}

function SignallerView({ s }: { s: SignallerExport }) {
  const g = s.signaller;
  return (
    <section class="sg-rights__signal" aria-labelledby={`sig-${s.reference}`}>
      <h2 class="utrecht-heading-2" id={`sig-${s.reference}`}>
        Signaal {s.reference}: doorgegeven door deze persoon
      </h2>
      <P>Alleen de gegevens van de melder zelf. Gegevens over de persoon over wie het signaal gaat, horen niet bij dit verzoek.</P>
      <SummaryList
        items={[
          ['Doorgegeven', fmtDateTime(s.receivedAt)],
          ['Soort melder', s.signallerTypeLabel],
          ['Naam', g?.name ?? null],
          ['E-mailadres', g?.email ?? null],
          ['Telefoon', g?.phone ?? null],
          ['Organisatie van de melder', g?.organisation ?? null],
          ['Wil terugkoppeling', s.feedbackRequested ? 'Ja' : 'Nee'],
          ['Terugkoppeling verstuurd', s.feedbackSentAt ? fmtDateTime(s.feedbackSentAt) : null],
        ]}
      />
    </section>
  );
}

function ExportPage({ ctx, data, search, selected }: { ctx: PageContext; data: RightsExport; search: SearchValues; selected: FoundSignal[] }) {
  return (
    <Page ctx={ctx} title="Inzage privacyverzoek" crumbs={[...CRUMBS, { label: 'Inzage' }]}>
      <Heading>Inzage privacyverzoek</Heading>
      <P>
        Alle gegevens die het signaalpunt over deze persoon bewaart in de gekozen signalen, opgesteld op {fmtDateTime(data.exportedAt)}. Wie een signaal doorgaf, staat er niet
        bij: alleen de soort melder. Die gegevens zijn van de melder.
      </P>
      <form method="post" action={`${BASE}/export.json`} class="sg-rights__actions">
        <CsrfField token={ctx.csrfToken} />
        <HiddenSearch search={search} />
        <HiddenSelection selected={selected} />
        <Button variant="secondary">Downloaden (JSON)</Button>
      </form>
      {data.signals.map((s) => (s.role === 'subject' ? <SubjectView s={s} /> : <SignallerView s={s} />))}
      <P>
        <Link href={BASE}>Terug naar privacyverzoeken</Link>
      </P>
    </Page>
  );
}

function ConfirmErasePage({ ctx, search, selected, errors }: { ctx: PageContext; search: SearchValues; selected: FoundSignal[]; errors: FieldErrors }) {
  const subjects = selected.filter((s) => s.role === 'subject');
  const signallers = selected.filter((s) => s.role === 'signaller');
  const open = subjects.filter((s) => isOpen(s.status));
  return (
    <Page ctx={ctx} title="Gegevens verwijderen" crumbs={[...CRUMBS, { label: 'Verwijderen' }]}>
      <Heading>Gegevens verwijderen</Heading>
      <ErrorSummary errors={errors} labels={LABELS} />
      <Alert kind="warning">Verwijderen is definitief: de gegevens zijn daarna niet terug te halen, ook niet door het programmateam.</Alert>
      {subjects.length > 0 && (
        <>
          <h2 class="utrecht-heading-2">Als betrokkene: {subjects.map((s) => s.reference).join(', ')}</h2>
          <P>
            Van {subjects.length === 1 ? 'dit signaal' : 'deze signalen'} verwijderen we alle persoonsgegevens: naam, adres en contactgegevens van de persoon, wat de melder
            opviel, de gegevens van de melder, de omschrijving van de activiteit bij de uitkomst en de teksten van notities en contactpogingen. Wat overblijft zijn de anonieme gegevens voor de cijfers (datum, gemeente, buurt,
            soort melder, signalen, status en uitkomst).
          </P>
          {open.length > 0 && (
            <P>
              <strong>
                {open.length === 1 ? `Signaal ${open[0]!.reference} is nog in behandeling` : `De signalen ${open.map((s) => s.reference).join(', ')} zijn nog in behandeling`}
                : {open.length === 1 ? 'het wordt' : 'ze worden'} afgesloten met de uitkomst "{ERASED_OUTCOME_LABEL}".
              </strong>{' '}
              Het signaalpunt ziet dat in het logboek, zonder persoonsgegevens.
            </P>
          )}
        </>
      )}
      {signallers.length > 0 && (
        <>
          <h2 class="utrecht-heading-2">Als melder: {signallers.map((s) => s.reference).join(', ')}</h2>
          <P>
            Van {signallers.length === 1 ? 'dit signaal' : 'deze signalen'} verwijderen we alleen de gegevens van de melder (naam, e-mailadres, telefoon, organisatie); de
            melder krijgt geen terugkoppeling meer. Het signaal zelf blijft in behandeling bij het signaalpunt.
          </P>
        </>
      )}
      <EraseConfirmForm
        action={`${BASE}/verwijderen`}
        csrf={ctx.csrfToken}
        hidden={[...searchFields(search), ...selected.map((s): [string, string] => ['signaal', String(s.id)])]}
        label={LABELS.bevestiging!}
        confirmation="Ik heb gecontroleerd wie het verzoek doet en dat deze signalen over deze persoon gaan. Verwijder de gegevens definitief."
        errors={errors}
        cancel={BASE}
      />
    </Page>
  );
}
