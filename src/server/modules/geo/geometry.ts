/**
 * Small planar geometry on [lng, lat] rings, enough to partition a convex polygon into convex
 * children that tile it exactly (Voronoi cells clipped to the parent) and to test the result.
 * Distances are in degrees; at Yichang's latitude that distortion does not matter for tiling.
 */

export type Pt = [number, number];
/** An open ring (first vertex not repeated), counter-clockwise. */
export type Ring = Pt[];

/** GeoJSON precision: 6 decimals ≈ 0.1 m. */
export function roundPt(p: Pt): Pt {
  return [Math.round(p[0] * 1e6) / 1e6, Math.round(p[1] * 1e6) / 1e6];
}

/** Rounds a ring and drops vertices that became duplicates or collinear slivers. */
export function roundRing(r: Ring): Ring {
  const out: Ring = [];
  for (const p of r.map(roundPt)) {
    const last = out[out.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) out.push(p);
  }
  while (out.length > 1 && out[0][0] === out[out.length - 1][0] && out[0][1] === out[out.length - 1][1]) out.pop();
  return out;
}

/** Signed area (positive when counter-clockwise). */
export function signedArea(r: Ring): number {
  let a = 0;
  for (let i = 0; i < r.length; i++) {
    const [x1, y1] = r[i];
    const [x2, y2] = r[(i + 1) % r.length];
    a += x1 * y2 - x2 * y1;
  }
  return a / 2;
}

export function area(r: Ring): number {
  return Math.abs(signedArea(r));
}

/** Area-weighted centroid (the vertex mean for a degenerate ring). */
export function centroid(r: Ring): Pt {
  const a = signedArea(r);
  if (Math.abs(a) < 1e-18) {
    const n = r.length || 1;
    return [r.reduce((s, p) => s + p[0], 0) / n, r.reduce((s, p) => s + p[1], 0) / n];
  }
  let cx = 0;
  let cy = 0;
  for (let i = 0; i < r.length; i++) {
    const [x1, y1] = r[i];
    const [x2, y2] = r[(i + 1) % r.length];
    const f = x1 * y2 - x2 * y1;
    cx += (x1 + x2) * f;
    cy += (y1 + y2) * f;
  }
  return [cx / (6 * a), cy / (6 * a)];
}

export function bbox(r: Ring): [number, number, number, number] {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const [x, y] of r) {
    if (x < minX) minX = x;
    if (y < minY) minY = y;
    if (x > maxX) maxX = x;
    if (y > maxY) maxY = y;
  }
  return [minX, minY, maxX, maxY];
}

/** Ray-casting point-in-polygon (boundary points may go either way; use `distanceToBoundary`). */
export function pointInRing(p: Pt, r: Ring): boolean {
  let inside = false;
  for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
    const [xi, yi] = r[i];
    const [xj, yj] = r[j];
    if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function distToSegment(p: Pt, a: Pt, b: Pt): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2));
  return Math.hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy));
}

/** Shortest distance from a point to a ring's edges. */
export function distanceToBoundary(p: Pt, r: Ring): number {
  let d = Infinity;
  for (let i = 0; i < r.length; i++) d = Math.min(d, distToSegment(p, r[i], r[(i + 1) % r.length]));
  return d;
}

/**
 * Clips a convex ring to the half-plane a·x + b·y ≤ c (Sutherland–Hodgman, one edge).
 * The result is convex and lies inside the input.
 */
export function clipHalfPlane(r: Ring, a: number, b: number, c: number): Ring {
  const out: Ring = [];
  const f = (p: Pt) => a * p[0] + b * p[1] - c;
  for (let i = 0; i < r.length; i++) {
    const p = r[i];
    const q = r[(i + 1) % r.length];
    const fp = f(p);
    const fq = f(q);
    if (fp <= 0) out.push(p);
    if ((fp < 0 && fq > 0) || (fp > 0 && fq < 0)) {
      const t = fp / (fp - fq);
      out.push([p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])]);
    }
  }
  return out;
}

/**
 * The Voronoi cells of `seeds` inside a convex `parent`: cell i is the parent clipped by the
 * bisector half-plane towards every other seed. Cells are convex, cover the parent and do not
 * overlap (adjacent cells share the bisector). With `weights` it is a power diagram (a seed with a
 * larger weight gets a larger cell; the cells still tile the parent) — a cell can then be empty.
 */
export function voronoiCells(parent: Ring, seeds: readonly Pt[], weights?: readonly number[]): Ring[] {
  return seeds.map((s, i) => {
    let cell = parent;
    for (let j = 0; j < seeds.length && cell.length > 0; j++) {
      if (j === i) continue;
      const t = seeds[j];
      const dw = weights ? weights[i] - weights[j] : 0;
      // |x - s|² - w_s ≤ |x - t|² - w_t  ⇔  2(t - s)·x ≤ |t|² - |s|² + w_s - w_t
      cell = clipHalfPlane(cell, 2 * (t[0] - s[0]), 2 * (t[1] - s[1]), t[0] * t[0] + t[1] * t[1] - s[0] * s[0] - s[1] * s[1] + dw);
    }
    return cell;
  });
}

/** An axis-aligned rectangle as a counter-clockwise ring. */
export function rect(minX: number, minY: number, maxX: number, maxY: number): Ring {
  return [
    [minX, minY],
    [maxX, minY],
    [maxX, maxY],
    [minX, maxY],
  ];
}

/** A GeoJSON Polygon (closed ring) from an open ring. */
export function toPolygon(r: Ring): { type: 'Polygon'; coordinates: Pt[][] } {
  return { type: 'Polygon', coordinates: [[...r, r[0]]] };
}

/** The outer ring of a GeoJSON Polygon, opened. */
export function fromPolygon(g: { type: string; coordinates: Pt[][] }): Ring {
  const ring = g.coordinates[0].slice();
  const first = ring[0];
  const last = ring[ring.length - 1];
  if (ring.length > 1 && first[0] === last[0] && first[1] === last[1]) ring.pop();
  return ring;
}

/**
 * Clips a simple ring of any shape (concave allowed) to the half-plane a·x + b·y ≤ c and returns
 * the pieces, each a simple ring: a concave ring can fall apart into several. The boundary is
 * walked with the crossing points inserted; the crossings, sorted along the line, pair up into the
 * stretches of the line that lie inside the ring, and a walk that leaves the half-plane at one
 * crossing continues from its partner. A vertex exactly on the line counts as inside.
 */
export function clipRingHalfPlane(r: Ring, a: number, b: number, c: number): Ring[] {
  const n = r.length;
  if (n < 3) return [];
  const f = r.map((p) => a * p[0] + b * p[1] - c);
  const inside = f.map((v) => v <= 0);
  if (inside.every(Boolean)) return [r];
  if (!inside.some(Boolean)) return [];
  interface Node {
    p: Pt;
    /** 'v' a vertex kept; 'out' a crossing leaving the half-plane; 'in' one entering it. */
    kind: 'v' | 'out' | 'in';
    t: number;
    partner?: number;
  }
  const seq: Node[] = [];
  const tOf = (p: Pt) => -b * p[0] + a * p[1];
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    if (inside[i]) seq.push({ p: r[i], kind: 'v', t: 0 });
    if (inside[i] !== inside[j]) {
      const s = f[i] / (f[i] - f[j]);
      const p: Pt = [r[i][0] + s * (r[j][0] - r[i][0]), r[i][1] + s * (r[j][1] - r[i][1])];
      seq.push({ p, kind: inside[i] ? 'out' : 'in', t: tOf(p) });
    }
  }
  const crossings = seq.map((x, i) => i).filter((i) => seq[i].kind !== 'v');
  crossings.sort((x, y) => seq[x].t - seq[y].t || x - y);
  for (let k = 0; k + 1 < crossings.length; k += 2) {
    const [x, y] = [crossings[k], crossings[k + 1]];
    if (seq[x].kind === seq[y].kind) return [clipHalfPlane(r, a, b, c)].filter((q) => q.length >= 3); // not simple: one ring
    seq[x].partner = y;
    seq[y].partner = x;
  }
  const used = new Set<number>();
  const out: Ring[] = [];
  for (let start = 0; start < seq.length; start++) {
    if (used.has(start) || seq[start].kind === 'out') continue;
    const ring: Ring = [];
    let i = start;
    for (let guard = 0; guard <= seq.length && !used.has(i); guard++) {
      used.add(i);
      ring.push(seq[i].p);
      if (seq[i].kind === 'out') {
        // Along the line to the partner (an entering crossing), then on along the boundary.
        i = seq[i].partner!;
        if (used.has(i)) break;
        used.add(i);
        ring.push(seq[i].p);
      }
      i = (i + 1) % seq.length;
    }
    if (ring.length >= 3 && area(ring) > 0) out.push(ring);
  }
  return out;
}

/** A ring of any shape clipped to a convex ring (counter-clockwise): the pieces, largest first. */
export function clipRingToConvex(subject: Ring, convex: Ring): Ring[] {
  let pieces: Ring[] = [subject];
  for (let i = 0; i < convex.length && pieces.length; i++) {
    const p = convex[i];
    const q = convex[(i + 1) % convex.length];
    // Inside a counter-clockwise ring is left of each edge: cross(q - p, x - p) ≥ 0.
    const a = q[1] - p[1];
    const b = -(q[0] - p[0]);
    const c = a * p[0] + b * p[1];
    pieces = pieces.flatMap((s) => clipRingHalfPlane(s, a, b, c));
  }
  return pieces.sort((x, y) => area(y) - area(x));
}

/** Whether segments pq and rs cross or touch. */
export function segmentsIntersect(p: Pt, q: Pt, r: Pt, s: Pt): boolean {
  const o = (a: Pt, b: Pt, c: Pt) => Math.sign((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]));
  const on = (a: Pt, b: Pt, c: Pt) =>
    Math.min(a[0], b[0]) <= c[0] && c[0] <= Math.max(a[0], b[0]) && Math.min(a[1], b[1]) <= c[1] && c[1] <= Math.max(a[1], b[1]);
  const [d1, d2, d3, d4] = [o(p, q, r), o(p, q, s), o(r, s, p), o(r, s, q)];
  if (d1 !== d2 && d3 !== d4) return true;
  return (d1 === 0 && on(p, q, r)) || (d2 === 0 && on(p, q, s)) || (d3 === 0 && on(r, s, p)) || (d4 === 0 && on(r, s, q));
}

/** Whether an axis-aligned box [x0, y0, x1, y1] lies inside a ring of any shape (corners inside, no edge crossing). */
export function boxInRing(box: readonly [number, number, number, number], r: Ring): boolean {
  const corners = rect(box[0], box[1], box[2], box[3]);
  if (!corners.every((p) => pointInRing(p, r))) return false;
  for (let i = 0; i < r.length; i++) {
    const p = r[i];
    const q = r[(i + 1) % r.length];
    if (Math.max(p[0], q[0]) < box[0] || Math.min(p[0], q[0]) > box[2] || Math.max(p[1], q[1]) < box[1] || Math.min(p[1], q[1]) > box[3]) continue;
    for (let k = 0; k < 4; k++) if (segmentsIntersect(p, q, corners[k], corners[(k + 1) % 4])) return false;
  }
  return true;
}

/**
 * Douglas–Peucker simplification of an open ring: drops vertices closer than `tolerance` (degrees)
 * to the line their neighbours make. A ring that would fall below 3 vertices keeps its 3 farthest
 * apart (a tiny node stays a triangle rather than vanishing).
 */
export function simplifyRing(r: Ring, tolerance: number): Ring {
  if (r.length <= 4 || !(tolerance > 0)) return r.slice();
  // Split the ring at its first vertex and the vertex farthest from it; simplify both halves.
  let far = 1;
  let farD = -1;
  for (let i = 1; i < r.length; i++) {
    const d = (r[i][0] - r[0][0]) ** 2 + (r[i][1] - r[0][1]) ** 2;
    if (d > farD) [far, farD] = [i, d];
  }
  const keep = new Uint8Array(r.length);
  keep[0] = 1;
  keep[far] = 1;
  const stack: [number, number][] = [
    [0, far],
    [far, r.length],
  ];
  const at = (i: number): Pt => r[i % r.length];
  while (stack.length) {
    const [a, b] = stack.pop()!;
    if (b - a < 2) continue;
    const [p, q] = [at(a), at(b)];
    let best = -1;
    let bestD = -1;
    for (let i = a + 1; i < b; i++) {
      const d = distanceToSegment(r[i], p, q);
      if (d > bestD) [best, bestD] = [i, d];
    }
    if (bestD > tolerance) {
      keep[best] = 1;
      stack.push([a, best], [best, b]);
    }
  }
  const out = r.filter((_, i) => keep[i] === 1);
  if (out.length >= 3) return out;
  // Everything lay within the tolerance: keep the farthest vertex from the kept chord as the third.
  let third = -1;
  let thirdD = -1;
  for (let i = 0; i < r.length; i++) {
    if (keep[i]) continue;
    const d = distanceToSegment(r[i], r[0], r[far]);
    if (d > thirdD) [third, thirdD] = [i, d];
  }
  return third < 0 ? out : r.filter((_, i) => keep[i] === 1 || i === third);
}

/** Distance (degrees) from p to the segment a–b. */
function distanceToSegment(p: Pt, a: Pt, b: Pt): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2));
  return Math.hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy));
}

/** A GeoJSON Polygon or MultiPolygon as a list of polygons, each a list of closed rings. */
type Polys = Pt[][][];

/**
 * A Polygon or MultiPolygon simplified to `tolerance` degrees (Douglas–Peucker per ring, rounded to
 * 6 decimals). Holes and parts smaller than the tolerance are dropped; the outer ring of each part
 * is kept. Other geometry types come back unchanged.
 */
export function simplifyGeometry<G extends { type: string; coordinates: unknown }>(g: G, tolerance: number): G {
  const polys: Polys | null = g.type === 'Polygon' ? [g.coordinates as Pt[][]] : g.type === 'MultiPolygon' ? (g.coordinates as Polys) : null;
  if (!polys) return g;
  const tiny = (ring: Ring) => {
    const [x0, y0, x1, y1] = bbox(ring);
    return Math.max(x1 - x0, y1 - y0) < tolerance;
  };
  const out: Polys = [];
  for (const poly of polys) {
    const rings: Pt[][] = [];
    poly.forEach((closed, i) => {
      const open = fromPolygon({ type: 'Polygon', coordinates: [closed] });
      if (i > 0 && tiny(open)) return;
      const s = roundRing(simplifyRing(open, tolerance));
      if (s.length >= 3) rings.push([...s, s[0]]);
    });
    if (rings.length && !(polys.length > 1 && tiny(fromPolygon({ type: 'Polygon', coordinates: [rings[0]] })))) out.push(rings);
  }
  if (!out.length) return g;
  return (out.length === 1 ? { ...g, type: 'Polygon', coordinates: out[0] } : { ...g, type: 'MultiPolygon', coordinates: out }) as G;
}
