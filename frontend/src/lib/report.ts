// The dashboard's arithmetic: months as "YYYY-MM" keys, the current month
// in a time zone, and durations read as hours or days.

export interface YearMonth {
  year: number;
  month: number; // 1..12
}

export const monthKey = ({ year, month }: YearMonth): string => `${year}-${String(month).padStart(2, '0')}`;

export function parseMonthKey(key: string): YearMonth | null {
  const m = /^(\d{4})-(\d{2})$/.exec(key);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  return month >= 1 && month <= 12 ? { year, month } : null;
}

// currentMonth: the month it is now in timeZone (the browser's when empty
// or unknown).
export function currentMonth(timeZone: string, now: Date = new Date()): YearMonth {
  const read = (tz?: string) => {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone: tz, year: 'numeric', month: 'numeric' }).formatToParts(now);
    const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
    return { year: get('year'), month: get('month') };
  };
  try {
    return read(timeZone || undefined);
  } catch {
    return read();
  }
}

// addMonths moves a month back or forth.
export function addMonths({ year, month }: YearMonth, n: number): YearMonth {
  const i = year * 12 + (month - 1) + n;
  return { year: Math.floor(i / 12), month: (i % 12) + 1 };
}

// monthLabel: "June 2025", "Июнь 2025 г." (first letter capitalised).
export function monthLabel({ year, month }: YearMonth, lang: string): string {
  let s: string;
  try {
    s = new Intl.DateTimeFormat(lang, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(Date.UTC(year, month - 1, 1));
  } catch {
    s = monthKey({ year, month });
  }
  return s.charAt(0).toLocaleUpperCase(lang) + s.slice(1);
}

// monthOptions: Select data from `latest` back `count` months, newest first.
export function monthOptions(latest: YearMonth, count: number, lang: string): { value: string; label: string }[] {
  const out: { value: string; label: string }[] = [];
  for (let i = 0; i < count; i++) {
    const ym = addMonths(latest, -i);
    out.push({ value: monthKey(ym), label: monthLabel(ym, lang) });
  }
  return out;
}

// formatDuration: hours under two days as hours, longer as days, one
// decimal at most, in the language's words ("5.5 hours", "3,2 дня").
export function formatDuration(hours: number, lang: string): string {
  const days = hours >= 48;
  const value = days ? hours / 24 : hours;
  const unit = days ? 'day' : 'hour';
  try {
    return new Intl.NumberFormat(lang, { style: 'unit', unit, unitDisplay: 'long', maximumFractionDigits: value < 10 ? 1 : 0 }).format(value);
  } catch {
    return `${value.toFixed(1)} ${days ? 'd' : 'h'}`;
  }
}
