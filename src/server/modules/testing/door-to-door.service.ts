import type { TestingInputs } from './testing.inputs.js';
import { inTx, type Tx } from '../../db/dialect.js';
import { inScope, type Actor } from '../../platform/actor.js';
import { AppError } from '../../platform/errors.js';
import { poolSizeAt, type CampaignService } from './campaigns.service.js';
import type { SamplingService } from './sampling.service.js';
import { TestingErrors } from './testing.errors.js';
import * as repo from './testing.repository.js';
import { POOL_HOUSEHOLD, POOL_SIZES } from './testing.rules.js';
import type { BatchOp } from './testing.schemas.js';
import { CoverageDeltas, inCampaignScope, requireCap } from './testing.shared.js';
import { firstItem, lastItem } from '../../platform/items.js';
import type { HouseholdTubeInput } from './testing.types.js';

/**
 * Door-to-door sampling (上门采样) of sealed compounds: one tube per household (1户1管). The tube takes
 * exactly the household's members, each scanned at the door: a person who is not a member, or a
 * member left out, refuses the whole tube. The tube, its scans, flags, counters and journal go
 * through the sampling service's own batch path in one transaction; this adds the door-to-door
 * counters and records the tube's size as the household's.
 */
export function createDoorToDoorService(deps: TestingInputs<'db' | 'clock', 'population' | 'journal'>, campaigns: CampaignService, sampling: SamplingService) {
  const { population } = deps.services;

  /**
   * Reads the household and looks up the scanned persons, outside any transaction (as the batch
   * path does: reads only), so that the transaction that writes stays short.
   */
  async function prepare(actor: Actor, campaignId: string, input: HouseholdTubeInput) {
    requireCap(actor, 'testing.sample');
    const household = await population.household(actor, input.householdId);
    const members = household.members;
    if (members.length > lastItem(POOL_SIZES, 'a pool size')) throw TestingErrors.HOUSEHOLD_TOO_LARGE({ householdId: household.id, members: members.length });
    // The tube is opened with the smallest pool size that holds the household, then closed and
    // recorded with the household's own size once every member is in it.
    const capacity = POOL_SIZES.find((k) => k >= members.length)!;
    const ops: BatchOp[] = [
      { op: 'open', clientId: input.clientId, campaignId, siteId: input.siteId, barcode: input.barcode, poolSize: capacity as 1 | 5 | 10 | 20, at: input.at },
      ...input.members.map((m, i) => ({
        op: 'scan' as const,
        clientId: `${input.clientId}:m${i}`,
        campaignId,
        barcode: input.barcode,
        residentCode: m.residentCode ?? undefined,
        idNumber: m.idNumber ?? undefined,
        idType: m.idType ?? undefined,
        at: input.at,
      })),
      // A household that fills its pool (one person in a pool of one) is closed by its last scan.
      ...(input.members.length >= capacity
        ? []
        : [{ op: 'close' as const, clientId: `${input.clientId}:close`, campaignId, barcode: input.barcode, at: input.at }]),
    ];
    return { household, members, prepared: await sampling.prepareBatch(actor, ops) };
  }

  /** Writes a prepared household tube in one transaction (the caller's, or a new one). */
  async function apply(trx: Tx | undefined, actor: Actor, campaignId: string, prep: Awaited<ReturnType<typeof prepare>>) {
    const { household, members, prepared } = prep;
    return inTx(trx ?? deps.db, async (tx) => {
      const c = await campaigns.visible(tx, actor, campaignId);
      if (c.status !== 'active') throw TestingErrors.CAMPAIGN_NOT_ACTIVE({ id: c.id, status: c.status });
      const path = household.address.path;
      if (!inCampaignScope(JSON.parse(c.scope_paths) as string[], path) || !inScope(actor, path))
        throw TestingErrors.HOUSEHOLD_NOT_FOUND({ householdId: household.id });
      if (poolSizeAt(c, path) !== POOL_HOUSEHOLD)
        throw TestingErrors.HOUSEHOLD_NOT_IN_HOUSEHOLD_MODE({ householdId: household.id, poolSize: poolSizeAt(c, path) });
      // Exactly the household: every member once, nobody else.
      // A typed ID number registered outside the caller's scope is answered as an unregistered one,
      // not as a stranger to the household: the door must not tell who is registered elsewhere (issue 14).
      const scanned = prepared
        .filter((p) => p.op.op === 'scan')
        .map((p) =>
          p.person && !(p.person instanceof AppError) && p.person.method === 'id_number' && !inScope(actor, p.person.path)
            ? TestingErrors.PERSON_NOT_FOUND({ by: 'idNumber' })
            : p.person,
        );
      const bad = scanned.find((p) => p instanceof AppError);
      if (bad instanceof AppError) throw bad;
      const ids = scanned.map((p) => (p as { personId: string }).personId);
      const memberIds = new Set(members.map((m) => m.id));
      const strangers = ids.filter((id) => !memberIds.has(id));
      const missing = [...memberIds].filter((id) => !ids.includes(id));
      if (strangers.length || missing.length || new Set(ids).size !== ids.length) {
        throw TestingErrors.HOUSEHOLD_MEMBERS_MISMATCH({
          field: 'members',
          householdId: household.id,
          members: memberIds.size,
          scanned: ids.length,
          notMembers: strangers.length,
          missing: missing.length,
        });
      }
      const before = await repo.sampledAmong(tx, c.id, ids);
      const { results, errors } = await sampling.applyPrepared(tx, prepared);
      const rejected = results.find((r) => r.status === 'rejected');
      if (rejected) throw errors.get(rejected.index) ?? TestingErrors.TUBE_CLOSED({ clientId: rejected.clientId });
      const first = firstItem(results, 'the result of the tube');
      const tube = first.tube!;
      if (first.status === 'applied') {
        await repo.updateTube(tx, tube.id, { pool_size: members.length, closed_reason: 'full', updated_at: deps.clock.now() });
        // The door-to-door channel: members sampled at their door for the first time in this round.
        const deltas = new CoverageDeltas();
        for (const m of members) if (!before.has(m.id)) deltas.add(m.location.path, 'door_sampled', 1);
        await repo.applyCoverageDeltas(tx, c.id, deltas.byPath, deps.clock.now());
        // The scans are journaled by the batch path; this records that the tube is a household's.
        await deps.services.journal.append(tx, actor, {
          action: 'testing.household-tube',
          entityType: 'testing_tube',
          entityId: tube.id,
          jurisdictionPath: path,
          payload: { campaignId: c.id, householdId: household.id, barcode: tube.barcode, persons: members.length },
        });
      }
      return {
        tubeId: tube.id,
        barcode: tube.barcode,
        householdId: household.id,
        persons: members.length,
        status: first.status as 'applied' | 'duplicate',
      };
    });
  }

  return {
    prepare,
    apply,
    /** Prepares and writes a household tube in its own transaction. */
    async sampleHousehold(actor: Actor, campaignId: string, input: HouseholdTubeInput) {
      return apply(undefined, actor, campaignId, await prepare(actor, campaignId, input));
    },
  };
}
