import { eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../platform/db/index.js';
import { systemState, userRoles, users } from '../platform/db/schema.js';
import { hashPassword } from '../platform/auth/service.js';
import type { Role } from '../platform/access.js';
import { jointApproaches, municipalities, organisations, participations } from '../modules/registry/schema.js';
import { readShippedMunicipalities, readShippedProvinces, syncReferenceMunicipalities } from '../modules/registry/service.js';
import type { OrganisationKind, ParticipationStatus } from '../modules/registry/labels.js';
import type { FieldCipher } from '../platform/crypto.js';
import { seedBenchmarkDemo } from '../modules/benchmark/demo.js';
import { seedSignalsDemo } from '../modules/signals/demo.js';
import { seedCoalitionsDemo } from '../modules/network/demo-coalitions.js';
import { seedCrmDemo } from '../modules/network/demo-crm.js';
import { seedCollaborationsDemo } from '../modules/network/demo-collaborations.js';
import { seedBoardDemo } from '../modules/matching/demo.js';
import { importShippedProvinceBoundaries } from '../modules/benchmark/boundaries.js';
import { boundaries } from '../modules/benchmark/schema.js';
import { slug } from './slug.js';

export const DEMO_PASSWORD = 'Demo-wachtwoord-2026';

export interface DemoLogin {
  email: string;
  role: string;
  scope: string;
}

/** Municipalities that take part in the demo (CBS codes), with their signing date. */
const PARTICIPANTS: [string, string][] = [
  ['GM0363', '2019-03-15'], ['GM0599', '2018-11-20'], ['GM0344', '2019-01-10'], ['GM0518', '2019-06-01'], ['GM0014', '2018-10-04'],
  ['GM0034', '2019-09-12'], ['GM0080', '2020-02-03'], ['GM0153', '2019-05-21'], ['GM0193', '2019-04-18'], ['GM0200', '2020-01-15'],
  ['GM0202', '2019-10-08'], ['GM0228', '2020-06-30'], ['GM0268', '2019-02-27'], ['GM0307', '2019-11-05'], ['GM0355', '2020-03-12'],
  ['GM0392', '2019-07-09'], ['GM0394', '2020-09-24'], ['GM0402', '2021-01-19'], ['GM0439', '2019-12-02'], ['GM0453', '2020-05-14'],
  ['GM0479', '2021-03-03'], ['GM0503', '2019-08-22'], ['GM0505', '2020-10-01'], ['GM0546', '2019-03-28'], ['GM0603', '2021-06-17'],
  ['GM0687', '2020-11-11'], ['GM0718', '2021-02-08'], ['GM0758', '2019-10-30'], ['GM0772', '2019-06-13'], ['GM0796', '2020-04-07'],
  ['GM0855', '2019-09-03'], ['GM0935', '2020-01-29'], ['GM0983', '2021-04-22'], ['GM0988', '2021-09-15'], ['GM1680', '2021-05-06'],
  ['GM1730', '2022-02-14'], ['GM1735', '2021-10-12'], ['GM0114', '2022-03-01'], ['GM0106', '2022-01-20'], ['GM0109', '2022-04-11'],
];

/** Joint approaches: name, primary municipality, other members. */
const JOINT: [string, string, string[]][] = [
  ['Samen tegen eenzaamheid Drenthe-Noord', 'GM0106', ['GM0109', 'GM0114']],
  ['Limburg samen tegen eenzaamheid', 'GM0935', ['GM0988', 'GM0983']],
];

const ORGS: [string, OrganisationKind, string, string | null, string | null][] = [
  // name, kind, sector, municipality code, KvK
  ['Welzijn Amsterdam Centrum', 'welfare', 'Welzijn', 'GM0363', '41201234'],
  ['Stichting Buurtkracht Rotterdam', 'welfare', 'Welzijn', 'GM0599', '24345678'],
  ['Welzijn Utrecht Stad', 'welfare', 'Welzijn', 'GM0344', '30123456'],
  ['Haagse Ouderenbond', 'volunteer', 'Ouderen', 'GM0518', '27098765'],
  ['Woonstichting Stad en Lande', 'housing', 'Wonen', 'GM0014', '02034567'],
  ['Huisartsenpraktijk De Linde', 'care', 'Eerstelijnszorg', 'GM0034', null],
  ['Bibliotheek Leeuwarden', 'education', 'Cultuur en onderwijs', 'GM0080', null],
  ['Zorggroep Twente', 'care', 'Ouderenzorg', 'GM0153', '06078912'],
  ['Stichting Samen Zwolle', 'welfare', 'Welzijn', 'GM0193', '05067890'],
  ['Vrijwilligerscentrale Apeldoorn', 'volunteer', 'Vrijwilligerswerk', 'GM0200', '08123987'],
  ['Protestantse Gemeente Arnhem', 'church', 'Levensbeschouwing', 'GM0202', null],
  ['Welzijnsorganisatie Kennemerland', 'welfare', 'Welzijn', 'GM0392', '34234567'],
  ['Buurtzorg Leiden', 'care', 'Wijkverpleging', 'GM0546', null],
  ['Welzijn Tilburg', 'welfare', 'Welzijn', 'GM0855', '18056789'],
  ['Welzijn Maastricht', 'welfare', 'Welzijn', 'GM0935', '14098123'],
  ['Welzijn Drenthe-Noord', 'welfare', 'Welzijn', 'GM0106', '04056432'],
  ['Ouderenfonds', 'national_partner', 'Ouderen', null, null],
  ['Humanitas', 'national_partner', 'Welzijn', null, null],
  ['Zonnebloem', 'national_partner', 'Vrijwilligerswerk', null, null],
  ['KBO-PCOB', 'national_partner', 'Ouderen', null, null],
  ['PostNL (bezorgers signaleren)', 'business', 'Logistiek', null, null],
];

export interface DemoSeedOptions {
  /** For the benchmark invitations' link tokens. */
  cipher: FieldCipher;
  /** For the printed benchmark link. */
  baseUrl: string;
  /** For the signal point's mails (feedback to demo signallers). */
  helpdeskEmail?: string;
  onProgress?: (msg: string) => void;
}

/**
 * Seeds the reference list and a realistic demo, the benchmark included. Idempotent: does
 * nothing when seeded before (the benchmark part is seeded on its own when it is missing).
 * `benchmarkLink` is the Utrecht contact's personal link to the open benchmark, when it is open.
 */
export async function seedDemo(db: Db, opts: DemoSeedOptions): Promise<{ seeded: boolean; logins: DemoLogin[]; benchmarkLink: string | null }> {
  const [done] = await db.select().from(systemState).where(eq(systemState.key, 'demo_seeded'));
  const logins = demoLogins();
  const benchmark = async () => {
    // The response maps need province boundaries: load the shipped ones when none are imported.
    const [hasBoundaries] = await db.select({ id: boundaries.id }).from(boundaries).where(eq(boundaries.kind, 'province')).limit(1);
    if (!hasBoundaries) await importShippedProvinceBoundaries(db, { label: 'demo-seed' });
    const result = await seedBenchmarkDemo(db, opts.cipher, { baseUrl: opts.baseUrl, log: opts.onProgress });
    await seedSignalsDemo(db, opts.cipher, { baseUrl: opts.baseUrl, helpdeskEmail: opts.helpdeskEmail ?? 'helpdesk@eentegeneenzaamheid.example', log: opts.onProgress });
    // The network (issue 5), each part once: coalitions first, the board and collaborations look them up.
    await seedCoalitionsDemo(db, { log: opts.onProgress });
    await seedCrmDemo(db, { log: opts.onProgress });
    await seedBoardDemo(db, { log: opts.onProgress });
    await seedCollaborationsDemo(db, { log: opts.onProgress });
    return result;
  };
  if (done) return { seeded: false, logins, benchmarkLink: (await benchmark()).demoLink };
  opts.onProgress?.('Gemeenten en provincies laden…');
  await syncReferenceMunicipalities(db, readShippedMunicipalities(), { complete: false, asOf: '2025-01-01', provinces: readShippedProvinces() });
  await db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    // A merger to show succession: two historical municipalities that became Groningen in 2019.
    const [groningen] = await t.select().from(municipalities).where(eq(municipalities.cbsCode, 'GM0014'));
    for (const [code, name] of [
      ['GM0009', 'Ten Boer'],
      ['GM0017', 'Haren'],
    ] as const) {
      await t
        .insert(municipalities)
        .values({ cbsCode: code, name, provinceId: groningen.provinceId, validFrom: '1811-01-01', validTo: '2018-12-31', successorId: groningen.id })
        .onConflictDoNothing();
    }
    await t.update(municipalities).set({ validFrom: '2019-01-01' }).where(eq(municipalities.id, groningen.id));

    opts.onProgress?.('Deelnemende gemeenten…');
    const codes = PARTICIPANTS.map(([c]) => c);
    const ms = await t.select().from(municipalities).where(inArray(municipalities.cbsCode, codes));
    const byCode = new Map(ms.map((m) => [m.cbsCode, m]));
    const jointIds = new Map<string, number>();
    for (const [name, primary, members] of JOINT) {
      const [j] = await t.insert(jointApproaches).values({ name, primaryMunicipalityId: byCode.get(primary)!.id }).returning();
      for (const c of [primary, ...members]) jointIds.set(c, j.id);
    }
    const statuses: ParticipationStatus[] = ['active', 'active', 'active', 'signed', 'active', 'signed', 'interested'];
    for (const [i, [code, signedOn]] of PARTICIPANTS.entries()) {
      const m = byCode.get(code)!;
      const status = code === 'GM0228' ? 'stopped' : statuses[i % statuses.length];
      await t.insert(participations).values({
        municipalityId: m.id,
        status,
        signedOn: status === 'interested' ? null : signedOn,
        // The one stopped municipality left after a council decision on the budget: it counts in
        // the programme figures from signing up to, not including, this date.
        stoppedOn: status === 'stopped' ? '2023-04-01' : null,
        jointApproachId: jointIds.get(code) ?? null,
        contactName: `Coördinator ${m.name}`,
        contactEmail: `eenzaamheid@${slug(m.name)}.example.nl`,
      });
    }

    opts.onProgress?.('Organisaties…');
    const orgIds = new Map<string, number>();
    for (const [name, kind, sector, mcode, kvk] of ORGS) {
      const [o] = await t
        .insert(organisations)
        .values({
          name,
          kind,
          sector,
          kvkNumber: kvk,
          municipalityId: mcode ? byCode.get(mcode)!.id : null,
          city: mcode ? byCode.get(mcode)!.name : null,
          website: `https://www.${slug(name)}.example.nl`,
          contactName: 'Algemeen contact',
          contactEmail: `info@${slug(name)}.example.nl`,
        })
        .returning();
      orgIds.set(name, o.id);
    }

    opts.onProgress?.('Gebruikers…');
    const passwordHash = await hashPassword(DEMO_PASSWORD);
    const addUser = async (email: string, name: string, grants: { role: Role; municipalityId?: number; organisationId?: number }[]) => {
      const [u] = await t.insert(users).values({ email, name, passwordHash }).returning();
      for (const g of grants) await t.insert(userRoles).values({ userId: u.id, role: g.role, municipalityId: g.municipalityId ?? null, organisationId: g.organisationId ?? null });
    };
    await addUser('beheer@demo.example', 'Programmateam VWS (demo)', [{ role: 'programme_admin' }]);
    await addUser('coordinator@demo.example', 'Coördinator Utrecht (demo)', [{ role: 'municipality_coordinator', municipalityId: byCode.get('GM0344')!.id }]);
    await addUser('coordinator.assen@demo.example', 'Kartrekker Drenthe-Noord (demo)', [{ role: 'municipality_coordinator', municipalityId: byCode.get('GM0106')!.id }]);
    const advisorSets = [
      ['adviseur@demo.example', 'Adviseur Noord (demo)', ['GM0014', 'GM0080', 'GM0106', 'GM0109', 'GM0114', 'GM0193']],
      ['adviseur2@demo.example', 'Adviseur Midden (demo)', ['GM0344', 'GM0363', 'GM0392', 'GM0200', 'GM0202']],
      ['adviseur3@demo.example', 'Adviseur Zuid (demo)', ['GM0855', 'GM0935', 'GM0983', 'GM0988', 'GM0772']],
    ] as const;
    for (const [email, name, mcodes] of advisorSets) {
      await addUser(email, name, mcodes.map((c) => ({ role: 'advisor' as const, municipalityId: byCode.get(c)!.id })));
    }
    const welzijnUtrecht = orgIds.get('Welzijn Utrecht Stad')!;
    await addUser('signaalpunt@demo.example', 'Coördinator signaalpunt Utrecht (demo)', [{ role: 'signal_coordinator', organisationId: welzijnUtrecht }]);
    await addUser('sociaalwerker@demo.example', 'Sociaal werker Utrecht (demo)', [{ role: 'signal_handler', organisationId: welzijnUtrecht }]);
    await addUser('vrijwilliger@demo.example', 'Vrijwilliger huisbezoeken (demo)', [{ role: 'visitor', organisationId: welzijnUtrecht }]);
    await addUser('partner@demo.example', 'Ouderenfonds (demo)', [{ role: 'partner', organisationId: orgIds.get('Ouderenfonds')! }]);
    await addUser('aanbieder@demo.example', 'Bibliotheek Leeuwarden (demo)', [{ role: 'provider', organisationId: orgIds.get('Bibliotheek Leeuwarden')! }]);
    // Coordinators of the other participating municipalities (no password: invitation pending).
    for (const code of codes) {
      if (['GM0344', 'GM0106'].includes(code)) continue;
      const m = byCode.get(code)!;
      const [u] = await t
        .insert(users)
        .values({ email: `coordinator.${slug(m.name)}@demo.example`, name: `Coördinator ${m.name}`, passwordHash: null })
        .onConflictDoNothing()
        .returning();
      if (u) await t.insert(userRoles).values({ userId: u.id, role: 'municipality_coordinator', municipalityId: m.id });
    }
    await t.insert(systemState).values({ key: 'demo_seeded', value: sql`to_jsonb(now())` });
  });
  const { demoLink } = await benchmark();
  return { seeded: true, logins, benchmarkLink: demoLink };
}

export function demoLogins(): DemoLogin[] {
  return [
    { email: 'beheer@demo.example', role: 'programme_admin', scope: 'landelijk' },
    { email: 'adviseur@demo.example', role: 'advisor', scope: '6 gemeenten in het noorden' },
    { email: 'coordinator@demo.example', role: 'municipality_coordinator', scope: 'Utrecht' },
    { email: 'coordinator.assen@demo.example', role: 'municipality_coordinator', scope: 'Assen + gezamenlijke aanpak (Coevorden, Emmen)' },
    { email: 'signaalpunt@demo.example', role: 'signal_coordinator', scope: 'Welzijn Utrecht Stad' },
    { email: 'sociaalwerker@demo.example', role: 'signal_handler', scope: 'Welzijn Utrecht Stad' },
    { email: 'vrijwilliger@demo.example', role: 'visitor', scope: 'Welzijn Utrecht Stad' },
    { email: 'partner@demo.example', role: 'partner', scope: 'Ouderenfonds' },
    { email: 'aanbieder@demo.example', role: 'provider', scope: 'Bibliotheek Leeuwarden' },
  ];
}
