import type { ControlStatusDto, ExplanationDto, StatusChangeDto } from './control.schemas.js';
import type { Db, DbOrTx, Tx } from '../../db/dialect.js';
import { isUniqueViolation } from '../../db/dialect.js';
import { inScope, systemActor, type Actor } from '../../platform/actor.js';
import type { Clock } from '../../platform/clock.js';
import { Errors } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { JournalService } from '../../platform/journal/journal.types.js';
import type { OutboxService } from '../../platform/outbox/outbox.types.js';
import * as repo from './control.repository.js';
import type { ControlStatusChangesTable, ControlStatusesTable } from './control.table.js';
import {
  ALLOWED_TRANSITIONS,
  AREA_MEASURES,
  BASIS_TYPES,
  CONTROL_STATUSES,
  MEASURES,
  commonPath,
  transitionProblem,
  type Basis,
  type BasisType,
  type ControlStatus,
} from './control.rules.js';
import type { AreaMeasureStatus } from '../../../common/control.js';
import {
  BACK_TO_AREA_MEASURE_REASON,
  CAP_READ,
  ControlErrors,
  CountDeltas,
  changeDto,
  requireCapability,
  statusDto,
  type AreaMeasureResolver,
  type AutomaticInput,
  type AutomaticResult,
  type BasisValidator,
  type ChangeInput,
} from './control.shared.js';

/** What the status guard is built from (narrow: no container). */
export interface StatusGuardDeps {
  db: Db;
  clock: Clock;
  journal: Pick<JournalService, 'append' | 'appendBatch'>;
  outbox: Pick<OutboxService, 'publish'>;
  /** The jurisdiction path of each person that exists (the population module's `pathsOf`). */
  pathsOf: (personIds: readonly string[], db?: DbOrTx) => Promise<Map<string, string>>;
  /** Whether a review record may be cited as a `manual_review` basis (control-reviews.service.ts). */
  reviewCitable: (db: DbOrTx, id: string, actor?: Actor) => Promise<boolean>;
}

/** A person the transition rules refused, with their current status and why. */
export type Refused = { personId: string; status: ControlStatus; problem: string };

/** One change as the guard applies it (after the guard's checks). */
export interface ApplySpec {
  paths: ReadonlyMap<string, string>;
  personIds: readonly string[];
  to: ControlStatus;
  basis: Basis;
  reason: string;
  endsAt: number | null;
  presetVersion: string | null;
  mode: 'automatic' | 'manual' | 'bulk';
  bulkRequestId: string | null;
  ifNotAllowed: 'skip' | 'throw';
}

/**
 * THE STATUS GUARD: the checks every change passes (basis cited and existing, reason given,
 * transition allowed, persons present), the one writer of status rows, history, counters and the
 * journal entry, the return to a standing area measure, and the reads of a person's status.
 */
export function createStatusGuard(deps: StatusGuardDeps) {
  const validators = new Map<BasisType, BasisValidator>();
  let areaMeasureResolver: AreaMeasureResolver | null = null;

  /** The guard's first checks, before anything is read or written. */
  async function checkGuard(trx: DbOrTx, input: ChangeInput, actor?: Actor): Promise<{ basis: Basis; reason: string; personIds: string[] }> {
    const b = input.basis;
    if (!b || typeof b !== 'object' || !b.type || typeof b.id !== 'string' || !b.id.trim()) {
      throw ControlErrors.CONTROL_BASIS_REQUIRED({ allowed: BASIS_TYPES });
    }
    if (!(BASIS_TYPES as readonly string[]).includes(b.type)) throw ControlErrors.CONTROL_BASIS_TYPE_INVALID({ type: b.type, allowed: BASIS_TYPES });
    const basis: Basis = { type: b.type, id: b.id.trim() };
    const reason = typeof input.reason === 'string' ? input.reason.trim() : '';
    if (!reason) throw Errors.REASON_REQUIRED();
    if (!(CONTROL_STATUSES as readonly string[]).includes(input.to)) throw ControlErrors.CONTROL_TRANSITION_INVALID({ to: input.to }, 'Unknown target status');
    if (AREA_MEASURES.has(input.to) && basis.type !== 'risk_area') throw ControlErrors.CONTROL_AREA_MEASURE_BASIS({ to: input.to, basis: basis.type });
    if (input.endsAt !== undefined && input.endsAt !== null) {
      if (!MEASURES.has(input.to) || AREA_MEASURES.has(input.to))
        throw ControlErrors.CONTROL_ENDS_AT_INVALID({ to: input.to }, 'Only a person measure can have an end time');
      if (!Number.isSafeInteger(input.endsAt) || input.endsAt <= deps.clock.now())
        throw ControlErrors.CONTROL_ENDS_AT_INVALID({ endsAt: input.endsAt }, 'The end time must lie in the future');
    }
    const personIds = [...new Set(input.personIds ?? [])];
    if (personIds.length === 0) throw ControlErrors.CONTROL_NO_PERSONS();
    await checkBasisExists(trx, basis, actor);
    return { basis, reason, personIds };
  }

  async function checkBasisExists(trx: DbOrTx, basis: Basis, actor?: Actor): Promise<void> {
    // A manual review is a review record approved by a second person, in the citing actor's scope.
    if (basis.type === 'manual_review') {
      if (!(await deps.reviewCitable(trx, basis.id, actor))) throw ControlErrors.CONTROL_REVIEW_NOT_APPROVED({ basis, field: 'basis.id' });
      return;
    }
    const validate = validators.get(basis.type);
    if (validate && !(await validate(trx, basis.id, actor))) throw ControlErrors.CONTROL_BASIS_NOT_FOUND({ basis });
  }

  /**
   * The jurisdiction path of each person that exists (and, with an actor, lies in the actor's
   * scope). Anything missing is a 404 naming the ids, so out-of-scope looks like missing.
   */
  async function resolvePersons(db: DbOrTx, personIds: readonly string[], actor: Actor | null): Promise<Map<string, string>> {
    const found = await deps.pathsOf(personIds, db);
    const missing = personIds.filter((id) => {
      const p = found.get(id);
      return !p || (actor !== null && !inScope(actor, p));
    });
    if (missing.length) throw ControlErrors.CONTROL_PERSON_NOT_FOUND({ personIds: missing.slice(0, 50), count: missing.length });
    return found;
  }

  /** Splits persons into those whose transition to `to` is allowed (with their current row) and those refused. */
  async function checkTransitions(db: DbOrTx, personIds: readonly string[], to: ControlStatus, basis: Basis) {
    const current = new Map((await repo.findStatuses(db, personIds)).map((r) => [r.person_id, r]));
    const ok: { personId: string; from: ControlStatus; row: ControlStatusesTable | undefined }[] = [];
    const refused: Refused[] = [];
    for (const personId of personIds) {
      const row = current.get(personId);
      const from: ControlStatus = row?.status ?? 'none';
      const problem = transitionProblem(from, to, row ? { type: row.basis_type, id: row.basis_id } : null, basis);
      if (problem) refused.push({ personId, status: from, problem });
      else ok.push({ personId, from, row });
    }
    return { ok, refused };
  }

  const transitionError = (to: ControlStatus, refused: Refused[]) =>
    ControlErrors.CONTROL_TRANSITION_INVALID({ to, refused: refused.slice(0, 50), count: refused.length, allowed: ALLOWED_TRANSITIONS });

  /**
   * Applies one change to a set of persons in the caller's transaction: checks each transition,
   * writes the status rows, the history, the journal (per person for manual and bulk changes, one
   * batch entry for automatic ones), the counters and one live update.
   */
  async function applyChanges(trx: Tx, actor: Actor, s: ApplySpec): Promise<AutomaticResult> {
    const { ok, refused } = await checkTransitions(trx, s.personIds, s.to, s.basis);
    if (refused.length && s.ifNotAllowed === 'throw') throw transitionError(s.to, refused);
    if (ok.length === 0) return { applied: 0, changes: [], skipped: refused, journalSeq: null };

    const now = deps.clock.now();
    const basisPayload = { type: s.basis.type, id: s.basis.id };
    // Journal first: its sequence number is stored on each history row.
    const seqOf = new Map<string, number>();
    let batchSeq: number | null = null;
    if (s.mode === 'automatic') {
      const entry = await deps.journal.appendBatch(trx, actor, {
        action: 'control.status.change',
        entityType: 'person',
        jurisdictionPath: commonPath(ok.map((o) => s.paths.get(o.personId)!)),
        rows: ok.map((o) => ({ personId: o.personId, from: o.from, to: s.to })),
        summary: { mode: s.mode, to: s.to, basis: basisPayload, endsAt: s.endsAt, presetVersion: s.presetVersion, count: ok.length },
        reason: s.reason,
      });
      batchSeq = entry.seq;
    } else {
      for (const o of ok) {
        const entry = await deps.journal.append(trx, actor, {
          action: 'control.status.change',
          entityType: 'person',
          entityId: o.personId,
          jurisdictionPath: s.paths.get(o.personId)!,
          payload: { mode: s.mode, from: o.from, to: s.to, basis: basisPayload, endsAt: s.endsAt, bulkRequestId: s.bulkRequestId },
          reason: s.reason,
        });
        seqOf.set(o.personId, entry.seq);
      }
    }

    const set = {
      status: s.to,
      basis_type: s.basis.type,
      basis_id: s.basis.id,
      reason: s.reason,
      since: now,
      ends_at: s.endsAt,
      preset_version: s.presetVersion,
      updated_at: now,
    };
    const fresh = ok.filter((o) => !o.row);
    try {
      await repo.insertStatuses(
        trx,
        fresh.map((o) => ({ person_id: o.personId, jurisdiction_path: s.paths.get(o.personId)!, ...set })),
      );
    } catch (err) {
      if (isUniqueViolation(err)) throw ControlErrors.CONTROL_CONCURRENT_CHANGE();
      throw err;
    }
    const byFrom = new Map<ControlStatus, string[]>();
    for (const o of ok) {
      if (!o.row) continue;
      const list = byFrom.get(o.from);
      if (list) list.push(o.personId);
      else byFrom.set(o.from, [o.personId]);
    }
    for (const [from, ids] of byFrom) {
      // Conditional on the status we checked: a concurrent change makes the count fall short.
      const n = await repo.updateStatusesFrom(trx, ids, from, set, s.paths);
      if (n !== ids.length) throw ControlErrors.CONTROL_CONCURRENT_CHANGE();
    }

    const changes: ControlStatusChangesTable[] = ok.map((o) => ({
      id: newId(now),
      person_id: o.personId,
      from_status: o.from,
      to_status: s.to,
      basis_type: s.basis.type,
      basis_id: s.basis.id,
      reason: s.reason,
      ends_at: s.endsAt,
      mode: s.mode,
      preset_version: s.presetVersion,
      jurisdiction_path: s.paths.get(o.personId)!,
      actor_id: actor.userId,
      actor_name: actor.name,
      at: now,
      bulk_request_id: s.bulkRequestId,
      journal_seq: batchSeq ?? seqOf.get(o.personId)!,
    }));
    await repo.insertChanges(trx, changes);

    // Counters: out of the old (path, status) and into the new one, at every ancestor.
    const deltas = new CountDeltas();
    for (const o of ok) {
      if (o.row) deltas.bump(o.row.jurisdiction_path, o.from, -1);
      deltas.bump(s.paths.get(o.personId)!, s.to, +1);
    }
    await repo.applyCountDeltas(trx, deltas.list());

    await deps.outbox.publish(trx, {
      topic: 'control.status.changed',
      capability: 'control.read',
      jurisdictionPath: commonPath(ok.map((o) => s.paths.get(o.personId)!)),
      payload: { to: s.to, mode: s.mode, count: ok.length, bulkRequestId: s.bulkRequestId },
    });
    const result: AutomaticResult = {
      applied: ok.length,
      changes: ok.map((o) => ({ personId: o.personId, from: o.from, to: s.to })),
      skipped: refused,
      journalSeq: batchSeq,
    };
    await returnToAreaMeasures(trx, actor, s, result);
    return result;
  }

  /**
   * When a person measure ends (to `none` or `released`) for residents whose home still lies in a
   * published risk area, they go back under that area's measure in the same transaction: a second,
   * automatic change citing the risk area, so the history shows both steps.
   */
  async function returnToAreaMeasures(trx: Tx, actor: Actor, s: ApplySpec, result: AutomaticResult): Promise<void> {
    if (!areaMeasureResolver || (s.to !== 'none' && s.to !== 'released') || s.basis.type === 'risk_area') return;
    const ended = result.changes.filter((c) => !AREA_MEASURES.has(c.from)).map((c) => c.personId);
    if (ended.length === 0) return;
    const measures = await areaMeasureResolver(trx, ended);
    const groups = new Map<string, { status: AreaMeasureStatus; areaId: string; personIds: string[] }>();
    for (const [personId, m] of measures) {
      const k = `${m.status}\u0000${m.areaId}`;
      const g = groups.get(k);
      if (g) g.personIds.push(personId);
      else groups.set(k, { ...m, personIds: [personId] });
    }
    for (const g of groups.values()) {
      const back = await applyChanges(trx, actor, {
        paths: s.paths,
        personIds: g.personIds,
        to: g.status,
        basis: { type: 'risk_area', id: g.areaId },
        reason: BACK_TO_AREA_MEASURE_REASON,
        endsAt: null,
        presetVersion: null,
        mode: 'automatic',
        bulkRequestId: null,
        ifNotAllowed: 'skip',
      });
      const backTo = new Map(back.changes.map((c) => [c.personId, c.to]));
      for (const c of result.changes) {
        const to = backTo.get(c.personId);
        if (to) c.to = to;
      }
    }
  }

  /**
   * Persons per status within a jurisdiction subtree, read from the counters kept current with
   * each change (no scan). `path` defaults to the actor's scope; a subtree not inside the actor's

  /**
   * Retires the status of a record merged into another (registered as population's merge handler,
   * so it runs in the merge's transaction). Population's merge has already put the kept record under
   * the stricter of the two measures, citing the merged record's basis, before the handlers run; what
   * is left is the merged record itself, still counted under its measure. Its status moves to `none`
   * (the counters drop it), citing the same basis; its history stays and gains this step, journaled
   * as an automatic change. The person is then counted once, on the kept record.
   */
  async function retireMerged(trx: Tx, fromId: string, intoId: string): Promise<void> {
    const row = await repo.findStatus(trx, fromId);
    if (!row || row.status === 'none') return;
    const now = deps.clock.now();
    const actor = systemActor('control');
    const from = row.status;
    const basis = { type: row.basis_type, id: row.basis_id };
    const reason = '记录已合并，管控由保留记录承接 (record merged; the kept record carries the measure)';
    const entry = await deps.journal.append(trx, actor, {
      action: 'control.status.change',
      entityType: 'person',
      entityId: fromId,
      jurisdictionPath: row.jurisdiction_path,
      payload: { mode: 'automatic', from, to: 'none', basis, endsAt: null, mergedInto: intoId },
      reason,
    });
    const set = {
      status: 'none' as const,
      basis_type: row.basis_type,
      basis_id: row.basis_id,
      reason,
      since: now,
      ends_at: null,
      preset_version: row.preset_version,
      updated_at: now,
    };
    const n = await repo.updateStatusesFrom(trx, [fromId], from, set, new Map([[fromId, row.jurisdiction_path]]));
    if (n !== 1) throw ControlErrors.CONTROL_CONCURRENT_CHANGE();
    await repo.insertChanges(trx, [
      {
        id: newId(now),
        person_id: fromId,
        from_status: from,
        to_status: 'none',
        basis_type: row.basis_type,
        basis_id: row.basis_id,
        reason,
        ends_at: null,
        mode: 'automatic',
        preset_version: row.preset_version,
        jurisdiction_path: row.jurisdiction_path,
        actor_id: actor.userId,
        actor_name: actor.name,
        at: now,
        bulk_request_id: null,
        journal_seq: entry.seq,
      },
    ]);
    const deltas = new CountDeltas();
    deltas.bump(row.jurisdiction_path, from, -1);
    await repo.applyCountDeltas(trx, deltas.list());
    await deps.outbox.publish(trx, {
      topic: 'control.status.changed',
      capability: 'control.read',
      jurisdictionPath: row.jurisdiction_path,
      payload: { to: 'none', mode: 'automatic', count: 1, bulkRequestId: null },
    });
  }

  return {
    /**
     * Registers the check that a basis id exists, for one basis type. The module owning that record
     * (testing for tubes, cases for cases and contacts, zoning for risk areas) calls it once at start.
     * Once registered, a change citing an unknown id is refused with 422 CONTROL_BASIS_NOT_FOUND.
     */
    registerBasisValidator(type: BasisType, fn: BasisValidator): void {
      validators.set(type, fn);
    },

    /** Zoning tells control which area measure a person's home is under now (see AreaMeasureResolver). */
    registerAreaMeasureResolver(fn: AreaMeasureResolver): void {
      areaMeasureResolver = fn;
    },

    checkGuard,
    checkBasisExists,
    resolvePersons,
    checkTransitions,
    transitionError,
    applyChanges,
    retireMerged,

    /**
     * An automatic change that follows from a recorded basis (the ten persons of a positive pool →
     * pending recheck). Applies at once in the caller's transaction, journaled as one batch entry.
     * The caller has already checked its own capability and scope; persons only need to exist.
     */
    async applyAutomatic(trx: Tx, actor: Actor, input: AutomaticInput): Promise<AutomaticResult> {
      const g = await checkGuard(trx, input, actor);
      const paths = await resolvePersons(trx, g.personIds, null);
      return applyChanges(trx, actor, {
        paths,
        personIds: g.personIds,
        to: input.to,
        basis: g.basis,
        reason: g.reason,
        endsAt: input.endsAt ?? null,
        presetVersion: input.presetVersion ?? null,
        mode: 'automatic',
        bulkRequestId: null,
        ifNotAllowed: input.ifNotAllowed ?? 'skip',
      });
    },

    /** Current status of a person in scope (status `none` when the person never had one). */
    async getStatus(actor: Actor, personId: string, db: DbOrTx = deps.db): Promise<ControlStatusDto> {
      requireCapability(actor, CAP_READ);
      await resolvePersons(db, [personId], actor);
      return statusDto(personId, await repo.findStatus(db, personId));
    },

    /** Current statuses of many persons, for other modules' lists (no scope check: the caller's list is scoped). */
    async statusesOf(personIds: readonly string[], db: DbOrTx = deps.db): Promise<Map<string, ControlStatusDto>> {
      const rows = new Map((await repo.findStatuses(db, [...new Set(personIds)])).map((r) => [r.person_id, r]));
      return new Map(personIds.map((id) => [id, statusDto(id, rows.get(id))]));
    },

    /**
     * Why a person is under a measure: the current status with its basis, and every change with
     * who made it, when, on what basis and why (and, for bulk changes, who asked and who approved).
     */
    async explain(actor: Actor, personId: string, db: DbOrTx = deps.db): Promise<ExplanationDto> {
      requireCapability(actor, CAP_READ);
      await resolvePersons(db, [personId], actor);
      const [row, history] = await Promise.all([repo.findStatus(db, personId), repo.listChanges(db, personId)]);
      return { ...statusDto(personId, row), history: history.map(changeDto) };
    },

    /** A person's status changes, oldest first. */
    async history(actor: Actor, personId: string, db: DbOrTx = deps.db): Promise<StatusChangeDto[]> {
      requireCapability(actor, CAP_READ);
      await resolvePersons(db, [personId], actor);
      return (await repo.listChanges(db, personId)).map(changeDto);
    },
  };
}

export type StatusGuard = ReturnType<typeof createStatusGuard>;
