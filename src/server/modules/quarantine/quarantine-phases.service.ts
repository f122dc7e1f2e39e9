import { msg, type MessageRef } from '../../../common/message-text.js';
import { inTx, type DbOrTx, type Tx } from '../../db/dialect.js';
import type { Actor } from '../../platform/actor.js';
import { calendarDay, HOUR } from '../../platform/clock.js';
import { PHASE_STATUS, type PlannedPhase, type StayPhase } from './quarantine.plan.js';
import * as repo from './quarantine.repository.js';
import type { StayDto } from './quarantine.schemas.js';
import type { QuarantineStaysTable, QuarantineTestsTable } from './quarantine.table.js';
import type { QuarantineFacilities } from './quarantine-facilities.service.js';
import type { QuarantineRelease } from './quarantine-release.service.js';
import { maskName } from '../population/index.js';
import { PHASE_ZH, phasesOf, QuarantineErrors, stayDto as toStayDto, visibleStay, type QuarantineInputs } from './quarantine.shared.js';

/** The job that moves a stay past a phase boundary (payload `{ stayId, phase }`, one per boundary). */
export const PHASE_END_JOB = 'quarantine.phase-end';
/** The recurring overdue-release check. */
export const OVERDUE_CHECK_JOB = 'quarantine.overdue-check';

export type PhasesDeps = Pick<
  QuarantineInputs,
  'db' | 'clock' | 'tz' | 'journal' | 'tasks' | 'jobs' | 'control' | 'upgradeLinkedSecondaries' | 'personBriefs'
> & {
  facilities: Pick<QuarantineFacilities, 'leaveRoom'>;
  release: Pick<QuarantineRelease, 'criteriaProblems' | 'doRelease'>;
};

/**
 * A stay through time: test-day results, the phase boundaries (central → point-to-point transfer →
 * home quarantine or monitoring → end), the 9th-edition secondary-contact upgrade, and the
 * overdue-release check. The facade registers `advance` and `checkOverdue` as jobs.
 */
export function createQuarantinePhases(deps: PhasesDeps) {
  const tz = deps.tz;
  const { criteriaProblems, doRelease } = deps.release;
  const leaveRoom = (trx: Tx, s: QuarantineStaysTable) => deps.facilities.leaveRoom(trx, s);
  const stayDto = (r: QuarantineStaysTable, tests: QuarantineTestsTable[]) => toStayDto(r, tests, deps.clock.now(), deps.tz);

  /** A stay task's title naming its person (masked), and the subject its row shows. */
  async function aboutPerson(trx: Tx, actor: Actor, s: QuarantineStaysTable, what: MessageRef) {
    const b = (await deps.personBriefs(actor, [s.person_id], trx)).get(s.person_id);
    if (!b) return { title: what, subject: null };
    const name = maskName(b.name);
    return { title: msg('task.auto.about', { what, name }), subject: { kind: 'person' as const, text: name } };
  }

  /**
   * A phase boundary: past the last one release when the criteria are met (else leave it for the
   * overdue check); from central to a home phase a point-to-point transfer task (点对点转运) for the
   * owner unit, the phase moving only when the transfer is recorded done; otherwise the next phase.
   */
  async function advance(trx: Tx, actor: Actor, stayId: string, fromPhase: StayPhase): Promise<void> {
    const s = await repo.findStay(trx, stayId);
    if (!s || s.status !== 'active' || s.phase !== fromPhase) return;
    const now = deps.clock.now();
    const phases = phasesOf(s);
    const later = phases.slice(phases.findIndex((p) => p.phase === fromPhase) + 1);
    if (fromPhase === 'central' && later.length) {
      await requestTransfer(trx, actor, s, later[0]!);
      return;
    }
    const next = later.find((p) => p.endsAt > now);
    if (!next) {
      await endStay(trx, actor, s, fromPhase, now);
      return;
    }
    await moveTo(trx, actor, s, fromPhase, next);
  }

  /** Past the last boundary: release when the criteria are met, else mark `ended` for the overdue check. */
  async function endStay(trx: Tx, actor: Actor, s: QuarantineStaysTable, fromPhase: StayPhase, now: number): Promise<void> {
    const c = await criteriaProblems(trx, s, now);
    if (c.endReached && !c.pendingDays.length && !c.positiveDays.length) {
      await doRelease(trx, actor, s, '期满且检测均为阴性 Stay completed, all tests negative', false);
      return;
    }
    if (!(await repo.updateStay(trx, s.id, { status: 'active', phase: fromPhase }, { phase: 'ended', updated_at: now })))
      throw QuarantineErrors.QUARANTINE_CONCURRENT_CHANGE({ stayId: s.id });
    if (fromPhase === 'central') await leaveRoom(trx, s);
  }

  async function moveTo(trx: Tx, actor: Actor, s: QuarantineStaysTable, fromPhase: StayPhase, next: PlannedPhase): Promise<void> {
    const now = deps.clock.now();
    if (!(await repo.updateStay(trx, s.id, { status: 'active', phase: fromPhase }, { phase: next.phase, updated_at: now })))
      throw QuarantineErrors.QUARANTINE_CONCURRENT_CHANGE({ stayId: s.id });
    if (fromPhase === 'central') await leaveRoom(trx, s);
    await deps.control.applyAutomatic(trx, actor, {
      personIds: [s.person_id],
      to: PHASE_STATUS[next.phase],
      basis: { type: s.basis_type, id: s.basis_id },
      reason: `隔离阶段转换：${PHASE_ZH[fromPhase]} → ${PHASE_ZH[next.phase]} · Quarantine phase: ${fromPhase} → ${next.phase}`,
      endsAt: next.endsAt,
      presetVersion: s.preset_version,
    });
    await deps.journal.append(trx, actor, {
      action: 'quarantine.stay.phase',
      entityType: 'quarantine_stay',
      entityId: s.id,
      jurisdictionPath: s.person_path,
      payload: { personId: s.person_id, from: fromPhase, to: next.phase, endsAt: next.endsAt },
    });
    await schedulePhaseEnd(trx, s.id, next);
  }

  /** The central phase ended: one point-to-point transfer task for the owner unit (the job runs once per boundary). */
  async function requestTransfer(trx: Tx, actor: Actor, s: QuarantineStaysTable, next: PlannedPhase): Promise<void> {
    const now = deps.clock.now();
    const centralEnd = calendarDay(phasesOf(s)[0]!.endsAt - 1, tz);
    const phase = msg(`quarantine.phase.${next.phase}`);
    const title = msg('quarantine.auto.transfer.title', { day: { day: centralEnd }, phase });
    const description = msg('quarantine.auto.transfer.body', { phase });
    let taskId: string | null = null;
    if (s.owner_unit_id) {
      taskId = (
        await deps.tasks.create(trx, actor, {
          ...(await aboutPerson(trx, actor, s, title)),
          description,
          sourceModule: 'quarantine',
          sourceEntityType: 'quarantine_stay',
          sourceEntityId: s.id,
          assigneeUnitId: s.owner_unit_id,
          jurisdictionPath: s.facility_path ?? s.person_path,
          priority: 'high',
          dueAt: now + 4 * HOUR,
        })
      ).id;
    } else {
      await deps.tasks.notify(trx, actor, {
        jurisdictionPath: s.person_path,
        title,
        body: description,
        link: `/quarantine/stays/${s.id}`,
        sourceModule: 'quarantine',
        sourceEntityType: 'quarantine_stay',
        sourceEntityId: s.id,
        severity: 'warning',
      });
    }
    await repo.setStayLinks(trx, s.id, { transfer_task_id: taskId, updated_at: now });
    await deps.journal.append(trx, actor, {
      action: 'quarantine.stay.transfer-requested',
      entityType: 'quarantine_stay',
      entityId: s.id,
      jurisdictionPath: s.person_path,
      payload: { personId: s.person_id, to: next.phase, taskId },
    });
  }

  /** The secondary contacts linked to a positive close contact become close contacts; each active stay's unit gets a task to re-place them as close contacts. */
  async function upgradeSecondaries(trx: Tx, actor: Actor, closeContactId: string): Promise<void> {
    for (const c of await deps.upgradeLinkedSecondaries(trx, actor, closeContactId)) {
      const st = await repo.findStayByBasis(trx, 'contact', c.id);
      if (!st || st.status !== 'active') continue;
      await repo.setStayCategory(trx, st.id, 'close', deps.clock.now());
      const title = msg('quarantine.auto.upgrade.title');
      const description = msg('quarantine.auto.upgrade.body');
      if (st.owner_unit_id) {
        await deps.tasks.create(trx, actor, {
          ...(await aboutPerson(trx, actor, st, title)),
          description,
          sourceModule: 'quarantine',
          sourceEntityType: 'quarantine_stay',
          sourceEntityId: st.id,
          assigneeUnitId: st.owner_unit_id,
          jurisdictionPath: st.person_path,
          priority: 'urgent',
          dueAt: deps.clock.now() + 2 * HOUR,
        });
      }
      await deps.journal.append(trx, actor, {
        action: 'quarantine.stay.upgrade',
        entityType: 'quarantine_stay',
        entityId: st.id,
        jurisdictionPath: st.person_path,
        payload: { personId: st.person_id, from: 'secondary', to: 'close', viaContactId: closeContactId },
      });
    }
  }

  function schedulePhaseEnd(trx: Tx, stayId: string, p: PlannedPhase) {
    return deps.jobs.schedule(trx, {
      kind: PHASE_END_JOB,
      payload: { stayId, phase: p.phase },
      runAt: p.endsAt,
      uniqueKey: `quarantine.phase-end:${stayId}:${p.phase}`,
    });
  }

  /**
   * NOBODY IS HELD PAST THEIR END DATE UNNOTICED, AND NOBODY IS FLOODED. Active stays past their end:
   * released at once when their criteria are met; a stay whose result is still pending gets ONE task
   * asking for the result (released as soon as it is recorded negative); only a stay past its end with
   * nothing pending (a positive result) raises the overdue alert and task, once.
   */
  async function checkOverdue(trx: Tx, actor: Actor, now: number): Promise<number> {
    let n = 0;
    for (const s of await repo.findOverdueToCheck(trx, now, 200)) {
      const c = await criteriaProblems(trx, s, now);
      if (!c.pendingDays.length && !c.positiveDays.length) {
        await doRelease(trx, actor, s, '期满且检测均为阴性 Stay completed, all tests negative', false);
        continue;
      }
      if (c.pendingDays.length) {
        if (s.result_task_id) continue;
        const own = c.pendingDays.filter((d) => d > 0);
        const linked = c.linked === 'pending';
        const what = own.length
          ? msg(linked ? 'quarantine.auto.pending.both' : 'quarantine.auto.pending.days', { days: { list: own } })
          : msg('quarantine.auto.pending.linked');
        const title = msg('quarantine.auto.resultPending.title', { what });
        const description = msg('quarantine.auto.resultPending.body', { day: { day: s.end_day }, what });
        let taskId: string | null = null;
        if (s.owner_unit_id) {
          taskId = (
            await deps.tasks.create(trx, actor, {
              ...(await aboutPerson(trx, actor, s, title)),
              description,
              sourceModule: 'quarantine',
              sourceEntityType: 'quarantine_stay',
              sourceEntityId: s.id,
              assigneeUnitId: s.owner_unit_id,
              jurisdictionPath: s.person_path,
              priority: 'high',
              dueAt: now + 4 * HOUR,
            })
          ).id;
        }
        if (!(await repo.setStayLinks(trx, s.id, { result_task_id: taskId ?? 'none', updated_at: now }))) continue;
        await deps.journal.append(trx, actor, {
          action: 'quarantine.stay.result-pending',
          entityType: 'quarantine_stay',
          entityId: s.id,
          jurisdictionPath: s.person_path,
          payload: { personId: s.person_id, endsAt: Number(s.ends_at), pendingDays: c.pendingDays, taskId },
        });
        n++;
        continue;
      }
      if (!(await repo.markOverdueAlerted(trx, s.id, now))) continue;
      const title = msg('quarantine.auto.overdue.title', { day: { day: s.end_day } });
      const body = msg('quarantine.auto.overdue.body', { days: { list: c.positiveDays } });
      await deps.tasks.notify(trx, actor, {
        ...(s.owner_unit_id ? { unitId: s.owner_unit_id } : { jurisdictionPath: s.person_path }),
        title,
        body,
        link: `/quarantine/stays/${s.id}`,
        sourceModule: 'quarantine',
        sourceEntityType: 'quarantine_stay',
        sourceEntityId: s.id,
        severity: 'warning',
      });
      if (s.owner_unit_id) {
        await deps.tasks.create(trx, actor, {
          ...(await aboutPerson(trx, actor, s, title)),
          description: body,
          sourceModule: 'quarantine',
          sourceEntityType: 'quarantine_stay',
          sourceEntityId: s.id,
          assigneeUnitId: s.owner_unit_id,
          jurisdictionPath: s.person_path,
          priority: 'high',
          dueAt: now + 4 * HOUR,
        });
      }
      await deps.journal.append(trx, actor, {
        action: 'quarantine.stay.overdue',
        entityType: 'quarantine_stay',
        entityId: s.id,
        jurisdictionPath: s.person_path,
        payload: { personId: s.person_id, endsAt: Number(s.ends_at), pendingDays: c.pendingDays, positiveDays: c.positiveDays },
      });
      n++;
    }
    return n;
  }

  return {
    advance,
    checkOverdue,
    schedulePhaseEnd,

    /** Records a scheduled test day's result (negative / positive). */
    async recordTest(trx: DbOrTx | undefined, actor: Actor, stayId: string, input: { day: number; result: 'negative' | 'positive' }): Promise<StayDto> {
      return inTx(trx ?? deps.db, async (t) => {
        const s = await visibleStay(t, actor, stayId);
        if (s.status !== 'active') throw QuarantineErrors.QUARANTINE_STAY_RELEASED({ stayId });
        if (!(await repo.recordTest(t, stayId, input.day, { result: input.result, recorded_at: deps.clock.now(), recorded_by: actor.userId }))) {
          const tests = await repo.listTests(t, stayId);
          if (tests.some((x) => Number(x.day) === input.day))
            throw QuarantineErrors.QUARANTINE_TEST_NOT_APPLICABLE({ day: input.day, placedDay: s.placed_day });
          throw QuarantineErrors.QUARANTINE_TEST_DAY_UNKNOWN({
            day: input.day,
            testDays: tests.filter((x) => Number(x.not_applicable) !== 1).map((x) => Number(x.day)),
          });
        }
        await deps.journal.append(t, actor, {
          action: 'quarantine.stay.test',
          entityType: 'quarantine_stay',
          entityId: stayId,
          jurisdictionPath: s.person_path,
          payload: { day: input.day, result: input.result },
        });
        // The test day's task is done: it closes itself, naming the recorded test.
        const recorded = (await repo.listTests(t, stayId)).find((x) => Number(x.day) === input.day)!;
        await deps.tasks.closeForWork(t, actor, { taskIds: [recorded.task_id] }, { kind: 'quarantine_test_recorded', id: recorded.id });
        // So is the one task asking for a pending last result, once no result is pending.
        if (s.result_task_id && s.result_task_id !== 'none' && !(await criteriaProblems(t, s, deps.clock.now())).pendingDays.length)
          await deps.tasks.closeForWork(t, actor, { taskIds: [s.result_task_id] }, { kind: 'quarantine_result_recorded', id: recorded.id });
        // 9th edition: a close contact turning positive makes THEIR secondary contacts close contacts.
        if (input.result === 'positive' && s.basis_type === 'contact') await upgradeSecondaries(t, actor, s.basis_id);
        // The last result of a stay already past its end: release at once when everything is negative.
        const now = deps.clock.now();
        if (now >= Number(s.ends_at) && s.phase !== 'central') {
          const c = await criteriaProblems(t, s, now);
          if (!c.pendingDays.length && !c.positiveDays.length) await doRelease(t, actor, s, '期满且检测均为阴性 Stay completed, all tests negative', false);
        }
        return stayDto((await repo.findStay(t, stayId))!, await repo.listTests(t, stayId));
      });
    },

    /**
     * Records the point-to-point transfer (点对点转运) done: the person leaves the room and the next phase
     * (home quarantine or monitoring) begins with its control status. 409 when no transfer is due.
     */
    async recordTransfer(trx: DbOrTx | undefined, actor: Actor, stayId: string, input: { note?: string | null } = {}): Promise<StayDto> {
      return inTx(trx ?? deps.db, async (t) => {
        const s = await visibleStay(t, actor, stayId);
        const now = deps.clock.now();
        const phases = phasesOf(s);
        const central = phases.find((p) => p.phase === 'central');
        const later = phases.filter((p) => central && p.lastDay > central.lastDay);
        if (s.status !== 'active' || s.phase !== 'central' || !central || central.endsAt > now || !later.length) {
          throw QuarantineErrors.QUARANTINE_TRANSFER_NOT_DUE({ stayId, phase: s.phase, centralEndsAt: central?.endsAt ?? null });
        }
        await deps.journal.append(t, actor, {
          action: 'quarantine.stay.transfer',
          entityType: 'quarantine_stay',
          entityId: s.id,
          jurisdictionPath: s.person_path,
          payload: { personId: s.person_id, taskId: s.transfer_task_id, note: input.note?.trim() || null },
        });
        const next = later.find((p) => p.endsAt > now);
        if (next) await moveTo(t, actor, s, 'central', next);
        else await endStay(t, actor, s, 'central', now);
        return stayDto((await repo.findStay(t, stayId))!, await repo.listTests(t, stayId));
      });
    },
  };
}

export type QuarantinePhases = ReturnType<typeof createQuarantinePhases>;
