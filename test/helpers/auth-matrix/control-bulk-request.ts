import { approvedReview, makePersons } from '../../../src/server/modules/control/control.test-helpers.js';
import { systemActor } from '../../../src/server/platform/actor.js';
import type { MatrixFixture } from './_fixture.js';

/**
 * Bulk control-status requests: one pending in 西陵区 (in scope of the matrix users) and one in 伍家岗区
 * (out of scope). The bulk threshold is lowered to 1 so that two persons make a bulk request; the
 * requester is the system, so any matrix user holding `status.approve-bulk` may decide it.
 */
const fixture: MatrixFixture = {
  entity: 'control_bulk_request',
  async make(env, city) {
    const control = env.deps.services.control;
    const system = systemActor('auth-matrix');
    await control.setBulkThreshold(undefined, system, 1);
    const request = async (street: typeof city.street) => {
      const personIds = await makePersons(env, street, 2);
      const r = await control.requestChange(undefined, system, {
        personIds,
        to: 'home_monitored',
        basis: { type: 'manual_review', id: await approvedReview(env, { jurisdictionId: street.id }) },
        reason: '路由权限矩阵测试',
      });
      if (r.kind !== 'pending') throw new Error('expected a pending bulk request');
      return r.bulkRequest.id;
    };
    return { inScope: await request(city.street), outOfScope: await request(city.otherStreet) };
  },
};
export default fixture;
