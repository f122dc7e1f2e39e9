/**
 * The companions module's port: the methods other modules may call on `services.companions`, one
 * line each. Import this type (and the helpers in ./index.ts), never its repository or tables.
 */
import type { Readable } from 'node:stream';
import type { DbOrTx, Tx } from '../../db/dialect.js';
import type { Actor } from '../../platform/actor.js';
import type { CompanionBatchDto as BatchDto } from './companions.schemas.js';
import type { DetectParams, ImportResult } from './companions.types.js';

export interface CompanionPort {
  /** Imports a ping CSV (streamed; all or nothing unless `partial`), journaled as one batch entry. */
  importPings(trx: Tx | undefined, actor: Actor, source: string | Readable, opts?: { partial?: boolean }): Promise<ImportResult>;
  /** Finds a person's companions over a window into a review batch with evidence; changes nobody's status. */
  detect(trx: DbOrTx | undefined, actor: Actor, input: { personId: string; caseId?: string | null } & DetectParams): Promise<BatchDto>;
  /** One review batch in the actor's scope, with its candidates. */
  getBatch(actor: Actor, id: string, db?: DbOrTx): Promise<BatchDto>;
}
