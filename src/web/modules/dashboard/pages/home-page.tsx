import { lazy } from 'react';
import { Navigate } from 'react-router-dom';
import { landingPath } from '../../../app/landing.js';
import type { PageProps } from '../../../app/modules.js';
import { useMe } from '../../../app/session.js';

// Loaded only for those who stay here: a sampler on a weak network never downloads the situation page.
const DashboardPage = lazy(() => import('./dashboard-page.js').then((m) => ({ default: m.DashboardPage })));

/**
 * "/": where each role lands (issue 16, "Each role lands on its work"). District officers and
 * commanders (and roles without a working page of their own) see the situation page here; every other
 * role goes on to the page it works from. The situation page stays reachable for all at /situation.
 */
export function HomePage(props: PageProps) {
  const me = useMe();
  const to = landingPath(me.roles);
  if (to !== '/') return <Navigate to={to} replace />;
  return <DashboardPage {...props} />;
}
