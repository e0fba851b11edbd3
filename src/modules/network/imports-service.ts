import crypto from 'node:crypto';
import { and, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../platform/db/index.js';
import { audit, type AuditContext } from '../../platform/audit.js';
import { emailField, isIsoDate, normaliseDate } from '../../platform/http/forms.js';
import { HttpError } from '../../platform/http/errors.js';
import { validateRows, type RowProblem } from '../../platform/tabular.js';
import { cbsCodeField } from '../registry/service.js';
import { isHttpUrl, municipalitiesByCode, municipalityCodeProblem, uniqueViolation } from '../registry/organisations-service.js';
import { organisations, participations } from '../registry/schema.js';
import type { OrganisationKind } from '../registry/labels.js';
import type { ImportColumnHelp } from '../registry/tabular-views.js';
import { coalitionMembers, coalitions, nationalMembers } from './schema.js';
import {
  COALITION_SECTOR_LABELS,
  COALITION_SECTORS,
  MEMBER_ROLE_LABELS,
  MEMBER_ROLES,
  NATIONAL_SECTOR_LABELS,
  NATIONAL_SECTORS,
  type CoalitionSector,
  type MemberRole,
  type NationalSector,
} from './model.js';

/**
 * Imports of the network (issue 5 point 7), programme team only:
 * (a) National Coalition members and (b) members of local coalitions, from CSV or XLSX.
 *
 * Two steps: the upload is checked completely and either lists every problem (row, column,
 * message; nothing is saved) or shows a preview of what will happen per row; only the
 * confirmation writes, in one transaction, after checking everything again against the database
 * as it is then. Duplicates are found before anything is created: an organisation is the same
 * when the KvK number matches, or the name (any case) within the same municipality (national
 * organisations: no municipality). Existing organisations are reused, never duplicated; a
 * membership that already exists is skipped and the preview says which and why.
 */

/** A file must fit in one confirmation form (the rows travel back in it): larger files are split. */
export const MAX_IMPORT_ROWS = 2000;
/** No dates before the programme (2018). */
const EARLIEST = '2018-01-01';

// ---------------------------------------------------------------------------------------
// Fields

const blank = (v: unknown) => (typeof v === 'string' ? (v.trim() === '' ? undefined : v.trim()) : v);
const text = (max: number) => z.preprocess(blank, z.string().max(max, `Gebruik hoogstens ${max} tekens.`).optional());
const nameField = z.preprocess(
  (v) => (typeof v === 'string' ? v.trim().replace(/\s+/g, ' ') : v),
  z.string({ message: 'Vul de naam van de organisatie in.' }).min(1, 'Vul de naam van de organisatie in.').max(200, 'Gebruik voor de naam hoogstens 200 tekens.'),
);
const kvkField = z.preprocess((v) => (typeof v === 'string' ? blank(v.replace(/[\s.]/g, '')) : v), z.string().regex(/^\d{8}$/, 'Een KvK-nummer bestaat uit precies 8 cijfers, zoals 41201234.').optional());
const DATE_MSG = 'Vul een geldige datum in, zoals 2021-03-15 of 15-03-2021.';
const requiredDate = (missing: string) => z.preprocess(normaliseDate, z.string({ message: missing }).refine(isIsoDate, DATE_MSG));
const optionalDate = z.preprocess(normaliseDate, z.string().refine(isIsoDate, DATE_MSG).optional());

/** A code from a code list, given as the code or its Dutch label (any case; the label without its part in brackets too). */
export function codeFrom<C extends string>(codes: readonly C[], labels: Record<C, string>) {
  return (v: unknown): unknown => {
    if (typeof v !== 'string') return v;
    const s = v.trim().toLowerCase();
    if (!s) return undefined;
    for (const c of codes) {
      const l = labels[c].toLowerCase();
      if (s === c || s === l || s === l.replace(/\s*\(.*\)\s*$/, '')) return c;
    }
    return v;
  };
}

const listMessage = (what: string, codes: readonly string[], labels: Record<string, string>) =>
  `Onbekende ${what}. Gebruik een van: ${codes.map((c) => `${c} (${labels[c]})`).join(', ')}.`;

// ---------------------------------------------------------------------------------------
// (a) National Coalition members

export const NATIONAL_IMPORT_COLUMNS: ImportColumnHelp[] = [
  { header: 'organisation_name', required: true, description: 'Naam van de landelijke organisatie.' },
  { header: 'kvk_number', description: 'KvK-nummer (8 cijfers). Vindt een bestaande organisatie, ook als de naam anders is geschreven.' },
  { header: 'sector', required: true, description: `Sector: ${NATIONAL_SECTORS.map((s) => `${s} (${NATIONAL_SECTOR_LABELS[s]})`).join(', ')}. De Nederlandse omschrijving mag ook.` },
  { header: 'declaration_date', required: true, description: 'Datum van de intentieverklaring, zoals 2019-03-15 of 15-03-2019. Niet in de toekomst.' },
  { header: 'left_on', description: 'Datum waarop de organisatie het lidmaatschap beëindigde (leeg als zij nog lid is).' },
  { header: 'pledged_actions', description: 'Toegezegde acties (vrije tekst).' },
  { header: 'website', description: 'Website, beginnend met http:// of https://. Alleen gebruikt voor een nieuwe organisatie.' },
];

export const nationalImportSchema = z
  .object({
    organisation_name: nameField,
    kvk_number: kvkField,
    sector: z.preprocess(codeFrom(NATIONAL_SECTORS, NATIONAL_SECTOR_LABELS), z.enum(NATIONAL_SECTORS, { message: listMessage('sector', NATIONAL_SECTORS, NATIONAL_SECTOR_LABELS) })),
    declaration_date: requiredDate('Vul de datum van de intentieverklaring in.'),
    left_on: optionalDate,
    pledged_actions: text(4000),
    website: z.preprocess(blank, z.string().max(300, 'Gebruik hoogstens 300 tekens.').refine(isHttpUrl, 'Vul een volledig webadres in dat begint met http:// of https://.').optional()),
  })
  .transform((r) => ({
    name: r.organisation_name,
    kvkNumber: r.kvk_number,
    sector: r.sector as NationalSector,
    declarationDate: r.declaration_date,
    leftOn: r.left_on,
    pledgedActions: r.pledged_actions,
    website: r.website,
  }));
export type NationalImportRow = z.infer<typeof nationalImportSchema>;

// ---------------------------------------------------------------------------------------
// (b) Members of local coalitions

export const COALITION_IMPORT_COLUMNS: ImportColumnHelp[] = [
  { header: 'municipality_code', required: true, description: 'CBS-code van de gemeente van de lokale coalitie, zoals GM0344. Heeft de gemeente nog geen coalitie, dan wordt die aangemaakt.' },
  { header: 'organisation_name', required: true, description: 'Naam van de organisatie (binnen de gemeente).' },
  { header: 'kvk_number', description: 'KvK-nummer (8 cijfers).' },
  { header: 'role', required: true, description: `Rol: ${MEMBER_ROLES.map((r) => `${r} (${MEMBER_ROLE_LABELS[r]})`).join(', ')}.` },
  { header: 'sector', required: true, description: `Sector: ${COALITION_SECTORS.map((s) => `${s} (${COALITION_SECTOR_LABELS[s]})`).join(', ')}.` },
  { header: 'start_date', required: true, description: 'Lid vanaf, zoals 2021-09-01. Niet in de toekomst.' },
  { header: 'end_date', description: 'Lid tot (leeg als de organisatie nog lid is). Op of na de begindatum, niet in de toekomst.' },
  { header: 'contact_name', description: 'Contactpersoon bij de organisatie voor de coalitie.' },
  { header: 'contact_email', description: 'E-mailadres van de contactpersoon.' },
];

export const coalitionImportSchema = z
  .object({
    municipality_code: cbsCodeField(),
    organisation_name: nameField,
    kvk_number: kvkField,
    role: z.preprocess(codeFrom(MEMBER_ROLES, MEMBER_ROLE_LABELS), z.enum(MEMBER_ROLES, { message: listMessage('rol', MEMBER_ROLES, MEMBER_ROLE_LABELS) })),
    sector: z.preprocess(codeFrom(COALITION_SECTORS, COALITION_SECTOR_LABELS), z.enum(COALITION_SECTORS, { message: listMessage('sector', COALITION_SECTORS, COALITION_SECTOR_LABELS) })),
    start_date: requiredDate('Vul de datum in vanaf wanneer de organisatie lid is.'),
    end_date: optionalDate,
    contact_name: text(200),
    contact_email: emailField(false),
  })
  .transform((r) => ({
    municipalityCode: r.municipality_code,
    name: r.organisation_name,
    kvkNumber: r.kvk_number,
    role: r.role as MemberRole,
    sector: r.sector as CoalitionSector,
    startDate: r.start_date,
    endDate: r.end_date,
    contactName: r.contact_name,
    contactEmail: r.contact_email,
  }));
export type CoalitionImportRow = z.infer<typeof coalitionImportSchema>;

/** The kind of a new organisation from its coalition sector (the register's own list). */
const KIND_OF_SECTOR: Record<CoalitionSector, OrganisationKind> = {
  municipality: 'municipality',
  care_welfare: 'welfare',
  self_organisations: 'volunteer',
  culture: 'other',
  sport: 'other',
  housing: 'housing',
  financial: 'business',
  business: 'business',
  education: 'education',
  religious: 'church',
  media: 'business',
  police: 'government',
  gp_health: 'care',
  other: 'other',
};

// ---------------------------------------------------------------------------------------
// Plans: what happens per row

export interface PlanLine {
  line: number;
  organisation: string;
  /** Where: the municipality (coalition members) or "Landelijk". */
  place: string;
  /** 'new' = a new organisation; otherwise the existing one found and how. */
  orgAction: 'new' | 'kvk' | 'name';
  /** Key of the organisation within the plan (new ones are created once). */
  orgKey: string;
  /** Existing organisation id. */
  organisationId: number | null;
  existingName: string | null;
  membership: 'add' | 'skip';
  /** Why a membership is skipped, or what else happens (a new coalition). */
  note: string | null;
}

export interface ImportPlan<R> {
  kind: 'national' | 'coalition';
  lines: PlanLine[];
  rows: R[];
  /** Coalitions to create (coalition members only): municipality id → name. */
  newCoalitions: { municipalityId: number; name: string }[];
  summary: { rows: number; newOrganisations: number; existingOrganisations: number; add: number; skip: number; newCoalitions: number };
}

export type PlanResult<R> = { ok: true; plan: ImportPlan<R> } | { ok: false; problems: RowProblem[] };

interface OrgRef {
  id: number;
  name: string;
  kvkNumber: string | null;
  municipalityId: number | null;
}

const nameKey = (name: string, municipalityId: number | null) => `${municipalityId ?? 0}\u0000${name.toLowerCase()}`;

/** Finds an existing organisation: the KvK number first, else the name within the municipality. */
function matcher(existing: OrgRef[]) {
  const byKvk = new Map(existing.filter((o) => o.kvkNumber).map((o) => [o.kvkNumber!, o]));
  const byName = new Map(existing.map((o) => [nameKey(o.name, o.municipalityId), o]));
  return (row: { name: string; kvkNumber?: string }, municipalityId: number | null, line: number): { org: OrgRef | null; by: 'kvk' | 'name' | null; problem: RowProblem | null } => {
    if (row.kvkNumber) {
      const k = byKvk.get(row.kvkNumber);
      if (k) return { org: k, by: 'kvk', problem: null };
    }
    const n = byName.get(nameKey(row.name, municipalityId));
    if (n && row.kvkNumber && n.kvkNumber && n.kvkNumber !== row.kvkNumber) {
      return {
        org: null,
        by: null,
        problem: { line, field: 'kvk_number', reason: `Er bestaat al een organisatie "${n.name}" ${municipalityId == null ? '(landelijk)' : 'in deze gemeente'} met een ander KvK-nummer (${n.kvkNumber}). Controleer het KvK-nummer of de naam.` },
      };
    }
    return n ? { org: n, by: 'name', problem: null } : { org: null, by: null, problem: null };
  };
}

async function existingOrganisations(db: Db): Promise<OrgRef[]> {
  return db
    .select({ id: organisations.id, name: organisations.name, kvkNumber: organisations.kvkNumber, municipalityId: organisations.municipalityId })
    .from(organisations)
    .where(isNull(organisations.deletedAt));
}

/**
 * Keeps new organisations within one file consistent: the same KvK number must mean the same
 * name, and the same name (per municipality) the same KvK number.
 */
function fileOrganisations() {
  const byKvk = new Map<string, { key: string; line: number; name: string }>();
  const byName = new Map<string, { kvk: string | undefined; line: number }>();
  return (row: { name: string; kvkNumber?: string }, municipalityId: number | null, line: number): RowProblem | null => {
    const nk = nameKey(row.name, municipalityId);
    if (row.kvkNumber) {
      const k = byKvk.get(row.kvkNumber);
      if (k && k.key !== nk) return { line, field: 'kvk_number', reason: `Dit KvK-nummer staat op regel ${k.line} bij een andere organisatie (${k.name}).` };
      if (!k) byKvk.set(row.kvkNumber, { key: nk, line, name: row.name });
    }
    const n = byName.get(nk);
    if (n && n.kvk && row.kvkNumber && n.kvk !== row.kvkNumber) return { line, field: 'kvk_number', reason: `Deze organisatie staat op regel ${n.line} met een ander KvK-nummer (${n.kvk}).` };
    if (!n || (!n.kvk && row.kvkNumber)) byName.set(nk, { kvk: row.kvkNumber ?? n?.kvk, line: n?.line ?? line });
    return null;
  };
}

function futureOrEarly(date: string | undefined, field: string, today: string, line: number, what: string): RowProblem | null {
  if (!date) return null;
  if (date > today) return { line, field, reason: `${what} ligt in de toekomst. Leg alleen vast wat al is gebeurd.` };
  if (date < EARLIEST) return { line, field, reason: `${what} ligt vóór 2018, toen het programma begon. Controleer de datum.` };
  return null;
}

function summarise<R>(kind: ImportPlan<R>['kind'], lines: PlanLine[], rows: R[], newCoalitions: ImportPlan<R>['newCoalitions']): ImportPlan<R> {
  const newOrgs = new Set(lines.filter((l) => l.orgAction === 'new').map((l) => l.orgKey));
  const existing = new Set(lines.filter((l) => l.orgAction !== 'new').map((l) => l.organisationId));
  return {
    kind,
    lines,
    rows,
    newCoalitions,
    summary: {
      rows: lines.length,
      newOrganisations: newOrgs.size,
      existingOrganisations: existing.size,
      add: lines.filter((l) => l.membership === 'add').length,
      skip: lines.filter((l) => l.membership === 'skip').length,
      newCoalitions: newCoalitions.length,
    },
  };
}

const tooMany = (n: number): RowProblem[] =>
  n > MAX_IMPORT_ROWS ? [{ line: 1, field: '(bestand)', reason: `Het bestand heeft ${n} regels; importeer hoogstens ${MAX_IMPORT_ROWS} regels per keer. Splits het bestand in delen.` }] : [];

/** Checks a National Coalition member file completely and plans every row. */
export async function planNationalImport(db: Db, raw: Record<string, string>[], today: string): Promise<PlanResult<NationalImportRow>> {
  const big = tooMany(raw.length);
  if (big.length) return { ok: false, problems: big };
  const [orgs, members] = await Promise.all([
    existingOrganisations(db),
    db.select({ organisationId: nationalMembers.organisationId, declarationDate: nationalMembers.declarationDate }).from(nationalMembers).where(isNull(nationalMembers.deletedAt)),
  ]);
  const memberOf = new Map(members.map((m) => [m.organisationId, m.declarationDate]));
  const match = matcher(orgs);
  const inFile = fileOrganisations();
  const seen = new Map<string, number>();
  const lines: PlanLine[] = [];
  const check = (row: NationalImportRow, line: number): RowProblem[] => {
    const problems: RowProblem[] = [];
    const d1 = futureOrEarly(row.declarationDate, 'declaration_date', today, line, 'De datum van de intentieverklaring');
    if (d1) problems.push(d1);
    if (row.leftOn && row.leftOn < row.declarationDate) problems.push({ line, field: 'left_on', reason: 'De datum van vertrek ligt vóór de datum van de intentieverklaring.' });
    else if (row.leftOn && row.leftOn > today) problems.push({ line, field: 'left_on', reason: 'De datum van vertrek ligt in de toekomst. Leg een vertrek vast als het is gebeurd.' });
    const m = match(row, null, line);
    if (m.problem) problems.push(m.problem);
    // A KvK number can find a local organisation (names are matched among national ones only): the screens refuse those as members.
    if (m.org && m.org.municipalityId != null) {
      problems.push({
        line,
        field: 'kvk_number',
        reason: `Dit KvK-nummer hoort bij ${m.org.name}, een lokale organisatie. Leden van de Nationale Coalitie zijn landelijke organisaties; een lokale vestiging koppelt u aan het landelijke lid. Controleer het KvK-nummer.`,
      });
    }
    const f = m.org ? null : inFile(row, null, line);
    if (f) problems.push(f);
    // One membership per organisation: the same organisation twice in the file is a duplicate.
    const key = m.org ? `id:${m.org.id}` : row.kvkNumber ? `kvk:${row.kvkNumber}` : `name:${row.name.toLowerCase()}`;
    const first = seen.get(key) ?? (row.kvkNumber ? undefined : seen.get(`name:${row.name.toLowerCase()}`));
    if (first) problems.push({ line, field: 'organisation_name', reason: `Deze organisatie staat ook op regel ${first}. Een organisatie is één keer lid van de Nationale Coalitie.` });
    else {
      seen.set(key, line);
      seen.set(`name:${row.name.toLowerCase()}`, line);
    }
    if (problems.length) return problems;
    const since = m.org ? memberOf.get(m.org.id) : undefined;
    lines.push({
      line,
      organisation: row.name,
      place: 'Landelijk',
      orgAction: m.org ? m.by! : 'new',
      orgKey: m.org ? `id:${m.org.id}` : nameKey(row.name, null),
      organisationId: m.org?.id ?? null,
      existingName: m.org?.name ?? null,
      membership: since ? 'skip' : 'add',
      note: since ? `Is al lid van de Nationale Coalitie (intentieverklaring van ${since}); deze regel wordt overgeslagen.` : null,
    });
    return [];
  };
  const result = await validateRows(raw, nationalImportSchema, check, { required: NATIONAL_IMPORT_COLUMNS.filter((c) => c.required).map((c) => c.header) });
  if (!result.ok) return result;
  return { ok: true, plan: summarise('national', lines, result.rows, []) };
}

/** Checks a coalition member file completely and plans every row. */
export async function planCoalitionImport(db: Db, raw: Record<string, string>[], today: string): Promise<PlanResult<CoalitionImportRow>> {
  const big = tooMany(raw.length);
  if (big.length) return { ok: false, problems: big };
  const [byCode, orgs, coals, joint, memberships] = await Promise.all([
    municipalitiesByCode(db),
    existingOrganisations(db),
    db.select({ id: coalitions.id, name: coalitions.name, municipalityId: coalitions.municipalityId, jointApproachId: coalitions.jointApproachId }).from(coalitions).where(isNull(coalitions.deletedAt)),
    db.select({ municipalityId: participations.municipalityId, jointApproachId: participations.jointApproachId }).from(participations).where(isNull(participations.deletedAt)),
    db
      .select({ coalitionId: coalitionMembers.coalitionId, organisationId: coalitionMembers.organisationId, role: coalitionMembers.role, startDate: coalitionMembers.startDate, endDate: coalitionMembers.endDate })
      .from(coalitionMembers)
      .where(isNull(coalitionMembers.deletedAt)),
  ]);
  const coalitionOfMunicipality = new Map(coals.map((c) => [c.municipalityId, c]));
  const coalitionOfJoint = new Map(coals.filter((c) => c.jointApproachId).map((c) => [c.jointApproachId!, c]));
  const jointOf = new Map(joint.filter((j) => j.jointApproachId).map((j) => [j.municipalityId, j.jointApproachId!]));
  const match = matcher(orgs);
  const inFile = fileOrganisations();
  const lines: PlanLine[] = [];
  const newCoalitions = new Map<number, string>();
  /** Memberships in the file so far, per coalition × organisation key. */
  const fileMemberships = new Map<string, { line: number; start: string; end: string | null }[]>();
  const overlaps = (a: { start: string; end: string | null }, b: { start: string; end: string | null }) => (b.end === null || a.start < b.end) && (a.end === null || b.start < a.end);
  const roleLabel = (r: string) => MEMBER_ROLE_LABELS[r as MemberRole] ?? r;

  const check = (row: CoalitionImportRow, line: number): RowProblem[] => {
    const m = byCode.get(row.municipalityCode);
    const mp = municipalityCodeProblem(row.municipalityCode, m);
    if (mp) return [{ line, field: 'municipality_code', reason: mp }];
    const municipality = m!;
    const problems: RowProblem[] = [];
    const d1 = futureOrEarly(row.startDate, 'start_date', today, line, 'De begindatum');
    if (d1) problems.push(d1);
    if (row.endDate && row.endDate < row.startDate) problems.push({ line, field: 'end_date', reason: 'De einddatum ligt vóór de begindatum. Kies een einddatum op of na de begindatum.' });
    else if (row.endDate && row.endDate > today) problems.push({ line, field: 'end_date', reason: 'De einddatum ligt in de toekomst. Leg het einde van een lidmaatschap vast als het is gebeurd (laat de einddatum nu leeg).' });
    const found = match(row, municipality.id, line);
    if (found.problem) problems.push(found.problem);
    const f = found.org ? null : inFile(row, municipality.id, line);
    if (f) problems.push(f);
    if (problems.length) return problems;

    // The coalition: the municipality's own, that of its joint approach, or a new one.
    const ja = jointOf.get(municipality.id);
    const coalition = coalitionOfMunicipality.get(municipality.id) ?? (ja ? coalitionOfJoint.get(ja) : undefined);
    let note: string | null = null;
    if (!coalition) {
      if (!newCoalitions.has(municipality.id)) newCoalitions.set(municipality.id, `Lokale coalitie ${municipality.name}`);
      note = `${municipality.name} heeft nog geen lokale coalitie: die wordt aangemaakt (zonder fase).`;
    }
    const coalitionKey = coalition ? `c${coalition.id}` : `m${municipality.id}`;
    const orgKey = found.org ? `id:${found.org.id}` : nameKey(row.name, municipality.id);
    const period = { start: row.startDate, end: row.endDate ?? null };

    // Against the file: the same organisation twice in one coalition for overlapping periods.
    const fk = `${coalitionKey}|${orgKey}`;
    const earlier = (fileMemberships.get(fk) ?? []).find((x) => overlaps(x, period));
    if (earlier) return [{ line, field: 'start_date', reason: `Deze organisatie staat op regel ${earlier.line} al als lid van deze coalitie in (een deel van) dezelfde periode.` }];
    fileMemberships.set(fk, [...(fileMemberships.get(fk) ?? []), { line, ...period }]);

    // Against the database: the same membership is skipped; an overlapping one in another role is a problem.
    let membership: PlanLine['membership'] = 'add';
    if (coalition && found.org) {
      const current = memberships.filter((x) => x.coalitionId === coalition.id && x.organisationId === found.org!.id && overlaps({ start: x.startDate, end: x.endDate }, period));
      const same = current.find((x) => x.role === row.role);
      if (same) {
        membership = 'skip';
        note = `Is al ${roleLabel(same.role).toLowerCase()} lid van ${coalition.name} sinds ${same.startDate}${same.endDate ? ` (tot ${same.endDate})` : ''}; deze regel wordt overgeslagen.`;
      } else if (current.length) {
        const c = current[0]!;
        return [
          {
            line,
            field: 'role',
            reason: `Deze organisatie is in deze periode al lid van ${coalition.name} met een andere rol (${roleLabel(c.role)}, vanaf ${c.startDate}). Beëindig dat lidmaatschap eerst op de coalitiepagina, of pas de data aan.`,
          },
        ];
      }
    }
    lines.push({
      line,
      organisation: row.name,
      place: municipality.name,
      orgAction: found.org ? found.by! : 'new',
      orgKey,
      organisationId: found.org?.id ?? null,
      existingName: found.org?.name ?? null,
      membership,
      note,
    });
    return [];
  };
  const result = await validateRows(raw, coalitionImportSchema, check, { required: COALITION_IMPORT_COLUMNS.filter((c) => c.required).map((c) => c.header) });
  if (!result.ok) return result;
  return { ok: true, plan: summarise('coalition', lines, result.rows, [...newCoalitions].map(([municipalityId, name]) => ({ municipalityId, name }))) };
}

/** A fingerprint of what a plan will do: the confirmation refuses to write when it changed since the preview. */
export function planFingerprint(plan: ImportPlan<unknown>): string {
  const essence = { lines: plan.lines.map((l) => [l.line, l.orgAction, l.organisationId, l.membership]), coalitions: plan.newCoalitions };
  return crypto.createHash('sha256').update(JSON.stringify(essence)).digest('hex').slice(0, 32);
}

export interface ImportOutcome {
  newOrganisations: number;
  existingOrganisations: number;
  added: number;
  skipped: number;
  newCoalitions: number;
}

const conflict = () =>
  new HttpError(409, 'conflict', 'Tijdens het importeren heeft iemand anders een van deze organisaties, coalities of lidmaatschappen vastgelegd. Er is niets opgeslagen; upload het bestand opnieuw.');

/** Writes a planned National Coalition import in one transaction. */
export async function writeNationalImport(db: Db, actx: AuditContext, plan: ImportPlan<NationalImportRow>, meta: { filename: string }): Promise<ImportOutcome> {
  try {
    return await db.transaction(async (tx) => {
      const t = tx as unknown as Db;
      const created = new Map<string, number>();
      let added = 0;
      for (const [i, l] of plan.lines.entries()) {
        if (l.membership === 'skip') continue;
        const r = plan.rows[i]!;
        let orgId = l.organisationId ?? created.get(l.orgKey);
        if (!orgId) {
          const [o] = await t
            .insert(organisations)
            .values({ name: r.name, kind: 'national_partner', sector: NATIONAL_SECTOR_LABELS[r.sector], kvkNumber: r.kvkNumber ?? null, municipalityId: null, website: r.website ?? null })
            .returning({ id: organisations.id });
          orgId = o.id;
          created.set(l.orgKey, orgId);
        }
        await t.insert(nationalMembers).values({ organisationId: orgId, sector: r.sector, declarationDate: r.declarationDate, leftOn: r.leftOn ?? null, pledgedActions: r.pledgedActions ?? null });
        added += 1;
      }
      const outcome: ImportOutcome = { newOrganisations: created.size, existingOrganisations: plan.summary.existingOrganisations, added, skipped: plan.summary.skip, newCoalitions: 0 };
      await audit(t, actx, {
        action: 'import',
        entity: 'national_member',
        details: { file: meta.filename, ...outcome, skippedLines: plan.lines.filter((l) => l.membership === 'skip').map((l) => l.line) },
      });
      return outcome;
    });
  } catch (e) {
    if (uniqueViolation(e) !== null) throw conflict();
    throw e;
  }
}

/** Writes a planned coalition member import in one transaction. */
export async function writeCoalitionImport(db: Db, actx: AuditContext, plan: ImportPlan<CoalitionImportRow>, meta: { filename: string }): Promise<ImportOutcome> {
  const byCode = await municipalitiesByCode(db);
  try {
    return await db.transaction(async (tx) => {
      const t = tx as unknown as Db;
      const coalitionFor = new Map<number, number>();
      for (const c of plan.newCoalitions) {
        const [row] = await t.insert(coalitions).values({ name: c.name, municipalityId: c.municipalityId }).returning({ id: coalitions.id });
        coalitionFor.set(c.municipalityId, row.id);
      }
      const existingCoalitions = await t
        .select({ id: coalitions.id, municipalityId: coalitions.municipalityId, jointApproachId: coalitions.jointApproachId })
        .from(coalitions)
        .where(isNull(coalitions.deletedAt));
      const joint = await t
        .select({ municipalityId: participations.municipalityId, jointApproachId: participations.jointApproachId })
        .from(participations)
        .where(and(isNull(participations.deletedAt), sql`${participations.jointApproachId} is not null`));
      const jointOf = new Map(joint.map((j) => [j.municipalityId, j.jointApproachId]));
      const coalitionOf = (municipalityId: number) =>
        coalitionFor.get(municipalityId) ??
        existingCoalitions.find((c) => c.municipalityId === municipalityId)?.id ??
        existingCoalitions.find((c) => c.jointApproachId != null && c.jointApproachId === jointOf.get(municipalityId))?.id;
      const created = new Map<string, number>();
      let added = 0;
      for (const [i, l] of plan.lines.entries()) {
        if (l.membership === 'skip') continue;
        const r = plan.rows[i]!;
        const municipalityId = byCode.get(r.municipalityCode)!.id;
        let orgId = l.organisationId ?? created.get(l.orgKey);
        if (!orgId) {
          const [o] = await t
            .insert(organisations)
            .values({ name: r.name, kind: KIND_OF_SECTOR[r.sector], sector: COALITION_SECTOR_LABELS[r.sector], kvkNumber: r.kvkNumber ?? null, municipalityId, city: null })
            .returning({ id: organisations.id });
          orgId = o.id;
          created.set(l.orgKey, orgId);
        }
        const coalitionId = coalitionOf(municipalityId);
        if (!coalitionId) throw conflict();
        await t.insert(coalitionMembers).values({
          coalitionId,
          organisationId: orgId,
          role: r.role,
          sector: r.sector,
          startDate: r.startDate,
          endDate: r.endDate ?? null,
          contactName: r.contactName ?? null,
          contactEmail: r.contactEmail ?? null,
        });
        added += 1;
      }
      const outcome: ImportOutcome = {
        newOrganisations: created.size,
        existingOrganisations: plan.summary.existingOrganisations,
        added,
        skipped: plan.summary.skip,
        newCoalitions: plan.newCoalitions.length,
      };
      await audit(t, actx, {
        action: 'import',
        entity: 'coalition_member',
        details: { file: meta.filename, ...outcome, skippedLines: plan.lines.filter((l) => l.membership === 'skip').map((l) => l.line) },
      });
      return outcome;
    });
  } catch (e) {
    if (uniqueViolation(e) !== null) throw conflict();
    throw e;
  }
}
