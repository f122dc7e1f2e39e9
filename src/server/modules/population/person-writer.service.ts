import type { JurisdictionDto } from '../../../common/geo.js';
import { flag } from '../../db/row-values.js';
import type { PopulationInputs } from './population.types.js';
import type { HandoverNeeds } from './population.types.js';
import { inTx, isUniqueViolation, type DbOrTx, type Tx } from '../../db/dialect.js';
import { inScope, type Actor } from '../../platform/actor.js';
import type { AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { PopulationErrors, type ErrorCode } from './population.errors.js';
import { DATED_DOCUMENT, PERSON_CAPS, type PopulationBase } from './population.shared.js';
import type { MergeService } from './merge.service.js';
import { decrypt, encrypt, hmac, maskIdNumber, maskPhone } from './protect.js';
import { nameKeysCached } from './names.js';
import { bulkInsert } from './bulk.repository.js';
import { handOver, handoverIdHmac } from './handover.js';
import { checkPersonFields, flagsToMask, idPurpose, maskToFlags, type FieldProblemCode } from './person-rules.js';
import * as repo from './population.repository.js';
import type { HouseholdRow, PersonRow } from './population.repository.js';
import type { PersonInput, PersonView, PlaceRef, PrepareOptions, PreparedBatch, RowProblem, WriteOptions } from './population.types.js';

/** Fields compared to decide whether an imported row changes a stored person. */
const COMPARED = ['name', 'phone_hmac', 'birth_year', 'sex', 'resident', 'jurisdiction_id', 'room', 'region_of_origin', 'vulnerable_flags', 'tags'] as const;

/**
 * Registering persons: validation and classification of a batch (`prepare`), its write with
 * counters, journal and absorbed records (`write`), and the create, createMany and bulkLoad
 * entry points built on them.
 */
export function createPersonWriter(
  deps: PopulationInputs<'db' | 'handle' | 'clock', 'control' | 'corrections' | 'journal' | 'outbox' | HandoverNeeds>,
  base: PopulationBase,
  merges: Pick<MergeService, 'mergeRows'>,
) {
  const { keys, geo, today, toDtoOf, requireCap } = base;
  const { mergeRows } = merges;

  /** Builds the stored row of a validated person (encrypts, hashes, masks, pinyin keys). */
  function buildRow(
    p: PersonInput,
    idNumber: string,
    phone: string | null,
    place: PlaceRef,
    household: HouseholdRow | undefined,
    room: string | null,
    now: number,
    id: string = newId(),
    sealed = true,
  ): PersonRow {
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
      building_id: p.resident
        ? isEntrance
          ? place.parentId
          : place.id
        : place.level === 'building'
          ? place.id
          : place.level === 'entrance'
            ? place.parentId
            : null,
      entrance_id: isEntrance ? place.id : null,
      room: p.resident ? room : null,
      jurisdiction_id: place.id,
      jurisdiction_path: place.path,
      region_of_origin: p.resident ? p.regionOfOrigin?.trim() || null : p.regionOfOrigin!.trim(),
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
  async function prepare(
    tx: DbOrTx,
    actor: Actor,
    inputs: readonly PersonInput[],
    mode: 'conflict' | 'upsert',
    opts: PrepareOptions = {},
  ): Promise<PreparedBatch> {
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
    const addressOnly = inputs
      .filter((p, i) => !('code' in nth(checked, i)) && p.resident && p.address && !p.householdId)
      .map((p) => p.address!.jurisdictionId);
    const existingAt = new Map<string, HouseholdRow>();
    for (const h of await repo.householdsAt(tx, [...new Set(addressOnly)])) existingAt.set(`${h.jurisdiction_id}\n${h.room ?? ''}`, h);
    const hmacOf = inputs.map((p, i) => {
      const c = nth(checked, i);
      return 'code' in c ? null : hmac(keys, idPurpose(p.idType), c.idNumber);
    });
    const wantedHmacs = [...new Set(hmacOf.filter((h): h is string => !!h))];
    const stored = new Map((await repo.findFullByIdHmac(tx, wantedHmacs)).map((r) => [r.id_hmac, r]));
    // Records this actor's district registered while another district held the document.
    const handedOver = new Map<string, PersonRow>();
    for (const r of await repo.handedOverByIdHmac(tx, wantedHmacs))
      if (inScope(actor, r.jurisdiction_path) && !handedOver.has(r.handover_hmac)) handedOver.set(r.handover_hmac, r);

    const out: PreparedBatch = { persons: [], households: [], updates: [], unchanged: [], absorbs: [], rowOf: new Map(), problems, handovers: [] };
    const seenHmac = new Map<string, number>();
    inputs.forEach((p, row) => {
      const c = nth(checked, row);
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
        if (flag(existing.resident) && !p.resident) return fail('PERSON_REGISTERED_ELSEWHERE', 'idNumber');
      }

      let place: JurisdictionDto | undefined;
      let household: HouseholdRow | undefined;
      let room: string | null = null;
      if (p.resident) {
        if (p.householdId) {
          household = households.get(p.householdId);
          if (!household || !inScope(actor, household.jurisdiction_path)) return fail('PERSON_HOUSEHOLD_NOT_FOUND', 'householdId');
          if (p.address && (p.address.jurisdictionId !== household.jurisdiction_id || (p.address.room ?? null) !== household.room))
            return fail('PERSON_HOUSEHOLD_MISMATCH', 'address');
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
      resident: flag(r.resident),
      jurisdictionId: r.jurisdiction_id,
      room: r.room,
      regionOfOrigin: r.region_of_origin,
      vulnerable: maskToFlags(Number(r.vulnerable_flags)),
      tags: repo.readJson.tags(r),
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

  return {
    prepare,
    write,

    /**
     * Registers one person (validated; counters, journal and live update in the same transaction).
     * A resident whose document a non-resident in scope already carries absorbs that record (the
     * non-resident is merged into the new resident, journaled).
     */
    async create(trx: Tx | undefined, actor: Actor, input: PersonInput): Promise<PersonView> {
      requireCap(actor, PERSON_CAPS.manage);
      return inTx(trx ?? deps.db, async (tx) => {
        const b = await prepare(tx, actor, [input], 'conflict');
        const [p] = b.problems;
        if (p) throw PopulationErrors[p.code]({ field: p.field }, p.message);
        const row = nth(b.persons, 0);
        await write(tx, actor, b, {
          batchAction: null,
          // Journal the registration before a merge that refers to it.
          beforeMerges: () =>
            deps.services.journal.append(tx, actor, {
              action: 'population.person.create',
              entityType: 'person',
              entityId: row.id,
              jurisdictionPath: row.jurisdiction_path,
              payload: {
                name: row.name,
                idType: row.id_type,
                resident: flag(row.resident),
                householdId: row.household_id,
                jurisdictionId: row.jurisdiction_id,
                newHousehold: b.households.length > 0,
              },
            }),
        });
        await deps.services.outbox.publish(tx, {
          topic: 'population.changed',
          capability: 'person.read',
          jurisdictionPath: row.jurisdiction_path,
          payload: { jurisdictionPath: row.jurisdiction_path, delta: 1 },
        });
        return toDtoOf(tx, row);
      });
    },

    /**
     * Registers many persons at once (the demo loader, scripts): all or nothing. Invalid rows →
     * PERSON_INVALID with `details: [{ row, field, code, message }]` (never the numbers). Rows are
     * inserted in multi-row batches, journaled per 500 rows (`population.person.import`, a digest of
     * the stored rows) and the population counters are updated once per node, not per row.
     */
    async createMany(
      trx: Tx | undefined,
      actor: Actor,
      inputs: readonly PersonInput[],
      opts: { action?: string } = {},
    ): Promise<{ persons: number; households: number; ids: string[] }> {
      requireCap(actor, PERSON_CAPS.manage);
      return inTx(trx ?? deps.db, async (tx) => {
        const b = await prepare(tx, actor, inputs, 'conflict');
        if (b.problems.length) {
          b.problems.sort((x, y) => x.row - y.row);
          throw PopulationErrors.PERSON_INVALID(
            b.problems
              .slice(0, 200)
              .map((p) => ({ row: p.row, field: p.field, code: p.code, message: p.message ?? (PopulationErrors[p.code]() as AppError).message })),
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
    async bulkLoad(
      trx: Tx,
      actor: Actor,
      inputs: readonly PersonInput[],
      places: ReadonlyMap<string, PlaceRef>,
      opts: { action?: string } = {},
    ): Promise<{ persons: number; households: number }> {
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
          if (place.level !== 'building' && place.level !== 'entrance')
            throw PopulationErrors.PERSON_INVALID([{ row, field: 'address', code: 'PERSON_ADDRESS_LEVEL' }]);
          room = p.address!.room?.trim() || null;
          const key = `${place.id}\n${room ?? ''}`;
          household = households.get(key);
          if (!household)
            households.set(
              key,
              (household = { id: newId(now), jurisdiction_id: place.id, jurisdiction_path: place.path, room, created_at: now, updated_at: now }),
            );
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
  };
}

/** Item `i` of a list built in step with another (one per input, or one person per valid input): always there. */
function nth<T>(items: readonly T[], i: number): T {
  const x = items[i];
  if (x === undefined) throw new Error(`person writer: no item ${i} of ${items.length}`);
  return x;
}

/** The longest common path prefix of some paths (ending in '/'). */
function commonPrefix(paths: readonly string[]): string | null {
  const [first] = paths;
  if (first === undefined) return null;
  let p = first;
  for (const x of paths) {
    while (!x.startsWith(p)) p = p.slice(0, p.lastIndexOf('/', p.length - 2) + 1);
  }
  return p || null;
}
