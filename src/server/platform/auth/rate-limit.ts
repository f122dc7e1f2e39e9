import { sql } from 'kysely';
import type { DbOrTx } from '../../db/dialect.js';
import { hmacHex } from '../crypto.js';

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
 * The same limits, counted in the database so that they hold across `serve --workers N` and across
 * servers sharing one database (issue 14): one row per subject in `rate_limits`, changed by a single
 * upsert (atomic on SQLite WAL and PostgreSQL alike). Subjects (usernames, addresses) are stored as
 * keyed HMACs, never in plain text. Rows past their `expires_at` are deleted now and then.
 */
class SharedCounters {
  private nextPrune = 0;

  constructor(
    protected readonly db: DbOrTx,
    private readonly name: string,
    private readonly hmacKey: Buffer,
  ) {}

  protected key(subject: string): string {
    return `${this.name}:${hmacHex(this.hmacKey, subject).slice(0, 40)}`;
  }

  /** Deletes lapsed rows, at most once a minute per process. */
  protected async prune(now: number): Promise<void> {
    if (now < this.nextPrune) return;
    this.nextPrune = now + 60_000;
    await this.db.deleteFrom('rate_limits').where('expires_at', '<', now).where('key', 'like', `${this.name}:%`).execute();
  }
}

/** WindowLimiter across processes: at most `limit` hits per subject in a fixed window. */
export class SharedWindowLimiter extends SharedCounters {
  constructor(
    db: DbOrTx,
    name: string,
    hmacKey: Buffer,
    private readonly limit: number,
    private readonly windowMs: number,
  ) {
    super(db, name, hmacKey);
  }

  /** Counts one hit for `subject` at `now`. Returns null when allowed, else ms until the window reopens. */
  async hit(subject: string, now: number): Promise<number | null> {
    await this.prune(now);
    // A window that ended (or lies in the future: a clock step back) starts afresh with this hit.
    const stale = sql<boolean>`(rate_limits.window_start <= ${now - this.windowMs} or rate_limits.window_start > ${now})`;
    const row = await this.db
      .insertInto('rate_limits')
      .values({ key: this.key(subject), hits: 1, window_start: now, until: 0, expires_at: now + this.windowMs })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          hits: sql`case when ${stale} then 1 else rate_limits.hits + 1 end`,
          window_start: sql`case when ${stale} then ${now} else rate_limits.window_start end`,
          expires_at: sql`case when ${stale} then ${now + this.windowMs} else rate_limits.expires_at end`,
        }),
      )
      .returning(['hits', 'window_start'])
      .executeTakeFirstOrThrow();
    return Number(row.hits) > this.limit ? Number(row.window_start) + this.windowMs - now : null;
  }
}

/** Progressive delays across processes: failures per subject, each past `free` doubling the wait. */
export class SharedProgressiveDelay extends SharedCounters {
  constructor(
    db: DbOrTx,
    name: string,
    hmacKey: Buffer,
    private readonly free = 3,
    private readonly baseMs = 1000,
    private readonly maxMs = 60_000,
  ) {
    super(db, name, hmacKey);
  }

  /** Ms to wait before `subject` may try again, or null. */
  async wait(subject: string, now: number): Promise<number | null> {
    const row = await this.db.selectFrom('rate_limits').select('until').where('key', '=', this.key(subject)).executeTakeFirst();
    const until = row ? Number(row.until) : 0;
    return until > now ? until - now : null;
  }

  /** Counts a failure; returns the delay it imposes (0 while still free). */
  async fail(subject: string, now: number): Promise<number> {
    await this.prune(now);
    const key = this.key(subject);
    // Forgotten, as in memory, once it has lain idle for `maxMs` past its last delay.
    const row = await this.db
      .insertInto('rate_limits')
      .values({ key, hits: 1, window_start: now, until: now, expires_at: now + this.maxMs })
      .onConflict((oc) => oc.column('key').doUpdateSet({ hits: sql`rate_limits.hits + 1` }))
      .returning('hits')
      .executeTakeFirstOrThrow();
    const failures = Number(row.hits);
    const delay = failures <= this.free ? 0 : Math.min(this.maxMs, this.baseMs * 2 ** (failures - this.free - 1));
    // Two processes counting failures at once: the later `until` wins.
    await this.db
      .updateTable('rate_limits')
      .set({ until: sql`case when rate_limits.until > ${now + delay} then rate_limits.until else ${now + delay} end`, expires_at: now + delay + this.maxMs })
      .where('key', '=', key)
      .execute();
    return delay;
  }

  async succeed(subject: string): Promise<void> {
    await this.db.deleteFrom('rate_limits').where('key', '=', this.key(subject)).execute();
  }
}

/** Marks that hold for a while, across processes (e.g. a username and address that signed in before). */
export class SharedMarks extends SharedCounters {
  constructor(
    db: DbOrTx,
    name: string,
    hmacKey: Buffer,
    private readonly ttlMs: number,
  ) {
    super(db, name, hmacKey);
  }

  async has(subject: string, now: number): Promise<boolean> {
    const row = await this.db.selectFrom('rate_limits').select('expires_at').where('key', '=', this.key(subject)).executeTakeFirst();
    return !!row && Number(row.expires_at) > now;
  }

  async set(subject: string, now: number): Promise<void> {
    await this.prune(now);
    await this.db
      .insertInto('rate_limits')
      .values({ key: this.key(subject), hits: 1, window_start: now, until: 0, expires_at: now + this.ttlMs })
      .onConflict((oc) => oc.column('key').doUpdateSet({ expires_at: now + this.ttlMs }))
      .execute();
  }
}
