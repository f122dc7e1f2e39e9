import type { LabWorklistDto } from '../../../server/modules/testing/testing.schemas.js';
import { http } from '../../app/http.js';

export type { LabWorklistDto };
export type LabWorklistRow = LabWorklistDto['rows'][number];

/** GET /api/testing/lab/worklist: the lab technician's worklist (issue 16). */
export const labWorklistApi = {
  worklist: (signal?: AbortSignal) => http.get<LabWorklistDto>('/api/testing/lab/worklist', undefined, signal),
};
