import { makePersons } from '../../../src/server/modules/control/control.test-helpers.js';
import { systemActor } from '../../../src/server/platform/actor.js';
import type { MatrixFixture } from './_fixture.js';

/** Proposed risk areas: one over the street of 西陵区 (in scope) and one in 伍家岗区 (out of scope), each resting on a case there. */
const fixture: MatrixFixture = {
  entity: 'zoning_area',
  async make(env, city) {
    const sys = systemActor('auth-matrix');
    const make = async (street: typeof city.street) => {
      const [personId] = await makePersons(env, street, 1);
      const c = await env.deps.services.cases.cases.create(undefined, sys, { personId, kind: 'confirmed', reason: '路由权限矩阵测试' });
      return (await env.deps.services.zoning.create(undefined, sys, { level: 'high', jurisdictionIds: [street.id], basis: { caseIds: [c.id] } })).id;
    };
    return { inScope: await make(city.street), outOfScope: await make(city.otherStreet) };
  },
};
export default fixture;
