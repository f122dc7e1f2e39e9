import type { DetectorReportDto, DistrictRollupDto, ZoningSettingsDto } from '../../../common/zoning.js';
import { inTx, type DbOrTx, type Tx } from '../../db/dialect.js';
import { scopePrefix, type Actor } from '../../platform/actor.js';
import { writeWorkbook } from '../../platform/xlsx.js';
import { ZoningErrors } from './zoning.errors.js';
import * as repo from './zoning.repository.js';
import type { AreaReader } from './areas.service.js';
import { RATIO_SETTING, narrowTo, requireCap, type ZoningInputs } from './zoning.shared.js';

/**
 * The 一刀切 detector: the report over open areas in scope with its per-district roll-up, its XLSX
 * export, and the ratio threshold (a journaled setting). The numbers per area come from the reader.
 */
export function createDetectorService(io: Pick<ZoningInputs, 'db' | 'clock' | 'geo' | 'journal'>, reader: Pick<AreaReader, 'compute' | 'ratioThreshold'>) {
  const { geo, journal } = io;
  const { compute, ratioThreshold } = reader;

  const service = {
    /** The 一刀切 report for open (proposed and published) areas in scope, rolled up per district. */
    async detector(actor: Actor, f: { jurisdictionId?: string } = {}, db: DbOrTx = io.db): Promise<DetectorReportDto> {
      requireCap(actor, 'area.read');
      const prefix = await narrowTo(geo, db, actor, f.jurisdictionId, scopePrefix(actor));
      const { rows } = await repo.listAreas(db, { statuses: ['proposed', 'published'], prefix });
      const computed = await compute(db, rows);
      const areas = computed.map((c) => c.detector).sort((a, b) => Number(b.flagged) - Number(a.flagged) || (b.ratio ?? Infinity) - (a.ratio ?? Infinity));
      const byDistrict = new Map<string, DistrictRollupDto>();
      for (const d of areas) {
        let r = byDistrict.get(d.districtPath);
        if (!r)
          byDistrict.set(
            d.districtPath,
            (r = {
              districtPath: d.districtPath,
              districtName: d.districtName,
              areas: 0,
              flagged: 0,
              population: 0,
              evidenceFootprint: 0,
              ratio: null,
              personsUnderMeasure: 0,
              activeCases: 0,
              personsPerActiveCase: null,
              pastLifting: 0,
            }),
          );
        r.areas++;
        if (d.flagged) r.flagged++;
        r.population += d.population;
        r.evidenceFootprint += d.evidenceFootprint;
        r.personsUnderMeasure += d.personsUnderMeasure;
        r.activeCases += d.activeCases;
        if (d.pastLifting) r.pastLifting++;
      }
      for (const r of byDistrict.values()) {
        r.ratio = r.evidenceFootprint ? Math.round((r.population / r.evidenceFootprint) * 10) / 10 : null;
        r.personsPerActiveCase = r.activeCases ? Math.round((r.personsUnderMeasure / r.activeCases) * 10) / 10 : null;
      }
      return {
        ratioThreshold: await ratioThreshold(db),
        generatedAt: io.clock.now(),
        areas,
        districts: [...byDistrict.values()].sort((a, b) => b.flagged - a.flagged || a.districtPath.localeCompare(b.districtPath)),
      } satisfies DetectorReportDto;
    },

    async settings(actor: Actor, db: DbOrTx = io.db): Promise<ZoningSettingsDto> {
      requireCap(actor, 'area.read');
      return { ratioThreshold: await ratioThreshold(db) };
    },

    /** Sets the detector's ratio threshold (journaled). */
    async setSettings(trx: Tx | undefined, actor: Actor, input: ZoningSettingsDto): Promise<ZoningSettingsDto> {
      requireCap(actor, 'area.publish');
      const n = input.ratioThreshold;
      if (typeof n !== 'number' || !Number.isFinite(n) || n < 1) throw ZoningErrors.ZONING_THRESHOLD_INVALID({ ratioThreshold: n });
      return inTx(trx ?? io.db, async (tx) => {
        const before = await ratioThreshold(tx);
        await repo.writeMeta(tx, RATIO_SETTING, String(n), io.clock.now());
        await journal.append(tx, actor, {
          action: 'zoning.settings.ratio',
          entityType: 'setting',
          entityId: RATIO_SETTING,
          jurisdictionPath: '/',
          payload: { from: before, to: n },
        });
        return { ratioThreshold: n };
      });
    },

    /** Detector rows as an XLSX workbook (areas sheet + districts sheet). */
    async detectorXlsx(actor: Actor, f: { jurisdictionId?: string } = {}): Promise<Buffer> {
      const report = await service.detector(actor, f);
      return detectorWorkbook(report);
    },
  };
  return service;
}

async function detectorWorkbook(report: DetectorReportDto): Promise<Buffer> {
  return writeWorkbook([
    {
      name: '风险区 Areas',
      rows: [
        [
          '区域 Area',
          '状态 Status',
          '等级 Level',
          '区县 District',
          '划定粒度 Granularity',
          '方案粒度 Preset',
          '人口 Population',
          '证据人口 Footprint',
          '人口比 Ratio',
          '超期 Past lifting',
          '管控人数 Under measure',
          '在治病例 Active cases',
          '人/病例 Per case',
          '标记 Flags',
          '保留说明 Justification',
        ],
        ...report.areas.map((a) => [
          a.name,
          a.status,
          a.level,
          a.districtName,
          a.granularity,
          a.presetGranularity ?? '',
          a.population,
          a.evidenceFootprint,
          a.ratio ?? '',
          a.pastLifting ? '是 yes' : '',
          a.personsUnderMeasure,
          a.activeCases,
          a.personsPerActiveCase ?? '',
          a.flags.map((f) => f.message).join('；'),
          a.justification ?? '',
        ]),
      ],
    },
    {
      name: '区县 Districts',
      rows: [
        [
          '区县 District',
          '区域数 Areas',
          '标记 Flagged',
          '人口 Population',
          '证据人口 Footprint',
          '人口比 Ratio',
          '管控人数 Under measure',
          '在治病例 Active cases',
          '人/病例 Per case',
          '超期 Past lifting',
        ],
        ...report.districts.map((d) => [
          d.districtName,
          d.areas,
          d.flagged,
          d.population,
          d.evidenceFootprint,
          d.ratio ?? '',
          d.personsUnderMeasure,
          d.activeCases,
          d.personsPerActiveCase ?? '',
          d.pastLifting,
        ]),
      ],
    },
    {
      name: '说明 About',
      rows: [
        ['人口比阈值 Ratio threshold', report.ratioThreshold],
        ['生成时间 Generated at', new Date(report.generatedAt).toISOString()],
      ],
    },
  ]);
}
