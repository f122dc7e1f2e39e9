import { sql, type Kysely } from 'kysely';

// Personal data that leaked (issue 14). Portable types only; never imports app code.
//
// 1. Birth dates. A masked resident ID and the birth date served beside it rebuilt the full number,
//    and both sat in plain text in `persons`. From now on a person row keeps only the birth year in
//    clear (`birth_year`, what lists show) and, for documents that do not themselves carry the date
//    (passports, most permits), the date encrypted (`birth_cipher`, AES-256-GCM by the service).
//    A resident ID carries its birth date inside its own ciphertext, so nothing else is kept for it.
//    This migration has no data key, so existing rows keep their year only: a resident ID still
//    reveals the full date through its (journaled) reveal; for other documents of existing rows
//    the day and month are dropped, as data the platform does not need.
// 2. ID masks. The stored mask `420502********1690` showed the region and the last four characters;
//    it now shows the first four, the three sequence digits and hides the check character:
//    `4205**********169*` (see maskIdNumber in population/protect.ts). Old masks are rewritten from
//    themselves: they already hold every character the new mask keeps.
// 3. `person_disclosures`: one row per reveal or exact-identifier search, for the per-user rate limits.
// 4. `resident_codes`: resident codes carry an opaque token instead of the person's id; this table
//    names the person, the expiry and the revocation (reissuing revokes). Codes printed before
//    (`BW1.<personId>…`) are no longer accepted: they named the person and never expired.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('persons')
    .addColumn('birth_year', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('persons').addColumn('birth_cipher', 'text').execute();
  await sql`update persons set birth_year = cast(substr(birth_date, 1, 4) as integer)`.execute(db);
  await db.schema.alterTable('persons').dropColumn('birth_date').execute();
  // 18-character masks (resident IDs, 18-digit residence permits): keep 1–4 and 15–17.
  await sql`update persons set id_masked = substr(id_masked, 1, 4) || '**********' || substr(id_masked, 15, 3) || '*' where length(id_masked) = 18`.execute(db);
  // Other masks of 15 or more characters kept the first 6 and last 4: keep the first 4 and the three before the last.
  await sql`update persons set id_masked = substr(id_masked, 1, 4) || '**' || substr(id_masked, 7, length(id_masked) - 10) || substr(id_masked, length(id_masked) - 3, 3) || '*' where length(id_masked) >= 15 and length(id_masked) <> 18`.execute(
    db,
  );

  await db.schema
    .createTable('person_disclosures')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('actor_id', 'text', (c) => c.notNull())
    /** reveal · search */
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('person_disclosures_actor_idx').on('person_disclosures').columns(['actor_id', 'kind', 'at']).execute();

  await db.schema
    .createTable('resident_codes')
    .addColumn('token', 'text', (c) => c.primaryKey())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('issued_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('resident_codes_person_idx').on('resident_codes').columns(['person_id', 'expires_at']).execute();
}
