import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestApp, createUser, TestClient, type TestApp } from '../../../test/helpers/app.js';
import { auditLog, outbox } from '../db/schema.js';
import { municipalities, organisations, provinces } from '../../modules/registry/schema.js';
import { queueMail } from '../mail/outbox.js';
import { maskAddress, shownRecipient } from './routes.js';
import type { Role } from '../access.js';

let t: TestApp;
let admin: TestClient;
let orgId: number;
let muniId: number;

beforeAll(async () => {
  t = await createTestApp();
  const [pv] = await t.db.insert(provinces).values({ code: 'PV27', name: 'Noord-Holland' }).returning();
  muniId = (await t.db.insert(municipalities).values({ cbsCode: 'GM0363', name: 'Amsterdam', provinceId: pv.id }).returning())[0].id;
  orgId = (await t.db.insert(organisations).values({ name: 'Buurtwerk', kind: 'welfare', municipalityId: muniId }).returning())[0].id;
  await createUser(t.db, 'admin@test.example', [{ role: 'programme_admin' }], 'Admin');
  admin = new TestClient(t.app);
  await admin.login('admin@test.example');
  const rows = [
    { at: new Date('2024-01-10T10:00:00Z'), actorLabel: 'alice@audit.example', action: 'update', entity: 'municipality', entityId: 'AUD-A1' },
    { at: new Date('2024-02-15T10:00:00Z'), actorLabel: 'bob@audit.example', action: 'delete', entity: 'organisation', entityId: 'AUD-B2' },
    { at: new Date('2024-03-20T10:00:00Z'), actorLabel: 'alice@audit.example', action: 'export', entity: 'organisation', entityId: 'AUD-C3' },
  ];
  await t.db.insert(auditLog).values(rows);
});
afterAll(async () => t.close());

const shows = (body: string, ids: string[]) => ['AUD-A1', 'AUD-B2', 'AUD-C3'].filter((id) => body.includes(`>${id}<`)).sort().join(',') === ids.sort().join(',');

describe('audit log screen', () => {
  it('filters by actor, action, entity and date range, keeping the filter values', async () => {
    const all = await admin.get('/beheer/auditlog');
    expect(all.statusCode).toBe(200);
    expect(all.body.match(/<h1/g)).toHaveLength(1);
    expect(shows(all.body, ['AUD-A1', 'AUD-B2', 'AUD-C3'])).toBe(true);

    const byActor = await admin.get('/beheer/auditlog?actor=alice');
    expect(shows(byActor.body, ['AUD-A1', 'AUD-C3'])).toBe(true);
    expect(byActor.body).toContain('value="alice"');
    expect(shows((await admin.get('/beheer/auditlog?action=delete')).body, ['AUD-B2'])).toBe(true);
    expect(shows((await admin.get('/beheer/auditlog?entity=organisation')).body, ['AUD-B2', 'AUD-C3'])).toBe(true);
    expect(shows((await admin.get('/beheer/auditlog?from=2024-02-01&to=2024-02-29')).body, ['AUD-B2'])).toBe(true);
    expect(shows((await admin.get('/beheer/auditlog?from=2024-02-16')).body, ['AUD-C3'])).toBe(true);
    expect(shows((await admin.get('/beheer/auditlog?to=2024-01-10')).body, ['AUD-A1'])).toBe(true);
    const combined = await admin.get('/beheer/auditlog?actor=alice&entity=organisation&from=2024-01-01&to=2024-12-31');
    expect(shows(combined.body, ['AUD-C3'])).toBe(true);
    expect(combined.body).toContain('value="2024-01-01"');
    expect(combined.body).toContain('<option value="organisation" selected>Organisatie (organisation)</option>');
    // Dates as people type them.
    expect(shows((await admin.get('/beheer/auditlog?from=1-2-2024&to=29-02-2024')).body, ['AUD-B2'])).toBe(true);
    // A bad date is reported at its field (and not applied); an unknown action or page is ignored.
    const bad = await admin.get('/beheer/auditlog?action=drop&from=gisteren&to=2024-02-30&page=abc');
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('id="veld-from-error"');
    expect(bad.body).toContain('id="veld-to-error"');
    expect(bad.body).toContain('value="gisteren"');
    expect(bad.body).toContain('Vul een geldige datum in');
    expect(shows(bad.body, ['AUD-A1', 'AUD-B2', 'AUD-C3'])).toBe(true);
    // Actions are shown in Dutch.
    expect(all.body).toContain('Geëxporteerd');
  });

  it('has no route that changes or deletes entries', async () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'] as const) {
      for (const url of ['/beheer/auditlog', '/beheer/auditlog/1']) expect(t.app.hasRoute({ method, url }), `${method} ${url}`).toBe(false);
    }
    const res = await admin.post('/beheer/auditlog', { action: 'delete' });
    expect(res.statusCode).toBe(404);
    const del = await t.app.inject({
      method: 'DELETE',
      url: '/beheer/auditlog',
      headers: { cookie: [...admin.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'x-csrf-token': admin.csrf ?? '' },
    });
    expect(del.statusCode).toBe(404);
  });

  it('is append-only in the database itself: UPDATE, DELETE and TRUNCATE are refused', async () => {
    const before = await t.db.select().from(auditLog).orderBy(auditLog.id);
    const refusal = async (q: PromiseLike<unknown>) => {
      try {
        await q;
        return 'accepted';
      } catch (e) {
        const err = e as Error & { cause?: Error & { code?: string } };
        return `${err.cause?.code ?? ''} ${err.cause?.message ?? err.message}`;
      }
    };
    expect(await refusal(t.db.update(auditLog).set({ actorLabel: 'forged' }))).toMatch(/^42501 audit_log is append-only \(UPDATE refused\)/);
    expect(await refusal(t.db.execute(sql`update audit_log set action = 'login' where entity_id = 'AUD-B2'`))).toMatch(/append-only \(UPDATE refused\)/);
    expect(await refusal(t.db.delete(auditLog))).toMatch(/append-only \(DELETE refused\)/);
    expect(await refusal(t.db.execute(sql`delete from audit_log where entity_id = 'AUD-A1'`))).toMatch(/append-only \(DELETE refused\)/);
    expect(await refusal(t.db.execute(sql`truncate audit_log`))).toMatch(/append-only \(TRUNCATE refused\)/);
    const after = await t.db.select().from(auditLog).orderBy(auditLog.id);
    expect(after.slice(0, before.length)).toEqual(before);
  });
});

describe('outbox screen', () => {
  it('lists the mails for a programme admin, filters them, and opens one with clickable links', async () => {
    const id = await queueMail(
      t.db,
      null,
      { to: 'lezer@test.example', kind: 'invitation', subject: 'Uitnodiging voor het platform', text: 'Beste lezer,\n\nKlik hier: http://localhost:3000/uitnodiging/abc123 om te beginnen.' },
      'helpdesk@test.example',
    );
    await queueMail(t.db, null, { to: 'ander@test.example', kind: 'password_reset', subject: 'Nieuw wachtwoord instellen', text: 'Tekst' }, 'helpdesk@test.example');
    const list = await admin.get('/beheer/outbox');
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain(`<a class="utrecht-link" href="/beheer/outbox/${id}">Uitnodiging voor het platform</a>`);
    expect(list.body).toContain('In de wachtrij');
    expect(list.body).toContain('geen mailserver (SMTP_URL)');
    const filtered = await admin.get('/beheer/outbox?to=lezer');
    expect(filtered.body).toContain('lezer@test.example');
    expect(filtered.body).not.toContain('ander@test.example');
    expect((await admin.get('/beheer/outbox?status=sent')).body).not.toContain('lezer@test.example');

    const one = await admin.get(`/beheer/outbox/${id}`);
    expect(one.statusCode).toBe(200);
    expect(one.body.match(/<h1/g)).toHaveLength(1);
    expect(one.body).toContain('<a class="utrecht-link" href="http://localhost:3000/uitnodiging/abc123">http://localhost:3000/uitnodiging/abc123</a>');
    expect(one.body).toContain('helpdesk@test.example');
    expect(one.body).toContain('<dd>In de wachtrij</dd>');
    expect((await admin.get('/beheer/outbox/999999')).statusCode).toBe(404);
    expect((await admin.get('/beheer/outbox/abc')).statusCode).toBe(404);
    expect((await admin.get('/beheer/outbox/99999999999')).statusCode).toBe(404);
  });

  it('records each opened mail in the audit log, and hides one-time links when a mail server delivers the mail', async () => {
    const id = await queueMail(
      t.db,
      null,
      { to: 'reset@test.example', kind: 'password_reset', subject: 'Nieuw wachtwoord instellen', text: 'Link: http://localhost:3000/wachtwoord-herstellen/geheim-token_123 (2 uur geldig)' },
      'helpdesk@test.example',
    );
    const demo = await admin.get(`/beheer/outbox/${id}`);
    expect(demo.body).toContain('href="http://localhost:3000/wachtwoord-herstellen/geheim-token_123"');
    const [read] = await t.db.select().from(auditLog).where(sql`${auditLog.action} = 'read_personal' and ${auditLog.entityId} = ${String(id)}`);
    expect(read).toMatchObject({ entity: 'mail', actorLabel: 'admin@test.example', details: { kind: 'password_reset' } });

    const withSmtp = await createTestApp({ env: { SMTP_URL: 'smtp://127.0.0.1:2525' }, database: t.database });
    try {
      const c = new TestClient(withSmtp.app);
      await c.login('admin@test.example');
      const res = await c.get(`/beheer/outbox/${id}`);
      expect(res.statusCode).toBe(200);
      expect(res.body).not.toContain('geheim-token_123');
      expect(res.body).toContain('/wachtwoord-herstellen/[verborgen]');
      expect(res.body).toContain('Eenmalige links in deze e-mail zijn verborgen');
    } finally {
      await withSmtp.app.close();
    }
  });

  it("masks the signaller's address of a signal feedback mail in the list and the detail (the team sees that it went out, not to whom)", async () => {
    const id = await queueMail(
      t.db,
      null,
      { to: 'marieke.jansen@apotheek.nl', kind: 'signal_feedback', subject: 'Uw signaal wordt opgepakt (SGN-TEST-MASK)', text: 'Bedankt voor uw signaal.' },
      'helpdesk@test.example',
    );
    await queueMail(t.db, null, { to: 'verwijderd@bewaartermijn.invalid', kind: 'signal_feedback', subject: 'Uw signaal wordt opgepakt (SGN-TEST-GONE)', text: 'x' }, 'helpdesk@test.example');
    const list = await admin.get('/beheer/outbox');
    expect(list.body).toContain(`<a class="utrecht-link" href="/beheer/outbox/${id}">Uw signaal wordt opgepakt (SGN-TEST-MASK)</a>`);
    expect(list.body).toContain('m***@apotheek.nl');
    expect(list.body).not.toContain('marieke');
    expect(list.body).toContain('verwijderd@bewaartermijn.invalid'); // already blanked: nothing to hide
    const one = await admin.get(`/beheer/outbox/${id}`);
    expect(one.statusCode).toBe(200);
    expect(one.body).toContain('<dd>m***@apotheek.nl</dd>');
    expect(one.body).not.toContain('marieke');
    // Other kinds are shown in full.
    expect(list.body).toContain('lezer@test.example');
  });

  it('maskAddress keeps the first letter and the domain only', () => {
    expect(maskAddress('marieke.jansen@apotheek.nl')).toBe('m***@apotheek.nl');
    expect(maskAddress('a@b.nl')).toBe('a***@b.nl');
    expect(maskAddress('geen-adres')).toBe('***');
    expect(shownRecipient({ kind: 'invitation', toAddress: 'lezer@test.example' })).toBe('lezer@test.example');
    expect(shownRecipient({ kind: 'signal_feedback', toAddress: 'lezer@test.example' })).toBe('l***@test.example');
  });

  it('escapes mail content (no HTML injection through a name in a mail)', async () => {
    const id = await queueMail(t.db, null, { to: 'x@test.example', kind: 'test', subject: '<b>Onderwerp</b>', text: 'Beste <script>alert(1)</script>' }, 'helpdesk@test.example');
    const one = await admin.get(`/beheer/outbox/${id}`);
    expect(one.body).not.toContain('<script>alert(1)</script>');
    expect(one.body).toContain('&lt;script>');
  });
});

describe('access to the admin screens', () => {
  it('answers 403 to every other role on the audit log, outbox and API-key screens (GET and POST), and changes nothing', async () => {
    const [mail] = await t.db.select().from(outbox).limit(1);
    const grants: [Role, { municipalityId?: number; organisationId?: number }][] = [
      ['advisor', { municipalityId: muniId }],
      ['municipality_coordinator', { municipalityId: muniId }],
      ['signal_coordinator', { organisationId: orgId }],
      ['signal_handler', { organisationId: orgId }],
      ['visitor', { organisationId: orgId }],
      ['partner', { organisationId: orgId }],
      ['provider', { organisationId: orgId }],
    ];
    const routes: [string, string][] = [
      ['GET', '/beheer/auditlog'],
      ['GET', '/beheer/outbox'],
      ['GET', `/beheer/outbox/${mail.id}`],
      ['GET', '/beheer/api-sleutels'],
      ['GET', '/beheer/api-sleutels/nieuw'],
      ['POST', '/beheer/api-sleutels/nieuw'],
      ['GET', '/beheer/api-sleutels/1/intrekken'],
      ['POST', '/beheer/api-sleutels/1/intrekken'],
    ];
    const counts = async () => (await t.db.execute(sql`select (select count(*) from api_keys) as keys, (select count(*) from audit_log where action <> 'login') as audit`)).rows[0];
    const clients: [Role, TestClient][] = [];
    for (const [role, scope] of grants) {
      await createUser(t.db, `${role}@deny.example`, [{ role, ...scope }]);
      const c = new TestClient(t.app);
      await c.login(`${role}@deny.example`);
      clients.push([role, c]);
    }
    const before = await counts();
    for (const [role, c] of clients) {
      for (const [method, url] of routes) {
        const res = method === 'GET' ? await c.get(url) : await c.post(url, { name: 'Sleutel', organisationId: String(orgId), actions: 'registry:read' });
        expect(res.statusCode, `${role} ${method} ${url}`).toBe(403);
        expect(res.body).not.toContain('lezer@test.example');
      }
    }
    expect(await counts()).toEqual(before);
  });
});
