import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, asc, desc, eq, isNull, sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { createTestApp, createUser, seedReference, type TestApp, signedIn } from '../../../test/helpers/app.js';
import { municipalityId } from '../../../test/helpers/registry.js';
import { auditLog } from '../../platform/db/schema.js';
import { amsterdamDate } from '../../platform/time.js';
import { municipalities, organisations } from '../registry/schema.js';
import { coalitionMembers, coalitions, nationalMembers } from './schema.js';

let t: TestApp;
const ids: Record<string, number> = {};
const tomorrow = amsterdamDate(new Date(Date.now() + 86_400_000));

const client = (email: string) => signedIn(t.app, email);
const n = async (table: typeof organisations | typeof nationalMembers | typeof coalitions | typeof coalitionMembers) => (await t.db.select({ n: sql<number>`count(*)::int` }).from(table))[0].n;
const counts = async () => [await n(organisations), await n(nationalMembers), await n(coalitions), await n(coalitionMembers)];
const csv = (lines: string[]) => `\uFEFF${lines.join('\r\n')}\r\n`;

/** The hidden fields of the preview's confirmation form, HTML entities decoded. */
function problemsOf(html: string): string[] {
  return [...html.matchAll(/<td class="utrecht-table__cell utrecht-table__cell--numeric">(\d+)<\/td><td class="utrecht-table__cell">([^<]+)<\/td><td class="utrecht-table__cell">([^<]+)<\/td>/g)].map((m) => `${m[1]}:${m[2]}:${m[3]}`);
}

function confirmFields(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  const decode = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  for (const name of ['gegevens', 'bestandsnaam', 'controle']) {
    const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
    if (m) out[name] = decode(m[1]);
  }
  return out;
}

const NATIONAL_HEADER = 'organisation_name,kvk_number,sector,declaration_date,left_on,pledged_actions,website';
const COALITION_HEADER = 'municipality_code,organisation_name,kvk_number,role,sector,start_date,end_date,contact_name,contact_email';

beforeAll(async () => {
  t = await createTestApp();
  const db = t.db;
  await seedReference(db);
  ids.utrecht = await municipalityId(db, 'GM0344');
  ids.amsterdam = await municipalityId(db, 'GM0363');
  const groningen = (await db.select().from(municipalities).where(eq(municipalities.cbsCode, 'GM0014')))[0];
  await db.insert(municipalities).values({ cbsCode: 'GM0009', name: 'Ten Boer', provinceId: groningen.provinceId, validTo: '2018-12-31', successorId: groningen.id });
  const org = async (name: string, extra: Partial<typeof organisations.$inferInsert> = {}) =>
    (await db.insert(organisations).values({ name, kind: 'national_partner', ...extra }).returning())[0].id;
  ids.ouderenfonds = await org('Ouderenfonds', { kvkNumber: '12345678' });
  ids.kbo = await org('KBO-PCOB');
  ids.welzijn = await org('Welzijn Utrecht', { kind: 'welfare', municipalityId: ids.utrecht, kvkNumber: '30123456' });
  ids.bieb = await org('Bibliotheek Utrecht', { kind: 'education', municipalityId: ids.utrecht });
  await db.insert(nationalMembers).values({ organisationId: ids.ouderenfonds, sector: 'funds', declarationDate: '2019-01-01' });
  ids.coalition = (await db.insert(coalitions).values({ name: 'Utrecht Verbindt', municipalityId: ids.utrecht }).returning())[0].id;
  await db.insert(coalitionMembers).values({ coalitionId: ids.coalition, organisationId: ids.welzijn, role: 'kartrekker', sector: 'care_welfare', startDate: '2020-01-01' });
  await createUser(db, 'admin@test.example', [{ role: 'programme_admin' }]);
  await createUser(db, 'coord@test.example', [{ role: 'municipality_coordinator', municipalityId: ids.utrecht }]);
});
afterAll(async () => t.close());

describe('access', () => {
  it('is for the programme team only', async () => {
    const c = await client('coord@test.example');
    const before = await counts();
    expect((await c.get('/beheer/netwerk-import')).statusCode).toBe(403);
    expect((await c.get('/beheer/netwerk-import/nationale-coalitie')).statusCode).toBe(403);
    expect((await c.get('/beheer/netwerk-import/coalitieleden/sjabloon.csv')).statusCode).toBe(403);
    expect((await c.upload('/beheer/netwerk-import/nationale-coalitie', {}, { field: 'bestand', filename: 'x.csv', content: csv([NATIONAL_HEADER, 'Jumbo,,business,2020-01-01,,,']) })).statusCode).toBe(403);
    expect((await c.post('/beheer/netwerk-import/nationale-coalitie/bevestigen', { gegevens: '{"h":[],"r":[]}', controle: 'x' })).statusCode).toBe(403);
    expect(await counts()).toEqual(before);
  });

  it('offers the templates and the exports that exist', async () => {
    const c = await client('admin@test.example');
    const page = await c.get('/beheer/netwerk-import');
    expect(page.statusCode).toBe(200);
    expect(page.body.match(/<h1/g)).toHaveLength(1);
    expect(page.body).toContain('href="/samenwerkingen/export?formaat=csv"');
    expect(page.body).toContain('href="/coalities/export?formaat=csv"'); // another part's export, found by its route
    expect(page.body).not.toContain('href="/bestaat-niet/export');
    expect(page.body).toContain('href="/programmacijfers/export?formaat=xlsx"');
    expect(page.body).toContain('href="/beheer/organisaties/export?formaat=csv&amp;scheidingsteken=puntkomma"');
    // The exports of the contact persons, the tasks and the board are listed now that their routes exist.
    expect(page.body).toContain('href="/contactpersonen/export?formaat=csv"');
    expect(page.body).toContain('href="/taken/export?wie=alle&amp;formaat=xlsx"');
    expect(page.body).toContain('href="/vraag-en-aanbod/export?formaat=csv"');
    const tpl = await c.get('/beheer/netwerk-import/coalitieleden/sjabloon.csv');
    expect(tpl.body.replace(/^\uFEFF/, '').trim()).toBe(COALITION_HEADER);
    const tpl2 = await c.get('/beheer/netwerk-import/nationale-coalitie/sjabloon.csv');
    expect(tpl2.body.replace(/^\uFEFF/, '').trim()).toBe(NATIONAL_HEADER);
  });
});

describe('National Coalition members', () => {
  it('an import with bad rows imports nothing and lists every problem with row and column', async () => {
    const c = await client('admin@test.example');
    const before = await counts();
    const res = await c.upload(
      '/beheer/netwerk-import/nationale-coalitie',
      {},
      {
        field: 'bestand',
        filename: 'leden.csv',
        content: csv([
          NATIONAL_HEADER,
          'Jumbo,11112222,business,2020-01-01,,,',
          'Albert Heijn,,xyz,2020-01-01,,,',
          `Lidl,,business,${tomorrow},,,`,
          ',,business,2020-01-01,,,',
          'jumbo,,Bedrijfsleven,2021-01-01,,,',
          'Aldi,123,business,2020-01-01,2019-01-01,,niet-een-url',
        ]),
      },
    );
    expect(res.statusCode).toBe(422);
    // (A row whose fields are wrong is not checked further: its left_on comes after the fields are right.)
    expect(res.body).toContain('Niets geïmporteerd: 6 problemen in leden.csv');
    expect(problemsOf(res.body).map((p) => p.split(':').slice(0, 2).join(':'))).toEqual([
      '3:sector',
      '4:declaration_date',
      '5:organisation_name',
      '6:organisation_name',
      '7:kvk_number',
      '7:website',
    ]);
    expect(res.body).toContain('Onbekende sector');
    expect(res.body).toContain('ligt in de toekomst');
    expect(res.body).toContain('Deze organisatie staat ook op regel 2');
    expect(await counts()).toEqual(before);
  });

  it('previews first, then reuses existing organisations (by KvK and by name), skips an existing membership and creates the rest', async () => {
    const c = await client('admin@test.example');
    const before = await counts();
    const res = await c.upload(
      '/beheer/netwerk-import/nationale-coalitie',
      {},
      {
        field: 'bestand',
        filename: 'leden.csv',
        content: csv([
          NATIONAL_HEADER,
          'Nationaal Ouderenfonds,12345678,Fondsen,2019-02-01,,,',
          'kbo-pcob,,Koepelorganisaties,2019-06-15,,Ouderen bezoeken,',
          'Jumbo Supermarkten,11112222,business,2020-03-01,2023-06-30,Boodschappenmaatjes,https://www.jumbo.example.nl',
        ]),
      },
    );
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Controleer de import');
    expect(res.body).toContain('Bestaande organisatie (zelfde KvK-nummer): Ouderenfonds');
    expect(res.body).toContain('Is al lid van de Nationale Coalitie (intentieverklaring van 2019-01-01); deze regel wordt overgeslagen.');
    expect(res.body).toContain('Bestaande organisatie (zelfde naam): KBO-PCOB');
    expect(res.body).toContain('Nieuwe organisatie');
    expect(res.body).not.toMatch(/undefined|NaN|\[object/);
    expect(await counts()).toEqual(before); // the preview saves nothing

    const confirm = await c.post('/beheer/netwerk-import/nationale-coalitie/bevestigen', confirmFields(res.body));
    expect(confirm.statusCode).toBe(303);
    expect(confirm.headers.location).toBe('/beheer/netwerk-import');
    const after = await counts();
    expect(after[0] - before[0]).toBe(1); // only Jumbo is new
    expect(after[1] - before[1]).toBe(2);
    const kbo = await t.db.select().from(nationalMembers).where(eq(nationalMembers.organisationId, ids.kbo));
    expect(kbo[0]).toMatchObject({ sector: 'umbrella', declarationDate: '2019-06-15', pledgedActions: 'Ouderen bezoeken' });
    const [jumbo] = await t.db.select().from(organisations).where(eq(organisations.kvkNumber, '11112222'));
    expect(jumbo).toMatchObject({ name: 'Jumbo Supermarkten', kind: 'national_partner', municipalityId: null, website: 'https://www.jumbo.example.nl' });
    expect((await t.db.select().from(nationalMembers).where(eq(nationalMembers.organisationId, jumbo.id)))[0]).toMatchObject({ leftOn: '2023-06-30' });
    // The existing membership is untouched.
    expect((await t.db.select().from(nationalMembers).where(eq(nationalMembers.organisationId, ids.ouderenfonds)))[0].declarationDate).toBe('2019-01-01');
    const [entry] = await t.db.select().from(auditLog).where(and(eq(auditLog.action, 'import'), eq(auditLog.entity, 'national_member'))).orderBy(desc(auditLog.id));
    expect(entry.details).toMatchObject({ file: 'leden.csv', added: 2, skipped: 1, newOrganisations: 1, skippedLines: [2] });

    // The same file again: every membership exists now, nothing to add.
    const again = await c.upload('/beheer/netwerk-import/nationale-coalitie', {}, { field: 'bestand', filename: 'leden.csv', content: csv([NATIONAL_HEADER, 'Jumbo Supermarkten,11112222,business,2020-03-01,,,']) });
    expect(again.body).toContain('Er is niets toe te voegen');
  });

  it('refuses a tampered confirmation and re-previews when the database changed since the preview', async () => {
    const c = await client('admin@test.example');
    const before = await counts();
    expect((await c.post('/beheer/netwerk-import/nationale-coalitie/bevestigen', { gegevens: 'not json', controle: 'x' })).statusCode).toBe(422);
    const res = await c.upload('/beheer/netwerk-import/nationale-coalitie', {}, { field: 'bestand', filename: 'b.csv', content: csv([NATIONAL_HEADER, 'Vomar,,business,2021-01-01,,,']) });
    expect(res.statusCode).toBe(200);
    const fields = confirmFields(res.body);
    // Someone registers Vomar in the meantime: the plan changes from "new" to "existing".
    const [vomar] = await t.db.insert(organisations).values({ name: 'Vomar', kind: 'business' }).returning();
    const stale = await c.post('/beheer/netwerk-import/nationale-coalitie/bevestigen', fields);
    expect(stale.statusCode).toBe(409);
    expect(stale.body).toContain('zijn veranderd sinds u het voorbeeld zag');
    expect(stale.body).toContain('Bestaande organisatie (zelfde naam): Vomar');
    expect(await counts()).toEqual([before[0] + 1, before[1], before[2], before[3]]);
    // Confirming the new preview writes, reusing Vomar.
    expect((await c.post('/beheer/netwerk-import/nationale-coalitie/bevestigen', confirmFields(stale.body))).statusCode).toBe(303);
    expect(await t.db.select().from(nationalMembers).where(eq(nationalMembers.organisationId, vomar.id))).toHaveLength(1);
    expect(await n(organisations)).toBe(before[0] + 1);
  });
});

describe('National Coalition members: a KvK number of a local organisation', () => {
  it('refuses the row (a local organisation cannot become a National Coalition member) and imports nothing', async () => {
    const c = await client('admin@test.example');
    const before = await counts();
    const res = await c.upload(
      '/beheer/netwerk-import/nationale-coalitie',
      {},
      { field: 'bestand', filename: 'leden-lokaal.csv', content: csv([NATIONAL_HEADER, 'Welzijn Nederland,30123456,care_welfare,2020-01-01,,,', 'Nieuw Landelijk Fonds,,funds,2020-01-01,,,']) },
    );
    expect(res.statusCode).toBe(422);
    expect(problemsOf(res.body).map((p) => p.split(':').slice(0, 2).join(':'))).toEqual(['2:kvk_number']);
    expect(res.body).toContain('Dit KvK-nummer hoort bij Welzijn Utrecht, een lokale organisatie.');
    expect(await counts()).toEqual(before);
    expect(await t.db.select().from(nationalMembers).where(eq(nationalMembers.organisationId, ids.welzijn))).toEqual([]);
  });
});

describe('members of local coalitions: end dates', () => {
  it('refuses an end date in the future, like the screens and the API, and imports nothing', async () => {
    const c = await client('admin@test.example');
    const before = await counts();
    const res = await c.upload(
      '/beheer/netwerk-import/coalitieleden',
      {},
      { field: 'bestand', filename: 'einddata.csv', content: csv([COALITION_HEADER, `GM0344,Bibliotheek Utrecht,,active,culture,2021-01-01,${tomorrow},,`]) },
    );
    expect(res.statusCode).toBe(422);
    expect(problemsOf(res.body).map((p) => p.split(':').slice(0, 2).join(':'))).toEqual(['2:end_date']);
    expect(res.body).toContain('De einddatum ligt in de toekomst.');
    expect(await counts()).toEqual(before);
  });
});

describe('members of local coalitions', () => {
  it('an import with bad rows imports nothing and lists every problem', async () => {
    const c = await client('admin@test.example');
    const before = await counts();
    const res = await c.upload(
      '/beheer/netwerk-import/coalitieleden',
      {},
      {
        field: 'bestand',
        filename: 'leden.csv',
        content: csv([
          COALITION_HEADER,
          'GM9999,Onbekend,,active,other,2021-01-01,,,',
          'GM0009,Oud,,active,other,2021-01-01,,,',
          'GM0344,Sportclub,,captain,sport,2021-01-01,,,',
          'GM0344,Sportclub,,active,sport,2021-01-01,2020-01-01,,',
          'GM0344,Welzijn Utrecht,,active,care_welfare,2021-01-01,,,',
          'GM0344,Buurthuis,,active,other,2021-01-01,,,',
          'GM0344,buurthuis,,informed,other,2021-06-01,,Jan,jan@buurthuis.example.nl',
          'GM0344,Bakker,,informed,other,2021-06-01,,Piet,geen-email',
        ]),
      },
    );
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Er is geen gemeente met CBS-code GM9999.');
    expect(res.body).toContain('bestaat niet meer; gebruik GM0014 (Groningen)');
    expect(res.body).toContain('Onbekende rol');
    expect(res.body).toContain('De einddatum ligt vóór de begindatum');
    expect(res.body).toContain('al lid van Utrecht Verbindt met een andere rol (Kartrekker, vanaf 2020-01-01)');
    expect(res.body).toContain('Vul een geldig e-mailadres in');
    expect(res.body).toContain('staat op regel 7 al als lid van deze coalitie');
    expect(await counts()).toEqual(before);
  });

  it('reuses organisations by KvK (any municipality) and by name only within the same municipality; creates coalitions and new organisations once', async () => {
    const c = await client('admin@test.example');
    const before = await counts();
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Leden');
    ws.addRow(COALITION_HEADER.split(','));
    ws.addRow(['GM0344', 'welzijn utrecht', '', 'Kartrekker', 'Zorg en welzijn', '2020-01-01', '', '', '']);
    ws.addRow(['GM0344', 'Jumbo Utrecht', '22223333', 'active', 'Bedrijven en ondernemers', '2021-05-01', '2023-01-01', 'Filiaalmanager', 'filiaal@jumbo.example.nl']);
    ws.addRow(['GM0363', 'Bibliotheek Utrecht', '', 'informed', 'Cultuur', '2022-02-01', '', '', '']);
    ws.addRow(['GM0363', 'Stichting Welzijn', '30123456', 'active', 'care_welfare', '2022-03-01', '', '', '']);
    ws.addRow(['344', 'Jumbo Utrecht', '22223333', 'informed', 'business', '2023-01-01', '', '', '']);
    const content = Buffer.from(await wb.xlsx.writeBuffer());
    const res = await c.upload('/beheer/netwerk-import/coalitieleden', {}, { field: 'bestand', filename: 'leden.xlsx', content, contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Is al kartrekker lid van Utrecht Verbindt sinds 2020-01-01; deze regel wordt overgeslagen.');
    expect(res.body).toContain('Amsterdam heeft nog geen lokale coalitie: die wordt aangemaakt (zonder fase).');
    expect(res.body).toContain('Bestaande organisatie (zelfde KvK-nummer): Welzijn Utrecht');
    expect(await counts()).toEqual(before);

    expect((await c.post('/beheer/netwerk-import/coalitieleden/bevestigen', confirmFields(res.body))).statusCode).toBe(303);
    const after = await counts();
    expect(after[0] - before[0]).toBe(2); // Jumbo Utrecht (once, for two rows) and Bibliotheek Utrecht in Amsterdam
    expect(after[2] - before[2]).toBe(1); // Amsterdam's coalition
    expect(after[3] - before[3]).toBe(4);
    const jumbo = await t.db.select().from(organisations).where(eq(organisations.kvkNumber, '22223333'));
    expect(jumbo).toHaveLength(1);
    expect(jumbo[0]).toMatchObject({ name: 'Jumbo Utrecht', municipalityId: ids.utrecht, kind: 'business', sector: 'Bedrijven en ondernemers' });
    const biebs = await t.db.select().from(organisations).where(and(eq(organisations.name, 'Bibliotheek Utrecht'), isNull(organisations.deletedAt))).orderBy(asc(organisations.id));
    expect(biebs.map((b) => b.municipalityId)).toEqual([ids.utrecht, ids.amsterdam]);
    const jumboRows = await t.db.select().from(coalitionMembers).where(eq(coalitionMembers.organisationId, jumbo[0].id)).orderBy(asc(coalitionMembers.startDate));
    expect(jumboRows.map((r) => [r.coalitionId, r.role, r.startDate, r.endDate, r.contactName])).toEqual([
      [ids.coalition, 'active', '2021-05-01', '2023-01-01', 'Filiaalmanager'],
      [ids.coalition, 'informed', '2023-01-01', null, null],
    ]);
    const [ams] = await t.db.select().from(coalitions).where(eq(coalitions.municipalityId, ids.amsterdam));
    expect(ams.name).toBe('Lokale coalitie Amsterdam');
    const amsMembers = await t.db.select().from(coalitionMembers).where(eq(coalitionMembers.coalitionId, ams.id));
    expect(amsMembers.map((m) => m.organisationId).sort()).toEqual([biebs[1].id, ids.welzijn].sort());
    const [entry] = await t.db.select().from(auditLog).where(and(eq(auditLog.action, 'import'), eq(auditLog.entity, 'coalition_member'))).orderBy(desc(auditLog.id));
    expect(entry.details).toMatchObject({ file: 'leden.xlsx', added: 4, skipped: 1, newOrganisations: 2, newCoalitions: 1, skippedLines: [2] });
    expect(JSON.stringify(entry.details)).not.toContain('filiaal@');
  });
});
