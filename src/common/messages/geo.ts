import type { Pair } from '../i18n-pair.js';

/** UI words of the map and the jurisdiction pages, [Chinese, English]. */
export const GEO_MESSAGES = {
  // Map
  'map.noWebgl': ['当前浏览器无法使用 WebGL，地图无法显示', 'WebGL is not available in this browser, so the map cannot be shown'],
  'map.legend': ['人口', 'Population'],
  'map.loading': ['地图加载中…', 'Loading the map…'],
  'map.empty': ['该范围内没有可显示的区域', 'No areas to show here'],
  'map.truncated': ['区域过多，仅显示前 {n} 个', 'Too many areas; showing the first {n}'],
  'map.context': ['灰色为相邻辖区及上级辖区边界', 'Grey: the neighbouring areas and the outlines of the areas above'],

  // Geography
  'geo.title': ['辖区', 'Jurisdictions'],
  'geo.tree': ['辖区树', 'Tree'],
  'geo.detail': ['辖区详情', 'Details'],
  'geo.pickNode': ['请在左侧选择一个辖区', 'Choose a jurisdiction on the left'],
  'geo.breadcrumbs': ['上级', 'Parents'],
  'geo.childCounts': ['下辖：', 'Contains: '],
  'geo.buildings': ['楼栋', 'Buildings'],
  'geo.vulnerable': ['重点人群', 'Vulnerable residents'],
  'geo.childrenMap': ['下级区域分布', 'Map of the parts'],
  'geo.centroid': ['中心点', 'Centre'],
  'geo.leaf': ['已是最小层级', 'This is the finest level'],
  'geo.localCode': ['本地编码', 'Local code'],
  'geo.localCodeHint': ['此代码为本地编制，不是国家标准（GB/T 2260）行政区划代码', 'Assigned locally: not a GB/T 2260 division code'],
} as const satisfies Record<string, Pair>;
