/**
 * What other modules may call on the testing module (`deps.services.testing`), one line each.
 * Everything else in this folder is internal (repository, tables, sub-services); types are
 * published through `index.ts`. `createTestingService` checks its facade against this port
 * (`satisfies TestingPort`).
 */
import type { DbOrTx, Tx } from '../../db/dialect.js';
import type { Actor } from '../../platform/actor.js';
import type { CampaignDto, CoverageDto, CreateCampaignInput, RecheckDto, TraceDto, TubeDto } from './testing.schemas.js';

export interface TestingPort {
  campaigns: {
    /** Creates a planned campaign over a scope (journaled); zoning's lifting rounds start here. */
    create(trx: Tx | undefined, actor: Actor, input: CreateCampaignInput): Promise<CampaignDto>;
    /** Activates a planned campaign: stores its target population per node, then it takes tubes. */
    activate(trx: Tx | undefined, actor: Actor, id: string): Promise<CampaignDto>;
    /** One campaign the actor may read (its scope overlaps theirs), else CAMPAIGN_NOT_FOUND. */
    get(actor: Actor, id: string, db?: DbOrTx): Promise<CampaignDto>;
    /** Campaigns the actor may read, newest first. */
    list(actor: Actor, f: { status?: string; limit?: number; offset?: number }, db?: DbOrTx): Promise<{ items: CampaignDto[]; total: number }>;
  };
  coverage: {
    /** A campaign's live coverage at a node (the actor's scope when none is given), from the counters. */
    get(actor: Actor, campaignId: string, jurisdictionId?: string, db?: DbOrTx): Promise<CoverageDto>;
  };
  tubes: {
    /** One tube in the actor's scope with its last masked names, else TUBE_NOT_FOUND. */
    get(actor: Actor, id: string, db?: DbOrTx): Promise<TubeDto>;
    /** Where a tube leads: its persons, site, sampler, results and rechecks (the cases module's source). */
    trace(actor: Actor, id: string, db?: DbOrTx): Promise<TraceDto>;
  };
  rechecks: {
    /** One recheck in the actor's scope, else RECHECK_NOT_FOUND. */
    get(actor: Actor, id: string, db?: DbOrTx): Promise<RecheckDto>;
    /** The cases module took over a positive recheck as a case (`caseRef`); journaled. */
    acknowledgeHandover(trx: Tx | undefined, actor: Actor, recheckId: string, caseRef: string): Promise<RecheckDto>;
  };
}
