import { vi } from 'vitest';
import { runCli } from '../../src/main.js';
import { databaseUrl } from './db.js';

/** The environment for running the CLI against a test database (no job queue, no logs). */
export function cliEnv(databaseName: string): Record<string, string> {
  return { DATABASE_URL: databaseUrl(databaseName), LOG_LEVEL: 'silent', NODE_ENV: 'test', DEMO_MODE: 'false', BASE_URL: 'http://localhost:3000', JOBS: 'false' };
}

/**
 * Runs a CLI command in this process with `env` added to process.env (restored afterwards) and
 * returns its exit code and everything it wrote to stdout and stderr.
 */
export async function captureCli(env: Record<string, string>, ...args: string[]): Promise<{ code: number; out: string }> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  let out = '';
  const write = (chunk: unknown) => ((out += String(chunk)), true);
  const o = vi.spyOn(process.stdout, 'write').mockImplementation(write);
  const e = vi.spyOn(process.stderr, 'write').mockImplementation(write);
  try {
    return { code: await runCli(args), out };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.env = saved;
  }
}
