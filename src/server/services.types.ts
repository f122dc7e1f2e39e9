import type { JournalService } from './platform/journal/journal.types.js';
import type { OutboxService } from './platform/outbox/outbox.types.js';
import type { CorrectionService } from './platform/corrections/corrections.types.js';
import type { AuthService } from './platform/auth/auth.types.js';
import type { TaskService } from './platform/tasks/tasks.types.js';
import type { JobService } from './platform/jobs/jobs.types.js';
import type { GeoService } from './modules/geo/geo.types.js';
import type { PopulationService } from './modules/population/population.types.js';
import type { ControlService } from './modules/control/control.types.js';
import type { TestingService } from './modules/testing/testing.types.js';
import type { CasesService } from './modules/cases/cases.types.js';
import type { DashboardService } from './modules/dashboard/dashboard.types.js';
import type { QuarantineService } from './modules/quarantine/quarantine.types.js';
import type { CompanionService } from './modules/companions/companions.types.js';
import type { ZoningService } from './modules/zoning/zoning.types.js';
import type { DoorknockService } from './modules/doorknock/doorknock.types.js';

/**
 * The container's type: every service by its declared type (a `<domain>.types.ts` that imports no
 * service code), so that `Deps` does not pull the services' code into every service's type graph.
 * `createServices` (services.ts) builds it; add a module's service to both.
 */
export interface Services {
  journal: JournalService;
  outbox: OutboxService;
  corrections: CorrectionService;
  jobs: JobService;
  auth: AuthService;
  tasks: TaskService;
  geo: GeoService;
  population: PopulationService;
  control: ControlService;
  testing: TestingService;
  cases: CasesService;
  dashboard: DashboardService;
  quarantine: QuarantineService;
  companions: CompanionService;
  zoning: ZoningService;
  doorknock: DoorknockService;
}
