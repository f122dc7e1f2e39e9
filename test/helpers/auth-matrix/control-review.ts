import { systemActor } from '../../../src/server/platform/actor.js';
import type { MatrixFixture } from './_fixture.js';

/**
 * Review records (研判记录): one pending in 西陵区's street (in scope of the matrix users) and one in
 * 伍家岗区's (out of scope). The reviewer is the system, so any matrix user holding
 * `status.approve-bulk` may decide it.
 */
const fixture: MatrixFixture = {
  entity: 'control_review',
  async make(env, city) {
    const reviews = env.deps.services.control.reviews;
    const make = async (street: typeof city.street) =>
      (
        await reviews.create(undefined, systemActor('auth-matrix'), {
          jurisdictionId: street.id,
          subject: '路由权限矩阵对象',
          reason: '路由权限矩阵测试研判',
          evidence: '矩阵测试证据材料',
        })
      ).id;
    return { inScope: await make(city.street), outOfScope: await make(city.otherStreet) };
  },
};
export default fixture;
