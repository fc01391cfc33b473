// Words for sync: what a conflict is about, how its values read, and the
// state the header's badge shows. Pure, so it is tested without a browser.
import type { Conflict, SyncStatus } from '../api';

// Entities the backend syncs (backend/store/sync_entities.go), as i18n keys
// under sync.entities. An unknown one shows as the backend names it.
const ENTITIES: Record<string, string> = {
  user: 'user',
  consent: 'consent',
  setting: 'setting',
  account: 'account',
  membership: 'membership',
  kyc_case: 'kycCase',
  kyc_document: 'kycDocument',
  kyc_event: 'kycEvent',
};

// Fields are the synced columns, or the top-level parts of an account's
// profile ("profile.name"). Keys under sync.fields; a field missing here
// shows as its column name, which an administrator can still read.
const FIELDS: Record<string, string> = {
  name: 'name',
  email: 'email',
  phone: 'phone',
  time_zone: 'timeZone',
  role: 'role',
  password_hash: 'password',
  email_verified_at: 'emailVerified',
  phone_verified_at: 'phoneVerified',
  type: 'accountType',
  first_name: 'firstName',
  last_name: 'lastName',
  company_name: 'companyName',
  sector: 'sector',
  sector_other: 'sectorOther',
  phone_type: 'phoneType',
  status: 'status',
  max_dialogs: 'maxDialogs',
  account_id: 'account',
  country: 'country',
  entity_type: 'entityType',
  state: 'kycState',
  kind: 'documentKind',
  reason: 'reason',
  value: 'value',
  'profile.name': 'companyName',
  'profile.email': 'companyEmail',
  'profile.phone': 'companyPhone',
  'profile.timeZone': 'timeZone',
  'profile.maxDialogs': 'maxDialogs',
  'profile.requisites': 'requisites',
  'profile.legalAddress': 'legalAddress',
  'profile.postalAddress': 'postalAddress',
  'profile.postalSameAsLegal': 'postalSameAsLegal',
};

// The same column means different things on different records.
const ENTITY_FIELDS: Record<string, string> = {
  'membership:role': 'employeeRole',
  'membership:status': 'employeeStatus',
  'kyc_document:status': 'documentStatus',
  'account:email': 'companyEmail',
};

export interface ConflictSubject {
  entity: { key: string } | { raw: string }; // key under sync.entities
  field: { key: string } | { raw: string } | null; // key under sync.fields; null: the whole record
}

// conflictSubject says what a conflict is about, as i18n keys where known.
export function conflictSubject(c: Pick<Conflict, 'entity' | 'field'>): ConflictSubject {
  const entity = ENTITIES[c.entity] ? { key: ENTITIES[c.entity] } : { raw: c.entity };
  if (!c.field) return { entity, field: null };
  const key = ENTITY_FIELDS[`${c.entity}:${c.field}`] ?? FIELDS[c.field];
  return { entity, field: key ? { key } : { raw: c.field } };
}

// ConflictValue is a kept or lost value ready to show: `empty` for null,
// missing or '' (the UI says "empty"), else its text; `full` is the whole
// text when `text` had to be shortened.
export interface ConflictValue {
  empty: boolean;
  text: string;
  full?: string;
  json: boolean; // an object or array, shown as compact JSON
}

export const VALUE_MAX = 120;

// conflictValue turns whatever a column held into one line of text.
export function conflictValue(v: unknown, max = VALUE_MAX): ConflictValue {
  if (v === null || v === undefined || v === '') return { empty: true, text: '', json: false };
  let text: string;
  let json = false;
  if (typeof v === 'string') text = v;
  else if (typeof v === 'number' || typeof v === 'boolean') text = String(v);
  else {
    json = true;
    try {
      text = JSON.stringify(v) ?? String(v);
    } catch {
      text = String(v);
    }
  }
  if (text.length <= max) return { empty: false, text, json };
  return { empty: false, text: `${text.slice(0, max - 1)}…`, full: text, json };
}

// canReverse: the backend puts back only a single field's value; other kinds
// answer errors.conflict_not_reversible, so the button is not offered.
export const canReverse = (c: Pick<Conflict, 'kind' | 'resolvedAt'>): boolean => c.kind === 'field' && !c.resolvedAt;

export type SyncState = 'alone' | 'syncing' | 'online' | 'offline';

// syncState is what the header's badge says.
export function syncState(s: Pick<SyncStatus, 'server' | 'online' | 'syncing'>): SyncState {
  if (!s.server) return 'alone';
  if (s.syncing) return 'syncing';
  return s.online ? 'online' : 'offline';
}

// receivingPercent is how far a long pull is (a new desktop's first sync),
// while one is under way; undefined otherwise.
export function receivingPercent(s: Pick<SyncStatus, 'server' | 'syncing' | 'receiving'>): number | undefined {
  if (!s.server || !s.syncing || !s.receiving || s.receiving < 1) return undefined;
  return Math.min(99, Math.round(s.receiving));
}

export const SYNC_COLORS: Record<SyncState, string> = {
  alone: 'gray',
  syncing: 'indigo',
  online: 'teal',
  offline: 'orange',
};

// serverHost: the server's address without the scheme, for tight spaces.
export function serverHost(server: string): string {
  try {
    const u = new URL(server);
    return u.host + (u.pathname === '/' ? '' : u.pathname);
  } catch {
    return server;
  }
}

// relativeTime reads a past moment the local way ("5 minutes ago",
// "5 минут назад", "now"); '' when iso is not a time.
export function relativeTime(iso: string | undefined, lang: string, now = Date.now()): string {
  if (!iso) return '';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  const seconds = Math.round((ms - now) / 1000);
  const steps: [Intl.RelativeTimeFormatUnit, number][] = [
    ['second', 60],
    ['minute', 60],
    ['hour', 24],
    ['day', 7],
    ['week', 4.35],
    ['month', 12],
    ['year', Infinity],
  ];
  let v = seconds;
  for (const [unit, size] of steps) {
    if (Math.abs(v) < size) {
      const rtf = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });
      // Under a minute reads as "now": seconds tick too fast to be useful.
      return unit === 'second' ? rtf.format(0, 'second') : rtf.format(Math.trunc(v), unit);
    }
    v /= size;
  }
  return '';
}
