import { z } from 'zod';

/** Response of GET /api/dashboard/summary (the situation page's shape is src/common/situation.ts). */
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
