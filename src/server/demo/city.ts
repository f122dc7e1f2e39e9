/**
 * The demo city: 宜昌市 (420500) as it is, at any population, generated deterministically (seeded
 * PRNGs: the same seed and size give the same codes, names, shapes and people on every run and on
 * both databases; only the random record ids differ). The parts:
 *   city-data.ts   the real divisions, outlines and population weights (geo-data/), and the zone
 *   layout.ts      streets, communities, compounds and buildings laid out inside the real outlines
 *   households.ts  the synthetic compounds, buildings, households and persons
 *   city.ts        the plan of the whole city, piece by piece, and the loader (this file)
 *
 * Tree and codes:
 *   city      420500, the real outline
 *   district  the 13 real county-level divisions with their real outlines, and the demo's 宜昌高新区
 *             420571 (a local code, not GB/T 2260: its land is carved out of 夷陵区, see city-data.ts)
 *   street    the 113 real streets/towns/townships: 12 digits, the statistical 9 + '000'
 *   community the 1,650 real communities/villages: their 12-digit statistical codes
 *   compound  15 digits: community + 3-digit seq (小区, or a 村民小组 of scattered houses) — synthetic
 *   building  17 digits: compound + 2-digit seq (≤ 99 per compound)
 *   entrance  18 digits: building + 1-digit seq (≤ 9 per building)
 *
 * Residents: `residents` persons (default 30,000) spread over the districts in proportion to their
 * population (geo-data/yichang-population.json), and within a district over its communities. At
 * full scale every community has people; at a demo's scale a community with people must still hold
 * plausible compounds (≥ 200 people), so the people live in the first communities of every street
 * in turn (each street's first community, then each street's second, …) and the rest have no
 * compounds yet. Persons go through the population service's bulk path (validation, encryption,
 * one journal entry per 500 rows, population counters per node per batch).
 */
import type { Deps } from '../deps.js';
import { deferIndexes, restoreDeferredIndexes } from '../db/deferred-indexes.js';
import { inTx } from '../db/dialect.js';
import { systemActor } from '../platform/actor.js';
import { newId } from '../platform/ids.js';
import { bbox, type NewJurisdiction, type Pt, type Ring } from '../modules/geo/index.js';
import type { PersonInput, PlaceRef } from '../modules/population/index.js';
import { yichang, ZONE_ID_REGION, ZONE_SEED, type DistrictSpec, type StreetSpec } from './city-data.js';
import {
  COMPOUND_MAX,
  COMPOUND_MIN,
  COMPOUND_PATTERN,
  compoundCount,
  logNormal,
  node,
  ruralGroup,
  twoPart,
  uniqueNamer,
  urbanCompound,
  URBAN_A,
  URBAN_B,
  type CityPiece,
  type Ctx,
} from './households.js';
import { cellsInside, LAT_M, LNG_M, partition, spreadSeeds } from './layout.js';
import { apportion, clamp, Rng } from './rng.js';

export { COMPOUND_MAX, COMPOUND_MIN, DEMO_REFERENCE_DAY, type CityPiece } from './households.js';
export { areaKm2 } from './layout.js';
export { apportion, Rng } from './rng.js';
export type { DistrictSpec } from './city-data.js';

export interface DemoCityOptions {
  /** Persons to create (residents and a few non-residents). Default 30,000. */
  residents?: number;
  /** PRNG seed. Default 'bulwark-yichang-v1'. */
  seed?: string;
}

export const DEMO_DEFAULT_RESIDENTS = 30_000;

const data = yichang();
/** 宜昌市: code, name, the city centre (西陵区) and the bounds of its real outline. */
export const YICHANG = { code: data.city.code, name: data.city.name, centre: data.city.centre, bounds: bbox(data.city.ring), ring: data.city.ring };
/** The 13 county-level divisions (by code), then 宜昌高新区. */
export const DISTRICTS: readonly DistrictSpec[] = data.districts;

/** The fewest people a community with compounds gets (so its compounds reach their real sizes). */
const COMMUNITY_MIN = COMPOUND_MIN * 1.5;

/** 街道 lie nearest the city centre, then special areas, towns and townships. */
const KIND_RANK = { street: 0, special: 1, town: 2, township: 3 } as const;

/**
 * The outline of each street of a district (in the district's street order), and for 夷陵区 the
 * zone's land: one more cell around ZONE_SEED. The streets nearest the city centre are the 街道.
 */
function streetLayout(spec: DistrictSpec, seed: string, zoneLand?: Ring): { streets: Ring[]; zone?: Ring } {
  const ring = zoneLand ?? spec.ring;
  const rng = new Rng(`${seed}/${spec.code}/streets`);
  const fixed: Pt[] = spec.code === ZONE_ID_REGION ? [ZONE_SEED] : [];
  const seeds = spreadSeeds(rng, ring, spec.streets.length, fixed);
  const dist = (p: Pt) => Math.hypot((p[0] - YICHANG.centre[0]) / LNG_M, (p[1] - YICHANG.centre[1]) / LAT_M);
  const bySeed = seeds.map((p, i) => i).sort((a, b) => dist(seeds[a]) - dist(seeds[b]) || a - b);
  const byStreet = spec.streets.map((s, i) => i).sort((a, b) => KIND_RANK[spec.streets[a].kind] - KIND_RANK[spec.streets[b].kind] || a - b);
  const ordered: Pt[] = new Array(seeds.length);
  byStreet.forEach((si, k) => (ordered[si] = seeds[bySeed[k]]));
  const cells = cellsInside(ring, [...fixed, ...ordered]);
  return { streets: cells.slice(fixed.length), zone: fixed.length ? cells[0] : undefined };
}

/**
 * People per community (by code): the district's share over its communities, each weighted by a
 * plausible size (urban 社区 4,000–9,000, a town's 社区 2,000–5,000, a village 800–2,500), taking
 * communities street by street in turn until each holds at least COMMUNITY_MIN people.
 */
function communityShares(rng: Rng, streets: readonly StreetSpec[], residents: number): Map<string, number> {
  const out = new Map<string, number>();
  if (residents <= 0) return out;
  const order: { code: string; weight: number }[] = [];
  const depth = Math.max(0, ...streets.map((s) => s.communities.length));
  const weight = new Map<string, number>();
  for (const s of streets)
    for (const c of s.communities)
      weight.set(c.code, c.kind === 'village' ? rng.range(800, 2500) : s.kind === 'street' ? rng.range(4000, 9000) : rng.range(2000, 5000));
  for (let i = 0; i < depth; i++)
    for (const s of streets) if (s.communities[i]) order.push({ code: s.communities[i].code, weight: weight.get(s.communities[i].code)! });
  let k = clamp(Math.floor(residents / COMMUNITY_MIN), 1, order.length);
  let shares = apportion(
    residents,
    order.slice(0, k).map((c) => c.weight),
  );
  while (k > 1 && Math.min(...shares) < COMPOUND_MIN + 50) {
    k--;
    shares = apportion(
      residents,
      order.slice(0, k).map((c) => c.weight),
    );
  }
  order.slice(0, k).forEach((c, i) => out.set(c.code, shares[i]));
  return out;
}

/**
 * Plans one district lazily: yields pieces (nodes, then the persons living in them) of about a
 * thousand persons, so even a district of millions never sits in memory at once.
 */
function* planDistrictPieces(
  spec: DistrictSpec,
  ring: Ring,
  streetRings: Ring[],
  cityNode: NewJurisdiction,
  residents: number,
  seed: string,
  ids: { origin: Set<string>; byRegion: Map<string, Set<string>> },
): Generator<CityPiece> {
  const rng = new Rng(`${seed}/${spec.code}`);
  if (!ids.byRegion.has(spec.idRegion)) ids.byRegion.set(spec.idRegion, new Set());
  // A zone shares its ID region with the county it lies in: disjoint sequence numbers keep them apart.
  const seqRange = spec.kind === 'zone' ? ([900, 999] as const) : spec.code === ZONE_ID_REGION ? ([0, 898] as const) : ([0, 999] as const);
  const ctx: Ctx = { rng, nodes: [], pending: [], usedIds: ids.byRegion.get(spec.idRegion)!, originIds: ids.origin, spec, seqRange };
  const take = (min: number): CityPiece | null => {
    if (ctx.pending.length < min || (ctx.pending.length === 0 && ctx.nodes.length === 0)) return null;
    const piece = { district: spec, nodes: ctx.nodes, persons: ctx.pending };
    ctx.nodes = [];
    ctx.pending = [];
    return piece;
  };
  const district = node(ctx, cityNode, spec.code, spec.name, 'district', spec.kind, ring);
  const shares = communityShares(rng, spec.streets, residents);
  for (let si = 0; si < spec.streets.length; si++) {
    const s = spec.streets[si];
    const street = node(ctx, district, s.code, s.name, 'street', s.kind, streetRings[si]);
    const cRings = partition(rng, streetRings[si], s.communities.length);
    const compoundName = uniqueNamer(rng, () => rng.pick(COMPOUND_PATTERN).replace('{}', twoPart(rng, URBAN_A, URBAN_B)));
    for (let ci = 0; ci < s.communities.length; ci++) {
      const c = s.communities[ci];
      const village = c.kind === 'village';
      const community = node(ctx, street, c.code, c.name, 'community', c.kind, cRings[ci]);
      const rC = shares.get(c.code) ?? 0;
      if (rC === 0) continue;
      const groupsN = village ? compoundCount(rC, rng.int(250, 600), 99) : compoundCount(rC, clamp(logNormal(rng, 1200, 0.6), COMPOUND_MIN, COMPOUND_MAX), 999);
      const kRings = partition(rng, cRings[ci], groupsN);
      const sizes = apportion(
        rC,
        kRings.map(() => rng.range(0.8, 1.2)),
      );
      for (let ki = 0; ki < kRings.length; ki++) {
        if (village) ruralGroup(ctx, community, ki + 1, kRings[ki], sizes[ki]);
        else urbanCompound(ctx, community, ki + 1, compoundName(), kRings[ki], sizes[ki]);
        const piece = take(1000);
        if (piece) yield piece;
      }
    }
  }
  const last = take(0);
  if (last) yield last;
}

interface DistrictPlan {
  spec: DistrictSpec;
  nodes: NewJurisdiction[];
  /** Persons in groups that never split a household (one or more whole compounds each). */
  batches: PersonInput[][];
  persons: number;
}

/**
 * Plans the whole city without touching the database: the city node and, lazily, one district at
 * a time (`districts`) or piece by piece (`pieces`, what the loader uses: constant memory at any
 * size). Deterministic for a seed and size.
 */
export function planDemoCity(opts: DemoCityOptions = {}): {
  city: NewJurisdiction;
  residents: number;
  districts: () => Generator<DistrictPlan>;
  pieces: () => Generator<CityPiece>;
} {
  const seed = opts.seed ?? 'bulwark-yichang-v1';
  const residents = Math.max(0, Math.floor(opts.residents ?? DEMO_DEFAULT_RESIDENTS));
  const city: NewJurisdiction = {
    id: newId(),
    code: YICHANG.code,
    name: YICHANG.name,
    level: 'city',
    kind: 'city',
    parentId: null,
    path: `/${YICHANG.code}/`,
    ring: YICHANG.ring,
    population: 0,
  };
  const shares = apportion(
    residents,
    DISTRICTS.map((d) => d.weight),
  );
  // Street outlines first (the zone's land is one more cell of 夷陵区's layout).
  const layouts = new Map<string, { ring: Ring; streets: Ring[] }>();
  let zoneLand: Ring | undefined;
  for (const d of DISTRICTS) {
    if (d.kind === 'zone') continue;
    const l = streetLayout(d, seed);
    layouts.set(d.code, { ring: d.ring, streets: l.streets });
    zoneLand ??= l.zone;
  }
  for (const d of DISTRICTS) if (d.kind === 'zone') layouts.set(d.code, { ring: zoneLand!, streets: streetLayout(d, seed, zoneLand).streets });
  const pieces = function* () {
    const ids = { origin: new Set<string>(), byRegion: new Map<string, Set<string>>() };
    for (let i = 0; i < DISTRICTS.length; i++) {
      const l = layouts.get(DISTRICTS[i].code)!;
      yield* planDistrictPieces(DISTRICTS[i], l.ring, l.streets, city, shares[i], seed, ids);
    }
  };
  return {
    city,
    residents,
    districts: function* () {
      let current: DistrictPlan | undefined;
      for (const p of pieces()) {
        if (current && current.spec.code !== p.district.code) {
          yield current;
          current = undefined;
        }
        current ??= { spec: p.district, nodes: [], batches: [], persons: 0 };
        current.nodes.push(...p.nodes);
        if (p.persons.length) current.batches.push(p.persons);
        current.persons += p.persons.length;
      }
      if (current) yield current;
    },
    pieces,
  };
}

/** Named population sizes of `bulwark city generate --scale`. */
export const CITY_SCALES = { yichang: 4_000_000, shanghai: 25_000_000 } as const;

export interface GenerateProgress {
  /** Persons written so far, and in all. */
  done: number;
  total: number;
  /** What is being written (a district's name). */
  what: string;
  /** Jurisdiction nodes written so far. */
  nodes: number;
}

/**
 * Loads a generated city into an empty database through the fast bulk path: the tree with
 * geometry, households and persons. Each district is one transaction (pieces of about a thousand
 * persons inside it); nodes are journaled per 5,000, persons per 500 (digests), the population
 * counters move once per node per piece. Deterministic: the same seed and size give the same city.
 */
export async function generateCity(
  deps: Deps,
  opts: DemoCityOptions & { onProgress?: (p: GenerateProgress) => void } = {},
): Promise<{ jurisdictions: number; residents: number; households: number }> {
  const existing = await deps.services.geo.count();
  if (existing > 0) throw new Error(`The database already holds ${existing} jurisdictions; generate a city into an empty database`);
  const actor = systemActor('demo');
  const plan = planDemoCity(opts);
  const { geo, population, journal } = deps.services;
  const progress: GenerateProgress = { done: 0, total: plan.residents, what: YICHANG.name, nodes: 1 };
  let households = 0;
  opts.onProgress?.({ ...progress });
  await inTx(deps.db, async (trx) => {
    await geo.insertMany(trx, [plan.city]);
    await journal.appendBatch(trx, actor, {
      action: 'geo.jurisdiction.import',
      entityType: 'jurisdiction',
      jurisdictionPath: plan.city.path,
      rows: [nodeDigestRow(plan.city)],
      summary: { nodes: 1, source: 'demo' },
    });
  });
  // The person and household tables are empty (the database holds no jurisdictions): build their
  // secondary indexes once at the end instead of row by row (see db/deferred-indexes.ts).
  await deferIndexes(deps.db, ['persons', 'households'], deps.clock.now());
  const places = new Map<string, PlaceRef>();
  let pending: CityPiece[] = [];
  const flushDistrict = async () => {
    if (pending.length === 0) return;
    const pieces = pending;
    pending = [];
    await inTx(deps.db, async (trx) => {
      const nodes = pieces.flatMap((p) => p.nodes);
      await geo.insertMany(trx, nodes);
      for (let i = 0; i < nodes.length; i += 5000) {
        await journal.appendBatch(trx, actor, {
          action: 'geo.jurisdiction.import',
          entityType: 'jurisdiction',
          jurisdictionPath: nodes[0].path,
          rows: nodes.slice(i, i + 5000).map(nodeDigestRow),
          summary: { nodes: Math.min(5000, nodes.length - i), source: 'demo' },
        });
      }
      for (const p of pieces) {
        if (p.persons.length === 0) continue;
        const r = await population.bulkLoad(trx, actor, p.persons, places);
        households += r.households;
        progress.done += r.persons;
        opts.onProgress?.({ ...progress, what: `${p.district.name} 居民` });
      }
    });
    progress.nodes += pieces.reduce((s, p) => s + p.nodes.length, 0);
    places.clear();
  };
  // A district's nodes and persons go in together (one transaction), in pieces of at most
  // ~50,000 persons so that a very large district does not build one huge transaction.
  let current: string | null = null;
  let inPending = 0;
  try {
    for (const piece of plan.pieces()) {
      if (current !== piece.district.code || inPending >= 50_000) {
        await flushDistrict();
        current = piece.district.code;
        inPending = 0;
        opts.onProgress?.({ ...progress, what: `${piece.district.name} 辖区` });
      }
      for (const n of piece.nodes) places.set(n.id, { id: n.id, path: n.path, level: n.level, parentId: n.parentId });
      pending.push(piece);
      inPending += piece.persons.length;
    }
    await flushDistrict();
  } catch (err) {
    // What was loaded stays (each piece committed on its own): give it its indexes back.
    await restoreDeferredIndexes(deps.db).catch(() => undefined);
    throw err;
  }
  opts.onProgress?.({ ...progress, what: '建立索引 indexes' });
  await restoreDeferredIndexes(deps.db);
  return { jurisdictions: progress.nodes, residents: progress.done, households };
}

/**
 * Loads the demo city into an empty database (the `demo` command): `generateCity` with the demo's
 * defaults. Progress: `onProgress(done, total, what)` with persons as the unit.
 */
export async function seedDemoCity(
  deps: Deps,
  onProgress?: (done: number, total: number, what: string) => void,
  opts: DemoCityOptions = {},
): Promise<{ jurisdictions: number; residents: number }> {
  const r = await generateCity(deps, { ...opts, onProgress: (p) => onProgress?.(p.done, p.total, p.what) });
  return { jurisdictions: r.jurisdictions, residents: r.residents };
}

function nodeDigestRow(n: NewJurisdiction) {
  return { id: n.id, code: n.code, name: n.name, level: n.level, kind: n.kind, path: n.path, ring: n.ring };
}
