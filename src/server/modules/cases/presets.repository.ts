import type { DbOrTx } from '../../db/dialect.js';
import type { CasePresetsTable } from './cases.table.js';

export type PresetRow = CasePresetsTable;

/** Inserts presets, leaving any (key, version) already there untouched (concurrent first use). */
export async function insertPresetsIfMissing(db: DbOrTx, rows: PresetRow[]): Promise<void> {
  for (const r of rows)
    await db
      .insertInto('case_presets')
      .values(r)
      .onConflict((oc) => oc.columns(['key', 'version']).doNothing())
      .execute();
}

export async function insertPreset(db: DbOrTx, row: PresetRow): Promise<void> {
  await db.insertInto('case_presets').values(row).execute();
}

export async function countPresets(db: DbOrTx): Promise<number> {
  const r = await db
    .selectFrom('case_presets')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function findPreset(db: DbOrTx, id: string): Promise<PresetRow | undefined> {
  return db.selectFrom('case_presets').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findActivePreset(db: DbOrTx): Promise<PresetRow | undefined> {
  return db.selectFrom('case_presets').selectAll().where('active', '=', 1).orderBy('activated_at', 'desc').executeTakeFirst();
}

export async function listPresets(db: DbOrTx): Promise<PresetRow[]> {
  return db.selectFrom('case_presets').selectAll().orderBy('key').orderBy('version').execute();
}

export async function maxVersion(db: DbOrTx, key: string): Promise<number> {
  const r = await db
    .selectFrom('case_presets')
    .select((eb) => eb.fn.max<number>('version').as('v'))
    .where('key', '=', key)
    .executeTakeFirst();
  return Number(r?.v ?? 0);
}

/** Makes `id` the only active preset. */
export async function setActive(db: DbOrTx, id: string, at: number): Promise<void> {
  await db.updateTable('case_presets').set({ active: 0 }).where('active', '=', 1).where('id', '!=', id).execute();
  await db.updateTable('case_presets').set({ active: 1, activated_at: at }).where('id', '=', id).execute();
}
