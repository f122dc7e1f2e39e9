import type { Deps } from '../../deps.js';
import { inTx, listen, lockKeys, type DbHandle } from '../../db/dialect.js';
import { newId } from '../ids.js';
import { inScope, type Actor } from '../actor.js';
import { OUTBOX_CHANNEL } from '../outbox/outbox.service.js';
import type { OutboxMessage } from '../outbox/outbox.types.js';

/** Who an event is for: the fields of an outbox row that name its audience. */
export interface Audience {
  userId?: string | null;
  unitId?: string | null;
  jurisdictionPath?: string | null;
}

/**
 * Whether an event or notification addressed to `to` reaches `actor`: addressed to them, to their
 * unit, or to a jurisdiction that overlaps their scope (inside it — they oversee it — or above it:
 * a city-wide alert reaches every district); with no address at all, everyone.
 */
export function audienceMatches(actor: Pick<Actor, 'userId' | 'unitId' | 'scopePath'>, to: Audience): boolean {
  if (!to.userId && !to.unitId && !to.jurisdictionPath) return true;
  if (to.userId && to.userId === actor.userId) return true;
  if (to.unitId && to.unitId === actor.unitId) return true;
  if (to.jurisdictionPath && (to.jurisdictionPath.startsWith(actor.scopePath) || actor.scopePath.startsWith(to.jurisdictionPath))) return true;
  return false;
}

/** The parts of an actor a stream's delivery and revalidation need. */
export type StreamActor = Pick<Actor, 'userId' | 'unitId' | 'scopePath' | 'capabilities' | 'sessionId' | 'roles'>;

/**
 * Whether a live event reaches a connection: the user holds the event's capability (the one that
 * reads the same data through REST) and is addressed by it. A jurisdiction address reaches, for
 * `within` events (data), only users whose scope contains the path — a district never receives
 * another district's or a city-wide campaign's rows; for `overlap` events (notifications, status
 * of a campaign a district takes part in) also users inside it, as the notification feed reads.
 */
export function eventReaches(actor: StreamActor, m: Pick<OutboxMessage, 'capability' | 'reach' | 'userId' | 'unitId' | 'jurisdictionPath'>): boolean {
  if (m.capability !== 'authenticated' && !actor.capabilities.has(m.capability)) return false;
  if (m.reach === 'overlap' || !m.jurisdictionPath) return audienceMatches(actor, m);
  if (m.userId && m.userId === actor.userId) return true;
  if (m.unitId && m.unitId === actor.unitId) return true;
  return inScope(actor, m.jurisdictionPath);
}

/** Topics after which a user's open streams are closed and must reconnect (their audience is re-read). */
const AUDIENCE_TOPICS = new Set(['auth.session.revoked', 'auth.me.changed', 'auth.session.ended']);

/** One connected stream. The hub calls these; the route writes the wire format. */
export interface HubClient {
  actor: StreamActor;
  /** Delivers one committed event. */
  send(m: OutboxMessage): void;
  /** Keeps the connection (and proxies) alive. */
  heartbeat(): void;
  /** Ends the stream (hub stopping). */
  close(): void;
}

export interface HubOptions {
  /** SQLite: how often to read new outbox rows (ms). */
  pollMs?: number;
  /** PostgreSQL: a slow re-read in case a notification was missed (ms). */
  safetyPollMs?: number;
  /** Comment heartbeat interval (ms). */
  heartbeatMs?: number;
  /** How often every open stream's session, user, roles and unit are checked again (ms). */
  revalidateMs?: number;
  /** Open streams allowed per user and per session, counted over every process on the database. */
  maxPerUser?: number;
  maxPerSession?: number;
  /** How long an admitted stream counts without being renewed (ms; a killed process's streams lapse). */
  streamLeaseMs?: number;
  /**
   * Which of these stream holders may still receive events (session live, account active, same
   * roles and unit). Defaults to the auth service's `streamsStillValid`.
   */
  validate?: (actors: StreamActor[]) => Promise<boolean[]>;
}

/** Thrown by `admit` when a user or session already holds its allowance of streams. */
export class StreamLimitError extends Error {
  constructor(
    public readonly per: 'user' | 'session',
    public readonly limit: number,
  ) {
    super(`too many open live streams per ${per} (limit ${limit})`);
  }
}

/** How long an open stream counts without its process renewing it (renewed every third of that). */
export const STREAM_LEASE_MS = 60_000;
/** lockKeys space of stream admission (apart from other users of lockKeys). */
const STREAM_LOCK_SPACE = 14_029;

/** The most events replayed to a resuming client before it switches to live delivery. */
const MAX_REPLAY = 10_000;

/**
 * The per-process fan-out of committed outbox events to SSE clients. On PostgreSQL it LISTENs on
 * OUTBOX_CHANNEL (notified on commit, payload = seq) and then reads the outbox; on SQLite it polls.
 * Either way it only ever reads committed rows, in sequence order, and every process's hub reads
 * the same shared outbox, so a change made through any worker reaches clients on all of them.
 */
export function createSseHub(
  deps: Pick<Deps, 'db' | 'handle' | 'services' | 'log'> & { config?: Pick<Deps['config'], 'sseMaxPerUser' | 'sseMaxPerSession'> },
  opts: HubOptions = {},
) {
  const pollMs = opts.pollMs ?? 250;
  const safetyPollMs = opts.safetyPollMs ?? 5000;
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const revalidateMs = opts.revalidateMs ?? 5000;
  const maxPerUser = opts.maxPerUser ?? deps.config?.sseMaxPerUser ?? 12;
  const maxPerSession = opts.maxPerSession ?? deps.config?.sseMaxPerSession ?? 6;
  const leaseMs = opts.streamLeaseMs ?? STREAM_LEASE_MS;
  const validate = opts.validate ?? ((actors: StreamActor[]) => deps.services.auth.streamsStillValid(actors));
  /**
   * Streams this process admitted (open or opening): their rows in `live_streams`, whose leases it
   * renews. Every process counts every process's rows, so the caps hold across `serve --workers N`.
   */
  const admitted = new Set<string>();
  /** Clients; a client still replaying history has a queue that live events wait in. */
  const clients = new Map<HubClient, { queue: OutboxMessage[] | null }>();
  let lastSeq = 0;
  let starting: Promise<void> | undefined;
  let started = false;
  let timers: NodeJS.Timeout[] = [];
  let unlisten: (() => Promise<void>) | undefined;
  let reading: Promise<void> | undefined;
  let readAgain = false;

  function dispatch(m: OutboxMessage): void {
    for (const [client, state] of clients) {
      if (AUDIENCE_TOPICS.has(m.topic) && endsStream(client.actor, m)) {
        // Tell the page why, then end the stream: it reconnects as whoever it now is, or not at all.
        if (!state.queue && m.topic !== 'auth.session.ended') safe(() => client.send(m));
        drop(client);
        continue;
      }
      // A logout is a signal to the hubs only: it names a session id, which no page needs.
      if (m.topic === 'auth.session.ended') continue;
      if (!eventReaches(client.actor, m)) continue;
      if (state.queue) state.queue.push(m);
      else safe(() => client.send(m));
    }
  }

  function endsStream(actor: StreamActor, m: OutboxMessage): boolean {
    if (!m.userId || m.userId !== actor.userId) return false;
    const sessionId = (m.payload as { sessionId?: unknown } | null)?.sessionId;
    // A logout ends only its own session's streams; the other topics end every stream of the user.
    return typeof sessionId !== 'string' || sessionId === actor.sessionId;
  }

  function drop(client: HubClient): void {
    clients.delete(client);
    safe(() => client.close());
  }

  /** Ends the streams whose session ended or whose user, roles or unit changed since they opened. */
  async function revalidate(): Promise<void> {
    const list = [...clients.keys()];
    if (list.length === 0) return;
    let ok: boolean[];
    try {
      ok = await validate(list.map((c) => c.actor));
    } catch (err) {
      deps.log.warn({ err }, 'sse stream revalidation failed');
      return;
    }
    list.forEach((c, i) => {
      if (!ok[i] && clients.has(c)) drop(c);
    });
  }

  function safe(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      deps.log.warn({ err }, 'sse client write failed');
    }
  }

  /** Renews this process's stream leases and deletes lapsed rows (a killed process's streams). */
  async function renewLeases(): Promise<void> {
    const now = Date.now();
    try {
      const ids = [...admitted];
      for (let i = 0; i < ids.length; i += 500)
        await deps.db
          .updateTable('live_streams')
          .set({ lease_until: now + leaseMs })
          .where('id', 'in', ids.slice(i, i + 500))
          .execute();
      await deps.db.deleteFrom('live_streams').where('lease_until', '<=', now).execute();
    } catch (err) {
      deps.log.warn({ err }, 'sse stream lease renewal failed');
    }
  }

  async function drain(): Promise<void> {
    for (;;) {
      const page = await deps.services.outbox.readAfter(lastSeq, 500);
      for (const m of page) {
        lastSeq = m.seq;
        dispatch(m);
      }
      if (page.length < 500) return;
    }
  }

  /** Reads and delivers every event committed since the last read. Concurrent calls coalesce. */
  function catchUp(): Promise<void> {
    if (reading) {
      readAgain = true;
      return reading;
    }
    reading = (async () => {
      do {
        readAgain = false;
        try {
          await drain();
        } catch (err) {
          if (started) deps.log.warn({ err }, 'outbox read failed');
        }
      } while (readAgain && started);
    })().finally(() => {
      reading = undefined;
    });
    return reading;
  }

  async function doStart(): Promise<void> {
    lastSeq = await deps.services.outbox.head();
    started = true;
    const un = await listen(deps.handle, OUTBOX_CHANNEL, () => void catchUp());
    if (un) {
      unlisten = un;
      timers.push(setInterval(() => void catchUp(), safetyPollMs));
    } else {
      timers.push(setInterval(() => void catchUp(), pollMs));
    }
    timers.push(
      setInterval(() => {
        for (const c of clients.keys()) safe(() => c.heartbeat());
      }, heartbeatMs),
    );
    timers.push(setInterval(() => void revalidate(), revalidateMs));
    timers.push(setInterval(() => void renewLeases(), Math.max(50, Math.floor(leaseMs / 3))));
    for (const t of timers) t.unref();
  }

  const hub = {
    /** Starts reading the outbox from its current head. Idempotent. */
    start(): Promise<void> {
      if (started) return Promise.resolve();
      starting ??= doStart().finally(() => {
        starting = undefined;
      });
      return starting;
    },

    /** Ends every stream and stops listening/polling. */
    async stop(): Promise<void> {
      if (starting) await starting.catch(() => {});
      started = false;
      for (const t of timers) clearInterval(t);
      timers = [];
      hub.closeClients();
      if (unlisten) await unlisten();
      unlisten = undefined;
      if (reading) await reading;
    },

    /** Ends every stream (the server is closing); the hub itself keeps running. */
    closeClients(): void {
      for (const c of [...clients.keys()]) safe(() => c.close());
      clients.clear();
    },

    /**
     * Adds a client. With `lastEventId` the events after it that the client may see are replayed
     * first (live events wait in a queue meanwhile, so nothing is lost or sent twice).
     * Returns the function that removes the client.
     */
    async subscribe(client: HubClient, lastEventId?: number): Promise<() => void> {
      await hub.start();
      const remove = () => void clients.delete(client);
      if (lastEventId === undefined || lastEventId >= lastSeq) {
        clients.set(client, { queue: null });
        return remove;
      }
      const state = { queue: [] as OutboxMessage[] };
      clients.set(client, state);
      const until = lastSeq;
      let cursor = lastEventId;
      let sent = 0;
      try {
        replay: while (cursor < until && sent < MAX_REPLAY && clients.has(client)) {
          const page = await deps.services.outbox.readAfter(cursor, 500);
          if (page.length === 0) break;
          for (const m of page) {
            if (m.seq > until) break replay;
            cursor = m.seq;
            if (m.topic !== 'auth.session.ended' && eventReaches(client.actor, m)) {
              client.send(m);
              sent++;
            }
          }
        }
      } finally {
        const queued = state.queue;
        if (clients.has(client)) clients.set(client, { queue: null });
        for (const m of queued) if (m.seq > cursor) safe(() => client.send(m));
      }
      return remove;
    },

    /**
     * Takes one of the user's and the session's stream allowances, or throws StreamLimitError.
     * The allowance is a leased row in `live_streams`, counted over every process on the database.
     * Returns the release function (call it once, when the stream ends).
     */
    async admit(actor: Pick<Actor, 'userId' | 'sessionId'>): Promise<() => Promise<void>> {
      const u = actor.userId ?? '-';
      const s = actor.sessionId ?? '-';
      const id = newId();
      await inTx(deps.db, async (trx) => {
        // Two processes admitting the same user at once must not both see room for one more:
        // PostgreSQL locks the user and the session (SQLite serialises writers already).
        await lockKeys(trx, STREAM_LOCK_SPACE, [`u:${u}`, `s:${s}`]);
        const now = Date.now();
        const count = async (col: 'user_id' | 'session_id', v: string) =>
          Number(
            (
              await trx
                .selectFrom('live_streams')
                .select((eb) => eb.fn.countAll<number>().as('n'))
                .where(col, '=', v)
                .where('lease_until', '>', now)
                .executeTakeFirstOrThrow()
            ).n,
          );
        if ((await count('user_id', u)) >= maxPerUser) throw new StreamLimitError('user', maxPerUser);
        if ((await count('session_id', s)) >= maxPerSession) throw new StreamLimitError('session', maxPerSession);
        await trx
          .insertInto('live_streams')
          .values({ id, user_id: u, session_id: s, opened_at: now, lease_until: now + leaseMs })
          .execute();
      });
      admitted.add(id);
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        admitted.delete(id);
        await deps.db
          .deleteFrom('live_streams')
          .where('id', '=', id)
          .execute()
          .then(
            () => undefined,
            (err: unknown) => deps.log.warn({ err }, 'sse stream release failed (its lease will lapse)'),
          );
      };
    },

    /** Renews the leases of this process's streams now (a timer does this every third of the lease). */
    renewLeases,

    /** Checks every open stream's session now (the timer does this every few seconds). */
    revalidate,

    /** Reads new events now (tests; the timers and LISTEN do this in production). */
    catchUp,

    /** Connected clients. */
    get size(): number {
      return clients.size;
    },

    /** The last sequence read from the outbox. */
    get lastSeq(): number {
      return lastSeq;
    },

    get started(): boolean {
      return started;
    },
  };
  return hub;
}

export type SseHub = ReturnType<typeof createSseHub>;

const hubs = new WeakMap<DbHandle, SseHub>();

/** The one hub of this process (per database handle), created on first use. */
export function sseHub(deps: Pick<Deps, 'db' | 'handle' | 'services' | 'log' | 'config'>): SseHub {
  let hub = hubs.get(deps.handle);
  if (!hub) {
    hub = createSseHub(deps);
    hubs.set(deps.handle, hub);
  }
  return hub;
}
