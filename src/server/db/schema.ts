import type { GeoTables } from '../modules/geo/geo.table.js';
import { geoColumns } from '../modules/geo/geo.table.js';
import type { AuthTables } from '../platform/auth/auth.table.js';
import { authColumns } from '../platform/auth/auth.table.js';
import type { PopulationTables } from '../modules/population/population.table.js';
import { populationColumns } from '../modules/population/population.table.js';
import type { ControlTables } from '../modules/control/control.table.js';
import { controlColumns } from '../modules/control/control.table.js';
import type { PlatformTables } from '../platform/platform.table.js';
import { platformColumns } from '../platform/platform.table.js';
import type { TaskTables } from '../platform/tasks/tasks.table.js';
import { taskColumns } from '../platform/tasks/tasks.table.js';
import type { TestingTables } from '../modules/testing/testing.table.js';
import { testingColumns } from '../modules/testing/testing.table.js';
import type { CaseTables } from '../modules/cases/cases.table.js';
import { caseColumns } from '../modules/cases/cases.table.js';
import { quarantineColumns, type QuarantineTables } from '../modules/quarantine/quarantine.table.js';
import { companionColumns, type CompanionTables } from '../modules/companions/companions.table.js';
import { zoningColumns, type ZoningTables } from '../modules/zoning/zoning.table.js';
import { doorknockColumns, type DoorknockTables } from '../modules/doorknock/doorknock.table.js';

/** Every table of the application. A module adds its `XxxTables` here and its columns below. */
export interface Database
  extends
    PlatformTables,
    GeoTables,
    AuthTables,
    TaskTables,
    PopulationTables,
    ControlTables,
    TestingTables,
    CaseTables,
    QuarantineTables,
    CompanionTables,
    ZoningTables,
    DoorknockTables {}

/** Every column of every table, for the schema-conformance test. */
export const allColumns = {
  ...platformColumns,
  ...geoColumns,
  ...authColumns,
  ...taskColumns,
  ...populationColumns,
  ...controlColumns,
  ...testingColumns,
  ...caseColumns,
  ...quarantineColumns,
  ...companionColumns,
  ...zoningColumns,
  ...doorknockColumns,
};
