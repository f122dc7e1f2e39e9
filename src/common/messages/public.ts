import type { Pair } from '../i18n-pair.js';

/** UI words of the public result lookup (no sign-in), [Chinese, English]. */
export const PUBLIC_MESSAGES = {
  'public.resultsTitle': ['核酸检测结果查询', 'Test result lookup'],
  'public.resultsIntro': ['输入本人证件号码和姓名，查询最近的采样和检测情况。', 'Enter your ID number and name to see your latest samples.'],
  'public.idNumber': ['证件号码', 'ID number'],
  'public.name': ['姓名', 'Name'],
  'public.lookup': ['查询', 'Look up'],
  'public.notFound': ['未找到匹配的记录，请核对证件号码和姓名', 'No match: check the ID number and the name'],
  'public.noSamples': ['暂无采样记录', 'No samples yet'],
  'public.sampledAt': ['采样时间：{at}', 'Sampled {at}'],
  'public.status.sampled': ['已采样', 'Sampled'],
  'public.status.in_lab': ['检测中', 'In the lab'],
  'public.status.negative': ['阴性', 'Negative'],
  'public.status.resample_needed': ['请重新采样', 'Please get sampled again'],
  'public.status.contact_pending': ['请等待工作人员联系', 'Staff will contact you'],
  'public.callHotline': ['拨打热线 {hotline}', 'Call the hotline {hotline}'],
  'public.busy': ['查询人数较多，请 {seconds} 秒后再试', 'Many people are looking up; retry in {seconds} s'],
  'public.rateLimited': ['查询过于频繁，请稍后再试', 'Too many lookups; retry shortly'],
  'public.privacy': ['本页面不需要登录，不保存您输入的信息。', 'No sign-in needed; what you type is not stored.'],
} as const satisfies Record<string, Pair>;
