import { describe, expect, it } from 'vitest';
import { area, boxInRing, clipRingHalfPlane, clipRingToConvex, pointInRing, rect, simplifyRing, type Ring } from './geometry.js';

/** A "U": two prongs joined at the bottom (area 5 × 1 + 2 × 1 × 3 = 11). */
const U: Ring = [
  [0, 0],
  [5, 0],
  [5, 4],
  [4, 4],
  [4, 1],
  [1, 1],
  [1, 4],
  [0, 4],
];

describe('clipping rings of any shape', () => {
  it('splits a concave ring into the pieces on the kept side, losing no area', () => {
    const top = clipRingHalfPlane(U, 0, -1, -2); // y ≥ 2: the two prongs
    expect(top).toHaveLength(2);
    expect(top.map(area).sort()).toEqual([2, 2]);
    const bottom = clipRingHalfPlane(U, 0, 1, 2); // y ≤ 2: one piece
    expect(bottom).toHaveLength(1);
    expect(area(bottom[0])).toBeCloseTo(7, 12);
    expect(area(U)).toBe(11);
    expect(clipRingHalfPlane(U, 0, 1, 10)).toEqual([U]);
    expect(clipRingHalfPlane(U, 0, 1, -1)).toEqual([]);
  });

  it('clips to a convex window, largest piece first, each piece inside both', () => {
    const window: Ring = [
      [-1, 2],
      [6, 2],
      [6, 3.5],
      [-1, 3.5],
    ];
    const pieces = clipRingToConvex(U, window);
    expect(pieces.map(area)).toEqual([1.5, 1.5]);
    for (const p of pieces) for (const v of p) expect(v[1] >= 2 && v[1] <= 3.5 && v[0] >= 0 && v[0] <= 5).toBe(true);
    const [left] = clipRingToConvex(U, [
      [-1, 2],
      [2, 2],
      [2, 3],
      [-1, 3],
    ]);
    expect(area(left)).toBe(1);
    expect(pointInRing([0.5, 2.5], left)).toBe(true);
  });

  it('tells a box inside a concave ring from one that spans its notch', () => {
    expect(boxInRing([0.2, 0.2, 4.8, 0.8], U)).toBe(true);
    expect(boxInRing([0.2, 0.2, 0.8, 3.8], U)).toBe(true);
    // All four corners inside, but the notch between the prongs cuts through it.
    expect(boxInRing([0.5, 3, 4.5, 3.5], U)).toBe(false);
    expect(rect(0, 0, 1, 1)).toHaveLength(4);
  });
});

describe('simplifyRing', () => {
  it('drops vertices within the tolerance of their neighbours’ line and keeps the corners', () => {
    // A unit square with extra points along its sides, 0.001 off the line at most.
    const ring: [number, number][] = [
      [0, 0],
      [0.5, 0.001],
      [1, 0],
      [0.999, 0.5],
      [1, 1],
      [0.5, 1],
      [0, 1],
      [0.001, 0.5],
    ];
    expect(simplifyRing(ring, 0.01)).toEqual([
      [0, 0],
      [1, 0],
      [1, 1],
      [0, 1],
    ]);
    // Below the points' offsets only [0.5, 1], exactly on its side, goes.
    expect(simplifyRing(ring, 0.0001)).toEqual(ring.filter(([x, y]) => !(x === 0.5 && y === 1)));
    // A ring smaller than the tolerance stays a triangle, not nothing.
    expect(simplifyRing(ring, 10)).toHaveLength(3);
  });
});
