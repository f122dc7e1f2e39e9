import { inTx, isUniqueViolation, type DbOrTx, type Tx } from '../../db/dialect.js';
import { inScope, scopePrefix, type Actor } from '../../platform/actor.js';
import { newId } from '../../platform/ids.js';
import { requireReason } from '../../platform/reason.js';
import { maskName } from '../population/index.js';
import * as repo from './quarantine.repository.js';
import type { ReleaseRequestDto, StayDto } from './quarantine.schemas.js';
import type { QuarantineReleaseRequestsTable, QuarantineStaysTable, QuarantineTestsTable } from './quarantine.table.js';
import type { QuarantineFacilities } from './quarantine-facilities.service.js';
import { actorKey, QuarantineErrors, releaseRequestDto, stayDto as toStayDto, visibleStay, type QuarantineInputs } from './quarantine.shared.js';

export type ReleaseDeps = Pick<QuarantineInputs, 'db' | 'clock' | 'tz' | 'journal' | 'control' | 'personBriefs' | 'presetParams' | 'contactLink'> & {
  facilities: Pick<QuarantineFacilities, 'leaveRoom'>;
};

/**
 * Release (解除隔离): the release criteria (end reached, every scheduled test negative, and for a
 * 9th-edition secondary contact their close contact's first tests), the release itself (room freed,
 * control status released, journaled), and early release as a request a second person decides.
 */
export function createQuarantineRelease(deps: ReleaseDeps) {
  const stayDto = (r: QuarantineStaysTable, tests: QuarantineTestsTable[]) => toStayDto(r, tests, deps.clock.now(), deps.tz);

  /**
   * 9th edition: a secondary contact linked to THEIR close contact is released only when that close
   * contact's first N tests (the preset's linkedRelease) are negative too. `pending` until they are.
   */
  async function linkedProblem(trx: DbOrTx, s: QuarantineStaysTable): Promise<'pending' | 'positive' | null> {
    if (s.basis_type !== 'contact' || s.category !== 'secondary') return null;
    const link = await deps.contactLink(trx, s.basis_id);
    if (!link) return null;
    const n = (await deps.presetParams(s.preset_id, trx)).contacts.secondary.linkedRelease?.closeContactNegativeTests;
    if (!n) return null;
    const closeStay = await repo.findStayByBasis(trx, 'contact', link.viaContactId);
    const first = closeStay ? (await repo.listTests(trx, closeStay.id)).filter((t) => Number(t.not_applicable) !== 1).slice(0, n) : [];
    if (first.some((t) => t.result === 'positive')) return 'positive';
    return first.length === n && first.every((t) => t.result === 'negative') ? null : 'pending';
  }

  async function criteriaProblems(
    trx: DbOrTx,
    s: QuarantineStaysTable,
    now: number,
  ): Promise<{ endReached: boolean; pendingDays: number[]; positiveDays: number[]; linked: 'pending' | 'positive' | null }> {
    const tests = await repo.listTests(trx, s.id);
    const pendingDays = tests.filter((t) => t.result === null && Number(t.not_applicable) !== 1).map((t) => Number(t.day));
    const linked = await linkedProblem(trx, s);
    return {
      endReached: now >= Number(s.ends_at),
      // The close contact's results count as pending results of this stay (one result task, no alert flood).
      pendingDays: linked === 'pending' ? [...pendingDays, 0] : pendingDays,
      positiveDays: [...tests.filter((t) => t.result === 'positive').map((t) => Number(t.day)), ...(linked === 'positive' ? [0] : [])],
      linked,
    };
  }

  async function doRelease(trx: Tx, actor: Actor, s: QuarantineStaysTable, reason: string, override: boolean): Promise<void> {
    const now = deps.clock.now();
    const ok = await repo.updateStay(
      trx,
      s.id,
      { status: 'active', phase: s.phase },
      { status: 'released', released_at: now, release_reason: reason, release_override: override ? 1 : 0, updated_at: now },
    );
    if (!ok) throw QuarantineErrors.QUARANTINE_CONCURRENT_CHANGE({ stayId: s.id });
    await repo.voidPendingReleaseRequests(trx, s.id, now);
    if (s.phase === 'central') await deps.facilities.leaveRoom(trx, s);
    await deps.control.applyAutomatic(trx, actor, {
      personIds: [s.person_id],
      to: 'released',
      basis: { type: s.basis_type, id: s.basis_id },
      reason: `隔离解除：${reason} · Quarantine released: ${reason}`,
      presetVersion: s.preset_version,
    });
    await deps.journal.append(trx, actor, {
      action: 'quarantine.stay.release',
      entityType: 'quarantine_stay',
      entityId: s.id,
      jurisdictionPath: s.person_path,
      payload: { personId: s.person_id, override, endsAt: Number(s.ends_at), phase: s.phase },
      reason,
    });
  }

  return {
    criteriaProblems,
    doRelease,

    /**
     * Releases a stay whose criteria hold (end date reached, every scheduled test recorded negative);
     * otherwise 422 QUARANTINE_RELEASE_EARLY: an early release is a request (`requestEarlyRelease`)
     * that a second person holding `quarantine.release-early` approves.
     */
    async release(trx: DbOrTx | undefined, actor: Actor, stayId: string): Promise<StayDto> {
      return inTx(trx ?? deps.db, async (t) => {
        const s = await visibleStay(t, actor, stayId);
        if (s.status !== 'active') throw QuarantineErrors.QUARANTINE_STAY_RELEASED({ stayId });
        const c = await criteriaProblems(t, s, deps.clock.now());
        if (!(c.endReached && !c.pendingDays.length && !c.positiveDays.length)) {
          throw QuarantineErrors.QUARANTINE_RELEASE_EARLY({
            endsAt: Number(s.ends_at),
            endDay: s.end_day,
            endReached: c.endReached,
            pendingDays: c.pendingDays,
            positiveDays: c.positiveDays,
            earlyReleaseRequest: `/api/quarantine/stays/${stayId}/release-requests`,
          });
        }
        await doRelease(t, actor, s, '解除隔离 Release criteria met', false);
        return stayDto((await repo.findStay(t, stayId))!, await repo.listTests(t, stayId));
      });
    },

    /**
     * Asks for an early release (提前解除) of a stay whose criteria are not met, with a reason (the
     * shared reason rule). Nothing is released yet: a second holder of `quarantine.release-early`
     * approves (`decideEarlyRelease`). One pending request per stay. Journaled.
     */
    async requestEarlyRelease(trx: DbOrTx | undefined, actor: Actor, stayId: string, input: { reason?: unknown }): Promise<ReleaseRequestDto> {
      const reason = requireReason(input.reason);
      return inTx(trx ?? deps.db, async (t) => {
        const s = await visibleStay(t, actor, stayId);
        if (s.status !== 'active') throw QuarantineErrors.QUARANTINE_STAY_RELEASED({ stayId });
        const now = deps.clock.now();
        const c = await criteriaProblems(t, s, now);
        if (c.endReached && !c.pendingDays.length && !c.positiveDays.length) throw QuarantineErrors.QUARANTINE_RELEASE_CRITERIA_MET({ stayId });
        const pending = await repo.findPendingReleaseRequest(t, stayId);
        if (pending) throw QuarantineErrors.QUARANTINE_RELEASE_REQUEST_PENDING({ stayId, requestId: pending.id });
        const row: QuarantineReleaseRequestsTable = {
          id: newId(),
          stay_id: s.id,
          person_id: s.person_id,
          person_path: s.person_path,
          facility_path: s.facility_path,
          status: 'pending',
          reason,
          requested_by: actorKey(actor),
          requested_by_name: (await repo.userDisplayName(t, actor.userId)) ?? actor.name,
          requested_at: now,
          decided_by: null,
          decided_by_name: null,
          decided_at: null,
          decision_note: null,
        };
        try {
          await repo.insertReleaseRequest(t, row);
        } catch (err) {
          if (isUniqueViolation(err)) throw QuarantineErrors.QUARANTINE_RELEASE_REQUEST_PENDING({ stayId });
          throw err;
        }
        await deps.journal.append(t, actor, {
          action: 'quarantine.release-request.create',
          entityType: 'quarantine_stay',
          entityId: s.id,
          jurisdictionPath: s.person_path,
          payload: {
            requestId: row.id,
            personId: s.person_id,
            endsAt: Number(s.ends_at),
            endReached: c.endReached,
            pendingDays: c.pendingDays,
            positiveDays: c.positiveDays,
          },
          reason,
        });
        return releaseRequestDto(actor, row);
      });
    },

    /**
     * Approves or rejects a pending early-release request. The decider must be a second person (not
     * the requester; 403 otherwise). Approval releases the stay at once (override recorded when the
     * criteria still do not hold); rejection leaves it active. Both journaled; a note is optional on
     * approval and goes through the reason rule on rejection.
     */
    async decideEarlyRelease(
      trx: DbOrTx | undefined,
      actor: Actor,
      requestId: string,
      input: { decision: 'approve' | 'reject'; note?: unknown },
    ): Promise<ReleaseRequestDto> {
      const note =
        input.decision === 'reject'
          ? requireReason(input.note, 'note')
          : typeof input.note === 'string' && input.note.trim()
            ? requireReason(input.note, 'note')
            : null;
      return inTx(trx ?? deps.db, async (t) => {
        const r = await repo.findReleaseRequest(t, requestId);
        if (!r || !(inScope(actor, r.person_path) || (r.facility_path !== null && inScope(actor, r.facility_path))))
          throw QuarantineErrors.QUARANTINE_RELEASE_REQUEST_NOT_FOUND({ requestId });
        if (r.status !== 'pending') throw QuarantineErrors.QUARANTINE_RELEASE_REQUEST_DECIDED({ requestId, status: r.status });
        if (r.requested_by === actorKey(actor)) throw QuarantineErrors.QUARANTINE_RELEASE_SAME_PERSON({ requestId });
        const s = await visibleStay(t, actor, r.stay_id);
        const now = deps.clock.now();
        const approve = input.decision === 'approve';
        if (s.status !== 'active') throw QuarantineErrors.QUARANTINE_STAY_RELEASED({ stayId: s.id });
        const status = approve ? 'approved' : 'rejected';
        if (
          !(await repo.decideReleaseRequest(t, r.id, {
            status,
            decided_by: actorKey(actor),
            decided_by_name: (await repo.userDisplayName(t, actor.userId)) ?? actor.name,
            decided_at: now,
            decision_note: note,
          }))
        )
          throw QuarantineErrors.QUARANTINE_RELEASE_REQUEST_DECIDED({ requestId });
        await deps.journal.append(t, actor, {
          action: approve ? 'quarantine.release-request.approve' : 'quarantine.release-request.reject',
          entityType: 'quarantine_stay',
          entityId: s.id,
          jurisdictionPath: s.person_path,
          payload: { requestId: r.id, personId: s.person_id, requestedBy: r.requested_by, requestReason: r.reason },
          ...(note ? { reason: note } : {}),
        });
        if (approve) {
          const c = await criteriaProblems(t, s, now);
          await doRelease(t, actor, s, r.reason, !(c.endReached && !c.pendingDays.length && !c.positiveDays.length));
        }
        return releaseRequestDto(actor, (await repo.findReleaseRequest(t, r.id))!);
      });
    },

    /** Early-release requests of stays in scope (`status` pending for the approvers' list), with masked names. */
    async listReleaseRequests(
      actor: Actor,
      q: { status?: ReleaseRequestDto['status']; stayId?: string; page?: number; pageSize?: number } = {},
      db: DbOrTx = deps.db,
    ): Promise<{ items: ReleaseRequestDto[]; total: number }> {
      const pageSize = q.pageSize ?? 50;
      const r = await repo.listReleaseRequests(db, scopePrefix(actor), {
        status: q.status,
        stayId: q.stayId,
        limit: pageSize,
        offset: ((q.page ?? 1) - 1) * pageSize,
      });
      const briefs = await deps.personBriefs(actor, [...new Set(r.rows.map((x) => x.person_id))], db);
      return {
        items: r.rows.map((x) => ({
          ...releaseRequestDto(actor, x),
          personNameMasked: briefs.get(x.person_id) ? maskName(briefs.get(x.person_id)!.name) : null,
        })),
        total: r.total,
      };
    },
  };
}

export type QuarantineRelease = ReturnType<typeof createQuarantineRelease>;
