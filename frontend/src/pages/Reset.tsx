import { Anchor, Button, PasswordInput } from '@mantine/core';
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

export function ResetPage() {
  useScreen('reset');
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
      await api.resetPassword({ token, password: values.password, passwordConfirm: values.passwordConfirm });
      // Drop the spent token from the address (and history); opening the
      // link again then starts afresh and gets the backend's verdict.
      navigate('/reset', { replace: true, state: { done: true } });
      return;
    } catch (e) {
      const { general } = showErrors(e, ['password', 'passwordConfirm']);
      failure.set(general);
    } finally {
      setBusy(false);
    }
  });

  const linkBroken = !token || failure.error?.body.key === 'errors.link_invalid';
  const error = token ? failure.error : noToken;


  return (
    <AuthLayout
      title={t('reset.title')}
      subtitle={done || !token ? undefined : t('reset.intro')}
      testid="reset-card"
      footer={
        <Anchor component={Link} to="/signin" data-testid="reset-back">
          {t('common.backToSignIn')}
        </Anchor>
      }
    >
      {done ? (
        <>
          <SuccessAlert testid="reset-done">{t('reset.done')}</SuccessAlert>
          <Button component={Link} to="/signin" fullWidth data-testid="reset-signin">
            {t('common.signIn')}
          </Button>
        </>
      ) : (
        <>
          <ErrorAlert error={error} secondsLeft={failure.secondsLeft} testid="reset-error" />
          {linkBroken && (
            <Button component={Link} to="/forgot" variant="light" fullWidth data-testid="reset-request-new">
              {t('reset.requestNew')}
            </Button>
          )}
          {token && !linkBroken && (
            <form onSubmit={submit} noValidate>
              <PasswordField
                label={t('reset.password')}
                withAsterisk
                autoFocus
                testid="reset-password"
                policy={config.passwordPolicy}
                {...form.getInputProps('password')}
              />
              <PasswordInput
                mt="md"
                label={t('reset.passwordConfirm')}
                autoComplete="new-password"
                withAsterisk
                data-testid="reset-password-confirm"
                visibilityToggleButtonProps={{ 'aria-label': t('common.showPassword') }}
                {...form.getInputProps('passwordConfirm')}
              />
              <Button type="submit" fullWidth mt="xl" loading={busy} disabled={failure.blocked} data-testid="reset-submit">
                {t('reset.submit')}
              </Button>
            </form>
          )}
        </>
      )}
    </AuthLayout>
  );
}
