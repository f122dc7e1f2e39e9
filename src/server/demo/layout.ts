/**
 * Laying the demo city out inside real outlines. A parent of any shape (a county's real, concave
 * boundary; a street cut from it) is split among its children by a Voronoi partition: seeds are
 * spread inside the parent, each seed's convex cell is cut from the parent with
 * `clipRingToConvex`, and the child keeps the largest piece (a cell that crosses a bay of a
 * concave parent can fall into pieces; the small ones are left to nobody). So children lie inside
 * their parent and never overlap each other. Buildings are rectangles placed inside their
 * compound without touching each other; entrances split their building into equal strips.
 * Coordinates are rounded to 6 decimals, and each level is cut from the rounded parent.
 */
import {
  area,
  bbox,
  boxInRing,
  centroid,
  clipRingToConvex,
  distanceToBoundary,
  pointInRing,
  rect,
  roundRing,
  voronoiCells,
  type Pt,
  type Ring,
} from '../modules/geo/geometry.js';
import type { Rng } from './rng.js';

/** Degrees per metre at Yichang's latitude. */
export const LAT_M = 1 / 111_000;
export const LNG_M = 1 / (111_000 * Math.cos((30.7 * Math.PI) / 180));

/** Area of a ring in km². */
export function areaKm2(r: Ring): number {
  return area(r) / (LNG_M * LAT_M) / 1e6;
}

export function randomPointIn(rng: Rng, ring: Ring): Pt {
  const [x0, y0, x1, y1] = bbox(ring);
  for (let i = 0; i < 500; i++) {
    const p: Pt = [rng.range(x0, x1), rng.range(y0, y1)];
    if (pointInRing(p, ring)) return p;
  }
  return interiorCentre(rng, ring);
}

/** A point well inside a ring of any shape: the centroid when it is inside, else the deepest of a few samples. */
export function interiorCentre(rng: Rng, ring: Ring): Pt {
  const c = centroid(ring);
  if (pointInRing(c, ring)) return c;
  const [x0, y0, x1, y1] = bbox(ring);
  let best: Pt = ring[0];
  let bestD = -1;
  for (let i = 0; i < 400; i++) {
    const p: Pt = [rng.range(x0, x1), rng.range(y0, y1)];
    if (!pointInRing(p, ring)) continue;
    const d = distanceToBoundary(p, ring);
    if (d > bestD) [best, bestD] = [p, d];
  }
  return best;
}

/** Mitchell's best-candidate seeds inside a ring (after any `fixed` ones): well spread, deterministic. */
export function spreadSeeds(rng: Rng, ring: Ring, n: number, fixed: readonly Pt[] = []): Pt[] {
  const seeds: Pt[] = [...fixed];
  for (let i = 0; i < n; i++) {
    let best: Pt | null = null;
    let bestD = -1;
    for (let k = 0; k < 12; k++) {
      const c = randomPointIn(rng, ring);
      let d = Infinity;
      for (const s of seeds) d = Math.min(d, Math.hypot((s[0] - c[0]) / LNG_M, (s[1] - c[1]) / LAT_M));
      if (!seeds.length) d = 0;
      if (d > bestD) [best, bestD] = [c, d];
    }
    seeds.push(best!);
  }
  return seeds.slice(fixed.length);
}

/**
 * The part of `parent` nearest each seed (a Voronoi cell cut from the parent; the largest piece),
 * rounded. Seeds must lie inside the parent. A cell left with nothing (rounding on a sliver) gets
 * a tiny square at its seed.
 */
export function cellsInside(parent: Ring, seeds: readonly Pt[]): Ring[] {
  if (seeds.length === 1) return [parent];
  const [x0, y0, x1, y1] = bbox(parent);
  // A frame larger than the parent, so no cell edge runs through a vertex of the parent.
  const m = Math.max(x1 - x0, y1 - y0) * 0.05 + 1e-4;
  const frame = rect(x0 - m, y0 - m, x1 + m, y1 + m);
  return voronoiCells(frame, seeds).map((cell, i) => {
    const piece = clipRingToConvex(parent, cell)
      .map(roundRing)
      .find((r) => r.length >= 3 && area(r) > 0);
    if (piece) return piece;
    const [x, y] = seeds[i];
    return roundRing(rect(x - 2 * LNG_M, y - 2 * LAT_M, x + 2 * LNG_M, y + 2 * LAT_M));
  });
}

/** Splits a ring of any shape into n pieces around well-spread seeds, in a stable north→south, west→east order. */
export function partition(rng: Rng, ring: Ring, n: number): Ring[] {
  if (n <= 1) return [ring];
  const seeds = spreadSeeds(rng, ring, n).sort((p, q) => q[1] - p[1] || p[0] - q[0]);
  return cellsInside(ring, seeds);
}

function overlaps(a: [number, number, number, number], b: [number, number, number, number], gap: number): boolean {
  return a[0] - gap < b[2] && b[0] - gap < a[2] && a[1] - gap < b[3] && b[1] - gap < a[3];
}

/**
 * Places `n` axis-aligned rectangles (w × h metres) inside a ring of any shape without overlaps:
 * a grid around an interior centre for urban blocks, scattered around it for rural houses.
 * Shrinks the footprint when the ring is too small; returns fewer (at least one) when even the
 * smallest footprint does not fit `n` times.
 */
export function placeRects(rng: Rng, poly: Ring, n: number, wM: number, hM: number, scattered: boolean): Ring[] {
  const c = interiorCentre(rng, poly);
  let most: [number, number, number, number][] = [];
  for (let scale = 1; scale > 0.02; scale *= 0.7) {
    const w = wM * scale * LNG_M;
    const h = hM * scale * LAT_M;
    const placed: [number, number, number, number][] = [];
    const fits = (box: [number, number, number, number]) => roundRing(rect(...box)).length === 4 && boxInRing(box, poly);
    if (scattered) {
      const gap = 12 * scale * LNG_M;
      let radius = Math.sqrt(n) * 45 * scale;
      for (let tries = 0; placed.length < n && tries < n * 400; tries++) {
        if (tries > 0 && tries % (n * 50) === 0) radius *= 1.6;
        const ang = rng.range(0, 2 * Math.PI);
        const d = Math.sqrt(rng.next()) * radius;
        const x = c[0] + Math.cos(ang) * d * LNG_M - w / 2;
        const y = c[1] + Math.sin(ang) * d * LAT_M - h / 2;
        const box: [number, number, number, number] = [x, y, x + w, y + h];
        if (!placed.some((b) => overlaps(b, box, gap)) && fits(box)) placed.push(box);
      }
    } else {
      const sx = w + 22 * scale * LNG_M;
      const sy = h + 28 * scale * LAT_M;
      const cells: [number, number][] = [];
      const span = Math.ceil(Math.sqrt(n)) + 6;
      for (let i = -span; i <= span; i++) for (let j = -span; j <= span; j++) cells.push([i, j]);
      cells.sort((p, q) => Math.hypot(p[0], p[1] * 1.4) - Math.hypot(q[0], q[1] * 1.4) || p[0] - q[0] || p[1] - q[1]);
      for (const [i, j] of cells) {
        if (placed.length >= n) break;
        const x = c[0] + i * sx - w / 2;
        const y = c[1] + j * sy - h / 2;
        const box: [number, number, number, number] = [x, y, x + w, y + h];
        if (fits(box)) placed.push(box);
      }
      // Order rows north→south, then west→east, so 1栋 is at the north-west.
      placed.sort((p, q) => Math.round((q[1] - p[1]) / sy) || p[0] - q[0]);
    }
    if (placed.length >= n) return placed.map((b) => roundRing(rect(...b)));
    if (placed.length > most.length) most = placed;
  }
  if (most.length) return most.map((b) => roundRing(rect(...b)));
  // Nothing fits even at the smallest footprint (a sliver): one small house at the centre.
  return [roundRing(rect(c[0] - 1e-5, c[1] - 1e-5, c[0] + 1e-5, c[1] + 1e-5))];
}

/** Splits a rectangle (as placed) into k equal strips along its longer side. */
export function strips(r: Ring, k: number): Ring[] {
  const [x0, y0, x1, y1] = bbox(r);
  const out: Ring[] = [];
  for (let i = 0; i < k; i++) {
    const a = x0 + ((x1 - x0) * i) / k;
    const b = i === k - 1 ? x1 : x0 + ((x1 - x0) * (i + 1)) / k;
    out.push(roundRing(rect(a, y0, b, y1)));
  }
  return out;
}
