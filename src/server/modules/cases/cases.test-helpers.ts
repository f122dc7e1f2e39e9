import type { TestEnv } from '../../../../test/helpers/db.js';
import type { JurisdictionRef } from '../../../../test/helpers/factories.js';
import { systemActor } from '../../platform/actor.js';
import { barcode, cid, codeOf, matrixRecords } from '../testing/testing.test-helpers.js';

/**
 * A positive single-tube recheck handed over to the cases module, made through the testing services:
 * a positive pool under `street`, its first recheck sampled and resulted positive.
 */
export async function makePositiveRecheck(
  env: TestEnv,
  street: JurisdictionRef,
): Promise<{ recheckId: string; recheckTubeId: string; poolTubeId: string; personId: string }> {
  const sys = systemActor('test');
  const testing = env.deps.services.testing;
  const m = await matrixRecords(env, street);
  const r = await testing.rechecks.get(sys, m.recheck);
  const code = barcode('RC');
  await testing.rechecks.sample(undefined, sys, r.id, { clientId: cid(), barcode: code, residentCode: await codeOf(env, r.personId) });
  await testing.lab.receive(undefined, sys, { boxCode: `BOX-${code}`, barcodes: [code] });
  await testing.lab.recordOne(undefined, sys, { barcode: code, result: 'positive', ctOrf1ab: 25, ctN: 27, lab: '复核实验室' });
  const after = await testing.rechecks.get(sys, r.id);
  if (after.status !== 'positive') throw new Error(`recheck not positive: ${after.status}`);
  return { recheckId: r.id, recheckTubeId: after.tubeId, poolTubeId: m.tube, personId: r.personId };
}
