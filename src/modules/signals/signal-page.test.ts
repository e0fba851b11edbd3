import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, asc, eq, sql } from 'drizzle-orm';
import { createTestApp, createUser, seedReference, TestClient, type TestApp } from '../../../test/helpers/app.js';
import { addSignal, setupSignalPoint, signalInput, signalRow, type SignalPointSetup } from '../../../test/helpers/signals.js';
import { auditLog, outbox } from '../../platform/db/schema.js';
import { signalEvents } from './schema.js';

let t: TestApp;
let X: SignalPointSetup;
let Y: SignalPointSetup;
let Z: SignalPointSetup;

async function as(email: string) {
  const c = new TestClient(t.app);
  await c.login(email);
  return c;
}
const readAudits = async (id: number) =>
  t.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.entity, 'signal'), eq(auditLog.entityId, String(id)), eq(auditLog.action, 'read_personal')));
const snapshot = async (id: number) =>
  JSON.stringify([await signalRow(t.db, id), (await t.db.select({ n: sql<number>`count(*)::int` }).from(signalEvents).where(eq(signalEvents.signalId, id)))[0]!.n]);

beforeAll(async () => {
  t = await createTestApp();
  await seedReference(t.db);
  X = await setupSignalPoint(t.db, { cbsCode: 'GM0344', emailPrefix: 'x' });
  Y = await setupSignalPoint(t.db, { cbsCode: 'GM0307', emailPrefix: 'y' });
  Z = await setupSignalPoint(t.db, { cbsCode: 'GM0344', emailPrefix: 'z', isDefault: false });
  await createUser(t.db, 'admin@test.example', [{ role: 'programme_admin' }]);
  await createUser(t.db, 'gemeente@test.example', [{ role: 'municipality_coordinator', municipalityId: X.municipalityId }]);
});
afterAll(() => t.close());

describe('the signal page', () => {
  it('shows the person, the story, the signaller and the log to staff of the organisation, and audit-logs every view', async () => {
    const r = await addSignal(t.ctx, signalInput(X.postcodes[0], 12, { person: { name: 'Mevrouw <b>De Vries</b>', street: 'Dorpsstraat', houseNumber: 12, houseNumberAddition: 'A', postcode: X.postcodes[0], city: 'Utrecht' } }));
    const c = await as(X.handlers[0].email);
    const before = (await readAudits(r.id)).length;
    const res = await c.get(`/signalen/${r.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.body;
    expect(body).toContain(`Signaal ${r.reference}`);
    expect(body).toContain('Mevrouw &lt;b>De Vries&lt;/b>'); // escaped, never HTML
    expect(body).toContain(`Dorpsstraat 12 A, ${X.postcodes[0].slice(0, 4)} ${X.postcodes[0].slice(4)} Utrecht`);
    expect(body).toContain('medicijnen');
    expect(body).toContain('Apotheker Jansen');
    expect(body).toContain('apotheek@test.example');
    expect(body).toContain('Apotheek Centrum');
    expect(body).toContain('Komt weinig of niet meer buiten');
    expect(body).toContain('75 jaar of ouder');
    expect(body).toMatch(/<h1[^>]*>/);
    expect(body.match(/<h1/g)).toHaveLength(1);
    // The actions of status "new": assign (to oneself), forward, not for us, duplicate; and a note.
    for (const slug of ['toewijzen', 'doorsturen', 'niet-voor-ons', 'dubbel', 'notitie']) expect(body).toContain(`action="/signalen/${r.id}/${slug}"`);
    for (const slug of ['afsluiten', 'contactpoging', 'heropenen']) expect(body).not.toContain(`action="/signalen/${r.id}/${slug}"`);
    expect(body).toContain('Aan mij toewijzen');
    await c.get(`/signalen/${r.id}`);
    const after = await readAudits(r.id);
    expect(after.length - before).toBe(2);
    expect(after.at(-1)!.actorUserId).toBe(X.handlers[0].id);
    expect(JSON.stringify(after.map((a) => a.details))).not.toContain('De Vries');
  });

  it('answers 404 to staff of another organisation, the programme admin and the municipality, and 404s their actions', async () => {
    const r = await addSignal(t.ctx, signalInput(X.postcodes[0], 14));
    const before = await snapshot(r.id);
    const auditsBefore = (await readAudits(r.id)).length;
    for (const email of [Y.handlers[0].email, Y.coordinator.email, 'admin@test.example', 'gemeente@test.example']) {
      const c = await as(email);
      const page = await c.get(`/signalen/${r.id}`);
      expect(page.statusCode, email).toBe(404);
      expect(page.body).not.toContain('De Vries');
      expect(page.body).not.toContain(r.reference);
      for (const [slug, form] of [
        ['toewijzen', { assignee: String(Y.handlers[0].id) }],
        ['notitie', { note: 'gezien' }],
        ['niet-voor-ons', { notForUsReason: 'x' }],
        ['doorsturen', { targetPoint: String(Y.signalPointId), forwardReason: 'x' }],
      ] as const) {
        const res = await c.post(`/signalen/${r.id}/${slug}`, form);
        expect(res.statusCode, `${email} ${slug}`).toBe(404);
      }
    }
    expect(await snapshot(r.id)).toBe(before);
    expect((await readAudits(r.id)).length).toBe(auditsBefore);
    // Not logged in: to the login page. Nonsense ids: 404.
    const anon = new TestClient(t.app);
    expect((await anon.get(`/signalen/${r.id}`)).statusCode).toBe(302);
    const x = await as(X.handlers[0].email);
    expect((await x.get('/signalen/999999')).statusCode).toBe(404);
    expect((await x.get('/signalen/abc')).statusCode).toBe(404);
  });

  it('walks the handling path through the forms (PRG + flash), keeps typed values on errors, and refuses forbidden steps with 409', async () => {
    const r = await addSignal(t.ctx, signalInput(X.postcodes[0], 16));
    const c = await as(X.handlers[0].email);
    await c.get(`/signalen/${r.id}`);

    // A forbidden step (close a new signal): 409 with the table's message, nothing changes.
    let before = await snapshot(r.id);
    let res = await c.post(`/signalen/${r.id}/afsluiten`, { outcome: 'declined' });
    expect(res.statusCode).toBe(409);
    expect(res.body).toContain('kan niet bij een signaal met status &quot;nieuw&quot;');
    expect(await snapshot(r.id)).toBe(before);

    // A handler cannot give it to a colleague (tampered form).
    res = await c.post(`/signalen/${r.id}/toewijzen`, { assignee: String(X.handlers[1].id) });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('alleen aan uzelf');
    expect(res.body).not.toContain('href="#veld-assignee"'); // the handler's form has no field to jump to
    expect(await snapshot(r.id)).toBe(before);

    res = await c.post(`/signalen/${r.id}/toewijzen`, { assignee: String(X.handlers[0].id) });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/signalen/${r.id}`);
    let page = await c.get(`/signalen/${r.id}`);
    expect(page.body).toContain('Het signaal is toegewezen aan u');
    expect((await signalRow(t.db, r.id)).status).toBe('assigned');

    // Missing fields: 422, messages per field and in the summary, the typed note kept.
    before = await snapshot(r.id);
    res = await c.post(`/signalen/${r.id}/contactpoging`, { channel: '', result: 'bogus', attemptNote: 'Twee keer gebeld <script>' });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Kies hoe u contact heeft gezocht.');
    expect(res.body).toContain('Kies het resultaat van de contactpoging.');
    expect(res.body).toContain('href="#veld-channel"');
    expect(res.body).toContain('Twee keer gebeld &lt;script>');
    expect(await snapshot(r.id)).toBe(before);

    res = await c.post(`/signalen/${r.id}/contactpoging`, { channel: 'phone', result: 'no_answer', attemptNote: 'Twee keer gebeld' });
    expect(res.statusCode).toBe(303);
    res = await c.post(`/signalen/${r.id}/in-contact`, { contactNote: '' });
    expect(res.statusCode).toBe(303);
    res = await c.post(`/signalen/${r.id}/bezoek-gepland`, { visitDate: '31-02-2030' });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Vul een geldige datum in');
    res = await c.post(`/signalen/${r.id}/bezoek-gepland`, { visitDate: '2020-01-01' });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('ligt in het verleden');
    res = await c.post(`/signalen/${r.id}/bezoek-gepland`, { visitDate: '15-01-2030', visitNote: 'Met de wijkverpleging' });
    expect(res.statusCode).toBe(303);
    res = await c.post(`/signalen/${r.id}/afsluiten`, { outcome: '', outcomeActivity: 'Koffieochtend' });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Kies de uitkomst.');
    expect(res.body).toContain('value="Koffieochtend"');
    res = await c.post(`/signalen/${r.id}/afsluiten`, { outcome: 'referred_activity', outcomeActivity: 'Koffieochtend', closeNote: 'Gaat graag' });
    expect(res.statusCode).toBe(303);
    res = await c.post(`/signalen/${r.id}/notitie`, { note: 'Nagebeld: het gaat goed.' });
    expect(res.statusCode).toBe(303);

    const row = await signalRow(t.db, r.id);
    expect(row).toMatchObject({ status: 'closed', outcome: 'referred_activity', outcomeActivity: 'Koffieochtend' });
    expect(row.firstContactAt).not.toBeNull();
    page = await c.get(`/signalen/${r.id}`);
    // The log, with labels, names and the decrypted remarks.
    for (const text of [
      'Toegewezen aan x-handler1',
      'Contactpoging: Telefoon, niet opgenomen',
      'Twee keer gebeld',
      'In contact met de persoon',
      'Bezoek gepland op 15 januari 2030',
      'Met de wijkverpleging',
      'Afgesloten: Toegeleid naar een activiteit',
      'Gaat graag',
      'Nagebeld: het gaat goed.',
      'Terugkoppeling aan melder verstuurd',
    ])
      expect(page.body).toContain(text);
    // Closed: only reopen (and a note) are offered.
    expect(page.body).toContain(`action="/signalen/${r.id}/heropenen"`);
    expect(page.body).not.toContain(`action="/signalen/${r.id}/afsluiten"`);
    res = await c.post(`/signalen/${r.id}/heropenen`, { reopenNote: 'Belde zelf terug' });
    expect(res.statusCode).toBe(303);
    expect((await signalRow(t.db, r.id)).status).toBe('assigned');

    // Without a CSRF token nothing happens.
    before = await snapshot(r.id);
    res = await c.post(`/signalen/${r.id}/notitie`, { note: 'zonder token' }, { csrf: false });
    expect(res.statusCode).toBe(403);
    expect(await snapshot(r.id)).toBe(before);
  });

  it('lets the coordinator choose any colleague, and lists possible duplicates (links only within the organisation)', async () => {
    const first = await addSignal(t.ctx, signalInput(X.postcodes[1], 70));
    const second = await addSignal(t.ctx, signalInput(X.postcodes[1], 70));
    const c = await as(X.coordinator.email);
    let page = await c.get(`/signalen/${second.id}`);
    expect(page.body).toContain('<select');
    expect(page.body).toContain(`value="${X.handlers[1].id}"`);
    expect(page.body).toContain(`<a class="utrecht-link" href="/signalen/${first.id}">${first.reference}</a>`);
    expect(page.body).toContain(`value="${first.reference}"`); // prefilled in the duplicate form
    const res = await c.post(`/signalen/${second.id}/toewijzen`, { assignee: String(X.handlers[1].id) });
    expect(res.statusCode).toBe(303);
    expect((await signalRow(t.db, second.id)).assignedUserId).toBe(X.handlers[1].id);

    // Another municipality's point is refused (that is "not for us"); Z in the same municipality is fine.
    const refused = await c.post(`/signalen/${first.id}/doorsturen`, { targetPoint: String(Y.signalPointId), forwardReason: 'Andere regio' });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('dezelfde gemeente');
    // Forward the first to Z: X no longer sees it, not even as a possible duplicate (need to know).
    expect((await c.post(`/signalen/${first.id}/doorsturen`, { targetPoint: String(Z.signalPointId), forwardReason: 'Andere regio' })).headers.location).toBe('/signalen');
    page = await c.get(`/signalen/${second.id}`);
    expect(page.body).not.toContain(first.reference);
    expect(page.body).not.toContain(`href="/signalen/${first.id}"`);
    expect((await c.get(`/signalen/${first.id}`)).statusCode).toBe(404);
    // Z's staff now see the first, with X's log.
    const y = await as(Z.handlers[0].email);
    page = await y.get(`/signalen/${first.id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Andere regio');

    // Marking as duplicate: a bad reference keeps the typed value.
    let r2 = await c.post(`/signalen/${second.id}/dubbel`, { duplicateOf: 'nonsense' });
    expect(r2.statusCode).toBe(422);
    expect(r2.body).toContain('Vul een referentie in zoals SGN-7K3M-9QX2.');
    r2 = await c.post(`/signalen/${second.id}/dubbel`, { duplicateOf: first.reference });
    expect(r2.statusCode).toBe(422);
    expect(r2.body).toContain('geen signaal van uw organisatie');
  });

  it('sends "not for us" back to the programme team', async () => {
    const r = await addSignal(t.ctx, signalInput(X.postcodes[0], 80));
    const c = await as(X.handlers[1].email);
    let res = await c.post(`/signalen/${r.id}/niet-voor-ons`, { notForUsReason: '' });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Vul in waarom dit signaal niet voor uw organisatie is.');
    res = await c.post(`/signalen/${r.id}/niet-voor-ons`, { notForUsReason: 'Buiten ons gebied' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/signalen');
    expect(await signalRow(t.db, r.id)).toMatchObject({ organisationId: null, signalPointId: null, status: 'new' });
    expect((await c.get(`/signalen/${r.id}`)).statusCode).toBe(404);
    const mails = await t.db.select().from(outbox).where(eq(outbox.kind, 'signal_unrouted')).orderBy(asc(outbox.id));
    expect(mails.length).toBeGreaterThan(0);
  });
});
