import { describe, expect, it } from 'vitest';
import { addDays, calendarDay, clockTime, daysBetween, isRealDay, parseInstant, startOfDay, utcDay } from './clock.js';
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
  it('tells the UTC day of a date value apart from the local day, and knows real days', () => {
    const t = Date.UTC(2026, 10, 29, 17, 30);
    expect(utcDay(t)).toBe('2026-11-29');
    expect(utcDay(new Date(t))).toBe('2026-11-29');
    expect(isRealDay('2024-02-29')).toBe(true);
    expect(isRealDay('2023-02-29')).toBe(false);
    expect(isRealDay('2026-13-01')).toBe(false);
    expect(isRealDay('2026-1-01')).toBe(false);
  });
  it('gives the wall-clock time in the zone', () => {
    expect(clockTime(Date.UTC(2026, 10, 29, 17, 5), 'Asia/Shanghai')).toBe('01:05');
    expect(clockTime(Date.UTC(2026, 10, 29, 17, 5), 'UTC')).toBe('17:05');
  });
});

describe('parseInstant', () => {
  const at = Date.UTC(2026, 10, 29, 2, 30);
  it('reads epoch ms and ISO-8601 with an offset', () => {
    expect(parseInstant(String(at))).toBe(at);
    expect(parseInstant('2026-11-29T10:30:00+08:00')).toBe(at);
    expect(parseInstant('2026-11-29 02:30Z')).toBe(at);
    expect(parseInstant(' 2026-11-29T02:30:00.000Z ')).toBe(at);
  });
  it('refuses a bare local time unless told the zone, then reads it in that zone', () => {
    expect(parseInstant('2026-11-29 10:30')).toBeNull();
    expect(parseInstant('2026-11-29 10:30', { tz: 'Asia/Shanghai' })).toBe(at);
    expect(parseInstant('2026/11/29 10:30:00', { tz: 'Asia/Shanghai' })).toBe(at);
    // Noon on the day New York springs forward is already daylight time (UTC-4).
    expect(parseInstant('2026-03-08 12:00', { tz: 'America/New_York' })).toBe(Date.UTC(2026, 2, 8, 16, 0));
  });
  it('refuses what is not a time, and takes any Date.parse text only when loose', () => {
    expect(parseInstant('yesterday')).toBeNull();
    expect(parseInstant('2026-11-29')).toBeNull();
    expect(parseInstant('2026-11-29', { loose: true })).toBe(Date.UTC(2026, 10, 29));
    expect(parseInstant('not a time', { loose: true })).toBeNull();
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
