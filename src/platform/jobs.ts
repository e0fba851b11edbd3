import PgBoss from 'pg-boss';

export type JobHandler = (data: any) => Promise<void>;

export interface JobDefinition {
  name: string;
  handler: JobHandler;
  /** Cron expression (UTC) for recurring jobs. */
  cron?: string;
  retryLimit?: number;
  /** Seconds before a failed job is retried (default 30); with backoff it doubles each time. */
  retryDelay?: number;
  /** Exponential backoff between retries (default true). */
  retryBackoff?: boolean;
}

/** A PostgreSQL-backed job queue (pg-boss): safe with several app instances on one database. */
export interface Jobs {
  send(name: string, data: object): Promise<void>;
  stop(): Promise<void>;
  boss: PgBoss;
}

export async function startJobs(
  databaseUrl: string,
  defs: JobDefinition[],
  log: { error: (o: object, msg: string) => void },
  opts: { pollingIntervalSeconds?: number } = {},
): Promise<Jobs> {
  const boss = new PgBoss({ connectionString: databaseUrl, schema: 'pgboss', max: 3 });
  // Only message and code: a pg error object carries the whole client (connection parameters).
  boss.on('error', (err: Error & { code?: string }) => log.error({ err: { message: err.message, code: err.code } }, 'job queue error'));
  await boss.start();
  const retry = new Map<string, { retryLimit: number; retryDelay: number; retryBackoff: boolean }>();
  for (const d of defs) {
    const policy = { retryLimit: d.retryLimit ?? 5, retryDelay: d.retryDelay ?? 30, retryBackoff: d.retryBackoff ?? true };
    await boss.createQueue(d.name, { name: d.name, ...policy });
    retry.set(d.name, policy);
    await boss.work(d.name, { batchSize: 1, pollingIntervalSeconds: opts.pollingIntervalSeconds ?? 2 }, async (jobs) => {
      for (const job of jobs) await d.handler(job.data);
    });
    if (d.cron) await boss.schedule(d.name, d.cron, {}, { tz: 'Europe/Amsterdam' });
  }
  return {
    boss,
    async send(name, data) {
      await boss.send(name, data, retry.get(name) ?? { retryLimit: 5, retryDelay: 30, retryBackoff: true });
    },
    async stop() {
      await boss.stop({ graceful: true, timeout: 5000, wait: true });
    },
  };
}
