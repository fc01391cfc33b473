import { describe, expect, it } from 'vitest';
import type { User } from '../api';
import { normalizeDeepLink, redirectFor } from './routes';

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
  });
});

describe('normalizeDeepLink', () => {
  it('accepts paths, hashes and gatehouse:// URLs', () => {
    expect(normalizeDeepLink('/reset?token=a')).toBe('/reset?token=a');
    expect(normalizeDeepLink('#/reset?token=a')).toBe('/reset?token=a');
    expect(normalizeDeepLink('gatehouse://verify-email?token=b')).toBe('/verify-email?token=b');
  });
});
