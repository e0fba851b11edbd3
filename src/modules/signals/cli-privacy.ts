import type { Command } from 'commander';
import { CliError, withRuntime } from '../../cli-support.js';
import { isIsoDate } from '../../platform/http/forms.js';
import { endOfAmsterdamDay } from '../../platform/time.js';
import { removePersonalData, retentionLine } from './retention.js';
import { rotateEncryption } from './rotation.js';

/**
 * CLI of the signal point's privacy tasks:
 * - `signals-retention [--now=YYYY-MM-DD]`: the retention run of the daily job, now (or as if it
 *   were the end of that day in the Netherlands: a simulated clock for tests and the done-when
 *   journey); prints the summary.
 * - `rotate-encryption-key [--reindex]`: re-encrypts everything under the current ENCRYPTION_KEY
 *   (procedure in docs/OPERATIONS.md, "Key rotation"); exit code 1 while values remain.
 */

const CLI_AUDIT = { label: 'CLI' };

export function registerSignalPrivacyCommands(program: Command) {
  program
    .command('signals-retention')
    .description(
      "Remove the personal data of signals closed longer ago than their signal point's retention term (the daily signals-retention job, run now). " +
        'Reports signals open or unrouted for more than 12 months.',
    )
    .option('--now <date>', 'simulate the clock: run as at the end of this day (YYYY-MM-DD, Amsterdam time)')
    .action(async (o: { now?: string }) => {
      if (o.now !== undefined && !isIsoDate(o.now)) throw new CliError(`--now: "${o.now}" is not a date written as YYYY-MM-DD.`, 2);
      const now = o.now ? endOfAmsterdamDay(o.now) : new Date();
      await withRuntime(async (rt) => {
        const s = await removePersonalData(rt.ctx.database.db, now, { defaultMonths: rt.ctx.config.signalRetentionMonths, audit: CLI_AUDIT });
        process.stdout.write(`${retentionLine(s)}\n`);
        if (s.signalIds.length) process.stdout.write(`Signaal-id's: ${s.signalIds.join(', ')}${s.removed > s.signalIds.length ? ', …' : ''}\n`);
      });
    });

  program
    .command('rotate-encryption-key')
    .description(
      'Re-encrypt every encrypted value under the current ENCRYPTION_KEY (old keys in ENCRYPTION_KEYS_OLD) and recompute the blind indexes. ' +
        'Safe to repeat; exit code 1 while values remain under an old or unknown key.',
    )
    .option('--reindex', 'also recompute the blind indexes of signals already under the current key (repair)')
    .action(async (o: { reindex?: boolean }) => {
      await withRuntime(async (rt) => {
        const tty = process.stderr.isTTY;
        const r = await rotateEncryption(rt.ctx.database.db, rt.ctx.cipher, {
          audit: CLI_AUDIT,
          reindexAll: !!o.reindex,
          onProgress: (label, done) => process.stderr.write(tty ? `\r\x1b[K${label}: ${done}` : `${label}: ${done}\n`),
        });
        if (tty) process.stderr.write('\n');
        const out = [`Huidige sleutel: ${r.keyId}`];
        for (const [col, n] of Object.entries(r.reencrypted)) out.push(`  ${col}: ${n} opnieuw versleuteld`);
        out.push(`  blinde indexen van signalen herberekend: ${r.blindIndexes}`);
        if (r.changedMeanwhile) out.push(`  tijdens de run door iemand anders gewijzigd (volgende run): ${r.changedMeanwhile}`);
        if (r.unreadable) {
          out.push(`  NIET te ontsleutelen (onbekende sleutel of beschadigd; ongewijzigd gelaten): ${r.unreadable}`);
          for (const u of r.unreadableValues) out.push(`    ${u.table}.${u.column} id ${u.id}: sleutel ${u.keyId}`);
          if (r.unreadable > r.unreadableValues.length) out.push('    …');
        }
        out.push(`Nog niet onder de huidige sleutel: ${r.remaining}`);
        process.stdout.write(`${out.join('\n')}\n`);
        if (r.remaining > 0) {
          throw new CliError(
            `${r.remaining} ${r.remaining === 1 ? 'waarde staat' : 'waarden staan'} nog niet onder de huidige sleutel. Verwijder de oude sleutel(s) nog niet; ` +
              'zet een ontbrekende oude sleutel in ENCRYPTION_KEYS_OLD en draai het commando opnieuw.',
            1,
          );
        }
      });
    });
}
