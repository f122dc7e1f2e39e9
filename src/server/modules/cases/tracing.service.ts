import { msg } from '../../../common/message-text.js';
import type { Capability } from '../../../common/roles.js';
import { flag } from '../../db/row-values.js';
import type { Deps } from '../../deps.js';
import { inTx, type DbOrTx, type Tx } from '../../db/dialect.js';
import { inScope, scopePrefix, systemActor, type Actor } from '../../platform/actor.js';
import { Errors } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { maskName } from '../population/index.js';
import { decodeCursor, encodeCursor, type createCaseRecords } from './case-records.service.js';
import { CasesErrors } from './cases.errors.js';
import * as repo from './cases.repository.js';
import type { createPresetService } from './presets.service.js';

// DTOs (shared with the web in src/common/cases.ts)
export type { AssistDto, ContactDto, PlaceDto } from '../../../common/cases.js';
import type { AssistDto, ContactCategory, ContactDto, PlaceDto } from '../../../common/cases.js';
import type { JurisdictionLevel } from '../../../common/geo.js';
import { AWAITING_PLACEMENT } from '../../../common/control.js';
import type { PlaceInput, ContactInput } from './cases.types.js';

const CASES_SYSTEM = systemActor('cases');
const QUARANTINED = new Set(['quarantined_central', 'quarantined_home']);
/** A coordinate further than this from every compound centroid is not snapped (422). */
const MAX_SNAP_M = 2000;

const ASSIST_ORDER = ['pending', 'sent', 'answered', 'closed'] as const;

const placeDto = (r: repo.PlaceRow): PlaceDto => ({
  id: r.id,
  caseId: r.case_id,
  jurisdictionId: r.jurisdiction_id,
  placePath: r.place_path,
  placeLevel: r.place_level,
  location: r.lng === null || r.lat === null ? null : [Number(r.lng), Number(r.lat)],
  snapped: flag(r.snapped),
  description: r.description,
  fromAt: Number(r.from_at),
  toAt: Number(r.to_at),
});

export const contactDto = (r: repo.ContactRow): ContactDto => ({
  id: r.id,
  caseId: r.case_id,
  clusterId: r.cluster_id,
  personId: r.person_id,
  nameMasked: r.name_masked,
  category: r.category,
  exposureDate: r.exposure_date,
  exposurePlace: r.exposure_place,
  relation: r.relation,
  beforeLookback: flag(r.before_lookback),
  routing: r.routing,
  handoverTaskId: r.handover_task_id,
  assistRequestId: r.assist_request_id,
  controlStatus: r.control_status,
  quarantinedAt: r.quarantined_at === null ? null : Number(r.quarantined_at),
  status: r.status,
  presetVersion: r.preset_version,
  identifiedAt: Number(r.identified_at),
  viaContactId: r.via_contact_id,
});

const assistDto = (r: repo.AssistRow): AssistDto => ({
  id: r.id,
  direction: r.direction,
  status: r.status,
  region: r.region,
  caseId: r.case_id,
  contactId: r.contact_id,
  subjectMasked: r.subject_masked,
  category: r.category,
  note: r.note,
  externalRef: r.external_ref,
  jurisdictionPath: r.jurisdiction_path,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

/** `/420500/420502/…/` → the first `n` segments as a path. */
const pathPrefix = (path: string, n: number) => {
  const segs = path.split('/').filter(Boolean);
  return segs.length >= n ? `/${segs.slice(0, n).join('/')}/` : null;
};

/** Investigation (流调): places and time windows; contacts (密接/次密接) with control through the status guard; 协查. */
export function createTracing(deps: Deps, presets: ReturnType<typeof createPresetService>, records: ReturnType<typeof createCaseRecords>) {
  const { journal, outbox } = deps.services;

  /**
   * The nearest compound to a point within MAX_SNAP_M (geo.nearest: a bounding box on stored
   * centroids, not a scan of the city), then that compound's nearest building when its buildings
   * have centroids. The compound comes first so a point is never snapped into a neighbouring
   * compound's building that happens to be a few metres nearer than its own.
   */
  async function snap(tx: DbOrTx, cityPath: string, pt: [number, number]) {
    const compound = await deps.services.geo.nearest(CASES_SYSTEM, pt, { levels: ['compound'], maxMetres: MAX_SNAP_M, under: cityPath }, tx);
    if (!compound) return undefined;
    const building = await deps.services.geo.nearest(CASES_SYSTEM, pt, { levels: ['building'], maxMetres: MAX_SNAP_M, under: compound.node.path }, tx);
    return (building ?? compound).node;
  }

  /** A unit to hand a contact over to: the district's HQ (or any active unit there); also used for the city. */
  async function districtUnit(tx: DbOrTx, districtPath: string) {
    const [node] = await deps.services.geo.getManyByPath([districtPath], tx);
    if (!node) return undefined;
    const { items } = await deps.services.auth.units.list(CASES_SYSTEM, { jurisdictionId: node.id, active: true, limit: 50 }, tx);
    return items.find((u) => u.kind === 'district_hq') ?? items[0];
  }

  /** Registers a non-resident through population on the tracer's behalf (the journal names the tracer). */
  const delegated = (actor: Actor, cap: Capability): Actor =>
    actor.capabilities.has(cap)
      ? actor
      : { ...actor, capabilities: { has: (c: Capability) => c === cap || actor.capabilities.has(c) } as unknown as ReadonlySet<Capability> };

  async function visibleContact(db: DbOrTx, actor: Actor, id: string) {
    const c = await repo.findContact(db, id);
    if (!c || !inScope(actor, c.jurisdiction_path)) throw CasesErrors.CONTACT_NOT_FOUND({ id });
    return c;
  }

  async function visibleAssist(db: DbOrTx, actor: Actor, id: string) {
    const a = await repo.findAssist(db, id);
    if (!a || !inScope(actor, a.jurisdiction_path)) throw CasesErrors.ASSIST_NOT_FOUND({ id });
    return a;
  }

  return {
    /** Adds a place and time window the case visited: a building/compound node, or coordinates snapped to the nearest one. */
    async addPlace(trx: Tx | undefined, actor: Actor, caseId: string, input: PlaceInput): Promise<PlaceDto> {
      records.requireCap(actor, 'case.manage');
      return inTx(trx ?? deps.db, async (tx) => {
        const c = await records.visibleCase(tx, actor, caseId);
        if (!(input.toAt >= input.fromAt)) throw CasesErrors.PLACE_INVALID({ field: 'toAt' }, 'The time window ends before it starts');
        let node: { id: string; path: string; level: JurisdictionLevel } | undefined;
        let snapped = 0;
        const hasPt = typeof input.lng === 'number' && typeof input.lat === 'number';
        if (input.jurisdictionId) {
          const n = await deps.services.geo.getById(input.jurisdictionId, tx);
          if (!n || !['compound', 'building', 'entrance'].includes(n.level))
            throw CasesErrors.PLACE_INVALID({ field: 'jurisdictionId' }, 'The place must be a compound, building or entrance');
          node = n;
        } else if (hasPt) {
          const cityPath = pathPrefix(c.jurisdiction_path, 1)!;
          node = await snap(tx, cityPath, [input.lng!, input.lat!]);
          if (!node) throw CasesErrors.PLACE_INVALID({ field: 'lng' }, `No compound within ${MAX_SNAP_M} m of these coordinates`);
          snapped = 1;
        } else if (!input.description?.trim()) {
          throw CasesErrors.PLACE_INVALID({ field: 'jurisdictionId' });
        }
        const now = deps.clock.now();
        const row: repo.PlaceRow = {
          id: newId(now),
          case_id: c.id,
          jurisdiction_id: node?.id ?? null,
          place_path: node?.path ?? null,
          place_level: node?.level ?? null,
          lng: hasPt ? input.lng! : null,
          lat: hasPt ? input.lat! : null,
          snapped,
          description: input.description?.trim() || null,
          from_at: input.fromAt,
          to_at: input.toAt,
          jurisdiction_path: c.jurisdiction_path,
          created_at: now,
        };
        await repo.insertPlace(tx, row);
        await journal.append(tx, actor, {
          action: 'cases.place.add',
          entityType: 'case',
          entityId: c.id,
          jurisdictionPath: c.jurisdiction_path,
          payload: { placeId: row.id, placePath: row.place_path, snapped: snapped === 1, fromAt: row.from_at, toAt: row.to_at },
        });
        await outbox.publish(tx, {
          topic: 'cases.place.added',
          capability: 'case.read',
          jurisdictionPath: c.jurisdiction_path,
          payload: { caseId: c.id, placePath: row.place_path },
        });
        return placeDto(row);
      });
    },

    async places(actor: Actor, caseId: string, db: DbOrTx = deps.db): Promise<PlaceDto[]> {
      records.requireCap(actor, 'case.read');
      const c = await records.visibleCase(db, actor, caseId);
      return (await repo.placesOfCase(db, c.id)).map(placeDto);
    },

    /**
     * For zoning: every place with a jurisdiction node, with its case, cluster and time window.
     * `activeOnly`: places of clusters not yet extinguished.
     */
    async placesForProposals(activeOnly: boolean, db: DbOrTx = deps.db) {
      const rows = await repo.placesWithCluster(db, activeOnly ? { clusterStatuses: ['active', 'contained'] } : {});
      return rows.map((r) => ({
        placeId: r.id,
        caseId: r.case_id,
        clusterId: r.cluster_id,
        jurisdictionId: r.jurisdiction_id!,
        path: r.place_path!,
        level: r.place_level!,
        location: r.lng === null || r.lat === null ? null : ([Number(r.lng), Number(r.lat)] as [number, number]),
        description: r.description,
        fromAt: Number(r.from_at),
        toAt: Number(r.to_at),
        caseConfirmedAt: Number(r.confirmed_at),
      }));
    },

    /**
     * Adds a contact of a case. Refuses the case itself (422), an exposure after the report date (422),
     * a category the active preset does not trace (422); flags an exposure before the look-back window.
     * Control status through the status guard (basis contact), only for a person inside the caller's
     * scope; another district → a hand-over task (and no measures when the caller does not cover that
     * district); outside the city → an outgoing 协查 request.
     */
    async addContact(trx: Tx | undefined, actor: Actor, caseId: string, input: ContactInput): Promise<ContactDto> {
      records.requireCap(actor, 'case.manage');
      return inTx(trx ?? deps.db, async (tx) => {
        const c = await records.visibleCase(tx, actor, caseId);
        const preset = await presets.active(tx);
        const rule = preset.params.contacts[input.category];
        if (!rule.traced) throw CasesErrors.CONTACT_CATEGORY_NOT_TRACED({ category: input.category, preset: preset.label });
        if (input.exposureDate > c.report_date)
          throw CasesErrors.CONTACT_EXPOSURE_AFTER_REPORT({ exposureDate: input.exposureDate, reportDate: c.report_date });
        const given = [input.personId, input.newPerson, input.outsideCity].filter(Boolean).length;
        if (given !== 1) throw CasesErrors.CONTACT_PERSON_REQUIRED();
        if (input.personId && input.personId === c.person_id) throw CasesErrors.CONTACT_IS_CASE({ personId: input.personId });
        if (input.viaContactId) {
          const via = await repo.findContact(tx, input.viaContactId);
          if (input.category !== 'secondary' || !via || via.case_id !== c.id || via.category !== 'close')
            throw CasesErrors.CONTACT_VIA_INVALID({ field: 'viaContactId', viaContactId: input.viaContactId });
        }
        const now = deps.clock.now();
        const id = newId(now);
        let personId: string | null = null;
        let nameMasked: string;
        let personPath: string | null = null;
        if (input.outsideCity) {
          nameMasked = maskName(input.outsideCity.name);
        } else {
          if (input.personId) {
            personId = input.personId;
            const p = (await deps.services.population.pathsOf([personId], tx)).get(personId);
            if (!p) throw CasesErrors.CASE_PERSON_NOT_FOUND({ personId });
          } else {
            const created = await deps.services.population.create(tx, delegated(actor, 'person.manage'), { ...input.newPerson!, resident: false });
            personId = created.id;
          }
          if (await repo.contactOfPerson(tx, c.id, personId)) throw CasesErrors.CONTACT_DUPLICATE({ personId });
          const person = await deps.services.population.get(CASES_SYSTEM, personId, tx);
          if (person.id === c.person_id) throw CasesErrors.CONTACT_IS_CASE({ personId });
          nameMasked = maskName(person.name);
          personPath = person.location.path;
        }
        const sameCity = personPath !== null && pathPrefix(personPath, 1) === pathPrefix(c.jurisdiction_path, 1);
        const routing: ContactDto['routing'] = !sameCity ? 'assist' : pathPrefix(personPath!, 2) === pathPrefix(c.jurisdiction_path, 2) ? 'local' : 'handover';
        const row: repo.ContactRow = {
          id,
          case_id: c.id,
          cluster_id: c.cluster_id,
          person_id: personId,
          name_masked: nameMasked,
          category: input.category,
          exposure_date: input.exposureDate,
          exposure_place: input.exposurePlace?.trim() || null,
          relation: input.relation?.trim() || null,
          before_lookback: input.exposureDate < records.lookbackStart(c, rule.lookbackDays) ? 1 : 0,
          routing,
          person_path: personPath,
          handover_task_id: null,
          assist_request_id: null,
          control_status: null,
          quarantined_at: null,
          status: 'open',
          preset_id: preset.id,
          preset_version: preset.label,
          jurisdiction_path: c.jurisdiction_path,
          created_by: actor.userId,
          created_by_name: actor.name,
          identified_at: now,
          updated_at: now,
          via_contact_id: input.viaContactId ?? null,
        };
        await repo.insertContact(tx, row);
        // The caller puts under measures only a person inside its own scope. A person living in a district
        // the caller does not cover is handed over (task to the owning district), which decides the measures.
        if (personId && sameCity && inScope(actor, personPath)) {
          // Awaiting placement (待转运) until a stay with a room or at home starts (issue 16): only the
          // stay puts the person in quarantine, so the control page counts who the stays hold.
          await deps.services.control.applyAutomatic(tx, actor, {
            personIds: [personId],
            to: AWAITING_PLACEMENT,
            basis: { type: 'contact', id },
            presetVersion: preset.label,
            ifNotAllowed: 'skip',
            reason: `${input.category === 'close' ? '密切接触者' : '次密切接触者'}（${preset.name}） · ${input.category === 'close' ? 'Close contact' : 'Secondary contact'} of a case (${preset.name})`,
          });
          const st = (await deps.services.control.statusesOf([personId], tx)).get(personId)!;
          if (QUARANTINED.has(st.status)) Object.assign(row, { control_status: st.status, quarantined_at: now });
          else if (st.status === AWAITING_PLACEMENT) row.control_status = st.status;
        }
        if (routing === 'handover') {
          // No unit in that district: the city HQ gets the hand-over, so the contact is never left unattended.
          const unit = (await districtUnit(tx, pathPrefix(personPath!, 2)!)) ?? (await districtUnit(tx, pathPrefix(personPath!, 1)!));
          if (unit) {
            const task = await deps.services.tasks.create(tx, CASES_SYSTEM, {
              title: msg('cases.auto.contactHandover.title', { name: nameMasked }),
              subject: nameMasked ? { kind: 'person', text: nameMasked } : null,
              description: msg('cases.auto.contactHandover.body', {
                caseName: c.name_masked,
                category: msg(input.category === 'close' ? 'cases.auto.category.close' : 'cases.auto.category.secondary'),
              }),
              sourceModule: 'cases',
              sourceEntityType: 'case_contact',
              sourceEntityId: id,
              assigneeUnitId: unit.id,
              jurisdictionPath: personPath!,
              priority: 'urgent',
            });
            row.handover_task_id = task.id;
          }
        }
        if (routing === 'assist') {
          const region = input.outsideCity?.region ?? (personPath ? pathPrefix(personPath, 1)! : 'unknown');
          const assist: repo.AssistRow = {
            id: newId(now),
            direction: 'outgoing',
            status: 'pending',
            region,
            case_id: c.id,
            contact_id: id,
            subject_masked: nameMasked,
            category: input.category,
            note: input.outsideCity?.note?.trim() || null,
            external_ref: null,
            jurisdiction_path: c.jurisdiction_path,
            created_by_name: actor.name,
            created_at: now,
            updated_at: now,
          };
          await repo.insertAssist(tx, assist);
          row.assist_request_id = assist.id;
          await journal.append(tx, actor, {
            action: 'cases.assist.create',
            entityType: 'case_assist_request',
            entityId: assist.id,
            jurisdictionPath: c.jurisdiction_path,
            payload: { direction: 'outgoing', region, contactId: id },
          });
        }
        await repo.updateContact(tx, id, {
          control_status: row.control_status,
          quarantined_at: row.quarantined_at,
          handover_task_id: row.handover_task_id,
          assist_request_id: row.assist_request_id,
        });
        if (input.category === 'close' && c.close_contacts_at === null) await repo.updateCase(tx, c.id, { close_contacts_at: now, updated_at: now });
        await journal.append(tx, actor, {
          action: 'cases.contact.add',
          entityType: 'case_contact',
          entityId: id,
          jurisdictionPath: c.jurisdiction_path,
          payload: {
            caseId: c.id,
            personId,
            category: input.category,
            exposureDate: input.exposureDate,
            beforeLookback: flag(row.before_lookback),
            routing,
            controlStatus: row.control_status,
            presetVersion: preset.label,
          },
        });
        await outbox.publish(tx, {
          topic: 'cases.contact.added',
          capability: 'case.read',
          jurisdictionPath: c.jurisdiction_path,
          payload: { id, caseId: c.id, category: input.category, routing },
        });
        return contactDto(row);
      });
    },

    async contactsOfCase(actor: Actor, caseId: string, db: DbOrTx = deps.db): Promise<ContactDto[]> {
      records.requireCap(actor, 'case.read');
      const c = await records.visibleCase(db, actor, caseId);
      return (await repo.contactsOfCase(db, c.id)).map(contactDto);
    },

    /** A scoped page of contacts (by the case's jurisdiction), newest exposure first, keyset cursor. */
    async listContacts(
      actor: Actor,
      f: { category?: ContactCategory; caseId?: string; personId?: string; cursor?: string; limit?: number },
      db: DbOrTx = deps.db,
    ) {
      records.requireCap(actor, 'case.read');
      const limit = Math.min(Math.max(f.limit ?? 50, 1), 200);
      const after = f.cursor ? decodeCursor(f.cursor) : undefined;
      const rows = await repo.listContacts(db, {
        prefix: scopePrefix(actor),
        category: f.category,
        caseId: f.caseId,
        personId: f.personId,
        after: after ? { exposureDate: after[0], id: after[1] } : undefined,
        limit,
      });
      const last = rows[rows.length - 1];
      return { items: rows.map(contactDto), nextCursor: rows.length === limit && last ? encodeCursor(last.exposure_date, last.id) : null };
    },

    /** Closes a contact's follow-up (released, or handed to another region). Journaled. */
    async closeContact(trx: Tx | undefined, actor: Actor, id: string, reason: string): Promise<ContactDto> {
      records.requireCap(actor, 'case.manage');
      if (!reason?.trim()) throw Errors.REASON_REQUIRED();
      return inTx(trx ?? deps.db, async (tx) => {
        const c = await visibleContact(tx, actor, id);
        await repo.updateContact(tx, c.id, { status: 'closed', updated_at: deps.clock.now() });
        await journal.append(tx, actor, {
          action: 'cases.contact.close',
          entityType: 'case_contact',
          entityId: c.id,
          jurisdictionPath: c.jurisdiction_path,
          reason: reason.trim(),
        });
        return contactDto((await repo.findContact(tx, c.id))!);
      });
    },

    // ---- 协查
    /** Records a request from another region about someone in our city (at a jurisdiction in scope). */
    async recordIncoming(
      trx: Tx | undefined,
      actor: Actor,
      input: { region: string; subjectName: string; jurisdictionId: string; category?: string | null; note?: string | null; externalRef?: string | null },
    ): Promise<AssistDto> {
      records.requireCap(actor, 'case.manage');
      return inTx(trx ?? deps.db, async (tx) => {
        const node = await deps.services.geo.getById(input.jurisdictionId, tx);
        if (!node || !inScope(actor, node.path)) throw Errors.NOT_FOUND({ entity: 'jurisdiction' });
        const now = deps.clock.now();
        const row: repo.AssistRow = {
          id: newId(now),
          direction: 'incoming',
          status: 'pending',
          region: input.region.trim(),
          case_id: null,
          contact_id: null,
          subject_masked: maskName(input.subjectName),
          category: input.category ?? null,
          note: input.note?.trim() || null,
          external_ref: input.externalRef?.trim() || null,
          jurisdiction_path: node.path,
          created_by_name: actor.name,
          created_at: now,
          updated_at: now,
        };
        await repo.insertAssist(tx, row);
        await journal.append(tx, actor, {
          action: 'cases.assist.create',
          entityType: 'case_assist_request',
          entityId: row.id,
          jurisdictionPath: node.path,
          payload: { direction: 'incoming', region: row.region, externalRef: row.external_ref },
        });
        return assistDto(row);
      });
    },

    /** Moves a request forward: pending → sent → answered → closed (never back). Journaled. */
    async setAssistStatus(trx: Tx | undefined, actor: Actor, id: string, status: AssistDto['status'], note?: string | null): Promise<AssistDto> {
      records.requireCap(actor, 'case.manage');
      return inTx(trx ?? deps.db, async (tx) => {
        const a = await visibleAssist(tx, actor, id);
        if (ASSIST_ORDER.indexOf(status) <= ASSIST_ORDER.indexOf(a.status)) throw CasesErrors.ASSIST_TRANSITION_INVALID({ from: a.status, to: status });
        await repo.updateAssist(tx, a.id, { status, note: note?.trim() || a.note, updated_at: deps.clock.now() });
        await journal.append(tx, actor, {
          action: 'cases.assist.status',
          entityType: 'case_assist_request',
          entityId: a.id,
          jurisdictionPath: a.jurisdiction_path,
          payload: { from: a.status, to: status },
        });
        return assistDto((await repo.findAssist(tx, a.id))!);
      });
    },

    async listAssists(
      actor: Actor,
      f: { direction?: AssistDto['direction']; status?: AssistDto['status']; limit?: number; offset?: number },
      db: DbOrTx = deps.db,
    ): Promise<{ items: AssistDto[] }> {
      records.requireCap(actor, 'case.read');
      const rows = await repo.listAssists(db, {
        prefix: scopePrefix(actor),
        direction: f.direction,
        status: f.status,
        limit: Math.min(f.limit ?? 50, 200),
        offset: f.offset ?? 0,
      });
      return { items: rows.map(assistDto) };
    },
  };
}
