import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { scopePrefix } from './actor.js';
import { lastItem } from './items.js';

const journalEntry = z.object({
  seq: z.number().int(),
  at: z.number().int().describe('domain time, epoch ms (a demo or drill may move it)'),
  wallAt: z.number().int().nullable().describe('real time when written, epoch ms (null for entries older than this field)'),
  actorId: z.string().nullable(),
  actorName: z.string(),
  action: z.string(),
  entityType: z.string(),
  entityId: z.string().nullable(),
  jurisdictionPath: z.string().nullable(),
  payload: z.unknown(),
  reason: z.string().nullable(),
  batchCount: z.number().int().nullable().describe('rows in a batch entry'),
  batchDigest: z.string().nullable().describe('SHA-256 over the batch rows'),
  hash: z.string(),
});

/** Health, OpenAPI document, journal reading and verification. */
const platformRoutes: FastifyPluginAsync<{ deps: Deps }> = async (app0, { deps }) => {
  const app = app0.withTypeProvider<ZodTypeProvider>();
  const { services } = deps;

  app.get(
    '/api/health',
    {
      config: { policy: { public: true } },
      schema: { tags: ['platform'], response: { 200: z.object({ ok: z.boolean(), dialect: z.enum(['sqlite', 'postgres']), now: z.number().int() }) } },
    },
    async () => ({ ok: true, dialect: deps.handle.kind, now: deps.clock.now() }),
  );

  app.get('/api/openapi.json', { config: { policy: { public: true } }, schema: { hide: true } }, async () => app0.swagger());

  app.get(
    '/api/journal',
    {
      config: { policy: { capability: 'journal.read', scope: 'filtered' } },
      schema: {
        tags: ['journal'],
        description: "Journal entries newest first, within the caller's jurisdiction.",
        querystring: z.strictObject({
          entityType: z.string().max(64).optional(),
          entityId: z.string().max(64).optional(),
          actorId: z.string().max(64).optional(),
          action: z.string().max(128).optional(),
          jurisdictionPath: z
            .string()
            .regex(/^\/([0-9]+\/)*$/, 'a path like /420500/420502/')
            .optional()
            .describe('subtree to limit to'),
          from: z.coerce.number().int().optional().describe('epoch ms, inclusive'),
          to: z.coerce.number().int().optional().describe('epoch ms, exclusive'),
          before: z.coerce.number().int().optional().describe('page: entries with seq below this'),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
        response: { 200: z.object({ items: z.array(journalEntry), nextBefore: z.number().int().nullable() }) },
      },
    },
    async (req) => {
      const q = req.query;
      // Narrow to the requested subtree, but never wider than the caller's own scope.
      const own = scopePrefix(req.actor);
      const pathPrefix = q.jurisdictionPath && (!own || q.jurisdictionPath.startsWith(own)) ? q.jurisdictionPath : own;
      // Entries with no jurisdiction path (clock changes, lab receipts, result recording) are the
      // auditor's to read at any level; other roles see only their subtree.
      const includeUnpathed = req.actor.roles.includes('auditor');
      const items = await services.journal.list(deps.db, { ...q, pathPrefix, includeUnpathed });
      return { items, nextBefore: items.length === q.limit ? lastItem(items, 'a journal entry').seq : null };
    },
  );

  app.post(
    '/api/journal/verify',
    {
      config: { policy: { capability: 'journal.read', scope: 'none' } },
      schema: {
        tags: ['journal'],
        description: 'Recomputes the whole hash chain and names the first broken entry.',
        response: {
          200: z.object({
            ok: z.boolean(),
            entries: z.number().int(),
            head: z.string().optional(),
            signedHeads: z.number().int().optional().describe('published heads whose signatures and hashes were checked'),
            anchoredSeq: z.number().int().optional().describe('the last entry a signed head vouches for'),
            unanchored: z.number().int().optional().describe('entries after it, not yet signed'),
            keyId: z.string().nullable().optional(),
            brokenSeq: z.number().int().optional(),
            problem: z.string().optional(),
            unrepresentable: z.array(z.number().int()).optional().describe('entries whose text held a lone UTF-16 surrogate: genuine, but stored as U+FFFD'),
          }),
        },
      },
    },
    async () => services.journal.verify(),
  );

  app.get(
    '/api/journal/heads',
    {
      config: { policy: { capability: 'journal.read', scope: 'none' } },
      schema: {
        tags: ['journal'],
        description:
          'Signed journal heads, oldest first, for an auditor to poll and keep: each is Ed25519 over the RFC 8785 (JCS) JSON of ' +
          '{ hash, keyId, seq, signedAt }, with the public key. The same lines are appended to journal-heads.jsonl in the data folder.',
        querystring: z.strictObject({
          after: z.coerce.number().int().min(0).default(0).describe('heads with seq above this'),
          limit: z.coerce.number().int().min(1).max(5000).default(500),
        }),
        response: {
          200: z.object({
            algorithm: z.literal('Ed25519'),
            canonicalization: z.string(),
            keyId: z.string().nullable(),
            publicKey: z.string().nullable().describe('raw 32-byte public key, base64'),
            heads: z.array(z.object({ seq: z.number().int(), hash: z.string(), signedAt: z.number().int(), keyId: z.string(), signature: z.string() })),
          }),
        },
      },
    },
    async (req) => services.journal.heads(req.query.after, req.query.limit),
  );
};

export default platformRoutes;
