// The baseline of the signal intake benchmark: a bare Fastify route that inserts the posted
// JSON into one table with an idempotency key, on the same PostgreSQL, and answers 201 after
// the commit. No authentication, validation, routing, encryption or audit: the floor the
// app's intake is compared with. It runs in a worker thread of the bench process.
import { parentPort, workerData } from 'node:worker_threads';
import Fastify from 'fastify';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: workerData.databaseUrl, max: 10 });
await pool.query(`create table if not exists baseline_signals (
  id bigserial primary key,
  idempotency_key text not null unique,
  body jsonb not null,
  received_at timestamptz not null default now())`);

const app = Fastify({ logger: false });
app.post('/baseline/signals', async (req, reply) => {
  const key = String(req.headers['idempotency-key'] ?? '');
  const { rows } = await pool.query(
    'insert into baseline_signals (idempotency_key, body) values ($1, $2) on conflict (idempotency_key) do nothing returning id',
    [key, req.body],
  );
  return reply.code(rows.length ? 201 : 200).send({ id: rows[0]?.id ?? null });
});

const address = await app.listen({ port: 0, host: '127.0.0.1' });
parentPort.postMessage({ address });
parentPort.on('message', async (m) => {
  if (m === 'stop') {
    await app.close();
    await pool.end();
    parentPort.postMessage({ stopped: true });
  }
});
