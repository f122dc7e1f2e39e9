import type { Pair } from '../i18n-pair.js';

/** UI words for personal-data protection in the persons pages, [Chinese, English]. */
export const PERSONS_PRIVACY_MESSAGES = {
  'person.birthYear': ['出生年份', 'Birth year'],
  'person.searchPurposeTitle': ['按完整证件号或手机号查找', 'Search by a full ID or mobile number'],
  'person.searchPurposeHint': ['精确号码查找与查看完整信息一样记入日志，并按人限次', 'An exact-number search is journaled like a reveal and limited per user'],
  'person.searchPurpose': ['查找目的（将记入日志）', 'Purpose (kept in the journal)'],
  'person.reasonRule': [
    '请写明真实原因：至少 3 个汉字或 6 个字母数字，不能只有标点或空白',
    'Give a real reason: at least 6 letters or digits (3 Chinese characters), not only punctuation or blanks',
  ],
} as const satisfies Record<string, Pair>;
