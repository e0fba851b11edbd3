import type { FieldCipher } from '../../platform/crypto.js';

/**
 * The personal data of a signal, as stored (encrypted JSON) in signals.person_enc,
 * signals.signaller_enc and signals.story_enc. Nothing in here is ever written in plain text.
 */
export interface PersonData {
  name?: string | null;
  street?: string | null;
  houseNumber: number;
  houseNumberAddition?: string | null;
  postcode: string;
  city?: string | null;
  /** Only for a person who asks for contact for themself. */
  phone?: string | null;
  email?: string | null;
}

export interface SignallerData {
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  /** E.g. the pharmacy's name: helps the social worker call back. */
  organisation?: string | null;
}

export interface DecryptedSignal {
  person: PersonData | null;
  signaller: SignallerData | null;
  story: string | null;
}

function open<T>(cipher: FieldCipher, value: string | null): T | null {
  return value ? (JSON.parse(cipher.decrypt(value)) as T) : null;
}

export function encryptPerson(cipher: FieldCipher, p: PersonData): string {
  return cipher.encrypt(JSON.stringify(p));
}

/** Null when nothing was left (no name, e-mail or phone). */
export function encryptSignaller(cipher: FieldCipher, s: SignallerData): string | null {
  const clean = Object.fromEntries(Object.entries(s).filter(([, v]) => v != null && String(v).trim() !== ''));
  return Object.keys(clean).length ? cipher.encrypt(JSON.stringify(clean)) : null;
}

export function encryptText(cipher: FieldCipher, text: string | null | undefined): string | null {
  return text && text.trim() ? cipher.encrypt(text) : null;
}

export function decryptText(cipher: FieldCipher, value: string | null): string | null {
  return value ? cipher.decrypt(value) : null;
}

/** Decrypts a signal's personal fields. Callers must have checked access and must audit-log the read. */
export function decryptSignal(cipher: FieldCipher, row: { personEnc: string | null; signallerEnc: string | null; storyEnc: string | null }): DecryptedSignal {
  return { person: open<PersonData>(cipher, row.personEnc), signaller: open<SignallerData>(cipher, row.signallerEnc), story: decryptText(cipher, row.storyEnc) };
}

/**
 * The blind index of an address (postcode + house number + addition), to find earlier
 * signals for the same address and a person's signals on a rights request.
 */
export function addressKey(cipher: FieldCipher, postcode: string, houseNumber: number, addition?: string | null): string {
  return cipher.blindIndex(`addr:${postcode}:${houseNumber}:${(addition ?? '').toUpperCase()}`);
}

/** The blind index of a signaller's e-mail address. */
export function signallerKey(cipher: FieldCipher, email: string | null | undefined): string | null {
  return email && email.trim() ? cipher.blindIndex(`email:${email.trim().toLowerCase()}`) : null;
}

/**
 * The signaller key stored with a signal: the signaller's e-mail address, or for a person who asks
 * for contact for themself (kind 'self') their own, so a rights request by e-mail finds both.
 * Intake and the key rotation (rotation.ts) compute it the same way.
 */
export function signalSignallerKey(cipher: FieldCipher, kind: string, person: Pick<PersonData, 'email'> | null, signaller: Pick<SignallerData, 'email'> | null): string | null {
  return signallerKey(cipher, signaller?.email || (kind === 'self' ? person?.email : null));
}

/** "Dorpsstraat 1A, 1234 AB Ergens" (parts that are missing are left out). */
export function formatAddress(p: PersonData): string {
  const pc = p.postcode.length === 6 ? `${p.postcode.slice(0, 4)} ${p.postcode.slice(4)}` : p.postcode;
  const number = `${p.houseNumber}${p.houseNumberAddition ? ` ${p.houseNumberAddition}` : ''}`;
  const street = p.street ? `${p.street} ${number}` : `huisnummer ${number}`;
  return [street, [pc, p.city].filter(Boolean).join(' ')].join(', ');
}
