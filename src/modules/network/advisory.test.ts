import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import { createTestApp, createUser, seedReference, type TestApp, signedIn, dayOffset } from '../../../test/helpers/app.js';
import { municipalityId } from '../../../test/helpers/registry.js';
import { auditLog, userRoles } from '../../platform/db/schema.js';
import { amsterdamDate } from '../../platform/time.js';
import { advisoryBudgets, contactMoments, municipalityPhases } from './schema.js';
import { formatHours, hoursOf, leftText } from './advisory-service.js';

let t: TestApp;
const ids: Record<string, number> = {};
const today = amsterdamDate(new Date());
const shift = (n: number) => dayOffset(today, n);

const client = (email: string) => signedIn(t.app, email);
const lastAudit = async (entity: string) => (await t.db.select().from(auditLog).where(eq(auditLog.entity, entity)).orderBy(desc(auditLog.id)).limit(1))[0];
const phases = (m: number) => t.db.select().from(municipalityPhases).where(and(eq(municipalityPhases.municipalityId, m), isNull(municipalityPhases.deletedAt))).orderBy(municipalityPhases.id);
const h1Count = (html: string) => (html.match(/<h1/g) ?? []).length;

/** A contact moment as the form sends it. */
const moment = (over: Record<string, string | string[]> = {}) => ({
  occurredOn: shift(-3),
  kind: 'meeting',
  subject: 'Kennismakingsgesprek',
  municipalityId: String(ids.groningen),
  duration: '60',
  advisory: 'ja',
  notes: 'Vertrouwelijke notitie over de wethouder',
  ...over,
});

beforeAll(async () => {
  t = await createTestApp();
  await seedReference(t.db);
  ids.groningen = await municipalityId(t.db, 'GM0014');
  ids.utrecht = await municipalityId(t.db, 'GM0344');
  ids.admin = (await createUser(t.db, 'admin@test.example', [{ role: 'programme_admin' }], 'Beheerder Programma')).id;
  ids.advisorA = (await createUser(t.db, 'adviseur.a@test.example', [{ role: 'advisor', municipalityId: ids.groningen }], 'Adviseur Anna')).id;
  ids.advisorB = (await createUser(t.db, 'adviseur.b@test.example', [{ role: 'advisor', municipalityId: ids.utrecht }], 'Adviseur Bas')).id;
  await createUser(t.db, 'coord.groningen@test.example', [{ role: 'municipality_coordinator', municipalityId: ids.groningen }]);
  await createUser(t.db, 'partner@test.example', []);
});
afterAll(async () => t.close());

describe('hours arithmetic', () => {
  it('subtracts minutes from the budget exactly and spells out an overrun', () => {
    expect(hoursOf(null, 90 + 120 + 45)).toMatchObject({ budgetHours: 64, defaultBudget: true, usedHours: 4.25, leftHours: 59.75, status: 'available' });
    expect(formatHours(59.75)).toBe('59,75 uur');
    expect(hoursOf('2', 330)).toMatchObject({ leftHours: -3.5, status: 'overrun' });
    expect(leftText(hoursOf('2', 330))).toBe('Budget overschreden met 3,5 uur');
    expect(hoursOf('10', 600).status).toBe('used_up');
    expect(hoursOf(null, (64 - 8) * 60).status).toBe('near_end');
    expect(hoursOf(null, (64 - 8.25) * 60).status).toBe('available');
  });
});

describe('done when: an advisor logs three contact moments and sees the hours left; the programme team moves the municipality to the network phase', () => {
  it('shows 64 − 1,5 − 2 − 0,75 = 59,75 hours left to the advisor', async () => {
    const a = await client('adviseur.a@test.example');
    for (const [subject, duration] of [
      ['Kennismakingsgesprek met de wethouder', '1:30'],
      ['Coalitiebijeenkomst', '120'],
      ['Telefonisch overleg', '45'],
    ]) {
      const res = await a.post('/contactmomenten/nieuw', moment({ subject, duration }));
      expect(res.statusCode, subject).toBe(303);
    }
    const [{ m }] = await t.db
      .select({ m: sql<number>`sum(duration_minutes)::int` })
      .from(contactMoments)
      .where(and(eq(contactMoments.municipalityId, ids.groningen), eq(contactMoments.advisory, true)));
    expect(m).toBe(255);
    const page = await a.get('/advies/GM0014');
    expect(page.statusCode).toBe(200);
    expect(h1Count(page.body)).toBe(1);
    expect(page.body).toContain('64 uur (standaardbudget)');
    expect(page.body).toContain('4,25 uur');
    expect(page.body).toContain('59,75 uur');
    expect(page.body).toContain('Begeleidingsfase');
    // Advisors see the recent contact moments; they cannot change budget or phase.
    expect(page.body).toContain('Kennismakingsgesprek met de wethouder');
    expect(page.body).not.toContain('Fase vastleggen');
    const overview = await a.get('/advies');
    expect(overview.body).toContain('Groningen');
    expect(overview.body).toContain('59,75 uur');
    expect(overview.body).not.toContain('Utrecht');
  });

  it('lets the programme team move the municipality to the network phase; the history shows guidance, then network', async () => {
    const admin = await client('admin@test.example');
    const res = await admin.post('/advies/GM0014/fase', { phase: 'network', phaseFrom: today, accountManagerId: String(ids.advisorA), phaseNote: 'Adviesuren bijna op' });
    expect(res.statusCode).toBe(303);
    const rows = await phases(ids.groningen);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ phase: 'network', fromDate: today, accountManagerId: ids.advisorA, createdBy: ids.admin });
    expect((await lastAudit('municipality_phase')).action).toBe('transition');
    const page = await admin.get('/advies/GM0014');
    expect(page.body).toContain('De fase van Groningen is vastgelegd');
    expect(page.body).toMatch(/Netwerkfase sinds/);
    expect(page.body).toContain('Adviseur Anna');
    const history = page.body.slice(page.body.indexOf('Fasegeschiedenis'));
    // Newest first: the network phase above the guidance phase the municipality started in.
    expect(history.indexOf('Netwerkfase')).toBeGreaterThan(-1);
    expect(history.indexOf('Netwerkfase')).toBeLessThan(history.indexOf('Vanaf de start'));
    const api = await admin.get('/api/v1/municipalities/GM0014/advisory');
    expect(api.statusCode).toBe(200);
    expect(api.json().data).toMatchObject({ phase: 'network', phaseFrom: today, accountManager: 'Adviseur Anna', leftHours: 59.75, usedHours: 4.25, history: [{ phase: 'network', fromDate: today }] });
  });

  it('refuses a phase change in the future, without an account manager, or to the phase it is already in (422, nothing saved)', async () => {
    const admin = await client('admin@test.example');
    const before = (await phases(ids.groningen)).length;
    const future = await admin.post('/advies/GM0014/fase', { phase: 'guidance', phaseFrom: shift(5) });
    expect(future.statusCode).toBe(422);
    expect(future.body).toContain('kan niet in de toekomst liggen');
    expect(future.body).toContain('href="#veld-phaseFrom"');
    const same = await admin.post('/advies/GM0014/fase', { phase: 'network', phaseFrom: today, accountManagerId: String(ids.advisorA) });
    expect(same.statusCode).toBe(422);
    expect(same.body).toContain('al in de netwerkfase met deze accounthouder');
    const none = await admin.post('/advies/GM0344/fase', { phase: 'network', phaseFrom: today, accountManagerId: '' });
    expect(none.statusCode).toBe(422);
    expect(none.body).toContain('Kies de accounthouder voor de netwerkfase.');
    const guidance = await admin.post('/advies/GM0344/fase', { phase: 'guidance', phaseFrom: today });
    expect(guidance.statusCode).toBe(422);
    expect(guidance.body).toContain('al in de begeleidingsfase');
    const stranger = await admin.post('/advies/GM0344/fase', { phase: 'network', phaseFrom: today, accountManagerId: String(999999) });
    expect(stranger.statusCode).toBe(422);
    expect(stranger.body).toContain('Kies een accounthouder uit de lijst');
    expect((await phases(ids.groningen)).length).toBe(before);
    expect(await phases(ids.utrecht)).toHaveLength(0);
  });

  it('can go back to the guidance phase and correct a phase recorded by mistake (soft delete, audit-logged)', async () => {
    const admin = await client('admin@test.example');
    expect((await admin.post('/advies/GM0344/fase', { phase: 'network', phaseFrom: shift(-10), accountManagerId: String(ids.admin) })).statusCode).toBe(303);
    expect((await admin.post('/advies/GM0344/fase', { phase: 'guidance', phaseFrom: shift(-2), phaseNote: 'Toch nog begeleiding nodig' })).statusCode).toBe(303);
    const before = await phases(ids.utrecht);
    expect(before.map((r) => r.phase)).toEqual(['network', 'guidance']);
    const earlier = await admin.post('/advies/GM0344/fase', { phase: 'network', phaseFrom: shift(-20), accountManagerId: String(ids.admin) });
    expect(earlier.statusCode).toBe(422);
    expect(earlier.body).toContain(`Kies een datum op of na ${shift(-2)}`);
    const confirm = await admin.get(`/advies/GM0344/fase/${before[1].id}/verwijderen`);
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body).toContain('Fase verwijderen');
    expect((await admin.post(`/advies/GM0344/fase/${before[1].id}/verwijderen`)).statusCode).toBe(303);
    expect((await phases(ids.utrecht)).map((r) => r.phase)).toEqual(['network']);
    expect((await lastAudit('municipality_phase')).action).toBe('delete');
    // Clean up for the other tests: back to guidance by correcting the network row too.
    await admin.post(`/advies/GM0344/fase/${before[0].id}/verwijderen`);
    expect(await phases(ids.utrecht)).toHaveLength(0);
    // Another municipality's phase id is "not found".
    expect((await admin.post(`/advies/GM0014/fase/${before[0].id}/verwijderen`)).statusCode).toBe(404);
  });
});

describe('budget', () => {
  it('refuses a negative or malformed budget with a message at the field (422, nothing saved)', async () => {
    const admin = await client('admin@test.example');
    for (const [value, msg] of [
      ['-5', 'Het budget kan niet negatief zijn'],
      ['veel', 'Vul een getal in'],
      ['', 'Vul het aantal adviesuren in.'],
      ['12,345', 'hoogstens twee cijfers achter de komma'],
    ]) {
      const res = await admin.post('/advies/GM0344/budget', { budgetHours: value });
      expect(res.statusCode, value).toBe(422);
      expect(res.body).toContain(msg);
      expect(res.body).toContain('id="veld-budgetHours-error"');
      if (value) expect(res.body).toContain(`value="${value}"`);
    }
    expect(await t.db.select().from(advisoryBudgets)).toHaveLength(0);
  });

  it('shows a budget overrun clearly, and prompts the programme team to move the municipality to the network phase', async () => {
    const admin = await client('admin@test.example');
    expect((await admin.post('/advies/GM0344/budget', { budgetHours: '2' })).statusCode).toBe(303);
    expect((await t.db.select().from(advisoryBudgets).where(eq(advisoryBudgets.municipalityId, ids.utrecht)))[0].hours).toBe('2.00');
    expect((await lastAudit('advisory_budget')).details).toMatchObject({ hours: 2, previous: 64, previousWasDefault: true });
    const b = await client('adviseur.b@test.example');
    expect((await b.post('/contactmomenten/nieuw', moment({ municipalityId: String(ids.utrecht), duration: '5:30', subject: 'Masterclass' }))).statusCode).toBe(303);
    const page = await admin.get('/advies/GM0344');
    expect(page.body).toContain('Budget overschreden met 3,5 uur');
    expect(page.body).toContain('Overschreden');
    expect(page.body).toContain('Utrecht is nog in de begeleidingsfase');
    expect(page.body).toContain('href="#fase-wijzigen"');
    // The advisor sees the overrun too, and who acts on it.
    const own = await b.get('/advies/GM0344');
    expect(own.body).toContain('Budget overschreden met 3,5 uur');
    expect(own.body).toContain('Het programmateam zet de gemeente over naar de netwerkfase');
    const overview = await admin.get('/advies?status=overrun');
    expect(overview.body).toContain('Utrecht');
    expect(overview.body).not.toContain('>Groningen<');
    const api = await b.get('/api/v1/municipalities/GM0344/advisory');
    expect(api.json().data).toMatchObject({ budgetHours: 2, usedHours: 5.5, leftHours: -3.5, status: 'overrun', phase: 'guidance' });
  });

  it('accepts a decimal comma', async () => {
    const admin = await client('admin@test.example');
    expect((await admin.post('/advies/GM0344/budget', { budgetHours: '70,5' })).statusCode).toBe(303);
    expect((await t.db.select().from(advisoryBudgets).where(eq(advisoryBudgets.municipalityId, ids.utrecht)))[0].hours).toBe('70.50');
    expect((await admin.get('/advies/GM0344')).body).toContain('65 uur'); // 70,5 − 5,5
  });
});

describe('access', () => {
  it('lets a coordinator read the hours and phase of their own municipality, but not the CRM notes', async () => {
    const c = await client('coord.groningen@test.example');
    const page = await c.get('/advies/GM0014');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('59,75 uur');
    expect(page.body).toContain('Netwerkfase');
    expect(page.body).not.toContain('Vertrouwelijke notitie');
    expect(page.body).not.toContain('Kennismakingsgesprek met de wethouder');
    expect(page.body).not.toContain('Recente contactmomenten');
    expect((await c.get('/contactmomenten/gemeente/GM0014')).statusCode).toBe(403);
    const [cm] = await t.db.select().from(contactMoments).where(eq(contactMoments.municipalityId, ids.groningen)).limit(1);
    expect((await c.get(`/contactmomenten/${cm.id}`)).statusCode).toBe(403);
    expect((await c.get('/api/v1/municipalities/GM0014/advisory')).json().data.usedHours).toBe(4.25);
    expect((await c.get('/api/v1/municipalities/GM0344/advisory')).statusCode).toBe(404);
    expect((await c.get('/advies/GM0344')).statusCode).toBe(404);
  });

  it('answers 404 to an advisor for a municipality not assigned, and 403 for changes; nothing changes', async () => {
    const a = await client('adviseur.a@test.example');
    expect((await a.get('/advies/GM0344')).statusCode).toBe(404);
    expect((await a.get('/advies/GM9999')).statusCode).toBe(404);
    expect((await a.get('/api/v1/municipalities/GM0344/advisory')).statusCode).toBe(404);
    const budget = await a.post('/advies/GM0014/budget', { budgetHours: '500' });
    expect(budget.statusCode).toBe(403);
    expect(await t.db.select().from(advisoryBudgets).where(eq(advisoryBudgets.municipalityId, ids.groningen))).toHaveLength(0);
    expect((await a.post('/advies/GM0344/budget', { budgetHours: '500' })).statusCode).toBe(404);
    expect((await a.post('/advies/GM0014/adviseurs', { advisorUserId: String(ids.advisorA) })).statusCode).toBe(403);
    const partner = await client('partner@test.example');
    expect((await partner.get('/advies')).statusCode).toBe(403);
  });

  it('lets the programme team assign and unassign an advisor (user_roles, audit-logged); the assignment gives access', async () => {
    const admin = await client('admin@test.example');
    const b = await client('adviseur.b@test.example');
    expect((await b.get('/advies/GM0014')).statusCode).toBe(404);
    const res = await admin.post('/advies/GM0014/adviseurs', { advisorUserId: String(ids.advisorB) });
    expect(res.statusCode).toBe(303);
    const [grant] = await t.db.select().from(userRoles).where(and(eq(userRoles.userId, ids.advisorB), eq(userRoles.municipalityId, ids.groningen)));
    expect(grant.role).toBe('advisor');
    expect((await lastAudit('user')).action).toBe('role_change');
    expect((await b.get('/advies/GM0014')).statusCode).toBe(200);
    const twice = await admin.post('/advies/GM0014/adviseurs', { advisorUserId: String(ids.advisorB) });
    expect(twice.statusCode).toBe(422);
    expect(twice.body).toContain('heeft deze rol al');
    expect((await admin.post('/advies/GM0014/adviseurs', { advisorUserId: 'x' })).statusCode).toBe(422);
    expect((await admin.post(`/advies/GM0344/adviseurs/${grant.id}/intrekken`)).statusCode).toBe(404);
    expect((await admin.post(`/advies/GM0014/adviseurs/${grant.id}/intrekken`)).statusCode).toBe(303);
    expect(await t.db.select().from(userRoles).where(eq(userRoles.id, grant.id))).toHaveLength(0);
    expect((await b.get('/advies/GM0014')).statusCode).toBe(404);
  });
});

describe('overview for the programme team', () => {
  it('lists every municipality in the programme with its advisors and phase, the hours per advisor, and exports (audit-logged)', async () => {
    const admin = await client('admin@test.example');
    const page = await admin.get('/advies');
    expect(page.statusCode).toBe(200);
    expect(h1Count(page.body)).toBe(1);
    expect(page.body).toContain('Groningen');
    expect(page.body).toContain('Utrecht');
    expect(page.body).toContain('Adviesuren per adviseur');
    expect(page.body).toMatch(/Adviseur Anna[\s\S]*?4,25 uur/);
    const network = await admin.get('/advies?fase=network');
    expect(network.body).toContain('Groningen');
    expect(network.body).not.toContain('>Utrecht<');
    const csv = await admin.get('/advies/export?formaat=csv');
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body).toContain('cbs_code,municipality,province,advisors,phase');
    expect(csv.body).toMatch(/GM0014,Groningen,.*,network,Netwerkfase/);
    expect((await lastAudit('advisory_hours')).action).toBe('export');
    const perAdvisor = await admin.get('/advies/export?tabel=adviseurs&formaat=xlsx');
    expect(perAdvisor.statusCode).toBe(200);
    expect(perAdvisor.headers['content-type']).toContain('spreadsheetml');
    const a = await client('adviseur.a@test.example');
    expect((await a.get('/advies/export?tabel=adviseurs')).statusCode).toBe(403);
    const own = await a.get('/advies/export');
    expect(own.body).toContain('GM0014');
    expect(own.body).not.toContain('GM0344');
  });
});
