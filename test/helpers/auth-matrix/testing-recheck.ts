import { matrixRecords } from '../../../src/server/modules/testing/testing.test-helpers.js';
import type { MatrixFixture } from './_fixture.js';

/** Testing rechecks: one under 西陵街道 (in the matrix users' scope) and one under 伍家岗街道 (out of it). */
const fixture: MatrixFixture = {
  entity: 'testing_recheck',
  async make(env, city) {
    return { inScope: (await matrixRecords(env, city.street)).recheck, outOfScope: (await matrixRecords(env, city.otherStreet)).recheck };
  },
};
export default fixture;
