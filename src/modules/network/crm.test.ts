import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import { createTestApp, createUser, seedReference, type TestApp, signedIn, dayOffset } from '../../../test/helpers/app.js';
import { municipalityId } from '../../../test/helpers/registry.js';
import { auditLog, outbox } from '../../platform/db/schema.js';
import { amsterdamDate } from '../../platform/time.js';
import { organisations } from '../registry/schema.js';
import { contactMomentOrganisations, contactMomentPersons, contactMoments, contactPersons, networkTasks } from './schema.js';
import { normaliseTags, parseDuration } from './crm-service.js';

let t: TestApp;
const ids: Record<string, number> = {};
const today = amsterdamDate(new Date());
const shift = (n: number) => dayOffset(today, n);

const client = (email: string) => signedIn(t.app, email);
const liveMoments = async () => (await t.db.select({ n: sql<number>`count(*)::int` }).from(contactMoments).where(isNull(contactMoments.deletedAt)))[0].n;
const allRows = async () => ({
  moments: (await t.db.select({ n: sql<number>`count(*)::int` }).from(contactMoments))[0].n,
  persons: (await t.db.select({ n: sql<number>`count(*)::int` }).from(contactPersons))[0].n,
  tasks: (await t.db.select({ n: sql<number>`count(*)::int` }).from(networkTasks))[0].n,
});
const lastAudit = async (entity: string) => (await t.db.select().from(auditLog).where(eq(auditLog.entity, entity)).orderBy(desc(auditLog.id)).limit(1))[0];
const bySubject = async (subject: string) => (await t.db.select().from(contactMoments).where(eq(contactMoments.subject, subject)))[0];

const moment = (over: Record<string, string | string[]> = {}) => ({
  occurredOn: shift(-1),
  kind: 'meeting',
  subject: 'Overleg lokale coalitie',
  municipalityId: String(ids.groningen),
  duration: '60',
  advisory: 'ja',
  ...over,
});

beforeAll(async () => {
  t = await createTestApp();
  await seedReference(t.db);
  ids.groningen = await municipalityId(t.db, 'GM0014');
  ids.utrecht = await municipalityId(t.db, 'GM0344');
  const org = async (name: string, municipality: number | null) => (await t.db.insert(organisations).values({ name, kind: 'welfare', municipalityId: municipality }).returning())[0].id;
  ids.orgGroningen = await org('WIJ Groningen', ids.groningen);
  ids.orgUtrecht = await org('Welzijn Utrecht Stad', ids.utrecht);
  ids.orgNational = await org('Ouderenfonds', null);
  ids.admin = (await createUser(t.db, 'admin@test.example', [{ role: 'programme_admin' }], 'Beheerder')).id;
  ids.advisorA = (await createUser(t.db, 'adviseur.a@test.example', [{ role: 'advisor', municipalityId: ids.groningen }], 'Adviseur Anna')).id;
  ids.advisorB = (await createUser(t.db, 'adviseur.b@test.example', [{ role: 'advisor', municipalityId: ids.utrecht }], 'Adviseur Bas')).id;
  await createUser(t.db, 'coord@test.example', [{ role: 'municipality_coordinator', municipalityId: ids.groningen }]);
  await createUser(t.db, 'partner@test.example', [{ role: 'partner', organisationId: ids.orgNational }]);
});
afterAll(async () => t.close());

describe('parsing', () => {
  it('reads durations in minutes, hours:minutes and hours, never negative or over 24 hours', () => {
    expect(parseDuration('90')).toBe(90);
    expect(parseDuration('1:30')).toBe(90);
    expect(parseDuration('1,5 uur')).toBe(90);
    expect(parseDuration('0:45')).toBe(45);
    expect(parseDuration('45 min')).toBe(45);
    expect(parseDuration('24:00')).toBe(1440);
    expect(parseDuration('-30')).toEqual({ error: expect.stringContaining('niet negatief') });
    expect(parseDuration('24:01')).toEqual({ error: expect.stringContaining('hoogstens 24 uur') });
    expect(parseDuration('1:75')).toEqual({ error: expect.stringContaining('uren en minuten') });
    expect(parseDuration('lang')).toEqual({ error: expect.any(String) });
  });

  it('normalises free tags: trimmed, lower-case, without duplicates', () => {
    expect(normaliseTags(' Jongeren, jongeren ,,  Week  tegen Eenzaamheid ;mantelzorg')).toEqual(['jongeren', 'week tegen eenzaamheid', 'mantelzorg']);
  });
});

describe('logging a contact moment', () => {
  it('saves a moment with organisations, a new contact person, pillars, tags and a follow-up task for a colleague (mail queued), all audit-logged', async () => {
    const a = await client('adviseur.a@test.example');
    const form = await a.get(`/contactmomenten/nieuw?gemeente=GM0014`);
    expect(form.statusCode).toBe(200);
    expect((form.body.match(/<h1/g) ?? []).length).toBe(1);
    expect(form.body).toContain('WIJ Groningen (Groningen)'); // organisations of the chosen municipality to tick
    expect(form.body).not.toContain('Welzijn Utrecht Stad');
    expect(form.body).toMatch(/name="advisory" value="ja" checked/); // advisory by default for the advisor
    const res = await a.post(
      '/contactmomenten/nieuw',
      moment({
        subject: 'Kennismaking met de kartrekker',
        organisationIds: [String(ids.orgGroningen), String(ids.orgNational)],
        pillars: ['pillar_2', 'pillar_3'],
        tags: 'Jongeren, jongeren , Mantelzorg',
        notes: 'Afspraken over de coalitie.',
        duration: '1:15',
        newPersonName: 'Fenna de Wit',
        newPersonJobTitle: 'Kartrekker',
        newPersonOrganisationId: String(ids.orgGroningen),
        newPersonEmail: 'fenna@wij.example.nl',
        taskTitle: 'Verslag sturen',
        taskDueDate: shift(7),
        taskAssigneeId: String(ids.admin),
      }),
    );
    expect(res.statusCode).toBe(303);
    const m = await bySubject('Kennismaking met de kartrekker');
    expect(res.headers.location).toBe(`/contactmomenten/${m.id}`);
    expect(m).toMatchObject({ municipalityId: ids.groningen, durationMinutes: 75, advisory: true, advisorId: ids.advisorA, createdBy: ids.advisorA, pillars: ['pillar_2', 'pillar_3'], tags: ['jongeren', 'mantelzorg'] });
    const orgs = await t.db.select().from(contactMomentOrganisations).where(eq(contactMomentOrganisations.contactMomentId, m.id));
    expect(orgs.map((o) => o.organisationId).sort()).toEqual([ids.orgGroningen, ids.orgNational].sort());
    const [person] = await t.db.select().from(contactPersons).where(eq(contactPersons.name, 'Fenna de Wit'));
    expect(person).toMatchObject({ organisationId: ids.orgGroningen, jobTitle: 'Kartrekker', email: 'fenna@wij.example.nl' });
    expect(await t.db.select().from(contactMomentPersons).where(eq(contactMomentPersons.contactMomentId, m.id))).toEqual([{ contactMomentId: m.id, personId: person.id }]);
    const [task] = await t.db.select().from(networkTasks).where(eq(networkTasks.contactMomentId, m.id));
    expect(task).toMatchObject({ title: 'Verslag sturen', dueDate: shift(7), assigneeId: ids.admin, municipalityId: ids.groningen, createdBy: ids.advisorA });
    const [mail] = await t.db.select().from(outbox).where(eq(outbox.kind, 'network_task'));
    expect(mail.toAddress).toBe('admin@test.example');
    expect((await lastAudit('contact_moment')).action).toBe('create');
    expect((await lastAudit('contact_person')).action).toBe('create');
    expect((await lastAudit('network_task')).action).toBe('create');
    const page = await a.get(res.headers.location as string);
    expect(page.body).toContain('is vastgelegd');
    expect(page.body).toContain('1 uur 15 min');
    expect(page.body).toContain('Fenna de Wit');
    expect(page.body).toContain('Pijler 2 Sterk netwerk');
    expect(page.body).toContain('jongeren, mantelzorg');
    expect(page.body).toContain('Verslag sturen');
    expect(page.body).toContain('Ja, op adviseur Adviseur Anna');
  });

  it('refuses a negative duration, a future date and an unknown municipality with messages per field, keeps the values and saves nothing', async () => {
    const a = await client('adviseur.a@test.example');
    const before = await allRows();
    const res = await a.post('/contactmomenten/nieuw', moment({ subject: 'Fout contact', duration: '-30', occurredOn: shift(2), newPersonName: 'Iemand Nieuw', newPersonOrganisationId: String(ids.orgGroningen) }));
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('De duur kan niet negatief zijn');
    expect(res.body).toContain('kan niet in de toekomst liggen');
    expect(res.body).toContain('href="#veld-duration"');
    expect(res.body).toContain('href="#veld-occurredOn"');
    expect(res.body).toContain('value="-30"');
    expect(res.body).toContain('value="Fout contact"');
    expect(res.body).toContain('value="Iemand Nieuw"');
    const admin = await client('admin@test.example');
    const unknown = await admin.post('/contactmomenten/nieuw', moment({ subject: 'Fout contact', municipalityId: '999999', advisorId: String(ids.advisorA) }));
    expect(unknown.statusCode).toBe(422);
    expect(unknown.body).toContain('Deze gemeente bestaat niet');
    const tooLong = await a.post('/contactmomenten/nieuw', moment({ subject: 'Fout contact', duration: '25:00' }));
    expect(tooLong.statusCode).toBe(422);
    expect(tooLong.body).toContain('hoogstens 24 uur');
    const empty = await a.post('/contactmomenten/nieuw', { occurredOn: '', kind: '', subject: ' ', municipalityId: String(ids.groningen), duration: '' });
    expect(empty.statusCode).toBe(422);
    for (const msg of ['Vul de datum van het contact in.', 'Kies het soort contact.', 'Vul het onderwerp in.', 'Vul de duur in.']) expect(empty.body).toContain(msg);
    const taskHalf = await a.post('/contactmomenten/nieuw', moment({ subject: 'Fout contact', taskTitle: 'Bellen' }));
    expect(taskHalf.statusCode).toBe(422);
    expect(taskHalf.body).toContain('Vul de uiterste datum van de vervolgtaak in.');
    expect(await allRows()).toEqual(before);
  });

  it('answers 404 to an advisor of Groningen logging for Utrecht, and saves nothing', async () => {
    const a = await client('adviseur.a@test.example');
    const before = await allRows();
    const res = await a.post('/contactmomenten/nieuw', moment({ subject: 'Niet mijn gemeente', municipalityId: String(ids.utrecht), taskTitle: 'x', taskDueDate: shift(3) }));
    expect(res.statusCode).toBe(404);
    expect(res.body).not.toContain('Utrecht');
    expect(await allRows()).toEqual(before);
    // An organisation of another municipality cannot be involved either.
    const org = await a.post('/contactmomenten/nieuw', moment({ subject: 'Vreemde organisatie', organisationIds: [String(ids.orgUtrecht)] }));
    expect(org.statusCode).toBe(422);
    expect(org.body).toContain('Kies organisaties uit de lijst');
    // An advisor must choose a municipality (national contacts are the programme team's).
    const national = await a.post('/contactmomenten/nieuw', moment({ subject: 'Landelijk', municipalityId: '' }));
    expect(national.statusCode).toBe(422);
    expect(national.body).toContain('Kies de gemeente waarover het contact ging.');
    expect(await allRows()).toEqual(before);
  });

  it('searches organisations without saving (no JavaScript needed): the form comes back with the matches to tick', async () => {
    const admin = await client('admin@test.example');
    const before = await allRows();
    const res = await admin.post('/contactmomenten/nieuw', { ...moment({ subject: 'Nog niet opslaan' }), orgSearch: 'ouderen', actie: 'zoeken' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Ouderenfonds (landelijk)');
    expect(res.body).toContain('nog niet opgeslagen');
    expect(res.body).toContain('value="Nog niet opslaan"');
    expect(await allRows()).toEqual(before);
  });

  it('lets the programme team log a national contact (no municipality) that advisors do not see; advisory hours need a municipality and an advisor', async () => {
    const admin = await client('admin@test.example');
    const res = await admin.post('/contactmomenten/nieuw', moment({ subject: 'Overleg Nationale Coalitie', municipalityId: '', advisory: '', organisationIds: [String(ids.orgNational)] }));
    expect(res.statusCode).toBe(303);
    const m = await bySubject('Overleg Nationale Coalitie');
    expect(m).toMatchObject({ municipalityId: null, advisory: false, advisorId: null });
    const noAdvisor = await admin.post('/contactmomenten/nieuw', moment({ subject: 'Advies zonder adviseur' }));
    expect(noAdvisor.statusCode).toBe(422);
    expect(noAdvisor.body).toContain('Kies de adviseur op wie de adviesuren tellen.');
    const nationalAdvice = await admin.post('/contactmomenten/nieuw', moment({ subject: 'Landelijk advies', municipalityId: '', advisorId: String(ids.advisorA) }));
    expect(nationalAdvice.statusCode).toBe(422);
    expect(nationalAdvice.body).toContain('Alleen contact met een gemeente telt als advies');
    const chosen = await admin.post('/contactmomenten/nieuw', moment({ subject: 'Advies namens Anna', advisorId: String(ids.advisorA) }));
    expect(chosen.statusCode).toBe(303);
    expect(await bySubject('Advies namens Anna')).toMatchObject({ advisory: true, advisorId: ids.advisorA, createdBy: ids.admin });
    const a = await client('adviseur.a@test.example');
    expect((await a.get(`/contactmomenten/${m.id}`)).statusCode).toBe(404);
    const list = await a.get('/contactmomenten');
    expect(list.body).not.toContain('Overleg Nationale Coalitie');
    expect(list.body).toContain('Advies namens Anna');
  });
});

describe('reading, editing and deleting', () => {
  it('keeps contact moments of other municipalities out of sight (404, no data)', async () => {
    const b = await client('adviseur.b@test.example');
    const m = await bySubject('Kennismaking met de kartrekker');
    const res = await b.get(`/contactmomenten/${m.id}`);
    expect(res.statusCode).toBe(404);
    expect(res.body).not.toContain('kartrekker');
    expect((await b.get('/contactmomenten/gemeente/GM0014')).statusCode).toBe(404);
    expect((await b.get(`/contactmomenten/${m.id}/bewerken`)).statusCode).toBe(404);
    expect((await b.post(`/contactmomenten/${m.id}/verwijderen`)).statusCode).toBe(404);
    expect((await b.get(`/contactmomenten/organisatie/${ids.orgGroningen}`)).statusCode).toBe(404);
    const list = await b.get('/contactmomenten');
    expect(list.body).not.toContain('Kennismaking met de kartrekker');
    expect(await bySubject('Kennismaking met de kartrekker')).toMatchObject({ deletedAt: null });
    for (const who of ['coord@test.example', 'partner@test.example']) {
      const c = await client(who);
      expect((await c.get('/contactmomenten')).statusCode, who).toBe(403);
      expect((await c.get('/contactpersonen')).statusCode, who).toBe(403);
      expect((await c.post('/contactmomenten/nieuw', moment())).statusCode, who).toBe(403);
    }
  });

  it('edits a moment (audit-logged with the changed fields) and keeps the form filled on an error', async () => {
    const a = await client('adviseur.a@test.example');
    const m = await bySubject('Kennismaking met de kartrekker');
    const form = await a.get(`/contactmomenten/${m.id}/bewerken`);
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('value="1:15"');
    expect(form.body).toContain('value="jongeren, mantelzorg"');
    const bad = await a.post(`/contactmomenten/${m.id}/bewerken`, moment({ subject: 'Kennismaking met de kartrekker', duration: 'lang' }));
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('value="lang"');
    expect((await bySubject('Kennismaking met de kartrekker')).durationMinutes).toBe(75);
    const ok = await a.post(
      `/contactmomenten/${m.id}/bewerken`,
      moment({ subject: 'Kennismaking met de kartrekker', duration: '2:00', organisationIds: [String(ids.orgGroningen)], personIds: [], pillars: ['pillar_2', 'pillar_3'], tags: 'jongeren, mantelzorg' }),
    );
    expect(ok.statusCode).toBe(303);
    expect((await bySubject('Kennismaking met de kartrekker')).durationMinutes).toBe(120);
    expect(await t.db.select().from(contactMomentOrganisations).where(eq(contactMomentOrganisations.contactMomentId, m.id))).toHaveLength(1);
    const entry = await lastAudit('contact_moment');
    expect(entry.action).toBe('update');
    expect(entry.details).toMatchObject({ changed: expect.arrayContaining(['durationMinutes', 'organisationIds', 'personIds']), durationMinutes: { from: 75, to: 120 } });
    // Moving it to a municipality that is not the advisor's: 404, unchanged.
    expect((await a.post(`/contactmomenten/${m.id}/bewerken`, moment({ subject: 'Kennismaking met de kartrekker', municipalityId: String(ids.utrecht) }))).statusCode).toBe(404);
    expect((await bySubject('Kennismaking met de kartrekker')).municipalityId).toBe(ids.groningen);
  });

  it('soft-deletes a moment with its tasks; its hours stop counting; the audit log says so', async () => {
    const a = await client('adviseur.a@test.example');
    expect((await a.post('/contactmomenten/nieuw', moment({ subject: 'Per vergissing', duration: '30', taskTitle: 'Terugbellen', taskDueDate: shift(2) }))).statusCode).toBe(303);
    const m = await bySubject('Per vergissing');
    const before = await liveMoments();
    const hoursBefore = (await a.get('/api/v1/municipalities/GM0014/advisory')).json().data.usedHours;
    const confirm = await a.get(`/contactmomenten/${m.id}/verwijderen`);
    expect(confirm.body).toContain('30 min telt dan niet meer als advies');
    const res = await a.post(`/contactmomenten/${m.id}/verwijderen`);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/contactmomenten/gemeente/GM0014');
    expect(await liveMoments()).toBe(before - 1);
    expect((await bySubject('Per vergissing')).deletedAt).not.toBeNull();
    expect((await t.db.select().from(networkTasks).where(eq(networkTasks.contactMomentId, m.id)))[0].deletedAt).not.toBeNull();
    expect((await a.get('/api/v1/municipalities/GM0014/advisory')).json().data.usedHours).toBe(hoursBefore - 0.5);
    expect((await lastAudit('contact_moment')).action).toBe('delete');
    expect((await a.get(`/contactmomenten/${m.id}`)).statusCode).toBe(404);
  });

  it('adds a follow-up task on the detail page (422 without a date)', async () => {
    const a = await client('adviseur.a@test.example');
    const m = await bySubject('Kennismaking met de kartrekker');
    const bad = await a.post(`/contactmomenten/${m.id}/taken`, { taskTitle: 'Nabellen', taskDueDate: '' });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('Vul de uiterste datum in.');
    expect(bad.body).toContain('value="Nabellen"');
    const ok = await a.post(`/contactmomenten/${m.id}/taken`, { taskTitle: 'Nabellen', taskDueDate: shift(3), taskAssigneeId: String(ids.advisorA) });
    expect(ok.statusCode).toBe(303);
    expect(await t.db.select().from(networkTasks).where(and(eq(networkTasks.contactMomentId, m.id), eq(networkTasks.title, 'Nabellen')))).toHaveLength(1);
    const b = await client('adviseur.b@test.example');
    expect((await b.post(`/contactmomenten/${m.id}/taken`, { taskTitle: 'Stiekem', taskDueDate: shift(3) })).statusCode).toBe(404);
  });
});

describe('timelines', () => {
  it("shows a municipality's timeline newest first, 25 per page, with totals over all moments", async () => {
    const a = await client('adviseur.a@test.example');
    const rows = Array.from({ length: 30 }, (_, i) => ({
      occurredOn: shift(-100 - i),
      kind: 'call',
      subject: `Belronde ${String(i + 1).padStart(2, '0')}`,
      municipalityId: ids.groningen,
      durationMinutes: 30,
      advisory: i % 2 === 0,
      advisorId: ids.advisorA,
      createdBy: ids.advisorA,
    }));
    await t.db.insert(contactMoments).values(rows);
    const all = await t.db
      .select({ n: sql<number>`count(*)::int`, m: sql<number>`sum(duration_minutes)::int` })
      .from(contactMoments)
      .where(and(eq(contactMoments.municipalityId, ids.groningen), isNull(contactMoments.deletedAt)));
    const page1 = await a.get('/contactmomenten/gemeente/GM0014');
    expect(page1.statusCode).toBe(200);
    expect(page1.body).toContain(`${all[0].n} contactmomenten`);
    const items = page1.body.match(/class="nw-timeline__item"/g) ?? [];
    expect(items).toHaveLength(25);
    // Newest first: the recent moments before the old phone round.
    expect(page1.body.indexOf('Kennismaking met de kartrekker')).toBeLessThan(page1.body.indexOf('Belronde 01'));
    expect(page1.body.indexOf('Belronde 01')).toBeLessThan(page1.body.indexOf('Belronde 02'));
    const page2 = await a.get('/contactmomenten/gemeente/GM0014?page=2');
    expect((page2.body.match(/class="nw-timeline__item"/g) ?? []).length).toBe(all[0].n - 25);
    expect(page2.body).toContain('Belronde 30');
    expect(page2.body).toContain(`pagina 2 van 2`);
  });

  it("shows an organisation's timeline, and the list filters (kind, pillar, tag, period) and exports (audit-logged)", async () => {
    const a = await client('adviseur.a@test.example');
    const org = await a.get(`/contactmomenten/organisatie/${ids.orgGroningen}`);
    expect(org.statusCode).toBe(200);
    expect(org.body).toContain('Kennismaking met de kartrekker');
    expect(org.body).not.toContain('Belronde');
    expect(org.body).toContain('Fenna de Wit');
    const byTag = await a.get('/contactmomenten?label=Jongeren');
    expect(byTag.body).toContain('Kennismaking met de kartrekker');
    expect(byTag.body).not.toContain('Belronde');
    const byKind = await a.get('/contactmomenten?soort=call');
    expect(byKind.body).toContain('Belronde 01');
    expect(byKind.body).not.toContain('Kennismaking met de kartrekker');
    const byPillar = await a.get('/contactmomenten?pijler=pillar_3');
    expect(byPillar.body).toContain('Kennismaking met de kartrekker');
    expect(byPillar.body).not.toContain('Belronde');
    const period = await a.get(`/contactmomenten?van=${shift(-101)}&tot=${shift(-100)}`);
    expect(period.body).toContain('Belronde 01');
    expect(period.body).toContain('Belronde 02');
    expect(period.body).not.toContain('Belronde 03');
    const bad = await a.get('/contactmomenten?van=gisteren');
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('id="veld-van-error"');
    const csv = await a.get('/contactmomenten/export?soort=call&formaat=csv&scheidingsteken=puntkomma');
    expect(csv.statusCode).toBe(200);
    expect(csv.body).toContain('id;date;kind;kind_label;subject');
    expect(csv.body).toContain('Belronde 01');
    expect(csv.body).not.toContain('Kennismaking');
    const entry = await lastAudit('contact_moment');
    expect(entry.action).toBe('export');
    expect(entry.details).toMatchObject({ rows: 30, filters: { soort: 'call' } });
  });
});

describe('contact persons', () => {
  it('adds, shows (read audit-logged), edits and deletes a contact person; bad input changes nothing', async () => {
    const a = await client('adviseur.a@test.example');
    const before = await allRows();
    const bad = await a.post('/contactpersonen/nieuw', { name: '', organisationId: String(ids.orgUtrecht), email: 'geen-adres', phone: 'bel me' });
    expect(bad.statusCode).toBe(422);
    for (const msg of ['Vul de naam in.', 'Kies een organisatie uit de lijst.', 'Vul een geldig e-mailadres in', 'Vul een geldig telefoonnummer in']) expect(bad.body).toContain(msg);
    expect(await allRows()).toEqual(before);
    const res = await a.post('/contactpersonen/nieuw', { name: 'Joost van Dam', organisationId: String(ids.orgGroningen), jobTitle: 'Wijkcoördinator', email: 'joost@wij.example.nl', phone: '050 123 45 67' });
    expect(res.statusCode).toBe(303);
    const [x] = await t.db.select().from(contactPersons).where(eq(contactPersons.name, 'Joost van Dam'));
    const page = await a.get(`/contactpersonen/${x.id}`);
    expect(page.body).toContain('joost@wij.example.nl');
    expect((await lastAudit('contact_person')).action).toBe('read_personal');
    const list = await a.get('/contactpersonen?q=joost');
    expect(list.body).toContain('Joost van Dam');
    const b = await client('adviseur.b@test.example');
    expect((await b.get(`/contactpersonen/${x.id}`)).statusCode).toBe(404);
    expect((await b.get('/contactpersonen')).body).not.toContain('Joost van Dam');
    expect((await a.post(`/contactpersonen/${x.id}/bewerken`, { name: 'Joost van Dam', organisationId: String(ids.orgGroningen), jobTitle: 'Teamleider', email: '', phone: '' })).statusCode).toBe(303);
    expect((await t.db.select().from(contactPersons).where(eq(contactPersons.id, x.id)))[0]).toMatchObject({ jobTitle: 'Teamleider', email: null, phone: null });
    expect((await lastAudit('contact_person')).details).toMatchObject({ changed: ['jobTitle', 'email', 'phone'] });
    expect((await a.post(`/contactpersonen/${x.id}/verwijderen`)).statusCode).toBe(303);
    const [gone] = await t.db.select().from(contactPersons).where(eq(contactPersons.id, x.id));
    expect(gone.deletedAt).not.toBeNull();
    expect(gone.name).toBe('Joost van Dam');
    expect((await lastAudit('contact_person')).action).toBe('delete');
    expect((await a.get(`/contactpersonen/${x.id}`)).statusCode).toBe(404);
  });
});

describe('contact persons: export, and persons of national organisations', () => {
  it('exports the contact persons the user may see (with e-mail and phone), with the search; audit-logged; coordinators 403', async () => {
    const [inScope] = await t.db.insert(contactPersons).values({ name: 'Exportpersoon Groningen', organisationId: ids.orgGroningen, jobTitle: 'Beleidsadviseur', email: 'export.groningen@wij.example.nl', phone: '050 765 43 21' }).returning();
    await t.db.insert(contactPersons).values({ name: 'Exportpersoon Utrecht', organisationId: ids.orgUtrecht, email: 'export.utrecht@example.nl' });
    await t.db.insert(contactPersons).values({ name: 'Exportpersoon Verwijderd', organisationId: ids.orgGroningen, deletedAt: new Date() });
    const a = await client('adviseur.a@test.example');
    const list = await a.get('/contactpersonen?q=Exportpersoon');
    expect(list.body).toContain('href="/contactpersonen/export?q=Exportpersoon&amp;formaat=csv"');
    const csv = await a.get('/contactpersonen/export?q=Exportpersoon&formaat=csv');
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-disposition']).toContain('contactpersonen');
    const lines = csv.body.replace(/^\uFEFF/, '').trim().split(/\r?\n/);
    expect(lines[0]).toBe('id,name,job_title,organisation,municipality,email,phone,contact_moments');
    expect(lines.slice(1)).toEqual([`${inScope.id},Exportpersoon Groningen,Beleidsadviseur,WIJ Groningen,Groningen,export.groningen@wij.example.nl,050 765 43 21,0`]);
    expect(await lastAudit('contact_person')).toMatchObject({ action: 'export', actorUserId: ids.advisorA, details: { rows: 1, format: 'csv', filters: { q: 'Exportpersoon' } } });
    const xlsx = await a.get('/contactpersonen/export?formaat=xlsx');
    expect(xlsx.statusCode).toBe(200);
    expect(xlsx.headers['content-type']).toContain('spreadsheetml');
    const admin = await client('admin@test.example');
    const all = await admin.get('/contactpersonen/export?q=Exportpersoon&formaat=csv');
    expect(all.body).toContain('Exportpersoon Utrecht');
    expect(all.body).not.toContain('Exportpersoon Verwijderd');
    const coord = await client('coord@test.example');
    expect((await coord.get('/contactpersonen/export?formaat=csv')).statusCode).toBe(403);
  });

  it('lets an advisor read a person of a national organisation but not change or remove it (403, nothing changes); the programme team may', async () => {
    const [x] = await t.db.insert(contactPersons).values({ name: 'Lotte Landelijk', organisationId: ids.orgNational, jobTitle: 'Programmamanager', email: 'lotte@ouderenfonds.example.nl', phone: '030 111 22 33' }).returning();
    const row = async () => (await t.db.select().from(contactPersons).where(eq(contactPersons.id, x.id)))[0];
    const before = await row();
    const a = await client('adviseur.a@test.example');
    const page = await a.get(`/contactpersonen/${x.id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('lotte@ouderenfonds.example.nl');
    expect(page.body).not.toContain(`href="/contactpersonen/${x.id}/bewerken"`);
    expect(page.body).not.toContain(`href="/contactpersonen/${x.id}/verwijderen"`);
    expect(page.body).toContain('Wijzigen en verwijderen doet het programmateam.');
    const form = await a.get(`/contactpersonen/${x.id}/bewerken`);
    expect(form.statusCode).toBe(403);
    expect(form.body).toContain('Wijzigen en verwijderen doet het programmateam.');
    expect((await a.get(`/contactpersonen/${x.id}/verwijderen`)).statusCode).toBe(403);
    expect((await a.post(`/contactpersonen/${x.id}/bewerken`, { name: 'Gewijzigd', organisationId: String(ids.orgNational), jobTitle: '', email: '', phone: '' })).statusCode).toBe(403);
    expect((await a.post(`/contactpersonen/${x.id}/verwijderen`)).statusCode).toBe(403);
    expect(await row()).toEqual(before);
    // A person of a local organisation in the advisor's municipality stays theirs to change.
    const [local] = await t.db.insert(contactPersons).values({ name: 'Lokale Lieke', organisationId: ids.orgGroningen }).returning();
    expect((await a.get(`/contactpersonen/${local.id}`)).body).toContain(`href="/contactpersonen/${local.id}/bewerken"`);
    expect((await a.get(`/contactpersonen/${local.id}/bewerken`)).statusCode).toBe(200);
    // The programme team changes and removes the national person.
    const admin = await client('admin@test.example');
    expect((await admin.get(`/contactpersonen/${x.id}`)).body).toContain(`href="/contactpersonen/${x.id}/verwijderen"`);
    expect((await admin.post(`/contactpersonen/${x.id}/verwijderen`)).statusCode).toBe(303);
    expect(await row()).toMatchObject({ email: null, phone: null, jobTitle: null, deletedAt: expect.any(Date) });
  });
});
