import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { createTestApp, TestClient, type TestApp } from '../../../test/helpers/app.js';
import { createApiKey } from '../../platform/admin/apikeys-service.js';
import { seedDemo, DEMO_PASSWORD } from '../../demo/seed.js';
import { users } from '../../platform/db/schema.js';
import { addDays } from './posts-service.js';
import { boardInterests, boardMatches, boardMessages, boardPosts } from './schema.js';
import { seedBoardDemo } from './demo.js';
import { as, insertPost, setupBoard, today, type BoardSetup } from '../../../test/helpers/board.js';

/** The board's JSON API (session users only; API keys 403) and the demo seed. */

let t: TestApp;
let s: BoardSetup;
let open: number;
let expired: number;

beforeAll(async () => {
  t = await createTestApp();
  s = await setupBoard(t, 'api');
  open = (await insertPost(t, { kind: 'offer', title: 'Aanbod: vrijwilliger voor digicafé', description: 'Wij helpen senioren met hun telefoon.', themes: ['digital', 'volunteers'], sectors: ['culture'], organisationId: s.bibliotheek, postedBy: s.users.provider.id })).id;
  expired = (await insertPost(t, { title: 'Vrijwilligers voor een verlopen actie', themes: ['volunteers'], organisationId: s.humanitas, postedBy: s.users.humanitas.id, validUntil: addDays(today(), -2) })).id;
});
afterAll(() => t.close());

const getJson = async (c: TestClient, url: string) => {
  const res = await c.get(url);
  return { status: res.statusCode, body: res.json() };
};

describe('GET /api/v1/board/posts', () => {
  it('searches with Dutch stemming and the filters, for a logged-in user', async () => {
    const c = await as(t, s.users.coordinator.email);
    const r = await getJson(c, '/api/v1/board/posts?q=vrijwilligers');
    expect(r.status).toBe(200);
    expect(r.body.total).toBe(1);
    expect(r.body.totalIsLowerBound).toBe(false);
    expect(r.body.data[0]).toMatchObject({
      id: open,
      kind: 'offer',
      kindLabel: 'Aanbod',
      title: 'Aanbod: vrijwilliger voor digicafé',
      excerpt: 'Wij helpen senioren met hun telefoon.',
      themes: [
        { code: 'digital', label: 'Digitale inclusie' },
        { code: 'volunteers', label: 'Vrijwilligers' },
      ],
      region: { national: true, provinceCode: null },
      onBehalfOf: { type: 'organisation', name: 'Bibliotheek Utrecht' },
    });
    expect((await getJson(c, '/api/v1/board/posts?theme=week,youth')).body.total).toBe(0);
    expect((await getJson(c, '/api/v1/board/posts?theme=week,digital&kind=offer&province=PV26')).body.total).toBe(1);
    expect((await getJson(c, '/api/v1/board/posts?kind=request')).body.total).toBe(0);
  });

  it('answers 400 to bad parameters', async () => {
    const c = await as(t, s.users.coordinator.email);
    for (const q of ['theme=unknown', 'province=Utrecht', 'kind=gift', 'pageSize=1000', 'sector=bakery']) {
      const r = await getJson(c, `/api/v1/board/posts?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.error.code).toBe('validation_failed');
    }
  });

  it('gives API keys and users without a role 403, anonymous callers 401', async () => {
    const key = (await createApiKey(t.db, { name: 'Partner-app', organisationId: s.ouderenfonds, actions: ['registry:read', 'benchmark:read'], createdBy: s.users.admin.id })).raw;
    const viaKey = await t.app.inject({ method: 'GET', url: '/api/v1/board/posts', headers: { authorization: `Bearer ${key}` } });
    expect(viaKey.statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/board/posts/${open}`, headers: { authorization: `Bearer ${key}` } })).statusCode).toBe(403);
    expect((await getJson(await as(t, s.users.noRole.email), '/api/v1/board/posts')).status).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/board/posts' })).statusCode).toBe(401);
  });
});

describe('GET /api/v1/board/posts/{id}', () => {
  it('returns an open post with its description, and an expired post only to its side', async () => {
    const c = await as(t, s.users.coordinator.email);
    const r = await getJson(c, `/api/v1/board/posts/${open}`);
    expect(r.status).toBe(200);
    expect(r.body.data).toMatchObject({ id: open, description: 'Wij helpen senioren met hun telefoon.', status: 'open', statusLabel: 'Open', sectors: [{ code: 'culture', label: 'Cultuur' }] });
    expect((await getJson(c, `/api/v1/board/posts/${expired}`)).status).toBe(404);
    expect((await getJson(c, '/api/v1/board/posts/987654')).status).toBe(404);
    const poster = await as(t, s.users.humanitas.email);
    expect((await getJson(poster, `/api/v1/board/posts/${expired}`)).body.data.title).toBe('Vrijwilligers voor een verlopen actie');
  });

  it('is described in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/board/posts', '/api/v1/board/posts/{id}']));
  });
});

describe('seedBoardDemo', () => {
  it('seeds posts over 2021–now with matches, conversations and an interest, once', async () => {
    const demo = await createTestApp();
    try {
      // The demo seed runs seedBoardDemo after the coalitions; a second run adds nothing.
      await seedDemo(demo.db, { cipher: demo.ctx.cipher, baseUrl: 'http://localhost:3000' });
      expect(await seedBoardDemo(demo.db)).toEqual({ seeded: false, posts: 0 });
      const [stats] = (
        await demo.db.execute<{ posts: number; live: number; matched: number; years: number; first: number; matches: number }>(sql`
          select count(*)::int as posts,
                 (count(*) filter (where status = 'open' and valid_until >= ${today()}::date))::int as live,
                 (count(*) filter (where status = 'matched'))::int as matched,
                 count(distinct extract(year from created_at))::int as years,
                 min(extract(year from created_at))::int as first,
                 (select count(*)::int from ${boardMatches} where deleted_at is null and made_on <= ${today()}::date) as matches
            from ${boardPosts}`)
      ).rows;
      expect(stats.posts).toBeGreaterThanOrEqual(38);
      const [byCoalition] = (await demo.db.execute<{ n: number }>(sql`select count(*)::int as n from ${boardPosts} where coalition_id is not null`)).rows;
      expect(byCoalition.n).toBeGreaterThanOrEqual(10);
      expect(stats.live).toBeGreaterThanOrEqual(8);
      expect(stats.matched).toBeGreaterThanOrEqual(8);
      expect(stats.matches).toBeGreaterThanOrEqual(15);
      expect(stats.first).toBe(2021);
      expect(stats.years).toBeGreaterThanOrEqual(5);
      const [partner] = await demo.db.select().from(users).where(eq(users.email, 'partner@demo.example'));
      expect(await demo.db.select().from(boardInterests).where(eq(boardInterests.userId, partner.id))).toHaveLength(1);
      expect((await demo.db.select().from(boardMessages)).length).toBeGreaterThanOrEqual(5);
      // The demo partner logs in and finds the board, an unread reaction and the history.
      const c = new TestClient(demo.app);
      await c.login('partner@demo.example', DEMO_PASSWORD);
      const board = await c.get('/vraag-en-aanbod');
      expect(board.body).toContain('Vrijwilligers gezocht voor de Week tegen Eenzaamheid in Utrecht');
      const mine = await c.get('/vraag-en-aanbod/mijn');
      expect(mine.body).toContain('U heeft 1 ongelezen bericht.');
      expect(mine.body).toContain('Match gemaakt');
      expect(mine.body).toContain('Verlopen');
      expect(await demo.db.select().from(boardPosts).where(and(isNull(boardPosts.organisationId), isNull(boardPosts.coalitionId)))).toHaveLength(0);
    } finally {
      await demo.close();
    }
  });
});
