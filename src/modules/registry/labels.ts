/** Dutch labels of registry code lists (code stays English/stable, the UI shows Dutch). */
export const PARTICIPATION_STATUSES = ['interested', 'signed', 'active', 'stopped'] as const;
export type ParticipationStatus = (typeof PARTICIPATION_STATUSES)[number];
export const PARTICIPATION_STATUS_LABELS: Record<ParticipationStatus, string> = {
  interested: 'Belangstelling',
  signed: 'Vijf pijlers ondertekend',
  active: 'Actief deelnemend',
  stopped: 'Gestopt',
};

/**
 * A stopped participation of a municipality that had signed, without its stop date (older
 * records): the programme figures cannot count it at any date until the date is filled in.
 */
export function stopDateMissing(p: { status: string | null; signedOn: string | null; stoppedOn: string | null }): boolean {
  return p.status === 'stopped' && !!p.signedOn && !p.stoppedOn;
}

/**
 * The status as lists show it: "Gestopt op 1 maart 2023", or "Gestopt, stopdatum onbekend" when
 * the date is missing. `date` formats an ISO date for the reader (nlDate in the views).
 */
export function participationStatusText(p: { status: string | null; signedOn: string | null; stoppedOn: string | null }, date: (iso: string) => string | null): string | null {
  if (!p.status) return null;
  const label = PARTICIPATION_STATUS_LABELS[p.status as ParticipationStatus] ?? p.status;
  if (p.stoppedOn) return `${label} op ${date(p.stoppedOn) ?? p.stoppedOn}`;
  return stopDateMissing(p) ? `${label}, stopdatum onbekend` : label;
}

export const ORGANISATION_KINDS = [
  'welfare',
  'care',
  'housing',
  'municipality',
  'national_partner',
  'volunteer',
  'church',
  'business',
  'education',
  'government',
  'other',
] as const;
export type OrganisationKind = (typeof ORGANISATION_KINDS)[number];
export const ORGANISATION_KIND_LABELS: Record<OrganisationKind, string> = {
  welfare: 'Welzijnsorganisatie',
  care: 'Zorgorganisatie',
  housing: 'Woningcorporatie',
  municipality: 'Gemeente',
  national_partner: 'Landelijke partner (Nationale Coalitie)',
  volunteer: 'Vrijwilligersorganisatie',
  church: 'Kerk of levensbeschouwelijke organisatie',
  business: 'Bedrijf',
  education: 'Onderwijs',
  government: 'Overheid (anders dan gemeente)',
  other: 'Anders',
};

export const NEIGHBOURHOOD_KIND_LABELS = { district: 'Wijk', neighbourhood: 'Buurt' } as const;
