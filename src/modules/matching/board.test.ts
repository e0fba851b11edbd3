import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { createTestApp, TestClient, type TestApp } from '../../../test/helpers/app.js';
import { addDays } from './posts-service.js';
import { boardMatches, boardMessages, boardPosts } from './schema.js';
import { searchPosts } from './search.js';
import { as, countPosts, insertPost, lastAudit, mailsTo, postForm, setupBoard, today, type BoardSetup } from '../../../test/helpers/board.js';

/**
 * The demand-and-offer board: the done-when journey (a national member posts an offer, a
 * coordinator reacts, the poster marks the match), Dutch full-text search, expiry, bad input,
 * who may edit / withdraw / moderate, and who may read a conversation.
 */

let t: TestApp;
let s: BoardSetup;

beforeAll(async () => {
  t = await createTestApp();
  s = await setupBoard(t, 'bd');
});
afterAll(() => t.close());

const postRow = async (id: number) => (await t.db.select().from(boardPosts).where(eq(boardPosts.id, id)))[0]!;
const idFrom = (location: string | undefined) => Number(/\/vraag-en-aanbod\/(\d+)/.exec(location ?? '')?.[1]);

describe('the done-when journey: post an offer, react, mark the match', () => {
  let postId: number;

  it('a National Coalition partner posts an offer on behalf of its organisation', async () => {
    const partner = await as(t, s.users.partner.email);
    const form = await partner.get('/vraag-en-aanbod/nieuw');
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('Ouderenfonds'); // the only "on behalf of": shown as text
    const res = await partner.post('/vraag-en-aanbod/nieuw', postForm());
    expect(res.statusCode).toBe(303);
    postId = idFrom(res.headers.location as string);
    const row = await postRow(postId);
    expect(row).toMatchObject({ kind: 'offer', organisationId: s.ouderenfonds, coalitionId: null, postedBy: s.users.partner.id, status: 'open', provinceId: null });
    expect(row.themes).toEqual(['signalling', 'knowledge']);
    expect((await lastAudit(t, 'board_post'))).toMatchObject({ action: 'create', entityId: String(postId), actorUserId: s.users.partner.id });
    const page = await partner.get(`/vraag-en-aanbod/${postId}`);
    expect(page.body).toContain('Beheer van uw bericht');
    expect(page.body).toContain('Nog geen reacties.');
  });

  it('everyone with a role finds it on the board', async () => {
    const handler = await as(t, s.users.handler.email);
    const board = await handler.get('/vraag-en-aanbod');
    expect(board.statusCode).toBe(200);
    expect(board.body).toContain('Aanbod: gratis workshop Signalen herkennen voor kassamedewerkers');
    expect(board.body).toContain('Ouderenfonds');
    expect(board.body).toContain('Landelijk');
    expect(board.body.match(/<h1/g)).toHaveLength(1);
  });

  it('a coordinator reacts: the message is stored and the poster gets an e-mail (without the message text)', async () => {
    const coordinator = await as(t, s.users.coordinator.email);
    const page = await coordinator.get(`/vraag-en-aanbod/${postId}`);
    expect(page.body).toContain('Reactie versturen');
    const res = await coordinator.post(`/vraag-en-aanbod/${postId}/reageren`, { message: 'Wij willen graag meedoen in Utrecht. Bel mij op 06-12345678.' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/vraag-en-aanbod/${postId}/gesprek/${s.users.coordinator.id}`);
    const [msg] = await t.db.select().from(boardMessages).where(eq(boardMessages.postId, postId));
    expect(msg).toMatchObject({ reactorId: s.users.coordinator.id, fromUserId: s.users.coordinator.id, readAt: null });
    const [mail] = await mailsTo(t, s.users.partner.email);
    expect(mail.kind).toBe('board_reaction');
    expect(mail.subject).toContain('Aanbod: gratis workshop');
    expect(mail.textBody).toContain('Koen Kartrekker (gemeente Utrecht)');
    expect(mail.textBody).toContain(`/vraag-en-aanbod/${postId}/gesprek/${s.users.coordinator.id}`);
    expect(mail.textBody).not.toContain('06-12345678');
    expect(await lastAudit(t, 'board_message')).toMatchObject({ action: 'create', actorUserId: s.users.coordinator.id });
    // The reactor sees the conversation; the post page now links to it instead of a new form.
    const conv = await coordinator.get(`/vraag-en-aanbod/${postId}/gesprek/${s.users.coordinator.id}`);
    expect(conv.statusCode).toBe(200);
    expect(conv.body).toContain('Bel mij op 06-12345678.');
    expect((await coordinator.get(`/vraag-en-aanbod/${postId}`)).body).toContain('Bekijk het gesprek');
  });

  it('the poster sees one unread reaction, reads it and answers; the coordinator gets an e-mail', async () => {
    const partner = await as(t, s.users.partner.email);
    const page = await partner.get(`/vraag-en-aanbod/${postId}`);
    expect(page.body).toContain('Koen Kartrekker');
    expect(page.body).toContain('<strong>1</strong>');
    const mine = await partner.get('/vraag-en-aanbod/mijn');
    expect(mine.body).toContain('U heeft 1 ongelezen bericht.');
    const conv = await partner.get(`/vraag-en-aanbod/${postId}/gesprek/${s.users.coordinator.id}`);
    expect(conv.body).toContain('Nieuw');
    const [read] = await t.db.select().from(boardMessages).where(eq(boardMessages.postId, postId));
    expect(read.readAt).not.toBeNull();
    const before = (await mailsTo(t, s.users.coordinator.email)).length;
    const res = await partner.post(`/vraag-en-aanbod/${postId}/gesprek/${s.users.coordinator.id}`, { message: 'Leuk! Ik bel u morgen.' });
    expect(res.statusCode).toBe(303);
    const mails = await mailsTo(t, s.users.coordinator.email);
    expect(mails.length).toBe(before + 1);
    expect(mails[0].kind).toBe('board_message');
    expect(mails[0].textBody).toContain('Petra Partner (Ouderenfonds)');
    expect((await partner.get('/vraag-en-aanbod/mijn')).body).toContain('U heeft geen ongelezen berichten.');
    expect((await (await as(t, s.users.coordinator.email)).get('/vraag-en-aanbod/mijn')).body).toContain('1 ongelezen');
  });

  it('a colleague of the poster (same organisation) can answer too', async () => {
    const colleague = await as(t, s.users.colleague.email);
    const conv = await colleague.get(`/vraag-en-aanbod/${postId}/gesprek/${s.users.coordinator.id}`);
    expect(conv.statusCode).toBe(200);
  });

  it('the poster marks the match with the coordinator: a board_matches row and the post is closed', async () => {
    const partner = await as(t, s.users.partner.email);
    const form = await partner.get(`/vraag-en-aanbod/${postId}/match`);
    expect(form.body).toContain('Koen Kartrekker (gemeente Utrecht)');
    const res = await partner.post(`/vraag-en-aanbod/${postId}/match`, { partner: `gebruiker-${s.users.coordinator.id}`, madeOn: today(), note: 'Workshop op 3 maart in de Jaarbeurs.' });
    expect(res.statusCode).toBe(303);
    const matches = await t.db.select().from(boardMatches).where(eq(boardMatches.postId, postId));
    expect(matches).toHaveLength(1);
    expect(matches[0]).toMatchObject({ partnerUserId: s.users.coordinator.id, madeOn: today(), note: 'Workshop op 3 maart in de Jaarbeurs.', createdBy: s.users.partner.id, deletedAt: null });
    expect((await postRow(postId)).status).toBe('matched');
    expect(await lastAudit(t, 'board_match')).toMatchObject({ action: 'create', entityId: String(matches[0].id) });
    // Off the board, but still reachable for the two sides.
    const handler = await as(t, s.users.handler.email);
    expect((await handler.get('/vraag-en-aanbod')).body).not.toContain('Aanbod: gratis workshop Signalen herkennen');
    expect((await handler.get(`/vraag-en-aanbod/${postId}`)).statusCode).toBe(404);
    const coordinator = await as(t, s.users.coordinator.email);
    expect((await coordinator.get(`/vraag-en-aanbod/${postId}`)).body).toContain('Match gemaakt');
  });

  it('a match in the future, or before the post was placed, is refused', async () => {
    const partner = await as(t, s.users.partner.email);
    for (const madeOn of [addDays(today(), 1), '2020-01-01']) {
      const res = await partner.post(`/vraag-en-aanbod/${postId}/match`, { partner: `gebruiker-${s.users.coordinator.id}`, madeOn });
      expect(res.statusCode).toBe(422);
      expect(res.body).toContain('href="#veld-madeOn"');
    }
    const res = await partner.post(`/vraag-en-aanbod/${postId}/match`, { partner: `gebruiker-${s.users.humanitas.id}`, madeOn: today() });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Kies iemand die op dit bericht heeft gereageerd');
    expect(await t.db.select().from(boardMatches).where(eq(boardMatches.postId, postId))).toHaveLength(1);
  });

  it('undoing the match soft-deletes it and reopens the post', async () => {
    const partner = await as(t, s.users.partner.email);
    const [m] = await t.db.select().from(boardMatches).where(eq(boardMatches.postId, postId));
    const other = await as(t, s.users.humanitas.email);
    expect((await other.post(`/vraag-en-aanbod/${postId}/match/${m.id}/ongedaan-maken`)).statusCode).toBe(404); // cannot even see the closed post
    const res = await partner.post(`/vraag-en-aanbod/${postId}/match/${m.id}/ongedaan-maken`);
    expect(res.statusCode).toBe(303);
    const [after] = await t.db.select().from(boardMatches).where(eq(boardMatches.id, m.id));
    expect(after.deletedAt).not.toBeNull();
    expect((await postRow(postId)).status).toBe('open');
    expect(await lastAudit(t, 'board_match')).toMatchObject({ action: 'delete', entityId: String(m.id) });
    // Another match, keeping the post open for more.
    await partner.post(`/vraag-en-aanbod/${postId}/match`, { partner: 'organisatie', organisationId: String(s.bibliotheek), madeOn: today(), keepOpen: 'ja' });
    expect((await postRow(postId)).status).toBe('open');
    expect(await t.db.select().from(boardMatches).where(and(eq(boardMatches.postId, postId), isNull(boardMatches.deletedAt)))).toHaveLength(1);
  });
});

describe('conversations are private to their two sides', () => {
  it('answers 404 to anyone else, the programme team included', async () => {
    const post = await insertPost(t, { kind: 'request', title: 'Gezocht: locatie voor een koffieochtend', organisationId: s.humanitas, postedBy: s.users.humanitas.id });
    const provider = await as(t, s.users.provider.email);
    await provider.post(`/vraag-en-aanbod/${post.id}/reageren`, { message: 'De bibliotheek heeft op dinsdag een zaal vrij.' });
    const url = `/vraag-en-aanbod/${post.id}/gesprek/${s.users.provider.id}`;
    expect((await provider.get(url)).statusCode).toBe(200);
    expect((await (await as(t, s.users.humanitas.email)).get(url)).statusCode).toBe(200);
    for (const who of [s.users.partner, s.users.admin, s.users.coordinator]) {
      const c = await as(t, who.email);
      const res = await c.get(url);
      expect(res.statusCode).toBe(404);
      expect(res.body).not.toContain('zaal vrij');
      expect((await c.post(url, { message: 'Ik lees mee' })).statusCode).toBe(404);
    }
    // A conversation that does not exist, even for the poster.
    expect((await (await as(t, s.users.humanitas.email)).get(`/vraag-en-aanbod/${post.id}/gesprek/${s.users.coordinator.id}`)).statusCode).toBe(404);
    expect(await t.db.select().from(boardMessages).where(eq(boardMessages.postId, post.id))).toHaveLength(1);
  });

  it('the poster cannot react to their own post', async () => {
    const post = await insertPost(t, { title: 'Eigen bericht', organisationId: s.humanitas, postedBy: s.users.humanitas.id });
    const res = await (await as(t, s.users.humanitas.email)).post(`/vraag-en-aanbod/${post.id}/reageren`, { message: 'Hallo' });
    expect(res.statusCode).toBe(403);
    expect(await t.db.select().from(boardMessages).where(eq(boardMessages.postId, post.id))).toHaveLength(0);
  });

  it('an empty or too long reaction is refused and nothing is sent', async () => {
    const post = await insertPost(t, { title: 'Nog een vraag', organisationId: s.humanitas, postedBy: s.users.humanitas.id });
    const c = await as(t, s.users.coordinator.email);
    const mails = (await mailsTo(t, s.users.humanitas.email)).length;
    const empty = await c.post(`/vraag-en-aanbod/${post.id}/reageren`, { message: '   ' });
    expect(empty.statusCode).toBe(422);
    expect(empty.body).toContain('Schrijf een bericht.');
    const long = await c.post(`/vraag-en-aanbod/${post.id}/reageren`, { message: 'x'.repeat(2001) });
    expect(long.statusCode).toBe(422);
    expect(long.body).toContain('Gebruik hoogstens 2000 tekens (nu 2001).');
    expect(long.body).toContain('x'.repeat(2001)); // kept
    expect(await t.db.select().from(boardMessages).where(eq(boardMessages.postId, post.id))).toHaveLength(0);
    expect((await mailsTo(t, s.users.humanitas.email)).length).toBe(mails);
  });
});

describe('search and expiry', () => {
  it('finds posts with Dutch stemming, filters by kind, theme, sector and region, and leaves expired posts out', async () => {
    const by = { postedBy: s.users.humanitas.id, organisationId: s.humanitas };
    const utrechtPv = (await t.db.execute<{ id: number }>(sql`select id from provinces where code = 'PV26'`)).rows[0].id;
    const a = await insertPost(t, { ...by, kind: 'request', title: 'Vrijwilliger gezocht voor de Week tegen Eenzaamheid', description: 'Voor een wandeling met ouderen.', themes: ['volunteers', 'week'], sectors: ['sport'], provinceId: utrechtPv });
    const b = await insertPost(t, { ...by, kind: 'offer', title: 'Landelijke campagne', description: 'Wij trainen vrijwilligers in heel Nederland.', themes: ['campaign'], sectors: ['media'] });
    const expired = await insertPost(t, { ...by, kind: 'request', title: 'Vrijwilligers voor een verlopen actie', themes: ['volunteers'], validUntil: addDays(today(), -1) });
    const withdrawn = await insertPost(t, { ...by, title: 'Vrijwilligers, ingetrokken', themes: ['volunteers'], status: 'withdrawn' });
    const ids = async (q: Parameters<typeof searchPosts>[1]) => (await searchPosts(t.db, q, today())).rows.map((r) => r.id);

    const found = await ids({ q: 'vrijwilligers' });
    expect(found).toContain(a.id); // "vrijwilligers" finds "Vrijwilliger" (stem)
    expect(found).toContain(b.id);
    expect(found).not.toContain(expired.id);
    expect(found).not.toContain(withdrawn.id);
    expect(found[0]).toBe(a.id); // title match (weight A) ranks first
    expect(await ids({ q: 'wandelingen' })).toEqual([a.id]);
    expect(await ids({ q: 'bakfiets' })).toEqual([]);
    expect(await ids({ q: 'vrijwilligers', kind: 'offer' })).toEqual([b.id]);
    expect(await ids({ q: 'vrijwilligers', themes: ['week'] })).toEqual([a.id]);
    expect(await ids({ q: 'vrijwilligers', sector: 'media' })).toEqual([b.id]);
    expect(await ids({ q: 'vrijwilligers', region: 'PV26' })).toEqual([a.id, b.id]); // the national post shows in every province
    expect(await ids({ q: 'vrijwilligers', region: 'PV27' })).toEqual([b.id]);
    expect(await ids({ q: 'vrijwilligers', region: 'national' })).toEqual([b.id]);
    const stop = await searchPosts(t.db, { q: 'de en het' }, today());
    expect(stop.termIgnored).toBe(true);
    expect(stop.total).toBeGreaterThan(2);

    // The same through the page, with Dutch query parameters.
    const c = await as(t, s.users.provider.email);
    const page = await c.get('/vraag-en-aanbod?q=vrijwilligers&soort=request');
    expect(page.body).toContain('Vrijwilliger gezocht voor de Week tegen Eenzaamheid');
    expect(page.body).not.toContain('Landelijke campagne');
    expect(page.body).not.toContain('verlopen actie');
    expect(page.body).toContain('1 bericht gevonden.');
  });

  it('an expired post is gone from the board, stays under "Mijn berichten" for its poster, and is 404 for others', async () => {
    const post = await insertPost(t, { title: 'Verlopen oproep voor mantelzorgers', organisationId: s.humanitas, postedBy: s.users.humanitas.id, validUntil: addDays(today(), -3) });
    const poster = await as(t, s.users.humanitas.email);
    const mine = await poster.get('/vraag-en-aanbod/mijn');
    expect(mine.body).toContain('Verlopen oproep voor mantelzorgers');
    expect(mine.body).toContain('Verlopen');
    expect((await poster.get(`/vraag-en-aanbod/${post.id}`)).statusCode).toBe(200);
    const other = await as(t, s.users.coordinator.email);
    expect((await other.get('/vraag-en-aanbod?q=mantelzorgers')).body).not.toContain('Verlopen oproep');
    expect((await other.get(`/vraag-en-aanbod/${post.id}`)).statusCode).toBe(404);
    expect((await other.post(`/vraag-en-aanbod/${post.id}/reageren`, { message: 'Nog actueel?' })).statusCode).toBe(404);
    // The poster is pointed to a new date; reopening a withdrawn, expired post needs one first.
    expect((await poster.get(`/vraag-en-aanbod/${post.id}`)).body).toContain('Kies een nieuwe datum');
    const withdrawn = await insertPost(t, { title: 'Ingetrokken en verlopen', organisationId: s.humanitas, postedBy: s.users.humanitas.id, validUntil: addDays(today(), -3), status: 'withdrawn' });
    const reopen = await poster.post(`/vraag-en-aanbod/${withdrawn.id}/heropenen`);
    expect(reopen.headers.location).toBe(`/vraag-en-aanbod/${withdrawn.id}/bewerken`);
    expect((await postRow(withdrawn.id)).status).toBe('withdrawn');
  });
});

describe('bad input changes nothing', () => {
  it('refuses a title that is too long, a date in the past and no theme, per field and in the summary, keeping the values', async () => {
    const partner = await as(t, s.users.partner.email);
    const before = await countPosts(t);
    const res = await partner.post('/vraag-en-aanbod/nieuw', postForm({ title: 'T'.repeat(121), validUntil: addDays(today(), -1), themes: [] }));
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Er zijn 3 fouten in het formulier');
    expect(res.body).toContain('href="#veld-title"');
    expect(res.body).toContain('Gebruik hoogstens 120 tekens (nu 121).');
    expect(res.body).toContain('href="#veld-validUntil"');
    expect(res.body).toContain('Kies een datum na vandaag');
    expect(res.body).toContain('href="#veld-themes"');
    expect(res.body).toContain('Kies ten minste één thema.');
    expect(res.body).toContain('T'.repeat(121)); // the title is kept
    expect(res.body).toContain('signalen van eenzaamheid herkennen'); // and the description
    expect(await countPosts(t)).toBe(before);
  });

  it('refuses a date too far ahead, today, a municipality outside the province and an unknown region', async () => {
    const partner = await as(t, s.users.partner.email);
    const before = await countPosts(t);
    expect((await partner.post('/vraag-en-aanbod/nieuw', postForm({ validUntil: addDays(today(), 367) }))).body).toContain('hoogstens 366 dagen');
    expect((await partner.post('/vraag-en-aanbod/nieuw', postForm({ validUntil: today() }))).statusCode).toBe(422);
    const wrong = await partner.post('/vraag-en-aanbod/nieuw', postForm({ region: 'PV27', municipalityId: String(s.utrecht) }));
    expect(wrong.statusCode).toBe(422);
    expect(wrong.body).toContain('Deze gemeente ligt niet in de gekozen provincie');
    expect((await partner.post('/vraag-en-aanbod/nieuw', postForm({ region: 'PV99' }))).statusCode).toBe(422);
    expect((await partner.post('/vraag-en-aanbod/nieuw', postForm({ onBehalf: `organisatie-${s.humanitas}` }))).body).toContain('Kies namens wie u dit bericht plaatst');
    expect(await countPosts(t)).toBe(before);
  });

  it('a coordinator whose municipality has no coalition is told so and cannot post', async () => {
    const c = await as(t, s.users.coordinatorAmsterdam.email);
    const page = await c.get('/vraag-en-aanbod/nieuw');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('staat nog niet in het platform');
    const before = await countPosts(t);
    const res = await c.post('/vraag-en-aanbod/nieuw', postForm({ onBehalf: `coalitie-${s.coalitionUtrecht}` }));
    expect(res.statusCode).toBe(422);
    expect(await countPosts(t)).toBe(before);
  });

  it('a coordinator posts on behalf of the local coalition, with the region of the municipality by default', async () => {
    const c = await as(t, s.users.coordinator.email);
    const page = await c.get('/vraag-en-aanbod/nieuw');
    expect(page.body).toContain('Utrecht tegen eenzaamheid (lokale coalitie)');
    expect(page.body).toMatch(/<option value="PV26" selected/);
    const res = await c.post('/vraag-en-aanbod/nieuw', postForm({ kind: 'request', title: 'Vrijwilligers gezocht voor de Week tegen Eenzaamheid in Utrecht', region: 'PV26', municipalityId: String(s.utrecht), onBehalf: `coalitie-${s.coalitionUtrecht}` }));
    expect(res.statusCode).toBe(303);
    const row = await postRow(idFrom(res.headers.location as string));
    expect(row).toMatchObject({ coalitionId: s.coalitionUtrecht, organisationId: null, municipalityId: s.utrecht });
  });
});

describe('who may do what', () => {
  let postId: number;
  beforeAll(async () => {
    postId = (await insertPost(t, { title: 'Gezocht: sprekers voor een webinar', organisationId: s.ouderenfonds, postedBy: s.users.partner.id })).id;
  });

  it('gives a user without roles 403 everywhere, and anonymous users the login page', async () => {
    const c = await as(t, s.users.noRole.email);
    for (const url of ['/vraag-en-aanbod', '/vraag-en-aanbod/nieuw', `/vraag-en-aanbod/${postId}`, '/vraag-en-aanbod/mijn', '/vraag-en-aanbod/interesses', '/api/v1/board/posts']) {
      expect((await c.get(url)).statusCode, url).toBe(403);
    }
    expect((await c.post('/vraag-en-aanbod/nieuw', postForm())).statusCode).toBe(403);
    const anon = await new TestClient(t.app).get('/vraag-en-aanbod');
    expect(anon.statusCode).toBe(302);
    expect(anon.headers.location).toMatch(/^\/inloggen/);
  });

  it('signal staff may browse and react but not post', async () => {
    const c = await as(t, s.users.handler.email);
    expect((await c.get('/vraag-en-aanbod')).body).not.toContain('Vraag of aanbod plaatsen');
    expect((await c.get('/vraag-en-aanbod/nieuw')).statusCode).toBe(403);
  });

  it('someone else may not edit, withdraw or mark a match (403), and nothing changes', async () => {
    const before = await postRow(postId);
    const c = await as(t, s.users.humanitas.email);
    expect((await c.get(`/vraag-en-aanbod/${postId}/bewerken`)).statusCode).toBe(403);
    expect((await c.post(`/vraag-en-aanbod/${postId}/bewerken`, postForm({ title: 'Overgenomen' }))).statusCode).toBe(403);
    expect((await c.post(`/vraag-en-aanbod/${postId}/intrekken`)).statusCode).toBe(403);
    expect((await c.get(`/vraag-en-aanbod/${postId}/match`)).statusCode).toBe(403);
    // The programme team moderates, but does not edit on a partner's behalf.
    expect((await (await as(t, s.users.admin.email)).post(`/vraag-en-aanbod/${postId}/bewerken`, postForm({ title: 'Overgenomen' }))).statusCode).toBe(403);
    expect(await postRow(postId)).toEqual(before);
  });

  it('the poster edits and withdraws; a colleague of the same organisation may too', async () => {
    const colleague = await as(t, s.users.colleague.email);
    const res = await colleague.post(`/vraag-en-aanbod/${postId}/bewerken`, postForm({ kind: 'request', title: 'Gezocht: sprekers voor een webinar over eenzaamheid' }));
    expect(res.statusCode).toBe(303);
    expect((await postRow(postId)).title).toBe('Gezocht: sprekers voor een webinar over eenzaamheid');
    expect(await lastAudit(t, 'board_post')).toMatchObject({ action: 'update', entityId: String(postId) });
    const partner = await as(t, s.users.partner.email);
    expect((await partner.post(`/vraag-en-aanbod/${postId}/intrekken`)).statusCode).toBe(303);
    expect((await postRow(postId)).status).toBe('withdrawn');
    expect(await lastAudit(t, 'board_post')).toMatchObject({ action: 'status_change' });
    expect((await partner.post(`/vraag-en-aanbod/${postId}/heropenen`)).statusCode).toBe(303);
    expect((await postRow(postId)).status).toBe('open');
  });

  it('only the programme team removes a post (soft delete, audit, e-mail to the poster)', async () => {
    const post = await insertPost(t, { title: 'Koop onze kerstpakketten', organisationId: s.humanitas, postedBy: s.users.humanitas.id });
    const [match] = await t.db.insert(boardMatches).values({ postId: post.id, partnerOrganisationId: s.bibliotheek, madeOn: today(), createdBy: s.users.humanitas.id }).returning();
    const partner = await as(t, s.users.partner.email);
    expect((await partner.get(`/vraag-en-aanbod/${post.id}/verwijderen`)).statusCode).toBe(403);
    expect((await partner.post(`/vraag-en-aanbod/${post.id}/verwijderen`, { reason: 'x' })).statusCode).toBe(403);
    expect((await postRow(post.id)).deletedAt).toBeNull();
    const admin = await as(t, s.users.admin.email);
    expect((await admin.get(`/vraag-en-aanbod/${post.id}`)).body).toContain('Moderatie (programmateam)');
    const res = await admin.post(`/vraag-en-aanbod/${post.id}/verwijderen`, { reason: 'Commercieel aanbod past niet bij het programma.' });
    expect(res.statusCode).toBe(303);
    expect((await postRow(post.id)).deletedAt).not.toBeNull();
    expect(await lastAudit(t, 'board_post')).toMatchObject({ action: 'delete', entityId: String(post.id), actorUserId: s.users.admin.id, details: { matchesRemoved: [match.id] } });
    expect((await t.db.select().from(boardMatches).where(eq(boardMatches.id, match.id)))[0].deletedAt).not.toBeNull(); // no longer counted as impact
    const [mail] = await mailsTo(t, s.users.humanitas.email);
    expect(mail.kind).toBe('board_post_removed');
    expect(mail.textBody).toContain('Commercieel aanbod past niet bij het programma.');
    expect((await admin.get(`/vraag-en-aanbod/${post.id}`)).statusCode).toBe(404);
    expect((await (await as(t, s.users.humanitas.email)).get(`/vraag-en-aanbod/${post.id}`)).statusCode).toBe(404);
  });

  it('answers 404 to ids that do not exist or are not numbers', async () => {
    const c = await as(t, s.users.partner.email);
    expect((await c.get('/vraag-en-aanbod/999999')).statusCode).toBe(404);
    expect((await c.get('/vraag-en-aanbod/abc')).statusCode).toBe(404);
    expect((await c.get('/vraag-en-aanbod/99999999999')).statusCode).toBe(404);
  });
});

describe('pages', () => {
  it('every board page has exactly one h1 and no inline styles or scripts', async () => {
    const post = await insertPost(t, { title: 'Gezocht: gastheren voor een ontmoetingsochtend', organisationId: s.ouderenfonds, postedBy: s.users.partner.id });
    const reactor = await as(t, s.users.provider.email);
    await reactor.post(`/vraag-en-aanbod/${post.id}/reageren`, { message: 'Wij doen mee.' });
    const partner = await as(t, s.users.partner.email);
    const admin = await as(t, s.users.admin.email);
    const pages: [TestClient, string][] = [
      [partner, '/vraag-en-aanbod'],
      [partner, '/vraag-en-aanbod?q=ontmoetingsochtend&thema=meeting&provincie=landelijk'],
      [partner, '/vraag-en-aanbod/nieuw'],
      [partner, `/vraag-en-aanbod/${post.id}`],
      [partner, `/vraag-en-aanbod/${post.id}/bewerken`],
      [partner, `/vraag-en-aanbod/${post.id}/intrekken`],
      [partner, `/vraag-en-aanbod/${post.id}/match`],
      [partner, `/vraag-en-aanbod/${post.id}/gesprek/${s.users.provider.id}`],
      [partner, '/vraag-en-aanbod/mijn'],
      [partner, '/vraag-en-aanbod/interesses'],
      [reactor, `/vraag-en-aanbod/${post.id}`],
      [admin, `/vraag-en-aanbod/${post.id}/verwijderen`],
    ];
    for (const [c, url] of pages) {
      const res = await c.get(url);
      expect(res.statusCode, url).toBe(200);
      expect(res.body.match(/<h1[\s>]/g), url).toHaveLength(1);
      expect(res.body, url).not.toMatch(/\sstyle=|<script>|<script [^>]*>[^<]/);
    }
  });
});

describe('search over more posts than are counted', () => {
  it('caps the count, ranks the newest matches, and pages through all of them newest first', async () => {
    const utrechtProvince = (await t.db.execute<{ id: number }>(sql`select id from provinces where code = 'PV26'`)).rows[0].id;
    await t.db.execute(sql`
      insert into board_posts (kind, title, description, themes, province_id, valid_until, organisation_id, posted_by)
      select 'offer', 'Aanbod: mantelzorgcafé ' || g, case when g % 2 = 0 then 'Voor mantelzorgers en hun naasten.' else 'Een café voor mantelzorgers.' end,
             array['meeting'], case when g % 3 = 0 then ${utrechtProvince}::int else null end, ${addDays(today(), 10)}::date, ${s.humanitas}::int, ${s.users.humanitas.id}::int
        from generate_series(1, 1100) g`);
    const r = await searchPosts(t.db, { q: 'mantelzorgers' }, today());
    expect(r).toMatchObject({ total: 1000, capped: true, rankedWindow: 300 });
    expect(r.rows).toHaveLength(20);
    const last = await searchPosts(t.db, { q: 'mantelzorgers', page: 15 }, today());
    expect(last.rows).toHaveLength(20);
    expect((await searchPosts(t.db, { q: 'mantelzorgers', page: 16 }, today())).rows).toHaveLength(0);
    const newest = await searchPosts(t.db, { q: 'mantelzorgers', sort: 'newest', page: 50 }, today());
    expect(newest.rankedWindow).toBeNull();
    expect(newest.rows).toHaveLength(20);
    const ids = (await searchPosts(t.db, { q: 'mantelzorgers', sort: 'newest' }, today())).rows.map((x) => x.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    const page = await (await as(t, s.users.coordinator.email)).get('/vraag-en-aanbod?q=mantelzorgers');
    expect(page.body).toContain('Meer dan 1.000 berichten gevonden. Hieronder de 300 nieuwste');
    expect(page.body).toContain('pagina 1 van 15');
  });
});

describe('export of the board (programme team)', () => {
  it('exports every post that was not removed, with status, dates, on whose behalf and the numbers of conversations and matches; no message texts; audit-logged', async () => {
    const matched = await insertPost(t, { kind: 'offer', title: 'Export: training gespreksvaardigheden', organisationId: s.ouderenfonds, postedBy: s.users.partner.id, status: 'matched', themes: ['volunteers', 'week'] });
    await t.db.insert(boardMessages).values([
      { postId: matched.id, reactorId: s.users.coordinator.id, fromUserId: s.users.coordinator.id, body: 'Geheime berichttekst van de coördinator' },
      { postId: matched.id, reactorId: s.users.coordinator.id, fromUserId: s.users.partner.id, body: 'Antwoord van de partner' },
      { postId: matched.id, reactorId: s.users.provider.id, fromUserId: s.users.provider.id, body: 'Tweede gesprek' },
    ]);
    await t.db.insert(boardMatches).values([
      { postId: matched.id, partnerUserId: s.users.coordinator.id, madeOn: addDays(today(), -2), createdBy: s.users.partner.id },
      { postId: matched.id, partnerUserId: s.users.provider.id, madeOn: addDays(today(), -1), createdBy: s.users.partner.id, deletedAt: new Date() },
    ]);
    const expired = await insertPost(t, { title: 'Export: verlopen vraag', coalitionId: s.coalitionUtrecht, postedBy: s.users.coordinator.id, validUntil: addDays(today(), -1) });
    await insertPost(t, { title: 'Export: verwijderd door moderatie', organisationId: s.humanitas, postedBy: s.users.humanitas.id, deletedAt: new Date() });

    for (const email of [s.users.partner.email, s.users.coordinator.email, s.users.handler.email]) {
      expect((await (await as(t, email)).get('/vraag-en-aanbod/export?formaat=csv')).statusCode).toBe(403);
    }
    const admin = await as(t, s.users.admin.email);
    expect((await admin.get('/vraag-en-aanbod')).body).toContain('href="/vraag-en-aanbod/export?formaat=csv"');
    expect((await (await as(t, s.users.partner.email)).get('/vraag-en-aanbod')).body).not.toContain('/vraag-en-aanbod/export');
    const res = await admin.get('/vraag-en-aanbod/export?formaat=csv');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toContain('vraag-en-aanbod');
    const lines = res.body.replace(/^\uFEFF/, '').trim().split(/\r?\n/);
    expect(lines[0]).toBe(
      'id,kind,kind_label,title,status,status_label,placed_on,last_changed_on,valid_until,on_behalf_of_type,on_behalf_of,on_behalf_of_municipality,region,themes,sectors,conversations,matches,last_match_on',
    );
    const line = (id: number) => lines.find((l) => l.startsWith(`${id},`))!;
    expect(line(matched.id)).toBe(
      `${matched.id},offer,Aanbod,Export: training gespreksvaardigheden,matched,Match gemaakt,${today()},${today()},${matched.validUntil},organisatie,Ouderenfonds,landelijk,landelijk,Vrijwilligers; Week tegen Eenzaamheid,,2,1,${addDays(today(), -2)}`,
    );
    expect(line(expired.id)).toContain(',expired,Verlopen,');
    expect(line(expired.id)).toContain(',lokale coalitie,Utrecht tegen eenzaamheid,Utrecht,');
    expect(res.body).not.toContain('Export: verwijderd door moderatie');
    for (const text of ['Geheime berichttekst', 'Antwoord van de partner', 'Omschrijving', s.users.partner.email]) expect(res.body).not.toContain(text);
    expect(await lastAudit(t, 'board_post')).toMatchObject({ action: 'export', actorUserId: s.users.admin.id, details: { format: 'csv', rows: lines.length - 1 } });
    const xlsx = await admin.get('/vraag-en-aanbod/export?formaat=xlsx');
    expect(xlsx.headers['content-type']).toContain('spreadsheetml');
  });
});

describe('rate limits on routes that can send interest mails', () => {
  it('limits editing and reopening a post per address, like posting', async () => {
    const post = await insertPost(t, { title: 'Bericht om te wijzigen', organisationId: s.ouderenfonds, postedBy: s.users.partner.id });
    const limited = await createTestApp({ database: t.database, env: { RATE_LIMIT_PER_MINUTE: '1' } }); // the mailing routes allow 30 a minute
    try {
      const partner = new TestClient(limited.app);
      await partner.login(s.users.partner.email);
      const before = await postRow(post.id);
      const edits: number[] = [];
      for (let i = 0; i < 31; i++) edits.push((await partner.post(`/vraag-en-aanbod/${post.id}/bewerken`, postForm({ title: '' }))).statusCode);
      expect(edits.slice(0, 30).every((c) => c === 422)).toBe(true);
      expect(edits[30]).toBe(429);
      const reopens: number[] = [];
      for (let i = 0; i < 31; i++) reopens.push((await partner.post(`/vraag-en-aanbod/${post.id}/heropenen`)).statusCode);
      expect(reopens.slice(0, 30).every((c) => c === 303)).toBe(true);
      expect(reopens[30]).toBe(429);
      expect(await postRow(post.id)).toEqual(before);
    } finally {
      await limited.close();
    }
  });
});
