import { BellOutlined, LogoutOutlined, MenuFoldOutlined, MenuUnfoldOutlined } from '@ant-design/icons';
import { Badge, Button, Grid, Layout, Menu, Space, Spin, Tooltip, Typography } from 'antd';
import { Suspense, useEffect, useMemo, useState } from 'react';
import { Link, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { JurisdictionSelect } from '../components/jurisdiction-select.js';
import { LanguageSwitch } from '../components/language-switch.js';
import { useI18n } from './i18n.js';
import { useJurisdictionFilter } from './jurisdiction.js';
import { useLive } from './live.js';
import { NAV, visibleNav, type NavItem } from './modules.js';
import { useMe, useSession } from './session.js';

const { Header, Sider, Content } = Layout;

/** The deepest nav path that prefixes the current location (so /tasks/123 lights up 任务). */
function selectedKey(items: NavItem[], pathname: string): string | undefined {
  let best: { key: string; len: number } | undefined;
  const walk = (list: NavItem[]) => {
    for (const i of list) {
      if (i.path && (pathname === i.path || (i.path !== '/' && pathname.startsWith(i.path + '/')))) {
        if (!best || i.path.length > best.len) best = { key: i.key, len: i.path.length };
      }
      if (i.children) walk(i.children);
    }
  };
  walk(items);
  return best?.key;
}

/**
 * The signed-in shell: a sidebar with one section per module (only what the user may use) and a
 * top bar with the user, unit and jurisdiction, the jurisdiction filter, the language switch, the
 * unacknowledged-alert badge and sign-out. Below the `lg` breakpoint the sidebar collapses and
 * slides over the page from a menu button.
 */
export function AppLayout() {
  const { t } = useI18n();
  const me = useMe();
  const { canAny, logout } = useSession();
  const { current, set } = useJurisdictionFilter();
  const { unacknowledgedAlerts } = useLive();
  const screens = Grid.useBreakpoint();
  const mobile = !screens.lg;
  const [collapsed, setCollapsed] = useState(mobile);
  const location = useLocation();
  const navigate = useNavigate();

  useEffect(() => setCollapsed(mobile), [mobile]);

  const items = useMemo(() => visibleNav(NAV, canAny), [canAny]);
  const byKey = useMemo(() => {
    const m = new Map<string, NavItem>();
    const walk = (l: NavItem[]) => l.forEach((i) => (m.set(i.key, i), i.children && walk(i.children)));
    walk(items);
    return m;
  }, [items]);
  // "/" shows the situation page to those who stay there (issue 16: the other roles land elsewhere).
  const selected = selectedKey(items, location.pathname === '/' ? '/situation' : location.pathname);
  const toMenu = (l: NavItem[]): NonNullable<Parameters<typeof Menu>[0]['items']> =>
    l.map((i) =>
      i.children ? { key: i.key, icon: i.icon, label: t(i.label), children: toMenu(i.children) } : { key: i.key, icon: i.icon, label: t(i.label) },
    );
  const openGroup = items.find((i) => i.children?.some((c) => c.key === selected))?.key;

  return (
    <Layout className="bw-shell">
      <a className="bw-skip" href="#bw-main">
        {t('top.skip')}
      </a>
      <Sider
        className={mobile ? 'bw-sider bw-sider-mobile' : 'bw-sider'}
        width={208}
        collapsedWidth={mobile ? 0 : 64}
        collapsible
        collapsed={collapsed}
        onCollapse={setCollapsed}
        trigger={null}
        data-testid="sidebar"
      >
        <Link to="/" className="bw-logo">
          <span className="bw-logo-mark">铜</span>
          {!collapsed && <span className="bw-logo-text">{t('app.shortName')}</span>}
        </Link>
        <nav aria-label={t('top.nav')}>
          {/* On a phone the closed sidebar is 0 px wide, but a collapsed antd Menu still opens its groups
              as pop-ups (on hover, or a tap where its hidden items lie) floating over the page: the
              menu is drawn only while the sidebar is open there. The landmark stays. */}
          {(!mobile || !collapsed) && (
            <Menu
              theme="dark"
              mode="inline"
              selectedKeys={selected ? [selected] : []}
              defaultOpenKeys={openGroup ? [openGroup] : []}
              items={toMenu(items)}
              onClick={({ key }) => {
                const path = byKey.get(key)?.path;
                if (path) navigate(path);
                if (mobile) setCollapsed(true);
              }}
            />
          )}
        </nav>
      </Sider>
      {mobile && !collapsed && <div className="bw-backdrop" onClick={() => setCollapsed(true)} />}
      <Layout>
        <Header className="bw-header">
          <Button
            type="text"
            aria-label={t('top.menu')}
            icon={collapsed ? <MenuUnfoldOutlined /> : <MenuFoldOutlined />}
            onClick={() => setCollapsed(!collapsed)}
          />
          <div className="bw-user" data-testid="current-user">
            <Typography.Text strong>{me.displayName}</Typography.Text>
            <Typography.Text type="secondary" className="bw-hide-mobile">
              {me.unit.name} · {me.jurisdiction.name}
            </Typography.Text>
          </div>
          <div className="bw-header-spacer" />
          <Space size={mobile ? 4 : 12} wrap={false} className="bw-header-tools">
            <JurisdictionSelect data-testid="jurisdiction-picker" value={current?.id} onChange={set} style={{ width: mobile ? 120 : 200 }} />
            <LanguageSwitch data-testid="lang-switch" />
            <Tooltip title={t('top.alerts')}>
              <Link to="/notifications" data-testid="alert-badge" aria-label={t('top.alerts')}>
                <Badge count={unacknowledgedAlerts} size="small" overflowCount={99}>
                  <BellOutlined style={{ fontSize: 18 }} />
                </Badge>
              </Link>
            </Tooltip>
            <Tooltip title={t('top.logout')}>
              <Button
                type="text"
                icon={<LogoutOutlined />}
                aria-label={t('top.logout')}
                onClick={async () => {
                  await logout();
                  navigate('/login', { replace: true });
                }}
              />
            </Tooltip>
          </Space>
        </Header>
        <Content className="bw-content" id="bw-main" tabIndex={-1}>
          {/* One h1 per page (issue 16, "Phones and accessibility"): the product, for assistive technology;
              each page's visible title is the heading below it. */}
          <h1 className="bw-sr-only">{t('app.name')}</h1>
          <Suspense
            fallback={
              <Spin className="bw-page-spin" description={t('common.loading')}>
                <div />
              </Spin>
            }
          >
            <Outlet />
          </Suspense>
        </Content>
      </Layout>
    </Layout>
  );
}
