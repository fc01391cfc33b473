import { describe, expect, it } from 'vitest';
import { canReverse, conflictSubject, conflictValue, receivingPercent, relativeTime, serverHost, syncState } from './describe';

describe('conflictSubject', () => {
  it('names known records and fields by i18n key', () => {
    expect(conflictSubject({ entity: 'account', field: 'profile.name' })).toEqual({ entity: { key: 'account' }, field: { key: 'companyName' } });
    expect(conflictSubject({ entity: 'user', field: 'email' })).toEqual({ entity: { key: 'user' }, field: { key: 'email' } });
    expect(conflictSubject({ entity: 'kyc_case', field: 'state' })).toEqual({ entity: { key: 'kycCase' }, field: { key: 'kycState' } });
  });
  it('tells the same column apart on different records', () => {
    expect(conflictSubject({ entity: 'membership', field: 'role' }).field).toEqual({ key: 'employeeRole' });
    expect(conflictSubject({ entity: 'user', field: 'role' }).field).toEqual({ key: 'role' });
  });
  it('has no field for a whole record', () => {
    expect(conflictSubject({ entity: 'kyc_document', field: '' })).toEqual({ entity: { key: 'kycDocument' }, field: null });
  });
  it('falls back to the backend’s names', () => {
    expect(conflictSubject({ entity: 'widget', field: 'profile.colour' })).toEqual({ entity: { raw: 'widget' }, field: { raw: 'profile.colour' } });
  });
});

describe('conflictValue', () => {
  it('reads null, missing and empty text as empty', () => {
    for (const v of [null, undefined, '']) expect(conflictValue(v)).toEqual({ empty: true, text: '', json: false });
  });
  it('shows text, numbers and booleans as they are', () => {
    expect(conflictValue('Acme LLC')).toEqual({ empty: false, text: 'Acme LLC', json: false });
    expect(conflictValue(300)).toEqual({ empty: false, text: '300', json: false });
    expect(conflictValue(0).text).toBe('0');
    expect(conflictValue(false).text).toBe('false');
  });
  it('shows objects as compact JSON', () => {
    expect(conflictValue({ city: 'Moscow', line1: 'Tverskaya 1' })).toEqual({
      empty: false,
      text: '{"city":"Moscow","line1":"Tverskaya 1"}',
      json: true,
    });
    expect(conflictValue([1, 2]).text).toBe('[1,2]');
  });
  it('shortens long values and keeps the whole text', () => {
    const long = 'x'.repeat(200);
    const v = conflictValue(long, 20);
    expect(v.text).toHaveLength(20);
    expect(v.text.endsWith('…')).toBe(true);
    expect(v.full).toBe(long);
    expect(conflictValue('short', 20).full).toBeUndefined();
  });
});

describe('canReverse', () => {
  it('offers putting back only an open field conflict', () => {
    expect(canReverse({ kind: 'field' })).toBe(true);
    expect(canReverse({ kind: 'field', resolvedAt: '2024-01-01T00:00:00Z' })).toBe(false);
    for (const kind of ['unique', 'deleted', 'rejected'] as const) expect(canReverse({ kind })).toBe(false);
  });
});

describe('syncState', () => {
  it('is alone without a server, whatever else it says', () => {
    expect(syncState({ server: '', online: true, syncing: true })).toBe('alone');
  });
  it('is syncing, online or offline with one', () => {
    const server = 'https://gh.example.com';
    expect(syncState({ server, online: true, syncing: true })).toBe('syncing');
    expect(syncState({ server, online: true, syncing: false })).toBe('online');
    expect(syncState({ server, online: false, syncing: false })).toBe('offline');
  });
});

describe('receivingPercent', () => {
  const server = 'https://gh.example.com';
  it('tells how far a long pull is while it runs', () => {
    expect(receivingPercent({ server, syncing: true, receiving: 45 })).toBe(45);
    expect(receivingPercent({ server, syncing: true, receiving: 150 })).toBe(99);
  });
  it('says nothing without one under way', () => {
    expect(receivingPercent({ server, syncing: true, receiving: 0 })).toBeUndefined();
    expect(receivingPercent({ server, syncing: true })).toBeUndefined();
    expect(receivingPercent({ server, syncing: false, receiving: 45 })).toBeUndefined();
    expect(receivingPercent({ server: '', syncing: true, receiving: 45 })).toBeUndefined();
  });
});

describe('serverHost', () => {
  it('drops the scheme', () => {
    expect(serverHost('https://gh.example.com')).toBe('gh.example.com');
    expect(serverHost('https://gh.example.com:8443/gatehouse')).toBe('gh.example.com:8443/gatehouse');
    expect(serverHost('not a url')).toBe('not a url');
  });
});

describe('relativeTime', () => {
  const now = Date.parse('2024-03-12T12:00:00Z');
  const ago = (s: number) => new Date(now - s * 1000).toISOString();
  it('reads recent moments as now', () => {
    expect(relativeTime(ago(20), 'en', now)).toBe('now');
  });
  it('counts minutes, hours and days', () => {
    expect(relativeTime(ago(5 * 60), 'en', now)).toBe('5 minutes ago');
    expect(relativeTime(ago(59 * 60 + 50), 'en', now)).toBe('59 minutes ago');
    expect(relativeTime(ago(3 * 3600), 'en', now)).toBe('3 hours ago');
    expect(relativeTime(ago(26 * 3600), 'en', now)).toBe('yesterday');
    expect(relativeTime(ago(5 * 60), 'ru', now)).toBe('5 минут назад');
  });
  it('is empty without a time', () => {
    expect(relativeTime(undefined, 'en', now)).toBe('');
    expect(relativeTime('soon', 'en', now)).toBe('');
  });
});
