/**
 * The zoning module as other code sees it: the service factory and its registrations (for the
 * composition in services.ts), the port other modules call, the errors and the shared constants.
 * Other modules import from here, never from zoning's repository, tables or sub-services.
 */
export { createZoningService, registerZoning } from './zoning.service.js';
