import crypto from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { randomToken } from '../../platform/crypto.js';

/**
 * Abuse resistance of the public signal intake, without a CAPTCHA (which would shut out
 * screen-reader users): rate limits per IP address (forms) and per key (API), body-size limits,
 * a honeypot field and a signed render stamp that makes very fast or forged submits fail.
 * Every refusal is logged with its reason only — never with the request body.
 */

/** Body limit of the public form posts: a 4,000-character story in any script fits easily. */
export const FORM_BODY_LIMIT = 64 * 1024;
/** Body limit of the partner API (JSON). */
export const API_BODY_LIMIT = 32 * 1024;

/** A person needs at least this long to fill in the form; bots post at once. */
export const MIN_FILL_SECONDS = 3;
/** A stamp older than this is refused (the form is re-shown with a fresh one, values kept). */
export const MAX_STAMP_AGE_HOURS = 24;

/** The honeypot: a text field hidden from people (CSS, aria-hidden, no tab stop); bots fill it in. */
export const HONEYPOT_FIELD = 'website';
/** The hidden field holding the signed render stamp; its token is the submit's idempotency key. */
export const STAMP_FIELD = 'stempel';

export type StampedForm = 'worry' | 'self';

function mac(secret: string, form: StampedForm, ts: number, token: string): string {
  return crypto.createHmac('sha256', secret).update(`signal-form:${form}:${ts}:${token}`).digest('base64url').slice(0, 32);
}

/**
 * A render stamp "<ms>.<token>.<hmac>": when the form was shown, and a one-time random token.
 * The token is the idempotency key of the submit, so a double click, a browser retry or a
 * replayed post of the same rendered form gives one signal.
 */
export function issueStamp(secret: string, form: StampedForm, now: Date, token = randomToken(18)): string {
  const ts = now.getTime();
  return `${ts}.${token}.${mac(secret, form, ts, token)}`;
}

export type StampCheck =
  | { ok: true; token: string; renderedAt: Date }
  | { ok: false; reason: 'missing' | 'forged' | 'expired' | 'too_fast'; /** Set when the stamp itself is genuine (too fast): re-use it. */ stamp?: string };

/** Checks a posted stamp: genuine (HMAC with the session secret), not too fresh, not too old. */
export function checkStamp(secret: string, form: StampedForm, stamp: unknown, now: Date): StampCheck {
  if (typeof stamp !== 'string' || !stamp) return { ok: false, reason: 'missing' };
  const m = /^(\d{13})\.([A-Za-z0-9_-]{16,64})\.([A-Za-z0-9_-]{32})$/.exec(stamp);
  if (!m) return { ok: false, reason: 'forged' };
  const ts = Number(m[1]);
  const token = m[2]!;
  const expected = Buffer.from(mac(secret, form, ts, token));
  const given = Buffer.from(m[3]!);
  if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) return { ok: false, reason: 'forged' };
  const age = now.getTime() - ts;
  if (age < MIN_FILL_SECONDS * 1000) return { ok: false, reason: 'too_fast', stamp };
  if (age > MAX_STAMP_AGE_HOURS * 3600_000) return { ok: false, reason: 'expired' };
  return { ok: true, token, renderedAt: new Date(ts) };
}

/** A stamp to put in a re-rendered form: the posted one when genuine and not expired, else a fresh one. */
export function carryStamp(secret: string, form: StampedForm, posted: unknown, now: Date): string {
  const c = checkStamp(secret, form, posted, now);
  if (c.ok || c.reason === 'too_fast') return posted as string;
  return issueStamp(secret, form, now);
}

/** True when the honeypot field holds anything. */
export function honeypotHit(values: Record<string, unknown>): boolean {
  const v = values[HONEYPOT_FIELD];
  return Array.isArray(v) ? v.some((x) => String(x).trim() !== '') : typeof v === 'string' && v.trim() !== '';
}

/**
 * A fixed-window counter per key, in memory (per process, like the platform's other rate
 * limits). Behind several app instances each instance counts on its own.
 */
export class RateCounter {
  private readonly buckets = new Map<string, { start: number; count: number }>();
  constructor(
    private readonly windowMs: number,
    private readonly maxKeys = 50_000,
  ) {}

  /** Counts one hit; `ok: false` when the key already had `max` hits in the current window. */
  hit(key: string, max: number, now = Date.now()): { ok: boolean; retryAfterSeconds: number } {
    let b = this.buckets.get(key);
    if (!b || now - b.start >= this.windowMs) {
      if (b) this.buckets.delete(key);
      else if (this.buckets.size >= this.maxKeys) this.prune(now);
      b = { start: now, count: 0 };
      this.buckets.set(key, b);
    }
    const retryAfterSeconds = Math.max(1, Math.ceil((b.start + this.windowMs - now) / 1000));
    if (b.count >= max) return { ok: false, retryAfterSeconds };
    b.count++;
    return { ok: true, retryAfterSeconds };
  }

  private prune(now: number) {
    for (const [k, b] of this.buckets) if (now - b.start >= this.windowMs) this.buckets.delete(k);
    // Still full (a flood of distinct addresses): drop the oldest windows.
    for (const k of this.buckets.keys()) {
      if (this.buckets.size < this.maxKeys) break;
      this.buckets.delete(k);
    }
  }
}

/** Rate limit of the partner API, for @fastify/rate-limit: per API key (per IP before authentication). */
export function apiRateLimit(perMinute: number) {
  return {
    max: perMinute,
    timeWindow: '1 minute',
    keyGenerator: (req: FastifyRequest) => (req.principal?.kind === 'api_key' ? `apikey:${req.principal.id}` : `ip:${req.ip}`),
    onExceeded: (req: FastifyRequest) => logRefusal(req, 'rate_limit'),
  };
}

export type RefusalReason = 'rate_limit' | 'honeypot' | 'stamp_missing' | 'stamp_forged' | 'stamp_expired' | 'stamp_too_fast' | 'body_too_large';

/** Logs a refused intake request: the reason and the route, never the body. */
export function logRefusal(req: FastifyRequest, reason: RefusalReason) {
  req.log.warn({ refused: reason, route: req.routeOptions?.url ?? req.url.split('?')[0] }, 'signal intake refused');
}
