import { inTx, isUniqueViolation, type DbOrTx, type Tx } from '../../db/dialect.js';
import { inScope, scopePrefix, type Actor } from '../../platform/actor.js';
import { newId } from '../../platform/ids.js';
import * as repo from './quarantine.repository.js';
import type { FacilityDto, OccupancyDto, RoomDto } from './quarantine.schemas.js';
import type { QuarantineFacilitiesTable, QuarantineRoomsTable, QuarantineStaysTable } from './quarantine.table.js';
import {
  facilityDto,
  occupancyOf,
  QuarantineErrors,
  roomDto,
  visibleFacility,
  type FacilityInput,
  type QuarantineInputs,
  type RoomStatus,
} from './quarantine.shared.js';

export type FacilitiesDeps = Pick<QuarantineInputs, 'db' | 'clock' | 'journal' | 'outbox' | 'jurisdiction' | 'unitRef'>;

/**
 * Central quarantine facilities and their rooms (集中隔离点): the facility counters kept in the same
 * transaction as each room change, live occupancy published to the outbox, and the recount check.
 */
export function createQuarantineFacilities(deps: FacilitiesDeps) {
  /**
   * The unit named to run a facility: it must exist and sit inside the caller's scope, or above the
   * facility's location (a city team may run a district's facility); a unit of another district is
   * answered like a missing one.
   */
  async function runningUnit(db: DbOrTx, actor: Actor, unitId: string, facilityPath: string): Promise<string> {
    const u = await deps.unitRef(unitId, db);
    if (!u || !(inScope(actor, u.jurisdictionPath) || facilityPath.startsWith(u.jurisdictionPath)))
      throw QuarantineErrors.QUARANTINE_UNIT_NOT_FOUND({ field: 'unitId', unitId });
    return u.id;
  }

  async function publishOccupancy(trx: Tx, facilityId: string): Promise<void> {
    const f = await repo.findFacility(trx, facilityId);
    if (!f) return;
    await deps.outbox.publish(trx, {
      topic: 'quarantine.occupancy',
      capability: 'quarantine.read',
      jurisdictionPath: f.jurisdiction_path,
      payload: { facilityId, ...occupancyOf(f) },
    });
  }

  /** Moves a room between states and keeps the facility counters in the same transaction. */
  async function setRoom(trx: Tx, room: QuarantineRoomsTable, status: RoomStatus, occupants: number): Promise<void> {
    const now = deps.clock.now();
    const ok = await repo.updateRoom(trx, room.id, { status: room.status, occupants: Number(room.occupants) }, { status, occupants, updated_at: now });
    if (!ok) throw QuarantineErrors.QUARANTINE_CONCURRENT_CHANGE({ roomId: room.id });
    const deltas: Partial<Record<repo.FacilityCounter, number>> = { occupants: occupants - Number(room.occupants) };
    if (status !== room.status) {
      deltas[repo.ROOM_STATUS_COLUMN[room.status]] = -1;
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

  return {
    setRoom,
    leaveRoom,

    async createFacility(trx: DbOrTx | undefined, actor: Actor, input: FacilityInput): Promise<FacilityDto> {
      return inTx(trx ?? deps.db, async (t) => {
        const j = await deps.jurisdiction(input.jurisdictionId, t);
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
        await deps.journal.append(t, actor, {
          action: 'quarantine.facility.create',
          entityType: 'quarantine_facility',
          entityId: row.id,
          jurisdictionPath: row.jurisdiction_path,
          payload: { name: row.name, staffCount: row.staff_count },
        });
        return facilityDto(row);
      });
    },

    async updateFacility(
      trx: DbOrTx | undefined,
      actor: Actor,
      id: string,
      input: Partial<Omit<FacilityInput, 'jurisdictionId'>> & { active?: boolean },
    ): Promise<FacilityDto> {
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
        await deps.journal.append(t, actor, {
          action: 'quarantine.facility.update',
          entityType: 'quarantine_facility',
          entityId: id,
          jurisdictionPath: before.jurisdiction_path,
          payload: { changes },
        });
        return facilityDto((await repo.findFacility(t, id))!);
      });
    },

    async getFacility(actor: Actor, id: string, db: DbOrTx = deps.db): Promise<FacilityDto & { rooms: RoomDto[] }> {
      const f = await visibleFacility(db, actor, id);
      return { ...facilityDto(f), rooms: (await repo.listRooms(db, id)).map(roomDto) };
    },

    async listFacilities(
      actor: Actor,
      q: { active?: boolean; page?: number; pageSize?: number } = {},
      db: DbOrTx = deps.db,
    ): Promise<{ items: FacilityDto[]; total: number }> {
      const pageSize = q.pageSize ?? 50;
      const r = await repo.listFacilities(db, scopePrefix(actor), { active: q.active, limit: pageSize, offset: ((q.page ?? 1) - 1) * pageSize });
      return { items: r.rows.map(facilityDto), total: r.total };
    },

    /** Adds rooms to a facility (all or nothing: a duplicate number is a 409 naming them). */
    async createRooms(
      trx: DbOrTx | undefined,
      actor: Actor,
      facilityId: string,
      rooms: { number: string; floor: number; capacity?: number }[],
    ): Promise<RoomDto[]> {
      return inTx(trx ?? deps.db, async (t) => {
        const f = await visibleFacility(t, actor, facilityId);
        const numbers = rooms.map((r) => r.number.trim());
        const dup = numbers.filter((n, i) => numbers.indexOf(n) !== i);
        const taken = [...new Set([...dup, ...(await repo.existingRoomNumbers(t, facilityId, numbers))])];
        if (taken.length) throw QuarantineErrors.QUARANTINE_ROOM_NUMBER_TAKEN({ numbers: taken.slice(0, 50) });
        const now = deps.clock.now();
        const rows: QuarantineRoomsTable[] = rooms.map((r, i) => ({
          id: newId(),
          facility_id: facilityId,
          number: numbers[i]!,
          floor: r.floor,
          capacity: r.capacity ?? 1,
          status: 'available',
          occupants: 0,
          created_at: now,
          updated_at: now,
        }));
        try {
          await repo.insertRooms(t, rows);
        } catch (err) {
          if (isUniqueViolation(err)) throw QuarantineErrors.QUARANTINE_ROOM_NUMBER_TAKEN({ numbers });
          throw err;
        }
        const beds = rows.reduce((a, r) => a + r.capacity, 0);
        await repo.bumpFacility(t, facilityId, { rooms_total: rows.length, rooms_available: rows.length, beds_total: beds }, now);
        await deps.journal.append(t, actor, {
          action: 'quarantine.rooms.create',
          entityType: 'quarantine_facility',
          entityId: facilityId,
          jurisdictionPath: f.jurisdiction_path,
          payload: { count: rows.length, beds },
        });
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
        if (Number(room.occupants) > 0 || room.status === status || (status as string) === 'occupied')
          throw QuarantineErrors.QUARANTINE_ROOM_STATUS_INVALID({ from: room.status, to: status, occupants: Number(room.occupants) });
        await setRoom(t, room, status, 0);
        await deps.journal.append(t, actor, {
          action: 'quarantine.room.status',
          entityType: 'quarantine_room',
          entityId: roomId,
          jurisdictionPath: f.jurisdiction_path,
          payload: { facilityId, from: room.status, to: status },
        });
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
  };
}

export type QuarantineFacilities = ReturnType<typeof createQuarantineFacilities>;
