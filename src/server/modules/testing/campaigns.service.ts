import type { TestingInputs } from './testing.inputs.js';
import { inTx, type DbOrTx, type Tx } from '../../db/dialect.js';
import { inScope, scopePrefix, type Actor } from '../../platform/actor.js';
import { HOUR } from '../../platform/clock.js';
import { newId } from '../../platform/ids.js';
import { createCampaignActivation } from './campaign-activation.service.js';
import { poolSizeAt, type PoolOverride } from './campaign-pools.js';
import { TestingErrors } from './testing.errors.js';
import * as repo from './testing.repository.js';
import { AREA_MEASURE_STATUSES } from '../../../common/control.js';
import {
  AREA_POOL_RULE,
  DEFAULT_CAMPAIGN_HOURS,
  DEFAULT_EXEMPT_STATUSES,
  DEFAULT_RECHECK_HOURS,
  POOL_MODES,
  commonPath,
  pathPrefixes,
} from './testing.rules.js';
import type { CampaignDto, CreateCampaignInput } from './testing.schemas.js';
import { CoverageDeltas, campaignDto, inCampaignScope, requireCap } from './testing.shared.js';
import { firstItem } from '../../platform/items.js';

export { poolSizeAt, type PoolOverride } from './campaign-pools.js';

/** Whether the actor may read a campaign: its scope overlaps theirs (inside it, or containing it). */
export function canReadCampaign(actor: Pick<Actor, 'scopePath'>, c: Pick<repo.CampaignRow, 'scope_path' | 'scope_paths'>): boolean {
  if (actor.scopePath === '/') return true;
  if (actor.scopePath.startsWith(c.scope_path)) return true;
  return (JSON.parse(c.scope_paths) as string[]).some((p) => p.startsWith(actor.scopePath) || actor.scopePath.startsWith(p));
}

/**
 * Campaigns (核酸检测轮次): scope, dates, pooling, exemptions; activation computes and stores the
 * target population per jurisdiction node, so coverage never scans persons.
 */
/**
 * Records exemptions (a person already exempt is skipped) and, in an active campaign, moves each newly
 * exempted person from the target to `exempt` at their node and above. Returns the newly exempted ids.
 * One path for the hand exemption below and the one found at the door (knock-exemptions.service.ts).
 */
export async function recordExemptions(
  tx: Tx,
  c: { id: string; status: string },
  rows: Parameters<typeof repo.insertExemptions>[1],
  now: number,
): Promise<Set<string>> {
  const fresh = await repo.insertExemptions(tx, rows);
  if (c.status === 'active' && fresh.size) {
    const pathOf = new Map(rows.map((r) => [r.person_id, r.jurisdiction_path]));
    const deltas = new CoverageDeltas();
    for (const p of fresh) {
      deltas.add(pathOf.get(p)!, 'target', -1);
      deltas.add(pathOf.get(p)!, 'exempt', 1);
    }
    await repo.applyCoverageDeltas(tx, c.id, deltas.byPath, now);
    await repo.addCampaignTotals(tx, c.id, -fresh.size, fresh.size, now);
  }
  return fresh;
}

export function createCampaignService(deps: TestingInputs<'db' | 'clock', 'geo' | 'control' | 'journal' | 'outbox' | 'population' | 'zoning'>) {
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
    const now = deps.clock.now();
    return rows.map((r) => campaignDto(r, names, now));
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
      .map((n) => ({
        jurisdictionId: ids.get(n.path)!,
        path: n.path,
        poolSize: n.measure === 'sealed' ? sealedMode : AREA_POOL_RULE.controlled.mode,
        source: 'area' as const,
        level: n.measure === 'sealed' ? ('high' as const) : ('medium' as const),
      }));
  }

  /** A manual override inside a risk area is refused: the area's rule decides there. */
  function checkManualOverrides(manual: readonly PoolOverride[], areas: readonly PoolOverride[]): void {
    for (const o of manual) {
      const inside = areas.find((a) => o.path.startsWith(a.path));
      if (inside)
        throw TestingErrors.POOL_OVERRIDE_IN_RISK_AREA({
          field: 'poolOverrides',
          jurisdictionId: o.jurisdictionId,
          areaPath: inside.path,
          areaPoolSize: inside.poolSize,
        });
    }
  }

  async function plannedCampaign(db: DbOrTx, actor: Actor, id: string): Promise<repo.CampaignRow> {
    const c = await manageable(db, actor, id);
    if (c.status !== 'planned') throw TestingErrors.CAMPAIGN_NOT_PLANNED({ id, status: c.status });
    return c;
  }

  const activation = createCampaignActivation({
    db: deps.db,
    clock: deps.clock,
    geo,
    control,
    journal,
    outbox: deps.services.outbox,
    campaigns: { plannedCampaign, toDto, areaOverrides },
  });

  return {
    visible,
    manageable,
    poolSizeAt,

    /** Activates a planned campaign (coverage rows, exemptions, door-to-door targets): campaign-activation.service.ts. */
    activate: activation.activate,

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
        const roots = [...new Map(nodes.map((n) => [n.path, n])).values()]
          .filter((n) => !nodes.some((o) => o.path !== n.path && n.path.startsWith(o.path)))
          .sort((a, b) => a.path.localeCompare(b.path));
        const startsAt = input.startsAt ?? now;
        const deadlineAt = input.deadlineAt ?? startsAt + DEFAULT_CAMPAIGN_HOURS * HOUR;
        if (deadlineAt <= startsAt) throw TestingErrors.CAMPAIGN_INVALID({ field: 'deadlineAt', problem: 'must be after startsAt' });
        const overrideNodes = await geo.getMany(
          (input.poolOverrides ?? []).map((o) => o.jurisdictionId),
          tx,
        );
        const manual: PoolOverride[] = (input.poolOverrides ?? []).map((o) => {
          const n = overrideNodes.find((x) => x.id === o.jurisdictionId);
          if (
            !n ||
            !inCampaignScope(
              roots.map((r) => r.path),
              n.path,
            )
          )
            throw TestingErrors.CAMPAIGN_INVALID({ field: 'poolOverrides', jurisdictionId: o.jurisdictionId, problem: 'not inside the scope' });
          if (!(POOL_MODES as readonly number[]).includes(o.poolSize)) throw TestingErrors.POOL_SIZE_INVALID({ poolSize: o.poolSize });
          return { jurisdictionId: n.id, path: n.path, poolSize: o.poolSize, source: 'manual' };
        });
        // Campaigns over risk areas take their pool mode from the area (the regional testing guide).
        const sealedMode = input.poolFromAreas === false ? null : (input.sealedPoolMode ?? AREA_POOL_RULE.sealed.mode);
        const areas =
          sealedMode === null
            ? []
            : await areaOverrides(
                tx,
                roots.map((r) => r.path),
                sealedMode,
              );
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
          payload: {
            name: row.name,
            scope: roots.map((r) => r.path),
            startsAt,
            deadlineAt,
            poolSize,
            overrides: overrides.map((o) => ({ path: o.path, poolSize: o.poolSize, source: o.source })),
            exemptStatuses: JSON.parse(row.exempt_statuses),
          },
        });
        return firstItem(await toDto(tx, [row]), 'the campaign');
      });
    },

    async get(actor: Actor, id: string, db: DbOrTx = deps.db): Promise<CampaignDto> {
      return firstItem(await toDto(db, [await visible(db, actor, id)]), 'the campaign');
    },

    /** Campaigns overlapping the actor's scope, newest first. */
    async list(actor: Actor, f: { status?: string; limit?: number; offset?: number }, db: DbOrTx = deps.db): Promise<{ items: CampaignDto[]; total: number }> {
      const scope = scopePrefix(actor);
      const { rows, total } = await repo.listCampaigns(db, {
        scope,
        ancestors: scope ? pathPrefixes(scope).slice(0, -1) : [],
        status: f.status,
        limit: f.limit ?? 50,
        offset: f.offset ?? 0,
      });
      return { items: await toDto(db, rows), total };
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
        await journal.append(tx, actor, {
          action: 'testing.campaign.close',
          entityType: 'testing_campaign',
          entityId: c.id,
          jurisdictionPath: c.scope_path,
          payload: { status: 'closed' },
        });
        await deps.services.outbox.publish(tx, {
          topic: 'testing.campaign.changed',
          capability: 'testing.read',
          reach: 'overlap',
          jurisdictionPath: c.scope_path,
          payload: { id: c.id, status: 'closed' },
        });
        return firstItem(await toDto(tx, [(await repo.findCampaign(tx, c.id))!]), 'the campaign');
      });
    },

    /**
     * Exempts persons with a reason (they are tested on their own schedule). Before activation the
     * target is computed without them; on an active campaign the counters move at once.
     */
    async exempt(
      trx: Tx | undefined,
      actor: Actor,
      id: string,
      input: { personIds: readonly string[]; reason: string },
    ): Promise<{ exempted: number; alreadyExempt: number }> {
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
        const rows = ids.map((p) => ({
          campaign_id: c.id,
          person_id: p,
          jurisdiction_path: paths.get(p)!,
          reason,
          created_by: actor.userId,
          created_by_name: actor.name,
          created_at: now,
        }));
        const inserted = (await recordExemptions(tx, c, rows, now)).size;
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
        items: rows.map((r) => ({
          personId: r.person_id,
          jurisdictionPath: r.jurisdiction_path,
          reason: r.reason,
          createdBy: { id: r.created_by, name: r.created_by_name },
          createdAt: Number(r.created_at),
        })),
        total,
      };
    },
  };
}

export type CampaignService = ReturnType<typeof createCampaignService>;
