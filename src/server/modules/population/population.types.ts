import type { IdType, JurisdictionLevel, PersonDto, Sex, VulnerableFlag } from '../../../common/geo.js';
import type { Logger } from 'pino';
import type { Capability } from '../../../common/roles.js';
import type { Config } from '../../config.js';
import type { Db, DbHandle } from '../../db/dialect.js';
import type { Clock } from '../../platform/clock.js';
import type { AuthService } from '../../platform/auth/auth.types.js';
import type { CorrectionService } from '../../platform/corrections/corrections.types.js';
import type { JournalService } from '../../platform/journal/journal.types.js';
import type { OutboxService } from '../../platform/outbox/outbox.types.js';
import type { TaskService } from '../../platform/tasks/tasks.types.js';
import type { ControlPort } from '../control/control.port.js';
import type { GeoPort } from '../geo/geo.port.js';
import type { DbOrTx, Tx } from '../../db/dialect.js';
import type { Actor } from '../../platform/actor.js';
import type { ErrorCode } from './population.errors.js';
import type { ProtectKeys } from './protect.js';
import type { HouseholdRow, PersonRow } from './population.repository.js';
import type { ImportField } from '../../../common/population.js';
import type { FileFormat, TextEncoding } from './spreadsheet.js';
import type { AddressResolver } from './import.js';

/** A resident code as issued: the payload to print and whose it is. */
export interface IssuedResidentCode {
  payload: string;
  personId: string;
  issuedAt: number;
  expiresAt: number;
}

/** One person to register. Identity and phone are given in plaintext and never stored so. */
export interface PersonInput {
  name: string;
  idType: IdType;
  idNumber: string;
  phone?: string | null;
  /** YYYY-MM-DD; must match a resident ID's birth date. */
  birthDate: string;
  sex: Sex;
  resident: boolean;
  /** Residents: where they live (a building or entrance) and the room. */
  address?: { jurisdictionId: string; room?: string | null } | null;
  /** Residents: join this household (its address is used). */
  householdId?: string | null;
  /** Non-residents: the place of stay (any jurisdiction inside the actor's scope). */
  jurisdictionId?: string | null;
  /** Non-residents: where they come from (free text or a division code). */
  regionOfOrigin?: string | null;
  vulnerable?: readonly VulnerableFlag[];
  tags?: readonly string[];
}

export interface PersonListQuery {
  /** Limit to this jurisdiction's subtree (readable: inside scope, or an ancestor of it). */
  jurisdictionId?: string;
  /**
   * A name fragment (or compound/building name: `滨江苑`, `滨江苑 1栋`), pinyin initials or full
   * pinyin (`zs`, `zhangsan`), or a full document or mobile number (exact, via HMAC).
   */
  q?: string;
  /** `true`: any vulnerability flag; a flag name: that flag. */
  vulnerable?: boolean | VulnerableFlag;
  /** Required when `q` is a full document or mobile number: why it is searched (journaled). */
  purpose?: string;
  page?: number;
  pageSize?: number;
}

/** Enough of a jurisdiction node to place a person there without looking it up. */
export interface PlaceRef {
  id: string;
  path: string;
  level: JurisdictionLevel;
  parentId: string | null;
}

/** What hot paths of other modules read of a person (`briefs`): the current record. */
export interface PersonBrief {
  id: string;
  name: string;
  /** Residence path (or place of stay). */
  path: string;
}

/** A person as the API returns it: the common DTO (its `mergedInto` is filled from `merged_into`). */
export type PersonView = PersonDto;

/** One merge as shown in a person's history. */
export interface MergeDto {
  id: string;
  fromPersonId: string;
  intoPersonId: string;
  /** manual (chosen by a user) · document (the same identity document registered as a resident) */
  method: 'manual' | 'document';
  reason: string;
  at: number;
  actor: { id: string | null; name: string };
  /** What was combined: `control` gives both statuses and the one kept. */
  details: Record<string, unknown>;
  journalSeq: number;
}

/** GET /api/persons/:id: the person and every merge it took part in (oldest first). */
export interface PersonDetail extends PersonView {
  merges: MergeDto[];
}

/**
 * Redirects another module's references from a merged person to the kept one, inside the merge's
 * transaction. Registered once at start with `registerMergeHandler`.
 */
export type MergeHandler = (trx: Tx, fromId: string, intoId: string) => Promise<void>;

/** A problem with one row of a batch: which row (0-based index), field and rule. */
export interface RowProblem {
  row: number;
  code: ErrorCode;
  field: string;
  message?: string;
}

/** What `prepare` made of a batch. */
export interface PreparedBatch {
  /** New persons to insert. */
  persons: PersonRow[];
  /** New households to insert. */
  households: HouseholdRow[];
  /** Existing persons whose fields change (upsert mode): the row before and after. */
  updates: { row: number; before: PersonRow; after: PersonRow }[];
  /** Rows equal to what is stored (upsert mode), or matching an already-merged record. */
  unchanged: number[];
  /** Non-residents whose document a new resident carries: merged into that resident after insert. */
  absorbs: { row: number; from: PersonRow; intoId: string }[];
  /** Index of the input row for each new person. */
  rowOf: Map<string, number>;
  /** New persons whose document another district holds: handed over after insert (handover.ts). */
  handovers: Handover[];
  problems: RowProblem[];
}

export interface PrepareOptions {
  /** Only validate and classify: skip the encryption (the rows are not going to be written). */
  validateOnly?: boolean;
}

export interface WriteOptions {
  /** Journal action for the inserted rows (one batch entry per 500), or null when the caller journals. */
  batchAction: string | null;
  /** Reason recorded with corrections (updates). */
  reason?: string;
  /** Extra fields for the batch entries' summary. */
  summary?: Record<string, unknown>;
  /** Runs after the rows are written and before absorbed records are merged. */
  beforeMerges?: () => Promise<unknown>;
}

/** The population internals the import, export and print helpers build on. */
export interface PopulationCore {
  keys: ProtectKeys;
  prepare(db: DbOrTx, actor: Actor, inputs: readonly PersonInput[], mode: 'conflict' | 'upsert', opts?: PrepareOptions): Promise<PreparedBatch>;
  write(tx: Tx, actor: Actor, b: PreparedBatch, opts: WriteOptions): Promise<void>;
  addressTexts(db: DbOrTx, paths: readonly string[]): Promise<Map<string, string>>;
  listPrefix(db: DbOrTx, actor: Actor, jurisdictionId?: string): Promise<string | null>;
  requireCap(actor: Actor, cap: Capability): void;
  today(): string;
}

/**
 * What population's sub-services are built from: narrow inputs, not the container (the model is
 * `createJournalService({ db, clock })`). Each sub-service takes the part it uses
 * (`PopulationInputs<'db' | 'clock', 'journal'>`). `services` is read when a method runs, not at
 * creation: control, tasks and the rest are created after population.
 */
export interface PopulationIo {
  db: Db;
  /** The handle, for the dialect's bulk paths (COPY on PostgreSQL). */
  handle: DbHandle;
  clock: Clock;
  log: Pick<Logger, 'info'>;
  config: Pick<Config, 'dataKey' | 'sessionKey' | 'tz'>;
  services: PopulationNeeds;
}
/** The services population calls, by their ports (or their own types where they have no port). */
export interface PopulationNeeds {
  journal: JournalService;
  outbox: OutboxService;
  corrections: CorrectionService;
  control: ControlPort;
  geo: GeoPort;
  auth: Pick<AuthService, 'units'>;
  tasks: Pick<TaskService, 'create' | 'closeForWork'>;
}
/** The inputs a sub-service uses: some of PopulationIo, and some of the services. */
export type PopulationInputs<K extends Exclude<keyof PopulationIo, 'services'>, S extends keyof PopulationNeeds = never> = Pick<PopulationIo, K> & {
  services: Pick<PopulationNeeds, S>;
};

/** The PopulationService facade as the container holds it (what `createPopulationService` returns). */
export interface PopulationService {
  count: (actor?: import('../../platform/actor.js').Actor, db?: import('../../db/dialect.js').DbOrTx) => Promise<number>;
  list: (
    actor: import('../../platform/actor.js').Actor,
    f: PersonListQuery,
    db?: import('../../db/dialect.js').DbOrTx,
  ) => Promise<{
    items: PersonView[];
    total: number;
  }>;
  get: (actor: import('../../platform/actor.js').Actor, id: string, db?: import('../../db/dialect.js').DbOrTx) => Promise<PersonDetail>;
  reveal: (
    trx: import('../../db/dialect.js').Tx | undefined,
    actor: import('../../platform/actor.js').Actor,
    id: string,
    field: 'idNumber' | 'phone' | 'birthDate',
    reason: string,
  ) => Promise<{
    value: string;
  }>;
  create: (trx: import('../../db/dialect.js').Tx | undefined, actor: import('../../platform/actor.js').Actor, input: PersonInput) => Promise<PersonView>;
  createMany: (
    trx: import('../../db/dialect.js').Tx | undefined,
    actor: import('../../platform/actor.js').Actor,
    inputs: readonly PersonInput[],
    opts?: {
      action?: string;
    },
  ) => Promise<{
    persons: number;
    households: number;
    ids: string[];
  }>;
  bulkLoad: (
    trx: import('../../db/dialect.js').Tx,
    actor: import('../../platform/actor.js').Actor,
    inputs: readonly PersonInput[],
    places: ReadonlyMap<string, PlaceRef>,
    opts?: {
      action?: string;
    },
  ) => Promise<{
    persons: number;
    households: number;
  }>;
  findByIdNumber: (
    actor: import('../../platform/actor.js').Actor,
    idNumber: string,
    idType?: import('../../../common/geo.js').IdType,
    db?: import('../../db/dialect.js').DbOrTx,
  ) => Promise<PersonView | undefined>;
  household: (
    actor: import('../../platform/actor.js').Actor,
    id: string,
    db?: import('../../db/dialect.js').DbOrTx,
  ) => Promise<
    import('./population.schemas.js').HouseholdDto & {
      members: PersonView[];
    }
  >;
  merge: (
    trx: import('../../db/dialect.js').Tx | undefined,
    actor: import('../../platform/actor.js').Actor,
    fromId: string,
    intoId: string,
    reason: string,
  ) => Promise<PersonDetail>;
  registerMergeHandler: (fn: MergeHandler) => void;
  pathsOf: (ids: readonly string[], db?: import('../../db/dialect.js').DbOrTx) => Promise<Map<string, string>>;
  residentsUnder: (
    paths: readonly string[],
    db?: import('../../db/dialect.js').DbOrTx,
  ) => Promise<
    {
      id: string;
      jurisdiction_path: string;
    }[]
  >;
  briefs: (
    actor: import('../../platform/actor.js').Actor,
    ids: readonly string[],
    db?: import('../../db/dialect.js').DbOrTx,
  ) => Promise<Map<string, PersonBrief>>;
  briefsByIdNumber: (
    actor: import('../../platform/actor.js').Actor,
    items: readonly {
      idNumber: string;
      idType?: import('../../../common/geo.js').IdType | null;
    }[],
    db?: import('../../db/dialect.js').DbOrTx,
  ) => Promise<(PersonBrief | undefined)[]>;
  vulnerableCountByBuilding: (buildingIds: readonly string[], db?: import('../../db/dialect.js').DbOrTx) => Promise<Map<string, number>>;
  countByPath: (db?: import('../../db/dialect.js').DbOrTx) => Promise<Map<string, number>>;
  residentCodeKey: () => {
    algorithm: 'Ed25519';
    publicKey: string;
    publicKeyPem: string;
    format: string;
  };
  residentCodeSigningKeyPem: () => string;
  issueResidentCode: (
    actor: import('../../platform/actor.js').Actor,
    personId: string,
    db?: import('../../db/dialect.js').DbOrTx,
  ) => Promise<IssuedResidentCode>;
  reissueResidentCode: (
    trx: import('../../db/dialect.js').Tx | undefined,
    actor: import('../../platform/actor.js').Actor,
    personId: string,
    reason: string,
  ) => Promise<IssuedResidentCode>;
  verifyResidentCode: (payload: string) => {
    token: string;
    expiresAt: number;
  };
  resolveResidentCodes: (
    tokens: readonly string[],
    db?: import('../../db/dialect.js').DbOrTx,
  ) => Promise<Map<string, string | import('../../platform/errors.js').AppError>>;
  resolveResidentCode: (
    payload: string,
    db?: import('../../db/dialect.js').DbOrTx,
  ) => Promise<{
    personId: string;
    expiresAt: number;
  }>;
  residentCodeSheet: (actor: import('../../platform/actor.js').Actor, buildingId: string) => Promise<string>;
  /** Import of resident lists (CSV/XLSX): preview, dry run, all-or-nothing or partial. See import.ts. */
  imports: {
    preview(
      actor: import('../../platform/actor.js').Actor,
      path: string,
      o?: {
        encoding?: import('./spreadsheet.js').TextEncoding;
        fileName?: string | null;
        rows?: number;
      },
    ): Promise<ImportPreview>;
    validate(actor: import('../../platform/actor.js').Actor, path: string, o?: ImportOptions): Promise<ValidatedImport>;
    write(trx: import('../../db/dialect.js').Tx, actor: import('../../platform/actor.js').Actor, v: ValidatedImport): Promise<ImportReport>;
    run(actor: import('../../platform/actor.js').Actor, path: string, o?: ImportOptions): Promise<ImportReport>;
  };
  /** Exports of persons (masked) to CSV or XLSX. See export.ts. */
  exports: {
    open(
      actor: import('../../platform/actor.js').Actor,
      o: {
        format: ExportFormat;
        jurisdictionId?: string;
      },
    ): Promise<{
      filename: string;
      contentType: string;
      count: number;
      stream: import('stream').Readable;
    }>;
  };
}

export interface ImportReport {
  fileName: string | null;
  format: FileFormat;
  /** CSV only: the encoding the file was read in. */
  encoding: TextEncoding | null;
  mode: 'all' | 'partial';
  dryRun: boolean;
  /** Whether anything was written. */
  written: boolean;
  /** Data rows read (blank rows skipped). */
  rows: number;
  /** Rows without problems. */
  valid: number;
  /** Persons registered (or, in a dry run, that would be). */
  created: number;
  /** Persons whose stored fields were corrected. */
  updated: number;
  /** Rows equal to what is stored (or matching a merged record): left alone. */
  unchanged: number;
  /** Non-residents absorbed by a newly registered resident with the same document. */
  merged: number;
  households: number;
  /** Rows rejected. */
  failed: number;
  /** The rejected rows (at most IMPORT_MAX_ERRORS entries; `failed` counts them all). */
  errors: ImportRowError[];
  errorsTruncated: boolean;
  /**
   * Rows accepted after a fix the reader should know about (an ID number typed with full-width
   * digits or spaces, normalised): notices, not errors. At most IMPORT_MAX_ERRORS entries.
   */
  notices: ImportRowError[];
  columns: ColumnMapping[];
}

export interface ImportPreview {
  fileName: string | null;
  format: FileFormat;
  encoding: TextEncoding | null;
  /** The header row's number. */
  headerRow: number;
  columns: ColumnMapping[];
  /** Required fields no column maps to. */
  missing: ImportField[];
  /** The first rows as mapped (document and phone numbers masked). */
  rows: { row: number; values: Partial<Record<ImportField, string>> }[];
}

export interface ImportOptions {
  mode?: 'all' | 'partial';
  dryRun?: boolean;
  /** Overrides the detection (CSV). */
  encoding?: TextEncoding;
  fileName?: string | null;
  /** Called after each chunk: the pass and the data rows done so far. */
  onProgress?: (pass: 'validate' | 'write', rows: number) => void;
}

/** The result of pass 1, kept for pass 2. */
export interface ValidatedImport {
  path: string;
  report: ImportReport;
  /** File rows that failed (skipped by pass 2 in partial mode). */
  failedRows: Set<number>;
  resolver: AddressResolver;
  onProgress?: ImportOptions['onProgress'];
}

/** The services a hand-over calls. */
export type HandoverNeeds = 'auth' | 'geo' | 'journal' | 'tasks';

/**
 * A registration of a document that another district already holds (issue 14, "Registering a
 * person or dry-running an import must not tell a district whether an ID number is registered in
 * another district"). The registering district is answered exactly as for a fresh registration:
 * its record is created in its own jurisdiction (the document's ciphertext and mask as usual; its
 * `id_hmac` is `handover:<id>`, so the one-record-per-document index still holds). The holding
 * district is handed the matter: a task for its HQ unit (the city's when it has none) and a journal
 * entry under its own path, naming the new record, which someone covering both (the city HQ) can
 * merge or leave as a move. Nothing of this is readable by the registering district.
 */
export interface Handover {
  /** The new record, in the registering district. */
  person: PersonRow;
  /** The record that holds the document. */
  holder: PersonRow;
  /** The document's HMAC. */
  idHmac: string;
}

/** The formats of a person export. */
export type ExportFormat = 'csv' | 'xlsx';

export interface ColumnMapping {
  /** 0-based column index. */
  column: number;
  header: string;
  field: ImportField | null;
}

/** One rejected row: its number as the spreadsheet shows it, the field and why (Chinese first). */
export interface ImportRowError {
  row: number;
  field: string;
  code: string;
  reason: string;
}
