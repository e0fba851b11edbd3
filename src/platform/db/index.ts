import crypto from 'node:crypto';
import pg from 'pg';
import type { SQL } from 'drizzle-orm';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import * as platform from './schema.js';
import * as registry from '../../modules/registry/schema.js';
import * as benchmark from '../../modules/benchmark/schema.js';
import * as signals from '../../modules/signals/schema.js';
import * as network from '../../modules/network/schema.js';
import * as matching from '../../modules/matching/schema.js';

export const schema = { ...platform, ...registry, ...benchmark, ...signals, ...network, ...matching };
export type Db = NodePgDatabase<typeof schema>;

export interface Database {
  pool: pg.Pool;
  db: Db;
  url: string;
  close(): Promise<void>;
}

// DATE columns come back as 'YYYY-MM-DD' strings, not JS Dates shifted by the time zone.
pg.types.setTypeParser(1082, (v) => v);

/** Opens a connection pool. Errors of idle clients (e.g. database restarted) are logged, not fatal. */
export function openDatabase(url: string, opts: { max?: number; onError?: (err: Error) => void } = {}): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    connectionTimeoutMillis: 3000,
    idleTimeoutMillis: 30_000,
  });
  pool.on('error', (err) => opts.onError?.(err));
  const db = drizzle(pool, { schema });
  return { pool, db, url, close: () => pool.end() };
}

/**
 * Runs a query as a named prepared statement: PostgreSQL parses and plans it once per
 * connection instead of on every call. For hot paths only (the signal intake); the statement's
 * text must not depend on the values (drizzle's sql`` template makes every value a parameter).
 * Outside a transaction only: it uses the pool directly.
 */
export async function executePrepared<T extends Record<string, unknown>>(db: Db, query: SQL): Promise<T[]> {
  const internals = db as unknown as { dialect: { sqlToQuery(q: SQL): { sql: string; params: unknown[] } }; $client: pg.Pool };
  const { sql: text, params } = internals.dialect.sqlToQuery(query);
  let name = statementNames.get(text);
  if (!name) statementNames.set(text, (name = `prep_${crypto.createHash('sha1').update(text).digest('hex').slice(0, 16)}`));
  const res = await internals.$client.query<T>({ name, text, values: params as unknown[] });
  return res.rows;
}
const statementNames = new Map<string, string>();
