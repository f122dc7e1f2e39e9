/**
 * The declared type of the container's `TestingService` (this file imports no service file). The
 * factory is typed to return it; `services.types.ts` names it.
 */
import type { DbOrTx, Tx } from '../../db/dialect.js';
import type { Actor } from '../../platform/actor.js';
import type * as repo from './testing.repository.js';
import type { TraceDto, TubeDto } from './testing.schemas.js';
import type { PersonIdentifier } from './testing.shared.js';
import type { FieldChange } from '../../platform/corrections/corrections.types.js';
import type { JobContext } from '../../platform/jobs/jobs.types.js';
import type { PersonView } from '../population/index.js';
import type { PopulationPort } from '../population/population.port.js';
import type { PreparedOp } from './sampling.decide.js';

/** What door-to-door's prepare() reads outside any transaction, and apply() writes: the household, its members, the decided scans. */
export interface HouseholdPrep {
  household: Awaited<ReturnType<PopulationPort['household']>>;
  members: PersonView[];
  prepared: PreparedOp[];
}

/** The TestingService facade as the container holds it (what `createTestingService` returns). */
export interface TestingService {
  campaigns: {
    visible: (db: DbOrTx, actor: Actor, id: string) => Promise<repo.CampaignRow>;
    manageable: (db: DbOrTx, actor: Actor, id: string) => Promise<repo.CampaignRow>;
    poolSizeAt: typeof import('./campaign-pools.js').poolSizeAt;
    activate: (trx: Tx | undefined, actor: Actor, id: string) => Promise<import('./testing.schemas.js').CampaignDto>;
    create(trx: Tx | undefined, actor: Actor, input: import('./testing.schemas.js').CreateCampaignInput): Promise<import('./testing.schemas.js').CampaignDto>;
    get(actor: Actor, id: string, db?: DbOrTx): Promise<import('./testing.schemas.js').CampaignDto>;
    list(
      actor: Actor,
      f: {
        status?: string;
        limit?: number;
        offset?: number;
      },
      db?: DbOrTx,
    ): Promise<{
      items: import('./testing.schemas.js').CampaignDto[];
      total: number;
    }>;
    close(trx: Tx | undefined, actor: Actor, id: string): Promise<import('./testing.schemas.js').CampaignDto>;
    exempt(
      trx: Tx | undefined,
      actor: Actor,
      id: string,
      input: {
        personIds: readonly string[];
        reason: string;
      },
    ): Promise<{
      exempted: number;
      alreadyExempt: number;
    }>;
    listExemptions(
      actor: Actor,
      id: string,
      f: {
        limit?: number;
        offset?: number;
      },
      db?: DbOrTx,
    ): Promise<{
      items: {
        personId: string;
        jurisdictionPath: string;
        reason: string;
        createdBy: {
          id: string | null;
          name: string;
        };
        createdAt: number;
      }[];
      total: number;
    }>;
  };
  sites: {
    visible: (db: DbOrTx, actor: Actor, id: string) => Promise<repo.SiteRow>;
    area: (db: DbOrTx, actor: Actor, jurisdictionId?: string) => Promise<import('../../../common/geo.js').JurisdictionDto | undefined>;
    create(trx: Tx | undefined, actor: Actor, input: import('./testing.schemas.js').CreateSiteInput): Promise<import('./testing.schemas.js').SiteDto>;
    update(
      trx: Tx | undefined,
      actor: Actor,
      id: string,
      input: import('./testing.schemas.js').UpdateSiteInput,
    ): Promise<import('./testing.schemas.js').SiteDto>;
    get(actor: Actor, id: string, db?: DbOrTx): Promise<import('./testing.schemas.js').SiteDto>;
    list(
      actor: Actor,
      f: {
        jurisdictionId?: string;
        kind?: string;
        active?: boolean;
        limit?: number;
        offset?: number;
      },
      db?: DbOrTx,
    ): Promise<{
      items: {
        id: string;
        name: string;
        kind: 'vacant_flat' | 'idle_warehouse' | 'open_land' | 'tent' | 'fixed_clinic';
        jurisdiction: {
          id: string;
          path: string;
          name: string | null;
        };
        location: [number, number];
        lanes: number;
        openingHours: {
          from: string;
          to: string;
        }[];
        staff: {
          name: string;
          role: string;
        }[];
        servedCompounds: {
          id: string;
          path: string;
        }[];
        readiness: {
          rain: {
            ready: boolean;
            note: string | null;
            checkedBy: {
              id: string | null;
              name: string;
            };
            checkedAt: number;
          } | null;
          heat: {
            ready: boolean;
            note: string | null;
            checkedBy: {
              id: string | null;
              name: string;
            };
            checkedAt: number;
          } | null;
          wind: {
            ready: boolean;
            note: string | null;
            checkedBy: {
              id: string | null;
              name: string;
            };
            checkedAt: number;
          } | null;
          cold: {
            ready: boolean;
            note: string | null;
            checkedBy: {
              id: string | null;
              name: string;
            };
            checkedAt: number;
          } | null;
        };
        active: boolean;
        createdAt: number;
        updatedAt: number;
      }[];
      total: number;
    }>;
    checkReadiness(
      trx: Tx | undefined,
      actor: Actor,
      id: string,
      input: {
        aspect: import('./testing.rules.js').ReadinessAspect;
        ready: boolean;
        note?: string;
      },
    ): Promise<import('./testing.schemas.js').SiteDto>;
    notReady(
      actor: Actor,
      f: {
        season?: import('./testing.rules.js').Season;
        jurisdictionId?: string;
      },
      db?: DbOrTx,
    ): Promise<{
      season: 'spring' | 'summer' | 'autumn' | 'winter';
      aspect: 'rain' | 'heat' | 'wind' | 'cold';
      items: {
        id: string;
        name: string;
        kind: 'vacant_flat' | 'idle_warehouse' | 'open_land' | 'tent' | 'fixed_clinic';
        jurisdiction: {
          id: string;
          path: string;
          name: string | null;
        };
        location: [number, number];
        lanes: number;
        openingHours: {
          from: string;
          to: string;
        }[];
        staff: {
          name: string;
          role: string;
        }[];
        servedCompounds: {
          id: string;
          path: string;
        }[];
        readiness: {
          rain: {
            ready: boolean;
            note: string | null;
            checkedBy: {
              id: string | null;
              name: string;
            };
            checkedAt: number;
          } | null;
          heat: {
            ready: boolean;
            note: string | null;
            checkedBy: {
              id: string | null;
              name: string;
            };
            checkedAt: number;
          } | null;
          wind: {
            ready: boolean;
            note: string | null;
            checkedBy: {
              id: string | null;
              name: string;
            };
            checkedAt: number;
          } | null;
          cold: {
            ready: boolean;
            note: string | null;
            checkedBy: {
              id: string | null;
              name: string;
            };
            checkedAt: number;
          } | null;
        };
        active: boolean;
        createdAt: number;
        updatedAt: number;
      }[];
    }>;
    uncoveredCompounds(
      actor: Actor,
      f: {
        jurisdictionId?: string;
        radiusM?: number;
      },
      db?: DbOrTx,
    ): Promise<{
      radiusM: number;
      compounds: number;
      sites: number;
      items: {
        id: string;
        name: string;
        path: string;
        population: number;
        centroid: [number, number];
      }[];
    }>;
  };
  sampling: {
    preparePersons: (
      ops: readonly import('./testing.schemas.js').BatchOp[],
    ) => Promise<Map<string, import('./testing.shared.js').PersonRef | import('../../platform/errors.js').AppError>>;
    applyPrepared: (
      tx: Tx,
      ops: readonly import('./sampling.decide.js').PreparedOp[],
    ) => Promise<{
      results: import('./testing.schemas.js').BatchItemResult[];
      errors: Map<number, import('../../platform/errors.js').AppError>;
      published: string[];
    }>;
    scheduleCoveragePublish: (tx: Tx, campaignId: string, now: number) => Promise<string>;
    prepareBatch(actor: Actor, items: readonly import('./testing.schemas.js').BatchOp[]): Promise<import('./sampling.decide.js').PreparedOp[]>;
    applyBatch(
      trx: Tx | undefined,
      prepared: readonly import('./sampling.decide.js').PreparedOp[],
    ): Promise<{
      applied: number;
      duplicates: number;
      rejected: number;
      items: {
        index: number;
        clientId: string;
        op: 'close' | 'open' | 'scan';
        status: 'rejected' | 'applied' | 'duplicate';
        error: {
          code: string;
          message: string;
          details?: unknown;
        } | null;
        tube: {
          id: string;
          barcode: string | null;
          status: 'closed' | 'resulted' | 'open' | 'awaiting_sample' | 'received';
          count: number;
          poolSize: number;
        } | null;
        scanId: string | null;
        nameMasked: string | null;
        flags: ('person_sampled_twice' | 'conflicting_results' | 'tube_reused' | 'tube_over_pool' | 'device_time_out_of_range')[];
        attention: ('home_quarantine' | 'central_quarantine' | 'sealed_area')[];
      }[];
    }>;
    openTube(
      actor: Actor,
      input: {
        clientId: string;
        campaignId: string;
        siteId: string;
        barcode: string;
        poolSize?: 1 | 5 | 10 | 20;
        at?: number;
      },
    ): Promise<{
      index: number;
      clientId: string;
      op: 'close' | 'open' | 'scan';
      status: 'rejected' | 'applied' | 'duplicate';
      error: {
        code: string;
        message: string;
        details?: unknown;
      } | null;
      tube: {
        id: string;
        barcode: string | null;
        status: 'closed' | 'resulted' | 'open' | 'awaiting_sample' | 'received';
        count: number;
        poolSize: number;
      } | null;
      scanId: string | null;
      nameMasked: string | null;
      flags: ('person_sampled_twice' | 'conflicting_results' | 'tube_reused' | 'tube_over_pool' | 'device_time_out_of_range')[];
      attention: ('home_quarantine' | 'central_quarantine' | 'sealed_area')[];
    }>;
    scan(
      actor: Actor,
      input: {
        clientId: string;
        tubeId: string;
        residentCode?: string;
        idNumber?: string;
        idType?: 'resident_id' | 'passport' | 'hk_macao_tw';
        at?: number;
      },
    ): Promise<{
      status: 'applied' | 'duplicate';
      scanId: string | null;
      nameMasked: string | null;
      tube: {
        id: string;
        barcode: string | null;
        status: 'closed' | 'resulted' | 'open' | 'awaiting_sample' | 'received';
        count: number;
        poolSize: number;
      };
      lastNames: string[];
      flags: ('person_sampled_twice' | 'conflicting_results' | 'tube_reused' | 'tube_over_pool' | 'device_time_out_of_range')[];
      attention: ('home_quarantine' | 'central_quarantine' | 'sealed_area')[];
    }>;
    closeTube(
      actor: Actor,
      tubeId: string,
      clientId?: string,
    ): Promise<{
      index: number;
      clientId: string;
      op: 'close' | 'open' | 'scan';
      status: 'rejected' | 'applied' | 'duplicate';
      error: {
        code: string;
        message: string;
        details?: unknown;
      } | null;
      tube: {
        id: string;
        barcode: string | null;
        status: 'closed' | 'resulted' | 'open' | 'awaiting_sample' | 'received';
        count: number;
        poolSize: number;
      } | null;
      scanId: string | null;
      nameMasked: string | null;
      flags: ('person_sampled_twice' | 'conflicting_results' | 'tube_reused' | 'tube_over_pool' | 'device_time_out_of_range')[];
      attention: ('home_quarantine' | 'central_quarantine' | 'sealed_area')[];
    }>;
    lastNames: (tubeId: string, db?: DbOrTx) => Promise<string[]>;
    flush(): Promise<void>;
  };
  lab: {
    receive(
      trx: Tx | undefined,
      actor: Actor,
      input: {
        boxCode: string;
        barcodes: readonly string[];
        campaignId?: string;
        mode?: 'all' | 'partial';
      },
    ): Promise<{
      received: number;
      alreadyReceived: number;
      rejected: number;
      rows: RowReport[];
    }>;
    recordOne(
      trx: Tx | undefined,
      actor: Actor,
      input: import('./testing.schemas.js').ResultInput,
    ): Promise<{
      tubeId: string;
      barcode: string;
      status: 'unchanged' | 'conflict' | 'recorded';
      result: 'negative' | 'invalid' | 'positive' | 'suspicious';
      rechecksStarted: number;
    }>;
    importCsv(
      trx: Tx | undefined,
      actor: Actor,
      csv: string,
      mode?: 'all' | 'partial',
    ): Promise<{
      rows: number;
      recorded: number;
      unchanged: number;
      conflicts: number;
      rejected: number;
      rechecksStarted: number;
      report: RowReport[];
    }>;
    correct(
      trx: Tx | undefined,
      actor: Actor,
      tubeId: string,
      input: {
        result: import('./testing.rules.js').TestResult;
        ctOrf1ab?: number | null;
        ctN?: number | null;
        reason: string;
      },
    ): Promise<{
      tube: {
        id: string;
        campaignId: string;
        barcode: string | null;
        kind: 'recheck' | 'pool';
        poolSize: number;
        status: 'closed' | 'resulted' | 'open' | 'awaiting_sample' | 'received';
        siteId: string | null;
        jurisdictionPath: string;
        parentTubeId: string | null;
        count: number;
        openedBy: {
          id: string | null;
          name: string;
        } | null;
        openedAt: number | null;
        closedAt: number | null;
        closedReason: string | null;
        boxCode: string | null;
        receivedAt: number | null;
        result: 'negative' | 'invalid' | 'positive' | 'suspicious' | null;
        ctOrf1ab: number | null;
        ctN: number | null;
        resultAt: number | null;
        lab: string | null;
        lastNames: string[];
      };
      correction: {
        id: string;
        changes: FieldChange[];
        reason: string;
        journalSeq: number;
      };
      history: {
        id: string;
        result: import('./testing.rules.js').TestResult;
        ctOrf1ab: number | null;
        ctN: number | null;
        resultedAt: number;
        lab: string;
        source: string;
        effective: boolean;
        reportedBy: {
          id: string | null;
          name: string;
        };
        reportedAt: number;
      }[];
    }>;
    history(
      tubeId: string,
      db?: DbOrTx,
    ): Promise<
      {
        id: string;
        result: import('./testing.rules.js').TestResult;
        ctOrf1ab: number | null;
        ctN: number | null;
        resultedAt: number;
        lab: string;
        source: string;
        effective: boolean;
        reportedBy: {
          id: string | null;
          name: string;
        };
        reportedAt: number;
      }[]
    >;
  };
  labWorklist: {
    worklist(
      actor: Actor,
      q: {
        limit?: number;
      },
      db?: DbOrTx,
    ): Promise<import('./testing.schemas.js').LabWorklistDto>;
  };
  rechecks: {
    startForTube(tx: Tx, actor: Actor, tube: repo.TubeRow, scans: readonly repo.ScanRow[], result: string): Promise<number>;
    onResult(tx: Tx, actor: Actor, tube: repo.TubeRow, before: string | null, after: string): Promise<void>;
    sample(
      trx: Tx | undefined,
      actor: Actor,
      recheckId: string,
      input: import('./testing.shared.js').PersonIdentifier & {
        clientId: string;
        barcode: string;
        at?: number;
      },
    ): Promise<
      | {
          status: 'duplicate';
          recheck: {
            id: string;
            campaignId: string;
            parentTubeId: string;
            tubeId: string;
            personId: string;
            nameMasked: string;
            jurisdictionPath: string;
            status: 'sampled' | 'negative' | 'positive' | 'awaiting_sample';
            controlApplied: boolean;
            taskId: string | null;
            unitId: string | null;
            dueAt: number;
            overdue: boolean;
            escalatedAt: number | null;
            createdAt: number;
            resolvedAt: number | null;
            handoverAt: number | null;
            handoverAckAt: number | null;
            handoverRef: string | null;
          };
          tube: {
            id: string;
            barcode: string | null;
            status: import('./testing.rules.js').TubeStatus;
            count: number;
            poolSize: number;
          };
        }
      | {
          status: 'applied';
          recheck: {
            id: string;
            campaignId: string;
            parentTubeId: string;
            tubeId: string;
            personId: string;
            nameMasked: string;
            jurisdictionPath: string;
            status: 'sampled' | 'negative' | 'positive' | 'awaiting_sample';
            controlApplied: boolean;
            taskId: string | null;
            unitId: string | null;
            dueAt: number;
            overdue: boolean;
            escalatedAt: number | null;
            createdAt: number;
            resolvedAt: number | null;
            handoverAt: number | null;
            handoverAckAt: number | null;
            handoverRef: string | null;
          };
          tube: {
            id: string;
            barcode: string | null;
            status: import('./testing.rules.js').TubeStatus;
            count: number;
            poolSize: number;
          };
        }
    >;
    get(actor: Actor, id: string, db?: DbOrTx): Promise<import('./testing.schemas.js').RecheckDto>;
    list(
      actor: Actor,
      f: {
        campaignId?: string;
        status?: string;
        handover?: 'pending' | 'acknowledged';
        limit?: number;
        offset?: number;
      },
      db?: DbOrTx,
    ): Promise<{
      items: {
        jurisdictionName: string | null;
        id: string;
        campaignId: string;
        parentTubeId: string;
        tubeId: string;
        personId: string;
        nameMasked: string;
        jurisdictionPath: string;
        status: 'sampled' | 'negative' | 'positive' | 'awaiting_sample';
        controlApplied: boolean;
        taskId: string | null;
        unitId: string | null;
        dueAt: number;
        overdue: boolean;
        escalatedAt: number | null;
        createdAt: number;
        resolvedAt: number | null;
        handoverAt: number | null;
        handoverAckAt: number | null;
        handoverRef: string | null;
      }[];
      total: number;
    }>;
    acknowledgeHandover(trx: Tx | undefined, actor: Actor, recheckId: string, caseRef: string): Promise<import('./testing.schemas.js').RecheckDto>;
    escalateOverdue(
      tx: Tx,
      payload: {
        parentTubeId: string;
      },
      ctx: Pick<JobContext, 'now' | 'actor'>,
    ): Promise<number>;
  };
  coverage: {
    get(actor: Actor, campaignId: string, jurisdictionId?: string, db?: DbOrTx): Promise<import('./testing.schemas.js').CoverageDto>;
    geojson(
      actor: Actor,
      campaignId: string,
      f: {
        rootId?: string;
        level?: 'district' | 'street' | 'community' | 'compound' | 'building';
      },
      db?: DbOrTx,
    ): Promise<{
      type: 'FeatureCollection';
      features: {
        type: 'Feature';
        geometry: {
          [x: string]: unknown;
          type: string;
          coordinates: unknown;
        } | null;
        properties: {
          id: string;
          code: string;
          name: string;
          level: 'city' | 'district' | 'street' | 'community' | 'compound' | 'building' | 'entrance';
          target: number;
          sampled: number;
          resulted: number;
          positiveTubes: number;
          pendingRecheck: number;
          coverage: number;
        };
      }[];
      truncated: boolean;
      total: number;
    }>;
    recount: (campaignId: string, db?: DbOrTx) => Promise<Map<string, Record<(typeof repo.COUNTERS)[number], number>>>;
    counters(campaignId: string, db?: DbOrTx): Promise<Map<string, repo.CounterDelta>>;
    publish(
      tx: Tx,
      payload: {
        campaignId: string;
      },
      ctx: Pick<JobContext, 'now'>,
    ): Promise<boolean>;
    unsampled(
      actor: Actor,
      campaignId: string,
      buildingId: string,
      db?: DbOrTx,
    ): Promise<{
      building: {
        id: string;
        name: string;
        path: string;
      };
      target: number;
      sampled: number;
      items: {
        personId: string;
        name: string;
        idNumberMasked: string;
        address: string | null;
        exempt: boolean;
        vulnerable: ('elderly_alone' | 'pregnant' | 'dialysis' | 'bedridden' | 'chronic' | 'child_without_carer')[];
      }[];
    }>;
    homeSampling: (
      trx: Tx | undefined,
      actor: Actor,
      campaignId: string,
      input: {
        jurisdictionId: string;
        channel?: 'vulnerable' | 'sealed';
        flags?: readonly string[];
        dueHours?: number;
      },
    ) => Promise<{
      tasks: number;
      alreadyTasked: number;
      alreadySampled: number;
      withoutUnit: number;
    }>;
    supplies(
      actor: Actor,
      campaignId: string,
      q: {
        margin?: number;
        prevalence?: number;
      },
      db?: DbOrTx,
    ): Promise<{
      campaignId: string;
      target: number;
      margin: number;
      byPoolSize: {
        poolSize: import('./testing.rules.js').PoolMode;
        persons: number;
        tubes: number;
      }[];
      tubes: number;
      swabs: number;
      expectedRecheckTubes: number;
    }>;
  };
  planning: {
    capacity(
      actor: Actor,
      q: {
        jurisdictionId?: string;
        campaignId?: string;
        throughput?: number;
        hours?: number;
      },
      db?: DbOrTx,
    ): Promise<{
      throughput: number;
      hoursAvailable: number;
      total: Row;
      rows: Row[];
      sites: {
        id: string;
        name: string;
        lanes: number;
        persons: number;
        hoursNeeded: number | null;
        short: boolean;
      }[];
    }>;
    poolSize(q: { prevalence: number; population?: number; area?: 'sealed' | 'controlled' | 'elsewhere' }): import('./testing.rules.js').PoolAdvice;
  };
  lookup: {
    configure(
      o: Partial<LookupLimits> & {
        lagProbe?: () => number;
      },
    ): void;
    gate: () => import('../../platform/http/admission.js').Gate;
    lookup(
      clientIp: string,
      input: {
        idNumber: string;
        name: string;
      },
    ): Promise<import('./testing.schemas.js').LookupResult>;
    invalidate: (personIds: Iterable<string>) => void;
    resultChanged(tx: Tx, personIds: readonly string[]): Promise<void>;
    readonly size: number;
  };
  tubes: {
    get(actor: Actor, id: string, db?: DbOrTx): Promise<TubeDto>;
    /** Tubes newest first; `total` counts at most `countCap` of them (`totalCapped` when there are more). */
    list(
      actor: Actor,
      f: {
        campaignId?: string;
        status?: string;
        barcode?: string;
        limit?: number;
        offset?: number;
      },
      db?: DbOrTx,
      countCap?: number,
    ): Promise<{
      items: {
        id: string;
        campaignId: string;
        barcode: string | null;
        kind: 'recheck' | 'pool';
        poolSize: number;
        status: 'closed' | 'resulted' | 'open' | 'awaiting_sample' | 'received';
        siteId: string | null;
        jurisdictionPath: string;
        parentTubeId: string | null;
        count: number;
        openedBy: {
          id: string | null;
          name: string;
        } | null;
        openedAt: number | null;
        closedAt: number | null;
        closedReason: string | null;
        boxCode: string | null;
        receivedAt: number | null;
        result: 'negative' | 'invalid' | 'positive' | 'suspicious' | null;
        ctOrf1ab: number | null;
        ctN: number | null;
        resultAt: number | null;
        lab: string | null;
        lastNames: string[];
      }[];
      total: number;
      totalCapped: boolean;
    }>;
    /**
     * Where a tube leads: its persons (masked) with their buildings, compounds and communities, the
     * site, the sampler and the times, its results and its rechecks. Indexed reads only.
     */
    trace(actor: Actor, id: string, db?: DbOrTx): Promise<TraceDto>;
  };
  flags: {
    /** Flags of a campaign in the actor's scope (newest first), with counts per kind in the same scope. */
    list(
      actor: Actor,
      campaignId: string,
      f: {
        kind?: string;
        reviewed?: boolean;
        limit?: number;
        offset?: number;
      },
      db?: DbOrTx,
    ): Promise<{
      items: {
        id: string;
        campaignId: string;
        kind: 'person_sampled_twice' | 'conflicting_results' | 'tube_reused' | 'tube_over_pool' | 'device_time_out_of_range';
        subjectKey: string;
        tubeId: string | null;
        personId: string | null;
        jurisdictionPath: string;
        detail: Record<string, unknown>;
        occurrences: number;
        createdAt: number;
        lastSeenAt: number;
        reviewedAt: number | null;
        reviewedBy: {
          id: string | null;
          name: string;
        } | null;
        reviewNote: string | null;
      }[];
      total: number;
      counts: {
        kind: never;
        total: number;
        open: number;
      }[];
    }>;
    /** Marks a flag reviewed with a note (journaled). */
    review(
      trx: Tx | undefined,
      actor: Actor,
      id: string,
      note: string,
    ): Promise<{
      id: string;
      campaignId: string;
      kind: 'person_sampled_twice' | 'conflicting_results' | 'tube_reused' | 'tube_over_pool' | 'device_time_out_of_range';
      subjectKey: string;
      tubeId: string | null;
      personId: string | null;
      jurisdictionPath: string;
      detail: Record<string, unknown>;
      occurrences: number;
      createdAt: number;
      lastSeenAt: number;
      reviewedAt: number | null;
      reviewedBy: {
        id: string | null;
        name: string;
      } | null;
      reviewNote: string | null;
    }>;
  };
  doorToDoor: {
    prepare: (actor: Actor, campaignId: string, input: HouseholdTubeInput) => Promise<HouseholdPrep>;
    apply: (
      trx: Tx | undefined,
      actor: Actor,
      campaignId: string,
      prep: HouseholdPrep,
    ) => Promise<{
      tubeId: string;
      barcode: string | null;
      householdId: string;
      persons: number;
      status: 'applied' | 'duplicate';
    }>;
    sampleHousehold(
      actor: Actor,
      campaignId: string,
      input: HouseholdTubeInput,
    ): Promise<{
      tubeId: string;
      barcode: string | null;
      householdId: string;
      persons: number;
      status: 'applied' | 'duplicate';
    }>;
  };
  knockExemptions: {
    exemptAtDoor(
      tx: Tx,
      actor: Actor,
      campaignId: string,
      personId: string,
      reason: string,
    ): Promise<{
      exempted: boolean;
    }>;
  };
}

export interface HouseholdTubeInput {
  /** The client's id for this household tube (a resend answers the same tube). */
  clientId: string;
  householdId: string;
  /** The door-to-door team's base site (a community's site or tent). */
  siteId: string;
  barcode: string;
  /** Each member's resident code or ID number, scanned at the door. */
  members: readonly PersonIdentifier[];
  at?: number;
}

export interface RowReport {
  row: number;
  barcode: string;
  status: string;
  code: string | null;
  message: string | null;
}

export interface LookupLimits {
  /** Lookups per client address per window. */
  perIp: number;
  /** Lookups per ID number per window (keyed by an HMAC: the number itself is never kept). */
  perId: number;
  windowMs: number;
  /** Lookups served at once; past it, 503 + Retry-After. */
  maxConcurrent: number;
  /**
   * Event-loop lag (ms) past which lookups are shed too (platform/http/admission.ts: the stall of
   * the current loop turn, or two late 10 ms ticks in a row) — while lookups are what keeps the loop
   * busy: at least `maxConcurrent` of them started in the last 1–2 s. Where queries finish
   * synchronously (SQLite) requests never pile up in flight — they wait unread in the sockets — so
   * the lag is what shows the overload there.
   */
  maxLagMs: number;
  /** A cached answer is served without any query this long. */
  freshMs: number;
  /** After that, one version check per request keeps it; past this age it is recomputed anyway. */
  maxAgeMs: number;
  /** Cached answers kept at most (oldest dropped first). */
  maxEntries: number;
}

export interface Row {
  jurisdiction: { id: string; name: string; path: string; level: string };
  persons: number;
  sites: number;
  lanes: number;
  hoursNeeded: number | null;
  lanesNeeded: number;
  short: boolean;
  shortLanes: number;
}
