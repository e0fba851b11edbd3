import fs from 'node:fs';
import path from 'node:path';
import { buildBundle, freePort, serverEnv, spawnCli, tempDir, type ServerProcess } from '../test/e2e/process.js';
import { median, round, rssMb } from './lib.js';

/** Spawns `serve` from dist/main.mjs (as `npm start` does) and returns the time until `/` first answers 200. */
async function timeToFirstPage(dataDir: string): Promise<{ ms: number; server: ServerProcess }> {
  const port = await freePort();
  const t0 = performance.now();
  const server = spawnCli(['serve'], serverEnv(dataDir, port, { LOG_LEVEL: 'warn' }), port, { bundle: true });
  const url = `${server.baseUrl}/`;
  for (;;) {
    if (server.child.exitCode !== null) throw new Error(`server exited:\n${server.output()}`);
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status === 200) return { ms: performance.now() - t0, server };
    } catch {
      /* not yet */
    }
    if (performance.now() - t0 > 120_000) throw new Error(`no page after 120 s:\n${server.output()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface StartupResult {
  /** `node bin/build.mjs`, which `npm start` runs before the app (median of the runs). */
  buildMs?: number;
  firstRunMs: number;
  restartMs: number[];
  restartMedianMs: number;
  idleRssMb: { app: number; wrapper?: number };
}

/**
 * (a) First run on an empty DATA_DIR (initdb, migrations, demo seed) and `runs` restarts on the
 * existing data, each measured from spawning the process to the first 200 of `/`.
 */
export async function benchStartup(runs = 5, log = console.log): Promise<StartupResult> {
  const builds: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    buildBundle();
    builds.push(performance.now() - t);
  }
  const buildMs = round(median(builds), 0);
  log(`  build (npm start runs it first): ${buildMs} ms`);
  const dataDir = tempDir('ete-bench-start-');
  try {
    const first = await timeToFirstPage(dataDir);
    log(`  first run (init, migrate, seed): ${Math.round(first.ms)} ms`);
    const stopped = await first.server.stop();
    if (stopped.code !== 0) throw new Error(`first server exited ${stopped.code}`);

    const restartMs: number[] = [];
    let idleRssMb: StartupResult['idleRssMb'] = { app: NaN };
    for (let i = 0; i < runs; i++) {
      const r = await timeToFirstPage(dataDir);
      restartMs.push(r.ms);
      log(`  restart ${i + 1}: ${Math.round(r.ms)} ms`);
      if (i === runs - 1) {
        await new Promise((res) => setTimeout(res, 5000)); // settle: idle after start-up
        idleRssMb = { app: rssMb(r.server.child.pid!) };
        log(`  idle RSS after start-up: app ${idleRssMb.app} MB`);
      }
      const s = await r.server.stop();
      if (s.code !== 0) throw new Error(`server exited ${s.code}`);
      if (fs.existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))) throw new Error('embedded PostgreSQL left running');
    }
    return { buildMs, firstRunMs: round(first.ms, 0), restartMs: restartMs.map((x) => round(x, 0)), restartMedianMs: round(median(restartMs), 0), idleRssMb };
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
