import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createUser, seedReference, TestClient, type TestApp } from '../helpers/app.js';
import { createTestDatabase, databaseUrl, type TestDatabase } from '../helpers/db.js';
import { openDatabase } from '../../src/platform/db/index.js';
import { organisations } from '../../src/modules/registry/schema.js';
import { createApiKey } from '../../src/platform/admin/apikeys-service.js';

/**
 * A TCP proxy in front of the test PostgreSQL that can be cut (every connection dropped, new
 * ones refused) and restored on the same port: the database "goes down" under a running app.
 */
class CuttableProxy {
  private server: net.Server | null = null;
  private sockets = new Set<net.Socket>();
  port = 0;
  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async up(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, this.targetHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}

describe('database down while the app runs', () => {
  let direct: TestDatabase;
  let proxy: CuttableProxy;
  let t: TestApp;
  let apiKey: string;
  const web = () => new TestClient(t.app);
  let admin: TestClient;

  beforeAll(async () => {
    direct = await createTestDatabase();
    await seedReference(direct.db);
    const [org] = await direct.db.insert(organisations).values({ name: 'Proxy BV', kind: 'other' }).returning();
    const user = await createUser(direct.db, 'beheer@voorbeeld.nl', [{ role: 'programme_admin' }]);
    apiKey = (await createApiKey(direct.db, { name: 'test', organisationId: org.id, actions: ['registry:read'], createdBy: user.id })).raw;

    const target = new URL(databaseUrl(direct.name));
    proxy = new CuttableProxy(target.hostname, Number(target.port));
    await proxy.up();
    const viaProxy = new URL(target);
    viaProxy.port = String(proxy.port);
    const database = openDatabase(viaProxy.toString(), { max: 4 });
    t = await createTestApp({ database: { ...database, name: direct.name, drop: async () => database.close() } });
    admin = web();
    await admin.login('beheer@voorbeeld.nl');
  });

  afterAll(async () => {
    await t?.close();
    await proxy?.cut();
    await direct?.drop();
  });

  const api = (url: string) => t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${apiKey}` } });

  it('answers 503 while the database is unreachable and recovers by itself', async () => {
    // Up: everything works.
    expect((await t.app.inject('/ready')).statusCode).toBe(200);
    expect((await admin.get('/beheer/gemeenten?q=utrecht')).statusCode).toBe(200);
    expect((await api('/api/v1/municipalities?q=utrecht')).statusCode).toBe(200);

    await proxy.cut();

    // /health only says the process is up; /ready says the database is not.
    expect((await t.app.inject('/health')).statusCode).toBe(200);
    const ready = await t.app.inject('/ready');
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({ status: 'unavailable', database: 'unreachable' });

    // A page: the Dutch 503 page, with a Retry-After.
    const page = await admin.get('/beheer/gemeenten?q=utrecht');
    expect(page.statusCode).toBe(503);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.headers['retry-after']).toBe('30');
    expect(page.body).toContain('Tijdelijk niet beschikbaar');
    expect(page.body).toContain('De database is tijdelijk niet bereikbaar');
    expect(page.body).toMatch(/<h1[^>]*>Tijdelijk niet beschikbaar<\/h1>/);

    // Public pages that need no database still work.
    expect((await web().get('/toegankelijkheid')).statusCode).toBe(200);

    // The API: a JSON error.
    const apiDown = await api('/api/v1/municipalities?q=utrecht');
    expect(apiDown.statusCode).toBe(503);
    expect(apiDown.json()).toEqual({ error: { code: 'database_unavailable', message: expect.stringContaining('database') } });

    // Back up: the app recovers without a restart (the pool makes new connections).
    await proxy.up();
    const until = Date.now() + 10_000;
    let status = 0;
    while (Date.now() < until && status !== 200) {
      status = (await t.app.inject('/ready')).statusCode;
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
    const after = await admin.get('/beheer/gemeenten?q=utrecht');
    expect(after.statusCode).toBe(200);
    expect(after.body).toContain('Utrecht');
    const apiAfter = await api('/api/v1/municipalities?q=utrecht');
    expect(apiAfter.statusCode).toBe(200);
    expect(apiAfter.json().data.map((m: { name: string }) => m.name)).toContain('Utrecht');
  });
});
