/**
 * Code lists of the network module (issue 5). Codes are English and stable; the UI shows the
 * Dutch labels (DESIGN §5 glossary).
 */

export const COALITION_STAGES = ['none', 'starting', 'active', 'very_active'] as const;
export type CoalitionStage = (typeof COALITION_STAGES)[number];
export const COALITION_STAGE_LABELS: Record<CoalitionStage, string> = {
  none: 'Geen coalitie',
  starting: 'In opstart',
  active: 'Actief',
  very_active: 'Zeer actief',
};

export const MEMBER_ROLES = ['kartrekker', 'initiator', 'active', 'informed', 'no_active_role'] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];
export const MEMBER_ROLE_LABELS: Record<MemberRole, string> = {
  kartrekker: 'Kartrekker',
  initiator: 'Initiatiefnemer',
  active: 'Actief bijdragend',
  informed: 'Op de hoogte gehouden',
  no_active_role: 'Geen actieve rol',
};

/** Sectors of local coalition members. */
export const COALITION_SECTORS = [
  'municipality',
  'care_welfare',
  'self_organisations',
  'culture',
  'sport',
  'housing',
  'financial',
  'business',
  'education',
  'religious',
  'media',
  'police',
  'gp_health',
  'other',
] as const;
export type CoalitionSector = (typeof COALITION_SECTORS)[number];
export const COALITION_SECTOR_LABELS: Record<CoalitionSector, string> = {
  municipality: 'Gemeente',
  care_welfare: 'Zorg en welzijn',
  self_organisations: 'Zelforganisaties (cliëntenorganisaties, ouderenbonden)',
  culture: 'Cultuur',
  sport: 'Sport',
  housing: 'Woningcorporaties',
  financial: 'Financiële sector',
  business: 'Bedrijven en ondernemers',
  education: 'Onderwijs',
  religious: 'Religieuze en levensbeschouwelijke organisaties',
  media: 'Media',
  police: 'Politie',
  gp_health: 'Huisartsen en gezondheid',
  other: 'Overig',
};

/** Sectors of National Coalition members. */
export const NATIONAL_SECTORS = ['care_welfare', 'culture', 'media', 'sport', 'business', 'knowledge', 'public', 'religious', 'umbrella', 'funds'] as const;
export type NationalSector = (typeof NATIONAL_SECTORS)[number];
export const NATIONAL_SECTOR_LABELS: Record<NationalSector, string> = {
  care_welfare: 'Zorg en welzijn',
  culture: 'Cultuur',
  media: 'Media',
  sport: 'Sport',
  business: 'Bedrijfsleven',
  knowledge: 'Kennisinstellingen',
  public: 'Publieke organisaties',
  religious: 'Religieuze en levensbeschouwelijke organisaties',
  umbrella: 'Koepelorganisaties',
  funds: 'Fondsen',
};

export const PHASES = ['guidance', 'network'] as const;
export type Phase = (typeof PHASES)[number];
export const PHASE_LABELS: Record<Phase, string> = { guidance: 'Begeleidingsfase', network: 'Netwerkfase' };

/** The advisory-hours budget of a municipality unless the programme team set another. */
export const DEFAULT_ADVISORY_HOURS = 64;
/** "Near the end of the budget": this many hours left or fewer. */
export const NEAR_END_HOURS = 8;

export const CONTACT_KINDS = ['call', 'visit', 'email', 'meeting', 'masterclass', 'webinar', 'event'] as const;
export type ContactKind = (typeof CONTACT_KINDS)[number];
export const CONTACT_KIND_LABELS: Record<ContactKind, string> = {
  call: 'Telefoongesprek',
  visit: 'Bezoek',
  email: 'E-mail',
  meeting: 'Overleg',
  masterclass: 'Masterclass',
  webinar: 'Webinar',
  event: 'Bijeenkomst',
};

export const PILLARS = ['pillar_1', 'pillar_2', 'pillar_3', 'pillar_4', 'pillar_5'] as const;
export type Pillar = (typeof PILLARS)[number];
export const PILLAR_LABELS: Record<Pillar, string> = {
  pillar_1: 'Pijler 1 Bestuurlijk commitment',
  pillar_2: 'Pijler 2 Sterk netwerk',
  pillar_3: 'Pijler 3 Betrekken van mensen met gevoelens van eenzaamheid',
  pillar_4: 'Pijler 4 Duurzame aanpak',
  pillar_5: 'Pijler 5 Monitoring en evaluatie',
};

export const COLLABORATION_STATUSES = ['idea', 'pilot', 'project', 'ended'] as const;
export type CollaborationStatus = (typeof COLLABORATION_STATUSES)[number];
export const COLLABORATION_STATUS_LABELS: Record<CollaborationStatus, string> = {
  idea: 'Idee',
  pilot: 'Pilot',
  project: 'Project',
  ended: 'Beëindigd',
};

/** Hours (2 decimals) from minutes. */
export const hoursFromMinutes = (minutes: number) => Math.round((minutes / 60) * 100) / 100;
