import type { Kysely } from 'kysely';

// Tasks, notifications and alerts tables. Filled in by the tasks work.
export async function up(_db: Kysely<any>): Promise<void> {}
