/**
 * The door-knocking module (敲门行动) as other code sees it: the service factory, the port and the
 * errors. Other modules import from here, never from its repository or tables.
 */
export { createDoorknockService, type DoorknockService } from './doorknock.service.js';
export type { DoorknockPort } from './doorknock.port.js';
export { DoorknockErrors } from './doorknock.errors.js';
export { KNOCK_OUTCOMES, KNOCK_REVEAL_REASON, type KnockOutcome } from './doorknock.schemas.js';
