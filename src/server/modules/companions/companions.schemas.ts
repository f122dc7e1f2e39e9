import { z } from 'zod';

const id = z.string().min(1).max(64);
export const idParams = z.object({ id });
export const candidateParams = z.object({ id, candidateId: id });

export const importBody = z.strictObject({
  csv: z.string().min(1).max(20_000_000).describe('CSV with header: person_id or phone_hash, time (epoch ms or ISO-8601 with offset), lat+lng or cell_id'),
  partial: z.boolean().optional().describe('Import the good rows and report the bad ones (default: all or nothing)'),
});
export const importResult = z.object({
  importId: z.string(),
  imported: z.number().int(),
  rejected: z.number().int(),
  rows: z.array(z.object({ line: z.number().int(), errors: z.array(z.string()) })).describe('Bad rows (first 200)'),
});

export const detectBody = z.strictObject({
  personId: id.describe("The case's person"),
  caseId: id.nullable().optional(),
  to: z.number().int().optional().describe('Window end, epoch ms (default now)'),
  windowDays: z.number().int().min(1).max(60).optional().describe('Default 14'),
  minOverlapMinutes: z.number().int().min(1).max(1440).optional().describe('Default 10'),
  minTotalMinutes: z.number().int().min(1).max(86_400).optional().describe('Default 1800 (30 h)'),
});

const overlap = z.object({ cell: z.string(), from: z.number(), to: z.number(), minutes: z.number() });
export const candidate = z.object({
  id: z.string(),
  personId: z.string().nullable(),
  subjectKey: z.string(),
  totalMinutes: z.number().int(),
  overlapCount: z.number().int(),
  evidence: z.array(overlap),
  cells: z.array(z.string()),
  decision: z.enum(['accepted', 'rejected']).nullable(),
  decidedAt: z.number().nullable(),
  note: z.string().nullable(),
});
export const batch = z.object({
  id: z.string(),
  personId: z.string(),
  caseId: z.string().nullable(),
  jurisdictionPath: z.string(),
  params: z.object({ from: z.number(), to: z.number(), windowDays: z.number(), minOverlapMinutes: z.number(), minTotalMinutes: z.number() }),
  candidateCount: z.number().int(),
  pendingCount: z.number().int(),
  createdAt: z.number(),
  candidates: z.array(candidate).optional(),
});
export const listQuery = z.object({ page: z.coerce.number().int().min(1).default(1), pageSize: z.coerce.number().int().min(1).max(200).default(50) });
export const reviewBody = z.strictObject({ decision: z.enum(['accepted', 'rejected']), note: z.string().trim().max(1000).nullable().optional() });
