import type { Deps } from '../../deps.js';
import { registerEntityScope } from '../../platform/http/policy.js';
import { systemActor } from '../../platform/actor.js';
import { HOUR } from '../../platform/clock.js';
import { createCaseRecords } from './case-records.service.js';
import { CLUSTER_EVALUATE_JOB, createClusters } from './clusters.service.js';
import { createTracing } from './tracing.service.js';
import { createTravellers } from './travellers.service.js';
import { createTracerWorklist } from './tracer-worklist.service.js';
import { inScope, type Actor } from '../../platform/actor.js';
import type { DbOrTx, Tx } from '../../db/dialect.js';
import type { BasisType, ControlStatus } from '../control/index.js';
import * as repo from './cases.repository.js';
import * as situation from './cases.situation.js';
import { CasesErrors } from './cases.errors.js';
import { createPresetService } from './presets.service.js';
import type { CasesService } from './cases.types.js';

/**
 * Cases, tracing and clusters (感染者、流调、密接、一起疫情) and the protocol presets they follow.
 * Created after testing and control: the confirmation flow reads rechecks and changes control status.
 */
export function createCasesService(deps: Deps): CasesService {
  const presets = createPresetService(deps);
  const records = createCaseRecords(deps, presets);
  const tracing = createTracing(deps, presets, records);
  const clusters = createClusters(deps, presets, records);
  const travellers = createTravellers(deps, presets, records);
  const worklist = createTracerWorklist(deps, presets, records);

  deps.services.control.registerBasisValidator('case', async (db, id) => (await repo.casePath(db, id)) !== undefined);
  deps.services.control.registerBasisValidator('contact', async (db, id) => (await repo.contactPath(db, id)) !== undefined);
  deps.services.control.registerBasisValidator('traveller', travellers.exists);
  const one = (find: (db: Deps['db'], id: string) => Promise<string | undefined>) => async (db: Deps['db'], id: string) => {
    const p = await find(db, id);
    return p ? [p] : undefined;
  };
  registerEntityScope('case', one(repo.casePath));
  registerEntityScope('case_cluster', one(repo.clusterPath));
  registerEntityScope('case_contact', one(repo.contactPath));
  registerEntityScope('case_assist_request', one(repo.assistPath));
  registerEntityScope('traveller', one(travellers.pathOf));

  // A merged person's cases and contact links follow the kept record.
  deps.services.population.registerMergeHandler((trx, fromId, intoId) => repo.repointPerson(trx, fromId, intoId));

  // Cluster status (active → contained → extinguished) follows each cluster's preset rule, hourly.
  deps.services.jobs.registerRecurring(CLUSTER_EVALUATE_JOB, HOUR, async (trx, _p, ctx) => {
    await clusters.evaluate(trx, ctx.actor ?? systemActor('cases'), ctx.now);
  });

  return {
    presets,
    cases: records,
    tracing,
    clusters,
    travellers,
    worklist,
    /**
     * For quarantine: what a basis record says about the stay it founds (its person, category and the
     * last exposure or arrival day), scope-checked; null for basis types that found no schedule.
     */
    async quarantineBasisFacts(db: DbOrTx, actor: Actor, basis: { type: BasisType; id: string }) {
      if (basis.type === 'traveller') return travellers.factsFor(db, actor, basis.id);
      if (basis.type !== 'contact') return null;
      const c = await repo.findContact(db, basis.id);
      if (!c || !(inScope(actor, c.jurisdiction_path) || (c.person_path !== null && inScope(actor, c.person_path))))
        throw CasesErrors.CONTACT_NOT_FOUND({ id: basis.id });
      return { personId: c.person_id, exposureDay: c.exposure_date, category: c.category };
    },
    /**
     * For quarantine: a stay founded on this contact started, so the contact is placed (issue 16: no
     * longer awaiting placement). Records the status and when, once; other basis types are ignored.
     */
    async contactPlaced(trx: Tx, basis: { type: BasisType; id: string }, status: ControlStatus, at: number): Promise<void> {
      if (basis.type !== 'contact') return;
      const c = await repo.findContact(trx, basis.id);
      if (c && c.quarantined_at === null) await repo.updateContact(trx, c.id, { control_status: status, quarantined_at: at });
      // Placed by the receiving district: the contact's hand-over task (another district's contact) closes itself.
      if (c?.handover_task_id)
        await deps.services.tasks.closeForWork(trx, systemActor('cases'), { taskIds: [c.handover_task_id] }, { kind: 'handover_accepted', id: c.id });
    },
    /** For quarantine: a secondary contact's link to THEIR close contact (9th edition linked release), or null. */
    async linkOf(db: DbOrTx, contactId: string): Promise<{ viaContactId: string } | null> {
      const c = await repo.findContact(db, contactId);
      return c?.category === 'secondary' && c.via_contact_id ? { viaContactId: c.via_contact_id } : null;
    },
    /**
     * For quarantine: the close contact turned positive, so the secondary contacts linked to it become
     * close contacts (9th edition). Journaled per contact; returns the upgraded ones.
     */
    async upgradeLinkedSecondaries(trx: Tx, actor: Actor, closeContactId: string): Promise<{ id: string; personId: string | null }[]> {
      const rows = await repo.secondariesVia(trx, closeContactId);
      const now = deps.clock.now();
      for (const r of rows) {
        await repo.updateContact(trx, r.id, { category: 'close', updated_at: now });
        await deps.services.journal.append(trx, actor, {
          action: 'cases.contact.upgrade',
          entityType: 'case_contact',
          entityId: r.id,
          jurisdictionPath: r.jurisdiction_path,
          payload: { from: 'secondary', to: 'close', viaContactId: closeContactId, personId: r.person_id },
        });
      }
      return rows.map((r) => ({ id: r.id, personId: r.person_id }));
    },
    /** For zoning: places of cases (with a building/compound) and their windows; `activeOnly`: clusters not extinguished. */
    placesForProposals: tracing.placesForProposals,
    /** For zoning: cases (residence path, confirmation, clinical status) by id and/or confirmed since a time. */
    casesForZoning: async (f: { ids?: readonly string[]; since?: number }, db: Deps['db'] = deps.db) =>
      (await repo.casesForZoning(db, f)).map((r) => ({
        id: r.id,
        path: r.jurisdiction_path,
        confirmedAt: Number(r.confirmed_at),
        active: r.clinical_status === 'treatment',
      })),
    /** For zoning: contacts (the person's residence path, category) by id and/or of cases. */
    contactsForZoning: async (f: { ids?: readonly string[]; caseIds?: readonly string[] }, db: Deps['db'] = deps.db) =>
      (await repo.contactsForZoning(db, f)).map((r) => ({ id: r.id, caseId: r.case_id, category: r.category, path: r.person_path })),
    /** For the situation home page: new infections by channel, and close contacts traced and placed, in a window (`prefix` null = city). */
    situation: {
      newInfections: (prefix: string | null, from: number, to: number, db: Deps['db'] = deps.db) => situation.newInfections(db, prefix, from, to),
      contacts: (prefix: string | null, from: number, to: number, db: Deps['db'] = deps.db) => situation.contactCounts(db, prefix, from, to),
    },
  };
}
