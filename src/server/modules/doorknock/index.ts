/**
 * The door-knocking module (敲门行动) as other code sees it: the service factory, the port and the
 * outcome type. Other modules import from here, never from its repository or tables.
 */
export { createDoorknockService } from './doorknock.service.js';
