import { ID_TYPES, VULNERABLE_FLAGS, type HouseholdDto, type IdType, type JurisdictionDto, type JurisdictionLevel, type PersonDto, type Sex, type VulnerableFlag } from '../../../common/geo.js';
import type { Capability } from '../../../common/roles.js';
import type { Deps } from '../../deps.js';
import { inTx, isUniqueViolation, lockKeys, type DbOrTx, type Tx } from '../../db/dialect.js';
import { inScope, scopePrefix, type Actor } from '../../platform/actor.js';
import { calendarDay } from '../../platform/clock.js';
import { AppError, Errors, defineErrors } from '../../platform/errors.js';
import { registerEntityScope } from '../../platform/http/policy.js';
import { requireReason } from '../../platform/reason.js';
import { newId } from '../../platform/ids.js';
import { STRICTNESS } from '../control/control.rules.js';
import { GeoErrors } from '../geo/geo.service.js';
import { decrypt, deriveKeys, encrypt, hmac, maskIdNumber, maskPhone, normalizeIdNumber, type ProtectKeys } from './protect.js';
import { RESIDENT_ID_MESSAGES } from './resident-id.js';
import { checkResidentCode, deriveResidentCodeKeys, newResidentCodeToken, signResidentCode } from './resident-code.js';
import { nameKeysCached } from './names.js';
import { bulkInsert } from './bulk.repository.js';
import { checkPersonFields, classifySearch, flagsToMask, idPurpose, maskToFlags, upgradeOldResidentId, type FieldProblemCode } from './person-rules.js';
import * as repo from './population.repository.js';
import type { HouseholdRow, MergeRow, PersonListRow, PersonRow } from './population.repository.js';
import { createPersonImport } from './import.js';
import { createPersonExport } from './export.js';
import { handOver, handoverIdHmac, type Handover } from './handover.js';
import { residentCodeSheet } from './print.js';

/** Capabilities this module checks (rows of the capability table in src/common/roles.ts). */
export const PERSON_CAPS = { read: 'person.read', manage: 'person.manage', reveal: 'person.reveal' } as const satisfies Record<string, Capability>;

export const PopulationErrors = defineErrors({
  PERSON_NOT_FOUND: [404, 'No such person'],
  HOUSEHOLD_NOT_FOUND: [404, 'No such household'],
  PERSON_ID_EXISTS: [409, 'A person with this identity document is already registered'],
  PERSON_INVALID: [422, 'Some persons are not valid; see details'],
  PERSON_NAME_INVALID: [422, 'A name is 1–50 characters'],
  PERSON_BIRTH_DATE_INVALID: [422, 'The birth date must be a real YYYY-MM-DD day, not in the future and from 1900'],
  ID_NUMBER_FORMAT: [422, 'The document number does not have the format of its type'],
  RESIDENT_ID_FORMAT: [422, RESIDENT_ID_MESSAGES.RESIDENT_ID_FORMAT],
  RESIDENT_ID_REGION: [422, RESIDENT_ID_MESSAGES.RESIDENT_ID_REGION],
  RESIDENT_ID_BIRTH_DATE: [422, RESIDENT_ID_MESSAGES.RESIDENT_ID_BIRTH_DATE],
  RESIDENT_ID_CHECKSUM: [422, RESIDENT_ID_MESSAGES.RESIDENT_ID_CHECKSUM],
  RESIDENT_ID_BIRTH_MISMATCH: [422, RESIDENT_ID_MESSAGES.RESIDENT_ID_BIRTH_MISMATCH],
  RESIDENT_ID_SEX_MISMATCH: [422, RESIDENT_ID_MESSAGES.RESIDENT_ID_SEX_MISMATCH],
  PHONE_FORMAT: [422, 'A phone number is an 11-digit mobile (1xxxxxxxxxx) or a landline with its area code'],
  PERSON_ADDRESS_REQUIRED: [422, 'A resident needs an address (building or entrance, and room) or a household'],
  PERSON_ADDRESS_NOT_FOUND: [422, 'The address or place of stay does not exist or is outside your jurisdiction'],
  PERSON_ADDRESS_LEVEL: [422, 'An address is a building or an entrance'],
  PERSON_HOUSEHOLD_NOT_FOUND: [422, 'The household does not exist or is outside your jurisdiction'],
  PERSON_HOUSEHOLD_MISMATCH: [422, 'The address differs from the household\'s address'],
  PERSON_NON_RESIDENT_FIELDS: [422, 'A non-resident has no household or address: give jurisdictionId (place of stay) and regionOfOrigin'],
  PERSON_FIELD_EMPTY: [422, 'This person has no value for that field'],
  PERSON_TAGS_INVALID: [422, 'At most 20 tags of 1–30 characters'],
  PERSON_REGISTERED_ELSEWHERE: [422, 'This identity document is registered to a person outside your jurisdiction or as a resident; it cannot be changed here'],
  RESIDENT_CODE_INVALID: [422, 'This is not a valid resident code (居民码): malformed, not signed by this platform, expired, or replaced by a newer one (details.problem)'],
  PERSON_MERGE_SAME: [422, 'A person cannot be merged into itself'],
  PERSON_MERGE_ALREADY_MERGED: [409, 'One of the two records has already been merged into another'],
  PERSON_MERGE_DIRECTION: [422, 'A resident is never merged into a non-resident: merge the non-resident into the resident'],
  BUILDING_NOT_FOUND: [404, 'No such building in your jurisdiction'],
  SEARCH_PURPOSE_REQUIRED: [422, 'A search by a full ID or phone number needs a purpose (purpose): it is journaled like a reveal'],
  DISCLOSURE_RATE_LIMITED: [429, 'Too many reveals or exact-number searches; retry later'],
});

/**
 * Per-user limits on disclosures (local parameters: no protocol text gives them). A reveal or an
 * exact ID/phone search by one user counts against `max` within the sliding `windowMs`; the next
 * one is 429 DISCLOSURE_RATE_LIMITED with Retry-After. System actors (jobs, the demo) are not counted.
 */
export const DISCLOSURE_LIMITS = {
  reveal: { max: 20, windowMs: 60 * 60_000 },
  search: { max: 20, windowMs: 60 * 60_000 },
} as const;
/** lockKeys space of the per-user disclosure count. */
const DISCLOSURE_LOCK_SPACE = 14_030;

/**
 * How long a resident code is valid (local parameter: no protocol text gives it), and how close to
 * its expiry an existing code is replaced by a fresh one when the code is asked for again.
 */
export const RESIDENT_CODE_TTL_MS = 180 * 86_400_000;
export const RESIDENT_CODE_RENEW_MS = 14 * 86_400_000;

/** A resident code as issued: the payload to print and whose it is. */
export interface IssuedResidentCode {
  payload: string;
  personId: string;
  issuedAt: number;
  expiresAt: number;
}

/** 18-character resident IDs and residence permits carry the birth date (characters 7–14) themselves. */
const DATED_DOCUMENT = /^\d{17}[\dX]$/;

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

type ErrorCode = Exclude<keyof typeof PopulationErrors, 'codes'>;

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

/** Fields compared to decide whether an imported row changes a stored person. */
const COMPARED = ['name', 'phone_hmac', 'birth_year', 'sex', 'resident', 'jurisdiction_id', 'room', 'region_of_origin', 'vulnerable_flags', 'tags'] as const;

export function createPopulationService(deps: Deps) {
  const keys = deriveKeys(deps.config.dataKey);
  const codeKeys = deriveResidentCodeKeys(deps.config.sessionKey);
  const geo = () => deps.services.geo;
  const mergeHandlers: MergeHandler[] = [];

  registerEntityScope('person', async (db, id) => {
    const m = await repo.pathsOf(db, [id]);
    const p = m.get(id);
    return p ? [p] : undefined;
  });
  registerEntityScope('household', async (db, id) => {
    const h = await repo.findHousehold(db, id);
    return h ? [h.jurisdiction_path] : undefined;
  });

  const today = () => calendarDay(deps.clock.now(), deps.config.tz);

  /** Address text: 区 街道 社区 小区 楼栋 单元 names (the city left out) + room. */
  async function addressTexts(db: DbOrTx, paths: readonly string[]): Promise<Map<string, string>> {
    const prefixes = new Set<string>();
    for (const p of paths) {
      const parts = p.split('/').filter(Boolean);
      let acc = '/';
      parts.forEach((code, i) => {
        acc += `${code}/`;
        if (i > 0) prefixes.add(acc);
      });
    }
    const nodes = await geo().getManyByPath([...prefixes], db);
    const name = new Map(nodes.map((n) => [n.path, n.name]));
    const out = new Map<string, string>();
    for (const p of paths) {
      const parts = p.split('/').filter(Boolean);
      let acc = '/';
      let text = '';
      parts.forEach((code, i) => {
        acc += `${code}/`;
        if (i > 0) text += name.get(acc) ?? '';
      });
      out.set(p, text);
    }
    return out;
  }

  function toDto(r: PersonListRow, texts: Map<string, string>): PersonView {
    const place = texts.get(r.jurisdiction_path) ?? '';
    const resident = Number(r.resident) === 1;
    return {
      id: r.id,
      name: r.name,
      idType: r.id_type as IdType,
      idNumberMasked: r.id_masked,
      phoneMasked: r.phone_masked,
      birthYear: Number(r.birth_year),
      sex: r.sex as Sex,
      resident,
      householdId: r.household_id,
      address: resident ? { jurisdictionId: r.jurisdiction_id, path: r.jurisdiction_path, text: place + (r.room ? `${r.room}室` : '') } : null,
      location: { jurisdictionId: r.jurisdiction_id, path: r.jurisdiction_path, text: place },
      regionOfOrigin: r.region_of_origin,
      vulnerable: maskToFlags(Number(r.vulnerable_flags)),
      tags: JSON.parse(r.tags) as string[],
      mergedInto: r.merged_into,
    };
  }

  async function toDtos(db: DbOrTx, rows: readonly PersonListRow[]): Promise<PersonView[]> {
    const texts = await addressTexts(db, [...new Set(rows.map((r) => r.jurisdiction_path))]);
    return rows.map((r) => toDto(r, texts));
  }

  function mergeDto(m: MergeRow): MergeDto {
    return {
      id: m.id,
      fromPersonId: m.from_person_id,
      intoPersonId: m.into_person_id,
      method: m.method as MergeDto['method'],
      reason: m.reason,
      at: Number(m.at),
      actor: { id: m.actor_id, name: m.actor_name },
      details: JSON.parse(m.details) as Record<string, unknown>,
      journalSeq: Number(m.journal_seq),
    };
  }

  /** Builds the stored row of a validated person (encrypts, hashes, masks, pinyin keys). */
  function buildRow(p: PersonInput, idNumber: string, phone: string | null, place: PlaceRef, household: HouseholdRow | undefined, room: string | null, now: number, id: string = newId(), sealed = true): PersonRow {
    const isEntrance = place.level === 'entrance';
    const name = p.name.trim();
    const k = nameKeysCached(name);
    return {
      id,
      name,
      id_type: p.idType,
      id_cipher: sealed ? encrypt(keys, idNumber, `person:${id}:idNumber`) : '',
      id_hmac: hmac(keys, idPurpose(p.idType), idNumber),
      id_masked: maskIdNumber(idNumber),
      phone_cipher: phone ? (sealed ? encrypt(keys, phone, `person:${id}:phone`) : '') : null,
      phone_hmac: phone ? hmac(keys, 'phone', phone) : null,
      phone_masked: phone ? maskPhone(phone) : null,
      birth_year: Number(p.birthDate.slice(0, 4)),
      // Only what the document does not already carry, and only encrypted (see the migration 0023).
      birth_cipher: DATED_DOCUMENT.test(idNumber) ? null : sealed ? encrypt(keys, p.birthDate, `person:${id}:birthDate`) : '',
      sex: p.sex,
      resident: p.resident ? 1 : 0,
      household_id: household?.id ?? null,
      building_id: p.resident ? (isEntrance ? place.parentId : place.id) : place.level === 'building' ? place.id : place.level === 'entrance' ? place.parentId : null,
      entrance_id: isEntrance ? place.id : null,
      room: p.resident ? room : null,
      jurisdiction_id: place.id,
      jurisdiction_path: place.path,
      region_of_origin: p.resident ? (p.regionOfOrigin?.trim() || null) : p.regionOfOrigin!.trim(),
      vulnerable_flags: flagsToMask(p.vulnerable ?? []),
      tags: JSON.stringify([...new Set((p.tags ?? []).map((t) => t.trim()))]),
      name_initials: k.initials,
      name_pinyin: k.pinyin,
      merged_into: null,
      merged_at: null,
      created_at: now,
      updated_at: now,
    };
  }

  /**
   * Validates a batch and turns it into rows: field rules, addresses and households (looked up in
   * bulk; a resident given only an address joins the household at that address and room, or a new
   * one), scope (every place must be inside the actor's scope), duplicate documents in the batch.
   * A document already stored is, in `conflict` mode, PERSON_ID_EXISTS; in `upsert` mode (imports)
   * the stored person is compared and updated when a field differs. In both modes a new resident
   * whose document belongs to a non-resident in scope absorbs that record (a `document` merge).
   */
  async function prepare(tx: DbOrTx, actor: Actor, inputs: readonly PersonInput[], mode: 'conflict' | 'upsert', opts: PrepareOptions = {}): Promise<PreparedBatch> {
    const sealed = !opts.validateOnly;
    const day = today();
    const now = deps.clock.now();
    const problems: RowProblem[] = [];
    const checked = inputs.map((p, row) => {
      const c = checkPersonFields(p, day);
      if ('code' in c) problems.push({ ...c, code: c.code as FieldProblemCode, row });
      return c;
    });

    const householdIds = [...new Set(inputs.map((p) => p.householdId).filter((x): x is string => !!x))];
    const households = new Map((await repo.findHouseholds(tx, householdIds)).map((h) => [h.id, h]));
    const nodeIds = new Set<string>();
    for (const p of inputs) {
      if (p.address?.jurisdictionId) nodeIds.add(p.address.jurisdictionId);
      if (p.jurisdictionId) nodeIds.add(p.jurisdictionId);
    }
    for (const h of households.values()) nodeIds.add(h.jurisdiction_id);
    const nodes = new Map((await geo().getMany([...nodeIds], tx)).map((n) => [n.id, n]));
    const addressOnly = inputs.filter((p, i) => !('code' in checked[i]) && p.resident && p.address && !p.householdId).map((p) => p.address!.jurisdictionId);
    const existingAt = new Map<string, HouseholdRow>();
    for (const h of await repo.householdsAt(tx, [...new Set(addressOnly)])) existingAt.set(`${h.jurisdiction_id}\n${h.room ?? ''}`, h);
    const hmacOf = inputs.map((p, i) => {
      const c = checked[i];
      return 'code' in c ? null : hmac(keys, idPurpose(p.idType), c.idNumber);
    });
    const wantedHmacs = [...new Set(hmacOf.filter((h): h is string => !!h))];
    const stored = new Map((await repo.findFullByIdHmac(tx, wantedHmacs)).map((r) => [r.id_hmac, r]));
    // Records this actor's district registered while another district held the document.
    const handedOver = new Map<string, PersonRow>();
    for (const r of await repo.handedOverByIdHmac(tx, wantedHmacs)) if (inScope(actor, r.jurisdiction_path) && !handedOver.has(r.handover_hmac)) handedOver.set(r.handover_hmac, r);

    const out: PreparedBatch = { persons: [], households: [], updates: [], unchanged: [], absorbs: [], rowOf: new Map(), problems, handovers: [] };
    const seenHmac = new Map<string, number>();
    inputs.forEach((p, row) => {
      const c = checked[row];
      if ('code' in c) return;
      const fail = (code: ErrorCode, field: string, message?: string) => problems.push({ code, field, row, message });
      const idHmac = hmacOf[row]!;
      const dup = seenHmac.get(idHmac);
      if (dup !== undefined) return fail('PERSON_ID_EXISTS', 'idNumber', `Same document as row ${dup}`);
      seenHmac.set(idHmac, row);
      const found = stored.get(idHmac);
      // Neither the validation pass (an import's dry run) nor the write consults a record outside the
      // actor's scope: what they answer must not tell whether a document is registered in another
      // district. Such a document is registered as if fresh (or matches the record this district
      // registered for it earlier), and the write hands it over to the holding district (handover.ts).
      const outside = !!found && !inScope(actor, found.jurisdiction_path);
      const existing = outside ? handedOver.get(idHmac) : found;
      if (existing?.merged_into) {
        // Already merged into another record: nothing to import for it (the kept record is current).
        if (mode === 'upsert') return out.unchanged.push(row);
        return fail('PERSON_ID_EXISTS', 'idNumber');
      }
      const absorbs = !!existing && existing.resident === 0 && p.resident && inScope(actor, existing.jurisdiction_path);
      if (existing && !absorbs) {
        if (mode === 'conflict') return fail('PERSON_ID_EXISTS', 'idNumber');
        if (!inScope(actor, existing.jurisdiction_path)) return fail('PERSON_ID_EXISTS', 'idNumber');
        if (existing.resident === 1 && !p.resident) return fail('PERSON_REGISTERED_ELSEWHERE', 'idNumber');
      }

      let place: JurisdictionDto | undefined;
      let household: HouseholdRow | undefined;
      let room: string | null = null;
      if (p.resident) {
        if (p.householdId) {
          household = households.get(p.householdId);
          if (!household || !inScope(actor, household.jurisdiction_path)) return fail('PERSON_HOUSEHOLD_NOT_FOUND', 'householdId');
          if (p.address && (p.address.jurisdictionId !== household.jurisdiction_id || (p.address.room ?? null) !== household.room)) return fail('PERSON_HOUSEHOLD_MISMATCH', 'address');
          place = nodes.get(household.jurisdiction_id);
          room = household.room;
        } else {
          place = nodes.get(p.address!.jurisdictionId);
          room = p.address!.room?.trim() || null;
        }
        if (!place || !inScope(actor, place.path)) return fail('PERSON_ADDRESS_NOT_FOUND', 'address.jurisdictionId');
        if (place.level !== 'building' && place.level !== 'entrance') return fail('PERSON_ADDRESS_LEVEL', 'address.jurisdictionId');
        if (!household && existing && !absorbs && existing.jurisdiction_id === place.id && (existing.room ?? null) === room && existing.household_id) {
          // Same address as stored: stay in the same household.
          household = { id: existing.household_id, jurisdiction_id: place.id, jurisdiction_path: place.path, room, created_at: now, updated_at: now };
        }
        if (!household) {
          const key = `${place.id}\n${room ?? ''}`;
          household = existingAt.get(key);
          if (!household) {
            household = { id: newId(), jurisdiction_id: place.id, jurisdiction_path: place.path, room, created_at: now, updated_at: now };
            existingAt.set(key, household);
            out.households.push(household);
          }
        }
      } else {
        place = nodes.get(p.jurisdictionId!);
        if (!place || !inScope(actor, place.path)) return fail('PERSON_ADDRESS_NOT_FOUND', 'jurisdictionId');
      }

      if (existing && !absorbs) {
        const after = buildRow(p, c.idNumber, c.phone, place, household, room, now, existing.id, sealed);
        const changed = COMPARED.some((f) => String(existing[f] ?? '') !== String(after[f] ?? '')) || birthDateChanged(existing, p.birthDate, sealed);
        if (!changed) return out.unchanged.push(row);
        // The document is the same: keep its ciphertext; keep the phone ciphertext when unchanged.
        after.id_cipher = existing.id_cipher;
        after.id_hmac = existing.id_hmac; // a handed-over record keeps its `handover:` key
        if (!sealed || (existing.birth_cipher && !birthDateChanged(existing, p.birthDate, true))) after.birth_cipher = existing.birth_cipher;
        if (after.phone_hmac === existing.phone_hmac) after.phone_cipher = existing.phone_cipher;
        after.created_at = existing.created_at;
        return out.updates.push({ row, before: existing, after });
      }
      const person = buildRow(p, c.idNumber, c.phone, place, household, room, now, newId(), sealed);
      if (outside) {
        person.id_hmac = handoverIdHmac(person.id);
        out.handovers.push({ person, holder: found, idHmac });
      }
      out.persons.push(person);
      out.rowOf.set(person.id, row);
      if (absorbs) out.absorbs.push({ row, from: existing!, intoId: person.id });
    });
    // Households only used by rows that failed later are not written.
    const used = new Set([...out.persons.map((r) => r.household_id), ...out.updates.map((u) => u.after.household_id)]);
    out.households = out.households.filter((h) => used.has(h.id));
    return out;
  }

  /**
   * Whether an import row's birth date differs from the stored one. Documents that carry the date
   * are compared by the document (same HMAC) and the year; others by their encrypted date, when the
   * row has one (decrypted only while writing: a dry run compares years only).
   */
  function birthDateChanged(existing: PersonRow, birthDate: string, canDecrypt: boolean): boolean {
    if (!existing.birth_cipher || !canDecrypt) return false;
    return decrypt(keys, existing.birth_cipher, `person:${existing.id}:birthDate`) !== birthDate;
  }

  /** The fields of a stored person as a correction shows them (masked numbers only). */
  function correctionView(r: PersonRow): Record<string, unknown> {
    return {
      name: r.name,
      phone: r.phone_masked,
      // The year only: a correction is journaled and shown beside the masked document.
      birthYear: Number(r.birth_year),
      sex: r.sex,
      resident: r.resident === 1,
      jurisdictionId: r.jurisdiction_id,
      room: r.room,
      regionOfOrigin: r.region_of_origin,
      vulnerable: maskToFlags(Number(r.vulnerable_flags)),
      tags: JSON.parse(r.tags),
    };
  }

  /**
   * Writes a prepared batch: new households and persons (multi-row inserts; journaled per 500 rows
   * with `batchAction`), updates as corrections, absorbed non-residents as merges, and the
   * population counters (once per node). Everything in the caller's transaction.
   */
  async function write(tx: Tx, actor: Actor, b: PreparedBatch, opts: WriteOptions): Promise<void> {
    const now = deps.clock.now();
    // An absorbed non-resident gives up its document HMAC to the new resident record (the column
    // is unique); its ciphertext stays, so its own history still reveals the number it was given.
    for (const a of b.absorbs) await repo.updatePerson(tx, a.from.id, { id_hmac: `merged:${a.from.id}`, updated_at: now });
    try {
      await bulkInsert(tx, deps.handle, b.households, b.persons);
    } catch (err) {
      // A concurrent registration of the same document committed first.
      if (isUniqueViolation(err)) throw PopulationErrors.PERSON_ID_EXISTS();
      throw err;
    }
    const deltas = new Map<string, number>();
    const bump = (path: string, d: number) => deltas.set(path, (deltas.get(path) ?? 0) + d);
    for (const r of b.persons) bump(r.jurisdiction_path, 1);
    for (const u of b.updates) {
      const { id: _id, ...set } = u.after;
      await repo.updatePerson(tx, u.before.id, { ...set, updated_at: now });
      await deps.services.corrections.record(tx, actor, {
        entityType: 'person',
        entityId: u.before.id,
        jurisdictionPath: u.after.jurisdiction_path,
        before: correctionView(u.before),
        after: correctionView(u.after),
        reason: opts.reason ?? 'corrected by import',
        action: 'population.person.correct',
      });
      if (u.before.jurisdiction_path !== u.after.jurisdiction_path) {
        bump(u.before.jurisdiction_path, -1);
        bump(u.after.jurisdiction_path, 1);
        await deps.services.control.relocate(tx, u.before.id, u.after.jurisdiction_path);
      }
    }
    await geo().addPopulationMany(tx, deltas);
    if (opts.batchAction) {
      for (let i = 0; i < b.persons.length; i += 500) {
        const chunk = b.persons.slice(i, i + 500);
        // The digest covers the stored rows (ciphertexts, HMACs, masks): never a plaintext number.
        await deps.services.journal.appendBatch(tx, actor, {
          action: opts.batchAction,
          entityType: 'person',
          jurisdictionPath: commonPrefix(chunk.map((r) => r.jurisdiction_path)),
          rows: chunk,
          summary: { ...opts.summary, persons: chunk.length, households: i === 0 ? b.households.length : 0 },
        });
      }
    }
    if (b.handovers.length) await handOver(deps, tx, actor, b.handovers);
    await opts.beforeMerges?.();
    for (const a of b.absorbs) {
      const into = b.persons.find((r) => r.id === a.intoId)!;
      await mergeRows(tx, actor, a.from, into, 'document', 'The same identity document was registered as a resident (同一证件登记为常住居民)');
    }
  }

  /**
   * Merges `from` into `into` in the caller's transaction. Both records stay: `from` is marked
   * merged (left out of lists and counts), everything merged into it before follows, every module's
   * registered handler redirects its references, and control statuses are combined: when `from` is
   * under the stricter measure, `into` is put under it through the status guard, citing the same
   * basis (an automatic change). Journaled as `population.person.merge`.
   */
  async function mergeRows(tx: Tx, actor: Actor, from: PersonRow, into: Pick<PersonRow, 'id' | 'jurisdiction_path' | 'resident' | 'merged_into'>, method: 'manual' | 'document', reason: string): Promise<MergeDto> {
    if (from.id === into.id) throw PopulationErrors.PERSON_MERGE_SAME();
    if (from.merged_into || into.merged_into) throw PopulationErrors.PERSON_MERGE_ALREADY_MERGED();
    if (from.resident === 1 && Number(into.resident) === 0) throw PopulationErrors.PERSON_MERGE_DIRECTION();
    const now = deps.clock.now();
    await repo.markMerged(tx, from.id, into.id, now);
    await geo().addPopulation(tx, from.jurisdiction_path, -1);

    const control = deps.services.control;
    const st = await control.statusesOf([from.id, into.id], tx);
    const a = st.get(from.id)!;
    const b = st.get(into.id)!;
    const combined: Record<string, unknown> = { from: a.status, into: b.status, kept: b.status };
    if (a.basis && STRICTNESS[a.status] > STRICTNESS[b.status]) {
      const r = await control.applyAutomatic(tx, actor, {
        personIds: [into.id],
        to: a.status,
        basis: a.basis,
        reason: a.reason ? `合并记录，沿用被合并记录的管控依据：${a.reason} · Merged record's measure kept: ${a.reason}` : "合并记录，沿用被合并记录的管控依据 · Merged record's measure kept",
        endsAt: a.endsAt !== null && a.endsAt > now ? a.endsAt : null,
        presetVersion: a.presetVersion,
        ifNotAllowed: 'skip',
      });
      if (r.applied) combined.kept = a.status;
    }
    for (const h of mergeHandlers) await h(tx, from.id, into.id);
    const details = { control: combined, handlers: mergeHandlers.length };
    const entry = await deps.services.journal.append(tx, actor, {
      action: 'population.person.merge',
      entityType: 'person',
      entityId: from.id,
      jurisdictionPath: into.jurisdiction_path,
      payload: { fromPersonId: from.id, intoPersonId: into.id, method, ...details },
      reason,
    });
    const row: MergeRow = {
      id: newId(now),
      from_person_id: from.id,
      into_person_id: into.id,
      method,
      reason,
      details: JSON.stringify(details),
      from_path: from.jurisdiction_path,
      jurisdiction_path: into.jurisdiction_path,
      actor_id: actor.userId,
      actor_name: actor.name,
      at: now,
      journal_seq: entry.seq,
    };
    await repo.insertMerge(tx, row);
    await deps.services.outbox.publish(tx, { topic: 'population.changed', capability: 'person.read', jurisdictionPath: from.jurisdiction_path, payload: { jurisdictionPath: from.jurisdiction_path, delta: -1, merged: true } });
    return mergeDto(row);
  }

  function requireCap(actor: Actor, cap: Capability): void {
    if (!actor.capabilities.has(cap)) throw Errors.FORBIDDEN({ capability: cap });
  }

  async function visiblePerson(db: DbOrTx, actor: Actor, id: string): Promise<PersonRow> {
    const r = await repo.findPerson(db, id);
    if (!r || !inScope(actor, r.jurisdiction_path)) throw PopulationErrors.PERSON_NOT_FOUND({ id });
    return r;
  }

  /** Filter prefix for a list: the deeper of the actor's scope and the requested node. */
  async function listPrefix(db: DbOrTx, actor: Actor, jurisdictionId?: string): Promise<string | null> {
    const own = scopePrefix(actor);
    if (!jurisdictionId) return own;
    const node = await geo().resolveScope(jurisdictionId, db);
    const readable = node && (!own || node.path.startsWith(own) || own.startsWith(node.path));
    if (!node || !readable) throw GeoErrors.JURISDICTION_NOT_FOUND({ id: jurisdictionId });
    return own && own.length > node.path.length ? own : node.path;
  }

  /** Ids of the current records of these (a merged record stands for the one it was merged into). */
  function currentIds(rows: readonly { id: string; merged_into: string | null }[]): string[] {
    return [...new Set(rows.map((r) => r.merged_into ?? r.id))];
  }

  /**
   * Residence prefixes whose compound (and, with a second word, building) name contains the text:
   * `滨江苑` → every building of 滨江苑 in scope; `滨江苑 1栋` → that building. At most 50.
   */
  async function addressPrefixes(db: DbOrTx, actor: Actor, text: string): Promise<string[]> {
    const [compoundText, buildingText] = text.split(/\s+/).filter(Boolean);
    if (!compoundText || [...compoundText].length < 2) return [];
    const compounds = (await geo().list(actor, { q: compoundText, level: 'compound', limit: 50 }, db)).filter((n) => n.name.includes(compoundText));
    if (!buildingText) return compounds.map((c) => c.path);
    const out: string[] = [];
    for (const c of compounds.slice(0, 10)) {
      for (const b of await geo().children(actor, c.id, db)) if (b.name.includes(buildingText) || b.name.replace(/\D/g, '') === buildingText.replace(/\D/g, '')) out.push(b.path);
    }
    return out.slice(0, 50);
  }

  /** Current persons under a path (whole city for null), from the population counters. */
  async function countUnder(db: DbOrTx, prefix: string | null): Promise<number> {
    if (!prefix) return geo().totalPopulation(db);
    const node = (await geo().getManyByPath([prefix], db))[0];
    return node ? node.population : repo.countPersons(db, { prefix });
  }

  /**
   * Counts one disclosure against the user's limit (DISCLOSURE_LIMITS), in the caller's
   * transaction, or throws 429 DISCLOSURE_RATE_LIMITED with Retry-After when the limit is reached.
   */
  async function takeDisclosure(tx: Tx, actor: Actor, kind: keyof typeof DISCLOSURE_LIMITS): Promise<void> {
    if (actor.kind !== 'user' || !actor.userId) return;
    const { max, windowMs } = DISCLOSURE_LIMITS[kind];
    // Two workers (or two requests) counting at once must not both see room for one more: on
    // PostgreSQL the user's count is taken under a lock (SQLite serialises writers already).
    await lockKeys(tx, DISCLOSURE_LOCK_SPACE, [actor.userId]);
    const now = deps.clock.now();
    const used = await repo.disclosuresSince(tx, actor.userId, kind, now - windowMs);
    if (used.count >= max) {
      const retryAfter = Math.max(1, Math.ceil(((used.oldest ?? now) + windowMs - now) / 1000));
      throw new AppError('DISCLOSURE_RATE_LIMITED', 429, `已达到每小时 ${max} 次的上限，请稍后再试 (at most ${max} per hour; retry later)`, { kind, max, windowMinutes: windowMs / 60_000, retryAfter }, { 'retry-after': String(retryAfter) });
    }
    await repo.insertDisclosure(tx, { id: newId(now), actor_id: actor.userId, kind, at: now });
  }

  /**
   * The active resident code of each person, issuing one (in the caller's transaction) where none
   * is left or it expires within RESIDENT_CODE_RENEW_MS.
   */
  async function currentCodes(tx: Tx, personIds: readonly string[]): Promise<Map<string, IssuedResidentCode>> {
    const now = deps.clock.now();
    const active = await repo.activeResidentCodes(tx, personIds, now + RESIDENT_CODE_RENEW_MS);
    const fresh: repo.ResidentCodeRow[] = [];
    for (const id of new Set(personIds)) if (!active.has(id)) fresh.push({ token: newResidentCodeToken(), person_id: id, issued_at: now, expires_at: now + RESIDENT_CODE_TTL_MS, revoked_at: null });
    await repo.insertResidentCodes(tx, fresh);
    for (const r of fresh) active.set(r.person_id, r);
    const out = new Map<string, IssuedResidentCode>();
    for (const [id, r] of active) out.set(id, { payload: signResidentCode(codeKeys, r.token, Number(r.expires_at)), personId: id, issuedAt: Number(r.issued_at), expiresAt: Number(r.expires_at) });
    return out;
  }

  function verifyCode(payload: string): { token: string; expiresAt: number } {
    const c = checkResidentCode(codeKeys.publicKey, payload, deps.clock.now());
    if (!c.ok) throw PopulationErrors.RESIDENT_CODE_INVALID({ problem: c.problem });
    return { token: c.token, expiresAt: c.expiresAt };
  }

  const core: PopulationCore = { keys, prepare, write, addressTexts, listPrefix, requireCap, today };

  return {
    /**
     * Persons (residents and non-residents; merged records not counted) within the actor's scope,
     * or in the whole city without an actor. Read from the jurisdictions' population counters (kept
     * current on every write), not by counting rows.
     */
    async count(actor?: Actor, db: DbOrTx = deps.db): Promise<number> {
      return countUnder(db, actor ? scopePrefix(actor) : null);
    },

    /**
     * A page of persons (masked) in scope, filtered; `total` counts all matches. Search (`q`): a
     * document or mobile number matches exactly through its HMAC (a merged record's number finds the
     * record it was merged into); ASCII letters match pinyin initials or full pinyin by prefix
     * (`zs` → 张三); other text matches a name fragment or a compound/building name.
     */
    async list(actor: Actor, f: PersonListQuery, db: DbOrTx = deps.db): Promise<{ items: PersonView[]; total: number }> {
      const pageSize = Math.min(Math.max(f.pageSize ?? 20, 1), 200);
      const page = Math.max(f.page ?? 1, 1);
      const filter: repo.PersonFilter = { prefix: await listPrefix(db, actor, f.jurisdictionId) };
      const q = f.q?.trim();
      if (q) {
        const k = classifySearch(q);
        if (k.kind === 'id' || k.kind === 'phone') {
          // An exact-identifier search is a disclosure: it needs a purpose, counts against the
          // user's limit and is journaled like a reveal (the kind and purpose, never the number).
          if (!f.purpose?.trim()) throw PopulationErrors.SEARCH_PURPOSE_REQUIRED({ field: 'purpose' });
          const purpose = requireReason(f.purpose, 'purpose');
          filter.ids = await inTx(db, async (tx) => {
            await takeDisclosure(tx, actor, 'search');
            const ids = k.kind === 'id'
              ? currentIds(await repo.findPersonsByIdHmac(tx, ID_TYPES.map((t) => hmac(keys, idPurpose(t), k.number))))
              : currentIds(await repo.idsByPhoneHmac(tx, hmac(keys, 'phone', k.number), 500));
            await deps.services.journal.append(tx, actor, {
              action: 'population.person.search',
              entityType: 'person',
              entityId: null,
              jurisdictionPath: filter.prefix,
              payload: { field: k.kind === 'id' ? 'idNumber' : 'phone' },
              reason: purpose,
            });
            return ids;
          });
        } else if (k.kind === 'pinyin') filter.pinyin = k.text;
        else {
          filter.name = k.text.replace(/[%_\\]/g, '');
          filter.addressPrefixes = await addressPrefixes(db, actor, k.text);
        }
      }
      if (f.vulnerable === true) filter.vulnerableMask = (1 << VULNERABLE_FLAGS.length) - 1;
      else if (typeof f.vulnerable === 'string') filter.vulnerableMask = flagsToMask([f.vulnerable]);
      // Without a search or filter the total is the population counter of the scope (no count scan).
      const plain = !filter.ids && filter.name === undefined && !filter.pinyin && !filter.vulnerableMask;
      const [rows, total] = await Promise.all([repo.listPersons(db, filter, (page - 1) * pageSize, pageSize), plain ? countUnder(db, filter.prefix) : repo.countPersons(db, filter)]);
      return { items: await toDtos(db, rows), total };
    },

    /**
     * One person (masked) with every merge it took part in, or PERSON_NOT_FOUND when missing or
     * outside the actor's scope. A merged record is still shown (with `mergedInto`).
     */
    async get(actor: Actor, id: string, db: DbOrTx = deps.db): Promise<PersonDetail> {
      const r = await visiblePerson(db, actor, id);
      const [dto] = await toDtos(db, [r]);
      return { ...dto, merges: (await repo.mergesOf(db, r.id)).map(mergeDto) };
    },

    /**
     * Reveals the full ID or phone number of one person: needs `person.reveal` and a reason, and is
     * journaled as `population.person.reveal` (field and reason; never the value).
     */
    async reveal(trx: Tx | undefined, actor: Actor, id: string, field: 'idNumber' | 'phone' | 'birthDate', reason: string): Promise<{ value: string }> {
      requireCap(actor, PERSON_CAPS.reveal);
      const why = requireReason(reason);
      return inTx(trx ?? deps.db, async (tx) => {
        const r = await visiblePerson(tx, actor, id);
        let value: string;
        if (field === 'birthDate') {
          // Kept encrypted for documents without a date; a resident ID carries it (characters 7–14).
          if (r.birth_cipher) value = decrypt(keys, r.birth_cipher, `person:${r.id}:birthDate`);
          else {
            const n = r.id_hmac.startsWith('merged:') || !r.id_cipher ? '' : decrypt(keys, r.id_cipher, `person:${r.id}:idNumber`);
            if (!DATED_DOCUMENT.test(n)) throw PopulationErrors.PERSON_FIELD_EMPTY({ field });
            value = `${n.slice(6, 10)}-${n.slice(10, 12)}-${n.slice(12, 14)}`;
          }
        } else {
          const stored = field === 'idNumber' ? r.id_cipher : r.phone_cipher;
          if (!stored) throw PopulationErrors.PERSON_FIELD_EMPTY({ field });
          value = decrypt(keys, stored, `person:${r.id}:${field}`);
        }
        await takeDisclosure(tx, actor, 'reveal');
        await deps.services.journal.append(tx, actor, { action: 'population.person.reveal', entityType: 'person', entityId: r.id, jurisdictionPath: r.jurisdiction_path, payload: { field }, reason: why });
        return { value };
      });
    },

    /**
     * Registers one person (validated; counters, journal and live update in the same transaction).
     * A resident whose document a non-resident in scope already carries absorbs that record (the
     * non-resident is merged into the new resident, journaled).
     */
    async create(trx: Tx | undefined, actor: Actor, input: PersonInput): Promise<PersonView> {
      requireCap(actor, PERSON_CAPS.manage);
      return inTx(trx ?? deps.db, async (tx) => {
        const b = await prepare(tx, actor, [input], 'conflict');
        if (b.problems.length) {
          const p = b.problems[0];
          throw PopulationErrors[p.code]({ field: p.field }, p.message);
        }
        const row = b.persons[0];
        await write(tx, actor, b, {
          batchAction: null,
          // Journal the registration before a merge that refers to it.
          beforeMerges: () =>
            deps.services.journal.append(tx, actor, {
              action: 'population.person.create',
              entityType: 'person',
              entityId: row.id,
              jurisdictionPath: row.jurisdiction_path,
              payload: { name: row.name, idType: row.id_type, resident: row.resident === 1, householdId: row.household_id, jurisdictionId: row.jurisdiction_id, newHousehold: b.households.length > 0 },
            }),
        });
        await deps.services.outbox.publish(tx, { topic: 'population.changed', capability: 'person.read', jurisdictionPath: row.jurisdiction_path, payload: { jurisdictionPath: row.jurisdiction_path, delta: 1 } });
        return (await toDtos(tx, [row]))[0];
      });
    },

    /**
     * Registers many persons at once (the demo loader, scripts): all or nothing. Invalid rows →
     * PERSON_INVALID with `details: [{ row, field, code, message }]` (never the numbers). Rows are
     * inserted in multi-row batches, journaled per 500 rows (`population.person.import`, a digest of
     * the stored rows) and the population counters are updated once per node, not per row.
     */
    async createMany(trx: Tx | undefined, actor: Actor, inputs: readonly PersonInput[], opts: { action?: string } = {}): Promise<{ persons: number; households: number; ids: string[] }> {
      requireCap(actor, PERSON_CAPS.manage);
      return inTx(trx ?? deps.db, async (tx) => {
        const b = await prepare(tx, actor, inputs, 'conflict');
        if (b.problems.length) {
          b.problems.sort((x, y) => x.row - y.row);
          throw PopulationErrors.PERSON_INVALID(
            b.problems.slice(0, 200).map((p) => ({ row: p.row, field: p.field, code: p.code, message: p.message ?? (PopulationErrors[p.code]() as AppError).message })),
          );
        }
        await write(tx, actor, b, { batchAction: opts.action ?? 'population.person.import' });
        return { persons: b.persons.length, households: b.households.length, ids: b.persons.map((p) => p.id) };
      });
    },

    /**
     * The fast path for generated populations (the city generator, the demo loader): registers
     * persons at freshly created addresses, all or nothing, in the caller's transaction. Each person
     * passes the same field rules as `createMany`; what it skips is the database's share of the
     * checks, which the generator guarantees: `places` gives every address (inside the actor's
     * scope), documents are new and unique, and no household exists yet at these addresses
     * (households are made per address and room). Rows go in through the raw bulk insert
     * (bulk.repository.ts); counters move once per node; journaled per 500 rows with a digest of
     * each row's id, document HMAC, name, household and path.
     */
    async bulkLoad(trx: Tx, actor: Actor, inputs: readonly PersonInput[], places: ReadonlyMap<string, PlaceRef>, opts: { action?: string } = {}): Promise<{ persons: number; households: number }> {
      requireCap(actor, PERSON_CAPS.manage);
      const day = today();
      const now = deps.clock.now();
      const households = new Map<string, HouseholdRow>();
      const rows: PersonRow[] = [];
      inputs.forEach((p, row) => {
        const c = checkPersonFields(p, day);
        if ('code' in c) throw PopulationErrors.PERSON_INVALID([{ row, field: c.field, code: c.code }]);
        const place = places.get(p.resident ? p.address!.jurisdictionId : p.jurisdictionId!);
        if (!place || !inScope(actor, place.path)) throw PopulationErrors.PERSON_INVALID([{ row, field: 'address', code: 'PERSON_ADDRESS_NOT_FOUND' }]);
        let household: HouseholdRow | undefined;
        let room: string | null = null;
        if (p.resident) {
          if (place.level !== 'building' && place.level !== 'entrance') throw PopulationErrors.PERSON_INVALID([{ row, field: 'address', code: 'PERSON_ADDRESS_LEVEL' }]);
          room = p.address!.room?.trim() || null;
          const key = `${place.id}\n${room ?? ''}`;
          household = households.get(key);
          if (!household) households.set(key, (household = { id: newId(now), jurisdiction_id: place.id, jurisdiction_path: place.path, room, created_at: now, updated_at: now }));
        }
        rows.push(buildRow(p, c.idNumber, c.phone, place, household, room, now, newId(now)));
      });
      try {
        await bulkInsert(trx, deps.handle, [...households.values()], rows);
      } catch (err) {
        if (isUniqueViolation(err)) throw PopulationErrors.PERSON_ID_EXISTS();
        throw err;
      }
      const deltas = new Map<string, number>();
      for (const r of rows) deltas.set(r.jurisdiction_path, (deltas.get(r.jurisdiction_path) ?? 0) + 1);
      await geo().addPopulationMany(trx, deltas);
      for (let i = 0; i < rows.length; i += 500) {
        const chunk = rows.slice(i, i + 500);
        await deps.services.journal.appendBatch(trx, actor, {
          action: opts.action ?? 'population.person.import',
          entityType: 'person',
          jurisdictionPath: commonPrefix(chunk.map((r) => r.jurisdiction_path)),
          rows: chunk.map((r) => [r.id, r.id_hmac, r.name, r.household_id, r.jurisdiction_path]),
          summary: { persons: chunk.length, households: i === 0 ? households.size : 0, bulk: true },
        });
      }
      return { persons: rows.length, households: households.size };
    },

    /**
     * The current person with this document number (exact, via HMAC; a 15-digit resident ID is
     * read as its 18-digit form), if inside the actor's scope. A merged record's number gives the
     * record it was merged into.
     */
    async findByIdNumber(actor: Actor, idNumber: string, idType?: IdType, db: DbOrTx = deps.db): Promise<PersonView | undefined> {
      const n = !idType || idType === 'resident_id' ? upgradeOldResidentId(idNumber) : normalizeIdNumber(idNumber);
      const rows = await repo.findPersonsByIdHmac(db, (idType ? [idType] : ID_TYPES).map((t) => hmac(keys, idPurpose(t), n)));
      for (const found of rows) {
        const r = found.merged_into ? await repo.findPerson(db, found.merged_into) : found;
        if (r && inScope(actor, r.jurisdiction_path)) return (await toDtos(db, [r]))[0];
      }
      return undefined;
    },

    /** A household with its current members (masked), or HOUSEHOLD_NOT_FOUND outside scope. */
    async household(actor: Actor, id: string, db: DbOrTx = deps.db): Promise<HouseholdDto & { members: PersonView[] }> {
      const h = await repo.findHousehold(db, id);
      if (!h || !inScope(actor, h.jurisdiction_path)) throw PopulationErrors.HOUSEHOLD_NOT_FOUND({ id });
      const members = await toDtos(db, await repo.listMembers(db, h.id));
      const text = (await addressTexts(db, [h.jurisdiction_path])).get(h.jurisdiction_path) ?? '';
      return { id: h.id, address: { jurisdictionId: h.jurisdiction_id, path: h.jurisdiction_path, text: text + (h.room ? `${h.room}室` : '') }, room: h.room, members };
    },

    /**
     * Merges a person record into another (a non-resident matched to a resident, or a duplicate):
     * needs `person.manage`, both inside the actor's scope, and a reason. Both records and their
     * histories stay; the merged one points at the kept one. See `registerMergeHandler`.
     */
    async merge(trx: Tx | undefined, actor: Actor, fromId: string, intoId: string, reason: string): Promise<PersonDetail> {
      requireCap(actor, PERSON_CAPS.manage);
      const why = requireReason(reason);
      return inTx(trx ?? deps.db, async (tx) => {
        // Both ids are scope-checked: the route's policy checks the path id, this the merge target.
        const from = await visiblePerson(tx, actor, fromId);
        const into = await visiblePerson(tx, actor, intoId);
        await mergeRows(tx, actor, from, into, 'manual', why);
        const [dto] = await toDtos(tx, [(await repo.findPerson(tx, from.id))!]);
        return { ...dto, merges: (await repo.mergesOf(tx, from.id)).map(mergeDto) };
      });
    },

    /**
     * Registers a module's handler that redirects its references from a merged person to the kept
     * one (`async (trx, fromId, intoId) => …`), run inside every merge's transaction. Call once at
     * start. Control statuses are combined by the merge itself (the stricter measure is kept).
     */
    registerMergeHandler(fn: MergeHandler): void {
      mergeHandlers.push(fn);
    },

    /** Residence paths of persons (for other modules' scope checks); missing ids are absent. */
    pathsOf: (ids: readonly string[], db: DbOrTx = deps.db) => repo.pathsOf(db, [...new Set(ids)]),

    /** For zoning: current persons (id, residence path) living under any of these subtree paths (no scope check). */
    residentsUnder: (paths: readonly string[], db: DbOrTx = deps.db) => repo.residentsUnder(db, [...new Set(paths)]),

    /**
     * The lean read for hot paths (scanning, result lookups): for each requested id, the current
     * record's id, name and residence path — a merged record gives the record it was merged into.
     * One query per 500 ids (two when some were merged). Ids missing or outside the actor's scope
     * are absent. Full names: callers mask them before showing.
     */
    async briefs(actor: Actor, ids: readonly string[], db: DbOrTx = deps.db): Promise<Map<string, PersonBrief>> {
      const rows = new Map((await repo.personBriefs(db, [...new Set(ids)])).map((r) => [r.id, r]));
      const kept = [...new Set([...rows.values()].map((r) => r.merged_into).filter((x): x is string => !!x && !rows.has(x)))];
      for (const r of await repo.personBriefs(db, kept)) rows.set(r.id, r);
      const out = new Map<string, PersonBrief>();
      for (const id of ids) {
        const r = rows.get(id);
        const cur = r?.merged_into ? rows.get(r.merged_into) : r;
        if (cur && inScope(actor, cur.jurisdiction_path)) out.set(id, { id: cur.id, name: cur.name, path: cur.jurisdiction_path });
      }
      return out;
    },

    /**
     * `briefs` by document number (exact, via HMAC; a 15-digit resident ID is read as its 18-digit
     * form; without a type every type is tried), for many numbers in one query. The result is
     * aligned with `items`: undefined where no current person in the actor's scope carries it.
     */
    async briefsByIdNumber(actor: Actor, items: readonly { idNumber: string; idType?: IdType | null }[], db: DbOrTx = deps.db): Promise<(PersonBrief | undefined)[]> {
      const wanted = items.map((it) => {
        const n = !it.idType || it.idType === 'resident_id' ? upgradeOldResidentId(it.idNumber) : normalizeIdNumber(it.idNumber);
        return (it.idType ? [it.idType] : ID_TYPES).map((t) => hmac(keys, idPurpose(t), n));
      });
      const found = new Map<string, repo.PersonBriefRow>();
      for (const r of await repo.personBriefsByIdHmac(db, [...new Set(wanted.flat())])) found.set(r.id_hmac, r);
      const kept = new Map((await repo.personBriefs(db, [...new Set([...found.values()].map((r) => r.merged_into).filter((x): x is string => !!x))])).map((r) => [r.id, r]));
      return wanted.map((hmacs) => {
        for (const h of hmacs) {
          const r = found.get(h);
          const cur = r?.merged_into ? kept.get(r.merged_into) : r;
          if (cur && inScope(actor, cur.jurisdiction_path)) return { id: cur.id, name: cur.name, path: cur.jurisdiction_path };
        }
        return undefined;
      });
    },

    /** Vulnerable residents (any flag) per building id. */
    vulnerableCountByBuilding: (buildingIds: readonly string[], db: DbOrTx = deps.db) => repo.vulnerableByBuilding(db, buildingIds),

    /** Current persons per residence path, counted from the rows (the recount the counters are checked against). */
    countByPath: (db: DbOrTx = deps.db) => repo.countByPath(db),

    /**
     * The public key that verifies resident codes offline (served at GET /api/public/resident-code-key):
     * the raw Ed25519 key (base64url) and the same key as SPKI PEM.
     */
    residentCodeKey(): { algorithm: 'Ed25519'; publicKey: string; publicKeyPem: string; format: string } {
      return {
        algorithm: 'Ed25519',
        publicKey: codeKeys.publicKeyRaw,
        publicKeyPem: codeKeys.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
        format: 'BW2.<token>.<expiresAt base36, epoch ms>.<Ed25519 signature of the first three parts, base64url>; the token is opaque (resolved online), refuse the code once expiresAt has passed',
      };
    },

    /**
     * The signing key as PKCS#8 PEM, for this process's own bulk verifiers only (never served).
     * Ed25519 signatures are deterministic, so a code this deployment issued is byte-identical to
     * re-signing its text: re-signing (~35 µs of CPU) confirms a genuine code about three times
     * faster than `verify` (~110 µs). Anything that does not match must still be checked with
     * `verify` (or `verifyResidentCode`), which stays the authority.
     */
    residentCodeSigningKeyPem(): string {
      return codeKeys.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    },

    /**
     * The resident code (居民码) of a person inside the actor's scope (needs `person.read`): the
     * active one, or a new one when there is none or it expires within RESIDENT_CODE_RENEW_MS.
     * Asking again does not revoke anything (printed codes stay valid); `reissueResidentCode` does.
     * Out-of-scope or missing persons are PERSON_NOT_FOUND; a merged record's code is the kept one's.
     */
    async issueResidentCode(actor: Actor, personId: string, db: DbOrTx = deps.db): Promise<IssuedResidentCode> {
      requireCap(actor, PERSON_CAPS.read);
      let r = await visiblePerson(db, actor, personId);
      if (r.merged_into) r = await visiblePerson(db, actor, r.merged_into);
      const id = r.id;
      return inTx(db, async (tx) => (await currentCodes(tx, [id])).get(id)!);
    },

    /**
     * Replaces a person's resident code (a lost or leaked code): revokes every earlier code and
     * issues a new one. Needs `person.manage` and a reason; journaled (never the token).
     */
    async reissueResidentCode(trx: Tx | undefined, actor: Actor, personId: string, reason: string): Promise<IssuedResidentCode> {
      requireCap(actor, PERSON_CAPS.manage);
      const why = requireReason(reason);
      return inTx(trx ?? deps.db, async (tx) => {
        let r = await visiblePerson(tx, actor, personId);
        if (r.merged_into) r = await visiblePerson(tx, actor, r.merged_into);
        const now = deps.clock.now();
        const revoked = await repo.revokeResidentCodes(tx, r.id, now);
        const code = (await currentCodes(tx, [r.id])).get(r.id)!;
        await deps.services.journal.append(tx, actor, { action: 'population.resident_code.reissue', entityType: 'person', entityId: r.id, jurisdictionPath: r.jurisdiction_path, payload: { revoked, expiresAt: code.expiresAt }, reason: why });
        return code;
      });
    },

    /**
     * Checks a scanned resident code by its signature and expiry alone (no database: the check a
     * scanner can do offline). Returns the token and expiry, or throws 422 RESIDENT_CODE_INVALID
     * (`details.problem`: malformed | signature | expired). Use `resolveResidentCodes` for whose it is.
     */
    verifyResidentCode: verifyCode,

    /**
     * Whose codes these tokens are (one keyed read per 500): the person id, or the AppError the code
     * fails with (RESIDENT_CODE_INVALID, `problem`: unknown | revoked | expired). No scope check:
     * the caller looks the person up in its own scope before acting on the id (the person may also
     * have been merged since).
     */
    async resolveResidentCodes(tokens: readonly string[], db: DbOrTx = deps.db): Promise<Map<string, string | AppError>> {
      const now = deps.clock.now();
      const rows = new Map((await repo.residentCodesByToken(db, [...new Set(tokens)])).map((r) => [r.token, r]));
      const out = new Map<string, string | AppError>();
      for (const t of tokens) {
        const r = rows.get(t);
        const problem = !r ? 'unknown' : r.revoked_at !== null ? 'revoked' : Number(r.expires_at) <= now ? 'expired' : null;
        out.set(t, problem ? PopulationErrors.RESIDENT_CODE_INVALID({ problem }) : r!.person_id);
      }
      return out;
    },

    /** A scanned code's person: signature, expiry and revocation checked (422 RESIDENT_CODE_INVALID otherwise). */
    async resolveResidentCode(payload: string, db: DbOrTx = deps.db): Promise<{ personId: string; expiresAt: number }> {
      const { token, expiresAt } = verifyCode(payload);
      const now = deps.clock.now();
      const [row] = await repo.residentCodesByToken(db, [token]);
      const problem = !row ? 'unknown' : row.revoked_at !== null ? 'revoked' : Number(row.expires_at) <= now ? 'expired' : null;
      if (problem) throw PopulationErrors.RESIDENT_CODE_INVALID({ problem });
      return { personId: row!.person_id, expiresAt };
    },

    /**
     * A printable HTML sheet of resident codes for one building (QR codes as inline SVG, masked
     * names, room numbers). Needs `person.read`; the print is journaled (who printed which building).
     */
    async residentCodeSheet(actor: Actor, buildingId: string): Promise<string> {
      requireCap(actor, PERSON_CAPS.read);
      const building = await geo().getById(buildingId);
      if (!building || building.level !== 'building' || !inScope(actor, building.path)) throw PopulationErrors.BUILDING_NOT_FOUND({ id: buildingId });
      const rows = await repo.personsOfBuilding(deps.db, building.id, 5000);
      const visible = rows.filter((r) => inScope(actor, r.jurisdiction_path));
      const issuedAt = deps.clock.now();
      // Each person's active code (printing does not revoke codes already handed out).
      const codes = await inTx(deps.db, (tx) => currentCodes(tx, visible.map((r) => r.id)));
      const entries = visible.map((r) => ({ name: r.name, room: r.room, resident: Number(r.resident) === 1, path: r.jurisdiction_path, payload: codes.get(r.id)!.payload }));
      const texts = await addressTexts(deps.db, [building.path, ...new Set(visible.map((r) => r.jurisdiction_path))]);
      await inTx(deps.db, (tx) =>
        deps.services.journal.append(tx, actor, {
          action: 'population.resident_code.print',
          entityType: 'jurisdiction',
          entityId: building.id,
          jurisdictionPath: building.path,
          payload: { buildingId: building.id, persons: entries.length },
        }),
      );
      return await residentCodeSheet({ title: texts.get(building.path) ?? building.name, issuedAt, tz: deps.config.tz, entries, placeText: (p) => texts.get(p) ?? '' });
    },

    /** Import of resident lists (CSV/XLSX): preview, dry run, all-or-nothing or partial. See import.ts. */
    imports: createPersonImport(deps, core),

    /** Exports of persons (masked) to CSV or XLSX. See export.ts. */
    exports: createPersonExport(deps, core),
  };
}

/** The longest common path prefix of some paths (ending in '/'). */
function commonPrefix(paths: readonly string[]): string | null {
  if (paths.length === 0) return null;
  let p = paths[0];
  for (const x of paths) {
    while (!x.startsWith(p)) p = p.slice(0, p.lastIndexOf('/', p.length - 2) + 1);
  }
  return p || null;
}

export type PopulationService = ReturnType<typeof createPopulationService>;
