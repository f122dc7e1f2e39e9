import type { Deps } from '../../deps.js';
import { inTx, isUniqueViolation, type DbOrTx } from '../../db/dialect.js';
import { inScope, scopePrefix, type Actor } from '../actor.js';
import { newId } from '../ids.js';
import { AuthErrors } from './auth.errors.js';
import { toUnit } from './auth.dto.js';
import * as repo from './auth.repository.js';
import type { JurisdictionBrief, Unit } from './auth.schemas.js';
import { createJurisdictionLookup } from './jurisdictions.js';
import { firstItem } from '../items.js';
import type { UnitListFilter, CreateUnitInput, UpdateUnitInput, UnitRef, UnitLookup } from './auth.types.js';

/**
 * Units (单位 / 专班): create, rename, move, deactivate. A caller sees and manages the units whose
 * jurisdiction lies inside their own scope; one outside it looks exactly like a missing one.
 */
export function createUnitAdmin(deps: Deps) {
  const { db, clock } = deps;
  const jurisdictions = createJurisdictionLookup(deps);

  async function dtos(dbx: DbOrTx, rows: repo.UnitWithDetail[]): Promise<Unit[]> {
    return (await jurisdictions.attach(rows, (u) => ({ id: u.jurisdiction_id, path: u.jurisdiction_path }), dbx)).map(([u, j]) => toUnit(u, j));
  }

  /** The unit row if it exists and the actor may see it. */
  async function visible(dbx: DbOrTx, actor: Actor, id: string): Promise<repo.UnitRow> {
    const row = await repo.findUnitRow(dbx, id);
    if (!row || !inScope(actor, row.jurisdiction_path)) throw AuthErrors.UNIT_NOT_FOUND({ id });
    return row;
  }

  async function detail(dbx: DbOrTx, id: string): Promise<Unit> {
    const row = await repo.findUnitById(dbx, id);
    if (!row) throw AuthErrors.UNIT_NOT_FOUND({ id });
    return firstItem(await dtos(dbx, [row]), 'the unit');
  }

  /** A jurisdiction inside the actor's scope, else 404. */
  async function jurisdictionInScope(dbx: DbOrTx, actor: Actor, id: string): Promise<JurisdictionBrief> {
    const j = await jurisdictions.get(id, dbx);
    if (!j || !inScope(actor, j.path)) throw AuthErrors.JURISDICTION_NOT_FOUND({ id });
    return j;
  }

  /**
   * A parent must be an active unit the actor can see, whose jurisdiction contains the child's, and
   * that is neither the unit itself nor one of its descendants.
   */
  async function checkParent(dbx: DbOrTx, actor: Actor, parentId: string, childPath: string, childId?: string): Promise<void> {
    const parent = await repo.findUnitRow(dbx, parentId);
    if (!parent || !inScope(actor, parent.jurisdiction_path)) throw AuthErrors.UNIT_NOT_FOUND({ id: parentId, field: 'parentUnitId' });
    if (parent.active !== 1) throw AuthErrors.UNIT_PARENT_INVALID({ parentUnitId: parentId, problem: 'inactive' });
    if (!childPath.startsWith(parent.jurisdiction_path))
      throw AuthErrors.UNIT_PARENT_INVALID({ parentUnitId: parentId, problem: "outside the parent's jurisdiction" });
    if (childId && (parentId === childId || (await repo.unitAncestorIds(dbx, parentId)).includes(childId))) {
      throw AuthErrors.UNIT_PARENT_INVALID({ parentUnitId: parentId, problem: 'cycle' });
    }
  }

  function unitJournalPayload(r: Pick<repo.UnitRow, 'name' | 'kind' | 'jurisdiction_id' | 'parent_unit_id'>) {
    return { name: r.name, kind: r.kind, jurisdictionId: r.jurisdiction_id, parentUnitId: r.parent_unit_id };
  }

  return {
    /** Units inside the actor's scope, by jurisdiction then name. */
    async list(actor: Actor, f: UnitListFilter = {}, dbx: DbOrTx = db): Promise<{ items: Unit[]; total: number }> {
      const { rows, total } = await repo.listUnits(dbx, { ...f, scopePrefix: scopePrefix(actor), limit: f.limit ?? 100, offset: f.offset ?? 0 });
      return { items: await dtos(dbx, rows), total };
    },

    async get(actor: Actor, id: string, dbx: DbOrTx = db): Promise<Unit> {
      await visible(dbx, actor, id);
      return detail(dbx, id);
    },

    async create(actor: Actor, input: CreateUnitInput, trx?: DbOrTx): Promise<Unit> {
      return inTx(trx ?? db, async (t) => {
        const name = input.name.trim();
        const j = await jurisdictionInScope(t, actor, input.jurisdictionId);
        if (input.parentUnitId) await checkParent(t, actor, input.parentUnitId, j.path);
        if (await repo.unitNameTaken(t, j.id, name)) throw AuthErrors.UNIT_NAME_TAKEN({ name, jurisdictionId: j.id });
        const now = clock.now();
        const row: repo.UnitRow = {
          id: newId(now),
          name,
          kind: input.kind,
          jurisdiction_id: j.id,
          jurisdiction_path: j.path,
          parent_unit_id: input.parentUnitId ?? null,
          active: 1,
          created_at: now,
          updated_at: now,
        };
        try {
          await repo.insertUnit(t, row);
        } catch (err) {
          if (isUniqueViolation(err)) throw AuthErrors.UNIT_NAME_TAKEN({ name, jurisdictionId: j.id });
          throw err;
        }
        await deps.services.journal.append(t, actor, {
          action: 'auth.unit.create',
          entityType: 'unit',
          entityId: row.id,
          jurisdictionPath: j.path,
          payload: unitJournalPayload(row),
        });
        return detail(t, row.id);
      });
    },

    /** Renames, re-kinds, moves to another jurisdiction or re-parents a unit. Journals each changed field. */
    async update(actor: Actor, id: string, input: UpdateUnitInput, trx?: DbOrTx): Promise<Unit> {
      return inTx(trx ?? db, async (t) => {
        const cur = await visible(t, actor, id);
        const next = { ...cur };
        if (input.name !== undefined) next.name = input.name.trim();
        if (input.kind !== undefined) next.kind = input.kind;
        if (input.jurisdictionId !== undefined && input.jurisdictionId !== cur.jurisdiction_id) {
          const j = await jurisdictionInScope(t, actor, input.jurisdictionId);
          next.jurisdiction_id = j.id;
          next.jurisdiction_path = j.path;
        }
        if (input.parentUnitId !== undefined) next.parent_unit_id = input.parentUnitId;
        const fields = ['name', 'kind', 'jurisdiction_id', 'parent_unit_id'] as const;
        const changes = fields.filter((f) => next[f] !== cur[f]).map((f) => ({ field: f, from: cur[f], to: next[f] }));
        if (changes.length === 0) return detail(t, id);
        if (next.parent_unit_id && (next.parent_unit_id !== cur.parent_unit_id || next.jurisdiction_path !== cur.jurisdiction_path)) {
          await checkParent(t, actor, next.parent_unit_id, next.jurisdiction_path, id);
        }
        if (next.jurisdiction_path !== cur.jurisdiction_path) {
          // Child units must stay inside their parent's jurisdiction.
          const children = await repo.listUnits(t, { scopePrefix: null, parentUnitId: id, limit: 500, offset: 0 });
          const outside = children.rows.filter((c) => !c.jurisdiction_path.startsWith(next.jurisdiction_path));
          if (outside.length)
            throw AuthErrors.UNIT_PARENT_INVALID({ problem: 'child units would fall outside the new jurisdiction', children: outside.map((c) => c.id) });
        }
        if ((next.name !== cur.name || next.jurisdiction_id !== cur.jurisdiction_id) && (await repo.unitNameTaken(t, next.jurisdiction_id, next.name, id))) {
          throw AuthErrors.UNIT_NAME_TAKEN({ name: next.name, jurisdictionId: next.jurisdiction_id });
        }
        await repo.updateUnit(t, id, {
          name: next.name,
          kind: next.kind,
          jurisdiction_id: next.jurisdiction_id,
          jurisdiction_path: next.jurisdiction_path,
          parent_unit_id: next.parent_unit_id,
          updated_at: clock.now(),
        });
        await deps.services.journal.append(t, actor, {
          action: 'auth.unit.update',
          entityType: 'unit',
          entityId: id,
          // Both places see a move: the journal entry carries the new path, the payload the old one.
          jurisdictionPath: next.jurisdiction_path,
          payload: { changes, fromPath: cur.jurisdiction_path },
          reason: input.reason ?? null,
        });
        return detail(t, id);
      });
    },

    /** Deactivates a unit. Refused while it still has active users or active child units. */
    async disable(actor: Actor, id: string, reason: string, trx?: DbOrTx): Promise<Unit> {
      return inTx(trx ?? db, async (t) => {
        const cur = await visible(t, actor, id);
        if (cur.active !== 1) throw AuthErrors.UNIT_ALREADY_INACTIVE({ id });
        const activeUsers = (await repo.listActiveUserIdsOfUnit(t, id)).length;
        const activeChildUnits = await repo.countActiveChildUnits(t, id);
        if (activeUsers || activeChildUnits) throw AuthErrors.UNIT_HAS_ACTIVE_MEMBERS({ activeUsers, activeChildUnits });
        await repo.updateUnit(t, id, { active: 0, updated_at: clock.now() });
        await deps.services.journal.append(t, actor, {
          action: 'auth.unit.disable',
          entityType: 'unit',
          entityId: id,
          jurisdictionPath: cur.jurisdiction_path,
          payload: { name: cur.name },
          reason,
        });
        return detail(t, id);
      });
    },

    /** Reactivates a unit (its parent, if any, must be active). */
    async enable(actor: Actor, id: string, reason: string, trx?: DbOrTx): Promise<Unit> {
      return inTx(trx ?? db, async (t) => {
        const cur = await visible(t, actor, id);
        if (cur.active === 1) throw AuthErrors.UNIT_ALREADY_ACTIVE({ id });
        if (cur.parent_unit_id) {
          const parent = await repo.findUnitRow(t, cur.parent_unit_id);
          if (!parent || parent.active !== 1) throw AuthErrors.UNIT_PARENT_INVALID({ parentUnitId: cur.parent_unit_id, problem: 'inactive' });
        }
        await repo.updateUnit(t, id, { active: 1, updated_at: clock.now() });
        await deps.services.journal.append(t, actor, {
          action: 'auth.unit.enable',
          entityType: 'unit',
          entityId: id,
          jurisdictionPath: cur.jurisdiction_path,
          payload: { name: cur.name },
          reason,
        });
        return detail(t, id);
      });
    },

    /**
     * Finds the unit a person named: an id, or an exact name inside the actor's scope. Used by the
     * staff import and the CLI, where people type names.
     */
    async lookup(actor: Actor, text: string, dbx: DbOrTx = db): Promise<UnitLookup> {
      const t = text.trim();
      if (!t) return { ok: false, reason: 'empty' };
      const byId = await repo.findUnitRow(dbx, t);
      const found = byId && inScope(actor, byId.jurisdiction_path) ? [byId] : await repo.findUnitsByName(dbx, t, scopePrefix(actor));
      if (found.length === 0) return { ok: false, reason: `no unit '${t}' in your jurisdiction` };
      if (found.length > 1) return { ok: false, reason: `several units are named '${t}'; use the unit id` };
      const unit = firstItem(found, 'the unit found');
      if (unit.active !== 1) return { ok: false, reason: `unit '${t}' is deactivated` };
      return { ok: true, unit };
    },

    /** A unit by id without any scope check, for other modules' services (they apply their own rules). */
    async getRef(id: string, dbx: DbOrTx = db): Promise<UnitRef | undefined> {
      const r = await repo.findUnitRow(dbx, id);
      return r
        ? {
            id: r.id,
            name: r.name,
            kind: r.kind,
            jurisdictionId: r.jurisdiction_id,
            jurisdictionPath: r.jurisdiction_path,
            parentUnitId: r.parent_unit_id,
            active: r.active === 1,
          }
        : undefined;
    },

    /**
     * The active unit closest above (or at) `path`: the one whose jurisdiction is the deepest ancestor
     * of it, ties broken by id. Other modules use it to address a record's tasks (a stay's tests…).
     */
    async nearestTo(path: string, dbx: DbOrTx = db): Promise<{ id: string; jurisdictionPath: string } | undefined> {
      const segs = path.split('/').filter(Boolean);
      const rows = await repo.findActiveUnitsAtPaths(
        dbx,
        segs.map((_, i) => `/${segs.slice(0, i + 1).join('/')}/`),
      );
      rows.sort((a, b) => b.jurisdiction_path.length - a.jurisdiction_path.length || a.id.localeCompare(b.id));
      return rows[0] ? { id: rows[0].id, jurisdictionPath: rows[0].jurisdiction_path } : undefined;
    },

    /** Ids of the active users of a unit (for notifying a unit's people). */
    memberIds: (unitId: string, dbx: DbOrTx = db) => repo.listActiveUserIdsOfUnit(dbx, unitId),
  };
}

export type UnitAdmin = ReturnType<typeof createUnitAdmin>;
