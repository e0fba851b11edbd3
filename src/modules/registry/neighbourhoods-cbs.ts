import type { Command } from 'commander';
import type { Db } from '../../platform/db/index.js';
import { audit, type AuditContext } from '../../platform/audit.js';
import { CliError, cliLog, withRuntime } from '../../cli-support.js';
import { CBS_BASE_URL, CbsError, getAllPages, type CbsOptions, type FetchLike } from './cbs.js';
import { municipalitiesByCode, municipalityCodeProblem } from './organisations-service.js';
import { conventionalDistrictCode, kindOfCode, municipalityDigits, writeNeighbourhoods, type NeighbourhoodKind, type NeighbourhoodRecord, type WriteCounts } from './neighbourhoods-service.js';

/**
 * Districts (wijken) and neighbourhoods (buurten) of one municipality from the CBS table
 * "Kerncijfers wijken en buurten" (OData v3, e.g. 85984NED for 2024).
 *
 * - `TypedDataSet` gives one row per region with the region code (`WijkenEnBuurten`, padded
 *   with spaces), `Gemeentenaam_1`, `SoortRegio_2` (Gemeente/Wijk/Buurt) and `Codering_3`.
 * - The dimension `WijkenEnBuurten` gives the names (`Key`, `Title`, `Municipality`).
 *
 * Everything is fetched and checked before anything is written.
 */

export const DEFAULT_NEIGHBOURHOOD_TABLE = '85984NED';

export interface CbsNeighbourhood {
  code: string;
  kind: NeighbourhoodKind;
  name: string;
  districtCode: string | null;
}

export interface CbsNeighbourhoodList {
  table: string;
  municipalityCode: string;
  municipalityName: string;
  items: CbsNeighbourhood[];
}

const str = (v: unknown) => (v == null ? '' : String(v)).trim();
const SOORT: Record<string, NeighbourhoodKind | 'municipality'> = { gemeente: 'municipality', wijk: 'district', buurt: 'neighbourhood' };

/** Maps the two CBS answers to districts and neighbourhoods; throws CbsError on anything unexpected. */
export function mapCbsNeighbourhoods(municipalityCode: string, typed: Record<string, unknown>[], dimension: Record<string, unknown>[], table = DEFAULT_NEIGHBOURHOOD_TABLE): Omit<CbsNeighbourhoodList, 'table'> {
  const digits = municipalityDigits(municipalityCode);
  const titles = new Map(dimension.map((d) => [str(d.Key).toUpperCase(), str(d.Title)]));
  const problems: string[] = [];
  const items: CbsNeighbourhood[] = [];
  const seen = new Set<string>();
  let municipalityName = '';
  for (const r of typed) {
    const code = (str(r.Codering_3) || str(r.WijkenEnBuurten)).toUpperCase();
    const soort = SOORT[str(r.SoortRegio_2).toLowerCase()];
    if (municipalityDigits(code) !== digits) continue; // another municipality (filter too wide)
    if (soort === 'municipality') {
      municipalityName = str(r.Gemeentenaam_1);
      continue;
    }
    if (!soort) {
      problems.push(`${code}: onbekende soort regio "${str(r.SoortRegio_2)}"`);
      continue;
    }
    if (kindOfCode(code) !== soort) {
      problems.push(`${code}: de code past niet bij de soort regio "${str(r.SoortRegio_2)}"`);
      continue;
    }
    if (seen.has(code)) {
      problems.push(`${code}: staat dubbel in de tabel`);
      continue;
    }
    seen.add(code);
    municipalityName ||= str(r.Gemeentenaam_1);
    const name = titles.get(code) ?? '';
    if (!name) problems.push(`${code}: geen naam in de dimensie WijkenEnBuurten`);
    items.push({ code, kind: soort, name, districtCode: null });
  }
  // A buurt belongs to the wijk with the same first six characters after BU (BU0363AD03 -> WK0363AD).
  const districts = new Set(items.filter((i) => i.kind === 'district').map((i) => i.code));
  for (const i of items) if (i.kind === 'neighbourhood' && districts.has(conventionalDistrictCode(i.code))) i.districtCode = conventionalDistrictCode(i.code);
  if (problems.length) throw new CbsError(`De gegevens van tabel ${table} kloppen niet; er is niets gewijzigd:\n  ${problems.slice(0, 20).join('\n  ')}`);
  if (!items.length) throw new CbsError(`Tabel ${table} bevat geen wijken of buurten van ${municipalityCode}; er is niets gewijzigd.`);
  items.sort((a, b) => (a.kind === b.kind ? a.code.localeCompare(b.code) : a.kind === 'district' ? -1 : 1));
  return { municipalityCode, municipalityName, items };
}

/** Fetches and checks the districts and neighbourhoods of one municipality. Writes nothing. */
export async function fetchCbsNeighbourhoods(municipalityCode: string, o: CbsOptions): Promise<CbsNeighbourhoodList> {
  const code = municipalityCode.trim().toUpperCase();
  if (!/^GM\d{4}$/.test(code)) throw new CbsError(`"${municipalityCode}" is geen CBS-gemeentecode (zoals GM0363).`);
  const table = (o.table ?? DEFAULT_NEIGHBOURHOOD_TABLE).toUpperCase();
  if (!/^[0-9A-Z]{5,12}$/.test(table)) throw new CbsError(`"${o.table}" is geen CBS-tabelnummer (zoals ${DEFAULT_NEIGHBOURHOOD_TABLE}).`);
  const digits = municipalityDigits(code);
  const api = `${o.baseUrl ?? CBS_BASE_URL}/ODataApi/odata/${table}`;
  const typedFilter = encodeURIComponent(`startswith(WijkenEnBuurten,'GM${digits}') or startswith(WijkenEnBuurten,'WK${digits}') or startswith(WijkenEnBuurten,'BU${digits}')`);
  const typed = await getAllPages(o, `${api}/TypedDataSet?$format=json&$filter=${typedFilter}&$select=WijkenEnBuurten,Gemeentenaam_1,SoortRegio_2,Codering_3`, `Tabel ${table}`);
  const dimFilter = encodeURIComponent(`startswith(Key,'WK${digits}') or startswith(Key,'BU${digits}')`);
  const dimension = await getAllPages(o, `${api}/WijkenEnBuurten?$format=json&$filter=${dimFilter}&$select=Key,Title,Municipality`, 'Namen van wijken en buurten');
  const list = mapCbsNeighbourhoods(code, typed, dimension, table);
  o.onProgress?.(`${list.items.filter((i) => i.kind === 'district').length} wijken en ${list.items.filter((i) => i.kind === 'neighbourhood').length} buurten van ${list.municipalityName || code} opgehaald.`);
  return { table, ...list };
}

/**
 * Writes a fetched list: new codes are added, changed names or wijk links updated, deleted
 * records brought back. One transaction, audit-logged.
 */
export async function importCbsNeighbourhoods(db: Db, actx: AuditContext, list: CbsNeighbourhoodList, onProgress?: (done: number, total: number) => void): Promise<WriteCounts> {
  const m = (await municipalitiesByCode(db)).get(list.municipalityCode);
  const problem = municipalityCodeProblem(list.municipalityCode, m);
  if (problem) throw new CbsError(problem);
  const records: NeighbourhoodRecord[] = list.items.map((i) => ({ ...i, municipalityId: m!.id }));
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    const counts = await writeNeighbourhoods(t, records, onProgress);
    await audit(t, actx, { action: 'import', entity: 'neighbourhood', details: { source: 'CBS', table: list.table, municipality: list.municipalityCode, ...counts } });
    return counts;
  });
}

/** CLI: `import-neighbourhoods --municipality GM0363 [--table 85984NED]`. */
export function registerNeighbourhoodCommands(program: Command, fetchImpl: FetchLike = fetch as unknown as FetchLike) {
  program
    .command('import-neighbourhoods')
    .description('Import the districts (wijken) and neighbourhoods (buurten) of a municipality from CBS open data (Kerncijfers wijken en buurten)')
    .requiredOption('--municipality <code>', 'CBS code of the municipality, e.g. GM0363')
    .option('--table <id>', 'CBS table "Kerncijfers wijken en buurten" of the wanted year', DEFAULT_NEIGHBOURHOOD_TABLE)
    .action((o: { municipality: string; table: string }) =>
      withRuntime(async (rt) => {
        let list: CbsNeighbourhoodList;
        try {
          list = await fetchCbsNeighbourhoods(o.municipality, { fetch: fetchImpl, table: o.table, onProgress: (msg) => cliLog.info(msg) });
        } catch (e) {
          if (e instanceof CbsError) throw new CliError(e.message, /geen CBS-(gemeentecode|tabelnummer)/.test(e.message) ? 2 : 1);
          throw e;
        }
        let last = -1;
        const counts = await importCbsNeighbourhoods(rt.ctx.database.db, { label: 'cli' }, list, (done, total) => {
          const pct = Math.floor((done / total) * 10);
          if (pct !== last || done === total) cliLog.info(`Opslaan: ${done}/${total}`);
          last = pct;
        }).catch((e) => {
          throw e instanceof CbsError ? new CliError(e.message) : e;
        });
        process.stdout.write(`Wijken en buurten van ${list.municipalityName || list.municipalityCode} (tabel ${list.table}): ${counts.created} nieuw, ${counts.updated} gewijzigd, ${counts.unchanged} ongewijzigd.\n`);
      }),
    );
}
