import { Button, Space } from 'antd';
import { useNavigate } from 'react-router-dom';
import type { Capability } from '../../common/roles.js';
import { useI18n } from '../app/i18n.js';
import { NAV, visibleNav, type NavItem } from '../app/modules.js';
import { useSession } from '../app/session.js';

/** The nav entries with these paths that the user may open, in the order given. */
function entries(paths: readonly string[], can: (caps: readonly Capability[]) => boolean): NavItem[] {
  const flat: NavItem[] = [];
  const walk = (l: NavItem[]) => l.forEach((i) => (i.path ? flat.push(i) : i.children && walk(i.children)));
  walk(visibleNav(NAV, can));
  return paths.map((p) => flat.find((i) => i.path === p)).filter((i): i is NavItem => !!i);
}

/**
 * One-tap links from a role's landing page to the other pages of its day (issue 16: "every page it needs
 * is reachable in one tap from it"), named as in the sidebar, and only those the user may open. On a
 * phone the sidebar is folded away, so these are the one tap.
 */
export function Shortcuts({ paths }: { paths: readonly string[] }) {
  const { t } = useI18n();
  const { canAny } = useSession();
  const navigate = useNavigate();
  const items = entries(paths, canAny);
  if (!items.length) return null;
  return (
    <nav aria-label={t('landing.shortcuts')} data-testid="shortcuts" style={{ marginBottom: 16 }}>
      <Space wrap size={[8, 8]}>
        {items.map((i) => (
          <Button key={i.key} icon={i.icon} onClick={() => navigate(i.path!)}>
            {t(i.label)}
          </Button>
        ))}
      </Space>
    </nav>
  );
}
