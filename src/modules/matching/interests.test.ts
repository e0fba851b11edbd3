import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import { outbox } from '../../platform/db/schema.js';
import { boardInterests, boardNotifications } from './schema.js';
import { notifyInterests } from './interests-service.js';
import { as, lastAudit, postForm, setupBoard, today, type BoardSetup } from '../../../test/helpers/board.js';

/**
 * Saved interests: the notification of a new matching post goes once to each interested user —
 * never to the poster or their colleagues, never twice (not on an edit, not on a rerun) — and
 * the interest screen itself (validation, own interests only).
 */

let t: TestApp;
let s: BoardSetup;
let pv: Record<string, number>;

beforeAll(async () => {
  t = await createTestApp();
  s = await setupBoard(t, 'in');
  pv = Object.fromEntries((await t.db.execute<{ code: string; id: number }>(sql`select code, id from provinces`)).rows.map((r) => [r.code, r.id]));
});
afterAll(() => t.close());

const interestMails = async () =>
  (await t.db.select().from(outbox).where(eq(outbox.kind, 'board_interest'))).map((m) => m.toAddress).sort();
const addInterest = (userId: number, themes: string[], provinceCode: string | null = null, kind: string | null = null) =>
  t.db.insert(boardInterests).values({ userId, themes, provinceId: provinceCode ? pv[provinceCode] : null, kind });

describe('notifications of new posts', () => {
  let postId: number;

  it('mails each matching user once, and not the poster, colleagues, other themes, kinds or provinces, or users without a role', async () => {
    await addInterest(s.users.coordinator.id, ['volunteers'], 'PV26'); // match: theme and province
    await addInterest(s.users.coordinator.id, ['week']); // a second matching interest: still one mail
    await addInterest(s.users.admin.id, ['week']); // match: all of the Netherlands
    await addInterest(s.users.humanitas.id, ['elderly']); // other theme
    await addInterest(s.users.handler.id, ['volunteers'], null, 'offer'); // other kind
    await addInterest(s.users.provider.id, ['volunteers'], 'PV27'); // other province
    await addInterest(s.users.partner.id, ['volunteers']); // the poster
    await addInterest(s.users.colleague.id, ['volunteers']); // the poster's colleague
    await addInterest(s.users.noRole.id, ['volunteers']); // no role: may not read the board

    const partner = await as(t, s.users.partner.email);
    const res = await partner.post('/vraag-en-aanbod/nieuw', postForm({ kind: 'request', title: 'Vrijwilligers gezocht voor de Week tegen Eenzaamheid in Utrecht', themes: ['volunteers', 'week'], region: 'PV26' }));
    expect(res.statusCode).toBe(303);
    postId = Number(/\d+$/.exec(res.headers.location as string)![0]);

    expect(await interestMails()).toEqual([s.users.admin.email, s.users.coordinator.email].sort());
    const [mail] = await t.db.select().from(outbox).where(and(eq(outbox.kind, 'board_interest'), eq(outbox.toAddress, s.users.coordinator.email)));
    expect(mail.subject).toBe('Nieuw op Vraag en aanbod: vraag "Vrijwilligers gezocht voor de Week tegen Eenzaamheid in Utrecht"');
    expect(mail.textBody).toContain(`/vraag-en-aanbod/${postId}`);
    expect(mail.textBody).toContain('/vraag-en-aanbod/interesses');
    const notes = await t.db.select().from(boardNotifications).where(eq(boardNotifications.postId, postId));
    expect(notes).toHaveLength(3); // one per matching interest
  });

  it('never mails twice: not after an edit, a withdraw and reopen, or a rerun', async () => {
    const partner = await as(t, s.users.partner.email);
    await partner.post(`/vraag-en-aanbod/${postId}/bewerken`, postForm({ kind: 'request', title: 'Vrijwilligers gezocht voor de Week tegen Eenzaamheid (Utrecht)', themes: ['volunteers', 'week'], region: 'PV26' }));
    await partner.post(`/vraag-en-aanbod/${postId}/intrekken`);
    await partner.post(`/vraag-en-aanbod/${postId}/heropenen`);
    expect(await notifyInterests(t.db, { helpdeskEmail: 'helpdesk@test.example', baseUrl: 'http://localhost' }, postId, today())).toEqual([]);
    expect(await interestMails()).toEqual([s.users.admin.email, s.users.coordinator.email].sort());
  });

  it('an edit that adds a theme notifies the newly matching interests only', async () => {
    await addInterest(s.users.humanitas.id, ['funding']);
    const partner = await as(t, s.users.partner.email);
    await partner.post(`/vraag-en-aanbod/${postId}/bewerken`, postForm({ kind: 'request', title: 'Vrijwilligers gezocht voor de Week tegen Eenzaamheid (Utrecht)', themes: ['volunteers', 'week', 'funding'], region: 'PV26' }));
    expect(await interestMails()).toEqual([s.users.admin.email, s.users.coordinator.email, s.users.humanitas.email].sort());
  });

  it('mails a user at most once per post: a second interest that only matches after a later edit is recorded, not mailed', async () => {
    const [second] = await addInterest(s.users.coordinator.id, ['knowledge']).returning();
    const mailsToCoordinator = async () => (await t.db.select().from(outbox).where(and(eq(outbox.kind, 'board_interest'), eq(outbox.toAddress, s.users.coordinator.email)))).length;
    const before = await mailsToCoordinator();
    const partner = await as(t, s.users.partner.email);
    const res = await partner.post(
      `/vraag-en-aanbod/${postId}/bewerken`,
      postForm({ kind: 'request', title: 'Vrijwilligers gezocht voor de Week tegen Eenzaamheid (Utrecht)', themes: ['volunteers', 'week', 'funding', 'knowledge'], region: 'PV26' }),
    );
    expect(res.statusCode).toBe(303);
    // The new interest's notification is recorded (so it never mails later either), but no second mail about this post.
    expect(await t.db.select().from(boardNotifications).where(and(eq(boardNotifications.interestId, second.id), eq(boardNotifications.postId, postId)))).toHaveLength(1);
    expect(await mailsToCoordinator()).toBe(before);
    expect(await interestMails()).toEqual([s.users.admin.email, s.users.coordinator.email, s.users.humanitas.email].sort());
  });

  it('a national post reaches interests in every province', async () => {
    const before = (await interestMails()).length;
    const humanitas = await as(t, s.users.humanitas.email);
    await humanitas.post('/vraag-en-aanbod/nieuw', postForm({ kind: 'offer', title: 'Aanbod: training voor vrijwilligers', themes: ['volunteers'], region: 'national' }));
    const mails = await interestMails();
    expect(mails.length).toBe(before + 5);
    for (const u of [s.users.provider, s.users.handler, s.users.partner, s.users.colleague, s.users.coordinator]) expect(mails).toContain(u.email);
    expect(mails.filter((m) => m === s.users.noRole.email)).toEqual([]);
  });
});

describe('the interests screen', () => {
  it('saves an interest, refuses no theme or a duplicate, and keeps the choices', async () => {
    const c = await as(t, s.users.provider.email);
    const page = await c.get('/vraag-en-aanbod/interesses');
    expect(page.statusCode).toBe(200);
    expect(page.body.match(/<h1/g)).toHaveLength(1);
    const count = async () => (await t.db.select().from(boardInterests).where(eq(boardInterests.userId, s.users.provider.id))).length;
    const before = await count();
    const none = await c.post('/vraag-en-aanbod/interesses', { kind: 'offer', region: 'PV26' });
    expect(none.statusCode).toBe(422);
    expect(none.body).toContain('href="#veld-themes"');
    expect(none.body).toMatch(/value="offer" checked/);
    expect(none.body).toMatch(/<option value="PV26" selected/);
    expect((await c.post('/vraag-en-aanbod/interesses', { themes: ['digital'], kind: 'both', region: 'PV99' })).statusCode).toBe(422);
    expect(await count()).toBe(before);
    expect((await c.post('/vraag-en-aanbod/interesses', { themes: ['digital', 'elderly'], kind: 'offer', region: 'PV26' })).statusCode).toBe(303);
    expect(await count()).toBe(before + 1);
    expect(await lastAudit(t, 'board_interest')).toMatchObject({ action: 'create', actorUserId: s.users.provider.id });
    const dup = await c.post('/vraag-en-aanbod/interesses', { themes: ['elderly', 'digital'], kind: 'offer', region: 'PV26' });
    expect(dup.statusCode).toBe(422);
    expect(dup.body).toContain('U heeft precies deze interesse al opgeslagen.');
    const list = await c.get('/vraag-en-aanbod/interesses');
    expect(list.body).toContain('Digitale inclusie, Ouderen');
    expect(list.body).toContain('Alleen aanbod');
  });

  it('deletes only your own interests; another user gets 404 and nothing is deleted', async () => {
    const [mine] = await t.db.select().from(boardInterests).where(eq(boardInterests.userId, s.users.provider.id)).orderBy(sql`id desc`).limit(1);
    const other = await as(t, s.users.humanitas.email);
    expect((await other.post(`/vraag-en-aanbod/interesses/${mine.id}/verwijderen`)).statusCode).toBe(404);
    expect(await t.db.select().from(boardInterests).where(eq(boardInterests.id, mine.id))).toHaveLength(1);
    const c = await as(t, s.users.provider.email);
    expect((await c.post(`/vraag-en-aanbod/interesses/${mine.id}/verwijderen`)).statusCode).toBe(303);
    expect(await t.db.select().from(boardInterests).where(eq(boardInterests.id, mine.id))).toHaveLength(0);
    expect(await lastAudit(t, 'board_interest')).toMatchObject({ action: 'delete', entityId: String(mine.id) });
  });

  it('is 403 for a user without a role', async () => {
    const c = await as(t, s.users.noRole.email);
    expect((await c.post('/vraag-en-aanbod/interesses', { themes: ['digital'], kind: 'both' })).statusCode).toBe(403);
  });
});
