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

/** One step of an area's lifting schedule: after `days` without a new case (and a negative round if required) the area moves to `to`. */
const liftingStep = z.strictObject({
  from: riskLevel,
  /** The next level, or `lifted` to end the area. */
  to: z.union([riskLevel, z.literal('lifted')]),
  /** Calendar days without a new case counted from the last case (or the previous step). */
  daysWithoutNewCase: z.number().int().min(0).max(60),
  /** Whether a negative testing round on the last day is also required. */
  requiresNegativeRound: z.boolean(),
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
    /** Distance in metres within which a new case counts as "near" an area (resets or extends it). */
    nearDistanceM: z.number().int().min(0).max(5000),
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
        lifting: [
          { from: 'high', to: 'medium', daysWithoutNewCase: 7, requiresNegativeRound: true },
          { from: 'medium', to: 'low', daysWithoutNewCase: 3, requiresNegativeRound: false },
        ],
        nearDistanceM: 500,
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
        lifting: [{ from: 'high', to: 'lifted', daysWithoutNewCase: 5, requiresNegativeRound: false }],
        nearDistanceM: 300,
      },
      targets: { positiveToConfirmedHours: 6, coreInvestigationHours: 4, closeContactsIdentifiedHours: 24, contactToQuarantineHours: 12 },
    },
  },
];
