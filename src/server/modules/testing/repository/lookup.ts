/** The residents' result lookup: its one keyed read and the lookup versions (lookup.service). */
import { sql } from 'kysely';
import type { DbOrTx, Tx } from '../../../db/dialect.js';
import { hotQuery } from '../../../db/hot-query.js';
import { chunks } from './shared.js';

/**
 * Everything the public lookup shows of one person in ONE keyed read (issue 14: a cold lookup is one
 * read here, after population's keyed ID read): the lookup version, the latest scans with their
 * tube and campaign, and per scan the person's open rechecks (in its campaign, and in any). One
 * statement is one snapshot on both dialects, so the version read cannot be newer than the rows.
 * A person never scanned answers one row with null scan columns (the driving one-row subquery).
 */
const OPEN_RECHECK_STATUSES = [sql.lit('awaiting_sample'), sql.lit('sampled'), sql.lit('positive')];
/**
 * The scans read per lookup. A literal in the SQL, not a bound parameter: on SQLite `limit ?` made
 * this statement cost ~60 µs of CPU against ~6 µs with `limit 10` (bench/harness/lookup-cpu.ts,
 * issue 14), the planner's top-N sort needing the limit when the statement is prepared.
 */
export const LOOKUP_SCANS = 10;
const lookupStateQ = hotQuery(
  (db, personId: string) =>
    db
      .selectFrom(sql<{ pid: string }>`(select cast(${personId} as text) as pid)`.as('q'))
      .leftJoin('testing_lookup_versions as v', 'v.person_id', 'q.pid')
      .leftJoin('testing_scans as s', 's.person_id', 'q.pid')
      .leftJoin('testing_tubes as t', 't.id', 's.tube_id')
      .leftJoin('testing_campaigns as c', 'c.id', 's.campaign_id')
      .select((eb) => [
        'v.version',
        's.id',
        's.campaign_id',
        'c.name as campaign_name',
        's.recheck',
        's.scanned_at',
        't.status as tube_status',
        't.result as tube_result',
        eb
          .selectFrom('testing_rechecks as r')
          .select((e) => e.fn.countAll<number | string>().as('n'))
          .whereRef('r.person_id', '=', 'q.pid')
          .where('r.status', 'in', OPEN_RECHECK_STATUSES)
          .as('open_any'),
        eb
          .selectFrom('testing_rechecks as r2')
          .select((e) => e.fn.countAll<number | string>().as('n'))
          .whereRef('r2.person_id', '=', 'q.pid')
          .whereRef('r2.campaign_id', '=', 's.campaign_id')
          .where('r2.status', 'in', OPEN_RECHECK_STATUSES)
          .as('open_here'),
      ])
      .orderBy('s.recorded_at', 'desc')
      .orderBy('s.id', 'desc')
      .limit(sql.lit(LOOKUP_SCANS)),
  ['\u0001person'],
);

export interface LookupState {
  version: number;
  /** Open rechecks of the person (awaiting sample, sampled, positive), in any campaign. */
  openRechecks: number;
  /** Newest first; `openHere`: open rechecks in the scan's campaign. */
  scans: {
    campaign_id: string;
    campaign_name: string;
    recheck: number;
    scanned_at: number;
    tube_status: string;
    tube_result: string | null;
    openHere: number;
  }[];
}

/** The public lookup's one read of a person's state (see `lookupStateQ`). */
export async function lookupState(db: DbOrTx, personId: string): Promise<LookupState> {
  const rows = await lookupStateQ(db, personId);
  const first = rows[0];
  return {
    version: Number(first?.version ?? 0),
    openRechecks: Number(first?.open_any ?? 0),
    scans: rows
      .filter((r) => r.id !== null)
      .map((r) => ({
        campaign_id: r.campaign_id!,
        campaign_name: r.campaign_name!,
        recheck: Number(r.recheck),
        scanned_at: Number(r.scanned_at),
        tube_status: r.tube_status!,
        tube_result: r.tube_result ?? null,
        openHere: Number(r.open_here ?? 0),
      })),
  };
}

export async function bumpLookupVersions(trx: Tx, personIds: readonly string[]): Promise<void> {
  const ids = [...new Set(personIds)].sort();
  for (const c of chunks(ids)) {
    await trx
      .insertInto('testing_lookup_versions')
      .values(c.map((person_id) => ({ person_id, version: 1 })))
      .onConflict((oc) => oc.column('person_id').doUpdateSet({ version: sql`testing_lookup_versions.version + 1` }))
      .execute();
  }
}

const lookupVersionQ = hotQuery(
  (db, personId: string) => db.selectFrom('testing_lookup_versions').select('version').where('person_id', '=', personId),
  ['\u0001person'],
);

export async function lookupVersion(db: DbOrTx, personId: string): Promise<number> {
  const [r] = await lookupVersionQ(db, personId);
  return Number(r?.version ?? 0);
}

/**
 * The SQL and parameters of one person's lookup-state read (bench/harness/lookup-cpu.ts explains its
 * plan; loaded there by name so the harness also runs on older revisions).
 * @public
 */
export const lookupStateBound = (db: DbOrTx, personId: string) => lookupStateQ.bound(db, personId);
