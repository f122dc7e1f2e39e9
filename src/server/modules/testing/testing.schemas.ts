/**
 * Request and response schemas of the testing module (zod; the OpenAPI document is generated from
 * them). Response types are inferred from these schemas and the services return exactly them.
 */
import { z } from 'zod';
import { TESTING_LIMITS as TL } from '../../../common/testing.js';
import {
  CAMPAIGN_STATUSES,
  FLAG_KINDS,
  POOL_MODES,
  POOL_SIZES,
  READINESS_ASPECTS,
  RECHECK_STATUSES,
  RESULTS,
  SCAN_ATTENTION,
  SEASONS,
  SITE_KINDS,
  TUBE_KINDS,
  TUBE_STATUSES,
} from './testing.rules.js';

const id = z.string().min(1).max(64);
const ms = z.number().int().describe('Epoch milliseconds');
const path = z.string().describe('Jurisdiction path, `/420500/420502/…/`');
const poolSize = z
  .union(POOL_SIZES.map((n) => z.literal(n)) as unknown as [z.ZodLiteral<1>, z.ZodLiteral<5>, z.ZodLiteral<10>, z.ZodLiteral<20>])
  .describe('Persons per tube: 1 (单管), 5, 10 or 20 (混采)');
/** A campaign's pool mode: a pool size, or 0 = one tube per household (1户1管, sampled at the door). */
const poolMode = z
  .union(POOL_MODES.map((n) => z.literal(n)) as unknown as [z.ZodLiteral<0>, z.ZodLiteral<1>, z.ZodLiteral<5>, z.ZodLiteral<10>, z.ZodLiteral<20>])
  .describe('Pool mode: 0 = one tube per household (1户1管), 1 = single tube (单管), 5, 10 or 20 (混采)');
const actorRef = z.object({ id: z.string().nullable().describe('User id (null for the system)'), name: z.string().describe('Login or display name') });
const lngLat = z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)]).describe('[lng, lat] in WGS-84 degrees');
const exemptStatus = z.enum(['pending_recheck', 'quarantined_central', 'quarantined_home', 'home_monitored']);
const flagKind = z.enum(FLAG_KINDS);
const scanAttention = z.enum(SCAN_ATTENTION);
const ATTENTION_DOC =
  "A scanned person's control status the sampler must heed (home or central quarantine, a sealed area: sample at home; tell the community); empty for other ops";
const result = z.enum(RESULTS).describe('negative 阴性 · positive 阳性 · suspicious 可疑 · invalid 无效（需重采）');
const page = {
  limit: z.coerce.number().int().min(1).max(500).optional().describe('Page size (default 50)'),
  offset: z.coerce.number().int().min(0).optional().describe('Rows to skip'),
};
const boolQuery = z.enum(['true', 'false']).transform((v) => v === 'true');

export const idParams = z.object({ id });
export const campaignBuildingParams = z.object({ id, buildingId: id });
export const errorItem = z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() });

// ---------------------------------------------------------------------------------------------
// Campaigns

export const createCampaignBody = z.strictObject({
  name: z.string().trim().min(1).max(TL.campaignName).describe('e.g. 西陵区第3轮全员核酸检测'),
  scopeJurisdictionIds: z.array(id).min(1).max(200).describe('The jurisdictions tested (any set of nodes inside your scope)'),
  startsAt: ms.optional().describe('Start (default: now)'),
  deadlineAt: ms.optional().describe('Deadline (default: start + 24 h, the national guidance)'),
  poolSize: poolMode
    .optional()
    .describe('Default pool mode (default 10; 20 when the scope touches published risk areas, as the regional testing guide does outside them)'),
  poolOverrides: z
    .array(z.strictObject({ jurisdictionId: id, poolSize: poolMode }))
    .max(200)
    .optional()
    .describe('Pool mode per jurisdiction: the deepest override containing a site applies (never inside a risk area: the area decides there)'),
  poolFromAreas: z.boolean().optional().describe('Take the pool mode from published risk areas (default true): sealed → sealedPoolMode, controlled → 10-in-1'),
  sealedPoolMode: z
    .union([z.literal(0), z.literal(1)])
    .optional()
    .describe('In sealed areas: 0 = one tube per household (1户1管, default) or 1 = single tube'),
  exemptStatuses: z.array(exemptStatus).max(4).optional().describe('Control statuses whose persons are exempted at activation (default: both quarantines)'),
  recheckHours: z.number().int().min(1).max(72).optional().describe('Hours a single-tube recheck may take before it escalates (default 12)'),
});
export type CreateCampaignInput = z.infer<typeof createCampaignBody>;

export const campaign = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(CAMPAIGN_STATUSES).describe('planned → active → closed'),
  scope: z.array(z.object({ jurisdictionId: z.string(), path, name: z.string() })).describe('The jurisdictions tested'),
  scopePath: path.describe('Longest common path of the scope'),
  startsAt: ms,
  deadlineAt: ms,
  pastDeadline: z.boolean().describe('Planned or active with its deadline passed (by the domain clock): 已逾期'),
  poolSize: poolMode,
  poolOverrides: z.array(
    z.object({
      jurisdictionId: z.string(),
      path,
      poolSize: poolMode,
      source: z.enum(['manual', 'area']).optional().describe("area: set from a published risk area (the guide's rule); manual: typed by a planner"),
      level: z.enum(['high', 'medium']).optional().describe("the risk area's level, for area overrides"),
    }),
  ),
  exemptStatuses: z.array(z.string()),
  recheckHours: z.number().int(),
  targetTotal: z.number().int().describe('Persons to test (set at activation)'),
  exemptTotal: z.number().int().describe('Persons exempted at activation (control statuses and manual exemptions)'),
  createdBy: actorRef,
  createdAt: ms,
  activatedAt: ms.nullable(),
  closedAt: ms.nullable(),
});
export type CampaignDto = z.infer<typeof campaign>;

export const campaignListQuery = z.object({ status: z.enum(CAMPAIGN_STATUSES).optional(), ...page });
export const campaignList = z.object({ items: z.array(campaign), total: z.number().int() });

export const exemptBody = z.strictObject({
  personIds: z.array(id).min(1).max(1000).describe('Persons to exempt (inside the campaign scope)'),
  reason: z.string().trim().min(2).max(200).describe('Why (e.g. 住院治疗 in hospital)'),
});
export const exemptResult = z.object({ exempted: z.number().int().describe('Newly exempted'), alreadyExempt: z.number().int() });
export const exemptionList = z.object({
  items: z.array(z.object({ personId: z.string(), jurisdictionPath: path, reason: z.string(), createdBy: actorRef, createdAt: ms })),
  total: z.number().int(),
});

// ---------------------------------------------------------------------------------------------
// Coverage

export const coverageQuery = z.object({ jurisdictionId: id.optional().describe('A node of the campaign (default: the top of its tree)') });
const coverageCounts = {
  jurisdiction: z.object({ id: z.string(), path, name: z.string(), level: z.string() }),
  poolSize: poolMode,
  target: z.number().int().describe('Persons to test'),
  exempt: z.number().int(),
  sampled: z.number().int().describe('Persons sampled (each once; rechecks excluded)'),
  resulted: z.number().int().describe('Sampled persons whose tube has a valid result'),
  negative: z.number().int(),
  invalid: z.number().int().describe('Sampled persons whose tube was invalid and who must be sampled again'),
  positiveTubes: z.number().int().describe('Positive or suspicious pool tubes with a person of this subtree'),
  pendingRecheck: z.number().int().describe('Persons awaiting their single-tube recheck result'),
  recheckPositive: z.number().int().describe('Persons whose recheck was positive (handed to the cases module)'),
  coverage: z.number().describe('sampled ÷ target, 0–1 (may pass 1 when exempted persons are sampled anyway)'),
  remaining: z.number().int().describe('target − sampled, at least 0'),
  doorToDoor: z
    .object({
      target: z.number().int().describe('Residents of sealed areas (封控区) to sample at their door (上门采样); part of `target`, never exempt'),
      sampled: z.number().int().describe('Of them, sampled at their door (household tubes)'),
      remaining: z.number().int(),
    })
    .describe('The door-to-door channel'),
  updatedAt: ms,
};
export const coverageNode = z.object(coverageCounts);
export const coverage = z.object({
  campaignId: z.string(),
  ...coverageCounts,
  ratePerHour: z.number().describe('Persons sampled per hour in this subtree since the start'),
  recentRatePerHour: z.number().nullable().describe('Campaign-wide persons per hour over the last 15 minutes'),
  estimatedFinishAt: ms.nullable().describe('When the remaining persons would be sampled at the current rate (null: no rate yet, or done)'),
  onTrack: z.boolean().nullable().describe('Whether that estimate is before the deadline'),
  deadlineAt: ms,
  asOf: ms.describe('When these counts were read (the domain clock)'),
  children: z.array(coverageNode).describe("The node's children (next level down)"),
});
export type CoverageDto = z.infer<typeof coverage>;
export type CoverageNodeDto = z.infer<typeof coverageNode>;

export const coverageGeojsonQuery = z.object({
  rootId: id.optional().describe("Subtree root (default: the campaign's top)"),
  level: z.enum(['district', 'street', 'community', 'compound', 'building']).optional().describe('Features of this level (default compound)'),
});
export const coverageFeatureCollection = z.object({
  type: z.literal('FeatureCollection'),
  features: z.array(
    z.object({
      type: z.literal('Feature'),
      geometry: z.unknown().describe('GeoJSON Polygon, or null'),
      properties: z.object({
        id: z.string(),
        code: z.string(),
        name: z.string(),
        level: z.string(),
        target: z.number().int(),
        sampled: z.number().int(),
        resulted: z.number().int(),
        positiveTubes: z.number().int(),
        pendingRecheck: z.number().int(),
        coverage: z.number(),
      }),
    }),
  ),
  truncated: z.boolean(),
  total: z.number().int(),
});

export const unsampledList = z.object({
  building: z.object({ id: z.string(), name: z.string(), path }),
  target: z.number().int().describe('Persons living in the building'),
  sampled: z.number().int(),
  items: z.array(
    z.object({
      personId: z.string(),
      name: z.string().describe('Full name (the door-knocking team needs it; masked ID only)'),
      idNumberMasked: z.string(),
      address: z.string().nullable().describe('Address with the room, e.g. 西陵区…1栋2单元302室'),
      exempt: z.boolean().describe('Exempted (quarantined or by hand): no need to knock'),
      vulnerable: z.array(z.string()),
    }),
  ),
});

export const homeSamplingBody = z.strictObject({
  jurisdictionId: id.describe('Where to look (a community, street…) inside the campaign and your scope'),
  channel: z
    .enum(['vulnerable', 'sealed'])
    .optional()
    .describe('vulnerable (default): one task per vulnerable person; sealed: residents of sealed areas (封控), one task per household (1户1管)'),
  flags: z
    .array(z.enum(['elderly_alone', 'pregnant', 'dialysis', 'bedridden', 'chronic', 'child_without_carer']))
    .min(1)
    .max(6)
    .optional()
    .describe('Vulnerability flags that get home sampling (default: bedridden, elderly_alone, dialysis)'),
  dueHours: z.number().int().min(1).max(72).optional().describe('Task deadline in hours (default: the campaign deadline)'),
});
export const homeSamplingResult = z.object({
  tasks: z.number().int().describe('Tasks created now (per person, or per household for the sealed channel)'),
  alreadyTasked: z.number().int(),
  alreadySampled: z.number().int(),
  withoutUnit: z.number().int().describe('Persons for whom no unit covers their jurisdiction'),
});

export const supplies = z.object({
  campaignId: z.string(),
  target: z.number().int(),
  margin: z.number(),
  byPoolSize: z.array(z.object({ poolSize: poolMode, persons: z.number().int(), tubes: z.number().int() })),
  tubes: z.number().int().describe('Σ target ÷ pool size × (1 + margin), rounded up per pool size'),
  swabs: z.number().int().describe('One swab per person, with the margin'),
  expectedRecheckTubes: z.number().int().describe('Single tubes expected for rechecks at the given prevalence'),
});
export const suppliesQuery = z.object({
  margin: z.coerce.number().min(0).max(1).optional().describe('Spare share (default 0.1)'),
  prevalence: z.coerce.number().min(0).max(1).optional().describe('Estimated prevalence for recheck tubes (default 0.0001)'),
});

// ---------------------------------------------------------------------------------------------
// Sites

const openingHours = z
  .array(z.strictObject({ from: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/), to: z.string().regex(/^([01]\d|2[0-4]):[0-5]\d$/) }))
  .max(6)
  .describe('Opening hours, local time, e.g. [{from:"07:00",to:"21:00"}]');
const staff = z
  .array(z.strictObject({ name: z.string().trim().min(1).max(50), role: z.string().trim().min(1).max(50) }))
  .max(100)
  .describe('Staff (names and roles; no phone numbers)');

export const createSiteBody = z.strictObject({
  name: z.string().trim().min(1).max(TL.siteName),
  kind: z.enum(SITE_KINDS).describe('vacant_flat 空置房屋 · idle_warehouse 闲置仓库 · open_land 留白空地 · tent 帐篷 · fixed_clinic 固定采样点'),
  jurisdictionId: id.describe('The node the site stands in (a community or compound), inside your scope'),
  location: lngLat,
  lanes: z.number().int().min(1).max(200).describe('Sampling lanes (采样台)'),
  openingHours: openingHours.optional(),
  staff: staff.optional(),
  servedCompoundIds: z.array(id).max(200).optional().describe('Compounds the site serves'),
});
export const updateSiteBody = z.strictObject({
  name: z.string().trim().min(1).max(TL.siteName).optional(),
  kind: z.enum(SITE_KINDS).optional(),
  location: lngLat.optional(),
  lanes: z.number().int().min(1).max(200).optional(),
  openingHours: openingHours.optional(),
  staff: staff.optional(),
  servedCompoundIds: z.array(id).max(200).optional(),
  active: z.boolean().optional().describe('false closes the site'),
});
export type CreateSiteInput = z.infer<typeof createSiteBody>;
export type UpdateSiteInput = z.infer<typeof updateSiteBody>;

const readinessEntry = z.object({ ready: z.boolean(), note: z.string().nullable(), checkedBy: actorRef, checkedAt: ms }).nullable();
export const site = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(SITE_KINDS),
  jurisdiction: z.object({ id: z.string(), path, name: z.string().nullable().describe('display name of the node (null if it is gone)') }),
  location: lngLat,
  lanes: z.number().int(),
  openingHours: z.array(z.object({ from: z.string(), to: z.string() })),
  staff: z.array(z.object({ name: z.string(), role: z.string() })),
  servedCompounds: z.array(z.object({ id: z.string(), path })),
  readiness: z
    .object({ rain: readinessEntry, heat: readinessEntry, wind: readinessEntry, cold: readinessEntry })
    .describe('Four-season readiness: 春能躲雨 rain, 夏能避暑 heat, 秋能防风 wind, 冬能保暖 cold'),
  active: z.boolean(),
  createdAt: ms,
  updatedAt: ms,
});
export type SiteDto = z.infer<typeof site>;
export const siteListQuery = z.object({ jurisdictionId: id.optional(), kind: z.enum(SITE_KINDS).optional(), active: boolQuery.optional(), ...page });
export const siteList = z.object({ items: z.array(site), total: z.number().int() });

export const readinessBody = z.strictObject({
  aspect: z.enum(READINESS_ASPECTS).describe('rain · heat · wind · cold'),
  ready: z.boolean(),
  note: z.string().trim().max(TL.note).optional(),
});

export const notReadyQuery = z.object({
  season: z.enum(SEASONS).optional().describe('Default: the current season in BULWARK_TZ'),
  jurisdictionId: id.optional(),
});
export const notReadyList = z.object({ season: z.enum(SEASONS), aspect: z.enum(READINESS_ASPECTS), items: z.array(site) });

export const uncoveredQuery = z.object({
  jurisdictionId: id.optional().describe('Area (default: your scope)'),
  radiusM: z.coerce.number().int().min(100).max(10_000).optional().describe('Straight-line distance (default 1200 m: the 15-minute circle)'),
});
export const uncoveredList = z.object({
  radiusM: z.number().int(),
  compounds: z.number().int().describe('Compounds checked'),
  sites: z.number().int().describe('Active sites considered'),
  items: z.array(z.object({ id: z.string(), name: z.string(), path, population: z.number().int(), centroid: lngLat })),
});

// ---------------------------------------------------------------------------------------------
// Tubes, scans, batches

export const openTubeBody = z.strictObject({
  clientId: z.string().min(8).max(64).describe('Client-generated id (a retry never opens twice)'),
  campaignId: id,
  siteId: id,
  barcode: z.string().max(40).describe("The tube's barcode (8–20 upper-case letters and digits)"),
  poolSize: poolSize.optional().describe("Default: the campaign's for the site's jurisdiction"),
  at: ms.optional().describe('When the device opened it (default: now)'),
});
export const scanBody = z.strictObject({
  clientId: z.string().min(8).max(64).describe('Client-generated id: resending the same scan never counts twice'),
  tubeId: id,
  residentCode: z.string().max(300).optional().describe('The scanned resident code (居民码) payload `BW2.…`'),
  idNumber: z.string().max(40).optional().describe('Or the ID number typed in'),
  idType: z.enum(['resident_id', 'passport', 'hk_macao_tw']).optional(),
  at: ms.optional().describe('When the device scanned it (default: now)'),
});
export const closeTubeBody = z
  .strictObject({ clientId: z.string().min(8).max(64).optional().describe('Client-generated id (a retry is not an error)') })
  .optional();

export const tubeBrief = z.object({
  id: z.string(),
  barcode: z.string().nullable(),
  status: z.enum(TUBE_STATUSES),
  count: z.number().int(),
  poolSize: z.number().int(),
});
export const scanResult = z.object({
  status: z.enum(['applied', 'duplicate']).describe('duplicate: this clientId was applied before; nothing changed'),
  scanId: z.string().nullable(),
  nameMasked: z.string().nullable(),
  tube: tubeBrief,
  lastNames: z.array(z.string()).describe('The last masked names added to the tube, newest first'),
  flags: z.array(flagKind).describe('Flags this scan raised (kept for review)'),
  attention: z.array(scanAttention).describe(ATTENTION_DOC),
});

const batchOp = z.discriminatedUnion('op', [
  z.strictObject({
    op: z.literal('open'),
    clientId: z.string().min(8).max(64),
    campaignId: id,
    siteId: id,
    barcode: z.string().max(40),
    poolSize: poolSize.optional(),
    at: ms.optional(),
  }),
  z.strictObject({
    op: z.literal('scan'),
    clientId: z.string().min(8).max(64),
    tubeId: id.optional().describe('The tube, or campaignId + barcode'),
    campaignId: id.optional(),
    barcode: z.string().max(40).optional(),
    residentCode: z.string().max(300).optional(),
    idNumber: z.string().max(40).optional(),
    idType: z.enum(['resident_id', 'passport', 'hk_macao_tw']).optional(),
    at: ms.optional(),
  }),
  z.strictObject({
    op: z.literal('close'),
    clientId: z.string().min(8).max(64),
    tubeId: id.optional(),
    campaignId: id.optional(),
    barcode: z.string().max(40).optional(),
    at: ms.optional(),
  }),
]);
export const batchBody = z.strictObject({
  items: z.array(batchOp).min(1).max(2000).describe('Operations applied in order in one transaction (open a tube, scan a person, close a tube)'),
});
export type BatchOp = z.infer<typeof batchOp>;
export const batchItemResult = z.object({
  index: z.number().int(),
  clientId: z.string(),
  op: z.enum(['open', 'scan', 'close']),
  status: z.enum(['applied', 'duplicate', 'rejected']),
  error: errorItem.nullable().describe('Why it was rejected (nothing was written for it)'),
  tube: tubeBrief.nullable(),
  scanId: z.string().nullable(),
  nameMasked: z.string().nullable(),
  flags: z.array(flagKind),
  attention: z.array(scanAttention).describe(ATTENTION_DOC),
});
export type BatchItemResult = z.infer<typeof batchItemResult>;
export const batchResult = z.object({ applied: z.number().int(), duplicates: z.number().int(), rejected: z.number().int(), items: z.array(batchItemResult) });

export const tube = z.object({
  id: z.string(),
  campaignId: z.string(),
  barcode: z.string().nullable(),
  kind: z.enum(TUBE_KINDS),
  poolSize: z.number().int(),
  status: z.enum(TUBE_STATUSES),
  siteId: z.string().nullable(),
  jurisdictionPath: path,
  parentTubeId: z.string().nullable(),
  count: z.number().int().describe('Persons scanned into it'),
  openedBy: actorRef.nullable(),
  openedAt: ms.nullable(),
  closedAt: ms.nullable(),
  closedReason: z.string().nullable().describe('full · manual · received'),
  boxCode: z.string().nullable(),
  receivedAt: ms.nullable(),
  result: result.nullable(),
  ctOrf1ab: z.number().nullable(),
  ctN: z.number().nullable(),
  resultAt: ms.nullable(),
  lab: z.string().nullable(),
  lastNames: z.array(z.string()).describe('Last masked names added, newest first'),
});
export type TubeDto = z.infer<typeof tube>;
export const tubeListQuery = z.object({ campaignId: id.optional(), status: z.enum(TUBE_STATUSES).optional(), barcode: z.string().max(40).optional(), ...page });
export const tubeList = z.object({
  items: z.array(tube),
  total: z.number().int().describe('Tubes matching, counted up to 10,000'),
  totalCapped: z.boolean().describe('More tubes match than `total` says'),
});

const nodeRef = z.object({ id: z.string(), name: z.string(), path }).nullable();
export const resultRecord = z.object({
  id: z.string(),
  result,
  ctOrf1ab: z.number().nullable(),
  ctN: z.number().nullable(),
  resultedAt: ms,
  lab: z.string(),
  source: z.string(),
  effective: z.boolean(),
  reportedBy: actorRef,
  reportedAt: ms,
});
export const recheck = z.object({
  id: z.string(),
  campaignId: z.string(),
  parentTubeId: z.string(),
  tubeId: z.string().describe('The single tube (pool of one)'),
  personId: z.string(),
  nameMasked: z.string(),
  jurisdictionPath: path,
  status: z.enum(RECHECK_STATUSES),
  controlApplied: z.boolean().describe('Whether this recheck set the person to pending recheck'),
  taskId: z.string().nullable(),
  unitId: z.string().nullable(),
  dueAt: ms,
  overdue: z.boolean(),
  escalatedAt: ms.nullable(),
  createdAt: ms,
  resolvedAt: ms.nullable(),
  handoverAt: ms.nullable().describe('Positive recheck: handed to the cases module'),
  handoverAckAt: ms.nullable(),
  handoverRef: z.string().nullable().describe('The case id the cases module gave back'),
});
export type RecheckDto = z.infer<typeof recheck>;
export const trace = z.object({
  tube,
  campaign: z.object({ id: z.string(), name: z.string() }),
  site: z.object({ id: z.string(), name: z.string(), kind: z.string(), location: lngLat, jurisdictionPath: path }).nullable(),
  sampler: actorRef.nullable(),
  parent: z.object({ id: z.string(), barcode: z.string().nullable(), result: result.nullable() }).nullable(),
  persons: z.array(
    z.object({
      personId: z.string(),
      nameMasked: z.string(),
      scannedAt: ms,
      counted: z.boolean().describe('false: a duplicate scan (counted in another tube)'),
      sampler: actorRef,
      building: nodeRef,
      compound: nodeRef,
      community: nodeRef,
    }),
  ),
  results: z.array(resultRecord),
  rechecks: z.array(recheck),
});
export type TraceDto = z.infer<typeof trace>;

// ---------------------------------------------------------------------------------------------
// Lab

export const receiveBody = z.strictObject({
  boxCode: z.string().trim().min(1).max(TL.boxCode).describe('The transport box (转运箱) code'),
  barcodes: z.array(z.string().max(40)).min(1).max(2000),
  campaignId: id.optional().describe('Limit barcode lookup to one campaign'),
  mode: z.enum(['all', 'partial']).optional().describe('all (default): any bad barcode refuses the box; partial: receive the good ones'),
});
const rowReport = z.object({
  row: z.number().int().describe('1-based data row (CSV) or item index + 1'),
  barcode: z.string(),
  status: z.string(),
  code: z.string().nullable(),
  message: z.string().nullable(),
});
export const receiveResult = z.object({ received: z.number().int(), alreadyReceived: z.number().int(), rejected: z.number().int(), rows: z.array(rowReport) });

export const resultBody = z.strictObject({
  barcode: z.string().max(40),
  campaignId: id.optional(),
  result,
  ctOrf1ab: z.number().nullable().optional().describe('Ct of ORF1ab (0–45)'),
  ctN: z.number().nullable().optional().describe('Ct of N (0–45)'),
  resultAt: ms.optional().describe('When the lab reported it (default: now)'),
  lab: z.string().trim().min(1).max(TL.labName).describe('Laboratory name'),
});
export type ResultInput = z.infer<typeof resultBody>;
export const resultOutcome = z.object({
  tubeId: z.string(),
  barcode: z.string(),
  status: z.enum(['recorded', 'unchanged', 'conflict']).describe('conflict: a different result was already recorded; kept and flagged'),
  result,
  rechecksStarted: z.number().int(),
});
export const importQuery = z.object({
  mode: z.enum(['all', 'partial']).optional().describe('all (default): any bad row refuses the file; partial: import the good rows'),
});
export const importBody = z.union([
  z.string().describe('CSV text (Content-Type: text/csv)'),
  z.strictObject({ csv: z.string().max(20_000_000), mode: z.enum(['all', 'partial']).optional() }),
]);
export const importResult = z.object({
  rows: z.number().int(),
  recorded: z.number().int(),
  unchanged: z.number().int(),
  conflicts: z.number().int(),
  rejected: z.number().int(),
  rechecksStarted: z.number().int(),
  report: z.array(rowReport).describe('Every rejected or notable row'),
});
export const correctionBody = z.strictObject({
  result,
  ctOrf1ab: z.number().nullable().optional(),
  ctN: z.number().nullable().optional(),
  reason: z.string().trim().min(2).max(500).describe('Why the result is corrected (kept with the original)'),
});
export const correctionResult = z.object({
  tube,
  correction: z.object({
    id: z.string(),
    changes: z.array(z.object({ field: z.string(), from: z.unknown(), to: z.unknown() })),
    reason: z.string(),
    journalSeq: z.number().int(),
  }),
  history: z.array(resultRecord),
});

// ---------------------------------------------------------------------------------------------
// Flags and rechecks

export const flag = z.object({
  id: z.string(),
  campaignId: z.string(),
  kind: flagKind,
  subjectKey: z.string().describe('What it is about: a person id, tube id or barcode'),
  tubeId: z.string().nullable(),
  personId: z.string().nullable(),
  jurisdictionPath: path,
  detail: z.record(z.string(), z.unknown()),
  occurrences: z.number().int(),
  createdAt: ms,
  lastSeenAt: ms,
  reviewedAt: ms.nullable(),
  reviewedBy: actorRef.nullable(),
  reviewNote: z.string().nullable(),
});
export type FlagDto = z.infer<typeof flag>;
export const flagListQuery = z.object({ kind: flagKind.optional(), reviewed: boolQuery.optional(), ...page });
export const flagList = z.object({
  items: z.array(flag),
  total: z.number().int(),
  counts: z.array(z.object({ kind: flagKind, total: z.number().int(), open: z.number().int() })),
});
export const reviewBody = z.strictObject({ note: z.string().trim().min(1).max(TL.note) });

export const recheckListQuery = z.object({
  campaignId: id.optional(),
  status: z.enum(RECHECK_STATUSES).optional(),
  handover: z.enum(['pending', 'acknowledged']).optional().describe('Positive rechecks handed to the cases module'),
  ...page,
});
/** A row of the recheck list: the recheck and its residence node's name (so a table needs no lookup per row). */
export const recheckListItem = recheck.extend({
  jurisdictionName: z.string().nullable().describe('name of the node at jurisdictionPath (null if the node is gone)'),
});
export type RecheckListItem = z.infer<typeof recheckListItem>;
export const recheckList = z.object({ items: z.array(recheckListItem), total: z.number().int() });
export type RecheckList = z.infer<typeof recheckList>;
export const recheckSampleBody = z.strictObject({
  clientId: z.string().min(8).max(64),
  barcode: z.string().max(40).describe("The single tube's barcode"),
  residentCode: z.string().max(300).optional().describe('Scan the person to confirm who is sampled'),
  idNumber: z.string().max(40).optional(),
  idType: z.enum(['resident_id', 'passport', 'hk_macao_tw']).optional(),
  at: ms.optional(),
});
export const recheckSampleResult = z.object({ status: z.enum(['applied', 'duplicate']), recheck, tube: tubeBrief });

// ---------------------------------------------------------------------------------------------
// Planning

export const capacityQuery = z.object({
  jurisdictionId: id.optional().describe('Area (default: your scope)'),
  campaignId: id.optional().describe('Plan against this campaign: its deadline and, once active, the persons still to sample'),
  throughput: z.coerce.number().min(1).max(1000).optional().describe('People per lane-hour (default 44)'),
  hours: z.coerce.number().min(0.5).max(240).optional().describe('Hours available (default: until the campaign deadline, else 24)'),
});
export const capacityRow = z.object({
  jurisdiction: z.object({ id: z.string(), name: z.string(), path, level: z.string() }),
  persons: z.number().int().describe('Persons to sample'),
  sites: z.number().int(),
  lanes: z.number().int(),
  hoursNeeded: z.number().nullable().describe('null: no lane at all'),
  lanesNeeded: z.number().int(),
  short: z.boolean().describe('Will not finish before the deadline'),
  shortLanes: z.number().int().describe('Extra lanes needed'),
});
export const capacityPlan = z.object({
  throughput: z.number(),
  hoursAvailable: z.number(),
  total: capacityRow,
  rows: z.array(capacityRow).describe('One per child jurisdiction'),
  sites: z
    .array(
      z.object({
        id: z.string(),
        name: z.string(),
        lanes: z.number().int(),
        persons: z.number().int().describe('Persons of the compounds it serves'),
        hoursNeeded: z.number().nullable(),
        short: z.boolean(),
      }),
    )
    .describe('Sites with served compounds, shortest first'),
});
export const poolSizeQuery = z.object({
  prevalence: z.coerce.number().min(0).max(1).describe('Estimated share infected, e.g. 0.001'),
  population: z.coerce.number().int().min(0).max(100_000_000).optional().describe('Persons to test (default 1,000,000)'),
  area: z
    .enum(['sealed', 'controlled', 'elsewhere'])
    .optional()
    .describe('The risk area tested: its rule decides the mode (sealed 封控区: 1户1管 or single; controlled 管控区: 10-in-1; elsewhere: 20-in-1)'),
});
const sourcedRule = z.object({
  mode: z.number().int(),
  allowed: z.array(z.number().int()),
  source: z.string().describe('the text the number comes from'),
  local: z.boolean().describe('true: a local parameter no text gives'),
});
export const poolAdvice = z.object({
  prevalence: z.number(),
  population: z.number().int(),
  area: z.enum(['sealed', 'controlled', 'elsewhere']).nullable(),
  options: z.array(
    z.object({
      poolSize: z.number().int().describe('persons per tube; 0 = one tube per household (1户1管)'),
      testsPerPerson: z.number(),
      expectedTests: z.number().int(),
      firstStageTubes: z.number().int(),
      expectedRecheckTubes: z.number().int(),
      tubesSavedVsSingle: z.number().int(),
      heldAtDoor: z.number().int().describe('persons held at their doors by positive pools until the recheck: population · (1 − (1 − p)^k)'),
      sensitivity: z.number().describe('relative to a single tube (dilution)'),
      sensitivitySource: z.string(),
      sensitivityLocal: z.boolean().describe('true: a local parameter, no published estimate'),
      expectedMissed: z.number().describe('infected persons missed through dilution'),
      rankByTests: z.number().int(),
      rankByHeld: z.number().int(),
      rank: z.number().int().describe('combined: tests + people held'),
    }),
  ),
  recommended: z.number().int(),
  basis: z.enum(['area_rule', 'combined_rank']).describe('area_rule: the regional testing guide decides in a risk area'),
  areaRule: sourcedRule.nullable(),
  optimalK: z.number().int(),
});

// ---------------------------------------------------------------------------------------------
// Public lookup

export const lookupBody = z.strictObject({
  idNumber: z.string().trim().min(TL.idNumberMin).max(TL.idNumber).describe("The resident's ID number"),
  name: z.string().trim().min(1).max(TL.personName).describe('Their name as registered'),
});
export const LOOKUP_STATUSES = ['sampled', 'in_lab', 'negative', 'resample_needed', 'contact_pending'] as const;
export const lookupResult = z.object({
  found: z.boolean().describe('false: no person with this ID number and name'),
  samples: z.array(
    z.object({
      campaign: z.string(),
      sampledAt: ms,
      status: z
        .enum(LOOKUP_STATUSES)
        .describe(
          'sampled 已采样 · in_lab 检测中 · negative 阴性 · resample_needed 请重新采样 · contact_pending 工作人员将与您联系 (a positive single-tube recheck: the result itself is never stated); positive results and pending rechecks are never shown here (a pool found positive reads in_lab)',
        ),
      message: z.object({ zh: z.string(), en: z.string() }),
      hotline: z.string().optional().describe('contact_pending only: the hotline to call (BULWARK_PUBLIC_HOTLINE)'),
    }),
  ),
});
export type LookupResult = z.infer<typeof lookupResult>;
export const errorResponse = z.object({ error: z.object({ code: z.string(), message: z.string(), details: z.unknown() }) });

// ---------------------------------------------------------------------------------------------
// Door-to-door sampling (上门采样): one tube per household (1户1管)

const memberIdentifier = z.strictObject({
  residentCode: z.string().max(300).optional(),
  idNumber: z.string().max(40).optional(),
  idType: z.enum(['resident_id', 'passport', 'hk_macao_tw']).optional(),
});
export const householdTubeBody = z.strictObject({
  clientId: z.string().min(8).max(64).describe("The device's id for this tube (a resend answers `duplicate`)"),
  householdId: id.describe('The household sampled at its door'),
  siteId: id.describe("The door-to-door team's base site"),
  barcode: z.string().max(40),
  members: z.array(memberIdentifier).min(1).max(20).describe("Each member's resident code or ID number, scanned at the door: exactly the household"),
  at: ms.optional(),
});
export const householdTubeResult = z.object({
  tubeId: z.string(),
  barcode: z.string().nullable(),
  householdId: z.string(),
  persons: z.number().int().describe("Persons in the tube: the household's members"),
  status: z.enum(['applied', 'duplicate']),
});

// ---- the lab worklist (issue 16)
export const labWorklistQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(100).describe('rows per stage'),
});
export const LAB_STAGES = ['overdue', 'in_progress', 'awaiting_receipt'] as const;
export const labWorklistRow = z.object({
  id: z.string(),
  barcode: z.string().nullable(),
  campaignId: z.string(),
  campaignName: z.string().describe('the campaign the tube belongs to (its display name)'),
  kind: z.enum(TUBE_KINDS),
  poolSize: z.number().int(),
  count: z.number().int().describe('persons in the tube'),
  boxCode: z.string().nullable(),
  stage: z.enum(LAB_STAGES).describe('overdue: at the lab past the turnaround target · in_progress: at the lab · awaiting_receipt: closed, not yet received'),
  closedAt: ms.nullable(),
  receivedAt: ms.nullable(),
  dueAt: ms.nullable().describe('receipt + the turnaround target (null before receipt)'),
  elapsedMs: z.number().int().describe('time since receipt (at the lab) or since closing (on its way)'),
});
export type LabWorklistRow = z.infer<typeof labWorklistRow>;
export const labWorklist = z.object({
  asOf: ms,
  target: z.object({ hours: z.number(), source: z.string(), local: z.boolean() }).describe('the turnaround target and where it comes from'),
  counts: z.object({
    overdue: z.number().int(),
    inProgress: z.number().int(),
    awaitingReceipt: z.number().int(),
    capped: z.boolean().describe('a count reached 10,000 and stopped'),
  }),
  turnaround: z
    .object({
      resulted: z.number().int().describe('tubes received in the last 24 h that have a result'),
      medianMs: z.number().int().nullable().describe('median time from receipt to result of those tubes'),
      overTarget: z.number().int().describe('of those, resulted after the target'),
    })
    .describe('the lab turnaround over the last 24 hours'),
  rows: z.array(labWorklistRow).describe('overdue (longest waiting first), then in progress (nearest due first), then awaiting receipt (oldest first)'),
});
export type LabWorklistDto = z.infer<typeof labWorklist>;
