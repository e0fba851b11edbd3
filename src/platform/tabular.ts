import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type ExcelJS from 'exceljs';

/** exceljs takes ~0.5 s to load: loaded on the first XLSX import or export, not at start-up. */
const loadExcel = async () => (await import('exceljs')).default;
import type { z } from 'zod';

/**
 * Tabular files (CSV and XLSX) for imports and exports of every list.
 *
 * Imports are all-or-nothing: `validateRows` checks every row and reports each problem as
 * (line, field, reason); the caller writes only when there are no problems at all.
 */

export type Format = 'csv' | 'xlsx';

export interface TableColumn<T> {
  /** Header in the file (stable, machine-friendly: snake_case). */
  header: string;
  value: (row: T) => string | number | null | undefined;
}

export interface RowProblem {
  /** Line in the file as a spreadsheet shows it (header = line 1). */
  line: number;
  field: string;
  reason: string;
}

export class TabularError extends Error {}

/** Detects the format from the file name (or content: XLSX files are ZIPs starting with "PK"). */
export function detectFormat(filename: string, content: Buffer): Format {
  if (/\.xlsx$/i.test(filename) || (content[0] === 0x50 && content[1] === 0x4b)) return 'xlsx';
  return 'csv';
}

/** Reads a CSV (comma or semicolon, optional BOM) or XLSX (first sheet) into header-keyed rows. */
export async function readTable(content: Buffer, format: Format): Promise<Record<string, string>[]> {
  if (format === 'csv') {
    const text = content.toString('utf8').replace(/^\uFEFF/, '');
    const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
    const delimiter = (firstLine.match(/;/g)?.length ?? 0) > (firstLine.match(/,/g)?.length ?? 0) ? ';' : ',';
    try {
      const rows = parse(text, { columns: (h: string[]) => h.map(normaliseHeader), skip_empty_lines: true, trim: true, delimiter, relax_column_count: true }) as Record<string, string>[];
      // Undo neutraliseFormula, so an edited export can be imported again.
      for (const r of rows) for (const k of Object.keys(r)) if (/^'[=+\-@\t\r]/.test(r[k])) r[k] = r[k].slice(1);
      return rows;
    } catch (e) {
      throw new TabularError(`Het CSV-bestand kon niet worden gelezen: ${(e as Error).message}`);
    }
  }
  const wb = new (await loadExcel()).Workbook();
  try {
    await wb.xlsx.load(content as unknown as ArrayBuffer);
  } catch {
    throw new TabularError('Het Excel-bestand kon niet worden gelezen. Sla het op als .xlsx of als CSV (UTF-8).');
  }
  const ws = wb.worksheets[0];
  if (!ws) throw new TabularError('Het Excel-bestand heeft geen werkblad.');
  const headers: string[] = [];
  ws.getRow(1).eachCell({ includeEmpty: true }, (cell, col) => (headers[col - 1] = normaliseHeader(cellText(cell.value))));
  const rows: Record<string, string>[] = [];
  for (let r = 2; r <= ws.rowCount; r++) {
    const row = ws.getRow(r);
    const rec: Record<string, string> = {};
    let any = false;
    headers.forEach((h, i) => {
      const v = cellText(row.getCell(i + 1).value).trim();
      if (v) any = true;
      if (h) rec[h] = v;
    });
    if (any) rows.push(rec);
  }
  return rows;
}

function normaliseHeader(h: string): string {
  return h.trim().toLowerCase().replace(/\s+/g, '_');
}

function cellText(v: ExcelJS.CellValue): string {
  if (v == null) return '';
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'object') {
    if ('text' in v && typeof v.text === 'string') return v.text;
    if ('result' in v) return cellText(v.result as ExcelJS.CellValue);
    if ('richText' in v) return v.richText.map((t) => t.text).join('');
    if ('hyperlink' in v) return String((v as { hyperlink: string }).hyperlink);
  }
  return String(v);
}

/**
 * Validates every row with a zod schema plus an optional check (for references to other
 * records, duplicates within the file, …). Returns the parsed rows or every problem found.
 */
export async function validateRows<S extends z.ZodType>(
  rows: Record<string, string>[],
  schema: S,
  check?: (row: z.infer<S>, line: number) => Promise<RowProblem[]> | RowProblem[],
  opts: { required?: string[] } = {},
): Promise<{ ok: true; rows: z.infer<S>[] } | { ok: false; problems: RowProblem[] }> {
  const problems: RowProblem[] = [];
  const out: z.infer<S>[] = [];
  if (rows.length === 0) return { ok: false, problems: [{ line: 1, field: '(bestand)', reason: 'Het bestand bevat geen rijen onder de kopregel.' }] };
  const missing = (opts.required ?? []).filter((h) => !(h in rows[0]));
  if (missing.length) return { ok: false, problems: missing.map((h) => ({ line: 1, field: h, reason: `De kolom "${h}" ontbreekt in de kopregel.` })) };
  for (const [i, raw] of rows.entries()) {
    const line = i + 2;
    const r = schema.safeParse(raw);
    if (!r.success) {
      for (const issue of r.error.issues) problems.push({ line, field: String(issue.path[0] ?? '(rij)'), reason: issue.message });
      continue;
    }
    if (check) problems.push(...(await check(r.data, line)));
    out.push(r.data);
  }
  return problems.length ? { ok: false, problems } : { ok: true, rows: out };
}

/** Writes rows as CSV (UTF-8 with BOM so Dutch Excel opens it; `;` optional) or XLSX. */
export async function writeTable<T>(rows: T[], columns: TableColumn<T>[], format: Format, opts: { delimiter?: ',' | ';'; sheetName?: string } = {}): Promise<Buffer> {
  if (format === 'csv') {
    const data = rows.map((r) => columns.map((c) => neutraliseFormula(c.value(r) ?? '')));
    const text = stringify([columns.map((c) => c.header), ...data], { delimiter: opts.delimiter ?? ',' });
    return Buffer.concat([Buffer.from('\uFEFF'), Buffer.from(text)]);
  }
  const wb = new (await loadExcel()).Workbook();
  wb.creator = 'Eén tegen eenzaamheid';
  const ws = wb.addWorksheet(opts.sheetName ?? 'Gegevens');
  ws.addRow(columns.map((c) => c.header)).font = { bold: true };
  for (const r of rows) ws.addRow(columns.map((c) => c.value(r) ?? null));
  ws.columns.forEach((col) => (col.width = 20));
  ws.views = [{ state: 'frozen', ySplit: 1 }];
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/**
 * Spreadsheet programs run a cell starting with = + - @ (or a tab/CR) as a formula: a name
 * like `=HYPERLINK(…)` entered by one user would run on the computer of whoever opens the
 * export. Such text cells get a leading apostrophe (OWASP "CSV injection"); readTable strips it.
 */
export function neutraliseFormula(v: string | number): string | number {
  return typeof v === 'string' && /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
}

export const CONTENT_TYPES: Record<Format, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};
