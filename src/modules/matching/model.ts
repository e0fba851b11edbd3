/** Code lists of the demand-and-offer board (issue 5). */

export const POST_KINDS = ['request', 'offer'] as const;
export type PostKind = (typeof POST_KINDS)[number];
export const POST_KIND_LABELS: Record<PostKind, string> = { request: 'Vraag', offer: 'Aanbod' };

export const POST_STATUSES = ['open', 'matched', 'withdrawn'] as const;
export type PostStatus = (typeof POST_STATUSES)[number];
export const POST_STATUS_LABELS: Record<PostStatus, string> = { open: 'Open', matched: 'Match gemaakt', withdrawn: 'Ingetrokken' };

/** Themes a post is about: the five pillars and the programme's common subjects. */
export const BOARD_THEMES = [
  'pillar_1',
  'pillar_2',
  'pillar_3',
  'pillar_4',
  'pillar_5',
  'meeting',
  'signalling',
  'volunteers',
  'youth',
  'elderly',
  'digital',
  'campaign',
  'week',
  'funding',
  'knowledge',
] as const;
export type BoardTheme = (typeof BOARD_THEMES)[number];
export const BOARD_THEME_LABELS: Record<BoardTheme, string> = {
  pillar_1: 'Bestuurlijk commitment (pijler 1)',
  pillar_2: 'Sterk netwerk (pijler 2)',
  pillar_3: 'Betrekken van mensen met gevoelens van eenzaamheid (pijler 3)',
  pillar_4: 'Duurzame aanpak (pijler 4)',
  pillar_5: 'Monitoring en evaluatie (pijler 5)',
  meeting: 'Ontmoeting en activiteiten',
  signalling: 'Signaleren',
  volunteers: 'Vrijwilligers',
  youth: 'Jongeren',
  elderly: 'Ouderen',
  digital: 'Digitale inclusie',
  campaign: 'Campagne en communicatie',
  week: 'Week tegen Eenzaamheid',
  funding: 'Financiering',
  knowledge: 'Kennis en onderzoek',
};

/** The longest a post may stay on the board. */
export const MAX_VALID_DAYS = 366;
