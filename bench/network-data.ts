/**
 * A large, realistic network data set for the issue-5 benchmarks, generated in SQL on top of the
 * demo data (reproducible: setseed):
 *
 *  - a coalition for every current municipality, each with 1–4 dated stages over five years,
 *    ten local member organisations with start (and some end) dates, most with a kartrekker;
 *  - `nationalMembers` National Coalition members (declaration dates over five years, some
 *    left) with local branches that are members of local coalitions;
 *  - `contactMoments` contact moments over five years, `mainMoments` of them for the main
 *    municipality (the timeline target: 5,000), each with one or two organisations;
 *  - `posts` board posts with varied Dutch text, themes and regions (most open, some expired)
 *    and `matches` matches made over five years;
 *  - collaborations with status histories, and phases for a fifth of the municipalities.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../src/platform/db/index.js';

export interface NetworkDataOptions {
  mainMunicipalityId: number;
  advisorId: number;
  posterId: number;
  contactMoments?: number;
  mainMoments?: number;
  posts?: number;
  matches?: number;
  nationalMembers?: number;
  collaborations?: number;
}

export interface NetworkData {
  coalitions: number;
  coalitionMembers: number;
  nationalMembers: number;
  contactMoments: number;
  mainMoments: number;
  posts: number;
  openPosts: number;
  matches: number;
  collaborations: number;
  seconds: number;
}

const count = async (db: Db, table: string) => (await db.execute<{ n: number }>(sql.raw(`select count(*)::int as n from ${table}`))).rows[0].n;

// Phrases for titles and descriptions: the search must find stems ("vrijwilliger" ~ "vrijwilligers").
const SUBJECTS = [
  'vrijwilligers voor de Week tegen Eenzaamheid',
  'een workshop signalen herkennen voor kassamedewerkers',
  'een wandelgroep voor ouderen in de wijk',
  'gezamenlijke maaltijden in het buurthuis',
  'een taalcafé met nieuwe Nederlanders',
  'hulp bij digitale vaardigheden voor senioren',
  'mantelzorgers die elkaar willen ontmoeten',
  'huisbezoeken bij 75-plussers',
  'een koffieochtend in de bibliotheek',
  'sportclubs die leden willen betrekken',
  'jongeren die zich eenzaam voelen',
  'een campagne in de supermarkt',
  'financiering voor een ontmoetingsplek',
  'kennis over monitoring en evaluatie',
  'een netwerkbijeenkomst van de lokale coalitie',
  'een buddyproject voor alleenstaanden',
];
const SENTENCES = [
  'Wij zoeken partners die willen meedenken en meedoen.',
  'Het gaat om een kleinschalige activiteit die we graag willen uitbreiden.',
  'Onze medewerkers hebben ervaring met het bereiken van mensen die weinig contact hebben.',
  'De activiteit vindt plaats in het buurthuis en is gratis toegankelijk.',
  'We bieden materiaal, een draaiboek en begeleiding bij de eerste bijeenkomsten.',
  'Vrijwilligers krijgen een korte training en een vast aanspreekpunt.',
  'We werken samen met de huisartsenpraktijk en de wijkverpleging.',
  'Ook organisaties buiten de regio zijn welkom om te reageren.',
  'Bibliotheken, kerken en sportverenigingen hebben al belangstelling getoond.',
  'Het initiatief past bij de pijler sterk netwerk van de lokale aanpak.',
];

/** A SQL text-array literal of fixed phrases, in parentheses so it can be subscripted. */
const arr = (xs: readonly string[]) => sql.raw(`(array[${xs.map((x) => `'${x.replace(/'/g, "''")}'`).join(',')}]::text[])`);

export async function generateNetworkData(db: Db, opts: NetworkDataOptions): Promise<NetworkData> {
  const t0 = performance.now();
  const { contactMoments = 50_000, mainMoments = 5_000, posts = 50_000, matches = 5_000, nationalMembers = 170, collaborations = 300 } = opts;
  await db.execute(sql`select setseed(0.42)`);

  // Coalitions for every current municipality without one, with dated stages.
  await db.execute(sql`
    insert into coalitions (name, municipality_id)
    select 'Lokale coalitie ' || m.name, m.id from municipalities m
     where m.valid_to is null and m.deleted_at is null
       and not exists (select 1 from coalitions c where c.municipality_id = m.id and c.deleted_at is null)`);
  await db.execute(sql`
    insert into coalition_stages (coalition_id, stage, from_date)
    select c.id, (array['starting','active','very_active','active'])[k], (date '2021-01-01' + (k - 1) * 400 + (c.id * 37) % 300)
      from coalitions c cross join generate_series(1, 4) k
     where c.deleted_at is null and k <= 1 + c.id % 4`);

  // Ten local organisations per coalition, members with dates; the first is the kartrekker in 80 %.
  await db.execute(sql`
    insert into organisations (name, kind, municipality_id)
    select 'Bench-organisatie ' || c.municipality_id || '-' || k, (array['welfare','care','housing','volunteer','church','business','education','other'])[1 + k % 8], c.municipality_id
      from coalitions c cross join generate_series(1, 10) k where c.deleted_at is null`);
  await db.execute(sql`
    insert into coalition_members (coalition_id, organisation_id, role, sector, start_date, end_date)
    select c.id, o.id,
           case when o.name like '%-1' and c.id % 5 <> 0 then 'kartrekker' else (array['initiator','active','active','informed','no_active_role'])[1 + o.id % 5] end,
           (array['care_welfare','self_organisations','culture','sport','housing','financial','business','education','religious','media','police','gp_health','other'])[1 + o.id % 13],
           d.start_date,
           case when o.id % 6 = 0 then d.start_date + 200 + o.id % 500 else null end
      from coalitions c
      join organisations o on o.municipality_id = c.municipality_id and o.name like 'Bench-organisatie %'
      cross join lateral (select date '2021-01-01' + (o.id * 13) % 1700 as start_date) d
     where c.deleted_at is null`);

  // National Coalition members, with branches in local coalitions.
  await db.execute(sql`
    insert into organisations (name, kind)
    select 'Bench landelijke partner ' || k, 'national_partner' from generate_series(1, ${nationalMembers}) k`);
  await db.execute(sql`
    insert into national_members (organisation_id, sector, declaration_date, left_on)
    select o.id, (array['care_welfare','culture','media','sport','business','knowledge','public','religious','umbrella','funds'])[1 + o.id % 10],
           date '2021-01-01' + (o.id * 17) % 1600,
           case when o.id % 10 = 0 then date '2021-01-01' + (o.id * 17) % 1600 + 400 else null end
      from organisations o where o.name like 'Bench landelijke partner %'`);
  await db.execute(sql`
    insert into organisations (name, kind, municipality_id, parent_organisation_id)
    select p.name || ' vestiging ' || c.municipality_id, 'business', c.municipality_id, p.id
      from organisations p
      join coalitions c on (c.id + p.id) % 40 = 0
     where p.name like 'Bench landelijke partner %' and c.deleted_at is null`);
  // Dated branch links (the figures count a branch while its link holds); every 25th one has ended.
  await db.execute(sql`
    insert into branch_links (organisation_id, parent_organisation_id, linked_on, unlinked_on)
    select b.id, b.parent_organisation_id, date '2021-06-01' + (b.id * 3) % 500,
           case when b.id % 25 = 0 then date '2024-01-01' + b.id % 300 else null end
      from organisations b where b.parent_organisation_id is not null and b.name like 'Bench landelijke partner %'`);
  await db.execute(sql`
    insert into coalition_members (coalition_id, organisation_id, role, sector, start_date)
    select c.id, b.id, 'active', 'business', date '2022-01-01' + (b.id * 7) % 1300
      from organisations b join coalitions c on c.municipality_id = b.municipality_id and c.deleted_at is null
     where b.parent_organisation_id is not null and b.name like 'Bench landelijke partner %'`);
  await db.execute(sql`
    update organisations b set parent_organisation_id = null
      from branch_links bl where bl.organisation_id = b.id and bl.unlinked_on is not null and b.name like 'Bench landelijke partner %'`);

  // Collaborations with status histories and two partners each.
  await db.execute(sql`
    insert into collaborations (title, description, start_date)
    select 'Bench-samenwerking ' || k, 'Synthetische samenwerking voor de benchmark.', date '2021-03-01' + (k * 5) % 1700 from generate_series(1, ${collaborations}) k`);
  await db.execute(sql`
    insert into collaboration_statuses (collaboration_id, status, from_date)
    select c.id, (array['idea','pilot','project','ended'])[k], c.start_date + (k - 1) * 180
      from collaborations c cross join generate_series(1, 4) k where c.title like 'Bench-samenwerking %' and k <= 1 + c.id % 4`);
  await db.execute(sql`
    insert into collaboration_partners (collaboration_id, organisation_id)
    select c.id, (select id from organisations where name = 'Bench landelijke partner ' || (1 + c.id % ${nationalMembers})) from collaborations c where c.title like 'Bench-samenwerking %'`);
  await db.execute(sql`
    insert into collaboration_partners (collaboration_id, coalition_id)
    select c.id, (select id from coalitions order by id offset (c.id % 300) limit 1) from collaborations c where c.title like 'Bench-samenwerking %'`);

  // Contact moments: mainMoments for the main municipality, the rest spread over all municipalities.
  await db.execute(sql`
    insert into contact_moments (occurred_on, kind, subject, notes, municipality_id, duration_minutes, advisory, advisor_id, pillars, tags, created_by)
    select current_date - (g % 1826),
           (array['call','visit','email','meeting','masterclass','webinar','event'])[1 + g % 7],
           (array['Kennismakingsgesprek','Coalitiebijeenkomst','Telefonisch overleg','Masterclass lokale aanpak','Voortgangsgesprek','Webinar signaleren'])[1 + g % 6] || ' ' || g,
           'Synthetisch contactmoment voor de benchmark.',
           case when g <= ${mainMoments} then ${opts.mainMunicipalityId} else m.id end,
           15 * (1 + g % 8), g % 10 < 7, ${opts.advisorId},
           array[(array['pillar_1','pillar_2','pillar_3','pillar_4','pillar_5'])[1 + g % 5]], array['bench'],
           ${opts.advisorId}
      from generate_series(1, ${contactMoments}) g
      cross join lateral (select id from municipalities where valid_to is null and id <> ${opts.mainMunicipalityId} order by id offset (g % 300) limit 1) m`);
  await db.execute(sql`
    insert into contact_moment_organisations (contact_moment_id, organisation_id)
    select cm.id, o.id from contact_moments cm
      join lateral (select id from organisations where municipality_id = cm.municipality_id order by id limit 1 + cm.id % 2) o on true
     where cm.tags = array['bench']
    on conflict do nothing`);

  // Phases: a fifth of the municipalities moved to the network phase on a past date.
  await db.execute(sql`
    insert into municipality_phases (municipality_id, phase, from_date, account_manager_id)
    select c.municipality_id, 'network', date '2022-01-01' + (c.id * 11) % 1400, ${opts.advisorId} from coalitions c where c.id % 5 = 0`);

  // Board posts: varied titles and descriptions from the phrase lists, most valid for months ahead.
  await db.execute(sql`
    insert into board_posts (kind, title, description, themes, sectors, province_id, valid_until, organisation_id, posted_by, status, created_at)
    select case when g % 2 = 0 then 'request' else 'offer' end,
           case when g % 2 = 0 then 'Gezocht: ' else 'Aangeboden: ' end || ${arr(SUBJECTS)}[1 + g % ${SUBJECTS.length}] || ' (' || g || ')',
           ${arr(SENTENCES)}[1 + g % ${SENTENCES.length}] || ' ' || ${arr(SENTENCES)}[1 + (g / 7) % ${SENTENCES.length}] || ' ' ||
             'Het gaat om ' || ${arr(SUBJECTS)}[1 + (g / 3) % ${SUBJECTS.length}] || '. ' || ${arr(SENTENCES)}[1 + (g / 11) % ${SENTENCES.length}],
           array[(array['pillar_1','pillar_2','pillar_3','pillar_4','pillar_5','meeting','signalling','volunteers','youth','elderly','digital','campaign','week','funding','knowledge'])[1 + g % 15]],
           array[(array['care_welfare','culture','sport','housing','business','education','religious','media'])[1 + g % 8]],
           case when g % 4 = 0 then null else (select id from provinces order by id offset (g % 12) limit 1) end,
           case when g % 10 = 0 then current_date - 1 - g % 300 else current_date + 1 + g % 300 end,
           (select id from organisations where name = 'Bench landelijke partner ' || (1 + g % ${nationalMembers})),
           ${opts.posterId},
           case when g % 25 = 0 then 'matched' else 'open' end,
           now() - (g % 1826) * interval '1 day'
      from generate_series(1, ${posts}) g`);
  await db.execute(sql`
    insert into board_matches (post_id, partner_organisation_id, made_on, created_by)
    select p.id, p.organisation_id, (p.created_at::date + 20) , ${opts.posterId}
      from board_posts p where p.status = 'matched' order by p.id limit ${matches}`);

  for (const t of ['coalitions', 'coalition_stages', 'coalition_members', 'organisations', 'national_members', 'contact_moments', 'contact_moment_organisations', 'board_posts', 'board_matches', 'collaborations', 'collaboration_statuses', 'municipality_phases']) {
    await db.execute(sql.raw(`vacuum analyze ${t}`));
  }
  const main = await db.execute<{ n: number }>(sql`select count(*)::int as n from contact_moments where municipality_id = ${opts.mainMunicipalityId} and deleted_at is null`);
  const open = await db.execute<{ n: number }>(sql`select count(*)::int as n from board_posts where status = 'open' and valid_until >= current_date and deleted_at is null`);
  return {
    coalitions: await count(db, 'coalitions'),
    coalitionMembers: await count(db, 'coalition_members'),
    nationalMembers: await count(db, 'national_members'),
    contactMoments: await count(db, 'contact_moments'),
    mainMoments: main.rows[0].n,
    posts: await count(db, 'board_posts'),
    openPosts: open.rows[0].n,
    matches: await count(db, 'board_matches'),
    collaborations: await count(db, 'collaborations'),
    seconds: Math.round((performance.now() - t0) / 100) / 10,
  };
}
