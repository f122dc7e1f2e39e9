import { sql } from 'kysely';
import { z } from 'zod';
import { parseJsonColumn } from '../../db/row-values.js';
import type { DbOrTx } from '../../db/dialect.js';
import type { BasisType } from '../../../common/control.js';
import { STAY_PHASES, type StayCategory } from '../../../common/quarantine.js';
import type { PlannedPhase } from './quarantine.schemas.js';
import type {
  QuarantineFacilitiesTable,
  QuarantineReleaseRequestsTable,
  QuarantineRoomsTable,
  QuarantineStaysTable,
  QuarantineTestsTable,
  ReleaseRequestStatus,
  StayStatus,
  StayTestResult,
  StoredStayPhase,
} from './quarantine.table.js';

const plannedPhases = z.array(z.object({ phase: z.enum(STAY_PHASES), days: z.number(), lastDay: z.number(), endsAt: z.number() }));
/** The JSON columns of the quarantine tables, read through their schemas (see parseJsonColumn). */
export const readJson = {
  /** quarantine_stays.phases: the planned phases in order. */
  phases: (s: Pick<QuarantineStaysTable, 'phases'>): PlannedPhase[] => parseJsonColumn(plannedPhases, s.phases, 'quarantine_stays.phases'),
};

/** The facility counter column that counts rooms in each status. */
export const ROOM_STATUS_COLUMN = {
  available: 'rooms_available',
  occupied: 'rooms_occupied',
  cleaning: 'rooms_cleaning',
  out_of_service: 'rooms_out_of_service',
} as const;
export type RoomStatus = keyof typeof ROOM_STATUS_COLUMN;
export type FacilityCounter = (typeof ROOM_STATUS_COLUMN)[RoomStatus] | 'rooms_total' | 'beds_total' | 'occupants';

const scoped = (prefix: string | null) => (prefix ? `${prefix}%` : null);

// ---- facilities

export async function insertFacility(db: DbOrTx, row: QuarantineFacilitiesTable): Promise<void> {
  await db.insertInto('quarantine_facilities').values(row).execute();
}

export function findFacility(db: DbOrTx, id: string): Promise<QuarantineFacilitiesTable | undefined> {
  return db.selectFrom('quarantine_facilities').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listFacilities(
  db: DbOrTx,
  prefix: string | null,
  f: { active?: boolean; limit: number; offset: number },
): Promise<{ rows: QuarantineFacilitiesTable[]; total: number }> {
  let q = db.selectFrom('quarantine_facilities');
  const like = scoped(prefix);
  if (like) q = q.where('jurisdiction_path', 'like', like);
  if (f.active !== undefined) q = q.where('active', '=', f.active ? 1 : 0);
  const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await q.selectAll().orderBy('name').orderBy('id').limit(f.limit).offset(f.offset).execute();
  return { rows, total: Number(total.n) };
}

export async function updateFacility(db: DbOrTx, id: string, changes: Partial<QuarantineFacilitiesTable>): Promise<void> {
  await db.updateTable('quarantine_facilities').set(changes).where('id', '=', id).execute();
}

/** Adds deltas to a facility's counters in one UPDATE (same transaction as the change). */
export async function bumpFacility(db: DbOrTx, id: string, deltas: Partial<Record<FacilityCounter, number>>, now: number): Promise<void> {
  const set: Record<string, unknown> = { updated_at: now };
  for (const [col, d] of Object.entries(deltas)) if (d) set[col] = sql`${sql.ref(col)} + ${d}`;
  await db.updateTable('quarantine_facilities').set(set).where('id', '=', id).execute();
}

/** Occupancy recomputed from the rooms (for the counters-vs-recount check). */
export async function recountFacility(db: DbOrTx, id: string): Promise<Record<FacilityCounter, number>> {
  const rows = await db
    .selectFrom('quarantine_rooms')
    .select([
      'status',
      (eb) => eb.fn.countAll<number>().as('n'),
      (eb) => eb.fn.sum<number>('capacity').as('beds'),
      (eb) => eb.fn.sum<number>('occupants').as('occ'),
    ])
    .where('facility_id', '=', id)
    .groupBy('status')
    .execute();
  const out: Record<FacilityCounter, number> = {
    rooms_total: 0,
    rooms_available: 0,
    rooms_occupied: 0,
    rooms_cleaning: 0,
    rooms_out_of_service: 0,
    beds_total: 0,
    occupants: 0,
  };
  for (const r of rows) {
    out[ROOM_STATUS_COLUMN[r.status]] += Number(r.n);
    out.rooms_total += Number(r.n);
    out.beds_total += Number(r.beds ?? 0);
    out.occupants += Number(r.occ ?? 0);
  }
  return out;
}

// ---- rooms

export async function insertRooms(db: DbOrTx, rows: QuarantineRoomsTable[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 200)
    await db
      .insertInto('quarantine_rooms')
      .values(rows.slice(i, i + 200))
      .execute();
}

export function findRoom(db: DbOrTx, id: string): Promise<QuarantineRoomsTable | undefined> {
  return db.selectFrom('quarantine_rooms').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function existingRoomNumbers(db: DbOrTx, facilityId: string, numbers: readonly string[]): Promise<string[]> {
  if (!numbers.length) return [];
  const rows = await db.selectFrom('quarantine_rooms').select('number').where('facility_id', '=', facilityId).where('number', 'in', numbers).execute();
  return rows.map((r) => r.number);
}

export function listRooms(db: DbOrTx, facilityId: string, status?: RoomStatus): Promise<QuarantineRoomsTable[]> {
  let q = db.selectFrom('quarantine_rooms').selectAll().where('facility_id', '=', facilityId);
  if (status) q = q.where('status', '=', status);
  return q.orderBy('floor').orderBy('number').execute();
}

/** The first room that still has a free bed (available, or occupied below capacity). */
export function findFreeRoom(db: DbOrTx, facilityId: string): Promise<QuarantineRoomsTable | undefined> {
  return db
    .selectFrom('quarantine_rooms')
    .selectAll()
    .where('facility_id', '=', facilityId)
    .where('status', 'in', ['available', 'occupied'])
    .whereRef('occupants', '<', 'capacity')
    .orderBy('floor')
    .orderBy('number')
    .limit(1)
    .executeTakeFirst();
}

/** Conditional update: only when the room is still in `expect` (status and occupants). False when someone else changed it first. */
export async function updateRoom(
  db: DbOrTx,
  id: string,
  expect: { status: RoomStatus; occupants: number },
  set: { status: RoomStatus; occupants: number; updated_at: number },
): Promise<boolean> {
  const r = await db
    .updateTable('quarantine_rooms')
    .set(set)
    .where('id', '=', id)
    .where('status', '=', expect.status)
    .where('occupants', '=', expect.occupants)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

// ---- stays

export async function insertStay(db: DbOrTx, row: QuarantineStaysTable): Promise<void> {
  await db.insertInto('quarantine_stays').values(row).execute();
}

export function findStay(db: DbOrTx, id: string): Promise<QuarantineStaysTable | undefined> {
  return db.selectFrom('quarantine_stays').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findActiveStayOfPerson(db: DbOrTx, personId: string): Promise<QuarantineStaysTable | undefined> {
  return db.selectFrom('quarantine_stays').selectAll().where('person_id', '=', personId).where('status', '=', 'active').executeTakeFirst();
}

/** Conditional update on (status, phase) so a job and a person acting at once cannot both win. */
export async function updateStay(
  db: DbOrTx,
  id: string,
  expect: { status: StayStatus; phase: StoredStayPhase },
  set: Partial<QuarantineStaysTable>,
): Promise<boolean> {
  const r = await db
    .updateTable('quarantine_stays')
    .set(set)
    .where('id', '=', id)
    .where('status', '=', expect.status)
    .where('phase', '=', expect.phase)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Names of facilities and numbers of rooms, for labelling stays (one query each). */
export async function labelsOf(
  db: DbOrTx,
  facilityIds: readonly string[],
  roomIds: readonly string[],
): Promise<{ facilities: Map<string, string>; rooms: Map<string, string> }> {
  const f = facilityIds.length
    ? await db
        .selectFrom('quarantine_facilities')
        .select(['id', 'name'])
        .where('id', 'in', [...facilityIds])
        .execute()
    : [];
  const r = roomIds.length
    ? await db
        .selectFrom('quarantine_rooms')
        .select(['id', 'number'])
        .where('id', 'in', [...roomIds])
        .execute()
    : [];
  return { facilities: new Map(f.map((x) => [x.id, x.name])), rooms: new Map(r.map((x) => [x.id, x.number])) };
}

export async function listStays(
  db: DbOrTx,
  prefix: string | null,
  f: { status?: StayStatus; facilityId?: string; limit: number; offset: number },
): Promise<{ rows: QuarantineStaysTable[]; total: number }> {
  let q = db.selectFrom('quarantine_stays');
  const like = scoped(prefix);
  if (like) q = q.where((eb) => eb.or([eb('person_path', 'like', like), eb('facility_path', 'like', like)]));
  if (f.status) q = q.where('status', '=', f.status);
  if (f.facilityId) q = q.where('facility_id', '=', f.facilityId);
  const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await q.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit).offset(f.offset).execute();
  return { rows, total: Number(total.n) };
}

/** Active stays whose end has passed and whose overdue alert has not gone out. */
/**
 * Active stays past their end still to look at: not yet alerted, and not waiting on a result that
 * already has its task (those stay quiet until the result is recorded).
 */
export function findOverdueToCheck(db: DbOrTx, now: number, limit: number): Promise<QuarantineStaysTable[]> {
  return db
    .selectFrom('quarantine_stays as s')
    .selectAll('s')
    .where('s.status', '=', 'active')
    .where('s.ends_at', '<=', now)
    .where('s.overdue_alerted_at', 'is', null)
    .where((eb) =>
      eb.or([
        eb('s.result_task_id', 'is', null),
        eb.not(
          eb.exists(
            eb
              .selectFrom('quarantine_tests as t')
              .select('t.id')
              .whereRef('t.stay_id', '=', 's.id')
              .where('t.result', 'is', null)
              .where('t.not_applicable', '=', 0),
          ),
        ),
      ]),
    )
    .orderBy('s.ends_at')
    .limit(limit)
    .execute();
}

/** The newest stay resting on a basis record (a close contact's stay, for linked release). */
export function findStayByBasis(db: DbOrTx, type: BasisType, id: string): Promise<QuarantineStaysTable | undefined> {
  return db
    .selectFrom('quarantine_stays')
    .selectAll()
    .where('basis_type', '=', type)
    .where('basis_id', '=', id)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** Records a category change (a secondary contact upgraded to close). */
export async function setStayCategory(db: DbOrTx, id: string, category: StayCategory, now: number): Promise<void> {
  await db.updateTable('quarantine_stays').set({ category, updated_at: now }).where('id', '=', id).execute();
}

/** Sets a stay's task links (transfer, pending result) while it is active. */
export async function setStayLinks(
  db: DbOrTx,
  id: string,
  set: Partial<Pick<QuarantineStaysTable, 'transfer_task_id' | 'result_task_id' | 'updated_at'>>,
): Promise<boolean> {
  const r = await db.updateTable('quarantine_stays').set(set).where('id', '=', id).where('status', '=', 'active').executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function markOverdueAlerted(db: DbOrTx, id: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('quarantine_stays')
    .set({ overdue_alerted_at: now })
    .where('id', '=', id)
    .where('overdue_alerted_at', 'is', null)
    .where('status', '=', 'active')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

// ---- tests

export async function insertTests(db: DbOrTx, rows: QuarantineTestsTable[]): Promise<void> {
  if (rows.length) await db.insertInto('quarantine_tests').values(rows).execute();
}

export function listTests(db: DbOrTx, stayId: string): Promise<QuarantineTestsTable[]> {
  return db.selectFrom('quarantine_tests').selectAll().where('stay_id', '=', stayId).orderBy('day').execute();
}

/** The test days of many stays in one read, grouped by stay (each list in day order). */
export async function listTestsOfStays(db: DbOrTx, stayIds: readonly string[]): Promise<Map<string, QuarantineTestsTable[]>> {
  const out = new Map<string, QuarantineTestsTable[]>(stayIds.map((id) => [id, []]));
  if (!stayIds.length) return out;
  const rows = await db
    .selectFrom('quarantine_tests')
    .selectAll()
    .where('stay_id', 'in', [...stayIds])
    .orderBy('stay_id')
    .orderBy('day')
    .execute();
  for (const r of rows) out.get(r.stay_id)?.push(r);
  return out;
}

export async function recordTest(
  db: DbOrTx,
  stayId: string,
  day: number,
  set: { result: StayTestResult; recorded_at: number; recorded_by: string | null },
): Promise<boolean> {
  const r = await db
    .updateTable('quarantine_tests')
    .set(set)
    .where('stay_id', '=', stayId)
    .where('day', '=', day)
    .where('not_applicable', '=', 0)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

// ---- early-release requests

export async function insertReleaseRequest(db: DbOrTx, row: QuarantineReleaseRequestsTable): Promise<void> {
  await db.insertInto('quarantine_release_requests').values(row).execute();
}

export function findReleaseRequest(db: DbOrTx, id: string): Promise<QuarantineReleaseRequestsTable | undefined> {
  return db.selectFrom('quarantine_release_requests').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findPendingReleaseRequest(db: DbOrTx, stayId: string): Promise<QuarantineReleaseRequestsTable | undefined> {
  return db.selectFrom('quarantine_release_requests').selectAll().where('stay_id', '=', stayId).where('status', '=', 'pending').executeTakeFirst();
}

/** Moves a pending request to its decision; false when it was no longer pending (decided by someone else first). */
export async function decideReleaseRequest(
  db: DbOrTx,
  id: string,
  set: Pick<QuarantineReleaseRequestsTable, 'status' | 'decided_by' | 'decided_by_name' | 'decided_at' | 'decision_note'>,
): Promise<boolean> {
  const r = await db.updateTable('quarantine_release_requests').set(set).where('id', '=', id).where('status', '=', 'pending').executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Requests of stays in scope (by the person's path or the facility's), newest first. */
export async function listReleaseRequests(
  db: DbOrTx,
  prefix: string | null,
  f: { status?: ReleaseRequestStatus; stayId?: string; limit: number; offset: number },
): Promise<{ rows: QuarantineReleaseRequestsTable[]; total: number }> {
  let q = db.selectFrom('quarantine_release_requests');
  const like = scoped(prefix);
  if (like) q = q.where((eb) => eb.or([eb('person_path', 'like', like), eb('facility_path', 'like', like)]));
  if (f.status) q = q.where('status', '=', f.status);
  if (f.stayId) q = q.where('stay_id', '=', f.stayId);
  const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await q.selectAll().orderBy('requested_at', 'desc').orderBy('id', 'desc').limit(f.limit).offset(f.offset).execute();
  return { rows, total: Number(total.n) };
}

/** A stay released otherwise (criteria met): its pending early-release request lapses. */
export async function voidPendingReleaseRequests(db: DbOrTx, stayId: string, now: number): Promise<void> {
  await db
    .updateTable('quarantine_release_requests')
    .set({ status: 'void', decided_at: now })
    .where('stay_id', '=', stayId)
    .where('status', '=', 'pending')
    .execute();
}

/** A user's display name (shown on requests instead of a login name); undefined for system actors. */
export async function userDisplayName(db: DbOrTx, userId: string | null): Promise<string | undefined> {
  if (!userId) return undefined;
  const r = await db.selectFrom('users').select('display_name').where('id', '=', userId).executeTakeFirst();
  return r?.display_name;
}
