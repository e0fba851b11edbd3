import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbedded, type EmbeddedDatabase } from '../src/platform/db/embedded.js';
import { runMigrations } from '../src/platform/db/migrate.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    templateDb: string;
  }
}

let embedded: EmbeddedDatabase | null = null;
let tmpDir: string | null = null;

/** Starts one PostgreSQL for the run (or uses TEST_DATABASE_URL) and builds the migrated template. */
export default async function setup(project: TestProject) {
  let adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ete-test-pg-'));
    embedded = await startEmbedded(tmpDir, { database: 'postgres' });
    adminUrl = embedded.url;
  }
  const template = `ete_template_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists "${template}"`);
  await admin.query(`create database "${template}"`);
  const u = new URL(adminUrl);
  u.pathname = `/${template}`;
  const pool = new pg.Pool({ connectionString: u.toString(), max: 1 });
  await runMigrations(pool);
  await pool.end();
  project.provide('pgAdminUrl', adminUrl);
  project.provide('templateDb', template);

  return async () => {
    // Drop what this run created (test databases are dropped per file; this catches leftovers).
    const left = await admin.query(`select datname from pg_database where datname like $1 or datname = $2`, [`ete_t_${process.pid}_%`, template]);
    for (const r of left.rows) await admin.query(`drop database if exists "${r.datname}" with (force)`).catch(() => undefined);
    await admin.end();
    await embedded?.stop();
    if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
  };
}
