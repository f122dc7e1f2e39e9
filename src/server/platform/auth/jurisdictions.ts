import type { Deps } from '../../deps.js';
import type { DbOrTx } from '../../db/dialect.js';
import type { JurisdictionBrief } from './auth.schemas.js';

/**
 * The jurisdictions units sit in, read through the geo service (the module that owns the tree):
 * one batched lookup per page of users or units.
 */
export function createJurisdictionLookup(deps: Deps) {
  const brief = (j: JurisdictionBrief): JurisdictionBrief => ({ id: j.id, code: j.code, name: j.name, level: j.level, path: j.path });
  /** A stand-in when a node is missing (the foreign key makes that a broken database). */
  const unknown = (id: string, path: string): JurisdictionBrief => ({ id, code: '', name: '', level: '', path });

  return {
    /** One node by id, or undefined. */
    async get(id: string, db: DbOrTx = deps.db): Promise<JurisdictionBrief | undefined> {
      const j = await deps.services.geo.resolveScope(id, db);
      return j && brief(j);
    },

    /** Attaches each row's jurisdiction, looked up in one batch. */
    async attach<T>(rows: T[], key: (r: T) => { id: string; path: string }, db: DbOrTx = deps.db): Promise<[T, JurisdictionBrief][]> {
      const ids = [...new Set(rows.map((r) => key(r).id))];
      const found = new Map((ids.length ? await deps.services.geo.getMany(ids, db) : []).map((j) => [j.id, brief(j)]));
      return rows.map((r) => {
        const k = key(r);
        return [r, found.get(k.id) ?? unknown(k.id, k.path)];
      });
    },
  };
}
