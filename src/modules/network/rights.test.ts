import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, eq, inArray } from 'drizzle-orm';
import { createTestApp, createUser, seedReference, signedIn, TestClient, type TestApp } from '../../../test/helpers/app.js';
import { municipalityId } from '../../../test/helpers/registry.js';
import { auditLog, outbox } from '../../platform/db/schema.js';
import { organisations, participations } from '../registry/schema.js';
import { benchmarkEditions, benchmarkInvitations } from '../benchmark/schema.js';
import { boardInterests, boardMatches, boardMessages, boardNotifications, boardPosts } from '../matching/schema.js';
import { coalitionMembers, coalitions, contactMomentPersons, contactMoments, contactPersons } from './schema.js';
import { ANONYMISED_PERSON, ERASED_ADDRESS, ERASED_MESSAGE, type NetworkRightsExport } from './rights-service.js';

/**
 * Rights requests about the network and the board: finding one person by e-mail or name in every
 * place that holds their data, the export of exactly the ticked findings, the erasure per kind
 * (and nothing else), the programme admin only, and an audit trail without personal data.
 */

let t: TestApp;
let admin: TestClient;
const BASE = '/beheer/privacyverzoeken/netwerk';
const EMAIL = 'petra.dewit@welzijn.example';
const NAME = 'Petra de Wit';
const NOTE = 'Gesprek met Petra de Wit over de Week tegen Eenzaamheid; <b>belt terug</b>.';
const id: Record<string, number> = {};

const byEmail = (extra: Record<string, string | string[]> = {}) => ({ zoekwijze: 'email', email: 'Petra.DeWit@Welzijn.example ', ...extra });
const byName = (extra: Record<string, string | string[]> = {}) => ({ zoekwijze: 'naam', naam: 'petra de wit', ...extra });
const checkbox = (key: string) => new RegExp(`name="gevonden" value="${key}"`);
const isChecked = (body: string, key: string) => new RegExp(`value="${key}"[^>]*checked`).test(body);

/** Every key an e-mail search must find. */
const emailKeys = () => [
  `contact_person-${id.person}`,
  `coalition_member-${id.memberActive}`,
  `coalition_member-${id.memberEnded}`,
  `coalition_member-${id.memberDeleted}`,
  `participation-${id.participation}`,
  `organisation-${id.org}`,
  `benchmark_invitation-${id.invitation}`,
  `user-${id.user}`,
  `board_post-${id.post}`,
  `board_message-${id.message}`,
  `board_match-${id.match}`,
  `board_interest-${id.interest}`,
  `mail-${id.mailSent}`,
  `mail-${id.mailQueued}`,
];
/** Rows of someone else, or signal data: never found for Petra by e-mail. */
const otherKeys = () => [
  `contact_person-${id.otherPerson}`,
  `contact_person-${id.namesake}`,
  `coalition_member-${id.otherMember}`,
  `participation-${id.otherParticipation}`,
  `organisation-${id.otherOrg}`,
  `user-${id.otherUser}`,
  `board_post-${id.otherPost}`,
  `board_message-${id.otherMessage}`,
  `board_interest-${id.otherInterest}`,
  `mail-${id.otherMail}`,
  `mail-${id.feedbackMail}`,
];

beforeAll(async () => {
  t = await createTestApp();
  await seedReference(t.db);
  id.groningen = await municipalityId(t.db, 'GM0014');
  id.utrecht = await municipalityId(t.db, 'GM0344');
  const [org] = await t.db
    .insert(organisations)
    .values({ name: 'WIJ Groningen', kind: 'welfare', municipalityId: id.groningen, contactName: NAME, contactEmail: EMAIL, contactPhone: '050 123 4567' })
    .returning();
  id.org = org!.id;
  const [other] = await t.db
    .insert(organisations)
    .values({ name: 'Welzijn Utrecht', kind: 'welfare', municipalityId: id.utrecht, contactName: 'Karel Bos', contactEmail: 'karel@utrecht.example' })
    .returning();
  id.otherOrg = other!.id;
  const [national] = await t.db.insert(organisations).values({ name: 'Ouderenfonds', kind: 'national_partner' }).returning();
  id.national = national!.id;

  id.participation = (await t.db.insert(participations).values({ municipalityId: id.groningen, status: 'active', signedOn: '2020-01-15', contactName: NAME, contactEmail: EMAIL }).returning())[0]!.id;
  id.otherParticipation = (await t.db.insert(participations).values({ municipalityId: id.utrecht, status: 'active', signedOn: '2021-01-15', contactName: 'Karel Bos', contactEmail: 'karel@utrecht.example' }).returning())[0]!.id;

  const [coalition] = await t.db.insert(coalitions).values({ name: 'Coalitie Groningen', municipalityId: id.groningen }).returning();
  const member = (over: Partial<typeof coalitionMembers.$inferInsert>) =>
    t.db
      .insert(coalitionMembers)
      .values({ coalitionId: coalition!.id, organisationId: id.org, role: 'kartrekker', sector: 'care_welfare', contactName: NAME, contactEmail: EMAIL, startDate: '2022-01-01', ...over })
      .returning()
      .then((r) => r[0]!.id);
  id.memberEnded = await member({ role: 'initiator', endDate: '2023-03-01' });
  id.memberActive = await member({ startDate: '2023-03-01' });
  id.memberDeleted = await member({ role: 'active', deletedAt: new Date('2023-05-01T10:00:00Z') });
  id.otherMember = await member({ organisationId: id.national, contactName: 'Karel Bos', contactEmail: 'karel@utrecht.example' });

  id.person = (await t.db.insert(contactPersons).values({ name: NAME, organisationId: id.org, jobTitle: 'Coördinator welzijn', email: EMAIL, phone: '06 1234 5678' }).returning())[0]!.id;
  id.namesake = (await t.db.insert(contactPersons).values({ name: 'Petra de Wit', organisationId: id.national, email: 'p.dewit@ouderenfonds.example' }).returning())[0]!.id;
  id.otherPerson = (await t.db.insert(contactPersons).values({ name: 'Karel Bos', organisationId: id.otherOrg, email: 'karel@utrecht.example', phone: '030 000 0000' }).returning())[0]!.id;

  const admin0 = await createUser(t.db, 'admin@test.example', [{ role: 'programme_admin' }], 'Beheerder');
  const moment = (subject: string, notes: string) =>
    t.db
      .insert(contactMoments)
      .values({ occurredOn: '2024-04-02', kind: 'meeting', subject, notes, municipalityId: id.groningen, createdBy: admin0.id })
      .returning()
      .then((r) => r[0]!.id);
  id.moment = await moment('Overleg kartrekker', NOTE);
  id.momentMentions = await moment('Webinar signaleren', 'Petra de Wit deed mee.');
  id.momentOther = await moment('Overleg Utrecht', 'Karel Bos belt.');
  await t.db.insert(contactMomentPersons).values([
    { contactMomentId: id.moment, personId: id.person },
    { contactMomentId: id.momentOther, personId: id.otherPerson },
  ]);

  const [edition] = await t.db.insert(benchmarkEditions).values({ year: 2025, title: 'Benchmark 2025', status: 'open' }).returning();
  id.invitation = (
    await t.db.insert(benchmarkInvitations).values({ editionId: edition!.id, municipalityId: id.groningen, contactName: NAME, contactEmail: EMAIL, tokenHash: 'h1', tokenEncrypted: 'e1', sentAt: new Date() }).returning()
  )[0]!.id;

  const petra = await createUser(t.db, EMAIL, [{ role: 'partner', organisationId: id.org }], NAME);
  const karel = await createUser(t.db, 'karel@utrecht.example', [{ role: 'partner', organisationId: id.otherOrg }], 'Karel Bos');
  id.user = petra.id;
  id.otherUser = karel.id;
  const post = (postedBy: number, organisationId: number, title: string) =>
    t.db
      .insert(boardPosts)
      .values({ kind: 'offer', title, description: `${title}: beschrijving`, themes: ['meeting'], validUntil: '2030-01-01', organisationId, postedBy })
      .returning()
      .then((r) => r[0]!.id);
  id.post = await post(petra.id, id.org, 'Vrijwilligers voor de koffieochtend');
  id.otherPost = await post(karel.id, id.otherOrg, 'Ruimte voor een maaltijd');
  id.message = (await t.db.insert(boardMessages).values({ postId: id.otherPost, reactorId: petra.id, fromUserId: petra.id, body: 'Hallo Karel, bel me op 06 1234 5678.' }).returning())[0]!.id;
  id.otherMessage = (await t.db.insert(boardMessages).values({ postId: id.otherPost, reactorId: petra.id, fromUserId: karel.id, body: 'Prima Petra, tot morgen.' }).returning())[0]!.id;
  id.match = (await t.db.insert(boardMatches).values({ postId: id.otherPost, partnerUserId: petra.id, partnerOrganisationId: id.org, madeOn: '2025-02-01', note: 'Samen een maaltijd', createdBy: karel.id }).returning())[0]!.id;
  id.interest = (await t.db.insert(boardInterests).values({ userId: petra.id, themes: ['meeting', 'elderly'] }).returning())[0]!.id;
  id.otherInterest = (await t.db.insert(boardInterests).values({ userId: karel.id, themes: ['youth'] }).returning())[0]!.id;
  await t.db.insert(boardNotifications).values([
    { interestId: id.interest, postId: id.otherPost },
    { interestId: id.otherInterest, postId: id.post },
  ]);

  const mail = (toAddress: string, subject: string, kind: string, status: string) =>
    t.db
      .insert(outbox)
      .values({ toAddress, subject, textBody: 'Tekst', kind, status, sentAt: status === 'sent' ? new Date() : null })
      .returning()
      .then((r) => r[0]!.id);
  id.mailSent = await mail('PETRA.DEWIT@welzijn.example', 'Nieuwe reactie op uw aanbod', 'board_message', 'sent');
  id.mailQueued = await mail(EMAIL, 'Uw uitnodiging', 'invitation', 'queued');
  id.feedbackMail = await mail(EMAIL, 'Uw signaal wordt opgepakt', 'signal_feedback', 'sent');
  id.otherMail = await mail('karel@utrecht.example', 'Nieuwe reactie', 'board_message', 'sent');

  await createUser(t.db, 'coord@test.example', [{ role: 'municipality_coordinator', municipalityId: id.groningen }]);
  await createUser(t.db, 'adviseur@test.example', [{ role: 'advisor', municipalityId: id.groningen }]);
  admin = await signedIn(t.app, 'admin@test.example');
});
afterAll(() => t.close());

describe('network rights requests: access', () => {
  it('is for the programme admin only: coordinators, advisors and partners get 403 on every route and change nothing', async () => {
    expect((await admin.get(BASE)).statusCode).toBe(200);
    const all = [`contact_person-${id.person}`, `coalition_member-${id.memberActive}`];
    for (const email of ['coord@test.example', 'adviseur@test.example', EMAIL]) {
      const c = await signedIn(t.app, email);
      expect((await c.get(BASE)).statusCode, email).toBe(403);
      expect((await c.post(BASE, byEmail())).statusCode, email).toBe(403);
      expect((await c.post(`${BASE}/inzage`, byEmail({ gevonden: all }))).statusCode, email).toBe(403);
      const json = await c.post(`${BASE}/export.json`, byEmail({ gevonden: all }));
      expect(json.statusCode, email).toBe(403);
      expect(json.body).not.toContain('06 1234 5678');
      expect((await c.post(`${BASE}/verwijderen`, byEmail({ gevonden: all, stap: 'bevestigen', bevestiging: 'ja' }))).statusCode, email).toBe(403);
    }
    const anon = new TestClient(t.app);
    expect([302, 303]).toContain((await anon.get(BASE)).statusCode);
    const [p] = await t.db.select().from(contactPersons).where(eq(contactPersons.id, id.person));
    expect(p).toMatchObject({ name: NAME, email: EMAIL, deletedAt: null });
  });

  it('refuses a POST without the CSRF token', async () => {
    const res = await admin.post(`${BASE}/verwijderen`, byEmail({ gevonden: `contact_person-${id.person}`, stap: 'bevestigen', bevestiging: 'ja' }), { csrf: false });
    expect(res.statusCode).toBe(403);
    expect((await t.db.select().from(contactPersons).where(eq(contactPersons.id, id.person)))[0]!.email).toBe(EMAIL);
  });

  it('links to and from the signals rights screen', async () => {
    const page = await admin.get(BASE);
    expect(page.body).toContain('href="/beheer/privacyverzoeken"');
    expect(page.body.match(/<h1/g)).toHaveLength(1);
    const signals = await admin.get('/beheer/privacyverzoeken');
    expect(signals.body).toContain(`href="${BASE}"`);
    expect(signals.body).toContain('Privacyverzoeken over contactpersonen, coalitieleden en vraag en aanbod');
  });
});

describe('network rights requests: finding a person', () => {
  it('finds every kind by e-mail address, whatever the case, ticked in advance — and nobody else', async () => {
    const res = await admin.post(BASE, byEmail());
    expect(res.statusCode).toBe(200);
    for (const key of emailKeys()) {
      expect(res.body, key).toMatch(checkbox(key));
      expect(isChecked(res.body, key), key).toBe(true);
    }
    for (const key of otherKeys()) expect(res.body, key).not.toMatch(checkbox(key));
    expect(res.body).toContain(`${emailKeys().length} vondsten met dit e-mailadres`);
    // Ended and corrected membership rows are there too, with their dates.
    expect(res.body).toContain('verwijderd als correctie');
    expect(res.body).toContain('vanaf 1 januari 2022 tot 1 maart 2023');
    expect(res.body).toContain('Alleen inzage');
    expect(res.body.match(/<h1/g)).toHaveLength(1);
  });

  it('finds by name (case-insensitive, also a namesake), ticks nothing and warns to check each finding', async () => {
    const res = await admin.post(BASE, byName());
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Zoeken op naam kan ook andere mensen met dezelfde naam vinden');
    for (const key of [`contact_person-${id.person}`, `contact_person-${id.namesake}`, `coalition_member-${id.memberActive}`, `participation-${id.participation}`, `organisation-${id.org}`, `benchmark_invitation-${id.invitation}`, `user-${id.user}`, `board_message-${id.message}`]) {
      expect(res.body, key).toMatch(checkbox(key));
      expect(isChecked(res.body, key), key).toBe(false);
    }
    // Mails are found by address only; Karel is not found.
    expect(res.body).not.toMatch(/name="gevonden" value="mail-/);
    for (const key of [`contact_person-${id.otherPerson}`, `user-${id.otherUser}`, `participation-${id.otherParticipation}`]) expect(res.body).not.toMatch(checkbox(key));
  });

  it('lists the contact moments whose notes name the person, with a link to edit them', async () => {
    const res = await admin.post(BASE, byName({ naam: 'Petra de Wit' }));
    expect(res.body).toContain('2 contactmomenten noemen deze naam');
    expect(res.body).toContain(`href="/contactmomenten/${id.moment}/bewerken"`);
    expect(res.body).toContain(`href="/contactmomenten/${id.momentMentions}/bewerken"`);
    expect(res.body).not.toContain(`/contactmomenten/${id.momentOther}/bewerken`);
    // By e-mail: the names held in the findings are looked for.
    expect((await admin.post(BASE, byEmail())).body).toContain(`href="/contactmomenten/${id.momentMentions}/bewerken"`);
  });

  it('refuses a bad search with a message at the field, keeping what was typed', async () => {
    let res = await admin.post(BASE, { zoekwijze: 'email', email: 'geen-adres' });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Vul een geldig e-mailadres in');
    expect(res.body).toContain('href="#veld-email"');
    expect(res.body).toContain('value="geen-adres"');
    res = await admin.post(BASE, { zoekwijze: 'naam', naam: '   ' });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Vul de naam in.');
    expect(res.body).toContain('href="#veld-naam"');
    res = await admin.post(BASE, { zoekwijze: 'naam', naam: 'P' });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Vul minstens 2 tekens van de naam in.');
    res = await admin.post(BASE, { email: EMAIL });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Kies hoe u wilt zoeken');
  });

  it('audit-logs a search with kinds and ids, never what was typed', async () => {
    await admin.post(BASE, byEmail());
    const [entry] = await t.db.select().from(auditLog).where(eq(auditLog.entity, 'privacy_request')).orderBy(asc(auditLog.id)).limit(1);
    expect(entry).toMatchObject({ action: 'read_personal', actorLabel: 'admin@test.example' });
    expect((entry!.details as { ids: Record<string, number[]> }).ids.contact_person).toEqual([id.person]);
    expect(JSON.stringify(entry!.details).toLowerCase()).not.toContain('petra');
  });
});

describe('network rights requests: export', () => {
  it('downloads exactly the ticked findings with all their personal fields, not cached, audit-logged per row', async () => {
    const ticked = [`contact_person-${id.person}`, `coalition_member-${id.memberEnded}`, `board_message-${id.message}`, `user-${id.user}`, `mail-${id.mailSent}`, `benchmark_invitation-${id.invitation}`, `board_interest-${id.interest}`];
    const before = (await t.db.select().from(auditLog).where(eq(auditLog.action, 'export'))).length;
    const res = await admin.post(`${BASE}/export.json`, byEmail({ gevonden: ticked }));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/json');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="privacyverzoek-netwerk-\d{4}-\d{2}-\d{2}\.json"/);
    const data = JSON.parse(res.body) as NetworkRightsExport;
    expect(data.format).toBe('ete-network-rights-export/1');
    expect(data.contactPersons).toEqual([
      expect.objectContaining({ id: id.person, name: NAME, jobTitle: 'Coördinator welzijn', email: EMAIL, phone: '06 1234 5678', organisation: 'WIJ Groningen', municipality: 'Groningen' }),
    ]);
    expect(data.contactPersons[0]!.contactMoments).toEqual([expect.objectContaining({ id: id.moment, subject: 'Overleg kartrekker', notes: NOTE, occurredOn: '2024-04-02' })]);
    expect(data.coalitionMembers).toEqual([expect.objectContaining({ id: id.memberEnded, contactName: NAME, contactEmail: EMAIL, roleLabel: 'Initiatiefnemer', startDate: '2022-01-01', endDate: '2023-03-01' })]);
    expect(data.boardMessages).toEqual([expect.objectContaining({ id: id.message, text: 'Hallo Karel, bel me op 06 1234 5678.', post: 'Ruimte voor een maaltijd' })]);
    expect(data.accounts).toEqual([expect.objectContaining({ id: id.user, name: NAME, email: EMAIL, active: true, roles: [expect.objectContaining({ role: 'partner', organisation: 'WIJ Groningen' })] })]);
    expect(data.mails).toEqual([expect.objectContaining({ id: id.mailSent, subject: 'Nieuwe reactie op uw aanbod', status: 'sent' })]);
    expect(data.benchmarkInvitations).toEqual([expect.objectContaining({ id: id.invitation, contactEmail: EMAIL, year: 2025 })]);
    expect(data.boardInterests).toEqual([expect.objectContaining({ id: id.interest, notifications: [expect.objectContaining({ postId: id.otherPost })] })]);
    // Not ticked, or not theirs: not in the export.
    expect(data.participations).toEqual([]);
    expect(data.organisations).toEqual([]);
    expect(data.boardPosts).toEqual([]);
    expect(res.body).not.toContain('Prima Petra'); // Karel's message to her
    expect(res.body).not.toContain('passwordHash');
    expect(res.body).not.toContain('"e1"'); // the invitation's link
    const entries = (await t.db.select().from(auditLog).where(eq(auditLog.action, 'export')).orderBy(asc(auditLog.id))).slice(before);
    expect(entries).toHaveLength(ticked.length + 1);
    expect(entries.filter((e) => e.entity === 'contact_person').map((e) => e.entityId)).toEqual([String(id.person)]);
    expect(entries.find((e) => e.entity === 'privacy_request')!.details).toMatchObject({ format: 'json', count: ticked.length });
    expect(JSON.stringify(entries.map((e) => e.details)).toLowerCase()).not.toContain('petra');
  });

  it('shows the same as a readable page, escaped', async () => {
    const res = await admin.post(`${BASE}/inzage`, byEmail({ gevonden: [`contact_person-${id.person}`, `organisation-${id.org}`] }));
    expect(res.statusCode).toBe(200);
    expect(res.body.match(/<h1/g)).toHaveLength(1);
    expect(res.body).toContain('Coördinator welzijn');
    expect(res.body).toContain('050 123 4567');
    expect(res.body).toContain('&lt;b>belt terug&lt;/b>');
    expect(res.body).not.toContain('<b>belt terug</b>');
    const last = (await t.db.select().from(auditLog).where(eq(auditLog.entity, 'privacy_request')).orderBy(asc(auditLog.id))).at(-1)!;
    expect(last).toMatchObject({ action: 'export', details: expect.objectContaining({ format: 'html' }) });
  });

  it('never exports a row outside the search, even when its key is sent', async () => {
    const res = await admin.post(`${BASE}/export.json`, byEmail({ gevonden: [`contact_person-${id.otherPerson}`, `contact_person-${id.namesake}`] }));
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Kies minstens één vondst.');
    expect(res.body).not.toContain('030 000 0000');
    const none = await admin.post(`${BASE}/export.json`, byEmail());
    expect(none.statusCode).toBe(422);
    expect(none.body).toContain('href="#veld-gevonden"');
  });
});

describe('network rights requests: erasure', () => {
  it('asks for confirmation, says what happens and what stays, and changes nothing without the tick', async () => {
    const form = byEmail({ gevonden: [`contact_person-${id.person}`, `user-${id.user}`, `benchmark_invitation-${id.invitation}`] });
    let res = await admin.post(`${BASE}/verwijderen`, form);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Verwijderen is definitief');
    expect(res.body).toContain(`Naam wordt &quot;${ANONYMISED_PERSON}&quot;`);
    expect(res.body).toContain('Wat niet wordt verwijderd');
    expect(res.body).toContain('Deactiveer het zo nodig bij Gebruikers');
    expect(res.body).toContain(`/contactmomenten/${id.momentMentions}/bewerken`);
    res = await admin.post(`${BASE}/verwijderen`, { ...form, stap: 'bevestigen' });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Vink aan dat u hebt gecontroleerd');
    expect(res.body).toContain('href="#veld-bevestiging"');
    expect((await t.db.select().from(contactPersons).where(eq(contactPersons.id, id.person)))[0]).toMatchObject({ name: NAME, email: EMAIL });
  });

  it('refuses an erasure of findings that are for inspection only', async () => {
    const res = await admin.post(`${BASE}/verwijderen`, byEmail({ gevonden: [`user-${id.user}`, `board_post-${id.post}`], stap: 'bevestigen', bevestiging: 'ja' }));
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('kan hier niets worden verwijderd');
    expect(isChecked(res.body, `user-${id.user}`)).toBe(true);
  });

  it('erases exactly the ticked rows, per kind, in one go — and nothing else', async () => {
    const ticked = emailKeys().filter((k) => k !== `coalition_member-${id.memberEnded}` && k !== `mail-${id.mailSent}`);
    const res = await admin.post(`${BASE}/verwijderen`, byEmail({ gevonden: ticked, stap: 'bevestigen', bevestiging: 'ja' }));
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Gegevens verwijderd');
    expect(res.body).toContain('Contactpersonen (CRM): 1');
    // The notes still name her: the page lists them for editing by hand.
    expect(res.body).toContain(`/contactmomenten/${id.moment}/bewerken`);
    expect(res.body).toContain(`/beheer/gebruikers/${id.user}`);

    // CRM: anonymised and removed; the contact moment and its link stay.
    const [p] = await t.db.select().from(contactPersons).where(eq(contactPersons.id, id.person));
    expect(p).toMatchObject({ name: ANONYMISED_PERSON, jobTitle: null, email: null, phone: null });
    expect(p!.deletedAt).not.toBeNull();
    expect(await t.db.select().from(contactMomentPersons).where(eq(contactMomentPersons.personId, id.person))).toHaveLength(1);
    expect((await t.db.select().from(contactMoments).where(eq(contactMoments.id, id.moment)))[0]).toMatchObject({ notes: NOTE, deletedAt: null });
    // Contact fields cleared, rows and dates kept; the unticked ended row untouched.
    const members = await t.db.select().from(coalitionMembers).where(inArray(coalitionMembers.id, [id.memberActive, id.memberDeleted, id.memberEnded, id.otherMember])).orderBy(asc(coalitionMembers.id));
    const m = Object.fromEntries(members.map((r) => [r.id, r]));
    expect(m[id.memberActive]).toMatchObject({ contactName: null, contactEmail: null, startDate: '2023-03-01', endDate: null, role: 'kartrekker' });
    expect(m[id.memberDeleted]).toMatchObject({ contactName: null, contactEmail: null });
    expect(m[id.memberDeleted]!.deletedAt).not.toBeNull();
    expect(m[id.memberEnded]).toMatchObject({ contactName: NAME, contactEmail: EMAIL, endDate: '2023-03-01' });
    expect(m[id.otherMember]).toMatchObject({ contactName: 'Karel Bos' });
    expect((await t.db.select().from(participations).where(eq(participations.id, id.participation)))[0]).toMatchObject({ contactName: null, contactEmail: null, status: 'active', signedOn: '2020-01-15' });
    expect((await t.db.select().from(participations).where(eq(participations.id, id.otherParticipation)))[0]).toMatchObject({ contactName: 'Karel Bos' });
    expect((await t.db.select().from(organisations).where(eq(organisations.id, id.org)))[0]).toMatchObject({ name: 'WIJ Groningen', contactName: null, contactEmail: null, contactPhone: null, deletedAt: null });
    expect((await t.db.select().from(organisations).where(eq(organisations.id, id.otherOrg)))[0]).toMatchObject({ contactEmail: 'karel@utrecht.example' });
    // Board: her message text replaced, Karel's kept; her interest and its notification gone, Karel's kept.
    const msgs = Object.fromEntries((await t.db.select().from(boardMessages)).map((r) => [r.id, r.body]));
    expect(msgs[id.message]).toBe(ERASED_MESSAGE);
    expect(msgs[id.otherMessage]).toBe('Prima Petra, tot morgen.');
    expect((await t.db.select().from(boardInterests)).map((i) => i.id)).toEqual([id.otherInterest]);
    expect((await t.db.select().from(boardNotifications)).map((n) => n.interestId)).toEqual([id.otherInterest]);
    // For inspection only: account, post, match and invitation unchanged.
    expect((await t.db.select().from(boardPosts).where(eq(boardPosts.id, id.post)))[0]).toMatchObject({ title: 'Vrijwilligers voor de koffieochtend', deletedAt: null });
    expect((await t.db.select().from(boardMatches).where(eq(boardMatches.id, id.match)))[0]).toMatchObject({ partnerUserId: id.user, deletedAt: null });
    expect((await t.db.select().from(benchmarkInvitations).where(eq(benchmarkInvitations.id, id.invitation)))[0]).toMatchObject({ contactEmail: EMAIL, contactName: NAME });
    // Outbox: the ticked queued mail masked and cancelled; the unticked one, the feedback mail and Karel's untouched.
    const mails = Object.fromEntries((await t.db.select().from(outbox)).map((r) => [r.id, r]));
    expect(mails[id.mailQueued]).toMatchObject({ toAddress: ERASED_ADDRESS, status: 'stored' });
    expect(mails[id.mailQueued]!.lastError).toContain('privacyverzoek');
    expect(mails[id.mailSent]).toMatchObject({ toAddress: 'PETRA.DEWIT@welzijn.example', status: 'sent' });
    expect(mails[id.feedbackMail]).toMatchObject({ toAddress: EMAIL });
    expect(mails[id.otherMail]).toMatchObject({ toAddress: 'karel@utrecht.example' });
    // The namesake and Karel in the CRM untouched.
    const others = await t.db.select().from(contactPersons).where(inArray(contactPersons.id, [id.namesake, id.otherPerson])).orderBy(asc(contactPersons.id));
    expect(others.map((o) => [o.name, o.email, o.deletedAt])).toEqual([
      ['Petra de Wit', 'p.dewit@ouderenfonds.example', null],
      ['Karel Bos', 'karel@utrecht.example', null],
    ]);
  });

  it('keeps an audit trail of the erasure with kinds, ids and counts — no e-mail address or name', async () => {
    const entries = await t.db.select().from(auditLog).where(eq(auditLog.action, 'erase')).orderBy(asc(auditLog.id));
    expect(entries.every((e) => e.actorLabel === 'admin@test.example')).toBe(true);
    expect(entries.filter((e) => e.entity === 'coalition_member').map((e) => Number(e.entityId)).sort()).toEqual([id.memberActive, id.memberDeleted].sort());
    expect(entries.filter((e) => e.entity === 'contact_person').map((e) => Number(e.entityId))).toEqual([id.person]);
    const summary = entries.find((e) => e.entity === 'privacy_request')!;
    expect(summary.details).toMatchObject({ counts: { contact_person: 1, coalition_member: 2, participation: 1, organisation: 1, board_message: 1, board_interest: 1, mail: 1 } });
    expect(new Set(entries.map((e) => e.requestId)).size).toBe(1);
    const raw = JSON.stringify(entries.map((e) => ({ d: e.details, id: e.entityId }))).toLowerCase();
    for (const s of ['petra', 'dewit', 'welzijn.example', '1234 5678', 'hallo karel']) expect(raw).not.toContain(s);
  });

  it('finds only what is left afterwards', async () => {
    const res = await admin.post(BASE, byEmail());
    expect(res.body).toMatch(checkbox(`coalition_member-${id.memberEnded}`));
    expect(res.body).toMatch(checkbox(`mail-${id.mailSent}`));
    for (const key of [`contact_person-${id.person}`, `coalition_member-${id.memberActive}`, `participation-${id.participation}`, `organisation-${id.org}`, `board_message-${id.message}`, `board_interest-${id.interest}`, `mail-${id.mailQueued}`]) {
      expect(res.body, key).not.toMatch(checkbox(key));
    }
    // A contact moment shows the anonymised name.
    const moment = await admin.get(`/contactmomenten/${id.moment}`);
    expect(moment.statusCode).toBe(200);
    expect(moment.body).toContain(ANONYMISED_PERSON);
  });
});
