import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, desc, eq } from 'drizzle-orm';
import { createTestApp, seedReference, type TestApp } from '../../../test/helpers/app.js';
import { captureCli, cliEnv } from '../../../test/helpers/cli.js';
import { addSignal, setupSignalPoint, signalInput, type SignalPointSetup } from '../../../test/helpers/signals.js';
import { FieldCipher } from '../../platform/crypto.js';
import { auditLog } from '../../platform/db/schema.js';
import { benchmarkEditions, benchmarkInvitations } from '../benchmark/schema.js';
import { newInvitationToken } from '../benchmark/links.js';
import { municipalityId } from '../../../test/helpers/registry.js';
import { receiveSignal } from './intake.js';
import { addressKey, decryptSignal, decryptText, encryptText, signallerKey } from './personal.js';
import { findSignals } from './rights-service.js';
import { countRemaining, countSignalsUnderOldKey, rotateEncryption } from './rotation.js';
import { signalEvents, signals } from './schema.js';

/**
 * Key rotation: data written under key A is re-encrypted under key B with A as an old key;
 * afterwards B alone reads everything, the blind indexes are B's (duplicate search and rights
 * requests still work), a second run changes nothing, and a value under an unknown key is
 * reported and left alone.
 */

let t: TestApp;
let sp: SignalPointSetup;
const keyB = crypto.randomBytes(32);
const keyC = crypto.randomBytes(32);
let A: FieldCipher;
const B = () => new FieldCipher(keyB);
let ids: { plain: number; addition: number; self: number };
let invitationId: number;
let token: string;

const allSignals = () => t.db.select().from(signals).orderBy(asc(signals.id));
const allEvents = () => t.db.select().from(signalEvents).orderBy(asc(signalEvents.id));

beforeAll(async () => {
  t = await createTestApp();
  await seedReference(t.db);
  A = t.ctx.cipher;
  sp = await setupSignalPoint(t.db, { cbsCode: 'GM0344' });
  const plain = await addSignal(t.ctx, signalInput(sp.postcodes[0], 12));
  const addition = await addSignal(t.ctx, signalInput(sp.postcodes[0], 14, { person: { name: 'Meneer Bakker', houseNumber: 14, houseNumberAddition: 'A', postcode: sp.postcodes[0] } }));
  const self = await addSignal(
    t.ctx,
    signalInput(sp.postcodes[1], 3, {
      kind: 'self',
      signallerType: 'self',
      person: { name: 'Truus', houseNumber: 3, postcode: sp.postcodes[1], email: 'Truus@Example.nl', phone: '0612345678' },
      signaller: {},
      story: null,
    }),
  );
  ids = { plain: plain.id, addition: addition.id, self: self.id };
  await t.db.insert(signalEvents).values({ signalId: plain.id, at: new Date(), kind: 'note', textEnc: encryptText(A, 'Buurvrouw heeft een sleutel') });
  const [ed] = await t.db.insert(benchmarkEditions).values({ year: 2031, title: 'Benchmark 2031', status: 'open' }).returning();
  const tok = newInvitationToken(A);
  const [inv] = await t.db
    .insert(benchmarkInvitations)
    .values({ editionId: ed!.id, municipalityId: await municipalityId(t.db, 'GM0344'), contactEmail: 'contact@gemeente.example', tokenHash: tok.tokenHash, tokenEncrypted: tok.tokenEncrypted })
    .returning();
  invitationId = inv!.id;
  token = tok.token;
});
afterAll(() => t.close());

describe('rotateEncryption', () => {
  it('re-encrypts everything under the new key and recomputes the blind indexes', async () => {
    const rotating = new FieldCipher(keyB, [t.ctx.config.encryptionKey]);
    expect(await countRemaining(t.db, rotating)).toBe(3 + 2 + 2 + 1 + 1); // persons, signallers, stories, note, token
    // The rights-request screen's warning: signals whose blind indexes are still the old key's.
    expect(await countSignalsUnderOldKey(t.db, A)).toBe(0);
    expect(await countSignalsUnderOldKey(t.db, rotating)).toBe(3);
    const r = await rotateEncryption(t.db, rotating, { batchSize: 2 });
    expect(await countSignalsUnderOldKey(t.db, rotating)).toBe(0);
    expect(r).toMatchObject({
      keyId: FieldCipher.keyId(keyB),
      reencrypted: { 'signals.person_enc': 3, 'signals.signaller_enc': 2, 'signals.story_enc': 2, 'signal_events.text_enc': 1, 'benchmark_invitations.token_encrypted': 1 },
      blindIndexes: 3,
      unreadable: 0,
      remaining: 0,
    });

    // B alone reads everything.
    const b = B();
    for (const s of await allSignals()) {
      const d = decryptSignal(b, s);
      expect(d.person?.postcode).toBeTruthy();
    }
    const byId = new Map((await allSignals()).map((s) => [s.id, s]));
    expect(decryptSignal(b, byId.get(ids.plain)!).signaller?.email).toBe('apotheek@test.example');
    expect(decryptSignal(b, byId.get(ids.addition)!).person?.name).toBe('Meneer Bakker');
    const [note] = (await allEvents()).filter((e) => e.textEnc);
    expect(decryptText(b, note!.textEnc)).toBe('Buurvrouw heeft een sleutel');
    const [inv] = await t.db.select().from(benchmarkInvitations).where(eq(benchmarkInvitations.id, invitationId));
    expect(b.decrypt(inv!.tokenEncrypted)).toBe(token);

    // Blind indexes are B's: the same as a fresh computation, and different from A's.
    expect(byId.get(ids.plain)!.addressKey).toBe(addressKey(b, sp.postcodes[0], 12));
    expect(byId.get(ids.plain)!.addressKey).not.toBe(addressKey(A, sp.postcodes[0], 12));
    expect(byId.get(ids.addition)!.addressKey).toBe(addressKey(b, sp.postcodes[0], 14, 'A'));
    expect(byId.get(ids.plain)!.signallerKey).toBe(signallerKey(b, 'apotheek@test.example'));
    expect(byId.get(ids.self)!.signallerKey).toBe(signallerKey(b, 'truus@example.nl'));
  });

  it('keeps duplicate detection and rights requests working under the new key', async () => {
    const b = B();
    // A new signal for the same address, taken in under B, gets the same address key.
    const again = await receiveSignal(t.db, b, signalInput(sp.postcodes[0], 12), {
      channel: 'form',
      audit: { label: 'test' },
      jobs: null,
      helpdeskEmail: 'h@test.example',
      baseUrl: 'http://localhost:3000',
    });
    const same = await t.db.select({ id: signals.id }).from(signals).where(eq(signals.addressKey, addressKey(b, sp.postcodes[0], 12)));
    expect(same.map((s) => s.id).sort()).toEqual([ids.plain, again.id].sort());
    const bySelf = await findSignals(t.db, b, { by: 'email', email: 'truus@example.nl' });
    expect(bySelf.map((f) => [f.id, f.role])).toEqual([[ids.self, 'subject']]);
    const byAddress = await findSignals(t.db, b, { by: 'address', postcode: sp.postcodes[0], houseNumber: 14, addition: 'A' });
    expect(byAddress.map((f) => f.id)).toEqual([ids.addition]);
  });

  it('changes nothing on a second run', async () => {
    const before = { s: await allSignals(), e: await allEvents(), i: await t.db.select().from(benchmarkInvitations) };
    const r = await rotateEncryption(t.db, new FieldCipher(keyB, [t.ctx.config.encryptionKey]));
    expect(r).toMatchObject({ blindIndexes: 0, unreadable: 0, remaining: 0, changedMeanwhile: 0 });
    expect(Object.values(r.reencrypted).every((n) => n === 0)).toBe(true);
    expect(await allSignals()).toEqual(before.s);
    expect(await allEvents()).toEqual(before.e);
    expect(await t.db.select().from(benchmarkInvitations)).toEqual(before.i);
  });

  it('reports a value under an unknown key, leaves it unchanged and rotates it once the key is given', async () => {
    const c = new FieldCipher(keyC);
    const [ev] = await t.db.insert(signalEvents).values({ signalId: ids.plain, at: new Date(), kind: 'note', textEnc: encryptText(c, 'Onder sleutel C') }).returning();
    const r = await rotateEncryption(t.db, B());
    expect(r).toMatchObject({ unreadable: 1, remaining: 1, unreadableValues: [{ table: 'signal_events', column: 'text_enc', id: ev!.id, keyId: FieldCipher.keyId(keyC) }] });
    const [still] = await t.db.select().from(signalEvents).where(eq(signalEvents.id, ev!.id));
    expect(still!.textEnc).toBe(ev!.textEnc);
    const r2 = await rotateEncryption(t.db, new FieldCipher(keyB, [keyC]));
    expect(r2).toMatchObject({ unreadable: 0, remaining: 0, reencrypted: { 'signal_events.text_enc': 1 } });
    const [now] = await t.db.select().from(signalEvents).where(eq(signalEvents.id, ev!.id));
    expect(decryptText(B(), now!.textEnc)).toBe('Onder sleutel C');
  });

  it('audit-logs every run with its counts', async () => {
    const entries = await t.db.select().from(auditLog).where(eq(auditLog.action, 'key_rotation')).orderBy(desc(auditLog.id));
    expect(entries).toHaveLength(4);
    expect(entries[entries.length - 1]).toMatchObject({ entity: 'encryption_key', entityId: FieldCipher.keyId(keyB) });
    expect(entries[entries.length - 1]!.details).toMatchObject({ remaining: 0, blindIndexes: 3 });
    const raw = JSON.stringify(entries);
    for (const s of ['De Vries', 'Truus', 'apotheek@test.example', 'sleutel C', keyB.toString('base64')]) expect(raw).not.toContain(s);
  });
});

describe('CLI: rotate-encryption-key', () => {
  let out = '';
  const keyD = crypto.randomBytes(32);
  async function cli(env: Record<string, string>, ...args: string[]) {
    const r = await captureCli({ ...cliEnv(t.database.name), ...env }, ...args);
    out = r.out;
    return r.code;
  }

  it('fails (exit 1) and names the unreadable values when the old key is missing, then rotates with it', async () => {
    const before = await allSignals();
    expect(await cli({ ENCRYPTION_KEY: keyD.toString('base64'), ENCRYPTION_KEYS_OLD: '' }, 'rotate-encryption-key')).toBe(1);
    expect(out).toMatch(/NIET te ontsleutelen .*: \d+/);
    expect(out).toContain(`sleutel ${FieldCipher.keyId(keyB)}`);
    expect(await allSignals()).toEqual(before);
    expect(await cli({ ENCRYPTION_KEY: keyD.toString('base64'), ENCRYPTION_KEYS_OLD: `${keyB.toString('base64')}, ${keyC.toString('base64')}` }, 'rotate-encryption-key')).toBe(0);
    expect(out).toContain('Nog niet onder de huidige sleutel: 0');
    const d = new FieldCipher(keyD);
    for (const s of await allSignals()) expect(decryptSignal(d, s).person).toBeTruthy();
  });
});
