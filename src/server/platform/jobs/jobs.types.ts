/**
 * The declared type of the container's `JobService` (imports no service code at run time). The
 * factory is typed to return it; `services.types.ts` names it.
 */
import type { DbOrTx } from '../../db/dialect.js';
import type { Job, JobHandler, RunOutcome, RunnerOptions, ScheduleInput } from './jobs.service.js';

/** The JobService facade as the container holds it (what `createJobService` returns). */
export interface JobService {
  /** Schedules a job in the caller's transaction (it exists only if that commits). */
  schedule: (
    trx: DbOrTx,
    input: ScheduleInput,
  ) => Promise<{
    id: string;
    created: boolean;
  }>;
  /** Registers the handler for a job kind. One handler per kind; registering again replaces it. */
  registerHandler<P = unknown>(kind: string, handler: JobHandler<P>): void;
  /**
   * Runs `kind` once per period of `everyMs` (e.g. every minute), whichever process gets there
   * first: the period's job has the unique key `recurring:<kind>:<period>`.
   */
  registerRecurring<P = unknown>(kind: string, everyMs: number, handler: JobHandler<P>, payload?: unknown): void;
  /** A job by id, for tests and the admin view. */
  get(id: string, db?: DbOrTx): Promise<Job | undefined>;
  count: (
    filter?: {
      kind?: string;
      status?: string;
    },
    db?: DbOrTx,
  ) => Promise<number>;
  createRunner: (opts?: RunnerOptions) => {
    owner: string;
    claimNext: () => Promise<Job | undefined>;
    execute: (job: Job) => Promise<RunOutcome>;
    runUntilIdle: (max?: number, shouldStop?: () => boolean) => Promise<number>;
  };
  /** Runs every due job now, in this process, until none is due. Returns how many ran. For tests and the CLI. */
  runDueNow(): Promise<number>;
  /** Starts the background loop: every `pollMs`, schedule recurring work and run what is due. */
  start(opts?: { pollMs?: number }): void;
  /** Stops the background loop and waits for the job in progress to finish. */
  stop(): Promise<void>;
  /** True while the background loop runs. */
  readonly running: boolean;
}
