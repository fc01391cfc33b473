import { Center, Loader } from '@mantine/core';
import { Fragment, lazy, Suspense, useEffect, useRef, type ReactNode } from 'react';
import { Navigate, Outlet, Route, Routes, useLocation, useNavigate } from 'react-router-dom';
import { onDeepLink, pendingDeepLink } from './api';
import { useAccount } from './auth/account';
import { needsAccount, normalizeDeepLink, redirectFor, type AccountGate } from './auth/routes';
import { useSession } from './auth/session';
import { AppLayout } from './components/AppLayout';
import { BootError, BootLoading } from './components/Boot';
import { AccountDetailsPage } from './pages/AccountDetails';
import { AccountsPage } from './pages/Accounts';
import { AccountViewPage } from './pages/AccountView';
import { ForgotPage } from './pages/Forgot';
import { HomePage } from './pages/Home';
import { InvitePage } from './pages/Invite';
import { AccountKycPage, KycPage } from './pages/Kyc';
import { KycQueuePage } from './pages/KycQueue';
import { NewAccountPage } from './pages/NewAccount';
import { RegisterPage } from './pages/Register';
import { ResetPage } from './pages/Reset';
import { SignInPage } from './pages/SignIn';
import { SyncConflictsPage } from './pages/SyncConflicts';
import { SyncConnectPage } from './pages/SyncConnect';
import { SyncDevicesPage } from './pages/SyncDevices';
import { VerifyEmailPage } from './pages/VerifyEmail';
import { VerifyPhonePage } from './pages/VerifyPhone';

// The dashboard brings the chart library; it loads when first opened.
const DashboardPage = lazy(() => import('./pages/Dashboard').then((m) => ({ default: m.DashboardPage })));

// PageLoading: the signed-in frame while a screen's code loads.
function PageLoading() {
  return (
    <AppLayout size="xl">
      <Center py="xl">
        <Loader size="sm" />
      </Center>
    </AppLayout>
  );
}

// Token links work whoever is signed in, so they never wait for the account.
const tokenRoute = (pathname: string, search: URLSearchParams) =>
  pathname === '/reset' || pathname === '/invite' || (pathname === '/verify-email' && search.has('token'));

// Guard sends each person to the one place their session allows. A verified
// customer's account is looked up first: without one, only the account
// details form opens.
function Guard() {
  const location = useLocation();
  const { user } = useSession();
  const account = useAccount();
  const search = new URLSearchParams(location.search);
  let gate: AccountGate = 'n/a';
  if (needsAccount(user) && !tokenRoute(location.pathname, search)) {
    if (account.status === 'error') return <BootError error={account.error} onRetry={() => void account.reload()} />;
    if (account.status !== 'ready') return <BootLoading />;
    gate = account.mine?.account ? 'present' : 'none';
  }
  const to = redirectFor(user, location.pathname, search, gate);
  if (to) return <Navigate to={to} replace />;
  return <Outlet />;
}

// KeyBySearch remounts a token screen when its query changes (a second link
// opened while the first one's screen is up), so no state leaks between them.
function KeyBySearch({ children }: { children: ReactNode }) {
  const { search } = useLocation();
  return <Fragment key={search}>{children}</Fragment>;
}

// KeyByPath remounts a screen when its path changes (one account to another).
function KeyByPath({ children }: { children: ReactNode }) {
  const { pathname } = useLocation();
  return <Fragment key={pathname}>{children}</Fragment>;
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
          <Route path="/invite" element={<KeyBySearch><InvitePage /></KeyBySearch>} />
          <Route path="/account-details" element={<AccountDetailsPage />} />
          <Route path="/accounts" element={<AccountsPage />} />
          <Route path="/accounts/new" element={<NewAccountPage />} />
          <Route path="/accounts/:id" element={<KeyByPath><AccountViewPage /></KeyByPath>} />
          <Route path="/accounts/:id/kyc" element={<KeyByPath><AccountKycPage /></KeyByPath>} />
          <Route path="/kyc" element={<KycPage />} />
          <Route path="/kyc-queue" element={<KycQueuePage />} />
          <Route path="/sync/connect" element={<SyncConnectPage />} />
          <Route path="/sync/conflicts" element={<SyncConflictsPage />} />
          <Route path="/sync/devices" element={<SyncDevicesPage />} />
          <Route
            path="/dashboard"
            element={
              <Suspense fallback={<PageLoading />}>
                <DashboardPage />
              </Suspense>
            }
          />
          <Route path="*" element={<Navigate to="/" replace />} />
        </Route>
      </Routes>
    </>
  );
}
