import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { can, type Principal } from '../../platform/access.js';
import { ForbiddenError } from '../../platform/http/errors.js';
import { formValues, optionalText, parseForm } from '../../platform/http/forms.js';
import { amsterdamDate } from '../../platform/time.js';
import { Page, type Crumb, type PageContext } from '../../platform/views/layout.js';
import {
  Alert,
  Button,
  ButtonLink,
  CheckboxGroup,
  CsrfField,
  DataTable,
  ErrorSummary,
  Heading,
  Link,
  listUrl,
  P,
  Pagination,
  RadioGroup,
  SelectField,
  SummaryList,
  TextArea,
  TextField,
  type Column,
  type FormState,
  type ListQuery,
  type Option,
} from '../../platform/views/components.js';
import { listProvinces } from '../registry/service.js';
import { municipalityOptions } from '../registry/organisations-service.js';
import { ConfirmForm, nlDate, sendAuditedExport } from '../registry/ui.js';
import { z } from 'zod';
import { BOARD_THEMES, MAX_VALID_DAYS, POST_KINDS, POST_KIND_LABELS, type BoardTheme, type PostKind } from './model.js';
import { COALITION_SECTORS } from '../network/model.js';
import { searchPosts, COUNT_CAP, type BoardSearch, type RegionFilter } from './search.js';
import {
  addDays,
  boardExportTable,
  createPost,
  DESCRIPTION_MAX,
  dmy,
  hasConversation,
  isLive,
  isPosterSide,
  POST_FIELD_LABELS,
  postFormSchema,
  posterName,
  postingOptions,
  removePost,
  setPostStatus,
  TITLE_MAX,
  updatePost,
  type MailDeps,
  type PostRow,
  type PostingOption,
} from './posts-service.js';
import { addMessage, conversationsOfPost, matchesOfPost, matchPartner, MESSAGE_MAX, messageSchema, type ConversationSummary, type MatchRow } from './conversations-service.js';
import { manageablePost, viewablePost } from './guards.js';
import { BASE, BOARD_CRUMBS, KIND_OPTIONS, KindTag, nlDateTime, PostCard, regionText, SECTOR_OPTIONS, sectorLabel, statusText, TextBlock, THEME_OPTIONS, themeLabel } from './views.js';

/**
 * The demand-and-offer board (vraag en aanbod): browse and search (/vraag-en-aanbod), place a
 * post (/nieuw), the post's page with the reaction form, edit, withdraw / reopen, and moderation
 * (removal by the programme team). Conversations, "Mijn berichten" and matches: conversations.tsx;
 * saved interests: interests.tsx.
 */

export const mailDeps = (app: FastifyInstance): MailDeps => ({ jobs: app.ctx.jobs, helpdeskEmail: app.ctx.config.helpdeskEmail, baseUrl: app.ctx.config.baseUrl });
const today = () => amsterdamDate(new Date());
/** Routes that send e-mail (new posts to interested users, reactions, messages): a per-address brake against mail floods. */
export const mailingRouteConfig = (app: FastifyInstance) => ({ config: { rateLimit: { max: Math.max(30, app.ctx.config.rateLimitPerMinute * 3), timeWindow: '1 minute' } } });

/** The list filters from the query string; unknown values are ignored. */
function readSearch(q: Record<string, unknown>): BoardSearch & { page: number } {
  const str = (v: unknown) => (typeof v === 'string' ? v.replace(/\0/g, '').trim() : '');
  const region = str(q.provincie);
  return {
    q: str(q.q).slice(0, 200) || undefined,
    kind: (POST_KINDS as readonly string[]).includes(str(q.soort)) ? (str(q.soort) as PostKind) : undefined,
    themes: (BOARD_THEMES as readonly string[]).includes(str(q.thema)) ? [str(q.thema) as BoardTheme] : undefined,
    sector: (COALITION_SECTORS as readonly string[]).includes(str(q.sector)) ? str(q.sector) : undefined,
    region: region === 'landelijk' ? 'national' : /^PV\d{2}$/.test(region) ? (region as RegionFilter) : undefined,
    sort: str(q.sorteer) === 'nieuwste' ? 'newest' : undefined,
    page: Math.max(1, Math.min(10_000, Number.parseInt(str(q.page), 10) || 1)),
  };
}

/** The filters as query-string values (for the form and the paging links). */
const toQuery = (s: BoardSearch & { page: number }, pageSize: number): ListQuery => ({
  q: s.q,
  soort: s.kind,
  thema: s.themes?.[0],
  sector: s.sector,
  provincie: s.region === 'national' ? 'landelijk' : s.region,
  sorteer: s.sort === 'newest' ? 'nieuwste' : undefined,
  page: s.page,
  pageSize,
});

function BoardLinks({ p }: { p: Principal }) {
  return (
    <ul class="action-list">
      {can(p, 'board:post') && (
        <li>
          <ButtonLink href={`${BASE}/nieuw`} variant="primary">
            Vraag of aanbod plaatsen
          </ButtonLink>
        </li>
      )}
      <li>
        <Link href={`${BASE}/mijn`}>Mijn berichten en gesprekken</Link>
      </li>
      <li>
        <Link href={`${BASE}/interesses`}>Mijn interesses (e-mail bij nieuwe berichten)</Link>
      </li>
    </ul>
  );
}

/** Programme team: the export of every post (not the search results). */
function BoardExport({ p }: { p: Principal }) {
  if (!can(p, 'board:moderate')) return null;
  return (
    <section aria-labelledby="board-export">
      <h2 class="utrecht-heading-2" id="board-export">
        Alle berichten exporteren
      </h2>
      <P>Voor het programmateam: alle berichten (ook verlopen en ingetrokken) met status, data, namens wie en het aantal gesprekken en matches. Zonder berichtteksten.</P>
      <p class="utrecht-paragraph">
        <Link href={listUrl(`${BASE}/export`, {}, { formaat: 'csv' })}>CSV</Link>
        {' · '}
        <Link href={listUrl(`${BASE}/export`, {}, { formaat: 'csv', scheidingsteken: 'puntkomma' })}>CSV met puntkomma (Nederlandse Excel)</Link>
        {' · '}
        <Link href={listUrl(`${BASE}/export`, {}, { formaat: 'xlsx' })}>Excel (XLSX)</Link>
      </p>
    </section>
  );
}

// ---------------------------------------------------------------------------------------------
// The post form

interface PostFormProps {
  ctx: PageContext;
  title: string;
  crumbs: Crumb[];
  action: string;
  form: FormState;
  /** The choices "on behalf of"; one choice is shown as text. Omitted when editing. */
  onBehalf?: PostingOption[];
  fixedOnBehalf?: string;
  provinces: Option[];
  municipalities: Option[];
  submit: string;
  cancel: string;
}

function PostForm({ ctx, title, crumbs, action, form, onBehalf, fixedOnBehalf, provinces, municipalities, submit, cancel }: PostFormProps) {
  const t = today();
  return (
    <Page ctx={ctx} title={title} crumbs={crumbs}>
      <Heading>{title}</Heading>
      <ErrorSummary errors={form.errors} labels={POST_FIELD_LABELS} />
      <form method="post" action={action} novalidate class="form">
        <CsrfField token={ctx.csrfToken} />
        {onBehalf && onBehalf.length > 1 ? (
          <SelectField name="onBehalf" label="Namens" form={form} required placeholder="Kies namens wie u plaatst" options={onBehalf.map((o) => ({ value: o.value, label: o.label }))} />
        ) : onBehalf && onBehalf.length === 1 ? (
          <>
            <input type="hidden" name="onBehalf" value={onBehalf[0].value} />
            <SummaryList items={[['Namens', onBehalf[0].label]]} />
          </>
        ) : (
          fixedOnBehalf && <SummaryList items={[['Namens', fixedOnBehalf]]} />
        )}
        <RadioGroup
          name="kind"
          label="Is dit een vraag of een aanbod?"
          form={form}
          required
          options={[
            { value: 'request', label: POST_KIND_LABELS.request, hint: 'U zoekt iets: partners, vrijwilligers, kennis, een locatie of middelen.' },
            { value: 'offer', label: POST_KIND_LABELS.offer, hint: 'U biedt iets aan: een workshop, materiaal, menskracht, een ruimte of financiering.' },
          ]}
        />
        <TextField name="title" label="Titel" form={form} required hint={`Kort en concreet, hoogstens ${TITLE_MAX} tekens. Bijvoorbeeld: Vrijwilligers gezocht voor de Week tegen Eenzaamheid in Utrecht.`} />
        <TextArea
          name="description"
          label="Beschrijving"
          form={form}
          required
          rows={8}
          hint={`Wat zoekt of biedt u, voor wie, wanneer en waar? Hoogstens ${DESCRIPTION_MAX} tekens. Zet hier geen gegevens van inwoners in.`}
        />
        <CheckboxGroup name="themes" label="Thema's" form={form} required hint="Kies ten minste één thema. Wie een interesse in dit thema heeft opgeslagen, krijgt een e-mail." options={THEME_OPTIONS} />
        <CheckboxGroup name="sectors" label="Sectoren waarvoor dit bericht interessant is" form={form} options={SECTOR_OPTIONS} />
        <SelectField
          name="region"
          label="Regio"
          form={form}
          required
          hint="Landelijk: het bericht is voor heel Nederland en verschijnt bij elke provincie."
          options={[{ value: 'national', label: 'Landelijk (heel Nederland)' }, ...provinces]}
        />
        <SelectField name="municipalityId" label="Gemeente" form={form} placeholder="Geen specifieke gemeente" hint="Alleen als het bericht over één gemeente gaat; die moet in de gekozen provincie liggen." options={municipalities} />
        <TextField
          name="validUntil"
          label="Geldig tot en met"
          type="date"
          form={form}
          required
          width="s"
          hint={`Na deze datum verdwijnt het bericht van het overzicht. Uiterlijk ${dmy(addDays(t, MAX_VALID_DAYS))} (${MAX_VALID_DAYS} dagen).`}
        />
        <div class="form-actions">
          <Button>{submit}</Button>
          <Link href={cancel}>Annuleren</Link>
        </div>
      </form>
    </Page>
  );
}

/** Form values of a post (for editing). */
const postValues = (post: PostRow) => ({
  kind: post.kind,
  title: post.title,
  description: post.description,
  themes: post.themes,
  sectors: post.sectors,
  region: post.provinceCode ?? 'national',
  municipalityId: post.municipalityId == null ? '' : String(post.municipalityId),
  validUntil: post.validUntil,
});

// ---------------------------------------------------------------------------------------------
// The post's page

interface PostPageData {
  p: Principal;
  post: PostRow;
  today: string;
  posterSide: boolean;
  ownConversation: boolean;
  conversations: ConversationSummary[];
  matches: MatchRow[];
}

async function postPageData(app: FastifyInstance, p: Principal, post: PostRow, t: string): Promise<PostPageData> {
  const db = app.ctx.database.db;
  const posterSide = isPosterSide(p, post);
  return {
    p,
    post,
    today: t,
    posterSide,
    ownConversation: !posterSide && p.kind === 'user' ? await hasConversation(db, post.id, p.id) : false,
    conversations: posterSide ? await conversationsOfPost(db, post.id) : [],
    matches: posterSide || can(p, 'board:moderate') ? await matchesOfPost(db, post.id) : [],
  };
}

function PostPage({ ctx, d, form }: { ctx: PageContext; d: PostPageData; form: FormState }) {
  const { p, post, today: t, posterSide } = d;
  const live = isLive(post, t);
  const status = statusText(post, t);
  return (
    <Page ctx={ctx} title={post.title} crumbs={[...BOARD_CRUMBS, { label: post.title }]}>
      <p class="board-item__kind">
        <KindTag kind={post.kind} />
        {!live && <span class="board-status"> Status: {status}</span>}
      </p>
      <Heading>{post.title}</Heading>
      {!live && <Alert kind="info">Dit bericht staat niet (meer) op het overzicht: {status.toLowerCase()}. Alleen betrokkenen zien deze pagina.</Alert>}
      <SummaryList
        items={[
          ['Soort', POST_KIND_LABELS[post.kind]],
          ['Namens', `${posterName(post)}${post.coalitionId ? ' (lokale coalitie)' : ''}`],
          ["Thema's", post.themes.map(themeLabel).join(', ')],
          ['Sectoren', post.sectors.length ? post.sectors.map(sectorLabel).join(', ') : null],
          ['Regio', regionText(post)],
          ['Geplaatst op', nlDate(amsterdamDate(post.createdAt))],
          ['Geldig tot en met', nlDate(post.validUntil)],
          ['Status', status],
        ]}
      />
      <Heading level={2}>Beschrijving</Heading>
      <TextBlock text={post.description} />

      {posterSide ? (
        <PosterPanel ctx={ctx} d={d} />
      ) : d.ownConversation ? (
        <>
          <Heading level={2}>Uw gesprek</Heading>
          <P>
            U heeft op dit bericht gereageerd. <Link href={`${BASE}/${post.id}/gesprek/${p.id}`}>Bekijk het gesprek en stuur een nieuw bericht</Link>.
          </P>
        </>
      ) : live ? (
        <section aria-labelledby="reageren">
          <h2 class="utrecht-heading-2" id="reageren">
            Reageren
          </h2>
          <P>
            Uw reactie gaat via het platform naar {posterName(post)}. Zij krijgen een e-mail dat u heeft gereageerd en antwoorden u hier; u krijgt dan ook een e-mail. Alleen u
            en {posterName(post)} kunnen het gesprek lezen.
          </P>
          <ErrorSummary errors={form.errors} labels={{ message: 'Uw reactie' }} />
          <form method="post" action={`${BASE}/${post.id}/reageren`} novalidate class="form">
            <CsrfField token={ctx.csrfToken} />
            <TextArea name="message" label="Uw reactie" form={form} required rows={6} hint={`Wie bent u, wat kunt u bieden of wat zoekt u? Hoogstens ${MESSAGE_MAX} tekens.`} />
            <div class="form-actions">
              <Button>Reactie versturen</Button>
            </div>
          </form>
        </section>
      ) : null}

      {!posterSide && can(p, 'board:moderate') && d.matches.length > 0 && <MatchList ctx={ctx} post={post} matches={d.matches} canUndo={false} />}
      {can(p, 'board:moderate') && (
        <section class="danger-zone" aria-labelledby="moderatie">
          <h2 class="utrecht-heading-2" id="moderatie">
            Moderatie (programmateam)
          </h2>
          <P>Hoort dit bericht niet op Vraag en aanbod? Verwijder het; de plaatser krijgt een e-mail met de reden.</P>
          <ButtonLink href={`${BASE}/${post.id}/verwijderen`}>Bericht verwijderen</ButtonLink>
        </section>
      )}
      <P>
        <Link href={BASE}>Terug naar Vraag en aanbod</Link>
      </P>
    </Page>
  );
}

function PosterPanel({ ctx, d }: { ctx: PageContext; d: PostPageData }) {
  const { post, today: t } = d;
  return (
    <>
      <Heading level={2}>Beheer van uw bericht</Heading>
      <ul class="action-list">
        <li>
          <ButtonLink href={`${BASE}/${post.id}/bewerken`}>Wijzigen</ButtonLink>
        </li>
        <li>
          <ButtonLink href={`${BASE}/${post.id}/match`} variant="primary">
            Match vastleggen
          </ButtonLink>
        </li>
        {post.status === 'open' ? (
          <li>
            <ButtonLink href={`${BASE}/${post.id}/intrekken`}>Intrekken</ButtonLink>
          </li>
        ) : (
          <li>
            <form method="post" action={`${BASE}/${post.id}/heropenen`} class="inline-form">
              <CsrfField token={ctx.csrfToken} />
              <Button variant="secondary">Weer openzetten</Button>
            </form>
          </li>
        )}
      </ul>
      {post.status === 'open' && post.validUntil < t && (
        <Alert kind="warning">
          Dit bericht is verlopen en staat niet meer op het overzicht. Wilt u het opnieuw tonen? <Link href={`${BASE}/${post.id}/bewerken`}>Kies een nieuwe datum</Link>.
        </Alert>
      )}
      <DataTable
        caption={`Reacties (${d.conversations.length})`}
        columns={conversationColumns(post)}
        rows={d.conversations}
        base={`${BASE}/${post.id}`}
        query={STATIC_QUERY}
        empty="Nog geen reacties."
      />
      <MatchList ctx={ctx} post={post} matches={d.matches} canUndo />
    </>
  );
}

export function MatchList({ ctx, post, matches, canUndo }: { ctx: PageContext; post: PostRow; matches: MatchRow[]; canUndo: boolean }) {
  const columns: Column<MatchRow>[] = [
    { key: 'madeOn', label: 'Datum', render: (m) => nlDate(m.madeOn) },
    { key: 'partner', label: 'Match met', render: (m) => matchPartner(m) },
    { key: 'note', label: 'Toelichting', render: (m) => m.note ?? '—' },
  ];
  if (canUndo) {
    columns.push({
      key: 'undo',
      label: 'Actie',
      render: (m) => (
        <form method="post" action={`${BASE}/${post.id}/match/${m.id}/ongedaan-maken`} class="inline-form" data-confirm="Deze match ongedaan maken?">
          <CsrfField token={ctx.csrfToken} />
          <Button variant="subtle">
            Ongedaan maken<span class="visually-hidden"> (match van {nlDate(m.madeOn)})</span>
          </Button>
        </form>
      ),
    });
  }
  return <DataTable caption={`Gemaakte matches (${matches.length})`} columns={columns} rows={matches} base={`${BASE}/${post.id}`} query={STATIC_QUERY} empty="Nog geen match vastgelegd." />;
}

/** Small tables on a post's page: no sorting or paging. */
const STATIC_QUERY: ListQuery = { page: 1, pageSize: 500 };

const conversationColumns = (post: PostRow): Column<ConversationSummary>[] => [
  { key: 'reactor', label: 'Van', render: (c) => <Link href={`${BASE}/${post.id}/gesprek/${c.reactorId}`}>{c.reactorName}</Link> },
  { key: 'affiliation', label: 'Organisatie', render: (c) => c.affiliation ?? '—' },
  { key: 'messages', label: 'Berichten', numeric: true, render: (c) => c.messages },
  { key: 'unread', label: 'Ongelezen', numeric: true, render: (c) => (c.unread > 0 ? <strong>{c.unread}</strong> : 0) },
  { key: 'lastAt', label: 'Laatste bericht', render: (c) => nlDateTime(c.lastAt) },
];

// ---------------------------------------------------------------------------------------------

export async function boardRoutes(app: FastifyInstance) {
  const db = app.ctx.database.db;

  const viewable = (req: FastifyRequest) => viewablePost(db, req);
  const manageable = (req: FastifyRequest) => manageablePost(db, req);

  const provinceOptions = async (): Promise<Option[]> => (await listProvinces(db)).map((pv) => ({ value: pv.code, label: pv.name }));
  const municipalityChoices = async (): Promise<Option[]> => (await municipalityOptions(db)).map((m) => ({ value: String(m.id), label: m.name }));

  app.get(BASE, async (req, reply) => {
    const p = req.authorize('board:read');
    const s = readSearch(req.query as Record<string, unknown>);
    const [result, provs] = await Promise.all([searchPosts(db, s, today()), listProvinces(db)]);
    const query = toQuery(s, result.pageSize);
    const form = { values: query, errors: {} };
    const found = result.rankedWindow
      ? `Meer dan ${COUNT_CAP.toLocaleString('nl-NL')} berichten gevonden. Hieronder de ${result.rankedWindow} nieuwste, de best passende eerst. Maak uw zoekopdracht specifieker, of kies "Nieuwste eerst" om alle berichten te zien.`
      : result.capped
        ? `Meer dan ${COUNT_CAP.toLocaleString('nl-NL')} berichten gevonden; maak uw zoekopdracht specifieker.`
        : result.total === 1
          ? '1 bericht gevonden.'
          : `${result.total} berichten gevonden.`;
    return reply.page({ title: 'Vraag en aanbod' }, (ctx) => (
      <Page ctx={ctx} title="Vraag en aanbod" crumbs={[BOARD_CRUMBS[0], { label: 'Vraag en aanbod' }]}>
        <Heading>Vraag en aanbod</Heading>
        <P>
          Landelijke partners, lokale coalities en organisaties vinden elkaar hier op concrete vragen en aanbod. Reageer via het platform; de plaatser krijgt dan een
          e-mail.
        </P>
        <BoardLinks p={p} />
        <form method="get" action={BASE} class="filter-form board-filters" role="search" novalidate aria-label="Vraag en aanbod zoeken en filteren">
          <TextField name="q" label="Zoekwoorden" type="search" form={form} filter />
          <SelectField name="soort" label="Soort" form={form} filter placeholder="Vraag en aanbod" options={KIND_OPTIONS} />
          <SelectField name="thema" label="Thema" form={form} filter placeholder="Alle thema's" options={THEME_OPTIONS} />
          <SelectField name="sector" label="Sector" form={form} filter placeholder="Alle sectoren" options={SECTOR_OPTIONS} />
          <SelectField
            name="provincie"
            label="Regio"
            form={form}
            filter
            placeholder="Heel Nederland"
            options={[{ value: 'landelijk', label: 'Alleen landelijke berichten' }, ...provs.map((pv) => ({ value: pv.code, label: `${pv.name} (met landelijke berichten)` }))]}
          />
          {s.q && (
            <SelectField
              name="sorteer"
              label="Volgorde"
              form={form}
              filter
              placeholder="Best passend eerst"
              options={[{ value: 'nieuwste', label: 'Nieuwste eerst' }]}
            />
          )}
          <Button variant="secondary">Zoeken</Button>
        </form>
        {result.termIgnored && <Alert kind="info">Uw zoekwoorden zijn te algemeen (zoals "de" of "en") en zijn niet gebruikt. Probeer een specifieker woord.</Alert>}
        <p class="utrecht-paragraph" role="status">
          {found}
          {(s.q || s.kind || s.themes || s.sector || s.region) && (
            <>
              {' '}
              <Link href={BASE}>Alle filters wissen</Link>
            </>
          )}
        </p>
        {result.rows.length === 0 ? (
          <P>Er staan geen berichten die aan uw zoekopdracht voldoen. Probeer minder filters of een ander woord, of sla een interesse op: dan krijgt u een e-mail zodra er iets verschijnt.</P>
        ) : (
          <ol class="board-list">
            {result.rows.map((r) => (
              <PostCard post={r} />
            ))}
          </ol>
        )}
        <Pagination base={BASE} query={query} total={result.rankedWindow ?? result.total} />
        <BoardExport p={p} />
      </Page>
    ));
  });

  // ---- New post

  async function newPostPage(reply: FastifyReply, p: Principal, form: FormState, status = 200) {
    const [options, provs, munis] = await Promise.all([postingOptions(db, p), provinceOptions(), municipalityChoices()]);
    const title = 'Vraag of aanbod plaatsen';
    const crumbs = [...BOARD_CRUMBS, { label: 'Plaatsen' }];
    if (!options.length) {
      return reply.page({ title, status }, (ctx) => (
        <Page ctx={ctx} title={title} crumbs={crumbs}>
          <Heading>{title}</Heading>
          <Alert kind="info">
            U plaatst berichten namens de lokale coalitie van uw gemeente, maar die coalitie staat nog niet in het platform. Leg de coalitie eerst vast onder{' '}
            <Link href="/coalities">Coalities</Link>, of vraag uw adviseur om hulp.
          </Alert>
          <P>
            <Link href={BASE}>Terug naar Vraag en aanbod</Link>
          </P>
        </Page>
      ));
    }
    return reply.page({ title, status }, (ctx) => (
      <PostForm
        ctx={ctx}
        title={title}
        crumbs={crumbs}
        action={`${BASE}/nieuw`}
        form={form}
        onBehalf={options}
        provinces={provs}
        municipalities={munis}
        submit="Bericht plaatsen"
        cancel={BASE}
      />
    ));
  }

  app.get(`${BASE}/nieuw`, async (req, reply) => {
    const p = req.authorize('board:post');
    const options = await postingOptions(db, p);
    // Defaults: the region of the only organisation or coalition; valid for three months.
    const only = options.length === 1 ? options[0] : null;
    return newPostPage(reply, p, {
      values: {
        onBehalf: only?.value ?? '',
        region: only?.coalitionId ? (only.provinceCode ?? 'national') : 'national',
        municipalityId: only?.coalitionId && only.municipalityId ? String(only.municipalityId) : '',
        validUntil: addDays(today(), 90),
      },
      errors: {},
    });
  });

  app.post(`${BASE}/nieuw`, mailingRouteConfig(app), async (req, reply) => {
    const p = req.authorize('board:post');
    const t = today();
    const values = formValues(req.body);
    if (!values.onBehalf) {
      // One choice is a hidden field in the form; without it, take the only choice.
      const options = await postingOptions(db, p);
      if (options.length === 1) values.onBehalf = options[0].value;
    }
    const parsed = parseForm(postFormSchema(t), values);
    const result = parsed.ok ? await createPost(db, req.auditCtx(), mailDeps(app), p, parsed.data, t) : parsed;
    if (result.ok) {
      reply.flash('success', 'Uw bericht staat op Vraag en aanbod. U krijgt een e-mail zodra iemand reageert.');
      return reply.redirect(`${BASE}/${result.id}`, 303);
    }
    return newPostPage(reply, p, { values, errors: result.errors }, 422);
  });

  // ---- The post, and reacting

  app.get(`${BASE}/:id`, async (req, reply) => {
    const { p, post, t } = await viewable(req);
    const d = await postPageData(app, p, post, t);
    return reply.page({ title: post.title }, (ctx) => <PostPage ctx={ctx} d={d} form={{ values: {}, errors: {} }} />);
  });

  app.post(`${BASE}/:id/reageren`, mailingRouteConfig(app), async (req, reply) => {
    const { p, post, t } = await viewable(req);
    if (isPosterSide(p, post)) throw new ForbiddenError('U kunt niet reageren op een bericht van uw eigen organisatie of coalitie.');
    const values = formValues(req.body);
    const parsed = parseForm(messageSchema, values);
    const result = parsed.ok ? await addMessage(db, req.auditCtx(), mailDeps(app), p, post, p.id, parsed.data.message, t) : parsed;
    if (result.ok) {
      reply.flash('success', `Uw reactie is verstuurd. ${posterName(post)} krijgt een e-mail; u krijgt een e-mail zodra er een antwoord is.`);
      return reply.redirect(`${BASE}/${post.id}/gesprek/${p.id}`, 303);
    }
    const d = await postPageData(app, p, post, t);
    return reply.page({ title: post.title, status: 422 }, (ctx) => <PostPage ctx={ctx} d={d} form={{ values, errors: result.errors }} />);
  });

  // ---- Edit

  async function editPage(reply: FastifyReply, post: PostRow, form: FormState, status = 200) {
    const [provs, munis] = await Promise.all([provinceOptions(), municipalityChoices()]);
    const title = 'Bericht wijzigen';
    return reply.page({ title, status }, (ctx) => (
      <PostForm
        ctx={ctx}
        title={title}
        crumbs={[...BOARD_CRUMBS, { href: `${BASE}/${post.id}`, label: post.title }, { label: 'Wijzigen' }]}
        action={`${BASE}/${post.id}/bewerken`}
        form={form}
        fixedOnBehalf={posterName(post)}
        provinces={provs}
        municipalities={munis}
        submit="Wijzigingen opslaan"
        cancel={`${BASE}/${post.id}`}
      />
    ));
  }

  app.get(`${BASE}/:id/bewerken`, async (req, reply) => {
    const { post } = await manageable(req);
    return editPage(reply, post, { values: postValues(post), errors: {} });
  });

  // Editing (or reopening) an open post notifies saved interests: rate-limited like posting.
  app.post(`${BASE}/:id/bewerken`, mailingRouteConfig(app), async (req, reply) => {
    const { post, t } = await manageable(req);
    const values = formValues(req.body);
    const parsed = parseForm(postFormSchema(t).omit({ onBehalf: true }), values);
    const result = parsed.ok ? await updatePost(db, req.auditCtx(), mailDeps(app), post, parsed.data, t) : parsed;
    if (result.ok) {
      reply.flash('success', 'De wijzigingen zijn opgeslagen.');
      return reply.redirect(`${BASE}/${post.id}`, 303);
    }
    return editPage(reply, post, { values, errors: result.errors }, 422);
  });

  // ---- Withdraw and reopen

  app.get(`${BASE}/:id/intrekken`, async (req, reply) => {
    const { post } = await manageable(req);
    const title = 'Bericht intrekken';
    return reply.page({ title }, (ctx) => (
      <Page ctx={ctx} title={title} crumbs={[...BOARD_CRUMBS, { href: `${BASE}/${post.id}`, label: post.title }, { label: 'Intrekken' }]}>
        <Heading>{title}</Heading>
        <P>
          Weet u zeker dat u <strong>{post.title}</strong> wilt intrekken? Het bericht verdwijnt van het overzicht. U vindt het terug onder Mijn berichten en kunt het later weer
          openzetten. Lopende gesprekken blijven bewaard.
        </P>
        <ConfirmForm action={`${BASE}/${post.id}/intrekken`} csrf={ctx.csrfToken} label="Ja, trek het bericht in" cancel={`${BASE}/${post.id}`} />
      </Page>
    ));
  });

  app.post(`${BASE}/:id/intrekken`, async (req, reply) => {
    const { post, t } = await manageable(req);
    await setPostStatus(db, req.auditCtx(), mailDeps(app), post, 'withdrawn', t);
    reply.flash('success', 'Het bericht is ingetrokken en staat niet meer op het overzicht.');
    return reply.redirect(`${BASE}/mijn`, 303);
  });

  app.post(`${BASE}/:id/heropenen`, mailingRouteConfig(app), async (req, reply) => {
    const { post, t } = await manageable(req);
    const r = await setPostStatus(db, req.auditCtx(), mailDeps(app), post, 'open', t);
    if (!r.ok) {
      reply.flash('warning', r.reason);
      return reply.redirect(`${BASE}/${post.id}/bewerken`, 303);
    }
    reply.flash('success', 'Het bericht staat weer open op het overzicht.');
    return reply.redirect(`${BASE}/${post.id}`, 303);
  });

  // ---- Moderation

  /** Every post (not removed) with status, dates, on whose behalf and its numbers of conversations and matches; no message texts. */
  app.get(`${BASE}/export`, async (req, reply) => {
    req.authorize('board:moderate');
    return sendAuditedExport(db, req, reply, await boardExportTable(db, today()), { filename: 'vraag-en-aanbod', filters: {} });
  });

  const removeSchema = z.object({ reason: optionalText(500) });
  const removePage = (reply: FastifyReply, post: PostRow, form: FormState, status = 200) =>
    reply.page({ title: 'Bericht verwijderen', status }, (ctx) => (
      <Page ctx={ctx} title="Bericht verwijderen" crumbs={[...BOARD_CRUMBS, { href: `${BASE}/${post.id}`, label: post.title }, { label: 'Verwijderen' }]}>
        <Heading>Bericht verwijderen</Heading>
        <P>
          U verwijdert <strong>{post.title}</strong> (namens {posterName(post)}) als moderator. Het bericht verdwijnt voor iedereen; gemaakte matches tellen niet meer mee. De
          plaatser krijgt een e-mail met de reden. De verwijdering staat in het auditlog.
        </P>
        <ErrorSummary errors={form.errors} labels={{ reason: 'Reden' }} />
        <form method="post" action={`${BASE}/${post.id}/verwijderen`} novalidate class="form" data-confirm="Dit bericht verwijderen?">
          <CsrfField token={ctx.csrfToken} />
          <TextArea name="reason" label="Reden (voor de plaatser)" form={form} rows={3} hint="Bijvoorbeeld: commercieel aanbod dat niet bij het programma past. Hoogstens 500 tekens." />
          <div class="form-actions">
            <Button>Ja, verwijder het bericht</Button>
            <Link href={`${BASE}/${post.id}`}>Annuleren, terug</Link>
          </div>
        </form>
      </Page>
    ));

  async function moderatable(req: FastifyRequest) {
    req.authorize('board:moderate');
    return viewable(req);
  }

  app.get(`${BASE}/:id/verwijderen`, async (req, reply) => {
    const { post } = await moderatable(req);
    return removePage(reply, post, { values: {}, errors: {} });
  });

  app.post(`${BASE}/:id/verwijderen`, async (req, reply) => {
    const { post } = await moderatable(req);
    const values = formValues(req.body);
    const parsed = parseForm(removeSchema, values);
    if (!parsed.ok) return removePage(reply, post, { values, errors: parsed.errors }, 422);
    await removePost(db, req.auditCtx(), mailDeps(app), post, parsed.data.reason);
    reply.flash('success', `Het bericht "${post.title}" is verwijderd.`);
    return reply.redirect(BASE, 303);
  });
}

