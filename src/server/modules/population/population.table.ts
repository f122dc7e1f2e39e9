import type { ColumnsOf } from '../../db/columns.js';

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
  id_type: string;
  id_cipher: string;
  /** HMAC-SHA256 of `id:<type>` + the normalised number; unique. */
  id_hmac: string;
  /** `420502********1234` */
  id_masked: string;
  phone_cipher: string | null;
  phone_hmac: string | null;
  /** `138****5678` */
  phone_masked: string | null;
  /** YYYY-MM-DD */
  birth_date: string;
  /** male · female */
  sex: string;
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
  created_at: number;
  updated_at: number;
}

export interface PopulationTables {
  households: HouseholdsTable;
  persons: PersonsTable;
}

export const populationColumns: ColumnsOf<PopulationTables> = {
  households: { id: 1, jurisdiction_id: 1, jurisdiction_path: 1, room: 1, created_at: 1, updated_at: 1 },
  persons: {
    id: 1, name: 1, id_type: 1, id_cipher: 1, id_hmac: 1, id_masked: 1, phone_cipher: 1, phone_hmac: 1, phone_masked: 1,
    birth_date: 1, sex: 1, resident: 1, household_id: 1, building_id: 1, entrance_id: 1, room: 1, jurisdiction_id: 1,
    jurisdiction_path: 1, region_of_origin: 1, vulnerable_flags: 1, tags: 1, created_at: 1, updated_at: 1,
  },
};
