import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createUser, seedReference, TestClient, type TestApp } from '../../../test/helpers/app.js';
import { addParticipation } from '../../../test/helpers/registry.js';
import { readTable, writeTable } from '../tabular.js';
import { createApiKey } from '../admin/apikeys-service.js';
import { organisations } from '../../modules/registry/schema.js';

let t: TestApp;
let admin: TestClient;
let participationId: number;

beforeAll(async () => {
  t = await createTestApp();
  await seedReference(t.db);
  participationId = (await addParticipation(t.db, 'GM0344')).id;
  await createUser(t.db, 'admin@test.example', [{ role: 'programme_admin' }]);
  admin = new TestClient(t.app);
  await admin.login('admin@test.example');
});
afterAll(async () => t.close());

describe('input the database cannot take is refused clearly, never a 500', () => {
  it('rejects the year 0 in a date field with a field message', async () => {
    await admin.get(`/beheer/deelnames/${participationId}/bewerken`);
    const res = await admin.post(`/beheer/deelnames/${participationId}/bewerken`, { status: 'signed', signedOn: '01-01-0000' });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Vul een geldige datum in');
  });

  it('answers 400 (not 500) for numbers out of range in the API', async () => {
    const org = (await t.db.insert(organisations).values({ name: 'Sleutelhouder', kind: 'other' }).returning())[0];
    const { raw } = await createApiKey(t.db, { name: 'k', organisationId: org.id, actions: ['registry:read'], createdBy: 1 });
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/municipalities?page=100000000000000000000', headers: { authorization: `Bearer ${raw}` } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toMatch(/invalid_input|validation_failed/);
  });

  it('ignores NUL characters in searches and forms', async () => {
    const res = await admin.get('/beheer/gemeenten?q=Utr%00echt');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Utrecht');
  });

  it('refuses an anonymous multipart upload before reading it', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/inloggen',
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
      payload: '--x\r\ncontent-disposition: form-data; name="email"\r\n\r\na\r\n--x--\r\n',
    });
    expect(res.statusCode).toBe(401);
  });
});

describe('exports are safe to open in a spreadsheet', () => {
  it('neutralises cells that a spreadsheet would run as a formula, and an import undoes it', async () => {
    const rows = [{ name: '=HYPERLINK("https://evil.example","klik")', phone: '+31 6 12345678', n: -5 }];
    const csv = await writeTable(rows, [
      { header: 'name', value: (r) => r.name },
      { header: 'phone', value: (r) => r.phone },
      { header: 'n', value: (r) => r.n },
    ], 'csv');
    const text = csv.toString('utf8');
    expect(text).toContain(`"'=HYPERLINK(""https://evil.example"",""klik"")"`);
    expect(text).toContain("'+31 6 12345678");
    expect(text).toContain(',-5'); // numbers stay numbers
    const back = await readTable(csv, 'csv');
    expect(back[0].name).toBe(rows[0].name);
    expect(back[0].phone).toBe(rows[0].phone);
  });
});
