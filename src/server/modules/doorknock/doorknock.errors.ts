import { defineErrors } from '../../platform/errors.js';

/** The door-knocking module's error catalogue (敲门行动). */
export const DoorknockErrors = defineErrors({
  DOORKNOCK_BUILDING_NOT_FOUND: [404, 'Building not found'],
  DOORKNOCK_PERSON_NOT_IN_BUILDING: [404, 'The person does not live in a building of your scope'],
  DOORKNOCK_PERSON_APART: [422, 'The person is in a quarantine hotel or is a confirmed case: not knocked for'],
});
