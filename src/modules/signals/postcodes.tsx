import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { and, asc, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../platform/db/index.js';
import { audit, type AuditContext } from '../../platform/audit.js';
import { can, type Principal } from '../../platform/access.js';
import { formValues, parseForm } from '../../platform/http/forms.js';
import { ForbiddenError, NotFoundError } from '../../platform/http/errors.js';
import { Page, type Crumb, type PageContext } from '../../platform/views/layout.js';
import {
  Alert,
  Button,
  Checkbox,
  CsrfField,
  DataTable,
  ErrorSummary,
  FileField,
  Heading,
  Link,
  P,
  SelectField,
  SummaryList,
  TextField,
  type Column,
  type FieldErrors,
  type FormState,
  type Option,
} from '../../platform/views/components.js';
import { municipalities, neighbourhoods } from '../registry/schema.js';
import { municipalityOptions } from '../registry/organisations-service.js';
import { uploadedFile } from '../registry/tabular-views.js';
import { configurableMunicipalityIds, mayConfigureSomething, neighbourhoodChoices, postcodeSchema, ROUTING_TEST_MSG } from './config-service.js';
import { formatPostcode, normalisePostcode, parseHouseNumber } from './model.js';
import { postcodeAddressAreas, postcodeAreas } from './schema.js';
import { importPostcodes, MAX_SHRINK_SHARE, PostcodeImportError, PostcodeShrinkError, type LineProblem, type PostcodeImportSummary } from './postcode-import.js';

/**
 * The postcode table: look up a postcode (/signaalpunten/postcodes), correct it by hand (whole
 * postcode or one house number), remove a manual correction, and the CBS import
 * (/beheer/postcodes/importeren, programme team). A manual row is never overwritten by an import.
 *
 * Municipality coordinators ('postcode:manage' for their municipality) correct only postcodes
 * that are in the table and lie in their municipality (neighbourhood, house-number exceptions),
 * and only with neighbourhoods of their municipality. Adding a postcode that is not in the table
 * is for the programme team ('postcode:import'): a coordinator must not claim an unknown postcode
 * (and the signals for it) for their municipality. The programme team corrects anything.
 *
 * The lookup form is a POST (with CSRF) because it can hold a house number, and an address does
 * not belong in a URL (browser history, logs). GET ?postcode= (a public PC6 code) still works,
 * for links and the redirect after a correction; a house number in the query string is ignored.
 */

const BASE = '/signaalpunten/postcodes';
const IMPORT_PATH = '/beheer/postcodes/importeren';
/** The import page's checkbox: import even when many postcodes would disappear. */
const SHRINK_FIELD = 'verdwijnenToegestaan';
const IMPORT_LABELS = { bestand: 'Bestand', [SHRINK_FIELD]: 'Postcodes die verdwijnen' };
const HOME: Crumb = { href: '/beheer', label: 'Overzicht' };
const CRUMBS: Crumb[] = [HOME, { href: '/signaalpunten', label: 'Signaalpunten' }];
/** Upload limit of the import page: the CBS zip is some tens of MB (the unpacked CSV is too big: use the CLI). */
const IMPORT_MAX_BYTES = 150 * 1024 * 1024;

export const SOURCE_LABELS: Record<string, string> = { cbs: 'CBS-import', manual: 'Handmatig', pdok: 'PDOK (adreszoeker)' };
const sourceLabel = (s: string) => SOURCE_LABELS[s] ?? s;

/* ------------------------------------------------------------------------------------------
 * Service
 * ---------------------------------------------------------------------------------------- */

export interface PostcodeLookup {
  postcode: string;
  row: { municipalityId: number; municipalityName: string; cbsCode: string; neighbourhoodId: number | null; neighbourhoodName: string | null; neighbourhoodCode: string | null; source: string; addressCount: number | null; updatedAt: Date } | null;
  exceptions: { houseNumber: number; municipalityId: number; municipalityName: string; neighbourhoodId: number | null; neighbourhoodName: string | null; neighbourhoodCode: string | null; source: string }[];
}

export async function lookupPostcode(db: Db, postcode: string): Promise<PostcodeLookup> {
  const [row] = await db
    .select({
      municipalityId: postcodeAreas.municipalityId,
      municipalityName: municipalities.name,
      cbsCode: municipalities.cbsCode,
      neighbourhoodId: postcodeAreas.neighbourhoodId,
      neighbourhoodName: neighbourhoods.name,
      neighbourhoodCode: neighbourhoods.code,
      source: postcodeAreas.source,
      addressCount: postcodeAreas.addressCount,
      updatedAt: postcodeAreas.updatedAt,
    })
    .from(postcodeAreas)
    .innerJoin(municipalities, eq(municipalities.id, postcodeAreas.municipalityId))
    .leftJoin(neighbourhoods, eq(neighbourhoods.id, postcodeAreas.neighbourhoodId))
    .where(eq(postcodeAreas.postcode, postcode));
  const exceptions = await db
    .select({
      houseNumber: postcodeAddressAreas.houseNumber,
      municipalityId: postcodeAddressAreas.municipalityId,
      municipalityName: municipalities.name,
      neighbourhoodId: postcodeAddressAreas.neighbourhoodId,
      neighbourhoodName: neighbourhoods.name,
      neighbourhoodCode: neighbourhoods.code,
      source: postcodeAddressAreas.source,
    })
    .from(postcodeAddressAreas)
    .innerJoin(municipalities, eq(municipalities.id, postcodeAddressAreas.municipalityId))
    .leftJoin(neighbourhoods, eq(neighbourhoods.id, postcodeAddressAreas.neighbourhoodId))
    .where(eq(postcodeAddressAreas.postcode, postcode))
    .orderBy(asc(postcodeAddressAreas.houseNumber));
  return { postcode, row: row ?? null, exceptions };
}

const MSG = {
  postcode: ROUTING_TEST_MSG.postcode,
  houseNumber: ROUTING_TEST_MSG.houseNumber,
  municipality: 'Kies een gemeente uit de lijst.',
  notInTable: 'Deze postcode staat niet in de postcodetabel. Alleen het programmateam kan een postcode toevoegen; neem contact met het programmateam op als de postcode in uw gemeente ligt.',
  neighbourhood: 'Kies een buurt van de gekozen gemeente, of "Buurt onbekend".',
};
export const CORRECTION_LABELS: Record<string, string> = {
  postcode: 'Postcode',
  huisnummer: 'Huisnummer',
  municipalityId: 'Gemeente',
  neighbourhoodId: 'Buurt',
  houseNumber: 'Huisnummer (correctie)',
  addressMunicipalityId: 'Gemeente van het huisnummer',
  addressNeighbourhoodId: 'Buurt van het huisnummer',
};
/** The house-number form's field names differ from the postcode form's: both are on one page (unique ids). */
const ADDRESS_FIELDS: Record<string, string> = { municipalityId: 'addressMunicipalityId', neighbourhoodId: 'addressNeighbourhoodId' };

const blank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

export const correctionSchema = z.object({
  postcode: postcodeSchema,
  houseNumber: z.preprocess((v) => (blank(v) ? null : (parseHouseNumber(v as string) ?? -1)), z.number().int().positive(MSG.houseNumber).nullable()),
  municipalityId: z.preprocess((v) => (blank(v) ? undefined : Number(v)), z.number({ message: MSG.municipality }).int(MSG.municipality).positive(MSG.municipality)),
  neighbourhoodId: z.preprocess((v) => (blank(v) ? null : Number(v)), z.number({ message: MSG.neighbourhood }).int(MSG.neighbourhood).positive(MSG.neighbourhood).nullable()),
});
export type CorrectionInput = z.infer<typeof correctionSchema>;

/**
 * Sets a postcode (houseNumber null) or one address to a municipality and neighbourhood by hand
 * (source 'manual'). Throws NotFoundError when the current row lies outside the user's scope,
 * ForbiddenError when the target municipality does or when a non-admin adds a postcode that is not
 * in the table; returns field errors for a bad neighbourhood.
 */
export type CorrectionResult = { ok: true; created: boolean } | { ok: false; errors: FieldErrors };

export async function correctPostcode(db: Db, actx: AuditContext, p: Principal, input: CorrectionInput): Promise<CorrectionResult> {
  const manage = (municipalityId: number) => can(p, 'postcode:manage', { municipalityId });
  return db.transaction(async (tx): Promise<CorrectionResult> => {
    const [current] = await tx.select().from(postcodeAreas).where(eq(postcodeAreas.postcode, input.postcode)).for('update');
    if (current && !manage(current.municipalityId)) throw new NotFoundError();
    // A postcode that is not in the table (nor a house number of it) is added by the programme team only.
    if (!current && !can(p, 'postcode:import')) throw new ForbiddenError(MSG.notInTable);
    const [addr] =
      input.houseNumber != null
        ? await tx
            .select()
            .from(postcodeAddressAreas)
            .where(and(eq(postcodeAddressAreas.postcode, input.postcode), eq(postcodeAddressAreas.houseNumber, input.houseNumber)))
            .for('update')
        : [];
    if (addr && !manage(addr.municipalityId)) throw new NotFoundError();
    const [target] = await tx
      .select({ id: municipalities.id })
      .from(municipalities)
      .where(and(eq(municipalities.id, input.municipalityId), isNull(municipalities.deletedAt), isNull(municipalities.validTo)));
    if (!target) return { ok: false, errors: { municipalityId: MSG.municipality } };
    if (!manage(target.id)) throw new ForbiddenError('U kunt alleen postcodes in uw eigen gemeente corrigeren.');
    if (input.neighbourhoodId != null && !(await neighbourhoodChoices(tx, target.id)).some((n) => n.id === input.neighbourhoodId)) {
      return { ok: false, errors: { neighbourhoodId: MSG.neighbourhood } };
    }
    const userId = actx.principal?.kind === 'user' ? actx.principal.id : null;
    const next = { municipalityId: target.id, neighbourhoodId: input.neighbourhoodId, source: 'manual' };
    if (input.houseNumber == null) {
      await tx
        .insert(postcodeAreas)
        .values({ postcode: input.postcode, ...next, updatedBy: userId, updatedAt: new Date() })
        .onConflictDoUpdate({ target: postcodeAreas.postcode, set: { ...next, updatedBy: userId, updatedAt: new Date() } });
      await audit(tx, actx, {
        action: current ? 'update' : 'create',
        entity: 'postcode',
        entityId: input.postcode,
        details: { old: current ? { municipalityId: current.municipalityId, neighbourhoodId: current.neighbourhoodId, source: current.source } : null, new: next },
      });
      return { ok: true, created: !current };
    }
    await tx
      .insert(postcodeAddressAreas)
      .values({ postcode: input.postcode, houseNumber: input.houseNumber, ...next })
      .onConflictDoUpdate({ target: [postcodeAddressAreas.postcode, postcodeAddressAreas.houseNumber], set: next });
    await audit(tx, actx, {
      action: addr ? 'update' : 'create',
      entity: 'postcode',
      entityId: `${input.postcode} ${input.houseNumber}`,
      details: { houseNumber: input.houseNumber, old: addr ? { municipalityId: addr.municipalityId, neighbourhoodId: addr.neighbourhoodId, source: addr.source } : null, new: next },
    });
    return { ok: true, created: !addr };
  });
}

/** Removes a manual correction (postcode row, or one address when houseNumber is given). False when there is none. */
export async function removeCorrection(db: Db, actx: AuditContext, p: Principal, postcode: string, houseNumber: number | null): Promise<boolean> {
  return db.transaction(async (tx) => {
    if (houseNumber == null) {
      const [row] = await tx.select().from(postcodeAreas).where(eq(postcodeAreas.postcode, postcode)).for('update');
      if (!row || !can(p, 'postcode:manage', { municipalityId: row.municipalityId })) throw new NotFoundError();
      if (row.source !== 'manual') return false;
      await tx.delete(postcodeAreas).where(eq(postcodeAreas.postcode, postcode));
      await audit(tx, actx, { action: 'delete', entity: 'postcode', entityId: postcode, details: { old: { municipalityId: row.municipalityId, neighbourhoodId: row.neighbourhoodId, source: row.source }, new: null } });
      return true;
    }
    const [row] = await tx
      .select()
      .from(postcodeAddressAreas)
      .where(and(eq(postcodeAddressAreas.postcode, postcode), eq(postcodeAddressAreas.houseNumber, houseNumber)))
      .for('update');
    if (!row || !can(p, 'postcode:manage', { municipalityId: row.municipalityId })) throw new NotFoundError();
    if (row.source !== 'manual') return false;
    await tx.delete(postcodeAddressAreas).where(and(eq(postcodeAddressAreas.postcode, postcode), eq(postcodeAddressAreas.houseNumber, houseNumber)));
    await audit(tx, actx, {
      action: 'delete',
      entity: 'postcode',
      entityId: `${postcode} ${houseNumber}`,
      details: { houseNumber, old: { municipalityId: row.municipalityId, neighbourhoodId: row.neighbourhoodId, source: row.source }, new: null },
    });
    return true;
  });
}

/* ------------------------------------------------------------------------------------------
 * Views
 * ---------------------------------------------------------------------------------------- */

interface CorrectionChoices {
  municipalities: Option[];
  neighbourhoods: Option[];
}

function CorrectionForm({ ctx, action, form, choices, houseNumber, submit }: { ctx: PageContext; action: string; form: FormState; choices: CorrectionChoices; houseNumber: boolean; submit: string }) {
  const name = (n: string) => (houseNumber ? (ADDRESS_FIELDS[n] ?? n) : n);
  return (
    <form method="post" action={action} novalidate class="form">
      <CsrfField token={ctx.csrfToken} />
      <input type="hidden" name="postcode" value={String(form.values.postcode ?? '')} />
      {houseNumber && <TextField name="houseNumber" label="Huisnummer" form={form} required width="xs" inputmode="numeric" autocomplete="off" />}
      <SelectField name={name('municipalityId')} label="Gemeente" form={form} required placeholder="Kies een gemeente" options={choices.municipalities} />
      <SelectField
        name={name('neighbourhoodId')}
        label="Buurt"
        form={form}
        placeholder="Buurt onbekend"
        options={choices.neighbourhoods}
        hint="De buurten van de gekozen gemeente. Kiest u een andere gemeente, dan ziet u na opslaan de buurten van die gemeente."
      />
      <div class="form-actions">
        <Button>{submit}</Button>
      </div>
    </form>
  );
}

function RemoveButton({ csrf, postcode, houseNumber, label }: { csrf: string; postcode: string; houseNumber?: number; label: string }) {
  return (
    <form method="post" action={`${BASE}/correctie-verwijderen`} class="inline-form">
      <CsrfField token={csrf} />
      <input type="hidden" name="postcode" value={postcode} />
      {houseNumber != null && <input type="hidden" name="houseNumber" value={String(houseNumber)} />}
      <Button variant="subtle">{label}</Button>
    </form>
  );
}

function ImportSummary({ s }: { s: PostcodeImportSummary }) {
  const n = (v: number) => v.toLocaleString('nl-NL');
  const codeColumns: Column<{ code: string; lines: number }>[] = [
    { key: 'code', label: 'Code', render: (r) => r.code },
    { key: 'lines', label: 'Regels', numeric: true, render: (r) => n(r.lines) },
  ];
  return (
    <section aria-labelledby="samenvatting">
      <h2 class="utrecht-heading-2" id="samenvatting">
        Samenvatting van de import
      </h2>
      <SummaryList
        items={[
          ['Bestand', `${s.file}${s.year ? ` (indeling ${s.year})` : ''}`],
          ['Regels gelezen', n(s.lines)],
          ['Adressen gebruikt', n(s.addresses)],
          ['Postcodes opgeslagen', `${n(s.postcodes)} (vorige import: ${n(s.replaced)})`],
          ['Postcodes verdwenen (niet meer in het bestand)', n(s.removed)],
          ['Uitzonderingen per huisnummer', n(s.exceptions)],
          ['Handmatige correcties behouden', n(s.manualKept)],
          ['Onbekende gemeentecodes', s.unknownMunicipalities.length ? `${s.unknownMunicipalities.length} (${n(s.unknownMunicipalityLines)} regels overgeslagen)` : 'Geen'],
          ['Onbekende buurtcodes', s.unknownNeighbourhoodCount ? `${n(s.unknownNeighbourhoodCount)} (${n(s.unknownNeighbourhoodLines)} adressen, gerouteerd op gemeente)` : 'Geen'],
          ['Adressen zonder buurtcode', n(s.withoutNeighbourhood)],
          ['Onjuiste regels (overgeslagen)', n(s.badLines)],
          ['Duur', `${(s.durationMs / 1000).toFixed(1)} seconden`],
        ]}
      />
      {s.unknownMunicipalities.length > 0 && (
        <DataTable caption="Gemeentecodes die niet in het register staan" columns={codeColumns} rows={s.unknownMunicipalities} base={IMPORT_PATH} query={{ page: 1, pageSize: s.unknownMunicipalities.length }} />
      )}
      {s.unknownNeighbourhoods.length > 0 && (
        <DataTable
          caption={`Buurtcodes die niet in het register staan${s.unknownNeighbourhoodCount > s.unknownNeighbourhoods.length ? ` (de ${s.unknownNeighbourhoods.length} meest voorkomende)` : ''}`}
          columns={codeColumns}
          rows={s.unknownNeighbourhoods}
          base={IMPORT_PATH}
          query={{ page: 1, pageSize: s.unknownNeighbourhoods.length }}
        />
      )}
      {s.badExamples.length > 0 && <ProblemTable problems={s.badExamples} caption="Onjuiste regels (de eerste 20)" />}
    </section>
  );
}

function ProblemTable({ problems, caption }: { problems: LineProblem[]; caption: string }) {
  const columns: Column<LineProblem>[] = [
    { key: 'line', label: 'Regel', numeric: true, render: (r) => r.line },
    { key: 'reason', label: 'Probleem', render: (r) => r.reason },
  ];
  return <DataTable caption={caption} columns={columns} rows={problems} base={IMPORT_PATH} query={{ page: 1, pageSize: problems.length || 1 }} />;
}

/* ------------------------------------------------------------------------------------------
 * Routes
 * ---------------------------------------------------------------------------------------- */

export async function postcodeRoutes(app: FastifyInstance) {
  const db = app.ctx.database.db;

  function gate(req: FastifyRequest): Principal {
    const p = req.requireUser();
    if (!mayConfigureSomething(p)) throw new ForbiddenError();
    return p;
  }

  /** Municipalities the user may correct to, and the neighbourhoods of the chosen one. */
  async function choices(p: Principal, municipalityId: number | null): Promise<CorrectionChoices> {
    const ids = configurableMunicipalityIds(p);
    const munis = await municipalityOptions(db, ids ?? undefined);
    const allowed = munis.filter((m) => can(p, 'postcode:manage', { municipalityId: m.id }));
    const chosen = municipalityId && allowed.some((m) => m.id === municipalityId) ? municipalityId : allowed.length === 1 ? allowed[0]!.id : null;
    const hoods = chosen ? await neighbourhoodChoices(db, chosen) : [];
    return {
      municipalities: allowed.map((m) => ({ value: String(m.id), label: `${m.name} (${m.cbsCode})` })),
      neighbourhoods: hoods.map((n) => ({ value: String(n.id), label: `${n.name} (${n.code})` })),
    };
  }

  async function renderLookup(
    reply: FastifyReply,
    p: Principal,
    opts: { values: Record<string, unknown>; errors?: FieldErrors; status?: number; postcodeForm?: FormState; addressForm?: FormState },
  ) {
    const errors = opts.errors ?? {};
    const raw = typeof opts.values.postcode === 'string' ? opts.values.postcode : '';
    const postcode = raw ? normalisePostcode(raw) : null;
    const lookupErrors: FieldErrors = { ...errors };
    if (raw && !postcode) lookupErrors.postcode = MSG.postcode;
    // Only from a POSTed lookup (renderLookup's callers never pass the query string's huisnummer).
    const rawNumber = typeof opts.values.huisnummer === 'string' ? opts.values.huisnummer.trim() : '';
    const houseNumber = rawNumber ? parseHouseNumber(rawNumber) : null;
    if (rawNumber && houseNumber === null) lookupErrors.huisnummer = MSG.houseNumber;
    const found = postcode ? await lookupPostcode(db, postcode) : null;
    // Correct a postcode of the own municipality; add one that is not in the table: the programme team only.
    const mayCorrect = found ? (found.row ? can(p, 'postcode:manage', { municipalityId: found.row.municipalityId }) : can(p, 'postcode:import')) : false;
    const defaultMunicipality = found?.row?.municipalityId ?? null;
    const pcForm: FormState = opts.postcodeForm ?? {
      values: { postcode: postcode ?? '', municipalityId: defaultMunicipality ? String(defaultMunicipality) : '', neighbourhoodId: found?.row?.neighbourhoodId ? String(found.row.neighbourhoodId) : '' },
      errors: {},
    };
    const adForm: FormState = opts.addressForm ?? {
      values: { postcode: postcode ?? '', houseNumber: houseNumber ? String(houseNumber) : '', addressMunicipalityId: defaultMunicipality ? String(defaultMunicipality) : '' },
      errors: {},
    };
    const allErrors: FieldErrors = { ...lookupErrors, ...pcForm.errors, ...adForm.errors };
    const [pcChoices, adChoices] = mayCorrect
      ? await Promise.all([choices(p, Number(pcForm.values.municipalityId) || null), choices(p, Number(adForm.values.addressMunicipalityId) || null)])
      : [null, null];
    const address = found && houseNumber ? (found.exceptions.find((e) => e.houseNumber === houseNumber) ?? null) : null;
    const title = 'Postcode opzoeken';
    const hood = (name: string | null, code: string | null) => (name ? `${name} (${code})` : 'Onbekend');
    type Ex = PostcodeLookup['exceptions'][number];
    return reply.page({ title, status: opts.status ?? (Object.keys(allErrors).length ? 422 : 200) }, (ctx) => {
      const exceptionColumns: Column<Ex>[] = [
        { key: 'houseNumber', label: 'Huisnummer', numeric: true, render: (r) => r.houseNumber },
        { key: 'municipality', label: 'Gemeente', render: (r) => r.municipalityName },
        { key: 'neighbourhood', label: 'Buurt', render: (r) => hood(r.neighbourhoodName, r.neighbourhoodCode) },
        { key: 'source', label: 'Bron', render: (r) => sourceLabel(r.source) },
        {
          key: 'actions',
          label: 'Acties',
          render: (r) =>
            r.source === 'manual' && can(p, 'postcode:manage', { municipalityId: r.municipalityId }) ? (
              <RemoveButton csrf={ctx.csrfToken} postcode={found!.postcode} houseNumber={r.houseNumber} label={`Correctie van huisnummer ${r.houseNumber} verwijderen`} />
            ) : (
              '—'
            ),
        },
      ];
      return (
        <Page ctx={ctx} title={title} crumbs={[...CRUMBS, { label: 'Postcodes' }]}>
          <Heading>{title}</Heading>
          <ErrorSummary errors={allErrors} labels={CORRECTION_LABELS} />
          <P>
            De postcodetabel bepaalt in welke gemeente en buurt een signaal hoort. Hij komt uit het CBS-bestand &quot;Buurt, wijk en gemeente voor postcode
            huisnummer&quot;; klopt iets niet, dan kunt u het hier corrigeren. Een correctie wordt bij een volgende import niet overschreven.
          </P>
          <form method="post" action={BASE} class="filter-form" role="search" novalidate aria-label="Postcode opzoeken">
            <CsrfField token={ctx.csrfToken} />
            <TextField name="postcode" label="Postcode" form={{ values: { postcode: raw }, errors: lookupErrors }} filter width="s" autocomplete="off" />
            <TextField name="huisnummer" label="Huisnummer (optioneel)" form={{ values: { huisnummer: rawNumber }, errors: lookupErrors }} filter width="xs" inputmode="numeric" autocomplete="off" />
            <Button variant="secondary">Opzoeken</Button>
          </form>
          {found && (
            <section aria-labelledby="resultaat">
              <h2 class="utrecht-heading-2" id="resultaat">
                Postcode {formatPostcode(found.postcode)}
              </h2>
              {found.row ? (
                <SummaryList
                  items={[
                    ['Gemeente', `${found.row.municipalityName} (${found.row.cbsCode})`],
                    ['Buurt', hood(found.row.neighbourhoodName, found.row.neighbourhoodCode)],
                    ['Bron', sourceLabel(found.row.source)],
                    ['Aantal adressen', found.row.addressCount ?? '—'],
                    ['Bijgewerkt', found.row.updatedAt.toLocaleDateString('nl-NL', { timeZone: 'Europe/Amsterdam', dateStyle: 'long' })],
                    ...(houseNumber
                      ? ([
                          [
                            `Huisnummer ${houseNumber}`,
                            address
                              ? `Uitzondering: ${address.municipalityName}, buurt ${hood(address.neighbourhoodName, address.neighbourhoodCode)}`
                              : 'Geen uitzondering: zoals de rest van de postcode',
                          ],
                        ] as [string, string][])
                      : []),
                  ]}
                />
              ) : (
                <Alert kind="warning">
                  Deze postcode staat niet in de postcodetabel. Signalen voor deze postcode komen in de wachtrij van het programmateam, tenzij de adreszoeker
                  (PDOK) het adres kent.
                  {mayCorrect
                    ? ' U kunt de postcode hieronder toevoegen.'
                    : ' Alleen het programmateam kan een postcode toevoegen. Ligt deze postcode in uw gemeente, neem dan contact op met het programmateam.'}
                </Alert>
              )}
              {found.row?.source === 'manual' && mayCorrect && (
                <div class="form-actions">
                  <RemoveButton csrf={ctx.csrfToken} postcode={found.postcode} label="Correctie van de postcode verwijderen" />
                  <span>Daarna staat de postcode niet meer in de tabel, tot de volgende CBS-import.</span>
                </div>
              )}
              <DataTable
                caption={`Huisnummers van ${formatPostcode(found.postcode)} die in een andere buurt of gemeente liggen`}
                columns={exceptionColumns}
                rows={found.exceptions}
                base={BASE}
                query={{ page: 1, pageSize: found.exceptions.length || 1 }}
                empty="Geen: alle adressen liggen in dezelfde buurt."
              />
              {mayCorrect && pcChoices && adChoices ? (
                <>
                  <h2 class="utrecht-heading-2">{found.row ? 'Postcode corrigeren' : 'Postcode toevoegen'}</h2>
                  <CorrectionForm ctx={ctx} action={`${BASE}/correctie`} form={pcForm} choices={pcChoices} houseNumber={false} submit={found.row ? 'Correctie opslaan' : 'Postcode toevoegen'} />
                  <h2 class="utrecht-heading-2">Eén huisnummer corrigeren</h2>
                  <P>Voor een adres dat in een andere buurt of gemeente ligt dan de rest van de postcode.</P>
                  <CorrectionForm ctx={ctx} action={`${BASE}/huisnummer`} form={adForm} choices={adChoices} houseNumber submit="Huisnummer opslaan" />
                </>
              ) : (
                found.row && <P>Deze postcode ligt niet in uw gemeente. Klopt er iets niet, neem dan contact op met het programmateam.</P>
              )}
            </section>
          )}
          {can(p, 'postcode:import') && (
            <P>
              <Link href={IMPORT_PATH}>Postcodetabel importeren uit het CBS-bestand</Link>
            </P>
          )}
        </Page>
      );
    });
  }

  // GET: the postcode only (PC6 is public CBS data); a house number never comes from the URL.
  app.get(BASE, async (req, reply) => {
    const p = gate(req);
    const q = formValues(req.query);
    return renderLookup(reply, p, { values: { postcode: q.postcode } });
  });

  // POST: the lookup form, which may hold a house number.
  app.post(BASE, async (req, reply) => {
    const p = gate(req);
    const v = formValues(req.body);
    return renderLookup(reply, p, { values: { postcode: v.postcode, huisnummer: v.huisnummer } });
  });

  for (const [segment, withNumber] of [
    ['correctie', false],
    ['huisnummer', true],
  ] as const) {
    app.post(`${BASE}/${segment}`, async (req, reply) => {
      const p = gate(req);
      const values = formValues(req.body);
      const input = withNumber
        ? { postcode: values.postcode, houseNumber: values.houseNumber, municipalityId: values.addressMunicipalityId, neighbourhoodId: values.addressNeighbourhoodId }
        : { postcode: values.postcode, houseNumber: '', municipalityId: values.municipalityId, neighbourhoodId: values.neighbourhoodId };
      const parsed = parseForm(correctionSchema, input);
      const errors: FieldErrors = parsed.ok ? {} : { ...parsed.errors };
      if (withNumber && parsed.ok && parsed.data.houseNumber == null) errors.houseNumber = MSG.houseNumber;
      if (parsed.ok && !Object.keys(errors).length) {
        const r = await correctPostcode(db, req.auditCtx(), p, parsed.data);
        if (r.ok) {
          const pc = formatPostcode(parsed.data.postcode);
          reply.flash('success', withNumber ? `Huisnummer ${parsed.data.houseNumber} van ${pc} is gecorrigeerd.` : r.created ? `Postcode ${pc} is toegevoegd.` : `Postcode ${pc} is gecorrigeerd.`);
          return reply.redirect(`${BASE}?postcode=${parsed.data.postcode}`, 303);
        }
        Object.assign(errors, r.errors);
      }
      const postcode = typeof values.postcode === 'string' ? (normalisePostcode(values.postcode) ?? values.postcode) : '';
      if (errors.postcode || !postcode) return renderLookup(reply, p, { values: { postcode: String(values.postcode ?? '') }, errors: { postcode: errors.postcode ?? MSG.postcode }, status: 422 });
      const formErrors = withNumber ? Object.fromEntries(Object.entries(errors).map(([k, v]) => [ADDRESS_FIELDS[k] ?? k, v])) : errors;
      const form: FormState = { values: { ...values, postcode }, errors: formErrors };
      return renderLookup(reply, p, { values: { postcode }, status: 422, ...(withNumber ? { addressForm: form } : { postcodeForm: form }) });
    });
  }

  app.post(`${BASE}/correctie-verwijderen`, async (req, reply) => {
    const p = gate(req);
    const values = formValues(req.body);
    const postcode = typeof values.postcode === 'string' ? normalisePostcode(values.postcode) : null;
    const houseNumber = typeof values.houseNumber === 'string' && values.houseNumber.trim() ? parseHouseNumber(values.houseNumber) : null;
    if (!postcode || (typeof values.houseNumber === 'string' && values.houseNumber.trim() && houseNumber === null)) throw new NotFoundError();
    const removed = await removeCorrection(db, req.auditCtx(), p, postcode, houseNumber);
    if (removed) reply.flash('success', houseNumber ? `De correctie van huisnummer ${houseNumber} is verwijderd.` : `De correctie van postcode ${formatPostcode(postcode)} is verwijderd.`);
    else reply.flash('info', 'Er was geen handmatige correctie om te verwijderen.');
    return reply.redirect(`${BASE}?postcode=${postcode}`, 303);
  });

  /* ---------------------------------------------------------------- import (programme team) */

  const renderImport = (
    reply: FastifyReply,
    opts: { status?: number; errors?: FieldErrors; problems?: LineProblem[]; summary?: PostcodeImportSummary; values?: Record<string, unknown> } = {},
  ) => {
    const title = 'Postcodetabel importeren';
    const errors = opts.errors ?? {};
    return reply.page({ title, status: opts.status }, (ctx) => (
      <Page ctx={ctx} title={title} crumbs={[...CRUMBS, { href: BASE, label: 'Postcodes' }, { label: 'Importeren' }]}>
        <Heading>{title}</Heading>
        <ErrorSummary errors={errors} labels={IMPORT_LABELS} />
        {opts.problems && opts.problems.length > 0 && <ProblemTable problems={opts.problems} caption="Gevonden problemen (de eerste 20)" />}
        {opts.summary && (
          <>
            <Alert kind="success">De postcodetabel is bijgewerkt.</Alert>
            <ImportSummary s={opts.summary} />
          </>
        )}
        <P>
          Importeer het CBS-bestand <Link href="https://www.cbs.nl/nl-nl/maatwerk/2024/35/buurt-wijk-en-gemeente-2024-voor-postcode-huisnummer">&quot;Buurt, wijk en gemeente voor postcode huisnummer&quot;</Link>{' '}
          (open data, elk jaar in augustus). Upload het zip-bestand zoals u het van het CBS downloadt, of het CSV-bestand daarin (kolommen
          PC6;Huisnummer;Buurt&lt;jaar&gt;;Wijk&lt;jaar&gt;;Gemeente&lt;jaar&gt;).
        </P>
        <P>
          De import vervangt de vorige CBS-import in één keer: lukt er iets niet, dan blijft alles zoals het was. Handmatige correcties worden nooit
          overschreven. Postcodes die niet in het bestand staan, verdwijnen uit de tabel. Zou meer dan {MAX_SHRINK_SHARE * 100}% van de postcodes
          verdwijnen (bijvoorbeeld bij een bestand van één provincie), dan importeren we niets, tenzij u hieronder aangeeft dat dat de bedoeling is. Gemeente- en buurtcodes die niet in het register staan, worden gemeld. Het bestand mag hoogstens {IMPORT_MAX_BYTES / 1024 / 1024} MB zijn;
          gebruik voor een groter bestand de opdrachtregel: <code>npm run cli -- import-postcodes &lt;bestand&gt;</code>.
        </P>
        <form method="post" action={IMPORT_PATH} enctype="multipart/form-data" novalidate class="form">
          <CsrfField token={ctx.csrfToken} />
          <FileField name="bestand" label="Bestand (.zip of .csv)" form={{ values: {}, errors }} accept=".zip,.csv,application/zip,text/csv" />
          <Checkbox
            name={SHRINK_FIELD}
            label="Ik weet dat postcodes die niet in dit bestand staan verdwijnen"
            form={{ values: opts.values ?? {}, errors }}
            hint={`Alleen nodig als meer dan ${MAX_SHRINK_SHARE * 100}% van de postcodes uit de vorige import niet in het bestand staat. Signalen voor die postcodes komen dan in de wachtrij van het programmateam.`}
          />
          <div class="form-actions">
            <Button>Importeren</Button>
          </div>
        </form>
      </Page>
    ));
  };

  app.get(IMPORT_PATH, async (req, reply) => {
    req.authorize('postcode:import');
    return renderImport(reply);
  });

  app.post(
    IMPORT_PATH,
    {
      // Refuse before the upload is read; the CBS zip is larger than the platform's default upload limit.
      onRequest: async (req) => {
        req.authorize('postcode:import');
      },
      config: { multipartOptions: { limits: { fileSize: IMPORT_MAX_BYTES } } },
    },
    async (req, reply) => {
      req.authorize('postcode:import');
      const values = formValues(req.body);
      const allowShrink = values[SHRINK_FIELD] === 'ja';
      const file = await uploadedFile(req.body);
      if (!file) return renderImport(reply, { status: 422, errors: { bestand: 'Kies het zip- of CSV-bestand van het CBS.' } });
      if (!/\.(zip|csv|txt)$/i.test(file.filename)) return renderImport(reply, { status: 422, errors: { bestand: 'Kies een .zip- of .csv-bestand.' } });
      try {
        const summary = await importPostcodes(db, req.auditCtx(), { content: file.content, filename: file.filename }, { allowShrink });
        req.log.info({ postcodes: summary.postcodes, exceptions: summary.exceptions, durationMs: summary.durationMs }, 'postcode import');
        return renderImport(reply, { summary });
      } catch (e) {
        if (e instanceof PostcodeShrinkError) {
          return renderImport(reply, {
            status: 422,
            errors: { [SHRINK_FIELD]: `${e.message} Is dat de bedoeling, vink dit dan aan en kies het bestand opnieuw.` },
          });
        }
        if (e instanceof PostcodeImportError) return renderImport(reply, { status: 422, errors: { bestand: e.message }, problems: e.problems });
        throw e;
      }
    },
  );
}

