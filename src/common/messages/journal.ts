import type { Pair } from '../i18n-pair.js';

/** UI words of issue 14's pages (the journal's real time and signed heads; account security), [Chinese, English]. */
export const JOURNAL_MESSAGES = {
  'journal.wallAt': ['实际时间', 'Real time'],
  'journal.wallDiffers': [
    '平台时间与实际时间不同（演示或演练调整过时间）：实际记录于 {wall}',
    'Platform time differs from real time (moved in a demo or drill): actually written {wall}',
  ],
  'journal.anchored': [
    '已有 {heads} 个签名头校验通过，签名覆盖至第 {seq} 条，其后 {rest} 条尚待签名',
    '{heads} signed heads checked; signatures cover up to entry {seq}, {rest} newer entries not yet signed',
  ],
  'journal.notAnchored': ['尚无签名头：服务器每分钟签名一次', 'No signed heads yet: the server signs every minute'],

  // Account security (two-factor sign-in), issue 14
  'nav.security': ['账号安全', 'Account security'],
  'security.title': ['双因素认证', 'Two-factor sign-in'],
  'security.intro': [
    '绑定身份验证器后，登录时还需输入动态码。为确认是您本人，请再次输入当前密码。',
    'With an authenticator bound, signing in also asks for its code. Enter your current password again to confirm it is you.',
  ],
  'security.currentPassword': ['当前密码', 'Current password'],
  'security.enrol': ['开始绑定', 'Start binding'],
  'security.scan': ['在身份验证器中添加账号，输入下面的密钥（只显示这一次）：', 'Add an account in your authenticator app with this secret (shown only once):'],
  'security.copyLink': ['复制绑定链接', 'Copy the binding link'],
  'security.confirm': ['验证并启用', 'Verify and turn on'],
  'security.totpOn': ['已启用双因素认证；如需更换请联系管理员重置', 'Two-factor sign-in is on; ask an administrator to reset it to change the app'],
} as const satisfies Record<string, Pair>;
