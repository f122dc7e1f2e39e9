import { makePersons } from '../../../src/server/modules/control/control.test-helpers.js';
import { systemActor } from '../../../src/server/platform/actor.js';
import type { MatrixFixture } from './_fixture.js';

/** Contacts: a close contact of a case in 西陵区 (in scope) and one of a case in 伍家岗区 (out of scope). */
const fixture: MatrixFixture = {
  entity: 'case_contact',
  async make(env, city) {
    const sys = systemActor('auth-matrix');
    const make = async (street: typeof city.street) => {
      const [a, b] = await makePersons(env, street, 2);
      const c = await env.deps.services.cases.cases.create(undefined, sys, { personId: a, kind: 'confirmed', reason: '路由权限矩阵测试' });
      return (await env.deps.services.cases.tracing.addContact(undefined, sys, c.id, { category: 'close', exposureDate: c.reportDate, personId: b })).id;
    };
    return { inScope: await make(city.street), outOfScope: await make(city.otherStreet) };
  },
};
export default fixture;
