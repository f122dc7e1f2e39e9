import type { JurisdictionDto } from '../../../common/geo.js';
import type { TestingInputs } from './testing.inputs.js';
import { inTx, type DbOrTx, type Tx } from '../../db/dialect.js';
import { inScope, scopePrefix, type Actor } from '../../platform/actor.js';
import { newId } from '../../platform/ids.js';
import { TestingErrors } from './testing.errors.js';
import * as repo from './testing.repository.js';
import {
  DEFAULT_SITE_RADIUS_M,
  PointGrid,
  READINESS_ASPECTS,
  SEASON_ASPECT,
  seasonAt,
  type ReadinessAspect,
  type Season,
  type SiteKind,
} from './testing.rules.js';
import type { CreateSiteInput, SiteDto, UpdateSiteInput } from './testing.schemas.js';
import { TESTING_SYSTEM, requireCap } from './testing.shared.js';
import { firstItem } from '../../platform/items.js';

/**
 * Sampling sites (社区采样设施): location, kind, lanes, hours, staff, served compounds, the
 * four-season readiness checklist, and the 15-minute circle (compounds with no site near enough).
 */
export function createSiteService(deps: TestingInputs<'db' | 'clock' | 'config', 'geo' | 'journal'>) {
  const { geo, journal } = deps.services;

  async function visible(db: DbOrTx, actor: Actor, id: string): Promise<repo.SiteRow> {
    const s = await repo.findSite(db, id);
    if (!s || !inScope(actor, s.jurisdiction_path)) throw TestingErrors.SITE_NOT_FOUND({ id });
    return s;
  }

  async function toDtos(db: DbOrTx, rows: repo.SiteRow[]): Promise<SiteDto[]> {
    const ids = rows.map((r) => r.id);
    const [compounds, ready, names] = await Promise.all([
      repo.siteCompounds(db, ids),
      repo.readiness(db, ids),
      geo.namesByPath(
        rows.map((r) => r.jurisdiction_path),
        db,
      ),
    ]);
    return rows.map((r) => {
      const readiness = Object.fromEntries(READINESS_ASPECTS.map((a) => [a, null])) as SiteDto['readiness'];
      for (const x of ready.filter((x) => x.site_id === r.id)) {
        readiness[x.aspect as ReadinessAspect] = {
          ready: Number(x.ready) === 1,
          note: x.note,
          checkedBy: { id: x.checked_by, name: x.checked_by_name },
          checkedAt: Number(x.checked_at),
        };
      }
      return {
        id: r.id,
        name: r.name,
        kind: r.kind as SiteKind,
        jurisdiction: { id: r.jurisdiction_id, path: r.jurisdiction_path, name: names.get(r.jurisdiction_path) ?? null },
        location: [Number(r.lng), Number(r.lat)] as [number, number],
        lanes: Number(r.lanes),
        openingHours: JSON.parse(r.opening_hours),
        staff: JSON.parse(r.staff),
        servedCompounds: compounds.filter((c) => c.site_id === r.id).map((c) => ({ id: c.compound_id, path: c.compound_path })),
        readiness,
        active: Number(r.active) === 1,
        createdAt: Number(r.created_at),
        updatedAt: Number(r.updated_at),
      } satisfies SiteDto;
    });
  }

  /** Served compounds: compounds inside the actor's scope. */
  async function compoundsOf(db: DbOrTx, actor: Actor, ids: readonly string[]): Promise<{ id: string; path: string }[]> {
    const nodes = await geo.getMany(ids, db);
    const bad = ids.filter((id) => {
      const n = nodes.find((x) => x.id === id);
      return !n || n.level !== 'compound' || !inScope(actor, n.path);
    });
    if (bad.length) throw TestingErrors.SITE_INVALID({ field: 'servedCompoundIds', compoundIds: bad });
    return nodes.map((n) => ({ id: n.id, path: n.path }));
  }

  /** The node an area query means: a readable node, or the actor's own scope (the city for the whole-city scope). */
  async function area(db: DbOrTx, actor: Actor, jurisdictionId?: string): Promise<JurisdictionDto | undefined> {
    if (jurisdictionId) {
      const n = await geo.getById(jurisdictionId, db);
      if (!n || !inScope(actor, n.path)) throw TestingErrors.JURISDICTION_NOT_FOUND({ jurisdictionId });
      return n;
    }
    if (actor.scopePath !== '/') return (await geo.getManyByPath([actor.scopePath], db))[0];
    return (await geo.list(actor, {}, db))[0];
  }

  return {
    visible,
    area,

    async create(trx: Tx | undefined, actor: Actor, input: CreateSiteInput): Promise<SiteDto> {
      requireCap(actor, 'testing.manage');
      return inTx(trx ?? deps.db, async (tx) => {
        const j = await geo.getById(input.jurisdictionId, tx);
        if (!j || !inScope(actor, j.path)) throw TestingErrors.SITE_INVALID({ field: 'jurisdictionId', jurisdictionId: input.jurisdictionId });
        const compounds = await compoundsOf(tx, actor, input.servedCompoundIds ?? []);
        const now = deps.clock.now();
        const row: repo.SiteRow = {
          id: newId(now),
          name: input.name.trim(),
          kind: input.kind,
          jurisdiction_id: j.id,
          jurisdiction_path: j.path,
          lng: input.location[0],
          lat: input.location[1],
          lanes: input.lanes,
          opening_hours: JSON.stringify(input.openingHours ?? [{ from: '07:00', to: '21:00' }]),
          staff: JSON.stringify(input.staff ?? []),
          active: 1,
          created_by: actor.userId,
          created_at: now,
          updated_at: now,
        };
        await repo.insertSite(tx, row);
        await repo.replaceSiteCompounds(tx, row.id, compounds);
        await journal.append(tx, actor, {
          action: 'testing.site.create',
          entityType: 'testing_site',
          entityId: row.id,
          jurisdictionPath: row.jurisdiction_path,
          payload: { name: row.name, kind: row.kind, lanes: row.lanes, location: input.location, compounds: compounds.length },
        });
        return firstItem(await toDtos(tx, [row]), 'the site');
      });
    },

    async update(trx: Tx | undefined, actor: Actor, id: string, input: UpdateSiteInput): Promise<SiteDto> {
      requireCap(actor, 'testing.manage');
      return inTx(trx ?? deps.db, async (tx) => {
        const s = await visible(tx, actor, id);
        const now = deps.clock.now();
        const patch: Partial<repo.SiteRow> = { updated_at: now };
        if (input.name !== undefined) patch.name = input.name.trim();
        if (input.kind !== undefined) patch.kind = input.kind;
        if (input.location) [patch.lng, patch.lat] = input.location;
        if (input.lanes !== undefined) patch.lanes = input.lanes;
        if (input.openingHours) patch.opening_hours = JSON.stringify(input.openingHours);
        if (input.staff) patch.staff = JSON.stringify(input.staff);
        if (input.active !== undefined) patch.active = input.active ? 1 : 0;
        await repo.updateSite(tx, s.id, patch);
        if (input.servedCompoundIds) await repo.replaceSiteCompounds(tx, s.id, await compoundsOf(tx, actor, input.servedCompoundIds));
        const changed = Object.keys(input);
        await journal.append(tx, actor, {
          action: 'testing.site.update',
          entityType: 'testing_site',
          entityId: s.id,
          jurisdictionPath: s.jurisdiction_path,
          payload: {
            fields: changed,
            ...(input.active !== undefined ? { active: input.active } : {}),
            ...(input.lanes !== undefined ? { lanes: input.lanes } : {}),
          },
        });
        return firstItem(await toDtos(tx, [(await repo.findSite(tx, s.id))!]), 'the site');
      });
    },

    async get(actor: Actor, id: string, db: DbOrTx = deps.db): Promise<SiteDto> {
      return firstItem(await toDtos(db, [await visible(db, actor, id)]), 'the site');
    },

    async list(actor: Actor, f: { jurisdictionId?: string; kind?: string; active?: boolean; limit?: number; offset?: number }, db: DbOrTx = deps.db) {
      const prefix = f.jurisdictionId ? (await area(db, actor, f.jurisdictionId))!.path : scopePrefix(actor);
      const { rows, total } = await repo.listSites(db, { prefix, kind: f.kind, active: f.active, limit: f.limit ?? 50, offset: f.offset ?? 0 });
      return { items: await toDtos(db, rows), total };
    },

    /** Records one aspect of the four-season checklist with who checked it and when. Journaled. */
    async checkReadiness(trx: Tx | undefined, actor: Actor, id: string, input: { aspect: ReadinessAspect; ready: boolean; note?: string }): Promise<SiteDto> {
      requireCap(actor, 'testing.manage');
      return inTx(trx ?? deps.db, async (tx) => {
        const s = await visible(tx, actor, id);
        const now = deps.clock.now();
        await repo.upsertReadiness(tx, {
          site_id: s.id,
          aspect: input.aspect,
          ready: input.ready ? 1 : 0,
          note: input.note?.trim() || null,
          checked_by: actor.userId,
          checked_by_name: actor.name,
          checked_at: now,
        });
        await journal.append(tx, actor, {
          action: 'testing.site.readiness',
          entityType: 'testing_site',
          entityId: s.id,
          jurisdictionPath: s.jurisdiction_path,
          payload: { aspect: input.aspect, ready: input.ready },
        });
        return firstItem(await toDtos(tx, [s]), 'the site');
      });
    },

    /** Active sites not checked ready for a season's aspect (default: the current season in BULWARK_TZ). */
    async notReady(actor: Actor, f: { season?: Season; jurisdictionId?: string }, db: DbOrTx = deps.db) {
      const season = f.season ?? seasonAt(deps.clock.now(), deps.config.tz);
      const aspect = SEASON_ASPECT[season];
      const prefix = f.jurisdictionId ? (await area(db, actor, f.jurisdictionId))!.path : scopePrefix(actor);
      return { season, aspect, items: await toDtos(db, await repo.sitesNotReady(db, prefix, aspect, 2000)) };
    },

    /**
     * The 15-minute circle: compounds of an area whose centroid has no active site within
     * `radiusM` (straight line, haversine). Sites are bucketed in a lat/lng grid with cells of the
     * radius, so each compound is checked against the sites of nine cells, not all of them.
     */
    async uncoveredCompounds(actor: Actor, f: { jurisdictionId?: string; radiusM?: number }, db: DbOrTx = deps.db) {
      const radiusM = f.radiusM ?? DEFAULT_SITE_RADIUS_M;
      const root = await area(db, actor, f.jurisdictionId);
      if (!root) return { radiusM, compounds: 0, sites: 0, items: [] };
      const compounds = (await geo.subtree(TESTING_SYSTEM, root.id, { level: 'compound', limit: 50_000 }, db)).filter((c) => c.centroid);
      if (!compounds.length) return { radiusM, compounds: 0, sites: 0, items: [] };
      let [minLng, minLat, maxLng, maxLat] = [Infinity, Infinity, -Infinity, -Infinity];
      for (const c of compounds) {
        const [lng, lat] = c.centroid!;
        minLng = Math.min(minLng, lng);
        maxLng = Math.max(maxLng, lng);
        minLat = Math.min(minLat, lat);
        maxLat = Math.max(maxLat, lat);
      }
      const maxAbsLat = Math.max(Math.abs(minLat), Math.abs(maxLat));
      const padLat = radiusM / 111_320;
      const padLng = radiusM / (111_320 * Math.max(0.01, Math.cos((Math.min(89, maxAbsLat + padLat) * Math.PI) / 180)));
      // Sites just outside the area still serve its edge compounds.
      const sites = await repo.activeSitesInBox(db, { minLng: minLng - padLng, maxLng: maxLng + padLng, minLat: minLat - padLat, maxLat: maxLat + padLat });
      const grid = new PointGrid<string>(radiusM, maxAbsLat + padLat);
      for (const s of sites) grid.add([Number(s.lng), Number(s.lat)], s.id);
      const items = compounds
        .filter((c) => !grid.nearestWithin(c.centroid!))
        .map((c) => ({ id: c.id, name: c.name, path: c.path, population: c.population, centroid: c.centroid! }));
      return { radiusM, compounds: compounds.length, sites: sites.length, items };
    },
  };
}

export type SiteService = ReturnType<typeof createSiteService>;
