import { and, asc, desc, eq, inArray, ne, or, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import type { Db } from '../../platform/db/index.js';
import { auditLog, outbox, userRoles, users } from '../../platform/db/schema.js';
import { auditRow, audit, type AuditContext, type AuditEntry } from '../../platform/audit.js';
import { ROLE_LABELS, type Role } from '../../platform/access.js';
import { municipalities, organisations, participations, provinces } from '../registry/schema.js';
import { likePattern } from '../registry/organisations-service.js';
import { PARTICIPATION_STATUS_LABELS, type ParticipationStatus } from '../registry/labels.js';
import { benchmarkEditions, benchmarkInvitations } from '../benchmark/schema.js';
import { boardInterests, boardMatches, boardMessages, boardNotifications, boardPosts } from '../matching/schema.js';
import { BOARD_THEME_LABELS, POST_KIND_LABELS, POST_STATUS_LABELS, type BoardTheme, type PostKind, type PostStatus } from '../matching/model.js';
import { ERASED_ADDRESS } from '../signals/rights-service.js';
import { FEEDBACK_MAIL_KIND } from '../signals/feedback.js';
import { coalitionMembers, coalitions, contactMomentPersons, contactMoments, contactPersons } from './schema.js';
import { COALITION_SECTOR_LABELS, CONTACT_KIND_LABELS, MEMBER_ROLE_LABELS, type CoalitionSector, type ContactKind, type MemberRole } from './model.js';

/**
 * A rights request (AVG art. 15 and 17) about the business contacts of the network and the
 * users of the demand-and-offer board, handled by the programme admin ('network:privacy').
 * The signal point has its own screen (src/modules/signals/rights-*.ts); signal data and the
 * signal point's feedback mails are never found here.
 *
 * A search by e-mail address (exact, case-insensitive) or by name (case-insensitive: the stored
 * name contains the typed name) gives *findings*, each a row of one kind. Every action repeats
 * the search and acts only on the ticked findings it returns, so nothing outside the search can
 * be exported or erased. Erasure per kind (one transaction, see eraseFindings):
 * - a CRM contact person is anonymised (name ANONYMISED_PERSON, no job title, e-mail or phone)
 *   and soft-deleted; its contact moments stay, showing the anonymised name;
 * - the contact fields of coalition members, participations and organisations are cleared; the
 *   rows and their dates stay (history is data);
 * - a board message's text is replaced by ERASED_MESSAGE; a saved interest is deleted (with its
 *   notifications);
 * - a mail in the outbox gets the placeholder recipient ERASED_ADDRESS (one not sent yet is
 *   cancelled, like the signals' rights screen does for feedback mails);
 * - accounts, board posts, matches and benchmark invitations are for inspection only (see
 *   ERASE_EFFECTS and docs/PRIVACY.md).
 * Audit entries name the kinds, the row ids and counts; never a name or an e-mail address. The
 * entries of one search, export or erasure share the request id, which is how they correlate.
 */

export type RightsQuery = { by: 'email'; email: string } | { by: 'name'; name: string };

export const FINDING_KINDS = [
  'contact_person',
  'coalition_member',
  'participation',
  'organisation',
  'benchmark_invitation',
  'user',
  'board_post',
  'board_message',
  'board_match',
  'board_interest',
  'mail',
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

/** Captions of the findings per kind. */
export const KIND_LABELS: Record<FindingKind, string> = {
  contact_person: 'Contactpersonen (CRM)',
  coalition_member: 'Contactpersonen van leden van lokale coalities',
  participation: 'Contactpersonen van deelnames van gemeenten',
  organisation: 'Contactgegevens van organisaties',
  benchmark_invitation: 'Uitnodigingen voor de benchmark',
  user: 'Accounts op het platform',
  board_post: 'Vraag en aanbod: geplaatst door dit account',
  board_message: 'Vraag en aanbod: berichten die dit account schreef',
  board_match: 'Vraag en aanbod: matches met dit account als partner',
  board_interest: 'Vraag en aanbod: bewaarde interesses en meldingen',
  mail: 'Verzonden e-mails (outbox)',
};

/** The replacement of a name of an erased CRM contact person. */
export const ANONYMISED_PERSON = 'Verwijderde contactpersoon';
/** The replacement of an erased board message's text. */
export const ERASED_MESSAGE = '[Bericht verwijderd op verzoek van de afzender]';
export { ERASED_ADDRESS };

/** What an erasure does with a finding of each kind; null: not erased here (inspection only). */
export const ERASE_EFFECTS: Record<FindingKind, string | null> = {
  contact_person: `Naam wordt "${ANONYMISED_PERSON}"; functie, e-mailadres en telefoon worden gewist en de persoon wordt verwijderd. De contactmomenten blijven.`,
  coalition_member: 'Naam en e-mailadres van de contactpersoon worden gewist. Het lidmaatschap en de data blijven.',
  participation: 'Naam en e-mailadres van de contactpersoon worden gewist. De deelname en de data blijven.',
  organisation: 'Contactpersoon, e-mailadres en telefoon worden gewist. De organisatie blijft.',
  benchmark_invitation: null,
  user: null,
  board_post: null,
  board_message: `De tekst wordt vervangen door "${ERASED_MESSAGE}".`,
  board_match: null,
  board_interest: 'De interesse en de meldingen erbij worden verwijderd.',
  mail: 'Het adres van de ontvanger wordt afgeschermd; een mail die nog niet verstuurd is, wordt niet meer verstuurd.',
};

/** The same in a few words, for the findings table. */
export const ERASE_SHORT: Record<FindingKind, string> = {
  contact_person: 'Anonimiseren en verwijderen',
  coalition_member: 'Contactgegevens wissen',
  participation: 'Contactgegevens wissen',
  organisation: 'Contactgegevens wissen',
  benchmark_invitation: 'Alleen inzage',
  user: 'Alleen inzage',
  board_post: 'Alleen inzage',
  board_message: 'Tekst vervangen',
  board_match: 'Alleen inzage',
  board_interest: 'Verwijderen',
  mail: 'Ontvanger afschermen',
};

/** Why a kind is not erased here, and what to do instead. */
export const NOT_ERASED_REASONS: Partial<Record<FindingKind, string>> = {
  benchmark_invitation:
    'Een uitnodiging voor de benchmark is de persoonlijke link naar de antwoorden van de gemeente en heeft een e-mailadres nodig. Trek de uitnodiging zo nodig in bij de benchmark en nodig een andere contactpersoon uit.',
  user: 'Een account wordt hier niet verwijderd. Deactiveer het zo nodig bij Gebruikers; dat beëindigt ook alle sessies.',
  board_post: 'Een bericht op vraag en aanbod is van de organisatie of coalitie namens wie het is geplaatst; de naam van de persoon staat er niet in.',
  board_match: 'Een match telt mee in de programmacijfers; de naam van de persoon staat er niet in.',
};

// ---------------------------------------------------------------------------------------
// What is stored, per kind: the export's records (all stored personal fields of a row)

export interface ContactPersonRecord {
  id: number;
  name: string;
  jobTitle: string | null;
  email: string | null;
  phone: string | null;
  organisation: string | null;
  /** The organisation's municipality, 'landelijk' for a national one, null without an organisation. */
  municipality: string | null;
  createdAt: string;
  removedAt: string | null;
}
export interface ContactPersonExport extends ContactPersonRecord {
  /** The contact moments the person is linked to, notes included (notes are about the contacts). */
  contactMoments: { id: number; occurredOn: string; kind: string; kindLabel: string; subject: string; notes: string | null; municipality: string | null; removedAt: string | null }[];
}
export interface CoalitionMemberRecord {
  id: number;
  contactName: string | null;
  contactEmail: string | null;
  coalition: string;
  municipality: string;
  organisation: string;
  role: string;
  roleLabel: string;
  sector: string;
  sectorLabel: string;
  startDate: string;
  endDate: string | null;
  removedAt: string | null;
}
export interface ParticipationRecord {
  id: number;
  contactName: string | null;
  contactEmail: string | null;
  municipality: string;
  status: string;
  statusLabel: string;
  signedOn: string | null;
  stoppedOn: string | null;
  removedAt: string | null;
}
export interface OrganisationRecord {
  id: number;
  organisation: string;
  municipality: string;
  contactName: string | null;
  contactEmail: string | null;
  contactPhone: string | null;
  createdAt: string;
  removedAt: string | null;
}
/** Not the link's token: it is a secret, not data about the contact. */
export interface InvitationRecord {
  id: number;
  edition: string;
  year: number;
  municipality: string;
  contactName: string | null;
  contactEmail: string;
  createdAt: string;
  sentAt: string | null;
  remindersSent: number;
  lastReminderAt: string | null;
  optedOutAt: string | null;
  revokedAt: string | null;
}
/** Never the password hash, lockout counters or sessions: security data, not about the person. */
export interface AccountRecord {
  id: number;
  name: string;
  email: string;
  active: boolean;
  createdAt: string;
  lastLoginAt: string | null;
}
export interface AccountExport extends AccountRecord {
  roles: { role: string; roleLabel: string; municipality: string | null; organisation: string | null }[];
}
export interface PostRecord {
  id: number;
  kind: string;
  kindLabel: string;
  title: string;
  description: string;
  themes: string[];
  region: string;
  onBehalfOf: string | null;
  validUntil: string;
  status: string;
  statusLabel: string;
  createdAt: string;
  removedAt: string | null;
}
export interface MessageRecord {
  id: number;
  post: string;
  postId: number;
  createdAt: string;
  readAt: string | null;
  text: string;
}
export interface MatchRecord {
  id: number;
  post: string;
  postId: number;
  madeOn: string;
  note: string | null;
  partnerOrganisation: string | null;
  undoneAt: string | null;
}
export interface InterestRecord {
  id: number;
  kind: string | null;
  themes: string[];
  province: string | null;
  createdAt: string;
}
export interface InterestExport extends InterestRecord {
  notifications: { post: string; postId: number; at: string }[];
}
/** Not the text: it can hold one-time links (secrets) and other people's names; the subject says what it was. */
export interface MailRecord {
  id: number;
  to: string;
  subject: string;
  kind: string;
  status: string;
  createdAt: string;
  sentAt: string | null;
}

interface Records {
  contact_person: ContactPersonRecord;
  coalition_member: CoalitionMemberRecord;
  participation: ParticipationRecord;
  organisation: OrganisationRecord;
  benchmark_invitation: InvitationRecord;
  user: AccountRecord;
  board_post: PostRecord;
  board_message: MessageRecord;
  board_match: MatchRecord;
  board_interest: InterestRecord;
  mail: MailRecord;
}

interface FindingView {
  /** What it is: a name, a title or a subject. */
  title: string;
  /** Extra facts about it (function, role, status), in Dutch. */
  detail: string | null;
  /** Where: organisation, municipality, coalition, post. */
  where: string | null;
  /** When: dates in Dutch, e.g. "vanaf 1 maart 2024 tot 1 mei 2025". */
  dates: string | null;
  /** The record's own page, when there is one the programme admin can open. */
  href: string | null;
  /** A person's name held in the finding (to look for in CRM notes), or null. */
  personName: string | null;
}

/** One row found: how the page shows it, and its record for the export. */
export type Finding = { [K in FindingKind]: FindingView & { kind: K; id: number; /** The checkbox value: `${kind}-${id}`. */ key: string; record: Records[K] } }[FindingKind];

export const findingKey = (kind: FindingKind, id: number) => `${kind}-${id}`;

/** At most this many findings per kind (far more than one person has). */
const FIND_LIMIT = 200;

const nlDate = (v: string | Date | null | undefined): string | null => {
  if (!v) return null;
  const d = typeof v === 'string' ? new Date(v.length === 10 ? `${v}T00:00:00Z` : v) : v;
  return d.toLocaleDateString('nl-NL', { day: 'numeric', month: 'long', year: 'numeric', timeZone: typeof v === 'string' && v.length === 10 ? 'UTC' : 'Europe/Amsterdam' });
};
const join = (...parts: (string | null | undefined | false)[]) => parts.filter(Boolean).join('; ') || null;
const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** `lower(col) = email` or `col ilike %name%` for the query. */
function matches(q: RightsQuery, emailCol: AnyColumn | SQL, nameCol: AnyColumn): SQL {
  if (q.by === 'email') return sql`lower(${emailCol}) = ${q.email.trim().toLowerCase()}`;
  return sql`${nameCol} ilike ${likePattern(q.name.trim())}`;
}

/** Everything found for the query, per kind, with the rows' personal fields. Callers audit it (auditSearch). */
export async function findAll(db: Db, q: RightsQuery): Promise<Finding[]> {
  const out: Finding[] = [];
  const add = <K extends FindingKind>(kind: K, record: Records[K], view: FindingView) => out.push({ kind, id: record.id, key: findingKey(kind, record.id), record, ...view } as Finding);

  // CRM contact persons, also removed ones (the name stays after a removal), not the anonymised.
  const persons = await db
    .select({
      p: contactPersons,
      organisation: organisations.name,
      organisationId: organisations.id,
      municipality: municipalities.name,
      moments: sql<number>`(select count(*) from ${contactMomentPersons} cmp where cmp.person_id = ${contactPersons.id})::int`,
    })
    .from(contactPersons)
    .leftJoin(organisations, eq(organisations.id, contactPersons.organisationId))
    .leftJoin(municipalities, eq(municipalities.id, organisations.municipalityId))
    .where(and(matches(q, contactPersons.email, contactPersons.name), ne(contactPersons.name, ANONYMISED_PERSON)))
    .orderBy(asc(contactPersons.name), asc(contactPersons.id))
    .limit(FIND_LIMIT);
  for (const { p, organisation, organisationId, municipality, moments } of persons) {
    const r: ContactPersonRecord = {
      id: p.id,
      name: p.name,
      jobTitle: p.jobTitle,
      email: p.email,
      phone: p.phone,
      organisation,
      municipality: organisationId ? (municipality ?? 'landelijk') : null,
      createdAt: p.createdAt.toISOString(),
      removedAt: iso(p.deletedAt),
    };
    add('contact_person', r, {
      title: r.name,
      detail: join(r.jobTitle, r.email, r.phone, `${moments} ${moments === 1 ? 'contactmoment' : 'contactmomenten'}`, r.removedAt && 'eerder verwijderd (naam nog bewaard)'),
      where: join(r.organisation, r.municipality),
      dates: `toegevoegd op ${nlDate(r.createdAt)}`,
      href: r.removedAt ? null : `/contactpersonen/${r.id}`,
      personName: r.name,
    });
  }

  // Contact persons of coalition members: every row, ended and soft-deleted ones too.
  const members = await db
    .select({ m: coalitionMembers, coalition: coalitions.name, cbsCode: municipalities.cbsCode, municipality: municipalities.name, organisation: organisations.name })
    .from(coalitionMembers)
    .innerJoin(coalitions, eq(coalitions.id, coalitionMembers.coalitionId))
    .innerJoin(municipalities, eq(municipalities.id, coalitions.municipalityId))
    .innerJoin(organisations, eq(organisations.id, coalitionMembers.organisationId))
    .where(matches(q, coalitionMembers.contactEmail, coalitionMembers.contactName))
    .orderBy(asc(coalitionMembers.startDate), asc(coalitionMembers.id))
    .limit(FIND_LIMIT);
  for (const { m, coalition, cbsCode, municipality, organisation } of members) {
    const r: CoalitionMemberRecord = {
      id: m.id,
      contactName: m.contactName,
      contactEmail: m.contactEmail,
      coalition,
      municipality,
      organisation,
      role: m.role,
      roleLabel: MEMBER_ROLE_LABELS[m.role as MemberRole] ?? m.role,
      sector: m.sector,
      sectorLabel: COALITION_SECTOR_LABELS[m.sector as CoalitionSector] ?? m.sector,
      startDate: m.startDate,
      endDate: m.endDate,
      removedAt: iso(m.deletedAt),
    };
    add('coalition_member', r, {
      title: r.contactName ?? r.contactEmail ?? '—',
      detail: join(r.contactName ? r.contactEmail : null, r.roleLabel, r.removedAt && 'verwijderd als correctie'),
      where: join(`${organisation} in ${coalition}`, municipality),
      dates: `vanaf ${nlDate(r.startDate)}${r.endDate ? ` tot ${nlDate(r.endDate)}` : ''}`,
      href: r.removedAt ? null : `/coalities/${cbsCode}`,
      personName: r.contactName,
    });
  }

  const parts = await db
    .select({ p: participations, municipality: municipalities.name })
    .from(participations)
    .innerJoin(municipalities, eq(municipalities.id, participations.municipalityId))
    .where(matches(q, participations.contactEmail, participations.contactName))
    .orderBy(asc(municipalities.name), asc(participations.id))
    .limit(FIND_LIMIT);
  for (const { p, municipality } of parts) {
    const r: ParticipationRecord = {
      id: p.id,
      contactName: p.contactName,
      contactEmail: p.contactEmail,
      municipality,
      status: p.status,
      statusLabel: PARTICIPATION_STATUS_LABELS[p.status as ParticipationStatus] ?? p.status,
      signedOn: p.signedOn,
      stoppedOn: p.stoppedOn,
      removedAt: iso(p.deletedAt),
    };
    add('participation', r, {
      title: r.contactName ?? r.contactEmail ?? '—',
      detail: join(r.contactName ? r.contactEmail : null, r.statusLabel, r.removedAt && 'verwijderd'),
      where: municipality,
      dates: join(r.signedOn && `ondertekend op ${nlDate(r.signedOn)}`, r.stoppedOn && `gestopt op ${nlDate(r.stoppedOn)}`),
      href: r.removedAt ? null : `/beheer/deelnames/${r.id}`,
      personName: r.contactName,
    });
  }

  const orgs = await db
    .select({ o: organisations, municipality: municipalities.name })
    .from(organisations)
    .leftJoin(municipalities, eq(municipalities.id, organisations.municipalityId))
    .where(matches(q, organisations.contactEmail, organisations.contactName))
    .orderBy(asc(organisations.name), asc(organisations.id))
    .limit(FIND_LIMIT);
  for (const { o, municipality } of orgs) {
    const r: OrganisationRecord = {
      id: o.id,
      organisation: o.name,
      municipality: municipality ?? 'landelijk',
      contactName: o.contactName,
      contactEmail: o.contactEmail,
      contactPhone: o.contactPhone,
      createdAt: o.createdAt.toISOString(),
      removedAt: iso(o.deletedAt),
    };
    add('organisation', r, {
      title: r.contactName ?? r.contactEmail ?? '—',
      detail: join(r.contactName ? r.contactEmail : null, r.contactPhone, r.removedAt && 'organisatie verwijderd'),
      where: join(r.organisation, r.municipality),
      dates: `toegevoegd op ${nlDate(r.createdAt)}`,
      href: r.removedAt ? null : `/beheer/organisaties/${r.id}`,
      personName: r.contactName,
    });
  }

  const invitations = await db
    .select({ i: benchmarkInvitations, edition: benchmarkEditions.title, year: benchmarkEditions.year, municipality: municipalities.name })
    .from(benchmarkInvitations)
    .innerJoin(benchmarkEditions, eq(benchmarkEditions.id, benchmarkInvitations.editionId))
    .innerJoin(municipalities, eq(municipalities.id, benchmarkInvitations.municipalityId))
    .where(matches(q, benchmarkInvitations.contactEmail, benchmarkInvitations.contactName))
    .orderBy(desc(benchmarkInvitations.createdAt), desc(benchmarkInvitations.id))
    .limit(FIND_LIMIT);
  for (const { i, edition, year, municipality } of invitations) {
    const r: InvitationRecord = {
      id: i.id,
      edition,
      year,
      municipality,
      contactName: i.contactName,
      contactEmail: i.contactEmail,
      createdAt: i.createdAt.toISOString(),
      sentAt: iso(i.sentAt),
      remindersSent: i.remindersSent,
      lastReminderAt: iso(i.lastReminderAt),
      optedOutAt: iso(i.optedOutAt),
      revokedAt: iso(i.revokedAt),
    };
    add('benchmark_invitation', r, {
      title: r.contactName ?? r.contactEmail,
      detail: join(r.contactName ? r.contactEmail : null, r.revokedAt && 'ingetrokken'),
      where: join(edition, municipality),
      dates: join(`aangemaakt op ${nlDate(r.createdAt)}`, r.sentAt && `verstuurd op ${nlDate(r.sentAt)}`),
      href: `/benchmark/edities/${i.editionId}/uitnodigingen/${r.id}`,
      personName: r.contactName,
    });
  }

  // Accounts (users.email is citext) and what they did on the board.
  const accounts = await db
    .select({ id: users.id, name: users.name, email: users.email, active: users.active, createdAt: users.createdAt, lastLoginAt: users.lastLoginAt })
    .from(users)
    .where(matches(q, sql`${users.email}::text`, users.name))
    .orderBy(asc(users.name), asc(users.id))
    .limit(FIND_LIMIT);
  for (const u of accounts) {
    const r: AccountRecord = { ...u, createdAt: u.createdAt.toISOString(), lastLoginAt: iso(u.lastLoginAt) };
    add('user', r, {
      title: r.name,
      detail: join(r.email, r.active ? 'actief' : 'gedeactiveerd'),
      where: null,
      dates: join(`aangemaakt op ${nlDate(r.createdAt)}`, r.lastLoginAt && `laatst ingelogd op ${nlDate(r.lastLoginAt)}`),
      href: `/beheer/gebruikers/${r.id}`,
      personName: r.name,
    });
  }
  const userIds = accounts.map((a) => a.id);
  if (userIds.length) {
    const posts = await db
      .select({ p: boardPosts, organisation: organisations.name, coalition: coalitions.name, province: provinces.name })
      .from(boardPosts)
      .leftJoin(organisations, eq(organisations.id, boardPosts.organisationId))
      .leftJoin(coalitions, eq(coalitions.id, boardPosts.coalitionId))
      .leftJoin(provinces, eq(provinces.id, boardPosts.provinceId))
      .where(inArray(boardPosts.postedBy, userIds))
      .orderBy(desc(boardPosts.createdAt), desc(boardPosts.id))
      .limit(FIND_LIMIT);
    for (const { p, organisation, coalition, province } of posts) {
      const r: PostRecord = {
        id: p.id,
        kind: p.kind,
        kindLabel: POST_KIND_LABELS[p.kind as PostKind] ?? p.kind,
        title: p.title,
        description: p.description,
        themes: p.themes.map((t) => BOARD_THEME_LABELS[t as BoardTheme] ?? t),
        region: province ?? 'landelijk',
        onBehalfOf: organisation ?? coalition,
        validUntil: p.validUntil,
        status: p.status,
        statusLabel: POST_STATUS_LABELS[p.status as PostStatus] ?? p.status,
        createdAt: p.createdAt.toISOString(),
        removedAt: iso(p.deletedAt),
      };
      add('board_post', r, {
        title: r.title,
        detail: join(r.kindLabel, r.statusLabel, r.removedAt && 'verwijderd'),
        where: r.onBehalfOf,
        dates: `geplaatst op ${nlDate(r.createdAt)}, geldig tot ${nlDate(r.validUntil)}`,
        href: r.removedAt ? null : `/vraag-en-aanbod/${r.id}`,
        personName: null,
      });
    }
    const messages = await db
      .select({ m: boardMessages, post: boardPosts.title })
      .from(boardMessages)
      .innerJoin(boardPosts, eq(boardPosts.id, boardMessages.postId))
      .where(and(inArray(boardMessages.fromUserId, userIds), ne(boardMessages.body, ERASED_MESSAGE)))
      .orderBy(desc(boardMessages.createdAt), desc(boardMessages.id))
      .limit(FIND_LIMIT);
    for (const { m, post } of messages) {
      const r: MessageRecord = { id: m.id, post, postId: m.postId, createdAt: m.createdAt.toISOString(), readAt: iso(m.readAt), text: m.body };
      add('board_message', r, {
        title: `Bericht van ${r.text.length} ${r.text.length === 1 ? 'teken' : 'tekens'}`,
        detail: null,
        where: `Gesprek over "${post}"`,
        dates: `geschreven op ${nlDate(r.createdAt)}`,
        href: null,
        personName: null,
      });
    }
    const matchRows = await db
      .select({ m: boardMatches, post: boardPosts.title, partner: organisations.name })
      .from(boardMatches)
      .innerJoin(boardPosts, eq(boardPosts.id, boardMatches.postId))
      .leftJoin(organisations, eq(organisations.id, boardMatches.partnerOrganisationId))
      .where(inArray(boardMatches.partnerUserId, userIds))
      .orderBy(desc(boardMatches.madeOn), desc(boardMatches.id))
      .limit(FIND_LIMIT);
    for (const { m, post, partner } of matchRows) {
      const r: MatchRecord = { id: m.id, post, postId: m.postId, madeOn: m.madeOn, note: m.note, partnerOrganisation: partner, undoneAt: iso(m.deletedAt) };
      add('board_match', r, {
        title: `Match over "${post}"`,
        detail: join(partner && `partner: ${partner}`, r.undoneAt && 'ongedaan gemaakt'),
        where: null,
        dates: `gemaakt op ${nlDate(r.madeOn)}`,
        href: `/vraag-en-aanbod/${r.postId}`,
        personName: null,
      });
    }
    const interests = await db
      .select({
        i: boardInterests,
        province: provinces.name,
        notifications: sql<number>`(select count(*) from ${boardNotifications} n where n.interest_id = ${boardInterests.id})::int`,
      })
      .from(boardInterests)
      .leftJoin(provinces, eq(provinces.id, boardInterests.provinceId))
      .where(inArray(boardInterests.userId, userIds))
      .orderBy(asc(boardInterests.id))
      .limit(FIND_LIMIT);
    for (const { i, province, notifications } of interests) {
      const r: InterestRecord = {
        id: i.id,
        kind: i.kind ? (POST_KIND_LABELS[i.kind as PostKind] ?? i.kind) : null,
        themes: i.themes.map((t) => BOARD_THEME_LABELS[t as BoardTheme] ?? t),
        province,
        createdAt: i.createdAt.toISOString(),
      };
      add('board_interest', r, {
        title: r.themes.length ? r.themes.join(', ') : 'Alle thema’s',
        detail: join(r.kind ?? 'vraag en aanbod', `${notifications} ${notifications === 1 ? 'melding' : 'meldingen'}`),
        where: province ?? 'heel Nederland',
        dates: `bewaard op ${nlDate(r.createdAt)}`,
        href: null,
        personName: null,
      });
    }
  }

  // Mails to the address (by e-mail only). Never the signal point's feedback mails: whether
  // someone passed on a signal belongs to the signals' rights screen.
  if (q.by === 'email') {
    const mails = await db
      .select({ id: outbox.id, to: outbox.toAddress, subject: outbox.subject, kind: outbox.kind, status: outbox.status, createdAt: outbox.createdAt, sentAt: outbox.sentAt })
      .from(outbox)
      .where(and(matches(q, outbox.toAddress, outbox.toAddress), ne(outbox.kind, FEEDBACK_MAIL_KIND)))
      .orderBy(desc(outbox.createdAt), desc(outbox.id))
      .limit(FIND_LIMIT);
    for (const m of mails) {
      const r: MailRecord = { ...m, createdAt: m.createdAt.toISOString(), sentAt: iso(m.sentAt) };
      add('mail', r, {
        title: r.subject,
        detail: MAIL_STATUS_LABELS[r.status] ?? r.status,
        where: null,
        dates: r.sentAt ? `verstuurd op ${nlDate(r.sentAt)}` : `aangemaakt op ${nlDate(r.createdAt)}`,
        href: `/beheer/outbox/${r.id}`,
        personName: null,
      });
    }
  }
  return out;
}

export const MAIL_STATUS_LABELS: Record<string, string> = { queued: 'in de wachtrij', sent: 'verstuurd', stored: 'bewaard (niet verstuurd)', failed: 'mislukt' };

/** The findings of the query whose keys were ticked: nothing outside the search can be selected. */
export async function selectFindings(db: Db, q: RightsQuery, keys: string[]): Promise<Finding[]> {
  const wanted = new Set(keys);
  return (await findAll(db, q)).filter((f) => wanted.has(f.key));
}

/** Ids per kind of a list of findings (for audit details). */
export function idsByKind(found: Finding[]): Partial<Record<FindingKind, number[]>> {
  const out: Partial<Record<FindingKind, number[]>> = {};
  for (const f of found) (out[f.kind] ??= []).push(f.id);
  return out;
}

/** The audit entry of a search: how it was searched and what was found (kinds and ids), nothing typed. */
export async function auditSearch(db: Db, ctx: AuditContext, q: RightsQuery, found: Finding[]): Promise<void> {
  await audit(db, ctx, {
    action: 'read_personal',
    entity: 'privacy_request',
    details: { purpose: 'rights_request', scope: 'network', searchBy: q.by, found: found.length, ids: idsByKind(found) },
  });
}

// ---------------------------------------------------------------------------------------
// CRM notes that may name the person

export interface MomentToCheck {
  id: number;
  occurredOn: string;
  subject: string;
  municipality: string | null;
  deleted: boolean;
}

/**
 * Contact moments whose subject or notes contain one of the names (case-insensitive), so the
 * admin can edit them by hand: an erasure changes no free text. Names shorter than 3
 * characters are skipped (they would match nearly every note).
 */
export async function momentsNaming(db: Db, names: string[]): Promise<MomentToCheck[]> {
  const list = [...new Set(names.map((n) => n.trim()).filter((n) => n.length >= 3 && n !== ANONYMISED_PERSON))];
  if (!list.length) return [];
  const rows = await db
    .select({ id: contactMoments.id, occurredOn: contactMoments.occurredOn, subject: contactMoments.subject, municipality: municipalities.name, deletedAt: contactMoments.deletedAt })
    .from(contactMoments)
    .leftJoin(municipalities, eq(municipalities.id, contactMoments.municipalityId))
    .where(or(...list.flatMap((n) => [sql`${contactMoments.notes} ilike ${likePattern(n)}`, sql`${contactMoments.subject} ilike ${likePattern(n)}`])))
    .orderBy(desc(contactMoments.occurredOn), desc(contactMoments.id))
    .limit(FIND_LIMIT);
  return rows.map((r) => ({ id: r.id, occurredOn: r.occurredOn, subject: r.subject, municipality: r.municipality, deleted: r.deletedAt !== null }));
}

/** The names to look for in notes: the typed name, or the names held in the findings of an e-mail search. */
export function namesToCheck(q: RightsQuery, found: Finding[]): string[] {
  if (q.by === 'name') return [q.name];
  return found.map((f) => f.personName).filter((n): n is string => !!n);
}

// ---------------------------------------------------------------------------------------
// Export

export interface NetworkRightsExport {
  format: 'ete-network-rights-export/1';
  exportedAt: string;
  controller: string;
  contactPersons: ContactPersonExport[];
  coalitionMembers: CoalitionMemberRecord[];
  participations: ParticipationRecord[];
  organisations: OrganisationRecord[];
  benchmarkInvitations: InvitationRecord[];
  accounts: AccountExport[];
  boardPosts: PostRecord[];
  boardMessages: MessageRecord[];
  boardMatches: MatchRecord[];
  boardInterests: InterestExport[];
  mails: MailRecord[];
}

/**
 * Everything held in the selected findings: their records (found by the repeated search), plus
 * a contact person's contact moments, an account's roles and an interest's notifications.
 * Callers audit it (auditExport).
 */
export async function buildExport(db: Db, selected: Finding[], now: Date): Promise<NetworkRightsExport> {
  const records = <K extends FindingKind>(kind: K): Records[K][] => selected.filter((f) => f.kind === kind).map((f) => f.record as Records[K]);
  const persons = records('contact_person');
  const accounts = records('user');
  const interests = records('board_interest');
  const ids = (list: { id: number }[]) => list.map((r) => r.id);

  const links = persons.length
    ? await db
        .select({ personId: contactMomentPersons.personId, m: contactMoments, municipality: municipalities.name })
        .from(contactMomentPersons)
        .innerJoin(contactMoments, eq(contactMoments.id, contactMomentPersons.contactMomentId))
        .leftJoin(municipalities, eq(municipalities.id, contactMoments.municipalityId))
        .where(inArray(contactMomentPersons.personId, ids(persons)))
        .orderBy(asc(contactMoments.occurredOn), asc(contactMoments.id))
    : [];
  const grants = accounts.length
    ? await db
        .select({ userId: userRoles.userId, role: userRoles.role, municipality: municipalities.name, organisation: organisations.name })
        .from(userRoles)
        .leftJoin(municipalities, eq(municipalities.id, userRoles.municipalityId))
        .leftJoin(organisations, eq(organisations.id, userRoles.organisationId))
        .where(inArray(userRoles.userId, ids(accounts)))
        .orderBy(asc(userRoles.id))
    : [];
  const notifications = interests.length
    ? await db
        .select({ interestId: boardNotifications.interestId, postId: boardNotifications.postId, post: boardPosts.title, at: boardNotifications.createdAt })
        .from(boardNotifications)
        .innerJoin(boardPosts, eq(boardPosts.id, boardNotifications.postId))
        .where(inArray(boardNotifications.interestId, ids(interests)))
        .orderBy(asc(boardNotifications.createdAt), asc(boardNotifications.id))
    : [];

  return {
    format: 'ete-network-rights-export/1',
    exportedAt: now.toISOString(),
    controller: 'Ministerie van VWS, programma Eén tegen eenzaamheid',
    contactPersons: persons.map((p) => ({
      ...p,
      contactMoments: links
        .filter((l) => l.personId === p.id)
        .map(({ m, municipality }) => ({
          id: m.id,
          occurredOn: m.occurredOn,
          kind: m.kind,
          kindLabel: CONTACT_KIND_LABELS[m.kind as ContactKind] ?? m.kind,
          subject: m.subject,
          notes: m.notes,
          municipality,
          removedAt: iso(m.deletedAt),
        })),
    })),
    coalitionMembers: records('coalition_member'),
    participations: records('participation'),
    organisations: records('organisation'),
    benchmarkInvitations: records('benchmark_invitation'),
    accounts: accounts.map((u) => ({
      ...u,
      roles: grants.filter((g) => g.userId === u.id).map((g) => ({ role: g.role, roleLabel: ROLE_LABELS[g.role as Role] ?? g.role, municipality: g.municipality, organisation: g.organisation })),
    })),
    boardPosts: records('board_post'),
    boardMessages: records('board_message'),
    boardMatches: records('board_match'),
    boardInterests: interests.map((i) => ({
      ...i,
      notifications: notifications.filter((n) => n.interestId === i.id).map((n) => ({ post: n.post, postId: n.postId, at: n.at.toISOString() })),
    })),
    mails: records('mail'),
  };
}

/** One audit entry per exported row (entity = the kind, with its id) and one for the export as a whole. */
export async function auditExport(db: Db, ctx: AuditContext, q: RightsQuery, selected: Finding[], format: 'json' | 'html'): Promise<void> {
  const entries: AuditEntry[] = selected.map((f) => ({ action: 'export', entity: f.kind, entityId: f.id, details: { purpose: 'rights_request', format } }));
  entries.push({ action: 'export', entity: 'privacy_request', details: { purpose: 'rights_request', scope: 'network', searchBy: q.by, format, count: selected.length, ids: idsByKind(selected) } });
  await db.insert(auditLog).values(entries.map((e) => auditRow(ctx, e)));
}

// ---------------------------------------------------------------------------------------
// Erasure

export type EraseResult = Partial<Record<FindingKind, number>>;

/** The erasable findings among `selected` (kinds with an effect). */
export const erasable = (selected: Finding[]) => selected.filter((f) => ERASE_EFFECTS[f.kind] !== null);

/**
 * Erases the selected findings, in one transaction (see the module comment for what happens per
 * kind). Findings of kinds without an effect are left alone. Every changed row gets an 'erase'
 * audit entry (entity = kind, the row id, the cleared field names) and the request one summary
 * entry with the counts per kind: no values, no e-mail address.
 */
export async function eraseFindings(db: Db, selected: Finding[], now: Date, ctx: AuditContext): Promise<EraseResult> {
  const result: EraseResult = {};
  const ids = (k: FindingKind) => selected.filter((f) => f.kind === k).map((f) => f.id);
  await db.transaction(async (txx) => {
    const tx = txx as unknown as Db;
    const entries: AuditEntry[] = [];
    const done = (kind: FindingKind, rows: { id: number }[], fields: string[]) => {
      if (!rows.length) return;
      result[kind] = rows.length;
      for (const r of rows) entries.push({ action: 'erase', entity: kind, entityId: r.id, details: { purpose: 'rights_request', fields } });
    };

    const personIds = ids('contact_person');
    if (personIds.length) {
      const rows = await tx
        .update(contactPersons)
        .set({ name: ANONYMISED_PERSON, jobTitle: null, email: null, phone: null, deletedAt: sql`coalesce(${contactPersons.deletedAt}, ${now.toISOString()}::timestamptz)`, updatedAt: now })
        .where(inArray(contactPersons.id, personIds))
        .returning({ id: contactPersons.id });
      done('contact_person', rows, ['name', 'job_title', 'email', 'phone', 'deleted_at']);
    }
    const memberIds = ids('coalition_member');
    if (memberIds.length) {
      const rows = await tx
        .update(coalitionMembers)
        .set({ contactName: null, contactEmail: null, updatedAt: now })
        .where(inArray(coalitionMembers.id, memberIds))
        .returning({ id: coalitionMembers.id });
      done('coalition_member', rows, ['contact_name', 'contact_email']);
    }
    const participationIds = ids('participation');
    if (participationIds.length) {
      const rows = await tx
        .update(participations)
        .set({ contactName: null, contactEmail: null, updatedAt: now })
        .where(inArray(participations.id, participationIds))
        .returning({ id: participations.id });
      done('participation', rows, ['contact_name', 'contact_email']);
    }
    const orgIds = ids('organisation');
    if (orgIds.length) {
      const rows = await tx
        .update(organisations)
        .set({ contactName: null, contactEmail: null, contactPhone: null, updatedAt: now })
        .where(inArray(organisations.id, orgIds))
        .returning({ id: organisations.id });
      done('organisation', rows, ['contact_name', 'contact_email', 'contact_phone']);
    }
    const messageIds = ids('board_message');
    if (messageIds.length) {
      const rows = await tx.update(boardMessages).set({ body: ERASED_MESSAGE }).where(inArray(boardMessages.id, messageIds)).returning({ id: boardMessages.id });
      done('board_message', rows, ['body']);
    }
    const interestIds = ids('board_interest');
    if (interestIds.length) {
      // Its notifications go with it (on delete cascade).
      const rows = await tx.delete(boardInterests).where(inArray(boardInterests.id, interestIds)).returning({ id: boardInterests.id });
      done('board_interest', rows, ['interest', 'notifications']);
    }
    const mailIds = ids('mail');
    if (mailIds.length) {
      // Undelivered ones are cancelled: 'stored' is never sent (see outbox.ts).
      const rows = await tx
        .update(outbox)
        .set({
          toAddress: ERASED_ADDRESS,
          status: sql`case when ${outbox.status} in ('sent', 'stored') then ${outbox.status} else 'stored' end`,
          lastError: sql`case when ${outbox.status} in ('sent', 'stored') then ${outbox.lastError} else 'Niet verzonden: ontvanger verwijderd op privacyverzoek' end`,
        })
        .where(and(inArray(outbox.id, mailIds), ne(outbox.kind, FEEDBACK_MAIL_KIND)))
        .returning({ id: outbox.id });
      done('mail', rows, ['to_address']);
    }
    const notErased = selected.filter((f) => ERASE_EFFECTS[f.kind] === null);
    entries.push({
      action: 'erase',
      entity: 'privacy_request',
      details: { purpose: 'rights_request', scope: 'network', counts: result, notErased: idsByKind(notErased) },
    });
    await tx.insert(auditLog).values(entries.map((e) => auditRow(ctx, e)));
  });
  return result;
}
