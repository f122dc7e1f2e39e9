import type { Config } from '../../config.js';
import type { Db } from '../../db/dialect.js';
import type { AuthService } from '../../platform/auth/auth.types.js';
import type { Clock } from '../../platform/clock.js';
import type { CorrectionService } from '../../platform/corrections/corrections.types.js';
import type { JobService } from '../../platform/jobs/jobs.types.js';
import type { JournalService } from '../../platform/journal/journal.types.js';
import type { OutboxService } from '../../platform/outbox/outbox.types.js';
import type { TaskService } from '../../platform/tasks/tasks.types.js';
import type { ControlPort } from '../control/control.port.js';
import type { GeoPort } from '../geo/geo.port.js';
import type { PopulationPort } from '../population/population.port.js';
import type { ZoningPort } from '../zoning/zoning.port.js';

/**
 * What testing's sub-services are built from: narrow inputs, not the container (the model is
 * `createJournalService({ db, clock })`). Each sub-service takes the part it uses
 * (`TestingInputs<'db' | 'clock', 'journal'>`). `services` may be read when a method runs: zoning is
 * created after testing.
 */
export interface TestingIo {
  db: Db;
  /** Domain time. */
  clock: Clock;
  /** Real time (the lookup's signed links). */
  wallClock: Clock;
  config: Pick<Config, 'sessionKey' | 'tz' | 'publicHotline'>;
  services: TestingNeeds;
}

/** The services testing calls, by their ports (or their own types where they have no port). */
export interface TestingNeeds {
  journal: JournalService;
  outbox: OutboxService;
  corrections: CorrectionService;
  jobs: JobService;
  auth: AuthService;
  tasks: TaskService;
  geo: GeoPort;
  population: PopulationPort;
  control: ControlPort;
  zoning: ZoningPort;
}

/** The inputs a sub-service uses: some of TestingIo, and some of the services. */
export type TestingInputs<K extends Exclude<keyof TestingIo, 'services'>, S extends keyof TestingNeeds = never> = Pick<TestingIo, K> & {
  services: Pick<TestingNeeds, S>;
};
