import { z } from 'zod';

/**
 * Protocol presets (防控方案) are data, not code: every parameter the response follows. Cases,
 * quarantine and zoning read the ACTIVE preset and record its version on each record they create.
 * Sources: 新型冠状病毒肺炎防控方案（第九版）(June 2022); 《关于进一步优化新冠肺炎疫情防控措施
 * 科学精准做好防控工作的通知》(the November 2022 optimisation, "20 measures").
 */

/** A stay: days of central quarantine then days of home quarantine/monitoring, and test days. */
const quarantineRule = z.strictObject({
  /** Days of central (集中) quarantine; 0 = none. */
  centralDays: z.number().int().min(0).max(60),
  /** Days of home quarantine (居家隔离) after the central stay; 0 = none. */
  homeQuarantineDays: z.number().int().min(0).max(60),
  /** Days of home health monitoring (居家健康监测) after that; 0 = none. */
  homeMonitoringDays: z.number().int().min(0).max(60),
  /** Nucleic-acid test days, counted from the first day of the whole stay (see dayCounting). */
  testDays: z.array(z.number().int().min(0).max(60)).max(30),
});

const contactRule = z.strictObject({
  /** Whether this category is traced at all (secondary contacts are not, from November 2022). */
  traced: z.boolean(),
  /** Contacts are traced from this many days before the case's onset (or first positive sample). */
  lookbackDays: z.number().int().min(0).max(30),
  quarantine: quarantineRule,
});

const riskLevel = z.enum(['high', 'medium', 'low']);
const granularity = z.enum(['entrance', 'building', 'compound', 'community', 'street']);

/**
 * One step of an area's lifting schedule: after `daysWithoutNewCase` calendar days without a new
 * infection inside the area (counted from the later of the level's start and the last such case;
 * day 0 = that day), and the negative round of everyone in the area on `negativeRoundDay` when one
 * is required, the area moves to `to`.
 */
const liftingStep = z.strictObject({
  from: riskLevel,
  /**
   * Which areas of that level the step applies to: `designated` (published at this level), `stepped`
   * (reached it by a step down from a higher level) or `any`. The first matching step applies.
   */
  origin: z.enum(['any', 'designated', 'stepped']),
  /** The next level, or `lifted` to end the area. */
  to: z.union([riskLevel, z.literal('lifted')]),
  /** Calendar days without a new infection inside the area, counted from the last case (or the start of the level). */
  daysWithoutNewCase: z.number().int().min(0).max(60),
  /**
   * The countdown day (the anchor day is day 0) of the negative nucleic-acid round of everyone in
   * the area, run as a testing campaign over the area; null when the step needs no round.
   */
  negativeRoundDay: z.number().int().min(0).max(60).nullable(),
  /** The step waits until no high or medium area stands in the same county/district (low areas: the rest of the county). */
  whenCountyClear: z.boolean(),
  /** The text the numbers come from (or `local` with why, for a number the texts leave to the local HQ). */
  source: z.string().trim().min(1).max(300),
});

export const presetParamsSchema = z.strictObject({
  contacts: z.strictObject({ close: contactRule, secondary: contactRule }),
  /** How days are counted: whether the exposure/entry day is day 0 or day 1; calendar days in BULWARK_TZ. */
  dayCounting: z.strictObject({ firstDay: z.union([z.literal(0), z.literal(1)]) }),
  clusters: z.strictObject({
    /** A cluster is contained when every contact is under control and no case was found in the community for this many days. */
    containedAfterDaysWithoutCommunityCase: z.number().int().min(0).max(60),
    /** A cluster is extinguished after this many days without any new case (two incubation periods under the 9th edition). */
    extinguishedAfterDaysWithoutCase: z.number().int().min(1).max(60),
  }),
  zoning: z.strictObject({
    /** Levels in use, strictest first. */
    levels: z.array(riskLevel).min(1),
    /** The granularity each level is drawn at (never coarser without a recorded justification). */
    granularity: z.partialRecord(riskLevel, granularity),
    lifting: z.array(liftingStep),
    /**
     * Distance in metres within which a new case counts as "near" an area: it raises a proposal to
     * extend the countdown, which a person accepts or rejects (a case inside restarts it).
     */
    nearDistanceM: z.number().int().min(0).max(5000),
    /** Where `nearDistanceM` comes from: the texts give no number, so it is a local parameter (一区一策). */
    nearDistanceSource: z.string().trim().min(1).max(300),
    /**
     * What becomes of places a case only visited (work and activity places from the investigation):
     * `medium_area` proposals (9th edition: medium areas are drawn from the investigation, no fixed
     * granularity) or `notify_owner` (November 2022: no medium level; a task to the unit owning the
     * place's jurisdiction). Never high areas by default.
     */
    visitedPlaces: z.enum(['medium_area', 'notify_owner']),
  }),
  /** Speed targets in hours, shown against each case's measures. */
  targets: z.strictObject({
    positiveToConfirmedHours: z.number().min(0),
    coreInvestigationHours: z.number().min(0),
    closeContactsIdentifiedHours: z.number().min(0),
    contactToQuarantineHours: z.number().min(0),
  }),
});

export type PresetParams = z.infer<typeof presetParamsSchema>;
export type RiskLevel = z.infer<typeof riskLevel>;
export type Granularity = z.infer<typeof granularity>;

/** The two presets shipped with the platform (custom ones are made by commanders with preset.manage). */
export const SHIPPED_PRESETS: { key: string; name: string; nameEn: string; params: PresetParams }[] = [
  {
    key: 'ninth-edition-2022-06',
    name: '第九版防控方案（2022年6月）',
    nameEn: '9th edition (June 2022)',
    params: {
      contacts: {
        close: { traced: true, lookbackDays: 4, quarantine: { centralDays: 7, homeQuarantineDays: 0, homeMonitoringDays: 3, testDays: [1, 2, 3, 5, 7] } },
        secondary: { traced: true, lookbackDays: 4, quarantine: { centralDays: 0, homeQuarantineDays: 7, homeMonitoringDays: 0, testDays: [1, 4, 7] } },
      },
      dayCounting: { firstDay: 0 },
      clusters: { containedAfterDaysWithoutCommunityCase: 7, extinguishedAfterDaysWithoutCase: 14 },
      zoning: {
        levels: ['high', 'medium', 'low'],
        granularity: { high: 'compound', medium: 'compound', low: 'street' },
        // 第九版 §风险区划定及管控: 高风险区连续7天无新增感染者且第7天风险区域内全员核酸筛查阴性，降为中风险区；
        // 中风险区连续7天无新增感染者且第7天全员核酸筛查阴性，降为低风险区；高风险区降为中风险区后，连续3天无新增
        // 感染者降为低风险区；县（市、区）内高、中风险区全部解除后，低风险区解除。
        lifting: [
          { from: 'high', origin: 'any', to: 'medium', daysWithoutNewCase: 7, negativeRoundDay: 7, whenCountyClear: false, source: '第九版防控方案：高风险区连续7天无新增感染者，第7天全员核酸筛查阴性，降为中风险区' },
          { from: 'medium', origin: 'stepped', to: 'low', daysWithoutNewCase: 3, negativeRoundDay: null, whenCountyClear: false, source: '第九版防控方案：高风险区降为中风险区后，连续3天无新增感染者，降为低风险区' },
          { from: 'medium', origin: 'designated', to: 'low', daysWithoutNewCase: 7, negativeRoundDay: 7, whenCountyClear: false, source: '第九版防控方案：中风险区连续7天无新增感染者，第7天全员核酸筛查阴性，降为低风险区' },
          { from: 'low', origin: 'any', to: 'lifted', daysWithoutNewCase: 0, negativeRoundDay: null, whenCountyClear: true, source: '第九版防控方案：县（市、区）内高、中风险区全部解除后，低风险区解除' },
        ],
        nearDistanceM: 500,
        nearDistanceSource: 'local: 方案未规定"周边"距离，由属地指挥部一区一策确定 (the texts give no distance)',
        visitedPlaces: 'medium_area',
      },
      targets: { positiveToConfirmedHours: 6, coreInvestigationHours: 4, closeContactsIdentifiedHours: 24, contactToQuarantineHours: 12 },
    },
  },
  {
    key: 'optimisation-2022-11',
    name: '二十条优化措施（2022年11月）',
    nameEn: 'November 2022 optimisation',
    params: {
      contacts: {
        close: { traced: true, lookbackDays: 4, quarantine: { centralDays: 5, homeQuarantineDays: 3, homeMonitoringDays: 0, testDays: [1, 2, 3, 5, 8] } },
        secondary: { traced: false, lookbackDays: 0, quarantine: { centralDays: 0, homeQuarantineDays: 0, homeMonitoringDays: 0, testDays: [] } },
      },
      dayCounting: { firstDay: 0 },
      clusters: { containedAfterDaysWithoutCommunityCase: 5, extinguishedAfterDaysWithoutCase: 10 },
      zoning: {
        levels: ['high', 'low'],
        granularity: { high: 'building', low: 'street' },
        // 《关于进一步优化新冠肺炎疫情防控措施 科学精准做好防控工作的通知》(2022-11-11) 第2条 and the
        // 21 Nov 2022 风险区划定及管控方案: 高风险区连续5天未发现新增感染者，第5天全员核酸检测阴性，降为低风险区；
        // no medium level; low areas are the rest of the county, lifted when its high areas are.
        lifting: [
          { from: 'high', origin: 'any', to: 'low', daysWithoutNewCase: 5, negativeRoundDay: 5, whenCountyClear: false, source: '二十条（2022-11-11）第2条及11月21日风险区划定及管控方案：高风险区连续5天未发现新增感染者，第5天全员核酸检测阴性，降为低风险区' },
          { from: 'low', origin: 'any', to: 'lifted', daysWithoutNewCase: 0, negativeRoundDay: null, whenCountyClear: true, source: '11月21日风险区划定及管控方案：低风险区为高风险区所在县（市、区）的其他地区，高风险区全部解除后解除' },
        ],
        nearDistanceM: 300,
        nearDistanceSource: 'local: 方案未规定"周边"距离，由属地指挥部一区一策确定 (the texts give no distance)',
        visitedPlaces: 'notify_owner',
      },
      targets: { positiveToConfirmedHours: 6, coreInvestigationHours: 4, closeContactsIdentifiedHours: 24, contactToQuarantineHours: 12 },
    },
  },
];
