import { eq } from 'drizzle-orm';
import type { Db } from '../../platform/db/index.js';
import type { FieldCipher } from '../../platform/crypto.js';
import { queueMail } from '../../platform/mail/outbox.js';
import { signalEvents, signals } from './schema.js';
import type { SignallerData } from './personal.js';

/**
 * Feedback to the signaller (issue 4, point 5): ONE short mail when the signal is picked up
 * (its first assignment), and only when the signaller asked for it and left an e-mail address.
 *
 * The mail says that the signal is being followed up and nothing else: never anything about the
 * person, the outcome, the handling organisation or its findings. It is sent at most once per
 * signal (signals.feedback_sent_at); a forwarded signal that is picked up again elsewhere does
 * not send another. The signaller's name is left out too: the outbox is readable by the programme
 * team, who need not see who passed on a worry.
 */

export const FEEDBACK_MAIL_KIND = 'signal_feedback';

/** The mail's text. `kind` 'self': the person asked for contact for themself. Pure. */
export function feedbackMail(reference: string, kind: string): { subject: string; text: string } {
  if (kind === 'self') {
    return {
      subject: `Uw verzoek om contact is opgepakt (${reference})`,
      text: [
        `Bedankt voor uw bericht (referentie ${reference}).`,
        '',
        'Het signaalpunt heeft uw verzoek opgepakt en neemt contact met u op.',
        '',
        'Dit is een automatisch bericht; u kunt er niet op antwoorden.',
      ].join('\n'),
    };
  }
  return {
    subject: `Uw signaal wordt opgepakt (${reference})`,
    text: [
      `Bedankt voor uw signaal (referentie ${reference}). Het signaalpunt heeft het opgepakt en neemt contact op met de persoon.`,
      '',
      'Om de privacy van de persoon te beschermen, hoort u verder niets over wat er met het signaal gebeurt.',
      '',
      'Maakt u zich ernstige zorgen of is er direct gevaar? Bel dan 112.',
      '',
      'Dit is een automatisch bericht; u kunt er niet op antwoorden.',
    ].join('\n'),
  };
}

/**
 * Queues the feedback mail inside the caller's transaction (the signal row is locked by the
 * caller) when it is due, marks the signal and logs the 'feedback_sent' event. Returns the outbox
 * id, to be dispatched after the commit, or null when nothing was due.
 */
export async function sendPickupFeedback(
  tx: Db,
  deps: { cipher: FieldCipher; helpdeskEmail: string },
  s: { id: number; reference: string; kind: string; feedbackRequested: boolean; feedbackSentAt: Date | null; signallerEnc: string | null; personalDataRemovedAt: Date | null },
  now: Date,
): Promise<number | null> {
  if (!s.feedbackRequested || s.feedbackSentAt || !s.signallerEnc || s.personalDataRemovedAt) return null;
  const signaller = JSON.parse(deps.cipher.decrypt(s.signallerEnc)) as SignallerData;
  const to = signaller.email?.trim();
  if (!to) return null;
  const mail = feedbackMail(s.reference, s.kind);
  const id = await queueMail(tx, null, { to, subject: mail.subject, text: mail.text, kind: FEEDBACK_MAIL_KIND }, deps.helpdeskEmail);
  await tx.update(signals).set({ feedbackSentAt: now }).where(eq(signals.id, s.id));
  await tx.insert(signalEvents).values({ signalId: s.id, at: now, kind: 'feedback_sent' });
  return id;
}
