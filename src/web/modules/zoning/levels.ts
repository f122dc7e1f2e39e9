import { RISK_LEVEL_COLORS, RISK_LEVELS, type RiskLevel } from '../../../common/zoning.js';

/** Risk levels as the web draws them: strictest first, one colour each (map, tags, legend). */
export type MapLevel = RiskLevel;
export const LEVEL_ORDER = RISK_LEVELS;
export const LEVEL_COLORS = RISK_LEVEL_COLORS;

/** antd Tag colours of the same levels. */
export const LEVEL_TAG_COLORS: Record<RiskLevel, string> = { high: 'red', medium: 'orange', low: 'gold' };
