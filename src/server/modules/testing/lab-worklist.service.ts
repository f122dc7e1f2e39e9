import type { Deps } from '../../deps.js';
import type { DbOrTx } from '../../db/dialect.js';
import { scopePrefix, type Actor } from '../../platform/actor.js';
import { HOUR } from '../../platform/clock.js';
import * as repo from './testing.repository.js';
import { LAB_TURNAROUND } from './testing.rules.js';
import type { LabWorklistDto, LabWorklistRow } from './testing.schemas.js';
import { requireCap } from './testing.shared.js';

/** Counts on the worklist stop here (a city's day can hold millions of tubes; nobody reads past it). */
const COUNT_CAP = 10_000;
/** The turnaround figures read at most this many resulted tubes of the last 24 hours. */
const TURNAROUND_SAMPLE = 5_000;

const num = (v: number | null) => (v === null ? null : Number(v));

/**
 * The lab technician's worklist (issue 16, "Each role lands on its work"): the tubes at the lab past the
 * turnaround target, those still inside it, and those closed at a site but not yet received, with the
 * time each has waited and the lab's turnaround over the last day. Read-only, in the actor's scope.
 */
export function createLabWorklist(deps: Deps) {
  return {
    async worklist(actor: Actor, q: { limit?: number }, db: DbOrTx = deps.db): Promise<LabWorklistDto> {
      requireCap(actor, 'testing.lab');
      const now = deps.clock.now();
      const targetMs = LAB_TURNAROUND.hours * HOUR;
      const cutoff = now - targetMs;
      const prefix = scopePrefix(actor);
      const limit = q.limit ?? 100;
      const [overdue, inProgress, onTheWay, nOverdue, nInProgress, nAwaiting, resulted] = await Promise.all([
        repo.worklistTubes(db, { status: 'received', by: 'received_at', prefix, until: cutoff + 1, limit }),
        repo.worklistTubes(db, { status: 'received', by: 'received_at', prefix, since: cutoff + 1, limit }),
        repo.worklistTubes(db, { status: 'closed', by: 'closed_at', prefix, limit }),
        repo.countWorklistTubes(db, { status: 'received', prefix, until: cutoff + 1, cap: COUNT_CAP }),
        repo.countWorklistTubes(db, { status: 'received', prefix, since: cutoff + 1, cap: COUNT_CAP }),
        repo.countWorklistTubes(db, { status: 'closed', prefix, cap: COUNT_CAP }),
        repo.worklistTubes(db, { status: 'resulted', by: 'received_at', prefix, since: now - 24 * HOUR, limit: TURNAROUND_SAMPLE }),
      ]);
      const row = (t: repo.WorklistTubeRow, stage: LabWorklistRow['stage']): LabWorklistRow => {
        const receivedAt = num(t.received_at);
        const closedAt = num(t.closed_at);
        return {
          id: t.id,
          barcode: t.barcode,
          campaignId: t.campaign_id,
          campaignName: t.campaign_name,
          kind: t.kind as LabWorklistRow['kind'],
          poolSize: Number(t.pool_size),
          count: Number(t.scan_count),
          boxCode: t.box_code,
          stage,
          closedAt,
          receivedAt,
          dueAt: receivedAt === null ? null : receivedAt + targetMs,
          elapsedMs: Math.max(0, now - (receivedAt ?? closedAt ?? now)),
        };
      };
      const times = resulted
        .filter((t) => t.result_at !== null && t.received_at !== null)
        .map((t) => Math.max(0, Number(t.result_at) - Number(t.received_at)))
        .sort((a, b) => a - b);
      const median = times.length
        ? Math.round(times.length % 2 ? times[(times.length - 1) / 2]! : (times[times.length / 2 - 1]! + times[times.length / 2]!) / 2)
        : null;
      return {
        asOf: now,
        target: { hours: LAB_TURNAROUND.hours, source: LAB_TURNAROUND.source, local: LAB_TURNAROUND.local },
        counts: {
          overdue: nOverdue,
          inProgress: nInProgress,
          awaitingReceipt: nAwaiting,
          capped: [nOverdue, nInProgress, nAwaiting].some((n) => n >= COUNT_CAP),
        },
        turnaround: { resulted: times.length, medianMs: median, overTarget: times.filter((x) => x > targetMs).length },
        rows: [...overdue.map((t) => row(t, 'overdue')), ...inProgress.map((t) => row(t, 'in_progress')), ...onTheWay.map((t) => row(t, 'awaiting_receipt'))],
      };
    },
  };
}
