import type { ColumnsOf } from '../../db/columns.js';

// Owned by the population work. Filled in there.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface PopulationTables {}

export const populationColumns: ColumnsOf<PopulationTables> = {};
