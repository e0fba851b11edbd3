import fs from 'node:fs';
import type { Command } from 'commander';
import { CliError, withRuntime } from '../../cli-support.js';
import { importPostcodes, MAX_SHRINK_SHARE, PostcodeImportError, PostcodeShrinkError, summaryLines } from './postcode-import.js';

const CLI_AUDIT = { label: 'CLI' };

/** CLI commands for the postcode table: the CBS import. */
export function registerPostcodeCommands(program: Command) {
  program
    .command('import-postcodes <file>')
    .description(
      'Import the CBS file "Buurt, wijk en gemeente <year> voor postcode huisnummer" (the .zip as published, or the .csv inside it) into the ' +
        'postcode table used to route signals. Replaces the previous CBS import in one transaction; manual corrections are kept. ' +
        'Source: https://www.cbs.nl/nl-nl/maatwerk/2024/35/buurt-wijk-en-gemeente-2024-voor-postcode-huisnummer',
    )
    .option('--max-bad-share <fraction>', 'refuse the file when more than this share of lines is malformed (at least 10 lines are always allowed)', '0.01')
    .option(
      '--allow-shrink',
      `import even when more than ${MAX_SHRINK_SHARE * 100}% of the postcodes of the previous CBS import are not in the file (they disappear from the table); without it such a file is refused`,
    )
    .action(async (file: string, o: { maxBadShare: string; allowShrink?: boolean }) => {
      if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new CliError(`File not found: ${file}`, 2);
      const maxBadShare = Number(o.maxBadShare);
      if (!(maxBadShare >= 0 && maxBadShare <= 1)) throw new CliError(`--max-bad-share: "${o.maxBadShare}" is not a number from 0 to 1.`, 2);
      const tty = process.stderr.isTTY;
      await withRuntime(async (rt) => {
        process.stderr.write(`Postcodes importeren uit ${file}…\n`);
        try {
          const summary = await importPostcodes(rt.ctx.database.db, CLI_AUDIT, { path: file, filename: file }, {
            maxBadShare,
            allowShrink: o.allowShrink === true,
            onProgress: (lines) => process.stderr.write(tty ? `\r\x1b[KRegels gelezen: ${lines.toLocaleString('nl-NL')}` : `Regels gelezen: ${lines}\n`),
          });
          if (tty) process.stderr.write('\n');
          process.stdout.write(`${summaryLines(summary).join('\n')}\n`);
        } catch (e) {
          if (tty) process.stderr.write('\n');
          if (e instanceof PostcodeShrinkError) {
            throw new CliError(`${e.message}\nIs dit wel de bedoeling, importeer dan opnieuw met --allow-shrink.`, 1);
          }
          if (e instanceof PostcodeImportError) {
            const problems = e.problems.map((p) => `  regel ${p.line}: ${p.reason}`).join('\n');
            throw new CliError(`${e.message}${problems ? `\n${problems}` : ''}`, 1);
          }
          throw e;
        }
      });
    });
}
