import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, desc, eq, sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { createTestApp, createUser, TestClient, TEST_PASSWORD, userByEmail, type TestApp } from '../../../test/helpers/app.js';
import { auditLog, authTokens, outbox, sessions, userRoles, users } from '../db/schema.js';
import { municipalities, organisations, provinces } from '../../modules/registry/schema.js';

let t: TestApp;
let admin: TestClient;
let adminId: number;
const m: Record<string, number> = {};
const o: Record<string, number> = {};
const NEW_PASSWORD = 'een lange zin als wachtwoord';

beforeAll(async () => {
  t = await createTestApp();
  const [pv] = await t.db.insert(provinces).values({ code: 'PV26', name: 'Utrecht' }).returning();
  for (const [code, name] of [
    ['GM0344', 'Utrecht'],
    ['GM0307', 'Amersfoort'],
  ]) {
    const [row] = await t.db.insert(municipalities).values({ cbsCode: code, name, provinceId: pv.id }).returning();
    m[name] = row.id;
  }
  const [ended] = await t.db.insert(municipalities).values({ cbsCode: 'GM9999', name: 'Opgeheven', provinceId: pv.id, validTo: '2020-01-01' }).returning();
  m.Opgeheven = ended.id;
  for (const name of ['Welzijn Utrecht', 'Zorg Amersfoort']) {
    const [row] = await t.db.insert(organisations).values({ name, kind: 'welfare', municipalityId: m.Utrecht }).returning();
    o[name] = row.id;
  }
  adminId = (await createUser(t.db, 'admin@test.example', [{ role: 'programme_admin' }], 'Anna Admin')).id;
  admin = new TestClient(t.app);
  await admin.login('admin@test.example');
});
afterAll(async () => t.close());

const count = async (table: typeof users | typeof userRoles | typeof outbox | typeof authTokens) =>
  (await t.db.select({ n: sql<number>`count(*)::int` }).from(table))[0].n;
const auditOf = async (action: string, entityId?: number) =>
  t.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.action, action), entityId ? eq(auditLog.entityId, String(entityId)) : undefined))
    .orderBy(desc(auditLog.id));
const lastMailTo = async (to: string) => (await t.db.select().from(outbox).where(eq(outbox.toAddress, to)).orderBy(desc(outbox.id)).limit(1))[0];
const invitationLink = (body: string) => /http:\/\/localhost:3000(\/uitnodiging\/[A-Za-z0-9_-]+)/.exec(body)![1];

describe('inviting a user', () => {
  it('invites a municipality coordinator who follows the mail link, sets a password and works in their own municipality only', async () => {
    const form = await admin.get('/beheer/gebruikers/uitnodigen');
    expect(form.statusCode).toBe(200);
    expect(form.body.match(/<h1/g)).toHaveLength(1);
    expect(form.body).toContain(`<option value="${m.Utrecht}">Utrecht</option>`);
    expect(form.body).not.toContain('>Opgeheven<'); // ended municipalities cannot be chosen
    expect(form.body).toContain('Welzijn Utrecht (Utrecht)');

    const res = await admin.post('/beheer/gebruikers/uitnodigen', { name: 'Carla Coördinator', email: 'carla@utrecht.example', role: 'municipality_coordinator', municipalityId: String(m.Utrecht), organisationId: '' });
    expect(res.statusCode).toBe(303);
    const carla = await userByEmail(t.db, 'carla@utrecht.example');
    expect(res.headers.location).toBe(`/beheer/gebruikers/${carla.id}`);
    expect(carla.passwordHash).toBeNull();
    expect(await t.db.select({ role: userRoles.role, municipalityId: userRoles.municipalityId }).from(userRoles).where(eq(userRoles.userId, carla.id))).toEqual([
      { role: 'municipality_coordinator', municipalityId: m.Utrecht },
    ]);
    const [entry] = await auditOf('invite', carla.id);
    expect(entry.actorLabel).toBe('admin@test.example');
    expect(entry.details).toMatchObject({ role: 'municipality_coordinator', municipalityId: m.Utrecht });

    const detail = await admin.get(res.headers.location as string);
    expect(detail.body).toContain('De uitnodiging is verstuurd naar carla@utrecht.example');
    expect(detail.body).toContain('Uitnodiging openstaand');
    expect(detail.body).toContain('Gemeentelijk coördinator / kartrekker');
    expect(detail.body).toContain('>Utrecht<');

    // The mail is in the outbox; the admin can open it and click the link.
    const mail = await lastMailTo('carla@utrecht.example');
    expect(mail.kind).toBe('invitation');
    expect(mail.subject).toBe('Uitnodiging voor het platform Eén tegen eenzaamheid');
    expect(mail.textBody).toContain('Anna Admin nodigt u uit');
    expect(mail.textBody).toContain('Gemeentelijk coördinator / kartrekker (Utrecht)');
    const link = invitationLink(mail.textBody);
    const shown = await admin.get(`/beheer/outbox/${mail.id}`);
    expect(shown.body).toContain(`<a class="utrecht-link" href="http://localhost:3000${link}">`);

    const carlaClient = new TestClient(t.app);
    const page = await carlaClient.get(link);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('carla@utrecht.example');
    const done = await carlaClient.post(link, { password: NEW_PASSWORD, confirm: NEW_PASSWORD });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe('/beheer');
    const home = await carlaClient.get('/beheer');
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain('Welkom, Carla Coördinator');
    expect(home.body).toContain('Gemeentelijk coördinator / kartrekker');
    expect((await carlaClient.get(`/beheer/gemeenten/${m.Utrecht}`)).statusCode).toBe(200);
    expect((await carlaClient.get(`/beheer/gemeenten/${m.Amersfoort}`)).statusCode).toBe(404);
    expect((await carlaClient.get('/beheer/gebruikers')).statusCode).toBe(403);

    // The link was single-use.
    const again = await new TestClient(t.app).get(link);
    expect(again.statusCode).toBe(410);
    expect(again.body).toContain('al gebruikt');
    // Now active, with a password; a fresh login works.
    await new TestClient(t.app).login('carla@utrecht.example', NEW_PASSWORD);
    const after = await admin.get(`/beheer/gebruikers/${carla.id}`);
    expect(after.body).toContain('<dd>Actief</dd>');
    expect(after.body).not.toContain('Uitnodiging opnieuw versturen');
  });

  it('invites a programme admin (no scope) and an organisation role with an organisation', async () => {
    const a = await admin.post('/beheer/gebruikers/uitnodigen', { name: 'Piet Programma', email: 'piet@vws.example', role: 'programme_admin', municipalityId: '', organisationId: '' });
    expect(a.statusCode).toBe(303);
    const b = await admin.post('/beheer/gebruikers/uitnodigen', { name: 'Sam Signaal', email: 'sam@welzijn.example', role: 'signal_handler', organisationId: String(o['Welzijn Utrecht']) });
    expect(b.statusCode).toBe(303);
    const sam = await userByEmail(t.db, 'sam@welzijn.example');
    expect(await t.db.select({ role: userRoles.role, organisationId: userRoles.organisationId, municipalityId: userRoles.municipalityId }).from(userRoles).where(eq(userRoles.userId, sam.id))).toEqual([
      { role: 'signal_handler', organisationId: o['Welzijn Utrecht'], municipalityId: null },
    ]);
  });

  it('refuses an e-mail address that already has an account, with a field error, keeping the values', async () => {
    const before = [await count(users), await count(userRoles), await count(outbox), await count(authTokens)];
    const res = await admin.post('/beheer/gebruikers/uitnodigen', { name: 'Dubbel', email: ' CARLA@utrecht.example ', role: 'municipality_coordinator', municipalityId: String(m.Amersfoort) });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Er is al een account met dit e-mailadres');
    expect(res.body).toContain('href="#veld-email"');
    expect(res.body).toContain('value="Dubbel"');
    expect(res.body).toContain(`<option value="${m.Amersfoort}" selected>`);
    expect([await count(users), await count(userRoles), await count(outbox), await count(authTokens)]).toEqual(before);
  });

  it('validates that the scope matches the role and saves nothing on any error', async () => {
    const before = [await count(users), await count(userRoles), await count(outbox)];
    const cases: [Record<string, string>, Record<string, string>][] = [
      [{ role: 'municipality_coordinator', organisationId: String(o['Welzijn Utrecht']) }, { municipalityId: 'Kies de gemeente waarvoor', organisationId: 'hoort bij een gemeente, niet bij een organisatie' }],
      [{ role: 'signal_handler', municipalityId: String(m.Utrecht) }, { organisationId: 'Kies de organisatie waarvoor', municipalityId: 'hoort bij een organisatie, niet bij een gemeente' }],
      [{ role: 'programme_admin', municipalityId: String(m.Utrecht) }, { municipalityId: 'geldt landelijk, zonder gemeente' }],
      [{ role: 'advisor', municipalityId: String(m.Opgeheven) }, { municipalityId: 'Deze gemeente bestaat niet (meer)' }],
      [{ role: 'advisor', municipalityId: '999999' }, { municipalityId: 'Deze gemeente bestaat niet (meer)' }],
      [{ role: 'advisor', municipalityId: '99999999999' }, { municipalityId: 'Kies een waarde uit de lijst.' }],
      [{ role: 'partner', organisationId: 'abc' }, { organisationId: 'Kies een waarde uit de lijst.' }],
      [{ role: 'superuser' }, { role: 'Kies een rol.' }],
      [{ name: '', email: 'geen-adres', role: '' }, { name: 'Vul de naam in.', email: 'Vul een geldig e-mailadres in', role: 'Kies een rol.' }],
    ];
    for (const [values, errors] of cases) {
      const res = await admin.post('/beheer/gebruikers/uitnodigen', { name: 'Test Persoon', email: 'scope@test.example', municipalityId: '', organisationId: '', ...values });
      expect(res.statusCode, JSON.stringify(values)).toBe(422);
      for (const [field, msg] of Object.entries(errors)) {
        expect(res.body, `${JSON.stringify(values)} ${field}`).toContain(msg);
        expect(res.body).toContain(`id="veld-${field}-error"`);
      }
    }
    expect([await count(users), await count(userRoles), await count(outbox)]).toEqual(before);
  });

  it('shows an expired invitation as expired, and a re-sent invitation voids the previous link', async () => {
    await admin.post('/beheer/gebruikers/uitnodigen', { name: 'Eva Verlopen', email: 'eva@test.example', role: 'advisor', municipalityId: String(m.Amersfoort) });
    const eva = await userByEmail(t.db, 'eva@test.example');
    const first = invitationLink((await lastMailTo('eva@test.example')).textBody);
    await t.db.update(authTokens).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(authTokens.userId, eva.id));
    const expired = await new TestClient(t.app).get(first);
    expect(expired.statusCode).toBe(410);
    expect(expired.body).toContain('verlopen');
    expect(expired.body).toContain('nieuwe uitnodiging');
    expect((await admin.get(`/beheer/gebruikers/${eva.id}`)).body).toContain('Verlopen op');

    const resend = await admin.post(`/beheer/gebruikers/${eva.id}/uitnodiging-opnieuw`);
    expect(resend.statusCode).toBe(303);
    expect((await admin.get(resend.headers.location as string)).body).toContain('De vorige link werkt niet meer');
    const second = invitationLink((await lastMailTo('eva@test.example')).textBody);
    expect(second).not.toBe(first);
    expect((await new TestClient(t.app).get(first)).statusCode).toBe(410);
    expect((await auditOf('invite', eva.id)).some((e) => (e.details as { resend?: boolean }).resend)).toBe(true);

    // A re-send voids an unexpired link too.
    await admin.post(`/beheer/gebruikers/${eva.id}/uitnodiging-opnieuw`);
    const third = invitationLink((await lastMailTo('eva@test.example')).textBody);
    expect((await new TestClient(t.app).get(second)).statusCode).toBe(410);
    const c = new TestClient(t.app);
    expect((await c.get(third)).statusCode).toBe(200);
    expect((await c.post(third, { password: NEW_PASSWORD, confirm: NEW_PASSWORD })).statusCode).toBe(303);

    // Once activated, there is nothing to re-send.
    const before = await count(outbox);
    const no = await admin.post(`/beheer/gebruikers/${eva.id}/uitnodiging-opnieuw`);
    expect((await admin.get(no.headers.location as string)).body).toContain('heeft het account al geactiveerd');
    expect(await count(outbox)).toBe(before);
  });
});

describe('roles', () => {
  it('adds a grant, refuses a duplicate, and removes a grant; each change is audit-logged', async () => {
    const u = await createUser(t.db, 'rollen@test.example', [{ role: 'advisor', municipalityId: m.Utrecht }], 'Rolf Rollen');
    const add = await admin.post(`/beheer/gebruikers/${u.id}/rollen`, { role: 'advisor', municipalityId: String(m.Amersfoort), organisationId: '' });
    expect(add.statusCode).toBe(303);
    let grants = await t.db.select().from(userRoles).where(eq(userRoles.userId, u.id));
    expect(grants.map((g) => g.municipalityId).sort()).toEqual([m.Utrecht, m.Amersfoort].sort());
    const [added] = await auditOf('role_change', u.id);
    expect(added.details).toMatchObject({ added: { role: 'advisor', municipalityId: m.Amersfoort } });

    const dup = await admin.post(`/beheer/gebruikers/${u.id}/rollen`, { role: 'advisor', municipalityId: String(m.Amersfoort), organisationId: '' });
    expect(dup.statusCode).toBe(422);
    expect(dup.body).toContain('heeft deze rol al');
    expect(dup.body.match(/<h1/g)).toHaveLength(1);
    const mismatch = await admin.post(`/beheer/gebruikers/${u.id}/rollen`, { role: 'provider', municipalityId: String(m.Amersfoort) });
    expect(mismatch.statusCode).toBe(422);
    expect(mismatch.body).toContain('hoort bij een organisatie, niet bij een gemeente');
    expect(await t.db.select().from(userRoles).where(eq(userRoles.userId, u.id))).toHaveLength(2);

    const detail = await admin.get(`/beheer/gebruikers/${u.id}`);
    expect(detail.body).toContain('>Amersfoort<');
    const grant = grants.find((g) => g.municipalityId === m.Amersfoort)!;
    const del = await admin.post(`/beheer/gebruikers/${u.id}/rollen/${grant.id}/verwijderen`);
    expect(del.statusCode).toBe(303);
    grants = await t.db.select().from(userRoles).where(eq(userRoles.userId, u.id));
    expect(grants.map((g) => g.municipalityId)).toEqual([m.Utrecht]);
    const [removed] = await auditOf('role_change', u.id);
    expect(removed.details).toMatchObject({ removed: { role: 'advisor', municipalityId: m.Amersfoort } });
    // A grant of another user, or one that no longer exists: 404, nothing changes.
    expect((await admin.post(`/beheer/gebruikers/${adminId}/rollen/${grant.id}/verwijderen`)).statusCode).toBe(404);
    expect((await admin.post(`/beheer/gebruikers/${u.id}/rollen/${grants[0].id + 100000}/verwijderen`)).statusCode).toBe(404);
    expect((await admin.post(`/beheer/gebruikers/999999/rollen`, { role: 'programme_admin' })).statusCode).toBe(404);
  });

  it('does not let an admin remove their own last programme_admin grant', async () => {
    const [own] = await t.db.select().from(userRoles).where(eq(userRoles.userId, adminId));
    const res = await admin.post(`/beheer/gebruikers/${adminId}/rollen/${own.id}/verwijderen`);
    expect(res.statusCode).toBe(303);
    expect((await admin.get(res.headers.location as string)).body).toContain('eigen laatste beheerdersrol niet intrekken');
    expect(await t.db.select().from(userRoles).where(eq(userRoles.userId, adminId))).toHaveLength(1);
    expect((await admin.get('/beheer/gebruikers')).statusCode).toBe(200);
  });
});

describe('deactivating and reactivating', () => {
  it('ends all sessions of a deactivated user at once, refuses their login, and lets them in again after reactivation', async () => {
    const u = await createUser(t.db, 'dirk@test.example', [{ role: 'municipality_coordinator', municipalityId: m.Utrecht }], 'Dirk Deactief');
    const c1 = new TestClient(t.app);
    const c2 = new TestClient(t.app);
    await c1.login('dirk@test.example');
    await c2.login('dirk@test.example');
    const detail = await admin.get(`/beheer/gebruikers/${u.id}`);
    expect(detail.body).toMatch(/Actieve sessies<\/dt><dd>2<\/dd>/);
    expect(detail.body).not.toMatch(/Laatst ingelogd<\/dt><dd>Nog nooit/);

    const res = await admin.post(`/beheer/gebruikers/${u.id}/deactiveren`);
    expect(res.statusCode).toBe(303);
    expect(await t.db.select().from(sessions).where(eq(sessions.userId, u.id))).toHaveLength(0);
    expect((await c1.get('/beheer')).statusCode).toBe(302);
    expect((await c2.get('/beheer/gemeenten')).statusCode).toBe(302);
    expect((await new TestClient(t.app).post('/inloggen', { email: 'dirk@test.example', password: TEST_PASSWORD })).statusCode).toBe(401);
    expect(await auditOf('deactivate', u.id)).toHaveLength(1);
    const shown = await admin.get(`/beheer/gebruikers/${u.id}`);
    expect(shown.body).toContain('<dd>Gedeactiveerd</dd>');
    expect(shown.body).toMatch(/Actieve sessies<\/dt><dd>0<\/dd>/);

    // Twice: a clear message, no second audit entry.
    const again = await admin.post(`/beheer/gebruikers/${u.id}/deactiveren`);
    expect((await admin.get(again.headers.location as string)).body).toContain('al gedeactiveerd');
    expect(await auditOf('deactivate', u.id)).toHaveLength(1);

    expect((await admin.post(`/beheer/gebruikers/${u.id}/activeren`)).statusCode).toBe(303);
    expect(await auditOf('activate', u.id)).toHaveLength(1);
    await new TestClient(t.app).login('dirk@test.example');
  });

  it('does not let an admin deactivate themselves', async () => {
    const res = await admin.post(`/beheer/gebruikers/${adminId}/deactiveren`);
    expect((await admin.get(res.headers.location as string)).body).toContain('eigen account niet deactiveren');
    expect((await userByEmail(t.db, 'admin@test.example')).active).toBe(true);
  });
});

describe('user list', () => {
  beforeAll(async () => {
    for (let i = 1; i <= 30; i++) await createUser(t.db, `lijst${String(i).padStart(2, '0')}@bulk.example`, [{ role: 'visitor', organisationId: o['Zorg Amersfoort'] }], `Bulk ${String(i).padStart(2, '0')}`);
    const gone = await createUser(t.db, 'weg@bulk.example', [{ role: 'partner', organisationId: o['Welzijn Utrecht'] }], 'Weg Persoon');
    await t.db.update(users).set({ active: false }).where(eq(users.id, gone.id));
  });

  it('searches by name or e-mail, filters by role and status, sorts and pages', async () => {
    const byName = await admin.get('/beheer/gebruikers?q=carla');
    expect(byName.body).toContain('Carla Coördinator');
    expect(byName.body).not.toContain('Bulk 01');
    const byMail = await admin.get('/beheer/gebruikers?q=welzijn.example');
    expect(byMail.body).toContain('Sam Signaal');
    expect(byMail.body).toContain('1–1 van 1 resultaten');

    const visitors = await admin.get('/beheer/gebruikers?rol=visitor');
    expect(visitors.body).toContain('1–25 van 30 resultaten');
    expect(visitors.body).toContain('Vrijwilliger huisbezoeken (Zorg Amersfoort)');
    expect(visitors.body).not.toContain('Carla');
    const page2 = await admin.get('/beheer/gebruikers?rol=visitor&page=2');
    expect(page2.body).toContain('26–30 van 30 resultaten');
    expect(page2.body).toContain('Bulk 30');
    expect(page2.body).not.toContain('Bulk 01');

    const desc = await admin.get('/beheer/gebruikers?rol=visitor&sort=email&dir=desc');
    expect(desc.body.indexOf('lijst30@')).toBeLessThan(desc.body.indexOf('lijst29@'));
    expect(desc.body).toContain('aria-sort="descending"');

    const inactive = await admin.get('/beheer/gebruikers?status=inactive');
    expect(inactive.body).toContain('Weg Persoon');
    expect(inactive.body).not.toContain('Bulk 01');
    const pending = await admin.get('/beheer/gebruikers?status=pending');
    expect(pending.body).toContain('Piet Programma');
    expect(pending.body).not.toContain('Carla Coördinator'); // she accepted
    expect(pending.body).not.toContain('Weg Persoon');
    const active = await admin.get('/beheer/gebruikers?status=active&sort=name&dir=desc');
    expect(active.body).toContain('Carla Coördinator');
    expect(active.body).not.toContain('Piet Programma'); // pending
    expect(active.body).not.toContain('Weg Persoon'); // inactive
    // The filter values stay in the form; bad values are ignored.
    expect(active.body).toContain('<option value="active" selected>');
    expect((await admin.get('/beheer/gebruikers?status=x&rol=y&sort=passwordHash&page=-3')).statusCode).toBe(200);
  });

  it('exports the filtered list as CSV and XLSX and audit-logs each export', async () => {
    const csv = await admin.get('/beheer/gebruikers/export?format=csv&rol=visitor');
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.headers['content-disposition']).toMatch(/attachment; filename="gebruikers-\d{4}-\d{2}-\d{2}\.csv"/);
    const lines = csv.body.replace(/^\uFEFF/, '').trim().split(/\r?\n/);
    expect(lines[0]).toBe('id,name,email,status,roles,last_login_at,created_at');
    expect(lines).toHaveLength(31);
    expect(csv.body).toContain('visitor (Zorg Amersfoort)');
    expect(csv.body).not.toContain('password');
    const [entry] = await auditOf('export');
    expect(entry.entity).toBe('user');
    expect(entry.details).toMatchObject({ format: 'csv', rows: 30, filter: { role: 'visitor' } });

    const xlsx = await admin.get('/beheer/gebruikers/export?format=xlsx');
    expect(xlsx.headers['content-type']).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const n = await count(users);
    expect(wb.worksheets[0].rowCount).toBe(n + 1);
    expect((await auditOf('export'))[0].details).toMatchObject({ format: 'xlsx', rows: n });
  });
});

describe('access', () => {
  const routes = (id: number, grantId: number): [string, string][] => [
    ['GET', '/beheer/gebruikers'],
    ['GET', '/beheer/gebruikers/export?format=csv'],
    ['GET', '/beheer/gebruikers/uitnodigen'],
    ['GET', `/beheer/gebruikers/${id}`],
    ['POST', '/beheer/gebruikers/uitnodigen'],
    ['POST', `/beheer/gebruikers/${id}/rollen`],
    ['POST', `/beheer/gebruikers/${id}/rollen/${grantId}/verwijderen`],
    ['POST', `/beheer/gebruikers/${id}/deactiveren`],
    ['POST', `/beheer/gebruikers/${id}/activeren`],
    ['POST', `/beheer/gebruikers/${id}/uitnodiging-opnieuw`],
  ];
  const snapshot = async () => ({
    users: await t.db.select().from(users).orderBy(users.id),
    roles: await t.db.select().from(userRoles).orderBy(userRoles.id),
    mails: await count(outbox),
    tokens: await count(authTokens),
    audit: (await t.db.select({ n: sql<number>`count(*)::int` }).from(auditLog).where(sql`${auditLog.action} not in ('login')`))[0].n,
  });

  it('answers 403 to every other role on every user route (GET and POST) and changes nothing', async () => {
    const victim = await createUser(t.db, 'pending@test.example', [{ role: 'advisor', municipalityId: m.Utrecht }], 'Victim');
    await t.db.update(users).set({ passwordHash: null }).where(eq(users.id, victim.id));
    const [grant] = await t.db.select().from(userRoles).where(eq(userRoles.userId, victim.id));
    const others = [
      ['advisor', { municipalityId: m.Utrecht }],
      ['municipality_coordinator', { municipalityId: m.Utrecht }],
      ['signal_coordinator', { organisationId: o['Welzijn Utrecht'] }],
      ['signal_handler', { organisationId: o['Welzijn Utrecht'] }],
      ['visitor', { organisationId: o['Welzijn Utrecht'] }],
      ['partner', { organisationId: o['Welzijn Utrecht'] }],
      ['provider', { organisationId: o['Welzijn Utrecht'] }],
    ] as const;
    const clients: TestClient[] = [];
    for (const [role, scope] of others) {
      await createUser(t.db, `${role}@deny.example`, [{ role, ...scope }]);
      const c = new TestClient(t.app);
      await c.login(`${role}@deny.example`);
      clients.push(c);
    }
    const before = await snapshot();
    const form = { name: 'X', email: 'x@deny.example', role: 'programme_admin', municipalityId: '', organisationId: '' };
    for (const [i, c] of clients.entries()) {
      for (const [method, url] of routes(victim.id, grant.id)) {
        const res = method === 'GET' ? await c.get(url) : await c.post(url, form);
        expect(res.statusCode, `${others[i][0]} ${method} ${url}`).toBe(403);
        expect(res.body).toContain('Geen toegang');
      }
    }
    // Not logged in: to the login page, also for POSTs.
    const anon = new TestClient(t.app);
    for (const [method, url] of routes(victim.id, grant.id)) {
      const res = method === 'GET' ? await anon.get(url) : await anon.post(url, form);
      expect(res.statusCode, `anonymous ${method} ${url}`).toBe(302);
      expect(res.headers.location).toContain('/inloggen');
    }
    expect(await snapshot()).toEqual(before);
  });

  it('answers 404 for unknown or malformed user ids', async () => {
    for (const url of ['/beheer/gebruikers/999999', '/beheer/gebruikers/abc', '/beheer/gebruikers/0', '/beheer/gebruikers/99999999999']) {
      expect((await admin.get(url)).statusCode, url).toBe(404);
    }
    expect((await admin.post('/beheer/gebruikers/999999/deactiveren')).statusCode).toBe(404);
  });
});
