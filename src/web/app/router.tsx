import { Spin } from 'antd';
import { lazy, Suspense, type ComponentType, type ReactNode } from 'react';
import { Link, Navigate, Route, Routes, useLocation } from 'react-router-dom';
import type { Capability } from '../../common/roles.js';
import { useI18n } from './i18n.js';
import { useJurisdictionFilter } from './jurisdiction.js';
import { PAGES, PUBLIC_PAGES, type PageProps } from './modules.js';
import { useSession } from './session.js';

// The signed-in shell (sidebar menu, top bar, jurisdiction picker) is its own chunk, so the sign-in
// page on a weak network downloads none of it (issue 16, "Weight on weak networks").
const AppLayout = lazy(() => import('./layout.js').then((m) => ({ default: m.AppLayout })));
const ForbiddenPage = lazy(() => import('./status-pages.js').then((m) => ({ default: m.ForbiddenPage })));
const NotFoundPage = lazy(() => import('./status-pages.js').then((m) => ({ default: m.NotFoundPage })));
const LoginPage = lazy(() => import('../modules/auth/pages/login-page.js').then((m) => ({ default: m.LoginPage })));

function FullPageSpin() {
  const { t } = useI18n();
  return (
    <div className="bw-fullpage">
      <Spin size="large" description={t('common.loading')}>
        <div style={{ width: 120, height: 60 }} />
      </Spin>
    </div>
  );
}

/** Signed-in routes only; others go to the sign-in page (which says when the session expired). */
function RequireAuth() {
  const { status } = useSession();
  const location = useLocation();
  if (status === 'loading') return <FullPageSpin />;
  if (status === 'signed-out') return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  return <AppLayout />;
}

/** A page with its capability check and the global jurisdiction filter passed as a prop. */
function GuardedPage({ page: Page, capabilities }: { page: ComponentType<PageProps>; capabilities?: readonly Capability[] }) {
  const { canAny } = useSession();
  const { current } = useJurisdictionFilter();
  if (capabilities && !canAny(capabilities)) {
    return <ForbiddenPage />;
  }
  if (!current) return <FullPageSpin />;
  return <Page jurisdictionId={current.id} />;
}

/**
 * The frame of the public pages (no session, no shell): a skip link, the public pages' own navigation
 * and an h1 naming the product, as every page has (issue 16, "Phones and accessibility"); the page's
 * visible title is the heading below it.
 */
function PublicFrame({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  return (
    <>
      <a className="bw-skip" href="#bw-main">
        {t('top.skip')}
      </a>
      <nav aria-label={t('top.nav')} className="bw-public-nav">
        <Link to="/public/results">{t('public.resultsTitle')}</Link>
        <Link to="/public/areas">{t('publicAreas.title')}</Link>
      </nav>
      <main id="bw-main" tabIndex={-1}>
        <h1 className="bw-sr-only">{t('app.name')}</h1>
        {children}
      </main>
    </>
  );
}

export function AppRoutes() {
  return (
    <Suspense fallback={<FullPageSpin />}>
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        {/* Public pages (/public/*): no session needed, no shell. */}
        {PUBLIC_PAGES.map((p) => (
          <Route
            key={p.path}
            path={p.path}
            element={
              <PublicFrame>
                <p.page />
              </PublicFrame>
            }
          />
        ))}
        <Route element={<RequireAuth />}>
          {PAGES.map((p) => (
            <Route key={p.path} path={p.path} element={<GuardedPage page={p.page} capabilities={p.capabilities} />} />
          ))}
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
    </Suspense>
  );
}
