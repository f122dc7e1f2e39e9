/**
 * The declared type of the container's `ZoningService` (this file imports no service file). The
 * factory is typed to return it; `services.types.ts` names it.
 */
import type { AreaDetailDto, AreaDto, AreaStatus, RiskLevel } from '../../../common/zoning.js';
import type { DbOrTx, Tx } from '../../db/dialect.js';
import type { Actor } from '../../platform/actor.js';

/** The ZoningService facade as the container holds it (what `createZoningService` returns). */
export interface ZoningService {
  evaluate: (
    trx: Tx,
    actor: Actor,
    now?: number,
  ) => Promise<{
    tasks: number;
    alerts: number;
    resets: number;
    rounds: number;
    extensions: number;
  }>;
  ratioThreshold: (db?: DbOrTx) => Promise<number>;
  /** Control's area-measure resolver (registered by `registerZoning`). */
  areaMeasures: (
    db: DbOrTx,
    personIds: readonly string[],
  ) => Promise<
    Map<
      string,
      {
        status: 'sealed' | 'controlled';
        areaId: string;
      }
    >
  >;
  /** Areas in scope, newest change first, with schedule and detector flag. */
  list(
    actor: Actor,
    f?: {
      status?: AreaStatus;
      level?: RiskLevel;
      jurisdictionId?: string;
      limit?: number;
      offset?: number;
    },
    db?: DbOrTx,
  ): Promise<{
    items: AreaDto[];
    total: number;
  }>;
  get(actor: Actor, id: string, db?: DbOrTx): Promise<AreaDetailDto>;
  generateProposals: (
    trx: Tx | undefined,
    actor: Actor,
    f?: {
      jurisdictionId?: string;
    },
  ) => Promise<import('./zoning.schemas.js').GenerateProposalsResultDto>;
  create: (trx: Tx | undefined, actor: Actor, input: import('./zoning.schemas.js').CreateAreaBody) => Promise<AreaDetailDto>;
  adjust: (trx: Tx | undefined, actor: Actor, id: string, input: import('./zoning.schemas.js').AdjustAreaBody) => Promise<AreaDetailDto>;
  reject: (trx: Tx | undefined, actor: Actor, id: string, reason: string) => Promise<AreaDetailDto>;
  publish: (trx: Tx | undefined, actor: Actor, id: string, input?: import('./zoning.schemas.js').PublishAreaBody) => Promise<AreaDetailDto>;
  step: (trx: Tx | undefined, actor: Actor, id: string, input?: import('./zoning.schemas.js').StepAreaBody) => Promise<AreaDetailDto>;
  justify: (trx: Tx | undefined, actor: Actor, id: string, justification: string) => Promise<AreaDetailDto>;
  decideExtension: (
    trx: Tx | undefined,
    actor: Actor,
    id: string,
    extensionId: string,
    input: {
      accept: boolean;
      reason: string;
    },
  ) => Promise<AreaDetailDto>;
  areaLevelsUnder: (
    paths: readonly string[],
    db?: DbOrTx,
  ) => Promise<
    {
      path: string;
      level: RiskLevel;
      areaId: string;
      measure: 'sealed' | 'controlled' | null;
    }[]
  >;
  detector: (
    actor: Actor,
    f?: {
      jurisdictionId?: string;
    },
    db?: DbOrTx,
  ) => Promise<import('./zoning.schemas.js').DetectorReportDto>;
  settings: (actor: Actor, db?: DbOrTx) => Promise<import('./zoning.schemas.js').ZoningSettingsDto>;
  setSettings: (
    trx: Tx | undefined,
    actor: Actor,
    input: import('./zoning.schemas.js').ZoningSettingsDto,
  ) => Promise<import('./zoning.schemas.js').ZoningSettingsDto>;
  detectorXlsx: (
    actor: Actor,
    f?: {
      jurisdictionId?: string;
    },
  ) => Promise<Buffer>;
  map: (
    actor: Actor,
    f?: {
      jurisdictionId?: string;
      date?: string;
    },
    db?: DbOrTx,
  ) => Promise<import('./zoning.schemas.js').ZoningMapDto>;
  publicList: () => Promise<import('./zoning.schemas.js').PublicZoningDto>;
  publicJson: (which: 'list' | 'geojson') => Promise<{
    json: string;
    etag: string;
  }>;
  tryEnterPublic: () => boolean;
  leavePublic: () => void;
  /** For the demo seeder and scripts: proposals from the evidence, each published at once (as `actor`). */
  proposeAndPublish(trx: Tx | undefined, actor: Actor, note?: string): Promise<AreaDetailDto[]>;
  /** For the situation home page: areas published and lifted in a window, and published areas by level now (`prefix` null = city). */
  situation: {
    eventCounts: (
      prefix: string | null,
      from: number,
      to: number,
      db?: DbOrTx,
    ) => Promise<{
      published: number;
      lifted: number;
    }>;
    current: (
      prefix: string | null,
      db?: DbOrTx,
    ) => Promise<{
      high: number;
      medium: number;
      low: number;
    }>;
  };
}
