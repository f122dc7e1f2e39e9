import type { ColumnsOf } from '../../db/columns.js';
import type { IdType, Sex } from '../../../common/geo.js';

/** A household: people living together at one address (a room of a building or entrance). */
export interface HouseholdsTable {
  id: string;
  /** The entrance (or building, where it has no entrances) the household lives in. */
  jurisdiction_id: string;
  jurisdiction_path: string;
  /** Room number, e.g. `1203`; null for a whole house. */
  room: string | null;
  created_at: number;
  updated_at: number;
}

/**
 * A person: a registered resident (household + address) or a non-resident staying in a jurisdiction.
 * ID and phone numbers are never stored in plaintext: `*_cipher` (AES-256-GCM, see protect.ts),
 * `*_hmac` (exact lookup) and `*_masked` (display).
 */
export interface PersonsTable {
  id: string;
  name: string;
  /** resident_id · passport · hk_macao_tw */
  id_type: IdType;
  id_cipher: string;
  /** HMAC-SHA256 of `id:<type>` + the normalised number; unique. */
  id_hmac: string;
  /** `4205**********123*`: first 4, the 3 sequence digits, the rest hidden (see maskIdNumber). */
  id_masked: string;
  phone_cipher: string | null;
  phone_hmac: string | null;
  /** `138****5678` */
  phone_masked: string | null;
  /** Birth year (what lists show). The full date is never stored in clear. */
  birth_year: number;
  /**
   * The birth date (YYYY-MM-DD), AES-256-GCM, for documents that do not carry it themselves
   * (passports, permits); null for resident IDs (the date is inside the ID's own ciphertext) and for
   * rows migrated before dates were encrypted.
   */
  birth_cipher: string | null;
  /** male · female */
  sex: Sex;
  /** 1 registered resident, 0 non-resident. */
  resident: number;
  household_id: string | null;
  building_id: string | null;
  entrance_id: string | null;
  room: string | null;
  /** Residence: the entrance (or building) for residents; the place of stay for non-residents. */
  jurisdiction_id: string;
  /** Path of `jurisdiction_id`: what scope filters and population counters use. */
  jurisdiction_path: string;
  /** Non-residents: where they come from (free text or a division code). */
  region_of_origin: string | null;
  /** Bit i set = VULNERABLE_FLAGS[i] (src/common/geo.ts). */
  vulnerable_flags: number;
  /** JSON array of free tags. */
  tags: string;
  /** Pinyin initials of the name, lower-case (`张三` → `zs`); see names.ts. */
  name_initials: string;
  /** Full pinyin of the name, lower-case, no tones or spaces (`zhangsan`). */
  name_pinyin: string;
  /** Set when this record was merged into another (the kept, current record); null otherwise. */
  merged_into: string | null;
  /** Epoch ms of the merge. */
  merged_at: number | null;
  created_at: number;
  updated_at: number;
}

/**
 * One merge of two person records (a non-resident matched to a resident, or a duplicate): both
 * records stay; `from` is marked merged into `into`, and every module's references were redirected.
 */
export interface PersonMergesTable {
  id: string;
  from_person_id: string;
  into_person_id: string;
  /** manual (chosen by a user) · document (same identity document registered as a resident) */
  method: 'manual' | 'document';
  reason: string;
  /** JSON: what the merge combined (control status, handlers run); never personal numbers. */
  details: string;
  /** Path of the merged record at the time of the merge. */
  from_path: string;
  /** Path of the kept record (scope). */
  jurisdiction_path: string;
  actor_id: string | null;
  actor_name: string;
  at: number;
  journal_seq: number;
}

/** One disclosure of personal data by a user (a reveal or an exact-identifier search): the rate limits count these. */
export interface PersonDisclosuresTable {
  id: string;
  actor_id: string;
  /** reveal · search */
  kind: 'reveal' | 'search';
  /** Epoch ms. */
  at: number;
}

/** A resident code's opaque token (see resident-code.ts): whose it is, until when, and whether revoked. */
export interface ResidentCodesTable {
  /** 16 random bytes, base64url: what the printed code carries. */
  token: string;
  person_id: string;
  issued_at: number;
  expires_at: number;
  /** Set when the code was replaced by a reissue. */
  revoked_at: number | null;
}

/**
 * A registration of a document that another district already holds (issue 14): the caller's record
 * was created as for a fresh registration (its `id_hmac` is `handover:<id>`, so the document stays
 * unique), and the holding district was handed the matter as a task. Found by the document's HMAC
 * so that the registering district's own searches and re-registrations see its record.
 */
export interface PersonHandoversTable {
  id: string;
  /** The record the registering district created. */
  person_id: string;
  /** The document's HMAC (as persons.id_hmac would hold it). */
  id_hmac: string;
  /** The record that holds the document, and where. */
  holder_id: string;
  holder_path: string;
  /** Where the new record was registered. */
  registered_path: string;
  task_id: string | null;
  created_at: number;
}

export interface PopulationTables {
  households: HouseholdsTable;
  persons: PersonsTable;
  person_merges: PersonMergesTable;
  person_disclosures: PersonDisclosuresTable;
  resident_codes: ResidentCodesTable;
  person_handovers: PersonHandoversTable;
}

export const populationColumns: ColumnsOf<PopulationTables> = {
  households: { id: 1, jurisdiction_id: 1, jurisdiction_path: 1, room: 1, created_at: 1, updated_at: 1 },
  persons: {
    id: 1,
    name: 1,
    id_type: 1,
    id_cipher: 1,
    id_hmac: 1,
    id_masked: 1,
    phone_cipher: 1,
    phone_hmac: 1,
    phone_masked: 1,
    birth_year: 1,
    birth_cipher: 1,
    sex: 1,
    resident: 1,
    household_id: 1,
    building_id: 1,
    entrance_id: 1,
    room: 1,
    jurisdiction_id: 1,
    jurisdiction_path: 1,
    region_of_origin: 1,
    vulnerable_flags: 1,
    tags: 1,
    name_initials: 1,
    name_pinyin: 1,
    merged_into: 1,
    merged_at: 1,
    created_at: 1,
    updated_at: 1,
  },
  person_merges: {
    id: 1,
    from_person_id: 1,
    into_person_id: 1,
    method: 1,
    reason: 1,
    details: 1,
    from_path: 1,
    jurisdiction_path: 1,
    actor_id: 1,
    actor_name: 1,
    at: 1,
    journal_seq: 1,
  },
  person_disclosures: { id: 1, actor_id: 1, kind: 1, at: 1 },
  resident_codes: { token: 1, person_id: 1, issued_at: 1, expires_at: 1, revoked_at: 1 },
  person_handovers: { id: 1, person_id: 1, id_hmac: 1, holder_id: 1, holder_path: 1, registered_path: 1, task_id: 1, created_at: 1 },
};
