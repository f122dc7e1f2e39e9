import { approvedReview, makePersons } from '../../../src/server/modules/control/control.test-helpers.js';
import { matrixRecords } from '../../../src/server/modules/testing/testing.test-helpers.js';
import { systemActor } from '../../../src/server/platform/actor.js';
import type { TestApp } from '../db.js';
import quarantineStay from './quarantine-stay.js';
import { buildJurisdiction, buildUnit } from '../factories.js';
import zoningArea from './zoning-area.js';
import type { MiniCity } from './_fixture.js';
import { BODY_WRITE_CASES, PATH_WRITE_CASES } from './_writes-path.js';
import { TESTING_WRITE_CASES } from './_writes-testing.js';

/** An id that names no record of any kind. */
export const MISSING_ID = '00000000-0000-7000-8000-0000000000ff';

/**
 * One sensitive write the route matrix sends with a VALID body (so it reaches the service, not the
 * schema's 400), plus, for every other id the body names, the same body with that id swapped for a
 * record outside the caller's scope (伍家岗区) and for a missing one. The matrix requires the valid body
 * to succeed (2xx), and each out-of-scope variant to answer exactly as the missing variant (404 or 422)
 * and write nothing (journal length unchanged). The caller is a district user of 西陵区 holding the
 * route's capability. `make` builds fresh records, so the valid write is not a repeat.
 */
export interface WriteCase {
  /** `METHOD /url/:param` as the route is registered. */
  route: string;
  make(
    env: TestApp,
    city: MiniCity,
  ): Promise<{
    url: string;
    body: Record<string, unknown>;
    /** An id in the path is swapped through `outUrl`/`missingUrl` (the body then stays valid). */
    variants: { field: string; outOfScope: Record<string, unknown>; missing: Record<string, unknown>; outUrl?: string; missingUrl?: string }[];
  }>;
}

const sys = systemActor('auth-matrix');

export const WRITE_CASES: WriteCase[] = [
  {
    route: 'POST /api/control/changes',
    async make(env, city) {
      const [mine] = await makePersons(env, city.street, 1);
      const [theirs] = await makePersons(env, city.otherStreet, 1);
      const review = await approvedReview(env, { jurisdictionId: city.street.id });
      const otherReview = await approvedReview(env, { jurisdictionId: city.otherStreet.id });
      const body = { personIds: [mine], to: 'home_monitored', basis: { type: 'manual_review', id: review }, reason: '路由权限矩阵测试' };
      return {
        url: '/api/control/changes',
        body,
        variants: [
          { field: 'personIds', outOfScope: { ...body, personIds: [mine, theirs] }, missing: { ...body, personIds: [mine, MISSING_ID] } },
          {
            field: 'basis.id',
            outOfScope: { ...body, basis: { type: 'manual_review', id: otherReview } },
            missing: { ...body, basis: { type: 'manual_review', id: MISSING_ID } },
          },
        ],
      };
    },
  },
  {
    route: 'POST /api/quarantine/stays',
    async make(env, city) {
      const [mine] = await makePersons(env, city.street, 1);
      const review = await approvedReview(env, { jurisdictionId: city.street.id });
      const otherReview = await approvedReview(env, { jurisdictionId: city.otherStreet.id });
      const q = env.deps.services.quarantine;
      const theirFacility = (await q.createFacility(undefined, sys, { name: '矩阵外区隔离点', jurisdictionId: city.otherStreet.id, address: '二号' })).id;
      const myFacility = (await q.createFacility(undefined, sys, { name: '矩阵本区隔离点', jurisdictionId: city.street.id, address: '三号' })).id;
      await q.createRooms(undefined, sys, myFacility, [{ number: '101', floor: 1 }]);
      const [theirRoom] = await q.createRooms(undefined, sys, theirFacility, [{ number: '201', floor: 2 }]);
      const body = { personId: mine, mode: 'home', basis: { type: 'manual_review', id: review }, reason: '路由权限矩阵测试', exposureDate: '2026-11-28' };
      const central = { ...body, mode: 'central' };
      return {
        url: '/api/quarantine/stays',
        body,
        variants: [
          { field: 'facilityId', outOfScope: { ...central, facilityId: theirFacility }, missing: { ...central, facilityId: MISSING_ID } },
          {
            field: 'roomId',
            outOfScope: { ...central, facilityId: myFacility, roomId: theirRoom!.id },
            missing: { ...central, facilityId: myFacility, roomId: MISSING_ID },
          },
          {
            field: 'basis.id',
            outOfScope: { ...body, basis: { type: 'manual_review', id: otherReview } },
            missing: { ...body, basis: { type: 'manual_review', id: MISSING_ID } },
          },
        ],
      };
    },
  },
  {
    route: 'POST /api/cases/:id/contacts',
    async make(env, city) {
      const make = async (street: typeof city.street) => {
        const [a, b, c] = await makePersons(env, street, 3);
        const kase = await env.deps.services.cases.cases.create(undefined, sys, { personId: a, kind: 'confirmed', reason: '路由权限矩阵测试' });
        const close = await env.deps.services.cases.tracing.addContact(undefined, sys, kase.id, {
          category: 'close',
          exposureDate: kase.reportDate,
          personId: b,
        });
        return { kase, close, spare: c! };
      };
      const mine = await make(city.street);
      const theirs = await make(city.otherStreet);
      const body = { category: 'secondary', exposureDate: mine.kase.reportDate, viaContactId: mine.close.id, personId: mine.spare };
      return {
        url: `/api/cases/${mine.kase.id}/contacts`,
        body,
        variants: [{ field: 'viaContactId', outOfScope: { ...body, viaContactId: theirs.close.id }, missing: { ...body, viaContactId: MISSING_ID } }],
      };
    },
  },
  {
    route: 'POST /api/tasks',
    async make(env, city) {
      const mine = await buildUnit(env.deps.db, { name: '矩阵写入测试西陵街道办', jurisdiction: city.street, kind: 'street_office' });
      const theirs = await buildUnit(env.deps.db, { name: '矩阵写入测试伍家岗街道办', jurisdiction: city.otherStreet, kind: 'street_office' });
      const [myPerson] = await makePersons(env, city.street, 1);
      const [theirPerson] = await makePersons(env, city.otherStreet, 1);
      const body = {
        title: '矩阵测试上门核查',
        assigneeUnitId: mine.id,
        jurisdictionPath: city.street.path,
        priority: 'normal',
        sourceEntityType: 'person',
        sourceEntityId: myPerson,
      };
      return {
        url: '/api/tasks',
        body,
        variants: [
          { field: 'assigneeUnitId', outOfScope: { ...body, assigneeUnitId: theirs.id }, missing: { ...body, assigneeUnitId: MISSING_ID } },
          { field: 'sourceEntityId', outOfScope: { ...body, sourceEntityId: theirPerson }, missing: { ...body, sourceEntityId: MISSING_ID } },
        ],
      };
    },
  },
  {
    route: 'POST /api/testing/campaigns',
    async make(_env, city) {
      const body = { name: '矩阵测试西陵区核酸检测', scopeJurisdictionIds: [city.street.id] };
      return {
        url: '/api/testing/campaigns',
        body,
        variants: [
          {
            field: 'scopeJurisdictionIds',
            outOfScope: { ...body, scopeJurisdictionIds: [city.street.id, city.otherStreet.id] },
            missing: { ...body, scopeJurisdictionIds: [city.street.id, MISSING_ID] },
          },
          {
            field: 'poolOverrides.jurisdictionId',
            outOfScope: { ...body, poolOverrides: [{ jurisdictionId: city.otherStreet.id, poolSize: 1 }] },
            missing: { ...body, poolOverrides: [{ jurisdictionId: MISSING_ID, poolSize: 1 }] },
          },
        ],
      };
    },
  },
  {
    route: 'POST /api/zoning/areas/:id/publish',
    async make(env, city) {
      const { inScope, outOfScope } = await zoningArea.make(env, city);
      return {
        url: `/api/zoning/areas/${inScope}/publish`,
        body: { note: '矩阵测试发布', justification: '矩阵测试：病例所在街道' },
        variants: [
          {
            field: 'id (path)',
            outOfScope: { note: '矩阵测试发布' },
            missing: { note: '矩阵测试发布' },
            outUrl: `/api/zoning/areas/${outOfScope}/publish`,
            missingUrl: `/api/zoning/areas/${MISSING_ID}/publish`,
          },
        ],
      };
    },
  },
  {
    route: 'POST /api/cases',
    async make(env, city) {
      const make = async (street: typeof city.street) => {
        const [a, b] = await makePersons(env, street, 2);
        const source = await env.deps.services.cases.cases.create(undefined, sys, { personId: a!, kind: 'confirmed', reason: '路由权限矩阵测试' });
        return { source, person: b! };
      };
      const mine = await make(city.street);
      const theirs = await make(city.otherStreet);
      const body = { personId: mine.person, kind: 'confirmed', reason: '路由权限矩阵测试', sourceCaseId: mine.source.id };
      return {
        url: '/api/cases',
        body,
        variants: [
          { field: 'personId', outOfScope: { ...body, personId: theirs.person }, missing: { ...body, personId: MISSING_ID } },
          { field: 'sourceCaseId', outOfScope: { ...body, sourceCaseId: theirs.source.id }, missing: { ...body, sourceCaseId: MISSING_ID } },
          {
            field: 'clusterId',
            outOfScope: { ...body, sourceCaseId: null, clusterId: theirs.source.clusterId },
            missing: { ...body, sourceCaseId: null, clusterId: MISSING_ID },
          },
        ],
      };
    },
  },
  {
    route: 'POST /api/zoning/areas',
    async make(env, city) {
      const make = async (street: typeof city.street) => {
        const [a, b] = await makePersons(env, street, 2);
        const kase = await env.deps.services.cases.cases.create(undefined, sys, { personId: a!, kind: 'confirmed', reason: '路由权限矩阵测试' });
        const contact = await env.deps.services.cases.tracing.addContact(undefined, sys, kase.id, {
          category: 'close',
          exposureDate: kase.reportDate,
          personId: b,
        });
        return { kase, contact };
      };
      const mine = await make(city.street);
      const theirs = await make(city.otherStreet);
      const body = { level: 'high', jurisdictionIds: [city.street.id], basis: { caseIds: [mine.kase.id] } };
      return {
        url: '/api/zoning/areas',
        body,
        variants: [
          {
            field: 'jurisdictionIds',
            outOfScope: { ...body, jurisdictionIds: [city.street.id, city.otherStreet.id] },
            missing: { ...body, jurisdictionIds: [city.street.id, MISSING_ID] },
          },
          {
            field: 'basis.caseIds',
            outOfScope: { ...body, basis: { caseIds: [mine.kase.id, theirs.kase.id] } },
            missing: { ...body, basis: { caseIds: [mine.kase.id, MISSING_ID] } },
          },
          {
            field: 'basis.contactIds',
            outOfScope: { ...body, basis: { caseIds: [mine.kase.id], contactIds: [theirs.contact.id] } },
            missing: { ...body, basis: { caseIds: [mine.kase.id], contactIds: [MISSING_ID] } },
          },
        ],
      };
    },
  },
  {
    route: 'POST /api/testing/sites',
    async make(env, city) {
      const compound = (street: typeof city.street, n: string) =>
        buildJurisdiction(env.deps.db, { code: `${street.code}7${n}`, name: `矩阵小区${n}`, level: 'compound', kind: 'urban', parent: street });
      const mine = await compound(city.street, '01');
      const theirs = await compound(city.otherStreet, '02');
      const body = { name: '矩阵测试采样点', kind: 'tent', jurisdictionId: mine.id, location: [111.29, 30.7], lanes: 2, servedCompoundIds: [mine.id] };
      return {
        url: '/api/testing/sites',
        body,
        variants: [
          {
            field: 'servedCompoundIds',
            outOfScope: { ...body, servedCompoundIds: [mine.id, theirs.id] },
            missing: { ...body, servedCompoundIds: [mine.id, MISSING_ID] },
          },
        ],
      };
    },
  },
  {
    route: 'POST /api/units',
    async make(env, city) {
      const mine = await buildUnit(env.deps.db, { name: '矩阵上级单位西陵', jurisdiction: city.xiling, kind: 'district_hq' });
      const theirs = await buildUnit(env.deps.db, { name: '矩阵上级单位伍家岗', jurisdiction: city.wujiagang, kind: 'district_hq' });
      const body = { name: '矩阵新建街道工作组', kind: 'task_force', jurisdictionId: city.street.id, parentUnitId: mine.id };
      return {
        url: '/api/units',
        body,
        variants: [
          { field: 'jurisdictionId', outOfScope: { ...body, jurisdictionId: city.otherStreet.id }, missing: { ...body, jurisdictionId: MISSING_ID } },
          { field: 'parentUnitId', outOfScope: { ...body, parentUnitId: theirs.id }, missing: { ...body, parentUnitId: MISSING_ID } },
        ],
      };
    },
  },
  {
    route: 'POST /api/users',
    async make(env, city) {
      const mine = await buildUnit(env.deps.db, { name: '矩阵用户单位西陵', jurisdiction: city.street, kind: 'street_office' });
      const theirs = await buildUnit(env.deps.db, { name: '矩阵用户单位伍家岗', jurisdiction: city.otherStreet, kind: 'street_office' });
      const body = { username: 'matrix_created_user', displayName: '矩阵新用户', password: 'Matrix-Route-2026-ok', unitId: mine.id, roles: ['sampler'] };
      return { url: '/api/users', body, variants: [{ field: 'unitId', outOfScope: { ...body, unitId: theirs.id }, missing: { ...body, unitId: MISSING_ID } }] };
    },
  },
  {
    route: 'POST /api/control/reviews',
    async make(_env, city) {
      const body = { jurisdictionId: city.street.id, subject: '西陵街道某小区聚集', reason: '流调研判认定需采取措施', evidence: '流调报告第12号' };
      return {
        url: '/api/control/reviews',
        body,
        variants: [{ field: 'jurisdictionId', outOfScope: { ...body, jurisdictionId: city.otherStreet.id }, missing: { ...body, jurisdictionId: MISSING_ID } }],
      };
    },
  },
  {
    route: 'POST /api/persons/:id/reveal',
    async make(env, city) {
      const [mine] = await makePersons(env, city.street, 1);
      const [theirs] = await makePersons(env, city.otherStreet, 1);
      const body = { field: 'idNumber', reason: '核对密接人员身份以便通知隔离，流调报告第12号' };
      return {
        url: `/api/persons/${mine}/reveal`,
        body,
        variants: [
          { field: 'id (path)', outOfScope: body, missing: body, outUrl: `/api/persons/${theirs}/reveal`, missingUrl: `/api/persons/${MISSING_ID}/reveal` },
        ],
      };
    },
  },
  {
    route: 'POST /api/tasks/:id/handoff',
    async make(env, city) {
      const first = await buildUnit(env.deps.db, { name: '矩阵首办单位西陵', jurisdiction: city.street, kind: 'street_office' });
      const inScope = (
        await env.deps.services.tasks.create(undefined, sys, {
          title: '矩阵转交测试任务',
          sourceModule: 'platform',
          assigneeUnitId: first.id,
          jurisdictionPath: city.street.path,
          priority: 'normal',
        })
      ).id;
      const mine = await buildUnit(env.deps.db, { name: '矩阵转交单位西陵', jurisdiction: city.street, kind: 'street_office' });
      const theirs = await buildUnit(env.deps.db, { name: '矩阵转交单位伍家岗', jurisdiction: city.otherStreet, kind: 'street_office' });
      const body = { unitId: mine.id, note: '转交街道办就近处理' };
      return {
        url: `/api/tasks/${inScope}/handoff`,
        body,
        variants: [{ field: 'unitId', outOfScope: { ...body, unitId: theirs.id }, missing: { ...body, unitId: MISSING_ID } }],
      };
    },
  },
  {
    route: 'POST /api/quarantine/stays/:id/release-requests',
    async make(env, city) {
      const { inScope, outOfScope } = await quarantineStay.make(env, city);
      const body = { reason: '复核结果阴性，申请提前解除居家隔离' };
      return {
        url: `/api/quarantine/stays/${inScope}/release-requests`,
        body,
        variants: [
          {
            field: 'id (path)',
            outOfScope: body,
            missing: body,
            outUrl: `/api/quarantine/stays/${outOfScope}/release-requests`,
            missingUrl: `/api/quarantine/stays/${MISSING_ID}/release-requests`,
          },
        ],
      };
    },
  },
  {
    route: 'POST /api/quarantine/stays/:id/tests',
    async make(env, city) {
      const { inScope, outOfScope } = await quarantineStay.make(env, city);
      const body = { day: 1, result: 'negative' };
      return {
        url: `/api/quarantine/stays/${inScope}/tests`,
        body,
        variants: [
          {
            field: 'id (path)',
            outOfScope: body,
            missing: body,
            outUrl: `/api/quarantine/stays/${outOfScope}/tests`,
            missingUrl: `/api/quarantine/stays/${MISSING_ID}/tests`,
          },
        ],
      };
    },
  },
  {
    route: 'POST /api/travellers',
    async make(env, city) {
      const [mine] = await makePersons(env, city.street, 1);
      const [theirs] = await makePersons(env, city.otherStreet, 1);
      const arrivalDay = new Date(env.clock.now() - 2 * 86_400_000).toISOString().slice(0, 10);
      const body = { personId: mine, category: 'medium_risk_area', origin: '某中风险区', arrivalDay };
      return {
        url: '/api/travellers',
        body,
        variants: [{ field: 'personId', outOfScope: { ...body, personId: theirs }, missing: { ...body, personId: MISSING_ID } }],
      };
    },
  },
  {
    route: 'POST /api/testing/tubes',
    async make(env, city) {
      // A fresh active campaign and site of our own: the matrix's shared campaign is closed by earlier route
      // calls, and the area published above seals the street (whose pool mode would then be 1户1管).
      const testing = env.deps.services.testing;
      const compound = await buildJurisdiction(env.deps.db, {
        code: `${city.street.code}703`,
        name: '矩阵开管小区',
        level: 'compound',
        kind: 'urban',
        parent: city.street,
      });
      const campaign = await testing.campaigns.create(undefined, sys, {
        name: '矩阵开管轮次',
        scopeJurisdictionIds: [compound.id],
        poolSize: 5,
        poolFromAreas: false,
      });
      await testing.campaigns.activate(undefined, sys, campaign.id);
      const site = await testing.sites.create(undefined, sys, {
        name: '矩阵开管采样点',
        kind: 'tent',
        jurisdictionId: compound.id,
        location: [111.3, 30.7],
        lanes: 1,
      });
      const theirs = await matrixRecords(env, city.otherStreet);
      const body = { clientId: 'matrix-open-tube-1', campaignId: campaign.id, siteId: site.id, barcode: 'MATRIXOPEN0001' };
      return {
        url: '/api/testing/tubes',
        body,
        variants: [
          {
            field: 'campaignId',
            outOfScope: { ...body, clientId: 'matrix-open-tube-2', campaignId: theirs.campaign },
            missing: { ...body, clientId: 'matrix-open-tube-3', campaignId: MISSING_ID },
          },
        ],
      };
    },
  },
  ...PATH_WRITE_CASES,
  ...BODY_WRITE_CASES,
  ...TESTING_WRITE_CASES,
];

/**
 * Writes the matrix sends no valid body, each with the reason: none of them names an id of a scoped
 * record (only the caller's own account, city-wide settings, or a file of barcodes). Their in-scope
 * call stops at the schema's 400. A ratchet: a write route outside this list and outside WRITE_CASES
 * that answers 400 fails the matrix (give it a case above), an entry that no longer answers 400 or
 * that has a case must be removed.
 */
export const WRITES_WITHOUT_BODY: Readonly<Record<string, string>> = {
  'POST /api/auth/password': "the caller's own password; names no record",
  'POST /api/auth/totp/confirm': "the caller's own second factor; names no record",
  'POST /api/auth/totp/enrol': "the caller's own second factor; names no record",
  'POST /api/presets': 'a city-wide protocol preset (preset.manage, no jurisdiction); names no record',
  'POST /api/system/clock': 'the demo clock (no jurisdiction); names no record',
  'PUT /api/zoning/settings': 'a city-wide threshold (no jurisdiction); names no record',
  'POST /api/presets/:id/activate': 'a city-wide preset (no jurisdiction); activating one would change the protocol under every later case',
  'POST /api/testing/lab/results/import': 'a CSV of barcodes, each scoped like POST /api/testing/lab/results (covered above)',
};
