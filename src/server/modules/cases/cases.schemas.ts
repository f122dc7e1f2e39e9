import { z } from 'zod';
import { CASE_LIMITS as L } from '../../../common/cases.js';
import { TRAVELLER_CATEGORY_LIST } from '../../../common/quarantine.js';
import type { PresetParams } from './presets.schema.js';

const ms = z.number().int().describe('epoch ms');
const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .describe('YYYY-MM-DD (calendar day in the configured zone)');
export const idParams = z.object({ id: z.string().min(1) });

// ---- presets
export const preset = z.object({
  id: z.string(),
  key: z.string(),
  version: z.number().int(),
  label: z.string().describe('key@vN, what records store'),
  name: z.string(),
  nameEn: z.string().nullable(),
  params: z.record(z.string(), z.unknown()).describe('PresetParams (see presets.schema.ts)'),
  shipped: z.boolean(),
  active: z.boolean(),
  activatedAt: ms.nullable(),
  createdBy: z.object({ id: z.string().nullable(), name: z.string() }),
  createdAt: ms,
});
export const presetBody = z.strictObject({
  key: z
    .string()
    .trim()
    .min(1)
    .max(L.presetKey)
    .regex(/^[a-z0-9][a-z0-9-]*$/)
    .describe('family key; an existing key gets its next version'),
  name: z.string().trim().min(1).max(L.presetName),
  nameEn: z.string().trim().max(L.presetName).nullable().optional(),
  params: z.unknown().describe('every parameter (422 PRESET_INVALID lists what is missing or wrong)'),
});
export const activateBody = z.strictObject({ reason: z.string().trim().min(1).max(L.reason).describe('why the city switches protocol') });

// ---- cases
const speedMeasure = z.object({ hours: z.number().nullable(), targetHours: z.number(), met: z.boolean().nullable() });
export const caseDto = z.object({
  id: z.string(),
  personId: z.string(),
  nameMasked: z.string(),
  kind: z.enum(['confirmed', 'asymptomatic']),
  jurisdictionPath: z.string(),
  onsetDate: day.nullable(),
  reportDate: day,
  confirmedAt: ms,
  clinicalStatus: z.enum(['treatment', 'recovered', 'discharged']),
  detectionChannel: z.enum(['in_control', 'community']).describe('管控内 / 社会面'),
  sourceCaseId: z.string().nullable(),
  clusterId: z.string().nullable(),
  presetId: z.string(),
  presetVersion: z.string().describe('the preset version the case was handled under (kept)'),
  links: z.object({ positiveTubeId: z.string().nullable(), recheckId: z.string().nullable(), recheckTubeId: z.string().nullable() }),
  positiveAt: ms.nullable(),
  coreInvestigationAt: ms.nullable(),
  closeContactsAt: ms.nullable(),
  createdAt: ms,
});
export const caseDetail = caseDto.extend({
  speed: z.object({
    positiveToConfirmed: speedMeasure,
    coreInvestigation: speedMeasure,
    closeContactsIdentified: speedMeasure,
    contactToQuarantine: speedMeasure,
  }),
});
export const caseBody = z.strictObject({
  personId: z.string().min(1),
  kind: z.enum(['confirmed', 'asymptomatic']),
  onsetDate: day.nullable().optional(),
  reportDate: day.nullable().optional().describe('default today'),
  sourceCaseId: z.string().nullable().optional(),
  clusterId: z.string().nullable().optional().describe("default: the source case's cluster, else a new cluster"),
  reason: z.string().trim().min(1).max(L.reason),
});
export const confirmBody = z
  .strictObject({
    recheckTubeId: z.string().min(1).optional().describe('the positive recheck tube'),
    handoverId: z.string().min(1).optional().describe('or the recheck (hand-over record) id'),
    kind: z.enum(['confirmed', 'asymptomatic']),
    onsetDate: day.nullable().optional(),
    reason: z.string().trim().min(1).max(L.reason),
  })
  .refine((b) => !!b.recheckTubeId !== !!b.handoverId, { message: 'give exactly one of recheckTubeId and handoverId' });
export const sourceBody = z.strictObject({ sourceCaseId: z.string().min(1).nullable(), reason: z.string().trim().min(1).max(L.reason) });
export const clinicalBody = z.strictObject({ status: z.enum(['treatment', 'recovered', 'discharged']), reason: z.string().trim().max(L.reason).optional() });
export const caseListQuery = z.object({
  kind: z.enum(['confirmed', 'asymptomatic']).optional(),
  channel: z.enum(['in_control', 'community']).optional(),
  clusterId: z.string().optional(),
  cursor: z.string().optional().describe('nextCursor of the previous page'),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});
/** A row of the case list: the case and the display name of its residence node (so a table needs no lookup per row). */
export const caseListItem = caseDto.extend({
  jurisdictionName: z.string().nullable().describe('name of the node at jurisdictionPath (null if the node is gone)'),
});
export const caseList = z.object({ items: z.array(caseListItem), nextCursor: z.string().nullable() });
export type CaseListItem = z.infer<typeof caseListItem>;
export type CaseList = z.infer<typeof caseList>;

// ---- investigation
export const place = z.object({
  id: z.string(),
  caseId: z.string(),
  jurisdictionId: z.string().nullable(),
  placePath: z.string().nullable(),
  placeLevel: z.string().nullable(),
  location: z.tuple([z.number(), z.number()]).nullable(),
  snapped: z.boolean().describe('the node was found from the coordinates'),
  description: z.string().nullable(),
  fromAt: ms,
  toAt: ms,
});
export const placeBody = z.strictObject({
  jurisdictionId: z.string().min(1).nullable().optional().describe('a compound, building or entrance'),
  lng: z.number().min(-180).max(180).nullable().optional().describe('or coordinates, snapped to the nearest building/compound'),
  lat: z.number().min(-90).max(90).nullable().optional(),
  description: z.string().trim().max(L.placeDescription).nullable().optional(),
  fromAt: ms,
  toAt: ms,
});

// ---- contacts
export const contact = z.object({
  id: z.string(),
  caseId: z.string(),
  clusterId: z.string().nullable(),
  personId: z.string().nullable(),
  nameMasked: z.string(),
  category: z.enum(['close', 'secondary']),
  exposureDate: day,
  exposurePlace: z.string().nullable(),
  relation: z.string().nullable(),
  beforeLookback: z.boolean().describe('exposure before the preset look-back window (flag)'),
  routing: z.enum(['local', 'handover', 'assist']).describe('local · handed to another district · outgoing 协查'),
  handoverTaskId: z.string().nullable(),
  assistRequestId: z.string().nullable(),
  controlStatus: z.string().nullable(),
  quarantinedAt: ms.nullable(),
  status: z.enum(['open', 'closed']),
  presetVersion: z.string(),
  identifiedAt: ms,
  viaContactId: z.string().nullable().describe('Secondary contacts: the close contact they were exposed through (linked release, upgrade)'),
});
export const contactBody = z.strictObject({
  category: z.enum(['close', 'secondary']),
  exposureDate: day,
  viaContactId: z.string().min(1).max(64).nullable().optional().describe('Secondary contacts: THEIR close contact (a close contact of the same case)'),
  exposurePlace: z.string().trim().max(L.exposurePlace).nullable().optional(),
  relation: z.string().trim().max(L.relation).nullable().optional(),
  personId: z.string().min(1).nullable().optional().describe('an existing person'),
  newPerson: z
    .strictObject({
      name: z.string().trim().min(1).max(L.personName),
      idType: z.enum(['resident_id', 'passport', 'hk_macao_tw']),
      idNumber: z.string().trim().min(1).max(L.idNumber),
      phone: z.string().trim().max(L.phone).nullable().optional(),
      birthDate: day,
      sex: z.enum(['male', 'female']),
      jurisdictionId: z.string().min(1).describe('place of stay in the city'),
      regionOfOrigin: z.string().trim().max(L.region).nullable().optional(),
    })
    .nullable()
    .optional()
    .describe('or a non-resident to register'),
  outsideCity: z
    .strictObject({
      region: z.string().trim().min(1).max(L.region),
      name: z.string().trim().min(1).max(L.personName),
      note: z.string().trim().max(L.note).nullable().optional(),
    })
    .nullable()
    .optional()
    .describe('or someone living outside the city (an outgoing 协查 request)'),
});
export const contactListQuery = z.object({
  category: z.enum(['close', 'secondary']).optional(),
  caseId: z.string().optional(),
  personId: z.string().max(64).optional().describe("One person's contact links (the assign-quarantine dialog's bases)"),
  cursor: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});
export const contactList = z.object({ items: z.array(contact), nextCursor: z.string().nullable() });
export const reasonBody = z.strictObject({ reason: z.string().trim().min(1).max(L.reason) });

// ---- 协查
export const assist = z.object({
  id: z.string(),
  direction: z.enum(['outgoing', 'incoming']),
  status: z.enum(['pending', 'sent', 'answered', 'closed']),
  region: z.string(),
  caseId: z.string().nullable(),
  contactId: z.string().nullable(),
  subjectMasked: z.string(),
  category: z.string().nullable(),
  note: z.string().nullable(),
  externalRef: z.string().nullable(),
  jurisdictionPath: z.string(),
  createdAt: ms,
  updatedAt: ms,
});
export const incomingBody = z.strictObject({
  region: z.string().trim().min(1).max(L.region).describe('the requesting region'),
  subjectName: z.string().trim().min(1).max(L.personName).describe('stored masked only'),
  jurisdictionId: z.string().min(1).describe('where the subject is in our city'),
  category: z.enum(['close', 'secondary', 'case']).nullable().optional(),
  note: z.string().trim().max(L.note).nullable().optional(),
  externalRef: z.string().trim().max(L.externalRef).nullable().optional(),
});
export const assistStatusBody = z.strictObject({ status: z.enum(['sent', 'answered', 'closed']), note: z.string().trim().max(L.note).nullable().optional() });
export const assistListQuery = z.object({
  direction: z.enum(['outgoing', 'incoming']).optional(),
  status: z.enum(['pending', 'sent', 'answered', 'closed']).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
  offset: z.coerce.number().int().min(0).optional(),
});

// ---- clusters
const clusterStatus = z.enum(['active', 'contained', 'extinguished']);
const speedAgg = z.object({ meanHours: z.number().nullable(), targetHours: z.number(), measured: z.number().int(), met: z.number().int() });
export const board = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      status: clusterStatus,
      jurisdictionPath: z.string(),
      firstCaseId: z.string().nullable(),
      presetVersion: z.string(),
      jurisdictionName: z.string().nullable().describe('name of the node at jurisdictionPath (null if the node is gone)'),
      cases: z.number().int(),
      daysSinceLastCase: z.number().int(),
      inControlShare: z.number().describe('share of cases found inside control (管控内)'),
      openContacts: z.number().int(),
      uncontrolledContacts: z.number().int(),
      speed: z.object({ positiveToConfirmed: speedAgg, coreInvestigation: speedAgg, closeContactsIdentified: speedAgg, contactToQuarantine: speedAgg }),
    }),
  ),
});
/** GET /api/clusters/board */
export type ClusterBoard = z.infer<typeof board>;
export const cluster = z.object({
  id: z.string(),
  name: z.string(),
  status: clusterStatus,
  jurisdictionPath: z.string(),
  firstCaseId: z.string().nullable(),
  presetVersion: z.string(),
  lastCaseAt: ms.nullable(),
  containedAt: ms.nullable(),
  extinguishedAt: ms.nullable(),
  createdAt: ms,
});
export const renameClusterBody = z.strictObject({
  name: z.string().trim().min(1).max(L.clusterName).describe('The name HQs use, e.g. 西陵区 12·07 疫情'),
  reason: z.string().trim().max(L.reason).optional().describe('Why it was renamed (journaled)'),
});
export type RenameClusterInput = z.infer<typeof renameClusterBody>;
export const graphQuery = z.object({
  category: z.enum(['close', 'secondary']).optional(),
  kind: z.enum(['confirmed', 'asymptomatic']).optional(),
  contacts: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => v !== 'false'),
});
export const graph = z.object({
  clusterId: z.string(),
  nodes: z.array(
    z.object({ id: z.string(), type: z.enum(['case', 'contact']), label: z.string().describe('masked name'), category: z.string(), status: z.string() }),
  ),
  edges: z.array(z.object({ from: z.string(), to: z.string(), kind: z.enum(['transmission', 'contact', 'became_case']) })),
});

// ---- travellers (来返、入境、高风险岗位人员)
const travellerCategory = z
  .enum(TRAVELLER_CATEGORY_LIST)
  .describe('high_risk_area · medium_risk_area · low_risk_area · inbound_international · high_risk_occupation');
export const travellerBody = z.strictObject({
  personId: z.string().min(1).max(64).describe('The person (inside your scope)'),
  category: travellerCategory,
  origin: z.string().trim().min(1).max(L.travellerOrigin).describe('Where from: the risk area, the country, or the closed-loop workplace'),
  arrivalDay: day.describe('Arrival (or end of closed-loop work): day 0 of the schedule; not after today'),
  entryPoint: z.string().trim().max(L.entryPoint).nullable().optional().describe("The city's entry point (station, airport, highway exit)"),
});
export const arrivalTestBody = z.strictObject({
  entryPoint: z.string().trim().min(1).max(L.entryPoint).describe('Entry point where the arrival test (落地检) was taken'),
  testedAt: ms.describe('Sampling time, epoch ms; not in the future'),
  result: z.enum(['negative', 'positive']).nullable().optional().describe('null while pending'),
  resultRef: z.string().trim().max(L.resultRef).nullable().optional().describe('Tube barcode or lab report number of the result'),
});
export const travellerListQuery = z.object({
  category: travellerCategory.optional(),
  personId: z.string().max(64).optional().describe("One person's traveller records"),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
});
const planPhase = z.object({ phase: z.enum(['central', 'home_quarantine', 'home_monitoring']), days: z.number().int(), lastDay: z.number().int(), endsAt: ms });
export const traveller = z.object({
  id: z.string(),
  personId: z.string(),
  personNameMasked: z.string().nullable(),
  jurisdictionPath: z.string(),
  category: travellerCategory,
  origin: z.string(),
  arrivalDay: day,
  entryPoint: z.string().nullable(),
  preset: z.object({ id: z.string(), version: z.string() }),
  schedule: z.object({
    source: z.string().describe('The text (and clause) the schedule comes from, or the local parameter'),
    stay: z
      .object({
        preset: z.object({ id: z.string(), key: z.string(), version: z.string(), name: z.string() }),
        mode: z.enum(['central', 'home']),
        category: z.string(),
        firstDay: z.number().int(),
        exposureDay: day,
        phases: z.array(planPhase),
        totalDays: z.number().int(),
        endDay: day,
        endsAt: ms,
        tests: z.array(z.object({ day: z.number().int(), date: day, dueAt: ms, notApplicable: z.boolean() })),
        placedDay: day,
        admissionTest: z.boolean(),
      })
      .nullable()
      .describe('The stay the category is put under (assign it with basis traveller)'),
    testWindow: z.object({ tests: z.number().int(), withinDays: z.number().int(), byDay: day }).nullable().describe('Tests without a stay (3天2检)'),
  }),
  arrivalTests: z.array(
    z.object({ id: z.string(), entryPoint: z.string(), testedAt: ms, result: z.enum(['negative', 'positive']).nullable(), resultRef: z.string().nullable() }),
  ),
  createdAt: ms,
});

/** POST /api/travellers as a client sends it (type-only import for the web). */
export type TravellerBody = z.input<typeof travellerBody>;

// ---- the tracer's worklist (issue 16)
export const TRACER_MEASURES = ['coreInvestigation', 'closeContactsIdentified', 'contactToQuarantine'] as const;
export const tracerWorkItem = z.object({
  kind: z.enum(['case', 'contact']),
  id: z.string().describe('the case or contact id'),
  caseId: z.string().describe('the case (for a contact: the case it was traced from)'),
  nameMasked: z.string(),
  category: z.enum(['close', 'secondary']).nullable().describe('contacts: close or secondary; null for a case'),
  jurisdictionName: z.string().nullable().describe('the display name of the record’s node'),
  measure: z.enum(TRACER_MEASURES).describe('the speed target the next deadline belongs to'),
  startedAt: ms.describe('when the clock started: the confirmation (cases) or the identification (contacts)'),
  targetHours: z.number().describe("the target of the record's own preset version"),
  dueAt: ms,
  overdue: z.boolean(),
});
export type TracerWorkItem = z.infer<typeof tracerWorkItem>;
export const tracerWorklist = z.object({
  asOf: ms,
  items: z.array(tracerWorkItem).describe('open cases and contacts awaiting placement, the earliest deadline first'),
  truncated: z.boolean().describe('more open records exist than listed'),
});
export type TracerWorklistDto = z.infer<typeof tracerWorklist>;
// The response shapes, inferred (issue 15: the schemas are the one source; the services build them
// with `satisfies`, src/common/cases.ts re-exports these types for the web).

/**
 * One preset version (防控方案). `params` is checked loosely on the wire (a custom preset saved before
 * numbers carried their sources is served as upgradeStoredParams() reads it); its type is the preset
 * parameters schema's (presets.schema.ts).
 */
export type PresetDto = Omit<z.infer<typeof preset>, 'params'> & { params: PresetParams };
export type CaseDto = z.infer<typeof caseDto>;
/** A case with its speed measures (GET /api/cases/:id). */
export type CaseDetailDto = z.infer<typeof caseDetail>;
/** The four speed measures of a case, each against its target (hours). */
export type CaseSpeed = CaseDetailDto['speed'];
/** One speed measure against its target (hours); `met` is null while not yet measurable. */
export type SpeedMeasure = z.infer<typeof speedMeasure>;
export type PlaceDto = z.infer<typeof place>;
export type ContactDto = z.infer<typeof contact>;
export type ContactListDto = z.infer<typeof contactList>;
/** The body of POST /api/cases/:id/contacts as a client sends it: exactly one of personId, newPerson, outsideCity. */
export type ContactBody = z.input<typeof contactBody>;
/** Cross-region request (协查). */
export type AssistDto = z.infer<typeof assist>;
/** One speed measure aggregated over a cluster's cases (`measured`: cases where it could be measured; `met`: of those, within the target). */
export type SpeedAggregate = z.infer<typeof speedAgg>;
export type ClusterDto = z.infer<typeof cluster>;
export type ClusterGraphDto = z.infer<typeof graph>;
export type GraphNode = ClusterGraphDto['nodes'][number];
export type GraphEdge = ClusterGraphDto['edges'][number];
/** A traveller (来返、入境、高风险岗位人员) with the schedule of the preset they were registered under. */
export type TravellerDto = z.infer<typeof traveller>;
