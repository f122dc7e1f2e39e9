import type { AreaEventKind } from '../../../common/zoning.js';
import type { Tx } from '../../db/dialect.js';
import type { Actor } from '../../platform/actor.js';
import { newId } from '../../platform/ids.js';
import * as repo from './zoning.repository.js';
import { PUBLIC_VERSION, type ZoningInputs } from './zoning.shared.js';

/**
 * Writes of an area's history: one event row, one journal entry and one outbox message, in the
 * caller's transaction. `onPublicChange` is told when the public list's version is bumped.
 */
export function createAreaRecorder(io: Pick<ZoningInputs, 'clock' | 'journal' | 'outbox'>, onPublicChange: () => void) {
  const { journal, outbox } = io;

  /** One history row + one journal entry (same transaction); bumps the public version when asked. */
  async function record(
    trx: Tx,
    actor: Actor,
    a: repo.AreaRow,
    kind: AreaEventKind,
    o: { reason?: string | null; details?: Record<string, unknown>; bump?: boolean; nodeIds?: string[] } = {},
  ): Promise<void> {
    const now = io.clock.now();
    const nodeIds = o.nodeIds ?? (await repo.nodesOf(trx, a.id)).map((n) => n.jurisdiction_id);
    const entry = await journal.append(trx, actor, {
      action: `zoning.area.${kind}`,
      entityType: 'zoning_area',
      entityId: a.id,
      jurisdictionPath: a.jurisdiction_path,
      payload: { status: a.status, level: a.level, nodeCount: nodeIds.length, ...(o.details ?? {}) },
      reason: o.reason ?? null,
    });
    await repo.insertEvent(trx, {
      id: newId(now),
      area_id: a.id,
      kind,
      status: a.status,
      level: a.level,
      node_ids: JSON.stringify(nodeIds),
      details: JSON.stringify(o.details ?? {}),
      reason: o.reason ?? null,
      jurisdiction_path: a.jurisdiction_path,
      actor_id: actor.userId,
      actor_name: actor.name,
      at: now,
      journal_seq: entry.seq,
    });
    if (o.bump) {
      await repo.bumpMeta(trx, PUBLIC_VERSION, now);
      onPublicChange();
    }
    await outbox.publish(trx, {
      topic: 'zoning.changed',
      capability: 'area.read',
      jurisdictionPath: a.jurisdiction_path,
      payload: { areaId: a.id, status: a.status, level: a.level, kind },
    });
  }

  return { record };
}

export type AreaRecorder = ReturnType<typeof createAreaRecorder>;
