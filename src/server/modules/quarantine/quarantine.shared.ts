/**
 * What the quarantine sub-services share: the error catalogue, the inputs the module takes from
 * outside (`QuarantineInputs`: narrow functions, no container), the stay and facility types, the
 * row → DTO mappers and the scope-checked loaders.
 */
import { inScope, type Actor } from '../../platform/actor.js';
import { calendarDay, type Clock } from '../../platform/clock.js';
import { defineErrors } from '../../platform/errors.js';
import type { Db, DbOrTx, Tx } from '../../db/dialect.js';
import { flag } from '../../db/row-values.js';
import type { JobService } from '../../platform/jobs/jobs.types.js';
import type { JournalService } from '../../platform/journal/journal.types.js';
import type { OutboxService } from '../../platform/outbox/outbox.types.js';
import type { TaskService } from '../../platform/tasks/tasks.types.js';
import type { PresetParams } from '../cases/index.js';
import type { BasisType, ControlStatus } from '../control/index.js';
import type { ControlPort } from '../control/control.port.js';
import { dayCounter, type PlannedPhase, type StayPhase } from './quarantine.plan.js';
import * as repo from './quarantine.repository.js';
import type { StayCategory } from '../../../common/quarantine.js';
import type { FacilityDto, OccupancyDto, ReleaseRequestDto, RoomDto, StayDto } from './quarantine.schemas.js';
import type {
  QuarantineFacilitiesTable,
  QuarantineReleaseRequestsTable,
  QuarantineRoomsTable,
  QuarantineStaysTable,
  QuarantineTestsTable,
} from './quarantine.table.js';

export const QuarantineErrors = defineErrors({
  QUARANTINE_FACILITY_NOT_FOUND: [404, 'Quarantine facility not found'],
  QUARANTINE_FACILITY_INACTIVE: [422, 'The facility is not in service'],
  QUARANTINE_ROOM_NOT_FOUND: [404, 'Room not found in this facility'],
  QUARANTINE_ROOM_FULL: [409, 'The room has no free bed (or is being cleaned / out of service)'],
  QUARANTINE_NO_FREE_ROOM: [409, 'The facility has no free room'],
  QUARANTINE_ROOM_NUMBER_TAKEN: [409, 'A room with this number already exists in the facility'],
  QUARANTINE_ROOM_STATUS_INVALID: [409, 'This room status change is not allowed'],
  QUARANTINE_JURISDICTION_NOT_FOUND: [422, 'The jurisdiction does not exist or lies outside your scope'],
  QUARANTINE_PERSON_NOT_FOUND: [404, 'Person not found'],
  QUARANTINE_ALREADY_ACTIVE: [409, 'The person already has an active quarantine stay'],
  QUARANTINE_MODE_INVALID: [422, 'Central quarantine needs a facility; home quarantine takes none'],
  QUARANTINE_EXPOSURE_INVALID: [422, 'The exposure date is not valid (in the future, or the whole stay is already over)'],
  QUARANTINE_EXPOSURE_REQUIRED: [
    422,
    'exposureDate: the basis records no last-exposure (or arrival) date; enter it (a stay is never counted from the placement day)',
  ],
  QUARANTINE_EXPOSURE_AFTER_PLACEMENT: [422, 'exposureDate lies after the placement day (or in the future)'],
  QUARANTINE_BASIS_MISMATCH: [422, 'The basis record belongs to another person, or has no schedule under the active preset'],
  QUARANTINE_TEST_NOT_APPLICABLE: [422, 'The person was placed after this test day: it is not applicable'],
  QUARANTINE_TRANSFER_NOT_DUE: [409, 'No point-to-point transfer is due: the stay is not at the end of its central phase'],
  QUARANTINE_RULE_EMPTY: [422, 'The active preset defines no quarantine for this category'],
  QUARANTINE_STAY_NOT_FOUND: [404, 'Quarantine stay not found'],
  QUARANTINE_STAY_RELEASED: [409, 'The stay has already been released'],
  QUARANTINE_TEST_DAY_UNKNOWN: [422, 'This day is not a scheduled test day of the stay'],
  QUARANTINE_RELEASE_EARLY: [422, 'Release criteria not met (end date not reached or tests pending/positive): an override with a reason is required'],
  QUARANTINE_CONCURRENT_CHANGE: [409, 'The stay or room was changed by someone else first; reload and retry'],
  QUARANTINE_UNIT_NOT_FOUND: [404, 'Unit not found'],
  QUARANTINE_RELEASE_REQUEST_NOT_FOUND: [404, 'Early-release request not found'],
  QUARANTINE_RELEASE_REQUEST_PENDING: [409, 'An early-release request for this stay is already pending'],
  QUARANTINE_RELEASE_REQUEST_DECIDED: [409, 'The early-release request has already been decided'],
  QUARANTINE_RELEASE_CRITERIA_MET: [409, 'The release criteria are met: release the stay normally, no early-release request is needed'],
  QUARANTINE_RELEASE_SAME_PERSON: [403, 'An early release needs a second person: the requester cannot approve their own request'],
});

/**
 * Everything the quarantine module takes from outside, as narrow functions (the facade in
 * quarantine.service.ts wires them from the container). Each sub-service picks what it needs.
 */
export interface QuarantineInputs {
  db: Db;
  /** Domain time: stay days, deadlines, phase ends. */
  clock: Clock;
  /** BULWARK_TZ: calendar days of a stay. */
  tz: string;
  journal: Pick<JournalService, 'append'>;
  outbox: Pick<OutboxService, 'publish'>;
  tasks: Pick<TaskService, 'create' | 'notify' | 'closeForWork'>;
  jobs: Pick<JobService, 'schedule'>;
  /** The status guard (control module port). */
  control: Pick<ControlPort, 'applyAutomatic' | 'statusesOf'>;
  /** Population: the jurisdiction path of each existing person, and briefs (names) for persons in the actor's scope. */
  personPaths: (personIds: readonly string[], db?: DbOrTx) => Promise<Map<string, string>>;
  personBriefs: (actor: Actor, personIds: readonly string[], db?: DbOrTx) => Promise<Map<string, { name: string; path: string }>>;
  /** Geography: a jurisdiction node's id and path. */
  jurisdiction: (id: string, db?: DbOrTx) => Promise<{ id: string; path: string } | undefined>;
  /** Geography: the nodes at these paths, with their names and levels (a home stay's address). */
  placesByPath: (paths: readonly string[], db?: DbOrTx) => Promise<{ path: string; name: string; level: string }[]>;
  /** Auth units: a unit's id and path; the unit nearest a path (who takes a stay's tasks). */
  unitRef: (id: string, db?: DbOrTx) => Promise<{ id: string; jurisdictionPath: string } | undefined>;
  nearestUnit: (path: string, db?: DbOrTx) => Promise<{ id: string } | undefined>;
  /** Cases: the active preset, a preset version's params, what a basis record says, the 9th-edition secondary-contact link and upgrade. */
  activePreset: PresetSource;
  presetParams: (presetId: string, db?: DbOrTx) => Promise<PresetParams>;
  basisFacts: BasisFactsSource;
  contactLink: (db: DbOrTx, contactId: string) => Promise<{ viaContactId: string } | null>;
  /** Cases: a stay on this basis started, so its contact is placed (no longer awaiting placement, issue 16). */
  basisPlaced: (trx: Tx, basis: { type: BasisType; id: string }, status: ControlStatus, at: number) => Promise<void>;
  upgradeLinkedSecondaries: (trx: Tx, actor: Actor, closeContactId: string) => Promise<{ id: string }[]>;
}

/** The active protocol preset as the cases module exposes it (`deps.services.cases.presets.active`). */
export interface ActivePreset {
  id: string;
  key: string;
  version: string;
  name: string;
  params: PresetParams;
}
export type PresetSource = (trx?: DbOrTx) => Promise<ActivePreset>;
/** Reads a basis record's facts, or null when this basis type founds no schedule (tube, case, …). Throws when the record is missing or out of scope. */
export type BasisFactsSource = (db: DbOrTx, actor: Actor, basis: { type: BasisType; id: string }) => Promise<BasisFacts | null>;

export type RoomStatus = repo.RoomStatus;

export type { FacilityDto, OccupancyDto, RoomDto, StayDto } from './quarantine.schemas.js';

export interface FacilityInput {
  name: string;
  jurisdictionId: string;
  address: string;
  lng?: number | null;
  lat?: number | null;
  staffCount?: number;
  unitId?: string | null;
}

export interface AssignInput {
  personId: string;
  mode: 'central' | 'home';
  facilityId?: string | null;
  roomId?: string | null;
  basis: { type: BasisType; id: string };
  reason: string;
  /**
   * YYYY-MM-DD of the last exposure (or arrival). Default: the date the basis records (the contact's
   * exposure date, the traveller's arrival day); with neither the assignment is refused, never
   * counted from the placement day.
   */
  exposureDate?: string | null;
  /** Which preset rule applies (default: the contact's or traveller's category, else close contacts). */
  category?: StayCategory | null;
}

/** What a basis record says about the stay it founds (from the cases module). */
export interface BasisFacts {
  personId: string | null;
  exposureDay: string | null;
  category: StayCategory;
}

/** The preset rule for a stay category: a contact category or a traveller category. */
export function ruleOf(params: PresetParams, category: StayCategory): PresetParams['contacts']['close']['quarantine'] | null {
  if (category === 'close' || category === 'secondary') return params.contacts[category].quarantine;
  const r = params.travellers[category];
  return r?.applies ? r.quarantine : null;
}

export const occupancyOf = (r: QuarantineFacilitiesTable): OccupancyDto =>
  ({
    roomsTotal: Number(r.rooms_total),
    roomsAvailable: Number(r.rooms_available),
    roomsOccupied: Number(r.rooms_occupied),
    roomsCleaning: Number(r.rooms_cleaning),
    roomsOutOfService: Number(r.rooms_out_of_service),
    bedsTotal: Number(r.beds_total),
    occupants: Number(r.occupants),
  }) satisfies OccupancyDto;

export function facilityDto(r: QuarantineFacilitiesTable): FacilityDto {
  return {
    id: r.id,
    name: r.name,
    jurisdictionId: r.jurisdiction_id,
    jurisdictionPath: r.jurisdiction_path,
    address: r.address,
    lng: r.lng === null ? null : Number(r.lng),
    lat: r.lat === null ? null : Number(r.lat),
    staffCount: Number(r.staff_count),
    unitId: r.unit_id,
    active: flag(r.active),
    occupancy: occupancyOf(r),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  } satisfies FacilityDto;
}

export const roomDto = (r: QuarantineRoomsTable): RoomDto =>
  ({
    id: r.id,
    facilityId: r.facility_id,
    number: r.number,
    floor: Number(r.floor),
    capacity: Number(r.capacity),
    status: r.status,
    occupants: Number(r.occupants),
  }) satisfies RoomDto;

export const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

/** Who made a request or decision: the user, or the named system component. */
export const actorKey = (actor: Actor): string => actor.userId ?? `system:${actor.name}`;

/** The phases' Chinese names, for task titles and reasons. */
export const PHASE_ZH: Record<StayPhase, string> = { central: '集中隔离', home_quarantine: '居家隔离', home_monitoring: '居家健康监测' };

/** A stay row and its test days as the API answers (`now` for the day counter, overdue and transfer-due flags). */
export function stayDto(r: QuarantineStaysTable, tests: QuarantineTestsTable[], now: number, tz: string): StayDto {
  const firstDay = Number(r.first_day) as 0 | 1;
  const total = Number(r.total_days);
  const counter = dayCounter(r.exposure_day, firstDay, total, calendarDay(now, tz));
  const day = counter.day;
  const active = r.status === 'active';
  const phases = repo.readJson.phases(r);
  const central = phases.find((p) => p.phase === 'central');
  const transferDue = active && r.phase === 'central' && !!central && central.endsAt <= now && phases.some((p) => p.lastDay > central.lastDay);
  return {
    id: r.id,
    personId: r.person_id,
    jurisdictionPath: r.person_path,
    mode: r.mode,
    category: r.category,
    facilityId: r.facility_id,
    roomId: r.room_id,
    status: r.status,
    phase: active ? r.phase : 'released',
    phases,
    basis: { type: r.basis_type, id: r.basis_id },
    reason: r.reason,
    preset: { id: r.preset_id, key: r.preset_key, version: r.preset_version },
    firstDay,
    exposureDay: r.exposure_day,
    endDay: r.end_day,
    endsAt: Number(r.ends_at),
    dayCounter: counter.ended
      ? { day, total, ended: true, label: `已满 ${total} 天 (all ${total} days served)` }
      : { day, total, ended: false, label: `第 ${day} 天 / 共 ${total} 天 (day ${day} of ${total})` },
    placedDay: r.placed_day,
    transfer: { due: transferDue, taskId: r.transfer_task_id },
    resultTaskId: r.result_task_id,
    overdue: active && Number(r.ends_at) <= now,
    overdueAlertedAt: r.overdue_alerted_at === null ? null : Number(r.overdue_alerted_at),
    ownerUnitId: r.owner_unit_id,
    releasedAt: r.released_at === null ? null : Number(r.released_at),
    releaseReason: r.release_reason,
    releaseOverride: flag(r.release_override),
    tests: tests.map((t) => ({
      day: Number(t.day),
      date: t.date,
      dueAt: Number(t.due_at),
      taskId: t.task_id,
      result: t.result,
      recordedAt: t.recorded_at === null ? null : Number(t.recorded_at),
      kind: t.kind,
      notApplicable: flag(t.not_applicable),
    })),
    createdAt: Number(r.created_at),
  } satisfies StayDto;
}

/** A facility in the actor's scope, or 404 (out of scope answers like missing). */
export async function visibleFacility(db: DbOrTx, actor: Actor, id: string): Promise<QuarantineFacilitiesTable> {
  const r = await repo.findFacility(db, id);
  if (!r || !inScope(actor, r.jurisdiction_path)) throw QuarantineErrors.QUARANTINE_FACILITY_NOT_FOUND({ facilityId: id });
  return r;
}

/** A stay visible by the person's path or the facility's, or 404. */
export async function visibleStay(db: DbOrTx, actor: Actor, id: string): Promise<QuarantineStaysTable> {
  const r = await repo.findStay(db, id);
  if (!r || !(inScope(actor, r.person_path) || (r.facility_path !== null && inScope(actor, r.facility_path))))
    throw QuarantineErrors.QUARANTINE_STAY_NOT_FOUND({ stayId: id });
  return r;
}

export function releaseRequestDto(actor: Actor, r: QuarantineReleaseRequestsTable): ReleaseRequestDto {
  return {
    id: r.id,
    stayId: r.stay_id,
    personId: r.person_id,
    status: r.status,
    reason: r.reason,
    requestedBy: r.requested_by,
    requestedByName: r.requested_by_name,
    requestedAt: Number(r.requested_at),
    decidedBy: r.decided_by,
    decidedByName: r.decided_by_name,
    decidedAt: r.decided_at === null ? null : Number(r.decided_at),
    decisionNote: r.decision_note,
    canDecide: r.status === 'pending' && actor.capabilities.has('quarantine.release-early') && r.requested_by !== actorKey(actor),
  } satisfies ReleaseRequestDto;
}

export const exposureAfterPlacement = (exposureDate: string, placementDay: string) =>
  QuarantineErrors.QUARANTINE_EXPOSURE_AFTER_PLACEMENT(
    { field: 'exposureDate', exposureDate, placementDay },
    `exposureDate ${exposureDate} lies after the placement day ${placementDay} (an exposure cannot be in the future)`,
  );

export function phasesOf(s: QuarantineStaysTable): PlannedPhase[] {
  return repo.readJson.phases(s);
}
