/**
 * Export of persons in any scope to CSV or XLSX: masked numbers only, streamed page by page (no
 * size cap, constant memory), journaled. Cells that a spreadsheet would run as a formula (starting
 * with = + - @, a tab or a carriage return) are neutralised with a leading apostrophe (OWASP
 * "CSV injection").
 */
import { Readable } from 'node:stream';
import { flag } from '../../db/row-values.js';
import { LRUCache } from 'lru-cache';
import { ID_TYPE_LABELS, VULNERABLE_LABELS, type VulnerableFlag } from '../../../common/geo.js';
import type { PopulationInputs } from './population.types.js';
import { inTx } from '../../db/dialect.js';
import type { Actor } from '../../platform/actor.js';
import { calendarDay } from '../../platform/clock.js';
import { streamWorkbook, XLSX_CONTENT_TYPE } from '../../platform/xlsx.js';
import { maskToFlags } from './person-rules.js';
import * as repo from './population.repository.js';
import type { ExportFormat, PopulationCore } from './population.types.js';

export const EXPORT_HEADERS = [
  '姓名/name',
  '证件类型/id_type',
  '证件号码(脱敏)/id_number_masked',
  '手机号(脱敏)/phone_masked',
  '性别/sex',
  '出生年份/birth_year',
  '人员类型/resident_type',
  '地址/address',
  '房号/room',
  '来源地/region_of_origin',
  '特殊人群/vulnerable',
  '标签/tags',
];

/** Prefixes a cell a spreadsheet would evaluate (= + - @, tab, CR) with an apostrophe. */
export function neutralizeCell(v: string): string {
  return /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
}

function csvField(v: string): string {
  return /[",\r\n]|^\s|\s$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function createPersonExport(deps: PopulationInputs<'db' | 'clock' | 'config', 'journal'>, core: PopulationCore) {
  /** The export's rows, page by page, as neutralised cell texts. */
  async function* rows(prefix: string | null): AsyncGenerator<string[][]> {
    const texts = new LRUCache<string, string>({ max: 50_000 });
    for await (const page of repo.iteratePersons(deps.db, prefix, 2000)) {
      const missing = [...new Set(page.map((r) => r.jurisdiction_path))].filter((p) => !texts.has(p));
      if (missing.length) for (const [p, t] of await core.addressTexts(deps.db, missing)) texts.set(p, t);
      yield page.map((r) =>
        [
          r.name,
          ID_TYPE_LABELS[r.id_type]?.zh ?? r.id_type,
          r.id_masked,
          r.phone_masked ?? '',
          r.sex === 'male' ? '男' : '女',
          String(r.birth_year),
          flag(r.resident) ? '常住' : '暂住',
          texts.get(r.jurisdiction_path) ?? '',
          r.room ?? '',
          r.region_of_origin ?? '',
          maskToFlags(Number(r.vulnerable_flags))
            .map((f: VulnerableFlag) => VULNERABLE_LABELS[f].zh)
            .join('、'),
          repo.readJson.tags(r).join('、'),
        ].map(neutralizeCell),
      );
    }
  }

  async function* csv(prefix: string | null): AsyncGenerator<string> {
    // A BOM so that Excel opens the UTF-8 file with the right encoding.
    yield '\uFEFF' + EXPORT_HEADERS.map(csvField).join(',') + '\r\n';
    for await (const page of rows(prefix)) yield page.map((cells) => cells.map(csvField).join(',')).join('\r\n') + '\r\n';
  }

  function xlsx(prefix: string | null): Readable {
    return streamWorkbook('人员 persons', EXPORT_HEADERS, rows(prefix));
  }

  return {
    /**
     * Opens an export of the persons (not merged records) in the actor's scope, or in a
     * jurisdiction's subtree inside it: needs `person.read`; journaled as `population.person.export`
     * with the scope, format and row count (no personal data). The stream is produced as it is read.
     */
    async open(
      actor: Actor,
      o: { format: ExportFormat; jurisdictionId?: string },
    ): Promise<{ filename: string; contentType: string; count: number; stream: Readable }> {
      core.requireCap(actor, 'person.read');
      const prefix = await core.listPrefix(deps.db, actor, o.jurisdictionId);
      const count = await repo.countPersons(deps.db, { prefix });
      await inTx(deps.db, (tx) =>
        deps.services.journal.append(tx, actor, {
          action: 'population.person.export',
          entityType: 'jurisdiction',
          entityId: o.jurisdictionId ?? null,
          jurisdictionPath: prefix,
          payload: { format: o.format, persons: count, masked: true },
        }),
      );
      const scope = prefix ? prefix.split('/').filter(Boolean).at(-1)! : 'all';
      const filename = `persons-${scope}-${calendarDay(deps.clock.now(), deps.config.tz)}.${o.format}`;
      if (o.format === 'csv') return { filename, contentType: 'text/csv; charset=utf-8', count, stream: Readable.from(csv(prefix)) };
      return { filename, contentType: XLSX_CONTENT_TYPE, count, stream: xlsx(prefix) };
    },
  };
}
