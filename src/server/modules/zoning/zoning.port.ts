import type { AreaDetailDto, AreaDto, AreaStatus, GenerateProposalsResultDto, RiskLevel } from '../../../common/zoning.js';
import type { CreateAreaBody, PublicZoningDto, PublishAreaBody } from './zoning.schemas.js';
import type { DbOrTx, Tx } from '../../db/dialect.js';
import type { Actor } from '../../platform/actor.js';

/** A node of a published area with the area's level and its residents' measure. */
export interface AreaLevelNode {
  path: string;
  level: RiskLevel;
  areaId: string;
  measure: 'sealed' | 'controlled' | null;
}

/**
 * What other modules may call on zoning (the rest of the service is for its own routes). Writes take
 * an optional transaction and open one when none is given; reads take an optional `db | trx`.
 */
export interface ZoningPort {
  /** Testing: published areas' nodes inside or above `paths`, with level and measure (no scope check; the caller's is). */
  areaLevelsUnder(paths: readonly string[], db?: DbOrTx): Promise<AreaLevelNode[]>;
  /** Control: the area measure each person returns to when a person measure ends (strictest published area over the residence). */
  areaMeasures(db: DbOrTx, personIds: readonly string[]): Promise<Map<string, { status: 'sealed' | 'controlled'; areaId: string }>>;
  /** The dashboard's situation page: area events in a window and published areas by level now (`prefix` null = city). */
  situation: {
    eventCounts(prefix: string | null, from: number, to: number, db?: DbOrTx): Promise<{ published: number; lifted: number }>;
    current(prefix: string | null, db?: DbOrTx): Promise<{ high: number; medium: number; low: number }>;
  };
  /** Areas in the actor's scope with schedule and detector flag (the demo's check, scripts). */
  list(
    actor: Actor,
    f?: { status?: AreaStatus; level?: RiskLevel; jurisdictionId?: string; limit?: number; offset?: number },
    db?: DbOrTx,
  ): Promise<{ items: AreaDto[]; total: number }>;
  /** One area in the actor's scope (404 outside it). */
  get(actor: Actor, id: string, db?: DbOrTx): Promise<AreaDetailDto>;
  /** The demo seeder: proposals from the cases' residences and visited places at the active preset's granularity. */
  generateProposals(trx: Tx | undefined, actor: Actor, f?: { jurisdictionId?: string }): Promise<GenerateProposalsResultDto>;
  /** Scripts and tests: an area proposed by hand (nodes, level, basis). */
  create(trx: Tx | undefined, actor: Actor, input: CreateAreaBody): Promise<AreaDetailDto>;
  /** The demo seeder, scripts: publishes a proposed area (residents take its measures). */
  publish(trx: Tx | undefined, actor: Actor, id: string, input?: PublishAreaBody): Promise<AreaDetailDto>;
  /** The demo seeder: every proposal from the evidence, published at once. */
  proposeAndPublish(trx: Tx | undefined, actor: Actor, note?: string): Promise<AreaDetailDto[]>;
  /** The public list (no personal data), cached per version. */
  publicList(): Promise<PublicZoningDto>;
}
