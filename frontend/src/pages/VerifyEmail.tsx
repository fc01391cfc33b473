import { Anchor, Button, Center, Loader, Stack, Text, TextInput } from '@mantine/core';
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useNavigate, useSearchParams } from 'react-router-dom';
import { api, type FieldError } from '../api';
import { asApiError, fieldErrorText, splitErrors } from '../api/errors';
import { useSession } from '../auth/session';
import { ErrorAlert, InfoAlert, SuccessAlert } from '../components/Alerts';
import { AuthLayout } from '../components/AuthLayout';
import { CodeInput } from '../components/CodeInput';
import { useApiError } from '../hooks/useApiError';
import { deadlineIn, formatClock, useCountdown } from '../hooks/useCountdown';
import { useScreen } from '../hooks/useScreen';

// A token is single-use: remember the call so a re-mount (StrictMode, a
// language switch) shows the first answer instead of spending it twice.
const tokenCalls = new Map<string, Promise<object>>();
function verifyToken(token: string): Promise<object> {
  let p = tokenCalls.get(token);
  if (!p) {
    p = api.verifyEmail({ token });
    tokenCalls.set(token, p);
  }
  return p;
}

export function VerifyEmailPage() {
  useScreen('verify-email');
  const [params] = useSearchParams();
  const verified = !!(useLocation().state as { verified?: boolean } | null)?.verified;
  const token = params.get('token');
  if (verified) return <Verified />;
  return token ? <TokenVerification token={token} /> : <CodeVerification />;
}

function Verified() {
  const { t } = useTranslation();
  return (
    <AuthLayout title={t('verifyEmail.title')} testid="verify-email-card">
      <SuccessAlert testid="verify-email-ok">{t('verifyEmail.ok')}</SuccessAlert>
      <Done />
    </AuthLayout>
  );
}

// Done: what to offer once the address is confirmed.
function Done() {
  const { t } = useTranslation();
  const { user, refresh } = useSession();
  const navigate = useNavigate();
  const [busy, setBusy] = useState(false);
  if (user) {
    return (
      <Button
        fullWidth
        loading={busy}
        data-testid="verify-email-continue"
        onClick={async () => {
          setBusy(true);
          try {
            await refresh();
          } catch {
            /* the guard still decides with what it has */
          }
          navigate('/', { replace: true });
        }}
      >
        {t('common.continue')}
      </Button>
    );
  }
  return (
    <Button component={Link} to="/signin" fullWidth data-testid="verify-email-signin">
      {t('common.signIn')}
    </Button>
  );
}

function TokenVerification({ token }: { token: string }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [state, setState] = useState<{ status: 'checking' } | { status: 'error'; error: unknown }>({
    status: 'checking',
  });

  useEffect(() => {
    let live = true;
    setState({ status: 'checking' });
    verifyToken(token).then(
      () => {
        // Drop the spent token from the address (and history).
        if (live) navigate('/verify-email', { replace: true, state: { verified: true } });
      },
      (error) => live && setState({ status: 'error', error }),
    );
    return () => {
      live = false;
    };
  }, [token, navigate]);

  return (
    <AuthLayout title={t('verifyEmail.title')} testid="verify-email-card">
      {state.status === 'checking' && (
        <Center py="md">
          <Stack align="center" gap="xs">
            <Loader size="sm" />
            <Text size="sm" c="dimmed" data-testid="verify-email-checking">
              {t('verifyEmail.checking')}
            </Text>
          </Stack>
        </Center>
      )}
      {state.status === 'error' && (
        <>
          <ErrorAlert error={asApiError(state.error)} testid="verify-email-error" />
          <Button component={Link} to="/verify-email" variant="light" fullWidth data-testid="verify-email-use-code">
            {t('verifyEmail.useCode')}
          </Button>
          <Anchor component={Link} to="/signin" size="sm" ta="center" data-testid="verify-email-back">
            {t('common.backToSignIn')}
          </Anchor>
        </>
      )}
    </AuthLayout>
  );
}

interface ArrivalState {
  registered?: boolean;
  resendAt?: number | null; // ms since the epoch
}

function CodeVerification() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const location = useLocation();
  const navigate = useNavigate();
  const { user, signOut } = useSession();
  const arrival = (location.state ?? {}) as ArrivalState;

  const knownEmail = params.get('email') ?? user?.email ?? '';
  const [typedEmail, setTypedEmail] = useState('');
  const email = knownEmail || typedEmail.trim();

  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [ok, setOk] = useState(false);
  const codeFailure = useApiError();
  const [emailError, setEmailError] = useState<FieldError | null>(null); // translated as shown

  const [resendAt, setResendAt] = useState<number | null>(() => arrival.resendAt ?? null);
  const resendLeft = useCountdown(resendAt);
  const [resending, setResending] = useState(false);
  const [resent, setResent] = useState(false);
  const resendFailure = useApiError();
  const [codeError, setCodeError] = useState<FieldError | null>(null);

  const verify = async (e: FormEvent) => {
    e.preventDefault();
    if (busy || codeFailure.blocked) return;
    setBusy(true);
    codeFailure.set(null);
    setEmailError(null);
    setCodeError(null);
    try {
      await api.verifyEmailCode({ email, code });
      setOk(true);
    } catch (err) {
      const { general } = splitErrors(t, err, knownEmail ? ['code'] : ['email', 'code']);
      setEmailError(asApiError(err).fieldErrors().email ?? null);
      setCodeError(asApiError(err).fieldErrors().code ?? null);
      codeFailure.set(general);
    } finally {
      setBusy(false);
    }
  };

  const resend = async () => {
    if (resending || resendLeft > 0 || resendFailure.blocked) return;
    setResending(true);
    resendFailure.set(null);
    setResent(false);
    try {
      const cd = await api.resendVerification({ email });
      setResendAt(deadlineIn(cd?.resendAfterSeconds));
      setResent(true);
    } catch (err) {
      const { general } = splitErrors(t, err, knownEmail ? [] : ['email']);
      setEmailError(asApiError(err).fieldErrors().email ?? null);
      resendFailure.set(general);
    } finally {
      setResending(false);
    }
  };

  const waiting = Math.max(resendLeft, resendFailure.blocked ? resendFailure.secondsLeft ?? 0 : 0);

  return (
    <AuthLayout
      title={t('verifyEmail.title')}
      testid="verify-email-card"
      footer={
        user ? (
          <Anchor
            component="button"
            type="button"
            size="sm"
            data-testid="verify-email-signout"
            onClick={() => void signOut().catch(() => undefined).then(() => navigate('/signin'))}
          >
            {t('verifyEmail.wrongAccount')}
          </Anchor>
        ) : (
          <Anchor component={Link} to="/signin" data-testid="verify-email-back">
            {t('common.backToSignIn')}
          </Anchor>
        )
      }
    >
      {ok ? (
        <>
          <SuccessAlert testid="verify-email-ok">{t('verifyEmail.ok')}</SuccessAlert>
          <Done />
        </>
      ) : (
        <>
          {knownEmail ? (
            <InfoAlert testid={arrival.registered ? 'register-done' : 'verify-email-sent'}>
              <Text size="sm" fw={500}>
                {t('verifyEmail.sent', { email: knownEmail })}
              </Text>
              <Text size="sm" mt={4}>
                {t('verifyEmail.instructions')}
              </Text>
            </InfoAlert>
          ) : (
            <Text size="sm" c="dimmed">
              {t('verifyEmail.askEmail')}
            </Text>
          )}
          <form onSubmit={verify} noValidate>
            <Stack gap="md">
              {!knownEmail && (
                <TextInput
                  label={t('common.email')}
                  placeholder={t('common.emailPlaceholder')}
                  type="email"
                  autoComplete="email"
                  value={typedEmail}
                  onChange={(e) => setTypedEmail(e.currentTarget.value)}
                  error={emailError && fieldErrorText(t, emailError)}
                  data-testid="verify-email-address"
                />
              )}
              <CodeInput
                label={t('verifyEmail.code')}
                placeholder={t('verifyEmail.codePlaceholder')}
                value={code}
                onChange={(c) => {
                  setCode(c);
                  setCodeError(null); // a new code is not the wrong one
                }}
                error={codeError && fieldErrorText(t, codeError)}
                testid="verify-code"
                autoFocus={!!knownEmail}
              />
              <ErrorAlert error={codeFailure.error} secondsLeft={codeFailure.secondsLeft} testid="verify-code-error" />
              <Button type="submit" fullWidth loading={busy} disabled={codeFailure.blocked} data-testid="verify-code-submit">
                {t('verifyEmail.submit')}
              </Button>
            </Stack>
          </form>
          {resent && !resendFailure.error && (
            <SuccessAlert testid="verify-resent">{t('verifyEmail.resent', { email })}</SuccessAlert>
          )}
          <ErrorAlert error={resendFailure.error} secondsLeft={resendFailure.secondsLeft} testid="verify-resend-error" />
          <Button
            variant="subtle"
            fullWidth
            onClick={resend}
            loading={resending}
            disabled={waiting > 0 || !email}
            data-testid="verify-resend"
            data-seconds-left={waiting}
          >
            {waiting > 0 ? t('verifyEmail.resendIn', { time: formatClock(waiting) }) : t('verifyEmail.resend')}
          </Button>
        </>
      )}
    </AuthLayout>
  );
}
