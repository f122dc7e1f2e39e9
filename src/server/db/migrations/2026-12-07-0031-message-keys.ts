import type { Kysely } from 'kysely';

// Issue 15, "Text for people, in one language at a time": alerts and task texts that modules write
// are stored as a message key with its parameters (JSON text), rendered in the reader's language by
// the web. The existing text columns keep the rendered Chinese for the record; rows written before
// this migration have no key and keep their text. Portable types only.
export async function up(db: Kysely<any>): Promise<void> {
  for (const [table, fields] of [
    ['tasks', ['title', 'description']],
    ['notifications', ['title', 'body']],
  ] as const) {
    for (const f of fields) {
      await db.schema.alterTable(table).addColumn(`${f}_key`, 'text').execute();
      await db.schema.alterTable(table).addColumn(`${f}_params`, 'text').execute();
    }
  }
}
