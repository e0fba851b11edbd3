import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/index.js';
import { seededRandom } from '../../platform/random.js';
import { amsterdamDate } from '../../platform/time.js';
import { systemState, userRoles, users } from '../../platform/db/schema.js';
import { municipalities, organisations, participations } from '../registry/schema.js';
import { slug } from '../../demo/slug.js';
import { advisoryBudgets, contactMomentOrganisations, contactMomentPersons, contactMoments, contactPersons, municipalityPhases, networkTasks } from './schema.js';
import { DEFAULT_ADVISORY_HOURS, PILLARS, type ContactKind, type Pillar } from './model.js';

/**
 * Demo data of the CRM and advisory hours (synthetic; every name is made up). For each demo
 * advisor's municipalities: contact moments from the signing of the five pillars (2019 or later)
 * up to today, with Dutch subjects and realistic durations, so that the municipalities show every
 * budget situation — fresh, half-way, near the end, used up, overrun — and a few moved to the
 * network phase on a past date with an account manager. Contact persons at the demo
 * organisations, national contacts of the programme team, and open (some overdue) and done
 * follow-up tasks for adviseur@demo.example. Seeded once (system_state 'demo_crm_seeded').
 */

type Scenario = 'fresh' | 'half' | 'near' | 'used_up' | 'overrun' | 'network';

/** Per demo municipality: what its advisory budget should show (others: by position in the list). */
const SCENARIOS: Record<string, Scenario> = {
  GM0014: 'network', // Groningen: advisory hours used up in 2021, network phase since 2022
  GM0080: 'near', // Leeuwarden: a few hours left
  GM0106: 'overrun', // Assen: budget overrun, still in the guidance phase (the prompt shows)
  GM0109: 'half',
  GM0114: 'fresh',
  GM0193: 'used_up',
  GM0344: 'near', // Utrecht
  GM0363: 'network', // Amsterdam
  GM0392: 'half',
  GM0200: 'overrun',
  GM0202: 'fresh',
  GM0855: 'network',
  GM0935: 'half',
  GM0983: 'near',
  GM0988: 'fresh',
  GM0772: 'half',
};

/** Target advisory minutes per scenario (of a 64-hour budget). */
const TARGET: Record<Scenario, number> = { fresh: 9 * 60, half: 33 * 60, near: 59 * 60, used_up: 64 * 60, overrun: 69 * 60 + 30, network: 64 * 60 };

const SUBJECTS: [ContactKind, string, number, number, Pillar[]][] = [
  // kind, subject, min minutes, max minutes, pillars
  ['meeting', 'Kennismakingsgesprek met de wethouder', 60, 90, ['pillar_1']],
  ['meeting', 'Kennismakingsgesprek met de beleidsadviseur sociaal domein', 60, 120, ['pillar_1']],
  ['event', 'Coalitiebijeenkomst lokale coalitie', 120, 180, ['pillar_2']],
  ['meeting', 'Voorbereiding coalitiebijeenkomst met de kartrekker', 60, 90, ['pillar_2']],
  ['masterclass', 'Masterclass "Eenzaamheid herkennen" voor sleutelfiguren', 150, 210, ['pillar_3']],
  ['webinar', 'Webinar lokale aanpak en monitoring', 60, 90, ['pillar_5']],
  ['call', 'Telefonisch overleg over de lokale actieagenda', 20, 45, ['pillar_4']],
  ['email', 'Terugkoppeling verslag en vervolgafspraken', 15, 30, []],
  ['visit', 'Werkbezoek aan het buurthuis en de koffieochtend', 90, 150, ['pillar_3']],
  ['meeting', 'Evaluatie van de Week tegen Eenzaamheid', 60, 120, ['pillar_4', 'pillar_5']],
  ['meeting', 'Overleg inbedding aanpak in het beleidsplan sociaal domein', 60, 120, ['pillar_1', 'pillar_4']],
  ['call', 'Afstemming benchmark en lokale monitor', 30, 45, ['pillar_5']],
  ['event', 'Startbijeenkomst signaleringsnetwerk', 120, 180, ['pillar_2', 'pillar_3']],
];
const TAGS = ['jongeren', 'mantelzorg', 'week tegen eenzaamheid', 'ouderen', 'signaleren', 'vrijwilligers', 'huisbezoeken', 'bibliotheek'];
const NOTES = [
  'Goed gesprek. De gemeente wil de aanpak opnemen in het nieuwe beleidsplan. Afgesproken om na de zomer de coalitiepartners uit te nodigen.',
  'Kartrekker is enthousiast; zoekt nog partners uit de sport en de woningcorporatie. Contactgegevens van de landelijke partners doorgestuurd.',
  'Opkomst van ongeveer 25 partners. Drie werkgroepen gevormd: signaleren, ontmoeten en communicatie.',
  'Vragen over de benchmark beantwoord. De gemeente vult de vragenlijst in voor het einde van de maand.',
  'Besproken hoe inwoners met gevoelens van eenzaamheid zelf kunnen meedenken. Voorbeeld uit een andere gemeente gedeeld.',
  null,
];
const PERSON_NAMES = ['Fenna de Wit', 'Joost van Dam', 'Sanne Kuipers', 'Ahmed El Amrani', 'Marieke Jonker', 'Pieter Hoekstra', 'Esra Yilmaz', 'Bram Verhoef', 'Lotte Brouwer', 'Daan Mulder'];
const JOB_TITLES = ['Beleidsadviseur sociaal domein', 'Coördinator welzijn', 'Kartrekker lokale coalitie', 'Wijkcoördinator', 'Programmamanager', 'Relatiebeheerder'];
const TASKS = ['Verslag sturen aan de kartrekker', 'Landelijke partners voorstellen aan de coalitie', 'Uitnodiging masterclass versturen', 'Actieagenda nalezen', 'Benchmarkresultaten toelichten', 'Afspraak plannen met de wethouder'];

const addDays = (day: string, n: number) => {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
};
const daysBetween = (a: string, b: string) => Math.round((Date.parse(`${b}T12:00:00Z`) - Date.parse(`${a}T12:00:00Z`)) / 86400_000);

export async function seedCrmDemo(db: Db, opts: { log?: (m: string) => void; now?: Date } = {}): Promise<{ seeded: boolean; moments: number }> {
  const [done] = await db.select().from(systemState).where(eq(systemState.key, 'demo_crm_seeded'));
  if (done) return { seeded: false, moments: 0 };
  const today = amsterdamDate(opts.now ?? new Date());
  const [admin] = await db.select().from(users).where(eq(users.email, 'beheer@demo.example'));
  const advisorRows = await db
    .select({ userId: users.id, email: users.email, municipalityId: userRoles.municipalityId })
    .from(userRoles)
    .innerJoin(users, eq(users.id, userRoles.userId))
    .where(and(eq(userRoles.role, 'advisor'), inArray(users.email, ['adviseur@demo.example', 'adviseur2@demo.example', 'adviseur3@demo.example'])))
    .orderBy(asc(users.email), asc(userRoles.id));
  if (!admin || !advisorRows.length) return { seeded: false, moments: 0 };
  opts.log?.('Contactmomenten, adviesuren en taken…');
  const r = seededRandom(20260505);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const between = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const mIds = [...new Set(advisorRows.map((a) => a.municipalityId!).filter(Boolean))];
  const ms = await db.select().from(municipalities).where(inArray(municipalities.id, mIds));
  const signed = await db.select().from(participations).where(and(inArray(participations.municipalityId, mIds), isNull(participations.deletedAt)));
  const orgs = await db.select().from(organisations).where(isNull(organisations.deletedAt));
  const national = orgs.filter((o) => o.municipalityId === null);
  let momentCount = 0;

  await db.transaction(async (tx) => {
    const t = tx as unknown as Db;

    // Contact persons: one or two at every demo organisation.
    const personsByOrg = new Map<number, number[]>();
    let n = 0;
    for (const o of orgs) {
      const count = o.municipalityId === null ? 1 : 1 + (n % 2);
      for (let i = 0; i < count; i++, n++) {
        const name = `${PERSON_NAMES[n % PERSON_NAMES.length]} (demo)`;
        const [row] = await t
          .insert(contactPersons)
          .values({
            name,
            organisationId: o.id,
            jobTitle: JOB_TITLES[n % JOB_TITLES.length],
            email: `${slug(PERSON_NAMES[n % PERSON_NAMES.length])}@${slug(o.name)}.example.nl`,
            phone: n % 3 === 0 ? `030 ${String(200 + n).padStart(3, '0')} 45 67` : null,
          })
          .returning({ id: contactPersons.id });
        personsByOrg.set(o.id, [...(personsByOrg.get(o.id) ?? []), row.id]);
      }
    }

    const insertMoment = async (m: typeof contactMoments.$inferInsert, orgIds: number[], personIds: number[]) => {
      const [row] = await t.insert(contactMoments).values(m).returning({ id: contactMoments.id });
      if (orgIds.length) await t.insert(contactMomentOrganisations).values(orgIds.map((organisationId) => ({ contactMomentId: row.id, organisationId })));
      if (personIds.length) await t.insert(contactMomentPersons).values(personIds.map((personId) => ({ contactMomentId: row.id, personId })));
      momentCount++;
      return row.id;
    };

    const byMunicipality = new Map<number, number>(); // municipality -> advisor (first listed)
    for (const a of advisorRows) if (a.municipalityId && !byMunicipality.has(a.municipalityId)) byMunicipality.set(a.municipalityId, a.userId);
    const moments: { id: number; advisorId: number; municipalityId: number; occurredOn: string }[] = [];

    for (const [index, m] of ms.sort((a, b) => a.cbsCode.localeCompare(b.cbsCode)).entries()) {
      const advisorId = byMunicipality.get(m.id)!;
      const scenario: Scenario = SCENARIOS[m.cbsCode] ?? (['fresh', 'half', 'near', 'overrun'] as const)[index % 4];
      const signedOn = [signed.find((s) => s.municipalityId === m.id)?.signedOn ?? '2019-09-01', '2019-02-01'].sort().reverse()[0]!;
      // A "fresh" municipality asked for advice only in the last year or so.
      const start = scenario === 'fresh' ? [signedOn, addDays(today, -400)].sort().reverse()[0]! : signedOn;
      const local = orgs.filter((o) => o.municipalityId === m.id);
      // Network phase: the hours ran out about two and a half years after the start (never after today).
      const networkFrom = scenario === 'network' ? [addDays(start, 900), addDays(today, -200)].sort()[0]! : null;
      const guidanceEnd = networkFrom ?? today;
      const span = Math.max(30, daysBetween(start, guidanceEnd));
      let minutes = 0;
      let day = start;
      const target = TARGET[scenario];
      // About one contact moment of an hour and a half every `step` days.
      const step = Math.max(2, Math.floor(span / (Math.ceil(target / 90) + 1)));
      // Advisory moments spread over the guidance phase until the scenario's hours are used.
      while (minutes < target) {
        const [kind, subject, lo, hi, pillars] = pick(SUBJECTS);
        let duration = Math.round(between(lo, hi) / 15) * 15;
        if (scenario !== 'overrun' && minutes + duration > target) duration = target - minutes;
        if (duration <= 0) break;
        day = addDays(day, between(Math.max(1, Math.floor(step / 2)), Math.ceil(step * 1.5)));
        // Past the end of the guidance phase: somewhere in its last two months instead.
        if (day >= guidanceEnd) day = addDays(guidanceEnd, -between(1, 60));
        const orgIds = local.length && r() < 0.8 ? [pick(local).id] : [];
        if (r() < 0.2 && national.length) orgIds.push(pick(national).id);
        const personIds = orgIds.flatMap((o) => (r() < 0.6 ? (personsByOrg.get(o) ?? []).slice(0, 1) : []));
        const id = await insertMoment(
          {
            occurredOn: day,
            kind,
            subject,
            notes: pick(NOTES),
            municipalityId: m.id,
            durationMinutes: duration,
            advisory: true,
            advisorId,
            pillars,
            tags: r() < 0.5 ? [pick(TAGS)] : [],
            createdBy: advisorId,
          },
          [...new Set(orgIds)],
          personIds,
        );
        moments.push({ id, advisorId, municipalityId: m.id, occurredOn: day });
        minutes += duration;
      }
      if (networkFrom) {
        // The account manager: the advisor for most, the programme team for one.
        const accountManagerId = m.cbsCode === 'GM0363' ? admin.id : advisorId;
        await t.insert(municipalityPhases).values({ municipalityId: m.id, phase: 'network', fromDate: networkFrom, accountManagerId, note: 'Adviesuren op; verder in de netwerkfase (demo).', createdBy: admin.id });
        // Network-phase contacts: not advisory.
        for (let d = addDays(networkFrom, 60); d < today; d = addDays(d, between(90, 160))) {
          const id = await insertMoment(
            {
              occurredOn: d,
              kind: pick(['call', 'meeting', 'email'] as const),
              subject: pick(['Halfjaarlijks accountgesprek', 'Netwerkbijeenkomst regio', 'Contact over een landelijke samenwerking']),
              notes: 'Contact in de netwerkfase (demo).',
              municipalityId: m.id,
              durationMinutes: between(2, 6) * 15,
              advisory: false,
              advisorId: null,
              pillars: [pick(PILLARS)],
              tags: ['netwerkfase'],
              createdBy: accountManagerId,
            },
            [],
            [],
          );
          moments.push({ id, advisorId: accountManagerId, municipalityId: m.id, occurredOn: d });
        }
      }
    }
    // A larger budget for one municipality (a joint approach with more work).
    const maastricht = ms.find((m) => m.cbsCode === 'GM0935');
    if (maastricht) await t.insert(advisoryBudgets).values({ municipalityId: maastricht.id, hours: '80', updatedBy: admin.id }).onConflictDoNothing();

    // National contacts of the programme team (no municipality).
    for (let i = 0; i < 8 && national.length; i++) {
      const o = national[i % national.length]!;
      await insertMoment(
        {
          occurredOn: addDays('2019-03-01', i * 260),
          kind: pick(['meeting', 'call', 'event'] as const),
          subject: pick(['Overleg Nationale Coalitie over lokale inzet', 'Voorbereiding Week tegen Eenzaamheid', 'Gesprek over landelijke actie tegen eenzaamheid']),
          notes: 'Landelijk contact (demo).',
          municipalityId: null,
          durationMinutes: between(2, 8) * 15,
          advisory: false,
          pillars: ['pillar_2'],
          tags: ['nationale coalitie'],
          createdBy: admin.id,
        },
        [o.id],
        (personsByOrg.get(o.id) ?? []).slice(0, 1),
      );
    }

    // Follow-up tasks: for adviseur@ open ones (two overdue, one today, later ones) and done ones; a few for the others.
    const main = advisorRows.find((a) => a.email === 'adviseur@demo.example')!.userId;
    const mine = moments.filter((m) => m.advisorId === main).sort((a, b) => b.occurredOn.localeCompare(a.occurredOn));
    const dueOffsets = [-12, -3, 0, 4, 9, 21, 35];
    for (const [i, offset] of dueOffsets.entries()) {
      const m = mine[i % Math.max(1, mine.length)];
      if (!m) break;
      await t.insert(networkTasks).values({ title: TASKS[i % TASKS.length]!, contactMomentId: m.id, municipalityId: m.municipalityId, dueDate: addDays(today, offset), assigneeId: main, createdBy: main });
    }
    for (let i = 0; i < 6 && mine.length; i++) {
      const m = mine[(i + 7) % mine.length]!;
      const due = addDays(m.occurredOn, 14);
      await t.insert(networkTasks).values({
        title: TASKS[(i + 2) % TASKS.length]!,
        contactMomentId: m.id,
        municipalityId: m.municipalityId,
        dueDate: due,
        assigneeId: main,
        createdBy: main,
        doneAt: new Date(`${addDays(due, -2)}T15:00:00Z`),
        doneBy: main,
      });
    }
    for (const a of [...new Map(advisorRows.filter((x) => x.userId !== main).map((x) => [x.userId, x])).values()]) {
      const m = moments.find((x) => x.advisorId === a.userId);
      if (m) await t.insert(networkTasks).values({ title: 'Verslag delen met het programmateam', contactMomentId: m.id, municipalityId: m.municipalityId, dueDate: addDays(today, 7), assigneeId: a.userId, createdBy: admin.id });
    }
    await t.insert(systemState).values({ key: 'demo_crm_seeded', value: sql`to_jsonb(now())` }).onConflictDoNothing();
  });
  opts.log?.(`${momentCount} contactmomenten in de demo (budget standaard ${DEFAULT_ADVISORY_HOURS} uur).`);
  return { seeded: true, moments: momentCount };
}
