import type { FastifyInstance, FastifyReply } from 'fastify';
import { Page, type Crumb, type PageContext } from '../../platform/views/layout.js';
import { Alert, Button, CsrfField, DataTable, ErrorSummary, Heading, Link, P, RadioGroup, SummaryList, TextField, type FormState } from '../../platform/views/components.js';
import { formValues, pathId } from '../../platform/http/forms.js';
import { NotFoundError } from '../../platform/http/errors.js';
import { FigureTable } from '../benchmark/charts.js';
import { kindLabel } from '../registry/organisations.js';
import { nlDate } from '../registry/ui.js';
import { keptProblem, loadMergeOrganisation, membershipProblem, mergeCandidates, mergeOrganisations, mergePreview, mergeProblem, type MergeOrganisation, type MergePreview } from './merge-service.js';

/**
 * Merging two organisations (programme team, 'organisation:merge'):
 * GET  /beheer/organisaties/:id/samenvoegen            pick the duplicate (likely duplicates, or a search ?q=)
 * GET  /beheer/organisaties/:id/samenvoegen?dubbel=ID  preview: what moves, per table
 * POST /beheer/organisaties/:id/samenvoegen            merge (dubbel=ID) in one transaction
 * :id is the organisation that is kept. Merging into itself, into a deleted or merged
 * organisation, or merging a deleted or merged one, is refused with a clear message (422).
 */

const ORGS = '/beheer/organisaties';
const LABELS = { dubbel: 'Dubbele organisatie', q: 'Zoeken' };

const where = (o: MergeOrganisation) => (o.municipalityName ? o.municipalityName : 'Landelijk');
const path = (id: number) => `${ORGS}/${id}/samenvoegen`;
const crumbs = (keep: MergeOrganisation): Crumb[] => [
  { href: '/beheer', label: 'Overzicht' },
  { href: ORGS, label: 'Organisaties' },
  { href: `${ORGS}/${keep.id}`, label: keep.name },
  { label: 'Samenvoegen' },
];

function OrganisationSummary({ o }: { o: MergeOrganisation }) {
  return (
    <SummaryList
      items={[
        ['Naam', o.name],
        ['Soort', kindLabel(o.kind)],
        ['Gemeente', where(o)],
        ['KvK-nummer', o.kvkNumber],
      ]}
    />
  );
}

function PickPage({ ctx, keep, candidates, form, searched }: { ctx: PageContext; keep: MergeOrganisation; candidates: Awaited<ReturnType<typeof mergeCandidates>>; form: FormState; searched: boolean }) {
  const title = `${keep.name} samenvoegen met een dubbele organisatie`;
  return (
    <Page ctx={ctx} title={title} crumbs={crumbs(keep)}>
      <Heading>{title}</Heading>
      <P>
        Is dezelfde organisatie twee keer vastgelegd? Kies hieronder de dubbele. Alles wat aan de dubbele organisatie hangt — lidmaatschappen met hun data,
        contactmomenten, contactpersonen, berichten, gebruikers en signalen — gaat over naar <strong>{keep.name}</strong>. De dubbele organisatie verdwijnt uit de
        lijsten; beide geschiedenissen blijven bewaard. U ziet eerst wat er verandert voordat u bevestigt.
      </P>
      <h2 class="utrecht-heading-2">Deze organisatie blijft bestaan</h2>
      <OrganisationSummary o={keep} />
      <ErrorSummary errors={form.errors} labels={LABELS} />
      <form method="get" action={path(keep.id)} class="filter-form" role="search" novalidate aria-label="Dubbele organisatie zoeken">
        <TextField name="q" label="Zoek de dubbele organisatie op naam, KvK-nummer of plaats" type="search" form={form} filter />
        <Button variant="secondary">Zoeken</Button>
      </form>
      {candidates.length === 0 ? (
        <P>{searched ? 'Geen organisaties gevonden. Probeer een deel van de naam of het KvK-nummer.' : 'Er zijn geen mogelijke dubbelen gevonden (zelfde KvK-nummer of een gelijkende naam). Zoek hierboven op naam of KvK-nummer.'}</P>
      ) : (
        <form method="get" action={path(keep.id)} novalidate class="form">
          <RadioGroup
            name="dubbel"
            label={searched ? 'Zoekresultaten: kies de dubbele organisatie' : 'Mogelijke dubbelen: kies de dubbele organisatie'}
            form={form}
            required
            options={candidates.map((c) => ({
              value: String(c.id),
              label: `${c.name} — ${c.municipality ?? 'Landelijk'}${c.kvkNumber ? `, KvK ${c.kvkNumber}` : ''}`,
              hint: kindLabel(c.kind),
            }))}
          />
          <div class="form-actions">
            <Button>Bekijk wat er verandert</Button>
            <Link href={`${ORGS}/${keep.id}`}>Annuleren</Link>
          </div>
        </form>
      )}
    </Page>
  );
}

function PreviewPage({ ctx, keep, dup, preview }: { ctx: PageContext; keep: MergeOrganisation; dup: MergeOrganisation; preview: MergePreview }) {
  const title = `${dup.name} samenvoegen met ${keep.name}`;
  const field = (label: string, a: string | null, b: string | null) => [label, a ?? '—', b ?? '—'];
  return (
    <Page ctx={ctx} title={title} crumbs={crumbs(keep)}>
      <Heading>{title}</Heading>
      <P>
        Controleer wat er verandert. Na het samenvoegen bestaat alleen <strong>{keep.name}</strong> nog; <strong>{dup.name}</strong> verdwijnt uit de lijsten en verwijst
        voortaan naar {keep.name}. Dit kan niet ongedaan worden gemaakt.
      </P>
      <FigureTable
        caption="De twee organisaties naast elkaar"
        head={['Gegeven', `Blijft: ${keep.name}`, `Verdwijnt: ${dup.name}`]}
        numericFrom={99}
        rows={[
          field('Soort', kindLabel(keep.kind), kindLabel(dup.kind)),
          field('Gemeente', where(keep), where(dup)),
          field('KvK-nummer', keep.kvkNumber, dup.kvkNumber),
          field('Sector', keep.sector, dup.sector),
          field('Plaats', keep.city, dup.city),
          field('Website', keep.website, dup.website),
        ]}
      />
      {preview.filled.length > 0 && (
        <P>
          Lege gegevens van {keep.name} worden aangevuld met die van {dup.name}: {preview.filled.map((f) => f.label.toLowerCase()).join(', ')}. Gegevens die {keep.name} al heeft,
          blijven zoals ze zijn.
        </P>
      )}
      <h2 class="utrecht-heading-2">Wat gaat er over naar {keep.name}</h2>
      {preview.counts.length === 0 ? (
        <P>Aan {dup.name} hangt niets: er gaat niets over. Alleen de dubbele organisatie verdwijnt.</P>
      ) : (
        <DataTable
          caption={`Gegevens van ${dup.name} die overgaan`}
          columns={[
            { key: 'label', label: 'Gegevens', render: (c) => c.label },
            { key: 'count', label: 'Aantal', numeric: true, render: (c) => c.count },
          ]}
          rows={preview.counts}
          base={path(keep.id)}
          query={{ page: 1, pageSize: preview.counts.length }}
        />
      )}
      {preview.bothNationalMembers && (
        <Alert kind="info">
          Beide organisaties zijn lid van de Nationale Coalitie (verklaring van {nlDate(preview.bothNationalMembers.keptDeclaration)} en van{' '}
          {nlDate(preview.bothNationalMembers.duplicateDeclaration)}). Er blijft één lidmaatschap over, met de vroegste datum: {nlDate(preview.bothNationalMembers.earliest)}. De
          toezeggingen van beide worden samengevoegd.
        </Alert>
      )}
      {preview.movesSignals && (
        <Alert kind="warning">
          {dup.name} pakt signalen op. Na het samenvoegen zien de medewerkers van het signaalpunt van {keep.name} ook deze signalen, met de persoonsgegevens. Voeg alleen samen
          als het echt om dezelfde organisatie gaat.
        </Alert>
      )}
      <form method="post" action={path(keep.id)} class="form-actions">
        <CsrfField token={ctx.csrfToken} />
        <input type="hidden" name="dubbel" value={String(dup.id)} />
        <Button>Ja, samenvoegen</Button>
        <Link href={path(keep.id)}>Nee, een andere kiezen</Link>
        <Link href={`${ORGS}/${keep.id}`}>Annuleren</Link>
      </form>
    </Page>
  );
}

function ProblemPage({ ctx, keep, problem }: { ctx: PageContext; keep: MergeOrganisation; problem: string }) {
  const title = `${keep.name} samenvoegen`;
  const back = keep.mergedIntoId ? `${ORGS}/${keep.mergedIntoId}` : keep.deleted ? ORGS : path(keep.id);
  return (
    <Page ctx={ctx} title={title} crumbs={crumbs(keep)}>
      <Heading>{title}</Heading>
      <div class="utrecht-alert utrecht-alert--error" role="alert">
        <h2 class="utrecht-heading-2">Samenvoegen kan niet</h2>
        <p class="utrecht-paragraph">{problem}</p>
      </div>
      <P>
        <Link href={back}>{keep.mergedIntoId ? `Naar ${keep.mergedIntoName ?? 'de organisatie waarmee deze is samengevoegd'}` : keep.deleted ? 'Naar de organisaties' : 'Een andere organisatie kiezen'}</Link>
      </P>
    </Page>
  );
}

export async function mergeRoutes(app: FastifyInstance) {
  const db = app.ctx.database.db;

  async function loadKeep(id: unknown) {
    const keep = await loadMergeOrganisation(db, pathId(id));
    if (!keep) throw new NotFoundError();
    return keep;
  }

  const problemReply = (reply: FastifyReply, keep: MergeOrganisation, problem: string) =>
    reply.page({ title: `${keep.name} samenvoegen`, status: 422 }, (ctx) => <ProblemPage ctx={ctx} keep={keep} problem={problem} />);

  app.get(`${ORGS}/:id/samenvoegen`, async (req, reply) => {
    req.authorize('organisation:merge');
    const keep = await loadKeep((req.params as { id: string }).id);
    const keepProblem = keptProblem(keep);
    if (keepProblem) return problemReply(reply, keep, keepProblem);
    const q = req.query as Record<string, unknown>;
    const search = typeof q.q === 'string' ? q.q.replace(/\0/g, '').trim().slice(0, 100) : '';
    if (q.dubbel !== undefined) {
      const dupId = Number(q.dubbel);
      const dup = Number.isInteger(dupId) && dupId > 0 && dupId < 2_147_483_647 ? await loadMergeOrganisation(db, dupId) : null;
      const problem = mergeProblem(keep, dup) ?? (await membershipProblem(db, keep, dup!));
      if (problem) {
        const candidates = await mergeCandidates(db, keep, search || undefined);
        return reply.page({ title: `${keep.name} samenvoegen`, status: 422 }, (ctx) => (
          <PickPage ctx={ctx} keep={keep} candidates={candidates} form={{ values: { q: search, dubbel: String(q.dubbel) }, errors: { dubbel: problem } }} searched={!!search} />
        ));
      }
      const preview = await mergePreview(db, keep, dup!);
      return reply.page({ title: `${dup!.name} samenvoegen met ${keep.name}` }, (ctx) => <PreviewPage ctx={ctx} keep={keep} dup={dup!} preview={preview} />);
    }
    const candidates = await mergeCandidates(db, keep, search || undefined);
    return reply.page({ title: `${keep.name} samenvoegen` }, (ctx) => <PickPage ctx={ctx} keep={keep} candidates={candidates} form={{ values: { q: search }, errors: {} }} searched={!!search} />);
  });

  app.post(`${ORGS}/:id/samenvoegen`, async (req, reply) => {
    req.authorize('organisation:merge');
    const keep = await loadKeep((req.params as { id: string }).id);
    const values = formValues(req.body);
    const dupId = Number(values.dubbel);
    if (!Number.isInteger(dupId) || dupId <= 0 || dupId >= 2_147_483_647) return problemReply(reply, keep, 'Kies de dubbele organisatie die u wilt samenvoegen.');
    const result = await mergeOrganisations(db, req.auditCtx(), keep.id, dupId);
    if (!result.ok) return problemReply(reply, keep, result.problem);
    const total = Object.values(result.moved).reduce((a, b) => a + b, 0);
    const national = result.nationalMembership ? ` Het lidmaatschap van de Nationale Coalitie loopt nu vanaf ${nlDate(result.nationalMembership.earliest)}.` : '';
    reply.flash('success', `De organisaties zijn samengevoegd: ${total === 1 ? '1 gegeven is' : `${total} gegevens zijn`} overgegaan naar ${keep.name}.${national}`);
    return reply.redirect(`${ORGS}/${keep.id}`, 303);
  });
}
