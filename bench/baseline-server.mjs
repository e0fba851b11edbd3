// The baseline of the list benchmark: a bare Fastify route that returns the same rows as the
// app's municipality search with one plain SQL query on the same PostgreSQL. It runs in a
// worker thread of the bench process, so the load generator does not share its event loop.
import { parentPort, workerData } from 'node:worker_threads';
import Fastify from 'fastify';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: workerData.databaseUrl, max: 10 });
const app = Fastify({ logger: false });

const SQL = `
  select m.cbs_code as "cbsCode", m.name, p.code as "provinceCode", p.name as "provinceName",
         m.valid_from as "validFrom", m.valid_to as "validTo",
         pa.status as "participationStatus", pa.signed_on as "signedOn"
    from municipalities m
    join provinces p on p.id = m.province_id
    left join participations pa on pa.municipality_id = m.id and pa.deleted_at is null
   where m.deleted_at is null and m.valid_to is null and (m.name ilike $1 or m.cbs_code ilike $1)
   order by m.name asc, m.cbs_code asc
   limit $2`;

app.get('/baseline/municipalities', async (req) => {
  const q = String(req.query.q ?? '').replace(/[%_\\]/g, (c) => `\\${c}`);
  const pageSize = Math.min(500, Number(req.query.pageSize) || 25);
  const { rows } = await pool.query(SQL, [`%${q}%`, pageSize]);
  return { data: rows };
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
