import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/index.js';
import { systemState, userRoles, users } from '../../platform/db/schema.js';
import { amsterdamDate } from '../../platform/time.js';
import { municipalities, organisations, provinces } from '../registry/schema.js';
import { coalitions } from '../network/schema.js';
import type { CoalitionSector } from '../network/model.js';
import { boardInterests, boardMatches, boardMessages, boardPosts } from './schema.js';
import type { BoardTheme, PostKind } from './model.js';
import { addDays } from './posts-service.js';
import { slug } from '../../demo/slug.js';

/**
 * Demo data of the demand-and-offer board (synthetic; every post and message is made up):
 * about forty posts from 2021 to now by National Coalition members (Ouderenfonds — the demo
 * partner —, Humanitas, Zonnebloem, KBO-PCOB, PostNL), local coalitions (or, when the coalition
 * is not in the platform yet, the municipality's welfare organisation) and the demo provider;
 * about a third led to a match on a past date, some expired or were withdrawn, a dozen are open
 * now. Three conversations (one still unread for the demo partner) and two saved interests.
 * Seeded once (system_state 'demo_board_seeded'); parties that are missing are skipped.
 */

interface DemoPost {
  /** An organisation's name, or `coalitie:GM0344` (the local coalition of that municipality). */
  by: string;
  kind: PostKind;
  title: string;
  description: string;
  themes: BoardTheme[];
  sectors?: CoalitionSector[];
  /** 'national' or a province code. */
  region: string;
  municipality?: string;
  /** The day it was posted: a date, or a number of days before now. */
  posted: string | number;
  validDays: number;
  status?: 'withdrawn';
  /** A match made this many days after posting, with an organisation; `open` keeps the post open. */
  match?: { with: string; afterDays: number; note?: string; open?: boolean };
}

const POSTS: DemoPost[] = [
  // 2021
  {
    by: 'Ouderenfonds',
    kind: 'offer',
    title: 'Aanbod: pakket voor de Week tegen Eenzaamheid 2021',
    description:
      'Voor gemeenten en lokale coalities hebben we een gratis pakket met posters, ansichtkaarten en een draaiboek voor een ontmoetingsactiviteit tijdens de Week tegen Eenzaamheid.\n\nBestel vóór 1 september, dan is het pakket er op tijd.',
    themes: ['week', 'campaign'],
    sectors: ['municipality', 'care_welfare'],
    region: 'national',
    posted: '2021-06-14',
    validDays: 90,
    match: { with: 'coalitie:GM0344', afterDays: 21, note: 'Pakket voor 12 buurthuizen in Utrecht.', open: true },
  },
  {
    by: 'coalitie:GM0344',
    kind: 'request',
    title: 'Gezocht: sprekers over eenzaamheid onder jongeren',
    description: 'Voor een bijeenkomst met scholen en jongerenwerk zoeken we iemand die kan vertellen over eenzaamheid onder jongeren en wat werkt om het bespreekbaar te maken.',
    themes: ['youth', 'knowledge'],
    sectors: ['education'],
    region: 'PV26',
    municipality: 'GM0344',
    posted: '2021-09-02',
    validDays: 60,
    match: { with: 'Humanitas', afterDays: 18, note: 'Spreker van Humanitas op 14 oktober.' },
  },
  {
    by: 'Zonnebloem',
    kind: 'offer',
    title: 'Aanbod: vrijwilligers voor uitjes met ouderen met een beperking',
    description: 'Onze afdelingen zoeken samenwerking met lokale coalities om samen uitjes te organiseren voor ouderen die weinig buiten komen. Wij leveren vrijwilligers en vervoer.',
    themes: ['volunteers', 'elderly', 'meeting'],
    region: 'national',
    posted: '2021-10-11',
    validDays: 120,
    match: { with: 'coalitie:GM0106', afterDays: 40, note: 'Drie uitjes in Drenthe-Noord in het voorjaar.' },
  },
  {
    by: 'coalitie:GM0855',
    kind: 'request',
    title: 'Gezocht: ervaring met een buddyproject voor alleenstaande ouderen',
    description: 'Wie heeft al een buddyproject opgezet en wil zijn draaiboek of ervaringen delen? We starten in Tilburg met tien koppels.',
    themes: ['pillar_3', 'elderly'],
    region: 'PV30',
    municipality: 'GM0855',
    posted: '2021-11-22',
    validDays: 90,
  },
  {
    by: 'KBO-PCOB',
    kind: 'offer',
    title: 'Aanbod: training "Het goede gesprek" voor vrijwilligers die huisbezoeken doen',
    description: 'Een training van twee dagdelen voor vrijwilligers die bij 75-plussers op bezoek gaan. Onderwerpen: het gesprek openen, signalen van eenzaamheid, doorverwijzen.',
    themes: ['volunteers', 'signalling', 'pillar_3'],
    region: 'national',
    posted: '2021-12-06',
    validDays: 180,
    match: { with: 'Welzijn Tilburg', afterDays: 35, note: 'Training voor 20 huisbezoekers.' },
  },
  // 2022
  {
    by: 'PostNL (bezorgers signaleren)',
    kind: 'offer',
    title: 'Aanbod: bezorgers die signalen van eenzaamheid doorgeven',
    description: 'Onze bezorgers komen dagelijks aan de deur. In een pilot geven ze signalen door aan het lokale signaalpunt. We zoeken gemeenten met een werkend signaalpunt om mee te starten.',
    themes: ['signalling', 'pillar_2'],
    sectors: ['business'],
    region: 'national',
    posted: '2022-02-15',
    validDays: 150,
    match: { with: 'coalitie:GM0344', afterDays: 60, note: 'Pilot in twee Utrechtse wijken.' },
  },
  {
    by: 'coalitie:GM0599',
    kind: 'request',
    title: 'Gezocht: partners voor gezamenlijke maaltijden in Rotterdam-Zuid',
    description: 'We willen in vijf buurthuizen wekelijks samen eten organiseren. We zoeken koks, supermarkten die willen sponsoren en vrijwilligers voor de ontvangst.',
    themes: ['meeting', 'volunteers'],
    sectors: ['business', 'care_welfare'],
    region: 'PV28',
    municipality: 'GM0599',
    posted: '2022-03-28',
    validDays: 120,
    match: { with: 'Humanitas', afterDays: 30, note: 'Humanitas levert gastvrouwen en -heren.' },
  },
  {
    by: 'Humanitas',
    kind: 'offer',
    title: 'Aanbod: maatjesproject voor mensen na verlies van een partner',
    description: 'Onze getrainde vrijwilligers lopen een jaar mee met mensen die hun partner hebben verloren. We breiden uit naar nieuwe gemeenten en zoeken lokale partners voor de doorverwijzing.',
    themes: ['pillar_3', 'volunteers'],
    region: 'national',
    posted: '2022-05-09',
    validDays: 200,
  },
  {
    by: 'Bibliotheek Leeuwarden',
    kind: 'offer',
    title: 'Aanbod: digicafé voor senioren, draaiboek te leen',
    description: 'In onze bibliotheek helpen vrijwilligers senioren wekelijks met tablet en smartphone. Het draaiboek, de flyers en de oefenkaarten delen we graag met andere bibliotheken.',
    themes: ['digital', 'elderly'],
    sectors: ['culture', 'education'],
    region: 'PV21',
    municipality: 'GM0080',
    posted: '2022-06-20',
    validDays: 180,
    match: { with: 'Welzijn Drenthe-Noord', afterDays: 75, note: 'Digicafé gestart in Assen.' },
  },
  {
    by: 'coalitie:GM0106',
    kind: 'request',
    title: 'Gezocht: vervoer naar ontmoetingsactiviteiten in de kleine kernen',
    description: 'In de dorpen rond Assen is vervoer de grootste drempel. Wie heeft ervaring met een vrijwillige vervoersdienst of een buurtbus voor activiteiten?',
    themes: ['meeting', 'elderly'],
    region: 'PV22',
    municipality: 'GM0106',
    posted: '2022-09-05',
    validDays: 90,
  },
  {
    by: 'Ouderenfonds',
    kind: 'offer',
    title: 'Aanbod: ansichtkaartenactie "Een kaartje voor een ander"',
    description: 'Tijdens de Week tegen Eenzaamheid delen we gratis ansichtkaarten uit. Lokale coalities kunnen ze via supermarkten en bibliotheken verspreiden.',
    themes: ['week', 'campaign'],
    region: 'national',
    posted: '2022-08-01',
    validDays: 75,
    match: { with: 'coalitie:GM0599', afterDays: 20, note: '5.000 kaarten voor Rotterdam.' },
  },
  // 2023
  {
    by: 'coalitie:GM0344',
    kind: 'request',
    title: 'Gezocht: financiering voor een ontmoetingsplek in Overvecht',
    description: 'Een leegstaand winkelpand kan een huiskamer voor de wijk worden. We zoeken een fonds of bedrijf dat de inrichting en het eerste jaar huur wil steunen.',
    themes: ['funding', 'meeting'],
    sectors: ['financial', 'housing'],
    region: 'PV26',
    municipality: 'GM0344',
    posted: '2023-01-16',
    validDays: 120,
    match: { with: 'Ouderenfonds', afterDays: 50, note: 'Bijdrage aan de inrichting van de huiskamer.' },
  },
  {
    by: 'Zonnebloem',
    kind: 'offer',
    title: 'Aanbod: kennis over het bereiken van ouderen die niet meer buiten komen',
    description: 'We delen onze ervaring met huisbezoeken en telefonische contacten in een online kennissessie van een uur, voor coalities en welzijnsorganisaties.',
    themes: ['knowledge', 'pillar_3', 'elderly'],
    region: 'national',
    posted: '2023-03-06',
    validDays: 90,
    match: { with: 'coalitie:GM0855', afterDays: 25 },
  },
  {
    by: 'coalitie:GM0855',
    kind: 'request',
    title: 'Gezocht: sportverenigingen die senioren willen betrekken',
    description: 'We zoeken sportclubs in Tilburg die een laagdrempelig uur voor senioren willen aanbieden, bijvoorbeeld walking football of stoelyoga.',
    themes: ['meeting', 'elderly'],
    sectors: ['sport'],
    region: 'PV30',
    municipality: 'GM0855',
    posted: '2023-05-22',
    validDays: 100,
    status: 'withdrawn',
  },
  {
    by: 'KBO-PCOB',
    kind: 'request',
    title: 'Gezocht: gemeenten die willen meedoen aan onderzoek naar eenzaamheid bij mantelzorgers',
    description: 'Samen met een hogeschool onderzoeken we eenzaamheid onder oudere mantelzorgers. We zoeken vier gemeenten die respondenten willen helpen werven.',
    themes: ['knowledge', 'pillar_5'],
    region: 'national',
    posted: '2023-06-12',
    validDays: 120,
  },
  {
    by: 'Humanitas',
    kind: 'offer',
    title: 'Aanbod: workshop voor huisartsen en praktijkondersteuners',
    description: 'Een workshop van een middag over eenzaamheid herkennen in de spreekkamer en doorverwijzen naar het sociaal domein.',
    themes: ['signalling', 'knowledge'],
    sectors: ['gp_health'],
    region: 'national',
    posted: '2023-09-04',
    validDays: 120,
  },
  {
    by: 'coalitie:GM0106',
    kind: 'request',
    title: 'Gezocht: vrijwilligers voor een telefooncirkel in Assen',
    description: 'Elke ochtend belt iemand uit de cirkel de volgende. We zoeken vrijwilligers die de cirkel willen coördineren en een organisatie die de telefoonlijst beheert.',
    themes: ['volunteers', 'elderly'],
    region: 'PV22',
    municipality: 'GM0106',
    posted: '2023-10-02',
    validDays: 90,
    match: { with: 'Zonnebloem', afterDays: 28, note: 'Zonnebloem Assen coördineert de cirkel.' },
  },
  // 2024
  {
    by: 'Ouderenfonds',
    kind: 'offer',
    title: 'Aanbod: Zilverlijn-belactie in de donkere dagen',
    description: 'Tussen kerst en oud en nieuw bellen vrijwilligers ouderen die zich hebben aangemeld. Lokale coalities kunnen helpen met aanmelden via huisartsen en wijkteams.',
    themes: ['elderly', 'volunteers'],
    region: 'national',
    posted: '2024-10-14',
    validDays: 80,
    match: { with: 'coalitie:GM0106', afterDays: 15 },
  },
  {
    by: 'coalitie:GM0344',
    kind: 'request',
    title: 'Gezocht: woningcorporatie voor een pilot met gemeenschappelijke ruimtes',
    description: 'In een seniorencomplex willen we de gemeenschappelijke ruimte weer tot leven brengen. We zoeken een corporatie die mee wil doen en bewoners wil betrekken.',
    themes: ['meeting', 'pillar_4'],
    sectors: ['housing'],
    region: 'PV26',
    municipality: 'GM0344',
    posted: '2024-02-19',
    validDays: 120,
  },
  {
    by: 'PostNL (bezorgers signaleren)',
    kind: 'offer',
    title: 'Aanbod: uitbreiding signaleren door bezorgers naar tien nieuwe gemeenten',
    description: 'Na de pilot breiden we uit. Gemeenten met een signaalpunt kunnen zich melden; wij regelen de training van de bezorgers en de koppeling met het signaalpunt.',
    themes: ['signalling'],
    sectors: ['business', 'municipality'],
    region: 'national',
    posted: '2024-04-08',
    validDays: 180,
    match: { with: 'coalitie:GM0855', afterDays: 45, note: 'Tilburg doet mee vanaf 1 september.', open: true },
  },
  {
    by: 'coalitie:GM0599',
    kind: 'offer',
    title: 'Aanbod: ons draaiboek voor buurtmaaltijden',
    description: 'Na twee jaar samen eten in Rotterdam-Zuid delen we ons draaiboek: van vergunning en hygiëne tot het werven van gasten die niet vanzelf komen.',
    themes: ['meeting', 'knowledge'],
    region: 'national',
    posted: '2024-06-03',
    validDays: 150,
    match: { with: 'coalitie:GM0344', afterDays: 33 },
  },
  {
    by: 'Humanitas',
    kind: 'request',
    title: 'Gezocht: locaties voor rouwcafés in Noord-Brabant',
    description: 'We willen in vijf Brabantse gemeenten een maandelijks rouwcafé starten en zoeken gratis ruimtes: bibliotheken, buurthuizen of kerken.',
    themes: ['meeting', 'pillar_3'],
    sectors: ['religious', 'culture'],
    region: 'PV30',
    posted: '2024-08-26',
    validDays: 120,
  },
  {
    by: 'Bibliotheek Leeuwarden',
    kind: 'request',
    title: 'Gezocht: vrijwilligers voor voorleesmiddagen in verzorgingshuizen',
    description: 'We zoeken vrijwilligers die eens per twee weken een middag willen voorlezen en napraten in een verzorgingshuis in Leeuwarden.',
    themes: ['volunteers', 'elderly'],
    sectors: ['culture'],
    region: 'PV21',
    municipality: 'GM0080',
    posted: '2024-09-16',
    validDays: 90,
  },
  // 2025
  {
    by: 'Ouderenfonds',
    kind: 'offer',
    title: 'Aanbod: gratis workshop "Signalen herkennen" voor kassamedewerkers',
    description:
      'In een workshop van anderhalf uur leren kassamedewerkers signalen van eenzaamheid herkennen en een praatje aanknopen. Supermarkten en lokale coalities kunnen de workshop aanvragen.',
    themes: ['signalling', 'campaign'],
    sectors: ['business'],
    region: 'national',
    posted: '2025-02-10',
    validDays: 180,
    match: { with: 'coalitie:GM0106', afterDays: 40, note: 'Workshop voor twee supermarkten in Assen.', open: true },
  },
  {
    by: 'coalitie:GM0855',
    kind: 'request',
    title: 'Gezocht: ervaring met de monitor eenzaamheid op wijkniveau',
    description: 'We willen de cijfers van de Gezondheidsmonitor per wijk gebruiken om activiteiten te plannen. Wie heeft dat al gedaan en wil laten zien hoe?',
    themes: ['pillar_5', 'knowledge'],
    region: 'PV30',
    municipality: 'GM0855',
    posted: '2025-04-14',
    validDays: 90,
    match: { with: 'KBO-PCOB', afterDays: 22 },
  },
  {
    by: 'Zonnebloem',
    kind: 'request',
    title: 'Gezocht: lokale partners voor de Week tegen Eenzaamheid 2025',
    description: 'Onze afdelingen organiseren in de Week tegen Eenzaamheid ontmoetingen. We zoeken per gemeente een welzijnsorganisatie of coalitie om mee samen te werken.',
    themes: ['week', 'meeting'],
    region: 'national',
    posted: '2025-07-07',
    validDays: 90,
  },
  {
    by: 'coalitie:GM0344',
    kind: 'offer',
    title: 'Aanbod: onze ervaring met een signaalpunt in de wijk',
    description: 'Utrecht heeft een werkend signaalpunt. We vertellen andere coalities graag hoe we het hebben opgezet en wat we anders zouden doen.',
    themes: ['signalling', 'knowledge', 'pillar_2'],
    region: 'national',
    posted: '2025-05-19',
    validDays: 150,
    status: 'withdrawn',
  },
  {
    by: 'KBO-PCOB',
    kind: 'offer',
    title: 'Aanbod: belcirkel-training voor ouderenbonden',
    description: 'Een korte online training voor afdelingen die een belcirkel willen starten, met voorbeeldteksten en een privacyvriendelijke werkwijze.',
    themes: ['volunteers', 'elderly'],
    region: 'national',
    posted: '2025-09-29',
    validDays: 120,
    match: { with: 'coalitie:GM0599', afterDays: 19 },
  },
  // Recent: most of these are open now.
  {
    by: 'coalitie:GM0344',
    kind: 'request',
    title: 'Vrijwilligers gezocht voor de Week tegen Eenzaamheid in Utrecht',
    description:
      'Tijdens de Week tegen Eenzaamheid organiseren we in tien wijken een koffieochtend. We zoeken vrijwilligers die gasten ontvangen, een praatje maken en helpen met opruimen.\n\nEen korte instructie vooraf is er voor iedereen.',
    themes: ['volunteers', 'week'],
    sectors: ['care_welfare', 'self_organisations'],
    region: 'PV26',
    municipality: 'GM0344',
    posted: 20,
    validDays: 120,
  },
  {
    by: 'Ouderenfonds',
    kind: 'offer',
    title: "Aanbod: gratis workshop 'Signalen herkennen' voor kassamedewerkers",
    description:
      'Na de goede ervaringen van vorig jaar bieden we de workshop opnieuw aan. Anderhalf uur, op locatie, voor teams van supermarkten, drogisterijen en bakkers. Lokale coalities kunnen de workshop aanvragen voor de winkels in hun gemeente.',
    themes: ['signalling', 'campaign'],
    sectors: ['business'],
    region: 'national',
    posted: 12,
    validDays: 150,
  },
  {
    by: 'Humanitas',
    kind: 'offer',
    title: 'Aanbod: maatjes voor jongeren die zich eenzaam voelen',
    description: 'Studenten worden maatje van een jongere tussen 16 en 25 jaar. We zoeken scholen, jongerenwerk en huisartsen die jongeren kunnen doorverwijzen.',
    themes: ['youth', 'volunteers'],
    sectors: ['education', 'gp_health'],
    region: 'national',
    posted: 35,
    validDays: 200,
  },
  {
    by: 'coalitie:GM0106',
    kind: 'request',
    title: 'Gezocht: supermarkt die een ontmoetingstafel wil plaatsen',
    description: 'Een koffietafel bij de ingang van de supermarkt, twee ochtenden per week, met vrijwilligers van de coalitie. Wie wil proefdraaien in Assen?',
    themes: ['meeting', 'pillar_2'],
    sectors: ['business'],
    region: 'PV22',
    municipality: 'GM0106',
    posted: 8,
    validDays: 90,
  },
  {
    by: 'Zonnebloem',
    kind: 'offer',
    title: 'Aanbod: vrijwilligers voor kerstdiners in de regio Utrecht',
    description: 'Onze afdelingen in de provincie Utrecht organiseren kerstdiners en kunnen nog gasten en locaties gebruiken. Coalities die mensen kennen die anders alleen zijn, zijn welkom.',
    themes: ['meeting', 'volunteers', 'elderly'],
    region: 'PV26',
    posted: 5,
    validDays: 40,
  },
  {
    by: 'KBO-PCOB',
    kind: 'request',
    title: 'Gezocht: digitale maatjes voor ouderen in Limburg',
    description: 'Vrijwilligers die ouderen thuis helpen met videobellen, zodat ze contact houden met familie en de buurt.',
    themes: ['digital', 'volunteers', 'elderly'],
    region: 'PV31',
    posted: 50,
    validDays: 150,
  },
  {
    by: 'PostNL (bezorgers signaleren)',
    kind: 'offer',
    title: 'Aanbod: signaleren door bezorgers, nu ook in Zuid-Holland',
    description: 'Gemeenten in Zuid-Holland met een signaalpunt kunnen zich aanmelden. Wij verzorgen de training van de bezorgers en de koppeling met het signaalpunt.',
    themes: ['signalling'],
    sectors: ['municipality'],
    region: 'PV28',
    posted: 60,
    validDays: 180,
  },
  {
    by: 'coalitie:GM0599',
    kind: 'request',
    title: 'Gezocht: fonds voor een buurtkamer met ontmoeting en taalcafé',
    description: 'In Rotterdam-Zuid willen we een buurtkamer openen voor ontmoeting en een wekelijks taalcafé met nieuwe Nederlanders. We zoeken cofinanciering voor twee jaar.',
    themes: ['funding', 'meeting'],
    sectors: ['financial'],
    region: 'PV28',
    municipality: 'GM0599',
    posted: 28,
    validDays: 100,
  },
  {
    by: 'Bibliotheek Leeuwarden',
    kind: 'offer',
    title: 'Aanbod: "Verhalen van vroeger", vertelmiddagen in de bibliotheek',
    description: 'Ouderen vertellen, jongeren luisteren en schrijven het op. We delen het format en helpen andere bibliotheken in Friesland op weg.',
    themes: ['meeting', 'youth', 'elderly'],
    sectors: ['culture', 'education'],
    region: 'PV21',
    posted: 15,
    validDays: 120,
  },
  {
    by: 'Ouderenfonds',
    kind: 'request',
    title: 'Gezocht: gemeenten die de campagne van de Week tegen Eenzaamheid lokaal willen tonen',
    description: 'We zoeken gemeenten die posters en de online campagne willen delen via hun eigen kanalen en abri’s.',
    themes: ['campaign', 'week'],
    sectors: ['municipality', 'media'],
    region: 'national',
    posted: 70,
    validDays: 200,
    match: { with: 'coalitie:GM0344', afterDays: 30, note: 'Abri-campagne in Utrecht.', open: true },
  },
  {
    by: 'coalitie:GM0855',
    kind: 'offer',
    title: 'Aanbod: ons wandelprogramma "Samen op pad" voor andere gemeenten',
    description: 'Wekelijkse wandelingen met een vaste begeleider en koffie na afloop. We delen de werving, de routes en de evaluatie.',
    themes: ['meeting', 'elderly', 'knowledge'],
    region: 'national',
    posted: 40,
    validDays: 120,
    match: { with: 'Welzijn Drenthe-Noord', afterDays: 20 },
  },
  {
    by: 'Humanitas',
    kind: 'request',
    title: 'Gezocht: kerken en moskeeën voor gesprekstafels over eenzaamheid',
    description: 'We organiseren gesprekstafels met geloofsgemeenschappen en zoeken locaties en gespreksleiders in de grote steden.',
    themes: ['meeting', 'pillar_2'],
    sectors: ['religious'],
    region: 'national',
    posted: 25,
    validDays: 60,
    status: 'withdrawn',
  },
];

/** Conversations: [post title, reactor e-mail, messages (reactor first, then alternating), days after posting of the first]. */
const CONVERSATIONS: { title: string; reactor: string; messages: string[]; afterDays: number; lastUnread: boolean }[] = [
  {
    title: "Aanbod: gratis workshop 'Signalen herkennen' voor kassamedewerkers",
    reactor: 'coordinator@demo.example',
    afterDays: 2,
    lastUnread: true,
    messages: [
      'Goedemiddag, in Utrecht willen drie supermarkten in Overvecht graag meedoen. Kan de workshop in de avond, na sluitingstijd?',
      'Zeker, dat kan. Hoeveel medewerkers verwacht u per winkel? Dan plannen we de trainers in.',
      'Ongeveer vijftien per winkel. Zullen we volgende week even bellen om data te prikken?',
    ],
  },
  {
    title: 'Vrijwilligers gezocht voor de Week tegen Eenzaamheid in Utrecht',
    reactor: 'partner@demo.example',
    afterDays: 3,
    lastUnread: true,
    messages: ['Het Ouderenfonds kan via onze lokale vrijwilligers in Utrecht een oproep doen. Zal ik de tekst van uw bericht doorsturen naar onze coördinatoren?'],
  },
  {
    title: 'Aanbod: "Verhalen van vroeger", vertelmiddagen in de bibliotheek',
    reactor: 'coordinator.assen@demo.example',
    afterDays: 4,
    lastUnread: false,
    messages: ['Dit past mooi bij onze ontmoetingstafels. Mogen we het format gebruiken in de bibliotheek van Assen?', 'Graag! Ik stuur u het draaiboek en de werftekst.'],
  },
];

/** Seeds the board demo (idempotent); returns how many posts it created. */
export async function seedBoardDemo(db: Db, opts: { log?: (m: string) => void; now?: Date } = {}): Promise<{ seeded: boolean; posts: number }> {
  const [done] = await db.select().from(systemState).where(eq(systemState.key, 'demo_board_seeded'));
  if (done) return { seeded: false, posts: 0 };
  // All or nothing: a seed that stops halfway leaves no half board behind (and runs again next time).
  return db.transaction((tx) => seedBoard(tx as unknown as Db, opts));
}

async function seedBoard(db: Db, opts: { log?: (m: string) => void; now?: Date }): Promise<{ seeded: boolean; posts: number }> {
  const now = opts.now ?? new Date();
  const today = amsterdamDate(now);
  opts.log?.('Vraag en aanbod…');

  const orgByName = async (name: string) => (await db.select().from(organisations).where(and(eq(organisations.name, name), isNull(organisations.deletedAt))).limit(1))[0] ?? null;
  const userByEmail = async (email: string) => (await db.select().from(users).where(eq(users.email, email)))[0] ?? null;
  /** A user who posts for an organisation: its partner/provider user, or a new (passwordless) contact for a national organisation. */
  const authorOf = async (o: typeof organisations.$inferSelect) => {
    const [r] = await db
      .select({ id: userRoles.userId })
      .from(userRoles)
      .where(and(eq(userRoles.organisationId, o.id), sql`${userRoles.role} in ('partner', 'provider')`))
      .orderBy(userRoles.id)
      .limit(1);
    if (r) return r.id;
    if (o.municipalityId != null) return null;
    const email = `contact.${slug(o.name)}@demo.example`;
    await db.insert(users).values({ email, name: `${o.name} (demo)`, passwordHash: null }).onConflictDoNothing();
    const u = (await userByEmail(email))!;
    await db.insert(userRoles).values({ userId: u.id, role: 'partner', organisationId: o.id });
    return u.id;
  };
  const coordinatorOf = async (municipalityId: number) => {
    const [r] = await db
      .select({ id: users.id })
      .from(userRoles)
      .innerJoin(users, eq(users.id, userRoles.userId))
      .where(and(eq(userRoles.role, 'municipality_coordinator'), eq(userRoles.municipalityId, municipalityId)))
      .orderBy(desc(sql`${users.passwordHash} is not null`), users.id)
      .limit(1);
    return r?.id ?? null;
  };

  type Party = { organisationId: number | null; coalitionId: number | null; author: number | null; name: string };
  const parties = new Map<string, Party | null>();
  /** The party of `by`: an organisation, or the local coalition (falling back to the municipality's first local organisation). */
  const party = async (by: string): Promise<Party | null> => {
    if (parties.has(by)) return parties.get(by)!;
    let result: Party | null = null;
    if (by.startsWith('coalitie:')) {
      const [m] = await db.select().from(municipalities).where(eq(municipalities.cbsCode, by.slice('coalitie:'.length)));
      if (m) {
        const author = await coordinatorOf(m.id);
        const [c] = await db.select().from(coalitions).where(and(eq(coalitions.municipalityId, m.id), isNull(coalitions.deletedAt)));
        if (c) result = { organisationId: null, coalitionId: c.id, author, name: c.name };
        else {
          const [o] = await db.select().from(organisations).where(and(eq(organisations.municipalityId, m.id), isNull(organisations.deletedAt))).orderBy(organisations.id).limit(1);
          if (o) result = { organisationId: o.id, coalitionId: null, author, name: o.name };
        }
      }
    } else {
      const o = await orgByName(by);
      if (o) result = { organisationId: o.id, coalitionId: null, author: await authorOf(o), name: o.name };
    }
    parties.set(by, result);
    return result;
  };

  const provinceIds = new Map((await db.select().from(provinces)).map((p) => [p.code, p.id]));
  const at = (day: string, hour = 10) => new Date(`${day}T${String(hour).padStart(2, '0')}:00:00+01:00`);
  let count = 0;
  const postIds = new Map<string, { id: number; postedOn: string }>();
  // In the order they were placed: the board lists newest first by id (see search.ts).
  const dated = POSTS.map((d) => ({ ...d, postedOn: typeof d.posted === 'number' ? addDays(today, -d.posted) : d.posted })).sort((a, b) => a.postedOn.localeCompare(b.postedOn));
  for (const [i, d] of dated.entries()) {
    const by = await party(d.by);
    if (!by?.author) continue; // nobody to post it
    const postedOn = d.postedOn;
    const municipalityId = d.municipality ? ((await db.select({ id: municipalities.id }).from(municipalities).where(eq(municipalities.cbsCode, d.municipality)))[0]?.id ?? null) : null;
    const match = d.match ? await party(d.match.with) : null;
    const madeOn = d.match ? [addDays(postedOn, d.match.afterDays), today].sort()[0] : null;
    const status = d.status ?? (match && !d.match?.open ? 'matched' : 'open');
    const [row] = await db
      .insert(boardPosts)
      .values({
        kind: d.kind,
        title: d.title,
        description: d.description,
        themes: d.themes,
        sectors: d.sectors ?? [],
        provinceId: d.region === 'national' ? null : (provinceIds.get(d.region) ?? null),
        municipalityId,
        validUntil: addDays(postedOn, d.validDays),
        organisationId: by.organisationId,
        coalitionId: by.coalitionId,
        postedBy: by.author!,
        status,
        createdAt: at(postedOn, 9 + (i % 7)),
        updatedAt: at(postedOn, 9 + (i % 7)),
      })
      .returning({ id: boardPosts.id });
    postIds.set(d.title, { id: row.id, postedOn });
    count++;
    if (match && madeOn) {
      await db.insert(boardMatches).values({
        postId: row.id,
        partnerOrganisationId: match.organisationId,
        // A coalition is not an organisation: the match is with its coordinator.
        partnerUserId: match.coalitionId ? match.author : null,
        note: d.match!.note ?? (match.coalitionId ? `Match met ${match.name}.` : null),
        madeOn,
        createdBy: by.author!,
        createdAt: at(madeOn, 16),
      });
    }
  }

  for (const c of CONVERSATIONS) {
    const post = postIds.get(c.title);
    const reactor = await userByEmail(c.reactor);
    if (!post || !reactor) continue;
    const [p] = await db.select().from(boardPosts).where(eq(boardPosts.id, post.id));
    const [reactorOrg] = await db
      .select({ id: userRoles.organisationId })
      .from(userRoles)
      .where(and(eq(userRoles.userId, reactor.id), sql`${userRoles.role} in ('partner', 'provider')`))
      .limit(1);
    for (const [j, body] of c.messages.entries()) {
      const fromReactor = j % 2 === 0;
      const day = [addDays(post.postedOn, c.afterDays + j), today].sort()[0];
      const last = j === c.messages.length - 1;
      await db.insert(boardMessages).values({
        postId: post.id,
        reactorId: reactor.id,
        reactorOrganisationId: fromReactor ? (reactorOrg?.id ?? null) : null,
        fromUserId: fromReactor ? reactor.id : p.postedBy,
        body,
        createdAt: at(day, 11 + j),
        readAt: last && c.lastUnread ? null : at(day, 15 + j),
      });
    }
  }

  const partner = await userByEmail('partner@demo.example');
  if (partner) await db.insert(boardInterests).values({ userId: partner.id, themes: ['volunteers', 'week'], kind: null, provinceId: null });
  const coordinator = await userByEmail('coordinator@demo.example');
  if (coordinator) await db.insert(boardInterests).values({ userId: coordinator.id, themes: ['digital', 'elderly', 'signalling'], kind: 'offer', provinceId: provinceIds.get('PV26') ?? null });

  await db.insert(systemState).values({ key: 'demo_board_seeded', value: sql`to_jsonb(now())` });
  return { seeded: true, posts: count };
}
