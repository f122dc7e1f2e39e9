import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testEnv, type TestEnv } from '../../../test/helpers/db.js';
import { buildMiniCity } from '../../../test/helpers/factories.js';
import { createDeps } from '../app.js';
import { inTx } from '../db/dialect.js';
import { systemActor } from './actor.js';
import { backupTo, restoreFrom } from './backup.js';

async function counts(env: { deps: TestEnv['deps'] }) {
  const j = await env.deps.db
    .selectFrom('jurisdictions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return { jurisdictions: Number(j.n), journal: await env.deps.services.journal.count() };
}

describe.each(DIALECTS)('backup and restore [%s]', (dialect) => {
  let env: TestEnv;
  const dir = mkdtempSync(path.join(tmpdir(), 'bw-backup-'));
  beforeAll(async () => {
    // SQLite needs a file database for restore; PostgreSQL uses its own test schema.
    env = await testEnv(dialect, dialect === 'sqlite' ? { db: path.join(dir, 'live.db') } : {});
  });
  afterAll(() => env.close());

  it('restores a backup taken while in use, and the counts match', async () => {
    await buildMiniCity(env.deps.db);
    for (let i = 0; i < 3; i++) {
      await inTx(env.deps.db, (trx) => env.deps.services.journal.append(trx, systemActor(), { action: 'test.x', entityType: 'x', entityId: String(i) }));
    }
    const before = await counts(env);
    expect(before).toEqual({ jurisdictions: 5, journal: 3 });
    const file = path.join(dir, dialect === 'sqlite' ? 'backup.db' : 'backup.pgdump');
    await backupTo(env.deps.handle, file);

    // Changes after the backup are lost by the restore.
    await inTx(env.deps.db, (trx) => env.deps.services.journal.append(trx, systemActor(), { action: 'test.after', entityType: 'x' }));
    await env.deps.db.deleteFrom('jurisdictions').where('level', '=', 'street').execute();
    expect(await counts(env)).toEqual({ jurisdictions: 3, journal: 4 });

    await env.deps.handle.close();
    await restoreFrom(env.config, file);
    const reopened = await createDeps(env.config, { clock: env.clock });
    try {
      expect(await counts({ deps: reopened })).toEqual(before);
      expect((await reopened.services.journal.verify()).ok).toBe(true);
    } finally {
      await reopened.handle.close();
    }
  });

  it('refuses a file that is not a backup of this kind', async () => {
    const other = dialect === 'sqlite' ? path.join(dir, 'nope.pgdump') : path.join(dir, 'nope.db');
    await import('node:fs').then((fs) => fs.writeFileSync(other, dialect === 'sqlite' ? 'PGDMP garbage' : 'SQLite format 3\0garbage'));
    await expect(restoreFrom(env.config, other)).rejects.toThrow(/not a/);
  });
});
