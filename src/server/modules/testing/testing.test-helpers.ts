import { JURISDICTION_LEVELS } from '../../../common/geo.js';
import type { Role } from '../../../common/roles.js';
import type { TestApp, TestEnv } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, sessionHeaders, type JurisdictionRef, type UnitRef } from '../../../../test/helpers/factories.js';
import { inTx } from '../../db/dialect.js';
import { systemActor } from '../../platform/actor.js';
import { newId } from '../../platform/ids.js';
import { actorOf } from '../../platform/tasks/tasks.test-helpers.js';
import type { NewJurisdiction, Ring } from '../geo/index.js';
import { makeResidentId } from '../population/index.js';

/** A square ring of `sizeDeg` around a centre (a compound's outline for the 15-minute circle). */
export function square([lng, lat]: [number, number], sizeDeg = 0.002): Ring {
  const h = sizeDeg / 2;
  return [
    [lng - h, lat - h],
    [lng + h, lat - h],
    [lng + h, lat + h],
    [lng - h, lat + h],
  ];
}

export interface Node extends JurisdictionRef {
  level: string;
}

let serial = 0;

/**
 * Adds 社区 → 小区 → 楼栋… under a parent through the geo service (with geometry, so centroids
 * exist). Returns the nodes by a short name.
 */
export async function addNodes(
  env: TestEnv,
  parent: JurisdictionRef,
  spec: { code: string; name: string; level: string; centre?: [number, number] }[],
): Promise<Node[]> {
  const out: Node[] = [];
  const nodes: NewJurisdiction[] = [];
  for (const s of spec) {
    const above = JURISDICTION_LEVELS[JURISDICTION_LEVELS.indexOf(s.level as never) - 1];
    const p = [...out].reverse().find((n) => n.level === above) ?? parent;
    const n: NewJurisdiction = {
      id: newId(),
      code: s.code,
      name: s.name,
      level: s.level as NewJurisdiction['level'],
      kind: null,
      parentId: p.id,
      path: `${p.path}${s.code}/`,
      ring: s.centre ? square(s.centre) : null,
      population: 0,
    };
    nodes.push(n);
    const ref = { id: n.id, code: n.code, path: n.path, name: n.name, level: s.level };
    out.push(ref);
  }
  await inTx(env.deps.db, (trx) => env.deps.services.geo.insertMany(trx, nodes));
  return out;
}

export interface PersonFixture {
  id: string;
  name: string;
  idNumber: string;
  path: string;
}

/** Registers residents in a building (valid resident IDs) and returns them with their ID numbers. */
export async function addPersons(
  env: TestEnv,
  building: JurisdictionRef,
  n: number,
  o: { vulnerable?: ('bedridden' | 'elderly_alone' | 'dialysis')[] } = {},
): Promise<PersonFixture[]> {
  const inputs = Array.from({ length: n }, (_, i) => {
    const k = ++serial;
    const sex = (k % 2 ? 'male' : 'female') as 'male' | 'female';
    const birthDate = `19${60 + (k % 30)}-0${1 + (k % 9)}-1${k % 10}`;
    return {
      name: `居民${String.fromCharCode(0x4e00 + (k % 500))}${k}`,
      idType: 'resident_id' as const,
      idNumber: makeResidentId('420502', birthDate, 100 + k, sex),
      birthDate,
      sex,
      resident: true,
      address: { jurisdictionId: building.id, room: `${101 + i}` },
      vulnerable: o.vulnerable,
    };
  });
  const r = await env.deps.services.population.createMany(undefined, systemActor('test'), inputs);
  return r.ids.map((id, i) => ({ id, name: inputs[i].name, idNumber: inputs[i].idNumber, path: `${building.path}` }));
}

/** A signed resident code for a person (what the sampler page scans). */
export async function codeOf(env: TestEnv, personId: string): Promise<string> {
  return (await env.deps.services.population.issueResidentCode(systemActor('test'), personId)).payload;
}

/**
 * The testing city: 宜昌市 with 西陵区 (street 西陵街道 → communities A and B; compounds A1, A2, B1 with
 * buildings) and 伍家岗区 (community C → compound C1 → building). Units at the city (HQ), the
 * district, each community and a lab; users for each role that testing uses.
 */
export async function buildTestingCity(t: TestApp) {
  const db = t.deps.db;
  const city = await buildMiniCity(db);
  const s = city.street.code.slice(0, 9);
  const o = city.otherStreet.code.slice(0, 9);
  const [commA, compA1, bA11, bA12, compA2, bA21] = await addNodes(t, city.street, [
    { code: `${s}001`, name: '夷陵社区', level: 'community' },
    { code: `${s}001001`, name: '滨江苑', level: 'compound', centre: [111.3, 30.7] },
    { code: `${s}00100101`, name: '1栋', level: 'building' },
    { code: `${s}00100102`, name: '2栋', level: 'building' },
    { code: `${s}001002`, name: '江岸小区', level: 'compound', centre: [111.32, 30.7] },
    { code: `${s}00100201`, name: '1栋', level: 'building' },
  ]);
  const [commB, compB1, bB11] = await addNodes(t, city.street, [
    { code: `${s}002`, name: '学院社区', level: 'community' },
    { code: `${s}002001`, name: '学苑小区', level: 'compound', centre: [111.3, 30.72] },
    { code: `${s}00200101`, name: '1栋', level: 'building' },
  ]);
  const [commC, compC1, bC11] = await addNodes(t, city.otherStreet, [
    { code: `${o}001`, name: '伍家社区', level: 'community' },
    { code: `${o}001001`, name: '伍家苑', level: 'compound', centre: [111.35, 30.66] },
    { code: `${o}00100101`, name: '1栋', level: 'building' },
  ]);
  const units = {
    hq: await buildUnit(db, { name: '市疫情防控指挥部', jurisdiction: city.city, kind: 'hq' }),
    xiling: await buildUnit(db, { name: '西陵区指挥部', jurisdiction: city.xiling, kind: 'district_hq' }),
    commA: await buildUnit(db, { name: '夷陵社区居委会', jurisdiction: commA, kind: 'community' }),
    wujiagang: await buildUnit(db, { name: '伍家岗区指挥部', jurisdiction: city.wujiagang, kind: 'district_hq' }),
    lab: await buildUnit(db, { name: '市疾控检测中心', jurisdiction: city.city, kind: 'lab' }),
  };
  const user = async (unit: UnitRef, roles: Role[], username: string) => {
    const u = await buildUser(db, { unit, roles, username });
    return { user: u, actor: actorOf(u), headers: await sessionHeaders(db, u, t.clock.now(), 365 * 86_400_000) };
  };
  const users = {
    commander: await user(units.hq, ['commander'], 'commander'),
    officer: await user(units.xiling, ['district_officer'], 'xl_officer'),
    wjgOfficer: await user(units.wujiagang, ['district_officer'], 'wjg_officer'),
    sampler: await user(units.xiling, ['sampler'], 'xl_sampler'),
    wjgSampler: await user(units.wujiagang, ['sampler'], 'wjg_sampler'),
    lab: await user(units.lab, ['lab_technician'], 'lab'),
    worker: await user(units.commA, ['community_worker'], 'worker_a'),
    analyst: await user(units.xiling, ['analyst'], 'analyst'),
  };
  const persons = {
    a11: await addPersons(t, bA11, 10),
    a12: await addPersons(t, bA12, 5, { vulnerable: ['bedridden'] }),
    a21: await addPersons(t, bA21, 5),
    b11: await addPersons(t, bB11, 5),
    c11: await addPersons(t, bC11, 3),
  };
  return { ...city, commA, compA1, bA11, bA12, compA2, bA21, commB, compB1, bB11, commC, compC1, bC11, units, users, persons };
}

export type TestingCity = Awaited<ReturnType<typeof buildTestingCity>>;

/** New sessions for every user at the current (test) time, after the clock was moved past their idle expiry. */
export async function refreshSessions(t: TestApp, city: TestingCity): Promise<void> {
  for (const u of Object.values(city.users)) u.headers = await sessionHeaders(t.deps.db, u.user, t.clock.now(), 365 * 86_400_000);
}

let barcodeSerial = 0;
/** A fresh valid barcode. */
export const barcode = (prefix = 'YC') => `${prefix}${String(Date.now() % 1e6).padStart(6, '0')}${String(++barcodeSerial).padStart(5, '0')}`;
/** A fresh client id. */
export const cid = () => newId();

/**
 * A real pool tube (campaign + site + tube, through the services) that other modules' tests can
 * cite as a `tube` basis: the status guard checks that tube bases exist. Builds its own jurisdiction
 * nodes under `street` the first time.
 */
export async function makeBasisTube(env: TestEnv, street: JurisdictionRef): Promise<string> {
  const sys = systemActor('test');
  const testing = env.deps.services.testing;
  const code = `${street.code.slice(0, 9)}9${String(++serial % 100).padStart(2, '0')}`;
  const [community] = await addNodes(env, street, [{ code, name: '复核基础社区', level: 'community' }]);
  const c = await testing.campaigns.create(undefined, sys, { name: '基础轮次', scopeJurisdictionIds: [community.id] });
  await testing.campaigns.activate(undefined, sys, c.id);
  const site = await testing.sites.create(undefined, sys, {
    name: '基础采样点',
    kind: 'tent',
    jurisdictionId: community.id,
    location: [111.3, 30.7],
    lanes: 1,
  });
  const r = await testing.sampling.openTube(sys, { clientId: cid(), campaignId: c.id, siteId: site.id, barcode: barcode('BASIS') });
  return r.tube!.id;
}

export interface MatrixRecords {
  campaign: string;
  site: string;
  tube: string;
  recheck: string;
  flag: string;
}

const matrixWorlds = new WeakMap<TestEnv, Map<string, Promise<MatrixRecords>>>();

/**
 * One of each testing record under a street (for the route-policy matrix): an active campaign over
 * a new community, a site, a pool tube whose positive result started a recheck, and a flag (the
 * same person scanned twice). Made once per database and street, through the services.
 */
export function matrixRecords(env: TestEnv, street: JurisdictionRef): Promise<MatrixRecords> {
  let perEnv = matrixWorlds.get(env);
  if (!perEnv) matrixWorlds.set(env, (perEnv = new Map()));
  let hit = perEnv.get(street.id);
  if (!hit) {
    hit = (async () => {
      const sys = systemActor('auth-matrix');
      const testing = env.deps.services.testing;
      const code = `${street.code.slice(0, 9)}7${String(++serial % 100).padStart(2, '0')}`;
      const [community, , building] = await addNodes(env, street, [
        { code, name: '矩阵社区', level: 'community' },
        { code: `${code}001`, name: '矩阵小区', level: 'compound', centre: [111.3, 30.7] },
        { code: `${code}00101`, name: '1栋', level: 'building' },
      ]);
      const persons = await addPersons(env, building, 2);
      const c = await testing.campaigns.create(undefined, sys, { name: '矩阵轮次', scopeJurisdictionIds: [community.id], poolSize: 5 });
      await testing.campaigns.activate(undefined, sys, c.id);
      const site = await testing.sites.create(undefined, sys, {
        name: '矩阵采样点',
        kind: 'tent',
        jurisdictionId: community.id,
        location: [111.3, 30.7],
        lanes: 1,
      });
      const code1 = barcode('MX');
      const prepared = await testing.sampling.prepareBatch(sys, [
        { op: 'open', clientId: cid(), campaignId: c.id, siteId: site.id, barcode: code1 },
        ...persons.map((p) => ({ op: 'scan' as const, clientId: cid(), campaignId: c.id, barcode: code1, idNumber: p.idNumber })),
        { op: 'scan', clientId: cid(), campaignId: c.id, barcode: code1, idNumber: persons[0].idNumber },
        { op: 'close', clientId: cid(), campaignId: c.id, barcode: code1 },
      ]);
      const batch = await testing.sampling.applyBatch(undefined, prepared);
      const tubeId = batch.items[0].tube!.id;
      await testing.lab.receive(undefined, sys, { boxCode: 'BOX-MX', barcodes: [code1] });
      await testing.lab.recordOne(undefined, sys, { barcode: code1, result: 'positive', ctOrf1ab: 28, ctN: 30, lab: '矩阵实验室' });
      const { items: rechecks } = await testing.rechecks.list(sys, { campaignId: c.id });
      const { items: flags } = await testing.flags.list(sys, c.id, {});
      return { campaign: c.id, site: site.id, tube: tubeId, recheck: rechecks[0].id, flag: flags[0].id };
    })();
    perEnv.set(street.id, hit);
  }
  return hit;
}
