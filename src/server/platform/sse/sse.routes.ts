import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../../deps.js';
import type { OutboxMessage } from '../outbox/outbox.types.js';
import { AppError } from '../errors.js';
import { sseHub, StreamLimitError, type HubClient, type SseHub } from './sse.hub.js';

/** A client that falls this far behind (bytes buffered) is dropped; it reconnects with Last-Event-ID. */
const MAX_BUFFERED = 1 << 20;

/** The wire format of one event. `data` is the event's payload as JSON. */
export function formatEvent(m: Pick<OutboxMessage, 'seq' | 'topic' | 'payload'>): string {
  return `id: ${m.seq}\nevent: ${m.topic}\ndata: ${JSON.stringify(m.payload ?? null)}\n\n`;
}

/** The Last-Event-ID header (sent by EventSource on reconnect), else the `lastEventId` query parameter. */
function lastEventIdOf(req: FastifyRequest, fromQuery: number | undefined): number | undefined {
  const h = req.headers['last-event-id'];
  const raw = Array.isArray(h) ? h[0] : h;
  if (raw !== undefined && /^\d{1,15}$/.test(raw.trim())) return Number(raw.trim());
  return fromQuery;
}

/** Streams the signed-in user's live events until they disconnect or the server closes. */
async function stream(hub: SseHub, req: FastifyRequest, reply: FastifyReply, lastEventId: number | undefined): Promise<void> {
  let release: () => Promise<void>;
  try {
    release = await hub.admit(req.actor);
  } catch (err) {
    if (!(err instanceof StreamLimitError)) throw err;
    throw new AppError(
      'STREAM_LIMIT',
      429,
      `实时连接过多，请关闭其他页面后重试 (Too many open live streams per ${err.per}; close another tab and retry)`,
      { per: err.per, limit: err.limit },
      { 'retry-after': '10' },
    );
  }
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    ...(reply.getHeaders() as Record<string, string>),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-content-type-options': 'nosniff',
    'x-worker-id': String(process.pid),
  });
  res.write(`retry: 3000\n: connected ${process.pid}\n\n`);
  let open = true;
  const end = () => {
    if (!open) return;
    open = false;
    unsubscribe?.();
    void release();
    const clientGone = res.destroyed && !res.writableFinished;
    if (!res.writableEnded) res.end();
    // When the client went away first, 'finish' never fires, so Fastify would never run the
    // onResponse hooks (which release the request's load-shedding slot in app.ts). Its response
    // listener also handles 'error': signal the end through that. The route logs silently, so
    // an ordinary disconnect is not reported as an error.
    if (clientGone && res.listenerCount('error') > 0) res.emit('error', new Error('SSE client disconnected'));
  };
  const write = (chunk: string) => {
    if (!open) return;
    if (res.writableLength > MAX_BUFFERED) return end();
    res.write(chunk);
  };
  const client: HubClient = {
    actor: req.actor,
    send: (m) => write(formatEvent(m)),
    heartbeat: () => write(`: heartbeat ${Date.now()}\n\n`),
    close: end,
  };
  let unsubscribe: (() => void) | undefined;
  req.raw.once('close', end);
  res.once('close', end);
  unsubscribe = await hub.subscribe(client, lastEventId);
  if (!open) unsubscribe();
}

/** GET /api/events: Server-Sent Events for the signed-in user (outbox events addressed to them). */
const sseRoutes: FastifyPluginAsync<{ deps: Deps }> = async (app0, { deps }) => {
  const app = app0.withTypeProvider<ZodTypeProvider>();
  const hub = sseHub(deps);

  app.get(
    '/api/events',
    {
      logLevel: 'silent',
      // A long-lived response: the admission limit (in-flight requests) does not count it (`admission:
      // 'stream'`); the streams are capped per user and per session by the hub instead.
      config: { policy: { capability: 'notification.read', scope: 'none' }, admission: 'stream', stream: true },
      schema: {
        tags: ['events'],
        description:
          'Server-Sent Events stream of live updates for the signed-in user: `id: <seq>`, `event: <topic>`, `data: <payload JSON>`. ' +
          "Resumes after the Last-Event-ID header (or ?lastEventId=); a comment heartbeat every 15 s. Topics: task.changed, notification.created, alert.raised, alert.acknowledged, system.clock.changed and each module's data events. " +
          'An event reaches only users who hold its capability and whose scope lets them read the same data through REST. The stream ends when the session ends, ' +
          'the account is disabled, the password is reset or the role or unit changes (429 STREAM_LIMIT past the per-user or per-session allowance).',
        querystring: z.strictObject({
          lastEventId: z.coerce.number().int().min(0).optional().describe('resume after this event id (EventSource sends the Last-Event-ID header itself)'),
        }),
      },
    },
    (req, reply) => stream(hub, req, reply, lastEventIdOf(req, req.query.lastEventId)),
  );

  // End the open streams before the server waits for connections to finish.
  app.addHook('preClose', async () => {
    hub.closeClients();
  });
  app.addHook('onClose', async () => {
    await hub.stop();
  });
};

export default sseRoutes;
