import { sql, type Expression, type ExpressionBuilder, type Insertable, type SqlBool } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/schema.js';
import { parseJsonColumn } from '../../db/row-values.js';
import type { DbOrTx, Tx } from '../../db/dialect.js';
import { hotQuery } from '../../db/hot-query.js';
import type { HouseholdsTable, PersonDisclosuresTable, PersonHandoversTable, PersonMergesTable, PersonsTable, ResidentCodesTable } from './population.table.js';

/** What a disclosure was: a reveal or an exact-identifier search. */
export type DisclosureKind = PersonDisclosuresTable['kind'];

export type PersonRow = PersonsTable;
export type HouseholdRow = HouseholdsTable;
export type MergeRow = PersonMergesTable;

/** The JSON columns of the population tables, read through their schemas (see parseJsonColumn). */
export const readJson = {
  /** persons.tags: free tags. */
  tags: (r: Pick<PersonRow, 'tags'>) => parseJsonColumn(z.array(z.string()), r.tags, 'persons.tags'),
  /** person_merges.details: what the merge combined. */
  mergeDetails: (m: Pick<MergeRow, 'details'>) => parseJsonColumn(z.record(z.string(), z.unknown()), m.details, 'person_merges.details'),
};

/** Columns a list needs: everything except the ciphertexts. */
const PERSON_LIST_COLUMNS = [
  'id',
  'name',
  'id_type',
  'id_masked',
  'phone_masked',
  'birth_year',
  'sex',
  'resident',
  'household_id',
  'building_id',
  'entrance_id',
  'room',
  'jurisdiction_id',
  'jurisdiction_path',
  'region_of_origin',
  'vulnerable_flags',
  'tags',
  'merged_into',
] as const;
export type PersonListRow = Pick<PersonRow, (typeof PERSON_LIST_COLUMNS)[number]>;

export async function findPerson(db: DbOrTx, id: string): Promise<PersonRow | undefined> {
  return db.selectFrom('persons').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Persons by document HMAC: the record holding the document first, then records registered by
 * another district while it held the document (person_handovers). Callers filter by scope.
 */
export async function findPersonsByIdHmac(db: DbOrTx, hmacs: readonly string[]): Promise<PersonListRow[]> {
  if (hmacs.length === 0) return [];
  const holders = await db.selectFrom('persons').select(PERSON_LIST_COLUMNS).where('id_hmac', 'in', hmacs).execute();
  const handedOver = await db
    .selectFrom('persons')
    .select(PERSON_LIST_COLUMNS)
    .where('id', 'in', (eb) => eb.selectFrom('person_handovers').select('person_id').where('id_hmac', 'in', hmacs))
    .execute();
  return [...holders, ...handedOver];
}

/** Records registered while another district held their document, by that document's HMAC (chunked). */
export async function handedOverByIdHmac(db: DbOrTx, hmacs: readonly string[]): Promise<(PersonRow & { handover_hmac: string })[]> {
  const out: (PersonRow & { handover_hmac: string })[] = [];
  for (let i = 0; i < hmacs.length; i += 500) {
    out.push(
      ...(await db
        .selectFrom('person_handovers')
        .innerJoin('persons', 'persons.id', 'person_handovers.person_id')
        .selectAll('persons')
        .select('person_handovers.id_hmac as handover_hmac')
        .where('person_handovers.id_hmac', 'in', hmacs.slice(i, i + 500))
        .execute()),
    );
  }
  return out;
}

/** The hand-overs between two records (either one registered, the other holding), for closing their tasks on a merge. */
export async function handoversBetween(db: DbOrTx, a: string, b: string): Promise<Pick<PersonHandoversTable, 'id' | 'task_id'>[]> {
  return db
    .selectFrom('person_handovers')
    .select(['id', 'task_id'])
    .where((eb) => eb.or([eb.and([eb('person_id', '=', a), eb('holder_id', '=', b)]), eb.and([eb('person_id', '=', b), eb('holder_id', '=', a)])]))
    .orderBy('id')
    .execute();
}

export async function insertHandover(db: DbOrTx, row: Insertable<PersonHandoversTable>): Promise<void> {
  await db.insertInto('person_handovers').values(row).execute();
}

/** Full rows by document HMAC (the import's upsert key), in chunks. */
export async function findFullByIdHmac(db: DbOrTx, hmacs: readonly string[]): Promise<PersonRow[]> {
  const out: PersonRow[] = [];
  for (let i = 0; i < hmacs.length; i += 500)
    out.push(
      ...(await db
        .selectFrom('persons')
        .selectAll()
        .where('id_hmac', 'in', hmacs.slice(i, i + 500))
        .execute()),
    );
  return out;
}

/** Ids of persons with this phone HMAC (any record, merged or not). */
export async function idsByPhoneHmac(db: DbOrTx, phoneHmac: string, limit: number): Promise<{ id: string; merged_into: string | null }[]> {
  return db.selectFrom('persons').select(['id', 'merged_into']).where('phone_hmac', '=', phoneHmac).limit(limit).execute();
}

/** Updates some columns of one person. */
export async function updatePerson(trx: Tx, id: string, set: Partial<Omit<PersonRow, 'id'>>): Promise<void> {
  await trx.updateTable('persons').set(set).where('id', '=', id).execute();
}

/** Marks `fromId` (and whatever was merged into it before) as merged into `intoId`. */
export async function markMerged(trx: Tx, fromId: string, intoId: string, at: number): Promise<void> {
  await trx.updateTable('persons').set({ merged_into: intoId, merged_at: at, updated_at: at }).where('id', '=', fromId).execute();
  await trx.updateTable('persons').set({ merged_into: intoId, updated_at: at }).where('merged_into', '=', fromId).execute();
}

export async function insertMerge(trx: Tx, row: MergeRow): Promise<void> {
  await trx.insertInto('person_merges').values(row).execute();
}

/** Merges a person took part in, either side, oldest first. */
export async function mergesOf(db: DbOrTx, personId: string): Promise<MergeRow[]> {
  return db
    .selectFrom('person_merges')
    .selectAll()
    .where((eb) => eb.or([eb('from_person_id', '=', personId), eb('into_person_id', '=', personId)]))
    .orderBy('at')
    .orderBy('journal_seq')
    .execute();
}

/**
 * Pages through the current (not merged) persons under a path prefix by id, for exports: constant
 * memory however large the scope.
 */
export async function* iteratePersons(db: DbOrTx, prefix: string | null, pageSize = 2000): AsyncGenerator<PersonListRow[]> {
  let after = '';
  for (;;) {
    let q = db.selectFrom('persons').select(PERSON_LIST_COLUMNS).where('id', '>', after).where('merged_into', 'is', null);
    if (prefix) q = q.where('jurisdiction_path', 'like', `${prefix}%`);
    const rows = await q.orderBy('id').limit(pageSize).execute();
    const last = rows.at(-1);
    if (!last) return;
    yield rows;
    if (rows.length < pageSize) return;
    after = last.id;
  }
}

/** Current persons living at (or staying in) a building or its entrances, by entrance, room, name. */
export async function personsOfBuilding(db: DbOrTx, buildingId: string, limit: number): Promise<PersonListRow[]> {
  return db
    .selectFrom('persons')
    .select(PERSON_LIST_COLUMNS)
    .where('building_id', '=', buildingId)
    .where('merged_into', 'is', null)
    .orderBy('jurisdiction_path')
    .orderBy('room')
    .orderBy('name')
    .limit(limit)
    .execute();
}

export interface PersonFilter {
  /** Path prefix (scope and/or the requested jurisdiction); null = whole city. */
  prefix: string | null;
  /** Text search: name contains this, OR the residence lies under one of `addressPrefixes`. */
  name?: string;
  /** Residence path prefixes whose compound/building name matched the search text. */
  addressPrefixes?: string[];
  /** Pinyin search: initials or full pinyin start with this (lower-case ASCII). */
  pinyin?: string;
  /** Exactly these persons (a document or phone search resolved through the HMAC). */
  ids?: string[];
  /** Bit mask: any of these bits set. 0 = no filter. */
  vulnerableMask?: number;
}

/** `col >= p and col < p+1`: a prefix match that both databases answer from a plain index. */
function prefixRange(eb: ExpressionBuilder<Database, 'persons'>, col: 'name_initials' | 'name_pinyin', p: string) {
  const upper = p.slice(0, -1) + String.fromCharCode(p.charCodeAt(p.length - 1) + 1);
  return eb.and([eb(col, '>=', p), eb(col, '<', upper)]);
}

/** The WHERE of a person list; every part optional. Merged records are never listed. */
function filter(f: PersonFilter) {
  return (eb: ExpressionBuilder<Database, 'persons'>) => {
    const c: Expression<SqlBool>[] = [eb('merged_into', 'is', null)];
    if (f.prefix) c.push(eb('jurisdiction_path', 'like', `${f.prefix}%`));
    if (f.name !== undefined) {
      const any: Expression<SqlBool>[] = [eb('name', 'like', `%${f.name}%`)];
      for (const p of f.addressPrefixes ?? []) any.push(eb('jurisdiction_path', 'like', `${p}%`));
      c.push(eb.or(any));
    }
    if (f.pinyin) c.push(eb.or([prefixRange(eb, 'name_initials', f.pinyin), prefixRange(eb, 'name_pinyin', f.pinyin)]));
    if (f.ids) c.push(eb('id', 'in', f.ids.length ? f.ids : ['-']));
    if (f.vulnerableMask) c.push(eb(sql<number>`(vulnerable_flags & ${sql.lit(Math.trunc(f.vulnerableMask))})`, '<>', 0));
    return eb.and(c);
  };
}

/** A page of persons, ordered by address (path) then id. */
export async function listPersons(db: DbOrTx, f: PersonFilter, offset: number, limit: number): Promise<PersonListRow[]> {
  return db.selectFrom('persons').select(PERSON_LIST_COLUMNS).where(filter(f)).orderBy('jurisdiction_path').orderBy('id').offset(offset).limit(limit).execute();
}

export async function countPersons(db: DbOrTx, f: PersonFilter): Promise<number> {
  const r = await db
    .selectFrom('persons')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where(filter(f))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** The residence path of each person that exists. */
export async function pathsOf(db: DbOrTx, ids: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('persons')
      .select(['id', 'jurisdiction_path'])
      .where('id', 'in', ids.slice(i, i + 500))
      .execute();
    for (const r of rows) out.set(r.id, r.jurisdiction_path);
  }
  return out;
}

/** Vulnerable residents (any flag) per building. */
export async function vulnerableByBuilding(db: DbOrTx, buildingIds: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (let i = 0; i < buildingIds.length; i += 500) {
    const rows = await db
      .selectFrom('persons')
      .select(['building_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('building_id', 'in', buildingIds.slice(i, i + 500))
      .where('vulnerable_flags', '<>', 0)
      .where('merged_into', 'is', null)
      .groupBy('building_id')
      .execute();
    for (const r of rows) if (r.building_id) out.set(r.building_id, Number(r.n));
  }
  return out;
}

/** Current (not merged) persons per residence path (for recounts). */
export async function countByPath(db: DbOrTx): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('persons')
    .select(['jurisdiction_path', (eb) => eb.fn.countAll<number>().as('n')])
    .where('merged_into', 'is', null)
    .groupBy('jurisdiction_path')
    .execute();
  return new Map(rows.map((r) => [r.jurisdiction_path, Number(r.n)]));
}

export async function findHousehold(db: DbOrTx, id: string): Promise<HouseholdRow | undefined> {
  return db.selectFrom('households').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findHouseholds(db: DbOrTx, ids: readonly string[]): Promise<HouseholdRow[]> {
  const out: HouseholdRow[] = [];
  for (let i = 0; i < ids.length; i += 500)
    out.push(
      ...(await db
        .selectFrom('households')
        .selectAll()
        .where('id', 'in', ids.slice(i, i + 500))
        .execute()),
    );
  return out;
}

/** Households at any of these residence nodes (to find one by node + room). */
export async function householdsAt(db: DbOrTx, jurisdictionIds: readonly string[]): Promise<HouseholdRow[]> {
  const out: HouseholdRow[] = [];
  for (let i = 0; i < jurisdictionIds.length; i += 500) {
    out.push(
      ...(await db
        .selectFrom('households')
        .selectAll()
        .where('jurisdiction_id', 'in', jurisdictionIds.slice(i, i + 500))
        .execute()),
    );
  }
  return out;
}

/**
 * Current (not merged) persons whose residence lies under any of these paths (range on the path
 * index: paths are digits and `/`, so [p, p-with-last-`/`-as-`0`) is exactly the subtree).
 */
export async function residentsUnder(db: DbOrTx, paths: readonly string[]): Promise<{ id: string; jurisdiction_path: string }[]> {
  const out: { id: string; jurisdiction_path: string }[] = [];
  for (const p of paths) {
    const rows = await db
      .selectFrom('persons')
      .select(['id', 'jurisdiction_path'])
      .where('jurisdiction_path', '>=', p)
      .where('jurisdiction_path', '<', `${p.slice(0, -1)}0`)
      .where('merged_into', 'is', null)
      .execute();
    for (const r of rows) out.push(r);
  }
  return out;
}

export async function listMembers(db: DbOrTx, householdId: string): Promise<PersonListRow[]> {
  return db
    .selectFrom('persons')
    .select(PERSON_LIST_COLUMNS)
    .where('household_id', '=', householdId)
    .where('merged_into', 'is', null)
    .orderBy('birth_year')
    .orderBy('id')
    .execute();
}

/** The few columns other modules' hot paths need of a person (scanning, result lookups). */
export type PersonBriefRow = Pick<PersonRow, 'id' | 'name' | 'jurisdiction_path' | 'merged_into'>;

/** Brief rows by id, one query per 500 ids; missing ids are absent. */
export async function personBriefs(db: DbOrTx, ids: readonly string[]): Promise<PersonBriefRow[]> {
  const out: PersonBriefRow[] = [];
  for (let i = 0; i < ids.length; i += 500)
    out.push(
      ...(await db
        .selectFrom('persons')
        .select(['id', 'name', 'jurisdiction_path', 'merged_into'])
        .where('id', 'in', ids.slice(i, i + 500))
        .execute()),
    );
  return out;
}

/**
 * One document HMAC (a scan's or a public lookup's typed ID number): compiled once (hot-query.ts);
 * Kysely's builder and compiler cost about as much CPU as the keyed read itself (issue 14).
 */
const personBriefByIdHmacQ = hotQuery(
  (db, hmac: string) => db.selectFrom('persons').select(['id', 'name', 'jurisdiction_path', 'merged_into', 'id_hmac']).where('id_hmac', '=', hmac),
  ['\u0001hmac'],
);

/** Brief rows by document HMAC, one query per 500 HMACs. */
export async function personBriefsByIdHmac(db: DbOrTx, hmacs: readonly string[]): Promise<(PersonBriefRow & { id_hmac: string })[]> {
  const [only] = hmacs;
  if (hmacs.length === 1 && only !== undefined) return (await personBriefByIdHmacQ(db, only)) as (PersonBriefRow & { id_hmac: string })[];
  const out: (PersonBriefRow & { id_hmac: string })[] = [];
  for (let i = 0; i < hmacs.length; i += 500)
    out.push(
      ...(await db
        .selectFrom('persons')
        .select(['id', 'name', 'jurisdiction_path', 'merged_into', 'id_hmac'])
        .where('id_hmac', 'in', hmacs.slice(i, i + 500))
        .execute()),
    );
  return out;
}

/** Records one disclosure (a reveal or an exact-identifier search) by a user. */
export async function insertDisclosure(trx: Tx, row: { id: string; actor_id: string; kind: DisclosureKind; at: number }): Promise<void> {
  await trx.insertInto('person_disclosures').values(row).execute();
}

/** Disclosures of a kind by a user since `since` (epoch ms), and the oldest of them (for Retry-After). */
export async function disclosuresSince(db: DbOrTx, actorId: string, kind: DisclosureKind, since: number): Promise<{ count: number; oldest: number | null }> {
  const r = await db
    .selectFrom('person_disclosures')
    .select((eb) => [eb.fn.countAll<string | number>().as('n'), eb.fn.min<string | number | null>('at').as('oldest')])
    .where('actor_id', '=', actorId)
    .where('kind', '=', kind)
    .where('at', '>', since)
    .executeTakeFirstOrThrow();
  return { count: Number(r.n), oldest: r.oldest === null ? null : Number(r.oldest) };
}

export type ResidentCodeRow = ResidentCodesTable;

/** Each person's newest unrevoked code that is still valid after `validAfter` (epoch ms). */
export async function activeResidentCodes(db: DbOrTx, personIds: readonly string[], validAfter: number): Promise<Map<string, ResidentCodeRow>> {
  const out = new Map<string, ResidentCodeRow>();
  for (let i = 0; i < personIds.length; i += 500) {
    const rows = await db
      .selectFrom('resident_codes')
      .selectAll()
      .where('person_id', 'in', personIds.slice(i, i + 500))
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', validAfter)
      .execute();
    for (const r of rows) {
      const had = out.get(r.person_id);
      if (!had || Number(r.issued_at) > Number(had.issued_at)) out.set(r.person_id, r);
    }
  }
  return out;
}

export async function insertResidentCodes(trx: Tx, rows: readonly ResidentCodeRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500)
    await trx
      .insertInto('resident_codes')
      .values(rows.slice(i, i + 500))
      .execute();
}

/** Revokes every unrevoked code of a person; returns how many. */
export async function revokeResidentCodes(trx: Tx, personId: string, at: number): Promise<number> {
  const r = await trx
    .updateTable('resident_codes')
    .set({ revoked_at: at })
    .where('person_id', '=', personId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Codes by token (one keyed read per 500). */
export async function residentCodesByToken(db: DbOrTx, tokens: readonly string[]): Promise<ResidentCodeRow[]> {
  const out: ResidentCodeRow[] = [];
  for (let i = 0; i < tokens.length; i += 500)
    out.push(
      ...(await db
        .selectFrom('resident_codes')
        .selectAll()
        .where('token', 'in', tokens.slice(i, i + 500))
        .execute()),
    );
  return out;
}
