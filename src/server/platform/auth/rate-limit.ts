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
