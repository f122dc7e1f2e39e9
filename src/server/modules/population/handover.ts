import { msg } from '../../../common/message-text.js';
import type { PopulationInputs } from './population.types.js';
import type { Tx } from '../../db/dialect.js';
import { systemActor, type Actor } from '../../platform/actor.js';
import { newId } from '../../platform/ids.js';
import { maskName } from './names.js';
import * as repo from './population.repository.js';
import type { HandoverNeeds, Handover } from './population.types.js';

const SYSTEM = systemActor('population');

/** `/420500/420502/…/` → the first `n` segments as a path. */
const pathPrefix = (path: string, n: number) => {
  const segs = path.split('/').filter(Boolean);
  return segs.length >= n ? `/${segs.slice(0, n).join('/')}/` : null;
};

/** The id a handed-over record keeps in `persons.id_hmac` (unique, matches no document). */
export const handoverIdHmac = (personId: string) => `handover:${personId}`;

/** Records the hand-overs of a written batch: rows, tasks to the holding districts, journal entries. In the caller's transaction. */
export async function handOver(deps: PopulationInputs<'clock', HandoverNeeds>, tx: Tx, actor: Actor, list: readonly Handover[]): Promise<void> {
  const now = deps.clock.now();
  for (const h of list) {
    const unit = (await hqUnit(deps, tx, pathPrefix(h.holder.jurisdiction_path, 2))) ?? (await hqUnit(deps, tx, pathPrefix(h.holder.jurisdiction_path, 1)));
    const id = newId(now);
    const who = maskName(h.holder.name);
    const task = unit
      ? await deps.services.tasks.create(tx, SYSTEM, {
          title: msg('population.auto.handover.title', { name: who }),
          subject: { kind: 'person', text: who },
          description: msg('population.auto.handover.body', { name: who, id: h.holder.id_masked }),
          sourceModule: 'population',
          sourceEntityType: 'person_handover',
          sourceEntityId: id,
          assigneeUnitId: unit.id,
          jurisdictionPath: h.holder.jurisdiction_path,
          priority: 'normal',
        })
      : undefined;
    await repo.insertHandover(tx, {
      id,
      person_id: h.person.id,
      id_hmac: h.idHmac,
      holder_id: h.holder.id,
      holder_path: h.holder.jurisdiction_path,
      registered_path: h.person.jurisdiction_path,
      task_id: task?.id ?? null,
      created_at: now,
    });
    // Under the holder's path: the holding district (and those above it) read it, the registering one does not.
    await deps.services.journal.append(tx, actor, {
      action: 'population.person.handover',
      entityType: 'person',
      entityId: h.holder.id,
      jurisdictionPath: h.holder.jurisdiction_path,
      payload: { handoverId: id, registeredPersonId: h.person.id, registeredPath: h.person.jurisdiction_path, taskId: task?.id ?? null },
    });
  }
}

/** The district HQ unit of a path (or any active unit there). */
async function hqUnit(deps: PopulationInputs<'clock', HandoverNeeds>, tx: Tx, path: string | null) {
  if (!path) return undefined;
  const [node] = await deps.services.geo.getManyByPath([path], tx);
  if (!node) return undefined;
  const { items } = await deps.services.auth.units.list(SYSTEM, { jurisdictionId: node.id, active: true, limit: 50 }, tx);
  return items.find((u) => u.kind === 'district_hq') ?? items[0];
}
