import type { Role, UnitKind } from '../../common/roles.js';
import type { Deps } from '../deps.js';
import { inTx } from '../db/dialect.js';
import { systemActor } from '../platform/actor.js';
import type { JurisdictionBrief } from '../platform/auth/auth.schemas.js';

/** The demo login printed by `npm start`. */
export const DEMO_ADMIN = { username: 'admin', password: 'bulwark-demo' } as const;

/** Every demo account uses this password. */
export const DEMO_PASSWORD = DEMO_ADMIN.password;

/** Where a demo unit sits: the city, a district by code, or the n-th community of a district. */
type Place = { city: true } | { district: string } | { community: string; index: number };

interface DemoUnit {
  key: string;
  name: string | ((j: JurisdictionBrief) => string);
  kind: UnitKind;
  place: Place;
  parent?: string;
}

interface DemoUser {
  username: string;
  displayName: string;
  unit: string;
  roles: Role[];
}

const CITY = '420500';
const XILING = '420502';
const WUJIAGANG = '420503';

/** Community committees are 居委会 in a 社区 and 村委会 in a 村. */
const committee = (j: JurisdictionBrief) => (j.name.endsWith('村') ? `${j.name}村民委员会` : `${j.name}居委会`);

const UNITS: DemoUnit[] = [
  { key: 'hq', name: '宜昌市疫情防控指挥部', kind: 'hq', place: { city: true } },
  { key: 'testing', name: '核酸检测专班', kind: 'task_force', place: { city: true }, parent: 'hq' },
  { key: 'tracing', name: '流调溯源专班', kind: 'task_force', place: { city: true }, parent: 'hq' },
  { key: 'supply', name: '物资保障专班', kind: 'task_force', place: { city: true }, parent: 'hq' },
  { key: 'opinion', name: '舆情研判专班', kind: 'task_force', place: { city: true }, parent: 'hq' },
  { key: 'lab', name: '宜昌市疾控中心检测实验室', kind: 'lab', place: { city: true }, parent: 'hq' },
  { key: 'xl_c1', name: committee, kind: 'community', place: { community: XILING, index: 0 }, parent: `district:${XILING}` },
  { key: 'xl_c2', name: committee, kind: 'community', place: { community: XILING, index: 1 }, parent: `district:${XILING}` },
  { key: 'xl_c3', name: committee, kind: 'community', place: { community: XILING, index: 2 }, parent: `district:${XILING}` },
  { key: 'wjg_c1', name: committee, kind: 'community', place: { community: WUJIAGANG, index: 0 }, parent: `district:${WUJIAGANG}` },
];

const USERS: DemoUser[] = [
  { username: DEMO_ADMIN.username, displayName: '系统管理员', unit: 'hq', roles: ['commander', 'admin'] },
  { username: 'commander', displayName: '市指挥长', unit: 'hq', roles: ['commander'] },
  { username: 'auditor', displayName: '审计员', unit: 'hq', roles: ['auditor'] },
  { username: 'xiling_officer', displayName: '西陵区专员', unit: `district:${XILING}`, roles: ['district_officer'] },
  { username: 'wujiagang_officer', displayName: '伍家岗区专员', unit: `district:${WUJIAGANG}`, roles: ['district_officer'] },
  { username: 'community1', displayName: '社区网格员', unit: 'xl_c1', roles: ['community_worker'] },
  { username: 'sampler1', displayName: '采样员一', unit: 'testing', roles: ['sampler'] },
  { username: 'lab1', displayName: '检测员一', unit: 'lab', roles: ['lab_technician'] },
  { username: 'tracer1', displayName: '流调员一', unit: 'tracing', roles: ['tracer'] },
  { username: 'supply1', displayName: '物资保障员一', unit: 'supply', roles: ['supply_officer'] },
  { username: 'analyst1', displayName: '舆情分析员一', unit: 'opinion', roles: ['analyst'] },
];

/**
 * Creates the demo units and staff on the demo city: 宜昌市疫情防控指挥部 at the city, a district
 * command HQ per district/county, committees for a few communities, the city task forces and a lab;
 * then one user per role (all with the password `bulwark-demo`), and `admin` (admin + commander,
 * whole city). Jurisdictions are found by division code. Safe to run again: what exists is kept.
 * Does nothing (and says so) when the city is not loaded.
 */
export async function seedDemoUsers(deps: Deps): Promise<{ users: number }> {
  const { db } = deps;
  const { auth, geo } = deps.services;
  const actor = systemActor('demo');
  const city = await geo.getByCode(CITY);
  if (!city) {
    deps.log.warn({ code: CITY }, 'demo staff not created: the demo city is not loaded');
    return { users: 0 };
  }
  const districts = (await geo.list(actor, { parentId: city.id, level: 'district', limit: 100 })).sort((a, b) => a.code.localeCompare(b.code));

  // Units: the fixed list plus one command HQ per district, parents before children.
  const specs: { key: string; name: string; kind: UnitKind; jurisdiction: JurisdictionBrief; parent?: string }[] = [];
  for (const u of UNITS.filter((x) => 'city' in x.place))
    specs.push({ key: u.key, name: u.name as string, kind: u.kind, jurisdiction: city, parent: u.parent });
  for (const d of districts) specs.push({ key: `district:${d.code}`, name: `${d.name}疫情防控指挥部`, kind: 'district_hq', jurisdiction: d, parent: 'hq' });
  for (const u of UNITS.filter((x) => 'community' in x.place)) {
    const place = u.place as { community: string; index: number };
    const district = districts.find((d) => d.code === place.community);
    if (!district) continue;
    const communities = (await geo.list(actor, { parentId: district.id, level: 'community', limit: 50 })).sort((a, b) => a.code.localeCompare(b.code));
    const community = communities[place.index];
    if (community)
      specs.push({ key: u.key, name: (u.name as (j: JurisdictionBrief) => string)(community), kind: u.kind, jurisdiction: community, parent: u.parent });
  }

  const unitIds = new Map<string, string>();
  await inTx(db, async (trx) => {
    for (const s of specs) {
      const same = await auth.units.list(actor, { jurisdictionId: s.jurisdiction.id, q: s.name, limit: 50 }, trx);
      const parentUnitId = s.parent ? unitIds.get(s.parent) : undefined;
      const id =
        same.items.find((u) => u.name === s.name)?.id ??
        (await auth.units.create(actor, { name: s.name, kind: s.kind, jurisdictionId: s.jurisdiction.id, parentUnitId }, trx)).id;
      unitIds.set(s.key, id);
    }
  });

  const missing: DemoUser[] = [];
  for (const u of USERS) if (unitIds.has(u.unit) && !(await auth.users.findByUsername(u.username))) missing.push(u);
  const prepared = await Promise.all(
    missing.map((u) =>
      auth.users.prepare(actor, { username: u.username, displayName: u.displayName, password: DEMO_PASSWORD, unitId: unitIds.get(u.unit)!, roles: u.roles }),
    ),
  );
  if (prepared.length === 0) return { users: 0 };
  await inTx(db, async (trx) => {
    const ids = await auth.users.insertMany(trx, actor, prepared);
    await deps.services.journal.appendBatch(trx, actor, {
      action: 'auth.user.seed',
      entityType: 'user',
      rows: prepared.map((p, i) => ({ id: ids[i], username: p.username, unitId: p.unit.id, roles: p.roles })),
      summary: { source: 'demo', users: prepared.length },
    });
  });
  return { users: prepared.length };
}
