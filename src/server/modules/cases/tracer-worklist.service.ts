import type { Deps } from '../../deps.js';
import type { DbOrTx } from '../../db/dialect.js';
import { scopePrefix, type Actor } from '../../platform/actor.js';
import { HOUR } from '../../platform/clock.js';
import type { createCaseRecords } from './case-records.service.js';
import * as repo from './cases.repository.js';
import type { TracerWorkItem, TracerWorklistDto } from './cases.schemas.js';
import type { createPresetService, PresetDto } from './presets.service.js';

/** Each list reads this many records at most (the oldest, which carry the earliest deadlines). */
const LIMIT = 200;

/**
 * The tracer's worklist (issue 16, "Each role lands on its work"): open cases whose core investigation
 * or close contacts are not yet recorded, and contacts not yet placed, each with the deadline its own
 * preset version's speed target gives (`targets`: core investigation and close contacts from the
 * confirmation, placement from the identification), earliest deadline first. Read-only, in scope.
 */
export function createTracerWorklist(deps: Deps, presets: ReturnType<typeof createPresetService>, records: ReturnType<typeof createCaseRecords>) {
  return {
    async worklist(actor: Actor, db: DbOrTx = deps.db): Promise<TracerWorklistDto> {
      records.requireCap(actor, 'case.read');
      const now = deps.clock.now();
      const prefix = scopePrefix(actor);
      const [cases, contacts] = await Promise.all([
        repo.openInvestigations(db, { prefix, limit: LIMIT }),
        repo.contactsAwaitingPlacement(db, { prefix, limit: LIMIT }),
      ]);
      const versions = new Map<string, PresetDto>();
      for (const id of new Set([...cases, ...contacts].map((r) => r.preset_id))) versions.set(id, await presets.getVersion(id, db));
      const names = await deps.services.geo.namesByPath(
        [...cases, ...contacts].map((r) => r.jurisdiction_path),
        db,
      );
      const item = (x: Omit<TracerWorkItem, 'dueAt' | 'overdue'>): TracerWorkItem => {
        const dueAt = x.startedAt + x.targetHours * HOUR;
        return { ...x, dueAt, overdue: now > dueAt };
      };
      const items: TracerWorkItem[] = [];
      for (const c of cases) {
        const t = versions.get(c.preset_id)!.params.targets;
        const confirmed = Number(c.confirmed_at);
        // The earlier of the open measures is the one to show: the next deadline to meet.
        const open = [
          ...(c.core_investigation_at === null ? [{ measure: 'coreInvestigation' as const, hours: t.coreInvestigationHours }] : []),
          ...(c.close_contacts_at === null ? [{ measure: 'closeContactsIdentified' as const, hours: t.closeContactsIdentifiedHours }] : []),
        ].sort((a, b) => a.hours - b.hours)[0]!;
        items.push(
          item({
            kind: 'case',
            id: c.id,
            caseId: c.id,
            nameMasked: c.name_masked,
            category: null,
            jurisdictionName: names.get(c.jurisdiction_path) ?? null,
            measure: open.measure,
            startedAt: confirmed,
            targetHours: open.hours,
          }),
        );
      }
      for (const c of contacts) {
        items.push(
          item({
            kind: 'contact',
            id: c.id,
            caseId: c.case_id,
            nameMasked: c.name_masked,
            category: c.category,
            jurisdictionName: names.get(c.jurisdiction_path) ?? null,
            measure: 'contactToQuarantine',
            startedAt: Number(c.identified_at),
            targetHours: versions.get(c.preset_id)!.params.targets.contactToQuarantineHours,
          }),
        );
      }
      items.sort((a, b) => a.dueAt - b.dueAt || a.id.localeCompare(b.id));
      return { asOf: now, items, truncated: cases.length === LIMIT || contacts.length === LIMIT };
    },
  };
}
