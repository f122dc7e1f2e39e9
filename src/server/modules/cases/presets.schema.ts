import { z } from 'zod';

/**
 * Protocol presets (防控方案) are data, not code: every parameter the response follows. Cases,
 * quarantine and zoning read the ACTIVE preset and record its version on each record they create.
 * Sources: 新型冠状病毒肺炎防控方案（第九版）(June 2022); 《关于进一步优化新冠肺炎疫情防控措施
 * 科学精准做好防控工作的通知》(the November 2022 optimisation, "20 measures").
 */

/** Day numbers inside one phase (1 = the phase's first day). */
const phaseDays = z.array(z.number().int().min(1).max(60)).max(30);

/**
 * A stay: days of central quarantine, then home quarantine, then home health monitoring, and the
 * nucleic-acid test days of each phase counted inside that phase (e.g. 9th edition close contacts:
 * central days 1, 2, 3, 5, 7 and home-monitoring day 3, i.e. stay day 10), so every date is unambiguous.
 */
const quarantineRule = z.strictObject({
  /** Days of central (集中) quarantine; 0 = none. */
  centralDays: z.number().int().min(0).max(60),
  /** Days of home quarantine (居家隔离) after the central stay; 0 = none. */
  homeQuarantineDays: z.number().int().min(0).max(60),
  /** Days of home health monitoring (居家健康监测) after that; 0 = none. */
  homeMonitoringDays: z.number().int().min(0).max(60),
  /** Test days per phase, each counted from the first day of its phase (1-based). */
  tests: z.strictObject({ central: phaseDays, homeQuarantine: phaseDays, homeMonitoring: phaseDays }),
});

const contactRule = z.strictObject({
  /** Whether this category is traced at all (secondary contacts are not, from November 2022). */
  traced: z.boolean(),
  /** Contacts are traced from this many days before the case's onset (or first positive sample). */
  lookbackDays: z.number().int().min(0).max(30),
  quarantine: quarantineRule,
  /**
   * Secondary contacts only (9th edition): released at the end only when their own tests and this many
   * first tests of THEIR close contact are negative, and upgraded to close contacts if that close contact
   * turns positive. null: no link.
   */
  linkedRelease: z.strictObject({ closeContactNegativeTests: z.number().int().min(1).max(10) }).nullable(),
});

/** Traveller categories (来返人员、入境人员、高风险岗位人员) the presets give schedules for. */
export const TRAVELLER_CATEGORIES = ['high_risk_area', 'medium_risk_area', 'low_risk_area', 'inbound_international', 'high_risk_occupation'] as const;
export type TravellerCategory = (typeof TRAVELLER_CATEGORIES)[number];

const travellerRule = z.strictObject({
  /** Whether the text has a measure for this category (November 2022 has no medium areas). */
  applies: z.boolean(),
  /** The stay, counted from the arrival (or the end of closed-loop work); all zero when only tests apply. */
  quarantine: quarantineRule,
  /** Tests without a stay: `tests` tests within `withinDays` days of arrival (低风险区来返 "3天2检"); null: none. */
  testWindow: z.strictObject({ tests: z.number().int().min(1).max(10), withinDays: z.number().int().min(1).max(30) }).nullable(),
});

/** A text the preset cites (its numbers point to it by key). */
const sourceText = z.strictObject({
  /** The text's own title. */
  title: z.string().min(1).max(300),
  /** When it was issued, YYYY-MM. */
  issued: z.string().regex(/^\d{4}-\d{2}$/),
});

/**
 * Where a number (or every number under a path) comes from: a cited text (with the clause), or a local
 * parameter (the texts give none: speed targets, cluster thresholds, the "near" distance) with who set it.
 */
const provenance = z.union([
  z.strictObject({ text: z.string().min(1).max(64), clause: z.string().max(300).optional() }),
  z.strictObject({ local: z.literal(true), source: z.string().trim().min(1).max(300) }),
]);
export type Provenance = z.infer<typeof provenance>;

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

const presetParamsObject = z.strictObject({
  /** The texts this preset follows, by key (numbers cite them in `provenance`). */
  sources: z.record(z.string().min(1).max(64), sourceText),
  /**
   * Provenance of every number, by dotted path (`contacts.close.quarantine`); an entry covers the path
   * and everything under it. A number with neither a cited text nor a local mark is refused.
   */
  provenance: z.record(z.string().min(1).max(200), provenance),
  contacts: z.strictObject({ close: contactRule, secondary: contactRule }),
  /** Schedules for travellers by category, counted from the arrival like contacts from the exposure. */
  travellers: z.strictObject(Object.fromEntries(TRAVELLER_CATEGORIES.map((c) => [c, travellerRule])) as Record<TravellerCategory, typeof travellerRule>),
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

/** Dotted paths of every number (a number array counts as one) outside `sources`/`provenance`. */
export function numberPaths(value: unknown, path: string[] = []): string[] {
  if (typeof value === 'number') return [path.join('.')];
  if (Array.isArray(value)) return value.some((v) => typeof v === 'number') ? [path.join('.')] : value.flatMap((v, i) => numberPaths(v, [...path, String(i)]));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => (path.length === 0 && (k === 'sources' || k === 'provenance') ? [] : numberPaths(v, [...path, k])));
  }
  return [];
}

/** The provenance entry that covers `path` (the longest matching prefix), if any. */
export function provenanceOf(prov: Record<string, Provenance>, path: string): { path: string; entry: Provenance } | undefined {
  const parts = path.split('.');
  for (let n = parts.length; n > 0; n--) {
    const p = parts.slice(0, n).join('.');
    if (prov[p]) return { path: p, entry: prov[p] };
  }
  return undefined;
}

/**
 * The preset parameters, validated: every number must be covered by a provenance entry that cites a
 * text listed in `sources` or is marked local with its source (the issue's "say in the preset which
 * text each number comes from").
 */
export const presetParamsSchema = presetParamsObject.superRefine((params, ctx) => {
  for (const [key, entry] of Object.entries(params.provenance)) {
    if ('text' in entry && !params.sources[entry.text]) {
      ctx.addIssue({ code: 'custom', path: ['provenance', key, 'text'], message: `cites the text "${entry.text}", which is not listed in sources` });
    }
  }
  for (const p of numberPaths(params)) {
    if (!provenanceOf(params.provenance, p)) {
      ctx.addIssue({
        code: 'custom',
        path: p.split('.'),
        message: `${p}: this number has neither a source text nor a local mark; add provenance["${p}"] = { text } or { local: true, source }`,
      });
    }
  }
});

export type PresetParams = z.infer<typeof presetParamsObject>;

const NINTH_EDITION = { title: '新型冠状病毒肺炎防控方案（第九版）', issued: '2022-06' };
const NOVEMBER_20_MEASURES = { title: '关于进一步优化新冠肺炎疫情防控措施 科学精准做好防控工作的通知（二十条）', issued: '2022-11' };
const NOVEMBER_RISK_AREAS = { title: '新冠肺炎疫情风险区划定及管控方案（2022年11月21日）', issued: '2022-11' };
const NO_STAY = { centralDays: 0, homeQuarantineDays: 0, homeMonitoringDays: 0, tests: { central: [], homeQuarantine: [], homeMonitoring: [] } };

type ShippedPreset = { key: string; name: string; nameEn: string; params: PresetParams };
/** The two presets shipped with the platform (custom ones are made by commanders with preset.manage); a pair, so both are known to be there. */
export const SHIPPED_PRESETS: [ShippedPreset, ShippedPreset] = [
  {
    key: 'ninth-edition-2022-06',
    name: '第九版防控方案（2022年6月）',
    nameEn: '9th edition (June 2022)',
    params: {
      sources: { ninth: NINTH_EDITION },
      provenance: {
        'contacts.close': { text: 'ninth', clause: '密切接触者：7天集中隔离+3天居家健康监测，集中隔离第1、2、3、5、7天和居家健康监测第3天各一次核酸检测' },
        'contacts.secondary': { text: 'ninth', clause: '密接的密接：7天居家隔离，第1、4、7天核酸检测；密接前两次核酸阴性且本人检测阴性可解除' },
        'travellers.high_risk_area': { text: 'ninth', clause: '7天内有高风险区旅居史：7天集中隔离，第1、2、3、5、7天核酸检测' },
        'travellers.medium_risk_area': { text: 'ninth', clause: '7天内有中风险区旅居史：7天居家隔离，第1、4、7天核酸检测' },
        'travellers.low_risk_area': { text: 'ninth', clause: '7天内有低风险区旅居史：3天内完成2次核酸检测' },
        'travellers.inbound_international': { text: 'ninth', clause: '入境人员：7天集中隔离+3天居家健康监测，检测同密切接触者' },
        'travellers.high_risk_occupation': {
          local: true,
          source: '本预置方案未给出闭环作业人员的措施；由本地指挥部按其决定填写 · Not shipped: the local HQ enters its own rule',
        },
        dayCounting: { text: 'ninth', clause: '隔离期自最后一次暴露起计算' },
        clusters: { local: true, source: '本地参数（指挥部设定）· Local parameter set by the HQ' },
        zoning: { text: 'ninth', clause: '风险区划定与管控' },
        'zoning.lifting': { text: 'ninth', clause: '风险区划定与解封' },
        'zoning.nearDistanceM': { local: true, source: '本地参数（指挥部设定）· Local parameter set by the HQ' },
        targets: { local: true, source: '本地参数：处置时限（指挥部设定）· Local parameter: speed targets set by the HQ' },
      },
      contacts: {
        close: {
          traced: true,
          lookbackDays: 4,
          quarantine: {
            centralDays: 7,
            homeQuarantineDays: 0,
            homeMonitoringDays: 3,
            tests: { central: [1, 2, 3, 5, 7], homeQuarantine: [], homeMonitoring: [3] },
          },
          linkedRelease: null,
        },
        secondary: {
          traced: true,
          lookbackDays: 4,
          quarantine: { centralDays: 0, homeQuarantineDays: 7, homeMonitoringDays: 0, tests: { central: [], homeQuarantine: [1, 4, 7], homeMonitoring: [] } },
          linkedRelease: { closeContactNegativeTests: 2 },
        },
      },
      travellers: {
        high_risk_area: {
          applies: true,
          quarantine: {
            centralDays: 7,
            homeQuarantineDays: 0,
            homeMonitoringDays: 0,
            tests: { central: [1, 2, 3, 5, 7], homeQuarantine: [], homeMonitoring: [] },
          },
          testWindow: null,
        },
        medium_risk_area: {
          applies: true,
          quarantine: { centralDays: 0, homeQuarantineDays: 7, homeMonitoringDays: 0, tests: { central: [], homeQuarantine: [1, 4, 7], homeMonitoring: [] } },
          testWindow: null,
        },
        low_risk_area: { applies: true, quarantine: NO_STAY, testWindow: { tests: 2, withinDays: 3 } },
        inbound_international: {
          applies: true,
          quarantine: {
            centralDays: 7,
            homeQuarantineDays: 0,
            homeMonitoringDays: 3,
            tests: { central: [1, 2, 3, 5, 7], homeQuarantine: [], homeMonitoring: [3] },
          },
          testWindow: null,
        },
        high_risk_occupation: { applies: false, quarantine: NO_STAY, testWindow: null },
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
          {
            from: 'high',
            origin: 'any',
            to: 'medium',
            daysWithoutNewCase: 7,
            negativeRoundDay: 7,
            whenCountyClear: false,
            source: '第九版防控方案：高风险区连续7天无新增感染者，第7天全员核酸筛查阴性，降为中风险区',
          },
          {
            from: 'medium',
            origin: 'stepped',
            to: 'low',
            daysWithoutNewCase: 3,
            negativeRoundDay: null,
            whenCountyClear: false,
            source: '第九版防控方案：高风险区降为中风险区后，连续3天无新增感染者，降为低风险区',
          },
          {
            from: 'medium',
            origin: 'designated',
            to: 'low',
            daysWithoutNewCase: 7,
            negativeRoundDay: 7,
            whenCountyClear: false,
            source: '第九版防控方案：中风险区连续7天无新增感染者，第7天全员核酸筛查阴性，降为低风险区',
          },
          {
            from: 'low',
            origin: 'any',
            to: 'lifted',
            daysWithoutNewCase: 0,
            negativeRoundDay: null,
            whenCountyClear: true,
            source: '第九版防控方案：县（市、区）内高、中风险区全部解除后，低风险区解除',
          },
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
      sources: { nov20: NOVEMBER_20_MEASURES, nov21: NOVEMBER_RISK_AREAS },
      provenance: {
        'contacts.close': { text: 'nov20', clause: '密切接触者：5天集中隔离+3天居家隔离，集中隔离第1、2、3、5天和居家隔离第1、3天核酸检测' },
        'contacts.secondary': { text: 'nov20', clause: '不再判定密接的密接' },
        'travellers.high_risk_area': { text: 'nov20', clause: '高风险区外溢人员：7天居家隔离，第1、3、5、7天核酸检测' },
        'travellers.medium_risk_area': { text: 'nov20', clause: '风险区调整为高、低两类，不再有中风险区' },
        'travellers.low_risk_area': { text: 'nov20', clause: '未规定低风险区来返人员的隔离或检测措施' },
        'travellers.inbound_international': { text: 'nov20', clause: '入境人员：5天集中隔离+3天居家隔离，集中隔离第1、2、3、5天和居家隔离第1、3天核酸检测' },
        'travellers.high_risk_occupation': { text: 'nov20', clause: '高风险岗位从业人员闭环作业结束后：5天居家健康监测，第1、3、5天核酸检测' },
        dayCounting: { text: 'nov20', clause: '隔离期自最后一次暴露起计算' },
        clusters: { local: true, source: '本地参数（指挥部设定）· Local parameter set by the HQ' },
        zoning: { text: 'nov21', clause: '风险区划定及管控方案' },
        'zoning.lifting': { text: 'nov21', clause: '高风险区连续5天无新增感染者且第5天风险区域内人员核酸检测均为阴性，降为低风险区' },
        'zoning.nearDistanceM': { local: true, source: '本地参数（指挥部设定）· Local parameter set by the HQ' },
        targets: { local: true, source: '本地参数：处置时限（指挥部设定）· Local parameter: speed targets set by the HQ' },
      },
      contacts: {
        close: {
          traced: true,
          lookbackDays: 4,
          quarantine: {
            centralDays: 5,
            homeQuarantineDays: 3,
            homeMonitoringDays: 0,
            tests: { central: [1, 2, 3, 5], homeQuarantine: [1, 3], homeMonitoring: [] },
          },
          linkedRelease: null,
        },
        secondary: { traced: false, lookbackDays: 0, quarantine: NO_STAY, linkedRelease: null },
      },
      travellers: {
        high_risk_area: {
          applies: true,
          quarantine: {
            centralDays: 0,
            homeQuarantineDays: 7,
            homeMonitoringDays: 0,
            tests: { central: [], homeQuarantine: [1, 3, 5, 7], homeMonitoring: [] },
          },
          testWindow: null,
        },
        medium_risk_area: { applies: false, quarantine: NO_STAY, testWindow: null },
        low_risk_area: { applies: false, quarantine: NO_STAY, testWindow: null },
        inbound_international: {
          applies: true,
          quarantine: {
            centralDays: 5,
            homeQuarantineDays: 3,
            homeMonitoringDays: 0,
            tests: { central: [1, 2, 3, 5], homeQuarantine: [1, 3], homeMonitoring: [] },
          },
          testWindow: null,
        },
        high_risk_occupation: {
          applies: true,
          quarantine: { centralDays: 0, homeQuarantineDays: 0, homeMonitoringDays: 5, tests: { central: [], homeQuarantine: [], homeMonitoring: [1, 3, 5] } },
          testWindow: null,
        },
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
          {
            from: 'high',
            origin: 'any',
            to: 'low',
            daysWithoutNewCase: 5,
            negativeRoundDay: 5,
            whenCountyClear: false,
            source: '二十条（2022-11-11）第2条及11月21日风险区划定及管控方案：高风险区连续5天未发现新增感染者，第5天全员核酸检测阴性，降为低风险区',
          },
          {
            from: 'low',
            origin: 'any',
            to: 'lifted',
            daysWithoutNewCase: 0,
            negativeRoundDay: null,
            whenCountyClear: true,
            source: '11月21日风险区划定及管控方案：低风险区为高风险区所在县（市、区）的其他地区，高风险区全部解除后解除',
          },
        ],
        nearDistanceM: 300,
        nearDistanceSource: 'local: 方案未规定"周边"距离，由属地指挥部一区一策确定 (the texts give no distance)',
        visitedPlaces: 'notify_owner',
      },
      targets: { positiveToConfirmedHours: 6, coreInvestigationHours: 4, closeContactsIdentifiedHours: 24, contactToQuarantineHours: 12 },
    },
  },
];

/**
 * Params stored before numbers carried their sources (and before test days were per phase): a shipped
 * preset reads as the shipped version of its key; a custom one keeps its numbers, each stay's old test
 * days are put in the phase they fall in, and every number is marked local with that history as source.
 */
export function upgradeStoredParams(key: string, shipped: boolean, raw: unknown): PresetParams {
  const p = raw as Record<string, unknown>;
  if (p && typeof p === 'object' && 'provenance' in p) return p as unknown as PresetParams;
  const ship = SHIPPED_PRESETS.find((x) => x.key === key);
  if (shipped && ship) return structuredClone(ship.params);
  const base = structuredClone(SHIPPED_PRESETS[0].params);
  const legacyRule = (q: { centralDays: number; homeQuarantineDays: number; homeMonitoringDays: number; testDays?: number[] }) => {
    const c = q.centralDays,
      h = q.homeQuarantineDays;
    const days = q.testDays ?? [];
    return {
      centralDays: c,
      homeQuarantineDays: h,
      homeMonitoringDays: q.homeMonitoringDays,
      tests: {
        central: days.filter((d) => d >= 1 && d <= c),
        homeQuarantine: days.filter((d) => d > c && d <= c + h).map((d) => d - c),
        homeMonitoring: days.filter((d) => d > c + h).map((d) => d - c - h),
      },
    };
  };
  const contacts = p.contacts as Record<'close' | 'secondary', { traced: boolean; lookbackDays: number; quarantine: Parameters<typeof legacyRule>[0] }>;
  return {
    ...(p as unknown as PresetParams),
    sources: {},
    provenance: Object.fromEntries(
      ['contacts', 'travellers', 'dayCounting', 'clusters', 'zoning', 'targets'].map((k) => [
        k,
        { local: true as const, source: '方案来源记录之前保存的自定义方案 · Custom preset saved before sources were recorded' },
      ]),
    ),
    contacts: {
      close: { ...contacts.close, quarantine: legacyRule(contacts.close.quarantine), linkedRelease: null },
      secondary: { ...contacts.secondary, quarantine: legacyRule(contacts.secondary.quarantine), linkedRelease: null },
    },
    travellers: Object.fromEntries(TRAVELLER_CATEGORIES.map((c) => [c, { ...base.travellers[c], applies: false }])) as PresetParams['travellers'],
  };
}
