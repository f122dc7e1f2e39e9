import type { Pair } from '../i18n-pair.js';

/** UI words of the journal page (issue 14: wall-clock time beside domain time, signed heads), [Chinese, English]. */
export const JOURNAL_MESSAGES = {
  'journal.wallAt': ['实际时间', 'Real time'],
  'journal.wallDiffers': ['平台时间与实际时间不同（演示或演练调整过时间）：实际记录于 {wall}', 'Platform time differs from real time (moved in a demo or drill): actually written {wall}'],
  'journal.anchored': ['已有 {heads} 个签名头校验通过，签名覆盖至第 {seq} 条，其后 {rest} 条尚待签名', '{heads} signed heads checked; signatures cover up to entry {seq}, {rest} newer entries not yet signed'],
  'journal.notAnchored': ['尚无签名头：服务器每分钟签名一次', 'No signed heads yet: the server signs every minute'],
} as const satisfies Record<string, Pair>;
