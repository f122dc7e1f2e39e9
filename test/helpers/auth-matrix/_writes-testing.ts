import { addNodes, addPersons, barcode, cid, type PersonFixture } from '../../../src/server/modules/testing/testing.test-helpers.js';
import { makeResidentId } from '../../../src/server/modules/population/index.js';
import { systemActor } from '../../../src/server/platform/actor.js';
import type { TestApp } from '../db.js';
import { buildJurisdiction, type JurisdictionRef } from '../factories.js';
import type { MiniCity } from './_fixture.js';
import type { WriteCase } from './_writes.js';

/** An id that names no record of any kind (the same one _writes.ts uses). */
const MISSING_ID = '00000000-0000-7000-8000-0000000000ff';
const sys = systemActor('auth-matrix');
let serial = 0;

/** One district's testing records, fresh for one write case. */
interface World {
  street: JurisdictionRef;
  /** Residents, each a household of one; persons[3] is sampled by nothing here. */
  persons: PersonFixture[];
  campaign: string;
  site: string;
  /** A tube left open with persons[0] in it. */
  openTube: { id: string; barcode: string };
  /** A tube closed and received by the lab, no result yet. */
  receivedTube: { id: string; barcode: string };
  /** A tube closed, not yet received. */
  closedTube: { id: string; barcode: string };
  /** The recheck of persons[1], from a positive pool, awaiting its sample. */
  recheck: string;
}

/**
 * A fresh street under the district (so no earlier write has touched it), with a community, a
 * compound and a building of three residents, an active campaign over the community, a site, and
 * tubes in each state the writes need: open, closed, received, and a positive pool whose recheck waits.
 */
async function world(env: TestApp, district: JurisdictionRef, o: { household?: boolean } = {}): Promise<World> {
  const n = ++serial;
  const testing = env.deps.services.testing;
  const street = await buildJurisdiction(env.deps.db, {
    code: `${district.code}0${String(50 + n).padStart(2, '0')}000`,
    name: `矩阵写入街道${n}`,
    level: 'street',
    parent: district,
  });
  const code = `${street.code.slice(0, 9)}701`;
  const [community, compound, building] = await addNodes(env, street, [
    { code, name: '矩阵写入社区', level: 'community' },
    { code: `${code}001`, name: '矩阵写入小区', level: 'compound', centre: [111.3, 30.7] },
    { code: `${code}00101`, name: '1栋', level: 'building' },
  ]);
  const persons = await addPersons(env, building!, 4);
  const c = await testing.campaigns.create(undefined, sys, {
    name: `矩阵写入轮次${n}`,
    scopeJurisdictionIds: [community!.id],
    poolSize: 5,
    poolFromAreas: false,
    // Door-to-door sampling needs the compound in household mode (1户1管, pool size 0).
    ...(o.household ? { poolOverrides: [{ jurisdictionId: compound!.id, poolSize: 0 }] } : {}),
  });
  await testing.campaigns.activate(undefined, sys, c.id);
  const site = await testing.sites.create(undefined, sys, {
    name: `矩阵写入采样点${n}`,
    kind: 'tent',
    jurisdictionId: community!.id,
    location: [111.3, 30.7],
    lanes: 1,
  });
  const tube = async (who: PersonFixture[], close: boolean) => {
    const code1 = barcode('MW');
    const ops = [
      { op: 'open' as const, clientId: cid(), campaignId: c.id, siteId: site.id, barcode: code1 },
      ...who.map((p) => ({ op: 'scan' as const, clientId: cid(), campaignId: c.id, barcode: code1, idNumber: p.idNumber })),
      ...(close ? [{ op: 'close' as const, clientId: cid(), campaignId: c.id, barcode: code1 }] : []),
    ];
    const batch = await testing.sampling.applyBatch(undefined, await testing.sampling.prepareBatch(sys, ops));
    return { id: batch.items[0]!.tube!.id, barcode: code1 };
  };
  const positive = await tube([persons[1]!], true);
  await testing.lab.receive(undefined, sys, { boxCode: `BOX-MW${n}`, barcodes: [positive.barcode] });
  await testing.lab.recordOne(undefined, sys, { barcode: positive.barcode, result: 'positive', ctOrf1ab: 28, ctN: 30, lab: '矩阵实验室' });
  const { items: rechecks } = await testing.rechecks.list(sys, { campaignId: c.id });
  const receivedTube = await tube([persons[2]!], true);
  await testing.lab.receive(undefined, sys, { boxCode: `BOX-MR${n}`, barcodes: [receivedTube.barcode] });
  const closedTube = await tube([persons[2]!], true);
  const openTube = await tube([persons[0]!], false);
  return { street, persons, campaign: c.id, site: site.id, openTube, receivedTube, closedTube, recheck: rechecks[0]!.id };
}

const worlds = async (env: TestApp, city: MiniCity, o: { household?: boolean } = {}) => ({
  mine: await world(env, city.xiling, o),
  theirs: await world(env, city.wujiagang, o),
});
const swap = (field: string, body: Record<string, unknown>, out: Record<string, unknown>, missing: Record<string, unknown>) => ({
  field,
  outOfScope: { ...body, ...out },
  missing: { ...body, ...missing },
});

/** Testing writes with valid bodies: every campaign, site, tube, barcode, recheck and person they name. */
export const TESTING_WRITE_CASES: WriteCase[] = [
  {
    route: 'POST /api/testing/campaigns/:id/exemptions',
    async make(env, city) {
      const { mine, theirs } = await worlds(env, city);
      const body = { personIds: [mine.persons[0]!.id], reason: '长期卧床，另行上门采样' };
      const url = (id: string) => `/api/testing/campaigns/${id}/exemptions`;
      return {
        url: url(mine.campaign),
        body,
        variants: [
          swap('personIds', body, { personIds: [mine.persons[0]!.id, theirs.persons[0]!.id] }, { personIds: [mine.persons[0]!.id, MISSING_ID] }),
          { field: 'id (path)', outOfScope: body, missing: body, outUrl: url(theirs.campaign), missingUrl: url(MISSING_ID) },
        ],
      };
    },
  },
  {
    route: 'POST /api/testing/campaigns/:id/household-tubes',
    async make(env, city) {
      const { mine, theirs } = await worlds(env, city, { household: true });
      const householdOf = async (p: PersonFixture) => (await env.deps.services.population.get(sys, p.id)).householdId!;
      const body = {
        clientId: cid(),
        householdId: await householdOf(mine.persons[3]!),
        siteId: mine.site,
        barcode: barcode('MH'),
        members: [{ idNumber: mine.persons[3]!.idNumber }],
      };
      const again = (o: Record<string, unknown>) => ({ ...body, clientId: cid(), barcode: barcode('MH'), ...o });
      const url = (id: string) => `/api/testing/campaigns/${id}/household-tubes`;
      return {
        url: url(mine.campaign),
        body,
        variants: [
          { field: 'householdId', outOfScope: again({ householdId: await householdOf(theirs.persons[3]!) }), missing: again({ householdId: MISSING_ID }) },
          { field: 'siteId', outOfScope: again({ siteId: theirs.site }), missing: again({ siteId: MISSING_ID }) },
          {
            field: 'members.idNumber',
            outOfScope: again({ members: [{ idNumber: theirs.persons[3]!.idNumber }] }),
            missing: again({ members: [{ idNumber: '420502199001011234' }] }),
          },
          { field: 'id (path)', outOfScope: again({}), missing: again({}), outUrl: url(theirs.campaign), missingUrl: url(MISSING_ID) },
        ],
      };
    },
  },
  {
    route: 'POST /api/testing/scans',
    async make(env, city) {
      const { mine, theirs } = await worlds(env, city);
      const body = { clientId: cid(), tubeId: mine.openTube.id, idNumber: mine.persons[1]!.idNumber };
      return {
        url: '/api/testing/scans',
        body,
        variants: [
          swap('tubeId', body, { clientId: cid(), tubeId: theirs.openTube.id }, { clientId: cid(), tubeId: MISSING_ID }),
          swap('idNumber', body, { clientId: cid(), idNumber: theirs.persons[1]!.idNumber }, { clientId: cid(), idNumber: '420502199001011234' }),
        ],
      };
    },
  },
  {
    route: 'POST /api/testing/scans/batch',
    async make(env, city) {
      const { mine, theirs } = await worlds(env, city);
      const open = { op: 'open', clientId: cid(), campaignId: mine.campaign, siteId: mine.site, barcode: barcode('MB') };
      const body = { items: [open] };
      const item = (o: Record<string, unknown>) => ({ items: [{ ...open, clientId: cid(), barcode: barcode('MB'), ...o }] });
      return {
        url: '/api/testing/scans/batch',
        body,
        variants: [
          {
            field: 'items.campaignId',
            outOfScope: item({ campaignId: theirs.campaign, siteId: theirs.site }),
            missing: item({ campaignId: MISSING_ID, siteId: theirs.site }),
          },
          { field: 'items.siteId', outOfScope: item({ siteId: theirs.site }), missing: item({ siteId: MISSING_ID }) },
          {
            field: 'items.barcode (scan)',
            outOfScope: {
              items: [{ op: 'scan', clientId: cid(), campaignId: mine.campaign, barcode: theirs.openTube.barcode, idNumber: mine.persons[1]!.idNumber }],
            },
            missing: { items: [{ op: 'scan', clientId: cid(), campaignId: mine.campaign, barcode: 'NOSUCHTUBE99', idNumber: mine.persons[1]!.idNumber }] },
          },
          {
            field: 'items.tubeId (close)',
            outOfScope: { items: [{ op: 'close', clientId: cid(), tubeId: theirs.openTube.id }] },
            missing: { items: [{ op: 'close', clientId: cid(), tubeId: MISSING_ID }] },
          },
        ],
      };
    },
  },
  {
    route: 'POST /api/testing/lab/receive',
    async make(env, city) {
      const { mine, theirs } = await worlds(env, city);
      const body = { boxCode: 'BOX-MATRIX-1', barcodes: [mine.closedTube.barcode] };
      return {
        url: '/api/testing/lab/receive',
        body,
        variants: [
          swap('barcodes', body, { barcodes: [theirs.closedTube.barcode] }, { barcodes: ['NOSUCHTUBE98'] }),
          swap('campaignId', body, { campaignId: theirs.campaign }, { campaignId: MISSING_ID }),
        ],
      };
    },
  },
  {
    route: 'POST /api/testing/lab/results',
    async make(env, city) {
      const { mine, theirs } = await worlds(env, city);
      const body = { barcode: mine.receivedTube.barcode, result: 'negative', lab: '矩阵实验室' };
      return {
        url: '/api/testing/lab/results',
        body,
        variants: [
          swap('barcode', body, { barcode: theirs.receivedTube.barcode }, { barcode: 'NOSUCHTUBE97' }),
          swap('campaignId', body, { campaignId: theirs.campaign }, { campaignId: MISSING_ID }),
        ],
      };
    },
  },
  {
    route: 'POST /api/testing/rechecks/:id/sample',
    async make(env, city) {
      const { mine, theirs } = await worlds(env, city);
      const body = { clientId: cid(), barcode: barcode('MK'), idNumber: mine.persons[1]!.idNumber };
      const url = (id: string) => `/api/testing/rechecks/${id}/sample`;
      return {
        url: url(mine.recheck),
        body,
        variants: [
          {
            field: 'id (path)',
            outOfScope: { ...body, clientId: cid() },
            missing: { ...body, clientId: cid() },
            outUrl: url(theirs.recheck),
            missingUrl: url(MISSING_ID),
          },
        ],
      };
    },
  },
  {
    route: 'POST /api/cases/confirm-from-recheck',
    async make(env, city) {
      const { mine, theirs } = await worlds(env, city);
      const testing = env.deps.services.testing;
      // The single tube of each recheck, sampled, received and positive.
      const positiveRecheckTube = async (w: World) => {
        const code = barcode('MC');
        const r = await testing.rechecks.sample(undefined, sys, w.recheck, { clientId: cid(), barcode: code });
        await testing.lab.receive(undefined, sys, { boxCode: `BOX-${code}`, barcodes: [code] });
        await testing.lab.recordOne(undefined, sys, { barcode: code, result: 'positive', ctOrf1ab: 25, ctN: 27, lab: '矩阵实验室' });
        return r.tube.id as string;
      };
      const body = { recheckTubeId: await positiveRecheckTube(mine), kind: 'confirmed', reason: '单管复核阳性，确诊' };
      const other = await positiveRecheckTube(theirs);
      return {
        url: '/api/cases/confirm-from-recheck',
        body,
        variants: [
          swap('recheckTubeId', body, { recheckTubeId: other }, { recheckTubeId: MISSING_ID }),
          swap('handoverId', body, { recheckTubeId: undefined, handoverId: theirs.recheck }, { recheckTubeId: undefined, handoverId: MISSING_ID }),
        ],
      };
    },
  },
  {
    route: 'POST /api/doorknock/campaigns/:campaignId/knocks',
    async make(env, city) {
      const { mine, theirs } = await worlds(env, city);
      const body = { personId: mine.persons[3]!.id, outcome: 'not_at_home' };
      const url = (id: string) => `/api/doorknock/campaigns/${id}/knocks`;
      return {
        url: url(mine.campaign),
        body,
        variants: [
          swap('personId', body, { personId: theirs.persons[3]!.id }, { personId: MISSING_ID }),
          { field: 'campaignId (path)', outOfScope: body, missing: body, outUrl: url(theirs.campaign), missingUrl: url(MISSING_ID) },
        ],
      };
    },
  },
  {
    route: 'POST /api/doorknock/persons/:id/phone',
    async make(env, city) {
      const { mine, theirs } = await worlds(env, city);
      const withPhone = async (p: PersonFixture, k: number) => {
        const at = (await env.deps.services.population.get(sys, p.id)).address!.jurisdictionId;
        const birthDate = '1980-05-06';
        return (
          await env.deps.services.population.create(undefined, sys, {
            name: `矩阵电话${k}`,
            idType: 'resident_id',
            idNumber: makeResidentId('420502', birthDate, 700 + k, 'female'),
            birthDate,
            sex: 'female',
            resident: true,
            phone: '13900001111',
            address: { jurisdictionId: at, room: '101' },
          })
        ).id;
      };
      const n = ++serial;
      const own = await withPhone(mine.persons[0]!, 2 * n);
      const other = await withPhone(theirs.persons[0]!, 2 * n + 1);
      const body = { reason: '敲门核查' };
      const url = (id: string) => `/api/doorknock/persons/${id}/phone`;
      return { url: url(own), body, variants: [{ field: 'id (path)', outOfScope: body, missing: body, outUrl: url(other), missingUrl: url(MISSING_ID) }] };
    },
  },
];
