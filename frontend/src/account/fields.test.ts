import { describe, expect, it } from 'vitest';
import i18n from '../i18n';
import type { Account } from '../api';
import { completeness, fieldLabel, normalizeProfile, profileForSave, requisitesFor, wholeOrZero } from './fields';

const t = i18n.getFixedT('en');
const tr = i18n.getFixedT('ru');

const account = (over: Partial<Account> = {}): Account => ({
  id: 'a1',
  details: {
    type: 'company',
    firstName: 'Anna',
    lastName: 'Petrova',
    companyName: 'Romashka',
    sector: 'telecom',
    sectorOther: '',
    phoneType: 'mobile',
    phone: '+79123456789',
  },
  phoneVerified: true,
  profile: normalizeProfile(null),
  createdBy: 'u1',
  createdAt: '2024-01-01T00:00:00Z',
  updatedAt: '2024-01-01T00:00:00Z',
  missing: [],
  complete: false,
  canEdit: true,
  ...over,
});

describe('requisitesFor', () => {
  it('offers each country its own invoice details', () => {
    expect(requisitesFor('RU', 'company')).toEqual(['inn', 'kpp', 'ogrn', 'bik', 'corrAccount', 'settlementAccount', 'bankName']);
    expect(requisitesFor('RU', 'individual')).not.toContain('kpp');
    expect(requisitesFor('IN', 'company')).toEqual(['gstin', 'pan', 'ifsc', 'bankAccount', 'bankName']);
    expect(requisitesFor('DE', 'company')).toEqual(['vat', 'swift', 'iban', 'bankName']);
    expect(requisitesFor('', 'company')).toEqual([]);
  });
});

describe('wholeOrZero', () => {
  it('keeps whole numbers, typed or not', () => {
    expect(wholeOrZero(300)).toBe(300);
    expect(wholeOrZero('250')).toBe(250);
    expect(wholeOrZero(-1)).toBe(-1); // out of range: the backend says so
  });
  it('sends anything else as 0, which the backend refuses at the field', () => {
    expect(wholeOrZero(1.5)).toBe(0);
    expect(wholeOrZero('abc')).toBe(0);
    expect(wholeOrZero('')).toBe(0);
  });
});

describe('profileForSave', () => {
  it('drops details of another country and trims', () => {
    const p = normalizeProfile({ name: ' Romashka ', requisites: { ...normalizeProfile(null).requisites, country: 'IN', inn: '7707083893', gstin: ' 27AAPFU0939F1ZV ' } });
    const out = profileForSave(p, 'company');
    expect(out.name).toBe('Romashka');
    expect(out.requisites.inn).toBe('');
    expect(out.requisites.gstin).toBe('27AAPFU0939F1ZV');
    expect(out.maxDialogs).toBe(300);
  });
});

describe('fieldLabel', () => {
  it('reads backend paths as the form labels', () => {
    expect(fieldLabel(t, 'name', 'company')).toBe('Name');
    expect(fieldLabel(t, 'requisites.inn', 'company')).toBe('INN');
    expect(fieldLabel(t, 'requisites.ogrn', 'individual')).toBe('OGRNIP');
    expect(fieldLabel(t, 'legalAddress.city', 'company')).toBe('Legal address: City');
    expect(fieldLabel(tr, 'postalAddress.line1', 'company')).toBe('Почтовый адрес: Улица и дом');
    expect(fieldLabel(t, 'details.phone', 'company')).toBe('Phone number');
    expect(fieldLabel(t, 'something.new', 'company')).toBe('something.new');
  });
});

describe('completeness', () => {
  it('counts filled required fields', () => {
    expect(completeness(account({ complete: true }))).toBe(100);
    const all = completeness(account({ missing: ['name', 'email', 'phone', 'timeZone', 'requisites.country', 'legalAddress.country', 'legalAddress.postcode', 'legalAddress.city', 'legalAddress.line1'] }));
    expect(all).toBe(0);
    const half = completeness(account({ missing: ['name', 'email', 'phone', 'timeZone'] }));
    expect(half).toBeGreaterThan(0);
    expect(half).toBeLessThan(100);
  });
});
