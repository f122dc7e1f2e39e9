import { makePersons, makeVisitor } from '../../../src/server/modules/control/control.test-helpers.js';
import { systemActor } from '../../../src/server/platform/actor.js';
import { newId } from '../../../src/server/platform/ids.js';
import type { TestApp } from '../db.js';
import { buildUnit, buildUser } from '../factories.js';
import type { MatrixFixture, MiniCity } from './_fixture.js';
import type { WriteCase } from './_writes.js';
import assistRequest from './cases-assist-request.js';
import caseFixture from './cases-case.js';
import clusterFixture from './cases-cluster.js';
import contactFixture from './cases-contact.js';
import companionBatch from './companions-batch.js';
import facilityFixture from './quarantine-facility.js';
import releaseRequest from './quarantine-release-request.js';
import flagFixture from './testing-flag.js';
import siteFixture from './testing-site.js';
import tubeFixture from './testing-tube.js';
import traveller from './traveller.js';
import zoningArea from './zoning-area.js';

/** An id that names no record of any kind (the same one _writes.ts uses). */
const MISSING_ID = '00000000-0000-7000-8000-0000000000ff';
const sys = systemActor('auth-matrix');

/**
 * A write whose only id is the record in its path (`:id`): the fixture's in-scope record with a valid
 * body must succeed; the same body aimed at its out-of-scope record must answer as a missing one.
 * `prepare` puts the in-scope record into the state the write needs (a unit disabled before enabling).
 */
function pathCase(
  route: string,
  fixture: MatrixFixture,
  body: Record<string, unknown>,
  prepare?: (env: TestApp, city: MiniCity, ids: { inScope: string; outOfScope: string }) => Promise<void>,
): WriteCase {
  const url = (id: string) => route.split(' ')[1]!.replace(':id', id);
  return {
    route,
    async make(env, city) {
      const ids = await fixture.make(env, city);
      await prepare?.(env, city, ids);
      return {
        url: url(ids.inScope),
        body,
        variants: [{ field: 'id (path)', outOfScope: body, missing: body, outUrl: url(ids.outOfScope), missingUrl: url(MISSING_ID) }],
      };
    },
  };
}

let serial = 0;
/** Units like the unit fixture's, named afresh on every call (a unit's name is unique in its jurisdiction). */
const freshUnits: MatrixFixture = {
  entity: 'unit',
  async make(env, city) {
    const n = ++serial;
    const inScope = await buildUnit(env.deps.db, { name: `矩阵写入西陵社区${n}`, jurisdiction: city.street, kind: 'community' });
    const outOfScope = await buildUnit(env.deps.db, { name: `矩阵写入伍家岗社区${n}`, jurisdiction: city.otherStreet, kind: 'community' });
    return { inScope: inScope.id, outOfScope: outOfScope.id };
  },
};
/** Samplers in fresh units of 西陵街道 and 伍家岗街道. */
const freshUsers: MatrixFixture = {
  entity: 'user',
  async make(env, city) {
    const n = ++serial;
    const user = async (street: typeof city.street, name: string) =>
      (await buildUser(env.deps.db, { unit: await buildUnit(env.deps.db, { name, jurisdiction: street, kind: 'task_force' }), roles: ['sampler'] })).id;
    return { inScope: await user(city.street, `矩阵写入西陵采样队${n}`), outOfScope: await user(city.otherStreet, `矩阵写入伍家岗采样队${n}`) };
  },
};

export const PATH_WRITE_CASES: WriteCase[] = [
  pathCase('POST /api/clusters/:id/rename', clusterFixture, { name: '西陵区 12·07 疫情', reason: '路由权限矩阵测试' }),
  pathCase('POST /api/cases/:id/clinical-status', caseFixture, { status: 'treatment', reason: '转入定点医院治疗' }),
  pathCase('POST /api/contacts/:id/close', contactFixture, { reason: '隔离期满解除，核酸均为阴性' }),
  pathCase('POST /api/cases/assist-requests/:id/status', assistRequest, { status: 'sent', note: '已转交属地街道' }),
  pathCase('POST /api/quarantine/release-requests/:id/decision', releaseRequest, { decision: 'reject', note: '复核未完成，暂不解除' }),
  pathCase('POST /api/testing/flags/:id/review', flagFixture, { note: '已核实为同一人重复采样' }),
  pathCase('POST /api/testing/sites/:id/readiness', siteFixture, { aspect: 'rain', ready: true, note: '已搭雨棚' }),
  pathCase('POST /api/testing/tubes/:id/result/correction', tubeFixture, { result: 'negative', reason: '实验室复测更正为阴性' }),
  pathCase('POST /api/travellers/:id/arrival-tests', traveller, { entryPoint: '宜昌东站', testedAt: Date.UTC(2026, 10, 29, 2), result: 'negative' }),
  pathCase('POST /api/units/:id/disable', freshUnits, { reason: '专班撤销' }),
  pathCase('POST /api/units/:id/enable', freshUnits, { reason: '专班恢复' }, async (env, _c, ids) => {
    await env.deps.db
      .updateTable('units')
      .set({ active: 0 } as never)
      .where('id', '=', ids.inScope)
      .execute();
  }),
  pathCase('POST /api/users/:id/disable', freshUsers, { reason: '离岗' }),
  pathCase('POST /api/users/:id/enable', freshUsers, { reason: '返岗' }, async (env, _c, ids) => {
    await env.deps.db
      .updateTable('users')
      .set({ active: 0 } as never)
      .where('id', '=', ids.inScope)
      .execute();
  }),
  pathCase('POST /api/users/:id/reset-password', freshUsers, { password: 'Matrix-Reset-2026-ok', reason: '本人遗忘密码' }),
  pathCase('POST /api/users/:id/reset-totp', freshUsers, { reason: '更换手机' }),
  pathCase('POST /api/users/:id/unlock', freshUsers, { reason: '本人电话核实后解锁' }),
  pathCase('POST /api/zoning/areas/:id/justify', zoningArea, { justification: '病例所在街道人员流动大，需整体划定' }, async (env, _c, ids) => {
    await env.deps.services.zoning.publish(undefined, systemActor('auth-matrix-publisher'), ids.inScope, {
      note: '矩阵测试发布',
      justification: '矩阵测试：病例所在街道',
    });
  }),
  pathCase('POST /api/zoning/areas/:id/reject', zoningArea, { reason: '证据不足，不予发布' }),
  pathCase('POST /api/quarantine/facilities/:id/rooms', facilityFixture, { rooms: [{ number: '301', floor: 3 }] }),
];

/** Tasks about 西陵街道 and 伍家岗街道, each assigned to a fresh unit there. */
const freshTasks: MatrixFixture = {
  entity: 'task',
  async make(env, city) {
    const units = await freshUnits.make(env, city);
    const task = async (unitId: string, path: string) =>
      (
        await env.deps.services.tasks.create(undefined, sys, {
          title: '矩阵写入测试任务',
          sourceModule: 'platform',
          assigneeUnitId: unitId,
          jurisdictionPath: path,
          priority: 'normal',
        })
      ).id;
    return { inScope: await task(units.inScope, city.street.path), outOfScope: await task(units.outOfScope, city.otherStreet.path) };
  },
};

/** A building under a street (the one makePersons registers its residents in). */
async function buildingOf(env: TestApp, street: MiniCity['street']): Promise<string> {
  await makePersons(env, street, 1);
  const row = await env.deps.db
    .selectFrom('jurisdictions')
    .select('id')
    .where('level', '=', 'building')
    .where('path', 'like', `${street.path}%`)
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * A write on a record nested in another (`/parents/:id/children/:childId`): the child of an
 * out-of-scope parent under the in-scope parent, and the out-of-scope parent itself, each answer as missing.
 */
function nestedCase(
  url: (parent: string, child: string) => string,
  body: Record<string, unknown>,
  childParam: string,
  mine: { parent: string; child: string },
  theirs: { parent: string; child: string },
) {
  return {
    url: url(mine.parent, mine.child),
    body,
    variants: [
      { field: `${childParam} (path)`, outOfScope: body, missing: body, outUrl: url(mine.parent, theirs.child), missingUrl: url(mine.parent, MISSING_ID) },
      { field: 'id (path)', outOfScope: body, missing: body, outUrl: url(theirs.parent, theirs.child), missingUrl: url(MISSING_ID, mine.child) },
    ],
  };
}

/** Swaps one body field for an out-of-scope and a missing id. */
const swap = (field: string, body: Record<string, unknown>, out: Record<string, unknown>, missing: Record<string, unknown>) => ({
  field,
  outOfScope: { ...body, ...out },
  missing: { ...body, ...missing },
});

export const BODY_WRITE_CASES: WriteCase[] = [
  pathCase('POST /api/tasks/:id/cancel', freshTasks, { reason: '重复派单，撤销' }),
  pathCase('POST /api/tasks/:id/comment', freshTasks, { note: '已电话联系居民' }),
  pathCase('POST /api/tasks/:id/transition', freshTasks, { to: 'acknowledged', note: '已接收' }, async (env, _c, ids) => {
    // Only the assignee moves a task: hand the in-scope one to the matrix users' own unit.
    const unit = await env.deps.db.selectFrom('units').select('id').where('name', '=', '矩阵测试西陵区指挥部').executeTakeFirstOrThrow();
    await env.deps.db
      .updateTable('tasks')
      .set({ assignee_unit_id: unit.id } as never)
      .where('id', '=', ids.inScope)
      .execute();
  }),
  pathCase(
    'POST /api/persons/:id/resident-code/reissue',
    {
      entity: 'person',
      async make(env, city) {
        const [[inScope], [outOfScope]] = [await makePersons(env, city.street, 1), await makePersons(env, city.otherStreet, 1)];
        return { inScope: inScope!, outOfScope: outOfScope! };
      },
    },
    { reason: '居民码截图外泄，重新签发' },
  ),
  {
    route: 'POST /api/persons/:id/merge',
    async make(env, city) {
      const from = await makeVisitor(env, city.street);
      const otherFrom = await makeVisitor(env, city.otherStreet);
      const [into] = await makePersons(env, city.street, 1);
      const [theirs] = await makePersons(env, city.otherStreet, 1);
      const body = { intoPersonId: into, reason: '同一人，访客登记与户籍记录合并' };
      return {
        url: `/api/persons/${from}/merge`,
        body,
        variants: [
          swap('intoPersonId', body, { intoPersonId: theirs }, { intoPersonId: MISSING_ID }),
          { field: 'id (path)', outOfScope: body, missing: body, outUrl: `/api/persons/${otherFrom}/merge`, missingUrl: `/api/persons/${MISSING_ID}/merge` },
        ],
      };
    },
  },
  {
    route: 'POST /api/persons',
    async make(env, city) {
      const n = ++serial;
      const mine = await buildingOf(env, city.street);
      const theirs = await buildingOf(env, city.otherStreet);
      const visitor = {
        name: `矩阵登记${n}`,
        idType: 'passport',
        idNumber: `M${String(n).padStart(8, '0')}`,
        birthDate: '1988-03-03',
        sex: 'female',
        resident: false,
        jurisdictionId: mine,
        regionOfOrigin: '湖南省长沙市',
      };
      const resident = {
        name: `矩阵登记户${n}`,
        idType: 'passport',
        idNumber: `N${String(n).padStart(8, '0')}`,
        birthDate: '1988-03-03',
        sex: 'male',
        resident: true,
        address: { jurisdictionId: mine, room: '808' },
      };
      return {
        url: '/api/persons',
        body: visitor,
        variants: [
          swap('jurisdictionId', visitor, { jurisdictionId: theirs }, { jurisdictionId: MISSING_ID }),
          swap(
            'address.jurisdictionId',
            resident,
            { address: { jurisdictionId: theirs, room: '808' } },
            { address: { jurisdictionId: MISSING_ID, room: '808' } },
          ),
        ],
      };
    },
  },
  {
    route: 'PATCH /api/zoning/areas/:id',
    async make(env, city) {
      const { inScope, outOfScope } = await zoningArea.make(env, city);
      // (removeJurisdictionIds names only the area's own nodes: an id that is not one is ignored alike.)
      const theirs = await buildingOf(env, city.otherStreet);
      const body = { name: '西陵街道高风险区（调整）', reason: '病例活动轨迹补充' };
      return {
        url: `/api/zoning/areas/${inScope}`,
        body,
        variants: [
          swap('addJurisdictionIds', body, { addJurisdictionIds: [theirs] }, { addJurisdictionIds: [MISSING_ID] }),
          { field: 'id (path)', outOfScope: body, missing: body, outUrl: `/api/zoning/areas/${outOfScope}`, missingUrl: `/api/zoning/areas/${MISSING_ID}` },
        ],
      };
    },
  },
  {
    route: 'POST /api/alerts',
    async make(env, city) {
      const units = await freshUnits.make(env, city);
      const body = { title: '矩阵测试预警', body: '西陵街道发现阳性混管', severity: 'warning', jurisdictionId: city.street.id };
      return {
        url: '/api/alerts',
        body,
        variants: [
          swap('jurisdictionId', body, { jurisdictionId: city.otherStreet.id }, { jurisdictionId: MISSING_ID }),
          swap('unitId', body, { jurisdictionId: undefined, unitId: units.outOfScope }, { jurisdictionId: undefined, unitId: MISSING_ID }),
        ],
      };
    },
  },
  {
    route: 'POST /api/cases/:id/places',
    async make(env, city) {
      const { inScope, outOfScope } = await caseFixture.make(env, city);
      const at = Date.UTC(2026, 10, 27, 2);
      // The place's jurisdictionId is where the case went, which may be any district's compound (a
      // map node, not a record of that district's), so only the case in the path is a scope check.
      const body = { jurisdictionId: await buildingOf(env, city.street), description: '农贸市场', fromAt: at, toAt: at + 3_600_000 };
      return {
        url: `/api/cases/${inScope}/places`,
        body,
        variants: [
          { field: 'id (path)', outOfScope: body, missing: body, outUrl: `/api/cases/${outOfScope}/places`, missingUrl: `/api/cases/${MISSING_ID}/places` },
        ],
      };
    },
  },
  {
    route: 'POST /api/cases/:id/source',
    async make(env, city) {
      const a = await caseFixture.make(env, city);
      const b = await caseFixture.make(env, city);
      const body = { sourceCaseId: b.inScope, reason: '流调确认同住传播' };
      return {
        url: `/api/cases/${a.inScope}/source`,
        body,
        variants: [
          swap('sourceCaseId', body, { sourceCaseId: b.outOfScope }, { sourceCaseId: MISSING_ID }),
          { field: 'id (path)', outOfScope: body, missing: body, outUrl: `/api/cases/${a.outOfScope}/source`, missingUrl: `/api/cases/${MISSING_ID}/source` },
        ],
      };
    },
  },
  {
    route: 'POST /api/cases/assist-requests/incoming',
    async make(_env, city) {
      const body = { region: '武汉市', subjectName: '李四光', jurisdictionId: city.street.id, category: 'close', externalRef: 'WH-2026-118' };
      return {
        url: '/api/cases/assist-requests/incoming',
        body,
        variants: [swap('jurisdictionId', body, { jurisdictionId: city.otherStreet.id }, { jurisdictionId: MISSING_ID })],
      };
    },
  },
  {
    route: 'POST /api/quarantine/facilities',
    async make(env, city) {
      const units = await freshUnits.make(env, city);
      const body = { name: `矩阵新建隔离点${++serial}`, jurisdictionId: city.street.id, address: '西陵一路8号', unitId: units.inScope };
      return {
        url: '/api/quarantine/facilities',
        body,
        variants: [
          swap('jurisdictionId', body, { jurisdictionId: city.otherStreet.id }, { jurisdictionId: MISSING_ID }),
          swap('unitId', body, { unitId: units.outOfScope }, { unitId: MISSING_ID }),
        ],
      };
    },
  },
  {
    route: 'POST /api/quarantine/facilities/:id/rooms/:roomId/status',
    async make(env, city) {
      const q = env.deps.services.quarantine;
      const { inScope, outOfScope } = await facilityFixture.make(env, city);
      const [mine] = await q.createRooms(undefined, sys, inScope, [{ number: '501', floor: 5 }]);
      const [theirs] = await q.createRooms(undefined, sys, outOfScope, [{ number: '502', floor: 5 }]);
      const body = { status: 'out_of_service' };
      const url = (f: string, r: string) => `/api/quarantine/facilities/${f}/rooms/${r}/status`;
      return {
        url: url(inScope, mine!.id),
        body,
        variants: [
          { field: 'roomId (path)', outOfScope: body, missing: body, outUrl: url(inScope, theirs!.id), missingUrl: url(inScope, MISSING_ID) },
          { field: 'id (path)', outOfScope: body, missing: body, outUrl: url(outOfScope, theirs!.id), missingUrl: url(MISSING_ID, mine!.id) },
        ],
      };
    },
  },
  {
    route: 'POST /api/zoning/areas/:id/extensions/:extensionId',
    async make(env, city) {
      const { inScope, outOfScope } = await zoningArea.make(env, city);
      // Each area published, with an extension proposal for a case near it, as the evaluation writes one.
      const extension = async (areaId: string, street: MiniCity['street']) => {
        await env.deps.services.zoning.publish(undefined, systemActor('auth-matrix-publisher'), areaId, {
          note: '矩阵测试发布',
          justification: '矩阵测试：病例所在街道',
        });
        const { inScope: caseId } = await caseFixture.make(env, city);
        const id = newId();
        await env.deps.db
          .insertInto('zoning_extensions')
          .values({
            id,
            area_id: areaId,
            case_id: caseId,
            case_confirmed_at: env.clock.now(),
            distance_m: 120,
            evidence: JSON.stringify({ text: '矩阵测试：病例在区域 120 米内' }),
            status: 'proposed',
            jurisdiction_path: street.path,
            created_at: env.clock.now(),
            decided_by: null,
            decided_by_name: null,
            decided_at: null,
            decision_reason: null,
          } as never)
          .execute();
        return id;
      };
      const mine = await extension(inScope, city.street);
      const theirs = await extension(outOfScope, city.otherStreet);
      const body = { accept: false, reason: '病例已闭环管理，不延长' };
      const url = (a: string, e: string) => `/api/zoning/areas/${a}/extensions/${e}`;
      return nestedCase(url, body, 'extensionId', { parent: inScope, child: mine }, { parent: outOfScope, child: theirs });
    },
  },
  {
    route: 'POST /api/companions/batches/:id/candidates/:candidateId/reject',
    async make(env, city) {
      const { inScope, outOfScope } = await companionBatch.make(env, city);
      // A candidate row per batch, as detection writes them (evidence of one overlap).
      const candidate = async (batchId: string, street: MiniCity['street']) => {
        const [personId] = await makePersons(env, street, 1);
        const id = newId();
        await env.deps.db
          .insertInto('companion_candidates')
          .values({
            id,
            batch_id: batchId,
            subject_key: `person:${personId}`,
            person_id: personId!,
            total_minutes: 1900,
            overlap_count: 1,
            evidence: JSON.stringify([]),
            decision: null,
            decided_by: null,
            decided_at: null,
            note: null,
            contact_id: null,
          })
          .execute();
        return id;
      };
      const mine = await candidate(inScope, city.street);
      const theirs = await candidate(outOfScope, city.otherStreet);
      const body = { reason: '同一小区不同楼栋，无实际接触' };
      const url = (b: string, c: string) => `/api/companions/batches/${b}/candidates/${c}/reject`;
      return nestedCase(url, body, 'candidateId', { parent: inScope, child: mine }, { parent: outOfScope, child: theirs });
    },
  },
];
