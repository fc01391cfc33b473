import type { User } from '../api';

// Routes a signed-out user may open.
export const PUBLIC_ROUTES = ['/signin', '/register', '/verify-email', '/forgot', '/reset'];

// redirectFor says where the user must go instead of pathname, or null to
// stay. Signed out: only the public routes. Signed in: email first, then
// phone, then home. Links that carry a token (/reset, /verify-email?token=)
// are let through, since they work whoever is signed in.
export function redirectFor(user: User | null, pathname: string, search: URLSearchParams): string | null {
  if (!user) return PUBLIC_ROUTES.includes(pathname) ? null : '/signin';
  if (pathname === '/reset') return null;
  if (pathname === '/verify-email' && search.has('token')) return null;
  if (!user.emailVerified) {
    return pathname === '/verify-email' ? null : `/verify-email?email=${encodeURIComponent(user.email)}`;
  }
  if (!user.phoneVerified) return pathname === '/verify-phone' ? null : '/verify-phone';
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
