import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ComponentChildren } from 'preact';
import { eq, inArray } from 'drizzle-orm';
import type { z } from 'zod';
import { can, type Principal } from '../../platform/access.js';
import { audit } from '../../platform/audit.js';
import { users } from '../../platform/db/schema.js';
import { ValidationError } from '../../platform/http/errors.js';
import { formValues, parseForm, pathId } from '../../platform/http/forms.js';
import { Page, type PageContext } from '../../platform/views/layout.js';
import {
  Button,
  CsrfField,
  DataTable,
  ErrorSummary,
  Heading,
  Link,
  P,
  SelectField,
  SummaryList,
  TextArea,
  TextField,
  type Column,
  type FieldErrors,
  type FormState,
} from '../../platform/views/components.js';
import { municipalities, neighbourhoods, organisations } from '../registry/schema.js';
import { signalPoints, signals } from './schema.js';
import {
  ACTION_LABELS,
  actionsFrom,
  AGE_GROUP_LABELS,
  ATTEMPT_RESULT_LABELS,
  ATTEMPT_RESULTS,
  EVENT_KIND_LABELS,
  OUTCOME_LABELS,
  outcomeLabel,
  OUTCOMES,
  PERSON_KNOWS_LABELS,
  SIGN_LABELS,
  SIGNAL_KIND_LABELS,
  SIGNALLER_TYPE_LABELS,
  STATUS_LABELS,
  TransitionError,
  type AgeGroup,
  type AttemptResult,
  type EventKind,
  type Outcome,
  type PersonKnows,
  type Sign,
  type SignalAction,
  type SignalKind,
  type SignallerType,
  type SignalStatus,
} from './model.js';
import { decryptSignal, formatAddress, type DecryptedSignal } from './personal.js';
import {
  addNote,
  assign,
  assignSchema,
  ATTEMPT_CHANNEL_LABELS,
  ATTEMPT_CHANNELS,
  attemptSchema,
  close,
  closeSchema,
  contactSchema,
  duplicateSchema,
  forward,
  forwardSchema,
  forwardTargets,
  isOverdue,
  logAttempt,
  markDuplicate,
  markInContact,
  notForUs,
  notForUsSchema,
  noteSchema,
  organisationStaff,
  planVisit,
  possibleDuplicates,
  reopen,
  reopenSchema,
  signalForStaff,
  signalLog,
  visitSchema,
  type AttemptChannel,
  type EventView,
  type HandlingCtx,
  type PossibleDuplicate,
  type SignalRow,
} from './handling-service.js';
import { INBOX_PATH, nlDateTime, nlDay } from './inbox.js';

/**
 * One signal (GET /signalen/:id) for the staff of its CURRENT handling organisation only; every
 * other user — the programme admin and staff of another organisation included — gets 404.
 * Every view decrypts the person's data and writes an audit entry (read_personal).
 *
 * The actions are POST /signalen/:id/<slug> forms (CSRF, PRG with a flash message). A validation
 * error re-renders the page with 422 and the typed values; a step the transition table forbids
 * re-renders it with 409 and the table's Dutch message; nothing changes in either case.
 */

/** The URL slug of every action (POST /signalen/:id/<slug>). */
export const ACTION_SLUGS = {
  assign: 'toewijzen',
  attempt: 'contactpoging',
  contact: 'in-contact',
  plan_visit: 'bezoek-gepland',
  close: 'afsluiten',
  forward: 'doorsturen',
  not_for_us: 'niet-voor-ons',
  duplicate: 'dubbel',
  reopen: 'heropenen',
  note: 'notitie',
} as const satisfies Record<SignalAction | 'note', string>;
type FormKey = keyof typeof ACTION_SLUGS;

const FIELD_LABELS: Record<string, string> = {
  assignee: 'Toewijzen aan',
  channel: 'Hoe',
  result: 'Resultaat',
  attemptNote: 'Toelichting bij de contactpoging',
  contactNote: 'Toelichting bij het contact',
  visitDate: 'Datum van het bezoek',
  visitNote: 'Toelichting bij het bezoek',
  outcome: 'Uitkomst',
  outcomeActivity: 'Activiteit op de sociale kaart',
  closeNote: 'Toelichting bij het afsluiten',
  targetPoint: 'Signaalpunt',
  forwardReason: 'Reden van doorsturen',
  notForUsReason: 'Waarom niet voor uw organisatie',
  duplicateOf: 'Referentie van het eerdere signaal',
  reopenNote: 'Reden van heropenen',
  note: 'Notitie',
};

interface FormFeedback {
  key: FormKey;
  values: Record<string, unknown>;
  errors: FieldErrors;
}

interface PageData {
  s: SignalRow;
  d: DecryptedSignal;
  log: EventView[];
  duplicates: PossibleDuplicate[];
  staff: { id: number; name: string; coordinator: boolean }[];
  targets: Awaited<ReturnType<typeof forwardTargets>>;
  names: { users: Map<number, string>; orgs: Map<number, string>; refs: Map<number, string> };
  point: { name: string; organisationName: string } | null;
  municipalityName: string | null;
  neighbourhoodName: string | null;
  duplicateOf: { id: number; reference: string } | null;
  coordinator: boolean;
}

const isoDay = (code: string) => {
  const d = new Date(`${code}T12:00:00Z`);
  return Number.isNaN(d.getTime()) ? code : d.toLocaleDateString('nl-NL', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
};

/** What an event says, in Dutch (names of users, organisations and signals looked up). */
function describeEvent(e: EventView, names: PageData['names']): string {
  const base = EVENT_KIND_LABELS[e.kind as EventKind] ?? e.kind;
  const code = e.code ?? '';
  switch (e.kind) {
    case 'received':
      return `Ontvangen via ${code === 'api' ? 'een partner-app (API)' : 'het formulier'}`;
    case 'assigned':
      return `Toegewezen aan ${names.users.get(Number(code)) ?? 'een (voormalig) medewerker'}`;
    case 'attempt': {
      const [channel, result] = code.split(':');
      return `Contactpoging: ${ATTEMPT_CHANNEL_LABELS[channel as AttemptChannel] ?? channel}, ${(ATTEMPT_RESULT_LABELS[result as AttemptResult] ?? result).toLowerCase()}`;
    }
    case 'transition': {
      const [what, arg] = code.split(':');
      if (what === 'contact') return 'In contact met de persoon';
      if (what === 'plan_visit') return arg ? `Bezoek gepland op ${isoDay(arg)}` : 'Bezoek gepland';
      if (what === 'close') return `Afgesloten: ${outcomeLabel(arg ?? '')}`;
      return base;
    }
    case 'forwarded': {
      const to = /to:(\d+)/.exec(code)?.[1];
      const from = /from:(\d+)/.exec(code)?.[1];
      return `Doorgestuurd${from ? ` door ${names.orgs.get(Number(from)) ?? 'een andere organisatie'}` : ''} naar ${to ? (names.orgs.get(Number(to)) ?? 'een andere organisatie') : 'een andere organisatie'}`;
    }
    case 'duplicate':
      return `Gemarkeerd als dubbel van ${names.refs.get(Number(code)) ?? 'een eerder signaal'}`;
    case 'personal_data_removed':
      if (code === 'erased') return `Afgesloten: ${outcomeLabel(code).toLowerCase()} van de persoon (privacyverzoek)`;
      if (code === 'erase') return 'Persoonsgegevens verwijderd op verzoek van de persoon (privacyverzoek)';
      if (code === 'erase_signaller') return 'Gegevens van de melder verwijderd op verzoek van de melder (privacyverzoek)';
      if (code === 'retention') return 'Persoonsgegevens verwijderd: de bewaartermijn is verstreken';
      return base;
    default:
      return base;
  }
}

function ActionForm({ ctx, s, slug, title, button, children, intro }: { ctx: PageContext; s: SignalRow; slug: string; title: string; button: string; children?: ComponentChildren; intro?: ComponentChildren }) {
  const id = `actie-${slug}`;
  return (
    <section class="signal-action" aria-labelledby={id}>
      <h3 class="utrecht-heading-3" id={id}>
        {title}
      </h3>
      {intro}
      <form method="post" action={`${INBOX_PATH}/${s.id}/${slug}`} novalidate class="form">
        <CsrfField token={ctx.csrfToken} />
        {children}
        <div class="form-actions">
          <Button variant="secondary">{button}</Button>
        </div>
      </form>
    </section>
  );
}

function Actions({ ctx, data, fb, principal }: { ctx: PageContext; data: PageData; fb: FormFeedback | null; principal: Principal }) {
  const { s } = data;
  const f = (key: FormKey, defaults: Record<string, unknown> = {}): FormState => (fb?.key === key ? { values: fb.values, errors: fb.errors } : { values: defaults, errors: {} });
  const actions = actionsFrom(s.status as SignalStatus);
  const me = principal.kind === 'user' ? principal.id : null;
  const assigneeName = s.assignedUserId != null ? data.names.users.get(s.assignedUserId) : null;
  const earlier = data.duplicates.filter((d) => d.sameOrganisation && (d.receivedAt < s.receivedAt || (d.receivedAt.getTime() === s.receivedAt.getTime() && d.id < s.id)) && d.status !== 'duplicate');
  const out: ComponentChildren[] = [];
  for (const a of actions) {
    switch (a) {
      case 'assign':
        if (data.coordinator) {
          out.push(
            <ActionForm ctx={ctx} s={s} slug={ACTION_SLUGS.assign} title={ACTION_LABELS.assign} button="Toewijzen">
              <SelectField
                name="assignee"
                label={FIELD_LABELS.assignee!}
                form={f('assign', { assignee: s.assignedUserId ?? '' })}
                required
                placeholder="Kies een medewerker"
                options={data.staff.map((u) => ({ value: String(u.id), label: `${u.name}${u.id === me ? ' (uzelf)' : ''}${u.coordinator ? ', coördinator' : ''}` }))}
              />
            </ActionForm>,
          );
        } else if (s.assignedUserId !== me) {
          out.push(
            <ActionForm
              ctx={ctx}
              s={s}
              slug={ACTION_SLUGS.assign}
              title={ACTION_LABELS.assign}
              button={s.assignedUserId == null ? 'Aan mij toewijzen' : 'Overnemen: aan mij toewijzen'}
              intro={<P>{s.assignedUserId == null ? 'Neem dit signaal op u.' : `Het signaal is toegewezen aan ${assigneeName ?? 'een collega'}. Alleen een coördinator kan het aan een collega toewijzen.`}</P>}
            >
              <input type="hidden" name="assignee" value={String(me)} />
            </ActionForm>,
          );
        }
        break;
      case 'attempt':
        out.push(
          <ActionForm ctx={ctx} s={s} slug={ACTION_SLUGS.attempt} title={ACTION_LABELS.attempt} button="Contactpoging opslaan" intro={<P>De eerste contactpoging telt als eerste contact voor de termijn.</P>}>
            <SelectField name="channel" label={FIELD_LABELS.channel!} form={f('attempt')} required placeholder="Kies" options={ATTEMPT_CHANNELS.map((c) => ({ value: c, label: ATTEMPT_CHANNEL_LABELS[c] }))} />
            <SelectField name="result" label={FIELD_LABELS.result!} form={f('attempt')} required placeholder="Kies" options={ATTEMPT_RESULTS.map((r) => ({ value: r, label: ATTEMPT_RESULT_LABELS[r] }))} />
            <TextArea name="attemptNote" label={FIELD_LABELS.attemptNote!} form={f('attempt')} rows={3} />
          </ActionForm>,
        );
        break;
      case 'contact':
        out.push(
          <ActionForm ctx={ctx} s={s} slug={ACTION_SLUGS.contact} title={ACTION_LABELS.contact} button="Markeren als in contact">
            <TextArea name="contactNote" label={FIELD_LABELS.contactNote!} form={f('contact')} rows={3} />
          </ActionForm>,
        );
        break;
      case 'plan_visit':
        out.push(
          <ActionForm ctx={ctx} s={s} slug={ACTION_SLUGS.plan_visit} title={ACTION_LABELS.plan_visit} button="Bezoek gepland">
            <TextField name="visitDate" label={FIELD_LABELS.visitDate!} type="date" form={f('plan_visit')} hint="Bijvoorbeeld 31-01-2026. Leeg laten als de datum nog niet vaststaat." width="s" />
            <TextArea name="visitNote" label={FIELD_LABELS.visitNote!} form={f('plan_visit')} rows={3} />
          </ActionForm>,
        );
        break;
      case 'close':
        out.push(
          <ActionForm ctx={ctx} s={s} slug={ACTION_SLUGS.close} title={ACTION_LABELS.close} button="Afsluiten">
            <SelectField name="outcome" label={FIELD_LABELS.outcome!} form={f('close')} required placeholder="Kies de uitkomst" options={OUTCOMES.map((o) => ({ value: o, label: OUTCOME_LABELS[o] }))} />
            <TextField
              name="outcomeActivity"
              label={FIELD_LABELS.outcomeActivity!}
              form={f('close')}
              hint="Bij een toeleiding: de naam van de activiteit of het aanbod. Geen gegevens over de persoon."
              autocomplete="off"
            />
            <TextArea name="closeNote" label={FIELD_LABELS.closeNote!} form={f('close')} rows={3} />
          </ActionForm>,
        );
        break;
      case 'duplicate':
        out.push(
          <ActionForm
            ctx={ctx}
            s={s}
            slug={ACTION_SLUGS.duplicate}
            title={ACTION_LABELS.duplicate}
            button="Markeren als dubbel"
            intro={<P>Het signaal wordt gekoppeld aan het eerdere signaal en telt als afgehandeld. Verder werken gebeurt in het eerdere signaal.</P>}
          >
            <TextField
              name="duplicateOf"
              label={FIELD_LABELS.duplicateOf!}
              form={f('duplicate', { duplicateOf: earlier[0]?.reference ?? '' })}
              required
              autocomplete="off"
              hint={earlier.length ? `Eerdere signalen voor hetzelfde adres: ${earlier.map((e) => e.reference).join(', ')}.` : 'Bijvoorbeeld SGN-7K3M-9QX2. Alleen een eerder signaal van uw eigen organisatie.'}
            />
          </ActionForm>,
        );
        break;
      case 'forward':
        // Only when the municipality has another organisation's signal point to forward to.
        if (!data.targets.length) break;
        out.push(
          <ActionForm
            ctx={ctx}
            s={s}
            slug={ACTION_SLUGS.forward}
            title={ACTION_LABELS.forward}
            button="Doorsturen"
            intro={<P>De andere organisatie begint opnieuw, met een nieuwe termijn. Uw organisatie ziet het signaal daarna niet meer.</P>}
          >
            <SelectField
              name="targetPoint"
              label={FIELD_LABELS.targetPoint!}
              form={f('forward')}
              required
              placeholder="Kies een signaalpunt"
              options={data.targets.map((t) => ({ value: String(t.id), label: `${t.municipalityName} — ${t.name} (${t.organisationName})` }))}
            />
            <TextArea name="forwardReason" label={FIELD_LABELS.forwardReason!} form={f('forward')} required rows={3} hint="De andere organisatie leest deze reden in het logboek." />
          </ActionForm>,
        );
        break;
      case 'not_for_us':
        out.push(
          <ActionForm
            ctx={ctx}
            s={s}
            slug={ACTION_SLUGS.not_for_us}
            title={ACTION_LABELS.not_for_us}
            button="Terug naar het programmateam"
            intro={<P>Weet u niet welke organisatie het signaal moet krijgen? Het programmateam routeert het opnieuw. Uw organisatie ziet het signaal daarna niet meer.</P>}
          >
            <TextArea name="notForUsReason" label={FIELD_LABELS.notForUsReason!} form={f('not_for_us')} required rows={3} />
          </ActionForm>,
        );
        break;
      case 'reopen':
        out.push(
          <ActionForm ctx={ctx} s={s} slug={ACTION_SLUGS.reopen} title={ACTION_LABELS.reopen} button="Heropenen">
            <TextArea name="reopenNote" label={FIELD_LABELS.reopenNote!} form={f('reopen')} rows={3} />
          </ActionForm>,
        );
        break;
    }
  }
  out.push(
    <ActionForm ctx={ctx} s={s} slug={ACTION_SLUGS.note} title="Notitie toevoegen" button="Notitie opslaan">
      <TextArea name="note" label={FIELD_LABELS.note!} form={f('note')} required rows={4} hint="Alleen zichtbaar voor medewerkers van het signaalpunt. Wordt samen met de persoonsgegevens verwijderd." />
    </ActionForm>,
  );
  return <div class="signal-actions">{out}</div>;
}

function SignalView({ ctx, data, fb, principal }: { ctx: PageContext; data: PageData; fb: FormFeedback | null; principal: Principal }) {
  const { s, d } = data;
  const now = new Date();
  const title = `Signaal ${s.reference}`;
  const status = s.status as SignalStatus;
  const person = d.person;
  const signaller = d.signaller;
  const logColumns: Column<EventView>[] = [
    { key: 'at', label: 'Wanneer', render: (e) => nlDateTime(e.at) },
    {
      key: 'what',
      label: 'Wat',
      render: (e) => (
        <>
          {describeEvent(e, data.names)}
          {e.fromStatus && e.toStatus && e.fromStatus !== e.toStatus && (
            <span class="signal-muted">
              {' '}
              (status: {STATUS_LABELS[e.fromStatus as SignalStatus]?.toLowerCase() ?? e.fromStatus} → {STATUS_LABELS[e.toStatus as SignalStatus]?.toLowerCase() ?? e.toStatus})
            </span>
          )}
        </>
      ),
    },
    { key: 'who', label: 'Door', render: (e) => e.userName ?? 'Systeem' },
    { key: 'text', label: 'Toelichting', render: (e) => (e.text ? <span class="signal-text">{e.text}</span> : '') },
  ];
  const dupColumns: Column<PossibleDuplicate>[] = [
    { key: 'reference', label: 'Referentie', render: (r) => <Link href={`${INBOX_PATH}/${r.id}`}>{r.reference}</Link> },
    { key: 'receivedAt', label: 'Ontvangen', render: (r) => nlDateTime(r.receivedAt) },
    { key: 'status', label: 'Status', render: (r) => STATUS_LABELS[r.status] ?? r.status },
  ];
  const feedbackText = !s.feedbackRequested
    ? 'Nee'
    : s.feedbackSentAt
      ? `Ja; bericht dat het signaal is opgepakt verstuurd op ${nlDateTime(s.feedbackSentAt)}`
      : 'Ja; er gaat één bericht zodra het signaal is toegewezen (nooit iets over de persoon)';
  return (
    <Page ctx={ctx} title={title} crumbs={[{ href: '/beheer', label: 'Overzicht' }, { href: INBOX_PATH, label: 'Signalen' }, { label: s.reference }]}>
      <Heading>{title}</Heading>
      {fb && (
        <ErrorSummary
          // A handler's assign form has no visible field (it assigns to themself): no link to jump to.
          errors={!data.coordinator && fb.errors.assignee ? Object.fromEntries(Object.entries(fb.errors).map(([k, v]) => [k === 'assignee' ? '_assignee' : k, v])) : fb.errors}
          labels={FIELD_LABELS}
        />
      )}
      {s.personalDataRemovedAt && (
        <P>
          De persoonsgegevens van dit signaal zijn op {nlDay(s.personalDataRemovedAt)} verwijderd (
          {data.log.some((e) => e.kind === 'personal_data_removed' && e.code === 'retention') ? 'bewaartermijn verstreken' : 'op verzoek van de betrokkene'}).
        </P>
      )}

      <Heading level={2}>Stand van zaken</Heading>
      <SummaryList
        items={[
          ['Status', STATUS_LABELS[status] ?? s.status],
          ['Toegewezen aan', s.assignedUserId == null ? 'Niemand' : (data.names.users.get(s.assignedUserId) ?? 'Onbekende medewerker')],
          ['Ontvangen', nlDateTime(s.receivedAt)],
          [
            'Eerste contact uiterlijk',
            s.dueAt ? (
              <>
                {nlDateTime(s.dueAt)}
                {isOverdue(s, now) && (
                  <>
                    {' '}
                    <strong class="signal-overdue">Te laat</strong>
                  </>
                )}
              </>
            ) : null,
          ],
          ['Eerste contact', s.firstContactAt ? nlDateTime(s.firstContactAt) : 'Nog niet'],
          ...(s.closedAt ? ([['Afgesloten', nlDateTime(s.closedAt)]] as [string, ComponentChildren][]) : []),
          ...(s.outcome ? ([['Uitkomst', outcomeLabel(s.outcome)]] as [string, ComponentChildren][]) : []),
          ...(s.outcomeActivity ? ([['Activiteit', s.outcomeActivity]] as [string, ComponentChildren][]) : []),
          ...(data.duplicateOf ? ([['Dubbel van', <Link href={`${INBOX_PATH}/${data.duplicateOf.id}`}>{data.duplicateOf.reference}</Link>]] as [string, ComponentChildren][]) : []),
          ['Soort', SIGNAL_KIND_LABELS[s.kind as SignalKind] ?? s.kind],
          ['Signaalpunt', data.point ? `${data.point.name} (${data.point.organisationName})` : null],
          ['Gemeente en buurt', [data.municipalityName, data.neighbourhoodName].filter(Boolean).join(', ') || null],
        ]}
      />

      <Heading level={2}>De persoon</Heading>
      {person ? (
        <SummaryList
          items={[
            ['Naam', person.name || 'Niet opgegeven'],
            ['Adres', formatAddress(person)],
            ...(person.phone ? ([['Telefoon', person.phone]] as [string, ComponentChildren][]) : []),
            ...(person.email ? ([['E-mailadres', person.email]] as [string, ComponentChildren][]) : []),
            ['Leeftijd', AGE_GROUP_LABELS[s.ageGroup as AgeGroup] ?? s.ageGroup],
            ['Weet de persoon van het signaal?', PERSON_KNOWS_LABELS[s.personKnows as PersonKnows] ?? s.personKnows],
          ]}
        />
      ) : (
        <P>Geen persoonsgegevens (meer) beschikbaar.</P>
      )}

      <Heading level={2}>Wat de melder opviel</Heading>
      {s.signs.length ? (
        <ul class="utrecht-unordered-list">
          {s.signs.map((x) => (
            <li class="utrecht-unordered-list__item">{SIGN_LABELS[x as Sign] ?? x}</li>
          ))}
        </ul>
      ) : (
        <P>Geen kenmerken aangevinkt.</P>
      )}
      {d.story ? <p class="utrecht-paragraph signal-text">{d.story}</p> : <P>Geen toelichting gegeven.</P>}

      <Heading level={2}>De melder</Heading>
      <SummaryList
        items={[
          ['Wie', SIGNALLER_TYPE_LABELS[s.signallerType as SignallerType] ?? s.signallerType],
          ['Naam', signaller?.name || null],
          ['Organisatie', signaller?.organisation || null],
          ['E-mailadres', signaller?.email || null],
          ['Telefoon', signaller?.phone || null],
          ['Wil terugkoppeling', feedbackText],
        ]}
      />

      <Heading level={2}>Mogelijke dubbele signalen</Heading>
      {data.duplicates.length ? (
        <>
          <P>Andere signalen van uw organisatie voor hetzelfde adres (postcode, huisnummer en toevoeging), nieuwste eerst.</P>
          <DataTable caption="Signalen voor hetzelfde adres" columns={dupColumns} rows={data.duplicates} base={`${INBOX_PATH}/${s.id}`} query={{ page: 1, pageSize: 100 }} />
        </>
      ) : (
        <P>Er zijn geen andere signalen voor dit adres.</P>
      )}

      <Heading level={2}>Behandelen</Heading>
      {s.personalDataRemovedAt ? <P>Dit signaal kan niet meer worden behandeld.</P> : <Actions ctx={ctx} data={data} fb={fb} principal={principal} />}

      <Heading level={2}>Logboek</Heading>
      <DataTable caption={`Logboek van ${s.reference}, oudste eerst`} columns={logColumns} rows={data.log} base={`${INBOX_PATH}/${s.id}`} query={{ page: 1, pageSize: 1000 }} empty="Nog niets vastgelegd." />
      <P>
        <Link href={INBOX_PATH}>Terug naar de signalen</Link>
      </P>
    </Page>
  );
}

async function loadPage(app: FastifyInstance, p: Principal, s: SignalRow): Promise<PageData> {
  const db = app.ctx.database.db;
  const [log, duplicates, staff, targets, pointRows, placeRows] = await Promise.all([
    signalLog(db, app.ctx.cipher, s.id),
    possibleDuplicates(db, s),
    organisationStaff(db, s.organisationId!),
    forwardTargets(db, s),
    s.signalPointId
      ? db
          .select({ name: signalPoints.name, organisationName: organisations.name })
          .from(signalPoints)
          .innerJoin(organisations, eq(organisations.id, signalPoints.organisationId))
          .where(eq(signalPoints.id, s.signalPointId))
      : Promise.resolve([]),
    Promise.all([
      s.municipalityId ? db.select({ name: municipalities.name }).from(municipalities).where(eq(municipalities.id, s.municipalityId)) : Promise.resolve([]),
      s.neighbourhoodId ? db.select({ name: neighbourhoods.name }).from(neighbourhoods).where(eq(neighbourhoods.id, s.neighbourhoodId)) : Promise.resolve([]),
    ]),
  ]);
  const userIds = new Set<number>();
  const orgIds = new Set<number>();
  const signalIds = new Set<number>();
  if (s.assignedUserId != null) userIds.add(s.assignedUserId);
  if (s.duplicateOfId != null) signalIds.add(s.duplicateOfId);
  for (const e of log) {
    if (e.kind === 'assigned' && /^\d+$/.test(e.code ?? '')) userIds.add(Number(e.code));
    if (e.kind === 'duplicate' && /^\d+$/.test(e.code ?? '')) signalIds.add(Number(e.code));
    if (e.kind === 'forwarded') for (const m of (e.code ?? '').matchAll(/(?:from|to):(\d+)/g)) orgIds.add(Number(m[1]));
  }
  const [userRows, orgRows, refRows] = await Promise.all([
    userIds.size ? db.select({ id: users.id, name: users.name }).from(users).where(inArray(users.id, [...userIds])) : Promise.resolve([]),
    orgIds.size ? db.select({ id: organisations.id, name: organisations.name }).from(organisations).where(inArray(organisations.id, [...orgIds])) : Promise.resolve([]),
    signalIds.size ? db.select({ id: signals.id, reference: signals.reference }).from(signals).where(inArray(signals.id, [...signalIds])) : Promise.resolve([]),
  ]);
  const refs = new Map(refRows.map((r) => [r.id, r.reference]));
  return {
    s,
    d: decryptSignal(app.ctx.cipher, s),
    log,
    duplicates,
    staff,
    targets,
    names: { users: new Map(userRows.map((u) => [u.id, u.name])), orgs: new Map(orgRows.map((o) => [o.id, o.name])), refs },
    point: pointRows[0] ?? null,
    municipalityName: placeRows[0][0]?.name ?? null,
    neighbourhoodName: placeRows[1][0]?.name ?? null,
    duplicateOf: s.duplicateOfId != null && refs.has(s.duplicateOfId) ? { id: s.duplicateOfId, reference: refs.get(s.duplicateOfId)! } : null,
    coordinator: can(p, 'signal:coordinate', { organisationId: s.organisationId! }),
  };
}

type ActionResult = { flash: string; redirect?: string };

export async function signalPageRoutes(app: FastifyInstance) {
  const { database, cipher, config } = app.ctx;
  const db = database.db;

  const handling = (req: FastifyRequest): HandlingCtx => ({
    db,
    cipher,
    jobs: app.ctx.jobs,
    helpdeskEmail: config.helpdeskEmail,
    baseUrl: config.baseUrl,
    principal: req.requireUser(),
    audit: req.auditCtx(),
  });

  /** Renders the page (every render shows personal data, so every render is audit-logged). */
  const render = async (req: FastifyRequest, reply: FastifyReply, id: number, fb: FormFeedback | null = null, status = 200) => {
    const p = req.requireUser();
    const s = await signalForStaff(db, p, id);
    const data = await loadPage(app, p, s);
    await audit(db, req.auditCtx(), { action: 'read_personal', entity: 'signal', entityId: s.id, details: { organisationId: s.organisationId } });
    return reply.page({ title: `Signaal ${s.reference}`, status }, (ctx) => <SignalView ctx={ctx} data={data} fb={fb} principal={p} />);
  };

  app.get(`${INBOX_PATH}/:id`, async (req, reply) => render(req, reply, pathId((req.params as { id: string }).id)));

  function action<S extends z.ZodType>(key: FormKey, schema: S, run: (h: HandlingCtx, id: number, data: z.infer<S>, now: Date) => Promise<ActionResult>) {
    app.post(`${INBOX_PATH}/:id/${ACTION_SLUGS[key]}`, async (req, reply) => {
      const p = req.requireUser();
      const id = pathId((req.params as { id: string }).id);
      await signalForStaff(db, p, id); // 404 before looking at the input
      const values = formValues(req.body);
      const parsed = parseForm(schema, values);
      if (!parsed.ok) return render(req, reply, id, { key, values, errors: parsed.errors }, 422);
      try {
        const r = await run(handling(req), id, parsed.data, new Date());
        reply.flash('success', r.flash);
        return reply.redirect(r.redirect ?? `${INBOX_PATH}/${id}`, 303);
      } catch (e) {
        if (e instanceof ValidationError) return render(req, reply, id, { key, values, errors: e.fields }, 422);
        if (e instanceof TransitionError) return render(req, reply, id, { key, values, errors: { _form: e.message } }, 409);
        throw e;
      }
    });
  }

  const statusText = (s: SignalStatus) => STATUS_LABELS[s].toLowerCase();

  action('assign', assignSchema, async (h, id, d, now) => {
    const to = await assign(h, id, d.assignee, now);
    return { flash: `Het signaal is toegewezen${d.assignee === h.principal.id ? ' aan u' : ''}. Status: ${statusText(to)}.` };
  });
  action('attempt', attemptSchema, async (h, id, d, now) => {
    const to = await logAttempt(h, id, { channel: d.channel, result: d.result, note: d.attemptNote }, now);
    return { flash: `De contactpoging is vastgelegd. Status: ${statusText(to)}.` };
  });
  action('contact', contactSchema, async (h, id, d, now) => {
    await markInContact(h, id, { note: d.contactNote }, now);
    return { flash: 'Vastgelegd: in contact met de persoon.' };
  });
  action('plan_visit', visitSchema, async (h, id, d, now) => {
    await planVisit(h, id, { date: d.visitDate, note: d.visitNote }, now);
    return { flash: d.visitDate ? `Vastgelegd: bezoek gepland op ${isoDay(d.visitDate)}.` : 'Vastgelegd: bezoek gepland.' };
  });
  action('close', closeSchema, async (h, id, d, now) => {
    await close(h, id, { outcome: d.outcome, outcomeActivity: d.outcomeActivity, note: d.closeNote }, now);
    return { flash: `Het signaal is afgesloten met de uitkomst "${OUTCOME_LABELS[d.outcome].toLowerCase()}".` };
  });
  action('forward', forwardSchema, async (h, id, d, now) => {
    const r = await forward(h, id, { targetPointId: d.targetPoint, reason: d.forwardReason }, now);
    return { flash: `Het signaal is doorgestuurd naar ${r.organisationName}.`, redirect: INBOX_PATH };
  });
  action('not_for_us', notForUsSchema, async (h, id, d, now) => {
    await notForUs(h, id, { reason: d.notForUsReason }, now);
    return { flash: 'Het signaal is teruggegeven aan het programmateam, dat het opnieuw routeert.', redirect: INBOX_PATH };
  });
  action('duplicate', duplicateSchema, async (h, id, d, now) => {
    await markDuplicate(h, id, { ofReference: d.duplicateOf }, now);
    return { flash: `Het signaal is gemarkeerd als dubbel van ${d.duplicateOf}.` };
  });
  action('reopen', reopenSchema, async (h, id, d, now) => {
    const to = await reopen(h, id, { note: d.reopenNote }, now);
    return { flash: `Het signaal is heropend. Status: ${statusText(to)}.` };
  });
  action('note', noteSchema, async (h, id, d, now) => {
    await addNote(h, id, d.note, now);
    return { flash: 'De notitie is opgeslagen.' };
  });
}
