import type { RiskLevel, ZoningFeatureProperties, ZoningMapDto } from '../../../common/zoning.js';
import type { DbOrTx } from '../../db/dialect.js';
import type { Actor } from '../../platform/actor.js';
import { addDays, calendarDay, startOfDay } from '../../platform/clock.js';
import * as repo from './zoning.repository.js';
import { highest } from './zoning.rules.js';
import type { AreaReader } from './areas.service.js';
import { MAP_NODE_CAP, SYS, inScopeOrAbove, narrowTo, requireCap, type ZoningInputs } from './zoning.shared.js';

/** The map: effective levels per node on a day (today: the live areas; a past day: rebuilt from the area history). */
export function createMapService(io: Pick<ZoningInputs, 'db' | 'clock' | 'tz' | 'geo'>, reader: Pick<AreaReader, 'compute'>) {
  const { geo } = io;
  const { compute } = reader;

  async function mapOf(actor: Actor, f: { jurisdictionId?: string; date?: string }, db: DbOrTx): Promise<ZoningMapDto> {
    const now = io.clock.now();
    const tz = io.tz;
    const today = calendarDay(now, tz);
    const date = f.date ?? today;
    const asOf = date >= today ? now : startOfDay(addDays(date, 1), tz) - 1;
    const under = await narrowTo(geo, db, actor, f.jurisdictionId, actor.scopePath);
    // The state of every area on that day: its latest history row at or before the end of the day.
    const states = (await repo.stateAsOf(db, asOf)).filter((e) => e.status === 'published' || e.status === 'proposed');
    const areaRows = new Map((await Promise.all(states.map((e) => repo.findArea(db, e.area_id)))).filter((r): r is repo.AreaRow => !!r).map((r) => [r.id, r]));
    const nodeIds = [...new Set(states.flatMap((e) => repo.readJson.nodeIds(e)))];
    const nodes = new Map((await geo.getMany(nodeIds, db)).map((n) => [n.id, n]));
    const flagged = new Set(
      (
        await compute(
          db,
          [...areaRows.values()].filter((r) => r.status === 'proposed' || r.status === 'published'),
        )
      )
        .filter((c) => c.detector.flagged)
        .map((c) => c.row.id),
    );
    const areas = states
      .map((e) => ({
        id: e.area_id,
        name: areaRows.get(e.area_id)?.name ?? '',
        level: e.level,
        status: e.status,
        flagged: flagged.has(e.area_id),
        nodeIds: repo.readJson.nodeIds(e).filter((id) => nodes.get(id)?.path.startsWith(under) || (nodes.get(id) && under.startsWith(nodes.get(id)!.path))),
      }))
      .filter((a) => a.nodeIds.length && inScopeOrAbove(actor, areaRows.get(a.id)?.jurisdiction_path ?? ''));
    const published = areas.filter((a) => a.status === 'published');
    const covered = [...new Set(areas.flatMap((a) => a.nodeIds))].slice(0, MAP_NODE_CAP);
    const features: { type: 'Feature'; geometry: unknown; properties: ZoningFeatureProperties }[] = [];
    for (const id of covered) {
      const n = nodes.get(id)!;
      const over = published.filter((a) => a.nodeIds.some((x) => n.path.startsWith(nodes.get(x)!.path)));
      const eff = highest(over.map((a) => a.level));
      const fc = await geo.geojson(SYS, { rootId: n.id, level: n.level, cap: 1 }, db);
      const props = {
        jurisdictionId: n.id,
        name: n.name,
        level: n.level,
        effectiveLevel: (eff ?? 'low') as RiskLevel,
        areaIds: areas.filter((a) => a.nodeIds.includes(id)).map((a) => a.id),
        flagged: areas.some((a) => a.flagged && a.nodeIds.includes(id)),
      };
      if (!eff && !areas.some((a) => a.status === 'proposed' && a.nodeIds.includes(id))) continue;
      features.push({ type: 'Feature', geometry: fc.features[0]?.geometry ?? null, properties: props });
    }
    return {
      date,
      asOf,
      areas,
      features: { type: 'FeatureCollection' as const, features },
      truncated: covered.length < new Set(areas.flatMap((a) => a.nodeIds)).size,
    } satisfies ZoningMapDto;
  }

  return {
    /** Effective levels on a day (today: the live areas; a past day: rebuilt from the area history). */
    async map(actor: Actor, f: { jurisdictionId?: string; date?: string } = {}, db: DbOrTx = io.db): Promise<ZoningMapDto> {
      requireCap(actor, 'area.read');
      return mapOf(actor, f, db);
    },
  };
}
