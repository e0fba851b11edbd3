import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { createTestApp, createUser, seedReference, TestClient, type TestApp } from '../../../test/helpers/app.js';
import { addSignal, setupSignalPoint, signalInput, type SignalPointSetup } from '../../../test/helpers/signals.js';
import { createApiKey } from '../../platform/admin/apikeys-service.js';
import { decryptSignal } from './personal.js';
import { signals } from './schema.js';

let t: TestApp;
let sp: SignalPointSetup;
let key: string;
let otherKey: string;
let readKey: string;
let keyId: number;

beforeAll(async () => {
  t = await createTestApp();
  await seedReference(t.db);
  sp = await setupSignalPoint(t.db, { cbsCode: 'GM0344' });
  const admin = await createUser(t.db, 'admin@test.example', [{ role: 'programme_admin' }]);
  const a = await createApiKey(t.db, { name: 'Bezorgers-app', organisationId: sp.organisationId, actions: ['signals:submit'], createdBy: admin.id });
  key = a.raw;
  keyId = a.row.id;
  otherKey = (await createApiKey(t.db, { name: 'Andere app', organisationId: sp.organisationId, actions: ['signals:submit'], createdBy: admin.id })).raw;
  readKey = (await createApiKey(t.db, { name: 'Alleen lezen', organisationId: sp.organisationId, actions: ['registry:read'], createdBy: admin.id })).raw;
});
afterAll(() => t.close());

let seq = 0;
const newKey = () => `test-key-${Date.now()}-${++seq}`;
const body = (over: Record<string, unknown> = {}) => ({ signallerType: 'deliverer', postcode: sp.postcodes[0].toLowerCase(), houseNumber: 12, signs: ['post_piling_up', 'rarely_outside'], ...over });
const post = (payload: unknown, opts: { key?: string | null; idem?: string | null; app?: TestApp; raw?: string } = {}) =>
  (opts.app ?? t).app.inject({
    method: 'POST',
    url: '/api/v1/signals',
    headers: {
      'content-type': 'application/json',
      ...(opts.key !== null ? { authorization: `Bearer ${opts.key ?? key}` } : {}),
      ...(opts.idem !== null ? { 'idempotency-key': opts.idem ?? newKey() } : {}),
    },
    payload: opts.raw ?? JSON.stringify(payload),
  });
const status = (reference: string, k: string = key) => t.app.inject({ method: 'GET', url: `/api/v1/signals/${reference}`, headers: { authorization: `Bearer ${k}` } });
const countSignals = async () => (await t.db.execute<{ n: number }>(sql`select count(*)::int as n from signals`)).rows[0]!.n;

describe('POST /api/v1/signals', () => {
  it('stores a routed, encrypted signal and answers 201 with the reference', async () => {
    const res = await post(
      body({ houseNumberAddition: 'a', personName: 'Meneer Pakket', story: 'Post stapelt op.', personKnows: 'no', ageGroup: 'elderly', signaller: { name: 'Bezorger B', email: 'b@test.example' }, feedbackRequested: true }),
    );
    expect(res.statusCode).toBe(201);
    const json = res.json();
    expect(Object.keys(json).sort()).toEqual(['receivedAt', 'reference', 'routed']);
    expect(json.reference).toMatch(/^SGN-[2-9A-Z]{4}-[2-9A-Z]{4}$/);
    expect(json.routed).toBe(true);
    expect(new Date(json.receivedAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
    const [row] = await t.db.select().from(signals).where(eq(signals.reference, json.reference));
    expect(row).toMatchObject({ channel: 'api', apiKeyId: keyId, kind: 'worry', signallerType: 'deliverer', organisationId: sp.organisationId, routedBy: 'postcode', feedbackRequested: true, personKnows: 'no', ageGroup: 'elderly' });
    expect(row!.signs).toEqual(['post_piling_up', 'rarely_outside']);
    expect(JSON.stringify(row)).not.toContain('Pakket');
    const d = decryptSignal(t.ctx.cipher, row!);
    expect(d.person).toMatchObject({ name: 'Meneer Pakket', postcode: sp.postcodes[0], houseNumber: 12, houseNumberAddition: 'A' });
    expect(d.signaller).toMatchObject({ name: 'Bezorger B', email: 'b@test.example' });
  });

  it('accepts only postcode, house number and signs; an unknown postcode goes to the unrouted queue', async () => {
    const res = await post({ signallerType: 'deliverer', postcode: '9999 XX', houseNumber: 1 });
    expect(res.statusCode).toBe(201);
    expect(res.json().routed).toBe(false);
  });

  it('replays a retry with the same key and body (200 + Idempotent-Replayed) and stores one signal', async () => {
    const idem = newKey();
    const first = await post(body(), { idem });
    const before = await countSignals();
    const again = await post(body(), { idem });
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(await countSignals()).toBe(before);
  });

  it('stores one signal when retries race', async () => {
    const idem = newKey();
    const before = await countSignals();
    const answers = await Promise.all(Array.from({ length: 6 }, () => post(body(), { idem })));
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 200, 200, 200, 200, 201]);
    expect(new Set(answers.map((a) => a.json().reference)).size).toBe(1);
    expect(await countSignals()).toBe(before + 1);
  });

  it('refuses the same key with another body (409), but another API key may use the same key value', async () => {
    const idem = newKey();
    expect((await post(body(), { idem })).statusCode).toBe(201);
    const before = await countSignals();
    const conflict = await post(body({ houseNumber: 13 }), { idem });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().error.code).toBe('idempotency_conflict');
    expect(await countSignals()).toBe(before);
    const other = await post(body(), { idem, key: otherKey });
    expect(other.statusCode).toBe(201);
  });

  it('answers 422 with one {field, message} per problem and stores nothing', async () => {
    const before = await countSignals();
    const res = await post({ signallerType: 'postman', postcode: '12345', houseNumber: 0, signs: ['sad'], housenumber: 12, signaller: { email: 'geen-mail' }, story: 'x'.repeat(4001) });
    expect(res.statusCode).toBe(422);
    const err = res.json().error;
    expect(err.code).toBe('validation_failed');
    const fields = err.fields.map((f: { field: string }) => f.field);
    expect(fields).toEqual(expect.arrayContaining(['signallerType', 'postcode', 'houseNumber', 'signs.0', 'housenumber', 'signaller.email', 'story']));
    for (const f of err.fields) expect(typeof f.message).toBe('string');
    // Feedback needs an e-mail address to send it to.
    const noMail = await post(body({ feedbackRequested: true }));
    expect(noMail.statusCode).toBe(422);
    expect(noMail.json().error.fields).toEqual([{ field: 'signaller.email', message: 'required when feedbackRequested is true' }]);
    // A body that is not JSON at all.
    expect((await post(null, { raw: '{"signallerType":' })).statusCode).toBe(400);
    expect(await countSignals()).toBe(before);
  });

  it('requires a valid Idempotency-Key header', async () => {
    const missing = await post(body(), { idem: null });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.code).toBe('idempotency_key_missing');
    const short = await post(body(), { idem: 'abc' });
    expect(short.statusCode).toBe(400);
    expect(short.json().error.code).toBe('idempotency_key_invalid');
  });

  it('answers 401 without a valid key and 403 for a key or user without signals:submit', async () => {
    expect((await post(body(), { key: null })).statusCode).toBe(401);
    expect((await post(body(), { key: 'ete_not-a-real-key' })).statusCode).toBe(401);
    const forbidden = await post(body(), { key: readKey });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().error.code).toBe('forbidden');
    // A logged-in programme admin cannot submit through the partner API either.
    const c = new TestClient(t.app);
    await c.login('admin@test.example');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/signals',
      headers: { 'content-type': 'application/json', 'idempotency-key': newKey(), cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
      payload: JSON.stringify(body()),
    });
    expect(res.statusCode).toBe(403);
  });

  it('refuses a body over the size limit', async () => {
    const res = await post(body({ story: 'x'.repeat(40 * 1024) }));
    expect(res.statusCode).toBe(413);
  });

  it('limits requests per API key', async () => {
    const limited = await createTestApp({ env: { SIGNAL_API_RATE_LIMIT_PER_MINUTE: '3' }, database: t.database });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 4; i++) codes.push((await post(body(), { app: limited })).statusCode);
      expect(codes).toEqual([201, 201, 201, 429]);
      const res = await post(body(), { app: limited });
      expect(res.json().error.code).toBe('rate_limited');
      expect(res.headers['retry-after']).toBeDefined();
      // Another key has its own allowance.
      expect((await post(body(), { app: limited, key: otherKey })).statusCode).toBe(201);
    } finally {
      await limited.app.close();
    }
  });
});

describe('GET /api/v1/signals/:reference', () => {
  it('gives the stage of an own signal, and nothing about the person or the organisation', async () => {
    const { reference } = (await post(body({ personName: 'Geheim' }))).json();
    let res = await status(reference);
    expect(res.statusCode).toBe(200);
    expect(Object.keys(res.json()).sort()).toEqual(['receivedAt', 'reference', 'stage']);
    expect(res.json()).toMatchObject({ reference, stage: 'received' });
    await t.db.update(signals).set({ status: 'in_contact' }).where(eq(signals.reference, reference));
    expect((await status(reference)).json().stage).toBe('in_progress');
    await t.db.update(signals).set({ status: 'closed' }).where(eq(signals.reference, reference));
    res = await status(reference.toLowerCase());
    expect(res.json().stage).toBe('closed');
    expect(res.body).not.toContain('Geheim');
  });

  it('answers 404 for signals of another key, of the form, or unknown ones', async () => {
    const { reference } = (await post(body())).json();
    expect((await status(reference, otherKey)).statusCode).toBe(404);
    const viaForm = await addSignal(t.ctx, signalInput(sp.postcodes[0]));
    expect((await status(viaForm.reference)).statusCode).toBe(404);
    expect((await status('SGN-2222-2222')).statusCode).toBe(404);
    expect((await status(reference, readKey)).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/signals/${reference}` })).statusCode).toBe(401);
  });
});

describe('OpenAPI', () => {
  it('documents both endpoints, the required Idempotency-Key header and the body with examples', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    const postOp = doc.paths['/api/v1/signals'].post;
    expect(postOp.tags).toEqual(['signals']);
    const header = postOp.parameters.find((p: { name: string; in: string }) => p.in === 'header' && p.name === 'idempotency-key');
    expect(header.required).toBe(true);
    expect(header.description ?? header.schema.description).toContain('retry');
    const schema = postOp.requestBody.content['application/json'].schema;
    expect(schema.required).toEqual(expect.arrayContaining(['signallerType', 'postcode', 'houseNumber']));
    expect(schema.properties.signs.description).toBeTruthy();
    expect(JSON.stringify(schema)).toContain('examples');
    expect(Object.keys(postOp.responses)).toEqual(expect.arrayContaining(['200', '201', '409', '422']));
    expect(doc.paths['/api/v1/signals/{reference}'].get).toBeTruthy();
  });
});
