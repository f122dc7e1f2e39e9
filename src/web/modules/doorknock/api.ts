import type { z } from 'zod';
import type * as s from '../../../server/modules/doorknock/doorknock.schemas.js';
import { http } from '../../app/http.js';

// Shapes from the server's zod schemas (types only).
export type KnockList = z.infer<typeof s.knockList>;
export type KnockResident = KnockList['toKnock'][number];
export type KnockOutcome = z.infer<typeof s.knockBody>['outcome'];
export type Building = z.infer<typeof s.buildingsResponse>['items'][number];
export type KnockResult = z.infer<typeof s.knockResult>;

/** The outcomes in the order the buttons show them (the server's enum, restated only as an order). */
export const OUTCOME_ORDER: readonly KnockOutcome[] = ['sampled_at_home', 'not_at_home', 'refused', 'moved_away', 'away_from_city', 'in_hospital'];

export const doorknockApi = {
  buildings: (q: { code?: string; q?: string }, signal?: AbortSignal) => http.get<{ items: Building[] }>('/api/doorknock/buildings', q, signal),
  list: (campaignId: string, buildingId: string, signal?: AbortSignal) =>
    http.get<KnockList>(`/api/doorknock/campaigns/${encodeURIComponent(campaignId)}/buildings/${encodeURIComponent(buildingId)}`, undefined, signal),
  knock: (campaignId: string, body: { personId: string; outcome: KnockOutcome; note?: string }) =>
    http.post<KnockResult>(`/api/doorknock/campaigns/${encodeURIComponent(campaignId)}/knocks`, body),
  phone: (personId: string, reason: string) => http.post<{ value: string }>(`/api/doorknock/persons/${encodeURIComponent(personId)}/phone`, { reason }),
};
