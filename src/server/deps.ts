import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Db, DbHandle } from './db/dialect.js';
import type { Clock } from './platform/clock.js';
import type { Services } from './services.types.js';

/** What every service and plugin is built from. Created once per process in `createDeps`. */
export interface Deps {
  config: Readonly<Config>;
  handle: DbHandle;
  db: Db;
  /** Domain time: what "now" means for quarantine days, deadlines, lifting. The demo can move it. */
  clock: Clock;
  /**
   * Real elapsed time for security decisions (session expiry, lockouts, TOTP, rate limits). Never
   * moved by the demo clock, so advancing the demo does not sign everybody out. Tests share one
   * ManualClock for both.
   */
  wallClock: Clock;
  log: Logger;
  /** All services, so one module can call another's service (never its repository). */
  services: Services;
}
