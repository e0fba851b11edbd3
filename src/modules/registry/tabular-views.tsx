import type { FastifyReply } from 'fastify';
import type { ComponentChildren } from 'preact';
import { Page, type Crumb, type PageContext } from '../../platform/views/layout.js';
import { Button, CsrfField, DataTable, ErrorSummary, fieldId, Heading, Link, listUrl, P, type Column, type FieldErrors } from '../../platform/views/components.js';
import { CONTENT_TYPES, writeTable, type Format, type RowProblem, type TableColumn } from '../../platform/tabular.js';

/**
 * Shared pieces of the registry's import and export screens: the upload form, the per-row
 * problem report, export links and sending an export file.
 */

export interface UploadedFile {
  filename: string;
  content: Buffer;
}

/** The uploaded file of a multipart form (attachFieldsToBody), or null when none was chosen. */
export async function uploadedFile(body: unknown, field = 'bestand'): Promise<UploadedFile | null> {
  const part = (body as Record<string, any> | undefined)?.[field];
  if (!part || typeof part !== 'object' || typeof part.toBuffer !== 'function') return null;
  const content: Buffer = await part.toBuffer();
  if (!part.filename || content.length === 0) return null;
  return { filename: String(part.filename), content };
}

/** Export parameters from the query string: ?formaat=csv|xlsx&scheidingsteken=puntkomma */
export function exportOptions(q: Record<string, unknown>): { format: Format; delimiter: ',' | ';' } {
  return { format: q.formaat === 'xlsx' ? 'xlsx' : 'csv', delimiter: q.scheidingsteken === 'puntkomma' ? ';' : ',' };
}

/** Sends rows as a download (CSV with BOM or XLSX); the file name gets today's date. */
export async function sendExport<T>(reply: FastifyReply, rows: T[], columns: TableColumn<T>[], opts: { format: Format; delimiter: ',' | ';'; baseName: string; sheetName: string }) {
  const buf = await writeTable(rows, columns, opts.format, { delimiter: opts.delimiter, sheetName: opts.sheetName });
  const name = `${opts.baseName}-${new Date().toISOString().slice(0, 10)}.${opts.format}`;
  return reply
    .header('content-type', CONTENT_TYPES[opts.format])
    .header('content-disposition', `attachment; filename="${name}"`)
    .header('cache-control', 'no-store')
    .send(buf);
}

/** A CSV file with only the header row: the template offered on import pages. */
export function sendTemplate(reply: FastifyReply, headers: readonly string[], baseName: string) {
  return reply
    .header('content-type', CONTENT_TYPES.csv)
    .header('content-disposition', `attachment; filename="${baseName}-sjabloon.csv"`)
    .send(Buffer.from(`\uFEFF${headers.join(',')}\r\n`));
}

/** Links to download the current (filtered) list. */
export function ExportLinks({ base, query }: { base: string; query: Record<string, unknown> }) {
  const q = { ...query, page: undefined, pageSize: undefined };
  return (
    <p class="utrecht-paragraph">
      Exporteer deze lijst (met de huidige filters):{' '}
      <Link href={listUrl(base, q, { formaat: 'csv' })}>CSV</Link>
      {' · '}
      <Link href={listUrl(base, q, { formaat: 'csv', scheidingsteken: 'puntkomma' })}>CSV met puntkomma (Nederlandse Excel)</Link>
      {' · '}
      <Link href={listUrl(base, q, { formaat: 'xlsx' })}>Excel (XLSX)</Link>
    </p>
  );
}

export interface ImportColumnHelp {
  header: string;
  required?: boolean;
  description: string;
}

/** The import page: explanation, template download, upload form and (after a failed try) every problem. */
export function ImportPage({
  ctx,
  title,
  crumbs,
  action,
  templateHref,
  columns,
  intro,
  errors = {},
  problems,
  filename,
}: {
  ctx: PageContext;
  title: string;
  crumbs: Crumb[];
  action: string;
  templateHref: string;
  columns: ImportColumnHelp[];
  intro: ComponentChildren;
  errors?: FieldErrors;
  problems?: RowProblem[];
  filename?: string;
}) {
  const helpColumns: Column<ImportColumnHelp>[] = [
    { key: 'header', label: 'Kolom', render: (c) => <code>{c.header}</code> },
    { key: 'required', label: 'Verplicht', render: (c) => (c.required ? 'Ja' : 'Nee') },
    { key: 'description', label: 'Inhoud', render: (c) => c.description },
  ];
  const problemColumns: Column<RowProblem>[] = [
    { key: 'line', label: 'Regel', numeric: true, render: (p) => p.line },
    { key: 'field', label: 'Kolom', render: (p) => p.field },
    { key: 'reason', label: 'Probleem', render: (p) => p.reason },
  ];
  const err = errors.bestand;
  const id = fieldId('bestand');
  return (
    <Page ctx={ctx} title={title} crumbs={crumbs}>
      <Heading>{title}</Heading>
      <ErrorSummary errors={errors} labels={{ bestand: 'Bestand' }} />
      {problems && problems.length > 0 && (
        <section aria-labelledby="problemen-titel">
          <div class="utrecht-alert utrecht-alert--error" role="alert">
            <h2 class="utrecht-heading-2" id="problemen-titel">
              Niets geïmporteerd: {problems.length === 1 ? '1 probleem' : `${problems.length} problemen`} in {filename ?? 'het bestand'}
            </h2>
            <p class="utrecht-paragraph">Er is niets opgeslagen. Verbeter de regels hieronder en upload het hele bestand opnieuw.</p>
          </div>
          <DataTable caption="Problemen per regel" columns={problemColumns} rows={problems} base={action} query={{ page: 1, pageSize: problems.length }} />
        </section>
      )}
      <P>{intro}</P>
      <P>
        Het bestand is een CSV-bestand (UTF-8, komma of puntkomma als scheidingsteken) of een Excel-bestand (.xlsx, eerste werkblad). De eerste regel bevat de
        kolomnamen. Er wordt pas iets opgeslagen als het hele bestand in orde is. <Link href={templateHref}>Download het sjabloon (CSV)</Link>.
      </P>
      <DataTable caption="Kolommen van het bestand" columns={helpColumns} rows={columns} base={action} query={{ page: 1, pageSize: columns.length }} />
      <form method="post" action={action} enctype="multipart/form-data" novalidate class="form">
        <CsrfField token={ctx.csrfToken} />
        <div class={`utrecht-form-field${err ? ' utrecht-form-field--invalid' : ''}`}>
          <div class="utrecht-form-field__label">
            <label class="utrecht-form-label" for={id}>
              Bestand (CSV of XLSX)
            </label>
          </div>
          {err && (
            <div class="utrecht-form-field-error-message" id={`${id}-error`}>
              <span class="visually-hidden">Fout: </span>
              {err}
            </div>
          )}
          <div class="utrecht-form-field__input">
            <input
              class="utrecht-textbox utrecht-textbox--html-input"
              type="file"
              id={id}
              name="bestand"
              accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
              required
              aria-required="true"
              aria-invalid={err ? 'true' : undefined}
              aria-describedby={err ? `${id}-error` : undefined}
            />
          </div>
        </div>
        <div class="form-actions">
          <Button>Importeren</Button>
        </div>
      </form>
    </Page>
  );
}
