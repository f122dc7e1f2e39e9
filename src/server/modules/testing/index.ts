/**
 * What the testing module publishes to other modules: its port (the service's callable surface),
 * its factory for the container, and the DTO types the port speaks. Other modules import from here
 * (or testing.port.ts), never from testing's repository, tables or sub-services.
 */
export { createTestingService } from './testing.service.js';
