/**
 * The declared type of the container's `QuarantineService` (this file imports no service file). The
 * factory is typed to return it; `services.types.ts` names it.
 */
import type { DbOrTx, Tx } from '../../db/dialect.js';
import type { Actor } from '../../platform/actor.js';

/** The QuarantineService facade as the container holds it (what `createQuarantineService` returns). */
export interface QuarantineService {
  setPresetSource: (fn: import('./quarantine.shared.js').PresetSource | null) => void;
  activePreset: (trx?: DbOrTx) => Promise<import('./quarantine.shared.js').ActivePreset>;
  plan: (
    input: {
      mode: 'central' | 'home';
      category?: import('../../../common/quarantine.js').StayCategory | null;
      exposureDate?: string | null;
    },
    db?: DbOrTx,
    under?: {
      id: string;
      key: string;
      label: string;
      name: string;
      params: import('../cases/index.js').PresetParams;
    },
  ) => Promise<import('./quarantine.schemas.js').StayPlanDto>;
  createFacility: (
    trx: DbOrTx | undefined,
    actor: Actor,
    input: import('./quarantine.shared.js').FacilityInput,
  ) => Promise<import('./quarantine.schemas.js').FacilityDto>;
  updateFacility: (
    trx: DbOrTx | undefined,
    actor: Actor,
    id: string,
    input: Partial<Omit<import('./quarantine.shared.js').FacilityInput, 'jurisdictionId'>> & {
      active?: boolean;
    },
  ) => Promise<import('./quarantine.schemas.js').FacilityDto>;
  getFacility: (
    actor: Actor,
    id: string,
    db?: DbOrTx,
  ) => Promise<
    import('./quarantine.schemas.js').FacilityDto & {
      rooms: import('./quarantine.schemas.js').RoomDto[];
    }
  >;
  listFacilities: (
    actor: Actor,
    q?: {
      active?: boolean;
      page?: number;
      pageSize?: number;
    },
    db?: DbOrTx,
  ) => Promise<{
    items: import('./quarantine.schemas.js').FacilityDto[];
    total: number;
  }>;
  createRooms: (
    trx: DbOrTx | undefined,
    actor: Actor,
    facilityId: string,
    rooms: {
      number: string;
      floor: number;
      capacity?: number;
    }[],
  ) => Promise<import('./quarantine.schemas.js').RoomDto[]>;
  setRoomStatus: (
    trx: DbOrTx | undefined,
    actor: Actor,
    facilityId: string,
    roomId: string,
    status: Exclude<import('./quarantine.shared.js').RoomStatus, 'occupied'>,
  ) => Promise<import('./quarantine.schemas.js').RoomDto>;
  occupancyCheck: (
    facilityId: string,
    db?: DbOrTx,
  ) => Promise<{
    counters: import('./quarantine.schemas.js').OccupancyDto;
    recount: import('./quarantine.schemas.js').OccupancyDto;
  }>;
  assign: (trx: DbOrTx | undefined, actor: Actor, input: import('./quarantine.shared.js').AssignInput) => Promise<import('./quarantine.schemas.js').StayDto>;
  getStay: (actor: Actor, id: string, db?: DbOrTx) => Promise<import('./quarantine.schemas.js').StayDto>;
  listStays: (
    actor: Actor,
    q?: {
      status?: 'active' | 'released';
      facilityId?: string;
      page?: number;
      pageSize?: number;
    },
    db?: DbOrTx,
  ) => Promise<{
    items: import('./quarantine.schemas.js').StayDto[];
    total: number;
  }>;
  recordTest: (
    trx: DbOrTx | undefined,
    actor: Actor,
    stayId: string,
    input: {
      day: number;
      result: 'negative' | 'positive';
    },
  ) => Promise<import('./quarantine.schemas.js').StayDto>;
  release: (trx: DbOrTx | undefined, actor: Actor, stayId: string) => Promise<import('./quarantine.schemas.js').StayDto>;
  requestEarlyRelease: (
    trx: DbOrTx | undefined,
    actor: Actor,
    stayId: string,
    input: {
      reason?: unknown;
    },
  ) => Promise<import('./quarantine.schemas.js').ReleaseRequestDto>;
  decideEarlyRelease: (
    trx: DbOrTx | undefined,
    actor: Actor,
    requestId: string,
    input: {
      decision: 'approve' | 'reject';
      note?: unknown;
    },
  ) => Promise<import('./quarantine.schemas.js').ReleaseRequestDto>;
  listReleaseRequests: (
    actor: Actor,
    q?: {
      status?: import('./quarantine.schemas.js').ReleaseRequestDto['status'];
      stayId?: string;
      page?: number;
      pageSize?: number;
    },
    db?: DbOrTx,
  ) => Promise<{
    items: import('./quarantine.schemas.js').ReleaseRequestDto[];
    total: number;
  }>;
  recordTransfer: (
    trx: DbOrTx | undefined,
    actor: Actor,
    stayId: string,
    input?: {
      note?: string | null;
    },
  ) => Promise<import('./quarantine.schemas.js').StayDto>;
  setBasisFacts: (fn: import('./quarantine.shared.js').BasisFactsSource | null) => void;
  /** Runs the overdue-release check now (the recurring job calls it every minute). */
  checkOverdue: (trx: Tx, actor?: Actor) => Promise<number>;
  /** For the situation home page: active stays past their end, not released (`prefix` null = city). */
  overdueReleases: (prefix: string | null, db?: DbOrTx) => Promise<number>;
}
