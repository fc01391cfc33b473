import type { User } from '../api';
import { isStaff } from '../account/fields';

// Routes a signed-out user may open.
// /sync/connect too: a new desktop has no users until it syncs with a server.
export const PUBLIC_ROUTES = ['/signin', '/register', '/verify-email', '/forgot', '/reset', '/invite', '/sync/connect'];

// Sync's review screens (the backend checks again): every staff member
// sees the conflicts about what they hold, administrators decide them and
// manage devices. The connect screen is desktop-only, which it decides.
const SYNC_ADMIN_ROUTES = ['/sync/devices'];
const SYNC_STAFF_ROUTES = ['/sync/conflicts'];

// What the guard knows about a verified customer's account: 'none' until
// the account details are saved; 'n/a' when it does not matter (staff, or
// not asked yet).
export type AccountGate = 'n/a' | 'none' | 'present';

// Screens each kind of verified user may open besides home.
const STAFF_ROUTE = /^\/accounts(\/[^/]+(\/kyc)?)?$/;
// The KYC review queue: those who review, and managers who watch it.
export const canSeeKycQueue = (role: User['role'] | undefined): boolean =>
  role === 'reviewer' || role === 'admin' || role === 'manager';

// The monthly onboarding dashboard: staff who read reports.
export const canSeeDashboard = (role: User['role'] | undefined): boolean =>
  role === 'admin' || role === 'manager' || role === 'reviewer';

// needsAccount says whether the guard must know the user's account before
// routing: verified customers only.
export function needsAccount(user: User | null): boolean {
  return !!user && user.role === 'customer' && user.emailVerified && user.phoneVerified;
}

// redirectFor says where the user must go instead of pathname, or null to
// stay. Signed out: only the public routes. Signed in: email first, then
// phone, then (customers) the account details, then home. Links that carry
// a token (/reset, /invite, /verify-email?token=) are let through, since
// they work whoever is signed in.
export function redirectFor(
  user: User | null,
  pathname: string,
  search: URLSearchParams,
  account: AccountGate = 'n/a',
): string | null {
  if (!user) return PUBLIC_ROUTES.includes(pathname) ? null : '/signin';
  if (pathname === '/reset' || pathname === '/invite') return null;
  if (pathname === '/verify-email' && search.has('token')) return null;
  if (!user.emailVerified) {
    return pathname === '/verify-email' ? null : `/verify-email?email=${encodeURIComponent(user.email)}`;
  }
  if (!user.phoneVerified) return pathname === '/verify-phone' ? null : '/verify-phone';
  if (user.role === 'customer' && account === 'none') {
    return pathname === '/account-details' ? null : '/account-details';
  }
  if (isStaff(user.role) && STAFF_ROUTE.test(pathname)) return null;
  if (pathname === '/kyc-queue' && canSeeKycQueue(user.role)) return null;
  if (pathname === '/dashboard' && canSeeDashboard(user.role)) return null;
  if (pathname === '/sync/connect') return null;
  if (SYNC_ADMIN_ROUTES.includes(pathname) && user.role === 'admin') return null;
  if (SYNC_STAFF_ROUTES.includes(pathname) && isStaff(user.role)) return null;
  if (pathname === '/kyc' && user.role === 'customer' && account === 'present') return null;
  return pathname === '/' ? null : '/';
}

// normalizeDeepLink turns what the desktop shell hands over
// ("gatehouse://verify-email?token=..", "#/reset?token=..", "/reset?..")
// into an in-app path.
export function normalizeDeepLink(link: string): string {
  let p = link.trim().replace(/^gatehouse:\/*/i, '');
  p = p.replace(/^#/, '');
  if (!p.startsWith('/')) p = `/${p}`;
  return p;
}
