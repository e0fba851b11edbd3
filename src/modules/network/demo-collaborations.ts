import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { Db } from '../../platform/db/index.js';
import { systemState, users } from '../../platform/db/schema.js';
import { amsterdamDate } from '../../platform/time.js';
import { municipalities, organisations } from '../registry/schema.js';
import { coalitions, collaborationPartners, collaborations, collaborationStatuses } from './schema.js';
import type { CollaborationStatus } from './model.js';

/**
 * Demo collaborations and pilots (synthetic): ten collaborations between the demo's national
 * partners and municipalities (their local coalition when one exists), spread over 2019–2026,
 * each with a dated status history, so the list, the detail pages and the programme figures at
 * past dates show something. Partners that are absent (another part's demo not seeded) are
 * skipped; status rows after today are left out. Seeded once (system_state
 * 'demo_collaborations_seeded').
 */

const KEY = 'demo_collaborations_seeded';

interface DemoCollaboration {
  title: string;
  description: string;
  start: string;
  end?: string;
  statuses: [CollaborationStatus, string][];
  /** National organisations (by name) with their role. */
  organisations: [string, string][];
  /** Municipalities (CBS code) with their role: the local coalition when it exists, else the municipality. */
  municipalities: [string, string][];
}

const DEMO: DemoCollaboration[] = [
  {
    title: 'Boodschappenmaatjes met supermarkten (demo)',
    description: 'Vrijwilligers doen samen met een oudere de boodschappen; kassamedewerkers weten waar ze iemand naartoe kunnen verwijzen.',
    start: '2019-10-01',
    end: '2024-12-31',
    statuses: [
      ['idea', '2019-04-01'],
      ['pilot', '2019-10-01'],
      ['project', '2021-03-01'],
      ['ended', '2024-12-31'],
    ],
    organisations: [['Ouderenfonds', 'Financier en landelijke aanjager']],
    municipalities: [['GM0344', 'Pilotgemeente']],
  },
  {
    title: 'Bezorgers signaleren eenzaamheid (demo)',
    description: 'Pakketbezorgers geven een zorg over een klant door aan het lokale signaalpunt, via de partner-app.',
    start: '2020-09-15',
    statuses: [
      ['idea', '2020-02-01'],
      ['pilot', '2020-09-15'],
      ['project', '2022-01-10'],
    ],
    organisations: [['PostNL (bezorgers signaleren)', 'Uitvoerder (bezorgers)']],
    municipalities: [
      ['GM0193', 'Pilotgemeente'],
      ['GM0363', 'Deelnemende gemeente'],
    ],
  },
  {
    title: 'Week tegen Eenzaamheid: open huizen (demo)',
    description: 'Tijdens de Week tegen Eenzaamheid openen vrijwilligers hun huis voor een kop koffie met buurtgenoten.',
    start: '2019-09-01',
    end: '2021-10-31',
    statuses: [
      ['idea', '2019-06-01'],
      ['project', '2019-09-01'],
      ['ended', '2021-10-31'],
    ],
    organisations: [
      ['Zonnebloem', 'Vrijwilligers'],
      ['Humanitas', 'Vrijwilligers'],
    ],
    municipalities: [
      ['GM0855', 'Gastgemeente'],
      ['GM0935', 'Gastgemeente'],
    ],
  },
  {
    title: 'Ouderenbonden op huisbezoek bij 75-plussers (demo)',
    description: 'Getrainde vrijwilligers van ouderenbonden bezoeken thuiswonende 75-plussers en gebruiken de korte eenzaamheidsschaal.',
    start: '2021-06-01',
    statuses: [
      ['idea', '2021-01-15'],
      ['pilot', '2021-06-01'],
      ['project', '2023-02-01'],
    ],
    organisations: [['KBO-PCOB', 'Initiatiefnemer']],
    municipalities: [
      ['GM0014', 'Pilotgemeente'],
      ['GM0080', 'Pilotgemeente'],
    ],
  },
  {
    title: 'Maatjesproject jongeren en ouderen (demo)',
    description: 'Studenten en ouderen vormen maatjes voor een jaar; de lokale coalitie zorgt voor de koppeling.',
    start: '2022-09-01',
    statuses: [
      ['idea', '2022-03-01'],
      ['pilot', '2022-09-01'],
    ],
    organisations: [['Humanitas', 'Coördinatie maatjes']],
    municipalities: [['GM0599', 'Pilotgemeente']],
  },
  {
    title: 'Eenzaamheid bespreekbaar in de sportkantine (demo)',
    description: 'Verenigingen leren signalen herkennen bij leden en vrijwilligers; een idee dat nog partners zoekt.',
    start: '2023-05-01',
    statuses: [['idea', '2023-05-01']],
    organisations: [['Zonnebloem', 'Meedenker']],
    municipalities: [['GM0200', 'Geïnteresseerde gemeente']],
  },
  {
    title: 'Tablets voor thuiswonende ouderen (demo)',
    description: 'Digitale inclusie: tablets met begeleiding, zodat ouderen beeldbellen met familie en buurt.',
    start: '2021-04-01',
    end: '2022-06-30',
    statuses: [
      ['idea', '2020-11-01'],
      ['pilot', '2021-04-01'],
      ['ended', '2022-06-30'],
    ],
    organisations: [['Ouderenfonds', 'Financier']],
    municipalities: [['GM0106', 'Pilotgemeente (gezamenlijke aanpak)']],
  },
  {
    title: 'Signaleren aan de kapperstoel (demo)',
    description: 'Kappers en schoonheidsspecialisten herkennen eenzaamheid en weten waar ze naar kunnen verwijzen.',
    start: '2024-09-01',
    statuses: [
      ['idea', '2024-02-01'],
      ['pilot', '2024-09-01'],
      ['project', '2025-09-01'],
    ],
    organisations: [['Humanitas', 'Training']],
    municipalities: [['GM0518', 'Pilotgemeente']],
  },
  {
    title: 'Samen aan tafel: buurtmaaltijden (demo)',
    description: 'Maandelijkse buurtmaaltijden in buurthuizen, gekookt door vrijwilligers.',
    start: '2025-06-01',
    statuses: [
      ['idea', '2025-01-15'],
      ['pilot', '2025-06-01'],
    ],
    organisations: [
      ['Zonnebloem', 'Vrijwilligers'],
      ['KBO-PCOB', 'Werving deelnemers'],
    ],
    municipalities: [['GM0202', 'Pilotgemeente']],
  },
  {
    title: 'Kennisnetwerk lokale coalities Noord (demo)',
    description: 'Kartrekkers uit het noorden delen ervaringen in een vast netwerk met landelijke partners.',
    start: '2026-02-01',
    statuses: [
      ['idea', '2026-02-01'],
      ['pilot', '2026-06-15'],
    ],
    organisations: [['Ouderenfonds', 'Gastheer bijeenkomsten']],
    municipalities: [
      ['GM0014', 'Deelnemer'],
      ['GM0106', 'Deelnemer'],
    ],
  },
];

export async function seedCollaborationsDemo(db: Db, opts: { log?: (m: string) => void; now?: Date } = {}): Promise<{ seeded: boolean; collaborations: number }> {
  const [done] = await db.select().from(systemState).where(eq(systemState.key, KEY));
  if (done) return { seeded: false, collaborations: 0 };
  opts.log?.('Samenwerkingen en pilots…');
  const today = amsterdamDate(opts.now ?? new Date());
  const orgNames = [...new Set(DEMO.flatMap((d) => d.organisations.map(([n]) => n)))];
  const codes = [...new Set(DEMO.flatMap((d) => d.municipalities.map(([c]) => c)))];
  const [orgs, munis, [admin]] = await Promise.all([
    db.select({ id: organisations.id, name: organisations.name }).from(organisations).where(and(inArray(organisations.name, orgNames), isNull(organisations.deletedAt))),
    db.select({ id: municipalities.id, cbsCode: municipalities.cbsCode }).from(municipalities).where(inArray(municipalities.cbsCode, codes)),
    db.select({ id: users.id }).from(users).where(eq(users.email, 'beheer@demo.example')),
  ]);
  const orgId = new Map(orgs.map((o) => [o.name, o.id]));
  const muniId = new Map(munis.map((m) => [m.cbsCode, m.id]));
  const coals = munis.length
    ? await db
        .select({ id: coalitions.id, municipalityId: coalitions.municipalityId })
        .from(coalitions)
        .where(and(inArray(coalitions.municipalityId, munis.map((m) => m.id)), isNull(coalitions.deletedAt)))
    : [];
  const coalitionOf = new Map(coals.map((c) => [c.municipalityId, c.id]));
  const createdBy = admin?.id ?? null;
  let count = 0;
  await db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    for (const d of DEMO) {
      const statuses = d.statuses.filter(([, from]) => from <= today);
      if (!statuses.length) continue;
      const [c] = await t
        .insert(collaborations)
        .values({ title: d.title, description: d.description, startDate: d.start <= today ? d.start : null, endDate: d.end && d.end <= today ? d.end : null, createdBy })
        .returning({ id: collaborations.id });
      await t.insert(collaborationStatuses).values(statuses.map(([status, fromDate]) => ({ collaborationId: c.id, status, fromDate, createdBy })));
      const partners: (typeof collaborationPartners.$inferInsert)[] = [];
      for (const [name, role] of d.organisations) {
        const id = orgId.get(name);
        if (id) partners.push({ collaborationId: c.id, organisationId: id, role });
      }
      for (const [code, role] of d.municipalities) {
        const m = muniId.get(code);
        if (!m) continue;
        const coalition = coalitionOf.get(m);
        partners.push(coalition ? { collaborationId: c.id, coalitionId: coalition, role } : { collaborationId: c.id, municipalityId: m, role });
      }
      if (partners.length) await t.insert(collaborationPartners).values(partners);
      count += 1;
    }
    await t.insert(systemState).values({ key: KEY, value: { at: new Date().toISOString(), collaborations: count } }).onConflictDoNothing();
  });
  return { seeded: true, collaborations: count };
}
