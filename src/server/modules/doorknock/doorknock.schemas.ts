import { z } from 'zod';
import { CONTROL_STATUSES } from '../../../common/control.js';

const id = z.string().min(1).max(64);

/**
 * What came of a knock (敲门结果): sampled at home · not at home · refused · moved away · away from the
 * city · in hospital. The last three take the person out of the campaign's target (an exemption).
 */
export const KNOCK_OUTCOMES = ['sampled_at_home', 'not_at_home', 'refused', 'moved_away', 'away_from_city', 'in_hospital'] as const;
export type KnockOutcome = (typeof KNOCK_OUTCOMES)[number];
/** Outcomes that exempt the person from the campaign (they cannot be sampled here this round). */
export const EXEMPTING_OUTCOMES: readonly KnockOutcome[] = ['moved_away', 'away_from_city', 'in_hospital'];
/** Outcomes after which nobody needs to knock again this round. */
export const SETTLED_OUTCOMES: readonly KnockOutcome[] = ['sampled_at_home', ...EXEMPTING_OUTCOMES];

export const campaignParams = z.strictObject({ campaignId: id.describe('testing campaign id') });
export const listParams = z.strictObject({ campaignId: id.describe('testing campaign id'), buildingId: id.describe('building (楼栋) id') });
export const personParams = z.strictObject({ id: id.describe('person id') });

export const buildingsQuery = z.strictObject({
  code: z.string().trim().min(1).max(64).optional().describe("A scanned building code (the building's jurisdiction code)"),
  q: z.string().trim().min(1).max(40).optional().describe('Part of a building, compound or community name'),
});
export const buildingsResponse = z.object({
  items: z.array(
    z.object({ id: z.string(), code: z.string(), name: z.string(), path: z.string(), place: z.string().describe('小区 · 楼栋, written in full') }),
  ),
});

export const knockBody = z.strictObject({
  personId: id.describe('The resident knocked for (in your scope)'),
  outcome: z.enum(KNOCK_OUTCOMES).describe('What came of the knock'),
  note: z.string().trim().max(200).optional().describe('Free text, e.g. the hospital'),
});

const lastKnock = z.object({ outcome: z.enum(KNOCK_OUTCOMES), at: z.number().int().describe('epoch ms'), actorName: z.string() });

export const knockResult = z.object({
  id: z.string(),
  personId: z.string(),
  outcome: z.enum(KNOCK_OUTCOMES),
  exempted: z.boolean().describe('The outcome took the person out of the campaign target now'),
  at: z.number().int(),
});

const resident = z.object({
  personId: z.string(),
  name: z.string(),
  idNumberMasked: z.string(),
  phoneMasked: z.string().nullable().describe('e.g. 138****5678; the full number is a journaled reveal'),
  entrance: z.string().nullable().describe('单元 name, when the person lives at an entrance'),
  floor: z.number().int().nullable().describe('Floor, from the room number (302 → 3)'),
  room: z.string().nullable(),
  address: z.string().nullable(),
  status: z.enum(CONTROL_STATUSES).describe('Control status (管控状态)'),
  confirmedCase: z.boolean().describe('Under a measure whose basis is a confirmed case'),
  exempt: z.boolean().describe('Exempt from this campaign (by status, by hand, or by a knock)'),
  vulnerable: z.array(z.string()),
  lastKnock: lastKnock.nullable(),
  knocks: z.number().int().describe('Knocks recorded for this person in this campaign'),
});

export const knockList = z.object({
  campaignId: z.string(),
  building: z.object({ id: z.string(), code: z.string(), name: z.string(), path: z.string() }),
  target: z.number().int().describe('Residents of the building'),
  sampled: z.number().int().describe('Residents sampled in this campaign'),
  toKnock: z.array(resident).describe('Not sampled, not settled: sorted by entrance, floor, room'),
  settled: z.array(resident).describe('Not sampled, but nobody needs to knock again (sampled at home, exempt, moved…)'),
  apart: z.array(resident).describe('In a quarantine hotel or confirmed as a case: listed apart, not knocked for'),
});

export const revealBody = z.strictObject({
  reason: z.string().trim().max(200).describe('Why the phone is revealed (preset 敲门核查); an empty reason is refused'),
});
export const revealResponse = z.object({ value: z.string() });

export type KnockList = z.infer<typeof knockList>;
export type KnockResident = z.infer<typeof resident>;
