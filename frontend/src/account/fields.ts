// What the account screens know about account fields: the choices offered,
// which invoice details apply to which country, and how a field path from
// the backend ("requisites.inn", "legalAddress.city") reads to a person.
import type { TFunction } from 'i18next';
import type { Account, AccountDetails, AccountType, Address, CompanyProfile, Requisites, Role, Sector } from '../api';

export const SECTORS: readonly Sector[] = [
  'telecom',
  'it_software',
  'banking_finance',
  'healthcare',
  'retail_ecommerce',
  'education',
  'government',
  'other',
];

// Countries offered for invoice details and addresses: Russia and India
// have their own requisites; the rest share VAT, IBAN and SWIFT.
export const COUNTRIES: readonly string[] = [
  'RU', 'IN', 'AE', 'AM', 'BY', 'CN', 'CY', 'DE', 'ES', 'FR', 'GB', 'GE', 'IT', 'KZ', 'NL', 'SG', 'TR', 'US', 'UZ',
];

export const ADDRESS_FIELDS = ['country', 'postcode', 'region', 'city', 'line1', 'line2'] as const satisfies readonly (keyof Address)[];

export type RequisiteField = Exclude<keyof Requisites, 'country'>;

export const REQUISITE_FIELDS: readonly RequisiteField[] = [
  'inn', 'kpp', 'ogrn', 'bik', 'corrAccount', 'settlementAccount', 'gstin', 'pan', 'ifsc', 'bankAccount', 'vat', 'iban', 'swift', 'bankName',
];

// requisitesFor lists, in display order, the invoice-detail fields of a
// country; KPP is for companies only.
export function requisitesFor(country: string, type: AccountType): RequisiteField[] {
  switch (country.toUpperCase()) {
    case '':
      return [];
    case 'RU':
      return type === 'company'
        ? ['inn', 'kpp', 'ogrn', 'bik', 'corrAccount', 'settlementAccount', 'bankName']
        : ['inn', 'ogrn', 'bik', 'corrAccount', 'settlementAccount', 'bankName'];
    case 'IN':
      return ['gstin', 'pan', 'ifsc', 'bankAccount', 'bankName'];
    default:
      return ['vat', 'swift', 'iban', 'bankName'];
  }
}

export const STAFF_ROLES: readonly Role[] = ['admin', 'agent', 'manager', 'reviewer'];
export const isStaff = (role: Role | undefined): boolean => !!role && STAFF_ROLES.includes(role);
// Staff who may open an account on a customer's behalf.
export const canCreateAccounts = (role: Role | undefined): boolean => role === 'admin' || role === 'agent';
// Staff who may export every company's employees at once.
export const canExportAllEmployees = (role: Role | undefined): boolean => role === 'admin' || role === 'manager';

export const emptyAddress = (): Address => ({ country: '', postcode: '', region: '', city: '', line1: '', line2: '' });

export const emptyRequisites = (): Requisites => ({
  country: '',
  inn: '', kpp: '', ogrn: '', bik: '', corrAccount: '', settlementAccount: '', bankName: '',
  gstin: '', pan: '', ifsc: '', bankAccount: '',
  vat: '', iban: '', swift: '',
});

export const DEFAULT_MAX_DIALOGS = 300;

// normalizeProfile fills what an older or partial answer may leave out, so
// every input is controlled.
export function normalizeProfile(p: Partial<CompanyProfile> | null | undefined): CompanyProfile {
  const src = p ?? {};
  return {
    name: src.name ?? '',
    email: src.email ?? '',
    phone: src.phone ?? '',
    timeZone: src.timeZone ?? '',
    maxDialogs: src.maxDialogs && src.maxDialogs > 0 ? src.maxDialogs : DEFAULT_MAX_DIALOGS,
    requisites: { ...emptyRequisites(), ...(src.requisites ?? {}) },
    legalAddress: { ...emptyAddress(), ...(src.legalAddress ?? {}) },
    postalAddress: { ...emptyAddress(), ...(src.postalAddress ?? {}) },
    postalSameAsLegal: src.postalSameAsLegal ?? true,
  };
}

// profileForSave drops invoice details that do not apply to the chosen
// country (left over from switching countries), so none is checked by mistake.
// wholeOrZero sends a count as typed when it is a whole number; anything
// else (1.5, "abc", empty) as 0, which the backend refuses with its "whole
// number from 1 to 10,000" at the field. The input keeps what was typed
// rather than silently dropping the dot or the minus.
export function wholeOrZero(v: number | string): number {
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isInteger(n) ? n : 0;
}

export function profileForSave(p: CompanyProfile, type: AccountType): CompanyProfile {
  const keep = new Set<string>(requisitesFor(p.requisites.country, type));
  const requisites = { ...p.requisites };
  for (const f of REQUISITE_FIELDS) if (!keep.has(f)) requisites[f] = '';
  const trimmed = (a: Address): Address => ({
    country: a.country,
    postcode: a.postcode.trim(),
    region: a.region.trim(),
    city: a.city.trim(),
    line1: a.line1.trim(),
    line2: a.line2.trim(),
  });
  for (const f of REQUISITE_FIELDS) requisites[f] = requisites[f].trim();
  return {
    ...p,
    name: p.name.trim(),
    email: p.email.trim(),
    phone: p.phone.trim(),
    maxDialogs: wholeOrZero(p.maxDialogs),
    requisites,
    legalAddress: trimmed(p.legalAddress),
    postalAddress: trimmed(p.postalAddress),
  };
}

// profileFormFields: every path the company window can show an error at.
export const PROFILE_FORM_FIELDS: readonly string[] = [
  'name', 'email', 'phone', 'timeZone', 'maxDialogs', 'postalSameAsLegal', 'requisites.country',
  ...REQUISITE_FIELDS.map((f) => `requisites.${f}`),
  ...ADDRESS_FIELDS.map((f) => `legalAddress.${f}`),
  ...ADDRESS_FIELDS.map((f) => `postalAddress.${f}`),
];

export const DETAILS_FIELDS = ['type', 'firstName', 'lastName', 'companyName', 'sector', 'sectorOther', 'phoneType', 'phone'] as const satisfies readonly (keyof AccountDetails)[];

// requisiteLabel: OGRN is called OGRNIP for a sole proprietor.
export function requisiteLabel(t: TFunction, f: RequisiteField, type: AccountType): string {
  if (f === 'ogrn' && type === 'individual') return t('requisites.ogrnip');
  return t(`requisites.${f}`);
}

// fieldLabel reads a backend field path as the label a person saw.
export function fieldLabel(t: TFunction, path: string, type: AccountType): string {
  const [head, tail] = path.includes('.') ? [path.slice(0, path.indexOf('.')), path.slice(path.indexOf('.') + 1)] : [path, ''];
  switch (head) {
    case 'name':
    case 'email':
    case 'phone':
    case 'timeZone':
    case 'maxDialogs':
      return t(`company.${head}`);
    case 'requisites':
      if (tail === 'country') return t('company.country');
      if ((REQUISITE_FIELDS as readonly string[]).includes(tail)) return requisiteLabel(t, tail as RequisiteField, type);
      break;
    case 'legalAddress':
    case 'postalAddress':
      if ((ADDRESS_FIELDS as readonly string[]).includes(tail)) {
        return t('company.addressField', { address: t(`company.${head}`), field: t(`address.${tail}`) });
      }
      break;
    case 'details':
      if ((DETAILS_FIELDS as readonly string[]).includes(tail)) return t(`accountDetails.${tail}`);
      break;
  }
  return path;
}

// requiredPaths: what the profile needs to count as complete, as far as the
// UI can tell; the backend's `missing` is the authority, this only gives the
// progress bar its denominator.
export function requiredPaths(account: Pick<Account, 'details' | 'profile'>): string[] {
  const type = account.details.type;
  const p = normalizeProfile(account.profile);
  const out = ['name', 'email', 'phone', 'timeZone', 'requisites.country'];
  for (const f of requisitesFor(p.requisites.country, type)) out.push(`requisites.${f}`);
  for (const f of ['country', 'postcode', 'city', 'line1']) out.push(`legalAddress.${f}`);
  if (!p.postalSameAsLegal) for (const f of ['country', 'postcode', 'city', 'line1']) out.push(`postalAddress.${f}`);
  return out;
}

// completeness is the share of required fields filled, 0..100.
export function completeness(account: Pick<Account, 'details' | 'profile' | 'missing' | 'complete'>): number {
  if (account.complete) return 100;
  const missing = new Set(account.missing ?? []);
  // Without a country the invoice details are still ahead: count a typical
  // set of them as missing, so picking a country does not drop the bar.
  if (!normalizeProfile(account.profile).requisites.country) {
    for (const f of requisitesFor('IN', account.details.type)) missing.add(`requisites.${f}`);
  }
  const total = new Set([...requiredPaths(account), ...missing]).size;
  if (total === 0) return 0;
  return Math.round(((total - missing.size) / total) * 100);
}

// displayName: the company's name, else the person's.
export function displayName(account: Pick<Account, 'details' | 'profile'>): string {
  const d = account.details;
  const person = [d.firstName, d.lastName].filter(Boolean).join(' ');
  if (d.type === 'company') return account.profile?.name || d.companyName || person;
  return account.profile?.name || person;
}
