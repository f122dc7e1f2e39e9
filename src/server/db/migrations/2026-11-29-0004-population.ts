import type { Kysely } from 'kysely';

// Persons and households. Filled in by the population work.
export async function up(_db: Kysely<any>): Promise<void> {}
