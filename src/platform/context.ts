import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import type { Database } from './db/index.js';
import type { FieldCipher } from './crypto.js';
import type { Jobs } from './jobs.js';

/** Everything a request handler or CLI command needs; built once per process. */
export interface AppContext {
  config: Config;
  database: Database;
  cipher: FieldCipher;
  jobs: Jobs | null;
  log: FastifyBaseLogger | Pick<Console, 'info' | 'warn' | 'error'>;
}
