import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, asc, desc, eq } from 'drizzle-orm';
import { createTestApp, seedReference, TestClient, type TestApp } from '../../../test/helpers/app.js';
import { municipalityId } from '../../../test/helpers/registry.js';
import { addResponse, createSmallEdition } from '../../../test/helpers/benchmark.js';
import { auditLog } from '../../platform/db/schema.js';
import { benchmarkAnswers, benchmarkEditions, benchmarkInvitationMunicipalities, benchmarkInvitations, benchmarkResponseMunicipalities, benchmarkResponses } from './schema.js';
import { newInvitationToken, resolveLink } from './links.js';
import { loadRespondentForm, savePage, type OpenLink } from './respondent-service.js';
import { DEFINITION_FORMAT, questionnaireDefSchema, type QuestionnaireDef } from './questionnaire.js';
import { allQuestions, loadAnswers, loadQuestionnaire, type Edition } from './service.js';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
  await seedReference(t.db);
});
afterAll(async () => t.close());

/** An invitation row with its municipalities (first = primary), as the invitations screen makes them. */
async function invite(edition: Edition, codes: string[], email = 'contact@gemeente.example') {
  const ids = await Promise.all(codes.map((c) => municipalityId(t.db, c)));
  const tok = newInvitationToken(t.ctx.cipher);
  const [inv] = await t.db
    .insert(benchmarkInvitations)
    .values({ editionId: edition.id, municipalityId: ids[0]!, contactEmail: email, tokenHash: tok.tokenHash, tokenEncrypted: tok.tokenEncrypted, sentAt: new Date() })
    .returning();
  await t.db.insert(benchmarkInvitationMunicipalities).values(ids.map((m, i) => ({ invitationId: inv!.id, municipalityId: m, position: i })));
  return { token: tok.token, id: inv!.id, base: `/vragenlijst/${tok.token}` };
}

async function responseOfInvitation(invitationId: number) {
  const [r] = await t.db.select().from(benchmarkResponses).where(eq(benchmarkResponses.invitationId, invitationId));
  return r;
}

async function answersOf(edition: Edition, responseId: number) {
  const a = await loadAnswers(t.db, responseId, allQuestions(await loadQuestionnaire(t.db, edition.id)));
  return Object.fromEntries([...a].filter(([, v]) => v));
}

const answerRows = async (responseId: number) =>
  JSON.stringify(await t.db.select().from(benchmarkAnswers).where(eq(benchmarkAnswers.responseId, responseId)).orderBy(asc(benchmarkAnswers.id)));

/** The <input> tags of a field. */
const inputs = (html: string, name: string) => [...html.matchAll(/<input [^>]*>/g)].map((m) => m[0]).filter((tag) => tag.includes(`name="${name}"`));
const checked = (html: string, name: string) =>
  inputs(html, name)
    .filter((tag) => /\schecked[\s/>=]/.test(tag))
    .map((tag) => /\svalue="([^"]*)"/.exec(tag)![1]);
/** The value of a text input (preact writes an empty value as a bare `value`). */
const valueOf = (html: string, name: string) => {
  const m = /\svalue(?:="([^"]*)")?[\s/>]/.exec(inputs(html, name)[0] ?? '');
  return m ? (m[1] ?? '') : undefined;
};

const browser = () => new TestClient(t.app);

describe('start page and link states', () => {
  let edition: Edition;
  beforeAll(async () => {
    edition = await createSmallEdition(t.db, { year: 2030, title: 'Benchmark 2030', intro: 'Dit is de jaarlijkse benchmark.', closesOn: '2099-10-31' });
  });

  it('explains the questionnaire for a joint approach, without creating a response on GET', async () => {
    const inv = await invite(edition, ['GM0344', 'GM0310', 'GM1904']);
    const res = await browser().get(inv.base);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('U vult de vragenlijst in voor Utrecht (hoofdgemeente), samen met De Bilt en Stichtse Vecht; de antwoorden tellen voor Utrecht.');
    expect(res.body).toContain('Dit is de jaarlijkse benchmark.');
    expect(res.body).toContain('tot en met 31 oktober 2099');
    expect(res.body).toContain('>Beginnen<');
    expect(res.body).toContain(`href="${inv.base}/pagina/1"`);
    for (const title of ['Signaleren', 'Sterk netwerk', 'Tot slot']) expect(res.body).toContain(title);
    expect(res.body.match(/<h1[ >]/g)).toHaveLength(1);
    // The token is in the URL: no indexing, no referrer.
    expect(res.headers['x-robots-tag']).toContain('noindex');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['cache-control']).toContain('no-store');
    expect(await responseOfInvitation(inv.id)).toBeUndefined();
  });

  it('answers unknown, revoked, not yet open and closed links with a clear page and no answers or municipality', async () => {
    const ed = await createSmallEdition(t.db, { year: 2031, title: 'Benchmark 2031' });
    const inv = await invite(ed, ['GM0363']);
    const c = browser();
    await c.post(`${inv.base}/pagina/3`, { q_NOTE: 'Geheim antwoord van Amsterdam', actie: 'opslaan' });
    const r = await responseOfInvitation(inv.id);
    expect(r).toBeDefined();
    const before = await answerRows(r!.id);

    // Unknown (well-formed and malformed).
    for (const url of ['/vragenlijst/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', '/vragenlijst/kort', '/vragenlijst/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/pagina/1', '/vragenlijst/%3Cscript%3E/samenvatting']) {
      const res = await c.get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.body).toContain('Link niet geldig');
      expect(res.headers['x-robots-tag']).toContain('noindex');
    }

    // Closed: 410, for every page and every POST, nothing shown, nothing changed.
    await t.db.update(benchmarkEditions).set({ status: 'closed' }).where(eq(benchmarkEditions.id, ed.id));
    for (const path of ['', '/pagina/1', '/pagina/3', '/samenvatting', '/ingediend', '/antwoorden']) {
      const res = await c.get(`${inv.base}${path}`);
      expect(res.statusCode, path).toBe(410);
      expect(res.body).toContain('Vragenlijst gesloten');
      expect(res.body).not.toContain('Amsterdam');
      expect(res.body).not.toContain('Geheim antwoord');
    }
    const post = await c.post(`${inv.base}/pagina/3`, { q_NOTE: 'Te laat', actie: 'opslaan' });
    expect(post.statusCode).toBe(410);
    expect((await c.post(`${inv.base}/samenvatting`)).statusCode).toBe(410);
    expect(await answerRows(r!.id)).toBe(before);
    expect((await responseOfInvitation(inv.id))!.status).toBe('in_progress');

    // Past the closing day while still "open": closed too.
    await t.db.update(benchmarkEditions).set({ status: 'open', closesOn: '2020-06-30' }).where(eq(benchmarkEditions.id, ed.id));
    expect((await c.get(inv.base)).statusCode).toBe(410);

    // Not yet open.
    await t.db.update(benchmarkEditions).set({ status: 'open', opensOn: '2098-09-01', closesOn: '2098-10-31' }).where(eq(benchmarkEditions.id, ed.id));
    const early = await c.get(`${inv.base}/pagina/1`);
    expect(early.statusCode).toBe(403);
    expect(early.body).toContain('1 september 2098');
    expect(early.body).not.toContain('Amsterdam');

    // Revoked.
    await t.db.update(benchmarkEditions).set({ opensOn: '2020-01-01', closesOn: '2099-12-31' }).where(eq(benchmarkEditions.id, ed.id));
    expect((await c.get(inv.base)).statusCode).toBe(200);
    await t.db.update(benchmarkInvitations).set({ revokedAt: new Date() }).where(eq(benchmarkInvitations.id, inv.id));
    const revoked = await c.get(`${inv.base}/samenvatting`);
    expect(revoked.statusCode).toBe(404);
    expect(revoked.body).toContain('ingetrokken');
    expect(revoked.body).not.toContain('Geheim antwoord');
    expect((await c.post(`${inv.base}/pagina/3`, { q_NOTE: 'x', actie: 'opslaan' })).statusCode).toBe(404);
    expect(await answerRows(r!.id)).toBe(before);
  });

  it('refuses a page number outside the questionnaire', async () => {
    const inv = await invite(edition, ['GM0599']);
    for (const n of ['0', '4', 'abc', '99999999999']) expect((await browser().get(`${inv.base}/pagina/${n}`)).statusCode, n).toBe(404);
  });
});

describe('filling in', () => {
  let edition: Edition;
  let inv: Awaited<ReturnType<typeof invite>>;
  beforeAll(async () => {
    edition = await createSmallEdition(t.db, { year: 2032, title: 'Benchmark 2032' });
    inv = await invite(edition, ['GM0014', 'GM0037']);
  });

  it('saves page 1, and a closed browser resumes on page 2 with page 1 kept', async () => {
    const c = browser();
    const page1 = await c.get(`${inv.base}/pagina/1`);
    expect(page1.statusCode).toBe(200);
    expect(page1.body).toContain('Stap 1 van 3');
    expect(page1.body).toContain('aria-current="step"');
    expect(page1.body).toContain('(huidige stap)');
    // Radios in a fieldset with a legend; the dependent question carries its hint.
    expect(page1.body).toMatch(/<fieldset[^>]*id="veld-q_WEEK"[\s\S]*?<legend/);
    expect(page1.body).toContain('Alleen beantwoorden als u bij vraag 3 ‘Anders, namelijk’ koos.');
    expect(page1.body).toContain('data-show-if-field="q_SUPPORT"');
    expect(page1.body).toContain('>Volgende<');
    expect(page1.body).toContain('Opslaan en later verdergaan');

    const res = await c.post(`${inv.base}/pagina/1`, { q_WEEK: 'yes', q_AWARE: 'SPEC', q_SUPPORT: ['MAP', 'OTHER'], q_SUPPORT_other: 'Buurtapp', q_SUPPORT_WHY: 'Via de wijkteams', actie: 'volgende' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`${inv.base}/pagina/2`);

    const r = (await responseOfInvitation(inv.id))!;
    expect(r.status).toBe('in_progress');
    expect(r.lastSection).toBe(2);
    expect(r.municipalityId).toBe(await municipalityId(t.db, 'GM0014'));
    const munis = await t.db.select().from(benchmarkResponseMunicipalities).where(eq(benchmarkResponseMunicipalities.responseId, r.id)).orderBy(asc(benchmarkResponseMunicipalities.position));
    expect(munis.map((m) => m.municipalityId)).toEqual([await municipalityId(t.db, 'GM0014'), await municipalityId(t.db, 'GM0037')]);
    expect(await answersOf(edition, r.id)).toEqual({
      WEEK: { kind: 'choice', options: ['yes'], other: null },
      AWARE: { kind: 'choice', options: ['SPEC'], other: null },
      SUPPORT: { kind: 'choice', options: ['MAP', 'OTHER'], other: 'Buurtapp' },
      SUPPORT_WHY: { kind: 'text', value: 'Via de wijkteams' },
    });
    const created = await t.db.select().from(auditLog).where(and(eq(auditLog.entity, 'benchmark_response'), eq(auditLog.entityId, String(r.id)))).orderBy(asc(auditLog.id));
    expect(created.map((a) => a.action)).toEqual(['create', 'update']);
    expect(created[0]!.actorLabel).toBe(`respondent uitnodiging #${inv.id}`);

    // A new browser (no cookies) with the same link.
    const later = browser();
    const start = await later.get(inv.base);
    expect(start.body).toContain('Verdergaan waar u was');
    expect(start.body).toContain(`href="${inv.base}/pagina/2"`);
    expect(start.body).not.toContain('>Beginnen<');
    expect(start.body).toMatch(/Signaleren<\/a> <span class="bm-overview__state">— Ingevuld/);
    const again = await later.get(`${inv.base}/pagina/1`);
    expect(checked(again.body, 'q_WEEK')).toEqual(['yes']);
    expect(checked(again.body, 'q_AWARE')).toEqual(['SPEC']);
    expect(checked(again.body, 'q_SUPPORT')).toEqual(['MAP', 'OTHER']);
    expect(valueOf(again.body, 'q_SUPPORT_other')).toBe('Buurtapp');
    expect(again.body).toContain('Via de wijkteams</textarea>');
  });

  it('"Volgende" with a required question open: 422, everything typed kept, valid answers saved, earlier pages untouched', async () => {
    const c = browser();
    await c.get(`${inv.base}/pagina/2`);
    const res = await c.post(`${inv.base}/pagina/2`, { q_ROLES__GEM: 'KAR', q_ROLES__WELZ: 'ACT', q_HOURS: '12,5', actie: 'volgende' });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('id="foutoverzicht"');
    expect(res.body).toContain('href="#veld-q_ROLES"');
    expect(res.body).toContain('Vraag 5: Beantwoord deze vraag voor elke rij.');
    expect(res.body).toMatch(/id="veld-q_ROLES-error"[^>]*>[\s\S]*?Beantwoord deze vraag voor elke rij/);
    expect(res.body).toContain('<title>Fout: ');
    expect(checked(res.body, 'q_ROLES__GEM')).toEqual(['KAR']);
    expect(checked(res.body, 'q_ROLES__WELZ')).toEqual(['ACT']);
    expect(valueOf(res.body, 'q_HOURS')).toBe('12,5');
    // Matrix: a table with a row header and a label per radio.
    expect(res.body).toContain('<th class="utrecht-table__header-cell" scope="row">Gemeente</th>');
    expect(res.body).toMatch(/<label class="visually-hidden" for="veld-q_ROLES-0-0">Gemeente: Kartrekker<\/label>/);

    const r = (await responseOfInvitation(inv.id))!;
    expect(r.lastSection).toBe(2);
    const stored = await answersOf(edition, r.id);
    expect(stored.ROLES).toEqual({ kind: 'matrix', rows: { GEM: 'KAR', WELZ: 'ACT' } });
    expect(stored.HOURS).toEqual({ kind: 'number', value: 12.5 });
    expect(stored.WEEK).toEqual({ kind: 'choice', options: ['yes'], other: null });
    expect(stored.SUPPORT_WHY).toEqual({ kind: 'text', value: 'Via de wijkteams' });

    // "Vorige" skips the required check and saves.
    const back = await c.post(`${inv.base}/pagina/2`, { q_ROLES__GEM: 'KAR', q_ROLES__WELZ: 'INF', q_HOURS: '12,5', actie: 'vorige' });
    expect(back.statusCode).toBe(303);
    expect(back.headers.location).toBe(`${inv.base}/pagina/1`);
    expect((await answersOf(edition, r.id)).ROLES).toEqual({ kind: 'matrix', rows: { GEM: 'KAR', WELZ: 'INF' } });
    expect((await responseOfInvitation(inv.id))!.lastSection).toBe(1);
  });

  it('never saves an invalid number but keeps it in the form', async () => {
    const c = browser();
    const r = (await responseOfInvitation(inv.id))!;
    const res = await c.post(`${inv.base}/pagina/2`, { q_ROLES__GEM: 'KAR', q_ROLES__WELZ: 'INF', q_ROLES__BANK: 'NONE', q_HOURS: 'abc', actie: 'opslaan' });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Vul een getal in, zoals 12 of 12,5.');
    expect(valueOf(res.body, 'q_HOURS')).toBe('abc');
    expect(res.body).toContain('aria-invalid="true"');
    const stored = await answersOf(edition, r.id);
    expect(stored.HOURS).toEqual({ kind: 'number', value: 12.5 }); // the earlier valid value stays
    expect(stored.ROLES).toEqual({ kind: 'matrix', rows: { GEM: 'KAR', WELZ: 'INF', BANK: 'NONE' } }); // the valid answer was saved

    // Out of range and "weet ik niet" together with a number are entry errors too.
    const range = await c.post(`${inv.base}/pagina/2`, { q_ROLES__GEM: 'KAR', q_ROLES__WELZ: 'INF', q_ROLES__BANK: 'NONE', q_HOURS: '5000', actie: 'volgende' });
    expect(range.statusCode).toBe(422);
    expect(range.body).toContain('Het getal moet 1000 of minder zijn.');
    const both = await c.post(`${inv.base}/pagina/2`, { q_ROLES__GEM: 'KAR', q_ROLES__WELZ: 'INF', q_ROLES__BANK: 'NONE', q_HOURS: '3', q_HOURS_dk: 'dont_know', actie: 'volgende' });
    expect(both.statusCode).toBe(422);
    expect(checked(both.body, 'q_HOURS_dk')).toEqual(['dont_know']);
    expect((await answersOf(edition, r.id)).HOURS).toEqual({ kind: 'number', value: 12.5 });

    const dk = await c.post(`${inv.base}/pagina/2`, { q_ROLES__GEM: 'KAR', q_ROLES__WELZ: 'INF', q_ROLES__BANK: 'NONE', q_HOURS: '', q_HOURS_dk: 'dont_know', actie: 'volgende' });
    expect(dk.statusCode).toBe(303);
    expect((await answersOf(edition, r.id)).HOURS).toEqual({ kind: 'number', value: null, dontKnow: true });
  });

  it('removes the answer to a question that no longer applies', async () => {
    const c = browser();
    const r = (await responseOfInvitation(inv.id))!;
    // Without JavaScript the dependent textarea is still posted: the server drops it.
    const res = await c.post(`${inv.base}/pagina/1`, { q_WEEK: 'yes', q_AWARE: 'SPEC', q_SUPPORT: ['MAP'], q_SUPPORT_other: '', q_SUPPORT_WHY: 'Via de wijkteams', actie: 'volgende' });
    expect(res.statusCode).toBe(303);
    const stored = await answersOf(edition, r.id);
    expect(stored.SUPPORT).toEqual({ kind: 'choice', options: ['MAP'], other: null });
    expect(stored.SUPPORT_WHY).toBeUndefined();
    const rows = await t.db
      .select()
      .from(benchmarkAnswers)
      .where(eq(benchmarkAnswers.responseId, r.id));
    expect(rows.some((x) => x.valueText === 'Via de wijkteams')).toBe(false);
  });

  it('refuses an exclusive option combined with others, and tampered option codes, saving neither', async () => {
    const c = browser();
    const r = (await responseOfInvitation(inv.id))!;
    const excl = await c.post(`${inv.base}/pagina/1`, { q_WEEK: 'yes', q_AWARE: 'SPEC', q_SUPPORT: ['MAP', 'NONE'], actie: 'opslaan' });
    expect(excl.statusCode).toBe(422);
    expect(excl.body).toMatch(/(&quot;|")Geen van deze(&quot;|") kan niet samen met andere antwoorden worden gekozen\./);
    expect(checked(excl.body, 'q_SUPPORT')).toEqual(['MAP', 'NONE']);
    expect((await answersOf(edition, r.id)).SUPPORT).toEqual({ kind: 'choice', options: ['MAP'], other: null });

    const tampered = await c.post(`${inv.base}/pagina/1`, { q_WEEK: 'misschien', q_AWARE: 'SPEC', q_SUPPORT: ['MAP'], actie: 'volgende' });
    expect(tampered.statusCode).toBe(422);
    expect(tampered.body).toContain('Kies een van de gegeven antwoorden.');
    const matrix = await c.post(`${inv.base}/pagina/2`, { q_ROLES__GEM: 'BAAS', q_ROLES__WELZ: 'INF', q_ROLES__BANK: 'NONE', actie: 'opslaan' });
    expect(matrix.statusCode).toBe(422);
    expect(matrix.body).toContain('Kies per rij een van de gegeven antwoorden.');
    // Fields of questions that are not on the page are ignored.
    await c.post(`${inv.base}/pagina/1`, { q_WEEK: 'yes', q_AWARE: 'SPEC', q_SUPPORT: ['MAP'], q_NOTE: 'ingeslopen', actie: 'opslaan' });
    const after = await answersOf(edition, r.id);
    expect(after.WEEK).toEqual({ kind: 'choice', options: ['yes'], other: null });
    expect(after.ROLES).toEqual({ kind: 'matrix', rows: { GEM: 'KAR', WELZ: 'INF', BANK: 'NONE' } });
    expect(after.NOTE).toBeUndefined();
    expect(JSON.stringify(await t.db.select().from(benchmarkAnswers).where(eq(benchmarkAnswers.responseId, r.id)))).not.toMatch(/misschien|BAAS/);
  });

  it('"Opslaan en later verdergaan" saves without the required check and returns to the start page', async () => {
    const c = browser();
    const res = await c.post(`${inv.base}/pagina/3`, { q_NOTE: '', actie: 'opslaan' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(inv.base);
    const start = await c.get(inv.base);
    expect(start.body).toContain('Uw antwoorden zijn opgeslagen.');
    expect(start.body).toContain(`href="${inv.base}/pagina/3"`);
  });
});

describe('summary and submitting', () => {
  let edition: Edition;
  beforeAll(async () => {
    edition = await createSmallEdition(t.db, { year: 2033, title: 'Benchmark 2033', allowChangesAfterSubmit: true });
  });

  it('lists the open required questions, refuses an incomplete submit, and submits a complete one', async () => {
    const inv = await invite(edition, ['GM0344']);
    const c = browser();
    await c.post(`${inv.base}/pagina/1`, { q_WEEK: 'no', q_AWARE: 'dont_know', actie: 'volgende' });
    const summary = await c.get(`${inv.base}/samenvatting`);
    expect(summary.statusCode).toBe(200);
    expect(summary.body).toContain('Nog niet beantwoord');
    expect(summary.body).toContain(`href="${inv.base}/pagina/2#veld-q_ROLES"`);
    expect(summary.body).not.toContain(`pagina/1#veld-q_WEEK`);
    expect(summary.body).toContain('Weet ik niet'); // describeAnswer of AWARE
    expect(summary.body).toContain(`href="${inv.base}/pagina/1"`);
    expect(summary.body).toMatch(/Wijzigen<span class="visually-hidden"> \(stap 1, Signaleren\)/);
    expect(summary.body).toContain('Vragenlijst indienen');

    const refused = await c.post(`${inv.base}/samenvatting`);
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('U kunt nog niet indienen: 1 verplichte vraag is nog niet beantwoord');
    expect(refused.body).toContain(`href="${inv.base}/pagina/2#veld-q_ROLES"`);
    expect((await responseOfInvitation(inv.id))!.status).toBe('in_progress');
    expect((await c.get(`${inv.base}/ingediend`)).headers.location).toBe(`${inv.base}/samenvatting`);
    expect((await c.get(`${inv.base}/dashboard`)).headers.location).toBe(`${inv.base}/samenvatting`);

    const last = await c.post(`${inv.base}/pagina/2`, { q_ROLES__GEM: 'KAR', q_ROLES__WELZ: 'ACT', q_ROLES__BANK: 'NONE', q_HOURS: '8', actie: 'volgende' });
    expect(last.headers.location).toBe(`${inv.base}/pagina/3`);
    const toSummary = await c.post(`${inv.base}/pagina/3`, { q_NOTE: 'Mooi initiatief', actie: 'volgende' });
    expect(toSummary.headers.location).toBe(`${inv.base}/samenvatting`);
    const ok = await c.post(`${inv.base}/samenvatting`);
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe(`${inv.base}/ingediend`);
    const r = (await responseOfInvitation(inv.id))!;
    expect(r.status).toBe('submitted');
    expect(r.submittedAt).toBeInstanceOf(Date);
    const [entry] = await t.db.select().from(auditLog).where(and(eq(auditLog.action, 'submit'), eq(auditLog.entityId, String(r.id)))).orderBy(desc(auditLog.id));
    expect(entry!.entity).toBe('benchmark_response');
    expect(entry!.actorLabel).toBe(`respondent uitnodiging #${inv.id}`);

    const thanks = await c.get(`${inv.base}/ingediend`);
    expect(thanks.statusCode).toBe(200);
    expect(thanks.body).toContain('Bedankt voor het invullen');
    expect(thanks.body).toContain(`href="${inv.base}/antwoorden"`);
    expect(thanks.body).toContain('href="/benchmark/2033/gemeenten/GM0344"');
    expect(thanks.body).toContain(`href="${inv.base}/dashboard"`);

    // The municipality's dashboard through the link: its own answer next to the (suppressed) aggregates.
    const dash = await c.get(`${inv.base}/dashboard`);
    expect(dash.statusCode).toBe(200);
    expect(dash.body).toContain('Benchmark 2033: Utrecht');
    expect(dash.body).toContain('Mooi initiatief');
    expect(dash.body).toContain('Voor inzicht, niet om af te rekenen.');
    expect(dash.body.match(/<h1[ >]/g)).toHaveLength(1);

    // The printable copy: every section, the answers, the municipality and the date.
    const copy = await c.get(`${inv.base}/antwoorden`);
    expect(copy.statusCode).toBe(200);
    for (const s of ['Utrecht', 'Ingediend op', 'Signaleren', 'Sterk netwerk', 'Tot slot', 'Mooi initiatief', 'Gemeente: Kartrekker; Welzijnsorganisaties: Actieve bijdrage of initiatiefnemer; Financiële sector: Geen actieve rol', '8 uur', 'Afdrukken of opslaan als pdf']) {
      expect(copy.body, s).toContain(s);
    }
    expect(copy.body).toContain('data-print="true" hidden');
    // A question that does not apply is left out of the copy.
    expect(copy.body).not.toContain('Licht de andere manier toe');
  });

  it('lets a respondent change answers after submitting when allowed, keeping the response complete', async () => {
    const inv = await invite(edition, ['GM0363']);
    const c = browser();
    await c.post(`${inv.base}/pagina/1`, { q_WEEK: 'yes', actie: 'volgende' });
    await c.post(`${inv.base}/pagina/2`, { q_ROLES__GEM: 'KAR', q_ROLES__WELZ: 'ACT', q_ROLES__BANK: 'NONE', actie: 'volgende' });
    expect((await c.post(`${inv.base}/samenvatting`)).statusCode).toBe(303);
    const submitted = (await responseOfInvitation(inv.id))!;

    const page = await c.get(`${inv.base}/pagina/3`);
    expect(page.body).toContain('U kunt uw antwoorden nog wijzigen');
    const change = await c.post(`${inv.base}/pagina/3`, { q_NOTE: 'Later toegevoegd', actie: 'volgende' });
    expect(change.statusCode).toBe(303);
    const after = (await responseOfInvitation(inv.id))!;
    expect(after.status).toBe('submitted');
    expect(after.submittedAt!.getTime()).toBe(submitted.submittedAt!.getTime());
    expect(after.updatedAt.getTime()).toBeGreaterThan(submitted.updatedAt.getTime());
    expect((await answersOf(edition, after.id)).NOTE).toEqual({ kind: 'text', value: 'Later toegevoegd' });

    // Emptying a required answer is refused even with "Opslaan" or "Vorige": nothing changes.
    const rows = await answerRows(after.id);
    for (const actie of ['opslaan', 'vorige']) {
      const res = await c.post(`${inv.base}/pagina/2`, { q_ROLES__GEM: 'KAR', q_HOURS: '4', actie });
      expect(res.statusCode, actie).toBe(422);
      expect(res.body).toContain('Er is niets gewijzigd');
      expect(checked(res.body, 'q_ROLES__GEM')).toEqual(['KAR']);
      expect(valueOf(res.body, 'q_HOURS')).toBe('4');
    }
    expect(await answerRows(after.id)).toBe(rows);
    expect((await responseOfInvitation(inv.id))!.status).toBe('submitted');
  });

  it('shows a submitted response read-only and refuses changes when the edition does not allow them', async () => {
    const strict = await createSmallEdition(t.db, { year: 2034, title: 'Benchmark 2034', allowChangesAfterSubmit: false });
    const inv = await invite(strict, ['GM0344']);
    const c = browser();
    await c.post(`${inv.base}/pagina/1`, { q_WEEK: 'yes', actie: 'volgende' });
    await c.post(`${inv.base}/pagina/2`, { q_ROLES__GEM: 'KAR', q_ROLES__WELZ: 'ACT', q_ROLES__BANK: 'NONE', actie: 'volgende' });
    const summary = await c.get(`${inv.base}/samenvatting`);
    expect(summary.body).toContain('niet meer wijzigen');
    expect((await c.post(`${inv.base}/samenvatting`)).statusCode).toBe(303);
    const r = (await responseOfInvitation(inv.id))!;
    const rows = await answerRows(r.id);

    const page = await c.get(`${inv.base}/pagina/1`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('kunnen niet meer worden gewijzigd');
    expect(page.body).not.toContain('<form method="post" action="/vragenlijst');
    expect(page.body).toMatch(/1\. Doet uw gemeente mee aan de Week tegen Eenzaamheid\?<\/dt><dd>Ja<\/dd>/);
    const summaryAfter = await c.get(`${inv.base}/samenvatting`);
    expect(summaryAfter.body).not.toContain('>Wijzigen<');
    expect(summaryAfter.body).not.toContain('Vragenlijst indienen');

    const post = await c.post(`${inv.base}/pagina/1`, { q_WEEK: 'no', actie: 'volgende' });
    expect(post.statusCode).toBe(409);
    expect(post.body).toContain('Wijzigen niet mogelijk');
    expect(post.body).toContain('Er is niets veranderd.');
    expect((await c.post(`${inv.base}/samenvatting`)).statusCode).toBe(409);
    expect(await answerRows(r.id)).toBe(rows);
    expect((await responseOfInvitation(inv.id))!.updatedAt.getTime()).toBe(r.updatedAt.getTime());
  });

  it("never shows another respondent's answers", async () => {
    const a = await invite(edition, ['GM0599']);
    const b = await invite(edition, ['GM0518']);
    await browser().post(`${a.base}/pagina/3`, { q_NOTE: 'Antwoord van Rotterdam', actie: 'opslaan' });
    const other = browser();
    for (const path of ['', '/pagina/3', '/samenvatting', '/antwoorden']) {
      const res = await other.get(`${b.base}${path}`);
      expect(res.statusCode, path).toBe(200);
      expect(res.body).not.toContain('Antwoord van Rotterdam');
      expect(res.body).not.toContain('Rotterdam');
    }
    expect(valueOf((await other.get(`${b.base}/pagina/3`)).body, 'q_NOTE')).toBe('');
    // B saving does not touch A's response.
    await other.post(`${b.base}/pagina/3`, { q_NOTE: 'Antwoord van Den Haag', actie: 'opslaan' });
    const ra = (await responseOfInvitation(a.id))!;
    expect((await answersOf(edition, ra.id)).NOTE).toEqual({ kind: 'text', value: 'Antwoord van Rotterdam' });
  });

  it('does not create a second response for a municipality that already answered', async () => {
    await addResponse(t.db, edition, ['GM0034'], { WEEK: 'yes' });
    const inv = await invite(edition, ['GM0034']);
    const res = await browser().post(`${inv.base}/pagina/1`, { q_WEEK: 'no', actie: 'volgende' });
    expect(res.statusCode).toBe(409);
    expect(res.body).toContain('al ingevuld via een andere uitnodiging');
    expect(await responseOfInvitation(inv.id)).toBeUndefined();
  });
});

describe('conditions on an earlier page', () => {
  const def = (): QuestionnaireDef =>
    questionnaireDefSchema.parse({
      format: DEFINITION_FORMAT,
      year: 2035,
      title: 'Benchmark 2035',
      sections: [
        { code: 'A', pillar: 'pijler_1', title: 'Bestuur', questions: [{ code: 'COAL', type: 'yesno', text: 'Is er een lokale coalitie?', required: true }] },
        {
          code: 'B',
          pillar: 'pijler_2',
          title: 'Coalitie',
          questions: [
            { code: 'COAL_SIZE', type: 'number', text: 'Hoeveel partners heeft de coalitie?', required: true, showIf: { question: 'COAL', anyOf: ['yes'] } },
            { code: 'REMARK', type: 'text', text: 'Opmerking' },
          ],
        },
      ],
    }) as QuestionnaireDef;

  it('shows or hides the question on the server and removes its answer when the condition stops applying', async () => {
    const edition = await createSmallEdition(t.db, { year: 2035, title: 'Benchmark 2035' }, def());
    const inv = await invite(edition, ['GM0344']);
    const c = browser();
    await c.post(`${inv.base}/pagina/1`, { q_COAL: 'yes', actie: 'volgende' });
    const shown = await c.get(`${inv.base}/pagina/2`);
    expect(shown.body).toContain('name="q_COAL_SIZE"');
    expect(shown.body).not.toContain('Alleen beantwoorden als');
    expect((await c.post(`${inv.base}/pagina/2`, { q_COAL_SIZE: '', actie: 'volgende' })).statusCode).toBe(422);
    expect((await c.post(`${inv.base}/pagina/2`, { q_COAL_SIZE: '7', actie: 'volgende' })).statusCode).toBe(303);
    const r = (await responseOfInvitation(inv.id))!;
    expect((await answersOf(edition, r.id)).COAL_SIZE).toEqual({ kind: 'number', value: 7 });

    await c.post(`${inv.base}/pagina/1`, { q_COAL: 'no', actie: 'volgende' });
    expect((await answersOf(edition, r.id)).COAL_SIZE).toBeUndefined();
    const hidden = await c.get(`${inv.base}/pagina/2`);
    expect(hidden.body).not.toContain('name="q_COAL_SIZE"');
    // A tampered post of the hidden question is not stored, and it is not required.
    expect((await c.post(`${inv.base}/pagina/2`, { q_COAL_SIZE: '9', actie: 'volgende' })).statusCode).toBe(303);
    expect((await answersOf(edition, r.id)).COAL_SIZE).toBeUndefined();
    expect((await c.post(`${inv.base}/samenvatting`)).statusCode).toBe(303);
  });

  it('decides visibility on the answers stored when the page is written, not when it was loaded (two tabs)', async () => {
    const edition = await createSmallEdition(t.db, { year: 2036, title: 'Benchmark 2036' }, def());
    const inv = await invite(edition, ['GM0363']);
    const c = browser();
    expect((await c.post(`${inv.base}/pagina/1`, { q_COAL: 'yes', actie: 'volgende' })).statusCode).toBe(303);
    // Tab 2 opens page 2 while COAL is yes (COAL_SIZE applies)…
    const link = (await resolveLink(t.db, inv.token)) as OpenLink;
    const tab2 = await loadRespondentForm(t.db, link);
    expect(tab2.answers.get('COAL')).toEqual({ kind: 'choice', options: ['yes'], other: null });
    // …tab 1 then changes COAL to no…
    expect((await c.post(`${inv.base}/pagina/1`, { q_COAL: 'no', actie: 'volgende' })).statusCode).toBe(303);
    // …and tab 2 saves page 2 as it loaded it: COAL_SIZE no longer applies, so it is neither stored nor required.
    const result = await savePage(t.db, { label: 'test' }, link, tab2, 2, { q_COAL_SIZE: '7', q_REMARK: 'Vanuit tab 2' }, { requireComplete: true, nextPage: 3 });
    expect(result).toMatchObject({ saved: true, missingElsewhere: [] });
    expect(result.errors.size).toBe(0);
    const r = (await responseOfInvitation(inv.id))!;
    expect(await answersOf(edition, r.id)).toEqual({ COAL: { kind: 'choice', options: ['no'], other: null }, REMARK: { kind: 'text', value: 'Vanuit tab 2' } });
  });

  it('a tab opened before submitting cannot change a submitted response when the edition does not allow it', async () => {
    const edition = await createSmallEdition(t.db, { year: 2037, title: 'Benchmark 2037', allowChangesAfterSubmit: false }, def());
    const inv = await invite(edition, ['GM0363']);
    const c = browser();
    expect((await c.post(`${inv.base}/pagina/1`, { q_COAL: 'no', actie: 'volgende' })).statusCode).toBe(303);
    const link = (await resolveLink(t.db, inv.token)) as OpenLink;
    const tab2 = await loadRespondentForm(t.db, link);
    expect((await c.post(`${inv.base}/samenvatting`)).statusCode).toBe(303);
    const r = (await responseOfInvitation(inv.id))!;
    expect(r.status).toBe('submitted');
    const before = await answerRows(r.id);
    await expect(savePage(t.db, { label: 'test' }, link, tab2, 2, { q_REMARK: 'Na het indienen' }, { requireComplete: false, nextPage: 2 })).rejects.toMatchObject({ statusCode: 409, code: 'response_submitted' });
    expect(await answerRows(r.id)).toBe(before);
  });
});

describe('rate limit', () => {
  it('limits the questionnaire pages per IP', async () => {
    const limited = await createTestApp({ database: t.database, env: { RATE_LIMIT_PER_MINUTE: '1' } });
    try {
      const c = new TestClient(limited.app);
      const statuses: number[] = [];
      for (let i = 0; i < 31; i++) statuses.push((await c.get('/vragenlijst/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).statusCode);
      expect(statuses.slice(0, 30).every((s) => s === 404)).toBe(true);
      expect(statuses[30]).toBe(429);
    } finally {
      await limited.close();
    }
  });
});
