import type { Deps } from '../deps.js';

/** The demo login printed by `npm start`. */
export const DEMO_ADMIN = { username: 'admin', password: 'bulwark-demo' } as const;

/** Creates the demo units and users. Filled in by the identity work. */
export async function seedDemoUsers(_deps: Deps): Promise<{ users: number }> {
  return { users: 0 };
}
