/**
 * Person-level data in testing's answers, and who may see it (issue 14). `testing.read` is held by
 * roles that have no business with residents (lab technicians, analysts): they see tubes, counts
 * and results, never who was sampled, where they live, their control (quarantine) state or health
 * flags. Holders of `person.read` see the answers unchanged.
 *
 * - A building's door-knocking list keeps its counts (target, sampled) and lists nobody (names,
 *   rooms, exemption by quarantine and health flags are person-level); hand exemptions keep their
 *   rows (how many, by whom, when) without the person, the place below the community or the reason.
 * - Mixed answers keep their shape and lose the person-level fields: person ids become '', masked
 *   names '*', names lists empty, a tube's, recheck's or flag's path is cut to its community (the positive's
 *   building and room are not told), flag details dropped, a tube's trace lists no persons.
 * The filter is applied once per answer by the testing routes (`redactForActor`), so services keep
 * building one DTO each.
 */
import type { Actor } from '../../platform/actor.js';
import type { FlagDto, RecheckDto, TraceDto, TubeDto } from './testing.schemas.js';

/** The capability that unlocks person-level data in testing answers. */
export const PERSON_READ = 'person.read';

/** Whether the actor may see person-level data in testing answers. */
export const seesPersons = (actor: Pick<Actor, 'capabilities'>) => actor.capabilities.has(PERSON_READ);

/** A path cut to its community (/city/district/street/community/): no compound, building or entrance. */
function toCommunity(path: string): string {
  const parts = path.split('/').filter(Boolean);
  return parts.length > 4 ? `/${parts.slice(0, 4).join('/')}/` : path;
}

/** A tube without the names scanned into it, and placed no finer than its community (a recheck tube's path is the positive's building). */
export function redactTube<T extends Pick<TubeDto, 'lastNames' | 'jurisdictionPath'>>(t: T): T {
  return { ...t, lastNames: [], jurisdictionPath: toCommunity(t.jurisdictionPath) };
}

export function redactRecheck(r: RecheckDto): RecheckDto {
  return { ...r, personId: '', nameMasked: '*', jurisdictionPath: toCommunity(r.jurisdictionPath), controlApplied: false, handoverRef: null };
}

export function redactFlag(f: FlagDto): FlagDto {
  return {
    ...f,
    personId: null,
    subjectKey: f.personId && f.subjectKey === f.personId ? '' : f.subjectKey,
    jurisdictionPath: toCommunity(f.jurisdictionPath),
    detail: {},
  };
}

export function redactTrace(t: TraceDto): TraceDto {
  return { ...t, tube: redactTube(t.tube), persons: [], rechecks: t.rechecks.map(redactRecheck) };
}

type Redactor = (payload: never) => unknown;

/** Per route (`METHOD url`), how its answer loses person-level data. */
const REDACTORS: Record<string, Redactor> = {
  'GET /api/testing/tubes': (p: { items: TubeDto[] }) => ({ ...p, items: p.items.map(redactTube) }),
  'GET /api/testing/tubes/:id': (p: TubeDto) => redactTube(p),
  'GET /api/testing/tubes/:id/trace': (p: TraceDto) => redactTrace(p),
  'GET /api/testing/campaigns/:id/exemptions': (p: { items: { personId: string; jurisdictionPath: string; reason: string }[] }) => ({
    ...p,
    items: p.items.map((e) => ({ ...e, personId: '', jurisdictionPath: toCommunity(e.jurisdictionPath), reason: '' })),
  }),
  'GET /api/testing/campaigns/:id/buildings/:buildingId/unsampled': (p: { items: unknown[] }) => ({ ...p, items: [] }),
  'GET /api/testing/campaigns/:id/flags': (p: { items: FlagDto[] }) => ({ ...p, items: p.items.map(redactFlag) }),
  'GET /api/testing/rechecks': (p: { items: RecheckDto[] }) => ({ ...p, items: p.items.map(redactRecheck) }),
  'GET /api/testing/rechecks/:id': (p: RecheckDto) => redactRecheck(p),
};

/** The answer of `route` (`METHOD url`) as the actor may see it (unchanged with `person.read`, or for other routes). */
export function redactForActor(actor: Pick<Actor, 'capabilities'>, route: string, payload: unknown): unknown {
  const r = REDACTORS[route];
  if (!r || seesPersons(actor) || !payload || typeof payload !== 'object' || 'error' in payload) return payload;
  return r(payload as never);
}
