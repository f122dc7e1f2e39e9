import { systemActor } from '../../../src/server/platform/actor.js';
import type { MatrixFixture } from './_fixture.js';

/**
 * Notifications: an alert addressed to 西陵区 (in the matrix users' feed) and one addressed to
 * 伍家岗区 (not in it). The notification routes limit reads and acknowledgements to the caller's feed
 * in the service (audience: user, unit or overlapping jurisdiction), so no route declares a
 * `notification` entity scope today; this fixture is ready should one do so.
 */
const fixture: MatrixFixture = {
  entity: 'notification',
  async make(env, city) {
    const alert = async (path: string, title: string) =>
      (
        await env.deps.services.tasks.notify(undefined, systemActor('auth-matrix'), {
          jurisdictionPath: path,
          title,
          body: '路由权限矩阵测试',
          sourceModule: 'platform',
          severity: 'info',
        })
      ).id;
    return { inScope: await alert(city.xiling.path, '西陵区预警'), outOfScope: await alert(city.wujiagang.path, '伍家岗区预警') };
  },
};
export default fixture;
