import type { Deps } from '../../deps.js';
import type { DbOrTx, Tx } from '../../db/dialect.js';
import { inScope, scopePrefix, type Actor } from '../../platform/actor.js';
import { calendarDay, DAY } from '../../platform/clock.js';
import { speedOf, type createCaseRecords } from './case-records.service.js';
import { CasesErrors } from './cases.errors.js';
import * as repo from './cases.repository.js';
import type { createPresetService } from './presets.service.js';
import type { ClusterBoard, ClusterDto, ClusterGraphDto, RenameClusterInput, SpeedAggregate } from './cases.schemas.js';
import type { ClusterStatus, GraphFilter } from './cases.types.js';

export const CLUSTER_EVALUATE_JOB = 'cases.clusters.evaluate';
/** Calendar days between two instants in the configured zone (0 on the same day). */
function daysBetween(a: number, b: number, tz: string): number {
  return Math.round((Date.parse(calendarDay(b, tz)) - Date.parse(calendarDay(a, tz))) / DAY);
}

/** Clusters (一起疫情): status by the preset rule (a recurring job), the board, the chain graph. */
export function createClusters(deps: Deps, presets: ReturnType<typeof createPresetService>, records: ReturnType<typeof createCaseRecords>) {
  const tz = deps.config.tz;

  async function visibleCluster(db: DbOrTx, actor: Actor, id: string) {
    const k = await repo.findCluster(db, id);
    if (!k || !inScope(actor, k.jurisdiction_path)) throw CasesErrors.CLUSTER_NOT_FOUND({ id });
    return k;
  }

  /** The status a cluster should have now under the rule of its own preset version. */
  async function ruleStatus(db: DbOrTx, k: repo.ClusterRow, now: number) {
    const preset = await presets.getVersion(k.preset_id, db);
    const rule = preset.params.clusters;
    const [cases, contacts] = await Promise.all([repo.casesOfCluster(db, k.id), repo.contactsOfCluster(db, k.id)]);
    const last = Math.max(...cases.map((c) => Number(c.confirmed_at)), Number(k.created_at));
    const community = cases.filter((c) => c.detection_channel === 'community').map((c) => Number(c.confirmed_at));
    const lastCommunity = community.length ? Math.max(...community) : Number(k.created_at);
    const uncontrolled = contacts.filter((c) => c.status === 'open' && c.routing !== 'assist' && c.quarantined_at === null).length;
    const daysSinceLast = daysBetween(last, now, tz);
    const daysSinceCommunity = daysBetween(lastCommunity, now, tz);
    let status: ClusterStatus = 'active';
    if (daysSinceLast >= rule.extinguishedAfterDaysWithoutCase) status = 'extinguished';
    else if (daysSinceCommunity >= rule.containedAfterDaysWithoutCommunityCase && uncontrolled === 0) status = 'contained';
    return { status, daysSinceLast, daysSinceCommunity, uncontrolled, rule, cases, contacts, preset };
  }

  return {
    /**
     * The recurring job's work: moves each cluster not yet extinguished to the status its preset's
     * rule gives (active → contained → extinguished; back to active when a community case appears).
     * Each transition is journaled with the numbers it rests on. Returns the transitions made.
     */
    async evaluate(trx: Tx, actor: Actor, now = deps.clock.now()): Promise<{ clusterId: string; from: string; to: ClusterStatus }[]> {
      const out: { clusterId: string; from: string; to: ClusterStatus }[] = [];
      for (const k of await repo.clustersByStatus(trx, ['active', 'contained'], null)) {
        const r = await ruleStatus(trx, k, now);
        if (r.status === k.status) continue;
        await repo.updateCluster(trx, k.id, {
          status: r.status,
          updated_at: now,
          ...(r.status === 'contained' ? { contained_at: now } : {}),
          ...(r.status === 'extinguished' ? { extinguished_at: now } : {}),
        });
        await deps.services.journal.append(trx, actor, {
          action: 'cases.cluster.status',
          entityType: 'case_cluster',
          entityId: k.id,
          jurisdictionPath: k.jurisdiction_path,
          payload: {
            from: k.status,
            to: r.status,
            daysSinceLastCase: r.daysSinceLast,
            daysSinceCommunityCase: r.daysSinceCommunity,
            uncontrolledContacts: r.uncontrolled,
            rule: r.rule,
            presetVersion: k.preset_version,
          },
        });
        await deps.services.outbox.publish(trx, {
          topic: 'cases.cluster.status',
          capability: 'case.read',
          jurisdictionPath: k.jurisdiction_path,
          payload: { id: k.id, from: k.status, to: r.status },
        });
        out.push({ clusterId: k.id, from: k.status, to: r.status });
      }
      return out;
    },

    /** The board: every cluster not extinguished in scope, with its numbers and speed measures. */
    async board(actor: Actor, db: DbOrTx = deps.db) {
      records.requireCap(actor, 'case.read');
      const now = deps.clock.now();
      const items: ClusterBoard['items'] = [];
      const clusters = await repo.clustersByStatus(db, ['active', 'contained'], scopePrefix(actor));
      const names = await deps.services.geo.namesByPath(
        clusters.map((k) => k.jurisdiction_path),
        db,
      );
      for (const k of clusters) {
        const r = await ruleStatus(db, k, now);
        const speeds = r.cases.map((c) =>
          speedOf(
            c,
            r.contacts.filter((x) => x.case_id === c.id),
            r.preset,
          ),
        );
        const agg = (key: keyof (typeof speeds)[number]) => {
          const hs = speeds.map((s) => s[key].hours).filter((h): h is number => h !== null);
          const target =
            r.preset.params.targets[
              `${key === 'positiveToConfirmed' ? 'positiveToConfirmed' : key === 'coreInvestigation' ? 'coreInvestigation' : key === 'closeContactsIdentified' ? 'closeContactsIdentified' : 'contactToQuarantine'}Hours` as keyof typeof r.preset.params.targets
            ];
          return {
            meanHours: hs.length ? Math.round((hs.reduce((a, b) => a + b, 0) / hs.length) * 100) / 100 : null,
            targetHours: target,
            measured: hs.length,
            met: hs.filter((h) => h <= target).length,
          } satisfies SpeedAggregate;
        };
        const inControl = r.cases.filter((c) => c.detection_channel === 'in_control').length;
        items.push({
          id: k.id,
          name: k.name,
          status: k.status,
          jurisdictionPath: k.jurisdiction_path,
          firstCaseId: k.first_case_id,
          presetVersion: k.preset_version,
          jurisdictionName: names.get(k.jurisdiction_path) ?? null,
          cases: r.cases.length,
          daysSinceLastCase: r.daysSinceLast,
          inControlShare: r.cases.length ? Math.round((inControl / r.cases.length) * 1000) / 1000 : 0,
          openContacts: r.contacts.filter((c) => c.status === 'open').length,
          uncontrolledContacts: r.uncontrolled,
          speed: {
            positiveToConfirmed: agg('positiveToConfirmed'),
            coreInvestigation: agg('coreInvestigation'),
            closeContactsIdentified: agg('closeContactsIdentified'),
            contactToQuarantine: agg('contactToQuarantine'),
          },
        });
      }
      return { items };
    },

    /** Renames a cluster (HQs name them 西陵区 12·07 疫情): journaled with the old and the new name. */
    async rename(trx: Tx, actor: Actor, id: string, input: RenameClusterInput) {
      records.requireCap(actor, 'case.manage');
      const k = await visibleCluster(trx, actor, id);
      const name = input.name.trim();
      if (name !== k.name) {
        const now = deps.clock.now();
        await repo.updateCluster(trx, k.id, { name, updated_at: now });
        await deps.services.journal.append(trx, actor, {
          action: 'cases.cluster.rename',
          entityType: 'case_cluster',
          entityId: k.id,
          jurisdictionPath: k.jurisdiction_path,
          payload: { from: k.name, to: name, reason: input.reason?.trim() || null },
        });
      }
      return this.get(actor, id, trx);
    },

    async get(actor: Actor, id: string, db: DbOrTx = deps.db) {
      records.requireCap(actor, 'case.read');
      const k = await visibleCluster(db, actor, id);
      return {
        id: k.id,
        name: k.name,
        status: k.status,
        jurisdictionPath: k.jurisdiction_path,
        firstCaseId: k.first_case_id,
        presetVersion: k.preset_version,
        lastCaseAt: k.last_case_at === null ? null : Number(k.last_case_at),
        containedAt: k.contained_at === null ? null : Number(k.contained_at),
        extinguishedAt: k.extinguished_at === null ? null : Number(k.extinguished_at),
        createdAt: Number(k.created_at),
      } satisfies ClusterDto;
    },

    /** The chain of transmission: cases and contacts as nodes (masked names), with filters. */
    async graph(actor: Actor, id: string, f: GraphFilter = {}, db: DbOrTx = deps.db) {
      records.requireCap(actor, 'case.read');
      const k = await visibleCluster(db, actor, id);
      const cases = (await repo.casesOfCluster(db, k.id)).filter((c) => !f.kind || c.kind === f.kind);
      const contacts = f.contacts === false ? [] : (await repo.contactsOfCluster(db, k.id)).filter((c) => !f.category || c.category === f.category);
      const caseIds = new Set(cases.map((c) => c.id));
      const caseByPerson = new Map(cases.map((c) => [c.person_id, c.id]));
      const nodes = [
        ...cases.map((c) => ({ id: c.id, type: 'case' as const, label: c.name_masked, category: c.kind, status: c.clinical_status })),
        ...contacts.map((c) => ({ id: c.id, type: 'contact' as const, label: c.name_masked, category: c.category, status: c.control_status ?? c.status })),
      ];
      const edges = [
        ...cases
          .filter((c) => c.source_case_id && caseIds.has(c.source_case_id))
          .map((c) => ({ from: c.source_case_id!, to: c.id, kind: 'transmission' as const })),
        ...contacts.filter((c) => caseIds.has(c.case_id)).map((c) => ({ from: c.case_id, to: c.id, kind: 'contact' as const })),
        ...contacts
          .filter((c) => c.person_id && caseByPerson.has(c.person_id))
          .map((c) => ({ from: c.id, to: caseByPerson.get(c.person_id!)!, kind: 'became_case' as const })),
      ];
      return { clusterId: k.id, nodes, edges } satisfies ClusterGraphDto;
    },
  };
}
