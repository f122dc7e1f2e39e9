import type {
  AreaDetailDto,
  AreaDto,
  AreaStatus,
  DetectorReportDto,
  GenerateProposalsResultDto,
  RiskLevel,
  ZoningMapDto,
  ZoningSettingsDto,
} from '../../../common/zoning.js';
import type { AdjustAreaBody, CreateAreaBody, PublicZoningDto, PublishAreaBody, StepAreaBody } from '../../../server/modules/zoning/zoning.schemas.js';
import type { PresetParams } from '../../../server/modules/cases/presets.schema.js';
import { http, request, withQuery } from '../../app/http.js';

// Every shape comes from the server's zoning.schemas.ts or src/common/zoning.ts (type-only); nothing is restated here.

/** The active protocol preset, with its parameters typed (types only: no server code in the bundle). */
export interface ActivePreset {
  id: string;
  label: string;
  name: string;
  nameEn: string | null;
  params: PresetParams;
}

const a = (id: string) => `/api/zoning/areas/${encodeURIComponent(id)}`;

export const zoningApi = {
  areas: (q: { status?: AreaStatus; level?: RiskLevel; jurisdictionId?: string; limit?: number; offset?: number }, signal?: AbortSignal) =>
    http.get<{ items: AreaDto[]; total: number }>('/api/zoning/areas', q, signal),
  area: (id: string, signal?: AbortSignal) => http.get<AreaDetailDto>(a(id), undefined, signal),
  generate: (jurisdictionId?: string) => http.post<GenerateProposalsResultDto>('/api/zoning/proposals', jurisdictionId ? { jurisdictionId } : {}),
  create: (body: CreateAreaBody) => http.post<AreaDetailDto>('/api/zoning/areas', body),
  adjust: (id: string, body: AdjustAreaBody) => http.patch<AreaDetailDto>(a(id), body),
  publish: (id: string, body: PublishAreaBody) => http.post<AreaDetailDto>(`${a(id)}/publish`, body),
  reject: (id: string, reason: string) => http.post<AreaDetailDto>(`${a(id)}/reject`, { reason }),
  step: (id: string, body: StepAreaBody) => http.post<AreaDetailDto>(`${a(id)}/step`, body),
  decideExtension: (id: string, extensionId: string, body: { accept: boolean; reason: string }) =>
    http.post<AreaDetailDto>(`${a(id)}/extensions/${extensionId}`, body),
  justify: (id: string, justification: string) => http.post<AreaDetailDto>(`${a(id)}/justify`, { justification }),
  detector: (jurisdictionId: string | undefined, signal?: AbortSignal) => http.get<DetectorReportDto>('/api/zoning/detector', { jurisdictionId }, signal),
  /** Where the browser downloads the detector report (XLSX attachment). */
  detectorExportUrl: (jurisdictionId: string | undefined) => withQuery('/api/zoning/detector/export', { jurisdictionId }),
  settings: (signal?: AbortSignal) => http.get<ZoningSettingsDto>('/api/zoning/settings', undefined, signal),
  saveSettings: (ratioThreshold: number) => request<ZoningSettingsDto>('PUT', '/api/zoning/settings', { body: { ratioThreshold } }),
  map: (q: { jurisdictionId?: string; date?: string }, signal?: AbortSignal) => http.get<ZoningMapDto>('/api/zoning/map', q, signal),
  activePreset: (signal?: AbortSignal) => http.get<ActivePreset>('/api/presets/active', undefined, signal),
  caseBrief: (id: string, signal?: AbortSignal) =>
    http.get<{ id: string; nameMasked: string; kind: 'confirmed' | 'asymptomatic'; reportDate: string; clinicalStatus: string }>(
      `/api/cases/${encodeURIComponent(id)}`,
      undefined,
      signal,
    ),
};

/** Where the public GeoJSON export is served. */
export const PUBLIC_GEOJSON_URL = '/api/public/zoning/geojson';

export type PublicLoad = { ok: true; value: PublicZoningDto } | { ok: false; status: number; retryAfter: number | null };

/**
 * The public list, without the app's fetch wrapper: no session and no cookie (anyone may read
 * it), and a 503 is an expected answer under load, reported with its Retry-After seconds.
 */
export async function loadPublicZoning(signal?: AbortSignal): Promise<PublicLoad> {
  let res: Response;
  try {
    res = await fetch('/api/public/zoning', { headers: { accept: 'application/json' }, credentials: 'omit', signal });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    return { ok: false, status: 0, retryAfter: null };
  }
  if (res.ok) return { ok: true, value: (await res.json()) as PublicZoningDto };
  const ra = Number(res.headers.get('retry-after'));
  return { ok: false, status: res.status, retryAfter: Number.isFinite(ra) && ra > 0 ? Math.ceil(ra) : null };
}
