import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desc, eq } from 'drizzle-orm';
import { createTestApp, createUser, seedReference, type TestApp, signedIn, dayOffset } from '../../../test/helpers/app.js';
import { municipalityId } from '../../../test/helpers/registry.js';
import { auditLog } from '../../platform/db/schema.js';
import { amsterdamDate } from '../../platform/time.js';
import { contactMoments, networkTasks } from './schema.js';

let t: TestApp;
const ids: Record<string, number> = {};
const today = amsterdamDate(new Date());
const shift = (n: number) => dayOffset(today, n);

const client = (email: string) => signedIn(t.app, email);
const task = async (id: number) => (await t.db.select().from(networkTasks).where(eq(networkTasks.id, id)))[0];
/** The rows of the task table, in page order. */
const taskTitles = (html: string) => [...html.matchAll(/<tr class="utrecht-table__row"><td class="utrecht-table__cell">([^<]+)<\/td>/g)].map((m) => m[1]);

beforeAll(async () => {
  t = await createTestApp();
  await seedReference(t.db);
  ids.groningen = await municipalityId(t.db, 'GM0014');
  ids.utrecht = await municipalityId(t.db, 'GM0344');
  ids.admin = (await createUser(t.db, 'admin@test.example', [{ role: 'programme_admin' }], 'Beheerder')).id;
  ids.advisorA = (await createUser(t.db, 'adviseur.a@test.example', [{ role: 'advisor', municipalityId: ids.groningen }], 'Adviseur Anna')).id;
  ids.advisorB = (await createUser(t.db, 'adviseur.b@test.example', [{ role: 'advisor', municipalityId: ids.utrecht }], 'Adviseur Bas')).id;
  await createUser(t.db, 'coord@test.example', [{ role: 'municipality_coordinator', municipalityId: ids.groningen }]);
  const [mA] = await t.db
    .insert(contactMoments)
    .values({ occurredOn: shift(-10), kind: 'meeting', subject: 'Coalitiebijeenkomst Groningen', municipalityId: ids.groningen, durationMinutes: 90, advisory: true, advisorId: ids.advisorA, createdBy: ids.advisorA })
    .returning();
  const [mB] = await t.db
    .insert(contactMoments)
    .values({ occurredOn: shift(-5), kind: 'call', subject: 'Telefoontje Utrecht', municipalityId: ids.utrecht, durationMinutes: 20, createdBy: ids.advisorB })
    .returning();
  const add = async (title: string, dueDate: string, assigneeId: number, momentId: number, municipality: number, extra: Partial<typeof networkTasks.$inferInsert> = {}) =>
    (await t.db.insert(networkTasks).values({ title, dueDate, assigneeId, contactMomentId: momentId, municipalityId: municipality, createdBy: ids.admin, ...extra }).returning())[0].id;
  ids.later = await add('Verslag sturen', shift(10), ids.advisorA, mA.id, ids.groningen);
  ids.overdue = await add('Kartrekker terugbellen', shift(-3), ids.advisorA, mA.id, ids.groningen);
  ids.todayTask = await add('Uitnodiging versturen', today, ids.advisorA, mA.id, ids.groningen);
  ids.done = await add('Agenda opstellen', shift(-8), ids.advisorA, mA.id, ids.groningen, { doneAt: new Date(), doneBy: ids.advisorA });
  ids.deleted = await add('Vervallen taak', shift(1), ids.advisorA, mA.id, ids.groningen, { deletedAt: new Date() });
  ids.other = await add('Taak van Bas', shift(2), ids.advisorB, mB.id, ids.utrecht);
});
afterAll(async () => t.close());

describe('my tasks', () => {
  it("lists only the user's open tasks, earliest due date first, with overdue ones marked in words", async () => {
    const a = await client('adviseur.a@test.example');
    const res = await a.get('/taken');
    expect(res.statusCode).toBe(200);
    expect((res.body.match(/<h1/g) ?? []).length).toBe(1);
    expect(taskTitles(res.body)).toEqual(['Kartrekker terugbellen', 'Uitnodiging versturen', 'Verslag sturen']);
    expect(res.body).not.toContain('Taak van Bas');
    expect(res.body).not.toContain('Agenda opstellen');
    expect(res.body).not.toContain('Vervallen taak');
    expect(res.body).toContain('3 open taken, waarvan 1 te laat');
    const overdueRow = res.body.slice(res.body.indexOf('Kartrekker terugbellen'), res.body.indexOf('Uitnodiging versturen'));
    expect(overdueRow).toContain('Te laat');
    const todayRow = res.body.slice(res.body.indexOf('Uitnodiging versturen'), res.body.indexOf('Verslag sturen'));
    expect(todayRow).toContain('Vandaag');
    expect(todayRow).not.toContain('Te laat');
    expect(res.body.slice(res.body.indexOf('Verslag sturen'))).not.toMatch(/Te laat<\/strong>/);
    // Each task links to its contact moment.
    expect(res.body).toContain('Coalitiebijeenkomst Groningen');
    const done = await a.get('/taken?status=afgerond');
    expect(taskTitles(done.body)).toEqual(['Agenda opstellen']);
  });

  it('marks a task done and reopens it (audit-logged); the list follows', async () => {
    const a = await client('adviseur.a@test.example');
    const res = await a.post(`/taken/${ids.overdue}/afgerond`, { terug: '/taken' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/taken');
    expect(await task(ids.overdue)).toMatchObject({ doneBy: ids.advisorA });
    expect((await task(ids.overdue)).doneAt).not.toBeNull();
    const [entry] = await t.db.select().from(auditLog).where(eq(auditLog.entity, 'network_task')).orderBy(desc(auditLog.id)).limit(1);
    expect(entry).toMatchObject({ action: 'status_change', entityId: String(ids.overdue), details: { done: true } });
    const list = await a.get('/taken');
    expect(list.body).toContain('De taak is afgerond.');
    expect(taskTitles(list.body)).toEqual(['Uitnodiging versturen', 'Verslag sturen']);
    expect(taskTitles((await a.get('/taken?status=afgerond')).body)).toContain('Kartrekker terugbellen');
    expect((await a.post(`/taken/${ids.overdue}/heropenen`, { terug: '/taken?status=afgerond' })).headers.location).toBe('/taken?status=afgerond');
    expect((await task(ids.overdue)).doneAt).toBeNull();
    // An unsafe return address is ignored.
    expect((await a.post(`/taken/${ids.overdue}/afgerond`, { terug: 'https://evil.example' })).headers.location).toBe('/taken');
    await a.post(`/taken/${ids.overdue}/heropenen`);
  });

  it("answers 404 to someone else's task out of their scope and changes nothing; 403 for roles without tasks", async () => {
    const b = await client('adviseur.b@test.example');
    expect((await b.post(`/taken/${ids.later}/afgerond`)).statusCode).toBe(404);
    expect((await task(ids.later)).doneAt).toBeNull();
    expect((await b.post(`/taken/${ids.deleted}/afgerond`)).statusCode).toBe(404);
    expect((await b.post('/taken/abc/afgerond')).statusCode).toBe(404);
    const bList = await b.get('/taken');
    expect(taskTitles(bList.body)).toEqual(['Taak van Bas']);
    // An advisor cannot look at everyone's tasks: the parameter is ignored.
    expect(taskTitles((await b.get('/taken?wie=alle')).body)).toEqual(['Taak van Bas']);
    const c = await client('coord@test.example');
    expect((await c.get('/taken')).statusCode).toBe(403);
    expect((await c.post(`/taken/${ids.later}/afgerond`)).statusCode).toBe(403);
    expect((await task(ids.later)).doneAt).toBeNull();
  });

  it('shows the programme team everyone\'s open tasks, filtered by assignee', async () => {
    const admin = await client('admin@test.example');
    const own = await admin.get('/taken');
    expect(taskTitles(own.body)).toEqual([]);
    const all = await admin.get('/taken?wie=alle');
    expect(taskTitles(all.body)).toEqual(['Kartrekker terugbellen', 'Uitnodiging versturen', 'Taak van Bas', 'Verslag sturen']);
    expect(all.body).toContain('Adviseur Bas');
    const bas = await admin.get(`/taken?wie=alle&uitvoerder=${ids.advisorB}`);
    expect(taskTitles(bas.body)).toEqual(['Taak van Bas']);
    // The programme team may close anyone's task.
    expect((await admin.post(`/taken/${ids.other}/afgerond`, { terug: '/taken?wie=alle' })).statusCode).toBe(303);
    expect((await task(ids.other)).doneBy).toBe(ids.admin);
  });
});

describe('export of the tasks', () => {
  const csvRows = (body: string) => body.replace(/^\uFEFF/, '').trim().split(/\r?\n/);

  it("exports the user's own tasks with the list's filters (open or done), audit-logged; the list links to it", async () => {
    const a = await client('adviseur.a@test.example');
    expect((await a.get('/taken')).body).toContain('href="/taken/export?formaat=csv"');
    const res = await a.get('/taken/export?formaat=csv');
    expect(res.statusCode).toBe(200);
    const lines = csvRows(res.body);
    expect(lines[0]).toBe('id,title,due_date,status,done_on,assignee,contact_moment_id,contact_moment_subject,cbs_code,municipality');
    expect(lines.slice(1).map((l) => l.split(',')[1])).toEqual(['Kartrekker terugbellen', 'Uitnodiging versturen', 'Verslag sturen']);
    expect(lines[1]).toContain(`,${shift(-3)},te laat,,Adviseur Anna,`);
    expect(lines[1]).toContain(',Coalitiebijeenkomst Groningen,GM0014,Groningen');
    expect(res.body).not.toContain('Taak van Bas');
    expect(res.body).not.toContain('Vervallen taak');
    const [entry] = await t.db.select().from(auditLog).where(eq(auditLog.entity, 'network_task')).orderBy(desc(auditLog.id)).limit(1);
    expect(entry).toMatchObject({ action: 'export', actorUserId: ids.advisorA, details: { rows: 3, format: 'csv' } });
    const done = csvRows((await a.get('/taken/export?status=afgerond&formaat=csv')).body);
    expect(done.slice(1).map((l) => l.split(',')[1])).toEqual(['Agenda opstellen']);
    expect(done[1]).toContain(`,afgerond,${today},`);
    // An advisor cannot export everyone's tasks: the parameter is ignored.
    expect((await a.get('/taken/export?wie=alle&formaat=csv')).body).not.toContain('Taak van Bas');
    const c = await client('coord@test.example');
    expect((await c.get('/taken/export?formaat=csv')).statusCode).toBe(403);
  });

  it("exports everyone's tasks for the programme team, per assignee when filtered", async () => {
    const admin = await client('admin@test.example');
    const all = await admin.get('/taken/export?wie=alle&status=afgerond&formaat=xlsx');
    expect(all.statusCode).toBe(200);
    expect(all.headers['content-type']).toContain('spreadsheetml');
    const bas = csvRows((await admin.get(`/taken/export?wie=alle&uitvoerder=${ids.advisorB}&status=afgerond&formaat=csv`)).body);
    expect(bas.slice(1).map((l) => l.split(',')[1])).toEqual(['Taak van Bas']);
    const [entry] = await t.db.select().from(auditLog).where(eq(auditLog.entity, 'network_task')).orderBy(desc(auditLog.id)).limit(1);
    expect(entry.details).toMatchObject({ rows: 1, filters: { wie: 'alle', uitvoerder: ids.advisorB, status: 'afgerond' } });
  });
});
