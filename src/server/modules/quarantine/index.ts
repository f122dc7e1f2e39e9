/**
 * What the quarantine module publishes to other modules: its port (the service's callable surface),
 * the stay arithmetic (plan, day counter), the preset rule lookup, the error catalogue and the
 * types. Other modules import from here, never from quarantine's repository, tables or sub-services.
 */
export { type ActivePreset } from './quarantine.shared.js';
