import type { Deps } from '../../deps.js';
import { inTx, type DbOrTx, type Tx } from '../../db/dialect.js';
import { inScope, scopePrefix, type Actor } from '../../platform/actor.js';
import { addDays, calendarDay } from '../../platform/clock.js';
import { newId } from '../../platform/ids.js';
import { maskName } from '../population/index.js';
import type { createCaseRecords } from './case-records.service.js';
import { CasesErrors } from './cases.errors.js';
import type { createPresetService } from './presets.service.js';
import { provenanceOf, type TravellerCategory } from './presets.schema.js';
import * as repo from './travellers.repository.js';
import type { TravellerDto } from '../../../common/cases.js';
import type { TravellerInput, ArrivalTestInput } from './cases.types.js';

export type { TravellerDto } from '../../../common/cases.js';

/**
 * Travellers (来返、入境、高风险岗位人员): a real control basis (`traveller`) with the schedule the active
 * preset gives their category (the source text named), their arrival tests (落地检) at the city's entry
 * points, and the facts a quarantine stay counts from (the arrival day).
 */
export function createTravellers(deps: Deps, presets: ReturnType<typeof createPresetService>, records: ReturnType<typeof createCaseRecords>) {
  const tz = deps.config.tz;

  async function visible(db: DbOrTx, actor: Actor, id: string): Promise<repo.TravellerRow> {
    const r = await repo.findTraveller(db, id);
    if (!r || !inScope(actor, r.person_path)) throw CasesErrors.TRAVELLER_NOT_FOUND({ id });
    return r;
  }

  async function toDtos(db: DbOrTx, actor: Actor, rows: repo.TravellerRow[]): Promise<TravellerDto[]> {
    if (!rows.length) return [];
    const [tests, briefs] = await Promise.all([
      repo.arrivalTestsOf(
        db,
        rows.map((r) => r.id),
      ),
      deps.services.population.briefs(actor, [...new Set(rows.map((r) => r.person_id))], db),
    ]);
    const out: TravellerDto[] = [];
    for (const r of rows) {
      const preset = await presets.getVersion(r.preset_id, db);
      const category = r.category;
      const rule = preset.params.travellers[category];
      const prov = provenanceOf(preset.params.provenance, `travellers.${category}`);
      const source = !prov
        ? '—'
        : 'text' in prov.entry
          ? `${preset.params.sources[prov.entry.text]?.title ?? prov.entry.text}${prov.entry.clause ? `：${prov.entry.clause}` : ''}`
          : `本地参数 local: ${prov.entry.source}`;
      const hasStay = rule.applies && rule.quarantine.centralDays + rule.quarantine.homeQuarantineDays + rule.quarantine.homeMonitoringDays > 0;
      const stay = hasStay
        ? await deps.services.quarantine
            .plan({ mode: rule.quarantine.centralDays > 0 ? 'central' : 'home', category, exposureDate: r.arrival_day }, db, preset)
            .catch(() => null)
        : null;
      const b = briefs.get(r.person_id);
      out.push({
        id: r.id,
        personId: r.person_id,
        personNameMasked: b ? maskName(b.name) : null,
        jurisdictionPath: r.person_path,
        category,
        origin: r.origin,
        arrivalDay: r.arrival_day,
        entryPoint: r.entry_point,
        preset: { id: r.preset_id, version: r.preset_version },
        schedule: {
          source,
          stay,
          testWindow:
            rule.applies && rule.testWindow
              ? { ...rule.testWindow, byDay: addDays(r.arrival_day, rule.testWindow.withinDays - preset.params.dayCounting.firstDay) }
              : null,
        },
        arrivalTests: (tests.get(r.id) ?? []).map((x) => ({
          id: x.id,
          entryPoint: x.entry_point,
          testedAt: Number(x.tested_at),
          result: x.result,
          resultRef: x.result_ref,
        })),
        createdAt: Number(r.created_at),
      } satisfies TravellerDto);
    }
    return out;
  }

  return {
    /** Registers a traveller under the active preset (422 when the preset has no measure for the category, or the arrival is in the future). Journaled. */
    async register(trx: Tx | undefined, actor: Actor, input: TravellerInput): Promise<TravellerDto> {
      records.requireCap(actor, 'case.manage');
      return inTx(trx ?? deps.db, async (tx) => {
        const path = (await deps.services.population.pathsOf([input.personId], tx)).get(input.personId);
        if (!path || !inScope(actor, path)) throw CasesErrors.CASE_PERSON_NOT_FOUND({ personId: input.personId });
        const now = deps.clock.now();
        const today = calendarDay(now, tz);
        if (input.arrivalDay > today)
          throw CasesErrors.TRAVELLER_ARRIVAL_INVALID(
            { field: 'arrivalDay', arrivalDay: input.arrivalDay, today },
            `arrivalDay ${input.arrivalDay} lies after today ${today}`,
          );
        const preset = await presets.active(tx);
        if (!preset.params.travellers[input.category].applies)
          throw CasesErrors.TRAVELLER_CATEGORY_NOT_APPLICABLE({ field: 'category', category: input.category, preset: preset.label });
        const row: repo.TravellerRow = {
          id: newId(now),
          person_id: input.personId,
          person_path: path,
          category: input.category,
          origin: input.origin.trim(),
          arrival_day: input.arrivalDay,
          entry_point: input.entryPoint?.trim() || null,
          preset_id: preset.id,
          preset_version: preset.label,
          stay_id: null,
          created_by: actor.userId,
          created_at: now,
        };
        await repo.insertTraveller(tx, row);
        await deps.services.journal.append(tx, actor, {
          action: 'cases.traveller.register',
          entityType: 'traveller',
          entityId: row.id,
          jurisdictionPath: path,
          payload: { personId: row.person_id, category: row.category, arrivalDay: row.arrival_day, entryPoint: row.entry_point, presetVersion: preset.label },
        });
        return (await toDtos(tx, actor, [row]))[0]!;
      });
    },

    async get(actor: Actor, id: string, db: DbOrTx = deps.db): Promise<TravellerDto> {
      return (await toDtos(db, actor, [await visible(db, actor, id)]))[0]!;
    },

    async list(
      actor: Actor,
      q: { category?: TravellerCategory; personId?: string; page?: number; pageSize?: number } = {},
      db: DbOrTx = deps.db,
    ): Promise<{ items: TravellerDto[]; total: number }> {
      const prefix = scopePrefix(actor) ?? '/';
      const pageSize = q.pageSize ?? 50;
      const [rows, total] = await Promise.all([
        repo.listTravellers(db, { prefix, category: q.category, personId: q.personId, limit: pageSize, offset: ((q.page ?? 1) - 1) * pageSize }),
        repo.countTravellers(db, { prefix, category: q.category, personId: q.personId }),
      ]);
      return { items: await toDtos(db, actor, rows), total };
    },

    /** Records an arrival test (落地检) at an entry point: when, and the result with its reference. Journaled. */
    async recordArrivalTest(trx: Tx | undefined, actor: Actor, id: string, input: ArrivalTestInput): Promise<TravellerDto> {
      records.requireCap(actor, 'case.manage');
      return inTx(trx ?? deps.db, async (tx) => {
        const r = await visible(tx, actor, id);
        const now = deps.clock.now();
        if (input.testedAt > now)
          throw CasesErrors.TRAVELLER_ARRIVAL_INVALID({ field: 'testedAt', testedAt: input.testedAt, now }, 'testedAt lies in the future');
        const row: repo.ArrivalTestRow = {
          id: newId(now),
          traveller_id: r.id,
          entry_point: input.entryPoint.trim(),
          tested_at: input.testedAt,
          result: input.result ?? null,
          result_ref: input.resultRef?.trim() || null,
          recorded_by: actor.userId,
          created_at: now,
        };
        await repo.insertArrivalTest(tx, row);
        await deps.services.journal.append(tx, actor, {
          action: 'cases.traveller.arrival-test',
          entityType: 'traveller',
          entityId: r.id,
          jurisdictionPath: r.person_path,
          payload: { entryPoint: row.entry_point, testedAt: row.tested_at, result: row.result, resultRef: row.result_ref },
        });
        return (await toDtos(tx, actor, [r]))[0]!;
      });
    },

    /** For quarantine: whose record it is, its category and arrival day (scope-checked; 404 when missing or outside scope). */
    async factsFor(db: DbOrTx, actor: Actor, id: string) {
      const r = await visible(db, actor, id);
      return { personId: r.person_id, exposureDay: r.arrival_day, category: r.category };
    },

    exists: async (db: DbOrTx, id: string) => (await repo.travellerPath(db, id)) !== undefined,
    pathOf: (db: DbOrTx, id: string) => repo.travellerPath(db, id),
  };
}
