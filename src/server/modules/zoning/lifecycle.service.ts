import { DEFAULT_MEASURES, LEVEL_CONTROL_STATUS, RISK_LEVEL_LABELS, type AreaDetailDto, type RiskLevel } from '../../../common/zoning.js';
import type { PublishAreaBody, StepAreaBody } from './zoning.schemas.js';
import { inTx, type DbOrTx, type Tx } from '../../db/dialect.js';
import type { Actor } from '../../platform/actor.js';
import { Errors } from '../../platform/errors.js';
import { calendarDay } from '../../platform/clock.js';
import { STRICTNESS, type ControlStatus } from '../control/index.js';
import { ZoningErrors } from './zoning.errors.js';
import * as repo from './zoning.repository.js';
import { highest } from './zoning.rules.js';
import type { AreaRecorder } from './area-events.service.js';
import { roundText, type AreaReader } from './areas.service.js';
import { checkLevel, prefixesOf, requireCap, visibleArea, type Node, type ZoningInputs } from './zoning.shared.js';

/**
 * The life of a published area: publication (the residents take the level's control status),
 * the steps of the lifting schedule (step down, lift), the justification of a flagged area and the
 * decision on a proposal to extend. Also answers control's question which area measure a resident
 * returns to (`areaMeasures`) and testing's which areas stand over a scope (`areaLevelsUnder`).
 */
export function createLifecycleService(io: ZoningInputs, reader: AreaReader, recorder: AreaRecorder) {
  const { control, population, cases } = io;
  const { computeOne, detail } = reader;
  const { record } = recorder;

  /**
   * Puts the residents of the area's nodes under the level's control status, batched through
   * `control.applyAutomatic` (one journal batch entry per status). Persons already under an equal
   * or stricter measure are left as they are (never stepped down by a wider area).
   *
   * WHY AUTOMATIC, NOT A BULK REQUEST: the control service makes manual changes above its threshold
   * wait for a second approver. Here that second person is built in: the area was proposed (by a
   * person or by the platform from case evidence, recorded as proposed_by) and is published by a
   * holder of `area.publish`, recorded as approver and publisher, journaled. Publishing IS the
   * approval step, so the persons follow at once, in the publication's transaction.
   */
  async function applyMeasures(
    trx: Tx,
    actor: Actor,
    a: repo.AreaRow,
    nodes: readonly Node[],
    level: RiskLevel,
    why: string,
  ): Promise<{ applied: number; skipped: number }> {
    const to = LEVEL_CONTROL_STATUS[level];
    if (!to || !nodes.length) return { applied: 0, skipped: 0 };
    const residents = await population.residentsUnder(
      nodes.map((n) => n.path),
      trx,
    );
    const statuses = await control.statusesOf(
      residents.map((r) => r.id),
      trx,
    );
    const personIds = [...statuses.values()].filter((s) => STRICTNESS[s.status] < STRICTNESS[to]).map((s) => s.personId);
    if (!personIds.length) return { applied: 0, skipped: residents.length };
    const r = await control.applyAutomatic(trx, actor, {
      personIds,
      to,
      basis: { type: 'risk_area', id: a.id },
      reason: why,
      presetVersion: a.preset_version,
      ifNotAllowed: 'skip',
    });
    return { applied: r.applied, skipped: residents.length - r.applied };
  }

  /**
   * After a step or lift: persons whose status rests on this area (or on an area already lifted)
   * move to what the published areas still covering them require — the area's new level, another
   * area's level (with that area as basis) — or are released. A person held on a case, contact or
   * tube basis is never touched.
   */
  async function releaseOrStep(
    trx: Tx,
    actor: Actor,
    a: repo.AreaRow,
    nodes: readonly Node[],
    newLevel: RiskLevel | null,
    why: string,
  ): Promise<{ released: number; stepped: number }> {
    // Everyone living here whose status rests on a risk area…
    const residents = await population.residentsUnder(
      nodes.map((n) => n.path),
      trx,
    );
    const held = [
      ...(
        await control.statusesOf(
          residents.map((r) => r.id),
          trx,
        )
      ).values(),
    ].filter((s) => s.basis?.type === 'risk_area' && STRICTNESS[s.status] > 0);
    const basisAreas = new Map((await repo.findAreas(trx, [...new Set(held.map((s) => s.basis!.id))])).map((r) => [r.id, r]));
    /** How strict a measure an area still requires now (0: none; it is lifted, or its level carries no status). */
    const requires = (id: string): number => {
      const r = basisAreas.get(id);
      const st = r && r.status === 'published' ? LEVEL_CONTROL_STATUS[r.level] : null;
      return st ? STRICTNESS[st] : 0;
    };
    // …on this area, or on one that no longer requires what they are under (stepped down or lifted while
    // another area held them at the same status).
    const resting = held
      .filter((s) => s.basis!.id === a.id || requires(s.basis!.id) < STRICTNESS[s.status])
      .map((s) => ({ personId: s.personId, status: s.status }));
    if (!resting.length) return { released: 0, stepped: 0 };
    const paths = await population.pathsOf(
      resting.map((p) => p.personId),
      trx,
    );
    // Published areas (other than this one) covering each person's residence or an ancestor of it.
    const allPrefixes = new Set<string>();
    for (const p of paths.values()) for (const pre of prefixesOf(p)) allPrefixes.add(pre);
    const covering = (await repo.publishedCovering(trx, [...allPrefixes])).filter((c) => c.area_id !== a.id);
    const byTarget = new Map<string, { to: ControlStatus; basisId: string; ids: string[] }>();
    for (const p of resting) {
      const path = paths.get(p.personId);
      if (!path) continue;
      const options: { level: RiskLevel; areaId: string }[] = covering
        .filter((c) => path.startsWith(c.path))
        .map((c) => ({ level: c.level, areaId: c.area_id }));
      if (newLevel) options.push({ level: newLevel, areaId: a.id });
      const top = highest(options.map((o) => o.level));
      const chosen = top ? options.find((o) => o.level === top && LEVEL_CONTROL_STATUS[o.level]) : undefined;
      const to: ControlStatus = chosen ? LEVEL_CONTROL_STATUS[chosen.level]! : 'released';
      if (to === p.status) continue; // already what the remaining areas require
      const basisId = chosen ? chosen.areaId : a.id;
      const key = `${to}|${basisId}`;
      const g = byTarget.get(key);
      if (g) g.ids.push(p.personId);
      else byTarget.set(key, { to, basisId, ids: [p.personId] });
    }
    let released = 0;
    let stepped = 0;
    for (const g of byTarget.values()) {
      const r = await control.applyAutomatic(trx, actor, {
        personIds: g.ids,
        to: g.to,
        basis: { type: 'risk_area', id: g.basisId },
        reason: why,
        presetVersion: a.preset_version,
        ifNotAllowed: 'skip',
      });
      if (g.to === 'released') released += r.applied;
      else stepped += r.applied;
    }
    return { released, stepped };
  }

  return {
    /**
     * The area measure each person returns to when a person measure ends: the strictest published
     * area covering their residence (high → sealed, medium → controlled), with that area as basis.
     * Registered with the control service as its area-measure resolver.
     */
    async areaMeasures(db: DbOrTx, personIds: readonly string[]): Promise<Map<string, { status: 'sealed' | 'controlled'; areaId: string }>> {
      const out = new Map<string, { status: 'sealed' | 'controlled'; areaId: string }>();
      if (!personIds.length) return out;
      const paths = await population.pathsOf(personIds, db);
      const allPrefixes = new Set<string>();
      for (const p of paths.values()) for (const pre of prefixesOf(p)) allPrefixes.add(pre);
      const covering = await repo.publishedCovering(db, [...allPrefixes]);
      if (!covering.length) return out;
      for (const [personId, path] of paths) {
        const over = covering.filter((c) => path.startsWith(c.path));
        const top = highest(over.map((c) => c.level));
        const status = top ? LEVEL_CONTROL_STATUS[top] : null;
        const area = status ? over.find((c) => c.level === top) : undefined;
        if (status && area) out.set(personId, { status, areaId: area.area_id });
      }
      return out;
    },

    /**
     * Publishes a proposed area: the publisher is recorded as approver and publisher; the residents
     * take the level's control status (see applyMeasures); the public list version is bumped. A
     * flagged area needs a justification (recorded).
     */
    async publish(trx: Tx | undefined, actor: Actor, id: string, input: PublishAreaBody = {}): Promise<AreaDetailDto> {
      requireCap(actor, 'area.publish');
      return inTx(trx ?? io.db, async (tx) => {
        const a = await visibleArea(tx, actor, id);
        if (a.status !== 'proposed') throw ZoningErrors.ZONING_NOT_PROPOSED({ id, status: a.status });
        const preset = await cases.presets.active(tx);
        checkLevel(preset, a.level);
        const c = await computeOne(tx, a);
        // No sealing by one person: an area not proposed from evidence, or over control's bulk
        // threshold, is published by someone other than its proposer (as bulk status changes are).
        // A system actor (the demo seeder, scripts) is not a person and has no second.
        if (c.needsSecondPerson && actor.kind === 'user' && actor.userId === a.proposed_by) {
          throw ZoningErrors.ZONING_SECOND_PERSON_REQUIRED({
            proposedBy: a.proposed_by_name,
            source: a.source,
            population: c.detector.population,
            bulkThreshold: await control.bulkThreshold(tx),
          });
        }
        const justification = input.justification?.trim() || null;
        if (c.detector.flagged && !justification)
          throw ZoningErrors.ZONING_JUSTIFICATION_REQUIRED({
            flags: c.detector.flags,
            ratio: c.detector.ratio,
            population: c.detector.population,
            evidenceFootprint: c.detector.evidenceFootprint,
          });
        const now = io.clock.now();
        const set: Partial<repo.AreaRow> = {
          status: 'published',
          published_by: actor.userId,
          published_by_name: actor.name,
          published_at: now,
          level_since: now,
          owner_unit_id: actor.unitId,
          updated_at: now,
          ...(justification ? { justification, justified_by_name: actor.name, justified_at: now } : {}),
        };
        if (!(await repo.updateArea(tx, a.id, 'proposed', set))) throw ZoningErrors.ZONING_NOT_PROPOSED({ id });
        const after = { ...a, ...set };
        const why = `${RISK_LEVEL_LABELS[a.level].zh}「${a.name}」发布 · Risk area published (${a.level})`;
        const m = await applyMeasures(tx, actor, after, c.nodes, a.level, why);
        await record(tx, actor, after, 'published', {
          reason: input.note?.trim() || null,
          details: {
            proposedBy: a.proposed_by_name,
            personsUnderMeasure: m.applied,
            alreadyStricter: m.skipped,
            justification,
            flags: c.detector.flags.map((f) => f.kind),
          },
          bump: true,
        });
        return detail(tx, after);
      });
    },

    /**
     * Executes the next step of the lifting schedule (step down or lift), an explicit act of an
     * `area.publish` holder. Refused before it is due, with an active case inside (unless
     * override + reason); never without the step's negative round (the lifting round campaign:
     * everyone sampled, every result negative; the error names the round) nor, for a low area,
     * while a high or medium area still stands in its county.
     */
    async step(trx: Tx | undefined, actor: Actor, id: string, input: StepAreaBody = {}): Promise<AreaDetailDto> {
      requireCap(actor, 'area.publish');
      const reason = input.reason?.trim() || null;
      const override = !!input.override;
      if (override && !reason) throw Errors.REASON_REQUIRED({ override: true });
      return inTx(trx ?? io.db, async (tx) => {
        const a = await visibleArea(tx, actor, id);
        if (a.status !== 'published') throw ZoningErrors.ZONING_NOT_PUBLISHED({ id, status: a.status });
        const c = await computeOne(tx, a);
        const s = c.schedule!;
        if (!s.next && !override) throw ZoningErrors.ZONING_NO_STEP({ level: a.level, preset: a.preset_version });
        const to: RiskLevel | 'lifted' = s.next?.to ?? 'lifted';
        // The county rule first: an override never lifts a low area while its county has high or medium areas.
        if (s.countyClear && !s.countyClear.clear) {
          throw ZoningErrors.ZONING_COUNTY_NOT_CLEAR({
            areas: s.countyClear.blocking,
            explanation: `本县（市、区）仍有 ${s.countyClear.blocking.length} 个高、中风险区未解除：${s.countyClear.blocking.map((b) => b.name).join('、')} · ${s.countyClear.blocking.length} high or medium area(s) still stand in the county`,
          });
        }
        if (s.next && !s.due && !override) throw ZoningErrors.ZONING_STEP_NOT_DUE({ dueAt: s.dueAt, daysLeft: s.daysLeft, lastCase: s.lastCase });
        if (s.activeCasesInside > 0 && !override)
          throw ZoningErrors.ZONING_ACTIVE_CASE_INSIDE({
            cases: s.activeCasesInside,
            explanation: `区域内仍有 ${s.activeCasesInside} 名治疗中的病例居住，解封需说明理由 · ${s.activeCasesInside} case(s) in treatment live inside; lifting needs override and a reason`,
          });
        if (s.negativeRound && !s.negativeRound.passed) {
          throw ZoningErrors.ZONING_NEGATIVE_ROUND_REQUIRED({ round: s.negativeRound, explanation: roundText(s.negativeRound) });
        }
        const now = io.clock.now();
        const set: Partial<repo.AreaRow> = { updated_at: now };
        const from = a.level;
        const why =
          to === 'lifted'
            ? `风险区「${a.name}」解封 · Risk area lifted`
            : `风险区「${a.name}」由${RISK_LEVEL_LABELS[from].zh}降为${RISK_LEVEL_LABELS[to].zh} · Risk area stepped down to ${to}`;
        let moved: { released: number; stepped: number };
        if (to === 'lifted') {
          Object.assign(set, { status: 'lifted', lifted_by: actor.userId, lifted_by_name: actor.name, lifted_at: now });
          if (!(await repo.updateArea(tx, a.id, 'published', set))) throw ZoningErrors.ZONING_NOT_PUBLISHED({ id });
          moved = await releaseOrStep(tx, actor, a, c.nodes, null, why);
        } else {
          Object.assign(set, {
            level: to,
            level_since: now,
            round_key: null,
            round_campaign_id: null,
            lift_task_level: null,
            overdue_alert_level: null,
            measures: JSON.stringify(DEFAULT_MEASURES[to]),
          });
          if (!(await repo.updateArea(tx, a.id, 'published', set))) throw ZoningErrors.ZONING_NOT_PUBLISHED({ id });
          moved = await releaseOrStep(tx, actor, a, c.nodes, to, why);
        }
        const after = { ...a, ...set };
        // The lift task's work is done: it closes itself, naming the area that stepped.
        await io.tasks.closeForWork(tx, actor, { taskIds: [a.lift_task_id] }, { kind: 'area_stepped', id: a.id });
        await record(tx, actor, after, to === 'lifted' ? 'lifted' : 'stepped', {
          reason,
          details: {
            from,
            to,
            override,
            due: s.due,
            dueAt: s.dueAt,
            activeCasesInside: s.activeCasesInside,
            negativeRound: s.negativeRound,
            countyClear: s.countyClear?.clear ?? null,
            released: moved.released,
            steppedPersons: moved.stepped,
          },
          bump: true,
        });
        return detail(tx, after);
      });
    },

    /** Records why a flagged published area is kept (the 一刀切 detector's requirement). */
    async justify(trx: Tx | undefined, actor: Actor, id: string, justification: string): Promise<AreaDetailDto> {
      requireCap(actor, 'area.publish');
      const text = justification?.trim();
      if (!text) throw Errors.REASON_REQUIRED({ field: 'justification' });
      return inTx(trx ?? io.db, async (tx) => {
        const a = await visibleArea(tx, actor, id);
        if (a.status !== 'published') throw ZoningErrors.ZONING_NOT_PUBLISHED({ id, status: a.status });
        // A typed justification alone never clears the flag of an area that needs a second person.
        const c = await computeOne(tx, a);
        if (c.needsSecondPerson && actor.kind === 'user' && actor.userId === a.proposed_by) {
          throw ZoningErrors.ZONING_SECOND_PERSON_REQUIRED({ proposedBy: a.proposed_by_name, source: a.source, population: c.detector.population });
        }
        const now = io.clock.now();
        const set = { justification: text, justified_by_name: actor.name, justified_at: now, updated_at: now };
        await repo.updateArea(tx, a.id, 'published', set);
        const after = { ...a, ...set };
        await record(tx, actor, after, 'justified', { reason: text });
        return detail(tx, after);
      });
    },

    /**
     * Decides a proposal to extend an area's countdown (a case near it): accepted, the countdown
     * restarts from the case; rejected, it runs on. A reason is required; journaled.
     */
    async decideExtension(
      trx: Tx | undefined,
      actor: Actor,
      id: string,
      extensionId: string,
      input: { accept: boolean; reason: string },
    ): Promise<AreaDetailDto> {
      requireCap(actor, 'area.publish');
      const reason = input.reason?.trim();
      if (!reason) throw Errors.REASON_REQUIRED({ field: 'reason' });
      return inTx(trx ?? io.db, async (tx) => {
        const a = await visibleArea(tx, actor, id);
        const e = await repo.findExtension(tx, extensionId);
        if (!e || e.area_id !== a.id) throw ZoningErrors.ZONING_EXTENSION_NOT_FOUND({ id: extensionId });
        if (e.status !== 'proposed') throw ZoningErrors.ZONING_EXTENSION_DECIDED({ id: extensionId, status: e.status });
        if (a.status !== 'published') throw ZoningErrors.ZONING_NOT_PUBLISHED({ id, status: a.status });
        const now = io.clock.now();
        const status = input.accept ? 'accepted' : 'rejected';
        if (
          !(await repo.decideExtension(tx, e.id, { status, decided_by: actor.userId, decided_by_name: actor.name, decided_at: now, decision_reason: reason }))
        )
          throw ZoningErrors.ZONING_EXTENSION_DECIDED({ id: extensionId });
        // An accepted extension moves the anchor: a lift task made for the old date was premature.
        const set: Partial<repo.AreaRow> = input.accept ? { lift_task_level: null, overdue_alert_level: null, updated_at: now } : { updated_at: now };
        await repo.updateArea(tx, a.id, 'published', set);
        const after = { ...a, ...set };
        const day = calendarDay(Number(e.case_confirmed_at), io.tz);
        await record(tx, actor, after, input.accept ? 'extension_accepted' : 'extension_rejected', {
          reason,
          details: { extensionId: e.id, caseId: e.case_id, distanceM: Number(e.distance_m), caseDay: day },
          bump: input.accept,
        });
        return detail(tx, after);
      });
    },
    /**
     * Nodes of PUBLISHED areas inside any of `paths` or containing one of them, with the area's
     * level and its residents' area measure (high → sealed, medium → controlled). For the testing
     * module: campaigns over risk areas take their pool mode from the area. No scope check (the
     * caller's campaign scope is checked).
     */
    async areaLevelsUnder(
      paths: readonly string[],
      db: DbOrTx = io.db,
    ): Promise<{ path: string; level: RiskLevel; areaId: string; measure: 'sealed' | 'controlled' | null }[]> {
      const above = [...new Set(paths.flatMap((p) => prefixesOf(p)))];
      const rows = [...(await repo.publishedNodesUnder(db, paths)), ...(await repo.publishedCovering(db, above))];
      const seen = new Set<string>();
      return rows
        .filter((r) => (seen.has(`${r.area_id}|${r.path}`) ? false : (seen.add(`${r.area_id}|${r.path}`), true)))
        .map((r) => ({ path: r.path, level: r.level, areaId: r.area_id, measure: LEVEL_CONTROL_STATUS[r.level] ?? null }));
    },
  };
}
