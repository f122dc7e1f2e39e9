/**
 * The declared type of the container's `JobService` (this file imports no service file). The
 * factory is typed to return it; `services.types.ts` names it.
 */
import type { DbOrTx } from '../../db/dialect.js';
import type { Logger } from 'pino';
import type { Actor } from '../actor.js';
import type { Tx } from '../../db/dialect.js';

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

/** What to run, when. `uniqueKey` makes scheduling idempotent: the first job with a key wins. */
export interface ScheduleInput {
  /** Handler name, `<module>.<what>`, e.g. `tasks.overdue-check`. */
  kind: string;
  /** JSON-serialisable input for the handler. */
  payload?: unknown;
  /** Epoch ms (deps.clock time) from which the job may run. */
  runAt: number;
  /** At most one job ever exists with this key (e.g. `lift-check:<area>:<day>`). */
  uniqueKey?: string;
  /** Runs before it is marked `failed` (default 5). */
  maxAttempts?: number;
}

export interface JobContext {
  jobId: string;
  kind: string;
  /** 1 on the first run. */
  attempt: number;
  runAt: number;
  /** deps.clock.now() when the run started. */
  now: number;
  /** The system actor jobs act as (journal entries name it). */
  actor: Actor;
  log: Logger;
}

/**
 * A job handler. Its effects go through `trx`, the same transaction that marks the job done,
 * so they commit once or not at all, however many processes run the runner.
 */
export type JobHandler<P = any> = (trx: Tx, payload: P, ctx: JobContext) => Promise<void>;

export interface Job {
  id: string;
  kind: string;
  payload: unknown;
  runAt: number;
  status: 'pending' | 'running' | 'done' | 'failed';
  uniqueKey: string | null;
  attempts: number;
  maxAttempts: number;
  leaseOwner: string | null;
  leaseUntil: number | null;
  lastError: string | null;
  createdAt: number;
  finishedAt: number | null;
}

export type RunOutcome = 'done' | 'retry' | 'failed' | 'lost';

export interface RunnerOptions {
  /** Identifies this runner's leases; unique per process by default. */
  owner?: string;
  /** How long a claim stays ours before another process may reclaim it (ms of deps.clock). */
  leaseMs?: number;
  /** How often the background loop looks for due jobs (real ms). */
  pollMs?: number;
}
