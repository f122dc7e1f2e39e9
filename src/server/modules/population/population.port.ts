import type { HouseholdDto, IdType } from '../../../common/geo.js';
import type { DbOrTx, Tx } from '../../db/dialect.js';
import type { Actor } from '../../platform/actor.js';
import type { AppError } from '../../platform/errors.js';
import type { IssuedResidentCode, MergeHandler, PersonBrief, PersonDetail, PersonInput, PersonListQuery, PersonView, PlaceRef } from './population.types.js';

/**
 * What other modules may call on the population module (`deps.services.population`). Everything
 * else in this folder is internal; its helpers are published through `index.ts`.
 * `createPopulationService` checks its facade against this port (`satisfies PopulationPort`).
 */
export interface PopulationPort {
  /** Current persons in the actor's scope (the whole city without an actor), from the counters. */
  count(actor?: Actor, db?: DbOrTx): Promise<number>;
  /** A page of masked persons in scope, filtered and searched; `total` counts every match. */
  list(actor: Actor, f: PersonListQuery, db?: DbOrTx): Promise<{ items: PersonView[]; total: number }>;
  /** One person (masked) with its merges; PERSON_NOT_FOUND outside scope. */
  get(actor: Actor, id: string, db?: DbOrTx): Promise<PersonDetail>;
  /** The full document number, phone or birth date of a person: `person.reveal`, a reason, journaled. */
  reveal(trx: Tx | undefined, actor: Actor, id: string, field: 'idNumber' | 'phone' | 'birthDate', reason: string): Promise<{ value: string }>;
  /** Registers one person (counters, journal and live update in the same transaction). */
  create(trx: Tx | undefined, actor: Actor, input: PersonInput): Promise<PersonView>;
  /** Registers many persons, all or nothing (PERSON_INVALID lists every bad row). */
  createMany(
    trx: Tx | undefined,
    actor: Actor,
    inputs: readonly PersonInput[],
    opts?: { action?: string },
  ): Promise<{ persons: number; households: number; ids: string[] }>;
  /** The generator's fast path: persons at freshly created addresses, in the caller's transaction. */
  bulkLoad(
    trx: Tx,
    actor: Actor,
    inputs: readonly PersonInput[],
    places: ReadonlyMap<string, PlaceRef>,
    opts?: { action?: string },
  ): Promise<{ persons: number; households: number }>;
  /** The current person in scope carrying this document number (exact, via HMAC), if any. */
  findByIdNumber(actor: Actor, idNumber: string, idType?: IdType, db?: DbOrTx): Promise<PersonView | undefined>;
  /** A household with its current members (masked); HOUSEHOLD_NOT_FOUND outside scope. */
  household(actor: Actor, id: string, db?: DbOrTx): Promise<HouseholdDto & { members: PersonView[] }>;
  /** Merges one person record into another (`person.manage`, both in scope, a reason). */
  merge(trx: Tx | undefined, actor: Actor, fromId: string, intoId: string, reason: string): Promise<PersonDetail>;
  /** Adds a handler that moves a module's references from a merged person to the kept one. */
  registerMergeHandler(fn: MergeHandler): void;
  /** Residence paths of persons, for scope checks (missing ids are absent). */
  pathsOf(ids: readonly string[], db?: DbOrTx): Promise<Map<string, string>>;
  /** Current persons (id, residence path) under any of these subtree paths; no scope check. */
  residentsUnder(paths: readonly string[], db?: DbOrTx): Promise<{ id: string; jurisdiction_path: string }[]>;
  /** Id, full name and residence path of the current records of these ids, in the actor's scope. */
  briefs(actor: Actor, ids: readonly string[], db?: DbOrTx): Promise<Map<string, PersonBrief>>;
  /** `briefs` by document number, aligned with `items` (undefined where none in scope). */
  briefsByIdNumber(actor: Actor, items: readonly { idNumber: string; idType?: IdType | null }[], db?: DbOrTx): Promise<(PersonBrief | undefined)[]>;
  /** Vulnerable residents (any flag) per building id. */
  vulnerableCountByBuilding(buildingIds: readonly string[], db?: DbOrTx): Promise<Map<string, number>>;
  /** Current persons per residence path, counted from the rows (what the counters are checked against). */
  countByPath(db?: DbOrTx): Promise<Map<string, number>>;
  /** The public key that verifies resident codes offline. */
  residentCodeKey(): { algorithm: 'Ed25519'; publicKey: string; publicKeyPem: string; format: string };
  /** The resident-code signing key (PEM), for this process's own bulk verifiers only. */
  residentCodeSigningKeyPem(): string;
  /** A person's active resident code, issuing one when none is left or it expires soon. */
  issueResidentCode(actor: Actor, personId: string, db?: DbOrTx): Promise<IssuedResidentCode>;
  /** Signature and expiry of a scanned resident code (offline); RESIDENT_CODE_INVALID otherwise. */
  verifyResidentCode(payload: string): { token: string; expiresAt: number };
  /** Whose codes these tokens are: the person id, or the AppError the code fails with. */
  resolveResidentCodes(tokens: readonly string[], db?: DbOrTx): Promise<Map<string, string | AppError>>;
  /** A scanned code's person, with signature, expiry and revocation checked. */
  resolveResidentCode(payload: string, db?: DbOrTx): Promise<{ personId: string; expiresAt: number }>;
}
