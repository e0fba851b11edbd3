import fs from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildBundle, startServer, tempDir, type ServerProcess } from './process.js';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
  }
}

/**
 * Starts the real server as `npm start` does (builds dist/main.mjs, runs it with `serve`) on a temporary DATA_DIR:
 * embedded PostgreSQL, demo mode, demo data seeded, job queue on. Stops it with SIGTERM at the
 * end and fails the run unless it exits 0 and the embedded database is stopped.
 */
export default async function setup(project: TestProject) {
  const dataDir = tempDir('ete-e2e-');
  let server: ServerProcess;
  try {
    buildBundle();
    server = await startServer(
      dataDir,
      {
        LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'warn',
        // Several journeys log in from the same address within a minute.
        RATE_LIMIT_PER_MINUTE: '200',
      },
      90_000,
      { bundle: true },
    );
  } catch (e) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
  project.provide('baseUrl', server.baseUrl);

  return async () => {
    const { code, signal } = await server.stop();
    const pidLeft = fs.existsSync(path.join(dataDir, 'pg', 'postmaster.pid'));
    fs.rmSync(dataDir, { recursive: true, force: true });
    if (process.env.E2E_SHOW_SERVER_LOG) process.stdout.write(server.output());
    if (code !== 0) throw new Error(`server did not stop cleanly on SIGTERM (exit ${code}, signal ${signal}):\n${server.output().slice(-5000)}`);
    if (pidLeft) throw new Error('embedded PostgreSQL still running after the server stopped (postmaster.pid left)');
  };
}
