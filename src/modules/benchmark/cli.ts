import type { Command } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import { CliError, withRuntime } from '../../cli-support.js';
import { getEditionByYear, type EditionStatus } from './service.js';
import { formatProblems, importPastEdition, importResponses } from './import-service.js';

/**
 * CLI of the benchmark: importing a past edition (questionnaire JSON and its responses as
 * JSON or CSV/XLSX; formats in docs/benchmark.md). Progress on stderr; on any problem nothing
 * is imported, every problem is listed and the exit code is 1.
 */

const CLI_AUDIT = { label: 'CLI' };
const STATUSES: EditionStatus[] = ['draft', 'closed', 'published'];

function readFile(file: string): Buffer {
  if (!fs.existsSync(file)) throw new CliError(`File not found: ${file}`, 2);
  return fs.readFileSync(file);
}

/** Progress on stderr: an updating line on a terminal, a line per 50 responses otherwise. */
function progress(label: string) {
  const tty = process.stderr.isTTY;
  return {
    count(done: number, total: number) {
      if (tty) process.stderr.write(`\r\x1b[K${label}: ${done}/${total}${done === total ? '\n' : ''}`);
      else if (done === total || done % 50 === 0) process.stderr.write(`${label}: ${done}/${total}\n`);
    },
  };
}

function fail(problems: { where: string; field: string; reason: string }[]): never {
  throw new CliError(`${problems.length === 1 ? '1 probleem' : `${problems.length} problemen`}; er is niets geïmporteerd:\n  ${formatProblems(problems).join('\n  ')}`, 1);
}

export function registerBenchmarkCommands(program: Command) {
  program
    .command('import-benchmark')
    .description(
      'Import a past benchmark edition: its questionnaire (JSON, creates the edition, marked imported) and optionally its responses (JSON or CSV/XLSX). ' +
        'With --edition instead of --questionnaire, responses are added to an existing edition. Everything is checked first; on any problem nothing is imported.',
    )
    .option('--questionnaire <file>', 'questionnaire definition (ete-benchmark-questionnaire/1 JSON)')
    .option('--responses <file>', 'responses: ete-benchmark-responses/1 JSON, or CSV/XLSX with one row per response')
    .option('--edition <year>', 'add the responses to the existing edition of this year (instead of --questionnaire)')
    .option('--year <year>', 'with --questionnaire: the year of the new edition (default: the year in the file)')
    .option('--status <status>', `with --questionnaire: status of the new edition (${STATUSES.join(', ')})`, 'closed')
    .action(async (o: { questionnaire?: string; responses?: string; edition?: string; year?: string; status: string }) => {
      if (!!o.questionnaire === !!o.edition) throw new CliError('Give either --questionnaire <file> or --edition <year>.', 2);
      if (o.edition && !o.responses) throw new CliError('With --edition, give --responses <file>.', 2);
      const yearOf = (v: string | undefined, flag: string) => {
        if (v === undefined) return undefined;
        const n = Number(v);
        if (!/^\d{4}$/.test(v) || n < 2000 || n > 2100) throw new CliError(`${flag}: "${v}" is not a year between 2000 and 2100.`, 2);
        return n;
      };
      const year = yearOf(o.year, '--year');
      const editionYear = yearOf(o.edition, '--edition');
      if (!STATUSES.includes(o.status as EditionStatus)) throw new CliError(`--status: use one of ${STATUSES.join(', ')}.`, 2);
      const questionnaire = o.questionnaire ? { filename: path.basename(o.questionnaire), text: readFile(o.questionnaire).toString('utf8') } : null;
      const responses = o.responses ? { filename: path.basename(o.responses), content: readFile(o.responses) } : undefined;
      const bar = progress('Responsen opslaan');

      await withRuntime(async (rt) => {
        const db = rt.ctx.database.db;
        if (questionnaire) {
          process.stderr.write(`Vragenlijst ${questionnaire.filename} en ${responses ? `responsen ${responses.filename}` : 'geen responsen'} controleren…\n`);
          const r = await importPastEdition(db, CLI_AUDIT, { questionnaire, responses, year, status: o.status as EditionStatus, onProgress: bar.count });
          for (const n of r.notes) process.stderr.write(`Opmerking: ${n.where}, ${n.field}: ${n.reason}\n`);
          if (!r.ok) fail(r.problems);
          process.stdout.write(`Meetmoment ${r.edition.year} (${r.edition.title}) aangemaakt met status ${r.edition.status}; ${r.imported} responsen geïmporteerd.\n`);
          return;
        }
        const edition = await getEditionByYear(db, editionYear!);
        if (!edition) throw new CliError(`Er is geen meetmoment voor ${editionYear}.`, 1);
        process.stderr.write(`Responsen ${responses!.filename} controleren…\n`);
        const r = await importResponses(db, CLI_AUDIT, edition.id, responses!, bar.count);
        for (const n of r.notes) process.stderr.write(`Opmerking: ${n.where}, ${n.field}: ${n.reason}\n`);
        if (!r.ok) fail(r.problems);
        process.stdout.write(`${r.imported} responsen geïmporteerd in meetmoment ${edition.year}.\n`);
      });
    });
}
