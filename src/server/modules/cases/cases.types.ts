/**
 * The declared type of the container's `CasesService` (this file imports no service file). The
 * factory is typed to return it; `services.types.ts` names it.
 */
import type { Actor } from '../../platform/actor.js';
import type { DbOrTx, Tx } from '../../db/dialect.js';
import type { BasisType, ControlStatus } from '../control/index.js';
import type * as repo from './cases.repository.js';
import type { CaseKind, ClinicalStatus } from '../../../common/cases.js';
import type { PersonInput } from '../population/index.js';
import type { TravellerCategory } from './presets.schema.js';

/** The CasesService facade as the container holds it (what `createCasesService` returns). */
export interface CasesService {
  presets: {
    active(trx?: DbOrTx): Promise<import('./cases.schemas.js').PresetDto>;
    getVersion(id: string, trx?: DbOrTx): Promise<import('./cases.schemas.js').PresetDto>;
    list(trx?: DbOrTx): Promise<import('./cases.schemas.js').PresetDto[]>;
    create(trx: Tx | undefined, actor: Actor, input: PresetInput): Promise<import('./cases.schemas.js').PresetDto>;
    activate(trx: Tx | undefined, actor: Actor, id: string, reason: string): Promise<import('./cases.schemas.js').PresetDto>;
  };
  cases: {
    visibleCase: (db: DbOrTx, actor: Actor, id: string) => Promise<repo.CaseRow>;
    requireCap: (actor: Actor, cap: 'case.read' | 'case.manage') => void;
    create: (
      trx: Tx | undefined,
      actor: Actor,
      input: CaseInput,
    ) => Promise<{
      id: string;
      personId: string;
      nameMasked: string;
      kind: 'confirmed' | 'asymptomatic';
      jurisdictionPath: string;
      onsetDate: string | null;
      reportDate: string;
      confirmedAt: number;
      clinicalStatus: 'treatment' | 'recovered' | 'discharged';
      detectionChannel: 'community' | 'in_control';
      sourceCaseId: string | null;
      clusterId: string | null;
      presetId: string;
      presetVersion: string;
      links: {
        positiveTubeId: string | null;
        recheckId: string | null;
        recheckTubeId: string | null;
      };
      positiveAt: number | null;
      coreInvestigationAt: number | null;
      closeContactsAt: number | null;
      createdAt: number;
    }>;
    confirmFromRecheck(
      trx: Tx | undefined,
      actor: Actor,
      input: {
        recheckTubeId?: string | null;
        handoverId?: string | null;
        kind: CaseKind;
        onsetDate?: string | null;
        reason: string;
      },
    ): Promise<import('./cases.schemas.js').CaseDto>;
    setSource(trx: Tx | undefined, actor: Actor, id: string, sourceCaseId: string | null, reason: string): Promise<import('./cases.schemas.js').CaseDto>;
    setClinicalStatus(trx: Tx | undefined, actor: Actor, id: string, status: ClinicalStatus, reason: string): Promise<import('./cases.schemas.js').CaseDto>;
    markCoreInvestigationDone(trx: Tx | undefined, actor: Actor, id: string): Promise<import('./cases.schemas.js').CaseDto>;
    get(
      actor: Actor,
      id: string,
      db?: DbOrTx,
    ): Promise<
      import('./cases.schemas.js').CaseDto & {
        speed: import('./cases.schemas.js').CaseSpeed;
      }
    >;
    list(
      actor: Actor,
      f: {
        kind?: CaseKind;
        channel?: import('../../../common/cases.js').DetectionChannel;
        clusterId?: string;
        cursor?: string;
        limit?: number;
      },
      db?: DbOrTx,
    ): Promise<{
      items: {
        jurisdictionName: string | null;
        id: string;
        personId: string;
        nameMasked: string;
        kind: 'confirmed' | 'asymptomatic';
        jurisdictionPath: string;
        onsetDate: string | null;
        reportDate: string;
        confirmedAt: number;
        clinicalStatus: 'treatment' | 'recovered' | 'discharged';
        detectionChannel: 'community' | 'in_control';
        sourceCaseId: string | null;
        clusterId: string | null;
        presetId: string;
        presetVersion: string;
        links: {
          positiveTubeId: string | null;
          recheckId: string | null;
          recheckTubeId: string | null;
        };
        positiveAt: number | null;
        coreInvestigationAt: number | null;
        closeContactsAt: number | null;
        createdAt: number;
      }[];
      nextCursor: string | null;
    }>;
    lookbackStart: (c: repo.CaseRow, lookbackDays: number) => string;
  };
  tracing: {
    addPlace(trx: Tx | undefined, actor: Actor, caseId: string, input: PlaceInput): Promise<import('./cases.schemas.js').PlaceDto>;
    places(actor: Actor, caseId: string, db?: DbOrTx): Promise<import('./cases.schemas.js').PlaceDto[]>;
    placesForProposals(
      activeOnly: boolean,
      db?: DbOrTx,
    ): Promise<
      {
        placeId: string;
        caseId: string;
        clusterId: string | null;
        jurisdictionId: string;
        path: string;
        level: 'city' | 'district' | 'street' | 'community' | 'compound' | 'building' | 'entrance';
        location: [number, number] | null;
        description: string | null;
        fromAt: number;
        toAt: number;
        caseConfirmedAt: number;
      }[]
    >;
    addContact(trx: Tx | undefined, actor: Actor, caseId: string, input: ContactInput): Promise<import('./cases.schemas.js').ContactDto>;
    contactsOfCase(actor: Actor, caseId: string, db?: DbOrTx): Promise<import('./cases.schemas.js').ContactDto[]>;
    listContacts(
      actor: Actor,
      f: {
        category?: import('../../../common/cases.js').ContactCategory;
        caseId?: string;
        personId?: string;
        cursor?: string;
        limit?: number;
      },
      db?: DbOrTx,
    ): Promise<{
      items: {
        id: string;
        caseId: string;
        clusterId: string | null;
        personId: string | null;
        nameMasked: string;
        category: 'close' | 'secondary';
        exposureDate: string;
        exposurePlace: string | null;
        relation: string | null;
        beforeLookback: boolean;
        routing: 'local' | 'handover' | 'assist';
        handoverTaskId: string | null;
        assistRequestId: string | null;
        controlStatus: string | null;
        quarantinedAt: number | null;
        status: 'closed' | 'open';
        presetVersion: string;
        identifiedAt: number;
        viaContactId: string | null;
      }[];
      nextCursor: string | null;
    }>;
    closeContact(trx: Tx | undefined, actor: Actor, id: string, reason: string): Promise<import('./cases.schemas.js').ContactDto>;
    recordIncoming(
      trx: Tx | undefined,
      actor: Actor,
      input: {
        region: string;
        subjectName: string;
        jurisdictionId: string;
        category?: string | null;
        note?: string | null;
        externalRef?: string | null;
      },
    ): Promise<import('./cases.schemas.js').AssistDto>;
    setAssistStatus(
      trx: Tx | undefined,
      actor: Actor,
      id: string,
      status: import('./cases.schemas.js').AssistDto['status'],
      note?: string | null,
    ): Promise<import('./cases.schemas.js').AssistDto>;
    listAssists(
      actor: Actor,
      f: {
        direction?: import('./cases.schemas.js').AssistDto['direction'];
        status?: import('./cases.schemas.js').AssistDto['status'];
        limit?: number;
        offset?: number;
      },
      db?: DbOrTx,
    ): Promise<{
      items: import('./cases.schemas.js').AssistDto[];
    }>;
  };
  clusters: {
    evaluate(
      trx: Tx,
      actor: Actor,
      now?: number,
    ): Promise<
      {
        clusterId: string;
        from: string;
        to: ClusterStatus;
      }[]
    >;
    board(
      actor: Actor,
      db?: DbOrTx,
    ): Promise<{
      items: {
        id: string;
        name: string;
        status: 'active' | 'contained' | 'extinguished';
        jurisdictionPath: string;
        firstCaseId: string | null;
        presetVersion: string;
        jurisdictionName: string | null;
        cases: number;
        daysSinceLastCase: number;
        inControlShare: number;
        openContacts: number;
        uncontrolledContacts: number;
        speed: {
          positiveToConfirmed: {
            meanHours: number | null;
            targetHours: number;
            measured: number;
            met: number;
          };
          coreInvestigation: {
            meanHours: number | null;
            targetHours: number;
            measured: number;
            met: number;
          };
          closeContactsIdentified: {
            meanHours: number | null;
            targetHours: number;
            measured: number;
            met: number;
          };
          contactToQuarantine: {
            meanHours: number | null;
            targetHours: number;
            measured: number;
            met: number;
          };
        };
      }[];
    }>;
    rename(
      trx: Tx,
      actor: Actor,
      id: string,
      input: import('./cases.schemas.js').RenameClusterInput,
    ): Promise<{
      id: string;
      name: string;
      status: ClusterStatus;
      jurisdictionPath: string;
      firstCaseId: string | null;
      presetVersion: string;
      lastCaseAt: number | null;
      containedAt: number | null;
      extinguishedAt: number | null;
      createdAt: number;
    }>;
    get(
      actor: Actor,
      id: string,
      db?: DbOrTx,
    ): Promise<{
      id: string;
      name: string;
      status: ClusterStatus;
      jurisdictionPath: string;
      firstCaseId: string | null;
      presetVersion: string;
      lastCaseAt: number | null;
      containedAt: number | null;
      extinguishedAt: number | null;
      createdAt: number;
    }>;
    graph(
      actor: Actor,
      id: string,
      f?: GraphFilter,
      db?: DbOrTx,
    ): Promise<{
      clusterId: string;
      nodes: (
        | {
            id: string;
            type: 'case';
            label: string;
            category: CaseKind;
            status: ClinicalStatus;
          }
        | {
            id: string;
            type: 'contact';
            label: string;
            category: import('../../../common/cases.js').ContactCategory;
            status:
              | 'none'
              | 'pending_recheck'
              | 'quarantined_central'
              | 'quarantined_home'
              | 'home_monitored'
              | 'sealed'
              | 'controlled'
              | 'released'
              | 'awaiting_placement'
              | 'closed'
              | 'open';
          }
      )[];
      edges: (
        | {
            from: string;
            to: string;
            kind: 'transmission';
          }
        | {
            from: string;
            to: string;
            kind: 'contact';
          }
        | {
            from: string;
            to: string;
            kind: 'became_case';
          }
      )[];
    }>;
  };
  travellers: {
    register(trx: Tx | undefined, actor: Actor, input: TravellerInput): Promise<import('./cases.schemas.js').TravellerDto>;
    get(actor: Actor, id: string, db?: DbOrTx): Promise<import('./cases.schemas.js').TravellerDto>;
    list(
      actor: Actor,
      q?: {
        category?: import('./presets.schema.js').TravellerCategory;
        personId?: string;
        page?: number;
        pageSize?: number;
      },
      db?: DbOrTx,
    ): Promise<{
      items: import('./cases.schemas.js').TravellerDto[];
      total: number;
    }>;
    recordArrivalTest(trx: Tx | undefined, actor: Actor, id: string, input: ArrivalTestInput): Promise<import('./cases.schemas.js').TravellerDto>;
    factsFor(
      db: DbOrTx,
      actor: Actor,
      id: string,
    ): Promise<{
      personId: string;
      exposureDay: string;
      category: 'high_risk_area' | 'medium_risk_area' | 'low_risk_area' | 'inbound_international' | 'high_risk_occupation';
    }>;
    exists: (db: DbOrTx, id: string) => Promise<boolean>;
    pathOf: (db: DbOrTx, id: string) => Promise<string | undefined>;
  };
  worklist: {
    worklist(actor: Actor, db?: DbOrTx): Promise<import('./cases.schemas.js').TracerWorklistDto>;
  };
  /**
   * For quarantine: what a basis record says about the stay it founds (its person, category and the
   * last exposure or arrival day), scope-checked; null for basis types that found no schedule.
   */
  quarantineBasisFacts(
    db: DbOrTx,
    actor: Actor,
    basis: {
      type: BasisType;
      id: string;
    },
  ): Promise<
    | {
        personId: string;
        exposureDay: string;
        category: 'high_risk_area' | 'medium_risk_area' | 'low_risk_area' | 'inbound_international' | 'high_risk_occupation';
      }
    | {
        personId: string | null;
        exposureDay: string;
        category: import('../../../common/cases.js').ContactCategory;
      }
    | null
  >;
  /**
   * For quarantine: a stay founded on this contact started, so the contact is placed (issue 16: no
   * longer awaiting placement). Records the status and when, once; other basis types are ignored.
   */
  contactPlaced(
    trx: Tx,
    basis: {
      type: BasisType;
      id: string;
    },
    status: ControlStatus,
    at: number,
  ): Promise<void>;
  /** For quarantine: a secondary contact's link to THEIR close contact (9th edition linked release), or null. */
  linkOf(
    db: DbOrTx,
    contactId: string,
  ): Promise<{
    viaContactId: string;
  } | null>;
  /**
   * For quarantine: the close contact turned positive, so the secondary contacts linked to it become
   * close contacts (9th edition). Journaled per contact; returns the upgraded ones.
   */
  upgradeLinkedSecondaries(
    trx: Tx,
    actor: Actor,
    closeContactId: string,
  ): Promise<
    {
      id: string;
      personId: string | null;
    }[]
  >;
  /** For zoning: places of cases (with a building/compound) and their windows; `activeOnly`: clusters not extinguished. */
  placesForProposals: (
    activeOnly: boolean,
    db?: DbOrTx,
  ) => Promise<
    {
      placeId: string;
      caseId: string;
      clusterId: string | null;
      jurisdictionId: string;
      path: string;
      level: 'city' | 'district' | 'street' | 'community' | 'compound' | 'building' | 'entrance';
      location: [number, number] | null;
      description: string | null;
      fromAt: number;
      toAt: number;
      caseConfirmedAt: number;
    }[]
  >;
  /** For zoning: cases (residence path, confirmation, clinical status) by id and/or confirmed since a time. */
  casesForZoning: (
    f: {
      ids?: readonly string[];
      since?: number;
    },
    db?: DbOrTx,
  ) => Promise<
    {
      id: string;
      path: string;
      confirmedAt: number;
      active: boolean;
    }[]
  >;
  /** For zoning: contacts (the person's residence path, category) by id and/or of cases. */
  contactsForZoning: (
    f: {
      ids?: readonly string[];
      caseIds?: readonly string[];
    },
    db?: DbOrTx,
  ) => Promise<
    {
      id: string;
      caseId: string;
      category: import('../../../common/cases.js').ContactCategory;
      path: string | null;
    }[]
  >;
  /** For the situation home page: new infections by channel, and close contacts traced and placed, in a window (`prefix` null = city). */
  situation: {
    newInfections: (
      prefix: string | null,
      from: number,
      to: number,
      db?: DbOrTx,
    ) => Promise<{
      inControl: number;
      community: number;
      confirmed: number;
      asymptomatic: number;
      total: number;
    }>;
    contacts: (
      prefix: string | null,
      from: number,
      to: number,
      db?: DbOrTx,
    ) => Promise<{
      identified: number;
      placed: number;
      awaitingPlacement: number;
    }>;
  };
}

export interface CaseInput {
  personId: string;
  kind: CaseKind;
  onsetDate?: string | null;
  reportDate?: string | null;
  sourceCaseId?: string | null;
  clusterId?: string | null;
  reason: string;
}

export type ClusterStatus = 'active' | 'contained' | 'extinguished';

export interface GraphFilter {
  /** Only contacts of this category. */
  category?: 'close' | 'secondary';
  /** Only cases of this kind. */
  kind?: 'confirmed' | 'asymptomatic';
  /** false: cases only. Default true. */
  contacts?: boolean;
}

export interface PresetInput {
  /** Family key; an existing key gets its next version, a new key starts at version 1. */
  key: string;
  name: string;
  nameEn?: string | null;
  /** Validated by presetParamsSchema (422 PRESET_INVALID with the zod issues). */
  params: unknown;
}

export interface PlaceInput {
  jurisdictionId?: string | null;
  lng?: number | null;
  lat?: number | null;
  description?: string | null;
  fromAt: number;
  toAt: number;
}

export interface ContactInput {
  category: 'close' | 'secondary';
  exposureDate: string;
  /** Secondary contacts: the close contact (of the same case) they were exposed through. */
  viaContactId?: string | null;
  exposurePlace?: string | null;
  relation?: string | null;
  /** An existing person… */
  personId?: string | null;
  /** …or a non-resident to register through population (place of stay inside the city)… */
  newPerson?: Omit<PersonInput, 'resident' | 'address' | 'householdId'> | null;
  /** …or someone living outside the city: an outgoing 协查 request, no person record here. */
  outsideCity?: { region: string; name: string; note?: string | null } | null;
}

export interface TravellerInput {
  personId: string;
  category: TravellerCategory;
  origin: string;
  /** YYYY-MM-DD of arrival (or the end of closed-loop work); not after today. */
  arrivalDay: string;
  entryPoint?: string | null;
}

export interface ArrivalTestInput {
  entryPoint: string;
  /** Epoch ms of sampling at the entry point. */
  testedAt: number;
  result?: 'negative' | 'positive' | null;
  resultRef?: string | null;
}
