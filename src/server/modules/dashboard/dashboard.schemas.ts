import { z } from 'zod';

/** Response of GET /api/dashboard/summary. */
export const summary = z.object({
  jurisdictions: z.number().int().describe('jurisdiction nodes in my scope'),
  residents: z.number().int().describe('persons living or staying in my scope (kept-current counters)'),
  users: z.number().int().describe('staff accounts in my scope'),
  openTasks: z.number().int().describe('tasks not yet verified or cancelled in my scope'),
  journalEntries: z.number().int().describe('journal entries about my scope'),
  unacknowledgedAlerts: z.number().int().describe('alerts in my feed nobody has acknowledged'),
  districts: z
    .array(z.object({ id: z.string(), code: z.string(), name: z.string(), population: z.number().int() }))
    .describe('districts I can see, with population'),
});
/** Real counts for the home page, within the caller's scope or the node chosen in the top bar. */
export type DashboardSummary = z.infer<typeof summary>;

/** One entry of today's list that links to a task (home sampling at a door). */
const todayTask = z.object({
  id: z.string(),
  title: z.string().describe('the Chinese rendering, for rows without titleKey'),
  titleKey: z.string().nullable().describe("render in the reader's language with titleParams"),
  titleParams: z.record(z.string(), z.unknown()).nullable(),
  status: z.string(),
  dueAt: z.number().int().nullable(),
  overdue: z.boolean(),
});
/** One person of today's list under a quarantine measure (masked). */
const todayStay = z.object({
  stayId: z.string(),
  nameMasked: z.string().nullable().describe('masked; null when the person lies outside my scope'),
  mode: z.enum(['central', 'home']),
  place: z.string().nullable().describe('the facility and room (central) or the residence node (home), by name'),
  endDay: z.string().describe('YYYY-MM-DD, the last day of the stay'),
  day: z.number().int().describe('the day of the stay today (clamped to 0…totalDays)'),
  totalDays: z.number().int(),
  testDay: z.number().int().nullable().describe('the test day due today (tests), or null'),
  overdue: z.boolean(),
});
/**
 * Response of GET /api/dashboard/today: the community worker's list for today (issue 16) in the
 * caller's compounds or a chosen node of them. A section is null for a caller who may not read the
 * module behind it.
 */
export const today = z.object({
  asOf: z.number().int(),
  today: z.string().describe('YYYY-MM-DD in BULWARK_TZ'),
  jurisdiction: z.object({ id: z.string().nullable(), name: z.string() }),
  doorknock: z
    .object({
      campaignId: z.string(),
      campaignName: z.string(),
      deadlineAt: z.number().int(),
      target: z.number().int(),
      sampled: z.number().int(),
      remaining: z.number().int(),
      places: z
        .array(
          z.object({ id: z.string(), name: z.string(), level: z.string(), target: z.number().int(), sampled: z.number().int(), remaining: z.number().int() }),
        )
        .describe('the next level down (compounds, or buildings of a compound), most left to sample first'),
    })
    .nullable()
    .describe('door-knocking (敲门行动): who is not yet sampled in the active round; null without testing.read or with no round'),
  homeSampling: z.array(todayTask).nullable().describe('open home-sampling tasks (上门采样), earliest due first; null without task.work'),
  rechecksDue: z
    .array(
      z.object({
        recheckId: z.string(),
        taskId: z.string().nullable(),
        nameMasked: z.string(),
        place: z.string().nullable().describe('where the person lives, by name from the community down'),
        dueAt: z.number().int(),
        overdue: z.boolean(),
      }),
    )
    .nullable()
    .describe('people of a positive pool awaiting their single-tube recheck sample (单管复核), earliest due first; null without testing.read'),
  testsDue: z.array(todayStay).nullable().describe('people in home quarantine with a test day today not yet recorded; null without quarantine.read'),
  staysEnding: z.array(todayStay).nullable().describe('stays ending today or tomorrow, or past their end; null without quarantine.read'),
});
export type TodayDto = z.infer<typeof today>;
/** New infections in one window, split by where they were found. */
const infections = z.object({
  inControl: z.number().int().describe('found among persons already under a measure (管控内)'),
  community: z.number().int().describe('found in the community (社会面)'),
  confirmed: z.number().int(),
  asymptomatic: z.number().int(),
  total: z.number().int(),
});
/** Response of GET /api/dashboard/situation: the situation home page (疫情态势) for one jurisdiction. */
export const situation = z.object({
  jurisdictionId: z.string().nullable(),
  jurisdictionPath: z.string(),
  asOf: z.number().int().describe('epoch ms the figures were read'),
  today: z.string().describe('YYYY-MM-DD in BULWARK_TZ'),
  yesterday: z.string(),
  infections: z.object({ today: infections, yesterday: infections }).nullable().describe('null without case.read'),
  contacts: z
    .object({ identifiedToday: z.number().int(), identifiedYesterday: z.number().int(), placedOfRecent: z.number().int(), awaitingPlacement: z.number().int() })
    .nullable()
    .describe('close contacts; null without case.read'),
  measures: z
    .object({
      pendingRecheck: z.number().int(),
      quarantinedCentral: z.number().int(),
      quarantinedHome: z.number().int(),
      homeMonitored: z.number().int(),
      awaitingPlacement: z.number().int(),
      sealed: z.number().int(),
      controlled: z.number().int(),
      underPersonMeasure: z.number().int(),
      underAreaMeasure: z.number().int(),
    })
    .nullable()
    .describe('persons under each measure now; null without control.read'),
  areas: z
    .object({
      publishedToday: z.number().int(),
      liftedToday: z.number().int(),
      publishedYesterday: z.number().int(),
      liftedYesterday: z.number().int(),
      current: z.object({ high: z.number().int(), medium: z.number().int(), low: z.number().int() }),
    })
    .nullable()
    .describe('risk areas; null without area.read'),
  testing: z
    .object({
      campaignId: z.string(),
      name: z.string(),
      deadline: z.number().int().nullable(),
      target: z.number().int(),
      sampled: z.number().int(),
      percent: z.number(),
      overdue: z.boolean(),
    })
    .nullable()
    .describe('the active round; null without testing.read or when none runs'),
  overdue: z.object({ tasks: z.number().int().nullable(), releases: z.number().int().nullable() }),
});
/**
 * The situation home page (疫情态势): the figures an HQ asks for first each morning, for one jurisdiction.
 * Days are calendar days in BULWARK_TZ; `today` runs from its midnight to `asOf`. Each section is null
 * for a caller who may not read its module.
 */
export type SituationDto = z.infer<typeof situation>;
/** New infections in one window, split by where they were found (管控内 / 社会面). */
export type InfectionCounts = z.infer<typeof infections>;
