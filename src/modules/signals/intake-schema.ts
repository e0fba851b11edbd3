import { z } from 'zod';
import type { FieldErrors } from '../../platform/views/components.js';
import { emailField, parseForm } from '../../platform/http/forms.js';
import {
  AGE_GROUPS,
  PERSON_KNOWS,
  SIGNALLER_TYPES,
  SIGNS,
  normaliseAddition,
  normalisePostcode,
  parseHouseNumber,
  type AgeGroup,
  type PersonKnows,
  type Sign,
} from './model.js';
import type { SignalInput } from './intake.js';

/**
 * Validation of the signal intake: the two public forms (Dutch messages per field) and the
 * partner API's JSON body (English messages, documented in the OpenAPI document). Both end in
 * the same SignalInput for receiveSignal().
 */

export const STORY_MAX = 4000;
export const WISH_MAX = 2000;
const NAME_MAX = 200;
const STREET_MAX = 200;
const CITY_MAX = 100;

// ---------------------------------------------------------------------------------------------
// Shared pieces (forms)
// ---------------------------------------------------------------------------------------------

/** Form text: trimmed, '' → undefined, a Dutch message naming the limit and the length used. */
const formText = (max: number) =>
  z.preprocess(
    (v) => (typeof v === 'string' ? (v.trim() === '' ? undefined : v.trim()) : v),
    z
      .string({ message: 'Vul hier tekst in.' })
      .superRefine((v, ctx) => {
        if (v.length > max) ctx.addIssue({ code: 'custom', message: `Gebruik hoogstens ${max} tekens; nu zijn het er ${v.length}.` });
      })
      .optional(),
  );

export const POSTCODE_MESSAGE = 'Vul een geldige postcode in, zoals 3511 AB.';
export const HOUSE_NUMBER_MESSAGE = 'Vul een huisnummer in (alleen cijfers; een toevoeging zoals A of bis vult u apart in).';
export const ADDITION_MESSAGE = 'Een toevoeging bestaat uit letters of cijfers, zoals A, bis of 2, van hoogstens 8 tekens.';
const PHONE_MESSAGE = 'Vul een geldig telefoonnummer in, zoals 06 12345678 of 030 123 4567.';

/**
 * A form text normalised by `normalise` (from model.ts); `failed` is its "not valid" answer
 * (null or false), which gives `message` (a function of the typed text, or a text).
 */
function normalisedField<T>(normalise: (v: string) => T, failed: null | false, message: string | ((typed: string) => string), emptyMessage?: string) {
  const base = emptyMessage ? z.string().trim().min(1, emptyMessage) : z.string();
  return z.preprocess(
    (v) => (typeof v === 'string' ? v : ''),
    base.transform((v, ctx) => {
      const out = normalise(v);
      if (out === failed) {
        ctx.addIssue({ code: 'custom', message: typeof message === 'string' ? message : message(v) });
        return z.NEVER;
      }
      return out as Exclude<T, typeof failed>;
    }),
  );
}

const postcodeField = normalisedField(normalisePostcode, null, POSTCODE_MESSAGE, 'Vul de postcode in, zoals 3511 AB.');
const houseNumberField = normalisedField(parseHouseNumber, null, (v) =>
  /^\s*\d{6,}\s*$/.test(v) ? 'Dit huisnummer is te lang: gebruik hoogstens 5 cijfers.' : HOUSE_NUMBER_MESSAGE,
);
const additionField = normalisedField(normaliseAddition, false, ADDITION_MESSAGE);

/** A Dutch or international phone number: digits, spaces, dashes, brackets, a leading +; 8–15 digits. */
export function isPhone(v: string): boolean {
  if (!/^\+?[0-9 ()./-]{8,25}$/.test(v)) return false;
  const digits = v.replace(/\D/g, '').length;
  return digits >= 8 && digits <= 15;
}

const phoneField = z.preprocess(
  (v) => (typeof v === 'string' ? (v.trim() === '' ? undefined : v.trim()) : v),
  z.string({ message: PHONE_MESSAGE }).refine(isPhone, PHONE_MESSAGE).optional(),
);

const ageGroupField = z.preprocess(
  (v) => (v === undefined || v === '' ? 'unknown' : v),
  z.enum(AGE_GROUPS, { message: 'Kies een leeftijd uit de lijst.' }),
);

/** The address fields both forms share. */
const addressShape = {
  postcode: postcodeField,
  houseNumber: houseNumberField,
  houseNumberAddition: additionField,
  street: formText(STREET_MAX),
  city: formText(CITY_MAX),
};

type ParsedAddress = { postcode: string; houseNumber: number; houseNumberAddition: string | null; street?: string; city?: string };
/** The address part of a PersonData from a parsed form. */
const addressOf = (d: ParsedAddress) => ({ street: d.street ?? null, houseNumber: d.houseNumber, houseNumberAddition: d.houseNumberAddition, postcode: d.postcode, city: d.city ?? null });

/** Just the address, for the "Adres opzoeken" button. */
export const addressLookupSchema = z.object({ postcode: postcodeField, houseNumber: houseNumberField, houseNumberAddition: additionField });

// ---------------------------------------------------------------------------------------------
// The worry form (/signaal-doorgeven)
// ---------------------------------------------------------------------------------------------

export const worryFormSchema = z.object({
  signallerType: z.enum(SIGNALLER_TYPES, { message: 'Kies wie het signaal doorgeeft.' }),
  signallerName: formText(NAME_MAX),
  signallerOrganisation: formText(NAME_MAX),
  signallerEmail: emailField(false),
  signallerPhone: phoneField,
  feedback: z.preprocess((v) => v === 'ja', z.boolean()),
  personName: formText(NAME_MAX),
  ...addressShape,
  ageGroup: ageGroupField,
  story: formText(STORY_MAX),
  signs: z.preprocess(
    (v) => (v === undefined || v === '' ? [] : Array.isArray(v) ? v : [v]),
    z.array(z.enum(SIGNS, { message: 'Kies alleen signalen uit de lijst.' })).max(SIGNS.length, 'Kies alleen signalen uit de lijst.'),
  ),
  personKnows: z.preprocess((v) => (v === undefined || v === '' ? 'unknown' : v), z.enum(PERSON_KNOWS, { message: 'Kies een van de antwoorden.' })),
});
export type WorryForm = z.infer<typeof worryFormSchema>;

/**
 * Checks that need more than one field; run on the raw values so their messages come together
 * with the per-field ones (a zod refinement would only run once every field is valid).
 */
function worryCrossChecks(values: Record<string, unknown>): FieldErrors {
  const errors: FieldErrors = {};
  const blank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '') || (Array.isArray(v) && v.length === 0);
  if (values.feedback === 'ja' && blank(values.signallerEmail)) {
    errors.signallerEmail = 'Vul uw e-mailadres in als u een bericht wilt krijgen, of zet het vinkje bij "Ik wil een kort bericht" uit.';
  }
  if (blank(values.story) && blank(values.signs)) {
    errors.story = 'Vertel kort wat u zorgen baart, of vink hieronder ten minste één signaal aan.';
  }
  return errors;
}

export function parseWorryForm(values: Record<string, unknown>): { ok: true; input: SignalInput } | { ok: false; errors: FieldErrors } {
  const parsed = parseForm(worryFormSchema, values);
  const cross = worryCrossChecks(values);
  if (!parsed.ok || Object.keys(cross).length) {
    // Field messages first (in form order), a cross-field message only where the field itself is fine.
    const errors = { ...(parsed.ok ? {} : parsed.errors) };
    for (const [k, m] of Object.entries(cross)) errors[k] ??= m;
    return { ok: false, errors: orderErrors(errors, WORRY_FIELD_ORDER) };
  }
  const d = parsed.data;
  return {
    ok: true,
    input: {
      kind: 'worry',
      signallerType: d.signallerType,
      ageGroup: d.ageGroup,
      signs: [...new Set(d.signs)],
      personKnows: d.personKnows,
      feedbackRequested: d.feedback,
      person: { name: d.personName ?? null, ...addressOf(d) },
      signaller: { name: d.signallerName ?? null, organisation: d.signallerOrganisation ?? null, email: d.signallerEmail ?? null, phone: d.signallerPhone ?? null },
      story: d.story ?? null,
    },
  };
}

export const WORRY_FIELD_ORDER = [
  'signallerType',
  'signallerName',
  'signallerOrganisation',
  'signallerEmail',
  'signallerPhone',
  'feedback',
  'personName',
  'postcode',
  'houseNumber',
  'houseNumberAddition',
  'street',
  'city',
  'ageGroup',
  'story',
  'signs',
  'personKnows',
];

// ---------------------------------------------------------------------------------------------
// The self entrance (/contact-gezocht)
// ---------------------------------------------------------------------------------------------

export const selfFormSchema = z.object({
  name: formText(NAME_MAX),
  phone: phoneField,
  email: emailField(false),
  ...addressShape,
  wish: formText(WISH_MAX),
  ageGroup: ageGroupField,
});

export const SELF_FIELD_ORDER = ['name', 'phone', 'email', 'postcode', 'houseNumber', 'houseNumberAddition', 'street', 'city', 'wish', 'ageGroup'];

export function parseSelfForm(values: Record<string, unknown>): { ok: true; input: SignalInput } | { ok: false; errors: FieldErrors } {
  const parsed = parseForm(selfFormSchema, values);
  const errors: FieldErrors = parsed.ok ? {} : { ...parsed.errors };
  const blank = (v: unknown) => typeof v !== 'string' || v.trim() === '';
  if (blank(values.phone) && blank(values.email)) {
    errors.phone ??= 'Vul een telefoonnummer of een e-mailadres in (of allebei), zodat iemand contact met u kan opnemen.';
  }
  if (!parsed.ok || Object.keys(errors).length) return { ok: false, errors: orderErrors(errors, SELF_FIELD_ORDER) };
  const d = parsed.data;
  return {
    ok: true,
    input: {
      kind: 'self',
      signallerType: 'self',
      ageGroup: d.ageGroup,
      signs: [],
      personKnows: 'yes',
      feedbackRequested: false,
      person: {
        name: d.name ?? null,
        ...addressOf(d),
        phone: d.phone ?? null,
        email: d.email ?? null,
      },
      signaller: {},
      story: d.wish ?? null,
    },
  };
}

/** Errors in the order of the fields on the page (the error summary follows the form). */
function orderErrors(errors: FieldErrors, order: string[]): FieldErrors {
  const out: FieldErrors = {};
  for (const k of order) if (errors[k]) out[k] = errors[k];
  for (const [k, v] of Object.entries(errors)) out[k] ??= v;
  return out;
}

// ---------------------------------------------------------------------------------------------
// The partner API (POST /api/v1/signals)
// ---------------------------------------------------------------------------------------------

/** An optional (also null) string; description and example on the property itself, not inside its anyOf. */
const optionalString = (max: number, description: string, example?: string) => {
  const s = z.string().max(max, `at most ${max} characters`).nullish().describe(description);
  return example ? s.meta({ examples: [example] }) : s;
};

export const apiSignalBody = z
  .strictObject({
    signallerType: z.enum(SIGNALLER_TYPES).describe('Who passes the signal on (code). For a deliverers\' app: "deliverer".').meta({ examples: ['deliverer'] }),
    postcode: z
      .string()
      .max(10, 'expected a Dutch postcode such as 3511AB')
      .refine((v) => normalisePostcode(v) !== null, 'expected a Dutch postcode such as 3511AB')
      .describe('Postcode of the person\'s address (spaces and case do not matter). Used to route the signal to the local signal point.')
      .meta({ examples: ['3511AB'] }),
    houseNumber: z.number().int('expected a whole number').min(1, 'expected 1-99999').max(99999, 'expected 1-99999').describe('House number, digits only.').meta({ examples: [12] }),
    houseNumberAddition: z
      .string()
      .max(8, 'at most 8 characters')
      .refine((v) => normaliseAddition(v) !== false, 'letters, digits and - only, at most 8 characters')
      .nullish()
      .describe('House number addition such as "A", "bis" or "2".')
      .meta({ examples: ['A'] }),
    signs: z
      .array(z.enum(SIGNS))
      .max(SIGNS.length)
      .nullish()
      .describe('Signs of loneliness that were noticed (codes).')
      .meta({ examples: [['post_piling_up', 'rarely_outside']] }),
    ageGroup: z.enum(AGE_GROUPS).nullish().describe('Estimated age group (code); "unknown" when not given.'),
    personKnows: z.enum(PERSON_KNOWS).nullish().describe('Does the person know the signal is passed on? "unknown" when not given.'),
    story: optionalString(STORY_MAX, `What worries the signaller, in their own words (at most ${STORY_MAX} characters). Stored encrypted.`),
    personName: optionalString(NAME_MAX, 'Name of the person, when known. Stored encrypted.'),
    street: optionalString(STREET_MAX, 'Street of the person\'s address.', 'Dorpsstraat'),
    city: optionalString(CITY_MAX, 'Town of the person\'s address.', 'Utrecht'),
    signaller: z
      .strictObject({
        name: optionalString(NAME_MAX, 'Name of the signaller (only to call back or give feedback).'),
        email: z.email('expected an e-mail address').max(254).nullish().describe('E-mail of the signaller; needed for feedbackRequested.'),
        phone: z.string().max(25).refine(isPhone, 'expected a phone number with 8-15 digits').nullish().describe('Phone number of the signaller.'),
        organisation: optionalString(NAME_MAX, 'Organisation of the signaller, e.g. the depot or shop.'),
      })
      .nullish()
      .describe('Contact details of the signaller: optional, only used to call back or to say that the signal was picked up. Stored encrypted.'),
    feedbackRequested: z.boolean().nullish().describe('Send the signaller a short message once the signal is picked up (never details about the person). Needs signaller.email.'),
  })
  .describe('A signal: a worry that someone may be lonely.')
  .meta({
    examples: [{ signallerType: 'deliverer', postcode: '3511AB', houseNumber: 12, houseNumberAddition: 'A', signs: ['post_piling_up', 'rarely_outside'], personKnows: 'unknown' }],
  });
export type ApiSignalBody = z.infer<typeof apiSignalBody>;

/** Cross-field checks of the API body: [{field, message}] (empty when fine). */
export function apiCrossChecks(b: ApiSignalBody): { field: string; message: string }[] {
  if (b.feedbackRequested && !b.signaller?.email) return [{ field: 'signaller.email', message: 'required when feedbackRequested is true' }];
  return [];
}

const orNull = (v: string | null | undefined) => (v && v.trim() ? v.trim() : null);

/** The validated API body as a SignalInput (the body passed apiSignalBody and apiCrossChecks). */
export function apiToSignalInput(b: ApiSignalBody): SignalInput {
  const addition = normaliseAddition(b.houseNumberAddition ?? null);
  return {
    kind: 'worry',
    signallerType: b.signallerType,
    ageGroup: (b.ageGroup ?? 'unknown') as AgeGroup,
    signs: [...new Set(b.signs ?? [])] as Sign[],
    personKnows: (b.personKnows ?? 'unknown') as PersonKnows,
    feedbackRequested: !!b.feedbackRequested,
    person: {
      name: orNull(b.personName),
      street: orNull(b.street),
      houseNumber: b.houseNumber,
      houseNumberAddition: addition || null,
      postcode: normalisePostcode(b.postcode)!,
      city: orNull(b.city),
    },
    signaller: {
      name: orNull(b.signaller?.name),
      email: orNull(b.signaller?.email),
      phone: orNull(b.signaller?.phone),
      organisation: orNull(b.signaller?.organisation),
    },
    story: orNull(b.story),
  };
}
