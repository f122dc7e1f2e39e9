import { approvedReview, makePersons } from '../../../src/server/modules/control/control.test-helpers.js';
import { systemActor } from '../../../src/server/platform/actor.js';
import type { MatrixFixture } from './_fixture.js';

/**
 * Pending early-release requests (提前解除申请) of home stays in 西陵街道 (in scope) and 伍家岗街道 (out
 * of scope). The requester is the system, so any matrix user holding `quarantine.release-early` may
 * decide them (a decider is always a second person).
 */
const fixture: MatrixFixture = {
  entity: 'quarantine_release_request',
  async make(env, city) {
    const q = env.deps.services.quarantine;
    const system = systemActor('auth-matrix');
    const make = async (street: typeof city.street) => {
      const [personId] = await makePersons(env, street, 1);
      const stay = await q.assign(undefined, system, {
        personId: personId!,
        mode: 'home',
        basis: { type: 'manual_review', id: await approvedReview(env) },
        reason: '矩阵测试',
        exposureDate: '2026-11-28',
      });
      return (await q.requestEarlyRelease(undefined, system, stay.id, { reason: '路由权限矩阵测试 route matrix' })).id;
    };
    return { inScope: await make(city.street), outOfScope: await make(city.otherStreet) };
  },
};
export default fixture;
