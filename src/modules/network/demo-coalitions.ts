import { and, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Db } from '../../platform/db/index.js';
import { seededRandom } from '../../platform/random.js';
import { amsterdamDate } from '../../platform/time.js';
import { slug } from '../../demo/slug.js';
import { jointApproaches, municipalities, organisations, participations } from '../registry/schema.js';
import type { OrganisationKind } from '../registry/labels.js';
import { coalitionMembers, coalitions, coalitionStages, nationalMembers } from './schema.js';
import { setBranchParent } from './branches-service.js';
import type { CoalitionSector, CoalitionStage, MemberRole, NationalSector } from './model.js';

/**
 * Demo data of part A of issue 5: the National Coalition (about 15 members over all sectors with
 * declaration dates 2018–2025, one that left in 2023, local branches) and local coalitions for most
 * participating demo municipalities, with stage histories from 2019 on, kartrekkers (some
 * coalitions without one) and 4–12 members each, a few of whom left or changed role.
 *
 * Every name is clearly synthetic ("(demo)" on new national organisations, example.nl addresses).
 * Reproducible: one seeded random generator. Idempotent: each half is skipped when it exists.
 */

interface NationalSeed {
  name: string;
  sector: NationalSector;
  declaration: string;
  leftOn?: string;
  pledged: string;
  /** Local branches: name suffix -> municipality CBS code, kind. */
  branches?: [string, string, OrganisationKind][];
  /** A branch (suffix) that stopped being one on a date: the link's history. */
  branchEnded?: [string, string];
}

/** The demo seed writes through the services, which audit: its entries name the demo. */
const DEMO_AUDIT = { label: 'demo-seed' };

const NATIONAL: NationalSeed[] = [
  { name: 'Ouderenfonds', sector: 'funds', declaration: '2018-03-20', pledged: 'Zilverlijn: wekelijks een belletje voor ouderen die dat willen.\nFinanciering van lokale ontmoetingsactiviteiten.' },
  {
    name: 'Humanitas',
    sector: 'care_welfare',
    declaration: '2018-03-20',
    pledged: 'Maatjesprojecten in het hele land; lokale afdelingen sluiten aan bij de lokale coalities.',
    branches: [['Den Haag', 'GM0518', 'welfare'], ['Rotterdam', 'GM0599', 'welfare']],
  },
  {
    name: 'Zonnebloem',
    sector: 'care_welfare',
    declaration: '2018-05-14',
    pledged: 'Vrijwilligers bezoeken mensen met een lichamelijke beperking thuis en organiseren uitjes.',
    branches: [['afdeling Arnhem', 'GM0202', 'volunteer'], ['afdeling Leiden', 'GM0546', 'volunteer']],
  },
  {
    name: 'KBO-PCOB',
    sector: 'umbrella',
    declaration: '2018-06-01',
    pledged: 'Lokale afdelingen van ouderenbonden signaleren eenzaamheid bij leden en doen mee in lokale coalities.',
    branches: [['afdeling Apeldoorn', 'GM0200', 'volunteer'], ['afdeling Zwolle', 'GM0193', 'volunteer']],
  },
  {
    name: 'Supermarktketen Dagvers (demo)',
    sector: 'business',
    declaration: '2019-09-25',
    pledged: 'Kassamedewerkers leren signalen van eenzaamheid herkennen.\nKoffiehoeken in de winkels tijdens de Week tegen Eenzaamheid.',
    branches: [['Utrecht Centrum', 'GM0344', 'business'], ['Amsterdam Oost', 'GM0363', 'business'], ['Zwolle Stadshagen', 'GM0193', 'business'], ['Tilburg Reeshof', 'GM0855', 'business']],
    branchEnded: ['Tilburg Reeshof', '2024-09-01'],
  },
  {
    name: 'Voorbeeldbank (demo)',
    sector: 'business',
    declaration: '2020-01-16',
    pledged: 'Medewerkers helpen ouderen met digitaal bankieren in bibliotheken en buurthuizen.',
    branches: [['Utrecht', 'GM0344', 'business'], ['Groningen', 'GM0014', 'business']],
  },
  { name: 'PostNL (bezorgers signaleren)', sector: 'business', declaration: '2021-04-08', pledged: 'Bezorgers geven een zorg over een adres door via het signaalpunt.' },
  {
    name: 'Sportbond Samen Bewegen (demo)',
    sector: 'sport',
    declaration: '2019-02-11',
    pledged: 'Walking football en beweeggroepen voor ouderen bij aangesloten clubs.',
    branches: [['Leiden', 'GM0546', 'volunteer'], ['Enschede', 'GM0153', 'volunteer']],
  },
  { name: 'Stichting Cultuur Verbindt (demo)', sector: 'culture', declaration: '2020-10-01', pledged: 'Gratis theater- en museumbezoek in groepjes, met vervoer.' },
  { name: 'Omroep Dichtbij (demo)', sector: 'media', declaration: '2018-09-30', leftOn: '2023-09-30', pledged: 'Aandacht voor eenzaamheid in programma\'s rond de Week tegen Eenzaamheid.' },
  { name: 'Kenniscentrum Sociaal Verbinden (demo)', sector: 'knowledge', declaration: '2019-05-06', pledged: 'Handreikingen en onderzoek naar wat werkt tegen eenzaamheid.' },
  {
    name: 'Netwerk Openbare Bibliotheken (demo)',
    sector: 'public',
    declaration: '2021-11-22',
    pledged: 'Bibliotheken als ontmoetingsplek: leesclubs, digicafés en taalcafés.',
    branches: [['Bibliotheek Haarlem', 'GM0392', 'education']],
  },
  { name: 'Raad van Levensbeschouwingen (demo)', sector: 'religious', declaration: '2022-03-15', pledged: 'Kerken, moskeeën en humanistische gemeenschappen openen hun deuren voor ontmoeting.' },
  { name: 'Fonds Samen Sterk (demo)', sector: 'funds', declaration: '2023-06-12', pledged: 'Startsubsidies voor nieuwe lokale coalities.' },
  { name: 'Koepel Vrijwillige Inzet (demo)', sector: 'umbrella', declaration: '2025-02-03', pledged: 'Vrijwilligerscentrales koppelen mensen die iets willen doen aan mensen die alleen zijn.' },
];

/** Local organisations a coalition draws from: name (with {m} = municipality), kind, member sector. */
const LOCAL: [string, OrganisationKind, CoalitionSector][] = [
  ['Gemeente {m}', 'municipality', 'municipality'],
  ['Welzijn {m}', 'welfare', 'care_welfare'],
  ['Huisartsen {m}', 'care', 'gp_health'],
  ['Woonstichting {m}', 'housing', 'housing'],
  ['Bibliotheek {m}', 'education', 'culture'],
  ['Ouderenbond {m}', 'volunteer', 'self_organisations'],
  ['Sportvereniging {m} Vooruit', 'volunteer', 'sport'],
  ['Protestantse gemeente {m}', 'church', 'religious'],
  ['Politie basisteam {m}', 'government', 'police'],
  ['Lokale omroep {m}', 'other', 'media'],
  ['ROC {m}', 'education', 'education'],
  ['Ondernemersvereniging {m}', 'business', 'business'],
  ['Cliëntenraad sociaal domein {m}', 'volunteer', 'self_organisations'],
  ['Thuiszorg {m}', 'care', 'care_welfare'],
];

const KIND_SECTORS: Partial<Record<OrganisationKind, CoalitionSector>> = {
  welfare: 'care_welfare',
  care: 'care_welfare',
  housing: 'housing',
  municipality: 'municipality',
  volunteer: 'self_organisations',
  church: 'religious',
  business: 'business',
  education: 'education',
};

const BRANCH_SECTORS: Partial<Record<NationalSector, CoalitionSector>> = { business: 'business', sport: 'sport', care_welfare: 'care_welfare', umbrella: 'self_organisations', public: 'culture' };

const parentOrg = alias(organisations, 'parent_org');

const FIRST = ['Anouk', 'Bram', 'Carla', 'Daan', 'Eva', 'Fatima', 'Gerrit', 'Hanneke', 'Ilse', 'Jeroen', 'Karin', 'Lotte', 'Mohamed', 'Nina', 'Olaf', 'Petra', 'Ruud', 'Sanne', 'Thijs', 'Yara'];
const LAST = ['de Vries', 'Jansen', 'Bakker', 'Visser', 'Smit', 'Meijer', 'de Boer', 'Mulder', 'de Groot', 'Bos', 'Vos', 'Peters', 'Hendriks', 'van Dijk', 'Yilmaz', 'El Amrani'];

function addDays(day: string, n: number): string {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}
const daysBetween = (a: string, b: string) => Math.round((Date.parse(`${b}T12:00:00Z`) - Date.parse(`${a}T12:00:00Z`)) / 86_400_000);
const maxDay = (a: string, b: string) => (a > b ? a : b);

export async function seedCoalitionsDemo(db: Db, opts: { log?: (m: string) => void; now?: Date } = {}): Promise<{ national: number; coalitions: number; members: number }> {
  const today = amsterdamDate(opts.now ?? new Date());
  const rnd = seededRandom(20_190_501);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  const between = (from: string, to: string) => (to <= from ? from : addDays(from, Math.floor(rnd() * (daysBetween(from, to) + 1))));
  const result = { national: 0, coalitions: 0, members: 0 };

  return db.transaction(async (raw) => {
    const t = raw as unknown as Db;

    /** An organisation by name (any case) within a municipality (null: national), created when missing. */
    const ensureOrg = async (name: string, kind: OrganisationKind, municipalityId: number | null, extra: { branchOf?: { id: number; since: string }; city?: string | null } = {}) => {
      const [found] = await t
        .select({ id: organisations.id, parentOrganisationId: organisations.parentOrganisationId })
        .from(organisations)
        .where(and(sql`lower(${organisations.name}) = lower(${name})`, sql`coalesce(${organisations.municipalityId}, 0) = ${municipalityId ?? 0}`, isNull(organisations.deletedAt)));
      if (found) {
        if (extra.branchOf && found.parentOrganisationId == null) await setBranchParent(t, DEMO_AUDIT, found.id, extra.branchOf.id, extra.branchOf.since, { via: 'demo' });
        return found.id;
      }
      const [o] = await t
        .insert(organisations)
        .values({
          name,
          kind,
          municipalityId,
          city: extra.city ?? null,
          website: `https://www.${slug(name)}.example.nl`,
          contactEmail: `info@${slug(name)}.example.nl`,
        })
        .returning({ id: organisations.id });
      if (extra.branchOf) await setBranchParent(t, DEMO_AUDIT, o.id, extra.branchOf.id, extra.branchOf.since, { via: 'demo' });
      return o.id;
    };

    const allMunis = await t.select({ id: municipalities.id, cbsCode: municipalities.cbsCode, name: municipalities.name }).from(municipalities).where(isNull(municipalities.deletedAt));
    const byCode = new Map(allMunis.map((m) => [m.cbsCode, m]));

    /* ---------------------------------------------------------- National Coalition ---------- */
    const [anyMember] = await t.select({ id: nationalMembers.id }).from(nationalMembers).limit(1);
    if (!anyMember) {
      opts.log?.('Nationale Coalitie…');
      for (const n of NATIONAL) {
        const orgId = await ensureOrg(n.name, n.name.startsWith('PostNL') ? 'business' : 'national_partner', null);
        await t.insert(nationalMembers).values({ organisationId: orgId, sector: n.sector, declarationDate: n.declaration, leftOn: n.leftOn ?? null, pledgedActions: n.pledged });
        result.national++;
        for (const [suffix, code, kind] of n.branches ?? []) {
          const m = byCode.get(code);
          if (!m) continue;
          const base = n.name.replace(/ \(demo\)$/, '');
          const name = suffix.startsWith('Bibliotheek') ? suffix : `${base} ${suffix}`; // a library keeps its own name
          const branchId = await ensureOrg(name, kind, m.id, { branchOf: { id: orgId, since: n.declaration }, city: m.name });
          // History to show: one store stopped being a branch (it was sold to a local owner).
          if (n.branchEnded?.[0] === suffix) await setBranchParent(t, DEMO_AUDIT, branchId, null, n.branchEnded[1], { via: 'demo' });
        }
      }
    }

    /* ------------------------------------------------------------ local coalitions ---------- */
    const [anyCoalition] = await t.select({ id: coalitions.id }).from(coalitions).limit(1);
    if (anyCoalition) {
      opts.log?.('Lokale coalities bestaan al: overgeslagen.');
      return result;
    }
    opts.log?.('Lokale coalities…');
    const parts = await t
      .select({ municipalityId: participations.municipalityId, status: participations.status, signedOn: participations.signedOn, jointApproachId: participations.jointApproachId })
      .from(participations)
      .where(and(isNull(participations.deletedAt), ne(participations.status, 'interested')))
      .orderBy(participations.municipalityId);
    const joints = await t.select().from(jointApproaches).where(isNull(jointApproaches.deletedAt));
    const jointById = new Map(joints.map((j) => [j.id, j]));
    // Branches of national members per municipality: they join local coalitions.
    const branchRows = parts.length
      ? await t
          .select({ id: organisations.id, name: organisations.name, municipalityId: organisations.municipalityId, sector: nationalMembers.sector, parentName: parentOrg.name })
          .from(organisations)
          .innerJoin(nationalMembers, and(eq(nationalMembers.organisationId, organisations.parentOrganisationId), isNull(nationalMembers.deletedAt)))
          .innerJoin(parentOrg, eq(parentOrg.id, organisations.parentOrganisationId))
          .where(and(isNull(organisations.deletedAt), inArray(organisations.municipalityId, parts.map((p) => p.municipalityId))))
      : [];
    const nationalDirect = await t
      .select({ id: organisations.id, name: organisations.name, sector: nationalMembers.sector, declarationDate: nationalMembers.declarationDate, leftOn: nationalMembers.leftOn })
      .from(nationalMembers)
      .innerJoin(organisations, eq(organisations.id, nationalMembers.organisationId))
      .where(and(isNull(nationalMembers.deletedAt), inArray(nationalMembers.sector, ['funds', 'care_welfare', 'umbrella'])));

    const done = new Set<number>();
    for (const [i, p] of parts.entries()) {
      if (done.has(p.municipalityId)) continue;
      const joint = p.jointApproachId ? jointById.get(p.jointApproachId) : undefined;
      const anchorId = joint ? joint.primaryMunicipalityId : p.municipalityId;
      const memberMunis = joint ? parts.filter((x) => x.jointApproachId === joint.id).map((x) => x.municipalityId) : [p.municipalityId];
      for (const id of memberMunis) done.add(id);
      // Most participating municipalities have a coalition; every seventh one has none yet, and a stopped one neither.
      if (p.status === 'stopped' || (i % 7 === 6 && !joint)) continue;
      const anchor = allMunis.find((m) => m.id === anchorId);
      if (!anchor) continue;
      const isUtrecht = anchor.cbsCode === 'GM0344';

      // Stage history: starting some months after signing (not before 2019), maybe active, maybe very active.
      const signed = maxDay(p.signedOn ?? '2019-06-01', '2019-01-01');
      const start = isUtrecht ? '2019-10-01' : between(addDays(signed, 60), addDays(signed, 420));
      if (start > today) continue;
      const stages: [CoalitionStage, string, string | null][] = [['starting', start, 'Eerste coalitiebijeenkomst']];
      if (isUtrecht) {
        stages.push(['active', '2021-03-15', 'Werkgroepen gestart'], ['very_active', '2024-06-01', 'Eigen activiteitenplan en jaarlijkse coalitiedag']);
      } else {
        const activeOn = addDays(start, 240 + Math.floor(rnd() * 600));
        if (activeOn <= today && rnd() < 0.85) {
          stages.push(['active', activeOn, pick(['Werkgroepen gestart', 'Actieplan vastgesteld', 'Convenant getekend', null])]);
          const veryOn = addDays(activeOn, 365 + Math.floor(rnd() * 900));
          if (veryOn <= today && rnd() < 0.45) {
            stages.push(['very_active', veryOn, pick(['Eigen activiteitenplan en jaarlijkse coalitiedag', 'Meer dan tien actieve partners', null])]);
            const dipOn = addDays(veryOn, 300 + Math.floor(rnd() * 500));
            if (dipOn <= today && rnd() < 0.2) stages.push(['active', dipOn, 'Kartrekker vertrokken; coalitie zoekt opvolger']);
          }
        }
      }
      const name = joint ? `Lokale coalitie ${joint.name}` : isUtrecht ? 'Utrecht tegen eenzaamheid' : `Lokale coalitie ${anchor.name}`;
      const [c] = await t
        .insert(coalitions)
        .values({ name, municipalityId: anchor.id, jointApproachId: joint?.id ?? null, description: isUtrecht ? 'Samen tegen eenzaamheid in alle Utrechtse wijken (demo).' : null })
        .returning({ id: coalitions.id });
      await t.insert(coalitionStages).values(stages.map(([stage, fromDate, note]) => ({ coalitionId: c.id, stage, fromDate, note })));
      result.coalitions++;

      // Members: the welfare organisation and the municipality (the usual kartrekkers), other local
      // organisations (the demo's own first, then synthetic ones), branches of national members there,
      // and sometimes a national member itself.
      const size = isUtrecht ? 11 : 4 + Math.floor(rnd() * 9);
      const chosen: { orgId: number; sector: CoalitionSector; name: string }[] = [];
      const add = (orgId: number, sector: CoalitionSector, name: string) => {
        if (!chosen.some((x) => x.orgId === orgId)) chosen.push({ orgId, sector, name });
      };
      const existing = await t
        .select({ id: organisations.id, name: organisations.name, kind: organisations.kind })
        .from(organisations)
        .where(and(eq(organisations.municipalityId, anchor.id), isNull(organisations.deletedAt), isNull(organisations.parentOrganisationId)))
        .orderBy(organisations.id);
      const ownWelfare = existing.find((o) => o.kind === 'welfare');
      const welfare = ownWelfare
        ? { id: ownWelfare.id, name: ownWelfare.name }
        : { id: await ensureOrg(`Welzijn ${anchor.name}`, 'welfare', anchor.id, { city: anchor.name }), name: `Welzijn ${anchor.name}` };
      const gemeente = { id: await ensureOrg(`Gemeente ${anchor.name}`, 'municipality', anchor.id, { city: anchor.name }), name: `Gemeente ${anchor.name}` };
      // In Utrecht the municipality started as kartrekker and handed over to the welfare organisation in 2021.
      for (const [o, sector] of (isUtrecht ? [[gemeente, 'municipality'], [welfare, 'care_welfare']] : [[welfare, 'care_welfare'], [gemeente, 'municipality']]) as [typeof welfare, CoalitionSector][])
        add(o.id, sector, o.name);
      for (const o of existing) if (chosen.length < size - 2) add(o.id, KIND_SECTORS[o.kind as OrganisationKind] ?? 'other', o.name);
      for (const [pattern, kind, sector] of [...LOCAL].sort(() => rnd() - 0.5)) {
        if (chosen.length >= size - 1) break;
        if (pattern.startsWith('Welzijn') || pattern.startsWith('Gemeente')) continue;
        const orgName = pattern.replace('{m}', anchor.name);
        add(await ensureOrg(orgName, kind, anchor.id, { city: anchor.name }), sector, orgName);
      }
      for (const b of branchRows.filter((x) => memberMunis.includes(x.municipalityId!))) {
        add(b.id, /bank/i.test(b.parentName) ? 'financial' : (BRANCH_SECTORS[b.sector as NationalSector] ?? 'other'), b.name);
      }
      if (isUtrecht) {
        // The demo partner (Ouderenfonds) takes part in Utrecht itself, so its page shows presence.
        const fonds = nationalDirect.find((n) => n.name === 'Ouderenfonds');
        if (fonds) add(fonds.id, 'self_organisations', fonds.name);
      } else if (rnd() < 0.35 && nationalDirect.length) {
        const n = pick(nationalDirect);
        if (!n.leftOn && n.declarationDate < today) add(n.id, n.sector === 'funds' ? 'financial' : 'care_welfare', n.name);
      }
      // Every fifth coalition has no kartrekker (yet): the figures and the filter show something.
      const withoutKartrekker = !isUtrecht && result.coalitions % 5 === 3;
      const rows: (typeof coalitionMembers.$inferInsert)[] = [];
      for (const [k, m] of chosen.entries()) {
        const role: MemberRole = k === 0 ? (withoutKartrekker ? 'initiator' : 'kartrekker') : k === 1 ? 'initiator' : pick(['active', 'active', 'active', 'informed', 'no_active_role'] as const);
        const startDate = k < 2 ? start : between(start, today);
        const contact = k === 0 || rnd() < 0.7 ? { contactName: `${pick(FIRST)} ${pick(LAST)}`, contactEmail: `coalitie@${slug(m.name)}.example.nl` } : { contactName: null, contactEmail: null };
        const base = { coalitionId: c.id, organisationId: m.orgId, sector: m.sector, ...contact };
        const r = rnd();
        const span = daysBetween(startDate, today);
        if (k > 1 && r < 0.12 && span > 400) {
          // Left the coalition.
          rows.push({ ...base, role, startDate, endDate: addDays(startDate, 180 + Math.floor(rnd() * (span - 200))) });
        } else if (k > 1 && r < 0.25 && span > 400) {
          // Changed role: from kept informed to actively contributing, or the other way round.
          const changeOn = addDays(startDate, 150 + Math.floor(rnd() * (span - 200)));
          const first: MemberRole = role === 'active' ? 'informed' : 'active';
          rows.push({ ...base, role: first, startDate, endDate: changeOn }, { ...base, role: first === 'active' ? 'informed' : 'active', startDate: changeOn });
        } else {
          rows.push({ ...base, role, startDate });
        }
      }
      if (isUtrecht && rows.length >= 2) {
        rows[0].endDate = '2021-03-15';
        rows[1].endDate = '2021-03-15';
        rows.push({ ...rows[0], role: 'active', startDate: '2021-03-15', endDate: null }, { ...rows[1], role: 'kartrekker', startDate: '2021-03-15', endDate: null });
      }
      if (rows.length) await t.insert(coalitionMembers).values(rows);
      result.members += rows.length;
    }
    opts.log?.(`Lokale coalities: ${result.coalitions} coalities met ${result.members} lidmaatschappen; Nationale Coalitie: ${result.national} leden.`);
    return result;
  });
}
