import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { SMTPServer } from 'smtp-server';
import { createTestDatabase, databaseUrl, type TestDatabase } from '../../../test/helpers/db.js';
import { startJobs, type Jobs } from '../jobs.js';
import { outbox } from '../db/schema.js';
import { createMailer, MAIL_JOB, queueMail, sweepOutbox } from './outbox.js';

/**
 * Mail delivery end to end: outbox row -> pg-boss job -> nodemailer -> a real SMTP server on
 * 127.0.0.1. Retries use pg-boss with a 1-second delay so the test stays quick.
 */

interface Received {
  from: string;
  to: string[];
  subject: string;
  text: string;
}

let database: TestDatabase;
let jobs: Jobs | null = null;
let smtp: SMTPServer | null = null;
let port = 0;
let reject: string | null = null; // when set, the server refuses messages with this 451 reply
const received: Received[] = [];
const FROM = 'Eén tegen eenzaamheid <noreply@ete.example>';
const HELPDESK = 'helpdesk@ete.example';

/** Decodes RFC 2047 encoded words in a header (nodemailer uses them for non-ASCII subjects). */
function decodeHeader(v: string): string {
  return v.replace(/\s*=\?utf-8\?([QB])\?([^?]*)\?=\s*/gi, (_m, enc: string, data: string) =>
    enc.toUpperCase() === 'B' ? Buffer.from(data, 'base64').toString('utf8') : decodeQp(data.replace(/_/g, ' ')),
  );
}

function decodeQp(v: string): string {
  const bytes: number[] = [];
  const s = v.replace(/=\r?\n/g, '');
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '=' && /^[0-9A-F]{2}$/i.test(s.slice(i + 1, i + 3))) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(s[i], 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** A tiny parser for the single-part text mails the platform sends. */
function parseMail(raw: string): { subject: string; text: string; headers: Record<string, string> } {
  const [head, ...rest] = raw.split(/\r?\n\r?\n/);
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  const body = rest.join('\r\n\r\n');
  const cte = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  const text = cte === 'quoted-printable' ? decodeQp(body) : cte === 'base64' ? Buffer.from(body, 'base64').toString('utf8') : body;
  return { subject: decodeHeader(headers.subject ?? ''), text: text.replace(/\r\n/g, '\n'), headers };
}

async function startSmtp(onPort = 0): Promise<void> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (reject) return callback(Object.assign(new Error(reject), { responseCode: 451 }));
        const mail = parseMail(Buffer.concat(chunks).toString('utf8'));
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          subject: mail.subject,
          text: mail.text,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, rej) => {
    server.server.once('error', rej);
    server.listen(onPort, '127.0.0.1', () => resolve());
  });
  port = (server.server.address() as AddressInfo).port;
  smtp = server;
}

async function stopSmtp(): Promise<void> {
  const s = smtp;
  smtp = null;
  if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
}

async function startMailJobs(smtpUrl: string | undefined): Promise<Jobs> {
  const mailer = createMailer(database.db, { smtpUrl, from: FROM });
  return startJobs(
    databaseUrl(database.name),
    [{ name: MAIL_JOB, handler: async (d: { id: number }) => mailer.deliver(d.id), retryLimit: 8, retryDelay: 1, retryBackoff: false }],
    { error: () => undefined },
    { pollingIntervalSeconds: 0.5 },
  );
}

const row = async (id: number) => (await database.db.select().from(outbox).where(eq(outbox.id, id)))[0];

/** Waits until the outbox row matches, or fails with its last state. */
async function waitFor(id: number, done: (r: Awaited<ReturnType<typeof row>>) => boolean, ms = 20_000) {
  const until = Date.now() + ms;
  for (;;) {
    const r = await row(id);
    if (done(r)) return r;
    if (Date.now() > until) throw new Error(`timed out; outbox row is ${JSON.stringify(r)}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

const mail = (to: string, subject: string, text: string) => queueMail(database.db, jobs, { to, subject, text, kind: 'test' }, HELPDESK);

beforeAll(async () => {
  database = await createTestDatabase();
  await startSmtp();
  jobs = await startMailJobs(`smtp://127.0.0.1:${port}`);
});
afterAll(async () => {
  await jobs?.stop();
  await stopSmtp();
  await database.drop();
});

describe('mail delivery through the outbox, the job queue and SMTP', () => {
  it('delivers a queued mail with the right subject, body and sender, and marks the row sent', async () => {
    const id = await mail('jan@ontvanger.example', 'Uitnodiging voor Eén tegen eenzaamheid', 'Beste Jan,\n\nKlik op http://localhost:3000/uitnodiging/abc om te beginnen.\nMet vriendelijke groet, het programmateam');
    expect((await row(id)).status).toBe('queued');
    // The delivery goes through a pg-boss job, not a direct send.
    const job = await database.db.execute(sql`select count(*)::int as n from pgboss.job where name = ${MAIL_JOB} and (data->>'id')::int = ${id}`);
    expect(job.rows[0].n).toBe(1);
    const r = await waitFor(id, (x) => x.status === 'sent');
    expect(r.attempts).toBe(1);
    expect(r.sentAt).not.toBeNull();
    expect(r.lastError).toBeNull();
    const got = received.find((m) => m.to.includes('jan@ontvanger.example'))!;
    expect(got.from).toBe('noreply@ete.example');
    expect(got.subject).toBe('Uitnodiging voor Eén tegen eenzaamheid');
    expect(got.text).toContain('Beste Jan,\n\nKlik op http://localhost:3000/uitnodiging/abc om te beginnen.');
    expect(got.text).toContain(`Vragen? Mail de helpdesk van Eén tegen eenzaamheid: ${HELPDESK}`);
    // Once delivered, the outbox copy no longer holds the one-time link.
    expect(r.textBody).not.toContain('/uitnodiging/abc');
    expect(r.textBody).toContain('/uitnodiging/[link verwijderd na verzending]');
  });

  it('marks the row failed with the SMTP error while the server refuses, retries, and sends once it accepts again', async () => {
    reject = 'Mailbox tijdelijk niet beschikbaar';
    const id = await mail('piet@ontvanger.example', 'Herhaling', 'Tweede poging');
    const failed = await waitFor(id, (x) => x.status === 'failed');
    expect(failed.lastError).toMatch(/451/);
    expect(failed.lastError).toContain('Mailbox tijdelijk niet beschikbaar');
    // pg-boss retries by itself (1 s apart in this test).
    await waitFor(id, (x) => x.attempts >= 2);
    expect(received.some((m) => m.to.includes('piet@ontvanger.example'))).toBe(false);
    reject = null;
    const sent = await waitFor(id, (x) => x.status === 'sent');
    expect(sent.attempts).toBeGreaterThanOrEqual(2);
    expect(sent.lastError).toBeNull();
    expect(received.filter((m) => m.to.includes('piet@ontvanger.example'))).toHaveLength(1);
  });

  it('retries while the server is down and delivers when it comes back', async () => {
    const samePort = port;
    await stopSmtp();
    const id = await mail('kees@ontvanger.example', 'Server weg', 'Derde poging');
    const failed = await waitFor(id, (x) => x.status === 'failed');
    expect(failed.lastError).toMatch(/ECONNREFUSED|connect/i);
    await startSmtp(samePort);
    const sent = await waitFor(id, (x) => x.status === 'sent');
    expect(sent.attempts).toBeGreaterThanOrEqual(2);
    expect(received.filter((m) => m.to.includes('kees@ontvanger.example'))).toHaveLength(1);
  });

  it('the sweep re-queues a mail that never got a job (queue down when it was written)', async () => {
    const id = await queueMail(database.db, null, { to: 'wees@ontvanger.example', subject: 'Vergeten', text: 'Zonder job', kind: 'test' }, HELPDESK);
    await database.db.update(outbox).set({ createdAt: new Date(Date.now() - 10 * 60_000) }).where(eq(outbox.id, id));
    expect(await sweepOutbox(database.db, jobs!)).toBeGreaterThanOrEqual(1);
    await waitFor(id, (x) => x.status === 'sent');
    expect(received.filter((m) => m.to.includes('wees@ontvanger.example'))).toHaveLength(1);
  });

  it('without SMTP_URL the mail is stored for the outbox screen instead of sent', async () => {
    await jobs!.stop();
    jobs = await startMailJobs(undefined);
    const before = received.length;
    const id = await mail('demo@ontvanger.example', 'Demo', 'Alleen in de outbox');
    const r = await waitFor(id, (x) => x.status === 'stored');
    expect(r.attempts).toBe(1);
    expect(r.sentAt).toBeNull();
    expect(received.length).toBe(before);
  });
});
