import type { Deps } from '../../deps.js';
import { inTx, type DbOrTx } from '../../db/dialect.js';
import type { Actor } from '../actor.js';
import { AdjustableClock, ManualClock, type Clock } from '../clock.js';
import { defineErrors } from '../errors.js';

/** Settings key holding the demo clock's offset from real time, shared by every process. */
export const CLOCK_OFFSET_KEY = 'clock.offset_ms';

/** How often each process re-reads the shared offset. */
export const CLOCK_REFRESH_MS = 2000;

export const ClockErrors = defineErrors({
  CLOCK_CHANGE_INVALID: [422, 'Give exactly one of advanceMs or offsetMs'],
  CLOCK_NOT_MOVABLE: [
    409,
    '生产部署的平台时间不可调整，仅演示或演练部署可以 (The platform clock can be moved only in a demo or drill deployment: set BULWARK_MODE=demo or drill)',
  ],
});

/** The offset last applied to each clock, so a ManualClock (tests) can be moved by the difference. */
const applied = new WeakMap<Clock, number>();

/** Moves a process's clock so that it runs `offsetMs` ahead of real time. */
export function applyClockOffset(clock: Clock, offsetMs: number): void {
  if (clock instanceof AdjustableClock) {
    clock.setOffset(offsetMs);
  } else if (clock instanceof ManualClock) {
    clock.advance(offsetMs - (applied.get(clock) ?? 0));
  }
  applied.set(clock, offsetMs);
}

/** Reads the shared offset (0 when never set). */
export async function readClockOffset(db: DbOrTx): Promise<number> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', CLOCK_OFFSET_KEY).executeTakeFirst();
  const n = row ? Number(row.value) : 0;
  return Number.isFinite(n) ? n : 0;
}

export interface ClockState {
  /** Offset of the platform clock from real time, ms. */
  offsetMs: number;
  /** The platform's "now" (epoch ms). */
  now: number;
}

/**
 * The demo clock: every process's `deps.clock` runs `clock.offset_ms` (settings) ahead of real
 * time, so the demo can move time forward (past a quarantine's end) for all server processes at once.
 */
export function createClockOffsetService(deps: Pick<Deps, 'db' | 'clock' | 'services' | 'log' | 'config'>) {
  // A production deployment has no movable clock: a stored offset (a demo database put into
  // production, or a row written by hand) is ignored, so domain time is real time.
  const movable = deps.config.mode !== 'production';

  async function refresh(): Promise<number> {
    const offset = movable ? await readClockOffset(deps.db) : 0;
    if (offset !== (applied.get(deps.clock) ?? 0)) applyClockOffset(deps.clock, offset);
    return offset;
  }

  return {
    /** The current offset and time. */
    async show(): Promise<ClockState> {
      const offsetMs = await refresh();
      return { offsetMs, now: deps.clock.now() };
    },

    /**
     * Sets (`offsetMs`) or moves (`advanceMs`) the shared offset, journaled as `system.clock.set`,
     * with a `system.clock.changed` event to everyone. Applies to this process once committed;
     * the others pick it up within CLOCK_REFRESH_MS.
     */
    async change(trx: DbOrTx | undefined, actor: Actor, c: { advanceMs?: number; offsetMs?: number; reason?: string }): Promise<ClockState> {
      if (!movable) throw ClockErrors.CLOCK_NOT_MOVABLE({ mode: deps.config.mode });
      if ((c.advanceMs === undefined) === (c.offsetMs === undefined)) throw ClockErrors.CLOCK_CHANGE_INVALID(c);
      const result = await inTx(trx ?? deps.db, async (t) => {
        const realNow = Date.now(); // updated_at records real time: the offset itself is what moves
        // Write first (takes the row lock on PostgreSQL, the write lock on SQLite), then read.
        await t
          .insertInto('settings')
          .values({ key: CLOCK_OFFSET_KEY, value: '0', updated_at: realNow })
          .onConflict((oc) => oc.column('key').doNothing())
          .execute();
        const row = await t
          .updateTable('settings')
          .set({ updated_at: realNow })
          .where('key', '=', CLOCK_OFFSET_KEY)
          .returning('value')
          .executeTakeFirstOrThrow();
        const from = Number(row.value) || 0;
        const to = c.offsetMs ?? from + c.advanceMs!;
        await t
          .updateTable('settings')
          .set({ value: String(to) })
          .where('key', '=', CLOCK_OFFSET_KEY)
          .execute();
        await deps.services.journal.append(t, actor, {
          action: 'system.clock.set',
          entityType: 'system',
          entityId: 'clock',
          payload: { fromOffsetMs: from, toOffsetMs: to, mode: deps.config.mode },
          reason: c.reason ?? null,
        });
        await deps.services.outbox.publish(t, { topic: 'system.clock.changed', capability: 'authenticated', payload: { offsetMs: to } });
        return to;
      });
      // Inside the caller's transaction the change is not committed yet: the caller (or the
      // refresher) applies it afterwards. The time returned is what the clock will then read.
      const pending = !!trx?.isTransaction;
      if (!pending) applyClockOffset(deps.clock, result);
      return { offsetMs: result, now: deps.clock.now() + (pending ? result - (applied.get(deps.clock) ?? 0) : 0) };
    },

    /** Re-reads the shared offset and applies it to this process's clock. */
    refresh,

    /** Re-reads the offset every `everyMs` until the returned stop function is called. */
    startRefresher(everyMs = CLOCK_REFRESH_MS): () => void {
      const timer = setInterval(() => {
        refresh().catch((err) => deps.log.warn({ err }, 'clock offset refresh failed'));
      }, everyMs);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}

/** Parses a duration such as `7d`, `36h`, `90m`, `1d12h`, `45s` into ms. Returns undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (!/^-?(\d+(\.\d+)?(ms|d|h|m|s))+$/.test(s)) return undefined;
  const sign = s.startsWith('-') ? -1 : 1;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  let total = 0;
  for (const m of s.replace(/^-/, '').matchAll(/(\d+(?:\.\d+)?)(ms|d|h|m|s)/g)) total += Number(m[1]) * (unit[m[2] ?? ''] ?? 0);
  return Math.round(sign * total);
}

/** Formats an offset for people: `+7d 0h 0m`, `-36h`. */
export function formatDuration(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  let rest = Math.abs(ms);
  const d = Math.floor(rest / 86_400_000);
  rest -= d * 86_400_000;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  const s = Math.round((rest - m * 60_000) / 1000);
  return `${sign}${d}d ${h}h ${m}m${s ? ` ${s}s` : ''}`;
}
