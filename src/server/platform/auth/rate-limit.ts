/**
 * A fixed-window counter per key, in memory (one process). Used to slow password guessing from one
 * client address; the per-account lockout in the database is the durable defence.
 */
export class WindowLimiter {
  private readonly hits = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly maxKeys = 50_000,
  ) {}

  /** Counts one hit for `key` at `now`. Returns null when allowed, else ms until the window reopens. */
  hit(key: string, now: number): number | null {
    let w = this.hits.get(key);
    if (!w || now - w.start >= this.windowMs || now < w.start) {
      if (this.hits.size >= this.maxKeys) this.prune(now);
      w = { start: now, count: 0 };
      this.hits.set(key, w);
    }
    w.count++;
    return w.count > this.limit ? w.start + this.windowMs - now : null;
  }

  /** Forgets windows that have ended (and, if still too many keys, the oldest). */
  private prune(now: number): void {
    for (const [k, w] of this.hits) if (now - w.start >= this.windowMs) this.hits.delete(k);
    if (this.hits.size >= this.maxKeys) this.hits.clear();
  }
}

/**
 * Progressive delays after failures, per key (a username, a client address), in memory (one
 * process): the first `free` failures cost nothing, then each one doubles the wait before the next
 * attempt is heard (1 s, 2 s, 4 s … up to `maxMs`). A success forgets the key.
 */
export class ProgressiveDelay {
  private readonly state = new Map<string, { failures: number; until: number }>();

  constructor(
    private readonly free = 3,
    private readonly baseMs = 1000,
    private readonly maxMs = 60_000,
    private readonly maxKeys = 50_000,
  ) {}

  /** Ms to wait before `key` may try again, or null. */
  wait(key: string, now: number): number | null {
    const s = this.state.get(key);
    return s && s.until > now ? s.until - now : null;
  }

  /** Counts a failure; returns the delay it imposes (0 while still free). */
  fail(key: string, now: number): number {
    if (this.state.size >= this.maxKeys) this.prune(now);
    const s = this.state.get(key) ?? { failures: 0, until: 0 };
    s.failures++;
    const delay = s.failures <= this.free ? 0 : Math.min(this.maxMs, this.baseMs * 2 ** (s.failures - this.free - 1));
    s.until = now + delay;
    this.state.set(key, s);
    return delay;
  }

  succeed(key: string): void {
    this.state.delete(key);
  }

  private prune(now: number): void {
    for (const [k, s] of this.state) if (s.until <= now - this.maxMs) this.state.delete(k);
    if (this.state.size >= this.maxKeys) this.state.clear();
  }
}
