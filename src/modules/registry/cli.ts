import type { Command } from 'commander';
import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import { withRuntime, CliError } from '../../cli-support.js';
import { syncReferenceMunicipalities, CBS_MUNICIPALITY, CBS_PROVINCE, type ReferenceMunicipality } from './service.js';

/** Reads a municipality reference CSV (cbs_code,name,province_code[,province_name]). */
export function readMunicipalityCsv(file: string): ReferenceMunicipality[] {
  if (!fs.existsSync(file)) throw new CliError(`File not found: ${file}`);
  const rows = parse(fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, ''), { columns: true, skip_empty_lines: true, trim: true, delimiter: [',', ';'] }) as Record<string, string>[];
  const problems: string[] = [];
  const list = rows.map((r, i) => {
    const line = i + 2;
    if (!CBS_MUNICIPALITY.test(r.cbs_code ?? '')) problems.push(`line ${line}, cbs_code: "${r.cbs_code ?? ''}" is not a CBS municipality code (GM0000)`);
    if (!r.name) problems.push(`line ${line}, name: missing`);
    if (!CBS_PROVINCE.test(r.province_code ?? '')) problems.push(`line ${line}, province_code: "${r.province_code ?? ''}" is not a CBS province code (PV00)`);
    return { cbsCode: r.cbs_code, name: r.name, provinceCode: r.province_code, provinceName: r.province_name };
  });
  if (problems.length) throw new CliError(`The file has ${problems.length} error(s); nothing was imported:\n  ${problems.join('\n  ')}`);
  return list;
}

export function registerRegistryCommands(program: Command) {
  program
    .command('import-municipalities')
    .description('Update the municipality list from a CSV file (cbs_code,name,province_code,province_name)')
    .option('--file <csv>', 'CSV file with the official list')
    .option('--complete', 'the file is the complete current list: municipalities missing from it are marked as ended')
    .option('--as-of <date>', 'date the list is valid from (YYYY-MM-DD)', new Date().toISOString().slice(0, 10))
    .action((o: { file?: string; complete?: boolean; asOf: string }) =>
      withRuntime(async (rt) => {
        if (!o.file) throw new CliError('Give --file <csv>.', 2);
        const list = readMunicipalityCsv(o.file);
        const r = await syncReferenceMunicipalities(rt.ctx.database.db, list, { complete: !!o.complete, asOf: o.asOf });
        process.stdout.write(`Gemeenten: ${r.created} nieuw, ${r.updated} gewijzigd, ${r.unchanged} ongewijzigd, ${r.ended} beëindigd.\n`);
      }),
    );
}
