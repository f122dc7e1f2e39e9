import type { TestApp } from '../db.js';
import type { buildMiniCity } from '../factories.js';

/** The mini city every route-matrix run builds: 宜昌市, 西陵区 (in scope), 伍家岗区 (out of scope), a street in each. */
export type MiniCity = Awaited<ReturnType<typeof buildMiniCity>>;

/**
 * A route-matrix fixture: one file per entity type in this folder, default-exporting this shape.
 * `make` creates one record of the entity inside 西陵区 (420502; the matrix users' scope) and one inside
 * 伍家岗区 (420503), and returns their ids. Files starting with `_` are not fixtures.
 */
export interface MatrixFixture {
  /** The entity name used in route policies: `scope: { entity: '<this>', … }`. */
  entity: string;
  make(env: TestApp, city: MiniCity): Promise<{ inScope: string; outOfScope: string }>;
}
