import PgBoss from 'pg-boss';

export type JobHandler = (data: any) => Promise<void>;

export interface JobDefinition {
  name: string;
  handler: JobHandler;
  /** Cron expression (UTC) for recurring jobs. */
  cron?: string;
  retryLimit?: number;
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
): Promise<Jobs> {
  const boss = new PgBoss({ connectionString: databaseUrl, schema: 'pgboss', max: 3 });
  boss.on('error', (err) => log.error({ err }, 'job queue error'));
  await boss.start();
  const retry = new Map<string, number>();
  for (const d of defs) {
    await boss.createQueue(d.name, { name: d.name, retryLimit: d.retryLimit ?? 5, retryDelay: 30, retryBackoff: true });
    retry.set(d.name, d.retryLimit ?? 5);
    await boss.work(d.name, { batchSize: 1, pollingIntervalSeconds: 2 }, async (jobs) => {
      for (const job of jobs) await d.handler(job.data);
    });
    if (d.cron) await boss.schedule(d.name, d.cron, {}, { tz: 'Europe/Amsterdam' });
  }
  return {
    boss,
    async send(name, data) {
      await boss.send(name, data, { retryLimit: retry.get(name) ?? 5, retryDelay: 30, retryBackoff: true });
    },
    async stop() {
      await boss.stop({ graceful: true, timeout: 5000, wait: true });
    },
  };
}
