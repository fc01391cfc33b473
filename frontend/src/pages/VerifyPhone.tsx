import { Anchor, Button, Group, Stack, Text } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { api, type FieldError } from '../api';
import { asApiError, fieldErrorText, splitErrors } from '../api/errors';
import { useSession } from '../auth/session';
import { ErrorAlert, InfoAlert } from '../components/Alerts';
import { AuthLayout } from '../components/AuthLayout';
import { CodeInput } from '../components/CodeInput';
import { useApiError } from '../hooks/useApiError';
import { useDraft } from '../hooks/useDraft';
import { deadlineIn, formatClock, useCountdown } from '../hooks/useCountdown';
import { useScreen } from '../hooks/useScreen';

// formatTime shows a moment as hours:minutes in the user's own zone.
export function formatTime(ms: number, lang: string, timeZone?: string): string {
  const opts: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit' };
  try {
    return new Intl.DateTimeFormat(lang, { ...opts, timeZone }).format(ms);
  } catch {
    return new Intl.DateTimeFormat(lang, opts).format(ms);
  }
}

export function VerifyPhonePage() {
  useScreen('verify-phone');
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const { user, setUser, signOut } = useSession();
  const [code, setCode] = useState('');
  const [sending, setSending] = useState(false);
  const [verifying, setVerifying] = useState(false);
  // A reload keeps "code sent, valid until ..." and the resend countdown
  // (the server enforces the wait anyway; this keeps the page honest).
  const kept = useDraft<{ sentUntil: number; resendAt: number }>(`verify-phone.${user?.id ?? ''}`);
  const [initial] = useState(() => {
    const k = kept.restore({ sentUntil: 0, resendAt: 0 });
    const future = (t: number) => (t > Date.now() ? t : null);
    return { sentUntil: future(k.sentUntil), resendAt: future(k.resendAt) };
  });
  const [sentUntil, setSentUntil] = useState<number | null>(initial.sentUntil);
  const [resendAt, setResendAt] = useState<number | null>(initial.resendAt);
  const resendLeft = useCountdown(resendAt);
  const failure = useApiError();
  const [codeError, setCodeError] = useState<FieldError | null>(null); // translated as shown

  // A session that ended on the server sends the person back to sign in.
  const fail = (e: unknown) => {
    if (asApiError(e).body.code === 'unauthorized') {
      setUser(null);
      return;
    }
    failure.set(e);
  };

  const send = async () => {
    if (sending || resendLeft > 0 || failure.blocked) return;
    setSending(true);
    failure.set(null);
    try {
      const sent = await api.sendPhoneCode();
      const next = { resendAt: deadlineIn(sent?.resendAfterSeconds), sentUntil: deadlineIn(sent?.expiresInSeconds) ?? Date.now() };
      setResendAt(next.resendAt);
      setSentUntil(next.sentUntil);
      kept.save({ sentUntil: next.sentUntil, resendAt: next.resendAt ?? 0 });
    } catch (e) {
      fail(e);
    } finally {
      setSending(false);
    }
  };

  const verify = async (e: FormEvent) => {
    e.preventDefault();
    if (verifying || failure.blocked) return;
    setVerifying(true);
    failure.set(null);
    setCodeError(null);
    try {
      const session = await api.verifyPhone({ code });
      kept.clear();
      setUser(session.user);
      navigate('/', { replace: true });
    } catch (err) {
      // A wrong code is said under the code; anything else above.
      const { general } = splitErrors(t, err, ['code']);
      setCodeError(asApiError(err).fieldErrors().code ?? null);
      if (general) fail(general);
      setVerifying(false);
    }
  };

  if (!user) return null;
  const sent = sentUntil !== null;
  const waiting = Math.max(resendLeft, failure.blocked ? failure.secondsLeft ?? 0 : 0);
  const lang = i18n.resolvedLanguage ?? 'en';

  return (
    <AuthLayout
      title={t('verifyPhone.title')}
      testid="verify-phone-card"
      footer={
        <Anchor
          component="button"
          type="button"
          size="sm"
          data-testid="verify-phone-signout"
          onClick={() => void signOut().catch(() => undefined).then(() => navigate('/signin'))}
        >
          {t('common.signOut')}
        </Anchor>
      }
    >
      <Text size="sm">
        <Trans
          i18nKey="verifyPhone.intro"
          values={{ phone: user.phone }}
          components={{ b: <Text span fw={600} ff="monospace" data-testid="phone-number" /> }}
        />
      </Text>
      {sent && (
        <InfoAlert testid="phone-sent">
          {t('verifyPhone.sent', { time: formatTime(sentUntil, lang, user.timeZone) })}
        </InfoAlert>
      )}
      <ErrorAlert error={failure.error} secondsLeft={failure.secondsLeft} testid="phone-error" />
      <Button
        variant={sent ? 'default' : 'filled'}
        fullWidth
        onClick={send}
        loading={sending}
        disabled={waiting > 0}
        data-testid="phone-send"
        data-seconds-left={waiting}
      >
        {waiting > 0
          ? t('verifyPhone.resendIn', { time: formatClock(waiting) })
          : sent
            ? t('verifyPhone.resend')
            : t('verifyPhone.send')}
      </Button>
      <form onSubmit={verify} noValidate>
        <Stack gap="md">
          <CodeInput
            label={t('verifyPhone.code')}
            placeholder={t('verifyPhone.codePlaceholder')}
            value={code}
            onChange={(c) => {
              setCode(c);
              setCodeError(null); // a new code is not the wrong one
            }}
            error={codeError && fieldErrorText(t, codeError)}
            testid="phone-code"
          />
          <Group grow>
            <Button
              type="submit"
              variant={sent ? 'filled' : 'light'}
              loading={verifying}
              disabled={failure.blocked}
              data-testid="phone-verify"
            >
              {t('verifyPhone.submit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </AuthLayout>
  );
}
