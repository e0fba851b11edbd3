import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ComponentChildren } from 'preact';
import type { z } from 'zod';
import type { Action, Principal } from '../../platform/access.js';
import { audit, type AuditContext } from '../../platform/audit.js';
import type { Db } from '../../platform/db/index.js';
import { detectFormat, readTable, TabularError, validateRows, type RowProblem } from '../../platform/tabular.js';
import type { Crumb } from '../../platform/views/layout.js';
import { Alert, Button, CsrfField, Link, P, type FieldErrors } from '../../platform/views/components.js';
import type { ExportTable } from './exporters.js';
import type { ImportCounts } from './service.js';
import { exportOptions, ImportPage, sendExport, sendTemplate, uploadedFile, type ImportColumnHelp } from './tabular-views.js';

/**
 * Registry screen parts on top of tabular-views.tsx: Dutch dates, an audited export download,
 * a complete import route (upload, all-or-nothing check, report) and confirmation forms.
 */

/** 2019-03-15 -> "15 maart 2019". */
export function nlDate(iso: string | null | undefined): string | null {
  if (!iso) return null;
  const d = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleDateString('nl-NL', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
}

/** Sends an export as a download (see tabular-views.sendExport) and writes the audit entry ('export'). */
export async function sendAuditedExport(db: Db, req: FastifyRequest, reply: FastifyReply, table: ExportTable, opts: { filename: string; filters: Record<string, unknown> }) {
  const { format, delimiter } = exportOptions(req.query as Record<string, unknown>);
  const filters = Object.fromEntries(Object.entries(opts.filters).filter(([, v]) => v !== undefined && v !== ''));
  await audit(db, req.auditCtx(), { action: 'export', entity: table.entity, details: { format, delimiter, rows: table.rows.length, filters } });
  return sendExport(reply, table.rows, table.columns, { format, delimiter, baseName: opts.filename, sheetName: table.sheetName });
}

export interface ImportSpec<S extends z.ZodType> {
  /** URL of the upload page, e.g. /beheer/gemeenten/importeren; the template is at `${path}/sjabloon.csv`. */
  path: string;
  /** Where to go after a successful import. */
  listPath: string;
  title: string;
  crumbs: Crumb[];
  action: Action;
  /** File name stem of the template. */
  templateName: string;
  columns: ImportColumnHelp[];
  intro: ComponentChildren;
  schema: S;
  /** Per-row checks against the database and the rest of the file; `p` is the importing user (for scope checks). */
  checker: (db: Db, rows: Record<string, string>[], p: Principal) => Promise<(row: z.infer<S>, line: number) => RowProblem[]>;
  write: (db: Db, ctx: AuditContext, rows: z.infer<S>[], meta: { filename: string }) => Promise<ImportCounts>;
}

/**
 * Registers GET (upload form with the expected columns), GET template and POST (check every
 * row; import only when the whole file is valid, else a 422 page listing every problem).
 */
export function registerImport<S extends z.ZodType>(app: FastifyInstance, spec: ImportSpec<S>) {
  const db = app.ctx.database.db;
  const render = (reply: FastifyReply, status: number, opts: { errors?: FieldErrors; problems?: RowProblem[]; filename?: string } = {}) =>
    reply.page({ title: spec.title, status }, (ctx) => (
      <ImportPage
        ctx={ctx}
        title={spec.title}
        crumbs={spec.crumbs}
        action={spec.path}
        templateHref={`${spec.path}/sjabloon.csv`}
        columns={spec.columns}
        intro={spec.intro}
        errors={opts.errors}
        problems={opts.problems}
        filename={opts.filename}
      />
    ));

  app.get(spec.path, async (req, reply) => {
    req.authorize(spec.action);
    return render(reply, 200);
  });

  app.get(`${spec.path}/sjabloon.csv`, async (req, reply) => {
    req.authorize(spec.action);
    return sendTemplate(reply, spec.columns.map((c) => c.header), spec.templateName);
  });

  app.post(spec.path, async (req, reply) => {
    const p = req.authorize(spec.action);
    const file = await uploadedFile(req.body);
    if (!file) return render(reply, 422, { errors: { bestand: 'Kies een CSV- of Excel-bestand dat niet leeg is.' } });
    let raw: Record<string, string>[];
    try {
      raw = await readTable(file.content, detectFormat(file.filename, file.content));
    } catch (e) {
      if (e instanceof TabularError) return render(reply, 422, { errors: { bestand: e.message } });
      throw e;
    }
    const required = spec.columns.filter((c) => c.required).map((c) => c.header);
    const check = await spec.checker(db, raw, p);
    const result = await validateRows(raw, spec.schema, check, { required });
    if (!result.ok) return render(reply, 422, { problems: result.problems, filename: file.filename });
    const counts = await spec.write(db, req.auditCtx(), result.rows, { filename: file.filename });
    reply.flash('success', `Import van ${file.filename} geslaagd: ${counts.created} nieuw, ${counts.updated} bijgewerkt, ${counts.unchanged} ongewijzigd.`);
    return reply.redirect(spec.listPath, 303);
  });
}

/** A confirmation page for a destructive action (POST form with CSRF, plus a way back). */
export function ConfirmForm({ action, csrf, label, cancel }: { action: string; csrf: string; label: string; cancel: string }) {
  return (
    <form method="post" action={action} class="form-actions" data-confirm={`${label}?`}>
      <CsrfField token={csrf} />
      <Button variant="primary">{label}</Button>
      <Link href={cancel}>Annuleren, terug</Link>
    </form>
  );
}

/** A paragraph listing why an action cannot be done. */
export function Reasons({ reasons }: { reasons: string[] }) {
  return (
    <>
      <Alert kind="warning">Dit kan nu niet:</Alert>
      <ul class="utrecht-unordered-list">
        {reasons.map((r) => (
          <li class="utrecht-unordered-list__item">{r}</li>
        ))}
      </ul>
      <P>Los dit eerst op en probeer het daarna opnieuw.</P>
    </>
  );
}
