/** Dutch labels of registry code lists (code stays English/stable, the UI shows Dutch). */
export const PARTICIPATION_STATUSES = ['interested', 'signed', 'active', 'stopped'] as const;
export type ParticipationStatus = (typeof PARTICIPATION_STATUSES)[number];
export const PARTICIPATION_STATUS_LABELS: Record<ParticipationStatus, string> = {
  interested: 'Belangstelling',
  signed: 'Vijf pijlers ondertekend',
  active: 'Actief deelnemend',
  stopped: 'Gestopt',
};

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
