import { describe, expect, it } from 'vitest';
import { formatTime } from './format.js';

describe('formatTime: one date format everywhere (issue 16)', () => {
  it('writes an instant as YYYY-MM-DD HH:mm in the city zone, the same in both languages, never ISO or the locale slashes', () => {
    // 06:05 UTC is 14:05 in Asia/Shanghai.
    const at = Date.UTC(2026, 10, 29, 6, 5);
    expect(formatTime(at, 'zh-CN')).toBe('2026-11-29 14:05');
    expect(formatTime(at, 'en')).toBe('2026-11-29 14:05');
    // Just after midnight in Shanghai: hour 00 (not 24), and already the next calendar day.
    expect(formatTime(Date.UTC(2026, 10, 29, 16, 5), 'zh-CN')).toBe('2026-11-30 00:05');
    expect(formatTime(null, 'zh-CN')).toBe('—');
  });
});
