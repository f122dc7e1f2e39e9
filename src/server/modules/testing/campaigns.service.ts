import type { JurisdictionDto, JurisdictionLevel } from '../../../common/geo.js';
import { JURISDICTION_LEVELS } from '../../../common/geo.js';
import type { Deps } from '../../deps.js';
import { inTx, type DbOrTx, type Tx } from '../../db/dialect.js';
import { inScope, scopePrefix, type Actor } from '../../platform/actor.js';
import { HOUR } from '../../platform/clock.js';
import { newId } from '../../platform/ids.js';
import { TestingErrors } from './testing.errors.js';
import * as repo from './testing.repository.js';
import { AREA_MEASURE_STATUSES } from '../../../common/control.js';
import { AREA_POOL_RULE, DEFAULT_CAMPAIGN_HOURS, DEFAULT_EXEMPT_STATUSES, DEFAULT_RECHECK_HOURS, POOL_MODES, commonPath, pathPrefixes } from './testing.rules.js';
import type { CampaignDto, CreateCampaignInput } from './testing.schemas.js';
import { COVERAGE_MAX_DEPTH, CoverageDeltas, TESTING_SYSTEM, campaignDto, inCampaignScope, requireCap } from './testing.shared.js';

const COVERAGE_LEVELS = JURISDICTION_LEVELS.slice(0, COVERAGE_MAX_DEPTH) as readonly JurisdictionLevel[];
/** Manual exemptions read per query during activation. */
const EXEMPTION_PAGE = 5_000;
/** Jurisdiction nodes turned into coverage rows per page during activation. */
const NODE_PAGE = 3_000;
/**
 * How long a staged activation's lease lasts without renewal (it is renewed with every page, ~0.1 s
 * apart): past it, another attempt may take over from an activation whose server died.
 */
const ACTIVATION_LEASE_MS = 2 * 60_000;

/** Whether the actor may read a campaign: its scope overlaps theirs (inside it, or containing it). */
export function canReadCampaign(actor: Pick<Actor, 'scopePath'>, c: Pick<repo.CampaignRow, 'scope_path' | 'scope_paths'>): boolean {
  if (actor.scopePath === '/') return true;
  if (actor.scopePath.startsWith(c.scope_path)) return true;
  return (JSON.parse(c.scope_paths) as string[]).some((p) => p.startsWith(actor.scopePath) || actor.scopePath.startsWith(p));
}

/** The pool size that applies at a path: the deepest override containing it, else the campaign's. */
export function poolSizeAt(c: Pick<repo.CampaignRow, 'pool_size' | 'pool_overrides'>, path: string): number {
  return poolSizer(c)(path);
}

/** A pool-mode override: typed by a planner (`manual`), or set from a published risk area (`area`). */
export interface PoolOverride {
  jurisdictionId: string;
  path: string;
  poolSize: number;
  source?: 'manual' | 'area';
  level?: 'high' | 'medium';
}

/**
 * `poolSizeAt` for many paths of one campaign (its overrides parsed once). Inside a risk area the
 * area decides (a high area's over a medium one's); elsewhere the deepest manual override, else
 * the campaign's mode.
 */
function poolSizer(c: Pick<repo.CampaignRow, 'pool_size' | 'pool_overrides'>): (path: string) => number {
  const overrides = JSON.parse(c.pool_overrides) as PoolOverride[];
  const areas = overrides.filter((o) => o.source === 'area');
  const manual = overrides.filter((o) => o.source !== 'area');
  const fallback = Number(c.pool_size);
  return (path) => {
    let area: PoolOverride | undefined;
    for (const o of areas) if (path.startsWith(o.path) && (!area || (o.level === 'high' && area.level !== 'high'))) area = o;
    if (area) return area.poolSize;
    let best: PoolOverride | undefined;
    for (const o of manual) if (path.startsWith(o.path) && (!best || o.path.length > best.path.length)) best = o;
    return best?.poolSize ?? fallback;
  };
}

/**
 * Campaigns (核酸检测轮次): scope, dates, pooling, exemptions; activation computes and stores the
 * target population per jurisdiction node, so coverage never scans persons.
 */
export function createCampaignService(deps: Deps) {
  const { geo, control, journal } = deps.services;

  async function visible(db: DbOrTx, actor: Actor, id: string): Promise<repo.CampaignRow> {
    const c = await repo.findCampaign(db, id);
    if (!c || !canReadCampaign(actor, c)) throw TestingErrors.CAMPAIGN_NOT_FOUND({ id });
    return c;
  }

  /** A campaign the actor may manage: its whole scope inside theirs (else the same 404 as missing). */
  async function manageable(db: DbOrTx, actor: Actor, id: string): Promise<repo.CampaignRow> {
    const c = await repo.findCampaign(db, id);
    if (!c || !inScope(actor, c.scope_path)) throw TestingErrors.CAMPAIGN_NOT_FOUND({ id });
    return c;
  }

  async function toDto(db: DbOrTx, rows: repo.CampaignRow[]): Promise<CampaignDto[]> {
    const paths = rows.flatMap((r) => JSON.parse(r.scope_paths) as string[]);
    const names = new Map((await geo.getManyByPath(paths, db)).map((n) => [n.path, n.name]));
    return rows.map((r) => campaignDto(r, names));
  }

  /**
   * Persons in the exempt control statuses per coverage node, top-down from the roots, skipping
   * subtrees that have none: the walk visits only where exempt persons live, not the whole city.
   */
  async function controlExempt(tx: Tx, campaignId: string, roots: readonly JurisdictionDto[], statuses: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (!statuses.length) return out;
    const queue = roots.map((r) => ({ path: r.path, level: r.level as JurisdictionLevel }));
    while (queue.length) {
      const node = queue.shift()!;
      const s = await control.summary(TESTING_SYSTEM, node.path, tx);
      const n = statuses.reduce((a, st) => a + (s.counts[st as keyof typeof s.counts] ?? 0), 0);
      if (n <= 0) continue;
      out.set(node.path, n);
      const next = COVERAGE_LEVELS[COVERAGE_LEVELS.indexOf(node.level) + 1];
      if (next) for (const path of await repo.coveragePathsAtLevel(tx, campaignId, node.path, next)) queue.push({ path, level: next });
    }
    return out;
  }

  /**
   * The pool-mode overrides that published risk areas set over a scope (THE RISK-AREA POOL RULE,
   * testing.rules.ts): a sealed (high) area's nodes → `sealedMode` (1户1管 or single tube), a
   * controlled (medium) area's → 10-in-1. Read through the zoning service (created after testing,
   * so looked up at call time).
   */
  async function areaOverrides(db: DbOrTx, rootPaths: readonly string[], sealedMode: number): Promise<PoolOverride[]> {
    const zoning = deps.services.zoning;
    if (!zoning || !rootPaths.length) return [];
    const nodes = (await zoning.areaLevelsUnder(rootPaths, db)).filter((n) => n.measure !== null);
    const byPath = new Map<string, (typeof nodes)[number]>();
    for (const n of nodes) if (!byPath.has(n.path) || n.measure === 'sealed') byPath.set(n.path, n);
    const ids = new Map((await geo.getManyByPath([...byPath.keys()], db)).map((g) => [g.path, g.id]));
    return [...byPath.values()]
      .filter((n) => ids.has(n.path))
      .sort((a, b) => a.path.localeCompare(b.path))
      .map((n) => ({ jurisdictionId: ids.get(n.path)!, path: n.path, poolSize: n.measure === 'sealed' ? sealedMode : AREA_POOL_RULE.controlled.mode, source: 'area' as const, level: n.measure === 'sealed' ? ('high' as const) : ('medium' as const) }));
  }

  /** A manual override inside a risk area is refused: the area's rule decides there. */
  function checkManualOverrides(manual: readonly PoolOverride[], areas: readonly PoolOverride[]): void {
    for (const o of manual) {
      const inside = areas.find((a) => o.path.startsWith(a.path));
      if (inside) throw TestingErrors.POOL_OVERRIDE_IN_RISK_AREA({ field: 'poolOverrides', jurisdictionId: o.jurisdictionId, areaPath: inside.path, areaPoolSize: inside.poolSize });
    }
  }

  /**
   * Before activation: the area overrides again from the areas published now (a compound sealed
   * since the campaign was planned is sampled door to door, not at a 20-in-1 site).
   */
  async function refreshAreaOverrides(tx: DbOrTx, c: repo.CampaignRow): Promise<repo.CampaignRow> {
    if (c.sealed_pool_mode === null || c.sealed_pool_mode === undefined) return c;
    const manual = (JSON.parse(c.pool_overrides) as PoolOverride[]).filter((o) => o.source !== 'area');
    const areas = await areaOverrides(tx, JSON.parse(c.scope_paths) as string[], Number(c.sealed_pool_mode));
    const pool_overrides = JSON.stringify([...manual.filter((o) => !areas.some((a) => o.path.startsWith(a.path))), ...areas]);
    if (pool_overrides === c.pool_overrides) return c;
    await repo.updateCampaignIf(tx, c.id, 'planned', { pool_overrides, updated_at: deps.clock.now() });
    return { ...c, pool_overrides };
  }

  /**
   * Residents under the SEALED area measure per coverage node (the door-to-door channel), walked
   * top-down like the exemptions.
   */
  async function sealedResidents(tx: Tx, campaignId: string, roots: readonly JurisdictionDto[]): Promise<Map<string, number>> {
    return controlExempt(tx, campaignId, roots, ['sealed']);
  }

  async function plannedCampaign(db: DbOrTx, actor: Actor, id: string): Promise<repo.CampaignRow> {
    const c = await manageable(db, actor, id);
    if (c.status !== 'planned') throw TestingErrors.CAMPAIGN_NOT_PLANNED({ id, status: c.status });
    return c;
  }

  function coverageRow(c: repo.CampaignRow, poolSize: (path: string) => number, n: JurisdictionDto, target: number, now: number): repo.CoverageRow {
    return {
      campaign_id: c.id,
      jurisdiction_path: n.path,
      jurisdiction_id: n.id,
      level: n.level,
      name: n.name,
      pool_size: poolSize(n.path),
      target,
      exempt: 0,
      sampled: 0,
      resulted: 0,
      negative: 0,
      invalid: 0,
      positive_tubes: 0,
      pending_recheck: 0,
      recheck_positive: 0,
      door_target: 0,
      door_sampled: 0,
      updated_at: now,
    };
  }

  /**
   * Writes a coverage row for every node of the scope down to buildings (target = the node's
   * population), a page at a time; `commit` runs each page's write (in its own transaction, or
   * directly in the caller's). Returns the rows written.
   */
  async function copyNodes(db: DbOrTx, c: repo.CampaignRow, commit: (write: (tx: Tx) => Promise<void>) => Promise<void>): Promise<number> {
    const now = deps.clock.now();
    const poolSize = poolSizer(c);
    const roots = await geo.getMany(JSON.parse(c.scope_ids) as string[], db);
    let nodes = 0;
    for (const root of roots) {
      const from = COVERAGE_LEVELS.indexOf(root.level);
      for await (const page of geo.nodesUnder(root.path, COVERAGE_LEVELS.slice(Math.max(0, from)), NODE_PAGE, db)) {
        const rows = page.map((n) => coverageRow(c, poolSize, n, n.population, now));
        await commit((tx) => repo.insertCoverage(tx, rows));
        nodes += rows.length;
      }
    }
    return nodes;
  }

  /**
   * The last step of an activation, in one transaction: the ancestors' rows, the exemptions, the
   * totals, the status, the journal entry and the event.
   */
  async function finishActivation(tx: Tx, actor: Actor, id: string, scopeNodes: number): Promise<CampaignDto> {
    // Read again inside the transaction: only one activation can move it from planned.
    const c = await plannedCampaign(tx, actor, id);
    const now = deps.clock.now();
    const roots = await geo.getMany(JSON.parse(c.scope_ids) as string[], tx);
    // Ancestors above the scope count only the part of them inside it (roots never nest).
    const ancestorPopulation = new Map<string, number>();
    for (const root of roots) for (const p of pathPrefixes(root.path).slice(0, -1)) ancestorPopulation.set(p, (ancestorPopulation.get(p) ?? 0) + root.population);
    const ancestors = await geo.getManyByPath([...ancestorPopulation.keys()], tx);
    const poolSize = poolSizer(c);
    await repo.insertCoverage(tx, ancestors.map((n) => coverageRow(c, poolSize, n, ancestorPopulation.get(n.path)!, now)));
    const nodes = scopeNodes + ancestors.length;

    const exemptStatuses = JSON.parse(c.exempt_statuses) as string[];
    const exempt = await controlExempt(tx, c.id, roots, exemptStatuses);
    const exemptByPath = new Map(exempt);
    for (const root of roots) {
      const n = exempt.get(root.path) ?? 0;
      for (const p of pathPrefixes(root.path).slice(0, -1)) exemptByPath.set(p, (exemptByPath.get(p) ?? 0) + n);
    }
    // Manual exemptions, except persons already exempt by their control status, and residents of a
    // sealed or controlled area (area measures are never exempted: they are tested door to door).
    for (let offset = 0; ; offset += EXEMPTION_PAGE) {
      const manual = await repo.listExemptions(tx, c.id, null, EXEMPTION_PAGE, offset);
      const statuses = await control.statusesOf(manual.rows.map((r) => r.person_id), tx);
      for (const r of manual.rows) {
        const st = statuses.get(r.person_id)?.status ?? 'none';
        if (exemptStatuses.includes(st) || (AREA_MEASURE_STATUSES as readonly string[]).includes(st)) continue;
        for (const p of pathPrefixes(r.jurisdiction_path).slice(0, COVERAGE_MAX_DEPTH)) exemptByPath.set(p, (exemptByPath.get(p) ?? 0) + 1);
      }
      if (manual.rows.length < EXEMPTION_PAGE) break;
    }
    await repo.exemptFromCoverage(tx, c.id, exemptByPath, now);

    // The door-to-door channel: residents of sealed areas, per node (and the ancestors above the scope).
    const sealed = await sealedResidents(tx, c.id, roots);
    const door = new Map(sealed);
    for (const root of roots) {
      const n = sealed.get(root.path) ?? 0;
      for (const p of pathPrefixes(root.path).slice(0, -1)) door.set(p, (door.get(p) ?? 0) + n);
    }
    await repo.applyCoverageDeltas(tx, c.id, new Map([...door].map(([p, n]) => [p, { door_target: n }])), now);

    const rootRows = await repo.findCoverageMany(tx, c.id, roots.map((r) => r.path));
    const targetTotal = rootRows.reduce((a, r) => a + Number(r.target), 0);
    const exemptTotal = rootRows.reduce((a, r) => a + Number(r.exempt), 0);
    if (!(await repo.updateCampaignIf(tx, c.id, 'planned', { status: 'active', activated_at: now, target_total: targetTotal, exempt_total: exemptTotal, coverage_published_at: now, activation_token: null, activation_lease_until: null, updated_at: now }))) {
      throw TestingErrors.CAMPAIGN_NOT_PLANNED({ id });
    }
    await journal.append(tx, actor, {
      action: 'testing.campaign.activate',
      entityType: 'testing_campaign',
      entityId: c.id,
      jurisdictionPath: c.scope_path,
      payload: { target: targetTotal, exempt: exemptTotal, nodes, doorToDoor: sealed.size ? roots.reduce((a, r) => a + (sealed.get(r.path) ?? 0), 0) : 0 },
    });
    await deps.services.outbox.publish(tx, { topic: 'testing.campaign.changed', capability: 'testing.read', reach: 'overlap', jurisdictionPath: c.scope_path, payload: { id: c.id, status: 'active' } });
    return (await toDto(tx, [(await repo.findCampaign(tx, c.id))!]))[0];
  }

  return {
    visible,
    manageable,
    poolSizeAt,

    /** Creates a planned campaign. The scope is any set of jurisdictions inside the actor's scope. */
    async create(trx: Tx | undefined, actor: Actor, input: CreateCampaignInput): Promise<CampaignDto> {
      requireCap(actor, 'testing.manage');
      return inTx(trx ?? deps.db, async (tx) => {
        const now = deps.clock.now();
        const nodes = await geo.getMany(input.scopeJurisdictionIds, tx);
        const byId = new Map(nodes.map((n) => [n.id, n]));
        const bad = input.scopeJurisdictionIds.filter((id) => !byId.get(id) || !inScope(actor, byId.get(id)!.path));
        if (bad.length) throw TestingErrors.CAMPAIGN_SCOPE_INVALID({ jurisdictionIds: bad });
        // Drop nodes inside another node of the scope: the outer one already covers them.
        const roots = [...new Map(nodes.map((n) => [n.path, n])).values()].filter((n) => !nodes.some((o) => o.path !== n.path && n.path.startsWith(o.path))).sort((a, b) => a.path.localeCompare(b.path));
        const startsAt = input.startsAt ?? now;
        const deadlineAt = input.deadlineAt ?? startsAt + DEFAULT_CAMPAIGN_HOURS * HOUR;
        if (deadlineAt <= startsAt) throw TestingErrors.CAMPAIGN_INVALID({ field: 'deadlineAt', problem: 'must be after startsAt' });
        const overrideNodes = await geo.getMany((input.poolOverrides ?? []).map((o) => o.jurisdictionId), tx);
        const manual: PoolOverride[] = (input.poolOverrides ?? []).map((o) => {
          const n = overrideNodes.find((x) => x.id === o.jurisdictionId);
          if (!n || !inCampaignScope(roots.map((r) => r.path), n.path)) throw TestingErrors.CAMPAIGN_INVALID({ field: 'poolOverrides', jurisdictionId: o.jurisdictionId, problem: 'not inside the scope' });
          if (!(POOL_MODES as readonly number[]).includes(o.poolSize)) throw TestingErrors.POOL_SIZE_INVALID({ poolSize: o.poolSize });
          return { jurisdictionId: n.id, path: n.path, poolSize: o.poolSize, source: 'manual' };
        });
        // Campaigns over risk areas take their pool mode from the area (the regional testing guide).
        const sealedMode = input.poolFromAreas === false ? null : (input.sealedPoolMode ?? AREA_POOL_RULE.sealed.mode);
        const areas = sealedMode === null ? [] : await areaOverrides(tx, roots.map((r) => r.path), sealedMode);
        checkManualOverrides(manual, areas);
        const overrides = [...manual, ...areas];
        const poolSize = input.poolSize ?? (areas.length ? AREA_POOL_RULE.elsewhere.mode : 10);
        const row: repo.CampaignRow = {
          id: newId(now),
          name: input.name.trim(),
          status: 'planned',
          scope_ids: JSON.stringify(roots.map((r) => r.id)),
          scope_paths: JSON.stringify(roots.map((r) => r.path)),
          scope_path: commonPath(roots.map((r) => r.path)),
          starts_at: startsAt,
          deadline_at: deadlineAt,
          pool_size: poolSize,
          pool_overrides: JSON.stringify(overrides),
          exempt_statuses: JSON.stringify(input.exemptStatuses ?? DEFAULT_EXEMPT_STATUSES),
          recheck_hours: input.recheckHours ?? DEFAULT_RECHECK_HOURS,
          target_total: 0,
          exempt_total: 0,
          created_by: actor.userId,
          created_by_name: actor.name,
          created_at: now,
          activated_at: null,
          closed_at: null,
          coverage_published_at: 0,
          activation_token: null,
          activation_lease_until: null,
          sealed_pool_mode: sealedMode,
          updated_at: now,
        };
        await repo.insertCampaign(tx, row);
        await journal.append(tx, actor, {
          action: 'testing.campaign.create',
          entityType: 'testing_campaign',
          entityId: row.id,
          jurisdictionPath: row.scope_path,
          payload: { name: row.name, scope: roots.map((r) => r.path), startsAt, deadlineAt, poolSize, overrides: overrides.map((o) => ({ path: o.path, poolSize: o.poolSize, source: o.source })), exemptStatuses: JSON.parse(row.exempt_statuses) },
        });
        return (await toDto(tx, [row]))[0];
      });
    },

    async get(actor: Actor, id: string, db: DbOrTx = deps.db): Promise<CampaignDto> {
      return (await toDto(db, [await visible(db, actor, id)]))[0];
    },

    /** Campaigns overlapping the actor's scope, newest first. */
    async list(actor: Actor, f: { status?: string; limit?: number; offset?: number }, db: DbOrTx = deps.db): Promise<{ items: CampaignDto[]; total: number }> {
      const scope = scopePrefix(actor);
      const { rows, total } = await repo.listCampaigns(db, { scope, ancestors: scope ? pathPrefixes(scope).slice(0, -1) : [], status: f.status, limit: f.limit ?? 50, offset: f.offset ?? 0 });
      return { items: await toDto(db, rows), total };
    },

    /**
     * Activates a planned campaign: stores a coverage row per node of the scope (down to
     * buildings) and per ancestor, with the target = persons in the subtree minus those in an
     * exempt control status and those exempted by hand. Journaled; from now on tubes can be opened.
     *
     * The nodes are read and written a page at a time, then exemptions are subtracted only where
     * exempt persons live, so memory stays flat at any city size (8M nodes at Shanghai's scale).
     * Without a caller's transaction the node rows go in many short transactions, yielding to the
     * event loop between them, so that the server keeps answering through a city-wide activation
     * (minutes at Shanghai's scale); the campaign stays planned, and its coverage unreadable, until
     * the last transaction subtracts the exemptions and activates it. A lease on the campaign row
     * (renewed with every page) keeps a second attempt out, on any server, with 409; an interrupted
     * activation leaves rows that the next attempt deletes first, once the lease has run out.
     */
    async activate(trx: Tx | undefined, actor: Actor, id: string): Promise<CampaignDto> {
      requireCap(actor, 'testing.manage');
      if (trx) {
        const c = await refreshAreaOverrides(trx, await plannedCampaign(trx, actor, id));
        return finishActivation(trx, actor, c.id, await copyNodes(trx, c, () => Promise.resolve()));
      }
      const c = await refreshAreaOverrides(deps.db, await plannedCampaign(deps.db, actor, id));
      // One activation at a time, across every server on the database: each step renews the lease
      // in its own transaction, and stops if another attempt holds it.
      const token = newId(deps.clock.now());
      const holdLease = async (tx: DbOrTx) => {
        const now = deps.clock.now();
        if (await repo.takeActivationLease(tx, c.id, token, now, now + ACTIVATION_LEASE_MS)) return;
        const status = (await repo.findCampaign(tx, c.id))?.status;
        throw TestingErrors.CAMPAIGN_NOT_PLANNED({ id, status: status === 'planned' ? 'activating' : status });
      };
      try {
        await inTx(deps.db, async (tx) => {
          await holdLease(tx);
          await repo.deleteCoverage(tx, c.id);
        });
        const nodes = await copyNodes(deps.db, c, (write) =>
          inTx(deps.db, async (tx) => {
            await holdLease(tx);
            await write(tx);
          }).then(() => new Promise<void>((resolve) => setImmediate(resolve))),
        );
        return await inTx(deps.db, async (tx) => {
          await holdLease(tx);
          return finishActivation(tx, actor, c.id, nodes);
        });
      } catch (err) {
        await repo.releaseActivationLease(deps.db, c.id, token).catch(() => undefined);
        throw err;
      }
    },

    /** Closes an active campaign: no more tubes or scans (results of tubes already sampled still arrive). */
    async close(trx: Tx | undefined, actor: Actor, id: string): Promise<CampaignDto> {
      requireCap(actor, 'testing.manage');
      return inTx(trx ?? deps.db, async (tx) => {
        const c = await manageable(tx, actor, id);
        const now = deps.clock.now();
        if (c.status !== 'active' || !(await repo.updateCampaignIf(tx, c.id, 'active', { status: 'closed', closed_at: now, updated_at: now }))) {
          throw TestingErrors.CAMPAIGN_NOT_ACTIVE({ id, status: c.status });
        }
        await journal.append(tx, actor, { action: 'testing.campaign.close', entityType: 'testing_campaign', entityId: c.id, jurisdictionPath: c.scope_path, payload: { status: 'closed' } });
        await deps.services.outbox.publish(tx, { topic: 'testing.campaign.changed', capability: 'testing.read', reach: 'overlap', jurisdictionPath: c.scope_path, payload: { id: c.id, status: 'closed' } });
        return (await toDto(tx, [(await repo.findCampaign(tx, c.id))!]))[0];
      });
    },

    /**
     * Exempts persons with a reason (they are tested on their own schedule). Before activation the
     * target is computed without them; on an active campaign the counters move at once.
     */
    async exempt(trx: Tx | undefined, actor: Actor, id: string, input: { personIds: readonly string[]; reason: string }): Promise<{ exempted: number; alreadyExempt: number }> {
      requireCap(actor, 'testing.manage');
      const reason = input.reason.trim();
      return inTx(trx ?? deps.db, async (tx) => {
        const c = await manageable(tx, actor, id);
        if (c.status === 'closed') throw TestingErrors.CAMPAIGN_NOT_ACTIVE({ id, status: c.status });
        const ids = [...new Set(input.personIds)];
        const paths = await deps.services.population.pathsOf(ids, tx);
        const scope = JSON.parse(c.scope_paths) as string[];
        const outside = ids.filter((p) => !paths.has(p) || !inCampaignScope(scope, paths.get(p)!) || !inScope(actor, paths.get(p)!));
        if (outside.length) throw TestingErrors.PERSON_OUTSIDE_CAMPAIGN({ personIds: outside.slice(0, 50), count: outside.length });
        // Area measures are never exemptable: a sealed compound is tested door to door.
        const statuses = await control.statusesOf(ids, tx);
        const underArea = ids.filter((p) => (AREA_MEASURE_STATUSES as readonly string[]).includes(statuses.get(p)?.status ?? 'none'));
        if (underArea.length) throw TestingErrors.PERSON_UNDER_AREA_MEASURE({ field: 'personIds', personIds: underArea.slice(0, 50), count: underArea.length });
        const now = deps.clock.now();
        const rows = ids.map((p) => ({ campaign_id: c.id, person_id: p, jurisdiction_path: paths.get(p)!, reason, created_by: actor.userId, created_by_name: actor.name, created_at: now }));
        const fresh = await repo.insertExemptions(tx, rows);
        const inserted = fresh.size;
        if (c.status === 'active' && inserted) {
          // Newly exempted persons leave the target (and enter `exempt`) at their node and above.
          const deltas = new CoverageDeltas();
          for (const p of fresh) {
            deltas.add(paths.get(p)!, 'target', -1);
            deltas.add(paths.get(p)!, 'exempt', 1);
          }
          await repo.applyCoverageDeltas(tx, c.id, deltas.byPath, now);
          await repo.addCampaignTotals(tx, c.id, -inserted, inserted, now);
        }
        await journal.appendBatch(tx, actor, {
          action: 'testing.campaign.exempt',
          entityType: 'testing_campaign',
          entityId: c.id,
          jurisdictionPath: c.scope_path,
          rows: ids,
          summary: { requested: ids.length, exempted: inserted },
          reason,
        });
        return { exempted: inserted, alreadyExempt: ids.length - inserted };
      });
    },

    async listExemptions(actor: Actor, id: string, f: { limit?: number; offset?: number }, db: DbOrTx = deps.db) {
      const c = await visible(db, actor, id);
      // Rows and total under the same scope filter: the count must not reveal exemptions elsewhere.
      const { rows, total } = await repo.listExemptions(db, c.id, scopePrefix(actor), f.limit ?? 50, f.offset ?? 0);
      return {
        items: rows.map((r) => ({ personId: r.person_id, jurisdictionPath: r.jurisdiction_path, reason: r.reason, createdBy: { id: r.created_by, name: r.created_by_name }, createdAt: Number(r.created_at) })),
        total,
      };
    },
  };
}

export type CampaignService = ReturnType<typeof createCampaignService>;
