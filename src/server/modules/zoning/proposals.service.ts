import { msg } from '../../../common/message-text.js';
import { LEVEL_LABELS } from '../../../common/geo.js';
import {
  DEFAULT_MEASURES,
  GRANULARITIES,
  GRANULARITY_RANK,
  type AreaDetailDto,
  type GenerateProposalsResultDto,
  type Granularity,
  type MeasureKind,
  type RiskLevel,
} from '../../../common/zoning.js';
import type { AdjustAreaBody, CreateAreaBody } from './zoning.schemas.js';
import { inTx, type DbOrTx, type Tx } from '../../db/dialect.js';
import { inScope, type Actor } from '../../platform/actor.js';
import { Errors } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { HOUR, calendarDay } from '../../platform/clock.js';
import { commonPath } from '../../platform/paths.js';
import type { PresetDto } from '../cases/index.js';
import { ZoningErrors } from './zoning.errors.js';
import * as repo from './zoning.repository.js';
import { granularityOf, normalizeNodes, pathAt } from './zoning.rules.js';
import type { AreaRecorder } from './area-events.service.js';
import type { AreaReader } from './areas.service.js';
import {
  CASE_LOOKBACK_MS,
  SYS,
  checkLevel,
  districtOf,
  firstOf,
  narrowTo,
  prefixesOf,
  requireCap,
  visibleArea,
  type Node,
  type ZoningInputs,
} from './zoning.shared.js';

/**
 * Proposals (风险区划定): from the cases' residences and visited places at the active preset's
 * granularity, drawn by hand, adjusted and rejected while proposed. Places a case only visited under
 * November 2022 become a notice (a task) to the unit owning the place's jurisdiction.
 */
export function createProposalService(io: ZoningInputs, reader: AreaReader, recorder: AreaRecorder) {
  const { geo, cases, journal } = io;
  const { compute, toDto, detail, nodesOfArea } = reader;
  const { record } = recorder;

  /**
   * Nodes by id: each must exist inside the actor's scope (404 otherwise: a node of another district
   * is answered exactly like a missing one, never named) and be an area level (422).
   */
  async function resolveNodes(db: DbOrTx, actor: Actor, ids: readonly string[], drawAt?: Granularity): Promise<Node[]> {
    const unique = [...new Set(ids)];
    if (!unique.length) throw ZoningErrors.ZONING_NODES_REQUIRED();
    const found = new Map((await geo.getMany(unique, db)).map((n) => [n.id, n]));
    const missing = unique.filter((id) => {
      const n = found.get(id);
      return !n || !inScope(actor, n.path);
    });
    if (missing.length) throw ZoningErrors.ZONING_NODE_NOT_FOUND({ jurisdictionIds: missing });
    const nodes = unique.map((id) => found.get(id)!);
    const badLevel = nodes.filter((n) => !(GRANULARITIES as readonly string[]).includes(n.level));
    if (badLevel.length)
      throw ZoningErrors.ZONING_NODE_LEVEL_INVALID({ nodes: badLevel.map((n) => ({ id: n.id, name: n.name, level: n.level })), allowed: GRANULARITIES });
    if (!drawAt) return nodes;
    // Draw at a finer level: every node of that level under each given node.
    const out: Node[] = [];
    const lacking: { id: string; name: string; level: string }[] = [];
    for (const n of nodes) {
      if (n.level === drawAt) {
        out.push(n);
        continue;
      }
      const finer =
        GRANULARITY_RANK[drawAt] < GRANULARITY_RANK[n.level as Granularity] ? await geo.subtree(SYS, n.id, { level: drawAt, limit: 50_000 }, db) : [];
      if (!finer.length) lacking.push({ id: n.id, name: n.name, level: n.level });
      out.push(...finer);
    }
    if (lacking.length) throw ZoningErrors.ZONING_GRANULARITY_UNAVAILABLE({ drawAt, nodes: lacking });
    return out;
  }

  /** Names for an area: the compound (and building, entrance) names of its first node, plus "等 N 处". */
  async function nameFor(db: DbOrTx, nodes: readonly Node[]): Promise<string> {
    const first = firstOf(nodes, 'area nodes');
    const prefixes: string[] = [];
    for (const l of ['compound', 'building', 'entrance'] as const) {
      const p = pathAt(first.path, l);
      if (p) prefixes.push(p);
    }
    const chain = (await geo.getManyByPath(prefixes, db)).sort((a, b) => a.depth - b.depth).map((n) => n.name);
    const base = chain.length ? chain.join('') : first.name;
    return nodes.length > 1 ? `${base}等${nodes.length}处` : base;
  }

  /** Cited cases and contacts must exist and lie in the actor's scope; one outside answers as a missing one (422). */
  async function checkBasis(db: DbOrTx, actor: Actor, basis: CreateAreaBody['basis'] | undefined): Promise<{ caseIds: string[]; contactIds: string[] }> {
    const caseIds = [...new Set(basis?.caseIds ?? [])];
    const contactIds = [...new Set(basis?.contactIds ?? [])];
    if (!caseIds.length && !contactIds.length) throw ZoningErrors.ZONING_BASIS_REQUIRED();
    const foundCases = new Set((await cases.casesForZoning({ ids: caseIds }, db)).filter((c) => inScope(actor, c.path)).map((c) => c.id));
    const foundContacts = new Set((await cases.contactsForZoning({ ids: contactIds }, db)).filter((c) => inScope(actor, c.path)).map((c) => c.id));
    const missing = { caseIds: caseIds.filter((id) => !foundCases.has(id)), contactIds: contactIds.filter((id) => !foundContacts.has(id)) };
    if (missing.caseIds.length || missing.contactIds.length) throw ZoningErrors.ZONING_BASIS_NOT_FOUND(missing);
    return { caseIds, contactIds };
  }

  function shape(nodes: readonly Node[]) {
    const kept = normalizeNodes(nodes);
    const path = commonPath(kept.map((n) => n.path));
    return {
      kept,
      path,
      district: districtOf(path),
      granularity: granularityOf(kept.map((n) => n.level)),
      population: kept.reduce((s, n) => s + n.population, 0),
    };
  }

  /** Inserts a proposed area with its nodes and the `proposed` event. */
  async function insertProposal(
    trx: Tx,
    actor: Actor,
    preset: PresetDto,
    p: {
      name?: string;
      level: RiskLevel;
      nodes: Node[];
      measures?: MeasureKind[];
      basis: { caseIds: string[]; contactIds: string[] };
      source: 'proposal' | 'manual';
      sourceKey: string | null;
      note?: string | null;
    },
  ): Promise<repo.AreaRow> {
    const now = io.clock.now();
    const s = shape(p.nodes);
    const row: repo.AreaRow = {
      id: newId(now),
      name: p.name?.trim() || (await nameFor(trx, s.kept)),
      status: 'proposed',
      level: p.level,
      granularity: s.granularity,
      measures: JSON.stringify(p.measures?.length ? [...new Set(p.measures)] : DEFAULT_MEASURES[p.level]),
      basis_case_ids: JSON.stringify(p.basis.caseIds),
      basis_contact_ids: JSON.stringify(p.basis.contactIds),
      jurisdiction_path: s.path,
      district_path: s.district,
      node_count: s.kept.length,
      population: s.population,
      preset_id: preset.id,
      preset_version: preset.label,
      preset_name: preset.name,
      source: p.source,
      source_key: p.sourceKey,
      proposed_by: actor.userId,
      proposed_by_name: actor.name,
      proposed_at: now,
      published_by: null,
      published_by_name: null,
      published_at: null,
      owner_unit_id: null,
      level_since: null,
      lifted_by: null,
      lifted_by_name: null,
      lifted_at: null,
      rejected_by: null,
      rejected_by_name: null,
      rejected_at: null,
      reject_reason: null,
      justification: null,
      justified_by_name: null,
      justified_at: null,
      negative_round_at: null,
      negative_round_note: null,
      round_key: null,
      round_campaign_id: null,
      last_case_id: null,
      last_case_at: null,
      lift_task_id: null,
      lift_task_level: null,
      overdue_alert_level: null,
      created_at: now,
      updated_at: now,
    };
    await repo.insertArea(trx, row);
    await repo.insertNodes(
      trx,
      s.kept.map((n) => ({ area_id: row.id, jurisdiction_id: n.id, path: n.path, level: n.level })),
    );
    await record(trx, actor, row, 'proposed', {
      reason: p.note ?? null,
      details: { source: p.source, basis: p.basis, preset: preset.label, granularity: s.granularity },
      nodeIds: s.kept.map((n) => n.id),
    });
    return row;
  }

  /**
   * November 2022: a place a case only visited → a task to the unit owning the place's jurisdiction
   * (the nearest node at or above it with an active unit), once per place (kept in zoning_meta as
   * `notice|<preset>|<place>`). Returns undefined when already noticed, null when no unit owns it.
   */
  async function noticeOwner(
    tx: Tx,
    actor: Actor,
    presetLabel: string,
    p: { placeId: string; caseId: string; path: string; description: string | null; fromAt: number; toAt: number },
  ): Promise<GenerateProposalsResultDto['notices'][number] | null | undefined> {
    const key = `notice|${presetLabel}|${p.placeId}`;
    if ((await repo.readMeta(tx, key)) !== undefined) return undefined;
    const chain = prefixesOf(p.path).reverse();
    const nodes = new Map((await geo.getManyByPath(chain, tx)).map((n) => [n.path, n]));
    for (const path of chain) {
      const node = nodes.get(path);
      if (!node) continue;
      const { items } = await io.units.list(SYS, { jurisdictionId: node.id, active: true, limit: 20 }, tx);
      const unit = items.find((u) => u.kind !== 'lab' && u.kind !== 'facility') ?? items[0];
      if (!unit) continue;
      const tz = io.tz;
      const from = calendarDay(p.fromAt, tz);
      const to = calendarDay(p.toAt, tz);
      const where = nodes.get(p.path)?.name ?? node.name;
      const task = await io.tasks.create(tx, actor, {
        title: msg('zoning.auto.place.title', { place: where }),
        subject: { kind: 'place', text: where },
        description: msg('zoning.auto.place.body', {
          place: where,
          when: from === to ? { day: from } : msg('zoning.auto.dayRange', { from: { day: from }, to: { day: to } }),
          note: p.description ? msg('zoning.auto.placeNote', { text: p.description }) : '',
        }),
        sourceModule: 'zoning',
        sourceEntityType: 'case',
        sourceEntityId: p.caseId,
        assigneeUnitId: unit.id,
        jurisdictionPath: node.path,
        priority: 'high',
        dueAt: io.clock.now() + 24 * HOUR,
      });
      await repo.writeMeta(tx, key, task.id, io.clock.now());
      await journal.append(tx, actor, {
        action: 'zoning.place.noticed',
        entityType: 'case',
        entityId: p.caseId,
        jurisdictionPath: node.path,
        payload: { placeId: p.placeId, unitId: unit.id, taskId: task.id, preset: presetLabel },
      });
      return { placeId: p.placeId, caseId: p.caseId, unitId: unit.id, unitName: unit.name, taskId: task.id };
    }
    return null;
  }

  return {
    /**
     * Proposals from the cases' residences and visited places (clusters not extinguished). A case's
     * residence becomes a HIGH-area proposal at the granularity the active preset requires (November
     * 2022: the building; 9th edition: the compound). A place the case only visited (work and
     * activity places of the investigation) is never a high area by default: under the 9th edition
     * it becomes a MEDIUM-area proposal at the place itself (medium areas have no fixed
     * granularity); under November 2022 (no medium level) a notice, a task to the unit owning the
     * place's jurisdiction. A place known only more coarsely, or a node already covered by an open
     * area, is skipped with the reason.
     */
    async generateProposals(trx: Tx | undefined, actor: Actor, f: { jurisdictionId?: string } = {}): Promise<GenerateProposalsResultDto> {
      requireCap(actor, 'area.propose');
      return inTx(trx ?? io.db, async (tx) => {
        const preset = await cases.presets.active(tx);
        const zoning = preset.params.zoning;
        const high = firstOf(zoning.levels, 'preset levels');
        const gran = (zoning.granularity[high] ?? 'building') as Granularity;
        const visitedAsMedium = zoning.visitedPlaces === 'medium_area' && zoning.levels.includes('medium');
        const under = await narrowTo(geo, tx, actor, f.jurisdictionId, actor.scopePath);
        const places = (await cases.placesForProposals(true, tx)).filter((p) => p.path.startsWith(under));
        const since = io.clock.now() - CASE_LOOKBACK_MS;
        const recent = (await cases.casesForZoning({ since }, tx)).filter((c) => c.active);
        const caseIds = [...new Set([...places.map((p) => p.caseId), ...recent.map((c) => c.id)])];
        const residences = (await cases.casesForZoning({ ids: caseIds }, tx)).filter((c) => c.path.startsWith(under));
        const skipped: GenerateProposalsResultDto['skipped'] = [];
        const notices: GenerateProposalsResultDto['notices'] = [];
        /** Target node path → level and the cases behind it. */
        const targets = new Map<string, { level: RiskLevel; caseIds: Set<string> }>();
        const add = (path: string, level: RiskLevel, caseId: string) => {
          const t = targets.get(path);
          if (t) t.caseIds.add(caseId);
          else targets.set(path, { level, caseIds: new Set([caseId]) });
        };
        for (const c of residences) {
          const target = pathAt(c.path, gran);
          if (!target)
            skipped.push({
              placeId: `residence:${c.id}`,
              caseId: c.id,
              reason: `住址仅精确到更粗的层级，无法按${LEVEL_LABELS[gran].zh}划定 · The residence is known only above ${gran} level; draw it by hand`,
            });
          else add(target, high, c.id);
        }
        const residencePaths = new Set(targets.keys());
        for (const p of places) {
          if (residencePaths.has(pathAt(p.path, gran) ?? '')) continue; // the case's own building/compound: already its residence's area
          if (visitedAsMedium) {
            if (!(GRANULARITIES as readonly string[]).includes(p.level))
              skipped.push({
                placeId: p.placeId,
                caseId: p.caseId,
                reason: `到访场所层级为${p.level}，中风险区须按楼栋、小区、社区或街道手工划定 · A visited place at ${p.level} level; draw the medium area by hand`,
              });
            else add(p.path, 'medium', p.caseId);
          } else {
            const n = await noticeOwner(tx, actor, preset.label, p);
            if (n) notices.push(n);
            else if (n === null)
              skipped.push({ placeId: p.placeId, caseId: p.caseId, reason: "场所所在辖区没有在岗单位可通知 · No active unit owns the place's jurisdiction" });
          }
        }
        const nodes = new Map((await geo.getManyByPath([...targets.keys()], tx)).map((n) => [n.path, n]));
        const keyOf = (path: string, level: RiskLevel) => (level === high ? `${preset.label}|${path}` : `${preset.label}|${level}|${path}`);
        const keys = [...targets].map(([p, t]) => keyOf(p, t.level));
        const taken = new Set((await repo.openBySourceKey(tx, keys)).map((r) => r.source_key));
        const open = await repo.listAreas(tx, { statuses: ['proposed', 'published'], prefix: null });
        const openNodes = await repo.nodesOfMany(
          tx,
          open.rows.map((r) => r.id),
        );
        const created: repo.AreaRow[] = [];
        const allContacts = await cases.contactsForZoning({ caseIds: caseIds }, tx);
        for (const [path, t] of targets) {
          const node = nodes.get(path);
          const key = keyOf(path, t.level);
          const firstCase = firstOf(t.caseIds, 'target cases');
          if (!node) {
            skipped.push({ placeId: path, caseId: firstCase, reason: `地图上没有该${LEVEL_LABELS[gran].zh} · No ${gran} node on the map at ${path}` });
            continue;
          }
          const cover = openNodes.find((n) => path.startsWith(n.path));
          if (taken.has(key) || cover) {
            skipped.push({
              placeId: node.id,
              caseId: firstCase,
              reason: `已被风险区覆盖 · Already covered by an open area${cover ? ` (${cover.area_id})` : ''}`,
            });
            continue;
          }
          if (!inScope(actor, node.path)) continue;
          const contactIds = allContacts.filter((c) => t.caseIds.has(c.caseId) && c.category === 'close' && c.path && c.path.startsWith(path)).map((c) => c.id);
          const note = t.level === 'medium' ? '病例到访的工作、活动场所（流调） · A place the case visited (investigation)' : null;
          created.push(
            await insertProposal(tx, actor, preset, {
              level: t.level,
              nodes: [node],
              basis: { caseIds: [...t.caseIds], contactIds },
              source: 'proposal',
              sourceKey: key,
              note,
            }),
          );
        }
        return { created: (await compute(tx, created)).map(toDto), skipped, notices };
      });
    },

    /** A proposal drawn by hand (nodes, level among the active preset's, basis of cases/contacts). */
    async create(trx: Tx | undefined, actor: Actor, input: CreateAreaBody): Promise<AreaDetailDto> {
      requireCap(actor, 'area.propose');
      return inTx(trx ?? io.db, async (tx) => {
        const preset = await cases.presets.active(tx);
        const level = checkLevel(preset, input.level);
        const basis = await checkBasis(tx, actor, input.basis);
        const nodes = await resolveNodes(tx, actor, input.jurisdictionIds ?? [], input.drawAt);
        const row = await insertProposal(tx, actor, preset, {
          name: input.name,
          level,
          nodes,
          measures: input.measures,
          basis,
          source: 'manual',
          sourceKey: null,
          note: input.note ?? null,
        });
        return detail(tx, row);
      });
    },

    /** Adjusts a proposed area: nodes added/removed, level (among the active preset's), measures, name. */
    async adjust(trx: Tx | undefined, actor: Actor, id: string, input: AdjustAreaBody): Promise<AreaDetailDto> {
      requireCap(actor, 'area.propose');
      const reason = input.reason?.trim();
      if (!reason) throw Errors.REASON_REQUIRED();
      return inTx(trx ?? io.db, async (tx) => {
        const a = await visibleArea(tx, actor, id);
        if (a.status !== 'proposed') throw ZoningErrors.ZONING_NOT_PROPOSED({ id, status: a.status });
        const preset = await cases.presets.active(tx);
        const level = input.level ? checkLevel(preset, input.level) : a.level;
        const current = await nodesOfArea(tx, a.id);
        const added = input.addJurisdictionIds?.length ? await resolveNodes(tx, actor, input.addJurisdictionIds) : [];
        const removeIds = new Set(input.removeJurisdictionIds ?? []);
        const next = [...current.filter((n) => !removeIds.has(n.id)), ...added.filter((n) => !current.some((c) => c.id === n.id))];
        if (!next.length) throw ZoningErrors.ZONING_NODES_REQUIRED();
        const s = shape(next);
        const keptIds = new Set(s.kept.map((n) => n.id));
        const drop = current.filter((n) => !keptIds.has(n.id)).map((n) => n.id);
        const add = s.kept.filter((n) => !current.some((c) => c.id === n.id));
        await repo.deleteNodes(tx, a.id, drop);
        await repo.insertNodes(
          tx,
          add.map((n) => ({ area_id: a.id, jurisdiction_id: n.id, path: n.path, level: n.level })),
        );
        const set: Partial<repo.AreaRow> = {
          level,
          name: input.name?.trim() || a.name,
          measures: input.measures
            ? JSON.stringify([...new Set(input.measures)])
            : input.level && input.level !== a.level
              ? JSON.stringify(DEFAULT_MEASURES[level])
              : a.measures,
          granularity: s.granularity,
          jurisdiction_path: s.path,
          district_path: s.district,
          node_count: s.kept.length,
          population: s.population,
          updated_at: io.clock.now(),
        };
        if (!(await repo.updateArea(tx, a.id, 'proposed', set))) throw ZoningErrors.ZONING_NOT_PROPOSED({ id });
        const after = { ...a, ...set };
        await record(tx, actor, after, 'adjusted', {
          reason,
          details: {
            from: { level: a.level, granularity: a.granularity },
            to: { level, granularity: s.granularity },
            added: add.map((n) => n.id),
            removed: drop,
          },
          nodeIds: s.kept.map((n) => n.id),
        });
        return detail(tx, after);
      });
    },
    /** Rejects a proposed area with a reason. */
    async reject(trx: Tx | undefined, actor: Actor, id: string, reason: string): Promise<AreaDetailDto> {
      requireCap(actor, 'area.publish');
      const why = reason?.trim();
      if (!why) throw Errors.REASON_REQUIRED();
      return inTx(trx ?? io.db, async (tx) => {
        const a = await visibleArea(tx, actor, id);
        if (a.status !== 'proposed') throw ZoningErrors.ZONING_NOT_PROPOSED({ id, status: a.status });
        const now = io.clock.now();
        const set: Partial<repo.AreaRow> = {
          status: 'rejected',
          rejected_by: actor.userId,
          rejected_by_name: actor.name,
          rejected_at: now,
          reject_reason: why,
          updated_at: now,
        };
        if (!(await repo.updateArea(tx, a.id, 'proposed', set))) throw ZoningErrors.ZONING_NOT_PROPOSED({ id });
        const after = { ...a, ...set };
        await record(tx, actor, after, 'rejected', { reason: why });
        return detail(tx, after);
      });
    },
  };
}
