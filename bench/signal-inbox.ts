/**
 * A handling organisation's inbox with a large signal table (issue 4): the app runs as `serve`
 * (demo data: Welzijn Utrecht Stad is the signal point of Utrecht) on an embedded PostgreSQL,
 * and bench/signal-data.ts adds `total` synthetic signals — `mainSignals` of them for Welzijn
 * Utrecht Stad, the rest for nine other organisations. Each page is requested one after the
 * other after a warm-up, as the demo social worker; the baseline is the hand-written SQL of the
 * default inbox page (open signals, newest first, 25 rows) timed on the same PostgreSQL.
 */
import { startBenchStack } from './lib.js';
import { FieldCipher } from '../src/platform/crypto.js';
import { DEMO_ENCRYPTION_KEY } from '../src/config.js';
import { HttpSession } from '../test/e2e/http.js';
import { generateSignalData, type SignalData } from './signal-data.js';
import { timed, type TimedRun } from './benchmark-results.js';

export interface SignalInboxResult {
  data: SignalData & { inDatabase: number };
  runs: TimedRun[];
  baseline: TimedRun;
}

const BASELINE_SQL = `
  select s.id, s.reference, s.received_at, s.status, s.signaller_type, s.due_at, s.first_contact_at, s.assigned_user_id, s.neighbourhood_id
    from signals s
   where s.organisation_id = $1 and s.status in ('new', 'assigned', 'contact_attempted', 'in_contact', 'visit_planned')
   order by s.received_at desc, s.id desc
   limit 25`;

export async function benchSignalInbox(opts: { total?: number; mainSignals?: number; requests?: number; warmup?: number; log?: (s: string) => void } = {}): Promise<SignalInboxResult> {
  const { total = 150_000, mainSignals = 100_000, requests = 100, warmup = 10, log = console.log } = opts;
  const { app, database, client, stop } = await startBenchStack('ete-bench-inbox-', log);
  try {
    const org = await client.query<{ id: number; municipality_id: number }>("select id, municipality_id from organisations where name = 'Welzijn Utrecht Stad'");
    const point = await client.query<{ id: number }>('select id from signal_points where organisation_id = $1', [org.rows[0].id]);
    const staff = await client.query<{ user_id: number }>("select user_id from user_roles where organisation_id = $1 and role in ('signal_handler', 'signal_coordinator')", [org.rows[0].id]);
    log(`  generating ${total} signals (${mainSignals} for Welzijn Utrecht Stad)…`);
    const data = await generateSignalData(database.db, new FieldCipher(Buffer.from(DEMO_ENCRYPTION_KEY, 'base64')), {
      total,
      mainShare: mainSignals / total,
      mainOrganisationId: org.rows[0].id,
      mainMunicipalityId: org.rows[0].municipality_id,
      mainSignalPointId: point.rows[0].id,
      assigneeIds: staff.rows.map((r) => r.user_id),
    });
    const count = await client.query<{ n: number }>('select count(*)::int as n from signals');
    log(`  ${count.rows[0].n} signals in the database, ${data.mainOrganisationSignals} in the organisation's inbox (${data.seconds} s)`);

    const worker = new HttpSession(app.baseUrl);
    await worker.login('sociaalwerker@demo.example', 'Demo-wachtwoord-2026');
    const nb = await client.query<{ id: number }>("select id from neighbourhoods where code = 'BU03449002'");
    const aSignal = await client.query<{ id: number; reference: string }>("select id, reference from signals where organisation_id = $1 and status = 'in_contact' order by received_at desc limit 1", [org.rows[0].id]);
    const page = (url: string) => async () => {
      const r = await worker.get(url);
      if (r.status !== 200) throw new Error(`${url}: ${r.status}`);
      return r.body.length;
    };
    const targets: [string, string][] = [
      ['Inbox: open signals, newest first (the default)', '/signalen'],
      ['Inbox: all statuses', '/signalen?status=all'],
      ['Inbox: closed, page 200', '/signalen?status=closed&page=200'],
      ['Inbox: overdue only', '/signalen?te-laat=1'],
      ['Inbox: assigned to me, all statuses', '/signalen?status=all&toegewezen=mij'],
      ['Inbox: unassigned, one neighbourhood, all statuses', `/signalen?status=all&toegewezen=niemand&wijk=${nb.rows[0]?.id ?? ''}`],
      ['One signal (decrypted, audit-logged)', `/signalen/${aSignal.rows[0].id}`],
      ['Handling API: open signals (JSON)', '/api/v1/handling/signals'],
    ];
    const runs: TimedRun[] = [];
    for (const [name, url] of targets) {
      const r = await timed(name, url, requests, warmup, page(url));
      log(`  ${name}: p50 ${r.p50} ms, p95 ${r.p95} ms, max ${r.max} ms (${Math.round(r.bytes / 1024)} kB)`);
      runs.push(r);
    }
    const baseline = await timed('Baseline: hand-written SQL of the default inbox page', '(SQL)', requests, warmup, async () => (await client.query(BASELINE_SQL, [org.rows[0].id])).rowCount ?? 0);
    log(`  ${baseline.name}: p50 ${baseline.p50} ms, p95 ${baseline.p95} ms`);
    return { data: { ...data, inDatabase: count.rows[0].n }, runs, baseline };
  } finally {
    await stop();
  }
}

if (process.argv[1]?.endsWith('signal-inbox.ts')) {
  const quick = process.argv.includes('--quick');
  benchSignalInbox(quick ? { total: 30_000, mainSignals: 20_000, requests: 30, warmup: 5 } : {})
    .then((r) => console.log(JSON.stringify({ data: r.data, baseline: r.baseline.p95 }, null, 2)))
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
