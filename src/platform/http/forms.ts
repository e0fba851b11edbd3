import { z } from 'zod';
import type { FieldErrors } from '../views/components.js';
import { NotFoundError } from './errors.js';

/** Form bodies: strips the CSRF field and turns multipart field objects into plain values. */
export function formValues(body: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!body || typeof body !== 'object') return out;
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    if (k === '_csrf') continue;
    if (v && typeof v === 'object' && !Array.isArray(v) && 'value' in (v as object) && !('file' in (v as object))) out[k] = stripNul((v as { value: unknown }).value);
    else out[k] = Array.isArray(v) ? v.map(stripNul) : stripNul(v);
  }
  return out;
}

/** PostgreSQL text cannot hold NUL characters; they never belong in form input. */
const stripNul = (v: unknown) => (typeof v === 'string' ? v.replace(/\0/g, '') : v);

export type Parsed<T> = { ok: true; data: T } | { ok: false; errors: FieldErrors };

/** Validates a form with a zod schema; returns the first message per field. */
export function parseForm<S extends z.ZodType>(schema: S, values: Record<string, unknown>): Parsed<z.infer<S>> {
  const r = schema.safeParse(values);
  if (r.success) return { ok: true, data: r.data };
  const errors: FieldErrors = {};
  for (const i of r.error.issues) {
    const key = String(i.path[0] ?? '_form');
    errors[key] ??= i.message;
  }
  return { ok: false, errors };
}

/** Trimmed optional text: '' becomes undefined. */
export const optionalText = (max = 500, msg = `Gebruik hoogstens ${max} tekens.`) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v), z.string().max(max, msg).optional());

export const requiredText = (label: string, max = 200) =>
  z.preprocess((v) => (typeof v === 'string' ? v.trim() : v), z.string({ message: `Vul ${label} in.` }).min(1, `Vul ${label} in.`).max(max, `Gebruik hoogstens ${max} tekens.`));

export function emailField(): z.ZodType<string>;
export function emailField(required: false): z.ZodType<string | undefined>;
export function emailField(required = true): z.ZodType<string | undefined> {
  const email = z.email('Vul een geldig e-mailadres in, zoals naam@voorbeeld.nl.').max(254, 'Dit e-mailadres is te lang.');
  return required
    ? z.string({ message: 'Vul een e-mailadres in.' }).trim().min(1, 'Vul een e-mailadres in.').pipe(email)
    : z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v), email.optional());
}

/** A local redirect target only (no open redirects). */
export function safeReturnPath(v: unknown, fallback = '/beheer'): string {
  return typeof v === 'string' && /^\/(?!\/)[\w\-./?=&%]*$/.test(v) && !v.startsWith('/\\') ? v : fallback;
}

/** Page and sort parameters shared by every list. */
export function listParams(q: Record<string, unknown>, sortable: string[], defaultSort: string, pageSize = 25) {
  const page = Math.max(1, Math.min(10_000, Number.parseInt(String(q.page ?? '1'), 10) || 1));
  const sort = typeof q.sort === 'string' && sortable.includes(q.sort) ? q.sort : defaultSort;
  const dir: 'asc' | 'desc' = q.dir === 'desc' ? 'desc' : 'asc';
  const text = typeof q.q === 'string' ? q.q.replace(/\0/g, '').trim().slice(0, 100) : '';
  return { page, sort, dir, q: text, pageSize };
}

/**
 * Normalises a date as people type it: `YYYY-MM-DD` stays, `D-M-YYYY` / `D/M/YYYY` (Dutch order)
 * becomes `YYYY-MM-DD`; '' becomes undefined. Anything else is returned trimmed, for the check.
 */
export function normaliseDate(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const s = v.trim();
  if (s === '') return undefined;
  const nl = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$/.exec(s);
  return nl ? `${nl[3]}-${nl[2].padStart(2, '0')}-${nl[1].padStart(2, '0')}` : s;
}

/** True for an existing calendar date written as YYYY-MM-DD. */
export function isIsoDate(s: string): boolean {
  if (!/^[1-9]\d{3}-\d{2}-\d{2}$/.test(s)) return false; // years 1000–9999 (PostgreSQL has no year 0)
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** An optional date field (see normaliseDate). */
export const optionalDate = (msg = 'Vul een geldige datum in, zoals 2025-01-31 of 31-01-2025.') =>
  z.preprocess(normaliseDate, z.string({ message: msg }).refine(isIsoDate, msg).optional());

/** A record id from a URL path; anything that is not a positive 32-bit integer is "not found". */
export function pathId(v: unknown): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0 || n > 2_147_483_647) throw new NotFoundError();
  return n;
}
