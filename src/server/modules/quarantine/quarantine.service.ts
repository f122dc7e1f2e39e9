import type { Deps } from '../../deps.js';
import { inTx, isUniqueViolation, type DbOrTx, type Tx } from '../../db/dialect.js';
import { inScope, scopePrefix, systemActor, type Actor } from '../../platform/actor.js';
import { calendarDay, HOUR, MINUTE } from '../../platform/clock.js';
import { defineErrors, Errors } from '../../platform/errors.js';
import { requireReason } from '../../platform/reason.js';
import { newId } from '../../platform/ids.js';
import { registerEntityScope } from '../../platform/http/policy.js';
import type { PresetParams } from '../cases/presets.schema.js';
import type { Basis, BasisType } from '../control/control.rules.js';
import { maskName } from '../population/names.js';
import { dayCounter, dayNumber, PHASE_STATUS, planStay, type PlannedPhase, type StayPhase } from './quarantine.plan.js';
import * as repo from './quarantine.repository.js';
import * as situation from './quarantine.situation.js';
import type { FacilityDto, OccupancyDto, ReleaseRequestDto, RoomDto, StayCategory, TravellerCategory, StayDto, StayPlanDto, StayTestDto } from '../../../common/quarantine.js';
import { addDays, startOfDay } from '../../platform/clock.js';
import type { QuarantineFacilitiesTable, QuarantineReleaseRequestsTable, QuarantineRoomsTable, QuarantineStaysTable, QuarantineTestsTable } from './quarantine.table.js';

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
  QUARANTINE_EXPOSURE_REQUIRED: [422, 'exposureDate: the basis records no last-exposure (or arrival) date; enter it (a stay is never counted from the placement day)'],
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
export const ROOM_STATUSES = Object.keys(repo.ROOM_STATUS_COLUMN) as RoomStatus[];

export type { FacilityDto, OccupancyDto, RoomDto, StayDto, StayPlanDto, StayTestDto } from '../../../common/quarantine.js';

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
  const r = params.travellers[category as TravellerCategory];
  return r?.applies ? r.quarantine : null;
}

const occupancyOf = (r: QuarantineFacilitiesTable): OccupancyDto => ({
  roomsTotal: Number(r.rooms_total),
  roomsAvailable: Number(r.rooms_available),
  roomsOccupied: Number(r.rooms_occupied),
  roomsCleaning: Number(r.rooms_cleaning),
  roomsOutOfService: Number(r.rooms_out_of_service),
  bedsTotal: Number(r.beds_total),
  occupants: Number(r.occupants),
});

function facilityDto(r: QuarantineFacilitiesTable): FacilityDto {
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
    active: Number(r.active) === 1,
    occupancy: occupancyOf(r),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

const roomDto = (r: QuarantineRoomsTable): RoomDto => ({
  id: r.id,
  facilityId: r.facility_id,
  number: r.number,
  floor: Number(r.floor),
  capacity: Number(r.capacity),
  status: r.status as RoomStatus,
  occupants: Number(r.occupants),
});

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

// Stays are visible by the person's path and by the facility's; facilities by their location.
registerEntityScope('quarantine_facility', async (db, id) => {
  const r = await repo.findFacility(db, id);
  return r ? [r.jurisdiction_path] : undefined;
});
registerEntityScope('quarantine_stay', async (db, id) => {
  const r = await repo.findStay(db, id);
  return r ? [r.person_path, ...(r.facility_path ? [r.facility_path] : [])] : undefined;
});
registerEntityScope('quarantine_release_request', async (db, id) => {
  const r = await repo.findReleaseRequest(db, id);
  return r ? [r.person_path, ...(r.facility_path ? [r.facility_path] : [])] : undefined;
});

/** Who made a request or decision: the user, or the named system component. */
const actorKey = (actor: Actor): string => actor.userId ?? `system:${actor.name}`;

/**
 * Quarantine (隔离): central facilities with rooms and live occupancy, and stays (central or home)
 * computed from the active protocol preset, moved through their phases by jobs, with test days as
 * tasks, release rules, and the overdue-release alert (nobody is held past their end unnoticed).
 */
const PHASE_ZH: Record<StayPhase, string> = { central: '集中隔离', home_quarantine: '居家隔离', home_monitoring: '居家健康监测' };

export function createQuarantineService(deps: Deps) {
  let presetSource: PresetSource | null = null;
  let basisFacts: BasisFactsSource | null = null;
  const tz = deps.config.tz;

  /** The city's active preset from the cases module (`version` is its `key@vN` label), unless a test replaced the source. */
  async function activePreset(trx?: DbOrTx): Promise<ActivePreset> {
    if (presetSource) return presetSource(trx);
    const p = await deps.services.cases.presets.active(trx);
    return { id: p.id, key: p.key, version: p.label, name: p.name, params: p.params };
  }

  function stayDto(r: QuarantineStaysTable, tests: QuarantineTestsTable[]): StayDto {
    const now = deps.clock.now();
    const firstDay = Number(r.first_day) as 0 | 1;
    const total = Number(r.total_days);
    const counter = dayCounter(r.exposure_day, firstDay, total, calendarDay(now, tz));
    const day = counter.day;
    const active = r.status === 'active';
    const phases = JSON.parse(r.phases) as PlannedPhase[];
    const central = phases.find((p) => p.phase === 'central');
    const transferDue = active && r.phase === 'central' && !!central && central.endsAt <= now && phases.some((p) => p.lastDay > central.lastDay);
    return {
      id: r.id,
      personId: r.person_id,
      jurisdictionPath: r.person_path,
      mode: r.mode as StayDto['mode'],
      category: r.category as StayDto['category'],
      facilityId: r.facility_id,
      roomId: r.room_id,
      status: r.status as StayDto['status'],
      phase: (active ? r.phase : 'released') as StayDto['phase'],
      phases,
      basis: { type: r.basis_type as BasisType, id: r.basis_id },
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
      releaseOverride: Number(r.release_override) === 1,
      tests: tests.map((t) => ({
        day: Number(t.day),
        date: t.date,
        dueAt: Number(t.due_at),
        taskId: t.task_id,
        result: t.result as StayTestDto['result'],
        recordedAt: t.recorded_at === null ? null : Number(t.recorded_at),
        kind: t.kind as StayTestDto['kind'],
        notApplicable: Number(t.not_applicable) === 1,
      })),
      createdAt: Number(r.created_at),
    };
  }

  async function visibleFacility(db: DbOrTx, actor: Actor, id: string): Promise<QuarantineFacilitiesTable> {
    const r = await repo.findFacility(db, id);
    if (!r || !inScope(actor, r.jurisdiction_path)) throw QuarantineErrors.QUARANTINE_FACILITY_NOT_FOUND({ facilityId: id });
    return r;
  }

  /**
   * The unit named to run a facility: it must exist and sit inside the caller's scope, or above the
   * facility's location (a city team may run a district's facility); a unit of another district is
   * answered like a missing one.
   */
  async function runningUnit(db: DbOrTx, actor: Actor, unitId: string, facilityPath: string): Promise<string> {
    const u = await deps.services.auth.units.getRef(unitId, db);
    if (!u || !(inScope(actor, u.jurisdictionPath) || facilityPath.startsWith(u.jurisdictionPath))) throw QuarantineErrors.QUARANTINE_UNIT_NOT_FOUND({ field: 'unitId', unitId });
    return u.id;
  }

  async function visibleStay(db: DbOrTx, actor: Actor, id: string): Promise<QuarantineStaysTable> {
    const r = await repo.findStay(db, id);
    if (!r || !(inScope(actor, r.person_path) || (r.facility_path !== null && inScope(actor, r.facility_path)))) throw QuarantineErrors.QUARANTINE_STAY_NOT_FOUND({ stayId: id });
    return r;
  }

  function releaseRequestDto(actor: Actor, r: QuarantineReleaseRequestsTable): ReleaseRequestDto {
    return {
      id: r.id, stayId: r.stay_id, personId: r.person_id, status: r.status as ReleaseRequestDto['status'], reason: r.reason,
      requestedBy: r.requested_by, requestedByName: r.requested_by_name, requestedAt: Number(r.requested_at), decidedBy: r.decided_by, decidedByName: r.decided_by_name, decidedAt: r.decided_at === null ? null : Number(r.decided_at), decisionNote: r.decision_note,
      canDecide: r.status === 'pending' && actor.capabilities.has('quarantine.release-early') && r.requested_by !== actorKey(actor),
    };
  }

  /** Adds the person's masked name, the facility name and the room number to stays being read. */
  async function labelled(actor: Actor, items: StayDto[], db: DbOrTx): Promise<StayDto[]> {
    if (!items.length) return items;
    const uniq = (xs: (string | null)[]) => [...new Set(xs.filter((x): x is string => !!x))];
    const [briefs, labels] = await Promise.all([
      deps.services.population.briefs(actor, uniq(items.map((s) => s.personId)), db),
      repo.labelsOf(db, uniq(items.map((s) => s.facilityId)), uniq(items.map((s) => s.roomId))),
    ]);
    return items.map((s) => {
      const b = briefs.get(s.personId);
      return { ...s, personNameMasked: b ? maskName(b.name) : null, facilityName: s.facilityId ? labels.facilities.get(s.facilityId) ?? null : null, roomNumber: s.roomId ? labels.rooms.get(s.roomId) ?? null : null };
    });
  }

  /** The stay the active preset gives for a mode and category from an exposure day (no scope, no write). */
  async function planFor(input: { mode: 'central' | 'home'; category?: StayCategory | null; exposureDate?: string | null }, db?: DbOrTx, under?: { id: string; key: string; label: string; name: string; params: PresetParams }): Promise<StayPlanDto> {
    const preset = under ? { ...under, version: under.label } : await activePreset(db);
    const category = input.category ?? 'close';
    const firstDay = preset.params.dayCounting.firstDay;
    const exposureDay = input.exposureDate;
    if (!exposureDay) throw QuarantineErrors.QUARANTINE_EXPOSURE_REQUIRED({ field: 'exposureDate' });
    if (!DAY_RE.test(exposureDay)) throw QuarantineErrors.QUARANTINE_EXPOSURE_INVALID({ exposureDate: exposureDay });
    const today = calendarDay(deps.clock.now(), tz);
    if (exposureDay > today) throw exposureAfterPlacement(exposureDay, today);
    const rule = ruleOf(preset.params, category);
    const plan = rule ? planStay(rule, firstDay, input.mode, exposureDay, tz) : null;
    if (!plan?.phases.length) throw QuarantineErrors.QUARANTINE_RULE_EMPTY({ category, preset: preset.version });
    const tests = plan.tests.map((x) => ({ ...x, notApplicable: x.date < today }));
    const late = tests.some((x) => x.notApplicable);
    return { preset: { id: preset.id, key: preset.key, version: preset.version, name: preset.name }, mode: input.mode, category, firstDay, exposureDay, ...plan, tests, placedDay: today, admissionTest: late && !tests.some((x) => x.date === today) };
  }

  const exposureAfterPlacement = (exposureDate: string, placementDay: string) =>
    QuarantineErrors.QUARANTINE_EXPOSURE_AFTER_PLACEMENT({ field: 'exposureDate', exposureDate, placementDay }, `exposureDate ${exposureDate} lies after the placement day ${placementDay} (an exposure cannot be in the future)`);

  async function publishOccupancy(trx: Tx, facilityId: string): Promise<void> {
    const f = await repo.findFacility(trx, facilityId);
    if (!f) return;
    await deps.services.outbox.publish(trx, { topic: 'quarantine.occupancy', capability: 'quarantine.read', jurisdictionPath: f.jurisdiction_path, payload: { facilityId, ...occupancyOf(f) } });
  }

  /** Moves a room between states and keeps the facility counters in the same transaction. */
  async function setRoom(trx: Tx, room: QuarantineRoomsTable, status: RoomStatus, occupants: number): Promise<void> {
    const now = deps.clock.now();
    const ok = await repo.updateRoom(trx, room.id, { status: room.status, occupants: Number(room.occupants) }, { status, occupants, updated_at: now });
    if (!ok) throw QuarantineErrors.QUARANTINE_CONCURRENT_CHANGE({ roomId: room.id });
    const deltas: Partial<Record<repo.FacilityCounter, number>> = { occupants: occupants - Number(room.occupants) };
    if (status !== room.status) {
      deltas[repo.ROOM_STATUS_COLUMN[room.status as RoomStatus]] = -1;
      deltas[repo.ROOM_STATUS_COLUMN[status]] = (deltas[repo.ROOM_STATUS_COLUMN[status]] ?? 0) + 1;
    }
    await repo.bumpFacility(trx, room.facility_id, deltas, now);
    await publishOccupancy(trx, room.facility_id);
  }

  /** Frees the stay's bed: the room goes to cleaning when its last occupant leaves. */
  async function leaveRoom(trx: Tx, s: QuarantineStaysTable): Promise<void> {
    if (!s.room_id) return;
    const room = await repo.findRoom(trx, s.room_id);
    if (!room) return;
    const left = Math.max(0, Number(room.occupants) - 1);
    await setRoom(trx, room, left === 0 ? 'cleaning' : 'occupied', left);
  }

  function phasesOf(s: QuarantineStaysTable): PlannedPhase[] {
    return JSON.parse(s.phases) as PlannedPhase[];
  }

  /**
   * 9th edition: a secondary contact linked to THEIR close contact is released only when that close
   * contact's first N tests (the preset's linkedRelease) are negative too. `pending` until they are.
   */
  async function linkedProblem(trx: DbOrTx, s: QuarantineStaysTable): Promise<'pending' | 'positive' | null> {
    if (s.basis_type !== 'contact' || s.category !== 'secondary') return null;
    const link = await deps.services.cases.linkOf(trx, s.basis_id);
    if (!link) return null;
    const n = (await deps.services.cases.presets.getVersion(s.preset_id, trx)).params.contacts.secondary.linkedRelease?.closeContactNegativeTests;
    if (!n) return null;
    const closeStay = await repo.findStayByBasis(trx, 'contact', link.viaContactId);
    const first = closeStay ? (await repo.listTests(trx, closeStay.id)).filter((t) => Number(t.not_applicable) !== 1).slice(0, n) : [];
    if (first.some((t) => t.result === 'positive')) return 'positive';
    return first.length === n && first.every((t) => t.result === 'negative') ? null : 'pending';
  }

  async function criteriaProblems(trx: DbOrTx, s: QuarantineStaysTable, now: number): Promise<{ endReached: boolean; pendingDays: number[]; positiveDays: number[]; linked: 'pending' | 'positive' | null }> {
    const tests = await repo.listTests(trx, s.id);
    const pendingDays = tests.filter((t) => t.result === null && Number(t.not_applicable) !== 1).map((t) => Number(t.day));
    const linked = await linkedProblem(trx, s);
    return {
      endReached: now >= Number(s.ends_at),
      // The close contact's results count as pending results of this stay (one result task, no alert flood).
      pendingDays: linked === 'pending' ? [...pendingDays, 0] : pendingDays,
      positiveDays: [...tests.filter((t) => t.result === 'positive').map((t) => Number(t.day)), ...(linked === 'positive' ? [0] : [])],
      linked,
    };
  }

  async function doRelease(trx: Tx, actor: Actor, s: QuarantineStaysTable, reason: string, override: boolean): Promise<void> {
    const now = deps.clock.now();
    const ok = await repo.updateStay(trx, s.id, { status: 'active', phase: s.phase }, { status: 'released', released_at: now, release_reason: reason, release_override: override ? 1 : 0, updated_at: now });
    if (!ok) throw QuarantineErrors.QUARANTINE_CONCURRENT_CHANGE({ stayId: s.id });
    await repo.voidPendingReleaseRequests(trx, s.id, now);
    if (s.phase === 'central') await leaveRoom(trx, s);
    await deps.services.control.applyAutomatic(trx, actor, {
      personIds: [s.person_id],
      to: 'released',
      basis: { type: s.basis_type as BasisType, id: s.basis_id },
      reason: `隔离解除：${reason} · Quarantine released: ${reason}`,
      presetVersion: s.preset_version,
    });
    await deps.services.journal.append(trx, actor, {
      action: 'quarantine.stay.release',
      entityType: 'quarantine_stay',
      entityId: s.id,
      jurisdictionPath: s.person_path,
      payload: { personId: s.person_id, override, endsAt: Number(s.ends_at), phase: s.phase },
      reason,
    });
  }

  /**
   * A phase boundary: past the last one release when the criteria are met (else leave it for the
   * overdue check); from central to a home phase a point-to-point transfer task (点对点转运) for the
   * owner unit, the phase moving only when the transfer is recorded done; otherwise the next phase.
   */
  async function advance(trx: Tx, actor: Actor, stayId: string, fromPhase: string): Promise<void> {
    const s = await repo.findStay(trx, stayId);
    if (!s || s.status !== 'active' || s.phase !== fromPhase) return;
    const now = deps.clock.now();
    const phases = phasesOf(s);
    const later = phases.slice(phases.findIndex((p) => p.phase === fromPhase) + 1);
    if (fromPhase === 'central' && later.length) {
      await requestTransfer(trx, actor, s, later[0]!);
      return;
    }
    const next = later.find((p) => p.endsAt > now);
    if (!next) {
      await endStay(trx, actor, s, fromPhase, now);
      return;
    }
    await moveTo(trx, actor, s, fromPhase, next);
  }

  /** Past the last boundary: release when the criteria are met, else mark `ended` for the overdue check. */
  async function endStay(trx: Tx, actor: Actor, s: QuarantineStaysTable, fromPhase: string, now: number): Promise<void> {
    const c = await criteriaProblems(trx, s, now);
    if (c.endReached && !c.pendingDays.length && !c.positiveDays.length) {
      await doRelease(trx, actor, s, '期满且检测均为阴性 Stay completed, all tests negative', false);
      return;
    }
    if (!(await repo.updateStay(trx, s.id, { status: 'active', phase: fromPhase }, { phase: 'ended', updated_at: now }))) throw QuarantineErrors.QUARANTINE_CONCURRENT_CHANGE({ stayId: s.id });
    if (fromPhase === 'central') await leaveRoom(trx, s);
  }

  async function moveTo(trx: Tx, actor: Actor, s: QuarantineStaysTable, fromPhase: string, next: PlannedPhase): Promise<void> {
    const now = deps.clock.now();
    if (!(await repo.updateStay(trx, s.id, { status: 'active', phase: fromPhase }, { phase: next.phase, updated_at: now }))) throw QuarantineErrors.QUARANTINE_CONCURRENT_CHANGE({ stayId: s.id });
    if (fromPhase === 'central') await leaveRoom(trx, s);
    await deps.services.control.applyAutomatic(trx, actor, {
      personIds: [s.person_id],
      to: PHASE_STATUS[next.phase],
      basis: { type: s.basis_type as BasisType, id: s.basis_id },
      reason: `隔离阶段转换：${PHASE_ZH[fromPhase as StayPhase]} → ${PHASE_ZH[next.phase]} · Quarantine phase: ${fromPhase} → ${next.phase}`,
      endsAt: next.endsAt,
      presetVersion: s.preset_version,
    });
    await deps.services.journal.append(trx, actor, {
      action: 'quarantine.stay.phase',
      entityType: 'quarantine_stay',
      entityId: s.id,
      jurisdictionPath: s.person_path,
      payload: { personId: s.person_id, from: fromPhase, to: next.phase, endsAt: next.endsAt },
    });
    await schedulePhaseEnd(trx, s.id, next);
  }

  /** The central phase ended: one point-to-point transfer task for the owner unit (the job runs once per boundary). */
  async function requestTransfer(trx: Tx, actor: Actor, s: QuarantineStaysTable, next: PlannedPhase): Promise<void> {
    const now = deps.clock.now();
    const centralEnd = calendarDay(phasesOf(s)[0]!.endsAt - 1, tz);
    const title = `点对点转运：集中隔离期满（${centralEnd}）转${PHASE_ZH[next.phase]} · Point-to-point transfer: central stay ended (${centralEnd}), to ${next.phase.replace('_', ' ')}`;
    const description = `请安排专车点对点转运至居所，完成后在隔离记录中登记“转运完成”，其${PHASE_ZH[next.phase]}随即开始。 · Drive the person point to point to their home and record the transfer done in the stay; the next phase starts then.`;
    let taskId: string | null = null;
    if (s.owner_unit_id) {
      taskId = (await deps.services.tasks.create(trx, actor, {
        title, description, sourceModule: 'quarantine', sourceEntityType: 'quarantine_stay', sourceEntityId: s.id,
        assigneeUnitId: s.owner_unit_id, jurisdictionPath: s.facility_path ?? s.person_path, priority: 'high', dueAt: now + 4 * HOUR,
      })).id;
    } else {
      await deps.services.tasks.notify(trx, actor, { jurisdictionPath: s.person_path, title, body: description, link: `/quarantine/stays/${s.id}`, sourceModule: 'quarantine', sourceEntityType: 'quarantine_stay', sourceEntityId: s.id, severity: 'warning' });
    }
    await repo.setStayLinks(trx, s.id, { transfer_task_id: taskId, updated_at: now });
    await deps.services.journal.append(trx, actor, {
      action: 'quarantine.stay.transfer-requested', entityType: 'quarantine_stay', entityId: s.id, jurisdictionPath: s.person_path,
      payload: { personId: s.person_id, to: next.phase, taskId },
    });
  }

  /** The secondary contacts linked to a positive close contact become close contacts; each active stay's unit gets a task to re-place them as close contacts. */
  async function upgradeSecondaries(trx: Tx, actor: Actor, closeContactId: string): Promise<void> {
    for (const c of await deps.services.cases.upgradeLinkedSecondaries(trx, actor, closeContactId)) {
      const st = await repo.findStayByBasis(trx, 'contact', c.id);
      if (!st || st.status !== 'active') continue;
      await repo.setStayCategory(trx, st.id, 'close', deps.clock.now());
      const title = '次密接升级为密接：其密接核酸阳性 · Secondary contact upgraded to close contact (their close contact tested positive)';
      const description = '请按密切接触者管理（集中隔离）重新安排此人，并在隔离记录中办理。 · Re-place the person as a close contact (central quarantine).';
      if (st.owner_unit_id) {
        await deps.services.tasks.create(trx, actor, {
          title, description, sourceModule: 'quarantine', sourceEntityType: 'quarantine_stay', sourceEntityId: st.id,
          assigneeUnitId: st.owner_unit_id, jurisdictionPath: st.person_path, priority: 'urgent', dueAt: deps.clock.now() + 2 * HOUR,
        });
      }
      await deps.services.journal.append(trx, actor, {
        action: 'quarantine.stay.upgrade', entityType: 'quarantine_stay', entityId: st.id, jurisdictionPath: st.person_path,
        payload: { personId: st.person_id, from: 'secondary', to: 'close', viaContactId: closeContactId },
      });
    }
  }

  function schedulePhaseEnd(trx: Tx, stayId: string, p: PlannedPhase) {
    return deps.services.jobs.schedule(trx, { kind: 'quarantine.phase-end', payload: { stayId, phase: p.phase }, runAt: p.endsAt, uniqueKey: `quarantine.phase-end:${stayId}:${p.phase}` });
  }

  deps.services.jobs.registerHandler<{ stayId: string; phase: string }>('quarantine.phase-end', async (trx, payload, ctx) => {
    await advance(trx, ctx.actor, payload.stayId, payload.phase);
  });

  /**
   * NOBODY IS HELD PAST THEIR END DATE UNNOTICED, AND NOBODY IS FLOODED. Active stays past their end:
   * released at once when their criteria are met; a stay whose result is still pending gets ONE task
   * asking for the result (released as soon as it is recorded negative); only a stay past its end with
   * nothing pending (a positive result) raises the overdue alert and task, once.
   */
  async function checkOverdue(trx: Tx, actor: Actor, now: number): Promise<number> {
    let n = 0;
    for (const s of await repo.findOverdueToCheck(trx, now, 200)) {
      const c = await criteriaProblems(trx, s, now);
      if (!c.pendingDays.length && !c.positiveDays.length) {
        await doRelease(trx, actor, s, '期满且检测均为阴性 Stay completed, all tests negative', false);
        continue;
      }
      if (c.pendingDays.length) {
        if (s.result_task_id) continue;
        const own = c.pendingDays.filter((d) => d > 0);
        const what = [own.length ? `第 ${own.join('、')} 天` : '', c.linked === 'pending' ? '其密接的前两次核酸' : ''].filter(Boolean).join('、');
        const whatEn = [own.length ? `day ${own.join(', ')}` : '', c.linked === 'pending' ? "their close contact's first tests" : ''].filter(Boolean).join(', ');
        const title = `隔离期满待检测结果（${what}） · Stay ended, test result pending (${whatEn})`;
        const description = `隔离已于 ${s.end_day} 期满，尚缺${what}的核酸结果。请尽快登记结果，阴性即解除。 · The stay ended on ${s.end_day}; record the pending result (${whatEn}); negative results release the person.`;
        let taskId: string | null = null;
        if (s.owner_unit_id) {
          taskId = (await deps.services.tasks.create(trx, actor, {
            title, description, sourceModule: 'quarantine', sourceEntityType: 'quarantine_stay', sourceEntityId: s.id,
            assigneeUnitId: s.owner_unit_id, jurisdictionPath: s.person_path, priority: 'high', dueAt: now + 4 * HOUR,
          })).id;
        }
        if (!(await repo.setStayLinks(trx, s.id, { result_task_id: taskId ?? 'none', updated_at: now }))) continue;
        await deps.services.journal.append(trx, actor, {
          action: 'quarantine.stay.result-pending', entityType: 'quarantine_stay', entityId: s.id, jurisdictionPath: s.person_path,
          payload: { personId: s.person_id, endsAt: Number(s.ends_at), pendingDays: c.pendingDays, taskId },
        });
        n++;
        continue;
      }
      if (!(await repo.markOverdueAlerted(trx, s.id, now))) continue;
      const title = `隔离逾期未解除（${s.end_day}） · Quarantine past its end date (${s.end_day})`;
      const body = `隔离已到期但未解除：阳性第 ${c.positiveDays.join('、')} 天。请核查并处置或说明原因。 · The stay has ended but the person is not released (positive on day ${c.positiveDays.join(', ')}).`;
      await deps.services.tasks.notify(trx, actor, {
        ...(s.owner_unit_id ? { unitId: s.owner_unit_id } : { jurisdictionPath: s.person_path }),
        title,
        body,
        link: `/quarantine/stays/${s.id}`,
        sourceModule: 'quarantine',
        sourceEntityType: 'quarantine_stay',
        sourceEntityId: s.id,
        severity: 'warning',
      });
      if (s.owner_unit_id) {
        await deps.services.tasks.create(trx, actor, {
          title,
          description: body,
          sourceModule: 'quarantine',
          sourceEntityType: 'quarantine_stay',
          sourceEntityId: s.id,
          assigneeUnitId: s.owner_unit_id,
          jurisdictionPath: s.person_path,
          priority: 'high',
          dueAt: now + 4 * HOUR,
        });
      }
      await deps.services.journal.append(trx, actor, {
        action: 'quarantine.stay.overdue',
        entityType: 'quarantine_stay',
        entityId: s.id,
        jurisdictionPath: s.person_path,
        payload: { personId: s.person_id, endsAt: Number(s.ends_at), pendingDays: c.pendingDays, positiveDays: c.positiveDays },
      });
      n++;
    }
    return n;
  }

  deps.services.jobs.registerRecurring('quarantine.overdue-check', MINUTE, async (trx, _p, ctx) => {
    const n = await checkOverdue(trx, ctx.actor, ctx.now);
    if (n) ctx.log.info({ n }, 'overdue quarantine alerts sent');
  });

  return {
    /** Replaces where the active preset comes from (tests; the cases module is used when present). */
    setPresetSource(fn: PresetSource | null): void {
      presetSource = fn;
    },

    activePreset,

    /** What a stay would be if assigned now (the assign dialog shows the end date and test days first); `under` a given preset version instead of the active one. */
    plan: planFor,

    // ---------------------------------------------------------------- facilities and rooms

    async createFacility(trx: DbOrTx | undefined, actor: Actor, input: FacilityInput): Promise<FacilityDto> {
      return inTx(trx ?? deps.db, async (t) => {
        const j = await deps.services.geo.getById(input.jurisdictionId, t);
        if (!j || !inScope(actor, j.path)) throw QuarantineErrors.QUARANTINE_JURISDICTION_NOT_FOUND({ jurisdictionId: input.jurisdictionId });
        const unitId = input.unitId ? await runningUnit(t, actor, input.unitId, j.path) : null;
        const now = deps.clock.now();
        const row: QuarantineFacilitiesTable = {
          id: newId(),
          name: input.name.trim(),
          jurisdiction_id: j.id,
          jurisdiction_path: j.path,
          address: input.address.trim(),
          lng: input.lng ?? null,
          lat: input.lat ?? null,
          staff_count: input.staffCount ?? 0,
          unit_id: unitId,
          active: 1,
          rooms_total: 0,
          rooms_available: 0,
          rooms_occupied: 0,
          rooms_cleaning: 0,
          rooms_out_of_service: 0,
          beds_total: 0,
          occupants: 0,
          created_at: now,
          updated_at: now,
        };
        await repo.insertFacility(t, row);
        await deps.services.journal.append(t, actor, { action: 'quarantine.facility.create', entityType: 'quarantine_facility', entityId: row.id, jurisdictionPath: row.jurisdiction_path, payload: { name: row.name, staffCount: row.staff_count } });
        return facilityDto(row);
      });
    },

    async updateFacility(trx: DbOrTx | undefined, actor: Actor, id: string, input: Partial<Omit<FacilityInput, 'jurisdictionId'>> & { active?: boolean }): Promise<FacilityDto> {
      return inTx(trx ?? deps.db, async (t) => {
        const before = await visibleFacility(t, actor, id);
        const set: Partial<QuarantineFacilitiesTable> = { updated_at: deps.clock.now() };
        if (input.name !== undefined) set.name = input.name.trim();
        if (input.address !== undefined) set.address = input.address.trim();
        if (input.lng !== undefined) set.lng = input.lng;
        if (input.lat !== undefined) set.lat = input.lat;
        if (input.staffCount !== undefined) set.staff_count = input.staffCount;
        if (input.unitId !== undefined) set.unit_id = input.unitId === null ? null : await runningUnit(t, actor, input.unitId, before.jurisdiction_path);
        if (input.active !== undefined) set.active = input.active ? 1 : 0;
        await repo.updateFacility(t, id, set);
        const { updated_at: _u, ...changes } = set;
        await deps.services.journal.append(t, actor, { action: 'quarantine.facility.update', entityType: 'quarantine_facility', entityId: id, jurisdictionPath: before.jurisdiction_path, payload: { changes } });
        return facilityDto((await repo.findFacility(t, id))!);
      });
    },

    async getFacility(actor: Actor, id: string, db: DbOrTx = deps.db): Promise<FacilityDto & { rooms: RoomDto[] }> {
      const f = await visibleFacility(db, actor, id);
      return { ...facilityDto(f), rooms: (await repo.listRooms(db, id)).map(roomDto) };
    },

    async listFacilities(actor: Actor, q: { active?: boolean; page?: number; pageSize?: number } = {}, db: DbOrTx = deps.db): Promise<{ items: FacilityDto[]; total: number }> {
      const pageSize = q.pageSize ?? 50;
      const r = await repo.listFacilities(db, scopePrefix(actor), { active: q.active, limit: pageSize, offset: ((q.page ?? 1) - 1) * pageSize });
      return { items: r.rows.map(facilityDto), total: r.total };
    },

    /** Adds rooms to a facility (all or nothing: a duplicate number is a 409 naming them). */
    async createRooms(trx: DbOrTx | undefined, actor: Actor, facilityId: string, rooms: { number: string; floor: number; capacity?: number }[]): Promise<RoomDto[]> {
      return inTx(trx ?? deps.db, async (t) => {
        const f = await visibleFacility(t, actor, facilityId);
        const numbers = rooms.map((r) => r.number.trim());
        const dup = numbers.filter((n, i) => numbers.indexOf(n) !== i);
        const taken = [...new Set([...dup, ...(await repo.existingRoomNumbers(t, facilityId, numbers))])];
        if (taken.length) throw QuarantineErrors.QUARANTINE_ROOM_NUMBER_TAKEN({ numbers: taken.slice(0, 50) });
        const now = deps.clock.now();
        const rows: QuarantineRoomsTable[] = rooms.map((r, i) => ({ id: newId(), facility_id: facilityId, number: numbers[i]!, floor: r.floor, capacity: r.capacity ?? 1, status: 'available', occupants: 0, created_at: now, updated_at: now }));
        try {
          await repo.insertRooms(t, rows);
        } catch (err) {
          if (isUniqueViolation(err)) throw QuarantineErrors.QUARANTINE_ROOM_NUMBER_TAKEN({ numbers });
          throw err;
        }
        const beds = rows.reduce((a, r) => a + r.capacity, 0);
        await repo.bumpFacility(t, facilityId, { rooms_total: rows.length, rooms_available: rows.length, beds_total: beds }, now);
        await deps.services.journal.append(t, actor, { action: 'quarantine.rooms.create', entityType: 'quarantine_facility', entityId: facilityId, jurisdictionPath: f.jurisdiction_path, payload: { count: rows.length, beds } });
        await publishOccupancy(t, facilityId);
        return rows.map(roomDto);
      });
    },

    /**
     * Sets a room's status by hand: cleaning → available once cleaned, any free room ↔ out_of_service.
     * `occupied` follows assignments only.
     */
    async setRoomStatus(trx: DbOrTx | undefined, actor: Actor, facilityId: string, roomId: string, status: Exclude<RoomStatus, 'occupied'>): Promise<RoomDto> {
      return inTx(trx ?? deps.db, async (t) => {
        const f = await visibleFacility(t, actor, facilityId);
        const room = await repo.findRoom(t, roomId);
        if (!room || room.facility_id !== facilityId) throw QuarantineErrors.QUARANTINE_ROOM_NOT_FOUND({ roomId });
        if (Number(room.occupants) > 0 || room.status === status || (status as string) === 'occupied') throw QuarantineErrors.QUARANTINE_ROOM_STATUS_INVALID({ from: room.status, to: status, occupants: Number(room.occupants) });
        await setRoom(t, room, status, 0);
        await deps.services.journal.append(t, actor, { action: 'quarantine.room.status', entityType: 'quarantine_room', entityId: roomId, jurisdictionPath: f.jurisdiction_path, payload: { facilityId, from: room.status, to: status } });
        return roomDto((await repo.findRoom(t, roomId))!);
      });
    },

    /** Occupancy counters next to a recount from the rooms (they must agree). */
    async occupancyCheck(facilityId: string, db: DbOrTx = deps.db): Promise<{ counters: OccupancyDto; recount: OccupancyDto }> {
      const f = await repo.findFacility(db, facilityId);
      if (!f) throw QuarantineErrors.QUARANTINE_FACILITY_NOT_FOUND({ facilityId });
      const r = await repo.recountFacility(db, facilityId);
      return { counters: occupancyOf(f), recount: occupancyOf({ ...f, ...r }) };
    },

    // ---------------------------------------------------------------- stays

    /**
     * Assigns a person to central (a room of a facility) or home quarantine. The stay is computed from
     * the active preset (recorded with its version), the control status changes through the status
     * guard with the end of the first phase, test days become tasks for the owner unit, and a job is
     * scheduled at each phase boundary.
     */
    async assign(trx: DbOrTx | undefined, actor: Actor, input: AssignInput): Promise<StayDto> {
      const reason = input.reason?.trim();
      if (!reason) throw Errors.REASON_REQUIRED();
      if ((input.mode === 'central') !== !!input.facilityId || (input.mode === 'home' && input.roomId)) throw QuarantineErrors.QUARANTINE_MODE_INVALID({ mode: input.mode });
      return inTx(trx ?? deps.db, async (t) => {
        const now = deps.clock.now();
        const personPath = (await deps.services.population.pathsOf([input.personId], t)).get(input.personId);
        if (!personPath || !inScope(actor, personPath)) throw QuarantineErrors.QUARANTINE_PERSON_NOT_FOUND({ personId: input.personId });
        if (await repo.findActiveStayOfPerson(t, input.personId)) throw QuarantineErrors.QUARANTINE_ALREADY_ACTIVE({ personId: input.personId });

        const preset = await activePreset(t);
        // The basis record says whose it is, the category and the last exposure (or arrival) day.
        const facts = await (basisFacts ?? deps.services.cases.quarantineBasisFacts)(t, actor, input.basis);
        if (facts?.personId && facts.personId !== input.personId) throw QuarantineErrors.QUARANTINE_BASIS_MISMATCH({ basis: input.basis, personId: input.personId });
        const category: StayCategory = input.category ?? facts?.category ?? 'close';
        const rule = ruleOf(preset.params, category);
        const firstDay = preset.params.dayCounting.firstDay;
        const today = calendarDay(now, tz);
        const exposureDay = input.exposureDate ?? facts?.exposureDay ?? null;
        if (!exposureDay) throw QuarantineErrors.QUARANTINE_EXPOSURE_REQUIRED({ field: 'exposureDate', basis: input.basis });
        if (!DAY_RE.test(exposureDay)) throw QuarantineErrors.QUARANTINE_EXPOSURE_INVALID({ field: 'exposureDate', exposureDate: exposureDay });
        if (exposureDay > today) throw exposureAfterPlacement(exposureDay, today);
        const plan = rule ? planStay(rule, firstDay, input.mode, exposureDay, tz) : null;
        if (!plan?.phases.length) throw QuarantineErrors.QUARANTINE_RULE_EMPTY({ category, preset: preset.version });
        const current = plan.phases.find((p) => p.endsAt > now);
        if (!current) throw QuarantineErrors.QUARANTINE_EXPOSURE_INVALID({ exposureDate: exposureDay, endDay: plan.endDay });

        let facility: QuarantineFacilitiesTable | undefined;
        let room: QuarantineRoomsTable | undefined;
        if (input.mode === 'central') {
          facility = await visibleFacility(t, actor, input.facilityId!);
          if (Number(facility.active) !== 1) throw QuarantineErrors.QUARANTINE_FACILITY_INACTIVE({ facilityId: facility.id });
          if (current.phase === 'central') {
            if (input.roomId) {
              room = await repo.findRoom(t, input.roomId);
              if (!room || room.facility_id !== facility.id) throw QuarantineErrors.QUARANTINE_ROOM_NOT_FOUND({ roomId: input.roomId });
              if (!['available', 'occupied'].includes(room.status) || Number(room.occupants) >= Number(room.capacity)) throw QuarantineErrors.QUARANTINE_ROOM_FULL({ roomId: room.id, status: room.status });
            } else {
              room = await repo.findFreeRoom(t, facility.id);
              if (!room) throw QuarantineErrors.QUARANTINE_NO_FREE_ROOM({ facilityId: facility.id });
            }
            await setRoom(t, room, 'occupied', Number(room.occupants) + 1);
          }
        }
        const owner = facility?.unit_id ? { id: facility.unit_id } : await deps.services.auth.units.nearestTo(facility?.jurisdiction_path ?? personPath, t);

        const stay: QuarantineStaysTable = {
          id: newId(),
          person_id: input.personId,
          person_path: personPath,
          mode: input.mode,
          category,
          facility_id: facility?.id ?? null,
          facility_path: facility?.jurisdiction_path ?? null,
          room_id: room?.id ?? null,
          status: 'active',
          phase: current.phase,
          phases: JSON.stringify(plan.phases),
          basis_type: input.basis.type,
          basis_id: input.basis.id,
          reason,
          preset_id: preset.id,
          preset_key: preset.key,
          preset_version: preset.version,
          first_day: firstDay,
          exposure_day: exposureDay,
          end_day: plan.endDay,
          total_days: plan.totalDays,
          ends_at: plan.endsAt,
          owner_unit_id: owner?.id ?? null,
          overdue_alerted_at: null,
          released_at: null,
          release_reason: null,
          release_override: 0,
          placed_day: today,
          transfer_task_id: null,
          result_task_id: null,
          created_by: actor.userId,
          created_at: now,
          updated_at: now,
        };
        await repo.insertStay(t, stay);
        // A traced contact is usually already under this measure on this very basis (tracing applies
        // it the moment the contact is recorded); the stay then only adds the room and the dates.
        const held = (await deps.services.control.statusesOf([input.personId], t)).get(input.personId);
        const alreadyHeld = held?.status === PHASE_STATUS[current.phase] && held.basis?.type === input.basis.type && held.basis.id === input.basis.id;
        if (!alreadyHeld) await deps.services.control.applyAutomatic(t, actor, {
          personIds: [input.personId],
          to: PHASE_STATUS[current.phase],
          basis: input.basis,
          reason,
          endsAt: current.endsAt,
          presetVersion: preset.version,
          ifNotAllowed: 'throw',
        });

        // Contacts found late: test days already past when the person arrives are not applicable
        // (不适用（入住晚于该日）) and an admission test (入住检测) is scheduled at once instead.
        const schedule: { day: number; date: string; dueAt: number; kind: 'scheduled' | 'admission'; notApplicable: boolean }[] = plan.tests.map((x) => ({ ...x, kind: 'scheduled', notApplicable: x.date < today }));
        if (schedule.some((x) => x.notApplicable) && !schedule.some((x) => x.date === today)) {
          schedule.push({ day: dayNumber(exposureDay, firstDay, today), date: today, dueAt: startOfDay(addDays(today, 1), tz), kind: 'admission', notApplicable: false });
          schedule.sort((a, b) => a.day - b.day);
        }
        const testRows: QuarantineTestsTable[] = [];
        for (const td of schedule) {
          let taskId: string | null = null;
          if (owner && !td.notApplicable && td.dueAt > now) {
            const task = await deps.services.tasks.create(t, actor, {
              title: td.kind === 'admission'
                ? `入住检测：隔离第 ${td.day} 天（${td.date}） · Admission test, stay day ${td.day} (${td.date})`
                : `隔离第 ${td.day} 天核酸检测（${td.date}） · Quarantine test, day ${td.day} (${td.date})`,
              description: `${facility ? facility.name : '居家隔离'}：请于 ${td.date} 完成核酸采样并在隔离记录中登记结果。 · Sample on ${td.date} and record the result in the stay (${facility ? facility.name : 'home quarantine'}).`,
              sourceModule: 'quarantine',
              sourceEntityType: 'quarantine_stay',
              sourceEntityId: stay.id,
              assigneeUnitId: owner.id,
              jurisdictionPath: facility?.jurisdiction_path ?? personPath,
              priority: 'normal',
              dueAt: td.dueAt,
            });
            taskId = task.id;
          }
          testRows.push({ id: newId(), stay_id: stay.id, day: td.day, date: td.date, due_at: td.dueAt, task_id: taskId, result: null, recorded_at: null, recorded_by: null, kind: td.kind, not_applicable: td.notApplicable ? 1 : 0 });
        }
        await repo.insertTests(t, testRows);
        await schedulePhaseEnd(t, stay.id, current);
        await deps.services.journal.append(t, actor, {
          action: 'quarantine.stay.create',
          entityType: 'quarantine_stay',
          entityId: stay.id,
          jurisdictionPath: personPath,
          payload: {
            personId: stay.person_id, mode: stay.mode, category, facilityId: stay.facility_id, roomId: stay.room_id, basis: input.basis, presetVersion: preset.version, exposureDay,
            exposureFrom: input.exposureDate ? 'entered' : 'basis', placedDay: today, endDay: plan.endDay, phase: current.phase,
            testDays: schedule.filter((x) => !x.notApplicable).map((x) => x.day), notApplicableDays: schedule.filter((x) => x.notApplicable).map((x) => x.day),
          },
          reason,
        });
        return stayDto(stay, testRows);
      });
    },

    async getStay(actor: Actor, id: string, db: DbOrTx = deps.db): Promise<StayDto> {
      const s = await visibleStay(db, actor, id);
      return (await labelled(actor, [stayDto(s, await repo.listTests(db, id))], db))[0]!;
    },

    async listStays(actor: Actor, q: { status?: 'active' | 'released'; facilityId?: string; page?: number; pageSize?: number } = {}, db: DbOrTx = deps.db): Promise<{ items: StayDto[]; total: number }> {
      const pageSize = q.pageSize ?? 50;
      const r = await repo.listStays(db, scopePrefix(actor), { status: q.status, facilityId: q.facilityId, limit: pageSize, offset: ((q.page ?? 1) - 1) * pageSize });
      const tests = await repo.listTestsOfStays(db, r.rows.map((s) => s.id));
      const items = r.rows.map((s) => stayDto(s, tests.get(s.id)!));
      return { items: await labelled(actor, items, db), total: r.total };
    },

    /** Records a scheduled test day's result (negative / positive). */
    async recordTest(trx: DbOrTx | undefined, actor: Actor, stayId: string, input: { day: number; result: 'negative' | 'positive' }): Promise<StayDto> {
      return inTx(trx ?? deps.db, async (t) => {
        const s = await visibleStay(t, actor, stayId);
        if (s.status !== 'active') throw QuarantineErrors.QUARANTINE_STAY_RELEASED({ stayId });
        if (!(await repo.recordTest(t, stayId, input.day, { result: input.result, recorded_at: deps.clock.now(), recorded_by: actor.userId }))) {
          const tests = await repo.listTests(t, stayId);
          if (tests.some((x) => Number(x.day) === input.day)) throw QuarantineErrors.QUARANTINE_TEST_NOT_APPLICABLE({ day: input.day, placedDay: s.placed_day });
          throw QuarantineErrors.QUARANTINE_TEST_DAY_UNKNOWN({ day: input.day, testDays: tests.filter((x) => Number(x.not_applicable) !== 1).map((x) => Number(x.day)) });
        }
        await deps.services.journal.append(t, actor, { action: 'quarantine.stay.test', entityType: 'quarantine_stay', entityId: stayId, jurisdictionPath: s.person_path, payload: { day: input.day, result: input.result } });
        // 9th edition: a close contact turning positive makes THEIR secondary contacts close contacts.
        if (input.result === 'positive' && s.basis_type === 'contact') await upgradeSecondaries(t, actor, s.basis_id);
        // The last result of a stay already past its end: release at once when everything is negative.
        const now = deps.clock.now();
        if (now >= Number(s.ends_at) && s.phase !== 'central') {
          const c = await criteriaProblems(t, s, now);
          if (!c.pendingDays.length && !c.positiveDays.length) await doRelease(t, actor, s, '期满且检测均为阴性 Stay completed, all tests negative', false);
        }
        return stayDto((await repo.findStay(t, stayId))!, await repo.listTests(t, stayId));
      });
    },

    /**
     * Releases a stay whose criteria hold (end date reached, every scheduled test recorded negative);
     * otherwise 422 QUARANTINE_RELEASE_EARLY: an early release is a request (`requestEarlyRelease`)
     * that a second person holding `quarantine.release-early` approves.
     */
    async release(trx: DbOrTx | undefined, actor: Actor, stayId: string): Promise<StayDto> {
      return inTx(trx ?? deps.db, async (t) => {
        const s = await visibleStay(t, actor, stayId);
        if (s.status !== 'active') throw QuarantineErrors.QUARANTINE_STAY_RELEASED({ stayId });
        const c = await criteriaProblems(t, s, deps.clock.now());
        if (!(c.endReached && !c.pendingDays.length && !c.positiveDays.length)) {
          throw QuarantineErrors.QUARANTINE_RELEASE_EARLY({ endsAt: Number(s.ends_at), endDay: s.end_day, endReached: c.endReached, pendingDays: c.pendingDays, positiveDays: c.positiveDays, earlyReleaseRequest: `/api/quarantine/stays/${stayId}/release-requests` });
        }
        await doRelease(t, actor, s, '解除隔离 Release criteria met', false);
        return stayDto((await repo.findStay(t, stayId))!, await repo.listTests(t, stayId));
      });
    },

    /**
     * Asks for an early release (提前解除) of a stay whose criteria are not met, with a reason (the
     * shared reason rule). Nothing is released yet: a second holder of `quarantine.release-early`
     * approves (`decideEarlyRelease`). One pending request per stay. Journaled.
     */
    async requestEarlyRelease(trx: DbOrTx | undefined, actor: Actor, stayId: string, input: { reason?: unknown }): Promise<ReleaseRequestDto> {
      const reason = requireReason(input.reason);
      return inTx(trx ?? deps.db, async (t) => {
        const s = await visibleStay(t, actor, stayId);
        if (s.status !== 'active') throw QuarantineErrors.QUARANTINE_STAY_RELEASED({ stayId });
        const now = deps.clock.now();
        const c = await criteriaProblems(t, s, now);
        if (c.endReached && !c.pendingDays.length && !c.positiveDays.length) throw QuarantineErrors.QUARANTINE_RELEASE_CRITERIA_MET({ stayId });
        const pending = await repo.findPendingReleaseRequest(t, stayId);
        if (pending) throw QuarantineErrors.QUARANTINE_RELEASE_REQUEST_PENDING({ stayId, requestId: pending.id });
        const row: QuarantineReleaseRequestsTable = {
          id: newId(), stay_id: s.id, person_id: s.person_id, person_path: s.person_path, facility_path: s.facility_path, status: 'pending', reason,
          requested_by: actorKey(actor), requested_by_name: (await repo.userDisplayName(t, actor.userId)) ?? actor.name, requested_at: now, decided_by: null, decided_by_name: null, decided_at: null, decision_note: null,
        };
        try {
          await repo.insertReleaseRequest(t, row);
        } catch (err) {
          if (isUniqueViolation(err)) throw QuarantineErrors.QUARANTINE_RELEASE_REQUEST_PENDING({ stayId });
          throw err;
        }
        await deps.services.journal.append(t, actor, {
          action: 'quarantine.release-request.create', entityType: 'quarantine_stay', entityId: s.id, jurisdictionPath: s.person_path,
          payload: { requestId: row.id, personId: s.person_id, endsAt: Number(s.ends_at), endReached: c.endReached, pendingDays: c.pendingDays, positiveDays: c.positiveDays },
          reason,
        });
        return releaseRequestDto(actor, row);
      });
    },

    /**
     * Approves or rejects a pending early-release request. The decider must be a second person (not
     * the requester; 403 otherwise). Approval releases the stay at once (override recorded when the
     * criteria still do not hold); rejection leaves it active. Both journaled; a note is optional on
     * approval and goes through the reason rule on rejection.
     */
    async decideEarlyRelease(trx: DbOrTx | undefined, actor: Actor, requestId: string, input: { decision: 'approve' | 'reject'; note?: unknown }): Promise<ReleaseRequestDto> {
      const note = input.decision === 'reject' ? requireReason(input.note, 'note') : typeof input.note === 'string' && input.note.trim() ? requireReason(input.note, 'note') : null;
      return inTx(trx ?? deps.db, async (t) => {
        const r = await repo.findReleaseRequest(t, requestId);
        if (!r || !(inScope(actor, r.person_path) || (r.facility_path !== null && inScope(actor, r.facility_path)))) throw QuarantineErrors.QUARANTINE_RELEASE_REQUEST_NOT_FOUND({ requestId });
        if (r.status !== 'pending') throw QuarantineErrors.QUARANTINE_RELEASE_REQUEST_DECIDED({ requestId, status: r.status });
        if (r.requested_by === actorKey(actor)) throw QuarantineErrors.QUARANTINE_RELEASE_SAME_PERSON({ requestId });
        const s = await visibleStay(t, actor, r.stay_id);
        const now = deps.clock.now();
        const approve = input.decision === 'approve';
        if (s.status !== 'active') throw QuarantineErrors.QUARANTINE_STAY_RELEASED({ stayId: s.id });
        const status = approve ? 'approved' : 'rejected';
        if (!(await repo.decideReleaseRequest(t, r.id, { status, decided_by: actorKey(actor), decided_by_name: (await repo.userDisplayName(t, actor.userId)) ?? actor.name, decided_at: now, decision_note: note }))) throw QuarantineErrors.QUARANTINE_RELEASE_REQUEST_DECIDED({ requestId });
        await deps.services.journal.append(t, actor, {
          action: approve ? 'quarantine.release-request.approve' : 'quarantine.release-request.reject', entityType: 'quarantine_stay', entityId: s.id, jurisdictionPath: s.person_path,
          payload: { requestId: r.id, personId: s.person_id, requestedBy: r.requested_by, requestReason: r.reason },
          ...(note ? { reason: note } : {}),
        });
        if (approve) {
          const c = await criteriaProblems(t, s, now);
          await doRelease(t, actor, s, r.reason, !(c.endReached && !c.pendingDays.length && !c.positiveDays.length));
        }
        return releaseRequestDto(actor, (await repo.findReleaseRequest(t, r.id))!);
      });
    },

    /** Early-release requests of stays in scope (`status` pending for the approvers' list), with masked names. */
    async listReleaseRequests(actor: Actor, q: { status?: ReleaseRequestDto['status']; stayId?: string; page?: number; pageSize?: number } = {}, db: DbOrTx = deps.db): Promise<{ items: ReleaseRequestDto[]; total: number }> {
      const pageSize = q.pageSize ?? 50;
      const r = await repo.listReleaseRequests(db, scopePrefix(actor), { status: q.status, stayId: q.stayId, limit: pageSize, offset: ((q.page ?? 1) - 1) * pageSize });
      const briefs = await deps.services.population.briefs(actor, [...new Set(r.rows.map((x) => x.person_id))], db);
      return { items: r.rows.map((x) => ({ ...releaseRequestDto(actor, x), personNameMasked: briefs.get(x.person_id) ? maskName(briefs.get(x.person_id)!.name) : null })), total: r.total };
    },

    /**
     * Records the point-to-point transfer (点对点转运) done: the person leaves the room and the next phase
     * (home quarantine or monitoring) begins with its control status. 409 when no transfer is due.
     */
    async recordTransfer(trx: DbOrTx | undefined, actor: Actor, stayId: string, input: { note?: string | null } = {}): Promise<StayDto> {
      return inTx(trx ?? deps.db, async (t) => {
        const s = await visibleStay(t, actor, stayId);
        const now = deps.clock.now();
        const phases = phasesOf(s);
        const central = phases.find((p) => p.phase === 'central');
        const later = phases.filter((p) => central && p.lastDay > central.lastDay);
        if (s.status !== 'active' || s.phase !== 'central' || !central || central.endsAt > now || !later.length) {
          throw QuarantineErrors.QUARANTINE_TRANSFER_NOT_DUE({ stayId, phase: s.phase, centralEndsAt: central?.endsAt ?? null });
        }
        await deps.services.journal.append(t, actor, {
          action: 'quarantine.stay.transfer', entityType: 'quarantine_stay', entityId: s.id, jurisdictionPath: s.person_path,
          payload: { personId: s.person_id, taskId: s.transfer_task_id, note: input.note?.trim() || null },
        });
        const next = later.find((p) => p.endsAt > now);
        if (next) await moveTo(t, actor, s, 'central', next);
        else await endStay(t, actor, s, 'central', now);
        return stayDto((await repo.findStay(t, stayId))!, await repo.listTests(t, stayId));
      });
    },

    /** The cases module tells the stay what a basis record says (its person, category and exposure or arrival day). */
    setBasisFacts(fn: BasisFactsSource | null): void {
      basisFacts = fn;
    },

    /** Runs the overdue-release check now (the recurring job calls it every minute). */
    checkOverdue: (trx: Tx, actor: Actor = systemActor('quarantine')) => checkOverdue(trx, actor, deps.clock.now()),

    /** For the situation home page: active stays past their end, not released (`prefix` null = city). */
    overdueReleases: (prefix: string | null, db: DbOrTx = deps.db) => situation.overdueReleases(db, prefix, deps.clock.now()),
  };
}

export type QuarantineService = ReturnType<typeof createQuarantineService>;
