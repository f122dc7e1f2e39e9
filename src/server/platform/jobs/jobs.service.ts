import { hostname } from 'node:os';
import type { Deps } from '../../deps.js';
import { inTx, type DbOrTx } from '../../db/dialect.js';
import type { JobsTable } from '../platform.table.js';
import { systemActor } from '../actor.js';
import { DAY, HOUR, MINUTE } from '../clock.js';
import { defineErrors } from '../errors.js';
import { newId } from '../ids.js';
import * as repo from './jobs.repository.js';
import type { JobService } from './jobs.types.js';
import type { ScheduleInput, JobContext, JobHandler, Job, RunOutcome, RunnerOptions } from './jobs.types.js';

export const JobErrors = defineErrors({
  JOB_KIND_UNKNOWN: [500, 'No handler is registered for this job kind'],
});

/** How long to wait before retry `attempt + 1`: 30 s, 1 min, 2 min… capped at an hour. */
export function backoffMs(attempt: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, attempt - 1), HOUR);
}

/** Keep finished jobs and outbox rows this long. */
export const RETENTION_MS = 7 * DAY;

const DEFAULT_LEASE_MS = 5 * MINUTE;
const DEFAULT_MAX_ATTEMPTS = 5;

class LeaseLost extends Error {}

/**
 * Database-backed jobs. Any process may run the runner: a job is claimed with a lease by one
 * conditional UPDATE, and marked done in the same transaction as its handler's effects only while
 * the lease is still ours, so each job's effect happens exactly once. Failed runs are retried with
 * backoff up to maxAttempts; leases of crashed processes expire and are reclaimed.
 */
export function createJobService(deps: Deps): JobService {
  const handlers = new Map<string, JobHandler>();
  const recurring = new Map<string, { everyMs: number; payload: unknown; lastPeriod: number }>();
  const processOwner = `${hostname()}:${process.pid}:${newId().slice(-8)}`;
  let loop: { timer: NodeJS.Timeout | undefined; running: Promise<void> | undefined; stopped: boolean } | undefined;

  function toJob(r: JobsTable): Job {
    return {
      id: r.id,
      kind: r.kind,
      payload: JSON.parse(r.payload),
      runAt: Number(r.run_at),
      status: r.status as Job['status'],
      uniqueKey: r.unique_key,
      attempts: Number(r.attempts),
      maxAttempts: Number(r.max_attempts),
      leaseOwner: r.lease_owner,
      leaseUntil: r.lease_until === null ? null : Number(r.lease_until),
      lastError: r.last_error,
      createdAt: Number(r.created_at),
      finishedAt: r.finished_at === null ? null : Number(r.finished_at),
    };
  }

  async function schedule(trx: DbOrTx, input: ScheduleInput): Promise<{ id: string; created: boolean }> {
    const row: JobsTable = {
      id: newId(),
      kind: input.kind,
      payload: JSON.stringify(input.payload ?? {}),
      run_at: input.runAt,
      status: 'pending',
      unique_key: input.uniqueKey ?? null,
      attempts: 0,
      max_attempts: input.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      lease_owner: null,
      lease_until: null,
      last_error: null,
      created_at: deps.clock.now(),
      finished_at: null,
    };
    const created = await repo.insertJob(trx, row);
    if (created || !input.uniqueKey) return { id: row.id, created };
    const existing = await repo.findJobByUniqueKey(trx, input.uniqueKey);
    return { id: existing?.id ?? row.id, created: false };
  }

  /** Schedules the current period's run of each recurring kind (once per period across processes). */
  async function ensureRecurring(): Promise<void> {
    const now = deps.clock.now();
    for (const [kind, r] of recurring) {
      const period = Math.floor(now / r.everyMs);
      if (period === r.lastPeriod) continue;
      await schedule(deps.db, { kind, payload: r.payload, runAt: period * r.everyMs, uniqueKey: `recurring:${kind}:${period}`, maxAttempts: 3 });
      r.lastPeriod = period;
    }
  }

  /** A runner with its own lease owner. The service's background loop and runDueNow use one each. */
  function createRunner(opts: RunnerOptions = {}) {
    const owner = opts.owner ?? processOwner;
    const leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;

    async function claimNext(): Promise<Job | undefined> {
      const now = deps.clock.now();
      const ids = await repo.findDueIds(deps.db, now, [...handlers.keys()], 20);
      for (const id of ids) {
        // Each claim gets its own lease id, so a stale claim by this same runner cannot finish the job.
        const claimed = await repo.claimJob(deps.db, id, `${owner}/${newId().slice(-12)}`, now, now + leaseMs);
        if (!claimed) continue; // another process won the race
        if (Number(claimed.attempts) > Number(claimed.max_attempts)) {
          // Its runs kept dying with the process (leases expired): give up instead of looping.
          await repo.failIfOurs(deps.db, claimed.id, claimed.lease_owner!, {
            status: 'failed',
            finishedAt: now,
            error: claimed.last_error ?? 'lease expired on every attempt',
          });
          continue;
        }
        return toJob(claimed);
      }
      return undefined;
    }

    async function execute(job: Job): Promise<RunOutcome> {
      const handler = handlers.get(job.kind);
      if (!handler) throw JobErrors.JOB_KIND_UNKNOWN({ kind: job.kind });
      const owner = job.leaseOwner!;
      const now = deps.clock.now();
      const ctx: JobContext = {
        jobId: job.id,
        kind: job.kind,
        attempt: job.attempts,
        runAt: job.runAt,
        now,
        actor: systemActor(`job:${job.kind}`),
        log: deps.log,
      };
      try {
        await inTx(deps.db, async (trx) => {
          if (!(await repo.finishIfOurs(trx, job.id, owner, now))) throw new LeaseLost();
          await handler(trx, job.payload, ctx);
        });
        return 'done';
      } catch (err) {
        if (err instanceof LeaseLost) return 'lost';
        const message = err instanceof Error ? err.message : String(err);
        const final = job.attempts >= job.maxAttempts;
        deps.log.warn({ jobId: job.id, kind: job.kind, attempt: job.attempts, final, err: message }, 'job run failed');
        const after = deps.clock.now();
        const recorded = await repo.failIfOurs(
          deps.db,
          job.id,
          owner,
          final ? { status: 'failed', finishedAt: after, error: message } : { status: 'pending', runAt: after + backoffMs(job.attempts), error: message },
        );
        if (!recorded) return 'lost';
        return final ? 'failed' : 'retry';
      }
    }

    /** Claims and runs due jobs one after another until none is due (or `max` ran). */
    async function runUntilIdle(max = 10_000, shouldStop: () => boolean = () => false): Promise<number> {
      let n = 0;
      while (n < max && !shouldStop()) {
        const job = await claimNext();
        if (!job) break;
        await execute(job);
        n++;
      }
      return n;
    }

    return { owner, claimNext, execute, runUntilIdle };
  }

  const mainRunner = createRunner();

  const service = {
    /** Schedules a job in the caller's transaction (it exists only if that commits). */
    schedule,

    /** Registers the handler for a job kind. One handler per kind; registering again replaces it. */
    registerHandler<P = unknown>(kind: string, handler: JobHandler<P>): void {
      handlers.set(kind, handler as JobHandler);
    },

    /**
     * Runs `kind` once per period of `everyMs` (e.g. every minute), whichever process gets there
     * first: the period's job has the unique key `recurring:<kind>:<period>`.
     */
    registerRecurring<P = unknown>(kind: string, everyMs: number, handler: JobHandler<P>, payload: unknown = {}): void {
      handlers.set(kind, handler as JobHandler);
      recurring.set(kind, { everyMs, payload, lastPeriod: -1 });
    },

    /** A job by id, for tests and the admin view. */
    async get(id: string, db: DbOrTx = deps.db): Promise<Job | undefined> {
      const r = await repo.findJobById(db, id);
      return r ? toJob(r) : undefined;
    },

    count: (filter: { kind?: string; status?: string } = {}, db: DbOrTx = deps.db) => repo.countJobs(db, filter),

    createRunner,

    /** Runs every due job now, in this process, until none is due. Returns how many ran. For tests and the CLI. */
    async runDueNow(): Promise<number> {
      let total = 0;
      for (;;) {
        await ensureRecurring();
        const n = await mainRunner.runUntilIdle();
        total += n;
        if (n === 0) return total;
      }
    },

    /** Starts the background loop: every `pollMs`, schedule recurring work and run what is due. */
    start(opts: { pollMs?: number } = {}): void {
      if (loop && !loop.stopped) return;
      const pollMs = opts.pollMs ?? 1000;
      const state = { timer: undefined as NodeJS.Timeout | undefined, running: undefined as Promise<void> | undefined, stopped: false };
      loop = state;
      const tick = async () => {
        try {
          await ensureRecurring();
          await mainRunner.runUntilIdle(100, () => state.stopped);
        } catch (err) {
          deps.log.error({ err }, 'job runner tick failed');
        }
      };
      const run = () => {
        state.running = tick().finally(() => {
          state.running = undefined;
          if (!state.stopped) state.timer = setTimeout(run, pollMs);
        });
      };
      run();
    },

    /** Stops the background loop and waits for the job in progress to finish. */
    async stop(): Promise<void> {
      if (!loop) return;
      const state = loop;
      state.stopped = true;
      if (state.timer) clearTimeout(state.timer);
      await state.running;
      loop = undefined;
    },

    /** True while the background loop runs. */
    get running(): boolean {
      return !!loop && !loop.stopped;
    },
  };

  // Housekeeping: finished jobs and delivered outbox rows are kept a week, failed jobs a month.
  service.registerRecurring('platform.prune', HOUR, async (trx, _p, ctx) => {
    const jobs = await repo.pruneJobs(trx, ctx.now - RETENTION_MS, ctx.now - 30 * DAY);
    const outbox = await deps.services.outbox.prune(trx, ctx.now - RETENTION_MS);
    if (jobs || outbox) ctx.log.info({ jobs, outbox }, 'pruned old jobs and outbox rows');
  });

  return service;
}
