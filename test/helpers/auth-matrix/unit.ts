import { buildUnit } from '../factories.js';
import type { MatrixFixture } from './_fixture.js';

/** Units: a community committee under 西陵街道 (in scope) and one under 伍家岗街道 (out of scope). */
const fixture: MatrixFixture = {
  entity: 'unit',
  async make(env, city) {
    const inScope = await buildUnit(env.deps.db, { name: '矩阵测试西陵社区居委会', jurisdiction: city.street, kind: 'community' });
    const outOfScope = await buildUnit(env.deps.db, { name: '矩阵测试伍家岗社区居委会', jurisdiction: city.otherStreet, kind: 'community' });
    return { inScope: inScope.id, outOfScope: outOfScope.id };
  },
};
export default fixture;
