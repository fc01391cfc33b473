// Locale helpers shared by the screens: time zones, countries, phone
// examples and dates, all through the platform's Intl (no data files).
import type { OptionsFilter } from '@mantine/core';
import type { ClientConfig } from '../api';

// Sample numbers in international format, per region, for placeholders.
const PHONE_EXAMPLES: Record<string, string> = {
  RU: '+7 912 345-67-89',
  KZ: '+7 701 234 5678',
  BY: '+375 29 123-45-67',
  UA: '+380 50 123 4567',
  US: '+1 201 555 0123',
  CA: '+1 613 555 0123',
  GB: '+44 7400 123456',
  DE: '+49 1512 3456789',
  FR: '+33 6 12 34 56 78',
  IN: '+91 81234 56789',
  AE: '+971 50 123 4567',
};

// Landline samples, for the account details form's landline choice.
const LANDLINE_EXAMPLES: Record<string, string> = {
  RU: '+7 495 123-45-67',
  IN: '+91 22 2345 6789',
  GB: '+44 20 7946 0958',
  US: '+1 212 555 0123',
  DE: '+49 30 12345678',
};

export function phoneExample(region: string, landline = false): string {
  const r = region.toUpperCase();
  if (landline) return LANDLINE_EXAMPLES[r] ?? '+44 20 7946 0958';
  return PHONE_EXAMPLES[r] ?? '+1 201 555 0123';
}

// Old IANA names browsers still report (Chromium's ICU says Asia/Calcutta)
// for zones the backend lists under their current names.
const ZONE_ALIASES: Record<string, string> = {
  'Asia/Calcutta': 'Asia/Kolkata',
  'Asia/Katmandu': 'Asia/Kathmandu',
  'Asia/Saigon': 'Asia/Ho_Chi_Minh',
  'Asia/Rangoon': 'Asia/Yangon',
  'Europe/Kiev': 'Europe/Kyiv',
  'Atlantic/Faeroe': 'Atlantic/Faroe',
  'America/Godthab': 'America/Nuuk',
};

export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone ?? '';
  } catch {
    return '';
  }
}

// initialTimeZone: on the desktop the backend knows the machine's zone; in
// a browser the browser's own zone is the better guess about the person.
export function initialTimeZone(config: ClientConfig): string {
  const zones = new Set(config.timeZones);
  const browser = browserTimeZone();
  const current = ZONE_ALIASES[browser] ?? browser;
  const order = config.desktop ? [config.defaultTimeZone, browser, current] : [browser, current, config.defaultTimeZone];
  return order.find((z) => z && zones.has(z)) ?? '';
}

export function utcOffset(zone: string): string {
  try {
    const part = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })
      .formatToParts(new Date())
      .find((p) => p.type === 'timeZoneName');
    return part ? part.value.replace('GMT', 'UTC').replace(/^UTC$/, 'UTC+00:00') : '';
  } catch {
    return '';
  }
}

// timeZoneOptions: Select data with each zone's current UTC offset.
export function timeZoneOptions(zones: string[]): { value: string; label: string }[] {
  return zones.map((z) => {
    const off = utcOffset(z);
    return { value: z, label: off ? `${z} (${off})` : z };
  });
}

export function regionName(region: string, lang: string): string {
  if (!region) return '';
  try {
    return new Intl.DisplayNames([lang], { type: 'region' }).of(region.toUpperCase()) ?? region;
  } catch {
    return region;
  }
}

// formatDate: 'long' reads "1 March 2024"; 'numeric' fits a table column.
export function formatDate(iso: string, lang: string, timeZone?: string, style: 'long' | 'numeric' = 'long'): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  const opts: Intl.DateTimeFormatOptions =
    style === 'long' ? { dateStyle: 'long' } : { year: 'numeric', month: '2-digit', day: '2-digit' };
  try {
    return new Intl.DateTimeFormat(lang, { ...opts, timeZone: timeZone || undefined }).format(ms);
  } catch {
    return new Intl.DateTimeFormat(lang, opts).format(ms);
  }
}

// formatNumber groups digits the local way (10 000, 10,000).
export function formatNumber(n: number, lang: string): string {
  try {
    return new Intl.NumberFormat(lang).format(n);
  } catch {
    return String(n);
  }
}

// formatDateTime: a moment with its time, in the user's zone ("12 Mar 2024, 14:05").
export function formatDateTime(iso: string, lang: string, timeZone?: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  const opts: Intl.DateTimeFormatOptions = { dateStyle: 'medium', timeStyle: 'short' };
  try {
    return new Intl.DateTimeFormat(lang, { ...opts, timeZone: timeZone || undefined }).format(ms);
  } catch {
    return new Intl.DateTimeFormat(lang, opts).format(ms);
  }
}

// formatBytes: a file size the local way ("0.8 kB", "12 kB", "1.4 MB").
export function formatBytes(n: number, lang: string): string {
  // Sizes start at kilobytes ("0.6 kB"): "563 byte" reads oddly.
  const units = ['kilobyte', 'megabyte', 'gigabyte'] as const;
  let v = Math.max(0, n) / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  if (n > 0) v = Math.max(v, 0.1);
  try {
    return new Intl.NumberFormat(lang, {
      style: 'unit',
      unit: units[i],
      unitDisplay: 'short',
      maximumFractionDigits: v < 10 ? 1 : 0,
    }).format(v);
  } catch {
    return `${v.toFixed(v < 10 ? 1 : 0)} ${['KB', 'MB', 'GB'][i]}`;
  }
}

// zoneSearchText is what a time zone is found by: its name, its offset
// however a person writes it ("UTC+5", "+05:00", "GMT+3", "+5:30") and its
// generic name in lang and in English ("Москва", "Moscow Time"), lower case.
export function zoneSearchText(zone: string, lang: string): string {
  const parts = [zone, zone.replace(/_/g, ' ')];
  const off = utcOffset(zone); // UTC+05:30
  const m = /^UTC([+-])(\d\d):(\d\d)$/.exec(off);
  if (m) {
    const [, sign, hh, mm] = m;
    const h = String(Number(hh));
    // +5, +05 and +05:00 for whole hours; +5:30 and +05:30 otherwise.
    const written = mm === '00' ? [h, hh, `${hh}:00`] : [`${h}:${mm}`, `${hh}:${mm}`];
    for (const w of written) parts.push(`${sign}${w}`, `utc${sign}${w}`, `gmt${sign}${w}`);
  }
  for (const l of new Set([lang, 'en'])) {
    try {
      const name = new Intl.DateTimeFormat(l, { timeZone: zone, timeZoneName: 'longGeneric' })
        .formatToParts(new Date())
        .find((p) => p.type === 'timeZoneName')?.value;
      if (name) parts.push(name);
    } catch {
      /* an engine without the zone's names: found by the rest */
    }
  }
  return parts.join(' ').toLowerCase();
}

// zoneMatches: every word typed is found in the zone's search text; an
// offset ("UTC+5") only as a whole, or +5 would find +5:30 too.
export function zoneMatches(searchText: string, query: string): boolean {
  const words = query.toLowerCase().replace(/\b(utc|gmt)\s+/g, '$1').split(/\s+/).filter(Boolean);
  const tokens = searchText.split(' ');
  return words.every((w) => (/^(utc|gmt)?[+-]\d/.test(w) ? tokens.includes(w) : searchText.includes(w)));
}

// timeZoneFilter is a Select's filter over timeZoneOptions that finds zones
// as zoneMatches does; each zone's text is made once per language.
export function timeZoneFilter(lang: string): OptionsFilter {
  const texts = new Map<string, string>();
  return ({ options, search }) => {
    if (!search.trim()) return options;
    return options.filter((o) => {
      if (!('value' in o)) return false; // no groups in these lists
      let text = texts.get(o.value);
      if (text === undefined) {
        text = `${zoneSearchText(o.value, lang)} ${o.label.toLowerCase()}`;
        texts.set(o.value, text);
      }
      return zoneMatches(text, search);
    });
  };
}
