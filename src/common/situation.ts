/**
 * The situation home page (疫情态势): its shape is the zod schema in
 * src/server/modules/dashboard/dashboard.schemas.ts, re-exported here type-only for the server's
 * modules that fill a section (cases, zoning) and for the web.
 */
export type { InfectionCounts, SituationDto } from '../server/modules/dashboard/dashboard.schemas.js';
