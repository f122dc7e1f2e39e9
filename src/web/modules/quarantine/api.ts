import type { TravellerDto } from '../../../common/cases.js';
import type { StayCategory, TravellerCategory, QuarantineMode, RoomStatus } from '../../../common/quarantine.js';
import type {
  ReleaseRequestDto,
  FacilityDetailDto,
  FacilityDto,
  RoomDto,
  StayDto,
  StayPlanDto,
} from '../../../server/modules/quarantine/quarantine.schemas.js';
import { http } from '../../app/http.js';
import type { FacilityBody, StayBody } from '../../../server/modules/quarantine/quarantine.schemas.js';
import type { TravellerBody } from '../../../server/modules/cases/cases.schemas.js';

export type { TravellerDto, StayCategory, TravellerCategory };
export type { ReleaseRequestDto, FacilityDetailDto, FacilityDto, QuarantineMode, RoomDto, RoomStatus, StayDto, StayPlanDto };

// Request bodies are the server's schemas (type-only imports: no server code reaches the bundle).
export type FacilityInput = FacilityBody;
export type AssignInput = StayBody;
export type TravellerInput = TravellerBody;

/** A room that can take one more person. */
export const hasFreeBed = (r: RoomDto) => (r.status === 'available' || r.status === 'occupied') && r.occupants < r.capacity;

const f = (id: string) => `/api/quarantine/facilities/${encodeURIComponent(id)}`;
const st = (id: string) => `/api/quarantine/stays/${encodeURIComponent(id)}`;

export const quarantineApi = {
  facilities: (q: { active?: 'true' | 'false'; page?: number; pageSize?: number } = {}, signal?: AbortSignal) =>
    http.get<{ items: FacilityDto[]; total: number }>('/api/quarantine/facilities', q, signal),
  facility: (id: string, signal?: AbortSignal) => http.get<FacilityDetailDto>(f(id), undefined, signal),
  createFacility: (input: FacilityInput) => http.post<FacilityDto>('/api/quarantine/facilities', input),
  updateFacility: (id: string, body: Partial<Omit<FacilityInput, 'jurisdictionId'>> & { active?: boolean }) => http.patch<FacilityDto>(f(id), body),
  createRooms: (id: string, rooms: { number: string; floor: number; capacity?: number }[]) => http.post<{ items: RoomDto[] }>(`${f(id)}/rooms`, { rooms }),
  setRoomStatus: (id: string, roomId: string, status: Exclude<RoomStatus, 'occupied'>) =>
    http.post<RoomDto>(`${f(id)}/rooms/${encodeURIComponent(roomId)}/status`, { status }),

  travellers: (q: { personId?: string; category?: TravellerCategory; page?: number; pageSize?: number } = {}, signal?: AbortSignal) =>
    http.get<{ items: TravellerDto[]; total: number }>('/api/travellers', q, signal),
  traveller: (id: string, signal?: AbortSignal) => http.get<TravellerDto>(`/api/travellers/${encodeURIComponent(id)}`, undefined, signal),
  registerTraveller: (input: TravellerInput) => http.post<TravellerDto>('/api/travellers', input),
  arrivalTest: (id: string, body: { entryPoint: string; testedAt: number; result?: 'negative' | 'positive' | null; resultRef?: string | null }) =>
    http.post<TravellerDto>(`/api/travellers/${encodeURIComponent(id)}/arrival-tests`, body),
  transfer: (id: string, note?: string | null) => http.post<StayDto>(`${st(id)}/transfer`, { note: note ?? null }),
  plan: (q: { mode: QuarantineMode; category?: StayCategory; exposureDate?: string }, signal?: AbortSignal) =>
    http.get<StayPlanDto>('/api/quarantine/plan', q, signal),
  stays: (q: { status?: 'active' | 'released'; facilityId?: string; page?: number; pageSize?: number } = {}, signal?: AbortSignal) =>
    http.get<{ items: StayDto[]; total: number }>('/api/quarantine/stays', q, signal),
  stay: (id: string, signal?: AbortSignal) => http.get<StayDto>(st(id), undefined, signal),
  assign: (input: AssignInput) => http.post<StayDto>('/api/quarantine/stays', input),
  recordTest: (id: string, body: { day: number; result: 'negative' | 'positive' }) => http.post<StayDto>(`${st(id)}/tests`, body),
  /** Releases a stay whose criteria are met; an early release is `requestEarlyRelease`. */
  release: (id: string) => http.post<StayDto>(`${st(id)}/release`, {}),
  requestEarlyRelease: (id: string, reason: string) => http.post<ReleaseRequestDto>(`${st(id)}/release-requests`, { reason }),
  releaseRequests: (q: { status?: ReleaseRequestDto['status']; stayId?: string; page?: number; pageSize?: number } = {}, signal?: AbortSignal) =>
    http.get<{ items: ReleaseRequestDto[]; total: number }>('/api/quarantine/release-requests', q, signal),
  decideRelease: (requestId: string, decision: 'approve' | 'reject', note?: string | null) =>
    http.post<ReleaseRequestDto>(`/api/quarantine/release-requests/${encodeURIComponent(requestId)}/decision`, { decision, note: note ?? null }),
};
