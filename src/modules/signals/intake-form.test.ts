import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { desc, eq, sql } from 'drizzle-orm';
import { createTestApp, createUser, seedReference, TestClient, type TestApp } from '../../../test/helpers/app.js';
import { setupSignalPoint, type SignalPointSetup } from '../../../test/helpers/signals.js';
import type { TestDatabase } from '../../../test/helpers/db.js';
import { openDatabase } from '../../platform/db/index.js';
import { auditLog } from '../../platform/db/schema.js';
import { formatPostcode } from './model.js';
import { decryptSignal } from './personal.js';
import { signals } from './schema.js';
import { issueStamp, logRefusal, type StampedForm } from './abuse.js';

// Refusals are logged with their reason only: spy on the logger helper (the original still runs).
vi.mock('./abuse.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('./abuse.js')>();
  return { ...actual, logRefusal: vi.fn(actual.logRefusal) };
});

// A stand-in for the PDOK Locatieserver: 1118 CP (not in the postcode table) lies in
// municipality 0344; 9999 XX does not exist; any other address is "Oudegracht, Utrecht".
let pdokServer: http.Server;
let pdokBase: string;
let pdokCalls = 0;
const PDOK_ONLY_POSTCODE = '1118CP';
const NOWHERE_POSTCODE = '9999XX';

async function startFakePdok() {
  pdokServer = http.createServer((req, res) => {
    pdokCalls++;
    const q = new URL(req.url ?? '/', 'http://x').searchParams.get('q') ?? '';
    const m = /postcode:(\w+) and huisnummer:(\d+)/.exec(q);
    const docs: object[] = [];
    if (m && m[1] === PDOK_ONLY_POSTCODE) {
      docs.push({ type: 'adres', postcode: m[1], huisnummer: Number(m[2]), huis_nlt: m[2], straatnaam: 'Evert van de Beekstraat', woonplaatsnaam: 'Schiphol', gemeentecode: '0344', buurtcode: 'BU03449999' });
    } else if (m && m[1] !== NOWHERE_POSTCODE) {
      docs.push({ type: 'adres', postcode: m[1], huisnummer: Number(m[2]), huis_nlt: m[2], straatnaam: 'Oudegracht', woonplaatsnaam: 'Utrecht', gemeentecode: '0344' });
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ response: { numFound: docs.length, start: 0, docs } }));
  });
  await new Promise<void>((r) => pdokServer.listen(0, '127.0.0.1', r));
  pdokBase = `http://127.0.0.1:${(pdokServer.address() as AddressInfo).port}/free`;
}

let t: TestApp;
let sp: SignalPointSetup;

beforeAll(async () => {
  await startFakePdok();
  t = await createTestApp({ env: { PDOK_LOCATIESERVER_URL: pdokBase, SIGNAL_FORM_RATE_LIMIT_PER_HOUR: '1000' } });
  await seedReference(t.db);
  sp = await setupSignalPoint(t.db, { cbsCode: 'GM0344' });
  await createUser(t.db, 'admin@test.example', [{ role: 'programme_admin' }]);
});
afterAll(async () => {
  await t.close();
  pdokServer.closeAllConnections();
  await new Promise((r) => pdokServer.close(r));
});

const countSignals = async (app: TestApp = t) => (await app.db.execute<{ n: number }>(sql`select count(*)::int as n from signals`)).rows[0]!.n;
const stampOf = (body: string) => /name="stempel" value="([^"]+)"/.exec(body)?.[1] ?? '';
/** The same stamp (same token), as if the form had been shown `seconds` ago. */
function backdate(app: TestApp, stamp: string, form: StampedForm = 'worry', seconds = 20): string {
  const token = stamp.split('.')[1]!;
  return issueStamp(app.ctx.config.sessionSecret, form, new Date(Date.now() - seconds * 1000), token);
}

/** Opens a form like a browser and returns a client plus a stamp old enough to submit. */
async function openForm(path = '/signaal-doorgeven', app: TestApp = t) {
  const c = new TestClient(app.app);
  const page = await c.get(path);
  expect(page.statusCode).toBe(200);
  return { c, page, stamp: backdate(app, stampOf(page.body), path === '/contact-gezocht' ? 'self' : 'worry') };
}

/** One h1, unique ids, and every aria-describedby and label points at an element that exists. */
function checkMarkup(html: string) {
  expect(html.match(/<h1[ >]/g)).toHaveLength(1);
  const ids = [...html.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
  expect(new Set(ids).size).toBe(ids.length);
  for (const m of html.matchAll(/aria-describedby="([^"]+)"/g)) for (const ref of m[1]!.split(' ')) expect(ids).toContain(ref);
  for (const m of html.matchAll(/<label[^>]* for="([^"]+)"/g)) expect(ids).toContain(m[1]);
  expect(html).not.toMatch(/ style=/);
  expect(html).not.toMatch(/<script(?! src=)/);
}

const worry = (over: Record<string, string | string[]> = {}) => ({
  signallerType: 'pharmacy',
  signallerName: 'Apotheker Jansen',
  signallerOrganisation: 'Apotheek Centrum',
  signallerEmail: 'apotheek@test.example',
  signallerPhone: '030 123 4567',
  feedback: 'ja',
  personName: 'Mevrouw De Vries',
  postcode: formatPostcode(sp.postcodes[0]).toLowerCase(),
  houseNumber: '12',
  houseNumberAddition: '',
  street: '',
  city: '',
  ageGroup: 'elderly',
  story: 'Mevrouw komt elke week haar medicijnen halen en vertelt dat ze niemand meer spreekt.',
  signs: ['rarely_outside', 'says_lonely'],
  personKnows: 'no',
  website: '',
  ...over,
});

describe('the public signal form', () => {
  it('shows the form with the 112 notice, the privacy link, a stamp and valid markup', async () => {
    const c = new TestClient(t.app);
    const res = await c.get('/signaal-doorgeven');
    expect(res.statusCode).toBe(200);
    const html = res.body;
    expect(html.match(/<h1[ >]/g)).toHaveLength(1);
    expect(html).toContain('Acuut gevaar? Bel 112');
    expect(html).toContain('0900-8844');
    expect(html).toContain('href="/signaal-doorgeven/privacy"');
    expect(html).toContain('href="/contact-gezocht"');
    expect(stampOf(html)).toMatch(/^\d{13}\.[\w-]+\.[\w-]{32}$/);
    // Honeypot: hidden from people and assistive technology, no tab stop, no autofill.
    expect(html).toMatch(/<div class="signal-hp" aria-hidden="true"><label for="veld-website">[^<]*leeg[^<]*<\/label><input type="text" id="veld-website" name="website" value(="")? tabindex="-1" autocomplete="off"\/>/);
    checkMarkup(html);
    // Radio and checkbox groups are fieldsets with a legend.
    for (const name of ['signallerType', 'ageGroup', 'signs', 'personKnows']) expect(html).toMatch(new RegExp(`<fieldset[^>]*id="veld-${name}"[^>]*><legend`));
    expect(html).toContain('Ik wil een kort bericht als het signaal is opgepakt');
    expect(html).toContain('name="actie" value="adres"');
    // A fresh one-time token on every render.
    expect(stampOf((await c.get('/signaal-doorgeven')).body).split('.')[1]).not.toBe(stampOf(html).split('.')[1]);
  });

  it('stores a signal routed to the signal point of the postcode, encrypted, and shows the reference', async () => {
    const { c, stamp } = await openForm();
    const before = await countSignals();
    const res = await c.post('/signaal-doorgeven', { ...worry(), stempel: stamp });
    expect(res.statusCode).toBe(303);
    const location = String(res.headers.location);
    expect(location).toMatch(/^\/signaal-doorgeven\/ontvangen\/SGN-[2-9A-Z]{4}-[2-9A-Z]{4}$/);
    const reference = location.split('/').pop()!;
    expect(await countSignals()).toBe(before + 1);
    const [row] = await t.db.select().from(signals).where(eq(signals.reference, reference));
    expect(row).toMatchObject({
      kind: 'worry',
      channel: 'form',
      signallerType: 'pharmacy',
      ageGroup: 'elderly',
      personKnows: 'no',
      feedbackRequested: true,
      organisationId: sp.organisationId,
      signalPointId: sp.signalPointId,
      neighbourhoodId: sp.neighbourhoodIds[0],
      routedBy: 'postcode',
      status: 'new',
    });
    expect(row!.signs).toEqual(['rarely_outside', 'says_lonely']);
    const raw = JSON.stringify(row);
    for (const s of ['De Vries', 'Jansen', 'apotheek@test.example', 'medicijnen', '030 123', sp.postcodes[0]]) expect(raw).not.toContain(s);
    const d = decryptSignal(t.ctx.cipher, row!);
    expect(d.person).toMatchObject({ name: 'Mevrouw De Vries', postcode: sp.postcodes[0], houseNumber: 12 });
    expect(d.signaller).toMatchObject({ name: 'Apotheker Jansen', email: 'apotheek@test.example', phone: '030 123 4567', organisation: 'Apotheek Centrum' });
    expect(d.story).toContain('medicijnen');
    // The confirmation: the reference, what happens next, the 112 notice — and nothing about the person.
    const page = await c.get(location);
    expect(page.statusCode).toBe(200);
    checkMarkup(page.body);
    expect(page.body).toContain(reference);
    expect(page.body).toContain('binnen twee werkdagen');
    expect(page.body).toContain('U krijgt één korte e-mail zodra het signaal is opgepakt');
    expect(page.body).toContain('Acuut gevaar? Bel 112');
    for (const s of ['De Vries', 'Jansen', 'medicijnen']) expect(page.body).not.toContain(s);
    // The audit log has the creation, without personal data.
    const [entry] = await t.db.select().from(auditLog).where(eq(auditLog.entity, 'signal')).orderBy(desc(auditLog.id)).limit(1);
    expect(entry).toMatchObject({ action: 'create', entityId: String(row!.id) });
    expect(JSON.stringify(entry)).not.toContain('De Vries');
  });

  it('refuses a bad postcode and house number with clear messages, keeps everything typed and stores nothing', async () => {
    const { c, stamp } = await openForm();
    const before = await countSignals();
    const res = await c.post('/signaal-doorgeven', { ...worry({ postcode: '35111', houseNumber: '12a', story: 'Ze <script>alert(1)</script> zit alleen' }), stempel: stamp });
    expect(res.statusCode).toBe(422);
    checkMarkup(res.body);
    expect(res.body).toContain('Vul een geldige postcode in, zoals 3511 AB');
    expect(res.body).toContain('Vul een huisnummer in (alleen cijfers; een toevoeging zoals A of bis vult u apart in)');
    expect(res.body).toContain('href="#veld-postcode"');
    expect(res.body).toContain('href="#veld-houseNumber"');
    // Everything typed is still there …
    expect(res.body).toContain('value="35111"');
    expect(res.body).toContain('value="12a"');
    expect(res.body).toContain('value="Mevrouw De Vries"');
    expect(res.body).toContain('value="apotheek@test.example"');
    expect(res.body).toMatch(/value="pharmacy" checked/);
    expect(res.body).toMatch(/value="says_lonely" checked/);
    expect(res.body).toMatch(/name="feedback" value="ja" checked/);
    // … and text is escaped on output, never executed.
    expect(res.body).toContain('Ze &lt;script>alert(1)&lt;/script> zit alleen');
    expect(res.body).not.toContain('<script>alert(1)');
    expect(await countSignals()).toBe(before);
    // The re-rendered form keeps the same token (the stamp is carried over).
    expect(stampOf(res.body)).toBe(stamp);
  });

  it('asks for an e-mail address when feedback is wanted, and for a worry or a sign', async () => {
    const { c, stamp } = await openForm();
    const before = await countSignals();
    const res = await c.post('/signaal-doorgeven', { ...worry({ signallerEmail: '', story: '', signs: [], signallerType: '' }), stempel: stamp });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Kies wie het signaal doorgeeft.');
    expect(res.body).toContain('Vul uw e-mailadres in als u een bericht wilt krijgen');
    expect(res.body).toContain('Vertel kort wat u zorgen baart, of vink hieronder ten minste één signaal aan.');
    const tooLong = await c.post('/signaal-doorgeven', { ...worry({ story: 'x'.repeat(4001) }), stempel: stamp });
    expect(tooLong.statusCode).toBe(422);
    expect(tooLong.body).toContain('Gebruik hoogstens 4000 tekens; nu zijn het er 4001.');
    expect(await countSignals()).toBe(before);
  });

  it('accepts an unknown address: routed through PDOK when it knows the municipality, else to the unrouted queue', async () => {
    // 1118 CP is not in the postcode table; the (fake) Locatieserver places it in GM0344.
    let { c, stamp } = await openForm();
    const viaPdok = await c.post('/signaal-doorgeven', { ...worry({ postcode: '1118 CP', houseNumber: '202' }), stempel: stamp });
    expect(viaPdok.statusCode).toBe(303);
    const [a] = await t.db.select().from(signals).where(eq(signals.reference, String(viaPdok.headers.location).split('/').pop()!));
    expect(a).toMatchObject({ routedBy: 'pdok', signalPointId: sp.signalPointId, municipalityId: sp.municipalityId });
    // Street and town were empty: filled in from the same answer.
    expect(decryptSignal(t.ctx.cipher, a!).person).toMatchObject({ street: 'Evert van de Beekstraat', city: 'Schiphol' });

    // A postcode that neither the table nor PDOK knows: still accepted, into the unrouted queue.
    ({ c, stamp } = await openForm());
    const unknown = await c.post('/signaal-doorgeven', { ...worry({ postcode: '9999 XX', houseNumber: '1', street: 'Nergensweg', city: 'Nergenshuizen' }), stempel: stamp });
    expect(unknown.statusCode).toBe(303);
    const [b] = await t.db.select().from(signals).where(eq(signals.reference, String(unknown.headers.location).split('/').pop()!));
    expect(b).toMatchObject({ signalPointId: null, organisationId: null, routedBy: 'none', status: 'new' });
    expect(decryptSignal(t.ctx.cipher, b!).person).toMatchObject({ street: 'Nergensweg', city: 'Nergenshuizen' });
  });

  it('"Adres opzoeken" fills in street and town from PDOK, keeps every typed value and stores nothing', async () => {
    const { c, stamp } = await openForm();
    const before = await countSignals();
    const res = await c.post('/signaal-doorgeven', { ...worry({ street: '', city: '' }), stempel: stamp, actie: 'adres' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Adres gevonden: Oudegracht 12, Utrecht');
    expect(res.body).toMatch(/name="street" type="text" value="Oudegracht"/);
    expect(res.body).toMatch(/name="city" type="text" value="Utrecht"/);
    expect(res.body).toContain('value="Mevrouw De Vries"');
    expect(res.body).toContain('medicijnen');
    expect(stampOf(res.body)).toBe(stamp);
    expect(await countSignals()).toBe(before);
    // Without a valid postcode there is nothing to look up: the field says why.
    const bad = await c.post('/signaal-doorgeven', { ...worry({ postcode: 'abc' }), stempel: stamp, actie: 'adres' });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('Vul een geldige postcode in, zoals 3511 AB');
  });

  it('keeps working when PDOK is unreachable: the address can be typed in by hand', async () => {
    const down = await createTestApp({ env: { PDOK_LOCATIESERVER_URL: 'http://127.0.0.1:1/free' }, database: t.database });
    try {
      const { c, stamp } = await openForm('/signaal-doorgeven', down);
      const lookup = await c.post('/signaal-doorgeven', { ...worry({ postcode: '1118 CP', houseNumber: '202', street: 'Zelf getypt' }), stempel: stamp, actie: 'adres' });
      expect(lookup.statusCode).toBe(200);
      expect(lookup.body).toContain('We konden het adres nu niet automatisch opzoeken');
      expect(lookup.body).toContain('value="Zelf getypt"');
      const res = await c.post('/signaal-doorgeven', { ...worry({ postcode: '1118 CP', houseNumber: '202', street: 'Zelf getypt', city: 'Schiphol' }), stempel: stamp });
      expect(res.statusCode).toBe(303);
      const [row] = await t.db.select().from(signals).where(eq(signals.reference, String(res.headers.location).split('/').pop()!));
      expect(row).toMatchObject({ signalPointId: null, routedBy: 'none' }); // unknown postcode, no PDOK: the unrouted queue
      expect(decryptSignal(t.ctx.cipher, row!).person).toMatchObject({ street: 'Zelf getypt', city: 'Schiphol' });
    } finally {
      await down.app.close();
    }
  });

  it('stores nothing for a filled-in honeypot, a missing or forged stamp, or a submit within seconds', async () => {
    const before = await countSignals();
    const { c, page, stamp } = await openForm();
    const honey = await c.post('/signaal-doorgeven', { ...worry({ website: 'http://spam.example' }), stempel: stamp });
    expect(honey.statusCode).toBe(422);
    expect(honey.body).toContain('Het formulier kon niet worden verwerkt');
    expect(honey.body).toContain('value="Mevrouw De Vries"'); // a person whose browser filled it in can send again
    expect(honey.body).not.toContain('spam.example');

    const fresh = stampOf(page.body); // shown a moment ago: too fast
    const fast = await c.post('/signaal-doorgeven', { ...worry(), stempel: fresh });
    expect(fast.statusCode).toBe(422);
    expect(fast.body).toContain('Uw formulier is nog NIET verstuurd');
    expect(fast.body).toContain('value="Mevrouw De Vries"');
    expect(stampOf(fast.body)).toBe(fresh); // the same genuine stamp: a person just sends again

    const missing = await c.post('/signaal-doorgeven', { ...worry() });
    expect(missing.statusCode).toBe(422);
    const [ts, token] = stamp.split('.');
    const forged = await c.post('/signaal-doorgeven', { ...worry(), stempel: `${Number(ts) - 60_000}.${token}.${'A'.repeat(32)}` });
    expect(forged.statusCode).toBe(422);
    expect(stampOf(forged.body)).not.toContain(token); // a forged stamp is replaced by a fresh one
    const old = await c.post('/signaal-doorgeven', { ...worry(), stempel: backdate(t, stamp, 'worry', 25 * 3600) });
    expect(old.statusCode).toBe(422);
    // A stamp of the other form does not count either.
    const other = await c.post('/signaal-doorgeven', { ...worry(), stempel: backdate(t, stamp, 'self') });
    expect(other.statusCode).toBe(422);
    expect(await countSignals()).toBe(before);
  });

  it('stores one signal for a double submit or a retry of the same form', async () => {
    const { c, stamp } = await openForm();
    const before = await countSignals();
    const body = { ...worry({ personName: 'Meneer Dubbel' }), stempel: stamp };
    const [a, b] = await Promise.all([c.post('/signaal-doorgeven', body), c.post('/signaal-doorgeven', body)]);
    const again = await c.post('/signaal-doorgeven', body);
    expect([a.statusCode, b.statusCode, again.statusCode]).toEqual([303, 303, 303]);
    expect(b.headers.location).toBe(a.headers.location);
    expect(again.headers.location).toBe(a.headers.location);
    expect(await countSignals()).toBe(before + 1);
    // A new rendering of the form is a new signal.
    const second = await openForm();
    const other = await second.c.post('/signaal-doorgeven', { ...body, stempel: second.stamp });
    expect(other.headers.location).not.toBe(a.headers.location);
    expect(await countSignals()).toBe(before + 2);
  });

  it('stores the same form with other content as a new signal: a corrected house number is not lost', async () => {
    const { c, stamp } = await openForm();
    const before = await countSignals();
    const first = await c.post('/signaal-doorgeven', { ...worry({ personName: 'Meneer Typfout', houseNumber: '41' }), stempel: stamp });
    expect(first.statusCode).toBe(303);
    // The identical form again (a retry): the same signal.
    const same = await c.post('/signaal-doorgeven', { ...worry({ personName: 'Meneer Typfout', houseNumber: '41' }), stempel: stamp });
    expect(same.headers.location).toBe(first.headers.location);
    expect(await countSignals()).toBe(before + 1);
    // The same rendered form (same stamp) with the house number corrected: a second signal, with the corrected address.
    const corrected = { ...worry({ personName: 'Meneer Typfout', houseNumber: '14' }), stempel: stamp };
    const [a, b] = await Promise.all([c.post('/signaal-doorgeven', corrected), c.post('/signaal-doorgeven', corrected)]);
    expect([a.statusCode, b.statusCode]).toEqual([303, 303]);
    expect(a.headers.location).not.toBe(first.headers.location);
    expect(b.headers.location).toBe(a.headers.location); // a double click on the corrected form: still one
    expect(await countSignals()).toBe(before + 2);
    const [row] = await t.db.select().from(signals).where(eq(signals.reference, String(a.headers.location).split('/').pop()!));
    expect(decryptSignal(t.ctx.cipher, row!).person).toMatchObject({ name: 'Meneer Typfout', houseNumber: 14 });
    // The key of the corrected signal: the stamp's token and the keyed HMAC of its content (base64url, no address in it).
    expect(row!.requestHash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(row!.idempotencyKey).toMatch(new RegExp(`^${stamp.split('.')[1]}\\.[A-Za-z0-9_-]{43}$`));
    const [earlier] = await t.db.select().from(signals).where(eq(signals.reference, String(first.headers.location).split('/').pop()!));
    expect(earlier!.requestHash).not.toBe(row!.requestHash);
    expect(decryptSignal(t.ctx.cipher, earlier!).person).toMatchObject({ houseNumber: 41 });
  });

  it('answers 404 for an unknown or malformed reference', async () => {
    const c = new TestClient(t.app);
    expect((await c.get('/signaal-doorgeven/ontvangen/SGN-2222-2222')).statusCode).toBe(404);
    expect((await c.get('/signaal-doorgeven/ontvangen/abc')).statusCode).toBe(404);
  });
});

describe('the self entrance (/contact-gezocht)', () => {
  const self = (over: Record<string, string> = {}) => ({
    name: 'Henk',
    phone: '06 12345678',
    email: '',
    postcode: sp.postcodes[1],
    houseNumber: '7',
    houseNumberAddition: 'b',
    street: '',
    city: '',
    wish: 'Ik zou graag iemand hebben om mee te wandelen.',
    ageGroup: 'elderly',
    website: '',
    ...over,
  });

  it('is warm and short, links the privacy statement, and requires a way to reach the person', async () => {
    const { c, page, stamp } = await openForm('/contact-gezocht');
    checkMarkup(page.body);
    expect(page.body).toContain('Ik voel me eenzaam en wil graag contact');
    expect(page.body).toContain('href="/signaal-doorgeven/privacy"');
    const before = await countSignals();
    const res = await c.post('/contact-gezocht', { ...self({ phone: '', email: '' }), stempel: stamp });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Vul een telefoonnummer of een e-mailadres in (of allebei), zodat iemand contact met u kan opnemen.');
    expect(res.body).toContain('value="Henk"');
    expect(res.body).toContain('mee te wandelen');
    expect(await countSignals()).toBe(before);
  });

  it('stores a self signal with the person as contact, no signaller and no feedback; the confirmation shows no person data', async () => {
    const { c, stamp } = await openForm('/contact-gezocht');
    const res = await c.post('/contact-gezocht', { ...self({ email: 'henk@test.example' }), stempel: stamp });
    expect(res.statusCode).toBe(303);
    const reference = String(res.headers.location).split('/').pop()!;
    const [row] = await t.db.select().from(signals).where(eq(signals.reference, reference));
    expect(row).toMatchObject({ kind: 'self', signallerType: 'self', feedbackRequested: false, signallerEnc: null, organisationId: sp.organisationId, neighbourhoodId: sp.neighbourhoodIds[1] });
    const d = decryptSignal(t.ctx.cipher, row!);
    expect(d.person).toMatchObject({ name: 'Henk', phone: '06 12345678', email: 'henk@test.example', postcode: sp.postcodes[1], houseNumber: 7, houseNumberAddition: 'B' });
    expect(d.story).toContain('wandelen');
    const page = await c.get(String(res.headers.location));
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Bedankt, we nemen contact met u op');
    expect(page.body).toContain(reference);
    for (const s of ['Henk', '06 12345678', 'wandelen']) expect(page.body).not.toContain(s);
  });
});

describe('privacy statement and home page', () => {
  it('explains the privacy of the signal point in plain Dutch', async () => {
    const c = new TestClient(t.app);
    const res = await c.get('/signaal-doorgeven/privacy');
    expect(res.statusCode).toBe(200);
    checkMarkup(res.body);
    for (const s of ['Wie is verantwoordelijk?', 'versleuteld', 'Zes maanden', 'inzage', 'correctie', 'verwijdering', t.ctx.config.helpdeskEmail, 'Meestal weet de persoon niet'])
      expect(res.body).toContain(s);
  });

  it('links both public entrances from the home page', async () => {
    const res = await new TestClient(t.app).get('/');
    expect(res.body).toContain('href="/signaal-doorgeven"');
    expect(res.body).toContain('href="/contact-gezocht"');
  });
});

describe('limits and failures', () => {
  it('limits signals per IP address per hour, with values kept, and still allows address look-ups', async () => {
    const limited = await createTestApp({ env: { SIGNAL_FORM_RATE_LIMIT_PER_HOUR: '2' }, database: t.database });
    try {
      const before = await countSignals();
      const codes: number[] = [];
      for (let i = 0; i < 3; i++) {
        const { c, stamp } = await openForm('/signaal-doorgeven', limited);
        const res = await c.post('/signaal-doorgeven', { ...worry({ personName: `Persoon ${i}` }), stempel: stamp });
        codes.push(res.statusCode);
        if (i === 2) {
          expect(res.body).toContain('NIET verstuurd');
          expect(res.body).toContain('value="Persoon 2"');
          expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        }
      }
      expect(codes).toEqual([303, 303, 429]);
      expect(await countSignals()).toBe(before + 2);
      const { c, stamp } = await openForm('/signaal-doorgeven', limited);
      expect((await c.post('/signaal-doorgeven', { ...worry(), stempel: stamp, actie: 'adres' })).statusCode).toBe(200);
      // The self entrance has its own counter.
      const s = await openForm('/contact-gezocht', limited);
      expect((await s.c.post('/contact-gezocht', { name: 'X', phone: '0612345678', postcode: sp.postcodes[0], houseNumber: '3', stempel: s.stamp })).statusCode).toBe(303);
    } finally {
      await limited.app.close();
    }
  });

  it('answers a body larger than the limit with the form and a clear message, logs the refusal and stores nothing', async () => {
    const before = await countSignals();
    for (const path of ['/signaal-doorgeven', '/contact-gezocht']) {
      const { c, stamp } = await openForm(path);
      vi.mocked(logRefusal).mockClear();
      const res = await c.post(path, { ...worry({ personName: 'Mevrouw Lang', story: 'x'.repeat(70 * 1024) }), wish: 'y'.repeat(70 * 1024), stempel: stamp });
      expect(res.statusCode).toBe(413);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.body).toContain('Uw bericht was te lang; het kon niet worden verwerkt. Maak de toelichting korter.');
      expect(res.body).toContain('NIET verstuurd');
      expect(res.body).toContain('vul het formulier hieronder opnieuw in');
      // The form itself, ready to be filled in again (the body could not be read, so it is empty).
      expect(res.body).toContain(`<form method="post" action="${path}"`);
      expect(stampOf(res.body)).toMatch(/^\d{13}\./);
      expect(res.body).not.toContain('Mevrouw Lang');
      checkMarkup(res.body);
      expect(vi.mocked(logRefusal)).toHaveBeenCalledTimes(1);
      expect(vi.mocked(logRefusal).mock.calls[0]![1]).toBe('body_too_large');
    }
    expect(await countSignals()).toBe(before);
  });

  it('accepts the genuine stamp instead of the CSRF cookie on the public forms only (cookies blocked)', async () => {
    const before = await countSignals();
    // A browser that keeps no cookies: the form page sets them, the post arrives without.
    const { c, stamp } = await openForm();
    c.cookies.clear();
    const res = await c.post('/signaal-doorgeven', { ...worry({ personName: 'Mevrouw Zonder Cookies' }), stempel: stamp });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toMatch(/^\/signaal-doorgeven\/ontvangen\/SGN-/);
    expect(await countSignals()).toBe(before + 1);
    // Too fresh or expired, but genuine: the form comes back with everything kept (not an error page).
    const fresh = await openForm();
    fresh.c.cookies.clear();
    const fast = await fresh.c.post('/signaal-doorgeven', { ...worry({ personName: 'Mevrouw Snel' }), stempel: stampOf(fresh.page.body) });
    expect(fast.statusCode).toBe(422);
    expect(fast.body).toContain('value="Mevrouw Snel"');
    const old = await fresh.c.post('/signaal-doorgeven', { ...worry({ personName: 'Mevrouw Oud' }), stempel: backdate(t, fresh.stamp, 'worry', 25 * 3600) });
    expect(old.statusCode).toBe(422);
    expect(old.body).toContain('value="Mevrouw Oud"');
    // The self entrance too, with its own stamp.
    const self = await openForm('/contact-gezocht');
    self.c.cookies.clear();
    expect((await self.c.post('/contact-gezocht', { name: 'Z', phone: '0612345678', postcode: sp.postcodes[0], houseNumber: '5', stempel: self.stamp })).statusCode).toBe(303);
    expect(await countSignals()).toBe(before + 2);

    // Without cookie and without a genuine stamp of THIS form: the CSRF check applies (403), nothing stored.
    const forger = new TestClient(t.app);
    const [ts, token] = stamp.split('.');
    for (const [path, body] of [
      ['/signaal-doorgeven', { ...worry() }],
      ['/signaal-doorgeven', { ...worry(), stempel: `${ts}.${token}.${'A'.repeat(32)}` }],
      ['/signaal-doorgeven', { ...worry(), stempel: backdate(t, stamp, 'self') }],
      ['/contact-gezocht', { name: 'Z', phone: '0612345678', postcode: sp.postcodes[0], houseNumber: '5', stempel: stamp }],
    ] as const) {
      expect((await forger.post(path, body, { csrf: false })).statusCode).toBe(403);
    }
    // Other forms keep the CSRF cookie check, stamp or not.
    const login = await forger.post('/inloggen', { email: 'admin@test.example', password: 'x', stempel: stamp }, { csrf: false });
    expect(login.statusCode).toBe(403);
    expect(await countSignals()).toBe(before + 2);
  });

  it('says the signal was NOT sent when the database is down, keeps every value, and a retry later works', async () => {
    const unreachable = openDatabase('postgres://nobody:nothing@127.0.0.1:1/none', { max: 1 });
    const fake = { ...unreachable, name: 'unreachable', drop: async () => undefined } as TestDatabase;
    const down = await createTestApp({ database: fake });
    try {
      const { c, stamp } = await openForm('/signaal-doorgeven', down);
      const res = await c.post('/signaal-doorgeven', { ...worry({ personName: 'Mevrouw Wacht' }), stempel: stamp });
      expect(res.statusCode).toBe(503);
      expect(res.body).toContain('Uw signaal is nog NIET verstuurd: de verbinding met de database is tijdelijk weg. Probeer het over een paar minuten opnieuw.');
      expect(res.body).toContain('value="Mevrouw Wacht"');
      expect(res.body).toContain('medicijnen');
      expect(res.body).toMatch(/value="says_lonely" checked/);
      expect(stampOf(res.body)).toBe(stamp);
      // Nothing half-saved anywhere; the same form sent again once the database is back is stored once.
      const before = await countSignals();
      const client = new TestClient(t.app);
      await client.get('/signaal-doorgeven');
      const retry = await client.post('/signaal-doorgeven', { ...worry({ personName: 'Mevrouw Wacht' }), stempel: stamp });
      expect(retry.statusCode).toBe(303);
      expect(await countSignals()).toBe(before + 1);
    } finally {
      await down.app.close();
      await unreachable.close();
    }
  });
});
