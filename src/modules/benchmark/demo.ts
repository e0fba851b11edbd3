import { seededRandom } from '../../platform/random.js';
import fs from 'node:fs';
import path from 'node:path';
import { fromRoot } from '../../platform/paths.js';
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/index.js';
import type { FieldCipher } from '../../platform/crypto.js';
import { jointApproaches, municipalities, participations } from '../registry/schema.js';
import { slug } from '../../demo/slug.js';
import { benchmarkEditions, benchmarkInvitationMunicipalities, benchmarkInvitations, benchmarkResponseMunicipalities, benchmarkResponses } from './schema.js';
import {
  answerToFormValues,
  answerToRows,
  choicesOf,
  DONT_KNOW,
  isVisible,
  parseAnswer,
  questionnaireDefSchema,
  validatePage,
  type Answer,
  type Question,
  type QuestionnaireDef,
} from './questionnaire.js';
import { allQuestions, createEditionFromDefinition, exportDefinition, loadQuestionnaire, type Edition } from './service.js';
import { amsterdamDate, editionWindow, invitationLink, newInvitationToken } from './links.js';

/**
 * Demo data of the benchmark: the 2019 edition (imported, 64 responses), the 2020 edition
 * (182 invitations, 100 responses, a panel of 43 municipalities that answered both years) and
 * an open 2021 edition with invitations for the demo participants. Answers are synthetic:
 * drawn with a seeded PRNG from probabilities close to the figures in the 2020 benchmark
 * report, and checked against the questionnaire's rules (required, showIf, exclusive options)
 * exactly as a respondent's form is.
 */

export const DATA_DIR = fromRoot('src/modules/benchmark/data');

/** The shipped questionnaire of 2019 (reconstruction) or 2020 (see data/README.md). */
export function shippedQuestionnaire(year: 2019 | 2020): QuestionnaireDef {
  const raw: unknown = JSON.parse(fs.readFileSync(path.join(DATA_DIR, `questionnaire-${year}.json`), 'utf8'));
  return questionnaireDefSchema.parse(raw) as QuestionnaireDef;
}

export const DEMO_COUNTS = { responses2019: 64, responses2020: 100, invited2020: 182, panel: 43 } as const;
/** The municipality whose 2021 link is printed at start-up (the demo coordinator's). */
export const DEMO_LINK_MUNICIPALITY = 'GM0344';
/** Municipalities that must be in the panel, so the demo coordinators see a trend. */
const PANEL_FIRST = ['GM0344', 'GM0106'];

// ---------------------------------------------------------------------------------------
// Deterministic randomness

export { seededRandom };
type Rand = () => number;
const pick = <T>(rand: Rand, list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
function shuffle<T>(rand: Rand, list: T[]): T[] {
  const a = [...list];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}
function weighted(rand: Rand, weights: [string, number][]): string {
  const total = weights.reduce((s, [, w]) => s + w, 0);
  let r = rand() * total;
  for (const [code, w] of weights) {
    r -= w;
    if (r < 0) return code;
  }
  return weights[weights.length - 1]![0];
}

// ---------------------------------------------------------------------------------------
// Answer profiles: roughly the figures of the 2020 benchmark report (and its 2019 comparisons)

interface Profile {
  /** single / yes-no: relative weight per option code (DONT_KNOW included). Default: uniform, no "don't know". */
  choice: Record<string, Record<string, number>>;
  /** multiple: the share choosing each option. Exclusive options are drawn first. */
  multi: Record<string, Record<string, number>>;
  /** matrix: per row, the weights of the options in their order. */
  matrix: Record<string, Record<string, number[]>>;
  /** number: range and share of "don't know". */
  number: Record<string, { min: number; max: number; dontKnow: number }>;
}

const TOOLS_ROWS_2020 = {
  ADVISEURS: [82, 12, 6],
  HANDREIKING: [38, 47, 15],
  CURSUSMATERIAAL: [25, 50, 25],
  TOOLKIT_HUISBEZOEK: [30, 27, 43],
  TOOLKIT_CAMPAGNE: [48, 37, 15],
  TOOLKIT_COALITIE: [48, 35, 17],
};
const VISITORS = { VRIJWILLIGERS: 0.9, SOCIAAL_WERKERS: 0.45, GEMEENTE: 0.3, ZORGMEDEWERKERS: 0.2, ANDERS: 0.1 };

const PROFILE_2020: Profile = {
  choice: {
    WTE_DEELNAME: { yes: 88, no: 12 },
    WTE_CAMPAGNEMATERIAAL: { yes: 78, no: 17, [DONT_KNOW]: 5 },
    BEWUSTWORDING: { ALLE_OUDEREN: 39, SPECIFIEKE_GROEPEN: 23, ANDERS: 17, GEPLAND: 16, NEE: 5 },
    SIGNAALPUNT: { yes: 37, no: 61, [DONT_KNOW]: 2 },
    SIGNALERINGSNETWERK: { yes: 64, no: 32, [DONT_KNOW]: 4 },
    COMMITMENT_VORM: { GEMEENTERAAD: 34, UITVOERINGSPLAN: 33, WETHOUDER: 32, ANDERS: 1 },
    BUDGET_STATUS: { STRUCTUREEL: 20, MEERJARIG: 30, EENMALIG: 35, GEEN: 13, [DONT_KNOW]: 2 },
    COALITIE_FASE: { ZEER_ACTIEF: 12, ACTIEF: 22, OPSTART: 39, GEEN: 27 },
    KARTREKKER: { yes: 75, no: 22, [DONT_KNOW]: 3 },
    HUISBEZOEK: { VOLLEDIGE_DOELGROEP: 57, SPECIFIEKE_GROEPEN: 7, KEUKENTAFELGESPREK: 14, GEEN: 14, [DONT_KNOW]: 8 },
    BETREKKEN_ACTIVITEITEN: { HELE_DOELGROEP: 10, DEEL_DOELGROEP: 65, NEE: 22, [DONT_KNOW]: 3 },
    BETREKKEN_BELEID: { HELE_DOELGROEP: 15, DEEL_DOELGROEP: 56, NEE: 26, [DONT_KNOW]: 3 },
    DATABANK_INTERVENTIES: { yes: 30, no: 58, [DONT_KNOW]: 12 },
    LANGETERMIJNVISIE: { yes: 50, no: 45, [DONT_KNOW]: 5 },
    TIJDELIJKE_FINANCIERING: { VOLLEDIG: 25, GEDEELTELIJK: 42, NEE: 28, [DONT_KNOW]: 5 },
    MONITORING: { JA: 45, TEN_DELE: 40, NEE: 12, [DONT_KNOW]: 3 },
    BIJSTUREN: { JA: 50, TEN_DELE: 45, NEE: 5 },
    GGD_METING: { yes: 41, no: 50, [DONT_KNOW]: 9 },
  },
  multi: {
    ONDERSTEUNING_NA_SIGNAAL: { SOCIALE_KAART: 0.41, WELZIJN_OP_RECEPT: 0.35, VRAAG_AANBOD: 0.3, ANDERS: 0.6, GEEN: 0.05 },
    HUISBEZOEK_UITVOERDERS: VISITORS,
    BEST_PRACTICES: { ANDERE_GEMEENTE: 0.43, ZONMW: 0.18, ANDERS: 0.36, GEEN: 0.27 },
    LERENDE_PRAKTIJK: { EVALUEREN_MET_PARTIJEN: 0.54, ERVARINGEN_OUDEREN: 0.19, PRAKTIJKONDERZOEK: 0.12, ANDERS: 0.05, GEEN: 0.42 },
    CORONA_EFFECT: {
      HULPVERLENING_STIL: 0.71,
      ACTIVITEITEN_STIL: 0.67,
      NIEUWE_INITIATIEVEN: 0.9,
      BESTUURLIJKE_PRIORITEIT: 0.69,
      COALITIE_VERSTERKT: 0.51,
      NIEUWE_COALITIE: 0.19,
      ANDERS: 0.08,
      GEEN_EFFECT: 0.02,
    },
    UITDAGINGEN: { SIGNALEREN: 0.3, DOORBREKEN: 0.28, BESTUURLIJK_COMMITMENT: 0.05, NETWERK: 0.35, BETREKKEN_DOELGROEP: 0.5, DUURZAME_AANPAK: 0.62, MONITORING: 0.25, ANDERS: 0.06 },
  },
  matrix: {
    PROGRAMMA_TOOLS: TOOLS_ROWS_2020,
    // kartrekker, active contributor or initiator, kept informed, no active role
    NETWERK_ROLLEN: {
      GEMEENTE: [40, 35, 15, 10],
      ZORG_WELZIJN: [23, 49, 18, 10],
      ZELFORGANISATIES: [5, 55, 20, 20],
      KUNST_CULTUUR: [2, 40, 25, 33],
      SPORT: [2, 35, 28, 35],
      WONINGCORPORATIES: [2, 35, 33, 30],
      FINANCIELE_SECTOR: [0, 8, 20, 72],
      ONDERNEMERS: [1, 20, 27, 52],
      ONDERWIJS: [1, 20, 29, 50],
      LEVENSBESCHOUWING: [2, 38, 30, 30],
      MEDIA: [1, 25, 34, 40],
      POLITIE: [1, 20, 39, 40],
      HUISARTSEN: [2, 35, 38, 25],
      BIBLIOTHEEK: [3, 45, 27, 25],
    },
  },
  number: { COALITIE_PARTNERS: { min: 3, max: 40, dontKnow: 0.15 } },
};

const PROFILE_2019: Profile = {
  choice: {
    WTE_DEELNAME: { yes: 82, no: 18 },
    WTE_CAMPAGNEMATERIAAL: { yes: 75, no: 20, [DONT_KNOW]: 5 },
    BEWUSTWORDING: { ALLE_OUDEREN: 30, SPECIFIEKE_GROEPEN: 22, ANDERS: 18, GEPLAND: 20, NEE: 10 },
    SIGNAALPUNT: { yes: 33, no: 64, [DONT_KNOW]: 3 },
    SIGNALERINGSNETWERK: { yes: 73, no: 24, [DONT_KNOW]: 3 },
    COALITIE_FASE: { ZEER_ACTIEF: 10, ACTIEF: 25, OPSTART: 25, GEEN: 40 },
    KARTREKKER: { yes: 70, no: 27, [DONT_KNOW]: 3 },
    HUISBEZOEK: { VOLLEDIGE_DOELGROEP: 39, SPECIFIEKE_GROEPEN: 12, KEUKENTAFELGESPREK: 17, GEEN: 25, [DONT_KNOW]: 7 },
    BETREKKEN_ACTIVITEITEN: { HELE_DOELGROEP: 12, DEEL_DOELGROEP: 62, NEE: 23, [DONT_KNOW]: 3 },
    BETREKKEN_BELEID: { HELE_DOELGROEP: 15, DEEL_DOELGROEP: 65, NEE: 17, [DONT_KNOW]: 3 },
    DATABANK_INTERVENTIES: { yes: 56, no: 36, [DONT_KNOW]: 8 },
    LANGETERMIJNVISIE: { yes: 67, no: 30, [DONT_KNOW]: 3 },
    TIJDELIJKE_FINANCIERING: { VOLLEDIG: 35, GEDEELTELIJK: 45, NEE: 17, [DONT_KNOW]: 3 },
    MONITORING: { JA: 50, TEN_DELE: 40, NEE: 8, [DONT_KNOW]: 2 },
    BIJSTUREN: { JA: 50, TEN_DELE: 45, NEE: 5 },
    GGD_METING: { yes: 55, no: 40, [DONT_KNOW]: 5 },
  },
  multi: {
    BESTUURLIJK_COMMITMENT: { GEMEENTERAAD: 0.73, WETHOUDER: 0.78, UITVOERINGSPLAN: 0.4, STRUCTUREEL_BUDGET: 0.2, TIJDELIJK_BUDGET: 0.45, GEEN: 0.03 },
    HUISBEZOEK_UITVOERDERS: VISITORS,
    LERENDE_PRAKTIJK: { EVALUEREN_MET_PARTIJEN: 0.7, ERVARINGEN_OUDEREN: 0.25, PRAKTIJKONDERZOEK: 0.15, ANDERS: 0.06, GEEN: 0.13 },
    UITDAGINGEN: { SIGNALEREN: 0.35, DOORBREKEN: 0.3, BESTUURLIJK_COMMITMENT: 0.08, NETWERK: 0.4, BETREKKEN_DOELGROEP: 0.45, DUURZAME_AANPAK: 0.6, MONITORING: 0.3, ANDERS: 0.05 },
  },
  matrix: {
    PROGRAMMA_TOOLS: {
      ADVISEURS: [70, 18, 12],
      HANDREIKING: [30, 45, 25],
      CURSUSMATERIAAL: [20, 45, 35],
      TOOLKIT_HUISBEZOEK: [25, 35, 40],
      TOOLKIT_CAMPAGNE: [40, 35, 25],
      TOOLKIT_COALITIE: [35, 35, 30],
    },
    NETWERK_ROLLEN: {
      GEMEENTE: [45, 35, 12, 8],
      WELZIJN: [25, 55, 12, 8],
      ZORG: [5, 45, 30, 20],
      OUDERENBONDEN: [5, 55, 25, 15],
      VRIJWILLIGERSORGANISATIES: [3, 50, 27, 20],
      WONINGCORPORATIES: [2, 35, 33, 30],
      BEDRIJVEN: [1, 18, 28, 53],
      KERKEN: [2, 35, 30, 33],
      CULTUUR_SPORT: [2, 35, 30, 33],
      HUISARTSEN: [2, 35, 38, 25],
    },
  },
  number: {},
};

/** Share of respondents who answer an optional question they see. */
const OPTIONAL_FILL: Record<string, number> = { COALITIE_PARTNERS: 0.85, GROOTSTE_UITDAGING: 0.6, ONDERSTEUNINGSBEHOEFTE: 0.5, CORONA_TOELICHTING: 0.3, OPMERKINGEN: 0.1 };

const TEXTS: Record<string, string[]> = {
  GROOTSTE_UITDAGING: [
    'De aanpak structureel borgen nu de tijdelijke financiering afloopt.',
    'Ouderen zelf betrekken bij het bedenken en organiseren van activiteiten.',
    'Ondernemers en de financiële sector aan de lokale coalitie verbinden.',
    'De lokale coalitie actief houden zonder fysieke bijeenkomsten.',
    'Signalen van eenzaamheid bij de juiste partij laten landen.',
    'Zicht krijgen op wat onze activiteiten opleveren.',
    'Ouderen bereiken die niet uit zichzelf om hulp vragen.',
    'Vrijwilligers vinden en behouden voor de huisbezoeken.',
  ],
  ONDERSTEUNINGSBEHOEFTE: [
    'Graag meer voorbeelden van gemeenten die hun aanpak structureel hebben geborgd, en een bijeenkomst om ervaringen uit te wisselen.',
    'Hulp bij het opzetten van een eenvoudige monitor waarmee we kunnen zien wat onze activiteiten opleveren.',
    'Advies over hoe we ondernemers en woningcorporaties actief bij de coalitie betrekken.',
    'Campagnemateriaal voor de Week tegen Eenzaamheid dat we makkelijk met ons eigen logo kunnen aanpassen.',
    'Een adviseur die meedenkt over de volgende fase van onze lokale coalitie.',
    'Training voor vrijwilligers die huisbezoeken afleggen, met aandacht voor het bespreekbaar maken van eenzaamheid.',
  ],
  CORONA_TOELICHTING: [
    'Door de maatregelen konden ontmoetingsactiviteiten niet doorgaan; in plaats daarvan zijn belrondes en een kaartenactie opgezet.',
    'De coalitie is juist sterker geworden: partijen vonden elkaar snel om boodschappen en telefooncirkels te organiseren.',
    'Huisbezoeken zijn maandenlang vervangen door telefonisch contact; nieuwe signalen komen daardoor minder goed binnen.',
    'Het college heeft extra middelen vrijgemaakt voor activiteiten tegen eenzaamheid tijdens de lockdown.',
  ],
  OPMERKINGEN: [
    'Fijn dat de resultaten met andere gemeenten te vergelijken zijn.',
    'Sommige vragen waren lastig te beantwoorden omdat we de aanpak samen met buurgemeenten uitvoeren.',
    'Onze aanpak is net gestart; volgend jaar hopen we meer te kunnen laten zien.',
  ],
};
const OTHER_TEXTS: Record<string, string[]> = {
  BEWUSTWORDING: ['We benaderen eenzaamheid breder, voor inwoners van alle leeftijden', 'Via de bibliotheek en het buurthuis, zonder aparte doelgroep', 'Als onderdeel van de campagne over gezond ouder worden'],
  ONDERSTEUNING_NA_SIGNAAL: ['Via het wijkteam', 'Het sociaal team pakt signalen op', 'Via de welzijnsorganisatie', 'Via het Wmo-loket', 'Meldpunt bij de welzijnsorganisatie en het sociaal team'],
  COMMITMENT_VORM: ['Via het integrale ouderenbeleid'],
  HUISBEZOEK_UITVOERDERS: ['Ouderenadviseurs', 'Vrijwilligers van de ouderenbond', 'Studenten van de hogeschool'],
  BEST_PRACTICES: ['Via de netwerkbijeenkomsten van het actieprogramma', 'Via de kennisbank van Movisie', 'Uitwisseling met buurgemeenten in de regio'],
  LERENDE_PRAKTIJK: ['Jaarlijkse evaluatie met de lokale coalitie', 'Intervisie tussen sociaal werkers'],
  CORONA_EFFECT: ['Meer vrijwilligers meldden zich aan', 'Digitale ontmoetingen opgezet'],
  UITDAGINGEN: ['Capaciteit binnen de gemeentelijke organisatie', 'Vrijwilligers vinden'],
};

function drawChoice(q: Question, profile: Profile, rand: Rand): Answer {
  const choices = choicesOf(q);
  const w = profile.choice[q.code];
  const weights: [string, number][] = choices.filter((o) => o.code !== DONT_KNOW || (w && w[DONT_KNOW])).map((o) => [o.code, w ? (w[o.code] ?? 0) : 1]);
  const code = weighted(rand, weights);
  return withOther(q, [code], rand);
}

function drawMultiple(q: Question, profile: Profile, rand: Rand): Answer {
  const choices = choicesOf(q);
  const p = profile.multi[q.code] ?? {};
  const share = (code: string) => p[code] ?? 0.3;
  const exclusive = choices.filter((o) => o.exclusive && (o.code !== DONT_KNOW || p[DONT_KNOW]));
  let used = 0;
  for (const o of exclusive) {
    const s = share(o.code);
    if (rand() * (1 - used) < s) return { kind: 'choice', options: [o.code] };
    used += s;
  }
  const rest = choices.filter((o) => !o.exclusive);
  // Conditional on no exclusive option, so that the overall share stays close to the profile.
  let picked = rest.filter((o) => rand() < Math.min(1, share(o.code) / Math.max(0.01, 1 - used))).map((o) => o.code);
  if (!picked.length) picked = [rest.reduce((best, o) => (share(o.code) > share(best.code) ? o : best), rest[0]!).code];
  return withOther(q, picked, rand);
}

function withOther(q: Question, options: string[], rand: Rand): Answer {
  const other = choicesOf(q).find((o) => o.other && options.includes(o.code));
  return { kind: 'choice', options, other: other ? pick(rand, OTHER_TEXTS[q.code] ?? ['Anders']) : null };
}

function drawAnswer(q: Question, profile: Profile, rand: Rand, answers: Map<string, Answer | null>): Answer {
  switch (q.type) {
    case 'single':
    case 'yesno':
      return drawChoice(q, profile, rand);
    case 'multiple':
      return drawMultiple(q, profile, rand);
    case 'matrix': {
      const w = profile.matrix[q.code] ?? {};
      const rows: Record<string, string> = {};
      for (const r of q.rows) rows[r.code] = weighted(rand, q.options.map((o, i) => [o.code, w[r.code]?.[i] ?? 1]));
      if (q.code === 'NETWERK_ROLLEN') {
        // A party is kartrekker only where the municipality says there is one.
        const hasKartrekker = (answers.get('KARTREKKER') as { options?: string[] } | null)?.options?.[0] === 'yes';
        for (const r of Object.keys(rows)) if (!hasKartrekker && rows[r] === 'KARTREKKER') rows[r] = 'ACTIEF';
        if (hasKartrekker && !Object.values(rows).includes('KARTREKKER')) rows[rand() < 0.6 ? 'GEMEENTE' : Object.keys(rows)[1]!] = 'KARTREKKER';
      }
      return { kind: 'matrix', rows };
    }
    case 'number': {
      const spec = profile.number[q.code] ?? { min: q.min ?? 0, max: q.max ?? 100, dontKnow: 0 };
      if (q.dontKnow && rand() < spec.dontKnow) return { kind: 'number', value: null, dontKnow: true };
      return { kind: 'number', value: spec.min + Math.floor(rand() * (spec.max - spec.min + 1)) };
    }
    case 'text':
    case 'longtext':
      return { kind: 'text', value: pick(rand, TEXTS[q.code] ?? ['Geen opmerkingen.']) };
  }
}

/**
 * One complete synthetic response: questions in order, only the visible ones, every required
 * one answered. Throws when the result would not pass the respondent form's own checks.
 */
export function syntheticAnswers(questions: Question[], year: number, rand: Rand): Map<string, Answer | null> {
  const profile = year <= 2019 ? PROFILE_2019 : PROFILE_2020;
  const answers = new Map<string, Answer | null>();
  for (const q of questions) {
    if (!isVisible(q, answers)) continue;
    if (!q.required && rand() >= (OPTIONAL_FILL[q.code] ?? 0.95)) continue;
    answers.set(q.code, drawAnswer(q, profile, rand, answers));
  }
  const problems = answerProblems(questions, answers);
  if (problems.length) throw new Error(`synthetic benchmark answers break the questionnaire rules: ${problems.join('; ')}`);
  return answers;
}

/**
 * What a respondent's form would object to in a complete set of answers: entry errors (as
 * parsed back from the form fields), hidden questions with an answer, required questions left
 * open. Empty when the answers could have been entered and submitted.
 */
export function answerProblems(questions: Question[], answers: Map<string, Answer | null>): string[] {
  const problems: string[] = [];
  const entryErrors = new Map<string, string>();
  for (const q of questions) {
    const a = answers.get(q.code) ?? null;
    if (!a) continue;
    const parsed = parseAnswer(q, answerToFormValues(q, a));
    if (parsed.error) entryErrors.set(q.code, parsed.error);
    else if (JSON.stringify(normalise(parsed.answer)) !== JSON.stringify(normalise(a))) problems.push(`${q.code}: answer does not survive the form`);
  }
  const { errors, visible } = validatePage(questions, questions, answers, entryErrors, true);
  for (const [code, e] of errors) problems.push(`${code}: ${e}`);
  for (const q of questions) if (answers.get(q.code) && !visible.has(q.code)) problems.push(`${q.code}: answered but hidden`);
  return problems;
}
const normalise = (a: Answer | null) => (a && a.kind === 'choice' ? { ...a, options: [...a.options].sort(), other: a.other ?? null } : a);

// ---------------------------------------------------------------------------------------
// The demo data set

/** A respondent: one contact answering for one or more municipalities (primary first). */
interface Unit {
  ids: number[];
  codes: string[];
  contactName: string;
  contactEmail: string;
  signedOn: string | null;
  /** The primary municipality's participation status (demo participants only). */
  status: string | null;
  demo: boolean;
}

const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T12:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
const between = (rand: Rand, from: string, to: string) => new Date(Date.parse(`${from}T08:00:00Z`) + rand() * (Date.parse(`${to}T17:00:00Z`) - Date.parse(`${from}T08:00:00Z`)));

/**
 * Seeds the benchmark demo (see the module comment). Does nothing when any benchmark edition
 * exists; then it only looks up the demo link again (when the 2021 edition is still open).
 * Needs the municipalities and, for the demo participants and their invitations, the
 * registry's participations (src/demo/seed.ts).
 */
export async function seedBenchmarkDemo(db: Db, cipher: FieldCipher, opts: { baseUrl: string; log?: (msg: string) => void }): Promise<{ demoLink: string | null }> {
  const log = opts.log ?? (() => undefined);
  const [exists] = await db.select({ id: benchmarkEditions.id }).from(benchmarkEditions).limit(1);
  if (exists) return { demoLink: await existingDemoLink(db, cipher, opts.baseUrl) };

  return db.transaction(async (txRaw) => {
    const tx = txRaw as unknown as Db;
    // Two processes seeding at once: the second waits, then finds the editions and stops.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('ete-benchmark-demo'))`);
    const [again] = await tx.select({ id: benchmarkEditions.id }).from(benchmarkEditions).limit(1);
    if (again) return { demoLink: null };

    const rand = seededRandom(20201012);
    const ctx = { label: 'demo-seed' };
    const { all, demoUnits } = await respondentUnits(tx, rand);
    const used = new Set(demoUnits.flatMap((u) => u.ids));
    const others = shuffle(
      rand,
      all.filter((u) => !used.has(u.ids[0]!)),
    );
    const takeOthers = (n: number) => others.splice(0, Math.max(0, n));

    // 2020: the demo participants plus others up to 100 respondents.
    const units2020 = [...demoUnits.slice(0, DEMO_COUNTS.responses2020), ...takeOthers(DEMO_COUNTS.responses2020 - demoUnits.length)];
    // The panel: the demo coordinators' municipalities, then demo participants that had joined in 2019, then others.
    const byFirst = (code: string) => units2020.find((u) => u.codes.includes(code));
    const panel: Unit[] = [];
    const addPanel = (u: Unit | undefined) => u && !panel.includes(u) && panel.length < DEMO_COUNTS.panel && panel.push(u);
    PANEL_FIRST.forEach((c) => addPanel(byFirst(c)));
    shuffle(
      rand,
      units2020.filter((u) => u.demo && u.signedOn && u.signedOn < '2020-01-01'),
    ).forEach(addPanel);
    shuffle(
      rand,
      units2020.filter((u) => !u.demo),
    ).forEach(addPanel);
    // 2019: the panel plus municipalities that answered only in 2019.
    const only2019 = takeOthers(DEMO_COUNTS.responses2019 - panel.length);
    const units2019 = [...panel, ...only2019];
    // 2020 invitations: the respondents, the 2019-only municipalities and others, 182 in all.
    const nonResponders2020 = [...only2019, ...takeOthers(DEMO_COUNTS.invited2020 - DEMO_COUNTS.responses2020 - only2019.length)];

    log('Benchmark 2019 (geïmporteerd)…');
    const def2019 = shippedQuestionnaire(2019);
    const e2019 = await createEditionFromDefinition(
      tx,
      ctx,
      { year: 2019, title: def2019.title, intro: def2019.intro, opensOn: '2019-12-02', closesOn: '2020-01-24', imported: true, status: 'published' },
      def2019,
    );
    await addResponses(tx, e2019, units2019, rand, { from: '2019-12-02', to: '2020-01-24' }, new Map());
    await finishEdition(tx, e2019, '2020-03-02');

    log('Benchmark 2020…');
    const def2020 = shippedQuestionnaire(2020);
    const e2020 = await createEditionFromDefinition(
      tx,
      ctx,
      { year: 2020, title: def2020.title, intro: def2020.intro, opensOn: '2020-10-12', closesOn: '2020-11-09', status: 'published' },
      def2020,
    );
    const sentAt = new Date('2020-10-12T07:00:00Z');
    const inv2020 = await insertInvitations(tx, cipher, e2020.id, [...units2020, ...nonResponders2020], (u) => {
      const responded = units2020.includes(u);
      const reminders = responded ? Math.floor(rand() * 3) : 3;
      return { sentAt, remindersSent: reminders, lastReminderAt: reminders ? new Date(`${addDays('2020-11-09', -[14, 7, 2][reminders - 1]!)}T07:00:00Z`) : null, createdAt: new Date('2020-10-09T10:00:00Z') };
    });
    await addResponses(tx, e2020, units2020, rand, { from: '2020-10-12', to: '2020-11-09' }, inv2020);
    await finishEdition(tx, e2020, '2021-01-18');

    log('Benchmark 2021 (open)…');
    const today = amsterdamDate();
    const copy = await exportDefinition(tx, e2020);
    const def2021 = {
      ...copy,
      year: 2021,
      title: 'Benchmark Eén tegen eenzaamheid 2021',
      // A copy of last year's questionnaire: unchanged questions are comparable with 2020.
      sections: copy.sections.map((s) => ({ ...s, questions: s.questions.map(({ notComparable: _nc, ...q }) => q) })),
    };
    const e2021 = await createEditionFromDefinition(tx, ctx, { year: 2021, title: def2021.title, intro: def2021.intro, opensOn: today, closesOn: addDays(today, 28), status: 'open' }, def2021);
    // Invited: participants that signed the pillars (not those only interested, nor those that stopped).
    const invited = demoUnits.filter((u) => u.status === 'signed' || u.status === 'active');
    const inv2021 = await insertInvitations(tx, cipher, e2021.id, invited, () => ({ sentAt: null, remindersSent: 0, lastReminderAt: null }));
    const utrecht = invited.find((u) => u.codes[0] === DEMO_LINK_MUNICIPALITY);
    const demoLink = utrecht ? invitationLink(opts.baseUrl, inv2021.get(utrecht)!.token) : null;
    log(`Benchmark: ${units2019.length} + ${units2020.length} antwoorden, ${inv2021.size} uitnodigingen voor ${e2021.year}.`);
    return { demoLink };
  });
}

/** The 2021 demo link, when that edition is still open (the token is kept encrypted for reminders). */
async function existingDemoLink(db: Db, cipher: FieldCipher, baseUrl: string): Promise<string | null> {
  const [row] = await db
    .select({ edition: benchmarkEditions, token: benchmarkInvitations.tokenEncrypted })
    .from(benchmarkInvitations)
    .innerJoin(benchmarkEditions, eq(benchmarkEditions.id, benchmarkInvitations.editionId))
    .innerJoin(municipalities, eq(municipalities.id, benchmarkInvitations.municipalityId))
    .where(and(eq(benchmarkEditions.year, 2021), isNull(benchmarkEditions.deletedAt), eq(municipalities.cbsCode, DEMO_LINK_MUNICIPALITY), isNull(benchmarkInvitations.revokedAt)));
  if (!row || editionWindow(row.edition) !== 'open') return null;
  try {
    return invitationLink(baseUrl, cipher.decrypt(row.token));
  } catch {
    return null; // encrypted with a key that is no longer configured
  }
}

/**
 * All current municipalities as single-municipality units, and the demo participants as units:
 * a joint approach is one unit (primary first), with the primary's contact.
 */
async function respondentUnits(tx: Db, rand: Rand): Promise<{ all: Unit[]; demoUnits: Unit[] }> {
  // One after the other: a transaction is one connection.
  const ms = await tx
    .select({ id: municipalities.id, code: municipalities.cbsCode, name: municipalities.name })
    .from(municipalities)
    .where(and(isNull(municipalities.validTo), isNull(municipalities.deletedAt)))
    .orderBy(asc(municipalities.cbsCode));
  const parts = await tx.select().from(participations).where(isNull(participations.deletedAt));
  const joints = await tx.select().from(jointApproaches).where(isNull(jointApproaches.deletedAt));
  const byId = new Map(ms.map((m) => [m.id, m]));
  const partOf = new Map(parts.map((p) => [p.municipalityId, p]));
  const unitOf = (ids: number[], demo: boolean): Unit => {
    const p = partOf.get(ids[0]!);
    const m = byId.get(ids[0]!)!;
    return {
      ids,
      codes: ids.map((id) => byId.get(id)!.code),
      contactName: p?.contactName ?? `Contactpersoon ${m.name}`,
      contactEmail: p?.contactEmail ?? `eenzaamheid@${slug(m.name)}.example.nl`,
      signedOn: demo ? (p?.signedOn ?? null) : null,
      status: demo ? (p?.status ?? null) : null,
      demo,
    };
  };
  const demoUnits: Unit[] = [];
  const inJoint = new Set<number>();
  for (const j of joints) {
    if (!byId.has(j.primaryMunicipalityId)) continue;
    const members = parts
      .filter((p) => p.jointApproachId === j.id && p.municipalityId !== j.primaryMunicipalityId && p.status !== 'stopped' && byId.has(p.municipalityId))
      .map((p) => p.municipalityId)
      .sort((a, b) => byId.get(a)!.code.localeCompare(byId.get(b)!.code));
    const ids = [j.primaryMunicipalityId, ...members];
    ids.forEach((id) => inJoint.add(id));
    if (partOf.has(j.primaryMunicipalityId) || members.length) demoUnits.push(unitOf(ids, true));
  }
  for (const p of parts.sort((a, b) => (byId.get(a.municipalityId)?.code ?? '').localeCompare(byId.get(b.municipalityId)?.code ?? ''))) {
    if (inJoint.has(p.municipalityId) || !byId.has(p.municipalityId)) continue;
    demoUnits.push(unitOf([p.municipalityId], true));
  }
  // Without joint approaches in the registry, two synthetic ones, so the data has respondents answering for several municipalities.
  const all = ms.filter((m) => !inJoint.has(m.id)).map((m) => unitOf([m.id], false));
  const joint = demoUnits.filter((u) => u.ids.length > 1).length;
  if (joint < 2) {
    const free = shuffle(
      rand,
      all.filter((u) => !demoUnits.some((d) => d.ids.includes(u.ids[0]!))),
    );
    for (let i = joint; i < 2; i++) {
      const [a, b] = free.splice(0, 2);
      all.splice(all.indexOf(a!), 1);
      all.splice(all.indexOf(b!), 1);
      const u = unitOf([a!.ids[0]!, b!.ids[0]!], false);
      all.push(u);
    }
  }
  return { all, demoUnits };
}

async function insertInvitations(
  tx: Db,
  cipher: FieldCipher,
  editionId: number,
  units: Unit[],
  extra: (u: Unit) => { sentAt: Date | null; remindersSent: number; lastReminderAt: Date | null; createdAt?: Date },
): Promise<Map<Unit, { id: number; token: string }>> {
  const tokens = units.map(() => newInvitationToken(cipher));
  const rows = await tx
    .insert(benchmarkInvitations)
    .values(
      units.map((u, i) => ({
        editionId,
        municipalityId: u.ids[0]!,
        contactName: u.contactName,
        contactEmail: u.contactEmail,
        tokenHash: tokens[i]!.tokenHash,
        tokenEncrypted: tokens[i]!.tokenEncrypted,
        ...extra(u),
      })),
    )
    .returning({ id: benchmarkInvitations.id, municipalityId: benchmarkInvitations.municipalityId });
  const idOf = new Map(rows.map((r) => [r.municipalityId, r.id]));
  const members = units.flatMap((u) => u.ids.map((m, position) => ({ invitationId: idOf.get(u.ids[0]!)!, municipalityId: m, position })));
  if (members.length) await tx.insert(benchmarkInvitationMunicipalities).values(members);
  return new Map(units.map((u, i) => [u, { id: idOf.get(u.ids[0]!)!, token: tokens[i]!.token }]));
}

/**
 * Submitted synthetic responses for the units. Inserted in bulk (responses, their
 * municipalities, then all answers in chunks) with the same rows createResponse and
 * saveAnswers write: one query per response would make the demo seed several seconds slower.
 */
async function addResponses(tx: Db, edition: Edition, units: Unit[], rand: Rand, window: { from: string; to: string }, invitations: Map<Unit, { id: number }>) {
  if (!units.length) return;
  const questions = allQuestions(await loadQuestionnaire(tx, edition.id));
  const generated = units.map((u) => {
    const answers = syntheticAnswers(questions, edition.year, rand);
    const submittedAt = between(rand, window.from, window.to);
    const minutes = 12 + Math.floor(rand() * 35);
    return { u, answers, submittedAt, startedAt: new Date(submittedAt.getTime() - minutes * 60_000) };
  });
  const inserted = await tx
    .insert(benchmarkResponses)
    .values(
      generated.map((g) => ({
        editionId: edition.id,
        invitationId: invitations.get(g.u)?.id ?? null,
        municipalityId: g.u.ids[0]!,
        status: 'submitted',
        lastSection: 0,
        startedAt: g.startedAt,
        updatedAt: g.submittedAt,
        submittedAt: g.submittedAt,
      })),
    )
    .returning({ id: benchmarkResponses.id, municipalityId: benchmarkResponses.municipalityId });
  const responseOf = new Map(inserted.map((r) => [r.municipalityId, r.id]));
  await tx.insert(benchmarkResponseMunicipalities).values(generated.flatMap((g) => g.u.ids.map((m, position) => ({ responseId: responseOf.get(g.u.ids[0]!)!, municipalityId: m, position }))));
  const rows = generated.flatMap((g) => {
    const responseId = responseOf.get(g.u.ids[0]!)!;
    return questions.flatMap((q) => {
      const a = g.answers.get(q.code);
      return a ? answerToRows(q, a).map((r) => ({ ...r, responseId })) : [];
    });
  });
  // One statement with six array parameters: far cheaper to build and send than 11,000 rows of values.
  await tx.execute(sql`
    insert into benchmark_answers (response_id, question_id, row_code, option_code, value_number, value_text)
    select * from unnest(
      ${sql.param(rows.map((r) => r.responseId))}::int[], ${sql.param(rows.map((r) => r.questionId))}::int[], ${sql.param(rows.map((r) => r.rowCode))}::text[],
      ${sql.param(rows.map((r) => r.optionCode))}::text[], ${sql.param(rows.map((r) => r.valueNumber))}::numeric[], ${sql.param(rows.map((r) => r.valueText))}::text[])`);
}

async function finishEdition(tx: Db, edition: Edition, publishedOn: string) {
  const at = new Date(`${publishedOn}T09:00:00Z`);
  await tx.update(benchmarkEditions).set({ publishedAt: at, createdAt: new Date(Date.parse(`${edition.opensOn}T09:00:00Z`) - 21 * 86_400_000), updatedAt: at }).where(eq(benchmarkEditions.id, edition.id));
}

/** The CBS codes of the municipalities each response of an edition represents, primary first (tests, checks). */
export async function responseMunicipalityCodes(db: Db, editionId: number): Promise<string[][]> {
  const rows = await db.execute<{ codes: string[] }>(sql`
    select array_agg(m.cbs_code order by rm.position) as codes
    from benchmark_responses r
    join benchmark_response_municipalities rm on rm.response_id = r.id
    join municipalities m on m.id = rm.municipality_id
    where r.edition_id = ${editionId}
    group by r.id order by r.id`);
  return rows.rows.map((r) => r.codes);
}
