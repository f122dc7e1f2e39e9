import { describe, expect, it } from 'vitest';
import { addDays, calendarDay, daysBetween, startOfDay } from './clock.js';
import { newId } from './ids.js';

describe('calendar days in BULWARK_TZ', () => {
  it('counts the day in the configured zone, not UTC', () => {
    // 2026-11-29 17:30 UTC is already 2026-11-30 01:30 in Shanghai.
    const t = Date.UTC(2026, 10, 29, 17, 30);
    expect(calendarDay(t, 'Asia/Shanghai')).toBe('2026-11-30');
    expect(calendarDay(t, 'UTC')).toBe('2026-11-29');
  });
  it('finds the instant a day starts in the zone', () => {
    expect(startOfDay('2026-11-30', 'Asia/Shanghai')).toBe(Date.UTC(2026, 10, 29, 16, 0));
    expect(startOfDay('2026-03-08', 'America/New_York')).toBe(Date.UTC(2026, 2, 8, 5, 0));
    expect(startOfDay('2026-03-09', 'America/New_York')).toBe(Date.UTC(2026, 2, 9, 4, 0));
  });
  it('adds and counts calendar days across month ends', () => {
    expect(addDays('2026-11-28', 7)).toBe('2026-12-05');
    expect(daysBetween('2026-11-28', '2026-12-05')).toBe(7);
  });
});

describe('ids', () => {
  it('are UUIDv7 strings that sort in creation order', () => {
    const ids = Array.from({ length: 2000 }, () => newId());
    expect(ids[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
