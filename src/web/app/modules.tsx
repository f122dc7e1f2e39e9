import {
  AlertOutlined,
  ApartmentOutlined,
  AuditOutlined,
  CalculatorOutlined,
  CheckSquareOutlined,
  DashboardOutlined,
  EnvironmentOutlined,
  ExperimentOutlined,
  FundProjectionScreenOutlined,
  HomeOutlined,
  ScanOutlined,
  SafetyCertificateOutlined,
  SettingOutlined,
  TeamOutlined,
  UserOutlined,
} from '@ant-design/icons';
import { BorderOuterOutlined, GlobalOutlined, WarningOutlined } from '@ant-design/icons';
import { ClusterOutlined, NodeIndexOutlined, ProfileOutlined, RadarChartOutlined } from '@ant-design/icons';
import { ScheduleOutlined } from '@ant-design/icons';
import { lazy, type ComponentType, type LazyExoticComponent, type ReactNode } from 'react';
import type { MessageKey } from '../../common/i18n.js';
import type { Capability } from '../../common/roles.js';

/** What every page receives: the jurisdiction chosen in the top bar (a global filter). */
export interface PageProps {
  jurisdictionId: string;
}

/** A sidebar entry. Shown when the user holds any of `capabilities` (none listed: everyone). */
export interface NavItem {
  key: string;
  label: MessageKey;
  icon: ReactNode;
  /** Where it leads (leave out for a group with children). */
  path?: string;
  capabilities?: readonly Capability[];
  children?: NavItem[];
}

/** A page route. The page is loaded on first visit (its own chunk). */
export interface PageRoute {
  path: string;
  page: LazyExoticComponent<ComponentType<PageProps>>;
  /** The user needs any of these to open it (the server enforces them too). */
  capabilities?: readonly Capability[];
}

/** `lazy()` for a named export. */
function page<K extends string>(load: () => Promise<Record<K, ComponentType<PageProps>>>, name: K): LazyExoticComponent<ComponentType<PageProps>> {
  return lazy(() => load().then((m) => ({ default: m[name] })));
}

/**
 * The sidebar, one section per module. Later modules (testing, cases, zoning…) add an entry here
 * and their routes to PAGES below; nothing else in the shell changes.
 */
export const NAV: NavItem[] = [
  { key: 'dashboard', label: 'nav.dashboard', icon: <DashboardOutlined />, path: '/situation', capabilities: ['dashboard.read'] },
  { key: 'today', label: 'nav.today', icon: <ScheduleOutlined />, path: '/today', capabilities: ['doorknock.work'] },
  { key: 'tasks', label: 'nav.tasks', icon: <CheckSquareOutlined />, path: '/tasks', capabilities: ['task.work'] },
  { key: 'notifications', label: 'nav.notifications', icon: <AlertOutlined />, path: '/notifications', capabilities: ['notification.read'] },
  { key: 'geography', label: 'nav.geography', icon: <EnvironmentOutlined />, path: '/geo', capabilities: ['geo.read'] },
  { key: 'persons', label: 'nav.persons', icon: <TeamOutlined />, path: '/persons', capabilities: ['person.read'] },
  { key: 'control', label: 'nav.control', icon: <SafetyCertificateOutlined />, path: '/control', capabilities: ['control.read'] },
  { key: 'doorknock', label: 'nav.doorknock', icon: <HomeOutlined />, path: '/doorknock', capabilities: ['doorknock.work'] },
  {
    key: 'testing',
    label: 'nav.testing',
    icon: <ExperimentOutlined />,
    capabilities: ['testing.read', 'testing.sample', 'testing.lab'],
    children: [
      {
        key: 'testingCampaigns',
        label: 'nav.testingCampaigns',
        icon: <FundProjectionScreenOutlined />,
        path: '/testing/campaigns',
        capabilities: ['testing.read'],
      },
      { key: 'testingSampler', label: 'nav.testingSampler', icon: <ScanOutlined />, path: '/testing/sampler', capabilities: ['testing.sample'] },
      { key: 'testingWorklist', label: 'nav.testingWorklist', icon: <ScheduleOutlined />, path: '/testing/worklist', capabilities: ['testing.lab'] },
      { key: 'testingLab', label: 'nav.testingLab', icon: <ExperimentOutlined />, path: '/testing/lab', capabilities: ['testing.lab'] },
      { key: 'testingSites', label: 'nav.testingSites', icon: <HomeOutlined />, path: '/testing/sites', capabilities: ['testing.read'] },
      { key: 'testingPlanning', label: 'nav.testingPlanning', icon: <CalculatorOutlined />, path: '/testing/planning', capabilities: ['testing.read'] },
    ],
  },
  {
    key: 'cases',
    label: 'nav.cases',
    icon: <NodeIndexOutlined />,
    capabilities: ['case.read', 'preset.manage', 'companions.review'],
    children: [
      { key: 'tracingWorklist', label: 'nav.tracingWorklist', icon: <ScheduleOutlined />, path: '/tracing', capabilities: ['case.read'] },
      { key: 'casesList', label: 'nav.casesList', icon: <NodeIndexOutlined />, path: '/cases', capabilities: ['case.read'] },
      { key: 'casesClusters', label: 'nav.casesClusters', icon: <ClusterOutlined />, path: '/clusters', capabilities: ['case.read'] },
      { key: 'casesCompanions', label: 'nav.casesCompanions', icon: <RadarChartOutlined />, path: '/companions', capabilities: ['companions.review'] },
      { key: 'casesPresets', label: 'nav.casesPresets', icon: <ProfileOutlined />, path: '/presets', capabilities: ['case.read', 'preset.manage'] },
    ],
  },
  {
    key: 'quarantine',
    label: 'nav.quarantine',
    icon: <HomeOutlined />,
    capabilities: ['quarantine.read'],
    children: [
      {
        key: 'quarantineFacilities',
        label: 'nav.quarantineFacilities',
        icon: <ApartmentOutlined />,
        path: '/quarantine/facilities',
        capabilities: ['quarantine.read'],
      },
      { key: 'quarantineStays', label: 'nav.quarantineStays', icon: <TeamOutlined />, path: '/quarantine/stays', capabilities: ['quarantine.read'] },
      { key: 'quarantineTravellers', label: 'nav.quarantineTravellers', icon: <TeamOutlined />, path: '/quarantine/travellers', capabilities: ['case.read'] },
    ],
  },
  {
    key: 'zoning',
    label: 'nav.zoning',
    icon: <BorderOuterOutlined />,
    capabilities: ['area.read'],
    children: [
      { key: 'zoningAreas', label: 'nav.zoningAreas', icon: <BorderOuterOutlined />, path: '/zoning/areas', capabilities: ['area.read'] },
      { key: 'zoningMap', label: 'nav.zoningMap', icon: <GlobalOutlined />, path: '/zoning/map', capabilities: ['area.read'] },
      { key: 'zoningDetector', label: 'nav.zoningDetector', icon: <WarningOutlined />, path: '/zoning/detector', capabilities: ['area.read'] },
    ],
  },
  {
    key: 'admin',
    label: 'nav.admin',
    icon: <SettingOutlined />,
    capabilities: ['user.manage', 'user.read'],
    children: [
      { key: 'users', label: 'nav.users', icon: <UserOutlined />, path: '/admin/users', capabilities: ['user.manage', 'user.read'] },
      { key: 'units', label: 'nav.units', icon: <ApartmentOutlined />, path: '/admin/units', capabilities: ['user.manage', 'user.read'] },
    ],
  },
  { key: 'journal', label: 'nav.journal', icon: <AuditOutlined />, path: '/journal', capabilities: ['journal.read'] },
  { key: 'security', label: 'nav.security', icon: <AuditOutlined />, path: '/account/security' },
];

export const PAGES: PageRoute[] = [
  { path: '/account/security', page: page(() => import('../modules/auth/pages/security-page.js'), 'SecurityPage') },
  // "/" is where each role lands (issue 16): the situation page for officers, else the role's working page.
  { path: '/', page: page(() => import('../modules/dashboard/pages/home-page.js'), 'HomePage'), capabilities: ['dashboard.read'] },
  { path: '/situation', page: page(() => import('../modules/dashboard/pages/dashboard-page.js'), 'DashboardPage'), capabilities: ['dashboard.read'] },
  { path: '/today', page: page(() => import('../modules/dashboard/pages/today-page.js'), 'TodayPage'), capabilities: ['doorknock.work'] },
  { path: '/tracing', page: page(() => import('../modules/cases/pages/tracing-worklist-page.js'), 'TracingWorklistPage'), capabilities: ['case.read'] },
  {
    path: '/testing/worklist',
    page: page(() => import('../modules/testing/pages/lab-worklist-page.js'), 'LabWorklistPage'),
    capabilities: ['testing.lab'],
  },
  { path: '/tasks', page: page(() => import('../modules/tasks/pages/task-list-page.js'), 'TaskListPage'), capabilities: ['task.work'] },
  { path: '/tasks/:id', page: page(() => import('../modules/tasks/pages/task-detail-page.js'), 'TaskDetailPage'), capabilities: ['task.work'] },
  {
    path: '/notifications',
    page: page(() => import('../modules/notifications/pages/notifications-page.js'), 'NotificationsPage'),
    capabilities: ['notification.read'],
  },
  { path: '/geo', page: page(() => import('../modules/geo/pages/geography-page.js'), 'GeographyPage'), capabilities: ['geo.read'] },
  { path: '/persons', page: page(() => import('../modules/persons/pages/persons-page.js'), 'PersonsPage'), capabilities: ['person.read'] },
  { path: '/persons/import', page: page(() => import('../modules/population/pages/import-page.js'), 'ImportPage'), capabilities: ['person.manage'] },
  { path: '/persons/:id', page: page(() => import('../modules/population/pages/person-detail-page.js'), 'PersonDetailPage'), capabilities: ['person.read'] },
  { path: '/control', page: page(() => import('../modules/control/pages/control-page.js'), 'ControlPage'), capabilities: ['control.read'] },
  { path: '/doorknock', page: page(() => import('../modules/doorknock/pages/doorknock-page.js'), 'DoorknockPage'), capabilities: ['doorknock.work'] },
  { path: '/testing/campaigns', page: page(() => import('../modules/testing/pages/campaigns-page.js'), 'CampaignsPage'), capabilities: ['testing.read'] },
  {
    path: '/testing/campaigns/:id',
    page: page(() => import('../modules/testing/pages/campaign-detail-page.js'), 'CampaignDetailPage'),
    capabilities: ['testing.read'],
  },
  { path: '/testing/sampler', page: page(() => import('../modules/testing/pages/sampler-page.js'), 'SamplerPage'), capabilities: ['testing.sample'] },
  { path: '/testing/lab', page: page(() => import('../modules/testing/pages/lab-page.js'), 'LabPage'), capabilities: ['testing.lab'] },
  { path: '/testing/sites', page: page(() => import('../modules/testing/pages/sites-page.js'), 'SitesPage'), capabilities: ['testing.read'] },
  { path: '/testing/tubes/:id', page: page(() => import('../modules/testing/pages/tube-page.js'), 'TubePage'), capabilities: ['testing.read', 'testing.lab'] },
  { path: '/testing/planning', page: page(() => import('../modules/testing/pages/planning-page.js'), 'PlanningPage'), capabilities: ['testing.read'] },
  { path: '/cases', page: page(() => import('../modules/cases/pages/cases-page.js'), 'CasesPage'), capabilities: ['case.read'] },
  { path: '/cases/:id', page: page(() => import('../modules/cases/pages/case-detail-page.js'), 'CaseDetailPage'), capabilities: ['case.read'] },
  { path: '/clusters', page: page(() => import('../modules/cases/pages/cluster-board-page.js'), 'ClusterBoardPage'), capabilities: ['case.read'] },
  { path: '/clusters/:id', page: page(() => import('../modules/cases/pages/cluster-page.js'), 'ClusterPage'), capabilities: ['case.read'] },
  { path: '/presets', page: page(() => import('../modules/cases/pages/presets-page.js'), 'PresetsPage'), capabilities: ['case.read', 'preset.manage'] },
  { path: '/companions', page: page(() => import('../modules/cases/pages/companions-page.js'), 'CompanionsPage'), capabilities: ['companions.review'] },
  {
    path: '/quarantine/facilities',
    page: page(() => import('../modules/quarantine/pages/facilities-page.js'), 'FacilitiesPage'),
    capabilities: ['quarantine.read'],
  },
  { path: '/quarantine/stays', page: page(() => import('../modules/quarantine/pages/stays-page.js'), 'StaysPage'), capabilities: ['quarantine.read'] },
  {
    path: '/quarantine/stays/:id',
    page: page(() => import('../modules/quarantine/pages/stay-detail-page.js'), 'StayDetailPage'),
    capabilities: ['quarantine.read'],
  },
  { path: '/quarantine/travellers', page: page(() => import('../modules/quarantine/pages/travellers-page.js'), 'TravellersPage'), capabilities: ['case.read'] },
  { path: '/zoning/areas', page: page(() => import('../modules/zoning/pages/areas-page.js'), 'AreasPage'), capabilities: ['area.read'] },
  { path: '/zoning/areas/:id', page: page(() => import('../modules/zoning/pages/area-detail-page.js'), 'AreaDetailPage'), capabilities: ['area.read'] },
  { path: '/zoning/map', page: page(() => import('../modules/zoning/pages/map-page.js'), 'ZoningMapPage'), capabilities: ['area.read'] },
  { path: '/zoning/detector', page: page(() => import('../modules/zoning/pages/detector-page.js'), 'DetectorPage'), capabilities: ['area.read'] },
  { path: '/admin/users', page: page(() => import('../modules/admin/pages/users-page.js'), 'UsersPage'), capabilities: ['user.manage', 'user.read'] },
  { path: '/admin/units', page: page(() => import('../modules/admin/pages/units-page.js'), 'UnitsPage'), capabilities: ['user.manage', 'user.read'] },
  { path: '/journal', page: page(() => import('../modules/journal/pages/journal-page.js'), 'JournalPage'), capabilities: ['journal.read'] },
];

/** A page anyone may open without signing in, outside the app shell (paths under /public/). */
export interface PublicPageRoute {
  path: string;
  page: LazyExoticComponent<ComponentType>;
}

export const PUBLIC_PAGES: PublicPageRoute[] = [
  { path: '/public/results', page: lazy(() => import('../modules/public/pages/results-lookup-page.js').then((m) => ({ default: m.ResultsLookupPage }))) },
  { path: '/public/areas', page: lazy(() => import('../modules/zoning/pages/public-areas-page.js').then((m) => ({ default: m.PublicAreasPage }))) },
];

/** The nav entries (and children) the holder of `can` may see. */
export function visibleNav(items: readonly NavItem[], can: (caps: readonly Capability[]) => boolean): NavItem[] {
  const out: NavItem[] = [];
  for (const item of items) {
    if (item.capabilities && !can(item.capabilities)) continue;
    if (item.children) {
      const children = visibleNav(item.children, can);
      if (children.length) out.push({ ...item, children });
    } else out.push(item);
  }
  return out;
}
