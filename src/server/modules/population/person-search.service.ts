import { ID_TYPES, VULNERABLE_FLAGS, type HouseholdDto, type IdType } from '../../../common/geo.js';
import type { PopulationInputs } from './population.types.js';
import { inTx, lockKeys, type DbOrTx, type Tx } from '../../db/dialect.js';
import { inScope, scopePrefix, type Actor } from '../../platform/actor.js';
import { AppError } from '../../platform/errors.js';
import { requireReason } from '../../platform/reason.js';
import { newId } from '../../platform/ids.js';
import { PopulationErrors } from './population.errors.js';
import { DATED_DOCUMENT, PERSON_CAPS, type PopulationBase } from './population.shared.js';
import { decrypt, hmac, normalizeIdNumber } from './protect.js';
import { classifySearch, flagsToMask, idPurpose, upgradeOldResidentId } from './person-rules.js';
import * as repo from './population.repository.js';
import type { PersonBrief, PersonDetail, PersonListQuery, PersonView } from './population.types.js';

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
 * Reading persons: counts, search and lists, one person and a household, the lean reads other
 * modules use on hot paths (briefs, paths), and the journaled, rate-limited reveal.
 */
export function createPersonSearch(deps: PopulationInputs<'db' | 'clock', 'journal'>, base: PopulationBase) {
  const { keys, geo, toDtos, toDtoOf, mergeDto, requireCap, visiblePerson, listPrefix, addressTexts } = base;

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
      for (const b of await geo().children(actor, c.id, db))
        if (b.name.includes(buildingText) || b.name.replace(/\D/g, '') === buildingText.replace(/\D/g, '')) out.push(b.path);
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
      throw new AppError(
        'DISCLOSURE_RATE_LIMITED',
        429,
        `已达到每小时 ${max} 次的上限，请稍后再试 (at most ${max} per hour; retry later)`,
        { kind, max, windowMinutes: windowMs / 60_000, retryAfter },
        { 'retry-after': String(retryAfter) },
      );
    }
    await repo.insertDisclosure(tx, { id: newId(now), actor_id: actor.userId, kind, at: now });
  }

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
            const ids =
              k.kind === 'id'
                ? currentIds(
                    await repo.findPersonsByIdHmac(
                      tx,
                      ID_TYPES.map((t) => hmac(keys, idPurpose(t), k.number)),
                    ),
                  )
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
      const [rows, total] = await Promise.all([
        repo.listPersons(db, filter, (page - 1) * pageSize, pageSize),
        plain ? countUnder(db, filter.prefix) : repo.countPersons(db, filter),
      ]);
      return { items: await toDtos(db, rows), total };
    },

    /**
     * One person (masked) with every merge it took part in, or PERSON_NOT_FOUND when missing or
     * outside the actor's scope. A merged record is still shown (with `mergedInto`).
     */
    async get(actor: Actor, id: string, db: DbOrTx = deps.db): Promise<PersonDetail> {
      const r = await visiblePerson(db, actor, id);
      const dto = await toDtoOf(db, r);
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
        await deps.services.journal.append(tx, actor, {
          action: 'population.person.reveal',
          entityType: 'person',
          entityId: r.id,
          jurisdictionPath: r.jurisdiction_path,
          payload: { field },
          reason: why,
        });
        return { value };
      });
    },

    /**
     * The current person with this document number (exact, via HMAC; a 15-digit resident ID is
     * read as its 18-digit form), if inside the actor's scope. A merged record's number gives the
     * record it was merged into.
     */
    async findByIdNumber(actor: Actor, idNumber: string, idType?: IdType, db: DbOrTx = deps.db): Promise<PersonView | undefined> {
      const n = !idType || idType === 'resident_id' ? upgradeOldResidentId(idNumber) : normalizeIdNumber(idNumber);
      const rows = await repo.findPersonsByIdHmac(
        db,
        (idType ? [idType] : ID_TYPES).map((t) => hmac(keys, idPurpose(t), n)),
      );
      for (const found of rows) {
        const r = found.merged_into ? await repo.findPerson(db, found.merged_into) : found;
        if (r && inScope(actor, r.jurisdiction_path)) return toDtoOf(db, r);
      }
      return undefined;
    },

    /** A household with its current members (masked), or HOUSEHOLD_NOT_FOUND outside scope. */
    async household(actor: Actor, id: string, db: DbOrTx = deps.db): Promise<HouseholdDto & { members: PersonView[] }> {
      const h = await repo.findHousehold(db, id);
      if (!h || !inScope(actor, h.jurisdiction_path)) throw PopulationErrors.HOUSEHOLD_NOT_FOUND({ id });
      const members = await toDtos(db, await repo.listMembers(db, h.id));
      const text = (await addressTexts(db, [h.jurisdiction_path])).get(h.jurisdiction_path) ?? '';
      return {
        id: h.id,
        address: { jurisdictionId: h.jurisdiction_id, path: h.jurisdiction_path, text: text + (h.room ? `${h.room}室` : '') },
        room: h.room,
        members,
      };
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
    async briefsByIdNumber(
      actor: Actor,
      items: readonly { idNumber: string; idType?: IdType | null }[],
      db: DbOrTx = deps.db,
    ): Promise<(PersonBrief | undefined)[]> {
      const wanted = items.map((it) => {
        const n = !it.idType || it.idType === 'resident_id' ? upgradeOldResidentId(it.idNumber) : normalizeIdNumber(it.idNumber);
        return (it.idType ? [it.idType] : ID_TYPES).map((t) => hmac(keys, idPurpose(t), n));
      });
      const found = new Map<string, repo.PersonBriefRow>();
      for (const r of await repo.personBriefsByIdHmac(db, [...new Set(wanted.flat())])) found.set(r.id_hmac, r);
      const kept = new Map(
        (await repo.personBriefs(db, [...new Set([...found.values()].map((r) => r.merged_into).filter((x): x is string => !!x))])).map((r) => [r.id, r]),
      );
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
  };
}
