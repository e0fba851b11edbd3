/**
 * Signal intake through the partner API (issue 4): POST /api/v1/signals with an API key and an
 * Idempotency-Key, on this machine, against a bare Fastify + PostgreSQL insert endpoint
 * (bench/baseline-insert-server.mjs) measured in the same run on the same PostgreSQL.
 *
 *  1. Steady load: 500 signals/s (even arrivals from 50 clients on keep-alive node:http connections) for `seconds`: achieved rate,
 *     p50/p95/p99 — the target is ≥ 500/s with p99 < 100 ms. The same for the baseline.
 *  2. Maximum throughput: autocannon, 20 connections, unique keys: requests/s of the app and of
 *     the baseline, and their ratio.
 *  3. Crash: the steady load runs while the app process is killed with SIGKILL and restarted.
 *     Every signal that got a 201/200 must be in the database afterwards; requests that failed
 *     during the outage are retried with the same Idempotency-Key (a replay answers 200 with
 *     Idempotent-Replayed: true when the first attempt had been stored after all).
 *
 * The app runs as `serve` (not in demo mode, no job queue) on an embedded PostgreSQL that the
 * bench owns, so killing the app does not kill the database.
 */
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { eq } from 'drizzle-orm';
import { startEmbedded } from '../src/platform/db/embedded.js';
import { openDatabase, type Db } from '../src/platform/db/index.js';
import { runMigrations } from '../src/platform/db/migrate.js';
import { readShippedMunicipalities, readShippedProvinces, syncReferenceMunicipalities } from '../src/modules/registry/service.js';
import { municipalities, neighbourhoods, organisations } from '../src/modules/registry/schema.js';
import { postcodeAreas, signalPoints } from '../src/modules/signals/schema.js';
import { createApiKey } from '../src/platform/admin/apikeys-service.js';
import { buildBundle, freePort, serverEnv, spawnCli, tempDir, waitForOk, type ServerProcess } from '../test/e2e/process.js';
import { appPid, leanClient, percentile, round, startWorkerServer } from './lib.js';

export interface IntakeRun {
  name: string;
  target: string;
  seconds: number;
  sent: number;
  ok: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  failed: number;
}

export interface CrashResult {
  seconds: number;
  killedAtS: number;
  downMs: number;
  answeredOk: number;
  failedDuringOutage: number;
  retriedStored: number;
  retriedReplayed: number;
  inDatabase: number;
  missing: number;
}

export interface SignalIntakeResult {
  postcodes: number;
  steady: IntakeRun[];
  max: { app: number; baseline: number; appP99: number; baselineP99: number; connections: number; seconds: number };
  crash: CrashResult;
}

const RATE = 500;
const CLIENTS = 50;
const SIGNS = ['rarely_outside', 'no_visitors', 'says_lonely', 'post_piling_up', 'no_network'];

let counter = 0;
/** A deliverer's signal as a partner app sends it: postcode, house number and signs. */
function body(postcodes: string[]) {
  counter++;
  return {
    signallerType: 'deliverer',
    postcode: postcodes[counter % postcodes.length],
    houseNumber: 1 + (counter % 180),
    signs: [SIGNS[counter % SIGNS.length], SIGNS[(counter + 2) % SIGNS.length]],
    story: 'Bezorger: mevrouw doet al dagen niet open en de post stapelt zich op.',
  };
}

interface Sent {
  key: string;
  payload: string;
  status: number;
  reference?: string;
}

/**
 * `CLIENTS` clients, each posting every CLIENTS/rate s (±25 % jitter, random start), for
 * `seconds`. Every response is kept (key, status, reference) so the crash test can check them.
 */
async function steady(target: string, url: string, headers: Record<string, string>, seconds: number, postcodes: string[], onTick?: (elapsedMs: number) => void) {
  const latencies: number[] = [];
  const sent: Sent[] = [];
  const failed: Sent[] = [];
  const period = (1000 * CLIENTS) / RATE;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
  const ticker = onTick ? setInterval(() => onTick(performance.now() - t0), 100) : null;
  const client = leanClient(CLIENTS);
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      let next = performance.now() + Math.random() * period;
      let i = 0;
      for (;;) {
        await sleep(next - performance.now());
        if (performance.now() >= end) return;
        const key = `bench-${target}-${c}-${i++}-${Math.random().toString(36).slice(2, 10)}`;
        const payload = JSON.stringify(body(postcodes));
        const s: Sent = { key, payload, status: 0 };
        const start = performance.now();
        try {
          const { status, text } = await client.post(url, { ...headers, 'content-type': 'application/json', 'idempotency-key': key }, payload);
          s.status = status;
          if (status === 201 || status === 200) {
            latencies.push(performance.now() - start);
            try {
              s.reference = (JSON.parse(text) as { reference?: string }).reference;
            } catch {
              /* baseline answers {id} */
            }
            sent.push(s);
          } else failed.push(s);
        } catch {
          failed.push(s);
        }
        next += period * (0.75 + Math.random() * 0.5);
      }
    }),
  );
  if (ticker) clearInterval(ticker);
  client.close();
  const elapsed = (performance.now() - t0) / 1000;
  const run: IntakeRun = {
    name: '',
    target,
    seconds,
    sent: sent.length + failed.length,
    ok: sent.length,
    rps: round(sent.length / elapsed),
    p50: round(percentile(latencies, 50)),
    p95: round(percentile(latencies, 95)),
    p99: round(percentile(latencies, 99)),
    max: round(Math.max(0, ...latencies)),
    failed: failed.length,
  };
  return { run, sent, failed };
}

async function maxThroughput(url: string, headers: Record<string, string>, seconds: number, connections: number, postcodes: string[]) {
  const latencies: number[] = [];
  let n = 0;
  const instance = autocannon({
    url,
    connections,
    duration: seconds,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        setupRequest: (req: Record<string, unknown>) => ({
          ...req,
          headers: { ...headers, 'content-type': 'application/json', 'idempotency-key': `max-${Date.now()}-${n++}-${Math.random()}` },
          body: JSON.stringify(body(postcodes)),
        }),
      },
    ],
  } as never);
  let ok = 0;
  (instance as unknown as { on: (e: string, f: (...a: unknown[]) => void) => void }).on('response', (_c: unknown, status: unknown, _b: unknown, ms: unknown) => {
    if (status === 201 || status === 200) {
      ok++;
      latencies.push(ms as number);
    }
  });
  await instance;
  return { rps: round(ok / seconds), p99: round(percentile(latencies, 99)) };
}

async function startBaseline(databaseUrl: string): Promise<{ url: string; stop(): Promise<void> }> {
  const b = await startWorkerServer(new URL('./baseline-insert-server.mjs', import.meta.url), databaseUrl);
  return { url: `${b.address}/baseline/signals`, stop: b.stop };
}

/** Utrecht with one signal point and `count` postcodes in the table; an API key with signals:submit. */
async function prepare(db: Db, count: number): Promise<{ key: string; postcodes: string[] }> {
  await syncReferenceMunicipalities(db, readShippedMunicipalities(), { complete: false, asOf: '2025-01-01', provinces: readShippedProvinces() });
  const [m] = await db.select({ id: municipalities.id }).from(municipalities).where(eq(municipalities.cbsCode, 'GM0344'));
  const [org] = await db.insert(organisations).values({ name: 'Welzijn Utrecht (bench)', kind: 'welfare', municipalityId: m.id }).returning({ id: organisations.id });
  const [partner] = await db.insert(organisations).values({ name: 'Pakketdienst (bench)', kind: 'business' }).returning({ id: organisations.id });
  const [nb] = await db.insert(neighbourhoods).values({ code: 'BU03449999', kind: 'neighbourhood', name: 'Benchwijk', municipalityId: m.id }).returning({ id: neighbourhoods.id });
  await db.insert(signalPoints).values({ municipalityId: m.id, organisationId: org.id, name: 'Signaalpunt Utrecht', isDefault: true });
  const postcodes: string[] = [];
  for (let i = 0; i < count; i++) postcodes.push(`${3500 + Math.floor(i / 26)}${String.fromCharCode(65 + (i % 26))}${String.fromCharCode(65 + ((i * 7) % 26))}`);
  for (let i = 0; i < postcodes.length; i += 500) {
    await db
      .insert(postcodeAreas)
      .values(postcodes.slice(i, i + 500).map((postcode) => ({ postcode, municipalityId: m.id, neighbourhoodId: nb.id, source: 'cbs', addressCount: 20 })))
      .onConflictDoNothing();
  }
  const { raw } = await createApiKey(db, { name: 'Bezorgersapp (bench)', organisationId: partner.id, actions: ['signals:submit'], createdBy: 0 });
  return { key: raw, postcodes };
}

export async function benchSignalIntake(opts: { seconds?: number; log?: (s: string) => void } = {}): Promise<SignalIntakeResult> {
  const { seconds = 20, log = console.log } = opts;
  buildBundle(); // the app runs as npm start runs it: dist/main.mjs
  const dir = tempDir('ete-bench-intake-');
  const pgServer = await startEmbedded(dir);
  const database = openDatabase(pgServer.url, { max: 2 });
  const client = new pg.Client({ connectionString: pgServer.url });
  const port = await freePort();
  const env = serverEnv(path.join(dir, 'unused'), port, {
    DATABASE_URL: pgServer.url,
    DEMO_MODE: 'false',
    JOBS: 'false',
    LOG_LEVEL: 'warn',
    SESSION_SECRET: 'bench-session-secret-0123456789abcdef0123456789',
    ENCRYPTION_KEY: Buffer.alloc(32, 42).toString('base64'),
    SIGNAL_API_RATE_LIMIT_PER_MINUTE: '1000000',
    // For experiments with the app's V8 flags (e.g. --max-semi-space-size=64), not the bench's own.
    ...(process.env.APP_NODE_OPTIONS ? { NODE_OPTIONS: process.env.APP_NODE_OPTIONS } : {}),
  });
  let app: ServerProcess = spawnCli(['serve'], env, port, { quiet: true, bundle: true });
  const baseline = await (async () => {
    await runMigrations(database.pool);
    return startBaseline(pgServer.url);
  })();
  try {
    await waitForOk(`${app.baseUrl}/ready`, app, 120_000);
    const { key, postcodes } = await prepare(database.db, 2000);
    log(`  ${postcodes.length} postcodes routed to one signal point; API key with signals:submit`);
    const auth = { authorization: `Bearer ${key}` };
    const appUrl = `${app.baseUrl}/api/v1/signals`;
    await client.connect();

    // Warm-up (JIT, connection pools) for both.
    await steady('warmup', appUrl, auth, 3, postcodes);
    await steady('warmup-base', baseline.url, {}, 3, postcodes);

    const steadyRuns: IntakeRun[] = [];
    for (const [name, target, url, headers] of [
      ['App: POST /api/v1/signals', 'app', appUrl, auth],
      ['Baseline: bare Fastify + PostgreSQL insert', 'baseline', baseline.url, {}],
    ] as const) {
      const r = await steady(target, url, headers, seconds, postcodes);
      r.run.name = name;
      steadyRuns.push(r.run);
      log(`  ${name} at ${RATE}/s: ${r.run.rps}/s answered, p50 ${r.run.p50} ms, p95 ${r.run.p95} ms, p99 ${r.run.p99} ms, failed ${r.run.failed}`);
    }

    const connections = 20;
    const maxSeconds = Math.max(8, Math.round(seconds / 2));
    const appMax = await maxThroughput(appUrl, auth, maxSeconds, connections, postcodes);
    const baseMax = await maxThroughput(baseline.url, {}, maxSeconds, connections, postcodes);
    log(`  maximum: app ${appMax.rps}/s (p99 ${appMax.p99} ms), baseline ${baseMax.rps}/s (p99 ${baseMax.p99} ms), ratio ${round(appMax.rps / baseMax.rps, 2)}`);

    // Crash: SIGKILL the app process a third of the way in, restart it on the same port.
    const killAt = Math.round((seconds * 1000) / 3);
    let killedAt = 0;
    let killedAtAbs = 0;
    let upAgainAt = 0;
    let restarting: Promise<void> | null = null;
    const crash = await steady('crash', appUrl, auth, seconds, postcodes, (elapsed) => {
      if (restarting || elapsed < killAt) return;
      killedAt = elapsed;
      killedAtAbs = performance.now();
      const pid = appPid(app.child.pid!);
      process.kill(pid, 'SIGKILL');
      if (pid !== app.child.pid) app.child.kill('SIGKILL');
      restarting = (async () => {
        await app.exited;
        app = spawnCli(['serve'], env, port, { quiet: true, bundle: true });
        await waitForOk(`${app.baseUrl}/ready`, app, 120_000);
        upAgainAt = performance.now();
      })();
    });
    await restarting;
    const downMs = upAgainAt ? round(upAgainAt - killedAtAbs, 0) : 0;
    // Requests that failed during the outage are retried with the same key.
    let retriedStored = 0;
    let retriedReplayed = 0;
    for (const f of crash.failed) {
      const res = await fetch(appUrl, { method: 'POST', headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': f.key }, body: f.payload });
      const j = (await res.json()) as { reference?: string };
      if (res.status === 201) retriedStored++;
      else if (res.status === 200 && res.headers.get('idempotent-replayed') === 'true') retriedReplayed++;
      else throw new Error(`retry of ${f.key}: ${res.status}`);
      crash.sent.push({ ...f, status: res.status, reference: j.reference });
    }
    const refs = crash.sent.map((s) => s.reference).filter((r): r is string => !!r);
    const found = await client.query<{ n: number }>('select count(*)::int as n from signals where reference = any($1::text[])', [refs]);
    const result: CrashResult = {
      seconds,
      killedAtS: round(killedAt / 1000),
      downMs,
      answeredOk: crash.run.ok,
      failedDuringOutage: crash.failed.length,
      retriedStored,
      retriedReplayed,
      inDatabase: found.rows[0].n,
      missing: refs.length - found.rows[0].n,
    };
    log(
      `  crash: killed at ${result.killedAtS} s, back after ${result.downMs} ms; ${result.answeredOk} answered OK, ${result.failedDuringOutage} failed and were retried ` +
        `(${retriedStored} stored on retry, ${retriedReplayed} had been stored already); ${result.inDatabase} of ${refs.length} in the database, missing ${result.missing}`,
    );
    return { postcodes: postcodes.length, steady: steadyRuns, max: { app: appMax.rps, baseline: baseMax.rps, appP99: appMax.p99, baselineP99: baseMax.p99, connections, seconds: maxSeconds }, crash: result };
  } finally {
    await client.end().catch(() => undefined);
    await baseline.stop().catch(() => undefined);
    await app.stop(5000).catch(() => undefined);
    await database.close().catch(() => undefined);
    await pgServer.stop().catch(() => undefined);
  }
}

if (process.argv[1]?.endsWith('signal-intake.ts')) {
  benchSignalIntake({ seconds: process.argv.includes('--quick') ? 8 : 20 })
    .then((r) => console.log(JSON.stringify(r, null, 2)))
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
