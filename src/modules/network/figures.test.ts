import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, desc, eq } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { createTestApp, createUser, seedReference, TestClient, type TestApp, signedIn } from '../../../test/helpers/app.js';
import { addParticipation, municipalityId } from '../../../test/helpers/registry.js';
import { auditLog } from '../../platform/db/schema.js';
import { amsterdamDate } from '../../platform/time.js';
import { organisations, participations } from '../registry/schema.js';
import { boardMatches, boardPosts } from '../matching/schema.js';
import {
  branchLinks,
  coalitionMembers,
  coalitions,
  coalitionStages,
  collaborations,
  collaborationStatuses,
  contactMoments,
  municipalityPhases,
  nationalMembers,
} from './schema.js';
import { parseFigureDates, programmeFigures, yearBefore } from './figures-service.js';

/**
 * Programme figures at a date: a small, fully known history is built here, and the figures are
 * asserted exactly at several dates, so every figure is shown to follow the dated rows (and to
 * ignore corrections = soft-deleted rows).
 */

let t: TestApp;
let adminId = 0;
const today = amsterdamDate(new Date());
const daysAgo = (n: number) => amsterdamDate(new Date(Date.now() - n * 86_400_000));
const lastMonth = daysAgo(30);
const twoMonthsAgo = daysAgo(61);

const client = (email: string) => signedIn(t.app, email);

beforeAll(async () => {
  t = await createTestApp();
  const db = t.db;
  await seedReference(db);
  const utrecht = await municipalityId(db, 'GM0344');
  const amsterdam = await municipalityId(db, 'GM0363');
  const rotterdam = await municipalityId(db, 'GM0599');

  // Participations: Utrecht 2019, Amsterdam mid-2021, Rotterdam stopped without a stop date (never counts), Zwolle interested (no date).
  await addParticipation(db, 'GM0344', 'active', '2019-01-10');
  await addParticipation(db, 'GM0363', 'signed', '2021-06-01');
  await addParticipation(db, 'GM0599', 'stopped', '2019-03-01');
  await addParticipation(db, 'GM0193', 'interested', null);
  // Den Haag took part from 2020-09-01 up to, not including, its stop date 2021-06-01.
  const denHaag = await addParticipation(db, 'GM0518', 'stopped', '2020-09-01');
  await db.update(participations).set({ stoppedOn: '2021-06-01' }).where(eq(participations.id, denHaag.id));

  const org = async (name: string, extra: Partial<typeof organisations.$inferInsert> = {}) =>
    (await db.insert(organisations).values({ name, kind: 'national_partner', ...extra }).returning())[0].id;
  const fundA = await org('Fonds A');
  const superB = await org('Supermarkt B', { kind: 'business' });
  const deletedOrg = await org('Verwijderde Organisatie', { deletedAt: new Date() });
  const orgD = await org('Organisatie D');
  const branchB = await org('Supermarkt B Utrecht', { kind: 'business', municipalityId: utrecht, parentOrganisationId: superB });
  const branchC = await org('Fonds A Utrecht', { kind: 'volunteer', municipalityId: utrecht });
  const welzijn = await org('Welzijn Utrecht', { kind: 'welfare', municipalityId: utrecht });
  const gemeente = await org('Gemeente Utrecht', { kind: 'municipality', municipalityId: utrecht });
  // Dated branch links: B is Supermarkt B's branch from 2021-03-01 (it joined the coalition before
  // that, as a local shop); C was Fonds A's branch in 2020 only; Welzijn as Fonds A's branch was a mistake.
  await db.insert(branchLinks).values([
    { organisationId: branchB, parentOrganisationId: superB, linkedOn: '2021-03-01' },
    { organisationId: branchC, parentOrganisationId: fundA, linkedOn: '2020-01-01', unlinkedOn: '2020-09-01' },
    { organisationId: welzijn, parentOrganisationId: fundA, linkedOn: '2019-01-01', deletedAt: new Date() },
  ]);

  await db.insert(nationalMembers).values([
    { organisationId: fundA, sector: 'care_welfare', declarationDate: '2019-05-01' },
    { organisationId: superB, sector: 'business', declarationDate: '2020-03-01', leftOn: '2022-06-30' },
    { organisationId: deletedOrg, sector: 'funds', declarationDate: '2019-01-01' },
    { organisationId: orgD, sector: 'media', declarationDate: '2019-01-01', deletedAt: new Date() },
  ]);

  const [cu] = await db.insert(coalitions).values({ name: 'Coalitie Utrecht', municipalityId: utrecht }).returning();
  const [ca] = await db.insert(coalitions).values({ name: 'Coalitie Amsterdam', municipalityId: amsterdam }).returning();
  const [cr] = await db.insert(coalitions).values({ name: 'Coalitie Rotterdam (fout)', municipalityId: rotterdam, deletedAt: new Date() }).returning();
  await db.insert(coalitionStages).values([
    { coalitionId: cu.id, stage: 'starting', fromDate: '2020-02-01' },
    { coalitionId: cu.id, stage: 'active', fromDate: '2023-03-01' },
    { coalitionId: cu.id, stage: 'very_active', fromDate: '2024-01-01', deletedAt: new Date() },
    { coalitionId: ca.id, stage: 'starting', fromDate: '2022-05-01' },
    { coalitionId: cr.id, stage: 'active', fromDate: '2019-01-01' },
  ]);
  await db.insert(coalitionMembers).values([
    { coalitionId: cu.id, organisationId: welzijn, role: 'kartrekker', sector: 'care_welfare', startDate: '2020-02-01', endDate: '2023-01-01' },
    { coalitionId: cu.id, organisationId: gemeente, role: 'kartrekker', sector: 'municipality', startDate: '2023-01-01' },
    { coalitionId: cu.id, organisationId: branchB, role: 'active', sector: 'business', startDate: '2021-01-01', endDate: '2022-01-01' },
    { coalitionId: cu.id, organisationId: branchC, role: 'active', sector: 'self_organisations', startDate: '2020-01-01' },
    { coalitionId: ca.id, organisationId: fundA, role: 'informed', sector: 'care_welfare', startDate: '2022-06-01' },
    // A correction: never counts.
    { coalitionId: ca.id, organisationId: welzijn, role: 'kartrekker', sector: 'care_welfare', startDate: '2019-01-01', deletedAt: new Date() },
  ]);

  const [c1] = await db.insert(collaborations).values({ title: 'Pilot boodschappenmaatje' }).returning();
  const [c2] = await db.insert(collaborations).values({ title: 'Project ontmoeting' }).returning();
  const [c3] = await db.insert(collaborations).values({ title: 'Fout ingevoerd', deletedAt: new Date() }).returning();
  await db.insert(collaborationStatuses).values([
    { collaborationId: c1.id, status: 'idea', fromDate: '2020-01-01' },
    { collaborationId: c1.id, status: 'pilot', fromDate: '2021-01-01' },
    { collaborationId: c1.id, status: 'ended', fromDate: '2023-01-01' },
    { collaborationId: c2.id, status: 'idea', fromDate: '2022-01-01' },
    { collaborationId: c2.id, status: 'project', fromDate: '2024-01-01' },
    // A corrected status row: never counts (2024-06-01 still shows the project running).
    { collaborationId: c2.id, status: 'ended', fromDate: '2024-03-01', deletedAt: new Date() },
    { collaborationId: c3.id, status: 'pilot', fromDate: '2020-01-01' },
  ]);

  const admin = await createUser(db, 'admin@test.example', [{ role: 'programme_admin' }]);
  adminId = admin.id;
  await createUser(db, 'coord@test.example', [{ role: 'municipality_coordinator', municipalityId: utrecht }]);
  await createUser(db, 'advisor@test.example', [{ role: 'advisor', municipalityId: utrecht }]);
  await createUser(db, 'partner@test.example', [{ role: 'partner', organisationId: fundA }]);
  await db.insert(contactMoments).values([
    { occurredOn: '2020-05-01', kind: 'visit', subject: 'Kennismaking', municipalityId: utrecht, durationMinutes: 120, advisory: true, createdBy: adminId },
    { occurredOn: '2021-05-01', kind: 'call', subject: 'Vervolg', municipalityId: utrecht, durationMinutes: 90, advisory: true, createdBy: adminId },
    { occurredOn: '2021-06-01', kind: 'event', subject: 'Bijeenkomst', municipalityId: utrecht, durationMinutes: 60, advisory: false, createdBy: adminId },
    { occurredOn: '2021-07-01', kind: 'call', subject: 'Dubbel', municipalityId: utrecht, durationMinutes: 600, advisory: true, createdBy: adminId, deletedAt: new Date() },
  ]);
  await db.insert(municipalityPhases).values([
    { municipalityId: utrecht, phase: 'guidance', fromDate: '2019-02-01' },
    { municipalityId: utrecht, phase: 'network', fromDate: '2022-09-01' },
    { municipalityId: amsterdam, phase: 'network', fromDate: '2023-01-01', deletedAt: new Date() },
  ]);
  const [post] = await db
    .insert(boardPosts)
    .values({ kind: 'offer', title: 'Vrijwilligers gezocht', description: 'Wij bieden hulp.', validUntil: today, organisationId: fundA, postedBy: adminId })
    .returning();
  await db.insert(boardMatches).values([
    { postId: post.id, partnerOrganisationId: welzijn, madeOn: lastMonth, createdBy: adminId },
    { postId: post.id, partnerOrganisationId: gemeente, madeOn: '2021-01-01', createdBy: adminId, deletedAt: new Date() },
  ]);
});
afterAll(async () => t.close());

describe('programmeFigures: the figures follow the dated history', () => {
  it('before anything happened, everything is zero', async () => {
    const f = await programmeFigures(t.db, '2018-06-01');
    expect(f).toMatchObject({
      participatingMunicipalities: 0,
      nationalMembers: { total: 0 },
      coalitions: { total: 0, withKartrekker: 0 },
      nationalMembersInCoalitions: 0,
      collaborations: { total: 0, running: 0 },
      advisory: { minutes: 0, hours: 0 },
      municipalitiesInNetworkPhase: 0,
      boardMatches: 0,
    });
    // Every code of the lists is present, also with zero.
    expect(Object.keys(f.nationalMembers.bySector)).toHaveLength(10);
    expect(f.coalitions.byStage).toEqual({ none: 0, starting: 0, active: 0, very_active: 0 });
  });

  it('on 2020-06-01: Utrecht only, two members, one starting coalition with its kartrekker, Fonds A present through its branch, two advisory hours', async () => {
    const f = await programmeFigures(t.db, '2020-06-01');
    expect(f.participatingMunicipalities).toBe(1);
    expect(f.nationalMembers.total).toBe(2);
    expect(f.nationalMembers.bySector).toMatchObject({ care_welfare: 1, business: 1, funds: 0, media: 0 });
    expect(f.coalitions).toMatchObject({ total: 1, withKartrekker: 1, byStage: { starting: 1, active: 0 } });
    expect(f.nationalMembersInCoalitions).toBe(1);
    expect(f.collaborations).toMatchObject({ total: 1, running: 1, byStatus: { idea: 1, pilot: 0 } });
    expect(f.advisory).toEqual({ minutes: 120, hours: 2 });
    expect(f.municipalitiesInNetworkPhase).toBe(0);
    expect(f.boardMatches).toBe(0);
  });

  it('a stopped municipality counts from signing up to, not including, its stop date', async () => {
    expect((await programmeFigures(t.db, '2020-08-31')).participatingMunicipalities).toBe(1);
    expect((await programmeFigures(t.db, '2020-09-01')).participatingMunicipalities).toBe(2); // Den Haag signed
    expect((await programmeFigures(t.db, '2021-05-31')).participatingMunicipalities).toBe(2);
    // 2021-06-01: Den Haag stopped that day and Amsterdam signed that day.
    expect((await programmeFigures(t.db, '2021-06-01')).participatingMunicipalities).toBe(2);
    // Today: Utrecht and Amsterdam; Rotterdam stopped without a stop date and never counts.
    expect((await programmeFigures(t.db, today)).participatingMunicipalities).toBe(2);
    expect((await programmeFigures(t.db, '2019-06-01')).participatingMunicipalities).toBe(1);
  });

  it('a branch counts for its national member only while the branch link held', async () => {
    // Fonds A through branch C: linked 2020-01-01, ended 2020-09-01 (exclusive) while C stayed a coalition member.
    expect((await programmeFigures(t.db, '2020-08-31')).nationalMembersInCoalitions).toBe(1);
    expect((await programmeFigures(t.db, '2020-09-01')).nationalMembersInCoalitions).toBe(0);
    // Branch B was a coalition member from 2021-01-01 but Supermarkt B's branch only from 2021-03-01.
    expect((await programmeFigures(t.db, '2021-02-28')).nationalMembersInCoalitions).toBe(0);
    expect((await programmeFigures(t.db, '2021-03-01')).nationalMembersInCoalitions).toBe(1);
    // The corrected link (Welzijn as a branch of Fonds A) never counts, although Welzijn was a member then.
    expect((await programmeFigures(t.db, '2020-10-01')).nationalMembersInCoalitions).toBe(0);
  });

  it('on 2021-06-01: Amsterdam signed that day, the supermarket is present through its local branch', async () => {
    const f = await programmeFigures(t.db, '2021-06-01');
    expect(f.participatingMunicipalities).toBe(2);
    expect(f.nationalMembersInCoalitions).toBe(1);
    expect(f.collaborations.byStatus).toMatchObject({ idea: 0, pilot: 1 });
    expect(f.advisory.hours).toBe(3.5);
  });

  it('on 2022-03-01: the branch has left the coalition (end date is exclusive), no national member present', async () => {
    const f = await programmeFigures(t.db, '2022-03-01');
    expect(f.nationalMembersInCoalitions).toBe(0);
    expect(f.nationalMembers.total).toBe(2);
    expect(f.collaborations).toMatchObject({ total: 2, running: 2, byStatus: { idea: 1, pilot: 1 } });
  });

  it('on 2022-07-01: the supermarket left the National Coalition on 30 June; Fonds A sits in Amsterdam coalition', async () => {
    const f = await programmeFigures(t.db, '2022-07-01');
    expect(f.nationalMembers.total).toBe(1);
    expect(f.nationalMembers.bySector).toMatchObject({ care_welfare: 1, business: 0 });
    expect(f.nationalMembersInCoalitions).toBe(1);
    expect(f.coalitions).toMatchObject({ total: 2, byStage: { starting: 2 } });
    expect(f.municipalitiesInNetworkPhase).toBe(0);
  });

  it('on 2023-01-01: kartrekker handed over that day (still one coalition with a kartrekker), collaboration ended', async () => {
    const f = await programmeFigures(t.db, '2023-01-01');
    expect(f.coalitions.withKartrekker).toBe(1);
    expect(f.collaborations).toMatchObject({ total: 2, running: 1, byStatus: { ended: 1, idea: 1 } });
    expect(f.municipalitiesInNetworkPhase).toBe(1); // Amsterdam's network phase was a correction
  });

  it('on 2024-06-01: Utrecht active (the deleted "very active" row is ignored), project running (the corrected "ended" row is ignored)', async () => {
    const f = await programmeFigures(t.db, '2024-06-01');
    expect(f.coalitions.byStage).toEqual({ none: 0, starting: 1, active: 1, very_active: 0 });
    expect(f.collaborations.byStatus).toEqual({ idea: 0, pilot: 0, project: 1, ended: 1 });
  });

  it('the match made last month counts today, not two months ago', async () => {
    expect((await programmeFigures(t.db, today)).boardMatches).toBe(1);
    expect((await programmeFigures(t.db, lastMonth)).boardMatches).toBe(1);
    expect((await programmeFigures(t.db, twoMonthsAgo)).boardMatches).toBe(0);
  });

  it('counts a coalition in the stage "Geen coalitie" in the breakdown by stage, not as a local coalition', async () => {
    const zwolle = await municipalityId(t.db, 'GM0193');
    const [cz] = await t.db.insert(coalitions).values({ name: 'Zwolle (nog geen coalitie)', municipalityId: zwolle }).returning();
    await t.db.insert(coalitionStages).values({ coalitionId: cz.id, stage: 'none', fromDate: '2024-03-01' });
    const f = await programmeFigures(t.db, '2024-06-01');
    expect(f.coalitions.byStage).toEqual({ none: 1, starting: 1, active: 1, very_active: 0 });
    expect(f.coalitions.total).toBe(2);
    expect((await programmeFigures(t.db, '2024-02-01')).coalitions.total).toBe(2);
    const c = await client('admin@test.example');
    const page = await c.get('/programmacijfers?datum=2024-06-01&vergelijk=');
    expect(page.body).toMatch(/Lokale coalities in opstart, actief of zeer actief<\/th><td[^>]*>2<\/td>/);
    expect(page.body).toMatch(/Geen coalitie<\/th><td[^>]*>1<\/td>/);
    expect(page.body).toContain('de fase &quot;Geen coalitie&quot; staat wel in de tabel per fase');
    expect(page.body).toMatch(/Totaal, ook &quot;Geen coalitie&quot;<\/th><td[^>]*>3<\/td>/);
  });
});

describe('dates of the page', () => {
  it('defaults to today and a year earlier; an empty comparison means none', () => {
    expect(parseFigureDates({}, '2026-03-15')).toEqual({ ok: true, date: '2026-03-15', compare: '2025-03-15' });
    expect(parseFigureDates({ datum: '30-06-2024', vergelijk: '' }, '2026-03-15')).toEqual({ ok: true, date: '2024-06-30', compare: null });
    expect(parseFigureDates({ datum: '2018-05-01' }, '2026-03-15')).toEqual({ ok: true, date: '2018-05-01', compare: null });
    expect(yearBefore('2024-02-29')).toBe('2023-02-28');
  });

  it('refuses a future date, a date before 2018 and nonsense, per field', () => {
    const r = parseFigureDates({ datum: '2026-03-16', vergelijk: '2017-12-31' }, '2026-03-15');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors.datum).toMatch(/toekomst/);
      expect(r.errors.vergelijk).toMatch(/2018/);
    }
    const bad = parseFigureDates({ datum: '2025-02-30' }, '2026-03-15');
    expect(bad.ok).toBe(false);
  });
});

describe('GET /programmacijfers', () => {
  it('shows the figures at a past date with the comparison and the difference', async () => {
    const c = await client('admin@test.example');
    const res = await c.get('/programmacijfers?datum=2022-07-01&vergelijk=2020-06-01');
    expect(res.statusCode).toBe(200);
    expect(res.body.match(/<h1/g)).toHaveLength(1);
    expect(res.body).toContain('Stand op 1 juli 2022, vergeleken met 1 juni 2020');
    // Participating municipalities: 2 vs 1, difference +1 (a row of the key figures table).
    expect(res.body).toMatch(/Deelnemende gemeenten[^<]*<\/th><td[^>]*>2<\/td><td[^>]*>1<\/td><td[^>]*>\+1<\/td>/);
    // National members: 1 vs 2 → −1.
    expect(res.body).toMatch(/Leden van de Nationale Coalitie tegen Eenzaamheid<\/th><td[^>]*>1<\/td><td[^>]*>2<\/td><td[^>]*>−1<\/td>/);
    // Every chart has a title and a description, and a table beside it.
    expect(res.body.match(/<svg/g)).toHaveLength(3);
    expect(res.body).toContain('<title id="grafiek-coalities-per-fase-title">');
    expect(res.body).toContain('Lokale coalities per fase: aantallen');
    expect(res.body).toContain('telt mee tot de datum waarop zij stopte');
    expect(res.body).not.toMatch(/style=/);
    expect(res.body).not.toMatch(/undefined|NaN|\[object/);
  });

  it('defaults to today compared with a year earlier', async () => {
    const c = await client('admin@test.example');
    const res = await c.get('/programmacijfers');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(`value="${today}"`);
    expect(res.body).toContain(`value="${yearBefore(today)}"`);
  });

  it('refuses a future date with 422 and the message at the field and in the summary', async () => {
    const c = await client('admin@test.example');
    const future = amsterdamDate(new Date(Date.now() + 3 * 86_400_000));
    const res = await c.get(`/programmacijfers?datum=${future}`);
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('href="#veld-datum"');
    expect(res.body).toContain('ligt in de toekomst');
    expect(res.body).toContain(`value="${future}"`);
    expect((await c.get('/programmacijfers?datum=2017-12-31')).statusCode).toBe(422);
    expect((await c.get(`/programmacijfers/export?datum=${future}`)).statusCode).toBe(422);
  });

  it('is for the programme team only: others get 403, anonymous users go to the login', async () => {
    for (const email of ['coord@test.example', 'advisor@test.example', 'partner@test.example']) {
      const c = await client(email);
      expect((await c.get('/programmacijfers')).statusCode).toBe(403);
      expect((await c.get('/programmacijfers/export?formaat=csv')).statusCode).toBe(403);
    }
    const anon = new TestClient(t.app);
    const res = await anon.get('/programmacijfers');
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toMatch(/^\/inloggen/);
  });
});

describe('export of the programme figures', () => {
  it('CSV: one row per figure with the dates in the header, audit-logged', async () => {
    const c = await client('admin@test.example');
    const res = await c.get('/programmacijfers/export?datum=2022-07-01&vergelijk=2020-06-01&formaat=csv');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toContain('programmacijfers-2022-07-01-vergeleken-2020-06-01.csv');
    const lines = res.body.replace(/^\uFEFF/, '').trim().split(/\r?\n/);
    expect(lines[0]).toBe('figure,code,label,value_2022-07-01,value_2020-06-01,difference');
    expect(lines).toContain('kerncijfers,participating_municipalities,Deelnemende gemeenten (vijf pijlers ondertekend),2,1,1');
    expect(lines).toContain('adviesuren,advisory_hours,Adviesuren gebruikt (tot en met de datum),3.5,2,1.5');
    expect(lines).toContain('coalities-per-fase,starting,In opstart,2,1,1');
    const [entry] = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'export'), eq(auditLog.entity, 'programme_figures')))
      .orderBy(desc(auditLog.id))
      .limit(1);
    expect(entry.details).toMatchObject({ format: 'csv', date: '2022-07-01', compare: '2020-06-01' });
    const semi = await c.get('/programmacijfers/export?datum=2022-07-01&vergelijk=2020-06-01&formaat=csv&scheidingsteken=puntkomma');
    expect(semi.body).toContain('adviesuren;advisory_hours;Adviesuren gebruikt (tot en met de datum);3,5;2;1,5');
  });

  it('XLSX: one sheet per figure with the date in its header, and the notes', async () => {
    const c = await client('admin@test.example');
    const res = await c.get('/programmacijfers/export?datum=2022-07-01&vergelijk=&formaat=xlsx');
    expect(res.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual([
      'Kerncijfers',
      'Adviesuren',
      'Nationale Coalitie per sector',
      'Coalities per fase',
      'Samenwerkingen per status',
      'Toelichting',
    ]);
    const ws = wb.getWorksheet('Kerncijfers')!;
    expect(String(ws.getRow(1).getCell(1).value)).toContain('op 1 juli 2022');
    expect(ws.getRow(2).getCell(2).value).toBe('Op 1 juli 2022');
    expect(ws.getRow(3).getCell(2).value).toBe(2);
  });
});
