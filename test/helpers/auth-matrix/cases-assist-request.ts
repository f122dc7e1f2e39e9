import { systemActor } from '../../../src/server/platform/actor.js';
import type { MatrixFixture } from './_fixture.js';

/** Cross-region requests (协查): an incoming one about someone in 西陵区 (in scope) and one in 伍家岗区 (out of scope). */
const fixture: MatrixFixture = {
  entity: 'case_assist_request',
  async make(env, city) {
    const sys = systemActor('auth-matrix');
    const make = async (street: typeof city.street) =>
      (
        await env.deps.services.cases.tracing.recordIncoming(undefined, sys, {
          region: '武汉市',
          subjectName: '张三丰',
          jurisdictionId: street.id,
          category: 'close',
        })
      ).id;
    return { inScope: await make(city.street), outOfScope: await make(city.otherStreet) };
  },
};
export default fixture;
