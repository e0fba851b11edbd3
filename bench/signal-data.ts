/**
 * A large, realistic signal data set for the inbox benchmark, generated in SQL: `total` signals
 * over the last three years, spread over `organisations` handling organisations (the first one,
 * Welzijn Utrecht Stad of the demo, gets `mainShare` of them), with every status, assignees,
 * due dates, first contacts and outcomes, and encrypted personal fields (one ciphertext reused:
 * the list never decrypts, and the detail page decrypts one row).
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../src/platform/db/index.js';
import type { FieldCipher } from '../src/platform/crypto.js';

export interface SignalData {
  total: number;
  mainOrganisationSignals: number;
  seconds: number;
}

export async function generateSignalData(
  db: Db,
  cipher: FieldCipher,
  opts: { total: number; mainOrganisationId: number; mainMunicipalityId: number; mainSignalPointId: number; assigneeIds: number[]; otherOrganisations?: number; mainShare?: number },
): Promise<SignalData> {
  const t0 = performance.now();
  const { total, mainShare = 0.5, otherOrganisations = 9 } = opts;
  // Other organisations with a signal point each, in the same municipality (a realistic worst
  // case for the indexes: one municipality, several organisations).
  const others: { org: number; point: number }[] = [];
  for (let i = 0; i < otherOrganisations; i++) {
    const o = await db.execute<{ id: number }>(sql`insert into organisations (name, kind, municipality_id) values (${`Bench-welzijn ${i + 1}`}, 'welfare', ${opts.mainMunicipalityId}) returning id`);
    const p = await db.execute<{ id: number }>(
      sql`insert into signal_points (municipality_id, organisation_id, name, is_default) values (${opts.mainMunicipalityId}, ${o.rows[0].id}, ${`Bench-signaalpunt ${i + 1}`}, false) returning id`,
    );
    others.push({ org: o.rows[0].id, point: p.rows[0].id });
  }
  const nbs = await db.execute<{ id: number }>(sql`select id from neighbourhoods where municipality_id = ${opts.mainMunicipalityId} and kind = 'neighbourhood' order by id limit 40`);
  const nbIds = nbs.rows.map((r) => r.id);
  const person = cipher.encrypt(JSON.stringify({ name: 'Bench Persoon', street: 'Benchstraat', houseNumber: 1, postcode: '3511AA', city: 'Utrecht' }));
  const story = cipher.encrypt('Synthetisch signaal voor de benchmark.');
  const orgIds = [opts.mainOrganisationId, ...others.map((o) => o.org)];
  const pointIds = [opts.mainSignalPointId, ...others.map((o) => o.point)];
  const assignees = opts.assigneeIds.length ? opts.assigneeIds : [null];
  // Status mix: most signals of past years are closed; the last weeks hold the open work.
  await db.execute(sql`
    insert into signals (reference, kind, channel, received_at, signaller_type, age_group, signs, person_knows, feedback_requested,
                         municipality_id, neighbourhood_id, signal_point_id, organisation_id, routed_by, routed_at, status,
                         assigned_user_id, due_at, first_contact_at, closed_at, outcome, person_enc, story_enc, address_key)
    select 'SGN-B' || lpad(to_hex(g), 7, '0'),
           case when g % 17 = 0 then 'self' else 'worry' end,
           case when g % 5 = 0 then 'api' else 'form' end,
           r.at,
           (array['neighbour_family','shop_staff','hairdresser','pharmacy','gp_practice','deliverer','volunteer','housing_corporation','police','other'])[1 + g % 10],
           (array['young','adult','senior','elderly','unknown'])[1 + g % 5],
           array['rarely_outside','says_lonely'],
           'unknown', g % 3 = 0,
           ${opts.mainMunicipalityId},
           ${nbIds.length ? sql`(${sql.raw(`array[${nbIds.join(',')}]::int[]`)})[1 + g % ${nbIds.length}]` : sql`null`},
           ${sql.raw(`(array[${pointIds.join(',')}]::int[])`)}[o.k],
           ${sql.raw(`(array[${orgIds.join(',')}]::int[])`)}[o.k],
           'postcode', r.at,
           s.status,
           case when s.status = 'new' then null else ${sql.raw(`(array[${assignees.map((a) => a ?? 'null').join(',')}]::int[])`)}[1 + g % ${assignees.length}] end,
           r.at + interval '2 days',
           case when s.status in ('new', 'assigned') then null else r.at + (g % 96) * interval '1 hour' end,
           case when s.status in ('closed', 'duplicate') then r.at + interval '10 days' else null end,
           case when s.status = 'closed' then (array['referred_activity','referred_buddy','referred_care','visited_no_need','declined','unreachable','other'])[1 + g % 7] else null end,
           ${person}, ${story}, md5(g::text)
      from generate_series(1, ${total}) g
      cross join lateral (select now() - (g::double precision / ${total}) * interval '1095 days' as at) r
      cross join lateral (select case when (g % 1000) < ${Math.round(mainShare * 1000)} then 1 else 2 + g % ${Math.max(1, others.length)} end as k) o
      cross join lateral (select case
           when r.at > now() - interval '21 days' then (array['new','assigned','contact_attempted','in_contact','visit_planned','closed'])[1 + g % 6]
           when g % 50 = 0 then 'duplicate'
           else 'closed' end as status) s`);
  // As autovacuum would have done on a live table: the visibility map lets the inbox counts run as index-only scans.
  await db.execute(sql`vacuum analyze signals`);
  const main = await db.execute<{ n: number }>(sql`select count(*)::int as n from signals where organisation_id = ${opts.mainOrganisationId}`);
  return { total, mainOrganisationSignals: main.rows[0].n, seconds: Math.round((performance.now() - t0) / 100) / 10 };
}
