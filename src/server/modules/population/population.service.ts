import { ID_TYPES, VULNERABLE_FLAGS, type HouseholdDto, type IdType, type JurisdictionDto, type PersonDto, type Sex, type VulnerableFlag } from '../../../common/geo.js';
import type { Capability } from '../../../common/roles.js';
import type { Deps } from '../../deps.js';
import { inTx, isUniqueViolation, type DbOrTx, type Tx } from '../../db/dialect.js';
import { inScope, scopePrefix, type Actor } from '../../platform/actor.js';
import { calendarDay } from '../../platform/clock.js';
import { AppError, Errors, defineErrors } from '../../platform/errors.js';
import { registerEntityScope } from '../../platform/http/policy.js';
import { newId } from '../../platform/ids.js';
import { decrypt, deriveKeys, encrypt, hmac, maskIdNumber, maskPhone, normalizeIdNumber, normalizePhone } from './protect.js';
import { GeoErrors } from '../geo/geo.service.js';
import { RESIDENT_ID_MESSAGES, validateResidentId } from './resident-id.js';
import { checkResidentCode, deriveResidentCodeKeys, signResidentCode } from './resident-code.js';
import * as repo from './population.repository.js';
import type { HouseholdRow, PersonListRow, PersonRow } from './population.repository.js';

/**
 * Capabilities this module checks. `src/common/roles.ts` has no person rows yet: reading uses
 * `geo.read`, writing `geo.manage` (admin only, the safe default) until `person.read` and
 * `person.manage` are added there — change them here, in one place.
 */
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
  RESIDENT_CODE_INVALID: [422, 'This is not a valid resident code (居民码): malformed or not signed by this platform'],
});

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
  /** A name fragment, a full ID number, or a full mobile number. */
  q?: string;
  /** `true`: any vulnerability flag; a flag name: that flag. */
  vulnerable?: boolean | VulnerableFlag;
  page?: number;
  pageSize?: number;
}

type ErrorCode = Exclude<keyof typeof PopulationErrors, 'codes'>;

interface Problem {
  code: ErrorCode;
  field: string;
  message?: string;
}

function flagsToMask(flags: readonly string[]): number {
  let m = 0;
  for (const f of flags) {
    const i = (VULNERABLE_FLAGS as readonly string[]).indexOf(f);
    if (i >= 0) m |= 1 << i;
  }
  return m;
}

function maskToFlags(m: number): VulnerableFlag[] {
  return VULNERABLE_FLAGS.filter((_, i) => (m & (1 << i)) !== 0);
}

function isRealDay(d: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) return false;
  const t = new Date(`${d}T00:00:00Z`);
  return !Number.isNaN(t.getTime()) && t.toISOString().slice(0, 10) === d;
}

const PASSPORT = /^[A-Z0-9]{5,17}$/;
/** 回乡证 H/M + 8–10 digits, 台胞证 8 digits, or an 18-digit 港澳台居民居住证 (checked like a resident ID). */
const HMT_PERMIT = /^([HM]\d{8,10}|\d{8}|8[123]0000\d{11}[\dX])$/;
const MOBILE = /^1[3-9]\d{9}$/;
const LANDLINE = /^0\d{9,11}$/;

/** The HMAC purpose for an ID of a type (the type is part of the key, so numbers of two types never collide). */
const idPurpose = (t: string) => `id:${t}`;

export function createPopulationService(deps: Deps) {
  const keys = deriveKeys(deps.config.dataKey);
  const codeKeys = deriveResidentCodeKeys(deps.config.sessionKey);
  const geo = () => deps.services.geo;

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

  function toDto(r: PersonListRow, texts: Map<string, string>): PersonDto {
    const place = texts.get(r.jurisdiction_path) ?? '';
    const resident = Number(r.resident) === 1;
    return {
      id: r.id,
      name: r.name,
      idType: r.id_type as IdType,
      idNumberMasked: r.id_masked,
      phoneMasked: r.phone_masked,
      birthDate: r.birth_date,
      sex: r.sex as Sex,
      resident,
      householdId: r.household_id,
      address: resident ? { jurisdictionId: r.jurisdiction_id, path: r.jurisdiction_path, text: place + (r.room ? `${r.room}室` : '') } : null,
      location: { jurisdictionId: r.jurisdiction_id, path: r.jurisdiction_path, text: place },
      regionOfOrigin: r.region_of_origin,
      vulnerable: maskToFlags(Number(r.vulnerable_flags)),
      tags: JSON.parse(r.tags) as string[],
    };
  }

  async function toDtos(db: DbOrTx, rows: readonly PersonListRow[]): Promise<PersonDto[]> {
    const texts = await addressTexts(db, [...new Set(rows.map((r) => r.jurisdiction_path))]);
    return rows.map((r) => toDto(r, texts));
  }

  /** Validates the fields of one person that need no database. */
  function checkFields(p: PersonInput, day: string): Problem | { idNumber: string; phone: string | null } {
    const name = p.name?.trim() ?? '';
    if (name.length < 1 || name.length > 50) return { code: 'PERSON_NAME_INVALID', field: 'name' };
    if (!isRealDay(p.birthDate) || p.birthDate > day || p.birthDate < '1900-01-01') return { code: 'PERSON_BIRTH_DATE_INVALID', field: 'birthDate' };
    if (!(ID_TYPES as readonly string[]).includes(p.idType)) return { code: 'ID_NUMBER_FORMAT', field: 'idType' };
    const idNumber = normalizeIdNumber(p.idNumber ?? '');
    const asResidentId = p.idType === 'resident_id' || (p.idType === 'hk_macao_tw' && idNumber.length === 18);
    if (p.idType === 'passport' && !PASSPORT.test(idNumber)) return { code: 'ID_NUMBER_FORMAT', field: 'idNumber' };
    if (p.idType === 'hk_macao_tw' && !HMT_PERMIT.test(idNumber)) return { code: 'ID_NUMBER_FORMAT', field: 'idNumber' };
    if (asResidentId) {
      const v = validateResidentId(idNumber, day, { birthDate: p.birthDate, sex: p.sex });
      if (!v.ok) return { code: v.code, field: 'idNumber' };
    }
    let phone: string | null = null;
    if (p.phone !== undefined && p.phone !== null && p.phone !== '') {
      phone = normalizePhone(p.phone);
      if (!MOBILE.test(phone) && !LANDLINE.test(phone)) return { code: 'PHONE_FORMAT', field: 'phone' };
    }
    const tags = p.tags ?? [];
    if (tags.length > 20 || tags.some((t) => t.trim().length < 1 || t.trim().length > 30)) return { code: 'PERSON_TAGS_INVALID', field: 'tags' };
    if (p.resident) {
      if (!p.address && !p.householdId) return { code: 'PERSON_ADDRESS_REQUIRED', field: 'address' };
      if (p.jurisdictionId && p.address && p.jurisdictionId !== p.address.jurisdictionId) return { code: 'PERSON_HOUSEHOLD_MISMATCH', field: 'jurisdictionId' };
    } else if (p.address || p.householdId || !p.jurisdictionId || !p.regionOfOrigin?.trim()) {
      return { code: 'PERSON_NON_RESIDENT_FIELDS', field: p.address ? 'address' : p.householdId ? 'householdId' : !p.jurisdictionId ? 'jurisdictionId' : 'regionOfOrigin' };
    }
    return { idNumber, phone };
  }

  /**
   * Validates a batch and turns it into rows: field rules, addresses and households (looked up in
   * bulk; a resident given only an address joins the household at that address and room, or a new
   * one), scope (every place must be inside the actor's scope), duplicate documents.
   */
  async function prepare(tx: Tx, actor: Actor, inputs: readonly PersonInput[]): Promise<{ persons: PersonRow[]; households: HouseholdRow[]; problems: (Problem & { row: number })[] }> {
    const day = today();
    const now = deps.clock.now();
    const problems: (Problem & { row: number })[] = [];
    const checked = inputs.map((p, row) => {
      const c = checkFields(p, day);
      if ('code' in c) problems.push({ ...c, row });
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

    const newHouseholds: HouseholdRow[] = [];
    const persons: PersonRow[] = [];
    const seenHmac = new Map<string, number>();
    inputs.forEach((p, row) => {
      const c = checked[row];
      if ('code' in c) return;
      const fail = (code: Problem['code'], field: string) => problems.push({ code, field, row });
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
        if (!household) {
          const key = `${place.id}\n${room ?? ''}`;
          household = existingAt.get(key);
          if (!household) {
            household = { id: newId(), jurisdiction_id: place.id, jurisdiction_path: place.path, room, created_at: now, updated_at: now };
            existingAt.set(key, household);
            newHouseholds.push(household);
          }
        }
      } else {
        place = nodes.get(p.jurisdictionId!);
        if (!place || !inScope(actor, place.path)) return fail('PERSON_ADDRESS_NOT_FOUND', 'jurisdictionId');
      }
      const id = newId();
      const idHmac = hmac(keys, idPurpose(p.idType), c.idNumber);
      const dup = seenHmac.get(idHmac);
      if (dup !== undefined) return problems.push({ code: 'PERSON_ID_EXISTS', field: 'idNumber', row, message: `Same document as row ${dup}` });
      seenHmac.set(idHmac, row);
      const isEntrance = place.level === 'entrance';
      persons.push({
        id,
        name: p.name.trim(),
        id_type: p.idType,
        id_cipher: encrypt(keys, c.idNumber, `person:${id}:idNumber`),
        id_hmac: idHmac,
        id_masked: maskIdNumber(c.idNumber),
        phone_cipher: c.phone ? encrypt(keys, c.phone, `person:${id}:phone`) : null,
        phone_hmac: c.phone ? hmac(keys, 'phone', c.phone) : null,
        phone_masked: c.phone ? maskPhone(c.phone) : null,
        birth_date: p.birthDate,
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
        created_at: now,
        updated_at: now,
      });
    });
    if (persons.length) {
      const taken = await repo.existingIdHmacs(tx, persons.map((r) => r.id_hmac));
      for (const r of persons) if (taken.has(r.id_hmac)) problems.push({ code: 'PERSON_ID_EXISTS', field: 'idNumber', row: seenHmac.get(r.id_hmac)! });
    }
    return { persons, households: newHouseholds, problems };
  }

  /** Inserts prepared rows and keeps the counters current; with `batchAction`, journals per 500 rows. */
  async function write(tx: Tx, actor: Actor, persons: PersonRow[], households: HouseholdRow[], batchAction: string | null): Promise<void> {
    try {
      await repo.insertHouseholds(tx, households);
      await repo.insertPersons(tx, persons);
    } catch (err) {
      // A concurrent registration of the same document committed first.
      if (isUniqueViolation(err)) throw PopulationErrors.PERSON_ID_EXISTS();
      throw err;
    }
    const deltas = new Map<string, number>();
    for (const r of persons) deltas.set(r.jurisdiction_path, (deltas.get(r.jurisdiction_path) ?? 0) + 1);
    await geo().addPopulationMany(tx, deltas);
    if (!batchAction) return;
    for (let i = 0; i < persons.length; i += 500) {
      const chunk = persons.slice(i, i + 500);
      // The digest covers the stored rows (ciphertexts, HMACs, masks): never a plaintext number.
      await deps.services.journal.appendBatch(tx, actor, {
        action: batchAction,
        entityType: 'person',
        jurisdictionPath: commonPrefix(chunk.map((r) => r.jurisdiction_path)),
        rows: chunk,
        summary: { persons: chunk.length, households: i === 0 ? households.length : 0 },
      });
    }
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

  return {
    /**
     * Persons (residents and non-residents) within the actor's scope, or in the whole city without
     * an actor. Read from the jurisdictions' population counters (kept current on every write), not
     * by counting rows.
     */
    async count(actor?: Actor, db: DbOrTx = deps.db): Promise<number> {
      const prefix = actor ? scopePrefix(actor) : null;
      if (prefix) {
        const node = (await geo().getManyByPath([prefix], db))[0];
        if (node) return node.population;
        return repo.countPersons(db, { prefix });
      }
      return geo().totalPopulation(db);
    },

    /** A page of persons (masked) in scope, filtered; `total` counts all matches. */
    async list(actor: Actor, f: PersonListQuery, db: DbOrTx = deps.db): Promise<{ items: PersonDto[]; total: number }> {
      const pageSize = Math.min(Math.max(f.pageSize ?? 20, 1), 200);
      const page = Math.max(f.page ?? 1, 1);
      const filter: repo.PersonFilter = { prefix: await listPrefix(db, actor, f.jurisdictionId) };
      const q = f.q?.trim();
      if (q) {
        const compact = q.replace(/[\s-]/g, '');
        if (/^\d{17}[\dXx]$/.test(compact) || /^[A-Za-z]\d{7,10}$/.test(compact)) {
          const n = normalizeIdNumber(compact);
          filter.idHmacs = ID_TYPES.map((t) => hmac(keys, idPurpose(t), n));
        } else if (/^(\+86)?1[3-9]\d{9}$/.test(compact)) filter.phoneHmac = hmac(keys, 'phone', normalizePhone(compact));
        else filter.name = q.replace(/[%_\\]/g, '');
      }
      if (f.vulnerable === true) filter.vulnerableMask = (1 << VULNERABLE_FLAGS.length) - 1;
      else if (typeof f.vulnerable === 'string') filter.vulnerableMask = flagsToMask([f.vulnerable]);
      const [rows, total] = await Promise.all([repo.listPersons(db, filter, (page - 1) * pageSize, pageSize), repo.countPersons(db, filter)]);
      return { items: await toDtos(db, rows), total };
    },

    /** One person (masked), or PERSON_NOT_FOUND when missing or outside the actor's scope. */
    async get(actor: Actor, id: string, db: DbOrTx = deps.db): Promise<PersonDto> {
      const r = await visiblePerson(db, actor, id);
      return (await toDtos(db, [r]))[0];
    },

    /**
     * Reveals the full ID or phone number of one person: needs `person.reveal` and a reason, and is
     * journaled as `population.person.reveal` (field and reason; never the value).
     */
    async reveal(trx: Tx | undefined, actor: Actor, id: string, field: 'idNumber' | 'phone', reason: string): Promise<{ value: string }> {
      requireCap(actor, PERSON_CAPS.reveal);
      const why = reason?.trim() ?? '';
      if (why.length < 2) throw Errors.REASON_REQUIRED({ field: 'reason' });
      return inTx(trx ?? deps.db, async (tx) => {
        const r = await visiblePerson(tx, actor, id);
        const stored = field === 'idNumber' ? r.id_cipher : r.phone_cipher;
        if (!stored) throw PopulationErrors.PERSON_FIELD_EMPTY({ field });
        const value = decrypt(keys, stored, `person:${r.id}:${field}`);
        await deps.services.journal.append(tx, actor, { action: 'population.person.reveal', entityType: 'person', entityId: r.id, jurisdictionPath: r.jurisdiction_path, payload: { field }, reason: why });
        return { value };
      });
    },

    /** Registers one person (validated; counters, journal and live update in the same transaction). */
    async create(trx: Tx | undefined, actor: Actor, input: PersonInput): Promise<PersonDto> {
      requireCap(actor, PERSON_CAPS.manage);
      return inTx(trx ?? deps.db, async (tx) => {
        const { persons, households, problems } = await prepare(tx, actor, [input]);
        if (problems.length) {
          const p = problems[0];
          throw PopulationErrors[p.code]({ field: p.field }, p.message);
        }
        const row = persons[0];
        await write(tx, actor, persons, households, null);
        await deps.services.journal.append(tx, actor, {
          action: 'population.person.create',
          entityType: 'person',
          entityId: row.id,
          jurisdictionPath: row.jurisdiction_path,
          payload: { name: row.name, idType: row.id_type, resident: row.resident === 1, householdId: row.household_id, jurisdictionId: row.jurisdiction_id, newHousehold: households.length > 0 },
        });
        await deps.services.outbox.publish(tx, { topic: 'population.changed', jurisdictionPath: row.jurisdiction_path, payload: { jurisdictionPath: row.jurisdiction_path, delta: 1 } });
        return (await toDtos(tx, [row]))[0];
      });
    },

    /**
     * Registers many persons at once (imports, the demo loader): all or nothing. Invalid rows →
     * PERSON_INVALID with `details: [{ row, field, code, message }]` (never the numbers). Rows are
     * inserted in multi-row batches, journaled per 500 rows (`population.person.import`, a digest of
     * the stored rows) and the population counters are updated once per node, not per row.
     */
    async createMany(trx: Tx | undefined, actor: Actor, inputs: readonly PersonInput[], opts: { action?: string } = {}): Promise<{ persons: number; households: number; ids: string[] }> {
      requireCap(actor, PERSON_CAPS.manage);
      return inTx(trx ?? deps.db, async (tx) => {
        const { persons, households, problems } = await prepare(tx, actor, inputs);
        if (problems.length) {
          problems.sort((a, b) => a.row - b.row);
          throw PopulationErrors.PERSON_INVALID(
            problems.slice(0, 200).map((p) => ({ row: p.row, field: p.field, code: p.code, message: p.message ?? (PopulationErrors[p.code]() as AppError).message })),
          );
        }
        await write(tx, actor, persons, households, opts.action ?? 'population.person.import');
        return { persons: persons.length, households: households.length, ids: persons.map((p) => p.id) };
      });
    },

    /** The person with this document number (exact, via HMAC), if inside the actor's scope. */
    async findByIdNumber(actor: Actor, idNumber: string, idType?: IdType, db: DbOrTx = deps.db): Promise<PersonDto | undefined> {
      const n = normalizeIdNumber(idNumber);
      const rows = await repo.findPersonsByIdHmac(db, (idType ? [idType] : ID_TYPES).map((t) => hmac(keys, idPurpose(t), n)));
      const r = rows.find((x) => inScope(actor, x.jurisdiction_path));
      return r && (await toDtos(db, [r]))[0];
    },

    /** A household with its members (masked), or HOUSEHOLD_NOT_FOUND outside scope. */
    async household(actor: Actor, id: string, db: DbOrTx = deps.db): Promise<HouseholdDto> {
      const h = await repo.findHousehold(db, id);
      if (!h || !inScope(actor, h.jurisdiction_path)) throw PopulationErrors.HOUSEHOLD_NOT_FOUND({ id });
      const members = await toDtos(db, await repo.listMembers(db, h.id));
      const text = (await addressTexts(db, [h.jurisdiction_path])).get(h.jurisdiction_path) ?? '';
      return { id: h.id, address: { jurisdictionId: h.jurisdiction_id, path: h.jurisdiction_path, text: text + (h.room ? `${h.room}室` : '') }, room: h.room, members };
    },

    /**
     * The public key that verifies resident codes offline (served at GET /api/public/resident-code-key):
     * the raw Ed25519 key (base64url) and the same key as SPKI PEM.
     */
    residentCodeKey(): { algorithm: 'Ed25519'; publicKey: string; publicKeyPem: string; format: string } {
      return {
        algorithm: 'Ed25519',
        publicKey: codeKeys.publicKeyRaw,
        publicKeyPem: codeKeys.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
        format: 'BW1.<personId>.<issuedAt base36>.<Ed25519 signature of the first three parts, base64url>',
      };
    },

    /**
     * Issues a resident code (居民码) for a person inside the actor's scope (needs `person.read`):
     * a signed payload to print as a QR code. Out-of-scope or missing persons are PERSON_NOT_FOUND.
     */
    async issueResidentCode(actor: Actor, personId: string, db: DbOrTx = deps.db): Promise<{ payload: string; personId: string; issuedAt: number }> {
      requireCap(actor, PERSON_CAPS.read);
      const r = await visiblePerson(db, actor, personId);
      const issuedAt = deps.clock.now();
      return { payload: signResidentCode(codeKeys, r.id, issuedAt), personId: r.id, issuedAt };
    },

    /**
     * Verifies a scanned resident code by its signature alone (no database: the same check a scanner
     * can do offline). Returns the person id and issue time, or throws 422 RESIDENT_CODE_INVALID
     * (`details.problem`: malformed | signature). The person may since have been merged or be outside
     * the caller's scope: look them up (get/list) before acting on the id.
     */
    verifyResidentCode(payload: string): { personId: string; issuedAt: number } {
      const c = checkResidentCode(codeKeys.publicKey, payload);
      if (!c.ok) throw PopulationErrors.RESIDENT_CODE_INVALID({ problem: c.problem });
      return { personId: c.personId, issuedAt: c.issuedAt };
    },

    /** Residence paths of persons (for other modules' scope checks); missing ids are absent. */
    pathsOf: (ids: readonly string[], db: DbOrTx = deps.db) => repo.pathsOf(db, [...new Set(ids)]),

    /** Vulnerable residents (any flag) per building id. */
    vulnerableCountByBuilding: (buildingIds: readonly string[], db: DbOrTx = deps.db) => repo.vulnerableByBuilding(db, buildingIds),

    /** Persons per residence path, counted from the rows (the recount the counters are checked against). */
    countByPath: (db: DbOrTx = deps.db) => repo.countByPath(db),
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
