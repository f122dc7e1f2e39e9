import { makePersons } from '../../../src/server/modules/control/control.test-helpers.js';
import { systemActor } from '../../../src/server/platform/actor.js';
import type { TestApp } from '../db.js';
import type { buildMiniCity } from '../factories.js';

/**
 * Route-matrix fixture for `control_bulk_request`: one pending bulk change in 西陵区 (in scope of the
 * matrix users) and one in 伍家岗区 (out of scope). The bulk threshold is lowered to 1 so that two
 * persons make a bulk request; the requester is the system, so any matrix user may approve.
 */
export default {
  entity: 'control_bulk_request',
  async make(t: TestApp, city: Awaited<ReturnType<typeof buildMiniCity>>): Promise<{ inScope: string; outOfScope: string }> {
    const control = t.deps.services.control;
    const system = systemActor('auth-matrix');
    await control.setBulkThreshold(undefined, system, 1);
    const request = async (street: typeof city.street) => {
      const personIds = await makePersons(t, street, 2);
      const r = await control.requestChange(undefined, system, { personIds, to: 'home_monitored', basis: { type: 'risk_area', id: `matrix-${street.code}` }, reason: '路由权限矩阵测试' });
      if (r.kind !== 'pending') throw new Error('expected a pending bulk request');
      return r.bulkRequest.id;
    };
    return { inScope: await request(city.street), outOfScope: await request(city.otherStreet) };
  },
};
