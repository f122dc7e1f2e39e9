import { msg } from '../../../common/message-text.js';
import { inTx, type DbOrTx } from '../../db/dialect.js';
import { inScope, scopePrefix, type Actor } from '../../platform/actor.js';
import { addDays, calendarDay, startOfDay } from '../../platform/clock.js';
import { Errors } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { PresetParams } from '../cases/index.js';
import { maskName } from '../population/index.js';
import { dayNumber, PHASE_STATUS, planStay } from './quarantine.plan.js';
import * as repo from './quarantine.repository.js';
import type { StayCategory } from '../../../common/quarantine.js';
import type { StayDto, StayPlanDto } from './quarantine.schemas.js';
import type { QuarantineFacilitiesTable, QuarantineRoomsTable, QuarantineStaysTable, QuarantineTestsTable } from './quarantine.table.js';
import type { QuarantineFacilities } from './quarantine-facilities.service.js';
import type { QuarantinePhases } from './quarantine-phases.service.js';
import {
  DAY_RE,
  exposureAfterPlacement,
  QuarantineErrors,
  ruleOf,
  stayDto as toStayDto,
  visibleFacility,
  visibleStay,
  type ActivePreset,
  type AssignInput,
  type BasisFactsSource,
  type PresetSource,
  type QuarantineInputs,
} from './quarantine.shared.js';

/** The paths from the root down to `path` (`/a/b/` → `/a/`, `/a/b/`). */
function prefixesOf(path: string): string[] {
  const parts = path.split('/').filter(Boolean);
  return parts.map((_, i) => `/${parts.slice(0, i + 1).join('/')}/`);
}

export type StaysDeps = Pick<
  QuarantineInputs,
  | 'db'
  | 'clock'
  | 'tz'
  | 'journal'
  | 'tasks'
  | 'control'
  | 'personPaths'
  | 'personBriefs'
  | 'placesByPath'
  | 'nearestUnit'
  | 'activePreset'
  | 'basisFacts'
  | 'basisPlaced'
> & {
  facilities: Pick<QuarantineFacilities, 'setRoom'>;
  phases: Pick<QuarantinePhases, 'schedulePhaseEnd'>;
};

/**
 * Placement (安置): the stay the active preset gives (plan), the assignment to a room or to home
 * quarantine with its control status, test days as tasks (late arrivals get an admission test) and
 * the first phase-end job, and the stay reads with masked names.
 */
export function createQuarantineStays(deps: StaysDeps) {
  let presetSource: PresetSource | null = null;
  let basisFacts: BasisFactsSource | null = null;
  const tz = deps.tz;
  const stayDto = (r: QuarantineStaysTable, tests: QuarantineTestsTable[]) => toStayDto(r, tests, deps.clock.now(), deps.tz);
  const setRoom = deps.facilities.setRoom;
  const schedulePhaseEnd = deps.phases.schedulePhaseEnd;

  /** The city's active preset from the cases module (`version` is its `key@vN` label), unless a test replaced the source. */
  async function activePreset(trx?: DbOrTx): Promise<ActivePreset> {
    if (presetSource) return presetSource(trx);
    return deps.activePreset(trx);
  }

  /** Adds the person's masked name, the facility name and the room number to stays being read. */
  async function labelled(actor: Actor, items: StayDto[], db: DbOrTx): Promise<StayDto[]> {
    if (!items.length) return items;
    const uniq = (xs: (string | null)[]) => [...new Set(xs.filter((x): x is string => !!x))];
    const [briefs, labels] = await Promise.all([
      deps.personBriefs(actor, uniq(items.map((s) => s.personId)), db),
      repo.labelsOf(db, uniq(items.map((s) => s.facilityId)), uniq(items.map((s) => s.roomId))),
    ]);
    // A home stay's place: the residence written to building level (小区 · 栋), never the entrance
    // or room, as the other lists mask addresses.
    const homePaths = uniq(items.filter((s) => s.mode === 'home').map((s) => briefs.get(s.personId)?.path ?? null));
    const nodes = homePaths.length ? await deps.placesByPath(uniq(homePaths.flatMap(prefixesOf)), db) : [];
    const byPath = new Map(nodes.map((n) => [n.path, n]));
    const homePlace = (path: string): string | null => {
      const chain = prefixesOf(path)
        .map((p) => byPath.get(p))
        .filter((n): n is NonNullable<typeof n> => !!n);
      const at = chain.findIndex((n) => n.level === 'building');
      const shown = at >= 0 ? chain.slice(Math.max(0, at - 1), at + 1) : chain.slice(-2);
      return shown.length ? shown.map((n) => n.name).join(' · ') : null;
    };
    return items.map((s) => {
      const b = briefs.get(s.personId);
      return {
        ...s,
        personNameMasked: b ? maskName(b.name) : null,
        facilityName: s.facilityId ? (labels.facilities.get(s.facilityId) ?? null) : null,
        roomNumber: s.roomId ? (labels.rooms.get(s.roomId) ?? null) : null,
        homePlace: s.mode === 'home' && b ? homePlace(b.path) : null,
      };
    });
  }

  /** The stay the active preset gives for a mode and category from an exposure day (no scope, no write). */
  async function planFor(
    input: { mode: 'central' | 'home'; category?: StayCategory | null; exposureDate?: string | null },
    db?: DbOrTx,
    under?: { id: string; key: string; label: string; name: string; params: PresetParams },
  ): Promise<StayPlanDto> {
    const preset = under ? { ...under, version: under.label } : await activePreset(db);
    const category = input.category ?? 'close';
    const firstDay = preset.params.dayCounting.firstDay;
    const exposureDay = input.exposureDate;
    if (!exposureDay) throw QuarantineErrors.QUARANTINE_EXPOSURE_REQUIRED({ field: 'exposureDate' });
    if (!DAY_RE.test(exposureDay)) throw QuarantineErrors.QUARANTINE_EXPOSURE_INVALID({ exposureDate: exposureDay });
    const today = calendarDay(deps.clock.now(), tz);
    if (exposureDay > today) throw exposureAfterPlacement(exposureDay, today);
    const rule = ruleOf(preset.params, category);
    const plan = rule ? planStay(rule, firstDay, input.mode, exposureDay, tz) : null;
    if (!plan?.phases.length) throw QuarantineErrors.QUARANTINE_RULE_EMPTY({ category, preset: preset.version });
    const tests = plan.tests.map((x) => ({ ...x, notApplicable: x.date < today }));
    const late = tests.some((x) => x.notApplicable);
    return {
      preset: { id: preset.id, key: preset.key, version: preset.version, name: preset.name },
      mode: input.mode,
      category,
      firstDay,
      exposureDay,
      ...plan,
      tests,
      placedDay: today,
      admissionTest: late && !tests.some((x) => x.date === today),
    };
  }

  return {
    /** Replaces where the active preset comes from (tests; the cases module is used when present). */
    setPresetSource(fn: PresetSource | null): void {
      presetSource = fn;
    },

    activePreset,

    /** What a stay would be if assigned now (the assign dialog shows the end date and test days first); `under` a given preset version instead of the active one. */
    plan: planFor,

    /**
     * Assigns a person to central (a room of a facility) or home quarantine. The stay is computed from
     * the active preset (recorded with its version), the control status changes through the status
     * guard with the end of the first phase, test days become tasks for the owner unit, and a job is
     * scheduled at each phase boundary.
     */
    async assign(trx: DbOrTx | undefined, actor: Actor, input: AssignInput): Promise<StayDto> {
      const reason = input.reason?.trim();
      if (!reason) throw Errors.REASON_REQUIRED();
      if ((input.mode === 'central') !== !!input.facilityId || (input.mode === 'home' && input.roomId))
        throw QuarantineErrors.QUARANTINE_MODE_INVALID({ mode: input.mode });
      return inTx(trx ?? deps.db, async (t) => {
        const now = deps.clock.now();
        const personPath = (await deps.personPaths([input.personId], t)).get(input.personId);
        if (!personPath || !inScope(actor, personPath)) throw QuarantineErrors.QUARANTINE_PERSON_NOT_FOUND({ personId: input.personId });
        if (await repo.findActiveStayOfPerson(t, input.personId)) throw QuarantineErrors.QUARANTINE_ALREADY_ACTIVE({ personId: input.personId });

        const preset = await activePreset(t);
        // The basis record says whose it is, the category and the last exposure (or arrival) day.
        const facts = await (basisFacts ?? deps.basisFacts)(t, actor, input.basis);
        if (facts?.personId && facts.personId !== input.personId)
          throw QuarantineErrors.QUARANTINE_BASIS_MISMATCH({ basis: input.basis, personId: input.personId });
        const category: StayCategory = input.category ?? facts?.category ?? 'close';
        const rule = ruleOf(preset.params, category);
        const firstDay = preset.params.dayCounting.firstDay;
        const today = calendarDay(now, tz);
        const exposureDay = input.exposureDate ?? facts?.exposureDay ?? null;
        if (!exposureDay) throw QuarantineErrors.QUARANTINE_EXPOSURE_REQUIRED({ field: 'exposureDate', basis: input.basis });
        if (!DAY_RE.test(exposureDay)) throw QuarantineErrors.QUARANTINE_EXPOSURE_INVALID({ field: 'exposureDate', exposureDate: exposureDay });
        if (exposureDay > today) throw exposureAfterPlacement(exposureDay, today);
        const plan = rule ? planStay(rule, firstDay, input.mode, exposureDay, tz) : null;
        if (!plan?.phases.length) throw QuarantineErrors.QUARANTINE_RULE_EMPTY({ category, preset: preset.version });
        const current = plan.phases.find((p) => p.endsAt > now);
        if (!current) throw QuarantineErrors.QUARANTINE_EXPOSURE_INVALID({ exposureDate: exposureDay, endDay: plan.endDay });

        let facility: QuarantineFacilitiesTable | undefined;
        let room: QuarantineRoomsTable | undefined;
        if (input.mode === 'central') {
          facility = await visibleFacility(t, actor, input.facilityId!);
          if (Number(facility.active) !== 1) throw QuarantineErrors.QUARANTINE_FACILITY_INACTIVE({ facilityId: facility.id });
          if (current.phase === 'central') {
            if (input.roomId) {
              room = await repo.findRoom(t, input.roomId);
              if (!room || room.facility_id !== facility.id) throw QuarantineErrors.QUARANTINE_ROOM_NOT_FOUND({ roomId: input.roomId });
              if (!['available', 'occupied'].includes(room.status) || Number(room.occupants) >= Number(room.capacity))
                throw QuarantineErrors.QUARANTINE_ROOM_FULL({ roomId: room.id, status: room.status });
            } else {
              room = await repo.findFreeRoom(t, facility.id);
              if (!room) throw QuarantineErrors.QUARANTINE_NO_FREE_ROOM({ facilityId: facility.id });
            }
            await setRoom(t, room, 'occupied', Number(room.occupants) + 1);
          }
        }
        const owner = facility?.unit_id ? { id: facility.unit_id } : await deps.nearestUnit(facility?.jurisdiction_path ?? personPath, t);

        const stay: QuarantineStaysTable = {
          id: newId(),
          person_id: input.personId,
          person_path: personPath,
          mode: input.mode,
          category,
          facility_id: facility?.id ?? null,
          facility_path: facility?.jurisdiction_path ?? null,
          room_id: room?.id ?? null,
          status: 'active',
          phase: current.phase,
          phases: JSON.stringify(plan.phases),
          basis_type: input.basis.type,
          basis_id: input.basis.id,
          reason,
          preset_id: preset.id,
          preset_key: preset.key,
          preset_version: preset.version,
          first_day: firstDay,
          exposure_day: exposureDay,
          end_day: plan.endDay,
          total_days: plan.totalDays,
          ends_at: plan.endsAt,
          owner_unit_id: owner?.id ?? null,
          overdue_alerted_at: null,
          released_at: null,
          release_reason: null,
          release_override: 0,
          placed_day: today,
          transfer_task_id: null,
          result_task_id: null,
          created_by: actor.userId,
          created_at: now,
          updated_at: now,
        };
        await repo.insertStay(t, stay);
        // A traced contact is usually already under this measure on this very basis (tracing applies
        // it the moment the contact is recorded); the stay then only adds the room and the dates.
        const held = (await deps.control.statusesOf([input.personId], t)).get(input.personId);
        const alreadyHeld = held?.status === PHASE_STATUS[current.phase] && held.basis?.type === input.basis.type && held.basis.id === input.basis.id;
        if (!alreadyHeld)
          await deps.control.applyAutomatic(t, actor, {
            personIds: [input.personId],
            to: PHASE_STATUS[current.phase],
            basis: input.basis,
            reason,
            endsAt: current.endsAt,
            presetVersion: preset.version,
            ifNotAllowed: 'throw',
          });
        // The person now is in quarantine: a contact awaiting placement (待转运) is placed (issue 16).
        await deps.basisPlaced(t, input.basis, PHASE_STATUS[current.phase], now);

        // Contacts found late: test days already past when the person arrives are not applicable
        // (不适用（入住晚于该日）) and an admission test (入住检测) is scheduled at once instead.
        const schedule: { day: number; date: string; dueAt: number; kind: 'scheduled' | 'admission'; notApplicable: boolean }[] = plan.tests.map((x) => ({
          ...x,
          kind: 'scheduled',
          notApplicable: x.date < today,
        }));
        if (schedule.some((x) => x.notApplicable) && !schedule.some((x) => x.date === today)) {
          schedule.push({
            day: dayNumber(exposureDay, firstDay, today),
            date: today,
            dueAt: startOfDay(addDays(today, 1), tz),
            kind: 'admission',
            notApplicable: false,
          });
          schedule.sort((a, b) => a.day - b.day);
        }
        const testRows: QuarantineTestsTable[] = [];
        const brief = (await deps.personBriefs(actor, [input.personId], t)).get(input.personId);
        const subjectName = brief ? maskName(brief.name) : null;
        for (const td of schedule) {
          let taskId: string | null = null;
          if (owner && !td.notApplicable && td.dueAt > now) {
            const what = msg(td.kind === 'admission' ? 'quarantine.auto.admissionTest.title' : 'quarantine.auto.dayTest.title', {
              day: td.day,
              date: { day: td.date },
            });
            const task = await deps.tasks.create(t, actor, {
              // Every test-day task names its person (masked), so a unit's list tells its people apart.
              title: subjectName ? msg('task.auto.about', { what, name: subjectName }) : what,
              subject: subjectName ? { kind: 'person', text: subjectName } : null,
              description: msg('quarantine.auto.test.body', { place: facility ? facility.name : msg('quarantine.auto.homePlace'), date: { day: td.date } }),
              sourceModule: 'quarantine',
              sourceEntityType: 'quarantine_stay',
              sourceEntityId: stay.id,
              assigneeUnitId: owner.id,
              jurisdictionPath: facility?.jurisdiction_path ?? personPath,
              priority: 'normal',
              dueAt: td.dueAt,
            });
            taskId = task.id;
          }
          testRows.push({
            id: newId(),
            stay_id: stay.id,
            day: td.day,
            date: td.date,
            due_at: td.dueAt,
            task_id: taskId,
            result: null,
            recorded_at: null,
            recorded_by: null,
            kind: td.kind,
            not_applicable: td.notApplicable ? 1 : 0,
          });
        }
        await repo.insertTests(t, testRows);
        await schedulePhaseEnd(t, stay.id, current);
        await deps.journal.append(t, actor, {
          action: 'quarantine.stay.create',
          entityType: 'quarantine_stay',
          entityId: stay.id,
          jurisdictionPath: personPath,
          payload: {
            personId: stay.person_id,
            mode: stay.mode,
            category,
            facilityId: stay.facility_id,
            roomId: stay.room_id,
            basis: input.basis,
            presetVersion: preset.version,
            exposureDay,
            exposureFrom: input.exposureDate ? 'entered' : 'basis',
            placedDay: today,
            endDay: plan.endDay,
            phase: current.phase,
            testDays: schedule.filter((x) => !x.notApplicable).map((x) => x.day),
            notApplicableDays: schedule.filter((x) => x.notApplicable).map((x) => x.day),
          },
          reason,
        });
        return stayDto(stay, testRows);
      });
    },

    async getStay(actor: Actor, id: string, db: DbOrTx = deps.db): Promise<StayDto> {
      const s = await visibleStay(db, actor, id);
      return (await labelled(actor, [stayDto(s, await repo.listTests(db, id))], db))[0]!;
    },

    async listStays(
      actor: Actor,
      q: { status?: 'active' | 'released'; facilityId?: string; page?: number; pageSize?: number } = {},
      db: DbOrTx = deps.db,
    ): Promise<{ items: StayDto[]; total: number }> {
      const pageSize = q.pageSize ?? 50;
      const r = await repo.listStays(db, scopePrefix(actor), {
        status: q.status,
        facilityId: q.facilityId,
        limit: pageSize,
        offset: ((q.page ?? 1) - 1) * pageSize,
      });
      const tests = await repo.listTestsOfStays(
        db,
        r.rows.map((s) => s.id),
      );
      const items = r.rows.map((s) => stayDto(s, tests.get(s.id)!));
      return { items: await labelled(actor, items, db), total: r.total };
    },

    /** The cases module tells the stay what a basis record says (its person, category and exposure or arrival day). */
    setBasisFacts(fn: BasisFactsSource | null): void {
      basisFacts = fn;
    },
  };
}
