import { describe, expect, it } from 'vitest';
import { addMonths, currentMonth, formatDuration, monthKey, monthLabel, monthOptions, parseMonthKey } from './report';

describe('months', () => {
  it('round-trips keys', () => {
    expect(monthKey({ year: 2025, month: 3 })).toBe('2025-03');
    expect(parseMonthKey('2025-03')).toEqual({ year: 2025, month: 3 });
    expect(parseMonthKey('2025-13')).toBeNull();
    expect(parseMonthKey('junk')).toBeNull();
  });
  it('moves across years', () => {
    expect(addMonths({ year: 2025, month: 1 }, -1)).toEqual({ year: 2024, month: 12 });
    expect(addMonths({ year: 2024, month: 12 }, 1)).toEqual({ year: 2025, month: 1 });
    expect(addMonths({ year: 2025, month: 6 }, -18)).toEqual({ year: 2023, month: 12 });
  });
  it('takes the current month in the zone, not the browser', () => {
    // 31 Jan 2025 22:30 UTC is already 1 February in Moscow, still January in New York.
    const now = new Date(Date.UTC(2025, 0, 31, 22, 30));
    expect(currentMonth('Europe/Moscow', now)).toEqual({ year: 2025, month: 2 });
    expect(currentMonth('America/New_York', now)).toEqual({ year: 2025, month: 1 });
    expect(currentMonth('No/Such_Zone', now).year).toBe(2025);
  });
  it('labels months in the language, newest first', () => {
    expect(monthLabel({ year: 2025, month: 6 }, 'en')).toBe('June 2025');
    expect(monthLabel({ year: 2025, month: 6 }, 'ru')).toMatch(/^Июнь 2025/);
    const opts = monthOptions({ year: 2025, month: 2 }, 3, 'en');
    expect(opts.map((o) => o.value)).toEqual(['2025-02', '2025-01', '2024-12']);
  });
});

describe('formatDuration', () => {
  it('reads hours under two days, days beyond', () => {
    expect(formatDuration(5.25, 'en')).toBe('5.3 hours');
    expect(formatDuration(30, 'en')).toBe('30 hours');
    expect(formatDuration(72, 'en')).toBe('3 days');
    expect(formatDuration(1, 'en')).toBe('1 hour');
    expect(formatDuration(60, 'ru')).toBe('2,5 дня');
  });
});
