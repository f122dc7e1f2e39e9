import type { ImportPreviewDto, ImportReportDto, PersonDetailDto, ResidentCodeDto } from '../../../server/modules/population/population.schemas.js';
import { http, withQuery } from '../../app/http.js';

// The shapes are the server's schemas (type-only imports: no server code reaches the bundle).
export type ImportPreview = ImportPreviewDto;
export type ImportReport = ImportReportDto;
/** One rejected row of an import: row number as the spreadsheet shows it (header = 1). */
export type ImportRowError = ImportReportDto['errors'][number];
export type PersonDetail = PersonDetailDto;
export type ResidentCode = ResidentCodeDto;

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
  import: (file: File, o: { mode: 'all' | 'partial'; dryRun: boolean }) =>
    http.upload<ImportReport>('/api/persons/import', fileForm(file), { mode: o.mode, dryRun: o.dryRun ? 'true' : 'false' }),
  /** Where the browser downloads the masked export (a plain link: the session cookie goes along). */
  exportUrl: (format: 'csv' | 'xlsx', jurisdictionId?: string) => withQuery('/api/persons/export', { format, jurisdictionId }),
  templateUrl: '/api/persons/import/template',
  /** The printable page of one building's resident codes. */
  residentCodesUrl: (buildingId: string) => withQuery('/api/persons/resident-codes', { buildingId }),
};
