import { systemActor } from '../../../src/server/platform/actor.js';
import { buildUnit } from '../factories.js';
import type { MatrixFixture } from './_fixture.js';

/**
 * Tasks: one about 西陵街道 assigned to a 西陵街道 unit (in scope of the matrix users) and one about
 * 伍家岗街道 assigned to a 伍家岗 unit (out of scope), created through the tasks service.
 */
const fixture: MatrixFixture = {
  entity: 'task',
  async make(env, city) {
    const task = async (street: typeof city.street, unitName: string) => {
      const unit = await buildUnit(env.deps.db, { name: unitName, jurisdiction: street, kind: 'street_office' });
      const t = await env.deps.services.tasks.create(undefined, systemActor('auth-matrix'), {
        title: '路由权限矩阵测试任务',
        sourceModule: 'platform',
        assigneeUnitId: unit.id,
        jurisdictionPath: street.path,
        priority: 'normal',
      });
      return t.id;
    };
    return { inScope: await task(city.street, '矩阵测试西陵街道办'), outOfScope: await task(city.otherStreet, '矩阵测试伍家岗街道办') };
  },
};
export default fixture;
