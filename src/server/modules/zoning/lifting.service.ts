import { msg } from '../../../common/message-text.js';
import { RISK_LEVEL_LABELS, type LiftingRoundDto, type RiskLevel } from '../../../common/zoning.js';
import type { DbOrTx, Tx } from '../../db/dialect.js';
import type { Actor } from '../../platform/actor.js';
import { AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { HOUR, calendarDay, startOfDay } from '../../platform/clock.js';
import * as repo from './zoning.repository.js';
import { pathAt } from './zoning.rules.js';
import type { AreaRecorder } from './area-events.service.js';
import { roundKey, type AreaReader } from './areas.service.js';
import { SYS, type NearCase, type Node, type ZoningInputs } from './zoning.shared.js';

/** Pool size of a lifting round: single tube in sealed (high) areas, 10-in-1 in controlled (medium) ones, as the testing guides did. */
const ROUND_POOL: Record<RiskLevel, 1 | 10 | 20> = { high: 1, medium: 10, low: 20 };
/** Hours a lifting round runs from the start of its day (the national guidance: a round within 24 h). */
const ROUND_HOURS = 24;
/** Statuses exempt from a lifting round: persons in central quarantine are tested at their facility. Sealed residents are never exempt. */
const ROUND_EXEMPT: ['quarantined_central'] = ['quarantined_central'];

/**
 * The lifting schedule at work (the recurring `zoning.evaluate` job): countdown resets, proposals
 * to extend, the lifting round campaigns, the tasks when a step is due and the alerts when it is
 * overdue.
 */
export function createLiftingService(io: ZoningInputs, reader: AreaReader, recorder: AreaRecorder) {
  const { compute } = reader;
  const { record } = recorder;

  async function hqUnit(db: DbOrTx): Promise<string | null> {
    const { items } = await io.units.list(SYS, { kind: 'hq', active: true, limit: 5 }, db);
    return items[0]?.id ?? null;
  }

  /**
   * For every published area: records a countdown reset when a newer case appears inside it; raises
   * an extension proposal (with a task to the owner unit) for each new case near it; creates the
   * lifting round campaign on the round's day; when its next step is due, one task to the owner
   * unit (per level); when it is past its lifting date, one warning alert to HQ (per level). Hourly,
   * and on demand (tests, the demo). Dates in every text are calendar days in BULWARK_TZ.
   */
  async function evaluate(
    trx: Tx,
    actor: Actor,
    now = io.clock.now(),
  ): Promise<{ tasks: number; alerts: number; resets: number; rounds: number; extensions: number }> {
    const tz = io.tz;
    const { rows } = await repo.listAreas(trx, { statuses: ['published'] });
    const out = { tasks: 0, alerts: 0, resets: 0, rounds: 0, extensions: 0 };
    for (const c of await compute(trx, rows, now)) {
      const a = c.row;
      const s = c.schedule;
      if (!s) continue;
      const set: Partial<repo.AreaRow> = {};
      if (s.lastCase && s.lastCase.caseId !== a.last_case_id && s.lastCase.confirmedAt > Number(a.published_at)) {
        set.last_case_id = s.lastCase.caseId;
        set.last_case_at = s.lastCase.confirmedAt;
        set.lift_task_level = null; // a task made before the reset was premature; a new one follows
        await record(trx, actor, a, 'countdown_reset', {
          reason: s.lastCase.reason,
          details: {
            caseId: s.lastCase.caseId,
            where: s.lastCase.where,
            distanceM: s.lastCase.distanceM,
            dueAt: s.dueAt,
            dueDay: s.dueAt === null ? null : calendarDay(s.dueAt, tz),
          },
          bump: true,
        });
        out.resets++;
      } else if (s.lastCase && !a.last_case_id) {
        set.last_case_id = s.lastCase.caseId;
        set.last_case_at = s.lastCase.confirmedAt;
      }
      // A case near the area, confirmed after its publication: a proposal to extend, decided by a person.
      const known = new Set(c.extensions.map((e) => e.case_id));
      for (const n of c.near) {
        if (known.has(n.caseId) || n.confirmedAt <= Number(a.published_at)) continue;
        out.extensions += await proposeExtension(trx, actor, a, n);
      }
      // The lifting round: a testing campaign over the area on the round's day.
      const round = s.negativeRound;
      if (round && !round.campaignId && now >= startOfDay(round.day, tz)) {
        // One area's round refused by the testing service must not hold up every other area's
        // schedule: its writes are rolled back to a savepoint, and the next run tries again.
        await repo.savepoint(trx, 'zoning_round');
        try {
          const campaign = await createRound(trx, actor, a, c.nodes, round);
          await repo.releaseSavepoint(trx, 'zoning_round');
          set.round_key = roundKey(a, round);
          set.round_campaign_id = campaign.id;
          out.rounds++;
        } catch (err) {
          await repo.rollbackToSavepoint(trx, 'zoning_round');
          await repo.releaseSavepoint(trx, 'zoning_round');
          io.log.warn({ areaId: a.id, code: err instanceof AppError ? err.code : (err as Error).name }, 'zoning: lifting round not created');
        }
      }
      const taskLevel = 'lift_task_level' in set ? set.lift_task_level : a.lift_task_level;
      if (s.due && s.next && taskLevel !== a.level) {
        const unitId = a.owner_unit_id ?? (await hqUnit(trx));
        const toZh = s.next.to === 'lifted' ? '解除' : `降为${RISK_LEVEL_LABELS[s.next.to].zh}`;
        const toEn = s.next.to === 'lifted' ? 'lift' : `step down to ${RISK_LEVEL_LABELS[s.next.to].en.toLowerCase()}`;
        const dueDay = calendarDay(s.dueAt!, tz);
        const roundZh = round ? `，并须第${round.dayNumber}天（${round.day}）区域内全员核酸阴性` : '';
        const roundEn = round ? ` and the day-${round.dayNumber} round of everyone (${round.day}) must be negative` : '';
        const body = `${a.name} 自 ${dueDay} 起已满 ${s.next.daysWithoutNewCase} 天无新增感染者${roundZh}，请执行：${toZh}。 · ${a.name}: ${s.next.daysWithoutNewCase} days without a new infection as of ${dueDay}${roundEn}; ${toEn}.`;
        if (unitId) {
          const step = msg(s.next.to === 'lifted' ? 'zoning.auto.step.lifted' : `zoning.auto.step.${s.next.to}`);
          const common = { area: a.name, day: { day: dueDay }, days: s.next.daysWithoutNewCase, step };
          const task = await io.tasks.create(trx, actor, {
            title: msg('zoning.auto.liftDue.title', { area: a.name, step }),
            subject: { kind: 'area', text: a.name },
            description: round
              ? msg('zoning.auto.liftDueRound.body', { ...common, roundDay: round.dayNumber, roundDate: { day: round.day } })
              : msg('zoning.auto.liftDue.body', common),
            sourceModule: 'zoning',
            sourceEntityType: 'zoning_area',
            sourceEntityId: a.id,
            assigneeUnitId: unitId,
            jurisdictionPath: a.jurisdiction_path,
            priority: 'high',
            dueAt: s.dueAt! + 24 * HOUR,
          });
          set.lift_task_id = task.id;
        }
        set.lift_task_level = a.level;
        await record(trx, actor, a, 'lift_due', { reason: body, details: { dueAt: s.dueAt, dueDay, to: s.next.to, taskId: set.lift_task_id ?? null } });
        out.tasks++;
      }
      if (s.overdue && a.overdue_alert_level !== a.level) {
        const hq = await hqUnit(trx);
        const dueDay = calendarDay(s.dueAt!, tz);
        await io.tasks.notify(trx, actor, {
          ...(hq ? { unitId: hq } : { jurisdictionPath: pathAt(a.jurisdiction_path, 'city') ?? a.jurisdiction_path }),
          title: msg('zoning.auto.overdue.title', { area: a.name }),
          body: msg('zoning.auto.overdue.body', {
            area: a.name,
            day: { day: dueDay },
            step: s.next ? msg(s.next.to === 'lifted' ? 'zoning.auto.step.lifted' : `zoning.auto.step.${s.next.to}`) : '',
          }),
          link: `/zoning/areas/${a.id}`,
          sourceModule: 'zoning',
          sourceEntityType: 'zoning_area',
          sourceEntityId: a.id,
          severity: 'warning',
        });
        set.overdue_alert_level = a.level;
        await record(trx, actor, a, 'overdue', { reason: `应于 ${dueDay} 执行 · due ${dueDay}`, details: { dueAt: s.dueAt, dueDay } });
        out.alerts++;
      }
      if (Object.keys(set).length) await repo.updateArea(trx, a.id, 'published', { ...set, updated_at: now });
    }
    return out;
  }

  /** An extension proposal for a case near an area, with its evidence, and a task to the owner unit to decide it. */
  async function proposeExtension(trx: Tx, actor: Actor, a: repo.AreaRow, n: NearCase): Promise<number> {
    const now = io.clock.now();
    const day = calendarDay(n.confirmedAt, io.tz);
    const text = `病例住址距区域 ${n.distanceM} 米（${day} 确诊），是否延长倒计时由属地决定（一区一策） · A case ${n.distanceM} m from the area (confirmed ${day}); whether to extend the countdown is decided locally`;
    const row: repo.ExtensionRow = {
      id: newId(now),
      area_id: a.id,
      case_id: n.caseId,
      case_confirmed_at: n.confirmedAt,
      distance_m: n.distanceM,
      evidence: JSON.stringify({ text, caseId: n.caseId, distanceM: n.distanceM, confirmedDay: day, preset: a.preset_version }),
      status: 'proposed',
      jurisdiction_path: a.jurisdiction_path,
      created_at: now,
      decided_by: null,
      decided_by_name: null,
      decided_at: null,
      decision_reason: null,
    };
    await repo.insertExtension(trx, row);
    const unitId = a.owner_unit_id ?? (await hqUnit(trx));
    if (unitId) {
      await io.tasks.create(trx, actor, {
        title: msg('zoning.auto.extension.title', { area: a.name }),
        subject: { kind: 'area', text: a.name },
        description: msg('zoning.auto.extension.body', { distance: n.distanceM, day: { day } }),
        sourceModule: 'zoning',
        sourceEntityType: 'zoning_area',
        sourceEntityId: a.id,
        assigneeUnitId: unitId,
        jurisdictionPath: a.jurisdiction_path,
        priority: 'high',
        dueAt: now + 24 * HOUR,
      });
    }
    await record(trx, actor, a, 'extension_proposed', { reason: text, details: { extensionId: row.id, caseId: n.caseId, distanceM: n.distanceM } });
    return 1;
  }

  /**
   * Creates and activates the lifting round: a testing campaign over the area's nodes (everyone in
   * the area; only persons in central quarantine, tested at their facility, are exempt), single tube
   * in sealed areas and 10-in-1 in controlled ones, running the round's day. Through the testing
   * service's campaign API, in this transaction.
   */
  async function createRound(trx: Tx, actor: Actor, a: repo.AreaRow, nodes: readonly Node[], round: LiftingRoundDto) {
    const { testing } = io;
    const tz = io.tz;
    const startsAt = io.clock.now();
    const name = `${a.name} 第${round.dayNumber}天解封核酸（${round.day}）`.slice(0, 100);
    const created = await testing.campaigns.create(trx, SYS, {
      name,
      scopeJurisdictionIds: nodes.map((n) => n.id),
      startsAt,
      // The round's day, or a full day from now when the schedule reaches it late.
      deadlineAt: Math.max(startOfDay(round.day, tz) + ROUND_HOURS * HOUR, startsAt + ROUND_HOURS * HOUR),
      poolSize: ROUND_POOL[a.level],
      exemptStatuses: ROUND_EXEMPT,
    });
    const campaign = await testing.campaigns.activate(trx, SYS, created.id);
    await record(trx, actor, a, 'round_created', {
      reason: `${name} · lifting round of everyone in the area`,
      details: { campaignId: campaign.id, day: round.day, dayNumber: round.dayNumber, poolSize: ROUND_POOL[a.level], target: campaign.targetTotal },
    });
    return campaign;
  }

  return { evaluate };
}
