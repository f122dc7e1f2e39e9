import type { TracerWorklistDto } from '../../../server/modules/cases/cases.schemas.js';
import { http } from '../../app/http.js';

export type { TracerWorklistDto };
export type TracerWorkItem = TracerWorklistDto['items'][number];

/** GET /api/tracing/worklist: the tracer's open cases and contacts by speed-target deadline (issue 16). */
export const tracerWorklistApi = {
  worklist: (signal?: AbortSignal) => http.get<TracerWorklistDto>('/api/tracing/worklist', undefined, signal),
};
