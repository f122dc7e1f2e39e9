import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { restoreDeferredIndexes } from './deferred-indexes.js';
import { currentSchema, type DbOrTx } from './dialect.js';
import * as m0001 from './migrations/2026-11-29-0001-platform.js';
import * as m0002 from './migrations/2026-11-29-0002-identity.js';
import * as m0003 from './migrations/2026-11-29-0003-tasks.js';
import * as m0004 from './migrations/2026-11-29-0004-population.js';
import * as m0005 from './migrations/2026-11-29-0005-control.js';
import * as m0006 from './migrations/2026-11-29-0006-population-2.js';
import * as m0007 from './migrations/2026-11-29-0007-testing.js';
import * as m0008 from './migrations/2026-11-29-0008-cases.js';
import * as m0009 from './migrations/2026-11-29-0009-quarantine.js';
import * as m0010 from './migrations/2026-11-29-0010-companions.js';
import * as m0011 from './migrations/2026-11-29-0011-companion-contacts.js';
import * as m0012 from './migrations/2026-11-29-0012-geo-nearest.js';
import * as m0013 from './migrations/2026-11-29-0013-zoning.js';
import * as m0014 from './migrations/2026-11-29-0014-testing-tube-list.js';
import * as m0015 from './migrations/2026-11-29-0015-testing-coverage-level.js';
import * as m0016 from './migrations/2026-11-29-0016-testing-activation-lease.js';
import * as m0017geo from './migrations/2026-12-07-0017-geo-demo.js';
import * as m0019zoning from './migrations/2026-12-07-0019-zoning-lifting.js';
import * as m0020tr from './migrations/2026-12-07-0020-testing-review.js';
import * as m0025window from './migrations/2026-12-07-0025-control-actor-window.js';
import * as m0018qp from './migrations/2026-12-07-0018-quarantine-presets.js';
import * as m0021pf from './migrations/2026-12-07-0021-platform-faults.js';
import * as m0022TrustAudit from './migrations/2026-12-07-0022-trust-audit.js';
import * as m0023pd from './migrations/2026-12-07-0023-personal-data.js';
import * as m0027er from './migrations/2026-12-07-0027-early-release.js';
import * as m0029sl from './migrations/2026-12-07-0029-shared-limits.js';
import * as m0030dk from './migrations/2026-12-07-0030-doorknock.js';
import * as m0031mk from './migrations/2026-12-07-0031-message-keys.js';
import * as m0032tc from './migrations/2026-12-07-0032-task-closing.js';
import * as m0033lw from './migrations/2026-12-07-0033-lab-worklist.js';
import * as m0034cn from './migrations/2026-12-07-0034-cluster-names.js';

/**
 * Migrations in order. Dated names; each exports `up(db: Kysely<any>)` with portable types only
 * and never imports application code. Listed explicitly so bundling and tsx both see them.
 */
const migrations: Record<string, Migration> = {
  '2026-11-29-0001-platform': m0001,
  '2026-11-29-0002-identity': m0002,
  '2026-11-29-0003-tasks': m0003,
  '2026-11-29-0004-population': m0004,
  '2026-11-29-0005-control': m0005,
  '2026-11-29-0006-population-2': m0006,
  '2026-11-29-0007-testing': m0007,
  '2026-11-29-0008-cases': m0008,
  '2026-11-29-0009-quarantine': m0009,
  '2026-11-29-0010-companions': m0010,
  '2026-11-29-0011-companion-contacts': m0011,
  '2026-11-29-0012-geo-nearest': m0012,
  '2026-11-29-0013-zoning': m0013,
  '2026-11-29-0014-testing-tube-list': m0014,
  '2026-11-29-0015-testing-coverage-level': m0015,
  '2026-11-29-0016-testing-activation-lease': m0016,
  '2026-12-07-0017-geo-demo': m0017geo,
  '2026-12-07-0019-zoning-lifting': m0019zoning,
  '2026-12-07-0020-testing-review': m0020tr,
  '2026-12-07-0025-control-actor-window': m0025window,
  '2026-12-07-0018-quarantine-presets': m0018qp,
  '2026-12-07-0021-platform-faults': m0021pf,
  '2026-12-07-0022-trust-audit': m0022TrustAudit,
  '2026-12-07-0023-personal-data': m0023pd,
  '2026-12-07-0027-early-release': m0027er,
  '2026-12-07-0029-shared-limits': m0029sl,
  '2026-12-07-0030-doorknock': m0030dk,
  '2026-12-07-0031-message-keys': m0031mk,
  '2026-12-07-0032-task-closing': m0032tc,
  '2026-12-07-0033-lab-worklist': m0033lw,
  '2026-12-07-0034-cluster-names': m0034cn,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/**
 * Brings the database to the latest schema, and builds any index a bulk load set aside and did not
 * build again. Throws with the failing migration's name.
 */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  // On PostgreSQL, keep Kysely's bookkeeping tables in the connection's own schema: otherwise it
  // looks them up across every schema on the search path and collides with parallel test schemas.
  const schema = await currentSchema(db);
  const migrator = new Migrator({ db, provider, ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  const applied = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Migration ${failed} failed: ${(error as Error).message}`, { cause: error });
  }
  // A bulk load that died after setting its indexes aside (see deferred-indexes.ts) left their
  // definitions behind: build them now, before anything queries the tables.
  await restoreDeferredIndexes(db as DbOrTx);
  return applied;
}

/**
 * Brings the database up to (and including) the named migration only: for tests that put rows in
 * an older schema and check what a later migration makes of them.
 */
export async function migrateUpTo(db: Kysely<any>, name: string): Promise<void> {
  if (!(name in migrations)) throw new Error(`No migration named ${name}`);
  const schema = await currentSchema(db);
  const migrator = new Migrator({ db, provider, ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error } = await migrator.migrateTo(name);
  if (error) throw error;
}
