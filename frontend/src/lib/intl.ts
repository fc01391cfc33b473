// Locale helpers shared by the screens: time zones, countries, phone
// examples and dates, all through the platform's Intl (no data files).
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
  const order = config.desktop ? [config.defaultTimeZone, browser] : [browser, config.defaultTimeZone];
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
