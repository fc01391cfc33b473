import { Fragment, useEffect, useRef, type ReactNode } from 'react';
import { Navigate, Outlet, Route, Routes, useLocation, useNavigate } from 'react-router-dom';
import { onDeepLink, pendingDeepLink } from './api';
import { normalizeDeepLink, redirectFor } from './auth/routes';
import { useSession } from './auth/session';
import { ForgotPage } from './pages/Forgot';
import { HomePage } from './pages/Home';
import { RegisterPage } from './pages/Register';
import { ResetPage } from './pages/Reset';
import { SignInPage } from './pages/SignIn';
import { VerifyEmailPage } from './pages/VerifyEmail';
import { VerifyPhonePage } from './pages/VerifyPhone';

// Guard sends each person to the one place their session allows.
function Guard() {
  const location = useLocation();
  const { user } = useSession();
  const to = redirectFor(user, location.pathname, new URLSearchParams(location.search));
  if (to) return <Navigate to={to} replace />;
  return <Outlet />;
}

// KeyBySearch remounts a token screen when its query changes (a second link
// opened while the first one's screen is up), so no state leaks between them.
function KeyBySearch({ children }: { children: ReactNode }) {
  const { search } = useLocation();
  return <Fragment key={search}>{children}</Fragment>;
}

// DeepLinks follows gatehouse:// links the desktop shell hands over.
function DeepLinks() {
  const navigate = useNavigate();
  const nav = useRef(navigate);
  nav.current = navigate;
  useEffect(() => {
    const off = onDeepLink((path) => nav.current(normalizeDeepLink(path)));
    // A link that started the app (rather than reaching a running one).
    pendingDeepLink()
      .then((path) => path && nav.current(normalizeDeepLink(path)))
      .catch(() => undefined);
    return off;
  }, []);
  return null;
}

export function App() {
  return (
    <>
      <DeepLinks />
      <Routes>
        <Route element={<Guard />}>
          <Route path="/" element={<HomePage />} />
          <Route path="/signin" element={<SignInPage />} />
          <Route path="/register" element={<RegisterPage />} />
          <Route path="/verify-email" element={<KeyBySearch><VerifyEmailPage /></KeyBySearch>} />
          <Route path="/verify-phone" element={<VerifyPhonePage />} />
          <Route path="/forgot" element={<ForgotPage />} />
          <Route path="/reset" element={<KeyBySearch><ResetPage /></KeyBySearch>} />
          <Route path="*" element={<Navigate to="/" replace />} />
        </Route>
      </Routes>
    </>
  );
}
