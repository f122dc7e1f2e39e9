import type { Kysely } from 'kysely';
import { pinyin } from 'pinyin-pro';

// Population, part 2: pinyin search keys, merges of duplicate persons (a non-resident matched to a
// resident) and their history. Portable types only.
//
// Existing rows get their pinyin keys here. The key function is a frozen copy of
// `nameKeys` in src/server/modules/population/names.ts (migrations never import app code).
function keysOf(name: string): { initials: string; pinyin: string } {
  const parts = pinyin(name.trim(), { toneType: 'none', type: 'array', surname: 'head', v: true, nonZh: 'consecutive' });
  const tokens: string[] = [];
  for (const p of parts)
    for (const t of p
      .toLowerCase()
      .replace(/ü/g, 'v')
      .split(/[^a-z0-9]+/))
      if (t) tokens.push(t);
  return {
    initials: tokens
      .map((t) => t[0])
      .join('')
      .slice(0, 60),
    pinyin: tokens.join('').slice(0, 200),
  };
}

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('persons')
    .addColumn('name_initials', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema
    .alterTable('persons')
    .addColumn('name_pinyin', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  // A merged record is kept (its history stays readable) and points at the record it was merged into.
  await db.schema.alterTable('persons').addColumn('merged_into', 'text').execute();
  await db.schema.alterTable('persons').addColumn('merged_at', 'bigint').execute();
  await db.schema.createIndex('persons_initials_idx').on('persons').column('name_initials').execute();
  await db.schema.createIndex('persons_pinyin_idx').on('persons').column('name_pinyin').execute();
  // Partial: only merged records are indexed. A full index would tempt the planner to answer
  // `merged_into is null` (every list) from it, which is almost the whole table.
  await db.schema.createIndex('persons_merged_idx').on('persons').column('merged_into').where('merged_into', 'is not', null).execute();

  await db.schema
    .createTable('person_merges')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('from_person_id', 'text', (c) => c.notNull())
    .addColumn('into_person_id', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('from_path', 'text', (c) => c.notNull())
    .addColumn('jurisdiction_path', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('actor_name', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('journal_seq', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('person_merges_from_idx').on('person_merges').column('from_person_id').execute();
  await db.schema.createIndex('person_merges_into_idx').on('person_merges').column('into_person_id').execute();

  let after = '';
  for (;;) {
    const rows: { id: string; name: string }[] = await db
      .selectFrom('persons')
      .select(['id', 'name'])
      .where('id', '>', after)
      .orderBy('id')
      .limit(2000)
      .execute();
    if (rows.length === 0) break;
    for (const r of rows) {
      const k = keysOf(r.name);
      await db.updateTable('persons').set({ name_initials: k.initials, name_pinyin: k.pinyin }).where('id', '=', r.id).execute();
    }
    after = rows[rows.length - 1].id;
  }
}
