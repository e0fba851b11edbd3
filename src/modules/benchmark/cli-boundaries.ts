import type { Command } from 'commander';
import { withRuntime, CliError } from '../../cli-support.js';
import type { FetchLike } from '../registry/cbs.js';
import {
  BOUNDARY_KINDS,
  BoundaryImportError,
  fetchPdokBoundaries,
  importBoundaries,
  pdokUrl,
  readBoundaryFile,
  SHIPPED_PROVINCES_FILE,
  type BoundaryKind,
  type ParsedBoundaries,
} from './boundaries.js';

const CLI_AUDIT = { label: 'CLI' };
const KIND_NL: Record<BoundaryKind, string> = { province: 'provinciegrenzen', municipality: 'gemeentegrenzen' };

export function registerBoundaryCommands(program: Command) {
  program
    .command('import-boundaries')
    .description(
      'Import province or municipality boundaries (GeoJSON, WGS84/EPSG:4326, properties statcode/statnaam) for the benchmark response map, ' +
        'from a file, from the PDOK CBS "gebiedsindelingen" WFS, or the shipped 2025 provinces. Replaces all boundaries of that kind; ' +
        'everything is checked before anything is written.',
    )
    .option('--kind <kind>', `${BOUNDARY_KINDS.join(' or ')}`, 'province')
    .option('--file <geojson>', 'a GeoJSON FeatureCollection')
    .option('--pdok', 'fetch from the PDOK WFS (https://service.pdok.nl/cbs/gebiedsindelingen/<year>/wfs/v1_0)')
    .option('--shipped', 'load the shipped 2025 province boundaries (CBS / PDOK, CC BY 4.0)')
    .option('--year <year>', 'the year of the boundaries (with --pdok: the edition to fetch; default: from jrstatcode, or the current year)')
    .action(async (o: { kind: string; file?: string; pdok?: boolean; shipped?: boolean; year?: string }) => {
      if ([o.file, o.pdok, o.shipped].filter(Boolean).length !== 1) throw new CliError('Give one of --file <geojson>, --pdok or --shipped.', 2);
      if (!(BOUNDARY_KINDS as readonly string[]).includes(o.kind)) throw new CliError(`--kind: "${o.kind}" is not ${BOUNDARY_KINDS.join(' or ')}.`, 2);
      const kind = o.kind as BoundaryKind;
      if (o.shipped && kind !== 'province') throw new CliError('--shipped has province boundaries only.', 2);
      const year = o.year === undefined ? undefined : Number(o.year);
      if (year !== undefined && !(Number.isInteger(year) && year >= 1990 && year <= 2100)) throw new CliError(`--year: "${o.year}" is not a year.`, 2);
      // Read and check everything before the database is opened: a failure changes nothing.
      let data: ParsedBoundaries;
      let source: Record<string, unknown>;
      try {
        if (o.pdok) {
          const y = year ?? new Date().getFullYear();
          process.stderr.write(`Ophalen: ${pdokUrl(kind, y)}\n`);
          data = await fetchPdokBoundaries({ fetch: globalThis.fetch as FetchLike, kind, year: y });
          source = { source: 'pdok', url: pdokUrl(kind, y) };
        } else {
          const file = o.file ?? SHIPPED_PROVINCES_FILE;
          data = readBoundaryFile(file, kind);
          source = { source: o.shipped ? 'shipped' : 'file', file };
        }
      } catch (e) {
        if (e instanceof BoundaryImportError) throw new CliError(e.message);
        throw e;
      }
      if (data.swappedAxes) process.stderr.write('Let op: de coördinaten stonden als breedte,lengte (lat,lon) en zijn omgedraaid.\n');
      const y = year ?? data.year ?? (o.shipped ? 2025 : undefined);
      if (y === undefined) throw new CliError('The year of the boundaries is unknown: give --year.', 2);
      await withRuntime(async (rt) => {
        try {
          const r = await importBoundaries(rt.ctx.database.db, data, { year: y, audit: CLI_AUDIT, source });
          process.stdout.write(`${r.imported} ${KIND_NL[kind]} (${r.year}) geïmporteerd; ${r.replaced} eerdere vervangen.\n`);
        } catch (e) {
          if (e instanceof BoundaryImportError) throw new CliError(e.message);
          throw e;
        }
      });
    });
}
