/**
 * The declared type of the container's `ControlService` (this file imports no service file). The
 * factory is typed to return it; `services.types.ts` names it.
 */
import type { DbOrTx, Tx } from '../../db/dialect.js';

/** The ControlService facade as the container holds it (what `createControlService` returns). */
export interface ControlService {
  registerBasisValidator: (type: import('./control.rules.js').BasisType, fn: import('./control.shared.js').BasisValidator) => void;
  registerAreaMeasureResolver: (fn: import('./control.shared.js').AreaMeasureResolver) => void;
  applyAutomatic: (
    trx: Tx,
    actor: import('../../platform/actor.js').Actor,
    input: import('./control.shared.js').AutomaticInput,
  ) => Promise<import('./control.shared.js').AutomaticResult>;
  requestChange: (
    trx: DbOrTx | undefined,
    actor: import('../../platform/actor.js').Actor,
    input: import('./control.shared.js').ChangeInput,
  ) => Promise<import('./control.shared.js').RequestChangeResult>;
  approveBulk: (
    trx: DbOrTx | undefined,
    actor: import('../../platform/actor.js').Actor,
    requestId: string,
    note?: string | null,
  ) => Promise<import('./control.schemas.js').BulkRequestDto>;
  rejectBulk: (
    trx: DbOrTx | undefined,
    actor: import('../../platform/actor.js').Actor,
    requestId: string,
    reason: string | null | undefined,
  ) => Promise<import('./control.schemas.js').BulkRequestDto>;
  needsApproval: (personIds: readonly string[], db?: DbOrTx) => Promise<boolean>;
  bulkThreshold: (db?: DbOrTx) => Promise<number>;
  setBulkThreshold: (trx: DbOrTx | undefined, actor: import('../../platform/actor.js').Actor, n: number) => Promise<void>;
  getStatus: (actor: import('../../platform/actor.js').Actor, personId: string, db?: DbOrTx) => Promise<import('./control.schemas.js').ControlStatusDto>;
  statusesOf: (personIds: readonly string[], db?: DbOrTx) => Promise<Map<string, import('./control.schemas.js').ControlStatusDto>>;
  explain: (actor: import('../../platform/actor.js').Actor, personId: string, db?: DbOrTx) => Promise<import('./control.schemas.js').ExplanationDto>;
  history: (actor: import('../../platform/actor.js').Actor, personId: string, db?: DbOrTx) => Promise<import('./control.schemas.js').StatusChangeDto[]>;
  getBulkRequest: (actor: import('../../platform/actor.js').Actor, id: string, db?: DbOrTx) => Promise<import('./control.schemas.js').BulkRequestDto>;
  listBulkRequests: (
    actor: import('../../platform/actor.js').Actor,
    f?: {
      status?: import('./control.schemas.js').BulkRequestDto['status'];
      limit?: number;
      offset?: number;
    },
    db?: DbOrTx,
  ) => Promise<{
    items: import('./control.schemas.js').BulkRequestDto[];
    total: number;
  }>;
  summary: (actor: import('../../platform/actor.js').Actor, path?: string | null, db?: DbOrTx) => Promise<import('./control.schemas.js').ControlSummaryDto>;
  summaryOf: (
    actor: import('../../platform/actor.js').Actor,
    jurisdictionId?: string | null,
    db?: DbOrTx,
  ) => Promise<import('./control.schemas.js').ControlSummaryDto>;
  recount: (path: string, db?: DbOrTx) => Promise<import('./control.schemas.js').ControlSummaryDto>;
  relocate: (trx: Tx, personId: string, newPath: string) => Promise<void>;
  bulkRequestPath: (id: string, db?: DbOrTx) => Promise<string | undefined>;
  /** Review records (研判记录): the only thing a `manual_review` basis may name (see control-reviews.service.ts). */
  reviews: {
    create(
      trx: DbOrTx | undefined,
      actor: import('../../platform/actor.js').Actor,
      input: CreateReviewInput,
    ): Promise<import('./control.schemas.js').ReviewRecordDto>;
    approve: (
      trx: DbOrTx | undefined,
      actor: import('../../platform/actor.js').Actor,
      id: string,
      note?: string | null,
    ) => Promise<{
      id: string;
      status: 'pending' | 'approved' | 'rejected';
      subject: string;
      reason: string;
      evidence: string;
      jurisdictionPath: string;
      reviewer: {
        id: string | null;
        name: string;
      };
      createdAt: number;
      approvedBy: {
        id: string | null;
        name: string;
      } | null;
      approvedAt: number | null;
      approvalNote: string | null;
      rejectedBy: {
        id: string | null;
        name: string;
      } | null;
      rejectedAt: number | null;
      rejectReason: string | null;
    }>;
    reject(
      trx: DbOrTx | undefined,
      actor: import('../../platform/actor.js').Actor,
      id: string,
      reason: string | null | undefined,
    ): Promise<import('./control.schemas.js').ReviewRecordDto>;
    get(actor: import('../../platform/actor.js').Actor, id: string, db?: DbOrTx): Promise<import('./control.schemas.js').ReviewRecordDto>;
    list(
      actor: import('../../platform/actor.js').Actor,
      f?: {
        status?: import('../../../common/control.js').ReviewStatus;
        limit?: number;
        offset?: number;
      },
      db?: DbOrTx,
    ): Promise<{
      items: import('./control.schemas.js').ReviewRecordDto[];
      total: number;
    }>;
    citable(db: DbOrTx, id: string, actor?: import('../../platform/actor.js').Actor): Promise<boolean>;
    path: (id: string, db?: DbOrTx) => Promise<string | undefined>;
  };
}

export interface CreateReviewInput {
  /** The jurisdiction the review concerns (default: the reviewer's scope). */
  jurisdictionId?: string | null;
  subject: string;
  reason: string;
  evidence: string;
}
