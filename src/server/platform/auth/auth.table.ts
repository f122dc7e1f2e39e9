import type { ColumnsOf } from '../../db/columns.js';

// Owned by the identity-and-access work (issue 3). Filled in there.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface AuthTables {}

export const authColumns: ColumnsOf<AuthTables> = {};
