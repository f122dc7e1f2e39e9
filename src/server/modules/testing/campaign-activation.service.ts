import type { JurisdictionDto, JurisdictionLevel } from '../../../common/geo.js';
import { JURISDICTION_LEVELS } from '../../../common/geo.js';
import { AREA_MEASURE_STATUSES } from '../../../common/control.js';
import { inTx, type Db, type DbOrTx, type Tx } from '../../db/dialect.js';
import type { Actor } from '../../platform/actor.js';
import type { Clock } from '../../platform/clock.js';
import { newId } from '../../platform/ids.js';
import type { TestingNeeds } from './testing.inputs.js';
import { poolSizer, type PoolOverride } from './campaign-pools.js';
import { TestingErrors } from './testing.errors.js';
import * as repo from './testing.repository.js';
import { pathPrefixes } from './testing.rules.js';
import type { CampaignDto } from './testing.schemas.js';
import { COVERAGE_MAX_DEPTH, TESTING_SYSTEM, requireCap } from './testing.shared.js';
import { firstItem } from '../../platform/items.js';

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

/** What the activation needs from the campaign facade. */
export interface CampaignActivationHost {
  /** A campaign the actor may manage that is still planned (else 404 / 409). */
  plannedCampaign(db: DbOrTx, actor: Actor, id: string): Promise<repo.CampaignRow>;
  /** Campaign rows as the API returns them. */
  toDto(db: DbOrTx, rows: repo.CampaignRow[]): Promise<CampaignDto[]>;
  /** The pool-mode overrides that the risk areas published now set over the scope. */
  areaOverrides(db: DbOrTx, rootPaths: readonly string[], sealedMode: number): Promise<PoolOverride[]>;
}

/**
 * Campaign activation: the coverage rows of the scope (target = population), the exemptions
 * subtracted, the door-to-door targets of sealed areas, in staged transactions under a lease.
 */
export function createCampaignActivation({
  db,
  clock,
  geo,
  control,
  journal,
  outbox,
  campaigns,
}: {
  db: Db;
  clock: Clock;
  geo: TestingNeeds['geo'];
  control: TestingNeeds['control'];
  journal: TestingNeeds['journal'];
  outbox: TestingNeeds['outbox'];
  campaigns: CampaignActivationHost;
}) {
  const { plannedCampaign, toDto, areaOverrides } = campaigns;

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
   * Before activation: the area overrides again from the areas published now (a compound sealed
   * since the campaign was planned is sampled door to door, not at a 20-in-1 site).
   */
  async function refreshAreaOverrides(tx: DbOrTx, c: repo.CampaignRow): Promise<repo.CampaignRow> {
    if (c.sealed_pool_mode === null || c.sealed_pool_mode === undefined) return c;
    const manual = (JSON.parse(c.pool_overrides) as PoolOverride[]).filter((o) => o.source !== 'area');
    const areas = await areaOverrides(tx, JSON.parse(c.scope_paths) as string[], Number(c.sealed_pool_mode));
    const pool_overrides = JSON.stringify([...manual.filter((o) => !areas.some((a) => o.path.startsWith(a.path))), ...areas]);
    if (pool_overrides === c.pool_overrides) return c;
    await repo.updateCampaignIf(tx, c.id, 'planned', { pool_overrides, updated_at: clock.now() });
    return { ...c, pool_overrides };
  }

  /**
   * Residents under the SEALED area measure per coverage node (the door-to-door channel), walked
   * top-down like the exemptions.
   */
  async function sealedResidents(tx: Tx, campaignId: string, roots: readonly JurisdictionDto[]): Promise<Map<string, number>> {
    return controlExempt(tx, campaignId, roots, ['sealed']);
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
    const now = clock.now();
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
    const now = clock.now();
    const roots = await geo.getMany(JSON.parse(c.scope_ids) as string[], tx);
    // Ancestors above the scope count only the part of them inside it (roots never nest).
    const ancestorPopulation = new Map<string, number>();
    for (const root of roots)
      for (const p of pathPrefixes(root.path).slice(0, -1)) ancestorPopulation.set(p, (ancestorPopulation.get(p) ?? 0) + root.population);
    const ancestors = await geo.getManyByPath([...ancestorPopulation.keys()], tx);
    const poolSize = poolSizer(c);
    await repo.insertCoverage(
      tx,
      ancestors.map((n) => coverageRow(c, poolSize, n, ancestorPopulation.get(n.path)!, now)),
    );
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
      const statuses = await control.statusesOf(
        manual.rows.map((r) => r.person_id),
        tx,
      );
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

    const rootRows = await repo.findCoverageMany(
      tx,
      c.id,
      roots.map((r) => r.path),
    );
    const targetTotal = rootRows.reduce((a, r) => a + Number(r.target), 0);
    const exemptTotal = rootRows.reduce((a, r) => a + Number(r.exempt), 0);
    if (
      !(await repo.updateCampaignIf(tx, c.id, 'planned', {
        status: 'active',
        activated_at: now,
        target_total: targetTotal,
        exempt_total: exemptTotal,
        coverage_published_at: now,
        activation_token: null,
        activation_lease_until: null,
        updated_at: now,
      }))
    ) {
      throw TestingErrors.CAMPAIGN_NOT_PLANNED({ id });
    }
    await journal.append(tx, actor, {
      action: 'testing.campaign.activate',
      entityType: 'testing_campaign',
      entityId: c.id,
      jurisdictionPath: c.scope_path,
      payload: { target: targetTotal, exempt: exemptTotal, nodes, doorToDoor: sealed.size ? roots.reduce((a, r) => a + (sealed.get(r.path) ?? 0), 0) : 0 },
    });
    await outbox.publish(tx, {
      topic: 'testing.campaign.changed',
      capability: 'testing.read',
      reach: 'overlap',
      jurisdictionPath: c.scope_path,
      payload: { id: c.id, status: 'active' },
    });
    return firstItem(await toDto(tx, [(await repo.findCampaign(tx, c.id))!]), 'the campaign');
  }

  return {
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
      const c = await refreshAreaOverrides(db, await plannedCampaign(db, actor, id));
      // One activation at a time, across every server on the database: each step renews the lease
      // in its own transaction, and stops if another attempt holds it.
      const token = newId(clock.now());
      const holdLease = async (tx: DbOrTx) => {
        const now = clock.now();
        if (await repo.takeActivationLease(tx, c.id, token, now, now + ACTIVATION_LEASE_MS)) return;
        const status = (await repo.findCampaign(tx, c.id))?.status;
        throw TestingErrors.CAMPAIGN_NOT_PLANNED({ id, status: status === 'planned' ? 'activating' : status });
      };
      try {
        await inTx(db, async (tx) => {
          await holdLease(tx);
          await repo.deleteCoverage(tx, c.id);
        });
        const nodes = await copyNodes(db, c, (write) =>
          inTx(db, async (tx) => {
            await holdLease(tx);
            await write(tx);
          }).then(() => new Promise<void>((resolve) => setImmediate(resolve))),
        );
        return await inTx(db, async (tx) => {
          await holdLease(tx);
          return finishActivation(tx, actor, c.id, nodes);
        });
      } catch (err) {
        await repo.releaseActivationLease(db, c.id, token).catch(() => undefined);
        throw err;
      }
    },
  };
}
