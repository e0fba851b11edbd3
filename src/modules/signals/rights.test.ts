import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, inArray, isNotNull, or } from 'drizzle-orm';
import { createTestApp, createUser, seedReference, TestClient, type TestApp } from '../../../test/helpers/app.js';
import { addSignal, setupSignalPoint, signalInput, signalRow, type SignalPointSetup } from '../../../test/helpers/signals.js';
import { auditLog, outbox } from '../../platform/db/schema.js';
import { decryptSignal, encryptText } from './personal.js';
import { signalEvents, signals } from './schema.js';
import { ERASED_ADDRESS, type RightsExport } from './rights-service.js';
import { ERASED_OUTCOME } from './model.js';
import { feedbackMail } from './feedback.js';
import { countSignalsUnderOldKey } from './rotation.js';
import { computeStats } from './stats-service.js';
import { organisations } from '../registry/schema.js';

/**
 * Rights requests: finding one person's signals by address, e-mail or reference, the export
 * (a subject's data to the subject, a signaller's own data only to the signaller), erasure with
 * a confirmation step, the programme admin only, and an audit trail without personal data.
 */

let t: TestApp;
let sp: SignalPointSetup;
let admin: TestClient;
const S = {} as Record<'open' | 'closed' | 'neighbour' | 'self' | 'bySignaller', { id: number; reference: string }>;
const BASE = '/beheer/privacyverzoeken';
const PERSONAL = ['Mevrouw De Vries', 'Dorpsstraat', 'apotheek@test.example', 'melder@test.example', 'Truus', 'truus@example.nl', 'medicijnen', 'Sleutel bij de buren', '0612345678', 'buurvrouw Ans'];
const ACTIVITY = 'Koffieochtend samen met buurvrouw Ans';

const address = () => ({ zoekwijze: 'adres', postcode: `${sp.postcodes[0].slice(0, 4)} ${sp.postcodes[0].slice(4).toLowerCase()}`, huisnummer: '12', toevoeging: '' });

async function login(email: string) {
  const c = new TestClient(t.app);
  await c.login(email);
  return c;
}

beforeAll(async () => {
  t = await createTestApp();
  await seedReference(t.db);
  sp = await setupSignalPoint(t.db, { cbsCode: 'GM0344' });
  await createUser(t.db, 'admin@test.example', [{ role: 'programme_admin' }]);
  await createUser(t.db, 'coord@test.example', [{ role: 'municipality_coordinator', municipalityId: sp.municipalityId }]);
  const add = async (input: Parameters<typeof signalInput>[2] & {}, houseNumber = 12, postcode = sp.postcodes[0]) => {
    const r = await addSignal(t.ctx, signalInput(postcode, houseNumber, input), { now: new Date('2026-03-02T09:00:00Z') });
    return { id: r.id, reference: r.reference };
  };
  S.open = await add({});
  S.closed = await add({ signaller: { name: 'Buurman Piet', email: 'piet@test.example' } });
  await t.db
    .update(signals)
    .set({ status: 'closed', outcome: 'referred_activity', outcomeActivity: ACTIVITY, closedAt: new Date('2026-03-10T09:00:00Z'), feedbackSentAt: new Date('2026-03-03T09:00:00Z') })
    .where(eq(signals.id, S.closed.id));
  S.neighbour = await add({ signaller: { name: 'Iemand', email: 'iemand@test.example' } }, 13);
  S.self = await add({ kind: 'self', signallerType: 'self', person: { name: 'Truus', houseNumber: 5, postcode: sp.postcodes[1], email: 'truus@example.nl', phone: '0612345678' }, signaller: {}, story: null }, 5, sp.postcodes[1]);
  S.bySignaller = await add({ signaller: { name: 'Melder Jansen', email: 'melder@test.example', phone: '0301234567' }, person: { name: 'Meneer Pieters', houseNumber: 8, postcode: sp.postcodes[1] } }, 8, sp.postcodes[1]);
  await t.db.insert(signalEvents).values({ signalId: S.open.id, at: new Date('2026-03-03T10:00:00Z'), kind: 'note', textEnc: encryptText(t.ctx.cipher, 'Sleutel bij de buren') });
  await t.db.insert(outbox).values([
    { toAddress: 'melder@test.example', subject: 'Uw signaal wordt opgepakt', textBody: 'Dank u wel.', kind: 'signal_feedback', status: 'sent', sentAt: new Date() },
    { toAddress: 'melder@test.example', subject: 'Uw signaal wordt opgepakt', textBody: 'Dank u wel.', kind: 'signal_feedback', status: 'queued' },
    { toAddress: 'melder@test.example', subject: 'Iets anders', textBody: 'x', kind: 'invitation', status: 'sent', sentAt: new Date() },
    // The feedback mail of the closed signal (about the subject), to its signaller.
    { toAddress: 'piet@test.example', subject: feedbackMail(S.closed.reference, 'worry').subject, textBody: 'Dank u wel.', kind: 'signal_feedback', status: 'sent', sentAt: new Date() },
  ]);
  admin = await login('admin@test.example');
});
afterAll(() => t.close());

describe('rights requests: access', () => {
  it('is for the programme admin only: coordinators, signal coordinators and handlers get 403', async () => {
    expect((await admin.get(BASE)).statusCode).toBe(200);
    for (const email of ['coord@test.example', sp.coordinator.email, sp.handlers[0].email]) {
      const c = await login(email);
      expect((await c.get(BASE)).statusCode).toBe(403);
      expect((await c.post(BASE, address())).statusCode).toBe(403);
      expect((await c.post(`${BASE}/export.json`, { ...address(), signaal: String(S.open.id) })).statusCode).toBe(403);
      expect((await c.post(`${BASE}/verwijderen`, { ...address(), signaal: String(S.open.id), stap: 'bevestigen', bevestiging: 'ja' })).statusCode).toBe(403);
    }
    const anon = new TestClient(t.app);
    expect([302, 303]).toContain((await anon.get(BASE)).statusCode);
    expect((await signalRow(t.db, S.open.id)).personEnc).not.toBeNull();
  });
});

describe('rights requests: finding a person', () => {
  it('finds the signals about a person by address, whatever the spelling of the postcode', async () => {
    const res = await admin.post(BASE, address());
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(S.open.reference);
    expect(res.body).toContain(S.closed.reference);
    expect(res.body).not.toContain(S.neighbour.reference);
    expect(res.body).toContain('2 signalen gevonden');
    expect(res.body).toContain('Betrokkene (het signaal gaat over deze persoon)');
    expect(res.body).toContain('Op één adres kunnen meer mensen wonen');
    expect(res.body.match(/<h1/g)).toHaveLength(1);
  });

  it('finds by e-mail the signals passed on by a signaller and the own request of a person', async () => {
    let res = await admin.post(BASE, { zoekwijze: 'email', email: 'Melder@Test.example ' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(S.bySignaller.reference);
    expect(res.body).toContain('Melder (heeft het signaal doorgegeven)');
    expect(res.body).toContain('1 signaal gevonden');
    res = await admin.post(BASE, { zoekwijze: 'email', email: 'truus@example.nl' });
    expect(res.body).toContain(S.self.reference);
    expect(res.body).toContain('Betrokkene');
  });

  it('finds by reference, in the role the admin says', async () => {
    const res = await admin.post(BASE, { zoekwijze: 'referentie', referentie: S.neighbour.reference.toLowerCase(), rol: 'signaller' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(S.neighbour.reference);
    expect(res.body).toContain('Melder (heeft het signaal doorgegeven)');
  });

  it('refuses a bad search with messages per field, keeping what was typed', async () => {
    let res = await admin.post(BASE, { zoekwijze: 'adres', postcode: '123', huisnummer: '12a', toevoeging: '<b>' });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Vul een geldige postcode in');
    expect(res.body).toContain('Vul het huisnummer in met alleen cijfers');
    expect(res.body).toContain('Een toevoeging bestaat uit letters');
    expect(res.body).toContain('href="#veld-postcode"');
    expect(res.body).toContain('value="12a"');
    expect(res.body).not.toContain('<b>');
    res = await admin.post(BASE, { zoekwijze: 'email', email: 'geen-adres' });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Vul een geldig e-mailadres in');
    res = await admin.post(BASE, { zoekwijze: 'referentie', referentie: 'XYZ', rol: '' });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Dit is geen referentienummer');
    expect(res.body).toContain('Kies wie het verzoek doet');
  });
});

describe('rights requests: export', () => {
  it("gives the subject their own data, the story and the notes — not the signaller's identity", async () => {
    const res = await admin.post(`${BASE}/export.json`, { ...address(), signaal: [String(S.open.id), String(S.closed.id)] });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/json');
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="privacyverzoek-signalen-\d{4}-\d{2}-\d{2}\.json"/);
    const data = JSON.parse(res.body) as RightsExport;
    expect(data.format).toBe('ete-signal-rights-export/1');
    expect(data.signals).toHaveLength(2);
    const open = data.signals.find((s) => s.reference === S.open.reference)!;
    expect(open).toMatchObject({ role: 'subject', person: { name: 'Mevrouw De Vries', street: 'Dorpsstraat', houseNumber: 12 }, signallerType: 'pharmacy', statusLabel: 'Nieuw' });
    expect(open.role === 'subject' && open.story).toContain('medicijnen');
    expect(open.role === 'subject' && open.log.map((e) => e.text)).toContain('Sleutel bij de buren');
    expect(res.body).not.toContain('apotheek@test.example');
    expect(res.body).not.toContain('Apotheker Jansen');
    expect(res.body).not.toContain('Buurman Piet');
    // The free-text activity of the outcome is the subject's data too.
    expect(data.signals.find((s) => s.reference === S.closed.reference)).toMatchObject({ role: 'subject', outcome: 'referred_activity', outcomeActivity: ACTIVITY });
  });

  it("gives a signaller only their own data, never the subject's", async () => {
    const res = await admin.post(`${BASE}/export.json`, { zoekwijze: 'email', email: 'melder@test.example', signaal: String(S.bySignaller.id) });
    expect(res.statusCode).toBe(200);
    const data = JSON.parse(res.body) as RightsExport;
    expect(data.signals).toEqual([
      expect.objectContaining({ role: 'signaller', reference: S.bySignaller.reference, signaller: { name: 'Melder Jansen', email: 'melder@test.example', phone: '0301234567' }, feedbackRequested: true }),
    ]);
    for (const s of ['Meneer Pieters', 'Dorpsstraat', 'medicijnen', sp.postcodes[1], 'rarely_outside', '"person"', '"story"', '"signs"']) expect(res.body).not.toContain(s);
  });

  it('shows the same data as a readable page, escaped', async () => {
    const res = await admin.post(`${BASE}/inzage`, { ...address(), signaal: [String(S.open.id), String(S.closed.id)] });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(`<dt>Activiteit</dt><dd>${ACTIVITY}</dd>`);
    expect(res.body).toContain('Mevrouw De Vries');
    expect(res.body).toContain('Sleutel bij de buren');
    expect(res.body).toContain('Apotheek'); // the kind of signaller
    expect(res.body).not.toContain('Apotheker Jansen');
    expect(res.body.match(/<h1/g)).toHaveLength(1);
  });

  it('never exports a signal outside the search, even when its id is sent', async () => {
    const res = await admin.post(`${BASE}/export.json`, { ...address(), signaal: String(S.bySignaller.id) });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Kies minstens één signaal');
    expect(res.body).not.toContain('Meneer Pieters');
    // …and a signaller search cannot be turned into the subject's data.
    const asSignaller = JSON.parse((await admin.post(`${BASE}/export.json`, { zoekwijze: 'email', email: 'apotheek@test.example', signaal: String(S.open.id) })).body) as RightsExport;
    expect(asSignaller.signals[0]).toMatchObject({ role: 'signaller' });
    expect(JSON.stringify(asSignaller)).not.toContain('De Vries');
  });
});

describe('rights requests: erasure', () => {
  it('asks for confirmation, says an open signal will be closed, and refuses without the tick', async () => {
    const form = { ...address(), signaal: [String(S.open.id), String(S.closed.id)] };
    let res = await admin.post(`${BASE}/verwijderen`, form);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Verwijderen is definitief');
    expect(res.body).toContain(`Signaal ${S.open.reference} is nog in behandeling`);
    expect(res.body).toContain('afgesloten met de uitkomst &quot;Gewist op verzoek&quot;');
    res = await admin.post(`${BASE}/verwijderen`, { ...form, stap: 'bevestigen' });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Vink aan dat u hebt gecontroleerd');
    expect((await signalRow(t.db, S.open.id)).personEnc).not.toBeNull();
  });

  it('erases all personal data of the subject, closes the open signal and keeps the statistics columns', async () => {
    const res = await admin.post(`${BASE}/verwijderen`, { ...address(), signaal: [String(S.open.id), String(S.closed.id)], stap: 'bevestigen', bevestiging: 'ja' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(BASE);
    const open = await signalRow(t.db, S.open.id);
    // Closed with its own outcome (no handler's outcome such as 'declined': the statistics stay true).
    expect(open).toMatchObject({ personEnc: null, signallerEnc: null, storyEnc: null, addressKey: null, signallerKey: null, status: 'closed', outcome: ERASED_OUTCOME });
    expect(open.closedAt).not.toBeNull();
    expect(open).toMatchObject({ municipalityId: sp.municipalityId, neighbourhoodId: sp.neighbourhoodIds[0], signallerType: 'pharmacy', signs: ['rarely_outside', 'says_lonely'] });
    const closed = await signalRow(t.db, S.closed.id);
    expect(closed).toMatchObject({ personEnc: null, status: 'closed', outcome: 'referred_activity', outcomeActivity: null });
    // The signaller's address in the outbox copy of the closed signal's feedback mail is gone; the mail still shows as sent.
    const [fbMail] = await t.db.select().from(outbox).where(eq(outbox.subject, feedbackMail(S.closed.reference, 'worry').subject));
    expect(fbMail).toMatchObject({ toAddress: ERASED_ADDRESS, status: 'sent' });
    const events = await t.db.select().from(signalEvents).where(eq(signalEvents.signalId, S.open.id)).orderBy(signalEvents.id);
    expect(events.every((e) => e.textEnc === null)).toBe(true);
    expect(events.some((e) => e.kind === 'transition')).toBe(false);
    expect(events.filter((e) => e.kind === 'personal_data_removed').map((e) => [e.fromStatus, e.toStatus, e.code])).toEqual([
      ['new', 'closed', 'erased'],
      [null, null, 'erase'],
    ]);
    // Untouched: the neighbour at number 13.
    expect((await signalRow(t.db, S.neighbour.id)).personEnc).not.toBeNull();
    // The page says what happened.
    const page = await admin.get(BASE);
    expect(page.body).toContain('Eén open signaal is afgesloten met de uitkomst &quot;Gewist op verzoek&quot;');
    // Nothing to find by address any more.
    expect((await admin.post(BASE, address())).body).toContain('Geen signalen gevonden');
  });

  it("erases only a signaller's own data, stops the feedback and blanks their feedback mails", async () => {
    const form = { zoekwijze: 'email', email: 'melder@test.example', signaal: String(S.bySignaller.id) };
    const confirm = await admin.post(`${BASE}/verwijderen`, form);
    expect(confirm.body).toContain('alleen de gegevens van de melder');
    const res = await admin.post(`${BASE}/verwijderen`, { ...form, stap: 'bevestigen', bevestiging: 'ja' });
    expect(res.statusCode).toBe(303);
    const row = await signalRow(t.db, S.bySignaller.id);
    expect(row).toMatchObject({ signallerEnc: null, signallerKey: null, feedbackRequested: false, status: 'new', personalDataRemovedAt: null });
    expect(decryptSignal(t.ctx.cipher, row).person?.name).toBe('Meneer Pieters');
    const mails = await t.db.select().from(outbox).orderBy(outbox.id);
    expect(mails.filter((m) => m.kind === 'signal_feedback' && m.subject === 'Uw signaal wordt opgepakt').map((m) => [m.toAddress, m.status])).toEqual([
      [ERASED_ADDRESS, 'sent'],
      [ERASED_ADDRESS, 'stored'],
    ]);
    expect(mails.find((m) => m.kind === 'invitation')!.toAddress).toBe('melder@test.example');
  });

  it('keeps an audit trail of searches, exports and erasures without personal data', async () => {
    const entries = await t.db.select().from(auditLog).where(inArray(auditLog.action, ['read_personal', 'export', 'erase']));
    const actions = new Set(entries.map((e) => e.action));
    expect([...actions].sort()).toEqual(['erase', 'export', 'read_personal']);
    expect(entries.every((e) => e.actorLabel === 'admin@test.example')).toBe(true);
    expect(entries.filter((e) => e.action === 'erase').map((e) => Number(e.entityId)).sort()).toEqual([S.open.id, S.closed.id, S.bySignaller.id].sort());
    const raw = JSON.stringify(entries.map((e) => e.details));
    for (const s of [...PERSONAL, sp.postcodes[0], sp.postcodes[1]]) expect(raw).not.toContain(s);
  });
});

describe('rights requests: after an erasure, elsewhere', () => {
  it('shows the handling organisation the outcome "Gewist op verzoek" and what happened in the log, without personal data', async () => {
    const c = await login(sp.coordinator.email);
    const res = await c.get(`/signalen/${S.open.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Gewist op verzoek');
    expect(res.body).toContain('Persoonsgegevens verwijderd op verzoek van de persoon (privacyverzoek)');
    expect(res.body).not.toContain('Wil geen contact of hulp');
    for (const s of PERSONAL) expect(res.body).not.toContain(s);
  });

  it('leaves signals closed by an erasure out of the outcome figures (they still count as received)', async () => {
    const [org] = await t.db.insert(organisations).values({ name: 'Welzijn Cijfers', kind: 'welfare', municipalityId: sp.municipalityId }).returning();
    const row = (n: number, outcome: string) => ({
      reference: `SGN-CYF${outcome === ERASED_OUTCOME ? 'E' : 'D'}-000${n}`,
      kind: 'worry',
      channel: 'form',
      receivedAt: new Date('2026-05-04T09:00:00Z'),
      signallerType: 'pharmacy',
      municipalityId: sp.municipalityId,
      organisationId: org!.id,
      status: 'closed',
      outcome,
      closedAt: new Date('2026-05-06T09:00:00Z'),
    });
    await t.db.insert(signals).values([1, 2, 3, 4, 5].flatMap((n) => [row(n, ERASED_OUTCOME), row(n, 'declined')]));
    const stats = await computeStats(t.db, { kind: 'organisation', value: String(org!.id), label: 'Welzijn Cijfers', organisationId: org!.id }, { from: '2026-05', to: '2026-05' }, new Date('2026-06-01T12:00:00Z'));
    expect(stats.received.value).toBe(10);
    expect(stats.byOutcome.rows.find((r) => r.code === 'declined')).toMatchObject({ value: 5, percent: 100 });
    expect(stats.byOutcome.rows.map((r) => r.code)).not.toContain(ERASED_OUTCOME);
    expect(stats.byOutcome.total.value).toBe(5);
  });

  it('warns on the search page while signals still have personal data under an old key (address and e-mail searches would miss them)', async () => {
    expect(await countSignalsUnderOldKey(t.db, t.ctx.cipher)).toBe(0);
    expect((await admin.get(BASE)).body).not.toContain('oude sleutel');
    const withPersonalData = (await t.db.select({ id: signals.id }).from(signals).where(or(isNotNull(signals.personEnc), isNotNull(signals.signallerEnc)))).length;
    expect(withPersonalData).toBeGreaterThan(1);
    // The same database seen by an app whose ENCRYPTION_KEY has been replaced (rotation not yet run).
    const rotated = await createTestApp({ env: { ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64') }, database: t.database });
    try {
      expect(await countSignalsUnderOldKey(t.db, rotated.ctx.cipher)).toBe(withPersonalData);
      const c = new TestClient(rotated.app);
      await c.login('admin@test.example');
      const page = await c.get(BASE);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain(`${withPersonalData} signalen hebben nog persoonsgegevens die met een oude sleutel zijn versleuteld`);
      expect(page.body).toContain('<code>rotate-encryption-key</code>');
      // Also on the results page.
      expect((await c.post(BASE, address())).body).toContain('oude sleutel');
    } finally {
      await rotated.app.close();
    }
  });
});
