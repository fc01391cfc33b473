// The one door from the UI to the backend. On the desktop it calls the Go
// methods Wails binds (window.go.main.App.*); in a browser it POSTs to the
// HTTP API of `gatehouse serve` (/api/<method>). Both reject with ApiError,
// so screens never care which transport they run on.
import i18next from 'i18next';
import { solveInWorker } from './captcha';
import { downloadBlob, fileNameFrom } from '../lib/files';

export type Role = 'admin' | 'reviewer' | 'agent' | 'manager' | 'customer';

export interface User {
  id: string;
  name: string;
  email: string;
  phone: string; // E.164
  timeZone: string;
  role: Role;
  emailVerified: boolean;
  phoneVerified: boolean;
  createdAt: string; // RFC 3339
}

export interface PasswordPolicy {
  name: 'default' | 'nist';
  minLength: number;
  maxLength: number;
  requireUpper: boolean;
  requireLower: boolean;
  requireDigit: boolean;
  requireSpecial: boolean;
}

export interface ClientConfig {
  passwordPolicy: PasswordPolicy;
  timeZones: string[];
  defaultTimeZone: string; // the machine's zone as the backend sees it
  defaultRegion: string; // ISO 3166 country used to read local phone numbers
  termsVersion: string;
  privacyVersion: string;
  desktop: boolean;
  version: string; // the build, shown in the About line
}

// FieldError is one reason a field was refused. `code` is stable and is the
// i18n key (errors.<code>); `message` is the backend's English text, used
// when no translation exists; `params` fill placeholders like {{min}}.
export interface FieldError {
  field: string;
  code: string;
  message: string;
  params?: Record<string, string | number>;
}

export type ErrorCode =
  | 'invalid'
  | 'conflict'
  | 'not_found'
  | 'unauthorized'
  | 'forbidden'
  | 'rate_limited'
  | 'internal';

export interface ApiErrorBody {
  code: ErrorCode;
  message: string;
  key?: string; // i18n key for the message, e.g. errors.credentials
  fields?: FieldError[];
  retryAfterSeconds?: number;
}

export class ApiError extends Error {
  body: ApiErrorBody;
  constructor(body: ApiErrorBody) {
    super(body.message);
    this.body = body;
  }
  // fieldErrors maps field name -> first error, for Mantine's form.setErrors.
  fieldErrors(): Record<string, FieldError> {
    const out: Record<string, FieldError> = {};
    for (const f of this.body.fields ?? []) if (!out[f.field]) out[f.field] = f;
    return out;
  }
}

export interface RegisterInput {
  name: string;
  email: string;
  password: string;
  passwordConfirm: string;
  phone: string;
  timeZone: string;
  acceptTerms: boolean;
  acceptPrivacy: boolean;
}

// CaptchaChallenge is what the web's sign-up must solve (backend/captcha):
// "pow" is a proof of work, "none" when the server asks for nothing.
export interface CaptchaChallenge {
  kind: 'pow' | 'none';
  token: string;
  difficulty?: number;
  expiresInSeconds: number;
}

// Cooldown tells in how many seconds the next resend is possible. It is
// relative, not a timestamp, so that answers for known and unknown emails are
// byte-identical (no account enumeration).
export interface Cooldown {
  resendAfterSeconds: number;
}

export interface PhoneCodeSent extends Cooldown {
  expiresInSeconds: number;
}

export interface Session {
  user: User;
}

export interface Me {
  user: User | null;
}

export interface PasswordCheck {
  problems: FieldError[];
}


// ---- Customer accounts (account details, company profile, employees) ----

export type AccountType = 'individual' | 'company';
export type Sector =
  | 'telecom' | 'it_software' | 'banking_finance' | 'healthcare' | 'retail_ecommerce' | 'education' | 'government' | 'other';

export interface AccountDetails {
  type: AccountType;
  firstName: string;
  lastName: string;
  companyName: string; // required for a company
  sector: Sector | '';
  sectorOther: string; // when sector is 'other'
  phoneType: 'mobile' | 'landline';
  phone: string; // E.164 once saved
}

export interface Address {
  country: string; // ISO 3166 alpha-2
  postcode: string;
  region: string;
  city: string;
  line1: string; // street and building
  line2: string; // office, floor
}

// Requisites: invoice details. Which fields apply depends on country:
// RU: inn, kpp (companies), ogrn, bik, corrAccount, settlementAccount, bankName;
// IN: gstin, pan, ifsc, bankAccount, bankName; anything else: vat, iban, swift, bankName.
export interface Requisites {
  country: string;
  inn: string; kpp: string; ogrn: string; bik: string; corrAccount: string; settlementAccount: string; bankName: string;
  gstin: string; pan: string; ifsc: string; bankAccount: string;
  vat: string; iban: string; swift: string;
}

export interface CompanyProfile {
  name: string;
  email: string;
  phone: string;
  timeZone: string;
  maxDialogs: number; // 1..10000, default 300
  requisites: Requisites;
  legalAddress: Address;
  postalAddress: Address;
  postalSameAsLegal: boolean;
}

export interface Account {
  id: string;
  details: AccountDetails;
  phoneVerified: boolean;
  profile: CompanyProfile;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  // Field paths still needed, e.g. "name", "requisites.inn", "legalAddress.city", "details.phone".
  missing: string[];
  complete: boolean;
  canEdit: boolean; // the backend checks again on every write
}

export interface MyAccount {
  account: Account | null; // null until the account details are saved
  role: '' | 'administrator' | 'operator';
}

export interface Employee {
  userId: string;
  name: string;
  email: string;
  phone: string;
  role: 'administrator' | 'operator';
  status: 'invited' | 'active' | 'deactivated';
  maxDialogs: number | null; // an operator's own limit; null = company default
}

export type AccountStatus = 'registered' | 'verified' | 'profile_complete';

export interface AccountSummary {
  id: string;
  name: string;
  type: AccountType;
  email: string;
  phone: string;
  taxId: string; // INN or GSTIN
  status: AccountStatus;
  createdAt: string;
}

export interface AccountPage {
  items: AccountSummary[];
  next: string; // cursor for the next page, '' on the last
}


// ---- KYC ----

export type Text = Record<string, string>; // { en, ru }

export interface KYCDocumentKind { id: string; name: Text }
export interface KYCRequirement { id: string; name: Text; mandatory: boolean; documents: KYCDocumentKind[] } // any one document satisfies it
export interface KYCEntityType { id: string; name: Text; requirements: KYCRequirement[] }
export interface KYCCatalogue { countries: { country: string; entityTypes: KYCEntityType[] }[] }

export type KYCState = 'draft' | 'submitted' | 'in_review' | 'approved' | 'changes_requested' | 'rejected';

export interface KYCFile {
  sha256: string;
  size: number;
  type: 'application/pdf' | 'image/jpeg' | 'image/png' | 'image/heic';
  name: string; // display only
}

export interface KYCDocument {
  id: string;
  kind: string; // '' for an emailed document nobody classified yet
  requirement: string;
  status: 'pending' | 'approved' | 'rejected';
  reason: string; // why it was rejected; shown to the customer
  files: KYCFile[];
  source: 'upload' | 'email';
  createdAt: string;
}

export interface KYCEvent { at: string; actor: string; action: string; kind: string; from: string; to: string; reason: string } // kind: the document kind a per-document entry is about

export interface KYCCase {
  id: string; // '' until the first change creates the case
  reference: string; // KYC-XXXXXX, for email subjects
  accountId: string;
  accountName: string;
  country: string;
  entityType: string; // '' until chosen
  state: KYCState;
  documents: KYCDocument[];
  history: KYCEvent[];
  missing: string[]; // mandatory requirement ids with no live document
  canEdit: boolean;
  canReview: boolean;
  submittedAt: string;
  updatedAt: string;
}

export interface KYCQueueItem {
  caseId: string;
  reference: string;
  accountId: string;
  accountName: string;
  entityType: string;
  state: KYCState;
  submittedAt: string;
}

// kycFileURL is where a stored file can be shown (img src, iframe, link):
// the same URL on the desktop and on the web.
export const kycFileURL = (caseId: string, sha256: string) =>
  `/api/kyc/file?caseId=${encodeURIComponent(caseId)}&sha256=${encodeURIComponent(sha256)}`;


// ---- Exports and reports ----

export interface ReportMetrics {
  signUps: number;
  verifications: number;
  profilesCompleted: number;
  kycSubmitted: number;
  kycApproved: number;
  kycRejected: number;
  medianHoursToApproval: number; // 0 when no approvals
}
export interface ReportDay extends ReportMetrics { day: number }
// A row of the report by who onboarded: a field agent (source 'agent', with
// agentId and name), customers who signed up themselves ('self') or
// accounts staff opened ('office').
export interface ReportAgent extends ReportMetrics {
  agentId: string;
  agent: string;
  source: 'agent' | 'self' | 'office';
}
export interface MonthlyReport {
  year: number;
  month: number;
  timeZone: string;
  totals: ReportMetrics;
  days: ReportDay[];
  byAgent: ReportAgent[];
  made: string;
}

export interface ImportRowError { line: number; fields: FieldError[] }
export interface ImportPreview {
  rows: number;
  valid: number; // after an import: how many were imported (0 when any row was refused)
  errors: ImportRowError[];
  sample: { accountId: string; name: string; email: string; phone: string; role: string }[];
}
export interface ImportResult extends ImportPreview {
  errorsFile?: string; // base64 .xlsx: the refused rows with an "Error" column
}

export interface SavedFile { path: string; cancelled: boolean } // desktop save dialog
export interface ExportJob {
  id: string;
  done: number;
  total: number;
  state: 'running' | 'done' | 'failed' | 'cancelled';
  error?: ApiErrorBody; // why it failed, as any API error
}

// ---- Sync (desktops with a `gatehouse serve` server) ----

// SyncStatus: what the desktop knows about its sync with the server.
export interface SyncStatus {
  server: string; // '' when this desktop works alone
  deviceName: string;
  online: boolean;
  syncing: boolean;
  pending: number; // local changes the server has not acknowledged yet
  conflicts: number; // open ones
  lastSync?: string; // RFC 3339, the last successful round
  lastError?: string; // the backend's English
  lastErrorKey?: string; // its i18n key, when it has one
  received: number; // changes from the server applied since the app started
  receiving?: number; // 1-99: how much of a pull of several pages is done; 0 or absent: none under way
}

export interface SyncConnectInput {
  server: string; // https://...
  email: string;
  password: string;
  name: string; // this desktop's name on the server; '' = its host name
}

// Conflict: a value (or a whole record) that lost to a concurrent write.
// kept / lost are whatever the column held: strings, numbers, null, or
// objects (profile parts, whole rows of a deleted record).
export interface Conflict {
  id: string;
  kind: 'field' | 'unique' | 'deleted' | 'rejected';
  entity: string; // user, account, kyc_case, ...
  entityId: string;
  field: string; // a column ("email") or a profile part ("profile.name"); '' for whole records
  kept: unknown;
  lost: unknown;
  detail: string; // the backend's English
  createdAt: string;
  resolvedAt?: string;
  resolution?: 'kept' | 'reversed';
}

export interface Device {
  id: string;
  userId: string;
  userName: string;
  userEmail: string;
  name: string;
  createdAt: string;
  lastSeenAt?: string;
  revokedAt?: string;
}

declare global {
  interface Window {
    go?: { main?: { App?: Record<string, (...args: unknown[]) => Promise<unknown>> } };
    runtime?: { EventsOn?: (name: string, cb: (...data: unknown[]) => void) => () => void };
  }
}

export const isDesktop = (): boolean => !!window.go?.main?.App;

// uiLanguage is the language the UI shows (en, ru), as src/i18n set it up;
// the backend writes documents (PDFs) in it.
export function uiLanguage(): string {
  return i18next.resolvedLanguage || i18next.language || 'en';
}

// Headers every web request carries: the UI language for documents.
const langHeaders = (): Record<string, string> => ({ 'X-Gatehouse-Lang': uiLanguage() });

// request fetches a path of this server with the session cookie and the UI
// language. It rejects with an ApiError when no answer came at all
// (errors.network) or the answer is a refusal (the server's own error).
async function request(path: string, init: RequestInit = {}): Promise<Response> {
  let res: Response;
  try {
    const headers = { ...langHeaders(), ...(init.headers as Record<string, string>) };
    res = await fetch(path, { ...init, credentials: 'same-origin', headers });
  } catch {
    throw new ApiError({ code: 'internal', message: 'Cannot reach the server.', key: 'errors.network' });
  }
  if (!res.ok) {
    const body = await res.json().catch(() => null);
    throw toApiError(body?.error ?? { code: 'internal', message: 'Internal error.' });
  }
  return res;
}

function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e && typeof e === 'object' && 'code' in e && 'message' in e) return new ApiError(e as ApiErrorBody);
  if (typeof e === 'string') {
    try {
      const parsed = JSON.parse(e);
      if (parsed && parsed.code) return new ApiError(parsed);
    } catch {
      /* not JSON */
    }
  }
  return new ApiError({ code: 'internal', message: 'Internal error.', key: 'errors.internal' });
}

async function call<T>(method: string, input?: object): Promise<T> {
  const app = window.go?.main?.App;
  try {
    if (app) {
      const goName = method[0].toUpperCase() + method.slice(1);
      // Wails refuses a call whose argument count differs from the Go
      // method's, so methods without input get no argument at all.
      return (await app[goName](...(input === undefined ? [] : [input]))) as T;
    }
    const res = await request(`/api/${method}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(input ?? {}),
    });
    return (await res.json().catch(() => null)) as T;
  } catch (e) {
    throw toApiError(e);
  }
}

export const api = {
  config: () => call<ClientConfig>('config'),
  checkPassword: (input: { password: string; email?: string; name?: string }) =>
    call<PasswordCheck>('checkPassword', input),
  // register sends `captcha` (from solveCaptcha) only when there is one:
  // the desktop binding takes a RegisterInput alone.
  register: (input: RegisterInput, captcha = '') =>
    call<Cooldown & { email: string }>('register', captcha ? { ...input, captcha } : input),
  // solveCaptcha proves, on the web, that a browser is signing up: it
  // fetches a challenge and solves it in a Web Worker (a fraction of a
  // second). The desktop calls the backend directly and needs none: ''.
  solveCaptcha: async (): Promise<string> => {
    if (isDesktop()) return '';
    const c = await call<CaptchaChallenge>('captcha');
    if (c.kind === 'none') return '';
    try {
      return await solveInWorker(c.token, c.difficulty ?? 0);
    } catch {
      throw new ApiError({ code: 'internal', message: 'This browser could not complete the check.', key: 'errors.captchaBrowser' });
    }
  },
  resendVerification: (input: { email: string }) => call<Cooldown>('resendVerification', input),
  verifyEmail: (input: { token: string }) => call<object>('verifyEmail', input),
  verifyEmailCode: (input: { email: string; code: string }) => call<object>('verifyEmailCode', input),
  signIn: (input: { email: string; password: string; remember: boolean }) => call<Session>('signIn', input),
  signOut: () => call<object>('signOut'),
  me: () => call<Me>('me'),
  sendPhoneCode: () => call<PhoneCodeSent>('sendPhoneCode'),
  verifyPhone: (input: { code: string }) => call<Session>('verifyPhone', input),
  requestPasswordReset: (input: { email: string }) => call<object>('requestPasswordReset', input),
  resetPassword: (input: { token: string; password: string; passwordConfirm: string }) =>
    call<object>('resetPassword', input),
  setPasswordPolicy: (input: { name: 'default' | 'nist' }) => call<ClientConfig>('setPasswordPolicy', input),
  // Customer accounts. Field errors use the paths of the inputs above
  // (e.g. "details.firstName", "requisites.inn", "legalAddress.city").
  myAccount: () => call<MyAccount>('myAccount'),
  getAccount: (input: { accountId: string }) => call<Account>('getAccount', input),
  listAccounts: (input: { query: string; status: AccountStatus | ''; after: string; limit: number }) =>
    call<AccountPage>('listAccounts', input),
  sendAccountPhoneCode: (input: { phoneType: 'mobile' | 'landline'; phone: string }) =>
    call<PhoneCodeSent>('sendAccountPhoneCode', input),
  verifyAccountPhone: (input: { phone: string; code: string }) => call<object>('verifyAccountPhone', input),
  // accountId '' creates: a customer their own account, staff one on a customer's behalf.
  saveAccountDetails: (input: { accountId: string; details: AccountDetails }) => call<Account>('saveAccountDetails', input),
  saveCompany: (input: { accountId: string; profile: CompanyProfile }) => call<Account>('saveCompany', input),
  listEmployees: (input: { accountId: string; query: string }) => call<{ items: Employee[] }>('listEmployees', input),
  inviteEmployee: (input: { accountId: string; name: string; email: string; phone: string; role: 'administrator' | 'operator' }) =>
    call<Employee>('inviteEmployee', input),
  updateEmployee: (input: {
    accountId: string;
    userId: string;
    role?: 'administrator' | 'operator';
    maxDialogs?: number;
    clearMaxDialogs?: boolean;
    active?: boolean;
  }) => call<Employee>('updateEmployee', input),
  acceptInvitation: (input: { token: string; password: string; passwordConfirm: string }) =>
    call<object>('acceptInvitation', input),
  // KYC. Upload errors come on field "files" (file_type, file_type_mismatch, file_too_large,
  // file_encrypted, file_empty, too_many_files) with params.name; "kind", "entityType",
  // "documents" (kyc_incomplete), "reason" / "reason.<documentId>" for reviews.
  kycCatalogue: () => call<KYCCatalogue>('kycCatalogue'),
  kycCase: (input: { accountId: string }) => call<KYCCase>('kycCase', input),
  kycSetEntityType: (input: { accountId: string; country: string; entityType: string }) => call<KYCCase>('kycSetEntityType', input),
  // files: base64 (a data: URL is fine). At most 4 files, 10 MB each.
  kycUpload: (input: { accountId: string; kind: string; files: { name: string; data: string }[] }) => call<KYCCase>('kycUpload', input),
  // Desktop only: the native file dialog; returns the case unchanged when nothing was chosen.
  kycPickFiles: (input: { accountId: string; kind: string }) => call<KYCCase>('kycPickFiles', input),
  kycRemoveDocument: (input: { accountId: string; documentId: string }) => call<KYCCase>('kycRemoveDocument', input),
  kycClassify: (input: { accountId: string; documentId: string; kind: string }) => call<KYCCase>('kycClassify', input),
  kycSubmit: (input: { accountId: string }) => call<KYCCase>('kycSubmit', input),
  kycStartReview: (input: { caseId: string }) => call<KYCCase>('kycStartReview', input),
  kycDecide: (input: { caseId: string; decisions: { documentId: string; approve: boolean; reason: string }[] }) =>
    call<KYCCase>('kycDecide', input),
  kycRejectCase: (input: { caseId: string; reason: string }) => call<KYCCase>('kycRejectCase', input),
  kycQueue: (input: { entityType: string; state: '' | 'submitted' | 'in_review' }) => call<{ items: KYCQueueItem[] }>('kycQueue', input),
  // Admins make users staff: role admin | reviewer | agent | manager | customer. Errors on "email", "role".
  setUserRole: (input: { email: string; role: Role }) => call<{ user: User }>('setUserRole', input),
  // Exports. On the desktop, save* open a native save dialog and write the
  // file (cancelled: true when the person closed it). In a browser, use
  // downloadURL() with a plain link instead (the session cookie goes along).
  monthlyReport: (input: { year: number; month: number; timeZone: string }) => call<MonthlyReport>('monthlyReport', input),
  importPreview: (input: { accountId: string; fileName: string; data: string }) => call<ImportPreview>('importPreview', input),
  importEmployees: (input: { accountId: string; fileName: string; data: string }) => call<ImportResult>('importEmployees', input),
  saveInvoicePdf: (input: { accountId: string }) => call<SavedFile>('saveInvoicePDF', input),
  saveEmployees: (input: { accountId: string }) => call<SavedFile>('saveEmployees', input),
  saveMonthlyReport: (input: { year: number; month: number; timeZone: string; format: 'xlsx' | 'pdf' }) =>
    call<SavedFile>('saveMonthlyReport', input),
  saveBase64File: (input: { name: string; data: string }) => call<SavedFile>('saveBase64File', input),
  // Desktop batch: progress arrives as onExportProgress events; cancelExport stops it.
  exportInvoicesZip: (input: { accountIds: string[] }) => call<SavedFile>('exportInvoicesZip', input),
  cancelExport: () => call<object>('cancelExport'),
  // Web batch: a job to poll; fetch the file at exportJobFileURL(id) when done.
  startExportJob: (input: { accountIds: string[] }) => call<ExportJob>('exportJobs', input),
  // Tells the desktop backend the UI language, for PDFs (web requests send it in a header).
  setLanguage: (input: { lang: string }) => (isDesktop() ? call<object>('setLanguage', input) : Promise.resolve({})),
  // frontendReady tells the desktop shell which screen first rendered; it logs
  // the time since process start (the cold-start figure). A no-op on the web.
  frontendReady: (input: { screen: string }) => (isDesktop() ? call<object>('frontendReady', input) : Promise.resolve({})),
  // Sync, desktop side: the desktop's own connection to a server. A browser
  // is the server's own page, so there is nothing to connect: they reject.
  syncStatus: () => desktopOnly(() => call<SyncStatus>('syncStatus')),
  syncNow: () => desktopOnly(() => call<SyncStatus>('syncNow')),
  // syncConnect needs no local session (a new desktop has no users until its
  // first sync). Field errors: "server" (server_url_invalid), "email",
  // "password"; otherwise errors.server_unreachable, sign-in errors,
  // errors.device_unverified.
  syncConnect: (input: SyncConnectInput) => desktopOnly(() => call<SyncStatus>('syncConnect', input)),
  syncDisconnect: () => desktopOnly(() => call<SyncStatus>('syncDisconnect')),
  // Conflicts, on any node (administrators). reverse only for kind "field":
  // otherwise errors.conflict_not_reversible.
  syncConflicts: (input: { includeResolved: boolean }) =>
    call<Conflict[] | null>('syncConflicts', input).then((list) => list ?? []),
  resolveConflict: (input: { id: string; reverse: boolean }) => call<object>('resolveConflict', input),
  // Devices live on the server, so only the web lists and revokes them.
  devices: () => webOnly(() => call<Device[] | null>('devices').then((list) => list ?? [])),
  revokeDevice: (input: { id: string }) => webOnly(() => call<object>('revokeDevice', input)),
};

// desktopOnly / webOnly reject, the way call() does, a method the other
// transport does not have, rather than failing on a missing binding or route.
function desktopOnly<T>(f: () => Promise<T>): Promise<T> {
  if (isDesktop()) return f();
  return Promise.reject(new ApiError({ code: 'internal', message: 'This works in the desktop app only.', key: 'errors.desktop_only' }));
}
function webOnly<T>(f: () => Promise<T>): Promise<T> {
  if (!isDesktop()) return f();
  return Promise.reject(new ApiError({ code: 'internal', message: 'This works on the server’s web page only.', key: 'errors.web_only' }));
}

// pendingDeepLink returns, once, the in-app path of the gatehouse:// link the
// desktop app was started with ("" if none, and always "" in a browser).
export async function pendingDeepLink(): Promise<string> {
  if (!isDesktop()) return '';
  return (await call<string>('pendingDeepLink')) ?? '';
}

// onDeepLink calls back with an in-app path (e.g. "/verify-email?token=...")
// when the desktop app is opened through a gatehouse:// URL.
export function onDeepLink(cb: (path: string) => void): () => void {
  const off = window.runtime?.EventsOn?.('deeplink', (p) => cb(String(p)));
  return off ?? (() => {});
}

// Web-only download and job URLs (GET; the session cookie authenticates).
export const downloadURL = {
  invoice: (accountId: string, lang: string) => `/api/export/invoice?accountId=${encodeURIComponent(accountId)}&lang=${lang}`,
  employees: (accountId: string) => `/api/export/employees?accountId=${encodeURIComponent(accountId)}`, // '' = all (admins, managers)
  report: (year: number, month: number, timeZone: string, format: 'xlsx' | 'pdf', lang: string) =>
    `/api/export/report?year=${year}&month=${month}&timeZone=${encodeURIComponent(timeZone)}&format=${format}&lang=${lang}`,
};

// jobRequest: a GET or POST of /api/exportJobs/..., rejecting with ApiError
// like call() does (no answer, or an answer that is not JSON, included).
async function jobRequest(path: string, method: 'GET' | 'POST'): Promise<ExportJob> {
  const res = await request(path, { method });
  const body = await res.json().catch(() => null);
  if (!body) throw toApiError({ code: 'internal', message: 'Internal error.' });
  return body as ExportJob;
}
export const exportJobStatus = (id: string): Promise<ExportJob> => jobRequest(`/api/exportJobs/${encodeURIComponent(id)}`, 'GET');
export const cancelExportJob = (id: string): Promise<ExportJob> =>
  jobRequest(`/api/exportJobs/${encodeURIComponent(id)}/cancel`, 'POST');
export const exportJobFileURL = (id: string) => `/api/exportJobs/${encodeURIComponent(id)}/file`;

// fetchDownload fetches an export (a downloadURL or exportJobFileURL, with
// the session cookie) and hands it to the browser as a download named as
// the server says. A refusal rejects with the server's ApiError, so the
// page can say what went wrong instead of the browser's "Failed".
export async function fetchDownload(href: string, fallbackName = ''): Promise<void> {
  const res = await request(href);
  let blob: Blob;
  try {
    blob = await res.blob();
  } catch {
    throw new ApiError({ code: 'internal', message: 'Cannot reach the server.', key: 'errors.network' });
  }
  downloadBlob(blob, fileNameFrom(res.headers.get('Content-Disposition')) || fallbackName);
}

// onSyncStatus: the desktop's sync status whenever it changes (a no-op in a browser).
export function onSyncStatus(cb: (s: SyncStatus) => void): () => void {
  const off = window.runtime?.EventsOn?.('sync:status', (s) => cb(s as SyncStatus));
  return off ?? (() => {});
}

// onExportProgress: desktop batch progress.
export function onExportProgress(cb: (p: { done: number; total: number }) => void): () => void {
  const off = window.runtime?.EventsOn?.('export:progress', (p) => cb(p as { done: number; total: number }));
  return off ?? (() => {});
}
