import type { ColumnsOf } from '../../db/columns.js';

/**
 * One knock (敲门行动) at a resident's door during a testing campaign: who knocked, when, and what
 * came of it. Append-only; a person's latest row is the outcome the next list shows.
 */
export interface DoorknockOutcomesTable {
  id: string;
  campaign_id: string;
  person_id: string;
  building_id: string;
  /** The person's residence path when knocked (scope filter). */
  jurisdiction_path: string;
  /** One of KNOCK_OUTCOMES. */
  outcome: string;
  note: string | null;
  actor_id: string | null;
  actor_name: string;
  /** Epoch ms. */
  at: number;
}

export interface DoorknockTables {
  doorknock_outcomes: DoorknockOutcomesTable;
}

export const doorknockColumns: ColumnsOf<DoorknockTables> = {
  doorknock_outcomes: { id: 1, campaign_id: 1, person_id: 1, building_id: 1, jurisdiction_path: 1, outcome: 1, note: 1, actor_id: 1, actor_name: 1, at: 1 },
};
