import pg from 'pg';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import * as platform from './schema.js';
import * as registry from '../../modules/registry/schema.js';
import * as benchmark from '../../modules/benchmark/schema.js';
import * as signals from '../../modules/signals/schema.js';

export const schema = { ...platform, ...registry, ...benchmark, ...signals };
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
