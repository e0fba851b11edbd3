import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { Page, type Crumb, type PageContext } from '../../platform/views/layout.js';
import { Alert, Button, ButtonLink, CsrfField, DataTable, Heading, Link, listUrl, P, type Column } from '../../platform/views/components.js';
import { formValues } from '../../platform/http/forms.js';
import { amsterdamDate } from '../../platform/time.js';
import { detectFormat, readTable, TabularError, type RowProblem } from '../../platform/tabular.js';
import { FigureTable } from '../benchmark/charts.js';
import { ImportPage, sendTemplate, uploadedFile, type ImportColumnHelp } from '../registry/tabular-views.js';
import {
  COALITION_IMPORT_COLUMNS,
  MAX_IMPORT_ROWS,
  NATIONAL_IMPORT_COLUMNS,
  planCoalitionImport,
  planFingerprint,
  planNationalImport,
  writeCoalitionImport,
  writeNationalImport,
  type CoalitionImportRow,
  type ImportOutcome,
  type ImportPlan,
  type NationalImportRow,
  type PlanLine,
  type PlanResult,
} from './imports-service.js';

/**
 * Network imports and the one-stop export page (programme team, 'network:import'):
 * GET  /beheer/netwerk-import                                   imports and every export of issue 5
 * GET  /beheer/netwerk-import/{nationale-coalitie|coalitieleden}            upload form
 * GET  /beheer/netwerk-import/{…}/sjabloon.csv                  template (headers only)
 * POST /beheer/netwerk-import/{…}                               check: 422 with every problem, or the preview
 * POST /beheer/netwerk-import/{…}/bevestigen                    check again and write (all or nothing)
 * The preview's confirmation form carries the file's rows back (a hidden field); they are checked
 * again completely, and when the outcome differs from the preview the new preview is shown
 * instead of writing.
 */

const BASE = '/beheer/netwerk-import';
const TITLE = 'Netwerk importeren en exporteren';
const CRUMBS: Crumb[] = [{ href: '/beheer', label: 'Overzicht' }, { href: BASE, label: 'Netwerk importeren en exporteren' }];

interface KindSpec<R> {
  slug: string;
  title: string;
  short: string;
  templateName: string;
  columns: ImportColumnHelp[];
  intro: string;
  plan: (db: Parameters<typeof planNationalImport>[0], raw: Record<string, string>[], today: string) => Promise<PlanResult<R>>;
  write: (db: Parameters<typeof planNationalImport>[0], actx: Parameters<typeof writeNationalImport>[1], plan: ImportPlan<R>, meta: { filename: string }) => Promise<ImportOutcome>;
  /** Where the result can be seen. */
  listPath: string;
}

const NATIONAL: KindSpec<NationalImportRow> = {
  slug: 'nationale-coalitie',
  title: 'Leden van de Nationale Coalitie importeren',
  short: 'Leden van de Nationale Coalitie',
  templateName: 'nationale-coalitie-leden',
  columns: NATIONAL_IMPORT_COLUMNS,
  intro:
    'Voeg in één keer leden van de Nationale Coalitie tegen Eenzaamheid toe. Een organisatie die al bestaat (zelfde KvK-nummer, of zelfde naam als landelijke organisatie) wordt gebruikt en niet dubbel aangemaakt. Een organisatie die al lid is, wordt overgeslagen.',
  plan: planNationalImport,
  write: writeNationalImport,
  listPath: '/nationale-coalitie',
};

const COALITION: KindSpec<CoalitionImportRow> = {
  slug: 'coalitieleden',
  title: 'Leden van lokale coalities importeren',
  short: 'Leden van lokale coalities',
  templateName: 'coalitieleden',
  columns: COALITION_IMPORT_COLUMNS,
  intro:
    'Voeg in één keer leden van lokale coalities toe, met hun rol, sector en data. Een organisatie die al bestaat (zelfde KvK-nummer, of zelfde naam in dezelfde gemeente) wordt gebruikt en niet dubbel aangemaakt. Een lidmaatschap dat al bestaat, wordt overgeslagen.',
  plan: planCoalitionImport,
  write: writeCoalitionImport,
  listPath: '/coalities',
};

/**
 * Exports of the lists of issue 5 (and the registry's organisations). Only those whose route is
 * registered are shown, so a list whose export is added later appears here by itself.
 */
const EXPORTS: { label: string; path: string; query?: Record<string, string> }[] = [
  { label: 'Lokale coalities', path: '/coalities/export' },
  { label: 'Leden van lokale coalities', path: '/coalities/leden/export' },
  { label: 'Leden van de Nationale Coalitie', path: '/nationale-coalitie/export' },
  { label: 'Adviesuren en fasen per gemeente', path: '/advies/export' },
  { label: 'Adviesuren per adviseur', path: '/advies/export', query: { tabel: 'adviseurs' } },
  { label: 'Contactmomenten', path: '/contactmomenten/export' },
  { label: 'Contactpersonen', path: '/contactpersonen/export' },
  { label: 'Open vervolgtaken van iedereen', path: '/taken/export', query: { wie: 'alle' } },
  { label: 'Samenwerkingen en pilots', path: '/samenwerkingen/export' },
  { label: 'Berichten op vraag en aanbod', path: '/vraag-en-aanbod/export' },
  { label: 'Programmacijfers (vandaag, vergeleken met een jaar eerder)', path: '/programmacijfers/export' },
  { label: 'Organisaties', path: '/beheer/organisaties/export' },
];

/** The rows of a file travel in the confirmation form as {h: headers, r: values}. */
const payloadSchema = z.object({ h: z.array(z.string().max(100)).max(50), r: z.array(z.array(z.string().max(10_000)).max(50)).max(MAX_IMPORT_ROWS) });
const pack = (raw: Record<string, string>[]) => {
  const h = [...new Set(raw.flatMap((r) => Object.keys(r)))];
  return JSON.stringify({ h, r: raw.map((row) => h.map((k) => row[k] ?? '')) });
};
function unpack(v: unknown): Record<string, string>[] | null {
  if (typeof v !== 'string') return null;
  try {
    const p = payloadSchema.safeParse(JSON.parse(v));
    if (!p.success) return null;
    return p.data.r.map((vals) => Object.fromEntries(p.data.h.map((k, i) => [k, vals[i] ?? ''])));
  } catch {
    return null;
  }
}

const ORG_ACTION: Record<PlanLine['orgAction'], string> = {
  new: 'Nieuwe organisatie',
  kvk: 'Bestaande organisatie (zelfde KvK-nummer)',
  name: 'Bestaande organisatie (zelfde naam)',
};

function PreviewPage<R>({ ctx, spec, plan, filename, payload, changed }: { ctx: PageContext; spec: KindSpec<R>; plan: ImportPlan<R>; filename: string; payload: string; changed: boolean }) {
  const title = `Controleer de import: ${spec.short.toLowerCase()}`;
  const s = plan.summary;
  const columns: Column<PlanLine>[] = [
    { key: 'line', label: 'Regel', numeric: true, render: (l) => l.line },
    { key: 'organisation', label: 'Organisatie', render: (l) => l.organisation },
    { key: 'place', label: 'Gemeente', render: (l) => l.place },
    { key: 'orgAction', label: 'Organisatie wordt', render: (l) => (l.orgAction === 'new' ? ORG_ACTION.new : `${ORG_ACTION[l.orgAction]}: ${l.existingName}`) },
    { key: 'membership', label: 'Lidmaatschap', render: (l) => (l.membership === 'add' ? 'Wordt toegevoegd' : 'Bestaat al: overgeslagen') },
    { key: 'note', label: 'Toelichting', render: (l) => l.note ?? '—' },
  ];
  return (
    <Page ctx={ctx} title={title} crumbs={[...CRUMBS, { href: `${BASE}/${spec.slug}`, label: spec.short }, { label: 'Controleren' }]}>
      <Heading>{title}</Heading>
      {changed && <Alert kind="warning">De gegevens in het platform zijn veranderd sinds u het voorbeeld zag. Hieronder staat wat er nu zou gebeuren; er is nog niets opgeslagen.</Alert>}
      <P>
        Het bestand {filename} is in orde. Er is nog niets opgeslagen. Controleer hieronder per regel wat er gebeurt en kies dan Importeren.
      </P>
      <FigureTable
        caption="Samenvatting"
        head={['Wat', 'Aantal']}
        rows={[
          ['Regels in het bestand', String(s.rows)],
          ['Nieuwe organisaties', String(s.newOrganisations)],
          ['Bestaande organisaties die worden gebruikt', String(s.existingOrganisations)],
          ['Lidmaatschappen die worden toegevoegd', String(s.add)],
          ['Lidmaatschappen die al bestaan (overgeslagen)', String(s.skip)],
          ...(plan.kind === 'coalition' ? [['Nieuwe lokale coalities', String(s.newCoalitions)]] : []),
        ]}
      />
      <DataTable caption="Wat er per regel gebeurt" columns={columns} rows={plan.lines} base={`${BASE}/${spec.slug}`} query={{ page: 1, pageSize: plan.lines.length }} />
      <form method="post" action={`${BASE}/${spec.slug}/bevestigen`} class="form-actions">
        <CsrfField token={ctx.csrfToken} />
        <input type="hidden" name="gegevens" value={payload} />
        <input type="hidden" name="bestandsnaam" value={filename} />
        <input type="hidden" name="controle" value={planFingerprint(plan)} />
        {s.add > 0 ? <Button>Importeren</Button> : <P>Er is niets toe te voegen: alle lidmaatschappen bestaan al.</P>}
        <Link href={`${BASE}/${spec.slug}`}>Annuleren en een ander bestand kiezen</Link>
      </form>
    </Page>
  );
}

const outcomeText = (o: ImportOutcome, filename: string) =>
  `Import van ${filename} geslaagd: ${o.added} ${o.added === 1 ? 'lidmaatschap' : 'lidmaatschappen'} toegevoegd, ${o.skipped} overgeslagen omdat ze al bestonden; ${o.newOrganisations} nieuwe en ${o.existingOrganisations} bestaande organisaties${o.newCoalitions ? `; ${o.newCoalitions} nieuwe lokale ${o.newCoalitions === 1 ? 'coalitie' : 'coalities'}` : ''}.`;

function registerKind<R>(app: FastifyInstance, spec: KindSpec<R>) {
  const db = app.ctx.database.db;
  const path = `${BASE}/${spec.slug}`;
  const uploadPage = (reply: FastifyReply, status: number, opts: { errors?: Record<string, string>; problems?: RowProblem[]; filename?: string } = {}) =>
    reply.page({ title: spec.title, status }, (ctx) => (
      <ImportPage
        ctx={ctx}
        title={spec.title}
        crumbs={[...CRUMBS, { label: spec.short }]}
        action={path}
        templateHref={`${path}/sjabloon.csv`}
        columns={spec.columns}
        intro={`${spec.intro} U ziet eerst per regel wat er gebeurt voordat er iets wordt opgeslagen. Hoogstens ${MAX_IMPORT_ROWS} regels per bestand.`}
        errors={opts.errors}
        problems={opts.problems}
        filename={opts.filename}
      />
    ));
  const preview = (reply: FastifyReply, plan: ImportPlan<R>, filename: string, raw: Record<string, string>[], changed = false) =>
    reply.page({ title: `Controleer de import: ${spec.short.toLowerCase()}`, status: changed ? 409 : 200 }, (ctx) => <PreviewPage ctx={ctx} spec={spec} plan={plan} filename={filename} payload={pack(raw)} changed={changed} />);

  app.get(path, async (req, reply) => {
    req.authorize('network:import');
    return uploadPage(reply, 200);
  });

  app.get(`${path}/sjabloon.csv`, async (req, reply) => {
    req.authorize('network:import');
    return sendTemplate(reply, spec.columns.map((c) => c.header), spec.templateName);
  });

  app.post(path, async (req, reply) => {
    req.authorize('network:import');
    const file = await uploadedFile(req.body);
    if (!file) return uploadPage(reply, 422, { errors: { bestand: 'Kies een CSV- of Excel-bestand dat niet leeg is.' } });
    let raw: Record<string, string>[];
    try {
      raw = await readTable(file.content, detectFormat(file.filename, file.content));
    } catch (e) {
      if (e instanceof TabularError) return uploadPage(reply, 422, { errors: { bestand: e.message } });
      throw e;
    }
    const result = await spec.plan(db, raw, amsterdamDate(new Date()));
    if (!result.ok) return uploadPage(reply, 422, { problems: result.problems, filename: file.filename });
    return preview(reply, result.plan, file.filename, raw);
  });

  app.post(`${path}/bevestigen`, async (req, reply) => {
    req.authorize('network:import');
    const values = formValues(req.body);
    const raw = unpack(values.gegevens);
    const filename = typeof values.bestandsnaam === 'string' && values.bestandsnaam ? values.bestandsnaam.slice(0, 200) : 'bestand';
    if (!raw) return uploadPage(reply, 422, { errors: { bestand: 'De gegevens van het voorbeeld zijn niet meer leesbaar. Upload het bestand opnieuw.' } });
    // Checked again against the database as it is now: nothing is written unless all is well.
    const result = await spec.plan(db, raw, amsterdamDate(new Date()));
    if (!result.ok) return uploadPage(reply, 422, { problems: result.problems, filename });
    if (planFingerprint(result.plan) !== values.controle) return preview(reply, result.plan, filename, raw, true);
    const outcome = await spec.write(db, req.auditCtx(), result.plan, { filename });
    reply.flash('success', outcomeText(outcome, filename));
    return reply.redirect(BASE, 303);
  });
}

export async function networkImportRoutes(app: FastifyInstance) {
  registerKind(app, NATIONAL);
  registerKind(app, COALITION);

  app.get(BASE, async (req, reply) => {
    req.authorize('network:import');
    const registered = new Set(app.routeList.filter((r) => r.method === 'GET').map((r) => r.url));
    const exports = EXPORTS.filter((e) => registered.has(e.path));
    return reply.page({ title: TITLE }, (ctx) => (
      <Page ctx={ctx} title={TITLE} crumbs={[CRUMBS[0], { label: TITLE }]}>
        <Heading>{TITLE}</Heading>
        <P>Neem gegevens over uit een spreadsheet of CRM-export, en download de lijsten van het netwerk voor rapportages.</P>
        <h2 class="utrecht-heading-2">Importeren</h2>
        {[NATIONAL, COALITION].map((k) => (
          <section class="ni-import" aria-labelledby={`import-${k.slug}`}>
            <h3 class="utrecht-heading-3" id={`import-${k.slug}`}>
              {k.short}
            </h3>
            <P>{k.intro}</P>
            <p class="form-actions">
              <ButtonLink href={`${BASE}/${k.slug}`}>{k.title}</ButtonLink>
              <Link href={`${BASE}/${k.slug}/sjabloon.csv`}>Sjabloon downloaden (CSV)</Link>
            </p>
          </section>
        ))}
        <P>
          Organisaties zonder lidmaatschap importeert u bij <Link href="/beheer/organisaties/importeren">Organisaties importeren</Link>. Staat een organisatie er toch dubbel in? Open
          de organisatie en kies Samenvoegen.
        </P>
        <h2 class="utrecht-heading-2">Exporteren</h2>
        <P>Elke lijst als CSV (ook met puntkomma voor Nederlandse Excel) of als Excel-bestand, met alle regels. Ook in de lijsten zelf kunt u exporteren, met de filters die u daar kiest.</P>
        <DataTable
          caption="Exports van het netwerk"
          columns={[
            { key: 'label', label: 'Lijst', render: (e) => e.label },
            {
              key: 'links',
              label: 'Downloaden',
              render: (e) => (
                <>
                  <Link href={listUrl(e.path, e.query ?? {}, { formaat: 'csv' })}>
                    CSV<span class="visually-hidden">: {e.label}</span>
                  </Link>
                  {' · '}
                  <Link href={listUrl(e.path, e.query ?? {}, { formaat: 'csv', scheidingsteken: 'puntkomma' })}>
                    CSV met puntkomma<span class="visually-hidden">: {e.label}</span>
                  </Link>
                  {' · '}
                  <Link href={listUrl(e.path, e.query ?? {}, { formaat: 'xlsx' })}>
                    Excel<span class="visually-hidden">: {e.label}</span>
                  </Link>
                </>
              ),
            },
          ]}
          rows={exports}
          base={BASE}
          query={{ page: 1, pageSize: exports.length || 1 }}
        />
      </Page>
    ));
  });
}
