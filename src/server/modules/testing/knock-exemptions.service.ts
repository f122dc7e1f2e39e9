import { AREA_MEASURE_STATUSES } from '../../../common/control.js';
import type { TestingInputs } from './testing.inputs.js';
import type { Tx } from '../../db/dialect.js';
import { inScope, type Actor } from '../../platform/actor.js';
import { recordExemptions, type CampaignService } from './campaigns.service.js';
import { TestingErrors } from './testing.errors.js';
import { inCampaignScope } from './testing.shared.js';

/**
 * Exemptions found at the door (issue 16, 敲门行动): a grid worker who learns at a resident's door that
 * the person moved away, is away from the city or is in hospital takes them out of the campaign's
 * target, exactly as a hand exemption does (`campaigns.exempt`: exempt row, coverage counters, totals,
 * journal), but for ONE person in the worker's own scope of a campaign the worker can see (not the whole
 * campaign's scope: a community worker does not manage a district's campaign). Kept in its own file
 * while coverage.service.ts is being split.
 */
export function createKnockExemptionService(deps: TestingInputs<'clock', 'control' | 'journal' | 'population'>, campaigns: CampaignService) {
  return {
    /**
     * Exempts one person of the actor's scope from an active campaign with a reason; returns whether
     * the person was newly exempted. Area-measure residents are refused as in `campaigns.exempt`.
     */
    async exemptAtDoor(tx: Tx, actor: Actor, campaignId: string, personId: string, reason: string): Promise<{ exempted: boolean }> {
      const c = await campaigns.visible(tx, actor, campaignId);
      if (c.status !== 'active') throw TestingErrors.CAMPAIGN_NOT_ACTIVE({ id: c.id, status: c.status });
      const path = (await deps.services.population.pathsOf([personId], tx)).get(personId);
      if (!path || !inScope(actor, path) || !inCampaignScope(JSON.parse(c.scope_paths) as string[], path))
        throw TestingErrors.PERSON_OUTSIDE_CAMPAIGN({ personIds: [personId], count: 1 });
      const status = (await deps.services.control.statusesOf([personId], tx)).get(personId)?.status ?? 'none';
      if ((AREA_MEASURE_STATUSES as readonly string[]).includes(status))
        throw TestingErrors.PERSON_UNDER_AREA_MEASURE({ field: 'outcome', personIds: [personId], count: 1 });
      const now = deps.clock.now();
      const fresh = await recordExemptions(
        tx,
        c,
        [{ campaign_id: c.id, person_id: personId, jurisdiction_path: path, reason, created_by: actor.userId, created_by_name: actor.name, created_at: now }],
        now,
      );
      if (!fresh.size) return { exempted: false };
      await deps.services.journal.append(tx, actor, {
        action: 'testing.campaign.exempt',
        entityType: 'testing_campaign',
        entityId: c.id,
        jurisdictionPath: path,
        payload: { personId, channel: 'doorknock' },
        reason,
      });
      return { exempted: true };
    },
  };
}
