import type { BulkRequestDto } from './control.schemas.js';
import { inTx, type Db, type DbOrTx, type Tx } from '../../db/dialect.js';
import { inScope, scopePrefix, systemActor, type Actor } from '../../platform/actor.js';
import type { Clock } from '../../platform/clock.js';
import { Errors } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { JournalService } from '../../platform/journal/journal.types.js';
import type { OutboxService } from '../../platform/outbox/outbox.types.js';
import * as repo from './control.repository.js';
import type { ControlBulkRequestsTable } from './control.table.js';
import { commonPath, type Basis } from './control.rules.js';
import type { StatusGuard } from './control-guard.service.js';
import {
  BULK_THRESHOLD_SETTING,
  BULK_WINDOW_MS,
  CAP_APPROVE,
  CAP_CHANGE,
  CAP_READ,
  ControlErrors,
  DEFAULT_BULK_THRESHOLD,
  bulkDto,
  requireCapability,
  type ChangeInput,
  type RequestChangeResult,
} from './control.shared.js';

/** What bulk requests are built from (narrow: no container). */
export interface BulkRequestsDeps {
  db: Db;
  clock: Clock;
  journal: Pick<JournalService, 'append' | 'appendBatch'>;
  outbox: Pick<OutboxService, 'publish'>;
  /** The jurisdiction path of each person that exists (the population module's `pathsOf`). */
  pathsOf: (personIds: readonly string[], db?: DbOrTx) => Promise<Map<string, string>>;
  /** The status guard: its checks and its one writer. */
  guard: Pick<StatusGuard, 'checkGuard' | 'checkBasisExists' | 'resolvePersons' | 'checkTransitions' | 'transitionError' | 'applyChanges'>;
}

/**
 * Manual changes and the two-person rule: a manual change up to the bulk threshold (counted per
 * actor over BULK_WINDOW_MS) applies at once; above it, it waits as a bulk request for a second
 * person holding `status.approve-bulk`. Also the threshold setting and the request lists.
 */
export function createBulkRequests(deps: BulkRequestsDeps) {
  const { checkGuard, checkBasisExists, resolvePersons, checkTransitions, transitionError, applyChanges } = deps.guard;

  async function bulkThreshold(db: DbOrTx = deps.db): Promise<number> {
    const v = await repo.readSetting(db, BULK_THRESHOLD_SETTING);
    const n = v === undefined ? NaN : Number(v);
    return Number.isInteger(n) && n >= 1 ? n : DEFAULT_BULK_THRESHOLD;
  }

  /**
   * A pending bulk request that names the merged record will, once approved, apply to the kept
   * record instead (else approval would put a retired record back under a measure and count the
   * person twice). Journaled per request, so the approver can see why the list changed.
   */
  async function repointPendingRequests(trx: Tx, fromId: string, intoId: string): Promise<void> {
    const requests = await repo.findPendingRequestsNaming(trx, fromId);
    if (requests.length === 0) return;
    const intoPath = (await deps.pathsOf([intoId], trx)).get(intoId);
    for (const r of requests) {
      const before = repo.readJson.personIds(r);
      if (!before.includes(fromId)) continue; // the LIKE matched a longer id
      const after = [...new Set(before.map((id) => (id === fromId ? intoId : id)))];
      const path = intoPath ? commonPath([r.jurisdiction_path, intoPath]) : r.jurisdiction_path;
      if (!(await repo.updatePendingPersons(trx, r.id, { person_ids: JSON.stringify(after), person_count: after.length, jurisdiction_path: path }))) continue;
      await deps.journal.append(trx, systemActor('control'), {
        action: 'control.bulk.merge',
        entityType: 'control_bulk_request',
        entityId: r.id,
        jurisdictionPath: path,
        payload: { fromPersonId: fromId, intoPersonId: intoId, count: after.length },
        reason: '待审批名单中的记录已合并，改为保留记录 · A listed record was merged; the kept record takes its place',
      });
    }
  }

  /** Loads a bulk request the actor may see, or throws the same 404 as a missing one. */
  async function visibleRequest(db: DbOrTx, actor: Actor, id: string): Promise<ControlBulkRequestsTable> {
    const r = await repo.findBulkRequest(db, id);
    if (!r || !inScope(actor, r.jurisdiction_path)) throw ControlErrors.CONTROL_BULK_REQUEST_NOT_FOUND({ id });
    return r;
  }

  return {
    repointPendingRequests,

    /**
     * A manual change. Up to the bulk threshold it applies at once (journaled per person); above it,
     * it becomes a pending bulk request that waits for a second person with `status.approve-bulk`.
     * Every person must be in the actor's scope (else 404) and every transition allowed (else 409).
     */
    async requestChange(trx: DbOrTx | undefined, actor: Actor, input: ChangeInput): Promise<RequestChangeResult> {
      requireCapability(actor, CAP_CHANGE);
      return inTx(trx ?? deps.db, async (tx) => {
        const g = await checkGuard(tx, input, actor);
        const paths = await resolvePersons(tx, g.personIds, actor);
        const endsAt = input.endsAt ?? null;
        // Counted per actor over a window, not per request: a bulk change cut into small requests
        // still reaches the second person once the actor's recent manual changes pass the threshold.
        const recent = actor.userId ? await repo.manualChangesSince(tx, actor.userId, deps.clock.now() - BULK_WINDOW_MS) : 0;
        if (recent + g.personIds.length <= (await bulkThreshold(tx))) {
          const r = await applyChanges(tx, actor, {
            paths,
            personIds: g.personIds,
            to: input.to,
            basis: g.basis,
            reason: g.reason,
            endsAt,
            presetVersion: null,
            mode: 'manual',
            bulkRequestId: null,
            ifNotAllowed: 'throw',
          });
          return { kind: 'applied', applied: r.applied, personIds: r.changes.map((c) => c.personId) };
        }
        // Refuse now what could not be applied, rather than asking someone to approve it.
        const { refused } = await checkTransitions(tx, g.personIds, input.to, g.basis);
        if (refused.length) throw transitionError(input.to, refused);
        const now = deps.clock.now();
        const row: ControlBulkRequestsTable = {
          id: newId(now),
          status: 'pending',
          to_status: input.to,
          basis_type: g.basis.type,
          basis_id: g.basis.id,
          reason: g.reason,
          ends_at: endsAt,
          person_ids: JSON.stringify(g.personIds),
          person_count: g.personIds.length,
          jurisdiction_path: commonPath(paths.values()),
          requested_by: actor.userId,
          requested_by_name: actor.name,
          requested_at: now,
          approved_by: null,
          approved_by_name: null,
          approved_at: null,
          approval_note: null,
          rejected_by: null,
          rejected_by_name: null,
          rejected_at: null,
          reject_reason: null,
          applied_at: null,
        };
        await repo.insertBulkRequest(tx, row);
        await deps.journal.appendBatch(tx, actor, {
          action: 'control.bulk.request',
          entityType: 'control_bulk_request',
          entityId: row.id,
          jurisdictionPath: row.jurisdiction_path,
          rows: g.personIds,
          summary: { to: input.to, basis: g.basis, endsAt, count: g.personIds.length },
          reason: g.reason,
        });
        await deps.outbox.publish(tx, {
          topic: 'control.bulk.requested',
          capability: 'control.read',
          jurisdictionPath: row.jurisdiction_path,
          payload: { id: row.id, to: input.to, count: g.personIds.length },
        });
        return { kind: 'pending', bulkRequest: bulkDto(row) };
      });
    },

    /**
     * Approves a pending bulk request and applies it in the same transaction. The approver must be a
     * signed-in person other than the requester (403 CONTROL_SELF_APPROVAL) whose scope covers it.
     */
    async approveBulk(trx: DbOrTx | undefined, actor: Actor, requestId: string, note?: string | null): Promise<BulkRequestDto> {
      requireCapability(actor, CAP_APPROVE);
      return inTx(trx ?? deps.db, async (tx) => {
        const r = await visibleRequest(tx, actor, requestId);
        // "A second person": a signed-in user who is not the requester; a system actor cannot approve.
        if (actor.kind !== 'user' || !actor.userId || actor.userId === r.requested_by) {
          throw ControlErrors.CONTROL_SELF_APPROVAL({ requestId, requestedBy: r.requested_by });
        }
        if (r.status !== 'pending') throw ControlErrors.CONTROL_BULK_NOT_PENDING({ requestId, status: r.status });
        const now = deps.clock.now();
        const cleanNote = note?.trim() || null;
        const decided = await repo.decideBulkRequest(tx, r.id, {
          status: 'applied',
          approved_by: actor.userId,
          approved_by_name: actor.name,
          approved_at: now,
          approval_note: cleanNote,
          applied_at: now,
        });
        if (!decided) throw ControlErrors.CONTROL_BULK_NOT_PENDING({ requestId });
        const basis: Basis = { type: r.basis_type, id: r.basis_id };
        await checkBasisExists(tx, basis, actor);
        const personIds = repo.readJson.personIds(r);
        const paths = await resolvePersons(tx, personIds, actor);
        await deps.journal.append(tx, actor, {
          action: 'control.bulk.approve',
          entityType: 'control_bulk_request',
          entityId: r.id,
          jurisdictionPath: r.jurisdiction_path,
          payload: { to: r.to_status, basis, count: personIds.length, requestedBy: r.requested_by, note: cleanNote },
          reason: r.reason,
        });
        await applyChanges(tx, actor, {
          paths,
          personIds,
          to: r.to_status,
          basis,
          reason: r.reason,
          endsAt: r.ends_at === null ? null : Number(r.ends_at),
          presetVersion: null,
          mode: 'bulk',
          bulkRequestId: r.id,
          ifNotAllowed: 'throw',
        });
        return bulkDto((await repo.findBulkRequest(tx, r.id))!);
      });
    },

    /** Rejects a pending bulk request with a reason; nobody's status changes. The requester may withdraw their own. */
    async rejectBulk(trx: DbOrTx | undefined, actor: Actor, requestId: string, reason: string | null | undefined): Promise<BulkRequestDto> {
      requireCapability(actor, CAP_APPROVE);
      const why = reason?.trim();
      if (!why) throw Errors.REASON_REQUIRED();
      return inTx(trx ?? deps.db, async (tx) => {
        const r = await visibleRequest(tx, actor, requestId);
        if (r.status !== 'pending') throw ControlErrors.CONTROL_BULK_NOT_PENDING({ requestId, status: r.status });
        const now = deps.clock.now();
        const decided = await repo.decideBulkRequest(tx, r.id, {
          status: 'rejected',
          rejected_by: actor.userId,
          rejected_by_name: actor.name,
          rejected_at: now,
          reject_reason: why,
        });
        if (!decided) throw ControlErrors.CONTROL_BULK_NOT_PENDING({ requestId });
        await deps.journal.append(tx, actor, {
          action: 'control.bulk.reject',
          entityType: 'control_bulk_request',
          entityId: r.id,
          jurisdictionPath: r.jurisdiction_path,
          payload: { to: r.to_status, basis: { type: r.basis_type, id: r.basis_id }, count: Number(r.person_count), requestedBy: r.requested_by },
          reason: why,
        });
        await deps.outbox.publish(tx, {
          topic: 'control.bulk.decided',
          capability: 'control.read',
          jurisdictionPath: r.jurisdiction_path,
          payload: { id: r.id, status: 'rejected' },
        });
        return bulkDto((await repo.findBulkRequest(tx, r.id))!);
      });
    },

    /** Whether a manual change of these persons would wait for a second approver (for the 202 answer). */
    async needsApproval(personIds: readonly string[], db: DbOrTx = deps.db): Promise<boolean> {
      return new Set(personIds).size > (await bulkThreshold(db));
    },

    bulkThreshold,

    /** Sets how many persons a manual change may affect before it needs a second approver. Journaled. */
    async setBulkThreshold(trx: DbOrTx | undefined, actor: Actor, n: number): Promise<void> {
      if (!Number.isInteger(n) || n < 1) throw ControlErrors.CONTROL_THRESHOLD_INVALID({ n });
      await inTx(trx ?? deps.db, async (tx) => {
        const before = await bulkThreshold(tx);
        await repo.writeSetting(tx, BULK_THRESHOLD_SETTING, String(n), deps.clock.now());
        await deps.journal.append(tx, actor, {
          action: 'control.settings.threshold',
          entityType: 'setting',
          entityId: BULK_THRESHOLD_SETTING,
          payload: { from: before, to: n },
          reason: 'bulk threshold set',
        });
      });
    },

    /** One bulk request with its person ids. */
    async getBulkRequest(actor: Actor, id: string, db: DbOrTx = deps.db): Promise<BulkRequestDto> {
      requireCapability(actor, CAP_READ);
      return bulkDto(await visibleRequest(db, actor, id));
    },

    /** Bulk requests within the actor's scope, newest first. */
    async listBulkRequests(
      actor: Actor,
      f: { status?: BulkRequestDto['status']; limit?: number; offset?: number } = {},
      db: DbOrTx = deps.db,
    ): Promise<{ items: BulkRequestDto[]; total: number }> {
      requireCapability(actor, CAP_READ);
      const { rows, total } = await repo.listBulkRequests(db, {
        status: f.status,
        scopePrefix: scopePrefix(actor),
        limit: f.limit ?? 50,
        offset: f.offset ?? 0,
      });
      return { items: rows.map(bulkDto), total };
    },

    /** Jurisdiction path of a bulk request (the entity-scope resolver). */
    bulkRequestPath: (id: string, db: DbOrTx = deps.db) => repo.findBulkRequestPath(db, id),
  };
}
