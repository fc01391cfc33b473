import { describe, expect, it } from 'vitest';
import { zoneMatches, zoneSearchText } from './intl';

describe('zoneSearchText', () => {
  const find = (query: string, lang: string, zones: string[]) => zones.filter((z) => zoneMatches(zoneSearchText(z, lang), query));
  const zones = ['Europe/Moscow', 'Asia/Yekaterinburg', 'Asia/Kolkata', 'America/New_York', 'UTC'];
  it('finds a zone by its offset however it is written', () => {
    expect(find('UTC+5', 'en', zones)).toEqual(['Asia/Yekaterinburg']);
    expect(find('utc +3', 'en', zones)).toEqual(['Europe/Moscow']);
    expect(find('+05:30', 'en', zones)).toEqual(['Asia/Kolkata']);
    expect(find('GMT+5:30', 'en', zones)).toEqual(['Asia/Kolkata']);
  });
  it('finds a zone by its city in the page language and in English', () => {
    expect(find('Москва', 'ru', zones)).toEqual(['Europe/Moscow']);
    expect(find('Екатеринбург', 'ru', zones)).toEqual(['Asia/Yekaterinburg']);
    expect(find('moscow', 'ru', zones)).toEqual(['Europe/Moscow']);
    expect(find('new york', 'en', zones)).toEqual(['America/New_York']);
  });
  it('finds nothing for a word no zone has', () => {
    expect(find('Atlantis', 'en', zones)).toEqual([]);
  });
});
