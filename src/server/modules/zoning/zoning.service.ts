import ExcelJS from 'exceljs';
import { LEVEL_LABELS, type JurisdictionDto, type JurisdictionLevel } from '../../../common/geo.js';
import {
  DEFAULT_MEASURES,
  DEFAULT_RATIO_THRESHOLD,
  GRANULARITIES,
  GRANULARITY_RANK,
  LEVEL_CONTROL_STATUS,
  RISK_LEVEL_LABELS,
  type AdjustAreaBody,
  type AreaDetailDto,
  type AreaDto,
  type AreaEventDto,
  type AreaEventKind,
  type AreaStatus,
  type CreateAreaBody,
  type DetectorFlagDto,
  type DetectorReportDto,
  type DetectorRowDto,
  type DistrictRollupDto,
  type ExtensionDto,
  type ExtensionStatus,
  type LiftingRoundDto,
  type GenerateProposalsResultDto,
  type Granularity,
  type LiftingScheduleDto,
  type MeasureKind,
  type PublishAreaBody,
  type RiskLevel,
  type StepAreaBody,
  type ZoningSettingsDto,
  type ZoningFeatureProperties,
  type PublicAreaDto,
  type PublicFeatureCollection,
  type PublicZoningDto,
  type ZoningMapDto,
} from '../../../common/zoning.js';
import type { Deps } from '../../deps.js';
import { inTx, type DbOrTx, type Tx } from '../../db/dialect.js';
import { inScope, scopePrefix, systemActor, type Actor } from '../../platform/actor.js';
import { AppError, Errors } from '../../platform/errors.js';
import { registerEntityScope } from '../../platform/http/policy.js';
import { newId } from '../../platform/ids.js';
import { HOUR, addDays, calendarDay, startOfDay } from '../../platform/clock.js';
import { commonPath } from '../../platform/paths.js';
import { STRICTNESS, type ControlStatus } from '../control/control.service.js';
import type { PresetDto } from '../cases/cases.service.js';
import { ZoningErrors } from './zoning.errors.js';
import * as repo from './zoning.repository.js';
import * as situation from './zoning.situation.js';
import * as publicSchemas from './zoning.schemas.js';
import { countdown, coveredBy, granularityOf, highest, metres, nextStep, normalizeNodes, pathAt, type LiftingStep } from './zoning.rules.js';

export { ZoningErrors } from './zoning.errors.js';

const SYS = systemActor('zoning');
export const ZONING_EVALUATE_JOB = 'zoning.evaluate';
export const RATIO_SETTING = 'detector.ratio_threshold';
export const PUBLIC_VERSION = 'public_version';
/** Cases confirmed this long before an area was proposed still count for its countdown and evidence. */
const CASE_LOOKBACK_MS = 30 * 24 * HOUR;

type Node = JurisdictionDto;
type CaseRef = { id: string; path: string; confirmedAt: number; active: boolean };
type NearCase = { caseId: string; confirmedAt: number; distanceM: number };
/** Pool size of a lifting round: single tube in sealed (high) areas, 10-in-1 in controlled (medium) ones, as the testing guides did. */
const ROUND_POOL: Record<RiskLevel, 1 | 10 | 20> = { high: 1, medium: 10, low: 20 };
/** Hours a lifting round runs from the start of its day (the national guidance: a round within 24 h). */
const ROUND_HOURS = 24;
/** Statuses exempt from a lifting round: persons in central quarantine are tested at their facility. Sealed residents are never exempt. */
const ROUND_EXEMPT: ['quarantined_central'] = ['quarantined_central'];

const json = <T>(s: string): T => JSON.parse(s) as T;
const stamp = (id: string | null, name: string | null, at: number | null) => (name !== null && at !== null ? { id, name, at: Number(at) } : null);
const num = (v: number | null) => (v === null ? null : Number(v));

/**
 * Risk areas (风险区). Proposals from cases' residences and places at the preset's granularity;
 * review, adjust, publish (the residents take the measures through the control service, basis
 * `risk_area`), the lifting schedule with tasks and alerts, the 一刀切 detector, the map and the
 * public list. Created after cases (it reads the presets, cases and contacts through that service).
 */
export function createZoningService(deps: Deps) {
  const { journal, outbox, control, geo, population, cases } = deps.services;

  control.registerBasisValidator('risk_area', async (db, id) => (await repo.areaPath(db, id)) !== undefined);
  // A person measure that ends inside a standing area returns the resident to the area's measure.
  control.registerAreaMeasureResolver(async (db, personIds) => {
    const out = new Map<string, { status: 'sealed' | 'controlled'; areaId: string }>();
    if (!personIds.length) return out;
    const paths = await population.pathsOf(personIds, db);
    const allPrefixes = new Set<string>();
    for (const p of paths.values()) for (const pre of prefixesOf(p)) allPrefixes.add(pre);
    const covering = await repo.publishedCovering(db, [...allPrefixes]);
    if (!covering.length) return out;
    for (const [personId, path] of paths) {
      const over = covering.filter((c) => path.startsWith(c.path));
      const top = highest(over.map((c) => c.level as RiskLevel));
      const status = top ? LEVEL_CONTROL_STATUS[top] : null;
      const area = status ? over.find((c) => c.level === top) : undefined;
      if (status && area) out.set(personId, { status, areaId: area.area_id });
    }
    return out;
  });
  registerEntityScope('zoning_area', async (db, id) => {
    const p = await repo.areaPath(db, id);
    return p ? [p] : undefined;
  });

  function requireCap(actor: Actor, cap: 'area.read' | 'area.propose' | 'area.publish'): void {
    if (!actor.capabilities.has(cap)) throw Errors.FORBIDDEN({ capability: cap });
  }

  async function visibleArea(db: DbOrTx, actor: Actor, id: string): Promise<repo.AreaRow> {
    const r = await repo.findArea(db, id);
    if (!r || !inScope(actor, r.jurisdiction_path)) throw ZoningErrors.ZONING_AREA_NOT_FOUND({ id });
    return r;
  }

  // -------------------------------------------------------------------------------------------
  // Nodes

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
    if (badLevel.length) throw ZoningErrors.ZONING_NODE_LEVEL_INVALID({ nodes: badLevel.map((n) => ({ id: n.id, name: n.name, level: n.level })), allowed: GRANULARITIES });
    if (!drawAt) return nodes;
    // Draw at a finer level: every node of that level under each given node.
    const out: Node[] = [];
    const lacking: { id: string; name: string; level: string }[] = [];
    for (const n of nodes) {
      if (n.level === drawAt) {
        out.push(n);
        continue;
      }
      const finer = GRANULARITY_RANK[drawAt] < GRANULARITY_RANK[n.level as Granularity] ? await geo.subtree(SYS, n.id, { level: drawAt, limit: 50_000 }, db) : [];
      if (!finer.length) lacking.push({ id: n.id, name: n.name, level: n.level });
      out.push(...finer);
    }
    if (lacking.length) throw ZoningErrors.ZONING_GRANULARITY_UNAVAILABLE({ drawAt, nodes: lacking });
    return out;
  }

  /** Names for an area: the compound (and building, entrance) names of its first node, plus "等 N 处". */
  async function nameFor(db: DbOrTx, nodes: readonly Node[]): Promise<string> {
    const first = nodes[0];
    const prefixes: string[] = [];
    for (const l of ['compound', 'building', 'entrance'] as const) {
      const p = pathAt(first.path, l);
      if (p) prefixes.push(p);
    }
    const chain = (await geo.getManyByPath(prefixes, db)).sort((a, b) => a.depth - b.depth).map((n) => n.name);
    const base = chain.length ? chain.join('') : first.name;
    return nodes.length > 1 ? `${base}等${nodes.length}处` : base;
  }

  function districtOf(path: string): string {
    return pathAt(path, 'district') ?? path;
  }

  // -------------------------------------------------------------------------------------------
  // Evidence, schedule, detector

  interface Evidence {
    /** Cases confirmed since the earliest relevant time, with their residence node (centroid). */
    cases: CaseRef[];
    nodeByPath: Map<string, Node>;
  }

  async function loadEvidence(db: DbOrTx, since: number, extraPaths: readonly string[] = []): Promise<Evidence> {
    const list = await cases.casesForZoning({ since }, db);
    // A case's residence, and its building and compound: the nearest of them with a centroid places it.
    const paths = list.flatMap((c) => [c.path, pathAt(c.path, 'building'), pathAt(c.path, 'compound')]).filter((p): p is string => !!p);
    const nodeByPath = new Map((await geo.getManyByPath([...new Set([...paths, ...extraPaths])], db)).map((n) => [n.path, n]));
    return { cases: list, nodeByPath };
  }

  /**
   * The lifting schedule of a published area. The countdown runs from the later of the level's
   * start (only when the level came from a step) and the last case whose residence lies inside the
   * area. A case within the preset's near distance (centroid to centroid) does NOT restart it by
   * itself (一区一策): it is returned in `near` and becomes an extension proposal; only an accepted
   * extension moves the anchor. The round and county parts are filled in by `compute`.
   */
  function scheduleOf(a: repo.AreaRow, nodes: readonly Node[], preset: PresetDto, ev: Evidence, now: number, exts: readonly repo.ExtensionRow[]): { schedule: LiftingScheduleDto | null; step: LiftingStep | null; near: NearCase[] } {
    if (a.status !== 'published') return { schedule: null, step: null, near: [] };
    const tz = deps.config.tz;
    const level = a.level as RiskLevel;
    const publishedAt = Number(a.published_at);
    const levelSince = Number(a.level_since ?? publishedAt);
    const stepped = levelSince > publishedAt;
    const step = nextStep(preset.params, level, stepped);
    const near = preset.params.zoning.nearDistanceM;
    const paths = nodes.map((n) => n.path);
    const centroids = nodes.map((n) => n.centroid).filter((c): c is [number, number] => !!c);
    const accepted = new Map(exts.filter((e) => e.status === 'accepted').map((e) => [e.case_id, e]));
    let last: LiftingScheduleDto['lastCase'] = null;
    let activeInside = 0;
    const nearCases: NearCase[] = [];
    for (const c of ev.cases) {
      if (c.confirmedAt > now) continue;
      let where: 'inside' | 'near' | null = null;
      let distanceM: number | null = null;
      if (coveredBy(c.path, paths)) {
        where = 'inside';
        if (c.active) activeInside++;
      } else {
        const at = [c.path, pathAt(c.path, 'building'), pathAt(c.path, 'compound')].map((p) => (p ? ev.nodeByPath.get(p)?.centroid : null)).find((x) => !!x);
        if (at && centroids.length) {
          const d = Math.min(...centroids.map((p) => metres(at, p)));
          if (d <= near) {
            distanceM = Math.round(d);
            nearCases.push({ caseId: c.id, confirmedAt: c.confirmedAt, distanceM });
            if (accepted.has(c.id)) where = 'near';
          }
        }
      }
      if (!where || (last && last.confirmedAt >= c.confirmedAt)) continue;
      const day = calendarDay(c.confirmedAt, tz);
      const reason = where === 'inside' ? `区域内新增病例（${day}），倒计时自该日重新计算 A new case inside the area (${day}) restarts the countdown` : `区域周边 ${distanceM} 米内新增病例（${day}），经决定延长，倒计时自该日重新计算 A new case ${distanceM} m from the area (${day}); extension accepted, the countdown restarts`;
      last = { caseId: c.id, confirmedAt: c.confirmedAt, where, distanceM, reason };
    }
    const anchorAt = Math.max(last?.confirmedAt ?? publishedAt, stepped ? levelSince : -Infinity);
    const base = { lastCase: last, activeCasesInside: activeInside, negativeRound: null, countyClear: null };
    if (!step) return { schedule: { next: null, anchorAt, dueAt: null, daysLeft: null, due: false, overdue: false, ...base }, step, near: nearCases };
    const cd = countdown(anchorAt, step.daysWithoutNewCase, now, tz);
    const roundDay = step.negativeRoundDay === null ? null : addDays(calendarDay(anchorAt, tz), step.negativeRoundDay);
    return {
      schedule: {
        next: { from: step.from, to: step.to, daysWithoutNewCase: step.daysWithoutNewCase, negativeRoundDay: step.negativeRoundDay, whenCountyClear: step.whenCountyClear, source: step.source },
        anchorAt,
        dueAt: cd.dueAt,
        daysLeft: cd.daysLeft,
        due: cd.due,
        overdue: cd.overdue,
        ...base,
        negativeRound: roundDay === null ? null : { dayNumber: step.negativeRoundDay!, day: roundDay, campaignId: null, campaignName: null, target: 0, sampled: 0, negative: 0, positive: 0, passed: false },
      },
      step,
      near: nearCases,
    };
  }

  /** The key a lifting round campaign is made for: the level and the round's calendar day. */
  const roundKey = (a: repo.AreaRow, r: LiftingRoundDto) => `${a.level}|${r.day}`;

  /** Fills a round's numbers from its campaign's coverage (the campaign's top node: the area's residents). */
  async function fillRound(db: DbOrTx, a: repo.AreaRow, r: LiftingRoundDto): Promise<void> {
    if (!a.round_campaign_id || a.round_key !== roundKey(a, r)) return;
    const { testing } = deps.services;
    const campaign = await testing.campaigns.get(SYS, a.round_campaign_id, db);
    r.campaignId = campaign.id;
    r.campaignName = campaign.name;
    if (campaign.status === 'planned') return;
    const cov = await testing.coverage.get(SYS, campaign.id, undefined, db);
    r.target = cov.target;
    r.sampled = cov.sampled;
    r.negative = cov.negative;
    r.positive = cov.positiveTubes + cov.pendingRecheck + cov.recheckPositive;
    r.passed = r.sampled >= r.target && r.negative >= r.target && r.positive === 0;
  }

  /** The round named in words, for errors and tasks: `第5天（2026-12-12）全员核酸「…」：应检 8 人，已采 3 人，阴性 3 人`. */
  function roundText(r: LiftingRoundDto): string {
    const head = `第${r.dayNumber}天（${r.day}）区域内全员核酸`;
    if (!r.campaignId) return `${head}尚未开始（到当天由解封计划自动发起） · the day-${r.dayNumber} round of everyone in the area (${r.day}) has not started yet`;
    return `${head}「${r.campaignName}」：应检 ${r.target} 人，已采样 ${r.sampled} 人，阴性 ${r.negative} 人，阳性或待复核 ${r.positive} · day-${r.dayNumber} round (${r.day}): ${r.sampled}/${r.target} sampled, ${r.negative} negative, ${r.positive} positive or pending`;
  }

  async function ratioThreshold(db: DbOrTx = deps.db): Promise<number> {
    const v = Number(await repo.readMeta(db, RATIO_SETTING));
    return Number.isFinite(v) && v >= 1 ? v : DEFAULT_RATIO_THRESHOLD;
  }

  const presetCache = new Map<string, PresetDto>();
  async function presetOf(db: DbOrTx, id: string): Promise<PresetDto> {
    let p = presetCache.get(id);
    if (!p) presetCache.set(id, (p = await cases.presets.getVersion(id, db)));
    return p;
  }

  interface Computed {
    row: repo.AreaRow;
    nodes: Node[];
    schedule: LiftingScheduleDto | null;
    detector: DetectorRowDto;
    /** Cases within the near distance (extension proposals are raised for them). */
    near: NearCase[];
    extensions: repo.ExtensionRow[];
    /** Publishing needs a second person (not a proposal from evidence, or above control's bulk threshold). */
    needsSecondPerson: boolean;
  }

  /**
   * Schedule and detector numbers for many areas at once: one read of their nodes, of the cases since
   * the earliest of them, of the basis contacts, and of the footprint nodes' populations.
   */
  async function compute(db: DbOrTx, rows: readonly repo.AreaRow[], now = deps.clock.now(), o: { measures?: boolean } = {}): Promise<Computed[]> {
    if (!rows.length) return [];
    const nodeRows = await repo.nodesOfMany(db, rows.map((r) => r.id));
    const nodes = new Map((await geo.getMany([...new Set(nodeRows.map((n) => n.jurisdiction_id))], db)).map((n) => [n.id, n]));
    const nodesOfArea = new Map<string, Node[]>();
    for (const n of nodeRows) {
      const node = nodes.get(n.jurisdiction_id);
      if (!node) continue;
      const list = nodesOfArea.get(n.area_id);
      if (list) list.push(node);
      else nodesOfArea.set(n.area_id, [node]);
    }
    const since = Math.min(...rows.map((r) => Number(r.proposed_at))) - CASE_LOOKBACK_MS;
    const ev = await loadEvidence(db, since);
    // Evidence persons per area: its basis cases, their close contacts, its basis contacts, and active cases inside.
    const basisCaseIds = [...new Set(rows.flatMap((r) => json<string[]>(r.basis_case_ids)))];
    const basisContactIds = [...new Set(rows.flatMap((r) => json<string[]>(r.basis_contact_ids)))];
    const knownCases = new Map(ev.cases.map((c) => [c.id, c]));
    const missingCases = basisCaseIds.filter((id) => !knownCases.has(id));
    for (const c of await cases.casesForZoning({ ids: missingCases }, db)) knownCases.set(c.id, c);
    const contactsOfCases = await cases.contactsForZoning({ caseIds: basisCaseIds }, db);
    const basisContacts = new Map((await cases.contactsForZoning({ ids: basisContactIds }, db)).map((c) => [c.id, c]));
    const threshold = await ratioThreshold(db);
    const bulkLimit = await control.bulkThreshold(db);
    const footprintPaths = new Set<string>();
    const evidencePathsOf = new Map<string, string[]>();
    for (const r of rows) {
      const own = nodesOfArea.get(r.id) ?? [];
      const paths = own.map((n) => n.path);
      const caseIds = new Set(json<string[]>(r.basis_case_ids));
      const ev1 = [
        ...[...caseIds].map((id) => knownCases.get(id)?.path),
        ...contactsOfCases.filter((c) => caseIds.has(c.caseId) && c.category === 'close').map((c) => c.path),
        ...json<string[]>(r.basis_contact_ids).map((id) => basisContacts.get(id)?.path),
        ...ev.cases.filter((c) => c.active && coveredBy(c.path, paths)).map((c) => c.path),
      ].filter((p): p is string => !!p && coveredBy(p, paths));
      // The footprint: where each evidence person lives, at the finest unit the preset draws this level
      // at, but never coarser than the building. An area drawn exactly as the preset asks (a case's
      // building under November 2022) is then not "wider than the evidence" merely because the
      // building has several entrances; a whole compound around one building still is.
      const drawnAt = (await presetOf(db, r.preset_id)).params.zoning.granularity[r.level as RiskLevel];
      const unit = drawnAt === 'entrance' ? (p: string) => pathAt(p, 'entrance') ?? pathAt(p, 'building') : (p: string) => pathAt(p, 'building');
      const fp = ev1.map((p) => unit(p) ?? p).filter((p) => p.split('/').filter(Boolean).length >= 6);
      evidencePathsOf.set(r.id, fp);
      for (const p of fp) footprintPaths.add(p);
    }
    const fpNodes = new Map((await geo.getManyByPath([...footprintPaths], db)).map((n) => [n.path, n]));
    const extsOf = new Map<string, repo.ExtensionRow[]>();
    for (const e of await repo.extensionsOfMany(db, rows.map((r) => r.id))) {
      const list = extsOf.get(e.area_id);
      if (list) list.push(e);
      else extsOf.set(e.area_id, [e]);
    }
    const out: Computed[] = [];
    for (const r of rows) {
      const own = (nodesOfArea.get(r.id) ?? []).sort((a, b) => a.path.localeCompare(b.path));
      const preset = await presetOf(db, r.preset_id);
      const { schedule, near } = scheduleOf(r, own, preset, ev, now, extsOf.get(r.id) ?? []);
      if (schedule?.negativeRound) await fillRound(db, r, schedule.negativeRound);
      if (schedule?.next?.whenCountyClear) {
        const blocking = (await repo.publishedInDistrict(db, r.district_path, ['high', 'medium'])).filter((x) => x.id !== r.id).map((x) => ({ id: x.id, name: x.name, level: x.level as RiskLevel }));
        schedule.countyClear = { clear: blocking.length === 0, blocking };
        if (blocking.length) Object.assign(schedule, { due: false, overdue: false });
      }
      const population = own.reduce((s, n) => s + n.population, 0);
      const fp = normalizeNodes([...new Set(evidencePathsOf.get(r.id) ?? [])].map((p) => fpNodes.get(p)).filter((n): n is Node => !!n));
      const footprint = fp.reduce((s, n) => s + n.population, 0);
      const ratio = footprint > 0 ? Math.round((population / footprint) * 10) / 10 : null;
      let underMeasure = 0;
      // Persons under measure per node come from control's kept-current counters (one read each); the public list skips them.
      if (o.measures !== false) for (const n of own) underMeasure += (await control.summary(SYS, n.path, db)).underMeasure;
      const activeCases = ev.cases.filter((c) => c.active && coveredBy(c.path, own.map((n) => n.path))).length;
      const presetGranularity = (preset.params.zoning.granularity[r.level as RiskLevel] ?? null) as Granularity | null;
      const flags: DetectorFlagDto[] = [];
      if (ratio !== null && ratio > threshold) flags.push({ kind: 'ratio', message: `人口比 ${ratio}（区域 ${population} 人 / 病例与密接所在单元楼栋 ${footprint} 人）超过阈值 ${threshold} · Population ratio ${ratio} (${population} / ${footprint}) above ${threshold}` });
      if (ratio === null && population > 0) flags.push({ kind: 'ratio', message: `区域内没有病例或密接居住 · No case or close contact lives inside (${population} residents)` });
      if (presetGranularity && GRANULARITY_RANK[r.granularity as Granularity] > GRANULARITY_RANK[presetGranularity]) flags.push({ kind: 'granularity', message: `按${LEVEL_LABELS[r.granularity as Granularity].zh}划定，方案要求按${LEVEL_LABELS[presetGranularity].zh} · Drawn by ${r.granularity}; the preset requires ${presetGranularity}` });
      if (schedule?.overdue) flags.push({ kind: 'past_lifting', message: `已超过解封日期（${calendarDay(schedule.dueAt!, deps.config.tz)}） · Past its lifting date (${calendarDay(schedule.dueAt!, deps.config.tz)})` });
      const detector: DetectorRowDto = {
        areaId: r.id,
        name: r.name,
        status: r.status as AreaStatus,
        level: r.level as RiskLevel,
        granularity: r.granularity as Granularity,
        presetGranularity,
        districtPath: r.district_path,
        districtName: '',
        population,
        evidenceFootprint: footprint,
        ratio,
        pastLifting: !!schedule?.overdue,
        personsUnderMeasure: underMeasure,
        activeCases,
        personsPerActiveCase: activeCases ? Math.round((underMeasure / activeCases) * 10) / 10 : null,
        flags,
        flagged: flags.length > 0,
        justification: r.justification,
        needsJustification: flags.length > 0 && r.status === 'published' && !r.justification,
      };
      out.push({ row: r, nodes: own, schedule, detector, near, extensions: extsOf.get(r.id) ?? [], needsSecondPerson: r.source !== 'proposal' || population > bulkLimit });
    }
    const districts = new Map((await geo.getManyByPath([...new Set(out.map((c) => c.row.district_path))], db)).map((n) => [n.path, n.name]));
    for (const c of out) c.detector.districtName = districts.get(c.row.district_path) ?? c.row.district_path;
    return out;
  }

  function toDto(c: Computed): AreaDto {
    const r = c.row;
    return {
      id: r.id,
      name: r.name,
      status: r.status as AreaStatus,
      level: r.level as RiskLevel,
      granularity: r.granularity as Granularity,
      measures: json<MeasureKind[]>(r.measures),
      jurisdictionPath: r.jurisdiction_path,
      districtPath: r.district_path,
      districtName: c.detector.districtName,
      nodeCount: Number(r.node_count),
      population: c.detector.population,
      basis: { caseIds: json(r.basis_case_ids), contactIds: json(r.basis_contact_ids) },
      presetVersion: r.preset_version,
      presetName: r.preset_name,
      proposedBy: { id: r.proposed_by, name: r.proposed_by_name, at: Number(r.proposed_at) },
      approvedBy: stamp(r.published_by, r.published_by_name, num(r.published_at)),
      source: r.source === 'proposal' ? 'proposal' : 'manual',
      needsSecondPerson: c.needsSecondPerson,
      publishedBy: stamp(r.published_by, r.published_by_name, num(r.published_at)),
      liftedBy: stamp(r.lifted_by, r.lifted_by_name, num(r.lifted_at)),
      rejectedBy: r.rejected_at !== null ? { id: r.rejected_by, name: r.rejected_by_name ?? '', at: Number(r.rejected_at), reason: r.reject_reason ?? '' } : null,
      levelSince: num(r.level_since),
      schedule: c.schedule,
      flagged: c.detector.flagged,
      justification: r.justification,
      updatedAt: Number(r.updated_at),
    };
  }

  const eventDto = (e: repo.EventRow): AreaEventDto => ({
    id: e.id,
    kind: e.kind as AreaEventKind,
    status: e.status as AreaStatus,
    level: e.level as RiskLevel,
    actor: { id: e.actor_id, name: e.actor_name },
    at: Number(e.at),
    reason: e.reason,
    details: json(e.details),
    journalSeq: num(e.journal_seq),
  });

  async function detail(db: DbOrTx, r: repo.AreaRow): Promise<AreaDetailDto> {
    const [c] = await compute(db, [r]);
    const history = (await repo.eventsOf(db, r.id)).map(eventDto);
    const resting = await personsRestingOn(db, c.nodes, [r.id]);
    return {
      ...toDto(c),
      nodes: c.nodes.map((n) => ({ jurisdictionId: n.id, code: n.code, name: n.name, level: n.level, path: n.path, population: n.population, centroid: n.centroid })),
      history,
      detector: c.detector,
      personsUnderMeasure: resting.length,
      liftTaskId: r.lift_task_id,
      extensions: c.extensions.map(extensionDto),
    };
  }

  function extensionDto(e: repo.ExtensionRow): ExtensionDto {
    return {
      id: e.id,
      caseId: e.case_id,
      caseConfirmedAt: Number(e.case_confirmed_at),
      distanceM: Number(e.distance_m),
      status: e.status as ExtensionStatus,
      evidence: json<{ text: string }>(e.evidence).text,
      decidedBy: e.decided_at !== null ? { id: e.decided_by, name: e.decided_by_name ?? '', at: Number(e.decided_at), reason: e.decision_reason ?? '' } : null,
      createdAt: Number(e.created_at),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Writes: events, journal, version

  /** One history row + one journal entry (same transaction); bumps the public version when asked. */
  async function record(trx: Tx, actor: Actor, a: repo.AreaRow, kind: AreaEventKind, o: { reason?: string | null; details?: Record<string, unknown>; bump?: boolean; nodeIds?: string[] } = {}): Promise<void> {
    const now = deps.clock.now();
    const nodeIds = o.nodeIds ?? (await repo.nodesOf(trx, a.id)).map((n) => n.jurisdiction_id);
    const entry = await journal.append(trx, actor, {
      action: `zoning.area.${kind}`,
      entityType: 'zoning_area',
      entityId: a.id,
      jurisdictionPath: a.jurisdiction_path,
      payload: { status: a.status, level: a.level, nodeCount: nodeIds.length, ...(o.details ?? {}) },
      reason: o.reason ?? null,
    });
    await repo.insertEvent(trx, {
      id: newId(now),
      area_id: a.id,
      kind,
      status: a.status,
      level: a.level,
      node_ids: JSON.stringify(nodeIds),
      details: JSON.stringify(o.details ?? {}),
      reason: o.reason ?? null,
      jurisdiction_path: a.jurisdiction_path,
      actor_id: actor.userId,
      actor_name: actor.name,
      at: now,
      journal_seq: entry.seq,
    });
    if (o.bump) {
      await repo.bumpMeta(trx, PUBLIC_VERSION, now);
      publicCache.invalidate();
    }
    await outbox.publish(trx, { topic: 'zoning.changed', capability: 'area.read', jurisdictionPath: a.jurisdiction_path, payload: { areaId: a.id, status: a.status, level: a.level, kind } });
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

  function checkLevel(preset: PresetDto, level: string): RiskLevel {
    if (!(preset.params.zoning.levels as string[]).includes(level)) throw ZoningErrors.ZONING_LEVEL_NOT_IN_PRESET({ level, allowed: preset.params.zoning.levels, preset: preset.label });
    return level as RiskLevel;
  }

  function shape(nodes: readonly Node[]) {
    const kept = normalizeNodes(nodes);
    const path = commonPath(kept.map((n) => n.path));
    return { kept, path, district: districtOf(path), granularity: granularityOf(kept.map((n) => n.level)), population: kept.reduce((s, n) => s + n.population, 0) };
  }

  /** Inserts a proposed area with its nodes and the `proposed` event. */
  async function insertProposal(trx: Tx, actor: Actor, preset: PresetDto, p: { name?: string; level: RiskLevel; nodes: Node[]; measures?: MeasureKind[]; basis: { caseIds: string[]; contactIds: string[] }; source: 'proposal' | 'manual'; sourceKey: string | null; note?: string | null }): Promise<repo.AreaRow> {
    const now = deps.clock.now();
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
    await repo.insertNodes(trx, s.kept.map((n) => ({ area_id: row.id, jurisdiction_id: n.id, path: n.path, level: n.level })));
    await record(trx, actor, row, 'proposed', { reason: p.note ?? null, details: { source: p.source, basis: p.basis, preset: preset.label, granularity: s.granularity }, nodeIds: s.kept.map((n) => n.id) });
    return row;
  }

  // -------------------------------------------------------------------------------------------
  // Measures through the control service

  /** Residents of the nodes whose current status rests on one of these areas (basis risk_area). */
  async function personsRestingOn(db: DbOrTx, nodes: readonly Node[], areaIds: readonly string[]): Promise<{ personId: string; status: ControlStatus; areaId: string }[]> {
    if (!nodes.length) return [];
    const residents = await population.residentsUnder(nodes.map((n) => n.path), db);
    const statuses = await control.statusesOf(residents.map((r) => r.id), db);
    const ids = new Set(areaIds);
    const out: { personId: string; status: ControlStatus; areaId: string }[] = [];
    for (const s of statuses.values()) {
      if (s.basis?.type === 'risk_area' && ids.has(s.basis.id) && STRICTNESS[s.status] > 0) out.push({ personId: s.personId, status: s.status, areaId: s.basis.id });
    }
    return out;
  }

  /**
   * Puts the residents of the area's nodes under the level's control status, batched through
   * `control.applyAutomatic` (one journal batch entry per status). Persons already under an equal
   * or stricter measure are left as they are (never stepped down by a wider area).
   *
   * WHY AUTOMATIC, NOT A BULK REQUEST: the control service makes manual changes above its threshold
   * wait for a second approver. Here that second person is built in: the area was proposed (by a
   * person or by the platform from case evidence, recorded as proposed_by) and is published by a
   * holder of `area.publish`, recorded as approver and publisher, journaled. Publishing IS the
   * approval step, so the persons follow at once, in the publication's transaction.
   */
  async function applyMeasures(trx: Tx, actor: Actor, a: repo.AreaRow, nodes: readonly Node[], level: RiskLevel, why: string): Promise<{ applied: number; skipped: number }> {
    const to = LEVEL_CONTROL_STATUS[level];
    if (!to || !nodes.length) return { applied: 0, skipped: 0 };
    const residents = await population.residentsUnder(nodes.map((n) => n.path), trx);
    const statuses = await control.statusesOf(residents.map((r) => r.id), trx);
    const personIds = [...statuses.values()].filter((s) => STRICTNESS[s.status] < STRICTNESS[to]).map((s) => s.personId);
    if (!personIds.length) return { applied: 0, skipped: residents.length };
    const r = await control.applyAutomatic(trx, actor, { personIds, to, basis: { type: 'risk_area', id: a.id }, reason: why, presetVersion: a.preset_version, ifNotAllowed: 'skip' });
    return { applied: r.applied, skipped: residents.length - r.applied };
  }

  /**
   * After a step or lift: persons whose status rests on this area (or on an area already lifted)
   * move to what the published areas still covering them require — the area's new level, another
   * area's level (with that area as basis) — or are released. A person held on a case, contact or
   * tube basis is never touched.
   */
  async function releaseOrStep(trx: Tx, actor: Actor, a: repo.AreaRow, nodes: readonly Node[], newLevel: RiskLevel | null, why: string): Promise<{ released: number; stepped: number }> {
    // Everyone living here whose status rests on a risk area…
    const residents = await population.residentsUnder(nodes.map((n) => n.path), trx);
    const held = [...(await control.statusesOf(residents.map((r) => r.id), trx)).values()].filter((s) => s.basis?.type === 'risk_area' && STRICTNESS[s.status] > 0);
    const basisAreas = new Map((await repo.findAreas(trx, [...new Set(held.map((s) => s.basis!.id))])).map((r) => [r.id, r]));
    /** How strict a measure an area still requires now (0: none; it is lifted, or its level carries no status). */
    const requires = (id: string): number => {
      const r = basisAreas.get(id);
      const st = r && r.status === 'published' ? LEVEL_CONTROL_STATUS[r.level as RiskLevel] : null;
      return st ? STRICTNESS[st] : 0;
    };
    // …on this area, or on one that no longer requires what they are under (stepped down or lifted while
    // another area held them at the same status).
    const resting = held.filter((s) => s.basis!.id === a.id || requires(s.basis!.id) < STRICTNESS[s.status]).map((s) => ({ personId: s.personId, status: s.status }));
    if (!resting.length) return { released: 0, stepped: 0 };
    const paths = await population.pathsOf(resting.map((p) => p.personId), trx);
    // Published areas (other than this one) covering each person's residence or an ancestor of it.
    const allPrefixes = new Set<string>();
    for (const p of paths.values()) for (const pre of prefixesOf(p)) allPrefixes.add(pre);
    const covering = (await repo.publishedCovering(trx, [...allPrefixes])).filter((c) => c.area_id !== a.id);
    const byTarget = new Map<string, { to: ControlStatus; basisId: string; ids: string[] }>();
    for (const p of resting) {
      const path = paths.get(p.personId);
      if (!path) continue;
      const options: { level: RiskLevel; areaId: string }[] = covering.filter((c) => path.startsWith(c.path)).map((c) => ({ level: c.level as RiskLevel, areaId: c.area_id }));
      if (newLevel) options.push({ level: newLevel, areaId: a.id });
      const top = highest(options.map((o) => o.level));
      const chosen = top ? options.find((o) => o.level === top && LEVEL_CONTROL_STATUS[o.level]) : undefined;
      const to: ControlStatus = chosen ? LEVEL_CONTROL_STATUS[chosen.level]! : 'released';
      if (to === p.status) continue; // already what the remaining areas require
      const basisId = chosen ? chosen.areaId : a.id;
      const key = `${to}|${basisId}`;
      const g = byTarget.get(key);
      if (g) g.ids.push(p.personId);
      else byTarget.set(key, { to, basisId, ids: [p.personId] });
    }
    let released = 0;
    let stepped = 0;
    for (const g of byTarget.values()) {
      const r = await control.applyAutomatic(trx, actor, { personIds: g.ids, to: g.to, basis: { type: 'risk_area', id: g.basisId }, reason: why, presetVersion: a.preset_version, ifNotAllowed: 'skip' });
      if (g.to === 'released') released += r.applied;
      else stepped += r.applied;
    }
    return { released, stepped };
  }

  function prefixesOf(path: string): string[] {
    const segs = path.split('/').filter(Boolean);
    return segs.map((_, i) => `/${segs.slice(0, i + 1).join('/')}/`);
  }

  async function nodesOfArea(db: DbOrTx, areaId: string): Promise<Node[]> {
    const ids = (await repo.nodesOf(db, areaId)).map((n) => n.jurisdiction_id);
    return geo.getMany(ids, db);
  }

  // -------------------------------------------------------------------------------------------
  // Owner units

  /**
   * November 2022: a place a case only visited → a task to the unit owning the place's jurisdiction
   * (the nearest node at or above it with an active unit), once per place (kept in zoning_meta as
   * `notice|<preset>|<place>`). Returns undefined when already noticed, null when no unit owns it.
   */
  async function noticeOwner(tx: Tx, actor: Actor, presetLabel: string, p: { placeId: string; caseId: string; path: string; description: string | null; fromAt: number; toAt: number }): Promise<GenerateProposalsResultDto['notices'][number] | null | undefined> {
    const key = `notice|${presetLabel}|${p.placeId}`;
    if ((await repo.readMeta(tx, key)) !== undefined) return undefined;
    const chain = prefixesOf(p.path).reverse();
    const nodes = new Map((await geo.getManyByPath(chain, tx)).map((n) => [n.path, n]));
    for (const path of chain) {
      const node = nodes.get(path);
      if (!node) continue;
      const { items } = await deps.services.auth.units.list(SYS, { jurisdictionId: node.id, active: true, limit: 20 }, tx);
      const unit = items.find((u) => u.kind !== 'lab' && u.kind !== 'facility') ?? items[0];
      if (!unit) continue;
      const tz = deps.config.tz;
      const from = calendarDay(p.fromAt, tz);
      const to = calendarDay(p.toAt, tz);
      const when = from === to ? from : `${from}至${to}`;
      const where = nodes.get(p.path)?.name ?? node.name;
      const task = await deps.services.tasks.create(tx, actor, {
        title: `病例到访场所，请属地处置：${where} · A case visited a place in your jurisdiction`,
        description: `病例于 ${when} 到访${where}${p.description ? `（${p.description}）` : ''}。按二十条不划定高风险区，请场所所属单位开展排查、消杀和人员健康监测。 · A case visited ${where} (${from}–${to}); under the November 2022 measures this is not a high area: check, disinfect and monitor the people there.`,
        sourceModule: 'zoning',
        sourceEntityType: 'case',
        sourceEntityId: p.caseId,
        assigneeUnitId: unit.id,
        jurisdictionPath: node.path,
        priority: 'high',
        dueAt: deps.clock.now() + 24 * HOUR,
      });
      await repo.writeMeta(tx, key, task.id, deps.clock.now());
      await journal.append(tx, actor, { action: 'zoning.place.noticed', entityType: 'case', entityId: p.caseId, jurisdictionPath: node.path, payload: { placeId: p.placeId, unitId: unit.id, taskId: task.id, preset: presetLabel } });
      return { placeId: p.placeId, caseId: p.caseId, unitId: unit.id, unitName: unit.name, taskId: task.id };
    }
    return null;
  }

  async function hqUnit(db: DbOrTx): Promise<string | null> {
    const { items } = await deps.services.auth.units.list(SYS, { kind: 'hq', active: true, limit: 5 }, db);
    return items[0]?.id ?? null;
  }

  // -------------------------------------------------------------------------------------------
  // The recurring job

  /**
   * For every published area: records a countdown reset when a newer case appears inside it; raises
   * an extension proposal (with a task to the owner unit) for each new case near it; creates the
   * lifting round campaign on the round's day; when its next step is due, one task to the owner
   * unit (per level); when it is past its lifting date, one warning alert to HQ (per level). Hourly,
   * and on demand (tests, the demo). Dates in every text are calendar days in BULWARK_TZ.
   */
  async function evaluate(trx: Tx, actor: Actor, now = deps.clock.now()): Promise<{ tasks: number; alerts: number; resets: number; rounds: number; extensions: number }> {
    const tz = deps.config.tz;
    const { rows } = await repo.listAreas(trx, { statuses: ['published'] });
    const out = { tasks: 0, alerts: 0, resets: 0, rounds: 0, extensions: 0 };
    for (const c of await compute(trx, rows, now)) {
      const a = c.row;
      const s = c.schedule;
      if (!s) continue;
      const set: Partial<repo.AreaRow> = {};
      if (s.lastCase && s.lastCase.caseId !== a.last_case_id && s.lastCase.confirmedAt > Number(a.published_at)) {
        set.last_case_id = s.lastCase.caseId;
        set.last_case_at = s.lastCase.confirmedAt;
        set.lift_task_level = null; // a task made before the reset was premature; a new one follows
        await record(trx, actor, a, 'countdown_reset', { reason: s.lastCase.reason, details: { caseId: s.lastCase.caseId, where: s.lastCase.where, distanceM: s.lastCase.distanceM, dueAt: s.dueAt, dueDay: s.dueAt === null ? null : calendarDay(s.dueAt, tz) }, bump: true });
        out.resets++;
      } else if (s.lastCase && !a.last_case_id) {
        set.last_case_id = s.lastCase.caseId;
        set.last_case_at = s.lastCase.confirmedAt;
      }
      // A case near the area, confirmed after its publication: a proposal to extend, decided by a person.
      const known = new Set(c.extensions.map((e) => e.case_id));
      for (const n of c.near) {
        if (known.has(n.caseId) || n.confirmedAt <= Number(a.published_at)) continue;
        out.extensions += await proposeExtension(trx, actor, a, n);
      }
      // The lifting round: a testing campaign over the area on the round's day.
      const round = s.negativeRound;
      if (round && !round.campaignId && now >= startOfDay(round.day, tz)) {
        // One area's round refused by the testing service must not hold up every other area's
        // schedule: its writes are rolled back to a savepoint, and the next run tries again.
        await repo.savepoint(trx, 'zoning_round');
        try {
          const campaign = await createRound(trx, actor, a, c.nodes, round);
          await repo.releaseSavepoint(trx, 'zoning_round');
          set.round_key = roundKey(a, round);
          set.round_campaign_id = campaign.id;
          out.rounds++;
        } catch (err) {
          await repo.rollbackToSavepoint(trx, 'zoning_round');
          await repo.releaseSavepoint(trx, 'zoning_round');
          deps.log.warn({ areaId: a.id, code: err instanceof AppError ? err.code : (err as Error).name }, 'zoning: lifting round not created');
        }
      }
      const taskLevel = 'lift_task_level' in set ? set.lift_task_level : a.lift_task_level;
      if (s.due && s.next && taskLevel !== a.level) {
        const unitId = a.owner_unit_id ?? (await hqUnit(trx));
        const toZh = s.next.to === 'lifted' ? '解除' : `降为${RISK_LEVEL_LABELS[s.next.to].zh}`;
        const toEn = s.next.to === 'lifted' ? 'lift' : `step down to ${RISK_LEVEL_LABELS[s.next.to].en.toLowerCase()}`;
        const dueDay = calendarDay(s.dueAt!, tz);
        const title = `风险区到期${toZh}：${a.name} · Area due: ${toEn}`;
        const roundZh = round ? `，并须第${round.dayNumber}天（${round.day}）区域内全员核酸阴性` : '';
        const roundEn = round ? ` and the day-${round.dayNumber} round of everyone (${round.day}) must be negative` : '';
        const body = `${a.name} 自 ${dueDay} 起已满 ${s.next.daysWithoutNewCase} 天无新增感染者${roundZh}，请执行：${toZh}。 · ${a.name}: ${s.next.daysWithoutNewCase} days without a new infection as of ${dueDay}${roundEn}; ${toEn}.`;
        if (unitId) {
          const task = await deps.services.tasks.create(trx, actor, { title, description: body, sourceModule: 'zoning', sourceEntityType: 'zoning_area', sourceEntityId: a.id, assigneeUnitId: unitId, jurisdictionPath: a.jurisdiction_path, priority: 'high', dueAt: s.dueAt! + 24 * HOUR });
          set.lift_task_id = task.id;
        }
        set.lift_task_level = a.level;
        await record(trx, actor, a, 'lift_due', { reason: body, details: { dueAt: s.dueAt, dueDay, to: s.next.to, taskId: set.lift_task_id ?? null } });
        out.tasks++;
      }
      if (s.overdue && a.overdue_alert_level !== a.level) {
        const hq = await hqUnit(trx);
        const dueDay = calendarDay(s.dueAt!, tz);
        const toZh = s.next?.to === 'lifted' ? '解除' : s.next ? `降为${RISK_LEVEL_LABELS[s.next.to].zh}` : '';
        await deps.services.tasks.notify(trx, actor, {
          ...(hq ? { unitId: hq } : { jurisdictionPath: pathAt(a.jurisdiction_path, 'city') ?? a.jurisdiction_path }),
          title: `风险区超期未解封：${a.name} · Area past its lifting date: ${a.name}`,
          body: `${a.name} 应于 ${dueDay} ${toZh}，至今未执行。 · The step to ${s.next?.to} was due ${dueDay} and has not been taken.`,
          link: `/zoning/areas/${a.id}`,
          sourceModule: 'zoning',
          sourceEntityType: 'zoning_area',
          sourceEntityId: a.id,
          severity: 'warning',
        });
        set.overdue_alert_level = a.level;
        await record(trx, actor, a, 'overdue', { reason: `应于 ${dueDay} 执行 · due ${dueDay}`, details: { dueAt: s.dueAt, dueDay } });
        out.alerts++;
      }
      if (Object.keys(set).length) await repo.updateArea(trx, a.id, 'published', { ...set, updated_at: now });
    }
    return out;
  }

  /** An extension proposal for a case near an area, with its evidence, and a task to the owner unit to decide it. */
  async function proposeExtension(trx: Tx, actor: Actor, a: repo.AreaRow, n: NearCase): Promise<number> {
    const now = deps.clock.now();
    const day = calendarDay(n.confirmedAt, deps.config.tz);
    const text = `病例住址距区域 ${n.distanceM} 米（${day} 确诊），是否延长倒计时由属地决定（一区一策） · A case ${n.distanceM} m from the area (confirmed ${day}); whether to extend the countdown is decided locally`;
    const row: repo.ExtensionRow = {
      id: newId(now),
      area_id: a.id,
      case_id: n.caseId,
      case_confirmed_at: n.confirmedAt,
      distance_m: n.distanceM,
      evidence: JSON.stringify({ text, caseId: n.caseId, distanceM: n.distanceM, confirmedDay: day, preset: a.preset_version }),
      status: 'proposed',
      jurisdiction_path: a.jurisdiction_path,
      created_at: now,
      decided_by: null,
      decided_by_name: null,
      decided_at: null,
      decision_reason: null,
    };
    await repo.insertExtension(trx, row);
    const unitId = a.owner_unit_id ?? (await hqUnit(trx));
    if (unitId) {
      await deps.services.tasks.create(trx, actor, { title: `周边新增病例，请决定是否延长：${a.name} · Case near an area: decide on extending`, description: text, sourceModule: 'zoning', sourceEntityType: 'zoning_area', sourceEntityId: a.id, assigneeUnitId: unitId, jurisdictionPath: a.jurisdiction_path, priority: 'high', dueAt: now + 24 * HOUR });
    }
    await record(trx, actor, a, 'extension_proposed', { reason: text, details: { extensionId: row.id, caseId: n.caseId, distanceM: n.distanceM } });
    return 1;
  }

  /**
   * Creates and activates the lifting round: a testing campaign over the area's nodes (everyone in
   * the area; only persons in central quarantine, tested at their facility, are exempt), single tube
   * in sealed areas and 10-in-1 in controlled ones, running the round's day. Through the testing
   * service's campaign API, in this transaction.
   */
  async function createRound(trx: Tx, actor: Actor, a: repo.AreaRow, nodes: readonly Node[], round: LiftingRoundDto) {
    const { testing } = deps.services;
    const tz = deps.config.tz;
    const startsAt = deps.clock.now();
    const name = `${a.name} 第${round.dayNumber}天解封核酸（${round.day}）`.slice(0, 100);
    const created = await testing.campaigns.create(trx, SYS, {
      name,
      scopeJurisdictionIds: nodes.map((n) => n.id),
      startsAt,
      // The round's day, or a full day from now when the schedule reaches it late.
      deadlineAt: Math.max(startOfDay(round.day, tz) + ROUND_HOURS * HOUR, startsAt + ROUND_HOURS * HOUR),
      poolSize: ROUND_POOL[a.level as RiskLevel],
      exemptStatuses: ROUND_EXEMPT,
    });
    const campaign = await testing.campaigns.activate(trx, SYS, created.id);
    await record(trx, actor, a, 'round_created', { reason: `${name} · lifting round of everyone in the area`, details: { campaignId: campaign.id, day: round.day, dayNumber: round.dayNumber, poolSize: ROUND_POOL[a.level as RiskLevel], target: campaign.targetTotal } });
    return campaign;
  }

  deps.services.jobs.registerRecurring(ZONING_EVALUATE_JOB, HOUR, async (trx, _p, ctx) => {
    await evaluate(trx, ctx.actor ?? SYS, ctx.now);
  });

  // -------------------------------------------------------------------------------------------
  // Public list (cached per version)

  const publicCache = createPublicCache();

  function createPublicCache() {
    let checkedAt = -Infinity;
    let version = -1;
    const built = new Map<string, Promise<unknown>>();
    return {
      invalidate() {
        checkedAt = -Infinity;
      },
      /**
       * The body for `key` at the current version. The version row is read at most once per
       * FRESH_MS per process (other processes' changes show within that); a change in this
       * process is seen at once.
       */
      async get<T>(key: string, build: (version: number) => Promise<T>): Promise<T> {
        const wall = deps.wallClock.now();
        if (wall - checkedAt > PUBLIC_FRESH_MS) {
          const v = Number((await repo.readMeta(deps.db, PUBLIC_VERSION)) ?? 0);
          checkedAt = wall;
          if (v !== version) {
            version = v;
            built.clear();
          }
        }
        // The promise is kept, not the result: concurrent requests on a new version share one build.
        const hit = built.get(key);
        if (hit) return hit as Promise<T>;
        const pending = build(version);
        built.set(key, pending);
        pending.catch(() => built.delete(key));
        return pending;
      },
    };
  }

  let publicInFlight = 0;

  return {
    evaluate,
    ratioThreshold,

    /** Areas in scope, newest change first, with schedule and detector flag. */
    async list(actor: Actor, f: { status?: AreaStatus; level?: RiskLevel; jurisdictionId?: string; limit?: number; offset?: number } = {}, db: DbOrTx = deps.db): Promise<{ items: AreaDto[]; total: number }> {
      requireCap(actor, 'area.read');
      let prefix = scopePrefix(actor);
      if (f.jurisdictionId) {
        const n = await geo.getById(f.jurisdictionId, db);
        if (!n || !inScope(actor, n.path)) throw ZoningErrors.ZONING_NODE_NOT_FOUND({ jurisdictionIds: [f.jurisdictionId] });
        prefix = n.path;
      }
      const { rows, total } = await repo.listAreas(db, { statuses: f.status ? [f.status] : undefined, level: f.level, prefix, limit: Math.min(f.limit ?? 50, 500), offset: f.offset ?? 0 });
      return { items: (await compute(db, rows)).map(toDto), total };
    },

    async get(actor: Actor, id: string, db: DbOrTx = deps.db): Promise<AreaDetailDto> {
      requireCap(actor, 'area.read');
      return detail(db, await visibleArea(db, actor, id));
    },

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
      return inTx(trx ?? deps.db, async (tx) => {
        const preset = await cases.presets.active(tx);
        const zoning = preset.params.zoning;
        const high = zoning.levels[0];
        const gran = (zoning.granularity[high] ?? 'building') as Granularity;
        const visitedAsMedium = zoning.visitedPlaces === 'medium_area' && zoning.levels.includes('medium');
        let under = actor.scopePath;
        if (f.jurisdictionId) {
          const n = await geo.getById(f.jurisdictionId, tx);
          if (!n || !inScope(actor, n.path)) throw ZoningErrors.ZONING_NODE_NOT_FOUND({ jurisdictionIds: [f.jurisdictionId] });
          under = n.path;
        }
        const places = (await cases.placesForProposals(true, tx)).filter((p) => p.path.startsWith(under));
        const since = deps.clock.now() - CASE_LOOKBACK_MS;
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
          if (!target) skipped.push({ placeId: `residence:${c.id}`, caseId: c.id, reason: `住址仅精确到更粗的层级，无法按${LEVEL_LABELS[gran].zh}划定 · The residence is known only above ${gran} level; draw it by hand` });
          else add(target, high, c.id);
        }
        const residencePaths = new Set(targets.keys());
        for (const p of places) {
          if (residencePaths.has(pathAt(p.path, gran) ?? '')) continue; // the case's own building/compound: already its residence's area
          if (visitedAsMedium) {
            if (!(GRANULARITIES as readonly string[]).includes(p.level)) skipped.push({ placeId: p.placeId, caseId: p.caseId, reason: `到访场所层级为${p.level}，中风险区须按楼栋、小区、社区或街道手工划定 · A visited place at ${p.level} level; draw the medium area by hand` });
            else add(p.path, 'medium', p.caseId);
          } else {
            const n = await noticeOwner(tx, actor, preset.label, p);
            if (n) notices.push(n);
            else if (n === null) skipped.push({ placeId: p.placeId, caseId: p.caseId, reason: '场所所在辖区没有在岗单位可通知 · No active unit owns the place\'s jurisdiction' });
          }
        }
        const nodes = new Map((await geo.getManyByPath([...targets.keys()], tx)).map((n) => [n.path, n]));
        const keyOf = (path: string, level: RiskLevel) => (level === high ? `${preset.label}|${path}` : `${preset.label}|${level}|${path}`);
        const keys = [...targets].map(([p, t]) => keyOf(p, t.level));
        const taken = new Set((await repo.openBySourceKey(tx, keys)).map((r) => r.source_key));
        const open = await repo.listAreas(tx, { statuses: ['proposed', 'published'], prefix: null });
        const openNodes = await repo.nodesOfMany(tx, open.rows.map((r) => r.id));
        const created: repo.AreaRow[] = [];
        const allContacts = await cases.contactsForZoning({ caseIds: caseIds }, tx);
        for (const [path, t] of targets) {
          const node = nodes.get(path);
          const key = keyOf(path, t.level);
          const firstCase = [...t.caseIds][0];
          if (!node) {
            skipped.push({ placeId: path, caseId: firstCase, reason: `地图上没有该${LEVEL_LABELS[gran].zh} · No ${gran} node on the map at ${path}` });
            continue;
          }
          const cover = openNodes.find((n) => path.startsWith(n.path));
          if (taken.has(key) || cover) {
            skipped.push({ placeId: node.id, caseId: firstCase, reason: `已被风险区覆盖 · Already covered by an open area${cover ? ` (${cover.area_id})` : ''}` });
            continue;
          }
          if (!inScope(actor, node.path)) continue;
          const contactIds = allContacts.filter((c) => t.caseIds.has(c.caseId) && c.category === 'close' && c.path && c.path.startsWith(path)).map((c) => c.id);
          const note = t.level === 'medium' ? '病例到访的工作、活动场所（流调） · A place the case visited (investigation)' : null;
          created.push(await insertProposal(tx, actor, preset, { level: t.level, nodes: [node], basis: { caseIds: [...t.caseIds], contactIds }, source: 'proposal', sourceKey: key, note }));
        }
        return { created: (await compute(tx, created)).map(toDto), skipped, notices };
      });
    },

    /** A proposal drawn by hand (nodes, level among the active preset's, basis of cases/contacts). */
    async create(trx: Tx | undefined, actor: Actor, input: CreateAreaBody): Promise<AreaDetailDto> {
      requireCap(actor, 'area.propose');
      return inTx(trx ?? deps.db, async (tx) => {
        const preset = await cases.presets.active(tx);
        const level = checkLevel(preset, input.level);
        const basis = await checkBasis(tx, actor, input.basis);
        const nodes = await resolveNodes(tx, actor, input.jurisdictionIds ?? [], input.drawAt);
        const row = await insertProposal(tx, actor, preset, { name: input.name, level, nodes, measures: input.measures, basis, source: 'manual', sourceKey: null, note: input.note ?? null });
        return detail(tx, row);
      });
    },

    /** Adjusts a proposed area: nodes added/removed, level (among the active preset's), measures, name. */
    async adjust(trx: Tx | undefined, actor: Actor, id: string, input: AdjustAreaBody): Promise<AreaDetailDto> {
      requireCap(actor, 'area.propose');
      const reason = input.reason?.trim();
      if (!reason) throw Errors.REASON_REQUIRED();
      return inTx(trx ?? deps.db, async (tx) => {
        const a = await visibleArea(tx, actor, id);
        if (a.status !== 'proposed') throw ZoningErrors.ZONING_NOT_PROPOSED({ id, status: a.status });
        const preset = await cases.presets.active(tx);
        const level = input.level ? checkLevel(preset, input.level) : (a.level as RiskLevel);
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
        await repo.insertNodes(tx, add.map((n) => ({ area_id: a.id, jurisdiction_id: n.id, path: n.path, level: n.level })));
        const set: Partial<repo.AreaRow> = {
          level,
          name: input.name?.trim() || a.name,
          measures: input.measures ? JSON.stringify([...new Set(input.measures)]) : input.level && input.level !== a.level ? JSON.stringify(DEFAULT_MEASURES[level]) : a.measures,
          granularity: s.granularity,
          jurisdiction_path: s.path,
          district_path: s.district,
          node_count: s.kept.length,
          population: s.population,
          updated_at: deps.clock.now(),
        };
        if (!(await repo.updateArea(tx, a.id, 'proposed', set))) throw ZoningErrors.ZONING_NOT_PROPOSED({ id });
        const after = { ...a, ...set };
        await record(tx, actor, after, 'adjusted', { reason, details: { from: { level: a.level, granularity: a.granularity }, to: { level, granularity: s.granularity }, added: add.map((n) => n.id), removed: drop }, nodeIds: s.kept.map((n) => n.id) });
        return detail(tx, after);
      });
    },

    /**
     * Publishes a proposed area: the publisher is recorded as approver and publisher; the residents
     * take the level's control status (see applyMeasures); the public list version is bumped. A
     * flagged area needs a justification (recorded).
     */
    async publish(trx: Tx | undefined, actor: Actor, id: string, input: PublishAreaBody = {}): Promise<AreaDetailDto> {
      requireCap(actor, 'area.publish');
      return inTx(trx ?? deps.db, async (tx) => {
        const a = await visibleArea(tx, actor, id);
        if (a.status !== 'proposed') throw ZoningErrors.ZONING_NOT_PROPOSED({ id, status: a.status });
        const preset = await cases.presets.active(tx);
        checkLevel(preset, a.level);
        const [c] = await compute(tx, [a]);
        // No sealing by one person: an area not proposed from evidence, or over control's bulk
        // threshold, is published by someone other than its proposer (as bulk status changes are).
        // A system actor (the demo seeder, scripts) is not a person and has no second.
        if (c.needsSecondPerson && actor.kind === 'user' && actor.userId === a.proposed_by) {
          throw ZoningErrors.ZONING_SECOND_PERSON_REQUIRED({ proposedBy: a.proposed_by_name, source: a.source, population: c.detector.population, bulkThreshold: await control.bulkThreshold(tx) });
        }
        const justification = input.justification?.trim() || null;
        if (c.detector.flagged && !justification) throw ZoningErrors.ZONING_JUSTIFICATION_REQUIRED({ flags: c.detector.flags, ratio: c.detector.ratio, population: c.detector.population, evidenceFootprint: c.detector.evidenceFootprint });
        const now = deps.clock.now();
        const set: Partial<repo.AreaRow> = {
          status: 'published',
          published_by: actor.userId,
          published_by_name: actor.name,
          published_at: now,
          level_since: now,
          owner_unit_id: actor.unitId,
          updated_at: now,
          ...(justification ? { justification, justified_by_name: actor.name, justified_at: now } : {}),
        };
        if (!(await repo.updateArea(tx, a.id, 'proposed', set))) throw ZoningErrors.ZONING_NOT_PROPOSED({ id });
        const after = { ...a, ...set };
        const why = `${RISK_LEVEL_LABELS[a.level as RiskLevel].zh}「${a.name}」发布 · Risk area published (${a.level})`;
        const m = await applyMeasures(tx, actor, after, c.nodes, a.level as RiskLevel, why);
        await record(tx, actor, after, 'published', { reason: input.note?.trim() || null, details: { proposedBy: a.proposed_by_name, personsUnderMeasure: m.applied, alreadyStricter: m.skipped, justification, flags: c.detector.flags.map((f) => f.kind) }, bump: true });
        return detail(tx, after);
      });
    },

    /** Rejects a proposed area with a reason. */
    async reject(trx: Tx | undefined, actor: Actor, id: string, reason: string): Promise<AreaDetailDto> {
      requireCap(actor, 'area.publish');
      const why = reason?.trim();
      if (!why) throw Errors.REASON_REQUIRED();
      return inTx(trx ?? deps.db, async (tx) => {
        const a = await visibleArea(tx, actor, id);
        if (a.status !== 'proposed') throw ZoningErrors.ZONING_NOT_PROPOSED({ id, status: a.status });
        const now = deps.clock.now();
        const set: Partial<repo.AreaRow> = { status: 'rejected', rejected_by: actor.userId, rejected_by_name: actor.name, rejected_at: now, reject_reason: why, updated_at: now };
        if (!(await repo.updateArea(tx, a.id, 'proposed', set))) throw ZoningErrors.ZONING_NOT_PROPOSED({ id });
        const after = { ...a, ...set };
        await record(tx, actor, after, 'rejected', { reason: why });
        return detail(tx, after);
      });
    },

    /**
     * Executes the next step of the lifting schedule (step down or lift), an explicit act of an
     * `area.publish` holder. Refused before it is due, with an active case inside (unless
     * override + reason); never without the step's negative round (the lifting round campaign:
     * everyone sampled, every result negative; the error names the round) nor, for a low area,
     * while a high or medium area still stands in its county.
     */
    async step(trx: Tx | undefined, actor: Actor, id: string, input: StepAreaBody = {}): Promise<AreaDetailDto> {
      requireCap(actor, 'area.publish');
      const reason = input.reason?.trim() || null;
      const override = !!input.override;
      if (override && !reason) throw Errors.REASON_REQUIRED({ override: true });
      return inTx(trx ?? deps.db, async (tx) => {
        const a = await visibleArea(tx, actor, id);
        if (a.status !== 'published') throw ZoningErrors.ZONING_NOT_PUBLISHED({ id, status: a.status });
        const [c] = await compute(tx, [a]);
        const s = c.schedule!;
        if (!s.next && !override) throw ZoningErrors.ZONING_NO_STEP({ level: a.level, preset: a.preset_version });
        const to: RiskLevel | 'lifted' = s.next?.to ?? 'lifted';
        // The county rule first: an override never lifts a low area while its county has high or medium areas.
        if (s.countyClear && !s.countyClear.clear) {
          throw ZoningErrors.ZONING_COUNTY_NOT_CLEAR({ areas: s.countyClear.blocking, explanation: `本县（市、区）仍有 ${s.countyClear.blocking.length} 个高、中风险区未解除：${s.countyClear.blocking.map((b) => b.name).join('、')} · ${s.countyClear.blocking.length} high or medium area(s) still stand in the county` });
        }
        if (s.next && !s.due && !override) throw ZoningErrors.ZONING_STEP_NOT_DUE({ dueAt: s.dueAt, daysLeft: s.daysLeft, lastCase: s.lastCase });
        if (s.activeCasesInside > 0 && !override) throw ZoningErrors.ZONING_ACTIVE_CASE_INSIDE({ cases: s.activeCasesInside, explanation: `区域内仍有 ${s.activeCasesInside} 名治疗中的病例居住，解封需说明理由 · ${s.activeCasesInside} case(s) in treatment live inside; lifting needs override and a reason` });
        if (s.negativeRound && !s.negativeRound.passed) {
          throw ZoningErrors.ZONING_NEGATIVE_ROUND_REQUIRED({ round: s.negativeRound, explanation: roundText(s.negativeRound) });
        }
        const now = deps.clock.now();
        const set: Partial<repo.AreaRow> = { updated_at: now };
        const from = a.level as RiskLevel;
        const why = to === 'lifted' ? `风险区「${a.name}」解封 · Risk area lifted` : `风险区「${a.name}」由${RISK_LEVEL_LABELS[from].zh}降为${RISK_LEVEL_LABELS[to].zh} · Risk area stepped down to ${to}`;
        let moved: { released: number; stepped: number };
        if (to === 'lifted') {
          Object.assign(set, { status: 'lifted', lifted_by: actor.userId, lifted_by_name: actor.name, lifted_at: now });
          if (!(await repo.updateArea(tx, a.id, 'published', set))) throw ZoningErrors.ZONING_NOT_PUBLISHED({ id });
          moved = await releaseOrStep(tx, actor, a, c.nodes, null, why);
        } else {
          Object.assign(set, { level: to, level_since: now, round_key: null, round_campaign_id: null, lift_task_level: null, overdue_alert_level: null, measures: JSON.stringify(DEFAULT_MEASURES[to]) });
          if (!(await repo.updateArea(tx, a.id, 'published', set))) throw ZoningErrors.ZONING_NOT_PUBLISHED({ id });
          moved = await releaseOrStep(tx, actor, a, c.nodes, to, why);
        }
        const after = { ...a, ...set };
        await record(tx, actor, after, to === 'lifted' ? 'lifted' : 'stepped', {
          reason,
          details: { from, to, override, due: s.due, dueAt: s.dueAt, activeCasesInside: s.activeCasesInside, negativeRound: s.negativeRound, countyClear: s.countyClear?.clear ?? null, released: moved.released, steppedPersons: moved.stepped },
          bump: true,
        });
        return detail(tx, after);
      });
    },

    /** Records why a flagged published area is kept (the 一刀切 detector's requirement). */
    async justify(trx: Tx | undefined, actor: Actor, id: string, justification: string): Promise<AreaDetailDto> {
      requireCap(actor, 'area.publish');
      const text = justification?.trim();
      if (!text) throw Errors.REASON_REQUIRED({ field: 'justification' });
      return inTx(trx ?? deps.db, async (tx) => {
        const a = await visibleArea(tx, actor, id);
        if (a.status !== 'published') throw ZoningErrors.ZONING_NOT_PUBLISHED({ id, status: a.status });
        // A typed justification alone never clears the flag of an area that needs a second person.
        const [c] = await compute(tx, [a]);
        if (c.needsSecondPerson && actor.kind === 'user' && actor.userId === a.proposed_by) {
          throw ZoningErrors.ZONING_SECOND_PERSON_REQUIRED({ proposedBy: a.proposed_by_name, source: a.source, population: c.detector.population });
        }
        const now = deps.clock.now();
        const set = { justification: text, justified_by_name: actor.name, justified_at: now, updated_at: now };
        await repo.updateArea(tx, a.id, 'published', set);
        const after = { ...a, ...set };
        await record(tx, actor, after, 'justified', { reason: text });
        return detail(tx, after);
      });
    },

    /**
     * Decides a proposal to extend an area's countdown (a case near it): accepted, the countdown
     * restarts from the case; rejected, it runs on. A reason is required; journaled.
     */
    async decideExtension(trx: Tx | undefined, actor: Actor, id: string, extensionId: string, input: { accept: boolean; reason: string }): Promise<AreaDetailDto> {
      requireCap(actor, 'area.publish');
      const reason = input.reason?.trim();
      if (!reason) throw Errors.REASON_REQUIRED({ field: 'reason' });
      return inTx(trx ?? deps.db, async (tx) => {
        const a = await visibleArea(tx, actor, id);
        const e = await repo.findExtension(tx, extensionId);
        if (!e || e.area_id !== a.id) throw ZoningErrors.ZONING_EXTENSION_NOT_FOUND({ id: extensionId });
        if (e.status !== 'proposed') throw ZoningErrors.ZONING_EXTENSION_DECIDED({ id: extensionId, status: e.status });
        if (a.status !== 'published') throw ZoningErrors.ZONING_NOT_PUBLISHED({ id, status: a.status });
        const now = deps.clock.now();
        const status = input.accept ? 'accepted' : 'rejected';
        if (!(await repo.decideExtension(tx, e.id, { status, decided_by: actor.userId, decided_by_name: actor.name, decided_at: now, decision_reason: reason }))) throw ZoningErrors.ZONING_EXTENSION_DECIDED({ id: extensionId });
        // An accepted extension moves the anchor: a lift task made for the old date was premature.
        const set: Partial<repo.AreaRow> = input.accept ? { lift_task_level: null, overdue_alert_level: null, updated_at: now } : { updated_at: now };
        await repo.updateArea(tx, a.id, 'published', set);
        const after = { ...a, ...set };
        const day = calendarDay(Number(e.case_confirmed_at), deps.config.tz);
        await record(tx, actor, after, input.accept ? 'extension_accepted' : 'extension_rejected', { reason, details: { extensionId: e.id, caseId: e.case_id, distanceM: Number(e.distance_m), caseDay: day }, bump: input.accept });
        return detail(tx, after);
      });
    },

    /** The 一刀切 report for open (proposed and published) areas in scope, rolled up per district. */
    async detector(actor: Actor, f: { jurisdictionId?: string } = {}, db: DbOrTx = deps.db): Promise<DetectorReportDto> {
      requireCap(actor, 'area.read');
      let prefix = scopePrefix(actor);
      if (f.jurisdictionId) {
        const n = await geo.getById(f.jurisdictionId, db);
        if (!n || !inScope(actor, n.path)) throw ZoningErrors.ZONING_NODE_NOT_FOUND({ jurisdictionIds: [f.jurisdictionId] });
        prefix = n.path;
      }
      const { rows } = await repo.listAreas(db, { statuses: ['proposed', 'published'], prefix });
      const computed = await compute(db, rows);
      const areas = computed.map((c) => c.detector).sort((a, b) => Number(b.flagged) - Number(a.flagged) || (b.ratio ?? Infinity) - (a.ratio ?? Infinity));
      const byDistrict = new Map<string, DistrictRollupDto>();
      for (const d of areas) {
        let r = byDistrict.get(d.districtPath);
        if (!r) byDistrict.set(d.districtPath, (r = { districtPath: d.districtPath, districtName: d.districtName, areas: 0, flagged: 0, population: 0, evidenceFootprint: 0, ratio: null, personsUnderMeasure: 0, activeCases: 0, personsPerActiveCase: null, pastLifting: 0 }));
        r.areas++;
        if (d.flagged) r.flagged++;
        r.population += d.population;
        r.evidenceFootprint += d.evidenceFootprint;
        r.personsUnderMeasure += d.personsUnderMeasure;
        r.activeCases += d.activeCases;
        if (d.pastLifting) r.pastLifting++;
      }
      for (const r of byDistrict.values()) {
        r.ratio = r.evidenceFootprint ? Math.round((r.population / r.evidenceFootprint) * 10) / 10 : null;
        r.personsPerActiveCase = r.activeCases ? Math.round((r.personsUnderMeasure / r.activeCases) * 10) / 10 : null;
      }
      return { ratioThreshold: await ratioThreshold(db), generatedAt: deps.clock.now(), areas, districts: [...byDistrict.values()].sort((a, b) => b.flagged - a.flagged || a.districtPath.localeCompare(b.districtPath)) };
    },

    async settings(actor: Actor, db: DbOrTx = deps.db): Promise<ZoningSettingsDto> {
      requireCap(actor, 'area.read');
      return { ratioThreshold: await ratioThreshold(db) };
    },

    /** Sets the detector's ratio threshold (journaled). */
    async setSettings(trx: Tx | undefined, actor: Actor, input: ZoningSettingsDto): Promise<ZoningSettingsDto> {
      requireCap(actor, 'area.publish');
      const n = input.ratioThreshold;
      if (typeof n !== 'number' || !Number.isFinite(n) || n < 1) throw ZoningErrors.ZONING_THRESHOLD_INVALID({ ratioThreshold: n });
      return inTx(trx ?? deps.db, async (tx) => {
        const before = await ratioThreshold(tx);
        await repo.writeMeta(tx, RATIO_SETTING, String(n), deps.clock.now());
        await journal.append(tx, actor, { action: 'zoning.settings.ratio', entityType: 'setting', entityId: RATIO_SETTING, jurisdictionPath: '/', payload: { from: before, to: n } });
        return { ratioThreshold: n };
      });
    },

    /** Effective levels on a day (today: the live areas; a past day: rebuilt from the area history). */
    async map(actor: Actor, f: { jurisdictionId?: string; date?: string } = {}, db: DbOrTx = deps.db): Promise<ZoningMapDto> {
      requireCap(actor, 'area.read');
      return mapOf(actor, f, db);
    },

    /** For the demo seeder and scripts: proposals from the evidence, each published at once (as `actor`). */
    async proposeAndPublish(trx: Tx | undefined, actor: Actor, note = '演示 demo'): Promise<AreaDetailDto[]> {
      return inTx(trx ?? deps.db, async (tx) => {
        const { created } = await this.generateProposals(tx, actor);
        const out: AreaDetailDto[] = [];
        for (const a of created) out.push(await this.publish(tx, actor, a.id, { note, justification: note }));
        return out;
      });
    },

    /** The public list: no personal data, cached per version. */
    async publicList(): Promise<PublicZoningDto> {
      return (await publicCache.get('list', async (v) => cached(v, publicSchemas.publicList.parse(await buildPublicList(v))))).body;
    },

    /**
     * The public answers as ready JSON text with a per-version ETag: built, checked against the
     * public schema (only those fields ever leave) and serialised once per version, then sent as is.
     */
    async publicJson(which: 'list' | 'geojson'): Promise<{ json: string; etag: string }> {
      const c = await publicCache.get(which, async (v) => cached(v, which === 'list' ? publicSchemas.publicList.parse(await buildPublicList(v)) : publicSchemas.publicGeojson.parse(await buildPublicGeojson(v))));
      return { json: c.json, etag: c.etag };
    },

    /** Per-process concurrency cap of the public routes: false → answer 503 + Retry-After. */
    tryEnterPublic(): boolean {
      if (publicInFlight >= PUBLIC_MAX_CONCURRENT) return false;
      publicInFlight++;
      return true;
    },
    leavePublic(): void {
      publicInFlight = Math.max(0, publicInFlight - 1);
    },

    /** Detector rows as an XLSX workbook (areas sheet + districts sheet). */
    async detectorXlsx(actor: Actor, f: { jurisdictionId?: string } = {}): Promise<Buffer> {
      const report = await this.detector(actor, f);
      return detectorWorkbook(report);
    },

    /** For the situation home page: areas published and lifted in a window, and published areas by level now (`prefix` null = city). */
    situation: {
      eventCounts: (prefix: string | null, from: number, to: number, db: DbOrTx = deps.db) => situation.areaEventCounts(db, prefix, from, to),
      current: (prefix: string | null, db: DbOrTx = deps.db) => situation.currentAreas(db, prefix),
    },

    /**
     * Nodes of PUBLISHED areas inside any of `paths` or containing one of them, with the area's
     * level and its residents' area measure (high → sealed, medium → controlled). For the testing
     * module: campaigns over risk areas take their pool mode from the area. No scope check (the
     * caller's campaign scope is checked).
     */
    async areaLevelsUnder(paths: readonly string[], db: DbOrTx = deps.db): Promise<{ path: string; level: RiskLevel; areaId: string; measure: 'sealed' | 'controlled' | null }[]> {
      const above = [...new Set(paths.flatMap((p) => prefixesOf(p)))];
      const rows = [...(await repo.publishedNodesUnder(db, paths)), ...(await repo.publishedCovering(db, above))];
      const seen = new Set<string>();
      return rows
        .filter((r) => (seen.has(`${r.area_id}|${r.path}`) ? false : (seen.add(`${r.area_id}|${r.path}`), true)))
        .map((r) => ({ path: r.path, level: r.level as RiskLevel, areaId: r.area_id, measure: LEVEL_CONTROL_STATUS[r.level as RiskLevel] ?? null }));
    },
  };

  // -------------------------------------------------------------------------------------------
  // Map and public bodies (closures over the helpers above)

  async function mapOf(actor: Actor, f: { jurisdictionId?: string; date?: string }, db: DbOrTx): Promise<ZoningMapDto> {
    const now = deps.clock.now();
    const tz = deps.config.tz;
    const today = calendarDay(now, tz);
    const date = f.date ?? today;
    const asOf = date >= today ? now : startOfDay(addDays(date, 1), tz) - 1;
    let under = actor.scopePath;
    if (f.jurisdictionId) {
      const n = await geo.getById(f.jurisdictionId, db);
      if (!n || !inScope(actor, n.path)) throw ZoningErrors.ZONING_NODE_NOT_FOUND({ jurisdictionIds: [f.jurisdictionId] });
      under = n.path;
    }
    // The state of every area on that day: its latest history row at or before the end of the day.
    const states = (await repo.stateAsOf(db, asOf)).filter((e) => e.status === 'published' || e.status === 'proposed');
    const areaRows = new Map((await Promise.all(states.map((e) => repo.findArea(db, e.area_id)))).filter((r): r is repo.AreaRow => !!r).map((r) => [r.id, r]));
    const nodeIds = [...new Set(states.flatMap((e) => json<string[]>(e.node_ids)))];
    const nodes = new Map((await geo.getMany(nodeIds, db)).map((n) => [n.id, n]));
    const flagged = new Set((await compute(db, [...areaRows.values()].filter((r) => r.status === 'proposed' || r.status === 'published'))).filter((c) => c.detector.flagged).map((c) => c.row.id));
    const areas = states
      .map((e) => ({ id: e.area_id, name: areaRows.get(e.area_id)?.name ?? '', level: e.level as RiskLevel, status: e.status as AreaStatus, flagged: flagged.has(e.area_id), nodeIds: json<string[]>(e.node_ids).filter((id) => nodes.get(id)?.path.startsWith(under) || (nodes.get(id) && under.startsWith(nodes.get(id)!.path))) }))
      .filter((a) => a.nodeIds.length && inScopeOrAbove(actor, areaRows.get(a.id)?.jurisdiction_path ?? ''));
    const published = areas.filter((a) => a.status === 'published');
    const covered = [...new Set(areas.flatMap((a) => a.nodeIds))].slice(0, MAP_NODE_CAP);
    const features: { type: 'Feature'; geometry: unknown; properties: ZoningFeatureProperties }[] = [];
    for (const id of covered) {
      const n = nodes.get(id)!;
      const over = published.filter((a) => a.nodeIds.some((x) => n.path.startsWith(nodes.get(x)!.path)));
      const eff = highest(over.map((a) => a.level));
      const fc = await geo.geojson(SYS, { rootId: n.id, level: n.level as JurisdictionLevel, cap: 1 }, db);
      const props = { jurisdictionId: n.id, name: n.name, level: n.level, effectiveLevel: (eff ?? 'low') as RiskLevel, areaIds: areas.filter((a) => a.nodeIds.includes(id)).map((a) => a.id), flagged: areas.some((a) => a.flagged && a.nodeIds.includes(id)) };
      if (!eff && !areas.some((a) => a.status === 'proposed' && a.nodeIds.includes(id))) continue;
      features.push({ type: 'Feature', geometry: fc.features[0]?.geometry ?? null, properties: props });
    }
    return { date, asOf, areas, features: { type: 'FeatureCollection' as const, features }, truncated: covered.length < new Set(areas.flatMap((a) => a.nodeIds)).size };
  }

  function inScopeOrAbove(actor: Actor, path: string): boolean {
    return actor.scopePath === '/' || path.startsWith(actor.scopePath) || actor.scopePath.startsWith(path);
  }

  async function buildPublicList(version: number): Promise<PublicZoningDto> {
    const db = deps.db;
    const { rows } = await repo.listAreas(db, { statuses: ['published'] });
    const computed = await compute(db, rows, deps.clock.now(), { measures: false });
    const districts = new Map((await geo.getManyByPath([...new Set(rows.map((r) => r.district_path))], db)).map((n) => [n.path, n]));
    const groups = new Map<string, { districtName: string; districtCode: string; areas: PublicAreaDto[] }>();
    for (const c of computed) {
      const d = districts.get(c.row.district_path);
      const key = c.row.district_path;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { districtName: d?.name ?? '', districtCode: d?.code ?? '', areas: [] }));
      g.areas.push({
        id: c.row.id,
        name: c.row.name,
        level: c.row.level as RiskLevel,
        measures: json<MeasureKind[]>(c.row.measures),
        places: c.nodes.map((n) => n.name),
        publishedAt: Number(c.row.published_at),
        levelSince: Number(c.row.level_since ?? c.row.published_at),
      });
    }
    const history = await repo.publicHistory(db, 100);
    const names = new Map((await repo.findAreas(db, [...new Set(history.map((h) => h.area_id))])).map((r) => [r.id, r.name]));
    return {
      version,
      generatedAt: deps.clock.now(),
      districts: [...groups.values()].sort((a, b) => a.districtCode.localeCompare(b.districtCode)),
      history: history.map((h) => ({ areaId: h.area_id, name: names.get(h.area_id) ?? '', kind: h.kind as 'published' | 'stepped' | 'lifted', level: h.level as RiskLevel, at: Number(h.at) })),
    };
  }

  async function buildPublicGeojson(version: number): Promise<PublicFeatureCollection> {
    const db = deps.db;
    const { rows } = await repo.listAreas(db, { statuses: ['published'] });
    const nodeRows = await repo.nodesOfMany(db, rows.map((r) => r.id));
    const byId = new Map(rows.map((r) => [r.id, r]));
    const features: PublicFeatureCollection['features'] = [];
    for (const n of nodeRows.slice(0, MAP_NODE_CAP)) {
      const a = byId.get(n.area_id)!;
      const fc = await geo.geojson(SYS, { rootId: n.jurisdiction_id, level: n.level as JurisdictionLevel, cap: 1 }, db);
      const f0 = fc.features[0];
      features.push({ type: 'Feature', geometry: f0?.geometry ?? null, properties: { areaId: a.id, name: a.name, level: a.level as RiskLevel, place: f0?.properties.name ?? '' } });
    }
    return { type: 'FeatureCollection' as const, version, features };
  }
}

function cached<T>(version: number, body: T): { body: T; json: string; etag: string } {
  return { body, json: JSON.stringify(body), etag: `"zoning-${version}"` };
}

/** Public list: a cached body is served without any query this long (per process). */
export const PUBLIC_FRESH_MS = 1000;
/** Public requests served at once per process; past it, 503 + Retry-After. */
export const PUBLIC_MAX_CONCURRENT = 64;
/** Covered nodes a map answer carries at most. */
const MAP_NODE_CAP = 5000;

async function detectorWorkbook(report: DetectorReportDto): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('风险区 Areas');
  ws.addRow(['区域 Area', '状态 Status', '等级 Level', '区县 District', '划定粒度 Granularity', '方案粒度 Preset', '人口 Population', '证据人口 Footprint', '人口比 Ratio', '超期 Past lifting', '管控人数 Under measure', '在治病例 Active cases', '人/病例 Per case', '标记 Flags', '保留说明 Justification']);
  for (const a of report.areas) {
    ws.addRow([a.name, a.status, a.level, a.districtName, a.granularity, a.presetGranularity ?? '', a.population, a.evidenceFootprint, a.ratio ?? '', a.pastLifting ? '是 yes' : '', a.personsUnderMeasure, a.activeCases, a.personsPerActiveCase ?? '', a.flags.map((f) => f.message).join('；'), a.justification ?? '']);
  }
  const ds = wb.addWorksheet('区县 Districts');
  ds.addRow(['区县 District', '区域数 Areas', '标记 Flagged', '人口 Population', '证据人口 Footprint', '人口比 Ratio', '管控人数 Under measure', '在治病例 Active cases', '人/病例 Per case', '超期 Past lifting']);
  for (const d of report.districts) ds.addRow([d.districtName, d.areas, d.flagged, d.population, d.evidenceFootprint, d.ratio ?? '', d.personsUnderMeasure, d.activeCases, d.personsPerActiveCase ?? '', d.pastLifting]);
  const meta = wb.addWorksheet('说明 About');
  meta.addRow(['人口比阈值 Ratio threshold', report.ratioThreshold]);
  meta.addRow(['生成时间 Generated at', new Date(report.generatedAt).toISOString()]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export type ZoningService = ReturnType<typeof createZoningService>;
