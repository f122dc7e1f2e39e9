import type { Pair } from '../i18n-pair.js';

/** UI words of the journal page, [Chinese, English]. */
export const JOURNAL_LOG_MESSAGES = {
  'journal.title': ['日志', 'Journal'],
  'journal.verify': ['校验哈希链', 'Verify the chain'],
  'journal.verifyOk': ['哈希链完整：共 {n} 条记录', 'The chain is intact: {n} entries'],
  'journal.verifyBroken': ['哈希链在第 {seq} 条断开：{problem}', 'The chain breaks at entry {seq}: {problem}'],
  'journal.seq': ['序号', 'Seq'],
  'journal.actor': ['操作人', 'Actor'],
  'journal.action': ['动作', 'Action'],
  'journal.entityType': ['对象类型', 'Entity type'],
  'journal.entity': ['对象', 'Entity'],
  'journal.path': ['辖区路径', 'Jurisdiction path'],
  'journal.payload': ['内容', 'Payload'],
  'journal.range': ['时间范围', 'Time range'],
  'journal.actorId': ['操作人编号', 'Actor id'],
} as const satisfies Record<string, Pair>;
