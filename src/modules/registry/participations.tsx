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
  P,
  Pagination,
  SelectField,
  SummaryList,
  TextArea,
  TextField,
  type Column,
  type FieldErrors,
  type FormState,
  type ListQuery,
  type Option,
} from '../../platform/views/components.js';
import { emailField, formValues, listParams, optionalDate, optionalText, parseForm, requiredText } from '../../platform/http/forms.js';
import { ForbiddenError, NotFoundError } from '../../platform/http/errors.js';
import { can, type Principal } from '../../platform/access.js';
import { audit } from '../../platform/audit.js';
import { amsterdamDate } from '../../platform/time.js';
import { PARTICIPATION_STATUSES, PARTICIPATION_STATUS_LABELS, participationStatusText, stopDateMissing, type ParticipationStatus } from './labels.js';
import {
  addJointMember,
  CBS_PROVINCE,
  createJointApproach,
  createParticipation,
  deleteJointApproach,
  deleteParticipation,
  getJointApproach,
  getParticipation,
  importParticipations,
  listJointApproaches,
  listParticipations,
  listProvinces,
  municipalitiesWithoutParticipation,
  PARTICIPATION_SORTS,
  participationImportChecker,
  participationImportSchema,
  participationRuleErrors,
  participationsWithoutJointApproach,
  removeJointMember,
  renameJointApproach,
  setJointPrimary,
  updateParticipation,
  type ParticipationFilter,
  type ParticipationRow,
} from './service.js';
import { exportParticipations } from './exporters.js';
import { ConfirmForm, nlDate, Reasons, registerImport, sendAuditedExport } from './ui.js';
import { ExportLinks } from './tabular-views.js';
import { MUNICIPALITIES } from './municipalities.js';

export const PARTICIPATIONS = '/beheer/deelnames';
export const JOINT = `${PARTICIPATIONS}/gezamenlijke-aanpakken`;
const HOME: Crumb = { href: '/beheer', label: 'Overzicht' };
const LIST: Crumb = { href: PARTICIPATIONS, label: 'Deelnames' };
const JOINT_LIST: Crumb = { href: JOINT, label: 'Gezamenlijke aanpakken' };

/**
 * Who changes what:
 * - The programme team registers a participation, its status and signing date: the signing of
 *   the five pillars is a formal agreement between the municipality and the ministry, so a
 *   coordinator cannot change it themselves (they ask the programme team).
 * - A coordinator keeps the contact details and notes of their own participation up to date
 *   (and of the members of a joint approach in which their municipality is primary).
 * - Joint approaches are formed and changed by the programme team only, because they widen the
 *   scope of the primary municipality's coordinators.
 */
const managesParticipations = (p: Principal) => can(p, 'participation:create');

const LABELS: Record<string, string> = {
  municipalityId: 'Gemeente',
  status: 'Status',
  signedOn: 'Datum ondertekening vijf pijlers',
  stoppedOn: 'Gestopt op',
  contactName: 'Contactpersoon',
  contactEmail: 'E-mailadres contactpersoon',
  notes: 'Notities',
  name: 'Naam van de gezamenlijke aanpak',
  primaryMunicipalityId: 'Hoofdgemeente',
  leden: 'Deelnemende gemeenten',
};

const statusOptions: Option[] = PARTICIPATION_STATUSES.map((s) => ({ value: s, label: PARTICIPATION_STATUS_LABELS[s] }));
const statusText = (s: string | null) => (s ? (PARTICIPATION_STATUS_LABELS[s as ParticipationStatus] ?? s) : null);

/** The "Gestopt op" row of a summary list: only for a stopped participation (or one that still has a stop date). */
function stoppedOnItems(r: Pick<ParticipationRow, 'status' | 'signedOn' | 'stoppedOn'>): [string, string | null][] {
  if (r.status !== 'stopped' && !r.stoppedOn) return [];
  if (r.stoppedOn) return [['Gestopt op', nlDate(r.stoppedOn)]];
  return [['Gestopt op', stopDateMissing(r) ? 'onbekend' : 'niet nodig: de vijf pijlers waren niet ondertekend']];
}

const STOPPED_ON_HINT =
  'Alleen bij de status Gestopt: de dag waarop de gemeente met het programma is gestopt. Tot die dag telt de gemeente mee in de programmacijfers. ' +
  'Doet de gemeente weer mee? Maak dit veld dan leeg en kies een andere status.';

const idField = (msg: string) => z.coerce.number({ message: msg }).int(msg).positive(msg).max(2_147_483_647, msg);

const contactFields = {
  contactName: optionalText(200),
  contactEmail: emailField(false),
  notes: optionalText(2000),
};
const officialFields = {
  status: z.enum(PARTICIPATION_STATUSES, { message: 'Kies een status.' }),
  signedOn: optionalDate(),
  stoppedOn: optionalDate(),
  ...contactFields,
};
/** The status-and-date rules of the service, checked with the field formats so every problem shows at once. */
const addRuleIssues = (today: string) => (v: { status: ParticipationStatus; signedOn?: string; stoppedOn?: string }, c: z.RefinementCtx) => {
  for (const [path, message] of Object.entries(participationRuleErrors(v, { today }))) c.addIssue({ code: 'custom', path: [path], message });
};
const createSchema = (now: Date) => z.object({ municipalityId: idField('Kies een gemeente.'), ...officialFields }).superRefine(addRuleIssues(amsterdamDate(now)));
const officialSchema = (now: Date) => z.object(officialFields).superRefine(addRuleIssues(amsterdamDate(now)));
const contactSchema = z.object(contactFields);
const jointSchema = z.object({ name: requiredText('de naam', 200), primaryMunicipalityId: idField('Kies de hoofdgemeente.') });

function participationFilter(q: Record<string, string>): Omit<ParticipationFilter, 'page' | 'pageSize'> & { q: string } {
  const lp = listParams(q, [...PARTICIPATION_SORTS], 'municipality');
  return {
    q: lp.q,
    sort: lp.sort,
    dir: lp.dir,
    status: (PARTICIPATION_STATUSES as readonly string[]).includes(q.status) ? (q.status as ParticipationStatus) : undefined,
    province: CBS_PROVINCE.test(q.provincie ?? '') ? q.provincie : undefined,
    joint: q.gezamenlijk === 'ja' ? 'yes' : q.gezamenlijk === 'nee' ? 'no' : '',
  };
}

export async function participationRoutes(app: FastifyInstance) {
  const db = app.ctx.database.db;

  const parseId = (v: string | undefined) => {
    const id = Number(v);
    if (!Number.isInteger(id) || id <= 0 || id > 2_147_483_647) throw new NotFoundError();
    return id;
  };

  /** A participation the user may see; out of scope answers 404. */
  async function load(req: FastifyRequest) {
    const id = parseId((req.params as { id?: string }).id);
    const p = req.authorize('participation:list');
    const row = await getParticipation(db, id);
    if (!row || !can(p, 'participation:read', { municipalityId: row.municipalityId })) throw new NotFoundError();
    return { p, row };
  }

  // ----- list -----
  app.get(PARTICIPATIONS, async (req, reply) => {
    const p = req.authorize('participation:list');
    const q = req.query as Record<string, string>;
    const lp = listParams(q, [...PARTICIPATION_SORTS], 'municipality');
    const f = participationFilter(q);
    const [{ rows, total }, provs] = await Promise.all([listParticipations(db, p, { ...f, page: lp.page, pageSize: lp.pageSize }), listProvinces(db)]);
    const query: ListQuery = {
      q: lp.q,
      sort: lp.sort,
      dir: lp.dir,
      page: lp.page,
      pageSize: lp.pageSize,
      status: f.status,
      provincie: f.province,
      gezamenlijk: f.joint === 'yes' ? 'ja' : f.joint === 'no' ? 'nee' : undefined,
    };
    const columns: Column<ParticipationRow>[] = [
      { key: 'municipality', label: 'Gemeente', sortable: true, render: (r) => <Link href={`${PARTICIPATIONS}/${r.id}`}>{r.municipalityName}</Link> },
      { key: 'cbsCode', label: 'CBS-code', sortable: true, render: (r) => r.cbsCode },
      { key: 'province', label: 'Provincie', sortable: true, render: (r) => r.provinceName },
      { key: 'status', label: 'Status', sortable: true, render: (r) => participationStatusText(r, nlDate) },
      { key: 'signedOn', label: 'Ondertekend op', sortable: true, render: (r) => nlDate(r.signedOn) ?? '—' },
      {
        key: 'jointApproach',
        label: 'Gezamenlijke aanpak',
        sortable: true,
        render: (r) => (r.jointApproachName ? `${r.jointApproachName}${r.primaryMunicipalityId === r.municipalityId ? ' (hoofdgemeente)' : ''}` : 'Nee'),
      },
    ];
    const form = { values: { q: lp.q, status: f.status, provincie: f.province, gezamenlijk: query.gezamenlijk }, errors: {} };
    const crumbs = [HOME, { label: 'Deelnames' }];
    return reply.page({ title: 'Deelnames' }, (ctx) => (
      <Page ctx={ctx} title="Deelnames" crumbs={crumbs}>
        <Heading>Deelnames</Heading>
        <P>Gemeenten die deelnemen aan Eén tegen eenzaamheid door de vijf pijlers te ondertekenen, alleen of in een gezamenlijke aanpak.</P>
        <ul class="action-list">
          {managesParticipations(p) && (
            <li>
              <ButtonLink href={`${PARTICIPATIONS}/nieuw`} variant="primary">
                Deelname registreren
              </ButtonLink>
            </li>
          )}
          {managesParticipations(p) && (
            <li>
              <Link href={`${PARTICIPATIONS}/importeren`}>Deelnames importeren (CSV of Excel)</Link>
            </li>
          )}
          <li>
            <Link href={JOINT}>Gezamenlijke aanpakken</Link>
          </li>
        </ul>
        <form method="get" action={PARTICIPATIONS} class="filter-form" role="search" novalidate aria-label="Deelnames zoeken en filteren">
          <TextField name="q" label="Zoek op gemeente, CBS-code of aanpak" type="search" form={form} filter />
          <SelectField name="status" label="Status" form={form} options={statusOptions} placeholder="Alle statussen" filter />
          <SelectField name="provincie" label="Provincie" form={form} options={provs.map((pv) => ({ value: pv.code, label: pv.name }))} placeholder="Alle provincies" filter />
          <SelectField
            name="gezamenlijk"
            label="Gezamenlijke aanpak"
            form={form}
            placeholder="Alle"
            filter
            options={[
              { value: 'ja', label: 'Ja, in een gezamenlijke aanpak' },
              { value: 'nee', label: 'Nee, alleen' },
            ]}
          />
          <button class="utrecht-button utrecht-button--secondary-action" type="submit">
            Zoeken
          </button>
        </form>
        <DataTable caption="Deelnames" columns={columns} rows={rows} base={PARTICIPATIONS} query={query} />
        <Pagination base={PARTICIPATIONS} query={query} total={total} />
        {can(p, 'registry:export') && <ExportLinks base={`${PARTICIPATIONS}/export`} query={query} />}
      </Page>
    ));
  });

  app.get(`${PARTICIPATIONS}/export`, async (req, reply) => {
    const p = req.authorize('participation:list');
    req.authorize('registry:export');
    const f = participationFilter(req.query as Record<string, string>);
    return sendAuditedExport(db, req, reply, await exportParticipations(db, p, f), {
      filename: 'deelnames',
      filters: { q: f.q, status: f.status, provincie: f.province, gezamenlijk: f.joint },
    });
  });

  // ----- import -----
  registerImport(app, {
    path: `${PARTICIPATIONS}/importeren`,
    listPath: PARTICIPATIONS,
    title: 'Deelnames importeren',
    crumbs: [HOME, LIST, { label: 'Importeren' }],
    action: 'participation:create',
    templateName: 'deelnames',
    intro: (
      <>
        Per gemeente één regel: een nieuwe deelname wordt geregistreerd, een bestaande bijgewerkt. Een kolom die ontbreekt laat de bestaande waarde staan;
        een lege cel maakt de waarde leeg. Een gezamenlijke aanpak moet al bestaan; vul de naam in.
      </>
    ),
    columns: [
      { header: 'cbs_code', required: true, description: 'CBS-gemeentecode, zoals GM0363. Opgeheven gemeenten kunnen niet.' },
      { header: 'status', required: true, description: `Een van: ${PARTICIPATION_STATUSES.map((s) => `${s} (${PARTICIPATION_STATUS_LABELS[s]})`).join(', ')}.` },
      { header: 'signed_on', required: false, description: 'Datum van ondertekening (JJJJ-MM-DD of DD-MM-JJJJ); verplicht bij ondertekend en actief.' },
      {
        header: 'stopped_on',
        required: false,
        description:
          'Datum waarop de gemeente is gestopt (JJJJ-MM-DD of DD-MM-JJJJ). Alleen bij status stopped, en dan verplicht als de gemeente had ondertekend; niet in de toekomst en niet vóór signed_on. Doet een gemeente weer mee, laat de cel dan leeg. Een bestand zonder deze kolom laat de geregistreerde stopdatum staan.',
      },
      { header: 'contact_name', required: false, description: 'Naam van de contactpersoon bij de gemeente.' },
      { header: 'contact_email', required: false, description: 'Zakelijk e-mailadres van de contactpersoon.' },
      { header: 'notes', required: false, description: 'Notities.' },
      { header: 'joint_approach', required: false, description: 'Naam van de gezamenlijke aanpak waar de gemeente aan meedoet; leeg = geen.' },
    ],
    schema: participationImportSchema,
    checker: (d) => participationImportChecker(d, new Date()),
    write: importParticipations,
  });

  // ----- create -----
  const participationForm = (
    reply: FastifyReply,
    opts: { title: string; action: string; form: FormState; crumbs: Crumb[]; cancel: string; municipalities?: Option[]; official: boolean; status?: number; intro?: string },
  ) =>
    reply.page({ title: opts.title, status: opts.status }, (ctx) => (
      <Page ctx={ctx} title={opts.title} crumbs={opts.crumbs}>
        <Heading>{opts.title}</Heading>
        {opts.intro && <P>{opts.intro}</P>}
        <ErrorSummary errors={opts.form.errors} labels={LABELS} />
        <form method="post" action={opts.action} class="form" novalidate>
          <CsrfField token={ctx.csrfToken} />
          {opts.municipalities && (
            <SelectField name="municipalityId" label={LABELS.municipalityId} form={opts.form} options={opts.municipalities} placeholder="Kies een gemeente" required hint="Alleen gemeenten die nog niet deelnemen." />
          )}
          {opts.official && (
            <>
              <SelectField name="status" label={LABELS.status} form={opts.form} options={statusOptions} placeholder="Kies een status" required />
              <TextField name="signedOn" label={LABELS.signedOn} form={opts.form} type="date" hint="Verplicht zodra de vijf pijlers zijn ondertekend." />
              <TextField name="stoppedOn" label={LABELS.stoppedOn} form={opts.form} type="date" hint={STOPPED_ON_HINT} />
            </>
          )}
          <TextField name="contactName" label={LABELS.contactName} form={opts.form} autocomplete="off" hint="Zodat het programmateam weet wie het aanspreekpunt is." />
          <TextField name="contactEmail" label={LABELS.contactEmail} form={opts.form} type="email" autocomplete="off" hint="Een zakelijk adres, bij voorkeur een functioneel adres." />
          <TextArea name="notes" label={LABELS.notes} form={opts.form} hint="Geen gegevens over inwoners." />
          <div class="form-actions">
            <Button>Opslaan</Button>
            <Link href={opts.cancel}>Annuleren</Link>
          </div>
        </form>
      </Page>
    ));

  const municipalityOptions = async () => (await municipalitiesWithoutParticipation(db)).map((m) => ({ value: String(m.id), label: `${m.name} (${m.cbsCode})` }));
  const createPage = async (reply: FastifyReply, form: FormState, status?: number) =>
    participationForm(reply, {
      title: 'Deelname registreren',
      action: `${PARTICIPATIONS}/nieuw`,
      form,
      crumbs: [HOME, LIST, { label: 'Registreren' }],
      cancel: PARTICIPATIONS,
      municipalities: await municipalityOptions(),
      official: true,
      status,
    });

  app.get(`${PARTICIPATIONS}/nieuw`, async (req, reply) => {
    req.authorize('participation:create');
    const pre = (req.query as Record<string, string>).gemeente;
    return createPage(reply, { values: { municipalityId: /^\d+$/.test(pre ?? '') ? pre : '', status: 'signed' }, errors: {} });
  });

  app.post(`${PARTICIPATIONS}/nieuw`, async (req, reply) => {
    req.authorize('participation:create');
    const values = formValues(req.body);
    const now = new Date();
    const parsed = parseForm(createSchema(now), values);
    let errors: FieldErrors = parsed.ok ? {} : parsed.errors;
    if (parsed.ok) {
      const r = await createParticipation(db, req.auditCtx(), parsed.data, now);
      if (r.ok) {
        reply.flash('success', 'De deelname is geregistreerd.');
        return reply.redirect(`${PARTICIPATIONS}/${r.id}`, 303);
      }
      errors = r.errors;
    }
    return createPage(reply, { values, errors }, 422);
  });

  // ----- detail -----
  app.get(`${PARTICIPATIONS}/:id`, async (req, reply) => {
    const { p, row } = await load(req);
    if (row.contactName || row.contactEmail) {
      await audit(db, req.auditCtx(), { action: 'read_personal', entity: 'participation', entityId: row.id, details: { fields: ['contactName', 'contactEmail'] } });
    }
    const title = `Deelname van ${row.municipalityName}`;
    const crumbs = [HOME, LIST, { label: row.municipalityName }];
    const editsOfficial = managesParticipations(p) && can(p, 'participation:update', { municipalityId: row.municipalityId });
    return reply.page({ title }, (ctx) => (
      <Page ctx={ctx} title={title} crumbs={crumbs}>
        <Heading>{title}</Heading>
        {stopDateMissing(row) && (
          <Alert kind="warning">
            De stopdatum ontbreekt. {row.municipalityName} heeft de status {PARTICIPATION_STATUS_LABELS.stopped}, maar zonder de datum waarop de gemeente stopte
            telt zij in de programmacijfers op geen enkele datum mee, ook niet voor de tijd vanaf de ondertekening op {nlDate(row.signedOn)}.{' '}
            {editsOfficial ? (
              <Link href={`${PARTICIPATIONS}/${row.id}/bewerken`}>Vul de stopdatum in</Link>
            ) : (
              'Vraag het programmateam de stopdatum in te vullen.'
            )}
          </Alert>
        )}
        <SummaryList
          items={[
            ['Gemeente', <Link href={`${MUNICIPALITIES}/${row.municipalityId}`}>{`${row.municipalityName} (${row.cbsCode})`}</Link>],
            ['Provincie', row.provinceName],
            ['Status', statusText(row.status)],
            ['Vijf pijlers ondertekend op', nlDate(row.signedOn)],
            ...stoppedOnItems(row),
            ['Gezamenlijke aanpak', row.jointApproachId ? <Link href={`${JOINT}/${row.jointApproachId}`}>{row.jointApproachName}</Link> : 'Nee'],
            ['Hoofdgemeente', row.jointApproachId ? `${row.primaryName} (${row.primaryCbsCode})` : null],
            [LABELS.contactName, row.contactName],
            [LABELS.contactEmail, row.contactEmail ? <Link href={`mailto:${row.contactEmail}`}>{row.contactEmail}</Link> : null],
            [LABELS.notes, row.notes],
          ]}
        />
        <ul class="action-list">
          {can(p, 'participation:update', { municipalityId: row.municipalityId }) && (
            <li>
              <ButtonLink href={`${PARTICIPATIONS}/${row.id}/bewerken`}>{managesParticipations(p) ? 'Deelname bewerken' : 'Contactgegevens bewerken'}</ButtonLink>
            </li>
          )}
          {can(p, 'participation:delete', { municipalityId: row.municipalityId }) && (
            <li>
              <Link href={`${PARTICIPATIONS}/${row.id}/verwijderen`}>Deelname verwijderen</Link>
            </li>
          )}
        </ul>
      </Page>
    ));
  });

  // ----- edit -----
  async function loadForUpdate(req: FastifyRequest) {
    const { p, row } = await load(req);
    if (!can(p, 'participation:update', { municipalityId: row.municipalityId })) throw new ForbiddenError('U mag deze deelname bekijken, maar niet wijzigen.');
    return { row, official: managesParticipations(p) };
  }
  const editPage = (reply: FastifyReply, row: ParticipationRow, official: boolean, form: FormState, status?: number) =>
    participationForm(reply, {
      title: `Deelname van ${row.municipalityName} bewerken`,
      action: `${PARTICIPATIONS}/${row.id}/bewerken`,
      form,
      crumbs: [HOME, LIST, { href: `${PARTICIPATIONS}/${row.id}`, label: row.municipalityName }, { label: 'Bewerken' }],
      cancel: `${PARTICIPATIONS}/${row.id}`,
      official,
      status,
      intro: !official
        ? 'U kunt de contactgegevens en notities bijwerken. Voor een andere status of datum van ondertekening neemt u contact op met het programmateam.'
        : stopDateMissing(row)
          ? `${row.municipalityName} heeft de status ${PARTICIPATION_STATUS_LABELS.stopped}, maar de stopdatum ontbreekt. Vul bij "Gestopt op" de datum in waarop de gemeente is gestopt; pas dan telt zij in de programmacijfers mee voor de tijd dat zij deelnam.`
          : undefined,
    });

  app.get(`${PARTICIPATIONS}/:id/bewerken`, async (req, reply) => {
    const { row, official } = await loadForUpdate(req);
    if (row.contactName || row.contactEmail)
      await audit(db, req.auditCtx(), { action: 'read_personal', entity: 'participation', entityId: row.id, details: { fields: ['contactName', 'contactEmail'], form: 'edit' } });
    const values = { status: row.status, signedOn: row.signedOn ?? '', stoppedOn: row.stoppedOn ?? '', contactName: row.contactName ?? '', contactEmail: row.contactEmail ?? '', notes: row.notes ?? '' };
    return editPage(reply, row, official, { values, errors: {} });
  });

  app.post(`${PARTICIPATIONS}/:id/bewerken`, async (req, reply) => {
    const { row, official } = await loadForUpdate(req);
    const values = formValues(req.body);
    const contact = (d: z.infer<typeof contactSchema>) => ({ contactName: d.contactName ?? null, contactEmail: d.contactEmail ?? null, notes: d.notes ?? null });
    // Coordinators: only the contact fields are read; status and date in the body are ignored.
    const now = new Date();
    const parsed = official ? parseForm(officialSchema(now), values) : parseForm(contactSchema, values);
    let errors: FieldErrors = parsed.ok ? {} : parsed.errors;
    if (parsed.ok) {
      const d = parsed.data as z.infer<typeof contactSchema> & Partial<z.infer<ReturnType<typeof officialSchema>>>;
      const patch = official ? { status: d.status, signedOn: d.signedOn ?? null, stoppedOn: d.stoppedOn ?? null, ...contact(d) } : contact(d);
      const r = await updateParticipation(db, req.auditCtx(), row.id, patch, now);
      if (r.ok) {
        reply.flash('success', 'De deelname is opgeslagen.');
        return reply.redirect(`${PARTICIPATIONS}/${row.id}`, 303);
      }
      errors = r.errors;
    }
    return editPage(reply, row, official, { values, errors }, 422);
  });

  // ----- delete -----
  async function loadForDelete(req: FastifyRequest) {
    const { p, row } = await load(req);
    if (!can(p, 'participation:delete', { municipalityId: row.municipalityId })) throw new ForbiddenError();
    return row;
  }
  const deletePage = (reply: FastifyReply, row: ParticipationRow, reasons: string[], status?: number) => {
    const title = `Deelname van ${row.municipalityName} verwijderen`;
    const crumbs = [HOME, LIST, { href: `${PARTICIPATIONS}/${row.id}`, label: row.municipalityName }, { label: 'Verwijderen' }];
    return reply.page({ title, status }, (ctx) => (
      <Page ctx={ctx} title={title} crumbs={crumbs}>
        <Heading>{title}</Heading>
        {reasons.length ? (
          <>
            <Reasons reasons={reasons} />
            <Link href={`${PARTICIPATIONS}/${row.id}`}>Terug naar de deelname</Link>
          </>
        ) : (
          <>
            <P>
              Weet u zeker dat u de deelname van {row.municipalityName} wilt verwijderen? Stopt de gemeente met het programma, zet de status dan liever op
              "{PARTICIPATION_STATUS_LABELS.stopped}": dan blijft de geschiedenis zichtbaar.
            </P>
            <ConfirmForm action={`${PARTICIPATIONS}/${row.id}/verwijderen`} csrf={ctx.csrfToken} label="Ja, verwijder deze deelname" cancel={`${PARTICIPATIONS}/${row.id}`} />
          </>
        )}
      </Page>
    ));
  };

  app.get(`${PARTICIPATIONS}/:id/verwijderen`, async (req, reply) => {
    const row = await loadForDelete(req);
    const reasons = row.jointApproachId && row.primaryMunicipalityId === row.municipalityId ? [`${row.municipalityName} is hoofdgemeente van "${row.jointApproachName}". Kies eerst een andere hoofdgemeente of verwijder de gezamenlijke aanpak.`] : [];
    return deletePage(reply, row, reasons);
  });

  app.post(`${PARTICIPATIONS}/:id/verwijderen`, async (req, reply) => {
    const row = await loadForDelete(req);
    const r = await deleteParticipation(db, req.auditCtx(), row.id);
    if (!r.ok) return deletePage(reply, row, r.reasons, 409);
    reply.flash('success', `De deelname van ${row.municipalityName} is verwijderd.`);
    return reply.redirect(PARTICIPATIONS, 303);
  });

  // ----- joint approaches -----
  app.get(JOINT, async (req, reply) => {
    const p = req.authorize('participation:list');
    const rows = await listJointApproaches(db, p);
    type Row = (typeof rows)[number];
    const columns: Column<Row>[] = [
      { key: 'name', label: 'Gezamenlijke aanpak', render: (r) => <Link href={`${JOINT}/${r.id}`}>{r.name}</Link> },
      { key: 'primary', label: 'Hoofdgemeente', render: (r) => `${r.primaryName} (${r.primaryCbsCode})` },
      { key: 'members', label: 'Aantal gemeenten', numeric: true, render: (r) => r.members },
    ];
    const crumbs = [HOME, LIST, { label: 'Gezamenlijke aanpakken' }];
    return reply.page({ title: 'Gezamenlijke aanpakken' }, (ctx) => (
      <Page ctx={ctx} title="Gezamenlijke aanpakken" crumbs={crumbs}>
        <Heading>Gezamenlijke aanpakken</Heading>
        <P>
          In een gezamenlijke aanpak doen meerdere gemeenten samen mee, met één hoofdgemeente. De coördinatoren van de hoofdgemeente zien en bewerken
          ook de gegevens van de andere gemeenten in de aanpak.
        </P>
        {managesParticipations(p) && (
          <ButtonLink href={`${JOINT}/nieuw`} variant="primary">
            Gezamenlijke aanpak toevoegen
          </ButtonLink>
        )}
        <DataTable caption="Gezamenlijke aanpakken" columns={columns} rows={rows} base={JOINT} query={{ page: 1, pageSize: rows.length || 1 }} empty="Er zijn (nog) geen gezamenlijke aanpakken." />
      </Page>
    ));
  });

  const jointOptions = async () => (await participationsWithoutJointApproach(db)).map((m) => ({ value: String(m.municipalityId), label: `${m.name} (${m.cbsCode})` }));

  const newJointPage = async (reply: FastifyReply, form: FormState, status?: number) => {
    const title = 'Gezamenlijke aanpak toevoegen';
    const crumbs = [HOME, LIST, JOINT_LIST, { label: 'Toevoegen' }];
    const options = await jointOptions();
    return reply.page({ title, status }, (ctx) => (
      <Page ctx={ctx} title={title} crumbs={crumbs}>
        <Heading>{title}</Heading>
        <P>Kies eerst de hoofdgemeente; daarna voegt u de andere gemeenten toe. Alleen gemeenten met een deelname die nog niet in een gezamenlijke aanpak zitten, staan in de lijst.</P>
        <ErrorSummary errors={form.errors} labels={LABELS} />
        <form method="post" action={`${JOINT}/nieuw`} class="form" novalidate>
          <CsrfField token={ctx.csrfToken} />
          <TextField name="name" label={LABELS.name} form={form} required hint="Bijvoorbeeld: Samen tegen eenzaamheid Drenthe-Noord." />
          <SelectField name="primaryMunicipalityId" label={LABELS.primaryMunicipalityId} form={form} options={options} placeholder="Kies de hoofdgemeente" required />
          <div class="form-actions">
            <Button>Opslaan</Button>
            <Link href={JOINT}>Annuleren</Link>
          </div>
        </form>
      </Page>
    ));
  };

  app.get(`${JOINT}/nieuw`, async (req, reply) => {
    req.authorize('participation:create');
    return newJointPage(reply, { values: {}, errors: {} });
  });

  app.post(`${JOINT}/nieuw`, async (req, reply) => {
    req.authorize('participation:create');
    const values = formValues(req.body);
    const parsed = parseForm(jointSchema, values);
    let errors: FieldErrors = parsed.ok ? {} : parsed.errors;
    if (parsed.ok) {
      const r = await createJointApproach(db, req.auditCtx(), parsed.data);
      if (r.ok) {
        reply.flash('success', `De gezamenlijke aanpak "${parsed.data.name}" is aangemaakt. Voeg nu de andere gemeenten toe.`);
        return reply.redirect(`${JOINT}/${r.id}`, 303);
      }
      errors = r.errors;
    }
    return newJointPage(reply, { values, errors }, 422);
  });

  /** A joint approach with at least one member in the user's scope (else 404). */
  async function loadJoint(req: FastifyRequest) {
    const id = parseId((req.params as { id?: string }).id);
    const p = req.authorize('participation:list');
    const j = await getJointApproach(db, id);
    if (!j || !j.members.some((m) => can(p, 'participation:read', { municipalityId: m.municipalityId }))) throw new NotFoundError();
    return { p, j };
  }
  async function loadJointForChange(req: FastifyRequest) {
    const { p, j } = await loadJoint(req);
    if (!managesParticipations(p)) throw new ForbiddenError();
    return j;
  }

  type Joint = NonNullable<Awaited<ReturnType<typeof getJointApproach>>>;
  const jointPage = async (reply: FastifyReply, p: Principal, j: Joint, form: FormState = { values: {}, errors: {} }, status?: number) => {
    const manage = managesParticipations(p);
    const addOptions = manage ? await jointOptions() : [];
    const memberOptions = j.members.map((m) => ({ value: String(m.municipalityId), label: `${m.name} (${m.cbsCode})` }));
    const values = { name: j.name, primaryMunicipalityId: String(j.primaryMunicipalityId), ...form.values };
    const f: FormState = { values, errors: form.errors };
    const crumbs = [HOME, LIST, JOINT_LIST, { label: j.name }];
    return reply.page({ title: j.name, status }, (ctx) => {
      type Member = Joint['members'][number];
      const columns: Column<Member>[] = [
        {
          key: 'name',
          label: 'Gemeente',
          render: (m) => (can(p, 'participation:read', { municipalityId: m.municipalityId }) ? <Link href={`${PARTICIPATIONS}/${m.participationId}`}>{m.name}</Link> : m.name),
        },
        { key: 'cbsCode', label: 'CBS-code', render: (m) => m.cbsCode },
        { key: 'status', label: 'Status', render: (m) => statusText(m.status) },
        { key: 'role', label: 'Rol', render: (m) => (m.municipalityId === j.primaryMunicipalityId ? 'Hoofdgemeente' : 'Deelnemende gemeente') },
      ];
      if (manage) {
        columns.push({
          key: 'actions',
          label: 'Actie',
          render: (m) =>
            m.municipalityId === j.primaryMunicipalityId ? (
              '—'
            ) : (
              <form method="post" action={`${JOINT}/${j.id}/leden/${m.municipalityId}/verwijderen`} class="inline-form">
                <CsrfField token={ctx.csrfToken} />
                <Button variant="secondary">
                  Verwijderen<span class="visually-hidden"> uit de aanpak: {m.name}</span>
                </Button>
              </form>
            ),
        });
      }
      return (
        <Page ctx={ctx} title={j.name} crumbs={crumbs}>
          <Heading>{j.name}</Heading>
          <ErrorSummary errors={f.errors} labels={LABELS} />
          <SummaryList
            items={[
              ['Hoofdgemeente', j.primary ? `${j.primary.name} (${j.primary.cbsCode})` : null],
              ['Aantal gemeenten', String(j.members.length)],
            ]}
          />
          <div id="veld-leden" tabIndex={-1}>
            <DataTable caption="Deelnemende gemeenten" columns={columns} rows={j.members} base={`${JOINT}/${j.id}`} query={{ page: 1, pageSize: j.members.length || 1 }} />
          </div>
          {manage && (
            <>
              <Heading level={2}>Gemeente toevoegen</Heading>
              <form method="post" action={`${JOINT}/${j.id}/leden`} class="form" novalidate>
                <CsrfField token={ctx.csrfToken} />
                <SelectField
                  name="municipalityId"
                  label="Gemeente"
                  form={f}
                  options={addOptions}
                  placeholder="Kies een gemeente"
                  required
                  hint="Gemeenten met een deelname die nog niet in een gezamenlijke aanpak zitten."
                />
                <div class="form-actions">
                  <Button variant="secondary">Toevoegen</Button>
                </div>
              </form>
              <Heading level={2}>Hoofdgemeente wijzigen</Heading>
              <form method="post" action={`${JOINT}/${j.id}/hoofdgemeente`} class="form" novalidate>
                <CsrfField token={ctx.csrfToken} />
                <SelectField name="primaryMunicipalityId" label={LABELS.primaryMunicipalityId} form={f} options={memberOptions} required hint="De hoofdgemeente is altijd een van de deelnemende gemeenten." />
                <div class="form-actions">
                  <Button variant="secondary">Hoofdgemeente opslaan</Button>
                </div>
              </form>
              <Heading level={2}>Naam wijzigen</Heading>
              <form method="post" action={`${JOINT}/${j.id}/naam`} class="form" novalidate>
                <CsrfField token={ctx.csrfToken} />
                <TextField name="name" label={LABELS.name} form={f} required />
                <div class="form-actions">
                  <Button variant="secondary">Naam opslaan</Button>
                </div>
              </form>
              <P>
                <Link href={`${JOINT}/${j.id}/verwijderen`}>Gezamenlijke aanpak opheffen</Link>
              </P>
            </>
          )}
        </Page>
      );
    });
  };

  app.get(`${JOINT}/:id`, async (req, reply) => {
    const { p, j } = await loadJoint(req);
    return jointPage(reply, p, j);
  });

  /** Runs one change of a joint approach; on refusal shows the page again with the messages (422). */
  const jointChange = (path: string, run: (req: FastifyRequest, j: Joint, values: Record<string, unknown>) => Promise<{ ok: true } | { ok: false; errors: FieldErrors }>, done: string) =>
    app.post(path, async (req, reply) => {
      const j = await loadJointForChange(req);
      const values = formValues(req.body);
      const r = await run(req, j, values);
      if (r.ok) {
        reply.flash('success', done);
        return reply.redirect(`${JOINT}/${j.id}`, 303);
      }
      const fresh = (await getJointApproach(db, j.id)) ?? j;
      return jointPage(reply, req.principal!, fresh, { values, errors: r.errors }, 422);
    });

  const memberId = (values: Record<string, unknown>, field: string, msg: string) => {
    const r = idField(msg).safeParse(values[field]);
    return r.success ? { ok: true as const, id: r.data } : { ok: false as const, errors: { [field]: msg } };
  };

  jointChange(
    `${JOINT}/:id/leden`,
    async (req, j, values) => {
      const m = memberId(values, 'municipalityId', 'Kies een gemeente.');
      return m.ok ? addJointMember(db, req.auditCtx(), j.id, m.id) : m;
    },
    'De gemeente is toegevoegd aan de gezamenlijke aanpak.',
  );

  jointChange(
    `${JOINT}/:id/leden/:municipalityId/verwijderen`,
    async (req, j) => {
      const mid = Number((req.params as { municipalityId: string }).municipalityId);
      const r = await removeJointMember(db, req.auditCtx(), j.id, Number.isInteger(mid) ? mid : 0);
      return r.ok ? r : { ok: false, errors: { leden: r.errors.municipalityId ?? 'Dit kan niet.' } };
    },
    'De gemeente is uit de gezamenlijke aanpak gehaald; de deelname van de gemeente blijft bestaan.',
  );

  jointChange(
    `${JOINT}/:id/hoofdgemeente`,
    async (req, j, values) => {
      const m = memberId(values, 'primaryMunicipalityId', 'Kies de hoofdgemeente.');
      return m.ok ? setJointPrimary(db, req.auditCtx(), j.id, m.id) : m;
    },
    'De hoofdgemeente is gewijzigd.',
  );

  jointChange(
    `${JOINT}/:id/naam`,
    async (req, j, values) => {
      const parsed = parseForm(z.object({ name: requiredText('de naam', 200) }), values);
      return parsed.ok ? renameJointApproach(db, req.auditCtx(), j.id, parsed.data.name) : parsed;
    },
    'De naam is gewijzigd.',
  );

  app.get(`${JOINT}/:id/verwijderen`, async (req, reply) => {
    const j = await loadJointForChange(req);
    const title = `${j.name} opheffen`;
    const crumbs = [HOME, LIST, JOINT_LIST, { href: `${JOINT}/${j.id}`, label: j.name }, { label: 'Opheffen' }];
    return reply.page({ title }, (ctx) => (
      <Page ctx={ctx} title={title} crumbs={crumbs}>
        <Heading>{title}</Heading>
        <P>
          Weet u zeker dat u de gezamenlijke aanpak "{j.name}" wilt opheffen? De {j.members.length} gemeenten houden hun eigen deelname. De coördinatoren van
          de hoofdgemeente zien daarna alleen nog hun eigen gemeente.
        </P>
        <ConfirmForm action={`${JOINT}/${j.id}/verwijderen`} csrf={ctx.csrfToken} label="Ja, hef deze gezamenlijke aanpak op" cancel={`${JOINT}/${j.id}`} />
      </Page>
    ));
  });

  app.post(`${JOINT}/:id/verwijderen`, async (req, reply) => {
    const j = await loadJointForChange(req);
    await deleteJointApproach(db, req.auditCtx(), j.id);
    reply.flash('success', `De gezamenlijke aanpak "${j.name}" is opgeheven.`);
    return reply.redirect(JOINT, 303);
  });
}
