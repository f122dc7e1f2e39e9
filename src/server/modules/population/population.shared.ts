import type { Capability } from '../../../common/roles.js';
import { flag } from '../../db/row-values.js';
import type { PopulationInputs } from './population.types.js';
import type { DbOrTx } from '../../db/dialect.js';
import { inScope, scopePrefix, type Actor } from '../../platform/actor.js';
import { calendarDay } from '../../platform/clock.js';
import { Errors } from '../../platform/errors.js';
import { GeoErrors } from '../geo/index.js';
import { PopulationErrors } from './population.errors.js';
import { deriveKeys } from './protect.js';
import { maskToFlags } from './person-rules.js';
import * as repo from './population.repository.js';
import type { MergeRow, PersonListRow, PersonRow } from './population.repository.js';
import type { MergeDto, PersonView } from './population.types.js';

/** Capabilities this module checks (rows of the capability table in src/common/roles.ts). */
export const PERSON_CAPS = { read: 'person.read', manage: 'person.manage', reveal: 'person.reveal' } as const satisfies Record<string, Capability>;

/** 18-character resident IDs and residence permits carry the birth date (characters 7–14) themselves. */
export const DATED_DOCUMENT = /^\d{17}[\dX]$/;

/**
 * What every population sub-service shares: the data keys, the calendar day, address texts, the
 * row → DTO mapping, the capability and scope checks and the list prefix.
 */
export function createPopulationBase(deps: PopulationInputs<'config' | 'clock', 'geo'>) {
  const keys = deriveKeys(deps.config.dataKey);
  const geo = () => deps.services.geo;
  const today = () => calendarDay(deps.clock.now(), deps.config.tz);

  /** Address text: 区 街道 社区 小区 楼栋 单元 names (the city left out) + room. */
  async function addressTexts(db: DbOrTx, paths: readonly string[]): Promise<Map<string, string>> {
    const prefixes = new Set<string>();
    for (const p of paths) {
      const parts = p.split('/').filter(Boolean);
      let acc = '/';
      parts.forEach((code, i) => {
        acc += `${code}/`;
        if (i > 0) prefixes.add(acc);
      });
    }
    const nodes = await geo().getManyByPath([...prefixes], db);
    const name = new Map(nodes.map((n) => [n.path, n.name]));
    const out = new Map<string, string>();
    for (const p of paths) {
      const parts = p.split('/').filter(Boolean);
      let acc = '/';
      let text = '';
      parts.forEach((code, i) => {
        acc += `${code}/`;
        if (i > 0) text += name.get(acc) ?? '';
      });
      out.set(p, text);
    }
    return out;
  }

  function toDto(r: PersonListRow, texts: Map<string, string>): PersonView {
    const place = texts.get(r.jurisdiction_path) ?? '';
    const resident = flag(r.resident);
    return {
      id: r.id,
      name: r.name,
      idType: r.id_type,
      idNumberMasked: r.id_masked,
      phoneMasked: r.phone_masked,
      birthYear: Number(r.birth_year),
      sex: r.sex,
      resident,
      householdId: r.household_id,
      address: resident ? { jurisdictionId: r.jurisdiction_id, path: r.jurisdiction_path, text: place + (r.room ? `${r.room}室` : '') } : null,
      location: { jurisdictionId: r.jurisdiction_id, path: r.jurisdiction_path, text: place },
      regionOfOrigin: r.region_of_origin,
      vulnerable: maskToFlags(Number(r.vulnerable_flags)),
      tags: repo.readJson.tags(r),
      mergedInto: r.merged_into,
    };
  }

  /** `toDtos` for one person. */
  async function toDtoOf(db: DbOrTx, r: PersonListRow): Promise<PersonView> {
    return toDto(r, await addressTexts(db, [r.jurisdiction_path]));
  }

  async function toDtos(db: DbOrTx, rows: readonly PersonListRow[]): Promise<PersonView[]> {
    const texts = await addressTexts(db, [...new Set(rows.map((r) => r.jurisdiction_path))]);
    return rows.map((r) => toDto(r, texts));
  }

  function mergeDto(m: MergeRow): MergeDto {
    return {
      id: m.id,
      fromPersonId: m.from_person_id,
      intoPersonId: m.into_person_id,
      method: m.method,
      reason: m.reason,
      at: Number(m.at),
      actor: { id: m.actor_id, name: m.actor_name },
      details: repo.readJson.mergeDetails(m),
      journalSeq: Number(m.journal_seq),
    };
  }

  function requireCap(actor: Actor, cap: Capability): void {
    if (!actor.capabilities.has(cap)) throw Errors.FORBIDDEN({ capability: cap });
  }

  async function visiblePerson(db: DbOrTx, actor: Actor, id: string): Promise<PersonRow> {
    const r = await repo.findPerson(db, id);
    if (!r || !inScope(actor, r.jurisdiction_path)) throw PopulationErrors.PERSON_NOT_FOUND({ id });
    return r;
  }

  /** Filter prefix for a list: the deeper of the actor's scope and the requested node. */
  async function listPrefix(db: DbOrTx, actor: Actor, jurisdictionId?: string): Promise<string | null> {
    const own = scopePrefix(actor);
    if (!jurisdictionId) return own;
    const node = await geo().resolveScope(jurisdictionId, db);
    const readable = node && (!own || node.path.startsWith(own) || own.startsWith(node.path));
    if (!node || !readable) throw GeoErrors.JURISDICTION_NOT_FOUND({ id: jurisdictionId });
    return own && own.length > node.path.length ? own : node.path;
  }

  return { keys, geo, today, addressTexts, toDtos, toDtoOf, mergeDto, requireCap, visiblePerson, listPrefix };
}

export type PopulationBase = ReturnType<typeof createPopulationBase>;
