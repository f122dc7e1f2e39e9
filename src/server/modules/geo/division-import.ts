/**
 * Loads a city's statistical division codes and boundaries into the jurisdiction tree (`bulwark geo
 * import`). Rows are `code, name, parent code`:
 *   the city       its 6-digit code (the one asked for), no parent — needed only when the tree is empty
 *   county level   6 digits, parent = the city's code
 *   street level   12 digits ending in '000' (or the statistical 9 digits, read with '000' added),
 *                  parent = its county's 6 digits
 *   community      12 digits, parent = its street (12 digits, or the 9)
 * Codes are digits only (GB/T 2260 / 统计用区划代码 carry no check digit) and must extend their
 * parent's. Boundaries are GeoJSON features whose `properties.code` (or `adcode`, or the feature
 * `id`) names a node of the file or the tree; a MultiPolygon keeps its largest part.
 * Idempotent: a code already in the tree is updated when its name or kind differ, else left alone;
 * a geometry equal to the stored one is left alone. Bad rows are refused with the row number as a
 * spreadsheet shows it (the header is row 1) and the reason; the rest is written in one
 * transaction, journaled per batch.
 */
import { JURISDICTION_KINDS, JURISDICTION_LEVELS, type JurisdictionLevel } from '../../../common/geo.js';
import { flag } from '../../db/row-values.js';
import type { Deps } from '../../deps.js';
import { inTx, type Tx } from '../../db/dialect.js';
import type { Actor } from '../../platform/actor.js';
import { newId } from '../../platform/ids.js';
import * as repo from './geo.repository.js';
import type { NewJurisdiction } from './geo.shared.js';
import { area, centroid, roundPt, roundRing, toPolygon, type Pt, type Ring } from './geometry.js';
import type { DivisionRow, BoundaryFeature, DivisionImportReport } from './geo.types.js';
import type { DivisionRefusal } from './geo.types.js';

export const DIVISION_REFUSALS: Record<DivisionRefusal, string> = {
  CODE_FORMAT: '代码应为6位（区县）、12位（街道乡镇、社区村）或9位（街道乡镇统计码）数字 (a code is 6, 12 or 9 digits)',
  CODE_OUTSIDE_CITY: '代码不属于该市 (the code does not belong to this city)',
  DUPLICATE_CODE: '与文件中另一行的代码重复 (the same code on another row)',
  NAME_REQUIRED: '名称为空 (the name is empty)',
  PARENT_UNKNOWN: '上级代码在文件和辖区树中都不存在 (the parent code is neither in the file nor in the tree)',
  PARENT_MISMATCH: '上级代码与本级代码不相符（须为其所在区县或街道） (the parent must be the county or street the code extends)',
  PARENT_CHANGED: '辖区树中该代码属于另一上级，导入不移动辖区 (the tree has this code under another parent; an import never moves a node)',
  LEVEL_CHANGED: '辖区树中该代码是另一层级 (the tree has this code at another level)',
  FEATURE_CODE_MISSING: '边界要素没有代码（properties.code / adcode / id） (the feature carries no code)',
  FEATURE_UNMATCHED: "边界要素的代码与文件和辖区树中的任何辖区都不对应 (the feature's code matches no division)",
  FEATURE_GEOMETRY: '边界要素不是面（Polygon / MultiPolygon） (the feature is not a polygon)',
};

interface Planned {
  row: DivisionRow;
  code: string;
  parentCode: string | null;
  level: JurisdictionLevel;
  kind: string;
}

/** Kinds from the name and the code: 区/县/市 (else a zone); 街道 0xx · 镇 1xx · 乡 2xx · special; 村 or 社区. */
function kindOf(level: JurisdictionLevel, code: string, name: string): string {
  if (level === 'city') return 'city';
  if (level === 'district') return name.endsWith('区') ? 'district' : name.endsWith('县') ? 'county' : name.endsWith('市') ? 'county_city' : 'zone';
  if (level === 'street') return ({ '0': 'street', '1': 'town', '2': 'township' } as Record<string, string>)[code.charAt(6)] ?? 'special';
  return name.endsWith('村') ? 'village' : 'community';
}

/** A 9-digit street code in its 12-digit form; other codes as they are. */
const twelve = (c: string) => (/^\d{9}$/.test(c) ? `${c}000` : c);

/** The largest outer ring of a Polygon or MultiPolygon, open and rounded; null for anything else. */
function ringOf(g: BoundaryFeature['geometry']): Ring | null {
  if (!g || (g.type !== 'Polygon' && g.type !== 'MultiPolygon')) return null;
  const polys = (g.type === 'Polygon' ? [g.coordinates] : g.coordinates) as Pt[][][];
  let best: Ring | null = null;
  for (const p of Array.isArray(polys) ? polys : []) {
    const outer = Array.isArray(p?.[0]) ? p[0] : null;
    if (!outer || !outer.every((q) => Array.isArray(q) && Number.isFinite(q[0]) && Number.isFinite(q[1]))) return null;
    const r = roundRing(outer.map((q) => [Number(q[0]), Number(q[1])] as Pt));
    if (r.length >= 3 && (!best || area(r) > area(best))) best = r;
  }
  return best;
}

export function createDivisionImport(deps: Deps, insertMany: (trx: Tx, nodes: readonly NewJurisdiction[]) => Promise<void>) {
  return {
    /**
     * Validates and (unless `dryRun`) writes divisions and boundaries of the city `cityCode`, in
     * the caller's transaction or a new one. Returns the row report.
     */
    async importDivisions(
      trx: Tx | undefined,
      actor: Actor,
      input: { cityCode: string; rows: readonly DivisionRow[]; features?: readonly BoundaryFeature[]; dryRun?: boolean },
    ): Promise<DivisionImportReport> {
      const city = input.cityCode;
      if (!/^\d{6}$/.test(city)) throw new Error(`The city code must be 6 digits (got ${city})`);
      const report: DivisionImportReport = {
        city,
        dryRun: !!input.dryRun,
        rows: input.rows.length,
        created: 0,
        updated: 0,
        unchanged: 0,
        boundaries: { read: input.features?.length ?? 0, applied: 0, unchanged: 0 },
        refused: [],
      };
      const refuse = (row: number | null, feature: number | null, code: string, problem: DivisionRefusal) =>
        report.refused.push({ row, feature, code, problem, reason: DIVISION_REFUSALS[problem] });

      // Each row on its own: format, level, the parent it must have.
      const planned: Planned[] = [];
      const firstRow = new Map<string, number>();
      for (const r of input.rows) {
        const code = twelve(r.code.trim());
        const parentCode = r.parentCode.trim() ? twelve(r.parentCode.trim()) : null;
        const name = r.name.trim();
        if (!/^(\d{6}|\d{12})$/.test(code) || (parentCode !== null && !/^(\d{6}|\d{12})$/.test(parentCode))) refuse(r.row, null, r.code, 'CODE_FORMAT');
        else if (code !== city && !code.startsWith(city.slice(0, 4))) refuse(r.row, null, code, 'CODE_OUTSIDE_CITY');
        else if (firstRow.has(code)) refuse(r.row, null, code, 'DUPLICATE_CODE');
        else if (!name) refuse(r.row, null, code, 'NAME_REQUIRED');
        else {
          firstRow.set(code, r.row);
          const level: JurisdictionLevel = code === city ? 'city' : code.length === 6 ? 'district' : code.endsWith('000') ? 'street' : 'community';
          const expected = level === 'city' ? null : level === 'district' ? city : level === 'street' ? code.slice(0, 6) : `${code.slice(0, 9)}000`;
          if (parentCode !== expected) refuse(r.row, null, code, 'PARENT_MISMATCH');
          else planned.push({ row: { ...r, name }, code, parentCode, level, kind: kindOf(level, code, name) });
        }
      }

      return inTx(trx ?? deps.db, async (tx) => {
        const now = deps.clock.now();
        const codes = [
          ...new Set([
            ...planned.flatMap((p) => (p.parentCode ? [p.code, p.parentCode] : [p.code])),
            ...(input.features ?? []).flatMap((f) => (f.code ? [f.code] : [])),
          ]),
        ];
        const stored = new Map((await repo.findManyByCodes(tx, codes)).map((r) => [r.code, r]));
        // Parents before children: the city, then counties, streets, communities.
        const depth = (l: JurisdictionLevel) => JURISDICTION_LEVELS.indexOf(l);
        planned.sort((a, b) => depth(a.level) - depth(b.level) || a.row.row - b.row.row);
        const known = new Map<string, { id: string; path: string; local: boolean }>();
        for (const [code, r] of stored) known.set(code, { id: r.id, path: r.path, local: flag(r.local_code) });
        const fresh: NewJurisdiction[] = [];
        const changed: { id: string; code: string; name: string; kind: string }[] = [];
        for (const p of planned) {
          const existing = stored.get(p.code);
          const parent = p.parentCode ? known.get(p.parentCode) : null;
          if (p.parentCode && !parent) {
            refuse(p.row.row, null, p.code, 'PARENT_UNKNOWN');
            continue;
          }
          if (existing) {
            if (existing.level !== p.level) refuse(p.row.row, null, p.code, 'LEVEL_CHANGED');
            else if ((existing.parent_id ?? null) !== (parent?.id ?? null)) refuse(p.row.row, null, p.code, 'PARENT_CHANGED');
            else if (existing.name !== p.row.name || existing.kind !== p.kind) {
              changed.push({ id: existing.id, code: p.code, name: p.row.name, kind: p.kind });
              report.updated++;
            } else report.unchanged++;
            continue;
          }
          if (!(JURISDICTION_KINDS[p.level] as readonly string[]).includes(p.kind)) throw new Error(`kind ${p.kind} of ${p.level}`);
          const node: NewJurisdiction = {
            id: newId(),
            code: p.code,
            name: p.row.name,
            level: p.level,
            kind: p.kind,
            parentId: parent?.id ?? null,
            path: `${parent?.path ?? '/'}${p.code}/`,
            ring: null,
            population: 0,
            localCode: parent?.local ?? false,
          };
          known.set(p.code, { id: node.id, path: node.path, local: !!node.localCode });
          fresh.push(node);
          report.created++;
        }

        // Boundaries: matched by code to a node of the file or the tree.
        const shapes: { id: string; code: string; geometry: string; centre: Pt }[] = [];
        const freshById = new Map(fresh.map((n) => [n.id, n]));
        for (const f of input.features ?? []) {
          if (!f.code) {
            refuse(null, f.index, '', 'FEATURE_CODE_MISSING');
            continue;
          }
          const code = twelve(f.code);
          const target = known.get(code);
          if (!target) {
            refuse(null, f.index, code, 'FEATURE_UNMATCHED');
            continue;
          }
          const ring = ringOf(f.geometry);
          if (!ring) {
            refuse(null, f.index, code, 'FEATURE_GEOMETRY');
            continue;
          }
          const geometry = JSON.stringify(toPolygon(ring));
          const node = freshById.get(target.id);
          if (node) node.ring = ring;
          else if (stored.get(code)?.geometry === geometry) {
            report.boundaries.unchanged++;
            continue;
          } else shapes.push({ id: target.id, code, geometry, centre: roundPt(centroid(ring)) });
          report.boundaries.applied++;
        }
        report.refused.sort((a, b) => (a.row ?? Infinity) - (b.row ?? Infinity) || (a.feature ?? 0) - (b.feature ?? 0));
        if (report.dryRun) return report;

        await insertMany(tx, fresh);
        for (const c of changed) await repo.updateNameKind(tx, c.id, c.name, c.kind, now);
        for (const s of shapes) await repo.updateGeometry(tx, s.id, s.geometry, s.centre, now);
        const rows = [
          ...fresh.map((n) => ({ op: 'create', id: n.id, code: n.code, name: n.name, level: n.level, kind: n.kind, path: n.path, ring: n.ring })),
          ...changed.map((c) => ({ op: 'update', ...c })),
          ...shapes.map((s) => ({ op: 'boundary', id: s.id, code: s.code, geometry: s.geometry })),
        ];
        for (let i = 0; i < rows.length; i += 5000) {
          const chunk = rows.slice(i, i + 5000);
          await deps.services.journal.appendBatch(tx, actor, {
            action: 'geo.jurisdiction.import',
            entityType: 'jurisdiction',
            jurisdictionPath: `/${city}/`,
            rows: chunk,
            summary: { source: 'geo import', city, created: report.created, updated: report.updated, boundaries: report.boundaries.applied },
          });
        }
        return report;
      });
    },
  };
}
