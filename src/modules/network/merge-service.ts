import { and, eq, isNull, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../platform/db/index.js';
import { audit, type AuditContext } from '../../platform/audit.js';
import { forgetApiKeys } from '../../platform/admin/apikeys-service.js';
import { likePattern, ORGANISATION_FIELD_LABELS } from '../registry/organisations-service.js';
import { municipalities, organisations } from '../registry/schema.js';
import { nationalMembers } from './schema.js';

/**
 * Merging two organisations (issue 5 point 7): the duplicate's history moves to the organisation
 * that is kept, in one transaction, and the duplicate is soft-deleted with merged_into_id set.
 * Nothing of either history is lost: dated memberships, contact moments, posts, signals, users
 * all end up under the kept organisation.
 *
 * MERGE_REFERENCES lists every column of the database that points at an organisation; a test
 * (merge.test.ts) compares it with the database's own catalogue, so a new column elsewhere
 * fails the test until it is added here.
 */

export interface MergeReference {
  table: string;
  column: string;
  /** Dutch description for the preview. */
  label: string;
}

export const MERGE_REFERENCES: MergeReference[] = [
  { table: 'organisations', column: 'parent_organisation_id', label: 'Lokale vestigingen (organisaties die hieronder vallen)' },
  { table: 'organisations', column: 'merged_into_id', label: 'Eerder hiermee samengevoegde organisaties' },
  { table: 'branch_links', column: 'organisation_id', label: 'Koppelingen als vestiging (met data)' },
  { table: 'branch_links', column: 'parent_organisation_id', label: 'Koppelingen van vestigingen (met data)' },
  { table: 'national_members', column: 'organisation_id', label: 'Lidmaatschap van de Nationale Coalitie' },
  { table: 'coalition_members', column: 'organisation_id', label: 'Lidmaatschappen van lokale coalities (met hun data)' },
  { table: 'contact_persons', column: 'organisation_id', label: 'Contactpersonen' },
  { table: 'contact_moment_organisations', column: 'organisation_id', label: 'Contactmomenten' },
  { table: 'collaboration_partners', column: 'organisation_id', label: 'Partnerschappen in samenwerkingen' },
  { table: 'board_posts', column: 'organisation_id', label: 'Berichten op vraag en aanbod' },
  { table: 'board_messages', column: 'reactor_organisation_id', label: 'Reacties op vraag en aanbod' },
  { table: 'board_matches', column: 'partner_organisation_id', label: 'Matches op vraag en aanbod' },
  { table: 'user_roles', column: 'organisation_id', label: 'Rollen van gebruikers' },
  { table: 'api_keys', column: 'organisation_id', label: 'API-sleutels' },
  { table: 'signal_points', column: 'organisation_id', label: 'Signaalpunten (als afhandelende organisatie)' },
  { table: 'signals', column: 'organisation_id', label: 'Signalen (als afhandelende organisatie)' },
  { table: 'signal_events', column: 'organisation_id', label: 'Gebeurtenissen in het logboek van signalen' },
];

const refKey = (r: MergeReference) => `${r.table}.${r.column}`;
const ident = (name: string) => sql.identifier(name);

export interface MergeOrganisation {
  id: number;
  name: string;
  kind: string;
  kvkNumber: string | null;
  municipalityId: number | null;
  municipalityName: string | null;
  parentOrganisationId: number | null;
  mergedIntoId: number | null;
  mergedIntoName: string | null;
  deleted: boolean;
  sector: string | null;
  street: string | null;
  houseNumber: string | null;
  postcode: string | null;
  city: string | null;
  website: string | null;
  contactName: string | null;
  contactEmail: string | null;
  contactPhone: string | null;
}

/** Fields of the kept organisation that are filled from the duplicate when empty. */
export const FILL_FIELDS = ['kvkNumber', 'sector', 'street', 'houseNumber', 'postcode', 'city', 'website', 'contactName', 'contactEmail', 'contactPhone'] as const;
export const FILL_FIELD_LABELS = Object.fromEntries(FILL_FIELDS.map((f) => [f, ORGANISATION_FIELD_LABELS[f] ?? f])) as Record<(typeof FILL_FIELDS)[number], string>;

/** An organisation by id, deleted and merged ones included (to explain why they cannot be merged). */
export async function loadMergeOrganisation(db: Db, id: number, lock = false): Promise<MergeOrganisation | null> {
  const res = await db.execute<Record<string, unknown>>(sql`
    select o.id, o.name, o.kind, o.kvk_number, o.municipality_id, m.name as municipality_name, o.parent_organisation_id,
           o.merged_into_id, mi.name as merged_into_name, o.deleted_at is not null as deleted, o.sector, o.street, o.house_number,
           o.postcode, o.city, o.website, o.contact_name, o.contact_email, o.contact_phone
      from ${organisations} o
      left join ${municipalities} m on m.id = o.municipality_id
      left join ${organisations} mi on mi.id = o.merged_into_id
     where o.id = ${id}
     ${lock ? sql`for update of o` : sql``}`);
  const r = res.rows[0];
  if (!r) return null;
  return {
    id: Number(r.id),
    name: String(r.name),
    kind: String(r.kind),
    kvkNumber: (r.kvk_number as string) ?? null,
    municipalityId: (r.municipality_id as number) ?? null,
    municipalityName: (r.municipality_name as string) ?? null,
    parentOrganisationId: (r.parent_organisation_id as number) ?? null,
    mergedIntoId: (r.merged_into_id as number) ?? null,
    mergedIntoName: (r.merged_into_name as string) ?? null,
    deleted: Boolean(r.deleted),
    sector: (r.sector as string) ?? null,
    street: (r.street as string) ?? null,
    houseNumber: (r.house_number as string) ?? null,
    postcode: (r.postcode as string) ?? null,
    city: (r.city as string) ?? null,
    website: (r.website as string) ?? null,
    contactName: (r.contact_name as string) ?? null,
    contactEmail: (r.contact_email as string) ?? null,
    contactPhone: (r.contact_phone as string) ?? null,
  };
}

/** Why an organisation cannot be the one that is kept (Dutch, for the page), or null. */
export function keptProblem(keep: MergeOrganisation): string | null {
  if (keep.mergedIntoId) return `${keep.name} is al samengevoegd met ${keep.mergedIntoName ?? 'een andere organisatie'}. Voeg samen vanuit die organisatie.`;
  if (keep.deleted) return `${keep.name} is verwijderd. Kies een organisatie die nog bestaat om te behouden.`;
  return null;
}

/** Why these two cannot be merged (Dutch, for the page), or null when they can. */
export function mergeProblem(keep: MergeOrganisation | null, dup: MergeOrganisation | null): string | null {
  if (!keep) return 'De organisatie die u wilt behouden bestaat niet.';
  if (!dup) return 'Kies de dubbele organisatie die u wilt samenvoegen.';
  if (keep.id === dup.id) return 'U kunt een organisatie niet met zichzelf samenvoegen. Kies een andere organisatie als dubbele.';
  const k = keptProblem(keep);
  if (k) return k;
  if (dup.mergedIntoId) return `${dup.name} is al samengevoegd met ${dup.mergedIntoName ?? 'een andere organisatie'}; er valt niets meer samen te voegen.`;
  if (dup.deleted) return `${dup.name} is verwijderd en kan niet meer worden samengevoegd.`;
  // Today's branch links: one organisation is a branch of one national organisation at a time.
  if (keep.parentOrganisationId != null && dup.parentOrganisationId != null && keep.parentOrganisationId !== dup.parentOrganisationId
      && keep.parentOrganisationId !== dup.id && dup.parentOrganisationId !== keep.id)
    return `${keep.name} en ${dup.name} zijn vestigingen van twee verschillende landelijke organisaties. Ontkoppel eerst de onjuiste vestiging bij dat lid van de Nationale Coalitie, en voeg daarna samen.`;
  return null;
}

/**
 * Why these two cannot be merged given their memberships (Dutch, for the page), or null:
 * - the duplicate is (or was) a National Coalition member and the kept organisation is a local one
 *   (with a municipality): its membership would make a local organisation a national member,
 *   which the screens and imports refuse; keep the national organisation instead;
 * - both are members of the same local coalition for overlapping periods: the kept organisation
 *   would be a member twice at once (counted twice, two roles at one time). That history has to
 *   be put right on the coalition page first (delete the duplicate's row entered by mistake, or
 *   end one of them); the message names the coalition.
 */
export async function membershipProblem(db: Db, keep: MergeOrganisation, dup: MergeOrganisation): Promise<string | null> {
  if (keep.municipalityId != null && (await activeNationalMember(db, dup.id))) {
    return `${dup.name} is lid van de Nationale Coalitie tegen Eenzaamheid en ${keep.name} is een lokale organisatie (${keep.municipalityName ?? 'met een gemeente'}). Leden van de Nationale Coalitie zijn landelijke organisaties. Behoud de landelijke organisatie: open ${dup.name} en voeg ${keep.name} daarmee samen. Is ${keep.name} een lokale vestiging? Koppel haar dan als vestiging bij het lid.`;
  }
  const res = await db.execute<{ name: string; cbs_code: string }>(sql`
    select distinct c.name, m.cbs_code
      from coalition_members a
      join coalition_members b on b.coalition_id = a.coalition_id
      join coalitions c on c.id = a.coalition_id and c.deleted_at is null
      join ${municipalities} m on m.id = c.municipality_id
     where a.organisation_id = ${keep.id} and b.organisation_id = ${dup.id}
       and a.deleted_at is null and b.deleted_at is null
       and (a.end_date is null or b.start_date < a.end_date)
       and (b.end_date is null or a.start_date < b.end_date)
     order by c.name`);
  if (res.rows.length) {
    const names = res.rows.map((r) => `${r.name} (${r.cbs_code})`).join(', ');
    const one = res.rows.length === 1;
    return `${keep.name} en ${dup.name} zijn in (een deel van) dezelfde periode allebei lid van ${one ? 'de lokale coalitie' : 'de lokale coalities'} ${names}. Na het samenvoegen zou de organisatie daar twee keer tegelijk lid zijn. Maak dat eerst in orde op de coalitiepagina: verwijder het dubbel ingevoerde lidmaatschap, of beëindig een van beide. Voeg daarna samen.`;
  }
  // Dated branch links: the kept organisation would be a branch of two national organisations at once.
  const links = await db.execute<{ a: string; b: string }>(sql`
    select pk.name as a, pd.name as b
      from branch_links kl join branch_links dl on dl.organisation_id = ${dup.id}
      join organisations pk on pk.id = kl.parent_organisation_id
      join organisations pd on pd.id = dl.parent_organisation_id
     where kl.organisation_id = ${keep.id} and kl.deleted_at is null and dl.deleted_at is null
       and kl.parent_organisation_id <> dl.parent_organisation_id
       and kl.parent_organisation_id <> ${dup.id} and dl.parent_organisation_id <> ${keep.id}
       and daterange(kl.linked_on, kl.unlinked_on) && daterange(dl.linked_on, dl.unlinked_on)
     limit 1`);
  if (links.rows[0])
    return `${keep.name} en ${dup.name} waren in dezelfde periode vestiging van twee verschillende landelijke organisaties (${links.rows[0].a} en ${links.rows[0].b}). Corrigeer eerst de onjuiste koppeling bij dat lid van de Nationale Coalitie, en voeg daarna samen.`;
  return null;
}

export interface MergePreview {
  /** Rows per reference that would move (only those with rows). */
  counts: { key: string; label: string; count: number }[];
  /** Both are National Coalition members: the earliest declaration date is kept. */
  bothNationalMembers: { keptDeclaration: string; duplicateDeclaration: string; earliest: string } | null;
  /** Empty fields of the kept organisation that get the duplicate's value. */
  filled: { field: (typeof FILL_FIELDS)[number]; label: string }[];
  /** The duplicate handles signals: its signal staff's view moves to the kept organisation. */
  movesSignals: boolean;
}

/** Counts per table of the rows that refer to `dupId` (deleted rows included: they move too). */
export async function referenceCounts(db: Db, dupId: number): Promise<Record<string, number>> {
  const parts = MERGE_REFERENCES.map((r) => sql`(select count(*)::int from ${ident(r.table)} where ${ident(r.column)} = ${dupId}) as ${ident(refKey(r))}`);
  const res = await db.execute<Record<string, number>>(sql`select ${sql.join(parts, sql`, `)}`);
  return Object.fromEntries(Object.entries(res.rows[0]!).map(([k, v]) => [k, Number(v)]));
}

async function activeNationalMember(db: Db, organisationId: number) {
  const [m] = await db
    .select()
    .from(nationalMembers)
    .where(and(eq(nationalMembers.organisationId, organisationId), isNull(nationalMembers.deletedAt)));
  return m ?? null;
}

export async function mergePreview(db: Db, keep: MergeOrganisation, dup: MergeOrganisation): Promise<MergePreview> {
  const [counts, km, dm] = await Promise.all([referenceCounts(db, dup.id), activeNationalMember(db, keep.id), activeNationalMember(db, dup.id)]);
  const filled = FILL_FIELDS.filter((f) => !keep[f] && dup[f]).map((f) => ({ field: f, label: FILL_FIELD_LABELS[f] }));
  return {
    counts: MERGE_REFERENCES.map((r) => ({ key: refKey(r), label: r.label, count: counts[refKey(r)] ?? 0 })).filter((c) => c.count > 0),
    bothNationalMembers:
      km && dm ? { keptDeclaration: km.declarationDate, duplicateDeclaration: dm.declarationDate, earliest: km.declarationDate < dm.declarationDate ? km.declarationDate : dm.declarationDate } : null,
    filled,
    movesSignals: (counts['signals.organisation_id'] ?? 0) + (counts['signal_points.organisation_id'] ?? 0) > 0,
  };
}

export type MergeResult =
  | { ok: true; moved: Record<string, number>; nationalMembership: MergePreview['bothNationalMembers']; filled: string[] }
  | { ok: false; problem: string };

/** Merges `dupId` into `keepId` in one transaction (see the module comment). */
export async function mergeOrganisations(db: Db, actx: AuditContext, keepId: number, dupId: number): Promise<MergeResult> {
  const result = await db.transaction(async (tx): Promise<MergeResult> => {
    const t = tx as unknown as Db;
    // Lock both rows in id order (two merges of the same pair cannot deadlock or interleave).
    const [first, second] = keepId < dupId ? [keepId, dupId] : [dupId, keepId];
    const a = await loadMergeOrganisation(t, first, true);
    const b = first === second ? a : await loadMergeOrganisation(t, second, true);
    const keep = keepId === first ? a : b;
    const dup = dupId === first ? a : b;
    const problem = mergeProblem(keep, dup) ?? (await membershipProblem(t, keep!, dup!));
    if (problem) return { ok: false, problem };
    const k = keep!.id;
    const d = dup!.id;
    const moved: Record<string, number> = {};
    const run = async (key: string, q: SQL) => {
      const r = await t.execute(q);
      moved[key] = (moved[key] ?? 0) + (r.rowCount ?? 0);
    };

    // National Coalition: one active membership per organisation. Both members: keep one row
    // with the earliest declaration date (active when either is), the duplicate's row is closed.
    const [km, dm] = [await activeNationalMember(t, k), await activeNationalMember(t, d)];
    let nationalMembership: MergePreview['bothNationalMembers'] = null;
    if (km && dm) {
      const earliest = km.declarationDate < dm.declarationDate ? km.declarationDate : dm.declarationDate;
      const leftOn = km.leftOn === null || dm.leftOn === null ? null : km.leftOn > dm.leftOn ? km.leftOn : dm.leftOn;
      const pledged = [km.pledgedActions, dm.pledgedActions].filter((x, i, all) => x && all.indexOf(x) === i).join('\n\n') || null;
      await t.update(nationalMembers).set({ deletedAt: new Date(), updatedAt: new Date() }).where(eq(nationalMembers.id, dm.id));
      await t.update(nationalMembers).set({ declarationDate: earliest, leftOn, pledgedActions: pledged, updatedAt: new Date() }).where(eq(nationalMembers.id, km.id));
      nationalMembership = { keptDeclaration: km.declarationDate, duplicateDeclaration: dm.declarationDate, earliest };
    }

    // Link tables with a composite key: add the kept organisation where missing, then drop the duplicate's rows.
    // (Counted by the duplicate's rows: a moment linked to both is still one moment that moved.)
    await t.execute(sql`insert into contact_moment_organisations (contact_moment_id, organisation_id)
          select contact_moment_id, ${k} from contact_moment_organisations where organisation_id = ${d}
          on conflict do nothing`);
    await run('contact_moment_organisations.organisation_id', sql`delete from contact_moment_organisations where organisation_id = ${d}`);
    // The same partner twice in one collaboration, or the same role twice for a user, is noise: drop those.
    await t.execute(sql`delete from collaboration_partners cp where cp.organisation_id = ${d} and cp.deleted_at is null
      and exists (select 1 from collaboration_partners o where o.collaboration_id = cp.collaboration_id and o.organisation_id = ${k} and o.deleted_at is null)`);
    await t.execute(sql`delete from user_roles ur where ur.organisation_id = ${d}
      and exists (select 1 from user_roles o where o.user_id = ur.user_id and o.role = ur.role and o.organisation_id = ${k}
                  and o.municipality_id is not distinct from ur.municipality_id)`);
    // Branch links between the two would make the kept organisation its own branch: corrected
    // away. When both are today a branch of the same organisation, one link remains, from the
    // earlier date (mergeProblem refuses two different parents).
    await t.execute(sql`update branch_links set deleted_at = now() where deleted_at is null
      and ((organisation_id = ${d} and parent_organisation_id = ${k}) or (organisation_id = ${k} and parent_organisation_id = ${d}))`);
    await t.execute(sql`update branch_links kl set linked_on = least(kl.linked_on, dl.linked_on)
      from branch_links dl
     where kl.organisation_id = ${k} and dl.organisation_id = ${d} and kl.parent_organisation_id = dl.parent_organisation_id
       and kl.unlinked_on is null and dl.unlinked_on is null and kl.deleted_at is null and dl.deleted_at is null`);
    await t.execute(sql`update branch_links dl set deleted_at = now()
     where dl.organisation_id = ${d} and dl.unlinked_on is null and dl.deleted_at is null
       and exists (select 1 from branch_links kl where kl.organisation_id = ${k} and kl.unlinked_on is null and kl.deleted_at is null)`);
    for (const r of MERGE_REFERENCES) {
      if (r.table === 'contact_moment_organisations') continue;
      // A corrected link between the two stays pointing at the (merged) duplicate: moved, it would link the kept one to itself.
      const not = r.table === 'organisations' ? sql` and id <> ${k}` : r.table === 'branch_links' ? sql` and ${ident(r.column === 'organisation_id' ? 'parent_organisation_id' : 'organisation_id')} <> ${k}` : sql``;
      await run(refKey(r), sql`update ${ident(r.table)} set ${ident(r.column)} = ${k} where ${ident(r.column)} = ${d}${not}`);
    }
    // Today's link of the kept organisation follows its open branch link (it may have come from the duplicate).
    await t.execute(sql`update organisations set parent_organisation_id = (
        select bl.parent_organisation_id from branch_links bl where bl.organisation_id = ${k} and bl.unlinked_on is null and bl.deleted_at is null),
        updated_at = now()
      where id = ${k}`);

    // The duplicate: soft-deleted, pointing at the kept organisation. Then fill the kept one's
    // empty fields (after the delete, so the KvK number's unique index allows it).
    await t.update(organisations).set({ mergedIntoId: k, deletedAt: new Date(), updatedAt: new Date() }).where(eq(organisations.id, d));
    const filled = FILL_FIELDS.filter((f) => !keep![f] && dup![f]);
    if (filled.length) {
      await t
        .update(organisations)
        .set({ ...Object.fromEntries(filled.map((f) => [f, dup![f]])), updatedAt: new Date() })
        .where(eq(organisations.id, k));
    }
    const counts = Object.fromEntries(Object.entries(moved).filter(([, n]) => n > 0));
    // Counts and field names only: no personal data in the audit log.
    await audit(t, actx, { action: 'merge', entity: 'organisation', entityId: k, details: { duplicateId: d, duplicateName: dup!.name, moved: counts, nationalMembership, filled } });
    await audit(t, actx, { action: 'merge', entity: 'organisation', entityId: d, details: { mergedIntoId: k, mergedIntoName: keep!.name } });
    return { ok: true, moved: counts, nationalMembership, filled: [...filled] };
  });
  if (result.ok) forgetApiKeys(); // keys of the duplicate now act for the kept organisation
  return result;
}

/**
 * Organisations to offer as the duplicate: a search (name, KvK number, city), or without a
 * search the likely duplicates (same KvK number, same or overlapping name). Not deleted, not
 * the kept one.
 */
export async function mergeCandidates(db: Db, keep: MergeOrganisation, q: string | undefined) {
  const like = q ? likePattern(q) : null;
  const res = await db.execute<{ id: number; name: string; kvk_number: string | null; municipality: string | null; kind: string }>(sql`
    select o.id, o.name, o.kvk_number, m.name as municipality, o.kind
      from ${organisations} o left join ${municipalities} m on m.id = o.municipality_id
     where o.deleted_at is null and o.id <> ${keep.id}
       and ${
         like
           ? sql`(o.name ilike ${like} or o.kvk_number ilike ${like} or o.city ilike ${like})`
           : sql`((${keep.kvkNumber}::text is not null and o.kvk_number = ${keep.kvkNumber})
                 or lower(o.name) = lower(${keep.name})
                 or o.name ilike ${likePattern(keep.name)}
                 or (length(o.name) >= 4 and ${keep.name} ilike '%' || replace(replace(replace(o.name, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%'))`
       }
     order by lower(o.name) = lower(${keep.name}) desc, lower(o.name), o.id
     limit 25`);
  return res.rows.map((r) => ({ id: r.id, name: r.name, kvkNumber: r.kvk_number, municipality: r.municipality, kind: r.kind }));
}
