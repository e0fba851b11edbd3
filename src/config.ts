import path from 'node:path';
import { z } from 'zod';

/**
 * Demo secrets: used only in demo mode so `npm start` works without any setup.
 * Production mode refuses to start when a secret equals one of these.
 */
export const DEMO_SESSION_SECRET = 'demo-session-secret-not-for-production-use-0000';
export const DEMO_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64');

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test'], { message: 'expected development, production or test' }).default('development'),
    DEMO_MODE: bool.optional(),
    PORT: z.coerce.number({ message: 'expected a port number' }).int().min(0).max(65535, 'expected a port number 0-65535').default(3000),
    HOST: z.string().min(1).default('0.0.0.0'),
    BASE_URL: z.url({ message: 'expected an absolute URL such as https://eenzaamheid.example.nl' }).optional(),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// or postgresql:// connection URL')
      .optional(),
    DATA_DIR: z.string().min(1).default('./data'),
    SESSION_SECRET: z.string().min(32, 'expected at least 32 characters').optional(),
    ENCRYPTION_KEY: z
      .string()
      .refine((v) => Buffer.from(v, 'base64').length === 32, 'expected 32 random bytes, base64-encoded (openssl rand -base64 32)')
      .optional(),
    ENCRYPTION_KEYS_OLD: z.string().optional(),
    SESSION_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(8),
    SMTP_URL: z.string().regex(/^smtps?:\/\//, 'expected smtp:// or smtps:// URL').optional(),
    MAIL_FROM: z.string().min(3).default('Eén tegen eenzaamheid <noreply@eentegeneenzaamheid.example>'),
    HELPDESK_EMAIL: z.email({ message: 'expected an e-mail address' }).default('helpdesk@eentegeneenzaamheid.example'),
    OIDC_ISSUER: z.url({ message: 'expected the issuer URL of the identity provider' }).optional(),
    OIDC_CLIENT_ID: z.string().min(1).optional(),
    OIDC_CLIENT_SECRET: z.string().min(1).optional(),
    OIDC_LABEL: z.string().min(1).default('Inloggen met uw organisatieaccount'),
    OIDC_REQUIRE_VERIFIED_EMAIL: bool.default(true),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { message: 'expected one of fatal, error, warn, info, debug, trace, silent' }).default('info'),
    JOBS: bool.default(true),
    RATE_LIMIT_PER_MINUTE: z.coerce.number({ message: 'expected a number' }).int().min(1, 'expected at least 1').default(10),
    TRUST_PROXY: bool.default(false),
    // Signal point intake (src/modules/signals/intake-form.tsx, api-submit.ts, pdok.ts).
    PDOK_LOCATIESERVER_URL: z
      .string()
      .refine((v) => v === 'off' || /^https?:\/\/\S+$/.test(v), 'expected the http(s) URL of the Locatieserver "free" endpoint, or off')
      .optional(),
    SIGNAL_FORM_RATE_LIMIT_PER_HOUR: z.coerce.number({ message: 'expected a number' }).int().min(1, 'expected at least 1').default(30),
    SIGNAL_API_RATE_LIMIT_PER_MINUTE: z.coerce.number({ message: 'expected a number' }).int().min(1, 'expected at least 1').default(6000),
    SIGNAL_RETENTION_MONTHS: z.coerce.number({ message: 'expected a number of months' }).int().min(1, 'expected 1-120 months').max(120, 'expected 1-120 months').default(6),
  });

/**
 * Cross-field rules, checked on the raw values so they are reported together with any
 * per-variable problem (one message naming every bad variable).
 */
function crossChecks(env: Record<string, string | undefined>): { variable: string; message: string }[] {
  const out: { variable: string; message: string }[] = [];
  const add = (variable: string, message: string) => out.push({ variable, message });
  const oidcKeys = ['OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'] as const;
  if (oidcKeys.some((k) => env[k]) && !oidcKeys.every((k) => env[k])) {
    for (const k of oidcKeys) if (!env[k]) add(k, 'required when any OIDC_* variable is set');
  }
  if (env.NODE_ENV === 'production') {
    if (env.DEMO_MODE && ['true', '1', 'yes'].includes(env.DEMO_MODE)) add('DEMO_MODE', 'demo mode is not allowed in production');
    if (!env.SESSION_SECRET) add('SESSION_SECRET', 'required in production (at least 32 random characters)');
    else if (env.SESSION_SECRET === DEMO_SESSION_SECRET) add('SESSION_SECRET', 'the demo secret is not allowed in production');
    if (!env.ENCRYPTION_KEY) add('ENCRYPTION_KEY', 'required in production (openssl rand -base64 32)');
    else if (env.ENCRYPTION_KEY === DEMO_ENCRYPTION_KEY) add('ENCRYPTION_KEY', 'the demo key is not allowed in production');
    if (!env.SMTP_URL) add('SMTP_URL', 'required in production: mail (invitations, password resets) must be delivered, not kept in the outbox');
    if (!env.BASE_URL) add('BASE_URL', 'required in production (the public https:// address)');
    else if (!env.BASE_URL.startsWith('https://')) add('BASE_URL', 'must be https:// in production');
  }
  return out;
}

export interface Config {
  env: 'development' | 'production' | 'test';
  production: boolean;
  demo: boolean;
  port: number;
  host: string;
  baseUrl: string;
  databaseUrl?: string;
  dataDir: string;
  sessionSecret: string;
  encryptionKey: Buffer;
  oldEncryptionKeys: Buffer[];
  sessionTtlHours: number;
  smtpUrl?: string;
  mailFrom: string;
  helpdeskEmail: string;
  oidc?: { issuer: string; clientId: string; clientSecret: string; label: string; requireVerifiedEmail: boolean };
  logLevel: string;
  jobs: boolean;
  trustProxy: boolean;
  /** Requests per minute per IP address on login and other public forms. */
  rateLimitPerMinute: number;
  /** The PDOK Locatieserver v3_1 "free" endpoint for address look-ups; null = switched off. */
  pdokLocatieserverUrl: string | null;
  /** Signals per hour per IP address on each public signal form (address look-ups get three times this). */
  signalFormRateLimitPerHour: number;
  /** Requests per minute per API key on the partner signal API. */
  signalApiRateLimitPerMinute: number;
  /** Months after closing that a signal's personal data is kept when its signal point has no term (the point is gone). */
  signalRetentionMonths: number;
}

/** The public PDOK Locatieserver (no key needed). */
export const PDOK_LOCATIESERVER_DEFAULT_URL = 'https://api.pdok.nl/bzk/locatieserver/search/v3_1/free';

export class ConfigError extends Error {
  constructor(public readonly problems: { variable: string; message: string }[]) {
    super(
      'Invalid configuration:\n' +
        problems.map((p) => `  - ${p.variable}: ${p.message}`).join('\n') +
        '\nSee README.md, section "Configuration".',
    );
    this.name = 'ConfigError';
  }
}

function pdokUrl(given: string | undefined, env: string): string | null {
  const v = given ?? (env === 'test' ? 'off' : PDOK_LOCATIESERVER_DEFAULT_URL);
  return v === 'off' ? null : v;
}

/** Reads and validates the environment. Throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings count as "not set" (common in .env files and CI).
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((i) => ({ variable: String(i.path[0] ?? '(environment)'), message: i.message }))),
    ...crossChecks(cleaned),
  ];
  if (!parsed.success || problems.length) throw new ConfigError(problems);
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const demo = e.DEMO_MODE ?? !production;
  const port = e.PORT;
  return {
    env: e.NODE_ENV,
    production,
    demo,
    port,
    host: e.HOST,
    baseUrl: (e.BASE_URL ?? `http://localhost:${port}`).replace(/\/$/, ''),
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.DATA_DIR),
    sessionSecret: e.SESSION_SECRET ?? DEMO_SESSION_SECRET,
    encryptionKey: Buffer.from(e.ENCRYPTION_KEY ?? DEMO_ENCRYPTION_KEY, 'base64'),
    oldEncryptionKeys: (e.ENCRYPTION_KEYS_OLD ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((s) => Buffer.from(s, 'base64')),
    sessionTtlHours: e.SESSION_TTL_HOURS,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    helpdeskEmail: e.HELPDESK_EMAIL,
    oidc:
      e.OIDC_ISSUER && e.OIDC_CLIENT_ID && e.OIDC_CLIENT_SECRET
        ? { issuer: e.OIDC_ISSUER, clientId: e.OIDC_CLIENT_ID, clientSecret: e.OIDC_CLIENT_SECRET, label: e.OIDC_LABEL, requireVerifiedEmail: e.OIDC_REQUIRE_VERIFIED_EMAIL }
        : undefined,
    logLevel: e.LOG_LEVEL,
    jobs: e.JOBS,
    trustProxy: e.TRUST_PROXY,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    // Off by default under NODE_ENV=test, so tests never reach the internet.
    pdokLocatieserverUrl: pdokUrl(e.PDOK_LOCATIESERVER_URL, e.NODE_ENV),
    signalFormRateLimitPerHour: e.SIGNAL_FORM_RATE_LIMIT_PER_HOUR,
    signalApiRateLimitPerMinute: e.SIGNAL_API_RATE_LIMIT_PER_MINUTE,
    signalRetentionMonths: e.SIGNAL_RETENTION_MONTHS,
  };
}
