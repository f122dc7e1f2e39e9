import type { ColumnsOf } from '../../db/columns.js';

// Owned by the tasks/notifications work (issue 3). Filled in there.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface TaskTables {}

export const taskColumns: ColumnsOf<TaskTables> = {};
