import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, eq } from 'drizzle-orm';
import { createTestApp, createUser, seedReference, TestClient, type TestApp } from '../../../test/helpers/app.js';
import { addSignal, setupSignalPoint, signalInput, type SignalPointSetup } from '../../../test/helpers/signals.js';
import { outbox, users } from '../../platform/db/schema.js';
import { loadUserPrincipal } from '../../platform/auth/principal.js';
import { signalPoints } from './schema.js';
import { assign, logAttempt, type HandlingCtx } from './handling-service.js';
import { digestCounts, sendDigests, SIGNAL_DIGEST_CRON } from './digest.js';

let t: TestApp;
let X: SignalPointSetup;
let Y: SignalPointSetup;
const deps = { jobs: null, helpdeskEmail: 'helpdesk@test.example', baseUrl: 'http://localhost:3000/' };
// Monday 23 November 2026, 08:00 in Amsterdam.
const MONDAY_8 = new Date('2026-11-23T07:00:00Z');
const refs: string[] = [];

const digestMails = async () => t.db.select().from(outbox).where(eq(outbox.kind, 'signal_digest')).orderBy(asc(outbox.id));
async function handling(userId: number): Promise<HandlingCtx> {
  const p = (await loadUserPrincipal(t.db, userId))!;
  return { db: t.db, cipher: t.ctx.cipher, jobs: null, helpdeskEmail: 'h@test.example', baseUrl: 'http://localhost:3000', principal: p, audit: { principal: p } };
}

beforeAll(async () => {
  t = await createTestApp();
  await seedReference(t.db);
  X = await setupSignalPoint(t.db, { cbsCode: 'GM0344', emailPrefix: 'x' });
  Y = await setupSignalPoint(t.db, { cbsCode: 'GM0307', emailPrefix: 'y' });
  await setupSignalPoint(t.db, { cbsCode: 'GM0363', emailPrefix: 'z' }); // Z: a signal point without signals
  await t.db.update(signalPoints).set({ digestEmail: 'Signaalpunt@X.example' }).where(eq(signalPoints.id, X.signalPointId));
  const h = await handling(X.handlers[0].id);
  // Wednesday 18 Nov → due end of Friday 20 Nov: overdue on Monday (assigned, so not "new unassigned").
  const overdue = await addSignal(t.ctx, signalInput(X.postcodes[0], 1), { now: new Date('2026-11-18T10:00:00Z') });
  await assign(h, overdue.id, X.handlers[0].id, new Date('2026-11-18T11:00:00Z'));
  // Thursday 19 Nov → due end of Monday 23 Nov: due today (assigned).
  const dueToday = await addSignal(t.ctx, signalInput(X.postcodes[0], 2), { now: new Date('2026-11-19T10:00:00Z') });
  await assign(h, dueToday.id, X.handlers[0].id, new Date('2026-11-19T11:00:00Z'));
  // Friday 20 Nov → due end of Tuesday 24 Nov: new and unassigned.
  const fresh = await addSignal(t.ctx, signalInput(X.postcodes[1], 3), { now: new Date('2026-11-20T10:00:00Z') });
  // Wednesday 18 Nov, contacted (late): counts nowhere.
  const contacted = await addSignal(t.ctx, signalInput(X.postcodes[1], 4), { now: new Date('2026-11-18T10:00:00Z') });
  await assign(h, contacted.id, X.handlers[0].id, new Date('2026-11-18T11:00:00Z'));
  await logAttempt(h, contacted.id, { channel: 'phone', result: 'no_answer' }, new Date('2026-11-21T10:00:00Z'));
  refs.push(overdue.reference, dueToday.reference, fresh.reference, contacted.reference);
  // Y: a signal assigned and contacted in time: all counts 0.
  const y = await addSignal(t.ctx, signalInput(Y.postcodes[0], 5), { now: new Date('2026-11-20T10:00:00Z') });
  const hy = await handling(Y.handlers[0].id);
  await assign(hy, y.id, Y.handlers[0].id, new Date('2026-11-20T11:00:00Z'));
  await logAttempt(hy, y.id, { channel: 'phone', result: 'reached' }, new Date('2026-11-20T12:00:00Z'));
  await createUser(t.db, 'x-coordinator2@test.example', [{ role: 'signal_coordinator', organisationId: X.organisationId }]);
  const gone = await createUser(t.db, 'x-oud@test.example', [{ role: 'signal_coordinator', organisationId: X.organisationId }]);
  await t.db.update(users).set({ active: false }).where(eq(users.id, gone.id));
});
afterAll(() => t.close());

describe('the daily digest', () => {
  it('runs on working days at 08:00', () => {
    expect(SIGNAL_DIGEST_CRON).toBe('0 8 * * 1-5');
  });

  it('counts new unassigned, overdue and due-today signals at a simulated time', async () => {
    expect(await digestCounts(t.db, X.organisationId, MONDAY_8)).toEqual({ unassigned: 1, overdue: 1, dueToday: 1 });
    expect(await digestCounts(t.db, Y.organisationId, MONDAY_8)).toEqual({ unassigned: 0, overdue: 0, dueToday: 0 });
    // Tuesday: the due-today one has become overdue, and the fresh one is due that day.
    expect(await digestCounts(t.db, X.organisationId, new Date('2026-11-24T07:00:00Z'))).toEqual({ unassigned: 1, overdue: 2, dueToday: 1 });
  });

  it('sends nothing on a weekend or a public holiday', async () => {
    expect(await sendDigests(t.db, deps, new Date('2026-11-21T07:00:00Z'))).toEqual({ workingDay: false, sent: [] }); // Saturday
    expect(await sendDigests(t.db, deps, new Date('2026-12-25T07:00:00Z'))).toEqual({ workingDay: false, sent: [] }); // Christmas, a Friday
    expect(await digestMails()).toHaveLength(0);
  });

  it("mails the organisation's active signal coordinators and the digest address, without personal data; nothing when all counts are 0", async () => {
    const r = await sendDigests(t.db, deps, MONDAY_8);
    expect(r.workingDay).toBe(true);
    expect(r.sent.map((s) => s.organisationId)).toEqual([X.organisationId]); // not Y (all 0), not Z (nothing)
    const mails = await digestMails();
    expect(mails.map((m) => m.toAddress).sort()).toEqual(['Signaalpunt@X.example', X.coordinator.email, 'x-coordinator2@test.example'].sort());
    const m = mails[0]!;
    expect(m.textBody).toContain('Nieuw en nog niet toegewezen: 1');
    expect(m.textBody).toContain('Te laat (nog geen eerste contact en de termijn is verstreken): 1');
    expect(m.textBody).toContain('Vandaag uiterlijk eerste contact: 1');
    expect(m.textBody).toContain(`http://localhost:3000/signalen?organisatie=${X.organisationId}&status=open&te-laat=1`);
    const all = mails.map((x) => `${x.subject}\n${x.textBody}`).join('\n');
    for (const secret of [...refs, 'De Vries', 'Dorpsstraat', 'medicijnen', 'Jansen', X.postcodes[0]]) expect(all).not.toContain(secret);
    // The handlers and the deactivated coordinator get nothing.
    expect(mails.map((x) => x.toAddress)).not.toContain(X.handlers[0].email);
    expect(mails.map((x) => x.toAddress)).not.toContain('x-oud@test.example');
  });

  it('sends one digest per organisation per day, also when the job runs again', async () => {
    const before = (await digestMails()).length;
    expect((await sendDigests(t.db, deps, new Date('2026-11-23T09:30:00Z'))).sent).toEqual([]);
    expect((await digestMails()).length).toBe(before);
    // The next working day it comes again.
    expect((await sendDigests(t.db, deps, new Date('2026-11-24T07:00:00Z'))).sent.map((s) => s.organisationId)).toEqual([X.organisationId]);
    expect((await digestMails()).length).toBe(before + 3);
  });

  it('the inbox link of the digest opens the overdue filter', async () => {
    const c = new TestClient(t.app);
    await c.login(X.coordinator.email);
    const res = await c.get(`/signalen?organisatie=${X.organisationId}&status=open&te-laat=1`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<option value="1" selected>Alleen te laat</option>');
  });
});
