import type { Pair } from '../i18n-pair.js';

/** UI words of the dashboard, [Chinese, English]. */
export const DASHBOARD_MESSAGES = {
  'dash.title': ['指挥首页', 'Command dashboard'],
  'dash.jurisdictions': ['辖区节点', 'Jurisdictions'],
  'dash.residents': ['居民', 'Residents'],
  'dash.users': ['用户', 'Users'],
  'dash.openTasks': ['未办结任务', 'Open tasks'],
  'dash.journalEntries': ['日志条数', 'Journal entries'],
  'dash.unacknowledgedAlerts': ['未确认预警', 'Unacknowledged alerts'],
  'dash.chartTitle': ['各区县人口', 'Population by district'],
  'dash.mapTitle': ['区县分布图', 'Districts map'],
  'dash.clickHint': ['点击地图区域或柱条查看人口', 'Click an area on the map, or a bar, to see its population'],
  'dash.selected': ['{name}：{population} 人', '{name}: {population} people'],
  'dash.scopeNote': ['统计范围：{name}', 'Counts for: {name}'],
} as const satisfies Record<string, Pair>;
