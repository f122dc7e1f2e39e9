/**
 * What the control module publishes to other modules: its port (the service's callable surface),
 * the status rules and vocabularies, the error catalogue and the DTO types. Other modules import
 * from here, never from control's repository, tables or sub-services.
 */
export * from './control.rules.js';
export { BULK_WINDOW_MS } from './control.shared.js';
