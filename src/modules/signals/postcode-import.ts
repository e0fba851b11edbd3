import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import zlib from 'node:zlib';
import { isNull, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/index.js';
import { audit, type AuditContext } from '../../platform/audit.js';
import { municipalities, neighbourhoods } from '../registry/schema.js';
import { normalisePostcode, parseHouseNumber } from './model.js';

/**
 * Importer for the CBS open-data file "Buurt, wijk en gemeente <year> voor postcode huisnummer"
 * (https://www.cbs.nl/nl-nl/maatwerk/2024/35/buurt-wijk-en-gemeente-2024-voor-postcode-huisnummer):
 * one line per address, `PC6;Huisnummer;Buurt2024;Wijk2024;Gemeente2024`, codes without their
 * BU/WK/GM prefix (and sometimes without leading zeros).
 *
 * The file (about 9 million lines) is streamed. Consecutive lines of the same postcode and area
 * are collapsed into one "run" and runs are staged in batches in a temporary table, so memory
 * stays bounded whatever the file's order. PostgreSQL then picks each postcode's majority area
 * (→ postcode_areas, with the address count) and writes the house numbers that lie elsewhere
 * (→ postcode_address_areas). Everything happens in one transaction: the previous 'cbs' rows are
 * replaced all-or-nothing; 'manual' rows and the exceptions of manually corrected postcodes are
 * never touched; 'pdok' rows are overwritten by the import's answer for their postcode. A file
 * that would remove more than 10% of the previous import's postcodes is refused unless
 * `allowShrink` is given.
 *
 * Accepts the .csv, or the .zip as CBS publishes it (read with node:zlib; ZIP64 and encrypted
 * archives are refused with the advice to unzip first).
 */

export interface LineProblem {
  line: number;
  reason: string;
}

export interface PostcodeImportSummary {
  /** The file name (for the report and the audit log). */
  file: string;
  /** The columns found, e.g. { postcode: 'PC6', houseNumber: 'Huisnummer', neighbourhood: 'Buurt2024', municipality: 'Gemeente2024' }. */
  columns: Record<string, string>;
  /** The year of the classification, from the column names (Buurt2024 → 2024), when present. */
  year: number | null;
  /** Data lines read (the header and empty lines not counted). */
  lines: number;
  /** Lines used for the table (known municipality, well-formed). */
  addresses: number;
  /** Postcodes written with source 'cbs'. */
  postcodes: number;
  /** House numbers written as exceptions to their postcode's majority. */
  exceptions: number;
  /** Postcodes in the file left alone because they were corrected by hand. */
  manualKept: number;
  /** 'cbs' postcode rows of the previous import that were replaced. */
  replaced: number;
  /** 'cbs' postcodes of the previous import that are not in this file: they disappeared from the table. */
  removed: number;
  /** Municipality codes not in the registry: their lines were skipped. */
  unknownMunicipalities: { code: string; lines: number }[];
  unknownMunicipalityLines: number;
  /** Neighbourhood codes not in the registry (or of another municipality): routed on the municipality only. */
  unknownNeighbourhoods: { code: string; lines: number }[];
  unknownNeighbourhoodCount: number;
  unknownNeighbourhoodLines: number;
  /** Lines without a neighbourhood code. */
  withoutNeighbourhood: number;
  badLines: number;
  /** The first malformed lines, with their line number in the file. */
  badExamples: LineProblem[];
  durationMs: number;
}

/** The import was refused; nothing was changed. */
export class PostcodeImportError extends Error {
  constructor(
    message: string,
    public readonly problems: LineProblem[] = [],
  ) {
    super(message);
    this.name = 'PostcodeImportError';
  }
}

/**
 * The import was refused because the file would remove too many postcodes of the previous
 * import (a partial or wrong file); nothing was changed. `allowShrink` imports it anyway.
 */
export class PostcodeShrinkError extends PostcodeImportError {
  constructor(
    /** 'cbs' postcodes now in the table that are not in the file. */
    public readonly removed: number,
    /** 'cbs' postcodes now in the table. */
    public readonly existing: number,
  ) {
    const n = (v: number) => v.toLocaleString('nl-NL');
    const pct = ((removed / existing) * 100).toFixed(1).replace('.', ',');
    super(
      `Dit bestand zou ${n(removed)} van de ${n(existing)} postcodes uit de vorige CBS-import (${pct}%) uit de postcodetabel laten verdwijnen, omdat ze niet in het bestand staan. ` +
        `Is het bestand misschien niet compleet (bijvoorbeeld alleen één gemeente of provincie)? Er is niets gewijzigd.`,
    );
    this.name = 'PostcodeShrinkError';
  }
}

/** Without `allowShrink`, an import may remove at most this share of the previous import's postcodes. */
export const MAX_SHRINK_SHARE = 0.1;

export interface PostcodeSource {
  /** A file on disk (CLI). */
  path?: string;
  /** Or the uploaded bytes (admin UI). */
  content?: Buffer;
  /** The file name: '.zip' is unpacked, anything else is read as CSV. */
  filename: string;
}

export interface PostcodeImportOptions {
  /** Called every 100,000 lines with the number of lines read. */
  onProgress?: (lines: number) => void;
  /** How many lines may be malformed before the import is refused (default: 1% of the lines, at least 10). */
  maxBadShare?: number;
  /**
   * Import even when more than MAX_SHRINK_SHARE of the previous import's postcodes are not in the
   * file (and so disappear from the table). Without it such a file is refused (PostcodeShrinkError).
   */
  allowShrink?: boolean;
}

const MAX_EXAMPLES = 20;
const REPORTED_CODES = 20;
const BATCH_RUNS = 5000;
const MIN_BAD_ALLOWED = 10;

/* ------------------------------------------------------------------------------------------
 * Reading: CSV or the CSV inside a zip
 * ---------------------------------------------------------------------------------------- */

interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  localHeaderOffset: number;
}

/** Random access to the zip's bytes, from a file or a buffer. */
interface ByteSource {
  size: number;
  read(start: number, length: number): Promise<Buffer>;
  stream(start: number, length: number): Readable;
  close(): Promise<void>;
}

async function byteSource(src: PostcodeSource): Promise<ByteSource> {
  if (src.content) {
    const buf = src.content;
    return {
      size: buf.length,
      read: async (start, length) => buf.subarray(start, start + length),
      stream: (start, length) => Readable.from([buf.subarray(start, start + length)]),
      close: async () => undefined,
    };
  }
  const fh = await fs.promises.open(src.path!, 'r');
  const { size } = await fh.stat();
  return {
    size,
    read: async (start, length) => {
      const b = Buffer.alloc(length);
      const { bytesRead } = await fh.read(b, 0, length, start);
      return b.subarray(0, bytesRead);
    },
    stream: (start, length) => fs.createReadStream(src.path!, { start, end: start + length - 1 }),
    close: () => fh.close(),
  };
}

const ZIP_ADVICE = 'Pak het zip-bestand eerst uit en importeer het CSV-bestand.';

const MAX32 = 0xffffffff;
const u64 = (b: Buffer, at: number) => Number(b.readBigUInt64LE(at));

/** The entries of a zip file, from its central directory (ZIP64 sizes and offsets included). */
async function zipEntries(bytes: ByteSource): Promise<ZipEntry[]> {
  const tailLength = Math.min(bytes.size, 22 + 65535);
  const tail = await bytes.read(bytes.size - tailLength, tailLength);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new PostcodeImportError(`Dit is geen geldig zip-bestand. ${ZIP_ADVICE}`);
  let count = tail.readUInt16LE(eocd + 10);
  let dirSize = tail.readUInt32LE(eocd + 12);
  let dirOffset = tail.readUInt32LE(eocd + 16);
  if (count === 0xffff || dirSize === MAX32 || dirOffset === MAX32) {
    // ZIP64: the locator just before the end record points to the ZIP64 end record.
    if (eocd < 20 || tail.readUInt32LE(eocd - 20) !== 0x07064b50) throw new PostcodeImportError(`Het zip-bestand is beschadigd. ${ZIP_ADVICE}`);
    const record = await bytes.read(u64(tail, eocd - 20 + 8), 56);
    if (record.length < 56 || record.readUInt32LE(0) !== 0x06064b50) throw new PostcodeImportError(`Het zip-bestand is beschadigd. ${ZIP_ADVICE}`);
    count = u64(record, 32);
    dirSize = u64(record, 40);
    dirOffset = u64(record, 48);
  }
  if (dirOffset + dirSize > bytes.size || dirSize > 64 * 1024 * 1024) throw new PostcodeImportError(`Het zip-bestand is beschadigd. ${ZIP_ADVICE}`);
  const dir = await bytes.read(dirOffset, dirSize);
  const entries: ZipEntry[] = [];
  let at = 0;
  for (let i = 0; i < count && at + 46 <= dir.length; i++) {
    if (dir.readUInt32LE(at) !== 0x02014b50) break;
    const nameLength = dir.readUInt16LE(at + 28);
    const extraLength = dir.readUInt16LE(at + 30);
    const commentLength = dir.readUInt16LE(at + 32);
    let uncompressedSize = dir.readUInt32LE(at + 24);
    let compressedSize = dir.readUInt32LE(at + 20);
    let localHeaderOffset = dir.readUInt32LE(at + 42);
    // The ZIP64 extra field holds, in this order, the values that did not fit in 32 bits.
    for (let x = at + 46 + nameLength; x + 4 <= at + 46 + nameLength + extraLength; ) {
      const id = dir.readUInt16LE(x);
      const size = dir.readUInt16LE(x + 2);
      if (id === 0x0001) {
        let v = x + 4;
        const next = () => {
          const value = v + 8 <= x + 4 + size ? u64(dir, v) : MAX32;
          v += 8;
          return value;
        };
        if (uncompressedSize === MAX32) uncompressedSize = next();
        if (compressedSize === MAX32) compressedSize = next();
        if (localHeaderOffset === MAX32) localHeaderOffset = next();
      }
      x += 4 + size;
    }
    entries.push({
      flags: dir.readUInt16LE(at + 8),
      method: dir.readUInt16LE(at + 10),
      compressedSize,
      localHeaderOffset,
      name: dir.toString('utf8', at + 46, at + 46 + nameLength),
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** The text stream of the CSV file: the file itself, or the (largest) .csv inside the zip. */
async function openText(src: PostcodeSource): Promise<{ stream: Readable; close: () => Promise<void> }> {
  if (!/\.zip$/i.test(src.filename)) {
    const stream = src.content ? Readable.from([src.content]) : fs.createReadStream(src.path!);
    return { stream, close: async () => undefined };
  }
  const bytes = await byteSource(src);
  try {
    const csv = (await zipEntries(bytes))
      .filter((e) => /\.csv$/i.test(e.name) && !e.name.startsWith('__MACOSX/'))
      .sort((a, b) => b.compressedSize - a.compressedSize)[0];
    if (!csv) throw new PostcodeImportError('Het zip-bestand bevat geen CSV-bestand.');
    if (csv.flags & 1) throw new PostcodeImportError(`Het CSV-bestand in de zip is versleuteld. ${ZIP_ADVICE}`);
    if (csv.method !== 0 && csv.method !== 8) throw new PostcodeImportError(`Het CSV-bestand in de zip is gecomprimeerd op een manier die we niet kunnen lezen. ${ZIP_ADVICE}`);
    const local = await bytes.read(csv.localHeaderOffset, 30);
    if (local.length < 30 || local.readUInt32LE(0) !== 0x04034b50) throw new PostcodeImportError(`Het zip-bestand is beschadigd. ${ZIP_ADVICE}`);
    const start = csv.localHeaderOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
    const raw = bytes.stream(start, csv.compressedSize);
    const out = csv.method === 8 ? zlib.createInflateRaw() : new PassThrough();
    raw.on('error', (e) => out.destroy(e));
    raw.pipe(out);
    return { stream: out, close: () => bytes.close() };
  } catch (e) {
    await bytes.close();
    throw e;
  }
}

/* ------------------------------------------------------------------------------------------
 * Parsing
 * ---------------------------------------------------------------------------------------- */

const unquote = (s: string) => s.trim().replace(/^"(.*)"$/, '$1').trim();

interface Columns {
  postcode: number;
  houseNumber: number;
  neighbourhood: number;
  municipality: number;
  names: Record<string, string>;
  year: number | null;
  width: number;
}

/** Finds the columns by name prefix (the year suffix changes every edition). */
export function detectColumns(headerLine: string): Columns {
  const fields = headerLine.replace(/^\uFEFF/, '').split(';').map(unquote);
  const find = (test: (f: string) => boolean) => fields.findIndex((f) => test(f.toLowerCase()));
  const cols = {
    postcode: find((f) => f === 'pc6' || f.startsWith('postcode')),
    houseNumber: find((f) => f.startsWith('huisnummer') || f === 'huisnr'),
    neighbourhood: find((f) => f.startsWith('buurt')),
    municipality: find((f) => f.startsWith('gemeente')),
  };
  const missing = Object.entries({ postcode: 'PC6', houseNumber: 'Huisnummer', neighbourhood: 'Buurt<jaar>', municipality: 'Gemeente<jaar>' })
    .filter(([k]) => cols[k as keyof typeof cols] < 0)
    .map(([, label]) => label);
  if (missing.length || fields.length < 4) {
    throw new PostcodeImportError(
      `De eerste regel is niet de kop van het CBS-bestand "Buurt, wijk en gemeente voor postcode huisnummer". Verwacht: PC6;Huisnummer;Buurt<jaar>;Wijk<jaar>;Gemeente<jaar> (gescheiden door puntkomma's). ${
        missing.length ? `Niet gevonden: ${missing.join(', ')}.` : ''
      } Er is niets gewijzigd.`.trim(),
      [{ line: 1, reason: `kop: ${headerLine.slice(0, 120)}` }],
    );
  }
  const year = /(\d{4})$/.exec(fields[cols.neighbourhood])?.[1];
  return {
    ...cols,
    names: { postcode: fields[cols.postcode], houseNumber: fields[cols.houseNumber], neighbourhood: fields[cols.neighbourhood], municipality: fields[cols.municipality] },
    year: year ? Number(year) : null,
    width: Math.max(cols.postcode, cols.houseNumber, cols.neighbourhood, cols.municipality) + 1,
  };
}

/** "363" / "0363" / "GM0363" → "GM0363"; null when it is not a municipality code. */
export function municipalityCode(raw: string): string | null {
  const v = raw.toUpperCase().replace(/^GM/, '');
  return /^\d{1,4}$/.test(v) ? `GM${v.padStart(4, '0')}` : null;
}

/** "3630000" / "03630000" / "BU03630000" / "0363AD03" → "BU…" (8 characters); null when malformed. */
export function neighbourhoodCode(raw: string): string | null {
  const v = raw.toUpperCase().replace(/^BU/, '');
  // Digits only (leading zeros may be missing), or municipality digits + 4 characters (Amsterdam: 363AD03).
  if (!/^\d{1,8}$/.test(v) && !/^\d{1,4}[0-9A-Z]{4}$/.test(v)) return null;
  const code = `BU${v.padStart(8, '0')}`;
  return /^BU\d{4}[0-9A-Z]{4}$/.test(code) ? code : null;
}

/** Registry lookups: municipality code → current municipality id (following mergers), neighbourhood code → ids. */
async function registryMaps(db: Db) {
  const ms = await db.select({ id: municipalities.id, cbsCode: municipalities.cbsCode, successorId: municipalities.successorId }).from(municipalities).where(isNull(municipalities.deletedAt));
  const byId = new Map(ms.map((m) => [m.id, m]));
  const municipality = new Map<string, number>();
  for (const m of ms) {
    let current = m;
    for (let hops = 0; current.successorId && byId.has(current.successorId) && hops < 20; hops++) current = byId.get(current.successorId)!;
    municipality.set(m.cbsCode, current.id);
  }
  const ns = await db
    .select({ id: neighbourhoods.id, code: neighbourhoods.code, municipalityId: neighbourhoods.municipalityId })
    .from(neighbourhoods)
    .where(sql`${neighbourhoods.deletedAt} is null and ${neighbourhoods.kind} = 'neighbourhood'`);
  const neighbourhood = new Map(ns.map((n) => [n.code, n]));
  return { municipality, neighbourhood };
}

/** Counts per code, reported as the most frequent first. */
function topCodes(m: Map<string, number>): { code: string; lines: number }[] {
  return [...m.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, REPORTED_CODES)
    .map(([code, lines]) => ({ code, lines }));
}

/* ------------------------------------------------------------------------------------------
 * The import
 * ---------------------------------------------------------------------------------------- */

/** Consecutive lines of one postcode in one area. */
interface Run {
  pc6: string;
  m: number;
  n: number | null;
  numbers: number[];
}

/**
 * Imports the CBS file into the postcode table, replacing the previous import in one
 * transaction. Throws PostcodeImportError (nothing changed) on a wrong header, an unreadable
 * file, no usable lines, or more malformed lines than allowed; PostcodeShrinkError when the file
 * would remove more than MAX_SHRINK_SHARE of the previous import's postcodes (without allowShrink).
 */
export async function importPostcodes(db: Db, actx: AuditContext, src: PostcodeSource, opts: PostcodeImportOptions = {}): Promise<PostcodeImportSummary> {
  const started = Date.now();
  const maps = await registryMaps(db);
  const { stream, close } = await openText(src);
  const updatedBy = actx.principal?.kind === 'user' ? actx.principal.id : null;
  try {
    return await db.transaction(async (tx) => {
      await tx.execute(sql`create temporary table pc_stage (pc6 text not null, municipality_id int not null, neighbourhood_id int, numbers int[] not null) on commit drop`);

      let cols = null as Columns | null;
      let lineNo = 0;
      let lines = 0;
      let addresses = 0;
      let withoutNeighbourhood = 0;
      let bad = 0;
      const badExamples: LineProblem[] = [];
      const unknownM = new Map<string, number>();
      const unknownN = new Map<string, number>();

      // The current run: consecutive lines with the same postcode and area.
      let run: Run | null = null;
      let batch: Run[] = [];
      const flushBatch = async () => {
        if (!batch.length) return;
        const rows = batch;
        batch = [];
        await tx.execute(sql`
          insert into pc_stage (pc6, municipality_id, neighbourhood_id, numbers)
          select a, b, c, d::int[] from unnest(
            ${sql.param(rows.map((r) => r.pc6))}::text[], ${sql.param(rows.map((r) => r.m))}::int[],
            ${sql.param(rows.map((r) => r.n))}::int[], ${sql.param(rows.map((r) => `{${r.numbers.join(',')}}`))}::text[]) as t(a, b, c, d)`);
      };
      const problem = (reason: string) => {
        bad++;
        if (badExamples.length < MAX_EXAMPLES) badExamples.push({ line: lineNo, reason });
      };

      // Codes repeat millions of times: resolve each distinct raw value once.
      const CACHE_LIMIT = 200_000;
      const gmCache = new Map<string, { code: string | null; id: number | undefined }>();
      const buCache = new Map<string, string | null | false>();
      let lastPcRaw = '';
      let lastPc: string | null = null;

      /** One data line; returns true when a batch of runs is ready to be written. */
      const handle = (rawLine: string): boolean => {
        lineNo++;
        if (!cols) {
          cols = detectColumns(rawLine);
          return false;
        }
        if (rawLine.trim() === '') return false;
        lines++;
        if (opts.onProgress && lines % 100_000 === 0) opts.onProgress(lines);
        const f = rawLine.split(';');
        if (f.length < cols.width) {
          problem(`${f.length} kolom${f.length === 1 ? '' : 'men'} in plaats van ${cols.width} of meer`);
          return false;
        }
        const rawPc = f[cols.postcode]!;
        if (rawPc !== lastPcRaw) {
          lastPcRaw = rawPc;
          lastPc = normalisePostcode(unquote(rawPc));
        }
        const pc6 = lastPc;
        if (!pc6) {
          problem(`postcode "${unquote(rawPc).slice(0, 20)}" is geen geldige postcode (1234AB)`);
          return false;
        }
        const hn = parseHouseNumber(unquote(f[cols.houseNumber]!));
        if (hn === null) {
          problem(`huisnummer "${unquote(f[cols.houseNumber]!).slice(0, 20)}" is geen getal van 1 tot 99999`);
          return false;
        }
        const rawGm = f[cols.municipality]!;
        let gm = gmCache.get(rawGm);
        if (!gm) {
          const code = municipalityCode(unquote(rawGm));
          gm = { code, id: code ? maps.municipality.get(code) : undefined };
          if (gmCache.size < CACHE_LIMIT) gmCache.set(rawGm, gm);
        }
        if (!gm.code) {
          problem(`gemeentecode "${unquote(rawGm).slice(0, 20)}" is geen CBS-gemeentecode`);
          return false;
        }
        const rawBu = f[cols.neighbourhood]!;
        let bu = buCache.get(rawBu);
        if (bu === undefined) {
          const v = unquote(rawBu);
          bu = v === '' ? null : (neighbourhoodCode(v) ?? false);
          if (buCache.size < CACHE_LIMIT) buCache.set(rawBu, bu);
        }
        if (bu === false) {
          problem(`buurtcode "${unquote(rawBu).slice(0, 20)}" is geen CBS-buurtcode`);
          return false;
        }
        const m = gm.id;
        if (m === undefined) {
          unknownM.set(gm.code, (unknownM.get(gm.code) ?? 0) + 1);
          return false;
        }
        let n: number | null = null;
        if (bu) {
          const hit = maps.neighbourhood.get(bu);
          if (hit && hit.municipalityId === m) n = hit.id;
          else unknownN.set(bu, (unknownN.get(bu) ?? 0) + 1);
        } else withoutNeighbourhood++;
        addresses++;
        if (run && run.pc6 === pc6 && run.m === m && run.n === n) {
          run.numbers.push(hn);
          return false;
        }
        if (run) batch.push(run);
        run = { pc6, m, n, numbers: [hn] };
        return batch.length >= BATCH_RUNS;
      };

      // Lines per chunk (much faster than readline's per-line async iteration).
      const decoder = new StringDecoder('utf8');
      let rest = '';
      for await (const chunk of stream) {
        const text = rest + (typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer));
        const parts = text.split('\n');
        rest = parts.pop()!;
        let flush = false;
        for (const part of parts) flush = handle(part.endsWith('\r') ? part.slice(0, -1) : part) || flush;
        if (flush) await flushBatch();
      }
      rest += decoder.end();
      if (rest) handle(rest.endsWith('\r') ? rest.slice(0, -1) : rest);
      if (!cols) throw new PostcodeImportError('Het bestand is leeg. Er is niets gewijzigd.');
      if (run) batch.push(run);
      await flushBatch();
      opts.onProgress?.(lines);

      const allowed = Math.max(MIN_BAD_ALLOWED, Math.floor(lines * (opts.maxBadShare ?? 0.01)));
      if (bad > allowed) {
        throw new PostcodeImportError(`${bad} van de ${lines} regels zijn onjuist (meer dan ${allowed} toegestaan). Er is niets gewijzigd. De eerste fouten staan hieronder.`, badExamples);
      }
      if (addresses === 0) {
        throw new PostcodeImportError(
          unknownM.size
            ? `Geen enkele regel hoort bij een gemeente uit het register (onbekende codes: ${topCodes(unknownM).map((c) => c.code).join(', ')}). Werk eerst de gemeentelijst bij. Er is niets gewijzigd.`
            : 'Het bestand bevat geen bruikbare regels. Er is niets gewijzigd.',
          badExamples,
        );
      }

      await tx.execute(sql`analyze pc_stage`);
      // Each postcode's majority area (ties: the lowest municipality and neighbourhood id, stable across runs).
      await tx.execute(sql`
        create temporary table pc_majority on commit drop as
        select distinct on (pc6) pc6, municipality_id, neighbourhood_id, total::int as total
          from (select pc6, municipality_id, neighbourhood_id, sum(cardinality(numbers)) as n,
                       sum(sum(cardinality(numbers))) over (partition by pc6) as total
                  from pc_stage group by pc6, municipality_id, neighbourhood_id) a
         order by pc6, n desc, municipality_id, neighbourhood_id nulls last`);
      await tx.execute(sql`create unique index on pc_majority (pc6)`);
      await tx.execute(sql`analyze pc_majority`);

      // A partial file (one province, a truncated download) would wipe every other CBS postcode
      // nationwide: refuse it unless the caller says that is intended.
      const shrink = (
        await tx.execute<{ existing: number; removed: number }>(sql`
          select count(*)::int as existing,
                 count(*) filter (where not exists (select 1 from pc_majority m where m.pc6 = p.postcode))::int as removed
            from postcode_areas p where p.source = 'cbs'`)
      ).rows[0] ?? { existing: 0, removed: 0 };
      if (!opts.allowShrink && shrink.existing > 0 && shrink.removed > shrink.existing * MAX_SHRINK_SHARE) {
        throw new PostcodeShrinkError(shrink.removed, shrink.existing);
      }

      const manualKept = Number(
        (await tx.execute<{ n: number }>(sql`select count(*)::int as n from pc_majority m join postcode_areas p on p.postcode = m.pc6 and p.source = 'manual'`)).rows[0]?.n ?? 0,
      );
      // Replace the previous import. Manual postcodes keep their exceptions (whatever their source); manual exceptions stay.
      await tx.execute(sql`
        delete from postcode_address_areas a
         where a.source = 'cbs' and not exists (select 1 from postcode_areas p where p.postcode = a.postcode and p.source = 'manual')`);
      const replaced = (await tx.execute(sql`delete from postcode_areas where source = 'cbs'`)).rowCount ?? 0;
      const postcodes =
        (
          await tx.execute(sql`
            insert into postcode_areas (postcode, municipality_id, neighbourhood_id, source, address_count, updated_by, updated_at)
            select pc6, municipality_id, neighbourhood_id, 'cbs', total, ${updatedBy}::int, now() from pc_majority
            on conflict (postcode) do update
               set municipality_id = excluded.municipality_id, neighbourhood_id = excluded.neighbourhood_id, source = 'cbs',
                   address_count = excluded.address_count, updated_by = excluded.updated_by, updated_at = excluded.updated_at
             where postcode_areas.source <> 'manual'`)
        ).rowCount ?? 0;
      const exceptions =
        (
          await tx.execute(sql`
            insert into postcode_address_areas (postcode, house_number, municipality_id, neighbourhood_id, source)
            select s.pc6, h.hn, s.municipality_id, s.neighbourhood_id, 'cbs'
              from pc_stage s
              join pc_majority m on m.pc6 = s.pc6
             cross join lateral unnest(s.numbers) as h(hn)
             where (s.municipality_id, s.neighbourhood_id) is distinct from (m.municipality_id, m.neighbourhood_id)
               and not exists (select 1 from postcode_areas p where p.postcode = s.pc6 and p.source = 'manual')
            on conflict (postcode, house_number) do nothing`)
        ).rowCount ?? 0;

      const summary: PostcodeImportSummary = {
        file: path.basename(src.filename),
        columns: cols.names,
        year: cols.year,
        lines,
        addresses,
        postcodes,
        exceptions,
        manualKept,
        replaced,
        removed: shrink.removed,
        unknownMunicipalities: topCodes(unknownM),
        unknownMunicipalityLines: [...unknownM.values()].reduce((a, b) => a + b, 0),
        unknownNeighbourhoods: topCodes(unknownN),
        unknownNeighbourhoodCount: unknownN.size,
        unknownNeighbourhoodLines: [...unknownN.values()].reduce((a, b) => a + b, 0),
        withoutNeighbourhood,
        badLines: bad,
        badExamples,
        durationMs: Date.now() - started,
      };
      // The counts, not the examples (a bad line could hold anything).
      const { columns: _c, unknownNeighbourhoods: _n, badExamples: _b, unknownMunicipalities, durationMs: _d, ...counts } = summary;
      await audit(tx, actx, { action: 'import', entity: 'postcode', details: { source: 'cbs', ...counts, unknownMunicipalities: unknownMunicipalities.map((c) => c.code) } });
      return summary;
    });
  } finally {
    stream.destroy();
    await close();
  }
}

/** The summary as Dutch lines of text (CLI output and the admin page). */
export function summaryLines(s: PostcodeImportSummary): string[] {
  const n = (v: number) => v.toLocaleString('nl-NL');
  const out = [
    `Bestand: ${s.file}${s.year ? ` (indeling ${s.year})` : ''}`,
    `Regels gelezen: ${n(s.lines)}; adressen gebruikt: ${n(s.addresses)}`,
    `Postcodes opgeslagen: ${n(s.postcodes)} (vorige import: ${n(s.replaced)})`,
    `Postcodes verdwenen (wel in de vorige import, niet in dit bestand): ${n(s.removed)}`,
    `Uitzonderingen (huisnummers in een andere buurt of gemeente dan de rest van de postcode): ${n(s.exceptions)}`,
    `Handmatig gecorrigeerde postcodes niet overschreven: ${n(s.manualKept)}`,
    `Onbekende gemeentecodes: ${s.unknownMunicipalities.length ? `${s.unknownMunicipalities.map((c) => `${c.code} (${n(c.lines)})`).join(', ')}; ${n(s.unknownMunicipalityLines)} regels overgeslagen` : 'geen'}`,
    `Onbekende buurtcodes: ${
      s.unknownNeighbourhoodCount
        ? `${n(s.unknownNeighbourhoodCount)} (${n(s.unknownNeighbourhoodLines)} adressen, gerouteerd op gemeente), bijvoorbeeld ${s.unknownNeighbourhoods.slice(0, 5).map((c) => c.code).join(', ')}`
        : 'geen'
    }`,
    `Adressen zonder buurtcode: ${n(s.withoutNeighbourhood)}`,
    `Onjuiste regels (overgeslagen): ${n(s.badLines)}`,
    ...s.badExamples.map((p) => `  regel ${p.line}: ${p.reason}`),
    `Duur: ${(s.durationMs / 1000).toFixed(1)} s`,
  ];
  return out;
}
