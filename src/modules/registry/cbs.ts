import { CBS_MUNICIPALITY, CBS_PROVINCE, type ReferenceMunicipality } from './service.js';

/**
 * Reads the official list of municipalities from the CBS open-data API (OData v3,
 * https://opendata.cbs.nl). CBS publishes it every year in a table "Gebieden in Nederland <year>"
 * (e.g. 85385NED for 2023, 86059NED for 2025). The table id is looked up in the CBS catalogue,
 * and the columns are looked up in the table's DataProperties, because their keys differ per
 * edition (the province code was Code_34 in 2016 and Code_28 in 2023): nothing here depends on
 * one edition.
 *
 * Everything is fetched and checked before the caller writes anything, so a network failure or
 * an unexpected answer changes nothing.
 */

export const CBS_BASE_URL = 'https://opendata.cbs.nl';
export const CBS_TABLE_TITLE = 'Gebieden in Nederland';

/** The part of `fetch` we use; injectable so tests run offline on fixtures. */
export type FetchLike = (url: string, init?: { headers?: Record<string, string>; signal?: AbortSignal }) => Promise<{
  ok: boolean;
  status: number;
  statusText?: string;
  json(): Promise<unknown>;
}>;

export class CbsError extends Error {}

export interface CbsOptions {
  fetch: FetchLike;
  /** Host of the API (default https://opendata.cbs.nl). */
  baseUrl?: string;
  /** A table id such as 86059NED; without it the catalogue is searched. */
  table?: string;
  /** The edition (year) to look for in the catalogue; default: the newest published. */
  year?: number;
  timeoutMs?: number;
  onProgress?: (message: string) => void;
}

export interface CbsTable {
  id: string;
  title: string;
}

export interface CbsMunicipalityList {
  table: CbsTable;
  municipalities: ReferenceMunicipality[];
  provinces: { code: string; name: string }[];
}

/** One entry of a v3 DataProperties answer (only the fields we read). */
interface DataProperty {
  'odata.type'?: string;
  ID: number;
  ParentID: number | null;
  Type?: string;
  Key: string;
  Title: string;
  Datatype?: string;
}

export interface CbsColumns {
  code: string;
  name: string;
  provinceCode: string;
  provinceName: string;
  population?: string;
}

async function getJson(o: CbsOptions, url: string): Promise<Record<string, unknown>> {
  let res: Awaited<ReturnType<FetchLike>>;
  try {
    res = await o.fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(o.timeoutMs ?? 60_000) });
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const why = err.cause?.code ?? err.cause?.message ?? err.message;
    throw new CbsError(`De CBS-open-data-API is niet bereikbaar (${why}) bij ${url}. Controleer de internetverbinding en probeer het later opnieuw.`);
  }
  if (!res.ok) throw new CbsError(`De CBS-open-data-API antwoordde met HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''} op ${url}.`);
  try {
    const body = await res.json();
    if (!body || typeof body !== 'object') throw new Error('not an object');
    return body as Record<string, unknown>;
  } catch {
    throw new CbsError(`Het antwoord van de CBS-open-data-API op ${url} is geen geldige JSON.`);
  }
}

function values(body: Record<string, unknown>, url: string): Record<string, unknown>[] {
  if (!Array.isArray(body.value)) throw new CbsError(`Onverwacht antwoord van de CBS-open-data-API op ${url}: er staat geen "value"-lijst in.`);
  return body.value as Record<string, unknown>[];
}

/** Follows OData paging (v3 `odata.nextLink`, v4 `@odata.nextLink`) and returns all rows. */
export async function getAllPages(o: CbsOptions, firstUrl: string, label: string): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  let url: string | undefined = firstUrl;
  for (let page = 1; url; page++) {
    if (page > 1000) throw new CbsError(`Te veel pagina's bij ${label}; gestopt.`);
    const body = await getJson(o, url);
    rows.push(...values(body, url));
    o.onProgress?.(`${label}: pagina ${page}, ${rows.length} rijen`);
    const next = body['odata.nextLink'] ?? body['@odata.nextLink'];
    url = typeof next === 'string' && next ? new URL(next, url).toString() : undefined;
  }
  return rows;
}

const str = (v: unknown) => (v == null ? '' : String(v)).trim();

/**
 * Finds the table "Gebieden in Nederland <year>" in the CBS catalogue: the given year, or the
 * newest edition that is not in the future.
 */
export async function findMunicipalityTable(o: CbsOptions): Promise<CbsTable> {
  const base = o.baseUrl ?? CBS_BASE_URL;
  const filter = encodeURIComponent(`substringof('${CBS_TABLE_TITLE}',Title)`);
  const url = `${base}/ODataCatalog/Tables?$format=json&$filter=${filter}&$select=Identifier,Title,Period,Modified`;
  const tables = (await getAllPages(o, url, 'CBS-catalogus'))
    .map((t) => ({ id: str(t.Identifier), title: str(t.Title), year: Number(new RegExp(`^${CBS_TABLE_TITLE} (\\d{4})$`).exec(str(t.Title))?.[1]) }))
    .filter((t) => t.id && Number.isInteger(t.year));
  const thisYear = new Date().getFullYear();
  const candidates = tables.filter((t) => (o.year ? t.year === o.year : t.year <= thisYear)).sort((a, b) => b.year - a.year);
  if (!candidates.length) {
    throw new CbsError(
      `Geen tabel "${CBS_TABLE_TITLE} ${o.year ?? ''}" gevonden in de CBS-catalogus${tables.length ? ` (wel: ${tables.map((t) => t.year).sort().join(', ')})` : ''}. Geef de tabel op met --table.`.replace(' ")', '")'),
    );
  }
  return { id: candidates[0].id, title: candidates[0].title };
}

const isType = (p: DataProperty, type: string) => p.Type === type || p['odata.type'] === `Cbs.OData.${type}`;

/**
 * Looks up the columns in DataProperties: the topic group of the municipalities ("Codes en namen
 * van gemeenten") and of the provinces ("Provincies"), each with a "Code" and a "Naam" topic,
 * and the topic "Inwonertal" (optional).
 */
export function findColumns(props: DataProperty[], table = 'de tabel'): CbsColumns {
  const groups = props.filter((p) => isType(p, 'TopicGroup'));
  const pairOf = (groupId: number) => {
    const topics = props.filter((p) => p.ParentID === groupId && isType(p, 'Topic'));
    const code = topics.find((t) => /^code$/i.test(t.Title.trim()))?.Key;
    const name = topics.find((t) => /^naam$/i.test(t.Title.trim()))?.Key;
    return code && name ? { code, name } : null;
  };
  const pairFor = (test: RegExp) => {
    for (const g of groups.filter((x) => test.test(x.Title.trim())).sort((a, b) => (a.ParentID == null ? 0 : 1) - (b.ParentID == null ? 0 : 1) || a.ID - b.ID)) {
      const pair = pairOf(g.ID);
      if (pair) return pair;
    }
    return null;
  };
  const m = pairFor(/gemeente/i);
  const pv = pairFor(/^provincie/i);
  const missing = [!m && 'gemeenten (code en naam)', !pv && 'provincies (code en naam)'].filter(Boolean);
  if (!m || !pv) throw new CbsError(`In de DataProperties van ${table} ontbreken de kolommen voor ${missing.join(' en ')}. Is dit wel een tabel "${CBS_TABLE_TITLE}"?`);
  const population = props.find((p) => isType(p, 'Topic') && /^inwonertal$/i.test(p.Title.trim()))?.Key;
  return { code: m.code, name: m.name, provinceCode: pv.code, provinceName: pv.name, population };
}

/** Turns TypedDataSet rows into reference municipalities: codes trimmed (CBS pads them with spaces), checked. */
export function mapRows(rows: Record<string, unknown>[], cols: CbsColumns, table = 'de tabel'): Omit<CbsMunicipalityList, 'table'> {
  const municipalities: ReferenceMunicipality[] = [];
  const provinces = new Map<string, string>();
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    const code = str(r[cols.code]).toUpperCase();
    if (!CBS_MUNICIPALITY.test(code)) continue; // other region levels or totals, if any
    const name = str(r[cols.name]);
    const provinceCode = str(r[cols.provinceCode]).toUpperCase();
    const provinceName = str(r[cols.provinceName]);
    if (!name) problems.push(`${code}: geen naam`);
    if (!CBS_PROVINCE.test(provinceCode)) problems.push(`${code}: provinciecode "${provinceCode}" is geen CBS-provinciecode`);
    if (seen.has(code)) problems.push(`${code}: staat dubbel in de tabel`);
    seen.add(code);
    // Inhabitants when the edition has them; an empty cell leaves the stored number alone.
    const pop = cols.population ? str(r[cols.population]) : '';
    const population = pop !== '' && /^\d+$/.test(pop) ? Number(pop) : undefined;
    municipalities.push({ cbsCode: code, name, provinceCode, provinceName, population });
    if (CBS_PROVINCE.test(provinceCode) && provinceName) provinces.set(provinceCode, provinceName);
  }
  if (problems.length) throw new CbsError(`De gegevens van ${table} kloppen niet; er is niets gewijzigd:\n  ${problems.slice(0, 20).join('\n  ')}`);
  if (!municipalities.length) throw new CbsError(`${table} bevat geen gemeenten (codes GM0000); er is niets gewijzigd.`);
  return {
    municipalities: municipalities.sort((a, b) => a.cbsCode.localeCompare(b.cbsCode)),
    provinces: [...provinces].map(([code, name]) => ({ code, name })).sort((a, b) => a.code.localeCompare(b.code)),
  };
}

/** Fetches and checks the current list of municipalities and provinces from CBS. Writes nothing. */
export async function fetchCbsMunicipalities(o: CbsOptions): Promise<CbsMunicipalityList> {
  const base = o.baseUrl ?? CBS_BASE_URL;
  const progress = o.onProgress ?? (() => undefined);
  let table: CbsTable;
  if (o.table) {
    if (!/^[0-9A-Za-z]{5,12}$/.test(o.table)) throw new CbsError(`"${o.table}" is geen CBS-tabelnummer (zoals 86059NED).`);
    table = { id: o.table.toUpperCase(), title: o.table.toUpperCase() };
  } else {
    progress('CBS-catalogus doorzoeken…');
    table = await findMunicipalityTable(o);
  }
  progress(`Tabel ${table.id} (${table.title}): kolommen opzoeken…`);
  const api = `${base}/ODataApi/odata/${encodeURIComponent(table.id)}`;
  const propsUrl = `${api}/DataProperties?$format=json`;
  const props = values(await getJson(o, propsUrl), propsUrl) as unknown as DataProperty[];
  const cols = findColumns(props, `tabel ${table.id}`);
  const select = [cols.code, cols.name, cols.provinceCode, cols.provinceName, cols.population].filter(Boolean).join(',');
  const rows = await getAllPages(o, `${api}/TypedDataSet?$format=json&$select=${select}`, `Tabel ${table.id}`);
  const list = mapRows(rows, cols, `tabel ${table.id}`);
  progress(`${list.municipalities.length} gemeenten in ${list.provinces.length} provincies opgehaald.`);
  return { table, ...list };
}
