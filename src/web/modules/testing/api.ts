import type { z } from 'zod';
import type * as s from '../../../server/modules/testing/testing.schemas.js';
import { http } from '../../app/http.js';

// Response shapes come straight from the server's zod schemas (types only: nothing of the server
// reaches the bundle), so the pages cannot drift from the API.
export type Campaign = z.infer<typeof s.campaign>;
export type CampaignStatus = Campaign['status'];
export type Coverage = z.infer<typeof s.coverage>;
export type CoverageNode = z.infer<typeof s.coverageNode>;
export type CoverageCollection = z.infer<typeof s.coverageFeatureCollection>;
export type Unsampled = z.infer<typeof s.unsampledList>;
export type HomeSamplingResult = z.infer<typeof s.homeSamplingResult>;
export type Supplies = z.infer<typeof s.supplies>;
export type Flag = z.infer<typeof s.flag>;
export type FlagList = z.infer<typeof s.flagList>;
export type FlagKind = Flag['kind'];
export type Site = z.infer<typeof s.site>;
export type SiteKind = Site['kind'];
export type NotReady = z.infer<typeof s.notReadyList>;
export type Uncovered = z.infer<typeof s.uncoveredList>;
export type Tube = z.infer<typeof s.tube>;
export type TubeStatus = Tube['status'];
export type Trace = z.infer<typeof s.trace>;
export type BatchOp = z.input<typeof s.batchBody>['items'][number];
export type BatchItemResult = z.infer<typeof s.batchItemResult>;
export type BatchResult = z.infer<typeof s.batchResult>;
export type ReceiveResult = z.infer<typeof s.receiveResult>;
export type ResultOutcome = z.infer<typeof s.resultOutcome>;
export type ImportResult = z.infer<typeof s.importResult>;
export type RowReport = ImportResult['report'][number];
export type Recheck = z.infer<typeof s.recheck>;
export type RecheckStatus = Recheck['status'];
export type RecheckSampleResult = z.infer<typeof s.recheckSampleResult>;
export type CapacityPlan = z.infer<typeof s.capacityPlan>;
export type CapacityRow = z.infer<typeof s.capacityRow>;
export type PoolAdvice = z.infer<typeof s.poolAdvice>;
export type LookupResult = z.infer<typeof s.lookupResult>;
export type LookupStatus = LookupResult['samples'][number]['status'];
export type CreateCampaignInput = z.input<typeof s.createCampaignBody>;
export type CreateSiteInput = z.input<typeof s.createSiteBody>;
export type TestResult = NonNullable<Tube['result']>;

export const POOL_SIZES = [1, 5, 10, 20] as const;
export const SITE_KINDS = ['vacant_flat', 'idle_warehouse', 'open_land', 'tent', 'fixed_clinic'] as const;
export const READINESS_ASPECTS = ['rain', 'heat', 'wind', 'cold'] as const;
export type ReadinessAspect = (typeof READINESS_ASPECTS)[number];
export const RESULTS = ['negative', 'positive', 'suspicious', 'invalid'] as const;
export const FLAG_KINDS = ['person_sampled_twice', 'conflicting_results', 'tube_reused', 'tube_over_pool', 'device_time_out_of_range'] as const;
export const VULNERABLE_FOR_HOME = ['bedridden', 'elderly_alone', 'dialysis', 'pregnant', 'chronic', 'child_without_carer'] as const;

/** Tube barcodes: 8–20 upper-case letters and digits (the server's rule). */
export const BARCODE_PATTERN = /^[A-Z0-9]{8,20}$/;

const c = (id: string) => `/api/testing/campaigns/${encodeURIComponent(id)}`;

export const testingApi = {
  // Campaigns and coverage
  campaigns: (q: { status?: CampaignStatus; limit?: number; offset?: number }, signal?: AbortSignal) =>
    http.get<{ items: Campaign[]; total: number }>('/api/testing/campaigns', { ...q }, signal),
  campaign: (id: string, signal?: AbortSignal) => http.get<Campaign>(c(id), undefined, signal),
  createCampaign: (input: CreateCampaignInput) => http.post<Campaign>('/api/testing/campaigns', input),
  activate: (id: string) => http.post<Campaign>(`${c(id)}/activate`),
  close: (id: string) => http.post<Campaign>(`${c(id)}/close`),
  coverage: (id: string, jurisdictionId: string | undefined, signal?: AbortSignal) => http.get<Coverage>(`${c(id)}/coverage`, { jurisdictionId }, signal),
  coverageGeojson: (id: string, q: { rootId?: string; level?: 'district' | 'street' | 'community' | 'compound' | 'building' }, signal?: AbortSignal) =>
    http.get<CoverageCollection>(`${c(id)}/coverage/geojson`, q, signal),
  unsampled: (id: string, buildingId: string, signal?: AbortSignal) =>
    http.get<Unsampled>(`${c(id)}/buildings/${encodeURIComponent(buildingId)}/unsampled`, undefined, signal),
  homeSampling: (id: string, body: { jurisdictionId: string; flags?: string[]; dueHours?: number }) =>
    http.post<HomeSamplingResult>(`${c(id)}/home-sampling`, body),
  supplies: (id: string, q: { margin?: number; prevalence?: number }, signal?: AbortSignal) => http.get<Supplies>(`${c(id)}/supplies`, q, signal),
  flags: (id: string, q: { kind?: FlagKind; reviewed?: 'true' | 'false'; limit?: number; offset?: number }, signal?: AbortSignal) =>
    http.get<FlagList>(`${c(id)}/flags`, q, signal),
  reviewFlag: (flagId: string, note: string) => http.post<Flag>(`/api/testing/flags/${encodeURIComponent(flagId)}/review`, { note }),

  // Sites
  sites: (q: { jurisdictionId?: string; kind?: SiteKind; active?: 'true' | 'false'; limit?: number; offset?: number }, signal?: AbortSignal) =>
    http.get<{ items: Site[]; total: number }>('/api/testing/sites', q, signal),
  createSite: (input: CreateSiteInput) => http.post<Site>('/api/testing/sites', input),
  updateSite: (id: string, body: Partial<CreateSiteInput> & { active?: boolean }) => http.patch<Site>(`/api/testing/sites/${encodeURIComponent(id)}`, body),
  checkReadiness: (id: string, body: { aspect: ReadinessAspect; ready: boolean; note?: string }) =>
    http.post<Site>(`/api/testing/sites/${encodeURIComponent(id)}/readiness`, body),
  notReady: (q: { jurisdictionId?: string }, signal?: AbortSignal) => http.get<NotReady>('/api/testing/sites/not-ready', q, signal),
  uncovered: (q: { jurisdictionId?: string; radiusM?: number }, signal?: AbortSignal) =>
    http.get<Uncovered>('/api/testing/sites/uncovered-compounds', q, signal),

  // Tubes and scans
  tubes: (q: { campaignId?: string; status?: TubeStatus; barcode?: string; limit?: number; offset?: number }, signal?: AbortSignal) =>
    http.get<{ items: Tube[]; total: number; totalCapped: boolean }>('/api/testing/tubes', q, signal),
  tube: (id: string, signal?: AbortSignal) => http.get<Tube>(`/api/testing/tubes/${encodeURIComponent(id)}`, undefined, signal),
  trace: (id: string, signal?: AbortSignal) => http.get<Trace>(`/api/testing/tubes/${encodeURIComponent(id)}/trace`, undefined, signal),
  /** Open/scan/close operations in order, one transaction; each answered applied, duplicate or rejected. */
  batch: (items: BatchOp[]) => http.post<BatchResult>('/api/testing/scans/batch', { items }),

  // Lab
  receive: (body: { boxCode: string; barcodes: string[]; campaignId?: string; mode?: 'all' | 'partial' }) =>
    http.post<ReceiveResult>('/api/testing/lab/receive', body),
  recordResult: (body: { barcode: string; result: TestResult; ctOrf1ab?: number | null; ctN?: number | null; lab: string; campaignId?: string }) =>
    http.post<ResultOutcome>('/api/testing/lab/results', body),
  /** mode `all` (default): any bad row → 422 IMPORT_INVALID with the rejected rows in `details`. */
  importResults: (csv: string, mode: 'all' | 'partial') => http.post<ImportResult>('/api/testing/lab/results/import', { csv, mode }),

  // Rechecks
  rechecks: (
    q: { campaignId?: string; status?: RecheckStatus; handover?: 'pending' | 'acknowledged'; limit?: number; offset?: number },
    signal?: AbortSignal,
  ) => http.get<z.infer<typeof s.recheckList>>('/api/testing/rechecks', q, signal),
  sampleRecheck: (id: string, body: { clientId: string; barcode: string; residentCode?: string; idNumber?: string }) =>
    http.post<RecheckSampleResult>(`/api/testing/rechecks/${encodeURIComponent(id)}/sample`, body),

  // Planning
  capacity: (q: { jurisdictionId?: string; campaignId?: string; throughput?: number; hours?: number }, signal?: AbortSignal) =>
    http.get<CapacityPlan>('/api/testing/planning/capacity', q, signal),
  poolSize: (q: { prevalence: number; population?: number; area?: 'sealed' | 'controlled' | 'elsewhere' }, signal?: AbortSignal) =>
    http.get<PoolAdvice>('/api/testing/planning/pool-size', q, signal),
};
