import type { Deps } from '../../deps.js';
import { inTx, isUniqueViolation, type DbOrTx, type Tx } from '../../db/dialect.js';
import { inScope, scopePrefix, systemActor, type Actor } from '../../platform/actor.js';
import { calendarDay, HOUR, MINUTE } from '../../platform/clock.js';
import { defineErrors, Errors } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { registerEntityScope } from '../../platform/http/policy.js';
import type { PresetParams } from '../cases/presets.schema.js';
import type { Basis, BasisType } from '../control/control.rules.js';
import { maskName } from '../population/names.js';
import { dayNumber, PHASE_STATUS, planStay, type PlannedPhase, type StayPhase } from './quarantine.plan.js';
import * as repo from './quarantine.repository.js';
import type { FacilityDto, OccupancyDto, RoomDto, StayDto, StayPlanDto, StayTestDto } from '../../../common/quarantine.js';
import type { QuarantineFacilitiesTable, QuarantineRoomsTable, QuarantineStaysTable, QuarantineTestsTable } from './quarantine.table.js';

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
  QUARANTINE_RULE_EMPTY: [422, 'The active preset defines no quarantine for this category'],
  QUARANTINE_STAY_NOT_FOUND: [404, 'Quarantine stay not found'],
  QUARANTINE_STAY_RELEASED: [409, 'The stay has already been released'],
  QUARANTINE_TEST_DAY_UNKNOWN: [422, 'This day is not a scheduled test day of the stay'],
  QUARANTINE_RELEASE_EARLY: [422, 'Release criteria not met (end date not reached or tests pending/positive): an override with a reason is required'],
  QUARANTINE_CONCURRENT_CHANGE: [409, 'The stay or room was changed by someone else first; reload and retry'],
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
  /** YYYY-MM-DD of the last exposure (or entry); default: today. */
  exposureDate?: string | null;
  /** Which preset rule applies (default close contacts). */
  category?: 'close' | 'secondary';
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

/**
 * Quarantine (隔离): central facilities with rooms and live occupancy, and stays (central or home)
 * computed from the active protocol preset, moved through their phases by jobs, with test days as
 * tasks, release rules, and the overdue-release alert (nobody is held past their end unnoticed).
 */
export function createQuarantineService(deps: Deps) {
  let presetSource: PresetSource | null = null;
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
    const day = dayNumber(r.exposure_day, firstDay, calendarDay(now, tz));
    const active = r.status === 'active';
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
      phases: JSON.parse(r.phases) as PlannedPhase[],
      basis: { type: r.basis_type as BasisType, id: r.basis_id },
      reason: r.reason,
      preset: { id: r.preset_id, key: r.preset_key, version: r.preset_version },
      firstDay,
      exposureDay: r.exposure_day,
      endDay: r.end_day,
      endsAt: Number(r.ends_at),
      dayCounter: { day, total, label: `第 ${day} 天 / 共 ${total} 天 (day ${day} of ${total})` },
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
      })),
      createdAt: Number(r.created_at),
    };
  }

  async function visibleFacility(db: DbOrTx, actor: Actor, id: string): Promise<QuarantineFacilitiesTable> {
    const r = await repo.findFacility(db, id);
    if (!r || !inScope(actor, r.jurisdiction_path)) throw QuarantineErrors.QUARANTINE_FACILITY_NOT_FOUND({ facilityId: id });
    return r;
  }

  async function visibleStay(db: DbOrTx, actor: Actor, id: string): Promise<QuarantineStaysTable> {
    const r = await repo.findStay(db, id);
    if (!r || !(inScope(actor, r.person_path) || (r.facility_path !== null && inScope(actor, r.facility_path)))) throw QuarantineErrors.QUARANTINE_STAY_NOT_FOUND({ stayId: id });
    return r;
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
  async function planFor(input: { mode: 'central' | 'home'; category?: 'close' | 'secondary'; exposureDate?: string | null }, db?: DbOrTx): Promise<StayPlanDto> {
    const preset = await activePreset(db);
    const category = input.category ?? 'close';
    const firstDay = preset.params.dayCounting.firstDay;
    const exposureDay = input.exposureDate ?? calendarDay(deps.clock.now(), tz);
    if (!DAY_RE.test(exposureDay)) throw QuarantineErrors.QUARANTINE_EXPOSURE_INVALID({ exposureDate: exposureDay });
    const plan = planStay(preset.params.contacts[category].quarantine, firstDay, input.mode, exposureDay, tz);
    if (!plan.phases.length) throw QuarantineErrors.QUARANTINE_RULE_EMPTY({ category, preset: preset.version });
    return { preset: { id: preset.id, key: preset.key, version: preset.version, name: preset.name }, mode: input.mode, category, firstDay, exposureDay, ...plan };
  }

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

  async function criteriaProblems(trx: DbOrTx, s: QuarantineStaysTable, now: number): Promise<{ endReached: boolean; pendingDays: number[]; positiveDays: number[] }> {
    const tests = await repo.listTests(trx, s.id);
    return {
      endReached: now >= Number(s.ends_at),
      pendingDays: tests.filter((t) => t.result === null).map((t) => Number(t.day)),
      positiveDays: tests.filter((t) => t.result === 'positive').map((t) => Number(t.day)),
    };
  }

  async function doRelease(trx: Tx, actor: Actor, s: QuarantineStaysTable, reason: string, override: boolean): Promise<void> {
    const now = deps.clock.now();
    const ok = await repo.updateStay(trx, s.id, { status: 'active', phase: s.phase }, { status: 'released', released_at: now, release_reason: reason, release_override: override ? 1 : 0, updated_at: now });
    if (!ok) throw QuarantineErrors.QUARANTINE_CONCURRENT_CHANGE({ stayId: s.id });
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
   * A phase boundary: move to the next phase (control status follows, the room is freed on leaving
   * central), or past the last one release when the criteria are met — else leave it for the
   * overdue check.
   */
  async function advance(trx: Tx, actor: Actor, stayId: string, fromPhase: string): Promise<void> {
    const s = await repo.findStay(trx, stayId);
    if (!s || s.status !== 'active' || s.phase !== fromPhase) return;
    const now = deps.clock.now();
    const phases = phasesOf(s);
    const next = phases.slice(phases.findIndex((p) => p.phase === fromPhase) + 1).find((p) => p.endsAt > now);
    if (!next) {
      const c = await criteriaProblems(trx, s, now);
      if (c.endReached && !c.pendingDays.length && !c.positiveDays.length) {
        await doRelease(trx, actor, s, '期满且检测均为阴性 Stay completed, all tests negative', false);
        return;
      }
      if (!(await repo.updateStay(trx, s.id, { status: 'active', phase: fromPhase }, { phase: 'ended', updated_at: now }))) return;
      if (fromPhase === 'central') await leaveRoom(trx, s);
      return;
    }
    if (!(await repo.updateStay(trx, s.id, { status: 'active', phase: fromPhase }, { phase: next.phase, updated_at: now }))) return;
    if (fromPhase === 'central') await leaveRoom(trx, s);
    await deps.services.control.applyAutomatic(trx, actor, {
      personIds: [s.person_id],
      to: PHASE_STATUS[next.phase],
      basis: { type: s.basis_type as BasisType, id: s.basis_id },
      reason: `隔离阶段转换：${fromPhase} → ${next.phase} · Quarantine phase: ${fromPhase} → ${next.phase}`,
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

  function schedulePhaseEnd(trx: Tx, stayId: string, p: PlannedPhase) {
    return deps.services.jobs.schedule(trx, { kind: 'quarantine.phase-end', payload: { stayId, phase: p.phase }, runAt: p.endsAt, uniqueKey: `quarantine.phase-end:${stayId}:${p.phase}` });
  }

  deps.services.jobs.registerHandler<{ stayId: string; phase: string }>('quarantine.phase-end', async (trx, payload, ctx) => {
    await advance(trx, ctx.actor, payload.stayId, payload.phase);
  });

  /**
   * NOBODY IS HELD PAST THEIR END DATE UNNOTICED. Active stays past their end: released at once when
   * their criteria are met; otherwise one warning alert and one task to the owner unit, per stay.
   */
  async function checkOverdue(trx: Tx, actor: Actor, now: number): Promise<number> {
    let n = 0;
    for (const s of await repo.findOverdueUnalerted(trx, now, 200)) {
      const c = await criteriaProblems(trx, s, now);
      if (!c.pendingDays.length && !c.positiveDays.length) {
        await doRelease(trx, actor, s, '期满且检测均为阴性 Stay completed, all tests negative', false);
        continue;
      }
      if (!(await repo.markOverdueAlerted(trx, s.id, now))) continue;
      const title = `隔离逾期未解除（${s.end_day}） · Quarantine past its end date (${s.end_day})`;
      const body = `隔离已到期但未解除：待检测第 ${c.pendingDays.join('、') || '—'} 天${c.positiveDays.length ? `，阳性第 ${c.positiveDays.join('、')} 天` : ''}。请核查并解除或说明原因。 · The stay has ended but the person is not released.`;
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

    /** What a stay would be if assigned now (the assign dialog shows the end date and test days first). */
    plan: planFor,

    // ---------------------------------------------------------------- facilities and rooms

    async createFacility(trx: DbOrTx | undefined, actor: Actor, input: FacilityInput): Promise<FacilityDto> {
      return inTx(trx ?? deps.db, async (t) => {
        const j = await deps.services.geo.getById(input.jurisdictionId, t);
        if (!j || !inScope(actor, j.path)) throw QuarantineErrors.QUARANTINE_JURISDICTION_NOT_FOUND({ jurisdictionId: input.jurisdictionId });
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
          unit_id: input.unitId ?? null,
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
        if (input.unitId !== undefined) set.unit_id = input.unitId;
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
        const category = input.category ?? 'close';
        const rule = preset.params.contacts[category].quarantine;
        const firstDay = preset.params.dayCounting.firstDay;
        const today = calendarDay(now, tz);
        const exposureDay = input.exposureDate ?? today;
        if (!DAY_RE.test(exposureDay) || exposureDay > today) throw QuarantineErrors.QUARANTINE_EXPOSURE_INVALID({ exposureDate: exposureDay, today });
        const plan = planStay(rule, firstDay, input.mode, exposureDay, tz);
        if (!plan.phases.length) throw QuarantineErrors.QUARANTINE_RULE_EMPTY({ category, preset: preset.version });
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

        const testRows: QuarantineTestsTable[] = [];
        for (const td of plan.tests) {
          let taskId: string | null = null;
          if (owner && td.dueAt > now) {
            const task = await deps.services.tasks.create(t, actor, {
              title: `隔离第 ${td.day} 天核酸检测（${td.date}） · Quarantine test, day ${td.day} (${td.date})`,
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
          testRows.push({ id: newId(), stay_id: stay.id, day: td.day, date: td.date, due_at: td.dueAt, task_id: taskId, result: null, recorded_at: null, recorded_by: null });
        }
        await repo.insertTests(t, testRows);
        await schedulePhaseEnd(t, stay.id, current);
        await deps.services.journal.append(t, actor, {
          action: 'quarantine.stay.create',
          entityType: 'quarantine_stay',
          entityId: stay.id,
          jurisdictionPath: personPath,
          payload: { personId: stay.person_id, mode: stay.mode, facilityId: stay.facility_id, roomId: stay.room_id, basis: input.basis, presetVersion: preset.version, exposureDay, endDay: plan.endDay, phase: current.phase, testDays: plan.tests.map((x) => x.day) },
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
          throw QuarantineErrors.QUARANTINE_TEST_DAY_UNKNOWN({ day: input.day, testDays: (await repo.listTests(t, stayId)).map((x) => Number(x.day)) });
        }
        await deps.services.journal.append(t, actor, { action: 'quarantine.stay.test', entityType: 'quarantine_stay', entityId: stayId, jurisdictionPath: s.person_path, payload: { day: input.day, result: input.result } });
        return stayDto(s, await repo.listTests(t, stayId));
      });
    },

    /**
     * Releases a stay. Without override the criteria must hold (end date reached, every scheduled test
     * recorded negative); otherwise 422 QUARANTINE_RELEASE_EARLY. An override needs a reason.
     */
    async release(trx: DbOrTx | undefined, actor: Actor, stayId: string, input: { reason?: string | null; override?: boolean } = {}): Promise<StayDto> {
      return inTx(trx ?? deps.db, async (t) => {
        const s = await visibleStay(t, actor, stayId);
        if (s.status !== 'active') throw QuarantineErrors.QUARANTINE_STAY_RELEASED({ stayId });
        const c = await criteriaProblems(t, s, deps.clock.now());
        const met = c.endReached && !c.pendingDays.length && !c.positiveDays.length;
        const reason = input.reason?.trim() ?? '';
        if (!met && !(input.override && reason)) {
          throw QuarantineErrors.QUARANTINE_RELEASE_EARLY({ endsAt: Number(s.ends_at), endDay: s.end_day, endReached: c.endReached, pendingDays: c.pendingDays, positiveDays: c.positiveDays, overrideReasonRequired: true });
        }
        await doRelease(t, actor, s, reason || '解除隔离 Release criteria met', !met);
        return stayDto((await repo.findStay(t, stayId))!, await repo.listTests(t, stayId));
      });
    },

    /** Runs the overdue-release check now (the recurring job calls it every minute). */
    checkOverdue: (trx: Tx, actor: Actor = systemActor('quarantine')) => checkOverdue(trx, actor, deps.clock.now()),
  };
}

export type QuarantineService = ReturnType<typeof createQuarantineService>;
