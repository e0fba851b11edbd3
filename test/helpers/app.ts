import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { FieldCipher } from '../../src/platform/crypto.js';
import type { AppContext } from '../../src/platform/context.js';
import type { Db } from '../../src/platform/db/index.js';
import { userRoles, users } from '../../src/platform/db/schema.js';
import { hashPassword } from '../../src/platform/auth/service.js';
import type { Role } from '../../src/platform/access.js';
import { readShippedMunicipalities, readShippedProvinces, syncReferenceMunicipalities } from '../../src/modules/registry/service.js';
import { createTestDatabase, type TestDatabase } from './db.js';

export const TEST_PASSWORD = 'Test-wachtwoord-123';

export interface TestApp {
  app: FastifyInstance;
  db: Db;
  database: TestDatabase;
  ctx: AppContext;
  close(): Promise<void>;
}

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DEMO_MODE: 'false', JOBS: 'false', BASE_URL: 'http://localhost:3000', RATE_LIMIT_PER_MINUTE: '1000', ...env });
}

/** A full app on a fresh database (no job queue unless asked). */
export async function createTestApp(opts: { env?: Record<string, string>; database?: TestDatabase } = {}): Promise<TestApp> {
  const database = opts.database ?? (await createTestDatabase());
  const config = testConfig(opts.env);
  const ctx: AppContext = { config, database, cipher: new FieldCipher(config.encryptionKey), jobs: null, log: console };
  const app = await buildApp(ctx);
  await app.ready();
  return {
    app,
    db: database.db,
    database,
    ctx,
    async close() {
      await app.close();
      if (!opts.database) await database.drop();
    },
  };
}

/** Loads the shipped provinces and municipalities into a test database. */
export async function seedReference(db: Db) {
  await syncReferenceMunicipalities(db, readShippedMunicipalities(), { complete: false, asOf: '2025-01-01', provinces: readShippedProvinces() });
}

/** Creates an active user with password TEST_PASSWORD and the given role grants. */
export async function createUser(db: Db, email: string, grants: { role: Role; municipalityId?: number; organisationId?: number }[], name = email.split('@')[0]) {
  const [u] = await db.insert(users).values({ email, name, passwordHash: await hashPassword(TEST_PASSWORD) }).returning();
  for (const g of grants) await db.insert(userRoles).values({ userId: u.id, role: g.role, municipalityId: g.municipalityId ?? null, organisationId: g.organisationId ?? null });
  return u;
}

export async function userByEmail(db: Db, email: string) {
  const [u] = await db.select().from(users).where(eq(users.email, email));
  return u;
}

type Res = Awaited<ReturnType<FastifyInstance['inject']>>;

/**
 * A browser-like client for `app.inject`: keeps cookies, and fills in the CSRF token from the
 * last HTML page it saw (or fetches one) on every POST.
 */
export class TestClient {
  cookies = new Map<string, string>();
  csrf: string | null = null;
  constructor(readonly app: FastifyInstance) {}

  private cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private remember(res: Res) {
    const set = res.headers['set-cookie'];
    for (const c of (Array.isArray(set) ? set : set ? [set] : []) as string[]) {
      const [pair, ...attrs] = c.split(';');
      const i = pair.indexOf('=');
      const k = pair.slice(0, i).trim();
      const v = pair.slice(i + 1).trim();
      const expired = attrs.some((a) => /max-age=0/i.test(a) || /expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || v === '') this.cookies.delete(k);
      else this.cookies.set(k, v);
    }
    const m = /name="_csrf" value="([^"]+)"/.exec(res.body);
    if (m) this.csrf = m[1];
  }

  async get(url: string, headers: Record<string, string> = {}) {
    const res = await this.app.inject({ method: 'GET', url, headers: { cookie: this.cookieHeader(), ...headers } });
    this.remember(res);
    return res;
  }

  async post(url: string, form: Record<string, string | string[]> = {}, opts: { csrf?: string | false } = {}) {
    if (this.csrf === null && opts.csrf === undefined) await this.get('/inloggen');
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(form)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
    if (opts.csrf !== false) body.set('_csrf', opts.csrf ?? this.csrf ?? '');
    const res = await this.app.inject({
      method: 'POST',
      url,
      payload: body.toString(),
      headers: { cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
    });
    this.remember(res);
    return res;
  }

  /** Multipart upload (CSV/XLSX imports). */
  async upload(url: string, fields: Record<string, string>, file: { field: string; filename: string; content: Buffer | string; contentType?: string }) {
    if (this.csrf === null) await this.get('/inloggen');
    const boundary = '----etetest' + Date.now();
    const parts: Buffer[] = [];
    for (const [k, v] of Object.entries({ ...fields, _csrf: this.csrf ?? '' })) {
      parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
    }
    parts.push(
      Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${file.field}"; filename="${file.filename}"\r\ncontent-type: ${file.contentType ?? 'text/csv'}\r\n\r\n`),
      Buffer.isBuffer(file.content) ? file.content : Buffer.from(file.content),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    );
    const res = await this.app.inject({
      method: 'POST',
      url,
      payload: Buffer.concat(parts),
      headers: { cookie: this.cookieHeader(), 'content-type': `multipart/form-data; boundary=${boundary}` },
    });
    this.remember(res);
    return res;
  }

  async login(email: string, password = TEST_PASSWORD) {
    await this.get('/inloggen');
    const res = await this.post('/inloggen', { email, password });
    if (res.statusCode !== 303) throw new Error(`login of ${email} failed: ${res.statusCode}`);
    return res;
  }
}

/** A TestClient signed in as `email` (a user made with createUser, TEST_PASSWORD). */
export async function signedIn(app: TestApp['app'], email: string): Promise<TestClient> {
  const c = new TestClient(app);
  await c.login(email);
  return c;
}

/** The date `days` days after (negative: before) the date `from` (YYYY-MM-DD). */
export function dayOffset(from: string, days: number): string {
  const d = new Date(`${from}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
