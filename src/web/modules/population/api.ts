import type { PersonDto } from '../../../common/geo.js';
import { http, withQuery } from '../../app/http.js';

/** Fields the resident import maps columns to (the server's IMPORT_FIELDS). */
export const IMPORT_FIELDS = [
  'name', 'idNumber', 'idType', 'phone', 'sex', 'birthDate', 'district', 'street', 'community', 'compound', 'building', 'entrance', 'room',
  'residentType', 'regionOfOrigin', 'vulnerable', 'tags',
] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

export interface ColumnMapping {
  /** 0-based column index. */
  column: number;
  header: string;
  /** The field it maps to, or null when the header is not recognised. */
  field: string | null;
}

/** POST /api/persons/import/preview */
export interface ImportPreview {
  fileName: string | null;
  format: 'csv' | 'xlsx';
  encoding: 'utf8' | 'gb18030' | 'utf16le' | 'utf16be' | null;
  headerRow: number;
  columns: ColumnMapping[];
  /** Required fields no column maps to. */
  missing: string[];
  /** The first rows as mapped, numbers masked. */
  rows: { row: number; values: Record<string, string> }[];
}

export interface ImportRowError {
  /** Row number as the spreadsheet shows it (header = 1). */
  row: number;
  field: string;
  code: string;
  /** `中文 (English)` */
  reason: string;
}

/** POST /api/persons/import (and the `details` of its 422 IMPORT_INVALID). */
export interface ImportReport {
  fileName: string | null;
  format: 'csv' | 'xlsx';
  encoding: 'utf8' | 'gb18030' | 'utf16le' | 'utf16be' | null;
  mode: 'all' | 'partial';
  dryRun: boolean;
  written: boolean;
  rows: number;
  valid: number;
  created: number;
  updated: number;
  unchanged: number;
  merged: number;
  households: number;
  failed: number;
  errors: ImportRowError[];
  errorsTruncated: boolean;
  columns: ColumnMapping[];
}

export interface MergeRecord {
  id: string;
  fromPersonId: string;
  intoPersonId: string;
  method: 'manual' | 'document';
  reason: string;
  at: number;
  actor: { id: string | null; name: string };
  details: Record<string, unknown>;
  journalSeq: number;
}

/** GET /api/persons/:id */
export interface PersonDetail extends PersonDto {
  mergedInto: string | null;
  merges: MergeRecord[];
}

/** GET /api/persons/:id/resident-code */
export interface ResidentCode {
  /** `BW2.<token>.<expiresAt>.<signature>` (an opaque token, no personal data): shown as a QR code. */
  payload: string;
  personId: string;
  issuedAt: number;
  /** Epoch ms; the code is refused after it. */
  expiresAt: number;
}

const p = (id: string) => `/api/persons/${encodeURIComponent(id)}`;

function fileForm(file: File): FormData {
  const form = new FormData();
  form.append('file', file, file.name);
  return form;
}

export const populationApi = {
  get: (id: string, signal?: AbortSignal) => http.get<PersonDetail>(p(id), undefined, signal),
  residentCode: (id: string, signal?: AbortSignal) => http.get<ResidentCode>(`${p(id)}/resident-code`, undefined, signal),
  /** Merges this (non-resident) record into `intoPersonId`; journaled, needs a reason. */
  merge: (id: string, intoPersonId: string, reason: string) => http.post<PersonDetail>(`${p(id)}/merge`, { intoPersonId, reason }),
  /** Reads the header and first rows of a file: the mapping, missing columns, the encoding. Writes nothing. */
  preview: (file: File) => http.upload<ImportPreview>('/api/persons/import/preview', fileForm(file)),
  /**
   * Validates (dryRun) or imports a file. mode `all`: any bad row → 422 IMPORT_INVALID whose
   * `details` is the report, nothing written; `partial`: the valid rows are written.
   */
  import: (file: File, o: { mode: 'all' | 'partial'; dryRun: boolean }) => http.upload<ImportReport>('/api/persons/import', fileForm(file), { mode: o.mode, dryRun: o.dryRun ? 'true' : 'false' }),
  /** Where the browser downloads the masked export (a plain link: the session cookie goes along). */
  exportUrl: (format: 'csv' | 'xlsx', jurisdictionId?: string) => withQuery('/api/persons/export', { format, jurisdictionId }),
  templateUrl: '/api/persons/import/template',
  /** The printable page of one building's resident codes. */
  residentCodesUrl: (buildingId: string) => withQuery('/api/persons/resident-codes', { buildingId }),
};
