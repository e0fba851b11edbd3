import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { and, asc, eq } from 'drizzle-orm';
import { createTestApp, createUser, seedReference, TestClient, type TestApp } from '../../../test/helpers/app.js';
import { databaseUrl } from '../../../test/helpers/db.js';
import { lastAudit, municipalityId } from '../../../test/helpers/registry.js';
import { neighbourhoods } from '../registry/schema.js';
import { runCli } from '../../main.js';
import { importPostcodes, municipalityCode, neighbourhoodCode, PostcodeImportError, PostcodeShrinkError } from './postcode-import.js';
import { resolveArea } from './routing.js';
import { postcodeAddressAreas, postcodeAreas } from './schema.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/cbs-postcodes');
const CSV = path.join(FIXTURES, 'pc6hnr20240801_gwb.csv');
const ZIP = path.join(FIXTURES, 'pc6hnr20240801_gwb.zip');
const AUDIT = { label: 'test' };
/** A partial file: one postcode of the fixture (as if only one province had been downloaded). */
const PARTIAL = ['PC6;Huisnummer;Buurt2024;Wijk2024;Gemeente2024', '9711AA;1;140000;1400;14', '9711AA;2;140000;1400;14', ''].join('\n');

describe('CBS codes', () => {
  it('adds the prefix and the leading zeros', () => {
    expect(municipalityCode('14')).toBe('GM0014');
    expect(municipalityCode('0344')).toBe('GM0344');
    expect(municipalityCode('GM0363')).toBe('GM0363');
    expect(municipalityCode('12345')).toBeNull();
    expect(municipalityCode('x1')).toBeNull();
    expect(neighbourhoodCode('140000')).toBe('BU00140000');
    expect(neighbourhoodCode('03440001')).toBe('BU03440001');
    expect(neighbourhoodCode('363AD03')).toBe('BU0363AD03');
    expect(neighbourhoodCode('BU03630000')).toBe('BU03630000');
    expect(neighbourhoodCode('123456789')).toBeNull();
    expect(neighbourhoodCode('AB')).toBeNull();
  });
});

describe('postcode import (real database)', () => {
  let t: TestApp;
  const ids: Record<string, number> = {};
  const nb: Record<string, number> = {};

  const table = async () => ({
    areas: await t.db.select().from(postcodeAreas).orderBy(asc(postcodeAreas.postcode)),
    addresses: await t.db.select().from(postcodeAddressAreas).orderBy(asc(postcodeAddressAreas.postcode), asc(postcodeAddressAreas.houseNumber)),
  });
  const area = async (pc: string) => (await t.db.select().from(postcodeAreas).where(eq(postcodeAreas.postcode, pc)))[0];
  const exceptions = async (pc: string) =>
    (await t.db.select().from(postcodeAddressAreas).where(eq(postcodeAddressAreas.postcode, pc)).orderBy(asc(postcodeAddressAreas.houseNumber))).map((r) => ({
      houseNumber: r.houseNumber,
      municipalityId: r.municipalityId,
      neighbourhoodId: r.neighbourhoodId,
      source: r.source,
    }));

  beforeAll(async () => {
    t = await createTestApp();
    await seedReference(t.db);
    for (const code of ['GM0014', 'GM0344', 'GM0363', 'GM0384']) ids[code] = await municipalityId(t.db, code);
    const hoods: [string, string, string][] = [
      ['BU00140000', 'Binnenstad-Zuid', 'GM0014'],
      ['BU00140001', 'Binnenstad-Noord', 'GM0014'],
      ['BU00140002', 'Hortusbuurt', 'GM0014'],
      ['BU03440000', 'Domplein', 'GM0344'],
      ['BU03440001', 'Lange Elisabethstraat', 'GM0344'],
      ['BU0363AD03', 'Burgwallen-Oost', 'GM0363'],
      ['BU03630001', 'Amstel III', 'GM0363'],
      ['BU03840000', 'Diemen-Centrum', 'GM0384'],
    ];
    for (const [code, name, m] of hoods) {
      const [row] = await t.db.insert(neighbourhoods).values({ code, name, kind: 'neighbourhood', municipalityId: ids[m]! }).returning();
      nb[code] = row!.id;
    }
    // Before the import: a manual correction (must stay), a manual exception (must stay), a PDOK
    // row for a postcode in the file (overwritten) and an old CBS row not in the file (removed).
    await t.db.insert(postcodeAreas).values([
      { postcode: '3511AC', municipalityId: ids.GM0344!, neighbourhoodId: nb.BU03440001!, source: 'manual', addressCount: 2 },
      { postcode: '3512XY', municipalityId: ids.GM0014!, neighbourhoodId: null, source: 'pdok' },
      { postcode: '1234AB', municipalityId: ids.GM0344!, neighbourhoodId: null, source: 'cbs', addressCount: 3 },
    ]);
    await t.db.insert(postcodeAddressAreas).values([
      { postcode: '9711AA', houseNumber: 3, municipalityId: ids.GM0014!, neighbourhoodId: nb.BU00140002!, source: 'manual' },
      { postcode: '3511AC', houseNumber: 3, municipalityId: ids.GM0344!, neighbourhoodId: nb.BU03440000!, source: 'cbs' },
      { postcode: '1234AB', houseNumber: 5, municipalityId: ids.GM0344!, neighbourhoodId: null, source: 'cbs' },
    ]);
  });
  afterAll(() => t.close());

  it('refuses a file with the wrong header and changes nothing', async () => {
    const before = JSON.stringify(await table());
    const content = Buffer.from('postcode,huisnummer,buurt,gemeente\n9711AA,1,140000,14\n');
    const err = await importPostcodes(t.db, AUDIT, { content, filename: 'verkeerd.csv' }).catch((e) => e);
    expect(err).toBeInstanceOf(PostcodeImportError);
    expect(err.message).toMatch(/niet de kop van het CBS-bestand/);
    expect(err.message).toMatch(/Er is niets gewijzigd/);
    const missing = await importPostcodes(t.db, AUDIT, { content: Buffer.from('PC6;Huisnummer;Wijk2024;Gemeente2024\n'), filename: 'x.csv' }).catch((e) => e);
    expect(missing.message).toContain('Niet gevonden: Buurt<jaar>');
    expect(JSON.stringify(await table())).toBe(before);
  });

  it('refuses a file with too many malformed lines, listing the first ones, and changes nothing', async () => {
    const before = JSON.stringify(await table());
    const lines = ['PC6;Huisnummer;Buurt2024;Wijk2024;Gemeente2024', '9711AA;1;140000;1400;14'];
    for (let i = 0; i < 30; i++) lines.push(`97AA;${i};140000;1400;14`);
    const err = await importPostcodes(t.db, AUDIT, { content: Buffer.from(lines.join('\n')), filename: 'slecht.csv' }).catch((e) => e);
    expect(err).toBeInstanceOf(PostcodeImportError);
    expect(err.message).toMatch(/30 van de 31 regels zijn onjuist/);
    expect(err.problems).toHaveLength(20);
    expect(err.problems[0]).toEqual({ line: 3, reason: 'postcode "97AA" is geen geldige postcode (1234AB)' });
    expect(JSON.stringify(await table())).toBe(before);
  });

  it('refuses a file that would remove more than 10% of the previous CBS postcodes, and changes nothing', async () => {
    // The table holds one CBS postcode (1234AB) that is not in the fixture: 1 of 1 would disappear.
    const before = JSON.stringify(await table());
    const audits = await lastAudit(t.db, 'import').catch(() => null);
    const err = await importPostcodes(t.db, AUDIT, { path: CSV, filename: CSV }).catch((e) => e);
    expect(err).toBeInstanceOf(PostcodeShrinkError);
    expect(err).toBeInstanceOf(PostcodeImportError);
    expect(err).toMatchObject({ removed: 1, existing: 1 });
    expect(err.message).toBe(
      'Dit bestand zou 1 van de 1 postcodes uit de vorige CBS-import (100,0%) uit de postcodetabel laten verdwijnen, omdat ze niet in het bestand staan. Is het bestand misschien niet compleet (bijvoorbeeld alleen één gemeente of provincie)? Er is niets gewijzigd.',
    );
    expect(JSON.stringify(await table())).toBe(before);
    expect(await lastAudit(t.db, 'import').catch(() => null)).toEqual(audits);
  });

  it('imports the fixture: majority per postcode, exceptions, unknown codes reported, manual rows kept', async () => {
    // The old CBS row 1234AB is not in the file: allowed explicitly.
    const s = await importPostcodes(t.db, AUDIT, { path: CSV, filename: CSV }, { allowShrink: true });
    expect(s).toMatchObject({
      file: 'pc6hnr20240801_gwb.csv',
      year: 2024,
      columns: { postcode: 'PC6', houseNumber: 'Huisnummer', neighbourhood: 'Buurt2024', municipality: 'Gemeente2024' },
      lines: 38,
      badLines: 2,
      unknownMunicipalities: [{ code: 'GM9999', lines: 2 }],
      unknownMunicipalityLines: 2,
      unknownNeighbourhoods: [{ code: 'BU03449999', lines: 3 }],
      unknownNeighbourhoodCount: 1,
      manualKept: 1,
      replaced: 1,
      removed: 1,
    });
    expect(s.addresses).toBe(38 - 2 - 2);
    expect(s.badExamples).toEqual([
      { line: 25, reason: '3 kolommen in plaats van 5 of meer' },
      { line: 36, reason: 'huisnummer "abc" is geen getal van 1 tot 99999' },
    ]);
    // 9711AA 9711AB 3511AA 3511AB 3512XY 1011AB 1111AA 1111AB (3511AC is manual; 9999ZZ unknown municipality).
    expect(s.postcodes).toBe(8);
    expect(s.exceptions).toBe(5); // 9711AB 7, 9; 3511AB 8; 1111AA 7, 9

    // A code without leading zeros.
    expect(await area('9711AA')).toMatchObject({ municipalityId: ids.GM0014, neighbourhoodId: nb.BU00140000, source: 'cbs', addressCount: 6 });
    // A postcode split over two neighbourhoods: the majority, and the other house numbers as exceptions.
    expect(await area('9711AB')).toMatchObject({ municipalityId: ids.GM0014, neighbourhoodId: nb.BU00140001, addressCount: 7 });
    expect(await exceptions('9711AB')).toEqual([
      { houseNumber: 7, municipalityId: ids.GM0014, neighbourhoodId: nb.BU00140002, source: 'cbs' },
      { houseNumber: 9, municipalityId: ids.GM0014, neighbourhoodId: nb.BU00140002, source: 'cbs' },
    ]);
    // An unknown neighbourhood: routed on the municipality only.
    expect(await exceptions('3511AB')).toEqual([{ houseNumber: 8, municipalityId: ids.GM0344, neighbourhoodId: null, source: 'cbs' }]);
    // The PDOK row is replaced by the import's answer.
    expect(await area('3512XY')).toMatchObject({ municipalityId: ids.GM0344, neighbourhoodId: null, source: 'cbs', addressCount: 2 });
    // Amsterdam's alphanumeric neighbourhood codes.
    expect(await area('1011AB')).toMatchObject({ municipalityId: ids.GM0363, neighbourhoodId: nb.BU0363AD03 });
    // A postcode across a municipal border.
    expect(await area('1111AA')).toMatchObject({ municipalityId: ids.GM0363, neighbourhoodId: nb.BU03630001, addressCount: 5 });
    expect(await exceptions('1111AA')).toEqual([
      { houseNumber: 7, municipalityId: ids.GM0384, neighbourhoodId: nb.BU03840000, source: 'cbs' },
      { houseNumber: 9, municipalityId: ids.GM0384, neighbourhoodId: nb.BU03840000, source: 'cbs' },
    ]);
    expect(await resolveArea(t.db, '1111AA', 7)).toEqual({ municipalityId: ids.GM0384, neighbourhoodId: nb.BU03840000, routedBy: 'address' });
    expect(await resolveArea(t.db, '1111AA', 5)).toEqual({ municipalityId: ids.GM0363, neighbourhoodId: nb.BU03630001, routedBy: 'postcode' });
    expect(await area('1111AB')).toMatchObject({ municipalityId: ids.GM0384, addressCount: 1 });
    // The unknown municipality's postcode is not in the table; the old CBS row and its exception are gone.
    expect(await area('9999ZZ')).toBeUndefined();
    expect(await area('1234AB')).toBeUndefined();
    expect(await exceptions('1234AB')).toEqual([]);
    // Manual rows stay, and so do the exceptions of a manually corrected postcode.
    expect(await area('3511AC')).toMatchObject({ municipalityId: ids.GM0344, neighbourhoodId: nb.BU03440001, source: 'manual', addressCount: 2 });
    expect(await exceptions('3511AC')).toEqual([{ houseNumber: 3, municipalityId: ids.GM0344, neighbourhoodId: nb.BU03440000, source: 'cbs' }]);
    expect(await exceptions('9711AA')).toEqual([{ houseNumber: 3, municipalityId: ids.GM0014, neighbourhoodId: nb.BU00140002, source: 'manual' }]);

    const a = await lastAudit(t.db, 'import');
    expect(a).toMatchObject({ entity: 'postcode', actorLabel: 'test' });
    expect(a.details).toMatchObject({ source: 'cbs', file: 'pc6hnr20240801_gwb.csv', postcodes: 8, exceptions: 5, badLines: 2, unknownMunicipalities: ['GM9999'] });
  });

  it('reads the zip as CBS publishes it, and a second import gives the same table', async () => {
    const before = JSON.stringify((await table()).addresses);
    const areasBefore = (await table()).areas.map(({ updatedAt: _u, ...r }) => r);
    const s = await importPostcodes(t.db, AUDIT, { path: ZIP, filename: ZIP });
    expect(s).toMatchObject({ file: 'pc6hnr20240801_gwb.zip', lines: 38, postcodes: 8, exceptions: 5, replaced: 8, manualKept: 1, removed: 0 });
    expect(JSON.stringify((await table()).addresses)).toBe(before);
    expect((await table()).areas.map(({ updatedAt: _u, ...r }) => r)).toEqual(areasBefore);
    // ZIP64 records (some tools always write them).
    const z64 = await importPostcodes(t.db, AUDIT, { path: path.join(FIXTURES, 'pc6hnr20240801_gwb-zip64.zip'), filename: 'pc6hnr20240801_gwb-zip64.zip' });
    expect(z64).toMatchObject({ lines: 38, postcodes: 8, exceptions: 5 });
    // The uploaded bytes work the same way.
    const fromBuffer = await importPostcodes(t.db, AUDIT, { content: fs.readFileSync(ZIP), filename: 'upload.zip' });
    expect(fromBuffer.postcodes).toBe(8);
  });

  it('refuses a broken zip and changes nothing', async () => {
    const before = JSON.stringify(await table());
    const notZip = await importPostcodes(t.db, AUDIT, { content: Buffer.from('dit is geen zip'), filename: 'x.zip' }).catch((e) => e);
    expect(notZip).toBeInstanceOf(PostcodeImportError);
    expect(notZip.message).toMatch(/geen geldig zip-bestand/);
    expect(JSON.stringify(await table())).toBe(before);
  });

  describe('CLI import-postcodes', () => {
    const savedEnv = { ...process.env };
    beforeAll(() => {
      process.env.DATABASE_URL = databaseUrl(t.database.name);
      process.env.LOG_LEVEL = 'silent';
      process.env.NODE_ENV = 'test';
      process.env.DEMO_MODE = 'false';
      process.env.BASE_URL = 'http://localhost:3000';
    });
    afterAll(() => {
      process.env = savedEnv;
    });

    async function cli(...args: string[]) {
      const out: string[] = [];
      const err: string[] = [];
      const o = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown, ...rest: unknown[]) => {
        out.push(String(chunk));
        (rest.find((x) => typeof x === 'function') as (() => void) | undefined)?.();
        return true;
      });
      const e = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
        err.push(String(chunk));
        return true;
      });
      try {
        return { code: await runCli(args), out: out.join(''), err: err.join('') };
      } finally {
        o.mockRestore();
        e.mockRestore();
      }
    }

    it('prints a summary with postcodes, exceptions, unknown codes and the duration', async () => {
      const r = await cli('import-postcodes', CSV);
      expect(r.code).toBe(0);
      expect(r.out).toContain('Postcodes opgeslagen: 8');
      expect(r.out).toContain('Uitzonderingen (huisnummers in een andere buurt of gemeente dan de rest van de postcode): 5');
      expect(r.out).toContain('Onbekende gemeentecodes: GM9999 (2)');
      expect(r.out).toContain('Onbekende buurtcodes: 1');
      expect(r.out).toContain('regel 25: 3 kolommen in plaats van 5 of meer');
      expect(r.out).toMatch(/Duur: \d+\.\d s/);
      expect((await lastAudit(t.db, 'import')).actorLabel).toBe('CLI');
    });

    it('refuses a partial file unless --allow-shrink is given, and reports how many postcodes would disappear', async () => {
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pc-')), 'deel.csv');
      fs.writeFileSync(file, PARTIAL);
      try {
        const before = JSON.stringify(await table());
        const refused = await cli('import-postcodes', file);
        expect(refused.code).toBe(1);
        expect(refused.err).toContain('Dit bestand zou 7 van de 8 postcodes uit de vorige CBS-import (87,5%) uit de postcodetabel laten verdwijnen');
        expect(refused.err).toContain('--allow-shrink');
        expect(JSON.stringify(await table())).toBe(before);
        const allowed = await cli('import-postcodes', file, '--allow-shrink');
        expect(allowed.code).toBe(0);
        expect(allowed.out).toContain('Postcodes verdwenen (wel in de vorige import, niet in dit bestand): 7');
        expect(await area('9711AB')).toBeUndefined();
        expect(await area('9711AA')).toMatchObject({ source: 'cbs', addressCount: 2 });
        // Back to the whole file (it adds postcodes, removes none).
        const whole = await cli('import-postcodes', CSV);
        expect(whole.code).toBe(0);
        expect(whole.out).toContain('Postcodes opgeslagen: 8');
        expect(whole.out).toContain('Postcodes verdwenen (wel in de vorige import, niet in dit bestand): 0');
      } finally {
        fs.rmSync(path.dirname(file), { recursive: true, force: true });
      }
    });

    it('exits non-zero on a missing file or a wrong header', async () => {
      expect((await cli('import-postcodes', path.join(FIXTURES, 'bestaat-niet.csv'))).code).toBe(2);
      const r = await cli('import-postcodes', path.join(FIXTURES, 'README.md'));
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/niet de kop van het CBS-bestand/);
    });
  });

  describe('admin upload /beheer/postcodes/importeren', () => {
    it('imports an uploaded zip for the programme team and shows the summary; others get 403', async () => {
      await createUser(t.db, 'pc-admin@test.example', [{ role: 'programme_admin' }]);
      await createUser(t.db, 'pc-coord@test.example', [{ role: 'municipality_coordinator', municipalityId: ids.GM0344 }]);
      const admin = new TestClient(t.app);
      await admin.login('pc-admin@test.example');
      expect((await admin.get('/beheer/postcodes/importeren')).statusCode).toBe(200);
      const res = await admin.upload('/beheer/postcodes/importeren', {}, { field: 'bestand', filename: 'pc6hnr20240801_gwb.zip', content: fs.readFileSync(ZIP), contentType: 'application/zip' });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('De postcodetabel is bijgewerkt.');
      expect(res.body).toContain('GM9999');
      expect(res.body).toContain('BU03449999');
      const a = await lastAudit(t.db, 'import');
      expect(a.actorLabel).toBe('pc-admin@test.example');

      const bad = await admin.upload('/beheer/postcodes/importeren', {}, { field: 'bestand', filename: 'fout.csv', content: 'a;b;c\n1;2;3\n' });
      expect(bad.statusCode).toBe(422);
      expect(bad.body).toContain('niet de kop van het CBS-bestand');

      const coord = new TestClient(t.app);
      await coord.login('pc-coord@test.example');
      expect((await coord.get('/beheer/postcodes/importeren')).statusCode).toBe(403);
      const before = JSON.stringify(await table());
      const denied = await coord.upload('/beheer/postcodes/importeren', {}, { field: 'bestand', filename: 'pc.csv', content: fs.readFileSync(CSV) });
      expect(denied.statusCode).toBe(403);
      expect(JSON.stringify(await table())).toBe(before);
      expect(await t.db.select().from(postcodeAreas).where(and(eq(postcodeAreas.postcode, '3511AC'), eq(postcodeAreas.source, 'manual')))).toHaveLength(1);
    });

    it('refuses a partial upload with the number that would disappear; imports it with the checkbox ticked', async () => {
      const admin = new TestClient(t.app);
      await admin.login('pc-admin@test.example');
      const page = await admin.get('/beheer/postcodes/importeren');
      expect(page.body).toContain('Ik weet dat postcodes die niet in dit bestand staan verdwijnen');
      const before = JSON.stringify(await table());
      const refused = await admin.upload('/beheer/postcodes/importeren', {}, { field: 'bestand', filename: 'deel.csv', content: PARTIAL });
      expect(refused.statusCode).toBe(422);
      expect(refused.body).toContain('Dit bestand zou 7 van de 8 postcodes uit de vorige CBS-import (87,5%) uit de postcodetabel laten verdwijnen');
      expect(refused.body).toContain('href="#veld-verdwijnenToegestaan"');
      expect(refused.body).not.toContain('De postcodetabel is bijgewerkt.');
      expect(JSON.stringify(await table())).toBe(before);
      const allowed = await admin.upload('/beheer/postcodes/importeren', { verdwijnenToegestaan: 'ja' }, { field: 'bestand', filename: 'deel.csv', content: PARTIAL });
      expect(allowed.statusCode).toBe(200);
      expect(allowed.body).toContain('De postcodetabel is bijgewerkt.');
      expect(allowed.body).toMatch(/Postcodes verdwenen \(niet meer in het bestand\)<\/dt><dd>7</);
      expect(await area('1111AA')).toBeUndefined();
      expect((await lastAudit(t.db, 'import')).details).toMatchObject({ postcodes: 1, removed: 7 });
    });
  });
});
