/** Migration 0023 (personal data): what it makes of rows written before it, on both dialects. */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, dropSchema } from '../../../../test/helpers/db.js';
import { buildJurisdiction } from '../../../../test/helpers/factories.js';
import { testConfig } from '../../config.js';
import { openDb, type DbHandle } from '../../db/dialect.js';
import { migrateToLatest, migrateUpTo } from '../../db/migrate.js';
import { makeResidentId } from './resident-id.js';

describe.each(DIALECTS)('migration 0023-personal-data [%s]', (dialect) => {
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

  it('keeps the birth year, drops the plaintext date and rewrites old masks so they no longer show the date', async () => {
    const db = handle.db as never as import('kysely').Kysely<any>;
    await migrateUpTo(db, '2026-11-29-0016-testing-activation-lease');
    const id = makeResidentId('420502', '1985-07-21', 169, 'male');
    const city = await buildJurisdiction(db as never, { code: '420500', name: '宜昌市', level: 'city' });
    const row = (pid: string, masked: string, birth: string) => ({
      id: pid,
      name: '旧记录',
      id_type: 'resident_id',
      id_cipher: 'v1.x',
      id_hmac: `h-${pid}`,
      id_masked: masked,
      phone_cipher: null,
      phone_hmac: null,
      phone_masked: null,
      birth_date: birth,
      sex: 'male',
      resident: 0,
      household_id: null,
      building_id: null,
      entrance_id: null,
      room: null,
      jurisdiction_id: city.id,
      jurisdiction_path: city.path,
      region_of_origin: '外地',
      vulnerable_flags: 0,
      tags: '[]',
      name_initials: 'jjl',
      name_pinyin: 'jiujilu',
      merged_into: null,
      merged_at: null,
      created_at: 1,
      updated_at: 1,
    });
    await db
      .insertInto('persons')
      .values([row('p1', `${id.slice(0, 6)}********${id.slice(-4)}`, '1985-07-21'), row('p2', 'E******78', '1979-04-13')])
      .execute();
    await migrateToLatest(db);
    const rows = await db.selectFrom('persons').selectAll().orderBy('id').execute();
    expect(rows.map((r: Record<string, unknown>) => [r.id, r.id_masked, Number(r.birth_year), r.birth_cipher])).toEqual([
      ['p1', `${id.slice(0, 4)}**********${id.slice(14, 17)}*`, 1985, null],
      ['p2', 'E******78', 1979, null],
    ]);
    expect(Object.keys(rows[0])).not.toContain('birth_date');
    expect(JSON.stringify(rows)).not.toMatch(/1985-07-21|19850721|1979-04-13/);
  });
});
