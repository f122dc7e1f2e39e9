import type { MatrixFixture } from './_fixture.js';

/** Jurisdictions: 西陵区 itself is in scope of the matrix users, 伍家岗区 is not. */
const fixture: MatrixFixture = {
  entity: 'jurisdiction',
  async make(_env, city) {
    return { inScope: city.xiling.id, outOfScope: city.wujiagang.id };
  },
};
export default fixture;
