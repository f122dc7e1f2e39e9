import type { Deps } from '../../deps.js';
import { flag } from '../../db/row-values.js';
import { inTx, type DbOrTx, type Tx } from '../../db/dialect.js';
import type { Actor } from '../../platform/actor.js';
import { Errors } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { CasesErrors } from './cases.errors.js';
import * as repo from './presets.repository.js';
import { SHIPPED_PRESETS, presetParamsSchema, upgradeStoredParams } from './presets.schema.js';

// DTO (shared with the web in src/common/cases.ts)
export type { PresetDto } from '../../../common/cases.js';
import type { PresetDto } from '../../../common/cases.js';
import type { PresetInput } from './cases.types.js';

export const presetLabel = (key: string, version: number) => `${key}@v${version}`;

function presetDto(r: repo.PresetRow): PresetDto {
  return {
    id: r.id,
    key: r.key,
    version: Number(r.version),
    label: presetLabel(r.key, Number(r.version)),
    name: r.name,
    nameEn: r.name_en,
    params: upgradeStoredParams(r.key, flag(r.shipped), JSON.parse(r.params)),
    shipped: flag(r.shipped),
    active: flag(r.active),
    activatedAt: r.activated_at === null ? null : Number(r.activated_at),
    createdBy: { id: r.created_by, name: r.created_by_name },
    createdAt: Number(r.created_at),
  } satisfies PresetDto;
}

/**
 * Protocol presets (防控方案): versioned parameter sets, one active per city. The two shipped presets
 * are seeded at first use, the 9th edition active. Switching is journaled (`cases.preset.activate`).
 */
export function createPresetService(deps: Deps) {
  let seeded = false;

  /** Seeds the shipped presets once per database (idempotent; safe under concurrent first use). */
  async function ensureSeeded(db: DbOrTx): Promise<void> {
    if (seeded) return;
    if ((await repo.countPresets(db)) === 0) {
      const now = deps.clock.now();
      await repo.insertPresetsIfMissing(
        db,
        SHIPPED_PRESETS.map((p, i) => ({
          id: newId(now),
          key: p.key,
          version: 1,
          name: p.name,
          name_en: p.nameEn,
          params: JSON.stringify(p.params),
          shipped: 1,
          active: i === 0 ? 1 : 0,
          activated_at: i === 0 ? now : null,
          created_by: null,
          created_by_name: 'system',
          created_at: now,
        })),
      );
    }
    seeded = true;
  }

  function requireManage(actor: Actor): void {
    if (!actor.capabilities.has('preset.manage')) throw Errors.FORBIDDEN({ capability: 'preset.manage' });
  }

  return {
    /** The preset the city follows now. */
    async active(trx?: DbOrTx): Promise<PresetDto> {
      const db = trx ?? deps.db;
      await ensureSeeded(db);
      const r = await repo.findActivePreset(db);
      if (!r) throw CasesErrors.PRESET_NOT_FOUND({ active: true });
      return presetDto(r);
    },

    /** One preset version by id (records keep the id of the version they were handled under). */
    async getVersion(id: string, trx?: DbOrTx): Promise<PresetDto> {
      const db = trx ?? deps.db;
      await ensureSeeded(db);
      const r = await repo.findPreset(db, id);
      if (!r) throw CasesErrors.PRESET_NOT_FOUND({ id });
      return presetDto(r);
    },

    /** Every preset version, by key then version. */
    async list(trx?: DbOrTx): Promise<PresetDto[]> {
      const db = trx ?? deps.db;
      await ensureSeeded(db);
      return (await repo.listPresets(db)).map(presetDto);
    },

    /** Creates a preset version (not active). Journaled `cases.preset.create`. */
    async create(trx: Tx | undefined, actor: Actor, input: PresetInput): Promise<PresetDto> {
      requireManage(actor);
      const parsed = presetParamsSchema.safeParse(input.params);
      if (!parsed.success)
        throw CasesErrors.PRESET_INVALID({
          issues: parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), code: i.code, message: i.message })),
        });
      return inTx(trx ?? deps.db, async (tx) => {
        await ensureSeeded(tx);
        const now = deps.clock.now();
        const key = input.key.trim();
        const version = (await repo.maxVersion(tx, key)) + 1;
        const row: repo.PresetRow = {
          id: newId(now),
          key,
          version,
          name: input.name.trim(),
          name_en: input.nameEn?.trim() || null,
          params: JSON.stringify(parsed.data),
          shipped: 0,
          active: 0,
          activated_at: null,
          created_by: actor.userId,
          created_by_name: actor.name,
          created_at: now,
        };
        await repo.insertPreset(tx, row);
        await deps.services.journal.append(tx, actor, {
          action: 'cases.preset.create',
          entityType: 'case_preset',
          entityId: row.id,
          jurisdictionPath: '/',
          payload: { key, version, name: row.name },
        });
        return presetDto(row);
      });
    },

    /** Makes a preset version the active one. Existing records keep their own version. Journaled with the reason. */
    async activate(trx: Tx | undefined, actor: Actor, id: string, reason: string): Promise<PresetDto> {
      requireManage(actor);
      if (!reason?.trim()) throw Errors.REASON_REQUIRED();
      return inTx(trx ?? deps.db, async (tx) => {
        await ensureSeeded(tx);
        const r = await repo.findPreset(tx, id);
        if (!r) throw CasesErrors.PRESET_NOT_FOUND({ id });
        const before = await repo.findActivePreset(tx);
        if (before?.id === r.id) throw CasesErrors.PRESET_ALREADY_ACTIVE({ id });
        const now = deps.clock.now();
        await repo.setActive(tx, r.id, now);
        await deps.services.journal.append(tx, actor, {
          action: 'cases.preset.activate',
          entityType: 'case_preset',
          entityId: r.id,
          jurisdictionPath: '/',
          payload: { from: before ? presetLabel(before.key, Number(before.version)) : null, to: presetLabel(r.key, Number(r.version)) },
          reason: reason.trim(),
        });
        await deps.services.outbox.publish(tx, {
          topic: 'cases.preset.activated',
          capability: 'authenticated',
          reach: 'overlap',
          jurisdictionPath: '/',
          payload: { id: r.id, label: presetLabel(r.key, Number(r.version)) },
        });
        return presetDto((await repo.findPreset(tx, r.id))!);
      });
    },
  };
}
