import { describe, expect, it } from 'vitest';
import type { User } from '../api';
import { needsAccount, normalizeDeepLink, redirectFor } from './routes';

const user = (over: Partial<User> = {}): User => ({
  id: 'u1',
  name: 'Ann',
  email: 'ann+x@example.com',
  phone: '+15550000000',
  timeZone: 'UTC',
  role: 'customer',
  emailVerified: true,
  phoneVerified: true,
  createdAt: '2024-01-01T00:00:00Z',
  ...over,
});
const q = (s = '') => new URLSearchParams(s);

describe('redirectFor', () => {
  it('opens the sync screens: connect to anyone, conflicts to staff, devices to admins', () => {
    expect(redirectFor(null, '/sync/connect', q())).toBeNull();
    expect(redirectFor(user(), '/sync/connect', q())).toBeNull();
    expect(redirectFor(user({ role: 'agent' }), '/sync/connect', q())).toBeNull();
    expect(redirectFor(null, '/sync/conflicts', q())).toBe('/signin');
    expect(redirectFor(user({ role: 'admin' }), '/sync/conflicts', q())).toBeNull();
    expect(redirectFor(user({ role: 'admin' }), '/sync/devices', q())).toBeNull();
    expect(redirectFor(user({ role: 'agent' }), '/sync/conflicts', q())).toBeNull();
    expect(redirectFor(user({ role: 'reviewer' }), '/sync/conflicts', q())).toBeNull();
    expect(redirectFor(user({ role: 'agent' }), '/sync/devices', q())).toBe('/');
    expect(redirectFor(user(), '/sync/conflicts', q())).toBe('/');
    expect(redirectFor(user(), '/sync/devices', q())).toBe('/');
  });
  it('keeps signed-out users on public routes', () => {
    expect(redirectFor(null, '/register', q())).toBeNull();
    expect(redirectFor(null, '/reset', q('token=a'))).toBeNull();
    expect(redirectFor(null, '/', q())).toBe('/signin');
    expect(redirectFor(null, '/verify-phone', q())).toBe('/signin');
  });
  it('sends signed-in users through email, then phone, then home', () => {
    expect(redirectFor(user({ emailVerified: false }), '/', q())).toBe('/verify-email?email=ann%2Bx%40example.com');
    expect(redirectFor(user({ emailVerified: false }), '/verify-email', q('email=a'))).toBeNull();
    expect(redirectFor(user({ phoneVerified: false }), '/signin', q())).toBe('/verify-phone');
    expect(redirectFor(user({ phoneVerified: false }), '/verify-phone', q())).toBeNull();
    expect(redirectFor(user(), '/signin', q())).toBe('/');
    expect(redirectFor(user(), '/', q())).toBeNull();
  });
  it('lets token links through', () => {
    expect(redirectFor(user(), '/verify-email', q('token=t'))).toBeNull();
    expect(redirectFor(user(), '/reset', q('token=t'))).toBeNull();
    expect(redirectFor(user(), '/invite', q('token=t'))).toBeNull();
    expect(redirectFor(null, '/invite', q('token=t'))).toBeNull();
    expect(redirectFor(user(), '/invite', q('token=t'), 'none')).toBeNull();
  });
  it('keeps a verified customer on the account details until they are saved', () => {
    expect(redirectFor(user(), '/', q(), 'none')).toBe('/account-details');
    expect(redirectFor(user(), '/accounts', q(), 'none')).toBe('/account-details');
    expect(redirectFor(user(), '/account-details', q(), 'none')).toBeNull();
    expect(redirectFor(user(), '/account-details', q(), 'present')).toBe('/');
    expect(redirectFor(user({ phoneVerified: false }), '/account-details', q(), 'none')).toBe('/verify-phone');
  });
  it('opens the accounts screens to staff only', () => {
    for (const role of ['admin', 'agent', 'manager', 'reviewer'] as const) {
      expect(redirectFor(user({ role }), '/accounts', q())).toBeNull();
      expect(redirectFor(user({ role }), '/accounts/new', q())).toBeNull();
      expect(redirectFor(user({ role }), '/accounts/0190-abc', q())).toBeNull();
      expect(redirectFor(user({ role }), '/account-details', q())).toBe('/');
    }
    expect(redirectFor(user(), '/accounts', q(), 'present')).toBe('/');
    expect(redirectFor(user(), '/accounts/x', q(), 'present')).toBe('/');
  });
  it('opens KYC to the customer with an account and to staff by account', () => {
    expect(redirectFor(user(), '/kyc', q(), 'present')).toBeNull();
    expect(redirectFor(user(), '/kyc', q(), 'none')).toBe('/account-details');
    expect(redirectFor(user({ role: 'agent' }), '/kyc', q())).toBe('/');
    for (const role of ['admin', 'agent', 'manager', 'reviewer'] as const) {
      expect(redirectFor(user({ role }), '/accounts/0190-abc/kyc', q())).toBeNull();
    }
    expect(redirectFor(user(), '/accounts/0190-abc/kyc', q(), 'present')).toBe('/');
    expect(redirectFor(user({ role: 'reviewer' }), '/accounts/a/b/kyc', q())).toBe('/');
  });
  it('opens the review queue to reviewers, admins and managers', () => {
    for (const role of ['admin', 'manager', 'reviewer'] as const) expect(redirectFor(user({ role }), '/kyc-queue', q())).toBeNull();
    expect(redirectFor(user({ role: 'agent' }), '/kyc-queue', q())).toBe('/');
    expect(redirectFor(user(), '/kyc-queue', q(), 'present')).toBe('/');
  });
});

describe('needsAccount', () => {
  it('is true for verified customers only', () => {
    expect(needsAccount(user())).toBe(true);
    expect(needsAccount(user({ phoneVerified: false }))).toBe(false);
    expect(needsAccount(user({ role: 'agent' }))).toBe(false);
    expect(needsAccount(null)).toBe(false);
  });
});

describe('normalizeDeepLink', () => {
  it('accepts paths, hashes and gatehouse:// URLs', () => {
    expect(normalizeDeepLink('/reset?token=a')).toBe('/reset?token=a');
    expect(normalizeDeepLink('#/reset?token=a')).toBe('/reset?token=a');
    expect(normalizeDeepLink('gatehouse://verify-email?token=b')).toBe('/verify-email?token=b');
  });
});

describe('dashboard', () => {
  it('opens for admins, managers and reviewers only', () => {
    for (const role of ['admin', 'manager', 'reviewer'] as const) {
      expect(redirectFor(user({ role }), '/dashboard', q())).toBeNull();
    }
    for (const role of ['agent', 'customer'] as const) {
      expect(redirectFor(user({ role }), '/dashboard', q(), 'present')).toBe('/');
    }
    expect(redirectFor(null, '/dashboard', q())).toBe('/signin');
  });
});
