import type { Db } from '../../platform/db/index.js';
import type { Principal } from '../../platform/access.js';
import type { TableColumn } from '../../platform/tabular.js';
import { PARTICIPATION_STATUS_LABELS, type ParticipationStatus } from './labels.js';
import {
  listMunicipalities,
  listParticipations,
  listProvincesWithCounts,
  SYSTEM_VIEWER,
  type MunicipalityFilter,
  type MunicipalityRow,
  type ParticipationFilter,
  type ParticipationRow,
} from './service.js';
import { organisationExportTable } from './organisations-service.js';
import { neighbourhoodExportTable } from './neighbourhoods-service.js';

/**
 * Exports of registry lists, shared by the admin screens (which pass the user and the current
 * filters) and the CLI command `export <entity>` (everything). The column headers are the ones
 * the imports read, so an export can be edited and imported again.
 *
 * To add an entity to the CLI, add an entry to EXPORTERS (key = the CLI name, plural).
 */

export interface ExportTable<T = any> {
  /** Audit-log entity name (singular), e.g. 'municipality'. */
  entity: string;
  sheetName: string;
  columns: TableColumn<T>[];
  rows: T[];
}

/** Builds one export: what `p` may see (default: everything, for the CLI). */
export type Exporter = (db: Db, p?: Principal) => Promise<ExportTable>;

/** Large enough for "all rows" of a registry list. */
export const EXPORT_ALL = 1_000_000;

const statusLabel = (s: string | null) => (s ? (PARTICIPATION_STATUS_LABELS[s as ParticipationStatus] ?? s) : null);

export const MUNICIPALITY_EXPORT_COLUMNS: TableColumn<MunicipalityRow>[] = [
  { header: 'cbs_code', value: (r) => r.cbsCode },
  { header: 'name', value: (r) => r.name },
  { header: 'province_code', value: (r) => r.provinceCode },
  { header: 'province_name', value: (r) => r.provinceName },
  { header: 'valid_from', value: (r) => r.validFrom },
  { header: 'valid_to', value: (r) => r.validTo },
  { header: 'population', value: (r) => r.population },
  { header: 'successor_code', value: (r) => r.successorCode },
  { header: 'participation_status', value: (r) => statusLabel(r.participationStatus) },
  { header: 'signed_on', value: (r) => r.signedOn },
  { header: 'stopped_on', value: (r) => r.stoppedOn },
];

export type ProvinceRow = Awaited<ReturnType<typeof listProvincesWithCounts>>[number];
export const PROVINCE_EXPORT_COLUMNS: TableColumn<ProvinceRow>[] = [
  { header: 'province_code', value: (r) => r.code },
  { header: 'province_name', value: (r) => r.name },
  { header: 'municipalities', value: (r) => r.municipalities },
  { header: 'participating', value: (r) => r.participating },
];

export const PARTICIPATION_EXPORT_COLUMNS: TableColumn<ParticipationRow>[] = [
  { header: 'cbs_code', value: (r) => r.cbsCode },
  { header: 'municipality', value: (r) => r.municipalityName },
  { header: 'province_code', value: (r) => r.provinceCode },
  { header: 'status', value: (r) => r.status },
  { header: 'status_label', value: (r) => statusLabel(r.status) },
  { header: 'signed_on', value: (r) => r.signedOn },
  { header: 'stopped_on', value: (r) => r.stoppedOn },
  { header: 'contact_name', value: (r) => r.contactName },
  { header: 'contact_email', value: (r) => r.contactEmail },
  { header: 'notes', value: (r) => r.notes },
  { header: 'joint_approach', value: (r) => r.jointApproachName },
  { header: 'joint_primary_code', value: (r) => r.primaryCbsCode },
];

export async function exportMunicipalities(db: Db, p: Principal = SYSTEM_VIEWER, f: Omit<MunicipalityFilter, 'page' | 'pageSize'> = { status: 'all' }): Promise<ExportTable<MunicipalityRow>> {
  const { rows } = await listMunicipalities(db, p, { ...f, page: 1, pageSize: EXPORT_ALL });
  return { entity: 'municipality', sheetName: 'Gemeenten', columns: MUNICIPALITY_EXPORT_COLUMNS, rows };
}

export async function exportProvinces(db: Db, p: Principal = SYSTEM_VIEWER): Promise<ExportTable<ProvinceRow>> {
  return { entity: 'province', sheetName: 'Provincies', columns: PROVINCE_EXPORT_COLUMNS, rows: await listProvincesWithCounts(db, p) };
}

export async function exportParticipations(db: Db, p: Principal = SYSTEM_VIEWER, f: Omit<ParticipationFilter, 'page' | 'pageSize'> = {}): Promise<ExportTable<ParticipationRow>> {
  const { rows } = await listParticipations(db, p, { ...f, page: 1, pageSize: EXPORT_ALL });
  return { entity: 'participation', sheetName: 'Deelnames', columns: PARTICIPATION_EXPORT_COLUMNS, rows };
}

/** CLI name -> exporter. Other parts of the registry add their lists here. */
export const EXPORTERS: Record<string, Exporter> = {
  municipalities: (db, p) => exportMunicipalities(db, p),
  provinces: (db, p) => exportProvinces(db, p),
  participations: (db, p) => exportParticipations(db, p),
  organisations: (db, p) => organisationExportTable(db, p),
  neighbourhoods: (db, p) => neighbourhoodExportTable(db, p),
};
