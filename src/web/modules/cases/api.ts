import type {
  AssistDto,
  AssistStatus,
  CaseDetailDto,
  CaseDto,
  CaseKind,
  ClinicalStatus,
  ClusterDto,
  ClusterGraphDto,
  ContactBody,
  ContactCategory,
  ContactDto,
  ContactListDto,
  DetectionChannel,
  PlaceDto,
  PresetDto,
} from '../../../common/cases.js';
import type { RecheckDto, RecheckList } from '../../../server/modules/testing/testing.schemas.js';
import { http } from '../../app/http.js';
import type { CaseList, CaseListItem, ClusterBoard } from '../../../server/modules/cases/cases.schemas.js';
import type { CompanionBatchDto, CompanionCandidateDto } from '../../../server/modules/companions/companions.schemas.js';

// Every shape is a server schema's inferred type (src/common/cases.ts re-exports the cases ones); nothing is restated here.
export type { RecheckDto };
/** A row of the recheck list: the recheck and its residence node's name. */
export type RecheckListItem = RecheckList['items'][number];
/** A row of the case list: the case and its residence node's name. */
export type { CaseListItem };

const c = (id: string) => `/api/cases/${encodeURIComponent(id)}`;
const b = (id: string) => `/api/companions/batches/${encodeURIComponent(id)}`;

export const casesApi = {
  // ---- cases
  list: (q: { kind?: CaseKind; channel?: DetectionChannel; clusterId?: string; cursor?: string; limit?: number }, signal?: AbortSignal) =>
    http.get<CaseList>('/api/cases', q, signal),
  get: (id: string, signal?: AbortSignal) => http.get<CaseDetailDto>(c(id), undefined, signal),
  confirm: (body: { handoverId: string; kind: CaseKind; onsetDate?: string | null; reason: string }) =>
    http.post<CaseDto>('/api/cases/confirm-from-recheck', body),
  setSource: (id: string, sourceCaseId: string | null, reason: string) => http.post<CaseDto>(`${c(id)}/source`, { sourceCaseId, reason }),
  setClinical: (id: string, status: ClinicalStatus, reason?: string) =>
    http.post<CaseDto>(`${c(id)}/clinical-status`, { status, ...(reason ? { reason } : {}) }),
  markCoreDone: (id: string) => http.post<CaseDto>(`${c(id)}/core-investigation`),
  /** Positive single-tube rechecks handed to the cases module and not yet confirmed. */
  pendingRechecks: (signal?: AbortSignal) => http.get<RecheckList>('/api/testing/rechecks', { handover: 'pending', limit: 100 }, signal),

  // ---- investigation
  places: (id: string, signal?: AbortSignal) => http.get<{ items: PlaceDto[] }>(`${c(id)}/places`, undefined, signal),
  addPlace: (
    id: string,
    body: { jurisdictionId?: string | null; lng?: number | null; lat?: number | null; description?: string | null; fromAt: number; toAt: number },
  ) => http.post<PlaceDto>(`${c(id)}/places`, body),
  contacts: (id: string, signal?: AbortSignal) => http.get<{ items: ContactDto[] }>(`${c(id)}/contacts`, undefined, signal),
  addContact: (id: string, body: ContactBody) => http.post<ContactDto>(`${c(id)}/contacts`, body),
  listContacts: (q: { category?: ContactCategory; caseId?: string; personId?: string; cursor?: string; limit?: number }, signal?: AbortSignal) =>
    http.get<ContactListDto>('/api/contacts', q, signal),
  closeContact: (id: string, reason: string) => http.post<ContactDto>(`/api/contacts/${encodeURIComponent(id)}/close`, { reason }),

  // ---- 协查
  assists: (q: { direction?: 'outgoing' | 'incoming'; status?: AssistStatus; limit?: number; offset?: number }, signal?: AbortSignal) =>
    http.get<{ items: AssistDto[] }>('/api/cases/assist-requests', q, signal),
  recordIncoming: (body: {
    region: string;
    subjectName: string;
    jurisdictionId: string;
    category?: 'close' | 'secondary' | 'case' | null;
    note?: string | null;
    externalRef?: string | null;
  }) => http.post<AssistDto>('/api/cases/assist-requests/incoming', body),
  setAssistStatus: (id: string, status: Exclude<AssistStatus, 'pending'>, note?: string | null) =>
    http.post<AssistDto>(`/api/cases/assist-requests/${encodeURIComponent(id)}/status`, { status, note: note ?? null }),

  // ---- clusters
  board: (signal?: AbortSignal) => http.get<ClusterBoard>('/api/clusters/board', undefined, signal),
  cluster: (id: string, signal?: AbortSignal) => http.get<ClusterDto>(`/api/clusters/${encodeURIComponent(id)}`, undefined, signal),
  renameCluster: (id: string, name: string) => http.post<ClusterDto>(`/api/clusters/${encodeURIComponent(id)}/rename`, { name }),
  graph: (id: string, q: { category?: ContactCategory; kind?: CaseKind; contacts?: 'true' | 'false' }, signal?: AbortSignal) =>
    http.get<ClusterGraphDto>(`/api/clusters/${encodeURIComponent(id)}/graph`, q, signal),

  // ---- presets
  presets: (signal?: AbortSignal) => http.get<{ items: PresetDto[] }>('/api/presets', undefined, signal),
  createPreset: (body: { key: string; name: string; nameEn?: string | null; params: unknown }) => http.post<PresetDto>('/api/presets', body),
  activatePreset: (id: string, reason: string) => http.post<PresetDto>(`/api/presets/${encodeURIComponent(id)}/activate`, { reason }),

  // ---- companions
  batches: (q: { page?: number; pageSize?: number }, signal?: AbortSignal) =>
    http.get<{ items: CompanionBatchDto[]; total: number }>('/api/companions/batches', q, signal),
  batch: (id: string, signal?: AbortSignal) => http.get<CompanionBatchDto>(b(id), undefined, signal),
  detect: (body: { personId: string; caseId?: string | null; windowDays?: number; minOverlapMinutes?: number; minTotalMinutes?: number }) =>
    http.post<CompanionBatchDto>('/api/companions/batches', body),
  accept: (id: string, candidateId: string, body: { category?: ContactCategory; note?: string | null }) =>
    http.post<CompanionCandidateDto>(`${b(id)}/candidates/${encodeURIComponent(candidateId)}/accept`, body),
  reject: (id: string, candidateId: string, reason: string) =>
    http.post<CompanionCandidateDto>(`${b(id)}/candidates/${encodeURIComponent(candidateId)}/reject`, { reason }),
  importPings: (file: File) => {
    const form = new FormData();
    form.append('file', file);
    return http.upload<{ importId: string; imported: number; rejected: number; rows: { line: number; errors: string[] }[] }>(
      '/api/companions/pings/import',
      form,
    );
  },
};
