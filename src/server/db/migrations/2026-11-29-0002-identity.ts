import type { Kysely } from 'kysely';

// Identity and access tables (users, units, sessions…). Filled in by the identity work.
export async function up(_db: Kysely<any>): Promise<void> {}
