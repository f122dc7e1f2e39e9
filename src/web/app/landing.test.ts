import { describe, expect, it } from 'vitest';
import { landingPath } from './landing.js';
import { PAGES } from './modules.js';
import { capabilitiesOf, ROLES, type Role } from '../../common/roles.js';

describe('landing: each role lands on its work (issue 16)', () => {
  it('sends each role to the page it works from, and officers and others to the situation page', () => {
    expect(landingPath(['sampler'])).toBe('/testing/sampler');
    expect(landingPath(['lab_technician'])).toBe('/testing/worklist');
    expect(landingPath(['tracer'])).toBe('/tracing');
    expect(landingPath(['community_worker'])).toBe('/today');
    expect(landingPath(['district_officer'])).toBe('/');
    expect(landingPath(['commander'])).toBe('/');
    expect(landingPath(['auditor'])).toBe('/');
    expect(landingPath(['commander', 'sampler'])).toBe('/');
    expect(landingPath([])).toBe('/');
  });

  it('lands every role on a route of the router that the role may open', () => {
    for (const role of ROLES) {
      const path = landingPath([role as Role]);
      const page = PAGES.find((p) => p.path === path);
      expect(page, `${role} → ${path}`).toBeDefined();
      const caps = capabilitiesOf([role]);
      expect(!page!.capabilities || page!.capabilities.some((c) => caps.has(c)), `${role} may open ${path}`).toBe(true);
    }
  });
});
