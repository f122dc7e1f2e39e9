import type { Deps } from '../../deps.js';
import { inTx, type DbOrTx, type Tx } from '../../db/dialect.js';
import { inScope, scopePrefix, systemActor, type Actor } from '../../platform/actor.js';
import { Errors } from '../../platform/errors.js';
import { addDays, calendarDay, HOUR } from '../../platform/clock.js';
import { newId } from '../../platform/ids.js';
import { maskName } from '../population/index.js';
import { CasesErrors } from './cases.errors.js';
import * as repo from './cases.repository.js';
import type { createPresetService, PresetDto } from './presets.service.js';

const CASES_SYSTEM = systemActor('cases');
/** Statuses that count as "under control" for the detection channel (pending recheck is how community screening found them). */
// Found inside control (管控内): under a person measure, or living in a sealed or controlled area.
const UNDER_CONTROL = new Set(['quarantined_central', 'quarantined_home', 'home_monitored', 'sealed', 'controlled']);

// DTOs (shared with the web in src/common/cases.ts)
export type { CaseDto, CaseKind, CaseSpeed, ClinicalStatus } from '../../../common/cases.js';
import type { CaseDto, CaseKind, CaseSpeed, ClinicalStatus, DetectionChannel, SpeedMeasure } from '../../../common/cases.js';
import type { CaseListItem } from './cases.schemas.js';
import type { CaseInput } from './cases.types.js';

const hoursBetween = (a: number | null, b: number | null) => (a === null || b === null ? null : Math.round(((b - a) / HOUR) * 100) / 100);
const measure = (hours: number | null, target: number): SpeedMeasure => ({ hours, targetHours: target, met: hours === null ? null : hours <= target });

export function caseDto(r: repo.CaseRow): CaseDto {
  const n = (v: number | null) => (v === null ? null : Number(v));
  return {
    id: r.id,
    personId: r.person_id,
    nameMasked: r.name_masked,
    kind: r.kind,
    jurisdictionPath: r.jurisdiction_path,
    onsetDate: r.onset_date,
    reportDate: r.report_date,
    confirmedAt: Number(r.confirmed_at),
    clinicalStatus: r.clinical_status,
    detectionChannel: r.detection_channel as CaseDto['detectionChannel'],
    sourceCaseId: r.source_case_id,
    clusterId: r.cluster_id,
    presetId: r.preset_id,
    presetVersion: r.preset_version,
    links: { positiveTubeId: r.positive_tube_id, recheckId: r.recheck_id, recheckTubeId: r.recheck_tube_id },
    positiveAt: n(r.positive_at),
    coreInvestigationAt: n(r.core_investigation_at),
    closeContactsAt: n(r.close_contacts_at),
    createdAt: Number(r.created_at),
  } satisfies CaseDto;
}

/** Speed measures of a case against the targets of the preset version it was handled under. */
export function speedOf(c: repo.CaseRow, contacts: repo.ContactRow[], preset: PresetDto): CaseSpeed {
  const t = preset.params.targets;
  const q = contacts.filter((x) => x.quarantined_at !== null).map((x) => (Number(x.quarantined_at) - Number(x.identified_at)) / HOUR);
  const mean = q.length ? Math.round((q.reduce((a, b) => a + b, 0) / q.length) * 100) / 100 : null;
  const n = (v: number | null) => (v === null ? null : Number(v));
  return {
    positiveToConfirmed: measure(hoursBetween(n(c.positive_at), Number(c.confirmed_at)), t.positiveToConfirmedHours),
    coreInvestigation: measure(hoursBetween(Number(c.confirmed_at), n(c.core_investigation_at)), t.coreInvestigationHours),
    closeContactsIdentified: measure(hoursBetween(Number(c.confirmed_at), n(c.close_contacts_at)), t.closeContactsIdentifiedHours),
    contactToQuarantine: measure(mean, t.contactToQuarantineHours),
  } satisfies CaseSpeed;
}

/** `西陵区 12·07 疫情`: a district's name and a calendar day (YYYY-MM-DD) as HQs name a cluster. */
export function clusterNameOf(districtName: string, day: string): string {
  const [, mm = '', dd = ''] = day.split('-');
  return `${districtName ? `${districtName} ` : ''}${mm}·${dd} 疫情`;
}

/** Cases (感染者): creation, the confirmation flow from a positive recheck, the chain's source links, reads and lists. */
export function createCaseRecords(deps: Deps, presets: ReturnType<typeof createPresetService>) {
  const { journal, outbox } = deps.services;
  const today = () => calendarDay(deps.clock.now(), deps.config.tz);

  function requireCap(actor: Actor, cap: 'case.read' | 'case.manage'): void {
    if (!actor.capabilities.has(cap)) throw Errors.FORBIDDEN({ capability: cap });
  }

  async function visibleCase(db: DbOrTx, actor: Actor, id: string): Promise<repo.CaseRow> {
    const c = await repo.findCase(db, id);
    if (!c || !inScope(actor, c.jurisdiction_path)) throw CasesErrors.CASE_NOT_FOUND({ id });
    return c;
  }

  /** Refuses a source that would make a loop: walking up from the source must never reach the case. */
  async function checkNoCycle(db: DbOrTx, caseId: string, sourceId: string): Promise<void> {
    const seen = new Set<string>();
    let cur: string | null | undefined = sourceId;
    while (cur) {
      if (cur === caseId) throw CasesErrors.CHAIN_CYCLE({ caseId, sourceCaseId: sourceId });
      if (seen.has(cur)) break;
      seen.add(cur);
      cur = await repo.sourceOf(db, cur);
    }
  }

  /**
   * A new cluster's name as command HQs name one: the district of its first case and that case's
   * report day (西陵区 12·07 疫情). It can be edited afterwards (clusters.rename).
   */
  async function clusterName(tx: Tx, path: string, reportDay: string): Promise<string> {
    const [city, district] = path.split('/').filter(Boolean);
    const districtPath = district ? `/${city}/${district}/` : path;
    const name = (await deps.services.geo.namesByPath([districtPath], tx)).get(districtPath) ?? '';
    return clusterNameOf(name, reportDay);
  }

  async function newCluster(tx: Tx, actor: Actor, firstCaseId: string, path: string, preset: PresetDto, name: string, now: number): Promise<string> {
    const id = newId(now);
    await repo.insertCluster(tx, {
      id,
      name,
      first_case_id: firstCaseId,
      status: 'active',
      jurisdiction_path: path,
      preset_id: preset.id,
      preset_version: preset.label,
      last_case_at: now,
      contained_at: null,
      extinguished_at: null,
      created_at: now,
      updated_at: now,
    });
    await journal.append(tx, actor, {
      action: 'cases.cluster.create',
      entityType: 'case_cluster',
      entityId: id,
      jurisdictionPath: path,
      payload: { firstCaseId, presetVersion: preset.label },
    });
    return id;
  }

  async function create(
    tx: Tx,
    actor: Actor,
    input: CaseInput,
    links: { positiveTubeId?: string | null; positiveAt?: number | null; recheckId?: string | null; recheckTubeId?: string | null } = {},
  ): Promise<CaseDto> {
    requireCap(actor, 'case.manage');
    const reason = input.reason?.trim();
    if (!reason) throw Errors.REASON_REQUIRED();
    const path = (await deps.services.population.pathsOf([input.personId], tx)).get(input.personId);
    if (!path || !inScope(actor, path)) throw CasesErrors.CASE_PERSON_NOT_FOUND({ personId: input.personId });
    const reportDate = input.reportDate ?? today();
    if (reportDate > today() || (input.onsetDate && input.onsetDate > reportDate))
      throw CasesErrors.CASE_DATES_INVALID({ onsetDate: input.onsetDate ?? null, reportDate });
    const preset = await presets.active(tx);
    const now = deps.clock.now();
    const id = newId(now);
    let clusterId = input.clusterId ?? null;
    if (input.sourceCaseId) {
      const src = await visibleCase(tx, actor, input.sourceCaseId);
      clusterId ??= src.cluster_id;
    }
    if (clusterId) {
      const k = await repo.findCluster(tx, clusterId);
      if (!k || !inScope(actor, k.jurisdiction_path)) throw CasesErrors.CLUSTER_NOT_FOUND({ id: clusterId });
      if (await repo.caseOfPersonInCluster(tx, input.personId, clusterId)) throw CasesErrors.CASE_DUPLICATE_IN_CLUSTER({ personId: input.personId, clusterId });
    }
    const status = (await deps.services.control.statusesOf([input.personId], tx)).get(input.personId)!.status;
    const channel = UNDER_CONTROL.has(status) ? 'in_control' : 'community';
    const person = await deps.services.population.get(CASES_SYSTEM, input.personId, tx);
    const row: repo.CaseRow = {
      id,
      person_id: input.personId,
      name_masked: maskName(person.name),
      kind: input.kind,
      jurisdiction_path: path,
      onset_date: input.onsetDate ?? null,
      report_date: reportDate,
      confirmed_at: now,
      clinical_status: 'treatment',
      detection_channel: channel,
      source_case_id: input.sourceCaseId ?? null,
      cluster_id: clusterId,
      preset_id: preset.id,
      preset_version: preset.label,
      positive_tube_id: links.positiveTubeId ?? null,
      positive_at: links.positiveAt ?? null,
      recheck_id: links.recheckId ?? null,
      recheck_tube_id: links.recheckTubeId ?? null,
      core_investigation_at: null,
      close_contacts_at: null,
      created_by: actor.userId,
      created_by_name: actor.name,
      created_at: now,
      updated_at: now,
    };
    await repo.insertCase(tx, row);
    if (!clusterId) {
      row.cluster_id = await newCluster(tx, actor, id, path, preset, await clusterName(tx, path, reportDate), now);
      await repo.updateCase(tx, id, { cluster_id: row.cluster_id });
    } else {
      const k = (await repo.findCluster(tx, clusterId))!;
      // A new linked case puts a contained or extinguished cluster back to active (the chain was not ended).
      await repo.updateCluster(tx, clusterId, {
        last_case_at: now,
        updated_at: now,
        ...(k.status !== 'active' ? { status: 'active', contained_at: null, extinguished_at: null } : {}),
      });
      if (k.status !== 'active') {
        await journal.append(tx, actor, {
          action: 'cases.cluster.status',
          entityType: 'case_cluster',
          entityId: k.id,
          jurisdictionPath: k.jurisdiction_path,
          payload: { from: k.status, to: 'active', newCaseId: id },
        });
      }
    }
    await journal.append(tx, actor, {
      action: 'cases.case.create',
      entityType: 'case',
      entityId: id,
      jurisdictionPath: path,
      reason,
      payload: {
        kind: row.kind,
        detectionChannel: channel,
        clusterId: row.cluster_id,
        sourceCaseId: row.source_case_id,
        presetVersion: preset.label,
        recheckId: row.recheck_id,
        positiveTubeId: row.positive_tube_id,
      },
    });
    await deps.services.control.applyAutomatic(tx, actor, {
      personIds: [input.personId],
      to: 'quarantined_central',
      basis: { type: 'case', id },
      presetVersion: preset.label,
      ifNotAllowed: 'skip',
      reason: `${row.kind === 'confirmed' ? '确诊病例' : '无症状感染者'}，集中隔离治疗 · ${row.kind === 'confirmed' ? 'Confirmed case' : 'Asymptomatic infection'}: central isolation`,
    });
    await outbox.publish(tx, {
      topic: 'cases.case.created',
      capability: 'case.read',
      jurisdictionPath: path,
      payload: { id, clusterId: row.cluster_id, detectionChannel: channel },
    });
    return caseDto(row);
  }

  return {
    visibleCase,
    requireCap,

    /** Manual case creation (a case reported by a hospital, say). Journaled; the person goes to central isolation. */
    create: (trx: Tx | undefined, actor: Actor, input: CaseInput) => inTx(trx ?? deps.db, (tx) => create(tx, actor, input)),

    /**
     * THE CONFIRMATION FLOW: a positive single-tube recheck (by its tube or its hand-over record)
     * becomes a case. Tube, recheck and case stay linked; the hand-over is acknowledged with the case id.
     */
    async confirmFromRecheck(
      trx: Tx | undefined,
      actor: Actor,
      input: { recheckTubeId?: string | null; handoverId?: string | null; kind: CaseKind; onsetDate?: string | null; reason: string },
    ): Promise<CaseDto> {
      requireCap(actor, 'case.manage');
      return inTx(trx ?? deps.db, async (tx) => {
        const testing = deps.services.testing;
        let recheck;
        try {
          if (input.handoverId) recheck = await testing.rechecks.get(actor, input.handoverId, tx);
          else if (input.recheckTubeId)
            recheck = (await testing.tubes.trace(actor, input.recheckTubeId, tx)).rechecks.find((r) => r.tubeId === input.recheckTubeId);
        } catch (err) {
          if ((err as { status?: number }).status === 404)
            throw CasesErrors.RECHECK_NOT_FOUND({ recheckTubeId: input.recheckTubeId ?? null, handoverId: input.handoverId ?? null });
          throw err;
        }
        if (!recheck) throw CasesErrors.RECHECK_NOT_FOUND({ recheckTubeId: input.recheckTubeId ?? null, handoverId: input.handoverId ?? null });
        if (recheck.status !== 'positive') throw CasesErrors.RECHECK_NOT_POSITIVE({ recheckId: recheck.id, status: recheck.status });
        const existing = await repo.caseByRecheck(tx, recheck.id);
        if (existing) throw CasesErrors.CASE_ALREADY_CONFIRMED({ recheckId: recheck.id, caseId: existing.id });
        const pool = await testing.tubes.get(CASES_SYSTEM, recheck.parentTubeId, tx);
        const dto = await create(
          tx,
          actor,
          { personId: recheck.personId, kind: input.kind, onsetDate: input.onsetDate, reason: input.reason },
          {
            positiveTubeId: pool.id,
            positiveAt: pool.resultAt,
            recheckId: recheck.id,
            recheckTubeId: recheck.tubeId,
          },
        );
        if (recheck.handoverAt !== null && recheck.handoverAckAt === null) await testing.rechecks.acknowledgeHandover(tx, CASES_SYSTEM, recheck.id, dto.id);
        return dto;
      });
    },

    /** Sets or clears a case's source case (422 CHAIN_CYCLE when it would make a loop). Journaled. */
    async setSource(trx: Tx | undefined, actor: Actor, id: string, sourceCaseId: string | null, reason: string): Promise<CaseDto> {
      requireCap(actor, 'case.manage');
      if (!reason?.trim()) throw Errors.REASON_REQUIRED();
      return inTx(trx ?? deps.db, async (tx) => {
        const c = await visibleCase(tx, actor, id);
        if (sourceCaseId) {
          await visibleCase(tx, actor, sourceCaseId);
          await checkNoCycle(tx, c.id, sourceCaseId);
        }
        await repo.updateCase(tx, c.id, { source_case_id: sourceCaseId, updated_at: deps.clock.now() });
        await journal.append(tx, actor, {
          action: 'cases.case.source',
          entityType: 'case',
          entityId: c.id,
          jurisdictionPath: c.jurisdiction_path,
          payload: { from: c.source_case_id, to: sourceCaseId },
          reason: reason.trim(),
        });
        return caseDto((await repo.findCase(tx, c.id))!);
      });
    },

    /** Clinical status (treatment → recovered → discharged). Journaled. */
    async setClinicalStatus(trx: Tx | undefined, actor: Actor, id: string, status: ClinicalStatus, reason: string): Promise<CaseDto> {
      requireCap(actor, 'case.manage');
      return inTx(trx ?? deps.db, async (tx) => {
        const c = await visibleCase(tx, actor, id);
        await repo.updateCase(tx, c.id, { clinical_status: status, updated_at: deps.clock.now() });
        await journal.append(tx, actor, {
          action: 'cases.case.clinical',
          entityType: 'case',
          entityId: c.id,
          jurisdictionPath: c.jurisdiction_path,
          payload: { from: c.clinical_status, to: status },
          reason: reason?.trim() || null,
        });
        return caseDto((await repo.findCase(tx, c.id))!);
      });
    },

    /** Marks the core investigation (核心信息流调) done; the 4-hour measure reads it. */
    async markCoreInvestigationDone(trx: Tx | undefined, actor: Actor, id: string): Promise<CaseDto> {
      requireCap(actor, 'case.manage');
      return inTx(trx ?? deps.db, async (tx) => {
        const c = await visibleCase(tx, actor, id);
        if (c.core_investigation_at !== null) return caseDto(c);
        const now = deps.clock.now();
        await repo.updateCase(tx, c.id, { core_investigation_at: now, updated_at: now });
        await journal.append(tx, actor, {
          action: 'cases.case.core-investigation',
          entityType: 'case',
          entityId: c.id,
          jurisdictionPath: c.jurisdiction_path,
          payload: { hours: hoursBetween(Number(c.confirmed_at), now) },
        });
        return caseDto((await repo.findCase(tx, c.id))!);
      });
    },

    /** One case with its speed measures against its own preset version's targets. */
    async get(actor: Actor, id: string, db: DbOrTx = deps.db): Promise<CaseDto & { speed: CaseSpeed }> {
      requireCap(actor, 'case.read');
      const c = await visibleCase(db, actor, id);
      const [contacts, preset] = await Promise.all([repo.contactsOfCase(db, c.id), presets.getVersion(c.preset_id, db)]);
      return { ...caseDto(c), speed: speedOf(c, contacts, preset) };
    },

    /** A scoped page, newest report first; pass the returned cursor for the next page. */
    async list(actor: Actor, f: { kind?: CaseKind; channel?: DetectionChannel; clusterId?: string; cursor?: string; limit?: number }, db: DbOrTx = deps.db) {
      requireCap(actor, 'case.read');
      const limit = Math.min(Math.max(f.limit ?? 50, 1), 200);
      const after = f.cursor ? decodeCursor(f.cursor) : undefined;
      const rows = await repo.listCases(db, {
        prefix: scopePrefix(actor),
        kind: f.kind,
        channel: f.channel,
        clusterId: f.clusterId,
        after: after ? { reportDate: after[0], id: after[1] } : undefined,
        limit,
      });
      const last = rows[rows.length - 1];
      const names = await deps.services.geo.namesByPath(
        rows.map((r) => r.jurisdiction_path),
        db,
      );
      const items = rows.map((r) => ({ ...caseDto(r), jurisdictionName: names.get(r.jurisdiction_path) ?? null }) satisfies CaseListItem);
      return { items, nextCursor: rows.length === limit && last ? encodeCursor(last.report_date, last.id) : null };
    },

    /** The look-back window's first day for contacts of this case under its preset (onset, else report date). */
    lookbackStart: (c: repo.CaseRow, lookbackDays: number) => addDays(c.onset_date ?? c.report_date, -lookbackDays),
  };
}

export const encodeCursor = (a: string, b: string) => Buffer.from(JSON.stringify([a, b])).toString('base64url');
export function decodeCursor(s: string): [string, string] {
  try {
    const v = JSON.parse(Buffer.from(s, 'base64url').toString()) as unknown;
    if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'string')) return v as [string, string];
  } catch {
    /* fall through */
  }
  throw Errors.VALIDATION_FAILED({ cursor: 'invalid' });
}
