import { z } from 'zod';
import { contactBody } from '../cases/index.js';

const id = z.string().min(1).max(64);
export const idParams = z.object({ id });
export const candidateParams = z.object({ id, candidateId: id });

export const importQuery = z.strictObject({
  mode: z
    .enum(['all', 'partial'])
    .default('all')
    .describe('all (default): any bad row → 422 with the row report and nothing written; partial: write the good rows, report the bad ones'),
});
export const importResult = z.object({
  importId: z.string(),
  imported: z.number().int(),
  rejected: z.number().int().describe('bad rows, all counted'),
  rows: z.array(z.object({ line: z.number().int(), errors: z.array(z.string()) })).describe('bad rows (up to 200), by line'),
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
  note: z.string().nullable().describe("the reviewer's note (accepted) or reason (rejected)"),
  contactId: z.string().nullable().describe('the case contact an accepted candidate became (or was linked to)'),
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
export const acceptBody = z.strictObject({
  category: z.enum(['close', 'secondary']).optional().describe('default close (密接)'),
  caseId: id.nullable().optional().describe('the case, only when the batch names none'),
  personId: id.nullable().optional().describe('phone-hash-only candidate: the existing person it turned out to be'),
  newPerson: contactBody.shape.newPerson.describe('phone-hash-only candidate: a non-resident to register'),
  outsideCity: contactBody.shape.outsideCity.describe('phone-hash-only candidate: someone living outside the city (outgoing 协查)'),
  note: z.string().trim().max(1000).nullable().optional(),
});
export const rejectBody = z.strictObject({ reason: z.string().trim().min(1).max(1000).describe('why this is not a companion (required)') });

// The response shapes, inferred (issue 15: the schemas are the one source; src/common/cases.ts
// re-exports them for the web).
export type CompanionCandidateDto = z.infer<typeof candidate>;
export type CompanionBatchDto = z.infer<typeof batch>;
