/**
 * The signal point's vocabulary: codes (stored, in the API) and their Dutch labels (UI),
 * and the explicit state machine of a signal's handling.
 */

export const SIGNALLER_TYPES = [
  'neighbour_family',
  'shop_staff',
  'hairdresser',
  'pharmacy',
  'gp_practice',
  'deliverer',
  'volunteer',
  'housing_corporation',
  'police',
  'other',
] as const;
/** 'self': the person asks for contact for themself (the second entrance of the form). */
export type SignallerType = (typeof SIGNALLER_TYPES)[number] | 'self';
export const SIGNALLER_TYPE_LABELS: Record<SignallerType, string> = {
  neighbour_family: 'Buur, familie of kennis',
  shop_staff: 'Medewerker van een winkel',
  hairdresser: 'Kapper',
  pharmacy: 'Apotheek',
  gp_practice: 'Huisartsenpraktijk',
  deliverer: 'Pakket- of postbezorger',
  volunteer: 'Vrijwilliger',
  housing_corporation: 'Woningcorporatie',
  police: 'Politie',
  other: 'Anders',
  self: 'De persoon zelf',
};

/** Common signs of loneliness, to tick on the form (besides the free text). */
export const SIGNS = [
  'rarely_outside',
  'no_visitors',
  'says_lonely',
  'seeks_contact',
  'bereavement',
  'neglect',
  'post_piling_up',
  'health_decline',
  'low_mood',
  'no_network',
  'recently_moved',
] as const;
export type Sign = (typeof SIGNS)[number];
export const SIGN_LABELS: Record<Sign, string> = {
  rarely_outside: 'Komt weinig of niet meer buiten',
  no_visitors: 'Krijgt (bijna) nooit bezoek',
  says_lonely: 'Zegt zich alleen of eenzaam te voelen',
  seeks_contact: 'Zoekt opvallend veel contact of blijft lang praten',
  bereavement: 'Heeft kort geleden iemand verloren',
  neglect: 'Verwaarloost zichzelf of het huis',
  post_piling_up: 'Post stapelt zich op of gordijnen blijven dicht',
  health_decline: 'Gezondheid of mobiliteit gaat achteruit',
  low_mood: 'Lijkt somber of neerslachtig',
  no_network: 'Heeft geen familie of vrienden in de buurt',
  recently_moved: 'Is kort geleden verhuisd',
};

export const AGE_GROUPS = ['young', 'adult', 'senior', 'elderly', 'unknown'] as const;
export type AgeGroup = (typeof AGE_GROUPS)[number];
export const AGE_GROUP_LABELS: Record<AgeGroup, string> = {
  young: 'Jonger dan 30 jaar',
  adult: '30 tot 65 jaar',
  senior: '65 tot 75 jaar',
  elderly: '75 jaar of ouder',
  unknown: 'Weet ik niet',
};

export const PERSON_KNOWS = ['yes', 'no', 'unknown'] as const;
export type PersonKnows = (typeof PERSON_KNOWS)[number];
export const PERSON_KNOWS_LABELS: Record<PersonKnows, string> = {
  yes: 'Ja, de persoon weet dat ik dit doorgeef',
  no: 'Nee',
  unknown: 'Weet ik niet',
};

export const SIGNAL_KINDS = ['worry', 'self'] as const;
export type SignalKind = (typeof SIGNAL_KINDS)[number];
export const SIGNAL_KIND_LABELS: Record<SignalKind, string> = { worry: 'Zorg over iemand', self: 'Vraagt zelf om contact' };

export const STATUSES = ['new', 'assigned', 'contact_attempted', 'in_contact', 'visit_planned', 'closed', 'duplicate'] as const;
export type SignalStatus = (typeof STATUSES)[number];
export const STATUS_LABELS: Record<SignalStatus, string> = {
  new: 'Nieuw',
  assigned: 'Toegewezen',
  contact_attempted: 'Contact geprobeerd',
  in_contact: 'In contact',
  visit_planned: 'Bezoek gepland',
  closed: 'Afgesloten',
  duplicate: 'Dubbel',
};
/** Statuses in which a signal is still being handled. */
export const OPEN_STATUSES: readonly SignalStatus[] = ['new', 'assigned', 'contact_attempted', 'in_contact', 'visit_planned'];

export const OUTCOMES = ['referred_activity', 'referred_buddy', 'referred_care', 'visited_no_need', 'declined', 'unreachable', 'other'] as const;
export type Outcome = (typeof OUTCOMES)[number];
export const OUTCOME_LABELS: Record<Outcome, string> = {
  referred_activity: 'Toegeleid naar een activiteit',
  referred_buddy: 'Gekoppeld aan een maatje of vrijwilliger',
  referred_care: 'Doorverwezen naar huisarts of zorg',
  visited_no_need: 'Bezocht, geen hulpvraag',
  declined: 'Wil geen contact of hulp',
  unreachable: 'Niet bereikbaar',
  other: 'Anders',
};

/**
 * The outcome of an open signal that was closed because a rights request erased the data of the
 * person it is about. Deliberately NOT in OUTCOMES: no handler can choose it, and it is left out
 * of the outcome statistics (it says nothing about the follow-up).
 */
export const ERASED_OUTCOME = 'erased' as const;
export const ERASED_OUTCOME_LABEL = 'Gewist op verzoek';
/** Every outcome code a signal can have in the database (OUTCOMES plus ERASED_OUTCOME), e.g. for an API response schema. */
export const RECORDED_OUTCOMES = [...OUTCOMES, ERASED_OUTCOME] as const;
export type RecordedOutcome = (typeof RECORDED_OUTCOMES)[number];
/** The Dutch label of any stored outcome code (an unknown code is shown as it is). */
export function outcomeLabel(code: string): string {
  if (code === ERASED_OUTCOME) return ERASED_OUTCOME_LABEL;
  return OUTCOME_LABELS[code as Outcome] ?? code;
}

export const ATTEMPT_RESULTS = ['reached', 'no_answer', 'voicemail', 'not_home', 'card_left', 'other'] as const;
export type AttemptResult = (typeof ATTEMPT_RESULTS)[number];
export const ATTEMPT_RESULT_LABELS: Record<AttemptResult, string> = {
  reached: 'Contact gehad',
  no_answer: 'Niet opgenomen',
  voicemail: 'Voicemail ingesproken',
  not_home: 'Langsgegaan, niet thuis',
  card_left: 'Kaartje of brief achtergelaten',
  other: 'Anders',
};

export const EVENT_KINDS = [
  'received',
  'routed',
  'unrouted',
  'assigned',
  'attempt',
  'transition',
  'note',
  'forwarded',
  'not_for_us',
  'duplicate',
  'reopened',
  'feedback_sent',
  'personal_data_removed',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];
export const EVENT_KIND_LABELS: Record<EventKind, string> = {
  received: 'Ontvangen',
  routed: 'Doorgezet naar signaalpunt',
  unrouted: 'Niet te routeren: naar het programmateam',
  assigned: 'Toegewezen',
  attempt: 'Contactpoging',
  transition: 'Status gewijzigd',
  note: 'Notitie',
  forwarded: 'Doorgestuurd naar andere organisatie',
  not_for_us: 'Niet voor ons: opnieuw te routeren',
  duplicate: 'Gemarkeerd als dubbel',
  reopened: 'Heropend',
  feedback_sent: 'Terugkoppeling aan melder verstuurd',
  personal_data_removed: 'Persoonsgegevens verwijderd',
};

/** What a handler can do with a signal. Each action is one row of the transition table. */
export const ACTIONS = ['assign', 'attempt', 'contact', 'plan_visit', 'close', 'forward', 'not_for_us', 'duplicate', 'reopen'] as const;
export type SignalAction = (typeof ACTIONS)[number];
export const ACTION_LABELS: Record<SignalAction, string> = {
  assign: 'Toewijzen',
  attempt: 'Contactpoging vastleggen',
  contact: 'In contact',
  plan_visit: 'Bezoek gepland',
  close: 'Afsluiten met uitkomst',
  forward: 'Doorsturen naar andere organisatie',
  not_for_us: 'Niet voor ons',
  duplicate: 'Markeren als dubbel',
  reopen: 'Heropenen',
};

/**
 * The transition table: for every action, the statuses it may start from and the status it
 * leads to ('same' keeps the status). Nothing outside this table can change a status.
 */
export const TRANSITIONS: Record<SignalAction, { from: readonly SignalStatus[]; to: SignalStatus | 'same' | 'by_result' | 'by_assignee' }> = {
  // Assigning a new signal makes it 'assigned'; re-assigning an open one keeps its status.
  assign: { from: OPEN_STATUSES, to: 'same' },
  // An attempt: 'reached' → in contact, otherwise contact attempted (or unchanged once in contact).
  attempt: { from: ['assigned', 'contact_attempted', 'in_contact', 'visit_planned'], to: 'by_result' },
  contact: { from: ['assigned', 'contact_attempted'], to: 'in_contact' },
  plan_visit: { from: ['assigned', 'contact_attempted', 'in_contact'], to: 'visit_planned' },
  close: { from: ['assigned', 'contact_attempted', 'in_contact', 'visit_planned'], to: 'closed' },
  // To another organisation, which starts afresh; the signal leaves this organisation's inbox.
  forward: { from: ['new', 'assigned', 'contact_attempted'], to: 'new' },
  // Back to the programme's unrouted queue, to be routed again.
  not_for_us: { from: ['new', 'assigned'], to: 'new' },
  duplicate: { from: ['new', 'assigned', 'contact_attempted'], to: 'duplicate' },
  // Back to the assignee when there is one, otherwise to new.
  reopen: { from: ['closed', 'duplicate'], to: 'by_assignee' },
};

export class TransitionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransitionError';
  }
}

/**
 * The status after `action`, or a TransitionError with a Dutch message saying why not.
 * `result` is the attempt result (for 'attempt'); `hasAssignee` is needed for 'reopen'.
 */
export function nextStatus(current: SignalStatus, action: SignalAction, opts: { result?: AttemptResult; hasAssignee?: boolean } = {}): SignalStatus {
  const rule = TRANSITIONS[action];
  if (!rule.from.includes(current)) {
    const allowed = rule.from.map((s) => STATUS_LABELS[s].toLowerCase()).join(', ');
    throw new TransitionError(
      `"${ACTION_LABELS[action]}" kan niet bij een signaal met status "${STATUS_LABELS[current].toLowerCase()}". Dat kan alleen bij status: ${allowed}.`,
    );
  }
  switch (rule.to) {
    case 'same':
      return action === 'assign' && current === 'new' ? 'assigned' : current;
    case 'by_result':
      if (opts.result === 'reached') return current === 'visit_planned' ? 'visit_planned' : 'in_contact';
      return current === 'assigned' ? 'contact_attempted' : current;
    case 'by_assignee':
      return opts.hasAssignee ? 'assigned' : 'new';
    default:
      return rule.to;
  }
}

/** The actions possible from a status (for the buttons on the signal page). */
export function actionsFrom(status: SignalStatus): SignalAction[] {
  return ACTIONS.filter((a) => TRANSITIONS[a].from.includes(status));
}

export function isOpen(status: string): boolean {
  return (OPEN_STATUSES as readonly string[]).includes(status);
}

/** Counts below this are shown as "<5" in every signal statistic (DESIGN §7). */
export const MIN_COUNT = 5;

/** Postcode: four digits (not starting with 0) and two letters; SA, SD and SS are never used. */
export function normalisePostcode(raw: string): string | null {
  const v = raw.replace(/\s+/g, '').toUpperCase();
  if (!/^[1-9][0-9]{3}[A-Z]{2}$/.test(v)) return null;
  if (['SA', 'SD', 'SS'].includes(v.slice(4))) return null;
  return v;
}

/** "1234AB" → "1234 AB" for display. */
export function formatPostcode(pc: string): string {
  return pc.length === 6 ? `${pc.slice(0, 4)} ${pc.slice(4)}` : pc;
}

/** A house number 1–99999, or null. */
export function parseHouseNumber(raw: string | number): number | null {
  const s = String(raw).trim();
  if (!/^[0-9]{1,5}$/.test(s)) return null;
  const n = Number(s);
  return n >= 1 ? n : null;
}

/** A house number addition ("A", "bis", "2-hoog"): letters, digits and - only, at most 8 characters. */
export function normaliseAddition(raw: string | undefined | null): string | null | false {
  const v = (raw ?? '').trim();
  if (!v) return null;
  if (!/^[0-9A-Za-z-]{1,8}$/.test(v)) return false;
  return v.toUpperCase();
}
