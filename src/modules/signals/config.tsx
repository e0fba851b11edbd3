import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ComponentChildren } from 'preact';
import { Page, type Crumb, type PageContext } from '../../platform/views/layout.js';
import {
  Alert,
  Button,
  ButtonLink,
  CheckboxGroup,
  CsrfField,
  DataTable,
  ErrorSummary,
  fieldId,
  Heading,
  Link,
  P,
  Pagination,
  SelectField,
  SummaryList,
  TextField,
  type Column,
  type FormState,
  type ListQuery,
  type Option,
} from '../../platform/views/components.js';
import { formValues, listParams, parseForm, pathId } from '../../platform/http/forms.js';
import { ForbiddenError, NotFoundError } from '../../platform/http/errors.js';
import { can, type Principal } from '../../platform/access.js';
import { ConfirmForm, Reasons } from '../registry/ui.js';
import { AGE_GROUPS, AGE_GROUP_LABELS, SIGNALLER_TYPE_LABELS } from './model.js';
import {
  checkPointForm,
  checkRuleForm,
  createRule,
  createSignalPoint,
  deleteRule,
  deleteSignalPoint,
  describeCriteria,
  explainRouting,
  findMunicipality,
  getMunicipalityConfig,
  isAdmin,
  listMunicipalityConfigs,
  makeDefault,
  mayConfigureSomething,
  moveRule,
  neighbourhoodChoices,
  organisationChoices,
  pointDeleteBlockers,
  POINT_FIELD_LABELS,
  ROUTING_TEST_LABELS,
  routingTestSchema,
  RULE_AGE_GROUPS,
  RULE_FIELD_LABELS,
  RULE_SIGNALLER_TYPES,
  setPointActive,
  updateRule,
  updateSignalPoint,
  FIRST_CONTACT_DEFAULT,
  RETENTION_DEFAULT,
  type MunicipalityConfigRow,
  type MunicipalityListShow,
  type MunicipalityRef,
  type PointRow,
  type RoutingExplanation,
  type RuleRow,
} from './config-service.js';

/**
 * Signal points and routing rules per municipality (/signaalpunten): for the programme team
 * and the municipality coordinators of their own municipalities ('signal:configure'). Another
 * municipality answers 404; a user without either role gets 403.
 */

const BASE = '/signaalpunten';
const HOME: Crumb = { href: '/beheer', label: 'Overzicht' };
const LIST: Crumb = { href: BASE, label: 'Signaalpunten' };
export const NO_DEFAULT_WARNING = 'Geen standaard-signaalpunt: signalen uit deze gemeente komen in de wachtrij van het programmateam.';

const SHOW_QUERY: Record<string, MunicipalityListShow> = { 'zonder-standaard': 'without_default', alle: 'all' };
const QUERY_OF_SHOW: Record<MunicipalityListShow, string | undefined> = { participating: undefined, without_default: 'zonder-standaard', all: 'alle' };

const yesNo = (b: boolean) => (b ? 'Ja' : 'Nee');
const muniPath = (m: { cbsCode: string }) => `${BASE}/${m.cbsCode}`;

/** The form of a signal point (new and edit). */
function PointForm({
  ctx,
  m,
  title,
  action,
  form,
  organisations,
  mayCreateOrganisation,
}: {
  ctx: PageContext;
  m: MunicipalityRef;
  title: string;
  action: string;
  form: FormState;
  organisations: { id: number; name: string; municipalityId: number | null }[];
  mayCreateOrganisation: boolean;
}) {
  const options: Option[] = organisations.map((o) => ({ value: String(o.id), label: o.municipalityId ? o.name : `${o.name} (landelijk)` }));
  return (
    <Page ctx={ctx} title={title} crumbs={[HOME, LIST, { href: muniPath(m), label: m.name }, { label: title }]}>
      <Heading>{title}</Heading>
      <ErrorSummary errors={form.errors} labels={POINT_FIELD_LABELS} />
      <P>
        Een signaalpunt is de organisatie die de signalen uit {m.name} oppakt, meestal de welzijnsorganisatie. Met routeringsregels kunt u
        signalen uit bepaalde buurten of van bepaalde melders naar een ander signaalpunt sturen.
      </P>
      {organisations.length === 0 && (
        <Alert kind="warning">
          Er staan nog geen organisaties van {m.name} in het register.{' '}
          {mayCreateOrganisation ? <Link href="/beheer/organisaties/nieuw">Voeg eerst de organisatie toe aan het register.</Link> : 'Vraag het programmateam de organisatie toe te voegen.'}
        </Alert>
      )}
      <form method="post" action={action} novalidate class="form">
        <CsrfField token={ctx.csrfToken} />
        <TextField name="name" label={POINT_FIELD_LABELS.name!} form={form} required hint="Zoals melders en medewerkers het kennen, bijvoorbeeld &quot;Signaalpunt Welzijn Noord&quot;." />
        <SelectField
          name="organisationId"
          label={POINT_FIELD_LABELS.organisationId!}
          form={form}
          required
          placeholder="Kies een organisatie"
          options={options}
          hint={`Organisaties van ${m.name} uit het register, en landelijke organisaties. Alleen medewerkers van deze organisatie zien de signalen.`}
        />
        {mayCreateOrganisation && (
          <P>
            Staat de organisatie er niet bij? <Link href="/beheer/organisaties/nieuw">Voeg de organisatie toe aan het register</Link> en kom daarna hier terug.
          </P>
        )}
        <TextField name="firstContactDays" label={POINT_FIELD_LABELS.firstContactDays!} form={form} required type="number" width="xs" hint="Binnen hoeveel werkdagen na ontvangst neemt het signaalpunt contact op? 1 tot en met 10; gebruikelijk is 2." />
        <TextField name="retentionMonths" label={POINT_FIELD_LABELS.retentionMonths!} form={form} required type="number" width="xs" hint="Zoveel maanden na het afsluiten van een signaal worden de persoonsgegevens verwijderd. 1 tot en met 24; standaard 6." />
        <TextField
          name="digestEmail"
          label={POINT_FIELD_LABELS.digestEmail!}
          form={form}
          type="email"
          autocomplete="email"
          hint="Naast de coördinatoren van de organisatie. Gebruik bij voorkeur een algemeen adres, zoals signaalpunt@welzijn.nl. Het overzicht bevat nooit gegevens over personen."
        />
        <CheckboxGroup
          name="isDefault"
          label={POINT_FIELD_LABELS.isDefault!}
          form={form}
          hint="Het standaard-signaalpunt krijgt elk signaal uit de gemeente dat geen regel ergens anders heen stuurt. Een gemeente heeft er precies één."
          options={[{ value: 'ja', label: `Dit is het standaard-signaalpunt van ${m.name}` }]}
        />
        <div class="form-actions">
          <Button>Signaalpunt opslaan</Button>
          <Link href={muniPath(m)}>Annuleren</Link>
        </div>
      </form>
    </Page>
  );
}

const ageOptions: Option[] = RULE_AGE_GROUPS.map((a) => ({ value: a, label: AGE_GROUP_LABELS[a] }));
const signallerOptions: Option[] = RULE_SIGNALLER_TYPES.map((s) => ({ value: s, label: SIGNALLER_TYPE_LABELS[s] }));

/** The form of a routing rule (new and edit). */
function RuleForm({
  ctx,
  m,
  title,
  action,
  form,
  points,
  hoods,
}: {
  ctx: PageContext;
  m: MunicipalityRef;
  title: string;
  action: string;
  form: FormState;
  points: PointRow[];
  hoods: { id: number; code: string; name: string }[];
}) {
  const err = form.errors.criteria;
  const id = fieldId('criteria');
  return (
    <Page ctx={ctx} title={title} crumbs={[HOME, LIST, { href: muniPath(m), label: m.name }, { label: title }]}>
      <Heading>{title}</Heading>
      <ErrorSummary errors={form.errors} labels={RULE_FIELD_LABELS} />
      <P>Een signaal dat aan álle gekozen voorwaarden voldoet, gaat naar het gekozen signaalpunt. Laat een voorwaarde leeg als die niet uitmaakt.</P>
      <form method="post" action={action} novalidate class="form">
        <CsrfField token={ctx.csrfToken} />
        <fieldset class={`utrecht-form-fieldset${err ? ' utrecht-form-fieldset--invalid' : ''}`} id={id} tabIndex={-1} aria-describedby={err ? `${id}-error` : `${id}-hint`}>
          <legend class="utrecht-form-fieldset__legend">Voorwaarden</legend>
          <div class="utrecht-form-field-description" id={`${id}-hint`}>
            Kies minstens één voorwaarde.
          </div>
          {err && (
            <div class="utrecht-form-field-error-message" id={`${id}-error`}>
              <span class="visually-hidden">Fout: </span>
              {err}
            </div>
          )}
          <SelectField
            name="neighbourhoodId"
            label={RULE_FIELD_LABELS.neighbourhoodId!}
            form={form}
            placeholder={hoods.length ? 'Alle buurten' : `Er staan nog geen buurten van ${m.name} in het register`}
            options={hoods.map((n) => ({ value: String(n.id), label: `${n.name} (${n.code})` }))}
          />
          <SelectField name="ageGroup" label={RULE_FIELD_LABELS.ageGroup!} form={form} placeholder="Alle leeftijden" options={ageOptions} />
          <SelectField name="signallerType" label={RULE_FIELD_LABELS.signallerType!} form={form} placeholder="Alle melders" options={signallerOptions} />
        </fieldset>
        <SelectField
          name="signalPointId"
          label={RULE_FIELD_LABELS.signalPointId!}
          form={form}
          required
          placeholder="Kies een signaalpunt"
          options={points.filter((p) => p.active).map((p) => ({ value: String(p.id), label: `${p.name} (${p.organisationName})` }))}
        />
        <div class="form-actions">
          <Button>Regel opslaan</Button>
          <Link href={muniPath(m)}>Annuleren</Link>
        </div>
      </form>
    </Page>
  );
}

/**
 * The "test the routing" form. Nothing is stored, but it is a POST (with CSRF): postcode and
 * house number are an address, and an address does not belong in a URL (browser history, logs).
 */
function RoutingTestForm({ m, form, csrf }: { m: MunicipalityRef; form: FormState; csrf: string }) {
  return (
    <form method="post" action={`${muniPath(m)}/routering-testen`} novalidate class="form" aria-label="Routering testen">
      <CsrfField token={csrf} />
      <TextField name="postcode" label={ROUTING_TEST_LABELS.postcode!} form={form} required width="s" autocomplete="off" hint="Bijvoorbeeld 3511 AB." />
      <TextField name="houseNumber" label={ROUTING_TEST_LABELS.houseNumber!} form={form} required width="xs" inputmode="numeric" autocomplete="off" />
      <SelectField name="ageGroup" label={ROUTING_TEST_LABELS.ageGroup!} form={form} placeholder="Niet opgegeven" options={AGE_GROUPS.map((a) => ({ value: a, label: AGE_GROUP_LABELS[a] }))} />
      <SelectField name="signallerType" label={ROUTING_TEST_LABELS.signallerType!} form={form} placeholder="Niet opgegeven" options={signallerOptions} />
      <div class="form-actions">
        <Button variant="secondary">Routering testen</Button>
      </div>
    </form>
  );
}

function RoutingResult({ r, m }: { r: RoutingExplanation; m: MunicipalityRef }) {
  if (!r.area) {
    return (
      <Alert kind="warning">
        Deze postcode staat niet in de postcodetabel. Een signaal voor dit adres komt in de wachtrij van het programmateam, tenzij de adreszoeker (PDOK)
        het adres kent. <Link href={`${BASE}/postcodes`}>Zoek de postcode op in de postcodetabel.</Link>
      </Alert>
    );
  }
  const by = r.area.by === 'address' ? 'Dit huisnummer (uitzondering in de postcodetabel)' : r.area.by === 'postcode' ? 'De postcode (postcodetabel)' : 'De adreszoeker (PDOK)';
  if (!r.inScope) {
    return (
      <>
        <SummaryList items={[['Gemeente', `${r.area.municipalityName} (${r.area.cbsCode})`], ['Bepaald op', by]]} />
        <Alert kind="info">Dit adres ligt in {r.area.municipalityName}, niet in {m.name}. De signaalpunten van die gemeente kunt u niet inzien.</Alert>
      </>
    );
  }
  const why =
    r.reason === 'rule'
      ? `Regel ${r.ruleNumber} is de eerste regel waarvan alle voorwaarden kloppen.`
      : r.reason === 'default'
        ? 'Geen regel past; het signaal gaat naar het standaard-signaalpunt.'
        : 'Geen regel past en de gemeente heeft geen standaard-signaalpunt: het signaal komt in de wachtrij van het programmateam.';
  return (
    <>
      <SummaryList
        items={[
          ['Gemeente', `${r.area.municipalityName} (${r.area.cbsCode})`],
          ['Buurt', r.area.neighbourhoodName ?? 'Onbekend (alleen de gemeente is bekend)'],
          ['Bepaald op', by],
          ['Signaalpunt', r.point ? `${r.point.name} (${r.point.organisationName})` : 'Geen: wachtrij van het programmateam'],
          ['Waarom', why],
        ]}
      />
      {r.skippedInactive > 0 && (
        <Alert kind="info">
          {r.skippedInactive === 1 ? 'Eén regel is' : `${r.skippedInactive} regels zijn`} overgeslagen omdat het signaalpunt van die regel niet actief is.
        </Alert>
      )}
    </>
  );
}

/** A one-button POST form (table actions). */
function ActionButton({ action, csrf, children, label }: { action: string; csrf: string; children: ComponentChildren; label?: string }) {
  return (
    <form method="post" action={action} class="inline-form">
      <CsrfField token={csrf} />
      <Button variant="subtle" aria-label={label}>
        {children}
      </Button>
    </form>
  );
}

export async function signalConfigRoutes(app: FastifyInstance) {
  const db = app.ctx.database.db;

  /** 403 for users who configure nothing; 404 for a municipality outside their scope. */
  function gate(req: FastifyRequest): Principal {
    const p = req.requireUser();
    if (!mayConfigureSomething(p)) throw new ForbiddenError();
    return p;
  }
  async function municipalityOf(req: FastifyRequest) {
    const p = gate(req);
    const m = await findMunicipality(db, (req.params as { cbsCode: string }).cbsCode);
    if (!m || !can(p, 'signal:configure', { municipalityId: m.id })) throw new NotFoundError();
    return { p, m };
  }
  async function pointOf(req: FastifyRequest) {
    const r = await municipalityOf(req);
    const id = pathId((req.params as { id: string }).id);
    const point = (await getMunicipalityConfig(db, r.m.id)).points.find((x) => x.id === id);
    if (!point) throw new NotFoundError();
    return { ...r, point: { ...point, municipalityId: r.m.id } };
  }
  async function ruleOf(req: FastifyRequest) {
    const r = await municipalityOf(req);
    const id = pathId((req.params as { id: string }).id);
    const config = await getMunicipalityConfig(db, r.m.id);
    const index = config.rules.findIndex((x) => x.id === id);
    if (index < 0) throw new NotFoundError();
    return { ...r, config, rule: { ...config.rules[index]!, municipalityId: r.m.id }, number: index + 1 };
  }

  app.get(BASE, async (req, reply) => {
    const p = gate(req);
    const q = req.query as Record<string, string>;
    const lp = listParams(q, [], 'name', 50);
    const admin = isAdmin(p);
    const show: MunicipalityListShow = (admin && SHOW_QUERY[q.toon]) || 'participating';
    const { rows, total } = await listMunicipalityConfigs(db, p, { q: lp.q || undefined, show, page: lp.page, pageSize: lp.pageSize });
    const query: ListQuery = { q: lp.q || undefined, toon: QUERY_OF_SHOW[show], page: lp.page, pageSize: lp.pageSize };
    const columns: Column<MunicipalityConfigRow>[] = [
      { key: 'name', label: 'Gemeente', render: (r) => <Link href={muniPath(r)}>{`${r.name} (${r.cbsCode})`}</Link> },
      { key: 'points', label: 'Actieve signaalpunten', render: (r) => r.pointNames ?? 'Geen' },
      {
        key: 'default',
        label: 'Standaard-signaalpunt',
        render: (r) => (r.hasDefault ? 'Ja' : <strong class="sp-warning">{NO_DEFAULT_WARNING}</strong>),
      },
      { key: 'rules', label: 'Routeringsregels', numeric: true, render: (r) => r.rules },
    ];
    const form = { values: { q: lp.q, toon: query.toon ?? '' }, errors: {} };
    const withoutDefault = rows.filter((r) => !r.hasDefault).length;
    return reply.page({ title: 'Signaalpunten' }, (ctx) => (
      <Page ctx={ctx} title="Signaalpunten" crumbs={[HOME, { label: 'Signaalpunten' }]}>
        <Heading>Signaalpunten</Heading>
        <P>
          Per gemeente: welke organisatie de signalen oppakt (het signaalpunt), en eventuele regels die signalen uit bepaalde buurten, van bepaalde
          leeftijdsgroepen of van bepaalde melders naar een ander signaalpunt sturen.
        </P>
        <p class="form-actions">
          <Link href={`${BASE}/postcodes`}>Postcode opzoeken of corrigeren</Link>
          {can(p, 'postcode:import') && <Link href="/beheer/postcodes/importeren">Postcodetabel importeren</Link>}
          {can(p, 'signal:route') && <Link href="/signalen/niet-gerouteerd">Signalen zonder signaalpunt</Link>}
        </p>
        {admin && (
          <form method="get" action={BASE} class="filter-form" role="search" novalidate aria-label="Gemeenten zoeken en filteren">
            <TextField name="q" label="Zoek op gemeente of CBS-code" type="search" form={form} filter />
            <SelectField
              name="toon"
              label="Welke gemeenten"
              form={form}
              filter
              options={[
                { value: '', label: 'Deelnemende gemeenten en gemeenten met een signaalpunt' },
                { value: 'zonder-standaard', label: 'Zonder standaard-signaalpunt' },
                { value: 'alle', label: 'Alle gemeenten' },
              ]}
            />
            <Button variant="secondary">Zoeken</Button>
          </form>
        )}
        {withoutDefault > 0 && (
          <Alert kind="warning">
            {withoutDefault === 1 ? 'Eén gemeente' : `${withoutDefault} gemeenten`} op deze pagina {withoutDefault === 1 ? 'heeft' : 'hebben'} geen standaard-signaalpunt.
            Signalen uit {withoutDefault === 1 ? 'die gemeente' : 'die gemeenten'} komen in de wachtrij van het programmateam.
          </Alert>
        )}
        <DataTable
          caption="Gemeenten en hun signaalpunten"
          columns={columns}
          rows={rows}
          base={BASE}
          query={query}
          empty={admin ? 'Geen gemeenten gevonden.' : 'U bent voor geen gemeente coördinator.'}
        />
        <Pagination base={BASE} query={query} total={total} />
      </Page>
    ));
  });

  app.get(`${BASE}/:cbsCode`, async (req, reply) => {
    const { p, m } = await municipalityOf(req);
    const { points, rules } = await getMunicipalityConfig(db, m.id);
    const hasDefault = points.some((x) => x.isDefault && x.active);
    const base = muniPath(m);
    const pointColumns = (csrf: string): Column<PointRow>[] => [
      { key: 'name', label: 'Naam', render: (r) => r.name },
      { key: 'organisation', label: 'Organisatie', render: (r) => r.organisationName },
      { key: 'default', label: 'Standaard', render: (r) => yesNo(r.isDefault && r.active) },
      { key: 'firstContact', label: 'Eerste contact binnen', render: (r) => `${r.firstContactDays} ${r.firstContactDays === 1 ? 'werkdag' : 'werkdagen'}` },
      { key: 'retention', label: 'Bewaartermijn', render: (r) => `${r.retentionMonths} ${r.retentionMonths === 1 ? 'maand' : 'maanden'}` },
      { key: 'digest', label: 'Dagelijks overzicht naar', render: (r) => r.digestEmail ?? '—' },
      { key: 'active', label: 'Actief', render: (r) => yesNo(r.active) },
      { key: 'signals', label: 'Signalen', numeric: true, render: (r) => r.signalCount },
      {
        key: 'actions',
        label: 'Acties',
        render: (r) => (
          <div class="sp-row-actions">
            <Link href={`${base}/signaalpunt/${r.id}/bewerken`} aria-label={`${r.name} wijzigen`}>
              Wijzigen
            </Link>
            {r.active && !r.isDefault && (
              <ActionButton action={`${base}/signaalpunt/${r.id}/standaard`} csrf={csrf} label={`${r.name} standaard maken`}>
                Standaard maken
              </ActionButton>
            )}
            <ActionButton action={`${base}/signaalpunt/${r.id}/${r.active ? 'deactiveren' : 'activeren'}`} csrf={csrf} label={`${r.name} ${r.active ? 'deactiveren' : 'activeren'}`}>
              {r.active ? 'Deactiveren' : 'Activeren'}
            </ActionButton>
            {r.signalCount === 0 && (
              <Link href={`${base}/signaalpunt/${r.id}/verwijderen`} aria-label={`${r.name} verwijderen`}>
                Verwijderen
              </Link>
            )}
          </div>
        ),
      },
    ];
    const ruleColumns = (csrf: string): Column<RuleRow & { number: number }>[] => [
      { key: 'number', label: 'Volgorde', numeric: true, render: (r) => r.number },
      { key: 'criteria', label: 'Voorwaarden', render: (r) => describeCriteria(r) },
      { key: 'point', label: 'Naar signaalpunt', render: (r) => (r.pointActive ? r.pointName : `${r.pointName} (niet actief: deze regel wordt overgeslagen)`) },
      {
        key: 'actions',
        label: 'Acties',
        render: (r) => (
          <div class="sp-row-actions">
            {r.number > 1 && (
              <ActionButton action={`${base}/regels/${r.id}/omhoog`} csrf={csrf} label={`Regel ${r.number} omhoog`}>
                Omhoog
              </ActionButton>
            )}
            {r.number < rules.length && (
              <ActionButton action={`${base}/regels/${r.id}/omlaag`} csrf={csrf} label={`Regel ${r.number} omlaag`}>
                Omlaag
              </ActionButton>
            )}
            <Link href={`${base}/regels/${r.id}/bewerken`} aria-label={`Regel ${r.number} wijzigen`}>
              Wijzigen
            </Link>
            <Link href={`${base}/regels/${r.id}/verwijderen`} aria-label={`Regel ${r.number} verwijderen`}>
              Verwijderen
            </Link>
          </div>
        ),
      },
    ];
    const title = `Signaalpunten van ${m.name}`;
    return reply.page({ title }, (ctx) => {
      return (
        <Page ctx={ctx} title={title} crumbs={[HOME, LIST, { label: m.name }]}>
          <Heading>{title}</Heading>
          {m.validTo && <Alert kind="warning">Deze gemeente bestaat sinds {m.validTo} niet meer. Signalen worden gerouteerd naar de gemeente die haar opvolgde.</Alert>}
          {!hasDefault && <Alert kind="warning">{NO_DEFAULT_WARNING}</Alert>}
          <Heading level={2}>Signaalpunten</Heading>
          <p class="form-actions">
            <ButtonLink href={`${base}/signaalpunt/nieuw`}>Signaalpunt toevoegen</ButtonLink>
          </p>
          <DataTable caption={`Signaalpunten van ${m.name}`} columns={pointColumns(ctx.csrfToken)} rows={points} base={base} query={{ page: 1, pageSize: points.length || 1 }} empty="Deze gemeente heeft nog geen signaalpunt." />
          <Heading level={2}>Routeringsregels</Heading>
          <P>
            De regels worden van boven naar beneden geprobeerd. De eerste regel waarvan alle voorwaarden kloppen, bepaalt het signaalpunt. Past geen
            regel, dan gaat het signaal naar het standaard-signaalpunt.
          </P>
          {points.some((x) => x.active) ? (
            <p class="form-actions">
              <ButtonLink href={`${base}/regels/nieuw`}>Regel toevoegen</ButtonLink>
            </p>
          ) : (
            <P>Voeg eerst een signaalpunt toe; daarna kunt u regels maken.</P>
          )}
          <DataTable
            caption={`Routeringsregels van ${m.name}, in volgorde`}
            columns={ruleColumns(ctx.csrfToken)}
            rows={rules.map((r, i) => ({ ...r, number: i + 1 }))}
            base={base}
            query={{ page: 1, pageSize: rules.length || 1 }}
            empty="Geen regels: elk signaal uit deze gemeente gaat naar het standaard-signaalpunt."
          />
          <Heading level={2}>Routering testen</Heading>
          <P>Vul een adres in om te zien naar welk signaalpunt een signaal zou gaan, en waarom. Er wordt niets opgeslagen.</P>
          <RoutingTestForm m={m} form={{ values: {}, errors: {} }} csrf={ctx.csrfToken} />
          {can(p, 'postcode:manage', { municipalityId: m.id }) && (
            <P>
              <Link href={`${BASE}/postcodes`}>Postcode opzoeken of corrigeren</Link>
            </P>
          )}
        </Page>
      );
    });
  });

  /** The routing test page: empty (GET), or with the outcome for the posted address (POST). */
  const renderRoutingTest = async (reply: FastifyReply, p: Principal, m: MunicipalityRef, values: Record<string, unknown> | null) => {
    const parsed = values ? parseForm(routingTestSchema, values) : null;
    const errors = parsed && !parsed.ok ? parsed.errors : {};
    const result = parsed?.ok ? await explainRouting(db, p, parsed.data) : null;
    const title = `Routering testen voor ${m.name}`;
    return reply.page({ title, status: parsed && !parsed.ok ? 422 : 200 }, (ctx) => (
      <Page ctx={ctx} title={title} crumbs={[HOME, LIST, { href: muniPath(m), label: m.name }, { label: 'Routering testen' }]}>
        <Heading>{title}</Heading>
        <ErrorSummary errors={errors} labels={ROUTING_TEST_LABELS} />
        {result && (
          <section aria-labelledby="uitkomst">
            <Heading level={2}>
              <span id="uitkomst">Uitkomst</span>
            </Heading>
            <RoutingResult r={result} m={m} />
          </section>
        )}
        {result ? <Heading level={2}>Ander adres testen</Heading> : <P>Vul een adres in om te zien naar welk signaalpunt een signaal zou gaan, en waarom. Er wordt niets opgeslagen.</P>}
        <RoutingTestForm m={m} form={{ values: values ?? {}, errors }} csrf={ctx.csrfToken} />
        <P>
          <Link href={muniPath(m)}>Terug naar de signaalpunten van {m.name}</Link>
        </P>
      </Page>
    ));
  };

  // GET shows the empty form: an address in the query string is ignored (it does not belong in a URL).
  app.get(`${BASE}/:cbsCode/routering-testen`, async (req, reply) => {
    const { p, m } = await municipalityOf(req);
    return renderRoutingTest(reply, p, m, null);
  });

  app.post(`${BASE}/:cbsCode/routering-testen`, async (req, reply) => {
    const { p, m } = await municipalityOf(req);
    return renderRoutingTest(reply, p, m, formValues(req.body));
  });

  /* ---------------------------------------------------------------- signal points */

  const renderPointForm = async (reply: FastifyReply, p: Principal, m: MunicipalityRef, opts: { title: string; action: string; form: FormState; status?: number }) => {
    const organisations = await organisationChoices(db, m.id);
    const mayCreateOrganisation = can(p, 'organisation:create', { municipalityId: m.id });
    return reply.page({ title: opts.title, status: opts.status }, (ctx) => (
      <PointForm ctx={ctx} m={m} title={opts.title} action={opts.action} form={opts.form} organisations={organisations} mayCreateOrganisation={mayCreateOrganisation} />
    ));
  };

  app.get(`${BASE}/:cbsCode/signaalpunt/nieuw`, async (req, reply) => {
    const { p, m } = await municipalityOf(req);
    const { points } = await getMunicipalityConfig(db, m.id);
    const values = { firstContactDays: String(FIRST_CONTACT_DEFAULT), retentionMonths: String(RETENTION_DEFAULT), isDefault: points.some((x) => x.isDefault && x.active) ? [] : ['ja'] };
    return renderPointForm(reply, p, m, { title: 'Signaalpunt toevoegen', action: `${muniPath(m)}/signaalpunt/nieuw`, form: { values, errors: {} } });
  });

  app.post(`${BASE}/:cbsCode/signaalpunt/nieuw`, async (req, reply) => {
    const { p, m } = await municipalityOf(req);
    const values = formValues(req.body);
    const parsed = await checkPointForm(db, m.id, values);
    const result = parsed.ok ? await createSignalPoint(db, req.auditCtx(), m.id, parsed.data) : parsed;
    if (result.ok) {
      reply.flash('success', `Het signaalpunt ${parsed.ok ? parsed.data.name : ''} is toegevoegd.`);
      return reply.redirect(muniPath(m), 303);
    }
    return renderPointForm(reply, p, m, { title: 'Signaalpunt toevoegen', action: `${muniPath(m)}/signaalpunt/nieuw`, form: { values, errors: result.errors }, status: 422 });
  });

  app.get(`${BASE}/:cbsCode/signaalpunt/:id/bewerken`, async (req, reply) => {
    const { p, m, point } = await pointOf(req);
    const values = {
      name: point.name,
      organisationId: String(point.organisationId),
      firstContactDays: String(point.firstContactDays),
      retentionMonths: String(point.retentionMonths),
      digestEmail: point.digestEmail ?? '',
      isDefault: point.isDefault ? ['ja'] : [],
    };
    return renderPointForm(reply, p, m, { title: `${point.name} wijzigen`, action: `${muniPath(m)}/signaalpunt/${point.id}/bewerken`, form: { values, errors: {} } });
  });

  app.post(`${BASE}/:cbsCode/signaalpunt/:id/bewerken`, async (req, reply) => {
    const { p, m, point } = await pointOf(req);
    const values = formValues(req.body);
    const parsed = await checkPointForm(db, m.id, values, point.id);
    const result = parsed.ok ? await updateSignalPoint(db, req.auditCtx(), point, parsed.data) : parsed;
    if (result.ok) {
      reply.flash('success', 'De wijzigingen zijn opgeslagen.');
      return reply.redirect(muniPath(m), 303);
    }
    return renderPointForm(reply, p, m, { title: `${point.name} wijzigen`, action: `${muniPath(m)}/signaalpunt/${point.id}/bewerken`, form: { values, errors: result.errors }, status: 422 });
  });

  app.post(`${BASE}/:cbsCode/signaalpunt/:id/standaard`, async (req, reply) => {
    const { m, point } = await pointOf(req);
    const ok = await makeDefault(db, req.auditCtx(), m.id, point.id);
    if (ok) reply.flash('success', `${point.name} is nu het standaard-signaalpunt van ${m.name}.`);
    else reply.flash('error', 'Een signaalpunt dat niet actief is, kan geen standaard zijn. Activeer het eerst.');
    return reply.redirect(muniPath(m), 303);
  });

  for (const [segment, active] of [
    ['deactiveren', false],
    ['activeren', true],
  ] as const) {
    app.post(`${BASE}/:cbsCode/signaalpunt/:id/${segment}`, async (req, reply) => {
      const { m, point } = await pointOf(req);
      const r = await setPointActive(db, req.auditCtx(), m.id, point.id, active);
      if (active) reply.flash('success', `${point.name} is weer actief.`);
      else if (r.wasDefault) reply.flash('warning', `${point.name} is niet meer actief. ${m.name} heeft nu geen standaard-signaalpunt: maak een ander signaalpunt standaard.`);
      else reply.flash('success', `${point.name} is niet meer actief. Signalen die er al zijn, blijven bij de organisatie.`);
      return reply.redirect(muniPath(m), 303);
    });
  }

  const deletePage = (reply: FastifyReply, m: MunicipalityRef, point: PointRow, reasons: string[], status = 200) => {
    const title = `${point.name} verwijderen`;
    return reply.page({ title, status }, (ctx) => (
      <Page ctx={ctx} title={title} crumbs={[HOME, LIST, { href: muniPath(m), label: m.name }, { label: 'Verwijderen' }]}>
        <Heading>{title}</Heading>
        {reasons.length ? (
          <>
            <Reasons reasons={reasons} />
            <P>
              <Link href={muniPath(m)}>Terug naar de signaalpunten van {m.name}</Link>
            </P>
          </>
        ) : (
          <>
            <P>
              Het signaalpunt {point.name} ({point.organisationName}) heeft nog geen signalen ontvangen en kan worden verwijderd.
              {point.isDefault && point.active ? ` Het is nu het standaard-signaalpunt: daarna heeft ${m.name} geen standaard-signaalpunt meer.` : ''}
            </P>
            <ConfirmForm action={`${muniPath(m)}/signaalpunt/${point.id}/verwijderen`} csrf={ctx.csrfToken} label="Signaalpunt verwijderen" cancel={muniPath(m)} />
          </>
        )}
      </Page>
    ));
  };

  app.get(`${BASE}/:cbsCode/signaalpunt/:id/verwijderen`, async (req, reply) => {
    const { m, point } = await pointOf(req);
    return deletePage(reply, m, point, await pointDeleteBlockers(db, point.id));
  });

  app.post(`${BASE}/:cbsCode/signaalpunt/:id/verwijderen`, async (req, reply) => {
    const { m, point } = await pointOf(req);
    const r = await deleteSignalPoint(db, req.auditCtx(), m.id, point.id);
    if (!r.ok) return deletePage(reply, m, point, r.reasons, 409);
    reply.flash('success', `Het signaalpunt ${point.name} is verwijderd.`);
    return reply.redirect(muniPath(m), 303);
  });

  /* ---------------------------------------------------------------- routing rules */

  const renderRuleForm = async (reply: FastifyReply, m: MunicipalityRef, opts: { title: string; action: string; form: FormState; status?: number }) => {
    const [{ points }, hoods] = await Promise.all([getMunicipalityConfig(db, m.id), neighbourhoodChoices(db, m.id)]);
    return reply.page({ title: opts.title, status: opts.status }, (ctx) => <RuleForm ctx={ctx} m={m} title={opts.title} action={opts.action} form={opts.form} points={points} hoods={hoods} />);
  };

  app.get(`${BASE}/:cbsCode/regels/nieuw`, async (req, reply) => {
    const { m } = await municipalityOf(req);
    return renderRuleForm(reply, m, { title: 'Routeringsregel toevoegen', action: `${muniPath(m)}/regels/nieuw`, form: { values: {}, errors: {} } });
  });

  app.post(`${BASE}/:cbsCode/regels/nieuw`, async (req, reply) => {
    const { m } = await municipalityOf(req);
    const values = formValues(req.body);
    const parsed = await checkRuleForm(db, m.id, values);
    const result = parsed.ok ? await createRule(db, req.auditCtx(), m.id, parsed.data) : parsed;
    if (result.ok) {
      reply.flash('success', 'De regel is toegevoegd, als laatste in de lijst.');
      return reply.redirect(muniPath(m), 303);
    }
    return renderRuleForm(reply, m, { title: 'Routeringsregel toevoegen', action: `${muniPath(m)}/regels/nieuw`, form: { values, errors: result.errors }, status: 422 });
  });

  app.get(`${BASE}/:cbsCode/regels/:id/bewerken`, async (req, reply) => {
    const { m, rule, number } = await ruleOf(req);
    const values = {
      signalPointId: String(rule.signalPointId),
      neighbourhoodId: rule.neighbourhoodId ? String(rule.neighbourhoodId) : '',
      ageGroup: rule.ageGroup ?? '',
      signallerType: rule.signallerType ?? '',
    };
    return renderRuleForm(reply, m, { title: `Regel ${number} wijzigen`, action: `${muniPath(m)}/regels/${rule.id}/bewerken`, form: { values, errors: {} } });
  });

  app.post(`${BASE}/:cbsCode/regels/:id/bewerken`, async (req, reply) => {
    const { m, rule, number } = await ruleOf(req);
    const values = formValues(req.body);
    const parsed = await checkRuleForm(db, m.id, values);
    const result = parsed.ok ? await updateRule(db, req.auditCtx(), rule, parsed.data) : parsed;
    if (result.ok) {
      reply.flash('success', `Regel ${number} is gewijzigd.`);
      return reply.redirect(muniPath(m), 303);
    }
    return renderRuleForm(reply, m, { title: `Regel ${number} wijzigen`, action: `${muniPath(m)}/regels/${rule.id}/bewerken`, form: { values, errors: result.errors }, status: 422 });
  });

  for (const [segment, direction] of [
    ['omhoog', 'up'],
    ['omlaag', 'down'],
  ] as const) {
    app.post(`${BASE}/:cbsCode/regels/:id/${segment}`, async (req, reply) => {
      const { m, rule, number } = await ruleOf(req);
      const moved = await moveRule(db, req.auditCtx(), m.id, rule.id, direction);
      if (moved) reply.flash('success', `Regel ${number} is nu regel ${direction === 'up' ? number - 1 : number + 1}.`);
      else reply.flash('info', `Regel ${number} staat al ${direction === 'up' ? 'bovenaan' : 'onderaan'}.`);
      return reply.redirect(muniPath(m), 303);
    });
  }

  app.get(`${BASE}/:cbsCode/regels/:id/verwijderen`, async (req, reply) => {
    const { m, rule, number } = await ruleOf(req);
    const title = `Regel ${number} verwijderen`;
    return reply.page({ title }, (ctx) => (
      <Page ctx={ctx} title={title} crumbs={[HOME, LIST, { href: muniPath(m), label: m.name }, { label: 'Regel verwijderen' }]}>
        <Heading>{title}</Heading>
        <SummaryList
          items={[
            ['Voorwaarden', describeCriteria(rule)],
            ['Naar signaalpunt', rule.pointName],
          ]}
        />
        <P>Signalen die aan deze voorwaarden voldoen, gaan daarna naar de volgende regel die past, of naar het standaard-signaalpunt.</P>
        <ConfirmForm action={`${muniPath(m)}/regels/${rule.id}/verwijderen`} csrf={ctx.csrfToken} label="Regel verwijderen" cancel={muniPath(m)} />
      </Page>
    ));
  });

  app.post(`${BASE}/:cbsCode/regels/:id/verwijderen`, async (req, reply) => {
    const { m, rule, number } = await ruleOf(req);
    await deleteRule(db, req.auditCtx(), m.id, rule.id);
    reply.flash('success', `Regel ${number} is verwijderd.`);
    return reply.redirect(muniPath(m), 303);
  });
}
