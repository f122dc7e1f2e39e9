import { buildUnit, buildUser } from '../factories.js';
import type { MatrixFixture } from './_fixture.js';

/** Users: a sampler in a 西陵街道 unit (in scope) and one in a 伍家岗街道 unit (out of scope). */
const fixture: MatrixFixture = {
  entity: 'user',
  async make(env, city) {
    const inUnit = await buildUnit(env.deps.db, { name: '矩阵测试西陵采样队', jurisdiction: city.street, kind: 'task_force' });
    const outUnit = await buildUnit(env.deps.db, { name: '矩阵测试伍家岗采样队', jurisdiction: city.otherStreet, kind: 'task_force' });
    const inScope = await buildUser(env.deps.db, { unit: inUnit, roles: ['sampler'] });
    const outOfScope = await buildUser(env.deps.db, { unit: outUnit, roles: ['sampler'] });
    return { inScope: inScope.id, outOfScope: outOfScope.id };
  },
};
export default fixture;
