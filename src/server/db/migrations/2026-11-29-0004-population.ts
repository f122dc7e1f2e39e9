import type { Kysely } from 'kysely';

// Households and persons (the population core). Identity and phone numbers are stored only as
// AES-256-GCM ciphertext + an HMAC for exact lookup + a masked form. Portable types only.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('households')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('jurisdiction_id', 'text', (c) => c.notNull().references('jurisdictions.id'))
    .addColumn('jurisdiction_path', 'text', (c) => c.notNull())
    .addColumn('room', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('households_address_idx').on('households').columns(['jurisdiction_id', 'room']).execute();
  await db.schema.createIndex('households_path_idx').on('households').column('jurisdiction_path').execute();

  await db.schema
    .createTable('persons')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('id_type', 'text', (c) => c.notNull())
    .addColumn('id_cipher', 'text', (c) => c.notNull())
    .addColumn('id_hmac', 'text', (c) => c.notNull().unique())
    .addColumn('id_masked', 'text', (c) => c.notNull())
    .addColumn('phone_cipher', 'text')
    .addColumn('phone_hmac', 'text')
    .addColumn('phone_masked', 'text')
    .addColumn('birth_date', 'text', (c) => c.notNull())
    .addColumn('sex', 'text', (c) => c.notNull())
    .addColumn('resident', 'integer', (c) => c.notNull())
    .addColumn('household_id', 'text', (c) => c.references('households.id'))
    .addColumn('building_id', 'text', (c) => c.references('jurisdictions.id'))
    .addColumn('entrance_id', 'text', (c) => c.references('jurisdictions.id'))
    .addColumn('room', 'text')
    .addColumn('jurisdiction_id', 'text', (c) => c.notNull().references('jurisdictions.id'))
    .addColumn('jurisdiction_path', 'text', (c) => c.notNull())
    .addColumn('region_of_origin', 'text')
    .addColumn('vulnerable_flags', 'integer', (c) => c.notNull())
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('persons_path_idx').on('persons').columns(['jurisdiction_path', 'id']).execute();
  await db.schema.createIndex('persons_household_idx').on('persons').column('household_id').execute();
  await db.schema.createIndex('persons_building_idx').on('persons').columns(['building_id', 'vulnerable_flags']).execute();
  await db.schema.createIndex('persons_phone_idx').on('persons').column('phone_hmac').execute();
  await db.schema.createIndex('persons_name_idx').on('persons').column('name').execute();
}
