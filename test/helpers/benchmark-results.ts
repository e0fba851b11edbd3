import { eq, inArray } from 'drizzle-orm';
import type { Db } from '../../src/platform/db/index.js';
import { municipalities } from '../../src/modules/registry/schema.js';
import { benchmarkEditions } from '../../src/modules/benchmark/schema.js';
import type { Edition } from '../../src/modules/benchmark/service.js';
import { addResponse, createSmallEdition, smallDefinition } from './benchmark.js';
import { addParticipation } from './registry.js';

/**
 * The results fixture (hand-computed expectations in results.test.ts, api.test.ts and
 * exports.test.ts). Three editions of the small questionnaire:
 *
 * 2021 (published; WEEK marked "not comparable"), 7 submitted responses + 1 in progress:
 *   R1 Utrecht GM0344 (PV26, 361k, joined 2019)     WEEK yes AWARE ALL  SUPPORT MAP,WOR        ROLES GEM KAR WELZ ACT BANK NONE  HOURS 10  NOTE "Opmerking Utrecht"
 *   R2 Baarn GM0308 (PV26, 25k, 2020) + Eemnes GM0317 (represented; PV26, 9.5k, 2019)
 *                                                  WEEK yes AWARE SPEC SUPPORT MAP            ROLES GEM KAR WELZ KAR            HOURS 4
 *   R3 Amersfoort GM0307 (PV26, 160k, 2019)         WEEK no  AWARE ALL  SUPPORT MAP,OTHER("Buurtapp") + SUPPORT_WHY
 *                                                                                             ROLES GEM ACT WELZ ACT BANK INF   HOURS 6
 *   R4 Houten GM0321 (PV26, 50k exactly, 2020)      WEEK yes AWARE dont_know SUPPORT WOR      ROLES GEM KAR                     HOURS dont_know
 *   R5 Renswoude GM0339 (PV26, 5.5k, not joined)    WEEK yes AWARE NO   SUPPORT NONE           ROLES GEM KAR WELZ INF BANK NONE  HOURS 0
 *   R6 Amsterdam GM0363 (PV27, 930k, 2019)          WEEK yes AWARE ALL  SUPPORT MAP,WOR,OTHER("Huisarts") + SUPPORT_WHY
 *                                                                                             ROLES GEM KAR WELZ ACT BANK NONE  HOURS 25  NOTE "Geheim Amsterdam"
 *   R7 Aalsmeer GM0358 (PV27, population unknown, 2020)  WEEK no (nothing else)
 *   R8 Alkmaar GM0361 (PV27, 110k, 2019) IN PROGRESS: WEEK yes AWARE ALL SUPPORT MAP ROLES GEM NONE HOURS 999
 *
 * 2020 (published; HOURS marked "not comparable"; NOTE is called NOTE_OLD), 5 submitted + 1 in progress:
 *   P1 Utrecht      WEEK no  AWARE SPEC SUPPORT MAP      ROLES GEM ACT WELZ ACT BANK NONE  HOURS 8
 *   P2 Eemnes GM0317 + Baarn (represented)
 *                   WEEK yes AWARE ALL  SUPPORT WOR      ROLES GEM KAR                     HOURS 2
 *   P3 Amsterdam    WEEK yes AWARE PLAN SUPPORT MAP,WOR  ROLES GEM KAR WELZ INF BANK INF   HOURS 20
 *   P4 Houten       WEEK yes AWARE NO   SUPPORT NONE     ROLES GEM INF                     HOURS dont_know
 *   P5 Lopik GM0331 (PV26, 14k) WEEK no AWARE ALL SUPPORT MAP ROLES GEM KAR WELZ KAR        HOURS 3
 *   P6 Amersfoort IN PROGRESS: AWARE ALL
 *   Panel 2021 × 2020 (primary submitted in both): Utrecht, Houten, Amsterdam (3).
 *
 * 2019 (closed, not published): Utrecht WEEK yes AWARE NO HOURS 5.
 */
export interface ResultsFixture {
  e2019: Edition;
  e2020: Edition;
  e2021: Edition;
}

const POPULATION: Record<string, number | null> = {
  GM0344: 361_000,
  GM0308: 25_000,
  GM0317: 9_500,
  GM0307: 160_000,
  GM0321: 50_000,
  GM0339: 5_500,
  GM0363: 930_000,
  GM0358: null,
  GM0361: 110_000,
  GM0331: 14_000,
};

export async function createResultsFixture(db: Db): Promise<ResultsFixture> {
  for (const [code, population] of Object.entries(POPULATION)) await db.update(municipalities).set({ population }).where(eq(municipalities.cbsCode, code));
  const joined: Record<string, string> = {
    GM0344: '2019-03-01',
    GM0308: '2020-02-01',
    GM0317: '2019-01-01',
    GM0307: '2019-06-01',
    GM0321: '2020-05-01',
    GM0363: '2019-09-01',
    GM0358: '2020-01-10',
    GM0361: '2019-11-11',
    GM0331: '2021-04-01',
  };
  for (const [code, signedOn] of Object.entries(joined)) await addParticipation(db, code, 'active', signedOn);

  const d2019 = smallDefinition(2019);
  const e2019 = await createSmallEdition(db, { year: 2019, status: 'closed' }, d2019);
  await addResponse(db, e2019, ['GM0344'], { WEEK: 'yes', AWARE: 'NO', HOURS: 5 });

  const d2020 = smallDefinition(2020);
  d2020.sections[1]!.questions.find((q) => q.code === 'HOURS')!.notComparable = true;
  d2020.sections[2]!.questions[0]!.code = 'NOTE_OLD';
  const e2020 = await createSmallEdition(db, { year: 2020, status: 'published' }, d2020);
  await addResponse(db, e2020, ['GM0344'], { WEEK: 'no', AWARE: 'SPEC', SUPPORT: ['MAP'], ROLES: { GEM: 'ACT', WELZ: 'ACT', BANK: 'NONE' }, HOURS: 8 });
  await addResponse(db, e2020, ['GM0317', 'GM0308'], { WEEK: 'yes', AWARE: 'ALL', SUPPORT: ['WOR'], ROLES: { GEM: 'KAR' }, HOURS: 2 });
  await addResponse(db, e2020, ['GM0363'], { WEEK: 'yes', AWARE: 'PLAN', SUPPORT: ['MAP', 'WOR'], ROLES: { GEM: 'KAR', WELZ: 'INF', BANK: 'INF' }, HOURS: 20 });
  await addResponse(db, e2020, ['GM0321'], { WEEK: 'yes', AWARE: 'NO', SUPPORT: ['NONE'], ROLES: { GEM: 'INF' }, HOURS: 'dont_know' });
  await addResponse(db, e2020, ['GM0331'], { WEEK: 'no', AWARE: 'ALL', SUPPORT: ['MAP'], ROLES: { GEM: 'KAR', WELZ: 'KAR' }, HOURS: 3 });
  await addResponse(db, e2020, ['GM0307'], { AWARE: 'ALL' }, 'in_progress');

  const d2021 = smallDefinition(2021);
  d2021.sections[0]!.questions.find((q) => q.code === 'WEEK')!.notComparable = true;
  const e2021 = await createSmallEdition(db, { year: 2021, status: 'published' }, d2021);
  await addResponse(db, e2021, ['GM0344'], { WEEK: 'yes', AWARE: 'ALL', SUPPORT: ['MAP', 'WOR'], ROLES: { GEM: 'KAR', WELZ: 'ACT', BANK: 'NONE' }, HOURS: 10, NOTE: { text: 'Opmerking Utrecht' } });
  await addResponse(db, e2021, ['GM0308', 'GM0317'], { WEEK: 'yes', AWARE: 'SPEC', SUPPORT: ['MAP'], ROLES: { GEM: 'KAR', WELZ: 'KAR' }, HOURS: 4 });
  await addResponse(db, e2021, ['GM0307'], {
    WEEK: 'no',
    AWARE: 'ALL',
    SUPPORT: { options: ['MAP', 'OTHER'], other: 'Buurtapp' },
    SUPPORT_WHY: { text: 'Via de buurtapp van de gemeente' },
    ROLES: { GEM: 'ACT', WELZ: 'ACT', BANK: 'INF' },
    HOURS: 6,
  });
  await addResponse(db, e2021, ['GM0321'], { WEEK: 'yes', AWARE: 'dont_know', SUPPORT: ['WOR'], ROLES: { GEM: 'KAR' }, HOURS: 'dont_know' });
  await addResponse(db, e2021, ['GM0339'], { WEEK: 'yes', AWARE: 'NO', SUPPORT: ['NONE'], ROLES: { GEM: 'KAR', WELZ: 'INF', BANK: 'NONE' }, HOURS: 0 });
  await addResponse(db, e2021, ['GM0363'], {
    WEEK: 'yes',
    AWARE: 'ALL',
    SUPPORT: { options: ['MAP', 'WOR', 'OTHER'], other: 'Huisarts' },
    SUPPORT_WHY: { text: 'Geheim-tekst-R6' },
    ROLES: { GEM: 'KAR', WELZ: 'ACT', BANK: 'NONE' },
    HOURS: 25,
    NOTE: { text: 'Geheim Amsterdam' },
  });
  await addResponse(db, e2021, ['GM0358'], { WEEK: 'no' });
  await addResponse(db, e2021, ['GM0361'], { WEEK: 'yes', AWARE: 'ALL', SUPPORT: ['MAP'], ROLES: { GEM: 'NONE' }, HOURS: 999 }, 'in_progress');
  return { e2019, e2020, e2021 };
}

/** Texts of other municipalities that must never appear in what a municipality (or API key) sees. */
export const SECRET_TEXTS = ['Geheim Amsterdam', 'Huisarts', 'Buurtapp', 'Via de buurtapp', 'Geheim-tekst-R6', 'Opmerking Utrecht'];

export async function setEditionStatus(db: Db, e: Edition, status: string) {
  await db.update(benchmarkEditions).set({ status }).where(eq(benchmarkEditions.id, e.id));
}

export async function municipalityIds(db: Db, codes: string[]): Promise<Record<string, number>> {
  const rows = await db.select({ id: municipalities.id, code: municipalities.cbsCode }).from(municipalities).where(inArray(municipalities.cbsCode, codes));
  return Object.fromEntries(rows.map((r) => [r.code, r.id]));
}

/**
 * A second fixture, for the rules that keep restricted viewers (everyone but the programme
 * team) from working out a few municipalities' answers by subtraction, and for comparability
 * over several editions. Editions 2031–2034 of the small questionnaire; municipalities in
 * Groningen (PV20) G1–G6 = GM0014 Groningen, GM0037 Stadskanaal, GM0047 Veendam, GM0765 Pekela,
 * GM1895 Oldambt, GM1950 Westerwolde; Fryslân (PV21) F1–F5 = GM0059 Achtkarspelen, GM0060
 * Ameland, GM0072 Harlingen, GM0074 Heerenveen, GM0080 Leeuwarden; Drenthe (PV22) D1 = GM0106 Assen.
 *
 * 2031 (published), 7 submitted: G1–G6, D1
 *   WEEK  G1 yes G2 yes G3 yes G4 no G5 no G6 yes D1 yes        AWARE G1 ALL G2 ALL G3 SPEC G4 NO G5 ALL G6 PLAN D1 SPEC
 *   ROLES GEM: G1–G6 KAR, D1 ACT                                 HOURS G1 1 G2 2 G3 3 G4 4 G5 5 G6 6 D1 100
 * 2032 (published; AWARE marked "not comparable"), 8 submitted: G1–G6, F1, F2
 *   WEEK  G1–G6 yes, F1 no, F2 no                                AWARE G1–G6 ALL, F1 NO, F2 NO
 *   ROLES GEM KAR (all 8)                                        HOURS G1 10 G2 20 F1 30, the other five dont_know
 * 2033 (published), 11 submitted: G1–G6, F1–F5
 *   WEEK  G1–G4 yes, G5 no, G6 no, F1 yes, F2 yes, F3–F5 no      AWARE G1–G6 ALL, F1–F5 SPEC
 *   SUPPORT G1–G6 MAP, F1 WOR (F2–F5 skip it)
 *   ROLES G1–G6 {GEM KAR, WELZ ACT, BANK INF}; F1, F2 {GEM ACT, WELZ INF}; F3–F5 {GEM NONE}
 *   HOURS G1 2 G2 4 G3 6 G4 8 G5 10 G6 12 F1 100; F2–F5 dont_know
 * 2034 (open, not published), 6 submitted: G1–G5 WEEK yes, G6 WEEK no; G1 AWARE ALL, HOURS 7
 *
 * Panels: 2032×2031 = G1–G6 (6); 2033×2031 = G1–G6 (6); 2033×2032 = G1–G6, F1, F2 (8).
 */
export interface DifferencingFixture {
  e2031: Edition;
  e2032: Edition;
  e2033: Edition;
  e2034: Edition;
}

export const DIFF_CODES = {
  G: ['GM0014', 'GM0037', 'GM0047', 'GM0765', 'GM1895', 'GM1950'],
  F: ['GM0059', 'GM0060', 'GM0072', 'GM0074', 'GM0080'],
  D1: 'GM0106',
} as const;

export async function createDifferencingFixture(db: Db): Promise<DifferencingFixture> {
  const [G1, G2, G3, G4, G5, G6] = DIFF_CODES.G;
  const [F1, F2, F3, F4, F5] = DIFF_CODES.F;
  const D1 = DIFF_CODES.D1;
  const add = (e: Edition, code: string, answers: Parameters<typeof addResponse>[3]) => addResponse(db, e, [code], answers);

  const e2031 = await createSmallEdition(db, { year: 2031, status: 'published' });
  const y31: [string, string, string, number][] = [
    [G1, 'yes', 'ALL', 1],
    [G2, 'yes', 'ALL', 2],
    [G3, 'yes', 'SPEC', 3],
    [G4, 'no', 'NO', 4],
    [G5, 'no', 'ALL', 5],
    [G6, 'yes', 'PLAN', 6],
  ];
  for (const [c, week, aware, hours] of y31) await add(e2031, c, { WEEK: week, AWARE: aware, ROLES: { GEM: 'KAR' }, HOURS: hours });
  await add(e2031, D1, { WEEK: 'yes', AWARE: 'SPEC', ROLES: { GEM: 'ACT' }, HOURS: 100 });

  const d2032 = smallDefinition(2032);
  d2032.sections[0]!.questions.find((q) => q.code === 'AWARE')!.notComparable = true;
  const e2032 = await createSmallEdition(db, { year: 2032, status: 'published' }, d2032);
  const hours32: Record<string, number | string> = { [G1]: 10, [G2]: 20, [F1]: 30 };
  for (const c of [G1, G2, G3, G4, G5, G6]) await add(e2032, c, { WEEK: 'yes', AWARE: 'ALL', ROLES: { GEM: 'KAR' }, HOURS: hours32[c] ?? 'dont_know' });
  for (const c of [F1, F2]) await add(e2032, c, { WEEK: 'no', AWARE: 'NO', ROLES: { GEM: 'KAR' }, HOURS: hours32[c] ?? 'dont_know' });

  const e2033 = await createSmallEdition(db, { year: 2033, status: 'published' });
  const g33: [string, string, number][] = [
    [G1, 'yes', 2],
    [G2, 'yes', 4],
    [G3, 'yes', 6],
    [G4, 'yes', 8],
    [G5, 'no', 10],
    [G6, 'no', 12],
  ];
  for (const [c, week, hours] of g33) await add(e2033, c, { WEEK: week, AWARE: 'ALL', SUPPORT: ['MAP'], ROLES: { GEM: 'KAR', WELZ: 'ACT', BANK: 'INF' }, HOURS: hours });
  await add(e2033, F1, { WEEK: 'yes', AWARE: 'SPEC', SUPPORT: ['WOR'], ROLES: { GEM: 'ACT', WELZ: 'INF' }, HOURS: 100 });
  await add(e2033, F2, { WEEK: 'yes', AWARE: 'SPEC', ROLES: { GEM: 'ACT', WELZ: 'INF' }, HOURS: 'dont_know' });
  for (const c of [F3, F4, F5]) await add(e2033, c, { WEEK: 'no', AWARE: 'SPEC', ROLES: { GEM: 'NONE' }, HOURS: 'dont_know' });

  const e2034 = await createSmallEdition(db, { year: 2034, status: 'open' });
  await add(e2034, G1, { WEEK: 'yes', AWARE: 'ALL', HOURS: 7 });
  for (const c of [G2, G3, G4, G5]) await add(e2034, c, { WEEK: 'yes' });
  await add(e2034, G6, { WEEK: 'no' });
  return { e2031, e2032, e2033, e2034 };
}
