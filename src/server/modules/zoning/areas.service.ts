import { msg, renderMessage, type MessageRef } from '../../../common/message-text.js';
import {
  DEFAULT_RATIO_THRESHOLD,
  GRANULARITY_RANK,
  type AreaDetailDto,
  type AreaDto,
  type AreaEventDto,
  type DetectorFlagDto,
  type DetectorRowDto,
  type ExtensionDto,
  type FlagKind,
  type Granularity,
  type LiftingRoundDto,
  type LiftingScheduleDto,
} from '../../../common/zoning.js';
import type { DbOrTx } from '../../db/dialect.js';
import { addDays, calendarDay } from '../../platform/clock.js';
import { STRICTNESS, type ControlStatus } from '../control/index.js';
import type { PresetDto } from '../cases/index.js';
import * as repo from './zoning.repository.js';
import { countdown, coveredBy, metres, nextStep, normalizeNodes, pathAt, type LiftingStep } from './zoning.rules.js';
import { CASE_LOOKBACK_MS, RATIO_SETTING, SYS, firstOf, num, stamp, type CaseRef, type NearCase, type Node, type ZoningInputs } from './zoning.shared.js';
import { PLACE_DEPTH, pathPrefixes, placeText } from './place-names.js';

/** A detector flag: its reason as a message key and parameters, with the Chinese rendering kept as `message`. */
function flagOf(kind: FlagKind, text: MessageRef): DetectorFlagDto {
  return { kind, message: renderMessage('zh-CN', text.key, text.params), messageKey: text.key, messageParams: text.params ?? null } satisfies DetectorFlagDto;
}

/** The key a lifting round campaign is made for: the level and the round's calendar day. */
export const roundKey = (a: repo.AreaRow, r: LiftingRoundDto) => `${a.level}|${r.day}`;

/** The round named in words, for errors and tasks: `第5天（2026-12-12）全员核酸「…」：应检 8 人，已采 3 人，阴性 3 人`. */
export function roundText(r: LiftingRoundDto): string {
  const head = `第${r.dayNumber}天（${r.day}）区域内全员核酸`;
  if (!r.campaignId) return `${head}尚未开始（到当天由解封计划自动发起） · the day-${r.dayNumber} round of everyone in the area (${r.day}) has not started yet`;
  return `${head}「${r.campaignName}」：应检 ${r.target} 人，已采样 ${r.sampled} 人，阴性 ${r.negative} 人，阳性或待复核 ${r.positive} · day-${r.dayNumber} round (${r.day}): ${r.sampled}/${r.target} sampled, ${r.negative} negative, ${r.positive} positive or pending`;
}

/** An area row with its nodes, lifting schedule and detector numbers (see `compute`). */
export interface Computed {
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
 * Reads areas with everything derived from the evidence: the lifting schedule (countdown, round,
 * county rule), the 一刀切 detector row, and the DTOs. Every other zoning sub-service reads through it.
 */
export function createAreaReader(io: ZoningInputs) {
  const { control, geo, population, cases } = io;

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
  function scheduleOf(
    a: repo.AreaRow,
    nodes: readonly Node[],
    preset: PresetDto,
    ev: Evidence,
    now: number,
    exts: readonly repo.ExtensionRow[],
  ): { schedule: LiftingScheduleDto | null; step: LiftingStep | null; near: NearCase[] } {
    if (a.status !== 'published') return { schedule: null, step: null, near: [] };
    const tz = io.tz;
    const level = a.level;
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
      const reason =
        where === 'inside'
          ? `区域内新增病例（${day}），倒计时自该日重新计算 A new case inside the area (${day}) restarts the countdown`
          : `区域周边 ${distanceM} 米内新增病例（${day}），经决定延长，倒计时自该日重新计算 A new case ${distanceM} m from the area (${day}); extension accepted, the countdown restarts`;
      last = { caseId: c.id, confirmedAt: c.confirmedAt, where, distanceM, reason };
    }
    const anchorAt = Math.max(last?.confirmedAt ?? publishedAt, stepped ? levelSince : -Infinity);
    const base = { lastCase: last, activeCasesInside: activeInside, negativeRound: null, countyClear: null };
    if (!step) return { schedule: { next: null, anchorAt, dueAt: null, daysLeft: null, due: false, overdue: false, ...base }, step, near: nearCases };
    const cd = countdown(anchorAt, step.daysWithoutNewCase, now, tz);
    const roundDay = step.negativeRoundDay === null ? null : addDays(calendarDay(anchorAt, tz), step.negativeRoundDay);
    return {
      schedule: {
        next: {
          from: step.from,
          to: step.to,
          daysWithoutNewCase: step.daysWithoutNewCase,
          negativeRoundDay: step.negativeRoundDay,
          whenCountyClear: step.whenCountyClear,
          source: step.source,
        },
        anchorAt,
        dueAt: cd.dueAt,
        daysLeft: cd.daysLeft,
        due: cd.due,
        overdue: cd.overdue,
        ...base,
        negativeRound:
          roundDay === null
            ? null
            : {
                dayNumber: step.negativeRoundDay!,
                day: roundDay,
                campaignId: null,
                campaignName: null,
                target: 0,
                sampled: 0,
                negative: 0,
                positive: 0,
                passed: false,
              },
      },
      step,
      near: nearCases,
    };
  }

  /** Fills a round's numbers from its campaign's coverage (the campaign's top node: the area's residents). */
  async function fillRound(db: DbOrTx, a: repo.AreaRow, r: LiftingRoundDto): Promise<void> {
    if (!a.round_campaign_id || a.round_key !== roundKey(a, r)) return;
    const { testing } = io;
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

  async function ratioThreshold(db: DbOrTx = io.db): Promise<number> {
    const v = Number(await repo.readMeta(db, RATIO_SETTING));
    return Number.isFinite(v) && v >= 1 ? v : DEFAULT_RATIO_THRESHOLD;
  }

  const presetCache = new Map<string, PresetDto>();
  async function presetOf(db: DbOrTx, id: string): Promise<PresetDto> {
    let p = presetCache.get(id);
    if (!p) presetCache.set(id, (p = await cases.presets.getVersion(id, db)));
    return p;
  }

  /**
   * Schedule and detector numbers for many areas at once: one read of their nodes, of the cases since
   * the earliest of them, of the basis contacts, and of the footprint nodes' populations.
   */
  async function compute(db: DbOrTx, rows: readonly repo.AreaRow[], now = io.clock.now(), o: { measures?: boolean } = {}): Promise<Computed[]> {
    if (!rows.length) return [];
    const nodeRows = await repo.nodesOfMany(
      db,
      rows.map((r) => r.id),
    );
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
    const basisCaseIds = [...new Set(rows.flatMap((r) => repo.readJson.caseIds(r)))];
    const basisContactIds = [...new Set(rows.flatMap((r) => repo.readJson.contactIds(r)))];
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
      const caseIds = new Set(repo.readJson.caseIds(r));
      const ev1 = [
        ...[...caseIds].map((id) => knownCases.get(id)?.path),
        ...contactsOfCases.filter((c) => caseIds.has(c.caseId) && c.category === 'close').map((c) => c.path),
        ...repo.readJson.contactIds(r).map((id) => basisContacts.get(id)?.path),
        ...ev.cases.filter((c) => c.active && coveredBy(c.path, paths)).map((c) => c.path),
      ].filter((p): p is string => !!p && coveredBy(p, paths));
      // The footprint: where each evidence person lives, at the finest unit the preset draws this level
      // at, but never coarser than the building. An area drawn exactly as the preset asks (a case's
      // building under November 2022) is then not "wider than the evidence" merely because the
      // building has several entrances; a whole compound around one building still is.
      const drawnAt = (await presetOf(db, r.preset_id)).params.zoning.granularity[r.level];
      const unit = drawnAt === 'entrance' ? (p: string) => pathAt(p, 'entrance') ?? pathAt(p, 'building') : (p: string) => pathAt(p, 'building');
      const fp = ev1.map((p) => unit(p) ?? p).filter((p) => p.split('/').filter(Boolean).length >= 6);
      evidencePathsOf.set(r.id, fp);
      for (const p of fp) footprintPaths.add(p);
    }
    const fpNodes = new Map((await geo.getManyByPath([...footprintPaths], db)).map((n) => [n.path, n]));
    const extsOf = new Map<string, repo.ExtensionRow[]>();
    for (const e of await repo.extensionsOfMany(
      db,
      rows.map((r) => r.id),
    )) {
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
        const blocking = (await repo.publishedInDistrict(db, r.district_path, ['high', 'medium']))
          .filter((x) => x.id !== r.id)
          .map((x) => ({ id: x.id, name: x.name, level: x.level }));
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
      const activeCases = ev.cases.filter(
        (c) =>
          c.active &&
          coveredBy(
            c.path,
            own.map((n) => n.path),
          ),
      ).length;
      const presetGranularity = (preset.params.zoning.granularity[r.level] ?? null) as Granularity | null;
      const flags: DetectorFlagDto[] = [];
      if (ratio !== null && ratio > threshold) flags.push(flagOf('ratio', msg('zoning.flag.ratio', { ratio, population, footprint, threshold })));
      if (ratio === null && population > 0) flags.push(flagOf('ratio', msg('zoning.flag.noEvidence', { population })));
      if (presetGranularity && GRANULARITY_RANK[r.granularity] > GRANULARITY_RANK[presetGranularity])
        flags.push(
          flagOf(
            'granularity',
            msg('zoning.flag.granularity', { drawn: msg(`zoning.granularity.${r.granularity}`), required: msg(`zoning.granularity.${presetGranularity}`) }),
          ),
        );
      if (schedule?.overdue) flags.push(flagOf('past_lifting', msg('zoning.flag.pastLifting', { day: { day: calendarDay(schedule.dueAt!, io.tz) } })));
      const detector: DetectorRowDto = {
        areaId: r.id,
        name: r.name,
        status: r.status,
        level: r.level,
        granularity: r.granularity,
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
      out.push({
        row: r,
        nodes: own,
        schedule,
        detector,
        near,
        extensions: extsOf.get(r.id) ?? [],
        needsSecondPerson: r.source !== 'proposal' || population > bulkLimit,
      });
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
      status: r.status,
      level: r.level,
      granularity: r.granularity,
      measures: repo.readJson.measures(r),
      jurisdictionPath: r.jurisdiction_path,
      districtPath: r.district_path,
      districtName: c.detector.districtName,
      nodeCount: Number(r.node_count),
      population: c.detector.population,
      basis: { caseIds: repo.readJson.caseIds(r), contactIds: repo.readJson.contactIds(r) },
      presetVersion: r.preset_version,
      presetName: r.preset_name,
      proposedBy: { id: r.proposed_by, name: r.proposed_by_name, at: Number(r.proposed_at) },
      approvedBy: stamp(r.published_by, r.published_by_name, num(r.published_at)),
      source: r.source === 'proposal' ? 'proposal' : 'manual',
      needsSecondPerson: c.needsSecondPerson,
      publishedBy: stamp(r.published_by, r.published_by_name, num(r.published_at)),
      liftedBy: stamp(r.lifted_by, r.lifted_by_name, num(r.lifted_at)),
      rejectedBy:
        r.rejected_at !== null ? { id: r.rejected_by, name: r.rejected_by_name ?? '', at: Number(r.rejected_at), reason: r.reject_reason ?? '' } : null,
      levelSince: num(r.level_since),
      schedule: c.schedule,
      flagged: c.detector.flagged,
      justification: r.justification,
      updatedAt: Number(r.updated_at),
    } satisfies AreaDto;
  }

  const eventDto = (e: repo.EventRow): AreaEventDto => ({
    id: e.id,
    kind: e.kind,
    status: e.status,
    level: e.level,
    actor: { id: e.actor_id, name: e.actor_name },
    at: Number(e.at),
    reason: e.reason,
    details: repo.readJson.details(e),
    journalSeq: num(e.journal_seq),
  });

  /** `compute` for one area. */
  async function computeOne(db: DbOrTx, r: repo.AreaRow): Promise<Computed> {
    return firstOf(await compute(db, [r]), `computed area ${r.id}`);
  }

  async function detail(db: DbOrTx, r: repo.AreaRow): Promise<AreaDetailDto> {
    const c = await computeOne(db, r);
    const history = (await repo.eventsOf(db, r.id)).map(eventDto);
    const resting = await personsRestingOn(db, c.nodes, [r.id]);
    const nameOf = new Map((await io.geo.getManyByPath([...new Set(c.nodes.flatMap((n) => pathPrefixes(n.path)))], db)).map((n) => [n.path, n.name]));
    return {
      ...toDto(c),
      nodes: c.nodes.map((n) => ({
        jurisdictionId: n.id,
        code: n.code,
        name: n.name,
        place: placeText(n, nameOf, PLACE_DEPTH.community),
        level: n.level,
        path: n.path,
        population: n.population,
        centroid: n.centroid,
      })),
      history,
      detector: c.detector,
      personsUnderMeasure: resting.length,
      liftTaskId: r.lift_task_id,
      extensions: c.extensions.map(extensionDto),
    } satisfies AreaDetailDto;
  }

  function extensionDto(e: repo.ExtensionRow): ExtensionDto {
    return {
      id: e.id,
      caseId: e.case_id,
      caseConfirmedAt: Number(e.case_confirmed_at),
      distanceM: Number(e.distance_m),
      status: e.status,
      evidence: repo.readJson.evidence(e).text,
      decidedBy: e.decided_at !== null ? { id: e.decided_by, name: e.decided_by_name ?? '', at: Number(e.decided_at), reason: e.decision_reason ?? '' } : null,
      createdAt: Number(e.created_at),
    } satisfies ExtensionDto;
  }

  /** Residents of the nodes whose current status rests on one of these areas (basis risk_area). */
  async function personsRestingOn(
    db: DbOrTx,
    nodes: readonly Node[],
    areaIds: readonly string[],
  ): Promise<{ personId: string; status: ControlStatus; areaId: string }[]> {
    if (!nodes.length) return [];
    const residents = await population.residentsUnder(
      nodes.map((n) => n.path),
      db,
    );
    const statuses = await control.statusesOf(
      residents.map((r) => r.id),
      db,
    );
    const ids = new Set(areaIds);
    const out: { personId: string; status: ControlStatus; areaId: string }[] = [];
    for (const s of statuses.values()) {
      if (s.basis?.type === 'risk_area' && ids.has(s.basis.id) && STRICTNESS[s.status] > 0)
        out.push({ personId: s.personId, status: s.status, areaId: s.basis.id });
    }
    return out;
  }

  async function nodesOfArea(db: DbOrTx, areaId: string): Promise<Node[]> {
    const ids = (await repo.nodesOf(db, areaId)).map((n) => n.jurisdiction_id);
    return geo.getMany(ids, db);
  }

  return { compute, computeOne, toDto, detail, ratioThreshold, presetOf, personsRestingOn, nodesOfArea };
}

export type AreaReader = ReturnType<typeof createAreaReader>;
