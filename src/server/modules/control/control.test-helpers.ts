import type { ControlService } from './control.types.js';
import { randomInt } from 'node:crypto';
import type { TestEnv } from '../../../../test/helpers/db.js';
import { buildJurisdiction, type JurisdictionRef } from '../../../../test/helpers/factories.js';
import { systemActor, type Actor } from '../../platform/actor.js';

const buildings = new WeakMap<TestEnv, Map<string, Promise<JurisdictionRef>>>();
let serial = 0;

/** One compound with one building under `street` (made once per test database). */
function buildingUnder(env: TestEnv, street: JurisdictionRef): Promise<JurisdictionRef> {
  let perEnv = buildings.get(env);
  if (!perEnv) buildings.set(env, (perEnv = new Map()));
  let b = perEnv.get(street.id);
  if (!b) {
    b = (async () => {
      // A code unlikely to collide with other fixtures' compounds under the same street.
      const code = `${street.code}8${String(randomInt(1000)).padStart(3, '0')}`;
      const compound = await buildJurisdiction(env.deps.db, { code, name: '滨江苑', level: 'compound', kind: 'urban', parent: street });
      return buildJurisdiction(env.deps.db, { code: `${code}01`, name: '1栋', level: 'building', kind: 'apartment', parent: compound });
    })();
    perEnv.set(street.id, b);
  }
  return b;
}

/**
 * Registers `n` residents living in a building under `street` through the population service and
 * returns their ids (passport holders, so no resident-ID arithmetic is needed here).
 */
export async function makePersons(env: TestEnv, street: JurisdictionRef, n: number): Promise<string[]> {
  const building = await buildingUnder(env, street);
  const inputs = Array.from({ length: n }, (_, i) => ({
    name: `居民${++serial}`,
    idType: 'passport' as const,
    idNumber: `E${String(serial).padStart(8, '0')}`,
    birthDate: '1980-01-01',
    sex: (i % 2 ? 'female' : 'male') as 'male' | 'female',
    resident: true,
    address: { jurisdictionId: building.id, room: String(101 + i) },
  }));
  const r = await env.deps.services.population.createMany(undefined, systemActor('test'), inputs);
  return r.ids;
}

/**
 * Registers one non-resident (a visitor with a place of stay in the building under `street`, no
 * household) through the population service and returns its id: the record a merge absorbs.
 */
export async function makeVisitor(env: TestEnv, street: JurisdictionRef): Promise<string> {
  const building = await buildingUnder(env, street);
  const n = ++serial;
  const p = await env.deps.services.population.create(undefined, systemActor('test'), {
    name: `访客${n}`,
    idType: 'passport',
    idNumber: `V${String(n).padStart(8, '0')}`,
    birthDate: '1990-05-05',
    sex: 'male',
    resident: false,
    jurisdictionId: building.id,
    regionOfOrigin: '湖南省长沙市',
  });
  return p.id;
}

/**
 * The control tests exercise the guard on its own, citing made-up basis ids. The testing and cases
 * modules register validators that require their real records, so stand in for them here.
 */
export function acceptAnyBasis(control: Pick<ControlService, 'registerBasisValidator'>): void {
  for (const type of ['tube', 'case', 'contact', 'recheck', 'risk_area'] as const) control.registerBasisValidator(type, async () => true);
}

/** A second person for test approvals: a user actor (every capability, whole city) distinct from any reviewer. */
const testApprover: Actor = { ...systemActor('test'), kind: 'user', userId: 'test-review-approver', name: '复核审批人' };

/**
 * An APPROVED review record (研判记录) that a `manual_review` basis may cite: written by the system
 * and approved by a second person, through the control service. `jurisdictionId` scopes it (default:
 * the whole city, citable by anyone who may change statuses).
 */
export async function approvedReview(env: Pick<TestEnv, 'deps'>, o: { jurisdictionId?: string; subject?: string } = {}): Promise<string> {
  const reviews = env.deps.services.control.reviews;
  const r = await reviews.create(undefined, systemActor('test'), {
    jurisdictionId: o.jurisdictionId,
    subject: o.subject ?? '测试对象 test subject',
    reason: '流调研判认定需采取措施 · investigation finds a measure warranted',
    evidence: '流调报告第1号 · investigation report no. 1',
  });
  return (await reviews.approve(undefined, testApprover, r.id)).id;
}
