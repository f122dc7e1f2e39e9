/**
 * What the testing services share: person resolution (resident code or ID number, through the
 * population service), the unit that takes a jurisdiction's tasks (through the auth service),
 * coverage-delta accumulation and the row → DTO mappers.
 */
import type { TestingInputs } from './testing.inputs.js';
import type { DbOrTx } from '../../db/dialect.js';
import { systemActor, type Actor } from '../../platform/actor.js';
import { AppError } from '../../platform/errors.js';
import type { PersonBrief } from '../population/index.js';
import type { CodeVerifier } from './code-verifier.js';
import { TestingErrors } from './testing.errors.js';
import {
  COUNTERS,
  type Counter,
  type CounterDelta,
  type CampaignRow,
  type FlagRow,
  type RecheckRow,
  type ResultRow,
  type TubeRow,
} from './testing.repository.js';
import { maskName, pathAtDepth, pathPrefixes, type FlagKind, type PoolMode, type RecheckStatus, type TestResult, type TubeStatus } from './testing.rules.js';
import type { CampaignDto, FlagDto, RecheckDto, TubeDto } from './testing.schemas.js';
import { firstItem, itemAt } from '../../platform/items.js';

/** The system actor the testing module's automatic consequences act as (tasks, alerts, jobs). */
export const TESTING_SYSTEM = systemActor('testing');

/** Deepest level that has coverage rows: buildings (entrances roll up into them). */
export const COVERAGE_MAX_DEPTH = 6;

export interface PersonRef {
  personId: string;
  path: string;
  name: string;
  nameMasked: string;
  method: 'code' | 'id_number';
}

export interface PersonIdentifier {
  residentCode?: string | null;
  idNumber?: string | null;
  idType?: 'resident_id' | 'passport' | 'hk_macao_tw' | null;
}

/** An identifier's cache key within one batch (the same person scanned twice resolves once). */
export function identifierKey(p: PersonIdentifier): string | null {
  if (p.residentCode?.trim()) return `c:${p.residentCode.trim()}`;
  if (p.idNumber?.trim()) return `i:${p.idType ?? ''}:${p.idNumber.trim().toUpperCase()}`;
  return null;
}

const refOfBrief = (p: PersonBrief, method: PersonRef['method']): PersonRef => ({
  personId: p.id,
  path: p.path,
  name: p.name,
  nameMasked: maskName(p.name),
  method,
});

/**
 * Finds the persons scans name, many at once: resident codes (signatures checked by `verifier`,
 * in bulk, while the persons are read) and ID numbers (by HMAC), each through the population
 * service's lean brief read — one query per 500 persons, not one per scan. A code printed before
 * its record was merged names the merged record: the kept one is returned. The answer maps each
 * identifier's key (`identifierKey`) to its person or to the AppError that refuses it. The caller
 * checks the campaign scope.
 */
export async function resolvePersons(
  deps: TestingInputs<'db', 'population'>,
  verifier: CodeVerifier,
  ids: readonly PersonIdentifier[],
  db: DbOrTx = deps.db,
): Promise<Map<string, PersonRef | AppError>> {
  const population = deps.services.population;
  const out = new Map<string, PersonRef | AppError>();
  const codes = new Map<string, string>();
  const numbers = new Map<string, { idNumber: string; idType: PersonIdentifier['idType'] }>();
  for (const p of ids) {
    const key = identifierKey(p);
    if (!key || out.has(key) || codes.has(key) || numbers.has(key)) continue;
    if (p.residentCode?.trim()) codes.set(key, p.residentCode.trim());
    else numbers.set(key, { idNumber: p.idNumber!.trim(), idType: p.idType });
  }
  let briefs: Promise<Map<string, PersonBrief>> = Promise.resolve(new Map());
  const byNumber = numbers.size
    ? population.briefsByIdNumber(
        TESTING_SYSTEM,
        [...numbers.values()].map((n) => ({ idNumber: n.idNumber, idType: n.idType ?? undefined })),
        db,
      )
    : Promise.resolve([]);
  // The persons are read while the signatures are checked; only verified codes use them. A read
  // failing meanwhile is handled below (awaited after the check), not left unhandled.
  byNumber.catch(() => undefined);
  const verified = codes.size
    ? await verifier.verifyMany(
        [...codes.values()],
        (personIds) => {
          briefs = population.briefs(TESTING_SYSTEM, personIds, db);
          briefs.catch(() => undefined);
        },
        db,
      )
    : [];
  const [found, numbered] = await Promise.all([briefs, byNumber]);
  [...codes.keys()].forEach((key, i) => {
    const v = itemAt(verified, i, 'a verified code');
    if (v instanceof AppError) return void out.set(key, v);
    const b = found.get(v);
    out.set(key, b ? refOfBrief(b, 'code') : TestingErrors.PERSON_NOT_FOUND({ by: 'residentCode' }));
  });
  [...numbers.keys()].forEach((key, i) => {
    const b = numbered[i];
    out.set(key, b ? refOfBrief(b, 'id_number') : TestingErrors.PERSON_NOT_FOUND({ by: 'idNumber' }));
  });
  return out;
}

/**
 * Finds the person one scan names (see `resolvePersons`). Throws AppError with the reason. The
 * caller checks the campaign scope.
 */
export async function resolvePerson(
  deps: TestingInputs<'db', 'population'>,
  verifier: CodeVerifier,
  p: PersonIdentifier,
  db: DbOrTx = deps.db,
): Promise<PersonRef> {
  const key = identifierKey(p);
  if (!key) throw TestingErrors.PERSON_IDENTIFIER_REQUIRED();
  const r = (await resolvePersons(deps, verifier, [p], db)).get(key)!;
  if (r instanceof AppError) throw r;
  return r;
}

/** Whether a path lies inside one of the scope roots. */
export function inCampaignScope(scopePaths: readonly string[], path: string): boolean {
  return scopePaths.some((s) => path.startsWith(s));
}

/** The community (4 segments), district (2) and city (1) paths of a residence path. */
export function communityOf(path: string): string | null {
  return pathAtDepth(path, 4);
}

/**
 * Finds the unit that takes a jurisdiction's tasks: the active unit at the person's community, or
 * else at the nearest ancestor (street, district, city); a `community` unit is preferred at the
 * community, any unit above. Cached per finder (make one per transaction).
 */
export function unitFinder(deps: TestingInputs<never, 'geo' | 'auth'>, db: DbOrTx) {
  const cache = new Map<string, Promise<{ id: string; name: string; path: string } | null>>();
  async function find(path: string): Promise<{ id: string; name: string; path: string } | null> {
    const chain = pathPrefixes(path).slice(0, 4).reverse(); // community, street, district, city
    const nodes = new Map((await deps.services.geo.getManyByPath(chain, db)).map((n) => [n.path, n]));
    for (const p of chain) {
      const node = nodes.get(p);
      if (!node) continue;
      const { items } = await deps.services.auth.units.list(TESTING_SYSTEM, { jurisdictionId: node.id, active: true, limit: 20 }, db);
      if (!items.length) continue;
      const pick = items.find((u) => u.kind === 'community') ?? items.find((u) => u.kind !== 'lab' && u.kind !== 'facility') ?? firstItem(items, 'a unit');
      return { id: pick.id, name: pick.name, path: p };
    }
    return null;
  }
  return {
    /** The unit for the community of `path` (or its nearest ancestor), or null when none is active. */
    forPath(path: string) {
      const key = communityOf(path) ?? path;
      let hit = cache.get(key);
      if (!hit) cache.set(key, (hit = find(key)));
      return hit;
    },
    /** The command HQ unit (kind `hq`) of the city, or null. */
    async hq(cityPath: string) {
      const key = `hq:${cityPath}`;
      let hit = cache.get(key);
      if (!hit) {
        hit = (async () => {
          const { items } = await deps.services.auth.units.list(TESTING_SYSTEM, { kind: 'hq', active: true, limit: 20 }, db);
          const u = items.find((x) => x.jurisdiction?.path === cityPath) ?? items[0];
          return u ? { id: u.id, name: u.name, path: cityPath } : null;
        })();
        cache.set(key, hit);
      }
      return hit;
    },
  };
}

/** Per-path counter changes, spread to every ancestor (down to buildings) before writing. */
export class CoverageDeltas {
  readonly byPath = new Map<string, CounterDelta>();

  /** Adds `n` to `counter` at `path` and each of its ancestors. */
  add(path: string, counter: Counter, n: number): void {
    if (!n) return;
    for (const p of pathPrefixes(path).slice(0, COVERAGE_MAX_DEPTH)) this.bump(p, counter, n);
  }

  /** Adds `n` once at each node any of `paths` lies under (a tube counted once per node). */
  addOncePerNode(paths: Iterable<string>, counter: Counter, n: number): void {
    if (!n) return;
    const nodes = new Set<string>();
    for (const path of paths) for (const p of pathPrefixes(path).slice(0, COVERAGE_MAX_DEPTH)) nodes.add(p);
    for (const p of nodes) this.bump(p, counter, n);
  }

  private bump(p: string, counter: Counter, n: number): void {
    const d = this.byPath.get(p);
    if (d) d[counter] = (d[counter] ?? 0) + n;
    else this.byPath.set(p, { [counter]: n });
  }

  get empty(): boolean {
    for (const d of this.byPath.values()) if (COUNTERS.some((c) => (d[c] ?? 0) !== 0)) return false;
    return true;
  }
}

/** How a person of a tube counts, by the tube's result: what to remove and add when it changes. */
export function resultContribution(result: string | null): Partial<Record<Counter, number>> {
  if (result === 'negative') return { resulted: 1, negative: 1 };
  if (result === 'positive' || result === 'suspicious') return { resulted: 1 };
  if (result === 'invalid') return { invalid: 1 };
  return {};
}

// ---------------------------------------------------------------------------------------------
// Row → DTO

const num = (v: number | null) => (v === null ? null : Number(v));

/** A campaign row as its DTO; `now` (the domain clock) tells whether an unfinished campaign is past its deadline. */
export function campaignDto(r: CampaignRow, names: ReadonlyMap<string, string>, now: number): CampaignDto {
  const ids = JSON.parse(r.scope_ids) as string[];
  const paths = JSON.parse(r.scope_paths) as string[];
  return {
    id: r.id,
    name: r.name,
    status: r.status as CampaignDto['status'],
    scope: ids.map((id, i) => {
      const path = itemAt(paths, i, 'the path of a scope node');
      return { jurisdictionId: id, path, name: names.get(path) ?? '' };
    }),
    scopePath: r.scope_path,
    startsAt: Number(r.starts_at),
    deadlineAt: Number(r.deadline_at),
    pastDeadline: r.status !== 'closed' && now > Number(r.deadline_at),
    poolSize: Number(r.pool_size) as PoolMode,
    poolOverrides: JSON.parse(r.pool_overrides),
    exemptStatuses: JSON.parse(r.exempt_statuses),
    recheckHours: Number(r.recheck_hours),
    targetTotal: Number(r.target_total),
    exemptTotal: Number(r.exempt_total),
    createdBy: { id: r.created_by, name: r.created_by_name },
    createdAt: Number(r.created_at),
    activatedAt: num(r.activated_at),
    closedAt: num(r.closed_at),
  };
}

export function tubeDto(r: TubeRow, lastNames: string[] = []): TubeDto {
  return {
    id: r.id,
    campaignId: r.campaign_id,
    barcode: r.barcode,
    kind: r.kind as TubeDto['kind'],
    poolSize: Number(r.pool_size),
    status: r.status as TubeStatus,
    siteId: r.site_id,
    jurisdictionPath: r.jurisdiction_path,
    parentTubeId: r.parent_tube_id,
    count: Number(r.scan_count),
    openedBy: r.opened_by_name ? { id: r.opened_by, name: r.opened_by_name } : null,
    openedAt: num(r.opened_at),
    closedAt: num(r.closed_at),
    closedReason: r.closed_reason,
    boxCode: r.box_code,
    receivedAt: num(r.received_at),
    result: (r.result as TestResult | null) ?? null,
    ctOrf1ab: num(r.ct_orf1ab),
    ctN: num(r.ct_n),
    resultAt: num(r.result_at),
    lab: r.lab,
    lastNames,
  };
}

export const tubeBriefOf = (r: TubeRow) => ({
  id: r.id,
  barcode: r.barcode,
  status: r.status as TubeStatus,
  count: Number(r.scan_count),
  poolSize: Number(r.pool_size),
});

export function flagDto(r: FlagRow): FlagDto {
  return {
    id: r.id,
    campaignId: r.campaign_id,
    kind: r.kind as FlagKind,
    subjectKey: r.subject_key,
    tubeId: r.tube_id,
    personId: r.person_id,
    jurisdictionPath: r.jurisdiction_path,
    detail: JSON.parse(r.detail),
    occurrences: Number(r.occurrences),
    createdAt: Number(r.created_at),
    lastSeenAt: Number(r.last_seen_at),
    reviewedAt: num(r.reviewed_at),
    reviewedBy: r.reviewed_by_name ? { id: r.reviewed_by, name: r.reviewed_by_name } : null,
    reviewNote: r.review_note,
  };
}

export function recheckDto(r: RecheckRow, now: number): RecheckDto {
  const open = r.status === 'awaiting_sample' || r.status === 'sampled';
  return {
    id: r.id,
    campaignId: r.campaign_id,
    parentTubeId: r.parent_tube_id,
    tubeId: r.tube_id,
    personId: r.person_id,
    nameMasked: r.name_masked,
    jurisdictionPath: r.jurisdiction_path,
    status: r.status as RecheckStatus,
    controlApplied: Number(r.control_applied) === 1,
    taskId: r.task_id,
    unitId: r.unit_id,
    dueAt: Number(r.due_at),
    overdue: open && Number(r.due_at) < now,
    escalatedAt: num(r.escalated_at),
    createdAt: Number(r.created_at),
    resolvedAt: num(r.resolved_at),
    handoverAt: num(r.handover_at),
    handoverAckAt: num(r.handover_ack_at),
    handoverRef: r.handover_ref,
  };
}

export function resultRecordDto(r: ResultRow) {
  return {
    id: r.id,
    result: r.result as TestResult,
    ctOrf1ab: num(r.ct_orf1ab),
    ctN: num(r.ct_n),
    resultedAt: Number(r.resulted_at),
    lab: r.lab,
    source: r.source,
    effective: Number(r.effective) === 1,
    reportedBy: { id: r.reported_by, name: r.reported_by_name },
    reportedAt: Number(r.reported_at),
  };
}

/** A new flag row (upserted: counted once per kind and subject). */
export function flagRow(f: {
  campaignId: string;
  kind: FlagKind;
  subjectKey: string;
  tubeId?: string | null;
  personId?: string | null;
  path: string;
  detail: Record<string, unknown>;
  now: number;
  id: string;
}): FlagRow {
  return {
    id: f.id,
    campaign_id: f.campaignId,
    kind: f.kind,
    subject_key: f.subjectKey,
    tube_id: f.tubeId ?? null,
    person_id: f.personId ?? null,
    jurisdiction_path: f.path,
    detail: JSON.stringify(f.detail),
    occurrences: 1,
    created_at: f.now,
    last_seen_at: f.now,
    reviewed_at: null,
    reviewed_by: null,
    reviewed_by_name: null,
    review_note: null,
  };
}

/** Throws the catalogue error for an Actor lacking a capability (services double-check what routes enforce). */
export function requireCap(actor: Actor, cap: Parameters<Actor['capabilities']['has']>[0]): void {
  if (!actor.capabilities.has(cap)) throw new AppError('FORBIDDEN', 403, 'You do not have the capability for this action', { capability: cap });
}
