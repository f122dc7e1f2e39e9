/**
 * Population: values both the server (src/server/modules/population/) and the web use. The request and
 * response shapes are the zod schemas in population.schemas.ts (the web imports their types, type-only).
 */

/** The columns a resident import understands (the import's column mapping names one of these). */
export const IMPORT_FIELDS = [
  'name',
  'idNumber',
  'idType',
  'phone',
  'sex',
  'birthDate',
  'district',
  'street',
  'community',
  'compound',
  'building',
  'entrance',
  'room',
  'residentType',
  'regionOfOrigin',
  'vulnerable',
  'tags',
] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];
