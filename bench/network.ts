/**
 * The programme's network (issue 5): the app runs as `serve` (demo data) on an embedded
 * PostgreSQL, and bench/network-data.ts adds five years of synthetic history in SQL. Each page
 * is requested one after the other after a warm-up, as the user who would open it:
 *
 *  - a municipality's timeline with 5,000 contact moments (Utrecht, its demo advisor) — target
 *    p95 < 100 ms; baseline: the hand-written SQL of the first timeline page;
 *  - board search over 50,000 posts with Dutch stemming (the demo partner) — target p95 < 50 ms;
 *    baseline: the hand-written full-text query;
 *  - the programme figures at a past date over five years of history (the programme team) —
 *    target < 200 ms; baseline: programmeFigures() called in the benchmark process.
 */
import { startBenchStack } from './lib.js';
import { HttpSession } from '../test/e2e/http.js';
import { generateNetworkData, type NetworkData } from './network-data.js';
import { timed, type TimedRun } from './benchmark-results.js';
import { programmeFigures } from '../src/modules/network/figures-service.js';

export interface NetworkBenchResult {
  data: NetworkData;
  timeline: TimedRun[];
  timelineBaseline: TimedRun;
  search: TimedRun[];
  searchBaseline: TimedRun;
  figures: TimedRun[];
  figuresBaseline: TimedRun;
}

const TIMELINE_SQL = `
  select cm.id, cm.occurred_on, cm.kind, cm.subject, cm.duration_minutes, cm.advisory
    from contact_moments cm
   where cm.municipality_id = $1 and cm.deleted_at is null
   order by cm.occurred_on desc, cm.id desc
   limit 25`;

const SEARCH_SQL = `
  select p.id, p.kind, p.title, left(p.description, 200), p.valid_until, ts_rank_cd(p.search, q) as rank
    from board_posts p, websearch_to_tsquery('dutch', $1) q
   where p.search @@ q and p.deleted_at is null and p.status = 'open' and p.valid_until >= current_date
   order by rank desc, p.created_at desc
   limit 20`;

export async function benchNetwork(opts: { requests?: number; warmup?: number; small?: boolean; log?: (s: string) => void } = {}): Promise<NetworkBenchResult> {
  const { requests = 100, warmup = 10, small = false, log = console.log } = opts;
  const { app, database, client, stop } = await startBenchStack('ete-bench-network-', log);
  try {
    const one = async <T>(q: string, params: unknown[] = []) => (await client.query(q, params)).rows[0] as T;
    const utrecht = await one<{ id: number }>("select id from municipalities where cbs_code = 'GM0344'");
    const advisor = await one<{ user_id: number }>("select ur.user_id from user_roles ur join users u on u.id = ur.user_id where ur.role = 'advisor' and ur.municipality_id = $1 order by u.email limit 1", [utrecht.id]);
    const advisorEmail = await one<{ email: string }>('select email from users where id = $1', [advisor.user_id]);
    const partner = await one<{ id: number }>("select id from users where email = 'partner@demo.example'");
    log(`  generating five years of network history${small ? ' (small)' : ''}…`);
    const data = await generateNetworkData(
      database.db,
      small
        ? { mainMunicipalityId: utrecht.id, advisorId: advisor.user_id, posterId: partner.id, contactMoments: 10_000, mainMoments: 1_000, posts: 10_000, matches: 1_000 }
        : { mainMunicipalityId: utrecht.id, advisorId: advisor.user_id, posterId: partner.id },
    );
    log(
      `  ${data.contactMoments} contact moments (${data.mainMoments} for Utrecht), ${data.posts} board posts (${data.openPosts} open), ${data.matches} matches, ` +
        `${data.coalitions} coalitions with ${data.coalitionMembers} memberships, ${data.nationalMembers} National Coalition members, ${data.collaborations} collaborations (${data.seconds} s)`,
    );

    const page = (s: HttpSession, url: string) => async () => {
      const r = await s.get(url);
      if (r.status !== 200) throw new Error(`${url}: ${r.status}`);
      return r.body.length;
    };
    const run = async (s: HttpSession, targets: [string, string][]) => {
      const runs: TimedRun[] = [];
      for (const [name, url] of targets) {
        const r = await timed(name, url, requests, warmup, page(s, url));
        log(`  ${name}: p50 ${r.p50} ms, p95 ${r.p95} ms, max ${r.max} ms (${Math.round(r.bytes / 1024)} kB)`);
        runs.push(r);
      }
      return runs;
    };
    const sql = (name: string, q: string, params: unknown[]) => timed(name, '(SQL)', requests, warmup, async () => (await client.query(q, params)).rowCount ?? 0);

    const adv = new HttpSession(app.baseUrl);
    await adv.login(advisorEmail.email, 'Demo-wachtwoord-2026');
    const timeline = await run(adv, [
      ['Timeline of Utrecht, first page', '/contactmomenten/gemeente/GM0344'],
      ['Timeline of Utrecht, page 100', '/contactmomenten/gemeente/GM0344?page=100'],
      ['Timeline API of Utrecht (JSON)', '/api/v1/contact-moments?municipality=GM0344'],
    ]);
    const timelineBaseline = await sql('Baseline: hand-written SQL of the first timeline page', TIMELINE_SQL, [utrecht.id]);
    log(`  ${timelineBaseline.name}: p50 ${timelineBaseline.p50} ms, p95 ${timelineBaseline.p95} ms`);

    const member = new HttpSession(app.baseUrl);
    await member.login('partner@demo.example', 'Demo-wachtwoord-2026');
    const search = await run(member, [
      ['Board search "vrijwilligers"', '/vraag-en-aanbod?q=vrijwilligers'],
      ['Board search "workshop signalen herkennen"', '/vraag-en-aanbod?q=workshop+signalen+herkennen'],
      ['Board search "maaltijd" with a theme filter', '/vraag-en-aanbod?q=maaltijd&thema=meeting'],
      ['Board, no search (newest first)', '/vraag-en-aanbod'],
      ['Board search API "ouderen"', '/api/v1/board/posts?q=ouderen'],
    ]);
    const searchBaseline = await sql('Baseline: hand-written full-text query "vrijwilligers"', SEARCH_SQL, ['vrijwilligers']);
    log(`  ${searchBaseline.name}: p50 ${searchBaseline.p50} ms, p95 ${searchBaseline.p95} ms`);

    const admin = new HttpSession(app.baseUrl);
    await admin.login('beheer@demo.example', 'Demo-wachtwoord-2026');
    const figures = await run(admin, [
      ['Programme figures at 2023-06-30', '/programmacijfers?datum=2023-06-30'],
      ['Programme figures today', '/programmacijfers'],
    ]);
    const figuresBaseline = await timed('Baseline: programmeFigures() at 2023-06-30 in the benchmark process', '(function)', requests, warmup, async () => {
      const f = await programmeFigures(database.db, '2023-06-30');
      return JSON.stringify(f).length;
    });
    log(`  ${figuresBaseline.name}: p50 ${figuresBaseline.p50} ms, p95 ${figuresBaseline.p95} ms`);
    return { data, timeline, timelineBaseline, search, searchBaseline, figures, figuresBaseline };
  } finally {
    await stop();
  }
}

if (process.argv[1]?.endsWith('network.ts')) {
  const quick = process.argv.includes('--quick');
  benchNetwork(quick ? { requests: 30, warmup: 5, small: true } : {})
    .then((r) => console.log(JSON.stringify({ data: r.data }, null, 2)))
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
