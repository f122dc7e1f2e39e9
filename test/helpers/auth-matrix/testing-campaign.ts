import { matrixRecords } from '../../../src/server/modules/testing/testing.test-helpers.js';
import type { MatrixFixture } from './_fixture.js';

/** Testing campaigns: one under 西陵街道 (in the matrix users' scope) and one under 伍家岗街道 (out of it). */
const fixture: MatrixFixture = {
  entity: 'testing_campaign',
  async make(env, city) {
    return { inScope: (await matrixRecords(env, city.street)).campaign, outOfScope: (await matrixRecords(env, city.otherStreet)).campaign };
  },
};
export default fixture;
