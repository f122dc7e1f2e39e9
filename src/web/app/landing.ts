import type { Role } from '../../common/roles.js';

/**
 * Where each role lands after signing in and on "/" (issue 16, "Each role lands on its work"): the page
 * a person in that role works from. A user holding several roles lands where the first of them in this
 * order works (an officer who also samples still answers for the district first). Roles without a
 * working page of their own land on the situation page.
 */
const LANDINGS: readonly [Role, string][] = [
  ['commander', '/'],
  ['district_officer', '/'],
  ['community_worker', '/today'],
  ['tracer', '/tracing'],
  ['lab_technician', '/testing/worklist'],
  ['sampler', '/testing/sampler'],
];

/** The path a user with these roles lands on: "/" (the situation page) or their working page. */
export function landingPath(roles: readonly Role[]): string {
  for (const [role, path] of LANDINGS) if (roles.includes(role)) return path;
  return '/';
}
