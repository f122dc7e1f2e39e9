import { z } from 'zod';
import { BASIS_TYPES } from '../control/index.js';
import { QUARANTINE_LIMITS as L, ROOM_STATUS_LIST, STAY_CATEGORY_LIST, STAY_PHASES } from '../../../common/quarantine.js';

const id = z.string().min(1).max(64);
const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .describe('Calendar day YYYY-MM-DD (BULWARK_TZ)');

export const idParams = z.object({ id });
export const roomParams = z.object({ id, roomId: id });

export const occupancy = z.object({
  roomsTotal: z.number().int(),
  roomsAvailable: z.number().int().describe('Rooms free for a new person'),
  roomsOccupied: z.number().int(),
  roomsCleaning: z.number().int(),
  roomsOutOfService: z.number().int(),
  bedsTotal: z.number().int(),
  occupants: z.number().int().describe('Persons currently in a room'),
});

export const room = z.object({
  id: z.string(),
  facilityId: z.string(),
  number: z.string(),
  floor: z.number().int(),
  capacity: z.number().int(),
  status: z.enum(ROOM_STATUS_LIST),
  occupants: z.number().int(),
});

export const facility = z.object({
  id: z.string(),
  name: z.string(),
  jurisdictionId: z.string(),
  jurisdictionPath: z.string(),
  address: z.string(),
  lng: z.number().nullable(),
  lat: z.number().nullable(),
  staffCount: z.number().int(),
  unitId: z.string().nullable(),
  active: z.boolean(),
  occupancy,
  createdAt: z.number(),
  updatedAt: z.number(),
});
export const facilityDetail = facility.extend({ rooms: z.array(room) });

export const facilityBody = z.strictObject({
  name: z.string().trim().min(1).max(L.facilityName).describe('Facility name'),
  jurisdictionId: id.describe('Where it is (a jurisdiction inside your scope)'),
  address: z.string().trim().min(1).max(L.address),
  lng: z.number().min(-180).max(180).nullable().optional().describe('Longitude (GCJ-02 as shown on the map)'),
  lat: z.number().min(-90).max(90).nullable().optional(),
  staffCount: z.number().int().min(0).max(100_000).optional(),
  unitId: id.nullable().optional().describe('Unit that runs the facility; test-day tasks go to it'),
});
export const facilityPatch = z.strictObject({
  name: z.string().trim().min(1).max(L.facilityName).optional(),
  address: z.string().trim().min(1).max(L.address).optional(),
  lng: z.number().min(-180).max(180).nullable().optional(),
  lat: z.number().min(-90).max(90).nullable().optional(),
  staffCount: z.number().int().min(0).max(100_000).optional(),
  unitId: id.nullable().optional(),
  active: z.boolean().optional().describe('false takes the facility out of service'),
});
export const facilityListQuery = z.object({
  active: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
});

export const roomsBody = z.strictObject({
  rooms: z
    .array(
      z.strictObject({
        number: z.string().trim().min(1).max(32).describe('Room number, unique in the facility'),
        floor: z.number().int().min(-5).max(200),
        capacity: z.number().int().min(1).max(20).optional().describe('Persons (default 1)'),
      }),
    )
    .min(1)
    .max(2000),
});
export const roomStatusBody = z.strictObject({ status: z.enum(['available', 'cleaning', 'out_of_service']).describe('occupied follows assignments only') });

const basis = z.strictObject({ type: z.enum(BASIS_TYPES).describe('contact · case · …'), id: id.describe('Id of the basis record') });

export const stayBody = z.strictObject({
  personId: id,
  mode: z.enum(['central', 'home']).describe('central: a room of a facility; home: no room'),
  facilityId: id.nullable().optional(),
  roomId: id.nullable().optional().describe('A specific room; default the first free one'),
  basis,
  reason: z.string().trim().min(1).max(L.reason),
  exposureDate: day
    .nullable()
    .optional()
    .describe(
      "Last exposure (or arrival) day; default the basis record's date (the contact's exposure, the traveller's arrival); required when it has none, never the placement day",
    ),
  category: z.enum(STAY_CATEGORY_LIST).nullable().optional().describe("Which preset rule applies (default the basis record's category, else close)"),
});

const phase = z.object({
  phase: z.enum(STAY_PHASES),
  days: z.number().int(),
  lastDay: z.number().int().describe('Last day number of the phase (inclusive)'),
  endsAt: z.number().describe('Epoch ms the phase ends: the end of its last day in BULWARK_TZ'),
});
const firstDay = z.union([z.literal(0), z.literal(1)]).describe('The number of the exposure day (0 or 1, by the preset)');

export const stay = z.object({
  id: z.string(),
  personId: z.string(),
  jurisdictionPath: z.string(),
  mode: z.enum(['central', 'home']),
  category: z.enum(STAY_CATEGORY_LIST),
  facilityId: z.string().nullable(),
  roomId: z.string().nullable(),
  status: z.enum(['active', 'released']),
  phase: z.enum([...STAY_PHASES, 'ended', 'released']),
  phases: z.array(phase),
  basis: z.object({ type: z.enum(BASIS_TYPES), id: z.string() }),
  reason: z.string(),
  preset: z.object({ id: z.string(), key: z.string(), version: z.string() }),
  firstDay,
  exposureDay: z.string(),
  endDay: z.string(),
  endsAt: z.number(),
  dayCounter: z.object({
    day: z.number().int().describe('Clamped to 0…total'),
    total: z.number().int(),
    ended: z.boolean().describe('Past the last day'),
    label: z.string().describe('第 3 天 / 共 10 天'),
  }),
  placedDay: z.string().nullable().describe('The day the person was placed'),
  transfer: z.object({ due: z.boolean().describe('Central phase ended: a point-to-point transfer is due'), taskId: z.string().nullable() }),
  resultTaskId: z.string().nullable().describe('The one task asking for a result still pending after the end'),
  overdue: z.boolean().describe('Active and past its end'),
  overdueAlertedAt: z.number().nullable(),
  ownerUnitId: z.string().nullable(),
  releasedAt: z.number().nullable(),
  releaseReason: z.string().nullable(),
  releaseOverride: z.boolean(),
  tests: z.array(
    z.object({
      day: z.number().int(),
      date: z.string(),
      dueAt: z.number(),
      taskId: z.string().nullable(),
      result: z.enum(['negative', 'positive']).nullable(),
      recordedAt: z.number().nullable(),
      kind: z.enum(['scheduled', 'admission']).describe('admission: 入住检测 for a person placed after a test day'),
      notApplicable: z.boolean().describe('Placed after this day (不适用（入住晚于该日）)'),
    }),
  ),
  createdAt: z.number(),
  personNameMasked: z.string().nullable().optional().describe('Masked name (on reads; null when the person lies outside your scope)'),
  facilityName: z.string().nullable().optional(),
  roomNumber: z.string().nullable().optional(),
  homePlace: z
    .string()
    .nullable()
    .optional()
    .describe('A home stay: the residence written to building level (小区 · 栋; no entrance or room), on reads; null otherwise'),
});

export const planQuery = z.object({
  mode: z.enum(['central', 'home']),
  category: z.enum(STAY_CATEGORY_LIST).optional(),
  exposureDate: day.optional().describe('Required: the last exposure (or arrival) day'),
});
export const plan = z.object({
  preset: z.object({ id: z.string(), key: z.string(), version: z.string(), name: z.string() }),
  mode: z.enum(['central', 'home']),
  category: z.enum(STAY_CATEGORY_LIST),
  firstDay,
  exposureDay: z.string(),
  phases: z.array(phase),
  totalDays: z.number().int(),
  endDay: z.string(),
  endsAt: z.number(),
  tests: z.array(z.object({ day: z.number().int(), date: z.string(), dueAt: z.number(), notApplicable: z.boolean() })),
  placedDay: z.string(),
  admissionTest: z.boolean().describe('An admission test (入住检测) would be scheduled at once'),
});
export const transferBody = z.strictObject({ note: z.string().trim().max(L.note).nullable().optional().describe('Vehicle, escort, arrival time') });

export const stayListQuery = z.object({
  status: z.enum(['active', 'released']).optional(),
  facilityId: id.optional(),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
});
export const testBody = z.strictObject({ day: z.number().int().min(0).max(60).describe('Test day number'), result: z.enum(['negative', 'positive']) });
export const releaseBody = z.strictObject({}).describe('A normal release takes no body fields: an early release is a request (POST …/release-requests)');

export const releaseRequestBody = z.strictObject({
  reason: z.string().max(L.reason).describe('Why the stay should end early (the shared reason rule: a real reason, not punctuation)'),
});
export const releaseDecisionBody = z.strictObject({
  decision: z.enum(['approve', 'reject']),
  note: z.string().max(L.note).nullable().optional().describe('Required to reject (the reason rule); optional to approve'),
});
export const releaseRequest = z.object({
  id: z.string(),
  stayId: z.string(),
  personId: z.string(),
  status: z.enum(['pending', 'approved', 'rejected', 'void']),
  reason: z.string(),
  requestedBy: z.string(),
  requestedByName: z.string(),
  requestedAt: z.number(),
  decidedBy: z.string().nullable(),
  decidedByName: z.string().nullable(),
  decidedAt: z.number().nullable(),
  decisionNote: z.string().nullable(),
  canDecide: z.boolean().describe('The caller holds quarantine.release-early and is not the requester'),
  personNameMasked: z.string().nullable().optional(),
});
export const releaseRequestListQuery = z.object({
  status: z.enum(['pending', 'approved', 'rejected', 'void']).optional(),
  stayId: id.optional(),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
});

// ── what a client sends (type-only imports for the web) ─────────────────────
export type FacilityBody = z.input<typeof facilityBody>;
export type StayBody = z.input<typeof stayBody>;

// ── what the server answers: the response shapes, inferred (issue 15: the schemas are the one source;
// the services build them with `satisfies`, the web imports these types with `import type`) ─────────
export type OccupancyDto = z.infer<typeof occupancy>;
export type RoomDto = z.infer<typeof room>;
export type FacilityDto = z.infer<typeof facility>;
export type FacilityDetailDto = z.infer<typeof facilityDetail>;
/** A phase of a stay's plan (central, home quarantine, home monitoring) and where it ends. */
export type PlannedPhase = z.infer<typeof phase>;
export type StayDto = z.infer<typeof stay>;
/** What a stay would be if assigned now under the active preset (the assign dialog shows it before saving). */
export type StayPlanDto = z.infer<typeof plan>;
/** An early-release request (提前解除申请): approved by a second person holding `quarantine.release-early`. */
export type ReleaseRequestDto = z.infer<typeof releaseRequest>;
