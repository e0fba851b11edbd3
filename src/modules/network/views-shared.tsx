import type { FastifyRequest } from 'fastify';
import type { ComponentChildren } from 'preact';
import { Page, type Crumb, type PageContext } from '../../platform/views/layout.js';
import { Button, DataTable, ErrorSummary, Heading, Link, type Column, type FieldErrors } from '../../platform/views/components.js';

/** Small view helpers shared by the network screens (issue 5). */

/** A page with one h1, the error summary (labels for its links) and the form or text below. */
export function FormPage({
  ctx,
  title,
  crumbs,
  errors,
  labels,
  children,
}: {
  ctx: PageContext;
  title: string;
  crumbs: Crumb[];
  errors: FieldErrors;
  labels: Record<string, string>;
  children: ComponentChildren;
}) {
  return (
    <Page ctx={ctx} title={title} crumbs={crumbs}>
      <Heading>{title}</Heading>
      <ErrorSummary errors={errors} labels={labels} />
      {children}
    </Page>
  );
}

/** The submit button and a way back. */
export function FormActions({ submit, cancel }: { submit: string; cancel: string }) {
  return (
    <div class="form-actions">
      <Button>{submit}</Button>
      <Link href={cancel}>Annuleren</Link>
    </div>
  );
}

/** A table without sorting or paging (history tables on a detail page). */
export function PlainTable<T>({ caption, columns, rows, base, empty }: { caption: string; columns: Column<T>[]; rows: T[]; base: string; empty: string }) {
  return <DataTable caption={caption} columns={columns} rows={rows} base={base} query={{ page: 1, pageSize: Math.max(1, rows.length) }} empty={empty} />;
}

/** The ?zoek= search term of a picker page (trimmed, at most 100 characters), or undefined. */
export function searchTerm(req: FastifyRequest): string | undefined {
  const v = (req.query as { zoek?: unknown }).zoek;
  return typeof v === 'string' && v.trim() ? v.replace(/\0/g, '').trim().slice(0, 100) : undefined;
}

/** Multi-line text as paragraphs (plain text: no markup from users is ever rendered). */
export function Paragraphs({ text }: { text: string | null }) {
  if (!text) return <>—</>;
  return (
    <>
      {text
        .split(/\r?\n/)
        .filter((l) => l.trim())
        .map((l) => (
          <p class="utrecht-paragraph">{l}</p>
        ))}
    </>
  );
}
