import { Anchor, Button, PasswordInput, Text } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useNavigate, useSearchParams } from 'react-router-dom';
import { api, ApiError } from '../api';
import { useSession } from '../auth/session';
import { ErrorAlert, SuccessAlert } from '../components/Alerts';
import { AuthLayout } from '../components/AuthLayout';
import { PasswordField } from '../components/PasswordField';
import { useApiError } from '../hooks/useApiError';
import { useFieldErrors } from '../hooks/useFieldErrors';
import { useScreen } from '../hooks/useScreen';

const noToken = new ApiError({ code: 'invalid', message: 'This link is invalid or has expired.', key: 'errors.link_invalid' });

// InvitePage: someone registered by a customer's administrator sets their
// password from the emailed link, then signs in.
export function InvitePage() {
  useScreen('invite');
  const { t } = useTranslation();
  const { config } = useSession();
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const navigate = useNavigate();
  const done = !!(useLocation().state as { done?: boolean } | null)?.done;
  const [busy, setBusy] = useState(false);
  const failure = useApiError();
  const form = useForm({ initialValues: { password: '', passwordConfirm: '' } });
  const showErrors = useFieldErrors(form);

  const submit = form.onSubmit(async (values) => {
    if (busy || failure.blocked) return;
    setBusy(true);
    failure.set(null);
    try {
      await api.acceptInvitation({ token, password: values.password, passwordConfirm: values.passwordConfirm });
      // Drop the spent token from the address (and history).
      navigate('/invite', { replace: true, state: { done: true } });
      return;
    } catch (e) {
      const { general } = showErrors(e, ['password', 'passwordConfirm']);
      failure.set(general);
    } finally {
      setBusy(false);
    }
  });

  const linkBroken =
    !token ||
    failure.error?.body.key === 'errors.link_invalid' ||
    !!failure.error?.body.fields?.some((f) => f.code === 'link_invalid');
  const error = token ? failure.error : noToken;

  return (
    <AuthLayout
      title={t('invite.title')}
      subtitle={done || linkBroken ? undefined : t('invite.intro')}
      testid="invite-card"
      footer={
        <Anchor component={Link} to="/signin" data-testid="invite-back">
          {t('common.backToSignIn')}
        </Anchor>
      }
    >
      {done ? (
        <>
          <SuccessAlert testid="invite-done">{t('invite.done')}</SuccessAlert>
          <Button component={Link} to="/signin" fullWidth data-testid="invite-signin">
            {t('common.signIn')}
          </Button>
        </>
      ) : (
        <>
          <ErrorAlert error={error} secondsLeft={failure.secondsLeft} testid="invite-error" />
          {linkBroken && (
            <Text size="sm" c="dimmed" data-testid="invite-ask">
              {t('invite.askNew')}
            </Text>
          )}
          {token && !linkBroken && (
            <form onSubmit={submit} noValidate>
              <PasswordField
                label={t('invite.password')}
                withAsterisk
                autoFocus
                testid="invite-password"
                policy={config.passwordPolicy}
                {...form.getInputProps('password')}
              />
              <PasswordInput
                mt="md"
                label={t('invite.passwordConfirm')}
                autoComplete="new-password"
                withAsterisk
                data-testid="invite-password-confirm"
                visibilityToggleButtonProps={{ 'aria-label': t('common.showPassword') }}
                {...form.getInputProps('passwordConfirm')}
              />
              <Button type="submit" fullWidth mt="xl" loading={busy} disabled={failure.blocked} data-testid="invite-submit">
                {t('invite.submit')}
              </Button>
            </form>
          )}
        </>
      )}
    </AuthLayout>
  );
}
