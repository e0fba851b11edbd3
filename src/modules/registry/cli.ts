import type { Command } from 'commander';
import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import { withRuntime, CliError } from '../../cli-support.js';
import { audit } from '../../platform/audit.js';
import { writeTable, type Format } from '../../platform/tabular.js';
import { isIsoDate } from '../../platform/http/forms.js';
import { syncReferenceMunicipalities, CBS_MUNICIPALITY, CBS_PROVINCE, type ReferenceMunicipality } from './service.js';
import { CbsError, fetchCbsMunicipalities, type FetchLike } from './cbs.js';
import { EXPORTERS } from './exporters.js';

/** Reads a municipality reference CSV (cbs_code,name,province_code[,province_name]). */
export function readMunicipalityCsv(file: string): ReferenceMunicipality[] {
  if (!fs.existsSync(file)) throw new CliError(`File not found: ${file}`);
  const rows = parse(fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, ''), { columns: true, skip_empty_lines: true, trim: true, delimiter: [',', ';'] }) as Record<string, string>[];
  const problems: string[] = [];
  const seen = new Set<string>();
  const list = rows.map((r, i) => {
    const line = i + 2;
    if (!CBS_MUNICIPALITY.test(r.cbs_code ?? '')) problems.push(`line ${line}, cbs_code: "${r.cbs_code ?? ''}" is not a CBS municipality code (GM0000)`);
    else if (seen.has(r.cbs_code)) problems.push(`line ${line}, cbs_code: ${r.cbs_code} appears twice`);
    seen.add(r.cbs_code);
    if (!r.name) problems.push(`line ${line}, name: missing`);
    if (!CBS_PROVINCE.test(r.province_code ?? '')) problems.push(`line ${line}, province_code: "${r.province_code ?? ''}" is not a CBS province code (PV00)`);
    return { cbsCode: r.cbs_code, name: r.name, provinceCode: r.province_code, provinceName: r.province_name };
  });
  if (!list.length) problems.push('the file has no rows below the header');
  if (problems.length) throw new CliError(`The file has ${problems.length} error(s); nothing was imported:\n  ${problems.join('\n  ')}`);
  return list;
}

/** Progress on stderr: one updating line on a terminal, plain lines otherwise (logs, CI). */
function progressLine() {
  const tty = process.stderr.isTTY;
  let last = 0;
  return {
    say: (msg: string) => process.stderr.write(tty ? `\r\x1b[K${msg}` : `${msg}\n`),
    count: (label: string, done: number, total: number) => {
      if (done !== total && Date.now() - last < 200 && tty) return;
      last = Date.now();
      if (tty) process.stderr.write(`\r\x1b[K${label}: ${done}/${total}`);
      else if (done === total || done % 100 === 0) process.stderr.write(`${label}: ${done}/${total}\n`);
    },
    end: () => tty && process.stderr.write('\n'),
  };
}

const CLI_AUDIT = { label: 'CLI' };

export function registerRegistryCommands(program: Command) {
  program
    .command('import-municipalities')
    .description(
      'Update the municipality list from a CSV file (cbs_code,name,province_code,province_name) or from the CBS open-data API ' +
        '(table "Gebieden in Nederland <year>"). Everything is checked before anything is written.',
    )
    .option('--file <csv>', 'CSV file with the official list')
    .option('--cbs', 'fetch the current list from the CBS open-data API (https://opendata.cbs.nl)')
    .option('--table <id>', 'with --cbs: the CBS table id, e.g. 86059NED (default: looked up in the CBS catalogue)')
    .option('--year <year>', 'with --cbs: the edition to look up in the catalogue (default: the newest)')
    .option('--complete', 'the list is complete: current municipalities missing from it are marked as ended (valid_to = --as-of)')
    .option('--as-of <date>', 'date the list is valid from (YYYY-MM-DD)', new Date().toISOString().slice(0, 10))
    .action(async (o: { file?: string; cbs?: boolean; table?: string; year?: string; complete?: boolean; asOf: string }) => {
      if (!!o.file === !!o.cbs) throw new CliError('Give either --file <csv> or --cbs.', 2);
      if (!isIsoDate(o.asOf)) throw new CliError(`--as-of: "${o.asOf}" is not a date (YYYY-MM-DD).`, 2);
      const year = o.year === undefined ? undefined : Number(o.year);
      if (year !== undefined && !(Number.isInteger(year) && year >= 1990 && year <= 2100)) throw new CliError(`--year: "${o.year}" is not a year.`, 2);
      const progress = progressLine();
      let list: ReferenceMunicipality[];
      let provinces: { code: string; name: string }[] | undefined;
      let source: Record<string, unknown>;
      if (o.file) {
        list = readMunicipalityCsv(o.file);
        source = { source: 'file', file: o.file };
      } else {
        // Fetch and check the whole list before the database is opened: a failure changes nothing.
        try {
          const r = await fetchCbsMunicipalities({ fetch: globalThis.fetch as FetchLike, table: o.table, year, onProgress: (m) => progress.say(m) });
          progress.end();
          list = r.municipalities;
          provinces = r.provinces;
          source = { source: 'cbs', table: r.table.id, title: r.table.title };
        } catch (e) {
          progress.end();
          if (e instanceof CbsError) throw new CliError(`${e.message}\nNothing was changed.`);
          throw e;
        }
      }
      await withRuntime(async (rt) => {
        const db = rt.ctx.database.db;
        const r = await syncReferenceMunicipalities(db, list, {
          complete: !!o.complete,
          asOf: o.asOf,
          provinces,
          onProgress: (done, total) => progress.count('Gemeenten bijwerken', done, total),
        });
        progress.end();
        await audit(db, CLI_AUDIT, { action: 'import', entity: 'municipality', details: { ...source, complete: !!o.complete, ...r } });
        process.stdout.write(`Gemeenten: ${r.created} nieuw, ${r.updated} gewijzigd, ${r.unchanged} ongewijzigd, ${r.ended} beëindigd.\n`);
      });
    });

  program
    .command('export <entity>')
    .description(`Export a registry list as CSV or XLSX. Entities: ${Object.keys(EXPORTERS).join(', ')}`)
    .option('--format <format>', 'csv or xlsx', 'csv')
    .option('--out <file>', 'write to this file (default: standard output)')
    .option('--delimiter <char>', "CSV separator: ',' or ';' (for Dutch Excel)", ',')
    .action(async (entity: string, o: { format: string; out?: string; delimiter: string }) => {
      const exporter = EXPORTERS[entity];
      if (!exporter) throw new CliError(`Unknown entity "${entity}". Choose one of: ${Object.keys(EXPORTERS).join(', ')}.`, 2);
      if (o.format !== 'csv' && o.format !== 'xlsx') throw new CliError(`--format: "${o.format}" is not csv or xlsx.`, 2);
      if (o.delimiter !== ',' && o.delimiter !== ';') throw new CliError(`--delimiter: use ',' or ';'.`, 2);
      if (o.format === 'xlsx' && !o.out && process.stdout.isTTY) throw new CliError('An XLSX file is binary: give --out <file>.', 2);
      await withRuntime(async (rt) => {
        const db = rt.ctx.database.db;
        const table = await exporter(db);
        const buf = await writeTable(table.rows, table.columns, o.format as Format, { delimiter: o.delimiter as ',' | ';', sheetName: table.sheetName });
        if (o.out) fs.writeFileSync(o.out, buf);
        else await new Promise<void>((resolve, reject) => process.stdout.write(buf, (err) => (err ? reject(err) : resolve())));
        await audit(db, CLI_AUDIT, { action: 'export', entity: table.entity, details: { format: o.format, delimiter: o.delimiter, rows: table.rows.length, out: o.out ?? 'stdout' } });
        if (o.out) process.stderr.write(`${table.rows.length} rijen geschreven naar ${o.out}\n`);
      });
    });
}
