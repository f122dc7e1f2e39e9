import type { ColumnsOf } from '../../db/columns.js';
import type { AssistStatus, CaseKind, ClinicalStatus, ClusterStatus, ContactCategory, ContactRouting, DetectionChannel } from '../../../common/cases.js';
import type { ControlStatus } from '../../../common/control.js';
import type { JurisdictionLevel } from '../../../common/geo.js';
import type { TravellerCategory } from '../../../common/quarantine.js';

/** A protocol preset version (防控方案). A custom preset or a changed one is a new row; rows are never edited except `active`. */
export interface CasePresetsTable {
  id: string;
  /** Stable key of the preset family (`ninth-edition-2022-06`, or a commander's own key). */
  key: string;
  /** 1, 2, … within a key. */
  version: number;
  name: string;
  name_en: string | null;
  /** PresetParams as JSON text (validated by presetParamsSchema before it is stored). */
  params: string;
  /** 1 for the two presets shipped with the platform. */
  shipped: number;
  /** 1 for the one preset the city follows now. */
  active: number;
  activated_at: number | null;
  created_by: string | null;
  created_by_name: string;
  created_at: number;
}

/** A cluster (一起疫情): linked cases tracked until extinguished. */
export interface CaseClustersTable {
  id: string;
  name: string;
  first_case_id: string | null;
  /** active · contained · extinguished */
  status: ClusterStatus;
  /** The first case's jurisdiction path (scope). */
  jurisdiction_path: string;
  preset_id: string;
  preset_version: string;
  /** Confirmation time of the latest case (epoch ms). */
  last_case_at: number | null;
  contained_at: number | null;
  extinguished_at: number | null;
  created_at: number;
  updated_at: number;
}

/** A case (感染者): confirmed (确诊) or asymptomatic (无症状). */
export interface CasesTable {
  id: string;
  person_id: string;
  name_masked: string;
  /** confirmed · asymptomatic */
  kind: CaseKind;
  /** The person's residence path at confirmation (scope). */
  jurisdiction_path: string;
  /** YYYY-MM-DD in the configured zone, or null (asymptomatic). */
  onset_date: string | null;
  /** YYYY-MM-DD the case was reported. */
  report_date: string;
  confirmed_at: number;
  /** treatment · recovered · discharged */
  clinical_status: ClinicalStatus;
  /** in_control (管控内) · community (社会面) */
  detection_channel: DetectionChannel;
  source_case_id: string | null;
  cluster_id: string | null;
  preset_id: string;
  /** `key@vN` of the preset the case was handled under; kept when the active preset changes. */
  preset_version: string;
  /** The positive pool tube (testing), when confirmed from a recheck. */
  positive_tube_id: string | null;
  /** When that pool tube's positive result was recorded (epoch ms). */
  positive_at: number | null;
  recheck_id: string | null;
  recheck_tube_id: string | null;
  /** When the core investigation (核心信息流调) was marked done. */
  core_investigation_at: number | null;
  /** When the first close contact was identified. */
  close_contacts_at: number | null;
  created_by: string | null;
  created_by_name: string;
  created_at: number;
  updated_at: number;
}

/** A place and time window a case visited (流调). */
export interface CasePlacesTable {
  id: string;
  case_id: string;
  /** The building or compound node, when known (directly or snapped from coordinates). */
  jurisdiction_id: string | null;
  place_path: string | null;
  /** building · compound · … of that node. */
  place_level: JurisdictionLevel | null;
  lng: number | null;
  lat: number | null;
  /** 1 when the node was found from coordinates. */
  snapped: number;
  description: string | null;
  from_at: number;
  to_at: number;
  /** The case's path (scope). */
  jurisdiction_path: string;
  created_at: number;
}

/** A contact (密接 / 次密接) of a case. */
export interface CaseContactsTable {
  id: string;
  case_id: string;
  cluster_id: string | null;
  /** Null for a contact living outside the city (handled by an outgoing 协查 request). */
  person_id: string | null;
  name_masked: string;
  /** close · secondary */
  category: ContactCategory;
  exposure_date: string;
  exposure_place: string | null;
  relation: string | null;
  /** 1 when the exposure lies before the preset's look-back window (flagged, kept). */
  before_lookback: number;
  /** local · handover (another district of the city) · assist (outside the city) */
  routing: ContactRouting;
  person_path: string | null;
  handover_task_id: string | null;
  assist_request_id: string | null;
  /** The control status the contact was put under (quarantined_central, quarantined_home) or null. */
  control_status: ControlStatus | null;
  /** When the contact entered quarantine (from control history). */
  quarantined_at: number | null;
  /** open · closed */
  status: 'open' | 'closed';
  preset_id: string;
  preset_version: string;
  /** The case's path (scope). */
  jurisdiction_path: string;
  created_by: string | null;
  created_by_name: string;
  identified_at: number;
  updated_at: number;
  /** Secondary contacts (9th edition): the close contact they were exposed through (linked release and upgrade). */
  via_contact_id: string | null;
}

/** A traveller (来返、入境、高风险岗位人员): a real control basis (`traveller`) with the preset's schedule for the category. */
export interface TravellersTable {
  id: string;
  person_id: string;
  /** The person's jurisdiction path (scope). */
  person_path: string;
  /** high_risk_area · medium_risk_area · low_risk_area · inbound_international · high_risk_occupation */
  category: TravellerCategory;
  /** Where from: the risk area, the country, or the closed-loop workplace (free text). */
  origin: string;
  /** YYYY-MM-DD (BULWARK_TZ) of arrival (or the end of closed-loop work): day 0 of the schedule. */
  arrival_day: string;
  /** The city's entry point of arrival (station, airport, highway exit), if known. */
  entry_point: string | null;
  preset_id: string;
  preset_version: string;
  /** The quarantine stay the traveller was put under, once placed. */
  stay_id: string | null;
  created_by: string | null;
  created_at: number;
}

/** An arrival test (落地检) of a traveller at an entry point: when, and the result with a link to it. */
export interface TravellerArrivalTestsTable {
  id: string;
  traveller_id: string;
  entry_point: string;
  tested_at: number;
  /** null (pending) · negative · positive */
  result: 'negative' | 'positive' | null;
  /** The result's reference (tube barcode or lab report number). */
  result_ref: string | null;
  recorded_by: string | null;
  created_at: number;
}

/** A cross-region request (协查): outgoing for contacts outside the city, incoming from other regions. */
export interface CaseAssistRequestsTable {
  id: string;
  /** outgoing · incoming */
  direction: 'outgoing' | 'incoming';
  /** pending · sent · answered · closed */
  status: AssistStatus;
  /** The other region (city or province, free text or division code). */
  region: string;
  case_id: string | null;
  contact_id: string | null;
  /** The subject's masked name (never a full name or document). */
  subject_masked: string;
  category: string | null;
  note: string | null;
  /** The other region's reference number. */
  external_ref: string | null;
  jurisdiction_path: string;
  created_by_name: string;
  created_at: number;
  updated_at: number;
}

export interface CaseTables {
  case_presets: CasePresetsTable;
  case_clusters: CaseClustersTable;
  cases: CasesTable;
  case_places: CasePlacesTable;
  case_contacts: CaseContactsTable;
  case_assist_requests: CaseAssistRequestsTable;
  travellers: TravellersTable;
  traveller_arrival_tests: TravellerArrivalTestsTable;
}

export const caseColumns: ColumnsOf<CaseTables> = {
  case_presets: {
    id: 1,
    key: 1,
    version: 1,
    name: 1,
    name_en: 1,
    params: 1,
    shipped: 1,
    active: 1,
    activated_at: 1,
    created_by: 1,
    created_by_name: 1,
    created_at: 1,
  },
  case_clusters: {
    id: 1,
    name: 1,
    first_case_id: 1,
    status: 1,
    jurisdiction_path: 1,
    preset_id: 1,
    preset_version: 1,
    last_case_at: 1,
    contained_at: 1,
    extinguished_at: 1,
    created_at: 1,
    updated_at: 1,
  },
  cases: {
    id: 1,
    person_id: 1,
    name_masked: 1,
    kind: 1,
    jurisdiction_path: 1,
    onset_date: 1,
    report_date: 1,
    confirmed_at: 1,
    clinical_status: 1,
    detection_channel: 1,
    source_case_id: 1,
    cluster_id: 1,
    preset_id: 1,
    preset_version: 1,
    positive_tube_id: 1,
    positive_at: 1,
    recheck_id: 1,
    recheck_tube_id: 1,
    core_investigation_at: 1,
    close_contacts_at: 1,
    created_by: 1,
    created_by_name: 1,
    created_at: 1,
    updated_at: 1,
  },
  case_places: {
    id: 1,
    case_id: 1,
    jurisdiction_id: 1,
    place_path: 1,
    place_level: 1,
    lng: 1,
    lat: 1,
    snapped: 1,
    description: 1,
    from_at: 1,
    to_at: 1,
    jurisdiction_path: 1,
    created_at: 1,
  },
  case_contacts: {
    id: 1,
    case_id: 1,
    cluster_id: 1,
    person_id: 1,
    name_masked: 1,
    category: 1,
    exposure_date: 1,
    exposure_place: 1,
    relation: 1,
    before_lookback: 1,
    routing: 1,
    person_path: 1,
    handover_task_id: 1,
    assist_request_id: 1,
    control_status: 1,
    quarantined_at: 1,
    status: 1,
    preset_id: 1,
    preset_version: 1,
    jurisdiction_path: 1,
    created_by: 1,
    created_by_name: 1,
    identified_at: 1,
    updated_at: 1,
    via_contact_id: 1,
  },
  case_assist_requests: {
    id: 1,
    direction: 1,
    status: 1,
    region: 1,
    case_id: 1,
    contact_id: 1,
    subject_masked: 1,
    category: 1,
    note: 1,
    external_ref: 1,
    jurisdiction_path: 1,
    created_by_name: 1,
    created_at: 1,
    updated_at: 1,
  },
  travellers: {
    id: 1,
    person_id: 1,
    person_path: 1,
    category: 1,
    origin: 1,
    arrival_day: 1,
    entry_point: 1,
    preset_id: 1,
    preset_version: 1,
    stay_id: 1,
    created_by: 1,
    created_at: 1,
  },
  traveller_arrival_tests: { id: 1, traveller_id: 1, entry_point: 1, tested_at: 1, result: 1, result_ref: 1, recorded_by: 1, created_at: 1 },
};
