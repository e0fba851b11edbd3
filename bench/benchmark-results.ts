/**
 * The benchmark results pages with a large data set (issue 3): 10 editions × 350 municipalities
 * × 60 questions (bench/benchmark-data.ts). The app runs as `serve` on an embedded PostgreSQL
 * (demo data, then the synthetic editions 2040–2049). Each page is requested one at a time
 * (server-side time plus the loopback), after a warm-up; the baseline is a hand-written SQL
 * aggregate of the same edition (counts per question, row and option), timed on the same
 * PostgreSQL in the same run. The API's figures are checked against the baseline's first.
 */
import { HttpSession } from '../test/e2e/http.js';
import { generateBenchmarkData, type GeneratedData } from './benchmark-data.js';
import { percentile, round, startBenchStack } from './lib.js';

export interface TimedRun {
  name: string;
  url: string;
  requests: number;
  p50: number;
  p95: number;
  max: number;
  bytes: number;
}

export interface BenchmarkResultsResult {
  data: GeneratedData;
  runs: TimedRun[];
  baseline: TimedRun;
  baselineRows: number;
}

const BASELINE_SQL = `
  select a.question_id, a.row_code, a.option_code, count(*)::int as n
    from benchmark_questions q
    join benchmark_answers a on a.question_id = q.id
    join benchmark_responses r on r.id = a.response_id and r.status = 'submitted'
   where q.edition_id = (select id from benchmark_editions where year = $1 and deleted_at is null)
   group by 1, 2, 3`;

/** Runs `run` after a warm-up, one request at a time, and summarises the times. */
export async function timed(name: string, url: string, requests: number, warmup: number, run: () => Promise<number>): Promise<TimedRun> {
  for (let i = 0; i < warmup; i++) await run();
  const ms: number[] = [];
  let bytes = 0;
  for (let i = 0; i < requests; i++) {
    const t0 = performance.now();
    bytes = await run();
    ms.push(performance.now() - t0);
  }
  return { name, url, requests, p50: round(percentile(ms, 50)), p95: round(percentile(ms, 95)), max: round(Math.max(...ms)), bytes };
}

export async function benchBenchmarkResults(opts: { requests?: number; warmup?: number; log?: (s: string) => void } = {}): Promise<BenchmarkResultsResult> {
  const { requests = 100, warmup = 10, log = console.log } = opts;
  const { app, database, client, stop } = await startBenchStack('ete-bench-benchmark-', log);
  try {
    log('  generating 10 editions × 350 municipalities × 60 questions…');
    const data = await generateBenchmarkData(database.db, { log: () => undefined });
    log(`  ${data.responses} responses, ${data.answers} answer rows in ${data.seconds} s`);
    const year = data.years.at(-1)!;
    const prev = data.years.at(-2)!;

    const admin = new HttpSession(app.baseUrl);
    await admin.login('beheer@demo.example', 'Demo-wachtwoord-2026');
    const coordinator = new HttpSession(app.baseUrl);
    await coordinator.login('coordinator@demo.example', 'Demo-wachtwoord-2026');

    // The API's counts are the baseline's counts.
    const base = await client.query<{ question_id: number; row_code: string; option_code: string; n: number }>(BASELINE_SQL, [year]);
    const ids = await client.query<{ id: number; code: string }>('select q.id, q.code from benchmark_questions q join benchmark_editions e on e.id = q.edition_id where e.year = $1', [year]);
    const codeOf = new Map(ids.rows.map((r) => [r.id, r.code]));
    const api = JSON.parse((await admin.get(`/api/v1/benchmark/editions/${year}/results?compare=none`)).body) as {
      data: { questions: { current: { question: { code: string }; options: { code: string; count: number }[]; rows?: { code: string; options: { code: string; count: number }[] }[] } }[] };
    };
    const apiCount = new Map<string, number>();
    for (const q of api.data.questions) {
      for (const o of q.current.options) apiCount.set(`${q.current.question.code}||${o.code}`, o.count);
      for (const r of q.current.rows ?? []) for (const o of r.options) apiCount.set(`${q.current.question.code}|${r.code}|${o.code}`, o.count);
    }
    let checked = 0;
    for (const b of base.rows) {
      if (!b.option_code) continue; // numbers and texts: no option count
      const key = `${codeOf.get(b.question_id)}|${b.row_code}|${b.option_code}`;
      if (apiCount.get(key) !== b.n) throw new Error(`API and baseline differ for ${key}: ${apiCount.get(key)} vs ${b.n}`);
      checked++;
    }
    log(`  API figures equal the baseline's for ${checked} option counts`);

    const page = (s: HttpSession, url: string) => async () => {
      const r = await s.get(url);
      if (r.status !== 200) throw new Error(`${url}: ${r.status}`);
      return r.body.length;
    };
    const targets: [string, HttpSession, string][] = [
      [`National results page (compared with ${prev})`, admin, `/benchmark/${year}/resultaten`],
      ['National results page with the panel', admin, `/benchmark/${year}/resultaten?compare=${prev}&panel=true`],
      ["A municipality's dashboard (coordinator of Utrecht)", coordinator, `/benchmark/${year}/gemeenten/GM0344`],
      ['API: national results with the panel (JSON)', admin, `/api/v1/benchmark/editions/${year}/results?compare=${prev}&panel=true`],
    ];
    const runs: TimedRun[] = [];
    for (const [name, session, url] of targets) {
      const r = await timed(name, url, requests, warmup, page(session, url));
      log(`  ${name}: p50 ${r.p50} ms, p95 ${r.p95} ms, max ${r.max} ms (${Math.round(r.bytes / 1024)} kB)`);
      runs.push(r);
    }
    const baseline = await timed('Baseline: hand-written SQL aggregate of one edition', '(SQL)', requests, warmup, async () => (await client.query(BASELINE_SQL, [year])).rowCount ?? 0);
    log(`  ${baseline.name}: p50 ${baseline.p50} ms, p95 ${baseline.p95} ms`);
    return { data, runs, baseline, baselineRows: base.rowCount ?? 0 };
  } finally {
    await stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await benchBenchmarkResults(), null, 2));
}
