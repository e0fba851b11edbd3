import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, asc, desc, eq, isNull, sql } from 'drizzle-orm';
import { createTestApp, createUser, seedReference, TestClient, type TestApp } from '../../../test/helpers/app.js';
import { addJointApproach, addParticipation, lastAudit, municipalityId } from '../../../test/helpers/registry.js';
import { addResponse, createSmallEdition } from '../../../test/helpers/benchmark.js';
import { auditLog, outbox } from '../../platform/db/schema.js';
import { redactOneTimeLinks } from '../../platform/mail/outbox.js';
import type { Db } from '../../platform/db/index.js';
import { readTable } from '../../platform/tabular.js';
import { participations } from '../registry/schema.js';
import { benchmarkAnswers, benchmarkInvitationMunicipalities, benchmarkInvitations, benchmarkResponses } from './schema.js';
import { allQuestions, createResponse, loadAnswers, loadQuestionnaire, responseMunicipalityIds, type Edition } from './service.js';
import { invitationLink, resolveLink } from './links.js';
import { generateInvitations, getInvitation, mailDeps, responseByProvince, sendInvitations, InvitationRuleError } from './invitations-service.js';
import { loadRespondentForm, savePage, type OpenLink } from './respondent-service.js';

let t: TestApp;
let edition: Edition; // open 2020-01-01 … 2099-12-31
let draft: Edition;
let imported: Edition;
const HELPDESK = 'helpdesk@eentegeneenzaamheid.example';

beforeAll(async () => {
  t = await createTestApp();
  await seedReference(t.db);
  // A joint approach: Assen (primary, no e-mail), Coevorden and Emmen (both with an e-mail).
  await addJointApproach(t.db, 'Samen Drenthe', 'GM0106', ['GM0109', 'GM0114']);
  await t.db.update(participations).set({ contactName: 'C. Oevorden', contactEmail: 'coevorden@drenthe.example' }).where(eq(participations.municipalityId, await municipalityId(t.db, 'GM0109')));
  await t.db.update(participations).set({ contactName: 'E. Mmen', contactEmail: 'emmen@drenthe.example' }).where(eq(participations.municipalityId, await municipalityId(t.db, 'GM0114')));
  // One contact for Utrecht and Amersfoort (e-mail in another case), not a joint approach: two invitations.
  await addParticipation(t.db, 'GM0344', 'active', '2019-02-01', { contactName: 'R. Egio', contactEmail: 'Regio@Utrecht.example' });
  await addParticipation(t.db, 'GM0307', 'signed', '2019-02-01', { contactEmail: 'regio@utrecht.example' });
  await addParticipation(t.db, 'GM0363', 'active', '2019-03-15', { contactName: 'A. Dam', contactEmail: 'dam@amsterdam.example' });
  await addParticipation(t.db, 'GM0518', 'signed', '2020-01-01'); // no e-mail
  await addParticipation(t.db, 'GM0599', 'interested', null, { contactEmail: 'r@rotterdam.example' }); // not signed
  await addParticipation(t.db, 'GM0014', 'stopped', null, { contactEmail: 'g@groningen.example' }); // stopped
  const leeuwarden = await addParticipation(t.db, 'GM0080', 'active', '2020-01-01', { contactEmail: 'l@leeuwarden.example' });
  await t.db.update(participations).set({ deletedAt: new Date() }).where(eq(participations.id, leeuwarden.id)); // deleted

  edition = await createSmallEdition(t.db, { year: 2024, closesOn: '2099-12-31' });
  draft = await createSmallEdition(t.db, { year: 2025, status: 'draft' });
  imported = await createSmallEdition(t.db, { year: 2019, imported: true, status: 'published' });

  await createUser(t.db, 'admin@test.example', [{ role: 'programme_admin' }]);
  await createUser(t.db, 'coord@test.example', [{ role: 'municipality_coordinator', municipalityId: await municipalityId(t.db, 'GM0344') }]);
  await createUser(t.db, 'adv@test.example', [{ role: 'advisor', municipalityId: await municipalityId(t.db, 'GM0344') }]);
});
afterAll(async () => t.close());

async function as(email: string) {
  const c = new TestClient(t.app);
  await c.login(email);
  return c;
}

/** The invitations of an edition as [contact e-mail, municipality codes (primary first)], by id. */
async function invitationsOf(db: Db, editionId: number, opts: { revoked?: boolean } = {}) {
  const rows = await db
    .select({ id: benchmarkInvitations.id, email: benchmarkInvitations.contactEmail, name: benchmarkInvitations.contactName, revokedAt: benchmarkInvitations.revokedAt })
    .from(benchmarkInvitations)
    .where(and(eq(benchmarkInvitations.editionId, editionId), opts.revoked ? undefined : isNull(benchmarkInvitations.revokedAt)))
    .orderBy(asc(benchmarkInvitations.id));
  const out = [];
  for (const r of rows) {
    const members = await db.execute<{ cbs_code: string }>(
      sql`select m.cbs_code from ${benchmarkInvitationMunicipalities} im join municipalities m on m.id = im.municipality_id where im.invitation_id = ${r.id} order by im.position`,
    );
    out.push({ ...r, codes: members.rows.map((m) => m.cbs_code) });
  }
  return out;
}
const invitationFor = async (code: string, editionId = edition.id) => (await invitationsOf(t.db, editionId)).find((i) => i.codes[0] === code)!;
const tokenOf = async (invitationId: number) => {
  const [r] = await t.db.select({ enc: benchmarkInvitations.tokenEncrypted }).from(benchmarkInvitations).where(eq(benchmarkInvitations.id, invitationId));
  return t.ctx.cipher.decrypt(r!.enc);
};
const mails = async (kind?: string) => t.db.select().from(outbox).where(kind ? eq(outbox.kind, kind) : undefined).orderBy(asc(outbox.id));
const snapshotInvitations = async () => JSON.stringify(await t.db.select().from(benchmarkInvitations).orderBy(asc(benchmarkInvitations.id)));
const count = async (table: typeof outbox | typeof benchmarkInvitations | typeof auditLog) => (await t.db.select({ n: sql<number>`count(*)::int` }).from(table))[0]!.n;

describe('generating invitations from the registry', () => {
  it('makes one invitation per participation, one for a whole joint approach with its primary first, and reports who has no e-mail', async () => {
    const r = await generateInvitations(t.db, t.ctx.cipher, { label: 'test' }, edition.id);
    expect(r).toEqual({ created: 4, handedOver: [], skippedNoEmail: ["'s-Gravenhage"], alreadyInvited: 0 });
    const inv = await invitationsOf(t.db, edition.id);
    const summary = inv.map((i) => ({ email: i.email, name: i.name, codes: i.codes }));
    // Hand-checked: sorted by primary name (Amersfoort, Amsterdam, Assen, Utrecht).
    expect(summary).toEqual([
      // The same contact address for Amersfoort and Utrecht, but no joint approach: each its own invitation, with its own participation's contact.
      { email: 'regio@utrecht.example', name: null, codes: ['GM0307'] },
      { email: 'dam@amsterdam.example', name: 'A. Dam', codes: ['GM0363'] },
      // Joint approach: primary Assen first, then by name; Assen has no contact, so the first member with one (Coevorden).
      { email: 'coevorden@drenthe.example', name: 'C. Oevorden', codes: ['GM0106', 'GM0109', 'GM0114'] },
      { email: 'Regio@Utrecht.example', name: 'R. Egio', codes: ['GM0344'] },
    ]);
    // Not invited: interested (Rotterdam), stopped (Groningen), deleted participation (Leeuwarden).
    expect(inv.flatMap((i) => i.codes).some((c) => ['GM0599', 'GM0014', 'GM0080'].includes(c))).toBe(false);
    // The link resolves to the invitation, with the municipalities primary first.
    const link = await resolveLink(t.db, await tokenOf(inv[2]!.id));
    expect(link.state).toBe('open');
    if (link.state === 'open') expect(link.municipalities.map((m) => m.name)).toEqual(['Assen', 'Coevorden', 'Emmen']);
    expect(await lastAudit(t.db, 'create')).toMatchObject({ entity: 'benchmark_invitation', actorLabel: 'test' });
  });

  it('is idempotent: a second run creates nothing, and only what is new in the registry later', async () => {
    const before = await snapshotInvitations();
    expect(await generateInvitations(t.db, t.ctx.cipher, { label: 'test' }, edition.id)).toEqual({ created: 0, handedOver: [], skippedNoEmail: ["'s-Gravenhage"], alreadyInvited: 6 });
    expect(await snapshotInvitations()).toBe(before);
    await t.db.update(participations).set({ contactEmail: 'denhaag@example.nl' }).where(eq(participations.municipalityId, await municipalityId(t.db, 'GM0518')));
    expect(await generateInvitations(t.db, t.ctx.cipher, { label: 'test' }, edition.id)).toEqual({ created: 1, handedOver: [], skippedNoEmail: [], alreadyInvited: 6 });
    expect((await invitationFor('GM0518')).email).toBe('denhaag@example.nl');
  });

  it('refuses a closed or imported edition', async () => {
    await expect(generateInvitations(t.db, t.ctx.cipher, { label: 'test' }, imported.id)).rejects.toBeInstanceOf(InvitationRuleError);
    expect(await invitationsOf(t.db, imported.id)).toEqual([]);
  });

  it('works from the admin page: the button generates, the page reports, the list shows the groups', async () => {
    const c = await as('admin@test.example');
    const page = await c.get(`/benchmark/edities/${draft.id}/uitnodigingen`);
    expect(page.statusCode).toBe(200);
    // Amersfoort, Amsterdam, 's-Gravenhage (has an e-mail address by now), Utrecht and the joint approach of three.
    expect(page.body).toContain('Volgens de registratie kunnen nog 5 uitnodigingen worden aangemaakt (voor 7 gemeenten).');
    expect(page.body).toContain('Eén uitnodiging per deelnemende gemeente');
    const res = await c.post(`/benchmark/edities/${draft.id}/uitnodigingen/genereren`);
    expect(res.statusCode).toBe(303);
    const after = await c.get(res.headers.location as string);
    expect(after.body).toContain('5 uitnodigingen aangemaakt.');
    expect(after.body).toContain('Assen (hoofdgemeente), Coevorden, Emmen');
    expect(after.body).not.toContain('Amersfoort (hoofdgemeente)');
    expect(after.body).toMatch(/>Amersfoort<\/a>/);
    expect(after.body).toMatch(/>Utrecht<\/a>/);
    // A draft edition: nothing can be sent yet.
    expect(after.body).not.toContain('Herinnering nu versturen');
    expect(after.body).toContain('nog niet open');
    expect(await lastAudit(t.db, 'read_personal')).toMatchObject({ entity: 'benchmark_invitation', actorLabel: 'admin@test.example' });
  });
});

describe('sending invitations', () => {
  it('queues one mail per unsent invitation with the personal link, closing date, opt-out link, municipalities and helpdesk', async () => {
    const before = (await mails('benchmark_invitation')).length;
    const r = await sendInvitations(t.db, mailDeps(t.ctx), edition.id, { label: 'test' });
    expect(r).toEqual({ sent: 5 });
    const sent = (await mails('benchmark_invitation')).slice(before);
    expect(sent.map((m) => m.toAddress).sort()).toEqual(['Regio@Utrecht.example', 'coevorden@drenthe.example', 'dam@amsterdam.example', 'denhaag@example.nl', 'regio@utrecht.example']);
    // The contact of Amersfoort and Utrecht gets one mail per municipality, each with its own link.
    const [amersfoort, utrecht] = [await invitationFor('GM0307'), await invitationFor('GM0344')];
    const regio = sent.filter((m) => m.toAddress.toLowerCase() === 'regio@utrecht.example');
    expect(regio.map((m) => m.subject).sort()).toEqual([expect.stringContaining('(Amersfoort)'), expect.stringContaining('(Utrecht)')]);
    expect(regio.find((m) => m.subject.includes('(Amersfoort)'))!.textBody).toContain(invitationLink('http://localhost:3000', await tokenOf(amersfoort.id)));
    expect(regio.find((m) => m.subject.includes('(Utrecht)'))!.textBody).toContain(invitationLink('http://localhost:3000', await tokenOf(utrecht.id)));
    expect(regio.find((m) => m.subject.includes('(Utrecht)'))!.textBody).toContain('U vult de vragenlijst in voor de gemeente Utrecht.');
    const assen = await invitationFor('GM0106');
    const mail = sent.find((m) => m.toAddress === 'coevorden@drenthe.example')!;
    const link = invitationLink('http://localhost:3000', await tokenOf(assen.id));
    expect(mail.textBody).toContain(link);
    expect(mail.textBody).toContain(`${link}/afmelden`);
    expect(mail.textBody).toContain('Beste C. Oevorden,');
    expect(mail.textBody).toContain('tot en met 31 december 2099');
    expect(mail.textBody).toContain('persoonlijk');
    expect(mail.textBody).toContain('per pagina opgeslagen');
    expect(mail.textBody).toContain('- Assen (hoofdgemeente)\n- Coevorden\n- Emmen');
    expect(mail.textBody).toContain(HELPDESK);
    expect(mail.subject).toContain('Assen, Coevorden en Emmen');
    // Once delivered, the outbox copy loses the personal link (also in the opt-out link).
    const redacted = redactOneTimeLinks(mail.textBody);
    expect(redacted).not.toContain(await tokenOf(assen.id));
    expect(redacted).toContain('/vragenlijst/[link verwijderd na verzending]/afmelden');
    // Sending again sends nothing.
    expect(await sendInvitations(t.db, mailDeps(t.ctx), edition.id)).toEqual({ sent: 0 });
    expect((await mails('benchmark_invitation')).length).toBe(before + 5);
  });

  it('sends only for an open edition (the button on a draft edition changes nothing)', async () => {
    await expect(sendInvitations(t.db, mailDeps(t.ctx), draft.id)).rejects.toThrow(/nog niet open/);
    const c = await as('admin@test.example');
    const n = await count(outbox);
    const res = await c.post(`/benchmark/edities/${draft.id}/uitnodigingen/versturen`);
    expect(res.statusCode).toBe(303);
    expect((await c.get(res.headers.location as string)).body).toContain('nog niet open');
    expect(await count(outbox)).toBe(n);
  });

  it('resends one invitation, and a changed contact address gets a new link (the old one stops working)', async () => {
    const c = await as('admin@test.example');
    const dam = await invitationFor('GM0363');
    const token = await tokenOf(dam.id);
    const res = await c.post(`/benchmark/edities/${edition.id}/uitnodigingen/${dam.id}/opnieuw-versturen`);
    expect(res.statusCode).toBe(303);
    const detail = await c.get(`/benchmark/edities/${edition.id}/uitnodigingen/${dam.id}`);
    expect(detail.statusCode).toBe(200);
    expect(detail.body).toContain('dam@amsterdam.example');
    expect(await lastAudit(t.db, 'read_personal')).toMatchObject({ entity: 'benchmark_invitation', entityId: String(dam.id) });
    const bad = await c.post(`/benchmark/edities/${edition.id}/uitnodigingen/${dam.id}/contact`, { contactName: 'Nieuwe', contactEmail: 'geen-adres' });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('Vul een geldig e-mailadres in');
    expect(bad.body).toContain('value="Nieuwe"');
    expect((await invitationFor('GM0363')).email).toBe('dam@amsterdam.example');
    const ok = await c.post(`/benchmark/edities/${edition.id}/uitnodigingen/${dam.id}/contact`, { contactName: 'B. Dam', contactEmail: 'b.dam@amsterdam.example' });
    expect(ok.statusCode).toBe(303);
    const after = await invitationFor('GM0363');
    expect(after).toMatchObject({ email: 'b.dam@amsterdam.example', name: 'B. Dam' });
    const newToken = await tokenOf(dam.id);
    expect(newToken).not.toBe(token);
    expect((await resolveLink(t.db, token)).state).toBe('unknown');
    expect((await resolveLink(t.db, newToken)).state).toBe('open');
    const [last] = await t.db.select().from(outbox).orderBy(desc(outbox.id)).limit(1);
    expect(last).toMatchObject({ toAddress: 'b.dam@amsterdam.example', kind: 'benchmark_invitation' });
    expect(last!.textBody).toContain(invitationLink('http://localhost:3000', newToken));
    // The same address again: the same link.
    await c.post(`/benchmark/edities/${edition.id}/uitnodigingen/${dam.id}/contact`, { contactName: 'B. Dam', contactEmail: 'b.dam@amsterdam.example' });
    expect(await tokenOf(dam.id)).toBe(newToken);
    expect(last!.textBody).toContain('Beste B. Dam,');
  });
});

describe('adding an invitation by hand', () => {
  it('rejects bad input with a message per field, keeps the values, and creates nothing', async () => {
    const c = await as('admin@test.example');
    expect((await c.get(`/benchmark/edities/${edition.id}/uitnodigingen/nieuw`)).statusCode).toBe(200);
    const before = await snapshotInvitations();
    const url = `/benchmark/edities/${edition.id}/uitnodigingen/nieuw`;
    const empty = await c.post(url, { contactName: '', contactEmail: '', gemeenten: '' });
    expect(empty.statusCode).toBe(422);
    expect(empty.body).toContain('Vul een e-mailadres in.');
    expect(empty.body).toContain('Vul ten minste één CBS-gemeentecode in');
    expect(empty.body).toContain('href="#veld-gemeenten"');
    const badCode = await c.post(url, { contactName: 'Jan', contactEmail: 'jan@example.nl', gemeenten: 'GM0437, Almere' });
    expect(badCode.statusCode).toBe(422);
    expect(badCode.body).toContain('Geen geldige CBS-gemeentecode: ALMERE.');
    expect(badCode.body).toContain('value="Jan"');
    expect(badCode.body).toContain('GM0437, Almere</textarea>');
    const twice = await c.post(url, { contactEmail: 'jan@example.nl', gemeenten: 'GM0437 gm437' });
    expect(twice.body).toContain('meer dan één keer in: GM0437');
    const unknown = await c.post(url, { contactEmail: 'jan@example.nl', gemeenten: 'GM0437 GM9999' });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.body).toContain('Onbekende gemeentecode: GM9999.');
    const invited = await c.post(url, { contactEmail: 'jan@example.nl', gemeenten: 'GM0437\nGM0109' });
    expect(invited.statusCode).toBe(422);
    expect(invited.body).toContain('Coevorden (GM0109) heeft al een uitnodiging voor deze meting.');
    expect(await snapshotInvitations()).toBe(before);
  });

  it('adds a valid invitation with the first code as primary', async () => {
    const c = await as('admin@test.example');
    const res = await c.post(`/benchmark/edities/${edition.id}/uitnodigingen/nieuw`, { contactName: 'Jan', contactEmail: 'jan@example.nl', gemeenten: 'gm437, 34' });
    expect(res.statusCode).toBe(303);
    const inv = await invitationFor('GM0437');
    expect(inv).toMatchObject({ email: 'jan@example.nl', name: 'Jan', codes: ['GM0437', 'GM0034'] });
    expect(await lastAudit(t.db, 'create')).toMatchObject({ entity: 'benchmark_invitation', entityId: String(inv.id), actorLabel: 'admin@test.example' });
  });
});

describe('opting out of reminders', () => {
  it('confirms, sets opted_out_at, keeps the link working and stops the reminders', async () => {
    const assen = await invitationFor('GM0106');
    const token = await tokenOf(assen.id);
    const c = new TestClient(t.app);
    const page = await c.get(`/vragenlijst/${token}/afmelden`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Afmelden voor herinneringen');
    const res = await c.post(`/vragenlijst/${token}/afmelden`);
    expect(res.statusCode).toBe(303);
    const [row] = await t.db.select().from(benchmarkInvitations).where(eq(benchmarkInvitations.id, assen.id));
    expect(row!.optedOutAt).not.toBeNull();
    expect((await c.get(`/vragenlijst/${token}/afmelden`)).body).toContain('U bent afgemeld voor herinneringen');
    expect((await resolveLink(t.db, token)).state).toBe('open');
    expect(await lastAudit(t.db, 'update')).toMatchObject({ entity: 'benchmark_invitation', entityId: String(assen.id), actorLabel: 'respondent (persoonlijke link)' });
  });

  it('shows a clear page for an unknown or revoked link and changes nothing', async () => {
    const c = new TestClient(t.app);
    for (const token of ['x'.repeat(43), 'kort', '../../etc']) {
      const res = await c.get(`/vragenlijst/${encodeURIComponent(token)}/afmelden`);
      expect(res.statusCode).toBe(404);
      expect(res.body).toContain('Deze link werkt niet');
      expect(res.body).toContain(HELPDESK);
    }
    const before = await snapshotInvitations();
    expect((await c.post(`/vragenlijst/${'y'.repeat(43)}/afmelden`)).statusCode).toBe(404);
    expect(await snapshotInvitations()).toBe(before);
  });
});

describe('reminders now (admin button)', () => {
  it('reminds those who have not finished, never the finished, opted-out, revoked or unsent ones, and not twice on one day', async () => {
    // Amersfoort and Utrecht finished; Amsterdam started; Assen opted out (above); 's-Gravenhage revoked; Ouder-Amstel never sent.
    const amersfoort = await invitationFor('GM0307');
    const utrecht = await invitationFor('GM0344');
    const dam = await invitationFor('GM0363');
    await t.db.transaction(async (tx) => {
      await createResponse(tx as unknown as Db, { editionId: edition.id, invitationId: amersfoort.id, municipalityIds: [await municipalityId(t.db, 'GM0307')], status: 'submitted', submittedAt: new Date() });
      await createResponse(tx as unknown as Db, { editionId: edition.id, invitationId: utrecht.id, municipalityIds: [await municipalityId(t.db, 'GM0344')], status: 'submitted', submittedAt: new Date() });
      await createResponse(tx as unknown as Db, { editionId: edition.id, invitationId: dam.id, municipalityIds: [await municipalityId(t.db, 'GM0363')] });
    });
    const c = await as('admin@test.example');
    const denHaag = await invitationFor('GM0518');
    const confirm = await c.get(`/benchmark/edities/${edition.id}/uitnodigingen/${denHaag.id}/intrekken`);
    expect(confirm.body).toContain('Ja, trek deze uitnodiging in');
    expect((await c.post(`/benchmark/edities/${edition.id}/uitnodigingen/${denHaag.id}/intrekken`)).statusCode).toBe(303);
    expect(await lastAudit(t.db, 'revoke')).toMatchObject({ entity: 'benchmark_invitation', entityId: String(denHaag.id) });
    const denHaagToken = await tokenOf(denHaag.id);
    expect((await resolveLink(t.db, denHaagToken)).state).toBe('revoked');
    expect((await new TestClient(t.app).get(`/vragenlijst/${denHaagToken}/afmelden`)).statusCode).toBe(404);

    const before = (await mails('benchmark_reminder')).length;
    const res = await c.post(`/benchmark/edities/${edition.id}/uitnodigingen/herinneren`);
    expect(res.statusCode).toBe(303);
    expect((await c.get(res.headers.location as string)).body).toContain('1 herinnering is verstuurd.');
    const sent = (await mails('benchmark_reminder')).slice(before);
    expect(sent.map((m) => m.toAddress)).toEqual(['b.dam@amsterdam.example']);
    expect(sent[0]!.textBody).toContain(invitationLink('http://localhost:3000', await tokenOf(dam.id)));
    expect(sent[0]!.textBody).toContain('begonnen');
    expect(sent[0]!.textBody).toContain('/afmelden');
    expect(sent[0]!.textBody).toContain(HELPDESK);
    const [row] = await t.db.select().from(benchmarkInvitations).where(eq(benchmarkInvitations.id, dam.id));
    expect(row!.remindersSent).toBe(1);
    // Pressed again the same day: nobody gets a second one.
    await c.post(`/benchmark/edities/${edition.id}/uitnodigingen/herinneren`);
    expect((await mails('benchmark_reminder')).length).toBe(before + 1);
  });

  it('a revoked municipality can be invited again by generating', async () => {
    const r = await generateInvitations(t.db, t.ctx.cipher, { label: 'test' }, edition.id);
    expect(r.created).toBe(1);
    expect((await invitationFor('GM0518')).email).toBe('denhaag@example.nl');
    expect((await invitationsOf(t.db, edition.id, { revoked: true })).filter((i) => i.codes[0] === 'GM0518')).toHaveLength(2);
  });
});

describe('the invitation list filters', () => {
  it('filters by status', async () => {
    const c = await as('admin@test.example');
    const base = `/benchmark/edities/${edition.id}/uitnodigingen`;
    const listed = (html: string) => [...html.matchAll(new RegExp(`<a class="utrecht-link" href="${base}/\\d+">([^<]+)</a>`, 'g'))].map((m) => m[1]);
    expect(listed((await c.get(base)).body).sort()).toEqual(["'s-Gravenhage", "'s-Gravenhage", 'Amersfoort', 'Amsterdam', 'Assen (hoofdgemeente), Coevorden, Emmen', 'Ouder-Amstel (hoofdgemeente), Almere', 'Utrecht']);
    expect(listed((await c.get(`${base}?status=ingevuld`)).body)).toEqual(['Amersfoort', 'Utrecht']);
    expect(listed((await c.get(`${base}?status=begonnen`)).body)).toEqual(['Amsterdam']);
    expect(listed((await c.get(`${base}?status=afgemeld`)).body)).toEqual(['Assen (hoofdgemeente), Coevorden, Emmen']);
    expect(listed((await c.get(`${base}?status=verstuurd`)).body)).toEqual(['Assen (hoofdgemeente), Coevorden, Emmen']);
    expect(listed((await c.get(`${base}?status=ingetrokken`)).body)).toEqual(["'s-Gravenhage"]);
    expect(listed((await c.get(`${base}?status=niet-verstuurd`)).body).sort()).toEqual(["'s-Gravenhage", 'Ouder-Amstel (hoofdgemeente), Almere']);
    expect(listed((await c.get(`${base}?q=coevorden`)).body)).toEqual(['Assen (hoofdgemeente), Coevorden, Emmen']);
    expect((await c.get(`${base}?status=onzin&q=%00`)).statusCode).toBe(200);
  });
});

describe('the response monitor', () => {
  it('counts invited, started and submitted by province (hand-checked) and the response rate', async () => {
    // State: sent and not revoked: Amersfoort and Utrecht (PV26, both submitted), Amsterdam (PV27, started), Assen (PV22, sent).
    // Not counted as invited: the revoked 's-Gravenhage, the unsent new 's-Gravenhage and Ouder-Amstel.
    const rows = await responseByProvince(t.db, edition.id);
    expect(rows).toHaveLength(12);
    const by = Object.fromEntries(rows.map((r) => [r.provinceCode, r]));
    expect(by.PV26).toEqual({ provinceCode: 'PV26', provinceName: 'Utrecht', invited: 2, started: 0, submitted: 2, ratePercent: 100 });
    expect(by.PV27).toEqual({ provinceCode: 'PV27', provinceName: 'Noord-Holland', invited: 1, started: 1, submitted: 0, ratePercent: 0 });
    expect(by.PV22).toEqual({ provinceCode: 'PV22', provinceName: 'Drenthe', invited: 1, started: 0, submitted: 0, ratePercent: 0 });
    expect(by.PV28).toEqual({ provinceCode: 'PV28', provinceName: 'Zuid-Holland', invited: 0, started: 0, submitted: 0, ratePercent: null });
    const c = await as('admin@test.example');
    const page = await c.get(`/benchmark/edities/${edition.id}/respons`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Respons per provincie');
    // Total: 2 of 4 = 50,0%.
    expect(page.body).toMatch(/Respons \(ingevuld ÷ uitgenodigd\)<\/dt><dd>50,0%<\/dd>/);
  });

  it('counts an imported edition without invitations from its responses (rate unknown)', async () => {
    await addResponse(t.db, imported, ['GM0363', 'GM0437'], { WEEK: 'yes' });
    await addResponse(t.db, imported, ['GM0344'], { WEEK: 'no' }, 'in_progress');
    const by = Object.fromEntries((await responseByProvince(t.db, imported.id)).map((r) => [r.provinceCode, r]));
    expect(by.PV27).toMatchObject({ invited: 0, started: 0, submitted: 1, ratePercent: null });
    expect(by.PV26).toMatchObject({ invited: 0, started: 1, submitted: 0, ratePercent: null });
    const page = await (await as('admin@test.example')).get(`/benchmark/edities/${imported.id}/respons`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('geïmporteerd');
    expect(page.body).not.toContain('niet-ingevuld.csv');
  });

  it('exports the non-responders as CSV and XLSX, audited as an export of personal data', async () => {
    const c = await as('admin@test.example');
    const csv = await c.get(`/benchmark/edities/${edition.id}/respons/niet-ingevuld.csv?scheidingsteken=puntkomma`);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.headers['content-disposition']).toMatch(/attachment; filename="niet-ingevuld-2024-\d{4}-\d{2}-\d{2}\.csv"/);
    const rows = await readTable(csv.rawPayload, 'csv');
    // Sorted by province, then name: Drenthe (Assen), Noord-Holland (Amsterdam). Not: the finished, revoked and unsent ones.
    expect(rows.map((r) => ({ ...r, invited_on: r.invited_on?.length }))).toEqual([
      {
        contact_name: 'C. Oevorden',
        contact_email: 'coevorden@drenthe.example',
        municipalities: 'Assen, Coevorden, Emmen',
        cbs_codes: 'GM0106, GM0109, GM0114',
        province: 'Drenthe',
        status: 'Verstuurd',
        invited_on: 10,
        reminders_sent: '0',
        last_reminder_on: '',
        opted_out_of_reminders: 'ja',
      },
      {
        contact_name: 'B. Dam',
        contact_email: 'b.dam@amsterdam.example',
        municipalities: 'Amsterdam',
        cbs_codes: 'GM0363',
        province: 'Noord-Holland',
        status: 'Begonnen',
        invited_on: 10,
        reminders_sent: '1',
        last_reminder_on: expect.any(String) as unknown as string,
        opted_out_of_reminders: 'nee',
      },
    ]);
    expect(await lastAudit(t.db, 'export')).toMatchObject({
      entity: 'benchmark_invitation',
      actorLabel: 'admin@test.example',
      details: { editionId: edition.id, list: 'non_responders', format: 'csv', delimiter: ';', rows: 2, fields: ['contactName', 'contactEmail'] },
    });
    const xlsx = await c.get(`/benchmark/edities/${edition.id}/respons/niet-ingevuld.xlsx`);
    expect(xlsx.statusCode).toBe(200);
    const xrows = await readTable(xlsx.rawPayload, 'xlsx');
    expect(xrows.map((r) => r.contact_email)).toEqual(['coevorden@drenthe.example', 'b.dam@amsterdam.example']);
    expect(await lastAudit(t.db, 'export')).toMatchObject({ details: { format: 'xlsx', rows: 2 } });
  });
});

describe('access', () => {
  it('refuses every admin route to coordinators, advisors and anonymous visitors; their POSTs change nothing', async () => {
    const inv = await invitationFor('GM0363');
    const e = `/benchmark/edities/${edition.id}`;
    const gets = [
      `${e}/uitnodigingen`,
      `${e}/uitnodigingen/nieuw`,
      `${e}/uitnodigingen/${inv.id}`,
      `${e}/uitnodigingen/${inv.id}/intrekken`,
      `${e}/respons`,
      `${e}/respons/niet-ingevuld.csv`,
      `${e}/respons/niet-ingevuld.xlsx`,
    ];
    const posts: [string, Record<string, string>][] = [
      [`${e}/uitnodigingen/genereren`, {}],
      [`${e}/uitnodigingen/versturen`, {}],
      [`${e}/uitnodigingen/herinneren`, {}],
      [`${e}/uitnodigingen/nieuw`, { contactEmail: 'x@example.nl', gemeenten: 'GM0599' }],
      [`${e}/uitnodigingen/${inv.id}/contact`, { contactEmail: 'x@example.nl' }],
      [`${e}/uitnodigingen/${inv.id}/opnieuw-versturen`, {}],
      [`${e}/uitnodigingen/${inv.id}/intrekken`, {}],
    ];
    // Something to generate, so a generate that got through would show.
    await addParticipation(t.db, 'GM0080', 'active', '2020-01-01', { contactEmail: 'leeuwarden@example.nl' });
    const before = { invitations: await snapshotInvitations(), mails: await count(outbox) };
    for (const who of ['coord@test.example', 'adv@test.example']) {
      const c = await as(who);
      for (const url of gets) {
        const res = await c.get(url);
        expect(res.statusCode, `${who} GET ${url}`).toBe(403);
        expect(res.body).not.toContain('b.dam@amsterdam.example');
      }
      for (const [url, form] of posts) expect((await c.post(url, form)).statusCode, `${who} POST ${url}`).toBe(403);
    }
    const anon = new TestClient(t.app);
    for (const url of gets) {
      const res = await anon.get(url);
      expect(res.statusCode, `anonymous GET ${url}`).toBe(302);
      expect(res.headers.location).toMatch(/^\/inloggen\?terug=/);
    }
    for (const [url, form] of posts) expect([302, 403], `anonymous POST ${url}`).toContain((await anon.post(url, form)).statusCode);
    expect(await snapshotInvitations()).toBe(before.invitations);
    expect(await count(outbox)).toBe(before.mails);
  });

  it('answers 404 for an unknown edition and for an invitation of another edition', async () => {
    const c = await as('admin@test.example');
    const inv = await invitationFor('GM0363');
    expect((await c.get('/benchmark/edities/999999/uitnodigingen')).statusCode).toBe(404);
    expect((await c.get('/benchmark/edities/abc/respons')).statusCode).toBe(404);
    expect((await c.get(`/benchmark/edities/${draft.id}/uitnodigingen/${inv.id}`)).statusCode).toBe(404);
    const before = await snapshotInvitations();
    expect((await c.post(`/benchmark/edities/${draft.id}/uitnodigingen/${inv.id}/intrekken`)).statusCode).toBe(404);
    expect(await snapshotInvitations()).toBe(before);
  });
});

describe('handing over the answers of a revoked invitation', () => {
  let e2: Edition; // open, changes after submitting allowed
  beforeAll(async () => {
    e2 = await createSmallEdition(t.db, { year: 2027, closesOn: '2099-12-31' });
  });
  const base = () => `/benchmark/edities/${e2.id}/uitnodigingen`;
  const responsesOf = async (code: string) =>
    t.db
      .select()
      .from(benchmarkResponses)
      .where(and(eq(benchmarkResponses.editionId, e2.id), eq(benchmarkResponses.municipalityId, await municipalityId(t.db, code))));
  const answerRows = async (responseId: number) => JSON.stringify(await t.db.select().from(benchmarkAnswers).where(eq(benchmarkAnswers.responseId, responseId)).orderBy(asc(benchmarkAnswers.id)));
  const checkedValues = (html: string, name: string) =>
    [...html.matchAll(/<input [^>]*>/g)]
      .map((m) => m[0])
      .filter((tag) => tag.includes(`name="${name}"`) && /\schecked[\s/>=]/.test(tag))
      .map((tag) => /\svalue="([^"]*)"/.exec(tag)![1]);

  it('a new invitation for the municipality continues the submitted answers; the old link shows the revoked page', async () => {
    const admin = await as('admin@test.example');
    expect((await admin.post(`${base()}/nieuw`, { contactName: 'Oud', contactEmail: 'oud@amsterdam.example', gemeenten: 'GM0363' })).statusCode).toBe(303);
    const old = await invitationFor('GM0363', e2.id);
    const oldToken = await tokenOf(old.id);
    const oldBase = `/vragenlijst/${oldToken}`;
    const first = new TestClient(t.app);
    expect((await first.post(`${oldBase}/pagina/1`, { q_WEEK: 'yes', q_AWARE: 'ALL', q_SUPPORT: ['MAP'], actie: 'volgende' })).statusCode).toBe(303);
    expect((await first.post(`${oldBase}/pagina/2`, { q_ROLES__GEM: 'KAR', q_ROLES__WELZ: 'ACT', q_ROLES__BANK: 'NONE', q_HOURS: '12', actie: 'volgende' })).statusCode).toBe(303);
    expect((await first.post(`${oldBase}/pagina/3`, { q_NOTE: 'Ingevuld door de oude contactpersoon', actie: 'volgende' })).statusCode).toBe(303);
    expect((await first.post(`${oldBase}/samenvatting`)).statusCode).toBe(303);
    const [response] = await responsesOf('GM0363');
    expect(response).toMatchObject({ invitationId: old.id, status: 'submitted' });
    // A tab of the old contact that opened the link before it was revoked.
    const stale = (await resolveLink(t.db, oldToken)) as OpenLink;
    expect(stale.state).toBe('open');
    const staleForm = await loadRespondentForm(t.db, stale);

    // Revoking: the confirmation page says where the answers go.
    const confirm = await admin.get(`${base()}/${old.id}/intrekken`);
    expect(confirm.body).toContain('De contactpersoon is al begonnen met invullen.');
    expect(confirm.body).toContain('Amsterdam als (hoofd)gemeente, met de hand of uit de registratie, dan gaan de antwoorden mee');
    expect((await admin.post(`${base()}/${old.id}/intrekken`)).statusCode).toBe(303);
    // That tab saving after the revocation stores nothing (checked after locking the invitation).
    const rowsBefore = await answerRows(response!.id);
    await expect(savePage(t.db, { label: 'test' }, stale, staleForm, 3, { q_NOTE: 'Te laat' }, { requireComplete: false, nextPage: 3 })).rejects.toMatchObject({ statusCode: 409, code: 'link_revoked' });
    expect(await answerRows(response!.id)).toBe(rowsBefore);

    // A new invitation by hand for Amsterdam takes the response over (audit-logged).
    const added = await admin.post(`${base()}/nieuw`, { contactName: 'Nieuw', contactEmail: 'nieuw@amsterdam.example', gemeenten: 'GM0363' });
    expect(added.statusCode).toBe(303);
    expect((await admin.get(added.headers.location as string)).body).toContain('zijn overgezet: de nieuwe contactpersoon kan daarmee verder');
    const fresh = await invitationFor('GM0363', e2.id);
    expect(fresh).toMatchObject({ email: 'nieuw@amsterdam.example', codes: ['GM0363'] });
    expect(fresh.id).not.toBe(old.id);
    const [moved] = await responsesOf('GM0363');
    expect(moved).toMatchObject({ id: response!.id, invitationId: fresh.id, status: 'submitted' });
    expect(await lastAudit(t.db, 'update')).toMatchObject({
      entity: 'benchmark_response',
      entityId: String(response!.id),
      actorLabel: 'admin@test.example',
      details: { editionId: e2.id, handedOver: true, fromInvitation: old.id, toInvitation: fresh.id },
    });
    expect((await getInvitation(t.db, e2.id, fresh.id))!.status).toBe('submitted');
    expect((await getInvitation(t.db, e2.id, old.id))!.status).toBe('revoked');

    // The new link shows the existing answers and saves changes to them (no 409).
    const newBase = `/vragenlijst/${await tokenOf(fresh.id)}`;
    const second = new TestClient(t.app);
    const p1 = await second.get(`${newBase}/pagina/1`);
    expect(p1.statusCode).toBe(200);
    expect(checkedValues(p1.body, 'q_WEEK')).toEqual(['yes']);
    expect(checkedValues(p1.body, 'q_AWARE')).toEqual(['ALL']);
    expect((await second.get(`${newBase}/pagina/3`)).body).toContain('value="Ingevuld door de oude contactpersoon"');
    expect((await second.post(`${newBase}/pagina/3`, { q_NOTE: 'Aangevuld door de nieuwe contactpersoon', actie: 'opslaan' })).statusCode).toBe(303);
    const answers = await loadAnswers(t.db, response!.id, allQuestions(await loadQuestionnaire(t.db, e2.id)));
    expect(answers.get('NOTE')).toEqual({ kind: 'text', value: 'Aangevuld door de nieuwe contactpersoon' });
    expect(answers.get('HOURS')).toEqual({ kind: 'number', value: 12 });
    expect(await responsesOf('GM0363')).toHaveLength(1);

    // The old link: the revoked page, none of the answers; a POST changes nothing.
    const gone = await first.get(`${oldBase}/pagina/3`);
    expect(gone.statusCode).toBe(404);
    expect(gone.body).toContain('ingetrokken');
    expect(gone.body).not.toContain('contactpersoon"');
    expect(gone.body).not.toContain('Amsterdam');
    const rows = await answerRows(response!.id);
    expect((await first.post(`${oldBase}/pagina/3`, { q_NOTE: 'x', actie: 'opslaan' })).statusCode).toBe(404);
    expect(await answerRows(response!.id)).toBe(rows);
  });

  it('by generating: a joint approach member with answers of its own continues them in an invitation of its own, for the municipalities of that invitation', async () => {
    const admin = await as('admin@test.example');
    const [emmen, stadskanaal] = [await municipalityId(t.db, 'GM0114'), await municipalityId(t.db, 'GM0037')];
    // Emmen (a member of Samen Drenthe) was invited by hand for itself and Stadskanaal, and started.
    expect((await admin.post(`${base()}/nieuw`, { contactEmail: 'oud@emmen.example', gemeenten: 'GM0114, GM0037' })).statusCode).toBe(303);
    const old = await invitationFor('GM0114', e2.id);
    expect((await new TestClient(t.app).post(`/vragenlijst/${await tokenOf(old.id)}/pagina/1`, { q_WEEK: 'no', actie: 'opslaan' })).statusCode).toBe(303);
    const [response] = await responsesOf('GM0114');
    expect(await responseMunicipalityIds(t.db, response!.id)).toEqual([emmen, stadskanaal]);
    expect((await admin.post(`${base()}/${old.id}/intrekken`)).statusCode).toBe(303);

    // By hand, Emmen cannot join as a non-primary municipality: its answers would stand next to the new response.
    const before = await snapshotInvitations();
    const refused = await admin.post(`${base()}/nieuw`, { contactEmail: 'x@drenthe.example', gemeenten: 'GM0106, GM0114' });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('Emmen (GM0114) heeft al antwoorden via een ingetrokken uitnodiging.');
    expect(await snapshotInvitations()).toBe(before);

    // Generating: Emmen gets its own invitation (its participation's contact) and its answers; Assen and Coevorden one together.
    const res = await admin.post(`${base()}/genereren`);
    expect(res.statusCode).toBe(303);
    expect((await admin.get(res.headers.location as string)).body).toContain('zijn overgezet naar de nieuwe uitnodiging voor: Emmen.');
    const fresh = await invitationFor('GM0114', e2.id);
    expect(fresh).toMatchObject({ email: 'emmen@drenthe.example', name: 'E. Mmen', codes: ['GM0114'] });
    expect((await invitationFor('GM0106', e2.id)).codes).toEqual(['GM0106', 'GM0109']);
    const [moved] = await responsesOf('GM0114');
    expect(moved).toMatchObject({ id: response!.id, invitationId: fresh.id, status: 'in_progress' });
    // The response now represents what the new invitation represents: Emmen only.
    expect(await responseMunicipalityIds(t.db, response!.id)).toEqual([emmen]);
    expect(await lastAudit(t.db, 'update')).toMatchObject({
      entity: 'benchmark_response',
      entityId: String(response!.id),
      details: { handedOver: true, fromInvitation: old.id, toInvitation: fresh.id, municipalitiesBefore: [emmen, stadskanaal], municipalities: [emmen] },
    });
    const link = await resolveLink(t.db, await tokenOf(fresh.id));
    expect(link.state === 'open' && link.response?.id).toBe(response!.id);
    // Amsterdam's response (first test) stayed with its invitation.
    expect((await responsesOf('GM0363'))[0]!.invitationId).toBe((await invitationFor('GM0363', e2.id)).id);
  });
});
