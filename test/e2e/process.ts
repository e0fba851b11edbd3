import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/platform/db/embedded.js';

export { freePort };

/** Helpers to run the real server as a child process (e2e setup, runtime tests, benchmarks). */

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
export const BUNDLE = path.join(ROOT, 'dist/main.mjs');

/**
 * Builds dist/main.mjs as `npm start` does (bin/build.mjs). Call it once before spawning with
 * `{ bundle: true }` (e.g. in a global setup): parallel test workers must not rebuild it.
 */
export function buildBundle(): void {
  execFileSync(process.execPath, [path.join(ROOT, 'bin/build.mjs')], { cwd: ROOT, stdio: 'inherit' });
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  baseUrl: string;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  stdout(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends SIGTERM and waits for the exit (SIGKILL after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The environment of a demo server on a temporary DATA_DIR, bound to 127.0.0.1. */
export function serverEnv(dataDir: string, port: number, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'development',
    DEMO_MODE: 'true',
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    BASE_URL: `http://127.0.0.1:${port}`,
    JOBS: 'true',
    LOG_LEVEL: 'warn',
    DATABASE_URL: '',
    ...extra,
  };
}

/**
 * Spawns `tsx src/main.ts <args>` with the given environment, or with `bundle` the built
 * dist/main.mjs as `npm start` runs it (see buildBundle). `quiet` discards stdout (the request
 * log), e.g. under load.
 */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv, port = 0, opts: { quiet?: boolean; bundle?: boolean } = {}): ServerProcess {
  let out = '';
  let stdout = '';
  const [command, argv] = opts.bundle ? [process.execPath, ['--enable-source-maps', BUNDLE, ...args]] : [TSX, ['src/main.ts', ...args]];
  const child = spawn(command, argv, { cwd: ROOT, env, stdio: ['ignore', opts.quiet ? 'ignore' : 'pipe', 'pipe'] });
  const keep = (b: Buffer) => {
    out += b.toString();
    if (out.length > 400_000) out = out.slice(-200_000);
  };
  child.stdout?.on('data', (b: Buffer) => {
    keep(b);
    if (stdout.length < 100_000) stdout += b.toString();
  });
  child.stderr!.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    output: () => out,
    stdout: () => stdout,
    exited,
    async stop(timeoutMs = 20_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const r = await exited;
      clearTimeout(timer);
      return r;
    },
  };
}

/** Polls `url` until it answers 200; fails early when the process exits. */
export async function waitForOk(url: string, server: ServerProcess, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      throw new Error(`server exited early (code ${server.child.exitCode}, signal ${server.child.signalCode}):\n${server.output()}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`server not ready after ${timeoutMs} ms:\n${server.output()}`);
}

/** Starts `serve` on dataDir and waits until `/ready` answers. */
export async function startServer(dataDir: string, extra: Record<string, string> = {}, timeoutMs = 90_000, opts: { quiet?: boolean; bundle?: boolean } = {}): Promise<ServerProcess> {
  const port = await freePort();
  const server = spawnCli(['serve'], serverEnv(dataDir, port, extra), port, opts);
  try {
    await waitForOk(`${server.baseUrl}/ready`, server, timeoutMs);
  } catch (e) {
    await server.stop(2000);
    throw e;
  }
  return server;
}
