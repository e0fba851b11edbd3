import fs from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import { and, eq, isNull } from 'drizzle-orm';
import { startEmbedded } from '../src/platform/db/embedded.js';
import { openDatabase } from '../src/platform/db/index.js';
import { users } from '../src/platform/db/schema.js';
import { organisations } from '../src/modules/registry/schema.js';
import { createApiKey } from '../src/platform/admin/apikeys-service.js';
import { buildBundle, freePort, serverEnv, spawnCli, tempDir, waitForOk } from '../test/e2e/process.js';
import { HttpSession } from '../test/e2e/http.js';
import { appPid, percentile, round, rssMb, startWorkerServer } from './lib.js';

export interface LoadRun {
  name: string;
  url: string;
  requests: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  /** For repeated runs: the p95 of each run (the reported run is the median one). */
  p95Runs?: number[];
}

export interface LoadResult {
  query: string;
  rows: number;
  connections: number;
  seconds: number;
  runs: LoadRun[];
  fixedRate?: LoadRun[];
  rssMb: { idleAfterStart: number; afterLoad: number; idleAfterLoad: number };
}

function summarise(name: string, url: string, latencies: number[], seconds: number, non2xx: number, errors: number): LoadRun {
  return {
    name,
    url: url.replace(/^http:\/\/127\.0\.0\.1:\d+/, ''),
    requests: latencies.length,
    rps: round(latencies.length / seconds, 0),
    p50: round(percentile(latencies, 50)),
    p95: round(percentile(latencies, 95)),
    p99: round(percentile(latencies, 99)),
    max: round(Math.max(...latencies)),
    non2xx,
    errors,
  };
}

/** Runs autocannon and computes the latency percentiles from every response. */
async function load(name: string, url: string, headers: Record<string, string>, seconds: number, connections: number): Promise<LoadRun> {
  const latencies: number[] = [];
  let non2xx = 0;
  const instance = autocannon({ url, headers, connections, duration: seconds, timeout: 10 });
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    latencies.push(ms);
    if (status < 200 || status > 299) non2xx++;
  });
  const result = await instance;
  return summarise(name, url, latencies, seconds, non2xx, result.errors + result.timeouts);
}

/**
 * `clients` independent clients, each sending one request every 1/`perClientRate` s (with ±25 %
 * jitter, starting at random offsets), for `seconds`: an even load, unlike autocannon's
 * overallRate, which sends each second's requests in one burst.
 */
async function steady(name: string, url: string, headers: Record<string, string>, seconds: number, clients: number, perClientRate: number): Promise<LoadRun> {
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  const period = 1000 / perClientRate;
  const end = performance.now() + seconds * 1000;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
  await Promise.all(
    Array.from({ length: clients }, async () => {
      let next = performance.now() + Math.random() * period;
      for (;;) {
        await sleep(next - performance.now());
        if (performance.now() >= end) return;
        const t0 = performance.now();
        try {
          const res = await fetch(url, { headers });
          await res.arrayBuffer();
          latencies.push(performance.now() - t0);
          if (res.status < 200 || res.status > 299) non2xx++;
        } catch {
          errors++;
        }
        next += period * (0.75 + Math.random() * 0.5);
      }
    }),
  );
  return summarise(name, url, latencies, seconds, non2xx, errors);
}

async function startBaseline(databaseUrl: string): Promise<{ url: string; stop(): Promise<void> }> {
  const b = await startWorkerServer(new URL('./baseline-server.mjs', import.meta.url), databaseUrl);
  return { url: `${b.address}`, stop: b.stop };
}

/**
 * (b) The municipality search under load, 50 connections: the admin page (HTML, session), the
 * API (API key) and the baseline (bare Fastify + one SQL query), all on one PostgreSQL.
 * (c) The app's RSS after start-up and after the load.
 */
export async function benchList(opts: { seconds?: number; warmup?: number; connections?: number; repeats?: number; query?: string; log?: (s: string) => void } = {}): Promise<LoadResult> {
  const { seconds = 15, warmup = 4, connections = 50, repeats = 3, query = 'ge', log = console.log } = opts;
  buildBundle(); // the app runs as npm start runs it: dist/main.mjs
  const dir = tempDir('ete-bench-load-');
  const pgServer = await startEmbedded(dir); // as root, PostgreSQL runs as "postgres": the dir itself must be reachable
  const port = await freePort();
  // The app on the same PostgreSQL as the baseline (DATABASE_URL), as in production; request
  // log at the default level "info", written to /dev/null.
  const app = spawnCli(['serve'], serverEnv(path.join(dir, 'unused'), port, { DATABASE_URL: pgServer.url, LOG_LEVEL: 'info' }), port, { quiet: true, bundle: true });
  let baseline: Awaited<ReturnType<typeof startBaseline>> | null = null;
  const database = openDatabase(pgServer.url, { max: 2 });
  try {
    await waitForOk(`${app.baseUrl}/ready`, app, 120_000);
    const pid = appPid(app.child.pid!);

    // A session of the programme admin, and an API key.
    const web = new HttpSession(app.baseUrl);
    await web.login('beheer@demo.example', 'Demo-wachtwoord-2026');
    const cookie = [...web.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const [admin] = await database.db.select().from(users).where(eq(users.email, 'beheer@demo.example'));
    const [org] = await database.db.select().from(organisations).where(isNull(organisations.deletedAt)).limit(1);
    const key = await createApiKey(database.db, { name: 'benchmark', organisationId: org.id, actions: ['registry:read'], createdBy: admin.id });

    baseline = await startBaseline(pgServer.url);
    const q = encodeURIComponent(query);
    const targets: { name: string; url: string; headers: Record<string, string> }[] = [
      { name: 'Admin page (HTML)', url: `${app.baseUrl}/beheer/gemeenten?q=${q}`, headers: { cookie } },
      { name: 'API /api/v1', url: `${app.baseUrl}/api/v1/municipalities?q=${q}&pageSize=25`, headers: { authorization: `Bearer ${key.raw}` } },
      { name: 'Baseline: bare Fastify + 1 SQL query', url: `${baseline.url}/baseline/municipalities?q=${q}&pageSize=25`, headers: {} },
    ];

    // The same rows: the API and the baseline agree, and the page shows them.
    const apiRows = ((await (await fetch(targets[1].url, { headers: targets[1].headers })).json()) as { data: { cbsCode: string }[] }).data;
    const baseRows = ((await (await fetch(targets[2].url)).json()) as { data: { cbsCode: string }[] }).data;
    const page = await (await fetch(targets[0].url, { headers: targets[0].headers })).text();
    if (JSON.stringify(apiRows.map((r) => r.cbsCode)) !== JSON.stringify(baseRows.map((r) => r.cbsCode))) throw new Error('API and baseline return different rows');
    for (const r of baseRows) if (!page.includes(r.cbsCode)) throw new Error(`page lacks ${r.cbsCode}`);
    log(`  search "${query}": ${baseRows.length} rows on the first page`);

    await new Promise((r) => setTimeout(r, 3000));
    const idleAfterStart = rssMb(pid);
    log(`  app RSS idle after start-up: ${idleAfterStart} MB`);

    const runs: LoadRun[] = [];
    for (const t of targets) {
      await load(t.name, t.url, t.headers, warmup, connections); // warm-up (JIT, pools)
      const r = await load(t.name, t.url, t.headers, seconds, connections);
      log(`  ${t.name}: ${r.rps} req/s, p50 ${r.p50} ms, p95 ${r.p95} ms, p99 ${r.p99} ms, non-2xx ${r.non2xx}, errors ${r.errors}`);
      runs.push(r);
    }
    // 50 clients at a steady pace instead of as fast as possible: 1 and 2 requests per second
    // each (people using an admin screen make far fewer). Short hiccups of a shared machine move
    // a p95 a lot, so each is run `repeats` times and the run with the median p95 is reported.
    await new Promise((r) => setTimeout(r, 5000)); // let PostgreSQL settle after the saturation runs
    const fixedRate: LoadRun[] = [];
    for (const rate of [connections, connections * 2]) {
      for (const t of targets.slice(0, 2)) {
        const tries: LoadRun[] = [];
        for (let i = 0; i < repeats; i++) tries.push(await steady(`${t.name}, ${connections} clients × ${rate / connections}/s`, t.url, t.headers, seconds, connections, rate / connections));
        tries.sort((a, b) => a.p95 - b.p95);
        const r = { ...tries[Math.floor(tries.length / 2)], p95Runs: tries.map((x) => x.p95) };
        log(`  ${r.name}: p50 ${r.p50} ms, p95 ${r.p95} ms (runs: ${r.p95Runs.join(', ')}), p99 ${r.p99} ms, non-2xx ${r.non2xx}, errors ${r.errors}`);
        fixedRate.push(r);
      }
    }
    const afterLoad = rssMb(pid);
    await new Promise((r) => setTimeout(r, 10_000));
    const idleAfterLoad = rssMb(pid);
    log(`  app RSS right after the load: ${afterLoad} MB; 10 s later: ${idleAfterLoad} MB`);
    return { query, rows: baseRows.length, connections, seconds, runs, fixedRate, rssMb: { idleAfterStart, afterLoad, idleAfterLoad } };
  } finally {
    await baseline?.stop();
    await database.close();
    const s = await app.stop();
    if (s.code !== 0) log(`  warning: app exited with ${s.code}`);
    await pgServer.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
