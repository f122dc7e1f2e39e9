import type { Deps } from './deps.js';
import type { Services } from './services.types.js';
import { createJournalService } from './platform/journal/journal.service.js';
import { createOutboxService } from './platform/outbox/outbox.service.js';
import { createCorrectionService } from './platform/corrections/corrections.service.js';
import { createAuthService } from './platform/auth/auth.service.js';
import { createTaskService } from './platform/tasks/tasks.service.js';
import { createJobService } from './platform/jobs/jobs.service.js';
import { createGeoService } from './modules/geo/geo.service.js';
import { createPopulationService } from './modules/population/population.service.js';
import { createControlService } from './modules/control/control.service.js';
import { createTestingService } from './modules/testing/index.js';
import { createCasesService } from './modules/cases/cases.service.js';
import { createDashboardService } from './modules/dashboard/dashboard.service.js';
import { createQuarantineService } from './modules/quarantine/quarantine.service.js';
import { createCompanionService } from './modules/companions/companions.service.js';
import { createZoningService, registerZoning } from './modules/zoning/index.js';
import { createDoorknockService } from './modules/doorknock/index.js';

/** Every service, created explicitly in dependency order. Add a module's service here. */
export function createServices(deps: Omit<Deps, 'services'>) {
  const services = {} as Services;
  const d: Deps = { ...deps, services };
  services.journal = createJournalService(d);
  services.outbox = createOutboxService(d);
  services.corrections = createCorrectionService(d);
  services.jobs = createJobService(d);
  services.journal.registerSigning(services.jobs);
  services.auth = createAuthService(d);
  services.tasks = createTaskService(d);
  services.geo = createGeoService(d);
  services.population = createPopulationService(d);
  services.control = createControlService(d);
  services.testing = createTestingService(d);
  services.cases = createCasesService(d);
  services.dashboard = createDashboardService(d);
  services.quarantine = createQuarantineService(d);
  services.companions = createCompanionService(d);
  services.zoning = createZoningService(d);
  registerZoning(services, services.zoning);
  services.doorknock = createDoorknockService(d);
  return services;
}
