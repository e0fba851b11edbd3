import type { Config } from './config.js';
import { openDatabase, type Database } from './platform/db/index.js';
import { startEmbedded, type EmbeddedDatabase } from './platform/db/embedded.js';
import { runMigrations } from './platform/db/migrate.js';
import { FieldCipher } from './platform/crypto.js';
import type { AppContext } from './platform/context.js';
import { startJobs, type Jobs } from './platform/jobs.js';
import { createMailer, MAIL_JOB, MAIL_SWEEP_JOB, sweepOutbox } from './platform/mail/outbox.js';
import { purgeExpiredSessions } from './platform/auth/sessions.js';
import { BENCHMARK_REMINDERS_CRON, BENCHMARK_REMINDERS_JOB, sendDueReminders } from './modules/benchmark/reminders.js';
import { closeEndedEditions } from './modules/benchmark/editions-service.js';
import { mailDeps } from './modules/benchmark/invitations-service.js';
import { sendDigests, SIGNAL_DIGEST_CRON, SIGNAL_DIGEST_JOB } from './modules/signals/digest.js';
import { removePersonalData, RETENTION_CRON, RETENTION_JOB, retentionLine } from './modules/signals/retention.js';

export interface Runtime {
  ctx: AppContext;
  embedded: EmbeddedDatabase | null;
  /** True when the embedded database was created by this start (first run). */
  firstRun: boolean;
  /** Marks the start of a shutdown (before the HTTP server closes). */
  beginShutdown(): void;
  close(): Promise<void>;
}

type Log = { info: (msg: string) => void; error: (o: object, msg: string) => void };

/**
 * Connects to PostgreSQL (DATABASE_URL, or the embedded server in DATA_DIR), applies the
 * migrations and, when asked, starts the job queue. Shared by `serve` and the CLI commands.
 */
export async function openRuntime(config: Config, opts: { jobs: boolean; log: Log }): Promise<Runtime> {
  // Once a shutdown has begun, lost connections are expected (Ctrl-C reaches the embedded
  // PostgreSQL too, as it is in the same process group): they are not worth an error line.
  let shuttingDown = false;
  const onError: Log['error'] = (o, msg) => {
    if (!shuttingDown) opts.log.error(o, msg);
  };
  let embedded: EmbeddedDatabase | null = null;
  let url = config.databaseUrl;
  if (!url) {
    embedded = await startEmbedded(config.dataDir);
    url = embedded.url;
  }
  let database: Database | null = null;
  let jobs: Jobs | null = null;
  try {
    database = openDatabase(url, { onError: (err) => onError({ err: { message: err.message } }, 'idle database connection lost') });
    await runMigrations(database.pool);
    const db = database.db;
    const cipher = new FieldCipher(config.encryptionKey, config.oldEncryptionKeys);
    if (opts.jobs) {
      const mailer = createMailer(db, { smtpUrl: config.smtpUrl, from: config.mailFrom });
      jobs = await startJobs(
        url,
        [
          { name: MAIL_JOB, handler: async (d: { id: number }) => mailer.deliver(d.id), retryLimit: 8 },
          { name: MAIL_SWEEP_JOB, cron: '*/5 * * * *', handler: async () => void (await sweepOutbox(db, jobs!)) },
          { name: 'sessions-purge', cron: '17 * * * *', handler: async () => void (await purgeExpiredSessions(db)) },
          {
            // Daily: editions past their closing day are closed, then the due reminders are sent.
            name: BENCHMARK_REMINDERS_JOB,
            cron: BENCHMARK_REMINDERS_CRON,
            handler: async () => {
              await closeEndedEditions(db);
              await sendDueReminders(db, mailDeps({ cipher, jobs, config }));
            },
          },
          {
            // Working days at 08:00: each signal point's overdue / unassigned / due-today counts to its coordinators.
            name: SIGNAL_DIGEST_JOB,
            cron: SIGNAL_DIGEST_CRON,
            handler: async () => void (await sendDigests(db, { jobs, helpdeskEmail: config.helpdeskEmail, baseUrl: config.baseUrl }, new Date())),
          },
          {
            // Daily: personal data of signals closed longer than their term ago is removed.
            name: RETENTION_JOB,
            cron: RETENTION_CRON,
            handler: async () => opts.log.info(retentionLine(await removePersonalData(db, new Date(), { defaultMonths: config.signalRetentionMonths }))),
          },
        ],
        { error: onError },
      );
    }
    const ctx: AppContext = {
      config,
      database,
      cipher,
      jobs,
      log: console,
    };
    return {
      ctx,
      embedded,
      firstRun: embedded?.created ?? false,
      beginShutdown() {
        shuttingDown = true;
      },
      async close() {
        shuttingDown = true;
        await jobs?.stop().catch(() => undefined);
        await database!.close().catch(() => undefined);
        await embedded?.stop();
      },
    };
  } catch (e) {
    await jobs?.stop().catch(() => undefined);
    await database?.close().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    throw e;
  }
}
