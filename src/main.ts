import { registerPostcodeCommands } from './modules/signals/cli-postcodes.js';
import { registerSignalPrivacyCommands } from './modules/signals/cli-privacy.js';
import { Command, CommanderError } from 'commander';
import { ConfigError, loadConfig, type Config } from './config.js';
import { openRuntime } from './runtime.js';
import { CliError, cliLog, withRuntime } from './cli-support.js';
import { buildApp } from './app.js';
import { DataDirInUseError, releaseSignalHandlers } from './platform/db/embedded.js';
import { DEMO_PASSWORD, seedDemo } from './demo/seed.js';
import { createAdmin } from './platform/admin/users-service.js';
import { registerRegistryCommands } from './modules/registry/cli.js';
import { registerNeighbourhoodCommands } from './modules/registry/neighbourhoods-cbs.js';
import { registerBoundaryCommands } from './modules/benchmark/cli-boundaries.js';
import { registerBenchmarkCommands } from './modules/benchmark/cli.js';

function config(): Config {
  return loadConfig(process.env);
}

async function serve() {
  const cfg = config();
  const started = Date.now();
  const rt = await openRuntime(cfg, { jobs: cfg.jobs, log: cliLog });
  let closing = false;
  const app = await buildApp(rt.ctx);
  rt.ctx.log = app.log;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    rt.beginShutdown();
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    await app.close().catch(() => undefined);
    await rt.close();
    process.exit(0);
  };
  releaseSignalHandlers(); // our shutdown stops the embedded database last
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  try {
    if (cfg.demo) {
      const r = await seedDemo(rt.ctx.database.db, { cipher: rt.ctx.cipher, baseUrl: cfg.baseUrl, helpdeskEmail: cfg.helpdeskEmail, onProgress: (m) => cliLog.info(`Demodata: ${m}`) });
      if (r.seeded) cliLog.info('Demodata geladen.');
      await app.listen({ port: cfg.port, host: cfg.host });
      const lines = [
        '',
        `Eén tegen eenzaamheid draait op ${cfg.baseUrl}  (klaar in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
        rt.embedded ? `Database: ingebouwde PostgreSQL in ${cfg.dataDir}` : 'Database: DATABASE_URL',
        '',
        `DEMO-MODUS. Inloggen kan met (wachtwoord voor allemaal: ${DEMO_PASSWORD}):`,
        ...r.logins.map((l) => `  ${l.email.padEnd(36)} ${l.role.padEnd(26)} ${l.scope}`),
        ...(r.benchmarkLink ? ['', 'Benchmark: de vragenlijst invullen als contactpersoon van Utrecht (persoonlijke link, geen account nodig):', `  ${r.benchmarkLink}`] : []),
        '',
        'Stoppen: Ctrl-C',
        '',
      ];
      process.stdout.write(lines.join('\n') + '\n');
    } else {
      await app.listen({ port: cfg.port, host: cfg.host });
      process.stdout.write(`Eén tegen eenzaamheid draait op ${cfg.baseUrl} (klaar in ${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
    }
  } catch (e) {
    await app.close().catch(() => undefined);
    await rt.close();
    throw e;
  }
}

export function buildCli(): Command {
  const program = new Command();
  program
    .name('ete')
    .description('Eén tegen eenzaamheid platform: server and management commands.\nConfiguration comes from environment variables (see README).')
    .showHelpAfterError()
    .exitOverride();

  program.command('serve').description('Apply migrations, seed demo data (demo mode, first run) and serve the web app on PORT').action(serve);

  program
    .command('migrate')
    .description('Apply the database migrations and exit')
    .action(() =>
      withRuntime(async () => {
        process.stdout.write('Migraties toegepast.\n');
      }),
    );

  program
    .command('seed-demo')
    .description('Load the demo data set (all municipalities, participants, organisations, one user per role, benchmark 2019–2021)')
    .action(() =>
      withRuntime(async (rt) => {
        const r = await seedDemo(rt.ctx.database.db, { cipher: rt.ctx.cipher, baseUrl: rt.ctx.config.baseUrl, helpdeskEmail: rt.ctx.config.helpdeskEmail, onProgress: (m) => cliLog.info(m) });
        process.stdout.write(r.seeded ? `Demodata geladen. Wachtwoord van de demo-accounts: ${DEMO_PASSWORD}\n` : 'Demodata was al geladen; niets gewijzigd.\n');
        if (r.benchmarkLink) process.stdout.write(`Benchmark, persoonlijke link van de contactpersoon van Utrecht: ${r.benchmarkLink}\n`);
      }),
    );

  program
    .command('create-admin')
    .description('Create a programme admin (or give an existing user that role) and print a one-time link to set the password')
    .requiredOption('--email <email>', 'e-mail address of the admin')
    .option('--name <name>', 'display name', 'Beheerder')
    .action((o: { email: string; name: string }) =>
      withRuntime(async (rt) => {
        const r = await createAdmin(rt.ctx.database.db, rt.ctx.config, o.email, o.name);
        if (!r.ok) throw new CliError(r.message, 2);
        process.stdout.write(`${r.created ? 'Beheerder aangemaakt' : 'Bestaande gebruiker is nu beheerder'}: ${o.email}\nStel het wachtwoord in via (7 dagen geldig, één keer te gebruiken):\n  ${r.link}\n`);
      }),
    );

  registerRegistryCommands(program);
  registerNeighbourhoodCommands(program);
  registerBoundaryCommands(program);
  registerBenchmarkCommands(program);
  registerPostcodeCommands(program);
  registerSignalPrivacyCommands(program);
  return program;
}

export async function runCli(argv: string[]): Promise<number> {
  try {
    await buildCli().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    if (e instanceof CliError) {
      process.stderr.write(`Fout: ${e.message}\n`);
      return e.exitCode;
    }
    if (e instanceof DataDirInUseError) {
      process.stderr.write(`Fout: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`Fout: ${(e as Error).message}\n`);
    if (process.env.LOG_LEVEL === 'debug') process.stderr.write(`${(e as Error).stack}\n`);
    return 1;
  }
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!);
if (isMain) {
  runCli(process.argv.slice(2)).then((code) => {
    // `serve` keeps running; every other command exits with its code.
    if (code !== 0 || !['serve'].includes(process.argv[2] ?? '')) process.exit(code);
  });
}
