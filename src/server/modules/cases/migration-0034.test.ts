/** Migration 0034 (cluster names): what it makes of clusters named before it, on both dialects. */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, dropSchema } from '../../../../test/helpers/db.js';
import { buildJurisdiction } from '../../../../test/helpers/factories.js';
import { testConfig } from '../../config.js';
import { openDb, type DbHandle } from '../../db/dialect.js';
import { migrateToLatest, migrateUpTo } from '../../db/migrate.js';

describe.each(DIALECTS)('migration 0034-cluster-names [%s]', (dialect) => {
  let handle: DbHandle;
  let schema: string | undefined;
  beforeAll(async () => {
    schema = dialect === 'postgres' ? `t_${randomBytes(6).toString('hex')}` : undefined;
    handle = await openDb(testConfig(dialect === 'postgres' ? { dbKind: 'postgres', db: process.env.BULWARK_TEST_PG!, pgSchema: schema } : {}));
  });
  afterAll(async () => {
    await handle?.close();
    if (schema) await dropSchema(schema);
  });

  it('renames clusters named the old automatic way (a masked name and a day) by district and day, and leaves chosen names alone', async () => {
    const db = handle.db as never as import('kysely').Kysely<any>;
    await migrateUpTo(db, '2026-12-07-0031-message-keys');
    const city = await buildJurisdiction(db as never, { code: '420500', name: '宜昌市', level: 'city' });
    const xiling = await buildJurisdiction(db as never, { code: '420502', name: '西陵区', level: 'district', parent: city });
    const street = await buildJurisdiction(db as never, { code: '420502001000', name: '西陵街道', level: 'street', parent: xiling });
    const cluster = (id: string, name: string, path: string) => ({
      id,
      name,
      first_case_id: null,
      status: 'active',
      jurisdiction_path: path,
      preset_id: 'preset-1',
      preset_version: 'ninth-edition-2022-06@v1',
      last_case_at: 1,
      contained_at: null,
      extinguished_at: null,
      created_at: 1,
      updated_at: 1,
    });
    await db
      .insertInto('case_clusters')
      .values([
        cluster('k1', '张* 关联疫情 (2026-12-07)', street.path),
        cluster('k2', '西陵区 11·30 聚集性疫情', street.path),
        cluster('k3', '李** 关联疫情 (2026-11-03)', city.path),
      ])
      .execute();
    await migrateToLatest(db);
    const names = Object.fromEntries(
      ((await db.selectFrom('case_clusters').select(['id', 'name']).execute()) as { id: string; name: string }[]).map((r) => [r.id, r.name]),
    );
    // k3 lies at the city itself: named by the city, as a new cluster there would be.
    expect(names).toEqual({ k1: '西陵区 12·07 疫情', k2: '西陵区 11·30 聚集性疫情', k3: '宜昌市 11·03 疫情' });
  });
});
