import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../../platform/access.js';
import { NotFoundError } from '../../platform/http/errors.js';
import { formValues, parseForm, pathId } from '../../platform/http/forms.js';
import { amsterdamDate } from '../../platform/time.js';
import { Page, type PageContext } from '../../platform/views/layout.js';
import {
  Button,
  Checkbox,
  CsrfField,
  DataTable,
  ErrorSummary,
  Heading,
  Link,
  P,
  RadioGroup,
  SelectField,
  TextArea,
  TextField,
  type Column,
  type FormState,
} from '../../platform/views/components.js';
import { nlDate } from '../registry/ui.js';
import { POST_KIND_LABELS } from './model.js';
import { hasConversation, isPosterSide, posterName, type PostRow } from './posts-service.js';
import {
  addMessage,
  conversationMessages,
  createMatch,
  markRead,
  MATCH_FIELD_LABELS,
  MATCH_NOTE_MAX,
  matchFormSchema,
  MESSAGE_MAX,
  messageSchema,
  myConversations,
  myPosts,
  organisationChoices,
  reactorsOf,
  undoMatch,
  type MessageRow,
  type MyConversationRow,
  type MyPostRow,
} from './conversations-service.js';
import { manageablePost, viewablePost } from './guards.js';
import { mailDeps, mailingRouteConfig } from './board.js';
import { BASE, BOARD_CRUMBS, KindTag, nlDateTime, statusText, TextBlock } from './views.js';

/**
 * Conversations about a post (/vraag-en-aanbod/:id/gesprek/:reactorId), "Mijn berichten"
 * (/vraag-en-aanbod/mijn) and matches (/vraag-en-aanbod/:id/match). A conversation is for its two
 * sides only (see conversations-service); anyone else, the programme team included, gets 404.
 */

const LIST_QUERY = { page: 1, pageSize: 500 };

const unreadCell = (n: number) => (n > 0 ? <strong>{n} ongelezen</strong> : 'Geen');

export async function conversationRoutes(app: FastifyInstance) {
  const db = app.ctx.database.db;

  // ---- Mijn berichten

  app.get(`${BASE}/mijn`, async (req, reply) => {
    const p = req.authorize('board:read');
    const t = amsterdamDate(new Date());
    const [posts, conversations] = await Promise.all([myPosts(db, p), myConversations(db, p)]);
    const postColumns: Column<MyPostRow>[] = [
      { key: 'title', label: 'Bericht', render: (r) => <Link href={`${BASE}/${r.id}`}>{r.title}</Link> },
      { key: 'kind', label: 'Soort', render: (r) => POST_KIND_LABELS[r.kind] },
      { key: 'poster', label: 'Namens', render: (r) => r.posterName },
      { key: 'status', label: 'Status', render: (r) => statusText(r, t) },
      { key: 'validUntil', label: 'Geldig tot en met', render: (r) => nlDate(r.validUntil) },
      { key: 'conversations', label: 'Reacties', numeric: true, render: (r) => r.conversations },
      { key: 'unread', label: 'Ongelezen berichten', render: (r) => unreadCell(r.unread) },
      { key: 'matches', label: 'Matches', numeric: true, render: (r) => r.matches },
    ];
    const conversationColumns: Column<MyConversationRow>[] = [
      { key: 'title', label: 'Gesprek over', render: (r) => <Link href={`${BASE}/${r.postId}/gesprek/${p.id}`}>{r.title}</Link> },
      { key: 'kind', label: 'Soort', render: (r) => POST_KIND_LABELS[r.kind] },
      { key: 'poster', label: 'Met', render: (r) => r.posterName },
      { key: 'status', label: 'Status bericht', render: (r) => statusText(r, t) },
      { key: 'messages', label: 'Berichten', numeric: true, render: (r) => r.messages },
      { key: 'unread', label: 'Ongelezen', render: (r) => unreadCell(r.unread) },
      { key: 'lastAt', label: 'Laatste bericht', render: (r) => nlDateTime(r.lastAt) },
    ];
    const unread = posts.reduce((n, r) => n + r.unread, 0) + conversations.reduce((n, r) => n + r.unread, 0);
    return reply.page({ title: 'Mijn berichten' }, (ctx) => (
      <Page ctx={ctx} title="Mijn berichten" crumbs={[...BOARD_CRUMBS, { label: 'Mijn berichten' }]}>
        <Heading>Mijn berichten</Heading>
        <P>{unread === 0 ? 'U heeft geen ongelezen berichten.' : unread === 1 ? 'U heeft 1 ongelezen bericht.' : `U heeft ${unread} ongelezen berichten.`}</P>
        <Heading level={2}>Geplaatste berichten</Heading>
        <P>Berichten die u (of een collega) namens uw organisatie of coalitie plaatste, ook verlopen en ingetrokken berichten.</P>
        <DataTable caption="Geplaatste berichten" columns={postColumns} rows={posts} base={`${BASE}/mijn`} query={LIST_QUERY} empty="U heeft nog geen berichten geplaatst." />
        <Heading level={2}>Mijn reacties</Heading>
        <P>Gesprekken die u begon door op een bericht van een ander te reageren.</P>
        <DataTable
          caption="Gesprekken waarin u reageerde"
          columns={conversationColumns}
          rows={conversations}
          base={`${BASE}/mijn`}
          query={LIST_QUERY}
          empty="U heeft nog op geen enkel bericht gereageerd."
        />
        <P>
          <Link href={BASE}>Terug naar Vraag en aanbod</Link>
        </P>
      </Page>
    ));
  });

  // ---- A conversation

  /** The conversation of `:reactorId` about the post: only for the reactor and the poster's side, and only when it exists. */
  async function conversation(req: FastifyRequest) {
    const v = await viewablePost(db, req);
    const reactorId = pathId((req.params as { reactorId: string }).reactorId);
    const asReactor = v.p.id === reactorId;
    if (!asReactor && !isPosterSide(v.p, v.post)) throw new NotFoundError();
    if (!(await hasConversation(db, v.post.id, reactorId))) throw new NotFoundError();
    return { ...v, reactorId, asReactor };
  }

  async function conversationPage(reply: FastifyReply, c: { p: Principal; post: PostRow; reactorId: number; asReactor: boolean }, form: FormState, status = 200) {
    const messages = await conversationMessages(db, c.post.id, c.reactorId);
    // What the reader had not read yet (before this visit marks it read).
    const unreadIds = new Set(messages.filter((m) => m.readAt == null && (c.asReactor ? !m.fromReactor : m.fromReactor)).map((m) => m.id));
    if (unreadIds.size) await markRead(db, c.post.id, c.reactorId, c.asReactor);
    const reactor = messages.find((m) => m.fromReactor);
    const other = c.asReactor ? posterName(c.post) : `${reactor?.fromName ?? 'de reageerder'}${reactor?.affiliation ? ` (${reactor.affiliation})` : ''}`;
    const title = `Gesprek over: ${c.post.title}`;
    return reply.page({ title, status }, (ctx) => (
      <Page ctx={ctx} title={title} crumbs={[...BOARD_CRUMBS, { href: `${BASE}/${c.post.id}`, label: c.post.title }, { label: 'Gesprek' }]}>
        <p class="board-item__kind">
          <KindTag kind={c.post.kind} />
        </p>
        <Heading>{title}</Heading>
        <P>
          Gesprek met <strong>{other}</strong>. Alleen u{c.asReactor ? '' : ' (en uw collega’s namens ' + posterName(c.post) + ')'} en {c.asReactor ? 'de plaatser' : 'de reageerder'} kunnen dit
          gesprek lezen. <Link href={`${BASE}/${c.post.id}`}>Bekijk het bericht</Link>.
        </P>
        <ol class="board-messages" aria-label="Berichten">
          {messages.map((m) => (
            <MessageItem m={m} isNew={unreadIds.has(m.id)} mine={m.fromUserId === c.p.id} />
          ))}
        </ol>
        <h2 class="utrecht-heading-2" id="antwoorden">
          Antwoorden
        </h2>
        <ErrorSummary errors={form.errors} labels={{ message: 'Uw bericht' }} />
        <form method="post" action={`${BASE}/${c.post.id}/gesprek/${c.reactorId}`} novalidate class="form" aria-labelledby="antwoorden">
          <CsrfField token={ctx.csrfToken} />
          <TextArea name="message" label="Uw bericht" form={form} required rows={5} hint={`Hoogstens ${MESSAGE_MAX} tekens. ${other} krijgt een e-mail dat er een nieuw bericht is.`} />
          <div class="form-actions">
            <Button>Bericht versturen</Button>
          </div>
        </form>
        {!c.asReactor && (
          <P>
            Heeft dit gesprek tot een samenwerking geleid? <Link href={`${BASE}/${c.post.id}/match`}>Leg de match vast</Link>.
          </P>
        )}
      </Page>
    ));
  }

  app.get(`${BASE}/:id/gesprek/:reactorId`, async (req, reply) => {
    const c = await conversation(req);
    return conversationPage(reply, c, { values: {}, errors: {} });
  });

  app.post(`${BASE}/:id/gesprek/:reactorId`, mailingRouteConfig(app), async (req, reply) => {
    const c = await conversation(req);
    const values = formValues(req.body);
    const parsed = parseForm(messageSchema, values);
    const result = parsed.ok ? await addMessage(db, req.auditCtx(), mailDeps(app), c.p, c.post, c.reactorId, parsed.data.message, c.t) : parsed;
    if (result.ok) {
      reply.flash('success', 'Uw bericht is verstuurd.');
      return reply.redirect(`${BASE}/${c.post.id}/gesprek/${c.reactorId}#bericht-${result.messageId}`, 303);
    }
    return conversationPage(reply, c, { values, errors: result.errors }, 422);
  });

  // ---- Matches

  async function matchPage(reply: FastifyReply, post: PostRow, form: FormState, status = 200) {
    const [reactors, orgs] = await Promise.all([reactorsOf(db, post.id), organisationChoices(db)]);
    const title = 'Match vastleggen';
    return reply.page({ title, status }, (ctx: PageContext) => (
      <Page ctx={ctx} title={title} crumbs={[...BOARD_CRUMBS, { href: `${BASE}/${post.id}`, label: post.title }, { label: 'Match' }]}>
        <Heading>{title}</Heading>
        <P>
          Heeft <strong>{post.title}</strong> geleid tot een samenwerking? Leg de match vast: het programma telt matches als resultaat van Vraag en aanbod.
        </P>
        <ErrorSummary errors={form.errors} labels={MATCH_FIELD_LABELS} />
        <form method="post" action={`${BASE}/${post.id}/match`} novalidate class="form">
          <CsrfField token={ctx.csrfToken} />
          <RadioGroup
            name="partner"
            label="Met wie is de match gemaakt?"
            form={form}
            required
            options={[
              ...reactors.map((r) => ({ value: `gebruiker-${r.userId}`, label: `${r.name}${r.affiliation ? ` (${r.affiliation})` : ''}`, hint: 'Heeft gereageerd op dit bericht.' })),
              { value: 'organisatie', label: 'Een andere organisatie', hint: 'Kies de organisatie hieronder.' },
            ]}
          />
          <SelectField
            name="organisationId"
            label="Organisatie"
            form={form}
            placeholder="Kies een organisatie"
            hint="Alleen nodig bij 'Een andere organisatie'. Staat de organisatie er niet bij? Vraag het programmateam haar toe te voegen."
            options={orgs.map((o) => ({ value: String(o.id), label: o.municipality ? `${o.name} (${o.municipality})` : `${o.name} (landelijk)` }))}
          />
          <TextField name="madeOn" label="Datum van de match" type="date" form={form} required width="s" hint="De dag waarop u de samenwerking afsprak; niet in de toekomst." />
          <TextArea name="note" label="Toelichting" form={form} rows={3} hint={`Wat heeft u afgesproken? Hoogstens ${MATCH_NOTE_MAX} tekens.`} />
          <Checkbox
            name="keepOpen"
            label="Het bericht blijft open voor meer reacties"
            form={form}
            hint="Bijvoorbeeld bij een aanbod dat meer gemeenten kunnen gebruiken. Zonder vinkje verdwijnt het bericht van het overzicht."
          />
          <div class="form-actions">
            <Button>Match vastleggen</Button>
            <Link href={`${BASE}/${post.id}`}>Annuleren</Link>
          </div>
        </form>
      </Page>
    ));
  }

  app.get(`${BASE}/:id/match`, async (req, reply) => {
    const { post, t } = await manageablePost(db, req);
    return matchPage(reply, post, { values: { madeOn: t }, errors: {} });
  });

  app.post(`${BASE}/:id/match`, async (req, reply) => {
    const { p, post, t } = await manageablePost(db, req);
    const values = formValues(req.body);
    const parsed = parseForm(matchFormSchema(t, amsterdamDate(post.createdAt)), values);
    const result = parsed.ok ? await createMatch(db, req.auditCtx(), p, post, parsed.data) : parsed;
    if (result.ok) {
      reply.flash('success', parsed.ok && parsed.data.keepOpen ? 'De match is vastgelegd. Het bericht blijft open voor meer reacties.' : 'De match is vastgelegd en het bericht is gesloten.');
      return reply.redirect(`${BASE}/${post.id}`, 303);
    }
    return matchPage(reply, post, { values, errors: result.errors }, 422);
  });

  app.post(`${BASE}/:id/match/:matchId/ongedaan-maken`, async (req, reply) => {
    const { post } = await manageablePost(db, req);
    const matchId = pathId((req.params as { matchId: string }).matchId);
    if (!(await undoMatch(db, req.auditCtx(), post, matchId))) throw new NotFoundError();
    reply.flash('success', 'De match is ongedaan gemaakt.');
    return reply.redirect(`${BASE}/${post.id}`, 303);
  });
}

function MessageItem({ m, isNew, mine }: { m: MessageRow; isNew: boolean; mine: boolean }) {
  return (
    <li class={`board-message${mine ? ' board-message--mine' : ''}`} id={`bericht-${m.id}`}>
      <p class="board-message__meta">
        <strong>{mine ? 'U' : m.fromName}</strong>
        {!mine && m.affiliation ? ` (${m.affiliation})` : ''} · {nlDateTime(m.createdAt)}
        {isNew && <span class="board-new"> Nieuw</span>}
      </p>
      <TextBlock text={m.body} />
    </li>
  );
}

