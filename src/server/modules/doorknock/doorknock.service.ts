import type { Capability } from '../../../common/roles.js';
import type { Deps } from '../../deps.js';
import { inTx, type DbOrTx, type Tx } from '../../db/dialect.js';
import { inScope, type Actor } from '../../platform/actor.js';
import { Errors } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { requireReason } from '../../platform/reason.js';
import type { PersonView } from '../population/index.js';
import { DoorknockErrors } from './doorknock.errors.js';
import type { DoorknockPort } from './doorknock.port.js';
import * as repo from './doorknock.repository.js';
import { EXEMPTING_OUTCOMES, SETTLED_OUTCOMES, type KnockList, type KnockOutcome, type KnockResident } from './doorknock.schemas.js';
import type { DoorknockService } from './doorknock.types.js';

/** Zh labels of the exempting outcomes: the exemption's reason, as a person reads it. */
const EXEMPT_REASON: Partial<Record<KnockOutcome, string>> = {
  moved_away: '敲门核查：已搬离',
  away_from_city: '敲门核查：不在本市',
  in_hospital: '敲门核查：住院治疗',
};

function requireCap(actor: Actor, cap: Capability): void {
  if (!actor.capabilities.has(cap)) throw Errors.FORBIDDEN({ capability: cap });
}

/** `/a/b/c/` → [`/a/`, `/a/b/`, `/a/b/c/`]. */
function prefixes(path: string): string[] {
  const out: string[] = [];
  let acc = '/';
  for (const s of path.split('/').filter(Boolean)) out.push((acc += `${s}/`));
  return out;
}

/** The room at the end of an address text (`…2单元302室` → `302`): the population port gives the text only. */
function roomOf(text: string | undefined): string | null {
  return text?.match(/([0-9A-Za-z-]+)室$/)?.[1] ?? null;
}

/** Floor from a room number as buildings here number them (302 → 3, 1502 → 15); null when not numeric. */
function floorOf(room: string | null): number | null {
  const n = room && /^\d{3,4}/.test(room) ? Number(room.match(/^\d+/)![0]) : NaN;
  return Number.isFinite(n) ? Math.floor(n / 100) : null;
}

const collator = new Intl.Collator('zh-CN', { numeric: true });

/**
 * Door-knocking (敲门行动, issue 16): a grid worker's list for one building of a campaign, picked from a
 * list or by its scanned code; an outcome per knock, journaled, that feeds coverage (the exempting
 * outcomes leave the target through testing's knock exemptions) and the next list; the resident's phone
 * through population's journaled reveal with a preset reason. Everything is limited to the actor's scope:
 * a building or person outside it is answered as missing.
 */
export function createDoorknockService(deps: Deps): DoorknockService {
  const { geo, population, control, journal } = deps.services;

  async function building(actor: Actor, id: string, db: DbOrTx) {
    const b = await geo.getById(id, db);
    if (!b || b.level !== 'building' || !inScope(actor, b.path)) throw DoorknockErrors.DOORKNOCK_BUILDING_NOT_FOUND({ buildingId: id });
    return b;
  }

  async function residentsOf(actor: Actor, buildingId: string, db: DbOrTx): Promise<PersonView[]> {
    const persons: PersonView[] = [];
    for (let page = 1; ; page++) {
      const { items, total } = await population.list(actor, { jurisdictionId: buildingId, page, pageSize: 200 }, db);
      persons.push(...items);
      if (persons.length >= total || !items.length) return persons;
    }
  }

  const service = {
    /** Buildings in the actor's scope by scanned code or by name, with their compound named. */
    async buildings(actor: Actor, f: { code?: string; q?: string }, db: DbOrTx = deps.db) {
      requireCap(actor, 'doorknock.work');
      let found;
      if (f.code) {
        const b = await geo.getByCode(f.code, db);
        if (!b || b.level !== 'building' || !inScope(actor, b.path)) throw DoorknockErrors.DOORKNOCK_BUILDING_NOT_FOUND({ code: f.code });
        found = [b];
      } else {
        found = await geo.list(actor, { level: 'building', q: f.q, limit: 200 }, db);
      }
      const parents = new Map((await geo.getManyByPath([...new Set(found.map((b) => prefixes(b.path).at(-2)!))], db)).map((n) => [n.path, n.name]));
      const items = found
        .filter((b) => inScope(actor, b.path))
        .map((b) => ({
          id: b.id,
          code: b.code,
          name: b.name,
          path: b.path,
          place: [parents.get(prefixes(b.path).at(-2)!), b.name].filter(Boolean).join(' · '),
        }));
      items.sort((a, b) => collator.compare(a.place, b.place));
      return { items };
    },

    /** A building's door-knocking list for a campaign: to knock (entrance, floor, room), settled, and apart. */
    async list(actor: Actor, campaignId: string, buildingId: string, db: DbOrTx = deps.db): Promise<KnockList> {
      requireCap(actor, 'doorknock.work');
      const b = await building(actor, buildingId, db);
      // Testing's own list checks the campaign (visible, covering the building) and says who is not
      // sampled and who is exempt.
      const unsampled = await deps.services.testing.coverage.unsampled(actor, campaignId, b.id, db);
      const exempt = new Map(unsampled.items.map((i) => [i.personId, i.exempt]));
      const persons = (await residentsOf(actor, b.id, db)).filter((p) => exempt.has(p.id));
      const ids = persons.map((p) => p.id);
      const statuses = await control.statusesOf(ids, db);
      const entrances = new Map(
        (await geo.getMany([...new Set(persons.map((p) => p.address?.jurisdictionId).filter((x): x is string => !!x && x !== b.id))], db)).map((n) => [
          n.id,
          n.name,
        ]),
      );
      const knocks = new Map<string, { count: number; last: repo.OutcomeRow }>();
      for (const k of await repo.outcomesInBuilding(db, campaignId, b.id))
        knocks.set(k.person_id, { count: (knocks.get(k.person_id)?.count ?? 0) + 1, last: k });
      const rows: KnockResident[] = persons.map((p) => {
        const st = statuses.get(p.id);
        const room = roomOf(p.address?.text);
        const k = knocks.get(p.id);
        return {
          personId: p.id,
          name: p.name,
          idNumberMasked: p.idNumberMasked,
          phoneMasked: p.phoneMasked,
          entrance: p.address && p.address.jurisdictionId !== b.id ? (entrances.get(p.address.jurisdictionId) ?? null) : null,
          floor: floorOf(room),
          room,
          address: p.address?.text ?? null,
          status: st?.status ?? 'none',
          confirmedCase: st?.basis?.type === 'case',
          exempt: exempt.get(p.id) ?? false,
          vulnerable: p.vulnerable,
          lastKnock: k ? { outcome: k.last.outcome as KnockOutcome, at: k.last.at, actorName: k.last.actor_name } : null,
          knocks: k?.count ?? 0,
        };
      });
      rows.sort(
        (x, y) =>
          collator.compare(x.entrance ?? '', y.entrance ?? '') ||
          (x.floor ?? 0) - (y.floor ?? 0) ||
          collator.compare(x.room ?? '', y.room ?? '') ||
          collator.compare(x.name, y.name),
      );
      const isApart = (r: KnockResident) => r.status === 'quarantined_central' || r.confirmedCase;
      const isSettled = (r: KnockResident) => r.exempt || (r.lastKnock !== null && SETTLED_OUTCOMES.includes(r.lastKnock.outcome));
      return {
        campaignId,
        building: { id: b.id, code: b.code, name: b.name, path: b.path },
        target: unsampled.target,
        sampled: unsampled.sampled,
        toKnock: rows.filter((r) => !isApart(r) && !isSettled(r)),
        settled: rows.filter((r) => !isApart(r) && isSettled(r)),
        apart: rows.filter(isApart),
      };
    },

    /**
     * Records a knock's outcome, journaled; moved away, away from the city and in hospital exempt the
     * person from the campaign in the same transaction (coverage's target drops at once).
     */
    async knock(trx: Tx | undefined, actor: Actor, campaignId: string, input: { personId: string; outcome: KnockOutcome; note?: string }) {
      requireCap(actor, 'doorknock.work');
      return inTx(trx ?? deps.db, async (tx) => {
        const path = (await population.pathsOf([input.personId], tx)).get(input.personId);
        if (!path || !inScope(actor, path)) throw DoorknockErrors.DOORKNOCK_PERSON_NOT_IN_BUILDING({ personId: input.personId });
        const b = (await geo.getManyByPath(prefixes(path), tx)).find((n) => n.level === 'building');
        if (!b) throw DoorknockErrors.DOORKNOCK_PERSON_NOT_IN_BUILDING({ personId: input.personId });
        // The campaign must be one the actor sees and that covers the building (testing's own check).
        await deps.services.testing.coverage.unsampled(actor, campaignId, b.id, tx);
        const st = (await control.statusesOf([input.personId], tx)).get(input.personId);
        if (st?.status === 'quarantined_central' || st?.basis?.type === 'case')
          throw DoorknockErrors.DOORKNOCK_PERSON_APART({ personId: input.personId, status: st.status });
        const now = deps.clock.now();
        let exempted = false;
        if (EXEMPTING_OUTCOMES.includes(input.outcome)) {
          exempted = (await deps.services.testing.knockExemptions.exemptAtDoor(tx, actor, campaignId, input.personId, EXEMPT_REASON[input.outcome]!)).exempted;
          if (exempted) await deps.services.testing.sampling.scheduleCoveragePublish(tx, campaignId, now);
        }
        const id = newId(now);
        await repo.insertOutcome(tx, {
          id,
          campaign_id: campaignId,
          person_id: input.personId,
          building_id: b.id,
          jurisdiction_path: path,
          outcome: input.outcome,
          note: input.note?.trim() || null,
          actor_id: actor.userId,
          actor_name: actor.name,
          at: now,
        });
        await journal.append(tx, actor, {
          action: 'doorknock.knock',
          entityType: 'person',
          entityId: input.personId,
          jurisdictionPath: path,
          payload: { campaignId, buildingId: b.id, outcome: input.outcome, exempted },
        });
        return { id, personId: input.personId, outcome: input.outcome, exempted, at: now };
      });
    },

    /**
     * The resident's full phone number for a call from the door: population's journaled reveal (rate
     * limit and journal included) with the worker's reason, for the phone only. A grid worker holds
     * `doorknock.work`, not `person.reveal`: this narrow path lends the reveal for this one field.
     */
    async revealPhone(trx: Tx | undefined, actor: Actor, personId: string, reason: string) {
      requireCap(actor, 'doorknock.work');
      const why = requireReason(reason);
      const lent: Actor = { ...actor, capabilities: new Set([...actor.capabilities, 'person.reveal' as Capability]) };
      return population.reveal(trx, lent, personId, 'phone', why);
    },
  } satisfies DoorknockPort;
  return service;
}
