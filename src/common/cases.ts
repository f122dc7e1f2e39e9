/**
 * Cases, tracing, clusters and presets (感染者、流调、一起疫情、防控方案): the vocabulary the server's
 * cases module and the web share (values only). The request and response shapes are the zod schemas in
 * src/server/modules/cases/cases.schemas.ts; their inferred types are
 * re-exported here, type-only, so that the web imports them without server code reaching its bundle.
 */
export type { PresetParams } from '../server/modules/cases/presets.schema.js';
export type {
  AssistDto,
  CaseDetailDto,
  CaseDto,
  CaseSpeed,
  ClusterDto,
  ClusterGraphDto,
  ContactBody,
  ContactDto,
  ContactListDto,
  GraphEdge,
  GraphNode,
  PlaceDto,
  PresetDto,
  SpeedAggregate,
  SpeedMeasure,
  TravellerDto,
} from '../server/modules/cases/cases.schemas.js';

export type CaseKind = 'confirmed' | 'asymptomatic';
export type ClinicalStatus = 'treatment' | 'recovered' | 'discharged';
/** 管控内 (found inside control measures) / 社会面 (found in the community). */
export type DetectionChannel = 'in_control' | 'community';
export type ContactCategory = 'close' | 'secondary';
export type ContactRouting = 'local' | 'handover' | 'assist';
export type AssistStatus = 'pending' | 'sent' | 'answered' | 'closed';
export type ClusterStatus = 'active' | 'contained' | 'extinguished';

/** The four speed measures, in the order the issue names them. */
export const SPEED_KEYS = ['positiveToConfirmed', 'coreInvestigation', 'closeContactsIdentified', 'contactToQuarantine'] as const;
export type SpeedKey = (typeof SPEED_KEYS)[number];

/** Text limits of the cases, tracing, assist, preset and traveller requests (characters). */
export const CASE_LIMITS = {
  /** Why a case is confirmed, corrected, re-sourced or its status changed (journaled). */
  reason: 1000,
  note: 1000,
  placeDescription: 500,
  exposurePlace: 500,
  relation: 100,
  personName: 50,
  idNumber: 40,
  phone: 20,
  /** A region of origin, or the region an outside contact or an assist request comes from. */
  region: 100,
  externalRef: 100,
  presetKey: 80,
  presetName: 200,
  /** A cluster's name (西陵区 12·07 疫情). */
  clusterName: 100,
  travellerOrigin: 200,
  entryPoint: 200,
  resultRef: 200,
} as const;
