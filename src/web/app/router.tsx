import { Button, Result, Spin } from 'antd';
import { lazy, Suspense, type ComponentType } from 'react';
import { Link, Navigate, Route, Routes, useLocation } from 'react-router-dom';
import type { Capability } from '../../common/roles.js';
import { useI18n } from './i18n.js';
import { useJurisdictionFilter } from './jurisdiction.js';
import { AppLayout } from './layout.js';
import { PAGES, PUBLIC_PAGES, type PageProps } from './modules.js';
import { useSession } from './session.js';

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
  const { t } = useI18n();
  if (capabilities && !canAny(capabilities)) {
    return <Result status="403" title="403" subTitle={t('common.forbidden')} extra={<Link to="/"><Button type="primary">{t('common.backHome')}</Button></Link>} />;
  }
  if (!current) return <FullPageSpin />;
  return <Page jurisdictionId={current.id} />;
}

function NotFound() {
  const { t } = useI18n();
  return <Result status="404" title="404" subTitle={t('common.notFound')} extra={<Link to="/"><Button type="primary">{t('common.backHome')}</Button></Link>} />;
}

export function AppRoutes() {
  return (
    <Suspense fallback={<FullPageSpin />}>
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        {/* Public pages (/public/*): no session needed, no shell. */}
        {PUBLIC_PAGES.map((p) => (
          <Route key={p.path} path={p.path} element={<p.page />} />
        ))}
        <Route element={<RequireAuth />}>
          {PAGES.map((p) => (
            <Route key={p.path} path={p.path} element={<GuardedPage page={p.page} capabilities={p.capabilities} />} />
          ))}
          <Route path="*" element={<NotFound />} />
        </Route>
      </Routes>
    </Suspense>
  );
}
